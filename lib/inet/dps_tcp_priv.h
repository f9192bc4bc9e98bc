/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TCP_PRIV_H
#define DPS_TCP_PRIV_H

/*
 * TCP on the lcore, between its own files: the per-lcore context, the
 * connection table's entries, and the calls one concern makes into
 * another. Where each concern lives:
 *   dps_tcp_table.c     the per-lcore context and the connection table
 *   dps_tcp_conn.c      publishing the TCB's events; the end of a connection
 *   dps_tcp_ext.c       the TCB's cold half, held while the connection is busy
 *   dps_tcp_input.c     segments to their connection, listener or a RST
 *   dps_tcp_handoff.c   steering segments and ICMP errors to the owner lcore
 *   dps_tcp_output.c    segments into mbufs, TSO, the timer wheel
 *   dps_tcp_timer.c     the wheel's deadlines and the housekeeping tick
 *   dps_tcp_timewait.c  compact TIME_WAIT entries
 *   dps_tcp_idle.c      compact idle connections (dps_sock_conf.idle_ms)
 *   dps_tcp_connect.c   the lcore's half of connect(): settings, ISN, SYN
 *   dps_tcp_autobind.c  the local port of connect() (RFC 6056)
 *   dps_tcp_usrreq.c    requests from application threads
 *   dps_tcp_err.c       ICMP errors and failed next hops
 *   dps_tcp_listen.c    passive open, SYN cookies, the accept queue
 *   dps_tcp_data.c      the send and receive buffers
 *   dps_tcp_stream.c    the application side of stream calls
 *   dps_tcp_slot.c      TCP in the protocol switch
 *   dps_tcp_input6.c    IPv6 segments and ICMPv6 errors (the slot's input6, err6)
 *   dps_tcp6_table.c    the IPv6 connection table
 *   dps_tcp6_out.c      IPv6 segments into mbufs
 *   dps_tcp6_tw.c       IPv6 TIME_WAIT entries
 *   dps_tcp6_connect.c  the lcore's half of connect() to an IPv6 peer
 *   dps_tcp6_listen.c   passive open over IPv6
 */

#include <string.h>
#include <rte_hash_crc.h>
#include <rte_random.h>
#include "dps_ctab.h"
#include "dps_inet.h"
#include "dps_ip.h"
#include "dps_siphash.h"

struct dps_tw_store;
struct dps_idle_store;

/* TCP's context on one lcore (slot DPS_PROTO_TCP). Written by that
 * lcore only; the counters are read by any thread (relaxed). */
/* The last RFC 6056 port offset hash an lcore computed and its inputs
 * (dps_tcp_autobind.c). */
struct dps_tcp_port_memo {
	uint64_t key[2];		/* dps_sockets.port_key then */
	uint32_t laddr, raddr;
	uint16_t rport;
	bool valid;
	uint32_t hash;
};

struct dps_tcp_lcore {
	struct dps_ctab *conns;		/* connections this lcore owns */
	char *sock_base;		/* the socket pool's object 0 (dps_tcp_ent_of()) */
	uint32_t sock_size;		/* and its object size */
	uint32_t sock6_size;		/* the same for the AF_INET6 pool */
	char *sock6_base;
	uint64_t sock_span;		/* bytes of the socket pool's range */
	struct dps_twheel *tw;		/* their timers */
	struct dps_tw_store *tws;	/* compact TIME_WAIT entries */
	struct dps_idle_store *idles;	/* compact idle connections */
	uint64_t idle_ns;		/* dps_sock_conf.idle_ms in ns; 0: off */
	uint32_t n_idle;		/* atomic: of n_conns, compact idle entries */
	struct dps_tcp_ratelimit chlim;	/* challenge ACKs (RFC 5961 10) */
	/* Connections with output owed this iteration (dps_tcp_due()). */
	TAILQ_HEAD(, dps_sock) out_due;
	uint32_t n_conns;		/* atomic: entries that are sockets */
	uint32_t n_half_open;		/* atomic: children in SYN_RECV (dps_tcp_listen.c) */
	uint32_t n_orphans;		/* atomic: closed, still in the table */
	struct dps_tcp_port_memo port_memo;	/* autobind's last F() */
	uint64_t rng;			/* dps_tcp_rand16()'s state; 0: unseeded */
	struct dps_tcp6_lcore *v6;	/* IPv6 connections (dps_tcp6_table.c) */
	/* TIME_WAIT entries of both families held, and their bound
	 * (max_tw_buckets): the owner's alone, read where one would enter
	 * (dps_tws_room()); the stores' own counts serve other threads. */
	uint32_t tw_held, tw_max;
};

/* A counter of struct dps_tcp_lcore or the TIME_WAIT store, as
 * dps_inet_stats() reads it from any thread. Relaxed: a statistic, no
 * data is published with it; the lcores' updates use dps_tcp_stat_add()
 * or dps_tcp_stat_set(). */
