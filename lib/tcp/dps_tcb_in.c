/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival in the synchronised states (RFC 9293 3.10.7.4), in the
 * order the RFC checks: PAWS (RFC 7323 5.3), sequence number, RST (RFC
 * 5961 3), SYN (RFC 5961 4), ACK (with SACK, RFC 2018 / RFC 6675, and the
 * entry into fast recovery), payload (in order or out of order), FIN.
 *
 * Segments of the common kinds, a pure ACK of new data, the next in-order
 * data in ESTABLISHED, either of them with the peer's FIN or
 * acknowledging ours, and the ACK completing a passive open with or
 * without them, take a shorter path first (header prediction,
 * tcb_predicted()) that ends in the same state.
 *
 * Acknowledgements are not sent from here: this file sets ack_now or the
 * delayed-ACK deadline and dps_tcb_output() sends the ACK, so one ACK
 * covers everything a burst of segments delivered.
 */
#include <errno.h>
#include <string.h>
#include "dps_tcb_priv.h"

/* RFC 7323 5.3 R1: a segment whose TSval is older than TS.Recent is a
 * duplicate from an earlier incarnation of the sequence space. */
static bool
tcb_paws_reject(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	return t->ts_ok && s->opt.has_ts && !(s->flags & DPS_TH_RST) &&
		dps_seq_lt(s->opt.tsval, t->ts_recent);
}

/* RFC 7323 4.3: TS.Recent follows the segment that covers the last ACK we
 * sent (Linux: seq at or before rcv_wup). */
static void
tcb_update_ts_recent(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	if (t->ts_ok && s->opt.has_ts && dps_seq_leq(s->seq, t->rcv_acked) &&
			dps_seq_geq(s->opt.tsval, t->ts_recent))
		t->ts_recent = s->opt.tsval;
}

/* RFC 5961 3.2: a RST exactly at rcv_nxt resets; one elsewhere in the
 * window draws a challenge ACK. Linux's tcp_reset() errors: EPIPE in
 * CLOSE_WAIT, nothing once we closed our side, ECONNRESET otherwise. */
static int
tcb_input_rst(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	if (s->seq != t->rcv_nxt) {
		dps_tcb_challenge(t, now, out, n);
		return DPS_TCB_NONE;
	}
	switch (t->state) {
	case DPS_TCPS_CLOSE_WAIT:
		return dps_tcb_close(t, EPIPE);
	case DPS_TCPS_TIME_WAIT:
		return dps_tcb_close(t, 0);
	case DPS_TCPS_SYN_RECV:
		/* A passive open goes back to the listener (RFC 9293
		 * 3.10.7.4): the half-open connection is just dropped. */
		return dps_tcb_close(t, t->passive ? 0 : ECONNRESET);
	default:
		return dps_tcb_close(t, ECONNRESET);
	}
}

/*
 * A SYN in a synchronised state. Passive SYN_RECV: the peer resent its SYN
 * because our SYN-ACK was lost, so send it again. Crossed SYNs: the peer's
 * SYN-ACK completes a simultaneous open (Linux >= 6.11 accepts it,
 * tcp_validate_incoming()). Anything else: RFC 5961 4.2 challenge ACK.
 */
static int
tcb_input_syn(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	if (t->state == DPS_TCPS_SYN_RECV && t->passive &&
			!(s->flags & DPS_TH_ACK) && s->seq == t->irs) {
		dps_tcb_syn(t, now, true, &out[0]);
		*n = 1;
		return DPS_TCB_NONE;
	}
	if (t->state == DPS_TCPS_SYN_RECV && !t->passive &&
			(s->flags & DPS_TH_ACK) && s->seq + 1 == t->rcv_nxt &&
			s->ack == t->snd_nxt) {
		t->snd_una = s->ack;
		t->snd_wnd = s->wnd;	/* a SYN's window is never scaled */
		dps_tcb_established(t, now);
		dps_tcb_fill_ack(t, now, &out[0]);
		*n = 1;
		return DPS_TCB_CONNECTED;
	}
	dps_tcb_challenge(t, now, out, n);
	return DPS_TCB_NONE;
}

/* ---- the sender's scoreboard (RFC 2018, RFC 6675 2) ---- */

/* Drop SACKed ranges at or below snd_una. */
static void
sack_trim(struct dps_tcb *t)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < t->n_sacked; i++) {
		struct dps_sack_blk b = t->x->sacked[i];

		if (dps_seq_leq(b.right, t->snd_una))
			continue;
		if (dps_seq_lt(b.left, t->snd_una))
			b.left = t->snd_una;
		t->x->sacked[j++] = b;
	}
	t->n_sacked = (uint8_t)j;
}

/* Merge [l, r) into the sorted, disjoint scoreboard. When it is full the
 * lowest range goes: the newest information matters most for IsLost. */
static void
sack_add(struct dps_tcb *t, uint32_t l, uint32_t r)
{
	struct dps_sack_blk tmp[DPS_TCP_SACKED_MAX + 1];
	unsigned int n = 0, i = 0;
	bool placed = false;

	for (; i < t->n_sacked; i++) {
		struct dps_sack_blk b = t->x->sacked[i];

		if (dps_seq_lt(b.right, l)) {
			tmp[n++] = b;
		} else if (dps_seq_gt(b.left, r)) {
			if (!placed) {
				tmp[n++] = (struct dps_sack_blk){ l, r };
				placed = true;
			}
			tmp[n++] = b;
		} else {
			/* Overlapping or touching: absorb into [l, r). */
			if (dps_seq_lt(b.left, l))
				l = b.left;
			if (dps_seq_gt(b.right, r))
				r = b.right;
		}
	}
	if (!placed)
		tmp[n++] = (struct dps_sack_blk){ l, r };
	if (n > DPS_TCP_SACKED_MAX) {
		memmove(tmp, tmp + 1, (n - 1) * sizeof(tmp[0]));
		n--;
	}
	memcpy(t->x->sacked, tmp, n * sizeof(tmp[0]));
	t->n_sacked = (uint8_t)n;
}

/* RFC 2883 4: the first block is a D-SACK when it lies below the ACK or
 * inside the second block. */
