/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_WIRE6_H
#define DPS_WIRE6_H

/*
 * IPv6 wire formats: the receive checks of the IPv6 header and its
 * extension headers (RFC 8200), ICMPv6 (RFC 4443) and the neighbour
 * discovery messages a host needs (RFC 4861 4.3, 4.4, 4.6.1), their
 * builders, the upper-layer checksum over the IPv6 pseudo-header
 * (RFC 8200 8.1), and the address helpers of RFC 4291, RFC 2464 and
 * RFC 6724.
 *
 * Pure as dps_wire.h is: (pointer, length) buffers, no I/O, no EAL, no
 * state. A checker reads no byte before it has checked the length that
 * covers it, and returns DPS_DROP_NONE or a drop reason of
 * DPS_DROP_IP6_LIST without counting it (the caller counts once). A view
 * filled by a checker that returned DPS_DROP_NONE lies inside the buffer.
 * Addresses are 16-byte arrays as on the wire; other multi-byte fields of
 * the views are in host order unless they say otherwise.
 *
 * The runtime's IPv6 input and output (lib/ip) call them
 * (docs/architecture.md, "IPv6").
 */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <rte_ether.h>
#include "dps_counters.h"

#define DPS_IPV6_HLEN 40
#define DPS_IPV6_MIN_MTU 1280		/* RFC 8200 5 */
#define DPS_IPV6_HOP_LIMIT 64		/* Linux's net.ipv6.conf.*.hop_limit */
#define DPS_ND_HOP_LIMIT 255		/* RFC 4861 7.1 */
/* Extension headers the walk follows before it gives up (Linux bounds
 * its own walks similarly; a longer chain is an attack, not a packet). */
#define DPS_IPV6_EXT_MAX 8

/* Next header values (RFC 8200 4, IANA). */
#define DPS_IP6_NH_HOPOPTS 0
#define DPS_IP6_NH_ROUTING 43
#define DPS_IP6_NH_FRAGMENT 44
#define DPS_IP6_NH_ICMPV6 58
#define DPS_IP6_NH_NONE 59
#define DPS_IP6_NH_DSTOPTS 60

/* ICMPv6 types and codes (RFC 4443 2.1, 3; RFC 4861 4). */
#define DPS_ICMP6_DST_UNREACH 1
#define DPS_ICMP6_PKT_TOO_BIG 2
#define DPS_ICMP6_TIME_EXCEEDED 3
#define DPS_ICMP6_PARAM_PROB 4
#define DPS_ICMP6_ECHO_REQUEST 128
#define DPS_ICMP6_ECHO_REPLY 129
#define DPS_ND_ROUTER_SOLICIT 133
#define DPS_ND_ROUTER_ADVERT 134
#define DPS_ND_NEIGHBOR_SOLICIT 135
#define DPS_ND_NEIGHBOR_ADVERT 136
#define DPS_ND_REDIRECT 137

#define DPS_ICMP6_UNREACH_NOROUTE 0
#define DPS_ICMP6_UNREACH_ADMIN 1
#define DPS_ICMP6_UNREACH_ADDR 3
#define DPS_ICMP6_UNREACH_PORT 4
#define DPS_ICMP6_PP_HEADER 0		/* erroneous header field */
#define DPS_ICMP6_PP_NEXTHDR 1		/* unrecognised next header */
#define DPS_ICMP6_PP_OPTION 2		/* unrecognised IPv6 option */

/* Neighbour advertisement flags (RFC 4861 4.4), in the first byte. */
#define DPS_ND_NA_ROUTER 0x80
#define DPS_ND_NA_SOLICITED 0x40
#define DPS_ND_NA_OVERRIDE 0x20

/* Neighbour discovery options (RFC 4861 4.6; RFC 7527 for the nonce). */
#define DPS_ND_OPT_SLLA 1
#define DPS_ND_OPT_TLLA 2
#define DPS_ND_OPT_NONCE 14
#define DPS_ND_NONCE_LEN 6

