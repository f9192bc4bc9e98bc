/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack end to end on the test wire, under a virtual clock.
 *
 * Two set-ups:
 *  - two stacks, A (198.18.0.1/24) on side 0 and B (198.18.0.2/24) on
 *    side 1, both polled from the test thread;
 *  - one stack on side 0 and a "raw peer" on side 1: the test configures
 *    side 1's port itself, injects crafted frames with rte_eth_tx_burst()
 *    and reads what the stack sends with rte_eth_rx_burst().
 * The bench, the raw peer and the virtual clock live in dps_bench.c.
 *
 * dps_ping() blocks, so it runs in a pinger thread while the test thread
 * polls and pumps. The virtual clock only moves while a stack has a ping
 * outstanding (or a request queued): the pinger's own scheduling delays
 * then cost no virtual time, and a ping's duration in virtual time is
 * exact to one step whatever the machine's load.
 *
 * Each test ends with the stacks and the wire destroyed and checks that
 * the test pools (the stacks get theirs through dps_stack_conf.pools) have
 * every mbuf back.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_arp.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dpstack.h"
#include "dps_stack_priv.h"
#include "dps_ip.h"
#include "dps_port.h"
#include "dps_wire.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

/* ---- pinger threads ---------------------------------------------------- */

struct pinger {
	struct bench *b;
	struct dps_stack *s;
	uint32_t dst;
	unsigned int count;		/* pings */
	unsigned int tries;		/* attempts per ping */
	uint32_t timeout_ms;
	pthread_t th;
	/* Results, read after the join. */
	int attach_errno;
	unsigned int attempts, ok, fail_timedout, fail_unreach, fail_other;
	int last_rc, last_errno;
	uint64_t last_rtt, t_start, t_end, rtt_max;
	uintptr_t stack_lo, stack_hi;	/* the thread's stack */
	int done;
};

static void *
pinger_main(void *arg)
{
	struct pinger *p = arg;
	struct dps_thread *t = dps_thread_attach(p->s);
	struct dps_addr dst = dps_addr_v4(p->dst);
	pthread_attr_t attr;
	void *lo;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
			p->stack_lo = (uintptr_t)lo;
			p->stack_hi = (uintptr_t)lo + size;
		}
		pthread_attr_destroy(&attr);
	}
	if (t == NULL) {
		p->attach_errno = errno;
		__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (unsigned int i = 0; i < p->count; i++) {
		for (unsigned int k = 0; k < p->tries; k++) {
			uint16_t seq = (uint16_t)(1 + i * p->tries + k);
			uint64_t rtt = 0;

			p->attempts++;
			p->t_start = vnow(p->b);
			p->last_rc = dps_ping(t, &dst, seq, p->timeout_ms, &rtt);
			p->last_errno = p->last_rc == 0 ? 0 : errno;
			p->t_end = vnow(p->b);
			if (p->last_rc == 0) {
				p->ok++;
				p->last_rtt = rtt;
				p->rtt_max = RTE_MAX(p->rtt_max, rtt);
				break;
			}
			if (p->last_errno == ETIMEDOUT)
				p->fail_timedout++;
			else if (p->last_errno == EHOSTUNREACH)
				p->fail_unreach++;
			else
				p->fail_other++;
		}
	}
	dps_thread_detach(t);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
pinger_start(struct pinger *p, struct bench *b, struct dps_stack *s,
	uint32_t dst, unsigned int count, unsigned int tries, uint32_t timeout_ms)
{
	memset(p, 0, sizeof(*p));
	p->b = b;
	p->s = s;
	p->dst = dst;
	p->count = count;
	p->tries = tries;
	p->timeout_ms = timeout_ms;
	cr_assert_eq(pthread_create(&p->th, NULL, pinger_main, p), 0);
}

static bool
pinger_done(const struct pinger *p)
{
	return __atomic_load_n(&p->done, __ATOMIC_ACQUIRE) != 0;
}

/* Does a stack hold a request (in its ring or its pending pings)? */
static bool
stack_busy(const struct bench *b)
{
	for (int i = 0; i < 2; i++) {
		const struct dps_lcore *lc;

		if (b->s[i] == NULL)
			continue;
		lc = b->s[i]->lc[0];
		if (dps_ping_pending(lc) != NULL || rte_ring_count(lc->req_ring) != 0)
			return true;
	}
	return false;
}

/*
 * Poll and pump until every pinger is done. The clock moves by @dt per
 * iteration only while a stack holds a request.
 */
static void
run_pingers(struct bench *b, struct pinger *p, unsigned int n, uint64_t dt,
	uint64_t vlimit)
{
	double t_end = real_s() + 30;

	for (;;) {
		bool all = true;

		for (unsigned int i = 0; i < n; i++)
			all = all && pinger_done(&p[i]);
		if (all)
			break;
		step(b, 0);
		if (stack_busy(b))
			vadvance(b, dt);
		else
			usleep(20);
		cr_assert_lt(vnow(b), vlimit, "virtual time limit reached");
		cr_assert_lt(real_s(), t_end, "pingers stuck");
	}
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(pthread_join(p[i].th, NULL), 0);
		cr_assert_eq(p[i].attach_errno, 0, "dps_thread_attach: %s",
			strerror(p[i].attach_errno));
	}
}

/* One ping from a pinger thread; returns its errno (0: reply). */
static int
ping_once(struct bench *b, struct dps_stack *s, uint32_t dst,
	uint32_t timeout_ms, uint64_t dt, uint64_t *elapsed)
{
	struct pinger p;

	pinger_start(&p, b, s, dst, 1, 1, timeout_ms);
	run_pingers(b, &p, 1, dt, vnow(b) + 120 * S);
	if (elapsed != NULL)
		*elapsed = p.t_end - p.t_start;
	cr_assert_eq(p.attempts, 1);
	return p.last_rc == 0 ? 0 : p.last_errno;
}


/* ======================================================================= */

Test(dpdk, stack_garp_at_start)
{
	struct bench b;
	uint8_t want[60];
	struct rte_mbuf *m;
	struct dps_counters c;

	bench_up(&b, "sgarp", NULL, true);
	stack_new(&b, 0, "sa", A_IP, 0);
	stack_start(&b, 0);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no gratuitous ARP");
	want_arp(want, &bcast_mac, &b.mac[0], RTE_ARP_OP_REQUEST, &b.mac[0], A_IP,
		&zero_mac, A_IP);
	assert_bytes(m, want, 60);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b), "one gratuitous ARP per address");
	c = cnt(&b, 0);
	cr_assert_eq(c.arp_tx_request, 1);
	cr_assert_eq(c.eth_tx_pkts, 1);
	cr_assert_eq(c.eth_tx_bytes, 60);
	run(&b, 50, 10 * MS);
	cr_assert_null(peer_pop(&b), "sent once only");
	bench_down(&b);
}

/* A work function that says it did work. */
static unsigned int
busy_work(struct dps_stack *s, unsigned int idx, void *arg)
{
	(void)s, (void)idx, (void)arg;
	return 1;
}

/* 50 polls of side 0, 1 ms apart, with a work function that says it
 * worked (@busy) or none; the busy and idle cycles they were charged, and
 * the TSC cycles the whole took, into @out[0..2]. */
static void
charged_polls(struct bench *b, bool busy, uint64_t out[3])
{
	struct dps_counters c0, c;
	uint64_t t0;

	dps_stack_set_work(b->s[0], 0, busy ? busy_work : NULL, NULL);
	dps_stack_poll(b->s[0], 0);	/* charges the poll before, whatever it was */
	c0 = cnt(b, 0);
	t0 = rte_rdtsc();
	for (unsigned int i = 0; i < 50; i++) {
		usleep(1000);
		dps_stack_poll(b->s[0], 0);
	}
	out[2] = rte_rdtsc() - t0;
	c = cnt(b, 0);
	out[0] = c.poll_busy_cycles - c0.poll_busy_cycles;
	out[1] = c.poll_idle_cycles - c0.poll_idle_cycles;
	cr_assert_eq(c.poll_loops, c0.poll_loops + 50);
}

