/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: the choice of algorithm, slow start shared by all,
 * and NewReno's congestion avoidance (RFC 5681 3.1). Fast recovery itself
 * (RFC 6675, RFC 6582) is the core's, in dps_tcb_out.c; an algorithm only
 * says how cwnd grows on ACKs and what ssthresh becomes on a loss.
 */
#include "dps_tcp.h"

const struct dps_tcp_cc_ops *
dps_tcp_cc(const struct dps_tcb *t)
{
	return t->cc == DPS_CC_NEWRENO ? &dps_cc_newreno : &dps_cc_cubic;
}

/*
 * RFC 5681 3.1 with RFC 3465 appropriate byte counting: cwnd grows by the
 * bytes acknowledged, up to ssthresh. Without RFC 3465's limit of
 * L = 2 * SMSS per ACK, as Linux's tcp_slow_start() grows by every
 * segment an ACK covers: a stretch ACK (one per GRO batch there, one per
 * poll iteration here) would otherwise hold slow start back.
 */
uint32_t
dps_tcp_slow_start(struct dps_tcb *t, uint32_t acked)
{
	uint32_t inc = acked;
	uint32_t room = t->ssthresh - t->cwnd;

	if (inc > room)
		inc = room;
	t->cwnd += inc;
	return t->cwnd >= t->ssthresh ? acked - inc : 0;
}

static void
reno_init(struct dps_tcb *t, uint64_t now)
{
	(void)now;
	t->cwnd_acc = 0;
}

/* Congestion avoidance: one SMSS per cwnd of bytes acknowledged (RFC
 * 5681 equation 3, counted in bytes as RFC 3465 2.1 suggests). */
static void
reno_ack(struct dps_tcb *t, uint32_t acked, uint64_t now)
{
	uint32_t smss = dps_tcb_smss(t);

	(void)now;
	if (t->cwnd < t->ssthresh) {
		acked = dps_tcp_slow_start(t, acked);
		if (acked == 0)
			return;
	}
	t->cwnd_acc += acked;
	if (t->cwnd_acc >= t->cwnd) {
		t->cwnd_acc -= t->cwnd;
		t->cwnd += smss;
	}
}

/* RFC 5681 equation 4: half the flight, at least two segments. */
static uint32_t
reno_loss(struct dps_tcb *t, uint64_t now)
{
	uint32_t half = dps_tcb_flight(t) / 2, floor = 2 * dps_tcb_smss(t);

	(void)now;
	t->cwnd_acc = 0;
	return half > floor ? half : floor;
}

const struct dps_tcp_cc_ops dps_cc_newreno = {
	.name = "reno",
	.init = reno_init,
	.ack = reno_ack,
	.loss = reno_loss,
};
