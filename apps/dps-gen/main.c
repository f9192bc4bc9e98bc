/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps-gen: the load generator, and the server it is pointed at.
 *
 *   dps-gen [EAL args] -- --role client --to IP:PORT --mode cps|conc|rr|bulk
 *       --proto raw|http|udp [--rate R] [--conc N] [--duration D] ...
 *   dps-gen [EAL args] -- --role server --proto http|echo|discard|raw|source
 *       [--port P]
 *
 * Both roles run to completion on every EAL lcore (one stack lcore each):
 * the client engine is apps/common/app_client.c, the server engine
 * apps/common/app_server.c, the report apps/common/app_report.c.
 * Exit status: 0; 1 when errors exceed --max-errors, a leak is found or
 * the stack cannot start; 2 for bad arguments or impossible settings.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include "app_args.h"
#include "app_config.h"
#include "app_client.h"
#include "app_json.h"
#include "app_report.h"
#include "app_server.h"
#include "app_stack.h"
#include "app_telemetry.h"

#define PROG "dps-gen"
/* Sockets for the server role: each pool object keeps ~12 KiB of rings
 * once used, so the default 65535 would not fit in -m 512. */
#define SERVER_SOCKS 8192

struct opts {
	bool server;
	const char *proto;
	struct app_net net;
	struct app_cli_conf cli;
	struct app_srv_conf srv;
	struct app_report_conf rep;
	bool mode_set, conc_set, dur_set;
	uint8_t to_port[APP_CLI_MAX_DESTS];	/* the --dev each --to follows */
	enum app_cli_mode mode;
};