/*
 * Busy and idle cycles (/dpstack/lcores) come from one TSC read per poll:
 * each poll's span, from its start to the next's, is charged to busy or
 * idle by what it did. Polls that work charge busy only, idle ones idle
 * only, and the spans cover the time between polls too (here the test's
 * sleeps), which the former start-to-end measure left out.
 */
Test(dpdk, stack_poll_cycles_start_to_start)
{
	struct bench b;
	uint64_t v[3];

	raw_up(&b, "scyc", false);
	settle(&b);
	peer_flush(&b);
	charged_polls(&b, true, v);
	cr_assert_eq(v[1], 0, "busy polls charged %" PRIu64 " idle cycles", v[1]);
	cr_assert_geq(v[0], v[2] * 9 / 10, "busy %" PRIu64 " of %" PRIu64 " cycles",
		v[0], v[2]);
	charged_polls(&b, false, v);
	cr_assert_eq(v[0], 0, "idle polls charged %" PRIu64 " busy cycles", v[0]);
	cr_assert_geq(v[1], v[2] * 9 / 10, "idle %" PRIu64 " of %" PRIu64 " cycles",
		v[1], v[2]);
	bench_down(&b);
}

Test(dpdk, stack_ping_both_ways)
{
	enum { N = 3 };
	struct bench b;
	struct pinger p;
	struct dps_counters a, z;

	bench_up(&b, "spbw", NULL, false);
	stack_new(&b, 0, "sa", A_IP, 0);
	stack_new(&b, 1, "sb", B_IP, 0);
	stack_start(&b, 0);
	stack_start(&b, 1);
	settle(&b);
	/* Each saw the other's gratuitous ARP: not for it, learns nothing. */
	for (int i = 0; i < 2; i++) {
		struct dps_counters c = cnt(&b, i);

		cr_assert_eq(c.arp_tx_request, 1);
		cr_assert_eq(c.drop[DPS_DROP_arp_not_for_us], 1);
		cr_assert_eq(c.arp_learned, 0);
	}

	pinger_start(&p, &b, b.s[0], B_IP, N, 1, 1000);
	run_pingers(&b, &p, 1, 100 * US, T0 + 60 * S);
	cr_assert_eq(p.ok, N, "A->B: %u/%u, last errno %d", p.ok, N, p.last_errno);
	cr_assert_gt(p.last_rtt, 0);
	cr_assert_lt(p.rtt_max, 10 * MS, "virtual RTT is a few steps");

	pinger_start(&p, &b, b.s[1], A_IP, N, 1, 1000);
	run_pingers(&b, &p, 1, 100 * US, T0 + 60 * S);
	cr_assert_eq(p.ok, N, "B->A: %u/%u, last errno %d", p.ok, N, p.last_errno);
	settle(&b);

	a = cnt(&b, 0);
	z = cnt(&b, 1);
	/* A asked for B once (plus its gratuitous ARP); B answered. */
	cr_assert_eq(a.arp_tx_request, 2);
	cr_assert_eq(a.arp_tx_reply, 0);
	cr_assert_eq(a.arp_rx, 1);
	cr_assert_eq(a.arp_learned, 1);
	cr_assert_eq(z.arp_tx_request, 1, "B learned A from A's request");
	cr_assert_eq(z.arp_tx_reply, 1);
	cr_assert_eq(z.arp_rx, 1);
	cr_assert_eq(z.arp_learned, 1);
	for (int i = 0; i < 2; i++) {
		struct dps_counters c = cnt(&b, i);

		cr_assert_eq(c.icmp_tx_echo_request, N, "side %d", i);
		cr_assert_eq(c.icmp_rx_echo_reply, N, "side %d", i);
		cr_assert_eq(c.icmp_rx_echo_request, N, "side %d", i);
		cr_assert_eq(c.icmp_tx_echo_reply, N, "side %d", i);
		cr_assert_eq(c.ip_rx, 2 * N);
		cr_assert_eq(c.ip_tx, 2 * N);
		cr_assert_eq(c.req_rx, N);
		cr_assert_eq(c.eth_tx_pkts, 2 + 2 * N);
		cr_assert_eq(c.eth_rx_pkts, 2 + 2 * N);
		cr_assert_eq(dps_counters_total_drops(&c), 1, "only the GARP");
		cr_assert_eq(c.icmp_tx_unreach, 0);
	}
	bench_down(&b);
}

Test(dpdk, stack_arp_raw_peer)
{
	static const struct rte_ether_addr prober = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b } };
	struct bench b;
	struct dps_stack *s;
	uint8_t f[FRAME_MAX], want[60];
	struct rte_mbuf *m;
	struct dps_counters c0, c;
	const struct dps_arp_entry *e;
	uint32_t len;

	s = raw_up(&b, "sarp", false);

	/* A request for the stack's address: a reply, byte for byte. */
	c0 = cnt(&b, 0);
	len = mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &peer_mac, PEER_IP,
		&zero_mac, A_IP);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no ARP reply");
	want_arp(want, &peer_mac, &b.mac[0], RTE_ARP_OP_REPLY, &b.mac[0], A_IP,
		&peer_mac, PEER_IP);
	assert_bytes(m, want, 60);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));
	c = cnt(&b, 0);
	cr_assert_eq(c.arp_rx, c0.arp_rx + 1);
	cr_assert_eq(c.arp_tx_reply, c0.arp_tx_reply + 1);
	cr_assert_eq(c.arp_learned, c0.arp_learned + 1);
	cr_assert_eq(dps_counters_total_drops(&c), 0);
	e = dps_arp_lookup(&s->lc[0]->arp, 0, PEER_IP);
	cr_assert_not_null(e, "the requester is learned");
	cr_assert_eq(e->state, DPS_ARP_REACHABLE);
	cr_assert(rte_is_same_ether_addr(&e->mac, &peer_mac));

	/* A request for another address: silence, one drop, nothing learned. */
	c0 = c;
	len = mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &prober,
		IP(198, 18, 0, 10), &zero_mac, NOBODY_IP);
	peer_send(&b, f, len);
	settle(&b);
	cr_assert_null(peer_pop(&b), "answered an ARP request not for us");
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_arp_not_for_us, "arp for another");
	cr_assert_eq(c.arp_tx_reply, c0.arp_tx_reply);
	cr_assert_eq(c.arp_learned, c0.arp_learned);
	cr_assert_null(dps_arp_lookup(&s->lc[0]->arp, 0, IP(198, 18, 0, 10)));

	/* An RFC 5227 probe (sender 0.0.0.0): answered, teaches nothing. */
	c0 = c;
	len = mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &prober, 0, &zero_mac,
		A_IP);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "probe not answered");
	want_arp(want, &prober, &b.mac[0], RTE_ARP_OP_REPLY, &b.mac[0], A_IP,
		&prober, 0);
	assert_bytes(m, want, 60);
	rte_pktmbuf_free(m);
	c = cnt(&b, 0);
	cr_assert_eq(c.arp_learned, c0.arp_learned);
	cr_assert_eq(c.arp_tx_reply, c0.arp_tx_reply + 1);
	bench_down(&b);
}

