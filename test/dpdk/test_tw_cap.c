/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT entries never fill the connection table (docs/tcp.md,
 * "TIME_WAIT"): a server B with room for MAXC connections that closes
 * first (as dps-httpd with Connection: close) keeps at most
 * max_tw_buckets TIME_WAIT entries, MAXC / 2 by default as Linux's
 * tcp_max_tw_buckets is half its established hash; beyond them a
 * connection closes without TIME_WAIT, counted as tcp_tw_overflow
 * (Linux's TCPTimeWaitOverflow), and new connections keep coming in,
 * over IPv4 and over IPv6, with one bound for both families as Linux's
 * per-namespace one. With the entries held, MAXC live connections still
 * fit; one more SYN is dropped and counted (tcp_conn_table_full) and is
 * taken when a connection leaves. Two stacks on the test wire under the
 * virtual clock: A (198.18.0.1, 2001:db8::1) the client, B (198.18.0.2,
 * 2001:db8::2) the server. Every test ends with the tables, sockets and
 * ports empty, and bench_down() checks that every mbuf came back.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include "dpstack.h"
#include "dps_socket.h"
#include "dps_testwire.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define MAXC 8			/* B's max_conns */
#define CAP (MAXC / 2)		/* its max_tw_buckets by default */
#define ROUNDS (3 * MAXC)	/* connections opened and closed in turn */
#define PORT4 8080
#define PORT6 8081

static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* ---- set-up ------------------------------------------------------------- */

/* A and B, both families (two_up46()); B with @sc. */
static void
two_up(struct bench *b, const char *w, const struct dps_sock_conf *sc)
{
	two_up46(b, w, NULL, sc);
}

static struct dps_sock_stats
sstats(struct bench *b, int side)
{
	struct dps_sock_stats st;

	dps_stack_sock_stats(b->s[side], &st);
	return st;
}

/* ---- calls ---------------------------------------------------------------- */

static struct sockaddr_storage
addr_of(int fam, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = B_IP;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(s->sin6_addr.s6_addr, b6, 16);
	}
	return ss;
}

static socklen_t
len_of(int fam)
{
	return fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int
tcp_on(struct dps_stack *s, int fam)
{
	int fd = dps_socket_on(s, fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	return fd;
}

/* B listening on its address of @fam (the IPv6 one v6-only). */
static int
listener(struct bench *b, int fam)
{
	uint16_t port = fam == AF_INET ? PORT4 : PORT6;
	struct sockaddr_storage me = addr_of(fam, port);
	int one = 1, lfd = tcp_on(b->s[1], fam);

	if (fam == AF_INET6)
		cr_assert_eq(dps_setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one)), 0);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&me, len_of(fam)), 0,
		"bind: errno %d", errno);
	cr_assert_eq(dps_listen(lfd, 64), 0, "listen: errno %d", errno);
	return lfd;
}

static uint8_t
tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l), 0);
	return ti.tcpi_state;
}

/* A's connect() to B's listener of @fam, started: its descriptor. */
static int
connect_start(struct bench *b, int fam)
{
	struct sockaddr_storage to = addr_of(fam, fam == AF_INET ? PORT4 : PORT6);
	int cfd = tcp_on(b->s[0], fam);

	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to, len_of(fam)), -1);
	cr_assert_eq(errno, EINPROGRESS, "connect: errno %d", errno);
	return cfd;
}

/* Wait for B to accept on @lfd and A's @cfd to be established; the
 * accepted descriptor. */
static int
connect_end(struct bench *b, int lfd, int cfd)
{
	uint64_t limit = vnow(b) + 30 * S;
	int sfd;

	while ((sfd = dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) < 0) {
		cr_assert_eq(errno, EAGAIN, "accept: errno %d", errno);
		cr_assert_lt(vnow(b), limit, "no connection (B: %u conns, %u TIME_WAIT)",
			sstats(b, 1).conns, sstats(b, 1).time_wait);
		step(b, 100 * US);
	}
	while (tcp_state(cfd) != TCP_ESTABLISHED) {
		cr_assert_lt(vnow(b), limit, "client state %u", tcp_state(cfd));
		step(b, 100 * US);
	}
	return sfd;
}

