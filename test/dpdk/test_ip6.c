/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 in the runtime on the test wire, under the virtual clock:
 * duplicate address detection at start, neighbour discovery both ways,
 * ping6 (dps_ping() to an IPv6 address), packets held while a neighbour
 * resolves and released by its advertisement, a DAD conflict between two
 * stacks, a raw peer's NS, NA, DAD probe and echo, the malformed-frame
 * table (each dropped once, under its reason), parameter problems and
 * their rate limit, and ICMPv6 errors handed to the slot owning the
 * quoted protocol. bench_down() checks that every mbuf came back.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <inttypes.h>

#include "dpstack.h"
#include "dps_stack_priv.h"
#include "dps_ip.h"
#include "dps_wire6.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define A6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }
#define B6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }
#define PEER6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 }
#define DUP6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 }
static const uint8_t a6[16] = A6, b6[16] = B6, peer6[16] = PEER6;
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* A stack on @side with 198.18.0.x/24 and @v6/64, not started. */
static struct dps_stack *
stack6_new(struct bench *b, int side, const char *name, uint32_t ip4,
	const uint8_t v6[16])
{
	struct dps_stack *s = stack_new(b, side, name, ip4, 0);
	struct dps_addr a = dps_addr_v6(v6);

	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	return s;
}

static int
addr6_state(struct dps_stack *s, const uint8_t v6[16])
{
	struct dps_addr a = dps_addr_v6(v6);

	return dps_stack_addr6_state(s, 0, &a);
}

/* Run the virtual clock until DAD has ended for @v6 on @s (it takes
 * below 2 s of virtual time: a delay under 1 s, then 1 s). */
static void
wait_dad(struct bench *b, struct dps_stack *s, const uint8_t v6[16])
{
	for (unsigned int i = 0; i < 400 && addr6_state(s, v6) == DPS_ADDR6_TENTATIVE; i++)
		step(b, 10 * MS);
	cr_assert_neq(addr6_state(s, v6), DPS_ADDR6_TENTATIVE, "DAD never ended");
}

/* Log the drop reasons of @c that are not zero. */
static void
log_drops(const char *who, const struct dps_counters *c)
{
	for (int i = 0; i < DPS_DROP__MAX; i++)
		if (c->drop[i] != 0)
			cr_log_info("%s: drop.%s %lu", who, dps_drop_reason_name(i),
				(unsigned long)c->drop[i]);
}

/* ---- a pinger thread for IPv6 ------------------------------------------- */

struct pinger6 {
	struct dps_stack *s;
	struct dps_addr dst;
	unsigned int count;
	unsigned int ok;
	int last_errno;
	int done;
	pthread_t th;
};

static void *
pinger6_main(void *arg)
{
	struct pinger6 *p = arg;
	struct dps_thread *t = dps_thread_attach(p->s);

	for (unsigned int i = 0; t != NULL && i < p->count; i++) {
		uint64_t rtt;

		if (dps_ping(t, &p->dst, (uint16_t)(i + 1), 2000, &rtt) == 0)
			p->ok++;
		else
			p->last_errno = errno;
	}
	if (t != NULL)
		dps_thread_detach(t);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Ping @dst @count times from @s, polling and pumping meanwhile. */
static unsigned int
ping6(struct bench *b, struct dps_stack *s, const uint8_t dst[16],
	unsigned int count, int *last_errno)
{
	struct pinger6 p = { .s = s, .dst = dps_addr_v6(dst), .count = count };
	double t_end = real_s() + 30;

	cr_assert_eq(pthread_create(&p.th, NULL, pinger6_main, &p), 0);
	while (!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE)) {
		step(b, 0);
		if (dps_ping_pending(s->lc[0]) != NULL ||
				rte_ring_count(s->lc[0]->req_ring) != 0)
			vadvance(b, 100 * US);
		else
			usleep(20);
		cr_assert_lt(real_s(), t_end, "pinger stuck");
	}
	cr_assert_eq(pthread_join(p.th, NULL), 0);
	if (last_errno != NULL)
		*last_errno = p.last_errno;
	return p.ok;
}

/* ---- two stacks ----------------------------------------------------------- */

static void
two_up(struct bench *b, const char *w, const uint8_t va[16], const uint8_t vb[16])
{
	bench_up(b, w, NULL, false);
	stack6_new(b, 0, "sa", A_IP, va);
	stack6_new(b, 1, "sb", B_IP, vb);
	stack_start(b, 0);
	stack_start(b, 1);
}

Test(dpdk, ip6_dad_nd_ping_both_ways)
{
	struct bench b;
	struct dps_addr ll;
	struct dps_counters ca, cb;
	const struct dps_nd_entry *e;
	int err = 0;

	two_up(&b, "i6pb", a6, b6);
	cr_assert_eq(addr6_state(b.s[0], a6), DPS_ADDR6_TENTATIVE);
	cr_assert_eq(ping6(&b, b.s[0], b6, 1, &err), 0, "no source while tentative");
	cr_assert_eq(err, EADDRNOTAVAIL);
	wait_dad(&b, b.s[0], a6);
	wait_dad(&b, b.s[1], b6);
	cr_assert_eq(dps_stack_linklocal(b.s[0], 0, &ll), 0);
	wait_dad(&b, b.s[0], ll.v6);
	cr_assert_eq(dps_stack_linklocal(b.s[1], 0, &ll), 0);
	wait_dad(&b, b.s[1], ll.v6);
	for (int i = 0; i < 2; i++) {
		struct dps_counters c = cnt(&b, i);

		cr_assert_eq(c.dad_ok, 2, "the address and the link-local one");
		cr_assert_eq(c.nd_tx_ns, 2, "one DAD probe each");
		cr_assert_eq(c.dad_duplicate, 0);
	}

	cr_assert_eq(ping6(&b, b.s[0], b6, 3, &err), 3, "A->B, errno %d", err);
	cr_assert_eq(ping6(&b, b.s[1], a6, 3, &err), 3, "B->A, errno %d", err);
	cr_assert_eq(ping6(&b, b.s[0], ll.v6, 1, &err), 1, "A->B link-local");
	settle(&b);
	ca = cnt(&b, 0);
	cb = cnt(&b, 1);
	/* A solicited B (2001:db8::2, then its link-local); B learned A from
	 * the solicitation and needed no solicitation of its own. */
	log_drops("A", &ca);
	log_drops("B", &cb);
	cr_assert_eq(ca.nd_tx_ns, 2 + 2);
	cr_assert_eq(cb.nd_tx_na, 2);
	cr_assert_eq(ca.nd_rx_na, 2);
	cr_assert_eq(cb.nd_tx_ns, 2, "B used what A's solicitation taught it");
	cr_assert_eq(ca.icmp6_rx_echo_reply, 4);
	cr_assert_eq(cb.icmp6_tx_echo_reply, 4);
	cr_assert_eq(cb.icmp6_rx_echo_reply, 3);
	e = dps_nd_lookup(&((struct dps_ip6_lcore *)b.s[0]->lc[0]->ctx[DPS_PROTO_IPV6])->nd,
		0, b6);
	cr_assert_not_null(e);
	cr_assert_eq(e->state, DPS_ND_REACHABLE);
	cr_assert(rte_is_same_ether_addr(&e->lla, &b.mac[1]));
	/* The other's gratuitous ARP and its two DAD probes, to groups that
	 * are not ours; nothing else. */
	cr_assert_eq(ca.drop[DPS_DROP_ip6_not_for_us], 2);
	cr_assert_eq(dps_counters_total_drops(&ca), 3, "A dropped something");
	cr_assert_eq(dps_counters_total_drops(&cb), 3, "B dropped something");
	bench_down(&b);
}

/* Packets sent while the neighbour resolves wait in its entry and all
 * leave on its advertisement. */
