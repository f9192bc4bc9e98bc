/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of three self-contained parts of the TCP core:
 * - SYN cookies (lib/tcp/dps_syncookie.c): round trips, tampering, age,
 *   the MSS tables of both families, and the option bits folded into a
 *   TSval;
 * - compact TIME_WAIT (lib/tcp/dps_tcp_tw.c): the verdict and the exact
 *   ACK for each kind of segment Linux's tcp_timewait_state_process()
 *   tells apart, and the tcp_tw_reuse rule;
 * - CUBIC (lib/tcp/dps_tcp_cubic.c): the window against the formulas of
 *   RFC 9438, computed here independently with the same constants.
 * All pure: the time is an argument, so minutes pass in microseconds.
 */
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "tcb_fixture.h"	/* the clock units and the segment builder */

#define MIN		(60 * SEC)

/* ---- SYN cookies ------------------------------------------------------ */

static const uint64_t key[2] = { 0x0123456789abcdefull, 0x0f1e2d3c4b5a6978ull };
static const uint64_t other_key[2] = { 0x0123456789abcdefull, 0x0f1e2d3c4b5a6979ull };

/* xorshift64: a fixed stream of test inputs. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static struct dps_cookie_in
rnd_tuple(uint64_t *s)
{
	struct dps_cookie_in in;

	in.saddr = (uint32_t)rnd(s);
	in.daddr = (uint32_t)rnd(s);
	in.sport = (uint16_t)rnd(s);
	in.dport = (uint16_t)rnd(s);
	in.peer_isn = (uint32_t)rnd(s);
	return in;
}

/* Linux's table {536, 1300, 1440, 1460}: the largest entry <= @mss, and
 * 536 below it. */
static uint16_t
table_mss(uint16_t mss)
{
	if (mss >= 1460)
		return 1460;
	if (mss >= 1440)
		return 1440;
	if (mss >= 1300)
		return 1300;
	return 536;
}

/* SC_T0 is the first instant of minute 1000. */
#define SC_T0 (1000 * MIN)

Test(syncookie, round_trip_many)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 20000; i++) {
		struct dps_cookie_in in = rnd_tuple(&s);
		uint16_t mss = (uint16_t)rnd(&s), got = 0;
		uint64_t now = SC_T0 + rnd(&s) % (1000 * MIN);
		uint32_t c = dps_syncookie_make(key, &in, mss, now, &got);

		cr_assert_eq(got, table_mss(mss), "mss %u -> %u", mss, got);
		cr_assert_eq(dps_syncookie_check(key, &in, c, now), got,
			"tuple %d", i);
		cr_assert_eq(dps_syncookie_check(key, &in, c, now + 59 * SEC),
			got, "tuple %d a minute later", i);
	}
}

Test(syncookie, mss_table)
{
	static const struct { uint16_t in, out; } cases[] = {
		{ 0, 536 }, { 100, 536 }, { 535, 536 }, { 536, 536 },
		{ 1299, 536 }, { 1300, 1300 }, { 1439, 1300 }, { 1440, 1440 },
		{ 1459, 1440 }, { 1460, 1460 }, { 1500, 1460 }, { 8960, 1460 },
		{ 65535, 1460 },
	};
	struct dps_cookie_in in = { 0x0a000001, 0x0a000002, 0x1234, 0x5000, 77 };

	for (size_t i = 0; i < DIM(cases); i++) {
		uint16_t got = 0;
		uint32_t c = dps_syncookie_make(key, &in, cases[i].in, SC_T0, &got);

		cr_assert_eq(got, cases[i].out, "mss %u: %u", cases[i].in, got);
		cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0), cases[i].out);
	}
	/* mss_out may be NULL. */
	cr_assert_eq(dps_syncookie_check(key, &in,
		dps_syncookie_make(key, &in, 1440, SC_T0, NULL), SC_T0), 1440);
}

/* Any change to the tuple, the peer's ISN, the key, or the cookie bits
 * above the MSS index is refused. (Bits 0-1 hold the index itself: a
 * change there, or a peer ISN off by less than 4, decodes to another
 * table entry, in Linux as here; the next test pins that down.) */
Test(syncookie, tampering_rejected)
{
	uint64_t s = 42;

	for (int i = 0; i < 2000; i++) {
		struct dps_cookie_in in = rnd_tuple(&s), bad;
		uint64_t now = SC_T0 + rnd(&s) % (100 * MIN);
		uint32_t c = dps_syncookie_make(key, &in, 1460, now, NULL);

		bad = in;
		bad.saddr ^= 1u << (rnd(&s) % 32);
		cr_assert_eq(dps_syncookie_check(key, &bad, c, now), 0);
		bad = in;
		bad.daddr ^= 1u << (rnd(&s) % 32);
		cr_assert_eq(dps_syncookie_check(key, &bad, c, now), 0);
		bad = in;
		bad.sport ^= (uint16_t)(1u << (rnd(&s) % 16));
		cr_assert_eq(dps_syncookie_check(key, &bad, c, now), 0);
		bad = in;
		bad.dport ^= (uint16_t)(1u << (rnd(&s) % 16));
		cr_assert_eq(dps_syncookie_check(key, &bad, c, now), 0);
		bad = in;
		bad.peer_isn += 4 + (uint32_t)(rnd(&s) % 100000);
		cr_assert_eq(dps_syncookie_check(key, &bad, c, now), 0);
		cr_assert_eq(dps_syncookie_check(other_key, &in, c, now), 0);
		for (int b = 2; b < 32; b++)
			cr_assert_eq(dps_syncookie_check(key, &in, c ^ (1u << b), now),
				0, "tuple %d bit %d", i, b);
	}
}

/* The index is added, not hashed: cookie + d, or the peer's ISN - d,
 * give the entry d places on when it exists. The TCB then uses another
 * table MSS, no worse than what an attacker could claim in a SYN. */
Test(syncookie, index_is_additive)
{
	struct dps_cookie_in in = { 0x0a000001, 0x0a000002, 0x1234, 0x5000, 900 };
	uint32_t c = dps_syncookie_make(key, &in, 536, SC_T0, NULL);

	cr_assert_eq(dps_syncookie_check(key, &in, c + 1, SC_T0), 1300);
	cr_assert_eq(dps_syncookie_check(key, &in, c + 3, SC_T0), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, c + 4, SC_T0), 0);
	cr_assert_eq(dps_syncookie_check(key, &in, c - 1, SC_T0), 0);
	in.peer_isn -= 2;
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0), 1440);
}

/* The sport/dport order matters: the reverse tuple is another one. */
Test(syncookie, ports_not_symmetric)
{
	struct dps_cookie_in in = { 0x0a000001, 0x0a000002, 0x1111, 0x2222, 5 };
	struct dps_cookie_in rev = in;
	uint32_t c = dps_syncookie_make(key, &in, 1460, SC_T0, NULL);

	rev.sport = in.dport;
	rev.dport = in.sport;
	cr_assert_eq(dps_syncookie_check(key, &rev, c, SC_T0), 0);
	rev = in;
	rev.saddr = in.daddr;
	rev.daddr = in.saddr;
	cr_assert_eq(dps_syncookie_check(key, &rev, c, SC_T0), 0);
}

