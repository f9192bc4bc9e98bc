/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TCP core on a virtual clock: the option parser and
 * header builder (lib/tcp/dps_tcp_wire.c), the active-open state machine
 * (lib/tcp/dps_tcb.c) and the hashed timer wheel (lib/core/dps_timer.c).
 * No EAL is initialised: everything under test is pure and takes the time
 * as an argument, so the whole 131 s SYN schedule runs in microseconds.
 *
 * The expected values come from the Linux kernel of the test machine
 * (6.18), measured with a black-holed peer in a network namespace, or,
 * where marked "derived", from the kernel source.
 *
 * Option bytes handed to the parser are copied into a malloc'ed buffer of
 * exactly their length, so ASan reports any read past the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "dps_timer.h"
#include "tcb_fixture.h"

#define TICK		(1ull << DPS_TW_SHIFT)

/* ---- helpers --------------------------------------------------------- */

/* Build @out and compare every byte with @want. */
static void
assert_bytes(const struct dps_tcp_out *out, const uint8_t *want, size_t len,
	const char *what)
{
	uint8_t buf[80];
	size_t h;

	memset(buf, 0xee, sizeof(buf));
	cr_assert_eq(dps_tcp_out_opt_len(out), len - DPS_TCP_HLEN,
		"%s: option length", what);
	h = dps_tcp_build(buf, sizeof(buf), htons(40000), htons(80), out);
	cr_assert_eq(h, len, "%s: header length %zu, want %zu", what, h, len);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(buf[i], want[i], "%s: byte %zu is %02x, want %02x",
			what, i, buf[i], want[i]);
	cr_assert_eq(buf[len], 0xee, "%s: wrote past the header", what);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- sequence space --------------------------------------------------- */

Test(tcp_seq, comparisons_across_the_wrap)
{
	static const struct {
		uint32_t a, b;
		int sign;		/* of a - b in sequence space */
	} c[] = {
		{ 1, 2, -1 },
		{ 2, 1, 1 },
		{ 5, 5, 0 },
		{ 0xffffffffu, 0, -1 },		/* 2^32-1 is just before 0 */
		{ 0, 0xffffffffu, 1 },
		{ 0xfffffff0u, 0x10, -1 },
		{ 0x10, 0xfffffff0u, 1 },
		{ 0x7fffffffu, 0, 1 },		/* the farthest "after" */
		{ 0, 0x7fffffffu, -1 },
		{ 0x80000001u, 0, -1 },		/* past half: "before" */
		{ 0xffffffffu, 0xffffffffu, 0 },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		uint32_t a = c[i].a, b = c[i].b;
		int s = c[i].sign;

		cr_assert_eq(dps_seq_lt(a, b), s < 0, "lt(%#x, %#x)", a, b);
		cr_assert_eq(dps_seq_leq(a, b), s <= 0, "leq(%#x, %#x)", a, b);
		cr_assert_eq(dps_seq_gt(a, b), s > 0, "gt(%#x, %#x)", a, b);
		cr_assert_eq(dps_seq_geq(a, b), s >= 0, "geq(%#x, %#x)", a, b);
	}
}

/* ---- option parser ---------------------------------------------------- */

/*
 * Parse @len bytes from an exactly sized heap copy. The same block behind
 * a TCP header goes through dps_tcp_seg_parse() too, whose shortcuts for
 * the common layouts (aligned timestamps, the SYN block) must give what
 * the walk gives: every block of these tests checks them.
 */
static void
parse_exact(const uint8_t *bytes, size_t len, struct dps_tcp_opts *o)
{
	uint8_t *p = malloc(len ? len : 1), *h = malloc(DPS_TCP_HLEN + len);
	struct dps_tcp_seg s;

	cr_assert_not_null(p);
	cr_assert_not_null(h);
	if (len != 0)
		memcpy(p, bytes, len);
	memset(o, 0xff, sizeof(*o));	/* the parser must reset */
	dps_tcp_opts_parse(p, len, o);
	memset(h, 0, DPS_TCP_HLEN);
	if (len != 0)
		memcpy(h + DPS_TCP_HLEN, bytes, len);
	memset(&s, 0xff, sizeof(s));
	dps_tcp_seg_parse(h, (uint16_t)(DPS_TCP_HLEN + len), 0, &s);
	cr_assert_eq(memcmp(&s.opt, o, sizeof(*o)), 0,
		"dps_tcp_seg_parse() and the walk differ on a %zu-byte block", len);
	free(h);
	free(p);
}

Test(tcp_opts, parses_linux_synack_block)
{
	static const uint8_t b[] = {
		0x02, 0x04, 0x05, 0xb4,			/* MSS 1460 */
		0x04, 0x02,				/* SACK permitted */
		0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,	/* TS val */
		0x55, 0x66, 0x77, 0x88,			/* TS ecr */
		0x01, 0x03, 0x03, 0x07,			/* NOP, WS 7 */
	};
	struct dps_tcp_opts o;

	parse_exact(b, sizeof(b), &o);
	cr_assert(o.has_mss);
	cr_assert_eq(o.mss, 1460);
	cr_assert(o.sack_ok);
	cr_assert(o.has_ts);
	cr_assert_eq(o.tsval, 0x11223344u);
	cr_assert_eq(o.tsecr, 0x55667788u);
	cr_assert(o.has_ws);
	cr_assert_eq(o.wscale, 7);
}

Test(tcp_opts, empty_block_yields_nothing)
{
	struct dps_tcp_opts o;

	parse_exact(NULL, 0, &o);
	cr_assert(!o.has_mss && !o.has_ws && !o.sack_ok && !o.has_ts);
	cr_assert_eq(o.mss, 0);
	cr_assert_eq(o.wscale, 0);
	cr_assert_eq(o.tsval, 0);
	cr_assert_eq(o.tsecr, 0);
}

Test(tcp_opts, nop_is_skipped_and_eol_ends_the_list)
{
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x02, 0x04, 0x05, 0x78 };
	static const uint8_t eol_mid[] = { 0x02, 0x04, 0x05, 0x78, 0x00, 0x04, 0x02 };
	static const uint8_t eol_first[] = { 0x00, 0x02, 0x04, 0x05, 0x78 };
	static const uint8_t eol_junk[] = { 0x04, 0x02, 0x00, 0xff };
	static const uint8_t only_nops[] = { 0x01, 0x01, 0x01, 0x01 };
	struct dps_tcp_opts o;

	parse_exact(nops, sizeof(nops), &o);
	cr_assert(o.has_mss, "options after NOPs are read");
	cr_assert_eq(o.mss, 1400);

	parse_exact(eol_mid, sizeof(eol_mid), &o);
	cr_assert(o.has_mss);
	cr_assert_eq(o.mss, 1400);
	cr_assert(!o.sack_ok, "nothing after EOL is read");

	parse_exact(eol_first, sizeof(eol_first), &o);
	cr_assert(!o.has_mss, "nothing after EOL is read");

	parse_exact(eol_junk, sizeof(eol_junk), &o);
	cr_assert(o.sack_ok);

	parse_exact(only_nops, sizeof(only_nops), &o);
	cr_assert(!o.has_mss && !o.has_ws && !o.sack_ok && !o.has_ts);
}

/* A length of 0 or 1, or one running past the block, ends the parse
 * (RFC 9293 3.1); what came before stays, nothing after is taken. */
Test(tcp_opts, malformed_lengths_stop_the_parse)
{
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
		bool mss, sack, ws, ts;
	} c[] = {
		{ "length 0", { 0x02, 0x04, 0x05, 0xb4, 0x03, 0x00, 0x04, 0x02 }, 8,
		  true, false, false, false },
		{ "length 1", { 0x02, 0x04, 0x05, 0xb4, 0x03, 0x01, 0x07, 0x04, 0x02 }, 9,
		  true, false, false, false },
		{ "unknown kind, length 0", { 0x04, 0x02, 0xfe, 0x00, 0x02, 0x04, 0x05, 0xb4 }, 8,
		  false, true, false, false },
		{ "TS cut short", { 0x02, 0x04, 0x05, 0xb4, 0x08, 0x0a, 0, 0, 0, 1 }, 10,
		  true, false, false, false },
		{ "MSS length 255", { 0x04, 0x02, 0x02, 0xff, 0x05, 0xb4 }, 6,
		  false, true, false, false },
		{ "unknown kind past the end", { 0x04, 0x02, 0xfd, 0x08, 0x00, 0x00 }, 6,
		  false, true, false, false },
		{ "kind in the last byte", { 0x04, 0x02, 0x02 }, 3,
		  false, true, false, false },
		{ "WS kind in the last byte", { 0x01, 0x01, 0x01, 0x03 }, 4,
		  false, false, false, false },
		{ "lone kind", { 0x08 }, 1, false, false, false, false },
		{ "WS one byte short", { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03 }, 7,
		  true, false, false, false },
	};
	struct dps_tcp_opts o;

	for (size_t i = 0; i < DIM(c); i++) {
		parse_exact(c[i].b, c[i].len, &o);
		cr_assert_eq(o.has_mss, c[i].mss, "%s: has_mss", c[i].what);
		cr_assert_eq(o.sack_ok, c[i].sack, "%s: sack_ok", c[i].what);
		cr_assert_eq(o.has_ws, c[i].ws, "%s: has_ws", c[i].what);
		cr_assert_eq(o.has_ts, c[i].ts, "%s: has_ts", c[i].what);
		if (c[i].mss)
			cr_assert_eq(o.mss, 1460, "%s: mss", c[i].what);
	}
}

/* A known kind with the wrong length is skipped by its length (like
 * Linux's tcp_parse_options()); the options after it are still read. */
Test(tcp_opts, known_kind_with_wrong_length_is_skipped)
{
	static const uint8_t mss3[] = { 0x02, 0x03, 0x05, 0x04, 0x02 };
	static const uint8_t mss6[] = { 0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x04, 0x02 };
	static const uint8_t ws4[] = { 0x03, 0x04, 0x07, 0x00,
		0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 8 };
	static const uint8_t sack3[] = { 0x04, 0x03, 0x00, 0x03, 0x03, 0x05 };
	static const uint8_t ts8[] = { 0x08, 0x08, 1, 2, 3, 4, 5, 6,
		0x02, 0x04, 0x02, 0x18 };
	struct dps_tcp_opts o;

	parse_exact(mss3, sizeof(mss3), &o);
	cr_assert(!o.has_mss);
	cr_assert(o.sack_ok);

	parse_exact(mss6, sizeof(mss6), &o);
	cr_assert(!o.has_mss);
	cr_assert(o.sack_ok);

	parse_exact(ws4, sizeof(ws4), &o);
	cr_assert(!o.has_ws);
	cr_assert(o.has_ts);
	cr_assert_eq(o.tsval, 9);
	cr_assert_eq(o.tsecr, 8);

	parse_exact(sack3, sizeof(sack3), &o);
	cr_assert(!o.sack_ok);
	cr_assert(o.has_ws);
	cr_assert_eq(o.wscale, 5);

	parse_exact(ts8, sizeof(ts8), &o);
	cr_assert(!o.has_ts);
	cr_assert(o.has_mss);
	cr_assert_eq(o.mss, 536);
}

Test(tcp_opts, unknown_options_are_skipped)
{
	static const uint8_t b[] = {
		0x1e, 0x04, 0x00, 0x81,			/* MPTCP-like, kind 30 */
		0xfe, 0x06, 0xf9, 0x89, 0x00, 0x00,	/* experimental (RFC 6994) */
		0x13, 0x12, 0, 0, 0, 0, 0, 0, 0, 0,	/* MD5, 18 bytes */
		0, 0, 0, 0, 0, 0, 0, 0,
		0x02, 0x04, 0x05, 0x78,
	};
	struct dps_tcp_opts o;

	parse_exact(b, sizeof(b), &o);
	cr_assert(o.has_mss);
	cr_assert_eq(o.mss, 1400);
	cr_assert(!o.has_ws && !o.sack_ok && !o.has_ts);
}

/* RFC 7323 2.3: a shift above 14 is used as 14. */
Test(tcp_opts, window_scale_above_14_is_clamped)
{
	static const struct { uint8_t in, want; } c[] = {
		{ 0, 0 }, { 7, 7 }, { 14, 14 }, { 15, 14 }, { 200, 14 }, { 255, 14 },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		uint8_t b[] = { 0x01, 0x03, 0x03, c[i].in };
		struct dps_tcp_opts o;

		parse_exact(b, sizeof(b), &o);
		cr_assert(o.has_ws, "shift %u", c[i].in);
		cr_assert_eq(o.wscale, c[i].want, "shift %u gave %u", c[i].in, o.wscale);
	}
}

/* Random option blocks, biased towards real kinds and small lengths:
 * no read past the block (ASan), and the result is always sane. */
Test(tcp_opts, random_blocks_never_overread)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 8, 30, 254, 5, 19 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int with_ts = 0;

	for (unsigned int it = 0; it < 50000; it++) {
		uint8_t b[40];
		size_t len;
		struct dps_tcp_opts o;

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		len = (size_t)(x % 41);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			switch (x % 4) {
			case 0: b[i] = kinds[(x >> 8) % DIM(kinds)]; break;
			case 1: b[i] = (uint8_t)((x >> 8) % 12); break;
			default: b[i] = (uint8_t)(x >> 16); break;
			}
		}
		parse_exact(b, len, &o);
		cr_assert_leq(o.wscale, 14);
		if (!o.has_ws)
			cr_assert_eq(o.wscale, 0);
		if (!o.has_mss)
			cr_assert_eq(o.mss, 0);
		if (!o.has_ts)
			cr_assert(o.tsval == 0 && o.tsecr == 0);
		else
			with_ts++;
	}
	cr_assert_gt(with_ts, 0, "the generator never produced a timestamp");
}

