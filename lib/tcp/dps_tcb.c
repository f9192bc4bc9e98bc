/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB: the active open of RFC 9293 (3.5, 3.10.7.3) with the choices
 * Linux makes where the RFC leaves room, because the kernel on the peer's
 * side and the user's expectations are set by Linux:
 * - the SYN retransmission schedule of tcp_retransmit_timer() with
 *   tcp_syn_linear_timeouts (kernels >= 6.5), bounded by TCP_SYNCNT and
 *   TCP_USER_TIMEOUT (tcp_write_timeout(), retransmits_timed_out());
 * - RST acceptance in SYN_SENT per RFC 5961 3.2 / RFC 9293 3.10.7.3;
 * - every ICMP destination unreachable aborts a connection attempt
 *   (tcp_v4_err()), except fragmentation-needed, which only lowers the MSS.
 *
 * Everything is driven by the caller with an explicit @now (ns).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include "dps_tcb_priv.h"

#define DPS_RCV_BUF_DEFAULT (128u * 1024)	/* Linux tcp_rmem[1] */

/*
 * The SYN, or the SYN-ACK (simultaneous or passive open), with our option
 * block. A passive open answers only the options the SYN offered (RFC
 * 7323 2.2, 3.2; RFC 2018 2).
 */
void
dps_tcb_syn(const struct dps_tcb *t, uint64_t now, bool ack, struct dps_tcp_out *o)
{
	memset(o, 0, sizeof(*o));
	o->seq = t->iss;
	o->flags = DPS_TH_SYN;
	if (ack) {
		o->flags |= DPS_TH_ACK;
		o->ack = t->rcv_nxt;
	}
	o->wnd = t->rcv_wnd;		/* never scaled in a SYN (RFC 7323 2.2) */
	o->opts = DPS_TCP_OUT_SYN;
	o->opt.has_mss = true;
	o->opt.mss = t->adv_mss;
	/* A SYN-ACK after crossed SYNs is our SYN sent again with ACK set,
	 * options and all, as Linux's tcp_send_synack() does. */
	o->opt.sack_ok = !t->passive || t->sack_ok;
	o->opt.has_ts = !t->passive || t->ts_ok;
	o->opt.tsval = dps_tcb_tsval(t, now);
	o->opt.tsecr = ack ? t->ts_recent : 0;
	o->opt.has_ws = !t->passive || t->ws_ok;
	o->opt.wscale = t->syn_wscale;
}

static uint16_t
tcb_clamp_mss(const struct dps_tcb *t, uint16_t peer_mss)
{
	uint16_t mss = peer_mss;

	if (t->pmtu_mss != 0 && t->pmtu_mss < mss)
		mss = t->pmtu_mss;
	if (t->user_mss != 0 && t->user_mss < mss)
		mss = t->user_mss;
	if (t->adv_mss < mss)
		mss = t->adv_mss;
	return mss < 48 ? 48 : mss;	/* Linux's floor (tcp_min_snd_mss) */
}

void
dps_tcb_ext_attach(struct dps_tcb *t, struct dps_tcb_ext *x)
{
	memset(x, 0, offsetof(struct dps_tcb_ext, ooo));
	x->syn_retries = DPS_TCP_SYN_RETRIES;
	x->keepidle_s = dps_tcp_keepidle_s(0);
	x->keepintvl_s = dps_tcp_keepintvl_s(0);
	x->keepcnt = dps_tcp_keepcnt(0);
	/* Release: the fresh contents before the owner, for a reader on
	 * another thread that checks the owner with acquire (TCP_INFO,
	 * dps_tcb_ext_peek()). Relaxed for the pointer: that reader
	 * confirms through the owner. */
	__atomic_store_n(&x->owner, t, __ATOMIC_RELEASE);
	__atomic_store_n(&t->x, x, __ATOMIC_RELAXED);
}

void
dps_tcb_ext_link(struct dps_tcb *t, struct dps_tcb_ext *x)
{
	/* Relaxed, both: no owner, so a reader on another thread
	 * (dps_tcb_ext_peek()) takes nothing from it; tcb_init()'s attach
	 * publishes the contents with the owner. */
	__atomic_store_n(&x->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&t->x, x, __ATOMIC_RELAXED);
}

