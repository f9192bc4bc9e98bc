/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 receive checks, the extension-header walk, the pseudo-header sum
 * and the header builder (see dps_wire6.h).
 *
 * As in dps_wire.c, every length is compared with the bytes it covers
 * before they are read, fields are copied out with memcpy (a packet may
 * sit at any alignment), and nothing is counted here.
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dps_wire.h"
#include "dps_wire6.h"

#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_ROUTER_ALERT 5	/* RFC 2711, hop-by-hop only */
#define FRAG_HLEN 8		/* RFC 8200 4.5 */
#define NH_FIELD 6		/* offset of Next Header in the IPv6 header */

/* Sources no packet from the wire may carry (RFC 4291 2.5.3, 2.5.5.2,
 * 2.7), as Linux's ipv6_rcv() refuses them. */
static bool
src_is_martian(const uint8_t a[16])
{
	return dps_ip6_is_multicast(a) || dps_ip6_is_loopback(a) ||
		dps_ip6_is_v4mapped(a);
}

/* Destinations no packet from the wire may carry: loopback (RFC 4291
 * 2.5.3), unspecified (2.5.2), a group of interface-local scope or of the
 * reserved scope 0 (2.7; Linux's ipv6_rcv() drops both). */
static bool
dst_is_bad(const uint8_t a[16])
{
	if (dps_ip6_is_multicast(a))
		return (a[1] & 0xf) <= DPS_IP6_SCOPE_IFACE;
	return dps_ip6_is_loopback(a) || dps_ip6_is_unspecified(a);
}

int
dps_ipv6_check(const uint8_t *p, uint32_t len, struct dps_ipv6_view *v)
{
	struct rte_ipv6_hdr h;
	uint32_t vtc;

	memset(v, 0, sizeof(*v));
	if (len < sizeof(h))
		return DPS_DROP_ip6_truncated;
	memcpy(&h, p, sizeof(h));
	vtc = rte_be_to_cpu_32(h.vtc_flow);
	if ((vtc >> 28) != 6)
		return DPS_DROP_ip6_bad_version;
	v->payload_len = rte_be_to_cpu_16(h.payload_len);
	if ((uint32_t)v->payload_len + sizeof(h) > len ||
	    (v->payload_len == 0 && h.proto == DPS_IP6_NH_HOPOPTS))
		return DPS_DROP_ip6_bad_paylen;
	memcpy(v->src, h.src_addr, 16);
	memcpy(v->dst, h.dst_addr, 16);
	if (src_is_martian(v->src))
		return DPS_DROP_ip6_bad_src;
	if (dst_is_bad(v->dst))
		return DPS_DROP_ip6_bad_dst;
	v->hop_limit = h.hop_limits;
	v->tclass = (uint8_t)(vtc >> RTE_IPV6_HDR_TC_SHIFT);
	v->flow = vtc & RTE_IPV6_HDR_FL_MASK;
	v->proto = h.proto;
	return DPS_DROP_NONE;
}

/* Fill the parameter problem owed with a drop. */
static int
owe_pp(struct dps_ipv6_view *v, int reason, uint8_t code, uint32_t ptr,
	bool send)
{
	v->pp.send = send;
	v->pp.code = code;
	v->pp.pointer = ptr;
	return reason;
}

/*
 * An option RFC 8200 4.2 leaves to its type's two high bits: 00 skip it,
 * 01 discard the packet, 10 discard and send a parameter problem code 2
 * pointing at the type, 11 the same unless the destination is a group.
 * Returns DPS_DROP_NONE to skip.
 */
static int
opt_unknown(struct dps_ipv6_view *v, uint8_t type, uint32_t at)
{
	switch (type >> 6) {
	case 0:
		return DPS_DROP_NONE;
	case 1:
		return owe_pp(v, DPS_DROP_ip6_opt_unknown, 0, 0, false);
	case 2:
		return owe_pp(v, DPS_DROP_ip6_opt_unknown,
			DPS_ICMP6_PP_OPTION, at, true);
	default:
		return owe_pp(v, DPS_DROP_ip6_opt_unknown,
			DPS_ICMP6_PP_OPTION, at, !dps_ip6_is_multicast(v->dst));
	}
}

/*
 * The TLVs of a hop-by-hop or destination options header at @off, @hlen
 * bytes long (RFC 8200 4.2). Pad1 is one byte; every other option has a
 * length byte, and must end within the header.
 */
static int
walk_options(const uint8_t *p, uint32_t off, uint32_t hlen, bool hbh,
	struct dps_ipv6_view *v)
{
	uint32_t pos = off + 2, end = off + hlen;
	int rc;

	while (pos < end) {
		uint8_t type = p[pos];

		if (type == OPT_PAD1) {
			pos++;
			continue;
		}
		if (pos + 2 > end || pos + 2 + p[pos + 1] > end)
			return DPS_DROP_ip6_bad_opt;
		if (type != OPT_PADN && !(hbh && type == OPT_ROUTER_ALERT)) {
			rc = opt_unknown(v, type, pos);
			if (rc != DPS_DROP_NONE)
				return rc;
		}
		pos += 2 + (uint32_t)p[pos + 1];
	}
	return DPS_DROP_NONE;
}

/*
 * The length of the extension header @nh at @off, which must lie within
 * @end: (Hdr Ext Len + 1) * 8 for options and routing headers, 8 for a
 * fragment header (RFC 8200 4.3 to 4.6). 0 when it does not fit.
 */
