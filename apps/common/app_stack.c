/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pdump.h>
#include "app_args.h"
#include "app_config.h"
#include "app_stack.h"

/* The network options app_stack_up() brought up: the IPv6 addresses
 * the lcores wait for (dad_wait()). */
static struct app_net up_net;

int
app_split_args(int argc, char **argv, int *ac, char ***av, bool *help)
{
	int dd = 1;

	*help = false;
	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	for (int i = 1; dd == argc && i < argc; i++)
		if (strcmp(argv[i], "--help") == 0)
			*help = true;
	if (dd < argc) {
		argv[dd] = argv[0];
		*ac = argc - dd;
		*av = argv + dd;
	} else {
		*ac = 1;
		*av = argv;
	}
	return dd;
}

void
app_net_init(struct app_net *n, const char *addr)
{
	memset(n, 0, sizeof(*n));
	if (dps_prefix_parse(addr, &n->addr, &n->plen) == 0)
		n->n_addr = 1;
}

void
app_net_default_addr(struct app_net *n, const char *addr)
{
	if (n->n_addr == 0 && n->v6.n_addr == 0 &&
			dps_prefix_parse(addr, &n->addr, &n->plen) == 0)
		n->n_addr = 1;
}

/* "A/LEN" or "A-B/LEN" (app_parse_addrs()): a run of consecutive
 * addresses, IPv4 or IPv6. A client binds its connections across them
 * to get more than one address's worth of ports. The port being given
 * (the last --dev's) keeps one run of each family. A bad one: a
 * one-line error saying what is wrong. */
static int
parse_addrs(const char *prog, struct app_net *n, const char *arg)
{
	struct app_port *p = n->n_more != 0 ? &n->more[n->n_more - 1] : NULL;
	const char *why;
	struct dps_addr first;
	uint32_t count;
	uint8_t plen;

	if (app_parse_addrs(arg, &first, &count, &plen, &why) != 0) {
		fprintf(stderr, "%s: invalid --addr '%s': %s (A/LEN or A-B/LEN; "
			"try --help)\n", prog, arg, why);
		return -EINVAL;
	}
	if (first.family == AF_INET6) {
		struct app_addr6 *v6 = p != NULL ? &p->v6 : &n->v6;

		v6->addr = first;
		v6->n_addr = count;
		v6->plen = plen;
		return 1;
	}
	if (p != NULL) {
		p->addr = first;
		p->n_addr = count;
		p->plen = plen;
		return 1;
	}
	n->addr = first;
	n->n_addr = count;
	n->plen = plen;
	return 1;
}

/* --gw IP: the gateway of its family on the port being given. */
static int
parse_gw(const char *prog, struct app_net *n, const char *arg)
{
	struct app_port *p = n->n_more != 0 ? &n->more[n->n_more - 1] : NULL;
	struct dps_addr gw;

	if (dps_addr_parse(arg, &gw) == 0) {
		*(p != NULL ? &p->has_gw : &n->has_gw) = true;
		*(p != NULL ? &p->gw : &n->gw) = gw;
		return 1;
	}
	if (dps_addr6_parse(arg, &gw) == 0 && gw.v6[0] != 0xff) {
		struct app_addr6 *v6 = p != NULL ? &p->v6 : &n->v6;

		v6->has_gw = true;
		v6->gw = gw;
		return 1;
	}
	return app_bad_arg(prog, "--gw (an IPv4 or IPv6 unicast address)", arg);
}

/* --dev N: the first one names the first port (when no --addr came
 * before it), each other one adds a port. */
static int
parse_dev(const char *prog, struct app_net *n, const char *arg)
{
	unsigned int v;

	if (app_parse_uint(arg, 0, RTE_MAX_ETHPORTS - 1, &v) != 0)
		return app_bad_arg(prog, "--dev (an ethdev port number)", arg);
	for (unsigned int i = 0; i < app_net_ports(n); i++)
		if ((n->dev_given || i > 0) && app_net_port(n, i).port_id == v)
			return app_bad_arg(prog, "--dev (given twice)", arg);
	if (!n->dev_given && n->n_more == 0 && n->n_addr == 0 && !n->has_gw &&
			n->v6.n_addr == 0 && !n->v6.has_gw) {
		n->port_id = (uint16_t)v;
		n->dev_given = true;
		return 1;
	}
	if (n->n_more == APP_MAX_PORTS - 1)
		return app_bad_arg(prog, "--dev (at most 4 ports)", arg);
	n->more[n->n_more++] = (struct app_port){ .port_id = (uint16_t)v };
	return 1;
}

