/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram (the HdrHistogram layout).
 *
 * A value below 2^SUB_BITS is its own bucket. A larger value v whose
 * highest set bit is e falls into group g = e - SUB_BITS + 1 and, within
 * it, into the sub-bucket given by the SUB_BITS bits below the top bit:
 *
 *   index = g << SUB_BITS | (v >> (e - SUB_BITS)) & (2^SUB_BITS - 1)
 *
 * Group g >= 1 covers [2^(g+SUB_BITS-1), 2^(g+SUB_BITS)) in buckets of
 * width 2^(g-1), so a bucket is at most 2^-SUB_BITS of its lower edge
 * wide (values below 2^(SUB_BITS+1) are exact). With the table sized
 * (MAX_EXP + 1) << SUB_BITS the last group ends at 2^(MAX_EXP+SUB_BITS);
 * anything above lands in the top bucket (and min/max stay exact).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "app_hist.h"

#define SUB_COUNT (1u << APP_HIST_SUB_BITS)
#define N_BUCKETS APP_HIST_BUCKETS

/* The bucket of @p v: the position of the highest set bit picks the
 * group, the next SUB_BITS bits the sub-bucket. No division. */
static inline unsigned int
bucket_of(uint64_t v)
{
	unsigned int e, g, idx;

	if (v < SUB_COUNT)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	g = e - APP_HIST_SUB_BITS + 1;
	idx = (g << APP_HIST_SUB_BITS) |
		(unsigned int)((v >> (e - APP_HIST_SUB_BITS)) & (SUB_COUNT - 1));
	return idx < N_BUCKETS ? idx : N_BUCKETS - 1;
}

/* The smallest value of bucket @p i. */
static uint64_t
bucket_lo(unsigned int i)
{
	unsigned int g = i >> APP_HIST_SUB_BITS;
	uint64_t sub = i & (SUB_COUNT - 1);

	if (g == 0)
		return sub;
	return (SUB_COUNT + sub) << (g - 1);
}

/* The largest value of bucket @p i. */
static uint64_t
bucket_hi(unsigned int i)
{
	unsigned int g = i >> APP_HIST_SUB_BITS;

	if (g == 0)
		return i;
	return bucket_lo(i) + ((uint64_t)1 << (g - 1)) - 1;
}

