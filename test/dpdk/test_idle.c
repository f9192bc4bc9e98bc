/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compact idle form (issue 15, dps_tcp_idle.c) on the test wire: two
 * stacks, A connecting to B, with dps_sock_conf.idle_ms set. Connections
 * that go quiet become compact on both sides (the socket pools give their
 * sockets back); any use makes them sockets again, unseen: data both
 * ways with its bytes checked, options and addresses read back as they
 * were, TCP_INFO the same before and after, a call from a thread that is
 * not the lcore, a close. Sockets that something still holds stay
 * sockets. Nothing leaks: sockets, entries, ports and mbufs are all back
 * at the end. Counts, not times: the clock is virtual.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "dps_bench.h"
#include "dps_tcp_priv.h"
#include "dps_test_eal.h"

#define CONNS		2000u
#define IDLE_MS		1000u
#define STEP_NS		(100 * US)
#define PORT		80

static struct dps_sock_stats
sstats(struct bench *b, int side)
{
	struct dps_sock_stats st;

	dps_stack_sock_stats(b->s[side], &st);
	return st;
}

/* Both stacks up with idle_ms @idle on each and @b_socks sockets on B
 * (0: the default). */
static void
up(struct bench *b, uint32_t idle, uint32_t b_socks)
{
	struct bench_opts o = { .pool_n = 16383 };
	struct dps_testwire_conf wc = { .seed = 7, .ring_size = 4096 };
	struct dps_sock_conf sc = { .max_conns = 8192, .max_socks = 8192,
		.idle_ms = idle };
	struct dps_addr aa = dps_addr_v4(A_IP), ba = dps_addr_v4(B_IP);
	struct rte_ether_addr mac[2];

	bench_up_opts(b, "iw", &wc, false, &o);
	for (int i = 0; i < 2; i++)
		mac[i] = (struct rte_ether_addr){ { 0x02, 0x64, 0x70, 0x73, 0x00,
			(uint8_t)b->port[i] } };
	stack_new(b, 0, "ia", A_IP, 0);
	stack_new(b, 1, "ib", B_IP, 0);
	cr_assert_eq(dps_stack_set_sock_conf(b->s[0], &sc), 0);
	if (b_socks != 0)
		sc.max_socks = b_socks;
	cr_assert_eq(dps_stack_set_sock_conf(b->s[1], &sc), 0);
	cr_assert_eq(dps_stack_add_arp(b->s[0], 0, &ba, &mac[1]), 0);
	cr_assert_eq(dps_stack_add_arp(b->s[1], 0, &aa, &mac[0]), 0);
	stack_start(b, 0);
	stack_start(b, 1);
	run(b, 20, 1 * MS);
}

static int
listener(struct bench *b)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int fd = dps_socket_on(b->s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(fd, 4096), 0);
	return fd;
}

/* @n connections from A to B, accepted into @bfd; the odd ones with
 * TCP_NODELAY on both sides, so that two option sets are in use. */
static void
open_n(struct bench *b, int lfd, int *afd, int *bfd, unsigned int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = B_IP,
		.sin_port = htons(PORT) };
	unsigned int nb = 0;
	int one = 1;

	for (unsigned int i = 0; i < n; i++) {
		afd[i] = dps_socket_on(b->s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		cr_assert_geq(afd[i], 0);
		if (i % 2 == 1)
			cr_assert_eq(dps_setsockopt(afd[i], IPPROTO_TCP, TCP_NODELAY,
				&one, sizeof(one)), 0);
		cr_assert_eq(dps_connect(afd[i], (struct sockaddr *)&to, sizeof(to)), -1);
		cr_assert_eq(errno, EINPROGRESS);
	}
	for (unsigned int k = 0; nb < n; k++) {
		int fd;

		cr_assert_lt(k, 100000, "%u of %u accepted", nb, n);
		step(b, STEP_NS);
		while ((fd = dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
			if (nb % 2 == 1)
				cr_assert_eq(dps_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
					&one, sizeof(one)), 0);
			bfd[nb++] = fd;
		}
		cr_assert_eq(errno, EAGAIN);
	}
}