/*
 * A parameter problem the receiver owes the sender (RFC 8200 4, 4.2,
 * 4.4; RFC 4443 3.4). @send is false when the RFC says to discard
 * silently (an option type of action 11 to a multicast destination).
 */
struct dps_ip6_pp {
	bool send;
	uint8_t code;			/* DPS_ICMP6_PP_* */
	uint32_t pointer;		/* offset from the IPv6 header */
};

/* A received IPv6 packet after the header and extension-header walk. */
struct dps_ipv6_view {
	uint8_t src[16], dst[16];
	uint8_t hop_limit;
	uint8_t tclass;
	uint32_t flow;			/* 20-bit flow label */
	uint16_t payload_len;		/* the header's field */
	uint8_t proto;			/* upper-layer next header */
	uint8_t n_ext;			/* extension headers walked */
	uint32_t l4_off;		/* from the start of the IPv6 header */
	uint32_t l4_len;		/* 40 + payload_len - l4_off */
	bool fragment;			/* a fragment header was met */
	uint16_t frag_off;		/* its offset, in bytes */
	bool frag_more;			/* its M flag */
	uint32_t frag_id;
	struct dps_ip6_pp pp;		/* set with some drop reasons */
	/* The NIC's verdict on the upper-layer checksum (DPS_CSUM_L4_*), or
	 * 0 to compute it: the runtime sets it (dps_ip6_rx()), the pure
	 * decision leaves it 0. */
	uint8_t l4_csum;
};

/* The part of an ICMPv6 error that names the packet it complains about. */
struct dps_icmp6_quote {
	uint8_t proto;			/* upper layer, after the quote's ext headers */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;		/* network order; 0 for non-UDP/TCP */
	uint32_t seq;			/* TCP: network order */
	bool has_ports;
};

/* A received neighbour solicitation or advertisement. */
struct dps_nd_view {
	uint8_t target[16];
	uint8_t flags;			/* NA: DPS_ND_NA_* */
	bool has_lla;			/* SLLA of an NS, TLLA of an NA */
	struct rte_ether_addr lla;
	bool has_nonce;			/* RFC 7527 */
	uint8_t nonce[DPS_ND_NONCE_LEN];
};

struct dps_icmp6_view {
	uint8_t type, code;
	uint16_t id, seq;		/* echo */
	uint32_t mtu;			/* packet too big */
	uint32_t pointer;		/* parameter problem */
	bool is_error;			/* type < 128 */
	struct dps_icmp6_quote quote;	/* valid when is_error */
	struct dps_nd_view nd;		/* NS, NA */
	uint16_t payload_off;		/* echo data, from the ICMPv6 header */
};

/* ---- addresses (dps_ip6addr.c) ---------------------------------------- */

/* Scopes (RFC 4291 2.7; RFC 6724 3.1 for unicast). */
enum dps_ip6_scope {
	DPS_IP6_SCOPE_IFACE = 0x1,
	DPS_IP6_SCOPE_LINK = 0x2,
	DPS_IP6_SCOPE_ADMIN = 0x4,
	DPS_IP6_SCOPE_SITE = 0x5,
	DPS_IP6_SCOPE_ORG = 0x8,
	DPS_IP6_SCOPE_GLOBAL = 0xe,
};

bool dps_ip6_is_unspecified(const uint8_t a[16]);
bool dps_ip6_is_loopback(const uint8_t a[16]);
bool dps_ip6_is_multicast(const uint8_t a[16]);
bool dps_ip6_is_v4mapped(const uint8_t a[16]);
bool dps_ip6_is_linklocal(const uint8_t a[16]);	/* fe80::/10 */

/* The scope of @a: a group's scope field; for unicast, link-local for
 * fe80::/10 and ::1, site-local for the deprecated fec0::/10, global
 * otherwise (RFC 6724 3.1). */
