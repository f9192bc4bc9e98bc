/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_HGRM_H
#define DPS_APP_HGRM_H

/*
 * HdrHistogram's percentile distribution ("percentile spectrum") of an
 * app_hist: the rows wrk2 prints with --u_latency and HdrHistogram's
 * plotter reads (.hgrm files). The percentile steps halve each time the
 * distance to 100% halves, @p ticks rows per half (HdrHistogram's
 * "ticks per half distance", 5 in wrk2), so the tail gets as many rows
 * as the body.
 */

#include <stdint.h>
#include <stdio.h>
#include "app_hist.h"

#define APP_HGRM_TICKS 5

/* One row of the distribution. */
struct app_hgrm_row {
	uint64_t value_ns;	/* the bucket's upper edge, within [min, max] */
	double pct;		/* percentile, 0..100 */
	uint64_t total;		/* values at or below value_ns */
};

/* Call @p fn for each row of @p h's distribution, the last at 100%
 * (none when @p h is empty). Returns the number of rows. */
unsigned int app_hgrm_rows(const struct app_hist *h, unsigned int ticks,
	void (*fn)(const struct app_hgrm_row *row, void *arg), void *arg);

/* Write @p h to @p f in the .hgrm text format, values in milliseconds:
 * the header "Value Percentile TotalCount 1/(1-Percentile)", the rows,
 * and the footer #[Mean = .., StdDeviation = ..] #[Max = .., Total
 * count = ..] #[Buckets = .., SubBuckets = ..]. */
void app_hgrm_write(FILE *f, const struct app_hist *h, unsigned int ticks);

/* Write @p h to the file @p path; 0, or -errno after a one-line error
 * naming @p prog and the file. */
int app_hgrm_save(const char *prog, const char *path, const struct app_hist *h);

#endif