Test(dpdk, stack_echo_raw_peer)
{
	struct bench b;
	uint8_t f[FRAME_MAX], want[60];
	struct rte_mbuf *m;
	struct dps_counters c0, c;
	const uint8_t *ip, *icmp, *req_icmp;
	uint16_t op;
	uint32_t spa, tpa, len;

	raw_up(&b, "secho", false);

	/* The stack must ARP for the peer before it can answer. */
	len = mk_echo(f, &b.mac[0], A_IP, 0x1234, 7, 48);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no ARP request for the peer");
	cr_assert(is_arp(m, &op, &spa, &tpa));
	want_arp(want, &bcast_mac, &b.mac[0], RTE_ARP_OP_REQUEST, &b.mac[0], A_IP,
		&zero_mac, PEER_IP);
	assert_bytes(m, want, 60);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b), "the reply waits for ARP");

	len = mk_arp(want, RTE_ARP_OP_REPLY, &b.mac[0], &peer_mac, PEER_IP,
		&b.mac[0], A_IP);
	peer_send(&b, want, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no echo reply");
	ip = check_ip_frame(m, &b.mac[0], A_IP, PEER_IP, IPPROTO_ICMP);
	icmp = ip + 20;
	req_icmp = f + L4_OFF;
	cr_assert_eq(rd16(ip + 2), 20 + 8 + 48);
	cr_assert_eq(icmp[0], 0, "echo reply");
	cr_assert_eq(icmp[1], 0);
	cr_assert_eq(rd16(icmp + 4), 0x1234, "id");
	cr_assert_eq(rd16(icmp + 6), 7, "seq");
	cr_assert_eq(memcmp(icmp + 8, req_icmp + 8, 48), 0, "data echoed");
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));
	c = cnt(&b, 0);
	cr_assert_eq(c.icmp_rx_echo_request, 1);
	cr_assert_eq(c.icmp_tx_echo_reply, 1);
	cr_assert_eq(c.arp_learned, 1);
	cr_assert_eq(dps_counters_total_drops(&c), 0);

	/* IP options are not echoed, Ethernet padding is not echoed. */
	len = mk_echo(f, &b.mac[0], A_IP, 0x55aa, 8, 0);	/* 42 -> 60 */
	memmove(f + L4_OFF + 4, f + L4_OFF, 8);
	memset(f + L4_OFF, 1, 4);	/* four NOP options */
	f[IP_OFF] = 0x46;
	wr16(f + IP_OFF + 2, 20 + 4 + 8);
	ip_fix_csum(f + IP_OFF);
	len = pad60(f, L4_OFF + 4 + 8);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no reply to a request with options");
	ip = check_ip_frame(m, &b.mac[0], A_IP, PEER_IP, IPPROTO_ICMP);
	cr_assert_eq(m->pkt_len, L4_OFF + 8u);
	cr_assert_eq(ip[20], 0);
	cr_assert_eq(rd16(ip + 24), 0x55aa);
	cr_assert_eq(rd16(ip + 26), 8);
	rte_pktmbuf_free(m);

	/* Echo to a broadcast address: ignored and counted. */
	c0 = cnt(&b, 0);
	len = mk_echo(f, &bcast_mac, BCAST_IP, 1, 1, 16);
	peer_send(&b, f, len);
	settle(&b);
	cr_assert_null(peer_pop(&b), "answered a directed broadcast echo");
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_icmp_echo_bcast, "directed bcast");
	cr_assert_eq(c.icmp_rx_echo_request, c0.icmp_rx_echo_request + 1);
	cr_assert_eq(c.icmp_tx_echo_reply, c0.icmp_tx_echo_reply);
	c0 = c;
	len = mk_echo(f, &bcast_mac, LBCAST_IP, 1, 2, 16);
	peer_send(&b, f, len);
	settle(&b);
	cr_assert_null(peer_pop(&b), "answered a limited broadcast echo");
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_icmp_echo_bcast, "limited bcast");
	bench_down(&b);
}

/*
 * A /31 point-to-point prefix has no broadcast address (RFC 3021 2.2): the
 * other end's address, which is the "all ones" host of the /31, is a unicast
 * host. An echo from it is answered to its MAC, not to ff:ff:ff:ff:ff:ff.
 */
Test(dpdk, stack_echo_on_slash31)
{
	const uint32_t here = IP(198, 18, 2, 0), there = IP(198, 18, 2, 1);
	struct dps_addr a31 = dps_addr_v4(here), pa = dps_addr_v4(there);
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	const uint8_t *ip;
	uint32_t len;

	bench_up(&b, "s31", NULL, true);
	stack_new(&b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_addr(b.s[0], 0, &a31, 31), 0);
	cr_assert_eq(dps_stack_add_arp(b.s[0], 0, &pa, &peer_mac), 0);
	stack_start(&b, 0);
	settle(&b);
	peer_flush(&b);	/* the gratuitous ARPs */

	len = mk_echo(f, &b.mac[0], here, 0x3131, 1, 16);
	memcpy(f + IP_OFF + 12, &there, 4);
	ip_fix_csum(f + IP_OFF);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no echo reply on the /31");
	ip = check_ip_frame(m, &b.mac[0], here, there, IPPROTO_ICMP);
	cr_assert_eq(ip[20], 0, "echo reply");
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));
	bench_down(&b);
}

/* Check @m is an ICMP dest unreachable @code about the packet at @orig
 * (an IPv4 packet of @orig_len bytes) sent to @to. */
static void
check_unreach(const struct rte_mbuf *m, const struct rte_ether_addr *smac,
	uint32_t to, uint8_t code, const uint8_t *orig, uint16_t orig_len)
{
	const uint8_t *ip = check_ip_frame(m, smac, to, PEER_IP, IPPROTO_ICMP);
	const uint8_t *icmp = ip + 20;
	uint16_t qlen = RTE_MIN(orig_len, (uint16_t)(576 - 20 - 8));

	cr_assert_eq(icmp[0], 3, "destination unreachable");
	cr_assert_eq(icmp[1], code);
	cr_assert_eq(rd32n(icmp + 4), 0, "unused word");
	cr_assert_eq(rd16(ip + 2), 20 + 8 + qlen, "quote of %u bytes", qlen);
	cr_assert_geq(qlen, 20 + 8, "IP header + 8 bytes at least");
	cr_assert_leq(rd16(ip + 2), 576);
	cr_assert_eq(memcmp(icmp + 8, orig, qlen), 0, "quote is the original");
}

