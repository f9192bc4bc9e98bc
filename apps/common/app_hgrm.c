/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The .hgrm percentile distribution of an app_hist.
 *
 * The walk: cumulative counts bucket by bucket; a row is due whenever the
 * cumulative share reaches the next reporting percentile. After a row at
 * percentile p, the next is p + 100 / (ticks * 2^(k+1)) with
 * k = floor(log2(100 / (100 - p))): ticks rows up to 50%, as many again
 * up to 75%, to 87.5% and so on. The last bucket gives one row, then a
 * final row at 100% (HdrHistogram's own iteration, so files compare row
 * for row with wrk2's).
 *
 * app_hist's layout is HdrHistogram's with 256 sub-buckets: its first
 * two groups of 128 are HdrHistogram's bucket 0 ([0, 256) at unit 1),
 * each further group of 128 one more bucket ([128, 256) << k at unit
 * 2^k). Hence the footer's Buckets and SubBuckets.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "app_hgrm.h"

#define HDR_SUB_BUCKETS (2u << APP_HIST_SUB_BITS)
#define HDR_BUCKETS APP_HIST_MAX_EXP

/* The next reporting percentile after @p p. */
static double
next_pct(double p, unsigned int ticks)
{
	double k = floor(log2(100.0 / (100.0 - p)));

	return p + 100.0 / ((double)ticks * pow(2.0, k + 1.0));
}

/* Bucket @p i's upper edge within the exact [min, max]. */
static uint64_t
row_value(const struct app_hist *h, unsigned int i)
{
	uint64_t v = app_hist_bucket_hi(i);

	return v < h->min ? h->min : v > h->max ? h->max : v;
}

unsigned int
app_hgrm_rows(const struct app_hist *h, unsigned int ticks,
	void (*fn)(const struct app_hgrm_row *row, void *arg), void *arg)
{
	struct app_hgrm_row row = { 0, 0.0, 0 };
	uint64_t cum = 0;
	unsigned int n = 0;
	double want = 0.0;

	if (h->count == 0)
		return 0;
	ticks = ticks ? ticks : APP_HGRM_TICKS;
	for (unsigned int i = 0; i < APP_HIST_BUCKETS && cum < h->count; i++) {
		if (h->b[i] == 0)
			continue;
		cum += h->b[i];
		while (want <= 100.0 * (double)cum / (double)h->count) {
			row = (struct app_hgrm_row){ row_value(h, i), want, cum };
			fn(&row, arg);
			n++;
			want = next_pct(want, ticks);
			if (cum == h->count)
				break;	/* the last bucket: one row */
		}
	}
	row.pct = 100.0;
	row.total = h->count;
	row.value_ns = h->max;
	fn(&row, arg);
	return n + 1;
}

/* One .hgrm row: value (ms), quantile, total, 1/(1-quantile). */
static void
put_row(const struct app_hgrm_row *r, void *arg)
{
	double q = r->pct / 100.0;

	fprintf(arg, "%12.6f %12f %12" PRIu64 " %12.2f\n",
		(double)r->value_ns / 1e6, q, r->total,
		q < 1.0 ? 1.0 / (1.0 - q) : INFINITY);
}

void
app_hgrm_write(FILE *f, const struct app_hist *h, unsigned int ticks)
{
	fprintf(f, "%12s %12s %12s %12s\n\n", "Value", "Percentile",
		"TotalCount", "1/(1-Percentile)");
	app_hgrm_rows(h, ticks, put_row, f);
	fprintf(f, "#[Mean    = %12.6f, StdDeviation   = %12.6f]\n",
		app_hist_mean(h) / 1e6, app_hist_stddev(h) / 1e6);
	fprintf(f, "#[Max     = %12.6f, Total count    = %12" PRIu64 "]\n",
		(double)(h->count ? h->max : 0) / 1e6, h->count);
	fprintf(f, "#[Buckets = %12u, SubBuckets     = %12u]\n", HDR_BUCKETS,
		HDR_SUB_BUCKETS);
}

int
app_hgrm_save(const char *prog, const char *path, const struct app_hist *h)
{
	FILE *f = fopen(path, "w");
	int err;

	if (f == NULL) {
		err = errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(err));
		return -err;
	}
	app_hgrm_write(f, h, APP_HGRM_TICKS);
	if (fclose(f) != 0) {
		err = errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(err));
		return -err;
	}
	return 0;
}
