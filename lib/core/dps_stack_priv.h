/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_STACK_PRIV_H
#define DPS_STACK_PRIV_H

/*
 * Private layout of a stack and of its per-lcore contexts.
 *
 * Ownership: everything in struct dps_stack is written by the control
 * thread before dps_stack_start() and only read afterwards, except the
 * stop flag. Everything in struct dps_lcore is written by that lcore only;
 * other threads reach it through its request ring, or read its counters.
 */

#include <stdint.h>
#include <stdbool.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ethdev.h>
#include "dps_stack.h"
#include "dps_thread.h"
#include "dps_wire.h"
#include "dps_arp.h"
#include "dps_wire6.h"
#include "dps_route.h"
#include "dps_cnt.h"
#include "dps_proto.h"

#define DPS_BURST 32
#define DPS_TICK_NS (10ull * 1000 * 1000)	/* housekeeping period */

struct dps_lcore;
struct dps_sock;
struct dps_sockets;
struct dps_twheel;
struct rte_hash;

/* One port the stack uses. */
/* Payload mbufs one TCP frame may chain (a 64 KiB TSO frame in 2 KiB
 * data rooms needs 32). */
#define DPS_TX_CHAIN_MAX 64

struct dps_iface {
	uint16_t port_id;
	uint16_t ifindex;
	uint16_t mtu;
	bool tx_ip_csum;		/* device fills IPv4 header checksums */
	bool rx_csum;			/* device reports rx checksum state */
	uint16_t tso_max;		/* TCP payload per TSO frame; 0 = no TSO */
	uint16_t tso6_max;		/* the same over IPv6 (0 where the device
					 * cuts IPv4 frames only: net_tap) */
	struct dps_port_conf conf;
	struct rte_ether_addr mac;
	struct dps_ifaddr addrs[DPS_MAX_ADDRS];
	struct dps_rx_iface rx;		/* view over addrs for the classifier */
	/* IPv6 addresses: the configured ones, then the link-local one made
	 * from the MAC at start (dps_stack6.c). Their DAD state is the IP
	 * layer's, per lcore; addr6_state (enum dps_dad_state) is what lcore
	 * 0's detection found, for dps_stack_addr6_state(). */
	struct dps_ip6_cand addrs6[DPS_MAX_ADDRS6];
	uint8_t addr6_state[DPS_MAX_ADDRS6];	/* atomic */
	uint8_t n_addrs6;
	char name[RTE_ETH_NAME_MAX_LEN];
};

/* The core's own operations on the request ring and in requests; the
 * other slots define theirs with DPS_OP() (dps_proto.h). */
#define DPS_MSG_REQ DPS_OP(0, 1)	/* ptr: a struct dps_req from an app thread */
#define DPS_REQ_NOP DPS_OP(0, 1)	/* nothing: measures the round trip */

/* A request ring element: 32 bytes, copied by value (rte_ring_*_elem). */
struct dps_msg {
	uint16_t op;
	uint16_t ifindex;
	uint32_t ip;
	union {
		void *ptr;
		uint8_t mac[8];
		struct {
			uint32_t laddr, raddr;	/* the quoted flow */
			uint16_t lport, rport;
			uint32_t seq;
			int16_t err;
			uint16_t mtu;
		} icmp;
		struct {
			uint8_t addr[16];	/* an advertised target */
			uint8_t lla[6];
			uint8_t flags;		/* DPS_ND_NA_*; 0xff: no lla */
		} nd;
		struct {
			uint8_t state;		/* enum dps_dad_state */
			bool lost;		/* one address lost: @off */
			uint32_t off;		/* from the range's first */
		} dad;
	};
};

_Static_assert(sizeof(struct dps_msg) == 32, "a message stays 32 bytes");

/* Life of a request (struct dps_req.state). */
enum dps_req_state {
	DPS_REQ_PENDING = 0,	/* posted; the lcore may be working on it */
	DPS_REQ_DONE,		/* the lcore finished; completion on its way */
	DPS_REQ_ABANDONED,	/* the thread gave up (stack stopping) */
};

