/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_INET_H
#define DPS_INET_H

/*
 * The transport layer (TCP, UDP and the socket objects they work on), as
 * the socket layer above it (lib/sock) sees it: the socket's layout, the
 * contracts between the application side (any pthread) and the lcore
 * that owns a connection, and the calls the socket layer makes. TCP's
 * own files share dps_tcp_priv.h besides.
 *
 * Memory. Sockets come from a per-stack dps_pool and go back to it, so
 * their memory stays a struct dps_sock for the stack's lifetime
 * ("type-stable", like SLAB_TYPESAFE_BY_RCU): a thread or lcore holding a
 * stale pointer reads a socket, never freed memory. A reference count
 * decides when a socket returns to the pool; the references are: the
 * descriptor table, each API call in progress, the owning lcore while the
 * connection is in its table, and the UDP port slot.
 *
 * Who writes what:
 * - application side (the thread in a dps_ call): options, the
 *   application-level socket state (ss, like Linux's sock->state), the
 *   bound address before the socket has an owner;
 * - the owning lcore: the TCB, the timer, the table entry, and the
 *   published fields (state, shutdown, so_error), each an atomic the
 *   application side reads;
 * - so_error is read-and-cleared by either side with an atomic exchange.
 * Every field shared between threads is read and written only through
 * the accessors below ("Shared fields"), which say how they are ordered
 * and what they pair with; docs/architecture.md lists them.
 * Fields the lcore fills while the application thread waits for a
 * request (autobind's address and port) are published by the completion.
 */

#include <stdint.h>
#include <string.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sched.h>
#include <rte_ring.h>
#include <rte_mempool.h>
#include "dps_pool.h"
#include <rte_mbuf.h>
#include <rte_spinlock.h>
#include <rte_ip.h>
#include "dps_socket.h"
#include "dps_stack_priv.h"
#include "dps_ip.h"
#include "dps_tcp.h"
#include "dps_timer.h"
#include "dps_uaccess.h"

struct dps_stack;
struct dps_lcore;
struct dps_thread;
struct dps_ep;

/* Slots of the protocol switch (dps_proto.h) the transport layer takes:
 * the sockets' shared state (pool, ports, keys), TCP and UDP. */
#define DPS_PROTO_INET 3
#define DPS_PROTO_TCP 4
#define DPS_PROTO_UDP 5

/* TCP's requests (struct dps_req, obj: the socket), done on the owner. */
#define DPS_REQ_CONNECT DPS_OP(DPS_PROTO_TCP, 1)	/* tcp_v4_connect's work */
#define DPS_REQ_DISCONNECT DPS_OP(DPS_PROTO_TCP, 2)	/* tcp_disconnect (AF_UNSPEC) */
#define DPS_REQ_SHUTDOWN DPS_OP(DPS_PROTO_TCP, 3)	/* shutdown(SHUT_WR) */
#define DPS_REQ_IDLE_WAKE DPS_OP(DPS_PROTO_TCP, 4)	/* args[0]: a descriptor whose
							 * connection is idle */
#define DPS_REQ_CONNECT6 DPS_OP(DPS_PROTO_TCP, 5)	/* tcp_v6_connect's work */

/* TCP's messages on the request ring (struct dps_msg). */
#define DPS_MSG_RX_HANDOFF DPS_OP(DPS_PROTO_TCP, DPS_MSG_MBUF | 1)	/* ptr: a segment (mbuf) this lcore owns */
#define DPS_MSG_TCP_ICMP DPS_OP(DPS_PROTO_TCP, 2)	/* icmp: an ICMP error about a flow we own */
#define DPS_MSG_SOCK_CLOSE DPS_OP(DPS_PROTO_TCP, 3)	/* ptr: a socket closed by its application */
#define DPS_MSG_TCP_TX DPS_OP(DPS_PROTO_TCP, 4)	/* ptr: a stream socket whose txq has data */
#define DPS_MSG_TCP_WND DPS_OP(DPS_PROTO_TCP, 5)	/* ptr: a stream socket whose reader freed space */
#define DPS_MSG_RX6_HANDOFF DPS_OP(DPS_PROTO_TCP, DPS_MSG_MBUF | 6)	/* ptr: an IPv6 segment (mbuf) this lcore owns */
#define DPS_MSG_TCP_ICMP6 DPS_OP(DPS_PROTO_TCP, DPS_MSG_MBUF | 7)	/* ptr: an ICMPv6 error's record (mbuf) about a flow we own */

/* Bytes a stream may hold each way: SO_SNDBUF / SO_RCVBUF report twice
 * these (Linux's convention); the receive figure is the window ceiling. */
#define DPS_SNDBUF_DEFAULT (256u * 1024)
#define DPS_RCVBUF_DEFAULT (256u * 1024)

/* What a descriptor names: a socket, an epoll set, or a TCP connection
 * in its compact idle form (dps_tcp_idle.c), which dps_fd_get() turns
 * back into its socket before handing it out. */
enum dps_obj_kind { DPS_OBJ_SOCK = 1, DPS_OBJ_EPOLL, DPS_OBJ_IDLE };

/* Linux's struct socket states (include/uapi/linux/net.h). */
enum dps_ss {
	DPS_SS_UNCONNECTED = 1,
	DPS_SS_CONNECTING,
	DPS_SS_CONNECTED,
	DPS_SS_DISCONNECTING,
};

#define DPS_RCV_SHUTDOWN 1
#define DPS_SEND_SHUTDOWN 2
#define DPS_SHUTDOWN_MASK 3

/* sk_userlocks bits, as Linux names them. */
#define DPS_BINDADDR_LOCK 4
#define DPS_BINDPORT_LOCK 8

/* Roles a stream socket has taken, for good: Linux 6.18 refuses
 * connect() on a socket that has listened, and listen() on one that has
 * tried to connect, with EINVAL, even after an AF_UNSPEC disconnect. */
#define DPS_ROLE_LISTENED 1
#define DPS_ROLE_CONNECTED 2

/* What a descriptor points at: a socket or an epoll set. */
struct dps_obj {
	uint8_t kind;
	uint32_t refcnt;		/* atomic */
	int fd;
};

/* Connection table key: network order, 16 bytes. */
struct dps_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t proto;
	uint8_t pad[3];
};

/*
 * The key of an IPv6 connection: 40 bytes (ten words), network order,
 * the fields in the IPv4 tuple's order. The connection table of IPv6
 * flows takes keys of this length (dps_ctab_set_key_len()), hashed by
 * dps_tcp_hash6().
 */
struct dps_tuple6 {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint8_t proto;
	uint8_t pad[3];
};

struct dps_sock_opts {
	uint32_t sndtimeo_j;		/* SO_SNDTIMEO in jiffies (dps_sock_timeo()) */
	uint32_t rcvtimeo_j;		/* SO_RCVTIMEO, likewise */
	uint32_t user_timeout_ms;
	uint16_t maxseg;
	uint8_t syncnt;
	bool reuseaddr, broadcast, nodelay;
	bool keepalive, linger;
	bool bind_no_port;		/* IP_BIND_ADDRESS_NO_PORT */
	uint8_t keepcnt;
	uint8_t cc;			/* enum dps_tcp_cc_algo */
	uint8_t ip_ttl;			/* IP_TTL; 0: the default (64) */
	uint16_t keepidle_s, keepintvl_s;
	int linger_s;
	uint32_t sndbuf, rcvbuf;	/* as SO_SNDBUF / SO_RCVBUF report them */
	/* docs/tcp.md "Socket options". */
	uint8_t ip_tos;			/* IP_TOS (ECN bits masked for TCP) */
	uint8_t flags;			/* DPS_OPT_*; dps_sock_flag() */
	uint8_t defer_accept;		/* TCP_DEFER_ACCEPT, retransmissions */
	bool reuseport;			/* SO_REUSEPORT (fills a hole) */
	uint32_t notsent_lowat;		/* TCP_NOTSENT_LOWAT; 0: none */
};

/*
 * SO_SNDTIMEO and SO_RCVTIMEO are kept as Linux keeps sk_sndtimeo: in
 * whole jiffies (4 ms at the oracle's HZ of 250), rounded up, so that
 * getsockopt() reads back what Linux's does (1.5 ms reads 4 ms). 0 is
 * forever (Linux's MAX_SCHEDULE_TIMEOUT) and DPS_TIMEO_NOW "do not wait"
 * (a negative time; Linux's 0). 32 bits hold 198 days; a longer time is
 * kept as that.
 */
#define DPS_TIMEO_HZ 250
#define DPS_TIMEO_NOW UINT32_MAX

/* The wait a timeout in jiffies allows, in ns as dps_sock_wait() takes
 * it: 0 forever, 1 ns for "do not wait". */
static inline uint64_t
dps_sock_timeo(uint32_t j)
{
	return j == DPS_TIMEO_NOW ? 1 : (uint64_t)j * (1000000000ull / DPS_TIMEO_HZ);
}

/* Option flags in dps_sock_opts.flags (a byte, to keep struct dps_sock
 * in eight cache lines). */
