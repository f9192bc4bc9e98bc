/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header prediction (dps_tcb_in.c) against the general path of RFC 9293
 * 3.10.7.4: two TCBs in the same state, one predicting and one not, get
 * the same segments, and after every step both halves of the TCBs, the
 * events, the immediate replies and the output pass must be identical.
 * Hand-written cases pin the cases that must be predicted (and those that
 * must not), the handshake's last ACK of a passive open among them; a
 * seeded generator of plausible peer segments (pure ACKs, in-order,
 * out-of-order and old data, duplicate ACKs, window changes, old and
 * missing timestamps, SACK blocks, FIN, RST, SYN) with our own writes,
 * reads and timers, a quarter of its runs from SYN-RECEIVED, covers the
 * rest. The prediction counters show
 * the fast path was taken, so the comparison is never vacuous.
 */
#include <stddef.h>
#include <stdio.h>
#include <criterion/criterion.h>

#include "tcb_fixture.h"

/* The pair: @p predicts, @g takes the general path. */
struct pair {
	struct dps_tcb p, g;
	uint64_t now;
};

/* Byte @i where @a and @b differ first, or -1. */
static long
first_diff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/* Both halves equal, but for what tells them apart: the switch, the
 * pointer to the cold half and its owner, the prediction counters. */
static void
assert_same_tcb(const struct pair *pr, const char *what)
{
	struct dps_tcb a, b;
	struct dps_tcb_ext xa, xb;
	long d;

	memcpy(&a, &pr->p, sizeof(a));
	memcpy(&b, &pr->g, sizeof(b));
	memcpy(&xa, pr->p.x, sizeof(xa));
	memcpy(&xb, pr->g.x, sizeof(xb));
	a.no_pred = b.no_pred = false;
	a.x = b.x = NULL;
	xa.owner = xb.owner = NULL;
	xa.st.pred_acks = xb.st.pred_acks = 0;
	xa.st.pred_data = xb.st.pred_data = 0;
	d = first_diff(&a, &b, sizeof(a));
	cr_assert_eq(d, -1, "%s: hot half differs at byte %ld (ts_recent %#x/%#x "
		"snd_una %#x/%#x rcv_nxt %#x/%#x snd_wl1 %#x/%#x dack_at %lu/%lu "
		"ack_now %d/%d)", what, d, a.ts_recent, b.ts_recent, a.snd_una,
		b.snd_una, a.rcv_nxt, b.rcv_nxt, a.snd_wl1, b.snd_wl1,
		(unsigned long)a.dack_at, (unsigned long)b.dack_at, a.ack_now, b.ack_now);
	d = first_diff(&xa, &xb, sizeof(xa));
	cr_assert_eq(d, -1, "%s: cold half differs at byte %ld (rx_len %u/%u)",
		what, d, xa.rx_len, xb.rx_len);
}

/* The same segments, byte for byte (every struct dps_tcp_out the core
 * fills is zeroed first, padding included). */
static void
assert_same_out(const struct dps_tcp_out *a, const struct dps_tcp_out *b,
	unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++)
		cr_assert_eq(first_diff(&a[i], &b[i], sizeof(a[i])), -1,
			"%s: segment %u differs (seq %#x/%#x ack %#x/%#x flags %#x/%#x "
			"tsecr %#x/%#x)", what, i, a[i].seq, b[i].seq, a[i].ack,
			b[i].ack, a[i].flags, b[i].flags, a[i].opt.tsecr, b[i].opt.tsecr);
}

/* An output pass on both (as the lcore runs after every input, timer
 * and write), compared. */
static void
output_both(struct pair *pr, const char *what)
{
	struct dps_tcp_out op[NOUT], og[NOUT];
	unsigned int np, ng;

	np = output(&pr->p, pr->now, op);
	ng = output(&pr->g, pr->now, og);
	cr_assert_eq(np, ng, "%s: output %u segments, general path %u", what, np, ng);
	assert_same_out(op, og, np, what);
	assert_same_tcb(pr, what);
}

/* Feed @s to both at pr->now, compare, then run an output pass on both
 * (as the lcore does after every input) and compare again. Returns the
 * event. */
