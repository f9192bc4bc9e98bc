/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443) and the neighbour discovery messages of a host
 * (RFC 4861 4.3, 4.4, 4.6, 7.1): receive checks, builders and the errno
 * of an error (see dps_wire6.h). Lengths are checked before the bytes
 * they cover are read; nothing is counted here.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "dps_wire.h"
#include "dps_wire6.h"

#define ICMP6_HLEN 8		/* type, code, checksum, one word */
#define ND_MIN_LEN 24		/* RFC 4861 7.1.1, 7.1.2 */
#define ND_OPT_UNIT 8
#define QUOTE_L4 8		/* ports and TCP sequence number */
#define EXT_UNIT 8		/* an extension header's least length */
#define NH_FIELD 6		/* Next Header's offset in the IPv6 header */
#define CSUM_OK 0xffff
#define MLD_QUERY 130		/* RFC 2710 3 */
#define MLD_REPORT 131
#define MLD_DONE 132

#define MLD2_REPORT 143		/* RFC 3810 5.2 */

static uint32_t
get32(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return rte_be_to_cpu_32(w);
}

static uint16_t
get16(const uint8_t *p)
{
	uint16_t w;

	memcpy(&w, p, 2);
	return rte_be_to_cpu_16(w);
}

/*
 * The packet an ICMPv6 error quotes (RFC 4443 2.4(c)): an IPv6 header,
 * its extension headers as far as they are quoted, and 8 bytes of the
 * upper layer, which Linux's icmpv6_notify() also insists on. Ports are
 * taken from UDP and TCP of a first fragment only.
 */
int
dps_icmp6_quote_parse(const uint8_t *q, uint32_t len, struct dps_icmp6_quote *qv)
{
	uint32_t off = DPS_IPV6_HLEN, hlen;
	uint8_t nh;

	if (len < DPS_IPV6_HLEN || (q[0] >> 4) != 6)
		return DPS_DROP_icmp6_bad_quote;
	memcpy(qv->src, q + 8, 16);
	memcpy(qv->dst, q + 24, 16);
	nh = q[NH_FIELD];
	for (unsigned int i = 0; ; i++) {
		bool later_frag;

		if (nh != DPS_IP6_NH_HOPOPTS && nh != DPS_IP6_NH_DSTOPTS &&
		    nh != DPS_IP6_NH_ROUTING && nh != DPS_IP6_NH_FRAGMENT)
			break;
		if (i == DPS_IPV6_EXT_MAX || off + EXT_UNIT > len)
			return DPS_DROP_icmp6_bad_quote;
		hlen = nh == DPS_IP6_NH_FRAGMENT ? EXT_UNIT :
			((uint32_t)q[off + 1] + 1) * 8;
		later_frag = nh == DPS_IP6_NH_FRAGMENT &&
			(get16(q + off + 2) & 0xfff8) != 0;
		nh = q[off];
		off += hlen;
		if (later_frag) {
			qv->proto = nh;
			return off <= len ? DPS_DROP_NONE :
				DPS_DROP_icmp6_bad_quote;
		}
	}
	if (off + QUOTE_L4 > len)
		return DPS_DROP_icmp6_bad_quote;
	qv->proto = nh;
	if (nh == IPPROTO_UDP || nh == IPPROTO_TCP) {
		qv->has_ports = true;
		memcpy(&qv->sport, q + off, 2);
		memcpy(&qv->dport, q + off + 2, 2);
		memcpy(&qv->seq, q + off + 4, 4);
	}
	return DPS_DROP_NONE;
}

/* Is @a a solicited-node group, ff02::1:ffXX:XXXX (RFC 4291 2.7.1)? */
static bool
is_solicited_node(const uint8_t a[16])
{
	uint8_t sn[16];

	dps_ip6_solicited_node(a, sn);
	return memcmp(a, sn, 16) == 0;
}

/* One option of @olen bytes at @o that the message @type may carry. */
static int
nd_opt(const uint8_t *o, uint32_t olen, uint8_t type, struct dps_nd_view *nd)
{
	uint8_t lla_type = type == DPS_ND_NEIGHBOR_SOLICIT ? DPS_ND_OPT_SLLA :
		DPS_ND_OPT_TLLA;

	if (o[0] == lla_type) {
		/* Ethernet's option is one unit (RFC 2464 6). */
		if (olen != ND_OPT_UNIT)
			return DPS_DROP_nd_bad_opt;
		if (!nd->has_lla) {
			nd->has_lla = true;
			memcpy(nd->lla.addr_bytes, o + 2, RTE_ETHER_ADDR_LEN);
		}
	} else if (o[0] == DPS_ND_OPT_NONCE && type == DPS_ND_NEIGHBOR_SOLICIT &&
		   olen == ND_OPT_UNIT && !nd->has_nonce) {
		nd->has_nonce = true;
		memcpy(nd->nonce, o + 2, DPS_ND_NONCE_LEN);
	}
	/* Others are ignored (RFC 4861 4.6). */
	return DPS_DROP_NONE;
}

