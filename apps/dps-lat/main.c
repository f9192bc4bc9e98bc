/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps-lat: the latency benchmark, and the echo server it measures against.
 *
 *   dps-lat [EAL args] -- --to IP:PORT --mode rr|crr|udp [--flows N]
 *       [--size N] [--duration D | --count N] [--rate R]
 *   dps-lat [EAL args] -- --echo --port P [--udp]
 *
 * rr: request/response on persistent TCP connections; crr: connect,
 * request, response, close; udp: request/response datagrams. It is the
 * client engine of apps/common/app_client.c with the raw protocol and a
 * response as long as the request (what an echo server sends back), and
 * the report of apps/common/app_report.c. --echo serves TCP echo with the
 * server engine (apps/common/app_server.c), or UDP echo (--udp) on the
 * first lcore. Exit status: 0; 1 when errors exceed --max-errors or the
 * stack cannot start; 2 for bad arguments or impossible settings.
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

#define PROG "dps-lat"
#define UDP_BURST 32

enum lat_mode { LAT_RR, LAT_CRR, LAT_UDP };

struct opts {
	bool echo, udp, dur_set, flows_set;
	enum lat_mode mode;
	unsigned int flows, port;
	uint64_t size, count, timeout_ns;
	unsigned int rate;
	union app_sockaddr to;
	bool has_to;
	struct app_net net;
	struct app_report_conf rep;
};

/* The UDP echo server: one socket, served by stack lcore 0. */
struct udp_echo {
	int fd;
	uint16_t port;
	bool v6;			/* an IPv6 --addr: an AF_INET6 socket */
	struct app_srv_stats st;	/* written by lcore 0 only */
	char buf[65536];
};

/* The --help text, with examples. */
static void
usage(FILE *f)
{
	fputs(
"usage: dps-lat [EAL options] -- --to IP:PORT [--mode rr|crr|udp] [options]\n"
"       dps-lat [EAL options] -- --echo [--port P] [--udp]\n"
"client:\n"
"  --to IP:PORT        the echo server ([IPv6]:PORT for IPv6)\n"
"  --mode M            rr: request/response on persistent TCP connections\n"
"                      (default); crr: connect, request, response, close;\n"
"                      udp: request/response datagrams\n"
"  --flows N           connections (flows) in parallel, one request in\n"
"                      flight on each (default 1)\n"
"  --size N            request bytes; the response is as long (default 64)\n"
"  --count N           stop after N requests (instead of --duration)\n"
"  --rate R            requests/s (crr: connections/s); 0 = back to back;\n"
"                      a fixed schedule, latency from intended send times\n"
"  --timeout D         connect and request timeout, an error (default 1s)\n"
"server:\n"
"  --echo              serve echo instead: TCP, or UDP with --udp\n"
"  --port P            its port (default 7)\n"
"  --udp               UDP echo\n"
"both:\n"
APP_REPORT_USAGE
APP_NET_USAGE("198.18.0.2/24 client, 198.18.0.1/24 --echo")
"  -h, --help          this text; --version the version (neither starts\n"
"                      the EAL)\n"
"Durations: 10s, 500ms, 2m, 1h (a bare number is seconds).\n"
"Exit status: 0; 1 when errors exceed --max-errors, a leak is found, the\n"
"client moved nothing, the link did not come up or the stack did not\n"
"start; 2 for bad arguments or settings refused before start.\n"
"examples (two processes over memif):\n"
"  dps-lat --no-huge -m 512 --no-pci --vdev=net_memif0,role=server,socket=/tmp/l.sock \\\n"
"      -l 0 -- --echo --port 7\n"
"  dps-lat --no-huge -m 512 --no-pci --vdev=net_memif0,role=client,socket=/tmp/l.sock \\\n"
"      -l 1 -- --to 198.18.0.1:7 --mode rr --count 100000\n"
"  dps-lat ... -l 1 -- --to 198.18.0.1:7 --mode crr --rate 1000 --duration 5\n"
"  dps-lat ... -l 0 -- --echo --udp --port 7\n"
"  dps-lat ... -l 1 -- --to 198.18.0.1:7 --mode udp --flows 4 --size 256\n", f);
}

/* A one-line error naming the bad option. */
static int
bad(const char *what, const char *val)
{
	app_bad_arg(PROG, what, val);
	return -EINVAL;
}

/* The client's options; 1 when @p c is not one of them. */
static int
opt_client(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 't':
		o->has_to = true;
		return app_parse_endpoint(arg, &o->to) == 0 ? 0 :
			bad("--to (IP:PORT or [IPv6]:PORT)", arg);
	case 'm':
		if (strcmp(arg, "rr") == 0)
			o->mode = LAT_RR;
		else if (strcmp(arg, "crr") == 0)
			o->mode = LAT_CRR;
		else if (strcmp(arg, "udp") == 0)
			o->mode = LAT_UDP;
		else
			return bad("--mode (rr|crr|udp)", arg);
		return 0;
	case 'f':
		o->flows_set = true;
		return app_parse_uint(arg, 1, 1u << 20, &o->flows) == 0 ? 0 :
			bad("--flows", arg);
	case 's':
		return app_parse_size(arg, 1, 1ull << 30, &o->size) == 0 ? 0 :
			bad("--size", arg);
	case 'n':
		return app_parse_size(arg, 1, 1ull << 50, &o->count) == 0 ? 0 :
			bad("--count", arg);
	case 'R':
		return app_parse_uint(arg, 0, 100000000, &o->rate) == 0 ? 0 :
			bad("--rate", arg);
	case 'T':
		return app_parse_duration(arg, 1000000, 3600ull * 1000000000,
			&o->timeout_ns) == 0 ? 0 : bad("--timeout", arg);
	default:
		return 1;
	}
}

