/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps-connect: TCP connects from application threads, counted and timed.
 *
 *   dps-connect [EAL args] -- --addr 198.18.0.2/24 --to 198.18.0.1:8080 \
 *       --threads 4 --count 10000 --mode seq|concurrent [--window N]
 *   dps-connect [EAL args] -- --addr 2001:db8::2/64 --to '[2001:db8::1]:8080'
 *
 * The stack polls on the main lcore; --threads ordinary pthreads (not EAL
 * lcores) share --count connects. "seq": each thread makes blocking
 * connects one after another. "concurrent": each thread keeps --window
 * non-blocking connects in flight and collects them with dps_epoll_wait().
 * The sockets are of --to's family: AF_INET6 for an IPv6 one, which
 * needs an IPv6 --addr (a port may have one of each family).
 * Every connect must succeed (or fail with --expect's errno); each
 * connection is closed (RST until the orderly close exists). At the end
 * the tool checks that no socket, table entry, port or mbuf is left over.
 * "--mode rtt" instead measures the request ring's round trip (thread ->
 * lcore -> completion) with empty requests.
 * Exit status: 0 all as expected, 1 otherwise, 2 bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_config.h"
#include "app_stack.h"

enum mode { MODE_SEQ, MODE_CONCURRENT, MODE_RTT };

/* The socket calls a worker makes: dpstack's, or the kernel's (--kernel)
 * for the comparison on loopback. */
struct sockapi {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*close)(int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*epoll_create)(void);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
};

static int
kernel_epoll_create(void)
{
	return epoll_create1(0);
}

static const struct sockapi dps_api = {
	dps_socket, dps_connect, dps_close, dps_getsockopt,
	dps_epoll_create, dps_epoll_ctl, dps_epoll_wait,
};
static const struct sockapi kernel_api = {
	socket, connect, close, getsockopt,
	kernel_epoll_create, epoll_ctl, epoll_wait,
};

/* One family's side of the port: its --addr and --gw. */
struct fam {
	struct dps_addr addr, gw;
	uint8_t plen;
	bool has_addr, has_gw;
};

struct opts {
	struct fam v4, v6;		/* --addr and --gw of each family */
	bool kernel, all_lcores;
	const struct sockapi *api;
	union app_sockaddr to;
	unsigned int threads, count, window, expect;
	enum mode mode;
	uint16_t port_lo, port_hi;
	uint32_t link_ms;		/* --link-timeout */
};

struct worker {
	pthread_t th;
	const struct opts *o;
	unsigned int n;			/* connects to make */
	unsigned int ok, wrong, errs[256];
	uint64_t *lat_ns;		/* per connect */
	unsigned int n_lat;
};

static struct dps_stack *stack;
static int stack_ifx;			/* the port's interface */

static void
on_signal(int sig)
{
	(void)sig;
	if (stack != NULL)
		dps_stack_stop(stack);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dps-connect [EAL options] -- [options]\n"
"TCP connects from application threads through the socket API, counted\n"
"and timed, then a leak check. Durations: 10s, 500ms, 2m, 1h.\n"
"  --addr A/LEN        our address (default 198.18.0.2/24), IPv4 or IPv6\n"
"                      (2001:db8::2/64); one of each makes the port\n"
"                      dual-stack\n"
"  --gw IP             default gateway (needed for a --to off the subnet),\n"
"                      IPv4 or IPv6 (one of each may be given)\n"
"  --to IP:PORT        where to connect (required except for --mode rtt):\n"
"                      198.18.0.1:8080 or [2001:db8::1]:8080, AF_INET or\n"
"                      AF_INET6 sockets by its family\n"
"  --threads N         application threads (default 4)\n"
"  --count N           connects in total (default 10000)\n"
"  --mode M            seq: blocking connects one after another per thread\n"
"                      (default); concurrent: --window non-blocking ones in\n"
"                      flight per thread, collected with dps_epoll_wait();\n"
"                      rtt: time the request ring's round trip instead\n"
"  --window N          connects in flight per thread, concurrent (default 64)\n"
"  --expect ERRNO      each connect must fail with this errno number\n"
"  --ports LO-HI       ephemeral port range (default 32768-60999)\n"
"  --kernel            same work through the kernel's sockets (comparison)\n"
"  --all-lcores        a stack lcore (and queue) per EAL lcore, not just one\n"
"  --link-timeout D    wait this long for the link (default 3s); a link\n"
"                      still down then ends the run with status 1\n"
"  -h, --help          this text; --version the version (neither starts\n"
"                      the EAL)\n"
"Exit status: 0 every connect as expected and nothing leaked, 1\n"
"otherwise (the link down and the stack not started included), 2 bad\n"
"arguments.\n"
"examples:\n"
"  dps-connect --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --addr 198.18.0.2/24 --to 198.18.0.1:8080 --mode concurrent\n"
"  dps-connect --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --addr 2001:db8::2/64 --to '[2001:db8::1]:8080' --mode concurrent\n"
"  dps-connect --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --mode rtt --count 100000 --threads 1\n");
}

