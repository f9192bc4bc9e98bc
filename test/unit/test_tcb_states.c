/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-state, per-rule tests of the TCP core (lib/tcp/dps_tcb*.c), in the
 * style of smoltcp's socket tests: one fixture per state (tcb_fixture.h),
 * built only through the public functions (connect + SYN-ACK, accept +
 * ACK, shutdown, the peer's FIN / ACK), then one crafted segment, timer or
 * call, and the exact replies, state and events that follow.
 *
 * Where the code departs from RFC 9293 / 5961 / 6298 / 6675 / 7323 or from
 * Linux, the assertion stays strict and the test is disabled with a comment
 * naming the discrepancy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <inttypes.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "tcb_fixture.h"

/* ---- helpers ---------------------------------------------------------- */

/* Peer data [off, off + len) after its ISN + 1, acking ISS + 1. */
static int
data_in(struct dps_tcb *t, uint32_t off, uint32_t len, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	return feed(t, pseg(DPS_TH_ACK | DPS_TH_PSH, PEER_ISN + 1 + off, t->snd_una, len),
		now, out, n);
}

/* ---- passive open ----------------------------------------------------- */

Test(tcb_listen, syn_draws_synack_with_only_the_offered_options)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa;
	struct dps_tcb t;

	syn_recv_child(&t, &c, &sa);
	cr_assert_eq(sa.flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(sa.seq, ISS);
	cr_assert_eq(sa.ack, PEER_ISN + 1);
	cr_assert_eq(sa.len, 0);
	cr_assert_eq(sa.wnd, 64240);
	cr_assert_eq(sa.opts, DPS_TCP_OUT_SYN);
	cr_assert(sa.opt.has_mss);
	cr_assert_eq(sa.opt.mss, 1460);
	cr_assert(sa.opt.has_ts);
	cr_assert_eq(sa.opt.tsval, our_ts(T0));
	cr_assert_eq(sa.opt.tsecr, PEER_TSVAL);
	cr_assert_not(sa.opt.sack_ok, "SACK-permitted was not offered");
	cr_assert_not(sa.opt.has_ws, "window scale was not offered (RFC 7323 2.2)");
	cr_assert_eq(t.rcv_wscale, 0);
	cr_assert_eq(dps_tcb_deadline(&t), T0 + SEC, "SYN-ACK retransmission at 1 s");
}

Test(tcb_listen, ack_establishes)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	syn_recv_child(&t, &c, &sa);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0), T0 + 5 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_CONNECTED | DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0, "the third segment draws no reply");
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(t.snd_una, ISS + 1);
	cr_assert_eq(t.snd_wnd, 502, "no window scaling: the raw window");
	cr_assert_eq(t.rtx_at, 0, "SYN-ACK timer stopped");
	cr_assert_eq(output(&t, T0 + 5 * MS, out), 0, "nothing to send");
}

Test(tcb_listen, duplicate_syn_resends_the_synack)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[DPS_TCB_MAX_OUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	syn_recv_child(&t, &c, &sa);
	ev = feed(&t, peer_syn_ts_only(), T0 + 300 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_not(out[0].opt.sack_ok);
	cr_assert_not(out[0].opt.has_ws);
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
}

/*
 * Found by test/fuzz/fuzz_tcb: an ACK sent in SYN_RECV announces the
 * window rounded up to the scale's granularity (64240 -> 502 << 7 =
 * 64256); the handshake's ACK then reset rcv_adv to RCV.NXT + 64240, and
 * the next ACK moved the right edge 10 bytes left. RFC 9293 3.8.6.2.2
 * and RFC 7323 2.4: the window must not shrink; Linux never moves
 * rcv_wup + rcv_wnd back (tcp_select_window()).
 */
Test(tcb_listen, window_announced_in_syn_recv_never_shrinks)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[NOUT];
	struct dps_tcp_seg syn = peer_syn_ts_only();
	struct dps_tcb t;
	uint32_t edge;
	unsigned int n;

	c.rcv_wscale = 7;
	syn.opt.has_ws = true;
	syn.opt.wscale = PEER_WS;
	tcb_attach(&t);
	dps_tcb_accept(&t, &c, &syn, ISS, TS_OFF, T0, &sa);
	cr_assert_eq(sa.wnd, 64240, "SYN-ACK windows are not scaled");
	/* beyond the window: an ACK, which announces 502 << 7 */
	feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1 + 200000, ISS + 1, 0), T0 + MS,
		out, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	edge = out[0].ack + ((uint32_t)out[0].wnd << 7);
	cr_assert_eq(edge, PEER_ISN + 1 + 64256);
	cr_assert_eq(feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0),
		T0 + 2 * MS, out, &n) & DPS_TCB_CONNECTED, DPS_TCB_CONNECTED);
	/* 246 bytes: less than an MSS, so the window does not grow */
	feed(&t, pseg(DPS_TH_ACK | DPS_TH_PSH, PEER_ISN + 1, ISS + 1, 246),
		T0 + 3 * MS, out, &n);
	cr_assert_eq(output(&t, T0 + 3 * MS, out), 1);
	cr_assert_eq(out[0].ack, PEER_ISN + 1 + 246);
	cr_assert_geq(out[0].ack + ((uint32_t)out[0].wnd << 7), edge,
		"right edge %#x moved left of %#x",
		out[0].ack + ((uint32_t)out[0].wnd << 7), edge);
}

Test(tcb_listen, bad_ack_draws_a_rst)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[DPS_TCB_MAX_OUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	syn_recv_child(&t, &c, &sa);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 77, 0), T0 + 5 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].flags, DPS_TH_RST, "<SEQ=SEG.ACK><CTL=RST>");
	cr_assert_eq(out[0].seq, ISS + 77);
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
}

/* ---- ESTABLISHED: receiving ------------------------------------------- */

Test(tcb_rcv, in_order_data_advances_rcv_nxt_and_is_acked_in_quickack)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	ev = data_in(&t, 0, 1000, TE + MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1001);
	cr_assert_eq(t.x->rx_off, 0);
	cr_assert_eq(t.x->rx_len, 1000);
	cr_assert_eq(t.x->rx_seq, PEER_ISN + 1);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1001, "quick ACK");
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL + 1);
	cr_assert_eq(out[0].opt.tsval, our_ts(TE + MS));
}

Test(tcb_rcv, partly_duplicate_segment_is_trimmed)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	establish(&t);
	data_in(&t, 0, 1000, TE + MS, out, &n);
	cr_assert_eq(data_in(&t, 500, 1000, TE + 2 * MS, out, &n),
		DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(t.x->rx_off, 500);
	cr_assert_eq(t.x->rx_len, 500);
	cr_assert_eq(t.x->rx_seq, PEER_ISN + 1001);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1501);
}

/* Exhaust quick-ACK mode with full segments acked one by one. */
static uint32_t
end_quickack(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcp_out out[NOUT];
	unsigned int n;
	uint32_t off = 0;

	for (int i = 0; i < DPS_TCP_QUICKACKS; i++, off += 100) {
		data_in(t, off, 100, now, out, &n);
		cr_assert_eq(output(t, now, out), 1, "quick ACK %d", i);
		assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + off + 100, "quick ACK");
	}
	return off;
}