static inline uint32_t
dps_tcp_stat(const uint32_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Add @d to a counter; relaxed, as dps_tcp_stat(). n_half_open and
 * n_orphans are also changed by threads other than their lcore (a child
 * leaving its listener on accept), hence the atomic add. */
static inline void
dps_tcp_stat_add(uint32_t *c, int d)
{
	__atomic_fetch_add(c, (uint32_t)d, __ATOMIC_RELAXED);
}

/* Add @d to a counter only its lcore writes (n_conns, the TIME_WAIT
 * count): a load and a store, no locked instruction; relaxed, as
 * dps_tcp_stat(). */
static inline void
dps_tcp_stat_own_add(uint32_t *c, int d)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + (uint32_t)d,
		__ATOMIC_RELAXED);
}

static inline struct dps_tcp_lcore *
dps_tcp_lc(const struct dps_lcore *lc)
{
	return dps_lcore_ctx(lc, DPS_PROTO_TCP);
}

/*
 * 16 random bits, for what Linux draws at random per connection: the
 * first IPv4 ID (get_random_u16() in tcp_v4_connect() and
 * tcp_v4_syn_recv_sock(); the ID then counts up per segment, RFC 6864
 * 4.2: any value for an atomic datagram) and the autobind's perturbation
 * step (__inet_hash_connect()). xorshift64* (Vigna) on a per-lcore state
 * seeded from rte_rand() at first use: rte_rand() itself, also not a
 * cryptographic generator, cost 61 instructions a call, this about 10.
 */
static inline uint16_t
dps_tcp_rand16(struct dps_tcp_lcore *tl)
{
	uint64_t x = tl->rng;

	if (unlikely(x == 0))
		x = rte_rand() | 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	tl->rng = x;
	return (uint16_t)((x * 0x2545f4914f6cdd1dull) >> 48);
}

/* ---- the table (dps_tcp_table.c) ---- */

/* TIME_WAIT entries live in the same table as sockets; their data
 * pointer has the low bit set. */
#define TW_TAG 1u
#define TW_NONE UINT32_MAX

/* A compact TIME_WAIT entry (dps_tcp_timewait.c). */
struct dps_tws_ent {
	struct dps_tuple tup;		/* the table's key (dps_tcp_key_of()) */
	struct dps_tcp_tw tw;
	uint32_t next;			/* FIFO by expiry, or free list */
	uint8_t port_held;		/* DPS_PORT_*: counted in the TCP port map */
} __rte_aligned(8);

/* Compact TIME_WAIT: 56-byte entries in a per-lcore array, expired in
 * arrival order (every entry lives the same 60 s). */
struct dps_tw_store {
	uint32_t cap, n, free_head, head, tail;
	uint32_t fresh;			/* entries ever used: e[fresh..] are zero */
	struct dps_tws_ent e[];
};

/* Compact idle connections (dps_tcp_idle.c) share the table too; their
 * data pointer has bit 1 set. */
#define IDLE_TAG 2u

/*
 * A connection kept in its compact idle form (dps_tcp_idle.c): everything
 * of a quiet established socket that is not fixed while it is quiet. The
 * descriptor table's slot names it as it named the socket (obj first, of
 * kind DPS_OBJ_IDLE), and so does the connection table's. 4-byte aligned,
 * 168 bytes: the callback argument is kept as bytes, and what is the same
 * for every entry of a store (the stack, the lcore) is in the store's
 * header, found from the entry's address (dps_idle_store_of()).
 */
struct dps_idle_ent {
	struct dps_obj obj;		/* kind DPS_OBJ_IDLE; refcnt 0; fd */
	struct dps_tuple tup;		/* the table's key (dps_tcp_key_of()) */
	unsigned char cb_arg[sizeof(void *)];
	uint16_t old_sport, ip_id;
	uint8_t ss, userlocks, disconnects, cbset, optset;
	uint8_t port_held:2, bind_hold:2, roles:2;
	bool nonblock:1, explicit_bind:1;
	bool opts_changed:1;		/* set before connect(), not yet applied */
	union {
		struct dps_tcb_idle rec;
		uint32_t next;		/* free list, while free */
	};
};

/* The per-lcore store of idle entries: like the TIME_WAIT store, an
 * anonymous mapping of max_conns entries whose pages become resident as
 * entries are first used. The mapping starts at a multiple of
 * DPS_IDLE_ALIGN, more than the largest store (max_conns < 2^25 entries
 * of 168 bytes: 5.25 GiB), so that an entry's address gives its store. */
#define DPS_IDLE_ALIGN ((size_t)1 << 33)

struct dps_idle_store {
	struct dps_stack *stack;	/* constant: who wakes an entry */
	uint32_t cap, free_head;
	uint32_t fresh;			/* entries ever used: e[fresh..] are zero */
	uint16_t owner;			/* constant: the lcore */
	struct dps_idle_ent e[];
};

/* The store that holds @e: the start of its aligned mapping. */
static inline struct dps_idle_store *
dps_idle_store_of(const struct dps_idle_ent *e)
{
	return (struct dps_idle_store *)((uintptr_t)e & ~(uintptr_t)(DPS_IDLE_ALIGN - 1));
}

