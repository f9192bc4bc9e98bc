/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss detection by time, as Linux 6.x does it by default
 * (net.ipv4.tcp_recovery = 1): RACK-TLP (RFC 8985), with the D-SACK
 * uses of RFC 2883 and RFC 3708 (a wider reordering window, the end of
 * a probe episode, the undo of a spurious reduction).
 *
 * RACK needs the time each unacknowledged byte was sent. The sender
 * keeps it in a small log of transmissions (x->sent): bulk sends at one
 * instant share an entry, and when the log is full its two oldest
 * entries merge, taking the later time, so a byte never looks older than
 * it is (a loss is declared late, never early). The scoreboard marks
 * loss by two edges (dps_tcb_out.c): unSACKed bytes below lost_edge are
 * lost, those below high_rxt were retransmitted; RACK raises the first
 * and, for a retransmission it finds lost again, lowers the second.
 */
#include "dps_tcb_priv.h"

#define SENT_MASK (DPS_TCP_SENT_LOG - 1)
_Static_assert((DPS_TCP_SENT_LOG & SENT_MASK) == 0, "a power of two");
#define REO_PERSIST 16		/* Linux's TCP_RACK_RECOVERY_THRESH */

static struct dps_tcp_sent *
sent_at(struct dps_tcb_ext *x, unsigned int i)
{
	return &x->sent[(x->sent_head + i) & SENT_MASK];
}

/* Whether the logged transmission @e was a retransmission. */
static bool
sent_rxt(const struct dps_tcb_ext *x, const struct dps_tcp_sent *e)
{
	return (x->sent_rxt >> (e - x->sent)) & 1;
}

static void
sent_set_rxt(struct dps_tcb_ext *x, const struct dps_tcp_sent *e, bool rxt)
{
	uint8_t bit = (uint8_t)(1u << (e - x->sent));

	x->sent_rxt = (uint8_t)(rxt ? x->sent_rxt | bit : x->sent_rxt & ~bit);
}

void
dps_rack_sent(struct dps_tcb *t, uint32_t seq, uint32_t end, uint64_t now, bool rxt)
{
	struct dps_tcb_ext *x = t->x;
	struct dps_tcp_sent *e, *b;

	if (x->sent_n != 0) {
		e = sent_at(x, x->sent_n - 1u);
		if (e->right == seq && e->ts == now && sent_rxt(x, e) == rxt) {
			e->right = end;
			return;
		}
		while (x->sent_n != 0 && dps_seq_leq(sent_at(x, 0)->right, t->snd_una)) {
			x->sent_head = (uint8_t)((x->sent_head + 1) & SENT_MASK);
			x->sent_n--;
		}
	}
	if (x->sent_n == DPS_TCP_SENT_LOG) {
		e = sent_at(x, 0);
		b = sent_at(x, 1);
		if (dps_seq_lt(e->left, b->left))
			b->left = e->left;
		if (dps_seq_gt(e->right, b->right))
			b->right = e->right;
		sent_set_rxt(x, b, sent_rxt(x, e) && sent_rxt(x, b));
		x->sent_head = (uint8_t)((x->sent_head + 1) & SENT_MASK);
		x->sent_n--;
	}
	e = sent_at(x, x->sent_n++);
	e->left = seq;
	e->right = end;
	e->ts = now;
	sent_set_rxt(x, e, rxt);
}

/* The latest transmission that covers part of [l, r); NULL if none. */
static const struct dps_tcp_sent *
sent_find(struct dps_tcb_ext *x, uint32_t l, uint32_t r)
{
	for (int i = (int)x->sent_n - 1; i >= 0; i--) {
		const struct dps_tcp_sent *e = sent_at(x, (unsigned int)i);

		if (dps_seq_lt(e->left, r) && dps_seq_gt(e->right, l))
			return e;
	}
	return NULL;
}

/* RFC 8985 6.2 step 2's RACK_sent_after(): time, then sequence. */
static bool
sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && dps_seq_gt(seq1, seq2));
}

/* The first unSACKed byte in [a, b), if any. */
static bool
first_hole(const struct dps_tcb *t, uint32_t a, uint32_t b, uint32_t *u)
{
	for (unsigned int i = 0; i < t->n_sacked && dps_seq_lt(a, b); i++) {
		const struct dps_sack_blk *k = &t->x->sacked[i];

		if (dps_seq_leq(k->right, a))
			continue;
		if (dps_seq_gt(k->left, a))
			break;
		a = k->right;
	}
	*u = a;
	return dps_seq_lt(a, b);
}