/* The --help text, with an example per mode. */
static void
usage(FILE *f)
{
	fputs(
"usage: dps-gen [EAL options] -- --role client|server [options]\n"
"client (--role client, the default):\n"
"  --to IP:PORT        destination, [IPv6]:PORT for IPv6; repeat for a list\n"
"                      used round robin (all of one family)\n"
"  --mode M            cps: a new connection per request (default)\n"
"                      conc: --conc connections, requests back to back\n"
"                      rr: request/response on --conc (default 1) connections\n"
"                      bulk: stream one way as fast as possible; with\n"
"                      --proto udp, datagrams to an echo: loss, order,\n"
"                      jitter (as iperf3 -u; --rate in datagrams/s)\n"
"  --proto P           raw (default) | http | udp\n"
"  --rate R            cps: connections/s, else requests/s (0 = max, default),\n"
"                      on a fixed schedule: sends a stall delayed go as soon\n"
"                      as they can, and latency is measured from each one's\n"
"                      intended send time (as wrk2; the summary says so)\n"
"  --ramp D            grow the rate linearly from 0 over D\n"
"  --open-loop         cps: launch a connection per --rate tick whatever the\n"
"                      completions (as wrk2, dperf); at most --conc (default\n"
"                      4096) outstanding, launches beyond that, or that the\n"
"                      client was too late for, are skipped and counted\n"
"  --conc N            connections (cps: in flight; default cps 64, conc 16,\n"
"                      rr and bulk 1)\n"
"  --req-size N        raw/udp request bytes (default 64)\n"
"  --resp-size N       raw/udp response bytes expected (default 64)\n"
"  --count N           stop after N requests\n"
"  --path P, --host H  HTTP target and Host header (default / and the --to IP);\n"
"                      --path repeated: the paths are requested in turn\n"
"  --method M          HTTP method (default GET; HEAD reads no body)\n"
"  --header 'N: V'     (or -H, as wrk) an extra HTTP header line,\n"
"                      repeatable; a Host or User-Agent line replaces the\n"
"                      default one\n"
"  --body-size N       HTTP request body bytes, with Content-Length (POST\n"
"                      and PUT send Content-Length: 0 without it)\n"
"  --timeout D         connect and request timeout, an error (default 5s)\n"
"  --recv              bulk: receive (from a 'source' server) instead of send\n"
"  The client runs with TIME_WAIT reuse on, as net.ipv4.tcp_tw_reuse = 1\n"
"  (Linux's default, 2, allows it on loopback only): a new connection may\n"
"  take over a TIME_WAIT tuple whose last timestamp is a second old.\n"
"server (--role server):\n"
"  --proto P           http (default) | echo | discard | raw | source\n"
"  --port P            listening port, repeatable (default 80 for http, else 9000)\n"
"  --req-size N        raw: bytes per request (default 64)\n"
"  --resp-size N       http body / raw response bytes (default 64)\n"
"  --close             http: close after every response\n"
"both:\n"
APP_REPORT_USAGE
APP_NET_USAGE("198.18.0.2/24 client, 198.18.0.1/24 server")
"  -h, --help          this text; --version the version (neither starts\n"
"                      the EAL)\n"
"Durations: 10s, 500ms, 2m, 1h (a bare number is seconds).\n"
"Exit status: 0; 1 when errors exceed --max-errors, a leak is found, the\n"
"client moved nothing (no connection, no request completed), the link\n"
"did not come up or the stack did not start; 2 for bad arguments or\n"
"settings refused before start.\n"
"examples (two processes over memif):\n"
"  dps-httpd --no-huge -m 512 --no-pci --vdev=net_memif0,role=server,socket=/tmp/dps.sock \\\n"
"      -l 0 -- --addr 198.18.0.1/24\n"
"  dps-gen --no-huge -m 512 --no-pci --vdev=net_memif0,role=client,socket=/tmp/dps.sock \\\n"
"      -l 1 -- --addr 198.18.0.2/24 --to 198.18.0.1:80 --mode cps --proto http --duration 10s\n"
"  dps-gen ... -l 0 -- --role server --proto raw --port 9000\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:9000 --mode conc --conc 32 --req-size 128 --resp-size 1k\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:80 --mode rr --proto http --rate 1000\n"
"  dps-gen ... -l 0 -- --role server --proto discard --port 5001\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:5001 --mode bulk --duration 5s\n"
"  dps-gen ... -l 0 -- --role server --proto source --port 5002\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:5002 --mode bulk --recv\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:80 --mode cps --proto http --rate 20000 --ramp 3s \\\n"
"      --addr 198.18.0.10-198.18.0.19/24 --ports 10000-60000 --max-errors 0.1%\n"
"  dps-gen ... -l 1 -- --to 198.18.0.1:80 --mode cps --proto http --open-loop \\\n"
"      --rate 50000 --conc 8192 --timeout 2s --duration 10s\n", f);
}

/* A one-line error naming the bad option. */
static int
bad(const char *what, const char *val)
{
	app_bad_arg(PROG, what, val);
	return -EINVAL;
}

/* A size option (k/M/G suffixes). */
static int
opt_size(const char *what, const char *arg, uint64_t hi, uint64_t *out)
{
	return app_parse_size(arg, 0, hi, out) == 0 ? 0 : bad(what, arg);
}

/* Options that shape the traffic. */
static int
opt_traffic(struct opts *o, int c, const char *arg)
{
	struct app_cli_conf *k = &o->cli;
	unsigned int v;
	uint64_t x;

	switch (c) {
	case 'R':
		if (app_parse_uint(arg, 0, 100000000, &v) != 0)
			return bad("--rate", arg);
		k->rate = v;
		return 0;
	case 'A':
		return app_parse_duration(arg, 0, 3600ull * 1000000000, &k->ramp_ns) == 0 ?
			0 : bad("--ramp", arg);
	case 'c':
		o->conc_set = true;
		return app_parse_uint(arg, 1, 1u << 24, &k->conc) == 0 ? 0 :
			bad("--conc", arg);
	case 'q':
		if (opt_size("--req-size", arg, 1ull << 30, &x) != 0)
			return -EINVAL;
		k->req_size = (uint32_t)x;
		o->srv.req_size = (uint32_t)x;
		return 0;
	case 'p':
		if (opt_size("--resp-size", arg, 1ull << 40, &x) != 0)
			return -EINVAL;
		k->resp_size = x;
		o->srv.resp_size = x;
		return 0;
	case 'n':
		return app_parse_size(arg, 1, 1ull << 50, &k->count) == 0 ? 0 :
			bad("--count", arg);
	case 'T':
		return app_parse_duration(arg, 1000000, 3600ull * 1000000000,
			&k->timeout_ns) == 0 ? 0 : bad("--timeout", arg);
	default:
		return 1;
	}
}

