/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the TCP core (lib/tcp/dps_tcb*.c, dps_tcp_tw.c),
 * driven the way lib/sock/dps_tcp_glue.c drives it, by a decoded script
 * of peer segments, time steps and user calls on a virtual clock.
 *
 * Input: a script. The first bytes open the connection (active connect
 * or a listener's SYN / SYN cookie path), then each operation is one
 * byte followed by its arguments; a script that runs out of bytes reads
 * zeros. Operations: a peer segment (sequence and acknowledgement numbers
 * relative to the TCB's own, or raw), a time step (a little, to the next
 * deadline, or seconds), send, shutdown, close, read, abort, an ICMP
 * error, and a new connect or listen once the connection is over. The
 * connection passes through every state: SYN_SENT, SYN_RECV (passive and
 * simultaneous open), ESTABLISHED, FIN_WAIT1/2, CLOSING, TIME_WAIT
 * (handed to the compact TIME_WAIT code as the glue does), CLOSE_WAIT,
 * LAST_ACK, CLOSE.
 *
 * The harness keeps the glue's view of the send buffer (bytes queued,
 * dropped when acknowledged) and aborts when the core breaks an
 * invariant, so logic errors are findings, not only memory errors:
 * - a segment never carries bytes the send buffer does not hold
 *   (tcp_xmit() copies out->len bytes from out->seq - snd_una);
 * - SND.UNA <= SND.NXT <= SND.MAX <= end of data + FIN;
 * - the payload verdict lies inside the segment;
 * - SND.UNA and RCV.NXT never move back, and the window we announce
 *   never shrinks (RFC 9293 3.8.6.2.2, RFC 7323 2.4);
 * - TS.Recent is never taken from a segment whose ACK acknowledges
 *   data never sent (RFC 7323 4.3; Linux's tcp_ack() drops it first);
 * - a connection with unacknowledged sequence space has a
 *   retransmission deadline;
 * - data or a FIN waiting to be sent with nothing in flight has a
 *   deadline too (a zero-window probe), or the connection would stall;
 * - a new flow hash (st.dup_rehash) is asked for only by an IPv6
 *   segment, once, outside loss recovery;
 * - the state is a valid one, and every event follows from it; once
 *   our FIN is acknowledged, FIN_WAIT1, CLOSING and LAST_ACK are left.
 *
 * Each script runs twice, with header prediction (dps_tcb_in.c) on and
 * off: after every operation both halves of the TCB, and every event and
 * segment so far, must be the same in both runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dps_tcp.h"

#define MS		(1000ull * 1000)
#define SEC		(1000 * MS)
#define NOUT		16
#define RCV_BUF		(64u * 1024)
#define MAX_OPS		2000

/* The script reader: zeros once the input is used up. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct rd *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t
u16(struct rd *r)
{
	return (uint16_t)(u8(r) << 8 | u8(r));
}

static uint32_t
u32(struct rd *r)
{
	return (uint32_t)u16(r) << 16 | u16(r);
}

/* The world around one TCB: what the glue would hold. */
struct world {
	struct dps_tcb t;
	struct dps_tcp_tw tw;
	struct dps_tcb_conf conf;
	struct dps_tcp_ratelimit chlim;
	/* The cold half, given back whenever the TCB is quiet after output
	 * and taken again before the next call that needs it, as the lcore
	 * does (dps_tcp_ext.c); two, used in turn, so that nothing can rely
	 * on what a given-back extension still held. */
	struct dps_tcb_ext xs[2];
	unsigned int xi;
	uint64_t now;
	enum { W_NONE, W_TCB, W_TW, W_LISTEN } mode;
	uint32_t sb_head;	/* sequence number of the send buffer's first byte */
	uint32_t rcv_used;	/* bytes received and not read */
	uint32_t peer_ts;	/* the peer's timestamp clock */
	uint32_t our_ts;	/* TSval of our last segment */
	uint32_t peer_isn;
	uint32_t isn_next;
	bool synced;		/* the fields below hold for this connection */
	uint32_t una, rcv_nxt;	/* as last seen: they never move back */
	uint32_t edge;		/* right edge of the window we announced */
	bool no_pred;		/* this run: header prediction off */
	uint64_t h;		/* fingerprint of every event and segment */
};

static void
fuzz_fail(const struct world *w, const char *what)
{
	const struct dps_tcb *t = &w->t;

	fprintf(stderr, "fuzz_tcb: %s\n  state %u iss %#x una %#x nxt %#x max %#x "
		"end %#x sb_head %#x rcv_nxt %#x fin_queued %d timer %llu rtx %llu "
		"now %llu\n", what, t->state, t->iss, t->snd_una, t->snd_nxt,
		t->snd_max, t->snd_end, w->sb_head, t->rcv_nxt, t->fin_queued,
		(unsigned long long)dps_tcb_deadline(t), (unsigned long long)t->rtx_at,
		(unsigned long long)w->now);
	abort();
}

static bool
state_valid(uint8_t s)
{
	return s >= DPS_TCPS_ESTABLISHED && s <= DPS_TCPS_CLOSING &&
		s != DPS_TCPS_LISTEN;
}

/* Data bytes (not SYN or FIN) between @a and @b, as the glue counts
 * what an ACK frees (dps_tcp_glue.c data_between()). */
static uint32_t
data_between(const struct dps_tcb *t, uint32_t a, uint32_t b)
{
	if (a == t->iss)
		a++;
	if (dps_seq_gt(b, t->snd_end))
		b = t->snd_end;
	return dps_seq_gt(b, a) ? b - a : 0;
}

/* Fold @n bytes at @p into the fingerprint @h (FNV-1a). */
static uint64_t
fp_mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* One segment the core asks us to send. */
static void
check_out(struct world *w, const struct dps_tcp_out *o)
{
	const struct dps_tcb *t = &w->t;
	uint32_t held = t->snd_end - w->sb_head;

	w->h = fp_mix(w->h, o, sizeof(*o));	/* every out is zeroed first */

	if (o->n_sack > 3)
		fuzz_fail(w, "more SACK blocks than fit");
	if (w->mode == W_TCB && (o->flags & DPS_TH_ACK) &&
			!(o->flags & (DPS_TH_SYN | DPS_TH_RST)) && t->state != DPS_TCPS_SYN_SENT) {
		uint32_t edge = o->ack + ((uint32_t)o->wnd << t->rcv_wscale);

		if (w->synced && dps_seq_lt(edge, w->edge)) {
			fprintf(stderr, "ack %#x wnd %u << %u: edge %#x, was %#x\n",
				o->ack, o->wnd, t->rcv_wscale, edge, w->edge);
			fuzz_fail(w, "the announced window shrank");
		}
		if (!w->synced || dps_seq_gt(edge, w->edge))
			w->edge = edge;
	}
	if (o->opts == DPS_TCP_OUT_TS && o->opt.has_ts)
		w->our_ts = o->opt.tsval;
	if (o->flags & DPS_TH_RST) {
		if (o->len != 0)
			fuzz_fail(w, "RST with payload");
		return;
	}
	if (o->len == 0)
		return;
	/* tcp_xmit() copies o->len bytes starting o->seq - snd_una bytes
	 * after the send buffer's head: that head must be snd_una, and the
	 * bytes must be there. */
	if (o->flags & DPS_TH_SYN)
		fuzz_fail(w, "payload on a SYN");
	if (w->sb_head != t->snd_una)
		fuzz_fail(w, "payload while the send buffer head is not SND.UNA");
	if (dps_seq_lt(o->seq, t->snd_una) ||
			o->seq - t->snd_una > held || o->len > held - (o->seq - t->snd_una))
		fuzz_fail(w, "segment claims bytes the send buffer does not hold");
	if ((o->flags & DPS_TH_FIN) && o->seq + o->len != t->snd_end)
		fuzz_fail(w, "FIN not after the last byte");
}

static void
check_outs(struct world *w, const struct dps_tcp_out *o, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		check_out(w, &o[i]);
}

/* What must hold between operations. */
static void
check_tcb(struct world *w)
{
	const struct dps_tcb *t = &w->t;

	if (w->mode != W_TCB)
		return;
	if (!state_valid(t->state))
		fuzz_fail(w, "invalid state");
	if (t->state == DPS_TCPS_CLOSE)
		return;
	if (dps_seq_gt(t->snd_una, t->snd_nxt) || dps_seq_gt(t->snd_nxt, t->snd_max))
		fuzz_fail(w, "not SND.UNA <= SND.NXT <= SND.MAX");
	if (dps_seq_gt(t->snd_max, t->snd_end + 1))
		fuzz_fail(w, "SND.MAX beyond the data and the FIN");
	if (dps_seq_gt(t->snd_max, t->snd_end) && !t->fin_queued)
		fuzz_fail(w, "a FIN sent that nobody asked for");
	if (t->fin_queued && t->snd_una == t->snd_end + 1 &&
			(t->state == DPS_TCPS_FIN_WAIT1 || t->state == DPS_TCPS_CLOSING ||
			 t->state == DPS_TCPS_LAST_ACK))
		fuzz_fail(w, "our FIN is acknowledged, the state stays");
	if (dps_seq_gt(w->sb_head, t->snd_end))
		fuzz_fail(w, "send buffer head beyond its end");
	if (t->state != DPS_TCPS_SYN_SENT) {
		if (w->synced && (dps_seq_lt(t->snd_una, w->una) ||
				dps_seq_lt(t->rcv_nxt, w->rcv_nxt)))
			fuzz_fail(w, "SND.UNA or RCV.NXT moved back");
		if (!w->synced)
			w->edge = t->rcv_adv;
		w->synced = true;
		w->una = t->snd_una;
		w->rcv_nxt = t->rcv_nxt;
	}
	if (t->snd_max != t->snd_una && t->rtx_at == 0 &&
			t->state != DPS_TCPS_TIME_WAIT)
		fuzz_fail(w, "sequence space in flight without a retransmission timer");
	if (t->snd_max == t->snd_una && dps_tcb_deadline(t) == 0 &&
			t->state != DPS_TCPS_SYN_RECV &&
			t->snd_max != t->snd_end + (t->fin_queued ? 1 : 0))
		fuzz_fail(w, "unsent data, nothing in flight and no timer: a stall");
	if (t->state == DPS_TCPS_ESTABLISHED &&
			(t->cwnd == 0 || dps_tcb_smss(t) == 0 || dps_tcb_smss(t) > 65535))
		fuzz_fail(w, "no congestion window or MSS");
}

/* ACKED: the glue drops the acknowledged bytes from the send buffer. */
static void
after_ack(struct world *w, int ev, uint32_t una0)
{
	if (ev & DPS_TCB_ACKED)
		w->sb_head += data_between(&w->t, una0, w->t.snd_una);
	if (w->mode == W_TCB && w->t.snd_una != w->t.iss &&
			dps_seq_lt(w->sb_head, w->t.snd_una) &&
			dps_seq_leq(w->t.snd_una, w->t.snd_end))
		fuzz_fail(w, "acknowledged bytes still in the send buffer");
}

static void
to_time_wait(struct world *w)
{
	dps_tcp_tw_from(&w->tw, &w->t, w->now);
	w->mode = W_TW;
}

/* The glue's dps_tcp_after(): events, then everything output has. */
/* The lcore's dps_tcp_x_hold(): attach a cold half if none is. */
static void
hold(struct world *w)
{
	if (w->t.x != NULL)
		return;
	dps_tcb_ext_attach(&w->t, &w->xs[w->xi++ & 1]);
	dps_tcb_attach_limit(&w->t, &w->chlim);
}

/* A TCB that may be kept as an idle record (the compact idle form) lives
 * on as the one loaded from it, which must be the same byte for byte. */
static void
idle_round_trip(struct world *w)
{
	struct dps_tcb_idle r;
	struct dps_tcb u;

	if (w->mode != W_TCB || !dps_tcb_idle_ok(&w->t))
		return;
	dps_tcb_idle_save(&w->t, &r);
	memset(&u, 0xa5, sizeof(u));
	dps_tcb_idle_load(&u, &r);
	if (memcmp(&u, &w->t, sizeof(u)) != 0)
		fuzz_fail(w, "the idle record lost part of the TCB");
	w->t = u;
}

static void
after(struct world *w, int ev, uint32_t una0)
{
	struct dps_tcp_out out[NOUT];
	unsigned int n;

	w->h = fp_mix(w->h, &ev, sizeof(ev));
	after_ack(w, ev, una0);
	if ((ev & DPS_TCB_CLOSED) && w->t.state != DPS_TCPS_CLOSE)
		fuzz_fail(w, "CLOSED reported, state is not CLOSE");
	if ((ev & DPS_TCB_TIME_WAIT) && w->t.state != DPS_TCPS_TIME_WAIT)
		fuzz_fail(w, "TIME_WAIT reported, state is not TIME_WAIT");
	if (ev & DPS_TCB_CLOSED) {
		w->mode = W_NONE;
		return;
	}
	hold(w);
	do {
		n = dps_tcb_output(&w->t, w->now, out, NOUT);
		if (n > NOUT)
			fuzz_fail(w, "output beyond its room");
		check_outs(w, out, n);
	} while (n == NOUT);
	if (ev & DPS_TCB_TIME_WAIT) {
		to_time_wait(w);
		return;
	}
	if (w->t.state == DPS_TCPS_CLOSE)
		w->mode = W_NONE;
	check_tcb(w);
	if (dps_tcb_ext_detach(&w->t) != NULL && w->t.x != NULL)
		fuzz_fail(w, "detached, still attached");
	idle_round_trip(w);
}

/* A number near @base: small signed steps mostly, anything sometimes. */
static uint32_t
near(struct rd *r, uint32_t base, uint8_t how)
{
	switch (how & 3) {
	case 0:
		return base;
	case 1:
		return base + (uint32_t)(int32_t)(int8_t)u8(r);
	case 2:
		return base + (uint32_t)(int32_t)(int16_t)u16(r) * 16;
	default:
		return u32(r);
	}
}

/* The peer's segment: flags, then how its numbers are chosen. */
static void
make_seg(struct world *w, struct rd *r, struct dps_tcp_seg *s)
{
	const struct dps_tcb *t = &w->t;
	uint8_t how = u8(r), opt, f;
	uint32_t rbase = w->mode == W_TCB && t->state != DPS_TCPS_SYN_SENT ?
		t->rcv_nxt : w->peer_isn;
	uint32_t abase = (how & 0x30) == 0x10 ? t->snd_una :
		(how & 0x30) == 0x20 ? t->snd_max : t->snd_nxt;

	if (w->mode == W_TW)
		rbase = w->tw.rcv_nxt, abase = w->tw.snd_nxt;
	memset(s, 0, sizeof(*s));
	f = u8(r);
	s->flags = f & 0x1f;
	/* Flag bit 5: the segment came over IPv6, under one of four flow
	 * labels (bits 6-7); otherwise over IPv4. */
	if (f & 0x20)
		s->flow = DPS_TCP_FLOW_V6 | (uint32_t)(f >> 6);
	s->seq = near(r, rbase, how);
	s->ack = near(r, abase, (uint8_t)(how >> 2));
	s->wnd = u16(r);
	s->len = (how & 0x80) ? u16(r) : u8(r);
	opt = u8(r);
	s->opt.has_mss = opt & 1;
	s->opt.mss = s->opt.has_mss ? u16(r) : 0;
	s->opt.has_ws = (opt & 2) != 0;
	s->opt.wscale = s->opt.has_ws ? (uint8_t)(u8(r) % 15) : 0;
	s->opt.sack_ok = (opt & 4) != 0;
	s->opt.has_ts = (opt & 8) == 0;	/* mostly on, as Linux peers do */
	if (s->opt.has_ts) {
		w->peer_ts += u8(r);
		s->opt.tsval = (opt & 0x40) ? u32(r) : w->peer_ts;
		s->opt.tsecr = (opt & 0x80) ? u32(r) : w->our_ts;
	}
	s->n_sack = (uint8_t)((opt >> 4) & 3);
	for (unsigned int i = 0; i < s->n_sack; i++) {
		s->sack[i].left = t->snd_una + u16(r);
		s->sack[i].right = s->sack[i].left + u16(r);
	}
}

/* A segment for the connection, as tcp_input() hands it over. */
static void
peer_segment(struct world *w, struct rd *r)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s;
	uint32_t una0, nxt0, max0, ts0, rh0;
	uint8_t st0;
	unsigned int n;
	int ev;

	make_seg(w, r, &s);
	if (w->mode == W_TW) {
		struct dps_tcp_out o;
		int v = dps_tcp_tw_input(&w->tw, &s, w->now, &o);

		if (v == DPS_TW_KILL || v == DPS_TW_SYN)
			w->mode = W_NONE;
		return;
	}
	if (w->mode == W_LISTEN) {
		uint32_t iss = w->isn_next;

		hold(w);
		if ((s.flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST)) == DPS_TH_SYN) {
			dps_tcb_accept(&w->t, &w->conf, &s, iss, 0x1234, w->now, out);
			check_outs(w, out, 1);
		} else if ((s.flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST)) == DPS_TH_ACK &&
				(s.opt.mss & 1)) {
			/* a valid SYN cookie: tcp_no_conn() rebuilds the TCB */
			dps_tcb_from_cookie(&w->t, &w->conf, &s, s.opt.mss | 48,
				s.opt.has_ws ? s.opt.wscale : 0xff, s.opt.sack_ok,
				0x1234, w->now);
		} else {
			return;
		}
		dps_tcb_attach_limit(&w->t, &w->chlim);
		dps_tcb_set_predict(&w->t, !w->no_pred);
		w->sb_head = w->t.iss + 1;
		w->rcv_used = 0;
		w->peer_isn = s.seq;
		w->mode = W_TCB;
		after(w, DPS_TCB_NONE, w->t.snd_una);
		return;
	}
	if (w->mode != W_TCB)
		return;
	hold(w);
	dps_tcb_set_rcv_space(&w->t, w->rcv_used < RCV_BUF ? RCV_BUF - w->rcv_used : 0);
	una0 = w->t.snd_una;
	nxt0 = w->t.rcv_nxt;
	max0 = w->t.snd_max;
	ts0 = w->t.ts_recent;
	st0 = w->t.state;
	rh0 = w->t.x->st.dup_rehash;
	ev = dps_tcb_input(&w->t, &s, w->now, out, &n);
	/* A new flow hash is asked for once at most, for an IPv6 segment,
	 * never in loss recovery (which no segment enters). */
	if (w->t.x->st.dup_rehash != rh0 && (w->t.x->st.dup_rehash != rh0 + 1 ||
			!(s.flow & DPS_TCP_FLOW_V6) || w->t.in_loss))
		fuzz_fail(w, "a flow rehash asked for out of its conditions");
	if (st0 != DPS_TCPS_SYN_SENT && w->t.ts_recent != ts0 &&
			(s.flags & DPS_TH_ACK) && dps_seq_gt(s.ack, max0))
		fuzz_fail(w, "TS.Recent taken from an ACK of data never sent");
	if (n > DPS_TCB_MAX_OUT)
		fuzz_fail(w, "input replies beyond their room");
	if (w->t.x->rx_len != 0 && (w->t.x->rx_off > s.len || w->t.x->rx_len > s.len - w->t.x->rx_off))
		fuzz_fail(w, "payload verdict outside the segment");
	if (w->t.state != DPS_TCPS_CLOSE && (ev & DPS_TCB_DATA))
		w->rcv_used += w->t.rcv_nxt - nxt0 - ((ev & DPS_TCB_PEER_FIN) ? 1 : 0);
	check_outs(w, out, n);
	after(w, ev, una0);
}

