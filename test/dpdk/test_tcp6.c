/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_INET6 stream sockets on the test wire, under the virtual clock: two
 * stacks over IPv6 (A 2001:db8::1, B 2001:db8::2). connect() and
 * accept() with the names each side reports, the MSS of the IPv6 MTU,
 * data both ways, a transfer under loss and under reordering, close and
 * the IPv6 TIME_WAIT (60 s, its port held, the tuple usable again), a RST
 * for a closed port read as ECONNREFUSED, an AF_INET listener deaf to
 * IPv6, v4-mapped connections of dual-stack sockets both ways, and
 * connect()'s refusals as Linux's tcp_v6_connect() gives them.
 * Every test ends with the socket pools, connection tables and port maps
 * empty, and bench_down() checks that every mbuf came back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_ip.h>

#include "dpstack.h"
#include "dps_socket.h"
#include "dps_testwire.h"
#include "dps_wire.h"
#include "dps_wire6.h"
#include "dps_stack_priv.h"
#include "dps_tcp_priv.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define A6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }
#define B6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }
#define PEER6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 }
static const uint8_t a6[16] = A6, b6[16] = B6, peer6[16] = PEER6;
#define SRV_PORT 8080
#define KIB 1024u

/* ---- set-up ------------------------------------------------------------- */

static struct dps_stack *
stack6_new(struct bench *b, int side, const char *name, uint32_t ip4,
	const uint8_t v6[16])
{
	struct dps_stack *s = stack_new(b, side, name, ip4, 0);
	struct dps_addr a = dps_addr_v6(v6);

	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	return s;
}

/* Stacks A (198.18.0.1, 2001:db8::1) and B (198.18.0.2, 2001:db8::2),
 * DAD over (two_up46()). */
static void
two_up(struct bench *b, const char *w, const struct dps_testwire_conf *wc)
{
	two_up46(b, w, wc, NULL);
}

static struct dps_sock_stats
sstats(struct bench *b, int side)
{
	struct dps_sock_stats st;

	dps_stack_sock_stats(b->s[side], &st);
	return st;
}

/* Nothing left: sockets, table entries (TIME_WAIT included), ports. */
static void
assert_empty(struct bench *b)
{
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st = sstats(b, i);

		cr_assert_eq(st.socks_in_use, 0, "%c keeps %u sockets", 'A' + i,
			st.socks_in_use);
		cr_assert_eq(st.conns, 0, "%c keeps %u connections", 'A' + i, st.conns);
		cr_assert_eq(st.tcp_ports_held, 0, "%c keeps %u ports", 'A' + i,
			st.tcp_ports_held);
	}
}

/* ---- addresses and calls ------------------------------------------------- */

static struct sockaddr_in6
sin6_of(const uint8_t a[16], uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	memcpy(s.sin6_addr.s6_addr, a, 16);
	return s;
}

static int
tcp6(struct dps_stack *s)
{
	int fd = dps_socket_on(s, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	return fd;
}

static struct sockaddr_in6
name6(int fd, bool peer)
{
	struct sockaddr_in6 s;
	socklen_t l = sizeof(s);

	memset(&s, 0xaa, sizeof(s));
	cr_assert_eq(peer ? dps_getpeername(fd, (struct sockaddr *)&s, &l) :
		dps_getsockname(fd, (struct sockaddr *)&s, &l), 0, "errno %d", errno);
	cr_assert_eq(l, sizeof(s));
	cr_assert_eq(s.sin6_family, AF_INET6);
	cr_assert_eq(s.sin6_flowinfo, 0);
	cr_assert_eq(s.sin6_scope_id, 0);
	return s;
}

static bool
same6(const struct sockaddr_in6 *s, const uint8_t a[16], uint16_t port)
{
	return memcmp(s->sin6_addr.s6_addr, a, 16) == 0 && ntohs(s->sin6_port) == port;
}

static struct tcp_info
info(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l), 0,
		"TCP_INFO: errno %d", errno);
	return ti;
}

/* B listening on [::]:SRV_PORT. */
static int
listener6(struct bench *b)
{
	struct sockaddr_in6 any = sin6_of(in6addr_any.s6_addr, SRV_PORT);
	int one = 1, lfd = tcp6(b->s[1]);

	cr_assert_eq(dps_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&any, sizeof(any)), 0,
		"bind: errno %d", errno);
	cr_assert_eq(dps_listen(lfd, 16), 0, "listen: errno %d", errno);
	return lfd;
}

/* A connects to B's listener; both ends established. Returns the
 * client's descriptor, the accepted one in *@sfd and its peer's name in
 * *@from. */
static int
pair6(struct bench *b, int lfd, int *sfd, struct sockaddr_in6 *from)
{
	struct sockaddr_in6 to = sin6_of(b6, SRV_PORT);
	socklen_t fl = sizeof(*from);
	uint64_t limit = vnow(b) + 30 * S;
	int cfd = tcp6(b->s[0]);

	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS, "connect: errno %d", errno);
	for (*sfd = -1; *sfd < 0;) {
		step(b, 100 * US);
		*sfd = dps_accept4(lfd, (struct sockaddr *)from, &fl, SOCK_NONBLOCK);
		cr_assert(*sfd >= 0 || errno == EAGAIN, "accept: errno %d", errno);
		cr_assert_lt(vnow(b), limit, "no connection");
	}
	cr_assert_eq(fl, sizeof(*from));
	while (info(cfd).tcpi_state != TCP_ESTABLISHED) {
		step(b, 100 * US);
		cr_assert_lt(vnow(b), limit, "client state %u", info(cfd).tcpi_state);
	}
	return cfd;
}