Test(dpdk, stack_unreachables)
{
	struct bench b;
	uint8_t f[FRAME_MAX], raw[64];
	struct rte_mbuf *m;
	struct dps_counters c0, c;
	uint32_t len;

	raw_up(&b, "sunr", true);

	/* UDP to a port nobody has: port unreachable. */
	len = mk_udp(f, &b.mac[0], A_IP, 40000, 9, 100);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no port unreachable");
	check_unreach(m, &b.mac[0], A_IP, 3, f + IP_OFF, 20 + 8 + 100);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));
	c = cnt(&b, 0);
	cr_assert_eq(c.udp_rx, 1);
	cr_assert_eq(c.icmp_tx_unreach, 1);
	cr_assert_eq(c.drop[DPS_DROP_udp_no_port], 1);
	cr_assert_eq(dps_counters_total_drops(&c), 1);

	/* A big datagram: the error stays within 576 bytes. */
	len = mk_udp(f, &b.mac[0], A_IP, 40001, 7, 1000);
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m);
	check_unreach(m, &b.mac[0], A_IP, 3, f + IP_OFF, 20 + 8 + 1000);
	cr_assert_eq(m->pkt_len, ETH_LEN + 576u);
	rte_pktmbuf_free(m);

	/* An unknown protocol: protocol unreachable. */
	memset(raw, 0x5c, sizeof(raw));
	len = pad60(f, mk_ip(f, &b.mac[0], PEER_IP, A_IP, 253, raw, 12));
	peer_send(&b, f, len);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no protocol unreachable");
	check_unreach(m, &b.mac[0], A_IP, 2, f + IP_OFF, 20 + 12);
	rte_pktmbuf_free(m);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_ip_unknown_proto], 1);
	cr_assert_eq(c.icmp_tx_unreach, 3);

	/* Never an error about a broadcast. */
	c0 = c;
	len = mk_udp(f, &bcast_mac, BCAST_IP, 40000, 9, 10);
	peer_send(&b, f, len);
	len = mk_udp(f, &bcast_mac, LBCAST_IP, 40000, 9, 10);
	peer_send(&b, f, len);
	len = pad60(f, mk_ip(f, &bcast_mac, PEER_IP, BCAST_IP, 253, raw, 12));
	peer_send(&b, f, len);
	settle(&b);
	cr_assert_null(peer_pop(&b), "ICMP error about a broadcast");
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_udp_no_port], c0.drop[DPS_DROP_udp_no_port] + 2);
	cr_assert_eq(c.drop[DPS_DROP_ip_unknown_proto],
		c0.drop[DPS_DROP_ip_unknown_proto] + 1);
	cr_assert_eq(c.icmp_tx_unreach, c0.icmp_tx_unreach);
	cr_assert_eq(c.drop[DPS_DROP_icmp_ratelimited], 0);
	bench_down(&b);
}

/* Send @n UDP datagrams at once; returns how many unreachables came back. */
static unsigned int
udp_burst(struct bench *b, unsigned int n)
{
	uint8_t f[FRAME_MAX];
	unsigned int got = 0;
	uint64_t rx0 = cnt(b, 0).eth_rx_pkts;
	struct rte_mbuf *m;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = mk_udp(f, &b->mac[0], A_IP, (uint16_t)(1000 + i),
			9, 20);

		peer_send(b, f, len);
	}
	for (unsigned int k = 0; k < 100 && cnt(b, 0).eth_rx_pkts < rx0 + n; k++)
		step(b, 0);
	cr_assert_eq(cnt(b, 0).eth_rx_pkts, rx0 + n);
	settle(b);
	while ((m = peer_pop(b)) != NULL) {
		const uint8_t *ip = check_ip_frame(m, &b->mac[0], A_IP, PEER_IP,
			IPPROTO_ICMP);

		cr_assert_eq(ip[20], 3);
		cr_assert_eq(ip[21], 3);
		got++;
		rte_pktmbuf_free(m);
	}
	return got;
}

Test(dpdk, stack_icmp_ratelimit)
{
	struct bench b;
	struct dps_counters c;
	unsigned int got;

	raw_up(&b, "srate", true);
	/* 200 datagrams at one virtual instant: the burst of 50 goes out. */
	got = udp_burst(&b, 200);
	c = cnt(&b, 0);
	cr_assert_leq(got, DPS_ICMP_BURST);
	cr_assert_eq(got, DPS_ICMP_BURST, "a full bucket at start");
	cr_assert_eq(c.icmp_tx_unreach, got);
	cr_assert_eq(c.drop[DPS_DROP_icmp_ratelimited], 200 - got);
	cr_assert_eq(c.drop[DPS_DROP_udp_no_port], 200);
	cr_assert_eq(c.udp_rx, 200);

	/* 20 ms later: 20 more tokens (1000/s). */
	vadvance(&b, 20 * MS);
	got = udp_burst(&b, 30);
	cr_assert_eq(got, 20);
	/* A long pause refills to the burst, no further. */
	vadvance(&b, 10 * S);
	got = udp_burst(&b, 100);
	cr_assert_eq(got, DPS_ICMP_BURST);
	c = cnt(&b, 0);
	cr_assert_eq(c.icmp_tx_unreach, 50 + 20 + 50);
	cr_assert_eq(c.drop[DPS_DROP_icmp_ratelimited], 150 + 10 + 50);
	bench_down(&b);
}

/* ---- malformed frames -------------------------------------------------- */

struct bad_frame {
	const char *what;
	int reason;
	uint32_t (*build)(struct bench *b, uint8_t *f);
};

static uint32_t
bad_eth_truncated(struct bench *b, uint8_t *f)
{
	memcpy(f, &b->mac[0], 6);
	memcpy(f + 6, &peer_mac, 4);
	return 10;
}

static uint32_t
bad_eth_not_for_us(struct bench *b, uint8_t *f)
{
	return mk_echo(f, &other_mac, A_IP, 1, 1, 8);
}

static uint32_t
bad_eth_type(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	wr16(f + 12, 0x86dd);
	return len;
}

static uint32_t
bad_ip_truncated(struct bench *b, uint8_t *f)
{
	mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);
	return ETH_LEN + 12;
}

static uint32_t
bad_ip_totlen(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	wr16(f + IP_OFF + 2, 1000);
	ip_fix_csum(f + IP_OFF);
	return len;
}

static uint32_t
bad_ip_version(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	f[IP_OFF] = 0x65;
	ip_fix_csum(f + IP_OFF);
	return len;
}

static uint32_t
bad_ip_ihl(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	f[IP_OFF] = 0x44;
	return len;
}

static uint32_t
bad_ip_csum(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	f[IP_OFF + 11] ^= 0x01;
	return len;
}

static uint32_t
bad_ip_src(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);
	uint32_t lo = IP(127, 0, 0, 1);

	memcpy(f + IP_OFF + 12, &lo, 4);
	ip_fix_csum(f + IP_OFF);
	return len;
}

static uint32_t
bad_ip_not_for_us(struct bench *b, uint8_t *f)
{
	return mk_echo(f, &b->mac[0], IP(198, 18, 0, 50), 1, 1, 8);
}

static uint32_t
bad_ip_fragment(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_udp(f, &b->mac[0], A_IP, 5, 6, 16);

	wr16(f + IP_OFF + 6, 0x2000);	/* MF, offset 0 */
	ip_fix_csum(f + IP_OFF);
	return len;
}

static uint32_t
bad_icmp_csum(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);

	f[L4_OFF + 8] ^= 0x80;
	return len;
}

static uint32_t
bad_icmp_truncated(struct bench *b, uint8_t *f)
{
	static const uint8_t four[4] = { 8, 0, 0xf7, 0xff };

	return pad60(f, mk_ip(f, &b->mac[0], PEER_IP, A_IP, IPPROTO_ICMP, four, 4));
}

static uint32_t
bad_icmp_type(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo(f, &b->mac[0], A_IP, 1, 1, 8);
	uint8_t *ic = f + L4_OFF;

	ic[0] = 13;	/* timestamp */
	fill_csum(ic + 2, ic, 16);
	return len;
}

static uint32_t
bad_udp_csum(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_udp(f, &b->mac[0], A_IP, 5, 6, 16);

	f[L4_OFF + 8] ^= 0x10;
	return len;
}

static uint32_t
bad_udp_len(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_udp(f, &b->mac[0], A_IP, 5, 6, 16);

	wr16(f + L4_OFF + 4, 200);
	return len;
}

static uint32_t
bad_arp_op(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &peer_mac,
		PEER_IP, &zero_mac, A_IP);

	wr16(f + 20, 3);
	return len;
}

static uint32_t
bad_arp_truncated(struct bench *b, uint8_t *f)
{
	mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &peer_mac, PEER_IP, &zero_mac,
		A_IP);
	return ETH_LEN + 20;
}

static uint32_t
bad_arp_sender(struct bench *b, uint8_t *f)
{
	return mk_arp(f, RTE_ARP_OP_REQUEST, &bcast_mac, &bcast_mac, PEER_IP,
		&zero_mac, A_IP);
}

