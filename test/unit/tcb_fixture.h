/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Fixtures of the pure TCP core tests (test_tcp.c, test_tcb_states.c), in
 * the manner of smoltcp's socket_established(): a segment builder, the
 * segments a Linux peer sends, and one function per state that brings a
 * TCB there through the public calls only (connect + SYN-ACK, accept +
 * ACK, shutdown, the peer's FIN and ACK), asserting each step on the way.
 *
 * The world is fixed: we connect at T0 with ISS and TS_OFF and the
 * configuration tcp_conf() fills for an MTU 1500 route; a Linux peer
 * (PEER_ISN, PEER_TSVAL, window scale PEER_WS) answers 10 ms later, at TE.
 * Every function is static inline, so a test file pays only for what it
 * uses; the clock is the `now` argument, no I/O.
 */
#ifndef DPS_TEST_TCB_FIXTURE_H
#define DPS_TEST_TCB_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dps_tcp.h"

#define MS		(1000ull * 1000)
#define SEC		(1000 * MS)

#define ISS		0x10000000u
#define PEER_ISN	0x50000000u
#define TS_OFF		0x12345678u
#define PEER_TSVAL	0xabcd0001u
#define PEER_WS		7
#define PEER_WND	65160		/* Linux's SYN-ACK window for MSS 1460 */
#define T0		(7 * SEC + 250 * MS)	/* connect time; any value */
#define TE		(T0 + 10 * MS)		/* established (active open) */
#define SMSS		1448u			/* 1460 - 12 (timestamps) */
#define RTO0		(212 * MS)		/* 10 ms RTT: 10 + max(20, 200), in 4 ms jiffies */
#define NOUT		16			/* room for dps_tcb_output() */

#define DIM(a)		(sizeof(a) / sizeof((a)[0]))

/* ---- configuration and clock ------------------------------------------- */

/* What tcp_conf() fills for an MTU 1500 route and no socket options. */
static inline struct dps_tcb_conf
linux_conf(void)
{
	struct dps_tcb_conf c;

	memset(&c, 0, sizeof(c));
	c.adv_mss = 1460;
	c.rcv_wscale = 10;
	c.rcv_wnd = 64240;
	return c;
}

/* Our TSval at @now (RFC 7323 5.4: a millisecond clock plus the offset). */
static inline uint32_t
our_ts(uint64_t now)
{
	return (uint32_t)(now / MS) + TS_OFF;
}

/* ---- segments from the peer -------------------------------------------- */

/* The segment builder: @flags, @seq, @ack, window 502, no option, no
 * payload. Tests set what else they need. */
static inline struct dps_tcp_seg
mkseg(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct dps_tcp_seg s;

	memset(&s, 0, sizeof(s));
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.wnd = 502;
	return s;
}

/* A segment of a synchronised peer: @len bytes and a fresh timestamp
 * (never PAWS-old). */
static inline struct dps_tcp_seg
pseg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct dps_tcp_seg s = mkseg(flags, seq, ack);

	s.len = len;
	s.opt.has_ts = true;
	s.opt.tsval = PEER_TSVAL + 1;
	return s;
}

/* The SYN-ACK a Linux listener sends: MSS 1460, SACK-permitted,
 * timestamps echoing @tsecr, window scale 7. */
static inline struct dps_tcp_seg
peer_synack(uint32_t ack, uint32_t tsecr)
{
	struct dps_tcp_seg s = mkseg(DPS_TH_SYN | DPS_TH_ACK, PEER_ISN, ack);

	s.wnd = PEER_WND;
	s.opt.has_mss = true;
	s.opt.mss = 1460;
	s.opt.sack_ok = true;
	s.opt.has_ts = true;
	s.opt.tsval = PEER_TSVAL;
	s.opt.tsecr = tsecr;
	s.opt.has_ws = true;
	s.opt.wscale = PEER_WS;
	return s;
}

/* The SYN a Linux peer sends (all of its options). */
static inline struct dps_tcp_seg
peer_syn(void)
{
	struct dps_tcp_seg s = peer_synack(0, 0);

	s.flags = DPS_TH_SYN;
	s.wnd = 64240;
	return s;
}

/* A SYN with MSS and timestamps only (no SACK, no window scale). */
static inline struct dps_tcp_seg
peer_syn_ts_only(void)
{
	struct dps_tcp_seg s = peer_syn();

	s.opt.sack_ok = false;
	s.opt.has_ws = false;
	s.opt.wscale = 0;
	return s;
}

