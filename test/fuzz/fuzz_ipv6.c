/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the IPv6 receive path of lib/wire (dps_wire6.h) on
 * one packet from its IPv6 header on: dps_ipv6_rx() (header and
 * extension-header walk), then dps_icmp6_check() with dps_nd_check()
 * for ICMPv6, and the builders on what they accepted. Pure code: no EAL.
 *
 * Input: one byte of settings, then the packet. Settings: bit 0 fill in
 * a correct ICMPv6 checksum where the walk ends in ICMPv6 (so the
 * fuzzer gets past it), bit 1 set the hop limit to 255 (so ND messages
 * get past their first check).
 *
 * The packet sits in a heap buffer of exactly its length: ASan sees any
 * read past it. Checks beyond memory safety: the reason is a valid drop
 * reason; an accepted packet's upper layer lies inside it, is TCP, UDP
 * or ICMPv6, and is no fragment but an atomic one; a parameter problem
 * comes only with the reasons that owe one and points inside the
 * packet; an accepted NS or NA keeps RFC 4861 7.1 (hop limit 255, target
 * not a group, no solicited NA to a group, no SLLA from ::) and, built
 * again from its view, parses back to the same view; our answer to an
 * NS is an NA for its target, solicited unless the NS came from ::; an
 * accepted echo built again is the same message, and its reply made in
 * place checks; an error quoting any accepted packet fits in 1280 bytes
 * and parses back naming its addresses. The runtime's whole decision,
 * dps_ip6_rx_decide(), runs on the same packet against an interface
 * with US (preferred) and a tentative link-local address: it refuses what
 * dps_ipv6_rx() refuses, accepts only packets for the interface, owes no
 * parameter problem about a packet to a tentative address, and lets
 * nothing but ND reach a tentative one. A TCP or UDP upper layer goes
 * through dps_tcp6_check() / dps_udp6_check() (bit 0 fills its checksum
 * too): what they accept lies inside the upper layer, a UDP datagram
 * accepted has a checksum that is not zero, and one bit flipped in an
 * accepted message's header makes it fail or still check over the same
 * bytes when put back; the NIC's verdict overrides the sum (a GOOD one
 * takes the flipped message, a BAD one drops the right one as a bad
 * checksum). dps_ip6_rx_decide() leaves the verdict 0 (computed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "dps_wire.h"
#include "dps_wire6.h"

static const uint8_t US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b };
static const uint8_t PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_ipv6: %s\n", what);
	abort();
}

/* Correct the ICMPv6, TCP or UDP checksum where the walk ends in one. */
static void
fix_sum(uint8_t *p, uint32_t len)
{
	struct dps_ipv6_view v;
	uint32_t off, n;
	uint16_t c;

	if (dps_ipv6_rx(p, len, &v) != DPS_DROP_NONE)
		return;
	if (v.proto == DPS_IP6_NH_ICMPV6 && v.l4_len >= 4) {
		dps_icmp6_fill_csum(p + v.l4_off, v.l4_len, v.src, v.dst);
		return;
	}
	off = v.proto == IPPROTO_TCP ? 16 : 6;
	if ((v.proto != IPPROTO_TCP && v.proto != IPPROTO_UDP) || v.l4_len < off + 2)
		return;
	n = v.l4_len;
	if (v.proto == IPPROTO_UDP && v.l4_len >= 8) {
		/* The checksum covers the length field's bytes. */
		n = (uint32_t)p[v.l4_off + 4] << 8 | p[v.l4_off + 5];
		if (n < 8 || n > v.l4_len)
			return;
	}
	memset(p + v.l4_off + off, 0, 2);
	c = dps_l4v6_csum(p + v.l4_off, n, v.src, v.dst, v.proto);
	memcpy(p + v.l4_off + off, &c, 2);
}