/* Let the clock run to @to, firing the timer as the wheel would. */
static void
advance(struct world *w, uint64_t to)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n, fired = 0;

	if (to < w->now)
		return;
	w->now = to;
	if (w->mode == W_TW) {
		if (w->now / SEC >= w->tw.expire_s)
			w->mode = W_NONE;
		return;
	}
	while (w->mode == W_TCB && dps_tcb_deadline(&w->t) != 0 && dps_tcb_deadline(&w->t) <= w->now) {
		uint32_t una0 = w->t.snd_una;
		int ev;

		hold(w);
		ev = dps_tcb_timeout(&w->t, w->now, out, &n);

		if (n > DPS_TCB_MAX_OUT)
			fuzz_fail(w, "timeout replies beyond their room");
		check_outs(w, out, n);
		after(w, ev, una0);
		if (++fired == 64)
			fuzz_fail(w, "the timer fires again and again at one instant");
	}
}

/* Open a connection: active connect, or a listener for the next SYN. */
static void
open_conn(struct world *w, struct rd *r)
{
	uint8_t how = u8(r), how2 = u8(r);
	struct dps_tcp_out syn;

	memset(&w->conf, 0, sizeof(w->conf));
	w->conf.adv_mss = (how & 1) ? 1460 : (uint16_t)(48 + u16(r) % 9000);
	w->conf.rcv_wscale = (uint8_t)((how >> 1) & 7) + ((how & 0x10) ? 7 : 0);
	w->conf.rcv_wnd = 64240;
	w->conf.rcv_buf = RCV_BUF;
	w->conf.cc = (how >> 5) & 1;
	w->conf.nodelay = (how & 0x40) != 0;
	w->conf.tso_max = (how & 0x80) ? 65000 : 0;
	w->conf.keepalive = (how2 & 1) != 0;
	w->conf.keepidle_s = 1 + u8(r) % 16;
	w->conf.keepintvl_s = 1 + u8(r) % 8;
	w->conf.keepcnt = u8(r) % 4;
	w->conf.syn_retries = u8(r) % 8;
	w->conf.user_timeout_ms = (how2 & 2) ? u16(r) : 0;
	w->conf.user_mss = (how2 & 4) ? u16(r) : 0;
	w->isn_next = u32(r);
	w->peer_isn = u32(r);
	w->rcv_used = 0;
	w->synced = false;
	if (u8(r) & 1) {
		w->mode = W_LISTEN;
		return;
	}
	hold(w);
	dps_tcb_connect(&w->t, &w->conf, w->isn_next, 0x1234, w->now, &syn);
	dps_tcb_attach_limit(&w->t, &w->chlim);
	dps_tcb_set_predict(&w->t, !w->no_pred);
	w->sb_head = w->t.iss + 1;
	w->mode = W_TCB;
	if (!(syn.flags & DPS_TH_SYN) || syn.len != 0)
		fuzz_fail(w, "connect without a SYN");
	check_tcb(w);
}