unsigned int
app_net_config_defaults(const struct app_net *n, struct app_config_default *d)
{
	static const char *const tso[] = { "auto", "on", "off" };
	char a[INET_ADDRSTRLEN] = "";
	unsigned int k = 0;

	inet_ntop(AF_INET, &n->addr.v4, a, sizeof(a));
	d[k].name = "addr";
	if (n->n_addr > 1) {
		char b[INET_ADDRSTRLEN] = "";
		uint32_t last = htonl(ntohl(n->addr.v4) + n->n_addr - 1);

		inet_ntop(AF_INET, &last, b, sizeof(b));
		snprintf(d[k++].value, sizeof(d[0].value), "%s-%s/%u", a, b, n->plen);
	} else {
		snprintf(d[k++].value, sizeof(d[0].value), "%s/%u", a, n->plen);
	}
	d[k].name = "ports";
	snprintf(d[k++].value, sizeof(d[0].value), "%u-%u", n->port_lo ? n->port_lo : 32768,
		n->port_lo ? n->port_hi : 60999);
	d[k].name = "max-conns";
	snprintf(d[k++].value, sizeof(d[0].value), "%u", n->max_conns ? n->max_conns : 65536);
	d[k].name = "mbufs";
	snprintf(d[k++].value, sizeof(d[0].value), "%u", n->nb_mbufs ? n->nb_mbufs : 65535);
	d[k].name = "tso";
	snprintf(d[k++].value, sizeof(d[0].value), "%s", tso[n->tso < 3 ? n->tso : 0]);
	d[k].name = "link-timeout";
	snprintf(d[k++].value, sizeof(d[0].value), "%ums",
		n->link_wait_ms ? n->link_wait_ms : APP_LINK_WAIT_MS);
	d[k].name = "idle-ms";
	snprintf(d[k++].value, sizeof(d[0].value), "%u", n->idle_ms);
	return k;
}

unsigned int
app_net_ports(const struct app_net *n)
{
	return 1u + n->n_more;
}

struct app_port
app_net_port(const struct app_net *n, unsigned int i)
{
	if (i > 0)
		return n->more[i - 1];
	return (struct app_port){ .port_id = n->port_id, .has_gw = n->has_gw,
		.plen = n->plen, .n_addr = n->n_addr, .addr = n->addr, .gw = n->gw,
		.v6 = n->v6 };
}

int
app_net_opt(const char *prog, struct app_net *n, int c, const char *arg)
{
	unsigned int lo, hi, v;

	switch (c) {
	case 0x1000:
		return parse_addrs(prog, n, arg);
	case 0x1001:
		return parse_gw(prog, n, arg);
	case 0x1020:
		return parse_dev(prog, n, arg);
	case 0x1002:
		if (app_parse_range(arg, 1, 65535, &lo, &hi) != 0 || lo == hi)
			return app_bad_arg(prog, "--ports (LO-HI)", arg);
		n->port_lo = (uint16_t)lo;
		n->port_hi = (uint16_t)hi;
		return 1;
	case 0x1003:
		if (app_parse_uint(arg, 16, (1u << 25) - 1, &v) != 0)
			return app_bad_arg(prog, "--max-conns", arg);
		n->max_conns = v;
		return 1;
	case 0x1005:
		if (app_parse_uint(arg, 1024, 1u << 26, &v) != 0)
			return app_bad_arg(prog, "--mbufs", arg);
		n->nb_mbufs = v;
		return 1;
	case 0x1004:
		if (strcmp(arg, "auto") == 0)
			n->tso = DPS_TSO_AUTO;
		else if (strcmp(arg, "on") == 0)
			n->tso = DPS_TSO_ON;
		else if (strcmp(arg, "off") == 0)
			n->tso = DPS_TSO_OFF;
		else
			return app_bad_arg(prog, "--tso (auto, on or off)", arg);
		return 1;
	case 0x1006:
		n->trust_csum = true;
		return 1;
	case 0x1008:
		if (app_parse_uint(arg, 0, 24u * 3600 * 1000, &v) != 0)
			return app_bad_arg(prog, "--idle-ms", arg);
		n->idle_ms = v;
		return 1;
	case 0x1007: {
		uint64_t ns;

		if (app_parse_duration(arg, 1000000, 3600ull * 1000000000, &ns) != 0)
			return app_bad_arg(prog, "--link-timeout", arg);
		n->link_wait_ms = (uint32_t)(ns / 1000000);
		return 1;
	}
	default:
		return app_capture_opt(prog, &n->cap, c, arg);
	}
}

