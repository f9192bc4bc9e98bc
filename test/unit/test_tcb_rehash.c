/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new flow hash asked for on duplicate data (issue 17): data we already
 * had, arriving over IPv6 under another flow label than the last data,
 * means the peer timed out and moved its path; our ACKs are asked to
 * move too (st.dup_rehash), as Linux's tcp_rcv_spurious_retrans() does
 * with lrcv_flowlabel: not under the same label, not while we are in
 * loss recovery after our own timeout, never over IPv4.
 *
 * The fixture's world (tcb_fixture.h) on the virtual clock; the peer's
 * data starts at PEER_ISN + 1.
 */
#include <criterion/criterion.h>

#include "tcb_fixture.h"

#define R0	(PEER_ISN + 1)
#define L1	(DPS_TCP_FLOW_V6 | 0x1a2b3u)
#define L2	(DPS_TCP_FLOW_V6 | 0x4c5d6u)

/* 1000 bytes of the peer's data at @seq, acknowledging @ack, under @flow
 * (0: over IPv4). */
static int
peer_data(struct dps_tcb *t, uint32_t seq, uint32_t ack, uint32_t flow, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg s = pseg(DPS_TH_ACK, seq, ack, 1000);
	unsigned int n;

	s.flow = flow;
	return feed(t, s, now, out, &n);
}

/* Established; the peer's first 1000 bytes arrive under @first, and come
 * again under @again. Returns the count of rehashes asked for. */
static uint32_t
dup_after(struct dps_tcb *t, uint32_t first, uint32_t again)
{
	establish(t);
	cr_assert_eq(peer_data(t, R0, ISS + 1, first, TE + MS) & DPS_TCB_DATA, DPS_TCB_DATA);
	cr_assert_eq(t->rcv_nxt, R0 + 1000);
	cr_assert_eq(t->x->st.dup_rehash, 0, "new data never asks");
	peer_data(t, R0, ISS + 1, again, TE + 300 * MS);
	cr_assert_eq(t->rcv_nxt, R0 + 1000);
	return t->x->st.dup_rehash;
}

Test(tcb_rehash, duplicate_under_a_new_label_asks)
{
	struct dps_tcb t;

	cr_assert_eq(dup_after(&t, L1, L2), 1);
	/* The new label is the one kept: the same again asks nothing. */
	peer_data(&t, R0, ISS + 1, L2, TE + 900 * MS);
	cr_assert_eq(t.x->st.dup_rehash, 1);
}

Test(tcb_rehash, duplicate_under_the_same_label_does_not)
{
	struct dps_tcb t;

	cr_assert_eq(dup_after(&t, L1, L1), 0);
}

/* Only the label counts: a label of 0 is a label too. */
Test(tcb_rehash, label_zero_against_another)
{
	struct dps_tcb t;

	cr_assert_eq(dup_after(&t, DPS_TCP_FLOW_V6, L1), 1);
}

/* The label saved is that of the last in-order data, not the first. */
Test(tcb_rehash, last_data_label_is_kept)
{
	struct dps_tcb t;

	establish(&t);
	peer_data(&t, R0, ISS + 1, L1, TE + MS);
	peer_data(&t, R0 + 1000, ISS + 1, L2, TE + 2 * MS);
	peer_data(&t, R0 + 1000, ISS + 1, L2, TE + 300 * MS);
	cr_assert_eq(t.x->st.dup_rehash, 0);
	peer_data(&t, R0, ISS + 1, L1, TE + 600 * MS);
	cr_assert_eq(t.x->st.dup_rehash, 1);
}

Test(tcb_rehash, ipv4_never_asks)
{
	struct dps_tcb t;

	cr_assert_eq(dup_after(&t, 0, 0), 0);
	/* Nor does an IPv4 duplicate after IPv6 data (the label is absent,
	 * not 0). */
	cr_assert_eq(dup_after(&t, L1, 0), 0);
}

/* In loss recovery after our own RTO the labels change already: a
 * duplicate under a new label asks nothing, but its label is kept. */
Test(tcb_rehash, not_in_loss)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;
	unsigned int n;
	uint64_t now = 0;

	established_in_flight(&t, NULL, 2);
	peer_data(&t, R0, ISS + 1, L1, TE + 2 * MS);
	/* The tail loss probe's timer first, then the RTO. */
	for (int i = 0; i < 3 && !t.in_loss; i++) {
		now = t.rtx_at;
		timeout(&t, now, out, &n);
	}
	cr_assert(t.in_loss, "the RTO entered loss");
	peer_data(&t, R0, ISS + 1, L2, now + MS);
	cr_assert(t.in_loss);
	cr_assert_eq(t.x->st.dup_rehash, 0, "in loss: no rehash");
	cr_assert_eq(t.x->lrcv_flow & DPS_TCP_FLOW_LABEL, L2 & DPS_TCP_FLOW_LABEL,
		"the label is kept all the same");
	/* Out of loss (everything acknowledged), the next new label asks. */
	feed(&t, pseg(DPS_TH_ACK, R0 + 1000, t.snd_max, 0), now + 2 * MS, out, &n);
	cr_assert_not(t.in_loss, "all acknowledged: loss over");
	peer_data(&t, R0, t.snd_max, L1, now + 300 * MS);
	cr_assert_eq(t.x->st.dup_rehash, 1);
}

/* A duplicate the sequence test refuses (below our last ACK) draws a
 * duplicate ACK with D-SACK, and counts as duplicate data too (Linux's
 * tcp_send_dupack()). */
Test(tcb_rehash, unacceptable_duplicate_asks)
{
	struct dps_tcp_out out[NOUT];
	struct dps_tcb t;

	establish(&t);
	peer_data(&t, R0, ISS + 1, L1, TE + MS);
	output(&t, TE + MS, out);
	peer_data(&t, R0 + 1000, ISS + 1, L1, TE + 2 * MS);
	output(&t, TE + 2 * MS, out);
	cr_assert_eq(t.rcv_acked, R0 + 2000);
	peer_data(&t, R0, ISS + 1, L2, TE + 300 * MS);
	cr_assert_eq(t.x->st.dup_rehash, 1);
}

/* A FIN sent again in CLOSE_WAIT is duplicate data too (it takes a
 * sequence number; Linux hands it to tcp_data_queue()). */
Test(tcb_rehash, duplicate_fin_asks)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcb t;
	struct dps_tcp_seg s;
	unsigned int n;

	establish(&t);
	s = pseg(DPS_TH_ACK | DPS_TH_FIN, R0, ISS + 1, 0);
	s.flow = L1;
	feed(&t, s, TE + MS, out, &n);
	cr_assert_eq(t.state, DPS_TCPS_CLOSE_WAIT);
	s.flow = L2;
	feed(&t, s, TE + 300 * MS, out, &n);
	cr_assert_eq(t.x->st.dup_rehash, 1);
}

/* A SYN PAWS refuses draws a challenge ACK in Linux, not a duplicate ACK:
 * it asks nothing, whatever it carries. */
Test(tcb_rehash, refused_syn_does_not_ask)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcb t;
	struct dps_tcp_seg s;
	unsigned int n;

	establish(&t);
	peer_data(&t, R0, ISS + 1, L1, TE + MS);
	s = pseg(DPS_TH_SYN | DPS_TH_ACK, R0, ISS + 1, 1000);
	s.opt.tsval = PEER_TSVAL - 5;	/* older than TS.Recent */
	s.flow = L2;
	feed(&t, s, TE + 300 * MS, out, &n);
	cr_assert_eq(t.x->st.paws_drops, 1, "not the PAWS path");
	cr_assert_eq(t.x->st.dup_rehash, 0);
}