/* dps_conn_info() of @fd: established, on lcore 0, its names of the
 * AF_INET6 family and as getsockname() and getpeername() give them, the
 * MSS @mss (without options: 1440 over IPv6, 1460 over IPv4). */
static void
conn_info_as_names(int fd, uint32_t mss)
{
	struct sockaddr_in6 me = name6(fd, false), peer = name6(fd, true);
	struct dps_conn_info ci;

	memset(&ci, 0xaa, sizeof(ci));
	cr_assert_eq(dps_conn_info(fd, &ci), 0, "dps_conn_info: errno %d", errno);
	cr_assert_eq(ci.state, DPS_TCP_ESTABLISHED, "state %u", ci.state);
	cr_assert_eq(ci.lcore, 0);
	cr_assert_eq(ci.local6.sin6_family, AF_INET6);
	cr_assert_eq(ci.peer6.sin6_family, AF_INET6);
	cr_assert(same6(&ci.local6, me.sin6_addr.s6_addr, ntohs(me.sin6_port)),
		"dps_conn_info's local name is not getsockname()'s");
	cr_assert(same6(&ci.peer6, peer.sin6_addr.s6_addr, ntohs(peer.sin6_port)),
		"dps_conn_info's peer is not getpeername()'s");
	cr_assert_eq(ci.local6.sin6_scope_id, 0);
	cr_assert_eq(ci.mss, mss, "MSS %u", ci.mss);
}

/* Byte i of a stream is a function of i, so that any loss, duplication
 * or reordering the receiver let through shows. */
static uint8_t
pat(uint64_t i, unsigned int seed)
{
	return (uint8_t)((i * 131 + seed + (i >> 9)) & 0xff);
}

/* One direction of a transfer. */
struct flow {
	int tx, rx;
	uint64_t total, sent, got;
	unsigned int seed;
	bool shut;
};