/* The stack's settings from @p n: one stack lcore per EAL lcore, the
 * main lcore first (it runs stack lcore 0 itself). */
static struct dps_stack *
stack_create(const struct app_net *n)
{
	struct dps_stack_conf sc = { .name = "app" };
	unsigned int id;

	sc.nb_mbufs = n->nb_mbufs ? n->nb_mbufs : 65535;
	sc.link_wait_ms = n->link_wait_ms ? n->link_wait_ms : APP_LINK_WAIT_MS;
	sc.lcores[sc.n_lcores++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(id)
		sc.lcores[sc.n_lcores++] = id;
	return dps_stack_create(&sc);
}

/* The IPv6 side of port @p p (interface @p ifx): its run as one range
 * (dps_stack_add_addr_range(), any size), then the default route via
 * its --gw. */
static int
port_config6(const char *prog, struct dps_stack *s, int ifx, struct app_port p)
{
	struct dps_addr any = { .family = AF_INET6 };
	char a[INET6_ADDRSTRLEN];
	int rc;

	if (p.v6.n_addr != 0) {
		rc = dps_stack_add_addr_range(s, ifx, &p.v6.addr, p.v6.n_addr, p.v6.plen);
		if (rc != 0) {
			fprintf(stderr, "%s: cannot add the %u IPv6 address%s from %s/%u "
				"on port %u: %s\n", prog, p.v6.n_addr, p.v6.n_addr > 1 ? "es" : "",
				dps_addr_fmt(&p.v6.addr, a, sizeof(a)), p.v6.plen, p.port_id,
				strerror(-rc));
			return rc;
		}
	}
	if (!p.v6.has_gw)
		return 0;
	rc = dps_stack_add_route(s, &any, 0, &p.v6.gw, ifx);
	if (rc != 0)
		fprintf(stderr, "%s: cannot add the IPv6 route via --gw on port %u: %s\n",
			prog, p.port_id, strerror(-rc));
	return rc;
}

/* Port @p p: the device, its addresses and its gateway. */
static int
port_config(const char *prog, struct dps_stack *s, const struct app_net *n,
	struct app_port p)
{
	struct dps_addr any;
	int ifx, rc;

	if (p.n_addr == 0 && p.v6.n_addr == 0) {
		fprintf(stderr, "%s: --dev %u has no --addr\n", prog, p.port_id);
		return -EINVAL;
	}
	ifx = dps_stack_add_port(s, p.port_id, &(struct dps_port_conf){ .tso = n->tso,
		.trust_rx_csum = n->trust_csum });
	if (ifx < 0) {
		fprintf(stderr, "%s: port %u: %s\n", prog, p.port_id, dps_stack_strerror(s));
		return ifx;
	}
	rc = p.n_addr == 0 ? 0 : dps_stack_add_addr_range(s, ifx, &p.addr,
		p.n_addr, p.plen);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot add the %u address%s of --addr on port %u: %s\n",
			prog, p.n_addr, p.n_addr > 1 ? "es" : "", p.port_id, strerror(-rc));
		return rc;
	}
	if (p.has_gw) {
		dps_addr_parse("0.0.0.0", &any);
		rc = dps_stack_add_route(s, &any, 0, &p.gw, ifx);
		if (rc != 0) {
			fprintf(stderr, "%s: cannot add the route via --gw on port %u: %s\n",
				prog, p.port_id, strerror(-rc));
			return rc;
		}
	}
	return port_config6(prog, s, ifx, p);
}

static int
stack_config(const char *prog, struct dps_stack *s, const struct app_net *n)
{
	struct dps_sock_conf kc = { .port_lo = n->port_lo, .port_hi = n->port_hi,
		.max_conns = n->max_conns, .max_socks = n->max_socks,
		.tw_reuse = n->tw_reuse, .idle_ms = n->idle_ms };
	int rc;

	/* Enough sockets for a full table on every lcore, at least 65535. */
	if (kc.max_socks == 0)
		kc.max_socks = RTE_MAX(65535u, (uint32_t)RTE_MIN((uint64_t)n->max_conns *
			dps_stack_lcore_count(s), (uint64_t)UINT32_MAX));
	rc = dps_stack_set_sock_conf(s, &kc);
	if (rc != 0) {
		fprintf(stderr, "%s: invalid socket settings (--ports, --max-conns)\n",
			prog);
		return rc;
	}
	for (unsigned int i = 0; i < app_net_ports(n); i++)
		if ((rc = port_config(prog, s, n, app_net_port(n, i))) != 0)
			return rc;
	return 0;
}

