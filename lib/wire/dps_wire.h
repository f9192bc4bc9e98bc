/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_WIRE_H
#define DPS_WIRE_H

/*
 * Wire formats: checked views and builders for Ethernet, ARP, IPv4, ICMP,
 * and the UDP/TCP header checks the rx path needs before demultiplexing.
 *
 * Everything here is pure: it works on (pointer, length) byte buffers, does
 * no I/O, needs no EAL and keeps no state, so the unit suite and a fuzzer
 * can call it directly. A checker validates every length before it reads
 * the bytes it covers; once it returns DPS_DROP_NONE the view it filled may
 * be used without further bounds checks. Multi-byte fields in views are in
 * network byte order where they are addresses, host order otherwise.
 */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <rte_common.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include "dps_counters.h"

/* Checksum state reported by the NIC (rx offload), as bit flags. */
/* An IPv4 header without options (RFC 791), and the TTL our packets
 * leave with (Linux's net.ipv4.ip_default_ttl). */
#define DPS_IPV4_HLEN 20
#define DPS_IP_TTL 64

#define DPS_CSUM_IP_GOOD	0x1
#define DPS_CSUM_IP_BAD		0x2
#define DPS_CSUM_L4_GOOD	0x4
#define DPS_CSUM_L4_BAD		0x8

/* One interface address, or a run of consecutive ones: the first address
 * and the mask in network byte order, and how many addresses follow the
 * first in the run (0: the first alone). Every address of a run shares
 * the first's prefix. The mask is a prefix mask, its ones contiguous
 * from the top (dps_rx_iface_is_bcast() relies on it). */
struct dps_ifaddr {
	uint32_t addr;
	uint32_t mask;
	uint32_t span;
};

/* What the rx path needs to know about the interface a frame came in on. */
struct dps_rx_iface {
	struct rte_ether_addr mac;
	const struct dps_ifaddr *addrs;
	unsigned int n_addrs;
};

struct dps_eth_view {
	struct rte_ether_addr dst, src;
	uint16_t ethertype;		/* host order */
	uint16_t hdr_len;		/* 14 */
};

struct dps_arp_view {
	uint16_t op;			/* host order: RTE_ARP_OP_REQUEST/REPLY */
	struct rte_ether_addr sha, tha;
	uint32_t spa, tpa;		/* network order */
};

struct dps_ipv4_view {
	uint16_t hdr_len;		/* IHL * 4 */
	uint16_t tot_len;		/* host order */
	uint16_t id;			/* host order */
	uint8_t proto, ttl, tos;
	bool fragment;			/* MF set or offset != 0 */
	uint32_t src, dst;		/* network order */
	uint16_t l4_off;		/* from the start of the IPv4 header */
	uint16_t l4_len;		/* tot_len - hdr_len */
};

/* The part of an ICMP error that names the packet it complains about. */
struct dps_icmp_quote {
	uint8_t proto;
	uint32_t src, dst;		/* network order, as in the quoted header */
	uint16_t sport, dport;		/* network order; 0 for non-UDP/TCP */
	uint32_t seq;			/* TCP: quoted sequence number, network
					 * order (UDP: length and checksum) */
};

struct dps_icmp_view {
	uint8_t type, code;
	uint16_t id, seq;		/* echo: host order */
	uint16_t next_mtu;		/* frag-needed: host order, else 0 */
	bool is_error;			/* dest unreach, time exceeded, param problem */
	struct dps_icmp_quote quote;	/* valid when is_error */
	uint16_t payload_off;		/* echo data offset from ICMP header */
};

struct dps_l4_view {
	uint16_t sport, dport;		/* network order */
	uint16_t hdr_len;		/* 8 for UDP, doff*4 for TCP */
	uint16_t payload_len;
	uint8_t tcp_flags;
};

enum dps_rx_kind {
	DPS_RX_ARP,
	DPS_RX_ICMP,
	DPS_RX_UDP,
	DPS_RX_TCP,
	DPS_RX_OTHER_PROTO,	/* valid IPv4 for us, protocol not handled */
};