/* ---- driving a TCB ----------------------------------------------------- */

/* Fill @out with garbage so a field the code forgets to set shows. */
static inline void
scribble(struct dps_tcp_out *out, unsigned int *n)
{
	memset(out, 0xa5, sizeof(*out) * DPS_TCB_MAX_OUT);
	*n = 0xdead;
}

/* Feed one segment; returns the event, fills @out / @n. */
static inline int
feed(struct dps_tcb *t, struct dps_tcp_seg s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	scribble(out, n);
	return dps_tcb_input(t, &s, now, out, n);
}

/* One output pass into @out (NOUT entries): how many segments. */
static inline unsigned int
output(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out)
{
	memset(out, 0xa5, sizeof(*out) * NOUT);
	return dps_tcb_output(t, now, out, NOUT);
}

/* Fire the timer at @now; returns the event, fills @out / @n. */
static inline int
timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out, unsigned int *n)
{
	scribble(out, n);
	return dps_tcb_timeout(t, now, out, n);
}

/* The peer acknowledges everything we sent so far (window 502 << 7). */
static inline int
peer_ack_all(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	return feed(t, pseg(DPS_TH_ACK, t->rcv_nxt, t->snd_nxt, 0), now, out, &n);
}

/* Assert @o is a pure ACK of @ack at @seq. */
static inline void
assert_ack(const struct dps_tcp_out *o, uint32_t seq, uint32_t ack, const char *what)
{
	cr_assert_eq(o->flags, DPS_TH_ACK, "%s: flags %#x", what, o->flags);
	cr_assert_eq(o->seq, seq, "%s: seq %#x want %#x", what, o->seq, seq);
	cr_assert_eq(o->ack, ack, "%s: ack %#x want %#x", what, o->ack, ack);
	cr_assert_eq(o->len, 0, "%s: len %u", what, o->len);
}

/* ---- the cold half ------------------------------------------------------ */

/* Every extension test_x() handed out. Each test runs in its own process,
 * so they are never freed; they stay reachable from here so that
 * LeakSanitizer does not report them (the ASan unit suite fails on a
 * leak: scripts/test.sh). */
static void **test_x_kept;
static size_t test_x_n;

/* A TCB's extension, as the stack's pool hands one out: written whole by
 * dps_tcb_ext_attach(). */
static inline struct dps_tcb_ext *
test_x(void)
{
	struct dps_tcb_ext *x = malloc(sizeof(*x));
	void **kept = realloc(test_x_kept, (test_x_n + 1) * sizeof(*kept));

	cr_assert_not_null(x);
	cr_assert_not_null(kept);
	kept[test_x_n++] = x;
	test_x_kept = kept;
	memset(x, 0xa5, sizeof(*x));	/* attach must initialise all */
	return x;
}

/* @t with a fresh cold half, as the stack attaches one before a call. */
static inline void
tcb_attach(struct dps_tcb *t)
{
	dps_tcb_ext_attach(t, test_x());
}

/* A copy of both halves, to show that a call changed neither. */
struct tcb_snap {
	struct dps_tcb t;
	struct dps_tcb_ext x;
};

static inline void
tcb_snap(struct tcb_snap *s, const struct dps_tcb *t)
{
	memcpy(&s->t, t, sizeof(*t));
	memcpy(&s->x, t->x, sizeof(s->x));
}

/* 0 when @t and its extension are byte for byte as in @s. */
static inline int
tcb_cmp(const struct dps_tcb *t, const struct tcb_snap *s)
{
	int r = memcmp(t, &s->t, sizeof(*t));

	return r != 0 ? r : memcmp(t->x, &s->x, sizeof(s->x));
}

/* ---- state fixtures: opening ------------------------------------------- */

/* SYN_SENT: connect() with @c at T0; our SYN in @syn. */
static inline void
syn_sent_conf(struct dps_tcb *t, const struct dps_tcb_conf *c, struct dps_tcp_out *syn)
{
	memset(t, 0x5a, sizeof(*t));	/* connect must initialise all */
	tcb_attach(t);
	dps_tcb_connect(t, c, ISS, TS_OFF, T0, syn);
	cr_assert_eq(t->state, DPS_TCPS_SYN_SENT);
}

/* SYN_SENT with the Linux configuration. */
static inline void
syn_sent(struct dps_tcb *t, struct dps_tcp_out *syn)
{
	struct dps_tcb_conf c = linux_conf();

	syn_sent_conf(t, &c, syn);
}