static inline bool
dps_tcp_is_tw(const void *data)
{
	return ((uintptr_t)data & TW_TAG) != 0;
}

static inline bool
dps_tcp_is_idle(const void *data)
{
	return ((uintptr_t)data & IDLE_TAG) != 0;
}

/* Whether table entry @data is a socket (neither tag set). */
static inline bool
dps_tcp_is_sock(const void *data)
{
	return ((uintptr_t)data & (TW_TAG | IDLE_TAG)) == 0;
}

static inline struct dps_idle_ent *
dps_tcp_idle_of(void *data)
{
	return (struct dps_idle_ent *)((uintptr_t)data & ~(uintptr_t)IDLE_TAG);
}

static inline struct dps_tws_ent *
dps_tcp_tw_of(void *data)
{
	return (struct dps_tws_ent *)((uintptr_t)data & ~(uintptr_t)TW_TAG);
}

/* The table's key of entry @d: the socket's tuple or the TIME_WAIT
 * entry's (dps_ctab_key_fn). */
static inline const void *
dps_tcp_key_of(const void *d)
{
	if (likely(dps_tcp_is_sock(d)))
		return &((const struct dps_sock *)d)->tup;
	if (dps_tcp_is_tw(d))
		return &dps_tcp_tw_of((void *)(uintptr_t)d)->tup;
	return &dps_tcp_idle_of((void *)(uintptr_t)d)->tup;
}

/* Table references (dps_ctab.h), 27 bits: a socket's is its index in
 * the stack's socket pool (below 2^25), or DPS_TCP_SOCK6_REF plus its
 * index in the AF_INET6 pool (a dual-stack socket's IPv4 connection,
 * v4-mapped), a TIME_WAIT entry's
 * DPS_TCP_TW_REF plus its index in the lcore's store, an idle entry's
 * DPS_TCP_IDLE_REF plus its index in the lcore's idle store (each below
 * 2^25: dps_stack_set_sock_conf() bounds max_socks and max_conns). */
#define DPS_TCP_SOCK6_REF (1u << 25)
#define DPS_TCP_TW_REF (1u << 26)
#define DPS_TCP_IDLE_REF (DPS_TCP_TW_REF + (1u << 25))

/* The entry of reference @ref in the table of lcore context @ctx (a
 * struct dps_tcp_lcore; dps_ctab_ent_fn): a socket, or a TIME_WAIT or
 * idle entry with its pointer tagged. */
static inline void *
dps_tcp_ent_of(const void *ctx, uint32_t ref)
{
	const struct dps_tcp_lcore *tl = ctx;

	if (ref < DPS_TCP_SOCK6_REF)
		return tl->sock_base + (size_t)ref * tl->sock_size;
	if (ref < DPS_TCP_TW_REF)
		return tl->sock6_base + (size_t)(ref - DPS_TCP_SOCK6_REF) * tl->sock6_size;
	if (ref < DPS_TCP_IDLE_REF)
		return (void *)((uintptr_t)&tl->tws->e[ref - DPS_TCP_TW_REF] | TW_TAG);
	return (void *)((uintptr_t)&tl->idles->e[ref - DPS_TCP_IDLE_REF] | IDLE_TAG);
}

/*
 * The connection table's hash of @t, keyed: multiply-shift over the
 * tuple's four 32-bit words with the stack's random 64-bit multipliers
 * (Dietzfelbinger's universal family), the top 32 bits kept. A peer who
 * does not know the key cannot pick tuples that share a home slot more
 * often than chance. CRC32-C (rte_hash's, and this table's at first) is
 * linear and unkeyed: anyone can compute any number of tuples with one
 * hash and pile them into one probe cluster of a linear-probing table,
 * as Linux avoids with a secret-seeded jhash for its established table.
 * It costs about 20 instructions a lookup more than CRC32-C's two
 * crc32q: 130 per HTTP connection, 20 per keep-alive request
 * (callgrind_http.sh).
 */
static inline uint32_t
dps_tcp_hash(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	uint32_t w[4];
	uint64_t h = ss->tab_key[4];

	RTE_BUILD_BUG_ON(sizeof(*t) != sizeof(w));
	memcpy(w, t, sizeof(w));
	for (unsigned int i = 0; i < 4; i++)
		h += (uint64_t)w[i] * ss->tab_key[i];
	return (uint32_t)(h >> 32);
}

/*
 * dps_tcp_hash() for an IPv6 tuple: the same keyed multiply-shift over
 * its ten words, with a multiplier of its own for each.
 */
static inline uint32_t
dps_tcp_hash6(const struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	uint32_t w[10];
	uint64_t h = ss->tab_key6[10];

	RTE_BUILD_BUG_ON(sizeof(*t) != sizeof(w));
	memcpy(w, t, sizeof(w));
	for (unsigned int i = 0; i < 10; i++)
		h += (uint64_t)w[i] * ss->tab_key6[i];
	return (uint32_t)(h >> 32);
}