Test(dpdk, ip6_held_released_on_resolution)
{
	enum { N = 3 };
	struct bench b;
	struct dps_lcore *lc;
	struct dps_ip6_lcore *x;
	const struct dps_nd_entry *e;
	struct dps_counters ca, cb;

	two_up(&b, "i6hd", a6, b6);
	wait_dad(&b, b.s[0], a6);
	wait_dad(&b, b.s[1], b6);
	lc = b.s[0]->lc[0];
	x = lc->ctx[DPS_PROTO_IPV6];
	/* The test thread is A's lcore between polls. */
	for (unsigned int i = 0; i < N; i++) {
		int err = 0;
		struct rte_mbuf *m = dps_ip6_alloc(lc, b6, DPS_IP6_NH_ICMPV6, 16, &err);
		uint8_t *ip;

		cr_assert_not_null(m, "alloc: %d", err);
		ip = rte_pktmbuf_mtod(m, uint8_t *);
		cr_assert(dps_icmp6_echo_build(ip + DPS_IPV6_HLEN, 16,
			DPS_ICMP6_ECHO_REQUEST, 0x77, (uint16_t)i, "01234567", 8, ip + 8,
			b6));
		cr_assert_eq(dps_ip6_output(lc, m, b6, vnow(&b)), 0);
	}
	e = dps_nd_lookup(&x->nd, 0, b6);
	cr_assert_not_null(e);
	cr_assert_eq(e->state, DPS_ND_INCOMPLETE);
	cr_assert_eq(e->hold_n, N);
	settle(&b);
	e = dps_nd_lookup(&x->nd, 0, b6);
	cr_assert_eq(e->state, DPS_ND_REACHABLE);
	cr_assert_eq(e->hold_n, 0);
	ca = cnt(&b, 0);
	cb = cnt(&b, 1);
	cr_assert_eq(cb.icmp6_rx_echo_request, N);
	cr_assert_eq(ca.nd_tx_ns, 2 + 1, "DAD twice, one solicitation");
	/* The replies' identifier is no ping of A's. */
	cr_assert_eq(ca.drop[DPS_DROP_icmp6_no_owner], N);
	bench_down(&b);
}

/*
 * Two stacks that both take 2001:db8::5 at once: the one that hears the
 * other's probe while tentative finds the address a duplicate
 * (RFC 4862 5.4.3) and never uses it, nor sends its own probe; the
 * other keeps it unless both probes crossed (both duplicates).
 */
Test(dpdk, ip6_dad_conflict)
{
	static const uint8_t dup6[16] = DUP6;
	struct bench b;
	unsigned int dups = 0;

	two_up(&b, "i6dc", dup6, dup6);
	for (int i = 0; i < 2; i++) {
		struct dps_addr ll;

		cr_assert_eq(dps_stack_linklocal(b.s[i], 0, &ll), 0);
		wait_dad(&b, b.s[i], dup6);
		wait_dad(&b, b.s[i], ll.v6);
	}
	for (int i = 0; i < 2; i++) {
		struct dps_counters c = cnt(&b, i);
		int st = addr6_state(b.s[i], dup6);

		cr_assert_eq(c.dad_duplicate, st == DPS_ADDR6_DUPLICATE, "side %d", i);
		if (st == DPS_ADDR6_DUPLICATE) {
			uint8_t src[16];

			dups++;
			/* Never a source: the link-local address is taken
			 * rather than it (RFC 6724 rule 2 falls back). */
			cr_assert_eq(dps_ip6_source(b.s[i]->lc[0], b6, src, NULL), 0);
			cr_assert(dps_ip6_is_linklocal(src));
			cr_assert_leq(c.nd_tx_ns, 2, "side %d: DAD probes only", i);
		}
	}
	cr_assert_geq(dups, 1, "nobody saw the conflict");
	bench_down(&b);
}

/* ---- a range of addresses ----------------------------------------------- */

#define RANGE_N 3000u
/* 2001:db8::100, the first of A's range of RANGE_N. */
static const uint8_t range6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1 };

/* Address @i of A's range. */
static void
range_nth(uint32_t i, uint8_t out[16])
{
	struct dps_ip6_cand c = { .span = RANGE_N - 1 };

	memcpy(c.addr, range6, 16);
	dps_ip6_cand_nth(&c, i, out);
}

/* Stack A on side 0 with RANGE_N addresses from 2001:db8::100/64. */
static struct dps_stack *
range_stack(struct bench *b)
{
	struct dps_stack *s = stack_new(b, 0, "sa", A_IP, 0);
	struct dps_addr first = dps_addr_v6(range6);

	cr_assert_eq(dps_stack_add_addr_range(s, 0, &first, RANGE_N, 64), 0);
	return s;
}

/* Whether an AF_INET6 datagram socket of @s can bind @a (the stack's own
 * addresses only); the socket is closed again. */
static bool
binds6(struct dps_stack *s, const uint8_t a[16])
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int fd = dps_socket_on(s, AF_INET6, SOCK_DGRAM, 0), rc;

	cr_assert_geq(fd, 0);
	memcpy(sin6.sin6_addr.s6_addr, a, 16);
	rc = dps_bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	cr_assert(rc == 0 || errno == EADDRNOTAVAIL, "bind: errno %d", errno);
	cr_assert_eq(dps_close(fd), 0);
	return rc == 0;
}

/*
 * A range of 3,000 addresses on A as Linux treats addresses on the
 * interface: duplicate address detection probes every one of them (one
 * solicitation each, then RetransTimer), tentative until then and
 * preferred after, every one (first, middle, last) of one state; B
 * resolves addresses inside the range by neighbour discovery and pings
 * them; A's sockets bind any of them and nothing past the range; A's
 * own traffic leaves from the range's first address.
 */
Test(dpdk, ip6_range_dad_nd_ping, .timeout = 120)
{
	struct bench b;
	struct dps_counters ca, cb;
	uint8_t mid[16], last[16], past[16], src[16];
	int err = 0;

	bench_up(&b, "i6rg", NULL, false);
	range_stack(&b);
	stack6_new(&b, 1, "sb", B_IP, b6);
	stack_start(&b, 0);
	stack_start(&b, 1);
	range_nth(RANGE_N / 2, mid);
	range_nth(RANGE_N - 1, last);
	range_nth(RANGE_N, past);
	cr_assert_eq(addr6_state(b.s[0], mid), DPS_ADDR6_TENTATIVE);
	cr_assert_not(binds6(b.s[0], mid), "a tentative address binds");
	wait_dad(&b, b.s[0], range6);
	wait_dad(&b, b.s[1], b6);
	cr_assert_eq(addr6_state(b.s[0], range6), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(b.s[0], mid), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(b.s[0], last), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(b.s[0], past), -ENOENT);
	ca = cnt(&b, 0);
	cr_assert_geq(ca.nd_tx_ns, RANGE_N, "DAD probed %" PRIu64 " of %u addresses",
		ca.nd_tx_ns, RANGE_N);
	cr_assert_eq(ca.dad_duplicate, 0);
	cr_assert_eq(ca.drop[DPS_DROP_tx_full], 0, "probes lost");
	cb = cnt(&b, 1);
	cr_assert_eq(cb.nd_tx_na, 0, "B answered a probe of A's");

	cr_assert(binds6(b.s[0], mid));
	cr_assert(binds6(b.s[0], last));
	cr_assert_not(binds6(b.s[0], past), "one past the range binds");
	cr_assert_eq(ping6(&b, b.s[1], mid, 2, &err), 2, "B->A mid-range, errno %d", err);
	cr_assert_eq(ping6(&b, b.s[1], last, 2, &err), 2, "B->A last, errno %d", err);
	cr_assert_eq(ping6(&b, b.s[1], past, 1, &err), 0, "past the range answered");
	cr_assert_eq(ping6(&b, b.s[0], b6, 2, &err), 2, "A->B, errno %d", err);
	cr_assert_eq(dps_ip6_source(b.s[0]->lc[0], b6, src, NULL), 0);
	cr_assert_arr_eq(src, range6, 16, "the range's first is the source");
	settle(&b);
	ca = cnt(&b, 0);
	cr_assert_geq(ca.nd_tx_na, 2, "A answered B's solicitations");
	cr_assert_eq(ca.icmp6_tx_echo_reply, 4);
	bench_down(&b);
}

/*
 * B holds 2001:db8::150 (DAD done) when A starts with its range, which
 * holds it too: A's probe for ::150 draws B's advertisement, and A loses
 * that address, the rest of its range preferred (as Linux loses only
 * the address that failed); B keeps its address.
 */
Test(dpdk, ip6_range_dad_conflict, .timeout = 120)
{
	static const uint8_t in_range[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1,
		[15] = 0x50 };
	struct bench b;
	uint8_t src[16];

	bench_up(&b, "i6rc", NULL, false);
	stack6_new(&b, 1, "sb", B_IP, in_range);
	stack_start(&b, 1);
	wait_dad(&b, b.s[1], in_range);
	cr_assert_eq(addr6_state(b.s[1], in_range), DPS_ADDR6_PREFERRED);
	/* B's own DAD probes still wait on A's side of the wire, from
	 * before A existed: A would take the one for ::150 as another
	 * node's detection of it (RFC 4862 5.4.3), which is not what this
	 * test is about. The wire delivers what it carries, and once A's
	 * port is up, before A's first poll, the test takes it. */
	run(&b, 10, 10 * MS);
	range_stack(&b);
	stack_start(&b, 0);
	for (struct rte_mbuf *m[32]; ;) {
		uint16_t n = rte_eth_rx_burst(b.port[0], 0, m, 32);

		rte_pktmbuf_free_bulk(m, n);
		if (n == 0)
			break;
	}
	wait_dad(&b, b.s[0], range6);
	cr_assert_eq(addr6_state(b.s[0], range6), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(b.s[0], in_range), DPS_ADDR6_DUPLICATE);
	cr_assert_eq(cnt(&b, 0).dad_duplicate, 1);
	cr_assert_eq(addr6_state(b.s[1], in_range), DPS_ADDR6_PREFERRED, "B keeps it");
	cr_assert_geq(cnt(&b, 1).nd_tx_na, 1, "B defended its address");
	cr_assert_geq(cnt(&b, 0).nd_rx_na, 1, "by an advertisement");
	cr_assert_not(binds6(b.s[0], in_range), "a duplicate binds");
	cr_assert(binds6(b.s[0], range6), "the rest of the range is kept");
	cr_assert_eq(dps_ip6_source(b.s[0]->lc[0], b6, src, NULL), 0);
	cr_assert_arr_eq(src, range6, 16);
	bench_down(&b);
}