static const struct bad_frame bad_frames[] = {
	{ "eth truncated", DPS_DROP_eth_truncated, bad_eth_truncated },
	{ "unicast to another MAC", DPS_DROP_eth_not_for_us, bad_eth_not_for_us },
	{ "unknown ethertype", DPS_DROP_eth_unknown_type, bad_eth_type },
	{ "IPv4 truncated", DPS_DROP_ip_truncated, bad_ip_truncated },
	{ "IPv4 total length", DPS_DROP_ip_bad_totlen, bad_ip_totlen },
	{ "IPv4 version", DPS_DROP_ip_bad_version, bad_ip_version },
	{ "IPv4 IHL 4", DPS_DROP_ip_bad_ihl, bad_ip_ihl },
	{ "IPv4 checksum", DPS_DROP_ip_bad_csum, bad_ip_csum },
	{ "IPv4 loopback source", DPS_DROP_ip_bad_src, bad_ip_src },
	{ "IPv4 not for us", DPS_DROP_ip_not_for_us, bad_ip_not_for_us },
	{ "IPv4 fragment", DPS_DROP_ip_fragment, bad_ip_fragment },
	{ "ICMP checksum", DPS_DROP_icmp_bad_csum, bad_icmp_csum },
	{ "ICMP truncated", DPS_DROP_icmp_truncated, bad_icmp_truncated },
	{ "ICMP timestamp", DPS_DROP_icmp_unknown_type, bad_icmp_type },
	{ "UDP checksum", DPS_DROP_udp_bad_csum, bad_udp_csum },
	{ "UDP length", DPS_DROP_udp_truncated, bad_udp_len },
	{ "ARP opcode", DPS_DROP_arp_bad_op, bad_arp_op },
	{ "ARP truncated", DPS_DROP_arp_truncated, bad_arp_truncated },
	{ "ARP broadcast sender", DPS_DROP_arp_bad_sender, bad_arp_sender },
};

Test(dpdk, stack_malformed_frames)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;
	struct rte_mbuf *m;

	/* A static entry for the peer: any answer would leave at once. */
	raw_up(&b, "sbad", true);
	for (size_t i = 0; i < RTE_DIM(bad_frames); i++) {
		const struct bad_frame *bf = &bad_frames[i];
		uint32_t len;

		memset(f, 0, sizeof(f));
		len = bf->build(&b, f);
		c0 = cnt(&b, 0);
		peer_send(&b, f, len);
		settle(&b);
		c = cnt(&b, 0);
		cr_assert_eq(c.eth_rx_pkts, c0.eth_rx_pkts + 1, "%s", bf->what);
		assert_one_drop(&c0, &c, bf->reason, bf->what);
		cr_assert_eq(c.eth_tx_pkts, c0.eth_tx_pkts, "%s: sent something",
			bf->what);
		cr_assert_null(peer_pop(&b), "%s: answered", bf->what);
	}
	/* Sanity: the same peer's good echo request is answered. */
	peer_send(&b, f, mk_echo(f, &b.mac[0], A_IP, 3, 3, 8));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "a good request after the bad ones");
	rte_pktmbuf_free(m);
	bench_down(&b);
}

/*
 * A port that trusts its link (dps_port_conf.trust_rx_csum, for memif)
 * takes received IPv4, TCP and UDP checksums as good without computing
 * them: an echo request with a wrong IPv4 header checksum is answered,
 * and a UDP datagram with a wrong checksum to a closed port draws a port
 * unreachable; neither is dropped for its checksum. The same frames are
 * dropped on an ordinary port (stack_malformed_frames).
 */
Test(dpdk, stack_trusted_link_skips_rx_checksums)
{
	struct dps_stack_conf sc = { .name = "st", .link_wait_ms = 100,
		.nb_rxd = 256, .nb_txd = 256 };
	struct dps_port_conf pc = { .trust_rx_csum = true };
	struct dps_addr a = dps_addr_v4(A_IP), pa = dps_addr_v4(PEER_IP);
	uint32_t (*const build[])(struct bench *, uint8_t *) = {
		bad_ip_csum, bad_udp_csum,
	};
	const int reason[] = { DPS_DROP_ip_bad_csum, DPS_DROP_udp_bad_csum };
	struct dps_counters c0, c;
	uint8_t f[FRAME_MAX];
	struct bench b;
	struct dps_stack *s;

	bench_up(&b, "strust", NULL, true);
	sc.pools[0] = b.pool;
	s = dps_stack_create(&sc);
	cr_assert_not_null(s);
	cr_assert_eq(dps_stack_add_port(s, b.port[0], &pc), 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 24), 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	dps_stack_set_clock(s, vclock, &b.now);
	b.s[0] = s;
	stack_start(&b, 0);
	settle(&b);
	peer_flush(&b);
	for (size_t i = 0; i < RTE_DIM(build); i++) {
		struct rte_mbuf *m;

		memset(f, 0, sizeof(f));
		c0 = cnt(&b, 0);
		peer_send(&b, f, build[i](&b, f));
		settle(&b);
		c = cnt(&b, 0);
		cr_assert_eq(c.drop[reason[i]], c0.drop[reason[i]],
			"frame %zu dropped for its checksum on a trusted link", i);
		m = peer_pop(&b);
		cr_assert_not_null(m, "frame %zu not answered", i);
		rte_pktmbuf_free(m);
	}
	bench_down(&b);
}

Test(dpdk, stack_multiseg_frame)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m1, *m2;
	struct dps_counters c0, c;
	uint32_t len;

	raw_up(&b, "smseg", true);
	len = mk_echo(f, &b.mac[0], A_IP, 9, 9, 64);
	m1 = rte_pktmbuf_alloc(b.ppool);
	m2 = rte_pktmbuf_alloc(b.ppool);
	cr_assert(m1 != NULL && m2 != NULL);
	memcpy(rte_pktmbuf_append(m1, 20), f, 20);	/* splits the IP header */
	memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - 20)), f + 20, len - 20);
	cr_assert_eq(rte_pktmbuf_chain(m1, m2), 0);
	cr_assert_eq(m1->nb_segs, 2);
	c0 = cnt(&b, 0);
	cr_assert_eq(rte_eth_tx_burst(b.port[1], 0, &m1, 1), 1);
	settle(&b);
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_mbuf_multiseg, "two segments");
	cr_assert_eq(c.eth_rx_pkts, c0.eth_rx_pkts + 1);
	cr_assert_eq(c.eth_rx_bytes, c0.eth_rx_bytes + len);
	cr_assert_eq(c.icmp_rx_echo_request, 0);
	cr_assert_null(peer_pop(&b));
	bench_down(&b);	/* both segments freed */
}

/* ---- pings that fail ---------------------------------------------------- */