#define DPS_OPT_CORK 1			/* TCP_CORK */
#define DPS_OPT_INQ 2			/* TCP_INQ */
#define DPS_OPT_PINGPONG 4		/* TCP_QUICKACK 0: delayed ACKs */
#define DPS_OPT_QUICKACK 8		/* TCP_QUICKACK nonzero set, for the lcore */
#define DPS_OPT_RCVBUF_SET 16		/* SO_RCVBUF set: Linux's SOCK_RCVBUF_LOCK */
#define DPS_OPT_INET6 32		/* an AF_INET6 socket: a struct dps_sock6
					 * of the second pool (set at creation,
					 * never changed) */

/* SO_LINGER's "forever" (l_linger too large, or negative), as Linux with
 * HZ 250 reports it: (int)(MAX_SCHEDULE_TIMEOUT / HZ). */
#define DPS_LINGER_FOREVER (-1752346657)

/* A listening socket's queues (RFC 9293 3.10.7.2). */
struct dps_listener {
	struct rte_ring *acceptq;	/* established children (MP/MC) */
	uint32_t backlog;		/* atomic */
	uint32_t synq;			/* atomic: children in SYN_RECV */
	int16_t home;			/* lcore index whose SYNs it takes
					 * first in a SO_REUSEPORT group; -1:
					 * none (dps_tcp_reuseport.c) */
	bool grouped;			/* a member of its port's group */
};

/* The SO_REUSEPORT listeners of one TCP port (dps_tcp_reuseport.c). Made
 * on the port's first member and kept until the stack goes, so that an
 * lcore may always read it; members join and leave under
 * dps_sockets.rgroup_lock. */
#define DPS_RGROUP_MAX 128
struct dps_rgroup {
	uint32_t n;				/* atomic: members in m[0..n) */
	struct dps_sock *m[DPS_RGROUP_MAX];	/* atomic; referenced */
};

/* Fields are ordered so that the struct has next to no padding: a stack
 * holding a million idle connections holds a million of these. */
struct dps_sock {
	struct dps_obj obj;
	int ss;				/* enum dps_ss, atomic */
	struct dps_stack *stack;
	int fflags;			/* O_NONBLOCK, atomic */
	uint8_t type;			/* SOCK_STREAM / SOCK_DGRAM */
	uint8_t proto;			/* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t userlocks;
	uint8_t disconnects;		/* Linux's sk_disconnects; under lock */
	struct dps_sock_opts opt;
	struct dps_tuple tup;		/* addresses, network order */
	uint16_t old_sport;		/* getsockname after a disconnect */

	/* Published by the owner (atomics). */
	uint8_t state;			/* enum dps_tcp_state */
	uint8_t shutdown;
	uint8_t errq;			/* an ICMP error is on the error queue */
	/* Owned by the lcore, with the TCB below (placed here to fill a
	 * hole). */
	bool in_table;
	uint8_t cbset;			/* callbacks: ss->cbsets[cbset - 1]; 0 none */
	bool out_due;			/* on the lcore's output list */
	int so_error;
	int16_t owner;			/* lcore index; -1: none */
	uint8_t port_held;		/* DPS_PORT_*: counted in the TCP port map */
	bool explicit_bind;		/* bind() or listen() holds the port */
	uint8_t bind_hold;		/* DPS_PORT_*: bind()'s hold, kept past
					 * close for the connection (atomic) */
	uint8_t roles;			/* DPS_ROLE_*: what it has been; under lock */
	uint16_t ip_id;			/* IPv4 identification of the flow
					 * (the lcore's, placed here to fill a
					 * hole) */
	uint32_t lock;			/* dps_sock_lock.h */

	/* Wake-ups: one sleeping thread, one epoll set. Threads by number
	 * (dps_thread_num()): 0 none. */
	uint16_t waiter;		/* atomic; taken with exchange */
	uint16_t poller;		/* a thread in dps_poll(), likewise */
	uint32_t ep_slot;
	struct dps_ep *ep;		/* atomic */

	/* Owned by the lcore, with the TCB and timer below. */
	TAILQ_ENTRY(dps_sock) out_link;	/* dps_tcp_lcore.out_due */

	void *cb_arg;			/* the callbacks' argument */

	struct dps_tcb tcb;
	struct dps_tnode timer;
	struct dps_ip_path path;	/* the way out, while it holds */

	/* UDP datagrams, or TCP payload mbufs in order (lcore -> threads).
	 * A UDP socket gets it at creation; a stream socket when the owning
	 * lcore first has payload to queue (dps_tcp_rxq_make()). Kept with
	 * the pool object. Atomic: read it with dps_sock_rxq(). */
	struct rte_ring *rxq;

	/* TCP data, application side. */
	struct rte_ring *txq;		/* mbufs to send (threads -> lcore);
					 * made by the first writer
					 * (dps_tcp_txq_make()), kept; atomic */
	struct rte_mbuf *rx_cur;	/* partly read, owned by the reader */
	uint32_t snd_queued;		/* atomic: bytes queued and not acked */
	uint32_t rcv_queued;		/* atomic: bytes delivered, not yet read */
	uint32_t rcv_wnd_pub;		/* atomic: window last announced */
	uint32_t rx_cur_off;
	uint8_t tx_kick, wnd_kick;	/* atomic: a message is on its way */
	uint8_t rx_busy, tx_busy;	/* atomic: a thread is reading / writing */
	uint8_t abort_on_close;		/* atomic: close() must send a RST */
	uint8_t opts_changed;		/* atomic: setsockopt() changed what
					 * the lcore applies (dps_sock_opt) */

	/* Passive open. */
	bool in_synq;			/* counted in parent->lst->synq */
	bool tw_pending;		/* moved to TIME_WAIT */
	/* A listener's queues, or a child's listener (referenced): never
	 * both, since a child leaves its listener when accepted, before its
	 * application could listen() on it. One word holds either, a
	 * child's listener tagged with bit 0 (DPS_LINK_PARENT); atomic, read with
	 * dps_sock_lst() and dps_sock_parent(). */
	uintptr_t link;
};

#define DPS_LINK_PARENT ((uintptr_t)1)

/*
 * An AF_INET6 socket (issue 17, docs/architecture.md "AF_INET6
 * datagram sockets"): a struct dps_sock followed by its IPv6 side, from a pool of
 * its own (dps_sockets.pool6), so that an IPv4 socket stays 448 bytes.
 * DPS_OPT_INET6 in opt.flags marks it. The IPv4 tuple in the socket
 * keeps the ports, and the IPv4 addresses when the IPv6 ones are
 * v4-mapped (::ffff:a.b.c.d), so that IPv4 input, ICMP errors and IPv4
 * output treat a dual-stack socket's IPv4 traffic as an AF_INET
 * socket's (Linux's inet_rcv_saddr and inet_daddr beside
 * sk_v6_rcv_saddr and sk_v6_daddr).
 *
 * Who writes what: the application side under the socket lock (bind,
 * connect, disconnect, options); the lcores read laddr and raddr when
 * they deliver a datagram, plainly, as they read the IPv4 tuple: an
 * address is written before the port map publishes the socket (the
 * port map's compare-and-swap orders it), and a connect() racing with
 * input may see a datagram judged against the old or the new peer, as
 * Linux's lockless lookup may.
 */
struct dps_sock6_side {
	/* A stream connection's key in its lcore's IPv6 table: the two
	 * addresses below, then the ports and protocol, which the owning
	 * lcore writes when it enters the connection (dps_tcp6_table.c). */
	union {
		struct dps_tuple6 key;
		struct {
			uint8_t laddr[16];	/* bound or chosen source: sk_v6_rcv_saddr */
			uint8_t raddr[16];	/* the peer: sk_v6_daddr */
		};
	};
	uint32_t scope;			/* interface index + 1 a link-local
					 * address is bound to
					 * (sk_bound_dev_if); 0: none */
	bool v6only;			/* IPV6_V6ONLY */
	int16_t hops;			/* IPV6_UNICAST_HOPS; -1: the default */
	uint8_t tclass;			/* IPV6_TCLASS */
	uint8_t maps;			/* DPS_UMAP_*: the port maps it holds */
	int8_t afl_opt;			/* IPV6_AUTOFLOWLABEL; -1: unset */
	bool afl;			/* its packets carry @flow: the option
					 * under the stack's auto_flowlabels */
	uint32_t flow;			/* the label of the socket's flow hash
					 * (dps_ip6_flow.c); 0: no hash yet */
	uint32_t lrcv_flow;		/* a TCP connection's last label from
					 * the peer (dps_tcb_ext.lrcv_flow)
					 * while its cold half is given back */
};

#define DPS_UMAP_V4 1			/* dps_sockets.udp_ports: IPv4 input */
#define DPS_UMAP_V6 2			/* dps_sockets.udp6_ports: IPv6 input */

struct dps_sock6 {
	struct dps_sock sk;
	struct dps_sock6_side v6;
};

#define DPS_CBSETS_MAX 255		/* distinct callback sets per stack */
#define DPS_OPTSETS_MAX 256		/* distinct option sets of idle connections */

/*
 * The cold half of a connection on its lcore (dps_tcp_ext.c): the TCB's
 * own cold half first, then the send buffer and the out-of-order queue,
 * which a quiet connection has emptied. The send buffer is an mbuf chain
 * (linked through m->next) whose first byte is snd_una + snd_off.
 */
struct dps_tcp_cold {
	struct dps_tcb_ext x;		/* first: sk->tcb.x points here */
	struct rte_mbuf *snd_head, *snd_tail;
	struct rte_mbuf *snd_cur;	/* cursor: mbuf holding sequence cur_seq */
	struct rte_mbuf *ooo;		/* out-of-order payload, by sequence */
	uint32_t snd_off;
	uint32_t snd_cur_seq;
	uint32_t ooo_bytes;
};