/* ---- a raw peer ------------------------------------------------------------- */

/* Stack A (198.18.0.1/24, 2001:db8::1/64) and a raw peer, DAD done; with
 * @static_peer a static neighbour entry for the peer. */
static struct dps_stack *
raw6_up(struct bench *b, const char *w, bool static_peer)
{
	struct dps_stack *s;

	bench_up(b, w, NULL, true);
	s = stack6_new(b, 0, "sa", A_IP, a6);
	if (static_peer) {
		struct dps_addr pa = dps_addr_v6(peer6);

		cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	}
	stack_start(b, 0);
	wait_dad(b, s, a6);
	peer_flush(b);
	return s;
}

/* Ethernet + an IPv6 packet of the builder's @n bytes at f + 14. */
static uint32_t
eth6(uint8_t *f, const struct rte_ether_addr *dst, size_t n)
{
	dps_eth_build(f, ETH_LEN, dst, &peer_mac, RTE_ETHER_TYPE_IPV6);
	return (uint32_t)(ETH_LEN + n);
}

static uint32_t
mk_echo6(uint8_t *f, const struct rte_ether_addr *dst, const uint8_t to[16],
	uint16_t seq)
{
	uint8_t *ip = f + ETH_LEN;
	size_t n = dps_icmp6_echo_build(ip + DPS_IPV6_HLEN, 64, DPS_ICMP6_ECHO_REQUEST,
		0x1234, seq, "abcdefgh", 8, peer6, to);

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, to, DPS_IP6_NH_ICMPV6, (uint16_t)n,
		64, 0, 0);
	return eth6(f, dst, DPS_IPV6_HLEN + n);
}

/* The IPv6 packet of a frame the peer got, checked to be from A. */
static const uint8_t *
ip6_of(struct bench *b, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	cr_assert_geq(m->data_len, ETH_LEN + DPS_IPV6_HLEN);
	cr_assert_eq(rd16(p + 12), RTE_ETHER_TYPE_IPV6);
	cr_assert(rte_is_same_ether_addr((const struct rte_ether_addr *)(p + 6),
		&b->mac[0]));
	return p + ETH_LEN;
}

/* A's ICMPv6 message in @m: its type, after checking its checksum. */
static uint8_t
icmp6_type(const uint8_t *ip)
{
	uint16_t plen = rd16(ip + 4);

	cr_assert_eq(ip[6], DPS_IP6_NH_ICMPV6);
	cr_assert_eq(dps_ip6_l4_sum(ip + DPS_IPV6_HLEN, plen, ip + 8, ip + 24,
		DPS_IP6_NH_ICMPV6), 0xffff, "ICMPv6 checksum");
	return ip[DPS_IPV6_HLEN];
}

/* ---- a range's addresses lost on their own, against a raw peer ----------- */

/*
 * A (198.18.0.1/24, RANGE_N addresses from 2001:db8::100/64, the peer a
 * static neighbour) on side 0 of a raw wire, started, DAD begun (its
 * first tick) but not over.
 */
static struct dps_stack *
range_raw_up(struct bench *b, const char *w)
{
	struct dps_addr pa = dps_addr_v6(peer6);
	struct dps_stack *s;

	bench_up(b, w, NULL, true);
	s = range_stack(b);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	stack_start(b, 0);
	step(b, 10 * MS);
	peer_flush(b);
	cr_assert_eq(addr6_state(s, range6), DPS_ADDR6_TENTATIVE);
	return s;
}

/* The peer claims address @i of A's range: an unsolicited NA to
 * all-nodes (@na), or a DAD probe of its own (from ::, to the address's
 * solicited-node group, a nonce that is not A's). */
static void
peer_claims(struct bench *b, uint32_t i, bool na)
{
	static const uint8_t unspec[16];
	static const uint8_t nonce[6] = { 9, 8, 7, 6, 5, 4 };
	uint8_t f[FRAME_MAX], t[16], sn[16];
	struct rte_ether_addr mac;
	size_t n;

	range_nth(i, t);
	if (na) {
		dps_ip6_mcast_mac(all_nodes, &mac);
		n = dps_nd_na_build(f + ETH_LEN, 128, peer6, all_nodes, t,
			DPS_ND_NA_OVERRIDE, &peer_mac);
	} else {
		dps_ip6_solicited_node(t, sn);
		dps_ip6_mcast_mac(sn, &mac);
		n = dps_nd_ns_build(f + ETH_LEN, 128, unspec, sn, t, NULL, nonce);
	}
	cr_assert_gt(n, 0);
	peer_send(b, f, eth6(f, &mac, n));
}

/* Run A's DAD to its verdict on @v6, the peer reading (and dropping)
 * A's thousands of probes as they come. */
static void
range_wait(struct bench *b, const uint8_t v6[16])
{
	for (unsigned int i = 0; i < 400 && addr6_state(b->s[0], v6) == DPS_ADDR6_TENTATIVE;
			i++) {
		step(b, 10 * MS);
		peer_flush(b);
	}
	cr_assert_neq(addr6_state(b->s[0], v6), DPS_ADDR6_TENTATIVE, "DAD never ended");
}

/* Whether A answers the peer's echo request to @to (after it, the
 * peer's queue is empty). */
static bool
echo_answered(struct bench *b, const uint8_t to[16])
{
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	bool ok = false;

	peer_send(b, f, mk_echo6(f, &b->mac[0], to, 1));
	settle(b);
	while ((m = peer_pop(b)) != NULL) {
		const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, ETH_LEN);

		if (rd16(rte_pktmbuf_mtod(m, const uint8_t *) + 12) == RTE_ETHER_TYPE_IPV6 &&
				ip[6] == DPS_IP6_NH_ICMPV6 &&
				ip[DPS_IPV6_HLEN] == DPS_ICMP6_ECHO_REPLY &&
				memcmp(ip + 8, to, 16) == 0)
			ok = true;
		rte_pktmbuf_free(m);
	}
	return ok;
}

/*
 * While A's range of 3,000 is tentative the peer claims two of its
 * addresses, the first (an advertisement) and one mid-range (a DAD probe
 * of its own): as Linux, which would fail those two addresses only
 * (addrconf_dad_failure()), A loses those two and the rest of the range
 * becomes preferred. A lost address is not A's any more: a packet to it
 * is dropped as not ours, a solicitation for it is not answered, bind()
 * gives EADDRNOTAVAIL, and A's own traffic leaves from the first kept
 * address; dps_stack_addr6_state() says DUPLICATE for it alone.
 */
