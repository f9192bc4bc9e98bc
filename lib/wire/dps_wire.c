/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire formats: checked views and builders (see dps_wire.h).
 *
 * Every checker compares @len with the size of a header before it copies
 * that header into a local DPDK struct with memcpy, and reads fields only
 * from the copy. A frame may therefore sit at any alignment, and no byte at
 * or past @len is ever read. The checkers return a drop reason but count
 * nothing; dps_rx_classify() counts each drop exactly once.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <rte_common.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_icmp.h>
#include <rte_udp.h>
#include <rte_tcp.h>

#include "dps_cnt.h"
#include "dps_wire.h"

#define IPV4_HLEN_MIN	((uint16_t)sizeof(struct rte_ipv4_hdr))
#define ICMP_HLEN	((uint16_t)sizeof(struct rte_icmp_hdr))
#define ICMP_QUOTE_L4	8	/* RFC 792: header + 64 bits of data */
#define ICMP_ERR_MAX_IP	576	/* RFC 1812 4.3.2.3 */
#define IPV4_LBCAST	UINT32_MAX	/* 255.255.255.255, any byte order */
#define CSUM_OK		0xffff	/* folded sum of a message with its checksum */

/* The helpers of the receive fast path (dps_rx_fast()), and the small
 * ones of dps_wire.h: GCC's inliner at -O2 leaves some of them as calls
 * once the fast path has grown, which cost it about 50 instructions a
 * TCP frame (bench/rx_classify). */
#define FAST_INLINE static __rte_always_inline

/*
 * A source address no host may use (RFC 1122 3.2.1.3, RFC 1812 5.3.7):
 * multicast (224/4), class E (240/4, which holds 255.255.255.255),
 * loopback (127/8) and "this network" (0/8, 0.0.0.0 included; Linux's
 * ipv4_is_zeronet() drops the same range as a martian source).
 */
FAST_INLINE bool
ipv4_src_is_martian(uint32_t a_be)
{
	uint32_t a = rte_be_to_cpu_32(a_be);

	return (a >> 28) >= 0xe || (a >> 24) == 127 || (a >> 24) == 0;
}

/*
 * Is @a (network order) one of the interface's addresses? An entry is a
 * run of span + 1 addresses from addr: in host order, a - addr is at most
 * span exactly when @a is in the run (unsigned, so an @a below addr wraps
 * to a large difference). A single address (span 0) takes the equality
 * test alone, as before runs existed. Inline for the receive path, which
 * asks it of every packet: the exported name is a call the compiler may
 * not inline (-fPIC keeps it interposable).
 */
FAST_INLINE bool
iface_has_addr(const struct dps_rx_iface *ifc, uint32_t a)
{
	for (unsigned int i = 0; i < ifc->n_addrs; i++) {
		const struct dps_ifaddr *e = &ifc->addrs[i];

		if (e->addr == a || (e->span != 0 &&
				rte_be_to_cpu_32(a) - rte_be_to_cpu_32(e->addr) <= e->span))
			return true;
	}
	return false;
}

bool
dps_rx_iface_has_addr(const struct dps_rx_iface *ifc, uint32_t a)
{
	return iface_has_addr(ifc, a);
}

/*
 * Is @a the limited broadcast or the directed broadcast (host part all
 * ones, RFC 919/922) of one of the interface's prefixes? /31 and /32
 * prefixes have no broadcast address (RFC 3021 2.2; Linux gives them
 * none either).
 *
 * Every packet's source is asked (and a TCP segment's is never one), so
 * the common answer comes first: a prefix of at most 30 bits leaves at
 * least two host bits, so each broadcast address, the limited one too,
 * ends in binary 11, and an address that does not is no broadcast
 * without the walk over the interface's addresses (12 instructions a
 * packet with one address, more with several; 4 with this test). The
 * masks are prefix masks (dps_prefix_mask()).
 */
FAST_INLINE bool
iface_is_bcast(const struct dps_rx_iface *ifc, uint32_t a)
{
	if ((rte_be_to_cpu_32(a) & 3u) != 3u)
		return false;
	if (a == IPV4_LBCAST)
		return true;
	for (unsigned int i = 0; i < ifc->n_addrs; i++) {
		uint32_t mask = ifc->addrs[i].mask;

		if (rte_be_to_cpu_32(mask) >= 0xfffffffeu)
			continue;
		if ((ifc->addrs[i].addr | ~mask) == a)
			return true;
	}
	return false;
}

bool
dps_rx_iface_is_bcast(const struct dps_rx_iface *ifc, uint32_t a)
{
	return iface_is_bcast(ifc, a);
}

/* @v for the Ethernet header @eh of ethertype @type (host order). */
FAST_INLINE void
eth_view_fill(struct dps_eth_view *v, const struct rte_ether_hdr *eh,
	uint16_t type)
{
	v->dst = eh->dst_addr;
	v->src = eh->src_addr;
	v->ethertype = type;
	v->hdr_len = RTE_ETHER_HDR_LEN;
}

