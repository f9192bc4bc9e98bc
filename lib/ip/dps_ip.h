/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_IP_H
#define DPS_IP_H

/*
 * The IP layer's interface to the layers above it (the transports) and
 * between its own files: IPv4 input and output, ARP on the lcore, ICMP,
 * and echo requests for application threads. It registers two slots of
 * the protocol switch: DPS_PROTO_IPV4 (frames, ARP, forwarded packets)
 * and DPS_PROTO_PING (echo requests).
 */

#include <stdbool.h>
#include <stdint.h>
#include "dps_stack_priv.h"
#include "dps_nd.h"

#define DPS_PROTO_IPV4 1
#define DPS_PROTO_PING 2

/* Messages of the IPv4 slot. */
#define DPS_MSG_ARP_LEARN DPS_OP(DPS_PROTO_IPV4, 1)	/* another lcore learned ip -> mac */
#define DPS_MSG_IP_TX DPS_OP(DPS_PROTO_IPV4, DPS_MSG_MBUF | 2)	/* ptr: an IPv4 packet (mbuf) to route, ip dst */

#define DPS_ICMP_RATE 1000	/* ICMP errors per second per lcore... */
#define DPS_ICMP_BURST 50	/* ...with this burst: Linux's icmp_msgs_* */
#define DPS_ECHO_ID_BASE 0xd500	/* echo id = base + lcore index */

/* The ping slot's request and message. */
#define DPS_REQ_PING DPS_OP(DPS_PROTO_PING, 1)
#define DPS_MSG_ECHO_REPLY DPS_OP(DPS_PROTO_PING, 1)	/* ip src, ifindex seq, ptr id */

/*
 * IPv6 (slot DPS_PROTO_IPV6, dps_ip6_*.c, dps_nd_glue.c, dps_icmp6_io.c):
 * frames of ethertype 0x86dd come from dps_rx_frame(); each lcore keeps
 * its own neighbour cache and its copy of the interfaces' addresses with
 * their DAD state; lcore 0 runs duplicate address detection and tells
 * the others its verdicts.
 */
#define DPS_PROTO_IPV6 7
#define DPS_MSG_ND_LEARN DPS_OP(DPS_PROTO_IPV6, 1)	/* nd: an advertisement another lcore took */
#define DPS_MSG_DAD DPS_OP(DPS_PROTO_IPV6, 2)	/* ifindex, ip: address index, dad: a verdict or a lost address */

#define DPS_ICMP6_RL_SLOTS 64		/* per-destination buckets per lcore */
#define DPS_ICMP6_RATELIMIT_NS (1000ull * 1000 * 1000) /* net.ipv6.icmp.ratelimit */

/* One destination's ICMPv6 token bucket (Linux's inet_peer rate_tokens). */
struct dps_icmp6_rl {
	uint8_t addr[16];
	bool used;
	uint64_t tokens_ns, last_ns;
};

/* IPv6 state of one lcore, written by that lcore only. */
struct dps_ip6_lcore {
	bool ready;			/* addresses copied from the stack */
	bool any;			/* some port has IPv6 */
	uint8_t n_addrs[DPS_MAX_PORTS];
	struct dps_ip6_cand addrs[DPS_MAX_PORTS][DPS_MAX_ADDRS6];
	struct dps_dad dad[DPS_MAX_PORTS][DPS_MAX_ADDRS6];	/* lcore 0 */
	/* Lcore 0: a range's addresses probed so far in the round under
	 * way (dps_nd_glue.c); span + 1 once the round is out. */
	uint64_t dad_probed[DPS_MAX_PORTS][DPS_MAX_ADDRS6];
	bool dad_begun;			/* lcore 0: detection started */
	unsigned int dad_running;	/* lcore 0: detections not ended */
	struct dps_icmp6_rl rl[DPS_ICMP6_RL_SLOTS];
	struct dps_nd_out out;		/* what the last cache call asked */
	struct dps_nd_cache nd;
};

/* ---- automatic flow labels (dps_ip6_flow.c) ---- */

/* A socket's flow hash: random, never 0 (Linux's net_tx_rndhash()). */
uint32_t dps_ip6_txhash(void);
/* The hash of a packet without a socket: keyed over its tuple (ports in
 * network order), never 0, the same for every packet of the tuple. */
uint32_t dps_ip6_flow_hash(const struct dps_stack *s, const uint8_t src[16],
	const uint8_t dst[16], uint16_t sport, uint16_t dport, uint8_t proto);