int dps_tcp_lcore_init(struct dps_lcore *lc);
void dps_tcp_lcore_fini(struct dps_lcore *lc);
/* The table's entry for @t: a socket, a TIME_WAIT entry (tagged), or NULL. */
void *dps_tcp_lookup_any(struct dps_lcore *lc, const struct dps_tuple *t);
/* The socket of @t, NULL when none (or a TIME_WAIT entry). */
struct dps_sock *dps_tcp_lookup(struct dps_lcore *lc, const struct dps_tuple *t);
/* Enter @d (a socket or a tagged TIME_WAIT entry) under its own key,
 * replacing the key's entry if there is one: 0, or -ENOBUFS (full). */
int dps_tcp_table_put(struct dps_lcore *lc, void *d);
/*
 * Whether connection table @tab, whose TIME_WAIT entries @tw_n counts,
 * is full for another connection: the room rule of both families'
 * tables (dps_tcp_table.c, "Room"). They hold max_conns connections
 * (sockets and idle entries) plus the TIME_WAIT entries, which have room
 * of their own beside them (max_tw_buckets, dps_ctab_create_dense()), so
 * only the entries other than TIME_WAIT count against max_conns.
 */
static inline bool
dps_tcp_table_full(const struct dps_lcore *lc, const struct dps_ctab *tab,
	const uint32_t *tw_n)
{
	return dps_ctab_count(tab) - dps_tcp_stat(tw_n) >=
		dps_socks(lc->stack)->conf.max_conns;
}
/* Enter new connection @sk: 0, or -ENOBUFS (max_conns connections). */
int dps_tcp_table_add(struct dps_lcore *lc, struct dps_sock *sk);
/* dps_tcp_lookup_any() that tells @h where a missing @t would go, and
 * dps_tcp_table_add() of that tuple's @sk from @h: connect()'s one probe
 * (dps_ctab_find_own_hole(), dps_ctab_put_hole()). */
void *dps_tcp_lookup_hole(struct dps_lcore *lc, const struct dps_tuple *t,
	struct dps_ctab_hole *h);
int dps_tcp_table_add_hole(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_ctab_hole *h);
/* Delete @t's key. */
void dps_tcp_table_del(struct dps_lcore *lc, const struct dps_tuple *t);
/* The table now holds @sk (and a reference to it). */
void dps_tcp_conn_add(struct dps_lcore *lc, struct dps_sock *sk);

/* ---- a connection's events and end (dps_tcp_conn.c) ---- */
void dps_tcp_set_state(struct dps_sock *sk, uint8_t state);
/* Publish what the TCB reported (dps_tcb_ev bits) after input, a timer
 * or an application request, then send what is due. @una0: snd_una
 * before. */
void dps_tcp_after(struct dps_lcore *lc, struct dps_sock *sk, int ev,
	uint32_t una0, uint64_t now);
/* The connection is over: out of the table (unless @keep_key, a
 * TIME_WAIT entry took the key), error @err (0: none) published. */
void dps_tcp_finish(struct dps_lcore *lc, struct dps_sock *sk, int err,
	bool keep_key);
void dps_tcp_done(struct dps_lcore *lc, struct dps_sock *sk, int err);

/* ---- output (dps_tcp_output.c) ---- */
void dps_tcp_xmit(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tuple *t, const struct dps_tcp_out *out, uint16_t *ip_id,
	uint64_t now);
void dps_tcp_xmit_all(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tcp_out *out, unsigned int n, uint64_t now);
/* The first segment of @sk, routed by @r, through the path it fills
 * (dps_tcp_output.c). */
void dps_tcp_xmit_first(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_route *r, const struct dps_tcp_out *out, uint64_t now);
/* A segment without payload for flow @t (RSTs, TIME_WAIT ACKs). */
void dps_tcp_xmit_out(struct dps_lcore *lc, const struct dps_tuple *t,
	const struct dps_tcp_out *out, uint16_t *ip_id, uint64_t now);