/* The bytes connection @i carries in round @r, @len of them. */
static void
pattern(uint8_t *p, size_t len, unsigned int i, unsigned int r)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(i * 7 + r * 13 + k);
}

/* Everything @len bytes long from @fd, polling the stacks meanwhile. */
static void
recv_all(struct bench *b, int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	for (unsigned int k = 0; got < len; k++) {
		ssize_t n = dps_recv(fd, buf + got, len - got, 0);

		cr_assert_lt(k, 100000, "fd %d: %zu of %zu bytes", fd, got, len);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		cr_assert(n < 0 && errno == EAGAIN, "recv: %zd %s", n, strerror(errno));
		step(b, STEP_NS);
	}
}

/* Round @r: a request from one side on every connection, checked, and an
 * answer from the other, checked. @a_first: A speaks first. */
static void
exchange(struct bench *b, const int *afd, const int *bfd, unsigned int n,
	unsigned int r, bool a_first)
{
	const int *x = a_first ? afd : bfd, *y = a_first ? bfd : afd;
	uint8_t out[300], in[300];

	for (unsigned int i = 0; i < n; i++) {
		pattern(out, 100, i, r);
		cr_assert_eq(dps_send(x[i], out, 100, 0), 100, "send %u: %s", i,
			strerror(errno));
	}
	for (unsigned int i = 0; i < n; i++) {
		recv_all(b, y[i], in, 100);
		pattern(out, 100, i, r);
		cr_assert_eq(memcmp(in, out, 100), 0, "round %u, connection %u", r, i);
		pattern(out, 300, i, r + 1000);
		cr_assert_eq(dps_send(y[i], out, 300, 0), 300);
	}
	for (unsigned int i = 0; i < n; i++) {
		recv_all(b, x[i], in, 300);
		pattern(out, 300, i, r + 1000);
		cr_assert_eq(memcmp(in, out, 300), 0, "round %u, answer %u", r, i);
	}
}

/* Time passes with nothing sent: past idle_ms and a sweep of the table. */
static void
quiet(struct bench *b)
{
	run(b, (2 * IDLE_MS) / 10, 10 * MS);
}

/* What TCP_INFO says that does not move with the clock alone. */
struct info_pick {
	uint8_t state, options, wscale;
	uint32_t rto, snd_mss, rcv_mss, rtt, rttvar, ssthresh, cwnd, advmss;
	uint32_t total_retrans, rcv_space, reordering;
};

static struct info_pick
info_of(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct info_pick p;

	memset(&ti, 0, sizeof(ti));
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	memset(&p, 0, sizeof(p));
	p.state = ti.tcpi_state;
	p.options = ti.tcpi_options;
	p.wscale = (uint8_t)(ti.tcpi_snd_wscale << 4 | ti.tcpi_rcv_wscale);
	p.rto = ti.tcpi_rto;
	p.snd_mss = ti.tcpi_snd_mss;
	p.rcv_mss = ti.tcpi_rcv_mss;
	p.rtt = ti.tcpi_rtt;
	p.rttvar = ti.tcpi_rttvar;
	p.ssthresh = ti.tcpi_snd_ssthresh;
	p.cwnd = ti.tcpi_snd_cwnd;
	p.advmss = ti.tcpi_advmss;
	p.total_retrans = ti.tcpi_total_retrans;
	p.rcv_space = ti.tcpi_rcv_space;
	p.reordering = ti.tcpi_reordering;
	return p;
}

/* Addresses and options of @fd, as a string to compare. */
static void
describe(int fd, char *out, size_t len)
{
	struct sockaddr_in me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer), ol = sizeof(int);
	int nodelay = -1, flags = dps_fcntl(fd, F_GETFL);

	cr_assert_eq(dps_getsockname(fd, (struct sockaddr *)&me, &ml), 0);
	cr_assert_eq(dps_getpeername(fd, (struct sockaddr *)&peer, &pl), 0);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &ol), 0);
	snprintf(out, len, "%08x:%u %08x:%u nodelay %d flags %x", me.sin_addr.s_addr,
		ntohs(me.sin_port), peer.sin_addr.s_addr, ntohs(peer.sin_port), nodelay,
		flags);
}