/* Do a socket's packets carry an automatic label? @opt: its
 * IPV6_AUTOFLOWLABEL, -1 while unset (the stack's packets without a
 * socket: -1). ip6_make_flowlabel()'s test with ip6_autoflowlabel(). */
bool dps_ip6_autolabel(const struct dps_stack *s, int8_t opt);
/* What getsockopt(IPV6_AUTOFLOWLABEL) reads: the option, or while unset
 * whether the stack's default labels (Linux's ip6_autoflowlabel()). */
bool dps_ip6_autolabel_opt(const struct dps_stack *s, int8_t opt);
/* The label of @hash under the stack's flowlabel_state_ranges. */
uint32_t dps_ip6_label(const struct dps_stack *s, uint32_t hash);
/* Put the automatic label into the header at @ip of an ICMPv6 message
 * the stack sends without a socket (its type and code written). */
void dps_icmp6_label(const struct dps_stack *s, uint8_t *ip);

int dps_ip6_register(struct dps_stack *s);
/* Lcore @lc's IPv6 state, its addresses copied on first use. */
struct dps_ip6_lcore *dps_ip6_lc(struct dps_lcore *lc);

/* The ethertype field of the frame in @m as stored (network order),
 * read from the mbuf's data room whatever the frame's length. */
static inline uint16_t
dps_eth_type_at(const struct rte_mbuf *m)
{
	uint16_t t;

	memcpy(&t, rte_pktmbuf_mtod_offset(m, const uint8_t *, 12), sizeof(t));
	return t;
}

/* IPv6 input: frame @m of ethertype 0x86dd from port @ifindex, at least
 * an Ethernet header long. Consumes @m. */
void dps_ip6_rx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	uint64_t now);

/*
 * IPv6 output, as dps_ip_output(): @m holds the IPv6 packet at its data
 * start (hop limit and source set: dps_ip6_alloc()), headroom for
 * Ethernet. Routes it (longest prefix; a group or a link-local
 * destination leaves by the first port when no route names one),
 * resolves the next hop by neighbour discovery, holding the packet while
 * its entry is INCOMPLETE, and queues it. Consumes @m in every case.
 * Returns 0 or -ENETUNREACH.
 */
int dps_ip6_output(struct dps_lcore *lc, struct rte_mbuf *m, const uint8_t dst[16],
	uint64_t now);
/* The same out of port @ifindex to neighbour (or group) @nexthop. */
void dps_ip6_output_if(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const uint8_t nexthop[16], uint64_t now);
/*
 * The source address for @dst (RFC 6724 5 among the usable addresses of
 * the port that routes to it) into @src, and that port into *@ifindex
 * (may be NULL). 0, or -ENETUNREACH (no route) or -EADDRNOTAVAIL (no
 * usable address: all tentative or duplicate).
 */
int dps_ip6_source(struct dps_lcore *lc, const uint8_t dst[16], uint8_t src[16],
	uint16_t *ifindex);
/* The prefix length of the route to @dst (128 when none). */
uint8_t dps_ip6_route_len(const struct dps_stack *s, const uint8_t dst[16]);
/* Allocate an mbuf and build an IPv6 header (hop limit 64) for
 * @payload_len bytes from dps_ip6_source(); the payload follows at
 * DPS_IPV6_HLEN. NULL with *@err -ENETUNREACH, -EADDRNOTAVAIL, -ENOBUFS
 * or -EMSGSIZE. */
struct rte_mbuf *dps_ip6_alloc(struct dps_lcore *lc, const uint8_t dst[16],
	uint8_t proto, uint16_t payload_len, int *err);

/* Neighbour discovery on the lcore (dps_nd_glue.c). */
/* Carry out the cache's actions (x->out); a held packet that failed is
 * reported to its sender (dps_icmp6_local_unreach()). */
void dps_nd_glue_act(struct dps_lcore *lc, uint64_t now);
void dps_nd_rx(struct dps_lcore *lc, uint16_t ifindex, const struct dps_ipv6_view *ip,
	const struct dps_icmp6_view *icmp, uint64_t now);
void dps_nd_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now);
void dps_dad_glue_tick(struct dps_lcore *lc, uint64_t now);
/* Index of the entry (an address or a range) of port @ifindex on @lc
 * that holds @a, -1 when not ours. */
int dps_ip6_addr_index(const struct dps_ip6_lcore *x, uint16_t ifindex,
	const uint8_t a[16]);

