/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket options in the TCB (docs/tcp.md, "Socket options").
 * TCP_CORK and MSG_MORE: a partial last segment waits; uncorking,
 * TCP_NODELAY, a write without MSG_MORE, an ACK (MSG_MORE only), the FIN
 * and the probe timer send it, as Linux's TCP_NAGLE_CORK /
 * TCP_NAGLE_PUSH and probe0 timer do. TCP_QUICKACK 0: Linux's pingpong
 * mode, no quick ACK until a delayed one fired. The conformance rows
 * cork_*, msg_more* and quickack_* compare the same on the wire with the
 * kernel.
 */
#include <criterion/criterion.h>

#include "tcb_fixture.h"

/* ESTABLISHED with TCP_CORK set (before connect()). */
static void
establish_corked(struct dps_tcb *t)
{
	struct dps_tcb_conf c = linux_conf();

	c.cork = true;
	establish_conf(t, &c);
}

/* One write of @n bytes, ended (PSH on its last byte). */
static void
write_bytes(struct dps_tcb *t, uint32_t n, bool more)
{
	dps_tcb_queue(t, n);
	if (!more)
		dps_tcb_mark_push(t);
	dps_tcb_set_more(t, more);
}

/* A write of @n bytes that the next output at @now holds back. */
static void
write_held(struct dps_tcb *t, uint32_t n, bool more, uint64_t now)
{
	struct dps_tcp_out out[NOUT];

	write_bytes(t, n, more);
	cr_assert_eq(output(t, now, out), 0, "%u bytes held", n);
}

/* One output at @now sends @len bytes, pushed. */
static void
assert_pushes(struct dps_tcb *t, uint64_t now, uint32_t len)
{
	struct dps_tcp_out out[NOUT];

	cr_assert_eq(output(t, now, out), 1);
	cr_assert_eq(out[0].len, len);
	cr_assert_eq(out[0].flags, DPS_TH_ACK | DPS_TH_PSH);
}

/* The options an application thread would have set. */
static bool
set_opts(struct dps_tcb *t, bool nodelay, bool cork, uint64_t now)
{
	struct dps_tcb_opts o = { .nodelay = nodelay, .cork = cork };

	return dps_tcb_set_opts(t, &o, now);
}

/* TCP_QUICKACK: 0 (@pingpong), or nonzero set again (@quickack). */
static bool
set_quickack(struct dps_tcb *t, bool pingpong, bool quickack, uint64_t now)
{
	struct dps_tcb_opts o = { .pingpong = pingpong, .quickack = quickack };

	return dps_tcb_set_opts(t, &o, now);
}

/* The peer's next @len bytes, in order. */
static int
peer_data(struct dps_tcb *t, uint32_t len, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	return feed(t, pseg(DPS_TH_ACK | DPS_TH_PSH, t->rcv_nxt, t->snd_nxt, len),
		now, out, &n);
}

Test(tcb_cork, holds_partial_until_uncorked)
{
	struct dps_tcb t;

	establish_corked(&t);
	write_held(&t, 100, false, TE + MS);
	write_held(&t, 100, false, TE + 2 * MS);
	cr_assert(set_opts(&t, false, false, TE + 3 * MS), "uncorking pushes");
	assert_pushes(&t, TE + 3 * MS, 200);
}

Test(tcb_cork, full_segments_go_last_one_pushed)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];

	establish_corked(&t);
	write_bytes(&t, 3000, false);
	cr_assert_eq(output(&t, TE + MS, out), 2);
	cr_assert_eq(out[0].len, SMSS);
	cr_assert_eq(out[0].flags, DPS_TH_ACK, "no PSH inside the write");
	cr_assert_eq(out[1].len, SMSS);
	cr_assert_eq(out[1].flags, DPS_TH_ACK | DPS_TH_PSH,
		"PSH before the held end of the write, as Linux's split");
	cr_assert_eq(t.snd_end - t.snd_nxt, 3000 - 2 * SMSS);
}