static int
step(struct pair *pr, struct dps_tcp_seg s, const char *what)
{
	struct dps_tcp_out op[NOUT], og[NOUT];
	unsigned int np, ng;
	int evp, evg;

	evp = feed(&pr->p, s, pr->now, op, &np);
	evg = feed(&pr->g, s, pr->now, og, &ng);
	cr_assert_eq(evp, evg, "%s: events %#x, general path %#x", what, evp, evg);
	cr_assert_eq(np, ng, "%s: %u replies, general path %u", what, np, ng);
	assert_same_out(op, og, np, what);
	assert_same_tcb(pr, what);
	output_both(pr, what);
	return evp;
}

/* Fire the timers of both when due, and compare. */
static void
tick(struct pair *pr, const char *what)
{
	struct dps_tcp_out op[NOUT], og[NOUT];
	unsigned int np, ng;
	int evp, evg;

	if (dps_tcb_deadline(&pr->p) == 0 || dps_tcb_deadline(&pr->p) > pr->now)
		return;
	evp = timeout(&pr->p, pr->now, op, &np);
	evg = timeout(&pr->g, pr->now, og, &ng);
	cr_assert_eq(evp, evg, "%s: timer events %#x/%#x", what, evp, evg);
	cr_assert_eq(np, ng, "%s: timer segments %u/%u", what, np, ng);
	assert_same_out(op, og, np, what);
	output_both(pr, what);
}

/* Our application writes @n bytes to both (and pushes), then output. */
static void
write_both(struct pair *pr, uint32_t n, const char *what)
{
	dps_tcb_queue(&pr->p, n);
	dps_tcb_queue(&pr->g, n);
	dps_tcb_mark_push(&pr->p);
	dps_tcb_mark_push(&pr->g);
	output_both(pr, what);
}

/* Our application read: @space bytes of buffer are free. */
static void
read_both(struct pair *pr, uint32_t space, const char *what)
{
	bool wp, wg;

	wp = dps_tcb_rcv_space(&pr->p, space);
	wg = dps_tcb_rcv_space(&pr->g, space);
	cr_assert_eq(wp, wg, "%s: window update %d/%d", what, wp, wg);
	if (wp)
		output_both(pr, what);
	assert_same_tcb(pr, what);
}

/* The peer's first scaled window (502 << PEER_WS, where its SYN-ACK said
 * 65160): a window update, which the general path takes. */
static void
pair_first_window(struct pair *pr)
{
	struct dps_tcp_seg s = pseg(DPS_TH_ACK, pr->p.rcv_nxt, pr->p.snd_una, 0);

	s.opt.has_ts = pr->p.ts_ok;
	step(pr, s, "first window");
	cr_assert_eq(pr->p.snd_wnd, 502u << PEER_WS);
	cr_assert_eq(pr->p.x->st.pred_acks, 0);
}

/* The pair established by an active open with @c against a SYN-ACK
 * offering timestamps or not (@ts), and the peer's first window;
 * prediction off on @g. */
static void
pair_establish(struct pair *pr, const struct dps_tcb_conf *c, bool ts)
{
	struct dps_tcb *both[2] = { &pr->p, &pr->g };

	for (unsigned int i = 0; i < 2; i++) {
		struct dps_tcp_out out[NOUT];
		struct dps_tcp_seg sa;
		unsigned int n;

		syn_sent_conf(both[i], c, &out[0]);
		sa = peer_synack(ISS + 1, out[0].opt.tsval);
		sa.opt.has_ts = ts;
		cr_assert_eq(feed(both[i], sa, TE, out, &n), DPS_TCB_CONNECTED);
		cr_assert_eq(output(both[i], TE, out), 1);
	}
	dps_tcb_set_predict(&pr->g, false);
	pr->now = TE;
	assert_same_tcb(pr, "established");
	pair_first_window(pr);
}

/* A segment from the peer at RCV.NXT acknowledging @ack, with TSval
 * @tsval when timestamps are on. */
static struct dps_tcp_seg
peer(const struct pair *pr, uint8_t flags, uint32_t ack, uint32_t len, uint32_t tsval)
{
	struct dps_tcp_seg s = pseg(flags, pr->p.rcv_nxt, ack, len);

	s.opt.has_ts = pr->p.ts_ok;
	s.opt.tsval = tsval;
	s.opt.tsecr = dps_tcb_tsval(&pr->p, pr->now) - 1;
	return s;
}

/* ---- hand-written cases ------------------------------------------------ */

