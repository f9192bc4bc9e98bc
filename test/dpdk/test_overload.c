/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Overload degrades, it does not collapse: a listener flooded beyond its
 * SYN and accept queues, on a small mbuf pool, behind a link whose peer
 * stops draining it. One stack on side 0 of the test wire, a raw peer on
 * side 1, the virtual clock of dps_bench.h.
 *
 * The flood is injected straight into the stack's receive ring
 * (dps_testwire_inject()) while the wire is not pumped, so everything the
 * stack sends stays in its device queue and then in its transmit backlog,
 * which is how dps-httpd lost its whole pool under an open-loop dps-gen
 * (docs/performance.md). The checks: the pool keeps its transmit reserve
 * (no allocation fails), the drops are counted by reason, the established
 * connection is still served, a new connection completes once the link
 * drains, and every mbuf and socket comes back.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include "dpstack.h"
#include "dps_stack_priv.h"
#include "dps_tcp_priv.h"
#include "dps_sock_priv.h"
#include "dps_testwire.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define LPORT		80
#define POOL_SMALL	2047		/* the stack's pool */
#define WIRE_RING	256		/* the device queues */
#define BACKLOG		8		/* listen(): the SYN queue */
#define FLOOD		6000		/* SYNs in the flood, about 3x the pool */
#define C_PORT		1000		/* the established connection */
#define NEW_PORT	2000		/* the connection made after */
#define FLOOD_PORT	10000		/* first source port of the flood */

/* A TCP segment from PEER_IP:@sport to A_IP:LPORT with @olen bytes of
 * options @opt (a multiple of 4), in an mbuf of the peer's pool. */
static struct rte_mbuf *
seg_mbuf_opt(struct bench *b, uint16_t sport, uint32_t seq, uint32_t ack,
	uint8_t flags, const uint8_t *opt, uint16_t olen, const char *data)
{
	uint8_t f[FRAME_MAX];
	uint8_t *th = f + L4_OFF;
	uint16_t dlen = data != NULL ? (uint16_t)strlen(data) : 0, ck;
	uint16_t hl = (uint16_t)(20 + olen);
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->ppool);
	uint32_t len;

	cr_assert_not_null(m);
	mk_ip(f, &b->mac[0], PEER_IP, A_IP, IPPROTO_TCP, NULL, (uint16_t)(hl + dlen));
	memset(th, 0, 20);
	wr16(th, sport);
	wr16(th + 2, LPORT);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)((hl / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 65535);
	if (olen != 0)
		memcpy(th + 20, opt, olen);
	if (dlen != 0)
		memcpy(th + hl, data, dlen);
	ck = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(f + IP_OFF), th);
	memcpy(th + 16, &ck, 2);
	len = pad60(f, L4_OFF + (uint32_t)hl + dlen);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

/* The same without options. */
static struct rte_mbuf *
seg_mbuf(struct bench *b, uint16_t sport, uint32_t seq, uint32_t ack,
	uint8_t flags, const char *data)
{
	return seg_mbuf_opt(b, sport, seq, ack, flags, NULL, 0, data);
}

/* Send one segment across the wire (pumped) and let the stack answer. */
static void
peer_seg(struct bench *b, uint16_t sport, uint32_t seq, uint32_t ack,
	uint8_t flags, const char *data)
{
	struct rte_mbuf *m = seg_mbuf(b, sport, seq, ack, flags, data);

	cr_assert_eq(rte_eth_tx_burst(b->port[1], 0, &m, 1), 1);
	run(b, 4, 0);
}

/* The stack's TCP segments to @dport, as the peer received them. */
struct seen {
	unsigned int n, synack, data;
	uint32_t synack_seq, last_ack;
};

static struct seen
peer_read(struct bench *b, uint16_t dport)
{
	struct seen s = { 0 };
	struct rte_mbuf *m;

	while ((m = peer_pop(b)) != NULL) {
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		const uint8_t *th = f + L4_OFF;

		if (m->pkt_len >= L4_OFF + 20u && f[IP_OFF + 9] == IPPROTO_TCP &&
				rd16(th + 2) == dport) {
			uint16_t tot = rd16(f + IP_OFF + 2);

			s.n++;
			s.last_ack = rd32(th + 8);
			if (th[13] == (DPS_TH_SYN | DPS_TH_ACK)) {
				s.synack++;
				s.synack_seq = rd32(th + 4);
			}
			if (tot > 20u + (th[12] >> 4) * 4u)
				s.data++;
		}
		rte_pktmbuf_free(m);
	}
	return s;
}