Test(dpdk, ip6_range_dad_loses_one_address, .timeout = 120)
{
	struct bench b;
	struct dps_stack *s;
	struct dps_counters c;
	uint8_t lost2[16], kept[16], second[16], last[16], src[16], f[FRAME_MAX], sn[16];
	struct rte_ether_addr snmac;
	uint64_t not_ours, nd_not_ours;
	size_t n;

	s = range_raw_up(&b, "i6rl");
	range_nth(2000, lost2);
	range_nth(1999, kept);
	range_nth(1, second);
	range_nth(RANGE_N - 1, last);
	peer_claims(&b, 0, true);
	peer_claims(&b, 2000, false);
	settle(&b);
	cr_assert_eq(addr6_state(s, range6), DPS_ADDR6_DUPLICATE, "the first, lost");
	cr_assert_eq(addr6_state(s, lost2), DPS_ADDR6_DUPLICATE, "::100 + 2000, lost");
	cr_assert_eq(addr6_state(s, kept), DPS_ADDR6_TENTATIVE, "the rest goes on");
	range_wait(&b, kept);
	cr_assert_eq(addr6_state(s, kept), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(s, second), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(s, last), DPS_ADDR6_PREFERRED);
	cr_assert_eq(addr6_state(s, range6), DPS_ADDR6_DUPLICATE);
	cr_assert_eq(addr6_state(s, lost2), DPS_ADDR6_DUPLICATE);
	c = cnt(&b, 0);
	cr_assert_eq(c.dad_duplicate, 2, "each lost address counted");
	cr_assert_eq(c.dad_range_lost_full, 0);

	/* Received for the kept ones only. */
	not_ours = c.drop[DPS_DROP_ip6_not_for_us];
	cr_assert(echo_answered(&b, kept), "a kept address");
	cr_assert(echo_answered(&b, second), "the second, kept");
	cr_assert_not(echo_answered(&b, lost2), "a lost address answered");
	cr_assert_not(echo_answered(&b, range6), "the lost first answered");
	c = cnt(&b, 0);
	cr_assert_eq(c.drop[DPS_DROP_ip6_not_for_us], not_ours + 2);
	cr_assert_eq(c.icmp6_tx_echo_reply, 2);

	/* Not answered in neighbour discovery. */
	nd_not_ours = c.drop[DPS_DROP_nd_not_for_us];
	dps_ip6_solicited_node(lost2, sn);
	dps_ip6_mcast_mac(sn, &snmac);
	n = dps_nd_ns_build(f + ETH_LEN, 128, peer6, sn, lost2, &peer_mac, NULL);
	peer_send(&b, f, eth6(f, &snmac, n));
	settle(&b);
	cr_assert_null(peer_pop(&b), "a lost address answered a solicitation");
	cr_assert_eq(cnt(&b, 0).drop[DPS_DROP_nd_not_for_us] +
		cnt(&b, 0).drop[DPS_DROP_ip6_not_for_us], nd_not_ours + not_ours + 2 + 1,
		"dropped as not ours");

	/* bind(): EADDRNOTAVAIL for a lost one (as Linux for a dadfailed
	 * address), fine for the others. */
	cr_assert_not(binds6(s, lost2), "a lost address binds");
	cr_assert_not(binds6(s, range6), "the lost first binds");
	cr_assert(binds6(s, kept));
	cr_assert(binds6(s, second));

	/* A source: the range's first kept address, on the lcore and on the
	 * application side (a datagram socket's connect()). */
	cr_assert_eq(dps_ip6_source(s->lc[0], peer6, src, NULL), 0);
	cr_assert_arr_eq(src, second, 16, "the lost first was chosen");
	{
		struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
		struct sockaddr_in6 me;
		socklen_t len = sizeof(me);
		int fd = dps_socket_on(s, AF_INET6, SOCK_DGRAM, 0);

		cr_assert_geq(fd, 0);
		memcpy(to.sin6_addr.s6_addr, peer6, 16);
		cr_assert_eq(dps_connect(fd, (struct sockaddr *)&to, sizeof(to)), 0,
			"errno %d", errno);
		cr_assert_eq(dps_getsockname(fd, (struct sockaddr *)&me, &len), 0);
		cr_assert_arr_eq(me.sin6_addr.s6_addr, second, 16,
			"the application side chose the lost first");
		cr_assert_eq(dps_close(fd), 0);
	}
	bench_down(&b);
}

/*
 * More conflicts than a range keeps apart (DPS_IP6_LOST_MAX): the
 * conflict past the bound makes the whole range a duplicate, as before
 * per-address verdicts, counted as dad_range_lost_full; each lost
 * address and that last conflict count as dad_duplicate.
 */
Test(dpdk, ip6_range_dad_lost_past_the_bound, .timeout = 120)
{
	struct bench b;
	struct dps_stack *s;
	struct dps_counters c;
	struct dps_addr ll;
	uint8_t a[16];

	s = range_raw_up(&b, "i6rb");
	for (uint32_t i = 0; i < DPS_IP6_LOST_MAX; i++)
		peer_claims(&b, 10 + i, i % 2 == 0);
	settle(&b);
	range_nth(500, a);
	cr_assert_eq(addr6_state(s, a), DPS_ADDR6_TENTATIVE, "within the bound");
	peer_claims(&b, 700, true);
	settle(&b);
	cr_assert_eq(addr6_state(s, a), DPS_ADDR6_DUPLICATE, "past the bound: all");
	cr_assert_eq(addr6_state(s, range6), DPS_ADDR6_DUPLICATE);
	c = cnt(&b, 0);
	cr_assert_eq(c.dad_duplicate, DPS_IP6_LOST_MAX + 1);
	cr_assert_eq(c.dad_range_lost_full, 1);
	cr_assert_eq(dps_stack_linklocal(s, 0, &ll), 0);
	range_wait(&b, ll.v6);
	cr_assert_eq(cnt(&b, 0).dad_ok, 1, "the link-local address only");
	cr_assert_not(echo_answered(&b, a));
	cr_assert_not(binds6(s, a));
	bench_down(&b);
}

Test(dpdk, ip6_raw_peer_nd_and_echo)
{
	struct bench b;
	uint8_t f[FRAME_MAX], sn[16];
	struct rte_ether_addr snmac;
	struct rte_mbuf *m;
	const uint8_t *ip;
	size_t n;

	raw6_up(&b, "i6rp", false);
	/* The peer resolves A: an NS to A's solicited-node group. */
	dps_ip6_solicited_node(a6, sn);
	dps_ip6_mcast_mac(sn, &snmac);
	n = dps_nd_ns_build(f + ETH_LEN, 128, peer6, sn, a6, &peer_mac, NULL);
	peer_send(&b, f, eth6(f, &snmac, n));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no NA");
	ip = ip6_of(&b, m);
	cr_assert(rte_is_same_ether_addr(rte_pktmbuf_mtod(m, struct rte_ether_addr *),
		&peer_mac), "the NA goes to the SLLA");
	cr_assert_eq(icmp6_type(ip), DPS_ND_NEIGHBOR_ADVERT);
	cr_assert_eq(ip[7], 255, "ND hop limit");
	cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
	cr_assert_eq(ip[DPS_IPV6_HLEN + 4], DPS_ND_NA_SOLICITED | DPS_ND_NA_OVERRIDE);
	cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8, a6, 16), 0);
	cr_assert_eq(ip[DPS_IPV6_HLEN + 24], DPS_ND_OPT_TLLA);
	cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 26, &b.mac[0], 6), 0);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));

	/* An echo request: the reply uses what the NS taught (STALE). */
	peer_send(&b, f, mk_echo6(f, &b.mac[0], a6, 7));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no echo reply");
	ip = ip6_of(&b, m);
	cr_assert_eq(icmp6_type(ip), DPS_ICMP6_ECHO_REPLY);
	cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
	cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
	cr_assert_eq(ip[7], DPS_IPV6_HOP_LIMIT);
	cr_assert_eq(rd16(ip + DPS_IPV6_HLEN + 6), 7, "sequence");
	rte_pktmbuf_free(m);

	/* An echo request to all-nodes is answered too (Linux's default
	 * echo_ignore_multicast 0), from A's address. */
	{
		struct rte_ether_addr an;

		dps_ip6_mcast_mac(all_nodes, &an);
		peer_send(&b, f, mk_echo6(f, &an, all_nodes, 8));
		settle(&b);
		m = peer_pop(&b);
		cr_assert_not_null(m, "no reply to all-nodes");
		ip = ip6_of(&b, m);
		cr_assert_eq(icmp6_type(ip), DPS_ICMP6_ECHO_REPLY);
		cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
		rte_pktmbuf_free(m);
	}

	/* A DAD probe for A's (preferred) address: an NA to all-nodes,
	 * not solicited. */
	{
		static const uint8_t unspec[16];
		uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };

		n = dps_nd_ns_build(f + ETH_LEN, 128, unspec, sn, a6, NULL, nonce);
		peer_send(&b, f, eth6(f, &snmac, n));
		settle(&b);
		m = peer_pop(&b);
		cr_assert_not_null(m, "no NA to the DAD probe");
		ip = ip6_of(&b, m);
		cr_assert_eq(icmp6_type(ip), DPS_ND_NEIGHBOR_ADVERT);
		cr_assert_eq(memcmp(ip + 24, all_nodes, 16), 0);
		cr_assert_eq(ip[DPS_IPV6_HLEN + 4], DPS_ND_NA_OVERRIDE);
		cr_assert_eq(addr6_state(b.s[0], a6), DPS_ADDR6_PREFERRED);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(dps_counters_total_drops(&(struct dps_counters){ 0 }), 0);
	{
		struct dps_counters c = cnt(&b, 0);

		cr_assert_eq(dps_counters_total_drops(&c), 0);
		cr_assert_eq(c.nd_tx_na, 2);
		cr_assert_eq(c.icmp6_tx_echo_reply, 2);
	}
	bench_down(&b);
}

/* A resolves the peer: an NS to its solicited-node group from A's
 * address with A's SLLA; the peer's NA releases the echo request. */