/* ESTABLISHED by an active open with @c: a Linux listener's SYN-ACK at TE. */
static inline void
establish_conf(struct dps_tcb *t, const struct dps_tcb_conf *c)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	syn_sent_conf(t, c, &out[0]);
	cr_assert_eq(feed(t, peer_synack(ISS + 1, out[0].opt.tsval), TE, out, &n),
		DPS_TCB_CONNECTED);
	cr_assert_eq(n, 0, "the handshake's ACK is owed, for output to send");
	cr_assert_eq(dps_tcb_output(t, TE, out, DPS_TCB_MAX_OUT), 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert(!t->ack_now);
	cr_assert_eq(t->state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(t->rcv_nxt, PEER_ISN + 1);
	cr_assert_eq(t->snd_nxt, ISS + 1);
	cr_assert_eq(dps_tcb_rto(t), RTO0);
	cr_assert_eq(dps_tcb_smss(t), SMSS);
}

/* ESTABLISHED with the Linux configuration. */
static inline void
establish(struct dps_tcb *t)
{
	struct dps_tcb_conf c = linux_conf();

	establish_conf(t, &c);
}

/* ESTABLISHED (@c, or the Linux configuration when NULL) with @nseg full
 * segments sent at TE + 1 ms and none of them acknowledged. */
static inline void
established_in_flight(struct dps_tcb *t, const struct dps_tcb_conf *c,
	unsigned int nseg)
{
	struct dps_tcb_conf lc = linux_conf();
	struct dps_tcp_out out[NOUT];

	establish_conf(t, c != NULL ? c : &lc);
	dps_tcb_queue(t, nseg * SMSS);
	cr_assert_eq(output(t, TE + MS, out), nseg, "%u segments in flight", nseg);
	cr_assert_eq(t->snd_nxt, ISS + 1 + nseg * SMSS);
	cr_assert_eq(t->snd_una, ISS + 1);
}

/* SYN_RECV, a listener's child: accept() of peer_syn_ts_only() with @c at
 * T0; our SYN-ACK in @sa. */
static inline void
syn_recv_child(struct dps_tcb *t, const struct dps_tcb_conf *c, struct dps_tcp_out *sa)
{
	struct dps_tcp_seg s = peer_syn_ts_only();

	memset(t, 0x5a, sizeof(*t));
	tcb_attach(t);
	dps_tcb_accept(t, c, &s, ISS, TS_OFF, T0, sa);
	cr_assert_eq(t->state, DPS_TCPS_SYN_RECV);
}

/* SYN_RECV by a simultaneous open: our SYN crossed by peer_syn() at @now;
 * the SYN-ACK it draws in @out / @n. */
static inline void
syn_recv_crossed(struct dps_tcb *t, struct dps_tcp_out *out, unsigned int *n,
	uint64_t now)
{
	syn_sent(t, &out[0]);
	cr_assert_eq(feed(t, peer_syn(), now, out, n), DPS_TCB_NONE);
	cr_assert_eq(t->state, DPS_TCPS_SYN_RECV);
}

/* ---- state fixtures: closing ------------------------------------------- */

/* FIN_WAIT1: shutdown with nothing queued, FIN out at TE + 1 ms. */
static inline void
fin_wait1(struct dps_tcb *t)
{
	struct dps_tcp_out out[NOUT];

	establish(t);
	cr_assert_eq(dps_tcb_shutdown(t, TE + MS), DPS_TCB_OUTPUT);
	cr_assert_eq(t->state, DPS_TCPS_FIN_WAIT1);
	cr_assert_eq(output(t, TE + MS, out), 1);
	cr_assert_eq(out[0].flags, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(t->snd_nxt, ISS + 2);
}

/* FIN_WAIT2: the peer acknowledged our FIN at TE + 2 ms. */
static inline void
fin_wait2(struct dps_tcb *t)
{
	fin_wait1(t);
	cr_assert_eq(peer_ack_all(t, TE + 2 * MS), DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(t->state, DPS_TCPS_FIN_WAIT2);
}

/*
 * The peer's FIN, acknowledging @ack, arrives at @now: events @ev, state
 * @state, RCV.NXT past the FIN, and the output pass sends one ACK of it
 * at @seq.
 */
static inline void
peer_fin_acked(struct dps_tcb *t, uint32_t ack, uint64_t now, int ev,
	uint8_t state, uint32_t seq, const char *what)
{
	struct dps_tcp_out out[NOUT];
	unsigned int n;
	int got;

	got = feed(t, pseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, ack, 0), now, out, &n);
	cr_assert_eq(got, ev, "%s: event %#x want %#x", what, got, ev);
	cr_assert_eq(t->state, state, "%s: state %u want %u", what, t->state, state);
	cr_assert_eq(n, 0, "%s: the ACK comes from the output pass", what);
	cr_assert_eq(t->rcv_nxt, PEER_ISN + 2, "%s: rcv_nxt past the FIN", what);
	cr_assert_eq(output(t, now, out), 1, "%s: one ACK", what);
	assert_ack(&out[0], seq, PEER_ISN + 2, what);
}

/* CLOSING: the peer's FIN crosses ours (it has not seen our FIN). */
static inline void
closing(struct dps_tcb *t)
{
	fin_wait1(t);
	peer_fin_acked(t, ISS + 1, TE + 2 * MS, DPS_TCB_PEER_FIN | DPS_TCB_OUTPUT,
		DPS_TCPS_CLOSING, ISS + 2, "ACK of the peer's FIN");
}

/* TIME_WAIT: the peer's FIN in FIN_WAIT2 at TE + 3 ms, acknowledged. */
static inline void
time_wait(struct dps_tcb *t)
{
	fin_wait2(t);
	peer_fin_acked(t, ISS + 2, TE + 3 * MS,
		DPS_TCB_PEER_FIN | DPS_TCB_TIME_WAIT | DPS_TCB_OUTPUT,
		DPS_TCPS_TIME_WAIT, ISS + 2, "ACK of the FIN in TIME_WAIT");
}

/* CLOSE_WAIT: the peer's FIN at TE + 1 ms, acknowledged. */
static inline void
close_wait(struct dps_tcb *t)
{
	establish(t);
	peer_fin_acked(t, ISS + 1, TE + MS, DPS_TCB_PEER_FIN | DPS_TCB_OUTPUT,
		DPS_TCPS_CLOSE_WAIT, ISS + 1, "ACK of the FIN");
}

/* LAST_ACK: shutdown in CLOSE_WAIT, our FIN out at TE + 2 ms. */
static inline void
last_ack(struct dps_tcb *t)
{
	struct dps_tcp_out out[NOUT];

	close_wait(t);
	cr_assert_eq(dps_tcb_shutdown(t, TE + 2 * MS), DPS_TCB_OUTPUT);
	cr_assert_eq(t->state, DPS_TCPS_LAST_ACK);
	cr_assert_eq(output(t, TE + 2 * MS, out), 1);
	cr_assert_eq(out[0].flags, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].ack, PEER_ISN + 2);
}

/*
 * The synchronised states by number, for tables of per-state cases.
 * Criterion copies a ParameterizedTest's parameters into a worker that may
 * be a fresh process image, so a table row holds this number, never a
 * pointer to a fixture or a name.
 */
enum tcb_fx {
	FX_ESTABLISHED,
	FX_FIN_WAIT1,
	FX_FIN_WAIT2,
	FX_CLOSING,
	FX_TIME_WAIT,
	FX_CLOSE_WAIT,
	FX_LAST_ACK,
};

/* A state fixture: its name, for failure messages, and its function. */
struct tcb_fx_entry {
	const char *name;
	void (*make)(struct dps_tcb *t);
};

/* The fixture of @fx. */
static inline const struct tcb_fx_entry *
tcb_fx(enum tcb_fx fx)
{
	static const struct tcb_fx_entry fixtures[] = {
		[FX_ESTABLISHED] = { "ESTABLISHED", establish },
		[FX_FIN_WAIT1] = { "FIN_WAIT1", fin_wait1 },
		[FX_FIN_WAIT2] = { "FIN_WAIT2", fin_wait2 },
		[FX_CLOSING] = { "CLOSING", closing },
		[FX_TIME_WAIT] = { "TIME_WAIT", time_wait },
		[FX_CLOSE_WAIT] = { "CLOSE_WAIT", close_wait },
		[FX_LAST_ACK] = { "LAST_ACK", last_ack },
	};

	cr_assert_lt((unsigned int)fx, DIM(fixtures), "no fixture %d", fx);
	return &fixtures[fx];
}

#endif /* DPS_TEST_TCB_FIXTURE_H */
