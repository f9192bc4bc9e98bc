/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps-httpd: an HTTP/1.1 (or echo, discard, raw, source) server on
 * dpstack, run to completion on every EAL lcore (app_server.h).
 *
 *   dps-httpd [EAL args] -- [--addr 198.18.0.1/24] [--port 80 ...]
 *       [--proto http|echo|discard|raw|source] [--resp-size 64] ...
 *
 * A stats thread, off the lcores' CPUs, prints a line per second. On
 * SIGINT/SIGTERM or after --duration the server closes its listeners and
 * connections while the stack still runs (so the FINs go out), then checks
 * that no socket, connection (but TIME_WAIT) or mbuf is left, prints a
 * summary and exits.
 * Exit status: 0 clean, 1 a failure or something left over, 2 bad
 * arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_eal.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_config.h"
#include "app_json.h"
#include "app_server.h"
#include "app_stack.h"
#include "app_telemetry.h"

#define PROG "dps-httpd"


struct opts {
	struct app_net net;
	struct app_srv_conf srv;
	uint64_t duration_ns;		/* 0: until a signal */
	bool quiet, json;
};

/* What the stats thread found, for the summary. */
struct run {
	const struct opts *o;
	struct dps_stack *s;
	struct app_server *sv;
	struct app_srv_stats fin;
	struct dps_counters cnt;
	struct dps_counters per[DPS_MAX_LCORES];	/* at the end, per lcore */
	unsigned int n_lcores;
	struct dps_sock_stats left;
	uint32_t mbuf_base;
	uint32_t backlog[DPS_MAX_LCORES];	/* atomic: each lcore's tx backlog */
	uint32_t left_backlog;		/* their sum at the leak check */
	uint64_t t0, t1;
	bool leak_ok;
	bool checked;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dps-httpd [EAL options] -- [options]\n"
APP_NET_USAGE("198.18.0.1/24")
"  --port P            listening port; repeat for more (at most 8; default 80)\n"
"  --proto P           http | echo | discard | raw | source (default http)\n"
"                      http: 200 with --resp-size bytes per request, keep-alive\n"
"                      and pipelining; echo: every byte back; discard: read and\n"
"                      drop; raw: --resp-size bytes back per --req-size bytes\n"
"                      in; source: send without end\n"
"  --resp-size N       HTTP body or raw response size, k/M/G suffixes (default 64)\n"
"  --req-size N        raw: request size (default 64)\n"
"  --close             http: close the connection after every response\n"
"  --keepalive-timeout D  http: close a connection idle this long\n"
"                      (default none)\n"
"  --duration D        exit after D (default: until SIGINT/SIGTERM)\n"
"  --quiet             no per-second line\n"
"  --json              NDJSON on stdout: an object a second and the summary\n"
"                      (docs/apps.md); the text on stderr\n"
APP_CONFIG_USAGE
"  -h, --help          this text; --version the version (neither starts\n"
"                      the EAL)\n"
"Durations: 10s, 500ms, 2m, 1h (a bare number is seconds).\n"
"Exit status: 0 clean; 1 a failure or something left over; 2 bad\n"
"arguments.\n"
"per second: t, connections accepted/s, open, requests/s, payload Mbit/s\n"
"both ways, errors, the stack's retransmissions, drops and of those the\n"
"failed mbuf allocations (nomem), and the mbufs in use.\n"
"examples:\n"
"  # over memif, the peer (dps-gen) in another process:\n"
"  dps-httpd --no-huge -m 512 --no-pci --vdev=net_memif0,role=server,socket=/tmp/dps.sock \\\n"
"      -l 0 -- --addr 198.18.0.1/24\n"
"  # on a veth (af_packet), 100 kB bodies on port 8080, for 30 s:\n"
"  dps-httpd --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -l 0 -- \\\n"
"      --addr 198.18.7.2/24 --port 8080 --resp-size 100k --duration 30s\n"
"  # echo server on two ports:\n"
"  dps-httpd --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -l 0 -- \\\n"
"      --proto echo --port 7 --port 7000\n");
}