Test(tcb_rcv, delayed_ack_after_quickack_fires_at_40ms)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint32_t off;
	uint64_t now = TE + MS;
	int ev;

	establish(&t);
	off = end_quickack(&t, now);
	ev = data_in(&t, off, 100, now, out, &n);
	cr_assert(ev & DPS_TCB_DATA);
	cr_assert_eq(output(&t, now, out), 0, "the ACK is delayed");
	cr_assert_eq(t.dack_at, now + DPS_TCP_DELACK_NS);
	cr_assert_eq(dps_tcb_deadline(&t), now + DPS_TCP_DELACK_NS);
	cr_assert_eq(timeout(&t, now + DPS_TCP_DELACK_NS - 1, out, &n), DPS_TCB_NONE);
	cr_assert_eq(output(&t, now + DPS_TCP_DELACK_NS - 1, out), 0, "not yet");
	ev = timeout(&t, now + DPS_TCP_DELACK_NS, out, &n);
	cr_assert_eq(ev, DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0);
	cr_assert_eq(output(&t, now + DPS_TCP_DELACK_NS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + off + 100, "delayed ACK");
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

Test(tcb_rcv, every_second_full_segment_is_acked_at_once)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint32_t off;
	uint64_t now = TE + MS;

	establish(&t);
	off = end_quickack(&t, now);
	data_in(&t, off, SMSS, now, out, &n);
	cr_assert_eq(output(&t, now, out), 0, "first full segment: delayed");
	data_in(&t, off + SMSS, SMSS, now + MS, out, &n);
	cr_assert_eq(output(&t, now + MS, out), 1, "second: ACK at once");
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + off + 2 * SMSS, "2-segment ACK");
	cr_assert_eq(t.dack_at, 0, "the delayed ACK is cancelled");
}

Test(tcb_rcv, out_of_order_draws_immediate_dupack_with_sack)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	ev = data_in(&t, 1000, 1000, TE + MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_DATA, 0);
	cr_assert(ev & DPS_TCB_OUTPUT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1);
	cr_assert_eq(t.x->rx_len, 1000, "kept for the out-of-order queue");
	cr_assert_eq(t.x->rx_seq, PEER_ISN + 1001);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "duplicate ACK");
	cr_assert_eq(out[0].n_sack, 1);
	cr_assert_eq(out[0].sack[0].left, PEER_ISN + 1001);
	cr_assert_eq(out[0].sack[0].right, PEER_ISN + 2001);

	/* A second, disjoint range: newest block first (RFC 2018 4). */
	data_in(&t, 3000, 500, TE + 2 * MS, out, &n);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1);
	cr_assert_eq(out[0].n_sack, 2);
	cr_assert_eq(out[0].sack[0].left, PEER_ISN + 3001);
	cr_assert_eq(out[0].sack[1].left, PEER_ISN + 1001);
}

Test(tcb_rcv, hole_fill_advances_past_the_queued_range)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	end_quickack(&t, TE + MS);	/* the fill ACK must not be a quick ACK */
	data_in(&t, 1600 + 1000, 1000, TE + 2 * MS, out, &n);
	output(&t, TE + 2 * MS, out);
	ev = data_in(&t, 1600, 1000, TE + 3 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1 + 3600);
	cr_assert_eq(t.x->rx_len, 1000);
	cr_assert_eq(t.n_ooo, 0);
	cr_assert_eq(output(&t, TE + 3 * MS, out), 1, "filling a hole: ACK at once");
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + 3600, "fill ACK");
	cr_assert_eq(out[0].n_sack, 0);
}

/* Passive open with a 2-segment window and no window scale. */
static void
small_window(struct dps_tcb *t)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[NOUT];
	unsigned int n;

	c.rcv_wnd = 2 * SMSS;
	syn_recv_child(t, &c, &sa);
	cr_assert_eq(sa.wnd, 2 * SMSS);
	feed(t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0), T0 + 5 * MS, out, &n);
	cr_assert_eq(t->state, DPS_TCPS_ESTABLISHED);
	cr_assert_not(dps_tcb_rcv_space(t, 0), "the application reads nothing");
	for (uint32_t i = 0; i < 2; i++) {
		data_in(t, i * SMSS, SMSS, T0 + (6 + i) * MS, out, &n);
		cr_assert_eq(output(t, T0 + (6 + i) * MS, out), 1);
		cr_assert_eq(out[0].wnd, (1 - i) * SMSS, "window closes");
	}
}

/* A duplicate that ends between our last ACK and rcv_nxt passes the
 * sequence test (Linux's tcp_sequence() measures from rcv_wup) but
 * delivers nothing: the bytes were taken already. */
Test(tcb_rcv, duplicate_before_our_ack_delivers_nothing)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	ev = data_in(&t, 0, 100, TE + MS, out, &n);
	cr_assert(ev & DPS_TCB_DATA);
	cr_assert_eq(t.rcv_acked, PEER_ISN + 1, "not acknowledged yet");
	ev = data_in(&t, 0, 100, TE + 2 * MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_DATA, 0);
	cr_assert_eq(t.x->rx_len, 0);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 101);
	if (t.sack_ok) {
		/* At once, naming the duplicate first (RFC 2883 D-SACK). */
		cr_assert_eq(n, 1, "acknowledged at once");
		cr_assert_eq(out[0].ack, PEER_ISN + 101);
		cr_assert_eq(out[0].n_sack, 1);
		cr_assert_eq(out[0].sack[0].left, PEER_ISN + 1);
		cr_assert_eq(out[0].sack[0].right, PEER_ISN + 101);
	} else {
		cr_assert(t.ack_now, "acknowledged at once");
	}
	ev = data_in(&t, 50, 50, TE + 3 * MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_DATA, 0);
	cr_assert_eq(t.x->rx_len, 0);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 101);
}

Test(tcb_rcv, zero_window_rejects_data_and_acks)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	small_window(&t);
	ev = data_in(&t, 2 * SMSS, 100, T0 + 10 * MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_DATA, 0);
	cr_assert_eq(t.x->rx_len, 0, "payload dropped");
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1 + 2 * SMSS);
	/* At rcv_nxt it passes the sequence test (Linux's tcp_sequence());
	 * the payload is trimmed to the zero window and acknowledged at once. */
	cr_assert_eq(n, 0);
	cr_assert_eq(output(&t, T0 + 10 * MS, out), 1, "an ACK for the unacceptable segment");
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + 2 * SMSS, "zero-window ACK");
	cr_assert_eq(out[0].wnd, 0);
}