static void
flow_step(struct flow *f)
{
	uint8_t buf[8192];

	while (f->sent < f->total) {
		size_t n = f->total - f->sent < sizeof(buf) ? f->total - f->sent : sizeof(buf);
		ssize_t r;

		for (size_t i = 0; i < n; i++)
			buf[i] = pat(f->sent + i, f->seed);
		r = dps_send(f->tx, buf, n, 0);
		if (r < 0) {
			cr_assert_eq(errno, EAGAIN, "send: errno %d", errno);
			break;
		}
		f->sent += (uint64_t)r;
	}
	if (f->sent == f->total && !f->shut) {
		cr_assert_eq(dps_shutdown(f->tx, SHUT_WR), 0);
		f->shut = true;
	}
	for (;;) {
		ssize_t r = dps_recv(f->rx, buf, sizeof(buf), 0);

		if (r <= 0) {
			cr_assert(r == 0 || errno == EAGAIN, "recv: errno %d", errno);
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			cr_assert_eq(buf[i], pat(f->got + (uint64_t)i, f->seed),
				"byte %" PRIu64 " wrong", f->got + (uint64_t)i);
		f->got += (uint64_t)r;
	}
}

/* @ab bytes from A to B and @ba back, both half-closed at the end; every
 * byte checked. */
static void
transfer(struct bench *b, int cfd, int sfd, uint64_t ab, uint64_t ba, uint64_t limit)
{
	struct flow f[2] = {
		{ .tx = cfd, .rx = sfd, .total = ab, .seed = 7 },
		{ .tx = sfd, .rx = cfd, .total = ba, .seed = 99 },
	};

	while (f[0].got < ab || f[1].got < ba || !f[0].shut || !f[1].shut) {
		flow_step(&f[0]);
		flow_step(&f[1]);
		step(b, 100 * US);
		cr_assert_lt(vnow(b), limit, "stalled: A->B %" PRIu64 " of %" PRIu64
			", B->A %" PRIu64 " of %" PRIu64, f[0].got, ab, f[1].got, ba);
	}
	cr_assert_eq(f[0].got, ab);
	cr_assert_eq(f[1].got, ba);
}

/* Run until both ends reached EOF and the TIME_WAIT of the first to
 * close is over; then nothing of the connection is left. */
static void
drain(struct bench *b)
{
	uint64_t end = vnow(b) + 62 * S;

	while (vnow(b) < end)
		step(b, 10 * MS);
}

/* ---- two stacks ------------------------------------------------------------ */

/*
 * A connects to B's [::]:8080; names on both ends, the MSS of a 1500-byte
 * IPv6 MTU (1440, 1428 with timestamps), data both ways checked byte by
 * byte, then A closes first: its IPv6 TIME_WAIT holds the tuple and the
 * port for 60 s and holds no socket, and the tuple connects again after.
 */
Test(dpdk, tcp6_connect_transfer_close, .timeout = 120)
{
	struct bench b;
	struct sockaddr_in6 from, me, peer;
	struct tcp_info ti;
	struct dps_counters c0, c1;
	int lfd, cfd, sfd;
	uint64_t t_tw;

	two_up(&b, "t6xfer", NULL);
	lfd = listener6(&b);
	me = name6(lfd, false);
	cr_assert(same6(&me, in6addr_any.s6_addr, SRV_PORT));
	cfd = pair6(&b, lfd, &sfd, &from);

	me = name6(cfd, false);
	cr_assert_eq(memcmp(me.sin6_addr.s6_addr, a6, 16), 0, "the source chosen");
	cr_assert_neq(me.sin6_port, 0, "autobound");
	peer = name6(cfd, true);
	cr_assert(same6(&peer, b6, SRV_PORT));
	cr_assert(same6(&from, a6, ntohs(me.sin6_port)), "accept's name of the peer");
	peer = name6(sfd, true);
	cr_assert(same6(&peer, a6, ntohs(me.sin6_port)));
	me = name6(sfd, false);
	cr_assert(same6(&me, b6, SRV_PORT), "the child's own name");

	ti = info(cfd);
	cr_assert_eq(ti.tcpi_snd_mss, 1428, "IPv6 MSS with timestamps: %u",
		ti.tcpi_snd_mss);
	conn_info_as_names(cfd, 1440);
	conn_info_as_names(sfd, 1440);
	{
		struct dps_conn_info ci;

		cr_assert_eq(dps_conn_info(lfd, &ci), -1, "a listener is no connection");
		cr_assert_eq(errno, ENOENT);
	}
	cr_assert_eq(ti.tcpi_advmss, 1440, "MSS announced: %u", ti.tcpi_advmss);

	transfer(&b, cfd, sfd, 96 * KIB, 512 * KIB, T0 + 60 * S);
	c0 = cnt(&b, 0);
	c1 = cnt(&b, 1);
	cr_assert_geq(c1.tcp_tx_bytes, 512 * KIB);
	cr_assert_geq(c0.tcp_rx_bytes, 512 * KIB);
	cr_assert_eq(c0.tcp_tx_rst + c1.tcp_tx_rst, 0);

	/* Both sides shut down writing: A's FIN went first (its 96 KiB were
	 * done long before B's 512 KiB), so A is in
	 * TIME_WAIT once B's FIN is acknowledged: a compact entry holds the
	 * tuple, and the socket reads CLOSE (as for IPv4). */
	while (sstats(&b, 0).time_wait != 1) {
		step(&b, 100 * US);
		cr_assert_lt(vnow(&b), T0 + 20 * S, "client state %u tw %" PRIu64 " conns %u/%u",
			info(cfd).tcpi_state, cnt(&b, 0).tcp_time_wait, sstats(&b, 0).conns,
			sstats(&b, 1).conns);
	}
	t_tw = vnow(&b);
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);
	run(&b, 20, 100 * US);
	cr_assert_eq(sstats(&b, 0).time_wait, 1, "A keeps the tuple in TIME_WAIT");
	cr_assert_eq(sstats(&b, 0).conns, 1);
	cr_assert_eq(sstats(&b, 0).socks_in_use, 0, "TIME_WAIT holds no socket");
	cr_assert_eq(sstats(&b, 0).tcp_ports_held, 1, "TIME_WAIT keeps its port");
	cr_assert_eq(sstats(&b, 1).time_wait, 0, "B closed second");
	cr_assert_eq(cnt(&b, 0).tcp_time_wait, 1);

	while (vnow(&b) < t_tw + 59 * S)
		step(&b, 10 * MS);
	cr_assert_eq(sstats(&b, 0).time_wait, 1, "TIME_WAIT ended before 59 s");
	while (vnow(&b) < t_tw + 61 * S)
		step(&b, 10 * MS);
	run(&b, 4, 10 * MS);
	cr_assert_eq(sstats(&b, 0).time_wait, 0, "TIME_WAIT still there at 61 s");
	cr_assert_eq(sstats(&b, 0).conns, 0);

	/* A second connection on the listener, then everything closed. */
	cfd = pair6(&b, lfd, &sfd, &from);
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	drain(&b);
	assert_empty(&b);
	bench_down(&b);
}

/* 1 MiB each way through 2% loss, then through 5% reordering: every
 * byte arrives in order, lost segments are retransmitted over IPv6. */
static void
lossy(const char *w, double loss, double reorder, uint64_t seed)
{
	struct dps_testwire_conf wc = { .seed = seed, .loss = loss, .reorder = reorder,
		.delay_ns = 1 * MS };
	struct dps_testwire_stats ws;
	struct sockaddr_in6 from;
	struct bench b;
	int lfd, cfd, sfd;

	two_up(&b, w, &wc);
	lfd = listener6(&b);
	cfd = pair6(&b, lfd, &sfd, &from);
	transfer(&b, cfd, sfd, 1024 * KIB, 1024 * KIB, vnow(&b) + 300 * S);
	dps_testwire_stats(b.w, 0, &ws);
	if (loss > 0) {
		cr_assert_gt(ws.lost, 0);
		cr_assert_gt(cnt(&b, 0).tcp_retrans, 0, "no retransmission under loss");
	} else {
		cr_assert_gt(ws.reordered, 0);
		cr_assert_gt(cnt(&b, 1).tcp_ooo, 0, "B queued nothing out of order");
	}
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	drain(&b);
	assert_empty(&b);
	bench_down(&b);
}