/*
 * Ethernet II header. The destination must be our MAC or have the group
 * bit set (broadcast is the all-ones group); only ARP and IPv4 are
 * handled, so 802.1Q tags, IPv6 and everything else are refused.
 */
int
dps_eth_check(const uint8_t *p, uint32_t len,
	const struct rte_ether_addr *our_mac, struct dps_eth_view *v)
{
	struct rte_ether_hdr eh;
	uint16_t type;

	if (len < RTE_ETHER_HDR_LEN)
		return DPS_DROP_eth_truncated;
	memcpy(&eh, p, RTE_ETHER_HDR_LEN);
	if (!rte_is_multicast_ether_addr(&eh.dst_addr) &&
	    !rte_is_same_ether_addr(&eh.dst_addr, our_mac))
		return DPS_DROP_eth_not_for_us;
	type = rte_be_to_cpu_16(eh.ether_type);
	if (type != RTE_ETHER_TYPE_ARP && type != RTE_ETHER_TYPE_IPV4)
		return DPS_DROP_eth_unknown_type;
	eth_view_fill(v, &eh, type);
	return DPS_DROP_NONE;
}

/*
 * ARP body (RFC 826) for Ethernet and IPv4 only: hardware type 1, protocol
 * 0x0800, address lengths 6 and 4, op request or reply. The sender pair
 * is what a receiver may cache, so the sender MAC must be a unicast,
 * non-zero address and the sender IP must not be multicast, limited
 * broadcast or loopback. 0.0.0.0 is allowed: it is the sender of an
 * RFC 5227 address probe.
 */
int
dps_arp_check(const uint8_t *p, uint32_t len, struct dps_arp_view *v)
{
	struct rte_arp_hdr ah;
	uint32_t spa;

	if (len < sizeof(ah))
		return DPS_DROP_arp_truncated;
	memcpy(&ah, p, sizeof(ah));
	if (ah.arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    ah.arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ah.arp_hlen != RTE_ETHER_ADDR_LEN ||
	    ah.arp_plen != sizeof(uint32_t))
		return DPS_DROP_arp_bad_format;
	v->op = rte_be_to_cpu_16(ah.arp_opcode);
	if (v->op != RTE_ARP_OP_REQUEST && v->op != RTE_ARP_OP_REPLY)
		return DPS_DROP_arp_bad_op;
	v->sha = ah.arp_data.arp_sha;
	v->tha = ah.arp_data.arp_tha;
	v->spa = ah.arp_data.arp_sip;
	v->tpa = ah.arp_data.arp_tip;
	spa = rte_be_to_cpu_32(v->spa);
	if (!rte_is_unicast_ether_addr(&v->sha) ||
	    rte_is_zero_ether_addr(&v->sha) ||
	    (spa >> 28) == 0xe || spa == UINT32_MAX || (spa >> 24) == 127)
		return DPS_DROP_arp_bad_sender;
	return DPS_DROP_NONE;
}

/* Header checksum (RFC 791 3.1), unless the NIC already judged it. */
static bool
ipv4_csum_ok(const uint8_t *p, uint16_t hdr_len, unsigned int csum)
{
	if (csum & DPS_CSUM_IP_BAD)
		return false;
	if (csum & DPS_CSUM_IP_GOOD)
		return true;
	/* IHL counts 32-bit words: a word sum, without dps_csum_raw()'s
	 * set-up for long buffers (about 35 instructions a packet). */
	return dps_csum_fold(dps_csum_words(p, hdr_len / 4u)) == CSUM_OK;
}

/* @v for a checked IPv4 header @ih of @hdr_len bytes in a datagram of
 * @tot_len. */
FAST_INLINE void
ipv4_view_fill(struct dps_ipv4_view *v, const struct rte_ipv4_hdr *ih,
	uint16_t hdr_len, uint16_t tot_len)
{
	uint16_t frag = rte_be_to_cpu_16(ih->fragment_offset);

	v->hdr_len = hdr_len;
	v->tot_len = tot_len;
	v->id = rte_be_to_cpu_16(ih->packet_id);
	v->proto = ih->next_proto_id;
	v->ttl = ih->time_to_live;
	v->tos = ih->type_of_service;
	v->fragment = (frag & (RTE_IPV4_HDR_MF_FLAG |
		RTE_IPV4_HDR_OFFSET_MASK)) != 0;
	v->src = ih->src_addr;
	v->dst = ih->dst_addr;
	v->l4_off = hdr_len;
	v->l4_len = tot_len - hdr_len;
}

/*
 * IPv4 header (RFC 791, RFC 1122 3.2.1 and RFC 1812 5.2.2), checked in
 * the order of the drop reasons: length, version, IHL, total length,
 * checksum, source. @len may exceed the total length (Ethernet pads short
 * frames to 60 bytes); the view then describes only tot_len bytes.
 */
int
dps_ipv4_check(const uint8_t *p, uint32_t len, unsigned int csum,
	struct dps_ipv4_view *v)
{
	struct rte_ipv4_hdr ih;
	uint16_t hdr_len, tot_len;