/* Empty @p h (an all-zero struct is an empty histogram too). */
void
app_hist_reset(struct app_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Record @p v: a few instructions, no allocation. */
void
app_hist_add(struct app_hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

/* Add @p from's counts, extremes and sum into @p to. */
void
app_hist_merge(struct app_hist *to, const struct app_hist *from)
{
	if (from->count == 0)
		return;
	for (unsigned int i = 0; i < N_BUCKETS; i++)
		to->b[i] += from->b[i];
	if (to->count == 0 || from->min < to->min)
		to->min = from->min;
	if (from->max > to->max)
		to->max = from->max;
	to->count += from->count;
	to->sum += from->sum;
}

/* The value at percentile @p p: walk the buckets to the one holding the
 * ceil(p% * count)-th smallest value and report its upper edge, clamped
 * to the exact [min, max]. */
uint64_t
app_hist_pct(const struct app_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	double r;

	if (h->count == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	if (p < 0.0)
		p = 0.0;
	r = p / 100.0 * (double)h->count;
	r -= r * 1e-12;		/* 99.9% of 1000 is rank 999, not 1000 */
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < N_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_hi(i);
			if (v < h->min)
				v = h->min;
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* The arithmetic mean, 0 when empty. */
double
app_hist_mean(const struct app_hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}

/* The population standard deviation around the exact mean, each
 * bucket's values at its middle (clamped to [min, max]). */
double
app_hist_stddev(const struct app_hist *h)
{
	double mean = app_hist_mean(h), acc = 0.0;

	if (h->count == 0)
		return 0.0;
	for (unsigned int i = 0; i < N_BUCKETS; i++) {
		double mid, d;

		if (h->b[i] == 0)
			continue;
		mid = ((double)bucket_lo(i) + (double)bucket_hi(i)) / 2.0;
		mid = mid < (double)h->min ? (double)h->min :
			mid > (double)h->max ? (double)h->max : mid;
		d = mid - mean;
		acc += d * d * (double)h->b[i];
	}
	return sqrt(acc / (double)h->count);
}

/* Bucket @p i's edges, for the writers of other formats. */
uint64_t
app_hist_bucket_lo(unsigned int i)
{
	return bucket_lo(i);
}

uint64_t
app_hist_bucket_hi(unsigned int i)
{
	return bucket_hi(i);
}

/* Sum the buckets per power of two of their lower edge: slot 0 holds
 * the value 0, slot k holds [2^(k-1), 2^k). */
static void
per_power(const struct app_hist *h, uint64_t pw[65])
{
	memset(pw, 0, 65 * sizeof(pw[0]));
	for (unsigned int i = 0; i < N_BUCKETS; i++) {
		uint64_t lo = bucket_lo(i);

		if (h->b[i] == 0)
			continue;
		pw[lo == 0 ? 0 : 64 - __builtin_clzll(lo)] += h->b[i];
	}
}

/* One line per non-empty power of two: range in microseconds, count,
 * and a bar scaled to the fullest line. */
static void
print_buckets(FILE *f, const struct app_hist *h)
{
	uint64_t pw[65], top = 0;

	per_power(h, pw);
	for (unsigned int k = 0; k < 65; k++)
		if (pw[k] > top)
			top = pw[k];
	for (unsigned int k = 0; k < 65; k++) {
		double lo, hi;
		unsigned int bar;

		if (pw[k] == 0)
			continue;
		lo = k == 0 ? 0.0 : (double)((uint64_t)1 << (k - 1)) / 1e3;
		hi = k == 0 ? 0.001 : (double)((uint64_t)1 << (k - 1)) * 2 / 1e3;
		bar = (unsigned int)((pw[k] * 40 + top - 1) / top);
		fprintf(f, "  [%12.3f, %12.3f) us %10" PRIu64 " %.*s\n", lo, hi,
			pw[k], (int)bar, "########################################");
	}
}

/* The percentiles the summaries show, and their names. */
static const double pct[] = { 50, 75, 90, 99, 99.9, 99.99, 99.999 };
static const char *const lbl[] = { "p50", "p75", "p90", "p99", "p99.9",
	"p99.99", "p99.999" };
static const char *const key[] = { "p50", "p75", "p90", "p99", "p999",
	"p9999", "p99999" };
#define N_PCT (sizeof(pct) / sizeof(pct[0]))

/* "NAME: n N, min A, p50 B, ..., max Z, mean M, stddev S us" and
 * optionally the buckets. */
void
app_hist_print(FILE *f, const char *name, const struct app_hist *h,
	bool buckets)
{
	fprintf(f, "%s: n %" PRIu64 ", min %.3f", name, h->count,
		h->count ? (double)h->min / 1e3 : 0.0);
	for (unsigned int i = 0; i < N_PCT; i++)
		fprintf(f, ", %s %.3f", lbl[i],
			(double)app_hist_pct(h, pct[i]) / 1e3);
	fprintf(f, ", max %.3f, mean %.3f, stddev %.3f us\n",
		(double)app_hist_pct(h, 100) / 1e3, app_hist_mean(h) / 1e3,
		app_hist_stddev(h) / 1e3);
	if (buckets && h->count != 0)
		print_buckets(f, h);
}

/* The summary's members, no braces. */
void
app_hist_json_members(FILE *f, const struct app_hist *h)
{
	fprintf(f, "\"n\":%" PRIu64 ",\"min_ns\":%" PRIu64, h->count,
		h->count ? h->min : 0);
	for (unsigned int i = 0; i < N_PCT; i++)
		fprintf(f, ",\"%s_ns\":%" PRIu64, key[i], app_hist_pct(h, pct[i]));
	fprintf(f, ",\"max_ns\":%" PRIu64 ",\"mean_ns\":%.1f,\"stddev_ns\":%.1f",
		app_hist_pct(h, 100), app_hist_mean(h), app_hist_stddev(h));
}

/* The summary as one JSON object (no newline). */
void
app_hist_json(FILE *f, const struct app_hist *h)
{
	fputc('{', f);
	app_hist_json_members(f, h);
	fputc('}', f);
}