/*
 * Age, as Linux's MAX_SYNCOOKIE_AGE 2 counts it: the cookie is good while
 * the minute counter has moved by 0 or 1, so one made at the start of a
 * minute lives just under two minutes, one made at its end just over one.
 */
Test(syncookie, age_in_minutes)
{
	struct dps_cookie_in in = { 0xc0a80001, 0xc0a80002, 0xabcd, 0x0050, 99 };
	uint32_t c = dps_syncookie_make(key, &in, 1460, SC_T0, NULL);
	uint32_t late = dps_syncookie_make(key, &in, 1460, SC_T0 + 59 * SEC + 999 * MS,
		NULL);

	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + MIN - 1), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + MIN), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + 2 * MIN - 1), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + 2 * MIN), 0);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + 3 * MIN), 0);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 + 100 * MIN), 0);
	/* From a minute the checker has not reached: refused. */
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 - 1), 0);
	cr_assert_eq(dps_syncookie_check(key, &in, c, SC_T0 - MIN), 0);

	cr_assert_eq(dps_syncookie_check(key, &in, late, SC_T0 + MIN), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, late, SC_T0 + 2 * MIN - 1), 1460);
	cr_assert_eq(dps_syncookie_check(key, &in, late, SC_T0 + 2 * MIN), 0);
}

/* Only the low 8 bits of the minute counter are in the cookie: the age
 * test must work across their wrap, and 256 minutes later must fail. */
Test(syncookie, minute_counter_wraps)
{
	struct dps_cookie_in in = { 1, 2, 3, 4, 0xfffffff0u };
	uint64_t t = 255 * MIN + 30 * SEC;
	uint32_t c = dps_syncookie_make(key, &in, 1300, t, NULL);

	cr_assert_eq(dps_syncookie_check(key, &in, c, t + MIN), 1300);
	cr_assert_eq(dps_syncookie_check(key, &in, c, t + 256 * MIN), 0);
	cr_assert_eq(dps_syncookie_check(key, &in, c, t + 257 * MIN), 0);
}

/* Cookies for one tuple change with the minute and the peer's ISN. */
Test(syncookie, cookie_varies)
{
	struct dps_cookie_in in = { 1, 2, 3, 4, 1000 };
	uint32_t a = dps_syncookie_make(key, &in, 1460, SC_T0, NULL);
	uint32_t b = dps_syncookie_make(key, &in, 1460, SC_T0 + MIN, NULL);

	cr_assert_neq(a, b);
	in.peer_isn++;
	cr_assert_eq(dps_syncookie_make(key, &in, 1460, SC_T0, NULL), a + 1);
	cr_assert_neq(dps_syncookie_make(other_key, &in, 1460, SC_T0, NULL), a + 1);
}

/* ---- SYN cookies over IPv6 -------------------------------------------- */

static struct dps_cookie_in6
rnd_tuple6(uint64_t *s)
{
	struct dps_cookie_in6 in;

	for (int i = 0; i < 16; i += 8) {
		uint64_t a = rnd(s), b = rnd(s);

		memcpy(&in.saddr[i], &a, 8);
		memcpy(&in.daddr[i], &b, 8);
	}
	in.sport = (uint16_t)rnd(s);
	in.dport = (uint16_t)rnd(s);
	in.peer_isn = (uint32_t)rnd(s);
	return in;
}

/* Linux's IPv6 table {1220, 1420, 1440, 8940}. */
Test(syncookie6, mss_table)
{
	static const struct { uint16_t in, out; } cases[] = {
		{ 0, 1220 }, { 536, 1220 }, { 1219, 1220 }, { 1220, 1220 },
		{ 1419, 1220 }, { 1420, 1420 }, { 1439, 1420 }, { 1440, 1440 },
		{ 1460, 1440 }, { 8939, 1440 }, { 8940, 8940 }, { 65535, 8940 },
	};
	uint64_t s = 7;
	struct dps_cookie_in6 in = rnd_tuple6(&s);

	for (size_t i = 0; i < DIM(cases); i++) {
		uint16_t got = 0;
		uint32_t c = dps_syncookie_make6(key, &in, cases[i].in, SC_T0, &got);

		cr_assert_eq(got, cases[i].out, "mss %u: %u", cases[i].in, got);
		cr_assert_eq(dps_syncookie_check6(key, &in, c, SC_T0), cases[i].out);
	}
}

/* Round trips, and any change to a byte of either address, a port, the
 * peer's ISN or the key refused. */
Test(syncookie6, round_trip_and_tampering)
{
	uint64_t s = 0x5bd1e995u;

	for (int i = 0; i < 5000; i++) {
		struct dps_cookie_in6 in = rnd_tuple6(&s), bad;
		uint64_t now = SC_T0 + rnd(&s) % (1000 * MIN);
		uint32_t c = dps_syncookie_make6(key, &in, 1440, now, NULL);
		unsigned int byte = (unsigned int)(rnd(&s) % 16);
		uint8_t bit = (uint8_t)(1u << (rnd(&s) % 8));

		cr_assert_eq(dps_syncookie_check6(key, &in, c, now), 1440, "tuple %d", i);
		cr_assert_eq(dps_syncookie_check6(key, &in, c, now + 59 * SEC), 1440);
		bad = in;
		bad.saddr[byte] ^= bit;
		cr_assert_eq(dps_syncookie_check6(key, &bad, c, now), 0, "saddr %u", byte);
		bad = in;
		bad.daddr[byte] ^= bit;
		cr_assert_eq(dps_syncookie_check6(key, &bad, c, now), 0, "daddr %u", byte);
		bad = in;
		bad.sport ^= (uint16_t)(1u << (rnd(&s) % 16));
		cr_assert_eq(dps_syncookie_check6(key, &bad, c, now), 0);
		bad = in;
		bad.dport ^= (uint16_t)(1u << (rnd(&s) % 16));
		cr_assert_eq(dps_syncookie_check6(key, &bad, c, now), 0);
		bad = in;
		bad.peer_isn += 4 + (uint32_t)(rnd(&s) % 100000);
		cr_assert_eq(dps_syncookie_check6(key, &bad, c, now), 0);
		cr_assert_eq(dps_syncookie_check6(other_key, &in, c, now), 0);
		for (int b = 2; b < 32; b++)
			cr_assert_eq(dps_syncookie_check6(key, &in, c ^ (1u << b), now),
				0, "tuple %d bit %d", i, b);
	}
}

/* The same minute rule as IPv4's: good while the counter moved by 0 or 1. */
Test(syncookie6, age_in_minutes)
{
	uint64_t s = 99;
	struct dps_cookie_in6 in = rnd_tuple6(&s);
	uint32_t c = dps_syncookie_make6(key, &in, 8940, SC_T0, NULL);

	cr_assert_eq(dps_syncookie_check6(key, &in, c, SC_T0 + 2 * MIN - 1), 8940);
	cr_assert_eq(dps_syncookie_check6(key, &in, c, SC_T0 + 2 * MIN), 0);
	cr_assert_eq(dps_syncookie_check6(key, &in, c, SC_T0 - 1), 0);
}

