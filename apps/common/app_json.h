/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_JSON_H
#define DPS_APP_JSON_H

/*
 * --json for the report (dps-gen, dps-lat): NDJSON on stdout, one
 * "interval" object a second and one "summary" object at the end, each
 * on its own line; the text for people goes to stderr meanwhile. The
 * schema is in docs/apps.md ("Machine-readable runs").
 */

#include <stdio.h>
#include "app_report_int.h"

/* From now on stdout (the FILE and fd 1) writes to stderr, and the JSON
 * goes to the former stdout (app_json_out()); so everything printed for
 * people, the EAL's log included, stays off the JSON. Call it before the
 * EAL starts. Once only (later calls do nothing); 0 or -1 after a
 * one-line error. */
int app_json_begin(const char *prog);

/* Where the JSON goes: the former stdout after app_json_begin(), else
 * stdout. */
FILE *app_json_out(void);

/* One "interval" object (and a newline): the counts between @p a and
 * @p b, their rates, and (client) the interval's request times @p iv.
 * @p t0 is the run's start; @p errs the interval's errors; @p final for
 * the last one (the rest of the last second and the closing), after
 * which the intervals add up to the summary. */
void app_json_interval(FILE *f, const struct app_report_conf *c, uint64_t t0,
	const struct snap *a, const struct snap *b, uint64_t errs,
	const struct app_hist *iv, bool final);

/* The "summary" object (and a newline). */
void app_json_summary(FILE *f, const struct app_report_end *e);

/* A histogram with everything in it: app_hist_json()'s members, the
 * non-empty buckets as [lo_ns, hi_ns, count] and the percentile
 * distribution (app_hgrm.h) as [value_ns, percentile, total_count]. */
void app_json_hist_full(FILE *f, const struct app_hist *h);

#endif
