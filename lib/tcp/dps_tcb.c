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
#include <errno.h>
#include <string.h>
#include "dps_tcp.h"

#define NS_PER_MS (1000ull * 1000)

uint32_t
dps_tcb_tsval(const struct dps_tcb *t, uint64_t now)
{
	return (uint32_t)(now / NS_PER_MS) + t->ts_off;
}

/* The SYN (or SYN-ACK, for a simultaneous open) with our option block. */
static void
tcb_syn(const struct dps_tcb *t, uint64_t now, bool ack, struct dps_tcp_out *o)
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
	o->opt.sack_ok = true;
	o->opt.has_ts = true;
	o->opt.tsval = dps_tcb_tsval(t, now);
	o->opt.tsecr = ack ? t->ts_recent : 0;
	o->opt.has_ws = true;
	o->opt.wscale = t->syn_wscale;
}

/* A bare ACK of everything received, with timestamps when agreed. */
static void
tcb_ack(const struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o)
{
	memset(o, 0, sizeof(*o));
	o->seq = t->snd_nxt;
	o->ack = t->rcv_nxt;
	o->flags = DPS_TH_ACK;
	/* Linux rounds the window up to the scale's granularity. */
	o->wnd = (uint16_t)((t->rcv_wnd + (1u << t->rcv_wscale) - 1) >> t->rcv_wscale);
	if (t->ts_ok) {
		o->opts = DPS_TCP_OUT_TS;
		o->opt.has_ts = true;
		o->opt.tsval = dps_tcb_tsval(t, now);
		o->opt.tsecr = t->ts_recent;
	}
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
dps_tcb_connect(struct dps_tcb *t, const struct dps_tcb_conf *c, uint32_t iss,
	uint32_t ts_off, uint64_t now, struct dps_tcp_out *out)
{
	memset(t, 0, sizeof(*t));
	t->state = DPS_TCPS_SYN_SENT;
	t->syn_retries = c->syn_retries != 0 ? c->syn_retries : DPS_TCP_SYN_RETRIES;
	t->user_timeout_ms = c->user_timeout_ms;
	t->adv_mss = c->adv_mss;
	t->user_mss = c->user_mss;
	t->mss = DPS_TCP_MSS_DEFAULT;
	t->rcv_wscale = c->rcv_wscale;
	t->syn_wscale = c->rcv_wscale;
	t->snd_wscale = 0xff;		/* unknown until the SYN-ACK */
	t->rcv_wnd = c->rcv_wnd;
	t->iss = iss;
	t->snd_una = iss;
	t->snd_nxt = iss + 1;
	t->ts_off = ts_off;
	t->syn_start_ns = now;
	t->rto_ns = DPS_TCP_RTO_INIT_NS;
	t->timer_ns = now + t->rto_ns;
	tcb_syn(t, now, false, out);
	t->syn_tsval = out->opt.tsval;
}

/* Adopt what the peer's SYN or SYN-ACK offers (RFC 7323 1.3, 2.2). */
static void
tcb_take_syn(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->sack_ok = s->opt.sack_ok;
	t->ts_ok = s->opt.has_ts;
	if (t->ts_ok)
		t->ts_recent = s->opt.tsval;
	if (s->opt.has_ws) {
		t->snd_wscale = s->opt.wscale;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;	/* both or neither (RFC 7323 2.2) */
	}
	t->mss = tcb_clamp_mss(t, s->opt.has_mss ? s->opt.mss : DPS_TCP_MSS_DEFAULT);
	t->snd_wnd = s->wnd;		/* SYN windows are never scaled */
}

static void
tcb_established(struct dps_tcb *t)
{
	t->state = DPS_TCPS_ESTABLISHED;
	t->timer_ns = 0;
	t->retransmits = 0;
}

static int
tcb_close(struct dps_tcb *t, int err)
{
	t->state = DPS_TCPS_CLOSE;
	t->err = err;
	t->timer_ns = 0;
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
	return dps_seq_lt(s->opt.tsecr, t->syn_tsval) ||
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
			t->timer_ns = now + DPS_TCP_TIMEOUT_MIN_NS;
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
			return tcb_close(t, ECONNREFUSED);
		return DPS_TCB_NONE;
	}
	if (!(s->flags & DPS_TH_SYN))
		return DPS_TCB_NONE;
	tcb_take_syn(t, s);
	if (has_ack) {
		t->snd_una = s->ack;
		tcb_established(t);
		tcb_ack(t, now, &out[0]);
		*n = 1;
		return DPS_TCB_CONNECTED;
	}
	/* Crossed SYNs: simultaneous open (RFC 9293 3.5, figure 8). */
	t->state = DPS_TCPS_SYN_RECV;
	tcb_syn(t, now, true, &out[0]);
	*n = 1;
	return DPS_TCB_NONE;
}