/* Handshake from @sport; returns the stack's ISN. */
static uint32_t
handshake(struct bench *b, uint16_t sport, uint32_t isn)
{
	struct seen s;

	peer_seg(b, sport, isn, 0, DPS_TH_SYN, NULL);
	s = peer_read(b, sport);
	cr_assert_eq(s.synack, 1, "a SYN-ACK to port %u", sport);
	peer_seg(b, sport, isn + 1, s.synack_seq + 1, DPS_TH_ACK, NULL);
	return s.synack_seq;
}

/* The request @data on the accepted @fd: read by the app, answered. */
static void
serve_one(struct bench *b, int fd, uint16_t sport, const char *resp)
{
	char buf[256];
	struct seen s;
	ssize_t n;

	run(b, 4, MS);
	n = dps_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	cr_assert_gt(n, 0, "the request is read: %s", strerror(errno));
	cr_assert_eq(dps_send(fd, resp, strlen(resp), 0), (ssize_t)strlen(resp));
	run(b, 4, MS);
	s = peer_read(b, sport);
	cr_assert_geq(s.data, 1, "the response left");
}

static int
listener(struct bench *b)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(LPORT) };
	int fd = dps_socket_on(b->s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(fd, BACKLOG), 0);
	return fd;
}

/* The stack on a small pool and short device queues, the peer static. */
static struct dps_stack *
overload_up(struct bench *b)
{
	struct dps_testwire_conf wc = { .seed = 1, .ring_size = WIRE_RING };
	struct bench_opts o = { .pool_n = POOL_SMALL };
	struct dps_addr pa = dps_addr_v4(PEER_IP);
	struct dps_stack *s;

	bench_up_opts(b, "ovl", &wc, true, &o);
	s = stack_new(b, 0, "so", A_IP, 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	stack_start(b, 0);
	settle(b);
	peer_flush(b);
	return s;
}

/*
 * FLOOD SYNs from distinct ports, a receive burst at a time, with the
 * link not drained; a request on the established connection in the
 * middle. Returns the fewest free mbufs seen.
 */
static unsigned int
flood(struct bench *b, uint32_t c_seq, uint32_t c_ack)
{
	unsigned int low = UINT32_MAX;

	for (unsigned int i = 0; i < FLOOD; i += 32) {
		struct rte_mbuf *ms[32];
		unsigned int k;

		for (k = 0; k < 32; k++)
			ms[k] = seg_mbuf(b, (uint16_t)(FLOOD_PORT + i + k), 7 * (i + k),
				0, DPS_TH_SYN, NULL);
		if (i == 32 * (FLOOD / 64))
			ms[0] = (rte_pktmbuf_free(ms[0]), seg_mbuf(b, C_PORT, c_seq, c_ack,
				DPS_TH_ACK, "GET / HTTP/1.1\r\n\r\n"));
		cr_assert_eq(dps_testwire_inject(b->w, 0, ms, 32), 32);
		dps_stack_poll(b->s[0], 0);
		low = RTE_MIN(low, rte_mempool_avail_count(b->pool));
	}
	return low;
}

Test(dpdk, overload_keeps_a_transmit_reserve)
{
	struct bench b;
	struct dps_stack *s = overload_up(&b);
	unsigned int base_mbufs = dps_test_pool_in_use(b.pool);
	unsigned int base_socks = dps_pool_in_use(dps_socks(s)->pool);
	struct dps_counters c0, c;
	struct dps_sock_stats st;
	unsigned int low;
	int lfd = listener(&b), cfd, nfd;
	uint32_t c_isn = 100, n_isn = 5000, iss;

	/* An established, accepted connection before the flood. */
	iss = handshake(&b, C_PORT, c_isn);
	cfd = dps_accept(lfd, NULL, NULL);
	cr_assert_geq(cfd, 0, "accept: %s", strerror(errno));
	c0 = cnt(&b, 0);

	low = flood(&b, c_isn + 1, iss + 1);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_nomem], c0.drop[DPS_DROP_nomem],
		"no allocation failed: %" PRIu64 " nomem",
		c.drop[DPS_DROP_nomem] - c0.drop[DPS_DROP_nomem]);
	/* Give or take what one poll has in hand: a receive burst and the
	 * frames built for it before the flush. */
	cr_assert_geq(low + 2 * DPS_BURST, s->lc[0]->pool_reserve,
		"the pool kept its reserve: %u free at the lowest, reserve %u", low,
		s->lc[0]->pool_reserve);
	/* Counted by reason: beyond the SYN queue cookies, beyond the
	 * device queue and the backlog tx_full. */
	cr_assert_geq(c.tcp_syncookies_sent - c0.tcp_syncookies_sent, FLOOD / 2);
	cr_assert_gt(c.drop[DPS_DROP_tx_full], c0.drop[DPS_DROP_tx_full]);
	/* The SYN queue's children are counted as half-open. */
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.half_open, BACKLOG, "%u half-open", st.half_open);

	/* The link drains: the established connection is served. */
	run(&b, 40, MS);
	peer_flush(&b);
	serve_one(&b, cfd, C_PORT, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

	/* A new connection completes (the SYN queue is still full of the
	 * flood's children: by cookie), and is served. */
	iss = handshake(&b, NEW_PORT, n_isn);
	nfd = dps_accept(lfd, NULL, NULL);
	cr_assert_geq(nfd, 0, "accept after the flood: %s", strerror(errno));
	peer_seg(&b, NEW_PORT, n_isn + 1, iss + 1, DPS_TH_ACK, "GET / HTTP/1.1\r\n\r\n");
	serve_one(&b, nfd, NEW_PORT, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

	/* Everything goes: the connections (abort, no FIN exchange), the
	 * listener with its queue, the flood's children at their timers. */
	cr_assert_eq(dps_setsockopt(cfd, SOL_SOCKET, SO_LINGER,
		&(struct linger){ 1, 0 }, sizeof(struct linger)), 0);
	cr_assert_eq(dps_setsockopt(nfd, SOL_SOCKET, SO_LINGER,
		&(struct linger){ 1, 0 }, sizeof(struct linger)), 0);
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(nfd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	for (int i = 0; i < 300 && dps_tcp_lc(s->lc[0])->n_conns != 0; i++) {
		run(&b, 1, S);
		peer_flush(&b);
	}
	run(&b, 3, DPS_TICK_NS);
	peer_flush(&b);
	cr_assert_eq(dps_tcp_lc(s->lc[0])->n_conns, 0, "%u connections left", dps_tcp_lc(s->lc[0])->n_conns);
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.half_open, 0, "the flood's children timed out on their own");
	cr_assert_eq(dps_pool_in_use(dps_socks(s)->pool), base_socks);
	cr_assert_eq(dps_test_pool_in_use(b.pool), base_mbufs,
		"stack pool: %u in use, baseline %u", dps_test_pool_in_use(b.pool),
		base_mbufs);
	bench_down(&b);
}

/*
 * Down to the reserve (the test holds the rest of the pool, as unread
 * payload elsewhere would): payload is dropped before the TCB and counted
 * (rx_reserve) while its ACK is still answered, and a SYN is answered
 * with a cookie instead of a child. With the mbufs back, the same bytes
 * are taken. Closed with its FIN unanswered, the connection is counted as
 * an orphan until the orphan retries end it.
 */
Test(dpdk, overload_reserve_drops_payload_not_acks)
{
	struct bench b;
	struct dps_stack *s = overload_up(&b);
	unsigned int base_mbufs = dps_test_pool_in_use(b.pool);
	struct rte_mbuf *held[POOL_SMALL];
	unsigned int n_held = 0;
	struct dps_counters c0, c;
	struct dps_sock_stats st;
	int lfd = listener(&b), cfd;
	uint32_t isn = 100, iss;
	struct seen seen;
	char buf[64];

	iss = handshake(&b, C_PORT, isn);
	cfd = dps_accept(lfd, NULL, NULL);
	cr_assert_geq(cfd, 0);
	while (rte_mempool_avail_count(b.pool) >= s->lc[0]->pool_reserve - 4)
		held[n_held++] = rte_pktmbuf_alloc(b.pool);
	c0 = cnt(&b, 0);

	peer_seg(&b, C_PORT, isn + 1, iss + 1, DPS_TH_ACK | DPS_TH_PSH, "hello");
	seen = peer_read(&b, C_PORT);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_rx_reserve], c0.drop[DPS_DROP_rx_reserve] + 1);
	cr_assert(seen.n == 0 || seen.last_ack == isn + 1,
		"its bytes are not acknowledged");
	cr_assert_eq(dps_recv(cfd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	cr_assert_eq(errno, EAGAIN);

	peer_seg(&b, NEW_PORT, 9000, 0, DPS_TH_SYN, NULL);
	seen = peer_read(&b, NEW_PORT);
	c = cnt(&b, 0);
	cr_assert_eq(seen.synack, 1, "a SYN-ACK still leaves");
	cr_assert_eq(c.tcp_syncookies_mem, c0.tcp_syncookies_mem + 1, "by cookie");
	cr_assert_eq(c.tcp_passive_opens, c0.tcp_passive_opens, "no child");

	while (n_held > 0)
		rte_pktmbuf_free(held[--n_held]);
	peer_seg(&b, C_PORT, isn + 1, iss + 1, DPS_TH_ACK | DPS_TH_PSH, "hello");
	seen = peer_read(&b, C_PORT);
	cr_assert_eq(seen.last_ack, isn + 6, "taken once the mbufs are back");
	cr_assert_eq(dps_recv(cfd, buf, sizeof(buf), MSG_DONTWAIT), 5);

	/* Closed with its FIN unanswered, as by a client that went away:
	 * an orphan until the orphan retries end it. */
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	run(&b, 8, MS);
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.orphans, 1, "%u orphans", st.orphans);
	for (int i = 0; i < 600 && dps_tcp_lc(s->lc[0])->n_conns != 0; i++) {
		run(&b, 1, S);
		peer_flush(&b);
	}
	run(&b, 3, DPS_TICK_NS);
	peer_flush(&b);
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.orphans, 0, "the orphan timed out on its own");
	cr_assert_eq(dps_tcp_lc(s->lc[0])->n_conns, 0);
	cr_assert_eq(dps_test_pool_in_use(b.pool), base_mbufs);
	bench_down(&b);
}