Test(tcb_cork, probe_timer_sends_held_data)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];
	unsigned int n;
	uint64_t at;

	establish_corked(&t);
	write_held(&t, 100, false, TE + MS);
	at = t.rtx_at;
	cr_assert_eq(at, TE + MS + RTO0, "the probe timer, one RTO away");
	cr_assert_eq(dps_tcb_deadline(&t), at);
	cr_assert_eq(timeout(&t, at, out, &n) & DPS_TCB_OUTPUT, DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0, "no zero-window probe: the window is open");
	cr_assert_eq(output(&t, at, out), 1);
	cr_assert_eq(out[0].seq, ISS + 1);
	cr_assert_eq(out[0].len, 100);
	cr_assert_eq(t.rtx_at, at + RTO0, "now the retransmission timer");
	cr_assert(!t.persist);
	/* Still corked: the next partial write waits again. */
	write_held(&t, 10, false, at + MS);
}

Test(tcb_cork, nodelay_pushes_once)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];

	establish_corked(&t);
	write_held(&t, 100, false, TE + MS);
	cr_assert(set_opts(&t, true, true, TE + 2 * MS), "TCP_NODELAY pushes");
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1);
	cr_assert_eq(out[0].len, 100);
	write_held(&t, 100, false, TE + 3 * MS);
}

Test(tcb_cork, fin_flushes)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];

	establish_corked(&t);
	write_held(&t, 100, false, TE + MS);
	dps_tcb_user_close(&t, TE + 2 * MS);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 1);
	cr_assert_eq(out[0].len, 100);
	cr_assert_eq(out[0].flags, DPS_TH_ACK | DPS_TH_PSH | DPS_TH_FIN);
}

Test(tcb_more, held_until_next_write)
{
	struct dps_tcb t;

	establish(&t);
	write_held(&t, 100, true, TE + MS);
	write_bytes(&t, 100, false);
	assert_pushes(&t, TE + 2 * MS, 200);
}

Test(tcb_more, ack_releases)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];

	establish(&t);
	write_bytes(&t, SMSS, false);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	write_held(&t, 100, true, TE + 2 * MS);
	cr_assert_eq(peer_ack_all(&t, TE + 10 * MS) & DPS_TCB_ACKED, DPS_TCB_ACKED);
	cr_assert_eq(output(&t, TE + 10 * MS, out), 0, "held until the glue says");
	dps_tcb_acked(&t);
	cr_assert_eq(output(&t, TE + 10 * MS, out), 1,
		"the ACK's push goes with Nagle alone");
	cr_assert_eq(out[0].len, 100);
}

Test(tcb_more, probe_timer_sends)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];
	unsigned int n;

	establish(&t);
	write_held(&t, 100, true, TE + MS);
	cr_assert_eq(timeout(&t, t.rtx_at, out, &n) & DPS_TCB_OUTPUT, DPS_TCB_OUTPUT);
	cr_assert_eq(output(&t, TE + MS + RTO0, out), 1);
	cr_assert_eq(out[0].len, 100);
}

/* Without the cork, the same write goes at once (the tests above are
 * about the option, not about Nagle). */
Test(tcb_cork, uncorked_sends_at_once)
{
	struct dps_tcb t;

	establish(&t);
	write_bytes(&t, 100, false);
	assert_pushes(&t, TE + MS, 100);
}

Test(tcb_quickack, pingpong_delays_until_a_delayed_ack_fired)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];
	unsigned int n;

	establish(&t);
	set_quickack(&t, true, false, TE + MS);
	peer_data(&t, 100, TE + 2 * MS);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 0, "no quick ACK in pingpong mode");
	cr_assert_eq(t.dack_at, TE + 2 * MS + DPS_TCP_DELACK_NS);
	timeout(&t, t.dack_at, out, &n);
	cr_assert(!t.pingpong, "the delayed ACK ends pingpong mode");
	cr_assert_eq(output(&t, TE + 42 * MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + 100, "delayed ACK");
	peer_data(&t, 100, TE + 100 * MS);
	cr_assert_eq(output(&t, TE + 100 * MS, out), 1, "quick ACKs again");
}