	if (len < sizeof(ih))
		return DPS_DROP_ip_truncated;
	memcpy(&ih, p, sizeof(ih));
	if ((ih.version_ihl >> 4) != IPVERSION)
		return DPS_DROP_ip_bad_version;
	hdr_len = (ih.version_ihl & RTE_IPV4_HDR_IHL_MASK) *
		RTE_IPV4_IHL_MULTIPLIER;
	if (hdr_len < IPV4_HLEN_MIN || hdr_len > len)
		return DPS_DROP_ip_bad_ihl;
	tot_len = rte_be_to_cpu_16(ih.total_length);
	if (tot_len < hdr_len || tot_len > len)
		return DPS_DROP_ip_bad_totlen;
	if (!ipv4_csum_ok(p, hdr_len, csum))
		return DPS_DROP_ip_bad_csum;
	if (ipv4_src_is_martian(ih.src_addr))
		return DPS_DROP_ip_bad_src;
	ipv4_view_fill(v, &ih, hdr_len, tot_len);
	return DPS_DROP_NONE;
}

/*
 * The datagram an ICMP error quotes (RFC 792; RFC 1122 3.2.2 makes the
 * receiver rely on the IP header plus the first 8 data bytes, and Linux's
 * icmp_unreach() insists on the same). Ports are taken only for UDP and
 * TCP and only from a first fragment: a later fragment's first 8 bytes
 * are payload, not a transport header.
 */
static int
icmp_parse_quote(const uint8_t *q, uint32_t len, struct dps_icmp_quote *quote)
{
	struct rte_ipv4_hdr ih;
	uint16_t hdr_len, frag;

	if (len < sizeof(ih))
		return DPS_DROP_icmp_bad_quote;
	memcpy(&ih, q, sizeof(ih));
	hdr_len = (ih.version_ihl & RTE_IPV4_HDR_IHL_MASK) *
		RTE_IPV4_IHL_MULTIPLIER;
	if ((ih.version_ihl >> 4) != IPVERSION || hdr_len < IPV4_HLEN_MIN ||
	    len < (uint32_t)hdr_len + ICMP_QUOTE_L4)
		return DPS_DROP_icmp_bad_quote;
	quote->proto = ih.next_proto_id;
	quote->src = ih.src_addr;
	quote->dst = ih.dst_addr;
	frag = rte_be_to_cpu_16(ih.fragment_offset);
	if ((quote->proto == IPPROTO_UDP || quote->proto == IPPROTO_TCP) &&
	    (frag & RTE_IPV4_HDR_OFFSET_MASK) == 0) {
		memcpy(&quote->sport, q + hdr_len, sizeof(quote->sport));
		memcpy(&quote->dport, q + hdr_len + 2, sizeof(quote->dport));
		memcpy(&quote->seq, q + hdr_len + 4, sizeof(quote->seq));
	}
	return DPS_DROP_NONE;
}

/*
 * ICMP message (RFC 792), @len bytes bounded by the IPv4 total length.
 * The checksum covers the whole message. Echo request/reply fill id and
 * seq; destination unreachable, time exceeded and parameter problem are
 * errors and must carry a usable quote. Frag-needed carries the next-hop
 * MTU in the low 16 bits of the second word (RFC 1191 4).
 */
int
dps_icmp_check(const uint8_t *p, uint32_t len, struct dps_icmp_view *v)
{
	struct rte_icmp_hdr ic;

	memset(v, 0, sizeof(*v));
	if (len < ICMP_HLEN)
		return DPS_DROP_icmp_truncated;
	if (dps_csum_raw(p, len) != CSUM_OK)
		return DPS_DROP_icmp_bad_csum;
	memcpy(&ic, p, sizeof(ic));
	v->type = ic.icmp_type;
	v->code = ic.icmp_code;
	v->payload_off = ICMP_HLEN;
	switch (v->type) {
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
		v->id = rte_be_to_cpu_16(ic.icmp_ident);
		v->seq = rte_be_to_cpu_16(ic.icmp_seq_nb);
		return DPS_DROP_NONE;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		break;
	default:
		return DPS_DROP_icmp_unknown_type;
	}
	v->is_error = true;
	if (v->type == ICMP_DEST_UNREACH && v->code == ICMP_FRAG_NEEDED)
		v->next_mtu = rte_be_to_cpu_16(ic.icmp_seq_nb);
	return icmp_parse_quote(p + ICMP_HLEN, len - ICMP_HLEN, &v->quote);
}

/*
 * Folded sum of the UDP/TCP pseudo-header (RFC 768, RFC 9293 3.1) and
 * @len bytes of segment. The pseudo-header is 12 bytes, an even length,
 * so the two partial sums simply add (RFC 1071 2(C)).
 */
FAST_INLINE uint16_t
l4_sum(const void *p, uint32_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
	/* The pseudo-header as three words added in place: a second pass
	 * of dps_csum_raw() over a 12-byte copy of it cost about 50
	 * instructions a segment. */
	return dps_csum_fold((uint64_t)src + dst + dps_csum_ph_word(proto, (uint16_t)len) +
		dps_csum_raw(p, len));
}

