/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_PROTO_H
#define DPS_PROTO_H

/**
 * @file
 * The protocol switch: how the layers above the core plug into a stack.
 *
 * The poll loop, the request ring and IP input know no protocol by name.
 * Each layer above the core (IPv4, ICMP echo, the sockets' shared state,
 * TCP, UDP, the descriptor table) registers a table of handlers in a slot
 * of its own when the stack is made, as BSD's protosw or DPDK's ops
 * tables do. The core then:
 * - calls start() in slot order at dps_stack_start(), after the mbuf
 *   pools, then lcore_init() for every lcore; destroy() and lcore_fini()
 *   in the reverse order at dps_stack_destroy();
 * - calls tick() every DPS_TICK_NS and timers() on every iteration of
 *   each lcore's poll loop;
 * - hands a request or a message whose op names the slot to request()
 *   or msg(); at teardown it completes requests left on the ring with
 *   ESHUTDOWN and frees the mbuf of a message marked DPS_MSG_MBUF;
 * - tells every slot about a next hop that never answered ARP.
 * IP input finds input() and err() by IP protocol number (ipproto).
 *
 * Slot numbers are the registrants' own constants (DPS_PROTO_TCP in the
 * transport layer, and so on); the core only bounds them. A slot's
 * per-stack and per-lcore contexts hang off the stack and the lcore as
 * opaque pointers, reached with dps_proto_ctx() and dps_lcore_ctx().
 */

#include <stdbool.h>
#include <stdint.h>

struct dps_stack;
struct dps_lcore;
struct dps_req;
struct dps_msg;
struct dps_rx_pkt;
struct dps_icmp_view;
struct dps_icmp6_view;
struct dps_ipv6_view;
struct rte_mbuf;

/** Slots, 0 being the core's own (requests like DPS_REQ_NOP). */
#define DPS_PROTO_MAX 9

/** Op of a request or message for slot @p: its high byte is the slot. */
#define DPS_OP(p, op) ((uint16_t)(((p) << 8) | (op)))
/** In a message's op: its ptr is an mbuf, which the core frees when the
 * stack goes before the message was handled. */
#define DPS_MSG_MBUF 0x80
#define DPS_OP_SLOT(op) ((unsigned int)(op) >> 8)

/** Handlers of one slot; any may be NULL. All but start and destroy
 * run on the lcore named, with @now the loop's clock. */
struct dps_proto_ops {
	const char *name;
	/** IP protocol whose packets input() takes and whose ICMP errors
	 * err() takes; 0 for none. */
	uint8_t ipproto;
	int (*start)(struct dps_stack *s);
	void (*destroy)(struct dps_stack *s);
	int (*lcore_init)(struct dps_lcore *lc);
	void (*lcore_fini)(struct dps_lcore *lc);
	/** Link input: every frame from port @ifindex; consumes @m. One
	 * slot (the IP layer) takes frames. */
	void (*frame)(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
		uint64_t now);
	/** A validated packet of protocol ipproto; consumes @m. */
	void (*input)(struct dps_lcore *lc, struct rte_mbuf *m,
		const struct dps_rx_pkt *p, uint64_t now);
	/** An ICMP error quoting a packet of protocol ipproto. */
	void (*err)(struct dps_lcore *lc, const struct dps_icmp_view *icmp,
		int err, bool fatal, uint64_t now);
	/** A validated IPv6 packet of protocol ipproto for us, its upper
	 * layer at @ip->l4_off from the IPv6 header, which starts at @m's
	 * data plus @l3_off; consumes @m. NULL: the packet is dropped as
	 * ip6_no_transport. */
	void (*input6)(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
		const struct dps_ipv6_view *ip, uint64_t now);
	/** An ICMPv6 error quoting a packet of protocol ipproto, with @err
	 * and @fatal from Linux's icmpv6_err_convert(). */
	void (*err6)(struct dps_lcore *lc, const struct dps_icmp6_view *icmp,
		int err, bool fatal, uint64_t now);
	void (*tick)(struct dps_lcore *lc, uint64_t now);
	void (*timers)(struct dps_lcore *lc, uint64_t now);
	/** Send what this iteration left owed: called at the start of every
	 * poll (for what the lcore's own code did between polls) and again
	 * after the application's work, just before the transmit flush, so
	 * everything one iteration decided about a flow leaves in as few
	 * segments as possible. */
	void (*output)(struct dps_lcore *lc, uint64_t now);
	/** Do request @r's work; false when it completes later. */
	bool (*request)(struct dps_lcore *lc, struct dps_req *r, uint64_t now);
	void (*msg)(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now);
	/** ARP for @nexthop failed with @err: fail what waits for it. @err
	 * is the error to record (a positive errno, as so_error and the ICMP
	 * hook's), not a return value. */
	void (*nexthop_fail)(struct dps_lcore *lc, uint32_t nexthop, int err);
	/** Teardown, lcores stopped: give back what is pending (before
	 * lcore_fini of any slot). */
	void (*release)(struct dps_lcore *lc);
};

/**
 * Register @ops in @slot of @s, with @ctx as its per-stack context.
 * Before dps_stack_start() only.
 *
 * @return 0, -EINVAL (slot out of range or 0), -EEXIST (taken), -EBUSY.
 */
int dps_proto_register(struct dps_stack *s, unsigned int slot,
	const struct dps_proto_ops *ops, void *ctx);

/** IP input: the handler of @ipproto's packets, or NULL. */
const struct dps_proto_ops *dps_proto_by_ipproto(const struct dps_stack *s,
	uint8_t ipproto);

/** Every registered slot's nexthop_fail(). */
void dps_proto_nexthop_fail(struct dps_lcore *lc, uint32_t nexthop, int err);

#endif