/* ---- header builder --------------------------------------------------- */

/* The SYN Linux sends for MSS 1460: 40-byte header, window 64240, options
 * 02 04 05 b4 | 04 02 08 0a TSval TSecr=0 | 01 03 03 0a. */
Test(tcp_wire, syn_is_byte_for_byte_linux)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcb t;
	struct dps_tcp_out syn;
	uint64_t now = 5 * SEC + 999999;	/* 5000 ms and a bit */
	uint32_t tsval = 5000 + TS_OFF;
	uint8_t want[40] = {
		0x9c, 0x40, 0x00, 0x50,		/* ports 40000 -> 80 */
		0x01, 0x02, 0x03, 0x04,		/* seq = ISS */
		0x00, 0x00, 0x00, 0x00,		/* ack */
		0xa0, 0x02,			/* data offset 10, SYN */
		0xfa, 0xf0,			/* window 64240 */
		0x00, 0x00, 0x00, 0x00,		/* checksum, urgent */
		0x02, 0x04, 0x05, 0xb4,
		0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0,
		0x01, 0x03, 0x03, 0x0a,
	};

	put32(want + 28, tsval);
	tcb_attach(&t);
	dps_tcb_connect(&t, &c, 0x01020304, TS_OFF, now, &syn);
	cr_assert_eq(syn.opt.tsval, tsval, "TSval is ms plus the offset");
	assert_bytes(&syn, want, sizeof(want), "SYN");
}

/* The third ACK: 32-byte header, NOP NOP TS, window 64240 rounded up to
 * the 1024 granularity of scale 10, that is 63. */
Test(tcp_wire, handshake_ack_is_byte_for_byte_linux)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	uint64_t now = T0 + 37 * MS;
	uint8_t want[32] = {
		0x9c, 0x40, 0x00, 0x50,
		0, 0, 0, 0,			/* seq ISS+1 */
		0, 0, 0, 0,			/* ack PEER_ISN+1 */
		0x80, 0x10,			/* data offset 8, ACK */
		0x00, 0x3f,			/* 63 */
		0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	put32(want + 4, ISS + 1);
	put32(want + 8, PEER_ISN + 1);
	put32(want + 24, our_ts(now));
	put32(want + 28, PEER_TSVAL);
	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 1, out[0].opt.tsval);
	cr_assert_eq(feed(&t, s, now, out, &n), DPS_TCB_CONNECTED);
	cr_assert_eq(n, 0);
	cr_assert_eq(dps_tcb_output(&t, now, out, DPS_TCB_MAX_OUT), 1);
	assert_bytes(&out[0], want, sizeof(want), "ACK");
}

Test(tcp_wire, rst_has_a_bare_header)
{
	struct dps_tcp_out o;
	uint8_t want[20] = {
		0x9c, 0x40, 0x00, 0x50, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0,
		0x50, 0x04, 0, 0, 0, 0, 0, 0,
	};

	memset(&o, 0, sizeof(o));
	o.seq = 0xdeadbeef;
	o.flags = DPS_TH_RST;
	assert_bytes(&o, want, sizeof(want), "RST");
}

/* Every SYN block combination lays out as tcp_options_write() does, and
 * dps_tcp_out_opt_len() agrees with the builder. */
Test(tcp_wire, syn_option_block_variants)
{
	static const struct {
		bool sack, ts, ws;
		size_t len;
		uint8_t b[20];
	} c[] = {
		{ true, true, true, 20, { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
			5, 6, 7, 8, 1, 3, 3, 10 } },
		{ false, true, true, 20, { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4,
			5, 6, 7, 8, 1, 3, 3, 10 } },
		{ true, false, true, 12, { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10 } },
		{ false, false, true, 8, { 2, 4, 0x05, 0xb4, 1, 3, 3, 10 } },
		{ true, true, false, 16, { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
			5, 6, 7, 8 } },
		{ true, false, false, 8, { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 } },
		{ false, true, false, 16, { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4,
			5, 6, 7, 8 } },
		{ false, false, false, 4, { 2, 4, 0x05, 0xb4 } },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcp_out o;
		uint8_t buf[64], want[64];
		char what[64];

		memset(&o, 0, sizeof(o));
		o.seq = 7;
		o.flags = DPS_TH_SYN;
		o.wnd = 1000;
		o.opts = DPS_TCP_OUT_SYN;
		o.opt.has_mss = true;
		o.opt.mss = 1460;
		o.opt.sack_ok = c[i].sack;
		o.opt.has_ts = c[i].ts;
		o.opt.tsval = 0x01020304;
		o.opt.tsecr = 0x05060708;
		o.opt.has_ws = c[i].ws;
		o.opt.wscale = 10;
		snprintf(what, sizeof(what), "sack %d ts %d ws %d",
			c[i].sack, c[i].ts, c[i].ws);
		/* header as the builder must write it */
		memset(buf, 0, sizeof(buf));
		cr_assert_eq(dps_tcp_build(buf, sizeof(buf), htons(40000), htons(80), &o),
			20 + c[i].len, "%s", what);
		memcpy(want, buf, 20);
		cr_assert_eq(want[12], (uint8_t)(((20 + c[i].len) / 4) << 4), "%s: doff", what);
		memcpy(want + 20, c[i].b, c[i].len);
		assert_bytes(&o, want, 20 + c[i].len, what);
	}
}

/* A buffer one byte short gets nothing written and 0 back. */
Test(tcp_wire, build_refuses_a_short_buffer)
{
	static const uint8_t kinds[] = { DPS_TCP_OUT_NONE, DPS_TCP_OUT_TS, DPS_TCP_OUT_SYN };
	static const size_t lens[] = { 20, 32, 40 };

	for (size_t i = 0; i < DIM(kinds); i++) {
		struct dps_tcp_out o;
		uint8_t buf[64];

		memset(&o, 0, sizeof(o));
		o.flags = DPS_TH_ACK;
		o.opts = kinds[i];
		o.opt.has_mss = o.opt.has_ts = o.opt.sack_ok = o.opt.has_ws = true;
		o.opt.mss = 1460;
		memset(buf, 0xee, sizeof(buf));
		cr_assert_eq(dps_tcp_build(buf, lens[i] - 1, 1, 2, &o), 0, "kind %u", kinds[i]);
		for (size_t j = 0; j < sizeof(buf); j++)
			cr_assert_eq(buf[j], 0xee, "kind %u: byte %zu written", kinds[i], j);
		cr_assert_eq(dps_tcp_build(buf, lens[i], 1, 2, &o), lens[i], "kind %u", kinds[i]);
	}
}

/*
 * The established-flow builder is a prediction of the general one: for
 * every field value it takes (random, with and without timestamps, any
 * flags), the same bytes.
 */
Test(tcp_wire, build_est_writes_what_build_writes)
{
	srand(14);
	for (int i = 0; i < 20000; i++) {
		struct dps_tcp_out o;
		uint8_t a[64], b[64];
		size_t ha, hb;

		memset(&o, 0, sizeof(o));
		o.seq = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		o.ack = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		o.wnd = (uint16_t)rand();
		o.flags = (uint8_t)rand();
		o.opts = DPS_TCP_OUT_TS;
		o.opt.has_ts = i & 1;
		o.opt.tsval = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		o.opt.tsecr = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		memset(a, 0xa5, sizeof(a));
		memset(b, 0xa5, sizeof(b));
		ha = dps_tcp_build(a, sizeof(a), htons((uint16_t)i), htons(80), &o);
		hb = dps_tcp_build_est(b, htons((uint16_t)i), htons(80), &o);
		cr_assert_eq(ha, hb, "case %d", i);
		cr_assert_eq(memcmp(a, b, sizeof(a)), 0, "case %d: bytes differ", i);
	}
}

Test(tcp_wire, parse_reads_back_what_build_wrote)
{
	static const uint8_t kinds[] = { DPS_TCP_OUT_NONE, DPS_TCP_OUT_TS, DPS_TCP_OUT_SYN };

	for (size_t i = 0; i < DIM(kinds); i++) {
		struct dps_tcp_out o;
		struct dps_tcp_seg s;
		uint8_t buf[64];
		size_t h;

		memset(&o, 0, sizeof(o));
		o.seq = 0xfffffffeu;
		o.ack = 0x80000001u;
		o.wnd = 0xbeef;
		o.flags = DPS_TH_SYN | DPS_TH_ACK | DPS_TH_PSH;
		o.opts = kinds[i];
		o.opt.has_mss = o.opt.sack_ok = o.opt.has_ws = o.opt.has_ts = true;
		o.opt.mss = 8960;
		o.opt.wscale = 14;
		o.opt.tsval = 0xcafef00du;
		o.opt.tsecr = 0x0badc0deu;
		h = dps_tcp_build(buf, sizeof(buf), htons(1), htons(2), &o);
		cr_assert_gt(h, 0);
		cr_assert_eq((size_t)(buf[12] >> 4) * 4, h);
		memset(&s, 0x77, sizeof(s));
		dps_tcp_seg_parse(buf, (uint16_t)h, 123, &s);
		cr_assert_eq(s.seq, o.seq);
		cr_assert_eq(s.ack, o.ack);
		cr_assert_eq(s.wnd, o.wnd);
		cr_assert_eq(s.flags, o.flags);
		cr_assert_eq(s.len, 123);
		cr_assert_eq(s.opt.has_ts, kinds[i] != DPS_TCP_OUT_NONE, "kind %u", kinds[i]);
		if (s.opt.has_ts) {
			cr_assert_eq(s.opt.tsval, o.opt.tsval);
			cr_assert_eq(s.opt.tsecr, o.opt.tsecr);
		}
		cr_assert_eq(s.opt.has_mss, kinds[i] == DPS_TCP_OUT_SYN);
		cr_assert_eq(s.opt.sack_ok, kinds[i] == DPS_TCP_OUT_SYN);
		cr_assert_eq(s.opt.has_ws, kinds[i] == DPS_TCP_OUT_SYN);
		if (kinds[i] == DPS_TCP_OUT_SYN) {
			cr_assert_eq(s.opt.mss, 8960);
			cr_assert_eq(s.opt.wscale, 14);
		}
	}
}

/*
 * The aligned-timestamp shortcut of dps_tcp_seg_parse() against the full
 * option walk (dps_tcp_opts_parse()): for 12-byte blocks that are NOP
 * NOP TS, near misses of it, and random bytes, both must give the same
 * options (and the NOP NOP TS ones no SACK blocks).
 */
Test(tcp_wire, aligned_timestamps_parse_as_the_walk)
{
	static const uint8_t exact[12] = { 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t buf[DPS_TCP_HLEN + 12];
	unsigned int shortcut_shape = 0;

	srand(1414);
	for (unsigned int i = 0; i < 20000; i++) {
		struct dps_tcp_opts walk;
		struct dps_tcp_seg s;
		uint8_t *opt = buf + DPS_TCP_HLEN;

		memset(buf, 0, DPS_TCP_HLEN);
		memcpy(opt, exact, sizeof(exact));
		if (i % 4 == 1) {		/* one byte of the layout off */
			opt[rand() % 4] = (uint8_t)rand();
		} else if (i % 4 == 2) {	/* anything */
			for (unsigned int k = 0; k < 12; k++)
				opt[k] = (uint8_t)rand();
		} else if (i % 4 == 3) {	/* other values */
			for (unsigned int k = 4; k < 12; k++)
				opt[k] = (uint8_t)rand();
		}
		shortcut_shape += memcmp(opt, exact, 4) == 0;
		memset(&s, 0x5a, sizeof(s));
		dps_tcp_seg_parse(buf, sizeof(buf), 0, &s);
		dps_tcp_opts_parse(opt, 12, &walk);
		cr_assert_eq(memcmp(&s.opt, &walk, sizeof(walk)), 0,
			"block %u parsed differently", i);
		if (memcmp(opt, exact, 4) == 0)
			cr_assert_eq(s.n_sack, 0, "block %u", i);
	}
	cr_assert_gt(shortcut_shape, 10000, "the shortcut's layout was tested");
}

/*
 * The SYN-block shortcut of dps_tcp_seg_parse() against the walk: the
 * 20-byte blocks Linux and dps_tcp_build() write (with SACK-permitted or
 * NOP NOP in its place, every shift), near misses of the layout (one byte
 * of its fixed bytes changed), and random bytes; the same options, and
 * no SACK blocks from the layout.
 */
Test(tcp_wire, syn_block_parses_as_the_walk)
{
	static const uint8_t sack[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
		5, 6, 7, 8, 1, 3, 3, 7 };
	static const uint8_t nosack[20] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4,
		5, 6, 7, 8, 1, 3, 3, 7 };
	static const unsigned int fixed[] = { 0, 1, 4, 5, 6, 7, 16, 17, 18 };
	uint8_t buf[DPS_TCP_HLEN + 20];
	unsigned int shape = 0, same;

	srand(2020);
	for (unsigned int i = 0; i < 40000; i++) {
		struct dps_tcp_opts walk;
		struct dps_tcp_seg s;
		uint8_t *opt = buf + DPS_TCP_HLEN;

		memset(buf, 0, DPS_TCP_HLEN);
		memcpy(opt, i & 1 ? sack : nosack, 20);
		switch (i % 8 / 2) {
		case 0:			/* the layout, any values */
			for (unsigned int k = 8; k < 16; k++)
				opt[k] = (uint8_t)rand();
			opt[2] = (uint8_t)rand();
			opt[3] = (uint8_t)rand();
			opt[19] = (uint8_t)rand();
			break;
		case 1:			/* one fixed byte off */
			opt[fixed[(unsigned int)rand() % DIM(fixed)]] = (uint8_t)rand();
			break;
		case 2:			/* anything */
			for (unsigned int k = 0; k < 20; k++)
				opt[k] = (uint8_t)rand();
			break;
		default:		/* the shift alone */
			opt[19] = (uint8_t)(i / 8);
			break;
		}
		same = 0;
		for (unsigned int k = 0; k < DIM(fixed); k++)
			same += opt[fixed[k]] == sack[fixed[k]] ||
				opt[fixed[k]] == nosack[fixed[k]];
		shape += same == DIM(fixed);
		memset(&s, 0x5a, sizeof(s));
		dps_tcp_seg_parse(buf, sizeof(buf), 0, &s);
		dps_tcp_opts_parse(opt, 20, &walk);
		cr_assert_eq(memcmp(&s.opt, &walk, sizeof(walk)), 0,
			"block %u parsed differently", i);
		if (same == DIM(fixed))
			cr_assert_eq(s.n_sack, 0, "block %u", i);
	}
	cr_assert_gt(shape, 20000, "the shortcut's layout was tested");
}