/* Options both roles take; 1 when @p c is not one of them. */
static int
opt_common(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'e':
		o->echo = true;
		return 0;
	case 'u':
		o->udp = true;
		return 0;
	case 'p':
		return app_parse_uint(arg, 1, 65535, &o->port) == 0 ? 0 :
			bad("--port", arg);
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
	default:
		return 1;
	}
}

static const struct option longopts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, 'm' },
	{ "flows", required_argument, NULL, 'f' },
	{ "size", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'n' },
	{ "rate", required_argument, NULL, 'R' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "echo", no_argument, NULL, 'e' },
	{ "udp", no_argument, NULL, 'u' },
	{ "port", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'Q' },
	{ "hist-out", required_argument, NULL, 'O' },
	{ "max-errors", required_argument, NULL, 'E' },
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
	if ((rc = opt_client(o, c, arg)) <= 0 || (rc = opt_common(o, c, arg)) <= 0)
		return rc;
	fprintf(stderr, "%s: unknown option (try --help)\n", PROG);
	return -EINVAL;
}

/* Cross-option checks and role defaults. */
static int
finish_opts(struct opts *o)
{
	struct dps_addr t;

	app_net_default_addr(&o->net, o->echo ? "198.18.0.1/24" : "198.18.0.2/24");
	if (o->echo) {
		if (!o->dur_set)
			o->rep.duration_ns = 0;
		if (o->rep.hist_out != NULL)
			return bad("--hist-out (a client's latencies; --echo has none)",
				o->rep.hist_out);
		o->net.max_socks = 8192;	/* ~12 KiB of rings each once used */
		return 0;
	}
	if (!o->has_to) {
		fprintf(stderr, "%s: --to IP:PORT is required (or --echo) (try --help)\n",
			PROG);
		return -EINVAL;
	}
	if (o->count != 0 && !o->dur_set)
		o->rep.duration_ns = 0;
	o->net.need_link = true;
	t = app_sockaddr_addr(&o->to);
	return app_net_check_target_addr(PROG, &o->net, &t);
}

/* --print-config: the options given, then the value of each other one
 * this run would use. */
static void
print_config(const void *p)
{
	const struct opts *o = p;
	static const char *const modes[] = { "rr", "crr", "udp" };
	struct app_config_default d[16];
	unsigned int n = app_net_config_defaults(&o->net, d);

	if (o->echo) {
		APP_CONFIG_DEF(d, n, "port", "%u", o->port);
	} else {
		APP_CONFIG_DEF(d, n, "mode", "%s", modes[o->mode]);
		APP_CONFIG_DEF(d, n, "flows", "%u", o->flows);
		APP_CONFIG_DEF(d, n, "size", "%" PRIu64, o->size);
		APP_CONFIG_DEF(d, n, "rate", "%u", o->rate);
		app_config_default_dur(&d[n++], "timeout", o->timeout_ns);
	}
	if (o->rep.duration_ns != 0)
		app_config_default_dur(&d[n++], "duration", o->rep.duration_ns);
	app_config_print_all(stdout, PROG, d, n);
}

/* Our options (after "--"); 0 or -EINVAL after a one-line error. */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	int rc;

	memset(o, 0, sizeof(*o));
	app_report_conf_init(&o->rep, PROG);
	o->flows = 1;
	o->size = 64;
	o->port = 7;
	o->timeout_ns = 1000000000ull;
	rc = app_parse_opts(PROG, argc, argv, longopts, parse_one, o);
	if (rc == 0)
		rc = finish_opts(o);
	return app_print_config_if_wanted(rc, print_config, o);
}

/* ---- UDP echo ---- */