Test(tcb_rcv, rcv_space_reopens_the_window)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	small_window(&t);
	cr_assert(dps_tcb_rcv_space(&t, 64 * 1024), "window update due");
	cr_assert_eq(output(&t, T0 + 10 * MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + 2 * SMSS, "window update");
	/* rcv_ssthresh: 2896 grown by 2 * rcv_mss per full segment. */
	cr_assert_eq(out[0].wnd, 3 * 2 * SMSS, "wnd %u", out[0].wnd);
	cr_assert_not(dps_tcb_rcv_space(&t, 64 * 1024), "no second update");
}

/* ---- ESTABLISHED: sending --------------------------------------------- */

Test(tcb_snd, first_flight_is_ten_segments_of_mss_minus_timestamps)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	establish(&t);
	dps_tcb_queue(&t, 20000);
	n = output(&t, TE + MS, out);
	cr_assert_eq(n, DPS_TCP_INIT_CWND, "cwnd limits the flight: %u", n);
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(out[i].seq, ISS + 1 + i * SMSS);
		cr_assert_eq(out[i].len, SMSS);
		cr_assert_eq(out[i].ack, PEER_ISN + 1);
		cr_assert_eq(out[i].flags, DPS_TH_ACK, "no PSH before the end");
		cr_assert_not(out[i].rexmit);
	}
	cr_assert_eq(t.snd_nxt, ISS + 1 + 10 * SMSS);
	cr_assert(t.cwnd_limited);
	/* With SACK the probe timeout comes first (RFC 8985 7.2): two
	 * SRTTs of 10 ms and the two-jiffy allowance. */
	cr_assert_eq(dps_tcb_deadline(&t), TE + MS + 2 * 10 * MS + DPS_TCP_TIMEOUT_MIN_NS,
		"TLP armed");
	cr_assert_eq(output(&t, TE + MS, out), 0);
}

Test(tcb_snd, last_segment_carries_psh)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	c.nodelay = true;
	establish_conf(&t, &c);
	dps_tcb_queue(&t, SMSS + 100);
	cr_assert_eq(output(&t, TE + MS, out), 2);
	cr_assert_eq(out[0].flags, DPS_TH_ACK);
	cr_assert_eq(out[1].len, 100);
	cr_assert_eq(out[1].flags, DPS_TH_ACK | DPS_TH_PSH);
}

/*
 * PSH as Linux's tcp_push() sets it: on the segment that carries the last
 * byte of a write, not only on the one that empties the queue. A write of
 * 3 segments, then 5 segments of a write still in progress, all queued
 * before the first output: PSH on segments 3 and 8 (the end of the queue).
 * dpstack once marked segment 8 only.
 */
Test(tcb_snd, psh_on_the_last_segment_of_a_write)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish(&t);
	dps_tcb_queue(&t, 3 * SMSS);
	dps_tcb_mark_push(&t);
	dps_tcb_queue(&t, 5 * SMSS);
	cr_assert_eq(output(&t, TE + MS, out), 8);
	for (unsigned int i = 0; i < 8; i++)
		cr_assert_eq(out[i].flags, DPS_TH_ACK | (i == 2 || i == 7 ? DPS_TH_PSH : 0),
			"segment %u: flags %#x", i + 1, out[i].flags);
}

/*
 * A write larger than the window still pushes every half window (Linux's
 * forced_push()): a bulk transfer whose queue never empties sends PSH
 * regularly, not only on its very last segment as dpstack once did.
 */
Test(tcb_snd, psh_every_half_window_in_a_long_write)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	uint32_t last = ISS + 1, gap = 0, pushes = 0;

	establish(&t);
	dps_tcb_queue(&t, 1u << 20);
	dps_tcb_mark_push(&t);
	for (uint64_t now = TE + MS; dps_seq_lt(t.snd_nxt, t.snd_end); now += MS) {
		unsigned int n = output(&t, now, out);

		for (unsigned int i = 0; i < n; i++) {
			uint32_t end = out[i].seq + out[i].len;

			if (!(out[i].flags & DPS_TH_PSH))
				continue;
			pushes++;
			if (end - last > gap)
				gap = end - last;
			last = end;
		}
		peer_ack_all(&t, now);
	}
	cr_assert_eq(last, t.snd_end, "the last segment pushes");
	cr_assert_gt(pushes, 1, "%u PSH in 1 MiB", pushes);
	cr_assert_leq(gap, t.max_snd_wnd / 2 + SMSS, "%u bytes without PSH (max "
		"window %u)", gap, t.max_snd_wnd);
}

/*
 * Linux's Nagle is Minshall's variant (tcp_nagle_check() /
 * tcp_minshall_check()): a sub-MSS tail is held only while an earlier
 * *small* segment is unacknowledged. One write of SMSS + 100 bytes goes
 * out as two segments at once; holding the tail behind the full segment
 * (strict RFC 896 / RFC 9293 3.7.4) stalls it for the peer's delayed ACK
 * (40 ms with a Linux peer). Disabled: the code sends 1 segment, not 2.
 */
Test(tcb_snd, nagle_is_minshall_like_linux)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish(&t);
	dps_tcb_queue(&t, SMSS + 100);
	cr_assert_eq(output(&t, TE + MS, out), 2,
		"the tail follows the full segment (Linux)");
	cr_assert_eq(out[1].seq, ISS + 1 + SMSS);
	cr_assert_eq(out[1].len, 100);
}

Test(tcb_snd, nagle_holds_a_small_segment_while_data_is_in_flight)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish(&t);
	dps_tcb_queue(&t, 100);
	cr_assert_eq(output(&t, TE + MS, out), 1, "nothing in flight: goes");
	dps_tcb_queue(&t, 100);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 0, "Nagle holds it");
	cr_assert_eq(peer_ack_all(&t, TE + 12 * MS), DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(output(&t, TE + 12 * MS, out), 1, "the ACK releases it");
	cr_assert_eq(out[0].seq, ISS + 101);
	cr_assert_eq(out[0].len, 100);
}

Test(tcb_snd, nodelay_sends_the_small_segment)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	c.nodelay = true;
	establish_conf(&t, &c);
	dps_tcb_queue(&t, 100);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	dps_tcb_queue(&t, 100);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1, "TCP_NODELAY");
	cr_assert_eq(out[0].seq, ISS + 101);
	cr_assert_eq(out[0].len, 100);
}

Test(tcb_snd, ack_advances_snd_una)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	established_in_flight(&t, NULL, 2);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1 + SMSS, 0), TE + 11 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.snd_una, ISS + 1 + SMSS);
	cr_assert_eq(t.snd_wnd, 502u << PEER_WS);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 11 * MS + dps_tcb_rto(&t), "RTO restarted");
	ev = peer_ack_all(&t, TE + 12 * MS);
	cr_assert_eq(ev, DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(t.rtx_at, 0, "all acked: timer stopped");
}

Test(tcb_snd, ack_of_unsent_data_draws_an_ack_and_is_dropped)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1000, 0), TE + MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_ACKED, 0);
	cr_assert_eq(t.snd_una, ISS + 1);
	cr_assert_eq(n, 1, "RFC 9293 3.10.7.4: ACK of unsent data -> ACK");
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "ACK");
}