/* The lcore's cold half of @sk; NULL while the connection is quiet. */
static inline struct dps_tcp_cold *
dps_tcp_cold(const struct dps_sock *sk)
{
	return (struct dps_tcp_cold *)sk->tcb.x;
}

/* Per-stack socket state: the context of slot DPS_PROTO_INET. */
struct dps_sockets {
	struct dps_sock_conf conf;
	struct dps_pool *pool;		/* the sockets (dps_inet_stack.c) */
	struct dps_pool *pool6;		/* AF_INET6 sockets (struct dps_sock6) */
	struct dps_pool *xpool;		/* TCB extensions (dps_tcp_ext.c) */
	uint64_t *tcp_ports;		/* 65536 words, see dps_portmap.c: the
					 * IPv4 users of each port */
	uint64_t *tcp6_ports;		/* the next 65536 words of the same
					 * allocation: the IPv6 users */
	struct dps_sock **udp_ports;	/* 65536 atomic pointers */
	struct dps_sock **udp6_ports;	/* the same for IPv6 input (dps_udp6_port.c) */
	uint32_t perturb[256];		/* RFC 6056 algorithm 3 table */
	uint64_t isn_key[2];		/* SipHash keys: ISNs and timestamp
					 * offsets (dps_tcp_keyed()), */
	uint64_t port_key[2];		/* autobind offsets */
	uint8_t rss_key[40];		/* rte_thash key, converted */
	uint16_t reta[128];		/* hash -> lcore index */
	uint16_t n_owners;		/* stack lcores: 1 skips the hash */
	uint64_t cookie_key[2];		/* SipHash key of SYN cookies */
	uint64_t tab_key[5];		/* the connection table's hash (dps_tcp_hash()) */
	uint64_t tab_key6[11];		/* the same for IPv6 tuples (dps_tcp_hash6()) */
	struct dps_sock **listeners;	/* 65536 atomic pointers, by port: the
					 * listener of IPv4 SYNs */
	struct dps_sock **listeners6;	/* the same for IPv6 SYNs (a dual-stack
					 * listener is in both) */
	struct dps_rgroup **rgroups;	/* 65536 atomic pointers, by port:
					 * SO_REUSEPORT listeners */
	struct dps_rgroup **ugroups;	/* the same for UDP sockets */
	struct dps_rgroup **ugroups6;	/* and for the IPv6 port map */
	rte_spinlock_t rgroup_lock;	/* joins and leaves of all groups */
	/* The distinct callback sets of dps_set_callbacks(), kept once for
	 * all the sockets that use them (dps_sock_cbs_intern()): an
	 * application has a few, and a socket then names its set in a byte
	 * instead of carrying five pointers. Append-only under the lock;
	 * n_cbsets is published with release after its entry is written. */
	rte_spinlock_t cbsets_lock;
	uint32_t n_cbsets;
	struct dps_sock_cbs cbsets[DPS_CBSETS_MAX];
	/* The distinct option sets of compact idle connections
	 * (dps_tcp_idle.c), kept once as the callback sets are: an entry
	 * names its set in a byte instead of carrying 48 bytes. Only the
	 * lcores add to it, under the lock; append-only, n_optsets published
	 * with release. */
	rte_spinlock_t optsets_lock;
	uint32_t n_optsets;
	struct dps_sock_opts optsets[DPS_OPTSETS_MAX];
};

static inline struct dps_sockets *
dps_socks(const struct dps_stack *s)
{
	return dps_proto_ctx(s, DPS_PROTO_INET);
}

/* A send mbuf on txq that ends a write (Linux's tcp_mark_push()): the
 * writer says so in the hash field, which only received mbufs use
 * otherwise (the out-of-order queue's sequence numbers). */
static inline void
dps_snd_set_push(struct rte_mbuf *m, bool push)
{
	m->hash.usr = push;
}

static inline bool
dps_snd_is_push(const struct rte_mbuf *m)
{
	return m->hash.usr != 0;
}

/* A connection's hold on its port (dps_sock.port_held, tw_ent.port_held):
 * none, or one counted with or without SO_REUSEADDR, in the IPv4 word
 * (an IPv4 or v4-mapped connection) or the IPv6 word (dps_portmap.c).
 * The IPv6 kinds never reach the compact idle form's 2-bit fields: only
 * AF_INET sockets' connections take it (dps_tcp_idle.c). */
enum { DPS_PORT_FREE = 0, DPS_PORT_HELD_REUSE, DPS_PORT_HELD,
	DPS_PORT_HELD_REUSE6, DPS_PORT_HELD6 };

/*
 * ---- Shared fields: the accessors ----
 *
 * A field of struct dps_sock (and of struct dps_obj, dps_listener,
 * dps_sockets) that one thread writes while another reads it is read and
 * written only through the functions below; docs/architecture.md lists
 * them ("Shared fields"). Each comment names what the access publishes or
 * observes and the function(s) on the other side it pairs with, as
 * DPDK's rte_ring does. SEQ_CST appears where a store must be ordered
 * before a later load of another field (the wake-up protocol of
 * dps_sock_wake.c: a sleeper stores itself as waiter and re-reads the
 * state, the lcore stores the state and takes the waiter); acquire and
 * release cannot order a store before a load, so both sides of such a
 * pattern are SEQ_CST.
 */

/* ---- struct dps_obj ---- */

/* The descriptor's reference on an object being closed, or an epoll
 * set's table reference. Release: publishes this side's last writes to
 * the acquire in dps_obj_refs() of whoever waits for the count to drain
 * (epoll_free()). */
static inline void
dps_obj_unref(struct dps_obj *o)
{
	__atomic_fetch_sub(&o->refcnt, 1, __ATOMIC_RELEASE);
}

/* Set the count of an object no other thread holds yet (a fresh socket
 * or epoll set, or one given back before it was published). Relaxed: the
 * descriptor table's release store (dps_fd_alloc()) publishes it. */
static inline void
dps_obj_set_refs(struct dps_obj *o, uint32_t n)
{
	__atomic_store_n(&o->refcnt, n, __ATOMIC_RELAXED);
}

/* References left. Acquire: pairs with the release in dps_obj_unref(),
 * so the dropped holders' writes are seen once the count reads 0. */
static inline uint32_t
dps_obj_refs(const struct dps_obj *o)
{
	return __atomic_load_n(&o->refcnt, __ATOMIC_ACQUIRE);
}

/* ---- state, shutdown, so_error, errq: the owner's publications ---- */

/* The connection state for a check that needs no wake-up ordering.
 * Acquire: pairs with dps_sock_publish_state() / dps_sock_set_state(),
 * so what the lcore wrote before the state (tuple, queues) is seen. */
static inline uint8_t
dps_sock_state(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->state, __ATOMIC_ACQUIRE);
}

/* The state as a sleeper re-reads it after storing itself as waiter
 * (dps_sock_wait(), dps_poll()) or as an application call decides on it
 * while the lcore may change it. SEQ_CST: store-load ordering with
 * dps_sock_set_waiter() / dps_sock_set_poller() on this side and
 * dps_sock_publish_state() then dps_sock_take_waiter() in
 * dps_sock_notify() on the lcore's. */
static inline uint8_t
dps_sock_state_sc(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->state, __ATOMIC_SEQ_CST);
}

/* The state as its only writer reads it back (the owning lcore, which
 * published it). Relaxed: no other field is read on its strength. */
static inline uint8_t
dps_sock_state_own(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->state, __ATOMIC_RELAXED);
}

/* Publish a new state that a sleeper may wait for. SEQ_CST: the store
 * must be ordered before the exchange of the waiter in dps_sock_notify()
 * (store-load against dps_sock_wait()'s store of the waiter and its
 * dps_sock_state_sc() re-read); acquire/release cannot do that. */
static inline void
dps_sock_publish_state(struct dps_sock *sk, uint8_t st)
{
	__atomic_store_n(&sk->state, st, __ATOMIC_SEQ_CST);
}

/* Set the state of a socket nobody sleeps on yet (a fresh socket, a
 * child before its accept queue holds it). Release: publishes the
 * fields written before it to the acquire in dps_sock_state(). */
static inline void
dps_sock_set_state(struct dps_sock *sk, uint8_t st)
{
	__atomic_store_n(&sk->state, st, __ATOMIC_RELEASE);
}

/* DPS_*_SHUTDOWN bits for a call that does not sleep on them. Acquire:
 * pairs with the SEQ_CST stores in dps_sock_publish_shutdown() and
 * dps_sock_add_shutdown(). */
static inline uint8_t
dps_sock_shutdown(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->shutdown, __ATOMIC_ACQUIRE);
}

/* Shutdown bits as the poll mask reads them (tcp_events()). SEQ_CST:
 * store-load ordering with the waiter's store, as dps_sock_state_sc(). */
static inline uint8_t
dps_sock_shutdown_sc(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->shutdown, __ATOMIC_SEQ_CST);
}

/* Replace the shutdown bits (the lcore at close, connect() clearing
 * them). SEQ_CST: ordered before dps_sock_notify()'s exchange of the
 * waiter, pairing with dps_sock_shutdown_sc() in tcp_events(). */