uint16_t
dps_l4_sum(const void *p, uint32_t len, uint32_t src, uint32_t dst,
	uint8_t proto)
{
	return l4_sum(p, len, src, dst, proto);
}

/* Transport checksum unless the NIC already judged it. */
FAST_INLINE bool
l4_csum_ok(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	uint8_t proto, unsigned int csum)
{
	if (csum & DPS_CSUM_L4_BAD)
		return false;
	if (csum & DPS_CSUM_L4_GOOD)
		return true;
	return l4_sum(p, len, src, dst, proto) == CSUM_OK;
}

/*
 * UDP header (RFC 768). The length field bounds the datagram and may be
 * shorter than the IPv4 payload (the rest is ignored); a checksum of zero
 * means the sender computed none. The checksum covers the length-field
 * bytes only.
 */
int
dps_udp_check(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	unsigned int csum, struct dps_l4_view *v)
{
	struct rte_udp_hdr uh;
	uint16_t ulen = dps_udp_len(p, len, &uh);

	if (ulen == 0)
		return DPS_DROP_udp_truncated;
	if (uh.dgram_cksum != 0 &&
	    !l4_csum_ok(p, ulen, src, dst, IPPROTO_UDP, csum))
		return DPS_DROP_udp_bad_csum;
	dps_udp_view_fill(v, &uh, ulen);
	return DPS_DROP_NONE;
}

/*
 * TCP header (RFC 9293 3.1): the data offset must cover at least the
 * fixed 20 bytes and no more than the segment. The checksum covers the
 * whole segment (@len, the IPv4 payload) and is mandatory.
 */
int
dps_tcp_check(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	unsigned int csum, struct dps_l4_view *v)
{
	struct rte_tcp_hdr th;
	uint16_t hdr_len = dps_tcp_hdr_len(p, len, &th);

	if (hdr_len == 0)
		return DPS_DROP_tcp_truncated;
	if (!l4_csum_ok(p, len, src, dst, IPPROTO_TCP, csum))
		return DPS_DROP_tcp_bad_csum;
	dps_tcp_view_fill(v, &th, hdr_len, len);
	return DPS_DROP_NONE;
}

/*
 * ARP part of dps_rx_classify(). RFC 826 ("Packet Reception") merges the
 * sender's pair into an existing cache entry *before* it asks "Am I the
 * target protocol address?". So for arp_not_for_us out->arp is still
 * filled: the caller may refresh an entry it already has for the sender
 * (e.g. from a gratuitous ARP), but must not create one.
 */
static int
rx_arp(const struct dps_rx_iface *ifc, const uint8_t *p, uint32_t len,
	struct dps_rx_pkt *out)
{
	int rc;

	out->kind = DPS_RX_ARP;
	rc = dps_arp_check(p, len, &out->arp);
	if (rc != DPS_DROP_NONE)
		return rc;
	if (!iface_has_addr(ifc, out->arp.tpa))
		return DPS_DROP_arp_not_for_us;
	return DPS_DROP_NONE;
}

/*
 * IPv4 part of dps_rx_classify(). A source equal to a broadcast address
 * of ours is not a host address (RFC 1122 3.2.1.3) and is dropped like
 * the other martians. The destination must be ours or a broadcast of
 * ours; TCP is unicast only (RFC 1122 4.2.3.10), so TCP to a broadcast
 * is not for us. Layer 4 sees the payload bounded by tot_len, never the
 * Ethernet padding.
 */
static int
rx_ipv4(const struct dps_rx_iface *ifc, const uint8_t *p, uint32_t len,
	unsigned int csum, struct dps_rx_pkt *out)
{
	const struct dps_ipv4_view *ip = &out->ip;
	const uint8_t *l4;
	int rc;

	rc = dps_ipv4_check(p, len, csum, &out->ip);
	if (rc != DPS_DROP_NONE)
		return rc;
	if (iface_is_bcast(ifc, ip->src))
		return DPS_DROP_ip_bad_src;
	if (!iface_has_addr(ifc, ip->dst)) {
		if (!iface_is_bcast(ifc, ip->dst))
			return DPS_DROP_ip_not_for_us;
		out->ip_bcast = true;
	}
	if (ip->fragment)
		return DPS_DROP_ip_fragment;
	l4 = p + ip->l4_off;
	switch (ip->proto) {
	case IPPROTO_ICMP:
		out->kind = DPS_RX_ICMP;
		return dps_icmp_check(l4, ip->l4_len, &out->icmp);
	case IPPROTO_UDP:
		out->kind = DPS_RX_UDP;
		return dps_udp_check(l4, ip->l4_len, ip->src, ip->dst, csum,
			&out->l4);
	case IPPROTO_TCP:
		out->kind = DPS_RX_TCP;
		if (out->ip_bcast)
			return DPS_DROP_ip_not_for_us;
		return dps_tcp_check(l4, ip->l4_len, ip->src, ip->dst, csum,
			&out->l4);
	default:
		out->kind = DPS_RX_OTHER_PROTO;
		return DPS_DROP_NONE;
	}
}

