/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_STACK_H
#define DPS_APP_STACK_H

/*
 * Bring-up shared by the apps: the network options every app takes
 * (--addr, --gw, --ports, --max-conns), one stack on ethdev port 0 with a
 * stack lcore per EAL lcore, and the per-lcore loop that interleaves the
 * stack's poll with the application's own work (run-to-completion, no
 * ring hop: the app's sockets live on the lcore that polls them).
 */

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include "dpstack.h"
#include "app_capture.h"

/* The most ethdev ports an app drives (--dev, repeated). */
#define APP_MAX_PORTS 4

/* A port's IPv6 side: an --addr and a --gw of that family. A port may
 * have an IPv4 --addr, an IPv6 one, or one of each (dual stack). */
struct app_addr6 {
	struct dps_addr addr;		/* the first IPv6 address */
	uint32_t n_addr;		/* consecutive addresses from it; 0 = none */
	uint8_t plen;
	bool has_gw;
	struct dps_addr gw;
};

/* A port after the first (--dev given again) with its own --addr and
 * --gw. */
struct app_port {
	uint16_t port_id;
	bool has_gw;
	uint8_t plen;
	uint32_t n_addr;
	struct dps_addr addr;
	struct dps_addr gw;
	struct app_addr6 v6;
};

/* The network options. The first port's fields are the struct's own
 * (port 0 unless --dev says otherwise); --dev given again adds a port in
 * more[], and the --addr and --gw after it are that port's. */
struct app_net {
	struct dps_addr addr;		/* the first IPv4 local address */
	uint32_t n_addr;		/* consecutive addresses from it; 0 = none */
	uint8_t plen;
	bool has_gw;
	struct dps_addr gw;
	struct app_addr6 v6;		/* the IPv6 --addr and --gw */
	uint16_t port_id;		/* the first port: --dev, default 0 */
	bool dev_given;			/* a --dev named the first port */
	uint8_t n_more;			/* ports in more[] */
	struct app_port more[APP_MAX_PORTS - 1];
	uint16_t port_lo, port_hi;	/* ephemeral range; 0 = stack default */
	uint32_t max_conns;		/* per lcore; 0 = stack default */
	uint32_t max_socks;		/* 0 = max(65535, max_conns x lcores) */
	uint32_t nb_mbufs;		/* per pool; 0 = 65535 */
	uint8_t tso;			/* --tso: enum dps_tso_mode */
	bool trust_csum;		/* --trust-csum */
	uint8_t tw_reuse;		/* enum dps_tw_reuse; 0 = stack default */
	uint32_t link_wait_ms;		/* --link-timeout; 0 = APP_LINK_WAIT_MS */
	uint32_t idle_ms;		/* --idle-ms: dps_sock_conf.idle_ms */
	bool need_link;			/* a client: no link by then is fatal */
	struct app_capture_conf cap;	/* --pcap and its limits */
};

/* How long app_stack_up() waits for the link by default. */
#define APP_LINK_WAIT_MS 3000

/* getopt_long entries for the options app_net_opt() handles; their
 * codes are 0x1000 and up, out of the way of the apps' own. */
#define APP_NET_LONGOPTS \
	{ "addr", required_argument, NULL, 0x1000 }, \
	{ "gw", required_argument, NULL, 0x1001 }, \
	{ "ports", required_argument, NULL, 0x1002 }, \
	{ "max-conns", required_argument, NULL, 0x1003 }, \
	{ "tso", required_argument, NULL, 0x1004 }, \
	{ "mbufs", required_argument, NULL, 0x1005 }, \
	{ "trust-csum", no_argument, NULL, 0x1006 }, \
	{ "link-timeout", required_argument, NULL, 0x1007 }, \
	{ "idle-ms", required_argument, NULL, 0x1008 }, \
	{ "dev", required_argument, NULL, 0x1020 }, \
	APP_CAPTURE_LONGOPTS

/* Usage lines for those options; @p addr_default says what --addr is
 * when not given. */
#define APP_NET_USAGE(addr_default) \
"  --addr A[-B]/LEN    local address, or a range of them of any size in\n" \
"                      A's subnet (the source addresses a client spreads\n" \
"                      over), e.g. 198.18.0.2/24, 198.18.0.2-198.19.255.254/15\n" \
"                      (default " addr_default ")\n" \
"                      or IPv6 (2001:db8::2/64, 2001:db8::2-2001:db8::3e9/64,\n" \
"                      also of any size); one of each family makes the port\n" \
"                      dual-stack\n" \
"  --gw IP             default gateway (needed for a --to off its subnet),\n" \
"                      IPv4 or IPv6 (one of each may be given)\n" \
"  --dev N             the ethdev port the --addr and --gw after it (and a\n" \
"                      client's --to) belong to; repeat for up to 4 ports\n" \
"                      (default: port 0 alone)\n" \
"  --ports LO-HI       ephemeral port range (default 32768-60999)\n" \
"  --max-conns N       connection table size per lcore (default 65536)\n" \
"  --idle-ms N         keep a connection quiet for N ms in its compact idle\n" \
"                      form, about half a socket's memory (default 0: never)\n" \
"  --mbufs N           packet buffers in the pool (default 65535; at least\n" \
"                      what the device rings need)\n" \
"  --tso auto|on|off   TCP segmentation offload: auto (default) where the\n" \
"                      device does it in hardware, on wherever offered\n" \
"  --trust-csum        do not verify received checksums: only for links\n" \
"                      that cannot corrupt a frame (memif)\n" \
"  --link-timeout D    wait this long for the link to come up (default\n" \
"                      3s); a client exits 1 when it did not, a server\n" \
"                      goes on and waits for its peer\n" \
APP_CAPTURE_USAGE