/* Lcore 0 binds the UDP echo socket. */
static int
udp_echo_init(unsigned int idx, void *arg)
{
	struct udp_echo *u = arg;
	union app_sockaddr a = { .sin = { .sin_family = AF_INET,
		.sin_port = htons(u->port) } };

	if (idx != 0)
		return 0;
	if (u->v6)	/* the wildcard, both families (IPV6_V6ONLY off) */
		a.sin6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
			.sin6_port = htons(u->port) };
	u->fd = dps_socket(a.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (u->fd < 0 || dps_bind(u->fd, &a.sa, app_sockaddr_len(&a)) != 0) {
		fprintf(stderr, "%s: cannot bind UDP port %u: %s\n", PROG, u->port,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Relaxed stores: pair with the reporter's relaxed loads. */
static void
udp_stat(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, *p + v, __ATOMIC_RELAXED);
}

/* Lcore 0 sends every datagram back to where it came from. */
static int
udp_echo_work(unsigned int idx, uint64_t tsc, void *arg)
{
	struct udp_echo *u = arg;
	union app_sockaddr from;
	socklen_t flen;
	ssize_t n;
	int k;

	(void)tsc;
	if (idx != 0)
		return 0;
	for (k = 0; k < UDP_BURST; k++) {
		flen = sizeof(from);
		n = dps_recvfrom(u->fd, u->buf, sizeof(u->buf), MSG_DONTWAIT,
			&from.sa, &flen);
		if (n < 0)
			break;
		udp_stat(&u->st.rx_bytes, (uint64_t)n);
		udp_stat(&u->st.requests, 1);
		if (dps_sendto(u->fd, u->buf, (size_t)n, 0, &from.sa, flen) < 0)
			udp_stat(&u->st.err_send, 1);
		else
			udp_stat(&u->st.tx_bytes, (uint64_t)n);
	}
	return k != 0;
}

/* The UDP echo's counters for the report. */
static void
udp_echo_stats(void *arg, struct app_srv_stats *out)
{
	const struct udp_echo *u = arg;
	const uint64_t *src = (const uint64_t *)&u->st;
	uint64_t *dst = (uint64_t *)out;

	for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
		dst[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
}

/* A whole UDP echo run. */
static int
run_udp_echo(struct opts *o, struct dps_stack *s)
{
	struct udp_echo *u = calloc(1, sizeof(*u));
	struct app_report *r;
	int rc;

	if (u == NULL)
		return 1;
	u->fd = -1;
	u->port = (uint16_t)o->port;
	u->v6 = app_net_has_v6(&o->net);
	o->rep.srv_stats = udp_echo_stats;
	o->rep.srv_arg = u;
	o->rep.what = "echo/udp";
	app_stop_on_signals(s);
	r = app_report_start(&o->rep);
	if (r == NULL) {
		free(u);
		return 1;
	}
	app_run_lcores(s, udp_echo_init, udp_echo_work, u);
	dps_stack_stop(s);
	rc = app_report_finish(r);
	if (u->fd >= 0)
		dps_close(u->fd);
	free(u);
	return rc;
}

/* ---- roles ---- */

/* The echo server: app_server ECHO for TCP, or the UDP echo. */
static int
run_echo(struct opts *o, struct dps_stack *s)
{
	struct app_srv_conf sc = { .proto = APP_SRV_ECHO, .n_ports = 1,
		.req_size = 64, .resp_size = 64 };
	struct app_server *sv;
	int rc;

	if (o->udp)
		return run_udp_echo(o, s);
	sc.ports[0] = (uint16_t)o->port;
	sc.v6 = app_net_has_v6(&o->net);
	sv = app_server_create(s, &sc);
	if (sv == NULL)
		return 2;
	o->rep.what = "echo/tcp";
	app_telemetry_server(PROG, sv);
	rc = app_report_run_server(sv, &o->rep);
	app_telemetry_forget();
	app_server_destroy(sv);
	return rc;
}

/* The client engine's settings for the chosen mode. */
static void
client_conf(const struct opts *o, struct app_cli_conf *c)
{
	static const enum app_cli_mode modes[] = { APP_CLI_RR, APP_CLI_CPS, APP_CLI_RR };

	app_client_conf_init(c, modes[o->mode]);
	c->proto = o->mode == LAT_UDP ? APP_CLI_UDP : APP_CLI_RAW;
	c->to[0] = o->to;
	c->n_to = 1;
	c->n_src = o->to.sa.sa_family == AF_INET6 ? o->net.v6.n_addr : o->net.n_addr;
	c->src = o->to.sa.sa_family == AF_INET6 ? o->net.v6.addr : o->net.addr;
	if (o->net.port_lo != 0)
		c->ports = (uint32_t)o->net.port_hi - o->net.port_lo + 1;
	if (o->net.max_conns != 0)
		c->max_conns = o->net.max_conns;
	c->conc = o->flows;
	c->req_size = (uint32_t)o->size;
	c->resp_size = o->size;
	c->count = o->count;
	c->rate = o->rate;
	c->timeout_ns = o->timeout_ns;
}

/* The client's settings checked before the stack comes up. */
static int
check_client(struct opts *o)
{
	struct app_cli_conf c;

	client_conf(o, &c);
	o->net.max_socks = app_client_socks(&c);
	return app_client_check(PROG, &c, rte_lcore_count());
}

/* A whole client run. */
static int
run_client(struct opts *o, struct dps_stack *s)
{
	static const char *const names[] = { "rr", "crr", "udp" };
	struct app_cli_conf c;
	struct app_client *cl;
	int rc;

	client_conf(o, &c);
	cl = app_client_create(PROG, s, &c);
	if (cl == NULL)
		return 2;
	o->rep.what = names[o->mode];
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
	if (!o.echo && check_client(&o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	s = app_stack_up(PROG, &o.net);
	if (s == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	o.rep.s = s;
	rc = o.echo ? run_echo(&o, s) : run_client(&o, s);
	app_stack_down(s);
	rte_eal_cleanup();
	return rc;
}
