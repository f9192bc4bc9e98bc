/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for lib/wire: builders and checkers round trip, a table of
 * malformed frames with the exact drop reason and counter each must hit,
 * a randomized mutation test, and the ICMP errno and checksum helpers.
 *
 * Every frame handed to dps_rx_classify() is copied into a malloc'ed
 * buffer of exactly its length, so ASan reports any read past the end.
 * No EAL is initialised: everything under test is pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_arp.h>
#include <rte_tcp.h>

#include "dps_counters.h"
#include "dps_wire.h"

#define ETH_LEN		14
#define IP_OFF		ETH_LEN
#define L4_OFF		(ETH_LEN + 20)
#define FRAME_MAX	1600

/* Host-order address; RTE_IPV4() shifts a signed int, which UBSan flags. */
#define IPA(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP(a, b, c, d)	RTE_BE32(IPA(a, b, c, d))
#define OUR_IP		IP(10, 0, 0, 1)
#define OUR_BCAST	IP(10, 0, 0, 255)
#define PEER_IP		IP(10, 0, 0, 2)
#define ROUTER_IP	IP(10, 0, 0, 254)
#define FAR_IP		IP(8, 8, 8, 8)

static const struct rte_ether_addr our_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr bcast_mac = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static const struct dps_ifaddr our_addrs[] = {
	{ IP(10, 0, 0, 1), IP(255, 255, 255, 0) },
	{ IP(192, 168, 7, 5), IP(255, 255, 0, 0) },
	{ IP(172, 16, 0, 9), IP(255, 255, 255, 255) },
};

static const struct dps_rx_iface ifc = {
	.mac = { .addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } },
	.addrs = our_addrs,
	.n_addrs = RTE_DIM(our_addrs),
};

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

/* ---- helpers ---------------------------------------------------------- */

/* Big-endian 16-bit read. */
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Write the low @n bytes of @v big-endian at @p. */
static void
wr_be(uint8_t *p, unsigned int n, uint32_t v)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Pseudo-header checksum, complemented, as a sender would store it. */
static uint16_t
l4_csum(const uint8_t *l4, uint32_t len, uint32_t src, uint32_t dst,
	uint8_t proto)
{
	uint8_t ph[12];
	uint32_t sum;

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	wr_be(ph + 10, 2, len);
	sum = (uint32_t)dps_csum_raw(ph, 12) + dps_csum_raw(l4, len);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Fill the checksum of the @hl-byte IPv4 header at @h. */
static void
ip_hdr_csum(uint8_t *h, uint32_t hl)
{
	uint16_t c;

	memset(h + 10, 0, 2);
	c = (uint16_t)~dps_csum_raw(h, hl);
	memcpy(h + 10, &c, 2);
}

/* Recompute the IPv4 header checksum when the header is in bounds. */
static void
fix_ip(uint8_t *f, uint32_t len)
{
	uint32_t ihl;

	if (len < L4_OFF)
		return;
	ihl = (f[IP_OFF] & 0xf) * 4u;
	if (ihl < 20 || IP_OFF + ihl > len)
		return;
	ip_hdr_csum(f + IP_OFF, ihl);
}

/* Recompute the ICMP/UDP/TCP checksum over the IPv4 payload if sane. */
static void
fix_l4(uint8_t *f, uint32_t len)
{
	uint32_t ihl, tot, l4len, src, dst;
	uint8_t *l4;
	uint16_t c;

	if (len < L4_OFF)
		return;
	ihl = (f[IP_OFF] & 0xf) * 4u;
	tot = rd16(f + IP_OFF + 2);
	if (ihl < 20 || tot < ihl || IP_OFF + tot > len)
		return;
	l4 = f + IP_OFF + ihl;
	l4len = tot - ihl;
	memcpy(&src, f + IP_OFF + 12, 4);
	memcpy(&dst, f + IP_OFF + 16, 4);
	switch (f[IP_OFF + 9]) {
	case IPPROTO_ICMP:
		if (l4len < 8)
			return;
		memset(l4 + 2, 0, 2);
		c = (uint16_t)~dps_csum_raw(l4, l4len);
		memcpy(l4 + 2, &c, 2);
		break;
	case IPPROTO_UDP:
		if (l4len < 8)
			return;
		memset(l4 + 6, 0, 2);
		c = l4_csum(l4, l4len, src, dst, IPPROTO_UDP);
		if (c == 0)
			c = 0xffff;
		memcpy(l4 + 6, &c, 2);
		break;
	case IPPROTO_TCP:
		if (l4len < 20)
			return;
		memset(l4 + 16, 0, 2);
		c = l4_csum(l4, l4len, src, dst, IPPROTO_TCP);
		memcpy(l4 + 16, &c, 2);
		break;
	}
}

/* Ethernet + IPv4 header for @l4len bytes of payload already at L4_OFF. */
static void
put_eth_ip(struct frame *f, const struct rte_ether_addr *dmac, uint32_t src,
	uint32_t dst, uint8_t proto, uint16_t l4len)
{
	cr_assert_eq(dps_eth_build(f->b, sizeof(f->b), dmac, &peer_mac,
		RTE_ETHER_TYPE_IPV4), ETH_LEN);
	cr_assert_eq(dps_ipv4_build(f->b + IP_OFF, sizeof(f->b) - IP_OFF, src,
		dst, proto, l4len, 64, 0x1234, false), 20);
	f->len = L4_OFF + l4len;
}

static void
mk_arp(struct frame *f, uint16_t op, uint32_t spa, uint32_t tpa)
{
	f->len = dps_arp_build(f->b, sizeof(f->b), op, &bcast_mac, &peer_mac,
		spa, NULL, tpa);
	cr_assert_eq(f->len, 42);
}

static void
mk_echo(struct frame *f, uint32_t dst, uint16_t data_len)
{
	uint8_t data[256];
	size_t n;

	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	n = dps_icmp_echo_build(f->b + L4_OFF, sizeof(f->b) - L4_OFF,
		ICMP_ECHO, 0x4242, 7, data, data_len);
	cr_assert_eq(n, 8u + data_len);
	put_eth_ip(f, &our_mac, PEER_IP, dst, IPPROTO_ICMP, (uint16_t)n);
}

static void
mk_udp(struct frame *f, uint32_t src, uint32_t dst, uint16_t data_len)
{
	uint8_t *u = f->b + L4_OFF;

	wr_be(u, 2, 5353);
	wr_be(u + 2, 2, 9000);
	wr_be(u + 4, 2, 8u + data_len);
	wr_be(u + 6, 2, 0);
	for (unsigned int i = 0; i < data_len; i++)
		u[8 + i] = (uint8_t)(0x30 + i);
	put_eth_ip(f, &our_mac, src, dst, IPPROTO_UDP, 8 + data_len);
	fix_l4(f->b, f->len);
}

static void
mk_tcp(struct frame *f, uint32_t dst, uint8_t flags, uint8_t opt_len,
	uint16_t data_len)
{
	uint8_t *t = f->b + L4_OFF;
	uint16_t hl = 20 + opt_len;

	memset(t, 0, hl);
	wr_be(t, 2, 40000);
	wr_be(t + 2, 2, 80);
	wr_be(t + 4, 4, 1000);
	wr_be(t + 8, 4, 2000);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	wr_be(t + 14, 2, 65535);
	for (unsigned int i = 20; i < hl; i++)
		t[i] = 1;	/* NOP options */
	for (unsigned int i = 0; i < data_len; i++)
		t[hl + i] = (uint8_t)(0x61 + i);
	put_eth_ip(f, &our_mac, PEER_IP, dst, IPPROTO_TCP, hl + data_len);
	fix_l4(f->b, f->len);
}

/* Frag-needed from a router about a UDP datagram we sent to FAR_IP. */
static void
mk_icmp_err(struct frame *f, uint8_t type, uint8_t code, uint16_t info)
{
	struct frame orig;
	size_t n;

	mk_udp(&orig, OUR_IP, FAR_IP, 12);
	n = dps_icmp_error_build(f->b + L4_OFF, sizeof(f->b) - L4_OFF, type,
		code, info, orig.b + IP_OFF, orig.len - IP_OFF);
	cr_assert_eq(n, 8u + orig.len - IP_OFF);
	put_eth_ip(f, &our_mac, ROUTER_IP, OUR_IP, IPPROTO_ICMP, (uint16_t)n);
}

/* Classify a copy of @f in a buffer of exactly f->len bytes (+@shift). */
static int
classify(const struct frame *f, unsigned int csum, struct dps_rx_pkt *out,
	struct dps_counters *cnt, unsigned int shift)
{
	uint8_t *buf = malloc(f->len + shift);
	int rc;

	cr_assert_not_null(buf);
	memcpy(buf + shift, f->b, f->len);
	memset(cnt, 0, sizeof(*cnt));
	rc = dps_rx_classify(&ifc, buf + shift, f->len, csum, out, cnt);
	free(buf);
	return rc;
}

/* Drop reason name for messages; DPS_DROP_NONE reads "none". */
static const char *
rname(int rc)
{
	return rc == DPS_DROP_NONE ? "none" : dps_drop_reason_name(rc);
}

static void
assert_accepted(int rc, const struct dps_counters *cnt)
{
	cr_assert_eq(rc, DPS_DROP_NONE, "dropped: %s", rname(rc));
	cr_assert_eq(dps_counters_total_drops(cnt), 0);
}

/* ---- checksum ---------------------------------------------------------- */

Test(wire, csum_rfc1071_vector)
{
	/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t odd[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x01 };
	uint8_t *unal = malloc(sizeof(v) + 1);

	cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(v, sizeof(v))), 0xddf2);
	/* An odd byte counts as the high byte of a zero-padded word. */
	cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(odd, sizeof(odd))), 0xdef2);
	memcpy(unal + 1, v, sizeof(v));
	cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(unal + 1, sizeof(v))),
		0xddf2);
	free(unal);
	cr_assert_eq(dps_csum_raw(v, 0), 0);
}

