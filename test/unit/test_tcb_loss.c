/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss recovery as Linux 6.x does it, on the virtual clock: RACK's marking
 * by time and its reordering timer (RFC 8985 6), the tail loss probe
 * (RFC 8985 7), PRR in recovery (RFC 6937), the undo of a needless
 * reduction on D-SACK (RFC 2883, RFC 3708), and D-SACK generation for
 * partial and out-of-order duplicates.
 *
 * The fixture's world: a 10 ms RTT (so min_rtt and SRTT are 10 ms, the
 * RTO 210 ms), SACK and timestamps on, segments of SMSS sent at TE + 1 ms.
 */
#include <inttypes.h>
#include <criterion/criterion.h>

#include "tcb_fixture.h"

#define S0	(ISS + 1)
#define SEG(i)	(S0 + (i) * SMSS)

/* An ACK of @ack from the peer with one SACK block [@l, @r). */
static struct dps_tcp_seg
sack_seg(uint32_t ack, uint32_t l, uint32_t r)
{
	struct dps_tcp_seg s = pseg(DPS_TH_ACK, PEER_ISN + 1, ack, 0);

	s.n_sack = 1;
	s.sack[0].left = l;
	s.sack[0].right = r;
	return s;
}

static int
feed_sack(struct dps_tcb *t, uint32_t ack, uint32_t l, uint32_t r, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	return feed(t, sack_seg(ack, l, r), now, out, &n);
}

/* RFC 8985 6.2: one segment SACKed above a hole leaves it alone for the
 * reordering window, min_rtt / 4; the timer (6.3, armed two jiffies later
 * as Linux arms it) then marks it lost, and recovery resends only it. */
Test(tcb_rack, reorder_timer_marks_the_hole_lost)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t at = TE + MS + 10 * MS + 10 * MS / 4 + DPS_TCP_TIMEOUT_MIN_NS;

	established_in_flight(&t, NULL, 4);
	feed_sack(&t, S0, SEG(1), SEG(2), TE + 11 * MS);
	cr_assert_not(t.in_recovery, "one SACKed segment: reordering, maybe");
	cr_assert_eq(output(&t, TE + 11 * MS, out), 0, "nothing resent yet");
	cr_assert_eq(t.x->ltimer, DPS_LT_REO);
	cr_assert_eq(dps_tcb_deadline(&t), at, "timer %" PRIu64 " want %" PRIu64, dps_tcb_deadline(&t), at);
	cr_assert_eq(timeout(&t, at, out, &n), DPS_TCB_OUTPUT);
	cr_assert(t.in_recovery);
	cr_assert_eq(t.x->st.rack_lost, 1);
	n = output(&t, at, out);
	cr_assert_eq(n, 1, "only the hole: %u", n);
	cr_assert_eq(out[0].seq, S0);
	cr_assert(out[0].rexmit);
	cr_assert_eq(t.x->st.rto_count, 0);
}

/* The hole fills within the window: no retransmission, and the delivery
 * below the SACKed segment counts as reordering (Linux's reord_seen). */
Test(tcb_rack, reordering_within_the_window_is_tolerated)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	established_in_flight(&t, NULL, 4);
	feed_sack(&t, S0, SEG(1), SEG(2), TE + 11 * MS);
	feed_sack(&t, SEG(4), SEG(1), SEG(2), TE + 12 * MS);
	cr_assert_eq(t.snd_una, SEG(4));
	cr_assert(t.reord_seen);
	cr_assert_not(t.in_recovery);
	cr_assert_eq(output(&t, TE + 14 * MS, out), 0);
	cr_assert_eq(t.x->st.retrans_segs, 0);
	cr_assert_eq(t.rtx_at, 0, "nothing in flight, no timer");
}

/* Before any reordering, three SACKed segments mark the hole lost at once
 * (reo_wnd 0, Linux's dupthresh rule inside RACK). */
