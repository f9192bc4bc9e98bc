/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps-ping: bring dpstack up on a port and show ARP and ICMP working.
 *
 *   dps-ping [EAL args] -- --addr 198.18.0.2/24 [--ping 198.18.0.1] ...
 *       one stack on ethdev port 0 (any device: --vdev=net_af_packet0,...);
 *       answers ARP and pings, and pings --ping from an application thread.
 *   dps-ping [EAL args] -- --addr 2001:db8::2/64 --ping 2001:db8::1 ...
 *       the same over IPv6 (an address with a colon is IPv6): answers
 *       neighbour solicitations and ICMPv6 echo, pings with ICMPv6; prints
 *       "ipv6: ready" once duplicate address detection has ended.
 *   dps-ping [EAL args] -- --wire
 *       two stacks linked by the in-process test wire, pinging each other.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_config.h"
#include "app_stack.h"

struct opts {
	struct dps_addr addr[DPS_MAX_ADDRS];
	uint8_t plen[DPS_MAX_ADDRS];
	unsigned int n_addr;
	struct dps_addr gw, gw6, target;
	bool has_gw, has_gw6, has_target, wire, no_offload, wait_usr1;
	unsigned int count, interval_ms, timeout_ms, serve_ms, link_ms;
	uint16_t port;
};

static struct dps_stack *stacks[2];
static volatile int stop_flag;
static volatile int go_flag;		/* SIGUSR1 came (--start-on-usr1) */
static volatile int ip6_ready;		/* DAD ended for every IPv6 address */

static void
on_usr1(int sig)
{
	(void)sig;
	go_flag = 1;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	for (int i = 0; i < 2; i++)
		if (stacks[i] != NULL)
			dps_stack_stop(stacks[i]);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dps-ping [EAL options] -- [options]\n"
"Brings dpstack up on an ethdev port, answers ARP and pings, and pings\n"
"--ping from an application thread. Durations: 10s, 500ms, 2m, 1h (a\n"
"bare number is seconds).\n"
"  --addr A/LEN      address on the port, IPv4 or IPv6 (repeatable;\n"
"                    default 198.18.0.2/24)\n"
"  --gw IP           default gateway, IPv4 or IPv6 (one of each; needed\n"
"                    for a --ping off the subnet)\n"
"  --ping IP         ping IP (IPv4, or IPv6 once DAD has ended) from an\n"
"                    application thread\n"
"  --count N         pings to send (default 5)\n"
"  --interval D      between pings (default 200ms)\n"
"  --timeout D       per ping (default 1s)\n"
"  --serve D         keep answering ARP/ping for D after the pings\n"
"                    (default 0)\n"
"  --start-on-usr1   send the first ping when SIGUSR1 comes (a script\n"
"                    that sets the peer up after the port is up)\n"
"  --port N          ethdev port id (default 0)\n"
"  --no-offload      do every checksum in software\n"
"  --link-timeout D  wait this long for the link (default 2s); with\n"
"                    --ping, a link still down then ends the run, status 1\n"
"  --wire            self-contained: two stacks on an in-process test wire\n"
"  -h, --help        this text; --version the version (neither starts the EAL)\n"
"Exit status: 0 every ping answered (or none asked), 1 a ping unanswered,\n"
"the link down or the stack not started, 2 bad arguments.\n"
"examples:\n"
"  dps-ping --no-huge -m 256 --no-pci --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --addr 198.18.0.2/24 --ping 198.18.0.1 --serve 5s\n"
"  dps-ping --no-huge -m 256 --no-pci -- --wire --count 10 --interval 10ms\n");
}

static int
bad_arg(const char *what, const char *val)
{
	return app_bad_arg("dps-ping", what, val);
}

/* A duration of at least @p lo_ms and at most a day, in ms; 0 or -EINVAL. */
static int
opt_ms(const char *arg, unsigned int lo_ms, unsigned int *ms)
{
	uint64_t ns;

	if (app_parse_duration(arg, lo_ms * 1000000ull, 86400ull * 1000000000, &ns) != 0)
		return -EINVAL;
	*ms = (unsigned int)(ns / 1000000);
	return 0;
}