Test(wire, csum_carry_folding)
{
	uint8_t ff[1001];

	memset(ff, 0xff, sizeof(ff));
	cr_assert_eq(dps_csum_raw(ff, 1000), 0xffff);
	/* 500 words of ffff plus ff00: one's complement sum ff00. */
	cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(ff, 1001)), 0xff00);
}

/* RFC 1071 by the book: big-endian 16-bit words, end-around carry. */
static uint16_t
csum_ref(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The wide (vector) loop against the reference: every length up to 300
 * at every alignment of a 32-byte block, random and all-ones bytes (the
 * carries), and a jumbo length. */
Test(wire, csum_matches_reference_at_any_length_and_alignment)
{
	static uint8_t buf[9100 + 64];

	srand(7);
	for (int fill = 0; fill < 2; fill++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = fill ? 0xff : (uint8_t)rand();
		for (size_t off = 0; off < 32; off++)
			for (size_t len = 0; len <= 300; len++) {
				cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(buf + off, len)),
					csum_ref(buf + off, len), "fill %d off %zu len %zu",
					fill, off, len);
				cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw_base(buf + off, len)),
					csum_ref(buf + off, len), "base: fill %d off %zu len %zu",
					fill, off, len);
			}
		cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(buf + 3, 9100)),
			csum_ref(buf + 3, 9100));
		cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw_base(buf + 3, 9100)),
			csum_ref(buf + 3, 9100));
	}
}

/* The vector loops bias each 16-bit word by 0x8000 and add them as
 * signed pairs in 32-bit lanes, emptied every 64 KiB: words at the
 * bias's edges (7fff, 8000, ffff, 0000) in long runs, across several
 * of those rounds, at odd and even offsets, against the reference. */
Test(wire, csum_signed_lanes_and_long_buffers)
{
	static const uint16_t edge[] = { 0x7fff, 0x8000, 0xffff, 0x0000, 0x8001 };
	size_t n = 3 * 65536 + 1000;
	uint8_t *buf = malloc(n + 1);

	cr_assert_not_null(buf);
	srand(1071);
	for (int c = 0; c < 7; c++) {
		for (size_t i = 0; i + 1 < n + 1; i += 2) {
			uint16_t w = c < 5 ? edge[c] : c == 5 ? edge[(i / 2) % 5] :
				(uint16_t)rand();

			buf[i] = (uint8_t)(w >> 8);
			buf[i + 1] = (uint8_t)w;
		}
		for (size_t k = 0; k < 6; k++) {
			size_t off = k & 1, len = k < 2 ? n : k < 4 ? 65536 + 31 : 65535;

			cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw(buf + off, len)),
				csum_ref(buf + off, len), "case %d.%zu", c, k);
			cr_assert_eq(rte_be_to_cpu_16(dps_csum_raw_base(buf + off, len)),
				csum_ref(buf + off, len), "base: case %d.%zu", c, k);
		}
	}
	free(buf);
}

/* The word sums of a header just written against the reference, for
 * random words and for all-ones ones (the deferred carries). */
Test(wire, csum_words_match_reference)
{
	uint8_t buf[64 + 3];

	srand(71);
	for (int i = 0; i < 5000; i++) {
		unsigned int n = (unsigned int)(rand() % 16) + 1, off = (unsigned int)(i % 4);

		for (size_t j = 0; j < sizeof(buf); j++)
			buf[j] = i % 7 == 0 ? 0xff : (uint8_t)rand();
		cr_assert_eq(rte_be_to_cpu_16(dps_csum_fold(dps_csum_words(buf + off, n))),
			csum_ref(buf + off, 4 * n), "case %d", i);
	}
}

/* The hot path's Ethernet and IPv4 headers are the general builders'
 * bytes, checksum and all, with and without offload. */
Test(wire, eth_ipv4_write_matches_the_builders)
{
	struct rte_ether_addr d = {{ 2, 0, 0, 0, 0, 9 }}, s = {{ 2, 0, 0, 0, 0, 1 }};

	srand(72);
	for (int i = 0; i < 5000; i++) {
		uint32_t src = (uint32_t)rand() << 1 ^ (uint32_t)rand(), dst = (uint32_t)rand();
		uint16_t len = (uint16_t)(rand() % 65000), id = (uint16_t)rand();
		uint8_t ttl = (uint8_t)rand(), proto = (uint8_t)rand();
		bool off = i & 1;
		uint8_t a[34], b[34];
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(a + 14);

		memset(a, 0x5a, sizeof(a));
		memset(b, 0x5a, sizeof(b));
		cr_assert_eq(dps_eth_build(a, sizeof(a), &d, &s, RTE_ETHER_TYPE_IPV4), 14);
		cr_assert_eq(dps_ipv4_build(a + 14, 20, src, dst, proto, len, ttl, id, off), 20);
		dps_eth_ipv4_write(b, &d, &s, src, dst, proto, len, 0, ttl, id, off);
		cr_assert_eq(memcmp(a, b, sizeof(a)), 0, "case %d: bytes differ", i);
		if (!off)
			cr_assert_eq(csum_ref((const uint8_t *)ip, 20), 0xffff, "case %d: checksum", i);
	}
}

/* The pseudo-header words add up to what a 12-byte copy of it sums to. */
Test(wire, l4_sum_matches_reference_with_pseudo_header)
{
	uint8_t buf[12 + 300];

	srand(73);
	for (int i = 0; i < 3000; i++) {
		uint32_t src = (uint32_t)rand() << 1 ^ (uint32_t)rand(), dst = (uint32_t)rand();
		uint32_t len = (uint32_t)(rand() % 300);
		uint16_t l = htons((uint16_t)len);

		memcpy(buf, &src, 4);
		memcpy(buf + 4, &dst, 4);
		buf[8] = 0;
		buf[9] = (uint8_t)(i & 1 ? IPPROTO_TCP : IPPROTO_UDP);
		memcpy(buf + 10, &l, 2);
		for (size_t j = 12; j < sizeof(buf); j++)
			buf[j] = i % 5 == 0 ? 0xff : (uint8_t)rand();
		cr_assert_eq(rte_be_to_cpu_16(dps_l4_sum(buf + 12, len, src, dst, buf[9])),
			csum_ref(buf, 12 + len), "case %d", i);
	}
}

