/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (RFC 9438), the default congestion control as in Linux. After a
 * loss the window follows
 *
 *   W_cubic(t) = C * (t - K)^3 + W_max          (RFC 9438 4.2, eq. 1)
 *
 * in segments, t seconds into the congestion avoidance epoch: concave
 * up to the window of the last loss (W_max, reached at t = K), then
 * convex beyond it. Where a Reno flow would be faster, CUBIC follows
 * Reno's estimate W_est instead (4.3).
 *
 * The TCB counts cwnd in bytes; the formulas count segments of
 * dps_tcb_smss() bytes. The state is kept in bytes and converted where
 * a formula needs segments.
 *
 * Choices where the RFC leaves room: ssthresh is beta times cwnd, not
 * the flight size (4.6 allows either; Linux uses cwnd), and the epoch
 * clock does not stop while the sender is application-limited (5.8);
 * the core only calls @ack while cwnd-limited, which bounds the harm.
 */
#include <string.h>
#include "dps_tcp.h"

#define CUBIC_C 0.4			/* RFC 9438 4.2, segments / s^3 */
#define CUBIC_BETA 0.7			/* RFC 9438 4.6 */
/* RFC 9438 4.3, eq. 4: Reno's additive increase that matches CUBIC's
 * multiplicative decrease in throughput. */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))
#define NS_PER_S 1e9
/* The RTT to look ahead by before any sample (RFC 9438 leaves it open). */
#define RTT_DEFAULT_NS (100ull * 1000 * 1000)

/* The algorithm's state, stored in t->x->cc_priv. */
struct cubic {
	uint64_t epoch_start;		/* ns; valid when @in_epoch */
	double k;			/* seconds from epoch start to the plateau */
	double w_est;			/* Reno-friendly estimate, bytes */
	uint32_t w_max;			/* cwnd at the last loss, bytes; 0 = none */
	uint32_t origin;		/* plateau of this epoch, bytes */
	bool in_epoch;
};

_Static_assert(sizeof(struct cubic) <= sizeof(((struct dps_tcb_ext *)0)->cc_priv),
	"CUBIC state does not fit in cc_priv");

/* Copy the state out of and back into the TCB (memcpy keeps the
 * overlay within the aliasing rules). */
static void
cubic_load(const struct dps_tcb *t, struct cubic *c)
{
	memcpy(c, t->x->cc_priv, sizeof(*c));
}

static void
cubic_store(struct dps_tcb *t, const struct cubic *c)
{
	memcpy(t->x->cc_priv, c, sizeof(*c));
}

/*
 * Cube root of @x >= 0 by Newton's method, so no libm is needed: scale
 * @x into [1, 8) by powers of 8, where the root is in [1, 2) and six
 * steps from 1.5 reach double precision, then scale the root back.
 */
static double
cubic_cbrt(double x)
{
	double scale = 1.0, y = 1.5;

	if (!(x > 0.0))
		return 0.0;
	while (x >= 8.0) {
		x /= 8.0;
		scale *= 2.0;
	}
	while (x < 1.0) {
		x *= 8.0;
		scale /= 2.0;
	}
	for (int i = 0; i < 8; i++)
		y = (2.0 * y + x / (y * y)) / 3.0;
	return y * scale;
}

/* W_cubic(@sec) in bytes (RFC 9438 4.2, eq. 1). */
static double
cubic_w(const struct cubic *c, double sec, uint32_t smss)
{
	double d = sec - c->k;

	return CUBIC_C * d * d * d * smss + c->origin;
}

/* The RTT CUBIC looks ahead by: the smoothed one, else the minimum. */
static uint64_t
cubic_rtt(const struct dps_tcb *t)
{
	if (t->srtt_us8 != 0)
		return dps_tcb_srtt(t);
	if (t->min_rtt_us != 0)
		return dps_tcb_min_rtt(t);
	return RTT_DEFAULT_NS;
}

/*
 * Start an epoch at the first ACK of congestion avoidance (RFC 9438 4.2).
 * Below the last loss's window the curve climbs back to it in K seconds
 * (eq. 2); at or above it (no loss yet, or slow start overshot) the
 * plateau is where we are and the curve is convex from now on (4.10).
 */
static void
cubic_epoch(struct dps_tcb *t, struct cubic *c, uint64_t now)
{
	uint32_t smss = dps_tcb_smss(t);

	c->in_epoch = true;
	c->epoch_start = now;
	c->w_est = t->cwnd;
	t->cwnd_acc = 0;
	if (c->w_max > t->cwnd) {
		c->k = cubic_cbrt((double)(c->w_max - t->cwnd) / smss / CUBIC_C);
		c->origin = c->w_max;
	} else {
		c->k = 0.0;
		c->origin = t->cwnd;
	}
}

