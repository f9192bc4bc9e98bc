/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive open over IPv6 under pressure, against a raw peer on the test
 * wire (stack A 2001:db8::1, the peer 2001:db8::9), under the virtual
 * clock:
 * - SYN cookies for an AF_INET6 listener (RFC 4987 3.6, Linux's
 *   cookie_v6_init_sequence()/cookie_v6_check()): a SYN flood against a
 *   backlog of 4 fills the SYN queue, the rest are answered by cookies,
 *   and the peer's ACKs to them make accepted connections, with the MSS
 *   of the IPv6 table and, through the TSval, window scale and SACK;
 * - a forged cookie, and one two minutes old, refused as Linux refuses
 *   them: counted, answered with a RST, no connection;
 * - the same flood over IPv4 (the peer also 198.18.0.9) against a
 *   dual-stack listener: cookies as an AF_INET listener's, with IPv4's
 *   MSS table, and children v4-mapped;
 * - SO_REUSEPORT groups of AF_INET6 listeners: two members at home on
 *   the stack's lcore both take connections, each child on one member
 *   only; a member at home elsewhere takes none while one at home is
 *   there. (The test wire has one queue, so a stack here has one lcore:
 *   two lcores are test/interop/apps_mq.sh's.)
 * - automatic flow labels (RFC 6437, Linux's ip6_make_flowlabel() with
 *   net.ipv6.auto_flowlabels 1): one non-zero label on every segment of
 *   a connection, its SYN-ACK included (cookie SYN-ACKs too), another for
 *   the next connection,
 *   a new one at each retransmission timeout (SYN, SYN-ACK, data), the
 *   connection's on its TIME_WAIT ACKs, a constant one on the RSTs for
 *   a tuple without a socket, none with IPV6_AUTOFLOWLABEL 0.
 * Every test ends with the socket pools, tables, port maps and mbuf
 * pools back where they started.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include "dpstack.h"
#include "dps_socket.h"
#include "dps_stack_priv.h"
#include "dps_tcp_priv.h"
#include "dps_sock_priv.h"
#include "dps_testwire.h"
#include "dps_wire.h"
#include "dps_wire6.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define A6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }
#define PEER6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 }
static const uint8_t a6[16] = A6, peer6[16] = PEER6;

/* ---- set-up ------------------------------------------------------------- */

static struct {
	unsigned int socks, socks6;	/* the socket pools in use after start */
	unsigned int mbufs, pmbufs;	/* stack and peer mbuf pools */
} base;

/* Stack A with 2001:db8::1/64 and the raw peer as a static neighbour. */
static struct dps_stack *
up6(struct bench *b, const char *w)
{
	struct dps_addr a = dps_addr_v6(a6), pa = dps_addr_v6(peer6);
	struct dps_addr pa4 = dps_addr_v4(PEER_IP);
	struct dps_stack *s;

	bench_up(b, w, NULL, true);
	s = stack_new(b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa4, &peer_mac), 0);
	stack_start(b, 0);
	for (unsigned int i = 0; i < 400 &&
			dps_stack_addr6_state(s, 0, &a) == DPS_ADDR6_TENTATIVE; i++)
		step(b, 10 * MS);
	cr_assert_eq(dps_stack_addr6_state(s, 0, &a), DPS_ADDR6_PREFERRED);
	peer_flush(b);
	base.socks = dps_pool_in_use(dps_socks(s)->pool);
	base.socks6 = dps_pool_in_use(dps_socks(s)->pool6);
	base.mbufs = dps_test_pool_in_use(b->pool);
	base.pmbufs = dps_test_pool_in_use(b->ppool);
	return s;
}

/* Everything back: sockets, connections, ports, mbufs. Then down. */
static void
down6(struct bench *b)
{
	struct dps_stack *s = b->s[0];
	struct dps_sock_stats st;

	run(b, 8, 0);
	run(b, 3, DPS_TICK_NS);
	peer_flush(b);
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.conns, 0, "%u connections left", st.conns);
	cr_assert_eq(st.half_open, 0, "%u half-open left", st.half_open);
	cr_assert_eq(st.tcp_ports_held, 0, "%u TCP ports held", st.tcp_ports_held);
	cr_assert_eq(dps_pool_in_use(dps_socks(s)->pool), base.socks);
	cr_assert_eq(dps_pool_in_use(dps_socks(s)->pool6), base.socks6,
		"AF_INET6 sockets in use: %u, baseline %u",
		dps_pool_in_use(dps_socks(s)->pool6), base.socks6);
	cr_assert_eq(dps_test_pool_in_use(b->pool), base.mbufs,
		"stack pool: %u in use, baseline %u", dps_test_pool_in_use(b->pool),
		base.mbufs);
	cr_assert_eq(dps_test_pool_in_use(b->ppool), base.pmbufs);
	bench_down(b);
}

/* An AF_INET6 listener on [::]:@port with @backlog; with @rp, a member
 * of the port's SO_REUSEPORT group. Not listening yet when @backlog is 0. */
static int
listener6(struct bench *b, uint16_t port, int backlog, bool rp)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int one = 1, fd = dps_socket_on(b->s[0], AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	if (rp)
		cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
			sizeof(one)), 0);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&any, sizeof(any)), 0,
		"bind: errno %d", errno);
	if (backlog > 0)
		cr_assert_eq(dps_listen(fd, backlog), 0, "listen: errno %d", errno);
	return fd;
}

/* ---- the raw peer's segments ------------------------------------------------ */

/* What the peer's segment carries beyond the header. */
struct opts6 {
	uint16_t mss;			/* 0: none */
	int ws;				/* -1: none */
	bool sack;
	bool ts;
	uint32_t tsval, tsecr;
};

/* TCP options as a client's SYN lays them out; returns their length. */
static uint32_t
put_opts(uint8_t *o, const struct opts6 *op)
{
	uint32_t n = 0;

	if (op == NULL)
		return 0;
	if (op->mss != 0) {
		o[n++] = 2, o[n++] = 4;
		wr16(o + n, op->mss), n += 2;
	}
	if (op->sack)
		o[n++] = 4, o[n++] = 2;
	if (op->ts) {
		o[n++] = 8, o[n++] = 10;
		wr32(o + n, op->tsval), n += 4;
		wr32(o + n, op->tsecr), n += 4;
	}
	if (op->ws >= 0)
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = (uint8_t)op->ws;
	while (n % 4 != 0)
		o[n++] = 1;
	return n;
}

/* The peer sends a segment from [peer6]:@sport to [a6]:@dport under
 * IPv6 flow label @flow. */
static void
peer_tcp6_tc(struct bench *b, uint8_t tclass, uint32_t flow, uint16_t sport,
	uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	const struct opts6 *op, const char *data)
{
	uint8_t f[FRAME_MAX], *th = f + ETH_LEN + DPS_IPV6_HLEN;
	uint32_t olen, dlen = data != NULL ? (uint32_t)strlen(data) : 0, tlen;
	uint16_t sum;

	memset(f, 0, sizeof(f));
	dps_eth_build(f, ETH_LEN, &b->mac[0], &peer_mac, RTE_ETHER_TYPE_IPV6);
	olen = put_opts(th + 20, op);
	tlen = 20 + olen + dlen;
	cr_assert_gt(dps_ipv6_build(f + ETH_LEN, DPS_IPV6_HLEN, peer6, a6, IPPROTO_TCP,
		(uint16_t)tlen, 64, tclass, flow), 0);
	wr16(th, sport);
	wr16(th + 2, dport);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)(((20 + olen) / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 65535);
	if (dlen != 0)
		memcpy(th + 20 + olen, data, dlen);
	sum = dps_l4v6_csum(th, tlen, peer6, a6, IPPROTO_TCP);
	memcpy(th + 16, &sum, 2);
	peer_send(b, f, pad60(f, ETH_LEN + DPS_IPV6_HLEN + tlen));
}