/*
 * Split the command line at "--": EAL arguments before it, the app's
 * after it, with the app's argv[0] set to the program name for getopt.
 * Without "--" everything is the EAL's, except that a --help anywhere
 * sets *@p help (so "prog --help" works without EAL arguments).
 * Returns the EAL's argc; *@p ac / *@p av are the app's.
 */
int app_split_args(int argc, char **argv, int *ac, char ***av, bool *help);

/* Defaults: @p addr as the one address (e.g. "198.18.0.2/24"). */
void app_net_init(struct app_net *n, const char *addr);

/* When no --addr was given (@p n zeroed before parsing, so n_addr is
 * still 0), use @p addr (e.g. "198.18.0.2/24"); the other network options
 * stay as given. */
void app_net_default_addr(struct app_net *n, const char *addr);

/* Handle option @p c (from APP_NET_LONGOPTS). Returns 1 when it was one
 * of ours and valid, 0 when not ours, -EINVAL (after a one-line error)
 * when ours and bad. */
int app_net_opt(const char *prog, struct app_net *n, int c, const char *arg);

struct app_config_default;

/* The network options' values when not given (--addr as @p n holds it
 * after app_net_default_addr(), --ports, --max-conns, --mbufs, --tso,
 * --link-timeout, --idle-ms), for --print-config: up to 7 entries into
 * @p d; returns how many. */
unsigned int app_net_config_defaults(const struct app_net *n,
	struct app_config_default *d);

/* Ports in @p n (1 + n_more), and port @p i of them as a struct app_port
 * (i = 0: the struct's own fields). */
unsigned int app_net_ports(const struct app_net *n);
struct app_port app_net_port(const struct app_net *n, unsigned int i);

/* Create and start a stack on @p n's ports (port 0 alone by default) with
 * one stack lcore per EAL lcore (main lcore first), every address of
 * each port, and the gateways. Prints a
 * one-line error naming the problem and returns NULL on failure, and
 * for a client (n->need_link) a link that did not come up within
 * --link-timeout. Does not
 * launch any poll loop. Also: rte_pdump served (dpdk-dumpcap) when the
 * EAL has multi-process support, the stack shown in telemetry
 * (/dpstack/...), and --pcap's capture started. */
struct dps_stack *app_stack_up(const char *prog, const struct app_net *n);

/* app_check_target() over every port of @p n: @p target (network order)
 * must be on one port's subnet, or some port must have a --gw. */
int app_net_check_target(const char *prog, const struct app_net *n,
	uint32_t target);

/* The same for a target of either family: against the ports' addresses
 * and gateways of its family. */
int app_net_check_target_addr(const char *prog, const struct app_net *n,
	const struct dps_addr *target);

/* Does some port of @p n have an IPv6 --addr? */
bool app_net_has_v6(const struct app_net *n);

/* True when port @p port's link is up; otherwise a one-line error
 * saying it did not come up within @p waited_ms (--link-timeout). */
bool app_link_up(const char *prog, uint16_t port, uint32_t waited_ms);

/* The end of app_stack_up()'s stack, once no lcore polls: the capture
 * finished and written, then dps_stack_destroy(). */
void app_stack_down(struct dps_stack *s);

/* Per-lcore application work, called between poll iterations on stack
 * lcore @p idx with the current TSC; return nonzero when it did work. */
typedef int (*app_work_fn)(unsigned int idx, uint64_t tsc, void *arg);

/* Run the poll loop on every stack lcore (stack lcore 0 on the calling
 * main lcore), calling @p fn (may be NULL) after each poll, until
 * dps_stack_stop(). @p init (may be NULL) runs once on each lcore before
 * its loop; a nonzero return stops the stack. Returns once every loop
 * has returned. */
int app_run_lcores(struct dps_stack *s, int (*init)(unsigned int idx, void *arg),
	app_work_fn fn, void *arg);

/* Attributes for application threads: CPUs no EAL lcore uses (all when
 * none is left), so they do not share a CPU with a busy-polling lcore. */
void app_thread_attr(pthread_attr_t *attr);

/* SIGINT/SIGTERM stop @p s (and set the flag app_interrupted() reads);
 * SIGUSR1 only sets the flag app_end_requested() reads: end the run now,
 * as its --duration would, with the closes and the leak check. */
void app_stop_on_signals(struct dps_stack *s);
bool app_interrupted(void);
bool app_end_requested(void);

/* True when the stack holds nothing but what TIME_WAIT keeps by design
 * (a table entry and, for a connect, its port): no socket, no UDP port,
 * mbufs back to @p mbuf_base. The apps' leak check. */
bool app_stack_clean(const struct dps_sock_stats *st, uint32_t mbuf_base);

/* Monotonic nanoseconds. */
uint64_t app_now_ns(void);

/* One line to @p f: the drops of @p c by reason, those not zero
 * ("drops by reason: nomem=3 tcp_listen_overflow=12"); nothing when none. */
void app_print_drops(FILE *f, const struct dps_counters *c);

/* The same as the members of one JSON object ("{"nomem":3}"). */
void app_json_drops(FILE *f, const struct dps_counters *c);

#endif
