/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory per connection from the pools' own counters (issue 15): two
 * stacks on the test wire, A connecting to B, hold 100,000 established
 * connections with room for ten million sockets each, then close them
 * all. The socket pools must have grown to the connections held, a chunk
 * at a time, not to their maximum: bytes populated within a bound made
 * of sizeof(struct dps_sock); the TCB extensions' pool, to the
 * handshakes of a batch. A count, not a time.
 *
 * The test thread is lcore 0 of both stacks (dps_bench.h), so its calls
 * run inline; connections open paced, BATCH at a time, each batch
 * accepted before the next starts. A's single address reaches B's
 * LISTENERS ports from its whole port range (a port serves one tuple per
 * destination).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "dps_bench.h"
#include "dps_tcp_priv.h"
#include "dps_test_eal.h"

#define CONNS		100000u
#define BATCH		1000u
#define LISTENERS	4
#define MAX_SOCKS	10000000u	/* room for ten million */
#define MAX_CONNS	131072u		/* A's TIME_WAIT entries too */
#define STEP_NS		(100 * US)
#define SMALL		200u		/* B's pool in the exhaustion test */

static struct dps_sock_stats
sstats(struct bench *b, int side)
{
	struct dps_sock_stats st;

	dps_stack_sock_stats(b->s[side], &st);
	return st;
}

/* Resident kilobytes of this process (VmRSS), for the log. */
static long
rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
log_counter(const char *name, uint64_t v, void *arg)
{
	if (v != 0 && strncmp(name, "poll_", 5) != 0)
		cr_log_info("  %s %s = %" PRIu64, (const char *)arg, name, v);
}

/* Both stacks up, B with room for @b_socks sockets (A: MAX_SOCKS). */
static void
up(struct bench *b, uint32_t b_socks)
{
	/* The stacks' mbufs: a batch's handshakes in flight at once. */
	struct bench_opts o = { .pool_n = 16383 };
	struct dps_testwire_conf wc = { .seed = 1, .ring_size = 4096 };
	struct dps_sock_conf sc = { .port_lo = 1024, .port_hi = 65535,
		.max_conns = MAX_CONNS, .max_socks = MAX_SOCKS };
	struct dps_addr aa = dps_addr_v4(A_IP), ba = dps_addr_v4(B_IP);
	struct rte_ether_addr mac[2];

	bench_up_opts(b, "pw", &wc, false, &o);
	for (int i = 0; i < 2; i++)
		mac[i] = (struct rte_ether_addr){ { 0x02, 0x64, 0x70, 0x73, 0x00,
			(uint8_t)b->port[i] } };
	stack_new(b, 0, "pa", A_IP, 0);
	stack_new(b, 1, "pb", B_IP, 0);
	/* The table's references (dps_tcp_ent_of()) bound both sizes. */
	sc.max_conns = 1u << 26;
	cr_assert_eq(dps_stack_set_sock_conf(b->s[0], &sc), -EINVAL);
	sc.max_conns = MAX_CONNS;
	sc.max_socks = (1u << 25) + 1;	/* each pool below 2^25 */
	cr_assert_eq(dps_stack_set_sock_conf(b->s[0], &sc), -EINVAL);
	sc.max_socks = MAX_SOCKS;
	cr_assert_eq(dps_stack_set_sock_conf(b->s[0], &sc), 0);
	sc.max_socks = b_socks;
	cr_assert_eq(dps_stack_set_sock_conf(b->s[1], &sc), 0);
	cr_assert_eq(dps_stack_add_arp(b->s[0], 0, &ba, &mac[1]), 0);
	cr_assert_eq(dps_stack_add_arp(b->s[1], 0, &aa, &mac[0]), 0);
	stack_start(b, 0);
	stack_start(b, 1);
	run(b, 20, 1 * MS);	/* the gratuitous ARPs */
}

/* Accept what B's listeners hold into @fds from *@n on. */
static void
accept_all(const int *lfd, int *fds, unsigned int *n)
{
	for (int l = 0; l < LISTENERS; l++) {
		int fd;

		while ((fd = dps_accept4(lfd[l], NULL, NULL, SOCK_NONBLOCK)) >= 0)
			fds[(*n)++] = fd;
		cr_assert_eq(errno, EAGAIN, "accept: %s", strerror(errno));
	}
}

/* Open @CONNS connections, BATCH at a time, each batch accepted before
 * the next: the handshakes of one batch fit the mbuf pool and rings. */