Test(tcb_rack, three_sacked_segments_mark_at_once)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	established_in_flight(&t, NULL, 5);
	feed_sack(&t, S0, SEG(1), SEG(4), TE + 11 * MS);
	cr_assert(t.in_recovery);
	n = output(&t, TE + 11 * MS, out);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].seq, S0);
}

/* Once reordering was seen, three SACKed segments are not enough: the
 * hole waits for the window, then the timer marks it. */
Test(tcb_rack, after_reordering_time_decides)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	established_in_flight(&t, NULL, 5);
	t.reord_seen = true;
	feed_sack(&t, S0, SEG(1), SEG(4), TE + 11 * MS);
	cr_assert_not(t.in_recovery);
	cr_assert_eq(output(&t, TE + 11 * MS, out), 0);
	cr_assert_eq(t.x->ltimer, DPS_LT_REO);
	cr_assert_eq(timeout(&t, dps_tcb_deadline(&t), out, &n), DPS_TCB_OUTPUT);
	cr_assert(t.in_recovery);
}

/* RFC 8985 7.2-7.3: a lost tail. The probe timeout, two SRTTs plus two
 * jiffies, comes long before the RTO; with nothing new to send, the last
 * segment goes again; then the RTO is armed, not backed off. */
Test(tcb_tlp, probe_resends_the_last_segment)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t pto = TE + MS + 2 * 10 * MS + DPS_TCP_TIMEOUT_MIN_NS;

	established_in_flight(&t, NULL, 3);
	cr_assert_eq(t.x->ltimer, DPS_LT_TLP);
	cr_assert_eq(dps_tcb_deadline(&t), pto);
	cr_assert_eq(timeout(&t, pto, out, &n), DPS_TCB_OUTPUT);
	cr_assert_eq(n, 0);
	n = output(&t, pto, out);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].seq, SEG(2), "the last segment");
	cr_assert_eq(out[0].len, SMSS);
	cr_assert(out[0].rexmit);
	cr_assert(t.x->tlp_on && t.x->tlp_rxt);
	cr_assert_eq(t.x->st.tlp_probes, 1);
	cr_assert_eq(t.x->st.rto_count, 0);
	cr_assert_eq(dps_tcb_rto(&t), RTO0, "no backoff");
	cr_assert_eq(t.x->ltimer, DPS_LT_RTO);
	cr_assert_eq(dps_tcb_deadline(&t), TE + MS + RTO0, "the RTO of the head");
	cr_assert_eq(output(&t, pto, out), 0, "one probe");
}

/* With data that cwnd held back and the peer's window open, the probe is
 * new data. */
Test(tcb_tlp, probe_sends_new_data_first)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t pto = TE + MS + 2 * 10 * MS + DPS_TCP_TIMEOUT_MIN_NS;

	establish(&t);
	dps_tcb_queue(&t, 11 * SMSS);
	cr_assert_eq(output(&t, TE + MS, out), DPS_TCP_INIT_CWND);
	cr_assert_eq(timeout(&t, pto, out, &n), DPS_TCB_OUTPUT);
	n = output(&t, pto, out);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].seq, SEG(10));
	cr_assert_not(out[0].rexmit);
	cr_assert_eq(t.snd_nxt, SEG(11));
	cr_assert(t.x->tlp_on);
	cr_assert_not(t.x->tlp_rxt);
}

/* One segment in flight: the probe timeout allows for the delayed ACK
 * (TCP_RTO_MIN) and so comes at the RTO's time; the probe goes instead of
 * the RTO, and the RTO follows one RTO later. */
Test(tcb_tlp, single_segment_probes_at_the_rto)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t at = TE + MS + RTO0;

	establish(&t);
	dps_tcb_queue(&t, 100);
	cr_assert_eq(output(&t, TE + MS, out), 1);
	cr_assert_eq(t.x->ltimer, DPS_LT_TLP);
	cr_assert_eq(dps_tcb_deadline(&t), at);
	timeout(&t, at, out, &n);
	cr_assert_eq(output(&t, at, out), 1);
	cr_assert(out[0].rexmit);
	cr_assert_eq(t.x->st.rto_count, 0);
	cr_assert_eq(dps_tcb_deadline(&t), at + RTO0);
	cr_assert_eq(timeout(&t, at + RTO0, out, &n), DPS_TCB_OUTPUT);
	cr_assert_eq(t.x->st.rto_count, 1);
	cr_assert_eq(dps_tcb_rto(&t), 2 * RTO0);
}