/* Everything the TCB wants to send now. */
void dps_tcp_output(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
/* @sk has output owed: it leaves once, at the end of this iteration
 * (dps_tcp_output_due()), with whatever else the iteration adds. */
void dps_tcp_due(struct dps_lcore *lc, struct dps_sock *sk);
/* @sk leaves the output list (the connection is over). */
void dps_tcp_undue(struct dps_lcore *lc, struct dps_sock *sk);
/* The output slot op: every connection on the list, once. */
void dps_tcp_output_due(struct dps_lcore *lc, uint64_t now);
/* Keep the wheel in step with the TCB's single deadline. */
void dps_tcp_sync_timer(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);

/* ---- TIME_WAIT (dps_tcp_timewait.c) ---- */
void dps_tws_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
/* Room for one more TIME_WAIT entry of either family: fewer than
 * max_tw_buckets held. Otherwise the connection closes without one,
 * counted (Linux: "TCP: time wait bucket table overflow"). Inline, and
 * one counter for both stores: it runs for every connection that closes
 * first (callgrind: 32 instructions as calls summing the stores). */
static inline bool
dps_tws_room(struct dps_lcore *lc)
{
	const struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (likely(tl->tw_held < tl->tw_max))
		return true;
	DPS_CNT_INC(&lc->cnt, tcp_tw_overflow);
	return false;
}
/* The port hold a TIME_WAIT entry of @sk keeps (dps_tcp_timewait.c). */
uint8_t dps_tw_bind_hold(struct dps_lcore *lc, struct dps_sock *sk);
void dps_tws_expire(struct dps_lcore *lc, uint64_t now);
/* A segment for a TIME_WAIT entry; false when a SYN goes on to the
 * listener. */
bool dps_tws_input(struct dps_lcore *lc, struct dps_tws_ent *e,
	const struct dps_tcp_seg *seg, uint64_t now);
/* May connect take over the table's entry @d (tcp_twsk_unique())? */
struct dps_tws_ent *dps_tws_usable(const struct dps_lcore *lc, void *d,
	bool autobind, uint64_t now, uint32_t *isn_floor);
void dps_tws_take_over(struct dps_lcore *lc, struct dps_tws_ent *e);
/* TIME_WAIT entries of lcore @lc (any thread; a moment's figure). */
uint32_t dps_tcp_tw_count(const struct dps_lcore *lc);

/* ---- compact idle connections (dps_tcp_idle.c) ---- */
int dps_tcp_idle_init(struct dps_lcore *lc);
void dps_tcp_idle_fini(struct dps_lcore *lc);
bool dps_tcp_idle_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
struct dps_sock *dps_tcp_idle_wake(struct dps_lcore *lc, struct dps_idle_ent *e,
	uint64_t now);
void dps_tcp_idle_fired(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
bool dps_tcp_idle_request(struct dps_lcore *lc, struct dps_req *r, uint64_t now);

/* ---- input and hand-off (dps_tcp_input.c, dps_tcp_handoff.c) ---- */
void dps_tcp_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple *t, const uint8_t *th, uint16_t hdr_len,
	uint32_t payload_len, uint64_t now);
/* dps_tcp_ext.c: attach the TCB's cold half before any call into the
 * core that needs it (false: the pool is empty); give it back if the TCB
 * is quiet (dps_tcp_x_drop() in dps_inet.h gives it back regardless).
 * dps_tcp_x_take() attaches one from the pool; dps_tcp_x_hold() is
 * inline: every segment, output pass and write asks, and nearly always
 * the connection holds one already (a call cost 6 instructions each). */
bool dps_tcp_x_take(struct dps_lcore *lc, struct dps_sock *sk);
static inline bool
dps_tcp_x_hold(struct dps_lcore *lc, struct dps_sock *sk)
{
	return sk->tcb.x != NULL || dps_tcp_x_take(lc, sk);
}
/* The same before connect/accept, which write the cold half anyway. */
bool dps_tcp_x_hold_new(struct dps_lcore *lc, struct dps_sock *sk);
#define DPS_TCP_X_RETRY_NS (1000ull * 1000)	/* a timer that found none */
void dps_tcp_x_release(struct dps_lcore *lc, struct dps_sock *sk);
void dps_tcp_count_recovery(struct dps_lcore *lc, const struct dps_tcb_stats *a,
	const struct dps_tcb_stats *z);
void dps_tcp_rx(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_rx_pkt *p, uint64_t now);
void dps_tcp_rx_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now);
/* Segment @seg in @m for socket @sk, whichever table found it. */
void dps_tcp_input_sock(struct dps_lcore *lc, struct rte_mbuf *m, struct dps_sock *sk,
	struct dps_tcp_seg *seg, uint16_t hdr_len, uint64_t now);
void dps_tcp_icmp_err(struct dps_lcore *lc, const struct dps_icmp_view *icmp,
	int err, bool fatal, uint64_t now);

/* ---- errors from below (dps_tcp_err.c) ---- */
void dps_tcp_icmp(struct dps_lcore *lc, const struct dps_tuple *t, uint32_t seq,
	int err, uint16_t mtu, uint64_t now);
void dps_tcp_fail_nexthop(struct dps_lcore *lc, uint32_t nexthop, int err);

/* ---- timers (dps_tcp_timer.c) ---- */
void dps_tcp_timers(struct dps_lcore *lc, uint64_t now);
void dps_tcp_tick(struct dps_lcore *lc, uint64_t now);

