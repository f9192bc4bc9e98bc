/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bench shared by the dpdk tests that run stacks on the test wire
 * under a virtual clock: see dps_bench.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dps_stack_priv.h"
#include "dps_wire.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 } };
const struct rte_ether_addr other_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x42 } };
const struct rte_ether_addr bcast_mac = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
const struct rte_ether_addr zero_mac;

/* ---- byte helpers ------------------------------------------------------ */

uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* 32 bits as stored: network order kept. */
uint32_t
rd32n(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Store the checksum of @len bytes at @p into the (zeroed) field at @ck;
 * dps_csum_raw() sums in memory order, so the result is stored as is. */
void
fill_csum(uint8_t *ck, const uint8_t *p, size_t len)
{
	uint16_t c;

	ck[0] = ck[1] = 0;
	c = (uint16_t)~dps_csum_raw(p, len);
	memcpy(ck, &c, 2);
}

/* Recompute the IPv4 header checksum of the header at @ip. */
void
ip_fix_csum(uint8_t *ip)
{
	fill_csum(ip + 10, ip, (ip[0] & 0xf) * 4u);
}

/* Zero-pad a frame to the Ethernet minimum (60 bytes without FCS). */
uint32_t
pad60(uint8_t *buf, uint32_t len)
{
	if (len < 60) {
		memset(buf + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

/* ---- frame builders for the raw peer ---------------------------------- */

uint32_t
mk_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	uint32_t len = (uint32_t)dps_arp_build(buf, FRAME_MAX, op, eth_dst, sha,
		spa, tha, tpa);

	cr_assert_eq(len, 42);
	return pad60(buf, len);
}

/* Ethernet + 20-byte IPv4 header + @plen bytes of @payload (may be NULL
 * when the caller fills buf + L4_OFF itself). Not padded. */
uint32_t
mk_ip(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t src,
	uint32_t dst, uint8_t proto, const void *payload, uint16_t plen)
{
	dps_eth_build(buf, FRAME_MAX, eth_dst, &peer_mac, RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(dps_ipv4_build(buf + IP_OFF, 20, src, dst, proto, plen, 64,
		0x4242, false), 20);
	if (payload != NULL)
		memcpy(buf + L4_OFF, payload, plen);
	return L4_OFF + plen;
}

uint32_t
mk_echo(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t dst,
	uint16_t id, uint16_t seq, uint16_t dlen)
{
	uint8_t data[1024];
	size_t n;

	for (unsigned int i = 0; i < dlen; i++)
		data[i] = (uint8_t)(0xa0 + i);
	mk_ip(buf, eth_dst, PEER_IP, dst, IPPROTO_ICMP, NULL, (uint16_t)(8 + dlen));
	n = dps_icmp_echo_build(buf + L4_OFF, FRAME_MAX - L4_OFF, 8, id, seq,
		data, dlen);
	cr_assert_eq(n, 8u + dlen);
	return pad60(buf, L4_OFF + 8u + dlen);
}

/* UDP from the peer with a correct checksum. */
uint32_t
mk_udp(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t dst,
	uint16_t sport, uint16_t dport, uint16_t dlen)
{
	uint8_t *u = buf + L4_OFF;
	uint16_t ck;

	mk_ip(buf, eth_dst, PEER_IP, dst, IPPROTO_UDP, NULL, (uint16_t)(8 + dlen));
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(8 + dlen));
	wr16(u + 6, 0);
	for (unsigned int i = 0; i < dlen; i++)
		u[8 + i] = (uint8_t)(i * 3 + 1);
	ck = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(buf + IP_OFF), u);
	memcpy(u + 6, &ck, 2);
	return pad60(buf, L4_OFF + 8u + dlen);
}

uint32_t
mk_icmp_error(uint8_t *f, const struct rte_ether_addr *smac, uint32_t to,
	uint8_t type, uint8_t code, uint16_t info, const uint8_t *orig,
	size_t orig_len)
{
	size_t n;

	mk_ip(f, smac, PEER_IP, to, IPPROTO_ICMP, NULL, (uint16_t)(8 + orig_len));
	n = dps_icmp_error_build(f + L4_OFF, FRAME_MAX - L4_OFF, type, code, info,
		orig, orig_len);
	cr_assert_eq(n, 8 + orig_len);
	return pad60(f, (uint32_t)(L4_OFF + n));
}

/* ---- the virtual clock ------------------------------------------------- */

uint64_t
vclock(void *arg)
{
	return __atomic_load_n((uint64_t *)arg, __ATOMIC_ACQUIRE);
}

uint64_t
vnow(struct bench *b)
{
	return __atomic_load_n(&b->now, __ATOMIC_ACQUIRE);
}

void
vadvance(struct bench *b, uint64_t dt)
{
	__atomic_store_n(&b->now, b->now + dt, __ATOMIC_RELEASE);
}

double
real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- set-up and tear-down --------------------------------------------- */

/* EAL, pools and the wire. @raw: side 1 is a raw peer (started here). */
void
bench_up(struct bench *b, const char *wname, const struct dps_testwire_conf *wc,
	bool raw)
{
	struct dps_testwire_conf def = { .seed = 1 };

	memset(b, 0, sizeof(*b));
	dps_test_eal_init(NULL, 0);
	b->now = T0;
	b->raw = raw;
	b->pool = dps_test_pool("st_pool", POOL_N);
	b->ppool = dps_test_pool("st_peer", POOL_N);
	b->w = dps_testwire_create(wname, wc != NULL ? wc : &def);
	cr_assert_not_null(b->w, "testwire: %s", rte_strerror(rte_errno));
	for (int i = 0; i < 2; i++)
		b->port[i] = dps_testwire_port(b->w, i);
	if (raw)
		dps_test_port_start(b->port[1], b->ppool);
}

/* bench_up() with a bigger stack pool and EAL memory (zero fields: the
 * defaults). The EAL takes the last -m it is given. */
void
bench_up_opts(struct bench *b, const char *wname,
	const struct dps_testwire_conf *wc, bool raw, const struct bench_opts *o)
{
	struct dps_testwire_conf def = { .seed = 1 };
	char mem[16];
	const char *extra[2] = { "-m", mem };

	memset(b, 0, sizeof(*b));
	if (o != NULL && o->eal_mem_mb != 0) {
		snprintf(mem, sizeof(mem), "%u", o->eal_mem_mb);
		dps_test_eal_init(extra, 2);
	} else {
		dps_test_eal_init(NULL, 0);
	}
	b->now = T0;
	b->raw = raw;
	b->pool = dps_test_pool("st_pool",
		o != NULL && o->pool_n != 0 ? o->pool_n : POOL_N);
	b->ppool = dps_test_pool("st_peer", POOL_N);
	b->w = dps_testwire_create(wname, wc != NULL ? wc : &def);
	cr_assert_not_null(b->w, "testwire: %s", rte_strerror(rte_errno));
	for (int i = 0; i < 2; i++)
		b->port[i] = dps_testwire_port(b->w, i);
	if (raw)
		dps_test_port_start(b->port[1], b->ppool);
}

/* A stack on side @side with @ip/24, on our pool and the virtual clock;
 * not started. */
struct dps_stack *
stack_new(struct bench *b, int side, const char *name, uint32_t ip,
	uint32_t ring_size)
{
	struct dps_stack_conf sc = {
		.name = name, .link_wait_ms = 100, .request_ring_size = ring_size,
		.nb_rxd = 256, .nb_txd = 256,
	};
	struct dps_addr a = dps_addr_v4(ip);
	struct dps_stack *s;

	sc.pools[0] = b->pool;
	s = dps_stack_create(&sc);
	cr_assert_not_null(s, "stack_create: %s", rte_strerror(rte_errno));
	cr_assert_eq(dps_stack_add_port(s, b->port[side], NULL), 0);
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 24), 0);
	dps_stack_set_clock(s, vclock, &b->now);
	b->s[side] = s;
	return s;
}

