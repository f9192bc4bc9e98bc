/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connect path end to end: one stack on side 0 of the test wire, a raw
 * peer on side 1 crafting the other end of every handshake, and the
 * virtual clock of dps_bench.h.
 *
 * Threads. The test thread is EAL lcore 0, the stack's only lcore: it
 * polls with step(). A call made from it runs inline (the run-to-completion
 * path: a blocking connect behaves as a non-blocking one), so the calls
 * that must travel through the request ring (connect, AF_UNSPEC, close)
 * run in short-lived application pthreads (struct app) while the test
 * thread polls. Calls that need no ring hop (options, names, poll) are
 * made from the test thread.
 *
 * The clock moves only when a test says so (vadvance()), so a SYN
 * schedule of 131 s runs in milliseconds and every time is exact to one
 * poll step.
 *
 * Every test ends with down(), which checks that the sockets went back to
 * the stack's socket pool, that the connection table (including its
 * deferred key slots) and the port maps are empty, and that both mbuf
 * pools are back at their baseline.
 *
 * The Linux kernel on this machine is the oracle: where a comment says
 * "Linux" or "measured", the behaviour was checked against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_thash.h>

#include "dpstack.h"
#include "dps_stack_priv.h"
#include "dps_tcp_priv.h"
#include "dps_sock_priv.h"
#include "dps_wire.h"
#include "dps_siphash.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define PEER_PORT	80
#define PEER_ISN	0x1000a000u
#define PEER_TSVAL	0x00c0ffeeu
#define PEER_WIN	65160
#define PEER_WS		7
#define EPH_LO		32768
#define EPH_HI		60999
#define STEP		(10 * MS)	/* poll step of the timed tests */

/* ---- world ---------------------------------------------------------------- */

static struct {
	unsigned int socks;		/* socket pool in use after start */
	unsigned int mbufs, pmbufs;	/* stack and peer mbuf pools */
} base;

static struct dps_stack *
up(struct bench *b, const char *wname, uint32_t ring_size,
	const struct dps_sock_conf *sc)
{
	struct dps_stack *s = raw_up_conf(b, wname, true, ring_size, sc);

	base.socks = dps_pool_in_use(dps_socks(s)->pool);
	base.mbufs = dps_test_pool_in_use(b->pool);
	base.pmbufs = dps_test_pool_in_use(b->ppool);
	return s;
}

/* Entries a walk of @lc's connection table finds (dps_ctab_next()),
 * to compare with its count (see connect_table_count). */
static unsigned int
table_live(const struct dps_lcore *lc)
{
	uint32_t it = 0;
	unsigned int n = 0;

	while (dps_ctab_next(dps_tcp_lc(lc)->conns, &it) != NULL)
		n++;
	return n;
}

/* Every socket, table entry, port and mbuf is back. */
static void
check_released(struct bench *b)
{
	struct dps_stack *s = b->s[0];
	struct dps_sock_stats st;

	run(b, 8, 0);
	run(b, 3, DPS_TICK_NS);
	peer_flush(b);
	cr_assert_eq(dps_pool_in_use(dps_socks(s)->pool), base.socks,
		"sockets in use: %u, baseline %u",
		dps_pool_in_use(dps_socks(s)->pool), base.socks);
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		cr_assert_eq(dps_tcp_lc(s->lc[i])->n_conns, 0, "lcore %u: %u connections", i,
			dps_tcp_lc(s->lc[i])->n_conns);
		cr_assert_eq(table_live(s->lc[i]), 0,
			"lcore %u: the table holds %u live entries", i,
			table_live(s->lc[i]));
		cr_assert_eq(dps_ctab_count(dps_tcp_lc(s->lc[i])->conns), 0,
			"lcore %u: the table counts %u entries", i,
			dps_ctab_count(dps_tcp_lc(s->lc[i])->conns));
	}
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.conns, 0);
	cr_assert_eq(st.tcp_ports_held, 0, "%u TCP ports held", st.tcp_ports_held);
	cr_assert_eq(st.udp_ports_held, 0, "%u UDP ports held", st.udp_ports_held);
	cr_assert_eq(dps_test_pool_in_use(b->pool), base.mbufs,
		"stack pool: %u mbufs in use, baseline %u",
		dps_test_pool_in_use(b->pool), base.mbufs);
	cr_assert_eq(dps_test_pool_in_use(b->ppool), base.pmbufs,
		"peer pool: %u mbufs in use, baseline %u",
		dps_test_pool_in_use(b->ppool), base.pmbufs);
}

static void
down(struct bench *b)
{
	check_released(b);
	bench_down(b);
}

/* ---- sockets from the test thread ----------------------------------------- */

static struct sockaddr_in
sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = ip,
	};

	return a;
}

static int
tcp_sock(struct bench *b, bool nonblock)
{
	int fd = dps_socket_on(b->s[0], AF_INET,
		SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	cr_assert_geq(fd, 0, "dps_socket: %s", strerror(errno));
	return fd;
}

static int
so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	cr_assert_eq(len, sizeof(v));
	return v;
}

/* getsockopt(TCP_MAXSEG). */
static int
maxseg(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0,
		"TCP_MAXSEG: %s", strerror(errno));
	cr_assert_eq(len, sizeof(v));
	return v;
}

static void
set_int(int fd, int level, int name, int v)
{
	cr_assert_eq(dps_setsockopt(fd, level, name, &v, sizeof(v)), 0,
		"setsockopt %d/%d: %s", level, name, strerror(errno));
}

static struct sockaddr_in
name_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0xa5, sizeof(a));
	cr_assert_eq(dps_getsockname(fd, (struct sockaddr *)&a, &len), 0);
	cr_assert_eq(len, sizeof(a));
	cr_assert_eq(a.sin_family, AF_INET);
	return a;
}

/* getpeername: 0 with @out filled, or the errno. */
static int
peer_of(int fd, struct sockaddr_in *out)
{
	socklen_t len = sizeof(*out);

	if (dps_getpeername(fd, (struct sockaddr *)out, &len) != 0)
		return errno;
	cr_assert_eq(len, sizeof(*out));
	return 0;
}

/* dps_conn_info's state, or -errno (-ENOENT: not in the table). */
static int
conn_state(int fd, struct dps_conn_info *ci)
{
	struct dps_conn_info tmp;

	if (ci == NULL)
		ci = &tmp;
	if (dps_conn_info(fd, ci) != 0)
		return -errno;
	return ci->state;
}

/* dps_poll on one descriptor: the revents (0 on timeout). */
static short
poll1(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = dps_poll(&p, 1, timeout_ms);

	cr_assert_geq(n, 0, "dps_poll: %s", strerror(errno));
	cr_assert_eq(n, p.revents != 0);
	return p.revents;
}

static unsigned int
conns(struct bench *b)
{
	return dps_tcp_lc(b->s[0]->lc[0])->n_conns;
}

/* ---- application threads --------------------------------------------------- */

enum app_op { OP_CONNECT, OP_UNSPEC, OP_CLOSE, OP_POLL };

/* One call made from a fresh pthread (attached to the stack on first use
 * and detached when it exits). */
struct app {
	pthread_t th;
	enum app_op op;
	int fd;
	struct sockaddr_in to;
	short events, revents;		/* OP_POLL */
	int timeout_ms;			/* OP_POLL */
	int rc, err;
	double t_start, t_end;		/* wall clock */
	int done;
};

static void *
app_main(void *arg)
{
	struct app *a = arg;
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	a->t_start = real_s();
	switch (a->op) {
	case OP_CONNECT:
		a->rc = dps_connect(a->fd, (struct sockaddr *)&a->to, sizeof(a->to));
		break;
	case OP_UNSPEC:
		a->rc = dps_connect(a->fd, &unspec, sizeof(unspec));
		break;
	case OP_CLOSE:
		a->rc = dps_close(a->fd);
		break;
	case OP_POLL: {
		struct pollfd p = { .fd = a->fd, .events = a->events };

		a->rc = dps_poll(&p, 1, a->timeout_ms);
		a->revents = p.revents;
		break;
	}
	}
	a->err = a->rc < 0 ? errno : 0;
	a->t_end = real_s();
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
app_start(struct app *a, enum app_op op, int fd, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->op = op;
	a->fd = fd;
	a->to = sin_of(ip, port);
	cr_assert_eq(pthread_create(&a->th, NULL, app_main, a), 0);
}

/* A thread blocked in dps_poll(@fd, @events, @timeout_ms). */
static void
app_start_poll(struct app *a, int fd, short events, int timeout_ms)
{
	memset(a, 0, sizeof(*a));
	a->op = OP_POLL;
	a->fd = fd;
	a->events = events;
	a->timeout_ms = timeout_ms;
	cr_assert_eq(pthread_create(&a->th, NULL, app_main, a), 0);
}

static bool
app_done(struct app *a)
{
	return __atomic_load_n(&a->done, __ATOMIC_ACQUIRE) != 0;
}

/* Poll (clock still) until the call returns; its errno, 0 on success. */
static int
app_join(struct bench *b, struct app *a)
{
	double t_end = real_s() + 10;

	while (!app_done(a)) {
		step(b, 0);
		usleep(20);
		cr_assert_lt(real_s(), t_end, "the application call never returned");
	}
	cr_assert_eq(pthread_join(a->th, NULL), 0);
	if (a->op == OP_POLL)
		cr_assert(a->rc >= -1 && a->rc <= 1, "rc %d", a->rc);
	else
		cr_assert(a->rc == 0 || a->rc == -1, "rc %d", a->rc);
	return a->err;
}

/* One call from a thread, start to finish: its errno, 0 on success. */
static int
app_call(struct bench *b, enum app_op op, int fd, uint32_t ip, uint16_t port)
{
	struct app a;

	app_start(&a, op, fd, ip, port);
	return app_join(b, &a);
}

static int
connect_call(struct bench *b, int fd, uint16_t port)
{
	return app_call(b, OP_CONNECT, fd, PEER_IP, port);
}

/* ---- TCP segments on the wire --------------------------------------------- */

/* A segment the stack sent, host order. */
struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, hlen;
	uint16_t win;
	uint8_t opt[40];
	unsigned int olen;
	bool has_ts;
	uint32_t tsval, tsecr;
	bool df;
	uint8_t pkt[60];		/* the IPv4 packet, for ICMP quotes */
	uint16_t pkt_len;
};

static const char *
flags_str(uint8_t f, char *buf)
{
	snprintf(buf, 32, "%s%s%s%s%s", f & DPS_TH_SYN ? "S" : "",
		f & DPS_TH_ACK ? "A" : "", f & DPS_TH_RST ? "R" : "",
		f & DPS_TH_FIN ? "F" : "", f & DPS_TH_PSH ? "P" : "");
	return buf;
}

static void
seg_parse(struct bench *b, const struct rte_mbuf *m, struct seg *s)
{
	const uint8_t *ip = check_ip_frame(m, &b->mac[0], A_IP, PEER_IP,
		IPPROTO_TCP);
	const uint8_t *th = ip + 20;
	uint16_t tot = rd16(ip + 2);
	unsigned int i;

	memset(s, 0, sizeof(*s));
	cr_assert_geq(tot, 40, "short TCP segment");
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(
		(const struct rte_ipv4_hdr *)ip, th), 0, "TCP checksum");
	s->df = (ip[6] & 0x40) != 0;
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->hlen = (uint8_t)((th[12] >> 4) * 4);
	s->flags = th[13];
	s->win = rd16(th + 14);
	cr_assert_geq(s->hlen, 20);
	cr_assert_leq(s->hlen, tot - 20);
	cr_assert_eq(tot, 20 + s->hlen, "the stack sends no payload yet");
	s->olen = s->hlen - 20u;
	memcpy(s->opt, th + 20, s->olen);
	for (i = 0; i < s->olen;) {
		if (s->opt[i] == 0)
			break;
		if (s->opt[i] == 1) {
			i++;
			continue;
		}
		cr_assert_lt(i + 1, s->olen);
		if (s->opt[i] == 8 && s->opt[i + 1] == 10) {
			s->has_ts = true;
			s->tsval = rd32(s->opt + i + 2);
			s->tsecr = rd32(s->opt + i + 6);
		}
		cr_assert_geq(s->opt[i + 1], 2);
		i += s->opt[i + 1];
	}
	s->pkt_len = (uint16_t)RTE_MIN((unsigned int)tot, sizeof(s->pkt));
	memcpy(s->pkt, ip, s->pkt_len);
}

/* The next frame the raw peer receives, as a TCP segment: polls (clock
 * still) until one arrives. */
static void
get_seg(struct bench *b, struct seg *s)
{
	double t_end = real_s() + 5;
	struct rte_mbuf *m;

	peer_collect(b);
	while (b->rx_n == 0) {
		step(b, 0);
		if (b->rx_n == 0)
			usleep(10);
		cr_assert_lt(real_s(), t_end, "no segment from the stack");
	}
	m = peer_pop(b);
	seg_parse(b, m, s);
	rte_pktmbuf_free(m);
}

/* Nothing more reaches the peer. */
static void
expect_silence(struct bench *b, const char *what)
{
	struct rte_mbuf *m;
	char fl[32];

	settle(b);
	m = peer_pop(b);
	if (m != NULL) {
		struct seg s;

		seg_parse(b, m, &s);
		rte_pktmbuf_free(m);
		cr_assert_fail("%s: the stack sent %s seq %u ack %u", what,
			flags_str(s.flags, fl), s.seq, s.ack);
	}
}

/* Send a TCP segment from PEER_IP:@sport to A_IP:@dport. */
/* A TCP segment from the peer whose IPv4 header carries TOS @tos. */
static void
peer_tcp_tos(struct bench *b, uint8_t tos, uint16_t sport, uint16_t dport,
	uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	const uint8_t *opt, unsigned int olen)
{
	uint8_t f[FRAME_MAX];
	uint8_t *th = f + L4_OFF;
	uint16_t len = (uint16_t)(20 + olen), ck;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + IP_OFF);

	cr_assert_eq(olen % 4, 0);
	mk_ip(f, &b->mac[0], PEER_IP, A_IP, IPPROTO_TCP, NULL, len);
	if (tos != 0) {
		ip->type_of_service = tos;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	memset(th, 0, 20);
	wr16(th, sport);
	wr16(th + 2, dport);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)((len / 4) << 4);
	th[13] = flags;
	wr16(th + 14, win);
	if (olen != 0)
		memcpy(th + 20, opt, olen);
	ck = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(f + IP_OFF), th);
	memcpy(th + 16, &ck, 2);
	peer_send(b, f, pad60(f, L4_OFF + len));
}

static void
peer_tcp(struct bench *b, uint16_t sport, uint16_t dport, uint32_t seq,
	uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
	unsigned int olen)
{
	peer_tcp_tos(b, 0, sport, dport, seq, ack, flags, win, opt, olen);
}

/* The option block Linux puts in a SYN or SYN-ACK: MSS, SACK-permitted +
 * timestamps, NOP + window scale (20 bytes). */
static unsigned int
syn_opts(uint8_t *o, uint16_t mss, uint32_t tsval, uint32_t tsecr, uint8_t ws)
{
	o[0] = 2;
	o[1] = 4;
	wr16(o + 2, mss);
	o[4] = 4;
	o[5] = 2;
	o[6] = 8;
	o[7] = 10;
	wr32(o + 8, tsval);
	wr32(o + 12, tsecr);
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = ws;
	return 20;
}

/* NOP NOP timestamps (12 bytes). */
static unsigned int
ts_opts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	wr32(o + 4, tsval);
	wr32(o + 8, tsecr);
	return 12;
}

/* The peer answers @syn with a SYN-ACK (MSS @mss, Linux's options). */
static void
peer_synack_mss(struct bench *b, const struct seg *syn, uint32_t ack,
	uint16_t mss)
{
	uint8_t o[40];
	unsigned int n = syn_opts(o, mss, PEER_TSVAL, syn->tsval, PEER_WS);

	peer_tcp(b, syn->dport, syn->sport, PEER_ISN, ack,
		DPS_TH_SYN | DPS_TH_ACK, PEER_WIN, o, n);
}

static void
peer_synack(struct bench *b, const struct seg *syn)
{
	peer_synack_mss(b, syn, syn->seq + 1, 1460);
}

/* A RST from the peer for @syn's flow. */
static void
peer_rst(struct bench *b, const struct seg *syn, uint32_t seq, uint32_t ack,
	uint8_t flags)
{
	peer_tcp(b, syn->dport, syn->sport, seq, ack, DPS_TH_RST | flags, 0,
		NULL, 0);
}

/* Check @s is our SYN, byte for byte where Linux's is fixed. */
static void
check_syn(const struct seg *s, uint16_t dport)
{
	static const uint8_t head[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
		0x08, 0x0a };
	static const uint8_t tail[] = { 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
		0x03, 0x0a };
	char fl[32];

	cr_assert_eq(s->flags, DPS_TH_SYN, "flags %s", flags_str(s->flags, fl));
	cr_assert_eq(s->dport, dport);
	cr_assert_eq(s->ack, 0);
	cr_assert_eq(s->hlen, 40, "TCP header %u bytes, Linux sends 40", s->hlen);
	cr_assert_eq(memcmp(s->opt, head, sizeof(head)), 0,
		"MSS 1460, SACK-permitted, timestamp kind/len");
	cr_assert_eq(memcmp(s->opt + 12, tail, sizeof(tail)), 0,
		"TSecr 0, NOP, window scale 10");
	cr_assert(s->has_ts);
	cr_assert_eq(s->win, 64240);
	cr_assert(s->df, "DF set");
}

/* Check @s is the ACK completing the handshake of @syn, answered with
 * PEER_ISN. */
