/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_BENCH_HTTP_H
#define DPS_BENCH_HTTP_H

/*
 * The apps' HTTP engines on a bench wire (bench_wire.h): dps-httpd's
 * server on stack B, port 80, and dps-gen's client on stack A towards
 * it, each run inside its stack's poll (dps_stack_set_work()) as
 * app_run_lcores() runs them. For bench/http_conn and test_frames.
 */

#include <stdbool.h>
#include <stdint.h>
#include "app_client.h"
#include "app_server.h"
#include "bench_wire.h"

/* The server, started on lcore 0 of stack B; NULL on failure. */
struct app_server *bench_http_server(struct bench_wire *bw);

/* The client on stack A: @count requests, new connections each (@cps)
 * or on persistent ones, @conc at a time; @timeout_ns per request (0:
 * the engine's default). NULL on failure. */
struct app_client *bench_http_client(struct bench_wire *bw, bool cps,
	uint64_t count, uint32_t conc, uint64_t timeout_ns);

#endif