Test(dpdk, tcp6_transfer_loss, .timeout = 300)
{
	lossy("t6loss", 0.02, 0, 606);
}

Test(dpdk, tcp6_transfer_reorder, .timeout = 300)
{
	lossy("t6reord", 0, 0.05, 707);
}

/*
 * A connect to a port nobody listens on over IPv6 is refused at once: B
 * answers the SYN with a RST|ACK, A's connect() fails with ECONNREFUSED
 * and forgets the peer. So does an AF_INET listener's port: an IPv4
 * socket takes no IPv6 segment.
 */
Test(dpdk, tcp6_rst_closed_port)
{
	struct sockaddr_in6 to = sin6_of(b6, 9);
	struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct bench b;
	int fd, err, l4;
	socklen_t el = sizeof(err);

	two_up(&b, "t6rst", NULL);
	l4 = dps_socket_on(b.s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_bind(l4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	cr_assert_eq(dps_listen(l4, 4), 0);
	for (int round = 0; round < 2; round++) {
		uint64_t rst0 = cnt(&b, 1).tcp_tx_rst;

		to.sin6_port = htons(round == 0 ? 9 : SRV_PORT);
		fd = tcp6(b.s[0]);
		cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
		cr_assert_eq(errno, EINPROGRESS);
		settle(&b);
		settle(&b);
		cr_assert_eq(cnt(&b, 1).tcp_tx_rst, rst0 + 1, "round %d: B sent no RST",
			round);
		cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
		cr_assert_eq(err, ECONNREFUSED, "round %d: SO_ERROR %d", round, err);
		cr_assert_eq(info(fd).tcpi_state, TCP_CLOSE);
		cr_assert_eq(dps_close(fd), 0);
	}
	cr_assert_eq(dps_close(l4), 0);
	run(&b, 10, 10 * MS);
	assert_empty(&b);
	bench_down(&b);
}

/*
 * connect()'s address checks as Linux 6.18's tcp_v6_connect() makes
 * them (run against the kernel: the same errno for each): a name shorter
 * than SIN6_LEN_RFC2133 (EINVAL, an AF_INET one of 16 bytes included),
 * an AF_INET name long enough (EAFNOSUPPORT, whether v6-only or not), a
 * group (ENETUNREACH), a link-local address without a scope (EINVAL), a
 * v4-mapped one on a v6-only socket (ENETUNREACH); AF_UNSPEC on a fresh
 * socket is a no-op; getpeername before a connection is ENOTCONN.
 */
Test(dpdk, tcp6_connect_checks)
{
	struct sockaddr_in6 to = sin6_of(b6, 9), ll = sin6_of(b6, 9), mc = sin6_of(b6, 9);
	struct sockaddr_storage st;
	struct sockaddr_in6 peer;
	struct sockaddr_in *sin = (struct sockaddr_in *)&st;
	struct bench b;
	int fd, one = 1;

	two_up(&b, "t6chk", NULL);
	fd = tcp6(b.s[0]);
	cr_assert_eq(dps_getpeername(fd, (struct sockaddr *)&peer,
		&(socklen_t){ sizeof(peer) }), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, 23), -1);
	cr_assert_eq(errno, EINVAL);
	memset(&st, 0, sizeof(st));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(9);
	sin->sin_addr.s_addr = B_IP;
	for (int only = 0; only < 2; only++) {
		int f = tcp6(b.s[0]);

		cr_assert_eq(dps_setsockopt(f, IPPROTO_IPV6, IPV6_V6ONLY, &only,
			sizeof(only)), 0);
		cr_assert_eq(dps_connect(f, (struct sockaddr *)&st, sizeof(*sin)), -1);
		cr_assert_eq(errno, EINVAL, "AF_INET, 16 bytes: errno %d", errno);
		cr_assert_eq(dps_connect(f, (struct sockaddr *)&st, 28), -1);
		cr_assert_eq(errno, EAFNOSUPPORT, "AF_INET, 28 bytes: errno %d", errno);
		cr_assert_eq(dps_close(f), 0);
	}
	memset(mc.sin6_addr.s6_addr, 0, 16);
	mc.sin6_addr.s6_addr[0] = 0xff;
	mc.sin6_addr.s6_addr[1] = 0x02;
	mc.sin6_addr.s6_addr[15] = 1;
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&mc, sizeof(mc)), -1);
	cr_assert_eq(errno, ENETUNREACH);
	memset(ll.sin6_addr.s6_addr, 0, 16);
	ll.sin6_addr.s6_addr[0] = 0xfe;
	ll.sin6_addr.s6_addr[1] = 0x80;
	ll.sin6_addr.s6_addr[15] = 1;
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&ll, sizeof(ll)), -1);
	cr_assert_eq(errno, EINVAL, "link-local without a scope: errno %d", errno);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&(struct sockaddr){
		.sa_family = AF_UNSPEC }, sizeof(struct sockaddr)), 0);
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	memset(to.sin6_addr.s6_addr, 0, 16);
	to.sin6_addr.s6_addr[10] = to.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&to.sin6_addr.s6_addr[12], &(uint32_t){ B_IP }, 4);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, ENETUNREACH, "v4-mapped on a v6-only socket: errno %d", errno);
	cr_assert_eq(dps_close(fd), 0);
	run(&b, 4, 10 * MS);
	assert_empty(&b);
	bench_down(&b);
}