static void
check_final_ack(const struct seg *s, const struct seg *syn)
{
	static const uint8_t nopnop_ts[] = { 0x01, 0x01, 0x08, 0x0a };
	char fl[32];

	cr_assert_eq(s->flags, DPS_TH_ACK, "flags %s", flags_str(s->flags, fl));
	cr_assert_eq(s->sport, syn->sport);
	cr_assert_eq(s->dport, syn->dport);
	cr_assert_eq(s->seq, syn->seq + 1);
	cr_assert_eq(s->ack, PEER_ISN + 1);
	cr_assert_eq(s->win, 63, "64240 >> 10, rounded up: %u", s->win);
	cr_assert_eq(s->hlen, 32);
	/* Linux: a per-connection IPv4 id, one more per packet (the SYN's
	 * resends and RSTs of the same flow may come in between). */
	cr_assert_leq((uint16_t)((s->pkt[4] << 8 | s->pkt[5]) -
		(syn->pkt[4] << 8 | syn->pkt[5]) - 1), 7, "IP id follows the SYN's");
	cr_assert_eq(memcmp(s->opt, nopnop_ts, 4), 0, "NOP NOP timestamps");
	cr_assert_eq(s->tsecr, PEER_TSVAL, "TSecr echoes the peer's TSval");
}

/* The peer answers @syn with a SYN-ACK (Linux's options); the next
 * segment, read into @ack, must be our ACK completing the handshake. */
static void
peer_accepts(struct bench *b, const struct seg *syn, struct seg *ack)
{
	peer_synack(b, syn);
	get_seg(b, ack);
	check_final_ack(ack, syn);
}

/*
 * Read the next segment into @s: it must be the FIN of an orderly close()
 * of the connection of @syn (nothing unread, no data sent: FIN|ACK at
 * snd_nxt acknowledging the peer's ISN + 1). Then let the peer reset the
 * FIN_WAIT1 connection so nothing lingers for the leak checks.
 */
static void
expect_close_fin(struct bench *b, struct seg *s, const struct seg *syn)
{
	char fl[32];

	get_seg(b, s);
	cr_assert_eq(s->flags, DPS_TH_FIN | DPS_TH_ACK, "close sends %s, Linux FIN|ACK",
		flags_str(s->flags, fl));
	cr_assert_eq(s->seq, syn->seq + 1, "FIN at snd_nxt: seq %u", s->seq);
	cr_assert_eq(s->ack, PEER_ISN + 1);
	peer_tcp(b, s->dport, s->sport, PEER_ISN + 1, 0, DPS_TH_RST, 0, NULL, 0);
	settle(b);
}

/*
 * Read the next segment into @s: it must be the reset aborting the
 * synchronised connection of @syn (AF_UNSPEC, SO_LINGER 0). Linux's
 * tcp_send_active_reset(): RST|ACK at snd_nxt acknowledging rcv_nxt, the
 * peer's ISN + 1 here (no data flows). Measured: AF_UNSPEC on an
 * established loopback connection sends "Flags [R.], seq 1, ack 1, win
 * 64, options [nop,nop,TS ...]": the window and, when agreed, the
 * timestamp option, as any segment of a synchronised connection.
 */
static void
expect_abort_rst(struct bench *b, struct seg *s, const struct seg *syn)
{
	char fl[32];

	get_seg(b, s);
	cr_assert_eq(s->flags, DPS_TH_RST | DPS_TH_ACK, "abort sends %s, Linux "
		"RST|ACK", flags_str(s->flags, fl));
	cr_assert_eq(s->seq, syn->seq + 1, "RST at snd_nxt: seq %u", s->seq);
	cr_assert_eq(s->ack, PEER_ISN + 1, "ack %u, Linux acks rcv_nxt", s->ack);
	cr_assert_eq(s->sport, syn->sport);
	cr_assert_eq(s->dport, syn->dport);
	cr_assert_neq(s->win, 0, "the RST carries our window");
	if (s->has_ts)
		cr_assert_eq(s->tsecr, PEER_TSVAL, "the RST echoes the peer's TSval");
}

/* The handshake of a connect whose SYN the peer reads now: returns it. */
static void
handshake(struct bench *b, struct seg *syn)
{
	struct seg ack;

	get_seg(b, syn);
	check_syn(syn, syn->dport);
	peer_accepts(b, syn, &ack);
}

/* A non-blocking connect from a thread, completed by the peer. */
static void
connect_established(struct bench *b, int fd, uint16_t port, struct seg *syn)
{
	cr_assert_eq(connect_call(b, fd, port), EINPROGRESS);
	handshake(b, syn);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_ESTABLISHED);
}

/* ======================================================================= */

/* 1. A blocking connect from an application thread. */
Test(dpdk, connect_blocking)
{
	struct bench b;
	struct dps_conn_info ci;
	struct sockaddr_in me, peer;
	struct seg syn, ack;
	struct app a;
	struct dps_counters c;
	int fd;

	up(&b, "cblk", 0, NULL);
	fd = dps_socket(AF_INET, SOCK_STREAM, 0);	/* the default stack */
	cr_assert_geq(fd, 0, "dps_socket: %s", strerror(errno));
	me = name_of(fd);
	cr_assert_eq(me.sin_port, 0);
	cr_assert_eq(peer_of(fd, &peer), ENOTCONN);
	cr_assert_eq(conn_state(fd, NULL), -ENOENT);

	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cr_assert_geq(syn.sport, EPH_LO);
	cr_assert_leq(syn.sport, EPH_HI);
	cr_assert_eq(syn.sport % 2, 0, "connect prefers even ports: %u", syn.sport);
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_SYN_SENT);
	cr_assert_eq(ci.syn_retries, 0);
	cr_assert_eq(peer_of(fd, &peer), ENOTCONN, "no peer name in SYN_SENT");
	cr_assert_not(app_done(&a), "a blocking connect returned before the SYN-ACK");

	peer_accepts(&b, &syn, &ack);
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(a.rc, 0);
	expect_silence(&b, "after the handshake");

	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(peer_of(fd, &peer), 0);
	cr_assert_eq(peer.sin_family, AF_INET);
	cr_assert_eq(peer.sin_addr.s_addr, PEER_IP);
	cr_assert_eq(ntohs(peer.sin_port), PEER_PORT);
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.lcore, 0);
	cr_assert_eq(ci.local.sin_addr.s_addr, A_IP);
	cr_assert_eq(ntohs(ci.local.sin_port), syn.sport);
	cr_assert_eq(ci.peer.sin_addr.s_addr, PEER_IP);
	cr_assert_eq(ntohs(ci.peer.sin_port), PEER_PORT);
	cr_assert_eq(ci.mss, 1460);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_connects, 1);
	cr_assert_eq(c.tcp_established, 1);
	cr_assert_eq(c.tcp_tx_syn, 1);

	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* 2. A non-blocking connect: EINPROGRESS, EALREADY, then 0 and EISCONN. */
Test(dpdk, connect_nonblocking)
{
	struct bench b;
	struct seg syn, ack;
	uint64_t t;
	int fd;

	up(&b, "cnb", 0, NULL);
	fd = tcp_sock(&b, true);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT | POLLHUP,
		"a socket that never connected: POLLOUT | POLLHUP, as Linux");
	t = vnow(&b);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	cr_assert_eq(vnow(&b), t, "EINPROGRESS without waiting for anything");
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), 0, "nothing while connecting");
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EALREADY);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 20), 0, "a 20 ms wait times out");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	expect_silence(&b, "EALREADY sends nothing");

	peer_accepts(&b, &syn, &ack);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0, "the first connect after "
		"a non-blocking success returns 0");
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EISCONN);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT + 1), EISCONN);
	expect_silence(&b, "after EISCONN");

	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* 3. RSTs and bad ACKs in SYN_SENT (RFC 9293 3.10.7.3, RFC 5961 3.2). */
Test(dpdk, connect_rst_and_bad_ack)
{
	struct bench b;
	struct seg syn, s, ack;
	struct sockaddr_in me;
	struct app a;
	struct dps_counters c0, c;
	char fl[32];
	int fd;

	up(&b, "crst", 0, NULL);
	fd = tcp_sock(&b, false);

	/* An acceptable RST: ECONNREFUSED, reported by connect itself. */
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	peer_rst(&b, &syn, 0, syn.seq + 1, DPS_TH_ACK);
	cr_assert_eq(app_join(&b, &a), ECONNREFUSED, "connect: %s", strerror(a.err));
	cr_assert_eq(so_error(fd), 0, "connect consumed the error");
	cr_assert_eq(conn_state(fd, NULL), -ENOENT);
	cr_assert_eq(cnt(&b, 0).tcp_conn_failed, 1);
	expect_silence(&b, "a RST is never answered");
	cr_assert_eq(conns(&b), 0);
	/* The port is released, but getsockname keeps showing it, with
	 * address 0.0.0.0 (measured: a refused blocking connect leaves
	 * 0.0.0.0:<its port>). */
	me = name_of(fd);
	cr_assert_eq(ntohs(me.sin_port), syn.sport, "getsockname port %u, the "
		"refused connect's was %u", ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, 0);

	/* The same socket tries again; unacceptable segments change nothing. */
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	me = name_of(fd);		/* autobound afresh */
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	c0 = cnt(&b, 0);
	peer_rst(&b, &syn, 0, 0, 0);				/* no ACK */
	peer_rst(&b, &syn, syn.seq + 1, 0, 0);
	peer_rst(&b, &syn, 0, syn.seq + 5, DPS_TH_ACK);		/* bad ACK */
	peer_rst(&b, &syn, 0, syn.seq, DPS_TH_ACK);		/* ACK = ISS */
	expect_silence(&b, "unacceptable RSTs");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cr_assert_not(app_done(&a));

	/* A SYN-ACK acknowledging too much, or only our ISS: a RST alone
	 * (no ACK) whose sequence number is the bad ACK, and the socket keeps
	 * connecting. */
	peer_synack_mss(&b, &syn, syn.seq + 100, 1460);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST, "flags %s", flags_str(s.flags, fl));
	cr_assert_eq(s.seq, syn.seq + 100);
	cr_assert_eq(s.ack, 0);
	cr_assert_eq(s.hlen, 20);
	cr_assert_eq(s.sport, syn.sport);
	cr_assert_eq(s.dport, PEER_PORT);
	peer_synack_mss(&b, &syn, syn.seq, 1460);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.seq, syn.seq);
	expect_silence(&b, "bad SYN-ACKs");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cr_assert_not(app_done(&a));
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_tx_rst, c0.tcp_tx_rst + 2);

	/* A good one completes it. */
	peer_accepts(&b, &syn, &ack);
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_ESTABLISHED);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);
	down(&b);
}

/* ---- 4. the SYN schedule ----------------------------------------------------- */

/* One row: a socket option setting and the schedule Linux follows. The
 * arrays are in the row itself: Criterion copies a parameter into its
 * worker by value. */
struct syn_sched_case {
	char what[32];		/* the row's name in failure messages */
	char wname[8];		/* test wire name */
	int syncnt;		/* TCP_SYNCNT, 0: not set */
	int user_timeout_ms;	/* TCP_USER_TIMEOUT, 0: not set */
	unsigned int n_want;
	unsigned int want[16];	/* SYN times, ms after the first */
	unsigned int give_up_ms;	/* ETIMEDOUT */
};

/*
 * A blocking connect to a silent peer; the clock moves STEP per poll.
 * Checks the SYN times against the row, the ETIMEDOUT time against its
 * give_up_ms, each within one step, and that it all took well under a
 * second of wall time.
 */
static void
syn_schedule(const struct syn_sched_case *c)
{
	const char *what = c->what;
	struct bench b;
	struct seg syn, s;
	struct app a;
	struct dps_conn_info ci;
	unsigned int got[64], n = 1;
	uint64_t t0, t_close;
	char msg[64];
	double wall;
	int fd;

	up(&b, c->wname, 0, NULL);
	fd = tcp_sock(&b, false);
	if (c->syncnt != 0)
		set_int(fd, IPPROTO_TCP, TCP_SYNCNT, c->syncnt);
	if (c->user_timeout_ms != 0)
		set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, c->user_timeout_ms);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	t0 = vnow(&b);
	got[0] = 0;
	wall = real_s();
	while (conns(&b) != 0) {
		struct rte_mbuf *m;

		vadvance(&b, STEP);
		step(&b, 0);
		while ((m = peer_pop(&b)) != NULL) {
			seg_parse(&b, m, &s);
			rte_pktmbuf_free(m);
			cr_assert_eq(s.flags, DPS_TH_SYN, "%s: flags %#x", what, s.flags);
			cr_assert_eq(s.seq, syn.seq, "%s: a retransmission keeps the "
				"ISS", what);
			cr_assert_eq(s.sport, syn.sport, "%s: sport %u", what, s.sport);
			cr_assert_eq(s.hlen, 40, "%s: hlen %u", what, s.hlen);
			cr_assert_geq(s.tsval, syn.tsval, "%s: TSval went back", what);
			cr_assert_lt(n, RTE_DIM(got), "%s: %u SYNs", what, n);
			got[n++] = (unsigned int)((vnow(&b) - t0) / MS);
			if (n == 4) {
				cr_assert_eq(conn_state(fd, &ci), DPS_TCP_SYN_SENT,
					"%s: state after 3 retransmissions", what);
				cr_assert_eq(ci.syn_retries, 3, "%s: syn_retries %u",
					what, ci.syn_retries);
			}
		}
		cr_assert_lt(vnow(&b) - t0, 300 * S, "%s: never gave up", what);
	}
	t_close = (vnow(&b) - t0) / MS;
	wall = real_s() - wall;
	cr_log_info("%s: %u SYNs, ETIMEDOUT at %" PRIu64 " ms, %.3f s of wall time",
		what, n, t_close, wall);
	for (unsigned int i = 0; i < n; i++)
		cr_log_info("  SYN %u at %u ms", i, got[i]);
	cr_assert_eq(app_join(&b, &a), ETIMEDOUT, "%s: connect: %s", what,
		strerror(a.err));
	cr_assert_eq(n, c->n_want, "%s: %u SYNs, want %u", what, n, c->n_want);
	for (unsigned int i = 0; i < n; i++)
		cr_assert(got[i] + STEP / MS >= c->want[i] &&
			got[i] <= c->want[i] + STEP / MS,
			"%s: SYN %u at %u ms, want %u", what, i, got[i], c->want[i]);
	cr_assert(t_close + STEP / MS >= c->give_up_ms &&
		t_close <= c->give_up_ms + STEP / MS,
		"%s: ETIMEDOUT at %" PRIu64 " ms, want %u", what, t_close,
		c->give_up_ms);
	cr_assert_lt(wall, 1.0, "%s: the schedule took %.3f s of wall time",
		what, wall);
	cr_assert_eq(so_error(fd), 0, "%s: SO_ERROR", what);
	cr_assert_eq(ntohs(name_of(fd).sin_port), syn.sport,
		"%s: getsockname keeps the released port", what);
	cr_assert_eq(name_of(fd).sin_addr.s_addr, 0, "%s: address 0.0.0.0", what);
	cr_assert_eq(cnt(&b, 0).tcp_tx_syn_retrans, n - 1, "%s: retransmission "
		"counter", what);
	snprintf(msg, sizeof(msg), "%s: after ETIMEDOUT", what);
	expect_silence(&b, msg);
	cr_assert_eq(dps_close(fd), 0, "%s: close", what);
	snprintf(msg, sizeof(msg), "%s: closing a failed socket", what);
	expect_silence(&b, msg);
	down(&b);
}

ParameterizedTestParameters(dpdk, connect_syn_schedule)
{
	static struct syn_sched_case c[] = {
		/* Linux >= 6.5 defaults: tcp_syn_retries 6,
		 * tcp_syn_linear_timeouts 4. */
		{ "default", "csyn", 0, 0, 11, { 0, 1000, 2000, 3000, 4000, 5000,
		  7000, 11000, 19000, 35000, 67000 }, 131000 },
		{ "TCP_SYNCNT 2", "csyn2", 2, 0, 6, { 0, 1000, 2000, 3000, 4000,
		  5000 }, 7000 },
		{ "TCP_USER_TIMEOUT 2500", "csynut", 0, 2500, 3, { 0, 1000, 2000 },
		  2500 },
	};

	return cr_make_param_array(struct syn_sched_case, c, RTE_DIM(c));
}

ParameterizedTest(struct syn_sched_case *c, dpdk, connect_syn_schedule)
{
	syn_schedule(c);
}

/* ---- 5. ICMP errors during the handshake --------------------------------- */

/* The peer reports an ICMP destination unreachable @code about @syn, whose
 * quoted sequence number is set to @seq. */
static void
peer_icmp_about(struct bench *b, const struct seg *syn, uint8_t code,
	uint16_t mtu, uint32_t seq)
{
	uint8_t f[FRAME_MAX], q[60];

	memcpy(q, syn->pkt, syn->pkt_len);
	wr32(q + 20 + 4, seq);
	peer_send(b, f, mk_icmp_error(f, &b->mac[0], A_IP, 3, code, mtu, q,
		syn->pkt_len));
}

