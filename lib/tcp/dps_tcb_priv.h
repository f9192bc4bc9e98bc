/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TCB_PRIV_H
#define DPS_TCB_PRIV_H

/* What the TCB's files (dps_tcb*.c) share; not for the rest of the stack. */

#include "dps_tcp.h"

#define NS_PER_MS (1000ull * 1000)
#define NS_PER_S (1000ull * 1000 * 1000)

static inline uint32_t u32_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t u32_max(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* dps_tcb.c */
void dps_tcb_syn(const struct dps_tcb *t, uint64_t now, bool ack,
	struct dps_tcp_out *o);
void dps_tcb_established(struct dps_tcb *t, uint64_t now);
int dps_tcb_close(struct dps_tcb *t, int err);
bool dps_tcb_seq_ok(const struct dps_tcb *t, const struct dps_tcp_seg *s);

/* dps_tcb_out.c */
void dps_tcb_fill_ack(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o);
/* An ACK with RST set at snd_nxt, as tcp_send_active_reset() sends it. */
void dps_tcb_fill_rst(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out);
/* An ACK for an out-of-window or unacceptable segment, limited to one per
 * 500 ms for segments without payload (Linux tcp_oow_rate_limited()). */
/* An in-window segment whose data all arrived before: its ACK now, with
 * the D-SACK block naming it (RFC 2883), when SACK was negotiated. */
void dps_tcb_dup_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n);
void dps_tcb_oow_ack(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n);
/* A challenge ACK (RFC 5961 3.2, 4.2, 5.2), rate-limited. */
void dps_tcb_challenge(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n);
/* RFC 6675 IsLost() boundary: unSACKed bytes below it are lost. */
uint32_t dps_tcb_sack_lost_edge(const struct dps_tcb *t);
/* A partial last segment waits for TCP_CORK or MSG_MORE while the peer's
 * window is open for it: the probe timer sends it (dps_tcb_timer.c). */
bool dps_tcb_corked_open(const struct dps_tcb *t);

/* SACKed bytes inside [a, b). */
uint32_t dps_tcb_sacked_in(const struct dps_tcb *t, uint32_t a, uint32_t b);
/* RFC 6675 SetPipe(): bytes believed in the network. */
uint32_t dps_tcb_pipe(const struct dps_tcb *t);

/* dps_tcp_rack.c: RACK-TLP (RFC 8985), D-SACK use (RFC 2883, RFC 3708) */
/* Bytes [seq, end) leave at @now; @rxt: a retransmission. */
void dps_rack_sent(struct dps_tcb *t, uint32_t seq, uint32_t end, uint64_t now,
	bool rxt);
/*
 * dps_rack_sent() for new data, its common cases inline: with nothing in
 * flight before it the log starts over; a segment that continues the
 * last entry at the same instant extends it.
 */
static inline void
dps_rack_sent_new(struct dps_tcb *t, uint32_t seq, uint32_t end, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	unsigned int last = (x->sent_head + x->sent_n - 1u) & (DPS_TCP_SENT_LOG - 1);

	if (seq == t->snd_una) {
		x->sent_head = 0;
		x->sent_n = 1;
		x->sent_rxt = 0;
		x->sent[0].left = seq;
		x->sent[0].right = end;
		x->sent[0].ts = now;
	} else if (x->sent_n != 0 && x->sent[last].right == seq &&
			x->sent[last].ts == now && !((x->sent_rxt >> last) & 1)) {
		x->sent[last].right = end;
	} else {
		dps_rack_sent(t, seq, end, now, false);
	}
}
/* Bytes [l, r) were delivered (ACKed or newly SACKed) by @s: RACK.xmit_ts,
 * RACK.rtt, and reordering when they lie below @fack (6.2 steps 1-3).
 * Returns when they were sent, 0 if unknown or retransmitted. */
uint64_t dps_rack_delivered(struct dps_tcb *t, uint32_t l, uint32_t r, uint32_t fack,
	const struct dps_tcp_seg *s, uint64_t now);