/* Words of a received frame in memory order, at any alignment (@p has
 * them within the length already checked). */
FAST_INLINE uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

FAST_INLINE uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

FAST_INLINE uint64_t
ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Offsets in a frame of Ethernet II and a 20-byte IPv4 header. */
#define FAST_IP		RTE_ETHER_HDR_LEN
#define FAST_L4		(FAST_IP + IPV4_HLEN_MIN)

/* The Ethernet type and the IPv4 version and IHL (bytes 12 to 14 of the
 * frame) of plain IPv4, as one word in memory order; byte 15, the TOS,
 * is masked off. */
#define FAST_TYPE_VIHL	RTE_BE32((uint32_t)RTE_ETHER_TYPE_IPV4 << 16 | \
	(IPVERSION << 4 | IPV4_HLEN_MIN / 4) << 8)
#define FAST_TYPE_MASK	RTE_BE32(0xffffff00u)

/* In the host-order word of IPv4 bytes 2 to 9 (total length, ID,
 * fragment field, TTL, protocol), the fragment's MF flag and offset. */
#define FAST_FRAG_MASK	((uint64_t)(RTE_IPV4_HDR_MF_FLAG | \
	RTE_IPV4_HDR_OFFSET_MASK) << 16)

/* dps_rx_fast()'s views of an accepted frame: @out as the general path
 * leaves it before the transport's view. The views of other kinds (ARP,
 * ICMP) are not written: a memset of the whole packet, as the general
 * path does, is a rep stos of 14 words (about 50 instructions a frame
 * under callgrind), and nothing reads them for a TCP or UDP packet.
 * @w2 is IPv4 bytes 2 to 9 in host order, as rx_fast() loaded them. */
FAST_INLINE void
rx_fast_fill(struct dps_rx_pkt *out, enum dps_rx_kind kind,
	const uint8_t *frame, uint64_t w2, uint32_t src, uint32_t dst)
{
	uint16_t tot_len = (uint16_t)(w2 >> 48);

	out->kind = kind;
	out->ip_bcast = false;
	memcpy(&out->eth, frame, 2 * RTE_ETHER_ADDR_LEN);
	out->eth.ethertype = RTE_ETHER_TYPE_IPV4;
	out->eth.hdr_len = RTE_ETHER_HDR_LEN;
	out->ip.hdr_len = IPV4_HLEN_MIN;
	out->ip.tot_len = tot_len;
	out->ip.id = (uint16_t)(w2 >> 32);
	out->ip.proto = (uint8_t)w2;
	out->ip.ttl = (uint8_t)(w2 >> 8);
	out->ip.tos = frame[FAST_IP + offsetof(struct rte_ipv4_hdr, type_of_service)];
	out->ip.fragment = false;
	out->ip.src = src;
	out->ip.dst = dst;
	out->ip.l4_off = IPV4_HLEN_MIN;
	out->ip.l4_len = (uint16_t)(tot_len - IPV4_HLEN_MIN);
}

/* Is the frame IPv4 carrying TCP or UDP? @frame has at least 34 bytes. */
FAST_INLINE bool
rx_fast_proto(const uint8_t *frame)
{
	uint8_t proto = frame[FAST_IP + offsetof(struct rte_ipv4_hdr, next_proto_id)];

	return ld16(frame + 12) == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		(proto == IPPROTO_TCP || proto == IPPROTO_UDP);
}

/*
 * The frames most traffic is made of, TCP and UDP to one of our
 * addresses, in one pass: the same checks as the general path below
 * (dps_eth_check(), dps_ipv4_check(), rx_ipv4(), dps_tcp_check(),
 * dps_udp_check()), and the same views. It takes only frames that pass
 * all of them: our own MAC (no group address), IPv4 of version 4 and IHL
 * 5 (no options), not a fragment, a source that is neither martian nor a
 * broadcast of ours, a destination that is one of our addresses (never a
 * broadcast), and a TCP or UDP header that fits, with good checksums.
 * Anything else, malformed or merely unusual, is left to the general
 * path, which decides and counts it (and clears what this one wrote).
 * This saves the general path's five calls, its header copies, its loop
 * over the IPv4 header words and its memset of the whole packet (a bare
 * TCP segment cost 333 instructions where it cost 442, bench/rx_classify).
 *
 * The headers are read as words straight from the frame, not copied
 * into DPDK's structs first: the Ethernet type with the IPv4 version and
 * IHL in one compare, IPv4 bytes 2 to 9 in one load whose fields are
 * taken by shifts, and the transport checksum, the one call, comes last,
 * after the views are written, so that nothing waits across it on the
 * stack: 191 instructions a TCP frame where the copies cost 241
 * (callgrind_http.sh, the server's frames). test_wire.c and
 * fuzz_rx_classify check it against the general path.
 */