Test(dpdk, connect_icmp_errors)
{
	static const struct {
		uint8_t code;
		int err;
	} hard[] = {
		{ 3, ECONNREFUSED },	/* port unreachable */
		{ 1, EHOSTUNREACH },	/* host unreachable */
		{ 0, ENETUNREACH },	/* net unreachable */
		{ 2, ENOPROTOOPT },	/* protocol unreachable */
	};
	struct bench b;
	struct seg syn, ack;
	struct dps_conn_info ci;
	struct app a;
	int fd, v;

	up(&b, "cicmp", 0, NULL);
	for (size_t i = 0; i < 2 * RTE_DIM(hard); i++) {
		/* Quoting snd_una (the ISS), then snd_nxt (ISS + 1): tcp_v4_err()
		 * accepts snd_una <= seq <= snd_nxt. */
		uint32_t off = (uint32_t)(i / RTE_DIM(hard));
		size_t k = i % RTE_DIM(hard);

		fd = tcp_sock(&b, false);
		app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
		get_seg(&b, &syn);
		check_syn(&syn, PEER_PORT);
		peer_icmp_about(&b, &syn, hard[k].code, 0, syn.seq + off);
		cr_assert_eq(app_join(&b, &a), hard[k].err, "code %u quoting ISS + %u: "
			"%s, want %s", hard[k].code, off, strerror(a.err),
			strerror(hard[k].err));
		cr_assert_eq(conns(&b), 0);
		cr_assert_eq(so_error(fd), 0);
		cr_assert_eq(ntohs(name_of(fd).sin_port), syn.sport,
			"getsockname keeps the released port");
		cr_assert_eq(name_of(fd).sin_addr.s_addr, 0);
		expect_silence(&b, "after an ICMP error");
		cr_assert_eq(dps_close(fd), 0);
	}
	cr_assert_eq(cnt(&b, 0).icmp_rx_error, 2 * RTE_DIM(hard));

	/* An error quoting a sequence number outside [snd_una, snd_nxt] is
	 * ignored. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	peer_icmp_about(&b, &syn, 3, 0, syn.seq + 1000);
	peer_icmp_about(&b, &syn, 3, 0, syn.seq - 1);
	peer_icmp_about(&b, &syn, 3, 0, syn.seq + 2);	/* snd_nxt + 1 */
	expect_silence(&b, "ICMP outside the window");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cr_assert_not(app_done(&a));

	/* Fragmentation needed only lowers the MSS. */
	peer_icmp_about(&b, &syn, 4, 1280, syn.seq);
	expect_silence(&b, "frag-needed");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cr_assert_not(app_done(&a));
	peer_synack_mss(&b, &syn, syn.seq + 1, 1460);
	get_seg(&b, &ack);
	check_final_ack(&ack, &syn);
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1280 - 40, "effective MSS %u after frag-needed 1280",
		ci.mss);
	/* TCP_MAXSEG itself: see connect_maxseg. */

	/* Established with nothing in flight, snd_una == snd_nxt: an error
	 * quoting snd_nxt still counts (before, the window was empty). */
	peer_icmp_about(&b, &syn, 4, 1000, syn.seq + 1);
	expect_silence(&b, "frag-needed with nothing to retransmit");
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1000 - 40, "effective MSS %u after frag-needed "
		"1000 quoting snd_nxt", ci.mss);
	v = maxseg(fd);
	cr_assert_eq(v, 1000 - 40 - 12, "TCP_MAXSEG %d", v);
	/* One past snd_nxt: ignored. */
	peer_icmp_about(&b, &syn, 4, 800, syn.seq + 2);
	settle(&b);
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1000 - 40, "an ICMP past snd_nxt lowered the MSS "
		"to %u", ci.mss);
	/* A hard error on an established connection is only a soft error
	 * (tcp_v4_err() without IP_RECVERR): nothing to see. */
	peer_icmp_about(&b, &syn, 3, 0, syn.seq + 1);
	expect_silence(&b, "port unreachable when established");
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_ESTABLISHED);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/*
 * TCP_MAXSEG reports Linux's mss_cache: the MSS less the 12 bytes of the
 * timestamp option when it is in use. Measured in a namespace: 536 before
 * connect, 524 in SYN_SENT, 1448 once connected over a 1500-byte path with
 * timestamps; under a TCP_MAXSEG clamp of 1000: 1000 before connect, 988
 * in SYN_SENT and once connected. So 1228 after a frag-needed of 1280,
 * and the whole MSS when the peer declined timestamps.
 */
Test(dpdk, connect_maxseg)
{
	static const uint8_t mss1000[] = { 0x02, 0x04, 0x03, 0xe8 };
	struct bench b;
	struct dps_conn_info ci;
	struct seg syn, ack;
	struct app a;
	uint8_t o[4];
	char fl[32];
	int fd, v;

	up(&b, "cmss", 0, NULL);
	fd = tcp_sock(&b, true);
	cr_assert_eq(maxseg(fd), 536, "before connect: TCP_MSS_DEFAULT, as Linux");
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	v = maxseg(fd);
	cr_assert_eq(v, 536 - 12, "TCP_MAXSEG %d in SYN_SENT, Linux reports 524",
		v);
	handshake(&b, &syn);
	v = maxseg(fd);
	cr_assert_eq(v, 1460 - 12, "TCP_MAXSEG %d, Linux reports 1448 (MSS less "
		"the timestamp option)", v);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);

	/* Frag-needed 1280 during the handshake. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	peer_icmp_about(&b, &syn, 4, 1280, syn.seq);
	peer_synack(&b, &syn);
	get_seg(&b, &ack);
	cr_assert_eq(app_join(&b, &a), 0);
	v = maxseg(fd);
	cr_assert_eq(v, 1280 - 40 - 12, "TCP_MAXSEG %d after frag-needed 1280, "
		"Linux reports 1228", v);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);

	/* A clamp of 1000: advertised in the SYN, 12 less once connecting. */
	fd = tcp_sock(&b, true);
	set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 1000);
	cr_assert_eq(maxseg(fd), 1000, "the clamp before connect");
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_eq(syn.flags, DPS_TH_SYN);
	cr_assert_eq(memcmp(syn.opt, mss1000, sizeof(mss1000)), 0,
		"the SYN advertises the clamp: MSS %u", rd16(syn.opt + 2));
	v = maxseg(fd);
	cr_assert_eq(v, 1000 - 12, "TCP_MAXSEG %d in SYN_SENT under a clamp of "
		"1000, Linux reports 988", v);
	peer_synack(&b, &syn);
	get_seg(&b, &ack);
	cr_assert_eq(ack.flags, DPS_TH_ACK);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1000);
	v = maxseg(fd);
	cr_assert_eq(v, 1000 - 12, "TCP_MAXSEG %d under a clamp of 1000, Linux "
		"reports 988", v);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);

	/* A peer that declines timestamps (its SYN-ACK carries only MSS
	 * 1460): the whole MSS. */
	fd = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	o[0] = 2;
	o[1] = 4;
	wr16(o + 2, 1460);
	peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN, syn.seq + 1,
		DPS_TH_SYN | DPS_TH_ACK, PEER_WIN, o, sizeof(o));
	get_seg(&b, &ack);
	cr_assert_eq(ack.flags, DPS_TH_ACK, "flags %s", flags_str(ack.flags, fl));
	cr_assert_eq(ack.hlen, 20, "no timestamps in the final ACK");
	cr_assert_eq(ack.ack, PEER_ISN + 1);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1460);
	v = maxseg(fd);
	cr_assert_eq(v, 1460, "TCP_MAXSEG %d without timestamps, Linux reports "
		"the MSS", v);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* ---- 6. simultaneous open ------------------------------------------------- */

/*
 * Check @sa is our SYN-ACK after crossed SYNs for @syn: our SYN sent again
 * with ACK set, options and all, whatever the peer's SYN offered (Linux's
 * tcp_send_synack() retransmits the SYN skb with ACK added, and
 * tcp_syn_options() builds its options from our settings alone): MSS 1460,
 * SACK-permitted, timestamps echoing @tsecr (the peer's TSval, 0 when it
 * sent none), NOP, window scale 10.
 */
static void
check_cross_synack(const struct seg *sa, const struct seg *syn, uint32_t tsecr)
{
	uint8_t want[20];
	char fl[32];

	cr_assert_eq(sa->flags, DPS_TH_SYN | DPS_TH_ACK, "flags %s",
		flags_str(sa->flags, fl));
	cr_assert_eq(sa->seq, syn->seq, "the SYN-ACK reuses our ISS");
	cr_assert_eq(sa->ack, PEER_ISN + 1);
	cr_assert_eq(sa->sport, syn->sport);
	cr_assert_eq(sa->dport, syn->dport);
	cr_assert_eq(sa->win, 64240, "SYN windows are not scaled");
	cr_assert_eq(sa->hlen, 40, "TCP header %u bytes: our SYN's 40", sa->hlen);
	cr_assert(sa->has_ts);
	cr_assert_eq(sa->tsecr, tsecr, "TSecr %u, want %u", sa->tsecr, tsecr);
	cr_assert_geq(sa->tsval, syn->tsval);
	syn_opts(want, 1460, sa->tsval, tsecr, 10);
	cr_assert_eq(memcmp(sa->opt, want, 20), 0,
		"MSS, SACK-permitted, timestamps, NOP, window scale 10");
	cr_assert(sa->df);
}

/* Answer @syn with a crossing SYN carrying the options @o (@n bytes) and
 * read our SYN-ACK into @sa. */
static void
cross_syns_with(struct bench *b, const struct seg *syn, const uint8_t *o,
	unsigned int n, uint32_t tsecr, struct seg *sa)
{
	peer_tcp(b, PEER_PORT, syn->sport, PEER_ISN, 0, DPS_TH_SYN, PEER_WIN, o, n);
	get_seg(b, sa);
	check_cross_synack(sa, syn, tsecr);
}

/* The same with Linux's SYN options. */
static void
cross_syns(struct bench *b, const struct seg *syn, struct seg *sa)
{
	uint8_t o[40];
	unsigned int n = syn_opts(o, 1460, PEER_TSVAL, 0, PEER_WS);

	cross_syns_with(b, syn, o, n, PEER_TSVAL, sa);
}

Test(dpdk, connect_simultaneous_open)
{
	struct bench b;
	struct seg syn, sa;
	struct app a;
	uint8_t o[12];
	int fd;

	up(&b, "csim", 0, NULL);
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cross_syns(&b, &syn, &sa);
	expect_silence(&b, "waiting for the peer's ACK");
	cr_assert_not(app_done(&a), "connected before the peer's ACK");
	cr_assert_eq(poll1(fd, POLLOUT, 0), 0, "not writable in SYN_RECV");

	/* The peer's ACK of our SYN-ACK completes the handshake. */
	peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN + 1, syn.seq + 1, DPS_TH_ACK,
		PEER_WIN >> PEER_WS, o, ts_opts(o, PEER_TSVAL + 1, sa.tsval));
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_ESTABLISHED);
	cr_assert_eq(poll1(fd, POLLOUT, 0), POLLOUT);
	expect_silence(&b, "after the handshake");
	cr_assert_eq(cnt(&b, 0).tcp_established, 1);
	cr_assert_eq(maxseg(fd), 1460 - 12);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &sa, &syn);
	down(&b);
}

/*
 * A connection keeps its way out (struct dps_ip_path: the interface and
 * the next hop's ARP entry) while the lcore's ARP table stands. A new
 * MAC for the next hop must reach its next segment: the FIN of close()
 * goes to the MAC configured after the handshake, not the cached one.
 */
Test(dpdk, connect_path_follows_the_arp_table)
{
	struct bench b_path;
	static const struct rte_ether_addr other = {{ 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }};
	struct dps_lcore *lc;
	struct rte_mbuf *m;
	struct seg syn;
	double t_end;
	int fd;

	lc = up(&b_path, "cpath", 0, NULL)->lc[0];
	fd = tcp_sock(&b_path, true);
	connect_established(&b_path, fd, PEER_PORT, &syn);
	expect_silence(&b_path, "after the handshake");
	/* The test thread is lcore 0 of the stack: it may write its table. */
	cr_assert_eq(dps_arp_add_static(&lc->arp, 0, PEER_IP, &other), 0);
	cr_assert_eq(dps_close(fd), 0);
	t_end = real_s() + 5;
	while ((m = peer_pop(&b_path)) == NULL) {
		step(&b_path, 0);
		peer_collect(&b_path);
		cr_assert_lt(real_s(), t_end, "no FIN from the stack");
	}
	cr_assert(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
		&other), "the FIN went to the old MAC");
	rte_pktmbuf_free(m);
	peer_tcp(&b_path, PEER_PORT, syn.sport, PEER_ISN + 1, 0, DPS_TH_RST, 0, NULL, 0);
	down(&b_path);
}

/*
 * After crossing SYNs the connection is in SYN_RECV, as Linux's
 * tcp_rcv_synsent_state_process() sets it (TCP_INFO reports it). Aborting
 * it, by AF_UNSPEC or close(), resets it with RST|ACK (tcp_need_reset()
 * includes SYN_RECV).
 */
Test(dpdk, connect_simultaneous_open_state)
{
	struct bench b;
	struct seg syn, sa;
	struct sockaddr_in me;
	int fd;

	up(&b, "csimst", 0, NULL);
	fd = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cross_syns(&b, &syn, &sa);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_RECV,
		"dps_conn_info state %d after crossing SYNs, Linux is in "
		"SYN_RECV (%d)", conn_state(fd, NULL), DPS_TCP_SYN_RECV);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), 0, "nothing in SYN_RECV");
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EALREADY);

	/* AF_UNSPEC: RST|ACK, ECONNRESET, the port released. */
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	expect_abort_rst(&b, &sa, &syn);
	expect_silence(&b, "one RST");
	cr_assert_eq(conns(&b), 0);
	cr_assert_eq(so_error(fd), ECONNRESET);
	me = name_of(fd);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, 0);

	/* Again, closed in SYN_RECV. */
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cross_syns(&b, &syn, &sa);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_RECV);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &sa, &syn);
	expect_silence(&b, "one RST");
	down(&b);
}

/*
 * The SYN-ACK after crossed SYNs carries our whole SYN option set even
 * when the peer's SYN offered less, and so does its retransmission. What
 * was agreed follows the peer's SYN: MSS, timestamps.
 */
Test(dpdk, connect_simultaneous_open_options)
{
	struct bench b;
	struct dps_conn_info ci;
	struct seg syn, sa, s;
	struct app a;
	uint8_t o[16];
	uint64_t t0;
	unsigned int rt_ms;
	int fd;

	up(&b, "csimopt", 0, NULL);

	/* The peer's SYN: MSS 1400 and timestamps, no SACK, no window
	 * scale. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	o[0] = 2;
	o[1] = 4;
	wr16(o + 2, 1400);
	ts_opts(o + 4, PEER_TSVAL, 0);
	cross_syns_with(&b, &syn, o, 16, PEER_TSVAL, &sa);
	expect_silence(&b, "waiting for the peer's ACK");
	/* No ACK: the SYN-ACK is retransmitted when the SYN's timer fires,
	 * options and all. */
	t0 = vnow(&b);
	do {
		vadvance(&b, STEP);
		step(&b, 0);
		cr_assert_lt(vnow(&b) - t0, 3 * S, "no SYN-ACK retransmission");
	} while (b.rx_n == 0);
	get_seg(&b, &s);
	check_cross_synack(&s, &syn, PEER_TSVAL);
	cr_assert_gt(s.tsval, sa.tsval, "a fresh TSval");
	rt_ms = (unsigned int)((vnow(&b) - t0) / MS);
	cr_log_info("SYN-ACK retransmitted %u ms after the SYN", rt_ms);
	/* The SYN's timer, still running: 1 s after it (Linux retransmits
	 * the head of the queue, now the SYN-ACK, when it fires). */
	cr_assert(rt_ms + STEP / MS >= 1000 && rt_ms <= 1000 + STEP / MS,
		"SYN-ACK retransmitted at %u ms, want 1000", rt_ms);
	peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN + 1, syn.seq + 1, DPS_TH_ACK,
		PEER_WIN, o, ts_opts(o, PEER_TSVAL + 1, s.tsval));
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 1400, "the peer's MSS: %u", ci.mss);
	cr_assert_eq(maxseg(fd), 1400 - 12, "timestamps agreed");
	expect_silence(&b, "after the handshake");
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);

	/* A bare SYN: still the full set, TSecr 0 (nothing to echo). Nothing
	 * agreed: MSS 536, no timestamps. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cross_syns_with(&b, &syn, NULL, 0, 0, &sa);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_RECV);
	peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN + 1, syn.seq + 1, DPS_TH_ACK,
		PEER_WIN, NULL, 0);
	cr_assert_eq(app_join(&b, &a), 0, "connect: %s", strerror(a.err));
	cr_assert_eq(conn_state(fd, &ci), DPS_TCP_ESTABLISHED);
	cr_assert_eq(ci.mss, 536, "no MSS option: %u", ci.mss);
	cr_assert_eq(maxseg(fd), 536, "no timestamps");
	expect_silence(&b, "after the handshake");
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);
	cr_assert_eq(s.hlen, 20, "no timestamps on a RST without them");
	down(&b);
}

/* ---- 7. reporting an asynchronous error ------------------------------------ */

Test(dpdk, connect_error_reporting)
{
	struct bench b;
	struct seg syn, syn2, s;
	struct sockaddr_in me;
	short ev;
	int fd;

	up(&b, "cerr", 0, NULL);
	/* Blocking at creation, non-blocking through fcntl. */
	fd = tcp_sock(&b, false);
	cr_assert_eq(dps_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	cr_assert_eq(dps_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	cr_assert_neq(dps_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);

	/* Refused, SO_ERROR read: reported once, then ECONNABORTED. */
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	peer_rst(&b, &syn, 0, syn.seq + 1, DPS_TH_ACK);
	settle(&b);
	ev = poll1(fd, POLLIN | POLLOUT, 0);
	cr_assert((ev & (POLLERR | POLLHUP | POLLOUT)) == (POLLERR | POLLHUP | POLLOUT),
		"revents 0x%x after a refusal", ev);
	/* Until a connect reports it, the name is untouched (measured:
	 * 127.0.0.1:<port> on loopback, before and after SO_ERROR). */
	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(so_error(fd), ECONNREFUSED);
	cr_assert_eq(so_error(fd), 0, "reported once");
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0) & POLLERR, 0);
	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), ECONNABORTED);
	expect_silence(&b, "ECONNABORTED sends nothing");
	/* That connect disconnected: the port is released, getsockname
	 * keeps showing it with address 0.0.0.0 (measured). */
	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, 0);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	/* The next one is a fresh attempt. */
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn2);
	check_syn(&syn2, PEER_PORT);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);

	/* Refused, SO_ERROR not read: the next connect returns the error. */
	peer_rst(&b, &syn2, 0, syn2.seq + 1, DPS_TH_ACK);
	settle(&b);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), ECONNREFUSED);
	cr_assert_eq(so_error(fd), 0, "connect consumed it");
	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, 0);
	cr_assert_eq(ntohs(me.sin_port), syn2.sport);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS, "fresh again");
	get_seg(&b, &syn2);
	check_syn(&syn2, PEER_PORT);
	peer_accepts(&b, &syn2, &s);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(cnt(&b, 0).tcp_conn_failed, 2);
	me = name_of(fd);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(ntohs(me.sin_port), syn2.sport);
	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_close_fin(&b, &s, &syn2);
	down(&b);
}

