/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the IPv6 wire formats (lib/wire, dps_wire6.h): frames
 * captured from the kernel parsed and rebuilt byte for byte, a table of
 * malformed IPv6, extension-header, ICMPv6 and ND packets with the exact
 * drop reason (and parameter problem) each must give, builders round
 * tripped through the checkers, the error quote limit, errno mapping,
 * address helpers, RFC 6724 source selection and address text.
 *
 * Every packet handed to a checker is copied into a malloc'ed buffer of
 * exactly its length, so ASan reports any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>
#include <rte_ip.h>

#include "dps_addr.h"
#include "dps_counters.h"
#include "dps_wire.h"
#include "dps_wire6.h"
#include "ip6_vectors.h"

#define ETH 14
#define PKT_MAX 2048

static const uint8_t A_ADDR[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
static const uint8_t B_ADDR[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b };
static const uint8_t ALL_NODES[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t UNSPEC[16];
static const uint8_t LOOPBACK[16] = { [15] = 1 };
static const uint8_t MAPPED[16] = { [10] = 0xff, 0xff, 198, 18, 0, 1 };
static const uint8_t IFACE_LOCAL[16] = { 0xff, 0x01, [15] = 1 };
static const uint8_t SCOPE0[16] = { 0xff, 0x00, [15] = 1 };
static const struct rte_ether_addr A_MAC = { { 2, 0, 0, 0, 0, 0x0a } };
static const struct rte_ether_addr B_MAC = { { 2, 0, 0, 0, 0, 0x0b } };

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

/* IPv6 receive decision, then ICMPv6 when the upper layer is ICMPv6, on a
 * heap copy of exactly @len bytes. */
static int
rx6(const uint8_t *p, uint32_t len, struct dps_ipv6_view *ip,
	struct dps_icmp6_view *ic)
{
	uint8_t *copy = malloc(len != 0 ? len : 1);
	int rc;

	memcpy(copy, p, len);
	rc = dps_ipv6_rx(copy, len, ip);
	if (rc == DPS_DROP_NONE && ip->proto == DPS_IP6_NH_ICMPV6) {
		cr_assert_leq(ip->l4_off + ip->l4_len, len);
		rc = dps_icmp6_check(copy + ip->l4_off, ip->l4_len, ip, ic);
	}
	free(copy);
	return rc;
}

/* ---- the kernel's frames ------------------------------------------------ */

Test(wire6, kernel_ns_parses_and_rebuilds)
{
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t sn[16], buf[128];
	size_t n;

	cr_assert_eq(rx6(k_ns + ETH, sizeof(k_ns) - ETH, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ic.type, DPS_ND_NEIGHBOR_SOLICIT);
	cr_assert_arr_eq(ic.nd.target, B_ADDR, 16);
	cr_assert(ic.nd.has_lla);
	cr_assert(rte_is_same_ether_addr(&ic.nd.lla, &A_MAC));
	dps_ip6_solicited_node(B_ADDR, sn);
	cr_assert_arr_eq(ip.dst, sn, 16);
	n = dps_nd_ns_build(buf, sizeof(buf), A_ADDR, sn, B_ADDR, &A_MAC, NULL);
	cr_assert_eq(n, sizeof(k_ns) - ETH);
	cr_assert_arr_eq(buf, k_ns + ETH, n, "our NS is the kernel's, checksum included");
}

Test(wire6, kernel_na_parses_and_rebuilds)
{
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t buf[128];
	size_t n;

	cr_assert_eq(rx6(k_na + ETH, sizeof(k_na) - ETH, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ic.type, DPS_ND_NEIGHBOR_ADVERT);
	cr_assert_eq(ic.nd.flags, DPS_ND_NA_SOLICITED | DPS_ND_NA_OVERRIDE);
	cr_assert(ic.nd.has_lla);
	cr_assert(rte_is_same_ether_addr(&ic.nd.lla, &B_MAC));
	n = dps_nd_na_build(buf, sizeof(buf), B_ADDR, A_ADDR, B_ADDR,
		DPS_ND_NA_SOLICITED | DPS_ND_NA_OVERRIDE, &B_MAC);
	cr_assert_eq(n, sizeof(k_na) - ETH);
	cr_assert_arr_eq(buf, k_na + ETH, n);
}

Test(wire6, answer_to_the_kernel_ns_is_the_kernel_na)
{
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t buf[128];
	size_t n;

	cr_assert_eq(rx6(k_ns + ETH, sizeof(k_ns) - ETH, &ip, &ic), DPS_DROP_NONE);
	n = dps_nd_na_reply(buf, sizeof(buf), &ip, &ic.nd, &B_MAC, false);
	cr_assert_eq(n, sizeof(k_na) - ETH);
	cr_assert_arr_eq(buf, k_na + ETH, n);
}

Test(wire6, answers_to_dad_and_unicast_probes)
{
	struct dps_ipv6_view ip, ip2;
	struct dps_icmp6_view ic, ic2;
	uint8_t buf[128];
	size_t n;

	/* A DAD probe for an address we hold: to all nodes, S clear. */
	cr_assert_eq(rx6(k_dad_ns + ETH, sizeof(k_dad_ns) - ETH, &ip, &ic),
		DPS_DROP_NONE);
	n = dps_nd_na_reply(buf, sizeof(buf), &ip, &ic.nd, &B_MAC, true);
	cr_assert_eq(rx6(buf, (uint32_t)n, &ip2, &ic2), DPS_DROP_NONE);
	cr_assert_arr_eq(ip2.dst, ALL_NODES, 16);
	cr_assert_arr_eq(ip2.src, ic.nd.target, 16);
	cr_assert_eq(ic2.nd.flags, DPS_ND_NA_ROUTER | DPS_ND_NA_OVERRIDE);
	cr_assert(ic2.nd.has_lla);
	/* A unicast probe: S set, no O, no address (as Linux answers). */
	n = dps_nd_ns_build(buf, sizeof(buf), A_ADDR, B_ADDR, B_ADDR, &A_MAC,
		NULL);
	cr_assert_eq(rx6(buf, (uint32_t)n, &ip, &ic), DPS_DROP_NONE);
	n = dps_nd_na_reply(buf, sizeof(buf), &ip, &ic.nd, &B_MAC, false);
	cr_assert_eq(rx6(buf, (uint32_t)n, &ip2, &ic2), DPS_DROP_NONE);
	cr_assert_arr_eq(ip2.dst, A_ADDR, 16);
	cr_assert_eq(ic2.nd.flags, DPS_ND_NA_SOLICITED);
	cr_assert_not(ic2.nd.has_lla);
}

Test(wire6, kernel_dad_ns_parses_and_rebuilds)
{
	static const uint8_t c_addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c };
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t sn[16], buf[128];
	size_t n;

	cr_assert_eq(rx6(k_dad_ns + ETH, sizeof(k_dad_ns) - ETH, &ip, &ic),
		DPS_DROP_NONE);
	cr_assert_arr_eq(ip.src, UNSPEC, 16);
	cr_assert_arr_eq(ic.nd.target, c_addr, 16);
	cr_assert_not(ic.nd.has_lla);
	cr_assert(ic.nd.has_nonce);
	dps_ip6_solicited_node(c_addr, sn);
	n = dps_nd_ns_build(buf, sizeof(buf), UNSPEC, sn, c_addr, &B_MAC,
		ic.nd.nonce);
	cr_assert_eq(n, sizeof(k_dad_ns) - ETH, "no SLLA from ::");
	cr_assert_arr_eq(buf, k_dad_ns + ETH, n);
}

Test(wire6, kernel_echo_rebuilds_and_turns_into_its_reply)
{
	const uint8_t *req = k_echo_req + ETH + DPS_IPV6_HLEN;
	const uint8_t *rep = k_echo_rep + ETH + DPS_IPV6_HLEN;
	uint32_t mlen = sizeof(k_echo_req) - ETH - DPS_IPV6_HLEN;
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t buf[64];

	cr_assert_eq(rx6(k_echo_req + ETH, sizeof(k_echo_req) - ETH, &ip, &ic),
		DPS_DROP_NONE);
	cr_assert_eq(ic.type, DPS_ICMP6_ECHO_REQUEST);
	cr_assert_eq(ic.payload_off, 8);
	cr_assert_eq(dps_icmp6_echo_build(buf, sizeof(buf),
		DPS_ICMP6_ECHO_REQUEST, ic.id, ic.seq, req + 8, mlen - 8,
		A_ADDR, B_ADDR), mlen);
	cr_assert_arr_eq(buf, req, mlen);
	dps_icmp6_echo_to_reply(buf, mlen);
	cr_assert_arr_eq(buf, rep, mlen, "in-place reply is the kernel's reply");
	cr_assert_eq(rx6(k_echo_rep + ETH, sizeof(k_echo_rep) - ETH, &ip, &ic),
		DPS_DROP_NONE);
	cr_assert_eq(ic.type, DPS_ICMP6_ECHO_REPLY);
}

Test(wire6, kernel_port_unreachable_quote_and_rebuild)
{
	const uint8_t *v6 = k_port_unreach + ETH;
	const uint8_t *orig = v6 + DPS_IPV6_HLEN + 8;
	size_t olen = sizeof(k_port_unreach) - ETH - DPS_IPV6_HLEN - 8;
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t buf[256];
	size_t n;
	bool fatal;

	cr_assert_eq(rx6(v6, sizeof(k_port_unreach) - ETH, &ip, &ic),
		DPS_DROP_NONE);
	cr_assert(ic.is_error);
	cr_assert_eq(ic.type, DPS_ICMP6_DST_UNREACH);
	cr_assert_eq(ic.code, DPS_ICMP6_UNREACH_PORT);
	cr_assert_eq(ic.quote.proto, IPPROTO_UDP);
	cr_assert(ic.quote.has_ports);
	cr_assert_eq(ic.quote.dport, htons(9));
	cr_assert_arr_eq(ic.quote.src, A_ADDR, 16);
	cr_assert_arr_eq(ic.quote.dst, B_ADDR, 16);
	cr_assert_eq(dps_icmp6_errno(ic.type, ic.code, &fatal), ECONNREFUSED);
	cr_assert(fatal);
	n = dps_icmp6_error_build(buf, sizeof(buf), DPS_ICMP6_DST_UNREACH,
		DPS_ICMP6_UNREACH_PORT, 0, orig, olen, B_ADDR, A_ADDR);
	cr_assert_eq(n, sizeof(k_port_unreach) - ETH);
	/* The kernel sets a flow label; the rest is the same. */
	cr_assert_arr_eq(buf + 4, v6 + 4, n - 4);
}

Test(wire6, kernel_router_solicitation_is_ignored)
{
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;

	cr_assert_eq(rx6(k_rs + ETH, sizeof(k_rs) - ETH, &ip, &ic),
		DPS_DROP_icmp6_ignored);
}

/* ---- checksums ---------------------------------------------------------- */

/* The ICMPv6 checksum by hand: RFC 1071 over the pseudo-header of
 * RFC 8200 8.1 laid out in bytes, then the message, big-endian words. */
static uint16_t
ref_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto,
	const uint8_t *m, uint32_t len)
{
	uint8_t ph[40] = { 0 };
	uint32_t sum = 0;

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = proto;
	for (unsigned int i = 0; i < 40; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	for (uint32_t i = 0; i < len; i += 2)
		sum += (uint32_t)m[i] << 8 | (i + 1 < len ? m[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

Test(wire6, checksum_matches_hand_arithmetic_and_dpdk)
{
	uint8_t m[64], pkt[DPS_IPV6_HLEN + 64];
	struct rte_ipv6_hdr h;
	uint16_t c, want;

	for (uint32_t len = 8; len <= sizeof(m); len += 7) {
		for (uint32_t i = 0; i < len; i++)
			m[i] = (uint8_t)(i * 37 + len);
		m[2] = m[3] = 0;
		want = ref_sum6(A_ADDR, B_ADDR, IPPROTO_UDP, m, len);
		c = (uint16_t)~dps_ip6_l4_sum(m, len, A_ADDR, B_ADDR, IPPROTO_UDP);
		cr_assert_eq(rte_be_to_cpu_16(c), want, "len %u", len);
		/* DPDK's own helper over a header with no extensions. */
		dps_ipv6_build(pkt, sizeof(pkt), A_ADDR, B_ADDR, IPPROTO_UDP,
			(uint16_t)len, 64, 0, 0);
		memcpy(&h, pkt, sizeof(h));
		memcpy(pkt + DPS_IPV6_HLEN, m, len);
		cr_assert_eq(rte_ipv6_udptcp_cksum(&h, pkt + DPS_IPV6_HLEN),
			c == 0 ? 0xffff : c, "len %u", len);
	}
}

Test(wire6, one_flipped_bit_fails_the_checksum)
{
	uint8_t f[sizeof(k_na)];
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;

	for (unsigned int bit = 0; bit < 8 * (sizeof(k_na) - ETH - 8); bit += 13) {
		unsigned int at = ETH + 8 + bit / 8;	/* addresses onward */

		memcpy(f, k_na, sizeof(f));
		f[at] ^= (uint8_t)(1u << (bit % 8));
		int rc = rx6(f + ETH, sizeof(f) - ETH, &ip, &ic);

		cr_assert_neq(rc, DPS_DROP_NONE, "bit %u", bit);
	}
}

/* ---- the malformed-packet table ----------------------------------------- */

/*
 * A packet: IPv6 header from A to B (hop limit @hl), then the extension
 * headers @ext (@ext_len bytes, each one's next header byte already
 * right), then @l4 (@l4_len bytes) of protocol @last. @first is the
 * header's next header.
 */
static void
mk(struct pkt *p, uint8_t first, const uint8_t *ext, size_t ext_len,
	const uint8_t *l4, size_t l4_len, uint8_t hl)
{
	size_t plen = ext_len + l4_len;

	memset(p, 0, sizeof(*p));
	dps_ipv6_build(p->b, sizeof(p->b), A_ADDR, B_ADDR, first,
		(uint16_t)plen, hl, 0, 0);
	if (ext_len != 0)
		memcpy(p->b + DPS_IPV6_HLEN, ext, ext_len);
	if (l4_len != 0)
		memcpy(p->b + DPS_IPV6_HLEN + ext_len, l4, l4_len);
	p->len = (uint32_t)(DPS_IPV6_HLEN + plen);
}

/* A UDP header for the end of a chain. */
static const uint8_t udp8[8] = { 0x30, 0x39, 0x00, 0x09, 0x00, 0x08 };

/* Recompute the checksum of the ICMPv6 message ending the packet at
 * @off (whose IPv6 addresses are in the header). */
static void
fix_icmp6(struct pkt *p, uint32_t off)
{
	dps_icmp6_fill_csum(p->b + off, p->len - off, p->b + 8, p->b + 24);
}

struct row {
	const char *name;
	void (*make)(struct pkt *);
	int reason;
	bool pp_send;
	uint8_t pp_code;
	uint32_t pp_ptr;
};

static void
r_short(struct pkt *p)
{
	mk(p, IPPROTO_UDP, NULL, 0, udp8, 8, 64);
	p->len = 39;
}

static void
r_v4(struct pkt *p)
{
	mk(p, IPPROTO_UDP, NULL, 0, udp8, 8, 64);
	p->b[0] = 0x45;
}

static void
r_paylen(struct pkt *p)
{
	mk(p, IPPROTO_UDP, NULL, 0, udp8, 8, 64);
	p->len--;
}

static void
r_jumbo(struct pkt *p)
{
	static const uint8_t hbh[8] = { IPPROTO_UDP, 0, 0xc2, 4, 0, 0, 0, 48 };

	mk(p, DPS_IP6_NH_HOPOPTS, hbh, 8, udp8, 8, 64);
	p->b[4] = p->b[5] = 0;
}

/* A row of the table made of a header chain: next header @first, then
 * @ext_len bytes of extension headers, then UDP unless @no_l4, from A or
 * @src to B or @dst. */
struct ext_row {
	const char *name;
	uint8_t first;
	uint8_t ext[24];
	uint8_t ext_len;
	bool no_l4;
	const uint8_t *src, *dst;
	int reason;
	bool pp_send;
	uint8_t pp_code;
	uint32_t pp_ptr;
};

static const struct ext_row ext_rows[] = {
	{ "source ff02::1", IPPROTO_UDP, .src = ALL_NODES,
		.reason = DPS_DROP_ip6_bad_src },
	{ "source ::1", IPPROTO_UDP, .src = LOOPBACK,
		.reason = DPS_DROP_ip6_bad_src },
	{ "source v4-mapped", IPPROTO_UDP, .src = MAPPED,
		.reason = DPS_DROP_ip6_bad_src },
	{ "destination ::1", IPPROTO_UDP, .dst = LOOPBACK,
		.reason = DPS_DROP_ip6_bad_dst },
	{ "destination ::", IPPROTO_UDP, .dst = UNSPEC,
		.reason = DPS_DROP_ip6_bad_dst },
	{ "destination ff01::1", IPPROTO_UDP, .dst = IFACE_LOCAL,
		.reason = DPS_DROP_ip6_bad_dst },
	{ "destination ff00::1", IPPROTO_UDP, .dst = SCOPE0,
		.reason = DPS_DROP_ip6_bad_dst },
	{ "UDP from A to B", IPPROTO_UDP, .reason = DPS_DROP_NONE },
	{ "hop-by-hop second", DPS_IP6_NH_DSTOPTS,
		{ DPS_IP6_NH_HOPOPTS, 0, 1, 4, [8] = IPPROTO_UDP, 0, 1, 4 }, 16,
		.reason = DPS_DROP_ip6_bad_hbh, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_NEXTHDR, .pp_ptr = 40 },
	{ "extension past the payload", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 2, 1, 4 }, 8,
		.reason = DPS_DROP_ip6_ext_truncated },
	{ "extension of one byte", DPS_IP6_NH_HOPOPTS, { IPPROTO_UDP }, 1,
		.no_l4 = true, .reason = DPS_DROP_ip6_ext_truncated },
	{ "option past its header", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 1, 5 }, 8, .reason = DPS_DROP_ip6_bad_opt },
	/* PadN of 3, then an option type in the last byte, no length. */
	{ "option without its length", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 1, 3, 0, 0, 0, 0x1e }, 8,
		.reason = DPS_DROP_ip6_bad_opt },
	{ "unknown option 00: skipped", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 0x1e, 4 }, 8, .reason = DPS_DROP_NONE },
	{ "unknown option 01: discarded", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 0x5e, 4 }, 8,
		.reason = DPS_DROP_ip6_opt_unknown },
	{ "unknown option 10 to a group: problem", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 0x9e, 4 }, 8, .dst = ALL_NODES,
		.reason = DPS_DROP_ip6_opt_unknown, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_OPTION, .pp_ptr = 42 },
	{ "unknown option 11 to unicast: problem", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 0xde, 4 }, 8,
		.reason = DPS_DROP_ip6_opt_unknown, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_OPTION, .pp_ptr = 42 },
	{ "unknown option 11 to a group: silent", DPS_IP6_NH_DSTOPTS,
		{ IPPROTO_UDP, 0, 0xde, 4 }, 8, .dst = ALL_NODES,
		.reason = DPS_DROP_ip6_opt_unknown,
		.pp_code = DPS_ICMP6_PP_OPTION, .pp_ptr = 42 },
	{ "router alert in hop-by-hop", DPS_IP6_NH_HOPOPTS,
		{ IPPROTO_UDP, 0, 5, 2, 0, 0, 1, 0 }, 8, .reason = DPS_DROP_NONE },
	{ "routing, segments left 0", DPS_IP6_NH_ROUTING,
		{ IPPROTO_UDP, 0, 4, 0 }, 8, .reason = DPS_DROP_NONE },
	{ "routing type 0, segments left 1", DPS_IP6_NH_ROUTING,
		{ IPPROTO_UDP, 2, 0, 1 }, 24,
		.reason = DPS_DROP_ip6_bad_routing, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_HEADER, .pp_ptr = 42 },
	{ "first fragment", DPS_IP6_NH_FRAGMENT,
		{ IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7 }, 8,
		.reason = DPS_DROP_ip6_fragment },
	{ "later fragment", DPS_IP6_NH_FRAGMENT,
		{ IPPROTO_UDP, 0, 0x05, 0x28, 0, 0, 0, 7 }, 8,
		.reason = DPS_DROP_ip6_fragment },
	{ "atomic fragment", DPS_IP6_NH_FRAGMENT,
		{ IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 7 }, 8, .reason = DPS_DROP_NONE },
	{ "no next header", DPS_IP6_NH_NONE, { 0 }, 0,
		.reason = DPS_DROP_ip6_no_next },
	{ "next header 253", 253, { 0 }, 0,
		.reason = DPS_DROP_ip6_unknown_nexthdr, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_NEXTHDR, .pp_ptr = 6 },
	/* ESP (50) is not handled. */
	{ "ESP after options", DPS_IP6_NH_DSTOPTS, { 50, 0, 1, 4 }, 8,
		.reason = DPS_DROP_ip6_unknown_nexthdr, .pp_send = true,
		.pp_code = DPS_ICMP6_PP_NEXTHDR, .pp_ptr = 40 },
};