void
wait_dad6(struct bench *b, struct dps_stack *s, const uint8_t v6[16])
{
	struct dps_addr a = dps_addr_v6(v6);

	for (unsigned int i = 0; i < 400 &&
			dps_stack_addr6_state(s, 0, &a) == DPS_ADDR6_TENTATIVE; i++)
		step(b, 10 * MS);
	cr_assert_eq(dps_stack_addr6_state(s, 0, &a), DPS_ADDR6_PREFERRED);
}

void
two_up46(struct bench *b, const char *wname, const struct dps_testwire_conf *wc,
	const struct dps_sock_conf *sc_b)
{
	static const uint8_t v6[2][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	};
	const uint32_t v4[2] = { A_IP, B_IP };

	bench_up(b, wname, wc, false);
	for (int i = 0; i < 2; i++) {
		struct dps_stack *s = stack_new(b, i, i == 0 ? "sa" : "sb", v4[i], 0);
		struct dps_addr a = dps_addr_v6(v6[i]);

		cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	}
	if (sc_b != NULL)
		cr_assert_eq(dps_stack_set_sock_conf(b->s[1], sc_b), 0);
	stack_start(b, 0);
	stack_start(b, 1);
	wait_dad6(b, b->s[0], v6[0]);
	wait_dad6(b, b->s[1], v6[1]);
}