/* ---- a raw peer ---------------------------------------------------------- */

/* Stack A and a raw peer (2001:db8::9, a static neighbour). */
static void
raw_up6(struct bench *b, const char *w)
{
	struct dps_addr pa = dps_addr_v6(peer6);
	struct dps_stack *s;

	bench_up(b, w, NULL, true);
	s = stack6_new(b, 0, "sa", A_IP, a6);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	stack_start(b, 0);
	wait_dad6(b, s, a6);
	peer_flush(b);
}

/* A's next TCP segment to the peer, checked: from a6 to peer6, hop limit
 * 64, traffic class 0, the checksum over the IPv6 pseudo-header. Its
 * IPv6 packet (header on) is copied to @pkt, its length returned. */
static uint32_t
tcp6_frame(struct bench *b, uint8_t *pkt, size_t cap)
{
	struct rte_mbuf *m;
	const uint8_t *p, *ip;
	uint32_t len;

	settle(b);
	m = peer_pop(b);
	cr_assert_not_null(m, "no segment");
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_assert_eq(rd16(p + 12), RTE_ETHER_TYPE_IPV6);
	ip = p + ETH_LEN;
	cr_assert_eq(ip[6], IPPROTO_TCP);
	cr_assert_eq(ip[7], 64, "hop limit %u", ip[7]);
	cr_assert_eq(((ip[0] & 0xf) << 4) | (ip[1] >> 4), 0, "traffic class");
	cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
	cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
	cr_assert_eq(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
		ip + DPS_IPV6_HLEN), 0, "TCP checksum over the IPv6 pseudo-header");
	len = DPS_IPV6_HLEN + rd16(ip + 4);
	cr_assert_leq(len, cap);
	memcpy(pkt, ip, len);
	rte_pktmbuf_free(m);
	return len;
}

/* The peer sends ICMPv6 @type/@code quoting @orig (an IPv6 packet). */
static void
icmp6_to_a(struct bench *b, uint8_t type, uint8_t code, const uint8_t *orig,
	uint32_t orig_len)
{
	uint8_t f[FRAME_MAX];
	size_t n;

	dps_eth_build(f, ETH_LEN, &b->mac[0], &peer_mac, RTE_ETHER_TYPE_IPV6);
	n = dps_icmp6_error_build(f + ETH_LEN, sizeof(f) - ETH_LEN, type, code, 0,
		orig, orig_len, peer6, a6);
	cr_assert_gt(n, 0);
	peer_send(b, f, pad60(f, (uint32_t)(ETH_LEN + n)));
}

/*
 * The SYN A sends to an IPv6 peer (checksum over the pseudo-header, MSS
 * 1440 for the 1500-byte MTU, a window of whole MSS, hop limit 64), and ICMPv6 errors about it,
 * as Linux's tcp_v6_err(): one quoting a sequence number not in flight
 * is ignored, port unreachable about the SYN fails the connect with
 * ECONNREFUSED (icmpv6_err_convert()).
 */
Test(dpdk, tcp6_syn_and_icmp6_errors)
{
	struct sockaddr_in6 to = sin6_of(peer6, 80);
	uint8_t syn[256], *th;
	struct bench b;
	uint32_t len, seq;
	socklen_t el = sizeof(int);
	int fd, err;

	raw_up6(&b, "t6icmp");
	fd = tcp6(b.s[0]);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	len = tcp6_frame(&b, syn, sizeof(syn));
	th = syn + DPS_IPV6_HLEN;
	cr_assert_eq(th[13], 0x02, "flags %#x: a SYN", th[13]);
	cr_assert_eq(rd16(th + 2), 80);
	cr_assert_eq(th[20], 2, "the first option is the MSS");
	cr_assert_eq(rd16(th + 22), 1440, "MSS %u", rd16(th + 22));
	cr_assert_eq(rd16(th + 14), 64800, "the window in whole MSS: %u", rd16(th + 14));
	seq = rd32(th + 4);

	/* Quoting a sequence number the connection never sent: ignored. */
	wr32(th + 4, seq + 100000);
	icmp6_to_a(&b, 1, 4, syn, len);
	settle(&b);
	cr_assert_eq(info(fd).tcpi_state, TCP_SYN_SENT);
	wr32(th + 4, seq);
	icmp6_to_a(&b, 1, 4, syn, len);
	settle(&b);
	cr_assert_eq(info(fd).tcpi_state, TCP_CLOSE);
	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	cr_assert_eq(err, ECONNREFUSED, "SO_ERROR %d", err);
	cr_assert_eq(dps_close(fd), 0);
	settle(&b);
	peer_flush(&b);
	{
		struct dps_sock_stats st;

		dps_stack_sock_stats(b.s[0], &st);
		cr_assert_eq(st.socks_in_use, 0);
		cr_assert_eq(st.conns, 0);
		cr_assert_eq(st.tcp_ports_held, 0);
	}
	bench_down(&b);
}