static bool
tcb_is_dsack(const struct dps_tcp_seg *s)
{
	uint32_t l = s->sack[0].left, r = s->sack[0].right;

	return dps_seq_lt(l, r) && (dps_seq_leq(r, s->ack) || (s->n_sack > 1 &&
		dps_seq_geq(l, s->sack[1].left) && dps_seq_leq(r, s->sack[1].right)));
}

/* Take the segment's SACK blocks that lie within (snd_una, snd_nxt]
 * (RFC 2018 3), telling RACK what they newly deliver (@fack: the highest
 * SACKed byte before); returns whether anything new was SACKed. A D-SACK
 * (RFC 2883) goes to dps_rack_dsack() and sets *@dsack. */
static bool
tcb_sack_in(struct dps_tcb *t, const struct dps_tcp_seg *s, uint32_t fack,
	uint64_t now, bool *dsack)
{
	uint64_t first = 0, ts;
	bool news = false;

	if (tcb_is_dsack(s)) {
		*dsack = true;
		dps_rack_dsack(t, s->sack[0].left, s->sack[0].right);
	}
	for (unsigned int i = *dsack ? 1 : 0; i < s->n_sack; i++) {
		uint32_t l = s->sack[i].left, r = s->sack[i].right;

		if (!dps_seq_lt(l, r) || dps_seq_leq(r, t->snd_una) ||
				dps_seq_gt(r, t->snd_nxt))
			continue;	/* stale or bogus */
		if (dps_seq_lt(l, t->snd_una))
			l = t->snd_una;
		if (dps_tcb_sacked_in(t, l, r) == r - l)
			continue;	/* nothing new */
		ts = dps_rack_delivered(t, l, r, fack, s, now);
		if (ts != 0 && (first == 0 || ts < first))
			first = ts;
		sack_add(t, l, r);
		news = true;
	}
	/* Linux's sack_rtt_us: without a cumulative ACK, the earliest
	 * newly SACKed segment sent once gives the RTT sample. */
	if (first != 0 && !dps_seq_gt(s->ack, t->snd_una))
		dps_tcb_rtt_sample(t, now - first);
	return news;
}

/*
 * Enter fast recovery (RFC 6675 5 step 4; RFC 6582 3.2 step 2 without
 * SACK): remember the recovery point and what an undo would restore,
 * reduce ssthresh through the congestion control, start PRR (RFC 6937),
 * which sets cwnd from here on, and retransmit the first hole at once.
 * With SACK, RACK (dps_tcp_rack.c) has marked what is lost.
 */
void
dps_tcb_enter_recovery(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;

	t->in_recovery = true;
	t->in_loss = false;
	x->recovery_point = t->snd_nxt;
	dps_tlp_disarm(t);
	dps_tcb_undo_mark(t);
	dps_rack_recovery_start(t);
	x->tlp_on = false;
	t->ssthresh = dps_tcp_cc(t)->loss(t, now);
	dps_prr_start(t);
	if (!t->sack_ok)
		t->cwnd = t->ssthresh;	/* NewReno: no PRR here */
	x->high_rxt = t->snd_una;
	if (!t->sack_ok || !dps_seq_gt(x->lost_edge, t->snd_una))
		x->lost_edge = t->snd_una + dps_tcb_smss(t);
	t->rexmit_now = true;
	x->rtt_seq = 0;		/* Karn: no sample across a retransmission */
	x->st.fast_retrans++;
}

/* An ACK that moved nothing (RFC 5681 2 "duplicate acknowledgment"). */
static void
tcb_dupack(struct dps_tcb *t, uint64_t now)
{
	t->x->st.dupacks_rx++;
	if (t->dupacks < UINT8_MAX)
		t->dupacks++;
	/* With SACK, Linux counts no duplicates: RACK marks the loss. */
	if (!t->sack_ok && !t->in_recovery && !t->in_loss && t->dupacks == 3)
		dps_tcb_enter_recovery(t, now);
}

/* The ACK moved snd_una inside recovery: RFC 6675 / RFC 6582 partial and
 * full acknowledgements. */
static void
tcb_recovery_ack(struct dps_tcb *t, uint32_t acked_segs)
{
	if (dps_seq_geq(t->snd_una, t->x->recovery_point)) {
		/* Full ACK: recovery is over (RFC 6582 3.2 step 3), cwnd
		 * at ssthresh whatever PRR left (Linux's
		 * tcp_end_cwnd_reduction(); PRR may leave it at pipe, 0). */
		if (t->in_recovery)
			t->cwnd = t->ssthresh;
		t->in_recovery = false;
		t->in_loss = false;
		t->dupacks = 0;
		return;
	}
	if (dps_seq_lt(t->x->high_rxt, t->snd_una))
		t->x->high_rxt = t->snd_una;
	if (!t->sack_ok) {
		/* RFC 6582 3.2 step 4: the next unacknowledged segment is
		 * lost too; retransmit it at once. */
		t->dupacks = t->dupacks > acked_segs ? (uint8_t)(t->dupacks - acked_segs) : 0;
		t->x->lost_edge = u32_max(t->x->lost_edge, t->snd_una + dps_tcb_smss(t));
		if (t->in_recovery)
			t->rexmit_now = true;
	}
}

/*
 * snd_una moved to @ack: RTT, timers, scoreboard, recovery, cwnd. The
 * RTT comes from the timed segment (ns), else from the echoed timestamp
 * (RFC 7323 4.1: valid across retransmissions, so it ends an RTO backoff
 * as Linux's tcp_ack_update_rtt() does).
 */