/* RFC 8985 7.4: a D-SACK for the probe shows the original arrived too:
 * the episode ends with no reduction. */
Test(tcb_tlp, dsack_of_the_probe_keeps_cwnd)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t pto = TE + MS + 2 * 10 * MS + DPS_TCP_TIMEOUT_MIN_NS;
	uint32_t cwnd;

	established_in_flight(&t, NULL, 3);
	timeout(&t, pto, out, &n);
	cr_assert_eq(output(&t, pto, out), 1);
	cwnd = t.cwnd;
	feed_sack(&t, SEG(3), SEG(2), SEG(3), pto + 10 * MS);
	cr_assert_not(t.x->tlp_on);
	cr_assert_geq(t.cwnd, cwnd, "no reduction: cwnd %u was %u", t.cwnd, cwnd);
}

/* RFC 6937 PRR-SSRB: in recovery, a SACK delivering one segment lets one
 * segment go, where cwnd = ssthresh would let several. */
Test(tcb_prr, one_segment_per_segment_delivered)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	established_in_flight(&t, NULL, 10);
	dps_tcb_queue(&t, 10 * SMSS);
	feed_sack(&t, S0, SEG(1), SEG(4), TE + 11 * MS);
	cr_assert(t.in_recovery);
	n = output(&t, TE + 11 * MS, out);
	cr_assert_eq(n, 1, "the fast retransmit alone: %u", n);
	cr_assert(out[0].rexmit);
	feed_sack(&t, S0, SEG(1), SEG(5), TE + 12 * MS);
	n = output(&t, TE + 12 * MS, out);
	cr_assert_eq(n, 1, "one delivered, one sent: %u", n);
	cr_assert_eq(out[0].seq, SEG(10));
	feed_sack(&t, S0, SEG(1), SEG(6), TE + 13 * MS);
	n = output(&t, TE + 13 * MS, out);
	cr_assert_eq(n, 1, "%u", n);
	cr_assert_eq(out[0].seq, SEG(11));
}

/* The symptom: an ACK below SND.UNA in recovery (a reordered old
 * one) must not stop the sending; the next SACK lets data go. */
Test(tcb_prr, old_ack_in_recovery_does_not_stall)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;

	established_in_flight(&t, NULL, 10);
	dps_tcb_queue(&t, 10 * SMSS);
	feed_sack(&t, SEG(1), SEG(2), SEG(5), TE + 11 * MS);
	cr_assert(t.in_recovery);
	n = output(&t, TE + 11 * MS, out);
	cr_assert_geq(n, 1);
	cr_assert(out[0].rexmit);
	cr_assert_eq(out[0].seq, SEG(1));
	feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, S0, 0), TE + 12 * MS, out, &n);
	cr_assert_eq(t.snd_una, SEG(1));
	output(&t, TE + 12 * MS, out);
	feed_sack(&t, SEG(1), SEG(2), SEG(6), TE + 13 * MS);
	n = output(&t, TE + 13 * MS, out);
	cr_assert_geq(n, 1, "the data keeps flowing");
	cr_assert_not(out[0].rexmit);
}

/* RFC 3708 with D-SACK: the one retransmission of a recovery comes back
 * D-SACKed after the recovery ended: cwnd and ssthresh go back. */