enum dps_ip6_scope dps_ip6_scope(const uint8_t a[16]);

/* fe80::/64 with the modified EUI-64 interface identifier of @mac
 * (RFC 4291 2.5.1 and appendix A; RFC 2464 4, 5). */
void dps_ip6_linklocal(const struct rte_ether_addr *mac, uint8_t out[16]);

/* The solicited-node group of @a, ff02::1:ffXX:XXXX (RFC 4291 2.7.1). */
void dps_ip6_solicited_node(const uint8_t a[16], uint8_t out[16]);

/* The Ethernet group of IPv6 group @a: 33:33 and its last 32 bits
 * (RFC 2464 7). */
void dps_ip6_mcast_mac(const uint8_t a[16], struct rte_ether_addr *mac);

/*
 * Addresses of one range that duplicate address detection found to be
 * another node's, each lost on its own as Linux loses each address it
 * was given (addrconf_dad_failure()). Beyond this many the whole range
 * is a duplicate (docs/architecture.md, "Ranges of addresses").
 */
#define DPS_IP6_LOST_MAX 8

/*
 * One address of the interface, as source selection sees it, or a range
 * of them: @addr and the @span addresses after it (a load generator's
 * sources), all in @addr's prefix and of one DAD state, but for the
 * @n_lost offsets in @lost (from @addr), addresses of the range that are
 * not ours (DAD found them duplicate). A range is a bounds check, not a
 * table (as an IPv4 range, struct dps_ifaddr), and the lost offsets are
 * looked at only when there are some; source selection sees its first
 * address that is not lost (dps_ip6_cand_first()).
 */
struct dps_ip6_cand {
	uint8_t addr[16];
	uint8_t prefix_len;
	bool tentative;			/* DAD not done (RFC 4862 5.4) */
	bool deprecated;		/* preferred lifetime over */
	/* lost[] in use. Atomic in a table other threads read while the
	 * stack runs: dps_ip6_cand_lose() and dps_ip6_cand_load(). */
	uint8_t n_lost;
	uint32_t span;			/* addresses after @addr; 0: one address */
	uint32_t lost[DPS_IP6_LOST_MAX];	/* offsets from @addr, distinct */
};

/* Whether @a is within @c's bounds, @c->addr up to @c->addr + @c->span
 * as 128-bit numbers, lost or not; its offset from @c->addr in @off.
 * Reads only @c's address and span. */
bool dps_ip6_cand_span_has(const struct dps_ip6_cand *c, const uint8_t a[16],
	uint32_t *off);

/* Whether offset @off of @c is lost. */
bool dps_ip6_cand_is_lost(const struct dps_ip6_cand *c, uint32_t off);

/* Whether @a is one of candidate @c's addresses: within its bounds and,
 * when @c has lost addresses, not one of them. */
bool dps_ip6_cand_has(const struct dps_ip6_cand *c, const uint8_t a[16]);

/* Whether the solicited-node group @g (ff02::1:ffXX:XXXX) is that of one
 * of @c's addresses (RFC 4291 2.7.1: their last 24 bits), lost ones
 * left out. */
bool dps_ip6_cand_has_group(const struct dps_ip6_cand *c, const uint8_t g[16]);

/* Address @i of candidate @c (@c->addr plus @i, carried across bytes),
 * lost or not. */
void dps_ip6_cand_nth(const struct dps_ip6_cand *c, uint32_t i, uint8_t out[16]);

/* The first address of @c that is not lost: the address source
 * selection gives for @c. */
void dps_ip6_cand_first(const struct dps_ip6_cand *c, uint8_t out[16]);

/* Lose offset @off of @c (not lost yet, within the span). False, and @c
 * unchanged, when @c has DPS_IP6_LOST_MAX lost already or @off is the
 * last address of @c not lost: the caller makes the whole of @c a
 * duplicate then. The offset is stored before the count is published
 * (release), for readers of a shared table (dps_ip6_cand_load()). */