static inline __attribute__((always_inline)) void
tcb_newly_acked(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now)
{
	uint32_t ack = s->ack, acked = ack - t->snd_una, flight = dps_tcb_flight(t);
	uint32_t smss = dps_tcb_smss(t);

	if (t->x->rtt_seq != 0 && dps_seq_geq(ack, t->x->rtt_seq)) {
		dps_tcb_rtt_sample(t, now - t->x->rtt_start);
		t->x->rtt_seq = 0;
	} else if (t->ts_ok && s->opt.has_ts && s->opt.tsecr != 0) {
		int32_t ms = (int32_t)(dps_tcb_tsval(t, now) - s->opt.tsecr);

		if (ms >= 0)
			dps_tcb_rtt_sample(t, (uint64_t)(ms != 0 ? ms : 1) * NS_PER_MS);
	}
	t->snd_una = ack;
	if (dps_seq_lt(t->x->high_rxt, ack))
		t->x->high_rxt = ack;
	if (dps_seq_lt(t->x->lost_edge, ack))
		t->x->lost_edge = ack;
	t->retransmits = 0;
	t->x->rtx_start_ns = 0;
	t->probes = 0;
	if (t->x->tlp_on)
		dps_tlp_acked(t, ack, false, now);
	if (t->n_sacked != 0)
		sack_trim(t);
	if (t->in_recovery || t->in_loss) {
		bool loss = t->in_loss;

		tcb_recovery_ack(t, (acked + smss - 1) / smss);
		if (loss && t->cwnd_limited)
			dps_tcp_cc(t)->ack(t, acked, now);
	} else {
		t->dupacks = 0;
		if (t->cwnd_limited || flight + smss >= t->cwnd)
			dps_tcp_cc(t)->ack(t, acked, now);
	}
	dps_tcb_arm_rto(t, now);
}

/* Our FIN is acknowledged: RFC 9293 3.10.7.4 FIN-WAIT-1, CLOSING,
 * LAST-ACK. */
static int
tcb_fin_acked(struct dps_tcb *t, uint64_t now)
{
	switch (t->state) {
	case DPS_TCPS_FIN_WAIT1:
		t->state = DPS_TCPS_FIN_WAIT2;
		/* An orphan waits tcp_fin_timeout for the peer's FIN. */
		t->ka_at = t->orphan ? now + DPS_TCP_FIN_TIMEOUT_NS : 0;
		return DPS_TCB_NONE;
	case DPS_TCPS_CLOSING:
		t->state = DPS_TCPS_TIME_WAIT;
		t->ka_at = now + DPS_TCP_TIMEWAIT_NS;
		t->rtx_at = 0;
		return DPS_TCB_TIME_WAIT;
	case DPS_TCPS_LAST_ACK:
		return dps_tcb_close(t, 0);
	default:
		return DPS_TCB_NONE;
	}
}

/* Is our FIN out and covered by snd_una? */
static bool
tcb_fin_is_acked(const struct dps_tcb *t)
{
	return t->fin_queued && t->snd_nxt == t->snd_end + 1 &&
		t->snd_una == t->snd_nxt;
}

/*
 * RFC 9293 3.10.7.4 fifth check: take the window (@wnd, scaled) from a
 * segment no older than the last one that set it. The RFC's test is
 * "SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)",
 * which lets a segment repeating SEQ and ACK shrink the window. Linux's
 * tcp_may_update_window() is taken instead, as everywhere the two
 * differ: a segment that acknowledges new data or carries a newer SEQ
 * sets the window; one with the same SEQ and no new ACK only when the
 * window grows or closes (a reordered older copy cannot shrink it).
 * Must run before SND.UNA moves. Returns whether the window changed.
 */
static inline __attribute__((always_inline)) bool
tcb_wnd_update(struct dps_tcb *t, const struct dps_tcp_seg *s, uint32_t wnd)
{
	bool changed = wnd != t->snd_wnd;

	if (dps_seq_gt(s->ack, t->snd_una) || dps_seq_gt(s->seq, t->snd_wl1) ||
			(s->seq == t->snd_wl1 && (wnd > t->snd_wnd || wnd == 0))) {
		t->snd_wnd = wnd;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
		if (wnd > t->max_snd_wnd)
			t->max_snd_wnd = wnd;
		return changed;
	}
	return false;
}

/*
 * Loss detection for an ACK that brought SACK blocks or came during a
 * loss (RFC 8985 6.2 with Linux's tcp_fastretrans_alert() around it):
 * RACK learns what the ACK delivered; D-SACKs may undo the reduction
 * (RFC 3708); RACK, and before any reordering RFC 6675's IsLost, mark
 * the losses; the first one starts recovery; PRR sets cwnd in it.
 * @una0, @fack and @sacked0 are SND.UNA, the highest SACKed byte and the
 * SACKed bytes before the ACK.
 */
static int
tcb_loss_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint32_t una0,
	uint32_t fack, uint32_t sacked0, bool dsack, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	uint32_t delivered = t->snd_una - una0 +
		dps_tcb_sacked_in(t, t->snd_una, t->snd_nxt) - sacked0;
	bool lost;

	if (t->snd_una != una0)
		dps_rack_delivered(t, una0, t->snd_una, fack, s, now);
	if (dsack && dps_tcb_try_undo(t))
		return DPS_TCB_OUTPUT;
	if (!t->sack_ok)
		return t->in_recovery ? DPS_TCB_OUTPUT : DPS_TCB_NONE;
	lost = dps_rack_detect(t, now);
	if (!t->reord_seen && t->n_sacked != 0 &&
			dps_seq_gt(dps_tcb_sack_lost_edge(t), t->snd_una)) {
		x->lost_edge = u32_max(x->lost_edge, dps_tcb_sack_lost_edge(t));
		lost = true;
	}
	if (lost && !t->in_recovery && !t->in_loss) {
		dps_tcb_enter_recovery(t, now);
		x->st.rack_lost++;
	}
	if (t->in_recovery)
		dps_prr_ack(t, delivered, t->snd_una != una0);
	if (x->ltimer == DPS_LT_TLP && !dps_tlp_ok(t))
		dps_tlp_disarm(t);
	return t->in_recovery || t->in_loss || lost ? DPS_TCB_OUTPUT : DPS_TCB_NONE;
}

/* SND.UNA moves to the ACK, or a duplicate ACK is counted (RFC 5681 2):
 * the part of the fifth check every ACK takes. */
static inline __attribute__((always_inline)) int
tcb_ack_advance(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	bool wnd_changed, bool sacked)
{
	int ev = DPS_TCB_NONE;

	if (dps_seq_gt(s->ack, t->snd_una)) {
		t->syn_unacked = false;		/* it comes first */
		tcb_newly_acked(t, s, now);
		ev |= DPS_TCB_ACKED | DPS_TCB_OUTPUT;
		if (tcb_fin_is_acked(t))
			ev |= tcb_fin_acked(t, now);
	} else if (s->ack == t->snd_una && s->len == 0 &&
			!(s->flags & (DPS_TH_SYN | DPS_TH_FIN)) &&
			dps_tcb_flight(t) != 0 && (!wnd_changed || sacked)) {
		tcb_dupack(t, now);
		ev |= DPS_TCB_OUTPUT;
	}
	return ev;
}