/*
 * An ICMPv6 error that RSS put on another lcore than its flow's goes to
 * the owner through the owner's ring, in an mbuf (the test wire has one
 * queue, so the stack has one lcore: lcore 0 hands the record to itself,
 * which takes the same ring and message as a hand-off between two).
 * Nothing happens before the owner polls; a record quoting a sequence
 * number not in flight is ignored there, one about the SYN fails the
 * connect with its error. A ring that cannot take the record (an lcore
 * the stack lacks) counts a drop and frees the mbuf.
 */
Test(dpdk, tcp6_icmp6_error_handoff)
{
	struct sockaddr_in6 to = sin6_of(peer6, 80);
	struct dps_tuple6 t = { .proto = IPPROTO_TCP };
	struct dps_counters c0, c1;
	uint8_t syn[256], *th;
	struct dps_lcore *lc;
	struct bench b;
	socklen_t el = sizeof(int);
	uint32_t seq;
	int fd, err;

	raw_up6(&b, "t6icmpho");
	lc = b.s[0]->lc[0];
	fd = tcp6(b.s[0]);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	(void)tcp6_frame(&b, syn, sizeof(syn));
	th = syn + DPS_IPV6_HLEN;
	seq = rd32(th + 4);
	memcpy(t.laddr, a6, 16);
	memcpy(t.raddr, peer6, 16);
	memcpy(&t.lport, th, 2);
	memcpy(&t.rport, th + 2, 2);

	c0 = cnt(&b, 0);
	cr_assert_eq(dps_tcp6_icmp_post(lc, 0, &t, seq + 100000, ECONNREFUSED, 0), 0);
	settle(&b);
	cr_assert_eq(info(fd).tcpi_state, TCP_SYN_SENT, "not about a sequence in flight");
	cr_assert_eq(dps_tcp6_icmp_post(lc, 0, &t, seq, EHOSTUNREACH, 0), 0);
	cr_assert_eq(info(fd).tcpi_state, TCP_SYN_SENT, "nothing before the owner polls");
	settle(&b);
	c1 = cnt(&b, 0);
	cr_assert_eq(c1.tcp_icmp6_handoff - c0.tcp_icmp6_handoff, 2);
	cr_assert_eq(info(fd).tcpi_state, TCP_CLOSE);
	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	cr_assert_eq(err, EHOSTUNREACH, "SO_ERROR %d", err);

	/* No ring to take it: dropped, counted, the mbuf freed (bench_down()
	 * counts the pool). */
	cr_assert_eq(dps_tcp6_icmp_post(lc, 1, &t, seq, EHOSTUNREACH, 0), -EAGAIN);
	cr_assert_eq(cnt(&b, 0).drop[DPS_DROP_tcp_handoff_full] -
		c1.drop[DPS_DROP_tcp_handoff_full], 1);
	cr_assert_eq(dps_close(fd), 0);
	settle(&b);
	peer_flush(&b);
	{
		struct dps_sock_stats st;

		dps_stack_sock_stats(b.s[0], &st);
		cr_assert_eq(st.socks_in_use, 0);
		cr_assert_eq(st.conns, 0);
		cr_assert_eq(st.tcp_ports_held, 0);
	}
	bench_down(&b);
}

/* ---- v4-mapped connections ------------------------------------------------- */

static struct sockaddr_in6
mapped_of(uint32_t v4, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	s.sin6_addr.s6_addr[10] = 0xff;
	s.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s.sin6_addr.s6_addr[12], &v4, 4);
	return s;
}

/* Wait until @fd's connect ended; its SO_ERROR. */
static int
connect_end(struct bench *b, int fd)
{
	socklen_t el = sizeof(int);
	uint64_t limit = vnow(b) + 30 * S;
	int err;

	while (info(fd).tcpi_state == TCP_SYN_SENT) {
		step(b, 100 * US);
		cr_assert_lt(vnow(b), limit, "connect never ended");
	}
	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	return err;
}

/*
 * A dual-stack socket's IPv4 connections, as Linux's ipv6_mapped: a
 * dual-stack listener on [::] accepts an AF_INET client, named
 * ::ffff:198.18.0.1 by accept() and ::ffff:198.18.0.2 by the child's
 * getsockname(); a v6-only listener refuses it (RST, ECONNREFUSED); an
 * AF_INET6 client connects to ::ffff:198.18.0.2 (an AF_INET listener)
 * and names both ends v4-mapped. Data both ways on each, byte by byte.
 */