/* RFC 9293 3.10.7.4 first check, reduced to what a handshake needs. */
static bool
tcb_seq_ok(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	uint32_t wnd = t->rcv_wnd;

	if (s->len == 0)
		return dps_seq_geq(s->seq, t->rcv_nxt) &&
			dps_seq_lt(s->seq, t->rcv_nxt + (wnd ? wnd : 1));
	return dps_seq_lt(s->seq, t->rcv_nxt + wnd) &&
		dps_seq_gt(s->seq + s->len, t->rcv_nxt);
}

/* RST in a synchronised state (RFC 5961 3.2): exact match resets; in the
 * window draws a challenge ACK; elsewhere ignored. */
static int
tcb_input_rst(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	/* Linux tcp_reset(): EPIPE in CLOSE_WAIT, ECONNRESET elsewhere
	 * (ECONNREFUSED is for SYN_SENT only). */
	if (s->seq == t->rcv_nxt)
		return tcb_close(t, t->state == DPS_TCPS_CLOSE_WAIT ?
			EPIPE : ECONNRESET);
	if (tcb_seq_ok(t, s)) {
		tcb_ack(t, now, &out[0]);
		*n = 1;
	}
	return DPS_TCB_NONE;
}

/* SYN_RECV (after crossed SYNs) and the synchronised states. */
static int
tcb_input_sync(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	if (s->flags & DPS_TH_RST)
		return tcb_input_rst(t, s, now, out, n);
	/* Both sides opened at once: the peer's SYN-ACK acknowledges our
	 * SYN (Linux >= 6.11 accepts it, tcp_validate_incoming()). */
	if (t->state == DPS_TCPS_SYN_RECV &&
			(s->flags & (DPS_TH_SYN | DPS_TH_ACK)) == (DPS_TH_SYN | DPS_TH_ACK) &&
			s->seq + 1 == t->rcv_nxt && s->ack == t->snd_nxt) {
		t->snd_una = s->ack;
		t->snd_wnd = s->wnd;	/* a SYN's window is never scaled */
		tcb_established(t);
		tcb_ack(t, now, &out[0]);
		*n = 1;
		return DPS_TCB_CONNECTED;
	}
	if ((s->flags & DPS_TH_SYN) || !tcb_seq_ok(t, s)) {
		/* A duplicate SYN-ACK (our ACK was lost), an old or a
		 * challenged segment: acknowledge (RFC 5961 4.2). */
		tcb_ack(t, now, &out[0]);
		*n = 1;
		return DPS_TCB_NONE;
	}
	if (!(s->flags & DPS_TH_ACK))
		return DPS_TCB_NONE;
	if (t->state == DPS_TCPS_SYN_RECV) {
		if (dps_seq_leq(s->ack, t->snd_una) || dps_seq_gt(s->ack, t->snd_nxt)) {
			if (dps_tcp_rst_for(s, &out[0]))
				*n = 1;
			return DPS_TCB_NONE;
		}
		t->snd_una = s->ack;
		t->snd_wnd = (uint32_t)s->wnd << t->snd_wscale;
		tcb_established(t);
		return DPS_TCB_CONNECTED;
	}
	if (t->ts_ok && s->opt.has_ts && dps_seq_geq(s->opt.tsval, t->ts_recent))
		t->ts_recent = s->opt.tsval;
	/* Data waits for the complete TCP (not acknowledged, so the peer
	 * keeps it); a FIN in order is taken. */
	if ((s->flags & DPS_TH_FIN) && t->state == DPS_TCPS_ESTABLISHED &&
			s->seq == t->rcv_nxt && s->len == 0) {
		t->rcv_nxt++;
		t->state = DPS_TCPS_CLOSE_WAIT;
		tcb_ack(t, now, &out[0]);
		*n = 1;
		return DPS_TCB_PEER_FIN;
	}
	return DPS_TCB_NONE;
}