/* The fifth check for an ACK with SACK blocks, or one that comes while
 * a scoreboard is held or a loss recovered: the scoreboard, then SND.UNA,
 * then loss detection (tcb_loss_ack()). */
static int
tcb_input_ack_loss(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	bool wnd_changed)
{
	uint32_t una0 = t->snd_una, fack = una0, sacked0 = 0;
	bool sacked = false, dsack = false;
	int ev;

	if (t->n_sacked != 0) {
		fack = t->x->sacked[t->n_sacked - 1].right;
		sacked0 = dps_tcb_sacked_in(t, una0, t->snd_nxt);
	}
	if (t->sack_ok && s->n_sack != 0)
		sacked = tcb_sack_in(t, s, fack, now, &dsack);
	if (dsack && t->x->tlp_on && t->x->tlp_rxt && dps_seq_geq(s->ack, t->x->tlp_high))
		t->x->tlp_on = false;	/* the probe was not needed (RFC 8985 7.4) */
	ev = tcb_ack_advance(t, s, now, wnd_changed, sacked);
	return ev | tcb_loss_ack(t, s, una0, fack, sacked0, dsack, now);
}

/*
 * RFC 9293 3.10.7.4 fifth check, with RFC 5961 5.2's bounds: update the
 * send window (SND.WL1/WL2 rule), take SACK blocks, count duplicates and
 * advance snd_una. Returns -1 when the segment must be dropped after an
 * ACK (it acknowledges data never sent).
 */
static int
tcb_input_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	uint32_t ack = s->ack, wnd = (uint32_t)s->wnd << t->snd_wscale;
	bool wnd_changed = false;
	int ev = DPS_TCB_NONE;

	if (dps_seq_gt(ack, t->snd_nxt) ||
			dps_seq_lt(ack, t->snd_una - t->max_snd_wnd)) {
		dps_tcb_challenge(t, now, out, n);
		return -1;
	}
	if (tcb_wnd_update(t, s, wnd)) {
		wnd_changed = true;
		ev |= DPS_TCB_OUTPUT;
	}
	if ((t->n_sacked | s->n_sack) != 0 || t->in_recovery || t->in_loss)
		return ev | tcb_input_ack_loss(t, s, now, wnd_changed);
	return ev | tcb_ack_advance(t, s, now, wnd_changed, false);
}

/* ---- the receiver ---- */

/* Add [l, r) to the out-of-order ranges, most recent first, merging
 * neighbours (RFC 2018 4: the first SACK block names the newest data).
 * Returns false when there is no room. */
static bool
ooo_add(struct dps_tcb *t, uint32_t l, uint32_t r)
{
	struct dps_sack_blk nb = { l, r };
	unsigned int j = 0;

	for (unsigned int i = 0; i < t->n_ooo; i++) {
		struct dps_sack_blk b = t->x->ooo[i];

		if (dps_seq_lt(b.right, nb.left) || dps_seq_gt(b.left, nb.right)) {
			t->x->ooo[j++] = b;
			continue;
		}
		if (dps_seq_lt(b.left, nb.left))
			nb.left = b.left;
		if (dps_seq_gt(b.right, nb.right))
			nb.right = b.right;
	}
	if (j == DPS_TCP_OOO_MAX)
		return false;
	memmove(t->x->ooo + 1, t->x->ooo, j * sizeof(t->x->ooo[0]));
	t->x->ooo[0] = nb;
	t->n_ooo = (uint8_t)(j + 1);
	return true;
}

/* The next ACK reports [l, r) as received twice (RFC 2883), when SACK
 * was negotiated (Linux's tcp_dsack_set(), net.ipv4.tcp_dsack = 1). */
static void
tcb_dsack_set(struct dps_tcb *t, uint32_t l, uint32_t r)
{
	if (!t->sack_ok)
		return;
	t->x->dsack_blk.left = l;
	t->x->dsack_blk.right = r;
	t->dsack = true;
}

/* Out-of-order data [l, r) that overlaps a range already held: the
 * overlap is a duplicate (RFC 2883 4.2, Linux's tcp_data_queue_ofo()). */
static void
ooo_dup(struct dps_tcb *t, uint32_t l, uint32_t r)
{
	for (unsigned int i = 0; i < t->n_ooo; i++) {
		struct dps_sack_blk b = t->x->ooo[i];

		if (dps_seq_leq(b.right, l) || dps_seq_geq(b.left, r))
			continue;
		tcb_dsack_set(t, dps_seq_gt(b.left, l) ? b.left : l,
			dps_seq_lt(b.right, r) ? b.right : r);
		return;
	}
}

/* rcv_nxt moved: swallow the out-of-order ranges it reached. Returns
 * whether a hole was filled. */
static bool
ooo_advance(struct dps_tcb *t)
{
	bool filled = false, again = true;

	while (again) {
		again = false;
		for (unsigned int i = 0; i < t->n_ooo; i++) {
			if (dps_seq_gt(t->x->ooo[i].left, t->rcv_nxt))
				continue;
			if (dps_seq_gt(t->x->ooo[i].right, t->rcv_nxt))
				t->rcv_nxt = t->x->ooo[i].right;
			memmove(t->x->ooo + i, t->x->ooo + i + 1,
				(t->n_ooo - i - 1) * sizeof(t->x->ooo[0]));
			t->n_ooo--;
			filled = again = true;
			break;
		}
	}
	return filled;
}

/*
 * When to acknowledge in-order data (RFC 9293 3.8.6.3, RFC 5681 4.2): at
 * once in Linux's quick-ACK start, when a hole was filled or data is
 * still missing, or when two full segments are unacknowledged; otherwise
 * within the delayed-ACK time.
 */