/* Ten segments out, the first acked with window 502, so later duplicate
 * ACKs carry an unchanged window. */
static void
flight_of_ten(struct dps_tcb *t, uint8_t cc)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	unsigned int n;

	c.cc = cc;
	establish_conf(t, &c);
	t->sack_ok = false;	/* duplicate ACKs count without SACK only */
	dps_tcb_queue(t, 10 * SMSS);
	cr_assert_eq(output(t, TE + MS, out), 10);
	feed(t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1 + SMSS, 0), TE + 11 * MS, out, &n);
	cr_assert_eq(t->snd_una, ISS + 1 + SMSS);
	cr_assert_eq(output(t, TE + 11 * MS, out), 0, "nothing more queued");
}

Test(tcb_snd, three_dupacks_fast_retransmit_newreno)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint32_t una = ISS + 1 + SMSS;
	int ev;

	flight_of_ten(&t, DPS_CC_NEWRENO);
	for (int i = 0; i < 3; i++) {
		ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, una, 0),
			TE + (12 + i) * MS, out, &n);
		cr_assert_eq(ev, DPS_TCB_OUTPUT);
		cr_assert_eq(n, 0);
		cr_assert_eq(t.in_recovery, i == 2, "dupack %d", i + 1);
		if (i < 2)
			cr_assert_eq(output(&t, TE + (12 + i) * MS, out), 0,
				"no retransmission before the third");
	}
	/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS); RFC 6675:
	 * cwnd = ssthresh. */
	cr_assert_eq(t.ssthresh, 9 * SMSS / 2);
	cr_assert_eq(t.cwnd, t.ssthresh);
	cr_assert_eq(t.x->recovery_point, ISS + 1 + 10 * SMSS);
	n = output(&t, TE + 14 * MS, out);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].seq, una, "retransmits snd_una");
	cr_assert_eq(out[0].len, SMSS);
	cr_assert(out[0].rexmit);
	cr_assert_eq(t.x->st.fast_retrans, 1);
}

Test(tcb_snd, three_dupacks_fast_retransmit_cubic)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint32_t una = ISS + 1 + SMSS, cwnd;

	flight_of_ten(&t, DPS_CC_CUBIC);
	cwnd = t.cwnd;
	for (int i = 0; i < 3; i++)
		feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, una, 0), TE + (12 + i) * MS, out, &n);
	cr_assert(t.in_recovery);
	/* RFC 9438 4.6: ssthresh = cwnd * 0.7 (Linux: 717/1024), >= 2 SMSS. */
	cr_assert_geq(t.ssthresh, cwnd * 7 / 10 - SMSS, "ssthresh %u cwnd %u", t.ssthresh, cwnd);
	cr_assert_leq(t.ssthresh, cwnd * 7 / 10 + SMSS, "ssthresh %u cwnd %u", t.ssthresh, cwnd);
	cr_assert_eq(t.cwnd, t.ssthresh);
	n = output(&t, TE + 14 * MS, out);
	cr_assert_geq(n, 1);
	cr_assert_eq(out[0].seq, una);
	cr_assert(out[0].rexmit);
}

Test(tcb_snd, sack_blocks_retransmit_the_hole)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;
	uint32_t s0 = ISS + 1;
	int ev;

	established_in_flight(&t, NULL, 10);
	/* Segment 0 acked, segment 1 lost, 2..4 SACKed. */
	s = pseg(DPS_TH_ACK, PEER_ISN + 1, s0 + SMSS, 0);
	s.n_sack = 1;
	s.sack[0].left = s0 + 2 * SMSS;
	s.sack[0].right = s0 + 5 * SMSS;
	ev = feed(&t, s, TE + 11 * MS, out, &n);
	cr_assert(ev & DPS_TCB_ACKED);
	cr_assert(t.in_recovery, "3 SACKed segments above the hole: IsLost");
	n = output(&t, TE + 11 * MS, out);
	cr_assert_eq(n, 1, "n %u", n);
	cr_assert_eq(out[0].seq, s0 + SMSS, "the hole");
	cr_assert_eq(out[0].len, SMSS);
	cr_assert(out[0].rexmit);
}

Test(tcb_snd, rto_retransmits_from_snd_una_with_backoff)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t at = TE + MS + RTO0;
	int ev;

	c.cc = DPS_CC_NEWRENO;
	establish_conf(&t, &c);
	t.sack_ok = false;	/* no tail loss probe before the RTO */
	dps_tcb_queue(&t, 3 * SMSS);
	cr_assert_eq(output(&t, TE + MS, out), 3);
	cr_assert_eq(dps_tcb_deadline(&t), at);
	cr_assert_eq(timeout(&t, at - 1, out, &n), DPS_TCB_NONE, "not yet");
	ev = timeout(&t, at, out, &n);
	cr_assert_eq(ev, DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.cwnd, SMSS, "RFC 5681 3.1: cwnd = 1 segment");
	/* RFC 5681 (4): max(FlightSize / 2, 2 * SMSS). */
	cr_assert_eq(t.ssthresh, 2 * SMSS);
	cr_assert_eq(dps_tcb_rto(&t), 2 * RTO0, "RFC 6298 5.5: back off");
	cr_assert_eq(dps_tcb_deadline(&t), at + 2 * RTO0);
	n = output(&t, at, out);
	cr_assert_eq(n, 1, "one segment: cwnd");
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, SMSS);
	cr_assert(out[0].rexmit);
	ev = timeout(&t, at + 2 * RTO0, out, &n);
	cr_assert_eq(ev, DPS_TCB_OUTPUT);
	cr_assert_eq(dps_tcb_rto(&t), 4 * RTO0);
	cr_assert_eq(output(&t, at + 2 * RTO0, out), 1);
	cr_assert_eq(out[0].seq, ISS + 1);
}

/*
 * Linux holds the RTO in whole jiffies, rounded up (usecs_to_jiffies() in
 * __tcp_set_rto(); 4 ms at the oracle's HZ of 250), and backs off by
 * doubling them: its retransmission never comes before srtt + max(4 *
 * rttvar, 200 ms) rounded up to 4 ms. Issue 18 saw ours 7 ms before
 * Linux's; none may come before that deadline, for any round trip.
 */