/* The same with traffic class 0. */
static void
peer_tcp6_fl(struct bench *b, uint32_t flow, uint16_t sport, uint16_t dport,
	uint32_t seq, uint32_t ack, uint8_t flags, const struct opts6 *op, const char *data)
{
	peer_tcp6_tc(b, 0, flow, sport, dport, seq, ack, flags, op, data);
}

/* The same without a flow label. */
static void
peer_tcp6(struct bench *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const struct opts6 *op, const char *data)
{
	peer_tcp6_fl(b, 0, sport, dport, seq, ack, flags, op, data);
}

/* A segment A sent, parsed. */
struct seg6 {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t mss;			/* 0: no MSS option */
	bool ts;
	uint32_t tsval;
	uint32_t dlen;
	uint32_t flow;			/* the IPv6 header's flow label */
	uint8_t tclass, hlim;		/* its traffic class and hop limit */
};

static void
parse_opts(const uint8_t *o, uint32_t n, struct seg6 *s)
{
	for (uint32_t i = 0; i < n;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		cr_assert(i + 1 < n && o[i + 1] >= 2 && i + o[i + 1] <= n, "bad option");
		if (o[i] == 2)
			s->mss = rd16(o + i + 2);
		if (o[i] == 8) {
			s->ts = true;
			s->tsval = rd32(o + i + 2);
		}
		i += o[i + 1];
	}
}

/* A's next TCP segment to the peer, or false when there is none. Its
 * checksum over the IPv6 pseudo-header is checked. */
static bool
next_seg6(struct bench *b, struct seg6 *s)
{
	struct rte_mbuf *m;
	const uint8_t *ip, *th;
	uint32_t hl;

	settle(b);
	while ((m = peer_pop(b)) != NULL) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		ip = p + ETH_LEN;
		if (rd16(p + 12) != RTE_ETHER_TYPE_IPV6 || ip[6] != IPPROTO_TCP) {
			rte_pktmbuf_free(m);
			continue;
		}
		cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
		cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
		cr_assert_eq(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
			ip + DPS_IPV6_HLEN), 0, "TCP checksum over the pseudo-header");
		th = ip + DPS_IPV6_HLEN;
		hl = (uint32_t)(th[12] >> 4) * 4;
		memset(s, 0, sizeof(*s));
		s->sport = rd16(th);
		s->dport = rd16(th + 2);
		s->seq = rd32(th + 4);
		s->ack = rd32(th + 8);
		s->flags = th[13];
		s->dlen = rd16(ip + 4) - hl;
		s->flow = rd32(ip) & DPS_IPV6_FLOWLABEL_MASK;
		s->tclass = (uint8_t)(rd32(ip) >> 20);
		s->hlim = ip[7];
		parse_opts(th + 20, hl - 20, s);
		rte_pktmbuf_free(m);
		return true;
	}
	return false;
}

/* The SYN-ACK A sent to @sport (others skipped: SYN-ACKs resent to the
 * flood's ports); the test fails without one. */
static struct seg6
synack_to(struct bench *b, uint16_t sport)
{
	struct seg6 s;

	while (next_seg6(b, &s))
		if (s.dport == sport && s.flags == (DPS_TH_SYN | DPS_TH_ACK))
			return s;
	cr_assert_fail("no SYN-ACK to port %u", sport);
	return s;
}

static struct tcp_info
info(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l), 0);
	return ti;
}

/* Accept the connection from [peer6]:@sport waiting on @lfd. */
static int
accept_from(int lfd, uint16_t sport)
{
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	int fd = dps_accept4(lfd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK);

	cr_assert_geq(fd, 0, "accept: errno %d", errno);
	cr_assert_eq(fl, sizeof(from));
	cr_assert_eq(from.sin6_family, AF_INET6);
	cr_assert_eq(memcmp(from.sin6_addr.s6_addr, peer6, 16), 0);
	cr_assert_eq(ntohs(from.sin6_port), sport, "peer port %u", ntohs(from.sin6_port));
	return fd;
}

/* Close @fd at once (SO_LINGER 0: a RST, no FIN exchange). */
static void
abort_close(int fd)
{
	struct linger lg = { 1, 0 };

	cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	cr_assert_eq(dps_close(fd), 0);
}

/* The peer resets its end of the connections from ports @lo.. @lo+@n-1,
 * whose next sequence numbers are @peer_seq (children in SYN_RECV would
 * otherwise wait for their timers). */
static void
peer_reset_all(struct bench *b, uint16_t lo, unsigned int n, uint16_t dport,
	const uint32_t *peer_seq)
{
	for (unsigned int i = 0; i < n; i++)
		peer_tcp6(b, (uint16_t)(lo + i), dport, peer_seq[i], 0, DPS_TH_RST, NULL, NULL);
	settle(b);
}

/* ---- SYN cookies ---------------------------------------------------------- */

enum { PORT = 80, BACKLOG = 4, FLOOD = 48, FLOOD_PORT = 20000, ISN = 1000 };

/*
 * Refused as Linux refuses them (cookie_v6_check() fails, the listener
 * answers the ACK with a RST, RFC 9293 3.10.7.2): an ACK whose cookie
 * is forged, and one that echoes a real cookie two minutes later; each
 * counted as tcp_bad_cookie, no connection made. The same cookie a
 * minute on is still good.
 */