/*
 * The descriptor table holds more than a million (ten million connections
 * need ten million descriptors; it stopped at 2^20), and released numbers
 * come back last in, first out. Objects of no kind the table looks into:
 * the table only stores them.
 */
Test(dpdk, overload_descriptors_beyond_a_million, .timeout = 120)
{
	const uint32_t n = (1u << 20) + 4096;
	struct dps_obj *objs = calloc(n, sizeof(*objs));
	int *fds = malloc(n * sizeof(*fds));
	int top = -1;

	cr_assert(objs != NULL && fds != NULL);
	for (uint32_t i = 0; i < n; i++) {
		objs[i].kind = DPS_OBJ_EPOLL;
		fds[i] = dps_fd_alloc(&objs[i]);
		cr_assert_geq(fds[i], 0, "descriptor %u: %s", i, strerror(errno));
		cr_assert_eq(objs[i].fd, fds[i]);
		top = fds[i] > top ? fds[i] : top;
	}
	cr_assert_geq(top, 1 << 20, "the highest number is %d", top);
	/* The last three released come back first, latest first. */
	for (uint32_t i = n - 3; i < n; i++) {
		cr_assert(dps_fd_clear(fds[i], &objs[i]));
		dps_fd_release(fds[i]);
	}
	for (uint32_t i = n; i-- > n - 3;) {
		int fd = dps_fd_alloc(&objs[i]);

		cr_assert_eq(fd, fds[i], "got %d, want %d (LIFO)", fd, fds[i]);
	}
	for (uint32_t i = 0; i < n; i++) {
		cr_assert(dps_fd_clear(fds[i], &objs[i]));
		dps_fd_release(fds[i]);
	}
	free(fds);
	free(objs);
}

