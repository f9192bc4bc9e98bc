/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 on the lcore (RFC 4443): echo replies built in place, errors
 * received handed to the transport that owns the quoted packet (the
 * slot registered for its protocol, dps_proto_ops.err6, with the errno
 * of Linux's icmpv6_err_convert()), neighbour discovery passed to
 * dps_nd_glue.c, and errors sent under Linux's rate limits. The checks
 * are lib/wire's (dps_icmp6_check()).
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_hash_crc.h>
#include "dps_ip.h"

/* Linux's XRLIM_BURST_FACTOR: a destination's bucket holds six
 * messages. */
#define ICMP6_BURST_FACTOR 6

/*
 * Echo request -> reply in the same mbuf (RFC 4443 4.2): from the
 * address the request went to, or, for a request to a group (which
 * Linux answers: icmp.echo_ignore_multicast is 0), from the address
 * source selection picks for the requester. Extension headers are not
 * echoed.
 */
static void
icmp6_echo(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, enum dps_ip6_dst match, uint64_t now)
{
	uint32_t len = ip->l4_len;
	uint8_t src[16], *hdr, *icmp;

	DPS_CNT_INC(&lc->cnt, icmp6_rx_echo_request);
	if (match == DPS_IP6_DST_UNICAST)
		memcpy(src, ip->dst, 16);
	else if (dps_ip6_source(lc, ip->src, src, NULL) != 0) {
		dps_lcore_drop(lc, m, DPS_DROP_ip6_no_route);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - l3_off - ip->l4_off - len));
	rte_pktmbuf_adj(m, (uint16_t)(l3_off + ip->l4_off - DPS_IPV6_HLEN));
	hdr = rte_pktmbuf_mtod(m, uint8_t *);
	icmp = hdr + DPS_IPV6_HLEN;
	if (match == DPS_IP6_DST_UNICAST) {
		dps_icmp6_echo_to_reply(icmp, len);
	} else {
		icmp[0] = DPS_ICMP6_ECHO_REPLY;
		dps_icmp6_fill_csum(icmp, len, src, ip->src);
	}
	dps_ipv6_build(hdr, DPS_IPV6_HLEN, src, ip->src, DPS_IP6_NH_ICMPV6,
		(uint16_t)len, DPS_IPV6_HOP_LIMIT, 0, 0);
	dps_icmp6_label(lc->stack, hdr);
	m->ol_flags = 0;
	DPS_CNT_INC(&lc->cnt, icmp6_tx_echo_reply);
	dps_ip6_output(lc, m, ip->src, now);
}

static void
icmp6_echo_reply(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_ipv6_view *ip, const struct dps_icmp6_view *v, uint64_t now)
{
	unsigned int owner = (unsigned int)(v->id - DPS_ECHO_ID_BASE);

	rte_pktmbuf_free(m);
	if (owner == lc->idx)
		dps_ping6_reply(lc, ip->src, v->id, v->seq, now);
	else if (owner >= lc->stack->n_lcores ||
			dps_ping6_forward(lc, owner, ip->src, v->id, v->seq) != 0)
		dps_drop(&lc->cnt, DPS_DROP_icmp6_no_owner);
}

/* An error about a packet we sent: to the transport owning it. */
static void
icmp6_error(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_icmp6_view *v, uint64_t now)
{
	const struct dps_proto_ops *ops = dps_proto_by_ipproto(lc->stack,
		v->quote.proto);
	bool fatal = false;
	int err = dps_icmp6_errno(v->type, v->code, &fatal);

	if (ops == NULL || ops->err6 == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_icmp6_no_owner);
		return;
	}
	DPS_CNT_INC(&lc->cnt, icmp6_rx_error);
	ops->err6(lc, v, err, fatal, now);
	rte_pktmbuf_free(m);
}

/*
 * Linux's ndisc_error_report(): a packet of ours held for a neighbour
 * that never answered is reported to the transport that sent it as an
 * address unreachable (RFC 4443 3.1 code 3) quoting it would be, so a
 * connect fails with EHOSTUNREACH (icmpv6_err_convert()) as it does
 * when ARP fails over IPv4. Nothing is sent. @pkt starts at its IPv6
 * header; not consumed.
 */
void
dps_icmp6_local_unreach(struct dps_lcore *lc, const struct rte_mbuf *pkt, uint64_t now)
{
	struct dps_icmp6_view v = {
		.type = DPS_ICMP6_DST_UNREACH, .code = DPS_ICMP6_UNREACH_ADDR,
		.is_error = true,
	};
	const struct dps_proto_ops *ops;
	bool fatal = false;
	int err;

	if (dps_icmp6_quote_parse(rte_pktmbuf_mtod(pkt, const uint8_t *),
			pkt->data_len, &v.quote) != DPS_DROP_NONE)
		return;
	ops = dps_proto_by_ipproto(lc->stack, v.quote.proto);
	if (ops == NULL || ops->err6 == NULL)
		return;
	err = dps_icmp6_errno(v.type, v.code, &fatal);
	ops->err6(lc, &v, err, fatal, now);
}

