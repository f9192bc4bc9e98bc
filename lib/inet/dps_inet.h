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
 * Memory. Sockets come from a per-stack rte_mempool and go back to it, so
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
 * Fields the lcore fills while the application thread waits for a
 * request (autobind's address and port) are published by the completion.
 */

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include <rte_hash.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
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

/* TCP's messages on the request ring (struct dps_msg). */
#define DPS_MSG_RX_HANDOFF DPS_OP(DPS_PROTO_TCP, DPS_MSG_MBUF | 1)	/* ptr: a segment (mbuf) this lcore owns */
#define DPS_MSG_TCP_ICMP DPS_OP(DPS_PROTO_TCP, 2)	/* icmp: an ICMP error about a flow we own */
#define DPS_MSG_SOCK_CLOSE DPS_OP(DPS_PROTO_TCP, 3)	/* ptr: a socket closed by its application */
#define DPS_MSG_TCP_TX DPS_OP(DPS_PROTO_TCP, 4)	/* ptr: a stream socket whose txq has data */
#define DPS_MSG_TCP_WND DPS_OP(DPS_PROTO_TCP, 5)	/* ptr: a stream socket whose reader freed space */

/* Bytes a stream may hold each way: SO_SNDBUF / SO_RCVBUF report twice
 * these (Linux's convention); the receive figure is the window ceiling. */
#define DPS_SNDBUF_DEFAULT (256u * 1024)
#define DPS_RCVBUF_DEFAULT (256u * 1024)

enum dps_obj_kind { DPS_OBJ_SOCK = 1, DPS_OBJ_EPOLL };

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

struct dps_sock_opts {
	uint64_t sndtimeo_ns;		/* 0 = forever */
	uint64_t rcvtimeo_ns;
	uint32_t user_timeout_ms;
	uint16_t maxseg;
	uint8_t syncnt;
	bool reuseaddr, broadcast, nodelay;
	bool keepalive, linger;
	bool bind_no_port;		/* IP_BIND_ADDRESS_NO_PORT */
	uint8_t keepcnt;
	uint8_t cc;			/* enum dps_tcp_cc_algo */
	uint16_t keepidle_s, keepintvl_s;
	int linger_s;
	uint32_t sndbuf, rcvbuf;	/* as SO_SNDBUF / SO_RCVBUF report them */
};

/* A listening socket's queues (RFC 9293 3.10.7.2). */
struct dps_listener {
	struct rte_ring *acceptq;	/* established children (MP/MC) */
	uint32_t backlog;		/* atomic */
	uint32_t synq;			/* atomic: children in SYN_RECV */
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
	int so_error;
	int16_t owner;			/* lcore index; -1: none */
	uint8_t port_held;		/* DPS_PORT_*: counted in the TCP port map */
	bool explicit_bind;		/* bind() or listen() holds the port */
	uint8_t bind_hold;		/* DPS_PORT_*: bind()'s hold, kept past
					 * close for the connection (atomic) */
	uint8_t roles;			/* DPS_ROLE_*: what it has been; under lock */
	uint32_t lock;			/* dps_sock_lock.h */

	/* Wake-ups: one sleeping thread, one epoll set. */
	struct dps_thread *waiter;	/* atomic; taken with exchange */
	struct dps_thread *poller;	/* a thread in dps_poll(), likewise */
	struct dps_ep *ep;		/* atomic */
	uint32_t ep_slot;

	/* Owned by the lcore, with the TCB and timer below. */
	bool in_table;
	bool has_cbs;			/* cbs below are set */
	uint16_t ip_id;			/* IPv4 identification of the flow */

	/* Callbacks for code on the owning lcore. */
	struct dps_sock_cbs cbs;
	void *cb_arg;

	struct dps_tcb tcb;
	struct dps_tnode timer;

	/* UDP datagrams, or TCP payload mbufs in order (lcore -> threads).
	 * A UDP socket gets it at creation; a stream socket when the owning
	 * lcore first has payload to queue (dps_tcp_rxq_make()). Kept with
	 * the pool object. Atomic: read it with dps_sock_rxq(). */
	struct rte_ring *rxq;

	/* TCP data, application side. */
	struct rte_ring *txq;		/* mbufs to send (threads -> lcore);
					 * made by the first writer
					 * (dps_tcp_txq_make()), kept; atomic */
	uint32_t snd_queued;		/* atomic: bytes queued and not acked */
	uint32_t rcv_queued;		/* atomic: bytes delivered, not yet read */
	uint32_t rcv_wnd_pub;		/* atomic: window last announced */
	uint32_t rx_cur_off;
	uint8_t tx_kick, wnd_kick;	/* atomic: a message is on its way */
	uint8_t rx_busy, tx_busy;	/* atomic: a thread is reading / writing */
	uint8_t abort_on_close;		/* atomic: close() must send a RST */
	struct rte_mbuf *rx_cur;	/* partly read, owned by the reader */

	/* TCP data, lcore side: the send buffer is an mbuf chain (linked
	 * through m->next) whose first byte is snd_una + snd_off. */
	struct rte_mbuf *snd_head, *snd_tail;
	struct rte_mbuf *snd_cur;	/* cursor: mbuf holding sequence cur_seq */
	struct rte_mbuf *ooo;		/* out-of-order payload, by sequence */
	uint32_t snd_off;
	uint32_t snd_cur_seq;
	uint32_t ooo_bytes;

	/* Passive open. */
	bool in_synq;			/* counted in parent->lst->synq */
	bool tw_pending;		/* moved to TIME_WAIT */
	struct dps_listener *lst;	/* a listener's queues */
	struct dps_sock *parent;	/* a child's listener (referenced) */
};

/* Per-stack socket state: the context of slot DPS_PROTO_INET. */
struct dps_sockets {
	struct dps_sock_conf conf;
	struct rte_mempool *pool;
	uint64_t *tcp_ports;		/* 65536 words, see dps_portmap.c */
	struct dps_sock **udp_ports;	/* 65536 atomic pointers */
	uint32_t perturb[256];		/* RFC 6056 algorithm 3 table */
	uint64_t isn_key[2];		/* SipHash keys: sequence numbers, */
	uint64_t ts_key[2];		/* timestamp offsets, */
	uint64_t port_key[2];		/* autobind offsets */
	uint8_t rss_key[40];		/* rte_thash key, converted */
	uint16_t reta[128];		/* hash -> lcore index */
	uint16_t n_owners;		/* stack lcores: 1 skips the hash */
	uint64_t cookie_key[2];		/* SipHash key of SYN cookies */
	struct dps_sock **listeners;	/* 65536 atomic pointers, by port */
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

/* The socket's receive ring or NULL (none yet: nothing queued). The
 * acquire pairs with the release that installs a new ring, so the ring's
 * header is seen initialised. */
static inline struct rte_ring *
dps_sock_rxq(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->rxq, __ATOMIC_ACQUIRE);
}

/* The socket's send ring or NULL (nothing was ever written); the acquire
 * pairs with the compare-and-swap in dps_tcp_txq_make(). */
static inline struct rte_ring *
dps_sock_txq(const struct dps_sock *sk)
{
	return __atomic_load_n(&sk->txq, __ATOMIC_ACQUIRE);
}

/* ---- readiness (dps_sock_wake.c) ---- */
/* The poll mask Linux would report now (tcp_poll(), udp_poll()). */
uint32_t dps_sock_events(const struct dps_sock *sk);
/* An lcore changed what dps_sock_events() returns: wake the waiter, the
 * epoll set and the callbacks. @what: the dps_sock_cbs event that fired
 * (DPS_CB_*). */
enum { DPS_CB_NONE, DPS_CB_CONNECTED, DPS_CB_ERROR, DPS_CB_READABLE, DPS_CB_WRITABLE,
	DPS_CB_ACCEPTABLE };
void dps_sock_notify(struct dps_sock *sk, int what);
/* Sleep until done(sk), @timeout_ns (0: forever) or a stopped stack:
 * 0, EAGAIN (timed out) or ESHUTDOWN. */
int dps_sock_wait(struct dps_sock *sk, bool (*done)(struct dps_sock *sk),
	uint64_t timeout_ns);

/* ---- ports (dps_portmap.c) ---- */
int dps_port_bind_tcp(struct dps_sockets *ss, uint16_t port, bool reuse);
void dps_port_unbind_tcp(struct dps_sockets *ss, uint16_t port);
/* A connection's hold on its port (dps_sock.port_held, tw_ent.port_held):
 * none, or one counted with or without SO_REUSEADDR. */
enum { DPS_PORT_FREE = 0, DPS_PORT_HELD_REUSE, DPS_PORT_HELD };
uint8_t dps_port_connect_take(struct dps_sockets *ss, uint16_t port, bool reuse);
uint8_t dps_port_hold(struct dps_sockets *ss, rte_be16_t lport, bool reuse);
void dps_port_release(struct dps_sockets *ss, rte_be16_t lport, uint8_t *held);
bool dps_port_listen(struct dps_sockets *ss, uint16_t port);
void dps_port_unlisten(struct dps_sockets *ss, uint16_t port);
bool dps_port_is_listening(const struct dps_sockets *ss, uint16_t port);
int dps_port_bind_any_tcp(struct dps_sockets *ss, bool reuse, uint16_t *port);
int dps_port_bind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
int dps_port_bind_any_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t *port);
void dps_port_unbind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port);
/* Lcore index that owns tuple @t: the RSS hash of the peer's packets
 * through the stack's redirection table. */