FAST_INLINE bool
rx_fast(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out)
{
	const uint8_t *l4 = frame + FAST_L4;
	uint64_t w2, ipsum;
	uint32_t src, dst;
	uint16_t tot_len, l4_len, l4_hlen;
	uint8_t proto;

	/* The shortest of them: a UDP header alone (a TCP one is longer,
	 * and checked below). */
	if (len < FAST_L4 + sizeof(struct rte_udp_hdr))
		return false;
	w2 = rte_be_to_cpu_64(ld64(frame + FAST_IP + 2));
	proto = (uint8_t)w2;
	if ((ld32(frame) ^ ld32(ifc->mac.addr_bytes)) != 0 ||
	    ld16(frame + 4) != ld16(ifc->mac.addr_bytes + 4) ||
	    (ld32(frame + 12) & FAST_TYPE_MASK) != FAST_TYPE_VIHL ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP) ||
	    (w2 & FAST_FRAG_MASK) != 0)
		return false;
	tot_len = (uint16_t)(w2 >> 48);
	src = ld32(frame + FAST_IP + offsetof(struct rte_ipv4_hdr, src_addr));
	dst = ld32(frame + FAST_IP + offsetof(struct rte_ipv4_hdr, dst_addr));
	if (tot_len < IPV4_HLEN_MIN || tot_len > len - RTE_ETHER_HDR_LEN ||
	    (csum & DPS_CSUM_IP_BAD))
		return false;
	if (!(csum & DPS_CSUM_IP_GOOD)) {
		ipsum = (uint64_t)ld32(frame + FAST_IP) + ld32(frame + FAST_IP + 4) +
			ld32(frame + FAST_IP + 8) + src + dst;
		if (dps_csum_fold(ipsum) != CSUM_OK)
			return false;
	}
	if (ipv4_src_is_martian(src) || iface_is_bcast(ifc, src) ||
	    !iface_has_addr(ifc, dst))
		return false;
	l4_len = (uint16_t)(tot_len - IPV4_HLEN_MIN);
	if (proto == IPPROTO_TCP) {
		if (l4_len < sizeof(struct rte_tcp_hdr))
			return false;
		l4_hlen = (uint16_t)((l4[offsetof(struct rte_tcp_hdr, data_off)] >> 4) * 4);
		if (l4_hlen < sizeof(struct rte_tcp_hdr) || l4_hlen > l4_len ||
		    (csum & DPS_CSUM_L4_BAD))
			return false;
		rx_fast_fill(out, DPS_RX_TCP, frame, w2, src, dst);
		out->l4.sport = ld16(l4);
		out->l4.dport = ld16(l4 + 2);
		out->l4.hdr_len = l4_hlen;
		out->l4.payload_len = (uint16_t)(l4_len - l4_hlen);
		out->l4.tcp_flags = l4[offsetof(struct rte_tcp_hdr, tcp_flags)];
	} else {
		struct rte_udp_hdr uh;

		l4_hlen = dps_udp_len(l4, l4_len, &uh);
		if (l4_hlen == 0 || ((csum & DPS_CSUM_L4_BAD) && uh.dgram_cksum != 0))
			return false;
		rx_fast_fill(out, DPS_RX_UDP, frame, w2, src, dst);
		dps_udp_view_fill(&out->l4, &uh, l4_hlen);
		if (uh.dgram_cksum == 0)
			return true;
		/* The checksum covers the length field's bytes only. */
		l4_len = l4_hlen;
	}
	return (csum & DPS_CSUM_L4_GOOD) ||
		l4_sum(l4, l4_len, src, dst, proto) == CSUM_OK;
}

bool
dps_rx_fast(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out)
{
	return rx_fast(ifc, frame, len, csum, out);
}

/* A TCP or UDP frame: the fast path, else the general one. */
static __attribute__((noinline)) int
rx_classify_l4(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt)
{
	if (rx_fast(ifc, frame, len, csum, out))
		return DPS_DROP_NONE;
	return dps_rx_classify_general(ifc, frame, len, csum, out, cnt);
}

/*
 * The receive decision for one frame: Ethernet, then ARP or IPv4 and the
 * layer above. Every drop goes through dps_drop() exactly once, here.
 */
int
dps_rx_classify(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt)
{
	/* ARP, ICMP and the rest go to the general path after three
	 * compares, before the fast path's register saves (both calls are
	 * jumps). */
	if (len >= RTE_ETHER_HDR_LEN + IPV4_HLEN_MIN && rx_fast_proto(frame))
		return rx_classify_l4(ifc, frame, len, csum, out, cnt);
	return dps_rx_classify_general(ifc, frame, len, csum, out, cnt);
}

int
dps_rx_classify_general(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dps_eth_check(frame, len, &ifc->mac, &out->eth);
	if (rc != DPS_DROP_NONE)
		return dps_drop(cnt, rc);
	frame += out->eth.hdr_len;
	len -= out->eth.hdr_len;
	if (out->eth.ethertype == RTE_ETHER_TYPE_ARP)
		rc = rx_arp(ifc, frame, len, out);
	else
		rc = rx_ipv4(ifc, frame, len, csum, out);
	return dps_drop(cnt, rc);
}