uint64_t
dps_rack_delivered(struct dps_tcb *t, uint32_t l, uint32_t r, uint32_t fack,
	const struct dps_tcp_seg *s, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	const struct dps_tcp_sent *e = sent_find(x, l, r);
	uint32_t end, u;
	uint64_t rtt;

	if (e == NULL)
		return 0;
	/* Linux's tcp_check_sack_reordering(): data sent once and newly
	 * delivered below the highest SACKed byte came out of order. */
	if (!sent_rxt(x, e) && first_hole(t, l, r, &u) && dps_seq_lt(u, fack))
		t->reord_seen = true;
	rtt = now - e->ts;
	/* Step 2: an ACK that may be for the original of a retransmission
	 * is no sample (its TSecr is older, or it came too soon). */
	if (sent_rxt(x, e) && (rtt < dps_tcb_min_rtt(t) || (t->ts_ok && s->opt.has_ts &&
			dps_seq_lt(s->opt.tsecr, dps_tcb_tsval(t, e->ts)))))
		return 0;
	end = dps_seq_lt(e->right, r) ? e->right : r;
	x->rack_rtt = rtt;
	if (sent_after(e->ts, end, x->rack_ts, x->rack_end)) {
		x->rack_ts = e->ts;
		x->rack_end = end;
	}
	return sent_rxt(x, e) ? 0 : e->ts;
}

/* Bytes SACKed as segments: three or more make Linux's dupthresh. */
static bool
rack_dupthresh(const struct dps_tcb *t)
{
	return dps_tcb_sacked_in(t, t->snd_una, t->snd_nxt) >= 3 * dps_tcb_smss(t);
}

/*
 * RFC 8985 6.2 step 4 as Linux's tcp_rack_reo_wnd(): before any
 * reordering was seen, none is tolerated in recovery or once three
 * segments are SACKed (the dupthresh rule); otherwise a quarter of the
 * minimum RTT per step D-SACKs added, at most SRTT.
 */
static uint64_t
rack_reo_wnd(const struct dps_tcb *t)
{
	uint64_t w;

	if (!t->reord_seen && (t->in_recovery || t->in_loss || rack_dupthresh(t)))
		return 0;
	w = dps_tcb_min_rtt(t) / 4 * (t->x->reo_steps != 0 ? t->x->reo_steps : 1);
	return w < dps_tcb_srtt(t) ? w : dps_tcb_srtt(t);
}

/* Step 5 for one logged transmission: lost (the edges move), or the time
 * left until it would be (into *wait). */
static void
rack_check(struct dps_tcb *t, const struct dps_tcp_sent *e, uint64_t reo,
	uint64_t now, uint64_t *wait)
{
	struct dps_tcb_ext *x = t->x;
	uint32_t lo = dps_seq_gt(e->left, t->snd_una) ? e->left : t->snd_una;
	uint32_t hi = e->right, u;
	uint64_t at = e->ts + x->rack_rtt + reo;

	if (e->ts == x->rack_ts && dps_seq_lt(x->rack_end, hi))
		hi = x->rack_end;	/* sent after RACK.end_seq: not yet */
	if (!first_hole(t, lo, hi, &u))
		return;
	if (at > now) {
		if (*wait == 0 || at - now > *wait)
			*wait = at - now;
		return;
	}
	if (sent_rxt(x, e) && dps_seq_lt(u, x->high_rxt)) {
		x->high_rxt = u;	/* a retransmission lost again */
		if (dps_seq_lt(x->lost_edge, hi))
			x->lost_edge = hi;
	} else if (dps_seq_lt(x->lost_edge, hi)) {
		x->lost_edge = hi;
	}
}

bool
dps_rack_detect(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	uint64_t reo = rack_reo_wnd(t), wait = 0;
	uint32_t u;

	if (!t->in_recovery && !t->in_loss)
		x->lost_edge = x->high_rxt = t->snd_una;
	if (x->rack_ts == 0)
		return false;
	for (unsigned int i = 0; i < x->sent_n; i++) {
		const struct dps_tcp_sent *e = sent_at(x, i);

		if (e->ts < x->rack_ts || (e->ts == x->rack_ts &&
				dps_seq_lt(e->left, x->rack_end)))
			rack_check(t, e, reo, now, &wait);
	}
	/* RFC 8985 6.3: the reordering timer, in place of the RTO while it
	 * is earlier. */
	/* Linux adds TCP_TIMEOUT_MIN to the remaining time. */
	if (wait != 0)
		wait += DPS_TCP_TIMEOUT_MIN_NS;
	if (wait != 0 && t->rtx_at != 0 && now + wait < t->rtx_at) {
		if (x->ltimer == DPS_LT_RTO)
			x->rto_at = t->rtx_at;
		x->ltimer = DPS_LT_REO;
		t->rtx_at = now + wait;
	}
	return first_hole(t, t->snd_una, u32_max(x->lost_edge, t->snd_una), &u) &&
		dps_seq_gt(x->lost_edge, t->snd_una);
}