/* The classified form of a received frame. Only the views of its kind
 * are defined (dps_rx_fast() writes no other). */
struct dps_rx_pkt {
	enum dps_rx_kind kind;
	struct dps_eth_view eth;
	struct dps_arp_view arp;	/* kind == DPS_RX_ARP */
	struct dps_ipv4_view ip;	/* kind != DPS_RX_ARP */
	bool ip_bcast;			/* dst was a broadcast address of ours */
	struct dps_icmp_view icmp;	/* kind == DPS_RX_ICMP */
	struct dps_l4_view l4;		/* kind == DPS_RX_UDP / DPS_RX_TCP */
};

/* Is @a one of the interface's addresses (of a run: within it)? */
bool dps_rx_iface_has_addr(const struct dps_rx_iface *ifc, uint32_t a);

/* Is @a the limited broadcast, or the directed broadcast of one of the
 * interface's prefixes? /31 and /32 have none (RFC 3021 2.2). Receive and
 * send decide "broadcast" with this one predicate. */
bool dps_rx_iface_is_bcast(const struct dps_rx_iface *ifc, uint32_t a);

/* Internet checksum (RFC 1071) of a buffer, folded, not complemented. */
uint16_t dps_csum_raw(const void *p, size_t len);

/* The same without AVX2 (the variant dps_csum_raw() runs on a CPU
 * without it), for the tests to hold against the reference. */
uint16_t dps_csum_raw_base(const void *p, size_t len);

/*
 * Sum of @n32 32-bit words at @p, any alignment, with the end-around
 * carries left in the upper half for dps_csum_fold() (RFC 1071 2(B) and
 * 2(C): a wider adder defers them, and the sum of words taken in memory
 * order is the same for either byte order). For headers the caller has
 * just written, where a loop over 16-bit words costs three times as
 * much (rte_ipv4_cksum(): about 67 instructions for 20 bytes).
 */
static __rte_always_inline uint64_t
dps_csum_words(const void *p, unsigned int n32)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	for (unsigned int i = 0; i < n32; i++) {
		uint32_t w;

		memcpy(&w, b + 4 * i, sizeof(w));
		s += w;
	}
	return s;
}

/* A deferred sum folded to 16 bits, not complemented. */
static __rte_always_inline uint16_t
dps_csum_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header's protocol and length word (RFC 793 3.1, RFC 768),
 * in memory order, for a dps_csum_words() sum that adds the addresses as
 * they stand in the IPv4 header. */
static __rte_always_inline uint32_t
dps_csum_ph_word(uint8_t proto, uint16_t l4_len)
{
	return rte_cpu_to_be_32((uint32_t)proto << 16 | l4_len);
}

/* Sum of the UDP/TCP pseudo-header (addresses in network order) and @len
 * bytes of segment, folded, not complemented: ~ of it is the checksum
 * field for a segment whose field was zero, and 0xffff checks a received
 * one. */
uint16_t dps_l4_sum(const void *l4, uint32_t len, uint32_t src, uint32_t dst,
	uint8_t proto);

/* Ethernet: accepts our MAC, broadcast and multicast; ARP and IPv4 only. */
int dps_eth_check(const uint8_t *p, uint32_t len,
	const struct rte_ether_addr *our_mac, struct dps_eth_view *v);

/* ARP body (after the Ethernet header): Ethernet/IPv4 only, request or
 * reply, unicast sender MAC, sender IP not multicast/broadcast/loopback
 * (0.0.0.0 is allowed: RFC 5227 probes). */
int dps_arp_check(const uint8_t *p, uint32_t len, struct dps_arp_view *v);

/* IPv4 header: version, IHL, total length against @len, checksum unless
 * @csum says the NIC checked it, martian sources. Fragments pass with
 * v->fragment set; the caller decides. */
int dps_ipv4_check(const uint8_t *p, uint32_t len, unsigned int csum,
	struct dps_ipv4_view *v);

/* ICMP message (after the IPv4 header): checksum, type, and for errors a
 * quoted IPv4 header plus at least 8 bytes of its payload. */