/* ICMPv6 on the lcore (dps_icmp6_io.c). */
/* An ICMPv6 message @r (dps_ip6_rx_decide()) in @m, its IPv6 header at
 * @l3_off; consumes @m. */
void dps_icmp6_rx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	uint16_t l3_off, const struct dps_ip6_rx *r, uint64_t now);
/*
 * Send an ICMPv6 error of @type and @code (@info: the pointer of a
 * parameter problem, the MTU of a packet too big) about the packet whose
 * IPv6 header is at @orig's offset @l3_off and which @ip describes, when
 * RFC 4443 2.4(e) allows it (not about an error, not about a packet to
 * an IP or a link-layer group, except packet too big and a parameter
 * problem about an option, @l2_group saying whether its frame went to an
 * Ethernet group) and the rate limit (2.4(f), as Linux: below) has a
 * token. @orig_icmp6_type is the ICMPv6 type of the offending packet, 255
 * when it is not ICMPv6. Does not consume @orig.
 */
void dps_icmp6_send_error(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_ipv6_view *ip, bool l2_group,
	uint8_t orig_icmp6_type, uint8_t type, uint8_t code, uint32_t info,
	uint64_t now);
/* Report our packet @pkt (IPv6 header first), held for a neighbour that
 * never resolved, to its transport as an address unreachable; nothing is
 * sent and @pkt is not consumed. */
void dps_icmp6_local_unreach(struct dps_lcore *lc, const struct rte_mbuf *pkt,
	uint64_t now);
/* Port unreachable (RFC 4443 3.1 code 4) about a UDP datagram: for UDP
 * over IPv6 (the transport's, later). */
void dps_icmp6_port_unreach(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_ipv6_view *ip, bool l2_group,
	uint64_t now);
/* Whether an ICMPv6 message of @type to @dst may leave now (Linux's
 * icmpv6_global_allow() and icmpv6_xrlim_allow()); takes the tokens. */
bool dps_icmp6_rate_ok(struct dps_lcore *lc, uint8_t type, const uint8_t dst[16],
	uint8_t route_len, uint64_t now);
/* The IPv4 and IPv6 errors' shared global bucket (dps_icmp.c), as
 * Linux's icmp_global_allow(). */
bool dps_icmp_global_ok(struct dps_lcore *lc, uint64_t now);
/* An echo reply to one of our IPv6 pings (dps_ping.c). */
void dps_ping6_reply(struct dps_lcore *lc, const uint8_t src[16], uint16_t id,
	uint16_t seq, uint64_t now);
/* Send an IPv6 echo reply for lcore @owner's ping there; 0 or -EAGAIN. */
int dps_ping6_forward(struct dps_lcore *lc, unsigned int owner,
	const uint8_t src[16], uint16_t id, uint16_t seq);

/* A token bucket kept as nanoseconds of credit: refilled by the time
 * since *@last up to @cap; takes @cost when it holds that much. */
static inline bool
dps_ns_bucket_take(uint64_t *credit, uint64_t *last, uint64_t now, uint64_t cost,
	uint64_t cap)
{
	*credit += now - *last;
	*last = now;
	if (*credit > cap)
		*credit = cap;
	if (*credit < cost)
		return false;
	*credit -= cost;
	return true;
}

/* Register the IP layer's slots with a new stack. */
int dps_ip_register(struct dps_stack *s);

/* Link input: a frame from port @ifindex (the poll loop's rx_frame). */
void dps_rx_frame(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	uint64_t now);

/* IPv4 output: @m holds the IPv4 packet at its data start, headroom for
 * Ethernet. Routes, resolves and queues it; consumes @m in every case.
 * Returns 0 or -ENETUNREACH. */
int dps_ip_output(struct dps_lcore *lc, struct rte_mbuf *m, uint32_t dst,
	uint64_t now);

/*
 * A flow's way out to one destination: the interface and the next hop's
 * ARP hint (struct dps_arp_hint), kept by the flow (a TCP connection)
 * on its lcore. Routes never change while lcores run, so the ARP
 * table's generation alone says whether it still holds. Zero it when
 * the flow's destination changes.
 */
struct dps_ip_path {
	struct dps_arp_hint arp;
	uint16_t ifindex;
};

/* dps_ip_output() for a flow that keeps @path: while the path holds,
 * no route lookup and no ARP probe; otherwise the full output, which
 * refreshes the path when the next hop is REACHABLE or STATIC. */