void
dps_icmp6_rx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	uint16_t l3_off, const struct dps_ip6_rx *r, uint64_t now)
{
	const struct dps_icmp6_view *v = &r->icmp;

	switch (v->type) {
	case DPS_ND_NEIGHBOR_SOLICIT:
	case DPS_ND_NEIGHBOR_ADVERT:
		dps_nd_rx(lc, ifindex, &r->ip, v, now);
		rte_pktmbuf_free(m);
		break;
	case DPS_ICMP6_ECHO_REQUEST:
		icmp6_echo(lc, m, l3_off, &r->ip, r->match, now);
		break;
	case DPS_ICMP6_ECHO_REPLY:
		icmp6_echo_reply(lc, m, &r->ip, v, now);
		break;
	default:	/* the check passes no other informational type */
		icmp6_error(lc, m, v, now);
		break;
	}
}

/*
 * Linux's icmpv6_xrlim_allow() (net.ipv6.icmp.ratelimit 1000 ms): a
 * token bucket per destination of six messages, one more every
 * ratelimit >> ((128 - the route's prefix length) >> 5), so wider
 * prefixes get more (a /64 peer 250 ms). Buckets are kept in a small
 * table per lcore; a destination that takes another's slot starts full,
 * as a new inet_peer does.
 */
static bool
icmp6_peer_ok(struct dps_lcore *lc, const uint8_t dst[16], uint8_t route_len,
	uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	uint64_t tmo = DPS_ICMP6_RATELIMIT_NS >> ((128u - route_len) >> 5);
	uint64_t cap = ICMP6_BURST_FACTOR * tmo;
	struct dps_icmp6_rl *b = &x->rl[rte_hash_crc(dst, 16, 0) % DPS_ICMP6_RL_SLOTS];

	if (!b->used || memcmp(b->addr, dst, 16) != 0) {
		memcpy(b->addr, dst, 16);
		b->used = true;
		b->tokens_ns = cap;
		b->last_ns = now;
	}
	return dps_ns_bucket_take(&b->tokens_ns, &b->last_ns, now, tmo, cap);
}

/*
 * net.ipv6.icmp.ratemask "0-1,3-127": every error but packet too big is
 * limited, informational messages (echo replies) are not. A limited
 * type needs its destination's token (above), then one of the global
 * bucket IPv4 shares (icmp_msgs_per_sec 1000, burst 50), in that order
 * as Linux 6.x takes them.
 */
bool
dps_icmp6_rate_ok(struct dps_lcore *lc, uint8_t type, const uint8_t dst[16],
	uint8_t route_len, uint64_t now)
{
	if (type >= DPS_ICMP6_ECHO_REQUEST || type == DPS_ICMP6_PKT_TOO_BIG)
		return true;
	return icmp6_peer_ok(lc, dst, route_len, now) && dps_icmp_global_ok(lc, now);
}

void
dps_icmp6_send_error(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_ipv6_view *ip, bool l2_group,
	uint8_t orig_icmp6_type, uint8_t type, uint8_t code, uint32_t info,
	uint64_t now)
{
	uint32_t orig_len = RTE_MIN((uint32_t)(orig->data_len - l3_off),
		(uint32_t)(DPS_IPV6_HLEN + ip->payload_len));
	uint8_t src[16];
	struct rte_mbuf *m;
	size_t n;

	if (!dps_icmp6_may_error(ip, orig_icmp6_type, type, code))
		return;
	/* 2.4(e.4): nor about a frame to a link-layer group, but for the
	 * same two exceptions as (e.3). */
	if (l2_group && type != DPS_ICMP6_PKT_TOO_BIG &&
			!(type == DPS_ICMP6_PARAM_PROB && code == DPS_ICMP6_PP_OPTION))
		return;
	if (!dps_ip6_is_multicast(ip->dst))
		memcpy(src, ip->dst, 16);
	else if (dps_ip6_source(lc, ip->src, src, NULL) != 0)
		return;
	if (!dps_icmp6_rate_ok(lc, type, ip->src, dps_ip6_route_len(lc->stack, ip->src),
			now)) {
		dps_drop(&lc->cnt, DPS_DROP_icmp6_ratelimited);
		return;
	}
	m = rte_pktmbuf_alloc(lc->pool);
	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	n = dps_icmp6_error_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m),
		type, code, info, rte_pktmbuf_mtod_offset(orig, const uint8_t *, l3_off),
		orig_len, src, ip->src);
	if (n == 0 || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	dps_icmp6_label(lc->stack, rte_pktmbuf_mtod(m, uint8_t *));
	DPS_CNT_INC(&lc->cnt, icmp6_tx_error);
	dps_ip6_output(lc, m, ip->src, now);
}

void
dps_icmp6_port_unreach(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_ipv6_view *ip, bool l2_group, uint64_t now)
{
	dps_icmp6_send_error(lc, orig, l3_off, ip, l2_group, 255,
		DPS_ICMP6_DST_UNREACH, DPS_ICMP6_UNREACH_PORT, 0, now);
}