static void
mk_ext(struct pkt *p, const struct ext_row *r)
{
	mk(p, r->first, r->ext, r->ext_len, udp8, r->no_l4 ? 0 : 8, 64);
	if (r->src != NULL)
		memcpy(p->b + 8, r->src, 16);
	if (r->dst != NULL)
		memcpy(p->b + 24, r->dst, 16);
}

static void
r_too_many_ext(struct pkt *p)
{
	uint8_t ext[8 * (DPS_IPV6_EXT_MAX + 1)];

	for (unsigned int i = 0; i <= DPS_IPV6_EXT_MAX; i++) {
		uint8_t h[8] = { DPS_IP6_NH_DSTOPTS, 0, 1, 4 };

		if (i == DPS_IPV6_EXT_MAX)
			h[0] = IPPROTO_UDP;
		memcpy(ext + 8 * i, h, 8);
	}
	mk(p, DPS_IP6_NH_DSTOPTS, ext, sizeof(ext), udp8, 8, 64);
}

/* ICMPv6 message @m of @len bytes, checksum filled, hop limit @hl. */
static void
mk_icmp(struct pkt *p, const uint8_t *m, size_t len, uint8_t hl)
{
	mk(p, DPS_IP6_NH_ICMPV6, NULL, 0, m, len, hl);
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_icmp_short(struct pkt *p)
{
	static const uint8_t m[4] = { DPS_ICMP6_ECHO_REQUEST };

	mk_icmp(p, m, 4, 64);
}

static void
r_icmp_bad_csum(struct pkt *p)
{
	static const uint8_t m[8] = { DPS_ICMP6_ECHO_REQUEST };

	mk_icmp(p, m, 8, 64);
	p->b[DPS_IPV6_HLEN + 7] ^= 1;
}

static void
r_icmp_unknown_info(struct pkt *p)
{
	static const uint8_t m[8] = { 200 };

	mk_icmp(p, m, 8, 64);
}

static void
r_icmp_mld(struct pkt *p)
{
	static const uint8_t m[24] = { 130 };

	mk_icmp(p, m, 24, 1);
}

static void
r_icmp_ra(struct pkt *p)
{
	static const uint8_t m[16] = { DPS_ND_ROUTER_ADVERT };

	mk_icmp(p, m, 16, 255);
}

/* An error of @type quoting an IPv6 packet with @ext (its next header
 * @first) and @l4_len bytes of UDP. */
static void
mk_err(struct pkt *p, uint8_t type, uint8_t first, const uint8_t *ext,
	size_t ext_len, size_t l4_len)
{
	struct pkt q;
	uint8_t m[PKT_MAX];

	mk(&q, first, ext, ext_len, udp8, 8, 64);
	q.len = (uint32_t)(DPS_IPV6_HLEN + ext_len + l4_len);
	memset(m, 0, 8);
	m[0] = type;
	memcpy(m + 8, q.b, q.len);
	mk_icmp(p, m, 8 + q.len, 64);
}

static void
r_err_short_quote(struct pkt *p)
{
	mk_err(p, DPS_ICMP6_DST_UNREACH, IPPROTO_UDP, NULL, 0, 0);
	p->len -= 10;
	p->b[5] -= 10;
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_err_short_l4(struct pkt *p)
{
	mk_err(p, DPS_ICMP6_DST_UNREACH, IPPROTO_UDP, NULL, 0, 4);
}

static void
r_err_quote_ext(struct pkt *p)
{
	static const uint8_t ext[8] = { IPPROTO_UDP, 0, 1, 4 };

	mk_err(p, DPS_ICMP6_DST_UNREACH, DPS_IP6_NH_DSTOPTS, ext, 8, 8);
}

static void
r_err_quote_ext_cut(struct pkt *p)
{
	static const uint8_t ext[16] = { IPPROTO_UDP, 1, 1, 12 };

	mk_err(p, DPS_ICMP6_DST_UNREACH, DPS_IP6_NH_DSTOPTS, ext, 12, 0);
}

static void
r_err_unknown_type(struct pkt *p)
{
	mk_err(p, 100, IPPROTO_UDP, NULL, 0, 8);
}

/* An NS from A for B to B's solicited-node group: 24 bytes, then
 * @opts (@olen bytes); then @hl and @code. */
static void
mk_ns(struct pkt *p, const uint8_t *opts, size_t olen, uint8_t hl,
	uint8_t code)
{
	uint8_t m[64] = { DPS_ND_NEIGHBOR_SOLICIT, code };
	uint8_t sn[16];

	memcpy(m + 8, B_ADDR, 16);
	if (olen != 0)
		memcpy(m + 24, opts, olen);
	mk(p, DPS_IP6_NH_ICMPV6, NULL, 0, m, 24 + olen, hl);
	dps_ip6_solicited_node(B_ADDR, sn);
	memcpy(p->b + 24, sn, 16);
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static const uint8_t slla_a[8] = { 1, 1, 2, 0, 0, 0, 0, 0x0a };

static void
r_ns_hoplimit(struct pkt *p)
{
	mk_ns(p, slla_a, 8, 64, 0);
}

static void
r_ns_code(struct pkt *p)
{
	mk_ns(p, slla_a, 8, 255, 1);
}

static void
r_ns_short(struct pkt *p)
{
	mk_ns(p, NULL, 0, 255, 0);
	p->len -= 4;
	p->b[5] -= 4;
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_ns_mcast_target(struct pkt *p)
{
	mk_ns(p, NULL, 0, 255, 0);
	memcpy(p->b + DPS_IPV6_HLEN + 8, ALL_NODES, 16);
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_ns_opt_zero(struct pkt *p)
{
	static const uint8_t o[8] = { 1, 0 };

	mk_ns(p, o, 8, 255, 0);
}

static void
r_ns_opt_past_end(struct pkt *p)
{
	static const uint8_t o[8] = { 1, 2, 2, 0, 0, 0, 0, 0x0a };

	mk_ns(p, o, 8, 255, 0);
}

static void
r_ns_opt_half(struct pkt *p)
{
	static const uint8_t o[1] = { 1 };

	mk_ns(p, o, 1, 255, 0);
}

static void
r_ns_slla_len2(struct pkt *p)
{
	static const uint8_t o[16] = { 1, 2, 2, 0, 0, 0, 0, 0x0a };

	mk_ns(p, o, 16, 255, 0);
}

static void
r_ns_unknown_opt(struct pkt *p)
{
	static const uint8_t o[16] = { 99, 1, [8] = 1, 1, 2, 0, 0, 0, 0, 0x0a };

	mk_ns(p, o, 16, 255, 0);
}

static void
r_ns_dad_to_unicast(struct pkt *p)
{
	mk_ns(p, NULL, 0, 255, 0);
	memset(p->b + 8, 0, 16);
	memcpy(p->b + 24, B_ADDR, 16);
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_ns_dad_with_slla(struct pkt *p)
{
	mk_ns(p, slla_a, 8, 255, 0);
	memset(p->b + 8, 0, 16);
	fix_icmp6(p, DPS_IPV6_HLEN);
}

static void
r_na_solicited_to_group(struct pkt *p)
{
	p->len = (uint32_t)dps_nd_na_build(p->b, sizeof(p->b), B_ADDR,
		ALL_NODES, B_ADDR, DPS_ND_NA_SOLICITED, &B_MAC);
}

static void
r_na_unsolicited_to_group(struct pkt *p)
{
	p->len = (uint32_t)dps_nd_na_build(p->b, sizeof(p->b), B_ADDR,
		ALL_NODES, B_ADDR, DPS_ND_NA_OVERRIDE, &B_MAC);
}

static const struct row rows[] = {
	{ "39 bytes", r_short, DPS_DROP_ip6_truncated },
	{ "version 4", r_v4, DPS_DROP_ip6_bad_version },
	{ "payload length past the frame", r_paylen, DPS_DROP_ip6_bad_paylen },
	{ "jumbogram", r_jumbo, DPS_DROP_ip6_bad_paylen },
	{ "nine extension headers", r_too_many_ext, DPS_DROP_ip6_ext_too_many },
	{ "ICMPv6 of 4 bytes", r_icmp_short, DPS_DROP_icmp6_truncated },
	{ "ICMPv6 checksum", r_icmp_bad_csum, DPS_DROP_icmp6_bad_csum },
	{ "ICMPv6 type 200", r_icmp_unknown_info, DPS_DROP_icmp6_unknown_type },
	{ "MLD query", r_icmp_mld, DPS_DROP_icmp6_ignored },
	{ "router advertisement", r_icmp_ra, DPS_DROP_icmp6_ignored },
	{ "error quoting 30 bytes", r_err_short_quote, DPS_DROP_icmp6_bad_quote },
	{ "error quoting 4 bytes of UDP", r_err_short_l4,
		DPS_DROP_icmp6_bad_quote },
	{ "error quoting options and UDP", r_err_quote_ext, DPS_DROP_NONE },
	{ "error quoting half an option header", r_err_quote_ext_cut,
		DPS_DROP_icmp6_bad_quote },
	{ "error of unknown type 100", r_err_unknown_type, DPS_DROP_NONE },
	{ "NS hop limit 64", r_ns_hoplimit, DPS_DROP_nd_bad_hoplimit },
	{ "NS code 1", r_ns_code, DPS_DROP_nd_bad_code },
	{ "NS of 20 bytes", r_ns_short, DPS_DROP_nd_truncated },
	{ "NS for a group", r_ns_mcast_target, DPS_DROP_nd_bad_target },
	{ "NS option length 0", r_ns_opt_zero, DPS_DROP_nd_bad_opt },
	{ "NS option past the end", r_ns_opt_past_end, DPS_DROP_nd_bad_opt },
	{ "NS half an option", r_ns_opt_half, DPS_DROP_nd_bad_opt },
	{ "NS SLLA of 16 bytes", r_ns_slla_len2, DPS_DROP_nd_bad_opt },
	{ "NS unknown option", r_ns_unknown_opt, DPS_DROP_NONE },
	{ "NS from :: to unicast", r_ns_dad_to_unicast, DPS_DROP_nd_bad_addr },
	{ "NS from :: with SLLA", r_ns_dad_with_slla, DPS_DROP_nd_bad_addr },
	{ "solicited NA to a group", r_na_solicited_to_group,
		DPS_DROP_nd_bad_addr },
	{ "unsolicited NA to a group", r_na_unsolicited_to_group, DPS_DROP_NONE },
};

/* One row: @p must give @reason, and owe the parameter problem said. */
static void
expect_row(const char *name, const struct pkt *p, int reason, bool pp_send,
	uint8_t pp_code, uint32_t pp_ptr)
{
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	int rc = rx6(p->b, p->len, &ip, &ic);

	cr_expect_eq(rc, reason, "%s: reason %s, want %s", name,
		rc < 0 ? "none" : dps_drop_reason_name(rc),
		reason < 0 ? "none" : dps_drop_reason_name(reason));
	cr_expect_eq(ip.pp.send, pp_send, "%s: parameter problem owed", name);
	if (pp_send || pp_code != 0) {
		cr_expect_eq(ip.pp.code, pp_code, "%s: code", name);
		cr_expect_eq(ip.pp.pointer, pp_ptr, "%s: pointer %u", name,
			ip.pp.pointer);
	}
}

Test(wire6, malformed_table)
{
	struct pkt p;

	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rows[i].make(&p);
		expect_row(rows[i].name, &p, rows[i].reason, rows[i].pp_send,
			rows[i].pp_code, rows[i].pp_ptr);
	}
	for (unsigned int i = 0; i < sizeof(ext_rows) / sizeof(ext_rows[0]); i++) {
		const struct ext_row *r = &ext_rows[i];

		mk_ext(&p, r);
		expect_row(r->name, &p, r->reason, r->pp_send, r->pp_code,
			r->pp_ptr);
	}
}

/* The extension row called @name. */
static const struct ext_row *
ext_row_named(const char *name)
{
	for (unsigned int i = 0; i < sizeof(ext_rows) / sizeof(ext_rows[0]); i++)
		if (strcmp(ext_rows[i].name, name) == 0)
			return &ext_rows[i];
	cr_assert_fail("no row %s", name);
	return NULL;
}

Test(wire6, fragment_header_is_reported)
{
	struct dps_ipv6_view ip;
	struct pkt p;

	mk_ext(&p, ext_row_named("later fragment"));
	cr_assert_eq(dps_ipv6_rx(p.b, p.len, &ip), DPS_DROP_ip6_fragment);
	cr_assert(ip.fragment);
	cr_assert_eq(ip.frag_off, 0x528);
	cr_assert_not(ip.frag_more);
	cr_assert_eq(ip.frag_id, 7);
	mk_ext(&p, ext_row_named("atomic fragment"));
	cr_assert_eq(dps_ipv6_rx(p.b, p.len, &ip), DPS_DROP_NONE);
	cr_assert(ip.fragment);
	cr_assert_eq(ip.proto, IPPROTO_UDP);
	cr_assert_eq(ip.l4_off, 48);
	cr_assert_eq(ip.l4_len, 8);
}

Test(wire6, walk_passes_options_routing_and_reaches_udp)
{
	static const uint8_t ext[32] = {
		DPS_IP6_NH_DSTOPTS, 0, 0, 0, 0, 0, 1, 0,	/* HbH: Pad1 x4, PadN */
		DPS_IP6_NH_ROUTING, 0, 1, 4, 0, 0, 0, 0,	/* dst opts */
		DPS_IP6_NH_DSTOPTS, 0, 3, 0, 0, 0, 0, 0,	/* routing, SL 0 */
		IPPROTO_UDP, 0, 0x1e, 4, 0, 0, 0, 0,		/* dst opts, 00 */
	};
	struct dps_ipv6_view ip;
	struct pkt p;

	mk(&p, DPS_IP6_NH_HOPOPTS, ext, sizeof(ext), udp8, 8, 7);
	cr_assert_eq(dps_ipv6_rx(p.b, p.len, &ip), DPS_DROP_NONE);
	cr_assert_eq(ip.n_ext, 4);
	cr_assert_eq(ip.proto, IPPROTO_UDP);
	cr_assert_eq(ip.l4_off, 72);
	cr_assert_eq(ip.l4_len, 8);
	cr_assert_eq(ip.hop_limit, 7);
}

Test(wire6, ethernet_padding_is_not_payload)
{
	struct dps_ipv6_view ip;
	struct pkt p;

	mk(&p, IPPROTO_UDP, NULL, 0, udp8, 8, 64);
	p.len += 10;
	cr_assert_eq(dps_ipv6_rx(p.b, p.len, &ip), DPS_DROP_NONE);
	cr_assert_eq(ip.l4_len, 8);
}

/* ---- builders ----------------------------------------------------------- */

Test(wire6, header_round_trip)
{
	struct dps_ipv6_view ip;
	uint8_t b[DPS_IPV6_HLEN + 8] = { 0 };

	cr_assert_eq(dps_ipv6_build(b, 39, A_ADDR, B_ADDR, IPPROTO_TCP, 8, 9,
		0, 0), 0);
	cr_assert_eq(dps_ipv6_build(b, sizeof(b), A_ADDR, B_ADDR, IPPROTO_TCP,
		8, 9, 0xb8, 0xabcde), DPS_IPV6_HLEN);
	cr_assert_eq(dps_ipv6_check(b, sizeof(b), &ip), DPS_DROP_NONE);
	cr_assert_eq(ip.tclass, 0xb8);
	cr_assert_eq(ip.flow, 0xabcde);
	cr_assert_eq(ip.hop_limit, 9);
	cr_assert_eq(ip.proto, IPPROTO_TCP);
	cr_assert_eq(ip.payload_len, 8);
	cr_assert_arr_eq(ip.src, A_ADDR, 16);
	cr_assert_arr_eq(ip.dst, B_ADDR, 16);
}

Test(wire6, error_quote_stops_at_the_minimum_mtu)
{
	static uint8_t orig[3000], buf[4000];
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	size_t n;

	dps_ipv6_build(orig, sizeof(orig), A_ADDR, B_ADDR, IPPROTO_UDP,
		sizeof(orig) - DPS_IPV6_HLEN, 64, 0, 0);
	memcpy(orig + DPS_IPV6_HLEN, udp8, 8);
	n = dps_icmp6_error_build(buf, sizeof(buf), DPS_ICMP6_PKT_TOO_BIG, 0,
		1400, orig, sizeof(orig), B_ADDR, A_ADDR);
	cr_assert_eq(n, DPS_IPV6_MIN_MTU);
	cr_assert_eq(dps_icmp6_error_build(buf, 1279, DPS_ICMP6_PKT_TOO_BIG, 0,
		1400, orig, sizeof(orig), B_ADDR, A_ADDR), 0);
	cr_assert_eq(rx6(buf, (uint32_t)n, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ic.type, DPS_ICMP6_PKT_TOO_BIG);
	cr_assert_eq(ic.mtu, 1400);
	cr_assert_eq(ic.quote.proto, IPPROTO_UDP);
	cr_assert_eq(ic.quote.dport, htons(9));
	n = dps_icmp6_error_build(buf, sizeof(buf), DPS_ICMP6_PARAM_PROB,
		DPS_ICMP6_PP_NEXTHDR, 40, orig, 56, B_ADDR, A_ADDR);
	cr_assert_eq(n, DPS_IPV6_HLEN + 8 + 56, "a short packet is quoted whole");
	cr_assert_eq(rx6(buf, (uint32_t)n, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ic.pointer, 40);
}

Test(wire6, each_error_round_trips)
{
	static const struct {
		uint8_t type, code;
		uint32_t info;
		int err;
	} t[] = {
		{ DPS_ICMP6_DST_UNREACH, DPS_ICMP6_UNREACH_NOROUTE, 0, ENETUNREACH },
		{ DPS_ICMP6_DST_UNREACH, DPS_ICMP6_UNREACH_ADDR, 0, EHOSTUNREACH },
		{ DPS_ICMP6_PKT_TOO_BIG, 0, 1280, EMSGSIZE },
		{ DPS_ICMP6_TIME_EXCEEDED, 0, 0, EHOSTUNREACH },
		{ DPS_ICMP6_TIME_EXCEEDED, 1, 0, EHOSTUNREACH },
		{ DPS_ICMP6_PARAM_PROB, DPS_ICMP6_PP_OPTION, 42, EPROTO },
	};
	uint8_t orig[DPS_IPV6_HLEN + 8 + 100], buf[512];
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;

	dps_ipv6_build(orig, sizeof(orig), A_ADDR, B_ADDR, IPPROTO_TCP,
		sizeof(orig) - DPS_IPV6_HLEN, 64, 0, 0);
	memcpy(orig + DPS_IPV6_HLEN, "\x9c\x40\x00\x50\x01\x02\x03\x04", 8);
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = dps_icmp6_error_build(buf, sizeof(buf), t[i].type,
			t[i].code, t[i].info, orig, sizeof(orig), B_ADDR, A_ADDR);

		cr_assert_eq(n, DPS_IPV6_HLEN + 8 + sizeof(orig));
		cr_assert_eq(rx6(buf, (uint32_t)n, &ip, &ic), DPS_DROP_NONE,
			"type %u", t[i].type);
		cr_assert_eq(ip.hop_limit, DPS_IPV6_HOP_LIMIT);
		cr_assert(ic.is_error);
		cr_assert_eq(ic.type, t[i].type);
		cr_assert_eq(ic.code, t[i].code);
		cr_assert_eq(t[i].type == DPS_ICMP6_PKT_TOO_BIG ? ic.mtu :
			t[i].type == DPS_ICMP6_PARAM_PROB ? ic.pointer : 0,
			t[i].info);
		cr_assert_eq(ic.quote.proto, IPPROTO_TCP);
		cr_assert_eq(ic.quote.sport, htons(40000));
		cr_assert_eq(ic.quote.dport, htons(80));
		cr_assert_eq(ic.quote.seq, htonl(0x01020304));
		cr_assert_eq(dps_icmp6_errno(ic.type, ic.code, NULL), t[i].err);
	}
}

Test(wire6, ns_na_round_trip)
{
	static const uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };
	struct dps_ipv6_view ip;
	struct dps_icmp6_view ic;
	uint8_t b[128], sn[16];
	size_t n;

	dps_ip6_solicited_node(B_ADDR, sn);
	cr_assert_eq(dps_nd_ns_build(b, 40 + 24 + 15, A_ADDR, sn, B_ADDR,
		&A_MAC, nonce), 0);
	n = dps_nd_ns_build(b, sizeof(b), A_ADDR, B_ADDR, B_ADDR, &A_MAC, nonce);
	cr_assert_eq(n, 40 + 24 + 16);
	cr_assert_eq(rx6(b, (uint32_t)n, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ip.hop_limit, 255);
	cr_assert(ic.nd.has_lla && ic.nd.has_nonce);
	cr_assert_arr_eq(ic.nd.nonce, nonce, 6);
	n = dps_nd_na_build(b, sizeof(b), B_ADDR, A_ADDR, B_ADDR,
		DPS_ND_NA_ROUTER | DPS_ND_NA_SOLICITED, NULL);
	cr_assert_eq(n, 40 + 24);
	cr_assert_eq(rx6(b, (uint32_t)n, &ip, &ic), DPS_DROP_NONE);
	cr_assert_eq(ic.nd.flags, DPS_ND_NA_ROUTER | DPS_ND_NA_SOLICITED);
	cr_assert_not(ic.nd.has_lla);
}

/* ---- errno, ICMPv6 error rules ------------------------------------------ */

Test(wire6, errno_as_linux_icmpv6_err_convert)
{
	static const struct {
		uint8_t type, code;
		int err;
		bool fatal;
	} t[] = {
		{ 1, 0, ENETUNREACH, false }, { 1, 1, EACCES, true },
		{ 1, 2, EHOSTUNREACH, false }, { 1, 3, EHOSTUNREACH, false },
		{ 1, 4, ECONNREFUSED, true }, { 1, 5, EACCES, true },
		{ 1, 6, EACCES, true }, { 1, 7, EPROTO, true },
		{ 2, 0, EMSGSIZE, false }, { 3, 0, EHOSTUNREACH, false },
		{ 3, 1, EHOSTUNREACH, false }, { 4, 0, EPROTO, true },
		{ 4, 1, EPROTO, true }, { 100, 0, EPROTO, false },
	};
	bool fatal;

	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(dps_icmp6_errno(t[i].type, t[i].code, &fatal),
			t[i].err, "type %u code %u", t[i].type, t[i].code);
		cr_assert_eq(fatal, t[i].fatal, "type %u code %u", t[i].type,
			t[i].code);
	}
	cr_assert_eq(dps_icmp6_errno(2, 0, NULL), EMSGSIZE);
}

Test(wire6, may_error_follows_rfc4443_2_4_e)
{
	struct dps_ipv6_view v = { 0 };

	memcpy(v.src, A_ADDR, 16);
	memcpy(v.dst, B_ADDR, 16);
	cr_assert(dps_icmp6_may_error(&v, 255, DPS_ICMP6_DST_UNREACH, 4));
	cr_assert(dps_icmp6_may_error(&v, DPS_ICMP6_ECHO_REQUEST,
		DPS_ICMP6_PARAM_PROB, 0));
	cr_assert_not(dps_icmp6_may_error(&v, DPS_ICMP6_DST_UNREACH,
		DPS_ICMP6_PARAM_PROB, 0), "about an error");
	cr_assert_not(dps_icmp6_may_error(&v, DPS_ND_REDIRECT,
		DPS_ICMP6_PARAM_PROB, 0), "about a redirect");
	memcpy(v.dst, ALL_NODES, 16);
	cr_assert_not(dps_icmp6_may_error(&v, 255, DPS_ICMP6_DST_UNREACH, 4));
	cr_assert(dps_icmp6_may_error(&v, 255, DPS_ICMP6_PKT_TOO_BIG, 0));
	cr_assert(dps_icmp6_may_error(&v, 255, DPS_ICMP6_PARAM_PROB,
		DPS_ICMP6_PP_OPTION));
	cr_assert_not(dps_icmp6_may_error(&v, 255, DPS_ICMP6_PARAM_PROB,
		DPS_ICMP6_PP_NEXTHDR));
	memcpy(v.dst, B_ADDR, 16);
	memset(v.src, 0, 16);
	cr_assert_not(dps_icmp6_may_error(&v, 255, DPS_ICMP6_DST_UNREACH, 4));
}

/* ---- addresses ---------------------------------------------------------- */

/* Parse IPv6 text into 16 bytes (the test's own inet_pton use). */
static void
a6(const char *s, uint8_t out[16])
{
	struct dps_addr a;

	cr_assert_eq(dps_addr6_parse(s, &a), 0, "%s", s);
	cr_assert_eq(a.family, AF_INET6);
	memcpy(out, a.v6, 16);
}

Test(wire6, linklocal_and_solicited_node_as_the_kernel)
{
	uint8_t ll[16], want[16], sn[16];
	struct rte_ether_addr m;

	dps_ip6_linklocal(&A_MAC, ll);
	a6("fe80::ff:fe00:a", want);	/* the source of k_rs */
	cr_assert_arr_eq(ll, want, 16);
	a6("fe80::0211:22ff:fe33:4455", want);
	m = (struct rte_ether_addr){ { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	dps_ip6_linklocal(&m, ll);
	cr_assert_arr_eq(ll, want, 16, "the u/l bit is inverted");
	dps_ip6_solicited_node(B_ADDR, sn);
	cr_assert_arr_eq(sn, k_ns + ETH + 24, 16);
	dps_ip6_mcast_mac(sn, &m);
	cr_assert_arr_eq(m.addr_bytes, k_ns, 6, "the kernel's NS goes to it");
}

Test(wire6, scopes)
{
	static const struct {
		const char *a;
		enum dps_ip6_scope s;
	} t[] = {
		{ "fe80::1", DPS_IP6_SCOPE_LINK }, { "::1", DPS_IP6_SCOPE_LINK },
		{ "2001:db8::1", DPS_IP6_SCOPE_GLOBAL },
		{ "fd00::1", DPS_IP6_SCOPE_GLOBAL },
		{ "fec0::1", DPS_IP6_SCOPE_SITE },
		{ "ff01::1", DPS_IP6_SCOPE_IFACE }, { "ff02::1", DPS_IP6_SCOPE_LINK },
		{ "ff05::2", DPS_IP6_SCOPE_SITE }, { "ff0e::2", DPS_IP6_SCOPE_GLOBAL },
	};
	uint8_t a[16];

	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a6(t[i].a, a);
		cr_assert_eq(dps_ip6_scope(a), t[i].s, "%s", t[i].a);
	}
}

/* Source selection over candidate strings; returns the chosen index. */
static int
pick(const char *const *cands, unsigned int n, const char *dst,
	unsigned int deprecated_mask)
{
	struct dps_ip6_cand c[8];
	uint8_t d[16];

	memset(c, 0, sizeof(c));
	for (unsigned int i = 0; i < n; i++) {
		a6(cands[i], c[i].addr);
		c[i].prefix_len = 64;
		c[i].deprecated = (deprecated_mask >> i) & 1;
	}
	a6(dst, d);
	return dps_ip6_select_src(c, n, d);
}

/* The examples of RFC 6724 10.2 that arise on one interface. */
Test(wire6, source_selection_rfc6724_examples)
{
	static const char *const gl_ll[] = { "2001:db8:1::1", "fe80::1" };
	static const char *const two[] = { "2001:db8:1::1", "2001:db8:1::2" };
	static const char *const sixtofour[] = { "2002:c633:6401::2",
		"2001:db8:1::2" };
	static const char *const ula[] = { "2001:db8:1::2", "fd11::2" };
	static const char *const dep[] = { "2001:db8:1::1", "2001:db8:2::1" };
	static const char *const pfx[] = { "2001:db8:1::1", "2001:db8:2::1" };

	cr_assert_eq(pick(gl_ll, 2, "2001:db8:1::2", 0), 0, "appropriate scope");
	cr_assert_eq(pick(gl_ll, 2, "ff01::1", 0), 1, "smaller scope for ff01");
	cr_assert_eq(pick(gl_ll, 2, "fe80::2", 0), 1, "link-local for link-local");
	cr_assert_eq(pick(two, 2, "2001:db8:1::2", 0), 1, "same address");
	cr_assert_eq(pick(sixtofour, 2, "2002:c633:6401::1", 0), 0,
		"matching label");
	cr_assert_eq(pick(ula, 2, "fd11::1", 0), 1, "ULA label");
	cr_assert_eq(pick(dep, 2, "2001:db8:1::9", 1), 1, "avoid deprecated");
	cr_assert_eq(pick(pfx, 2, "2001:db8:2::9", 0), 1, "longest prefix");
	cr_assert_eq(pick(pfx, 2, "2001:db8:1::9", 0), 0, "longest prefix");
}

Test(wire6, source_selection_skips_tentative)
{
	struct dps_ip6_cand c[2];
	uint8_t d[16];

	memset(c, 0, sizeof(c));
	a6("2001:db8:1::1", c[0].addr);
	a6("fe80::1", c[1].addr);
	a6("2001:db8:1::9", d);
	c[0].tentative = true;
	cr_assert_eq(dps_ip6_select_src(c, 2, d), 1);
	c[1].tentative = true;
	cr_assert_eq(dps_ip6_select_src(c, 2, d), -1);
	cr_assert_eq(dps_ip6_select_src(c, 0, d), -1);
}

Test(wire6, destination_match)
{
	static const struct {
		const char *dst;
		enum dps_ip6_dst want;
	} t[] = {
		{ "2001:db8:1::1", DPS_IP6_DST_UNICAST },
		{ "fe80::1", DPS_IP6_DST_TENTATIVE },
		{ "2001:db8:1::2", DPS_IP6_DST_OTHER },
		{ "ff02::1", DPS_IP6_DST_GROUP },
		{ "ff02::2", DPS_IP6_DST_OTHER },
		{ "ff02::1:ff00:1", DPS_IP6_DST_GROUP },
		{ "ff02::1:ff00:2", DPS_IP6_DST_OTHER },
		{ "ff05::1:ff00:1", DPS_IP6_DST_OTHER },
	};
	struct dps_ip6_cand c[2];
	uint8_t d[16];

	memset(c, 0, sizeof(c));
	a6("2001:db8:1::1", c[0].addr);
	a6("fe80::1", c[1].addr);
	c[1].tentative = true;
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a6(t[i].dst, d);
		cr_assert_eq(dps_ip6_dst_match(c, 2, d), t[i].want, "%s",
			t[i].dst);
	}
}

/*
 * A range of addresses as one candidate: 2001:db8:1::fff0 and the
 * 0x20 after it, across a 16-bit boundary (2001:db8:1::1:10 last). Its
 * addresses are unicast destinations, tentative while it is, and each
 * one's solicited-node group is ours; nothing outside it is. A range
 * reaching every 24-bit suffix takes every solicited-node group.
 */
Test(wire6, destination_match_range)
{
	static const struct {
		const char *dst;
		enum dps_ip6_dst want;
	} t[] = {
		{ "2001:db8:1::fff0", DPS_IP6_DST_UNICAST },	/* the first */
		{ "2001:db8:1::ffff", DPS_IP6_DST_UNICAST },
		{ "2001:db8:1::1:0", DPS_IP6_DST_UNICAST },	/* the carry */
		{ "2001:db8:1::1:10", DPS_IP6_DST_UNICAST },	/* the last */
		{ "2001:db8:1::1:11", DPS_IP6_DST_OTHER },	/* one past it */
		{ "2001:db8:1::ffef", DPS_IP6_DST_OTHER },	/* one before */
		{ "2001:db8:2::fff0", DPS_IP6_DST_OTHER },	/* another prefix */
		{ "ff02::1:ff00:fff0", DPS_IP6_DST_GROUP },
		{ "ff02::1:ff01:5", DPS_IP6_DST_GROUP },
		{ "ff02::1:ff01:10", DPS_IP6_DST_GROUP },
		{ "ff02::1:ff01:11", DPS_IP6_DST_OTHER },
		{ "ff02::1:ff00:ffef", DPS_IP6_DST_OTHER },
		{ "ff02::2:ff00:fff0", DPS_IP6_DST_OTHER },
	};
	struct dps_ip6_cand c;
	uint8_t d[16], w[16];

	memset(&c, 0, sizeof(c));
	a6("2001:db8:1::fff0", c.addr);
	c.prefix_len = 64;
	c.span = 0x20;
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a6(t[i].dst, d);
		cr_assert_eq(dps_ip6_dst_match(&c, 1, d), t[i].want, "%s", t[i].dst);
		cr_assert_eq(dps_ip6_cand_has(&c, d), t[i].want == DPS_IP6_DST_UNICAST,
			"%s", t[i].dst);
	}
	c.tentative = true;
	a6("2001:db8:1::1:3", d);
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_TENTATIVE);
	dps_ip6_cand_nth(&c, 0x13, d);
	cr_assert_arr_eq(d, (a6("2001:db8:1::1:3", w), w), 16);
	dps_ip6_cand_nth(&c, 0, d);
	cr_assert_arr_eq(d, c.addr, 16);
	/* 2^24 addresses or more: every suffix, so every group. */
	c.span = 0xffffffu;
	a6("ff02::1:ffab:cdef", d);
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_GROUP);
	a6("2001:db8:1::100:ffef", d);
	cr_assert(dps_ip6_cand_has(&c, d), "0xfff0 + 0xffffff covers it");
	a6("2001:db8:1::100:fff0", d);
	cr_assert_not(dps_ip6_cand_has(&c, d), "one past the last");
	/* The group's suffix wraps: a range from ...:ffff:fff0 reaches
	 * groups ff02::1:ff00:0 and on. */
	a6("2001:db8:1::ff:fff0", c.addr);
	c.span = 0x20;
	a6("ff02::1:ff00:5", d);
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_GROUP);
	a6("ff02::1:ff00:11", d);
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_OTHER);
}