bool dps_ip6_cand_lose(struct dps_ip6_cand *c, uint32_t off);

/* A copy of @c, which another thread may be losing offsets of
 * (dps_ip6_cand_lose()): the count read first (acquire), then the
 * offsets it covers. */
void dps_ip6_cand_load(const struct dps_ip6_cand *c, struct dps_ip6_cand *out);

/*
 * RFC 6724 5 source selection among @n candidates of one interface for
 * destination @dst: rules 1 (same address), 2 (appropriate scope),
 * 3 (avoid deprecated), 6 (matching label, the default policy table of
 * 2.1) and 8 (longest matching prefix, up to the candidate's prefix
 * length); rules 4, 5 and 7 do not arise with one interface, no home
 * address and no temporary address. Tentative addresses are never
 * chosen. Returns the index of the choice, or -1 when none is usable.
 */
int dps_ip6_select_src(const struct dps_ip6_cand *c, unsigned int n,
	const uint8_t dst[16]);

/* What a destination address is to an interface with addresses @c. */
enum dps_ip6_dst {
	DPS_IP6_DST_OTHER,		/* not for us: ip6_not_for_us */
	DPS_IP6_DST_UNICAST,		/* one of our usable addresses */
	/* A tentative address of ours: only ND is taken (RFC 4862 5.4),
	 * the rest silently discarded. */
	DPS_IP6_DST_TENTATIVE,
	/* All-nodes (ff02::1) or the solicited-node group of one of our
	 * addresses, tentative ones included (RFC 4861 7.2.1, RFC 4862
	 * 5.4.2). */
	DPS_IP6_DST_GROUP,
};

/* Classify destination @dst against the interface's @n addresses. */
enum dps_ip6_dst dps_ip6_dst_match(const struct dps_ip6_cand *c,
	unsigned int n, const uint8_t dst[16]);

/* ---- IPv6 header and extension headers (dps_ipv6.c) -------------------- */

/*
 * The fixed IPv6 header (RFC 8200 3) against @len, the bytes after the
 * Ethernet header: version 6, payload length within @len (Ethernet may
 * pad; a zero payload length with a hop-by-hop header is a jumbogram,
 * which a 1500-byte link cannot carry, and is refused), no multicast,
 * loopback or v4-mapped source (RFC 4291 2.5.3, 2.5.5.2, 2.7, as Linux's
 * ipv6_rcv()), no loopback or unspecified destination, no group of
 * interface-local or reserved scope 0 from the wire. Fills the address,
 * hop limit, class and flow fields of @v. The hop limit is the caller's.
 */
int dps_ipv6_check(const uint8_t *p, uint32_t len, struct dps_ipv6_view *v);

/*
 * Walk the extension headers of a packet @v describes (after
 * dps_ipv6_check()), per RFC 8200 4: hop-by-hop options only first,
 * destination options and hop-by-hop options through their TLVs (4.2:
 * Pad1 and PadN skipped, an unknown option acted on by its two high
 * bits), a routing header with segments left 0 ignored and an unknown
 * type with segments left non-zero answered with a parameter problem
 * (4.4; no routing type is known to a host, type 0 being deprecated by
 * RFC 5095), a fragment header recorded and refused as ip6_fragment
 * (not reassembled: docs/architecture.md), No Next Header ending the
 * packet, and an upper layer other than TCP, UDP and ICMPv6 answered
 * with a parameter problem code 1 pointing at the next header field that
 * named it (RFC 8200 4; RFC 4443 3.4). Drops that owe the sender a
 * parameter problem fill v->pp. On success v->proto, v->l4_off and
 * v->l4_len name the upper layer.
 */
int dps_ipv6_walk(const uint8_t *p, struct dps_ipv6_view *v);