struct icmp_unreach_err {
	int err;
	bool fatal;
};

/*
 * Destination unreachable codes 0..15 as Linux's icmp_err_convert[] maps
 * them. Net and host unreachable are soft errors: RFC 1122 3.2.2.1 says
 * they MUST be treated as transient, and so are frag-needed, source route
 * failed and the TOS variants.
 */
static const struct icmp_unreach_err unreach_err[] = {
	[ICMP_NET_UNREACH] = { ENETUNREACH, false },
	[ICMP_HOST_UNREACH] = { EHOSTUNREACH, false },
	[ICMP_PROT_UNREACH] = { ENOPROTOOPT, true },
	[ICMP_PORT_UNREACH] = { ECONNREFUSED, true },
	[ICMP_FRAG_NEEDED] = { EMSGSIZE, false },
	[ICMP_SR_FAILED] = { EOPNOTSUPP, false },
	[ICMP_NET_UNKNOWN] = { ENETUNREACH, true },
	[ICMP_HOST_UNKNOWN] = { EHOSTDOWN, true },
	[ICMP_HOST_ISOLATED] = { ENONET, true },
	[ICMP_NET_ANO] = { ENETUNREACH, true },
	[ICMP_HOST_ANO] = { EHOSTUNREACH, true },
	[ICMP_NET_UNR_TOS] = { ENETUNREACH, false },
	[ICMP_HOST_UNR_TOS] = { EHOSTUNREACH, false },
	[ICMP_PKT_FILTERED] = { EHOSTUNREACH, true },
	[ICMP_PREC_VIOLATION] = { EHOSTUNREACH, true },
	[ICMP_PREC_CUTOFF] = { EHOSTUNREACH, true },
};

/*
 * errno for an ICMP error as Linux reports it: the table above for
 * destination unreachable; time exceeded is EHOSTUNREACH and soft, as in
 * tcp_v4_err(); parameter problem is EPROTO and fatal. Anything else
 * (including unreachable codes above 15) is 0, not fatal.
 */
int
dps_icmp_errno(uint8_t type, uint8_t code, bool *fatal)
{
	bool dummy;

	if (fatal == NULL)
		fatal = &dummy;
	*fatal = false;
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code >= RTE_DIM(unreach_err))
			return 0;
		*fatal = unreach_err[code].fatal;
		return unreach_err[code].err;
	case ICMP_TIME_EXCEEDED:
		return EHOSTUNREACH;
	case ICMP_PARAMETERPROB:
		*fatal = true;
		return EPROTO;
	default:
		return 0;
	}
}

/* 14-byte Ethernet II header; @ethertype in host order. */
size_t
dps_eth_build(uint8_t *buf, size_t cap, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, uint16_t ethertype)
{
	struct rte_ether_hdr eh;

	if (cap < RTE_ETHER_HDR_LEN)
		return 0;
	eh.dst_addr = *dst;
	eh.src_addr = *src;
	eh.ether_type = rte_cpu_to_be_16(ethertype);
	memcpy(buf, &eh, RTE_ETHER_HDR_LEN);
	return RTE_ETHER_HDR_LEN;
}

/*
 * Ethernet header from @sha to @eth_dst plus an RFC 826 Ethernet/IPv4 ARP
 * body. A NULL @tha writes zeros (requests, RFC 5227 probes). No padding
 * to the 60-byte minimum: the device adds it.
 */
size_t
dps_arp_build(uint8_t *buf, size_t cap, uint16_t op,
	const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	static const struct rte_ether_addr zero_mac;
	struct rte_arp_hdr ah;

	if (cap < RTE_ETHER_HDR_LEN + sizeof(ah))
		return 0;
	dps_eth_build(buf, cap, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	ah.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah.arp_hlen = RTE_ETHER_ADDR_LEN;
	ah.arp_plen = sizeof(uint32_t);
	ah.arp_opcode = rte_cpu_to_be_16(op);
	ah.arp_data.arp_sha = *sha;
	ah.arp_data.arp_sip = spa;
	ah.arp_data.arp_tha = tha != NULL ? *tha : zero_mac;
	ah.arp_data.arp_tip = tpa;
	memcpy(buf + RTE_ETHER_HDR_LEN, &ah, sizeof(ah));
	return RTE_ETHER_HDR_LEN + sizeof(ah);
}

/*
 * 20-byte IPv4 header without options: TOS 0, DF set (we do path MTU
 * discovery, RFC 1191), the given id and TTL. With @csum_offload the
 * checksum field is left 0 for the NIC to fill. Returns 0 as well when
 * the datagram would exceed 65535 bytes.
 */
size_t
dps_ipv4_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
	uint8_t proto, uint16_t payload_len, uint8_t ttl, uint16_t id,
	bool csum_offload)
{
	struct rte_ipv4_hdr ih;

	if (cap < sizeof(ih) || payload_len > UINT16_MAX - sizeof(ih))
		return 0;
	memset(&ih, 0, sizeof(ih));
	ih.version_ihl = IPVERSION << 4 | sizeof(ih) / RTE_IPV4_IHL_MULTIPLIER;
	ih.total_length = rte_cpu_to_be_16(sizeof(ih) + payload_len);
	ih.packet_id = rte_cpu_to_be_16(id);
	ih.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ih.time_to_live = ttl;
	ih.next_proto_id = proto;
	ih.src_addr = src;
	ih.dst_addr = dst;
	if (!csum_offload)
		ih.hdr_checksum = (uint16_t)~dps_csum_raw(&ih, sizeof(ih));
	memcpy(buf, &ih, sizeof(ih));
	return sizeof(ih);
}