Test(tcb_quickack, set_again_sends_the_waiting_ack)
{
	struct dps_tcb t;
	struct dps_tcp_out out[NOUT];

	establish(&t);
	set_quickack(&t, true, false, TE + MS);
	peer_data(&t, 100, TE + 2 * MS);
	cr_assert_eq(output(&t, TE + 2 * MS, out), 0);
	cr_assert(set_quickack(&t, false, true, TE + 3 * MS), "output is due");
	cr_assert_eq(output(&t, TE + 3 * MS, out), 1);
	assert_ack(&out[0], ISS + 1, PEER_ISN + 1 + 100, "the waiting ACK");
	cr_assert_eq(t.dack_at, 0);
}

Test(tcb_quickack, before_connect_saves_the_handshake_ack)
{
	struct dps_tcb t;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out out[NOUT];
	unsigned int n;

	c.pingpong = true;
	syn_sent_conf(&t, &c, &out[0]);
	cr_assert_eq(feed(&t, peer_synack(ISS + 1, out[0].opt.tsval), TE, out, &n),
		DPS_TCB_CONNECTED);
	cr_assert_eq(output(&t, TE, out), 0, "the handshake's ACK waits");
	cr_assert_eq(t.dack_at, TE + DPS_TCP_DELACK_MAX_NS);
	cr_assert(!t.pingpong, "quick-ACK mode from here");
	peer_data(&t, 100, TE + MS);
	cr_assert_eq(output(&t, TE + MS, out), 1, "the first data is acked at once");
	cr_assert_eq(out[0].ack, PEER_ISN + 1 + 100);
}

/* The bare ACK completing a passive open whose SYN-ACK was @sa. */
static struct dps_tcp_seg
handshake_ack(const struct dps_tcp_out *sa)
{
	struct dps_tcp_seg s = pseg(DPS_TH_ACK, PEER_ISN + 1, ISS + 1, 0);

	s.opt.tsecr = sa->opt.tsval;
	return s;
}

Test(tcb_defer_accept, bare_ack_dropped_then_last_chance_synack)
{
	struct dps_tcb t;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa, out[NOUT];
	struct dps_tcp_seg ack;
	unsigned int n;

	c.defer_accept = 2;		/* 3 s: SYN-ACK timeouts at 1 s and 3 s */
	syn_recv_child(&t, &c, &sa);
	ack = handshake_ack(&sa);
	cr_assert(dps_tcb_defer_ack(&t, &ack), "the bare ACK is dropped");
	cr_assert_eq(t.state, DPS_TCPS_SYN_RECV);
	timeout(&t, t.rtx_at, out, &n);
	cr_assert_eq(n, 0, "no SYN-ACK while waiting for data");
	cr_assert_eq(t.retransmits, 1);
	timeout(&t, t.rtx_at, out, &n);
	cr_assert_eq(n, 1, "the SYN-ACK at the end of the period");
	cr_assert_eq(out[0].flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert(!dps_tcb_defer_ack(&t, &ack), "its ACK is taken");
	cr_assert_eq(feed(&t, ack, T0 + 4 * SEC, out, &n) & DPS_TCB_CONNECTED,
		DPS_TCB_CONNECTED);
}

Test(tcb_defer_accept, data_is_taken)
{
	struct dps_tcb t;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa;
	struct dps_tcp_seg data;

	c.defer_accept = 5;
	syn_recv_child(&t, &c, &sa);
	data = handshake_ack(&sa);
	data.len = 100;
	cr_assert(!dps_tcb_defer_ack(&t, &data));
}

Test(tcb_defer_accept, off_takes_the_ack)
{
	struct dps_tcb t;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out sa;
	struct dps_tcp_seg ack;

	syn_recv_child(&t, &c, &sa);
	ack = handshake_ack(&sa);
	cr_assert(!dps_tcb_defer_ack(&t, &ack));
}