bool
app_link_up(const char *prog, uint16_t port, uint32_t waited_ms)
{
	struct rte_eth_link link = { 0 };
	char name[RTE_ETH_NAME_MAX_LEN] = "?";

	if (rte_eth_link_get_nowait(port, &link) == 0 &&
			link.link_status == RTE_ETH_LINK_UP)
		return true;
	rte_eth_dev_get_name_by_port(port, name);
	fprintf(stderr, "%s: the link on port %u (%s) did not come up within "
		"%u ms (--link-timeout): is the peer there?\n", prog, port, name,
		waited_ms);
	return false;
}

int
app_net_check_target(const char *prog, const struct app_net *n, uint32_t target)
{
	for (unsigned int i = 0; i < app_net_ports(n); i++) {
		struct app_port p = app_net_port(n, i);

		if (p.has_gw || app_on_subnet(p.addr.v4, p.plen, target))
			return 0;
	}
	return app_check_target(prog, n->addr.v4, n->plen, false, target);
}

int
app_net_check_target_addr(const char *prog, const struct app_net *n,
	const struct dps_addr *target)
{
	if (target->family == AF_INET)
		return app_net_check_target(prog, n, target->v4);
	for (unsigned int i = 0; i < app_net_ports(n); i++) {
		struct app_port p = app_net_port(n, i);

		if (p.v6.n_addr != 0 && (p.v6.has_gw ||
				app_on_subnet_addr(&p.v6.addr, p.v6.plen, target)))
			return 0;
	}
	if (n->v6.n_addr == 0)
		return app_check_target_addr(prog, &n->addr, n->plen, false, target);
	return app_check_target_addr(prog, &n->v6.addr, n->v6.plen, false, target);
}

bool
app_net_has_v6(const struct app_net *n)
{
	for (unsigned int i = 0; i < app_net_ports(n); i++)
		if (app_net_port(n, i).v6.n_addr != 0)
			return true;
	return false;
}

/* Every port of @p n up (app_link_up()), or the first one not. */
static bool
links_up(const char *prog, const struct app_net *n)
{
	uint32_t ms = n->link_wait_ms ? n->link_wait_ms : APP_LINK_WAIT_MS;

	for (unsigned int i = 0; i < app_net_ports(n); i++)
		if (!app_link_up(prog, app_net_port(n, i).port_id, ms))
			return false;
	return true;
}

/*
 * Serve dpdk-dumpcap (rte_pdump): it needs the EAL's multi-process
 * support, which --no-shconf and --in-memory turn off; then there is
 * nothing to serve, and nothing is said (the built-in --pcap still
 * works).
 */
static void
pdump_serve(void)
{
	static bool done;

	if (!done && rte_pdump_init() == 0)
		done = true;
}

/* How long app_stack_up() waits for duplicate address detection (about one
 * to two seconds, RFC 4862 5.4) before giving up, plus the time the
 * stack takes to probe a range: 256 solicitations a 10 ms tick
 * (dps_stack_add_addr_range()), counted at half that rate. */
#define APP_DAD_WAIT_NS 10000000000ull
#define APP_DAD_PROBE_NS 78125ull	/* per address of a range */

/*
 * The state of port @p i's IPv6 run @p r: that of its first address the
 * stack has not lost. DAD gives a run one verdict but loses an address
 * another node has (the stack counts and logs it; dps-gen passes over
 * it), so a run is a duplicate only when every address is; one whose
 * addresses are all lost answers every look with DUPLICATE, a look per
 * address, once, at start.
 */
static int
range6_state(const struct dps_stack *s, unsigned int i, const struct app_addr6 *r)
{
	int st = DPS_ADDR6_DUPLICATE;

	for (uint32_t k = 0; k < r->n_addr; k++) {
		struct dps_addr a = app_addr_nth(&r->addr, k);

		st = dps_stack_addr6_state(s, (int)i, &a);
		if (st != DPS_ADDR6_DUPLICATE)
			return st;
	}
	return st;
}