/* send(): bytes join the send buffer where the glue lets them. */
static void
user_send(struct world *w, uint32_t n)
{
	uint8_t st = w->t.state;
	uint32_t una0 = w->t.snd_una;

	if (w->mode != W_TCB || w->t.fin_queued ||
			(st != DPS_TCPS_ESTABLISHED && st != DPS_TCPS_CLOSE_WAIT))
		return;
	dps_tcb_queue(&w->t, n);
	after(w, DPS_TCB_OUTPUT, una0);
}

/* shutdown(SHUT_WR) (dps_tcp_do_shutdown()), or close()
 * (dps_tcp_do_close()). */
static void
user_shutdown(struct world *w, bool close)
{
	struct dps_tcp_out out[1];
	uint32_t una0 = w->t.snd_una;
	int ev;

	if (w->mode == W_LISTEN && close)
		w->mode = W_NONE;
	if (w->mode != W_TCB)
		return;
	if (close && (w->rcv_used != 0 || w->t.state == DPS_TCPS_SYN_SENT)) {
		unsigned int n = dps_tcb_abort(&w->t, w->now, out);

		check_outs(w, out, n);
		w->mode = W_NONE;
		return;
	}
	ev = close ? dps_tcb_user_close(&w->t, w->now) : dps_tcb_shut_wr(&w->t, w->now);
	after(w, ev | DPS_TCB_OUTPUT, una0);
}