Test(dpdk, ip6_raw_peer_resolution)
{
	struct bench b;
	uint8_t f[FRAME_MAX], sn[16];
	struct rte_ether_addr snmac;
	struct rte_mbuf *m;
	const uint8_t *ip;
	struct dps_lcore *lc;
	int err = 0;
	size_t n;

	raw6_up(&b, "i6rr", false);
	lc = b.s[0]->lc[0];
	m = dps_ip6_alloc(lc, peer6, DPS_IP6_NH_ICMPV6, 16, &err);
	cr_assert_not_null(m);
	ip = rte_pktmbuf_mtod(m, uint8_t *);
	dps_icmp6_echo_build(rte_pktmbuf_mtod_offset(m, uint8_t *, DPS_IPV6_HLEN), 16,
		DPS_ICMP6_ECHO_REQUEST, 1, 1, "01234567", 8, ip + 8, peer6);
	cr_assert_eq(dps_ip6_output(lc, m, peer6, vnow(&b)), 0);
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no NS");
	ip = ip6_of(&b, m);
	dps_ip6_solicited_node(peer6, sn);
	dps_ip6_mcast_mac(sn, &snmac);
	cr_assert(rte_is_same_ether_addr(rte_pktmbuf_mtod(m, struct rte_ether_addr *),
		&snmac));
	cr_assert_eq(icmp6_type(ip), DPS_ND_NEIGHBOR_SOLICIT);
	cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
	cr_assert_eq(memcmp(ip + 24, sn, 16), 0);
	cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8, peer6, 16), 0);
	cr_assert_eq(ip[DPS_IPV6_HLEN + 24], DPS_ND_OPT_SLLA);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b), "the echo request is held");

	n = dps_nd_na_build(f + ETH_LEN, 128, peer6, a6, peer6,
		DPS_ND_NA_SOLICITED | DPS_ND_NA_OVERRIDE, &peer_mac);
	peer_send(&b, f, eth6(f, &b.mac[0], n));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "the held request did not leave");
	ip = ip6_of(&b, m);
	cr_assert(rte_is_same_ether_addr(rte_pktmbuf_mtod(m, struct rte_ether_addr *),
		&peer_mac));
	cr_assert_eq(icmp6_type(ip), DPS_ICMP6_ECHO_REQUEST);
	rte_pktmbuf_free(m);
	bench_down(&b);
}

/* ---- malformed frames ------------------------------------------------------- */

/* A valid echo request from the peer to A, then one change. */
typedef uint32_t (*bad6_fn)(struct bench *b, uint8_t *f);

static uint32_t
bad6_version(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo6(f, &b->mac[0], a6, 1);

	f[ETH_LEN] = 0x45;
	return len;
}

static uint32_t
bad6_truncated(struct bench *b, uint8_t *f)
{
	mk_echo6(f, &b->mac[0], a6, 1);
	return ETH_LEN + 39;
}

static uint32_t
bad6_paylen(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo6(f, &b->mac[0], a6, 1);

	wr16(f + ETH_LEN + 4, 200);
	return len;
}

static uint32_t
bad6_src(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo6(f, &b->mac[0], a6, 1);

	memcpy(f + ETH_LEN + 8, all_nodes, 16);
	return len;
}

static uint32_t
bad6_not_for_us(struct bench *b, uint8_t *f)
{
	return mk_echo6(f, &b->mac[0], b6, 1);
}

static uint32_t
bad6_csum(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo6(f, &b->mac[0], a6, 1);

	f[len - 1] ^= 0x40;
	return len;
}

/* A fragment header (offset 8: not atomic). */
static uint32_t
bad6_fragment(struct bench *b, uint8_t *f)
{
	uint8_t *ip = f + ETH_LEN;
	uint8_t *fh = ip + DPS_IPV6_HLEN;

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, DPS_IP6_NH_FRAGMENT, 16, 64, 0, 0);
	memset(fh, 0, 16);
	fh[0] = DPS_IP6_NH_ICMPV6;
	wr16(fh + 2, 8);
	return eth6(f, &b->mac[0], DPS_IPV6_HLEN + 16);
}

/* An NS with hop limit 64 (RFC 4861 7.1.1). */
static uint32_t
bad6_nd_hops(struct bench *b, uint8_t *f)
{
	size_t n = dps_nd_ns_build(f + ETH_LEN, 128, peer6, a6, a6, &peer_mac, NULL);

	f[ETH_LEN + 7] = 64;
	return eth6(f, &b->mac[0], n);
}

/* TCP over IPv6 with a checksum of zero (wrong for these bytes): no
 * RST answers it. */
static uint32_t
bad6_tcp(struct bench *b, uint8_t *f)
{
	uint8_t *ip = f + ETH_LEN;

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, IPPROTO_TCP, 20, 64, 0, 0);
	memset(ip + DPS_IPV6_HLEN, 0, 20);
	ip[DPS_IPV6_HLEN + 12] = 0x50;
	ip[DPS_IPV6_HLEN + 13] = 0x02;	/* SYN */
	return eth6(f, &b->mac[0], DPS_IPV6_HLEN + 20);
}

/* UDP over IPv6 without a checksum: refused (RFC 8200 8.1), and no
 * port unreachable answers it. */
static uint32_t
bad6_udp_zero(struct bench *b, uint8_t *f)
{
	uint8_t *ip = f + ETH_LEN;

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, IPPROTO_UDP, 12, 64, 0, 0);
	memset(ip + DPS_IPV6_HLEN, 0, 12);
	wr16(ip + DPS_IPV6_HLEN, 5000);
	wr16(ip + DPS_IPV6_HLEN + 2, 53);
	wr16(ip + DPS_IPV6_HLEN + 4, 12);
	return eth6(f, &b->mac[0], DPS_IPV6_HLEN + 12);
}

/* To another node's MAC. */
static uint32_t
bad6_eth_other(struct bench *b, uint8_t *f)
{
	RTE_SET_USED(b);
	return mk_echo6(f, &other_mac, a6, 1);
}

/* An LLDP frame: an ethertype nobody takes. */
static uint32_t
bad6_ethertype(struct bench *b, uint8_t *f)
{
	uint32_t len = mk_echo6(f, &b->mac[0], a6, 1);

	wr16(f + 12, 0x88cc);
	return len;
}

static const struct {
	const char *what;
	int reason;
	bad6_fn build;
} bad6[] = {
	{ "IPv4 in an IPv6 frame", DPS_DROP_ip6_bad_version, bad6_version },
	{ "short header", DPS_DROP_ip6_truncated, bad6_truncated },
	{ "payload length", DPS_DROP_ip6_bad_paylen, bad6_paylen },
	{ "multicast source", DPS_DROP_ip6_bad_src, bad6_src },
	{ "another's address", DPS_DROP_ip6_not_for_us, bad6_not_for_us },
	{ "ICMPv6 checksum", DPS_DROP_icmp6_bad_csum, bad6_csum },
	{ "fragment", DPS_DROP_ip6_fragment, bad6_fragment },
	{ "NS hop limit", DPS_DROP_nd_bad_hoplimit, bad6_nd_hops },
	{ "TCP checksum over IPv6", DPS_DROP_tcp_bad_csum, bad6_tcp },
	{ "UDP without a checksum over IPv6", DPS_DROP_udp_bad_csum, bad6_udp_zero },
	{ "LLDP", DPS_DROP_eth_unknown_type, bad6_ethertype },
	{ "another's MAC", DPS_DROP_eth_not_for_us, bad6_eth_other },
};

Test(dpdk, ip6_malformed_frames)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;
	struct rte_mbuf *m;

	raw6_up(&b, "i6bd", true);
	for (size_t i = 0; i < RTE_DIM(bad6); i++) {
		memset(f, 0, sizeof(f));
		c0 = cnt(&b, 0);
		peer_send(&b, f, bad6[i].build(&b, f));
		settle(&b);
		c = cnt(&b, 0);
		assert_one_drop(&c0, &c, bad6[i].reason, bad6[i].what);
		cr_assert_eq(c.eth_tx_pkts, c0.eth_tx_pkts, "%s: sent something",
			bad6[i].what);
		cr_assert_null(peer_pop(&b), "%s: answered", bad6[i].what);
	}
	peer_send(&b, f, mk_echo6(f, &b.mac[0], a6, 3));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "a good request after the bad ones");
	rte_pktmbuf_free(m);
	bench_down(&b);
}

/* IPv6 is off on a port without an IPv6 address: its frames are an
 * ethertype not handled, as before IPv6. */