/* ---- the TCB: active open -------------------------------------------- */

Test(tcb, tsval_is_milliseconds_plus_offset)
{
	struct dps_tcb t;

	memset(&t, 0, sizeof(t));
	t.ts_off = 1000;
	cr_assert_eq(dps_tcb_tsval(&t, 0), 1000);
	cr_assert_eq(dps_tcb_tsval(&t, MS - 1), 1000, "truncated to the ms");
	cr_assert_eq(dps_tcb_tsval(&t, MS), 1001);
	cr_assert_eq(dps_tcb_tsval(&t, 1234567891ull), 1000 + 1234);
	t.ts_off = 0xffffff00u;
	cr_assert_eq(dps_tcb_tsval(&t, 300 * MS), 0x2cu, "wraps modulo 2^32");
}

Test(tcb, connect_enters_syn_sent_with_a_one_second_timer)
{
	struct dps_tcb t;
	struct dps_tcp_out syn;

	memset(&syn, 0xa5, sizeof(syn));
	syn_sent(&t, &syn);
	cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
	cr_assert_eq(t.iss, ISS);
	cr_assert_eq(t.snd_una, ISS);
	cr_assert_eq(t.snd_nxt, ISS + 1);
	cr_assert_eq(dps_tcb_deadline(&t), T0 + SEC);
	cr_assert_eq(t.err, 0);
	cr_assert_eq(t.retransmits, 0);
	cr_assert_eq(t.x->syn_tsval, our_ts(T0));
	cr_assert_eq(syn.flags, DPS_TH_SYN);
	cr_assert_eq(syn.seq, ISS);
	cr_assert_eq(syn.ack, 0);
	cr_assert_eq(syn.wnd, 64240, "SYN windows are never scaled");
	cr_assert_eq(syn.opts, DPS_TCP_OUT_SYN);
	cr_assert(syn.opt.has_mss && syn.opt.sack_ok && syn.opt.has_ts && syn.opt.has_ws);
	cr_assert_eq(syn.opt.mss, 1460);
	cr_assert_eq(syn.opt.wscale, 10);
	cr_assert_eq(syn.opt.tsval, our_ts(T0));
	cr_assert_eq(syn.opt.tsecr, 0);
}

/* ---- SYN retransmission schedule ---- */

struct sched {
	unsigned int n_syn;
	uint64_t syn_ns[48];	/* relative to the first SYN */
	uint64_t end_ns;
	int err;
};

/* Drive the timer the way the glue does: fire at dps_tcb_deadline(t) each time. */
static void
run_schedule(const struct dps_tcb_conf *c, uint64_t t0, struct sched *r)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	memset(r, 0, sizeof(*r));
	tcb_attach(&t);
	dps_tcb_connect(&t, c, ISS, TS_OFF, t0, &out[0]);
	r->syn_ns[r->n_syn++] = 0;
	for (;;) {
		uint64_t now = dps_tcb_deadline(&t);
		int ev;

		cr_assert_neq(now, 0, "no timer armed in SYN_SENT");
		cr_assert_gt(now, t0 + r->syn_ns[r->n_syn - 1], "timer not in the future");
		ev = timeout(&t, now, out, &n);
		if (ev == DPS_TCB_CLOSED) {
			cr_assert_eq(n, 0, "no SYN with the give-up");
			cr_assert_eq(t.state, DPS_TCPS_CLOSE);
			cr_assert_eq(dps_tcb_deadline(&t), 0);
			r->end_ns = now - t0;
			r->err = t.err;
			return;
		}
		cr_assert_eq(ev, DPS_TCB_NONE);
		cr_assert_eq(n, 1);
		cr_assert_eq(out[0].flags, DPS_TH_SYN);
		cr_assert_eq(out[0].seq, ISS);
		cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
		cr_assert_lt(r->n_syn, DIM(r->syn_ns), "more SYNs than expected");
		r->syn_ns[r->n_syn++] = now - t0;
	}
}

struct sched_case {
	const char *what;
	uint8_t syncnt;
	uint32_t ut_ms;
	unsigned int n;
	uint32_t syn_ms[16];
	uint32_t end_ms;
};

static void
check_schedule(const struct sched_case *c, uint64_t t0)
{
	struct dps_tcb_conf conf = linux_conf();
	struct sched r;

	conf.syn_retries = c->syncnt;
	conf.user_timeout_ms = c->ut_ms;
	run_schedule(&conf, t0, &r);
	for (unsigned int i = 0; i < c->n && i < r.n_syn; i++)
		cr_assert_eq(r.syn_ns[i], c->syn_ms[i] * MS,
			"%s: SYN %u at %" PRIu64 " ns, want %u ms", c->what, i,
			r.syn_ns[i], c->syn_ms[i]);
	cr_assert_eq(r.n_syn, c->n, "%s: %u SYNs, want %u", c->what, r.n_syn, c->n);
	cr_assert_eq(r.end_ns, c->end_ms * MS, "%s: gave up at %" PRIu64 " ns, want %u ms",
		c->what, r.end_ns, c->end_ms);
	cr_assert_eq(r.err, ETIMEDOUT, "%s: err %d", c->what, r.err);
}

/* tcp_syn_retries 6, tcp_syn_linear_timeouts 4, measured on 6.18. */
static const struct sched_case sched_default = {
	"default", 0, 0, 11,
	{ 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000 },
	131000,
};

Test(tcb_sched, default_linux_schedule)
{
	check_schedule(&sched_default, T0);
}

Test(tcb_sched, schedule_is_relative_to_the_first_syn)
{
	static const uint64_t starts[] = { 0, 1, 999999999ull, 3600 * SEC + 123456789ull };

	for (size_t i = 0; i < DIM(starts); i++)
		check_schedule(&sched_default, starts[i]);
}

Test(tcb_sched, tcp_syncnt)
{
	static const struct sched_case c[] = {
		/* all measured on 6.18 (SYNCNT=6 is the default row) */
		{ "SYNCNT=1", 1, 0, 3, { 0, 1000, 2000 }, 3000 },
		{ "SYNCNT=2", 2, 0, 6, { 0, 1000, 2000, 3000, 4000, 5000 }, 7000 },
		{ "SYNCNT=3", 3, 0, 8, { 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000 },
		  19000 },
		{ "SYNCNT=4", 4, 0, 9, { 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000,
		  19000 }, 35000 },
		{ "SYNCNT=6", 6, 0, 11, { 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000,
		  19000, 35000, 67000 }, 131000 },
		/* tcp_model_timeout(5) = 63 s, 9 retransmissions */
		{ "SYNCNT=5", 5, 0, 10, { 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000,
		  19000, 35000 }, 67000 },
		/* the RTO is capped at 120 s (131 -> 251) and 11
		 * retransmissions end it */
		{ "SYNCNT=7", 7, 0, 12, { 0, 1000, 2000, 3000, 4000, 5000, 7000, 11000,
		  19000, 35000, 67000, 131000 }, 251000 },
	};

	for (size_t i = 0; i < DIM(c); i++)
		check_schedule(&c[i], T0);
}

Test(tcb_sched, tcp_user_timeout)
{
	static const struct sched_case c[] = {
		/* all measured; the last timer is clamped to the user timeout */
		{ "UT=2500", 0, 2500, 3, { 0, 1000, 2000 }, 2500 },
		{ "UT=2500 SYNCNT=1", 1, 2500, 3, { 0, 1000, 2000 }, 2500 },
		{ "UT=1500", 0, 1500, 2, { 0, 1000 }, 1500 },
		{ "UT=10000", 0, 10000, 7, { 0, 1000, 2000, 3000, 4000, 5000, 7000 },
		  10000 },
		/* a user timeout longer than the schedule: the
		 * retransmission count still ends it */
		{ "UT=200000", 0, 200000, 11, { 0, 1000, 2000, 3000, 4000, 5000, 7000,
		  11000, 19000, 35000, 67000 }, 131000 },
	};

	for (size_t i = 0; i < DIM(c); i++)
		check_schedule(&c[i], T0);
}

/*
 * A user timeout shorter than the first RTO. Measured on 6.18 with
 * TCP_USER_TIMEOUT 500 (and 999): SYNs at 0 and 1.001 s, ETIMEDOUT at
 * 1.009 s: Linux still retransmits once at 1 s (retransmits_timed_out()
 * is false while nothing was retransmitted), then the clamped timer (one
 * jiffy) ends it. Expected here: SYNs at 0, 1000 ms, ETIMEDOUT at 1004 ms
 * (one jiffy of 4 ms; Linux's wheel fires up to one more later).
 */
Test(tcb_sched, user_timeout_below_the_first_rto)
{
	static const struct sched_case c[] = {
		{ "UT=500", 0, 500, 2, { 0, 1000 }, 1004 },
		{ "UT=999", 0, 999, 2, { 0, 1000 }, 1004 },
	};

	for (size_t i = 0; i < DIM(c); i++)
		check_schedule(&c[i], T0);
}

/* Every retransmission is the same SYN with a fresh TSval (Linux stamps
 * each transmission). */
Test(tcb_sched, retransmitted_syn_is_the_same_syn)
{
	struct dps_tcb t;
	struct dps_tcp_out first, out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_sent(&t, &first);
	for (int i = 0; i < 3; i++) {
		uint64_t now = dps_tcb_deadline(&t);

		cr_assert_eq(timeout(&t, now, out, &n), DPS_TCB_NONE);
		cr_assert_eq(n, 1);
		cr_assert_eq(out[0].seq, first.seq);
		cr_assert_eq(out[0].ack, 0);
		cr_assert_eq(out[0].flags, DPS_TH_SYN);
		cr_assert_eq(out[0].wnd, first.wnd);
		cr_assert_eq(out[0].opts, DPS_TCP_OUT_SYN);
		cr_assert_eq(out[0].opt.mss, 1460);
		cr_assert(out[0].opt.sack_ok && out[0].opt.has_ts && out[0].opt.has_ws);
		cr_assert_eq(out[0].opt.wscale, 10);
		cr_assert_eq(out[0].opt.tsval, our_ts(now));
		cr_assert_eq(out[0].opt.tsecr, 0);
		cr_assert_eq(t.retransmits, i + 1);
		cr_assert_eq(t.x->syn_tsval, first.opt.tsval, "the first SYN's TSval is kept");
		cr_assert_eq(t.snd_nxt, ISS + 1);
	}
}

/* ---- SYN_SENT input (RFC 9293 3.10.7.3, RFC 5961) ---- */

/* An unacceptable ACK (<= ISS or > SND.NXT) draws <SEQ=SEG.ACK><CTL=RST>
 * and, once the SYN has been retransmitted, changes nothing; a good
 * SYN-ACK afterwards still connects. */