Test(tcb_snd, rto_is_whole_jiffies_and_never_early)
{
	static const uint64_t rtt[] = {
		1, MS - 1, 10 * MS, 10 * MS + 100 * 1000, 57 * MS + 3, 101 * MS,
		333 * MS + 333,
	};

	for (size_t i = 0; i < DIM(rtt); i++) {
		struct dps_tcb_conf c = linux_conf();
		struct dps_tcp_out out[NOUT];
		struct dps_tcb t;
		unsigned int n;
		uint64_t te = T0 + rtt[i], sent = te + MS;
		uint64_t nominal = rtt[i] + (2 * rtt[i] > 200 * MS ? 2 * rtt[i] : 200 * MS);
		uint64_t rto = (nominal + 4 * MS - 1) / (4 * MS) * (4 * MS);

		syn_sent_conf(&t, &c, &out[0]);
		cr_assert_eq(feed(&t, peer_synack(ISS + 1, out[0].opt.tsval), te, out, &n),
			DPS_TCB_CONNECTED);
		(void)output(&t, te, out);
		cr_assert_eq(dps_tcb_rto(&t), rto, "rtt %" PRIu64 " ns: rto %" PRIu64 " ns, want %"
			PRIu64, rtt[i], dps_tcb_rto(&t), rto);
		t.sack_ok = false;	/* no tail loss probe before the RTO */
		dps_tcb_queue(&t, SMSS);
		cr_assert_eq(output(&t, sent, out), 1);
		cr_assert_eq(dps_tcb_deadline(&t), sent + rto);
		cr_assert_eq(timeout(&t, sent + rto - 1, out, &n), DPS_TCB_NONE,
			"rtt %" PRIu64 " ns: fired early", rtt[i]);
		cr_assert_eq(timeout(&t, sent + rto, out, &n), DPS_TCB_OUTPUT);
		cr_assert_eq(dps_tcb_rto(&t), 2 * rto, "backed off by whole jiffies");
		cr_assert_eq(dps_tcb_deadline(&t), sent + 3 * rto);
	}
}

/* ---- TSO: one output segment for several MSS pieces -------------------- */

#define TSO_MAX	(65535u - 20 - 60)	/* what the stack gives a TSO device */

static void
establish_tso(struct dps_tcb *t, uint16_t tso_max)
{
	struct dps_tcb_conf c = linux_conf();

	c.tso_max = tso_max;
	establish_conf(t, &c);
}

/* The initial window (RFC 6928) leaves as one frame of ten pieces. */
Test(tcb_tso, first_flight_is_one_frame_of_the_initial_window)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish_tso(&t, TSO_MAX);
	dps_tcb_queue(&t, 20000);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, DPS_TCP_INIT_CWND * SMSS);
	cr_assert_eq(out[0].flags, DPS_TH_ACK, "no PSH: data remains");
	cr_assert(t.cwnd_limited);
	cr_assert_eq(t.snd_nxt, ISS + 1 + DPS_TCP_INIT_CWND * SMSS);
	cr_assert_eq(t.snd_sml, ISS + 1, "no small piece went");
	cr_assert_eq(output(&t, TE + MS, out), 0);
}

/*
 * With room in both windows a frame holds as many whole pieces as
 * tso_max allows; the peer's window cuts it to whole pieces too
 * (Linux's tcp_mss_split_point()), never to a sub-MSS remainder.
 */
Test(tcb_tso, frames_are_whole_pieces_within_tso_max_and_the_window)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	uint32_t wnd, sent = 0;
	unsigned int n;

	establish_tso(&t, TSO_MAX);
	t.cwnd = 1000 * SMSS;
	wnd = t.snd_wnd = t.max_snd_wnd = 64256;	/* 502 << 7 */
	dps_tcb_queue(&t, 1u << 20);
	n = output(&t, TE + MS, out);
	cr_assert_eq(n, 1, "the window allows one frame");
	cr_assert_eq(out[0].len, (wnd / SMSS) * SMSS, "44 whole pieces, not %u", out[0].len);
	sent = out[0].len;
	t.snd_wnd = 10u << 20;
	t.max_snd_wnd = t.snd_wnd;
	n = output(&t, TE + MS, out);
	cr_assert_geq(n, 2);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t want = i + 1 < n ? (TSO_MAX / SMSS) * SMSS : (1u << 20) - sent;

		cr_assert_eq(out[i].seq, ISS + 1 + sent);
		cr_assert_eq(out[i].len, want, "frame %u: %u, want %u", i, out[i].len, want);
		sent += out[i].len;
	}
	cr_assert_eq(sent, 1u << 20, "all of it in %u frames", n + 1);
}

/* The rest of the queue, short tail included, goes in one frame with PSH;
 * the tail counts as the last small segment for Nagle. */
Test(tcb_tso, the_tail_of_the_queue_goes_in_the_frame)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish_tso(&t, TSO_MAX);
	dps_tcb_queue(&t, 3 * SMSS + 100);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	cr_assert_eq(out[0].len, 3 * SMSS + 100);
	cr_assert_eq(out[0].flags, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(t.snd_sml, ISS + 1 + 3 * SMSS + 100);
}

/* Less than two pieces of room: no TSO, segments as without it. */
Test(tcb_tso, a_small_tso_max_changes_nothing)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish_tso(&t, 2 * SMSS - 1);
	dps_tcb_queue(&t, 20000);
	cr_assert_eq(output(&t, TE + MS, out), DPS_TCP_INIT_CWND);
	for (unsigned int i = 0; i < DPS_TCP_INIT_CWND; i++)
		cr_assert_eq(out[i].len, SMSS);
}

/* Below one piece of congestion window the rules without TSO apply; a
 * retransmission is one MSS at most (RFC 6675 NextSeg()). */
Test(tcb_tso, retransmissions_are_one_piece)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t at = TE + MS + RTO0;

	c.cc = DPS_CC_NEWRENO;
	c.tso_max = TSO_MAX;
	establish_conf(&t, &c);
	t.sack_ok = false;	/* no tail loss probe before the RTO */
	dps_tcb_queue(&t, 5 * SMSS);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	cr_assert_eq(out[0].len, 5 * SMSS);
	cr_assert_eq(timeout(&t, at, out, &n), DPS_TCB_OUTPUT);
	cr_assert_eq(output(&t, at, out), 1);
	cr_assert(out[0].rexmit);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, SMSS);
}

Test(tcb_snd, zero_window_persist_probe)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;
	uint64_t now = TE + MS;
	int ev;

	establish(&t);
	s = pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0);
	s.wnd = 0;
	feed(&t, s, now, out, &n);
	cr_assert_eq(t.snd_wnd, 0);
	dps_tcb_queue(&t, 1000);
	cr_assert_eq(output(&t, now, out), 0, "no window");
	cr_assert(t.persist);
	cr_assert_eq(dps_tcb_deadline(&t), now + RTO0);
	ev = timeout(&t, now + RTO0, out, &n);
	cr_assert_eq(ev, DPS_TCB_NONE);
	cr_assert_eq(n, 1);
	assert_ack(&out[0], ISS, PEER_ISN + 1, "probe at snd_una - 1");
	cr_assert_eq(dps_tcb_deadline(&t), now + RTO0 + 2 * RTO0, "probe backs off");
	cr_assert_eq(t.x->st.zwp_sent, 1);
	/* The window opens: the data goes. */
	s.wnd = 502;
	s.opt.tsval++;
	ev = feed(&t, s, now + RTO0 + 5 * MS, out, &n);
	cr_assert(ev & DPS_TCB_OUTPUT);
	cr_assert_eq(output(&t, now + RTO0 + 5 * MS, out), 1);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, 1000);
}

/* Linux's tcp_ack_probe(): the answer to a probe that keeps the window
 * shut restarts the probe timer, backed off, from the answer, not from
 * the probe (a probe came 50 ms early against the kernel otherwise). */
