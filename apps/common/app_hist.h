/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_HIST_H
#define DPS_APP_HIST_H

/*
 * A log-linear latency histogram with bounded relative error, in the
 * manner of HdrHistogram: values (nanoseconds) fall into buckets whose
 * width is a fixed fraction of their magnitude (2^-APP_HIST_SUB_BITS,
 * under 1% with 7 sub-bits), so any percentile is exact to within that
 * fraction from 1 ns to about six days, in a fixed 44 KiB.
 * Recording is a handful of instructions with no allocation; each lcore
 * records into its own and the reporter merges them.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define APP_HIST_SUB_BITS 7		/* 128 linear sub-buckets per power of two */
#define APP_HIST_MAX_EXP 42		/* 43 groups of 128 buckets: up to 2^49 ns */
#define APP_HIST_BUCKETS ((APP_HIST_MAX_EXP + 1) << APP_HIST_SUB_BITS)

struct app_hist {
	uint64_t count;
	uint64_t min, max;		/* exact */
	uint64_t sum;			/* for the mean */
	uint64_t b[(APP_HIST_MAX_EXP + 1) << APP_HIST_SUB_BITS];
};

/* Empty @p h. */
void app_hist_reset(struct app_hist *h);

/* Record one value (larger than the maximum: counted in the top bucket,
 * max still exact). */
void app_hist_add(struct app_hist *h, uint64_t v);

/* Add @p from's counts into @p to. */
void app_hist_merge(struct app_hist *to, const struct app_hist *from);

/* The value at percentile @p p (0..100): the upper edge of the bucket
 * holding it, clamped to [min, max]; 0 when empty. p = 100 gives max. */
uint64_t app_hist_pct(const struct app_hist *h, double p);

/* Mean, or 0 when empty. */
double app_hist_mean(const struct app_hist *h);

/* The population standard deviation, or 0 when empty: each bucket's
 * values taken at the bucket's middle (exact below 256 ns), around the
 * exact mean, as HdrHistogram computes it. */
double app_hist_stddev(const struct app_hist *h);

/* The smallest and the largest value bucket @p i (< APP_HIST_BUCKETS)
 * holds. */
uint64_t app_hist_bucket_lo(unsigned int i);
uint64_t app_hist_bucket_hi(unsigned int i);

/* Print "NAME: n N, min, p50, p75, p90, p99, p99.9, p99.99, p99.999,
 * max, mean, stddev" in microseconds, one line, then (if @p buckets) the
 * non-empty buckets as a coarse histogram, one line per power of two. */
void app_hist_print(FILE *f, const char *name, const struct app_hist *h,
	bool buckets);

/* Write a JSON object {"n":..,"min_ns":..,"p50_ns":..,"p75_ns":..,
 * "p90_ns":..,"p99_ns":..,"p999_ns":..,"p9999_ns":..,"p99999_ns":..,
 * "max_ns":..,"mean_ns":..,"stddev_ns":..}. */
void app_hist_json(FILE *f, const struct app_hist *h);

/* The same members without the braces, to add more. */
void app_hist_json_members(FILE *f, const struct app_hist *h);

#endif