static void
tcb_ack_policy(struct dps_tcb *t, bool filled, uint64_t now)
{
	if (filled || t->n_ooo != 0) {
		t->ack_now = true;
	} else if (t->quickacks != 0 && !t->pingpong) {
		t->quickacks--;
		t->ack_now = true;
	} else if (t->rcv_nxt - t->rcv_acked >= 2u * t->rcv_mss) {
		t->ack_now = true;
	} else if (t->dack_at == 0) {
		t->dack_at = now + DPS_TCP_DELACK_NS;
	}
}

/* Linux's tcp_grow_window(): let the announced window follow the data
 * actually arriving, up to the buffer. */
static void
tcb_grow_window(struct dps_tcb *t, uint32_t len)
{
	if (len >= t->rcv_mss / 2 && t->rcv_ssthresh < t->rcv_buf)
		t->rcv_ssthresh = u32_min(t->rcv_ssthresh + 2 * t->rcv_mss, t->rcv_buf);
}

/* The largest segment seen, for the delayed-ACK rule (Linux's
 * rcv_mss estimate, capped at what we announced). */
static void
tcb_note_rcv_mss(struct dps_tcb *t, uint32_t len)
{
	if (len > t->rcv_mss && len <= t->adv_mss)
		t->rcv_mss = (uint16_t)len;
}

/* @len bytes at rcv_nxt, @off bytes into the payload of a segment that
 * came with IPv6 flow label @flow (dps_tcp_seg.flow), are the next in
 * order: deliver them, grow the window, and decide when to ACK. The
 * label is kept for duplicates to compare with (Linux's
 * tcp_event_data_recv() saves lrcv_flowlabel; over IPv4 it stays 0). */
static inline __attribute__((always_inline)) void
tcb_take_in_order(struct dps_tcb *t, uint32_t off, uint32_t len, uint32_t flow,
	uint64_t now)
{
	t->x->lrcv_flow = flow;
	t->x->rx_off = off;
	t->x->rx_len = len;
	t->x->rx_seq = t->rcv_nxt;
	t->rcv_nxt += len;
	t->data_seen = true;
	tcb_grow_window(t, len);
	tcb_ack_policy(t, t->n_ooo != 0 && ooo_advance(t), now);
}

/*
 * Data (or a FIN) we already had came again: the peer retransmitted it,
 * perhaps because our ACKs do not reach it. When it arrives over IPv6
 * under another flow label than the last data did, the peer has most
 * likely had a retransmission timeout and drawn a new label to try
 * another path; our ACKs may need one too, so the connection asks for a
 * new flow hash (st.dup_rehash; the caller draws it, as
 * dps_tcp6_rehash() does after our own timeouts). Not while in loss
 * recovery after our own timeout, which is drawing new labels already.
 * The label is kept either way. Linux's tcp_rcv_spurious_retrans() with
 * lrcv_flowlabel (since 6.7): IPv4 segments neither ask nor save.
 */
static void
tcb_dup_data_seen(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	if (!(s->flow & DPS_TCP_FLOW_V6))
		return;
	if (!t->in_loss && ((s->flow ^ t->x->lrcv_flow) & DPS_TCP_FLOW_LABEL) != 0)
		t->x->st.dup_rehash++;
	t->x->lrcv_flow = s->flow;
}

/* Whether @s carries data or a FIN, all of it at or below RCV.NXT. */
static bool
tcb_all_old(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	uint32_t end = s->seq + s->len + ((s->flags & DPS_TH_FIN) ? 1 : 0);

	return end != s->seq && dps_seq_leq(end, t->rcv_nxt);
}

/*
 * A segment dropped unacceptable (PAWS or the sequence test) draws a
 * duplicate ACK; when it holds data or a FIN from below RCV.NXT and
 * SACK is on, that ACK reports a D-SACK and the data counts as a
 * duplicate (Linux's tcp_send_dupack()). A SYN draws a challenge ACK
 * there instead (tcp_validate_incoming()), and TIME-WAIT is not a socket
 * in Linux: neither counts.
 */
static void
tcb_dup_unacceptable(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	uint32_t end = s->seq + s->len + ((s->flags & DPS_TH_FIN) ? 1 : 0);

	if (t->sack_ok && end != s->seq && dps_seq_lt(s->seq, t->rcv_nxt) &&
			!(s->flags & DPS_TH_SYN) && t->state != DPS_TCPS_TIME_WAIT)
		tcb_dup_data_seen(t, s);
}

/*
 * RFC 9293 3.10.7.4 seventh check: the payload. Trim what was already
 * received and what lies beyond the window we announced; deliver in
 * order or remember the range out of order. The verdict for the caller
 * goes to rx_off/rx_len/rx_seq.
 */
static int
tcb_input_data(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now)
{
	uint32_t seq = s->seq, len = s->len, off = 0;

	/* All of it already received (it ends at or before rcv_nxt, which
	 * the sequence test lets through down to our last ACK). */
	if (dps_seq_leq(seq + len, t->rcv_nxt)) {
		t->ack_now = true;
		return DPS_TCB_NONE;
	}
	if (dps_seq_lt(seq, t->rcv_nxt)) {
		/* Partly a duplicate: D-SACK that part (RFC 2883 4.1.2). */
		tcb_dsack_set(t, seq, t->rcv_nxt);
		off = t->rcv_nxt - seq;
		seq = t->rcv_nxt;
		len -= off;
	}
	if (dps_seq_gt(seq + len, t->rcv_adv))
		len = dps_seq_gt(t->rcv_adv, seq) ? t->rcv_adv - seq : 0;
	if (len == 0) {
		t->ack_now = true;
		return DPS_TCB_NONE;
	}
	tcb_note_rcv_mss(t, len);
	if (seq != t->rcv_nxt) {
		t->ack_now = true;	/* a duplicate ACK with SACK, at once */
		ooo_dup(t, seq, seq + len);
		if (!ooo_add(t, seq, seq + len))
			return DPS_TCB_NONE;
		t->x->st.ooo_segs++;
		t->x->rx_off = off;
		t->x->rx_len = len;
		t->x->rx_seq = seq;
		return DPS_TCB_NONE;
	}
	tcb_take_in_order(t, off, len, s->flow, now);
	return DPS_TCB_DATA;
}

