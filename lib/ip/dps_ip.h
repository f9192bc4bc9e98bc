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
void dps_eth_output(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const struct rte_ether_addr *dst);
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