Test(dpdk, tcp6_v4_mapped, .timeout = 120)
{
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT),
		.sin_addr.s_addr = B_IP };
	struct sockaddr_in6 from, me, peer, only = sin6_of(in6addr_any.s6_addr, 8081);
	struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(8082) };
	struct sockaddr_in6 to6 = mapped_of(B_IP, 8082);
	socklen_t fl = sizeof(from);
	struct bench b;
	int lfd, l6o, l4, cfd, sfd, one = 1;

	two_up(&b, "t6map", NULL);
	lfd = listener6(&b);

	/* AF_INET client, dual-stack listener. */
	cfd = dps_socket_on(b.s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to4, sizeof(to4)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	for (sfd = -1; sfd < 0;) {
		step(&b, 100 * US);
		sfd = dps_accept4(lfd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK);
		cr_assert(sfd >= 0 || errno == EAGAIN, "accept: errno %d", errno);
		cr_assert_lt(vnow(&b), T0 + 30 * S, "the dual-stack listener took nothing");
	}
	cr_assert_eq(fl, sizeof(from));
	cr_assert_eq(from.sin6_family, AF_INET6);
	peer = mapped_of(A_IP, 0);
	cr_assert_eq(memcmp(from.sin6_addr.s6_addr, peer.sin6_addr.s6_addr, 16), 0,
		"accept names the IPv4 peer v4-mapped");
	me = name6(sfd, false);
	peer = mapped_of(B_IP, SRV_PORT);
	cr_assert(same6(&me, peer.sin6_addr.s6_addr, SRV_PORT));
	cr_assert_eq(connect_end(&b, cfd), 0);
	conn_info_as_names(sfd, 1460);	/* v4-mapped, from the IPv4 table */
	{
		struct dps_conn_info ci;

		cr_assert_eq(dps_conn_info(cfd, &ci), 0);
		cr_assert_eq(ci.local.sin_family, AF_INET, "an AF_INET socket's names");
		cr_assert_eq(ci.local.sin_addr.s_addr, A_IP);
		cr_assert_eq(ci.peer.sin_addr.s_addr, B_IP);
	}
	transfer(&b, cfd, sfd, 64 * KIB, 48 * KIB, vnow(&b) + 30 * S);
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);

	/* A v6-only listener hears no IPv4. */
	l6o = tcp6(b.s[1]);
	cr_assert_eq(dps_setsockopt(l6o, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(l6o, (struct sockaddr *)&only, sizeof(only)), 0);
	cr_assert_eq(dps_listen(l6o, 4), 0);
	to4.sin_port = htons(8081);
	cfd = dps_socket_on(b.s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to4, sizeof(to4)), -1);
	cr_assert_eq(connect_end(&b, cfd), ECONNREFUSED, "a v6-only listener took IPv4");
	cr_assert_eq(dps_close(cfd), 0);

	/* An AF_INET6 client to ::ffff:198.18.0.2, an AF_INET listener. */
	l4 = dps_socket_on(b.s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_bind(l4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	cr_assert_eq(dps_listen(l4, 4), 0);
	cfd = tcp6(b.s[0]);
	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to6, sizeof(to6)), -1);
	cr_assert_eq(errno, EINPROGRESS, "connect to a v4-mapped address: errno %d", errno);
	cr_assert_eq(connect_end(&b, cfd), 0);
	peer = name6(cfd, true);
	cr_assert(same6(&peer, to6.sin6_addr.s6_addr, 8082), "the peer v4-mapped");
	me = name6(cfd, false);
	peer = mapped_of(A_IP, 0);
	cr_assert_eq(memcmp(me.sin6_addr.s6_addr, peer.sin6_addr.s6_addr, 16), 0,
		"the source v4-mapped");
	cr_assert_neq(me.sin6_port, 0);
	conn_info_as_names(cfd, 1460);
	for (sfd = -1; sfd < 0;) {
		step(&b, 100 * US);
		sfd = dps_accept4(l4, NULL, NULL, SOCK_NONBLOCK);
		cr_assert_lt(vnow(&b), T0 + 60 * S);
	}
	transfer(&b, cfd, sfd, 48 * KIB, 64 * KIB, vnow(&b) + 30 * S);
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);
	cr_assert_eq(dps_close(l4), 0);
	cr_assert_eq(dps_close(l6o), 0);
	cr_assert_eq(dps_close(lfd), 0);
	drain(&b);
	assert_empty(&b);
	bench_down(&b);
}

/* An accepted child of @lfd, waited for on the virtual clock. */
static int
accept_wait(struct bench *b, int lfd)
{
	uint64_t limit = vnow(b) + 30 * S;
	int sfd;

	for (sfd = -1; sfd < 0;) {
		step(b, 100 * US);
		sfd = dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		cr_assert(sfd >= 0 || errno == EAGAIN, "accept: errno %d", errno);
		cr_assert_lt(vnow(b), limit, "the listener took nothing");
	}
	return sfd;
}

/*
 * An AF_INET listener and a v6-only one on one port (Linux's
 * ipv6_rcv_saddr_equal(): their traffic does not overlap): each takes
 * its own family's connections, a dual-stack bind and an AF_INET6 bind
 * to a v4-mapped address of the port are refused, the port counts once
 * in the statistics, and closing everything gives both port words back.
 */