static void
open_all(struct bench *b, const int *lfd, int *afd, int *bfd)
{
	unsigned int na = 0, nb = 0;

	while (na < CONNS) {
		for (unsigned int k = 0; k < BATCH; k++, na++) {
			struct sockaddr_in to = { .sin_family = AF_INET,
				.sin_addr.s_addr = B_IP,
				.sin_port = htons((uint16_t)(80 + na % LISTENERS)) };

			afd[na] = dps_socket_on(b->s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			cr_assert_geq(afd[na], 0, "socket %u: %s", na, strerror(errno));
			cr_assert_eq(dps_connect(afd[na], (struct sockaddr *)&to, sizeof(to)), -1);
			cr_assert_eq(errno, EINPROGRESS, "connect %u: %s", na, strerror(errno));
		}
		/* Virtual time: SYNs a full ring dropped come again at 1 s. */
		for (unsigned int i = 0; nb < na; i++) {
			cr_assert_lt(i, 100000, "%u of %u accepted", nb, na);
			step(b, STEP_NS);
			accept_all(lfd, bfd, &nb);
		}
	}
}

/* Close every connection, BATCH at a time: A first (its TIME_WAIT
 * entries hold no socket), then B, then wait until B's sockets of the
 * batch are back (the last ACK crossed). Closing all at once would put
 * 100,000 FINs in flight and their retransmissions in step. */
static void
close_all(struct bench *b, const int *afd, const int *bfd)
{
	unsigned int left = sstats(b, 1).socks_in_use;

	for (unsigned int i = 0; i < CONNS; i += BATCH) {
		for (unsigned int k = i; k < i + BATCH; k++)
			cr_assert_eq(dps_close(afd[k]), 0);
		run(b, 2, STEP_NS);
		for (unsigned int k = i; k < i + BATCH; k++)
			cr_assert_eq(dps_close(bfd[k]), 0);
		left -= BATCH;
		for (unsigned int n = 0; sstats(b, 1).socks_in_use > left; n++) {
			cr_assert_lt(n, 100000, "B: %u sockets, %u expected",
				sstats(b, 1).socks_in_use, left);
			step(b, STEP_NS);
		}
	}
}

/* The socket pool of @side holds @conns connections (and a listener or
 * so): grown a chunk at a time, so populated is at most what is in use
 * plus one chunk, and its bytes at most that many sockets and links. */
static void
check_pool(struct bench *b, int side, unsigned int conns)
{
	struct dps_pool_stats ps;
	struct dps_sock_stats st = sstats(b, side);
	/* A socket on its own cache lines, and the pool's 4-byte link. */
	const uint64_t size = RTE_ALIGN_CEIL(sizeof(struct dps_sock), RTE_CACHE_LINE_SIZE);
	const uint64_t per = size + sizeof(uint32_t);

	dps_pool_stats(dps_socks(b->s[side])->pool, &ps);
	cr_log_info("stack %c: %u sockets in use, %u populated (max %u, chunk %u,"
		" %u steps), %" PRIu64 " bytes: %" PRIu64 " per connection;"
		" struct dps_sock %zu bytes", 'A' + side, ps.in_use, ps.populated,
		ps.max, ps.chunk, ps.grows, ps.bytes_populated,
		ps.bytes_populated / (conns != 0 ? conns : 1), sizeof(struct dps_sock));
	cr_assert_eq(st.socks_in_use, ps.in_use);
	cr_assert_eq(st.socks_populated, ps.populated);
	cr_assert_eq(st.sock_bytes, ps.bytes_populated);
	cr_assert_eq(ps.max, MAX_SOCKS);
	cr_assert_eq(ps.elt_size, size);
	cr_assert_geq(ps.in_use, conns);
	/* Steps of at most 1 % of the connections held here. */
	cr_assert_leq(ps.chunk, CONNS / 100, "a step of %u sockets", ps.chunk);
	cr_assert_leq(ps.populated, ps.in_use + ps.chunk,
		"stack %c: %u populated for %u in use", 'A' + side, ps.populated, ps.in_use);
	cr_assert_leq(ps.bytes_populated, (uint64_t)(ps.in_use + ps.chunk) * per,
		"stack %c: %" PRIu64 " bytes for %u sockets of %" PRIu64, 'A' + side,
		ps.bytes_populated, ps.in_use, per);
	cr_assert_geq(ps.bytes_reserved, (uint64_t)MAX_SOCKS * sizeof(struct dps_sock));
	dps_pool_stats(dps_socks(b->s[side])->xpool, &ps);
	cr_log_info("stack %c: %u TCB extensions in use, %u populated, %" PRIu64
		" bytes (struct dps_tcb_ext %zu)", 'A' + side, ps.in_use, ps.populated,
		ps.bytes_populated, sizeof(struct dps_tcb_ext));
	cr_assert_eq(st.tcb_ext_in_use, ps.in_use);
	cr_assert_eq(st.tcb_ext_bytes, ps.bytes_populated);
}

Test(dpdk_pools, hundred_thousand_connections_populate_what_they_use, .timeout = 240)
{
	static int afd[CONNS], bfd[CONNS];
	struct bench bb, *b = &bb;
	struct dps_sock_stats base[2];
	struct dps_pool_stats xs;
	int lfd[LISTENERS];
	long rss0;

	up(b, MAX_SOCKS);
	rss0 = rss_kb();
	for (int l = 0; l < LISTENERS; l++) {
		struct sockaddr_in at = { .sin_family = AF_INET,
			.sin_port = htons((uint16_t)(80 + l)) };

		lfd[l] = dps_socket_on(b->s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		cr_assert_geq(lfd[l], 0);
		cr_assert_eq(dps_bind(lfd[l], (struct sockaddr *)&at, sizeof(at)), 0);
		cr_assert_eq(dps_listen(lfd[l], 4096), 0);
	}
	for (int i = 0; i < 2; i++)
		base[i] = sstats(b, i);
	/* Nothing written for ten million at start: one chunk at most. */
	check_pool(b, 1, 0);

	open_all(b, lfd, afd, bfd);
	run(b, 10, STEP_NS);
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.conns, base[i].conns + CONNS, "stack %c: %u connections",
			'A' + i, st.conns);
		cr_assert_eq(st.half_open, 0);
		check_pool(b, i, CONNS);
		/* Idle established connections hold no TCB extension, and
		 * the extensions' pool grew to a batch of handshakes at once,
		 * not to the connections. */
		dps_pool_stats(dps_socks(b->s[i])->xpool, &xs);
		cr_assert_eq(st.tcb_ext_in_use, 0, "stack %c: %u extensions held",
			'A' + i, st.tcb_ext_in_use);
		cr_assert_leq(xs.populated, BATCH + xs.chunk, "stack %c: %u extensions",
			'A' + i, xs.populated);
	}
	cr_log_info("resident: %ld kB more with %u connections on each side",
		rss_kb() - rss0, CONNS);

	close_all(b, afd, bfd);
	for (int l = 0; l < LISTENERS; l++)
		cr_assert_eq(dps_close(lfd[l]), 0);
	/* TIME_WAIT's 60 s, in virtual time. */
	run(b, 700, 100 * MS);
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_log_info("stack %c: %u sockets, %u conns, %u time_wait, %u orphans,"
			" %u half-open", 'A' + i, st.socks_in_use, st.conns, st.time_wait,
			st.orphans, st.half_open);
		struct dps_counters c = cnt(b, i);
		dps_counters_foreach(&c, log_counter, (void *)(i == 0 ? "A" : "B"));
	}
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.socks_in_use, 0, "stack %c: %u sockets left", 'A' + i,
			st.socks_in_use);
		cr_assert_eq(st.conns, 0, "stack %c: %u connections left", 'A' + i, st.conns);
		cr_assert_eq(st.tcp_ports_held, 0);
		cr_assert_eq(st.mbufs_in_use, base[i].mbufs_in_use,
			"stack %c: %u mbufs in use, %u before", 'A' + i, st.mbufs_in_use,
			base[i].mbufs_in_use);
	}
	bench_down(b);	/* every mbuf back */
}