Test(tcb_pred, pure_ack_of_new_data_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	write_both(&pr, 4 * SMSS, "write");
	pr.now += 10 * MS;
	cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1 + 2 * SMSS, 0,
		PEER_TSVAL + 5), "ACK of two"), DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
	cr_assert_eq(pr.p.ts_recent, PEER_TSVAL + 5, "TS.Recent follows (RFC 7323 4.3)");
	pr.now += MS;
	step(&pr, peer(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1 + 4 * SMSS, 0,
		PEER_TSVAL + 5), "ACK of the rest, PSH, same TSval");
	cr_assert_eq(pr.p.x->st.pred_acks, 2, "PSH and an equal TSval are fine");
	cr_assert_eq(pr.g.x->st.pred_acks, 0, "prediction off");
	cr_assert_eq(pr.p.rtx_at, 0, "all acknowledged: no RTO");
}

Test(tcb_pred, in_order_data_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	/* Quick-ACK mode first, then delayed ACKs and the two-segment rule. */
	for (unsigned int i = 0; i < DPS_TCP_QUICKACKS + 4; i++) {
		pr.now += MS;
		cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, SMSS,
			PEER_TSVAL + 1 + i), "data") & DPS_TCB_DATA, DPS_TCB_DATA);
	}
	cr_assert_eq(pr.p.x->st.pred_data, DPS_TCP_QUICKACKS + 4);
	cr_assert_eq(pr.p.rcv_nxt, PEER_ISN + 1 + (DPS_TCP_QUICKACKS + 4) * SMSS);
	pr.now += 100 * MS;
	tick(&pr, "delayed ACK");
}

Test(tcb_pred, data_acknowledging_ours_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	write_both(&pr, 100, "request");
	pr.now += 2 * MS;
	cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 101, 300,
		PEER_TSVAL + 2), "response"),
		DPS_TCB_ACKED | DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	cr_assert_eq(pr.p.snd_una, ISS + 101);
}

/* RFC 7323 4.3: TS.Recent is taken only from a segment that covers our
 * last ACK; with data delivered and not yet acknowledged it stays. */
Test(tcb_pred, ts_recent_waits_for_our_ack)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	pr.p.quickacks = pr.g.quickacks = 0;	/* delayed ACKs */
	pr.now += MS;
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 10), "first");
	cr_assert_eq(pr.p.ts_recent, PEER_TSVAL + 10);
	cr_assert_neq(pr.p.rcv_acked, pr.p.rcv_nxt, "the ACK is delayed");
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 20), "second");
	cr_assert_eq(pr.p.x->st.pred_data, 2);
	cr_assert_eq(pr.p.ts_recent, PEER_TSVAL + 10, "not past our last ACK");
}

Test(tcb_pred, unusual_segments_take_the_general_path)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_seg s;

	pair_establish(&pr, &c, true);
	write_both(&pr, 4 * SMSS, "write");
	pr.now += 10 * MS;
	s = peer(&pr, DPS_TH_ACK, ISS + 1, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	step(&pr, s, "window update");
	s = peer(&pr, DPS_TH_ACK, ISS + 1, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	step(&pr, s, "duplicate ACK");
	s = peer(&pr, DPS_TH_ACK, ISS + 1 + 2 * SMSS, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	s.n_sack = 1;
	s.sack[0] = (struct dps_sack_blk){ ISS + 1 + 3 * SMSS, ISS + 1 + 4 * SMSS };
	step(&pr, s, "SACK");
	s = peer(&pr, DPS_TH_ACK, ISS + 1 + 3 * SMSS, 0, PEER_TSVAL - 1);
	s.wnd = 600;
	step(&pr, s, "PAWS-old");
	s = peer(&pr, DPS_TH_ACK, ISS + 1 + 3 * SMSS, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	s.opt.has_ts = false;
	step(&pr, s, "no timestamp");
	s = peer(&pr, DPS_TH_ACK | DPS_TH_RST, ISS + 1 + 3 * SMSS, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	s.seq += 1;
	step(&pr, s, "RST in the window");
	cr_assert_eq(pr.p.x->st.pred_acks + pr.p.x->st.pred_data, 0,
		"none of these is predicted");
	cr_assert_eq(pr.p.state, DPS_TCPS_ESTABLISHED);
}

/* The first segment after the handshake brings the peer's first scaled
 * window: a pure ACK of new data with a window change is predicted, and
 * the window is taken as the general path takes it. */
Test(tcb_pred, ack_with_a_new_window_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_seg s;

	pair_establish(&pr, &c, true);
	write_both(&pr, 2 * SMSS, "write");
	pr.now += 10 * MS;
	s = peer(&pr, DPS_TH_ACK, ISS + 1 + SMSS, 0, PEER_TSVAL + 1);
	s.wnd = 600;
	step(&pr, s, "ACK, window grows");
	cr_assert_eq(pr.p.snd_wnd, 600u << PEER_WS);
	s = peer(&pr, DPS_TH_ACK, ISS + 1 + 2 * SMSS, 0, PEER_TSVAL + 1);
	s.wnd = 0;
	step(&pr, s, "ACK, window closes");
	cr_assert_eq(pr.p.snd_wnd, 0);
	cr_assert_eq(pr.p.x->st.pred_acks, 2);
}

/* Our close() on both TCBs, then the output pass the lcore runs. */
static void
close_both(struct pair *pr, const char *what)
{
	cr_assert_eq(dps_tcb_user_close(&pr->p, pr->now), dps_tcb_user_close(&pr->g, pr->now),
		"%s: close events differ", what);
	output_both(pr, what);
}

/*
 * An HTTP exchange with Connection: close, client side: the response
 * comes with the FIN (predicted data, ESTABLISHED to CLOSE-WAIT), our
 * FIN goes out, and the ACK of it (predicted, LAST-ACK to CLOSED).
 */
Test(tcb_pred, response_with_fin_and_last_ack_are_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	write_both(&pr, 100, "request");
	pr.now += 2 * MS;
	cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK | DPS_TH_PSH | DPS_TH_FIN, ISS + 101,
		300, PEER_TSVAL + 2), "response with FIN") & DPS_TCB_PEER_FIN,
		DPS_TCB_PEER_FIN);
	cr_assert_eq(pr.p.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	close_both(&pr, "close");
	cr_assert_eq(pr.p.state, DPS_TCPS_LAST_ACK);
	pr.now += 2 * MS;
	cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK, ISS + 102, 0, PEER_TSVAL + 4),
		"last ACK") & DPS_TCB_CLOSED, DPS_TCB_CLOSED);
	cr_assert_eq(pr.p.state, DPS_TCPS_CLOSE);
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
}