/* Count (and free) the ARP requests for @tpa the raw peer received. */
static unsigned int
peer_arp_requests(struct bench *b, uint32_t tpa, unsigned int *others)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	*others = 0;
	while ((m = peer_pop(b)) != NULL) {
		uint16_t op;
		uint32_t spa, t;

		if (is_arp(m, &op, &spa, &t) && op == RTE_ARP_OP_REQUEST &&
				t == tpa) {
			cr_assert_eq(spa, A_IP);
			cr_assert(rte_is_broadcast_ether_addr(
				rte_pktmbuf_mtod(m, struct rte_ether_addr *)));
			n++;
		} else {
			(*others)++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

Test(dpdk, stack_ping_failures)
{
	struct bench b;
	struct dps_counters c;
	uint64_t el;
	unsigned int others;
	int err;

	raw_up(&b, "spfail", false);

	/* On-link, nobody answers ARP: EHOSTUNREACH after 3 probes (3 s). */
	err = ping_once(&b, b.s[0], NOBODY_IP, 10000, 1 * MS, &el);
	cr_assert_eq(err, EHOSTUNREACH, "errno %d (%s)", err, strerror(err));
	cr_assert(el >= 3 * S - 10 * MS && el <= 3 * S + 40 * MS,
		"gave up after %" PRIu64 " ms", (uint64_t)(el / MS));
	cr_assert_eq(peer_arp_requests(&b, NOBODY_IP, &others), 3);
	cr_assert_eq(others, 0);
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_arp_timeout], 1, "the held echo request");
	cr_assert_eq(c.icmp_tx_echo_request, 1);
	cr_assert_eq(c.icmp_rx_echo_reply, 0);

	/* The same with a shorter timeout: ETIMEDOUT first. */
	err = ping_once(&b, b.s[0], IP(198, 18, 0, 78), 500, 1 * MS, &el);
	cr_assert_eq(err, ETIMEDOUT, "errno %d (%s)", err, strerror(err));
	cr_assert(el >= 500 * MS && el <= 520 * MS, "timed out after %" PRIu64
		" ms", (uint64_t)(el / MS));

	/* Off-link with no default route. */
	err = ping_once(&b, b.s[0], FAR_IP, 1000, 1 * MS, &el);
	cr_assert_eq(err, ENETUNREACH, "errno %d (%s)", err, strerror(err));
	cr_assert_eq(el, 0, "fails at once");
	cr_assert_eq(cnt(&b, 0).icmp_tx_echo_request, 2, "nothing was sent");
	bench_down(&b);
}

Test(dpdk, stack_ping_gateway_unanswered)
{
	struct bench b;
	struct dps_stack *s;
	struct dps_addr any = dps_addr_v4(0), gw = dps_addr_v4(GW_IP);
	uint64_t el;
	unsigned int others;
	int err;

	bench_up(&b, "spgw", NULL, true);
	s = stack_new(&b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_route(s, &any, 0, &gw, 0), 0);
	stack_start(&b, 0);
	settle(&b);
	peer_flush(&b);
	err = ping_once(&b, s, FAR_IP, 10000, 1 * MS, &el);
	cr_assert_eq(err, EHOSTUNREACH, "errno %d (%s)", err, strerror(err));
	cr_assert(el >= 3 * S - 10 * MS && el <= 3 * S + 40 * MS,
		"gave up after %" PRIu64 " ms", (uint64_t)(el / MS));
	cr_assert_eq(peer_arp_requests(&b, GW_IP, &others), 3,
		"ARP is for the gateway");
	cr_assert_eq(others, 0, "never for the far address");
	cr_assert_eq(cnt(&b, 0).drop[DPS_DROP_arp_timeout], 1);
	bench_down(&b);
}

/*
 * dps_stack_stop() while a ping is outstanding: dps_ping() returns
 * ESHUTDOWN. Its request lives in dps_ping()'s stack frame, so once it has
 * returned the lcore must no longer reference it: dps_stack_destroy()
 * would otherwise complete a dead request into the completion ring of a
 * thread that has detached (freed) it.
 */
Test(dpdk, stack_stop_with_ping_outstanding)
{
	struct bench b;
	struct pinger p;
	double t_end;

	raw_up(&b, "sstop", false);
	pinger_start(&p, &b, b.s[0], NOBODY_IP, 1, 1, 10000);
	t_end = real_s() + 10;
	while (dps_ping_pending(b.s[0]->lc[0]) == NULL) {
		step(&b, 0);
		usleep(20);
		cr_assert_lt(real_s(), t_end);
	}
	dps_stack_stop(b.s[0]);
	while (!pinger_done(&p)) {
		usleep(1000);
		cr_assert_lt(real_s(), t_end, "dps_ping ignores the stop");
	}
	cr_assert_eq(pthread_join(p.th, NULL), 0);
	cr_assert_eq(p.last_rc, -1);
	cr_assert_eq(p.last_errno, ESHUTDOWN);
	cr_assert_neq(p.stack_hi, 0);
	for (const struct dps_req *r = dps_ping_pending(b.s[0]->lc[0]); r != NULL;
			r = r->next)
		cr_assert((uintptr_t)r < p.stack_lo || (uintptr_t)r >= p.stack_hi,
			"BUG: dps_ping() returned ESHUTDOWN but the lcore still "
			"holds its request (in the returned call's stack frame); "
			"dps_stack_destroy() would complete it into the detached "
			"thread's freed ring (use after free)");
	bench_down(&b);
}

/* ---- ICMP errors to a transport ---------------------------------------- */

static struct {
	unsigned int calls;
	struct dps_lcore *lc;
	struct dps_icmp_view icmp;
	int err;
	bool fatal;
	uint64_t now;
} l4e;

static void
fake_l4_err(struct dps_lcore *lc, const struct dps_icmp_view *icmp, int err,
	bool fatal, uint64_t now)
{
	l4e.calls++;
	l4e.lc = lc;
	l4e.icmp = *icmp;
	l4e.err = err;
	l4e.fatal = fatal;
	l4e.now = now;
}

/* An ICMP error from the peer about a packet A sent to the peer. */
static uint32_t
mk_icmp_err(uint8_t *f, const struct rte_ether_addr *smac, uint8_t code,
	uint8_t proto, uint16_t sport, uint16_t dport, size_t quote_l4)
{
	uint8_t orig[64];

	memset(orig, 0, sizeof(orig));
	dps_ipv4_build(orig, 20, A_IP, PEER_IP, proto, 8, 64, 77, false);
	wr16(orig + 20, sport);
	wr16(orig + 22, dport);
	wr16(orig + 24, 8);
	return mk_icmp_error(f, smac, A_IP, 3, code, 0, orig, 20 + quote_l4);
}

/* A protocol of the test's own in a free slot of the protocol switch:
 * ICMP errors quoting DCCP reach its err(). */
#define FAKE_SLOT (DPS_PROTO_MAX - 1)

static const struct dps_proto_ops fake_ops = {
	.name = "fake",
	.ipproto = IPPROTO_DCCP,
	.err = fake_l4_err,
};