/*
 * An application request, on the heap. Exactly one side frees it:
 * - normally the thread, after it dequeues the request from its
 *   completion ring;
 * - the lcore, when the thread abandoned it first.
 * The atomic state decides which: the lcore swaps PENDING -> DONE, and the
 * thread may only CAS PENDING -> ABANDONED. Between posting and
 * completion only the lcore writes the fields.
 */
struct dps_req {
	uint16_t op;
	int state;			/* enum dps_req_state, atomic */
	int err;			/* result: 0 or a negative errno */
	struct dps_thread *thr;
	struct dps_req *next;		/* lcore's pending list */
	union {
		void *obj;		/* the object the request is about */
		uint64_t args[4];	/* or arguments, by value (a ping's) */
	};
};

/* A request about to be posted. Relaxed: the request ring's enqueue
 * (release) publishes it, with the other fields, to the lcore. */
static inline void
dps_req_set_pending(struct dps_req *r)
{
	__atomic_store_n(&r->state, DPS_REQ_PENDING, __ATOMIC_RELAXED);
}

/* The lcore finished @r: returns the state it had (ABANDONED: the
 * thread gave up, the lcore frees it). Acq_rel: the release publishes the
 * result to dps_req_state() of a spinning thread; the acquire pairs with
 * the release of dps_req_abandon(). */
static inline int
dps_req_finish(struct dps_req *r)
{
	return __atomic_exchange_n(&r->state, DPS_REQ_DONE, __ATOMIC_ACQ_REL);
}

/* The request's state as its thread polls it. Acquire: pairs with the
 * release of dps_req_finish(). */
static inline int
dps_req_state(const struct dps_req *r)
{
	return __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
}

/* The thread gives @r up to the lcore (PENDING -> ABANDONED); false when
 * the lcore finished it first. Acq_rel: pairs with dps_req_finish(), so
 * exactly one side frees the request. */
static inline bool
dps_req_abandon(struct dps_req *r)
{
	int pending = DPS_REQ_PENDING;

	return __atomic_compare_exchange_n(&r->state, &pending, DPS_REQ_ABANDONED,
		false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Frames the device's transmit queue had no room for, oldest first: a
 * FIFO of @cap slots, made the first time the queue is full. */
struct dps_txlog {
	uint32_t head, n, cap;
	struct rte_mbuf *pkts[];
};

/* Pending transmit burst for one port, and its backlog. */
struct dps_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DPS_BURST];
	struct dps_txlog *log;		/* NULL until first needed */
};

/* Per-lcore context: cache aligned, on the lcore's own NUMA socket. */
struct dps_lcore {
	struct dps_stack *stack;
	unsigned int idx;		/* index in the stack's lcore list */
	unsigned int lcore_id;		/* EAL lcore id */
	int socket;
	uint16_t queue;			/* rx/tx queue on every port */
	bool garp_pending;		/* gratuitous ARP not sent yet (IP layer) */
	bool icmp_primed;		/* token bucket initialised */
	struct rte_mempool *pool;
	const struct rte_ring *pool_ring; /* the pool's common store, when a ring */
	uint32_t pool_reserve;		/* mbufs kept for transmission (dps_pool_low) */
	struct rte_ring *req_ring;	/* MPSC ring of struct dps_msg */
	uint64_t next_tick_ns;
	uint64_t icmp_tokens_ns;	/* token bucket, in ns of credit */
	uint64_t icmp_last_ns;
	uint16_t ip_id;
	uint64_t poll_tsc;		/* TSC at the last poll's start; 0: none yet */
	bool poll_busy;			/* whether that poll did work */
	dps_lcore_work_fn work;		/* the application's, in every poll */
	void *work_arg;
	void *ctx[DPS_PROTO_MAX];	/* each slot's per-lcore context */
	struct dps_txbuf tx[DPS_MAX_PORTS];
	struct dps_counters cnt __rte_cache_aligned;
	struct dps_arp_table arp __rte_cache_aligned;
} __rte_cache_aligned;

/*
 * Free mbufs in @lc's pool. For a ring-backed pool (the default ops) only
 * the common ring is counted: one read, no walk of the per-lcore caches,
 * erring on the side of keeping the reserve. Other pools pay for
 * rte_mempool_avail_count().
 */
static inline unsigned int
dps_pool_free(const struct dps_lcore *lc)
{
	return lc->pool_ring != NULL ? rte_ring_count(lc->pool_ring) :
		rte_mempool_avail_count(lc->pool);
}