Test(dpdk, tcp6_listen_bad_cookie_refused)
{
	struct bench b;
	struct dps_stack *s = up6(&b, "t6lbad");
	struct dps_counters c0, c;
	struct dps_sock_stats st;
	struct opts6 o = { .mss = 1440, .ws = -1 };
	struct seg6 sa, rst;
	uint32_t synq_seq[1];
	int lfd = listener6(&b, PORT, 1, false), fd;

	/* One child fills the SYN queue; the next SYNs get cookies. */
	c0 = cnt(&b, 0);
	peer_tcp6(&b, 30000, PORT, 5000, 0, DPS_TH_SYN, &o, NULL);
	(void)synack_to(&b, 30000);
	synq_seq[0] = 5001;
	peer_tcp6(&b, 30001, PORT, 6000, 0, DPS_TH_SYN, &o, NULL);
	sa = synack_to(&b, 30001);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_syncookies_sent, c0.tcp_syncookies_sent + 1);

	/* Forged: the cookie off by a bit above the MSS index. */
	peer_tcp6(&b, 30001, PORT, 6001, (sa.seq ^ 0x100000) + 1, DPS_TH_ACK, NULL, NULL);
	cr_assert(next_seg6(&b, &rst), "no answer to a forged cookie");
	cr_assert_eq(rst.flags, DPS_TH_RST, "flags %#x", rst.flags);
	cr_assert_eq(rst.seq, (sa.seq ^ 0x100000) + 1, "the RST's seq is the ACK's ack");
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_tcp_bad_cookie], c0.drop[DPS_DROP_tcp_bad_cookie] + 1);
	cr_assert_eq(c.tcp_syncookies_ok, c0.tcp_syncookies_ok);
	/* Forged another way: an ACK from a port that sent no SYN. */
	peer_tcp6(&b, 30009, PORT, 6001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
	cr_assert(next_seg6(&b, &rst) && rst.flags == DPS_TH_RST);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_tcp_bad_cookie], c0.drop[DPS_DROP_tcp_bad_cookie] + 2);

	/* Stale: the real cookie two minutes on (the SYN queue's child has
	 * given up meanwhile). */
	peer_reset_all(&b, 30000, 1, PORT, synq_seq);
	for (int i = 0; i < 121; i++) {
		run(&b, 1, S);
		peer_flush(&b);
	}
	peer_tcp6(&b, 30001, PORT, 6001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
	cr_assert(next_seg6(&b, &rst), "no answer to a stale cookie");
	cr_assert_eq(rst.flags, DPS_TH_RST);
	cr_assert_eq(rst.seq, sa.seq + 1);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_tcp_bad_cookie], c0.drop[DPS_DROP_tcp_bad_cookie] + 3);
	cr_assert_eq(c.tcp_syncookies_ok, c0.tcp_syncookies_ok, "no connection");
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.conns, 0, "%u connections", st.conns);
	cr_assert_eq(dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK), -1);
	cr_assert_eq(errno, EAGAIN);

	/* A fresh cookie a minute on is good. */
	peer_tcp6(&b, 30000, PORT, 7000, 0, DPS_TH_SYN, &o, NULL);
	(void)synack_to(&b, 30000);
	synq_seq[0] = 7001;
	peer_tcp6(&b, 30002, PORT, 8000, 0, DPS_TH_SYN, &o, NULL);
	sa = synack_to(&b, 30002);
	run(&b, 60, S);
	peer_flush(&b);
	peer_tcp6(&b, 30002, PORT, 8001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_syncookies_ok, c0.tcp_syncookies_ok + 1);
	fd = accept_from(lfd, 30002);
	abort_close(fd);
	peer_reset_all(&b, 30000, 1, PORT, synq_seq);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/* ---- the IPv4 SYNs of a dual-stack listener ------------------------------- */

/* The peer sends a segment from PEER_IP:@sport to A_IP:@dport. */
static void
peer_tcp4(struct bench *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const struct opts6 *op, const char *data)
{
	uint8_t f[FRAME_MAX], *th = f + L4_OFF;
	uint32_t olen, dlen = data != NULL ? (uint32_t)strlen(data) : 0;
	uint16_t sum;

	memset(f, 0, sizeof(f));
	olen = put_opts(th + 20, op);
	if (dlen != 0)
		memcpy(th + 20 + olen, data, dlen);
	mk_ip(f, &b->mac[0], PEER_IP, A_IP, IPPROTO_TCP, NULL, (uint16_t)(20 + olen + dlen));
	wr16(th, sport);
	wr16(th + 2, dport);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)(((20 + olen) / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 65535);
	sum = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(f + IP_OFF), th);
	memcpy(th + 16, &sum, 2);
	peer_send(b, f, pad60(f, L4_OFF + 20 + olen + dlen));
}

/* A's next IPv4 SYN-ACK to PEER_IP:@sport (other frames skipped); the
 * test fails without one. Its checksums are checked. */
static struct seg6
synack4_to(struct bench *b, uint16_t sport)
{
	struct rte_mbuf *m;
	struct seg6 s;

	settle(b);
	while ((m = peer_pop(b)) != NULL) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		const uint8_t *ip = p + IP_OFF, *th = p + L4_OFF;
		uint32_t hl;

		if (rd16(p + 12) != RTE_ETHER_TYPE_IPV4 || ip[9] != IPPROTO_TCP ||
				rd16(th + 2) != sport || th[13] != (DPS_TH_SYN | DPS_TH_ACK)) {
			rte_pktmbuf_free(m);
			continue;
		}
		check_ip_csums(ip, rd16(ip + 2));
		cr_assert_eq(rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip,
			th), 0, "TCP checksum");
		cr_assert_eq(rd32n(ip + 12), A_IP);
		cr_assert_eq(rd32n(ip + 16), PEER_IP);
		hl = (uint32_t)(th[12] >> 4) * 4;
		memset(&s, 0, sizeof(s));
		s.sport = rd16(th);
		s.dport = rd16(th + 2);
		s.seq = rd32(th + 4);
		s.ack = rd32(th + 8);
		s.flags = th[13];
		parse_opts(th + 20, hl - 20, &s);
		rte_pktmbuf_free(m);
		return s;
	}
	cr_assert_fail("no IPv4 SYN-ACK to port %u", sport);
	return s;
}

/* Accept the v4-mapped connection from PEER_IP:@sport waiting on @lfd;
 * its own name is A_IP:@port, v4-mapped. */
static int
accept_mapped_from(int lfd, uint16_t sport, uint16_t port)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
	struct sockaddr_in6 from, me;
	socklen_t fl = sizeof(from), ml = sizeof(me);
	int fd = dps_accept4(lfd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK);

	cr_assert_geq(fd, 0, "accept: errno %d", errno);
	cr_assert_eq(fl, sizeof(from));
	cr_assert_eq(from.sin6_family, AF_INET6);
	cr_assert_eq(memcmp(from.sin6_addr.s6_addr, pfx, 12), 0, "the peer v4-mapped");
	cr_assert_eq(rd32n(from.sin6_addr.s6_addr + 12), PEER_IP);
	cr_assert_eq(ntohs(from.sin6_port), sport, "peer port %u", ntohs(from.sin6_port));
	cr_assert_eq(dps_getsockname(fd, (struct sockaddr *)&me, &ml), 0);
	cr_assert_eq(me.sin6_family, AF_INET6);
	cr_assert_eq(memcmp(me.sin6_addr.s6_addr, pfx, 12), 0, "the name v4-mapped");
	cr_assert_eq(rd32n(me.sin6_addr.s6_addr + 12), A_IP);
	cr_assert_eq(ntohs(me.sin6_port), port);
	return fd;
}

/* ---- the flood, over either family ---------------------------------------- */

/* What a flood's peer speaks: the two floods below differ in these only. */
struct flood_fam {
	/* The peer's segment from @sport to A's @dport. */
	void (*send)(struct bench *b, uint16_t sport, uint16_t dport, uint32_t seq,
		uint32_t ack, uint8_t flags, const struct opts6 *op, const char *data);
	/* A's SYN-ACK to the peer's @sport. */
	struct seg6 (*synack)(struct bench *b, uint16_t sport);
	/* The connection from the peer's @sport accepted on @lfd, checked. */
	int (*accept)(int lfd, uint16_t sport);
	uint16_t synack_mss;		/* A's MSS for the 1500-byte MTU */
	uint16_t cookie_mss;		/* a cookie's for a SYN that offered 1300 */
	bool labelled;			/* SYN-ACKs carry a flow label (IPv6) */
};

static int
accept_mapped_port(int lfd, uint16_t sport)
{
	return accept_mapped_from(lfd, sport, PORT);
}

static const struct flood_fam fam6 = {
	.send = peer_tcp6, .synack = synack_to, .accept = accept_from,
	.synack_mss = 1440, .cookie_mss = 1220, .labelled = true,
};
static const struct flood_fam fam4 = {
	.send = peer_tcp4, .synack = synack4_to, .accept = accept_mapped_port,
	.synack_mss = 1460, .cookie_mss = 1300, .labelled = false,
};

/* A flood's state: the SYN queue's children's next sequence numbers, the
 * cookies, and the options of the one SYN that offered them all. */