Test(dpdk, ip6_off_without_address)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;
	struct dps_addr ll;

	raw_up(&b, "i6of", true);
	cr_assert_eq(dps_stack_linklocal(b.s[0], 0, &ll), 0);
	cr_assert_eq(dps_stack_addr6_state(b.s[0], 0, &ll), -ENOENT);
	c0 = cnt(&b, 0);
	peer_send(&b, f, mk_echo6(f, &b.mac[0], a6, 1));
	run(&b, 100, 10 * MS);
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_eth_unknown_type, "IPv6 off");
	cr_assert_eq(c.nd_tx_ns, 0, "no DAD");
	cr_assert_null(peer_pop(&b));
	bench_down(&b);
}

/* ---- ICMPv6 errors ------------------------------------------------------------ */

/* An unknown next header (RFC 8200 4): a parameter problem code 1
 * pointing at the field that named it, six to one destination at once
 * (its bucket, a /64 route: 250 ms a token), then one per 250 ms. */
Test(dpdk, ip6_param_problem_ratelimited)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;
	struct rte_mbuf *m;
	unsigned int got = 0;

	raw6_up(&b, "i6pp", true);
	c0 = cnt(&b, 0);
	for (int i = 0; i < 10; i++) {
		uint8_t *ip = f + ETH_LEN;

		dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, 253, 8, 64, 0, 0);
		memset(ip + DPS_IPV6_HLEN, 0, 8);
		peer_send(&b, f, eth6(f, &b.mac[0], DPS_IPV6_HLEN + 8));
	}
	settle(&b);
	while ((m = peer_pop(&b)) != NULL) {
		const uint8_t *ip = ip6_of(&b, m);

		cr_assert_eq(icmp6_type(ip), DPS_ICMP6_PARAM_PROB);
		cr_assert_eq(ip[DPS_IPV6_HLEN + 1], DPS_ICMP6_PP_NEXTHDR);
		cr_assert_eq(rd32(ip + DPS_IPV6_HLEN + 4), 6, "points at next header");
		cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8 + 8, peer6, 16), 0, "quote");
		rte_pktmbuf_free(m);
		got++;
	}
	c = cnt(&b, 0);
	cr_assert_eq(got, 6);
	cr_assert_eq(c.icmp6_tx_error - c0.icmp6_tx_error, 6);
	cr_assert_eq(c.drop[DPS_DROP_icmp6_ratelimited], 4);
	cr_assert_eq(c.drop[DPS_DROP_ip6_unknown_nexthdr], 10);
	/* A quarter second later, one more. */
	vadvance(&b, 250 * MS);
	peer_send(&b, f, eth6(f, &b.mac[0], DPS_IPV6_HLEN + 8));
	peer_send(&b, f, eth6(f, &b.mac[0], DPS_IPV6_HLEN + 8));
	settle(&b);
	c = cnt(&b, 0);
	cr_assert_eq(c.icmp6_tx_error - c0.icmp6_tx_error, 7);
	cr_assert_eq(c.drop[DPS_DROP_icmp6_ratelimited], 5);
	peer_flush(&b);
	bench_down(&b);
}

static struct {
	unsigned int calls;
	int err;
	bool fatal;
	struct dps_icmp6_view v;
} e6;

static void
fake_err6(struct dps_lcore *lc, const struct dps_icmp6_view *icmp, int err,
	bool fatal, uint64_t now)
{
	RTE_SET_USED(lc);
	RTE_SET_USED(now);
	e6.calls++;
	e6.err = err;
	e6.fatal = fatal;
	e6.v = *icmp;
}

static const struct dps_proto_ops fake6_ops = {
	.name = "fake6",
	.ipproto = IPPROTO_DCCP,
	.err6 = fake_err6,
};

/* An ICMPv6 error from the peer quoting a packet A sent. */
static uint32_t
mk_err6(uint8_t *f, struct bench *b, uint8_t type, uint8_t code, uint8_t proto)
{
	uint8_t orig[DPS_IPV6_HLEN + 8];
	size_t n;

	dps_ipv6_build(orig, sizeof(orig), a6, peer6, proto, 8, 64, 0, 0);
	memset(orig + DPS_IPV6_HLEN, 0, 8);
	wr16(orig + DPS_IPV6_HLEN, 5000);
	wr16(orig + DPS_IPV6_HLEN + 2, 53);
	n = dps_icmp6_error_build(f + ETH_LEN, 1400, type, code, 0, orig, sizeof(orig),
		peer6, a6);
	return eth6(f, &b->mac[0], n);
}

Test(dpdk, ip6_icmp6_error_dispatch)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct dps_counters c0, c;

	bench_up(&b, "i6ed", NULL, true);
	stack6_new(&b, 0, "sa", A_IP, a6);
	cr_assert_eq(dps_proto_register(b.s[0], DPS_PROTO_MAX - 1, &fake6_ops, NULL), 0);
	stack_start(&b, 0);
	wait_dad(&b, b.s[0], a6);
	peer_flush(&b);
	memset(&e6, 0, sizeof(e6));

	peer_send(&b, f, mk_err6(f, &b, DPS_ICMP6_DST_UNREACH, DPS_ICMP6_UNREACH_PORT,
		IPPROTO_DCCP));
	settle(&b);
	cr_assert_eq(e6.calls, 1);
	cr_assert_eq(e6.err, ECONNREFUSED);
	cr_assert(e6.fatal);
	cr_assert_eq(e6.v.quote.proto, IPPROTO_DCCP);
	cr_assert_eq(memcmp(e6.v.quote.src, a6, 16), 0);
	cr_assert_eq(memcmp(e6.v.quote.dst, peer6, 16), 0);
	/* Time exceeded: EHOSTUNREACH, soft (icmpv6_err_convert()). */
	peer_send(&b, f, mk_err6(f, &b, DPS_ICMP6_TIME_EXCEEDED, 0, IPPROTO_DCCP));
	settle(&b);
	cr_assert_eq(e6.calls, 2);
	cr_assert_eq(e6.err, EHOSTUNREACH);
	cr_assert_not(e6.fatal);
	c = cnt(&b, 0);
	cr_assert_eq(c.icmp6_rx_error, 2);
	cr_assert_eq(dps_counters_total_drops(&c), 0);
	/* Nobody owns SCTP's. */
	c0 = c;
	peer_send(&b, f, mk_err6(f, &b, DPS_ICMP6_DST_UNREACH, DPS_ICMP6_UNREACH_PORT,
		IPPROTO_SCTP));
	settle(&b);
	c = cnt(&b, 0);
	assert_one_drop(&c0, &c, DPS_DROP_icmp6_no_owner, "no SCTP handler");
	cr_assert_null(peer_pop(&b), "no error about an error");
	bench_down(&b);
}

/* A neighbour that never answers: three multicast solicitations 1 s
 * apart (Linux's mcast_solicit and retrans_time), then the held packets
 * are dropped as nd_failed; one displaced from a full queue is
 * nd_hold_overflow. */
Test(dpdk, ip6_unanswered_neighbour)
{
	static const uint8_t nobody[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x77 };
	struct bench b;
	struct dps_lcore *lc;
	struct dps_counters c0, c;
	struct rte_mbuf *m;
	unsigned int ns = 0;

	raw6_up(&b, "i6un", false);
	lc = b.s[0]->lc[0];
	c0 = cnt(&b, 0);
	for (unsigned int i = 0; i < DPS_ND_HOLD_PKTS + 1; i++) {
		int err = 0;

		m = dps_ip6_alloc(lc, nobody, DPS_IP6_NH_ICMPV6, 8, &err);
		cr_assert_not_null(m);
		memset(rte_pktmbuf_mtod_offset(m, uint8_t *, DPS_IPV6_HLEN), 0, 8);
		cr_assert_eq(dps_ip6_output(lc, m, nobody, vnow(&b)), 0);
	}
	run(&b, 400, 10 * MS);
	while ((m = peer_pop(&b)) != NULL) {
		const uint8_t *ip = ip6_of(&b, m);

		cr_assert_eq(icmp6_type(ip), DPS_ND_NEIGHBOR_SOLICIT);
		cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8, nobody, 16), 0);
		rte_pktmbuf_free(m);
		ns++;
	}
	c = cnt(&b, 0);
	cr_assert_eq(ns, 3);
	cr_assert_eq(c.nd_tx_ns - c0.nd_tx_ns, 3);
	cr_assert_eq(c.drop[DPS_DROP_nd_hold_overflow], 1);
	cr_assert_eq(c.drop[DPS_DROP_nd_failed], DPS_ND_HOLD_PKTS);
	bench_down(&b);
}