/* The options from byte 24 on (RFC 4861 4.6): each at least one unit,
 * none past the message. */
static int
nd_options(const uint8_t *p, uint32_t len, uint8_t type,
	struct dps_nd_view *nd)
{
	uint32_t off = ND_MIN_LEN, olen;
	int rc;

	while (off < len) {
		if (off + 2 > len)
			return DPS_DROP_nd_bad_opt;
		olen = (uint32_t)p[off + 1] * ND_OPT_UNIT;
		if (olen == 0 || off + olen > len)
			return DPS_DROP_nd_bad_opt;
		rc = nd_opt(p + off, olen, type, nd);
		if (rc != DPS_DROP_NONE)
			return rc;
		off += olen;
	}
	return DPS_DROP_NONE;
}

int
dps_nd_check(const uint8_t *p, uint32_t len,
	const struct dps_ipv6_view *ip, struct dps_icmp6_view *v)
{
	struct dps_nd_view *nd = &v->nd;
	int rc;

	if (ip->hop_limit != DPS_ND_HOP_LIMIT)
		return DPS_DROP_nd_bad_hoplimit;
	if (p[1] != 0)
		return DPS_DROP_nd_bad_code;
	if (len < ND_MIN_LEN)
		return DPS_DROP_nd_truncated;
	memcpy(nd->target, p + 8, 16);
	if (dps_ip6_is_multicast(nd->target))
		return DPS_DROP_nd_bad_target;
	rc = nd_options(p, len, p[0], nd);
	if (rc != DPS_DROP_NONE)
		return rc;
	if (p[0] == DPS_ND_NEIGHBOR_SOLICIT) {
		/* 7.1.1: a DAD probe goes to a solicited-node group and
		 * names no link-layer address. */
		if (dps_ip6_is_unspecified(ip->src) &&
		    (!is_solicited_node(ip->dst) || nd->has_lla))
			return DPS_DROP_nd_bad_addr;
		return DPS_DROP_NONE;
	}
	nd->flags = p[4] & (DPS_ND_NA_ROUTER | DPS_ND_NA_SOLICITED |
		DPS_ND_NA_OVERRIDE);
	/* 7.1.2: a solicited advertisement is never multicast. */
	if (dps_ip6_is_multicast(ip->dst) && (nd->flags & DPS_ND_NA_SOLICITED))
		return DPS_DROP_nd_bad_addr;
	return DPS_DROP_NONE;
}

/* The type-specific part of dps_icmp6_check(), checksum good. */
static int
icmp6_type(const uint8_t *p, uint32_t len, const struct dps_ipv6_view *ip,
	struct dps_icmp6_view *v)
{
	switch (v->type) {
	case DPS_ICMP6_ECHO_REQUEST:
	case DPS_ICMP6_ECHO_REPLY:
		v->id = get16(p + 4);
		v->seq = get16(p + 6);
		v->payload_off = ICMP6_HLEN;
		return DPS_DROP_NONE;
	case DPS_ND_NEIGHBOR_SOLICIT:
	case DPS_ND_NEIGHBOR_ADVERT:
		return dps_nd_check(p, len, ip, v);
	case DPS_ND_ROUTER_SOLICIT:
	case DPS_ND_ROUTER_ADVERT:
	case DPS_ND_REDIRECT:
	case MLD_QUERY:
	case MLD_REPORT:
	case MLD_DONE:
	case MLD2_REPORT:
		return DPS_DROP_icmp6_ignored;
	default:
		break;
	}
	/* 2.4(b): an unknown informational message is discarded; an
	 * unknown error goes to the upper layer like the known ones. */
	if (v->type >= DPS_ICMP6_ECHO_REQUEST)
		return DPS_DROP_icmp6_unknown_type;
	v->is_error = true;
	if (v->type == DPS_ICMP6_PKT_TOO_BIG)
		v->mtu = get32(p + 4);
	else if (v->type == DPS_ICMP6_PARAM_PROB)
		v->pointer = get32(p + 4);
	return dps_icmp6_quote_parse(p + ICMP6_HLEN, len - ICMP6_HLEN, &v->quote);
}

int
dps_icmp6_check(const uint8_t *p, uint32_t len,
	const struct dps_ipv6_view *ip, struct dps_icmp6_view *v)
{
	memset(v, 0, sizeof(*v));
	if (len < ICMP6_HLEN)
		return DPS_DROP_icmp6_truncated;
	if (dps_ip6_l4_sum(p, len, ip->src, ip->dst, DPS_IP6_NH_ICMPV6) !=
	    CSUM_OK)
		return DPS_DROP_icmp6_bad_csum;
	v->type = p[0];
	v->code = p[1];
	return icmp6_type(p, len, ip, v);
}