void
stack_start(struct bench *b, int side)
{
	struct rte_ether_addr want = {
		{ 0x02, 0x64, 0x70, 0x73, 0x00, (uint8_t)b->port[side] } };
	int rc = dps_stack_start(b->s[side]);

	cr_assert_eq(rc, 0, "start: %d %s", rc, dps_stack_strerror(b->s[side]));
	cr_assert_eq(dps_stack_mac(b->s[side], 0, &b->mac[side]), 0);
	cr_assert(rte_is_same_ether_addr(&b->mac[side], &want),
		"net_ring reports no MAC: the stack derives 02:64:70:73:00:<port>");
}

/* Move what the raw peer can read into b->rx. */
void
peer_collect(struct bench *b)
{
	uint16_t n;

	if (!b->raw)
		return;
	do {
		unsigned int tail = b->rx_head + b->rx_n;

		if (tail + 32 > RX_MAX) {
			memmove(b->rx, b->rx + b->rx_head, b->rx_n * sizeof(b->rx[0]));
			b->rx_head = 0;
			tail = b->rx_n;
		}
		cr_assert_leq(tail + 32, RX_MAX, "raw peer rx log full");
		n = rte_eth_rx_burst(b->port[1], 0, b->rx + tail, 32);
		b->rx_n += n;
	} while (n > 0);
}

/* Next frame the raw peer received, or NULL. The caller frees it. */
struct rte_mbuf *
peer_pop(struct bench *b)
{
	struct rte_mbuf *m;

	if (b->rx_n == 0)
		return NULL;
	m = b->rx[b->rx_head++];
	b->rx_n--;
	return m;
}

void
peer_flush(struct bench *b)
{
	struct rte_mbuf *m;

	peer_collect(b);
	while ((m = peer_pop(b)) != NULL)
		rte_pktmbuf_free(m);
}

/* Send one frame from the raw peer, exactly @len bytes. */
void
peer_send(struct bench *b, const uint8_t *buf, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->ppool);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	cr_assert_not_null(p);
	memcpy(p, buf, len);
	cr_assert_eq(rte_eth_tx_burst(b->port[1], 0, &m, 1), 1);
}

/* One iteration: poll every stack, pump the wire, read the raw peer,
 * then move the clock by @dt. */
void
step(struct bench *b, uint64_t dt)
{
	for (int i = 0; i < 2; i++)
		if (b->s[i] != NULL)
			dps_stack_poll(b->s[i], 0);
	dps_testwire_pump(b->w, vnow(b));
	peer_collect(b);
	if (dt != 0)
		vadvance(b, dt);
}

void
run(struct bench *b, unsigned int n, uint64_t dt)
{
	while (n-- > 0)
		step(b, dt);
}

/* Enough iterations for a frame to cross and an answer to come back. */
void
settle(struct bench *b)
{
	run(b, 6, 0);
}

struct dps_counters
cnt(struct bench *b, int side)
{
	struct dps_counters c;

	dps_stack_counters(b->s[side], -1, &c);
	return c;
}

/* Stop and free everything; every mbuf must be back in its pool. */
void
bench_down(struct bench *b)
{
	for (int i = 0; i < 2; i++) {
		dps_stack_destroy(b->s[i]);
		b->s[i] = NULL;
	}
	if (b->raw) {
		peer_flush(b);
		cr_assert_eq(rte_eth_dev_stop(b->port[1]), 0);
	}
	dps_testwire_destroy(b->w);
	cr_assert_eq(dps_test_pool_in_use(b->pool), 0, "stack pool: %u mbufs leaked",
		dps_test_pool_in_use(b->pool));
	cr_assert_eq(dps_test_pool_in_use(b->ppool), 0, "peer pool: %u mbufs leaked",
		dps_test_pool_in_use(b->ppool));
	rte_mempool_free(b->pool);
	rte_mempool_free(b->ppool);
}

struct dps_stack *
raw_up_conf(struct bench *b, const char *wname, bool static_peer,
	uint32_t ring_size, const struct dps_sock_conf *sc)
{
	struct dps_stack *s;

	bench_up(b, wname, NULL, true);
	s = stack_new(b, 0, "sa", A_IP, ring_size);
	if (static_peer) {
		struct dps_addr pa = dps_addr_v4(PEER_IP);

		cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	}
	if (sc != NULL)
		cr_assert_eq(dps_stack_set_sock_conf(s, sc), 0);
	stack_start(b, 0);
	settle(b);
	peer_flush(b);	/* the gratuitous ARP */
	return s;
}