static uint32_t
ext_len(const uint8_t *p, uint32_t off, uint32_t end, uint8_t nh)
{
	uint32_t hlen;

	if (off + 2 > end)
		return 0;
	hlen = nh == DPS_IP6_NH_FRAGMENT ? FRAG_HLEN :
		((uint32_t)p[off + 1] + 1) * 8;
	return off + hlen <= end ? hlen : 0;
}

/* A fragment header (RFC 8200 4.5): recorded; an atomic fragment (offset
 * 0, M clear; RFC 6946) goes on as a whole packet, any other is dropped,
 * as dpstack does not reassemble. */
static int
walk_fragment(const uint8_t *p, uint32_t off, struct dps_ipv6_view *v)
{
	uint16_t fo;
	uint32_t id;

	memcpy(&fo, p + off + 2, 2);
	memcpy(&id, p + off + 4, 4);
	fo = rte_be_to_cpu_16(fo);
	v->fragment = true;
	v->frag_off = fo & 0xfff8;
	v->frag_more = (fo & 1) != 0;
	v->frag_id = rte_be_to_cpu_32(id);
	if (v->frag_off != 0 || v->frag_more)
		return DPS_DROP_ip6_fragment;
	return DPS_DROP_NONE;
}

/* One extension header @nh at @off, @hlen long (RFC 8200 4.3 to 4.6). */
static int
walk_one(const uint8_t *p, uint32_t off, uint32_t hlen, uint8_t nh,
	struct dps_ipv6_view *v)
{
	switch (nh) {
	case DPS_IP6_NH_HOPOPTS:
	case DPS_IP6_NH_DSTOPTS:
		return walk_options(p, off, hlen, nh == DPS_IP6_NH_HOPOPTS, v);
	case DPS_IP6_NH_ROUTING:
		/* 4.4: no routing type is known to a host. */
		if (p[off + 3] == 0)
			return DPS_DROP_NONE;
		return owe_pp(v, DPS_DROP_ip6_bad_routing, DPS_ICMP6_PP_HEADER,
			off + 2, true);
	default:
		return walk_fragment(p, off, v);
	}
}

int
dps_ipv6_walk(const uint8_t *p, struct dps_ipv6_view *v)
{
	uint32_t off = DPS_IPV6_HLEN, end = DPS_IPV6_HLEN + v->payload_len;
	uint32_t nh_field = NH_FIELD, hlen;
	uint8_t nh = v->proto;
	int rc;

	for (;;) {
		switch (nh) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
		case DPS_IP6_NH_ICMPV6:
			v->proto = nh;
			v->l4_off = off;
			v->l4_len = end - off;
			return DPS_DROP_NONE;
		case DPS_IP6_NH_NONE:
			return DPS_DROP_ip6_no_next;
		case DPS_IP6_NH_HOPOPTS:
			/* 4.1: only right after the IPv6 header. */
			if (off != DPS_IPV6_HLEN)
				return owe_pp(v, DPS_DROP_ip6_bad_hbh,
					DPS_ICMP6_PP_NEXTHDR, nh_field, true);
			/* fall through */
		case DPS_IP6_NH_DSTOPTS:
		case DPS_IP6_NH_ROUTING:
		case DPS_IP6_NH_FRAGMENT:
			break;
		default:
			return owe_pp(v, DPS_DROP_ip6_unknown_nexthdr,
				DPS_ICMP6_PP_NEXTHDR, nh_field, true);
		}
		if (v->n_ext == DPS_IPV6_EXT_MAX)
			return DPS_DROP_ip6_ext_too_many;
		hlen = ext_len(p, off, end, nh);
		if (hlen == 0)
			return DPS_DROP_ip6_ext_truncated;
		rc = walk_one(p, off, hlen, nh, v);
		if (rc != DPS_DROP_NONE)
			return rc;
		v->n_ext++;
		nh = p[off];
		nh_field = off;
		off += hlen;
	}
}

int
dps_ipv6_rx(const uint8_t *p, uint32_t len, struct dps_ipv6_view *v)
{
	int rc = dps_ipv6_check(p, len, v);

	return rc != DPS_DROP_NONE ? rc : dps_ipv6_walk(p, v);
}

uint16_t
dps_ip6_l4_sum(const void *l4, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto)
{
	struct rte_ipv6_hdr ph;
	uint32_t sum;

	/* rte_ipv6_phdr_cksum() takes the length from payload_len, which is
	 * 16 bits: enough, as jumbograms are refused. */
	memset(&ph, 0, sizeof(ph));
	memcpy(ph.src_addr, src, 16);
	memcpy(ph.dst_addr, dst, 16);
	ph.payload_len = rte_cpu_to_be_16((uint16_t)len);
	ph.proto = proto;
	sum = (uint32_t)rte_ipv6_phdr_cksum(&ph, 0) + dps_csum_raw(l4, len);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

size_t
dps_ipv6_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto, uint16_t payload_len,
	uint8_t hop_limit, uint8_t tclass, uint32_t flow)
{
	struct rte_ipv6_hdr h;

	if (cap < sizeof(h))
		return 0;
	h.vtc_flow = rte_cpu_to_be_32(6u << 28 |
		(uint32_t)tclass << RTE_IPV6_HDR_TC_SHIFT |
		(flow & RTE_IPV6_HDR_FL_MASK));
	h.payload_len = rte_cpu_to_be_16(payload_len);
	h.proto = proto;
	h.hop_limits = hop_limit;
	memcpy(h.src_addr, src, 16);
	memcpy(h.dst_addr, dst, 16);
	memcpy(buf, &h, sizeof(h));
	return sizeof(h);
}
