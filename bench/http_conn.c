/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of an HTTP connection and of a request on a persistent one,
 * for callgrind: the apps' own engines (app_client as dps-gen runs it,
 * app_server as dps-httpd runs it) on two stacks joined by the test wire
 * in one process, on a virtual clock, so the count is deterministic and
 * free of the timing distortions valgrind brings to two live processes.
 *
 *   http_conn [EAL args] -- cps|rr COUNT
 *
 * cps: COUNT connections, each GET / with Connection: close, 64 in
 * flight; rr: COUNT requests on one keep-alive connection. Each side's
 * work (its stack's poll plus its engine) runs inside its own function,
 * client_side() and server_side(), so callgrind's --toggle-collect can
 * count them apart (bench/http_conn.sh).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include "bench_http.h"

#define STEP_NS 1000

static void
die(const char *what)
{
	fprintf(stderr, "http_conn: cannot %s\n", what);
	exit(1);
}

/* One iteration of the client's lcore: stack A with the engine inside. */
__attribute__((noinline)) void client_side(struct bench_wire *bw);
__attribute__((noinline)) void
client_side(struct bench_wire *bw)
{
	dps_stack_poll(bw->a, 0);
}

/* One iteration of the server's lcore: stack B with the engine inside. */
__attribute__((noinline)) void server_side(struct bench_wire *bw);
__attribute__((noinline)) void
server_side(struct bench_wire *bw)
{
	dps_stack_poll(bw->b, 0);
}

static void
print_cnt(const char *name, uint64_t v, void *arg)
{
	if (v != 0)
		printf("%s %s %" PRIu64 "\n", (const char *)arg, name, v);
}

int
main(int argc, char **argv)
{
	struct bench_wire bw;
	struct app_server *sv;
	struct app_client *cl;
	struct app_cli_stats st;
	struct dps_testwire_stats ab, ba;
	uint64_t count;
	bool cps;
	int n = rte_eal_init(argc, argv);

	if (n < 0)
		die("initialise the EAL");
	argc -= n;
	argv += n;
	if (argc != 3 || (strcmp(argv[1], "cps") != 0 && strcmp(argv[1], "rr") != 0) ||
			(count = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: http_conn [EAL args] -- cps|rr COUNT\n");
		return 2;
	}
	cps = strcmp(argv[1], "cps") == 0;
	bench_wire_up(&bw, NULL, NULL);
	sv = bench_http_server(&bw);
	cl = bench_http_client(&bw, cps, count, cps ? 64 : 1, 0);
	if (sv == NULL || cl == NULL)
		die("start the engines");
	while (!app_client_done(cl) && bench_wire_elapsed() < 600ull * 1000000000) {
		client_side(&bw);
		bench_wire_step(&bw, STEP_NS / 2);
		server_side(&bw);
		bench_wire_step(&bw, STEP_NS / 2);
	}
	app_client_stats(cl, &st);
	dps_testwire_stats(bw.w, 0, &ab);
	dps_testwire_stats(bw.w, 1, &ba);
	printf("connections %" PRIu64 " requests %" PRIu64 " errors %" PRIu64
		" virtual_ms %.1f frames client_to_server %" PRIu64
		" server_to_client %" PRIu64 "\n", st.conn_established, st.req_done,
		st.conn_attempted - st.conn_established, bench_wire_elapsed() / 1e6,
		ab.sent, ba.sent);
	if (getenv("BENCH_COUNTERS") != NULL) {
		struct dps_counters k;

		for (int i = 0; i < 2; i++) {
			dps_stack_counters(i ? bw.b : bw.a, -1, &k);
			dps_counters_foreach(&k, print_cnt, i ? "server" : "client");
		}
	}
	return st.req_done >= count ? 0 : 1;
}