/* A bare FIN in ESTABLISHED that acknowledges nothing new is predicted
 * too (it is no duplicate ACK). */
Test(tcb_pred, bare_fin_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	pr.now += MS;
	step(&pr, peer(&pr, DPS_TH_ACK | DPS_TH_FIN, ISS + 1, 0, PEER_TSVAL + 2), "FIN");
	cr_assert_eq(pr.p.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
}

/*
 * Server side: our response and FIN out (FIN-WAIT-1); the client's FIN
 * acknowledging both (predicted, to TIME-WAIT through FIN-WAIT-2).
 */
Test(tcb_pred, fin_acknowledging_ours_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	write_both(&pr, 300, "response");
	close_both(&pr, "close");
	cr_assert_eq(pr.p.state, DPS_TCPS_FIN_WAIT1);
	pr.now += 2 * MS;
	cr_assert_eq(step(&pr, peer(&pr, DPS_TH_ACK | DPS_TH_FIN, ISS + 302, 0,
		PEER_TSVAL + 2), "FIN, ACK of all") & DPS_TCB_TIME_WAIT, DPS_TCB_TIME_WAIT);
	cr_assert_eq(pr.p.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
}

/* The same in two segments (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT), and a
 * simultaneous close (FIN-WAIT-1, CLOSING, TIME-WAIT). */
Test(tcb_pred, fin_wait_and_closing_are_predicted)
{
	struct pair a, b;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&a, &c, true);
	write_both(&a, 300, "response");
	close_both(&a, "close");
	a.now += 2 * MS;
	step(&a, peer(&a, DPS_TH_ACK, ISS + 302, 0, PEER_TSVAL + 2), "ACK of all");
	cr_assert_eq(a.p.state, DPS_TCPS_FIN_WAIT2);
	a.now += 2 * MS;
	step(&a, peer(&a, DPS_TH_ACK | DPS_TH_FIN, ISS + 302, 0, PEER_TSVAL + 3), "FIN");
	cr_assert_eq(a.p.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(a.p.x->st.pred_acks, 2);

	pair_establish(&b, &c, true);
	write_both(&b, 300, "response");
	close_both(&b, "close");
	b.now += 2 * MS;
	step(&b, peer(&b, DPS_TH_ACK | DPS_TH_FIN, ISS + 301, 0, PEER_TSVAL + 2),
		"FIN, our FIN not acknowledged");
	cr_assert_eq(b.p.state, DPS_TCPS_CLOSING);
	b.now += 2 * MS;
	step(&b, peer(&b, DPS_TH_ACK, ISS + 302, 0, PEER_TSVAL + 3), "ACK of our FIN");
	cr_assert_eq(b.p.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(b.p.x->st.pred_acks, 2);
}

/* Data after our close() may call for a RST (RFC 1122 4.2.2.13): the
 * general path's, never predicted. */
Test(tcb_pred, data_after_close_is_not_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, true);
	close_both(&pr, "close");
	pr.now += 2 * MS;
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 2), "data");
	cr_assert_eq(pr.p.x->st.pred_data + pr.p.x->st.pred_acks, 0);
	cr_assert_eq(pr.p.state, DPS_TCPS_CLOSE);
}