Test(tcb_syn_sent, unacceptable_ack_draws_a_rst)
{
	static const struct { uint8_t flags; uint32_t ack; } c[] = {
		{ DPS_TH_SYN | DPS_TH_ACK, ISS },
		{ DPS_TH_SYN | DPS_TH_ACK, ISS - 1 },
		{ DPS_TH_SYN | DPS_TH_ACK, ISS + 2 },
		{ DPS_TH_SYN | DPS_TH_ACK, ISS + 0x40000000u },
		{ DPS_TH_SYN | DPS_TH_ACK, ISS - 0x40000000u },
		{ DPS_TH_SYN | DPS_TH_ACK, 0 },
		{ DPS_TH_ACK, ISS },
		{ DPS_TH_ACK, ISS + 1000 },
		{ DPS_TH_ACK | DPS_TH_FIN, ISS + 2 },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcb t;
		struct tcb_snap before;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		struct dps_tcp_seg s;
		unsigned int n;

		syn_sent(&t, &out[0]);
		cr_assert_eq(dps_tcb_timeout(&t, dps_tcb_deadline(&t), out, &n), DPS_TCB_NONE);
		tcb_snap(&before, &t);
		s = peer_synack(c[i].ack, before.x.syn_tsval);
		s.flags = c[i].flags;
		cr_assert_eq(feed(&t, s, T0 + 1500 * MS, out, &n), DPS_TCB_NONE,
			"case %zu", i);
		cr_assert_eq(n, 1, "case %zu: one RST", i);
		cr_assert_eq(out[0].flags, DPS_TH_RST, "case %zu: RST, no ACK", i);
		cr_assert_eq(out[0].seq, c[i].ack, "case %zu: seq = SEG.ACK", i);
		cr_assert_eq(out[0].opts, DPS_TCP_OUT_NONE, "case %zu", i);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "case %zu: TCB changed", i);

		s = peer_synack(ISS + 1, before.x.syn_tsval);
		cr_assert_eq(feed(&t, s, T0 + 1600 * MS, out, &n), DPS_TCB_CONNECTED,
			"case %zu: a good SYN-ACK after it", i);
	}
}

Test(tcb_syn_sent, rst_with_acceptable_ack_refuses)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_sent(&t, &out[0]);
	cr_assert_eq(feed(&t, mkseg(DPS_TH_RST | DPS_TH_ACK, 0, ISS + 1), T0 + 3 * MS,
		out, &n), DPS_TCB_CLOSED);
	cr_assert_eq(n, 0, "never a RST for a RST");
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ECONNREFUSED);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

Test(tcb_syn_sent, rst_without_ack_is_ignored)
{
	static const uint32_t seqs[] = { 0, PEER_ISN, ISS + 1 };

	for (size_t i = 0; i < DIM(seqs); i++) {
		struct dps_tcb t;
		struct tcb_snap before;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;

		syn_sent(&t, &out[0]);
		tcb_snap(&before, &t);
		cr_assert_eq(feed(&t, mkseg(DPS_TH_RST, seqs[i], 0), T0 + 3 * MS, out, &n),
			DPS_TCB_NONE);
		cr_assert_eq(n, 0);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "seq %#x: TCB changed", seqs[i]);
	}
}

/* A RST whose ACK is unacceptable is ignored: no reply, no error. Before
 * any retransmission Linux also resends the SYN after TCP_TIMEOUT_MIN
 * (its "previous FIN/ACK or RST/ACK might be ignored" path). */
Test(tcb_syn_sent, rst_with_bad_ack_is_ignored)
{
	static const uint32_t acks[] = { ISS, ISS + 2, ISS - 1, 0 };

	for (size_t i = 0; i < DIM(acks); i++) {
		struct dps_tcb t;
		struct tcb_snap before;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;
		uint64_t now = T0 + 3 * MS;

		syn_sent(&t, &out[0]);
		tcb_snap(&before, &t);
		before.t.rtx_at = now + DPS_TCP_TIMEOUT_MIN_NS;
		cr_assert_eq(feed(&t, mkseg(DPS_TH_RST | DPS_TH_ACK, 0, acks[i]), now, out, &n),
			DPS_TCB_NONE);
		cr_assert_eq(n, 0, "ack %#x: no reply to a RST", acks[i]);
		cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
		cr_assert_eq(t.err, 0);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "ack %#x: TCB changed", acks[i]);

		/* after a retransmission: nothing at all changes */
		syn_sent(&t, &out[0]);
		cr_assert_eq(dps_tcb_timeout(&t, dps_tcb_deadline(&t), out, &n), DPS_TCB_NONE);
		tcb_snap(&before, &t);
		cr_assert_eq(feed(&t, mkseg(DPS_TH_RST | DPS_TH_ACK, 0, acks[i]),
			T0 + 1100 * MS, out, &n), DPS_TCB_NONE);
		cr_assert_eq(n, 0);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "ack %#x: TCB changed", acks[i]);
	}
}

/* Linux (tcp_rcv_synsent_state_process): an unacceptable ACK before any
 * retransmission means our SYN may be lost behind an old segment; the
 * SYN goes again after TCP_TIMEOUT_MIN, then the schedule carries on.
 * A SYN-ACK rejected for its TSecr does not move the timer. */
Test(tcb_syn_sent, first_bad_ack_resends_the_syn_soon)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	uint64_t now = T0 + 300 * MS, fire;

	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 7, t.x->syn_tsval);
	cr_assert_eq(feed(&t, s, now, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_RST);
	cr_assert_eq(dps_tcb_deadline(&t), now + DPS_TCP_TIMEOUT_MIN_NS);
	cr_assert_lt(DPS_TCP_TIMEOUT_MIN_NS, 100 * MS);

	fire = dps_tcb_deadline(&t);
	cr_assert_eq(timeout(&t, fire, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_SYN);
	cr_assert_eq(out[0].seq, ISS);
	cr_assert_eq(t.retransmits, 1);
	cr_assert_eq(dps_tcb_deadline(&t), fire + SEC, "the RTO is still the initial one");

	/* a second bad ACK leaves the timer alone */
	cr_assert_eq(feed(&t, s, fire + 100 * MS, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(dps_tcb_deadline(&t), fire + SEC);

	/* a TSecr from the future: RST, timer untouched */
	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 1, t.x->syn_tsval + 5000);
	cr_assert_eq(feed(&t, s, now, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_RST);
	cr_assert_eq(dps_tcb_deadline(&t), T0 + SEC);
}

/* A bare ACK of our SYN without SYN: dropped (RFC 9293 "fifth, if neither
 * of the SYN or RST bits is set then drop the segment"). */
Test(tcb_syn_sent, ack_without_syn_is_ignored)
{
	struct dps_tcb t;
	struct tcb_snap before;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;

	syn_sent(&t, &out[0]);
	tcb_snap(&before, &t);
	s = peer_synack(ISS + 1, t.x->syn_tsval);
	s.flags = DPS_TH_ACK;
	cr_assert_eq(feed(&t, s, T0 + 3 * MS, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 0);
	cr_assert_eq(tcb_cmp(&t, &before), 0);
}

Test(tcb_syn_sent, good_synack_establishes)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	uint64_t now = T0 + 1234 * MS;

	syn_sent(&t, &out[0]);
	cr_assert_eq(dps_tcb_timeout(&t, dps_tcb_deadline(&t), out, &n), DPS_TCB_NONE);
	s = peer_synack(ISS + 1, t.x->syn_tsval + 1000);	/* echoes the retransmission */
	cr_assert_eq(feed(&t, s, now, out, &n), DPS_TCB_CONNECTED);
	cr_assert_eq(n, 0, "the ACK is owed, for output to send");
	cr_assert(t.ack_now);
	n = dps_tcb_output(&t, now, out, DPS_TCB_MAX_OUT);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(dps_tcb_deadline(&t), 0, "retransmit timer stopped");
	cr_assert_eq(t.snd_una, ISS + 1);
	cr_assert_eq(t.snd_nxt, ISS + 1);
	cr_assert_eq(t.irs, PEER_ISN);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1);
	cr_assert_eq(t.mss, 1460);
	cr_assert_eq(t.snd_wscale, PEER_WS);
	cr_assert_eq(t.rcv_wscale, 10);
	cr_assert(t.sack_ok);
	cr_assert(t.ts_ok);
	cr_assert_eq(t.ts_recent, PEER_TSVAL);
	cr_assert_eq(t.snd_wnd, PEER_WND, "a SYN-ACK's window is not scaled");
	cr_assert_eq(t.err, 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_eq(out[0].wnd, 63);
	cr_assert_eq(out[0].opts, DPS_TCP_OUT_TS);
	cr_assert(out[0].opt.has_ts);
	cr_assert_eq(out[0].opt.tsval, our_ts(now));
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL);
}

/* The send MSS is min(peer's MSS, ours, TCP_MAXSEG); 536 without an MSS
 * option (RFC 9293 3.7.1). */
Test(tcb_syn_sent, send_mss_is_negotiated)
{
	static const struct {
		bool has; uint16_t peer, user, want;
	} c[] = {
		{ true, 1460, 0, 1460 },
		{ true, 9000, 0, 1460 },
		{ true, 1200, 0, 1200 },
		{ true, 536, 0, 536 },
		{ false, 0, 0, 536 },
		{ true, 1460, 1000, 1000 },
		{ true, 900, 1000, 900 },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcb_conf conf = linux_conf();
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		struct dps_tcp_seg s;
		unsigned int n;

		conf.user_mss = c[i].user;
		tcb_attach(&t);
		dps_tcb_connect(&t, &conf, ISS, TS_OFF, T0, &out[0]);
		s = peer_synack(ISS + 1, t.x->syn_tsval);
		s.opt.has_mss = c[i].has;
		s.opt.mss = c[i].peer;
		cr_assert_eq(feed(&t, s, T0 + MS, out, &n), DPS_TCB_CONNECTED, "case %zu", i);
		cr_assert_eq(t.mss, c[i].want, "case %zu: mss %u, want %u", i, t.mss, c[i].want);
	}
}

/* TCP_MAXSEG 1000 before connect(), measured on 6.18: the SYN says
 * "mss 1000" (tcp_advertise_mss()). The glue folds TCP_MAXSEG into
 * conf.adv_mss; the TCB announces adv_mss as it is and clamps the send
 * MSS with user_mss. */
Test(tcb_syn_sent, announced_mss_is_conf_adv_mss)
{
	static const uint16_t adv[] = { 1460, 1000, 536, 8960 };

	for (size_t i = 0; i < DIM(adv); i++) {
		struct dps_tcb_conf conf = linux_conf();
		struct dps_tcb t;
		struct dps_tcp_out syn;

		conf.adv_mss = adv[i];
		conf.user_mss = adv[i] == 1000 ? 1000 : 0;
		tcb_attach(&t);
		dps_tcb_connect(&t, &conf, ISS, TS_OFF, T0, &syn);
		cr_assert(syn.opt.has_mss);
		cr_assert_eq(syn.opt.mss, adv[i], "SYN announces %u, want %u",
			syn.opt.mss, adv[i]);
	}
}

/* Window scaling only when both sides sent the option (RFC 7323 2.2). */
Test(tcb_syn_sent, no_peer_window_scale_means_no_scaling)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;

	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 1, t.x->syn_tsval);
	s.opt.has_ws = false;
	s.opt.wscale = 0;
	cr_assert_eq(feed(&t, s, T0 + MS, out, &n), DPS_TCB_CONNECTED);
	n = dps_tcb_output(&t, T0 + MS, out, DPS_TCB_MAX_OUT);
	cr_assert_eq(t.snd_wscale, 0);
	cr_assert_eq(t.rcv_wscale, 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].wnd, 64240, "unscaled window in the ACK");
}

Test(tcb_syn_sent, peer_window_scale_zero_is_still_scaling)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;

	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 1, t.x->syn_tsval);
	s.opt.wscale = 0;
	cr_assert_eq(feed(&t, s, T0 + MS, out, &n), DPS_TCB_CONNECTED);
	cr_assert_eq(dps_tcb_output(&t, T0 + MS, out, DPS_TCB_MAX_OUT), 1);
	cr_assert_eq(t.snd_wscale, 0);
	cr_assert_eq(t.rcv_wscale, 10, "ours stays: both sent the option");
	cr_assert_eq(out[0].wnd, 63);
}

Test(tcb_syn_sent, no_timestamps_no_sack_when_peer_offers_none)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	uint8_t buf[64];

	syn_sent(&t, &out[0]);
	s = peer_synack(ISS + 1, 0);
	s.opt.has_ts = false;
	s.opt.tsval = 0;
	s.opt.sack_ok = false;
	cr_assert_eq(feed(&t, s, T0 + MS, out, &n), DPS_TCB_CONNECTED);
	n = dps_tcb_output(&t, T0 + MS, out, DPS_TCB_MAX_OUT);
	cr_assert(!t.ts_ok);
	cr_assert(!t.sack_ok);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].opts, DPS_TCP_OUT_NONE);
	cr_assert(!out[0].opt.has_ts);
	cr_assert_eq(dps_tcp_build(buf, sizeof(buf), 1, 2, &out[0]), 20);
}

/* Linux (tcp_rcv_synsent_state_process) rejects a SYN-ACK whose TSecr is
 * outside [first SYN's TSval, now's TSval] as a bad ACK; TSecr 0 is not
 * checked. Also across a wrap of the TS clock. */