static uint64_t
tw_ends(struct bench *b)
{
	struct dps_counters c = cnt(b, 1);

	return c.tcp_time_wait + c.tcp_tw_overflow;
}

/* B closes @sfd first, A closes @cfd once it read B's FIN; returns when
 * B's side has ended (in TIME_WAIT or closed over the bound) and A's
 * connection has left A's table. */
static void
close_server_first(struct bench *b, int cfd, int sfd)
{
	uint64_t limit = vnow(b) + 30 * S, ends = tw_ends(b);
	uint32_t a_conns = sstats(b, 0).conns;
	char buf[8];
	ssize_t n;

	cr_assert_eq(dps_close(sfd), 0);
	while ((n = dps_recv(cfd, buf, sizeof(buf), 0)) != 0) {
		cr_assert(n < 0 && errno == EAGAIN, "recv: %zd errno %d", n, errno);
		cr_assert_lt(vnow(b), limit, "no FIN from B");
		step(b, 100 * US);
	}
	cr_assert_eq(dps_close(cfd), 0);
	while (tw_ends(b) == ends || sstats(b, 0).conns == a_conns) {
		cr_assert_lt(vnow(b), limit, "close unfinished");
		step(b, 100 * US);
	}
	cr_assert_eq(tw_ends(b), ends + 1);
}

/* One connection of @fam opened and closed by B first. */
static void
cycle(struct bench *b, int fam, int lfd)
{
	int cfd = connect_start(b, fam);

	close_server_first(b, cfd, connect_end(b, lfd, cfd));
}

/* Past TIME_WAIT: nothing left on either side. */
static void
drain_empty(struct bench *b)
{
	uint64_t end = vnow(b) + 62 * S;

	while (vnow(b) < end)
		step(b, 10 * MS);
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.conns, 0, "%c keeps %u connections", 'A' + i, st.conns);
		cr_assert_eq(st.socks_in_use, 0, "%c keeps %u sockets", 'A' + i,
			st.socks_in_use);
		cr_assert_eq(st.tcp_ports_held, 0, "%c keeps %u ports", 'A' + i,
			st.tcp_ports_held);
	}
}

/* ---- tests ------------------------------------------------------------------ */

/*
 * ROUNDS connections of @fam in turn, B closing each first: every one
 * connects; B's TIME_WAIT entries grow to the bound and stay there, the
 * rest counted as overflow; the mbufs in use do not grow with the rounds.
 */
static void
rounds(const char *w, int fam)
{
	const struct dps_sock_conf sc = { .max_conns = MAXC };
	struct bench b;
	uint32_t mbufs = 0;
	int lfd;

	two_up(&b, w, &sc);
	lfd = listener(&b, fam);
	for (unsigned int i = 1; i <= ROUNDS; i++) {
		struct dps_counters c;
		struct dps_sock_stats st;

		cycle(&b, fam, lfd);
		c = cnt(&b, 1);
		st = sstats(&b, 1);
		cr_assert_eq(st.time_wait, RTE_MIN(i, (unsigned int)CAP),
			"round %u: %u TIME_WAIT", i, st.time_wait);
		cr_assert_eq(c.tcp_time_wait, RTE_MIN(i, (unsigned int)CAP));
		cr_assert_eq(c.tcp_tw_overflow, i > CAP ? i - CAP : 0,
			"round %u: overflow %" PRIu64, i, c.tcp_tw_overflow);
		cr_assert_eq(st.conns, st.time_wait, "only TIME_WAIT entries left");
		cr_assert_eq(st.socks_in_use, 1, "the listener alone");
		cr_assert_eq(c.drop[DPS_DROP_tcp_listen_overflow] +
			c.drop[DPS_DROP_tcp_conn_table_full], 0, "no SYN dropped");
		if (i == CAP + 1)
			mbufs = sstats(&b, 0).mbufs_in_use + st.mbufs_in_use;
		else if (i > CAP + 1)
			cr_assert_leq(sstats(&b, 0).mbufs_in_use + st.mbufs_in_use, mbufs,
				"round %u: mbufs in use grew", i);
	}
	cr_assert_eq(cnt(&b, 0).tcp_time_wait, 0, "A closed second");
	cr_assert_eq(dps_close(lfd), 0);
	drain_empty(&b);
	bench_down(&b);
}

