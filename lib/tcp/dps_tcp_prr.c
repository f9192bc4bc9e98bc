/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proportional Rate Reduction (RFC 6937), as Linux's tcp_cwnd_reduction()
 * applies it during fast recovery: on every ACK, cwnd becomes pipe plus
 * what may be sent now. While pipe is above ssthresh, sending follows the
 * deliveries in the proportion ssthresh / cwnd at the start; below it,
 * PRR-SSRB lets pipe climb back to ssthresh by at most the bytes just
 * delivered plus one segment (when SND.UNA moved and no new loss was
 * found). Counts are in bytes where Linux counts packets; prr_out holds
 * the retransmitted bytes, the new ones are those beyond the recovery
 * point.
 */
#include "dps_tcb_priv.h"

void
dps_prr_start(struct dps_tcb *t)
{
	struct dps_tcb_ext *x = t->x;

	x->prr_delivered = 0;
	x->prr_out = 0;
	if (x->prior_cwnd == 0 || !x->undo_on)
		x->prior_cwnd = t->cwnd;
}

void
dps_prr_ack(struct dps_tcb *t, uint32_t delivered, bool una_moved)
{
	struct dps_tcb_ext *x = t->x;
	uint32_t pipe = dps_tcb_pipe(t), smss = dps_tcb_smss(t);
	uint32_t out = x->prr_out + (t->snd_nxt - x->recovery_point);
	uint64_t sndcnt;

	if (delivered == 0 || x->prior_cwnd == 0)
		return;
	x->prr_delivered += delivered;
	if (pipe > t->ssthresh) {
		uint64_t share = ((uint64_t)t->ssthresh * x->prr_delivered +
			x->prior_cwnd - 1) / x->prior_cwnd;

		sndcnt = share > out ? share - out : 0;
	} else {
		uint32_t room = t->ssthresh - pipe;

		sndcnt = x->prr_delivered > out ? x->prr_delivered - out : 0;
		if (sndcnt < delivered)
			sndcnt = delivered;
		if (una_moved)
			sndcnt += smss;
		if (sndcnt > room)
			sndcnt = room;
	}
	/* The fast retransmit goes whatever the count says. */
	if (out == 0 && sndcnt < smss)
		sndcnt = smss;
	t->cwnd = pipe + (uint32_t)sndcnt;
}