Test(tcb_syn_sent, synack_tsecr_must_echo_one_of_our_syns)
{
	static const uint32_t offs[] = { TS_OFF, 0xffffffffu - 7300 };
	/* relative to the first SYN's TSval; the SYN-ACK comes 1.5 s later */
	static const struct { int64_t rel; bool zero, ok; } c[] = {
		{ -1, false, false },
		{ -100000, false, false },
		{ 0, false, true },
		{ 1000, false, true },		/* the retransmitted SYN */
		{ 1500, false, true },		/* now */
		{ 1501, false, false },
		{ 0x40000000, false, false },
		{ 0, true, true },		/* TSecr 0: no check */
	};

	for (size_t k = 0; k < DIM(offs); k++) {
		for (size_t i = 0; i < DIM(c); i++) {
			struct dps_tcb_conf conf = linux_conf();
			struct dps_tcb t;
			struct dps_tcp_out out[DPS_TCB_MAX_OUT];
			struct dps_tcp_seg s;
			unsigned int n;
			uint32_t tsecr;
			int ev;

			tcb_attach(&t);
			dps_tcb_connect(&t, &conf, ISS, offs[k], T0, &out[0]);
			cr_assert_eq(dps_tcb_timeout(&t, dps_tcb_deadline(&t), out, &n), DPS_TCB_NONE);
			tsecr = c[i].zero ? 0 : t.x->syn_tsval + (uint32_t)c[i].rel;
			s = peer_synack(ISS + 1, tsecr);
			ev = feed(&t, s, T0 + 1500 * MS, out, &n);
			if (c[i].ok) {
				cr_assert_eq(ev, DPS_TCB_CONNECTED, "off %#x rel %" PRId64,
					offs[k], c[i].rel);
				continue;
			}
			cr_assert_eq(ev, DPS_TCB_NONE, "off %#x rel %" PRId64, offs[k], c[i].rel);
			cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
			cr_assert_eq(n, 1, "off %#x rel %" PRId64 ": RST", offs[k], c[i].rel);
			cr_assert_eq(out[0].flags, DPS_TH_RST);
			cr_assert_eq(out[0].seq, ISS + 1);
		}
	}
}

/* An ISS just below 2^32: SND.NXT wraps to 0 and the ACK check follows. */
Test(tcb_syn_sent, iss_at_the_wrap)
{
	static const struct { uint32_t ack; bool ok; } c[] = {
		{ 0, true }, { 0xffffffffu, false }, { 0xfffffffeu, false }, { 1, false },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcb_conf conf = linux_conf();
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		struct dps_tcp_seg s;
		unsigned int n;
		int ev;

		tcb_attach(&t);
		dps_tcb_connect(&t, &conf, 0xffffffffu, 0, T0, &out[0]);
		cr_assert_eq(out[0].seq, 0xffffffffu);
		cr_assert_eq(t.snd_nxt, 0);
		s = peer_synack(c[i].ack, t.x->syn_tsval);
		s.seq = 0xffffffffu;	/* the peer's ISN wraps too */
		ev = feed(&t, s, T0 + MS, out, &n);
		if (c[i].ok) {
			cr_assert_eq(ev, DPS_TCB_CONNECTED, "ack %#x", c[i].ack);
			cr_assert_eq(dps_tcb_output(&t, T0 + MS, out, DPS_TCB_MAX_OUT), 1);
			cr_assert_eq(t.snd_una, 0);
			cr_assert_eq(t.rcv_nxt, 0);
			cr_assert_eq(out[0].seq, 0);
			cr_assert_eq(out[0].ack, 0);
		} else {
			cr_assert_eq(ev, DPS_TCB_NONE, "ack %#x", c[i].ack);
			cr_assert_eq(n, 1);
			cr_assert_eq(out[0].flags, DPS_TH_RST);
			cr_assert_eq(out[0].seq, c[i].ack);
		}
	}
}

Test(tcb_syn_sent, closed_tcb_ignores_segments)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_sent(&t, &out[0]);
	cr_assert_eq(feed(&t, mkseg(DPS_TH_RST | DPS_TH_ACK, 0, ISS + 1), T0, out, &n),
		DPS_TCB_CLOSED);
	cr_assert_eq(feed(&t, peer_synack(ISS + 1, t.x->syn_tsval), T0 + MS, out, &n),
		DPS_TCB_NONE);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ECONNREFUSED);
	cr_assert_eq(timeout(&t, T0 + SEC, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 0);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

/* ---- simultaneous open (RFC 9293 3.5, figure 8) ---- */

Test(tcb_simopen, crossed_syn_answers_with_synack)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;
	uint64_t now = T0 + 300 * MS;

	syn_recv_crossed(&t, out, &n, now);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_eq(out[0].wnd, 64240);
	cr_assert_eq(out[0].opts, DPS_TCP_OUT_SYN);
	cr_assert(out[0].opt.has_mss);
	cr_assert_eq(out[0].opt.mss, 1460);
	cr_assert(out[0].opt.sack_ok);
	cr_assert(out[0].opt.has_ts);
	cr_assert_eq(out[0].opt.tsval, our_ts(now));
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL);
	cr_assert(out[0].opt.has_ws);
	cr_assert_eq(out[0].opt.wscale, 10);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1);
	cr_assert_eq(t.snd_nxt, ISS + 1);
	cr_assert_neq(dps_tcb_deadline(&t), 0, "the SYN-ACK is under the retransmit timer");
}

Test(tcb_simopen, ack_of_our_syn_establishes)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	s = mkseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1);
	s.wnd = 500;
	s.opt.has_ts = true;
	s.opt.tsval = PEER_TSVAL + 5;
	s.opt.tsecr = t.x->syn_tsval;
	cr_assert(feed(&t, s, T0 + 310 * MS, out, &n) & DPS_TCB_CONNECTED);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(t.snd_una, ISS + 1);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
	cr_assert_eq(t.snd_wnd, 500u << PEER_WS, "scaled after the handshake");
	cr_assert_eq(n, 0);
}

Test(tcb_simopen, retransmission_resends_the_synack)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;
	uint64_t now;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	now = dps_tcb_deadline(&t);
	cr_assert_eq(now, T0 + SEC, "the SYN's timer carries on");
	cr_assert_eq(timeout(&t, now, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_eq(out[0].opt.tsval, our_ts(now));
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL);
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
	cr_assert_eq(dps_tcb_deadline(&t), now + 2 * SEC, "exponential backoff outside SYN_SENT");
}

Test(tcb_simopen, bad_ack_in_syn_recv_draws_a_rst)
{
	static const uint32_t acks[] = { ISS, ISS + 2, ISS - 5 };

	for (size_t i = 0; i < DIM(acks); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;

		syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
		cr_assert_eq(feed(&t, mkseg(DPS_TH_ACK, PEER_ISN + 1, acks[i]),
			T0 + 310 * MS, out, &n), DPS_TCB_NONE);
		cr_assert_eq(t.state, DPS_TCPS_SYN_RECV, "ack %#x", acks[i]);
		cr_assert_eq(n, 1, "ack %#x", acks[i]);
		cr_assert_eq(out[0].flags, DPS_TH_RST);
		cr_assert_eq(out[0].seq, acks[i]);
	}
}

/*
 * In a real simultaneous open both ends answer the crossed SYN with
 * a SYN-ACK, so the segment that arrives in SYN_RECV is the peer's
 * SYN-ACK (seq = IRS, ack = ISS+1). Linux >= 6.11 (tcp_validate_incoming:
 * "tcp: Don't drop SYN+ACK for simultaneous connect()") lets exactly that
 * SYN-ACK through (seq + 1 == rcv_nxt, ack == snd_nxt) and the socket
 * becomes ESTABLISHED; RFC 9293 figure 8 line 6 does the same, rather
 * than waiting about 1 s for our own SYN-ACK retransmission.
 */
Test(tcb_simopen, peer_synack_completes_the_handshake)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	int ev;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	s = peer_synack(ISS + 1, t.x->syn_tsval);
	ev = feed(&t, s, T0 + 301 * MS, out, &n);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED, "state %u, want ESTABLISHED", t.state);
	cr_assert_eq(ev, DPS_TCB_CONNECTED);
	cr_assert_eq(t.snd_una, ISS + 1);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

/* The ACK of our SYN-ACK is in sequence whatever the peer's ISN: the
 * sequence test measures from the rcv_nxt our SYN-ACK acknowledged. */
Test(tcb_simopen, ack_of_our_syn_establishes_whatever_the_peer_isn)
{
	static const uint32_t isn[] = { 0, 0x7fffffffu, 0x80000000u, 0xa5a5a5a5u, 0xffffffffu };

	for (size_t i = 0; i < DIM(isn); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		struct dps_tcp_seg s = peer_syn();
		unsigned int n;

		syn_sent(&t, &out[0]);
		s.seq = isn[i];
		feed(&t, s, T0 + 300 * MS, out, &n);
		cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
		s = mkseg(DPS_TH_ACK, isn[i] + 1, ISS + 1);
		s.opt.has_ts = true;
		s.opt.tsval = PEER_TSVAL + 5;
		cr_assert(feed(&t, s, T0 + 310 * MS, out, &n) & DPS_TCB_CONNECTED,
			"peer ISN %#x", isn[i]);
		cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	}
}

/*
 * close() in SYN_RECV after crossed SYNs (Linux's tcp_close_state():
 * FIN_WAIT1 and a FIN at once). The SYN is still unacknowledged, so the
 * retransmission timer resends it, as the SYN-ACK it was, before the
 * FIN; never a byte of the empty send buffer at the ISS.
 */
Test(tcb_simopen, close_in_syn_recv_fin_then_the_rto_resends_the_synack)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT], o[16];
	unsigned int n, k;
	uint64_t now;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	cr_assert_eq(dps_tcb_shutdown(&t, T0 + 400 * MS), DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_FIN_WAIT1);
	k = dps_tcb_output(&t, T0 + 400 * MS, o, DIM(o));
	cr_assert_eq(k, 1);
	cr_assert_eq(o[0].flags, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(o[0].seq, ISS + 1);
	cr_assert_eq(o[0].len, 0);
	for (int rto = 0; rto < 3; rto++) {
		now = dps_tcb_deadline(&t);
		cr_assert_neq(now, 0, "a retransmission timer runs");
		timeout(&t, now, out, &n);
		for (unsigned int i = 0; i < n; i++)
			cr_assert_eq(out[i].len, 0);
		k = dps_tcb_output(&t, now, o, DIM(o));
		cr_assert_geq(k, 1, "RTO %d sends", rto);
		cr_assert_eq(o[0].flags, DPS_TH_SYN | DPS_TH_ACK, "RTO %d: flags %#x", rto,
			o[0].flags);
		cr_assert_eq(o[0].seq, ISS);
		cr_assert_eq(o[0].ack, PEER_ISN + 1);
		for (unsigned int i = 0; i < k; i++)
			cr_assert_eq(o[i].len, 0, "RTO %d: segment %u carries %u bytes", rto,
				i, o[i].len);
	}
	/* The peer's ACK of both completes the close to FIN_WAIT2. */
	feed(&t, mkseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 2), now + MS, out, &n);
	cr_assert_eq(t.state, DPS_TCPS_FIN_WAIT2);
}

/* shutdown(SHUT_WR) in SYN_RECV does nothing to the TCB: Linux's
 * tcp_shutdown() acts only in ESTABLISHED, SYN_SENT and CLOSE_WAIT. */
Test(tcb_simopen, shut_wr_in_syn_recv_sends_nothing)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT], o[16];
	unsigned int n;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	cr_assert_eq(dps_tcb_shut_wr(&t, T0 + 400 * MS), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
	cr_assert_eq(dps_tcb_output(&t, T0 + 400 * MS, o, DIM(o)), 0);
}

/* Linux's tcp_send_synack() after crossed SYNs resends our SYN with ACK
 * set, so the options are those of tcp_syn_options() (the sysctls), not
 * what the peer offered: MSS, SACK, TS (TSecr 0 here) and WS 10 even to
 * a peer whose SYN had none. Our window is unscaled afterwards, since
 * the peer did not agree to scaling (RFC 7323 2.2). */
Test(tcb_simopen, synack_repeats_our_syn_options_like_linux)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s = peer_syn();
	unsigned int n;
	uint8_t buf[64];

	syn_sent(&t, &out[0]);
	s.opt.has_ws = false;
	s.opt.wscale = 0;
	s.opt.has_ts = false;
	s.opt.tsval = 0;
	s.opt.sack_ok = false;
	cr_assert_eq(feed(&t, s, T0 + 300 * MS, out, &n), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert(out[0].opt.has_mss && out[0].opt.sack_ok && out[0].opt.has_ts);
	cr_assert(out[0].opt.has_ws);
	cr_assert_eq(out[0].opt.wscale, 10);
	cr_assert_eq(out[0].opt.tsecr, 0);
	cr_assert_eq(dps_tcp_build(buf, sizeof(buf), 1, 2, &out[0]), 40);
	cr_assert_eq(t.rcv_wscale, 0);
	cr_assert_eq(t.snd_wscale, 0);
	cr_assert(!t.ts_ok);
	cr_assert(!t.sack_ok);
}

/*
 * Derived from the kernel source, not measured: a RST accepted in
 * SYN_RECV. Linux's tcp_reset() gives ECONNREFUSED only in SYN_SENT and
 * ECONNRESET in SYN_RECV (its default case), including a simultaneous
 * open. RFC 9293 3.10.7.4 says "connection refused" for an active open;
 * the project follows Linux.
 */
Test(tcb_simopen, rst_in_syn_recv_is_econnreset_like_linux)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	cr_assert_eq(feed(&t, mkseg(DPS_TH_RST, PEER_ISN + 1, 0), T0 + 301 * MS, out, &n),
		DPS_TCB_CLOSED);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ECONNRESET, "err %d, Linux ECONNRESET", t.err);
}