struct flood {
	uint32_t synq_seq[BACKLOG], cookie[FLOOD];
	struct opts6 full;
};

/*
 * FLOOD SYNs from FLOOD_PORT on to @lfd's PORT (backlog BACKLOG), the
 * last with timestamps, window scale 7 and SACK, the others offering MSS
 * 1300: BACKLOG children, the rest cookies, none dropped; every SYN gets
 * its SYN-ACK with A's MSS, timestamps only when offered, and the last
 * one's wscale and SACK in its TSval.
 */
static void
flood_syns(struct bench *b, const struct flood_fam *fam, struct flood *fl)
{
	struct opts6 plain = { .mss = 1300, .ws = -1 };
	struct dps_counters c0 = cnt(b, 0), c;
	struct dps_sock_stats st;

	fl->full = (struct opts6){ .mss = 1440, .ws = 7, .sack = true, .ts = true,
		.tsval = 0x01020304 };
	for (unsigned int i = 0; i < FLOOD; i++)
		fam->send(b, (uint16_t)(FLOOD_PORT + i), PORT, ISN + 7 * i, 0, DPS_TH_SYN,
			i == FLOOD - 1 ? &fl->full : &plain, NULL);
	settle(b);
	c = cnt(b, 0);
	cr_assert_eq(c.tcp_passive_opens - c0.tcp_passive_opens, BACKLOG,
		"children: %" PRIu64, c.tcp_passive_opens - c0.tcp_passive_opens);
	cr_assert_eq(c.tcp_syncookies_sent - c0.tcp_syncookies_sent, FLOOD - BACKLOG,
		"cookies: %" PRIu64, c.tcp_syncookies_sent - c0.tcp_syncookies_sent);
	cr_assert_eq(c.drop[DPS_DROP_tcp_listen_overflow],
		c0.drop[DPS_DROP_tcp_listen_overflow], "no SYN dropped");
	dps_stack_sock_stats(b->s[0], &st);
	cr_assert_eq(st.half_open, BACKLOG, "%u half-open", st.half_open);

	for (unsigned int i = 0; i < FLOOD; i++) {
		struct seg6 sa = fam->synack(b, (uint16_t)(FLOOD_PORT + i));

		cr_assert_eq(sa.ack, ISN + 7 * i + 1);
		cr_assert_eq(sa.mss, fam->synack_mss, "SYN-ACK MSS %u", sa.mss);
		/* Cookie or not, an automatic flow label (a hash of its
		 * own, as Linux's request sock). */
		if (fam->labelled)
			cr_assert_neq(sa.flow, 0, "SYN-ACK %u without a flow label", i);
		cr_assert_eq(sa.ts, i == FLOOD - 1, "timestamps only when offered");
		if (i < BACKLOG)
			fl->synq_seq[i] = ISN + 7 * i + 1;
		fl->cookie[i] = sa.seq;
		if (i == FLOOD - 1) {
			cr_assert_eq(sa.tsval & 0xf, 7, "wscale in the TSval: %#x", sa.tsval);
			cr_assert(sa.tsval & 0x10, "SACK in the TSval: %#x", sa.tsval);
			fl->full.tsecr = sa.tsval;
		}
	}
}

/*
 * The peer completes the first cookie connection and the one with the
 * options (with @forged, also sends an ACK whose cookie is off by a bit
 * above the MSS index: counted as tcp_bad_cookie, no connection): two
 * cookie connections, accepted: the first with the cookie's MSS for 1300
 * and no options, taking data; the other with MSS 1440 (less the
 * timestamps) and timestamps, SACK and window scale 7. Then the SYN
 * queue's children go with the peer's RSTs.
 */
static void
flood_complete(struct bench *b, const struct flood_fam *fam, struct flood *fl,
	int lfd, bool forged)
{
	struct dps_counters c0 = cnt(b, 0), c;
	struct tcp_info ti;
	char buf[16];
	int fd;

	fam->send(b, FLOOD_PORT + BACKLOG, PORT, ISN + 7 * BACKLOG + 1,
		fl->cookie[BACKLOG] + 1, DPS_TH_ACK, NULL, NULL);
	fl->full.tsval += 10;
	fam->send(b, FLOOD_PORT + FLOOD - 1, PORT, ISN + 7 * (FLOOD - 1) + 1,
		fl->cookie[FLOOD - 1] + 1, DPS_TH_ACK, &(struct opts6){ .ws = -1, .ts = true,
			.tsval = fl->full.tsval, .tsecr = fl->full.tsecr }, NULL);
	if (forged)
		fam->send(b, FLOOD_PORT + BACKLOG + 1, PORT, ISN + 7 * (BACKLOG + 1) + 1,
			(fl->cookie[BACKLOG + 1] ^ 0x100000) + 1, DPS_TH_ACK, NULL, NULL);
	settle(b);
	c = cnt(b, 0);
	cr_assert_eq(c.tcp_syncookies_ok - c0.tcp_syncookies_ok, 2);
	cr_assert_eq(c.drop[DPS_DROP_tcp_bad_cookie],
		c0.drop[DPS_DROP_tcp_bad_cookie] + (forged ? 1 : 0));

	fd = fam->accept(lfd, FLOOD_PORT + BACKLOG);
	ti = info(fd);
	cr_assert_eq(ti.tcpi_state, TCP_ESTABLISHED);
	cr_assert_eq(ti.tcpi_snd_mss, fam->cookie_mss, "MSS from the cookie's table: %u",
		ti.tcpi_snd_mss);
	cr_assert_eq(ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
		TCPI_OPT_WSCALE), 0, "options %#x", ti.tcpi_options);
	fam->send(b, FLOOD_PORT + BACKLOG, PORT, ISN + 7 * BACKLOG + 1,
		fl->cookie[BACKLOG] + 1, DPS_TH_ACK | DPS_TH_PSH, NULL, "hello");
	settle(b);
	cr_assert_eq(dps_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	abort_close(fd);

	fd = fam->accept(lfd, FLOOD_PORT + FLOOD - 1);
	ti = info(fd);
	cr_assert(ti.tcpi_snd_mss == 1440 || ti.tcpi_snd_mss == 1440 - 12,
		"MSS 1440 (less the timestamps): %u", ti.tcpi_snd_mss);
	cr_assert_eq(ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
		TCPI_OPT_WSCALE), TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE,
		"options %#x", ti.tcpi_options);
	cr_assert_eq(ti.tcpi_snd_wscale, 7);
	abort_close(fd);
	cr_assert_eq(dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK), -1, "no more");
	cr_assert_eq(errno, EAGAIN);

	for (unsigned int i = 0; i < BACKLOG; i++)
		fam->send(b, (uint16_t)(FLOOD_PORT + i), PORT, fl->synq_seq[i], 0, DPS_TH_RST,
			NULL, NULL);
	settle(b);
}

/* A whole flood over @fam against an AF_INET6 listener on PORT with
 * backlog BACKLOG, on wire @w: the listener goes with its close, the
 * other cookies never come back, and everything is given back. */
static void
flood_run(const char *w, const struct flood_fam *fam, bool forged)
{
	struct bench b;
	struct flood fl;
	int lfd;

	up6(&b, w);
	lfd = listener6(&b, PORT, BACKLOG, false);
	flood_syns(&b, fam, &fl);
	flood_complete(&b, fam, &fl, lfd, forged);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * A backlog of 4: the first four SYNs of a flood make children (the SYN
 * queue), the rest get cookies (tcp_syncookies_sent), none is dropped;
 * every SYN-ACK carries a flow label. The peer's ACKs to the cookies
 * then make connections that accept() gives with the peer's name
 * (tcp_syncookies_ok): one SYN that offered MSS 1300 gets the IPv6
 * table's 1220 (IPv4's would give 1300); one with timestamps, window
 * scale 7 and SACK gets them back from the echoed TSval. Data on a
 * cookie's connection is taken. The listener goes with its close; the
 * other cookies never come back.
 */
