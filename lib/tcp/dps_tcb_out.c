/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a synchronised TCB sends: retransmissions chosen by the loss
 * recovery of RFC 6675 (SACK) or RFC 6582 (NewReno) within cwnd, new data
 * within min(cwnd, peer window) with Nagle (RFC 9293 3.7.4) and sender
 * silly-window avoidance (3.8.6.2.1), the FIN after the data, and ACKs
 * carrying our window (with receiver SWS avoidance, 3.8.6.2.2), the
 * timestamps (RFC 7323) and SACK blocks (RFC 2018).
 *
 * Segments are described, not built: the caller copies each one's payload
 * out of its send buffer at offset seq - snd_una.
 */
#include <string.h>
#include "dps_tcb_priv.h"

#define OOW_RATELIMIT_MS 500		/* tcp_invalid_ratelimit */

/*
 * The window to announce, in header units. It never moves the right edge
 * left (RFC 9293 3.8.6.2.2 / RFC 7323 2.4), and grows only by at least
 * min(half the buffer, one MSS) at a time: receiver SWS avoidance.
 */
static uint16_t
tcb_select_window(struct dps_tcb *t)
{
	uint32_t cur = dps_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	uint32_t room = u32_min(t->rcv_space, t->rcv_ssthresh);
	uint32_t max = 65535u << t->rcv_wscale, gran = 1u << t->rcv_wscale;
	uint32_t wnd = cur, raw;

	if (room > max)
		room = max;
	if (room > cur && room - cur >= u32_min(t->rcv_buf / 2, t->rcv_mss))
		wnd = room;
	/* Linux rounds up to the scale's granularity. */
	raw = (wnd + gran - 1) >> t->rcv_wscale;
	if (raw > 65535)
		raw = 65535;
	if (dps_seq_gt(t->rcv_nxt + (raw << t->rcv_wscale), t->rcv_adv))
		t->rcv_adv = t->rcv_nxt + (raw << t->rcv_wscale);
	return (uint16_t)raw;
}

/*
 * The SACK blocks of an ACK: a pending D-SACK first (RFC 2883 4), then
 * the out-of-order ranges, most recent first (RFC 2018 4), three at most
 * beside the timestamps. The range a D-SACK of out-of-order data lies in
 * is the most recent one, so it comes second, as RFC 2883 4.2 asks.
 */
static void
tcb_sack_blocks(struct dps_tcb *t, struct dps_tcp_out *o)
{
	unsigned int max = sizeof(o->sack) / sizeof(o->sack[0]), k = 0;

	if (t->dsack) {
		o->sack[k++] = t->x->dsack_blk;
		t->dsack = false;
	}
	for (unsigned int i = 0; i < t->n_ooo && k < max; i++) {
		o->sack[k] = t->x->ooo[i];
		/* A FIN kept beyond the hole occupies the sequence number
		 * after its data: the block covers it, as Linux's block
		 * ends at the segment's end_seq (RFC 2018 3 reports what
		 * was received, and the FIN was). */
		if (t->fin_ooo && o->sack[k].right == t->x->fin_seq)
			o->sack[k].right++;
		k++;
	}
	o->n_sack = (uint8_t)k;
}

/* An ACK of everything received, with our window, timestamps and SACK
 * blocks for the out-of-order data, most recent first. */
void
dps_tcb_fill_ack(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o)
{
	memset(o, 0, sizeof(*o));
	o->seq = t->snd_nxt;
	o->ack = t->rcv_nxt;
	o->flags = DPS_TH_ACK;
	o->wnd = tcb_select_window(t);
	o->opts = DPS_TCP_OUT_TS;
	if (t->ts_ok) {
		o->opt.has_ts = true;
		o->opt.tsval = dps_tcb_tsval(t, now);
		o->opt.tsecr = t->ts_recent;
	}
	/* Out-of-order ranges live in the cold half, which a quiet TCB (no
	 * range) may not hold: an abort or close sends this ACK without one. */
	if (t->sack_ok && (t->n_ooo != 0 || t->dsack))
		tcb_sack_blocks(t, o);
	if (!t->ts_ok && o->n_sack == 0)
		o->opts = DPS_TCP_OUT_NONE;
	t->rcv_acked = t->rcv_nxt;
	t->ack_now = false;
	t->dack_at = 0;
}