/* ---- 8. SO_SNDTIMEO ----------------------------------------------------------- */

Test(dpdk, connect_sndtimeo)
{
	struct bench b;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 }, got;
	socklen_t len = sizeof(got);
	struct seg syn, s;
	struct app a;
	double el;
	int fd;

	up(&b, "ctimeo", 0, NULL);
	fd = tcp_sock(&b, false);
	cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &got, &len), 0);
	cr_assert_eq(got.tv_sec, 0);
	cr_assert_eq(got.tv_usec, 200000);

	/* The peer stays silent; the virtual clock creeps (1 ms per poll,
	 * far from the first retransmission). */
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	while (!app_done(&a)) {
		step(&b, vnow(&b) - T0 < 500 * MS ? 1 * MS : 0);
		usleep(1000);
		cr_assert_lt(real_s() - a.t_start, 5.0, "SO_SNDTIMEO ignored");
	}
	cr_assert_eq(app_join(&b, &a), EINPROGRESS, "connect: %s", strerror(a.err));
	el = a.t_end - a.t_start;
	cr_assert_geq(el, 0.2, "returned after %.3f s", el);
	cr_assert_lt(el, 2.0, "returned after %.3f s", el);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT, "still connecting");
	expect_silence(&b, "no retransmission yet");

	/* Blocking again: EALREADY once the timeout expires again. */
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EALREADY);
	/* The peer answers; the next connect reports the success. */
	peer_accepts(&b, &syn, &s);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EISCONN);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);
	down(&b);
}

/* ---- 9. AF_UNSPEC on a stream ---------------------------------------------- */

Test(dpdk, connect_unspec_tcp)
{
	struct bench b;
	struct seg syn, s;
	struct sockaddr_in me, peer;
	short ev;
	int fd;

	up(&b, "cunsp", 0, NULL);
	fd = tcp_sock(&b, true);

	/* On a socket that never connected: nothing to do. */
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	cr_assert_eq(so_error(fd), 0);

	/* Connecting: 0, ECONNRESET pending, nothing on the wire. */
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_neq(name_of(fd).sin_port, 0);
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	expect_silence(&b, "AF_UNSPEC in SYN_SENT");
	cr_assert_eq(conns(&b), 0);
	ev = poll1(fd, POLLIN | POLLOUT, 0);
	cr_assert_eq(ev, POLLOUT | POLLERR | POLLHUP, "revents 0x%x (Linux: "
		"POLLOUT | POLLERR | POLLHUP)", ev);
	cr_assert_eq(so_error(fd), ECONNRESET);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(peer_of(fd, &peer), ENOTCONN);
	/* The autobound port is released, but getsockname keeps showing its
	 * number, with address 0.0.0.0, as the kernel here does (inet_sport
	 * is not cleared). */
	me = name_of(fd);
	cr_assert_eq(ntohs(me.sin_port), syn.sport, "getsockname port %u, the "
		"released one was %u", ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, 0);
	/* A SYN-ACK for the dropped attempt now meets no connection. */
	peer_synack(&b, &syn);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.seq, syn.seq + 1);

	/* Established: RST|ACK at snd_nxt acking rcv_nxt, ECONNRESET. */
	connect_established(&b, fd, PEER_PORT, &syn);
	me = name_of(fd);		/* autobound afresh */
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	expect_abort_rst(&b, &s, &syn);
	expect_silence(&b, "one RST");
	cr_assert_eq(so_error(fd), ECONNRESET);
	cr_assert_eq(peer_of(fd, &peer), ENOTCONN);
	me = name_of(fd);
	cr_assert_eq(ntohs(me.sin_port), syn.sport);
	cr_assert_eq(me.sin_addr.s_addr, 0);
	cr_assert_eq(conns(&b), 0);
	/* A late segment of the aborted connection meets no connection: a
	 * RST alone at its ACK. */
	peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN + 1, syn.seq + 1, DPS_TH_ACK,
		PEER_WIN >> PEER_WS, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.seq, syn.seq + 1);
	cr_assert_eq(s.ack, 0);

	/* And the socket connects again. */
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(ntohs(name_of(fd).sin_port), syn.sport);
	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_close_fin(&b, &s, &syn);
	down(&b);
}

/*
 * A new connect clears an error left pending by an earlier attempt:
 * Linux's tcp_connect_init() sets sk_err = 0, so a connect after
 * AF_UNSPEC (error ECONNRESET, not read) polls with no POLLERR while it
 * connects and SO_ERROR reads 0 once it is up (measured on this machine's
 * kernel: poll 0x4, SO_ERROR 0). The usual "poll for POLLOUT, then read
 * SO_ERROR" idiom must not read a stale ECONNRESET for a connection that
 * succeeded.
 */
Test(dpdk, connect_fresh_attempt_clears_error)
{
	struct bench b;
	struct seg syn, s;
	short ev;
	int fd, err;

	up(&b, "cstale", 0, NULL);
	fd = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	ev = poll1(fd, POLLIN | POLLOUT, 0);
	cr_assert(ev & POLLERR, "revents 0x%x: ECONNRESET pending", ev);

	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	ev = poll1(fd, POLLIN | POLLOUT, 0);
	cr_assert_eq(ev, 0, "revents 0x%x while connecting; the stale "
		"ECONNRESET of the previous attempt is still pending", ev);
	peer_accepts(&b, &syn, &s);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT);
	err = so_error(fd);
	cr_assert_eq(err, 0, "SO_ERROR %s after a successful connect",
		strerror(err));
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);

	/* The same after an established connection was reset by AF_UNSPEC. */
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	expect_abort_rst(&b, &s, &syn);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), 0);
	peer_accepts(&b, &syn, &s);
	cr_assert_eq(so_error(fd), 0);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), 0);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);
	down(&b);
}

/* ---- 10. segments for no connection --------------------------------------- */

Test(dpdk, connect_no_connection_rst)
{
	/* What the peer sends to the closed port 5555 and the answer: a SYN
	 * draws RST|ACK, seq 0, ack ISN + 1; an ACK (or FIN|ACK) a RST with
	 * seq = its ack and no ACK flag; a RST, with or without ACK, nothing
	 * (flags 0: no answer). */
	static const struct {
		const char *what;
		uint16_t sport;
		uint32_t seq, ack;
		uint8_t flags;
		uint16_t win;
		uint8_t rflags;
		uint32_t rseq, rack;
	} c[] = {
		{ "SYN", 40000, 0x12345678, 0, DPS_TH_SYN, 65535,
		  DPS_TH_RST | DPS_TH_ACK, 0, 0x12345679u },
		{ "ACK", 40001, 1000, 0xdeadbeef, DPS_TH_ACK, 512,
		  DPS_TH_RST, 0xdeadbeefu, 0 },
		{ "FIN|ACK", 40002, 1000, 77, DPS_TH_ACK | DPS_TH_FIN, 512,
		  DPS_TH_RST, 77, 0 },
		{ "RST", 40003, 1000, 0, DPS_TH_RST, 0, 0, 0, 0 },
		{ "RST|ACK", 40003, 1000, 5, DPS_TH_RST | DPS_TH_ACK, 0, 0, 0, 0 },
	};
	struct bench b;
	struct seg s;
	struct dps_counters c0, cn;
	char fl[32];
	int lfd;

	up(&b, "cnoconn", 0, NULL);
	c0 = cnt(&b, 0);
	for (size_t i = 0; i < RTE_DIM(c); i++) {
		const char *what = c[i].what;

		peer_tcp(&b, c[i].sport, 5555, c[i].seq, c[i].ack, c[i].flags,
			c[i].win, NULL, 0);
		if (c[i].rflags == 0) {
			expect_silence(&b, "a RST is never answered");
			continue;
		}
		get_seg(&b, &s);
		cr_assert_eq(s.flags, c[i].rflags, "%s: flags %s", what,
			flags_str(s.flags, fl));
		cr_assert_eq(s.seq, c[i].rseq, "%s: seq %#x", what, s.seq);
		cr_assert_eq(s.ack, c[i].rack, "%s: ack %#x", what, s.ack);
		cr_assert_eq(s.sport, 5555, "%s: sport %u", what, s.sport);
		cr_assert_eq(s.dport, c[i].sport, "%s: dport %u", what, s.dport);
		cr_assert_eq(s.win, 0, "%s: window %u", what, s.win);
		cr_assert_eq(s.hlen, 20, "%s: header %u bytes", what, s.hlen);
		expect_silence(&b, "one RST per segment");
	}

	/* A SYN for a listening port gets a SYN-ACK from a child socket. */
	lfd = tcp_sock(&b, false);
	{
		struct sockaddr_in at = sin_of(INADDR_ANY, 7777);

		cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	}
	cr_assert_eq(dps_listen(lfd, 8), 0);
	peer_tcp(&b, 40004, 7777, 1, 0, DPS_TH_SYN, 65535, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(s.ack, 2);
	cn = cnt(&b, 0);
	cr_assert_eq(cn.tcp_tx_rst, c0.tcp_tx_rst + 3);
	cr_assert_eq(cn.drop[DPS_DROP_tcp_no_socket], c0.drop[DPS_DROP_tcp_no_socket] + 5);
	cr_assert_eq(cn.tcp_passive_opens, c0.tcp_passive_opens + 1);
	cr_assert_eq(conns(&b), 1, "the child is in the table");
	/* The listener goes; its half-open child is dropped at its next
	 * timer without a word, as Linux drops a request socket. */
	cr_assert_eq(dps_close(lfd), 0);
	run(&b, 150, 10 * MS);
	expect_silence(&b, "a dropped child sends nothing");
	cr_assert_eq(conns(&b), 0, "the child left the table");
	down(&b);
}

/*
 * The listener closes while a child waits in SYN_RECV, and then the
 * peer's ACK completes the handshake. The child reaches the accept queue
 * of a listener that is gone, so the lcore resets it there and then
 * (Linux looks the ACK up, finds the request's listener closed, and
 * answers with a RST too). That reset releases the child in the middle
 * of its own event; nothing may touch it afterwards (no second segment,
 * and the socket and its listener back in the pool: down() checks).
 */
/*
 * A RST in answer to a segment leaves as from Linux's control socket
 * (tcp_v4_send_reset(): the kernel here does the same): the segment's
 * TOS less its ECN bits and the default TTL, for a closed port and for a
 * socket whose own IP_TOS and IP_TTL its SYN carries.
 */
Test(dpdk, connect_answer_rst_tos_ttl)
{
	struct bench b;
	struct seg syn, s;
	int fd, tos = 0x10, ttl = 33;

	up(&b, "crsttos", 0, NULL);
	peer_tcp_tos(&b, 0x2b, 40030, 5555, 1000, 0, DPS_TH_SYN, 65535, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST | DPS_TH_ACK);
	cr_assert_eq(s.pkt[1], 0x28, "closed port: TOS %#x", s.pkt[1]);
	cr_assert_eq(s.pkt[8], 64, "closed port: TTL %u", s.pkt[8]);

	fd = tcp_sock(&b, true);
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), 0);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	/* The SYN by hand: get_seg() holds every frame to TTL 64. */
	{
		double t_end = real_s() + 5;
		const uint8_t *ip;
		struct rte_mbuf *m;

		peer_collect(&b);
		while (b.rx_n == 0) {
			step(&b, 0);
			cr_assert_lt(real_s(), t_end, "no SYN");
		}
		m = peer_pop(&b);
		ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, IP_OFF);
		cr_assert_eq(ip[1], 0x10, "SYN: TOS %#x", ip[1]);
		cr_assert_eq(ip[8], 33, "SYN: TTL %u", ip[8]);
		syn.sport = rd16(ip + 20);
		syn.dport = rd16(ip + 22);
		syn.seq = rd32(ip + 24);
		cr_assert_eq(ip[20 + 13], DPS_TH_SYN);
		rte_pktmbuf_free(m);
	}
	/* An unacceptable ACK in SYN_SENT draws a RST (RFC 9293 3.10.7.3). */
	peer_tcp_tos(&b, 0x49, syn.dport, syn.sport, PEER_ISN, syn.seq + 100,
		DPS_TH_ACK, PEER_WIN, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.pkt[1], 0x48, "answer: TOS %#x", s.pkt[1]);
	cr_assert_eq(s.pkt[8], 64, "answer: TTL %u", s.pkt[8]);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT);
	cr_assert_eq(dps_close(fd), 0);
	down(&b);
}

Test(dpdk, connect_child_completes_after_listener_closed)
{
	struct sockaddr_in at = sin_of(INADDR_ANY, 7779);
	struct bench b;
	struct seg s;
	int lfd;

	up(&b, "cgone", 0, NULL);
	lfd = tcp_sock(&b, false);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	peer_tcp(&b, 40011, 7779, 1000, 0, DPS_TH_SYN, 65535, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_SYN | DPS_TH_ACK);
	cr_assert_eq(dps_close(lfd), 0);
	cr_assert_eq(conns(&b), 1, "the half-open child outlives its listener");
	peer_tcp(&b, 40011, 7779, 1001, s.seq + 1, DPS_TH_ACK, 65535, NULL, 0);
	run(&b, 2, MS);
	get_seg(&b, &s);
	cr_assert(s.flags & DPS_TH_RST, "the completed child is reset, flags %#x",
		s.flags);
	expect_silence(&b, "one RST, nothing after it");
	cr_assert_eq(conns(&b), 0, "the child left the table");
	down(&b);
}

/*
 * A listener's children hold its port (Linux's inet_inherit_port()): once
 * the listener is closed, bind() to the port conflicts while a child
 * lives, with or without SO_REUSEADDR on the new socket when the listener
 * had none (inet_bind_conflict() wants it on both), and succeeds once the
 * child is gone.
 */
Test(dpdk, bind_conflicts_with_a_closed_listeners_child)
{
	struct sockaddr_in at = sin_of(INADDR_ANY, 7778);
	struct bench b;
	struct seg s;
	int lfd, cfd, fd, one = 1;

	up(&b, "cchild", 0, NULL);
	lfd = tcp_sock(&b, false);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	peer_tcp(&b, 40010, 7778, 1000, 0, DPS_TH_SYN, 65535, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_SYN | DPS_TH_ACK);
	peer_tcp(&b, 40010, 7778, 1001, s.seq + 1, DPS_TH_ACK, 65535, NULL, 0);
	run(&b, 2, MS);
	cr_assert_eq(conns(&b), 1, "the child is established");
	cfd = dps_accept(lfd, NULL, NULL);
	cr_assert_geq(cfd, 0, "accept: %s", strerror(errno));
	cr_assert_eq(dps_close(lfd), 0);
	run(&b, 2, MS);

	fd = tcp_sock(&b, false);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), -1);
	cr_assert_eq(errno, EADDRINUSE, "the child holds the port");
	cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), -1);
	cr_assert_eq(errno, EADDRINUSE, "the child lacks SO_REUSEADDR");

	peer_tcp(&b, 40010, 7778, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	run(&b, 2, MS);
	cr_assert_eq(conns(&b), 0, "the RST ended the child");
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), 0, "%s",
		strerror(errno));
	cr_assert_eq(dps_close(fd), 0);
	cr_assert_eq(dps_close(cfd), 0);
	down(&b);
}

/*
 * dps_accept_lcore() names the lcore owning each child (here the only
 * one, 0), and -1 for a child the peer reset while it waited in the
 * accept queue; that descriptor still works and its read reports the
 * reset. A failed call leaves the index alone.
 */