Test(dpdk, tcp6_listen_syncookie_flood)
{
	flood_run("t6lck", &fam6, false);
}

/*
 * The flood of tcp6_listen_syncookie_flood over IPv4, against a
 * dual-stack AF_INET6 listener (Linux answers an AF_INET6 socket's IPv4
 * SYNs with tcp_v4_conn_request(), cookies included): four children,
 * the rest cookies, none dropped. A's SYN-ACKs announce IPv4's MSS
 * (1460); the cookie of a SYN that offered 1300 gives 1300 (IPv4's
 * table; IPv6's would give 1220), the one with timestamps carries window
 * scale and SACK in the TSval; a forged cookie is counted and makes
 * nothing. The children accept() gives are AF_INET6 sockets named by
 * v4-mapped addresses, and take data.
 */
Test(dpdk, tcp6_listen_syncookie_mapped)
{
	flood_run("t6lcm", &fam4, true);
}

/* ---- SO_REUSEPORT groups ---------------------------------------------------- */

enum { RP_PORT = 8080 };

/* The peer's handshake from @sport to RP_PORT, completed. */
static void
peer_handshake6(struct bench *b, uint16_t sport)
{
	struct opts6 o = { .mss = 1440, .ws = -1 };
	struct seg6 sa;

	peer_tcp6(b, sport, RP_PORT, 1000, 0, DPS_TH_SYN, &o, NULL);
	sa = synack_to(b, sport);
	peer_tcp6(b, sport, RP_PORT, 1001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
}

/* Accept every child waiting on @lfd, each owned by lcore 0 (its
 * member's home or the only lcore) and named by the peer's IPv6 address;
 * close them. Returns how many. */
static unsigned int
accept_all6(int lfd)
{
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	unsigned int n = 0;
	int fd, owner;

	while ((fd = dps_accept_lcore(lfd, (struct sockaddr *)&from, &fl,
			SOCK_NONBLOCK, &owner)) >= 0) {
		cr_assert_eq(owner, 0, "child owned by lcore %d", owner);
		cr_assert_eq(from.sin6_family, AF_INET6);
		cr_assert_eq(memcmp(from.sin6_addr.s6_addr, peer6, 16), 0);
		abort_close(fd);
		fl = sizeof(from);
		n++;
	}
	cr_assert_eq(errno, EAGAIN, "accept: errno %d", errno);
	return n;
}

/*
 * Two AF_INET6 members of [::]:8080's group, both at home on lcore 0:
 * IPv6 SYNs from a client's consecutive ports are spread over both by
 * the hash of the IPv6 tuple, each child on one member only, every one
 * accepted; the group counts as two listeners. Without the group an
 * IPv6 SYN found no listener (the port's one listener slot is empty).
 */
Test(dpdk, tcp6_listen_reuseport_spread)
{
	enum { MEMBERS = 2, CONNS = 64, SPORT = 41000 };
	struct bench b;
	struct dps_stack *s = up6(&b, "t6lrp");
	uint32_t st[DPS_TCP_STATE_COUNT];
	struct dps_counters c0, c;
	unsigned int got[MEMBERS], total = 0;
	int lfd[MEMBERS];

	for (int i = 0; i < MEMBERS; i++)
		lfd[i] = listener6(&b, RP_PORT, 64, true);
	dps_stack_tcp_states(s, st);
	cr_assert_eq(st[DPS_TCP_LISTEN], MEMBERS, "listeners: %u", st[DPS_TCP_LISTEN]);
	c0 = cnt(&b, 0);
	for (unsigned int i = 0; i < CONNS; i++)
		peer_handshake6(&b, (uint16_t)(SPORT + i));
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_passive_opens - c0.tcp_passive_opens, CONNS);
	cr_assert_eq(c.drop[DPS_DROP_tcp_no_socket], c0.drop[DPS_DROP_tcp_no_socket],
		"no SYN or ACK found no listener");
	for (int i = 0; i < MEMBERS; i++) {
		got[i] = accept_all6(lfd[i]);
		total += got[i];
		cr_assert_gt(got[i], 0, "member %d took none of %u", i, CONNS);
	}
	cr_assert_eq(total, CONNS, "each child on one member: %u", total);
	for (int i = 0; i < MEMBERS; i++)
		cr_assert_eq(dps_close(lfd[i]), 0);
	down6(&b);
}

static void *
listen_thread(void *arg)
{
	int *fd = arg;

	*fd = dps_listen(*fd, 64) == 0 ? *fd : -errno;
	return NULL;
}

/*
 * The member at home on the SYN's lcore takes every IPv6 SYN, as for
 * IPv4 (Linux with SO_INCOMING_CPU): one that listened from a thread
 * that is no stack lcore gets none while the one at home is there, and
 * all once it has closed. The group's cookies: a SYN that finds its
 * member's SYN queue full gets one, and the ACK makes that member's
 * child.
 */
Test(dpdk, tcp6_listen_reuseport_home_first)
{
	enum { SPORT = 42000, N = 16 };
	struct bench b;
	pthread_t th;
	struct dps_counters c0, c;
	struct opts6 o = { .mss = 1440, .ws = -1 };
	struct seg6 sa;
	int away, home, r;

	(void)up6(&b, "t6lrph");
	away = listener6(&b, RP_PORT, 0, true);
	r = away;
	cr_assert_eq(pthread_create(&th, NULL, listen_thread, &r), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(r, away, "listen: errno %d", -r);
	home = listener6(&b, RP_PORT, 64, true);
	for (unsigned int i = 0; i < N; i++)
		peer_handshake6(&b, (uint16_t)(SPORT + i));
	settle(&b);
	cr_assert_eq(accept_all6(away), 0, "the member at home nowhere took some");
	cr_assert_eq(accept_all6(home), N);
	cr_assert_eq(dps_close(home), 0);
	settle(&b);
	for (unsigned int i = 0; i < N; i++)
		peer_handshake6(&b, (uint16_t)(SPORT + N + i));
	settle(&b);
	cr_assert_eq(accept_all6(away), N, "the member left takes all");

	/* A member's backlog full: a cookie, and its child on that member. */
	cr_assert_eq(dps_listen(away, 1), 0);
	c0 = cnt(&b, 0);
	peer_tcp6(&b, SPORT + 2 * N, RP_PORT, 3000, 0, DPS_TH_SYN, &o, NULL);
	(void)synack_to(&b, SPORT + 2 * N);
	peer_tcp6(&b, SPORT + 2 * N + 1, RP_PORT, 4000, 0, DPS_TH_SYN, &o, NULL);
	sa = synack_to(&b, SPORT + 2 * N + 1);
	peer_tcp6(&b, SPORT + 2 * N + 1, RP_PORT, 4001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_syncookies_sent, c0.tcp_syncookies_sent + 1);
	cr_assert_eq(c.tcp_syncookies_ok, c0.tcp_syncookies_ok + 1);
	cr_assert_eq(accept_all6(away), 1, "the cookie's child");
	peer_reset_all(&b, SPORT + 2 * N, 1, RP_PORT, (const uint32_t[]){ 3001 });
	cr_assert_eq(dps_close(away), 0);
	down6(&b);
}

/* A member of RP_PORT's group: @family's socket bound to @addr (NULL:
 * the wildcard; 4 or 16 bytes), listening. */
static int
member_on(struct bench *b, int family, const void *addr)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int one = 1, fd = dps_socket_on(b->s[0], family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	socklen_t len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(RP_PORT);
		if (addr != NULL)
			memcpy(&sin->sin_addr, addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(RP_PORT);
		if (addr != NULL)
			memcpy(&sin6->sin6_addr, addr, 16);
	}
	cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&ss, len), 0, "bind: errno %d", errno);
	cr_assert_eq(dps_listen(fd, 64), 0, "listen: errno %d", errno);
	return fd;
}