bool
dps_icmp6_may_error(const struct dps_ipv6_view *orig,
	uint8_t orig_icmp6_type, uint8_t type, uint8_t code)
{
	/* 2.4(e.1), (e.2): never about an error or a redirect. */
	if (orig_icmp6_type < DPS_ICMP6_ECHO_REQUEST ||
	    orig_icmp6_type == DPS_ND_REDIRECT)
		return false;
	/* (e.3): to a group only packet too big and an option's problem. */
	if (dps_ip6_is_multicast(orig->dst) &&
	    type != DPS_ICMP6_PKT_TOO_BIG &&
	    !(type == DPS_ICMP6_PARAM_PROB && code == DPS_ICMP6_PP_OPTION))
		return false;
	/* (e.6): a source that does not name a single node. */
	return !dps_ip6_is_unspecified(orig->src) &&
		!dps_ip6_is_multicast(orig->src) &&
		!dps_ip6_is_loopback(orig->src);
}

void
dps_icmp6_fill_csum(uint8_t *icmp, size_t len, const uint8_t src[16],
	const uint8_t dst[16])
{
	uint16_t c;

	memset(icmp + 2, 0, 2);
	c = (uint16_t)~dps_ip6_l4_sum(icmp, (uint32_t)len, src, dst,
		DPS_IP6_NH_ICMPV6);
	memcpy(icmp + 2, &c, 2);
}

/* The 8-byte ICMPv6 header with its second word, checksum zero. */
static void
icmp6_hdr(uint8_t *buf, uint8_t type, uint8_t code, uint32_t word)
{
	uint32_t w = rte_cpu_to_be_32(word);

	buf[0] = type;
	buf[1] = code;
	buf[2] = 0;
	buf[3] = 0;
	memcpy(buf + 4, &w, 4);
}

size_t
dps_icmp6_echo_build(uint8_t *buf, size_t cap, uint8_t type,
	uint16_t id, uint16_t seq, const void *data, size_t data_len,
	const uint8_t src[16], const uint8_t dst[16])
{
	if (cap < ICMP6_HLEN || data_len > cap - ICMP6_HLEN ||
	    data_len > UINT16_MAX - ICMP6_HLEN)
		return 0;
	if (data_len != 0)
		memmove(buf + ICMP6_HLEN, data, data_len);
	icmp6_hdr(buf, type, 0, (uint32_t)id << 16 | seq);
	dps_icmp6_fill_csum(buf, ICMP6_HLEN + data_len, src, dst);
	return ICMP6_HLEN + data_len;
}

void
dps_icmp6_echo_to_reply(uint8_t *icmp, uint32_t len)
{
	if (len < ICMP6_HLEN || icmp[0] != DPS_ICMP6_ECHO_REQUEST)
		return;
	dps_icmp_retype(icmp, DPS_ICMP6_ECHO_REPLY);
}

size_t
dps_icmp6_error_build(uint8_t *buf, size_t cap, uint8_t type,
	uint8_t code, uint32_t info, const uint8_t *orig, size_t orig_len,
	const uint8_t src[16], const uint8_t dst[16])
{
	size_t qlen = RTE_MIN(orig_len,
		(size_t)(DPS_IPV6_MIN_MTU - DPS_IPV6_HLEN - ICMP6_HLEN));
	size_t mlen = ICMP6_HLEN + qlen;
	uint8_t *icmp = buf + DPS_IPV6_HLEN;

	if (cap < DPS_IPV6_HLEN + mlen)
		return 0;
	if (qlen != 0)
		memmove(icmp + ICMP6_HLEN, orig, qlen);
	icmp6_hdr(icmp, type, code, info);
	dps_icmp6_fill_csum(icmp, mlen, src, dst);
	dps_ipv6_build(buf, cap, src, dst, DPS_IP6_NH_ICMPV6, (uint16_t)mlen,
		DPS_IPV6_HOP_LIMIT, 0, 0);
	return DPS_IPV6_HLEN + mlen;
}

/* An option of one unit: @type, then @len bytes of @data, zero-padded. */
static size_t
nd_put_opt(uint8_t *o, uint8_t type, const uint8_t *data, size_t len)
{
	memset(o, 0, ND_OPT_UNIT);
	o[0] = type;
	o[1] = 1;
	memcpy(o + 2, data, len);
	return ND_OPT_UNIT;
}

/*
 * IPv6 header, then an NS or NA: the header word (@word), the target,
 * the link-layer address option @opt_type with @lla, and a nonce.
 */