/* A pool at its maximum: socket() fails with ENOBUFS, a SYN is answered
 * with a cookie (counted as tcp_syncookies_mem) and the cookie's ACK is
 * dropped and counted (tcp_sock_pool_empty); nothing crashes, and once
 * sockets are back everything closes clean. */
Test(dpdk_pools, exhausted_pool_is_enobufs_and_counted)
{
	static int held[SMALL];
	struct bench bb, *b = &bb;
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = B_IP,
		.sin_port = htons(80) };
	struct dps_counters c0, c;
	struct dps_pool_stats ps;
	unsigned int n = 0;
	int lfd, afd;

	up(b, SMALL);
	lfd = dps_socket_on(b->s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(lfd, 16), 0);
	while ((held[n] = dps_socket_on(b->s[1], AF_INET, SOCK_STREAM, 0)) >= 0)
		n++;
	cr_assert_eq(errno, ENOBUFS);
	cr_assert_eq(n, SMALL - 1);
	dps_pool_stats(dps_socks(b->s[1])->pool, &ps);
	cr_assert_eq(ps.populated, SMALL);
	cr_assert_eq(ps.in_use, SMALL);

	c0 = cnt(b, 1);
	afd = dps_socket_on(b->s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(afd, 0);
	cr_assert_eq(dps_connect(afd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	run(b, 10, STEP_NS);
	c = cnt(b, 1);
	cr_assert_eq(c.tcp_syncookies_mem, c0.tcp_syncookies_mem + 1, "SYN: a cookie");
	cr_assert_eq(c.drop[DPS_DROP_tcp_sock_pool_empty],
		c0.drop[DPS_DROP_tcp_sock_pool_empty] + 1, "its ACK: no socket, counted");
	cr_assert_eq(c.tcp_passive_opens, c0.tcp_passive_opens);

	for (unsigned int i = 0; i < n; i++)
		cr_assert_eq(dps_close(held[i]), 0);
	cr_assert_eq(dps_close(afd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	run(b, 700, 100 * MS);
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.socks_in_use, 0, "stack %c: %u sockets left", 'A' + i,
			st.socks_in_use);
		cr_assert_eq(st.conns, 0, "stack %c: %u connections left", 'A' + i, st.conns);
	}
	bench_down(b);
}