static inline void
dps_sock_publish_shutdown(struct dps_sock *sk, uint8_t v)
{
	__atomic_store_n(&sk->shutdown, v, __ATOMIC_SEQ_CST);
}

/* Add shutdown bits (a FIN arrived, shutdown(2)). SEQ_CST: as
 * dps_sock_publish_shutdown(). */
static inline void
dps_sock_add_shutdown(struct dps_sock *sk, uint8_t bits)
{
	__atomic_fetch_or(&sk->shutdown, bits, __ATOMIC_SEQ_CST);
}

/* The pending error for a readiness check. Acquire: pairs with
 * dps_sock_publish_error(). */
static inline int
dps_sock_error(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->so_error, __ATOMIC_ACQUIRE);
}

/* The pending error where it decides a sleep or the poll mask. SEQ_CST:
 * store-load ordering with the waiter's store (dps_sock_wait()) against
 * dps_sock_publish_error() then dps_sock_notify() on the lcore. */
static inline int
dps_sock_error_sc(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->so_error, __ATOMIC_SEQ_CST);
}

/* Read and clear the pending error (SO_ERROR, a call that reports it,
 * the error callback). SEQ_CST: either side may take it; one total
 * order with dps_sock_publish_error() and the readers above. */
static inline int
dps_sock_take_error(struct dps_sock *sk)
{
	return __atomic_exchange_n(&sk->so_error, 0, __ATOMIC_SEQ_CST);
}

/* Linux's sock_error(): the pending error, taken, as a return value (0 or
 * a negative errno); so_error itself holds a positive errno, the value
 * SO_ERROR and the error callback report. SEQ_CST: dps_sock_take_error(). */
static inline int
dps_sock_error_ret(struct dps_sock *sk)
{
	return -dps_sock_take_error(sk);
}

/* Set the pending error. SEQ_CST: ordered before dps_sock_notify()'s
 * exchange of the waiter, pairing with dps_sock_error_sc(). */
static inline void
dps_sock_publish_error(struct dps_sock *sk, int err)
{
	__atomic_store_n(&sk->so_error, err, __ATOMIC_SEQ_CST);
}

/* An ICMP error waits on the error queue (MSG_ERRQUEUE). SEQ_CST:
 * ordered before dps_sock_notify(), pairing with dps_sock_errq() in the
 * poll mask (store-load with the waiter, as dps_sock_publish_error()). */
static inline void
dps_sock_publish_errq(struct dps_sock *sk)
{
	__atomic_store_n(&sk->errq, 1, __ATOMIC_SEQ_CST);
}

/* Whether the error queue holds an entry. SEQ_CST: pairs with
 * dps_sock_publish_errq(), as dps_sock_error_sc(). */
static inline bool
dps_sock_errq(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->errq, __ATOMIC_SEQ_CST) != 0;
}

/* Take the error queue's entry (recvmsg(MSG_ERRQUEUE)). SEQ_CST: one
 * total order with dps_sock_publish_errq() and dps_sock_errq(). */
static inline bool
dps_sock_take_errq(struct dps_sock *sk)
{
	return __atomic_exchange_n(&sk->errq, 0, __ATOMIC_SEQ_CST) != 0;
}

/* ---- owner, ss, fflags, the bound address ---- */

/* The owning lcore's index, -1 for none. Acquire: pairs with
 * dps_sock_set_owner(), so the table entry the owner made is seen. */
static inline int
dps_sock_owner(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->owner, __ATOMIC_ACQUIRE);
}

/* Give the socket an owner (dps_tcp_conn_insert() on that lcore) or
 * none (init, disconnect). Release: publishes the table entry and TCB
 * to the acquire in dps_sock_owner() (sock_kick(), dps_sock_post_close()). */
static inline void
dps_sock_set_owner(struct dps_sock *sk, int idx)
{
	__atomic_store_n(&sk->owner, (int16_t)idx, __ATOMIC_RELEASE);
}

/* The application-level state (enum dps_ss), read under the socket lock
 * (connect(), listen()). SEQ_CST only out of caution, kept as it was: the
 * lock's acquire/release already orders ss for its holders, and the other
 * writers (dps_sock_init(), a new child) write before the socket is
 * published; SEQ_CST also puts ss in one order with the _sc state loads
 * that connect() makes next. */
static inline int
dps_sock_ss(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->ss, __ATOMIC_SEQ_CST);
}

/* Set the application-level state; pairs with dps_sock_ss() of the next
 * lock holder. SEQ_CST out of caution, as dps_sock_ss() says. */
static inline void
dps_sock_set_ss(struct dps_sock *sk, int v)
{
	__atomic_store_n(&sk->ss, v, __ATOMIC_SEQ_CST);
}

/* O_NONBLOCK and friends. Relaxed: a flag read on its own (fcntl(2)
 * against a concurrent call sees the old or the new value). */
static inline int
dps_sock_fflags(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->fflags, __ATOMIC_RELAXED);
}

/* Set the file flags; relaxed, as dps_sock_fflags(). */
static inline void
dps_sock_set_fflags(struct dps_sock *sk, int v)
{
	__atomic_store_n(&sk->fflags, v, __ATOMIC_RELAXED);
}

/* The bound local address, network order. Acquire: pairs with
 * dps_sock_set_laddr() (bind(), connect()'s source choice, disconnect). */
static inline uint32_t
dps_sock_laddr(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->tup.laddr, __ATOMIC_ACQUIRE);
}

/* Set the local address. Release: publishes it to dps_sock_laddr() on
 * other threads (getsockname(), UDP input's match). */
static inline void
dps_sock_set_laddr(struct dps_sock *sk, uint32_t a)
{
	__atomic_store_n(&sk->tup.laddr, a, __ATOMIC_RELEASE);
}

/* The bound local port, network order. Acquire: pairs with
 * dps_sock_set_lport(). */
static inline uint16_t
dps_sock_lport(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->tup.lport, __ATOMIC_ACQUIRE);
}

/* Set the local port. Release: publishes the port map's hold taken
 * before it to dps_sock_lport() (getsockname() on another thread). */
static inline void
dps_sock_set_lport(struct dps_sock *sk, uint16_t p)
{
	__atomic_store_n(&sk->tup.lport, p, __ATOMIC_RELEASE);
}

/* ---- bind()'s hold on the port ---- */

/* Whether bind() or listen() holds the port. sock_unbind() at close
 * stores bind_hold, then clears the flag; dps_tw_bind_hold() on the lcore
 * reads the flag, then takes bind_hold, so a cleared flag means the hold
 * is there to take. That is message passing, for which a release store
 * and an acquire load would do; SEQ_CST is kept as it was, out of
 * caution, on these cold paths (bind, close, entering TIME_WAIT). */
static inline bool
dps_sock_explicit_bind(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->explicit_bind, __ATOMIC_SEQ_CST);
}

/* Set or clear the explicit bind; SEQ_CST, as dps_sock_explicit_bind(). */
static inline void
dps_sock_set_explicit_bind(struct dps_sock *sk, bool v)
{
	__atomic_store_n(&sk->explicit_bind, v, __ATOMIC_SEQ_CST);
}

/* Store bind()'s hold (DPS_PORT_*), kept past close. SEQ_CST: pairs with
 * the exchange in dps_sock_take_bind_hold() on the lcore, ordered with
 * dps_sock_set_explicit_bind() as that comment says. */
static inline void
dps_sock_set_bind_hold(struct dps_sock *sk, uint8_t h)
{
	__atomic_store_n(&sk->bind_hold, h, __ATOMIC_SEQ_CST);
}

/* Take bind()'s hold, leaving DPS_PORT_FREE: exactly one taker releases
 * it. SEQ_CST: pairs with dps_sock_set_bind_hold(). */
static inline uint8_t
dps_sock_take_bind_hold(struct dps_sock *sk)
{
	return __atomic_exchange_n(&sk->bind_hold, DPS_PORT_FREE, __ATOMIC_SEQ_CST);
}

/* close() must send a RST (SO_LINGER 0, an aborted child). Release:
 * publishes it to dps_sock_abort_on_close() in the lcore's close
 * (dps_tcp_do_close()). */
static inline void
dps_sock_set_abort_on_close(struct dps_sock *sk, bool v)
{
	__atomic_store_n(&sk->abort_on_close, v, __ATOMIC_RELEASE);
}

/* Acquire: pairs with dps_sock_set_abort_on_close(). */
static inline bool
dps_sock_abort_on_close(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->abort_on_close, __ATOMIC_ACQUIRE) != 0;
}

/* ---- the wake-up protocol (dps_sock_wake.c) ---- */

/* A blocking call about to sleep (NULL: it no longer does). SEQ_CST:
 * the sleeper stores itself, then re-reads the state (store-load); the
 * lcore publishes the state, then takes the waiter in dps_sock_notify()
 * with dps_sock_take_waiter(). Acquire/release cannot order a store
 * before a later load, so both sides are SEQ_CST. */
static inline void
dps_sock_set_waiter(struct dps_sock *sk, struct dps_thread *t)
{
	__atomic_store_n(&sk->waiter, dps_thread_num(t), __ATOMIC_SEQ_CST);
}

/* Take the sleeping thread to wake it. SEQ_CST: the other half of
 * dps_sock_set_waiter()'s store-load pattern. */
