/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_REPORT_H
#define DPS_APP_REPORT_H

/*
 * The report dps-gen and dps-lat share: a reporter thread (off the
 * stack lcores) prints one line a second, ends the run (--duration, the
 * client's --count, or SIGINT), lets the client close its connections
 * and checks that the stack got every socket, port and mbuf back; then a
 * summary as text and, with --json, NDJSON (app_json.h), and the exit
 * status.
 */

#include <stdbool.h>
#include <stdint.h>
#include "dpstack.h"
#include "app_client.h"
#include "app_config.h"
#include "app_server.h"

struct app_report_conf {
	const char *prog;
	struct dps_stack *s;
	struct app_client *cl;		/* a client run, or NULL */
	struct app_server *sv;		/* a server run, or NULL */
	/* Servers other than app_server (dps-lat --echo --udp): counters. */
	void (*srv_stats)(void *arg, struct app_srv_stats *out);
	void *srv_arg;
	uint64_t duration_ns;		/* 0: until --count is done or SIGINT */
	bool json;			/* NDJSON on stdout (app_json.h) */
	const char *hist_out;		/* --hist-out BASE, or NULL */
	bool quiet;			/* no per-second lines */
	uint64_t max_errors;		/* allowed errors (count) ... */
	double max_errors_pct;		/* ... or percent of requests, if >= 0 */
	const char *what;		/* e.g. "cps/http", for the summary */
};

/* Usage lines for the options the report takes. */
#define APP_REPORT_USAGE \
"  --duration D        run time (10s, 500ms, 2m, 1h; default 10s for a\n" \
"                      client, until SIGINT for a server); SIGUSR1 ends\n" \
"                      the run early the same way (closes, leak check)\n" \
"  --json              JSON on stdout, one object a second and a summary\n" \
"                      (NDJSON); the text goes to stderr\n" \
"  --hist-out BASE     latency histograms in HdrHistogram's .hgrm format:\n" \
"                      BASE.connect.hgrm, BASE.request.hgrm\n" \
APP_CONFIG_USAGE \
"  --quiet             no per-second lines\n" \
"  --max-errors N|P%   errors allowed before the exit status is 1\n" \
"                      (a count or a percentage of requests; default 0)\n"

/* Defaults: no errors allowed, 10 s. */
void app_report_conf_init(struct app_report_conf *c, const char *prog);

/* Parse --max-errors ("5" or "0.5%"); 0 or -EINVAL. */
int app_report_max_errors(struct app_report_conf *c, const char *s);

struct app_report;

/* Take the baselines and start the reporter thread (on CPUs no lcore
 * uses when there are any). NULL with a one-line error on failure. */
struct app_report *app_report_start(const struct app_report_conf *c);

/* After app_run_lcores() returned: join the reporter, print the summary.
 * Returns the exit status: 0, or 1 when the errors exceed the limit or a
 * leak was found. */
int app_report_finish(struct app_report *r);

/*
 * The whole run of a client or a server once the stack is up: signals,
 * the reporter, the poll loops with the engine's work, the summary.
 * Returns the exit status (app_report_finish(), or 1 when the run could
 * not start).
 */
int app_report_run_client(struct app_client *cl, const struct app_report_conf *c);
int app_report_run_server(struct app_server *sv, const struct app_report_conf *c);

#endif