int dps_icmp_check(const uint8_t *p, uint32_t len, struct dps_icmp_view *v);

/* UDP and TCP headers with the pseudo-header checksum. A UDP checksum of
 * zero means none was sent (RFC 768). */
int dps_udp_check(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	unsigned int csum, struct dps_l4_view *v);
int dps_tcp_check(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	unsigned int csum, struct dps_l4_view *v);

/* The UDP header at @p of @len bytes, for dps_udp_check() and
 * dps_udp6_check(): copied to @uh, the datagram's length returned (RFC
 * 768; it may be shorter than @len), or 0 when it is cut short. */
static __rte_always_inline uint16_t
dps_udp_len(const uint8_t *p, uint32_t len, struct rte_udp_hdr *uh)
{
	uint16_t ulen;

	if (len < sizeof(*uh))
		return 0;
	memcpy(uh, p, sizeof(*uh));
	ulen = rte_be_to_cpu_16(uh->dgram_len);
	return ulen < sizeof(*uh) || ulen > len ? 0 : ulen;
}

/* @v for a checked UDP header @uh of a datagram of @ulen bytes. */
static __rte_always_inline void
dps_udp_view_fill(struct dps_l4_view *v, const struct rte_udp_hdr *uh,
	uint16_t ulen)
{
	v->sport = uh->src_port;
	v->dport = uh->dst_port;
	v->hdr_len = sizeof(*uh);
	v->payload_len = (uint16_t)(ulen - sizeof(*uh));
	v->tcp_flags = 0;
}

/* The TCP header at @p of a segment of @len bytes, for dps_tcp_check()
 * and dps_tcp6_check(): copied to @th, its length returned, or 0 when
 * the data offset does not cover the fixed 20 bytes and at most the
 * segment (RFC 9293 3.1). */
static __rte_always_inline uint16_t
dps_tcp_hdr_len(const uint8_t *p, uint32_t len, struct rte_tcp_hdr *th)
{
	uint16_t hdr_len;

	if (len < sizeof(*th))
		return 0;
	memcpy(th, p, sizeof(*th));
	hdr_len = (uint16_t)((th->data_off >> 4) * 4);
	return hdr_len < sizeof(*th) || hdr_len > len ? 0 : hdr_len;
}

/* @v for a checked TCP header @th of @hdr_len bytes in @len. */
static __rte_always_inline void
dps_tcp_view_fill(struct dps_l4_view *v, const struct rte_tcp_hdr *th,
	uint16_t hdr_len, uint32_t len)
{
	v->sport = th->src_port;
	v->dport = th->dst_port;
	v->hdr_len = hdr_len;
	v->payload_len = (uint16_t)(len - hdr_len);
	v->tcp_flags = th->tcp_flags;
}

/*
 * The whole receive decision for one frame: Ethernet, then ARP or IPv4 and
 * the layer above. @len is the contiguous length at @frame. Returns
 * DPS_DROP_NONE with @out filled, or the drop reason, already counted in
 * @cnt (which may be NULL). Does not count successes; the caller does.
 */
int dps_rx_classify(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt);

/*
 * dps_rx_classify()'s two halves, for the tests that hold one against
 * the other. dps_rx_fast() takes only a valid TCP or UDP frame to one
 * of the interface's addresses, with no IPv4 options, and fills the
 * views of @out that its kind defines (kind, eth, ip, ip_bcast, l4)
 * exactly as the general path would; it returns false, counting
 * nothing, for every other frame (@out may then hold anything, which
 * the general path clears). dps_rx_classify_general() is the
 * whole decision without that shortcut.
 */
bool dps_rx_fast(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out);
int dps_rx_classify_general(const struct dps_rx_iface *ifc, const uint8_t *frame,
	uint32_t len, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt);

/*
 * errno for an ICMP error, as Linux's icmp_err_convert table maps it
 * (net/ipv4/icmp.c). *fatal tells whether it aborts a connection attempt
 * (Linux treats host/net/proto/port unreachable etc. as hard errors).
 * Returns 0 for messages that carry no error (e.g. frag-needed: EMSGSIZE
 * with fatal = false).
 */