/* Accept and close every child waiting on @lfd; how many. */
static unsigned int
accept_count(int lfd)
{
	unsigned int n = 0;
	int fd;

	while ((fd = dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		abort_close(fd);
		n++;
	}
	cr_assert_eq(errno, EAGAIN, "accept: errno %d", errno);
	return n;
}

/* @n IPv4 handshakes (from @sport on) and @n IPv6 ones to RP_PORT. */
static void
handshakes_both(struct bench *b, uint16_t sport, unsigned int n)
{
	struct opts6 o = { .mss = 1440, .ws = -1 };
	struct seg6 sa;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(sport + i);

		peer_tcp4(b, p, RP_PORT, 1000, 0, DPS_TH_SYN, &o, NULL);
		sa = synack4_to(b, p);
		peer_tcp4(b, p, RP_PORT, 1001, sa.seq + 1, DPS_TH_ACK, NULL, NULL);
		peer_handshake6(b, p);
	}
	settle(b);
}

/*
 * Which member of a mixed group takes a SYN, as Linux chooses
 * (__inet_lookup_listener(), inet6_lookup_listener(), compute_score()):
 * a member bound to the SYN's address before a wildcard one, and for an
 * IPv4 SYN an AF_INET member before a dual-stack AF_INET6 one. The hash
 * alone would spread the SYNs over every member that may take them.
 */
Test(dpdk, tcp6_listen_reuseport_rank)
{
	enum { N = 24, SPORT = 43000 };
	const uint32_t a4 = A_IP;	/* network order */
	struct bench b;
	int l4, l6, l4a, l6a;

	(void)up6(&b, "t6lrk");
	l4 = member_on(&b, AF_INET, NULL);
	l6 = member_on(&b, AF_INET6, NULL);
	handshakes_both(&b, SPORT, N);
	cr_assert_eq(accept_count(l4), N, "the AF_INET member takes every IPv4 SYN");
	cr_assert_eq(accept_count(l6), N, "the dual-stack one every IPv6 SYN");

	l4a = member_on(&b, AF_INET, &a4);
	l6a = member_on(&b, AF_INET6, a6);
	handshakes_both(&b, SPORT + N, N);
	cr_assert_eq(accept_count(l4a), N, "the member on 198.18.0.1 takes its SYNs");
	cr_assert_eq(accept_count(l6a), N, "the member on 2001:db8::1 takes its SYNs");
	cr_assert_eq(accept_count(l4) + accept_count(l6), 0, "the wildcards none");

	cr_assert_eq(dps_close(l4a), 0);
	cr_assert_eq(dps_close(l6a), 0);
	cr_assert_eq(dps_close(l4), 0);
	settle(&b);
	handshakes_both(&b, SPORT + 2 * N, N);
	cr_assert_eq(accept_count(l6), 2 * N, "the dual-stack member left takes both");
	cr_assert_eq(dps_close(l6), 0);
	down6(&b);
}
/* ---- automatic flow labels ------------------------------------------------- */

enum { FL_PORT = 8081 };

/* A's next segment to the peer's @sport with @flags; the test fails
 * without one. */
static struct seg6
seg_to(struct bench *b, uint16_t sport, uint8_t flags)
{
	struct seg6 s;

	while (next_seg6(b, &s))
		if (s.dport == sport && s.flags == flags)
			return s;
	cr_assert_fail("no segment with flags %#x to port %u", flags, sport);
	return s;
}

static int
afl_get(int fd)
{
	int v = -1;
	socklen_t l = sizeof(v);

	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, &l), 0);
	cr_assert_eq(l, sizeof(int));
	return v;
}

static void
afl_set(int fd, int v)
{
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, sizeof(v)), 0);
}

/* The peer connects from @sport to FL_PORT; A accepts. Returns the
 * child's fd, the SYN-ACK in @sa. */
static int
fl_connect(struct bench *b, int lfd, uint16_t sport, struct seg6 *sa)
{
	struct opts6 o = { .mss = 1440, .ws = -1 };

	peer_tcp6(b, sport, FL_PORT, 1000, 0, DPS_TH_SYN, &o, NULL);
	*sa = synack_to(b, sport);
	peer_tcp6(b, sport, FL_PORT, 1001, sa->seq + 1, DPS_TH_ACK, NULL, NULL);
	settle(b);
	return accept_from(lfd, sport);
}

/*
 * Every segment of a connection carries one non-zero label, from the
 * SYN-ACK to the RST of an abortive close (Linux: the request sock's
 * txhash, which the child keeps); the next connection another. A RST
 * for a tuple without a socket is labelled too, the same each time for
 * the same tuple (Linux hashes its flow keys). IPV6_AUTOFLOWLABEL reads
 * 1, the default of auto_flowlabels 1.
 */
