/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: dps_rx_classify() (lib/wire), the whole receive
 * decision for one Ethernet frame, and for TCP the header parse the
 * stack runs next (dps_tcp_seg_parse()). Pure code: no EAL, no mbufs.
 *
 * Input: one byte of settings, then the frame.
 * Settings: bits 0-3 the NIC's checksum verdict (DPS_CSUM_* flags),
 * bit 4 fill in correct IPv4, ICMP, UDP and TCP checksums before the
 * call (so the fuzzer gets past them without the NIC's help), bit 5 a
 * second interface address (a /31, which has no broadcast).
 *
 * The frame sits in a heap buffer of exactly its length: ASan sees any
 * read past it. Checks beyond memory safety: every drop is counted
 * exactly once under a valid reason, and an accepted frame's views lie
 * inside the frame and agree with each other; the receive fast path
 * (dps_rx_fast()) agrees with the general path. dps_csum_raw() (32-byte
 * vector blocks, an AVX2 clone) must equal a plain RFC 1071 sum of the
 * same bytes, at every length and alignment the input gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dps_wire.h"
#include "dps_tcp.h"

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_rx_classify: %s\n", what);
	abort();
}

static void
put_sum(uint8_t *at, uint16_t folded)
{
	uint16_t v = (uint16_t)~folded;

	memcpy(at, &v, 2);
}

/* RFC 1071 one 16-bit word at a time, in the machine's byte order as
 * dps_csum_raw() sums (the odd byte is the first of a zero-padded word). */
static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	uint16_t w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, p + i, 2);
		sum += w;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Correct checksums in place, where the headers leave room for them. */
static void
fix_sums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *l4;
	size_t ihl, tot;
	uint32_t src, dst;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || 14 + ihl > len)
		return;
	memset(ip + 10, 0, 2);
	put_sum(ip + 10, dps_csum_raw(ip, ihl));
	if (tot < ihl || 14 + tot > len)
		return;
	l4 = ip + ihl;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	tot -= ihl;
	if (ip[9] == IPPROTO_ICMP && tot >= 4) {
		memset(l4 + 2, 0, 2);
		put_sum(l4 + 2, dps_csum_raw(l4, tot));
	} else if (ip[9] == IPPROTO_UDP && tot >= 8) {
		size_t ulen = (size_t)l4[4] << 8 | l4[5];

		if (ulen >= 8 && ulen <= tot) {
			memset(l4 + 6, 0, 2);
			put_sum(l4 + 6, dps_l4_sum(l4, (uint32_t)ulen, src, dst,
				IPPROTO_UDP));
		}
	} else if (ip[9] == IPPROTO_TCP && tot >= 20) {
		memset(l4 + 16, 0, 2);
		put_sum(l4 + 16, dps_l4_sum(l4, (uint32_t)tot, src, dst,
			IPPROTO_TCP));
	}
}

/* The views a TCP or UDP packet defines agree, field by field. */
static bool
same_l4_pkt(const struct dps_rx_pkt *a, const struct dps_rx_pkt *b)
{
	return a->kind == b->kind &&
		memcmp(&a->eth, &b->eth, sizeof(a->eth)) == 0 &&
		a->ip.hdr_len == b->ip.hdr_len && a->ip.tot_len == b->ip.tot_len &&
		a->ip.id == b->ip.id && a->ip.proto == b->ip.proto &&
		a->ip.ttl == b->ip.ttl && a->ip.tos == b->ip.tos &&
		a->ip.fragment == b->ip.fragment && a->ip.src == b->ip.src &&
		a->ip.dst == b->ip.dst && a->ip.l4_off == b->ip.l4_off &&
		a->ip.l4_len == b->ip.l4_len && a->ip_bcast == b->ip_bcast &&
		a->l4.sport == b->l4.sport && a->l4.dport == b->l4.dport &&
		a->l4.hdr_len == b->l4.hdr_len &&
		a->l4.payload_len == b->l4.payload_len &&
		a->l4.tcp_flags == b->l4.tcp_flags;
}

/* dps_rx_classify() is the fast path or the general one: the general
 * path alone must decide and count the same, and take with the same
 * views whatever the fast path takes. */