static int
bad_arg(const char *what, const char *val)
{
	return app_bad_arg("dps-connect", what, val);
}

/* --addr A/LEN of either family (app_parse_addrs()'s rules, one address):
 * that family's address; a bad one gets a line saying why. */
static int
parse_addr(struct opts *o, const char *arg)
{
	struct dps_addr a;
	uint32_t count;
	uint8_t plen;
	const char *why;
	struct fam *f;

	if (app_parse_addrs(arg, &a, &count, &plen, &why) != 0 || count != 1) {
		fprintf(stderr, "dps-connect: invalid --addr '%s': %s (A/LEN, one "
			"address; try --help)\n", arg, count != 1 ? "a range" : why);
		return -EINVAL;
	}
	f = a.family == AF_INET6 ? &o->v6 : &o->v4;
	f->addr = a;
	f->plen = plen;
	f->has_addr = true;
	return 0;
}

/* --gw IP: the gateway of its family. */
static int
parse_gw(struct opts *o, const char *arg)
{
	struct dps_addr gw;
	struct fam *f;

	if (dps_addr_parse(arg, &gw) == 0)
		f = &o->v4;
	else if (dps_addr6_parse(arg, &gw) == 0 && gw.v6[0] != 0xff)
		f = &o->v6;
	else
		return bad_arg("--gw (an IPv4 or IPv6 unicast address)", arg);
	f->gw = gw;
	f->has_gw = true;
	return 0;
}

static int
parse_opt(struct opts *o, int c, const char *arg)
{
	unsigned int lo, hi;

	switch (c) {
	case 'a':
		return parse_addr(o, arg);
	case 'g':
		return parse_gw(o, arg);
	case 't':
		return app_parse_endpoint(arg, &o->to) == 0 ? 0 :
			bad_arg("--to (IP:PORT or [IPv6]:PORT)", arg);
	case 'T':
		return app_parse_uint(arg, 1, 256, &o->threads) == 0 ? 0 :
			bad_arg("--threads", arg);
	case 'n':
		return app_parse_uint(arg, 1, 100000000, &o->count) == 0 ? 0 :
			bad_arg("--count", arg);
	case 'w':
		return app_parse_uint(arg, 1, 8192, &o->window) == 0 ? 0 :
			bad_arg("--window", arg);
	case 'e':
		return app_parse_uint(arg, 1, 255, &o->expect) == 0 ? 0 :
			bad_arg("--expect", arg);
	case 'p':
		if (app_parse_range(arg, 1, 65535, &lo, &hi) != 0 || lo == hi)
			return bad_arg("--ports", arg);
		o->port_lo = (uint16_t)lo;
		o->port_hi = (uint16_t)hi;
		return 0;
	case 'k':
		o->kernel = true;
		return 0;
	case 'L':
		o->all_lcores = true;
		return 0;
	case 'W': {
		uint64_t ns;

		if (app_parse_duration(arg, 1000000, 3600ull * 1000000000, &ns) != 0)
			return bad_arg("--link-timeout", arg);
		o->link_ms = (uint32_t)(ns / 1000000);
		return 0;
	}
	case 'm':
		if (strcmp(arg, "seq") == 0)
			o->mode = MODE_SEQ;
		else if (strcmp(arg, "concurrent") == 0)
			o->mode = MODE_CONCURRENT;
		else if (strcmp(arg, "rtt") == 0)
			o->mode = MODE_RTT;
		else
			return bad_arg("--mode", arg);
		return 0;
	default:
		return -EINVAL;
	}
}