static int
parse_opt(struct opts *o, int c, const char *arg)
{
	unsigned int v;

	switch (c) {
	case 'a':
		if (o->n_addr == DPS_MAX_ADDRS || (strchr(arg, ':') != NULL ?
				dps_prefix6_parse(arg, &o->addr[o->n_addr], &o->plen[o->n_addr]) :
				dps_prefix_parse(arg, &o->addr[o->n_addr], &o->plen[o->n_addr])))
			return bad_arg("--addr", arg);
		o->n_addr++;
		return 0;
	case 'g':
		if (strchr(arg, ':') != NULL) {
			o->has_gw6 = true;
			return dps_addr6_parse(arg, &o->gw6) ? bad_arg("--gw", arg) : 0;
		}
		o->has_gw = true;
		return dps_addr_parse(arg, &o->gw) ? bad_arg("--gw", arg) : 0;
	case 'p':
		o->has_target = true;
		if (strchr(arg, ':') != NULL)
			return dps_addr6_parse(arg, &o->target) ? bad_arg("--ping", arg) : 0;
		return dps_addr_parse(arg, &o->target) ? bad_arg("--ping", arg) : 0;
	case 'c':
		return app_parse_uint(arg, 0, 1000000, &o->count) ? bad_arg("--count", arg) : 0;
	case 'i':
		return opt_ms(arg, 0, &o->interval_ms) ? bad_arg("--interval", arg) : 0;
	case 't':
		return opt_ms(arg, 1, &o->timeout_ms) ? bad_arg("--timeout", arg) : 0;
	case 's':
		return opt_ms(arg, 0, &o->serve_ms) ? bad_arg("--serve", arg) : 0;
	case 'l':
		return opt_ms(arg, 1, &o->link_ms) ? bad_arg("--link-timeout", arg) : 0;
	case 'P':
		if (app_parse_uint(arg, 0, RTE_MAX_ETHPORTS - 1, &v))
			return bad_arg("--port", arg);
		o->port = (uint16_t)v;
		return 0;
	case 'n':
		o->no_offload = true;
		return 0;
	case 'w':
		o->wire = true;
		return 0;
	case 'u':
		o->wait_usr1 = true;
		return 0;
	default:
		fprintf(stderr, "dps-ping: unknown option (try --help)\n");
		return -EINVAL;
	}
}