Test(dpdk, connect_accept_lcore)
{
	struct sockaddr_in at = sin_of(INADDR_ANY, 7779);
	struct bench b;
	socklen_t flen = sizeof(struct sockaddr_in);
	struct seg s[3];
	int lfd, fd, owner = 99;
	char c;

	up(&b, "cacclc", 0, NULL);
	lfd = tcp_sock(&b, false);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	for (int i = 0; i < 3; i++) {
		peer_tcp(&b, (uint16_t)(40020 + i), 7779, 1000, 0, DPS_TH_SYN, 65535, NULL, 0);
		get_seg(&b, &s[i]);
		cr_assert_eq(s[i].flags, DPS_TH_SYN | DPS_TH_ACK);
		peer_tcp(&b, (uint16_t)(40020 + i), 7779, 1001, s[i].seq + 1, DPS_TH_ACK,
			65535, NULL, 0);
	}
	run(&b, 2, MS);
	cr_assert_eq(conns(&b), 3, "three children established");
	peer_tcp(&b, 40021, 7779, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	run(&b, 2, MS);
	cr_assert_eq(conns(&b), 2, "the RST ended the second child");

	fd = dps_accept_lcore(lfd, NULL, NULL, 0, &owner);
	cr_assert_geq(fd, 0, "accept: %s", strerror(errno));
	cr_assert_eq(owner, 0, "the first child's owner: %d", owner);
	cr_assert_eq(dps_close(fd), 0);

	fd = dps_accept_lcore(lfd, NULL, NULL, SOCK_NONBLOCK, &owner);
	cr_assert_geq(fd, 0, "accept: %s", strerror(errno));
	cr_assert_eq(owner, -1, "the reset child has no owner: %d", owner);
	cr_assert_eq(dps_recv(fd, &c, 1, 0), -1);
	cr_assert_eq(errno, ECONNRESET, "%s", strerror(errno));
	cr_assert_eq(dps_close(fd), 0);

	owner = 99;
	cr_assert_eq(dps_accept_lcore(lfd, (struct sockaddr *)1, &flen, 0, &owner), -1);
	cr_assert_eq(errno, EFAULT, "%s", strerror(errno));
	cr_assert_eq(owner, 99, "not written when the call fails");
	cr_assert_eq(dps_accept_lcore(lfd, NULL, NULL, SOCK_NONBLOCK, &owner), -1);
	cr_assert_eq(errno, EAGAIN, "the EFAULT consumed the third child");
	cr_assert_eq(dps_close(lfd), 0);
	/* The closed children wait in FIN_WAIT1: the peer resets them. */
	peer_tcp(&b, 40020, 7779, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	peer_tcp(&b, 40022, 7779, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	run(&b, 2, MS);
	down(&b);
}

/* ---- 11. local ports ---------------------------------------------------------- */

Test(dpdk, connect_port_exhaustion)
{
	enum { N = 4 };
	const struct dps_sock_conf sc = { .port_lo = 40000, .port_hi = 40003 };
	struct bench b;
	struct seg syn[N + 1], s;
	bool seen[N] = { false };
	int fd[N + 1];

	up(&b, "cports", 0, &sc);
	for (int i = 0; i < N; i++) {
		fd[i] = tcp_sock(&b, true);
		cr_assert_eq(connect_call(&b, fd[i], PEER_PORT), EINPROGRESS,
			"connect %d", i);
		handshake(&b, &syn[i]);
		cr_assert_eq(connect_call(&b, fd[i], PEER_PORT), 0);
		cr_assert_geq(syn[i].sport, 40000);
		cr_assert_leq(syn[i].sport, 40003);
		cr_assert_not(seen[syn[i].sport - 40000], "port %u twice",
			syn[i].sport);
		seen[syn[i].sport - 40000] = true;
		cr_assert_eq(syn[i].sport % 2, i < 2 ? 0 : 1,
			"connect %d got port %u: even ports first", i, syn[i].sport);
		cr_assert_eq(ntohs(name_of(fd[i]).sin_port), syn[i].sport);
	}

	/* A fifth to the same peer: no 4-tuple left. */
	fd[N] = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd[N], PEER_PORT), EADDRNOTAVAIL);
	expect_silence(&b, "EADDRNOTAVAIL sends nothing");
	cr_assert_eq(name_of(fd[N]).sin_port, 0);
	cr_assert_eq(name_of(fd[N]).sin_addr.s_addr, 0);
	cr_assert_eq(conn_state(fd[N], NULL), -ENOENT);
	cr_assert_eq(conns(&b), N);

	/* To another peer port the 4-tuples differ: a port is shared. */
	cr_assert_eq(connect_call(&b, fd[N], PEER_PORT + 1), EINPROGRESS);
	handshake(&b, &syn[N]);
	cr_assert_eq(syn[N].dport, PEER_PORT + 1);
	cr_assert_geq(syn[N].sport, 40000);
	cr_assert_leq(syn[N].sport, 40003);
	cr_assert_eq(syn[N].sport % 2, 0, "even first again: %u", syn[N].sport);
	cr_assert_eq(connect_call(&b, fd[N], PEER_PORT + 1), 0);
	cr_assert_eq(conns(&b), N + 1);

	for (int i = 0; i <= N; i++) {
		cr_assert_eq(app_call(&b, OP_CLOSE, fd[i], 0, 0), 0);
		expect_close_fin(&b, &s, &syn[i]);
	}
	down(&b);
}

/* xorshift64 for the pure tests below. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The autobind's owner test per candidate port (dps_rss_ports_*(): the
 * Toeplitz hash of the tuple with port 0, XORed with the key's windows
 * for the port's bits) against rte_softrss_be() and dps_flow_owner() on
 * random tuples, keys and redirection tables. Pure: a struct
 * dps_sockets the test fills.
 */
Test(dpdk, connect_autobind_rss_matches_softrss)
{
	static struct dps_sockets ss;
	uint64_t x = 0x853c49e6748fea9bull;
	unsigned int owners[4] = { 0 };

	for (int k = 0; k < 50; k++) {
		uint8_t key[40];

		for (unsigned int i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)rnd(&x);
		rte_convert_rss_key((const uint32_t *)key, (uint32_t *)ss.rss_key,
			sizeof(ss.rss_key));
		for (unsigned int i = 0; i < RTE_DIM(ss.reta); i++)
			ss.reta[i] = (uint16_t)(rnd(&x) % 4);
		ss.n_owners = 4;
		for (int n = 0; n < 200; n++) {
			struct dps_tuple t = {
				.laddr = (uint32_t)rnd(&x), .raddr = (uint32_t)rnd(&x),
				.rport = (uint16_t)rnd(&x), .proto = IPPROTO_TCP,
			};
			struct dps_rss_ports rp;

			dps_rss_ports_init(&rp, &ss, &t);
			for (int p = 0; p < 20; p++) {
				uint16_t port = p < 4 ? (uint16_t)(p == 3 ? 0xffff : p) :
					(uint16_t)rnd(&x);
				uint32_t in[3];
				unsigned int o;

				t.lport = htons(port);
				in[0] = ntohl(t.raddr);
				in[1] = ntohl(t.laddr);
				in[2] = (uint32_t)ntohs(t.rport) << 16 | port;
				cr_assert_eq(dps_rss_ports_hash(&rp, port),
					rte_softrss_be(in, 3, ss.rss_key), "port %u", port);
				o = dps_rss_ports_owner(&rp, port);
				cr_assert_eq(o, dps_flow_owner(&ss, &t), "port %u", port);
				owners[o]++;
			}
		}
	}
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_gt(owners[i], 10000, "owner %u: %u", i, owners[i]);
	/* One lcore owns everything, with no hash. */
	ss.n_owners = 1;
	{
		struct dps_tuple t = { .laddr = 1, .raddr = 2, .rport = 3 };
		struct dps_rss_ports rp;

		dps_rss_ports_init(&rp, &ss, &t);
		cr_assert_eq(dps_rss_ports_owner(&rp, 4000), 0);
	}
}

/*
 * The autobind's RFC 6056 F() (dps_tcp_port_hash()) remembers its last
 * answer: over a run of inputs that repeat and change one at a time,
 * and a key that changes, every answer equals SipHash computed afresh.
 */
Test(dpdk, connect_autobind_port_hash_memo)
{
	static struct dps_sockets ss;
	struct dps_tcp_lcore tl;
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint32_t laddr = 1, raddr = 2;
	uint16_t rport = 80;
	unsigned int hits = 0;

	memset(&tl, 0, sizeof(tl));
	ss.port_key[0] = rnd(&x);
	ss.port_key[1] = rnd(&x);
	for (int i = 0; i < 4000; i++) {
		struct {
			uint32_t laddr, raddr;
			uint16_t rport;
		} __rte_packed in;
		bool same = true;

		switch (rnd(&x) % 8) {
		case 0: laddr = (uint32_t)rnd(&x) % 3; same = false; break;
		case 1: raddr = (uint32_t)rnd(&x) % 3; same = false; break;
		case 2: rport = (uint16_t)(rnd(&x) % 3); same = false; break;
		case 3: ss.port_key[rnd(&x) % 2] ^= 1ull << (rnd(&x) % 64); same = false; break;
		default: break;
		}
		in.laddr = laddr;
		in.raddr = raddr;
		in.rport = rport;
		cr_assert_eq(dps_tcp_port_hash(&tl, &ss, laddr, raddr, rport),
			(uint32_t)dps_siphash24(&in, sizeof(in), ss.port_key), "step %d", i);
		hits += same;
	}
	cr_assert_gt(hits, 1000);
}

/*
 * A full connection table (max_conns entries on the lcore) refuses the
 * next connect with ENOBUFS and sends nothing; once an entry leaves,
 * connect works again (docs/connect.md, step 12).
 */
Test(dpdk, connect_table_full)
{
	const struct dps_sock_conf sc = { .max_conns = 2 };
	struct bench b;
	struct seg syn[3], s;
	int fd[3];

	up(&b, "cfull", 0, &sc);
	for (int i = 0; i < 2; i++) {
		fd[i] = tcp_sock(&b, true);
		connect_established(&b, fd[i], PEER_PORT, &syn[i]);
	}
	cr_assert_eq(conns(&b), 2);
	fd[2] = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd[2], PEER_PORT), ENOBUFS);
	expect_silence(&b, "a full table sends nothing");
	cr_assert_eq(conn_state(fd[2], NULL), -ENOENT);
	cr_assert_eq(conns(&b), 2);

	cr_assert_eq(app_call(&b, OP_CLOSE, fd[0], 0, 0), 0);
	expect_close_fin(&b, &s, &syn[0]);
	cr_assert_eq(conns(&b), 1);
	connect_established(&b, fd[2], PEER_PORT, &syn[2]);
	cr_assert_eq(conns(&b), 2);
	for (int i = 1; i <= 2; i++) {
		cr_assert_eq(app_call(&b, OP_CLOSE, fd[i], 0, 0), 0);
		expect_close_fin(&b, &s, &syn[i]);
	}
	down(&b);
}

/* ---- 12. UDP ------------------------------------------------------------------ */

/* The next frame must be our datagram to the peer's @dport: returns its
 * IPv4 packet (up to 60 bytes in @pkt) and checks @want payload. */
static void
get_udp(struct bench *b, uint16_t sport, uint16_t dport, const void *want,
	uint16_t len, uint8_t *pkt)
{
	double t_end = real_s() + 5;
	const uint8_t *ip, *u;
	struct rte_mbuf *m;

	peer_collect(b);
	while (b->rx_n == 0) {
		step(b, 0);
		cr_assert_lt(real_s(), t_end, "no datagram");
	}
	m = peer_pop(b);
	ip = check_ip_frame(m, &b->mac[0], A_IP, PEER_IP, IPPROTO_UDP);
	u = ip + 20;
	cr_assert_eq(rd16(ip + 2), 20 + 8 + len);
	cr_assert_eq(rd16(u), sport);
	cr_assert_eq(rd16(u + 2), dport);
	cr_assert_eq(rd16(u + 4), 8 + len);
	cr_assert_neq(rd16(u + 6), 0, "a checksum was computed");
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip,
		u), 0, "UDP checksum");
	cr_assert_eq(memcmp(u + 8, want, len), 0, "payload");
	memcpy(pkt, ip, RTE_MIN(60u, 28u + len));
	rte_pktmbuf_free(m);
}

Test(dpdk, connect_udp)
{
	static const char msg[] = "hello, datagram";
	struct bench b;
	uint8_t f[FRAME_MAX], pkt[60], buf[256], want[64];
	struct sockaddr_in me, peer, from;
	socklen_t fl = sizeof(from);
	struct rte_mbuf *m;
	const uint8_t *ip;
	uint16_t port;
	uint32_t len;
	int fd, bfd, one = 1;

	up(&b, "cudp", 0, NULL);
	fd = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(name_of(fd).sin_port, 0);
	cr_assert_eq(dps_send(fd, msg, sizeof(msg), 0), -1);
	cr_assert_eq(errno, EDESTADDRREQ);

	/* connect autobinds and fixes the source address. */
	cr_assert_eq(connect_call(&b, fd, 53), 0);
	me = name_of(fd);
	port = ntohs(me.sin_port);
	cr_assert_geq(port, EPH_LO);
	cr_assert_leq(port, EPH_HI);
	cr_assert_eq(me.sin_addr.s_addr, A_IP);
	cr_assert_eq(peer_of(fd, &peer), 0);
	cr_assert_eq(peer.sin_addr.s_addr, PEER_IP);
	cr_assert_eq(ntohs(peer.sin_port), 53);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0), POLLOUT);
	cr_assert_eq(conn_state(fd, NULL), -ENOENT, "UDP has no table entry");

	/* send: the peer gets it, checksummed. */
	cr_assert_eq(dps_send(fd, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	get_udp(&b, port, 53, msg, sizeof(msg), pkt);

	/* The peer's reply is received. */
	len = mk_udp(f, &b.mac[0], A_IP, 53, port, 40);
	memcpy(want, f + L4_OFF + 8, 40);
	peer_send(&b, f, len);
	settle(&b);
	cr_assert_eq(poll1(fd, POLLIN, 0), POLLIN);
	cr_assert_eq(dps_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		&fl), 40);
	cr_assert_eq(memcmp(buf, want, 40), 0);
	cr_assert_eq(from.sin_addr.s_addr, PEER_IP);
	cr_assert_eq(ntohs(from.sin_port), 53);
	cr_assert_eq(dps_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EAGAIN);

	/* From another port: not delivered, port unreachable. */
	len = mk_udp(f, &b.mac[0], A_IP, 54, port, 12);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no port unreachable for a stranger");
	ip = check_ip_frame(m, &b.mac[0], A_IP, PEER_IP, IPPROTO_ICMP);
	cr_assert_eq(ip[20], 3);
	cr_assert_eq(ip[21], 3);
	cr_assert_eq(memcmp(ip + 28, f + IP_OFF, 28), 0, "quotes the datagram");
	rte_pktmbuf_free(m);
	cr_assert_eq(dps_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EAGAIN, "a stranger's datagram was delivered");
	cr_assert_eq(cnt(&b, 0).drop[DPS_DROP_udp_not_peer], 1);

	/* A port unreachable about our datagram: ECONNREFUSED once. */
	peer_send(&b, f, mk_icmp_error(f, &b.mac[0], A_IP, 3, 3, 0, pkt,
		RTE_MIN(60u, 28u + sizeof(msg))));
	settle(&b);
	cr_assert_eq(poll1(fd, POLLIN | POLLOUT, 0) & POLLERR, POLLERR);
	cr_assert_eq(dps_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	cr_assert_eq(dps_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(so_error(fd), 0);

	/* AF_UNSPEC clears the peer and gives the autobound port back; unlike
	 * TCP's, udp_disconnect() also clears the port getsockname shows. */
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	cr_assert_eq(peer_of(fd, &peer), ENOTCONN);
	me = name_of(fd);
	cr_assert_eq(me.sin_port, 0);
	cr_assert_eq(me.sin_addr.s_addr, 0);
	cr_assert_eq(dps_send(fd, msg, sizeof(msg), 0), -1);
	cr_assert_eq(errno, EDESTADDRREQ);
	len = mk_udp(f, &b.mac[0], A_IP, 53, port, 12);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "the old port still has a socket");
	ip = check_ip_frame(m, &b.mac[0], A_IP, PEER_IP, IPPROTO_ICMP);
	cr_assert_eq(ip[21], 3);
	rte_pktmbuf_free(m);

	/* Broadcast needs SO_BROADCAST. */
	bfd = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(bfd, 0);
	cr_assert_eq(app_call(&b, OP_CONNECT, bfd, BCAST_IP, 9), EACCES);
	cr_assert_neq(name_of(bfd).sin_port, 0, "autobind comes first, as in Linux");
	cr_assert_eq(dps_setsockopt(bfd, SOL_SOCKET, SO_BROADCAST, &one,
		sizeof(one)), 0);
	cr_assert_eq(app_call(&b, OP_CONNECT, bfd, BCAST_IP, 9), 0);
	cr_assert_eq(peer_of(bfd, &peer), 0);
	cr_assert_eq(peer.sin_addr.s_addr, BCAST_IP);
	expect_silence(&b, "UDP connect sends nothing");

	cr_assert_eq(dps_close(bfd), 0);
	cr_assert_eq(dps_close(fd), 0);
	down(&b);
}

/*
 * udp_recvmsg() and udp_ioctl(): SIOCINQ and MSG_PEEK look at the next
 * datagram and leave it (POLLIN stays), recvmsg() cuts it to the
 * segments with MSG_TRUNC and names the sender; a datagram held that
 * way when the socket closes goes back to the pool.
 */
Test(dpdk, udp_peek_inq_recvmsg)
{
	struct bench b;
	uint8_t f[FRAME_MAX], want[64], buf[16];
	struct sockaddr_in from;
	struct iovec iov[2] = { { buf, 8 }, { buf + 8, 8 } };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = iov, .msg_iovlen = 2 };
	uint16_t port;
	int fd, v = -1;

	up(&b, "cupk", 0, NULL);
	fd = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(connect_call(&b, fd, 53), 0);
	port = ntohs(name_of(fd).sin_port);
	cr_assert_eq(dps_ioctl(fd, SIOCINQ, &v), 0);
	cr_assert_eq(v, 0, "no datagram: 0");

	peer_send(&b, f, mk_udp(f, &b.mac[0], A_IP, 53, port, 40));
	memcpy(want, f + L4_OFF + 8, 40);
	settle(&b);
	cr_assert_eq(dps_ioctl(fd, SIOCINQ, &v), 0);
	cr_assert_eq(v, 40, "the next datagram's payload: %d", v);
	cr_assert_eq(poll1(fd, POLLIN, 0), POLLIN, "held, still readable");
	cr_assert_eq(dps_recv(fd, buf, 4, MSG_PEEK), 4);
	cr_assert_eq(memcmp(buf, want, 4), 0);
	cr_assert_eq(dps_recvmsg(fd, &mh, 0), 16);
	cr_assert_eq(memcmp(buf, want, 16), 0);
	cr_assert_eq(mh.msg_flags, MSG_TRUNC);
	cr_assert_eq(mh.msg_namelen, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, PEER_IP);
	cr_assert_eq(ntohs(from.sin_port), 53);
	cr_assert_eq(dps_ioctl(fd, SIOCINQ, &v), 0);
	cr_assert_eq(v, 0, "consumed");
	cr_assert_eq(poll1(fd, POLLIN, 0), 0);

	/* Held by SIOCINQ, then closed: no mbuf is lost (down() checks). */
	peer_send(&b, f, mk_udp(f, &b.mac[0], A_IP, 53, port, 30));
	settle(&b);
	cr_assert_eq(dps_ioctl(fd, SIOCINQ, &v), 0);
	cr_assert_eq(v, 30);
	cr_assert_eq(dps_close(fd), 0);
	down(&b);
}