/* TCP or UDP over IPv6, in a buffer of exactly the upper layer's length. */
static void
check_l4(const uint8_t *m, uint32_t len, const struct dps_ipv6_view *ip)
{
	struct dps_l4_view v;
	uint8_t *b = malloc(len != 0 ? len : 1);
	int rc;

	memcpy(b, m, len);
	rc = ip->proto == IPPROTO_TCP ?
		dps_tcp6_check(b, len, ip->src, ip->dst, 0, &v) :
		dps_udp6_check(b, len, ip->src, ip->dst, 0, &v);
	if (rc < DPS_DROP_NONE || rc >= DPS_DROP__MAX)
		fuzz_fail("l4: reason out of range");
	if (rc == DPS_DROP_NONE) {
		if ((uint32_t)v.hdr_len + v.payload_len > len)
			fuzz_fail("l4: accepted beyond the upper layer");
		if (ip->proto == IPPROTO_UDP && (b[6] | b[7]) == 0)
			fuzz_fail("l4: UDP without a checksum accepted over IPv6");
		if (ip->proto == IPPROTO_TCP && v.payload_len != len - v.hdr_len)
			fuzz_fail("l4: TCP payload is not the rest");
		/* A flipped source port bit must fail the checksum. */
		b[0] ^= 1;
		rc = ip->proto == IPPROTO_TCP ?
			dps_tcp6_check(b, len, ip->src, ip->dst, 0, &v) :
			dps_udp6_check(b, len, ip->src, ip->dst, 0, &v);
		if (rc == DPS_DROP_NONE)
			fuzz_fail("l4: a flipped bit passes the checksum");
		/* The NIC's verdict (dps_ipv6_view.l4_csum): taken over the
		 * sum, which is now wrong, either way. */
		rc = ip->proto == IPPROTO_TCP ?
			dps_tcp6_check(b, len, ip->src, ip->dst, DPS_CSUM_L4_GOOD, &v) :
			dps_udp6_check(b, len, ip->src, ip->dst, DPS_CSUM_L4_GOOD, &v);
		if (rc != DPS_DROP_NONE)
			fuzz_fail("l4: a GOOD verdict not taken");
		b[0] ^= 1;
		rc = ip->proto == IPPROTO_TCP ?
			dps_tcp6_check(b, len, ip->src, ip->dst, DPS_CSUM_L4_BAD, &v) :
			dps_udp6_check(b, len, ip->src, ip->dst, DPS_CSUM_L4_BAD, &v);
		if (rc != (ip->proto == IPPROTO_TCP ? DPS_DROP_tcp_bad_csum :
				DPS_DROP_udp_bad_csum))
			fuzz_fail("l4: a BAD verdict not taken");
	}
	free(b);
}

static void
check_pp(const struct dps_ipv6_view *v, int rc, uint32_t len)
{
	if (!v->pp.send)
		return;
	if (rc != DPS_DROP_ip6_bad_hbh && rc != DPS_DROP_ip6_opt_unknown &&
	    rc != DPS_DROP_ip6_bad_routing && rc != DPS_DROP_ip6_unknown_nexthdr)
		fuzz_fail("parameter problem with a reason that owes none");
	if (v->pp.pointer >= len || v->pp.code > DPS_ICMP6_PP_OPTION)
		fuzz_fail("parameter problem points outside the packet");
}

/* Our answer to an accepted NS: where it is a valid packet (its source
 * is the target, which the NS need not make one), a valid NA for the
 * target, solicited unless the NS came from ::. */
static void
check_na_reply(const struct dps_ipv6_view *ip, const struct dps_nd_view *nd)
{
	static const struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, 0x0b } };
	struct dps_ipv6_view ip2;
	struct dps_icmp6_view ic2;
	uint8_t b[128];
	size_t n;

	n = dps_nd_na_reply(b, sizeof(b), ip, nd, &mac, false);
	if (dps_ipv6_rx(b, (uint32_t)n, &ip2) != DPS_DROP_NONE)
		return;
	if (dps_icmp6_check(b + ip2.l4_off, ip2.l4_len, &ip2, &ic2) !=
	    DPS_DROP_NONE || ic2.type != DPS_ND_NEIGHBOR_ADVERT ||
	    memcmp(ic2.nd.target, nd->target, 16) != 0 ||
	    !(ic2.nd.flags & DPS_ND_NA_SOLICITED) !=
	    dps_ip6_is_unspecified(ip->src))
		fuzz_fail("answer to an NS");
}

