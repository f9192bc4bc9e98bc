/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_REPORT_INT_H
#define DPS_APP_REPORT_INT_H

/* What app_report.c hands its writers (app_json.c): one moment's figures,
 * and everything the summary says. Private to the report. */

#include <stdbool.h>
#include <stdint.h>
#include "dpstack.h"
#include "app_client.h"
#include "app_hist.h"
#include "app_report.h"
#include "app_server.h"

/* One moment's figures (or the difference of two). */
struct snap {
	uint64_t ns;
	struct app_cli_stats c;
	struct app_srv_stats v;
	struct dps_counters k;
};

/* The summary's inputs. */
struct app_report_end {
	const struct app_report_conf *c;
	const struct snap *d;		/* last - first (server: last) */
	uint64_t ns;			/* the run's length */
	uint64_t errors;
	bool interrupted;
	bool leak_checked, leak_ok;
	const struct dps_sock_stats *leak;
	uint32_t mbuf_base;
	const struct app_hist *hc, *hr;	/* client: connect, request time */
};

#endif