/* dps_ipv6_check() then dps_ipv6_walk(): the IPv6 receive decision. */
int dps_ipv6_rx(const uint8_t *p, uint32_t len, struct dps_ipv6_view *v);

/*
 * Folded sum (not complemented) of the upper-layer pseudo-header of
 * RFC 8200 8.1 (@src, @dst, 32-bit @len, @proto) and @len bytes at @l4:
 * ~ of it is the checksum field of a message whose field was zero, and
 * 0xffff checks a received one. The pseudo-header part is DPDK's
 * rte_ipv6_phdr_cksum().
 */
uint16_t dps_ip6_l4_sum(const void *l4, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto);

/* ---- TCP and UDP over IPv6 (dps_l4v6.c) -------------------------------- */

struct dps_l4_view;			/* dps_wire.h */

/* TCP/IPv6 headers without options: the MSS an IPv6 MTU allows is the
 * MTU less these (RFC 9293 3.7.1; Linux's tcp_mtu_to_mss() for IPv6). */
#define DPS_TCP6_HDRS (DPS_IPV6_HLEN + 20)

/* The MSS of IPv6 MTU @mtu; at least that of the minimum MTU (1220). */
static inline uint16_t
dps_tcp6_mss(uint32_t mtu)
{
	if (mtu < DPS_IPV6_MIN_MTU)
		mtu = DPS_IPV6_MIN_MTU;
	if (mtu > 65535)
		mtu = 65535;
	return (uint16_t)(mtu - DPS_TCP6_HDRS);
}

/*
 * A UDP header over IPv6 (@len bytes, the upper-layer length): the
 * length field within @len, and the checksum, which is mandatory (RFC
 * 8200 8.1): a datagram whose checksum field is zero is dropped as
 * udp_bad_csum, as Linux's udp6_csum_init() counts it with the checksum
 * errors. @csum: the NIC's verdict (DPS_CSUM_L4_*), or 0.
 */
int dps_udp6_check(const uint8_t *p, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], unsigned int csum, struct dps_l4_view *v);

/* A TCP header over IPv6: the data offset within @len, and the checksum
 * over the IPv6 pseudo-header. */
int dps_tcp6_check(const uint8_t *p, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], unsigned int csum, struct dps_l4_view *v);

/* The checksum field of a TCP or UDP message of @len bytes at @l4 from
 * @src to @dst whose field is zero now (a UDP sum of zero is sent as
 * 0xffff, RFC 8200 8.1 and RFC 768). */
uint16_t dps_l4v6_csum(const void *l4, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto);

/* The flow label field (RFC 6437 2) and the bit Linux's
 * net.ipv6.flowlabel_state_ranges sets on automatic labels: the range
 * 0x80000-0xfffff is for stateless labels, the rest for labels leased
 * through IPV6_FLOWLABEL_MGR (which dpstack has not). */
#define DPS_IPV6_FLOWLABEL_MASK 0xfffffu
#define DPS_IPV6_FLOWLABEL_STATELESS 0x80000u

/*
 * The automatic flow label of a flow whose hash is @hash (RFC 6437 3:
 * the same for every packet of a flow, from a uniform distribution;
 * Linux's ip6_make_flowlabel()): the hash turned by 16 bits, so that the
 * bits on the wire are not the low ones a receiver's RSS may see, then
 * its low 20 bits, with the stateless bit when @state_ranges. Like
 * Linux's, the label of a non-zero hash may itself be 0 (one hash in
 * 2^20); a sender then sends no label, as Linux does.
 */
static inline uint32_t
dps_ip6_flowlabel_of(uint32_t hash, bool state_ranges)
{
	uint32_t l = ((hash << 16) | (hash >> 16)) & DPS_IPV6_FLOWLABEL_MASK;

	return state_ranges ? l | DPS_IPV6_FLOWLABEL_STATELESS : l;
}