static const struct option longopts[] = {
	{ "addr", required_argument, NULL, 'a' },
	{ "gw", required_argument, NULL, 'g' },
	{ "to", required_argument, NULL, 't' },
	{ "threads", required_argument, NULL, 'T' },
	{ "count", required_argument, NULL, 'n' },
	{ "mode", required_argument, NULL, 'm' },
	{ "window", required_argument, NULL, 'w' },
	{ "expect", required_argument, NULL, 'e' },
	{ "ports", required_argument, NULL, 'p' },
	{ "kernel", no_argument, NULL, 'k' },
	{ "all-lcores", no_argument, NULL, 'L' },
	{ "link-timeout", required_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option for app_parse_opts() (which adds --config): --help, or
 * parse_opt(). */
static int
one_opt(void *ctx, int c, const char *arg)
{
	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	return parse_opt(ctx, c, arg);
}

/* --print-config: the options given, then the value of each other one
 * this run would use. */
static void
print_config(const void *p)
{
	const struct opts *o = p;
	static const char *const modes[] = { "seq", "concurrent", "rtt" };
	struct app_config_default d[8];
	unsigned int n = 0;
	char a[64];

	if (o->v4.has_addr) {
		dps_addr_fmt(&o->v4.addr, a, sizeof(a));
		APP_CONFIG_DEF(d, n, "addr", "%s/%u", a, o->v4.plen);
	}
	APP_CONFIG_DEF(d, n, "threads", "%u", o->threads);
	APP_CONFIG_DEF(d, n, "count", "%u", o->count);
	APP_CONFIG_DEF(d, n, "mode", "%s", modes[o->mode]);
	APP_CONFIG_DEF(d, n, "window", "%u", o->window);
	APP_CONFIG_DEF(d, n, "link-timeout", "%ums", o->link_ms);
	app_config_print_all(stdout, "dps-connect", d, n);
}

/* A --to the stack can reach: an address of its family on the port, and
 * the target in that subnet or a --gw of the family (app_check_target()). */
static int
check_target(const struct opts *o)
{
	const struct fam *f = o->to.sa.sa_family == AF_INET6 ? &o->v6 : &o->v4;
	struct dps_addr t = app_sockaddr_addr(&o->to);
	char buf[64];

	if (!f->has_addr) {
		fprintf(stderr, "dps-connect: --to %s is %s and no --addr of that "
			"family was given\n", app_sockaddr_fmt(&o->to, buf, sizeof(buf)),
			o->to.sa.sa_family == AF_INET6 ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	return app_check_target_addr("dps-connect", &f->addr, f->plen, f->has_gw, &t);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->threads = 4;
	o->count = 10000;
	o->window = 64;
	o->link_ms = APP_LINK_WAIT_MS;
	if (app_parse_opts("dps-connect", argc, argv, longopts, one_opt, o) != 0)
		return -EINVAL;
	if (!o->v4.has_addr && !o->v6.has_addr) {
		dps_prefix_parse("198.18.0.2/24", &o->v4.addr, &o->v4.plen);
		o->v4.has_addr = true;
	}
	app_print_config_if_wanted(0, print_config, o);
	o->api = o->kernel ? &kernel_api : &dps_api;
	if (o->kernel && o->mode == MODE_RTT) {
		fprintf(stderr, "dps-connect: --kernel has no request ring to time\n");
		return -EINVAL;
	}
	if (o->mode != MODE_RTT && o->to.sa.sa_family == 0) {
		fprintf(stderr, "dps-connect: --to is required (try --help)\n");
		return -EINVAL;
	}
	if (o->mode != MODE_RTT && !o->kernel && check_target(o) != 0)
		return -EINVAL;
	if (o->count < o->threads) {
		fprintf(stderr, "dps-connect: --count %u is less than --threads %u\n",
			o->count, o->threads);
		return -EINVAL;
	}
	return 0;
}

/* Close a connection. The kernel is asked for an abortive close too
 * (SO_LINGER 0), which is what dpstack's close does until the orderly
 * close exists, so both sides do the same work. */
static void
wclose(struct worker *w, int fd)
{
	if (w->o->kernel) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	w->o->api->close(fd);
}

/* One finished connect: 0 or an errno. */
static void
record(struct worker *w, int err, uint64_t t0)
{
	if (w->n_lat < w->n)
		w->lat_ns[w->n_lat++] = app_now_ns() - t0;
	if ((unsigned int)err == w->o->expect)
		w->ok++;
	else
		w->wrong++;
	w->errs[err & 255]++;
}

static void *
seq_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < w->n; i++) {
		int fd = w->o->api->socket(w->o->to.sa.sa_family, SOCK_STREAM, 0);
		uint64_t t0 = app_now_ns();
		int err = 0;

		if (fd < 0) {
			record(w, errno, t0);
			continue;
		}
		if (w->o->api->connect(fd, &w->o->to.sa, app_sockaddr_len(&w->o->to)) != 0)
			err = errno;
		record(w, err, t0);
		wclose(w, fd);
		if (err == ESHUTDOWN)
			break;
	}
	return NULL;
}

/* Start one non-blocking connect and register it; false when it failed
 * synchronously (recorded). */
static bool
conc_start(struct worker *w, int ep, uint64_t *t0)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	int fd = w->o->api->socket(w->o->to.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	uint64_t t = app_now_ns();

	if (fd < 0) {
		record(w, errno, t);
		return false;
	}
	if (w->o->api->connect(fd, &w->o->to.sa, app_sockaddr_len(&w->o->to)) == 0 ||
			errno != EINPROGRESS) {
		record(w, errno == EINPROGRESS ? 0 : errno, t);
		wclose(w, fd);
		return false;
	}
	ev.data.fd = fd;
	t0[fd % 65536] = t;
	if (w->o->api->epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		record(w, errno, t);
		wclose(w, fd);
		return false;
	}
	return true;
}

static void *
conc_main(void *arg)
{
	struct worker *w = arg;
	uint64_t *t0 = calloc(65536, sizeof(*t0));
	struct epoll_event evs[64];
	unsigned int started = 0, done = 0, inflight = 0;
	int ep = w->o->api->epoll_create();

	if (ep < 0 || t0 == NULL) {
		fprintf(stderr, "dps-connect: epoll: %s\n", strerror(errno));
		free(t0);
		return NULL;
	}
	while (done < w->n) {
		while (inflight < w->o->window && started < w->n) {
			started++;
			if (conc_start(w, ep, t0))
				inflight++;
			else
				done++;
		}
		int n = w->o->api->epoll_wait(ep, evs, 64, 1000);

		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, err = 0;
			socklen_t len = sizeof(err);

			w->o->api->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			record(w, err, t0[fd % 65536]);
			wclose(w, fd);
			inflight--;
			done++;
		}
		if (n == 0 && stack != NULL && dps_stack_stopping(stack))
			break;
	}
	w->o->api->close(ep);
	free(t0);
	return NULL;
}

static void *
rtt_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < w->n; i++) {
		uint64_t t0 = app_now_ns();
		int err = dps_stack_nop(stack, 0) == 0 ? 0 : errno;

		record(w, err, t0);
		if (err == ESHUTDOWN)
			break;
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sum up, print, and say whether every connect went as expected. */
static bool
report(struct worker *w, unsigned int n, uint64_t elapsed_ns, const char *what)
{
	unsigned int ok = 0, wrong = 0, total_lat = 0, errs[256] = { 0 };
	uint64_t *all;

	for (unsigned int i = 0; i < n; i++) {
		ok += w[i].ok;
		wrong += w[i].wrong;
		total_lat += w[i].n_lat;
		for (int e = 0; e < 256; e++)
			errs[e] += w[i].errs[e];
	}
	all = calloc(total_lat ? total_lat : 1, sizeof(*all));
	for (unsigned int i = 0, k = 0; i < n; i++)
		for (unsigned int j = 0; j < w[i].n_lat; j++)
			all[k++] = w[i].lat_ns[j];
	qsort(all, total_lat, sizeof(*all), cmp_u64);
	printf("%s: %u as expected, %u not\n", what, ok, wrong);
	for (int e = 0; e < 256; e++)
		if (errs[e] != 0)
			printf("  result %s: %u\n", e == 0 ? "success" : strerror(e), errs[e]);
	if (total_lat != 0)
		printf("rate: %.0f/s over %.3f s; latency p50 %.1f us, p99 %.1f us, max %.1f us\n",
			(double)total_lat * 1e9 / (double)elapsed_ns,
			(double)elapsed_ns / 1e9, all[total_lat / 2] / 1e3,
			all[(uint64_t)total_lat * 99 / 100] / 1e3,
			all[total_lat - 1] / 1e3);
	free(all);
	return wrong == 0 && ok == w[0].o->count;
}

static bool
check_leaks(struct dps_stack *s, unsigned int mbuf_base)
{
	struct dps_sock_stats st;

	for (int i = 0; i < 200; i++) {
		dps_stack_sock_stats(s, &st);
		if (app_stack_clean(&st, mbuf_base))
			break;
		usleep(10000);
	}
	printf("left over: %u sockets, %u connections (%u in TIME_WAIT), %u ports, "
		"%u mbufs (baseline %u)\n", st.socks_in_use, st.conns, st.time_wait,
		st.tcp_ports_held, st.mbufs_in_use, mbuf_base);
	return app_stack_clean(&st, mbuf_base);
}

/* One family's address on interface @ifx, and its default route via
 * --gw. */
static int
fam_config(const struct fam *f, int ifx)
{
	struct dps_addr any = { .family = f->addr.family };
	char a[INET6_ADDRSTRLEN];
	int rc;

	if (!f->has_addr)
		return 0;
	rc = dps_stack_add_addr(stack, ifx, &f->addr, f->plen);
	if (rc != 0) {
		fprintf(stderr, "dps-connect: cannot add %s/%u: %s\n",
			dps_addr_fmt(&f->addr, a, sizeof(a)), f->plen, strerror(-rc));
		return rc;
	}
	if (!f->has_gw)
		return 0;
	rc = dps_stack_add_route(stack, &any, 0, &f->gw, ifx);
	if (rc != 0)
		fprintf(stderr, "dps-connect: cannot add the route via --gw %s: %s\n",
			dps_addr_fmt(&f->gw, a, sizeof(a)), strerror(-rc));
	return rc;
}

/*
 * Wait until duplicate address detection has settled the IPv6 --addr
 * (RFC 4862 5.4: a tentative address is no source), from this
 * application thread while lcore 0 polls: true once it is preferred;
 * false after a line saying why (another node's, or no verdict in 10 s).
 */
static bool
dad_wait(const struct opts *o)
{
	uint64_t end = app_now_ns() + 10000000000ull;
	char a[INET6_ADDRSTRLEN];
	int st;

	if (!o->v6.has_addr)
		return true;
	while ((st = dps_stack_addr6_state(stack, stack_ifx, &o->v6.addr)) ==
			DPS_ADDR6_TENTATIVE && app_now_ns() < end &&
			!dps_stack_stopping(stack))
		usleep(10000);
	if (st == DPS_ADDR6_PREFERRED)
		return true;
	fprintf(stderr, "dps-connect: IPv6 address %s: %s\n",
		dps_addr_fmt(&o->v6.addr, a, sizeof(a)), st == DPS_ADDR6_DUPLICATE ?
		"another node's (duplicate address detection, RFC 4862 5.4)" :
		"duplicate address detection gave no verdict");
	return false;
}

static int
stack_up(const struct opts *o)
{
	struct dps_stack_conf sc = { .name = "dpsc", .nb_mbufs = 16383,
		.link_wait_ms = o->link_ms };
	unsigned int id;
	struct dps_sock_conf kc = { .port_lo = o->port_lo, .port_hi = o->port_hi,
		.max_socks = 65535 };
	int ifx, rc;

	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "dps-connect: no ethdev port (give --vdev=...)\n");
		return -ENODEV;
	}
	if (o->all_lcores) {
		/* The main lcore first: it runs stack lcore 0 itself. */
		sc.lcores[sc.n_lcores++] = rte_get_main_lcore();
		RTE_LCORE_FOREACH_WORKER(id)
			sc.lcores[sc.n_lcores++] = id;
	}
	stack = dps_stack_create(&sc);
	if (stack == NULL)
		return -ENOMEM;
	rc = dps_stack_set_sock_conf(stack, &kc);
	if (rc != 0) {
		fprintf(stderr, "dps-connect: invalid --ports\n");
		return rc;
	}
	ifx = dps_stack_add_port(stack, 0, NULL);
	if (ifx < 0)
		return -EINVAL;
	stack_ifx = ifx;
	if ((rc = fam_config(&o->v4, ifx)) != 0 || (rc = fam_config(&o->v6, ifx)) != 0)
		return rc;
	rc = dps_stack_start(stack);
	if (rc == 0 && !app_link_up("dps-connect", 0, o->link_ms))
		return -ENETDOWN;
	if (rc == 0)
		rc = dps_stack_launch(stack);
	if (rc != 0)
		fprintf(stderr, "dps-connect: %s\n", dps_stack_strerror(stack));
	return rc;
}