/* The reader took @n bytes (dps_tcp_do_wnd()). */
static void
user_read(struct world *w, uint32_t n)
{
	uint32_t una0 = w->t.snd_una;

	if (w->mode != W_TCB)
		return;
	w->rcv_used -= n < w->rcv_used ? n : w->rcv_used;
	if (dps_tcb_rcv_space(&w->t, RCV_BUF - w->rcv_used))
		after(w, DPS_TCB_OUTPUT, una0);
}

/* setsockopt() of the options a live connection takes
 * (dps_tcp_do_wnd() -> dps_tcb_set_opts()). */
static void
user_setopt(struct world *w, struct rd *r)
{
	uint8_t f = u8(r);
	struct dps_tcb_opts o = {
		.keepalive = f & 1, .nodelay = (f >> 1) & 1,
		.keepidle_s = (f & 4) ? 1u + u8(r) % 16 : 0,
		.keepintvl_s = (f & 8) ? 1u + u8(r) % 8 : 0,
		.keepcnt = (f & 16) ? u8(r) % 4 : 0,
		.user_timeout_ms = (f & 32) ? u16(r) : 0,
	};
	uint32_t una0 = w->t.snd_una;

	if (w->mode != W_TCB)
		return;
	hold(w);
	(void)dps_tcb_set_opts(&w->t, &o, w->now);	/* after() sends what is due */
	after(w, DPS_TCB_NONE, una0);
}