/* Mark lost what RACK deems lost (6.2 step 5) and arm the reordering
 * timer for what it may deem lost later; returns whether the first hole
 * is lost now. */
bool dps_rack_detect(struct dps_tcb *t, uint64_t now);
/* A D-SACK block [l, r) arrived (RFC 2883): reo_wnd, TLP and undo. */
void dps_rack_dsack(struct dps_tcb *t, uint32_t l, uint32_t r);
/* The ACK ended a recovery, or D-SACKs covered every retransmission of
 * it: undo the reduction when that proves it spurious (RFC 3708). */
bool dps_tcb_try_undo(struct dps_tcb *t);
/* A reduction begins (recovery, RTO): remember what to undo to. */
void dps_tcb_undo_mark(struct dps_tcb *t);
/*
 * RFC 8985 7.2, as Linux's tcp_schedule_loss_probe(): with SACK, no
 * recovery, no scoreboard, no probe out and an RTT measured, a probe
 * timeout may replace the RTO (dps_tlp_set()).
 */
static inline bool
dps_tlp_ok(const struct dps_tcb *t)
{
	return t->sack_ok && !t->in_recovery && !t->in_loss && t->n_sacked == 0 &&
		!t->x->tlp_on && t->srtt_us8 != 0;
}

/*
 * Arm the probe timeout, the RTO being armed and data in flight: PTO =
 * 2 * SRTT, plus TCP_RTO_MIN for a single segment in flight (the peer's
 * delayed ACK), else two jiffies; at the RTO's time when that is
 * earlier, as Linux.
 */
static inline void
dps_tlp_set(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	uint64_t rto = x->ltimer == DPS_LT_RTO ? t->rtx_at : x->rto_at;
	uint64_t at = now + 2 * dps_tcb_srtt(t) + (x->tail_seq == t->snd_una ?
		DPS_TCP_RTO_MIN_NS : DPS_TCP_TIMEOUT_MIN_NS);

	x->rto_at = rto;
	x->ltimer = DPS_LT_TLP;
	t->rtx_at = at < rto ? at : rto;
}

/* dps_tlp_set() when allowed and data is in flight under the RTO. */
static inline void
dps_tlp_arm(struct dps_tcb *t, uint64_t now)
{
	if (dps_tlp_ok(t) && !t->persist && t->rtx_at != 0 && t->snd_una != t->snd_max)
		dps_tlp_set(t, now);
}

/* The ACK of @ack: a probe episode ends (RFC 8985 7.4). @dsack: the ACK
 * carried a D-SACK. */
void dps_tlp_acked(struct dps_tcb *t, uint32_t ack, bool dsack, uint64_t now);
/* A probe may no longer go (a SACK came, a recovery began): the RTO
 * takes the place of the probe timeout, as Linux's tcp_set_xmit_timer()
 * re-arms it. */
void dps_tlp_disarm(struct dps_tcb *t);
/* rtx_at expired while it was the TLP or RACK timer: returns dps_tcb_ev. */
int dps_rack_timer(struct dps_tcb *t, uint64_t now);
/* A segment starting recovery or ending it: RACK's reo_wnd bookkeeping. */
void dps_rack_recovery_start(struct dps_tcb *t);

/* dps_tcp_prr.c: PRR (RFC 6937) */
void dps_prr_start(struct dps_tcb *t);
/* An ACK in recovery delivered @delivered bytes: set cwnd from PRR. */
void dps_prr_ack(struct dps_tcb *t, uint32_t delivered, bool una_moved);

/* dps_tcb_in.c */
/* Fast recovery begins (RFC 6675 5 step 4, RFC 6582 3.2). */
void dps_tcb_enter_recovery(struct dps_tcb *t, uint64_t now);
int dps_tcb_input_sync(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n);

/* dps_tcb_timer.c */
void dps_tcb_rtt_sample(struct dps_tcb *t, uint64_t rtt);
void dps_tcb_arm_rto(struct dps_tcb *t, uint64_t now);
void dps_tcb_arm_keepalive(struct dps_tcb *t, uint64_t now);

#endif