/* Nothing of the cold half that the next segment, timer or write would
 * miss: no data or FIN beyond snd_una, nothing received out of order, no
 * loss being recovered, no timed byte, a congestion control that has not
 * left its initial state (CUBIC keeps nothing before its first loss or
 * epoch) and the default settings. The SYN retry limit does not count:
 * the quiet states are past the handshake. */
static bool
tcb_ext_at_rest(const struct dps_tcb_ext *x)
{
	static const uint64_t zero[sizeof(x->cc_priv) / sizeof(x->cc_priv[0])];

	return x->rtt_seq == 0 && memcmp(x->cc_priv, zero, sizeof(zero)) == 0 &&
		x->user_timeout_ms == 0 &&
		x->keepidle_s == dps_tcp_keepidle_s(0) &&
		x->keepintvl_s == dps_tcp_keepintvl_s(0) &&
		x->keepcnt == dps_tcp_keepcnt(0);
}

bool
dps_tcb_quiet(const struct dps_tcb *t)
{
	if (t->x == NULL || t->syn_unacked || (t->state != DPS_TCPS_ESTABLISHED &&
			t->state != DPS_TCPS_FIN_WAIT2 && t->state != DPS_TCPS_CLOSE_WAIT))
		return false;
	if (t->snd_una != t->snd_max || t->snd_end != t->snd_una ||
			t->n_ooo != 0 || t->n_sacked != 0 || t->fin_ooo ||
			t->in_recovery || t->in_loss || t->persist ||
			t->rexmit_now || t->rtx_at != 0 || t->dupacks != 0 || t->dsack)
		return false;
	return tcb_ext_at_rest(t->x);
}

struct dps_tcb_ext *
dps_tcb_ext_take(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	if (x == NULL)
		return NULL;
	/* Relaxed: a reader that saw the old owner re-reads it after its
	 * copies (dps_tcb_ext_peek()); nothing is published here. */
	__atomic_store_n(&x->owner, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&t->x, NULL, __ATOMIC_RELAXED);
	return x;
}

struct dps_tcb_ext *
dps_tcb_ext_detach(struct dps_tcb *t)
{
	return dps_tcb_quiet(t) ? dps_tcb_ext_take(t) : NULL;
}

/* What every opening TCB starts from: settings and the send sequence.
 * The cold half it finds is written afresh (attached or only linked,
 * dps_tcb_ext_link()). */
static void
tcb_init(struct dps_tcb *t, const struct dps_tcb_conf *c, uint32_t iss,
	uint32_t ts_off, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;

	assert(x != NULL);
	memset(t, 0, sizeof(*t));
	dps_tcb_ext_attach(t, x);
	t->x->syn_retries = c->syn_retries != 0 ? c->syn_retries : DPS_TCP_SYN_RETRIES;
	t->x->user_timeout_ms = c->user_timeout_ms;
	t->adv_mss = c->adv_mss;
	t->user_mss = c->user_mss;
	t->mss = DPS_TCP_MSS_DEFAULT;
	t->rcv_mss = DPS_TCP_MSS_DEFAULT;
	t->rcv_wscale = c->rcv_wscale;
	t->syn_wscale = c->rcv_wscale;
	t->snd_wscale = 0xff;		/* unknown until the peer's SYN */
	t->rcv_wnd = c->rcv_wnd;
	t->rcv_buf = c->rcv_buf != 0 ? c->rcv_buf : DPS_RCV_BUF_DEFAULT;
	t->rcv_space = t->rcv_buf;
	t->rcv_ssthresh = c->rcv_wnd;
	t->cc = c->cc;
	t->nodelay = c->nodelay;
	t->cork = c->cork;
	t->pingpong = c->pingpong;
	t->x->defer_accept = c->defer_accept;
	t->tso_max = c->tso_max;
	t->keepalive = c->keepalive;
	t->x->keepidle_s = dps_tcp_keepidle_s(c->keepidle_s);
	t->x->keepintvl_s = dps_tcp_keepintvl_s(c->keepintvl_s);
	t->x->keepcnt = dps_tcp_keepcnt(c->keepcnt);
	t->iss = iss;
	t->syn_unacked = true;
	t->snd_una = iss;
	t->snd_nxt = iss + 1;
	t->snd_max = iss + 1;
	t->snd_end = iss + 1;
	t->snd_sml = iss + 1;
	t->push_seq = iss + 1;
	t->pushed_seq = iss + 1;
	t->ts_off = ts_off;
	t->x->syn_start_ns = now;
	t->rcv_tstamp_ms = dps_tcb_ms(now);
	t->rto_us = DPS_TCP_RTO_INIT_NS / 1000;
	t->rtx_at = now + dps_tcb_rto(t);
}

