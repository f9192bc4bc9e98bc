/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_TELEMETRY_H
#define DPS_APP_TELEMETRY_H

/*
 * The apps' own figures in DPDK telemetry: /PROG/stats with '_' for '-'
 * (/dps_httpd/stats, /dps_gen/stats, /dps_lat/stats: DPDK 22.11 refuses
 * a '-' in a command), beside the stack's /dpstack/ commands
 * (dps_telemetry.h), which app_stack_up() registers.
 */

struct app_server;
struct app_client;

/* /@p prog/stats shows @p sv's figures (app_server_stats()). */
void app_telemetry_server(const char *prog, const struct app_server *sv);

/* /@p prog/stats shows @p cl's figures (app_client_stats()). */
void app_telemetry_client(const char *prog, const struct app_client *cl);

/* /PROG/stats shows nothing any more (answers null): call it before the
 * engine it showed is destroyed. */
void app_telemetry_forget(void);

#endif