/* ---- round trips ------------------------------------------------------- */

Test(wire, arp_request_round_trip)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;
	int rc;

	mk_arp(&f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
	rc = classify(&f, 0, &out, &cnt, 0);
	assert_accepted(rc, &cnt);
	cr_assert_eq(out.kind, DPS_RX_ARP);
	cr_assert(rte_is_same_ether_addr(&out.eth.dst, &bcast_mac));
	cr_assert(rte_is_same_ether_addr(&out.eth.src, &peer_mac));
	cr_assert_eq(out.eth.ethertype, RTE_ETHER_TYPE_ARP);
	cr_assert_eq(out.eth.hdr_len, 14);
	cr_assert_eq(out.arp.op, RTE_ARP_OP_REQUEST);
	cr_assert(rte_is_same_ether_addr(&out.arp.sha, &peer_mac));
	cr_assert(rte_is_zero_ether_addr(&out.arp.tha));
	cr_assert_eq(out.arp.spa, PEER_IP);
	cr_assert_eq(out.arp.tpa, OUR_IP);
}

Test(wire, arp_reply_and_probe)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;
	int rc;

	f.len = dps_arp_build(f.b, sizeof(f.b), RTE_ARP_OP_REPLY, &our_mac,
		&peer_mac, PEER_IP, &our_mac, IP(192, 168, 7, 5));
	cr_assert_eq(f.len, 42);
	memset(f.b + f.len, 0, 18);	/* Ethernet padding */
	f.len = 60;
	rc = classify(&f, 0, &out, &cnt, 1);
	assert_accepted(rc, &cnt);
	cr_assert_eq(out.arp.op, RTE_ARP_OP_REPLY);
	cr_assert(rte_is_same_ether_addr(&out.arp.tha, &our_mac));
	cr_assert_eq(out.arp.tpa, IP(192, 168, 7, 5));

	/* RFC 5227 probe: sender IP 0.0.0.0 is allowed. */
	mk_arp(&f, RTE_ARP_OP_REQUEST, 0, OUR_IP);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert_eq(out.arp.spa, 0);
}

/* A run of addresses is ours from its first to its last, none beside:
 * the edges, across a byte boundary, and the wrap of a - first. */
Test(wire, iface_address_ranges)
{
	static const struct dps_ifaddr runs[] = {
		{ IP(10, 0, 0, 1), IP(255, 255, 255, 0) },
		/* 198.18.0.2-198.19.255.254/15: 131,069 addresses */
		{ IP(198, 18, 0, 2), IP(255, 254, 0, 0), 131068 },
		{ IP(255, 255, 255, 250), IP(255, 255, 255, 248), 4 },
	};
	static const struct dps_rx_iface rif = {
		.addrs = runs, .n_addrs = RTE_DIM(runs),
	};
	static const struct { uint32_t a; bool ours; } cases[] = {
		{ IP(10, 0, 0, 1), true }, { IP(10, 0, 0, 2), false },
		{ IP(10, 0, 0, 0), false },
		{ IP(198, 18, 0, 1), false }, { IP(198, 18, 0, 2), true },
		{ IP(198, 18, 0, 255), true }, { IP(198, 18, 1, 0), true },
		{ IP(198, 19, 0, 0), true }, { IP(198, 19, 128, 77), true },
		{ IP(198, 19, 255, 254), true }, { IP(198, 19, 255, 255), false },
		{ IP(198, 20, 0, 2), false }, { IP(198, 17, 0, 2), false },
		{ IP(2, 18, 0, 198), false },	/* byte-swapped in-range address */
		{ IP(255, 255, 255, 249), false }, { IP(255, 255, 255, 250), true },
		{ IP(255, 255, 255, 254), true }, { IP(255, 255, 255, 255), false },
		{ 0, false },
	};

	for (size_t i = 0; i < RTE_DIM(cases); i++)
		cr_assert_eq(dps_rx_iface_has_addr(&rif, cases[i].a), cases[i].ours,
			"case %zu: 0x%08x", i, rte_be_to_cpu_32(cases[i].a));
	/* The directed broadcast of the /15 is the prefix's, not the run's. */
	cr_assert(dps_rx_iface_is_bcast(&rif, IP(198, 19, 255, 255)));
	cr_assert_not(dps_rx_iface_is_bcast(&rif, IP(198, 19, 255, 254)));
}

Test(wire, arp_not_for_us_still_fills_view)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;
	int rc;

	/* Gratuitous ARP from the peer: target is the peer itself. */
	mk_arp(&f, RTE_ARP_OP_REQUEST, PEER_IP, PEER_IP);
	rc = classify(&f, 0, &out, &cnt, 0);
	cr_assert_eq(rc, DPS_DROP_arp_not_for_us, "%s",
		rname(rc));
	cr_assert_eq(cnt.drop[DPS_DROP_arp_not_for_us], 1);
	cr_assert_eq(dps_counters_total_drops(&cnt), 1);
	cr_assert_eq(out.kind, DPS_RX_ARP);
	cr_assert_eq(out.arp.op, RTE_ARP_OP_REQUEST);
	cr_assert(rte_is_same_ether_addr(&out.arp.sha, &peer_mac));
	cr_assert_eq(out.arp.spa, PEER_IP);
	cr_assert_eq(out.arp.tpa, PEER_IP);
}

Test(wire, icmp_echo_round_trip)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;
	int rc;

	mk_echo(&f, OUR_IP, 56);
	rc = classify(&f, 0, &out, &cnt, 1);
	assert_accepted(rc, &cnt);
	cr_assert_eq(out.kind, DPS_RX_ICMP);
	cr_assert(rte_is_same_ether_addr(&out.eth.dst, &our_mac));
	cr_assert_eq(out.eth.ethertype, RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(out.ip.hdr_len, 20);
	cr_assert_eq(out.ip.tot_len, 20 + 8 + 56);
	cr_assert_eq(out.ip.id, 0x1234);
	cr_assert_eq(out.ip.proto, IPPROTO_ICMP);
	cr_assert_eq(out.ip.ttl, 64);
	cr_assert_eq(out.ip.tos, 0);
	cr_assert(!out.ip.fragment);
	cr_assert_eq(out.ip.src, PEER_IP);
	cr_assert_eq(out.ip.dst, OUR_IP);
	cr_assert_eq(out.ip.l4_off, 20);
	cr_assert_eq(out.ip.l4_len, 8 + 56);
	cr_assert(!out.ip_bcast);
	cr_assert_eq(out.icmp.type, ICMP_ECHO);
	cr_assert_eq(out.icmp.code, 0);
	cr_assert_eq(out.icmp.id, 0x4242);
	cr_assert_eq(out.icmp.seq, 7);
	cr_assert_eq(out.icmp.next_mtu, 0);
	cr_assert(!out.icmp.is_error);
	cr_assert_eq(out.icmp.payload_off, 8);
	/* The IPv4 header says DF, no MF, offset 0. */
	cr_assert_eq(rd16(f.b + IP_OFF + 6), 0x4000);
	cr_assert_eq(f.b[IP_OFF], 0x45);
}