/* Options naming where and what. */
static int
opt_target(struct opts *o, int c, const char *arg)
{
	struct app_cli_conf *k = &o->cli;
	unsigned int v;

	switch (c) {
	case 'r':
		if (strcmp(arg, "client") != 0 && strcmp(arg, "server") != 0)
			return bad("--role (client|server)", arg);
		o->server = strcmp(arg, "server") == 0;
		return 0;
	case 'm':
		o->mode_set = true;
		return app_cli_mode_parse(arg, &o->mode) == 0 ? 0 :
			bad("--mode (cps|conc|rr|bulk)", arg);
	case 'P':
		o->proto = arg;
		return 0;
	case 't':
		if (k->n_to == APP_CLI_MAX_DESTS)
			return bad("--to (at most 16)", arg);
		o->to_port[k->n_to] = o->net.n_more;
		return app_parse_endpoint(arg, &k->to[k->n_to++]) == 0 ? 0 :
			bad("--to (IP:PORT or [IPv6]:PORT)", arg);
	case 'o':
		if (o->srv.n_ports == 8 || app_parse_uint(arg, 1, 65535, &v) != 0)
			return bad("--port", arg);
		o->srv.ports[o->srv.n_ports++] = (uint16_t)v;
		return 0;
	case 'h':
		if (k->n_paths == APP_CLI_MAX_PATHS || arg[0] != '/')
			return bad("--path (/..., at most 64)", arg);
		k->paths[k->n_paths++] = arg;
		return 0;
	case 'M':
		k->method = arg;
		return 0;
	case 'e':
		if (k->n_hdrs == APP_CLI_MAX_HDRS)
			return bad("--header (at most 16)", arg);
		k->hdrs[k->n_hdrs++] = arg;
		return 0;
	case 'b':
		return opt_size("--body-size", arg, APP_CLI_MAX_REQ_BYTES, &k->body_size);
	case 'H':
		return strlen(arg) < sizeof(k->host) && arg[0] != '\0' ?
			(strcpy(k->host, arg), 0) : bad("--host", arg);
	default:
		return 1;
	}
}

/* Report options and flags. */
static int
opt_report(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'd':
		o->dur_set = true;
		return app_parse_duration(arg, 1000000, 30 * 86400ull * 1000000000,
			&o->rep.duration_ns) == 0 ? 0 : bad("--duration", arg);
	case 'j':
		o->rep.json = true;
		return 0;
	case 'Q':
		o->rep.quiet = true;
		return 0;
	case 'O':
		o->rep.hist_out = arg;
		return 0;
	case 'E':
		return app_report_max_errors(&o->rep, arg) == 0 ? 0 :
			bad("--max-errors (N or P%)", arg);
	case 'v':
		o->cli.bulk_recv = true;
		return 0;
	case 'L':
		o->cli.open_loop = true;
		return 0;
	case 'C':
		o->srv.close_after = true;
		return 0;
	default:
		return 1;
	}
}