/* Close everything, A first, a batch at a time (all at once would put
 * every FIN in the wire's rings together, and their retransmissions in
 * step), then wait out TIME_WAIT's 60 s. */
static void
close_all(struct bench *b, const int *afd, const int *bfd, unsigned int n, int lfd)
{
	for (unsigned int i = 0; i < n; i += 200) {
		unsigned int z = i + 200 < n ? i + 200 : n;

		for (unsigned int k = i; k < z; k++)
			cr_assert_eq(dps_close(afd[k]), 0, "close A %u: %s", k,
				strerror(errno));
		run(b, 20, STEP_NS);
		for (unsigned int k = i; k < z; k++)
			cr_assert_eq(dps_close(bfd[k]), 0, "close B %u: %s", k,
				strerror(errno));
		run(b, 20, STEP_NS);
	}
	cr_assert_eq(dps_close(lfd), 0);
	run(b, 700, 100 * MS);
}

static void
log_counter(const char *name, uint64_t v, void *arg)
{
	if (v != 0 && strncmp(name, "poll_", 5) != 0)
		cr_log_info("  %s %s = %" PRIu64, (const char *)arg, name, v);
}

/* Nothing left on either side, and every mbuf back. */
static void
check_empty(struct bench *b, const struct dps_sock_stats *base)
{
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);
		uint32_t n[DPS_TCP_STATE_COUNT];

		dps_stack_tcp_states(b->s[i], n);
		for (int k = 1; k < DPS_TCP_STATE_COUNT; k++)
			if (n[k] != 0)
				cr_log_info("stack %c: %u %s", 'A' + i, n[k], dps_tcp_state_name(k));
		cr_log_info("stack %c: %u sockets, %u conns, %u idle, %u time_wait, %u orphans",
			'A' + i, st.socks_in_use, st.conns, st.idle, st.time_wait, st.orphans);
		struct dps_counters c = cnt(b, i);
		dps_counters_foreach(&c, log_counter, (void *)(i == 0 ? "A" : "B"));
	}
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.socks_in_use, 0, "stack %c: %u sockets", 'A' + i,
			st.socks_in_use);
		cr_assert_eq(st.conns, 0, "stack %c: %u connections", 'A' + i, st.conns);
		cr_assert_eq(st.idle, 0, "stack %c: %u idle", 'A' + i, st.idle);
		cr_assert_eq(st.tcp_ports_held, 0);
		cr_assert_eq(st.mbufs_in_use, base[i].mbufs_in_use,
			"stack %c: %u mbufs in use, %u before", 'A' + i,
			st.mbufs_in_use, base[i].mbufs_in_use);
	}
}