/*
 * Whether @lc's packet pool is down to its transmit reserve. What the
 * receive side would hold from then on (payload for a reader, state for
 * a new connection) is dropped or answered statelessly instead, so that
 * ACKs, RSTs and SYN-ACKs always find an mbuf.
 */
static inline bool
dps_pool_low(const struct dps_lcore *lc)
{
	return dps_pool_free(lc) < lc->pool_reserve;
}

/* Whether copies into send buffers must stop: half the reserve is left,
 * which stays for segments without payload. Any thread. */
static inline bool
dps_pool_send_low(const struct dps_lcore *lc)
{
	return dps_pool_free(lc) < lc->pool_reserve / 2;
}

struct dps_stack {
	struct dps_stack_conf conf;
	unsigned int n_lcores;
	unsigned int n_ifaces;
	bool started;
	volatile int stop;		/* set by dps_stack_stop(), any thread */
	double ns_per_tsc;		/* 1e9 / TSC rate, fixed at create */
	uint64_t (*clock)(void *arg);	/* ns; tests install a virtual one */
	void *clock_arg;
	bool own_pools[DPS_MAX_LCORES];
	struct dps_lcore *lc[DPS_MAX_LCORES];
	struct dps_iface ifs[DPS_MAX_PORTS];
	struct dps_route_table routes;
	struct {
		uint16_t ifindex;
		uint32_t ip;
		struct rte_ether_addr mac;
	} static_arp[DPS_ARP_TABLE_SIZE / 4];
	unsigned int n_static_arp;
	struct {
		uint16_t ifindex;
		uint8_t ip[16];
		struct rte_ether_addr mac;
	} static_nd[DPS_ARP_TABLE_SIZE / 4];
	unsigned int n_static_nd;
	struct dps_route6_table routes6;
	uint64_t flow_key[2];		/* dps_ip6_flow_hash()'s SipHash key */
	/* The protocol switch (dps_proto.h). */
	const struct dps_proto_ops *protos[DPS_PROTO_MAX];
	void *proto_ctx[DPS_PROTO_MAX];	/* each slot's per-stack context */
	uint8_t by_ipproto[256];	/* IP protocol -> slot, 0: none */
	unsigned int n_ticks, n_timers;	/* the slots' tick() and timers() */
	unsigned int n_outputs;		/* and output() */
	void (*outputs[DPS_PROTO_MAX])(struct dps_lcore *lc, uint64_t now);
	void (*ticks[DPS_PROTO_MAX])(struct dps_lcore *lc, uint64_t now);
	void (*timers[DPS_PROTO_MAX])(struct dps_lcore *lc, uint64_t now);
	void (*rx_frame)(struct dps_lcore *lc, uint16_t ifindex,
		struct rte_mbuf *m, uint64_t now);
	/* The first thing dps_stack_destroy() does: lib/stack's
	 * dps_telemetry_register() sets it (on the control thread, which
	 * alone destroys) so that telemetry lets go of the stack. */
	void (*on_destroy)(struct dps_stack *s);
	char err[256];
};

/* The stack's notion of now, in nanoseconds, when the TSC reads @tsc
 * (the poll loop reads it once for this and its cycle accounting). */
static inline uint64_t
dps_now_at(const struct dps_stack *s, uint64_t tsc)
{
	if (s->clock != NULL)
		return s->clock(s->clock_arg);
	return (uint64_t)((double)tsc * s->ns_per_tsc);
}

/* The stack's notion of now, in nanoseconds. */
static inline uint64_t
dps_now(const struct dps_stack *s)
{
	return dps_now_at(s, rte_get_tsc_cycles());
}

/* Install a clock (tests); NULL restores the TSC. Before start only. */
void dps_stack_set_clock(struct dps_stack *s,
	uint64_t (*clock)(void *arg), void *arg);

/* Slot @slot's per-stack context, and its context on lcore @lc. */
static inline void *
dps_proto_ctx(const struct dps_stack *s, unsigned int slot)
{
	return s->proto_ctx[slot];
}

static inline void *
dps_lcore_ctx(const struct dps_lcore *lc, unsigned int slot)
{
	return lc->ctx[slot];
}