/* --port: up to 8, each once. */
static int
opt_port(struct opts *o, const char *arg)
{
	unsigned int v;

	if (o->srv.n_ports == RTE_DIM(o->srv.ports))
		return app_bad_arg(PROG, "--port (at most 8)", arg);
	if (app_parse_uint(arg, 1, 65535, &v) != 0)
		return app_bad_arg(PROG, "--port", arg);
	for (unsigned int i = 0; i < o->srv.n_ports; i++)
		if (o->srv.ports[i] == v)
			return app_bad_arg(PROG, "--port (given twice)", arg);
	o->srv.ports[o->srv.n_ports++] = (uint16_t)v;
	return 0;
}

/* One option of ours; 0 or -EINVAL after the one-line error. */
static int
parse_opt(struct opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'p':
		return opt_port(o, arg);
	case 'P':
		return app_srv_proto_parse(arg, &o->srv.proto) == 0 ? 0 :
			app_bad_arg(PROG, "--proto (http|echo|discard|raw|source)", arg);
	case 's':
		return app_parse_size(arg, 0, 1ull << 40, &o->srv.resp_size) == 0 ? 0 :
			app_bad_arg(PROG, "--resp-size", arg);
	case 'r':
		if (app_parse_size(arg, 1, 1u << 30, &v) != 0)
			return app_bad_arg(PROG, "--req-size", arg);
		o->srv.req_size = (uint32_t)v;
		return 0;
	case 'c':
		o->srv.close_after = true;
		return 0;
	case 'k':
		return app_parse_duration(arg, 1000000, 86400ull * 1000000000,
			&o->srv.keepalive_timeout_ns) == 0 ? 0 :
			app_bad_arg(PROG, "--keepalive-timeout", arg);
	case 'd':
		return app_parse_duration(arg, 1000000, 365ull * 86400 * 1000000000,
			&o->duration_ns) == 0 ? 0 : app_bad_arg(PROG, "--duration", arg);
	case 'q':
		o->quiet = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* One option for app_parse_opts(): the network ones, then ours; 1 for
 * --help. */
static int
one_opt(void *ctx, int c, const char *arg)
{
	struct opts *o = ctx;
	int rc;

	if (c == 'h')
		return 1;
	rc = app_net_opt(PROG, &o->net, c, arg);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return parse_opt(o, c, arg) != 0 ? -EINVAL : 0;
}

static const struct option longopts[] = {
	APP_NET_LONGOPTS,
	{ "port", required_argument, NULL, 'p' },
	{ "proto", required_argument, NULL, 'P' },
	{ "resp-size", required_argument, NULL, 's' },
	{ "req-size", required_argument, NULL, 'r' },
	{ "close", no_argument, NULL, 'c' },
	{ "keepalive-timeout", required_argument, NULL, 'k' },
	{ "duration", required_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Our options (after "--"). 0, 1 for --help, or -EINVAL. */
static const char *const proto_names[] = { "http", "echo", "discard", "raw",
	"source" };

/* --print-config: the options given, then the value of each other one
 * this run would use. */
static void
print_config(const void *p)
{
	const struct opts *o = p;
	struct app_config_default d[12];
	unsigned int n = app_net_config_defaults(&o->net, d);

	APP_CONFIG_DEF(d, n, "proto", "%s", proto_names[o->srv.proto]);
	APP_CONFIG_DEF(d, n, "port", "%u", o->srv.ports[0]);
	APP_CONFIG_DEF(d, n, "resp-size", "%" PRIu64, o->srv.resp_size);
	APP_CONFIG_DEF(d, n, "req-size", "%u", o->srv.req_size);
	app_config_print_all(stdout, PROG, d, n);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	app_net_init(&o->net, "198.18.0.1/24");
	o->srv.proto = APP_SRV_HTTP;
	o->srv.resp_size = 64;
	o->srv.req_size = 64;
	rc = app_parse_opts(PROG, argc, argv, longopts, one_opt, o);
	if (rc != 0)
		return rc;
	if (o->srv.n_ports == 0)
		o->srv.ports[o->srv.n_ports++] = 80;
	if (o->srv.proto == APP_SRV_RAW && o->srv.resp_size == 0) {
		fprintf(stderr, "%s: --proto raw needs --resp-size above 0\n", PROG);
		return -EINVAL;
	}
	return app_print_config_if_wanted(0, print_config, o);
}

/* ---- the stats thread ---- */

/* Lines for people: stderr when stdout carries the JSON. */
static FILE *
out_file(const struct opts *o)
{
	return o->json ? stderr : stdout;
}

/* One line: the last second's rates. */
static void
print_second(struct run *r, const struct app_srv_stats *a,
	const struct app_srv_stats *b, const struct dps_counters *ca,
	const struct dps_counters *cb, double dt, double t)
{
	uint64_t err = b->err_parse + b->err_reset + b->err_accept + b->err_send;
	struct dps_sock_stats st;

	dps_stack_sock_stats(r->s, &st);

	fprintf(out_file(r->o), "t=%.0fs conns/s=%.0f open=%" PRIu64 " req/s=%.0f "
		"rx=%.1fMbit/s tx=%.1fMbit/s errors=%" PRIu64 " retrans=%" PRIu64
		" drops=%" PRIu64 " nomem=%" PRIu64 " mbufs=%u\n", t,
		(double)(b->accepted - a->accepted) / dt, b->open,
		(double)(b->requests - a->requests) / dt,
		(double)(b->rx_bytes - a->rx_bytes) * 8 / dt / 1e6,
		(double)(b->tx_bytes - a->tx_bytes) * 8 / dt / 1e6, err,
		cb->tcp_retrans - ca->tcp_retrans,
		dps_counters_total_drops(cb) - dps_counters_total_drops(ca),
		cb->drop[DPS_DROP_nomem] - ca->drop[DPS_DROP_nomem], st.mbufs_in_use);
}

/* --json: the interval from (@p t_a, @p a, @p ca) to (@p t_b, @p b, @p cb)
 * as one "interval" object on stdout (app_json.h's server form). */
static void
json_second(const struct run *r, uint64_t t_a, const struct app_srv_stats *a,
	const struct dps_counters *ca, uint64_t t_b, const struct app_srv_stats *b,
	const struct dps_counters *cb, bool final)
{
	struct snap sa = { .ns = t_a, .v = *a, .k = *ca };
	struct snap sb = { .ns = t_b, .v = *b, .k = *cb };
	struct app_report_conf c = { .prog = PROG };
	uint64_t ea = a->err_parse + a->err_reset + a->err_accept + a->err_send;
	uint64_t eb = b->err_parse + b->err_reset + b->err_accept + b->err_send;

	app_json_interval(stdout, &c, r->t0, &sa, &sb, eb - ea, NULL, final);
}

/*
 * Clean, apart from connections the peers abandoned, which time out on
 * their own: orphans (closed here, their FIN unanswered) go after the
 * orphan retries, half-open children at their SYN-ACK timer (and hold
 * their listener's socket and port until then). Without those, this is
 * app_stack_clean().
 */
static bool
left_clean(const struct run *r)
{
	const struct dps_sock_stats *l = &r->left;
	uint32_t live = l->orphans + l->half_open;
	/* Their segments may wait in a backlog for a link whose peer went
	 * (memif); the stack frees those when it stops. */
	uint32_t waiting = live != 0 ? r->left_backlog : 0;
	/* Those hold the ports they were accepted on: at most one each, and
	 * no more than the listening ports. */
	uint32_t live_ports = RTE_MIN(live, (uint32_t)r->o->srv.n_ports);

	return l->socks_in_use <= live + (l->half_open != 0) &&
		l->conns == l->time_wait + live &&
		l->tcp_ports_held <= l->time_wait + live_ports &&
		l->udp_ports_held == 0 && l->mbufs_in_use <= r->mbuf_base + waiting;
}

/* The frames the lcores' transmit backlogs hold (as they last said). */
static uint32_t
backlog_sum(const struct run *r)
{
	uint32_t n = 0;

	/* Relaxed: pairs with the relaxed stores in lcore_work(). */
	for (unsigned int i = 0; i < dps_stack_lcore_count(r->s); i++)
		n += __atomic_load_n(&r->backlog[i], __ATOMIC_RELAXED);
	return n;
}

/* Half-open connections a peer abandoned (a SYN flood's) go at their
 * next SYN-ACK timer: at most the last step of the SYN-ACK schedule
 * (32 s with Linux's 5 retries) and a margin. */
#define HALF_OPEN_WAIT_MS 40000

/* The end: close everything while the stack runs, wait (at most 3 s) for
 * the connections to finish, and as long as half-open ones time out on
 * their own, check what is left, stop the stack. */
static void
finish(struct run *r)
{
	struct app_srv_stats st;
	bool told = false;

	app_server_drain(r->sv);
	for (int ms = 0; ms < 3000 || (r->left.half_open != 0 &&
			ms < 3000 + HALF_OPEN_WAIT_MS); ms += 10) {
		app_server_stats(r->sv, &st);
		dps_stack_sock_stats(r->s, &r->left);
		if (st.open == 0 && app_stack_clean(&r->left, r->mbuf_base))
			break;
		if (ms >= 3000 && !told) {
			fprintf(out_file(r->o), "%s: waiting for %u half-open "
				"connections to time out\n", PROG, r->left.half_open);
			told = true;
		}
		usleep(10000);
	}
	/* The last read may be 10 ms old and may have caught a connection
	 * half way through its end (out of the table, its references not
	 * yet dropped): read again once the lcores had a moment. */
	if (!app_stack_clean(&r->left, r->mbuf_base)) {
		usleep(100000);
		dps_stack_sock_stats(r->s, &r->left);
	}
	r->left_backlog = backlog_sum(r);
	r->leak_ok = left_clean(r);
	r->checked = true;
	r->t1 = app_now_ns();
	app_server_stats(r->sv, &r->fin);
	dps_stack_counters(r->s, -1, &r->cnt);
	r->n_lcores = dps_stack_lcore_count(r->s);
	for (unsigned int i = 0; i < r->n_lcores; i++)
		dps_stack_counters(r->s, (int)i, &r->per[i]);
	dps_stack_stop(r->s);
}



/* "serving": the scripts wait for this line. */
static void
print_ready(const struct run *r)
{
	FILE *f = out_file(r->o);

	fprintf(f, "%s: serving %s on port", PROG, proto_names[r->o->srv.proto]);
	for (unsigned int i = 0; i < r->o->srv.n_ports; i++)
		fprintf(f, "%s%u", i ? "," : " ", r->o->srv.ports[i]);
	fprintf(f, " with %u stack lcore(s)\n", dps_stack_lcore_count(r->s));
}

/* The stats thread: a line per second; at the end, finish(). */
static void *
stats_main(void *arg)
{
	struct run *r = arg;
	struct app_srv_stats a, b;
	struct dps_counters ca, cb;
	struct dps_sock_stats st;
	uint64_t last, now, end;

	usleep(200000);		/* the rx rings filled, the gratuitous ARP out */
	dps_stack_sock_stats(r->s, &st);
	r->mbuf_base = st.mbufs_in_use;
	print_ready(r);
	app_server_stats(r->sv, &a);
	dps_stack_counters(r->s, -1, &ca);
	last = app_now_ns();
	end = r->o->duration_ns ? r->t0 + r->o->duration_ns : UINT64_MAX;
	while (!dps_stack_stopping(r->s)) {
		usleep(20000);
		now = app_now_ns();
		if (app_interrupted() || now >= end) {
			finish(r);
			if (r->o->json)	/* the rest: the intervals add up */
				json_second(r, last, &a, &ca, r->t1, &r->fin, &r->cnt, true);
			break;
		}
		if (now - last < 1000000000ull)
			continue;
		app_server_stats(r->sv, &b);
		dps_stack_counters(r->s, -1, &cb);
		if (!r->o->quiet)
			print_second(r, &a, &b, &ca, &cb, (double)(now - last) / 1e9,
				(double)(now - r->t0) / 1e9);
		if (r->o->json)
			json_second(r, last, &a, &ca, now, &b, &cb, false);
		a = b;
		ca = cb;
		last = now;
	}
	return NULL;
}

/* ---- the summary ---- */

/* The summary for people. */
static void
summary_text(const struct run *r)
{
	const struct app_srv_stats *f = &r->fin;
	const struct dps_sock_stats *l = &r->left;
	double dt = (double)(r->t1 - r->t0) / 1e9;
	FILE *o = out_file(r->o);

	fprintf(o, "%s: %.1f s, %" PRIu64 " connections (%.0f/s), %" PRIu64
		" requests (%.0f/s), rx %" PRIu64 " bytes (%.1f Mbit/s), tx %" PRIu64
		" bytes (%.1f Mbit/s)\n", PROG, dt, f->accepted, f->accepted / dt,
		f->requests, f->requests / dt, f->rx_bytes, f->rx_bytes * 8 / dt / 1e6,
		f->tx_bytes, f->tx_bytes * 8 / dt / 1e6);
	fprintf(o, "errors: malformed %" PRIu64 ", reset %" PRIu64 ", accept %"
		PRIu64 ", send %" PRIu64 "; closed %" PRIu64 ", still open %" PRIu64 "\n",
		f->err_parse, f->err_reset, f->err_accept, f->err_send, f->closed, f->open);
	fprintf(o, "stack: retransmissions %" PRIu64 ", RTOs %" PRIu64 ", drops %"
		PRIu64 ", RSTs sent %" PRIu64 ", busy cycles per request %.0f\n",
		r->cnt.tcp_retrans, r->cnt.tcp_rto, dps_counters_total_drops(&r->cnt),
		r->cnt.tcp_tx_rst, f->requests ? (double)r->cnt.poll_busy_cycles /
		(double)f->requests : 0.0);
	app_print_drops(o, &r->cnt);
	if (f->quiet_out != 0)
		fprintf(o, "idle: connections gave their state back %" PRIu64
			" times, took it again %" PRIu64 "\n", f->quiet_out, f->quiet_in);
	fprintf(o, "listen: SYN cookies sent %" PRIu64 ", connections from cookies %"
		PRIu64 "\n", r->cnt.tcp_syncookies_sent, r->cnt.tcp_syncookies_ok);
	for (unsigned int i = 0; r->n_lcores > 1 && i < r->n_lcores; i++)
		fprintf(o, "lcore %u: passive opens %" PRIu64 ", segments handed to "
			"the owner %" PRIu64 "\n", i, r->per[i].tcp_accepted,
			r->per[i].tcp_rx_handoff);
	fprintf(o, "left over: %u sockets, %u connections (%u in TIME_WAIT, %u closed "
		"and %u half-open timing out, their peers gone), %u ports, "
		"%u mbufs (baseline %u, %u waiting for the link): %s\n", l->socks_in_use,
		l->conns, l->time_wait, l->orphans, l->half_open, l->tcp_ports_held,
		l->mbufs_in_use, r->mbuf_base, r->left_backlog,
		r->leak_ok ? "no leak" : "LEAK");
}

/* The summary as one JSON object on stdout. */
static void
summary_json(const struct run *r)
{
	const struct app_srv_stats *f = &r->fin;
	const struct dps_sock_stats *l = &r->left;

	printf("{\"type\":\"summary\",\"prog\":\"%s\",\"settings\":", PROG);
	app_config_json(stdout);
	printf(",\"duration_s\":%.3f,\"accepted\":%" PRIu64 ",\"closed\":%" PRIu64
		",\"open\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
		",\"tx_bytes\":%" PRIu64 ",\"errors\":{\"malformed\":%" PRIu64
		",\"reset\":%" PRIu64 ",\"accept\":%" PRIu64 ",\"send\":%" PRIu64 "},"
		"\"stack\":{\"retrans\":%" PRIu64 ",\"rto\":%" PRIu64 ",\"drops\":%" PRIu64
		",\"rst_sent\":%" PRIu64 ",\"syncookies_sent\":%" PRIu64
		",\"syncookies_ok\":%" PRIu64 ",\"drops_by_reason\":",
		(double)(r->t1 - r->t0) / 1e9, f->accepted, f->closed,
		f->open, f->requests, f->rx_bytes, f->tx_bytes, f->err_parse,
		f->err_reset, f->err_accept, f->err_send, r->cnt.tcp_retrans,
		r->cnt.tcp_rto, dps_counters_total_drops(&r->cnt), r->cnt.tcp_tx_rst,
		r->cnt.tcp_syncookies_sent, r->cnt.tcp_syncookies_ok);
	app_json_drops(stdout, &r->cnt);
	printf(",\"busy_cycles_per_request\":%.0f,\"lcores\":[", f->requests ?
		(double)r->cnt.poll_busy_cycles / (double)f->requests : 0.0);
	for (unsigned int i = 0; i < r->n_lcores; i++)
		printf("%s{\"passive_opens\":%" PRIu64 ",\"handoffs\":%" PRIu64 "}",
			i ? "," : "", r->per[i].tcp_accepted, r->per[i].tcp_rx_handoff);
	printf("]},\"left\":{\"sockets\":%u,\"conns\":%u,"
		"\"time_wait\":%u,\"orphans\":%u,\"half_open\":%u,\"ports\":%u,"
		"\"mbufs\":%u,\"mbuf_baseline\":%u},\"leak\":%s}\n", l->socks_in_use,
		l->conns, l->time_wait, l->orphans, l->half_open, l->tcp_ports_held,
		l->mbufs_in_use, r->mbuf_base, r->leak_ok ? "false" : "true");
}

/* ---- the lcores ---- */

/* Before each lcore's loop: the listeners (once). */
static int
lcore_init(unsigned int idx, void *arg)
{
	struct run *r = arg;

	return app_server_lcore_init(r->sv, idx);
}

/* After each poll: adoptions, stalled sends, idle timeouts, the drain. */
static int
lcore_work(unsigned int idx, uint64_t tsc, void *arg)
{
	struct run *r = arg;

	/* Relaxed: a figure for the leak check, read relaxed in finish(). */
	__atomic_store_n(&r->backlog[idx], dps_stack_tx_backlog(r->s, idx),
		__ATOMIC_RELAXED);
	return app_server_lcore_work(r->sv, idx, tsc);
}

/* Bring up, serve, summarise. Returns the exit status. */
static int
serve(struct opts *o)
{
	static struct run r;
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	r.o = o;
	r.s = app_stack_up(PROG, &o->net);
	if (r.s == NULL)
		return 1;
	o->srv.v6 = app_net_has_v6(&o->net);	/* dual-stack on :: */
	r.sv = app_server_create(r.s, &o->srv);
	if (r.sv == NULL) {
		app_stack_down(r.s);
		return 1;
	}
	app_telemetry_server(PROG, r.sv);
	app_stop_on_signals(NULL);	/* the flag only: finish() stops */
	r.t0 = app_now_ns();
	app_thread_attr(&attr);
	if (pthread_create(&th, &attr, stats_main, &r) != 0) {
		fprintf(stderr, "%s: cannot start the stats thread\n", PROG);
		return 1;
	}
	rc = app_run_lcores(r.s, lcore_init, lcore_work, &r);
	dps_stack_stop(r.s);
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	app_telemetry_forget();
	app_server_destroy(r.sv);
	if (r.checked) {
		if (o->json)
			summary_json(&r);
		summary_text(&r);
	}
	app_stack_down(r.s);
	return rc == 0 && r.checked && r.leak_ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o;
	char **av;
	int split, ac, rc;
	bool help;

	setvbuf(stdout, NULL, _IOLBF, 0);
	split = app_split_args(argc, argv, &ac, &av, &help);
	rc = app_early_args(PROG, argc, argv, split, longopts, usage);
	if (rc >= 0)
		return rc;
	rc = parse_args(ac, av, &o);
	if (rc != 0) {
		if (rc > 0)
			usage(stdout);
		return rc > 0 ? 0 : 2;
	}
	if (dps_eal_init(split, argv) < 0)
		return 2;
	rc = serve(&o);
	rte_eal_cleanup();
	return rc;
}