static void
check_fast_path(const struct dps_rx_iface *ifc, const uint8_t *f, uint32_t len,
	unsigned int csum, int rc, const struct dps_counters *cnt,
	const struct dps_rx_pkt *p)
{
	struct dps_counters c_gen;
	struct dps_rx_pkt p_fast, p_gen;
	bool fast;
	int rc_gen;

	memset(&c_gen, 0, sizeof(c_gen));
	fast = dps_rx_fast(ifc, f, len, csum, &p_fast);
	rc_gen = dps_rx_classify_general(ifc, f, len, csum, &p_gen, &c_gen);
	if (rc_gen != rc || memcmp(&c_gen, cnt, sizeof(c_gen)) != 0)
		fuzz_fail("the general path decides otherwise");
	if (fast && (rc_gen != DPS_DROP_NONE || !same_l4_pkt(&p_fast, &p_gen) ||
			!same_l4_pkt(p, &p_gen)))
		fuzz_fail("the fast path disagrees with the general one");
}

/* An accepted frame: its views must lie inside it. */
static void
check_views(const struct dps_rx_pkt *p, const uint8_t *f, uint32_t len)
{
	const struct dps_ipv4_view *ip = &p->ip;
	struct dps_tcp_seg seg;

	if (p->eth.hdr_len != 14 || len < 14)
		fuzz_fail("ethernet header length");
	if (p->kind == DPS_RX_ARP)
		return;
	if (ip->hdr_len < 20 || ip->hdr_len > 60 || ip->l4_off != ip->hdr_len ||
			ip->tot_len < ip->hdr_len || 14u + ip->tot_len > len ||
			ip->l4_len != ip->tot_len - ip->hdr_len)
		fuzz_fail("IPv4 view outside the frame");
	if (ip->fragment)
		fuzz_fail("fragment accepted");
	switch (p->kind) {
	case DPS_RX_ICMP:
		if (p->icmp.payload_off > ip->l4_len)
			fuzz_fail("ICMP payload outside the datagram");
		break;
	case DPS_RX_UDP:
		if (p->l4.hdr_len != 8 ||
				8u + p->l4.payload_len > ip->l4_len)
			fuzz_fail("UDP view outside the datagram");
		break;
	case DPS_RX_TCP:
		if (p->l4.hdr_len < 20 || p->l4.hdr_len > 60 ||
				(uint32_t)p->l4.hdr_len + p->l4.payload_len != ip->l4_len)
			fuzz_fail("TCP view disagrees with IPv4");
		if (p->ip_bcast)
			fuzz_fail("TCP to a broadcast accepted");
		dps_tcp_seg_parse(f + 14 + ip->l4_off, p->l4.hdr_len,
			p->l4.payload_len, &seg);
		if (seg.n_sack > DPS_TCP_SACK_MAX || seg.len != p->l4.payload_len)
			fuzz_fail("TCP segment parse");
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dps_ifaddr addrs[2] = {
		{ 0x020012c6, 0x00ffffff, 0 },	/* 198.18.0.2/24 */
		{ 0x0a0112c6, 0xfeffffff, 1 },	/* 198.18.1.10-11/31 */
	};
	struct dps_rx_iface ifc = {
		.mac = { { 0x02, 0x64, 0x70, 0x73, 0, 0 } },
		.addrs = addrs,
	};
	struct dps_counters cnt;
	struct dps_rx_pkt p;
	uint64_t drops = 0;
	uint32_t len;
	uint8_t *f;
	int rc;

	if (size < 1 || size > 65535)
		return 0;
	len = (uint32_t)(size - 1);
	ifc.n_addrs = (data[0] & 0x20) ? 2 : 1;
	f = malloc(len != 0 ? len : 1);
	memcpy(f, data + 1, len);
	for (uint32_t off = 0; off < 4 && off <= len; off++)
		if (dps_csum_raw(f + off, len - off) != ref_csum(f + off, len - off))
			fuzz_fail("dps_csum_raw() differs from RFC 1071");
	if (data[0] & 0x10)
		fix_sums(f, len);
	memset(&cnt, 0, sizeof(cnt));
	rc = dps_rx_classify(&ifc, f, len, data[0] & 0xf, &p, &cnt);
	check_fast_path(&ifc, f, len, data[0] & 0xf, rc, &cnt, &p);
	for (int i = 0; i < DPS_DROP__MAX; i++)
		drops += cnt.drop[i];
	if (rc == DPS_DROP_NONE) {
		if (drops != 0)
			fuzz_fail("accepted frame counted as a drop");
		check_views(&p, f, len);
	} else if (rc < 0 || rc >= DPS_DROP__MAX || drops != 1 ||
			cnt.drop[rc] != 1) {
		fuzz_fail("drop not counted once under its reason");
	}
	free(f);
	return 0;
}