Test(tcb_pred, data_with_a_hole_pending_is_not_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_seg s;

	pair_establish(&pr, &c, true);
	pr.now += MS;
	s = peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 1);
	s.seq += 200;
	step(&pr, s, "out of order");
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 1), "in order, hole left");
	cr_assert_eq(pr.p.x->st.pred_data, 0);
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 1), "fills the hole");
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 1), "in order again");
	cr_assert_eq(pr.p.x->st.pred_data, 1);
}

/* Any segment answers a keepalive probe (Linux's tcp_ack() clears
 * icsk_probes_out): a predicted one too. */
Test(tcb_pred, data_answers_a_keepalive_probe)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	c.keepalive = true;
	pair_establish(&pr, &c, true);
	pr.now += (DPS_TCP_KEEPIDLE_S + 1) * SEC;
	tick(&pr, "keepalive probe");
	cr_assert_eq(pr.p.probes, 1);
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1, 100, PEER_TSVAL + 2), "data");
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	cr_assert_eq(pr.p.probes, 0);
}

Test(tcb_pred, without_timestamps)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_establish(&pr, &c, false);
	cr_assert(!pr.p.ts_ok);
	write_both(&pr, 2 * 1460, "write");
	pr.now += 10 * MS;
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1 + 1460, 0, 0), "ACK");
	step(&pr, peer(&pr, DPS_TH_ACK, ISS + 1 + 2920, 500, 0), "data");
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
	cr_assert_eq(pr.p.x->st.pred_data, 1);
}

/* ---- the handshake's last ACK (passive open) ---------------------------- */

/* The pair in SYN-RECEIVED: a passive open answering the SYN of a Linux
 * peer, with timestamps or not (@ts); prediction off on @g. */
static void
pair_accept(struct pair *pr, const struct dps_tcb_conf *c, bool ts)
{
	struct dps_tcb *both[2] = { &pr->p, &pr->g };
	struct dps_tcp_seg syn = peer_syn();

	syn.opt.has_ts = ts;
	for (unsigned int i = 0; i < 2; i++) {
		struct dps_tcp_out sa;

		tcb_attach(both[i]);
		dps_tcb_accept(both[i], c, &syn, ISS, TS_OFF, T0, &sa);
		cr_assert_eq(both[i]->state, DPS_TCPS_SYN_RECV);
	}
	dps_tcb_set_predict(&pr->g, false);
	pr->now = T0 + 10 * MS;
	assert_same_tcb(pr, "SYN-RECEIVED");
}

/* The peer's third segment: at RCV.NXT, acknowledging @ack, TSval after
 * its SYN's. */
static struct dps_tcp_seg
third(const struct pair *pr, uint8_t flags, uint32_t ack, uint32_t len)
{
	struct dps_tcp_seg s = peer(pr, flags, ack, len, PEER_TSVAL + 10);

	s.opt.tsecr = pr->p.ts_ok ? our_ts(T0) : 0;
	return s;
}

Test(tcb_pred, handshake_ack_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_accept(&pr, &c, true);
	cr_assert_eq(step(&pr, third(&pr, DPS_TH_ACK, ISS + 1, 0), "bare ACK"),
		DPS_TCB_CONNECTED | DPS_TCB_OUTPUT);
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
	cr_assert_eq(pr.p.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(pr.p.snd_wnd, 502u << PEER_WS, "the first scaled window");
	cr_assert_eq(pr.p.ts_recent, PEER_TSVAL + 10, "TS.Recent follows (RFC 7323 4.3)");
	cr_assert_neq(pr.p.srtt_us8, 0, "the handshake's RTT sample");
	/* and the connection goes on predicted */
	pr.now += MS;
	step(&pr, third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, 100), "request");
	cr_assert_eq(pr.p.x->st.pred_data, 1);
}