/* ---- active open (dps_tcp_connect.c, dps_tcp_autobind.c) ---- */
int dps_tcp_do_connect(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
/* The settings of @sk's connection; returns the route to its peer
 * (NULL: none), which they came from. */
const struct dps_route *dps_tcp_conf(const struct dps_lcore *lc, const struct dps_sock *sk,
	struct dps_tcb_conf *c);
/* The settings that come from @sk alone, without a route: for a caller
 * that sets the MSS, the window and the TSO limit of its own way out
 * (dps_tcp6_conf(): an IPv6 peer has no IPv4 route to look up). */
void dps_tcp_conf_sock(const struct dps_lcore *lc, const struct dps_sock *sk,
	struct dps_tcb_conf *c);
/* The SYN-ACK's window for a SYN with (@ts) or without timestamps. */
void dps_tcp_conf_passive(const struct dps_sock *sk, bool ts,
	struct dps_tcb_conf *c);
/* A tuple's ISN and timestamp offset (RFC 6528, RFC 7323 5.4). */
struct dps_tcp_keyed {
	uint32_t isn;
	uint32_t ts_off;
};
struct dps_tcp_keyed dps_tcp_keyed(const struct dps_sockets *ss,
	const struct dps_tuple *t, uint64_t now);
uint32_t dps_tcp_ts_off(const struct dps_sockets *ss, const struct dps_tuple *t);
/* The same over an IPv6 tuple (Linux's secure_tcpv6_seq() and
 * secure_tcpv6_ts_off()). */
struct dps_tcp_keyed dps_tcp_keyed6(const struct dps_sockets *ss,
	const struct dps_tuple6 *t, uint64_t now);
/* The local port of a connect the application did not bind (RFC 6056
 * algorithm 3, RSS-aware), for an IPv4 tuple and for an IPv6 one (the
 * source chosen, the key filled): 0 or -EADDRNOTAVAIL. One walk serves
 * both (dps_tcp_autobind.c). The IPv4 one leaves in @hole where the
 * chosen tuple goes in the table (dps_tcp_table_add_hole()). */
int dps_tcp_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused, struct dps_ctab_hole *hole);
int dps_tcp6_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused);
/* RFC 6056 algorithm 3's keyed F(laddr, raddr, rport) of an IPv4
 * connect, remembered for the next connect of @tl with the same inputs
 * and key (dps_tcp_autobind.c). */
uint32_t dps_tcp_port_hash(struct dps_tcp_lcore *tl, const struct dps_sockets *ss,
	uint32_t laddr, uint32_t raddr, uint16_t rport);
/* dps_flow_owner() (or dps_flow_owner6()) of a tuple for each
 * candidate local port: the Toeplitz hash of the tuple with port 0 and
 * the key's windows for the port's bits (dps_tcp_autobind.c). */
struct dps_rss_ports {
	const struct dps_sockets *ss;
	uint32_t base;			/* the hash with local port 0 */
	uint32_t win[16];		/* what local port bit b adds */
};
void dps_rss_ports_init(struct dps_rss_ports *rp, const struct dps_sockets *ss,
	const struct dps_tuple *t);
void dps_rss_ports_init6(struct dps_rss_ports *rp, const struct dps_sockets *ss,
	const struct dps_tuple6 *t);
/* The Toeplitz hash with local port @lport (host order); defined only
 * when more than one lcore owns flows. */
uint32_t dps_rss_ports_hash(const struct dps_rss_ports *rp, uint16_t lport);
/* The owning lcore's index, as dps_flow_owner() (dps_flow_owner6())
 * gives it. */
unsigned int dps_rss_ports_owner(const struct dps_rss_ports *rp, uint16_t lport);
/* RFC 6056 algorithm 3's keyed F() over an IPv6 tuple's local and
 * remote addresses and remote port (dps_tcp_autobind.c). */
uint32_t dps_tcp_port_hash6(const struct dps_sockets *ss, const struct dps_tuple6 *t);

/* ---- requests from threads (dps_tcp_usrreq.c) ---- */
void dps_tcp_do_abort(struct dps_lcore *lc, struct dps_sock *sk, bool drop_ref,
	uint64_t now);