Test(wire, icmp_error_round_trip)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;
	int rc;

	mk_icmp_err(&f, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1400);
	rc = classify(&f, 0, &out, &cnt, 0);
	assert_accepted(rc, &cnt);
	cr_assert_eq(out.kind, DPS_RX_ICMP);
	cr_assert_eq(out.ip.src, ROUTER_IP);
	cr_assert_eq(out.icmp.type, ICMP_DEST_UNREACH);
	cr_assert_eq(out.icmp.code, ICMP_FRAG_NEEDED);
	cr_assert(out.icmp.is_error);
	cr_assert_eq(out.icmp.next_mtu, 1400);
	cr_assert_eq(out.icmp.quote.proto, IPPROTO_UDP);
	cr_assert_eq(out.icmp.quote.src, OUR_IP);
	cr_assert_eq(out.icmp.quote.dst, FAR_IP);
	cr_assert_eq(out.icmp.quote.sport, rte_cpu_to_be_16(5353));
	cr_assert_eq(out.icmp.quote.dport, rte_cpu_to_be_16(9000));

	/* Time exceeded: no MTU, same quote. */
	mk_icmp_err(&f, ICMP_TIME_EXCEEDED, 0, 0);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert(out.icmp.is_error);
	cr_assert_eq(out.icmp.next_mtu, 0);
	cr_assert_eq(out.icmp.quote.dport, rte_cpu_to_be_16(9000));

	/* Parameter problem: pointer in byte 4, no MTU. */
	mk_icmp_err(&f, ICMP_PARAMETERPROB, 0, 9);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert_eq(f.b[L4_OFF + 4], 9);
	cr_assert_eq(out.icmp.next_mtu, 0);
}

Test(wire, icmp_error_quote_limits)
{
	struct dps_icmp_view v;
	uint8_t orig[1500], buf[1600];
	size_t n;

	memset(orig, 0x5a, sizeof(orig));
	orig[0] = 0x45;
	orig[6] = 0x00;
	orig[7] = 0x10;	/* non-first fragment: no ports */
	orig[9] = IPPROTO_TCP;
	n = dps_icmp_error_build(buf, sizeof(buf), ICMP_DEST_UNREACH,
		ICMP_PORT_UNREACH, 0, orig, sizeof(orig));
	cr_assert_eq(n, 576 - 20);
	cr_assert_eq(dps_csum_raw(buf, n), 0xffff);
	cr_assert_eq(memcmp(buf + 8, orig, n - 8), 0);
	cr_assert_eq(dps_icmp_check(buf, n, &v), DPS_DROP_NONE);
	cr_assert_eq(v.quote.proto, IPPROTO_TCP);
	cr_assert_eq(v.quote.sport, 0);
	cr_assert_eq(v.quote.dport, 0);
	cr_assert_eq(dps_icmp_error_build(buf, n - 1, ICMP_DEST_UNREACH, 3, 0,
		orig, sizeof(orig)), 0);
	/* A short original is quoted whole. */
	cr_assert_eq(dps_icmp_error_build(buf, sizeof(buf), ICMP_DEST_UNREACH,
		3, 0, orig, 28), 36);
}

Test(wire, udp_round_trip_padding_and_no_csum)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;

	mk_udp(&f, PEER_IP, OUR_IP, 4);
	cr_assert_eq(f.len, 46);
	memset(f.b + f.len, 0xee, 14);	/* padding beyond tot_len */
	f.len = 60;
	assert_accepted(classify(&f, 0, &out, &cnt, 1), &cnt);
	cr_assert_eq(out.kind, DPS_RX_UDP);
	cr_assert_eq(out.ip.tot_len, 32);
	cr_assert_eq(out.ip.l4_len, 12);
	cr_assert_eq(out.l4.sport, rte_cpu_to_be_16(5353));
	cr_assert_eq(out.l4.dport, rte_cpu_to_be_16(9000));
	cr_assert_eq(out.l4.hdr_len, 8);
	cr_assert_eq(out.l4.payload_len, 4);
	cr_assert_eq(out.l4.tcp_flags, 0);

	/* Checksum 0: none sent (RFC 768), even with wrong data. */
	memset(f.b + L4_OFF + 6, 0, 2);
	f.b[L4_OFF + 8] ^= 0xff;
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);

	/* A wrong checksum is accepted when the NIC says L4 is good. */
	f.b[L4_OFF + 6] = 0x12;
	cr_assert_eq(classify(&f, 0, &out, &cnt, 0), DPS_DROP_udp_bad_csum);
	assert_accepted(classify(&f, DPS_CSUM_L4_GOOD, &out, &cnt, 0), &cnt);
}

Test(wire, udp_broadcasts)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;

	mk_udp(&f, PEER_IP, OUR_BCAST, 8);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert(out.ip_bcast);
	cr_assert_eq(out.ip.dst, OUR_BCAST);

	mk_udp(&f, PEER_IP, IP(255, 255, 255, 255), 8);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert(out.ip_bcast);

	mk_udp(&f, PEER_IP, IP(192, 168, 255, 255), 8);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert(out.ip_bcast);

	/* Unicast to our second address. */
	mk_udp(&f, PEER_IP, IP(192, 168, 7, 5), 8);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert(!out.ip_bcast);
}

Test(wire, tcp_round_trip)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;

	mk_tcp(&f, OUR_IP, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 4, 10);
	assert_accepted(classify(&f, 0, &out, &cnt, 1), &cnt);
	cr_assert_eq(out.kind, DPS_RX_TCP);
	cr_assert_eq(out.ip.proto, IPPROTO_TCP);
	cr_assert_eq(out.l4.sport, rte_cpu_to_be_16(40000));
	cr_assert_eq(out.l4.dport, rte_cpu_to_be_16(80));
	cr_assert_eq(out.l4.hdr_len, 24);
	cr_assert_eq(out.l4.payload_len, 10);
	cr_assert_eq(out.l4.tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
}

Test(wire, other_proto_and_ip_options)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct dps_ipv4_view v;
	struct frame f;
	uint8_t h[28];

	memset(f.b + L4_OFF, 0, 16);
	put_eth_ip(&f, &our_mac, PEER_IP, OUR_IP, 47, 16);
	assert_accepted(classify(&f, 0, &out, &cnt, 0), &cnt);
	cr_assert_eq(out.kind, DPS_RX_OTHER_PROTO);
	cr_assert_eq(out.ip.proto, 47);

	/* IHL 6: one word of options (NOPs), payload at 24. */
	cr_assert_eq(dps_ipv4_build(h, sizeof(h), PEER_IP, OUR_IP, 17, 8, 1,
		2, false), 20);
	h[0] = 0x46;
	wr_be(h + 2, 2, 28);
	memset(h + 20, 1, 8);
	ip_hdr_csum(h, 24);
	cr_assert_eq(dps_ipv4_check(h, sizeof(h), 0, &v), DPS_DROP_NONE);
	cr_assert_eq(v.hdr_len, 24);
	cr_assert_eq(v.l4_off, 24);
	cr_assert_eq(v.l4_len, 4);
	cr_assert_eq(v.ttl, 1);
	cr_assert_eq(v.id, 2);
}

Test(wire, ipv4_build_offload_and_caps)
{
	struct dps_ipv4_view v;
	uint8_t h[20];

	cr_assert_eq(dps_ipv4_build(h, 20, PEER_IP, OUR_IP, 6, 100, 64, 9,
		true), 20);
	cr_assert_eq(rd16(h + 10), 0);
	cr_assert_eq(dps_ipv4_check(h, 20, 0, &v), DPS_DROP_ip_bad_totlen);
	/* Header-only datagram, checksum left to the NIC. */
	cr_assert_eq(dps_ipv4_build(h, 20, PEER_IP, OUR_IP, 6, 0, 64, 9,
		true), 20);
	cr_assert_eq(dps_ipv4_check(h, 20, 0, &v), DPS_DROP_ip_bad_csum);
	cr_assert_eq(dps_ipv4_check(h, 20, DPS_CSUM_IP_GOOD, &v),
		DPS_DROP_NONE);
	cr_assert_eq(dps_ipv4_check(h, 20, DPS_CSUM_IP_GOOD | DPS_CSUM_IP_BAD,
		&v), DPS_DROP_ip_bad_csum);

	cr_assert_eq(dps_ipv4_build(h, 19, PEER_IP, OUR_IP, 6, 0, 64, 9,
		false), 0);
	cr_assert_eq(dps_ipv4_build(h, 20, PEER_IP, OUR_IP, 6, 65516, 64, 9,
		false), 0);
	cr_assert_eq(dps_eth_build(h, 13, &our_mac, &peer_mac, 0x0800), 0);
	cr_assert_eq(dps_arp_build(h, 20, 1, &our_mac, &peer_mac, 0, NULL, 0),
		0);
	cr_assert_eq(dps_icmp_echo_build(h, 7, ICMP_ECHO, 1, 1, NULL, 0), 0);
	cr_assert_eq(dps_icmp_echo_build(h, 20, ICMP_ECHO, 1, 1, h, 13), 0);
	cr_assert_eq(dps_icmp_echo_build(h, 20, ICMP_ECHO, 1, 1, NULL, 0), 8);
}