/* ---- ICMP (Linux tcp_v4_err) ---- */

Test(tcb_icmp, hard_errors_abort_the_attempt)
{
	static const int errs[] = { ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENOPROTOOPT };

	for (size_t i = 0; i < DIM(errs); i++) {
		struct dps_tcb t;
		struct dps_tcp_out syn;

		syn_sent(&t, &syn);
		cr_assert_eq(dps_tcb_icmp(&t, ISS, errs[i], 0), DPS_TCB_CLOSED, "err %d", errs[i]);
		cr_assert_eq(t.state, DPS_TCPS_CLOSE);
		cr_assert_eq(t.err, errs[i]);
		cr_assert_eq(dps_tcb_deadline(&t), 0);
	}
}

Test(tcb_icmp, hard_error_in_syn_recv_aborts)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_recv_crossed(&t, out, &n, T0 + 300 * MS);
	cr_assert_eq(dps_tcb_icmp(&t, ISS, EHOSTUNREACH, 0), DPS_TCB_CLOSED);
	cr_assert_eq(t.err, EHOSTUNREACH);
}

/* A soft error on an established connection (host unreachable while data
 * is in flight) is kept, not fatal; if the connection then times out it
 * is the error reported, unless an acceptable ACK came in between, which
 * forgets it (Linux's tcp_ack(): "something worked"). */
static int
soft_error_then_timeout(bool ack_between)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	uint64_t now = TE + SEC;
	unsigned int n;

	establish(&t);
	dps_tcb_queue(&t, 100);
	dps_tcb_mark_push(&t);
	cr_assert_eq(output(&t, now, out), 1);
	cr_assert_eq(dps_tcb_icmp(&t, t.snd_una, EHOSTUNREACH, 0), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED, "a soft error is not fatal");
	if (ack_between) {
		/* A window update acknowledging nothing new: acceptable. */
		(void)feed(&t, pseg(DPS_TH_ACK, t.rcv_nxt, t.snd_una, 0), now + MS,
			out, &n);
	}
	for (int i = 0; i < 64 && t.state != DPS_TCPS_CLOSE; i++)
		(void)timeout(&t, dps_tcb_deadline(&t), out, &n);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE, "timed out");
	return t.err;
}

Test(tcb_icmp, soft_error_is_reported_on_timeout)
{
	cr_assert_eq(soft_error_then_timeout(false), EHOSTUNREACH);
}

Test(tcb_icmp, acceptable_ack_forgets_the_soft_error)
{
	cr_assert_eq(soft_error_then_timeout(true), ETIMEDOUT);
}

Test(tcb_icmp, frag_needed_only_lowers_the_mss)
{
	struct dps_tcb t;
	struct tcb_snap before;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_sent(&t, &out[0]);
	tcb_snap(&before, &t);
	cr_assert_eq(dps_tcb_icmp(&t, ISS, EMSGSIZE, 1400), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
	cr_assert_eq(t.err, 0);
	cr_assert_eq(t.pmtu_mss, 1360);
	cr_assert_eq(dps_tcb_deadline(&t), dps_tcb_deadline(&before.t));
	/* the handshake then settles on the lower MSS */
	cr_assert_eq(feed(&t, peer_synack(ISS + 1, t.x->syn_tsval), T0 + MS, out, &n),
		DPS_TCB_CONNECTED);
	cr_assert_eq(t.mss, 1360);
}

/* Frag-needed without a usable MTU (old routers send 0) neither aborts nor
 * wraps the MSS around. (Linux would lower the path MTU to ip_rt_min_pmtu,
 * 552, here; not asserted.) */
Test(tcb_icmp, frag_needed_with_a_tiny_mtu_does_not_wrap_the_mss)
{
	static const uint16_t mtus[] = { 0, 20, 39, 40, 67 };

	for (size_t i = 0; i < DIM(mtus); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;

		syn_sent(&t, &out[0]);
		cr_assert_eq(dps_tcb_icmp(&t, ISS, EMSGSIZE, mtus[i]), DPS_TCB_NONE);
		cr_assert_eq(t.state, DPS_TCPS_SYN_SENT, "mtu %u", mtus[i]);
		cr_assert_eq(t.err, 0);
		cr_assert_leq(t.pmtu_mss, 1460, "mtu %u: pmtu_mss %u", mtus[i], t.pmtu_mss);
		cr_assert_eq(feed(&t, peer_synack(ISS + 1, t.x->syn_tsval), T0 + MS, out, &n),
			DPS_TCB_CONNECTED);
		cr_assert_geq(t.mss, 48, "mtu %u: mss %u", mtus[i], t.mss);
		cr_assert_leq(t.mss, 1460, "mtu %u: mss %u", mtus[i], t.mss);
	}
}

/* Only an error quoting a sequence number in [SND.UNA, SND.NXT] counts
 * (tcp_v4_err()'s between(), both ends included). */
Test(tcb_icmp, quoted_seq_out_of_window_is_ignored)
{
	static const uint32_t seqs[] = { ISS - 1, ISS + 2, ISS + 100000, ISS - 0x40000000u, 0 };

	for (size_t i = 0; i < DIM(seqs); i++) {
		struct dps_tcb t;
		struct tcb_snap before;
		struct dps_tcp_out syn;

		syn_sent(&t, &syn);
		tcb_snap(&before, &t);
		cr_assert_eq(dps_tcb_icmp(&t, seqs[i], ECONNREFUSED, 0), DPS_TCB_NONE);
		cr_assert_eq(dps_tcb_icmp(&t, seqs[i], EMSGSIZE, 1400), DPS_TCB_NONE);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "seq %#x", seqs[i]);
	}
}

Test(tcb_icmp, quoted_seq_at_snd_nxt_counts)
{
	struct dps_tcb t;
	struct dps_tcp_out syn;

	syn_sent(&t, &syn);
	cr_assert_eq(dps_tcb_icmp(&t, ISS + 1, ENETUNREACH, 0), DPS_TCB_CLOSED);
	cr_assert_eq(t.err, ENETUNREACH);
}

Test(tcb_icmp, quoted_seq_at_the_wrap)
{
	struct dps_tcb_conf conf = linux_conf();
	struct dps_tcb t;
	struct dps_tcp_out syn;

	tcb_attach(&t);
	dps_tcb_connect(&t, &conf, 0xffffffffu, 0, T0, &syn);
	cr_assert_eq(dps_tcb_icmp(&t, 1, ECONNREFUSED, 0), DPS_TCB_NONE, "past SND.NXT");
	cr_assert_eq(dps_tcb_icmp(&t, 0xfffffffeu, ECONNREFUSED, 0), DPS_TCB_NONE,
		"before SND.UNA");
	cr_assert_eq(t.state, DPS_TCPS_SYN_SENT);
	cr_assert_eq(dps_tcb_icmp(&t, 0xffffffffu, ECONNREFUSED, 0), DPS_TCB_CLOSED);
	cr_assert_eq(t.err, ECONNREFUSED);

	tcb_attach(&t);
	dps_tcb_connect(&t, &conf, 0xffffffffu, 0, T0, &syn);
	cr_assert_eq(dps_tcb_icmp(&t, 0, EHOSTUNREACH, 0), DPS_TCB_CLOSED, "SND.NXT, wrapped");
	cr_assert_eq(t.err, EHOSTUNREACH);
}

/* ---- abort ---- */

Test(tcb_abort, syn_sent_sends_no_rst)
{
	struct dps_tcb t;
	struct dps_tcp_out syn, out;

	syn_sent(&t, &syn);
	memset(&out, 0xa5, sizeof(out));
	cr_assert_eq(dps_tcb_abort(&t, T0 + MS, &out), 0);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ECONNRESET);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

Test(tcb_abort, established_sends_one_rst)
{
	struct dps_tcb t;
	struct dps_tcp_out out;

	establish(&t);
	memset(&out, 0xa5, sizeof(out));
	cr_assert_eq(dps_tcb_abort(&t, T0 + SEC, &out), 1);
	cr_assert_eq(out.flags, DPS_TH_RST | DPS_TH_ACK, "tcp_send_active_reset()");
	cr_assert_eq(out.seq, ISS + 1);
	cr_assert_eq(out.ack, PEER_ISN + 1);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ECONNRESET);
}

Test(tcb_abort, closed_keeps_its_error)
{
	struct dps_tcb t;
	struct dps_tcp_out syn, out;

	syn_sent(&t, &syn);
	cr_assert_eq(dps_tcb_icmp(&t, ISS, EHOSTUNREACH, 0), DPS_TCB_CLOSED);
	cr_assert_eq(dps_tcb_abort(&t, T0 + MS, &out), 0);
	cr_assert_eq(t.err, EHOSTUNREACH);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
}

/* ---- ESTABLISHED / CLOSE_WAIT ---- */

Test(tcb_est, rst_at_rcv_nxt_resets)
{
	static const uint8_t flags[] = { DPS_TH_RST, DPS_TH_RST | DPS_TH_ACK };

	for (size_t i = 0; i < DIM(flags); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;

		establish(&t);
		cr_assert_eq(feed(&t, mkseg(flags[i], PEER_ISN + 1, ISS + 1), T0 + SEC, out, &n),
			DPS_TCB_CLOSED);
		cr_assert_eq(n, 0);
		cr_assert_eq(t.state, DPS_TCPS_CLOSE);
		cr_assert_eq(t.err, ECONNRESET);
	}
}

/* RFC 5961 3.2: in the window but not exact: a challenge ACK. */
Test(tcb_est, rst_in_window_draws_a_challenge_ack)
{
	static const uint32_t rel[] = { 1, 2, 1000, 64239 };

	for (size_t i = 0; i < DIM(rel); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;
		uint64_t now = T0 + 2 * SEC;

		establish(&t);
		cr_assert_eq(feed(&t, mkseg(DPS_TH_RST, PEER_ISN + 1 + rel[i], 0), now, out, &n),
			DPS_TCB_NONE);
		cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED, "rcv_nxt+%u", rel[i]);
		cr_assert_eq(t.err, 0);
		cr_assert_eq(n, 1, "rcv_nxt+%u: challenge ACK", rel[i]);
		cr_assert_eq(out[0].flags, DPS_TH_ACK);
		cr_assert_eq(out[0].seq, ISS + 1);
		cr_assert_eq(out[0].ack, PEER_ISN + 1);
		cr_assert_eq(out[0].opt.tsval, our_ts(now));
		cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL);
	}
}

Test(tcb_est, rst_out_of_window_is_ignored)
{
	static const uint32_t seqs[] = {
		PEER_ISN, PEER_ISN - 1000, PEER_ISN + 1 + 70000, PEER_ISN + 0x40000000u, 0,
	};

	for (size_t i = 0; i < DIM(seqs); i++) {
		struct dps_tcb t;
		struct tcb_snap before;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		unsigned int n;

		establish(&t);
		tcb_snap(&before, &t);
		cr_assert_eq(feed(&t, mkseg(DPS_TH_RST, seqs[i], 0), T0 + SEC, out, &n),
			DPS_TCB_NONE);
		cr_assert_eq(n, 0, "seq %#x", seqs[i]);
		cr_assert_eq(tcb_cmp(&t, &before), 0, "seq %#x", seqs[i]);
	}
}

/* Our ACK was lost: the peer retransmits its SYN-ACK; we ACK again. */
Test(tcb_est, retransmitted_synack_is_acked_again)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;
	uint64_t now = T0 + SEC;

	establish(&t);
	cr_assert_eq(feed(&t, peer_synack(ISS + 1, t.x->syn_tsval), now, out, &n), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_eq(out[0].wnd, 63);
	cr_assert_eq(out[0].opt.tsval, our_ts(now));
}

Test(tcb_est, fin_in_order_moves_to_close_wait)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	unsigned int n;
	uint64_t now = T0 + 3 * SEC;

	establish(&t);
	s = mkseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, ISS + 1);
	s.opt.has_ts = true;
	s.opt.tsval = PEER_TSVAL + 3000;
	s.opt.tsecr = t.x->syn_tsval;
	cr_assert(feed(&t, s, now, out, &n) & DPS_TCB_PEER_FIN);
	cr_assert_eq(n, 0, "the ACK comes from the output pass");
	cr_assert_eq(t.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 2);
	n = dps_tcb_output(&t, now, out, DPS_TCB_MAX_OUT);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].ack, PEER_ISN + 2, "acknowledges the FIN");
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL + 3000, "echoes the FIN's TSval");

	/* a retransmitted FIN is acknowledged again, with no second event */
	cr_assert_eq(feed(&t, s, now + SEC, out, &n) & DPS_TCB_PEER_FIN, 0);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 2);
	/* It ends at our last ACK, so it is processed (Linux's
	 * tcp_sequence()) and acknowledged at once by the output pass. */
	cr_assert_eq(n, 0);
	cr_assert(t.ack_now, "an old FIN draws an immediate duplicate ACK");
	n = dps_tcb_output(&t, now + SEC, out, DPS_TCB_MAX_OUT);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert_eq(out[0].ack, PEER_ISN + 2);
}