/* The state of the IPv6 addresses of @p s: DPS_ADDR6_PREFERRED when
 * every one is, DPS_ADDR6_DUPLICATE when one is (*@p dup set to it),
 * else DPS_ADDR6_TENTATIVE. Interface i is port i (stack_config()); a
 * port's run is one range of one state, asked by its first address. */
static int
addrs6_state(const struct dps_stack *s, struct dps_addr *dup)
{
	int all = DPS_ADDR6_PREFERRED;

	for (unsigned int i = 0; i < app_net_ports(&up_net); i++) {
		struct app_port p = app_net_port(&up_net, i);
		int st;

		if (p.v6.n_addr == 0)
			continue;
		st = range6_state(s, i, &p.v6);
		if (st == DPS_ADDR6_DUPLICATE || st < 0) {
			*dup = p.v6.addr;
			return DPS_ADDR6_DUPLICATE;
		}
		if (st == DPS_ADDR6_TENTATIVE)
			all = DPS_ADDR6_TENTATIVE;
	}
	return all;
}

/* The most addresses in one port's IPv6 run. */
static uint32_t
addrs6_most(void)
{
	uint32_t most = 0;

	for (unsigned int i = 0; i < app_net_ports(&up_net); i++)
		most = RTE_MAX(most, app_net_port(&up_net, i).v6.n_addr);
	return most;
}

/*
 * Before the application's first step (a listener, a connect, the run's
 * clock): poll until duplicate address detection has settled every IPv6
 * address (a tentative one is no source and answers no solicitation,
 * RFC 4862 5.4). The caller is stack lcore 0, whose polls give the
 * verdict, and no loop runs yet. 0, or -1 after a one-line error (a
 * duplicate, or no verdict in APP_DAD_WAIT_NS).
 */
static int
dad_wait(const char *prog, struct dps_stack *s)
{
	uint64_t end = app_now_ns() + APP_DAD_WAIT_NS + addrs6_most() * APP_DAD_PROBE_NS;
	struct dps_addr dup;
	char a[INET6_ADDRSTRLEN];
	int st;

	if (!app_net_has_v6(&up_net))
		return 0;
	while ((st = addrs6_state(s, &dup)) == DPS_ADDR6_TENTATIVE &&
			app_now_ns() < end)
		dps_stack_poll(s, 0);
	if (st == DPS_ADDR6_PREFERRED)
		return 0;
	if (st == DPS_ADDR6_DUPLICATE)
		fprintf(stderr, "%s: IPv6 address %s%s is another node's (duplicate "
			"address detection, RFC 4862 5.4; the stack's log names it)\n",
			prog, addrs6_most() > 1 ? "range from " : "",
			dps_addr_fmt(&dup, a, sizeof(a)));
	else
		fprintf(stderr, "%s: duplicate address detection gave no verdict on "
			"the IPv6 addresses\n", prog);
	return -1;
}

struct dps_stack *
app_stack_up(const char *prog, const struct app_net *n)
{
	struct dps_stack *s;

	if (n->n_addr == 0 && n->v6.n_addr == 0) {
		fprintf(stderr, "%s: no --addr\n", prog);
		return NULL;
	}
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "%s: no ethdev port (give an EAL --vdev=... or -a PCI)\n",
			prog);
		return NULL;
	}
	pdump_serve();
	s = stack_create(n);
	if (s == NULL) {
		fprintf(stderr, "%s: cannot create the stack: %s\n", prog,
			rte_strerror(rte_errno));
		return NULL;
	}
	if (stack_config(prog, s, n) != 0 || dps_stack_start(s) != 0) {
		if (dps_stack_strerror(s)[0] != '\0')
			fprintf(stderr, "%s: %s\n", prog, dps_stack_strerror(s));
		dps_stack_destroy(s);
		return NULL;
	}
	if (n->need_link && !links_up(prog, n)) {
		dps_stack_destroy(s);
		return NULL;
	}
	up_net = *n;
	if (dad_wait(prog, s) != 0) {
		dps_stack_destroy(s);
		return NULL;
	}
	dps_telemetry_register(s);	/* without telemetry: nobody asks */
	if (app_capture_start(prog, &n->cap, n->port_id, dps_stack_lcore_count(s)) != 0) {
		dps_stack_destroy(s);
		return NULL;
	}
	return s;
}

void
app_stack_down(struct dps_stack *s)
{
	app_capture_stop();
	dps_stack_destroy(s);
}

struct lcore_run {
	struct dps_stack *s;
	unsigned int idx;
	int (*init)(unsigned int idx, void *arg);
	app_work_fn fn;
	void *arg;
};