struct dps_stack *
raw_up(struct bench *b, const char *wname, bool static_peer)
{
	return raw_up_conf(b, wname, static_peer, 0, NULL);
}

/* ---- frame checks ------------------------------------------------------ */

void
check_ip_csums(const uint8_t *ip, uint16_t tot)
{
	unsigned int hl = (ip[0] & 0xf) * 4u;

	cr_assert_eq(dps_csum_raw(ip, hl), 0xffff, "IPv4 header checksum");
	if (ip[9] == IPPROTO_ICMP)
		cr_assert_eq(dps_csum_raw(ip + hl, tot - hl), 0xffff,
			"ICMP checksum");
}

/* Check @m is an IPv4 frame from the stack (@smac) to the peer; returns
 * a pointer to its IPv4 header. */
const uint8_t *
check_ip_frame(const struct rte_mbuf *m, const struct rte_ether_addr *smac,
	uint32_t src, uint32_t dst, uint8_t proto)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = f + IP_OFF;
	uint16_t tot;

	cr_assert_eq(m->nb_segs, 1);
	cr_assert_geq(m->pkt_len, L4_OFF);
	cr_assert_eq(memcmp(f, &peer_mac, 6), 0, "eth dst is the peer");
	cr_assert_eq(memcmp(f + 6, smac, 6), 0, "eth src is the stack");
	cr_assert_eq(rd16(f + 12), RTE_ETHER_TYPE_IPV4);
	cr_assert_eq(ip[0], 0x45, "version 4, no options");
	tot = rd16(ip + 2);
	cr_assert_eq(m->pkt_len, (uint32_t)IP_OFF + tot, "no padding, no truncation");
	cr_assert_eq(ip[8], 64, "TTL");
	cr_assert_eq(ip[9], proto);
	cr_assert_eq(rd32n(ip + 12), src);
	cr_assert_eq(rd32n(ip + 16), dst);
	check_ip_csums(ip, tot);
	return ip;
}

/* Is @m an ARP frame? Fill @op, @spa, @tpa. */
bool
is_arp(const struct rte_mbuf *m, uint16_t *op, uint32_t *spa, uint32_t *tpa)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->pkt_len < 42 || rd16(f + 12) != RTE_ETHER_TYPE_ARP)
		return false;
	*op = rd16(f + 20);
	*spa = rd32n(f + 28);
	*tpa = rd32n(f + 38);
	return true;
}

/* Expected bytes of an Ethernet/IPv4 ARP frame, padded to 60. */
void
want_arp(uint8_t *w, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *eth_src, uint16_t op,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	static const uint8_t fixed[] = {
		0x08, 0x06,		/* ethertype ARP */
		0x00, 0x01,		/* hardware Ethernet */
		0x08, 0x00,		/* protocol IPv4 */
		0x06, 0x04,		/* lengths */
	};

	memset(w, 0, 60);
	memcpy(w, eth_dst, 6);
	memcpy(w + 6, eth_src, 6);
	memcpy(w + 12, fixed, sizeof(fixed));
	wr16(w + 20, op);
	memcpy(w + 22, sha, 6);
	memcpy(w + 28, &spa, 4);
	memcpy(w + 32, tha, 6);
	memcpy(w + 38, &tpa, 4);
}

void
assert_bytes(const struct rte_mbuf *m, const uint8_t *want, uint32_t len)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	cr_assert_eq(m->pkt_len, len, "frame length %u, want %u", m->pkt_len, len);
	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(got[i], want[i], "byte %u: 0x%02x, want 0x%02x", i,
			got[i], want[i]);
}

/* Exactly one drop happened between @a and @z, under @reason. */
void
assert_one_drop(const struct dps_counters *a, const struct dps_counters *z,
	int reason, const char *what)
{
	for (int i = 0; i < DPS_DROP__MAX; i++)
		if (z->drop[i] != a->drop[i])
			cr_log_info("%s: drop.%s +%" PRIu64, what,
				dps_drop_reason_name(i), z->drop[i] - a->drop[i]);
	cr_assert_eq(z->drop[reason], a->drop[reason] + 1,
		"%s: drop.%s %" PRIu64 " -> %" PRIu64, what,
		dps_drop_reason_name(reason), a->drop[reason], z->drop[reason]);
	cr_assert_eq(dps_counters_total_drops(z), dps_counters_total_drops(a) + 1,
		"%s: more than one drop", what);
}