/* An IPv6 cookie says nothing for the IPv4 tuple of the same low words
 * (the families hash inputs of different lengths), and the reverse tuple
 * is another one. */
Test(syncookie6, not_ipv4s_nor_reversed)
{
	struct dps_cookie_in6 in = { .sport = 0x1111, .dport = 0x2222, .peer_isn = 5 };
	struct dps_cookie_in in4 = { 0, 0, 0x1111, 0x2222, 5 };
	struct dps_cookie_in6 rev;
	uint32_t c = dps_syncookie_make6(key, &in, 1440, SC_T0, NULL);

	cr_assert_eq(dps_syncookie_check(key, &in4, c, SC_T0), 0);
	cr_assert_eq(dps_syncookie_check6(key, &in, c, SC_T0), 1440);
	in.saddr[15] = 1;
	in.daddr[15] = 2;
	c = dps_syncookie_make6(key, &in, 1440, SC_T0, NULL);
	rev = in;
	rev.saddr[15] = 2;
	rev.daddr[15] = 1;
	cr_assert_eq(dps_syncookie_check6(key, &rev, c, SC_T0), 0);
}

/* ---- TSval option bits ----------------------------------------------- */

Test(syncookie_ts, round_trip)
{
	static const uint32_t tsvals[] = {
		0, 5, 63, 64, 0x1000, 0x103f, 0x7fffffff, 0x80000001,
		0xffffffc0, 0xffffffff, 0x12345678,
	};
	static const uint8_t ws[] = { 0, 1, 7, 9, 14, 0xff };

	for (size_t i = 0; i < DIM(tsvals); i++)
		for (size_t j = 0; j < DIM(ws); j++)
			for (int sack = 0; sack < 2; sack++) {
				uint32_t ts = dps_syncookie_ts(tsvals[i], ws[j], sack);
				uint8_t w = 0;
				bool sk = !sack;

				cr_assert(dps_syncookie_ts_opts(ts, &w, &sk));
				cr_assert_eq(w, ws[j], "ts %#x ws %u -> %u",
					tsvals[i], ws[j], w);
				cr_assert_eq(sk, (bool)sack);
				/* Never ahead of the clock, at most 63 behind. */
				cr_assert_leq(tsvals[i] - ts, 63u, "ts %#x -> %#x",
					tsvals[i], ts);
			}
}

Test(syncookie_ts, encoding)
{
	/* wscale in bits 0-3, SACK in bit 4, upper bits kept. */
	cr_assert_eq(dps_syncookie_ts(0x1234567f, 7, true), 0x12345657);
	cr_assert_eq(dps_syncookie_ts(0x1234567f, 7, false), 0x12345647);
	cr_assert_eq(dps_syncookie_ts(0x1234567f, 0xff, false), 0x1234564f);
	cr_assert_eq(dps_syncookie_ts(0x1234567f, 0xff, true), 0x1234565f);
	cr_assert_eq(dps_syncookie_ts(0x1234567f, 0, false), 0x12345640);
	cr_assert_eq(dps_syncookie_ts(0x103f, 7, true), 0x1017);
	/* A shift above 14 is sent as 14 (RFC 7323 2.3). */
	cr_assert_eq(dps_syncookie_ts(0x103f, 20, false), 0x100e);
}

/* Linux's cookie_init_timestamp(): if the option bits are above the
 * clock's low bits, step back 64 rather than run ahead. */
Test(syncookie_ts, minus_64)
{
	cr_assert_eq(dps_syncookie_ts(0x1000, 7, true), 0x1000 - 64 + 0x17);
	cr_assert_eq(dps_syncookie_ts(0x1016, 7, true), 0x0fd7);
	cr_assert_eq(dps_syncookie_ts(0x1017, 7, true), 0x1017);
	cr_assert_eq(dps_syncookie_ts(0x1018, 7, true), 0x1017);
	cr_assert_eq(dps_syncookie_ts(5, 7, true), 0xffffffd7);
	cr_assert_eq(dps_syncookie_ts(0x2000, 0xff, true), 0x2000 - 64 + 0x1f);
	cr_assert_eq(dps_syncookie_ts(0x2000, 0, false), 0x2000);
}

Test(syncookie_ts, decode)
{
	uint8_t w;
	bool sack;

	cr_assert(dps_syncookie_ts_opts(0xabcdef0f, &w, &sack));
	cr_assert_eq(w, 0xff);
	cr_assert(!sack);
	cr_assert(dps_syncookie_ts_opts(0xabcdef1e, &w, &sack));
	cr_assert_eq(w, 14);
	cr_assert(sack);
	cr_assert(dps_syncookie_ts_opts(0x00000010, &w, &sack));
	cr_assert_eq(w, 0);
	cr_assert(sack);
	/* Bit 5 (Linux's ECN bit) is never set by us: not our TSval. */
	cr_assert(!dps_syncookie_ts_opts(0x00000027, &w, &sack));
}

/* ---- compact TIME_WAIT ----------------------------------------------- */

#define TW_SND		0x10000500u
#define TW_RCV		0x50000a01u	/* past the peer's FIN */
#define TW_TS_RECENT	0x00abc000u
#define TW_TS_OFF	0x12345678u
#define TW_T		(1000 * SEC)	/* entering TIME_WAIT */

/* A TCB at the moment it enters TIME_WAIT: window 502 << 7 announced. */
static void
tw_tcb(struct dps_tcb *t, bool ts)
{
	memset(t, 0, sizeof(*t));
	t->state = DPS_TCPS_TIME_WAIT;
	t->snd_nxt = TW_SND;
	t->rcv_nxt = TW_RCV;
	t->rcv_wscale = 7;
	t->rcv_adv = TW_RCV + (502u << 7);
	t->ts_ok = ts;
	t->ts_recent = TW_TS_RECENT;
	t->ts_off = TW_TS_OFF;
	t->mss = 1460;
}

static struct dps_tcp_tw
tw_make(bool ts, uint64_t now)
{
	struct dps_tcb t;
	struct dps_tcp_tw tw;

	tw_tcb(&t, ts);
	memset(&tw, 0xa5, sizeof(tw));
	dps_tcp_tw_from(&tw, &t, now);
	return tw;
}

static struct dps_tcp_seg
tw_seg(uint8_t flags, uint32_t seq, uint32_t tsval)
{
	struct dps_tcp_seg s = mkseg(flags, seq, TW_SND);

	s.wnd = 1000;
	if (tsval != 0) {
		s.opt.has_ts = true;
		s.opt.tsval = tsval;
		s.opt.tsecr = 1;
	}
	return s;
}