/* The peer's FIN is next in sequence: the state change of RFC 9293
 * 3.10.7.4's eighth check. */
/*
 * The peer's FIN in ESTABLISHED: Linux's tcp_fin() enters ping-pong mode,
 * so the ACK waits the delayed-ACK time, in the hope that the
 * application's answer or its own FIN carries it (the ACK of an HTTP
 * response with its FIN rides on the client's FIN). Once data has
 * arrived, that is: before any, Linux's delayed-ACK time (ato) is still
 * 0 and the ACK of a bare FIN leaves at once. Quick-ACK mode does not
 * apply in ping-pong mode; two full segments unacknowledged, data still
 * missing, or a hole the FIN waited behind just filled send it at once
 * as always (__tcp_ack_snd_check(), tcp_data_queue()'s ICSK_ACK_NOW).
 * Returns whether the ACK was delayed.
 */
static bool
tcb_fin_ack_delayed(struct dps_tcb *t, uint64_t now)
{
	if (!t->data_seen || t->n_ooo != 0 || t->fin_ooo ||
			t->rcv_nxt - t->rcv_acked >= 2u * t->rcv_mss)
		return false;	/* fin_ooo: a hole just filled (RFC 5681 4.2) */
	t->ack_now = false;
	if (t->dack_at == 0)
		t->dack_at = now + DPS_TCP_DELACK_NS;
	return true;
}

static int
tcb_fin_arrived(struct dps_tcb *t, uint64_t now)
{
	int ev = DPS_TCB_PEER_FIN | DPS_TCB_OUTPUT;

	switch (t->state) {
	case DPS_TCPS_ESTABLISHED:
		t->state = DPS_TCPS_CLOSE_WAIT;
		if (tcb_fin_ack_delayed(t, now)) {
			t->fin_ooo = false;
			t->rcv_nxt++;
			return ev;
		}
		break;
	case DPS_TCPS_FIN_WAIT1:
		t->state = DPS_TCPS_CLOSING;
		break;
	case DPS_TCPS_FIN_WAIT2:
		t->state = DPS_TCPS_TIME_WAIT;
		t->ka_at = now + DPS_TCP_TIMEWAIT_NS;
		ev |= DPS_TCB_TIME_WAIT;
		break;
	default:
		return DPS_TCB_NONE;
	}
	t->fin_ooo = false;
	t->rcv_nxt++;
	t->ack_now = true;
	return ev;
}

/* Whether [l, r) lies inside one remembered out-of-order range. */
static bool
ooo_covers(const struct dps_tcb *t, uint32_t l, uint32_t r)
{
	for (unsigned int i = 0; i < t->n_ooo; i++)
		if (dps_seq_leq(t->x->ooo[i].left, l) && dps_seq_geq(t->x->ooo[i].right, r))
			return true;
	return false;
}

/*
 * A FIN beyond a hole. RFC 9293 3.10.7.4 processes a FIN only once
 * everything before it has arrived; like Linux's out-of-order queue, we
 * remember it with the data it came with (when that data was kept and
 * the FIN lies inside the window) and take it once rcv_nxt reaches it.
 */
static void
tcb_fin_ooo(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	uint32_t fin = s->seq + s->len;

	if (dps_seq_gt(fin, t->rcv_adv))
		return;
	if (s->len != 0 && !ooo_covers(t, s->seq, fin))
		return;
	t->fin_ooo = true;
	t->x->fin_seq = fin;
	t->ack_now = true;
}

/* RFC 9293 3.10.7.4 eighth check: the FIN bit. */
static int
tcb_input_fin(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now)
{
	uint32_t fin = s->seq + s->len;

	if (fin == t->rcv_nxt)
		return tcb_fin_arrived(t, now);
	/* A retransmitted FIN (our ACK was lost): acknowledge; in TIME_WAIT
	 * the 2MSL starts again (RFC 9293 3.10.7.4). */
	if (fin + 1 == t->rcv_nxt) {
		t->ack_now = true;
		if (t->state == DPS_TCPS_TIME_WAIT)
			t->ka_at = now + DPS_TCP_TIMEWAIT_NS;
	} else if (dps_seq_gt(fin, t->rcv_nxt) && (t->state == DPS_TCPS_ESTABLISHED ||
			t->state == DPS_TCPS_FIN_WAIT1 || t->state == DPS_TCPS_FIN_WAIT2)) {
		tcb_fin_ooo(t, s);
	}
	return DPS_TCB_NONE;
}

/* An acceptable ACK in SYN-RECEIVED (SND.UNA < SEG.ACK =< SND.NXT): the
 * window it brings is the peer's first scaled one, and the connection is
 * established. Both paths take it here. */
static inline __attribute__((always_inline)) int
tcb_syn_recv_acked(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now)
{
	t->snd_una = s->ack;
	t->snd_wnd = (uint32_t)s->wnd << t->snd_wscale;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	t->max_snd_wnd = t->snd_wnd;
	dps_tcb_established(t, now);
	return DPS_TCB_CONNECTED | DPS_TCB_OUTPUT;
}

/* The third segment of a passive or simultaneous open (RFC 9293
 * 3.10.7.4, SYN-RECEIVED under the fifth check). */
static int
tcb_input_syn_recv_ack(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n)
{
	if (dps_seq_leq(s->ack, t->snd_una) || dps_seq_gt(s->ack, t->snd_nxt)) {
		if (dps_tcp_rst_for(s, &out[0]))
			*n = 1;
		return -1;
	}
	return tcb_syn_recv_acked(t, s, now);
}

/* The end of every accepted segment: output is due when an ACK is owed;
 * keepalive counts from this segment (RFC 9293 3.8.4); one deadline. */
static inline __attribute__((always_inline)) int
tcb_input_done(struct dps_tcb *t, int ev, uint64_t now)
{
	if (t->dack_at != 0 || t->ack_now)
		ev |= DPS_TCB_OUTPUT;
	if (t->keepalive)
		dps_tcb_arm_keepalive(t, now);
	return ev;
}