/*
 * UDP autobind has no parity rule (Linux udp_lib_get_port() scans from a
 * random offset); only TCP's bind(port 0) prefers odd ports. dpstack once
 * gave UDP odd ports only: 64 autobinds all odd has odds of 2^-64.
 */
Test(dpdk, connect_udp_autobind_both_parities)
{
	struct sockaddr_in any = sin_of(0, 0);
	unsigned int odd = 0, even = 0;
	struct dps_sock_stats st;
	struct bench b;
	int fd[64];

	up(&b, "cudpar", 0, NULL);
	for (int i = 0; i < 64; i++) {
		fd[i] = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM, 0);
		cr_assert_geq(fd[i], 0);
		if (i % 2)
			cr_assert_eq(dps_bind(fd[i], (struct sockaddr *)&any,
				sizeof(any)), 0);
		else
			cr_assert_eq(connect_call(&b, fd[i], 53), 0);
		if (ntohs(name_of(fd[i]).sin_port) % 2)
			odd++;
		else
			even++;
	}
	cr_assert(odd > 0 && even > 0, "%u odd ports, %u even", odd, even);
	dps_stack_sock_stats(b.s[0], &st);
	cr_assert_eq(st.udp_ports_held, 64);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(dps_close(fd[i]), 0);
	down(&b);
}

/* ---- 13. a full request ring ------------------------------------------------ */

Test(dpdk, connect_request_ring_full)
{
	enum { RING = 4, USABLE = RING - 1 };
	struct bench b;
	struct dps_stack *s;
	struct app a[USABLE], q;
	struct seg syns[USABLE], syn, ack;
	int fd[USABLE], qfd;
	double t_end;

	s = up(&b, "cring", RING, NULL);
	for (int i = 0; i < USABLE; i++) {
		fd[i] = tcp_sock(&b, false);
		app_start(&a[i], OP_CONNECT, fd[i], PEER_IP, PEER_PORT);
	}
	/* Nobody polls: the three requests fill the ring. */
	t_end = real_s() + 10;
	while (rte_ring_count(s->lc[0]->req_ring) < USABLE) {
		usleep(100);
		cr_assert_lt(real_s(), t_end, "the connects did not post");
	}
	qfd = tcp_sock(&b, false);
	app_start(&q, OP_CONNECT, qfd, PEER_IP, PEER_PORT);
	t_end = real_s() + 5;
	while (!app_done(&q)) {
		usleep(100);
		cr_assert_lt(real_s(), t_end, "connect hangs on a full ring");
	}
	cr_assert_eq(pthread_join(q.th, NULL), 0);
	cr_assert_eq(q.rc, -1);
	cr_assert_eq(q.err, EAGAIN, "connect: %s", strerror(q.err));
	for (int i = 0; i < USABLE; i++)
		cr_assert_not(app_done(&a[i]), "served without a poll");
	cr_assert_eq(name_of(qfd).sin_port, 0);
	cr_assert_eq(peer_of(qfd, &(struct sockaddr_in){ 0 }), ENOTCONN);

	/* Polling serves the three; the peer completes them. */
	for (int i = 0; i < USABLE; i++) {
		get_seg(&b, &syns[i]);
		check_syn(&syns[i], PEER_PORT);
	}
	for (int i = 0; i < USABLE; i++) {
		peer_accepts(&b, &syns[i], &ack);
	}
	for (int i = 0; i < USABLE; i++)
		cr_assert_eq(app_join(&b, &a[i]), 0, "connect %d: %s", i,
			strerror(a[i].err));
	cr_assert_eq(cnt(&b, 0).tcp_established, USABLE);

	/* The refused one was left clean: it connects now. */
	app_start(&q, OP_CONNECT, qfd, PEER_IP, PEER_PORT);
	handshake(&b, &syn);
	cr_assert_eq(app_join(&b, &q), 0);
	for (int i = 0; i < USABLE; i++) {
		/* The threads posted in any order: find fd[i]'s SYN. */
		uint16_t port = ntohs(name_of(fd[i]).sin_port);
		int k = 0;

		while (k < USABLE && syns[k].sport != port)
			k++;
		cr_assert_lt(k, USABLE, "no SYN from port %u", port);
		cr_assert_eq(app_call(&b, OP_CLOSE, fd[i], 0, 0), 0);
		expect_close_fin(&b, &ack, &syns[k]);
	}
	cr_assert_eq(app_call(&b, OP_CLOSE, qfd, 0, 0), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* ---- 14. epoll ------------------------------------------------------------------ */

/* Is the kernel eventfd @efd readable now? */
static bool
efd_readable(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	int n = poll(&p, 1, 0);

	cr_assert_geq(n, 0);
	return n == 1 && (p.revents & POLLIN);
}

/* dps_epoll_wait: the events, sorted by data.u32 into @ev[0..n). */
static int
ep_wait(int ep, struct epoll_event *ev, int max, int timeout_ms)
{
	int n = dps_epoll_wait(ep, ev, max, timeout_ms);

	cr_assert_geq(n, 0, "dps_epoll_wait: %s", strerror(errno));
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && ev[k - 1].data.u32 > ev[k].data.u32; k--) {
			struct epoll_event t = ev[k];

			ev[k] = ev[k - 1];
			ev[k - 1] = t;
		}
	return n;
}

Test(dpdk, connect_epoll)
{
	enum { N = 3 };
	struct bench b;
	struct seg syn[N], ack;
	struct epoll_event ev[8];
	int fd[N], ep, efd, n;
	double t;

	up(&b, "cepoll", 0, NULL);
	memset(ev, 0, sizeof(ev));
	ep = dps_epoll_create();
	cr_assert_geq(ep, 0, "dps_epoll_create: %s", strerror(errno));
	efd = dps_epoll_eventfd(ep);
	cr_assert_geq(efd, 0);
	for (int i = 0; i < N; i++) {
		struct epoll_event e = {
			/* 0 and 1 level-triggered, 2 edge-triggered */
			.events = EPOLLOUT | (i == 2 ? EPOLLET : 0),
			.data.u32 = (uint32_t)i,
		};

		fd[i] = tcp_sock(&b, true);
		cr_assert_eq(connect_call(&b, fd[i], PEER_PORT), EINPROGRESS);
		get_seg(&b, &syn[i]);
		cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &e), 0);
	}
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_ADD, fd[0], &ev[0]), -1);
	cr_assert_eq(errno, EEXIST);

	/* Connecting: nothing, after a real 20 ms wait. */
	t = real_s();
	cr_assert_eq(ep_wait(ep, ev, 8, 20), 0);
	cr_assert_geq(real_s() - t, 0.015);
	cr_assert_eq(ep_wait(ep, ev, 8, 0), 0);
	cr_assert_not(efd_readable(efd), "the eventfd fires with nothing ready");

	/* The first SYN-ACK makes the eventfd readable. */
	peer_accepts(&b, &syn[0], &ack);
	cr_assert(efd_readable(efd), "the eventfd did not fire");
	n = ep_wait(ep, ev, 8, 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(ev[0].data.u32, 0);
	cr_assert_eq(ev[0].events, EPOLLOUT);

	/* The others. */
	for (int i = 1; i < N; i++) {
		peer_accepts(&b, &syn[i], &ack);
	}
	cr_assert(efd_readable(efd));
	n = ep_wait(ep, ev, 8, 100);
	cr_assert_eq(n, N, "%d events", n);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(ev[i].data.u32, (uint32_t)i);
		cr_assert_eq(ev[i].events, EPOLLOUT, "fd %d: events 0x%x", i,
			ev[i].events);
	}
	/* Level-triggered ones again, the edge-triggered one not. */
	for (int k = 0; k < 2; k++) {
		n = ep_wait(ep, ev, 8, 0);
		cr_assert_eq(n, 2, "wait %d: %d events", k, n);
		cr_assert_eq(ev[0].data.u32, 0);
		cr_assert_eq(ev[1].data.u32, 1);
		cr_assert(efd_readable(efd), "wait %d: the eventfd is not readable "
			"with level-triggered events pending", k);
	}
	/* maxevents 1: one at a time, the other kept. */
	cr_assert_eq(ep_wait(ep, ev, 1, 0), 1);
	cr_assert(efd_readable(efd));
	cr_assert_eq(ep_wait(ep, ev, 8, 0), 2);

	/* Removed: no longer reported. */
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_DEL, fd[0], NULL), 0);
	n = ep_wait(ep, ev, 8, 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(ev[0].data.u32, 1);
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_DEL, fd[0], NULL), -1);
	cr_assert_eq(errno, ENOENT);

	for (int i = 0; i < N; i++) {
		cr_assert_eq(app_call(&b, OP_CLOSE, fd[i], 0, 0), 0);
		expect_close_fin(&b, &ack, &syn[i]);
	}
	cr_assert_eq(ep_wait(ep, ev, 8, 0), 0, "closed sockets leave the set");
	cr_assert_not(efd_readable(efd), "the eventfd fires for an empty set");
	cr_assert_eq(dps_close(ep), 0);
	down(&b);
}

/*
 * The eventfd of a set is "readable whenever the set may have events":
 * after a dps_epoll_wait() that reported a level-triggered event still
 * ready, it stays readable, as a nested Linux epoll stays readable while
 * its ready list holds level-triggered items. An application sleeping in
 * its kernel epoll on it (the documented use: wait for the eventfd, then
 * dps_epoll_wait() with timeout 0) is told again about a socket that
 * stays writable. An edge-triggered event, once reported, leaves it
 * quiet.
 */
Test(dpdk, connect_epoll_eventfd_level)
{
	struct bench b;
	struct seg syn, ack;
	struct epoll_event e = { .events = EPOLLOUT, .data.u32 = 7 }, ev[4];
	int fd, ep, efd;

	up(&b, "cepfd", 0, NULL);
	ep = dps_epoll_create();
	cr_assert_geq(ep, 0);
	efd = dps_epoll_eventfd(ep);
	cr_assert_geq(efd, 0);
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);

	/* Level-triggered. */
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), 0);
	cr_assert(efd_readable(efd));
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(ep_wait(ep, ev, 4, 0), 1, "wait %d", k);
		cr_assert_eq(ev[0].data.u32, 7);
		cr_assert_eq(ev[0].events, EPOLLOUT);
		cr_assert(efd_readable(efd), "wait %d: the eventfd is not readable "
			"while a level-triggered EPOLLOUT is still pending", k);
	}

	/* Edge-triggered: reported once, then quiet. */
	e.events = EPOLLOUT | EPOLLET;
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	cr_assert(efd_readable(efd));
	cr_assert_eq(ep_wait(ep, ev, 4, 0), 1);
	cr_assert_not(efd_readable(efd), "the eventfd is readable after the "
		"only edge-triggered event was reported");
	cr_assert_eq(ep_wait(ep, ev, 4, 0), 0);
	cr_assert_not(efd_readable(efd));

	/* Level-triggered again, then removed: quiet after one wait. */
	e.events = EPOLLOUT;
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e), 0);
	cr_assert_eq(ep_wait(ep, ev, 4, 0), 1);
	cr_assert(efd_readable(efd));
	cr_assert_eq(dps_epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), 0);
	cr_assert_eq(ep_wait(ep, ev, 4, 0), 0);
	cr_assert_not(efd_readable(efd), "the eventfd is readable for a set "
		"with no member");

	cr_assert_eq(dps_close(ep), 0);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* ---- 15. callbacks on the lcore -------------------------------------------- */

static struct cb_log {
	int connected, errors, readable, writable;
	int fd, err;
	void *arg;
	bool on_main;
	unsigned int lcore;
} cbl;

static pthread_t main_thread;

static void
cb_note(int fd, void *arg)
{
	cbl.fd = fd;
	cbl.arg = arg;
	cbl.on_main = pthread_equal(pthread_self(), main_thread);
	cbl.lcore = rte_lcore_id();
}

static void
cb_connected(int fd, void *arg)
{
	cbl.connected++;
	cb_note(fd, arg);
}

static void
cb_error(int fd, int err, void *arg)
{
	cbl.errors++;
	cbl.err = err;
	cb_note(fd, arg);
}

static void
cb_readable(int fd, void *arg)
{
	cbl.readable++;
	cb_note(fd, arg);
}

static void
cb_writable(int fd, void *arg)
{
	cbl.writable++;
	cb_note(fd, arg);
}