/* @out is the ACK TIME_WAIT owes at @now, field for field. */
static void
assert_tw_ack(const struct dps_tcp_out *o, const struct dps_tcp_tw *tw,
	uint64_t now)
{
	cr_assert_eq(o->seq, TW_SND);
	cr_assert_eq(o->ack, TW_RCV);
	cr_assert_eq(o->flags, DPS_TH_ACK);
	cr_assert_eq(o->wnd, 502);
	cr_assert_eq(o->len, 0);
	cr_assert_eq(o->n_sack, 0);
	cr_assert(!o->rexmit);
	if (tw->ts_ok) {
		cr_assert_eq(o->opts, DPS_TCP_OUT_TS);
		cr_assert(o->opt.has_ts);
		cr_assert_eq(o->opt.tsval, (uint32_t)(now / MS) + TW_TS_OFF);
		cr_assert_eq(o->opt.tsecr, tw->ts_recent);
	} else {
		cr_assert_eq(o->opts, DPS_TCP_OUT_NONE);
		cr_assert(!o->opt.has_ts);
	}
	cr_assert(!o->opt.has_mss && !o->opt.has_ws && !o->opt.sack_ok);
}

static int
tw_in(struct dps_tcp_tw *tw, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out)
{
	memset(out, 0x5a, sizeof(*out));
	return dps_tcp_tw_input(tw, s, now, out);
}

Test(tw, size)
{
	cr_assert_eq(sizeof(struct dps_tcp_tw), 28);
}

Test(tw, from_tcb)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T + 400 * MS);
	struct dps_tcb t;

	cr_assert_eq(tw.snd_nxt, TW_SND);
	cr_assert_eq(tw.rcv_nxt, TW_RCV);
	cr_assert_eq(tw.ts_recent, TW_TS_RECENT);
	cr_assert_eq(tw.ts_off, TW_TS_OFF);
	cr_assert_eq(tw.ts_ok, 1);
	cr_assert_eq(tw.ts_recent_s, 1000);
	cr_assert_eq(tw.expire_s, 1060);
	cr_assert_eq(tw.wnd, 502);
	cr_assert_eq(tw.rcv_wscale, 7);

	/* Unscaled windows above 65535 are clamped; a window already
	 * closed (or behind rcv_nxt) is 0. */
	tw_tcb(&t, false);
	t.rcv_wscale = 0;
	t.rcv_adv = TW_RCV + 100000;
	dps_tcp_tw_from(&tw, &t, TW_T);
	cr_assert_eq(tw.wnd, 65535);
	cr_assert_eq(tw.ts_ok, 0);
	t.rcv_adv = TW_RCV;
	dps_tcp_tw_from(&tw, &t, TW_T);
	cr_assert_eq(tw.wnd, 0);
	t.rcv_adv = TW_RCV - 10;
	dps_tcp_tw_from(&tw, &t, TW_T);
	cr_assert_eq(tw.wnd, 0);
}

/* PAWS first: an old timestamp is answered with an ACK, whatever else
 * the segment is, and restarts the 60 s. */
Test(tw, paws_acks)
{
	static const uint8_t flags[] = {
		DPS_TH_ACK, DPS_TH_SYN, DPS_TH_ACK | DPS_TH_FIN,
	};
	uint64_t now = TW_T + 10 * SEC;

	for (size_t i = 0; i < DIM(flags); i++) {
		struct dps_tcp_tw tw = tw_make(true, TW_T);
		struct dps_tcp_seg s = tw_seg(flags[i], TW_RCV + 1000,
			TW_TS_RECENT - 1);
		struct dps_tcp_out out;

		cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK, "flags %#x",
			flags[i]);
		assert_tw_ack(&out, &tw, now);
		cr_assert_eq(tw.expire_s, 1070);
		cr_assert_eq(tw.ts_recent, TW_TS_RECENT);
		cr_assert_eq(tw.ts_recent_s, 1000);
	}
	/* The in-window bare ACK too, when its timestamp is old. */
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s = tw_seg(DPS_TH_ACK, TW_RCV, TW_TS_RECENT - 0x1000);
	struct dps_tcp_out out;

	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, now);
	/* Without timestamps agreed, the TSval is not looked at. */
	tw = tw_make(false, TW_T);
	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_DROP);
}

Test(tw, rst_kills_in_window)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s = tw_seg(DPS_TH_RST, TW_RCV, TW_TS_RECENT + 5);
	struct dps_tcp_out out;

	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_KILL);
	s = tw_seg(DPS_TH_RST | DPS_TH_ACK, TW_RCV, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_KILL);
	tw = tw_make(false, TW_T);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_KILL);
}

/* A RST anywhere but rcv_nxt is dropped silently (never ACKed), as is
 * one whose timestamp fails PAWS while ts_recent is under 60 s old. */
Test(tw, rst_ignored)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s;
	struct dps_tcp_out out;

	s = tw_seg(DPS_TH_RST, TW_RCV + 1, TW_TS_RECENT + 5);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_DROP);
	s = tw_seg(DPS_TH_RST, TW_RCV - 1, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_DROP);
	s = tw_seg(DPS_TH_RST | DPS_TH_SYN, TW_RCV + 5000, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_DROP);
	cr_assert_eq(tw.expire_s, 1060);

	s = tw_seg(DPS_TH_RST, TW_RCV, TW_TS_RECENT - 1);
	cr_assert_eq(tw_in(&tw, &s, TW_T + 59 * SEC, &out), DPS_TW_DROP);
	/* Linux's tcp_paws_reject(): after TCP_PAWS_MSL it passes. */
	cr_assert_eq(tw_in(&tw, &s, TW_T + 60 * SEC, &out), DPS_TW_KILL);
}

/* A new SYN: above rcv_nxt, or with a newer timestamp. */
Test(tw, syn_reopens)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s;
	struct dps_tcp_out out;

	s = tw_seg(DPS_TH_SYN, TW_RCV + 1, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_SYN);
	s = tw_seg(DPS_TH_SYN, TW_RCV + 0x10000000, TW_TS_RECENT);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_SYN);
	/* Below rcv_nxt but with a newer timestamp (RFC 6191). */
	s = tw_seg(DPS_TH_SYN, TW_RCV - 0x100000, TW_TS_RECENT + 1);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_SYN);
	s = tw_seg(DPS_TH_SYN, TW_RCV, TW_TS_RECENT + 1000);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_SYN);
	/* Without timestamps agreed, only the sequence test counts. */
	tw = tw_make(false, TW_T);
	s = tw_seg(DPS_TH_SYN, TW_RCV + 1, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_SYN);
	s = tw_seg(DPS_TH_SYN, TW_RCV - 1, TW_TS_RECENT + 1000);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_ACK);
}

/* A SYN that may be an old duplicate gets an ACK; without the ACK flag
 * it leaves the expiry alone (it may be a new SYN with an ISN below
 * rcv_nxt), with it the 60 s restart. */