Test(wire, echo_to_reply_keeps_checksum_valid)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t data[300], a[308], b[308];
	struct dps_icmp_view v;

	for (int iter = 0; iter < 2000; iter++) {
		size_t n = (size_t)(iter % 300);

		for (size_t i = 0; i < n; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			data[i] = (uint8_t)seed;
		}
		cr_assert_eq(dps_icmp_echo_build(a, sizeof(a), ICMP_ECHO,
			(uint16_t)seed, (uint16_t)iter, data, n), 8 + n);
		dps_icmp_echo_to_reply(a, (uint32_t)(8 + n));
		cr_assert_eq(a[0], ICMP_ECHOREPLY);
		cr_assert_eq(dps_csum_raw(a, 8 + n), 0xffff);
		/* Same bytes as building the reply from scratch. */
		dps_icmp_echo_build(b, sizeof(b), ICMP_ECHOREPLY,
			(uint16_t)seed, (uint16_t)iter, data, n);
		cr_assert_eq(memcmp(a, b, 8 + n), 0, "iter %d", iter);
		cr_assert_eq(dps_icmp_check(a, (uint32_t)(8 + n), &v),
			DPS_DROP_NONE);
		cr_assert_eq(v.type, ICMP_ECHOREPLY);
	}
	/* Not an echo request: untouched. */
	dps_icmp_echo_to_reply(a, 8);
	cr_assert_eq(a[0], ICMP_ECHOREPLY);
}

/* ---- errno ------------------------------------------------------------- */

Test(wire, icmp_errno_table)
{
	static const struct {
		uint8_t type, code;
		int err;
		bool fatal;
	} t[] = {
		{ 3, 0, ENETUNREACH, false }, { 3, 1, EHOSTUNREACH, false },
		{ 3, 2, ENOPROTOOPT, true }, { 3, 3, ECONNREFUSED, true },
		{ 3, 4, EMSGSIZE, false }, { 3, 5, EOPNOTSUPP, false },
		{ 3, 6, ENETUNREACH, true }, { 3, 7, EHOSTDOWN, true },
		{ 3, 8, ENONET, true }, { 3, 9, ENETUNREACH, true },
		{ 3, 10, EHOSTUNREACH, true }, { 3, 11, ENETUNREACH, false },
		{ 3, 12, EHOSTUNREACH, false }, { 3, 13, EHOSTUNREACH, true },
		{ 3, 14, EHOSTUNREACH, true }, { 3, 15, EHOSTUNREACH, true },
		{ 3, 16, 0, false }, { 3, 255, 0, false },
		{ 11, 0, EHOSTUNREACH, false }, { 11, 1, EHOSTUNREACH, false },
		{ 12, 0, EPROTO, true },
		{ 0, 0, 0, false }, { 8, 0, 0, false }, { 5, 1, 0, false },
		{ 4, 0, 0, false },
	};

	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		bool fatal = !t[i].fatal;
		int err = dps_icmp_errno(t[i].type, t[i].code, &fatal);

		cr_expect_eq(err, t[i].err, "type %u code %u: errno %d",
			t[i].type, t[i].code, err);
		cr_expect_eq(fatal, t[i].fatal, "type %u code %u: fatal %d",
			t[i].type, t[i].code, fatal);
	}
}

/* ---- malformed frames -------------------------------------------------- */

enum base { B_ARP, B_UDP, B_TCP, B_ECHO, B_ERR, B_UDP_PAD, B__MAX };

#define FIX_IP	0x1
#define FIX_L4	0x2

struct poke {
	uint16_t off;
	uint8_t n;	/* bytes, big-endian; 0 ends the list */
	uint32_t val;
};

struct bad_row {
	const char *name;
	enum base base;
	struct poke pokes[3];
	unsigned int fix;
	uint32_t cut;		/* new frame length, 0 = keep */
	unsigned int csum;
	int expect;
};

#define P(o, n, v)	{ (o), (n), (v) }
#define A		(IP_OFF + 0)	/* ARP body starts where IPv4 would */