/*
 * Addresses of a range lost on their own (DAD found them another
 * node's): not ours as destinations, their groups not ours unless a
 * kept address of the range shares the suffix, the rest of the range
 * untouched; source selection gives the first kept address. At most
 * DPS_IP6_LOST_MAX are kept apart, and never the last kept one.
 */
Test(wire6, range_lost_addresses)
{
	struct dps_ip6_cand c, l;
	uint8_t d[16], w[16];
	uint32_t off;

	memset(&c, 0, sizeof(c));
	a6("2001:db8:1::fff0", c.addr);
	c.prefix_len = 64;
	c.span = 0x20;
	cr_assert(dps_ip6_cand_lose(&c, 0));		/* the first */
	cr_assert(dps_ip6_cand_lose(&c, 0x13));		/* 2001:db8:1::1:3 */
	cr_assert_eq(c.n_lost, 2);
	a6("2001:db8:1::fff0", d);
	cr_assert_not(dps_ip6_cand_has(&c, d), "the lost first");
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_OTHER);
	cr_assert(dps_ip6_cand_span_has(&c, d, &off), "in bounds still");
	cr_assert_eq(off, 0);
	a6("2001:db8:1::1:3", d);
	cr_assert_not(dps_ip6_cand_has(&c, d), "the lost one mid-range");
	cr_assert(dps_ip6_cand_span_has(&c, d, &off));
	cr_assert_eq(off, 0x13);
	cr_assert(dps_ip6_cand_is_lost(&c, 0x13));
	cr_assert_not(dps_ip6_cand_is_lost(&c, 0x12));
	a6("2001:db8:1::1:2", d);
	cr_assert(dps_ip6_cand_has(&c, d), "its neighbour is kept");
	cr_assert_eq(dps_ip6_dst_match(&c, 1, d), DPS_IP6_DST_UNICAST);
	a6("2001:db8:1::1:10", d);
	cr_assert(dps_ip6_cand_has(&c, d), "the last is kept");
	/* Groups: the lost addresses' own are no longer ours. */
	a6("ff02::1:ff00:fff0", d);
	cr_assert_not(dps_ip6_cand_has_group(&c, d), "the lost first's group");
	a6("ff02::1:ff01:3", d);
	cr_assert_not(dps_ip6_cand_has_group(&c, d), "the lost one's group");
	a6("ff02::1:ff01:2", d);
	cr_assert(dps_ip6_cand_has_group(&c, d), "a kept one's group");
	/* nth is positional, lost or not; the source is the first kept. */
	dps_ip6_cand_nth(&c, 0, d);
	cr_assert_arr_eq(d, c.addr, 16);
	dps_ip6_cand_first(&c, d);
	cr_assert_arr_eq(d, (a6("2001:db8:1::fff1", w), w), 16);
	cr_assert(dps_ip6_cand_lose(&c, 1));
	dps_ip6_cand_first(&c, d);
	cr_assert_arr_eq(d, (a6("2001:db8:1::fff2", w), w), 16, "two lost first");
	/* A copy through dps_ip6_cand_load() sees the same. */
	dps_ip6_cand_load(&c, &l);
	cr_assert_eq(l.n_lost, 3);
	cr_assert_eq(l.span, c.span);
	cr_assert_arr_eq(l.lost, c.lost, 3 * sizeof(c.lost[0]));
	/* The bound. */
	for (uint32_t i = 3; i < DPS_IP6_LOST_MAX; i++)
		cr_assert(dps_ip6_cand_lose(&c, 0x14 + i));
	cr_assert_not(dps_ip6_cand_lose(&c, 0x5), "past DPS_IP6_LOST_MAX");
	cr_assert_eq(c.n_lost, DPS_IP6_LOST_MAX);
	a6("2001:db8:1::fff5", d);
	cr_assert(dps_ip6_cand_has(&c, d), "the one refused stays in");
}