unsigned int dps_flow_owner(const struct dps_sockets *ss, const struct dps_tuple *t);

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
ssize_t dps_tcp_send_mbuf(struct dps_sock *sk, struct rte_mbuf *m);
ssize_t dps_tcp_recv_mbuf(struct dps_sock *sk, struct rte_mbuf **out);
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

/* ---- UDP (dps_udp.c) ---- */
int dps_udp_register(struct dps_stack *s);
int dps_udp_rxq_init(struct dps_sock *sk);
/* sendto(2) / recvfrom(2) on a datagram socket: a count or a negative
 * errno. */
ssize_t dps_udp_send(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr *to, socklen_t tolen);
ssize_t dps_udp_recv(struct dps_sock *sk, void *buf, size_t len, int flags,
	struct sockaddr *from, socklen_t *fromlen);

/* ---- the socket object (dps_sock_obj.c, dps_portmap.c) ---- */
/* A fresh socket object, one reference. */
void dps_sock_init(struct dps_sock *sk, struct dps_stack *s, int type, int proto,
	bool nonblock);
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
/* Look @t up in lcore @idx's table from any thread (QSBR reader). */
int dps_conn_read(struct dps_stack *s, unsigned int idx,
	const struct dps_tuple *t, struct dps_conn_info *out);
/* Clocks and sleeps for waiting threads (dps_sock_wake.c): a sleeper
 * re-checks a stopped stack every DPS_WAKE_MS. */
#define DPS_WAKE_MS 100
uint64_t dps_mono_ns(void);
void dps_thread_sleep(struct dps_thread *t, uint64_t ns);
/* The socket layer's hook that queues a socket on its epoll set. */
void dps_sock_set_ep_kick(void (*fn)(struct dps_ep *ep, uint32_t slot));

#endif