Test(dpdk, connect_callbacks_on_lcore)
{
	static const struct dps_sock_cbs cbs = {
		.connected = cb_connected, .error = cb_error,
		.readable = cb_readable, .writable = cb_writable,
	};
	struct bench b;
	struct dps_stack *s;
	struct sockaddr_in to = sin_of(PEER_IP, PEER_PORT);
	struct seg syn, syn1, ack;
	int fd, fd2, tag;

	s = up(&b, "ccb", 0, NULL);
	main_thread = pthread_self();
	/* The test thread is the stack's lcore: calls run inline. */
	cr_assert_eq(dps_stack_lcore_id(s, 0), rte_lcore_id());
	memset(&cbl, 0, sizeof(cbl));

	/* A blocking socket: on the lcore, connect never sleeps. */
	fd = tcp_sock(&b, false);
	cr_assert_eq(dps_set_callbacks(fd, &cbs, &tag), 0);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	cr_assert_eq(conn_state(fd, NULL), DPS_TCP_SYN_SENT, "connected inline, "
		"no ring hop");
	cr_assert_eq(cnt(&b, 0).req_rx, 0, "nothing went through the ring");
	cr_assert_eq(cbl.connected, 0);
	get_seg(&b, &syn);
	check_syn(&syn, PEER_PORT);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EALREADY);
	cr_assert_eq(cbl.connected, 0);

	peer_synack(&b, &syn);
	cr_assert_eq(cbl.connected, 0, "fired before the SYN-ACK was polled");
	get_seg(&b, &ack);		/* polls */
	check_final_ack(&ack, &syn);
	cr_assert_eq(cbl.connected, 1, "connected callback: %d", cbl.connected);
	cr_assert_eq(cbl.errors, 0);
	cr_assert_eq(cbl.fd, fd);
	cr_assert_eq(cbl.arg, &tag);
	cr_assert(cbl.on_main, "the callback ran on another thread");
	cr_assert_eq(cbl.lcore, rte_lcore_id());
	settle(&b);
	cr_assert_eq(cbl.connected, 1, "once");
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	syn1 = syn;

	/* A refused one: the error callback, which consumes SO_ERROR. */
	fd2 = tcp_sock(&b, true);
	cr_assert_eq(dps_set_callbacks(fd2, &cbs, NULL), 0);
	cr_assert_eq(dps_connect(fd2, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	get_seg(&b, &syn);
	peer_rst(&b, &syn, 0, syn.seq + 1, DPS_TH_ACK);
	settle(&b);
	cr_assert_eq(cbl.errors, 1);
	cr_assert_eq(cbl.err, ECONNREFUSED, "error callback: %s", strerror(cbl.err));
	cr_assert_eq(cbl.fd, fd2);
	cr_assert_null(cbl.arg);
	cr_assert(cbl.on_main);
	cr_assert_eq(cbl.connected, 1);
	cr_assert_eq(so_error(fd2), 0);

	/* Callbacks removed: nothing fires. */
	cr_assert_eq(dps_set_callbacks(fd2, NULL, NULL), 0);
	cr_assert_eq(dps_connect(fd2, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, ECONNABORTED);
	cr_assert_eq(dps_connect(fd2, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	get_seg(&b, &syn);
	peer_rst(&b, &syn, 0, syn.seq + 1, DPS_TH_ACK);
	settle(&b);
	cr_assert_eq(cbl.errors, 1);
	cr_assert_eq(so_error(fd2), ECONNREFUSED);

	/* Closing on the lcore is inline too: the FIN is out at once. */
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn1);
	cr_assert_eq(conns(&b), 0, "closed inline");
	cr_assert_eq(dps_close(fd2), 0);
	cr_assert_eq(cbl.errors, 1, "close fires no error");
	cr_assert_eq(cnt(&b, 0).req_rx, 0);
	down(&b);
}

/*
 * A stack keeps each distinct callback set once (the sockets name theirs
 * in a byte): the same set on many sockets takes one entry, 255 distinct
 * sets fit, the 256th is refused with ENOBUFS and the socket keeps what
 * it had; the sets in use still fire.
 */
Test(dpdk, connect_callback_sets_interned)
{
	struct bench b;
	struct dps_sock_cbs cbs;
	struct sockaddr_in to = sin_of(PEER_IP, PEER_PORT);
	struct seg syn, ack;
	int fd, tag;

	up(&b, "ccbi", 0, NULL);
	main_thread = pthread_self();
	memset(&cbl, 0, sizeof(cbl));
	fd = tcp_sock(&b, false);
	for (uintptr_t i = 0; i < 255; i++) {
		memset(&cbs, 0, sizeof(cbs));
		cbs.connected = cb_connected;
		cbs.acceptable = (void (*)(int, void *))(i + 1);	/* distinct, never called */
		cr_assert_eq(dps_set_callbacks(fd, &cbs, &tag), 0, "set %lu: %s",
			(unsigned long)i, strerror(errno));
		cr_assert_eq(dps_set_callbacks(fd, &cbs, &tag), 0, "the same again");
	}
	memset(&cbs, 0, sizeof(cbs));
	cbs.connected = cb_connected;
	cbs.acceptable = (void (*)(int, void *))(uintptr_t)1000;
	cr_assert_eq(dps_set_callbacks(fd, &cbs, NULL), -1);
	cr_assert_eq(errno, ENOBUFS, "the 256th set: %s", strerror(errno));
	/* The socket kept its last set, which fires. */
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	get_seg(&b, &syn);
	peer_synack(&b, &syn);
	get_seg(&b, &ack);
	cr_assert_eq(cbl.connected, 1);
	cr_assert_eq(cbl.arg, &tag);
	cr_assert_eq(dps_set_callbacks(fd, NULL, NULL), 0, "removing needs no entry");
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/* ---- 16. closing --------------------------------------------------------------- */

Test(dpdk, connect_close)
{
	/* One port: a close must give it back for the next connect. */
	const struct dps_sock_conf sc = { .port_lo = 40000, .port_hi = 40000 };
	struct bench b;
	struct seg syn, s;
	int fd;

	up(&b, "cclose", 0, &sc);

	/* Connecting: nothing on the wire. */
	fd = tcp_sock(&b, true);
	cr_assert_eq(connect_call(&b, fd, PEER_PORT), EINPROGRESS);
	get_seg(&b, &syn);
	cr_assert_eq(syn.sport, 40000);
	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_silence(&b, "closing in SYN_SENT");
	check_released(&b);
	/* The peer's late SYN-ACK meets no connection: a RST alone, at its
	 * ACK. */
	peer_synack(&b, &syn);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.seq, syn.seq + 1);
	cr_assert_eq(s.ack, 0);

	/* Established, closed from a thread: RST|ACK at snd_nxt, acking
	 * rcv_nxt. */
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(syn.sport, 40000, "the port was given back");
	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_close_fin(&b, &s, &syn);
	cr_assert_eq(s.sport, 40000);
	cr_assert_eq(s.dport, PEER_PORT);
	expect_silence(&b, "one RST");
	check_released(&b);
	/* The peer's next segment meets no connection: a RST alone. */
	peer_tcp(&b, PEER_PORT, 40000, PEER_ISN + 1, syn.seq + 1, DPS_TH_ACK,
		PEER_WIN >> PEER_WS, NULL, 0);
	get_seg(&b, &s);
	cr_assert_eq(s.flags, DPS_TH_RST);
	cr_assert_eq(s.seq, syn.seq + 1);
	cr_assert_eq(s.ack, 0);

	/* Established, closed on the lcore (inline): the same. */
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(syn.sport, 40000);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s, &syn);
	cr_assert_eq(conns(&b), 0);
	expect_silence(&b, "one RST");
	check_released(&b);

	/* A descriptor closed twice. */
	cr_assert_eq(dps_close(fd), -1);
	cr_assert_eq(errno, EBADF);

	/* And the port serves once more. */
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(syn.sport, 40000);
	cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
	expect_close_fin(&b, &s, &syn);
	down(&b);
}

/*
 * A next hop that never answers ARP fails the sockets whose SYN waits
 * for it (EHOSTUNREACH) while the same table holds TIME_WAIT entries,
 * which are tagged pointers, not sockets: the walk must skip them (a
 * load generator whose server vanished has thousands). Read as sockets,
 * they are misaligned loads, which UBSan stops on in the sanitizer run.
 */
Test(dpdk, connect_arp_failure_beside_time_wait)
{
	struct sockaddr_in to = sin_of(NOBODY_IP, PEER_PORT);
	struct dps_stack *st;
	struct bench b;
	struct seg syn, s;
	int fd, err = 0;

	st = up(&b, "carptw", 0, NULL);
	for (int k = 0; k < 3; k++) {
		fd = tcp_sock(&b, true);
		connect_established(&b, fd, PEER_PORT, &syn);
		cr_assert_eq(app_call(&b, OP_CLOSE, fd, 0, 0), 0);
		get_seg(&b, &s);
		cr_assert_eq(s.flags, DPS_TH_FIN | DPS_TH_ACK);
		peer_tcp(&b, PEER_PORT, syn.sport, PEER_ISN + 1, syn.seq + 2,
			DPS_TH_FIN | DPS_TH_ACK, PEER_WIN >> PEER_WS, NULL, 0);
		get_seg(&b, &s);
		cr_assert_eq(s.flags, DPS_TH_ACK, "ACK of the FIN, into TIME_WAIT");
	}
	cr_assert_eq(dps_tcp_tw_count(st->lc[0]), 3);

	fd = tcp_sock(&b, true);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	for (int i = 0; i < 50 && err == 0; i++) {
		run(&b, 1, 100 * MS);
		peer_flush(&b);			/* the unanswered ARP requests */
		err = so_error(fd);
	}
	cr_assert_eq(err, EHOSTUNREACH, "SO_ERROR %d", err);
	cr_assert_eq(dps_tcp_tw_count(st->lc[0]), 3, "TIME_WAIT entries untouched");
	cr_assert_eq(dps_close(fd), 0);
	/* The TIME_WAIT entries end on their own (60 s). */
	for (int i = 0; i < 70 && dps_tcp_tw_count(st->lc[0]) != 0; i++)
		run(&b, 1, 1000 * MS);
	cr_assert_eq(dps_tcp_tw_count(st->lc[0]), 0);
	down(&b);
}

/* ---- 17. the connection table and wake-ups ------------------------------------ */

/*
 * The connection table's count returns to 0 once the last connection is
 * gone, and stays equal to what a walk finds while connections come and
 * go. (With rte_hash, deleted key slots waited in a QSBR defer queue and
 * the count lagged until a housekeeping tick; the table now reuses a
 * slot at once.) Lookups stop finding a deleted key at once.
 */
Test(dpdk, connect_table_count)
{
	enum { ROUNDS = 20 };
	struct bench b;
	struct dps_stack *s;
	struct seg syn, s2;
	int fd;

	s = up(&b, "ccount", 0, NULL);
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(dps_ctab_count(dps_tcp_lc(s->lc[0])->conns), 1);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &s2, &syn);
	cr_assert_eq(table_live(s->lc[0]), 0, "a lookup finds a closed connection");
	cr_assert_eq(conns(&b), 0);
	cr_assert_eq(dps_ctab_count(dps_tcp_lc(s->lc[0])->conns), 0, "count %u with "
		"no connection left", dps_ctab_count(dps_tcp_lc(s->lc[0])->conns));

	/* Churn: connections come and go, the count follows. */
	for (int i = 0; i < ROUNDS; i++) {
		fd = tcp_sock(&b, true);
		connect_established(&b, fd, PEER_PORT, &syn);
		cr_assert_eq(table_live(s->lc[0]), 1);
		cr_assert_eq(app_call(&b, i % 2 ? OP_CLOSE : OP_UNSPEC, fd, 0, 0), 0);
		if (i % 2) {
			expect_close_fin(&b, &s2, &syn);
		} else {
			expect_abort_rst(&b, &s2, &syn);
			cr_assert_eq(dps_close(fd), 0);
		}
		run(&b, 2, DPS_TICK_NS);
		cr_assert_eq(dps_ctab_count(dps_tcp_lc(s->lc[0])->conns), 0, "round %d: "
			"count %u", i, dps_ctab_count(dps_tcp_lc(s->lc[0])->conns));
	}
	down(&b);
}

/*
 * dps_poll() does not take the wake-up of a thread blocked in connect on
 * the same socket: with timeout 0 it arms nothing, and a blocking poll
 * waits in its own slot. Before, the poller replaced the connecting
 * thread as the socket's only waiter, and connect noticed the
 * established connection only at its next 100 ms safety wake-up.
 */
Test(dpdk, connect_wakeup_not_stolen_by_poll)
{
	struct bench b;
	struct seg syn, ack;
	struct app a, p;
	double t_up, late;
	int fd;

	up(&b, "csteal", 0, NULL);

	/* A poll with timeout 0 while connect sleeps. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	usleep(5000);			/* the thread is asleep in connect */
	cr_assert_eq(poll1(fd, POLLOUT, 0), 0);
	peer_accepts(&b, &syn, &ack);
	t_up = real_s();
	cr_assert_eq(app_join(&b, &a), 0);
	late = a.t_end - t_up;
	cr_log_info("connect returned %.1f ms after the connection was up",
		late * 1e3);
	cr_assert_lt(late, 0.05, "connect returned %.0f ms after the "
		"connection was up: the poller took its wake-up", late * 1e3);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);

	/* A thread blocked in dps_poll and one blocked in connect on the same
	 * socket: both are woken at once. */
	fd = tcp_sock(&b, false);
	app_start(&a, OP_CONNECT, fd, PEER_IP, PEER_PORT);
	get_seg(&b, &syn);
	app_start_poll(&p, fd, POLLOUT, 5000);
	usleep(5000);			/* both asleep */
	cr_assert_not(app_done(&a));
	cr_assert_not(app_done(&p), "dps_poll returned while connecting");
	peer_accepts(&b, &syn, &ack);
	t_up = real_s();
	cr_assert_eq(app_join(&b, &a), 0);
	cr_assert_eq(app_join(&b, &p), 0);
	cr_assert_eq(p.rc, 1, "dps_poll: %d", p.rc);
	cr_assert_eq(p.revents, POLLOUT);
	cr_log_info("connect %.1f ms, poll %.1f ms after the connection was up",
		(a.t_end - t_up) * 1e3, (p.t_end - t_up) * 1e3);
	cr_assert_lt(a.t_end - t_up, 0.05, "connect returned %.0f ms late",
		(a.t_end - t_up) * 1e3);
	cr_assert_lt(p.t_end - t_up, 0.05, "dps_poll returned %.0f ms late",
		(p.t_end - t_up) * 1e3);
	cr_assert_eq(dps_close(fd), 0);
	expect_close_fin(&b, &ack, &syn);
	down(&b);
}

/*
 * Aborting a synchronised connection (close() until the orderly close
 * exists, AF_UNSPEC) sends Linux's tcp_send_active_reset(): RST|ACK at
 * snd_nxt, acking rcv_nxt (measured on this machine: AF_UNSPEC on an
 * established loopback connection sends flags 0x14). A RST answering a
 * segment for no connection, or a bad ACK in SYN_SENT, stays a RST alone
 * at the segment's ACK (connect_no_connection_rst,
 * connect_rst_and_bad_ack).
 */
Test(dpdk, connect_abort_rst_ack)
{
	struct bench b;
	struct seg syn, s;
	int fd;

	up(&b, "crstack", 0, NULL);
	fd = tcp_sock(&b, true);
	connect_established(&b, fd, PEER_PORT, &syn);
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd, 0, 0), 0);
	expect_abort_rst(&b, &s, &syn);
	expect_silence(&b, "one RST");
	cr_assert_eq(cnt(&b, 0).tcp_tx_rst, 1);
	cr_assert_eq(dps_close(fd), 0);
	expect_silence(&b, "closing a reset socket");
	down(&b);
}

/* Address checks made before anything is posted (no SYN, no entry). A row
 * calls dps_connect() inline with @sa, or from an application thread
 * (through the request ring) to @ip. */
Test(dpdk, connect_address_checks)
{
	struct bench b;
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	struct sockaddr_in mc = sin_of(IP(224, 0, 0, 1), 80);
	struct sockaddr_in in = sin_of(PEER_IP, 80);
	const struct {
		const char *what;
		bool thread;		/* from a thread to ip, else inline to sa */
		int fd;			/* -1: the test's socket */
		const void *sa;
		socklen_t len;
		uint32_t ip;
		int err;
	} c[] = {
		{ "addrlen 1", false, -1, &in, 1, 0, EINVAL },
		{ "short sockaddr_in", false, -1, &in, sizeof(in) - 1, 0, EINVAL },
		{ "oversize addrlen", false, -1, &in, 4096, 0, EINVAL },
		{ "NULL address", false, -1, NULL, sizeof(in), 0, EFAULT },
		{ "AF_INET6 address", false, -1, &six, sizeof(six), 0, EAFNOSUPPORT },
		{ "no such descriptor", false, 12345, &in, sizeof(in), 0, EBADF },
		{ "no route", true, -1, NULL, 0, FAR_IP, ENETUNREACH },
		{ "TCP to a broadcast address", true, -1, NULL, 0, BCAST_IP,
		  ENETUNREACH },
		{ "TCP to multicast", false, -1, &mc, sizeof(mc), 0, ENETUNREACH },
		{ "0.0.0.0 (no loopback device)", true, -1, NULL, 0, 0, ENETUNREACH },
		{ "our own address (no loopback device)", true, -1, NULL, 0, A_IP,
		  ENETUNREACH },
	};
	int fd;

	up(&b, "caddr", 0, NULL);
	fd = tcp_sock(&b, true);
	for (size_t i = 0; i < RTE_DIM(c); i++) {
		int rfd = c[i].fd < 0 ? fd : c[i].fd, err;

		if (c[i].thread) {
			err = app_call(&b, OP_CONNECT, rfd, c[i].ip, 80);
		} else {
			cr_assert_eq(dps_connect(rfd, c[i].sa, c[i].len), -1,
				"%s: connect succeeded", c[i].what);
			err = errno;
		}
		cr_assert_eq(err, c[i].err, "%s: %s, want %s", c[i].what,
			strerror(err), strerror(c[i].err));
	}
	cr_assert_eq(name_of(fd).sin_port, 0);
	cr_assert_eq(conns(&b), 0);
	cr_assert_eq(dps_close(fd), 0);
	expect_silence(&b, "failed checks send nothing");
	down(&b);
}

/* ---- IP_BIND_ADDRESS_NO_PORT ------------------------------------------------- */

#define A2_IP		IP(198, 18, 0, 3)	/* the stack's second address */

/* Stack A with a second address A2_IP and ports 40000-40003. */
static void
up_two_addrs(struct bench *b, const char *wname)
{
	const struct dps_sock_conf sc = { .port_lo = 40000, .port_hi = 40003 };
	struct dps_addr a2 = dps_addr_v4(A2_IP), pa = dps_addr_v4(PEER_IP);
	struct dps_stack *s;

	bench_up(b, wname, NULL, true);
	s = stack_new(b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a2, 24), 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	cr_assert_eq(dps_stack_set_sock_conf(s, &sc), 0);
	stack_start(b, 0);
	settle(b);
	peer_flush(b);
	base.socks = dps_pool_in_use(dps_socks(s)->pool);
	base.mbufs = dps_test_pool_in_use(b->pool);
	base.pmbufs = dps_test_pool_in_use(b->ppool);
}

/* The next frame must be a SYN from @src to the peer's @dport: its
 * source port. */
static uint16_t
get_syn_from(struct bench *b, uint32_t src, uint16_t dport)
{
	double t_end = real_s() + 5;
	const uint8_t *ip;
	struct rte_mbuf *m;
	uint16_t sport;

	peer_collect(b);
	while (b->rx_n == 0) {
		step(b, 0);
		if (b->rx_n == 0)
			usleep(10);
		cr_assert_lt(real_s(), t_end, "no segment from the stack");
	}
	m = peer_pop(b);
	ip = check_ip_frame(m, &b->mac[0], src, PEER_IP, IPPROTO_TCP);
	sport = rd16(ip + 20);
	cr_assert_eq(rd16(ip + 22), dport);
	cr_assert_eq(ip[33], DPS_TH_SYN, "a SYN, flags 0x%02x", ip[33]);
	rte_pktmbuf_free(m);
	return sport;
}

/* A non-blocking TCP socket with IP_BIND_ADDRESS_NO_PORT bound to @ip:0. */
static int
noport_sock(struct bench *b, uint32_t ip)
{
	struct sockaddr_in a = sin_of(ip, 0);
	int fd = tcp_sock(b, true), v = -1;
	socklen_t len = sizeof(v);

	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &v, &len), 0);
	cr_assert_eq(v, 0);
	set_int(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &v, &len), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(name_of(fd).sin_addr.s_addr, ip);
	cr_assert_eq(name_of(fd).sin_port, 0, "no port is taken at bind");
	return fd;
}

/*
 * bind(addr, 0) with IP_BIND_ADDRESS_NO_PORT (Linux __inet_bind() and
 * __inet_hash_connect()): connect() autobinds from the bound address, even
 * ports first, one port per 4-tuple, ports shared between destinations
 * and between addresses; a plain bind(addr, 0) then finds no port; after
 * AF_UNSPEC the address stays and the port is free again.
 */