Test(tcb_snd, zero_window_probe_timer_restarts_at_the_answer)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;
	uint64_t now = TE + MS, probe = now + RTO0, answer = probe + 50 * MS;

	establish(&t);
	s = pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0);
	s.wnd = 0;
	feed(&t, s, now, out, &n);
	dps_tcb_queue(&t, 1000);
	cr_assert_eq(output(&t, now, out), 0, "no window");
	cr_assert_eq(timeout(&t, probe, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1, "the first probe");
	s.opt.tsval++;
	feed(&t, s, answer, out, &n);
	cr_assert_eq(output(&t, answer, out), 0, "still no window");
	cr_assert(t.persist);
	cr_assert_eq(dps_tcb_deadline(&t), answer + 2 * RTO0, "from the answer");
	cr_assert_eq(timeout(&t, answer + 2 * RTO0 - 1, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 0, "not before");
	cr_assert_eq(timeout(&t, answer + 2 * RTO0, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 1, "the second probe");
	assert_ack(&out[0], ISS, PEER_ISN + 1, "probe at snd_una - 1");
}

Test(tcb_snd, keepalive_probes_then_etimedout)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	c.keepalive = true;
	c.keepidle_s = 10;
	c.keepintvl_s = 5;
	c.keepcnt = 3;
	establish_conf(&t, &c);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 10 * SEC);
	for (int i = 0; i < 3; i++) {
		uint64_t at = TE + 10 * SEC + (uint64_t)i * 5 * SEC;

		cr_assert_eq(dps_tcb_deadline(&t), at, "probe %d", i);
		ev = timeout(&t, at, out, &n);
		cr_assert_eq(ev, DPS_TCB_NONE);
		cr_assert_eq(n, 1);
		assert_ack(&out[0], ISS, PEER_ISN + 1, "keepalive probe");
	}
	ev = timeout(&t, TE + 25 * SEC, out, &n);
	cr_assert_eq(ev, DPS_TCB_CLOSED);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, ETIMEDOUT);
}

Test(tcb_snd, keepalive_answer_resets_the_probes)
{
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	c.keepalive = true;
	c.keepidle_s = 10;
	c.keepintvl_s = 5;
	c.keepcnt = 3;
	establish_conf(&t, &c);
	timeout(&t, TE + 10 * SEC, out, &n);
	cr_assert_eq(n, 1);
	feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0), TE + 10 * SEC + 10 * MS, out, &n);
	cr_assert_eq(t.probes, 0);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 20 * SEC + 10 * MS, "idle time restarts");
}

/* ---- closing ---------------------------------------------------------- */

Test(tcb_close, fin_follows_queued_data)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish(&t);
	dps_tcb_queue(&t, 100);
	cr_assert_eq(dps_tcb_shutdown(&t, TE + MS), DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_FIN_WAIT1);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, 100);
	cr_assert_eq(out[0].flags, DPS_TH_ACK | DPS_TH_PSH | DPS_TH_FIN);
	cr_assert_eq(t.snd_nxt, ISS + 102);
}

Test(tcb_close, fin_wait1_ack_of_fin_to_fin_wait2)
{
	struct dps_tcb t;

	fin_wait1(&t);
	cr_assert_eq(peer_ack_all(&t, TE + 2 * MS), DPS_TCB_ACKED | DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_FIN_WAIT2);
	cr_assert_eq(t.rtx_at, 0);
}

Test(tcb_close, fin_wait1_fin_ack_to_time_wait)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	fin_wait1(&t);
	ev = feed(&t, pseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, ISS + 2, 0),
		TE + 2 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_ACKED | DPS_TCB_PEER_FIN | DPS_TCB_TIME_WAIT |
		DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1);
	assert_ack(&out[0], ISS + 2, PEER_ISN + 2, "ACK of FIN");
}

Test(tcb_close, fin_wait1_fin_to_closing_then_ack_to_time_wait)
{
	struct dps_tcb t;
	int ev;

	closing(&t);
	ev = peer_ack_all(&t, TE + 3 * MS);
	cr_assert_eq(ev, DPS_TCB_ACKED | DPS_TCB_TIME_WAIT | DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 3 * MS + DPS_TCP_TIMEWAIT_NS);
}

/*
 * The peer closed, saw our FIN, and sends its FIN again with the ACK of
 * ours (dperf's client does): the segment ends exactly at rcv_nxt, which
 * our last ACK named. Linux's tcp_sequence() accepts it and processes
 * its ACK; each closing state moves on and answers with one ACK.
 */
static int
peer_fin_again(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out)
{
	unsigned int n;
	int ev;

	ev = feed(t, pseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, t->snd_nxt, 0),
		now, out, &n);
	cr_assert_eq(n, 0, "no challenge or out-of-window reply");
	return ev;
}

Test(tcb_close, closing_fin_again_with_the_ack_of_ours_to_time_wait)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	int ev;

	closing(&t);
	ev = peer_fin_again(&t, TE + 3 * MS, out);
	cr_assert(ev & DPS_TCB_ACKED, "the ACK of our FIN counts");
	cr_assert(ev & DPS_TCB_TIME_WAIT);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(t.snd_una, ISS + 2);
	cr_assert_eq(output(&t, TE + 3 * MS, out), 1);
	assert_ack(&out[0], ISS + 2, PEER_ISN + 2, "ACK of the resent FIN");
	cr_assert_eq(timeout(&t, TE + 3 * MS + dps_tcb_rto(&t), out, &(unsigned int){ 0 }) &
		DPS_TCB_OUTPUT, 0, "our FIN is not retransmitted");
}

Test(tcb_close, last_ack_fin_again_with_the_ack_of_ours_closes)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	int ev;

	last_ack(&t);
	ev = peer_fin_again(&t, TE + 3 * MS, out);
	cr_assert(ev & DPS_TCB_CLOSED);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, 0);
}

Test(tcb_close, time_wait_fin_again_with_the_ack_of_ours_is_acked)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	time_wait(&t);
	peer_fin_again(&t, TE + 10 * MS, out);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 10 * MS + DPS_TCP_TIMEWAIT_NS, "2MSL restarts");
	cr_assert_eq(output(&t, TE + 10 * MS, out), 1);
	assert_ack(&out[0], ISS + 2, PEER_ISN + 2, "ACK of the resent FIN");
}

Test(tcb_close, close_wait_fin_again_is_acked_once_more)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	int ev;

	close_wait(&t);
	ev = peer_fin_again(&t, TE + 5 * MS, out);
	cr_assert_eq(ev & DPS_TCB_PEER_FIN, 0, "no second FIN event");
	cr_assert_eq(t.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(output(&t, TE + 5 * MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 2, "ACK of the resent FIN");
}

Test(tcb_close, fin_wait2_data_is_still_received)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	fin_wait2(&t);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 2, 500), TE + 3 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_DATA | DPS_TCB_OUTPUT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 501);
	cr_assert_eq(output(&t, TE + 3 * MS, out), 1);
	assert_ack(&out[0], ISS + 2, PEER_ISN + 501, "ACK in FIN_WAIT2");
}