/*
 * RFC 2883 / RFC 3708: bytes the peer received twice. Our retransmission
 * of them was needless: one fewer to undo (Linux's undo_retrans); RACK
 * widens its window once per round trip (tcp_rack_update_reo_wnd()).
 */
void
dps_rack_dsack(struct dps_tcb *t, uint32_t l, uint32_t r)
{
	struct dps_tcb_ext *x = t->x;
	uint32_t smss = dps_tcb_smss(t);

	if (x->undo_on && dps_seq_geq(l, x->undo_marker))
		x->undo_retrans -= (int32_t)((r - l + smss - 1) / smss);
	if (!x->dsack_seen && dps_seq_geq(t->snd_una, x->dsack_round)) {
		x->dsack_seen = true;
		if (x->reo_steps < UINT8_MAX)
			x->reo_steps = (uint8_t)(x->reo_steps != 0 ? x->reo_steps + 1 : 2);
		x->reo_persist = REO_PERSIST;
		x->dsack_round = t->snd_nxt;
	}
}

/* A recovery begins: the D-SACK round is over, and reo_wnd's steps go
 * back to one after REO_PERSIST recoveries without a D-SACK. */
void
dps_rack_recovery_start(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	if (x->dsack_seen)
		x->dsack_seen = false;
	else if (x->reo_persist != 0)
		x->reo_persist--;
	else
		x->reo_steps = 1;
}

void
dps_tcb_undo_mark(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	x->undo_on = true;
	x->undo_marker = t->snd_una;
	x->undo_retrans = 0;
	x->prior_ssthresh = t->ssthresh;
	x->prior_cwnd = t->cwnd;
}

/*
 * Linux's tcp_try_undo_dsack() / tcp_undo_cwnd_reduction(): every
 * retransmission since the reduction began was D-SACKed, so none was
 * needed and the loss never happened: cwnd and ssthresh go back, and a
 * recovery still running ends.
 */
bool
dps_tcb_try_undo(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	if (!x->undo_on || x->undo_retrans > 0)
		return false;
	x->undo_on = false;
	if (t->cwnd < x->prior_cwnd)
		t->cwnd = x->prior_cwnd;
	if (t->ssthresh < x->prior_ssthresh)
		t->ssthresh = x->prior_ssthresh;
	t->in_recovery = false;
	t->in_loss = false;
	t->dupacks = 0;
	x->lost_edge = t->snd_una;
	x->high_rxt = t->snd_una;
	x->st.undos++;
	return true;
}

/*
 * RFC 8985 7.4 (Linux's tcp_process_tlp_ack()): the ACK covers the probe.
 * A probe of new data, or a D-SACK for the resent one, shows no loss; an
 * ACK beyond the resent segment shows the probe repaired one: the window
 * is reduced as for a recovery that ended at once.
 */
void
dps_tlp_acked(struct dps_tcb *t, uint32_t ack, bool dsack, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;

	if (dps_seq_lt(ack, x->tlp_high))
		return;
	x->tlp_on = false;
	if (x->tlp_rxt && !dsack && dps_seq_gt(ack, x->tlp_high)) {
		t->ssthresh = dps_tcp_cc(t)->loss(t, now);
		if (t->cwnd > t->ssthresh)
			t->cwnd = t->ssthresh;
	}
}

void
dps_tlp_disarm(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	x->tlp_fire = false;
	if (x->ltimer != DPS_LT_TLP)
		return;
	x->ltimer = DPS_LT_RTO;
	t->rtx_at = x->rto_at;
}

int
dps_rack_timer(struct dps_tcb *t, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;
	uint8_t kind = x->ltimer;

	x->ltimer = DPS_LT_RTO;
	t->rtx_at = x->rto_at > now ? x->rto_at : now + NS_PER_MS;
	if (kind == DPS_LT_TLP) {
		x->tlp_fire = true;
		t->rexmit_now = true;	/* dps_tcb_output() looks for it */
		return DPS_TCB_OUTPUT;
	}
	/* RFC 8985 6.3: the reordering window passed. */
	if (dps_rack_detect(t, now) && !t->in_recovery && !t->in_loss) {
		dps_tcb_enter_recovery(t, now);
		x->st.rack_lost++;
		/* Linux's tcp_rack_reo_timeout(): PRR as for one segment
		 * delivered. */
		dps_prr_ack(t, dps_tcb_smss(t), false);
	}
	return DPS_TCB_OUTPUT;
}