static size_t
nd_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], uint8_t type, uint32_t word,
	const uint8_t target[16], uint8_t opt_type,
	const struct rte_ether_addr *lla, const uint8_t *nonce)
{
	uint8_t *m = buf + DPS_IPV6_HLEN;
	size_t mlen = ND_MIN_LEN;

	if (cap < DPS_IPV6_HLEN + ND_MIN_LEN + 2 * ND_OPT_UNIT)
		return 0;
	icmp6_hdr(m, type, 0, word);
	memcpy(m + 8, target, 16);
	if (lla != NULL)
		mlen += nd_put_opt(m + mlen, opt_type, lla->addr_bytes,
			RTE_ETHER_ADDR_LEN);
	if (nonce != NULL)
		mlen += nd_put_opt(m + mlen, DPS_ND_OPT_NONCE, nonce,
			DPS_ND_NONCE_LEN);
	dps_icmp6_fill_csum(m, mlen, src, dst);
	dps_ipv6_build(buf, cap, src, dst, DPS_IP6_NH_ICMPV6, (uint16_t)mlen,
		DPS_ND_HOP_LIMIT, 0, 0);
	return DPS_IPV6_HLEN + mlen;
}

size_t
dps_nd_ns_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], const uint8_t target[16],
	const struct rte_ether_addr *slla, const uint8_t *nonce)
{
	if (dps_ip6_is_unspecified(src))
		slla = NULL;
	return nd_build(buf, cap, src, dst, DPS_ND_NEIGHBOR_SOLICIT, 0,
		target, DPS_ND_OPT_SLLA, slla, nonce);
}

size_t
dps_nd_na_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], const uint8_t target[16], uint8_t flags,
	const struct rte_ether_addr *tlla)
{
	return nd_build(buf, cap, src, dst, DPS_ND_NEIGHBOR_ADVERT,
		(uint32_t)(flags & (DPS_ND_NA_ROUTER | DPS_ND_NA_SOLICITED |
			DPS_ND_NA_OVERRIDE)) << 24,
		target, DPS_ND_OPT_TLLA, tlla, NULL);
}

size_t
dps_nd_na_reply(uint8_t *buf, size_t cap,
	const struct dps_ipv6_view *ns_ip, const struct dps_nd_view *ns,
	const struct rte_ether_addr *mac, bool router)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	bool dad = dps_ip6_is_unspecified(ns_ip->src);
	bool inc = dps_ip6_is_multicast(ns_ip->dst);
	uint8_t flags = 0;

	if (router)
		flags |= DPS_ND_NA_ROUTER;
	if (!dad)
		flags |= DPS_ND_NA_SOLICITED;
	if (inc)
		flags |= DPS_ND_NA_OVERRIDE;
	return dps_nd_na_build(buf, cap, ns->target,
		dad ? all_nodes : ns_ip->src, ns->target, flags,
		inc ? mac : NULL);
}

struct icmp6_unreach_err {
	int err;
	bool fatal;
};

/*
 * Destination unreachable codes 0..6 as Linux's tab_unreach[] in
 * net/ipv6/icmp.c maps them: no route and address unreachable (and the
 * former "not a neighbour", code 2) are soft, as RFC 1122 3.2.2.1 wants
 * for IPv4; prohibited, port unreachable, policy failure and reject
 * route are hard.
 */
static const struct icmp6_unreach_err unreach6_err[] = {
	[0] = { ENETUNREACH, false },	/* no route */
	[1] = { EACCES, true },		/* administratively prohibited */
	[2] = { EHOSTUNREACH, false },	/* beyond scope (was not neighbour) */
	[3] = { EHOSTUNREACH, false },	/* address unreachable */
	[4] = { ECONNREFUSED, true },	/* port unreachable */
	[5] = { EACCES, true },		/* source address failed policy */
	[6] = { EACCES, true },		/* reject route */
};

/*
 * Linux's icmpv6_err_convert(): the table above, other unreachable codes
 * EPROTO and fatal; packet too big EMSGSIZE, soft; parameter problem
 * EPROTO, fatal; time exceeded EHOSTUNREACH, soft; any other type
 * EPROTO, soft.
 */
int
dps_icmp6_errno(uint8_t type, uint8_t code, bool *fatal)
{
	bool dummy;

	if (fatal == NULL)
		fatal = &dummy;
	*fatal = false;
	switch (type) {
	case DPS_ICMP6_DST_UNREACH:
		if (code >= RTE_DIM(unreach6_err)) {
			*fatal = true;
			return EPROTO;
		}
		*fatal = unreach6_err[code].fatal;
		return unreach6_err[code].err;
	case DPS_ICMP6_PKT_TOO_BIG:
		return EMSGSIZE;
	case DPS_ICMP6_PARAM_PROB:
		*fatal = true;
		return EPROTO;
	case DPS_ICMP6_TIME_EXCEEDED:
		return EHOSTUNREACH;
	default:
		return EPROTO;
	}
}