/* An accepted NS or NA: RFC 4861 7.1 holds, and it rebuilds. */
static void
check_nd(const struct dps_ipv6_view *ip, const struct dps_icmp6_view *ic)
{
	const struct dps_nd_view *nd = &ic->nd;
	struct dps_ipv6_view ip2;
	struct dps_icmp6_view ic2;
	uint8_t b[128];
	size_t n;

	if (ip->hop_limit != 255 || dps_ip6_is_multicast(nd->target))
		fuzz_fail("ND hop limit or target");
	if (ic->type == DPS_ND_NEIGHBOR_SOLICIT) {
		if (dps_ip6_is_unspecified(ip->src) && nd->has_lla)
			fuzz_fail("SLLA from ::");
		n = dps_nd_ns_build(b, sizeof(b), ip->src, ip->dst, nd->target,
			nd->has_lla ? &nd->lla : NULL,
			nd->has_nonce ? nd->nonce : NULL);
	} else {
		if (dps_ip6_is_multicast(ip->dst) &&
		    (nd->flags & DPS_ND_NA_SOLICITED))
			fuzz_fail("solicited NA to a group");
		n = dps_nd_na_build(b, sizeof(b), ip->src, ip->dst, nd->target,
			nd->flags, nd->has_lla ? &nd->lla : NULL);
	}
	if (dps_ipv6_rx(b, (uint32_t)n, &ip2) != DPS_DROP_NONE ||
	    dps_icmp6_check(b + ip2.l4_off, ip2.l4_len, &ip2, &ic2) !=
	    DPS_DROP_NONE)
		fuzz_fail("rebuilt ND message refused");
	if (ic2.type != ic->type || memcmp(&ic2.nd, nd, sizeof(*nd)) != 0)
		fuzz_fail("rebuilt ND message parses differently");
	if (ic->type == DPS_ND_NEIGHBOR_SOLICIT)
		check_na_reply(ip, nd);
}

/* An accepted echo: built again from its view, the same message (the
 * checksum aside: 0 and 0xffff both check). */
static void
check_echo(const uint8_t *m, uint32_t len, const struct dps_ipv6_view *ip,
	const struct dps_icmp6_view *ic)
{
	uint8_t *b;

	if (ic->code != 0)
		return;		/* the builder writes code 0 */
	b = malloc(len);
	if (dps_icmp6_echo_build(b, len, ic->type, ic->id, ic->seq, m + 8,
			len - 8, ip->src, ip->dst) != len ||
	    memcmp(b, m, 2) != 0 || memcmp(b + 4, m + 4, len - 4) != 0 ||
	    dps_ip6_l4_sum(b, len, ip->src, ip->dst, DPS_IP6_NH_ICMPV6) != 0xffff)
		fuzz_fail("rebuilt echo differs");
	/* The reply made in place checks with the addresses swapped. */
	dps_icmp6_echo_to_reply(b, len);
	if (ic->type == DPS_ICMP6_ECHO_REQUEST &&
	    (b[0] != DPS_ICMP6_ECHO_REPLY ||
	     dps_ip6_l4_sum(b, len, ip->dst, ip->src, DPS_IP6_NH_ICMPV6) != 0xffff))
		fuzz_fail("echo reply in place");
	free(b);
}

/* An error quoting the packet fits the minimum MTU and names it. */
static void
check_error(const uint8_t *p, uint32_t len, const struct dps_ipv6_view *ip)
{
	static uint8_t b[DPS_IPV6_MIN_MTU];
	struct dps_ipv6_view ip2;
	struct dps_icmp6_view ic2;
	size_t n;

	n = dps_icmp6_error_build(b, sizeof(b), DPS_ICMP6_DST_UNREACH,
		DPS_ICMP6_UNREACH_PORT, 0, p, len, US, PEER);
	if (n == 0 || n > DPS_IPV6_MIN_MTU)
		fuzz_fail("error past the minimum MTU");
	if (dps_ipv6_rx(b, (uint32_t)n, &ip2) != DPS_DROP_NONE)
		fuzz_fail("our error refused");
	if (dps_icmp6_check(b + ip2.l4_off, ip2.l4_len, &ip2, &ic2) ==
	    DPS_DROP_NONE && (memcmp(ic2.quote.src, ip->src, 16) != 0 ||
	    memcmp(ic2.quote.dst, ip->dst, 16) != 0))
		fuzz_fail("quote names other addresses");
}

