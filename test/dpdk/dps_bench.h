/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_BENCH_H
#define DPS_BENCH_H

/*
 * The bench shared by the dpdk tests that run whole stacks on the test
 * wire under a virtual clock (test_stack.c, test_connect.c).
 *
 * Two set-ups:
 *  - two stacks, A (198.18.0.1/24) on side 0 and B (198.18.0.2/24) on
 *    side 1, both polled from the test thread;
 *  - one stack on side 0 and a "raw peer" on side 1: the test configures
 *    side 1's port itself, injects crafted frames with peer_send() and
 *    reads what the stack sends with peer_pop().
 *
 * The test thread is EAL lcore 0, which is also the stacks' lcore: it
 * polls them with step() and moves the virtual clock with vadvance().
 * Every helper aborts the test (Criterion assertion) on failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dpstack.h"

#define S		1000000000ull
#define MS		1000000ull
#define US		1000ull
/* The virtual clock starts at 1 s, not 0: the ICMP token bucket takes a
 * last-use time of 0 to mean "never used" (dps_icmp.c, icmp_rate_ok). */
#define T0		(1 * S)

#define IPA(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP(a, b, c, d)	RTE_BE32(IPA(a, b, c, d))
#define A_IP		IP(198, 18, 0, 1)
#define B_IP		IP(198, 18, 0, 2)
#define PEER_IP		IP(198, 18, 0, 9)
#define BCAST_IP	IP(198, 18, 0, 255)
#define LBCAST_IP	0xffffffffu
#define NOBODY_IP	IP(198, 18, 0, 77)
#define GW_IP		IP(198, 18, 0, 254)
#define FAR_IP		IP(203, 0, 113, 1)

#define ETH_LEN		14
#define IP_OFF		ETH_LEN
#define L4_OFF		(ETH_LEN + 20)
#define FRAME_MAX	1600
#define RX_MAX		4096
#define POOL_N		4095

extern const struct rte_ether_addr peer_mac;	/* the raw peer */
extern const struct rte_ether_addr other_mac;	/* somebody else */
extern const struct rte_ether_addr bcast_mac;
extern const struct rte_ether_addr zero_mac;

/* One test's world. */
struct bench {
	struct rte_mempool *pool;	/* the stacks' mbufs */
	struct rte_mempool *ppool;	/* the raw peer's mbufs */
	struct dps_testwire *w;
	uint16_t port[2];
	struct dps_stack *s[2];		/* s[1] NULL with a raw peer */
	struct rte_ether_addr mac[2];	/* the stacks' MACs */
	bool raw;			/* side 1 is a raw peer */
	uint64_t now;			/* the virtual clock, ns */
	struct rte_mbuf *rx[RX_MAX];	/* received by the raw peer, FIFO */
	unsigned int rx_head, rx_n;
};

/* ---- bytes ---- */
uint16_t rd16(const uint8_t *p);
/* 32 bits as stored: network order kept. */
uint32_t rd32n(const uint8_t *p);
void wr16(uint8_t *p, uint16_t v);
/* 32 bits in network order, read into / written from host order. */
uint32_t rd32(const uint8_t *p);
void wr32(uint8_t *p, uint32_t v);
/* Store the checksum of @len bytes at @p into the field at @ck. */
void fill_csum(uint8_t *ck, const uint8_t *p, size_t len);
/* Recompute the IPv4 header checksum of the header at @ip. */
void ip_fix_csum(uint8_t *ip);
/* Zero-pad a frame to the Ethernet minimum (60 bytes without FCS). */
uint32_t pad60(uint8_t *buf, uint32_t len);

/* ---- frames from the raw peer ---- */
uint32_t mk_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa);
/* Ethernet + 20-byte IPv4 header + @plen bytes of @payload (may be NULL
 * when the caller fills buf + L4_OFF itself). Not padded. */
uint32_t mk_ip(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t src,
	uint32_t dst, uint8_t proto, const void *payload, uint16_t plen);
uint32_t mk_echo(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t dst,
	uint16_t id, uint16_t seq, uint16_t dlen);
/* UDP from the peer with a correct checksum; payload byte i is i*3+1. */
uint32_t mk_udp(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint32_t dst,
	uint16_t sport, uint16_t dport, uint16_t dlen);
/* An ICMP error @type/@code (@info: next-hop MTU for frag-needed) from the
 * peer to the stack (@smac: its MAC, @to: its address) quoting the first
 * @orig_len bytes of the IPv4 packet @orig. Padded. */