/* What the configuration refuses for IPv6. */
Test(dpdk, ip6_config_errors)
{
	static const uint8_t mc[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t lo[16] = { [15] = 1 };
	static const uint8_t v4m[16] = { [10] = 0xff, [11] = 0xff, 1, 2, 3, 4 };
	struct bench b;
	struct dps_stack *s;
	struct dps_addr a = dps_addr_v6(a6), bad, gw = dps_addr_v6(mc);
	struct dps_addr any6 = { .family = AF_INET6 };

	bench_up(&b, "i6ce", NULL, true);
	s = stack_new(&b, 0, "sa", A_IP, 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 129), -EINVAL);
	bad = dps_addr_v6(mc);
	cr_assert_eq(dps_stack_add_addr(s, 0, &bad, 64), -EINVAL);
	bad = dps_addr_v6(lo);
	cr_assert_eq(dps_stack_add_addr(s, 0, &bad, 128), -EINVAL);
	bad = dps_addr_v6(v4m);
	cr_assert_eq(dps_stack_add_addr(s, 0, &bad, 64), -EINVAL);
	cr_assert_eq(dps_stack_add_addr(s, 0, &any6, 64), -EINVAL);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), -EEXIST);
	cr_assert_eq(dps_stack_add_addr_range(s, 0, &a, 2, 64), -EEXIST,
		"a range holding an address the stack has");
	{
		/* A range leaving its /120, one holding the prefix's
		 * Subnet-Router anycast address, none at all, one past
		 * the end of the address space. */
		struct dps_addr r = dps_addr_v6((const uint8_t[16]){ 0x20, 0x01, 0x0d,
			0xb8, 0, 7, [15] = 0xf0 });

		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 17, 120), -EINVAL);
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 0, 120), -EINVAL);
		r.v6[15] = 0;
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 2, 120), -EINVAL);
		memset(r.v6, 0xff, 16);
		r.v6[0] = 0xfe;
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 2, 0), -EINVAL,
			"reaches the groups (ff00::)");
		r = dps_addr_v6((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 7,
			[15] = 1 });
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 255, 120), 0,
			"::7:0:0:0:1 to ::7:0:0:0:ff");
		r.v6[15] = 0x80;
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 1, 64), -EEXIST,
			"inside the range");
		/* 2001:db8:6:ffff:ffff:ffff:ffff:ff00/32 and the 0x1ff
		 * after it, up to 2001:db8:7::ff. */
		memset(&r.v6[6], 0xff, 10);
		r.v6[5] = 6;
		r.v6[15] = 0;
		cr_assert_eq(dps_stack_add_addr_range(s, 0, &r, 0x200, 32), -EEXIST,
			"a range holding the other's first");
		cr_assert_eq(dps_stack_addr6_state(s, 0, &(struct dps_addr){
			.family = AF_INET6, .v6 = { 0x20, 0x01, 0x0d, 0xb8, 0, 7,
			[15] = 0x42 } }), DPS_ADDR6_TENTATIVE, "an address of the range");
	}
	cr_assert_eq(dps_stack_add_route(s, &any6, 0, &gw, 0), -EINVAL,
		"a group is no router");
	gw = dps_addr_v6((const uint8_t[16]){ 0xfe, 0x80, [15] = 1 });
	cr_assert_eq(dps_stack_add_route(s, &any6, 0, &gw, 0), 0);
	cr_assert_eq(dps_stack_add_route(s, &any6, 0, &gw, 0), -EEXIST);
	cr_assert_eq(dps_stack_add_arp(s, 0, &bad, &peer_mac), -EINVAL);
	for (unsigned int i = 3; i < DPS_MAX_ADDRS6; i++) {
		uint8_t v[16] = B6;

		v[14] = (uint8_t)i;
		bad = dps_addr_v6(v);
		cr_assert_eq(dps_stack_add_addr(s, 0, &bad, 64), 0, "address %u", i);
	}
	bad.v6[14] = 0x77;
	cr_assert_eq(dps_stack_add_addr(s, 0, &bad, 64), -ENOSPC,
		"one slot stays for the link-local address");
	cr_assert_eq(dps_stack_addr6_state(s, 0, &a), DPS_ADDR6_TENTATIVE);
	cr_assert_eq(dps_stack_addr6_state(s, 0, &(struct dps_addr){ .family = AF_INET6 }),
		-ENOENT);
	cr_assert_eq(dps_stack_linklocal(s, 0, &bad), -EAGAIN, "not started");
	bench_down(&b);
}

/* ---- TCP and UDP over IPv6 with no IPv6 socket ------------------------------ */

/* A TCP segment from the peer's port 40000 to @to:80 with @flags, @seq,
 * @ack and @plen bytes of payload, its checksum filled. */
static uint32_t
mk_tcp6(uint8_t *f, const struct rte_ether_addr *dst, const uint8_t to[16],
	uint8_t flags, uint32_t seq, uint32_t ack, uint16_t plen)
{
	uint8_t *ip = f + ETH_LEN, *th = ip + DPS_IPV6_HLEN;
	uint16_t n = (uint16_t)(20 + plen), sum;

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, to, IPPROTO_TCP, n, 64, 0, 0);
	memset(th, 0, n);
	wr16(th, 40000);
	wr16(th + 2, 80);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = 0x50;
	th[13] = flags;
	wr16(th + 14, 65535);
	sum = dps_l4v6_csum(th, n, peer6, to, IPPROTO_TCP);
	memcpy(th + 16, &sum, 2);
	return eth6(f, dst, DPS_IPV6_HLEN + n);
}

/* A's TCP segment in @ip, checked (pseudo-header checksum by DPDK's
 * rte_ipv6_udptcp_cksum_verify(), addresses, ports): its flags. */
static uint8_t
tcp6_from_a(const uint8_t *ip)
{
	const uint8_t *th = ip + DPS_IPV6_HLEN;

	cr_assert_eq(ip[6], IPPROTO_TCP);
	cr_assert_eq(rd16(ip + 4), 20, "a RST without options");
	cr_assert_eq(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip, th), 0,
		"TCP checksum over the IPv6 pseudo-header");
	cr_assert_eq(memcmp(ip + 8, a6, 16), 0, "from the address it was sent to");
	cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
	cr_assert_eq(rd16(th), 80);
	cr_assert_eq(rd16(th + 2), 40000);
	return th[13];
}

/* A UDP datagram from the peer's port 5000 to A's port 53, "hello", its
 * checksum filled. */
static uint32_t
mk_udp6(uint8_t *f, const struct rte_ether_addr *dst)
{
	uint8_t *ip = f + ETH_LEN, *uh = ip + DPS_IPV6_HLEN;
	uint16_t sum;

	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, IPPROTO_UDP, 13, 64, 0, 0);
	wr16(uh, 5000);
	wr16(uh + 2, 53);
	wr16(uh + 4, 13);
	memset(uh + 6, 0, 2);
	memcpy(uh + 8, "hello", 5);
	sum = dps_l4v6_csum(uh, 13, peer6, a6, IPPROTO_UDP);
	memcpy(uh + 6, &sum, 2);
	return eth6(f, dst, DPS_IPV6_HLEN + 13);
}

/*
 * No AF_INET6 socket is on these ports, and an AF_INET one never takes IPv6
 * (Linux keeps them apart: here a listener on *:80 and a UDP socket on
 * *:53 stand by), so TCP and UDP over IPv6 meet no socket and
 * are answered as Linux answers then (RFC 9293 3.10.7.1; RFC 4443 3.1):
 * a SYN with RST|ACK acknowledging it, an ACK with a RST at its
 * acknowledgment number, a RST with nothing, a segment to a group with
 * nothing; a UDP datagram with port unreachable quoting it, one to a
 * group with nothing. Every mbuf comes back (bench_down()).
 */