static const struct option longopts[] = {
	{ "addr", required_argument, NULL, 'a' },
	{ "gw", required_argument, NULL, 'g' },
	{ "ping", required_argument, NULL, 'p' },
	{ "count", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, 'i' },
	{ "timeout", required_argument, NULL, 't' },
	{ "link-timeout", required_argument, NULL, 'l' },
	{ "serve", required_argument, NULL, 's' },
	{ "port", required_argument, NULL, 'P' },
	{ "no-offload", no_argument, NULL, 'n' },
	{ "wire", no_argument, NULL, 'w' },
	{ "start-on-usr1", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* parse_opt() for app_parse_opts() (which adds --config). */
static int
one_opt(void *ctx, int c, const char *arg)
{
	return parse_opt(ctx, c, arg);
}

/* --print-config: the options given, then the value of each other one
 * this run would use. */
static void
print_config(const void *p)
{
	const struct opts *o = p;
	struct app_config_default d[8];
	unsigned int n = 0;
	char a[64];

	dps_addr_fmt(&o->addr[0], a, sizeof(a));
	APP_CONFIG_DEF(d, n, "addr", "%s/%u", a, o->plen[0]);
	APP_CONFIG_DEF(d, n, "count", "%u", o->count);
	APP_CONFIG_DEF(d, n, "interval", "%ums", o->interval_ms);
	APP_CONFIG_DEF(d, n, "timeout", "%ums", o->timeout_ms);
	APP_CONFIG_DEF(d, n, "link-timeout", "%ums", o->link_ms);
	app_config_print_all(stdout, "dps-ping", d, n);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = 5;
	o->interval_ms = 200;
	o->timeout_ms = 1000;
	o->link_ms = 2000;
	if (app_parse_opts("dps-ping", argc, argv, longopts, one_opt, o) != 0)
		return -EINVAL;
	if (o->n_addr == 0) {
		dps_prefix_parse("198.18.0.2/24", &o->addr[0], &o->plen[0]);
		o->n_addr = 1;
	}
	app_print_config_if_wanted(0, print_config, o);
	if (!o->has_target || o->wire || o->target.family == AF_INET6)
		return 0;
	for (unsigned int i = 0; i < o->n_addr; i++)
		if (o->addr[i].family == AF_INET && app_on_subnet(o->addr[i].v4, o->plen[i], o->target.v4))
			return 0;
	return app_check_target("dps-ping", o->addr[0].v4, o->plen[0], o->has_gw,
		o->target.v4);
}

/* An application thread pinging through the request ring. */
struct pinger {
	struct dps_stack *s;
	struct dps_addr target;
	const struct opts *o;
	const char *tag;
	unsigned int sent, ok;
	volatile int done;
};

static void *
pinger_main(void *arg)
{
	struct pinger *p = arg;
	struct dps_thread *t = dps_thread_attach(p->s);
	char ip[64];

	dps_addr_fmt(&p->target, ip, sizeof(ip));
	while (p->o->wait_usr1 && !go_flag && !stop_flag)
		usleep(10000);
	while (p->target.family == AF_INET6 && !ip6_ready && !stop_flag)
		usleep(10000);
	for (unsigned int seq = 1; t != NULL && seq <= p->o->count && !stop_flag; seq++) {
		uint64_t rtt = 0;

		p->sent++;
		if (dps_ping(t, &p->target, (uint16_t)seq, p->o->timeout_ms, &rtt) == 0) {
			printf("%sreply from %s: seq=%u time=%.1f us\n", p->tag, ip,
				seq, (double)rtt / 1000.0);
			p->ok++;
		} else {
			printf("%sno reply from %s: seq=%u: %s\n", p->tag, ip, seq,
				strerror(errno));
		}
		fflush(stdout);
		if (seq < p->o->count)
			usleep(p->o->interval_ms * 1000u);
	}
	if (t == NULL)
		fprintf(stderr, "dps-ping: cannot attach thread: %s\n", strerror(errno));
	dps_thread_detach(t);
	p->done = 1;
	return NULL;
}

static void
print_counter(const char *name, uint64_t v, void *arg)
{
	if (v != 0 && strstr(name, "cycles") == NULL && strcmp(name, "poll_loops") != 0)
		printf("%s  %-24s %" PRIu64 "\n", (const char *)arg, name, v);
}

static void
print_counters(struct dps_stack *s, const char *tag)
{
	struct dps_counters c;

	dps_stack_counters(s, -1, &c);
	printf("%scounters:\n", tag);
	dps_counters_foreach(&c, print_counter, (void *)tag);
	for (unsigned int i = 0; i < dps_stack_lcore_count(s); i++) {
		dps_stack_counters(s, (int)i, &c);
		printf("%slcore %u: rx %" PRIu64 " tx %" PRIu64 " requests %" PRIu64 "\n",
			tag, dps_stack_lcore_id(s, i), c.eth_rx_pkts, c.eth_tx_pkts,
			c.req_rx);
	}
}

static struct dps_stack *
stack_up(const char *name, uint16_t port, const struct opts *o,
	const struct dps_addr *addrs, const uint8_t *plen, unsigned int n_addr,
	struct rte_mempool *pool)
{
	struct dps_stack_conf sc = { .name = name, .link_wait_ms = o->link_ms,
		.pools = { pool } };
	unsigned int lc;

	/* One stack lcore per EAL lcore (-l 0-1: two queues), main lcore
	 * first; the wire's net_ring ports have one queue, so it uses one. */
	sc.lcores[sc.n_lcores++] = rte_get_main_lcore();
	if (!o->wire)
		RTE_LCORE_FOREACH_WORKER(lc)
			sc.lcores[sc.n_lcores++] = lc;
	struct dps_port_conf pc = { .no_offload = o->no_offload,
		.ipv6 = o->has_target && o->target.family == AF_INET6 };
	struct dps_stack *s = dps_stack_create(&sc);
	int ifx, rc = 0;

	if (s == NULL) {
		fprintf(stderr, "dps-ping: cannot create stack: %s\n",
			rte_strerror(rte_errno));
		return NULL;
	}
	ifx = dps_stack_add_port(s, port, &pc);
	for (unsigned int i = 0; ifx >= 0 && rc == 0 && i < n_addr; i++)
		rc = dps_stack_add_addr(s, ifx, &addrs[i], plen[i]);
	if (ifx >= 0 && rc == 0 && o->has_gw) {
		struct dps_addr any = dps_addr_v4(0);

		rc = dps_stack_add_route(s, &any, 0, &o->gw, ifx);
	}
	if (ifx >= 0 && rc == 0 && o->has_gw6) {
		struct dps_addr any6 = { .family = AF_INET6 };

		rc = dps_stack_add_route(s, &any6, 0, &o->gw6, ifx);
	}
	if (ifx < 0 || rc != 0) {
		fprintf(stderr, "dps-ping: port %u: %s\n", port,
			strerror(-(ifx < 0 ? ifx : rc)));
		dps_stack_destroy(s);
		return NULL;
	}
	rc = dps_stack_start(s);
	if (rc != 0) {
		fprintf(stderr, "dps-ping: %s\n", dps_stack_strerror(s));
		dps_stack_destroy(s);
		return NULL;
	}
	return s;
}

static void
print_iface(struct dps_stack *s, const char *tag, const struct dps_addr *a,
	uint8_t plen)
{
	struct rte_ether_addr mac;
	char m[RTE_ETHER_ADDR_FMT_SIZE], ip[64];

	dps_stack_mac(s, 0, &mac);
	rte_ether_format_addr(m, sizeof(m), &mac);
	printf("%sup: %s/%u at %s, %u lcore(s)\n", tag,
		dps_addr_fmt(a, ip, sizeof(ip)), plen, m, dps_stack_lcore_count(s));
}

/* Whether duplicate address detection has ended for every IPv6
 * address of port 0 (the link-local one included); says so once. */
static void
check_ip6_ready(struct dps_stack *s, const struct opts *o)
{
	struct dps_addr ll;
	bool v6 = false;

	if (ip6_ready)
		return;
	for (unsigned int i = 0; i < o->n_addr; i++) {
		if (o->addr[i].family != AF_INET6)
			continue;
		v6 = true;
		if (dps_stack_addr6_state(s, 0, &o->addr[i]) == DPS_ADDR6_TENTATIVE)
			return;
	}
	if ((!v6 && o->target.family != AF_INET6) || dps_stack_linklocal(s, 0, &ll) != 0 ||
			dps_stack_addr6_state(s, 0, &ll) == DPS_ADDR6_TENTATIVE)
		return;
	printf("ipv6: ready, link-local %s\n", dps_addr_fmt(&ll, (char[64]){ 0 }, 64));
	fflush(stdout);
	ip6_ready = 1;
}

/* One stack on a real or virtual port. */
static int
run_single(const struct opts *o)
{
	struct pinger p = { .target = o->target, .o = o, .tag = "" };
	pthread_t th;
	uint64_t end;

	stacks[0] = stack_up("dps", o->port, o, o->addr, o->plen, o->n_addr, NULL);
	if (stacks[0] == NULL)
		return 1;
	if (o->has_target && !app_link_up("dps-ping", o->port, o->link_ms)) {
		dps_stack_destroy(stacks[0]);
		return 1;
	}
	print_iface(stacks[0], "", &o->addr[0], o->plen[0]);
	p.s = stacks[0];
	p.done = !o->has_target;
	if (o->has_target)
		pthread_create(&th, NULL, pinger_main, &p);
	if (dps_stack_launch(stacks[0]) != 0) {
		fprintf(stderr, "dps-ping: %s\n", dps_stack_strerror(stacks[0]));
		stop_flag = 1;
	}
	end = rte_get_timer_cycles() + (uint64_t)o->serve_ms * rte_get_timer_hz() / 1000;
	while (!stop_flag && !(p.done && rte_get_timer_cycles() >= end)) {
		dps_stack_poll(stacks[0], 0);
		check_ip6_ready(stacks[0], o);
	}
	dps_stack_stop(stacks[0]);
	dps_stack_wait(stacks[0]);
	if (o->has_target)
		pthread_join(th, NULL);
	print_counters(stacks[0], "");
	dps_stack_destroy(stacks[0]);
	if (o->has_target)
		printf("%u/%u replies\n", p.ok, p.sent);
	/* Success: every ping sent was answered (an interrupt sends fewer). */
	return o->has_target && (p.sent == 0 || p.ok != p.sent) ? 1 : 0;
}

static uint64_t
now_ns(void)
{
	return rte_get_timer_cycles() * 1000000000ull / rte_get_timer_hz();
}

/*
 * Two stacks on the test wire, each pinging the other. Frames from either
 * stack's pool sit in the other's rx ring or in the wire, so both stacks
 * share one pool that is freed only after the wire has returned them.
 */
static int
run_wire(struct opts *o)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create("dpsw_pool", 8191,
		256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	struct dps_testwire_conf wc = { .seed = 1, .pool = pool };
	struct dps_testwire *w = pool ? dps_testwire_create("dpsw", &wc) : NULL;
	struct dps_addr a[2];
	uint8_t plen = 24;
	struct pinger p[2];
	pthread_t th[2];
	int rc = 0;

	if (w == NULL) {
		fprintf(stderr, "dps-ping: test wire: %s\n", rte_strerror(rte_errno));
		rte_mempool_free(pool);
		return 1;
	}
	dps_addr_parse("198.18.0.1", &a[0]);
	dps_addr_parse("198.18.0.2", &a[1]);
	stacks[0] = stack_up("a", dps_testwire_port(w, 0), o, &a[0], &plen, 1, pool);
	stacks[1] = stacks[0] ? stack_up("b", dps_testwire_port(w, 1), o, &a[1], &plen, 1, pool) : NULL;
	for (int i = 0; i < 2 && stacks[1] != NULL; i++) {
		p[i] = (struct pinger){ .s = stacks[i], .target = a[1 - i], .o = o,
			.tag = i == 0 ? "[a] " : "[b] " };
		print_iface(stacks[i], p[i].tag, &a[i], 24);
		pthread_create(&th[i], NULL, pinger_main, &p[i]);
	}
	while (stacks[1] != NULL && !stop_flag && !(p[0].done && p[1].done)) {
		dps_stack_poll(stacks[0], 0);
		dps_stack_poll(stacks[1], 0);
		dps_testwire_pump(w, now_ns());
	}
	for (int i = 0; i < 2 && stacks[1] != NULL; i++) {
		dps_stack_stop(stacks[i]);
		pthread_join(th[i], NULL);
		print_counters(stacks[i], p[i].tag);
		rc |= p[i].sent == 0 || p[i].ok != p[i].sent;
		printf("%s%u/%u replies\n", p[i].tag, p[i].ok, p[i].sent);
	}
	for (int i = 0; i < 2; i++)
		dps_stack_destroy(stacks[i]);
	dps_testwire_destroy(w);
	rte_mempool_free(pool);
	return stacks[1] == NULL || rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	char **av;
	int n, ac, rc;
	bool help;

	/* Line-buffered even into a pipe or file: progress must show live. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = app_split_args(argc, argv, &ac, &av, &help);
	rc = app_early_args("dps-ping", argc, argv, n, longopts, usage);
	if (rc >= 0)
		return rc;
	if (parse_args(ac, av, &o) != 0)
		return 2;
	if (dps_eal_init(n, argv) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_usr1);
	if (!o.wire && rte_eth_dev_count_avail() <= o.port) {
		fprintf(stderr, "dps-ping: no ethdev port %u (add --vdev=... or -a PCI, or use --wire)\n",
			o.port);
		return 2;
	}
	rc = o.wire ? run_wire(&o) : run_single(&o);
	rte_eal_cleanup();
	return rc;
}