/*
 * New data for a connection the application closed, while our FIN is on
 * its way or acknowledged: nobody will read it, so the peer is reset
 * rather than acknowledged (RFC 1122 4.2.2.13 says a host MUST send a
 * RST when data arrives after close(); Linux's tcp_rcv_state_process()
 * does it in FIN_WAIT1 and FIN_WAIT2 for data beyond RCV.NXT, with a
 * RST in reply to the segment, tcp_v4_send_reset()).
 */
static bool
tcb_data_after_close(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	return t->orphan && s->len != 0 &&
		(t->state == DPS_TCPS_FIN_WAIT1 || t->state == DPS_TCPS_FIN_WAIT2) &&
		dps_seq_gt(s->seq + s->len, t->rcv_nxt);
}

/* ---- header prediction ---- */

/*
 * Van Jacobson's header prediction, as Linux's tcp_rcv_established()
 * applies it: nearly every segment is either a pure ACK of new data or
 * the next in-order data, with nothing unusual about it. For those the
 * outcome of most checks of RFC 9293 3.10.7.4 is known before they run:
 * - flags ACK, maybe PSH or FIN: no RST or SYN to handle;
 * - SEG.SEQ = RCV.NXT: the sequence test passes (RCV.NXT is never below
 *   the rcv_nxt of our last ACK);
 * - timestamps exactly when negotiated, TSval not older than TS.Recent:
 *   PAWS passes (RFC 7323 5.3);
 * - no SACK blocks: no scoreboard logic applies; the window goes
 *   through the same update rule (tcb_wnd_update()), and a change calls
 *   for output as there (a new window on a segment that moves nothing
 *   would make it a window update, not a duplicate ACK, RFC 5681 2: such
 *   a segment is not predicted anyway);
 * - no recovery, no loss, no scoreboard, no FIN beyond a hole, no
 *   zero-window probing (an ACK then restarts the probe timer,
 *   Linux's tcp_ack_probe(): the general path's work).
 * A pure ACK must then move SND.UNA (SND.UNA < SEG.ACK =< SND.NXT);
 * data must fit the window we announced, with nothing out of order
 * waiting (SND.UNA =< SEG.ACK =< SND.NXT: it may acknowledge ours too).
 *
 * Linux predicts in ESTABLISHED only. A connection that closes after one
 * exchange (HTTP with Connection: close) gets its last segments in the
 * other states, so they are predicted too, with the state changes the
 * general path makes for them, by the same functions in the same order:
 * - a pure ACK of new data in every synchronised state but SYN-RECEIVED
 *   and TIME-WAIT; when it covers our FIN, tcb_fin_acked() (FIN-WAIT-1
 *   to FIN-WAIT-2, CLOSING to TIME-WAIT, LAST-ACK to CLOSED);
 * - the peer's FIN at RCV.NXT (after the data, if any) in ESTABLISHED,
 *   FIN-WAIT-1 and FIN-WAIT-2, where tcb_fin_arrived() takes it; such a
 *   segment need not move SND.UNA (a FIN is never a duplicate ACK);
 * - data in ESTABLISHED only: in FIN-WAIT-1/2 data may call for the RST
 *   of tcb_data_after_close(), and in the other states it is ignored;
 * - in SYN-RECEIVED, the ACK completing the handshake, with data and a
 *   FIN as the established connection would take them right after
 *   (tcb_syn_recv_predicted()): a server's first segment of a connection
 *   is usually the request riding on that ACK.
 *
 * The work both paths share (tcb_wnd_update(), tcb_newly_acked(),
 * tcb_take_in_order()) is forced inline: a call would cost a good part
 * of what the prediction saves.
 */
/*
 * The ACK that completes a passive open, often with the request and
 * sometimes its FIN (RFC 9293 3.10.7.4, SYN-RECEIVED under the fifth
 * check). It is predicted when it acknowledges everything we sent
 * (SND.UNA < SEG.ACK = SND.MAX, so SND.NXT too): the general path then
 * finds, once tcb_syn_recv_acked() has run, a window update rule with
 * nothing to update (SND.WL1/WL2 are this segment's), no new data
 * acknowledged and nothing in flight (no duplicate ACK). Data must fit
 * the window of the SYN-ACK, which tcb_syn_recv_acked() may only widen
 * (dps_tcb_established()), so the general path would not trim it.
 */
static bool
tcb_syn_recv_predicted(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	if (s->ack != t->snd_max || !dps_seq_gt(s->ack, t->snd_una))
		return false;
	return s->len == 0 || (t->n_ooo == 0 && dps_seq_leq(s->seq + s->len, t->rcv_adv));
}

static bool
tcb_predicted(const struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	if (t->no_pred || (s->flags & ~(DPS_TH_PSH | DPS_TH_FIN)) != DPS_TH_ACK ||
			s->seq != t->rcv_nxt || s->n_sack != 0 || s->opt.has_ts != t->ts_ok ||
			(t->ts_ok && dps_seq_lt(s->opt.tsval, t->ts_recent)) ||
			t->in_recovery || t->in_loss || t->n_sacked != 0 || t->fin_ooo ||
			t->persist || dps_seq_gt(s->ack, t->snd_nxt))
		return false;
	if (t->state == DPS_TCPS_SYN_RECV)
		return tcb_syn_recv_predicted(t, s);
	if (s->len != 0)
		return t->state == DPS_TCPS_ESTABLISHED && dps_seq_geq(s->ack, t->snd_una) &&
			t->n_ooo == 0 && dps_seq_leq(s->seq + s->len, t->rcv_adv);
	if (s->flags & DPS_TH_FIN)
		return (t->state == DPS_TCPS_ESTABLISHED || t->state == DPS_TCPS_FIN_WAIT1 ||
			t->state == DPS_TCPS_FIN_WAIT2) && dps_seq_geq(s->ack, t->snd_una);
	return t->state != DPS_TCPS_SYN_RECV && t->state != DPS_TCPS_TIME_WAIT &&
		dps_seq_gt(s->ack, t->snd_una);
}

/*
 * A predicted segment: the work the general path would do once the
 * checks above passed, in its order. The ACK (fifth check: in
 * SYN-RECEIVED the handshake's end; else the window update rule,
 * SND.UNA, our FIN acknowledged), TS.Recent
 * (RFC 7323 4.3: the segment starts at RCV.NXT, so it covers our last ACK
 * exactly when nothing arrived since), the payload (seventh check) with
 * the delayed-ACK rules of tcb_ack_policy(), the FIN (eighth check).
 */