void
dps_tcb_connect(struct dps_tcb *t, const struct dps_tcb_conf *c, uint32_t iss,
	uint32_t ts_off, uint64_t now, struct dps_tcp_out *out)
{
	tcb_init(t, c, iss, ts_off, now);
	t->state = DPS_TCPS_SYN_SENT;
	dps_tcb_syn(t, now, false, out);
	t->x->syn_tsval = out->opt.tsval;
}

/* Adopt what the peer's SYN or SYN-ACK offers (RFC 7323 1.3, 2.2). */
static void
tcb_take_syn(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->rcv_acked = t->rcv_nxt;	/* the SYN-ACK or ACK acknowledges it */
	t->sack_ok = s->opt.sack_ok;
	t->ts_ok = s->opt.has_ts;
	if (t->ts_ok)
		t->ts_recent = s->opt.tsval;
	t->ws_ok = s->opt.has_ws;
	if (s->opt.has_ws) {
		/* RFC 7323 2.3: a shift above 14 is taken as 14. */
		t->snd_wscale = s->opt.wscale > 14 ? 14 : s->opt.wscale;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;	/* both or neither (RFC 7323 2.2) */
	}
	t->mss = tcb_clamp_mss(t, s->opt.has_mss ? s->opt.mss : DPS_TCP_MSS_DEFAULT);
	t->snd_wnd = s->wnd;		/* SYN windows are never scaled */
	t->snd_wl1 = s->seq;
	t->max_snd_wnd = t->snd_wnd;
}

/*
 * The handshake is over: the data-transfer state of RFC 9293 3.10.7.4,
 * with the initial window of RFC 6928 and an "infinite" ssthresh (RFC
 * 5681 3.1). Linux acknowledges the first segments at once (quick-ACK
 * mode) before delaying ACKs.
 */
void
dps_tcb_established(struct dps_tcb *t, uint64_t now)
{
	bool syn_rexmit = t->retransmits != 0;
	uint32_t edge = t->rcv_nxt + t->rcv_wnd;

	/* An ACK from SYN_RECV may have announced more (rounded up to the
	 * scale): the right edge never moves left (RFC 9293 3.8.6.2.2). */
	if (t->state != DPS_TCPS_SYN_RECV || dps_seq_gt(edge, t->rcv_adv))
		t->rcv_adv = edge;
	t->state = DPS_TCPS_ESTABLISHED;
	t->syn_unacked = false;
	t->retransmits = 0;
	t->rtx_at = 0;
	t->x->rtx_start_ns = 0;
	t->rcv_tstamp_ms = dps_tcb_ms(now);
	t->rcv_acked = t->rcv_nxt;
	t->quickacks = DPS_TCP_QUICKACKS;
	t->cwnd = DPS_TCP_INIT_CWND * dps_tcb_smss(t);
	t->ssthresh = UINT32_MAX / 2;
	t->snd_wl2 = t->snd_una;
	/* The handshake's round trip seeds the RTT (RFC 6298 2.2), unless a
	 * SYN was retransmitted (Karn). */
	if (t->srtt_us8 == 0 && !syn_rexmit && now > t->x->syn_start_ns)
		dps_tcb_rtt_sample(t, now - t->x->syn_start_ns);
	dps_tcp_cc(t)->init(t, now);
	dps_tcb_arm_keepalive(t, now);
}