/* The 40-byte IPv6 header, no extension headers. 0 when @cap is short. */
size_t dps_ipv6_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto, uint16_t payload_len,
	uint8_t hop_limit, uint8_t tclass, uint32_t flow);

/* ---- ICMPv6 and neighbour discovery (dps_icmp6.c) ----------------------- */
/* (dps_ip6_rx_decide() below uses them.) */

/*
 * An ICMPv6 message of @len bytes (the upper-layer length) from the
 * packet @ip describes: length, checksum over the pseudo-header, type.
 * Echo request and reply fill id and seq; errors (destination
 * unreachable, packet too big, time exceeded, parameter problem, and any
 * unknown type below 128, RFC 4443 2.4(b)) must quote an IPv6 header and,
 * for UDP and TCP, the ports; neighbour solicitations and advertisements
 * go through dps_nd_check(); router discovery, redirects and MLD are
 * icmp6_ignored; other informational types icmp6_unknown_type.
 */
int dps_icmp6_check(const uint8_t *p, uint32_t len,
	const struct dps_ipv6_view *ip, struct dps_icmp6_view *v);
/* The packet an ICMPv6 error quotes, @len bytes at @q (RFC 4443
 * 2.4(c)): an IPv6 header, its extension headers and 8 bytes of the
 * upper layer, the ports of UDP and TCP. DPS_DROP_NONE or
 * icmp6_bad_quote. dps_icmp6_check() uses it for errors received; the
 * stack also for a packet of its own that it reports undeliverable. */
int dps_icmp6_quote_parse(const uint8_t *q, uint32_t len, struct dps_icmp6_quote *qv);

/*
 * RFC 4861 7.1.1 (NS) and 7.1.2 (NA) on a message whose checksum is
 * already good: hop limit 255, code 0, at least 24 bytes, a target that
 * is not a group, options of non-zero length within the message, an
 * Ethernet-sized link-layer address option, from the unspecified source
 * only to a solicited-node group and without SLLA, no solicited NA to a
 * group. Fills v->nd.
 */
int dps_nd_check(const uint8_t *p, uint32_t len,
	const struct dps_ipv6_view *ip, struct dps_icmp6_view *v);

/*
 * May an ICMPv6 error be sent about the packet @orig describes
 * (RFC 4443 2.4(e))? Not about an ICMPv6 error (@orig_icmp6_type < 128)
 * or redirect, not about a packet to a group (except packet too big and
 * a parameter problem code 2), not to an unspecified, multicast or
 * loopback source. @orig_icmp6_type is 255 when @orig is not ICMPv6.
 * The caller checks (e.4), a frame sent to a link-layer group, under the
 * same exceptions, and the rate limit (2.4(f)).
 */
bool dps_icmp6_may_error(const struct dps_ipv6_view *orig,
	uint8_t orig_icmp6_type, uint8_t type, uint8_t code);

/* Fill the checksum field of the ICMPv6 message @icmp (@len bytes) for
 * the pseudo-header of @src and @dst. */
void dps_icmp6_fill_csum(uint8_t *icmp, size_t len, const uint8_t src[16],
	const uint8_t dst[16]);

/* An ICMPv6 echo request or reply with @data (which may already sit at
 * buf + 8), checksum filled for @src and @dst. 0 when @cap is short. */
size_t dps_icmp6_echo_build(uint8_t *buf, size_t cap, uint8_t type,
	uint16_t id, uint16_t seq, const void *data, size_t data_len,
	const uint8_t src[16], const uint8_t dst[16]);

/* Echo request to reply in place: the type changes and the checksum is
 * updated incrementally (RFC 1624); swapping the addresses leaves the
 * pseudo-header sum alone. */
void dps_icmp6_echo_to_reply(uint8_t *icmp, uint32_t len);