int dps_ip_output_path(struct dps_lcore *lc, struct rte_mbuf *m, uint32_t dst,
	uint64_t now, struct dps_ip_path *path);
/*
 * Fill a flow's empty @path to @dst, which route @r (NULL: none) takes,
 * before its first frame, when the general output would fill it from
 * that frame: a unicast next hop whose MAC is REACHABLE or STATIC.
 * Nothing is sent or held. Returns whether @path holds now; when not,
 * the first frame goes through dps_ip_output_path() as before.
 */
bool dps_ip_path_prime(struct dps_lcore *lc, struct dps_ip_path *path,
	const struct dps_route *r, uint32_t dst);
/*
 * The hot path of a flow that keeps @path: while the path holds, an mbuf
 * holding the frame's Ethernet and IPv4 headers (@tos, @ttl, @id, DF,
 * checksum filled or left to the NIC), with room for @l4_len bytes after
 * them at *@l4, which the caller fills before dps_ip_path_send(). NULL
 * with *@err -EAGAIN when the path does not hold (nothing done: send
 * through dps_ip_output_path()), or -ENOBUFS when the pool is empty or
 * the frame would not fit in one mbuf (the former counted).
 */
struct rte_mbuf *dps_ip_path_alloc(struct dps_lcore *lc, struct dps_ip_path *path,
	uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos, uint8_t ttl,
	uint16_t id, uint16_t l4_len, uint64_t now, uint8_t **l4, int *err);
/* Queue a frame from dps_ip_path_alloc() on its port. */
void dps_ip_path_send(struct dps_lcore *lc, const struct dps_ip_path *path,
	struct rte_mbuf *m);
/* An mbuf from @lc's pool holding @len bytes, at *@data. NULL with
 * *@err -ENOBUFS (pool empty, counted) or -EMSGSIZE (no room). */
struct rte_mbuf *dps_ip_mbuf(struct dps_lcore *lc, uint32_t len, uint8_t **data,
	int *err);
/* Allocate an mbuf and build an IPv4 header for @payload_len bytes from
 * the address that routes to @dst; the payload area follows. NULL when no
 * route (*err = -ENETUNREACH), no mbuf (-ENOBUFS) or no room (-EMSGSIZE). */
struct rte_mbuf *dps_ip_alloc(struct dps_lcore *lc, uint32_t dst,
	uint8_t proto, uint16_t payload_len, int *err);
/* The source address a packet to @dst leaves with, 0 when none. */
uint32_t dps_ip_source_for(const struct dps_stack *s, uint32_t dst);

void dps_arp_glue_init(struct dps_lcore *lc);
void dps_arp_rx(struct dps_lcore *lc, uint16_t ifindex,
	const struct dps_rx_pkt *p, bool target_is_us, uint64_t now);
void dps_arp_send_garp(struct dps_lcore *lc);
void dps_arp_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now);

void dps_icmp_rx(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_rx_pkt *p, uint64_t now);
void dps_icmp_send_error(struct dps_lcore *lc, const struct rte_mbuf *orig,
	uint16_t l3_off, const struct dps_rx_pkt *p, uint8_t type, uint8_t code,
	uint64_t now);
/* Prepend an Ethernet header of @type for @dst and queue @m on port
 * @ifindex; consumes @m. */
void dps_eth_output_type(struct dps_lcore *lc, uint16_t ifindex,
	struct rte_mbuf *m, const struct rte_ether_addr *dst, uint16_t type);
static inline void
dps_eth_output(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const struct rte_ether_addr *dst)
{
	dps_eth_output_type(lc, ifindex, m, dst, RTE_ETHER_TYPE_IPV4);
}
/* An echo reply for one of our pings (dps_ping.c), on the lcore its
 * identifier names. */
void dps_ping_reply(struct dps_lcore *lc, uint32_t src, uint16_t id,
	uint16_t seq, uint64_t now);
/* Send an echo reply for lcore @owner's ping there; 0 or -EAGAIN. */
int dps_ping_forward(struct dps_lcore *lc, unsigned int owner, uint32_t src,
	uint16_t id, uint16_t seq);
int dps_ping_register(struct dps_stack *s);
/* The first of lcore @lc's pending pings (linked by ->next), NULL when
 * none; for the lcore itself, or for tests with the lcores stopped. */
const struct dps_req *dps_ping_pending(const struct dps_lcore *lc);

#endif