Test(dpdk, tcp6_port_shared_by_families, .timeout = 120)
{
	struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(8083) };
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(8083),
		.sin_addr.s_addr = B_IP };
	struct sockaddr_in6 any6 = sin6_of(in6addr_any.s6_addr, 8083);
	struct sockaddr_in6 to6 = sin6_of(b6, 8083), m4 = mapped_of(0, 8083);
	struct bench b;
	int l4, l6, dual, c4, c6, s4, s6, one = 1;

	two_up(&b, "t6share", NULL);
	l4 = dps_socket_on(b.s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_bind(l4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	l6 = tcp6(b.s[1]);
	cr_assert_eq(dps_setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(l6, (struct sockaddr *)&any6, sizeof(any6)), 0,
		"a v6-only bind beside an AF_INET one: errno %d", errno);
	cr_assert_eq(dps_listen(l6, 4), 0);
	cr_assert_eq(dps_listen(l4, 4), 0, "listen: errno %d", errno);
	dual = tcp6(b.s[1]);
	cr_assert_eq(dps_bind(dual, (struct sockaddr *)&any6, sizeof(any6)), -1);
	cr_assert_eq(errno, EADDRINUSE);
	cr_assert_eq(dps_bind(dual, (struct sockaddr *)&m4, sizeof(m4)), -1);
	cr_assert_eq(errno, EADDRINUSE);
	cr_assert_eq(dps_close(dual), 0);

	c6 = tcp6(b.s[0]);
	cr_assert_eq(dps_connect(c6, (struct sockaddr *)&to6, sizeof(to6)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	cr_assert_eq(connect_end(&b, c6), 0);
	s6 = accept_wait(&b, l6);
	c4 = dps_socket_on(b.s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_connect(c4, (struct sockaddr *)&to4, sizeof(to4)), -1);
	cr_assert_eq(connect_end(&b, c4), 0);
	s4 = accept_wait(&b, l4);
	cr_assert_eq(dps_accept4(l6, NULL, NULL, SOCK_NONBLOCK), -1,
		"the v6-only listener took the IPv4 connection");
	cr_assert_eq(dps_accept4(l4, NULL, NULL, SOCK_NONBLOCK), -1);
	transfer(&b, c6, s6, 16 * KIB, 16 * KIB, vnow(&b) + 30 * S);
	transfer(&b, c4, s4, 16 * KIB, 16 * KIB, vnow(&b) + 30 * S);
	{
		struct dps_sock_stats st = sstats(&b, 1);

		cr_assert_eq(st.tcp_ports_held, 1, "one port, two words: %u",
			st.tcp_ports_held);
	}
	cr_assert_eq(dps_close(c4), 0);
	cr_assert_eq(dps_close(c6), 0);
	cr_assert_eq(dps_close(s4), 0);
	cr_assert_eq(dps_close(s6), 0);
	cr_assert_eq(dps_close(l4), 0);
	cr_assert_eq(dps_close(l6), 0);
	drain(&b);
	assert_empty(&b);
	bench_down(&b);
}

/*
 * A neighbour that never answers (Linux's ndisc_error_report()): after
 * three multicast solicitations 1 s apart the held SYN is reported to
 * TCP as an ICMPv6 address unreachable quoting it would be, and the
 * connect fails with EHOSTUNREACH, as over IPv4 when ARP fails and as
 * Linux does for both (not ETIMEDOUT at the SYN schedule's end). The
 * error queue holds it too.
 */
Test(dpdk, tcp6_neighbour_unanswered)
{
	static const uint8_t nobody[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x77 };
	struct sockaddr_in6 to = sin6_of(nobody, 80);
	struct dps_counters c0, c;
	struct rte_mbuf *m;
	struct bench b;
	unsigned int ns = 0;
	uint64_t t0;
	int fd, err;

	raw_up6(&b, "t6nond");
	c0 = cnt(&b, 0);
	fd = tcp6(b.s[0]);
	t0 = vnow(&b);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	err = connect_end(&b, fd);
	cr_assert_eq(err, EHOSTUNREACH, "SO_ERROR %d", err);
	/* Three solicitations 1 s apart, then the failure: well before the
	 * SYN schedule's first retransmission would have ended it. */
	cr_assert_geq(vnow(&b) - t0, 3 * S - 100 * MS);
	cr_assert_lt(vnow(&b) - t0, 4 * S, "ended after %" PRIu64 " ms",
		(vnow(&b) - t0) / MS);
	cr_assert_eq(info(fd).tcpi_state, TCP_CLOSE);
	while ((m = peer_pop(&b)) != NULL) {
		const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, ETH_LEN);

		cr_assert_eq(ip[6], IPPROTO_ICMPV6, "only solicitations leave");
		cr_assert_eq(ip[DPS_IPV6_HLEN], DPS_ND_NEIGHBOR_SOLICIT);
		rte_pktmbuf_free(m);
		ns++;
	}
	cr_assert_eq(ns, 3);
	c = cnt(&b, 0);
	cr_assert_geq(c.drop[DPS_DROP_nd_failed] - c0.drop[DPS_DROP_nd_failed], 1);
	cr_assert_eq(c.tcp_conn_failed - c0.tcp_conn_failed, 1);
	cr_assert_eq(dps_close(fd), 0);
	settle(&b);
	{
		struct dps_sock_stats st;

		dps_stack_sock_stats(b.s[0], &st);
		cr_assert_eq(st.socks_in_use, 0);
		cr_assert_eq(st.conns, 0);
		cr_assert_eq(st.tcp_ports_held, 0);
	}
	bench_down(&b);
}