int
dps_tcb_close(struct dps_tcb *t, int err)
{
	t->state = DPS_TCPS_CLOSE;
	t->err = err;
	t->rtx_at = t->dack_at = t->ka_at = 0;
	return DPS_TCB_CLOSED;
}

/*
 * Linux rejects a SYN-ACK whose echoed timestamp is outside the time our
 * SYNs were sent (tcp_rcv_synsent_state_process()); treated like a bad
 * ACK.
 */
static bool
tcb_synack_ts_bad(const struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now)
{
	uint32_t now_ts = dps_tcb_tsval(t, now);

	if (!s->opt.has_ts || s->opt.tsecr == 0)
		return false;
	return dps_seq_lt(s->opt.tsecr, t->x->syn_tsval) ||
		dps_seq_gt(s->opt.tsecr, now_ts);
}

/* RFC 9293 3.10.7.3, SYN-SENT. */
static int
tcb_input_syn_sent(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n)
{
	bool has_ack = (s->flags & DPS_TH_ACK) != 0;

	if (has_ack && (dps_seq_leq(s->ack, t->iss) || dps_seq_gt(s->ack, t->snd_nxt))) {
		/* Unacceptable ACK: answer with a RST unless it is one. Our
		 * SYN may have been lost, so Linux resends it almost at once,
		 * the first time (TCP_TIMEOUT_MIN). */
		if (t->retransmits == 0)
			t->rtx_at = now + DPS_TCP_TIMEOUT_MIN_NS;
		if (dps_tcp_rst_for(s, &out[0]))
			*n = 1;
		return DPS_TCB_NONE;
	}
	if (has_ack && tcb_synack_ts_bad(t, s, now)) {
		if (dps_tcp_rst_for(s, &out[0]))
			*n = 1;
		return DPS_TCB_NONE;
	}
	if (s->flags & DPS_TH_RST) {
		/* Acceptable only when it acknowledges our SYN. */
		if (has_ack)
			return dps_tcb_close(t, ECONNREFUSED);
		return DPS_TCB_NONE;
	}
	if (!(s->flags & DPS_TH_SYN))
		return DPS_TCB_NONE;
	tcb_take_syn(t, s);
	if (has_ack) {
		/* The ACK is owed, not sent here: dps_tcb_output() sends it,
		 * on the first data when the application writes before the
		 * caller's output runs (as Linux holds it while a write is
		 * pending, tcp_rcv_synsent_state_process()). */
		t->snd_una = s->ack;
		dps_tcb_established(t, now);
		if (t->pingpong || t->x->defer_accept != 0) {
			/* TCP_QUICKACK 0 or TCP_DEFER_ACCEPT: "save one
			 * ACK", up to TCP_DELACK_MAX, and leave pingpong
			 * mode for quick-ACK mode (tcp_enter_quickack_mode()). */
			t->pingpong = false;
			t->dack_at = now + DPS_TCP_DELACK_MAX_NS;
		} else {
			t->ack_now = true;
		}
		return DPS_TCB_CONNECTED;
	}
	/* Crossed SYNs: simultaneous open (RFC 9293 3.5, figure 8). */
	t->state = DPS_TCPS_SYN_RECV;
	dps_tcb_syn(t, now, true, &out[0]);
	t->rcv_adv = t->rcv_nxt + t->rcv_wnd;
	*n = 1;
	return DPS_TCB_NONE;
}

/*
 * RFC 9293 3.10.7.4 first check, as Linux's tcp_sequence() applies it:
 * the segment must not end before the rcv_nxt of our last ACK (rcv_wup)
 * nor start beyond the window we announced. Linux lets a segment that
 * ends exactly where our last ACK pointed through, so the ACK it carries
 * counts: a peer that resends its FIN with the ACK of ours (dperf's
 * client does) moves CLOSING on to TIME_WAIT. The strict RFC test (the
 * segment must overlap [RCV.NXT, RCV.NXT + RCV.WND)) would answer it
 * with a bare ACK and leave our FIN to be retransmitted. Data and FINs
 * already received are trimmed later and acknowledged at once.
 */