Test(dpdk, stack_icmp_error_dispatch)
{
	struct bench b;
	struct dps_stack *s;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;
	struct dps_addr pa = dps_addr_v4(PEER_IP);

	bench_up(&b, "sl4e", NULL, true);
	s = stack_new(&b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	cr_assert_eq(dps_proto_register(s, FAKE_SLOT, &fake_ops, NULL), 0);
	cr_assert_eq(dps_proto_register(s, FAKE_SLOT, &fake_ops, NULL), -EEXIST,
		"a slot is taken once");
	cr_assert_eq(dps_proto_register(s, 0, &fake_ops, NULL), -EINVAL,
		"slot 0 is the core's");
	stack_start(&b, 0);
	cr_assert_eq(dps_proto_register(s, FAKE_SLOT - 1, &fake_ops, NULL), -EBUSY,
		"registration ends at start");
	settle(&b);
	peer_flush(&b);	/* the gratuitous ARP */
	memset(&l4e, 0, sizeof(l4e));

	peer_send(&b, f, mk_icmp_err(f, &b.mac[0], 3, IPPROTO_DCCP, 5000, 53, 8));
	settle(&b);
	cr_assert_eq(l4e.calls, 1);
	cr_assert_eq(l4e.lc, s->lc[0]);
	cr_assert_eq(l4e.err, ECONNREFUSED);
	cr_assert(l4e.fatal);
	cr_assert_eq(l4e.now, vnow(&b));
	cr_assert_eq(l4e.icmp.type, 3);
	cr_assert_eq(l4e.icmp.code, 3);
	cr_assert(l4e.icmp.is_error);
	cr_assert_eq(l4e.icmp.quote.proto, IPPROTO_DCCP);
	cr_assert_eq(l4e.icmp.quote.src, A_IP);
	cr_assert_eq(l4e.icmp.quote.dst, PEER_IP);
	/* Ports are read from the quote for UDP and TCP only. */
	cr_assert_eq(l4e.icmp.quote.sport, 0);
	c = cnt(&b, 0);
	cr_assert_eq(c.icmp_rx_error, 1);
	cr_assert_eq(dps_counters_total_drops(&c), 0);
	cr_assert_null(peer_pop(&b), "no error about an error");

	/* Host unreachable is soft. */
	peer_send(&b, f, mk_icmp_err(f, &b.mac[0], 1, IPPROTO_DCCP, 5001, 53, 8));
	settle(&b);
	cr_assert_eq(l4e.calls, 2);
	cr_assert_eq(l4e.err, EHOSTUNREACH);
	cr_assert_not(l4e.fatal);

	/* A quote shorter than header + 8 bytes never reaches the handler. */
	c0 = cnt(&b, 0);
	peer_send(&b, f, mk_icmp_err(f, &b.mac[0], 3, IPPROTO_DCCP, 5000, 53, 4));
	settle(&b);
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_icmp_bad_quote, "short quote");
	cr_assert_eq(l4e.calls, 2);

	/* No handler for SCTP. */
	c0 = c;
	peer_send(&b, f, mk_icmp_err(f, &b.mac[0], 3, IPPROTO_SCTP, 5000, 80, 8));
	settle(&b);
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_icmp_no_owner, "no SCTP handler");
	cr_assert_eq(l4e.calls, 2);

	/* UDP's own handler takes UDP's (no socket: nothing more). */
	c0 = c;
	peer_send(&b, f, mk_icmp_err(f, &b.mac[0], 3, IPPROTO_UDP, 5000, 53, 8));
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(dps_counters_total_drops(&c), dps_counters_total_drops(&c0));
	cr_assert_eq(l4e.calls, 2);
	cr_assert_eq(c.icmp_rx_error, 3);
	cr_assert_null(peer_pop(&b));
	bench_down(&b);
}

/* ---- the request ring ---------------------------------------------------- */

Test(dpdk, stack_request_ring_full)
{
	enum { RING = 4, USABLE = RING - 1 };
	struct bench b;
	struct dps_stack *s;
	struct pinger p[USABLE], q;
	struct dps_msg msg = { .op = DPS_MSG_ECHO_REPLY, .ip = PEER_IP,
		.ptr = (void *)(uintptr_t)0xd500 };
	struct timespec ts;
	struct dps_counters c;
	double t_end = real_s() + 20;

	bench_up(&b, "sring", NULL, true);
	s = stack_new(&b, 0, "sa", A_IP, RING);
	stack_start(&b, 0);

	/* Three threads fill the ring; nobody polls. */
	for (int i = 0; i < USABLE; i++)
		pinger_start(&p[i], &b, s, FAR_IP, 1, 1, 1000);
	while (rte_ring_count(s->lc[0]->req_ring) < USABLE) {
		usleep(100);
		cr_assert_lt(real_s(), t_end, "pingers did not post");
	}
	cr_assert_eq(dps_lcore_post(s, 0, &msg), -EAGAIN);
	cr_assert_eq(dps_lcore_post(s, 1, &msg), -EINVAL, "no lcore 1");

	/* A fourth ping fails at once, without anyone polling. */
	memset(&q, 0, sizeof(q));
	q.b = &b;
	q.s = s;
	q.dst = FAR_IP;
	q.count = 1;
	q.tries = 1;
	q.timeout_ms = 1000;
	cr_assert_eq(pthread_create(&q.th, NULL, pinger_main, &q), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	cr_assert_eq(pthread_timedjoin_np(q.th, NULL, &ts), 0,
		"dps_ping blocked on a full ring");
	cr_assert_eq(q.last_rc, -1);
	cr_assert_eq(q.last_errno, EAGAIN);
	for (int i = 0; i < USABLE; i++)
		cr_assert_not(pinger_done(&p[i]), "answered without a poll");

	/* Poll: the three are served (no route: ENETUNREACH). */
	run_pingers(&b, p, USABLE, 1 * MS, T0 + 10 * S);
	for (int i = 0; i < USABLE; i++) {
		cr_assert_eq(p[i].last_rc, -1);
		cr_assert_eq(p[i].last_errno, ENETUNREACH);
	}
	c = cnt(&b, 0);
	cr_assert_eq(c.req_rx, USABLE);

	/* Private messages: the same capacity, then drained. */
	for (int i = 0; i < USABLE; i++)
		cr_assert_eq(dps_lcore_post(s, 0, &msg), 0);
	cr_assert_eq(dps_lcore_post(s, 0, &msg), -EAGAIN);
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(c.req_rx, 2 * USABLE);
	cr_assert_eq(c.drop[DPS_DROP_icmp_no_owner], USABLE,
		"echo replies nobody waits for");
	cr_assert_eq(rte_ring_count(s->lc[0]->req_ring), 0);
	bench_down(&b);
}

/* ---- configuration and port capabilities -------------------------------- */

Test(dpdk, stack_lcore_validation)
{
	struct dps_stack_conf sc = { .name = "sv", .n_lcores = 2,
		.lcores = { 0, 0 } };

	dps_test_eal_init(NULL, 0);
	rte_errno = 0;
	cr_assert_null(dps_stack_create(&sc), "duplicate lcore accepted");
	cr_assert_eq(rte_errno, EINVAL);
	sc.lcores[1] = RTE_MAX_LCORE;
	rte_errno = 0;
	cr_assert_null(dps_stack_create(&sc));
	cr_assert_eq(rte_errno, EINVAL);
	sc.n_lcores = DPS_MAX_LCORES + 1;
	rte_errno = 0;
	cr_assert_null(dps_stack_create(&sc));
	cr_assert_eq(rte_errno, EINVAL);
}

Test(dpdk, stack_config_errors)
{
	struct bench b;
	struct dps_stack *s;
	struct dps_addr a = dps_addr_v4(A_IP), other = dps_addr_v4(IP(10, 0, 0, 1));
	struct dps_addr zero = dps_addr_v4(0), six = { .family = AF_INET6 };
	struct rte_ether_addr mcast = { { 0x01, 0x00, 0x5e, 0, 0, 1 } };

	bench_up(&b, "scfg", NULL, false);
	s = stack_new(&b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_port(s, b.port[0], NULL), -EINVAL, "twice");
	cr_assert_eq(dps_stack_add_port(s, RTE_MAX_ETHPORTS - 1, NULL), -EINVAL);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 24), -EEXIST);
	cr_assert_eq(dps_stack_add_addr(s, 1, &other, 24), -EINVAL, "no iface 1");
	cr_assert_eq(dps_stack_add_addr(s, 0, &other, 33), -EINVAL);
	cr_assert_eq(dps_stack_add_addr(s, 0, &zero, 8), -EINVAL);
	cr_assert_eq(dps_stack_add_addr(s, 0, &six, 64), -EINVAL);
	cr_assert_eq(dps_stack_add_route(s, &zero, 0, &a, 3), -EINVAL);
	cr_assert_eq(dps_stack_add_route(s, &zero, 40, NULL, 0), -EINVAL);
	cr_assert_eq(dps_stack_add_arp(s, 0, &other, &mcast), -EINVAL);
	cr_assert_eq(dps_stack_add_arp(s, 0, &other, &zero_mac), -EINVAL);
	stack_start(&b, 0);
	cr_assert_eq(dps_stack_start(s), -EBUSY);
	cr_assert_eq(dps_stack_add_port(s, b.port[1], NULL), -EBUSY);
	cr_assert_eq(dps_stack_add_addr(s, 0, &other, 24), -EBUSY);
	cr_assert_eq(dps_stack_add_route(s, &zero, 0, &a, 0), -EBUSY);
	cr_assert_eq(dps_stack_add_arp(s, 0, &other, &peer_mac), -EBUSY);
	cr_assert_eq(dps_stack_lcore_count(s), 1);
	cr_assert_eq(dps_stack_lcore_id(s, 0), 0);
	cr_assert_eq(dps_stack_lcore_id(s, 1), RTE_MAX_LCORE);
	bench_down(&b);
}

