/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet scripts against dpstack. Each script runs in a child with an EAL
 * of its own (no hugepages, no PCI, as the dpdk suite), one stack on side
 * 0 of the test wire and the script's peer on side 1: the runner injects
 * frames through side 1 and reads what the stack sends there. The stack
 * is 198.18.0.1/24, the peer 198.18.0.2 with a static ARP entry.
 *
 * The stack runs on a virtual clock, polled from this (the main, EAL)
 * thread: the clock moves only while the engine waits, in steps of 1 ms,
 * and every poll is followed by a pump of the wire, so a packet is
 * stamped with the virtual time it was sent at. A 130 s timeout takes
 * well under a second. Socket calls run in the engine's call threads,
 * through the stack's request ring, as an application's calls would.
 * Needs neither root nor a namespace.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dpstack.h"
#include "dps_stack_priv.h"
#include "pkt_main.h"

#define LOCAL_IP	0xc6120001u	/* 198.18.0.1 */
#define REMOTE_IP	0xc6120002u	/* 198.18.0.2 */
#define NS		1000000000ull
#define STEP_NS		(1000ull * 1000)
#define TOL_NS		(25ull * 1000 * 1000)
#define T0		NS	/* as the dpdk suite: 0 means "never" to some timers */
#define QMAX		4096
#define POOL_N		2047	/* mbufs per pool: a script moves little */
#define ETH_HLEN	14
#define SETTLE_ROUNDS	4
#define QUIESCE_S	2.0	/* real time a call thread gets to settle */
#define TEARDOWN_NS	(300ull * NS)	/* past every timer of a connection */
#define TEARDOWN_STEP_NS (50ull * 1000 * 1000)	/* coarse: nothing to time */

struct frame {
	uint64_t when;
	size_t len;
	uint8_t *ip;
};

struct dctx {
	struct rte_mempool *pool, *ppool;
	struct dps_testwire *w;
	uint16_t port[2];
	struct dps_stack *s;
	struct rte_ether_addr mac;	/* the stack's */
	uint64_t now;			/* the virtual clock */
	int woke;
	unsigned int qh, qn;
	struct frame q[QMAX];
	bool overflow;
};

static const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 } };

static uint64_t
vclock(void *arg)
{
	/* Acquire: pairs with the release in advance(). */
	return __atomic_load_n((uint64_t *)arg, __ATOMIC_ACQUIRE);
}

static uint64_t
d_now(void *ctx)
{
	return vclock(&((struct dctx *)ctx)->now);
}

static void
advance(struct dctx *d, uint64_t dt)
{
	/* Release: the stack's lcore and call threads read the clock. */
	__atomic_store_n(&d->now, d->now + dt, __ATOMIC_RELEASE);
}

/* The IPv4 packet of @m into @fr (rte_pktmbuf_read() copies only what
 * is not contiguous). */
static void
read_frame(const struct rte_mbuf *m, struct frame *fr)
{
	const void *p = rte_pktmbuf_read(m, ETH_HLEN, (uint32_t)fr->len, fr->ip);

	if (p == NULL) {
		free(fr->ip);
		fr->ip = NULL;
	} else if (p != fr->ip) {
		memcpy(fr->ip, p, fr->len);
	}
}

/* Keep the IPv4 frames the peer received, stamped with the clock. */
static void
collect(struct dctx *d)
{
	struct rte_mbuf *m[32];
	uint16_t n;

	while ((n = rte_eth_rx_burst(d->port[1], 0, m, 32)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(m[i], const uint8_t *);
			struct frame *fr;

			if (m[i]->pkt_len > ETH_HLEN && f[12] == 0x08 && f[13] == 0x00) {
				if (d->qn == QMAX) {
					d->overflow = true;
				} else {
					fr = &d->q[(d->qh + d->qn++) % QMAX];
					fr->len = m[i]->pkt_len - ETH_HLEN;
					fr->ip = malloc(fr->len);
					fr->when = d_now(d);
					if (fr->ip != NULL)
						read_frame(m[i], fr);
				}
			}
			rte_pktmbuf_free(m[i]);
		}
	}
}