Test(tcb_est, fin_out_of_order_is_not_taken)
{
	static const struct { uint32_t rel, len; } c[] = { { 100, 0 }, { 5000, 0 } };

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcb t;
		struct dps_tcp_out out[DPS_TCB_MAX_OUT];
		struct dps_tcp_seg s;
		unsigned int n;

		establish(&t);
		s = mkseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1 + c[i].rel, ISS + 1);
		s.len = c[i].len;
		cr_assert_eq(feed(&t, s, T0 + SEC, out, &n) & DPS_TCB_PEER_FIN, 0,
			"case %zu", i);
		cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED, "case %zu", i);
		cr_assert_eq(t.rcv_nxt, PEER_ISN + 1, "case %zu", i);
	}
}

Test(tcb_est, fin_without_ack_is_dropped)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	establish(&t);
	cr_assert_eq(feed(&t, mkseg(DPS_TH_FIN, PEER_ISN + 1, 0), T0 + SEC, out, &n),
		DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(n, 0);
}

Test(tcb_est, timer_does_nothing_once_established)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	establish(&t);
	cr_assert_eq(timeout(&t, T0 + 200 * SEC, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

/*
 * Derived from the kernel source, not measured: Linux's tcp_reset()
 * reports EPIPE for a RST in CLOSE_WAIT ("case TCP_CLOSE_WAIT: err =
 * EPIPE"), ECONNRESET elsewhere.
 */
Test(tcb_est, rst_in_close_wait_is_epipe_like_linux)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	establish(&t);
	cr_assert(feed(&t, mkseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, ISS + 1),
		T0 + SEC, out, &n) & DPS_TCB_PEER_FIN);
	cr_assert_eq(feed(&t, mkseg(DPS_TH_RST, PEER_ISN + 2, 0), T0 + 2 * SEC, out, &n),
		DPS_TCB_CLOSED);
	cr_assert_eq(t.err, EPIPE, "err %d, Linux EPIPE", t.err);
}

/* ---- RST for a segment without a connection ---- */

Test(tcp_rst_for, answers_like_rfc9293)
{
	static const struct {
		uint8_t flags;
		uint32_t seq, ack, len;
		bool sent;
		uint8_t rflags;
		uint32_t rseq, rack;
	} c[] = {
		{ DPS_TH_ACK, 100, 200, 0, true, DPS_TH_RST, 200, 0 },
		{ DPS_TH_ACK | DPS_TH_PSH, 100, 200, 50, true, DPS_TH_RST, 200, 0 },
		{ DPS_TH_SYN | DPS_TH_ACK, 100, 0xffffffffu, 0, true, DPS_TH_RST, 0xffffffffu, 0 },
		{ DPS_TH_FIN | DPS_TH_ACK, 100, 7, 10, true, DPS_TH_RST, 7, 0 },
		{ DPS_TH_SYN, 100, 999, 0, true, DPS_TH_RST | DPS_TH_ACK, 0, 101 },
		{ DPS_TH_SYN | DPS_TH_FIN, 100, 0, 5, true, DPS_TH_RST | DPS_TH_ACK, 0, 107 },
		{ DPS_TH_FIN, 100, 0, 0, true, DPS_TH_RST | DPS_TH_ACK, 0, 101 },
		{ 0, 100, 0, 10, true, DPS_TH_RST | DPS_TH_ACK, 0, 110 },
		{ DPS_TH_PSH, 0xfffffffeu, 0, 3, true, DPS_TH_RST | DPS_TH_ACK, 0, 1 },
		{ DPS_TH_SYN, 0xffffffffu, 0, 0, true, DPS_TH_RST | DPS_TH_ACK, 0, 0 },
		{ DPS_TH_RST, 100, 0, 0, false, 0, 0, 0 },
		{ DPS_TH_RST | DPS_TH_ACK, 100, 200, 0, false, 0, 0, 0 },
		{ DPS_TH_RST | DPS_TH_SYN, 100, 0, 0, false, 0, 0, 0 },
	};

	for (size_t i = 0; i < DIM(c); i++) {
		struct dps_tcp_seg s = mkseg(c[i].flags, c[i].seq, c[i].ack);
		struct dps_tcp_out o;

		s.len = c[i].len;
		memset(&o, 0xa5, sizeof(o));
		cr_assert_eq(dps_tcp_rst_for(&s, &o), c[i].sent, "case %zu", i);
		if (!c[i].sent)
			continue;
		cr_assert_eq(o.flags, c[i].rflags, "case %zu: flags %#x", i, o.flags);
		cr_assert_eq(o.seq, c[i].rseq, "case %zu: seq %#x", i, o.seq);
		cr_assert_eq(o.ack, c[i].rack, "case %zu: ack %#x", i, o.ack);
		cr_assert_eq(o.opts, DPS_TCP_OUT_NONE, "case %zu", i);
		cr_assert_eq(o.wnd, 0, "case %zu", i);
	}
}

/* ---- the timer wheel ------------------------------------------------- */

struct fire_log {
	uint64_t now;			/* the time of the expiry pass */
	unsigned int n;
	struct dps_tnode *who[1100];
	uint64_t at[1100];
};

static void
log_fire(struct dps_tnode *n, void *arg)
{
	struct fire_log *f = arg;

	cr_assert(!dps_tw_armed(n), "fired while armed");
	cr_assert_lt(f->n, DIM(f->who));
	f->who[f->n] = n;
	f->at[f->n] = f->now;
	f->n++;
}

/* One wheel per test (each test runs in its own process); static, so a
 * failed assertion leaks nothing. */
static struct dps_twheel *
wheel(uint64_t now)
{
	static struct dps_twheel storage;
	struct dps_twheel *w = &storage;

	memset(w, 0x5a, sizeof(*w));
	dps_tw_init(w, now);
	cr_assert_eq(w->armed, 0);
	return w;
}

static unsigned int
expire(struct dps_twheel *w, uint64_t now, struct fire_log *f)
{
	f->now = now;
	return dps_tw_expire(w, now, log_fire, f);
}

/* The end of tick @k: a loop that polls once per tick polls here. */
static uint64_t
tick_end(uint64_t k)
{
	return (k + 1) * TICK - 1;
}

Test(tw, arm_cancel_rearm_and_the_armed_count)
{
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode a = { 0 }, b = { 0 };

	cr_assert(!dps_tw_armed(&a));
	dps_tw_arm(w, &a, 10 * MS);
	cr_assert(dps_tw_armed(&a));
	cr_assert_eq(a.when, 10 * MS);
	cr_assert_eq(w->armed, 1);
	dps_tw_arm(w, &a, 20 * MS);		/* re-arm moves it */
	cr_assert_eq(w->armed, 1);
	cr_assert_eq(a.when, 20 * MS);
	dps_tw_arm(w, &b, 30 * MS);
	cr_assert_eq(w->armed, 2);
	dps_tw_cancel(w, &b);
	cr_assert(!dps_tw_armed(&b));
	cr_assert_eq(w->armed, 1);
	dps_tw_cancel(w, &b);			/* harmless twice */
	cr_assert_eq(w->armed, 1);

	cr_assert_eq(expire(w, tick_end(10 * MS / TICK), &f), 0, "not at the old deadline");
	cr_assert_eq(expire(w, tick_end(20 * MS / TICK), &f), 1);
	cr_assert_eq(f.who[0], &a);
	cr_assert_geq(f.at[0], 20 * MS);
	cr_assert(!dps_tw_armed(&a));
	cr_assert_eq(w->armed, 0);
	cr_assert_eq(expire(w, tick_end(40 * MS / TICK), &f), 0, "the cancelled one stays quiet");
	cr_assert_eq(f.n, 1);
}

/* Polled once per tick, a timer fires at the first poll at or after its
 * deadline, never before; deadlines beyond one turn (DPS_TW_SLOTS ticks)
 * are not taken a turn early. */
Test(tw, fires_on_time_and_not_a_turn_early)
{
	static const uint64_t ticks[] = {
		0, 1, 2, 100, DPS_TW_SLOTS - 1, DPS_TW_SLOTS, DPS_TW_SLOTS + 1,
		2 * DPS_TW_SLOTS + 5, 3 * DPS_TW_SLOTS + 100,
	};
	static const uint64_t frac[] = { 0, 1, TICK / 2, TICK - 1 };
	const uint64_t base = 1000;		/* wheel starts at tick 1000 */

	for (size_t i = 0; i < DIM(ticks); i++) {
		for (size_t j = 0; j < DIM(frac); j++) {
			struct dps_twheel *w = wheel(tick_end(base));
			struct fire_log f = { 0 };
			struct dps_tnode a = { 0 };
			uint64_t when = (base + 1 + ticks[i]) * TICK + frac[j];
			uint64_t k;

			dps_tw_arm(w, &a, when);
			for (k = base + 1; f.n == 0; k++) {
				cr_assert_leq(k, base + 4 * DPS_TW_SLOTS + 200, "never fired");
				expire(w, tick_end(k), &f);
			}
			cr_assert_geq(f.at[0], when, "fired early: tick +%" PRIu64 " frac %" PRIu64,
				ticks[i], frac[j]);
			cr_assert_lt(f.at[0], when + TICK, "fired late: tick +%" PRIu64, ticks[i]);
			cr_assert_eq(w->armed, 0);
				}
	}
}

/*
 * Issue 18 saw a retransmission 7 ms early. Whatever the wheel's position
 * (the first turn, a turn's edge, far into the clock) and however
 * irregular the polls (a busy lcore polls late, a quiet one often, not
 * on tick edges), a timer fires at the first poll at or after its
 * deadline: never before, as Linux's wheel never fires early
 * (calc_index() rounds up).
 */
Test(tw, never_early_at_any_wheel_position_or_poll_instant)
{
	static const uint64_t start[] = {
		0, 1, DPS_TW_SLOTS - 1, DPS_TW_SLOTS, 12345ull * DPS_TW_SLOTS + 17,
		(1ull << 42) / TICK - 3,
	};
	static const uint64_t delay[] = {
		0, 1, TICK - 1, TICK, TICK + 1, 40 * MS, 200 * MS + 7, 212 * MS,
		DPS_TW_SLOTS * TICK - 1, DPS_TW_SLOTS * TICK + TICK / 3,
		3 * DPS_TW_SLOTS * TICK + 5, 120 * SEC,
	};
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < DIM(start); i++) {
		for (size_t j = 0; j < DIM(delay); j++) {
			uint64_t now = start[i] * TICK + (start[i] * 7919) % TICK;
			struct dps_twheel *w = wheel(now);
			struct fire_log f = { 0 };
			struct dps_tnode a = { 0 };
			uint64_t when = now + delay[j], prev = 0;

			dps_tw_arm(w, &a, when);
			while (f.n == 0) {
				/* The next poll: 1 ns to 2.5 ticks on, or a long
				 * sleep now and then. */
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				prev = f.now;	/* the last poll, 0 before the first */
				now += (seed >> 40) % 8 == 0 ? (seed >> 20) % (200 * TICK) + 1 :
					(seed >> 33) % (5 * TICK / 2) + 1;
				expire(w, now, &f);
			}
			cr_assert_geq(f.at[0], when, "early by %" PRIu64 " ns: start %zu delay %zu",
				when - f.at[0], i, j);
			cr_assert(prev == 0 || prev < when, "late: a poll at or after the deadline "
				"passed (start %zu delay %zu)", i, j);
		}
	}
}

Test(tw, many_timers_in_one_slot)
{
	enum { NOW = 500, LATER = 300, LATEST = 200 };
	struct dps_twheel *w = wheel(0);
	static struct fire_log f;
	static struct dps_tnode n[NOW + LATER + LATEST];
	const uint64_t k0 = 100;
	unsigned int fired_at_k0 = 0;

	memset(&f, 0, sizeof(f));
	memset(n, 0, sizeof(n));
	for (unsigned int i = 0; i < DIM(n); i++) {
		uint64_t turn = i < NOW ? 0 : i < NOW + LATER ? 1 : 2;

		dps_tw_arm(w, &n[i], (k0 + turn * DPS_TW_SLOTS) * TICK + (i * 997) % TICK);
	}
	cr_assert_eq(w->armed, DIM(n));
	for (uint64_t k = 1; k <= k0 + 2 * DPS_TW_SLOTS; k++) {
		unsigned int got = expire(w, tick_end(k), &f);

		if (k == k0)
			fired_at_k0 = got;
		else if (k == k0 + DPS_TW_SLOTS)
			cr_assert_eq(got, LATER, "second turn: %u", got);
		else if (k == k0 + 2 * DPS_TW_SLOTS)
			cr_assert_eq(got, LATEST, "third turn: %u", got);
		else
			cr_assert_eq(got, 0, "tick %" PRIu64 ": %u fired", k, got);
	}
	cr_assert_eq(fired_at_k0, NOW);
	cr_assert_eq(f.n, DIM(n));
	cr_assert_eq(w->armed, 0);
	for (unsigned int i = 0; i < f.n; i++) {
		cr_assert_geq(f.at[i], f.who[i]->when);
		for (unsigned int j = 0; j < i; j++)
			cr_assert_neq(f.who[i], f.who[j], "fired twice");
	}
}

struct periodic {
	struct dps_twheel *w;
	struct dps_tnode node;
	uint64_t period, now;
	unsigned int fired;
	uint64_t last_late;
};

static void
periodic_fire(struct dps_tnode *n, void *arg)
{
	struct periodic *p = arg;

	cr_assert_eq(n, &p->node);
	cr_assert_geq(p->now, n->when);
	p->last_late = p->now - n->when;
	p->fired++;
	dps_tw_arm(p->w, n, n->when + p->period);	/* re-arms itself */
}