/* The application's work inside the stack's poll (dps_stack_set_work()),
 * so what it sends leaves with what input made owed. */
static unsigned int
lcore_work(struct dps_stack *s, unsigned int idx, void *p)
{
	struct lcore_run *r = p;
	int n = r->fn(idx, rte_rdtsc(), r->arg);

	(void)s;
	return n > 0 ? (unsigned int)n : 0;
}

/* One stack lcore: the stack's poll, with the application's work inside,
 * until the stack is stopped. */
static int
lcore_loop(void *p)
{
	struct lcore_run *r = p;

	if (r->init != NULL && r->init(r->idx, r->arg) != 0) {
		dps_stack_stop(r->s);
		return -1;
	}
	if (r->fn != NULL)
		dps_stack_set_work(r->s, r->idx, lcore_work, r);
	while (!dps_stack_stopping(r->s))
		dps_stack_poll(r->s, r->idx);
	dps_stack_set_work(r->s, r->idx, NULL, NULL);
	return 0;
}

int
app_run_lcores(struct dps_stack *s, int (*init)(unsigned int idx, void *arg),
	app_work_fn fn, void *arg)
{
	unsigned int n = dps_stack_lcore_count(s);
	struct lcore_run *r = calloc(n, sizeof(*r));
	int rc = 0;

	if (r == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		r[i] = (struct lcore_run){ s, i, init, fn, arg };
	for (unsigned int i = 1; i < n; i++) {
		rc = rte_eal_remote_launch(lcore_loop, &r[i], dps_stack_lcore_id(s, i));
		if (rc != 0) {
			dps_stack_stop(s);
			break;
		}
	}
	if (rc == 0)
		rc = lcore_loop(&r[0]);
	else
		dps_stack_stop(s);
	for (unsigned int i = 1; i < n; i++)
		if (rte_eal_wait_lcore(dps_stack_lcore_id(s, i)) != 0)
			rc = -1;
	free(r);
	return rc;
}

void
app_thread_attr(pthread_attr_t *attr)
{
	cpu_set_t set;
	unsigned int id;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (long c = 0; c < ncpu; c++)
		CPU_SET(c, &set);
	RTE_LCORE_FOREACH(id) {
		rte_cpuset_t cs = rte_lcore_cpuset(id);

		for (long c = 0; c < ncpu; c++)
			if (CPU_ISSET(c, &cs))
				CPU_CLR(c, &set);
	}
	if (CPU_COUNT(&set) == 0)
		for (long c = 0; c < ncpu; c++)
			CPU_SET(c, &set);
	pthread_attr_init(attr);
	pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

static struct dps_stack *sig_stack;
static volatile sig_atomic_t sig_seen;
static volatile sig_atomic_t sig_end;

static void
on_signal(int sig)
{
	(void)sig;
	sig_seen = 1;
	if (sig_stack != NULL)
		dps_stack_stop(sig_stack);
}

static void
on_end_signal(int sig)
{
	(void)sig;
	sig_end = 1;
}

void
app_stop_on_signals(struct dps_stack *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sig_stack = s;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_end_signal;
	sigaction(SIGUSR1, &sa, NULL);
}

bool
app_interrupted(void)
{
	return sig_seen != 0;
}

bool
app_end_requested(void)
{
	return sig_end != 0;
}

bool
app_stack_clean(const struct dps_sock_stats *st, uint32_t mbuf_base)
{
	return st->socks_in_use == 0 && st->conns == st->time_wait &&
		st->tcp_ports_held <= st->time_wait && st->udp_ports_held == 0 &&
		st->mbufs_in_use <= mbuf_base;
}

uint64_t
app_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
app_print_drops(FILE *f, const struct dps_counters *c)
{
	const char *sep = "drops by reason: ";

	for (int i = 0; i < DPS_DROP__MAX; i++) {
		if (c->drop[i] == 0)
			continue;
		fprintf(f, "%s%s=%" PRIu64, sep, dps_drop_reason_name(i), c->drop[i]);
		sep = " ";
	}
	if (sep[0] == ' ' && sep[1] == '\0')
		fputc('\n', f);
}

void
app_json_drops(FILE *f, const struct dps_counters *c)
{
	const char *sep = "";

	fputc('{', f);
	for (int i = 0; i < DPS_DROP__MAX; i++) {
		if (c->drop[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, dps_drop_reason_name(i), c->drop[i]);
		sep = ",";
	}
	fputc('}', f);
}