/* The server's usual first segment: the ACK with the request. */
Test(tcb_pred, handshake_ack_with_data_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_accept(&pr, &c, true);
	cr_assert_eq(step(&pr, third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, 80),
		"ACK with the GET"), DPS_TCB_CONNECTED | DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	cr_assert_eq(pr.p.rcv_nxt, PEER_ISN + 1 + 80);
	cr_assert_eq(pr.p.x->rx_len, 80);
	write_both(&pr, 300, "response");
	pr.now += MS;
	step(&pr, third(&pr, DPS_TH_ACK, ISS + 301, 0), "ACK of the response");
	cr_assert_eq(pr.p.x->st.pred_acks, 1);
}

/* A request with the client's FIN on the handshake's ACK: ESTABLISHED
 * and at once CLOSE-WAIT, as the general path goes. */
Test(tcb_pred, handshake_ack_with_data_and_fin_is_predicted)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();
	int ev;

	pair_accept(&pr, &c, true);
	ev = step(&pr, third(&pr, DPS_TH_ACK | DPS_TH_PSH | DPS_TH_FIN, ISS + 1, 80),
		"ACK, GET and FIN");
	cr_assert_eq(ev & (DPS_TCB_CONNECTED | DPS_TCB_DATA | DPS_TCB_PEER_FIN),
		DPS_TCB_CONNECTED | DPS_TCB_DATA | DPS_TCB_PEER_FIN);
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	cr_assert_eq(pr.p.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(pr.p.rcv_nxt, PEER_ISN + 1 + 81);
}

/* An ACK that does not acknowledge our SYN (or acknowledges more) gets
 * the RST of RFC 9293 3.10.7.4 from the general path; an old TSval is
 * PAWS's (RFC 7323 5.3); data beyond the window of the SYN-ACK is left
 * to the general path, which widens the window first. None is predicted,
 * and the connection still opens after them. */
Test(tcb_pred, unusual_handshake_acks_take_the_general_path)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_seg s;

	pair_accept(&pr, &c, true);
	step(&pr, third(&pr, DPS_TH_ACK, ISS, 0), "ACK of nothing");
	step(&pr, third(&pr, DPS_TH_ACK, ISS + 2, 80), "ACK beyond SND.NXT");
	s = third(&pr, DPS_TH_ACK, ISS + 1, 0);
	s.opt.tsval = PEER_TSVAL - 1;
	step(&pr, s, "PAWS-old");
	cr_assert_eq(pr.p.state, DPS_TCPS_SYN_RECV);
	pr.p.rcv_adv = pr.g.rcv_adv = PEER_ISN + 1 + 100;	/* a small SYN-ACK window */
	step(&pr, third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, 200), "beyond the window");
	cr_assert_eq(pr.p.state, DPS_TCPS_ESTABLISHED);
	/* timestamps negotiated, none on the ACK: accepted, not predicted */
	pair_accept(&pr, &c, true);
	s = third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, 80);
	s.opt.has_ts = false;
	step(&pr, s, "no timestamp");
	cr_assert_eq(pr.p.x->st.pred_acks + pr.p.x->st.pred_data, 0,
		"none of these is predicted");
	cr_assert_eq(pr.p.state, DPS_TCPS_ESTABLISHED);
}

/* The window of the third segment is the peer's first scaled one, any
 * size, zero included: taken as the general path takes it. */
Test(tcb_pred, handshake_ack_with_another_window_is_predicted)
{
	struct dps_tcb_conf c = linux_conf();
	const uint16_t wnds[] = { 1, 600, 0, 65535 };

	for (unsigned int i = 0; i < DIM(wnds); i++) {
		struct pair pr;
		struct dps_tcp_seg s;

		pair_accept(&pr, &c, true);
		s = third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, i % 2 == 0 ? 0 : 80);
		s.wnd = wnds[i];
		step(&pr, s, "new window");
		cr_assert_eq(pr.p.snd_wnd, (uint32_t)wnds[i] << PEER_WS);
		cr_assert_eq(pr.p.x->st.pred_acks + pr.p.x->st.pred_data, 1);
		write_both(&pr, 3000, "write into it");
		pr.now += 300 * MS;
		tick(&pr, "timers");
	}
}

Test(tcb_pred, handshake_ack_without_timestamps)
{
	struct pair pr;
	struct dps_tcb_conf c = linux_conf();

	pair_accept(&pr, &c, false);
	cr_assert(!pr.p.ts_ok);
	step(&pr, third(&pr, DPS_TH_ACK | DPS_TH_PSH, ISS + 1, 80), "ACK with data");
	cr_assert_eq(pr.p.x->st.pred_data, 1);
	cr_assert_eq(pr.p.state, DPS_TCPS_ESTABLISHED);
}