static void
round_once(struct dctx *d)
{
	dps_stack_poll(d->s, 0);
	dps_testwire_pump(d->w, d_now(d));
	collect(d);
}

/*
 * Before the clock moves, let the call threads settle: each must have
 * returned or be asleep in its call, while the stack is polled with the
 * clock still (the lcore may owe them an answer). False if one returned
 * meanwhile (the engine then looks at it before time goes on).
 */
static bool
quiesce(struct dctx *d)
{
	double end = 0;

	while (!pkt_calls_quiet()) {
		struct timespec ts;
		double now_s;

		round_once(d);
		/* Acquire: pairs with d_wake(). */
		if (__atomic_load_n(&d->woke, __ATOMIC_ACQUIRE))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_s = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
		if (end == 0)
			end = now_s + QUIESCE_S;
		else if (now_s > end)
			return true;	/* a call spinning for good: let time go */
		usleep(50);
	}
	return true;
}

static void
d_wait(void *ctx, uint64_t until)
{
	struct dctx *d = ctx;

	for (;;) {
		uint64_t now;

		round_once(d);
		/* Acquire: pairs with d_wake(); the call's results follow. */
		if (d->qn > 0 || __atomic_exchange_n(&d->woke, 0, __ATOMIC_ACQUIRE))
			return;
		now = d_now(d);
		if (now >= until)
			return;
		if (!quiesce(d))
			return;	/* a call thread returned: the engine checks it */
		advance(d, until - now < STEP_NS ? until - now : STEP_NS);
	}
}

static void
d_wake(void *ctx)
{
	/* Release: pairs with the exchange in d_wait(). */
	__atomic_store_n(&((struct dctx *)ctx)->woke, 1, __ATOMIC_RELEASE);
}

static size_t
d_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t *when)
{
	struct dctx *d = ctx;
	struct frame *fr;
	size_t n;

	if (d->qn == 0)
		return 0;
	fr = &d->q[d->qh];
	d->qh = (d->qh + 1) % QMAX;
	d->qn--;
	n = fr->ip != NULL && fr->len <= cap ? fr->len : 0;
	if (n != 0)
		memcpy(buf, fr->ip, n);
	free(fr->ip);
	*when = fr->when;
	return n;
}

/* Send @ip from the peer and let the stack take it in, clock still. */
static int
d_inject(void *ctx, const uint8_t *ip, size_t len)
{
	struct dctx *d = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(d->ppool);
	size_t flen = len + ETH_HLEN < 60 ? 60 : len + ETH_HLEN;
	uint8_t *f;

	if (m == NULL)
		return -1;
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)flen);
	if (f == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memset(f, 0, flen);
	memcpy(f, &d->mac, 6);
	memcpy(f + 6, &peer_mac, 6);
	f[12] = 0x08;
	memcpy(f + ETH_HLEN, ip, len);
	if (rte_eth_tx_burst(d->port[1], 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -1;
	}
	for (int i = 0; i < SETTLE_ROUNDS; i++)
		round_once(d);
	return 0;
}

static int
d_setfl(int fd, int flag)
{
	int fl = dps_fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : dps_fcntl(fd, F_SETFL, fl | flag);
}

static const struct pkt_sys d_sys = {
	.socket = dps_socket, .bind = dps_bind, .listen = dps_listen,
	.accept = dps_accept, .connect = dps_connect, .send = dps_send,
	.recv = dps_recv, .close = dps_close, .shutdown = dps_shutdown,
	.setsockopt = dps_setsockopt, .getsockopt = dps_getsockopt,
	.poll = dps_poll, .setfl = d_setfl,
};

static int
eal_up(char *msg, size_t len)
{
	char prefix[64];
	char *argv[] = {
		(char *)"pkt_dps", (char *)"--no-huge", (char *)"-m", (char *)"128",
		(char *)"--no-pci", (char *)"--no-shconf", (char *)"--no-telemetry",
		(char *)"--log-level=lib.eal:error", (char *)"-l", (char *)"0",
		prefix, NULL,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=pkt%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) >= 0)
		return 0;
	snprintf(msg, len, "rte_eal_init: %s", rte_strerror(rte_errno));
	return -1;
}