Test(dpdk, tw_cap_server_closes_v4, .timeout = 120)
{
	rounds("twc4", AF_INET);
}

Test(dpdk, tw_cap_server_closes_v6, .timeout = 120)
{
	rounds("twc6", AF_INET6);
}

/*
 * The bound is one for both families: with CAP IPv4 entries held, IPv6
 * connections close without TIME_WAIT. With the entries held, MAXC live
 * connections still find room in B's table; the next SYN is dropped and
 * counted (tcp_conn_table_full), and its retransmission is taken once a
 * connection has left.
 */
Test(dpdk, tw_cap_shared_and_live_room, .timeout = 120)
{
	const struct dps_sock_conf sc = { .max_conns = MAXC };
	struct dps_counters c0, c;
	struct bench b;
	uint64_t limit;
	int l4, l6, cfd[MAXC + 1], sfd[MAXC + 1];

	two_up(&b, "twcs", &sc);
	l4 = listener(&b, AF_INET);
	l6 = listener(&b, AF_INET6);
	for (int i = 0; i < CAP; i++)
		cycle(&b, AF_INET, l4);
	cr_assert_eq(sstats(&b, 1).time_wait, CAP);
	for (int i = 0; i < 2; i++)
		cycle(&b, AF_INET6, l6);
	c = cnt(&b, 1);
	cr_assert_eq(sstats(&b, 1).time_wait, CAP, "IPv6 entries over the shared bound");
	cr_assert_eq(c.tcp_tw_overflow, 2);
	cr_assert_eq(c.tcp_time_wait, CAP);

	/* MAXC live IPv4 connections beside the CAP IPv4 entries. */
	for (int i = 0; i < MAXC; i++) {
		cfd[i] = connect_start(&b, AF_INET);
		sfd[i] = connect_end(&b, l4, cfd[i]);
	}
	cr_assert_eq(sstats(&b, 1).conns, MAXC + CAP);
	cr_assert_eq(sstats(&b, 1).time_wait, CAP);

	/* One more: its SYN is dropped and counted, and retransmitted. */
	c0 = cnt(&b, 1);
	limit = vnow(&b) + 30 * S;
	cfd[MAXC] = connect_start(&b, AF_INET);
	while (cnt(&b, 1).drop[DPS_DROP_tcp_conn_table_full] ==
			c0.drop[DPS_DROP_tcp_conn_table_full]) {
		cr_assert_lt(vnow(&b), limit, "no SYN dropped");
		cr_assert_eq(tcp_state(cfd[MAXC]), TCP_SYN_SENT);
		step(&b, 100 * US);
	}
	c = cnt(&b, 1);
	cr_assert_eq(c.drop[DPS_DROP_tcp_listen_overflow],
		c0.drop[DPS_DROP_tcp_listen_overflow], "counted as the table's");
	cr_assert_eq(sstats(&b, 1).conns, MAXC + CAP);
	cr_assert_eq(tcp_state(cfd[MAXC]), TCP_SYN_SENT);

	/* A connection leaves (over the bound, without TIME_WAIT): the
	 * retransmitted SYN gets in. */
	close_server_first(&b, cfd[0], sfd[0]);
	cr_assert_eq(sstats(&b, 1).time_wait, CAP);
	sfd[MAXC] = connect_end(&b, l4, cfd[MAXC]);
	cr_assert_eq(sstats(&b, 1).conns, MAXC + CAP);
	for (int i = 1; i <= MAXC; i++)
		close_server_first(&b, cfd[i], sfd[i]);
	cr_assert_eq(sstats(&b, 1).time_wait, CAP);
	cr_assert_eq(dps_close(l4), 0);
	cr_assert_eq(dps_close(l6), 0);
	drain_empty(&b);
	bench_down(&b);
}