Test(tcb_undo, dsack_of_every_retransmission_undoes)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	struct dps_tcp_seg s;
	unsigned int n;
	uint32_t cwnd0, ssthresh0;

	established_in_flight(&t, NULL, 4);
	cwnd0 = t.cwnd;
	ssthresh0 = t.ssthresh;
	feed_sack(&t, S0, SEG(1), SEG(4), TE + 11 * MS);
	cr_assert(t.in_recovery);
	cr_assert_eq(output(&t, TE + 11 * MS, out), 1);
	cr_assert_lt(t.ssthresh, ssthresh0);
	feed(&t, pseg(DPS_TH_ACK, PEER_ISN + 1, SEG(4), 0), TE + 21 * MS, out, &n);
	cr_assert_not(t.in_recovery);
	cr_assert_eq(t.cwnd, t.ssthresh, "recovery ends at ssthresh, whatever PRR "
		"left (pipe was small): cwnd %u", t.cwnd);
	cr_assert_lt(t.cwnd, cwnd0, "reduced: %u", t.cwnd);
	s = sack_seg(SEG(4), S0, SEG(1));
	feed(&t, s, TE + 22 * MS, out, &n);
	cr_assert_eq(t.x->st.undos, 1);
	cr_assert_eq(t.cwnd, cwnd0);
	cr_assert_eq(t.ssthresh, ssthresh0);
}

/* A D-SACK that covers only part of the retransmissions undoes nothing. */
Test(tcb_undo, partial_dsack_keeps_the_reduction)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint32_t cwnd0;

	established_in_flight(&t, NULL, 8);
	cwnd0 = t.cwnd;
	feed_sack(&t, S0, SEG(1), SEG(2), TE + 11 * MS);
	feed(&t, sack_seg(S0, SEG(3), SEG(8)), TE + 11 * MS, out, &n);
	cr_assert(t.in_recovery);
	n = output(&t, TE + 11 * MS, out);
	cr_assert_geq(n, 2, "both holes: %u", n);
	feed(&t, sack_seg(SEG(8), S0, SEG(1)), TE + 21 * MS, out, &n);
	cr_assert_eq(t.x->st.undos, 0);
	cr_assert_lt(t.cwnd, cwnd0);
}

/* Established; 1000 bytes from the peer at @seq1, then 1000 at @seq2:
 * the one ACK output sends after the second is in out[0]. */
static void
ack_of_second(struct dps_tcb *t, uint32_t seq1, uint32_t seq2, struct dps_tcp_out *out)
{
	unsigned int n;

	establish(t);
	feed(t, pseg(DPS_TH_ACK, seq1, S0, 1000), TE + MS, out, &n);
	output(t, TE + MS, out);
	feed(t, pseg(DPS_TH_ACK, seq2, S0, 1000), TE + 2 * MS, out, &n);
	cr_assert_eq(output(t, TE + 2 * MS, out), 1);
}

/* RFC 2883 4.1.2: data partly received before; the ACK D-SACKs the part. */
Test(tcb_dsack, partial_duplicate_is_reported)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	ack_of_second(&t, PEER_ISN + 1, PEER_ISN + 501, out);
	cr_assert_eq(out[0].ack, PEER_ISN + 1501);
	cr_assert_eq(out[0].n_sack, 1);
	cr_assert_eq(out[0].sack[0].left, PEER_ISN + 501);
	cr_assert_eq(out[0].sack[0].right, PEER_ISN + 1001);
	cr_assert_not(t.dsack, "reported once");
}

/* RFC 2883 4.2: out-of-order data received twice: the D-SACK block, then
 * the SACK block that holds it. */
Test(tcb_dsack, out_of_order_duplicate_is_reported)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	ack_of_second(&t, PEER_ISN + 1001, PEER_ISN + 1001, out);
	cr_assert_eq(out[0].ack, PEER_ISN + 1);
	cr_assert_eq(out[0].n_sack, 2);
	cr_assert_eq(out[0].sack[0].left, PEER_ISN + 1001);
	cr_assert_eq(out[0].sack[0].right, PEER_ISN + 2001);
	cr_assert_eq(out[0].sack[1].left, PEER_ISN + 1001);
	cr_assert_eq(out[0].sack[1].right, PEER_ISN + 2001);
}