static inline struct dps_thread *
dps_sock_take_waiter(struct dps_sock *sk)
{
	uint16_t n = __atomic_exchange_n(&sk->waiter, 0, __ATOMIC_SEQ_CST);

	return n == 0 ? NULL : dps_thread_of_num(n);
}

/* A thread in dps_poll() about to sleep. SEQ_CST: as
 * dps_sock_set_waiter(), against dps_sock_take_poller(). */
static inline void
dps_sock_set_poller(struct dps_sock *sk, struct dps_thread *t)
{
	__atomic_store_n(&sk->poller, dps_thread_num(t), __ATOMIC_SEQ_CST);
}

/* Take the polling thread to wake it; SEQ_CST, as dps_sock_take_waiter(). */
static inline struct dps_thread *
dps_sock_take_poller(struct dps_sock *sk)
{
	uint16_t n = __atomic_exchange_n(&sk->poller, 0, __ATOMIC_SEQ_CST);

	return n == 0 ? NULL : dps_thread_of_num(n);
}

/* The epoll set the socket is on, if any. SEQ_CST: the lcore publishes
 * readiness, then loads ep in dps_sock_notify() (store-load); epoll_wait()
 * arms its set, then scans the sockets' readiness. */
static inline struct dps_ep *
dps_sock_ep(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->ep, __ATOMIC_SEQ_CST);
}

/* Replace @old by @new as the socket's epoll set; false if it was not
 * @old. SEQ_CST: pairs with dps_sock_ep() in dps_sock_notify(), as the
 * waiter's store pairs with dps_sock_take_waiter(). */
static inline bool
dps_sock_ep_cas(struct dps_sock *sk, struct dps_ep *old, struct dps_ep *new)
{
	return __atomic_compare_exchange_n(&sk->ep, &old, new, false,
		__ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

/* Detach the socket from its epoll set, returning it; SEQ_CST, as
 * dps_sock_ep_cas(). */
static inline struct dps_ep *
dps_sock_take_ep(struct dps_sock *sk)
{
	return __atomic_exchange_n(&sk->ep, NULL, __ATOMIC_SEQ_CST);
}

/* ---- the data path's rings and counters ---- */

/* The socket's receive ring or NULL (none yet: nothing queued). The
 * acquire pairs with the release in dps_sock_publish_rxq(), so the ring's
 * header is seen initialised. */
static inline struct rte_ring *
dps_sock_rxq(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->rxq, __ATOMIC_ACQUIRE);
}

/* Install a receive ring (dps_tcp_rxq_make(), UDP's at creation) or
 * forget one (pool teardown). Release: publishes the ring's header to
 * the acquire in dps_sock_rxq(). */
static inline void
dps_sock_publish_rxq(struct dps_sock *sk, struct rte_ring *r)
{
	__atomic_store_n(&sk->rxq, r, __ATOMIC_RELEASE);
}

/* The socket's send ring or NULL (nothing was ever written); the acquire
 * pairs with dps_sock_install_txq(). */
static inline struct rte_ring *
dps_sock_txq(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->txq, __ATOMIC_ACQUIRE);
}

/* Install @mine as the send ring if there is none (*@cur: what was
 * seen; updated on failure). Acq_rel: the release publishes the ring's
 * header to dps_sock_txq(); the acquire on failure sees the winner's. */
static inline bool
dps_sock_install_txq(struct dps_sock *sk, struct rte_ring **cur,
	struct rte_ring *mine)
{
	return __atomic_compare_exchange_n(&sk->txq, cur, mine, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Set the send ring of a socket no other thread uses (kept across the
 * pool object's reuse by dps_sock_init(), forgotten at the pool's
 * teardown). Release, as dps_sock_install_txq(). */
static inline void
dps_sock_reset_txq(struct dps_sock *sk, struct rte_ring *r)
{
	__atomic_store_n(&sk->txq, r, __ATOMIC_RELEASE);
}

/* Bytes queued to send and not yet acknowledged. Acquire: pairs with
 * the releases in dps_sock_snd_queued_add() (writers) and
 * dps_sock_snd_queued_sub() (the lcore, as data is acknowledged). */
static inline uint32_t
dps_sock_snd_queued(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->snd_queued, __ATOMIC_ACQUIRE);
}

/* Acq_rel: publishes the writer's reservation to dps_sock_snd_queued()
 * on the lcore and other writers, and sees theirs. */
static inline void
dps_sock_snd_queued_add(struct dps_sock *sk, uint32_t n)
{
	__atomic_fetch_add(&sk->snd_queued, n, __ATOMIC_ACQ_REL);
}

/* Acq_rel: publishes freed send space to dps_sock_snd_queued() in
 * tcp_writable() and sendmsg()'s space check. */
static inline void
dps_sock_snd_queued_sub(struct dps_sock *sk, uint32_t n)
{
	__atomic_fetch_sub(&sk->snd_queued, n, __ATOMIC_ACQ_REL);
}

/*
 * Bytes written and not yet sent: Linux's write_seq - snd_nxt. The
 * writer's count (written, not acknowledged) less what the lcore has
 * sent of it. The TCB's sequence numbers are the lcore's: relaxed reads
 * make a snapshot that may mix two moments, as TCP_INFO's does.
 */
static inline uint32_t
dps_tcp_notsent(const struct dps_sock *sk)
{
	uint32_t q = dps_sock_snd_queued(sk);
	/* Relaxed: a figure, nothing is read on its strength. */
	uint32_t sent = __atomic_load_n(&sk->tcb.snd_nxt, __ATOMIC_RELAXED) -
		__atomic_load_n(&sk->tcb.snd_una, __ATOMIC_RELAXED);

	return sent < q ? q - sent : 0;
}

/* Bytes delivered to rxq and not yet read. Acquire: pairs with
 * dps_sock_rcv_queued_add() (the lcore) and dps_sock_rcv_queued_sub()
 * (the reader). */
static inline uint32_t
dps_sock_rcv_queued(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->rcv_queued, __ATOMIC_ACQUIRE);
}

/* The lcore queued @n bytes. Release: publishes them to the reader's
 * dps_sock_rcv_queued(). */
static inline void
dps_sock_rcv_queued_add(struct dps_sock *sk, uint32_t n)
{
	__atomic_fetch_add(&sk->rcv_queued, n, __ATOMIC_RELEASE);
}

/* The reader consumed @n bytes. Acq_rel: publishes the freed space to
 * the lcore's dps_sock_rcv_queued() (the window it announces). */
static inline void
dps_sock_rcv_queued_sub(struct dps_sock *sk, uint32_t n)
{
	__atomic_fetch_sub(&sk->rcv_queued, n, __ATOMIC_ACQ_REL);
}

/* The window the lcore last announced. Acquire: pairs with
 * dps_sock_publish_rcv_wnd() in dps_tcp_output(). */
static inline uint32_t
dps_sock_rcv_wnd(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->rcv_wnd_pub, __ATOMIC_ACQUIRE);
}

/* Release: publishes the announced window to the reader's
 * dps_sock_rcv_wnd() (when to post a window update). */
static inline void
dps_sock_publish_rcv_wnd(struct dps_sock *sk, uint32_t w)
{
	__atomic_store_n(&sk->rcv_wnd_pub, w, __ATOMIC_RELEASE);
}

/* The reader's partly read mbuf, as another thread sees it (poll).
 * Acquire: pairs with dps_sock_set_rx_cur(). */
static inline struct rte_mbuf *
dps_sock_rx_cur(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->rx_cur, __ATOMIC_ACQUIRE);
}

/* The reader (holding rx_busy) keeps or drops a partly read mbuf.
 * Release: publishes it to dps_sock_rx_cur() in tcp_readable(). */
static inline void
dps_sock_set_rx_cur(struct dps_sock *sk, struct rte_mbuf *m)
{
	__atomic_store_n(&sk->rx_cur, m, __ATOMIC_RELEASE);
}

/* Bytes received in order and not yet read (Linux's tcp_inq()): the
 * queued count less what was read of the partly read mbuf. */
static inline uint32_t
dps_tcp_inq(const struct dps_sock *sk)
{
	uint32_t q = dps_sock_rcv_queued(sk);
	/* Relaxed: the reader's offset, a figure as dps_tcp_notsent()'s. */
	uint32_t off = __atomic_load_n(&sk->rx_cur_off, __ATOMIC_RELAXED);

	if (dps_sock_rx_cur(sk) == NULL)
		return q;
	return off < q ? q - off : 0;
}

/* Claim a kick flag (tx_kick, wnd_kick): true when this caller must
 * post the message. SEQ_CST: the writer queues (txq, rcv_queued) then
 * claims the flag, the lcore clears it with dps_sock_kick_clear() then
 * drains the queue: a store-load pattern on each side, so that one of
 * them sees the other's work and no message is lost. */
static inline bool
dps_sock_kick_claim(uint8_t *flag)
{
	return __atomic_exchange_n(flag, 1, __ATOMIC_SEQ_CST) == 0;
}

/* Clear a kick flag (the lcore took the message, or the post failed).
 * SEQ_CST: the other half of dps_sock_kick_claim(). */
static inline void
dps_sock_kick_clear(uint8_t *flag)
{
	__atomic_store_n(flag, 0, __ATOMIC_SEQ_CST);
}