/* A group shared by several addresses of a range (2^24 apart) stays
 * ours while one of them is kept; a range of two keeps its last. */
Test(wire6, range_lost_group_shared)
{
	struct dps_ip6_cand c;
	uint8_t g[16];

	memset(&c, 0, sizeof(c));
	a6("2001:db8:1::", c.addr);
	c.addr[15] = 1;				/* 2001:db8:1::1 */
	c.prefix_len = 64;
	c.span = 0x1000000u;			/* ::1 and ::100:1 share ff00:1 */
	a6("ff02::1:ff00:1", g);
	cr_assert(dps_ip6_cand_lose(&c, 0));
	cr_assert(dps_ip6_cand_has_group(&c, g), "::100:1 keeps it");
	cr_assert(dps_ip6_cand_lose(&c, 0x1000000u));
	cr_assert_not(dps_ip6_cand_has_group(&c, g), "both lost");
	a6("ff02::1:ff00:2", g);
	cr_assert(dps_ip6_cand_has_group(&c, g));

	memset(&c, 0, sizeof(c));
	a6("2001:db8:1::1", c.addr);
	c.span = 1;
	cr_assert(dps_ip6_cand_lose(&c, 1));
	cr_assert_not(dps_ip6_cand_lose(&c, 0), "the last kept one");
	c.span = 0;
	c.n_lost = 0;
	cr_assert_not(dps_ip6_cand_lose(&c, 0), "a single address");
}

