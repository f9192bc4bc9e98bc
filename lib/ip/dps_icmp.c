/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792, RFC 1122 3.2.2): echo replies in place, errors handed to
 * the transport that owns the quoted packet (the slot registered for its
 * protocol, dps_proto.h), and rate-limited error generation. The echo
 * requests behind dps_ping() are in dps_ping.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include "dps_ip.h"

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_PARAMPROB 12

/*
 * Echo request -> reply, reusing the mbuf (RFC 792; RFC 1122 3.2.2.6).
 * Options are not echoed. Requests to broadcast addresses are ignored,
 * as Linux does by default (icmp_echo_ignore_broadcasts).
 */
static void
icmp_echo(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	uint16_t opt = (uint16_t)(p->ip.hdr_len - DPS_IPV4_HLEN);
	uint16_t icmp_len = p->ip.l4_len;
	uint8_t *ip;

	DPS_CNT_INC(&lc->cnt, icmp_rx_echo_request);
	if (p->ip_bcast) {
		dps_lcore_drop(lc, m, DPS_DROP_icmp_echo_bcast);
		return;
	}
	/* Drop Ethernet padding and IP options: the reply is header + ICMP. */
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - p->eth.hdr_len - p->ip.tot_len));
	rte_pktmbuf_adj(m, (uint16_t)(p->eth.hdr_len + opt));
	ip = rte_pktmbuf_mtod(m, uint8_t *);
	dps_icmp_echo_to_reply(ip + DPS_IPV4_HLEN, icmp_len);
	dps_ipv4_build(ip, DPS_IPV4_HLEN, p->ip.dst, p->ip.src, IPPROTO_ICMP, icmp_len,
		DPS_IP_TTL,
		lc->ip_id++, true);
	m->ol_flags = 0;
	DPS_CNT_INC(&lc->cnt, icmp_tx_echo_reply);
	dps_ip_output(lc, m, p->ip.src, now);
}

/* An ICMP error for a packet we sent: to the transport owning it. */
static void
icmp_error(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	const struct dps_proto_ops *ops = dps_proto_by_ipproto(lc->stack,
		p->icmp.quote.proto);
	bool fatal = false;
	int err = dps_icmp_errno(p->icmp.type, p->icmp.code, &fatal);

	if (ops == NULL || ops->err == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_icmp_no_owner);
		return;
	}
	DPS_CNT_INC(&lc->cnt, icmp_rx_error);
	ops->err(lc, &p->icmp, err, fatal, now);
	rte_pktmbuf_free(m);
}

static void
icmp_echo_reply(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_rx_pkt *p, uint64_t now)
{
	unsigned int owner = (unsigned int)(p->icmp.id - DPS_ECHO_ID_BASE);

	rte_pktmbuf_free(m);
	if (owner == lc->idx)
		dps_ping_reply(lc, p->ip.src, p->icmp.id, p->icmp.seq, now);
	else if (owner >= lc->stack->n_lcores ||
			dps_ping_forward(lc, owner, p->ip.src, p->icmp.id, p->icmp.seq) != 0)
		dps_drop(&lc->cnt, DPS_DROP_icmp_no_owner);
}

void
dps_icmp_rx(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	switch (p->icmp.type) {
	case ICMP_ECHO:
		icmp_echo(lc, m, p, now);
		break;
	case ICMP_ECHOREPLY:
		icmp_echo_reply(lc, m, p, now);
		break;
	case ICMP_UNREACH:
	case ICMP_TIMXCEED:
	case ICMP_PARAMPROB:
		icmp_error(lc, m, p, now);
		break;
	default:
		dps_lcore_drop(lc, m, DPS_DROP_icmp_unknown_type);
		break;
	}
}

/* Token bucket of DPS_ICMP_BURST messages refilled at DPS_ICMP_RATE/s,
 * kept as nanoseconds of credit; ICMPv6 errors take from it too, as
 * from Linux's icmp_global. */
bool
dps_icmp_global_ok(struct dps_lcore *lc, uint64_t now)
{
	const uint64_t cost = 1000000000ull / DPS_ICMP_RATE;
	const uint64_t cap = cost * DPS_ICMP_BURST;

	if (!lc->icmp_primed) {
		lc->icmp_primed = true;
		lc->icmp_tokens_ns = cap;
		lc->icmp_last_ns = now;
	}
	return dps_ns_bucket_take(&lc->icmp_tokens_ns, &lc->icmp_last_ns, now, cost,
		cap);
}

/*
 * Send an ICMP error about the packet at @orig's offset @l3_off, from the
 * address it was sent to (RFC 1812 4.3.2.3 sizing, RFC 1122 3.2.2 rules:
 * never about broadcasts or fragments).
 */
void
dps_icmp_send_error(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_rx_pkt *p, uint8_t type, uint8_t code,
	uint64_t now)
{
	uint8_t buf[576];
	struct rte_mbuf *m;
	size_t n;
	int err;

	if (p->ip_bcast || p->ip.fragment)
		return;
	if (!dps_icmp_global_ok(lc, now)) {
		dps_drop(&lc->cnt, DPS_DROP_icmp_ratelimited);
		return;
	}
	n = dps_icmp_error_build(buf, sizeof(buf) - DPS_IPV4_HLEN, type, code, 0,
		rte_pktmbuf_mtod_offset(orig, const uint8_t *, l3_off), p->ip.tot_len);
	m = n == 0 ? NULL : dps_ip_alloc(lc, p->ip.src, IPPROTO_ICMP, (uint16_t)n, &err);
	if (m == NULL)
		return;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, DPS_IPV4_HLEN), buf, n);
	rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->src_addr = p->ip.dst;
	DPS_CNT_INC(&lc->cnt, icmp_tx_unreach);
	dps_ip_output(lc, m, p->ip.src, now);
}