/* Take turns on rx_busy / tx_busy (lock_sock()'s part for one
 * direction). Acquire: pairs with the release in dps_sock_busy_give(),
 * so the previous holder's rx_cur / reservation is seen. */
static inline void
dps_sock_busy_take(uint8_t *flag)
{
	while (__atomic_exchange_n(flag, 1, __ATOMIC_ACQUIRE) != 0)
		sched_yield();
}

/* Release: publishes this holder's writes to the next dps_sock_busy_take(). */
static inline void
dps_sock_busy_give(uint8_t *flag)
{
	__atomic_store_n(flag, 0, __ATOMIC_RELEASE);
}

/* Options the owning lcore reads while setsockopt() may change them
 * (keepalive, nodelay, keepidle_s, keepintvl_s, keepcnt,
 * user_timeout_ms). Relaxed: each is a value on its own; the window
 * kick that follows a change (dps_tcp_kick_wnd()) carries the ordering
 * through the request ring. Macros, as the fields differ in type. */
#define dps_sock_opt(sk, f) __atomic_load_n(&(sk)->opt.f, __ATOMIC_RELAXED)
#define dps_sock_set_opt(sk, f, v) \
	__atomic_store_n(&(sk)->opt.f, (v), __ATOMIC_RELAXED)

/* An option flag (DPS_OPT_*). Relaxed, as dps_sock_opt(). */
static inline bool
dps_sock_flag(const struct dps_sock *sk, uint8_t bit)
{
	return (dps_sock_opt(sk, flags) & bit) != 0;
}

/* Set or clear an option flag; relaxed, as dps_sock_set_opt(), and
 * atomic so that two setsockopt() calls do not undo each other. */
static inline void
dps_sock_set_flag(struct dps_sock *sk, uint8_t bit, bool on)
{
	if (on)
		__atomic_fetch_or(&sk->opt.flags, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&sk->opt.flags, (uint8_t)~bit, __ATOMIC_RELAXED);
}

/* Take an option flag the lcore acts on once. Relaxed, as
 * dps_sock_flag(): the window kick that follows orders it. */
static inline bool
dps_sock_flag_take(struct dps_sock *sk, uint8_t bit)
{
	return (__atomic_fetch_and(&sk->opt.flags, (uint8_t)~bit,
		__ATOMIC_RELAXED) & bit) != 0;
}

/* The TTL of the socket's IPv4 headers: IP_TTL, or the default. */
static inline uint8_t
dps_sock_ip_ttl(const struct dps_sock *sk)
{
	uint8_t ttl = dps_sock_opt(sk, ip_ttl);

	return ttl != 0 ? ttl : DPS_IP_TTL;
}

/* The TTL and TOS of the socket's IPv4 headers (IP_TTL, IP_TOS), set
 * in a header dps_ipv4_build() wrote (its checksum is filled later). */
static inline void
dps_sock_ip_marks(const struct dps_sock *sk, struct rte_ipv4_hdr *ip)
{
	ip->time_to_live = dps_sock_ip_ttl(sk);
	ip->type_of_service = dps_sock_opt(sk, ip_tos);
}

/* ---- passive open ---- */

/* A listener's queues or NULL. Acquire: pairs with dps_sock_publish_lst(),
 * so the accept ring's header is seen. */
static inline struct dps_listener *
dps_sock_lst(const struct dps_sock *sk)
{
	uintptr_t w = __atomic_load_n(&sk->link, __ATOMIC_ACQUIRE);

	return (w & DPS_LINK_PARENT) != 0 ? NULL : (struct dps_listener *)w;
}

/* Release: publishes a listener's new queues (or their end, at free) to
 * the acquire in dps_sock_lst() on any lcore or thread. The socket has
 * no listener of its own then (a listener, or one accepted or never a
 * child). */
static inline void
dps_sock_publish_lst(struct dps_sock *sk, struct dps_listener *l)
{
	__atomic_store_n(&sk->link, (uintptr_t)l, __ATOMIC_RELEASE);
}

/* A child's listener (referenced), or NULL. Acquire: pairs with the
 * release half of dps_sock_take_parent() and dps_sock_set_parent(). */
static inline struct dps_sock *
dps_sock_parent(const struct dps_sock *sk)
{
	uintptr_t w = __atomic_load_n(&sk->link, __ATOMIC_ACQUIRE);

	return (w & DPS_LINK_PARENT) != 0 ?
		(struct dps_sock *)(w & ~DPS_LINK_PARENT) : NULL;
}

/* Release: publishes a new child's link to its listener before the
 * child is in any table. */
static inline void
dps_sock_set_parent(struct dps_sock *sk, struct dps_sock *l)
{
	__atomic_store_n(&sk->link, l != NULL ? (uintptr_t)l | DPS_LINK_PARENT : 0,
		__ATOMIC_RELEASE);
}

/* Take the child's link to its listener: exactly one of accept() and the
 * lcore's teardown drops the reference. Acq_rel: pairs with itself on
 * the other side and with dps_sock_set_parent(). A word without the tag
 * is not a parent and stays (no child has queues of its own, so that is
 * 0 in practice). */
static inline struct dps_sock *
dps_sock_take_parent(struct dps_sock *sk)
{
	/* Relaxed: a first guess for the compare-and-swap. */
	uintptr_t w = __atomic_load_n(&sk->link, __ATOMIC_RELAXED);

	do {
		if ((w & DPS_LINK_PARENT) == 0)
			return NULL;
	} while (!__atomic_compare_exchange_n(&sk->link, &w, 0, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return (struct dps_sock *)(w & ~DPS_LINK_PARENT);
}

/* The accept queue's limit. Relaxed: compared on its own by the lcore
 * (syn_queue_full) against dps_lst_synq(). */
static inline uint32_t
dps_lst_backlog(const struct dps_listener *l)
{
	return __atomic_load_n(&l->backlog, __ATOMIC_RELAXED);
}

/* listen() sets the limit. Release: as it was (a later listen() on a
 * live listener); the lcores read it relaxed in dps_lst_backlog(). */
static inline void
dps_lst_set_backlog(struct dps_listener *l, uint32_t n)
{
	__atomic_store_n(&l->backlog, n, __ATOMIC_RELEASE);
}

/* Children in SYN_RECV, counted by every lcore. Relaxed: a count
 * compared against the backlog, no data published with it. */
static inline uint32_t
dps_lst_synq(const struct dps_listener *l)
{
	return __atomic_load_n(&l->synq, __ATOMIC_RELAXED);
}

/* Relaxed, as dps_lst_synq(). */
static inline void
dps_lst_synq_add(struct dps_listener *l, int d)
{
	__atomic_fetch_add(&l->synq, (uint32_t)d, __ATOMIC_RELAXED);
}

/* ---- port maps (dps_portmap.c) ---- */

/* TCP port @port's word (binders, connections, listening). Acquire:
 * pairs with the acq_rel updates in dps_portmap.c. */
static inline uint64_t
dps_tcp_port_word(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->tcp_ports[port], __ATOMIC_ACQUIRE);
}

/* The same for the port's IPv6 word. */
static inline uint64_t
dps_tcp6_port_word(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->tcp6_ports[port], __ATOMIC_ACQUIRE);
}

/* Relaxed: for a statistic (dps_inet_stats) that publishes nothing; the
 * port's two words or'ed. */
static inline uint64_t
dps_tcp_port_word_relaxed(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->tcp_ports[port], __ATOMIC_RELAXED) |
		__atomic_load_n(&ss->tcp6_ports[port], __ATOMIC_RELAXED);
}

/* The UDP socket bound to @port, or NULL. Acquire: pairs with the
 * acq_rel compare-and-swap in dps_port_bind_udp(), so the socket's bound
 * address is seen. */
static inline struct dps_sock *
dps_udp_port_sock(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->udp_ports[port], __ATOMIC_ACQUIRE);
}

/* Relaxed: for a statistic, as dps_tcp_port_word_relaxed(). */
static inline struct dps_sock *
dps_udp_port_sock_relaxed(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->udp_ports[port], __ATOMIC_RELAXED);
}

/* Swap @port's UDP socket from *@old to @new; acq_rel: publishes the
 * socket to dps_udp_port_sock() on the lcores. */