bool
dps_tcb_seq_ok(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	uint32_t wnd = dps_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	uint32_t end = s->seq + s->len + ((s->flags & DPS_TH_FIN) ? 1 : 0);

	return dps_seq_geq(end, t->rcv_acked) &&
		dps_seq_leq(s->seq, t->rcv_nxt + wnd);
}

int
dps_tcb_input(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n_out)
{
	*n_out = 0;
	t->x->rx_len = 0;
	switch (t->state) {
	case DPS_TCPS_SYN_SENT:
		return tcb_input_syn_sent(t, s, now, out, n_out);
	case DPS_TCPS_CLOSE:
	case DPS_TCPS_LISTEN:
		return DPS_TCB_NONE;
	default:
		return dps_tcb_input_sync(t, s, now, out, n_out);
	}
}

void
dps_tcb_accept(struct dps_tcb *t, const struct dps_tcb_conf *c,
	const struct dps_tcp_seg *s, uint32_t iss, uint32_t ts_off, uint64_t now,
	struct dps_tcp_out *out)
{
	tcb_init(t, c, iss, ts_off, now);
	t->passive = true;
	t->state = DPS_TCPS_SYN_RECV;
	t->x->syn_retries = DPS_TCP_SYNACK_RETRIES;
	tcb_take_syn(t, s);
	if (!t->ws_ok)
		t->syn_wscale = 0;
	t->rcv_adv = t->rcv_nxt + t->rcv_wnd;
	dps_tcb_syn(t, now, true, out);
}

void
dps_tcb_from_cookie(struct dps_tcb *t, const struct dps_tcb_conf *c,
	const struct dps_tcp_seg *s, uint16_t mss, uint8_t wscale, bool sack,
	uint32_t ts_off, uint64_t now)
{
	struct dps_tcp_seg syn = {
		.seq = s->seq - 1,
		.wnd = s->wnd,
		.flags = DPS_TH_SYN,
		.opt = {
			.has_mss = true, .mss = mss,
			.has_ws = wscale != 0xff, .wscale = wscale,
			.sack_ok = sack,
			.has_ts = s->opt.has_ts, .tsval = s->opt.tsval,
		},
	};

	tcb_init(t, c, s->ack - 1, ts_off, now);
	t->passive = true;
	tcb_take_syn(t, &syn);
	if (!t->ws_ok)
		t->syn_wscale = 0;
	t->snd_una = s->ack;
	t->retransmits = 1;	/* no RTT sample from a handshake we did not time */
	dps_tcb_established(t, now);
	t->snd_wnd = (uint32_t)s->wnd << t->snd_wscale;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_snd_wnd = t->snd_wnd;
}

void
dps_tcb_queue(struct dps_tcb *t, uint32_t n)
{
	t->snd_end += n;
}

void
dps_tcb_mark_push(struct dps_tcb *t)
{
	t->push_seq = t->snd_end;
}

int
dps_tcb_shutdown(struct dps_tcb *t, uint64_t now)
{
	(void)now;
	switch (t->state) {
	case DPS_TCPS_SYN_SENT:
		return dps_tcb_close(t, 0);
	case DPS_TCPS_SYN_RECV:
	case DPS_TCPS_ESTABLISHED:
		/* From SYN_RECV (a simultaneous open) the FIN goes out at
		 * once, after the unacknowledged SYN, which the
		 * retransmission timer resends first (tcb_retransmit_one()). */
		t->state = DPS_TCPS_FIN_WAIT1;
		break;
	case DPS_TCPS_CLOSE_WAIT:
		t->state = DPS_TCPS_LAST_ACK;
		break;
	default:
		return DPS_TCB_NONE;
	}
	t->fin_queued = true;
	return DPS_TCB_OUTPUT;
}

int
dps_tcb_shut_wr(struct dps_tcb *t, uint64_t now)
{
	if (t->state == DPS_TCPS_SYN_RECV)
		return DPS_TCB_NONE;
	return dps_tcb_shutdown(t, now);
}