struct run {
	pthread_attr_t attr;		/* application threads: off the lcores */
	const struct opts *o;
	struct worker *w;
	bool ok;
	int done;
};

/* The application side, on its own pthread while main polls. */
static void *
run_main(void *arg)
{
	struct run *r = arg;
	const struct opts *o = r->o;
	void *(*fn)(void *) = o->mode == MODE_SEQ ? seq_main :
		o->mode == MODE_CONCURRENT ? conc_main : rtt_main;
	struct dps_sock_stats st;
	uint64_t t0;

	memset(&st, 0, sizeof(st));
	if (stack != NULL && !dad_wait(o)) {
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		dps_stack_stop(stack);
		return NULL;
	}
	if (stack != NULL) {
		usleep(200000);		/* let the gratuitous ARP go out */
		dps_stack_sock_stats(stack, &st);
	}
	t0 = app_now_ns();
	for (unsigned int i = 0; i < o->threads; i++)
		pthread_create(&r->w[i].th, &r->attr, fn, &r->w[i]);
	for (unsigned int i = 0; i < o->threads; i++)
		pthread_join(r->w[i].th, NULL);
	r->ok = report(r->w, o->threads, app_now_ns() - t0,
		o->mode == MODE_RTT ? "round trips" : "connects");
	if (stack != NULL)
		for (unsigned int i = 0; i < dps_stack_lcore_count(stack); i++) {
			struct dps_counters c;

			dps_stack_counters(stack, (int)i, &c);
			printf("lcore %u: tcp_connects %" PRIu64 " tcp_established %"
				PRIu64 " tcp_rx_handoff %" PRIu64 " tcp_icmp6_handoff %"
				PRIu64 "\n", i, c.tcp_connects, c.tcp_established,
				c.tcp_rx_handoff, c.tcp_icmp6_handoff);
		}
	if (o->mode != MODE_RTT && !o->kernel)
		r->ok &= check_leaks(stack, st.mbufs_in_use);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	if (stack != NULL)
		dps_stack_stop(stack);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct worker *w;
	struct run r = { 0 };
	pthread_t th;
	char **av;
	int n, ac, rc;
	bool help;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = app_split_args(argc, argv, &ac, &av, &help);
	rc = app_early_args("dps-connect", argc, argv, n, longopts, usage);
	if (rc >= 0)
		return rc;
	if (parse_args(ac, av, &o) != 0)
		return 2;
	if (dps_eal_init(n, argv) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!o.kernel && stack_up(&o) != 0)
		return 1;
	w = calloc(o.threads, sizeof(*w));
	for (unsigned int i = 0; i < o.threads; i++) {
		w[i].o = &o;
		w[i].n = o.count / o.threads + (i < o.count % o.threads);
		w[i].lat_ns = calloc(w[i].n, sizeof(uint64_t));
	}
	r.o = &o;
	r.w = w;
	app_thread_attr(&r.attr);
	if (o.kernel) {
		run_main(&r);
	} else {
		pthread_create(&th, &r.attr, run_main, &r);
		dps_stack_run(stack, 0);
		pthread_join(th, NULL);
		dps_stack_wait(stack);
		dps_stack_destroy(stack);
	}
	pthread_attr_destroy(&r.attr);
	for (unsigned int i = 0; i < o.threads; i++)
		free(w[i].lat_ns);
	free(w);
	rte_eal_cleanup();
	return r.ok ? 0 : 1;
}