static const struct bad_row bad_rows[] = {
	{ "eth truncated", B_ARP, {}, 0, 13, 0, DPS_DROP_eth_truncated },
	{ "eth one byte", B_UDP, {}, 0, 1, 0, DPS_DROP_eth_truncated },
	{ "eth other unicast dst", B_UDP, { P(5, 1, 9) }, 0, 0, 0,
		DPS_DROP_eth_not_for_us },
	{ "eth unknown type", B_UDP, { P(12, 2, 0x1234) }, 0, 0, 0,
		DPS_DROP_eth_unknown_type },
	{ "eth vlan", B_UDP, { P(12, 2, 0x8100) }, 0, 0, 0,
		DPS_DROP_eth_unknown_type },
	{ "eth ipv6", B_UDP, { P(12, 2, 0x86dd) }, 0, 0, 0,
		DPS_DROP_eth_unknown_type },
	{ "arp no body", B_ARP, {}, 0, 14, 0, DPS_DROP_arp_truncated },
	{ "arp truncated", B_ARP, {}, 0, 41, 0, DPS_DROP_arp_truncated },
	{ "arp bad htype", B_ARP, { P(A, 2, 6) }, 0, 0, 0,
		DPS_DROP_arp_bad_format },
	{ "arp bad ptype", B_ARP, { P(A + 2, 2, 0x86dd) }, 0, 0, 0,
		DPS_DROP_arp_bad_format },
	{ "arp bad hlen", B_ARP, { P(A + 4, 1, 8) }, 0, 0, 0,
		DPS_DROP_arp_bad_format },
	{ "arp bad plen", B_ARP, { P(A + 5, 1, 16) }, 0, 0, 0,
		DPS_DROP_arp_bad_format },
	{ "arp bad op", B_ARP, { P(A + 6, 2, 3) }, 0, 0, 0,
		DPS_DROP_arp_bad_op },
	{ "arp op 0", B_ARP, { P(A + 6, 2, 0) }, 0, 0, 0,
		DPS_DROP_arp_bad_op },
	{ "arp multicast sha", B_ARP, { P(A + 8, 1, 0x01) }, 0, 0, 0,
		DPS_DROP_arp_bad_sender },
	{ "arp zero sha", B_ARP, { P(A + 8, 4, 0), P(A + 12, 2, 0) }, 0, 0,
		0, DPS_DROP_arp_bad_sender },
	{ "arp loopback spa", B_ARP, { P(A + 14, 4, IPA(127, 0, 0, 1)) }, 0,
		0, 0, DPS_DROP_arp_bad_sender },
	{ "arp bcast spa", B_ARP, { P(A + 14, 4, 0xffffffff) }, 0, 0, 0,
		DPS_DROP_arp_bad_sender },
	{ "arp multicast spa", B_ARP, { P(A + 14, 4, IPA(224, 0, 0, 1)) }, 0,
		0, 0, DPS_DROP_arp_bad_sender },
	{ "arp target not ours", B_ARP, { P(A + 24, 4, IPA(10, 0, 0, 99)) },
		0, 0, 0, DPS_DROP_arp_not_for_us },
	{ "ip no header", B_UDP, {}, 0, 14, 0, DPS_DROP_ip_truncated },
	{ "ip truncated", B_UDP, {}, 0, 33, 0, DPS_DROP_ip_truncated },
	{ "ip version 6", B_UDP, { P(IP_OFF, 1, 0x65) }, 0, 0, 0,
		DPS_DROP_ip_bad_version },
	{ "ip version 0", B_UDP, { P(IP_OFF, 1, 0x05) }, 0, 0, 0,
		DPS_DROP_ip_bad_version },
	{ "ip ihl 4", B_UDP, { P(IP_OFF, 1, 0x44) }, 0, 0, 0,
		DPS_DROP_ip_bad_ihl },
	{ "ip ihl 0", B_UDP, { P(IP_OFF, 1, 0x40) }, 0, 0, 0,
		DPS_DROP_ip_bad_ihl },
	{ "ip ihl beyond frame", B_UDP, { P(IP_OFF, 1, 0x4f) }, 0, 0, 0,
		DPS_DROP_ip_bad_ihl },
	{ "ip tot_len beyond frame", B_UDP, { P(IP_OFF + 2, 2, 41) }, FIX_IP,
		0, 0, DPS_DROP_ip_bad_totlen },
	{ "ip tot_len < ihl", B_UDP, { P(IP_OFF + 2, 2, 19) }, FIX_IP, 0, 0,
		DPS_DROP_ip_bad_totlen },
	{ "ip cut at l4 start", B_UDP, {}, 0, L4_OFF, 0,
		DPS_DROP_ip_bad_totlen },
	{ "ip cut in udp header", B_UDP, {}, 0, L4_OFF + 4, 0,
		DPS_DROP_ip_bad_totlen },
	{ "ip cut in padded frame", B_UDP_PAD, {}, 0, 43, 0,
		DPS_DROP_ip_bad_totlen },
	{ "ip bad csum", B_UDP, { P(IP_OFF + 8, 1, 1) }, 0, 0, 0,
		DPS_DROP_ip_bad_csum },
	{ "ip nic says bad", B_UDP, {}, 0, 0, DPS_CSUM_IP_BAD,
		DPS_DROP_ip_bad_csum },
	{ "ip src multicast", B_UDP, { P(IP_OFF + 12, 4, IPA(224, 0, 0, 5)) },
		FIX_IP, 0, 0, DPS_DROP_ip_bad_src },
	{ "ip src loopback", B_UDP, { P(IP_OFF + 12, 4, IPA(127, 0, 0, 1)) },
		FIX_IP, 0, 0, DPS_DROP_ip_bad_src },
	{ "ip src zero", B_UDP, { P(IP_OFF + 12, 4, 0) }, FIX_IP, 0, 0,
		DPS_DROP_ip_bad_src },
	{ "ip src 0/8", B_UDP, { P(IP_OFF + 12, 4, IPA(0, 1, 2, 3)) }, FIX_IP,
		0, 0, DPS_DROP_ip_bad_src },
	{ "ip src lbcast", B_UDP, { P(IP_OFF + 12, 4, 0xffffffff) }, FIX_IP,
		0, 0, DPS_DROP_ip_bad_src },
	{ "ip src class e", B_UDP, { P(IP_OFF + 12, 4, IPA(240, 1, 2, 3)) },
		FIX_IP, 0, 0, DPS_DROP_ip_bad_src },
	{ "ip src our bcast", B_UDP, { P(IP_OFF + 12, 4, IPA(10, 0, 0, 255)) },
		FIX_IP, 0, 0, DPS_DROP_ip_bad_src },
	{ "ip dst other host", B_UDP, { P(IP_OFF + 16, 4, IPA(10, 0, 0, 77)) },
		FIX_IP, 0, 0, DPS_DROP_ip_not_for_us },
	{ "ip dst multicast", B_UDP, { P(IP_OFF + 16, 4, IPA(224, 0, 0, 1)) },
		FIX_IP, 0, 0, DPS_DROP_ip_not_for_us },
	{ "ip dst network addr", B_UDP, { P(IP_OFF + 16, 4, IPA(10, 0, 0, 0)) },
		FIX_IP, 0, 0, DPS_DROP_ip_not_for_us },
	{ "ip dst outside prefixes", B_UDP,
		{ P(IP_OFF + 16, 4, IPA(172, 16, 0, 255)) }, FIX_IP, 0, 0,
		DPS_DROP_ip_not_for_us },
	{ "ip more fragments", B_UDP, { P(IP_OFF + 6, 2, 0x2000) }, FIX_IP, 0,
		0, DPS_DROP_ip_fragment },
	{ "ip fragment offset", B_UDP, { P(IP_OFF + 6, 2, 0x4001) }, FIX_IP, 0,
		0, DPS_DROP_ip_fragment },
	{ "icmp truncated", B_ECHO, { P(IP_OFF + 2, 2, 27) }, FIX_IP, 0, 0,
		DPS_DROP_icmp_truncated },
	{ "icmp empty", B_ECHO, { P(IP_OFF + 2, 2, 20) }, FIX_IP, 0, 0,
		DPS_DROP_icmp_truncated },
	{ "icmp bad csum", B_ECHO, { P(L4_OFF + 8, 1, 0xaa) }, 0, 0, 0,
		DPS_DROP_icmp_bad_csum },
	{ "icmp csum bounded by tot_len", B_ECHO, { P(IP_OFF + 2, 2, 40) },
		FIX_IP, 0, 0, DPS_DROP_icmp_bad_csum },
	{ "icmp timestamp", B_ECHO, { P(L4_OFF, 1, 13) }, FIX_L4, 0, 0,
		DPS_DROP_icmp_unknown_type },
	{ "icmp redirect", B_ERR, { P(L4_OFF, 1, 5) }, FIX_L4, 0, 0,
		DPS_DROP_icmp_unknown_type },
	{ "icmp quote ip only", B_ERR, { P(IP_OFF + 2, 2, 20 + 8 + 20) },
		FIX_IP | FIX_L4, 0, 0, DPS_DROP_icmp_bad_quote },
	{ "icmp quote 7 bytes l4", B_ERR, { P(IP_OFF + 2, 2, 20 + 8 + 27) },
		FIX_IP | FIX_L4, L4_OFF + 8 + 27, 0, DPS_DROP_icmp_bad_quote },
	{ "icmp quote short ip", B_ERR, { P(IP_OFF + 2, 2, 20 + 8 + 19) },
		FIX_IP | FIX_L4, 0, 0, DPS_DROP_icmp_bad_quote },
	{ "icmp quote version 6", B_ERR, { P(L4_OFF + 8, 1, 0x65) }, FIX_L4,
		0, 0, DPS_DROP_icmp_bad_quote },
	{ "icmp quote ihl 4", B_ERR, { P(L4_OFF + 8, 1, 0x44) }, FIX_L4, 0, 0,
		DPS_DROP_icmp_bad_quote },
	{ "icmp quote ihl beyond", B_ERR, { P(L4_OFF + 8, 1, 0x4f) }, FIX_L4,
		0, 0, DPS_DROP_icmp_bad_quote },
	{ "udp truncated", B_UDP, { P(IP_OFF + 2, 2, 27) }, FIX_IP, 0, 0,
		DPS_DROP_udp_truncated },
	{ "udp len beyond payload", B_UDP, { P(L4_OFF + 4, 2, 21) }, 0, 0, 0,
		DPS_DROP_udp_truncated },
	{ "udp len < 8", B_UDP, { P(L4_OFF + 4, 2, 7) }, 0, 0, 0,
		DPS_DROP_udp_truncated },
	{ "udp bad csum", B_UDP, { P(L4_OFF + 8, 1, 0xaa) }, 0, 0, 0,
		DPS_DROP_udp_bad_csum },
	{ "udp nic says bad", B_UDP, {}, 0, 0, DPS_CSUM_L4_BAD,
		DPS_DROP_udp_bad_csum },
	{ "udp len into padding", B_UDP_PAD, { P(L4_OFF + 4, 2, 20) }, 0, 0,
		0, DPS_DROP_udp_truncated },
	{ "tcp truncated", B_TCP, { P(IP_OFF + 2, 2, 39) }, FIX_IP, 0, 0,
		DPS_DROP_tcp_truncated },
	{ "tcp doff 4", B_TCP, { P(L4_OFF + 12, 1, 0x40) }, 0, 0, 0,
		DPS_DROP_tcp_truncated },
	{ "tcp doff beyond segment", B_TCP, { P(L4_OFF + 12, 1, 0xf0) }, 0, 0,
		0, DPS_DROP_tcp_truncated },
	{ "tcp bad csum", B_TCP, { P(L4_OFF + 20, 1, 0xff) }, 0, 0, 0,
		DPS_DROP_tcp_bad_csum },
	{ "tcp nic says bad", B_TCP, {}, 0, 0, DPS_CSUM_L4_BAD,
		DPS_DROP_tcp_bad_csum },
	{ "tcp to directed bcast", B_TCP,
		{ P(IP_OFF + 16, 4, IPA(10, 0, 0, 255)) }, FIX_IP | FIX_L4, 0,
		0, DPS_DROP_ip_not_for_us },
	{ "tcp to limited bcast", B_TCP, { P(IP_OFF + 16, 4, 0xffffffff) },
		FIX_IP | FIX_L4, 0, 0, DPS_DROP_ip_not_for_us },
};