uint32_t mk_icmp_error(uint8_t *f, const struct rte_ether_addr *smac, uint32_t to,
	uint8_t type, uint8_t code, uint16_t info, const uint8_t *orig,
	size_t orig_len);

/* ---- the virtual clock ---- */
uint64_t vclock(void *arg);
uint64_t vnow(struct bench *b);
void vadvance(struct bench *b, uint64_t dt);
/* Monotonic wall time, seconds. */
double real_s(void);

/* ---- set-up and tear-down ---- */
/* EAL, pools and the wire. @raw: side 1 is a raw peer (started here). */
void bench_up(struct bench *b, const char *wname,
	const struct dps_testwire_conf *wc, bool raw);
/* Options of bench_up_opts(); zero fields take bench_up()'s values. */
struct bench_opts {
	unsigned int pool_n;		/* the stack pool; 0: POOL_N */
	unsigned int eal_mem_mb;	/* EAL memory (-m); 0: the suite's 256 */
};
/* bench_up() with a bigger stack pool and EAL memory, for tests that keep
 * many connections' buffers in flight. */
void bench_up_opts(struct bench *b, const char *wname,
	const struct dps_testwire_conf *wc, bool raw, const struct bench_opts *o);
/* A stack on side @side with @ip/24, on the bench pool and the virtual
 * clock; not started. @ring_size 0: the default request ring. */
struct dps_stack *stack_new(struct bench *b, int side, const char *name,
	uint32_t ip, uint32_t ring_size);
void stack_start(struct bench *b, int side);
/* Raw peer with one stack A on side 0, started, its gratuitous ARP read.
 * @static_peer: a static ARP entry for the peer. */
struct dps_stack *raw_up(struct bench *b, const char *wname, bool static_peer);
/* raw_up() with a request ring size (0: default) and socket settings
 * (NULL: defaults) applied before the start. */
struct dps_stack *raw_up_conf(struct bench *b, const char *wname,
	bool static_peer, uint32_t ring_size, const struct dps_sock_conf *sc);
/* Step the clock until @s's IPv6 address @v6 (on its port 0) has passed
 * duplicate address detection; fails the test if it does not. */
void wait_dad6(struct bench *b, struct dps_stack *s, const uint8_t v6[16]);
/* Two stacks on the wire (bench_up() with @wc, NULL for defaults), both
 * families: A with 198.18.0.1/24 and 2001:db8::1/64 on side 0, B with
 * 198.18.0.2/24 and 2001:db8::2/64 on side 1 and socket settings
 * @sc_b (NULL: defaults); started, both IPv6 addresses past DAD. */
void two_up46(struct bench *b, const char *wname,
	const struct dps_testwire_conf *wc, const struct dps_sock_conf *sc_b);
/* Stop and free everything; every mbuf must be back in its pool. */
void bench_down(struct bench *b);

/* ---- the raw peer and the loop ---- */
void peer_collect(struct bench *b);
/* Next frame the raw peer received, or NULL. The caller frees it. */
struct rte_mbuf *peer_pop(struct bench *b);
void peer_flush(struct bench *b);
/* Send one frame from the raw peer, exactly @len bytes. */
void peer_send(struct bench *b, const uint8_t *buf, uint32_t len);
/* One iteration: poll every stack, pump the wire, read the raw peer,
 * then move the clock by @dt. */
void step(struct bench *b, uint64_t dt);
void run(struct bench *b, unsigned int n, uint64_t dt);
/* Enough iterations for a frame to cross and an answer to come back. */
void settle(struct bench *b);
struct dps_counters cnt(struct bench *b, int side);

/* ---- frame checks ---- */
void check_ip_csums(const uint8_t *ip, uint16_t tot);
/* Check @m is an IPv4 frame from the stack (@smac) to the peer; returns
 * a pointer to its IPv4 header. */
const uint8_t *check_ip_frame(const struct rte_mbuf *m,
	const struct rte_ether_addr *smac, uint32_t src, uint32_t dst,
	uint8_t proto);
/* Is @m an ARP frame? Fill @op, @spa, @tpa. */
bool is_arp(const struct rte_mbuf *m, uint16_t *op, uint32_t *spa, uint32_t *tpa);
/* Expected bytes of an Ethernet/IPv4 ARP frame, padded to 60. */
void want_arp(uint8_t *w, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *eth_src, uint16_t op,
	const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa);
void assert_bytes(const struct rte_mbuf *m, const uint8_t *want, uint32_t len);
/* Exactly one drop happened between @a and @z, under @reason. */
void assert_one_drop(const struct dps_counters *a, const struct dps_counters *z,
	int reason, const char *what);

#endif