static void
icmp(struct world *w, struct rd *r)
{
	static const int errs[] = { 0, EMSGSIZE, ECONNREFUSED, EHOSTUNREACH,
		ENETUNREACH, EPROTO };
	uint8_t how = u8(r);
	uint32_t seq = near(r, w->t.snd_una, how);
	int ev;

	if (w->mode != W_TCB)
		return;
	ev = dps_tcb_icmp(&w->t, seq, errs[(how >> 2) % 6], u16(r));
	after(w, ev, w->t.snd_una);
}

/* A new connection once the last is over; a TIME_WAIT entry gives its
 * tuple up where tcp_tw_reuse would (dps_tcp_tw_reusable()). */
static void
reopen(struct world *w, struct rd *r)
{
	uint32_t floor;

	if (w->mode == W_TW && dps_tcp_tw_reusable(&w->tw, w->now, &floor))
		w->mode = W_NONE;
	if (w->mode == W_NONE)
		open_conn(w, r);
}

static void
step(struct world *w, struct rd *r)
{
	uint8_t op = u8(r);

	switch (op % 16) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		peer_segment(w, r);
		break;
	case 6:
		advance(w, w->now + (u8(r) + 1ull) * MS);
		break;
	case 7:
		if (w->mode == W_TCB && dps_tcb_deadline(&w->t) != 0)
			advance(w, dps_tcb_deadline(&w->t) + (op >> 4) * MS);
		break;
	case 8:
		advance(w, w->now + (u8(r) + 1ull) * SEC);
		break;
	case 9:
		user_send(w, (op & 0x80) ? u16(r) * 16u : u16(r));
		break;
	case 10:
		user_shutdown(w, false);
		break;
	case 11:
		user_shutdown(w, true);
		break;
	case 12:
		if (op & 0x80)
			user_setopt(w, r);
		else
			user_read(w, (uint32_t)u16(r) * 4);
		break;
	case 13:
		if (w->mode == W_TCB) {
			struct dps_tcp_out out[1];

			check_outs(w, out, dps_tcb_abort(&w->t, w->now, out));
			w->mode = W_NONE;
		}
		break;
	case 14:
		icmp(w, r);
		break;
	default:
		reopen(w, r);
		break;
	}
}