/* The valid frame a row (or a random mutation) starts from. */
static void
mk_base(struct frame *f, enum base b)
{
	switch (b) {
	case B_ARP:
		mk_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
		break;
	case B_UDP:
		mk_udp(f, PEER_IP, OUR_IP, 12);
		break;
	case B_UDP_PAD:
		mk_udp(f, PEER_IP, OUR_IP, 2);
		memset(f->b + f->len, 0, 60 - f->len);
		f->len = 60;
		break;
	case B_TCP:
		mk_tcp(f, OUR_IP, RTE_TCP_ACK_FLAG, 0, 8);
		break;
	case B_ECHO:
		mk_echo(f, OUR_IP, 16);
		break;
	case B_ERR:
	default:
		mk_icmp_err(f, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
		break;
	}
}

Test(wire, malformed_frames)
{
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;

	cr_assert_geq(RTE_DIM(bad_rows), 25);
	for (unsigned int i = 0; i < RTE_DIM(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		int rc;

		mk_base(&f, r->base);
		/* The unmutated base must pass. */
		rc = classify(&f, 0, &out, &cnt, 0);
		cr_assert_eq(rc, DPS_DROP_NONE, "%s: base dropped as %s",
			r->name, rname(rc));
		for (unsigned int k = 0; k < 3 && r->pokes[k].n != 0; k++)
			wr_be(f.b + r->pokes[k].off, r->pokes[k].n,
				r->pokes[k].val);
		if (r->fix & FIX_IP)
			fix_ip(f.b, f.len);
		if (r->fix & FIX_L4)
			fix_l4(f.b, f.len);
		if (r->cut != 0)
			f.len = r->cut;
		rc = classify(&f, r->csum, &out, &cnt, i & 1);
		cr_expect_eq(rc, r->expect, "%s: got %s, want %s", r->name,
			rname(rc),
			dps_drop_reason_name(r->expect));
		cr_expect_eq(cnt.drop[r->expect], 1, "%s: %s counted %lu",
			r->name, dps_drop_reason_name(r->expect),
			(unsigned long)cnt.drop[r->expect]);
		cr_expect_eq(dps_counters_total_drops(&cnt), 1,
			"%s: %lu drops counted", r->name,
			(unsigned long)dps_counters_total_drops(&cnt));
	}
}

/* ---- randomized mutations ---------------------------------------------- */

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Views of an accepted frame must stay inside the frame. */
static void
check_accepted_view(const struct dps_rx_pkt *out, uint32_t len)
{
	if (out->kind == DPS_RX_ARP)
		return;
	cr_assert_leq(ETH_LEN + out->ip.tot_len, len);
	cr_assert_eq(out->ip.l4_off + out->ip.l4_len, out->ip.tot_len);
	cr_assert_geq(out->ip.hdr_len, 20);
	if (out->kind == DPS_RX_UDP || out->kind == DPS_RX_TCP)
		cr_assert_leq(out->l4.hdr_len + out->l4.payload_len,
			out->ip.l4_len);
	if (out->kind == DPS_RX_ICMP)
		cr_assert_geq(out->ip.l4_len, 8);
}

/* One random mutation of a valid frame: byte writes, maybe a cut, maybe
 * repaired checksums so the damage reaches the deeper layers. */
static unsigned int
mutate(struct frame *f, uint64_t *s)
{
	unsigned int n = (unsigned int)(xorshift(s) % 5);
	unsigned int csum = 0;

	for (unsigned int k = 0; k < n; k++) {
		uint32_t span = xorshift(s) % 4 ? RTE_MIN(f->len, 70u) : f->len;
		uint32_t off = (uint32_t)(xorshift(s) % span);

		f->b[off] = (uint8_t)xorshift(s);
	}
	if (xorshift(s) % 4 == 0)
		f->len = 1 + (uint32_t)(xorshift(s) % f->len);
	if (xorshift(s) % 2)
		fix_ip(f->b, f->len);
	if (xorshift(s) % 2)
		fix_l4(f->b, f->len);
	if (xorshift(s) % 8 == 0)
		csum = (unsigned int)(xorshift(s) % 16);
	return csum;
}

Test(wire, random_mutations_count_one_drop)
{
	uint64_t seed = 0x2545f4914f6cdd1dull;
	unsigned int seen[DPS_DROP__MAX] = { 0 };
	unsigned int accepted = 0, distinct = 0;
	struct dps_rx_pkt out;
	struct dps_counters cnt;
	struct frame f;

	for (int iter = 0; iter < 20000; iter++) {
		unsigned int csum;
		int rc;

		mk_base(&f, (enum base)(xorshift(&seed) % B__MAX));
		csum = mutate(&f, &seed);
		rc = classify(&f, csum, &out, &cnt, iter & 1);
		if (rc == DPS_DROP_NONE) {
			cr_assert_eq(dps_counters_total_drops(&cnt), 0);
			check_accepted_view(&out, f.len);
			accepted++;
			continue;
		}
		cr_assert(rc >= 0 && rc < DPS_DROP__MAX, "iter %d: rc %d",
			iter, rc);
		cr_assert_eq(cnt.drop[rc], 1, "iter %d: %s", iter,
			rname(rc));
		cr_assert_eq(dps_counters_total_drops(&cnt), 1, "iter %d: %s",
			iter, rname(rc));
		seen[rc]++;
	}
	for (int i = 0; i < DPS_DROP__MAX; i++)
		distinct += seen[i] != 0;
	cr_log_info("accepted %u of 20000, %u distinct drop reasons",
		accepted, distinct);
	cr_assert_gt(accepted, 100);
	cr_assert_geq(distinct, 20);
}

/* A NULL counter block is allowed and counts nothing. */
Test(wire, classify_null_counters)
{
	struct dps_rx_pkt out;
	struct frame f;

	mk_base(&f, B_UDP);
	f.b[5] = 9;
	cr_assert_eq(dps_rx_classify(&ifc, f.b, f.len, 0, &out, NULL),
		DPS_DROP_eth_not_for_us);
}

/* ---- the fast path against the general one ------------------------------ */

/* The views a TCP or UDP packet defines, field by field (the padding
 * between fields is not part of them). */
static void
assert_same_l4_pkt(const struct dps_rx_pkt *a, const struct dps_rx_pkt *b, int iter)
{
	cr_assert_eq(a->kind, b->kind, "iter %d", iter);
	cr_assert(rte_is_same_ether_addr(&a->eth.dst, &b->eth.dst), "iter %d", iter);
	cr_assert(rte_is_same_ether_addr(&a->eth.src, &b->eth.src), "iter %d", iter);
	cr_assert_eq(a->eth.ethertype, b->eth.ethertype, "iter %d", iter);
	cr_assert_eq(a->eth.hdr_len, b->eth.hdr_len, "iter %d", iter);
	cr_assert_eq(a->ip.hdr_len, b->ip.hdr_len, "iter %d", iter);
	cr_assert_eq(a->ip.tot_len, b->ip.tot_len, "iter %d", iter);
	cr_assert_eq(a->ip.id, b->ip.id, "iter %d", iter);
	cr_assert_eq(a->ip.proto, b->ip.proto, "iter %d", iter);
	cr_assert_eq(a->ip.ttl, b->ip.ttl, "iter %d", iter);
	cr_assert_eq(a->ip.tos, b->ip.tos, "iter %d", iter);
	cr_assert_eq(a->ip.fragment, b->ip.fragment, "iter %d", iter);
	cr_assert_eq(a->ip.src, b->ip.src, "iter %d", iter);
	cr_assert_eq(a->ip.dst, b->ip.dst, "iter %d", iter);
	cr_assert_eq(a->ip.l4_off, b->ip.l4_off, "iter %d", iter);
	cr_assert_eq(a->ip.l4_len, b->ip.l4_len, "iter %d", iter);
	cr_assert_eq(a->ip_bcast, b->ip_bcast, "iter %d", iter);
	cr_assert_eq(a->l4.sport, b->l4.sport, "iter %d", iter);
	cr_assert_eq(a->l4.dport, b->l4.dport, "iter %d", iter);
	cr_assert_eq(a->l4.hdr_len, b->l4.hdr_len, "iter %d", iter);
	cr_assert_eq(a->l4.payload_len, b->l4.payload_len, "iter %d", iter);
	cr_assert_eq(a->l4.tcp_flags, b->l4.tcp_flags, "iter %d", iter);
}

/* A TCP or UDP frame between addresses drawn from those the checks tell
 * apart: ours, our broadcasts, a /32 of ours, martians, strangers. */
static void
mk_fast_candidate(struct frame *f, uint64_t *s)
{
	static const uint32_t srcs[] = {
		PEER_IP, IP(10, 0, 0, 3), IP(10, 0, 0, 255), IP(192, 168, 255, 255),
		IP(172, 16, 0, 11), FAR_IP, IP(127, 0, 0, 1), IP(224, 0, 0, 1),
		IP(0, 1, 2, 3), IP(255, 255, 255, 255),
	};
	static const uint32_t dsts[] = {
		OUR_IP, IP(192, 168, 7, 5), IP(172, 16, 0, 9), OUR_BCAST,
		IP(192, 168, 255, 255), IP(255, 255, 255, 255), FAR_IP,
		IP(10, 0, 0, 3),
	};
	uint32_t src = srcs[xorshift(s) % RTE_DIM(srcs)];
	uint32_t dst = dsts[xorshift(s) % RTE_DIM(dsts)];
	uint16_t data = (uint16_t)(xorshift(s) % 64);

	if (xorshift(s) % 2) {
		mk_tcp(f, dst, (uint8_t)xorshift(s), (uint8_t)(4 * (xorshift(s) % 11)),
			data);
	} else {
		mk_udp(f, PEER_IP, dst, data);
		if (xorshift(s) % 4 == 0)
			wr_be(f->b + L4_OFF + 6, 2, 0);	/* no checksum */
	}
	memcpy(f->b + IP_OFF + 12, &src, 4);
	if (xorshift(s) % 8 == 0)
		memcpy(f->b, &bcast_mac, sizeof(bcast_mac));
	if (xorshift(s) % 8 == 0) {	/* Ethernet padding */
		memset(f->b + f->len, 0, 8);
		f->len += 8;
	}
	fix_ip(f->b, f->len);
	fix_l4(f->b, f->len);
}

/*
 * dps_rx_fast() against dps_rx_classify_general(): whatever the fast path
 * takes the general one takes with the same views, and the unmutated
 * TCP and UDP frames to our unicast addresses it does take. And
 * dps_rx_classify(), the two together, decides and counts as the
 * general path alone on every frame.
 */
Test(wire, fast_path_matches_general)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned int fast = 0, general_only = 0;

	for (int iter = 0; iter < 40000; iter++) {
		struct dps_counters c_gen, c_all;
		struct dps_rx_pkt p_fast, p_gen, p_all;
		unsigned int csum = 0;
		bool plain = iter % 4 == 0, ok;
		struct frame f;
		uint8_t *buf;
		int rc, rc_all;

		if (iter % 2)
			mk_fast_candidate(&f, &seed);
		else
			mk_base(&f, (enum base)(xorshift(&seed) % B__MAX));
		if (!plain)
			csum = mutate(&f, &seed);
		buf = malloc(f.len);
		cr_assert_not_null(buf);
		memcpy(buf, f.b, f.len);
		memset(&p_fast, 0xa5, sizeof(p_fast));
		memset(&c_gen, 0, sizeof(c_gen));
		memset(&c_all, 0, sizeof(c_all));
		ok = dps_rx_fast(&ifc, buf, f.len, csum, &p_fast);
		rc = dps_rx_classify_general(&ifc, buf, f.len, csum, &p_gen, &c_gen);
		rc_all = dps_rx_classify(&ifc, buf, f.len, csum, &p_all, &c_all);
		free(buf);
		cr_assert_eq(rc_all, rc, "iter %d: %s, general %s", iter, rname(rc_all),
			rname(rc));
		cr_assert_eq(memcmp(&c_all, &c_gen, sizeof(c_gen)), 0, "iter %d", iter);
		if (ok) {
			cr_assert_eq(rc, DPS_DROP_NONE, "iter %d: fast took what the "
				"general path drops as %s", iter, rname(rc));
			assert_same_l4_pkt(&p_fast, &p_gen, iter);
			assert_same_l4_pkt(&p_all, &p_gen, iter);
			fast++;
		} else if (rc == DPS_DROP_NONE && (p_gen.kind == DPS_RX_TCP ||
				p_gen.kind == DPS_RX_UDP)) {
			/* Left to the general path: a group MAC, a broadcast
			 * destination or IPv4 options, nothing else. */
			cr_assert(rte_is_multicast_ether_addr(&p_gen.eth.dst) ||
				p_gen.ip_bcast || p_gen.ip.hdr_len != 20,
				"iter %d: a plain frame missed the fast path", iter);
			general_only++;
		}
		if (plain && iter % 2 == 0 && rc == DPS_DROP_NONE &&
				(p_gen.kind == DPS_RX_TCP || p_gen.kind == DPS_RX_UDP))
			cr_assert(ok, "iter %d: an unmutated base missed the fast path", iter);
	}
	cr_log_info("fast path took %u frames, the general path alone %u", fast,
		general_only);
	cr_assert_gt(fast, 5000);
	cr_assert_gt(general_only, 100);
}

/* The broadcast test's shortcut (an address not ending in binary 11 is
 * no broadcast) against the plain definition, for every prefix length
 * and addresses around each prefix's broadcast. */
Test(wire, bcast_shortcut_matches_definition)
{
	uint64_t seed = 0x1234567887654321ull;

	for (unsigned int plen = 0; plen <= 32; plen++) {
		uint32_t mask = plen == 0 ? 0 : UINT32_MAX << (32 - plen);
		struct dps_ifaddr a = { RTE_BE32(IPA(198, 18, 5, 77)), rte_cpu_to_be_32(mask) };
		struct dps_rx_iface one = { .addrs = &a, .n_addrs = 1 };

		for (int k = 0; k < 2000; k++) {
			uint32_t h = rte_be_to_cpu_32(a.addr) | ~mask;
			uint32_t x = k < 16 ? h ^ (uint32_t)k : (uint32_t)xorshift(&seed);
			bool want = x == UINT32_MAX || (plen <= 30 && x == h);

			cr_assert_eq(dps_rx_iface_is_bcast(&one, rte_cpu_to_be_32(x)), want,
				"/%u 0x%08x", plen, x);
		}
	}
}