Test(dpdk, connect_bind_address_no_port)
{
	enum { N = 4 };
	struct sockaddr_in a2 = sin_of(A2_IP, 0);
	struct bench b;
	bool seen[N] = { false };
	uint16_t port[N], p;
	int fd[N], extra, other, plain, again;

	up_two_addrs(&b, "cnoport");
	for (int i = 0; i < N; i++) {
		fd[i] = noport_sock(&b, A2_IP);
		cr_assert_eq(connect_call(&b, fd[i], PEER_PORT), EINPROGRESS,
			"connect %d", i);
		port[i] = get_syn_from(&b, A2_IP, PEER_PORT);
		cr_assert(port[i] >= 40000 && port[i] <= 40003, "port %u", port[i]);
		cr_assert_not(seen[port[i] - 40000], "port %u twice", port[i]);
		seen[port[i] - 40000] = true;
		cr_assert_eq(port[i] % 2, i < 2 ? 0 : 1,
			"connect %d got port %u: even ports first", i, port[i]);
		cr_assert_eq(name_of(fd[i]).sin_addr.s_addr, A2_IP);
		cr_assert_eq(ntohs(name_of(fd[i]).sin_port), port[i]);
	}

	/* No 4-tuple left to this peer from A2; the address stays bound. */
	extra = noport_sock(&b, A2_IP);
	cr_assert_eq(connect_call(&b, extra, PEER_PORT), EADDRNOTAVAIL);
	expect_silence(&b, "EADDRNOTAVAIL sends nothing");
	cr_assert_eq(name_of(extra).sin_addr.s_addr, A2_IP);
	cr_assert_eq(name_of(extra).sin_port, 0);

	/* Another destination port: the ports are shared. */
	cr_assert_eq(connect_call(&b, extra, PEER_PORT + 1), EINPROGRESS);
	p = get_syn_from(&b, A2_IP, PEER_PORT + 1);
	cr_assert(p >= 40000 && p <= 40003 && p % 2 == 0, "port %u", p);

	/* Another source address: the ports are shared too. */
	other = noport_sock(&b, A_IP);
	cr_assert_eq(connect_call(&b, other, PEER_PORT), EINPROGRESS);
	p = get_syn_from(&b, A_IP, PEER_PORT);
	cr_assert(p >= 40000 && p <= 40003 && p % 2 == 0, "port %u", p);

	/* A plain bind(addr, 0) wants a port nobody uses: none is left. */
	plain = tcp_sock(&b, true);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&a2, sizeof(a2)), -1);
	cr_assert_eq(errno, EADDRINUSE);

	/* AF_UNSPEC keeps the bound address, shows the old port (Linux keeps
	 * inet_sport) and frees the 4-tuple for the next connect. */
	cr_assert_eq(app_call(&b, OP_UNSPEC, fd[0], 0, 0), 0);
	expect_silence(&b, "AF_UNSPEC in SYN_SENT sends no RST");
	cr_assert_eq(name_of(fd[0]).sin_addr.s_addr, A2_IP);
	cr_assert_eq(ntohs(name_of(fd[0]).sin_port), port[0]);
	again = noport_sock(&b, A2_IP);
	cr_assert_eq(connect_call(&b, again, PEER_PORT), EINPROGRESS);
	cr_assert_eq(get_syn_from(&b, A2_IP, PEER_PORT), port[0]);

	/* A nonzero port ignores the option: an ordinary bind. */
	a2.sin_port = htons(40001);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&a2, sizeof(a2)), -1,
		"40001 is used by connections");
	a2.sin_port = htons(5000);
	set_int(plain, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&a2, sizeof(a2)), 0);
	cr_assert_eq(ntohs(name_of(plain).sin_port), 5000);

	for (int i = 0; i < N; i++)
		cr_assert_eq(app_call(&b, OP_CLOSE, fd[i], 0, 0), 0);
	cr_assert_eq(app_call(&b, OP_CLOSE, extra, 0, 0), 0);
	cr_assert_eq(app_call(&b, OP_CLOSE, other, 0, 0), 0);
	cr_assert_eq(app_call(&b, OP_CLOSE, again, 0, 0), 0);
	cr_assert_eq(app_call(&b, OP_CLOSE, plain, 0, 0), 0);
	down(&b);
}

/*
 * The connection table's hash is keyed (dps_tcp_hash()): tuples that
 * share a home slot under one stack's multipliers are spread under
 * another's like any tuples, so a peer who does not know the key cannot
 * aim many connections at one probe cluster. (With CRC32-C, which is
 * linear, the colliding pairs would collide under every seed.)
 */
static int
cmp_home(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a >> 16, y = *(const uint32_t *)b >> 16;

	return x < y ? -1 : x > y;
}

Test(dpdk, connect_table_hash_is_keyed)
{
	enum { N = 20000, HOME_BITS = 12 };
	static struct dps_sockets ka, kb;
	static uint32_t ent[N];		/* home under A << 16 | index */
	static struct dps_tuple t[N];
	unsigned int pairs = 0, both = 0;

	srand(4242);
	for (unsigned int i = 0; i < RTE_DIM(ka.tab_key); i++) {
		ka.tab_key[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();
		kb.tab_key[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();
	}
	for (unsigned int i = 0; i < N; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].laddr = htonl(0xc6120001);
		t[i].raddr = htonl(0xc6130000 + i / 64);
		t[i].lport = htons(80);
		t[i].rport = htons((uint16_t)(10000 + i % 64));
		t[i].proto = IPPROTO_TCP;
		ent[i] = (dps_tcp_hash(&ka, &t[i]) >> (32 - HOME_BITS)) << 16 | i;
	}
	qsort(ent, N, sizeof(ent[0]), cmp_home);
	for (unsigned int i = 1; i < N; i++) {
		uint32_t x = ent[i - 1] & 0xffff, y = ent[i] & 0xffff;

		if (ent[i - 1] >> 16 != ent[i] >> 16)
			continue;
		pairs++;
		both += dps_tcp_hash(&kb, &t[x]) >> (32 - HOME_BITS) ==
			dps_tcp_hash(&kb, &t[y]) >> (32 - HOME_BITS);
	}
	cr_log_info("%u pairs share a home under A, %u of them under B too", pairs, both);
	cr_assert_gt(pairs, 10000, "too few pairs to judge: %u", pairs);
	/* Chance is 1 in 4,096: about 4 of 16,000. */
	cr_assert_lt(both, pairs / 200, "%u of %u pairs collide under both keys", both, pairs);
}

/*
 * A connection's first IPv4 ID is random (Linux: get_random_u16() at
 * connect and accept), drawn from a per-lcore generator seeded at first
 * use (dps_tcp_rand16()): the IDs of many connections spread over the 16
 * bits, and two lcores do not repeat each other.
 */
Test(dpdk, connect_ip_id_is_random)
{
	enum { N = 4096 };
	static uint8_t seen[65536];
	static struct dps_tcp_lcore la, lb;
	unsigned int distinct = 0, same = 0, high[2] = { 0, 0 };

	for (unsigned int i = 0; i < N; i++) {
		uint16_t a = dps_tcp_rand16(&la), b = dps_tcp_rand16(&lb);

		distinct += seen[a] == 0;
		seen[a] = 1;
		same += a == b;
		high[a >> 15]++;
	}
	cr_assert_neq(la.rng, 0, "seeded");
	/* 4,096 draws from 65,536 give about 3,970 distinct values. */
	cr_assert_gt(distinct, 3800, "%u distinct IDs of %u", distinct, N);
	cr_assert_lt(same, 10, "%u draws the same on both lcores", same);
	cr_assert(high[0] > N / 3 && high[1] > N / 3, "top bit %u/%u", high[0], high[1]);
}

/* ---- SO_REUSEPORT groups ---------------------------------------------------- */

/* A listener in @port's SO_REUSEPORT group, listening from the calling
 * thread (the test thread is stack lcore 0: the member's home). */
static int
rp_listener(struct bench *b, uint16_t port, bool do_listen)
{
	struct sockaddr_in at = sin_of(INADDR_ANY, port);
	int fd = tcp_sock(b, true);

	set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), 0,
		"bind: %s", strerror(errno));
	if (do_listen)
		cr_assert_eq(dps_listen(fd, 64), 0, "listen: %s", strerror(errno));
	return fd;
}

static void *
listen_thread(void *arg)
{
	int *fd = arg;

	*fd = dps_listen(*fd, 64) == 0 ? *fd : -errno;
	return NULL;
}

/* listen() from a pthread that is no stack lcore: a member at home
 * nowhere. */
static void
listen_off_lcore(int fd)
{
	pthread_t th;
	int r = fd;

	cr_assert_eq(pthread_create(&th, NULL, listen_thread, &r), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(r, fd, "listen: %s", strerror(-r));
}

/* The peer's handshake from @sport to @dport, completed. */
static void
peer_handshake(struct bench *b, uint16_t sport, uint16_t dport)
{
	struct seg s;

	peer_tcp(b, sport, dport, 1000, 0, DPS_TH_SYN, 65535, NULL, 0);
	get_seg(b, &s);
	cr_assert_eq(s.flags, DPS_TH_SYN | DPS_TH_ACK, "SYN-ACK to %u", sport);
	peer_tcp(b, sport, dport, 1001, s.seq + 1, DPS_TH_ACK, 65535, NULL, 0);
}

/* @n handshakes from peer ports @sport.. to @dport, settled. */
static void
peer_handshakes(struct bench *b, uint16_t sport, unsigned int n, uint16_t dport)
{
	for (unsigned int i = 0; i < n; i++)
		peer_handshake(b, (uint16_t)(sport + i), dport);
	run(b, 2, MS);
}

/* Two members of @port's group: one at home nowhere (*@away), listening
 * first, and one at home on lcore 0 (returned). */
static int
rp_pair(struct bench *b, uint16_t port, int *away)
{
	*away = rp_listener(b, port, false);
	listen_off_lcore(*away);
	return rp_listener(b, port, true);
}

/* Accept every child waiting on @lfd; each must be owned by lcore 0, the
 * accepting member's home. Returns how many; closes them. */
static unsigned int
accept_all(int lfd)
{
	unsigned int n = 0;
	int fd, owner;

	while ((fd = dps_accept_lcore(lfd, NULL, NULL, SOCK_NONBLOCK, &owner)) >= 0) {
		cr_assert_eq(owner, 0, "child owned by lcore %d", owner);
		cr_assert_eq(dps_close(fd), 0);
		n++;
	}
	cr_assert_eq(errno, EAGAIN, "accept: %s", strerror(errno));
	return n;
}

/* The peer resets its end of every connection from ports @lo.. @lo+@n-1
 * (the children closed above wait in FIN_WAIT1). */
static void
peer_reset_all(struct bench *b, uint16_t lo, unsigned int n, uint16_t dport)
{
	for (unsigned int i = 0; i < n; i++)
		peer_tcp(b, (uint16_t)(lo + i), dport, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	run(b, 2, MS);
}

/*
 * A group of four members spreads connections over all of them by the
 * hash of the 4-tuple (Linux's reciprocal_scale(hash, members)), each
 * child queued on one member only; each child is owned by the lcore its
 * member is at home on (the only one, 0), and the group counts as four
 * listeners. The peer's ports are consecutive, as a client's are: the
 * choice must spread them for any of the stack's random hash keys
 * (tcp_group_hash() in dps_tcp_reuseport.c).
 */
Test(dpdk, connect_reuseport_spread)
{
	enum { MEMBERS = 4, CONNS = 64, PORT = 7790 };
	struct bench b;
	uint32_t st[DPS_TCP_STATE_COUNT];
	unsigned int got[MEMBERS], total = 0;
	uint16_t sport[CONNS];
	int lfd[MEMBERS];

	for (unsigned int i = 0; i < CONNS; i++)
		sport[i] = (uint16_t)(41000 + i);
	up(&b, "crpspr", 0, NULL);
	for (int i = 0; i < MEMBERS; i++)
		lfd[i] = rp_listener(&b, PORT, true);
	dps_stack_tcp_states(b.s[0], st);
	cr_assert_eq(st[DPS_TCP_LISTEN], MEMBERS, "listeners: %u", st[DPS_TCP_LISTEN]);
	for (unsigned int i = 0; i < CONNS; i++)
		peer_handshake(&b, sport[i], PORT);
	run(&b, 2, MS);
	cr_assert_eq(conns(&b), CONNS);
	for (int i = 0; i < MEMBERS; i++) {
		got[i] = accept_all(lfd[i]);
		total += got[i];
		cr_assert_gt(got[i], 0, "member %d took none of %u", i, CONNS);
	}
	cr_assert_eq(total, CONNS, "each child on one member: %u", total);
	for (int i = 0; i < MEMBERS; i++)
		cr_assert_eq(dps_close(lfd[i]), 0);
	for (unsigned int i = 0; i < CONNS; i++)
		peer_tcp(&b, sport[i], PORT, 1001, 0, DPS_TH_RST, 0, NULL, 0);
	run(&b, 2, MS);
	down(&b);
}

/*
 * The member at home on the SYN's lcore takes it, whatever the hash
 * says: a member that listened from a thread that is no stack lcore gets
 * nothing while one at home on lcore 0 exists, and everything once that
 * one is gone (the hash's member then, as Linux without SO_INCOMING_CPU).
 */
Test(dpdk, connect_reuseport_home_first)
{
	enum { PORT = 7791, SPORT = 41100, N = 16 };
	struct bench b;
	int home, away;

	up(&b, "crphome", 0, NULL);
	home = rp_pair(&b, PORT, &away);
	peer_handshakes(&b, SPORT, N, PORT);
	cr_assert_eq(accept_all(away), 0, "the member at home nowhere took some");
	cr_assert_eq(accept_all(home), N);
	cr_assert_eq(dps_close(home), 0);
	run(&b, 2, MS);
	peer_flush(&b);			/* the closed children's FINs */
	peer_reset_all(&b, SPORT, N, PORT);
	peer_handshakes(&b, SPORT + N, N, PORT);
	cr_assert_eq(accept_all(away), N, "the member left takes all");
	cr_assert_eq(dps_close(away), 0);
	peer_reset_all(&b, SPORT + N, N, PORT);
	down(&b);
}

/*
 * A member that closes leaves the group: the children waiting in its
 * accept queue are reset (Linux's inet_csk_listen_stop()), not handed to
 * the member left, which takes the next connections; the port stays the
 * group's (a socket without SO_REUSEPORT cannot bind it) until the last
 * member goes. Every socket, port hold and mbuf comes back (down()).
 */
Test(dpdk, connect_reuseport_close_member)
{
	enum { PORT = 7792, SPORT = 41200, N = 3 };
	struct sockaddr_in at = sin_of(INADDR_ANY, PORT);
	struct bench b;
	struct seg s;
	int home, away, plain;

	up(&b, "crpclose", 0, NULL);
	home = rp_pair(&b, PORT, &away);
	peer_handshakes(&b, SPORT, N, PORT);
	cr_assert_eq(conns(&b), N);
	cr_assert_eq(dps_close(home), 0);
	run(&b, 2, MS);
	for (unsigned int i = 0; i < N; i++) {
		get_seg(&b, &s);
		cr_assert(s.flags & DPS_TH_RST, "a RST for each queued child");
	}
	expect_silence(&b, "after the resets");
	cr_assert_eq(conns(&b), 0, "the queued children are gone");
	cr_assert_eq(accept_all(away), 0, "nothing handed over");

	plain = tcp_sock(&b, true);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&at, sizeof(at)), -1);
	cr_assert_eq(errno, EADDRINUSE, "%s", strerror(errno));
	peer_handshakes(&b, SPORT + N, 1, PORT);
	cr_assert_eq(accept_all(away), 1, "the member left takes it");
	cr_assert_eq(dps_close(away), 0);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&at, sizeof(at)), -1,
		"the closed child still holds the port");
	peer_reset_all(&b, SPORT + N, 1, PORT);
	cr_assert_eq(dps_bind(plain, (struct sockaddr *)&at, sizeof(at)), 0,
		"free once the group and its children are gone: %s", strerror(errno));
	cr_assert_eq(dps_close(plain), 0);
	down(&b);
}

/* Datagrams waiting on UDP socket @fd, read and counted. */
static unsigned int
udp_drain(int fd)
{
	char buf[64];
	unsigned int n = 0;

	while (dps_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	cr_assert_eq(errno, EAGAIN, "recv: %s", strerror(errno));
	return n;
}

/* @n datagrams from peer ports @sport.. to @dport, settled. */
static void
peer_udps(struct bench *b, uint16_t sport, unsigned int n, uint16_t dport)
{
	uint8_t f[FRAME_MAX];

	for (unsigned int i = 0; i < n; i++) {
		peer_send(b, f, mk_udp(f, &b->mac[0], A_IP, (uint16_t)(sport + i),
			dport, 8));
		if (i % 8 == 7)		/* within the wire's ring */
			run(b, 1, MS);
	}
	run(b, 2, MS);
}

/*
 * Two UDP sockets with SO_REUSEPORT share a port: datagrams from many
 * source ports are spread over both by the hash of the 4-tuple, each to
 * one; once one closes, the other gets them all; a socket without the
 * option cannot bind the port until both are gone; every mbuf and port
 * comes back.
 */
Test(dpdk, connect_reuseport_udp)
{
	enum { PORT = 7793, SPORT = 42000, N = 64 };
	struct sockaddr_in at = sin_of(INADDR_ANY, PORT);
	struct bench b;
	unsigned int a, z;
	int fd[3];

	up(&b, "crpudp", 0, NULL);
	for (int i = 0; i < 3; i++) {
		fd[i] = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM, 0);
		cr_assert_geq(fd[i], 0);
		if (i < 2)
			set_int(fd[i], SOL_SOCKET, SO_REUSEPORT, 1);
		cr_assert_eq(dps_bind(fd[i], (struct sockaddr *)&at, sizeof(at)),
			i < 2 ? 0 : -1, "bind %d: %s", i, strerror(errno));
	}
	cr_assert_eq(errno, EADDRINUSE);
	peer_udps(&b, SPORT, N, PORT);
	a = udp_drain(fd[0]);
	z = udp_drain(fd[1]);
	cr_assert(a > 0 && z > 0, "spread: %u and %u", a, z);
	cr_assert_eq(a + z, N, "each datagram once: %u + %u", a, z);
	cr_assert_eq(dps_close(fd[0]), 0);
	peer_udps(&b, SPORT, N, PORT);
	cr_assert_eq(udp_drain(fd[1]), N, "the member left takes all");
	cr_assert_eq(dps_bind(fd[2], (struct sockaddr *)&at, sizeof(at)), -1);
	cr_assert_eq(dps_close(fd[1]), 0);
	cr_assert_eq(dps_bind(fd[2], (struct sockaddr *)&at, sizeof(at)), 0,
		"%s", strerror(errno));
	cr_assert_eq(dps_close(fd[2]), 0);
	down(&b);
}