/*
 * IPv6 header plus an ICMPv6 error from @src to @dst quoting @orig (the
 * offending packet from its IPv6 header on) as far as keeps the whole
 * packet within the minimum MTU of 1280 bytes (RFC 4443 2.4(c)). @info is
 * the MTU of a packet too big, the pointer of a parameter problem, else
 * 0. Returns the bytes written (IPv6 header included), or 0 when @cap is
 * short.
 */
size_t dps_icmp6_error_build(uint8_t *buf, size_t cap, uint8_t type,
	uint8_t code, uint32_t info, const uint8_t *orig, size_t orig_len,
	const uint8_t src[16], const uint8_t dst[16]);

/*
 * IPv6 header plus a neighbour solicitation for @target (RFC 4861 4.3),
 * hop limit 255. @dst is the target's solicited-node group (resolution,
 * DAD) or the target itself (unicast probe). @slla (may be NULL) is
 * included unless @src is unspecified (7.2.2, and DAD's RFC 4862 5.4.2);
 * @nonce (may be NULL) adds the RFC 7527 nonce option. 0 when @cap is
 * short.
 */
size_t dps_nd_ns_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], const uint8_t target[16],
	const struct rte_ether_addr *slla, const uint8_t *nonce);

/*
 * IPv6 header plus a neighbour advertisement for @target (RFC 4861 4.4),
 * hop limit 255, @flags of DPS_ND_NA_*, @tlla (may be NULL) as the
 * target link-layer address option. A reply to a DAD probe goes to
 * ff02::1 with S clear (7.2.4); the caller picks @dst and @flags.
 */
size_t dps_nd_na_build(uint8_t *buf, size_t cap, const uint8_t src[16],
	const uint8_t dst[16], const uint8_t target[16], uint8_t flags,
	const struct rte_ether_addr *tlla);

/*
 * IPv6 header plus the advertisement answering a valid solicitation for
 * one of our addresses (@ns_ip, @ns from dps_icmp6_check()), from the
 * target, as Linux's ndisc_recv_ns() answers (RFC 4861 7.2.4): to the
 * soliciting node with S set, or to ff02::1 with S clear when it was a
 * DAD probe from ::; Override and our link-layer address @mac only when
 * the solicitation went to a group (a unicast one is a reachability
 * probe of a node that has our address); R when @router.
 */
size_t dps_nd_na_reply(uint8_t *buf, size_t cap,
	const struct dps_ipv6_view *ns_ip, const struct dps_nd_view *ns,
	const struct rte_ether_addr *mac, bool router);

/*
 * errno for an ICMPv6 error as Linux's icmpv6_err_convert()
 * (net/ipv6/icmp.c) maps it; *fatal tells whether it aborts a connection
 * attempt. Unknown types give EPROTO, not fatal, as there.
 */
int dps_icmp6_errno(uint8_t type, uint8_t code, bool *fatal);

/* ---- the receive decision (dps_ip6_rx.c) ------------------------------ */

/* One received IPv6 packet as the receive decision leaves it. */
struct dps_ip6_rx {
	struct dps_ipv6_view ip;
	enum dps_ip6_dst match;		/* the destination to the interface */
	struct dps_icmp6_view icmp;	/* ip.proto ICMPv6: the message */
};

/*
 * The IPv6 receive decision for a packet of @len bytes at @p (from its
 * IPv6 header on) arriving on an interface with addresses @c:
 * dps_ipv6_check(), the destination (dps_ip6_dst_match():
 * ip6_not_for_us), dps_ipv6_walk(), dps_icmp6_check() for ICMPv6, and
 * only ND to a tentative address (ip6_tentative, RFC 4862 5.4). A drop
 * that owes a parameter problem leaves r->ip.pp.send set (never about a
 * packet to a tentative address); the caller checks RFC 4443 2.4(e)
 * and the rate limit. Returns DPS_DROP_NONE or the drop reason.
 */
int dps_ip6_rx_decide(const struct dps_ip6_cand *c, unsigned int n,
	const uint8_t *p, uint32_t len, struct dps_ip6_rx *r);

#endif