void dps_tcp_do_close(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
void dps_tcp_do_tx(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
void dps_tcp_do_wnd(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
void dps_tcp_do_wnd_here(struct dps_lcore *lc, struct dps_sock *sk);
int dps_tcp_do_shutdown(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);

/* ---- passive open (dps_tcp_listen.c) ---- */
bool dps_tcp_listen_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now);
/* False when the child was reset and released meanwhile. */
bool dps_tcp_child_established(struct dps_lcore *lc, struct dps_sock *sk);
struct dps_sock *dps_sock_new_child(struct dps_sock *parent);
/* The same from the AF_INET6 pool, for an AF_INET6 listener. */
struct dps_sock *dps_sock_new_child6(struct dps_sock *parent);
bool dps_tcp_child_may_complete(struct dps_lcore *lc, struct dps_sock *c,
	const struct dps_tcp_seg *seg);

/* ---- buffers (dps_tcp_data.c) ----
 * The rings of a stream socket are made on first use, so an idle
 * connection holds none: the rxq by the owning lcore before it accepts
 * payload, the txq by the first writer (any thread; racing writers
 * install one with a compare-and-swap). Both return the ring, or NULL
 * when memory ran out. */
struct rte_ring *dps_tcp_rxq_make(struct dps_sock *sk);
struct rte_ring *dps_tcp_txq_make(struct dps_sock *sk);
void dps_tcp_ooo_free(struct dps_sock *sk);
uint32_t dps_tcp_rcv_space(const struct dps_sock *sk);
uint32_t dps_tcp_snd_append(struct dps_sock *sk, struct rte_mbuf *m);
void dps_tcp_snd_drop(struct dps_sock *sk, uint32_t n);
void dps_tcp_snd_copy(struct dps_sock *sk, uint32_t una, uint32_t off,
	uint32_t len, uint8_t *dst);
int dps_tcp_snd_chain(struct dps_sock *sk, uint32_t una, uint32_t off,
	uint32_t len, struct rte_mempool *pool, struct rte_mbuf *head);
bool dps_tcp_rx_take(struct dps_sock *sk, struct rte_mbuf *m, uint32_t hdr,
	uint32_t old_nxt);

/* ---- the slot (dps_tcp_slot.c) ---- */
int dps_tcp_register(struct dps_stack *s);

/* ---- SO_REUSEPORT groups (dps_tcp_reuseport.c) ---- */

/* May group member @sk take a SYN for @t? A listener of t's port on t's
 * address. */
static inline bool
dps_rgroup_member_ok(const struct dps_sock *sk, const struct dps_tuple *t)
{
	uint32_t a = dps_sock_laddr(sk);

	return dps_sock_state(sk) == DPS_TCP_LISTEN && dps_sock_lport(sk) == t->lport &&
		(a == 0 || a == t->laddr);
}

/* The member of group @g (@n members, n >= 2) for a SYN of @t on lcore
 * @idx (dps_tcp_reuseport.c). */
struct dps_sock *dps_rgroup_pick_many(const struct dps_sockets *ss,
	const struct dps_rgroup *g, uint32_t n, const struct dps_tuple *t,
	unsigned int idx);

/* The member of @t's port's SO_REUSEPORT group that takes a SYN of @t
 * arriving on lcore @idx, or NULL. A group of one (a server on one
 * lcore) is answered here, without the search. */
static inline struct dps_sock *
dps_rgroup_pick(const struct dps_sockets *ss, const struct dps_tuple *t,
	unsigned int idx)
{
	const struct dps_rgroup *g = dps_rgroup_of(ss, rte_be_to_cpu_16(t->lport));
	struct dps_sock *sk;
	uint32_t n;

	if (g == NULL)
		return NULL;
	n = __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);	/* pairs with add/del */
	if (n > 1)
		return dps_rgroup_pick_many(ss, g, n, t, idx);
	/* Acquire: pairs with the release stores of add/del. */
	sk = n == 0 ? NULL : __atomic_load_n(&g->m[0], __ATOMIC_ACQUIRE);
	return sk != NULL && dps_rgroup_member_ok(sk, t) ? sk : NULL;
}

/* The AF_INET6 member of the SO_REUSEPORT group of @t's port that takes
 * an IPv6 SYN of @t arriving on lcore @idx, or NULL: as
 * dps_rgroup_pick(), by a hash of the IPv6 tuple (dps_tcp_reuseport.c). */
struct dps_sock *dps_rgroup_pick6(const struct dps_sockets *ss,
	const struct dps_tuple6 *t, unsigned int idx);

/* ---- TCP over IPv6 (dps_tcp6_*.c, dps_tcp_input6.c) ----
 * An AF_INET6 stream socket whose peer is an IPv6 address lives in its
 * lcore's second table, keyed by the 40-byte tuple in its IPv6 side
 * (struct dps_sock6_side.key); the TCB, timers, buffers and events are
 * the IPv4 code's. Only the table, the wire (input, output, ICMPv6
 * errors), TIME_WAIT, connect's address and port, and the SYN of a
 * passive open are the IPv6 code's own. */

/* Whether @sk's connection runs over IPv6: an AF_INET6 socket whose
 * peer is not v4-mapped (a v4-mapped connection keeps its IPv4 peer in
 * the IPv4 tuple and takes the IPv4 paths; an IPv6 one keeps 0 there). */
static inline bool
dps_tcp_is_v6(const struct dps_sock *sk)
{
	return dps_sock_is6(sk) && sk->tup.raddr == 0;
}

/* A compact TIME_WAIT entry of an IPv6 connection (dps_tcp6_tw.c). */
struct dps_tws6_ent {
	struct dps_tuple6 tup;		/* the IPv6 table's key */
	struct dps_tcp_tw tw;
	uint32_t next;			/* FIFO by expiry, or free list */
	uint32_t flow;			/* the label of its ACKs (its connection's) */
	uint8_t port_held;		/* DPS_PORT_*: counted in the TCP port map */
} __rte_aligned(8);

struct dps_tws6_store {
	uint32_t cap, n, free_head, head, tail;
	uint32_t fresh;			/* entries ever used: e[fresh..] are zero */
	struct dps_tws6_ent e[];
};

/* TCP's IPv6 context on one lcore. */
struct dps_tcp6_lcore {
	struct dps_ctab *conns;		/* 40-byte keys (dps_ctab_set_key_len()) */
	char *sock_base;		/* the AF_INET6 pool's object 0 */
	uint32_t sock_size;
	struct dps_tws6_store *tws;
};

static inline struct dps_tws6_ent *
dps_tcp_tw6_of(void *data)
{
	return (struct dps_tws6_ent *)((uintptr_t)data & ~(uintptr_t)TW_TAG);
}

int dps_tcp6_lcore_init(struct dps_lcore *lc);
void dps_tcp6_lcore_fini(struct dps_lcore *lc);
/* The IPv6 table's entry for @t: a socket, a TIME_WAIT entry (tagged) or
 * NULL. */
void *dps_tcp6_lookup_any(struct dps_lcore *lc, const struct dps_tuple6 *t);
/* The entry for @t from any thread, with no lock, or NULL; @tk confirms
 * reads of it made afterwards (dps_ctab_still()). */
void *dps_tcp6_find(struct dps_lcore *lc, const struct dps_tuple6 *t,
	struct dps_ctab_ticket *tk);
const struct dps_tuple6 *dps_tcp6_key_of(const void *d);
/* Enter socket @sk (its key's ports and protocol filled from its tuple)
 * or a tagged TIME_WAIT entry: 0 or -ENOBUFS. */
int dps_tcp6_table_put(struct dps_lcore *lc, void *d);
/* Enter new IPv6 connection @sk: 0, or -ENOBUFS (max_conns connections). */
int dps_tcp6_table_add(struct dps_lcore *lc, struct dps_sock *sk);
void dps_tcp6_table_del(struct dps_lcore *lc, const struct dps_tuple6 *t);
/* The key of socket @sk as the table holds it. */
void dps_tcp6_key_fill(struct dps_sock *sk);

/* Output (dps_tcp6_out.c): one segment of @sk, or one without payload
 * for tuple @t (RSTs, TIME_WAIT ACKs). */
void dps_tcp6_xmit(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tcp_out *out, uint64_t now);
void dps_tcp6_xmit_out(struct dps_lcore *lc, const struct dps_tuple6 *t,
	const struct dps_tcp_out *out, uint32_t flow, uint64_t now);
/* The flow label of a segment for tuple @t without a socket (a RST for
 * no connection): the keyed hash of the tuple under the stack's default
 * (Linux's tcp_v6_send_response() through its control socket). */
uint32_t dps_tcp6_label_nosock(const struct dps_lcore *lc, const struct dps_tuple6 *t);
/* A new flow hash for IPv6 socket @sk, so a new label (Linux's
 * sk_set_txhash() at connect and for children, sk_rethink_txhash() at a
 * retransmission timeout). */
void dps_tcp6_rehash(struct dps_sock *sk);

/* TIME_WAIT (dps_tcp6_tw.c). */
void dps_tws6_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
void dps_tws6_expire(struct dps_lcore *lc, uint64_t now);
bool dps_tws6_input(struct dps_lcore *lc, struct dps_tws6_ent *e,
	const struct dps_tcp_seg *seg, uint64_t now);
struct dps_tws6_ent *dps_tws6_usable(const struct dps_lcore *lc, void *d,
	bool autobind, uint64_t now, uint32_t *isn_floor);
void dps_tws6_take_over(struct dps_lcore *lc, struct dps_tws6_ent *e);
uint32_t dps_tcp6_tw_count(const struct dps_lcore *lc);

/* Active open (dps_tcp6_connect.c). */
int dps_tcp6_do_connect(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now);
/* dps_tcp_conf() for an IPv6 connection over port @ifindex (its MTU and
 * TSO limit). */
void dps_tcp6_conf(const struct dps_lcore *lc, const struct dps_sock *sk,
	uint16_t ifindex, struct dps_tcb_conf *c);

/* Input and errors (dps_tcp_input6.c): the slot's input6 and err6. */
void dps_tcp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now);
void dps_tcp_rx6_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now);
/* Hand an ICMPv6 error about flow @t (@seq host order, @mtu of a packet
 * too big) to lcore @owner: 0, -ENOBUFS or -EAGAIN (counted drops). */
int dps_tcp6_icmp_post(struct dps_lcore *lc, unsigned int owner,
	const struct dps_tuple6 *t, uint32_t seq, int err, uint32_t mtu);
/* Its arrival on the owner (DPS_MSG_TCP_ICMP6); consumes @m. */
void dps_tcp6_icmp_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now);
void dps_tcp_err6(struct dps_lcore *lc, const struct dps_icmp6_view *icmp,
	int err, bool fatal, uint64_t now);

/* Passive open (dps_tcp6_listen.c): a segment for no IPv6 connection on
 * a listening port (true when taken, @m freed). For the IPv4 SYNs of
 * AF_INET6 listener @l: does it hear IPv4, and its v4-mapped child for
 * @t (NULL when the pool is empty). */
bool dps_tcp6_listen_hears_v4(const struct dps_sock *l);
struct dps_sock *dps_tcp6_mapped_child(struct dps_sock *l, const struct dps_tuple *t);
bool dps_tcp6_listen_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now);

#endif