/*
 * D-SACK (RFC 2883 4): data received twice, all of it below RCV.NXT, is
 * reported as the first SACK block of the ACK it draws, so the sender
 * learns its retransmission was spurious (Linux's tcp_dsack_set() on a
 * duplicate, with net.ipv4.tcp_dsack on by default). The other blocks
 * follow, within the three the option space holds beside timestamps
 * (without them four would fit; dpstack sends three either way).
 * A duplicate that overlaps RCV.NXT or data held out of order is
 * reported by the next ACK (tcb_sack_blocks(), dps_tcb_in.c).
 */
static void
tcb_dsack(const struct dps_tcb *t, const struct dps_tcp_seg *s, struct dps_tcp_out *o)
{
	unsigned int max = sizeof(o->sack) / sizeof(o->sack[0]), k;

	if (!t->sack_ok || s->len == 0 || dps_seq_gt(s->seq + s->len, t->rcv_nxt))
		return;
	k = o->n_sack < max ? o->n_sack : max - 1;
	memmove(&o->sack[1], &o->sack[0], k * sizeof(o->sack[0]));
	o->sack[0].left = s->seq;
	o->sack[0].right = s->seq + s->len;
	o->n_sack = (uint8_t)(k + 1);
	o->opts = DPS_TCP_OUT_TS;
}

/*
 * Linux's tcp_oow_rate_limited(): one out-of-window or challenge ACK per
 * connection each 500 ms. The clock is the TCB's milliseconds plus one,
 * so that 0 stays "none" from the start of the clock on.
 */
static bool
oow_limited(const struct dps_tcb *t, uint64_t now)
{
	return t->last_oow_ack_ms != 0 &&
		dps_tcb_ms(now) + 1 - t->last_oow_ack_ms < OOW_RATELIMIT_MS;
}

static void
oow_sent(struct dps_tcb *t, uint64_t now)
{
	t->last_oow_ack_ms = dps_tcb_ms(now) + 1;
}

void
dps_tcb_oow_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	/* Segments with payload are never limited: their ACK is what a
	 * retransmitting peer needs. */
	bool limited = s->len == 0 || (s->flags & DPS_TH_SYN);

	if (*n >= DPS_TCB_MAX_OUT)
		return;
	if (limited && oow_limited(t, now))
		return;
	if (limited)
		oow_sent(t, now);
	dps_tcb_fill_ack(t, now, &out[*n]);
	tcb_dsack(t, s, &out[(*n)++]);
}

void
dps_tcb_dup_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n)
{
	if (*n >= DPS_TCB_MAX_OUT || !t->sack_ok)
		return;		/* ack_now stands: a plain ACK at output */
	dps_tcb_fill_ack(t, now, &out[*n]);
	tcb_dsack(t, s, &out[(*n)++]);
}

/* The lcore-wide budget of challenge ACKs (RFC 5961 10). */
static bool
chlim_ok(struct dps_tcp_ratelimit *rl, uint64_t now)
{
	uint32_t limit = rl->limit != 0 ? rl->limit : 1000;

	if (now - rl->window_start >= NS_PER_S) {
		rl->window_start = now;
		rl->count = 0;
	}
	if (rl->count >= limit) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	return true;
}

void
dps_tcb_challenge(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n)
{
	if (*n >= DPS_TCB_MAX_OUT)
		return;
	if (oow_limited(t, now))
		return;
	if (t->x->chlim != NULL && !chlim_ok(t->x->chlim, now))
		return;
	oow_sent(t, now);
	t->x->st.challenge_acks++;
	dps_tcb_fill_ack(t, now, &out[(*n)++]);
}