Test(dpdk, stack_port_capabilities)
{
	static const char *const extra[] = { "--vdev=net_ring0" };
	struct rte_mempool *pool, *pools[2];
	struct dps_port_setup ps = { .nb_rxd = 128, .nb_txd = 128,
		.link_wait_ms = 100 };
	struct dps_port_info info;
	struct dps_testwire *w;
	struct dps_testwire_conf wc = { .seed = 1 };
	char err[256], name[RTE_ETH_NAME_MAX_LEN];
	uint16_t ring0;
	int rc;

	dps_test_eal_init(extra, 1);
	pool = dps_test_pool("st_caps", 1023);
	pools[0] = pools[1] = pool;
	ps.pools = pools;
	cr_assert_eq(rte_eth_dev_get_port_by_name("net_ring0", &ring0), 0);

	/* 16 queues but no RSS: two lcores cannot share its traffic. */
	ps.port_id = ring0;
	ps.nb_queues = 2;
	err[0] = '\0';
	rc = dps_port_start(&ps, &info, err, sizeof(err));
	cr_assert_eq(rc, -ENOTSUP, "rc %d: %s", rc, err);
	snprintf(name, sizeof(name), "port %u (net_ring0", ring0);
	cr_assert(strstr(err, name) != NULL, "'%s' names the port", err);
	cr_assert(strstr(err, "RSS") != NULL, "'%s' names RSS", err);

	/* An MTU the device cannot take. */
	ps.nb_queues = 1;
	ps.mtu = 40;
	rc = dps_port_start(&ps, &info, err, sizeof(err));
	cr_assert_eq(rc, -EINVAL, "rc %d: %s", rc, err);
	cr_assert(strstr(err, "MTU") != NULL, "'%s'", err);

	/* One queue is fine. */
	ps.mtu = 0;
	err[0] = '\0';
	rc = dps_port_start(&ps, &info, err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert(info.link_up);
	cr_assert_not(info.rss);
	cr_assert_str_eq(info.driver, "net_ring");
	cr_assert_str_eq(info.name, "net_ring0");
	dps_port_stop(ring0);

	/* A test wire side has one queue pair: the queue count is named. */
	w = dps_testwire_create("scap", &wc);
	cr_assert_not_null(w);
	ps.port_id = dps_testwire_port(w, 0);
	ps.nb_queues = 2;
	rc = dps_port_start(&ps, &info, err, sizeof(err));
	cr_assert_eq(rc, -ENOTSUP, "rc %d: %s", rc, err);
	cr_assert(strstr(err, "net_ring_scap_0") != NULL, "'%s'", err);
	cr_assert(strstr(err, "queues") != NULL, "'%s'", err);

	/* No such port. */
	ps.port_id = RTE_MAX_ETHPORTS - 1;
	cr_assert_eq(dps_port_start(&ps, &info, err, sizeof(err)), -ENODEV);
	dps_testwire_destroy(w);
	cr_assert_eq(dps_test_pool_in_use(pool), 0);
	rte_mempool_free(pool);
}

/* ---- a lossy wire --------------------------------------------------------- */

/* The per-direction bookkeeping must add up once the wire is drained. */
static void
check_books(struct bench *b, int side, const struct pinger *p)
{
	struct dps_counters c = cnt(b, side);
	struct dps_testwire_stats out, in;
	uint64_t rx_drops = c.drop[DPS_DROP_arp_not_for_us];

	dps_testwire_stats(b->w, side, &out);
	dps_testwire_stats(b->w, 1 - side, &in);
	cr_assert_eq(out.in_flight, 0);
	cr_assert_eq(out.sent + out.duplicated,
		out.delivered + out.lost + out.overflow);
	cr_assert_eq(out.overflow, 0);
	cr_assert_eq(c.eth_tx_pkts, out.sent, "side %d: tx vs wire", side);
	cr_assert_eq(c.eth_rx_pkts, in.delivered, "side %d: rx vs wire", side);
	cr_assert_eq(c.eth_rx_pkts, c.arp_rx + c.ip_rx + rx_drops,
		"side %d: every frame accounted for", side);
	cr_assert_eq(c.ip_rx, c.icmp_rx_echo_request + c.icmp_rx_echo_reply +
		c.drop[DPS_DROP_icmp_no_owner], "side %d: ICMP", side);
	cr_assert_eq(c.icmp_rx_echo_request, c.icmp_tx_echo_reply);
	cr_assert_eq(dps_counters_total_drops(&c), rx_drops +
		c.drop[DPS_DROP_icmp_no_owner] + c.drop[DPS_DROP_arp_timeout] +
		c.drop[DPS_DROP_arp_hold_overflow], "side %d: drops", side);
	cr_assert_eq(c.icmp_tx_echo_request, p->attempts);
	cr_assert_eq(c.icmp_rx_echo_reply, p->ok, "one matched reply per success");
	cr_assert_eq(c.req_rx, p->attempts);
	cr_assert_eq(p->fail_other, 0);
	cr_assert_eq(p->attempts, p->ok + p->fail_timedout + p->fail_unreach);
}

Test(dpdk, stack_lossy_wire, .timeout = 120)
{
	enum { N = 50, TRIES = 4 };
	struct dps_testwire_conf wc = {
		.seed = 2024, .loss = 0.2, .dup = 0.05, .reorder = 0.05,
	};
	struct dps_testwire_stats st[2];
	struct bench b;
	struct pinger p[2];

	bench_up(&b, "slossy", &wc, false);
	stack_new(&b, 0, "sa", A_IP, 0);
	stack_new(&b, 1, "sb", B_IP, 0);
	stack_start(&b, 0);
	stack_start(&b, 1);
	settle(&b);
	pinger_start(&p[0], &b, b.s[0], B_IP, N, TRIES, 200);
	pinger_start(&p[1], &b, b.s[1], A_IP, N, TRIES, 200);
	run_pingers(&b, p, 2, 1 * MS, T0 + 600 * S);
	/* Drain: reorder holds release within 1 ms. */
	run(&b, 20, 1 * MS);
	for (int i = 0; i < 2; i++) {
		cr_log_info("side %d: %u/%u ok in %u attempts (%u timed out, "
			"%u unreachable)", i, p[i].ok, N, p[i].attempts,
			p[i].fail_timedout, p[i].fail_unreach);
		cr_assert_gt(p[i].ok, N / 2, "side %d: only %u/%u", i, p[i].ok, N);
		cr_assert_lt(p[i].rtt_max, 200 * MS);
		check_books(&b, i, &p[i]);
	}
	dps_testwire_stats(b.w, 0, &st[0]);
	dps_testwire_stats(b.w, 1, &st[1]);
	cr_assert_gt(st[0].lost + st[1].lost, 0, "the wire lost nothing?");
	cr_assert_gt(st[0].duplicated + st[1].duplicated, 0);
	cr_assert_gt(st[0].reordered + st[1].reordered, 0);
	bench_down(&b);
}