static const struct option longopts[] = {
	{ "role", required_argument, NULL, 'r' },
	{ "mode", required_argument, NULL, 'm' },
	{ "proto", required_argument, NULL, 'P' },
	{ "to", required_argument, NULL, 't' },
	{ "port", required_argument, NULL, 'o' },
	{ "rate", required_argument, NULL, 'R' },
	{ "ramp", required_argument, NULL, 'A' },
	{ "conc", required_argument, NULL, 'c' },
	{ "req-size", required_argument, NULL, 'q' },
	{ "resp-size", required_argument, NULL, 'p' },
	{ "count", required_argument, NULL, 'n' },
	{ "path", required_argument, NULL, 'h' },
	{ "host", required_argument, NULL, 'H' },
	{ "method", required_argument, NULL, 'M' },
	{ "header", required_argument, NULL, 'e' },
	{ "body-size", required_argument, NULL, 'b' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'Q' },
	{ "hist-out", required_argument, NULL, 'O' },
	{ "max-errors", required_argument, NULL, 'E' },
	{ "recv", no_argument, NULL, 'v' },
	{ "open-loop", no_argument, NULL, 'L' },
	{ "close", no_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'X' },
	APP_NET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* One option: the network options, then ours; 0 or -EINVAL. */
static int
parse_one(void *ctx, int c, const char *arg)
{
	struct opts *o = ctx;
	int rc;

	if (c == 'X') {
		usage(stdout);
		exit(0);
	}
	if ((rc = app_net_opt(PROG, &o->net, c, arg)) != 0)
		return rc > 0 ? 0 : -EINVAL;
	if ((rc = opt_traffic(o, c, arg)) <= 0 || (rc = opt_target(o, c, arg)) <= 0 ||
			(rc = opt_report(o, c, arg)) <= 0)
		return rc;
	fprintf(stderr, "%s: unknown option (try --help)\n", PROG);
	return -EINVAL;
}

/* Defaults that depend on the role and mode, applied after parsing. */
static int
finish_opts(struct opts *o)
{
	struct app_cli_conf given = o->cli;

	app_net_default_addr(&o->net, o->server ? "198.18.0.1/24" : "198.18.0.2/24");
	if (o->server) {
		if (app_srv_proto_parse(o->proto ? o->proto : "http", &o->srv.proto) != 0)
			return bad("--proto (http|echo|discard|raw|source)", o->proto);
		o->srv.req_size = o->srv.req_size ? o->srv.req_size : 64;
		o->srv.resp_size = o->srv.resp_size ? o->srv.resp_size : 64;
		if (o->srv.n_ports == 0)
			o->srv.ports[o->srv.n_ports++] = o->srv.proto == APP_SRV_HTTP ? 80 : 9000;
		if (!o->dur_set)
			o->rep.duration_ns = 0;
		if (o->rep.hist_out != NULL)
			return bad("--hist-out (a client's latencies; the server has none)",
				o->rep.hist_out);
		o->net.max_socks = SERVER_SOCKS;
		return 0;
	}
	/* A load generator runs out of tuples in TIME_WAIT otherwise. */
	o->net.tw_reuse = DPS_TW_REUSE_ON;
	o->net.need_link = true;
	app_client_conf_init(&o->cli, o->mode);
	o->cli.rate = given.rate;
	o->cli.ramp_ns = given.ramp_ns;
	o->cli.open_loop = given.open_loop;
	o->cli.conc = o->conc_set ? given.conc :
		given.open_loop ? APP_CLI_OPEN_LOOP_CONC : o->cli.conc;
	o->cli.req_size = given.req_size ? given.req_size : o->cli.req_size;
	o->cli.resp_size = given.resp_size ? given.resp_size : o->cli.resp_size;
	o->cli.count = given.count;
	o->cli.timeout_ns = given.timeout_ns ? given.timeout_ns : o->cli.timeout_ns;
	o->cli.bulk_recv = given.bulk_recv;
	o->cli.n_to = given.n_to;
	memcpy(o->cli.to, given.to, sizeof(given.to));
	o->cli.method = given.method;
	o->cli.n_paths = given.n_paths;
	memcpy(o->cli.paths, given.paths, sizeof(given.paths));
	o->cli.n_hdrs = given.n_hdrs;
	memcpy(o->cli.hdrs, given.hdrs, sizeof(given.hdrs));
	o->cli.body_size = given.body_size;
	strcpy(o->cli.host, given.host);
	if (o->proto != NULL && app_cli_proto_parse(o->proto, &o->cli.proto) != 0)
		return bad("--proto (raw|http|udp)", o->proto);
	if (o->cli.n_to == 0) {
		fprintf(stderr, "%s: --to IP:PORT is required for the client (try --help)\n",
			PROG);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < o->cli.n_to; i++) {
		struct dps_addr t = app_sockaddr_addr(&o->cli.to[i]);

		if (o->cli.to[i].sa.sa_family != o->cli.to[0].sa.sa_family) {
			fprintf(stderr, "%s: the --to are of one family, IPv4 or IPv6, "
				"not both (try --help)\n", PROG);
			return -EINVAL;
		}
		if (app_net_check_target_addr(PROG, &o->net, &t) != 0)
			return -EINVAL;
	}
	return 0;
}

/* --print-config: the options given, then the value of each other one
 * this run would use. */
static void
print_config(const void *p)
{
	const struct opts *o = p;
	static const char *const modes[] = { "cps", "conc", "rr", "bulk" };
	static const char *const cprotos[] = { "raw", "http", "udp" };
	static const char *const sprotos[] = { "http", "echo", "discard", "raw", "source" };
	struct app_config_default d[24];
	const struct app_cli_conf *k = &o->cli;
	unsigned int n = app_net_config_defaults(&o->net, d);

#define DEF(nm, ...) APP_CONFIG_DEF(d, n, nm, __VA_ARGS__)
	DEF("role", "%s", o->server ? "server" : "client");
	if (o->server) {
		DEF("proto", "%s", sprotos[o->srv.proto < 5 ? o->srv.proto : 0]);
		DEF("port", "%u", o->srv.ports[0]);
		DEF("req-size", "%u", o->srv.req_size);
		DEF("resp-size", "%" PRIu64, o->srv.resp_size);
	} else {
		DEF("mode", "%s", modes[k->mode]);
		DEF("proto", "%s", cprotos[k->proto]);
		DEF("rate", "%.0f", k->rate);
		DEF("conc", "%u", k->conc);
		DEF("req-size", "%u", k->req_size);
		DEF("resp-size", "%" PRIu64, k->resp_size);
		app_config_default_dur(&d[n++], "timeout", k->timeout_ns);
		if (k->proto == APP_CLI_HTTP) {
			DEF("method", "GET");
			DEF("path", "/");
		}
	}
	if (o->rep.duration_ns != 0)
		app_config_default_dur(&d[n++], "duration", o->rep.duration_ns);
#undef DEF
	app_config_print_all(stdout, PROG, d, n);
}

/* Our options (after "--"); 0 or -EINVAL after a one-line error. */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	int rc;

	memset(o, 0, sizeof(*o));
	app_report_conf_init(&o->rep, PROG);
	/* wrk's -H 'Name: value' is --header: the one short option a wrk
	 * user types from habit. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-H") == 0)
			argv[i] = (char *)"--header";
	rc = app_parse_opts(PROG, argc, argv, longopts, parse_one, o);
	if (rc == 0)
		rc = finish_opts(o);
	return app_print_config_if_wanted(rc, print_config, o);
}

/* Several ports (--dev): each one's sources and the --to that follow
 * it. 0, or -EINVAL when a port has no destination. */
static int
client_ports(struct opts *o)
{
	struct app_cli_conf *k = &o->cli;
	unsigned int n = app_net_ports(&o->net), t = 0;

	if (n == 1)
		return 0;
	for (unsigned int g = 0; g < n; g++) {
		struct app_port p = app_net_port(&o->net, g);
		struct app_cli_grp *gr = &k->grp[g];

		gr->src = k->to[0].sa.sa_family == AF_INET6 ? p.v6.addr : p.addr;
		gr->n_src = k->to[0].sa.sa_family == AF_INET6 ? p.v6.n_addr : p.n_addr;
		gr->port_id = p.port_id;
		gr->to_first = (uint8_t)t;
		while (t < k->n_to && o->to_port[t] == g)
			t++;
		gr->n_to = (uint8_t)(t - gr->to_first);
		if (gr->n_to == 0) {
			fprintf(stderr, "%s: --dev %u has no --to (give the targets "
				"reached through a port after its --dev)\n", PROG, p.port_id);
			return -EINVAL;
		}
	}
	k->n_grp = n;
	return 0;
}

/* The network settings the client checks its tuple space against. */
static int
client_net(struct opts *o)
{
	struct app_cli_conf *k = &o->cli;

	/* The sources are the addresses of the destinations' family. */
	k->n_src = k->to[0].sa.sa_family == AF_INET6 ? o->net.v6.n_addr : o->net.n_addr;
	k->src = k->to[0].sa.sa_family == AF_INET6 ? o->net.v6.addr : o->net.addr;
	if (o->net.port_lo != 0)
		k->ports = (uint32_t)o->net.port_hi - o->net.port_lo + 1;
	if (o->net.max_conns != 0)
		k->max_conns = o->net.max_conns;
	o->net.max_socks = app_client_socks(k);
	return client_ports(o);
}

/* The client's settings checked before the stack comes up. */
static int
check_client(struct opts *o)
{
	if (client_net(o) != 0)
		return -EINVAL;
	return app_client_check(PROG, &o->cli, rte_lcore_count());
}

/* The chosen role on the running stack; the exit status. */
static int
run(struct opts *o, struct dps_stack *s)
{
	static const char *const modes[] = { "cps", "conc", "rr", "bulk" };
	static const char *const protos[] = { "raw", "http", "udp" };
	char what[64];

	o->rep.s = s;
	if (o->server) {
		struct app_server *sv;
		int rc;

		o->srv.v6 = app_net_has_v6(&o->net);
		sv = app_server_create(s, &o->srv);
		if (sv == NULL)
			return 2;
		snprintf(what, sizeof(what), "server/%s", o->proto ? o->proto : "http");
		o->rep.what = what;
		app_telemetry_server(PROG, sv);
		rc = app_report_run_server(sv, &o->rep);
		app_telemetry_forget();
		app_server_destroy(sv);
		return rc;
	}
	struct app_client *cl = app_client_create(PROG, s, &o->cli);
	int rc;

	if (cl == NULL)
		return 2;
	snprintf(what, sizeof(what), "%s/%s", modes[o->cli.mode], protos[o->cli.proto]);
	o->rep.what = what;
	app_telemetry_client(PROG, cl);
	rc = app_report_run_client(cl, &o->rep);
	app_telemetry_forget();
	app_client_destroy(cl);
	return rc;
}

/* Parse, check, bring the stack up, run, clean up. */
int
main(int argc, char **argv)
{
	struct opts o;
	struct dps_stack *s;
	char **av;
	int dd, ac, rc;
	bool help;

	dd = app_split_args(argc, argv, &ac, &av, &help);
	rc = app_early_args(PROG, argc, argv, dd, longopts, usage);
	if (rc >= 0)
		return rc;
	if (parse_args(&o, ac, av) != 0)
		return 2;
	if (o.rep.json && app_json_begin(PROG) != 0)
		return 1;
	if (dps_eal_init(dd, argv) < 0)
		return 1;
	if (!o.server && check_client(&o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	s = app_stack_up(PROG, &o.net);
	if (s == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	rc = run(&o, s);
	app_stack_down(s);
	rte_eal_cleanup();
	return rc;
}