static int
peer_port_up(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int sock = (int)rte_socket_id();

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, sock, NULL, mp) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, sock, NULL) != 0)
		return -1;
	return rte_eth_dev_start(port);
}

static int
stack_up(struct dctx *d, char *msg, size_t len)
{
	struct dps_stack_conf sc = {
		.name = "pk", .link_wait_ms = 100, .nb_rxd = 256, .nb_txd = 256,
	};
	struct dps_addr a = dps_addr_v4(rte_cpu_to_be_32(LOCAL_IP));
	struct dps_addr pa = dps_addr_v4(rte_cpu_to_be_32(REMOTE_IP));
	/* A script has a few sockets: small tables set up fast. */
	struct dps_sock_conf sock = { .max_conns = 1024, .max_socks = 256 };

	sc.pools[0] = d->pool;
	d->s = dps_stack_create(&sc);
	if (d->s == NULL || dps_stack_add_port(d->s, d->port[0], NULL) != 0 ||
	    dps_stack_add_addr(d->s, 0, &a, 24) != 0 ||
	    dps_stack_add_arp(d->s, 0, &pa, &peer_mac) != 0 ||
	    dps_stack_set_sock_conf(d->s, &sock) != 0) {
		snprintf(msg, len, "stack set-up: %s", rte_strerror(rte_errno));
		return -1;
	}
	dps_stack_set_clock(d->s, vclock, &d->now);
	if (dps_stack_start(d->s) != 0 || dps_stack_mac(d->s, 0, &d->mac) != 0) {
		snprintf(msg, len, "stack start: %s", dps_stack_strerror(d->s));
		return -1;
	}
	return 0;
}