/* FUZZ_TCB_TRACE=1 in the environment: one line per operation, to see
 * where a script leads (writing seeds, reading a finding). */
static bool trace;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_TCB_TRACE") != NULL;
	return 0;
}

/*
 * The fingerprint after an operation: the events and segments so far
 * and, while there is a TCB, both of its halves less what tells the
 * runs apart (the switch, the cold half's address and owner, the
 * prediction counters). Every field was zeroed by connect, accept or
 * attach, padding included.
 */
static uint64_t
fingerprint(const struct world *w)
{
	struct dps_tcb t;
	struct dps_tcb_ext x;
	uint64_t h = w->h;

	if (w->mode != W_TCB)
		return h;
	memcpy(&t, &w->t, sizeof(t));
	t.no_pred = false;
	t.x = NULL;
	h = fp_mix(h, &t, sizeof(t));
	if (w->t.x == NULL)
		return h;
	memcpy(&x, w->t.x, sizeof(x));
	x.owner = NULL;
	x.st.pred_acks = x.st.pred_data = 0;
	return fp_mix(h, &x, sizeof(x));
}

/* One run of the script; @fp holds the fingerprints of the first run
 * (@no_pred false) and is checked against in the second. */
static void
run(const uint8_t *data, size_t size, bool no_pred, uint64_t *fp)
{
	struct rd r = { data, size };
	static struct world w;

	memset(&w, 0, sizeof(w));
	w.no_pred = no_pred;
	w.h = 0xcbf29ce484222325ull;
	w.now = (1 + u8(&r)) * SEC;
	w.peer_ts = u32(&r);
	open_conn(&w, &r);
	for (int i = 0; i < MAX_OPS && r.n != 0; i++) {
		uint8_t op = r.p[0];

		step(&w, &r);
		if (trace)
			fprintf(stderr, "op %2u -> mode %d state %u una %#x nxt %#x "
				"end %#x rcv_nxt %#x now %.3f s\n", op % 16, w.mode,
				w.t.state, w.t.snd_una, w.t.snd_nxt, w.t.snd_end,
				w.t.rcv_nxt, (double)w.now / SEC);
		if (!no_pred) {
			fp[i] = fingerprint(&w);
		} else if (fp[i] != fingerprint(&w)) {
			fprintf(stderr, "operation %d (op %u):\n", i, op % 16);
			fuzz_fail(&w, "header prediction and the general path differ");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t fp[MAX_OPS];

	run(data, size, false, fp);
	run(data, size, true, fp);
	return 0;
}