static int
tcb_input_predicted(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now)
{
	int ev = DPS_TCB_NONE;

	if (t->state == DPS_TCPS_SYN_RECV) {
		ev = tcb_syn_recv_acked(t, s, now);
	} else {
		if (tcb_wnd_update(t, s, (uint32_t)s->wnd << t->snd_wscale))
			ev = DPS_TCB_OUTPUT;
		if (s->ack != t->snd_una) {
			t->syn_unacked = false;
			tcb_newly_acked(t, s, now);
			ev = DPS_TCB_ACKED | DPS_TCB_OUTPUT;
			if (tcb_fin_is_acked(t))
				ev |= tcb_fin_acked(t, now);
		}
	}
	if (t->ts_ok && t->rcv_nxt == t->rcv_acked)
		t->ts_recent = s->opt.tsval;
	t->rcv_tstamp_ms = dps_tcb_ms(now);
	t->probes = 0;
	t->soft_err = 0;	/* something worked (Linux's tcp_ack()) */
	if (s->len != 0) {
		tcb_note_rcv_mss(t, s->len);
		tcb_take_in_order(t, 0, s->len, s->flow, now);
		ev |= DPS_TCB_DATA | DPS_TCB_OUTPUT;
		t->x->st.pred_data++;
	} else {
		t->x->st.pred_acks++;
	}
	if (t->state == DPS_TCPS_CLOSE)
		return ev;	/* LAST-ACK ended */
	if (s->flags & DPS_TH_FIN)
		ev |= tcb_fin_arrived(t, now) | DPS_TCB_OUTPUT;
	return tcb_input_done(t, ev, now);
}

int
dps_tcb_input_sync(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	int ev = DPS_TCB_NONE, r;
	bool old_ack;

	if (tcb_predicted(t, s))
		return tcb_input_predicted(t, s, now);
	if (tcb_paws_reject(t, s)) {
		t->x->st.paws_drops++;
		tcb_dup_unacceptable(t, s);
		dps_tcb_oow_ack(t, s, now, out, n);
		return DPS_TCB_NONE;
	}
	if (!dps_tcb_seq_ok(t, s)) {
		if (s->flags & DPS_TH_RST)
			return DPS_TCB_NONE;
		if (s->flags & DPS_TH_SYN)
			return tcb_input_syn(t, s, now, out, n);
		/* A FIN resent into TIME_WAIT restarts the 2MSL (RFC 9293
		 * 3.10.7.4, TIME-WAIT). */
		if (t->state == DPS_TCPS_TIME_WAIT && (s->flags & DPS_TH_FIN))
			t->ka_at = now + DPS_TCP_TIMEWAIT_NS;
		tcb_dup_unacceptable(t, s);
		dps_tcb_oow_ack(t, s, now, out, n);
		return DPS_TCB_NONE;
	}
	if (s->flags & DPS_TH_RST)
		return tcb_input_rst(t, s, now, out, n);
	if (s->flags & DPS_TH_SYN)
		return tcb_input_syn(t, s, now, out, n);
	if (!(s->flags & DPS_TH_ACK))
		return DPS_TCB_NONE;
	old_ack = dps_seq_lt(s->ack, t->snd_una);
	if (t->state == DPS_TCPS_SYN_RECV) {
		r = tcb_input_syn_recv_ack(t, s, now, out, n);
		if (r < 0)
			return DPS_TCB_NONE;
		ev |= r;
	}
	r = tcb_input_ack(t, s, now, out, n);
	if (r < 0)
		return ev;
	ev |= r;
	/* Only an acceptable ACK counts (Linux's tcp_ack() before
	 * tcp_replace_ts_recent()): a blind segment acknowledging data
	 * never sent must not move TS.Recent, or PAWS would then drop
	 * every genuine segment (RFC 7323 4.3, 5.3). */
	/* Linux's tcp_ack() forgets a soft ICMP error on an acceptable ACK:
	 * the path works again, so a later timeout reports ETIMEDOUT. */
	if (!old_ack) {
		tcb_update_ts_recent(t, s);
		t->soft_err = 0;
	}
	t->rcv_tstamp_ms = dps_tcb_ms(now);
	t->probes = 0;		/* the peer is alive (probe answers included) */
	/* Linux's tcp_ack_probe(): with nothing in flight and data held
	 * back, an ACK restarts the probe timer, backed off, from now. */
	if (t->persist && !old_ack)
		t->rtx_at = now + dps_tcb_rto(t);
	if (t->state == DPS_TCPS_CLOSE)
		return ev;
	if (tcb_data_after_close(t, s)) {
		/* dps_tcp_rst_for() cannot refuse: the segment has no RST. */
		*n += dps_tcp_rst_for(s, &out[*n]);
		return ev | dps_tcb_close(t, ECONNRESET);
	}
	/* RFC 9293 3.10.7.4's seventh and eighth checks find only old data
	 * or an old FIN: a duplicate, in the states where Linux's
	 * tcp_rcv_state_process() hands it to tcp_data_queue(). */
	if (tcb_all_old(t, s) && t->state != DPS_TCPS_TIME_WAIT)
		tcb_dup_data_seen(t, s);
	if (s->len != 0 && (t->state == DPS_TCPS_ESTABLISHED ||
			t->state == DPS_TCPS_FIN_WAIT1 || t->state == DPS_TCPS_FIN_WAIT2)) {
		bool dup = dps_seq_leq(s->seq + s->len, t->rcv_nxt);	/* all of it twice */

		ev |= tcb_input_data(t, s, now) | DPS_TCB_OUTPUT;
		if (dup && !(s->flags & DPS_TH_FIN))
			dps_tcb_dup_ack(t, s, now, out, n);
	}
	if (s->flags & DPS_TH_FIN)
		ev |= tcb_input_fin(t, s, now) | DPS_TCB_OUTPUT;
	if (t->fin_ooo && t->rcv_nxt == t->x->fin_seq)
		ev |= tcb_fin_arrived(t, now);	/* the hole before it filled */
	return tcb_input_done(t, ev, now);
}