static int
world_up(struct dctx *d, char *msg, size_t len)
{
	struct dps_testwire_conf wc = { .seed = 1 };
	uint8_t scratch[2048];
	uint64_t when;

	d->now = T0;
	if (eal_up(msg, len) != 0)
		return -1;
	d->pool = rte_pktmbuf_pool_create("pk_pool", POOL_N, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	d->ppool = rte_pktmbuf_pool_create("pk_peer", POOL_N, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	wc.pool = d->ppool;
	d->w = d->pool != NULL && d->ppool != NULL ?
		dps_testwire_create("pkw", &wc) : NULL;
	if (d->w == NULL) {
		snprintf(msg, len, "pools or wire: %s", rte_strerror(rte_errno));
		return -1;
	}
	d->port[0] = dps_testwire_port(d->w, 0);
	d->port[1] = dps_testwire_port(d->w, 1);
	if (peer_port_up(d->port[1], d->ppool) != 0) {
		snprintf(msg, len, "peer port: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (stack_up(d, msg, len) != 0)
		return -1;
	for (int i = 0; i < SETTLE_ROUNDS; i++)
		round_once(d);
	while (d_recv(d, scratch, sizeof(scratch), &when) != 0)
		;	/* gratuitous ARP is not IPv4; anything else goes too */
	return 0;
}

/* Append the stack's traffic and drop counters to a failure message. */
static void
note_drops(struct dps_counters *c, char *msg, size_t len)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n, "\n    dpstack: rx %" PRIu64 " tx %" PRIu64
		" tcp_rx %" PRIu64 " tcp_tx %" PRIu64, c->eth_rx_pkts,
		c->eth_tx_pkts, c->tcp_rx, c->tcp_tx);
	for (int i = 0; i < DPS_DROP__MAX; i++) {
		n = strlen(msg);
		if (c->drop[i] != 0)
			snprintf(msg + n, len - n, " drop.%s %" PRIu64,
				dps_drop_reason_name(i), c->drop[i]);
	}
}

/* Close the script's sockets from a thread of its own, as an
 * application would (the main thread is the lcore and polls). */
struct closer {
	int fds[16];
	int n;
	int done;
};

static void *
closer_main(void *arg)
{
	struct closer *c = arg;

	for (int i = 0; i < c->n; i++)
		(void)dps_close(c->fds[i]);	/* EBADF for those already closed */
	/* Release: pairs with the acquire in leak_check(). */
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * After a passing script: close its sockets, let virtual time run past
 * every timer (orphan retries, FIN_WAIT_2, TIME_WAIT), and check that
 * the stack is back where it started: no socket, no connection, no mbuf
 * held. Packets sent meanwhile are dropped (the peer is gone).
 */
static int
leak_check(struct dctx *d, const struct dps_sock_stats *base, char *msg,
	size_t len)
{
	static struct closer c;
	struct dps_sock_stats st;
	uint8_t scratch[2048];
	pthread_t th;
	uint64_t when, end;

	c.n = pkt_run_sockets(c.fds, 16);
	c.done = 0;
	if (pthread_create(&th, NULL, closer_main, &c) != 0)
		return 0;
	/* Acquire: pairs with closer_main()'s release. */
	while (!__atomic_load_n(&c.done, __ATOMIC_ACQUIRE))
		round_once(d);
	pthread_join(th, NULL);
	for (end = d_now(d) + TEARDOWN_NS; d_now(d) < end;) {
		round_once(d);
		while (d_recv(d, scratch, sizeof(scratch), &when) != 0)
			;
		advance(d, TEARDOWN_STEP_NS);
	}
	dps_stack_sock_stats(d->s, &st);
	if (st.socks_in_use == base->socks_in_use && st.conns == 0 &&
	    st.mbufs_in_use == base->mbufs_in_use)
		return 0;
	snprintf(msg, len, "after the script and %.0f s more: %u sockets "
		"(%u before), %u connections, %u mbufs (%u before)",
		(double)TEARDOWN_NS / NS, st.socks_in_use, base->socks_in_use,
		st.conns, st.mbufs_in_use, base->mbufs_in_use);
	return 1;
}

static int
d_run(const struct pkt_script *s, char *msg, size_t len)
{
	static struct dctx d;
	struct pkt_target t = {
		.name = "dpstack", .ctx = &d, .sys = &d_sys,
		.local_ip = LOCAL_IP, .remote_ip = REMOTE_IP,
		.virtual_clock = true, .tol_ns = TOL_NS,
		.now = d_now, .wait = d_wait, .recv = d_recv, .inject = d_inject,
		.wake = d_wake,
	};
	struct dps_sock_stats base;
	enum pkt_result r;

	if (s->kernel_only[0] != '\0') {
		snprintf(msg, len, "kernel only:%s", s->kernel_only);
		return 2;
	}
	if (s->nsysctl > 0) {
		snprintf(msg, len, "sets a sysctl (%s), which dpstack has not",
			s->sysctl[0]);
		return 2;
	}
	if (world_up(&d, msg, len) != 0)
		return 1;
	dps_stack_sock_stats(d.s, &base);
	r = pkt_run(s, &t, msg, len);
	if (r == PKT_PASS && leak_check(&d, &base, msg, len) != 0)
		return 1;
	if (r != PKT_PASS) {
		struct dps_counters c;

		dps_stack_counters(d.s, -1, &c);
		note_drops(&c, msg, len);
	}
	if (r == PKT_PASS && d.overflow) {
		snprintf(msg, len, "more than %d packets queued", QMAX);
		r = PKT_FAIL;
	}
	return r == PKT_PASS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct pkt_driver drv = {
		.name = "dpstack", .jobs = 4, .tries = 1,
		.honours_deviations = true, .available = NULL, .run = d_run,
	};

	return pkt_main(&drv, argc, argv);
}