/* Store the complemented checksum of @len bytes at @buf (field zeroed). */
static void
icmp_fill_csum(uint8_t *buf, size_t len)
{
	uint16_t c;

	c = (uint16_t)~dps_csum_raw(buf, len);
	memcpy(buf + offsetof(struct rte_icmp_hdr, icmp_cksum), &c, sizeof(c));
}

/*
 * ICMP echo request or reply (RFC 792) with @data. @data may already sit
 * at buf + 8. Returns 0 as well when the message could not fit in an
 * IPv4 datagram.
 */
size_t
dps_icmp_echo_build(uint8_t *buf, size_t cap, uint8_t type,
	uint16_t id, uint16_t seq, const void *data, size_t data_len)
{
	struct rte_icmp_hdr ic;

	if (cap < sizeof(ic) || data_len > cap - sizeof(ic) ||
	    data_len > UINT16_MAX - IPV4_HLEN_MIN - sizeof(ic))
		return 0;
	ic.icmp_type = type;
	ic.icmp_code = 0;
	ic.icmp_cksum = 0;
	ic.icmp_ident = rte_cpu_to_be_16(id);
	ic.icmp_seq_nb = rte_cpu_to_be_16(seq);
	memcpy(buf, &ic, sizeof(ic));
	if (data_len != 0)
		memmove(buf + sizeof(ic), data, data_len);
	icmp_fill_csum(buf, sizeof(ic) + data_len);
	return sizeof(ic) + data_len;
}

/*
 * ICMP error quoting as much of @orig as keeps the IPv4 datagram (with a
 * 20-byte header) within 576 bytes (RFC 1812 4.3.2.3; RFC 1122 3.2.2
 * requires at least the header plus 8 bytes, the caller's duty). @info
 * goes in the low 16 bits of the second word (next-hop MTU for
 * frag-needed, RFC 1191 4); for parameter problem its low byte is the
 * pointer, in the first byte of that word (RFC 792).
 */
size_t
dps_icmp_error_build(uint8_t *buf, size_t cap, uint8_t type,
	uint8_t code, uint16_t info, const uint8_t *orig, size_t orig_len)
{
	struct rte_icmp_hdr ic;
	size_t qlen;

	qlen = RTE_MIN(orig_len,
		(size_t)(ICMP_ERR_MAX_IP - IPV4_HLEN_MIN - sizeof(ic)));
	if (cap < sizeof(ic) + qlen)
		return 0;
	memset(&ic, 0, sizeof(ic));
	ic.icmp_type = type;
	ic.icmp_code = code;
	if (type == ICMP_PARAMETERPROB)
		ic.icmp_ident = rte_cpu_to_be_16((uint16_t)((info & 0xff) << 8));
	else
		ic.icmp_seq_nb = rte_cpu_to_be_16(info);
	memcpy(buf, &ic, sizeof(ic));
	if (qlen != 0)
		memmove(buf + sizeof(ic), orig, qlen);
	icmp_fill_csum(buf, sizeof(ic) + qlen);
	return sizeof(ic) + qlen;
}

/*
 * A new type at @icmp[0] with the checksum at @icmp[2] updated from the
 * old and new first word by RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'),
 * which never yields the -0 that eqn. 2 can. ICMP and ICMPv6 share the
 * layout (and swapping IPv6 addresses leaves the pseudo-header sum as
 * it was).
 */
void
dps_icmp_retype(uint8_t *icmp, uint8_t type)
{
	uint16_t m, m_new, hc;
	uint32_t sum;

	m = (uint16_t)(icmp[0] << 8 | icmp[1]);
	icmp[0] = type;
	m_new = (uint16_t)(icmp[0] << 8 | icmp[1]);
	hc = (uint16_t)(icmp[2] << 8 | icmp[3]);
	sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m_new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	hc = (uint16_t)~sum;
	icmp[2] = hc >> 8;
	icmp[3] = hc & 0xff;
}

/* Echo request to reply in place: only the type changes (8 to 0).
 * Anything that is not an echo request of at least 8 bytes is left
 * alone. */
void
dps_icmp_echo_to_reply(uint8_t *icmp, uint32_t len)
{
	if (len < ICMP_HLEN || icmp[0] != ICMP_ECHO)
		return;
	dps_icmp_retype(icmp, ICMP_ECHOREPLY);
}