Test(tw, old_syn_acked)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s;
	struct dps_tcp_out out;
	uint64_t now = TW_T + 20 * SEC;

	s = tw_seg(DPS_TH_SYN, TW_RCV - 1, TW_TS_RECENT);
	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, now);
	cr_assert_eq(tw.expire_s, 1060);
	s = tw_seg(DPS_TH_SYN, TW_RCV, 0);
	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	cr_assert_eq(tw.expire_s, 1060);
	s = tw_seg(DPS_TH_SYN | DPS_TH_ACK, TW_RCV + 1, TW_TS_RECENT + 1);
	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, now);
	cr_assert_eq(tw.expire_s, 1080);
}

/* The peer lost our last ACK and sends its FIN again: ACK it, and keep
 * TIME_WAIT a full 60 s from now. */
Test(tw, fin_retransmission)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s = tw_seg(DPS_TH_FIN | DPS_TH_ACK, TW_RCV - 1,
		TW_TS_RECENT + 300);
	struct dps_tcp_out out;
	uint64_t now = TW_T + 30 * SEC + 700 * MS;

	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, now);
	cr_assert_eq(out.opt.tsval, 30700 + 1000000 + TW_TS_OFF);
	cr_assert_eq(tw.expire_s, 1090);
	/* Not in window: ts_recent stays. */
	cr_assert_eq(tw.ts_recent, TW_TS_RECENT);

	/* Without timestamps: no option block at all. */
	tw = tw_make(false, TW_T);
	s = tw_seg(DPS_TH_FIN | DPS_TH_ACK, TW_RCV - 1, 0);
	cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, now);
	cr_assert_eq(dps_tcp_out_opt_len(&out), 0);
	cr_assert_eq(tw.expire_s, 1090);
}

/* Data (at rcv_nxt or elsewhere) and out-of-window ACKs get an ACK. */
Test(tw, data_and_out_of_window)
{
	static const struct { uint8_t flags; uint32_t seq, len; } cases[] = {
		{ DPS_TH_ACK | DPS_TH_PSH, TW_RCV, 100 },
		{ DPS_TH_ACK, TW_RCV + 100, 1 },
		{ DPS_TH_ACK, TW_RCV + 1, 0 },
		{ DPS_TH_ACK, TW_RCV - 1, 0 },
		{ DPS_TH_ACK, TW_RCV - 70000, 1400 },
		{ DPS_TH_ACK | DPS_TH_FIN, TW_RCV, 0 },
	};
	uint64_t now = TW_T + 5 * SEC;

	for (size_t i = 0; i < DIM(cases); i++) {
		struct dps_tcp_tw tw = tw_make(true, TW_T);
		struct dps_tcp_seg s = tw_seg(cases[i].flags, cases[i].seq,
			TW_TS_RECENT + 1);
		struct dps_tcp_out out;

		s.len = cases[i].len;
		cr_assert_eq(tw_in(&tw, &s, now, &out), DPS_TW_ACK, "case %zu", i);
		assert_tw_ack(&out, &tw, now);
		cr_assert_eq(tw.expire_s, 1065, "case %zu", i);
		cr_assert_eq(tw.ts_recent, TW_TS_RECENT, "case %zu", i);
	}
}

/* A bare ACK at rcv_nxt: dropped; it restarts the 60 s and, with a newer
 * timestamp, becomes ts_recent (Linux does both). */
Test(tw, in_window_ack_dropped)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s = tw_seg(DPS_TH_ACK, TW_RCV, TW_TS_RECENT + 777);
	struct dps_tcp_out out;

	cr_assert_eq(tw_in(&tw, &s, TW_T + 12 * SEC + 500 * MS, &out),
		DPS_TW_DROP);
	cr_assert_eq(tw.ts_recent, TW_TS_RECENT + 777);
	cr_assert_eq(tw.ts_recent_s, 1012);
	cr_assert_eq(tw.expire_s, 1072);
	/* An equal timestamp passes PAWS too. */
	s.opt.tsval = TW_TS_RECENT + 777;
	cr_assert_eq(tw_in(&tw, &s, TW_T + 20 * SEC, &out), DPS_TW_DROP);
	cr_assert_eq(tw.ts_recent_s, 1020);
	/* No timestamp on the segment: ts_recent stays. */
	s = tw_seg(DPS_TH_ACK, TW_RCV, 0);
	cr_assert_eq(tw_in(&tw, &s, TW_T + 30 * SEC, &out), DPS_TW_DROP);
	cr_assert_eq(tw.ts_recent, TW_TS_RECENT + 777);
	cr_assert_eq(tw.ts_recent_s, 1020);
	cr_assert_eq(tw.expire_s, 1090);

	tw = tw_make(false, TW_T);
	s = tw_seg(DPS_TH_ACK, TW_RCV, TW_TS_RECENT + 777);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_DROP);
	cr_assert_eq(tw.ts_recent, TW_TS_RECENT);
}

/* Timestamps compare in serial arithmetic (RFC 7323 5.3). */
Test(tw, paws_wraps)
{
	struct dps_tcb t;
	struct dps_tcp_tw tw;
	struct dps_tcp_seg s;
	struct dps_tcp_out out;

	tw_tcb(&t, true);
	t.ts_recent = 0xfffffff0u;
	dps_tcp_tw_from(&tw, &t, TW_T);
	s = tw_seg(DPS_TH_ACK, TW_RCV, 0x00000010u);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_DROP);
	cr_assert_eq(tw.ts_recent, 0x10);
	s = tw_seg(DPS_TH_ACK, TW_RCV, 0xfffffff0u);
	cr_assert_eq(tw_in(&tw, &s, TW_T + SEC, &out), DPS_TW_ACK);
	assert_tw_ack(&out, &tw, TW_T + SEC);
	cr_assert_eq(out.opt.tsecr, 0x10);
}

/* tcp_tw_reuse: timestamps on and ts_recent taken over a second ago (in
 * whole seconds, as Linux counts). */
Test(tw, reuse)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	uint32_t floor = 0xdeadbeef;

	cr_assert(!dps_tcp_tw_reusable(&tw, TW_T, &floor));
	cr_assert(!dps_tcp_tw_reusable(&tw, TW_T + 900 * MS, &floor));
	cr_assert_eq(floor, 0xdeadbeef);
	cr_assert(dps_tcp_tw_reusable(&tw, TW_T + 1100 * MS, &floor));
	cr_assert_eq(floor, TW_SND + 65537);
	cr_assert(dps_tcp_tw_reusable(&tw, TW_T + 59 * SEC, &floor));

	tw = tw_make(false, TW_T);
	cr_assert(!dps_tcp_tw_reusable(&tw, TW_T + 1100 * MS, &floor));
	cr_assert(!dps_tcp_tw_reusable(&tw, TW_T + 59 * SEC, &floor));

	/* The floor wraps with the sequence space. */
	struct dps_tcb t;

	tw_tcb(&t, true);
	t.snd_nxt = 0xffffff00u;
	dps_tcp_tw_from(&tw, &t, TW_T);
	cr_assert(dps_tcp_tw_reusable(&tw, TW_T + 2 * SEC, &floor));
	cr_assert_eq(floor, 0xffffff00u + 65537u);
}