/* The protocol switch's walks (dps_proto.c). */
int dps_proto_start(struct dps_stack *s);
void dps_proto_release(struct dps_lcore *lc);
void dps_proto_destroy(struct dps_stack *s);

/* Make a stack with no slot registered (dps_stack_create() registers
 * the layers: lib/stack). */
struct dps_stack *dps_core_create(const struct dps_stack_conf *conf);

/* Our address on @ifp to speak to @nexthop from, 0 when none. */
uint32_t dps_iface_source(const struct dps_iface *ifp, uint32_t nexthop);
/* IPv6 configuration (dps_stack6.c): an address or a range of @count
 * with its on-link prefix, a route, a static neighbour; and at start,
 * port @ifp's link-local address and its multicast filter. */
int dps_stack6_add_range(struct dps_stack *s, struct dps_iface *ifp,
	const uint8_t first[16], uint32_t count, uint8_t prefixlen);
int dps_stack6_add_route(struct dps_stack *s, const uint8_t prefix[16],
	uint8_t prefixlen, const uint8_t *gw, uint16_t ifindex);
int dps_stack6_add_neigh(struct dps_stack *s, uint16_t ifindex,
	const uint8_t a[16], const struct rte_ether_addr *mac);
void dps_stack6_start_port(struct dps_stack *s, struct dps_iface *ifp);

/* Whether @ip is one of the stack's addresses. */
bool dps_ip_is_ours(const struct dps_stack *s, uint32_t ip);
/* Whether an address of the run [@first, @first + @span] (host order)
 * is already one of the stack's. */
bool dps_ip_range_taken(const struct dps_stack *s, uint32_t first, uint32_t span);

/* Post a message to lcore @idx's request ring. 0 or -EAGAIN (ring full). */
int dps_lcore_post(struct dps_stack *s, unsigned int idx, const struct dps_msg *m);

/* lcore-side entry points (dps_lcore.c, dps_ipv4.c, dps_icmp.c, ...). */
void dps_lcore_tx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m);
void dps_lcore_flush(struct dps_lcore *lc);
/* Stack teardown: free what still waits in @lc's transmit backlogs. */
void dps_lcore_tx_fini(struct dps_lcore *lc);
void dps_lcore_drop(struct dps_lcore *lc, struct rte_mbuf *m, int reason);
/* Hand a finished request back to its thread (dps_thread.c). */
void dps_req_complete(struct dps_req *r);
/* The calling thread's handle for @s, attached on first use; NULL with
 * errno set when that fails. */
struct dps_thread *dps_thread_self(struct dps_stack *s);
/* Post @r to lcore @idx and sleep until it completes. 0 (the caller frees
 * @r), -EAGAIN (ring full; caller frees), -ESHUTDOWN (abandoned; the lcore
 * frees it). */
int dps_thread_call(struct dps_thread *t, unsigned int idx, struct dps_req *r);
/* A whole round trip for a request described by @in: a heap copy is
 * posted to lcore @idx and, once complete, copied back to @out (may be
 * NULL) and freed. Returns 0, the request's own error (r->err), or
 * -EAGAIN, -ENOMEM, -ESHUTDOWN. */
int dps_thread_request(struct dps_thread *t, unsigned int idx,
	const struct dps_req *in, struct dps_req *out);
/* Do a request's work on @lc (the ring path, or a caller on @lc itself);
 * false when it completes later. */
bool dps_lcore_run_req(struct dps_lcore *lc, struct dps_req *r, uint64_t now);
/* Wake @t if it sleeps (an lcore, or any thread). */
void dps_thread_wake(struct dps_thread *t);
/* A thread handle as a number, 1 + its pool slot, and back; 0 is NULL.
 * Handles are pooled and never freed, so a number stays valid: a socket
 * keeps its sleeping threads in 16 bits instead of a pointer. */
uint16_t dps_thread_num(const struct dps_thread *t);
struct dps_thread *dps_thread_of_num(uint16_t n);
/* The kernel eventfd @t sleeps on. */
int dps_thread_efd(const struct dps_thread *t);
/* Index of the stack lcore the caller runs on, -1 when it is not one. */
int dps_stack_self(const struct dps_stack *s);

#endif