Test(dpdk, ip6_tcp_udp_no_socket)
{
	struct bench b;
	uint8_t f[FRAME_MAX];
	struct rte_ether_addr an;
	struct dps_counters c0, c;
	struct sockaddr_in at = { .sin_family = AF_INET };
	struct rte_mbuf *m;
	const uint8_t *ip;
	int lfd, ufd;

	raw6_up(&b, "i6ns", true);
	dps_ip6_mcast_mac(all_nodes, &an);
	/* An AF_INET listener on *:80 and a UDP socket on *:53 take none of
	 * it: IPv4 sockets are not dual-stack. */
	lfd = dps_socket_on(b.s[0], AF_INET, SOCK_STREAM, 0);
	ufd = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_geq(ufd, 0);
	at.sin_port = htons(80);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&at, sizeof(at)), 0);
	cr_assert_eq(dps_listen(lfd, 8), 0);
	at.sin_port = htons(53);
	cr_assert_eq(dps_bind(ufd, (struct sockaddr *)&at, sizeof(at)), 0);
	c0 = cnt(&b, 0);

	/* SYN, 3 bytes of data: RST|ACK, SEQ 0, ACK = seq + 1 + 3. */
	peer_send(&b, f, mk_tcp6(f, &b.mac[0], a6, 0x02, 1000, 0, 3));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no RST to a SYN");
	ip = ip6_of(&b, m);
	cr_assert_eq(tcp6_from_a(ip), 0x14, "RST|ACK");
	cr_assert_eq(rd32(ip + DPS_IPV6_HLEN + 4), 0);
	cr_assert_eq(rd32(ip + DPS_IPV6_HLEN + 8), 1004);
	rte_pktmbuf_free(m);
	cr_assert_null(peer_pop(&b));

	/* ACK: RST with SEQ = SEG.ACK, no ACK. */
	peer_send(&b, f, mk_tcp6(f, &b.mac[0], a6, 0x10, 5000, 0xabcdef01, 0));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no RST to an ACK");
	ip = ip6_of(&b, m);
	cr_assert_eq(tcp6_from_a(ip), 0x04, "RST");
	cr_assert_eq(rd32(ip + DPS_IPV6_HLEN + 4), 0xabcdef01);
	rte_pktmbuf_free(m);

	/* A RST, and a SYN to all-nodes: nothing. */
	peer_send(&b, f, mk_tcp6(f, &b.mac[0], a6, 0x04, 5000, 0, 0));
	peer_send(&b, f, mk_tcp6(f, &an, all_nodes, 0x02, 5000, 0, 0));
	settle(&b);
	cr_assert_null(peer_pop(&b), "answered a RST or a group");

	/* UDP: port unreachable quoting the datagram, from A. */
	{
		uint8_t *p = f + ETH_LEN, *uh = p + DPS_IPV6_HLEN;
		uint16_t sum;

		peer_send(&b, f, mk_udp6(f, &b.mac[0]));
		settle(&b);
		m = peer_pop(&b);
		cr_assert_not_null(m, "no port unreachable");
		ip = ip6_of(&b, m);
		cr_assert_eq(icmp6_type(ip), DPS_ICMP6_DST_UNREACH);
		cr_assert_eq(ip[DPS_IPV6_HLEN + 1], DPS_ICMP6_UNREACH_PORT);
		cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
		cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
		cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8, p, DPS_IPV6_HLEN + 13), 0,
			"quotes the whole datagram");
		rte_pktmbuf_free(m);
		/* The same to all-nodes: no error about a packet to a group. */
		memcpy(p + 24, all_nodes, 16);
		memset(uh + 6, 0, 2);
		sum = dps_l4v6_csum(uh, 13, peer6, all_nodes, IPPROTO_UDP);
		memcpy(uh + 6, &sum, 2);
		dps_eth_build(f, ETH_LEN, &an, &peer_mac, RTE_ETHER_TYPE_IPV6);
		peer_send(&b, f, ETH_LEN + DPS_IPV6_HLEN + 13);
		settle(&b);
		cr_assert_null(peer_pop(&b), "port unreachable about a group");
	}

	c = cnt(&b, 0);
	cr_assert_eq(c.tcp_rx - c0.tcp_rx, 4);
	cr_assert_eq(c.tcp_tx_rst - c0.tcp_tx_rst, 2);
	cr_assert_eq(c.drop[DPS_DROP_tcp_no_socket] - c0.drop[DPS_DROP_tcp_no_socket], 4);
	cr_assert_eq(c.udp_rx - c0.udp_rx, 2);
	cr_assert_eq(c.drop[DPS_DROP_udp_no_port] - c0.drop[DPS_DROP_udp_no_port], 2);
	cr_assert_eq(c.drop[DPS_DROP_ip6_no_transport], 0);
	cr_assert_eq(c.tcp_passive_opens, c0.tcp_passive_opens);
	cr_assert_eq(dps_close(lfd), 0);
	cr_assert_eq(dps_close(ufd), 0);
	bench_down(&b);
}

/* The peer's @len-byte frame @f as a NIC that checked its TCP or UDP
 * checksum would hand it over: @ol its RTE_MBUF_F_RX_L4_CKSUM_* flags. */
static void
peer_send_verdict(struct bench *b, const uint8_t *f, uint32_t len, uint64_t ol)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->ppool);

	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	m->ol_flags = ol;
	cr_assert_eq(rte_eth_tx_burst(b->port[1], 0, &m, 1), 1);
}

/*
 * The NIC's verdict on a TCP or UDP checksum over IPv6 is taken as over
 * IPv4 (dps_rx_frame()): a segment the NIC calls good is taken with a
 * wrong checksum (a closed port's RST answers it), one it calls bad is
 * dropped and counted as a bad checksum with a right one, and one it
 * did not judge is computed (a wrong checksum dropped, a right one
 * answered). The same for UDP, counted (udp_rx, udp_bad_csum). A port
 * that trusts its link takes a wrong checksum whatever the flags. The
 * test wire is net_ring, which reports no receive offload: the test
 * plays a NIC that does (the interface's rx_csum, which dps_stack.c
 * sets from the device's offloads) and sets the mbufs' flags itself.
 */
Test(dpdk, ip6_rx_l4_csum_verdict)
{
	const uint64_t good = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	const uint64_t bad = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	const uint64_t unknown = RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	const struct {
		uint64_t ol;
		bool wrong;		/* the checksum field spoilt */
		bool taken;
		const char *what;
	} cases[] = {
		{ good, true, true, "GOOD, a wrong checksum" },
		{ bad, false, false, "BAD, a right checksum" },
		{ unknown, true, false, "UNKNOWN, a wrong checksum" },
		{ unknown, false, true, "UNKNOWN, a right checksum" },
		{ good, false, true, "GOOD, a right checksum" },
	};
	struct dps_iface *ifp;
	struct dps_counters c0, c;
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	struct bench b;
	uint32_t len;

	raw6_up(&b, "i6ck", true);
	ifp = &b.s[0]->ifs[0];
	cr_assert(!ifp->rx_csum, "net_ring reports a receive offload now");
	ifp->rx_csum = true;	/* the test thread is the stack's lcore */
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		/* TCP: a SYN to closed port 80. */
		len = mk_tcp6(f, &b.mac[0], a6, 0x02, 1000 + (uint32_t)i, 0, 0);
		if (cases[i].wrong)
			f[ETH_LEN + DPS_IPV6_HLEN + 16] ^= 0x5a;
		c0 = cnt(&b, 0);
		peer_send_verdict(&b, f, len, cases[i].ol);
		settle(&b);
		c = cnt(&b, 0);
		m = peer_pop(&b);
		if (cases[i].taken) {
			cr_assert_not_null(m, "TCP, %s: not answered", cases[i].what);
			cr_assert_eq(tcp6_from_a(ip6_of(&b, m)), 0x14, "RST|ACK");
			rte_pktmbuf_free(m);
			cr_assert_eq(c.tcp_rx, c0.tcp_rx + 1, "TCP, %s", cases[i].what);
		} else {
			cr_assert_null(m, "TCP, %s: answered", cases[i].what);
			assert_one_drop(&c0, &c, DPS_DROP_tcp_bad_csum, cases[i].what);
		}
		/* UDP to closed port 53: counted received, or dropped. */
		len = mk_udp6(f, &b.mac[0]);
		if (cases[i].wrong)
			f[ETH_LEN + DPS_IPV6_HLEN + 6] ^= 0x5a;
		c0 = cnt(&b, 0);
		peer_send_verdict(&b, f, len, cases[i].ol);
		settle(&b);
		peer_flush(&b);
		c = cnt(&b, 0);
		if (cases[i].taken) {
			cr_assert_eq(c.udp_rx, c0.udp_rx + 1, "UDP, %s", cases[i].what);
			cr_assert_eq(c.drop[DPS_DROP_udp_bad_csum],
				c0.drop[DPS_DROP_udp_bad_csum], "UDP, %s", cases[i].what);
		} else {
			assert_one_drop(&c0, &c, DPS_DROP_udp_bad_csum, cases[i].what);
			cr_assert_eq(c.udp_rx, c0.udp_rx, "UDP, %s", cases[i].what);
		}
	}
	/* A trusted link: a wrong checksum without any flag is taken. */
	ifp->rx_csum = false;
	ifp->conf.trust_rx_csum = true;
	len = mk_tcp6(f, &b.mac[0], a6, 0x02, 2000, 0, 0);
	f[ETH_LEN + DPS_IPV6_HLEN + 16] ^= 0x5a;
	c0 = cnt(&b, 0);
	peer_send(&b, f, len);
	settle(&b);
	c = cnt(&b, 0);
	m = peer_pop(&b);
	cr_assert_not_null(m, "trusted link: a wrong TCP checksum not taken");
	rte_pktmbuf_free(m);
	cr_assert_eq(c.drop[DPS_DROP_tcp_bad_csum], c0.drop[DPS_DROP_tcp_bad_csum]);
	bench_down(&b);
}