Test(wire6, address_text)
{
	struct dps_addr a;
	uint8_t len;
	char buf[64];

	cr_assert_eq(dps_addr6_parse("2001:DB8:0:0:0:0:0:1", &a), 0);
	cr_assert_str_eq(dps_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1");
	cr_assert_eq(dps_addr6_parse("::ffff:198.18.0.1", &a), 0);
	cr_assert_str_eq(dps_addr_fmt(&a, buf, sizeof(buf)), "::ffff:198.18.0.1");
	cr_assert_eq(dps_addr6_parse("2001:db8::1::2", &a), -EINVAL);
	cr_assert_eq(dps_addr6_parse("198.18.0.1", &a), -EINVAL);
	cr_assert_eq(dps_addr6_parse("fe80::1%eth0", &a), -EINVAL);
	cr_assert_eq(dps_addr6_parse(NULL, &a), -EINVAL);
	cr_assert_eq(dps_prefix6_parse("2001:db8::/32", &a, &len), 0);
	cr_assert_eq(len, 32);
	cr_assert_eq(a.v6[1], 0x01);
	cr_assert_eq(dps_prefix6_parse("2001:db8::/128", &a, &len), 0);
	cr_assert_eq(dps_prefix6_parse("2001:db8::/129", &a, &len), -EINVAL);
	cr_assert_eq(dps_prefix6_parse("2001:db8::/+8", &a, &len), -EINVAL);
	cr_assert_eq(dps_prefix6_parse("10.0.0.0/8", &a, &len), -EINVAL);
	cr_assert_eq(dps_prefix_parse("10.0.0.0/8", &a, &len), 0);
	cr_assert_eq(len, 8);
	cr_assert_eq(dps_prefix_parse("10.0.0.0/33", &a, &len), -EINVAL);
	cr_assert_eq(dps_prefix_parse("2001:db8::/32", &a, &len), -EINVAL);
}

/* ---- random mutations --------------------------------------------------- */

/* Views of accepted packets lie inside them, whatever the bytes. */
Test(wire6, random_mutations_stay_in_bounds)
{
	const uint8_t *base[] = { k_ns, k_na, k_echo_req, k_port_unreach,
		k_dad_ns };
	const size_t blen[] = { sizeof(k_ns), sizeof(k_na), sizeof(k_echo_req),
		sizeof(k_port_unreach), sizeof(k_dad_ns) };
	uint64_t x = 88172645463325252ULL;

	for (unsigned int it = 0; it < 20000; it++) {
		unsigned int k = it % 5;
		uint32_t len = (uint32_t)(blen[k] - ETH);
		struct dps_ipv6_view ip;
		struct dps_icmp6_view ic;
		struct pkt p;
		int rc;

		memcpy(p.b, base[k] + ETH, len);
		for (unsigned int m = 0; m < 1 + it % 4; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p.b[x % len] = (uint8_t)(x >> 32);
		}
		if (it & 1)
			len = (uint32_t)((x >> 40) % (len + 1));
		rc = rx6(p.b, len, &ip, &ic);
		if (rc == DPS_DROP_NONE)
			cr_assert_leq(ip.l4_off + ip.l4_len, len);
		else
			cr_assert(rc >= 0 && rc < DPS_DROP__MAX);
	}
}

/* ---- TCP and UDP over IPv6 (dps_l4v6.c) ---- */

/* An IPv6 packet from A to B carrying @proto's @l4 (@n bytes) with its
 * checksum filled by dps_l4v6_csum(), at @pkt (40 + n bytes). */
static void
l4v6_pkt(uint8_t *pkt, uint8_t proto, const uint8_t *l4, uint32_t n,
	uint32_t csum_off)
{
	uint16_t c;

	cr_assert_eq(dps_ipv6_build(pkt, DPS_IPV6_HLEN, A_ADDR, B_ADDR, proto,
		(uint16_t)n, 64, 0, 0), DPS_IPV6_HLEN);
	memcpy(pkt + DPS_IPV6_HLEN, l4, n);
	memset(pkt + DPS_IPV6_HLEN + csum_off, 0, 2);
	c = dps_l4v6_csum(pkt + DPS_IPV6_HLEN, n, A_ADDR, B_ADDR, proto);
	memcpy(pkt + DPS_IPV6_HLEN + csum_off, &c, 2);
}

/* The checksums agree with DPDK's rte_ipv6_udptcp_cksum() (the
 * pseudo-header of RFC 8200 8.1 computed another way), pass the checks,
 * and any one bit flipped in the message fails them. */
Test(wire6, tcp_udp_checksum_pseudo_header)
{
	static const uint8_t tcp[] = {
		0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff,
		0, 0, 0, 0, 0x02, 0x04, 0x05, 0xa0, 'h', 'i', '!',
	};
	static const uint8_t udp[] = {
		0x9c, 0x41, 0x00, 0x35, 0x00, 0x0d, 0, 0, 'h', 'e', 'l', 'l', 'o',
	};
	uint8_t pkt[DPS_IPV6_HLEN + sizeof(tcp)], *l4 = pkt + DPS_IPV6_HLEN;
	struct dps_l4_view v;
	uint16_t ours;

	l4v6_pkt(pkt, IPPROTO_TCP, tcp, sizeof(tcp), 16);
	memcpy(&ours, l4 + 16, 2);
	memset(l4 + 16, 0, 2);
	cr_assert_eq(ours, rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)pkt, l4));
	memcpy(l4 + 16, &ours, 2);
	cr_assert_eq(dps_tcp6_check(l4, sizeof(tcp), A_ADDR, B_ADDR, 0, &v), DPS_DROP_NONE);
	cr_assert_eq(v.hdr_len, 24);
	cr_assert_eq(v.payload_len, 3);
	cr_assert_eq(v.sport, htons(40000));
	cr_assert_eq(v.dport, htons(80));
	cr_assert_eq(v.tcp_flags, 0x02);
	/* Over another destination: the pseudo-header counts. */
	cr_assert_eq(dps_tcp6_check(l4, sizeof(tcp), A_ADDR, MAPPED, 0, &v),
		DPS_DROP_tcp_bad_csum);
	for (uint32_t bit = 0; bit < sizeof(tcp) * 8; bit++) {
		l4[bit / 8] ^= (uint8_t)(1u << bit % 8);
		cr_assert_eq(dps_tcp6_check(l4, sizeof(tcp), A_ADDR, B_ADDR, 0, &v) ==
			DPS_DROP_NONE, false, "bit %u flipped passes", bit);
		l4[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	/* The NIC's verdict, when it gives one, is taken. */
	cr_assert_eq(dps_tcp6_check(l4, sizeof(tcp), A_ADDR, B_ADDR, DPS_CSUM_L4_BAD, &v),
		DPS_DROP_tcp_bad_csum);

	l4v6_pkt(pkt, IPPROTO_UDP, udp, sizeof(udp), 6);
	memcpy(&ours, l4 + 6, 2);
	memset(l4 + 6, 0, 2);
	cr_assert_eq(ours, rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)pkt, l4));
	memcpy(l4 + 6, &ours, 2);
	cr_assert_eq(dps_udp6_check(l4, sizeof(udp), A_ADDR, B_ADDR, 0, &v), DPS_DROP_NONE);
	cr_assert_eq(v.hdr_len, 8);
	cr_assert_eq(v.payload_len, 5);
	cr_assert_eq(v.dport, htons(53));
	for (uint32_t bit = 0; bit < sizeof(udp) * 8; bit++) {
		l4[bit / 8] ^= (uint8_t)(1u << bit % 8);
		cr_assert_neq(dps_udp6_check(l4, sizeof(udp), A_ADDR, B_ADDR, 0, &v),
			DPS_DROP_NONE, "bit %u flipped passes", bit);
		l4[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
}

/* Over IPv6 a UDP checksum is mandatory (RFC 8200 8.1): zero is an
 * error, not "none" as over IPv4, even where the NIC says good. */
Test(wire6, udp_zero_checksum_dropped)
{
	uint8_t udp[12] = { 0x9c, 0x41, 0x00, 0x35, 0x00, 0x0c, 0, 0, 1, 2, 3, 4 };
	uint8_t *m = malloc(sizeof(udp));
	struct dps_l4_view v;

	cr_assert_not_null(m);
	memcpy(m, udp, sizeof(udp));
	cr_assert_eq(dps_udp6_check(m, sizeof(udp), A_ADDR, B_ADDR, 0, &v),
		DPS_DROP_udp_bad_csum);
	cr_assert_eq(dps_udp6_check(m, sizeof(udp), A_ADDR, B_ADDR, DPS_CSUM_L4_GOOD, &v),
		DPS_DROP_udp_bad_csum);
	/* The same bytes over IPv4 are a datagram without a checksum. */
	cr_assert_eq(dps_udp_check(m, sizeof(udp), htonl(0xc6120001), htonl(0xc6120002),
		0, &v), DPS_DROP_NONE);
	free(m);
}

/* A checksum that computes to zero goes as 0xffff (RFC 768), which the
 * receiver accepts; the message is chosen so that its sum is zero. */
Test(wire6, udp_checksum_zero_sent_as_ones)
{
	uint8_t udp[12] = { 0x9c, 0x41, 0x00, 0x35, 0x00, 0x0c, 0, 0, 0, 0, 0, 0 };
	struct dps_l4_view v;
	uint16_t c;

	/* Make the sum of everything but the last word 0xffff less the
	 * last word: with the field zero, the complement is then zero. */
	c = (uint16_t)~dps_ip6_l4_sum(udp, sizeof(udp), A_ADDR, B_ADDR, IPPROTO_UDP);
	/* Adding c to the message's words makes its folded sum 0xffff. */
	memcpy(udp + 10, &c, 2);
	cr_assert_eq(dps_ip6_l4_sum(udp, sizeof(udp), A_ADDR, B_ADDR, IPPROTO_UDP), 0xffff);
	c = dps_l4v6_csum(udp, sizeof(udp), A_ADDR, B_ADDR, IPPROTO_UDP);
	cr_assert_eq(c, 0xffff);
	memcpy(udp + 6, &c, 2);
	cr_assert_eq(dps_udp6_check(udp, sizeof(udp), A_ADDR, B_ADDR, 0, &v), DPS_DROP_NONE);
}

/* Lengths: the UDP length field within the payload, the TCP offset
 * within the segment. */
Test(wire6, tcp_udp_truncated)
{
	uint8_t udp[8] = { 0, 1, 0, 2, 0x00, 0x10, 0xab, 0xcd };
	uint8_t tcp[20] = { 0, 1, 0, 2, [12] = 0x60 };
	struct dps_l4_view v;

	cr_assert_eq(dps_udp6_check(udp, 7, A_ADDR, B_ADDR, 0, &v), DPS_DROP_udp_truncated);
	cr_assert_eq(dps_udp6_check(udp, 8, A_ADDR, B_ADDR, 0, &v), DPS_DROP_udp_truncated);
	udp[5] = 7;
	cr_assert_eq(dps_udp6_check(udp, 8, A_ADDR, B_ADDR, 0, &v), DPS_DROP_udp_truncated);
	cr_assert_eq(dps_tcp6_check(tcp, 19, A_ADDR, B_ADDR, 0, &v), DPS_DROP_tcp_truncated);
	cr_assert_eq(dps_tcp6_check(tcp, 20, A_ADDR, B_ADDR, 0, &v), DPS_DROP_tcp_truncated,
		"a data offset of 24 in 20 bytes");
	tcp[12] = 0x40;
	cr_assert_eq(dps_tcp6_check(tcp, 20, A_ADDR, B_ADDR, 0, &v), DPS_DROP_tcp_truncated);
}

/* MSS from the IPv6 MTU: MTU less 60 (Linux: 1500 gives 1440), never
 * below the minimum MTU's 1220. */
Test(wire6, tcp6_mss)
{
	cr_assert_eq(dps_tcp6_mss(1500), 1440);
	cr_assert_eq(dps_tcp6_mss(9000), 8940);
	cr_assert_eq(dps_tcp6_mss(DPS_IPV6_MIN_MTU), 1220);
	cr_assert_eq(dps_tcp6_mss(576), 1220);
	cr_assert_eq(dps_tcp6_mss(100000), 65475);
}

/*
 * The automatic flow label of a hash (Linux's ip6_make_flowlabel(): the
 * hash turned by 16 bits, its low 20 bits, the stateless bit with
 * flowlabel_state_ranges): worked values, the mask, and the header
 * carrying it beside the traffic class.
 */
Test(wire6, flowlabel_of_hash)
{
	uint8_t h[DPS_IPV6_HLEN], s[16] = { 0x20, 0x01 }, d[16] = { 0x20, 0x02 };
	struct dps_ipv6_view v;
	uint32_t vtc;

	/* rol32(0x12345678, 16) = 0x56781234; low 20 bits 0x81234. */
	cr_assert_eq(dps_ip6_flowlabel_of(0x12345678u, false), 0x81234u);
	/* rol32(0x12340670, 16) = 0x06701234: label 0x01234, and with
	 * the state ranges' bit 0x81234. */
	cr_assert_eq(dps_ip6_flowlabel_of(0x12340670u, false), 0x01234u);
	cr_assert_eq(dps_ip6_flowlabel_of(0x12340670u, true), 0x81234u);
	/* Hash 1 (Linux's smallest): 0x10000. The low 16 bits come out on
	 * top, the top 16 at the bottom. */
	cr_assert_eq(dps_ip6_flowlabel_of(1, false), 0x10000u);
	cr_assert_eq(dps_ip6_flowlabel_of(0x00010000u, false), 1);
	cr_assert_eq(dps_ip6_flowlabel_of(0xffffffffu, false), 0xfffffu);
	/* A non-zero hash may give label 0, as in Linux (bits 4-15 only). */
	cr_assert_eq(dps_ip6_flowlabel_of(0x0000fff0u, false), 0);
	cr_assert_eq(dps_ip6_flowlabel_of(0x0000fff0u, true), DPS_IPV6_FLOWLABEL_STATELESS);
	for (uint32_t i = 0, x = 0x9e3779b9u; i < 1000; i++, x = x * 1664525u + 1013904223u)
		cr_assert_eq(dps_ip6_flowlabel_of(x, false) & ~DPS_IPV6_FLOWLABEL_MASK, 0);
	/* In the header: version 6, the class, the label. */
	cr_assert_eq(dps_ipv6_build(h, sizeof(h), s, d, IPPROTO_TCP, 0, 64, 0xb8,
		dps_ip6_flowlabel_of(0x12345678u, false)), DPS_IPV6_HLEN);
	memcpy(&vtc, h, 4);
	cr_assert_eq(rte_be_to_cpu_32(vtc), 6u << 28 | 0xb8u << 20 | 0x81234u);
	cr_assert_eq(dps_ipv6_check(h, sizeof(h), &v), DPS_DROP_NONE);
	cr_assert_eq(v.flow, 0x81234u);
	cr_assert_eq(v.tclass, 0xb8);
}