Test(dpdk_idle, quiet_connections_go_compact_and_come_back_unseen, .timeout = 240)
{
	static int afd[CONNS], bfd[CONNS];
	static char before[CONNS][96], after[96];
	static struct info_pick ib[CONNS];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	struct dps_counters c0[2], c1;
	int lfd;

	up(b, IDLE_MS, 0);
	for (int i = 0; i < 2; i++) {
		base[i] = sstats(b, i);
		c0[i] = cnt(b, i);
	}
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, CONNS);
	exchange(b, afd, bfd, CONNS, 1, true);
	run(b, 50, STEP_NS);	/* the last ACKs */
	for (unsigned int i = 0; i < CONNS; i++) {
		describe(i % 2 ? afd[i] : bfd[i], before[i], sizeof(before[i]));
		ib[i] = info_of(i % 2 ? bfd[i] : afd[i]);
	}

	quiet(b);
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		c1 = cnt(b, i);
		cr_log_info("stack %c: %u idle of %u connections, %u sockets in use",
			'A' + i, st.idle, st.conns, st.socks_in_use);
		cr_assert_eq(st.idle, CONNS, "stack %c: %u idle", 'A' + i, st.idle);
		cr_assert_eq(st.conns, CONNS);
		/* B keeps its listener. */
		cr_assert_eq(st.socks_in_use, i == 0 ? 0u : 1u);
		cr_assert_eq(c1.tcp_idle_enter - c0[i].tcp_idle_enter,
			CONNS);
	}

	/* Read back without use: the same addresses, options and state. */
	for (unsigned int i = 0; i < CONNS; i++) {
		describe(i % 2 ? afd[i] : bfd[i], after, sizeof(after));
		cr_assert_str_eq(after, before[i], "connection %u", i);
		struct info_pick ia = info_of(i % 2 ? bfd[i] : afd[i]);
		cr_assert_eq(memcmp(&ia, &ib[i], sizeof(ia)), 0,
			"connection %u: TCP_INFO changed over its idle form", i);
	}
	quiet(b);
	cr_assert_eq(sstats(b, 0).idle, CONNS);

	/* B speaks first: B's sockets woken by the calls, A's by segments. */
	exchange(b, afd, bfd, CONNS, 2, false);
	quiet(b);
	cr_assert_eq(sstats(b, 1).idle, CONNS);
	exchange(b, afd, bfd, CONNS, 3, true);
	for (int i = 0; i < 2; i++) {
		c1 = cnt(b, i);
		cr_assert_geq(c1.tcp_idle_wake - c0[i].tcp_idle_wake,
			3 * CONNS, "stack %c", 'A' + i);
		cr_assert_eq(c1.tcp_retrans, c0[i].tcp_retrans);
		cr_assert_eq(c1.drop[DPS_DROP_tcp_idle_no_sock], 0);
	}
	quiet(b);
	close_all(b, afd, bfd, CONNS, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* A thread that is not the lcore: its calls wake idle connections by
 * request and wait for them. */
struct other {
	int *fd;
	unsigned int n;
	int errs;
	int done;			/* atomic */
};

static void *
other_main(void *arg)
{
	struct other *o = arg;
	uint8_t out[100];

	for (unsigned int i = 0; i < o->n; i++) {
		pattern(out, sizeof(out), i, 9);
		if (dps_send(o->fd[i], out, sizeof(out), 0) != (ssize_t)sizeof(out))
			o->errs++;
	}
	/* Release: the counts above before the flag the lcore reads. */
	__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(dpdk_idle, another_thread_wakes_by_request, .timeout = 120)
{
	static int afd[200], bfd[200];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	struct other o = { .fd = afd, .n = 200 };
	pthread_t th;
	uint8_t in[100], want[100];
	int lfd;

	up(b, IDLE_MS, 0);
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 200);
	quiet(b);
	cr_assert_eq(sstats(b, 0).idle, 200);
	cr_assert_eq(pthread_create(&th, NULL, other_main, &o), 0);
	/* The clock stands still meanwhile: the thread runs in real time,
	 * and virtual seconds passing in a few milliseconds would make the
	 * connections it woke idle again before it used them (idle_ms is
	 * meant to be far longer than a thread's wait). Acquire: pairs with
	 * other_main()'s release. */
	for (unsigned int k = 0; !__atomic_load_n(&o.done, __ATOMIC_ACQUIRE); k++) {
		cr_assert_lt(k, 100000000, "the thread's calls never completed");
		step(b, 0);
	}
	pthread_join(th, NULL);
	cr_assert_eq(o.errs, 0);
	for (unsigned int i = 0; i < 200; i++) {
		recv_all(b, bfd[i], in, sizeof(in));
		pattern(want, sizeof(want), i, 9);
		cr_assert_eq(memcmp(in, want, sizeof(in)), 0, "connection %u", i);
	}
	close_all(b, afd, bfd, 200, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* What something still holds stays a socket: unread bytes, an epoll
 * set; once let go, it goes too. */
Test(dpdk_idle, held_sockets_stay, .timeout = 120)
{
	static int afd[4], bfd[4];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t buf[10] = { 0 };
	int lfd, ep;

	up(b, IDLE_MS, 0);
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 4);
	/* 0: bytes B has not read; 1: on an epoll set; 2, 3: free. */
	cr_assert_eq(dps_send(afd[0], buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ep = dps_epoll_create();
	cr_assert_geq(ep, 0);
	ev.data.fd = bfd[1];
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_ADD, bfd[1], &ev), 0);
	quiet(b);
	quiet(b);
	cr_assert_eq(sstats(b, 0).idle, 4);
	cr_assert_eq(sstats(b, 1).idle, 2, "B: %u idle", sstats(b, 1).idle);
	cr_assert_eq(dps_recv(bfd[0], buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_DEL, bfd[1], NULL), 0);
	cr_assert_eq(dps_close(ep), 0);
	quiet(b);
	cr_assert_eq(sstats(b, 1).idle, 4);
	close_all(b, afd, bfd, 4, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* What the callbacks of the `idle` test saw: @p calls of each kind,
 * counted in the struct the argument names. */
struct cb_probe {
	unsigned int idle, readable;
	int last_fd;
};
static struct cb_probe probe[2];	/* [0]: the first argument; [1]: the idle one */

/* Gives the first argument's state back: the idle form keeps &probe[1]. */
static void *
probe_idle(int fd, void *arg)
{
	struct cb_probe *p = arg;

	p->idle++;
	p->last_fd = fd;
	return &probe[1];
}

static void
probe_readable(int fd, void *arg)
{
	struct cb_probe *p = arg;

	p->readable++;
	p->last_fd = fd;
}

/* The `idle` callback: called once for each connection that goes
 * compact, on the lcore, with the argument it had, and every later
 * callback gets the argument it returned; a set without one keeps its
 * argument. */
Test(dpdk_idle, idle_callback_names_the_argument_kept, .timeout = 120)
{
	static const struct dps_sock_cbs with = { .idle = probe_idle,
		.readable = probe_readable };
	static const struct dps_sock_cbs without = { .readable = probe_readable };
	static int afd[8], bfd[8];
	static struct cb_probe plain;
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	uint8_t buf[10] = { 0 };
	int lfd;

	memset(probe, 0, sizeof(probe));
	up(b, IDLE_MS, 0);
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 8);
	/* B's 0..5 with the `idle` callback, 6 and 7 without. */
	for (unsigned int i = 0; i < 8; i++)
		cr_assert_eq(dps_set_callbacks(bfd[i], i < 6 ? &with : &without,
			i < 6 ? (void *)&probe[0] : (void *)&plain), 0);
	quiet(b);
	cr_assert_eq(sstats(b, 1).idle, 8);
	cr_assert_eq(probe[0].idle, 6, "%u calls", probe[0].idle);
	cr_assert_eq(probe[1].idle, 0);
	/* Data on each: the readable callback wakes it with the kept one. */
	for (unsigned int i = 0; i < 8; i++)
		cr_assert_eq(dps_send(afd[i], buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	run(b, 20, STEP_NS);
	cr_assert_eq(probe[0].readable, 0);
	cr_assert_eq(probe[1].readable, 6, "%u", probe[1].readable);
	cr_assert_eq(plain.readable, 2);
	cr_assert_eq(plain.idle, 0);
	for (unsigned int i = 0; i < 8; i++)
		recv_all(b, bfd[i], buf, sizeof(buf));
	/* Compact again: now told with the argument it returned. */
	quiet(b);
	cr_assert_eq(sstats(b, 1).idle, 8);
	cr_assert_eq(probe[1].idle, 6);
	cr_assert_eq(probe[0].idle, 6);
	close_all(b, afd, bfd, 8, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* A fresh connection goes compact idle_ms after its handshake, on both
 * sides: the SYN's (and the SYN-ACK's) retransmission timer, a second
 * ahead and left armed by the handshake, does not hold it a socket. */
Test(dpdk_idle, fresh_connections_compact_after_idle_ms, .timeout = 120)
{
	static int afd[4], bfd[4];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	int lfd;

	up(b, 20, 0);
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 4);
	/* 200 ms: ten times idle_ms, a fifth of the initial RTO. */
	run(b, 200, 1 * MS);
	cr_assert_eq(sstats(b, 0).idle, 4, "client: %u compact",
		(unsigned int)sstats(b, 0).idle);
	cr_assert_eq(sstats(b, 1).idle, 4, "server: %u compact",
		(unsigned int)sstats(b, 1).idle);
	/* dps_stack_orphans(): A's closes wait in FIN_WAIT_2 for B's. */
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(dps_close(afd[i]), 0);
	run(b, 20, STEP_NS);
	cr_assert_eq(dps_stack_orphans(b->s[0], 0), 4);
	cr_assert_eq(dps_stack_orphans(b->s[1], 0), 0);
	cr_assert_eq(dps_stack_orphans(b->s[0], 1), 0, "no such lcore");
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(dps_close(bfd[i]), 0);
	run(b, 20, STEP_NS);
	cr_assert_eq(dps_stack_orphans(b->s[0], 0), 0, "A in TIME_WAIT");
	cr_assert_eq(dps_stack_orphans(b->s[1], 0), 0);
	cr_assert_eq(dps_close(lfd), 0);
	run(b, 700, 100 * MS);
	check_empty(b, base);
	bench_down(b);
}

Test(dpdk_idle, off_by_default, .timeout = 120)
{
	static int afd[4], bfd[4];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	int lfd;

	up(b, 0, 0);
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 4);
	quiet(b);
	cr_assert_eq(sstats(b, 0).idle, 0);
	cr_assert_eq(sstats(b, 1).idle, 0);
	cr_assert_eq(sstats(b, 0).socks_in_use, 4);
	close_all(b, afd, bfd, 4, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* No socket free when a segment comes for an idle connection: dropped
 * and counted; the peer's retransmission gets through once one is. */
Test(dpdk_idle, wake_without_a_socket_drops_and_counts, .timeout = 120)
{
	static int afd[3], bfd[3];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	uint8_t out[50], in[50];
	int lfd, hog[3];

	up(b, IDLE_MS, 4);	/* B: the listener and three connections */
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 3);
	quiet(b);
	cr_assert_eq(sstats(b, 1).idle, 3);
	for (int i = 0; i < 3; i++) {
		hog[i] = dps_socket_on(b->s[1], AF_INET, SOCK_DGRAM, 0);
		cr_assert_geq(hog[i], 0);
	}
	pattern(out, sizeof(out), 0, 5);
	cr_assert_eq(dps_send(afd[0], out, sizeof(out), 0), (ssize_t)sizeof(out));
	run(b, 100, STEP_NS);
	cr_assert_geq(cnt(b, 1).drop[DPS_DROP_tcp_idle_no_sock], 1);
	cr_assert_eq(sstats(b, 1).idle, 3);
	/* A call by descriptor fails the same way, and says why. */
	cr_assert_eq(dps_recv(bfd[1], in, sizeof(in), 0), -1);
	cr_assert_eq(errno, ENOBUFS);
	cr_assert_eq(dps_close(hog[0]), 0);
	run(b, 30, 100 * MS);	/* A's retransmission */
	recv_all(b, bfd[0], in, sizeof(in));
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	for (int i = 1; i < 3; i++)
		cr_assert_eq(dps_close(hog[i]), 0);
	close_all(b, afd, bfd, 3, lfd);
	check_empty(b, base);
	bench_down(b);
}

/* A stack torn down with idle connections open: their descriptors go
 * with it, nothing is read after its store is gone (ASan). */
Test(dpdk_idle, teardown_with_idle_connections, .timeout = 120)
{
	static int afd[10], bfd[10];
	struct bench bb, *b = &bb;
	int lfd;

	up(b, IDLE_MS, 0);
	lfd = listener(b);
	open_n(b, lfd, afd, bfd, 10);
	quiet(b);
	cr_assert_eq(sstats(b, 0).idle, 10);
	cr_assert_eq(sstats(b, 1).idle, 10);
	bench_down(b);
	/* The descriptors are gone with their stack. */
	cr_assert_eq(dps_close(afd[0]), -1);
	cr_assert_eq(errno, EBADF);
}