/*
 * The application freed receive space. Linux (tcp_cleanup_rbuf()) sends a
 * window update at once when the window it could announce is at least
 * twice the one the peer still has; otherwise the next ACK carries it.
 */
bool
dps_tcb_rcv_space(struct dps_tcb *t, uint32_t space)
{
	uint32_t cur = dps_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	uint32_t could = u32_min(space, t->rcv_ssthresh);

	t->rcv_space = space;
	if (t->state != DPS_TCPS_ESTABLISHED && t->state != DPS_TCPS_FIN_WAIT1 &&
			t->state != DPS_TCPS_FIN_WAIT2)
		return false;
	if (could >= 2 * cur && could - cur >= t->rcv_mss) {
		t->ack_now = true;
		return true;
	}
	return false;
}

int
dps_tcb_icmp(struct dps_tcb *t, uint32_t seq, int err, uint16_t mtu)
{
	/* Only errors about data in flight count: tcp_v4_err() accepts
	 * snd_una <= seq <= snd_nxt. */
	if (dps_seq_lt(seq, t->snd_una) || dps_seq_gt(seq, t->snd_nxt))
		return DPS_TCB_NONE;
	if (err == EMSGSIZE) {
		/* Linux never takes a path MTU below ip_rt_min_pmtu (552). */
		if (mtu < 552)
			mtu = 552;
		t->pmtu_mss = (uint16_t)(mtu - 40);
		if (t->state != DPS_TCPS_SYN_SENT)
			t->mss = tcb_clamp_mss(t, t->mss);
		return DPS_TCB_NONE;
	}
	if (err == 0)
		return DPS_TCB_NONE;
	if (t->state == DPS_TCPS_SYN_SENT || t->state == DPS_TCPS_SYN_RECV)
		return dps_tcb_close(t, err);
	t->soft_err = err;
	return DPS_TCB_NONE;
}

/* Linux's tcp_send_active_reset(): an ACK with RST set, with the window
 * and timestamps any ACK would carry, at snd_nxt. */
void
dps_tcb_fill_rst(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out)
{
	dps_tcb_fill_ack(t, now, out);
	out->flags = DPS_TH_RST | DPS_TH_ACK;
	out->n_sack = 0;
}

unsigned int
dps_tcb_abort(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out)
{
	unsigned int n = 0;

	switch (t->state) {
	case DPS_TCPS_ESTABLISHED:
	case DPS_TCPS_CLOSE_WAIT:
	case DPS_TCPS_FIN_WAIT1:
	case DPS_TCPS_FIN_WAIT2:
	case DPS_TCPS_SYN_RECV:
		/* Linux's tcp_need_reset() states get tcp_send_active_reset(). */
		dps_tcb_fill_rst(t, now, out);
		n = 1;
		/* fallthrough */
	case DPS_TCPS_SYN_SENT:
		dps_tcb_close(t, ECONNRESET);
		break;
	default:
		/* Nothing to reset; an earlier error stays. */
		t->state = DPS_TCPS_CLOSE;
		t->rtx_at = t->dack_at = t->ka_at = 0;
		break;
	}
	return n;
}

bool
dps_tcp_rst_for(const struct dps_tcp_seg *s, struct dps_tcp_out *out)
{
	if (s->flags & DPS_TH_RST)
		return false;
	memset(out, 0, sizeof(*out));
	if (s->flags & DPS_TH_ACK) {
		out->seq = s->ack;
		out->flags = DPS_TH_RST;
	} else {
		out->seq = 0;
		out->ack = s->seq + s->len + ((s->flags & DPS_TH_SYN) ? 1 : 0) +
			((s->flags & DPS_TH_FIN) ? 1 : 0);
		out->flags = DPS_TH_RST | DPS_TH_ACK;
	}
	/* Sent as Linux sends it from its control socket
	 * (tcp_v4_send_reset(), tcp_v6_send_reset()): the TOS or traffic
	 * class the segment came with, less the ECN field (RFC 3168 5: a
	 * RST is not ECN-capable), the default TTL or hop limit. */
	out->answer = true;
	out->tos = (uint8_t)(s->tos & ~3u);
	return true;
}