int
dps_tcb_input(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n_out)
{
	*n_out = 0;
	switch (t->state) {
	case DPS_TCPS_SYN_SENT:
		return tcb_input_syn_sent(t, s, now, out, n_out);
	case DPS_TCPS_SYN_RECV:
	case DPS_TCPS_ESTABLISHED:
	case DPS_TCPS_CLOSE_WAIT:
		return tcb_input_sync(t, s, now, out, n_out);
	default:
		return DPS_TCB_NONE;
	}
}

/*
 * Linux's tcp_model_timeout(): how long @boundary retransmissions take
 * with exponential backoff from @rto_base, capped at TCP_RTO_MAX; plus one
 * second for each linear retransmission that preceded the doubling.
 */
static uint64_t
tcb_model_timeout(unsigned int boundary)
{
	const uint64_t base = DPS_TCP_RTO_INIT_NS;
	unsigned int thresh = 6;	/* ilog2(TCP_RTO_MAX / base) */
	uint64_t t;

	if (boundary <= thresh)
		t = ((2ull << boundary) - 1) * base;
	else
		t = ((2ull << thresh) - 1) * base +
			(boundary - thresh) * DPS_TCP_RTO_MAX_NS;
	return t;
}

/* tcp_write_timeout() for the handshake states. */
static bool
tcb_syn_expired(const struct dps_tcb *t, uint64_t now)
{
	uint64_t elapsed = now - t->syn_start_ns;

	/* Linux allows TCP_SYNCNT retransmissions, plus the linear ones in
	 * SYN_SENT, and the time exponential backoff would take for
	 * TCP_SYNCNT; nothing times out before the first retransmission
	 * (retransmits_timed_out()). */
	if (t->retransmits == 0)
		return false;
	if (t->retransmits >= t->syn_retries +
			(t->state == DPS_TCPS_SYN_SENT ? DPS_TCP_SYN_LINEAR : 0))
		return true;
	if (t->user_timeout_ms != 0)
		return elapsed >= (uint64_t)t->user_timeout_ms * NS_PER_MS;
	return elapsed >= tcb_model_timeout(t->syn_retries);
}

/* tcp_clamp_rto_to_user_timeout(): never sleep past the user timeout. */
static uint64_t
tcb_clamp_rto(const struct dps_tcb *t, uint64_t now)
{
	uint64_t limit, elapsed = now - t->syn_start_ns;

	if (t->user_timeout_ms == 0)
		return t->rto_ns;
	limit = (uint64_t)t->user_timeout_ms * NS_PER_MS;
	if (elapsed >= limit)
		return NS_PER_MS;	/* one jiffy */
	return t->rto_ns < limit - elapsed ? t->rto_ns : limit - elapsed;
}

int
dps_tcb_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out)
{
	*n_out = 0;
	if (t->state != DPS_TCPS_SYN_SENT && t->state != DPS_TCPS_SYN_RECV) {
		t->timer_ns = 0;
		return DPS_TCB_NONE;
	}
	if (tcb_syn_expired(t, now))
		return tcb_close(t, t->soft_err != 0 ? t->soft_err : ETIMEDOUT);
	tcb_syn(t, now, t->state == DPS_TCPS_SYN_RECV, out);
	*n_out = 1;
	t->retransmits++;
	/* The first DPS_TCP_SYN_LINEAR retransmissions keep the initial
	 * RTO; later ones double it. */
	if (t->retransmits > DPS_TCP_SYN_LINEAR || t->state != DPS_TCPS_SYN_SENT) {
		t->rto_ns *= 2;
		if (t->rto_ns > DPS_TCP_RTO_MAX_NS)
			t->rto_ns = DPS_TCP_RTO_MAX_NS;
	}
	t->timer_ns = now + tcb_clamp_rto(t, now);
	return DPS_TCB_NONE;
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
		return tcb_close(t, err);
	t->soft_err = err;
	return DPS_TCB_NONE;
}

unsigned int
dps_tcb_abort(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out)
{
	unsigned int n = 0;

	switch (t->state) {
	case DPS_TCPS_ESTABLISHED:
	case DPS_TCPS_CLOSE_WAIT:
	case DPS_TCPS_SYN_RECV:
		/* Linux's tcp_send_active_reset(): an ACK with RST set, with
		 * the window and timestamps any ACK would carry. */
		tcb_ack(t, now, out);
		out->flags = DPS_TH_RST | DPS_TH_ACK;
		n = 1;
		/* fallthrough */
	case DPS_TCPS_SYN_SENT:
		tcb_close(t, ECONNRESET);
		break;
	default:
		t->state = DPS_TCPS_CLOSE;
		t->timer_ns = 0;
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
	return true;
}