/* A fresh timestamp in TIME_WAIT moves the reuse point. */
Test(tw, reuse_after_ts_update)
{
	struct dps_tcp_tw tw = tw_make(true, TW_T);
	struct dps_tcp_seg s = tw_seg(DPS_TH_ACK, TW_RCV, TW_TS_RECENT + 10);
	struct dps_tcp_out out;
	uint32_t floor;

	cr_assert_eq(tw_in(&tw, &s, TW_T + 5 * SEC, &out), DPS_TW_DROP);
	cr_assert(!dps_tcp_tw_reusable(&tw, TW_T + 5 * SEC + 900 * MS, &floor));
	cr_assert(dps_tcp_tw_reusable(&tw, TW_T + 6 * SEC + 100 * MS, &floor));
}

/* ---- CUBIC ------------------------------------------------------------ */

#define C_SMSS		1000u		/* mss 1000, no timestamps */
#define C_RFC		0.4
#define BETA_RFC	0.7
#define ALPHA_RFC	(3 * (1 - BETA_RFC) / (1 + BETA_RFC))
#define CT0		(5000 * SEC)	/* any time */

static void
cubic_tcb(struct dps_tcb *t, uint32_t cwnd_segs, uint64_t srtt)
{
	memset(t, 0, sizeof(*t));
	tcb_attach(t);
	memset(t->x->cc_priv, 0xa5, sizeof(t->x->cc_priv));	/* init must clear */
	t->state = DPS_TCPS_ESTABLISHED;
	t->cc = DPS_CC_CUBIC;
	t->mss = C_SMSS;
	t->cwnd = cwnd_segs * C_SMSS;
	t->ssthresh = UINT32_MAX;
	t->srtt_us8 = srtt >= 125 ? (uint32_t)(srtt / 125) : 1;	/* 1/8 us */
	t->cwnd_acc = 12345;
	dps_cc_cubic.init(t, CT0);
	cr_assert_eq(t->cwnd_acc, 0);
}

/* The core's part of a loss: ssthresh from the algorithm, cwnd to it. */
static void
cubic_lose(struct dps_tcb *t, uint64_t now)
{
	t->ssthresh = dps_cc_cubic.loss(t, now);
	t->cwnd = t->ssthresh;
}

/* No libm here (the unit suite links none): the few helpers needed. */
static double
absd(double x)
{
	return x < 0 ? -x : x;
}

static double
cube(double x)
{
	return x * x * x;
}

/* Cube root of @x >= 0 by bisection: slow, but plainly right, and not
 * the method the code under test uses. */