/*
 * A cookie's SYN-ACK carries what the SYN offered in its TSval's low
 * bits: the peer's window scale (Linux's cookie_init_timestamp() encodes
 * ireq->snd_wscale) and SACK. The connection the ACK rebuilds scales the
 * peer's window by the peer's shift, 7 here, not by ours.
 */
Test(dpdk, overload_cookie_keeps_peer_wscale)
{
	struct bench b;
	struct dps_stack *s = overload_up(&b);
	unsigned int base_mbufs = dps_test_pool_in_use(b.pool);
	unsigned int base_socks = dps_pool_in_use(dps_socks(s)->pool);
	/* MSS 1460, SACK-permitted, timestamps (TSval 100), wscale 7. */
	uint8_t syn_opt[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100,
		0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t ack_opt[12] = { 1, 1, 8, 10, 0, 0, 0, 101 };
	struct dps_counters c0, c;
	struct dps_sock_stats st;
	struct rte_mbuf *m;
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	uint32_t synack_seq = 0, tsval = 0;
	int lfd = listener(&b), fd;

	for (unsigned int i = 0; i < BACKLOG; i++)
		peer_seg(&b, (uint16_t)(FLOOD_PORT + i), 7 * i, 0, DPS_TH_SYN, NULL);
	peer_flush(&b);
	c0 = cnt(&b, 0);
	m = seg_mbuf_opt(&b, NEW_PORT, 5000, 0, DPS_TH_SYN, syn_opt, sizeof(syn_opt), NULL);
	cr_assert_eq(rte_eth_tx_burst(b.port[1], 0, &m, 1), 1);
	run(&b, 4, 0);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_syncookies_sent, c0.tcp_syncookies_sent + 1, "a cookie");
	while ((m = peer_pop(&b)) != NULL) {
		const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *, L4_OFF);

		/* Our SYN-ACK's options: MSS, SACK-permitted, timestamps. */
		if (rd16(th + 2) == NEW_PORT && th[13] == (DPS_TH_SYN | DPS_TH_ACK)) {
			synack_seq = rd32(th + 4);
			for (unsigned int i = 20; i + 1 < (th[12] >> 4) * 4u;)
				if (th[i] == 1) {
					i++;
				} else {
					if (th[i] == 8)
						tsval = rd32(th + i + 2);
					i += th[i + 1];
				}
		}
		rte_pktmbuf_free(m);
	}
	cr_assert_neq(tsval, 0, "a SYN-ACK with timestamps");
	cr_assert_eq(tsval & 0x1f, 0x10 | 7, "TSval %#x: SACK and the peer's shift 7",
		tsval);
	wr32(ack_opt + 8, tsval);
	m = seg_mbuf_opt(&b, NEW_PORT, 5001, synack_seq + 1, DPS_TH_ACK, ack_opt,
		sizeof(ack_opt), NULL);
	cr_assert_eq(rte_eth_tx_burst(b.port[1], 0, &m, 1), 1);
	run(&b, 4, 0);
	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_syncookies_ok, c0.tcp_syncookies_ok + 1);
	fd = dps_accept(lfd, NULL, NULL);
	cr_assert_geq(fd, 0, "accept: %s", strerror(errno));
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
	cr_assert(ti.tcpi_options & TCPI_OPT_WSCALE);
	cr_assert_eq(ti.tcpi_snd_wscale, 7, "the peer's shift: %u", ti.tcpi_snd_wscale);
	cr_assert(ti.tcpi_options & TCPI_OPT_SACK);

	cr_assert_eq(dps_setsockopt(fd, SOL_SOCKET, SO_LINGER,
		&(struct linger){ 1, 0 }, sizeof(struct linger)), 0);
	cr_assert_eq(dps_close(fd), 0);
	for (unsigned int i = 0; i < BACKLOG; i++)
		peer_seg(&b, (uint16_t)(FLOOD_PORT + i), 7 * i + 1, 0, DPS_TH_RST, NULL);
	cr_assert_eq(dps_close(lfd), 0);
	run(&b, 3, DPS_TICK_NS);
	peer_flush(&b);
	dps_stack_sock_stats(s, &st);
	cr_assert_eq(st.half_open, 0, "%u half-open", st.half_open);
	cr_assert_eq(dps_tcp_lc(s->lc[0])->n_conns, 0);
	cr_assert_eq(dps_pool_in_use(dps_socks(s)->pool), base_socks);
	cr_assert_eq(dps_test_pool_in_use(b.pool), base_mbufs);
	bench_down(&b);
}