/* ---- the seeded generator ---------------------------------------------- */

/* xorshift64*: the same sequence on every machine. */
static uint32_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return (uint32_t)((*st * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t
rnd_below(uint64_t *st, uint32_t n)
{
	return n == 0 ? 0 : rnd(st) % n;
}

/* What the simulated peer keeps between segments. */
struct peer_sim {
	uint64_t rng;
	uint32_t tsval;		/* its clock */
	uint16_t wnd;		/* the raw window it announces */
};

/* An ACK value: mostly new data, sometimes old, current or beyond. */
static uint32_t
gen_ack(const struct pair *pr, struct peer_sim *ps)
{
	uint32_t una = pr->p.snd_una, fl = pr->p.snd_nxt - una;

	switch (rnd_below(&ps->rng, 10)) {
	case 0:
		return una - rnd_below(&ps->rng, 3000);
	case 1:
		return pr->p.snd_nxt + rnd_below(&ps->rng, 3000);
	case 2: case 3:
		return una;
	default:
		return una + (fl != 0 ? 1 + rnd_below(&ps->rng, fl) : 0);
	}
}

/* A TSval: mostly the peer's clock, sometimes older than TS.Recent. */
static uint32_t
gen_tsval(const struct pair *pr, struct peer_sim *ps)
{
	uint32_t r = rnd_below(&ps->rng, 20);

	if (r == 0)
		return pr->p.ts_recent - 1 - rnd_below(&ps->rng, 100);
	if (r == 1)
		return pr->p.ts_recent;
	ps->tsval += rnd_below(&ps->rng, 3);
	return ps->tsval;
}

/* One plausible segment from the peer, by kind (per mille): ACKs,
 * in-order data, data beyond a hole, old or overlapping data, FIN, SYN,
 * RST, and segments far outside the window. */
static struct dps_tcp_seg
gen_seg(const struct pair *pr, struct peer_sim *ps)
{
	uint32_t kind = rnd_below(&ps->rng, 1000), len = 0;
	uint8_t flags = DPS_TH_ACK;
	struct dps_tcp_seg s;
	int32_t shift = 0;

	if (kind < 400) {
		len = 0;
	} else if (kind < 800) {
		len = 1 + rnd_below(&ps->rng, SMSS);
	} else if (kind < 830) {
		len = 1 + rnd_below(&ps->rng, SMSS);
		shift = (int32_t)(1 + rnd_below(&ps->rng, 2 * SMSS));
	} else if (kind < 950) {
		len = 1 + rnd_below(&ps->rng, SMSS);
		shift = -(int32_t)rnd_below(&ps->rng, 2 * SMSS);
	} else if (kind < 952) {
		flags |= DPS_TH_FIN;
		len = rnd_below(&ps->rng, 2) * rnd_below(&ps->rng, SMSS);
	} else if (kind < 970) {
		flags = DPS_TH_SYN;
	} else if (kind < 973) {
		flags = DPS_TH_RST;
		shift = (int32_t)rnd_below(&ps->rng, 3);
	} else {
		shift = (int32_t)rnd_below(&ps->rng, 1u << 20);
	}
	if (rnd_below(&ps->rng, 4) == 0)
		flags |= DPS_TH_PSH;
	/* Once we closed, the peer closes too, sooner or later. */
	if (pr->p.orphan && (flags & DPS_TH_ACK) && rnd_below(&ps->rng, 8) == 0)
		flags |= DPS_TH_FIN;
	if (rnd_below(&ps->rng, 25) == 0)
		ps->wnd = (uint16_t)(400 + rnd_below(&ps->rng, 200));
	s = peer(pr, flags, gen_ack(pr, ps), len, gen_tsval(pr, ps));
	s.seq += (uint32_t)shift;
	s.wnd = ps->wnd;
	if (pr->p.ts_ok && rnd_below(&ps->rng, 40) == 0)
		s.opt.has_ts = false;
	if (pr->p.snd_nxt != pr->p.snd_una && rnd_below(&ps->rng, 30) == 0) {
		uint32_t fl = pr->p.snd_nxt - pr->p.snd_una;
		uint32_t l = pr->p.snd_una + rnd_below(&ps->rng, fl);

		s.n_sack = 1;
		s.sack[0] = (struct dps_sack_blk){ l, l + 1 + rnd_below(&ps->rng,
			pr->p.snd_nxt - l) };
	}
	return s;
}

/* Between segments: time passes, our side writes and reads, timers fire. */
static void
gen_local(struct pair *pr, struct peer_sim *ps, const char *what)
{
	uint32_t r = rnd_below(&ps->rng, 10);

	pr->now += rnd_below(&ps->rng, 10) == 0 ? rnd_below(&ps->rng, 300) * MS :
		rnd_below(&ps->rng, 2000) * 1000;
	if (r < 3 && !pr->p.orphan)
		write_both(pr, 1 + rnd_below(&ps->rng, 4 * SMSS), what);
	else if (r < 5)
		read_both(pr, rnd_below(&ps->rng, pr->p.rcv_buf + 1), what);
	else if (!pr->p.orphan && pr->p.state != DPS_TCPS_CLOSE &&
			rnd_below(&ps->rng, 150) == 0)
		close_both(pr, what);
	tick(pr, what);
}

/* What the fast path took over the seeded runs (@closing: segments
 * predicted after ESTABLISHED; @handshakes: in SYN-RECEIVED). */
struct pred_count {
	uint32_t acks, data, seeds, closing, handshakes;
};

static uint32_t
pred_total(const struct pair *pr)
{
	return pr->p.x->st.pred_acks + pr->p.x->st.pred_data;
}

/* One seeded run of @steps segments. */
static void
run_seed(uint64_t seed, unsigned int steps, struct pred_count *pc)
{
	struct peer_sim ps = { .rng = seed * 0x9e3779b97f4a7c15ull + 1,
		.tsval = PEER_TSVAL + 1, .wnd = 502 };
	struct dps_tcb_conf c = linux_conf();
	struct pair pr;
	char what[96];

	c.keepalive = seed % 3 == 0;
	c.nodelay = seed % 2 == 0;
	/* A quarter of the runs start in SYN-RECEIVED, a passive open. */
	if (seed % 4 == 1)
		pair_accept(&pr, &c, seed % 5 != 4);
	else
		pair_establish(&pr, &c, seed % 5 != 4);
	for (unsigned int i = 0; i < steps; i++) {
		snprintf(what, sizeof(what), "seed %lu step %u", (unsigned long)seed, i);
		gen_local(&pr, &ps, what);
		uint32_t n0 = pred_total(&pr);
		bool est = pr.p.state == DPS_TCPS_ESTABLISHED;
		bool syn_recv = pr.p.state == DPS_TCPS_SYN_RECV;

		if (pr.p.state == DPS_TCPS_CLOSE)
			break;
		step(&pr, gen_seg(&pr, &ps), what);
		if (syn_recv && pred_total(&pr) != n0)
			pc->handshakes++;
		else if (!est && pred_total(&pr) != n0)
			pc->closing++;
	}
	cr_assert_eq(pr.g.x->st.pred_acks + pr.g.x->st.pred_data, 0);
	pc->acks += pr.p.x->st.pred_acks;
	pc->data += pr.p.x->st.pred_data;
	pc->seeds += pr.p.x->st.pred_acks + pr.p.x->st.pred_data != 0;
}

#define SEEDS 300

Test(tcb_pred, random_segments_agree_with_the_general_path)
{
	struct pred_count pc = { 0, 0, 0, 0, 0 };

	for (uint64_t seed = 1; seed <= SEEDS; seed++)
		run_seed(seed, 400, &pc);
	/* A comparison where nothing was predicted would prove nothing. */
	cr_assert_geq(pc.seeds, SEEDS * 9 / 10, "only %u seeds took the fast path",
		pc.seeds);
	cr_assert_geq(pc.acks, SEEDS * 15, "%u pure ACKs predicted", pc.acks);
	cr_assert_geq(pc.data, SEEDS * 15, "%u data segments predicted", pc.data);
	cr_assert_geq(pc.closing, SEEDS / 2, "%u predicted after ESTABLISHED", pc.closing);
	cr_assert_geq(pc.handshakes, SEEDS / 4 / 2, "%u handshakes predicted of %u",
		pc.handshakes, SEEDS / 4);
	cr_log_info("predicted: %u pure ACKs, %u data segments, %u after ESTABLISHED, "
		"%u handshakes, %u of %u seeds", pc.acks, pc.data, pc.closing,
		pc.handshakes, pc.seeds, SEEDS);
}