Test(tcb_close, time_wait_ends_after_60s)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	time_wait(&t);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 3 * MS + DPS_TCP_TIMEWAIT_NS);
	cr_assert_eq(timeout(&t, TE + 3 * MS + DPS_TCP_TIMEWAIT_NS - 1, out, &n),
		DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(timeout(&t, TE + 3 * MS + DPS_TCP_TIMEWAIT_NS, out, &n),
		DPS_TCB_CLOSED);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, 0);
	cr_assert_eq(n, 0);
}

/* RFC 9293 3.10.7.4 eighth step, TIME-WAIT: a retransmitted FIN is acked
 * and restarts the 2 MSL timeout (Linux: tcp_timewait_state_process
 * re-arms TCP_TIMEWAIT_LEN). */
Test(tcb_close, time_wait_retransmitted_fin_is_acked_and_restarts_the_timer)
{
	struct dps_tcp_out out[2 * NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t now = TE + 10 * SEC;

	time_wait(&t);
	feed(&t, pseg(DPS_TH_FIN | DPS_TH_ACK, PEER_ISN + 1, ISS + 2, 0), now, out, &n);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(n + output(&t, now, out + n), 1, "one ACK");
	assert_ack(&out[0], ISS + 2, PEER_ISN + 2, "re-ACK of FIN");
	cr_assert_eq(dps_tcb_deadline(&t), now + DPS_TCP_TIMEWAIT_NS, "2MSL restarted");
}

Test(tcb_close, close_wait_shutdown_last_ack_then_closed)
{
	struct dps_tcb t;
	int ev;

	last_ack(&t);
	ev = peer_ack_all(&t, TE + 3 * MS);
	cr_assert_eq(ev & DPS_TCB_CLOSED, DPS_TCB_CLOSED);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
	cr_assert_eq(t.err, 0);
	cr_assert_eq(dps_tcb_deadline(&t), 0);
}

Test(tcb_close, last_ack_fin_is_retransmitted_on_rto)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	last_ack(&t);
	cr_assert_eq(dps_tcb_deadline(&t), TE + 2 * MS + RTO0);
	cr_assert_eq(timeout(&t, TE + 2 * MS + RTO0, out, &n), DPS_TCB_OUTPUT);
	cr_assert_eq(output(&t, TE + 2 * MS + RTO0, out), 1);
	cr_assert_eq(out[0].flags, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert(out[0].rexmit);
}

/* ---- RST (RFC 5961 3.2) ------------------------------------------------ */

/* A RST at exactly RCV.NXT closes a synchronised state with @want_err. */
static void
rst_exact(struct dps_tcb *t, uint64_t now, int want_err, const char *what)
{
	struct dps_tcp_out out[NOUT];
	unsigned int n;
	int ev;

	ev = feed(t, pseg(DPS_TH_RST, t->rcv_nxt, 0, 0), now, out, &n);
	cr_assert_eq(ev, DPS_TCB_CLOSED, "%s: event %#x", what, ev);
	cr_assert_eq(n, 0, "%s: no reply to a RST", what);
	cr_assert_eq(t->state, DPS_TCPS_CLOSE, "%s: state %u", what, t->state);
	cr_assert_eq(t->err, want_err, "%s: err %d want %d", what, t->err, want_err);
	cr_assert_eq(dps_tcb_deadline(t), 0, "%s: timer still armed", what);
}

struct rst_case {
	enum tcb_fx st;
	uint64_t now;
	int err;
};

/*
 * Linux tcp_reset(): only SYN_SENT (ECONNREFUSED), CLOSE_WAIT (EPIPE) and
 * CLOSE (ignored) differ; LAST_ACK and CLOSING get ECONNRESET, which a
 * read() after shutdown(SHUT_WR) returns (the code once reported 0).
 * TIME_WAIT just closes.
 */
ParameterizedTestParameters(tcb_rst, exact_rst_closes)
{
	static struct rst_case c[] = {
		{ FX_ESTABLISHED, TE + MS, ECONNRESET },
		{ FX_FIN_WAIT1, TE + 5 * MS, ECONNRESET },
		{ FX_FIN_WAIT2, TE + 5 * MS, ECONNRESET },
		{ FX_CLOSE_WAIT, TE + 5 * MS, EPIPE },
		{ FX_LAST_ACK, TE + 5 * MS, ECONNRESET },
		{ FX_CLOSING, TE + 5 * MS, ECONNRESET },
		{ FX_TIME_WAIT, TE + 5 * MS, 0 },
	};

	return cr_make_param_array(struct rst_case, c, DIM(c));
}

ParameterizedTest(struct rst_case *c, tcb_rst, exact_rst_closes)
{
	const struct tcb_fx_entry *fx = tcb_fx(c->st);
	struct dps_tcb t;

	fx->make(&t);
	rst_exact(&t, c->now, c->err, fx->name);
}

/* In the window but not exact: a challenge ACK, at most one per 500 ms. */
static void
rst_in_window(struct dps_tcb *t, uint64_t now, const char *what)
{
	uint8_t st = t->state;
	struct dps_tcp_out out[NOUT];
	unsigned int n;
	int ev;

	ev = feed(t, pseg(DPS_TH_RST, t->rcv_nxt + 100, 0, 0), now, out, &n);
	cr_assert_eq(ev, DPS_TCB_NONE, "%s: event %#x", what, ev);
	cr_assert_eq(t->state, st, "%s: state kept", what);
	cr_assert_eq(n, 1, "%s: challenge ACK", what);
	assert_ack(&out[0], t->snd_nxt, t->rcv_nxt, what);
	/* Rate-limited: one per 500 ms per connection. */
	ev = feed(t, pseg(DPS_TH_RST, t->rcv_nxt + 200, 0, 0), now + 499 * MS, out, &n);
	cr_assert_eq(n, 0, "%s: second challenge within 500 ms suppressed", what);
	ev = feed(t, pseg(DPS_TH_RST, t->rcv_nxt + 200, 0, 0), now + 500 * MS, out, &n);
	cr_assert_eq(n, 1, "%s: after 500 ms another challenge", what);
	cr_assert_eq(t->state, st, "%s: state kept", what);
}

struct challenge_case {
	enum tcb_fx st;
	uint64_t now;
};

ParameterizedTestParameters(tcb_rst, in_window_challenge)
{
	static struct challenge_case c[] = {
		{ FX_ESTABLISHED, TE + MS },
		{ FX_FIN_WAIT2, TE + 5 * MS },
		{ FX_CLOSE_WAIT, TE + 5 * MS },
	};

	return cr_make_param_array(struct challenge_case, c, DIM(c));
}

ParameterizedTest(struct challenge_case *c, tcb_rst, in_window_challenge)
{
	const struct tcb_fx_entry *fx = tcb_fx(c->st);
	struct dps_tcb t;

	fx->make(&t);
	rst_in_window(&t, c->now, fx->name);
}

Test(tcb_rst, out_of_window_is_ignored)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	establish(&t);
	cr_assert_eq(feed(&t, pseg(DPS_TH_RST, PEER_ISN + 1 + 10000000, 0, 0),
		TE + MS, out, &n), DPS_TCB_NONE);
	cr_assert_eq(n, 0);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
}