static inline bool
dps_udp_port_cas(struct dps_sockets *ss, uint16_t port, struct dps_sock **old,
	struct dps_sock *new)
{
	return __atomic_compare_exchange_n(&ss->udp_ports[port], old, new, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The listener on @port, or NULL. Acquire: pairs with
 * dps_publish_listener(), so its queues and address are seen. */
static inline struct dps_sock *
dps_listener_of(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->listeners[port], __ATOMIC_ACQUIRE);
}

/* Release: publishes listener @sk (its lst, backlog, address) to the
 * lcores' dps_listener_of(). */
static inline void
dps_publish_listener(struct dps_sockets *ss, uint16_t port, struct dps_sock *sk)
{
	__atomic_store_n(&ss->listeners[port], sk, __ATOMIC_RELEASE);
}

/* Remove @sk as @port's listener if it still is; acq_rel, so exactly
 * one stop drops the slot's reference. */
static inline bool
dps_unpublish_listener(struct dps_sockets *ss, uint16_t port, struct dps_sock *sk)
{
	return __atomic_compare_exchange_n(&ss->listeners[port], &sk, NULL, false,
		__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* @port's listener of IPv6 SYNs, or NULL: as dps_listener_of(). */
static inline struct dps_sock *
dps_listener6_of(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->listeners6[port], __ATOMIC_ACQUIRE);
}

/* As dps_publish_listener(), for IPv6 SYNs. */
static inline void
dps_publish_listener6(struct dps_sockets *ss, uint16_t port, struct dps_sock *sk)
{
	__atomic_store_n(&ss->listeners6[port], sk, __ATOMIC_RELEASE);
}

/* As dps_unpublish_listener(), for IPv6 SYNs. */
static inline bool
dps_unpublish_listener6(struct dps_sockets *ss, uint16_t port, struct dps_sock *sk)
{
	return __atomic_compare_exchange_n(&ss->listeners6[port], &sk, NULL, false,
		__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* @port's SO_REUSEPORT group, or NULL. Acquire: pairs with the release
 * in dps_rgroup_get() that publishes a new group. */
static inline struct dps_rgroup *
dps_rgroup_of(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->rgroups[port], __ATOMIC_ACQUIRE);
}

/* The same for UDP @port. */
static inline struct dps_rgroup *
dps_rgroup_of_udp(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->ugroups[port], __ATOMIC_ACQUIRE);
}

/* ---- SO_REUSEPORT groups (dps_tcp_reuseport.c, dps_udp_reuseport.c) ---- */
/* Under rgroup_lock: the group in *@slot, made if there is none; NULL
 * when memory runs out. */
struct dps_rgroup *dps_rgroup_get(struct dps_rgroup **slot);
/* Under rgroup_lock: append @sk to @g with a reference (the group's);
 * 0 or -ENOBUFS (full). */
int dps_rgroup_add(struct dps_rgroup *g, struct dps_sock *sk);
/* Under rgroup_lock: remove @sk from @g; true when it was there (the
 * caller then drops the group's reference, after the lock). */
bool dps_rgroup_del(struct dps_rgroup *g, struct dps_sock *sk);

/* UDP: @sk binds @port that a socket holds (0 when both set SO_REUSEPORT,
 * or the port came free), leaves it, and the member for a datagram. */
int dps_ugroup_join(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
void dps_ugroup_leave(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
struct dps_sock *dps_ugroup_pick(const struct dps_sockets *ss, uint32_t src,
	uint16_t sport, uint32_t dst, uint16_t dport);
/* The same over the IPv6 port map (udp6_ports, ugroups6). */
int dps_ugroup_join6(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
void dps_ugroup_leave6(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
struct dps_sock *dps_ugroup_pick6(const struct dps_sockets *ss, const uint8_t src[16],
	uint16_t sport, const uint8_t dst[16], uint16_t dport);

/* Linux's reciprocal_scale(): hash @h into [0, @n). */
static inline uint32_t
dps_rgroup_scale(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

/* Listener @sk joins its port's group: 0, -ENOMEM, -ENOBUFS (full). */
int dps_rgroup_join(struct dps_sock *sk);
/* Listener @sk leaves its port's group (the group's reference goes). */
void dps_rgroup_leave(struct dps_sock *sk);

/* ---- readiness (dps_sock_wake.c) ---- */
/* The poll mask Linux would report now (tcp_poll(), udp_poll()). */
uint32_t dps_sock_events(const struct dps_sock *sk);
/* An lcore changed what dps_sock_events() returns: wake the waiter, the
 * epoll set and the callbacks. @what: the dps_sock_cbs event that fired
 * (DPS_CB_*). */
enum { DPS_CB_NONE, DPS_CB_CONNECTED, DPS_CB_ERROR, DPS_CB_READABLE, DPS_CB_WRITABLE,
	DPS_CB_ACCEPTABLE };
void dps_sock_notify(struct dps_sock *sk, int what);
/* The number (1..DPS_CBSETS_MAX) of the callback set equal to @cbs,
 * added if new; -ENOBUFS when the table is full. Any thread. */
int dps_sock_cbs_intern(struct dps_sockets *ss, const struct dps_sock_cbs *cbs);
/* Sleep until done(sk), @timeout_ns (0: forever) or a stopped stack:
 * 0, -EAGAIN (timed out) or -ESHUTDOWN. */
int dps_sock_wait(struct dps_sock *sk, bool (*done)(struct dps_sock *sk),
	uint64_t timeout_ns);

/* ---- ports (dps_portmap.c) ---- */
int dps_port_bind_tcp(struct dps_sockets *ss, uint16_t port, bool reuse, bool rp);
void dps_port_unbind_tcp(struct dps_sockets *ss, uint16_t port);
uint8_t dps_port_connect_take(struct dps_sockets *ss, uint16_t port, bool reuse);
uint8_t dps_port_hold(struct dps_sockets *ss, rte_be16_t lport, bool reuse);
void dps_port_release(struct dps_sockets *ss, rte_be16_t lport, uint8_t *held);
bool dps_port_listen(struct dps_sockets *ss, uint16_t port, bool rp);
void dps_port_unlisten(struct dps_sockets *ss, uint16_t port);
bool dps_port_is_listening(const struct dps_sockets *ss, uint16_t port);
int dps_port_bind_any_tcp(struct dps_sockets *ss, bool reuse, bool rp,
	uint16_t *port);
/* The same for an AF_INET6 stream socket, in the words of @maps
 * (DPS_UMAP_V4: the port's IPv4 word, DPS_UMAP_V6: its IPv6 word; a
 * dual-stack socket is in both, dps_portmap.c). */
int dps_port_bind_tcp6(struct dps_sockets *ss, uint16_t port, bool reuse, bool rp,
	uint8_t maps);
void dps_port_unbind_tcp6(struct dps_sockets *ss, uint16_t port, uint8_t maps);
bool dps_port_listen6(struct dps_sockets *ss, uint16_t port, bool rp, uint8_t maps);
void dps_port_unlisten6(struct dps_sockets *ss, uint16_t port, uint8_t maps);
bool dps_port_is_listening6(const struct dps_sockets *ss, uint16_t port);
uint8_t dps_port_connect_take6(struct dps_sockets *ss, uint16_t port, bool reuse);
uint8_t dps_port_hold6(struct dps_sockets *ss, rte_be16_t lport, bool reuse);
/* A stream socket's port, of either family: listen() (false: in use),
 * its end, and unbind (the words its bind() took). */
bool dps_sock_port_listen(struct dps_sock *sk);
void dps_sock_port_unlisten(struct dps_sock *sk);
void dps_sock_port_unbind_tcp(struct dps_sock *sk);
/* A hold on @sk's port for its connection (IPv4 or IPv6 word). */
uint8_t dps_sock_port_hold(struct dps_sock *sk);
int dps_port_bind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
int dps_port_bind_any_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t *port);
void dps_port_unbind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
/* Lcore index that owns tuple @t: the RSS hash of the peer's packets
 * through the stack's redirection table. */
unsigned int dps_flow_owner(const struct dps_sockets *ss, const struct dps_tuple *t);
/* The same for an IPv6 tuple (the Toeplitz hash over both addresses and
 * the ports, as a NIC computes RSS_HASH_TCP_IPV6 / UDP_IPV6). */
unsigned int dps_flow_owner6(const struct dps_sockets *ss, const struct dps_tuple6 *t);
/* dps_flow_owner6()'s Toeplitz input for @t, in host order: the peer's
 * address, ours, then rport << 16 | lport (RTE_THASH_V6_L4_LEN words). */
void dps_flow_input6(const struct dps_tuple6 *t, uint32_t in[9]);

/* ---- AF_INET6 datagram sockets (dps_udp6*.c) ---- */

/* Whether @sk is an AF_INET6 socket. Relaxed: set before the socket is
 * published, never changed. */
static inline bool
dps_sock_is6(const struct dps_sock *sk)
{
	return dps_sock_flag(sk, DPS_OPT_INET6);
}

/* The IPv6 side of an AF_INET6 socket. */
static inline struct dps_sock6_side *
dps_sock6(struct dps_sock *sk)
{
	return &((struct dps_sock6 *)sk)->v6;
}

static inline const struct dps_sock6_side *
dps_sock6_c(const struct dps_sock *sk)
{
	return &((const struct dps_sock6 *)sk)->v6;
}

/* The socket taking @port's IPv6 datagrams, or NULL (dps_udp6_port.c).
 * Acquire: pairs with the acq_rel compare-and-swap that took the slot,
 * so the socket's bound address is seen. */
static inline struct dps_sock *
dps_udp6_port_sock(const struct dps_sockets *ss, uint16_t port)
{
	return __atomic_load_n(&ss->udp6_ports[port], __ATOMIC_ACQUIRE);
}

/* ::ffff:@v4 into @a (RFC 4291 2.5.5.2). */
static inline void
dps_ip6_set_mapped(uint8_t a[16], uint32_t v4)
{
	memset(a, 0, 10);
	a[10] = 0xff;
	a[11] = 0xff;
	memcpy(&a[12], &v4, 4);
}

/* The IPv4 address of a v4-mapped @a (network order). */
static inline uint32_t
dps_ip6_mapped_v4(const uint8_t a[16])
{
	uint32_t v4;

	memcpy(&v4, &a[12], 4);
	return v4;
}

/* The UDP slot's IPv6 input and ICMPv6 errors (dps_udp6.c). */
void dps_udp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now);
void dps_udp_err6(struct dps_lcore *lc, const struct dps_icmp6_view *icmp,
	int err, bool fatal, uint64_t now);
/* The UDP slot's messages: DPS_MSG_UDP6_TX (dps_udp6_send.c). */
#define DPS_MSG_UDP6_TX DPS_OP(DPS_PROTO_UDP, DPS_MSG_MBUF | 1)	/* ptr: an IPv6 datagram to route */
void dps_udp6_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now);

/* Port maps of an AF_INET6 datagram socket (dps_udp6_port.c): the maps
 * its bound address and IPV6_V6ONLY say it listens on (DPS_UMAP_*). */
uint8_t dps_udp6_maps_for(const struct dps_sock *sk);
/* Bind @port (0: any free one) in the maps dps_udp6_maps_for() names;
 * the port is published in the tuple. 0, -EADDRINUSE, or for a named
 * port shared by SO_REUSEPORT -ENOMEM or -ENOBUFS. */
int dps_udp6_bind_port(struct dps_sock *sk, uint16_t port);
/* Give the port maps' slots back (close, disconnect). */
void dps_udp6_unbind_port(struct dps_sock *sk, uint16_t port);

/* Where an AF_INET6 socket's datagram to @dst goes (dps_udp6_route.c),
 * as ip6_dst_lookup_flow() would answer it: 0 with the source RFC 6724
 * picks (or the bound one) in @src, or -ENETUNREACH (no route, or the
 * destination is ours or ::, which Linux reaches through loopback),
 * -EADDRNOTAVAIL (no usable source), -EAFNOSUPPORT (a v4-mapped
 * source), -ENODEV (a scope id beyond the interfaces). Any thread: routes and addresses are fixed once
 * the stack runs; DAD's verdicts are read with dps_stack_addr6_state()'s
 * ordering. */
int dps_udp6_route(struct dps_sock *sk, const uint8_t dst[16], uint32_t scope,
	uint8_t src[16]);
/* Whether @a is one of the stack's usable IPv6 addresses (on interface
 * @scope - 1 alone when @scope is not 0). */
bool dps_udp6_is_ours(const struct dps_stack *s, const uint8_t a[16], uint32_t scope);

/* sendto(2) of an AF_INET6 datagram socket (dps_udp6_send.c): a count
 * or a negative errno. @to NULL: the connected peer. */
ssize_t dps_udp6_send(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr *to, socklen_t tolen);

/* ---- TCP, for the socket layer ---- */
/* Passive open (dps_tcp_listen.c). */
int dps_tcp_listen_start(struct dps_sock *sk, int backlog);
void dps_tcp_listen_stop(struct dps_sock *sk);
/* Stream data calls (dps_tcp_stream.c): a count, 0, or a negative errno. */
struct iovec;
ssize_t dps_tcp_sendv(struct dps_sock *sk, const struct iovec *iov, int iovcnt,
	int flags);
ssize_t dps_tcp_recvv(struct dps_sock *sk, const struct iovec *iov, int iovcnt,
	int flags);
/* TCP_INQ's figure after a read (tcp_inq_hint()): the bytes not read,
 * and the peer's FIN as one more, as rcv_nxt - copied_seq counts it. */
uint32_t dps_tcp_inq_hint(const struct dps_sock *sk);
ssize_t dps_tcp_send_mbuf(struct dps_sock *sk, struct rte_mbuf *m);
/* *@more (when not NULL): after an mbuf, whether a read now would give
 * more than EAGAIN; false on every other return. */
ssize_t dps_tcp_recv_mbuf(struct dps_sock *sk, struct rte_mbuf **out, bool *more);
int dps_tcp_shutdown(struct dps_sock *sk, int how);
/* Take an established child of listener @sk (waiting as it may): 0, the
 * child in *@child with the accept queue's reference, or a negative
 * errno. */
int dps_tcp_accept(struct dps_sock *sk, int flags, struct dps_sock **child);
/* Ask the owner to re-read settings (keepalive); no-op without owner. */
void dps_tcp_kick_wnd(struct dps_sock *sk);
/* A child's hold on its listener ends (accepted, or gone). */
void dps_tcp_child_gone(struct dps_sock *sk);
/* Stream buffers of a socket going back to the pool. */
void dps_tcp_bufs_free(struct dps_sock *sk);
/* The send buffer and out-of-order queue of the cold half (dps_tcp_data.c). */
void dps_tcp_cold_bufs_free(struct dps_sock *sk);
/* Give the TCB's cold half back to the pool, with the send buffer and
 * out-of-order queue it holds, whatever its state
 * (dps_tcp_ext.c): the connection is over or the socket freed. */
void dps_tcp_x_drop(struct dps_sock *sk);

/* ---- UDP (dps_udp.c) ---- */
int dps_udp_register(struct dps_stack *s);
int dps_udp_rxq_init(struct dps_sock *sk);
/* sendto(2) / recvfrom(2) on a datagram socket: a count or a negative
 * errno. */
ssize_t dps_udp_send(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr *to, socklen_t tolen);
ssize_t dps_udp_recv(struct dps_sock *sk, void *buf, size_t len, int flags,
	struct sockaddr *from, socklen_t *fromlen);
/* What recvmsg(2) learns of a datagram besides its bytes. */
struct dps_udp_from {
	union {
		struct sockaddr_in sin;	/* the sender, to an AF_INET socket */
		struct sockaddr_in6 sin6;	/* to an AF_INET6 one */
	};
	socklen_t len;			/* the name's length */
	int flags;			/* MSG_TRUNC: cut to the buffers */
};
/* recvmsg(2) on a datagram socket (udp_recvmsg()): MSG_PEEK leaves the
 * datagram, MSG_TRUNC returns its whole length. */
ssize_t dps_udp_recvmsg(struct dps_sock *sk, const struct iovec *iov, int iovcnt,
	int flags, struct dps_udp_from *from);
/* SIOCINQ: the next datagram's payload length, 0 when none. */
uint32_t dps_udp_inq(struct dps_sock *sk);
/* A datagram waits (udp_poll()'s POLLIN). */
bool dps_udp_has_data(const struct dps_sock *sk);

/* ---- compact idle connections, as the descriptor table meets them
 * (dps_tcp_idle.c) ---- */
/* Turn the idle connection @o that descriptor @fd named back into its
 * socket: inline on its lcore, else by request, waiting. 0 when the
 * caller should read the descriptor's slot again (woken, or woken by
 * someone else, or closed meanwhile); a negative errno when it cannot be
 * (ENOBUFS: no socket free; a stopped stack's error). */
int dps_idle_wake_fd(int fd, struct dps_obj *o);
/* The stack of idle connection @o (its descriptor's, for teardown and
 * listings). */
struct dps_stack *dps_idle_stack(const struct dps_obj *o);
/* The descriptor table's swap of a slot from one object to another if it
 * still holds the first (the socket layer installs it: the table is
 * above this layer). */
void dps_idle_set_fd_swap(bool (*fn)(int fd, struct dps_obj *old,
	struct dps_obj *nw));

/* ---- the socket object (dps_sock_obj.c, dps_portmap.c) ---- */
/* A fresh socket object, one reference. */
void dps_sock_init(struct dps_sock *sk, struct dps_stack *s, int type, int proto,
	bool nonblock);
/* Then for an AF_INET6 socket (a struct dps_sock6 of pool6). */
void dps_sock6_init(struct dps_sock *sk);
void dps_obj_ref(struct dps_obj *o);
bool dps_obj_tryref(struct dps_obj *o);
/* Drop a reference; the last one returns the socket to the pool. */
void dps_sock_put(struct dps_sock *sk);
/* Run request @op for @sk on lcore @idx (inline on that lcore, else
 * through its ring); 0 or a negative errno. */
int dps_sock_lcore_call(struct dps_sock *sk, unsigned int idx, int op);
/* Hand @sk's reference to its owner's close (inline on that lcore, else
 * by message, waiting out a full ring). */
void dps_sock_post_close(struct dps_sock *sk);
/* ip_route_connect()'s checks of @dst for @sk: 0 or a negative errno. */
int dps_route_check(struct dps_sock *sk, uint32_t dst);
/* A local port: @port, or any free one for 0 (dps_portmap.c). */
int dps_sock_bind_port(struct dps_sock *sk, uint16_t port);
int dps_sock_autobind(struct dps_sock *sk);
/* An rte_ring in rte_malloc memory (no memzone), or NULL. */
struct rte_ring *dps_ring_make(const char *name, unsigned int count,
	unsigned int flags);

/* ---- the transport in a stack (dps_inet_stack.c) ---- */
/* Register the transport's slots with a new stack. */
int dps_inet_register(struct dps_stack *s);
/* Look @sk's connection up in lcore @idx's table of its family from any
 * thread (dps_ctab_find()): 0 or -ENOENT. */
int dps_conn_read(struct dps_sock *sk, unsigned int idx, struct dps_conn_info *out);
/* Clocks and sleeps for waiting threads (dps_sock_wake.c): a sleeper
 * re-checks a stopped stack every DPS_WAKE_MS. */
#define DPS_WAKE_MS 100
uint64_t dps_mono_ns(void);
void dps_thread_sleep(struct dps_thread *t, uint64_t ns);
/* The socket layer's hook that queues a socket on its epoll set. */
void dps_sock_set_ep_kick(void (*fn)(struct dps_ep *ep, uint32_t slot));

#endif