Test(dpdk, tcp6_flowlabel_per_connection)
{
	struct bench b;
	struct seg6 sa1, sa2, s;
	uint32_t rst1;
	int lfd, c1, c2;

	up6(&b, "fl6conn");
	lfd = listener6(&b, FL_PORT, 8, false);
	cr_assert_eq(afl_get(lfd), 1);
	c1 = fl_connect(&b, lfd, 40001, &sa1);
	cr_assert_neq(sa1.flow, 0, "the SYN-ACK carries no label");
	cr_assert_eq(afl_get(c1), 1);
	/* Data both ways: A's data and A's ACK of the peer's. */
	cr_assert_eq(dps_send(c1, "hello", 5, 0), 5);
	s = seg_to(&b, 40001, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s.dlen, 5);
	cr_assert_eq(s.flow, sa1.flow, "data label %#x, SYN-ACK's %#x", s.flow, sa1.flow);
	peer_tcp6(&b, 40001, FL_PORT, 1001, sa1.seq + 6, DPS_TH_ACK | DPS_TH_PSH, NULL,
		"request");
	run(&b, 3, 50 * MS);		/* past the delayed ACK */
	s = seg_to(&b, 40001, DPS_TH_ACK);
	cr_assert_eq(s.flow, sa1.flow);
	/* A second connection: its own label. */
	c2 = fl_connect(&b, lfd, 40002, &sa2);
	cr_assert_neq(sa2.flow, 0);
	cr_assert_neq(sa2.flow, sa1.flow, "two connections, one label %#x", sa1.flow);
	/* A RST for no socket: labelled, the same for the same tuple. */
	peer_tcp6(&b, 40003, 9, 5000, 7000, DPS_TH_ACK, NULL, NULL);
	s = seg_to(&b, 40003, DPS_TH_RST);
	rst1 = s.flow;
	cr_assert_neq(rst1, 0);
	peer_tcp6(&b, 40003, 9, 5000, 7000, DPS_TH_ACK, NULL, NULL);
	s = seg_to(&b, 40003, DPS_TH_RST);
	cr_assert_eq(s.flow, rst1);
	/* The abortive close's RST: the connection's label. */
	abort_close(c1);
	s = seg_to(&b, 40001, DPS_TH_RST | DPS_TH_ACK);
	cr_assert_eq(s.flow, sa1.flow);
	abort_close(c2);
	s = seg_to(&b, 40002, DPS_TH_RST | DPS_TH_ACK);
	cr_assert_eq(s.flow, sa2.flow);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * IPV6_AUTOFLOWLABEL 0 on the listener: its children inherit it, their
 * segments carry no label; turned on again on a child, the child's next
 * segment carries one (Linux's np->autoflowlabel, read per packet).
 */
Test(dpdk, tcp6_flowlabel_opt_out)
{
	struct bench b;
	struct seg6 sa, s;
	int lfd, c;

	up6(&b, "fl6off");
	lfd = listener6(&b, FL_PORT, 0, false);
	afl_set(lfd, 0);
	cr_assert_eq(afl_get(lfd), 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	c = fl_connect(&b, lfd, 40011, &sa);
	cr_assert_eq(sa.flow, 0, "SYN-ACK label %#x with the option off", sa.flow);
	cr_assert_eq(afl_get(c), 0);
	cr_assert_eq(dps_send(c, "x", 1, 0), 1);
	s = seg_to(&b, 40011, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s.flow, 0);
	peer_tcp6(&b, 40011, FL_PORT, 1001, sa.seq + 2, DPS_TH_ACK, NULL, NULL);
	afl_set(c, 7);			/* any non-zero value is on */
	cr_assert_eq(afl_get(c), 1);
	cr_assert_eq(dps_send(c, "y", 1, 0), 1);
	s = seg_to(&b, 40011, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_neq(s.flow, 0);
	abort_close(c);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * A RST that a live socket sends in answer to a segment goes as Linux's
 * tcp_v6_send_reset() sends it for a full socket: from the stack's
 * control socket, so labelled by the stack's setting (auto_flowlabels 1
 * here) whatever the socket's IPV6_AUTOFLOWLABEL, with the socket's hash
 * (sk_txhash), so the label its own segments carry when the option is
 * on. Here a child with the option off (inherited) shows its label once
 * turned on, is turned off again, closes (its FIN unlabelled), and the
 * peer's new data after the close draws the RST (RFC 9293 3.10.7.4,
 * tcp_rcv_state_process() after shutdown): under that label. The
 * abortive close of another such child sends its own RST (Linux's
 * tcp_send_active_reset(), through the socket): unlabelled.
 */
Test(dpdk, tcp6_flowlabel_rst_answer)
{
	struct bench b;
	struct seg6 sa, s, fin;
	uint32_t own;
	int lfd, c;

	up6(&b, "fl6rst");
	lfd = listener6(&b, FL_PORT, 0, false);
	afl_set(lfd, 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	c = fl_connect(&b, lfd, 40021, &sa);
	cr_assert_eq(sa.flow, 0);
	afl_set(c, 1);
	cr_assert_eq(dps_send(c, "y", 1, 0), 1);
	s = seg_to(&b, 40021, DPS_TH_ACK | DPS_TH_PSH);
	own = s.flow;
	cr_assert_neq(own, 0, "no label with the option on");
	peer_tcp6(&b, 40021, FL_PORT, 1001, sa.seq + 2, DPS_TH_ACK, NULL, NULL);
	afl_set(c, 0);
	cr_assert_eq(dps_close(c), 0);
	fin = seg_to(&b, 40021, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(fin.flow, 0, "FIN label %#x with the option off", fin.flow);
	peer_tcp6(&b, 40021, FL_PORT, 1001, fin.seq + 1, DPS_TH_ACK | DPS_TH_PSH, NULL,
		"late");
	s = seg_to(&b, 40021, DPS_TH_RST);
	cr_assert_eq(s.seq, fin.seq + 1);
	cr_assert_eq(s.flow, own, "RST answering data after close: label %#x, "
		"Linux's %#x (the stack's setting over the socket's hash)", s.flow, own);
	/* An abortive close: the socket's own RST, under its option. */
	c = fl_connect(&b, lfd, 40022, &sa);
	cr_assert_eq(afl_get(c), 0);
	abort_close(c);
	s = seg_to(&b, 40022, DPS_TH_RST | DPS_TH_ACK);
	cr_assert_eq(s.flow, 0, "abort RST label %#x with the option off", s.flow);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * A RST in answer to a segment carries the segment's traffic class less
 * its ECN bits and the default hop limit, as Linux's from its control
 * socket (tcp_v6_send_reset()): for a closed port, and for data after
 * close on a socket whose own IPV6_TCLASS and hop limit its segments
 * carry.
 */
Test(dpdk, tcp6_rst_answer_tclass_hops)
{
	struct bench b;
	struct seg6 sa, s, fin;
	int lfd, c, tc = 0x10, hops = 33;

	up6(&b, "tc6rst");
	peer_tcp6_tc(&b, 0x2b, 0, 40031, 5555, 1000, 0, DPS_TH_SYN, NULL, NULL);
	s = seg_to(&b, 40031, DPS_TH_RST | DPS_TH_ACK);
	cr_assert_eq(s.tclass, 0x28, "closed port: traffic class %#x", s.tclass);
	cr_assert_eq(s.hlim, 64, "closed port: hop limit %u", s.hlim);
	lfd = listener6(&b, FL_PORT, 0, false);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	c = fl_connect(&b, lfd, 40032, &sa);
	cr_assert_eq(dps_setsockopt(c, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc)), 0);
	cr_assert_eq(dps_setsockopt(c, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
		sizeof(hops)), 0);
	cr_assert_eq(dps_close(c), 0);
	fin = seg_to(&b, 40032, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(fin.tclass, 0x10, "FIN: traffic class %#x", fin.tclass);
	cr_assert_eq(fin.hlim, 33, "FIN: hop limit %u", fin.hlim);
	peer_tcp6_tc(&b, 0x49, 0, 40032, FL_PORT, 1001, fin.seq + 1,
		DPS_TH_ACK | DPS_TH_PSH, NULL, "late");
	s = seg_to(&b, 40032, DPS_TH_RST);
	cr_assert_eq(s.tclass, 0x48, "answer: traffic class %#x", s.tclass);
	cr_assert_eq(s.hlim, 64, "answer: hop limit %u", s.hlim);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * A retransmission timeout draws a new hash, so a new label (Linux's
 * sk_rethink_txhash() in tcp_write_timeout() and tcp_rtx_synack()): each
 * SYN-ACK A resends to a silent peer, each SYN of a connect() the peer
 * does not answer, and data resent after its timeout, carries a label
 * other than the one before; the connection keeps the new one.
 */
Test(dpdk, tcp6_flowlabel_rto_rehash)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(7070) };
	struct opts6 o = { .mss = 1440, .ws = -1 };
	struct bench b;
	struct seg6 s1, s2, s3;
	uint16_t cport;
	int lfd, fd;

	up6(&b, "fl6rto");
	lfd = listener6(&b, FL_PORT, 8, false);
	peer_tcp6(&b, 40021, FL_PORT, 1000, 0, DPS_TH_SYN, &o, NULL);
	s1 = synack_to(&b, 40021);
	run(&b, 12, 100 * MS);		/* the SYN-ACK's 1 s timer */
	s2 = synack_to(&b, 40021);
	cr_assert_eq(s2.seq, s1.seq);
	cr_assert_neq(s1.flow, 0);
	cr_assert_neq(s2.flow, 0);
	cr_assert_neq(s2.flow, s1.flow, "resent SYN-ACK kept label %#x", s1.flow);
	run(&b, 22, 100 * MS);		/* then 2 s */
	s3 = synack_to(&b, 40021);
	cr_assert_neq(s3.flow, s2.flow);
	peer_tcp6(&b, 40021, FL_PORT, 1001, 0, DPS_TH_RST, NULL, NULL);
	/* Active open. */
	memcpy(to.sin6_addr.s6_addr, peer6, 16);
	fd = dps_socket_on(b.s[0], AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	cr_assert(next_seg6(&b, &s1));
	cr_assert_eq(s1.flags, DPS_TH_SYN);
	cport = s1.sport;
	run(&b, 12, 100 * MS);
	cr_assert(next_seg6(&b, &s2));
	cr_assert_eq(s2.flags, DPS_TH_SYN);
	cr_assert_eq(s2.sport, cport);
	cr_assert_neq(s1.flow, 0);
	cr_assert_neq(s2.flow, 0);
	cr_assert_neq(s2.flow, s1.flow, "resent SYN kept label %#x", s1.flow);
	cr_assert_eq(dps_close(fd), 0);
	/* Data the peer does not acknowledge: the retransmission after the
	 * timeout carries a new label, the next segments keep it. */
	fd = fl_connect(&b, lfd, 40022, &s1);
	cr_assert_eq(dps_send(fd, "lost", 4, 0), 4);
	s2 = seg_to(&b, 40022, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s2.flow, s1.flow);
	run(&b, 12, 100 * MS);		/* past the RTO (1 s at most) */
	s3 = seg_to(&b, 40022, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s3.seq, s2.seq, "not the retransmission");
	cr_assert_neq(s3.flow, 0);
	cr_assert_neq(s3.flow, s2.flow, "retransmission kept label %#x", s2.flow);
	peer_tcp6(&b, 40022, FL_PORT, 1001, s2.seq + 4, DPS_TH_ACK, NULL, NULL);
	cr_assert_eq(dps_send(fd, "more", 4, 0), 4);
	s1 = seg_to(&b, 40022, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s1.flow, s3.flow, "the new label did not stay");
	abort_close(fd);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

/*
 * TIME_WAIT answers with the connection's label (Linux's
 * tcp_v6_timewait_ack() with tw_txhash): A closes first, the peer's FIN
 * puts A in TIME_WAIT, and the peer's FIN again gets an ACK with the
 * label every segment of the connection carried.
 */
Test(dpdk, tcp6_flowlabel_time_wait)
{
	struct bench b;
	struct seg6 sa, fin, ack1, ack2;
	struct dps_sock_stats st;
	int lfd, c;

	up6(&b, "fl6tw");
	lfd = listener6(&b, FL_PORT, 8, false);
	c = fl_connect(&b, lfd, 40031, &sa);
	cr_assert_neq(sa.flow, 0);
	cr_assert_eq(dps_close(c), 0);
	fin = seg_to(&b, 40031, DPS_TH_FIN | DPS_TH_ACK);
	cr_assert_eq(fin.flow, sa.flow);
	peer_tcp6(&b, 40031, FL_PORT, 1001, fin.seq + 1, DPS_TH_FIN | DPS_TH_ACK, NULL, NULL);
	ack1 = seg_to(&b, 40031, DPS_TH_ACK);
	cr_assert_eq(ack1.flow, sa.flow);
	dps_stack_sock_stats(b.s[0], &st);
	cr_assert_eq(st.time_wait, 1);
	peer_tcp6(&b, 40031, FL_PORT, 1001, fin.seq + 1, DPS_TH_FIN | DPS_TH_ACK, NULL, NULL);
	ack2 = seg_to(&b, 40031, DPS_TH_ACK);
	cr_assert_eq(ack2.ack, 1002);
	cr_assert_eq(ack2.flow, sa.flow, "TIME_WAIT ACK label %#x, connection's %#x",
		ack2.flow, sa.flow);
	/* The peer's RST ends the entry. */
	peer_tcp6(&b, 40031, FL_PORT, 1002, 0, DPS_TH_RST, NULL, NULL);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}

static uint64_t
dup_rehashes(struct bench *b)
{
	struct dps_counters c;

	dps_stack_counters(b->s[0], -1, &c);
	return c.tcp_dup_data_rehash;
}

/*
 * Duplicate data under a new flow label (Linux's tcp_rcv_spurious_retrans()
 * with lrcv_flowlabel): the peer's data comes under one label and is
 * acknowledged; the same data again under the same label changes nothing;
 * under another label (the peer timed out and moved its path) A draws a
 * new hash: its next segment carries a new label, which stays, and
 * tcp_dup_data_rehash counts it. The duplicate is acknowledged (with a
 * D-SACK where SACK is on; not here) either way.
 */
Test(dpdk, tcp6_flowlabel_dup_data_rehash)
{
	struct bench b;
	struct seg6 sa, s, d;
	uint64_t r0;
	int lfd, c;

	up6(&b, "fl6dup");
	lfd = listener6(&b, FL_PORT, 8, false);
	c = fl_connect(&b, lfd, 40041, &sa);
	cr_assert_neq(sa.flow, 0);
	r0 = dup_rehashes(&b);
	peer_tcp6_fl(&b, 0x12345, 40041, FL_PORT, 1001, sa.seq + 1, DPS_TH_ACK | DPS_TH_PSH,
		NULL, "request");
	run(&b, 3, 50 * MS);		/* past the delayed ACK */
	s = seg_to(&b, 40041, DPS_TH_ACK);
	cr_assert_eq(s.ack, 1008);
	cr_assert_eq(s.flow, sa.flow);
	/* The same data under the same label: acknowledged at once, same
	 * label, no rehash. */
	peer_tcp6_fl(&b, 0x12345, 40041, FL_PORT, 1001, sa.seq + 1, DPS_TH_ACK | DPS_TH_PSH,
		NULL, "request");
	d = seg_to(&b, 40041, DPS_TH_ACK);
	cr_assert_eq(d.ack, 1008);
	cr_assert_eq(d.flow, sa.flow, "same label: ACK label %#x, was %#x", d.flow, sa.flow);
	cr_assert_eq(dup_rehashes(&b), r0);
	/* Under another label: the ACK it draws leaves under a new one. */
	peer_tcp6_fl(&b, 0x6789a, 40041, FL_PORT, 1001, sa.seq + 1, DPS_TH_ACK | DPS_TH_PSH,
		NULL, "request");
	d = seg_to(&b, 40041, DPS_TH_ACK);
	cr_assert_eq(d.ack, 1008);
	cr_assert_neq(d.flow, 0);
	cr_assert_neq(d.flow, sa.flow, "duplicate under a new label: ACK kept label %#x",
		sa.flow);
	cr_assert_eq(dup_rehashes(&b), r0 + 1, "tcp_dup_data_rehash %" PRIu64 ", was %" PRIu64,
		dup_rehashes(&b), r0);
	/* The new label stays on the connection's data. */
	cr_assert_eq(dps_send(c, "reply", 5, 0), 5);
	s = seg_to(&b, 40041, DPS_TH_ACK | DPS_TH_PSH);
	cr_assert_eq(s.flow, d.flow, "data label %#x, the new one %#x", s.flow, d.flow);
	abort_close(c);
	cr_assert_eq(dps_close(lfd), 0);
	down6(&b);
}