Test(tw, callback_rearms_its_own_node)
{
	struct periodic p = { .period = 10 * MS };

	p.w = wheel(0);
	dps_tw_arm(p.w, &p.node, p.period);
	for (uint64_t k = 0; tick_end(k) < SEC + p.period / 2; k++) {
		p.now = tick_end(k);
		cr_assert_leq(dps_tw_expire(p.w, p.now, periodic_fire, &p), 1);
		cr_assert_lt(p.last_late, TICK);
		cr_assert_eq(p.w->armed, 1);
	}
	cr_assert_eq(p.fired, 100, "fired %u times in 1 s", p.fired);
	cr_assert(dps_tw_armed(&p.node));
}

static void
rearm_in_the_past(struct dps_tnode *n, void *arg)
{
	struct periodic *p = arg;

	p->fired++;
	if (p->fired == 1)
		dps_tw_arm(p->w, n, p->now - 5 * MS);
}

/* A callback re-arming its node in the past does not loop in the pass;
 * the node fires at the next one. */
Test(tw, rearm_in_the_past_from_the_callback_fires_next_pass)
{
	struct periodic p = { 0 };

	p.w = wheel(0);
	dps_tw_arm(p.w, &p.node, 50 * MS);
	p.now = tick_end(100);
	cr_assert_eq(dps_tw_expire(p.w, p.now, rearm_in_the_past, &p), 1);
	cr_assert_eq(p.fired, 1);
	cr_assert(dps_tw_armed(&p.node));
	p.now = tick_end(101);
	cr_assert_eq(dps_tw_expire(p.w, p.now, rearm_in_the_past, &p), 1);
	cr_assert_eq(p.fired, 2);
	cr_assert_eq(p.w->armed, 0);
}

Test(tw, long_gap_fires_everything_due)
{
	static const uint64_t when[] = {
		1 * MS, 3 * SEC, 4500 * MS, 9 * SEC, 100 * SEC, 199 * SEC, 1000 * SEC,
	};
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode n[DIM(when)];

	memset(n, 0, sizeof(n));
	for (size_t i = 0; i < DIM(when); i++)
		dps_tw_arm(w, &n[i], when[i]);
	cr_assert_eq(expire(w, 200 * SEC, &f), DIM(when) - 1);
	cr_assert_eq(w->armed, 1);
	cr_assert(dps_tw_armed(&n[DIM(when) - 1]));
	cr_assert_eq(expire(w, 999 * SEC, &f), 0);
	cr_assert_eq(expire(w, 2000 * SEC, &f), 1);
	cr_assert_eq(f.who[f.n - 1], &n[DIM(when) - 1]);
	cr_assert_eq(w->armed, 0);
	/* the wheel keeps working after the gap */
	dps_tw_arm(w, &n[0], 2000 * SEC + 5 * MS);
	cr_assert_eq(expire(w, tick_end((2000 * SEC + 5 * MS) / TICK), &f), 1);
}

/*
 * A starved loop: polls come at irregular gaps from a microsecond to
 * two turns, timers are re-armed from 0 to 3 turns ahead. Every timer
 * fires at the first poll at or after its deadline (so the wheel never
 * loses time to a late poll), and never before it.
 */
Test(tw, irregular_polls_fire_every_due_timer_at_once)
{
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode n[64];
	uint64_t now = 0, rnd = 88172645463325252ull;

	memset(n, 0, sizeof(n));
	for (unsigned int round = 0; round < 20000; round++) {
		uint64_t gap, turn = (uint64_t)DPS_TW_SLOTS * TICK;
		unsigned int fired0 = f.n;

		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		gap = rnd % 8 == 0 ? rnd % (2 * turn) : rnd % (5 * TICK);
		now += gap;
		expire(w, now, &f);
		for (unsigned int i = fired0; i < f.n; i++)
			cr_assert_geq(now, f.who[i]->when, "fired early");
		for (unsigned int i = 0; i < DIM(n); i++)
			cr_assert(!dps_tw_armed(&n[i]) || n[i].when > now,
				"timer %u due at %" PRIu64 " still armed at %" PRIu64,
				i, n[i].when, now);
		f.n = 0;
		for (unsigned int i = 0; i < DIM(n); i++) {
			if (dps_tw_armed(&n[i]) && rnd % 3 != 0)
				continue;
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			dps_tw_arm(w, &n[i], now + rnd % (3 * turn));
		}
	}
}

Test(tw, empty_wheel_expires_nothing)
{
	struct dps_twheel *w = wheel(123 * MS);
	struct fire_log f = { 0 };

	cr_assert_eq(expire(w, 124 * MS, &f), 0);
	cr_assert_eq(expire(w, 10 * SEC, &f), 0);
	cr_assert_eq(expire(w, 1000 * SEC, &f), 0);
	cr_assert_eq(f.n, 0);
}

/*
 * A deadline later in the tick the wheel is in, with the wheel polled
 * several times in that tick, as dps_stack_poll() does on every loop
 * iteration (microseconds apart). With w->tick = last + 1 after a pass
 * (the code before this suite), the not-yet-due nodes of the current
 * slot were not looked at again for a whole turn: fired 4294 ms late.
 */
Test(tw, deadline_later_in_the_current_tick_fires_on_time)
{
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode a = { 0 };
	uint64_t when = 5 * TICK + TICK / 2, now;

	dps_tw_arm(w, &a, when);
	cr_assert_eq(expire(w, 5 * TICK, &f), 0, "too early");
	for (now = 5 * TICK + 100 * 1000; f.n == 0 && now < 20 * SEC; now += 100 * 1000)
		expire(w, now, &f);	/* a loop polling every 100 us */
	cr_assert_eq(f.n, 1, "never fired");
	cr_assert_lt(f.at[0], when + TICK, "fired %" PRIu64 " ms after its deadline",
		(uint64_t)((f.at[0] - when) / MS));
}

/* dps_timer.h: "a deadline in the past fires at the next expiry pass",
 * also when that pass is in the same tick as the previous one. */
Test(tw, past_deadline_fires_at_the_next_pass)
{
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode a = { 0 };
	uint64_t now = 10 * TICK + 10;

	cr_assert_eq(expire(w, now, &f), 0);
	dps_tw_arm(w, &a, now - 5);
	cr_assert_eq(expire(w, now + 1000, &f), 1, "a due timer did not fire");
}

struct canceller {
	struct dps_twheel *w;
	struct dps_tnode a, b, c;
	unsigned int fired;
};

static void
cancel_the_other(struct dps_tnode *n, void *arg)
{
	struct canceller *k = arg;

	k->fired++;
	dps_tw_cancel(k->w, n == &k->a ? &k->b : &k->a);
}

/*
 * The header allows a callback to cancel or re-arm other timers. A node
 * already moved to the pass's private "due" list is still
 * dps_tw_armed(), so cancelling it must count once: A and B are due
 * together and A's callback cancels B; C, still armed, must keep the
 * armed count above 0 and fire at its deadline.
 */
Test(tw, callback_cancelling_another_due_timer)
{
	struct canceller k = { 0 };
	unsigned int got;

	k.w = wheel(0);
	dps_tw_arm(k.w, &k.a, 10 * MS);
	dps_tw_arm(k.w, &k.b, 10 * MS + 1);
	dps_tw_arm(k.w, &k.c, SEC);
	got = dps_tw_expire(k.w, tick_end(10 * MS / TICK), cancel_the_other, &k);
	cr_assert_eq(got, 1, "the cancelled timer fired anyway");
	cr_assert(!dps_tw_armed(&k.a) && !dps_tw_armed(&k.b));
	cr_assert_eq(k.w->armed, 1, "armed %u, want 1 (C)", k.w->armed);
	got = dps_tw_expire(k.w, tick_end(SEC / TICK), cancel_the_other, &k);
	cr_assert_eq(got, 1, "C did not fire");
}

/*
 * Issue 15: a profile of a million opens found the wheel taking 3-6 % of
 * the time with no timer due, because every poll re-walked the current
 * slot (deadlines later in the tick, and deadlines whole turns away that
 * share the slot). The work is counted in nodes visited, not timed:
 * a full turn of polls 10 us apart over many far timers visits no far
 * node; the one near timer's walk visits its slot once; a node armed
 * into the slot the wheel is in, after that slot was walked, still
 * fires on time.
 */
Test(tw, polls_with_nothing_due_visit_no_node)
{
	enum { PER_SLOT = 4, NEAR_TICK = 7 };
	static struct dps_tnode far[DPS_TW_SLOTS * PER_SLOT];
	struct dps_twheel *w = wheel(0);
	struct fire_log f = { 0 };
	struct dps_tnode near = { 0 }, late = { 0 };
	const uint64_t turn = (uint64_t)DPS_TW_SLOTS * TICK;
	uint64_t now, late_when;

	memset(far, 0, sizeof(far));
	for (unsigned int i = 0; i < DIM(far); i++) {
		uint64_t k = i % DPS_TW_SLOTS, turns = 1 + i / DPS_TW_SLOTS;

		dps_tw_arm(w, &far[i], turns * turn + k * TICK + (i * 997) % TICK);
	}
	dps_tw_arm(w, &near, NEAR_TICK * TICK + TICK / 2);
	for (now = 0; now < turn; now += 10 * 1000)
		expire(w, now, &f);
	cr_assert_eq(f.n, 1, "%u fired in the first turn", f.n);
	cr_assert_eq(f.who[0], &near);
	cr_assert_geq(f.at[0], near.when);
	cr_assert_leq(w->visited, 1 + PER_SLOT,
		"%" PRIu64 " nodes visited by %" PRIu64 " polls with 1 timer due",
		w->visited, turn / (10 * 1000));

	/* The wheel's current slot (its last tick) holds only far nodes and
	 * was skipped; a deadline armed later in this tick still fires at
	 * the first poll at or after it. */
	now = f.now;
	cr_assert_eq(now >> DPS_TW_SHIFT, DPS_TW_SLOTS - 1);
	late_when = now + 1000;
	dps_tw_arm(w, &late, late_when);
	cr_assert_eq(expire(w, late_when - 1, &f), 0, "fired early");
	cr_assert_eq(expire(w, late_when, &f), 1, "fired late");
	cr_assert_eq(f.who[f.n - 1], &late);
}

/* ---- TCB and wheel together, as the glue drives them ---- */

struct glue {
	struct dps_twheel *w;
	struct dps_tnode node;
	struct dps_tcb t;
	uint64_t now;
	unsigned int n_syn;
	uint64_t syn_at[16], deadline[16];
	bool closed;
	uint64_t closed_at;
};

static void
glue_sync(struct glue *g)
{
	if (dps_tcb_deadline(&g->t) == 0)
		dps_tw_cancel(g->w, &g->node);
	else if (!dps_tw_armed(&g->node) || g->node.when != dps_tcb_deadline(&g->t))
		dps_tw_arm(g->w, &g->node, dps_tcb_deadline(&g->t));
}

static void
glue_fired(struct dps_tnode *n, void *arg)
{
	struct glue *g = arg;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int cnt;
	uint64_t deadline = n->when;

	if (dps_tcb_timeout(&g->t, g->now, out, &cnt) == DPS_TCB_CLOSED) {
		g->closed = true;
		g->closed_at = g->now;
		g->deadline[g->n_syn] = deadline;
	} else if (cnt == 1 && g->n_syn < DIM(g->syn_at)) {
		g->deadline[g->n_syn] = deadline;
		g->syn_at[g->n_syn++] = g->now;
	}
	glue_sync(g);
}

/*
 * The default SYN schedule through the wheel, polled every 100 us like
 * dps_stack_poll(). Each SYN must leave within a tick of its deadline
 * and the attempt must end at 131 s (with the late-slot wheel bug the
 * first retransmission went at 5.3 s).
 */
Test(tcb_wheel, syn_schedule_polled_every_100us)
{
	static const uint32_t want_ms[] = {
		1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000,
	};
	static struct glue glue;
	struct glue *g = &glue;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out syn;
	const uint64_t t0 = 3 * SEC + 123457;	/* not on a tick */

	g->w = wheel(0);
	tcb_attach(&g->t);
	dps_tcb_connect(&g->t, &c, ISS, TS_OFF, t0, &syn);
	glue_sync(g);
	for (g->now = t0; !g->closed && g->now < t0 + 200 * SEC; g->now += 100 * 1000)
		dps_tw_expire(g->w, g->now, glue_fired, g);
	for (unsigned int i = 0; i < g->n_syn && i < DIM(want_ms); i++) {
		cr_assert_eq(g->deadline[i], t0 + want_ms[i] * MS);
		cr_assert_lt(g->syn_at[i] - t0, want_ms[i] * MS + TICK,
			"SYN %u at %" PRIu64 " ms, want %u ms", i + 1,
			(uint64_t)((g->syn_at[i] - t0) / MS), want_ms[i]);
	}
	cr_assert_eq(g->n_syn, DIM(want_ms), "%u retransmissions", g->n_syn);
	cr_assert(g->closed);
	cr_assert_eq(g->t.err, ETIMEDOUT);
	cr_assert_lt(g->closed_at - t0, 131 * SEC + TICK);
}
