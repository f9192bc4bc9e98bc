/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_RATE_H
#define DPS_APP_RATE_H

/*
 * The client's --rate: a schedule, not a bucket. Send k (from 0) is due
 * at a fixed time after the schedule's start, k + 1 periods at full
 * rate, and during --ramp where the integral of the linearly growing
 * rate reaches k + 1. A caller that falls behind (its CPU taken away, a
 * response late on the one connection of rr) finds every missed send
 * due at once and catches up, so the rate over a run is the target
 * whatever the stalls, as wrk2's is. Each send's due time is its
 * intended send time: latency measured from it counts the wait a stalled
 * server imposes (coordinated omission, as wrk2 corrects it).
 *
 * Pure arithmetic on a TSC the caller passes: no clock is read here, so
 * tests run it on a virtual one.
 */

#include <stdbool.h>
#include <stdint.h>

struct app_rate {
	double per_tsc;		/* sends per TSC tick at full rate */
	double ramp_tsc;	/* ticks of the linear ramp; 0 = none */
	uint64_t t0;		/* TSC of the schedule's start */
	uint64_t spent;		/* sends taken or skipped so far */
};

/* A schedule of @p per_s sends a second on a TSC of @p hz ticks a
 * second, growing linearly from 0 over @p ramp_tsc ticks, from @p t0. */
void app_rate_init(struct app_rate *r, double per_s, uint64_t hz,
	uint64_t ramp_tsc, uint64_t t0);

/* How many sends are due by @p tsc (taken or not). */
uint64_t app_rate_due(const struct app_rate *r, uint64_t tsc);

/* The TSC at which send @p k (from 0) is due: its intended send time. */
uint64_t app_rate_intended(const struct app_rate *r, uint64_t k);

/* Take the next send if it is due by @p tsc: true, and *@p intended
 * (may be NULL) its intended send time; false when none is due. */
bool app_rate_take(struct app_rate *r, uint64_t tsc, uint64_t *intended);

/* Undo the last app_rate_take() (the send could not be made). */
void app_rate_untake(struct app_rate *r);

/* Open loop: sends more than @p max_behind behind the schedule at
 * @p tsc are dropped from it (skipped, not saved up for a burst);
 * returns how many. */
uint64_t app_rate_skip_late(struct app_rate *r, uint64_t tsc, uint64_t max_behind);

#endif