uint32_t
dps_tcb_sacked_in(const struct dps_tcb *t, uint32_t a, uint32_t b)
{
	uint32_t sum = 0;

	for (unsigned int i = 0; i < t->n_sacked; i++) {
		uint32_t l = t->x->sacked[i].left, r = t->x->sacked[i].right;

		if (dps_seq_lt(l, a))
			l = a;
		if (dps_seq_gt(r, b))
			r = b;
		if (dps_seq_lt(l, r))
			sum += r - l;
	}
	return sum;
}

/*
 * RFC 6675 IsLost() as a boundary: an unSACKed byte is lost when more than
 * (DupThresh - 1) * SMSS bytes above it are SACKed (DupThresh = 3). The
 * scoreboard is sorted, so walk it from the top.
 */
uint32_t
dps_tcb_sack_lost_edge(const struct dps_tcb *t)
{
	uint32_t need = 2 * dps_tcb_smss(t), acc = 0;

	for (int i = (int)t->n_sacked - 1; i >= 0; i--) {
		uint32_t len = t->x->sacked[i].right - t->x->sacked[i].left;

		if (acc + len > need)
			return t->x->sacked[i].right - (need - acc);
		acc += len;
	}
	return t->snd_una;
}

static uint32_t
seq_clamp(uint32_t x, uint32_t lo, uint32_t hi)
{
	if (dps_seq_lt(x, lo))
		return lo;
	if (dps_seq_gt(x, hi))
		return hi;
	return x;
}

/*
 * RFC 6675 SetPipe(): bytes believed in the network. Unsent-again lost
 * bytes are out; retransmitted ones (below HighRxt) are back in. Without
 * SACK each duplicate ACK stands for one segment that left the network
 * (Linux's tcp_add_reno_sack()).
 */
uint32_t
dps_tcb_pipe(const struct dps_tcb *t)
{
	uint32_t una = t->snd_una, nxt = t->snd_nxt, lost, hr, pipe, reno;

	lost = (t->in_recovery || t->in_loss) ? seq_clamp(t->x->lost_edge, una, nxt) : una;
	hr = seq_clamp(t->x->high_rxt, una, lost);
	pipe = (nxt - lost) - dps_tcb_sacked_in(t, lost, nxt) + (hr - una) - dps_tcb_sacked_in(t, una, hr);
	if (!t->sack_ok) {
		reno = (uint32_t)t->dupacks * dps_tcb_smss(t);
		pipe -= reno < pipe ? reno : pipe;
	}
	return pipe;
}

