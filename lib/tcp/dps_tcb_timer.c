/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB's timers, one deadline each, the earliest dps_tcb_deadline():
 * - rtx_at: SYN / SYN-ACK retransmission (Linux's schedule, see
 *   dps_tcb.c), data retransmission (RFC 6298 with Linux's bounds), or,
 *   with nothing in flight and data waiting for a window, the persist
 *   timer's zero-window probe (RFC 9293 3.8.6.1); when the window is open
 *   and TCP_CORK or MSG_MORE held the data, the same timer sends it
 *   (Linux's probe0 timer, tcp_write_wakeup());
 * - dack_at: the delayed ACK (RFC 9293 3.8.6.3);
 * - ka_at: keepalive (RFC 9293 3.8.4, Linux's TCP_KEEP*), the orphaned
 *   FIN_WAIT2 timeout, or the end of TIME_WAIT (2MSL, Linux's 60 s).
 */
#include <errno.h>
#include "dps_tcb_priv.h"

/*
 * RFC 6298 2.2-2.4, with Linux's floor: RTO = SRTT + max(4 * RTTVAR,
 * TCP_RTO_MIN), at most TCP_RTO_MAX. A new sample also ends any backoff
 * (5.7). Linux holds the RTO in whole jiffies, rounded up
 * (usecs_to_jiffies() in __tcp_set_rto()), and backs off by doubling
 * them: 10 ms of RTT give 212 ms, not 210, then 424 and 848 ms. (RFC
 * 6298 2.4 allows rounding up.)
 */
void
dps_tcb_rtt_sample(struct dps_tcb *t, uint64_t rtt)
{
	uint32_t r = rtt >= 1000 ? (uint32_t)(rtt / 1000) : 1;	/* us */
	uint64_t var, rto;

	if (t->min_rtt_us == 0 || r < t->min_rtt_us)
		t->min_rtt_us = r;
	if (t->srtt_us8 == 0) {
		t->srtt_us8 = r * 8;
		t->rttvar_us4 = r * 2;	/* rttvar = R / 2 */
	} else {
		/* rttvar += (|srtt - R| - rttvar) / 4; srtt += (R - srtt) / 8,
		 * each in its own fixed point, as tcp_rtt_estimator(). */
		uint32_t srtt = t->srtt_us8 / 8;
		uint32_t d = srtt > r ? srtt - r : r - srtt;

		t->rttvar_us4 = t->rttvar_us4 - t->rttvar_us4 / 4 + d;
		t->srtt_us8 = t->srtt_us8 - srtt + r;
	}
	var = dps_tcb_rttvar(t) * 4;
	if (var < DPS_TCP_RTO_MIN_NS)
		var = DPS_TCP_RTO_MIN_NS;
	rto = (dps_tcb_srtt(t) + var + DPS_TCP_JIFFY_NS - 1) /
		DPS_TCP_JIFFY_NS * DPS_TCP_JIFFY_NS;
	if (rto > DPS_TCP_RTO_MAX_NS)
		rto = DPS_TCP_RTO_MAX_NS;
	t->rto_us = (uint32_t)(rto / 1000);
}

/* RFC 6298 5.1-5.3: (re)start the timer while data is outstanding, stop
 * it when everything is acknowledged. */
void
dps_tcb_arm_rto(struct dps_tcb *t, uint64_t now)
{
	t->x->ltimer = DPS_LT_RTO;
	if (dps_tcb_flight(t) != 0) {
		t->rtx_at = now + dps_tcb_rto(t);
		t->persist = false;
		dps_tlp_arm(t, now);
	} else if (!t->persist) {
		t->rtx_at = 0;
	}
}

/* Keepalive runs from the last segment received (Linux's
 * keepalive_time_elapsed()). */
void
dps_tcb_arm_keepalive(struct dps_tcb *t, uint64_t now)
{
	uint64_t at;

	if (!t->keepalive || (t->state != DPS_TCPS_ESTABLISHED &&
			t->state != DPS_TCPS_CLOSE_WAIT))
		return;
	at = t->probes == 0 ? dps_tcb_rcv_tstamp(t, now) + t->x->keepidle_s * NS_PER_S :
		now + t->x->keepintvl_s * NS_PER_S;
	if (t->ka_at == 0 || at < t->ka_at || t->probes == 0)
		t->ka_at = at;
}

/*
 * Linux's tcp_model_timeout(): how long @boundary retransmissions take
 * with exponential backoff from @base, capped at TCP_RTO_MAX.
 */
static uint64_t
tcb_model_timeout(unsigned int boundary, uint64_t base)
{
	unsigned int thresh = 0;
	uint64_t t;

	while ((base << (thresh + 1)) <= DPS_TCP_RTO_MAX_NS)
		thresh++;		/* ilog2(TCP_RTO_MAX / base) */
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
	uint64_t elapsed = now - t->x->syn_start_ns;

	/* Linux allows TCP_SYNCNT retransmissions, plus the linear ones in
	 * SYN_SENT, and the time exponential backoff would take for
	 * TCP_SYNCNT; nothing times out before the first retransmission
	 * (retransmits_timed_out()). */
	if (t->retransmits == 0)
		return false;
	/* TCP_DEFER_ACCEPT (syn_ack_recalc()): a child whose bare ACK was
	 * dropped lives until the deferring period is over as well. */
	if (t->defer_acked && t->retransmits < t->x->defer_accept)
		return false;
	if (t->retransmits >= t->x->syn_retries +
			(t->state == DPS_TCPS_SYN_SENT ? DPS_TCP_SYN_LINEAR : 0))
		return true;
	if (t->x->user_timeout_ms != 0)
		return elapsed >= (uint64_t)t->x->user_timeout_ms * NS_PER_MS;
	return elapsed >= tcb_model_timeout(t->x->syn_retries, DPS_TCP_RTO_INIT_NS);
}

/* tcp_clamp_rto_to_user_timeout(): never sleep past the user timeout,
 * counted from @start; what is left in whole jiffies, rounded up
 * (msecs_to_jiffies()), and one jiffy once it is over. */
static uint64_t
tcb_clamp_rto(const struct dps_tcb *t, uint64_t start, uint64_t now)
{
	uint64_t limit, left, elapsed = now - start;

	if (t->x->user_timeout_ms == 0)
		return dps_tcb_rto(t);
	limit = (uint64_t)t->x->user_timeout_ms * NS_PER_MS;
	if (elapsed >= limit)
		return DPS_TCP_JIFFY_NS;
	left = (limit - elapsed + DPS_TCP_JIFFY_NS - 1) / DPS_TCP_JIFFY_NS *
		DPS_TCP_JIFFY_NS;
	return dps_tcb_rto(t) < left ? dps_tcb_rto(t) : left;
}

static void
tcb_backoff(struct dps_tcb *t)
{
	t->rto_us *= 2;
	if (dps_tcb_rto(t) > DPS_TCP_RTO_MAX_NS)
		t->rto_us = DPS_TCP_RTO_MAX_NS / 1000;
}

/* SYN or SYN-ACK retransmission, or giving up. */
static int
tcb_syn_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out)
{
	if (tcb_syn_expired(t, now))
		return dps_tcb_close(t, t->soft_err != 0 ? t->soft_err : ETIMEDOUT);
	/* TCP_DEFER_ACCEPT: while waiting for data after the bare ACK, the
	 * SYN-ACK goes again only at the end of the period, as a last
	 * chance for data or an ACK (syn_ack_recalc()). */
	if (!t->defer_acked || t->retransmits + 1 >= t->x->defer_accept) {
		dps_tcb_syn(t, now, t->state == DPS_TCPS_SYN_RECV, out);
		*n_out = 1;
	}
	t->retransmits++;
	/* The first DPS_TCP_SYN_LINEAR retransmissions keep the initial
	 * RTO; later ones double it. */
	if (t->retransmits > DPS_TCP_SYN_LINEAR || t->state != DPS_TCPS_SYN_SENT)
		tcb_backoff(t);
	t->rtx_at = now + tcb_clamp_rto(t, t->x->syn_start_ns, now);
	return DPS_TCB_NONE;
}

/*
 * tcp_write_timeout() for synchronised states: tcp_retries2 (or
 * tcp_orphan_retries for a closed socket) modelled as time from the first
 * retransmission with TCP_RTO_MIN as base, or TCP_USER_TIMEOUT.
 */
static bool
tcb_data_expired(const struct dps_tcb *t, uint64_t now)
{
	unsigned int boundary = t->orphan ? DPS_TCP_ORPHAN_RETRIES : DPS_TCP_RETRIES2;
	uint64_t elapsed;

	if (t->retransmits == 0 || t->x->rtx_start_ns == 0)
		return false;
	elapsed = now - t->x->rtx_start_ns;
	if (t->x->user_timeout_ms != 0)
		return elapsed >= (uint64_t)t->x->user_timeout_ms * NS_PER_MS;
	return elapsed >= tcb_model_timeout(boundary, DPS_TCP_RTO_MIN_NS);
}

/*
 * RFC 6298 5.4-5.6 and RFC 5681 3.1: on a retransmission timeout cut
 * ssthresh (once per episode), collapse cwnd to one segment, back the
 * timer off, and resend from snd_una: everything unSACKed is now lost
 * (RFC 6675 5.1).
 */
static int
tcb_rto(struct dps_tcb *t, uint64_t now)
{
	if (tcb_data_expired(t, now))
		return dps_tcb_close(t, t->soft_err != 0 ? t->soft_err : ETIMEDOUT);
	if (t->x->rtx_start_ns == 0)
		t->x->rtx_start_ns = now;
	t->x->st.rto_count++;
	if (!t->in_loss) {
		if (!t->in_recovery)
			dps_tcb_undo_mark(t);
		t->ssthresh = dps_tcp_cc(t)->loss(t, now);
	}
	t->x->ltimer = DPS_LT_RTO;
	t->x->tlp_on = false;
	t->x->tlp_fire = false;
	t->cwnd = dps_tcb_smss(t);
	t->cwnd_acc = 0;
	t->in_loss = true;
	t->in_recovery = false;
	t->dupacks = 0;
	t->x->recovery_point = t->snd_nxt;
	t->x->lost_edge = t->snd_nxt;
	t->x->high_rxt = t->snd_una;
	t->rexmit_now = true;
	t->x->rtt_seq = 0;
	if (t->retransmits < UINT8_MAX)
		t->retransmits++;
	tcb_backoff(t);
	t->rtx_at = now + tcb_clamp_rto(t, t->x->rtx_start_ns, now);
	return DPS_TCB_OUTPUT;
}

/* An ACK the peer must answer: sequence snd_una - 1, which it has seen
 * (Linux's tcp_xmit_probe_skb(), for keepalive and zero-window probes). */
static void
tcb_probe(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o)
{
	dps_tcb_fill_ack(t, now, o);
	o->seq = t->snd_una - 1;
	o->n_sack = 0;
}

/* Zero-window probe (RFC 9293 3.8.6.1, Linux's tcp_probe_timer()): give up
 * like a retransmission would, else probe and back off. */
static int
tcb_persist(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out)
{
	unsigned int max = t->orphan ? DPS_TCP_ORPHAN_RETRIES : DPS_TCP_RETRIES2;

	if (t->probes >= max || (t->x->user_timeout_ms != 0 && t->x->rtx_start_ns != 0 &&
			now - t->x->rtx_start_ns >= (uint64_t)t->x->user_timeout_ms * NS_PER_MS))
		return dps_tcb_close(t, ETIMEDOUT);
	if (t->x->rtx_start_ns == 0)
		t->x->rtx_start_ns = now;
	tcb_probe(t, now, &out[(*n_out)++]);
	t->probes++;
	t->x->st.zwp_sent++;
	tcb_backoff(t);
	t->rtx_at = now + dps_tcb_rto(t);
	return DPS_TCB_NONE;
}

/* Keepalive, FIN_WAIT2 and TIME_WAIT share ka_at. */
static int
tcb_ka_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out)
{
	uint64_t last = dps_tcb_rcv_tstamp(t, now), idle = now - last;

	t->ka_at = 0;
	if (t->state == DPS_TCPS_TIME_WAIT || t->state == DPS_TCPS_FIN_WAIT2)
		return dps_tcb_close(t, 0);
	if (!t->keepalive)
		return DPS_TCB_NONE;
	/* Data in flight: the retransmission timer watches the peer. */
	if (dps_tcb_flight(t) != 0 || dps_seq_lt(t->snd_nxt, t->snd_end)) {
		t->ka_at = now + t->x->keepidle_s * NS_PER_S;
		return DPS_TCB_NONE;
	}
	if (idle < t->x->keepidle_s * NS_PER_S && t->probes == 0) {
		t->ka_at = last + t->x->keepidle_s * NS_PER_S;
		return DPS_TCB_NONE;
	}
	if ((t->x->user_timeout_ms != 0 && idle >= (uint64_t)t->x->user_timeout_ms * NS_PER_MS &&
			t->probes > 0) || (t->x->user_timeout_ms == 0 && t->probes >= t->x->keepcnt)) {
		/* The peer is told, as Linux's tcp_keepalive_timer() tells
		 * it (tcp_send_active_reset() before tcp_write_err()). */
		dps_tcb_fill_rst(t, now, &out[(*n_out)++]);
		return dps_tcb_close(t, t->soft_err != 0 ? t->soft_err : ETIMEDOUT);
	}
	tcb_probe(t, now, &out[(*n_out)++]);
	t->probes++;
	t->x->st.ka_sent++;
	t->ka_at = now + t->x->keepintvl_s * NS_PER_S;
	return DPS_TCB_NONE;
}

int
dps_tcb_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out)
{
	int ev = DPS_TCB_NONE;

	*n_out = 0;
	if (t->state == DPS_TCPS_SYN_SENT || t->state == DPS_TCPS_SYN_RECV) {
		if (t->rtx_at != 0 && t->rtx_at <= now)
			ev = tcb_syn_timeout(t, now, out, n_out);
		return ev;
	}
	if (t->state == DPS_TCPS_CLOSE || t->state == DPS_TCPS_LISTEN) {
		t->rtx_at = t->dack_at = t->ka_at = 0;
		return DPS_TCB_NONE;
	}
	if (t->ka_at != 0 && t->ka_at <= now) {
		ev |= tcb_ka_timeout(t, now, out, n_out);
		if (ev & DPS_TCB_CLOSED)
			return ev;
	}
	if (t->rtx_at != 0 && t->rtx_at <= now) {
		t->rtx_at = 0;
		if (t->persist && dps_tcb_flight(t) == 0 && dps_tcb_corked_open(t)) {
			/* tcp_write_wakeup(): the window is open, the cork
			 * held the data; it goes now. */
			t->push_once = true;
			t->persist = false;
			ev |= DPS_TCB_OUTPUT;
		} else if (t->persist && dps_tcb_flight(t) == 0) {
			if (*n_out < DPS_TCB_MAX_OUT)
				ev |= tcb_persist(t, now, out, n_out);
			else
				t->rtx_at = now;
		} else if (dps_tcb_flight(t) != 0 && t->x->ltimer != DPS_LT_RTO) {
			ev |= dps_rack_timer(t, now);	/* TLP or RACK */
		} else if (dps_tcb_flight(t) != 0) {
			ev |= tcb_rto(t, now);
		}
		t->persist = t->persist && t->rtx_at != 0;
		if (ev & DPS_TCB_CLOSED)
			return ev;
	}
	if (t->dack_at != 0 && t->dack_at <= now) {
		/* Linux's tcp_delack_timer_handler(): a delayed ACK the
		 * peer waited for ends pingpong mode (TCP_QUICKACK 0). */
		t->pingpong = false;
		t->dack_at = 0;
		t->ack_now = true;
		ev |= DPS_TCB_OUTPUT;
	}
	return ev;
}