int dps_icmp_errno(uint8_t type, uint8_t code, bool *fatal);

/* Builders. Each returns the bytes written, or 0 when @cap is too small. */

/* Ethernet header + ARP body (42 bytes). */
size_t dps_arp_build(uint8_t *buf, size_t cap, uint16_t op,
	const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa);

/* 14-byte Ethernet header. */
size_t dps_eth_build(uint8_t *buf, size_t cap, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, uint16_t ethertype);

/* 20-byte IPv4 header, DF set, checksum filled unless @csum_offload. */
size_t dps_ipv4_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
	uint8_t proto, uint16_t payload_len, uint8_t ttl, uint16_t id,
	bool csum_offload);

/*
 * The 14-byte Ethernet and 20-byte IPv4 headers of a unicast frame at
 * @buf (34 bytes of room): a flow's hot path, which knows its next hop's
 * MAC already. IPv4 as dps_ipv4_build() writes it (DF set, no options),
 * with @tos and @ttl; the header checksum comes from a word sum, or is
 * left 0 for the NIC when @csum_offload. Inline: its eleven arguments
 * cost a call about a fifth of its work (callgrind_http.sh).
 */
static __rte_always_inline void
dps_eth_ipv4_write(uint8_t *buf, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, uint32_t saddr, uint32_t daddr,
	uint8_t proto, uint16_t payload_len, uint8_t tos, uint8_t ttl,
	uint16_t id, bool csum_offload)
{
	uint8_t *ip = buf + RTE_ETHER_HDR_LEN;
	uint32_t w[5];

	memcpy(buf, dst, RTE_ETHER_ADDR_LEN);
	memcpy(buf + RTE_ETHER_ADDR_LEN, src, RTE_ETHER_ADDR_LEN);
	buf[12] = RTE_ETHER_TYPE_IPV4 >> 8;
	buf[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
	/* Word by word, in network order: version 4 and IHL 5, TOS, total
	 * length; identification, DF; TTL, protocol, checksum; the
	 * addresses. */
	w[0] = rte_cpu_to_be_32((uint32_t)(4 << 4 | DPS_IPV4_HLEN / 4) << 24 |
		(uint32_t)tos << 16 | (uint32_t)(DPS_IPV4_HLEN + payload_len));
	w[1] = rte_cpu_to_be_32((uint32_t)id << 16 | RTE_IPV4_HDR_DF_FLAG);
	w[2] = rte_cpu_to_be_32((uint32_t)ttl << 24 | (uint32_t)proto << 16);
	w[3] = saddr;
	w[4] = daddr;
	if (!csum_offload) {
		uint16_t c = (uint16_t)~dps_csum_fold(dps_csum_words(w, 5));

		memcpy((uint8_t *)w + offsetof(struct rte_ipv4_hdr, hdr_checksum), &c,
			sizeof(c));
	}
	memcpy(ip, w, sizeof(w));
}

/* ICMP echo request or reply with @data, checksum filled. */
size_t dps_icmp_echo_build(uint8_t *buf, size_t cap, uint8_t type,
	uint16_t id, uint16_t seq, const void *data, size_t data_len);

/* ICMP error quoting @orig (an IPv4 packet): as much as keeps the whole
 * IPv4 datagram within 576 bytes (RFC 1812 4.3.2.3). @info is the
 * next-hop MTU for frag-needed, else 0. */
size_t dps_icmp_error_build(uint8_t *buf, size_t cap, uint8_t type,
	uint8_t code, uint16_t info, const uint8_t *orig, size_t orig_len);

/* Turn an ICMP echo request (ICMP header onward, @len bytes) into a reply
 * in place, updating the checksum incrementally (RFC 1624). */
void dps_icmp_echo_to_reply(uint8_t *icmp, uint32_t len);

/* Set the type of the ICMP or ICMPv6 message @icmp (at least 4 bytes),
 * updating its checksum incrementally (RFC 1624). */
void dps_icmp_retype(uint8_t *icmp, uint8_t type);

#endif