/* May this state send data or a FIN? */
static bool
tcb_can_send(const struct dps_tcb *t)
{
	switch (t->state) {
	case DPS_TCPS_ESTABLISHED:
	case DPS_TCPS_CLOSE_WAIT:
	case DPS_TCPS_FIN_WAIT1:
	case DPS_TCPS_CLOSING:
	case DPS_TCPS_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static bool
tcb_fin_sent(const struct dps_tcb *t)
{
	return t->fin_queued && t->snd_nxt == t->snd_end + 1;
}

/*
 * PSH on a segment [@seq, @end) as Linux sets it (RFC 9293 3.9.1, "a push
 * flag on the last segment of a SEND"): tcp_push() marks the last byte of
 * each write, and forced_push() a byte once more than half the largest
 * window went by without one (after(), not at half: a window of two
 * segments pushes the second, not both), so a bulk transfer still
 * pushes every half window. The
 * segment that empties the queue always ends a write.
 */
static bool
tcb_push(const struct dps_tcb *t, uint32_t seq, uint32_t end)
{
	if (end == t->snd_end)
		return true;
	if (dps_seq_lt(seq, t->push_seq) && dps_seq_leq(t->push_seq, end))
		return true;
	return t->max_snd_wnd != 0 &&
		dps_seq_gt(end, t->pushed_seq + t->max_snd_wnd / 2);
}

/* Describe one segment [seq, seq + len) (+ FIN) in @o. */
static inline __attribute__((always_inline)) void
tcb_seg(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o, uint32_t seq,
	uint32_t len, bool fin, bool rexmit)
{
	dps_tcb_fill_ack(t, now, o);
	o->seq = seq;
	o->len = len;
	o->rexmit = rexmit;
	if (fin)
		o->flags |= DPS_TH_FIN;
	if (len != 0 && tcb_push(t, seq, seq + len)) {
		o->flags |= DPS_TH_PSH;
		if (dps_seq_gt(seq + len, t->pushed_seq))
			t->pushed_seq = seq + len;
	}
}

/*
 * The payload of a full segment: the MSS less options, bounded to half
 * the largest window the peer announced (Linux's tcp_bound_to_half_wnd(),
 * which tcp_sync_mss() applies to every send), so that a peer with a
 * window of a few segments still gets more than one in flight: against
 * a 2,560-byte window, two segments of 1,280. Windows of at most 536
 * bytes bound to the whole window; never below 68 bytes of IP datagram.
 */
static uint32_t
tcb_pkt_mss(const struct dps_tcb *t)
{
	uint32_t smss = dps_tcb_smss(t), hdr = DPS_TCP_HLEN + (t->ts_ok ? DPS_TCP_TS_OPT_LEN : 0);
	uint32_t cutoff = t->max_snd_wnd > 536 ? t->max_snd_wnd / 2 : t->max_snd_wnd;

	if (cutoff != 0 && smss > cutoff)
		return cutoff > 68 - hdr ? cutoff : 68 - hdr;
	return smss;
}

/* The first lost, not yet retransmitted byte (RFC 6675 NextSeg() rule
 * 1), and how much of a segment starts there; false when there is none. */
static bool
tcb_next_hole(const struct dps_tcb *t, uint32_t *seq, uint32_t *len)
{
	uint32_t s = dps_seq_gt(t->x->high_rxt, t->snd_una) ? t->x->high_rxt : t->snd_una;
	uint32_t end = seq_clamp(t->x->lost_edge, t->snd_una, t->snd_nxt);

	for (unsigned int i = 0; i < t->n_sacked; i++) {
		const struct dps_sack_blk *b = &t->x->sacked[i];

		if (dps_seq_leq(b->right, s))
			continue;
		if (dps_seq_leq(b->left, s)) {
			s = b->right;
			continue;
		}
		if (dps_seq_lt(b->left, end))
			end = b->left;
		break;
	}
	if (!dps_seq_lt(s, end))
		return false;
	*seq = s;
	*len = u32_min(end - s, tcb_pkt_mss(t));
	return true;
}

/*
 * Did the congestion window stop the retransmissions, with a hole still
 * to resend? Then the window is in use and its ACKs grow it, as for new
 * data that waits on it: after an RTO, the ACK of the one segment resent
 * lets two go (RFC 5681 3.1 slow start; Linux's tcp_is_cwnd_limited()),
 * where without the mark the window stayed at one segment and the
 * third waited for another RTO.
 */
static bool
tcb_rtx_cwnd_limited(const struct dps_tcb *t)
{
	uint32_t seq, len;

	return (t->in_recovery || t->in_loss) && t->cwnd <= dps_tcb_pipe(t) &&
		tcb_next_hole(t, &seq, &len);
}

/* Bookkeeping of a retransmission of [seq, end): RACK's log, PRR's count,
 * the undo count (RFC 3708), Karn's rule, the counters. */
static void
tcb_rexmit_note(struct dps_tcb *t, uint32_t seq, uint32_t end, uint64_t now)
{
	struct dps_tcb_ext *x = t->x;

	dps_rack_sent(t, seq, end, now, true);
	if (t->in_recovery)
		x->prr_out += end - seq;
	if (x->undo_on)
		x->undo_retrans++;
	t->rexmit_now = false;
	x->rtt_seq = 0;			/* Karn */
	x->st.retrans_segs++;
	t->retrans_total++;
}

/* Retransmit one hole; returns false when nothing is to be resent. */
static bool
tcb_retransmit_one(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o)
{
	uint32_t seq, len;
	bool fin;

	if (!tcb_next_hole(t, &seq, &len))
		return false;
	if (t->syn_unacked && seq == t->iss) {
		/* The SYN is unacknowledged yet (close() in SYN_RECV sent
		 * a FIN after it): it goes again first, as the SYN-ACK it
		 * was, like the head of Linux's retransmission queue. */
		dps_tcb_syn(t, now, true, o);
		o->rexmit = true;
		t->x->high_rxt = seq + 1;
		t->rexmit_now = false;
		t->x->rtt_seq = 0;
		t->x->st.retrans_segs++;
		t->retrans_total++;
		return true;
	}
	/* The FIN occupies snd_end; data stops before it. */
	if (dps_seq_gt(seq + len, t->snd_end))
		len = dps_seq_gt(t->snd_end, seq) ? t->snd_end - seq : 0;
	fin = tcb_fin_sent(t) && seq + len == t->snd_end;
	tcb_seg(t, now, o, seq, len, fin, true);
	t->x->high_rxt = seq + len + (fin ? 1 : 0);
	tcb_rexmit_note(t, seq, t->x->high_rxt, now);
	if (t->sack_ok && t->in_recovery) {
		t->x->st.sack_retrans++;
		o->sack_rexmit = true;
	}
	if (t->x->rtx_start_ns == 0)
		t->x->rtx_start_ns = now;
	return true;
}

/*
 * TCP_CORK or MSG_MORE hold a partial last segment back (Linux's
 * TCP_NAGLE_CORK in tcp_nagle_check()), unless a push asked for it
 * (TCP_NAGLE_PUSH: uncorking, TCP_NODELAY, the probe timer) or the FIN
 * follows it (tcp_send_fin() pushes with TCP_NAGLE_OFF).
 */
static bool
tcb_hold(const struct dps_tcb *t)
{
	return (t->cork || t->more) && !t->push_once && !t->fin_queued;
}

bool
dps_tcb_corked_open(const struct dps_tcb *t)
{
	return tcb_hold(t) && dps_seq_lt(t->snd_nxt, t->snd_end) &&
		dps_seq_gt(t->snd_una + t->snd_wnd, t->snd_nxt);
}

/* The largest segment one output may carry: the MSS, or with TSO
 * the whole MSS pieces that fit in tso_max. */
static uint32_t
tcb_seg_cap(const struct dps_tcb *t, uint32_t smss)
{
	return t->tso_max >= 2 * smss ? t->tso_max - t->tso_max % smss : smss;
}

/*
 * How many new bytes may go now, or 0: congestion window (pipe in
 * recovery), the peer's window, Nagle and sender SWS avoidance.
 *
 * With TSO, once a full segment may go, the segment grows to whole MSS
 * pieces within both windows and tso_max, or to the whole rest of the
 * queue when that fits (the rule of Linux's tcp_mss_split_point()); the
 * device cuts it into MSS-sized packets, so the wire sees what it would
 * without TSO, except that a short tail goes without waiting for Nagle.
 */
static inline __attribute__((always_inline)) uint32_t
tcb_new_len(struct dps_tcb *t, uint32_t pipe, uint32_t smss)
{
	uint32_t queued = t->snd_end - t->snd_nxt;
	uint32_t wnd_end = t->snd_una + t->snd_wnd, cc_room, peer_room, len, cap;

	if (!dps_seq_lt(t->snd_nxt, t->snd_end))
		return 0;
	cap = tcb_seg_cap(t, smss);
	cc_room = t->cwnd > pipe ? t->cwnd - pipe : 0;
	peer_room = dps_seq_gt(wnd_end, t->snd_nxt) ? wnd_end - t->snd_nxt : 0;
	len = u32_min(u32_min(queued, smss), u32_min(cc_room, peer_room));
	if (cc_room < u32_min(queued, cap) && cc_room <= peer_room)
		t->cwnd_limited = true;
	if (len == smss && cap > smss) {
		len = u32_min(u32_min(queued, cap), u32_min(cc_room, peer_room));
		return len == queued && !tcb_hold(t) ? len : len - len % smss;
	}
	if (len == 0 || len == smss)
		return len;
	if (len == queued && tcb_hold(t))
		return 0;
	if (len < queued) {
		/* Window-limited: only a sizeable piece (3.8.6.2.1). */
		return len >= t->max_snd_wnd / 2 && len == peer_room ? len : 0;
	}
	/* The whole rest, smaller than a segment: Nagle holds it while an
	 * earlier small segment is unacknowledged (Minshall's variant, as
	 * Linux's tcp_minshall_check()), unless TCP_NODELAY or closing. */
	if (!t->nodelay && !t->fin_queued && dps_tcb_flight(t) != 0 &&
			dps_seq_gt(t->snd_sml, t->snd_una))
		return 0;
	return len;
}

/*
 * The cork holds the end of a write back: the last segment sent before
 * it carries PSH all the same, as Linux's split of the write's skb
 * (tso_fragment()) leaves the flag on the part that goes.
 */
static void
tcb_push_before_hold(struct dps_tcb *t, struct dps_tcp_out *out, unsigned int n)
{
	struct dps_tcp_out *o;

	if (n == 0 || !tcb_hold(t))
		return;
	o = &out[n - 1];
	if (o->len == 0 ||
			t->snd_end - t->snd_nxt >= tcb_pkt_mss(t) ||
			!dps_seq_gt(t->push_seq, t->snd_nxt) ||
			dps_seq_gt(t->push_seq, t->snd_end))
		return;
	o->flags |= DPS_TH_PSH;
	t->pushed_seq = o->seq + o->len;
}

/* A new segment from @seq left: RACK's log, the tail for a probe. PRR
 * counts new data as snd_nxt beyond the recovery point. */
static inline void
tcb_sent_note(struct dps_tcb *t, uint32_t seq, uint64_t now)
{
	dps_rack_sent_new(t, seq, t->snd_nxt, now);
	t->x->tail_seq = seq;
}

/*
 * Send new data (and the FIN after it); a @probe sends one segment
 * whatever cwnd says. The segment size is worked out once, and only when
 * data is queued: nothing in the loop changes it, and most outputs
 * (ACKs, a FIN) send no data. That saved 54 and 14 instructions per HTTP
 * connection (client, server) and 36 per keep-alive request (callgrind,
 * bench/http_conn), where tcb_pkt_mss() ran up to three times an output.
 */
static inline __attribute__((always_inline)) unsigned int
tcb_send_new(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int max, bool probe)
{
	uint32_t smss = dps_seq_lt(t->snd_nxt, t->snd_end) ? tcb_pkt_mss(t) : 0;
	unsigned int n = 0;

	t->cwnd_limited = false;
	while (n < max) {
		uint32_t pipe = probe ? 0 : (t->in_recovery || t->in_loss ||
			t->n_sacked != 0) ? dps_tcb_pipe(t) : dps_tcb_flight(t);
		uint32_t len = tcb_new_len(t, pipe, smss), seq = t->snd_nxt;
		bool fin;

		fin = t->fin_queued && !tcb_fin_sent(t) && seq + len == t->snd_end &&
			(len != 0 || dps_seq_geq(t->snd_una + t->snd_wnd, seq) ||
			 dps_tcb_flight(t) == 0);
		if (len == 0 && !fin)
			break;
		tcb_seg(t, now, &out[n++], seq, len, fin, false);
		if (len == 0 || len % smss != 0)
			t->snd_sml = seq + len;
		t->snd_nxt += len + (fin ? 1 : 0);
		t->snd_max = t->snd_nxt;
		tcb_sent_note(t, seq, now);
		if (t->x->rtt_seq == 0 && !t->in_loss && !t->in_recovery) {
			t->x->rtt_seq = t->snd_nxt;
			t->x->rtt_start = now;
		}
		if (t->rtx_at == 0 || t->persist) {
			t->rtx_at = now + dps_tcb_rto(t);
			t->persist = false;
			t->x->ltimer = DPS_LT_RTO;
		}
		if (fin)
			break;
	}
	if (n != 0 && tcb_hold(t))	/* the call only when it can act */
		tcb_push_before_hold(t, out, n);
	if (n != 0 && dps_tlp_ok(t))
		dps_tlp_set(t, now);	/* Linux: after every transmission */
	return n;
}

/*
 * RFC 8985 7.3 (Linux's tcp_send_loss_probe()): the probe timeout
 * expired. One new segment goes if the peer's window allows it, whatever
 * cwnd says (tcb_send_new() in probe mode sent it: @sent); else the last
 * segment sent goes again, as the last MSS of it. The RTO follows.
 */
static unsigned int
tcb_tlp_send(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o,
	unsigned int room, unsigned int sent)
{
	struct dps_tcb_ext *x = t->x;
	uint32_t end = t->snd_nxt, seq, len;
	bool fin = tcb_fin_sent(t);

	x->tlp_fire = false;
	if (sent == 0) {
		if (room == 0 || dps_tcb_flight(t) == 0) {
			x->tlp_on = false;
			return 0;
		}
		seq = dps_seq_gt(x->tail_seq, t->snd_una) ? x->tail_seq : t->snd_una;
		if (end - seq - (fin ? 1 : 0) > tcb_pkt_mss(t))
			seq = end - (fin ? 1 : 0) - tcb_pkt_mss(t);
		len = end - seq - (fin ? 1 : 0);
		tcb_seg(t, now, o, seq, len, fin, true);
		tcb_rexmit_note(t, seq, end, now);
		x->tlp_rxt = true;
		/* Linux's tcp_rearm_rto(): the RTO runs from the head's
		 * last transmission. */
		if (seq == t->snd_una)
			t->rtx_at = now + dps_tcb_rto(t);
	}
	x->tlp_high = t->snd_nxt;
	x->st.tlp_probes++;
	return sent == 0 ? 1 : 0;
}

/* The output when the probe timer fired: the probe alone, as Linux's
 * tcp_send_loss_probe() sends it. */
static unsigned int
tcb_output_probe(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int max)
{
	unsigned int n = 0;

	t->rexmit_now = false;
	t->x->tlp_on = true;	/* no probe timer after this one */
	t->x->tlp_rxt = false;
	if (tcb_can_send(t) && max != 0) {
		n = tcb_send_new(t, now, out, 1, true);
		n += tcb_tlp_send(t, now, out + n, max - n, n);
	} else {
		t->x->tlp_fire = t->x->tlp_on = false;
	}
	return n;
}

/* Nothing in flight but data (or a FIN) waits for a window: the persist
 * timer (RFC 9293 3.8.6.1) probes the peer. */
static void
tcb_arm_persist(struct dps_tcb *t, uint64_t now)
{
	bool waiting = dps_seq_lt(t->snd_nxt, t->snd_end) ||
		(t->fin_queued && !tcb_fin_sent(t));

	if (dps_tcb_flight(t) != 0 || !waiting || t->rtx_at != 0)
		return;
	t->persist = true;
	t->rtx_at = now + dps_tcb_rto(t);
}

unsigned int
dps_tcb_output(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int max)
{
	unsigned int n = 0;

	if (t->rexmit_now && t->x->tlp_fire)
		return tcb_output_probe(t, now, out, max);
	if (tcb_can_send(t)) {
		bool rtx_limited;

		while (n < max && (t->rexmit_now ||
				((t->in_recovery || t->in_loss) && t->cwnd > dps_tcb_pipe(t)))) {
			if (!tcb_retransmit_one(t, now, &out[n]))
				break;
			n++;
		}
		t->rexmit_now = false;
		rtx_limited = tcb_rtx_cwnd_limited(t);
		n += tcb_send_new(t, now, out + n, max - n, false);
		t->cwnd_limited |= rtx_limited;
		if (n == 0)
			tcb_arm_persist(t, now);
		if (n < max)
			t->push_once = false;	/* TCP_NAGLE_PUSH is spent */
	}
	if (n == 0 && n < max && t->ack_now && t->state != DPS_TCPS_CLOSE &&
			t->state != DPS_TCPS_SYN_SENT && t->state != DPS_TCPS_LISTEN)
		dps_tcb_fill_ack(t, now, &out[n++]);
	return n;
}