Test(tcb_est, syn_draws_a_challenge_ack)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;

	establish(&t);
	s = pseg(DPS_TH_SYN, PEER_ISN + 1 + 500, 0, 0);
	cr_assert_eq(feed(&t, s, TE + MS, out, &n), DPS_TCB_NONE);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(n, 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "RFC 5961 4.2 challenge ACK");
	cr_assert_eq(t.x->st.challenge_acks, 1);
}

Test(tcb_est, paws_drops_an_old_tsval_with_an_ack)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	s = pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 100);
	s.opt.tsval = PEER_TSVAL - 1;
	ev = feed(&t, s, TE + MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_DATA, 0);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1);
	cr_assert_eq(t.x->rx_len, 0);
	cr_assert_eq(t.x->st.paws_drops, 1);
	cr_assert_eq(n, 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "PAWS ACK");
	cr_assert_eq(out[0].opt.tsecr, PEER_TSVAL, "TS.Recent unchanged");
}

/*
 * RFC 7323 4.3 / Linux's tcp_ack(): a blind in-window segment whose ACK
 * acknowledges data never sent draws an ACK and is dropped; TS.Recent
 * keeps its value, so the genuine segments that follow pass PAWS.
 */
Test(tcb_est, unacceptable_ack_does_not_move_ts_recent)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcp_seg s;
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	s = pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1 + 100000, 10);
	s.opt.tsval = PEER_TSVAL + 0x40000000u;
	ev = feed(&t, s, TE + MS, out, &n);
	cr_assert_eq(ev & (DPS_TCB_DATA | DPS_TCB_ACKED), 0);
	cr_assert_eq(t.ts_recent, PEER_TSVAL, "TS.Recent unchanged");
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1, "payload dropped");
	cr_assert_eq(n, 1, "answered with an ACK");
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "challenge ACK");

	ev = data_in(&t, 0, 100, TE + 2 * MS, out, &n);
	cr_assert(ev & DPS_TCB_DATA, "the genuine segment passes PAWS");
	cr_assert_eq(t.x->st.paws_drops, 0);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 101);
}

/* ---- abort ------------------------------------------------------------- */

struct abort_case {
	enum tcb_fx st;
	uint32_t seq, ack;	/* of the RST|ACK: SND.NXT, RCV.NXT */
};

ParameterizedTestParameters(tcb_abort, rst_ack)
{
	static struct abort_case c[] = {
		{ FX_ESTABLISHED, ISS + 1, PEER_ISN + 1 },
		{ FX_FIN_WAIT1, ISS + 2, PEER_ISN + 1 },
		{ FX_FIN_WAIT2, ISS + 2, PEER_ISN + 1 },
		{ FX_CLOSE_WAIT, ISS + 1, PEER_ISN + 2 },
	};

	return cr_make_param_array(struct abort_case, c, DIM(c));
}

ParameterizedTest(struct abort_case *c, tcb_abort, rst_ack)
{
	const struct tcb_fx_entry *fx = tcb_fx(c->st);
	const char *what = fx->name;
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	fx->make(&t);
	memset(out, 0xa5, sizeof(out));
	cr_assert_eq(dps_tcb_abort(&t, TE + 20 * MS, out), 1, "%s: one RST", what);
	cr_assert_eq(out[0].flags, DPS_TH_RST | DPS_TH_ACK, "%s: flags %#x", what,
		out[0].flags);
	cr_assert_eq(out[0].seq, c->seq, "%s: seq %#x want %#x", what, out[0].seq,
		c->seq);
	cr_assert_eq(out[0].ack, c->ack, "%s: ack %#x want %#x", what, out[0].ack,
		c->ack);
	cr_assert_eq(out[0].len, 0, "%s: len %u", what, out[0].len);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE, "%s: state %u", what, t.state);
	cr_assert_eq(t.err, ECONNRESET, "%s: err %d", what, t.err);
	cr_assert_eq(dps_tcb_deadline(&t), 0, "%s: timer still armed", what);
}

Test(tcb_abort, time_wait_sends_nothing)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	time_wait(&t);
	cr_assert_eq(dps_tcb_abort(&t, TE + 20 * MS, out), 0);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE);
}

/* A FIN beyond a hole is kept with its data and taken once the hole
 * fills (RFC 9293 3.10.7.4 processes the FIN in sequence; Linux queues
 * it out of order), so the peer need not wait for an RTO. */
Test(tcb_close, out_of_order_fin_is_taken_when_the_hole_fills)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	establish(&t);
	ev = feed(&t, pseg(DPS_TH_ACK | DPS_TH_FIN, PEER_ISN + 1 + 1000, ISS + 1, 1000),
		TE + MS, out, &n);
	cr_assert_eq(ev & (DPS_TCB_PEER_FIN | DPS_TCB_DATA), 0);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1, "duplicate ACK");
	cr_assert_eq(out[0].n_sack, 1);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 1000), TE + 2 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_DATA | DPS_TCB_PEER_FIN | DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 1 + 2000 + 1);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 2002, "ACK of data and FIN");
	cr_assert_eq(out[0].n_sack, 0);
}

/* A bare FIN beyond a hole, in FIN_WAIT2: TIME_WAIT once filled. */
Test(tcb_close, out_of_order_bare_fin_in_fin_wait2)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	int ev;

	fin_wait2(&t);
	ev = feed(&t, pseg(DPS_TH_ACK | DPS_TH_FIN, PEER_ISN + 1 + 500, ISS + 2, 0),
		TE + 3 * MS, out, &n);
	cr_assert_eq(ev & DPS_TCB_PEER_FIN, 0);
	cr_assert_eq(t.state, DPS_TCPS_FIN_WAIT2);
	ev = feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 2, 500), TE + 4 * MS, out, &n);
	cr_assert_eq(ev, DPS_TCB_DATA | DPS_TCB_PEER_FIN | DPS_TCB_TIME_WAIT |
		DPS_TCB_OUTPUT);
	cr_assert_eq(t.state, DPS_TCPS_TIME_WAIT);
	cr_assert_eq(t.rcv_nxt, PEER_ISN + 502);
}

/* Data beyond the window is trimmed, and the FIN after it is not kept. */
Test(tcb_close, fin_beyond_the_window_is_not_kept)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	establish(&t);
	feed(&t, pseg(DPS_TH_ACK | DPS_TH_FIN, t.rcv_adv - 100, ISS + 1, 1000),
		TE + MS, out, &n);
	cr_assert_not(t.fin_ooo);
	feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 1000), TE + 2 * MS, out, &n);
	cr_assert_eq(t.state, DPS_TCPS_ESTABLISHED);
}