static void
check_accepted(const uint8_t *p, uint32_t len, const struct dps_ipv6_view *v)
{
	struct dps_icmp6_view ic;
	const uint8_t *m = p + v->l4_off;

	if (v->l4_off < DPS_IPV6_HLEN || v->l4_off + v->l4_len > len ||
	    v->n_ext > DPS_IPV6_EXT_MAX)
		fuzz_fail("upper layer outside the packet");
	if (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP &&
	    v->proto != DPS_IP6_NH_ICMPV6)
		fuzz_fail("upper layer not handled");
	if (v->fragment && (v->frag_off != 0 || v->frag_more))
		fuzz_fail("fragment accepted");
	check_error(p, len, v);
	if (v->proto != DPS_IP6_NH_ICMPV6) {
		check_l4(m, v->l4_len, v);
		return;
	}
	if (dps_icmp6_check(m, v->l4_len, v, &ic) != DPS_DROP_NONE)
		return;
	if (ic.type == DPS_ND_NEIGHBOR_SOLICIT || ic.type == DPS_ND_NEIGHBOR_ADVERT)
		check_nd(v, &ic);
	else if (ic.type == DPS_ICMP6_ECHO_REQUEST || ic.type == DPS_ICMP6_ECHO_REPLY)
		check_echo(m, v->l4_len, v, &ic);
	else if (!ic.is_error)
		fuzz_fail("accepted ICMPv6 of an unhandled type");
}

/* The runtime's decision (dps_ip6_rx_decide()) on the same packet. */
static void
check_decide(const uint8_t *p, uint32_t len, int rc_rx)
{
	/* An address, a tentative link-local one, and a range of 769
	 * (2001:db8:1::ff00 to 2001:db8:1::1:200, across a 16-bit carry). */
	static const struct dps_ip6_cand c[3] = {
		{ .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b }, .prefix_len = 64 },
		{ .addr = { 0xfe, 0x80, [15] = 0x0b }, .prefix_len = 64,
			.tentative = true },
		{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [14] = 0xff }, .prefix_len = 64,
			.span = 0x300 },
	};
	struct dps_ip6_rx r;
	int rc = dps_ip6_rx_decide(c, 3, p, len, &r);

	if (rc < DPS_DROP_NONE || rc >= DPS_DROP__MAX)
		fuzz_fail("decision: reason out of range");
	if (rc == DPS_DROP_NONE && rc_rx != DPS_DROP_NONE)
		fuzz_fail("decision accepts what the walk refuses");
	if (rc == DPS_DROP_NONE && r.match == DPS_IP6_DST_OTHER)
		fuzz_fail("decision accepts a packet not for the interface");
	if (r.ip.pp.send && r.match == DPS_IP6_DST_TENTATIVE)
		fuzz_fail("parameter problem about a packet to a tentative address");
	if (rc == DPS_DROP_NONE && r.match == DPS_IP6_DST_TENTATIVE &&
	    (r.ip.proto != DPS_IP6_NH_ICMPV6 ||
	     (r.icmp.type != DPS_ND_NEIGHBOR_SOLICIT &&
	      r.icmp.type != DPS_ND_NEIGHBOR_ADVERT)))
		fuzz_fail("more than ND reaches a tentative address");
	if (rc == DPS_DROP_NONE && r.ip.proto == DPS_IP6_NH_ICMPV6 &&
	    r.icmp.type < DPS_ICMP6_ECHO_REQUEST && !r.icmp.is_error)
		fuzz_fail("decision: an ICMPv6 error not marked as one");
	if (rc == DPS_DROP_NONE && r.ip.l4_csum != 0)
		fuzz_fail("decision: a checksum verdict no NIC gave");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dps_ipv6_view v;
	uint32_t len;
	uint8_t *p;
	int rc;

	if (size < 1 || size > 65535 + DPS_IPV6_HLEN)
		return 0;
	len = (uint32_t)(size - 1);
	p = malloc(len != 0 ? len : 1);
	memcpy(p, data + 1, len);
	if ((data[0] & 2) && len > 7)
		p[7] = 255;
	if (data[0] & 1)
		fix_sum(p, len);
	rc = dps_ipv6_rx(p, len, &v);
	if (rc < DPS_DROP_NONE || rc >= DPS_DROP__MAX)
		fuzz_fail("reason out of range");
	check_pp(&v, rc, len);
	if (rc == DPS_DROP_NONE)
		check_accepted(p, len, &v);
	check_decide(p, len, rc);
	free(p);
	return 0;
}