static double
cbrt_bisect(double x)
{
	double lo = 0, hi = x > 1 ? x : 1;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (cube(mid) < x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* RFC 9438 eq. 2 and eq. 1, in segments. */
static double
rfc_k(double w_max, double cwnd_epoch)
{
	return cbrt_bisect((w_max - cwnd_epoch) / C_RFC);
}

static double
rfc_w(double t, double k, double w_max)
{
	return C_RFC * cube(t - k) + w_max;
}

/* RTTs W_est takes from 0.7 W_max to W_max at alpha segments an RTT. */
static unsigned int
rtts_to_wmax(double w_max)
{
	double need = (1 - BETA_RFC) * w_max / ALPHA_RFC;
	unsigned int n = (unsigned int)need;

	return n < need ? n + 1 : n;
}

Test(cubic, ops)
{
	cr_assert_str_eq(dps_cc_cubic.name, "cubic");
	cr_assert_not_null(dps_cc_cubic.init);
	cr_assert_not_null(dps_cc_cubic.ack);
	cr_assert_not_null(dps_cc_cubic.loss);
	struct dps_tcb t;

	memset(&t, 0, sizeof(t));
	t.cc = DPS_CC_CUBIC;
	cr_assert_eq(dps_tcp_cc(&t), &dps_cc_cubic);
}

/* RFC 9438 4.6: ssthresh = 0.7 cwnd, at least two segments. */
Test(cubic, loss_beta)
{
	struct dps_tcb t;

	cubic_tcb(&t, 100, 10 * MS);
	cr_assert_eq(dps_cc_cubic.loss(&t, CT0), 70000);
	t.cwnd = 123456;
	cr_assert_eq(dps_cc_cubic.loss(&t, CT0), 86419);	/* floor(0.7 x) */
	t.cwnd = 2 * C_SMSS;
	cr_assert_eq(dps_cc_cubic.loss(&t, CT0), 2 * C_SMSS);
	t.cwnd = C_SMSS;
	cr_assert_eq(dps_cc_cubic.loss(&t, CT0), 2 * C_SMSS);
	/* The floor is two C_SMSS, the MSS less the timestamp option. */
	t.ts_ok = true;
	t.cwnd = 2 * C_SMSS;
	cr_assert_eq(dps_cc_cubic.loss(&t, CT0), 2 * (C_SMSS - 12));
}

/*
 * One ACK for a whole window at @dt after the epoch began: cwnd moves by
 * (target - cwnd) / cwnd per segment acknowledged, i.e. to the target
 * W_cubic(dt + RTT) (RTT 1 ns here), give or take one segment.
 */
static uint32_t
cubic_one_step(struct dps_tcb *t, double dt)
{
	uint64_t start = CT0 + 100 * SEC;

	dps_cc_cubic.ack(t, 1, start);	/* starts the epoch */
	dps_cc_cubic.ack(t, t->cwnd, start + (uint64_t)(dt * SEC));
	return t->cwnd;
}

/* After a loss at 100 segments: K = cbrt(30 / 0.4) and the window
 * follows eq. 1 through the concave region, the plateau and the convex
 * region, up to the 1.5 cwnd limit on the target. */
Test(cubic, k_and_w_cubic)
{
	static const double at[] = { 0.5, 1, 2, 3, 4, 4.2172, 5, 6, 6.5, 8, 20 };
	double k = rfc_k(100, 70);

	cr_assert_float_eq(k, 4.2172, 1e-4);
	for (size_t i = 0; i < DIM(at); i++) {
		struct dps_tcb t;
		double want;

		cubic_tcb(&t, 100, 1);
		cubic_lose(&t, CT0);
		cr_assert_eq(t.cwnd, 70 * C_SMSS);
		want = rfc_w(at[i], k, 100);
		if (want > 1.5 * 70)
			want = 1.5 * 70;
		cubic_one_step(&t, at[i]);
		cr_assert(absd(t.cwnd / (double)C_SMSS - want) <= 1.0,
			"t=%.4f: cwnd %.3f segs, W_cubic %.3f", at[i],
			t.cwnd / (double)C_SMSS, want);
	}
}

/* Without a loss, W_max is the window at the epoch's start, K = 0, and
 * the curve is convex at once: cwnd + 0.4 t^3. */
Test(cubic, no_loss_convex)
{
	static const double at[] = { 2, 3, 4, 5 };

	for (size_t i = 0; i < DIM(at); i++) {
		struct dps_tcb t;
		double want = 50 + C_RFC * cube(at[i]);

		if (want > 1.5 * 50)
			want = 1.5 * 50;
		cubic_tcb(&t, 50, 1);
		t.ssthresh = 50 * C_SMSS;
		cubic_one_step(&t, at[i]);
		cr_assert(absd(t.cwnd / (double)C_SMSS - want) <= 1.0,
			"t=%g: cwnd %.3f segs, want %.3f", at[i],
			t.cwnd / (double)C_SMSS, want);
	}
}

/* Fast convergence (RFC 9438 4.7): a loss below the previous W_max
 * lowers it to cwnd (1 + beta) / 2, which the plateau then shows. */
Test(cubic, fast_convergence)
{
	struct dps_tcb t;
	double w_max = 80 * (1 + BETA_RFC) / 2;		/* 68 segments */
	double k = rfc_k(w_max, 56);

	cubic_tcb(&t, 100, 1);
	cubic_lose(&t, CT0);
	t.cwnd = 80 * C_SMSS;
	cubic_lose(&t, CT0 + 10 * SEC);
	cr_assert_eq(t.cwnd, 56 * C_SMSS);
	cubic_one_step(&t, k);
	cr_assert(absd(t.cwnd / (double)C_SMSS - w_max) <= 1.0,
		"plateau %.3f segs, want %.3f", t.cwnd / (double)C_SMSS, w_max);
	/* Without it the curve would be at W_max = 80 by then. */
	cr_assert(t.cwnd / (double)C_SMSS < rfc_w(k, rfc_k(80, 56), 80) - 5);
}

/* A loss above the previous W_max sets W_max to that cwnd. */
Test(cubic, no_fast_convergence_when_growing)
{
	struct dps_tcb t;
	double k = rfc_k(120, 84);

	cubic_tcb(&t, 100, 1);
	cubic_lose(&t, CT0);
	t.cwnd = 120 * C_SMSS;
	cubic_lose(&t, CT0 + 10 * SEC);
	cr_assert_eq(t.cwnd, 84 * C_SMSS);
	cubic_one_step(&t, k);
	cr_assert(absd(t.cwnd / (double)C_SMSS - 120) <= 1.0,
		"plateau %.3f segs", t.cwnd / (double)C_SMSS);
}

/*
 * A whole flow: every RTT a window of one-segment ACKs, evenly spread.
 * Returns cwnd in segments at each whole RTT in @trace (n entries).
 */
static void
cubic_flow(struct dps_tcb *t, uint64_t start, uint64_t rtt, double *trace,
	unsigned int n)
{
	uint64_t now = start;

	for (unsigned int r = 0; r < n; r++) {
		uint32_t acks = t->cwnd / C_SMSS;

		trace[r] = t->cwnd / (double)C_SMSS;
		for (uint32_t a = 0; a < acks; a++)
			dps_cc_cubic.ack(t, C_SMSS, now + rtt * a / acks);
		now += rtt;
	}
}

/*
 * The shape after a loss with a 250 ms RTT (4 RTTs a second): growth
 * slows towards the old W_max (concave), stalls near it around t = K,
 * then speeds up (convex); and the window tracks W_cubic(t) throughout.
 * At this RTT Reno's estimate stays below the curve for the whole 10 s
 * (70 + 0.53 / RTT against >= 86 after the first second).
 */
Test(cubic, concave_then_convex)
{
	static double tr[40];		/* 10 s, in RTTs */
	struct dps_tcb t;
	double k = rfc_k(100, 70);
	int kk = (int)(k * 4 + 0.5);

	cubic_tcb(&t, 100, 250 * MS);
	cubic_lose(&t, CT0);
	cubic_flow(&t, CT0 + SEC, 250 * MS, tr, DIM(tr));
	for (size_t r = 1; r < DIM(tr); r++)
		cr_assert_geq(tr[r], tr[r - 1], "cwnd fell at RTT %zu", r);
	/* Concave: each second adds less than the one before, up to K. */
	cr_assert_gt(tr[4] - tr[0], tr[8] - tr[4]);
	cr_assert_gt(tr[8] - tr[4], tr[12] - tr[8]);
	cr_assert_gt(tr[12] - tr[8], tr[16] - tr[12]);
	/* The plateau: within two segments of W_max around K. */
	cr_assert(absd(tr[kk] - 100) <= 2.0, "at K: %.2f", tr[kk]);
	cr_assert(absd(tr[kk + 2] - 100) <= 2.0, "K + 0.5 s: %.2f", tr[kk + 2]);
	/* Convex after K. */
	cr_assert_lt(tr[kk + 4] - tr[kk], tr[kk + 8] - tr[kk + 4]);
	cr_assert_lt(tr[kk + 8] - tr[kk + 4], tr[kk + 12] - tr[kk + 8]);
	cr_assert_lt(tr[kk + 12] - tr[kk + 8], tr[kk + 16] - tr[kk + 12]);
	/* Tracking: during the RTT before r, the ACKs aim at W_cubic of
	 * r to r + 1 RTTs, and cwnd gets most of the way there: so cwnd
	 * at r lies between those two values, give or take two segments
	 * (whole-segment steps). Where the 1.5 cwnd clamp binds, skip. */
	for (size_t r = 1; r < DIM(tr); r++) {
		double lo = rfc_w(r / 4.0, k, 100);
		double hi = rfc_w((r + 1) / 4.0, k, 100);

		if (hi > 1.5 * tr[r - 1])
			continue;
		cr_assert(tr[r] >= lo - 2.0 && tr[r] <= hi + 2.0,
			"RTT %zu: cwnd %.2f, W_cubic %.2f..%.2f", r, tr[r], lo, hi);
	}
}

/* At a 100 ms RTT, W_est reaches W_max after 30 / alpha RTTs and then
 * grows one segment an RTT, faster than the curve's flat stretch
 * around K: there cwnd follows W_est, above W_cubic (RFC 9438 4.3),
 * until the convex curve overtakes it again. */
Test(cubic, reno_friendly_around_plateau)
{
	static double tr[100];		/* 10 s */
	struct dps_tcb t;
	double k = rfc_k(100, 70);
	unsigned int to_wmax = rtts_to_wmax(100);

	cubic_tcb(&t, 100, 100 * MS);
	cubic_lose(&t, CT0);
	cubic_flow(&t, CT0 + SEC, 100 * MS, tr, DIM(tr));
	/* Before: on the curve (one RTT of look-ahead, whole segments). */
	for (unsigned int r = 1; r < 50; r++)
		cr_assert(tr[r] <= rfc_w((r + 1) / 10.0, k, 100) + 2.0,
			"RTT %u: %.2f", r, tr[r]);
	/* From about to_wmax + 2 RTTs to 7 s: W_est, 1 segment an RTT. */
	for (unsigned int r = to_wmax + 2; r < 70; r++) {
		double w_est = 100 + (r - to_wmax);

		cr_assert(absd(tr[r] - w_est) <= 2.0, "RTT %u: %.2f, W_est %.2f",
			r, tr[r], w_est);
		cr_assert_gt(tr[r], rfc_w(r / 10.0, k, 100));
	}
	/* By 10 s the curve (177 segments, within the 1.5 cwnd limit of
	 * what it gets each RTT) is far above W_est (about 140). */
	cr_assert_gt(tr[DIM(tr) - 1], 100 + (DIM(tr) - to_wmax) + 10);
}

/* With a short RTT, Reno's estimate grows faster than the curve and
 * cwnd follows it (RFC 9438 4.3): alpha = 3 (1 - beta) / (1 + beta)
 * segments per RTT up to W_max, then one. */
Test(cubic, reno_friendly_short_rtt)
{
	static double tr[300];		/* 300 ms at 1 ms RTT */
	struct dps_tcb t;
	double k = rfc_k(100, 70), w_est;
	unsigned int to_wmax = rtts_to_wmax(100);

	cubic_tcb(&t, 100, MS);
	cubic_lose(&t, CT0);
	cubic_flow(&t, CT0 + SEC, MS, tr, DIM(tr));
	/* ALPHA ~ 0.53: about 57 RTTs from 70 to 100 segments. */
	cr_assert(absd(tr[to_wmax] - 100) <= 2.0, "after %u RTTs: %.2f",
		to_wmax, tr[to_wmax]);
	w_est = 100 + (DIM(tr) - 1 - to_wmax);
	cr_assert(absd(tr[DIM(tr) - 1] - w_est) <= 3.0, "end: %.2f want %.2f",
		tr[DIM(tr) - 1], w_est);
	/* Far above the curve, which has barely left 70. */
	cr_assert_gt(tr[DIM(tr) - 1], rfc_w(0.3, k, 100) + 100);
}

/* The first ACKs of an epoch: W_cubic(t) is still at cwnd_epoch while
 * W_est has moved, so the Reno-friendly region holds: cwnd = W_est. */
Test(cubic, reno_friendly_at_epoch_start)
{
	struct dps_tcb t;

	cubic_tcb(&t, 100, 1);
	cubic_lose(&t, CT0);
	dps_cc_cubic.ack(&t, 1, CT0 + SEC);
	cr_assert_eq(t.cwnd, 70 * C_SMSS);
	/* One window acknowledged 1 ms later: W_est gains alpha segments,
	 * the curve 0.4 ((1 ms - K)^3 - (-K)^3) ~ 0.02. */
	dps_cc_cubic.ack(&t, 70 * C_SMSS, CT0 + SEC + MS);
	cr_assert_eq(t.cwnd, 70 * C_SMSS + (uint32_t)(ALPHA_RFC * C_SMSS),
		"cwnd %u", t.cwnd);
}

/* Below ssthresh: slow start by every byte an ACK covers (Linux's
 * tcp_slow_start(), without RFC 3465's L); the bytes left over when cwnd
 * reaches ssthresh go to avoidance. */
Test(cubic, slow_start)
{
	struct dps_tcb t;

	cubic_tcb(&t, 10, 10 * MS);
	t.ssthresh = 20 * C_SMSS;
	dps_cc_cubic.ack(&t, C_SMSS, CT0);
	cr_assert_eq(t.cwnd, 11 * C_SMSS);
	dps_cc_cubic.ack(&t, 5 * C_SMSS, CT0);
	cr_assert_eq(t.cwnd, 16 * C_SMSS, "a stretch ACK of five: %u", t.cwnd);
	dps_cc_cubic.ack(&t, 500, CT0);
	cr_assert_eq(t.cwnd, 16 * C_SMSS + 500);
	t.cwnd = 19 * C_SMSS;
	dps_cc_cubic.ack(&t, 2 * C_SMSS, CT0 + MS);
	cr_assert_geq(t.cwnd, 20 * C_SMSS);
	cr_assert_leq(t.cwnd, 21 * C_SMSS);
	/* In avoidance now: a window of ACKs over an RTT adds about one
	 * segment (no loss yet: alpha 1, curve flat at first). */
	for (int i = 0; i < 20; i++)
		dps_cc_cubic.ack(&t, C_SMSS, CT0 + MS + i * 500 * 1000ull);
	cr_assert_geq(t.cwnd, 20 * C_SMSS);
	cr_assert_leq(t.cwnd, 23 * C_SMSS);
}

/* cwnd never shrinks on an ACK, in any region. */
Test(cubic, monotone_on_acks)
{
	struct dps_tcb t;
	uint64_t s = 7, now = CT0;

	cubic_tcb(&t, 30, 20 * MS);
	t.ssthresh = 40 * C_SMSS;
	for (int i = 0; i < 200000; i++) {
		uint32_t before = t.cwnd;

		now += rnd(&s) % (2 * MS);
		if (i % 20000 == 19999) {
			cubic_lose(&t, now);
			continue;
		}
		dps_cc_cubic.ack(&t, 1 + (uint32_t)(rnd(&s) % (4 * C_SMSS)), now);
		cr_assert_geq(t.cwnd, before, "ACK %d", i);
		cr_assert_geq(t.cwnd, 2 * C_SMSS);
	}
}

/* After an RTO-style loss and slow start back to ssthresh, a new epoch
 * starts from the loss's W_max. */
Test(cubic, epoch_after_slow_start)
{
	struct dps_tcb t;
	double k = rfc_k(100, 70);

	cubic_tcb(&t, 100, 1);
	t.ssthresh = dps_cc_cubic.loss(&t, CT0);
	t.cwnd = C_SMSS;			/* the core's RTO reset */
	for (int i = 0; i < 69; i++)
		dps_cc_cubic.ack(&t, C_SMSS, CT0 + SEC);
	cr_assert_eq(t.cwnd, 70 * C_SMSS);
	cubic_one_step(&t, k);
	cr_assert(absd(t.cwnd / (double)C_SMSS - 100) <= 1.0, "cwnd %.2f",
		t.cwnd / (double)C_SMSS);
}

/* Slow start ends an epoch even without a loss (the core may lower cwnd
 * below ssthresh on its own, after an idle period or an undo): the next
 * epoch starts where slow start stops, not at the old epoch's clock. */
Test(cubic, slow_start_ends_epoch)
{
	struct dps_tcb t;
	double k = rfc_k(100, 50), want = rfc_w(0.5, k, 100);

	cubic_tcb(&t, 100, 1);
	cubic_lose(&t, CT0);
	dps_cc_cubic.ack(&t, C_SMSS, CT0 + SEC);
	dps_cc_cubic.ack(&t, C_SMSS, CT0 + 20 * SEC);
	t.cwnd = 10 * C_SMSS;
	t.ssthresh = 50 * C_SMSS;
	for (int i = 0; i < 40; i++)
		dps_cc_cubic.ack(&t, C_SMSS, CT0 + 90 * SEC);
	cr_assert_eq(t.cwnd, 50 * C_SMSS);
	cubic_one_step(&t, 0.5);	/* at CT0 + 100 s */
	cr_assert(absd(t.cwnd / (double)C_SMSS - want) <= 1.0,
		"cwnd %.2f segs, want %.2f", t.cwnd / (double)C_SMSS, want);
}