/*
 * Reno's window for the same ACKs (RFC 9438 4.3, eq. 4): alpha segments
 * per window acknowledged, and Reno's one segment once W_est has passed
 * the window of the last loss.
 */
static void
cubic_reno_est(const struct dps_tcb *t, struct cubic *c, uint32_t acked)
{
	double alpha = c->w_est >= c->w_max ? 1.0 : CUBIC_ALPHA;

	c->w_est += alpha * acked * dps_tcb_smss(t) / t->cwnd;
}

/*
 * Concave and convex regions (RFC 9438 4.4, 4.5): aim at W_cubic one RTT
 * ahead, within [cwnd, 1.5 cwnd], and grow by (target - cwnd) / cwnd
 * segments per segment acknowledged. The growth collects in bytes in
 * t->cwnd_acc and moves cwnd a whole SMSS at a time; what is left is
 * under one SMSS, so stale credit can never carry cwnd past the target
 * by more than a segment.
 */
static void
cubic_grow(struct dps_tcb *t, double target, uint32_t acked)
{
	uint32_t smss = dps_tcb_smss(t), n;
	double hi = 1.5 * t->cwnd;

	if (hi > UINT32_MAX)
		hi = UINT32_MAX;
	if (target > hi)
		target = hi;
	if (target <= t->cwnd)
		return;
	t->cwnd_acc += (uint32_t)((target - t->cwnd) * acked / t->cwnd);
	n = t->cwnd_acc / smss;
	t->cwnd_acc -= n * smss;
	t->cwnd += n * smss;
}

/*
 * An ACK of @acked bytes while cwnd-limited: slow start below ssthresh
 * (RFC 9438 4.10), then, with what is left, congestion avoidance in the
 * Reno-friendly region when W_cubic(t) is below W_est (4.3: cwnd =
 * W_est), else in the concave or convex region (4.4, 4.5). Slow start
 * ends any epoch: the next one begins where slow start stops.
 */
static void
cubic_ack(struct dps_tcb *t, uint32_t acked, uint64_t now)
{
	struct cubic c;
	double sec, rtt;

	cubic_load(t, &c);
	if (t->cwnd < t->ssthresh) {
		c.in_epoch = false;
		acked = dps_tcp_slow_start(t, acked);
		if (acked == 0) {
			cubic_store(t, &c);
			return;
		}
	}
	if (!c.in_epoch)
		cubic_epoch(t, &c, now);
	sec = (double)(now - c.epoch_start) / NS_PER_S;
	rtt = (double)cubic_rtt(t) / NS_PER_S;
	cubic_reno_est(t, &c, acked);
	if (cubic_w(&c, sec, dps_tcb_smss(t)) >= c.w_est)
		cubic_grow(t, cubic_w(&c, sec + rtt, dps_tcb_smss(t)), acked);
	if (c.w_est > t->cwnd)
		t->cwnd = c.w_est > UINT32_MAX ? UINT32_MAX : (uint32_t)c.w_est;
	cubic_store(t, &c);
}

/*
 * Congestion event (RFC 9438 4.6, 4.7): remember the window it happened
 * at, less when it came below the previous one (fast convergence: give
 * up bandwidth to newer flows), end the epoch, and return
 * ssthresh = beta * cwnd, at least two segments.
 */
static uint32_t
cubic_loss(struct dps_tcb *t, uint64_t now)
{
	struct cubic c;
	uint32_t floor = 2 * dps_tcb_smss(t);
	uint32_t ssthresh = (uint32_t)(t->cwnd * CUBIC_BETA);

	(void)now;
	cubic_load(t, &c);
	if (t->cwnd < c.w_max)
		c.w_max = (uint32_t)(t->cwnd * (1.0 + CUBIC_BETA) / 2.0);
	else
		c.w_max = t->cwnd;
	c.in_epoch = false;
	t->cwnd_acc = 0;
	cubic_store(t, &c);
	return ssthresh > floor ? ssthresh : floor;
}

/* A new connection: no loss seen, no epoch. */
static void
cubic_init(struct dps_tcb *t, uint64_t now)
{
	(void)now;
	memset(t->x->cc_priv, 0, sizeof(t->x->cc_priv));
	t->cwnd_acc = 0;
}

const struct dps_tcp_cc_ops dps_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ack = cubic_ack,
	.loss = cubic_loss,
};
