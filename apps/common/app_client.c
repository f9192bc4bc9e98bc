/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client engine: every stack lcore runs its share of the connections
 * to completion. dpstack's callbacks only note what happened (an event
 * bit and a place on the lcore's ready queue); the work function, called
 * between polls, acts on them. That keeps every close and reopen out of
 * the stack's own call chain. Three more per-lcore queues hold slot
 * numbers: free slots to (re)open, idle connections waiting for a rate
 * token, and the events. All memory is allocated before the loops start.
 *
 * cps runs closed loop by default: a new connection needs a free slot, so
 * a slow server slows the client down with it. With open_loop (as wrk2
 * and dperf do) a connection is launched for every rate token whether or
 * not earlier ones completed; the slots (--conc) only bound how many are
 * outstanding, and a token that finds none free, or that the lcore was
 * too late to spend, is counted as skipped rather than saved up.
 *
 * Quiet connections (issue 15): when the stack puts a connection into
 * its compact idle form (--idle-ms), the `idle` callback gives its slot
 * back if the connection waits on the idle queue for a rate token (the
 * only state such a connection has is its descriptor and its place in
 * that queue). The queue's entry then names the descriptor instead of
 * the slot (Q_FD), and the callback argument the stack keeps packs the
 * lcore (an index in a small registry of lcores) and the entry's
 * position (quiet_arg()): 8 bytes in the stack's entry, nothing in the
 * client. A given-back slot goes on the lcore's spare list and is the
 * next one any connection takes, so the slots written follow the
 * connections that are not compact, not --conc. When the stack wakes
 * the connection (a segment, a reset: the callbacks) or its token comes
 * (start_conc()), it takes a slot again, its entry names the slot again,
 * and it goes on as before. The end of the run closes the compact ones
 * from the idle queue.
 */
#include <pthread.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <arpa/inet.h>
#include "app_client.h"
#include "app_udp_stream.h"
#include "app_http.h"
#include "app_rate.h"
#include "app_tuples.h"

#define EV_CONN 1
#define EV_ERR 2
#define EV_READ 4
#define EV_WRITE 8

#define MAX_OPENING 512			/* handshakes in flight per lcore */
#define SCAN_PER_CALL 4			/* slots checked for timeouts per call */
#define RETRY_NS 10000000ull		/* conc: reopen 10 ms after a failure */
#define HTTP_HEAD_MAX 4096		/* bytes of one HTTP request head */
#define STOP_BATCH 256			/* closes per work call at the end */
#define SLOT_BATCH MAX_OPENING		/* free slots kept ready while some are unused */
#define STOP_BACKLOG 1024		/* ... while the tx backlog is below */
#define STOP_INFLIGHT 2048		/* ... and the closes still finishing */
#define BULK_CHUNK 65536
#define UDP_MAX 1472			/* one unfragmented datagram */
#define REQ_COPIES 4095			/* mbufs for requests sent whole */
#define REQ_COPY_ROOM 512		/* the longest request sent so */
#define LOST_MAX 16			/* lost sources kept apart per port */
#define SLOT_NONE UINT32_MAX		/* the end of the spare list */
#define Q_FD (1u << 31)			/* idle queue entry: a compact
					 * connection's descriptor (below 2^31) */
#define Q_DEAD UINT32_MAX		/* idle queue entry: closed at the end */
#define LC_REG 1024			/* client lcores a process may hold at once */

enum conn_state { C_FREE, C_CONNECTING, C_IDLE, C_BUSY, C_EOFWAIT, C_BULK };

/*
 * One connection slot: 64 bytes, a cache line (issue 15, item 4: ten
 * million of them must fit). What only one protocol needs shares one
 * place; the slot number is the slot's place in cli_lcore.conns.
 */
struct cli_conn {
	union {
		struct app_http http;	/* http: the response being read */
		uint64_t rx_left;	/* raw: response bytes still due */
		uint64_t seq;		/* udp: sequence of the request */
		struct app_udps_flow udps;	/* udp stream (bulk) */
		uint32_t next;		/* a spare slot: the next spare one */
	} u;
	struct cli_lcore *lc;
	uint64_t t0;			/* TSC: SYN sent, or request queued */
	int fd;
	uint32_t deadline;		/* timeout, or reopen not before: on
					 * the coarse clock (dl_now()) */
	union {
		uint32_t tx_off;	/* C_BUSY: request bytes queued so
					 * far: a request is below 4 GiB
					 * (--req-size is 32-bit, an HTTP one
					 * is short) */
		uint32_t qpos;		/* in_q: its position in the idle
					 * queue (the queue's running count) */
	};
	uint8_t state;			/* enum conn_state */
	uint8_t ev;			/* EV_* noted by the callbacks */
	uint8_t err;			/* errno from the error callback */
	uint8_t queued : 1;		/* on the ready queue */
	uint8_t in_q : 1;		/* C_IDLE, waiting on the idle queue
					 * at qpos */
};

/* The bound, so that it cannot grow unnoticed (issue 15, item 4). */
_Static_assert(sizeof(struct cli_conn) <= 64, "cli_conn over 64 bytes");

size_t
app_client_slot_size(void)
{
	return sizeof(struct cli_conn);
}

/* The handle of @p c's stream socket for the calls on this lcore, which
 * skip the descriptor's reference (dps_lsock()); not kept in the
 * connection, which stays within a cache line. */
static inline struct dps_lsock *
h_of(const struct cli_conn *c)
{
	return dps_lsock(c->fd);
}

/* A ring of slot numbers; each slot is on a given queue at most once.
 * Its cells are reserved for the most it may hold (max) and used
 * mask + 1 at a time, doubled as it fills (slotq_grow()). */
struct slotq {
	uint32_t *v;
	uint32_t head, tail, mask;
	uint32_t max;			/* cells reserved, a power of two */
};

struct cli_lcore {
	struct app_client *cl;
	unsigned int idx;
	struct cli_conn *conns;
	uint32_t n;
	uint32_t fresh;			/* slots written so far: conns[fresh..n) untouched */
	uint32_t made;			/* of the n connections, those brought
					 * into use (slots_top_up()) */
	uint32_t spare;			/* first slot given back by a compact
					 * connection (SLOT_NONE: none) */
	uint32_t reg;			/* index in lc_reg (LC_REG: none, the
					 * slots are then never given back) */
	struct slotq ready, freeq, idleq;
	uint32_t scan;
	bool unlimited;
	struct app_rate rate;		/* --rate: this lcore's schedule */
	uint64_t late_max;		/* open loop: sends it may fall behind */
	uint64_t quota, issued, finished;
	uint32_t next_grp;		/* the port the next connection takes */
	uint32_t next_to[APP_CLI_MAX_GROUPS], next_src[APP_CLI_MAX_GROUPS];
	uint64_t seq;
	bool warm;			/* a first handshake ended: ARP is resolved */
	bool stopping;			/* finishing the requests in flight */
	uint64_t stop_by;		/* TSC: then close whatever is left */
	uint32_t stop_next;		/* next slot the paced close looks at */
	uint32_t stop_q;		/* next idle queue position it looks at */
	uint32_t active;		/* slots holding a socket */
	uint32_t opening;		/* of those, handshakes under way */
	bool stopped;
	int drained;			/* atomic: sockets closed after stop */
	int done;			/* atomic: quota used up */
	uint32_t swap_req, swap_ack;	/* atomic: interval histogram swap */
	uint32_t iv_cur;		/* atomic: the histogram being filled */
	char *req;			/* this lcore's copy of the requests */
	uint8_t *req_of;		/* HTTP with several paths: the request
					 * each slot sends (else NULL) */
	uint32_t next_req;		/* the next one to send */
	uint32_t udps_next;		/* UDP stream: the next flow to send */
	char *rxbuf;			/* udp receive buffer */
	struct app_http_memo memo;	/* http: the last response head */
	struct app_cli_stats st;
	struct app_hist *h_conn, *h_req, *h_iv[2];
} __rte_cache_aligned;

struct app_client {
	struct dps_stack *s;
	struct app_cli_conf c;
	unsigned int n_lc;
	uint64_t hz;
	double ns_per_tsc;
	uint64_t tmo_tsc;
	uint64_t retry_tsc;		/* conc: reopen delay after a failure */
	unsigned int dl_shift;		/* coarse clock: TSC >> dl_shift */
	size_t req_len;			/* bytes of the image */
	char *req;			/* request image (read only): request i
					 * is [req_off[i], req_off[i + 1]) */
	uint32_t n_req;
	size_t req_off[APP_CLI_MAX_PATHS + 1];
	char *bulk;			/* bulk send buffer */
	struct rte_mempool *req_pool;	/* short requests' mbufs */
	/* Per port, the indexes of the IPv6 sources duplicate address
	 * detection lost (sources_lost()): read only once running. */
	uint32_t lost[APP_CLI_MAX_GROUPS][LOST_MAX];
	uint8_t n_lost[APP_CLI_MAX_GROUPS];
	int stop;			/* atomic: app_client_stop() */
	uint32_t rep_seq;		/* reporter's swap counter */
	struct cli_lcore *lc[DPS_MAX_LCORES];
};

#define APP_CLI_X_NAME(name, help) #name,
#define APP_CLI_X_HELP(name, help) help,
static const char *const err_names[] = { APP_CLI_ERR_LIST(APP_CLI_X_NAME) };
static const char *const err_helps[] = { APP_CLI_ERR_LIST(APP_CLI_X_HELP) };

/* Short name of error kind @p k (JSON key). */
const char *
app_cli_err_name(unsigned int k)
{
	return k < APP_CLI_ERR__MAX ? err_names[k] : "?";
}

/* One-line description of error kind @p k. */
const char *
app_cli_err_help(unsigned int k)
{
	return k < APP_CLI_ERR__MAX ? err_helps[k] : "?";
}

/* Only the owning lcore writes a counter: a relaxed store of the new
 * value pairs with the readers' relaxed loads in app_client_stats(). */
static inline void
stat_add(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, *p + v, __ATOMIC_RELAXED);
}

/* Count one error of kind @p kind. */
static void
err_count(struct cli_lcore *lc, unsigned int kind)
{
	stat_add(&lc->st.err[kind], 1);
}

/* The error kind an errno belongs to. */
static unsigned int
err_kind(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return APP_CLI_ERR_refused;
	case ETIMEDOUT:
		return APP_CLI_ERR_timeout;
	case ECONNRESET: case EPIPE: case ECONNABORTED:
		return APP_CLI_ERR_reset;
	case EADDRNOTAVAIL:
		return APP_CLI_ERR_addrnotavail;
	case ENOBUFS: case EAGAIN: case EMFILE: case ENOMEM:
		return APP_CLI_ERR_nobufs;
	default:
		return APP_CLI_ERR_other;
	}
}

/* ---- slot queues ---- */

/*
 * A queue for up to @p n slots (rounded up to a power of two), of which
 * it uses SLOTQ_FIRST cells at first. The cells are calloc()ed: for a
 * large --conc share those are fresh zero pages, so a cell costs memory
 * once written, and a ring that wraps within its mask writes no more
 * than twice the most it held at once (issue 15: the ready and free
 * queues hold a few hundred, not --conc, ten million times 4 bytes each).
 */
#define SLOTQ_FIRST 1024u
static int
slotq_init(struct slotq *q, uint32_t n)
{
	uint32_t cap = rte_align32pow2(n < 2 ? 2 : n);

	q->v = calloc(cap, sizeof(*q->v));
	q->max = cap;
	q->mask = RTE_MIN(cap, SLOTQ_FIRST) - 1;
	q->head = q->tail = 0;
	return q->v == NULL ? -ENOMEM : 0;
}

/*
 * Double the cells in use, in place: the position p of each queued
 * slot goes from cell p & mask to p & (2 * mask + 1), the same cell or
 * the one mask + 1 above it, in the upper half that nothing used yet, so
 * no move overwrites a slot still to move. Positions stay what they
 * were (an idle queue's are kept in the callback argument).
 */
static void
slotq_grow(struct slotq *q)
{
	uint32_t wide = 2 * q->mask + 1;

	for (uint32_t p = q->head; p != q->tail; p++)
		if ((p & wide) != (p & q->mask))
			q->v[p & wide] = q->v[p & q->mask];
	q->mask = wide;
}

/* Append slot @p id; the caller guarantees room (at most max queued). */
static inline void
slotq_push(struct slotq *q, uint32_t id)
{
	if (unlikely(q->tail - q->head > q->mask) && q->mask + 1 < q->max)
		slotq_grow(q);
	q->v[q->tail++ & q->mask] = id;
}

/* True when the queue holds nothing. */
static inline bool
slotq_empty(const struct slotq *q)
{
	return q->head == q->tail;
}

/* The oldest slot, left queued. */
static inline uint32_t
slotq_peek(const struct slotq *q)
{
	return q->v[q->head & q->mask];
}

/* How many slots are queued. */
static inline uint32_t
slotq_count(const struct slotq *q)
{
	return q->tail - q->head;
}

/* Take the oldest slot. */
static inline uint32_t
slotq_pop(struct slotq *q)
{
	return q->v[q->head++ & q->mask];
}

/* ---- slots ---- */

/* The slot number of @p c. */
static inline uint32_t
conn_id(const struct cli_conn *c)
{
	return (uint32_t)(c - c->lc->conns);
}

/* Only the owning lcore writes a gauge: as stat_add(), by @p d (+1 or
 * -1, the unsigned sum wraps back). */
static inline void
gauge_add(uint64_t *p, int d)
{
	__atomic_store_n(p, *p + (uint64_t)(int64_t)d, __ATOMIC_RELAXED);
}

/*
 * A slot for a connection, empty (fd -1, C_FREE): a spare one first (the
 * last given back, its cache line the warmest), else the first never
 * written. It never runs out: a slot is taken for one of the lcore's n
 * connections that holds none (a new one, or a compact one coming back),
 * so fewer than n hold one and, with no spare slot, fresh (the slots
 * held) is below n.
 */
static struct cli_conn *
slot_take(struct cli_lcore *lc)
{
	uint32_t id = lc->spare;
	struct cli_conn *c;

	if (id != SLOT_NONE) {
		lc->spare = lc->conns[id].u.next;
	} else {
		id = lc->fresh++;
		stat_add(&lc->st.slots_used, 1);
	}
	c = &lc->conns[id];
	memset(c, 0, sizeof(*c));
	c->lc = lc;
	c->fd = -1;
	c->state = C_FREE;
	gauge_add(&lc->st.slots_held, 1);
	return c;
}

/* Give slot @p c back to the spare list: it looks free to every walk
 * of conns[0, fresh). */
static void
slot_give(struct cli_lcore *lc, struct cli_conn *c)
{
	c->fd = -1;
	c->state = C_FREE;
	c->ev = 0;
	c->queued = 0;
	c->in_q = 0;
	c->u.next = lc->spare;
	lc->spare = conn_id(c);
	gauge_add(&lc->st.slots_held, -1);
}

/* Whether idle queue entry @p v names a compact connection. */
static inline bool
q_quiet(uint32_t v)
{
	return v != Q_DEAD && (v & Q_FD) != 0;
}

/* Whether the idle queue's entry at position @p pos is one that no
 * connection waits on any more: closed at the end (Q_DEAD), or left by a
 * connection closed while it waited (in_q or its position say so). A
 * compact connection's entry (Q_FD) is always live. */
static bool
idle_stale(const struct cli_lcore *lc, uint32_t pos)
{
	uint32_t v = lc->idleq.v[pos & lc->idleq.mask];
	const struct cli_conn *c;

	if (q_quiet(v))
		return false;
	if (v == Q_DEAD)
		return true;
	c = &lc->conns[v];
	return !(c->in_q && c->qpos == pos);
}

static void conn_close(struct cli_conn *c, uint64_t tsc, uint64_t delay);

/*
 * Queue idle connection @p c for a rate token, noting where. Entries of
 * connections closed while they waited stay until a token reaches them,
 * so the queue has cells for twice the lcore's connections; should it
 * still be full, the stale entries at its head go first, and if the head
 * is live the connection is closed and counted (ENOBUFS) rather than an
 * entry overwritten: a queue position is a compact connection's name.
 */
static void
idle_push(struct cli_lcore *lc, struct cli_conn *c, uint64_t tsc)
{
	struct slotq *q = &lc->idleq;

	while (unlikely(slotq_count(q) == q->max) && !lc->stopping &&
			idle_stale(lc, q->head))
		q->head++;
	if (unlikely(slotq_count(q) == q->max)) {
		err_count(lc, APP_CLI_ERR_nobufs);
		conn_close(c, tsc, 0);
		return;
	}
	c->qpos = q->tail;
	c->in_q = 1;
	slotq_push(q, conn_id(c));
}

/* ---- quiet connections: no slot while compact ---- */

/*
 * The lcores of the clients in the process, so that a callback argument
 * of 8 bytes can name one with a few bits beside the queue position
 * (quiet_arg()). An lcore that finds no room keeps its slots (cb_idle()).
 * An index is written at app_client_create(), before the lcores run, and
 * emptied at app_client_destroy(), after they returned.
 */
static struct cli_lcore *lc_reg[LC_REG];
static pthread_mutex_t lc_reg_lock = PTHREAD_MUTEX_INITIALIZER;

/* Give @p lc an index in the registry (LC_REG when it is full). */
static void
lc_register(struct cli_lcore *lc)
{
	pthread_mutex_lock(&lc_reg_lock);
	lc->reg = LC_REG;
	for (uint32_t i = 0; i < LC_REG && lc->reg == LC_REG; i++)
		if (lc_reg[i] == NULL) {
			/* Release: the lcore's fields are written before a
			 * callback's acquire load can find it. */
			__atomic_store_n(&lc_reg[i], lc, __ATOMIC_RELEASE);
			lc->reg = i;
		}
	pthread_mutex_unlock(&lc_reg_lock);
}

/* Take @p lc's index back (its loop has returned). */
static void
lc_unregister(struct cli_lcore *lc)
{
	pthread_mutex_lock(&lc_reg_lock);
	if (lc->reg < LC_REG)
		/* Relaxed: no callback of this lcore runs any more. */
		__atomic_store_n(&lc_reg[lc->reg], NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lc_reg_lock);
}

_Static_assert(sizeof(void *) == 8, "the quiet argument packs 64 bits");

/* The callback argument of a compact connection of @p lc whose idle
 * queue entry is at position @p pos: bit 0 set (a slot's address has
 * it clear), the registry index above it, the position in the upper
 * half. */
static inline void *
quiet_arg(const struct cli_lcore *lc, uint32_t pos)
{
	return (void *)((uintptr_t)pos << 32 | (uintptr_t)lc->reg << 1 | 1);
}

/* The lcore and idle queue position of callback argument @p arg if it
 * names a compact connection, else NULL. */
static inline struct cli_lcore *
quiet_lc(void *arg, uint32_t *pos)
{
	uintptr_t a = (uintptr_t)arg;

	if ((a & 1) == 0)
		return NULL;
	*pos = (uint32_t)(a >> 32);
	/* Acquire: pairs with the release in lc_register(). */
	return __atomic_load_n(&lc_reg[(uint32_t)a >> 1], __ATOMIC_ACQUIRE);
}

/* ---- callbacks: note the event, act later ---- */

static const struct dps_sock_cbs tcp_cbs;

/*
 * Compact connection @p fd (its socket @p h, made again) takes a slot
 * again: idle, at idle queue position @p pos, whose entry names the slot
 * again, and the slot is its callback argument from now on.
 */
static struct cli_conn *
conn_back(struct cli_lcore *lc, int fd, uint32_t pos, struct dps_lsock *h)
{
	struct cli_conn *c = slot_take(lc);

	c->fd = fd;
	c->state = C_IDLE;
	c->qpos = pos;
	c->in_q = 1;
	lc->idleq.v[pos & lc->idleq.mask] = conn_id(c);
	gauge_add(&lc->st.conn_quiet, -1);
	dps_lsock_set_callbacks(h, &tcp_cbs, c);
	return c;
}

/* The connection of a callback's @p fd and @p arg: a compact one takes
 * a slot again (its socket is one again: a callback runs on a socket). */
static struct cli_conn *
conn_of(int fd, void *arg)
{
	uint32_t pos;
	struct cli_lcore *lc = quiet_lc(arg, &pos);
	struct dps_lsock *h;

	if (lc == NULL)
		return arg;
	h = dps_lsock(fd);
	return h != NULL ? conn_back(lc, fd, pos, h) : NULL;
}

/* Record event @p ev on @p c and queue it once for the work function. */
static inline void
note(struct cli_conn *c, uint8_t ev)
{
	c->ev |= ev;
	if (!c->queued) {
		c->queued = 1;
		slotq_push(&c->lc->ready, conn_id(c));
	}
}

/* dpstack: the handshake completed. */
static void
cb_connected(int fd, void *arg)
{
	struct cli_conn *c = conn_of(fd, arg);

	if (c != NULL)
		note(c, EV_CONN);
}

/* dpstack: the connection failed or was reset (@p err as SO_ERROR). */
static void
cb_error(int fd, int err, void *arg)
{
	struct cli_conn *c = conn_of(fd, arg);

	if (c == NULL)
		return;
	c->err = (uint8_t)err;	/* errno values are below 256 */
	note(c, EV_ERR);
}

/* dpstack: data or a FIN arrived. */
static void
cb_readable(int fd, void *arg)
{
	struct cli_conn *c = conn_of(fd, arg);

	if (c != NULL)
		note(c, EV_READ);
}

/* dpstack: send space became available (an idle connection, compact or
 * not, has nothing left to send). */
static void
cb_writable(int fd, void *arg)
{
	uint32_t pos;

	(void)fd;
	if (quiet_lc(arg, &pos) == NULL)
		note(arg, EV_WRITE);
}

/*
 * dpstack: the connection went compact. One waiting on the idle queue
 * for a token holds nothing but its descriptor and its place there: its
 * entry names the descriptor now, the slot goes back, and the argument
 * kept packs the place (quiet_arg()). Anything else keeps its slot. No
 * call into the stack for @p fd.
 */
static void *
cb_idle(int fd, void *arg)
{
	struct cli_conn *c = arg;
	struct cli_lcore *lc;
	uint32_t pos;

	if (quiet_lc(arg, &pos) != NULL)
		return arg;	/* woken unseen, and compact again */
	lc = c->lc;
	if (lc->reg == LC_REG || c->state != C_IDLE || !c->in_q || c->queued ||
			c->fd != fd)
		return arg;
	pos = c->qpos;
	lc->idleq.v[pos & lc->idleq.mask] = Q_FD | (uint32_t)fd;
	slot_give(lc, c);
	gauge_add(&lc->st.conn_quiet, 1);
	return quiet_arg(lc, pos);
}

static const struct dps_sock_cbs tcp_cbs = {
	.connected = cb_connected, .error = cb_error,
	.readable = cb_readable, .writable = cb_writable, .idle = cb_idle,
};

/* ---- opening and closing ---- */

/* TSC ticks @p d in nanoseconds. */
static inline uint64_t
tsc_ns(const struct app_client *cl, uint64_t d)
{
	return (uint64_t)((double)d * cl->ns_per_tsc);
}

/*
 * The coarse clock of the deadlines: a tick is 2^dl_shift TSC ticks, 5
 * to 10 us (app_client_create(); longer when --timeout is so long that
 * 2^29 ticks would not hold it), so 32 bits span over 6 hours. A deadline
 * is compared by signed difference, as TCP sequence numbers are: right
 * while it is less than half the span from now, which holds for every
 * deadline that is acted on (a timeout, a reopen delay of 10 ms, each
 * checked by the slot scan well within them).
 */
static inline uint32_t
dl_now(const struct app_client *cl, uint64_t tsc)
{
	return (uint32_t)(tsc >> cl->dl_shift);
}

/* The deadline @p delay TSC ticks after @p tsc, rounded up: never early. */
static inline uint32_t
dl_after(const struct app_client *cl, uint64_t tsc, uint64_t delay)
{
	return (uint32_t)((tsc + delay + (1ull << cl->dl_shift) - 1) >>
		cl->dl_shift);
}

/* Whether deadline @p d has come at @p tsc. */
static inline bool
dl_passed(const struct app_client *cl, uint64_t tsc, uint32_t d)
{
	return (int32_t)(dl_now(cl, tsc) - d) >= 0;
}

/* Drop the socket. The slot goes back on the free queue, to be reopened
 * (conc, rr, bulk: after @p delay TSC ticks) or used by the next new
 * connection (cps). */
static void
conn_close(struct cli_conn *c, uint64_t tsc, uint64_t delay)
{
	struct cli_lcore *lc = c->lc;

	if (c->fd >= 0) {
		if (lc->cl->c.proto != APP_CLI_UDP)	/* UDP has none */
			dps_lsock_set_callbacks(h_of(c), NULL, NULL);
		dps_close(c->fd);
		lc->active--;
		if (c->state == C_CONNECTING)
			lc->opening--;
	}
	if (c->state != C_CONNECTING && c->state != C_FREE)
		stat_add(&lc->st.conn_closed, 1);
	c->fd = -1;
	c->state = C_FREE;
	c->ev = 0;
	c->in_q = 0;	/* an entry left on the idle queue is stale */
	c->deadline = dl_after(lc->cl, tsc, delay);
	slotq_push(&lc->freeq, conn_id(c));
}

/* A request (or, in cps, a connection) ended without a response. */
static void
finish_one(struct cli_lcore *lc)
{
	if (++lc->finished == lc->quota)
		/* Release: pairs with the acquire in app_client_done(). */
		__atomic_store_n(&lc->done, 1, __ATOMIC_RELEASE);
}

/* The connection failed with error kind @p kind: count it, close. */
static void
conn_fail(struct cli_conn *c, unsigned int kind, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	bool cps = lc->cl->c.mode == APP_CLI_CPS;

	err_count(lc, kind);
	lc->warm = true;
	if (c->state == C_BUSY || (cps && c->state == C_CONNECTING))
		finish_one(lc);
	conn_close(c, tsc, cps ? 0 : lc->cl->retry_tsc);
}

/* Port @p g of the run: its sources and destinations (the whole run
 * when there is one port). */
static struct app_cli_grp
grp_of(const struct app_cli_conf *cf, unsigned int g)
{
	if (cf->n_grp == 0)
		return (struct app_cli_grp){ .src = cf->src, .n_src = cf->n_src,
			.to_first = 0, .n_to = (uint8_t)cf->n_to };
	return cf->grp[g];
}

/* Is source @p src of port @p g one duplicate address detection lost? */
static bool
src_lost(const struct app_client *cl, unsigned int g, uint32_t src)
{
	for (unsigned int i = 0; i < cl->n_lost[g]; i++)
		if (cl->lost[g][i] == src)
			return true;
	return false;
}

/*
 * The next connection's port, source and destination: the ports in
 * turn, and within a port every (source, destination) pair in turn
 * (app_tuples_next_pair()). Returns the port's group; *@p src is the
 * source's index in the port's range.
 */
static struct app_cli_grp
next_pair(struct cli_lcore *lc, uint32_t *src, const union app_sockaddr **to)
{
	const struct app_cli_conf *cf = &lc->cl->c;
	uint32_t g = lc->next_grp;
	struct app_cli_grp gr = grp_of(cf, g);

	lc->next_grp = g + 1 >= (cf->n_grp ? cf->n_grp : 1) ? 0 : g + 1;
	do {
		*src = lc->next_src[g];
		*to = &cf->to[gr.to_first + lc->next_to[g]];
		app_tuples_next_pair(&lc->next_src[g], &lc->next_to[g],
			gr.n_src ? gr.n_src : 1, gr.n_to);
	} while (unlikely(lc->cl->n_lost[g] != 0) && src_lost(lc->cl, g, *src));
	return gr;
}

/* conn_bind() of an IPv6 source: address @p src of the run, port 0. */
static int
conn_bind6(int fd, const struct app_cli_grp *gr, uint32_t src)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct dps_addr a = app_addr_nth(&gr->src, src);

	memcpy(&sin6.sin6_addr, a.v6, 16);
	return dps_bind(fd, (const struct sockaddr *)&sin6, sizeof(sin6));
}

/*
 * With an --addr range, bind source address @p src of it with port 0 and
 * IP_BIND_ADDRESS_NO_PORT: the bind takes the address only, and connect()
 * autobinds the port for the full 4-tuple on this lcore (a port whose
 * tuple hashes here, shared with other destinations and addresses), as
 * Linux's __inet_hash_connect() does. A single address is left to the
 * route, which picks the port's own.
 */
static int
conn_bind(int fd, const struct app_cli_grp *gr, uint32_t src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int one = 1;

	if (gr->n_src <= 1)
		return 0;	/* autobind picks the route's source address */
	if (dps_setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			sizeof(one)) != 0)
		return -1;
	if (gr->src.family == AF_INET6)
		return conn_bind6(fd, gr, src);
	sin.sin_addr.s_addr = htonl(ntohl(gr->src.v4) + src);
	return dps_bind(fd, (const struct sockaddr *)&sin, sizeof(sin));
}

/* Open slot @p c: socket, source address, connect. TCP answers through
 * the callbacks; a UDP flow is ready at once. The connect time is
 * measured from @p t0: @p tsc, or the launch's intended time (cps at a
 * --rate). */
static void
conn_open(struct cli_conn *c, uint64_t tsc, uint64_t t0)
{
	struct cli_lcore *lc = c->lc;
	const struct app_cli_conf *cf = &lc->cl->c;
	bool udp = cf->proto == APP_CLI_UDP;
	const union app_sockaddr *to;
	uint32_t src;
	struct app_cli_grp gr = next_pair(lc, &src, &to);
	int fd, rc;

	stat_add(&lc->st.conn_attempted, 1);
	fd = dps_socket(to->sa.sa_family, (udp ? SOCK_DGRAM : SOCK_STREAM) |
		SOCK_NONBLOCK, 0);
	if (fd < 0) {
		c->state = C_CONNECTING;
		conn_fail(c, err_kind(errno), tsc);
		return;
	}
	c->fd = fd;
	lc->active++;
	lc->opening++;
	c->state = C_CONNECTING;
	c->t0 = t0;
	c->deadline = dl_after(lc->cl, tsc, lc->cl->tmo_tsc);
	if (conn_bind(fd, &gr, src) != 0 ||
			(!udp && dps_lsock_set_callbacks(h_of(c), &tcp_cbs, c) != 0)) {
		conn_fail(c, err_kind(errno), tsc);
		return;
	}
	rc = dps_connect(fd, &to->sa, app_sockaddr_len(to));
	if (rc != 0 && (udp || errno != EINPROGRESS)) {
		conn_fail(c, err_kind(errno), tsc);
		return;
	}
	if (udp) {
		stat_add(&lc->st.conn_established, 1);
		lc->opening--;
		if (cf->mode == APP_CLI_BULK) {
			c->state = C_BULK;
			app_udps_init(&c->u.udps, lc->idx << 24 | conn_id(c));
			return;
		}
		c->state = C_IDLE;
		idle_push(lc, c, tsc);
	}
}

/* ---- requests ---- */

/* The request @p c sends, and its length. */
static const char *
conn_req(const struct cli_conn *c, size_t *len)
{
	const struct cli_lcore *lc = c->lc;
	const struct app_client *cl = lc->cl;
	uint32_t i = lc->req_of != NULL ? lc->req_of[conn_id(c)] : 0;

	*len = cl->req_off[i + 1] - cl->req_off[i];
	return lc->req + cl->req_off[i];
}

/*
 * Queue @p len bytes at @p p whole as an mbuf of their own (zero copy for
 * the stack, dps_lsock_send_mbuf()) when they are short and req_pool has
 * one; else, or when the buffer lacks room for all of them (or a
 * small SO_SNDBUF never has it), before the handshake is over or off
 * the owning lcore, as dps_lsock_send() would (a copy of what fits). A request costs an
 * allocation and a short memcpy so, where dps_lsock_send() pays for the
 * guarded copy from the caller's memory (EFAULT, a sigsetjmp()) and
 * the send queue's ring.
 */
static ssize_t
send_bytes(struct cli_conn *c, const char *p, size_t len)
{
	struct dps_lsock *h = h_of(c);
	struct rte_mbuf *m;
	ssize_t n;

	if (len <= REQ_COPY_ROOM && (m = rte_pktmbuf_alloc(c->lc->cl->req_pool)) != NULL) {
		/* The pool's room is REQ_COPY_ROOM past the headroom. */
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), p, len);
		n = dps_lsock_send_mbuf(h, m);
		if (n >= 0)
			return n;
		rte_pktmbuf_free(m);
		/* These come with nothing consumed (a pending error is told
		 * once), ENOTCONN for a handshake still going on, which
		 * dps_lsock_send() waits out: the copy can still try. */
		if (errno != EAGAIN && errno != EMSGSIZE && errno != EPERM &&
				errno != ENOTCONN)
			return n;
	}
	return dps_lsock_send(h, p, len, MSG_DONTWAIT);
}

/* Queue what is left of the request; false when the connection failed. */
static bool
push_request(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	size_t len;
	const char *req = conn_req(c, &len);
	ssize_t n;

	while (c->tx_off < len) {
		n = send_bytes(c, req + c->tx_off, len - c->tx_off);
		if (n < 0) {
			if (errno == EAGAIN)
				return true;
			conn_fail(c, err_kind(errno), tsc);
			return false;
		}
		c->tx_off += (uint32_t)n;
		stat_add(&lc->st.tx_bytes, (uint64_t)n);
	}
	return true;
}

/* Start a request on @p c: time it from @p t0 (@p tsc, or its intended
 * send time at a --rate), arm its timeout, send it. */
static void
send_request(struct cli_conn *c, uint64_t tsc, uint64_t t0)
{
	struct cli_lcore *lc = c->lc;
	const struct app_cli_conf *cf = &lc->cl->c;

	c->state = C_BUSY;
	c->t0 = t0;
	c->deadline = dl_after(lc->cl, tsc, lc->cl->tmo_tsc);
	c->tx_off = 0;
	if (cf->proto == APP_CLI_RAW)
		c->u.rx_left = cf->resp_size;
	if (cf->mode != APP_CLI_CPS)
		lc->issued++;	/* cps counted it when it opened the connection */
	stat_add(&lc->st.req_sent, 1);
	if (cf->proto == APP_CLI_HTTP) {
		app_http_init(&c->u.http, APP_HTTP_RESPONSE);
		/* RFC 9110 9.3.2: a response to HEAD has no body, whatever
		 * its Content-Length says. */
		c->u.http.head_only = cf->method != NULL && strcmp(cf->method, "HEAD") == 0;
		if (lc->req_of != NULL) {
			lc->req_of[conn_id(c)] = (uint8_t)lc->next_req;
			lc->next_req = lc->next_req + 1 == lc->cl->n_req ? 0 : lc->next_req + 1;
		}
	}
	if (cf->proto == APP_CLI_UDP) {
		c->u.seq = ++lc->seq;
		if (lc->cl->req_len >= sizeof(c->u.seq))
			memcpy(lc->req, &c->u.seq, sizeof(c->u.seq));
		if (dps_send(c->fd, lc->req, lc->cl->req_len, MSG_DONTWAIT) < 0) {
			err_count(lc, err_kind(errno));
			finish_one(lc);
			c->state = C_IDLE;
			idle_push(lc, c, tsc);
			return;
		}
		stat_add(&lc->st.tx_bytes, lc->cl->req_len);
		return;
	}
	push_request(c, tsc);
}

/* True while this lcore may start requests (--count share, not stopping). */
static inline bool
quota_left(const struct cli_lcore *lc)
{
	return !lc->stopping && (lc->quota == 0 || lc->issued < lc->quota);
}

/* Connection @p c has nothing in flight: next request now (no rate
 * limit), or wait for a token on the idle queue. */
static void
conn_idle(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;

	c->state = C_IDLE;
	if (lc->stopping) {
		conn_close(c, tsc, 0);
		return;
	}
	/* A cps connection was opened for one request, already counted and
	 * paid for with a rate token: it goes at once. */
	if (lc->cl->c.mode == APP_CLI_CPS) {
		send_request(c, tsc, tsc);
		return;
	}
	if (!quota_left(lc))
		return;
	if (lc->unlimited)
		send_request(c, tsc, tsc);
	else
		idle_push(lc, c, tsc);
}

/* A full response: time it, judge it, then what the mode does next. */
static void
complete(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	const struct app_cli_conf *cf = &lc->cl->c;
	uint64_t ns = tsc_ns(lc->cl, tsc - c->t0);
	bool http = cf->proto == APP_CLI_HTTP;

	app_hist_add(lc->h_req, ns);
	app_hist_add(lc->h_iv[lc->iv_cur], ns);
	stat_add(&lc->st.req_done, 1);
	finish_one(lc);
	if (http && c->u.http.status >= 200 && c->u.http.status < 300)
		stat_add(&lc->st.resp_2xx, 1);
	else if (http)
		err_count(lc, APP_CLI_ERR_http_status);
	if (http && !c->u.http.keep_alive) {
		c->state = C_EOFWAIT;	/* the server closes first */
		c->deadline = dl_after(lc->cl, tsc, lc->cl->tmo_tsc);
	} else if (cf->mode == APP_CLI_CPS || cf->proto == APP_CLI_UDP) {
		if (cf->proto == APP_CLI_UDP)
			conn_idle(c, tsc);
		else
			conn_close(c, tsc, 0);
	} else {
		conn_idle(c, tsc);
	}
}

/* ---- receiving ---- */

/* Raw: count response bytes down; false when the connection is gone. */
static bool
consume_raw(struct cli_conn *c, size_t len, uint64_t tsc)
{
	if (c->state != C_BUSY || len > c->u.rx_left) {
		conn_fail(c, APP_CLI_ERR_extra_resp, tsc);
		return false;
	}
	c->u.rx_left -= len;
	if (c->u.rx_left == 0)
		complete(c, tsc);
	return c->fd >= 0;
}

/* HTTP: feed the parser; a message may end inside this piece. */
static bool
consume_http(struct cli_conn *c, const char *p, size_t len, uint64_t tsc)
{
	size_t used;
	int rc;

	while (len > 0) {
		if (c->state != C_BUSY) {
			conn_fail(c, APP_CLI_ERR_extra_resp, tsc);
			return false;
		}
		rc = app_http_feed_memo(&c->u.http, &c->lc->memo, p, len, &used);
		if (rc == APP_HTTP_MORE)
			return true;
		if (rc == APP_HTTP_ERROR) {
			conn_fail(c, APP_CLI_ERR_http_parse, tsc);
			return false;
		}
		p += used;
		len -= used;
		complete(c, tsc);
		if (c->fd < 0)
			return false;
	}
	return true;
}

/* Account the payload of mbuf chain @p m; false when @p c is gone. A
 * bulk sender expects nothing back: data that comes is the server
 * answering what it took for requests (an HTTP server's 400 to a
 * stream of bytes), an error, and the connection is dropped. */
static bool
consume(struct cli_conn *c, const struct rte_mbuf *m, uint64_t tsc)
{
	const struct app_cli_conf *cf = &c->lc->cl->c;

	if (c->state == C_BULK && !cf->bulk_recv) {
		conn_fail(c, APP_CLI_ERR_unexpected, tsc);
		return false;
	}
	if (c->state == C_BULK)
		return true;
	for (; m != NULL; m = m->next) {
		bool ok = cf->proto == APP_CLI_HTTP ?
			consume_http(c, rte_pktmbuf_mtod(m, const char *), m->data_len, tsc) :
			consume_raw(c, m->data_len, tsc);

		if (!ok)
			return false;
	}
	return true;
}

/* The peer closed its side. */
static void
on_eof(struct cli_conn *c, uint64_t tsc)
{
	const struct app_cli_conf *cf = &c->lc->cl->c;

	if (c->state == C_BUSY && cf->proto == APP_CLI_HTTP &&
			app_http_eof(&c->u.http) == APP_HTTP_DONE) {
		c->u.http.keep_alive = false;
		complete(c, tsc);
	} else if (c->state == C_BUSY) {
		conn_fail(c, APP_CLI_ERR_short_resp, tsc);
		return;
	}
	if (c->fd >= 0)
		conn_close(c, tsc, 0);
}

/* Take every queued mbuf (zero copy), then handle EOF or errors. The
 * read that would only say EAGAIN is skipped: each read tells whether
 * another would give more (a pipelined or split response, EOF). */
static void
on_readable(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	struct dps_lsock *h = h_of(c);	/* once: c->fd stays while it loops */
	struct rte_mbuf *m;
	bool more = true;
	ssize_t n;
	bool ok;

	while (c->fd >= 0 && more) {
		n = dps_lsock_recv_mbuf(h, &m, &more);
		if (n < 0) {
			if (errno != EAGAIN)
				conn_fail(c, err_kind(errno), tsc);
			return;
		}
		if (n == 0) {
			on_eof(c, tsc);
			return;
		}
		stat_add(&lc->st.rx_bytes, (uint64_t)n);
		ok = consume(c, m, tsc);
		rte_pktmbuf_free(m);
		if (!ok)
			return;
	}
}

/* ---- bulk ---- */

/* Bulk: queue data until the send buffer is full. */
static void
bulk_push(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	ssize_t n;

	for (;;) {
		n = dps_lsock_send(h_of(c), lc->cl->bulk, BULK_CHUNK, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN)
				conn_fail(c, err_kind(errno), tsc);
			return;
		}
		stat_add(&lc->st.tx_bytes, (uint64_t)n);
	}
}

/* ---- events ---- */

/* The handshake completed: time it, then start what the mode does. */
static void
on_connected(struct cli_conn *c, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	const struct app_cli_conf *cf = &lc->cl->c;

	app_hist_add(lc->h_conn, tsc_ns(lc->cl, tsc - c->t0));
	stat_add(&lc->st.conn_established, 1);
	lc->warm = true;
	lc->opening--;
	if (cf->mode == APP_CLI_BULK) {
		c->state = C_BULK;
		if (!cf->bulk_recv)
			bulk_push(c, tsc);
	} else if (cf->mode == APP_CLI_CPS) {
		send_request(c, tsc, tsc);
	} else {
		conn_idle(c, tsc);
	}
}

/* Act on the events noted for @p c, errors first. */
static void
handle(struct cli_conn *c, uint8_t ev, uint64_t tsc)
{
	if (ev & EV_ERR) {
		conn_fail(c, err_kind(c->err), tsc);
		return;
	}
	if ((ev & EV_CONN) && c->state == C_CONNECTING)
		on_connected(c, tsc);
	if ((ev & EV_READ) && c->fd >= 0 && c->state != C_CONNECTING)
		on_readable(c, tsc);
	if ((ev & EV_WRITE) && c->fd >= 0) {
		size_t len;

		/* room after every send: only a request not all queued
		 * needs it */
		if (c->state == C_BUSY && (conn_req(c, &len), c->tx_off < len))
			push_request(c, tsc);
		else if (c->state == C_BULK && !c->lc->cl->c.bulk_recv)
			bulk_push(c, tsc);
	}
}

/* Handle every connection the callbacks queued since the last call. */
static unsigned int
drain_ready(struct cli_lcore *lc, uint64_t tsc)
{
	unsigned int n = 0;

	while (!slotq_empty(&lc->ready)) {
		struct cli_conn *c = &lc->conns[slotq_pop(&lc->ready)];
		uint8_t ev = c->ev;

		c->queued = 0;
		c->ev = 0;
		if (c->fd >= 0 && ev != 0)
			handle(c, ev, tsc);
		/* A compact one woken at the end, after the paced close
		 * passed its slot, and still idle. */
		if (lc->stopping && c->fd >= 0 && c->state == C_IDLE)
			conn_close(c, tsc, 0);
		n++;
	}
	return n;
}

/* ---- rate ---- */

/*
 * Open loop: launches the lcore came too late for (more than a
 * millisecond of the schedule behind) are skipped, not made up later in
 * a burst; only once ARP resolved: before that the generator waits on
 * purpose. The closed-loop modes catch up instead (app_rate.h): a send
 * that could not go at its time goes as soon as a connection is free.
 */
static void
skip_late(struct cli_lcore *lc, uint64_t tsc)
{
	if (lc->unlimited || !lc->cl->c.open_loop || !lc->warm)
		return;
	stat_add(&lc->st.conn_skipped, app_rate_skip_late(&lc->rate, tsc,
		lc->late_max));
}

/* Take the next send of the schedule if it is due: true, and *@p t0 its
 * intended send time (@p tsc itself without a --rate), what latency is
 * measured from. */
static inline bool
take_token(struct cli_lcore *lc, uint64_t tsc, uint64_t *t0)
{
	*t0 = tsc;
	return lc->unlimited || app_rate_take(&lc->rate, tsc, t0);
}

/*
 * Before the first handshake has ended, one connection at a time: the
 * first SYN waits for ARP, and a burst behind it would overflow the ARP
 * hold queue and wait a whole SYN retransmission (1 s). After that, at
 * most MAX_OPENING handshakes at once per lcore: opening --conc 100000
 * at one go filled the device's tx ring with SYNs, dropped most of them
 * and left the rest to SYN retransmissions backing off for a minute.
 */
static inline bool
may_open(const struct cli_lcore *lc)
{
	return (lc->warm || lc->st.conn_attempted == 0) &&
		lc->opening < MAX_OPENING;
}

/*
 * Bring connections into use while the free queue holds fewer than
 * SLOT_BATCH and some of the n were never made, each on a slot of its
 * own (slot_take(): a spare one first). conns[] is calloc()ed: for a
 * large --conc share that is fresh zero pages from the kernel, so a slot
 * costs memory only once written, and a run that never holds its whole
 * --conc (a rate below it), or whose connections go compact, touches the
 * slots it held at once and a batch more. The free queue is FIFO, so
 * reopened slots rotate through those in use.
 */
static void
slots_top_up(struct cli_lcore *lc, uint64_t tsc)
{
	while (lc->made < lc->n && slotq_count(&lc->freeq) < SLOT_BATCH) {
		struct cli_conn *c = slot_take(lc);

		lc->made++;
		c->deadline = dl_now(lc->cl, tsc);
		slotq_push(&lc->freeq, conn_id(c));
	}
}

/*
 * Open loop: a launch per token. Without a free slot (--conc outstanding)
 * the token is spent and counted as skipped. The handshake cap of
 * may_open() does not apply: --conc is the bound here.
 */
static unsigned int
start_open_loop(struct cli_lcore *lc, uint64_t tsc)
{
	unsigned int n = 0;
	uint64_t t0;

	if (!lc->warm && lc->st.conn_attempted != 0)
		return 0;	/* the first SYN waits for ARP */
	while (quota_left(lc) && take_token(lc, tsc, &t0)) {
		if (slotq_empty(&lc->freeq))
			slots_top_up(lc, tsc);
		if (slotq_empty(&lc->freeq)) {
			stat_add(&lc->st.conn_skipped, 1);
			continue;
		}
		lc->issued++;
		conn_open(&lc->conns[slotq_pop(&lc->freeq)], tsc, t0);
		n++;
		if (!lc->warm)
			break;
	}
	return n;
}

/* cps: a new connection per token, within the free slots. */
static unsigned int
start_cps(struct cli_lcore *lc, uint64_t tsc)
{
	uint32_t todo = slotq_count(&lc->freeq);	/* a failure requeues */
	unsigned int n = 0;
	uint64_t t0;

	while (todo-- > 0 && may_open(lc) && quota_left(lc) &&
			take_token(lc, tsc, &t0)) {
		lc->issued++;
		conn_open(&lc->conns[slotq_pop(&lc->freeq)], tsc, t0);
		n++;
	}
	return n;
}

/*
 * The connection the idle queue's oldest entry names, taken off the
 * queue; NULL for an entry left by a connection closed since (in_q, or
 * its position, no longer say it is there). A compact one takes a slot
 * again, its socket made again first: when none is free (ENOBUFS) the
 * entry stays at the head and *@p later is set, to try at the next
 * token.
 */
static struct cli_conn *
idle_pop(struct cli_lcore *lc, bool *later)
{
	uint32_t pos = lc->idleq.head, v = slotq_peek(&lc->idleq);
	bool stale;

	*later = false;
	if (q_quiet(v)) {
		int fd = (int)(v & ~Q_FD);
		struct dps_lsock *h = dps_lsock(fd);

		if (h == NULL && errno == ENOBUFS) {
			*later = true;
			return NULL;
		}
		slotq_pop(&lc->idleq);
		if (h == NULL) {	/* not a socket: cannot happen */
			err_count(lc, APP_CLI_ERR_other);
			gauge_add(&lc->st.conn_quiet, -1);
			lc->active--;
			return NULL;
		}
		return conn_back(lc, fd, pos, h);
	}
	stale = idle_stale(lc, pos);
	slotq_pop(&lc->idleq);
	return stale ? NULL : &lc->conns[v];
}

/* conc / rr / bulk / udp: reopen closed slots (after their delay) and
 * hand tokens to idle connections. */
static unsigned int
start_conc(struct cli_lcore *lc, uint64_t tsc)
{
	uint32_t todo = slotq_count(&lc->idleq);	/* a failure requeues */
	unsigned int n = 0;
	uint64_t t0;

	while (!slotq_empty(&lc->freeq) && may_open(lc) &&
			dl_passed(lc->cl, tsc, lc->conns[slotq_peek(&lc->freeq)].deadline)) {
		conn_open(&lc->conns[slotq_pop(&lc->freeq)], tsc, tsc);
		n++;
	}
	while (todo-- > 0 && quota_left(lc) && take_token(lc, tsc, &t0)) {
		bool later;
		struct cli_conn *c = idle_pop(lc, &later);

		if (c != NULL && c->state == C_IDLE && c->fd >= 0) {
			c->in_q = 0;
			send_request(c, tsc, t0);
		} else if (!lc->unlimited) {
			app_rate_untake(&lc->rate);
		}
		if (later)
			break;
		n++;
	}
	return n;
}

/* ---- udp ---- */

/* A datagram arrived on UDP flow @p c: match it to the request, time it. */
static void
udp_reply(struct cli_conn *c, ssize_t n, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	const struct app_cli_conf *cf = &lc->cl->c;

	if (cf->resp_size == cf->req_size && n >= (ssize_t)sizeof(c->u.seq) &&
			cf->req_size >= sizeof(c->u.seq) &&
			memcmp(lc->rxbuf, &c->u.seq, sizeof(c->u.seq)) != 0)
		return;		/* a late reply to a request that timed out */
	stat_add(&lc->st.rx_bytes, (uint64_t)n);
	if ((uint64_t)n != cf->resp_size) {
		err_count(lc, (uint64_t)n < cf->resp_size ? APP_CLI_ERR_short_resp :
			APP_CLI_ERR_extra_resp);
		finish_one(lc);
		conn_idle(c, tsc);
		return;
	}
	complete(c, tsc);
}

/* UDP: collect replies on the flows with a request in flight. */
static unsigned int
udp_poll(struct cli_lcore *lc, uint64_t tsc)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < lc->fresh; i++) {
		struct cli_conn *c = &lc->conns[i];
		ssize_t r;

		while (c->state == C_BUSY &&
				(r = dps_recv(c->fd, lc->rxbuf, UDP_MAX + 1, MSG_DONTWAIT)) >= 0) {
			udp_reply(c, r, tsc);
			n++;
		}
	}
	return n;
}

/* ---- udp stream ---- */

/* Datagrams a flow may send per work call with no --rate, so that one
 * call does not fill the device ring by itself. */
#define UDPS_BURST 32

/* Send the stream's datagrams this call allows (--rate tokens, or a
 * burst), each flow in turn. A full send path ends the call; no --rate
 * means as fast as it takes them. */
static unsigned int
udps_send(struct cli_lcore *lc, uint64_t tsc)
{
	const struct app_cli_conf *cf = &lc->cl->c;
	uint64_t now = tsc_ns(lc->cl, tsc);
	unsigned int sent = 0, budget = UDPS_BURST * (lc->fresh ? lc->fresh : 1);
	uint64_t t0;

	for (unsigned int tries = 0; tries < lc->fresh && sent < budget; ) {
		struct cli_conn *c = &lc->conns[lc->udps_next];

		lc->udps_next = lc->udps_next + 1 >= lc->fresh ? 0 : lc->udps_next + 1;
		if (c->state != C_BULK) {
			tries++;
			continue;
		}
		if (!take_token(lc, tsc, &t0))
			break;
		app_udps_stamp(&c->u.udps, lc->req, now);
		if (dps_send(c->fd, lc->req, cf->req_size, MSG_DONTWAIT) < 0) {
			c->u.udps.next_seq--;	/* not sent: the number is reused */
			if (!lc->unlimited)
				app_rate_untake(&lc->rate);
			if (errno != EAGAIN && errno != ENOBUFS)
				err_count(lc, err_kind(errno));
			break;
		}
		tries = 0;
		sent++;
		stat_add(&lc->st.req_sent, 1);
		stat_add(&lc->st.tx_bytes, cf->req_size);
	}
	return sent;
}

/* A datagram came back on stream flow @p c: order, jitter, round trip. */
static void
udps_reply(struct cli_conn *c, ssize_t n, uint64_t tsc)
{
	struct cli_lcore *lc = c->lc;
	struct app_udps_flow *f = &c->u.udps;
	uint64_t now = tsc_ns(lc->cl, tsc), j0 = app_udps_jitter_ns(f);
	bool first = f->transit_ns < 0;
	enum app_udps_rx k = app_udps_rx(f, lc->rxbuf, (size_t)n, now);

	if (k == APP_UDPS_FOREIGN)
		return;		/* not our stamp (or a stray): ignored */
	app_hist_add(lc->h_req, (uint64_t)f->transit_ns);
	app_hist_add(lc->h_iv[lc->iv_cur], (uint64_t)f->transit_ns);
	stat_add(&lc->st.req_done, 1);
	stat_add(&lc->st.rx_bytes, (uint64_t)n);
	if (k == APP_UDPS_LATE)
		stat_add(&lc->st.udp_late, 1);
	if (first)
		stat_add(&lc->st.udp_flows, 1);
	/* Unsigned wrap-around: the sum over the flows stays right. */
	stat_add(&lc->st.udp_jitter_ns, app_udps_jitter_ns(f) - j0);
}

/* UDP stream: what came back on every flow. */
static unsigned int
udps_poll(struct cli_lcore *lc, uint64_t tsc)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < lc->fresh; i++) {
		struct cli_conn *c = &lc->conns[i];
		ssize_t r;

		while (c->state == C_BULK &&
				(r = dps_recv(c->fd, lc->rxbuf, UDP_MAX + 1, MSG_DONTWAIT)) >= 0) {
			udps_reply(c, r, tsc);
			n++;
		}
	}
	return n;
}

/* A UDP stream run (--mode bulk --proto udp). */
static inline bool
udp_stream(const struct app_cli_conf *cf)
{
	return cf->mode == APP_CLI_BULK && cf->proto == APP_CLI_UDP;
}

bool
app_client_udp_stream(const struct app_client *cl)
{
	return udp_stream(&cl->c);
}

uint64_t
app_cli_udp_lost(const struct app_cli_stats *s)
{
	return s->req_sent > s->req_done ? s->req_sent - s->req_done : 0;
}

double
app_cli_udp_jitter_us(const struct app_cli_stats *s)
{
	return s->udp_flows != 0 ? (double)s->udp_jitter_ns / (double)s->udp_flows / 1e3 : 0.0;
}

/* ---- timeouts ---- */

/* Check a few slots per call against their deadlines (--timeout): each
 * at most once (with fewer slots in use than SCAN_PER_CALL, checking one
 * again in the same call finds what the first look found). */
static void
scan_timeouts(struct cli_lcore *lc, uint64_t tsc)
{
	uint32_t k = lc->fresh < SCAN_PER_CALL ? lc->fresh : SCAN_PER_CALL;

	while (k-- > 0) {
		struct cli_conn *c = &lc->conns[lc->scan];

		lc->scan = lc->scan + 1 >= lc->fresh ? 0 : lc->scan + 1;
		if (!dl_passed(lc->cl, tsc, c->deadline) || c->fd < 0)
			continue;
		if (c->state == C_EOFWAIT) {
			conn_close(c, tsc, 0);
		} else if (c->state == C_BUSY && lc->cl->c.proto == APP_CLI_UDP) {
			err_count(lc, APP_CLI_ERR_timeout);
			finish_one(lc);
			conn_idle(c, tsc);
		} else if (c->state == C_CONNECTING || c->state == C_BUSY) {
			conn_fail(c, APP_CLI_ERR_timeout, tsc);
		}
	}
}

/* ---- the lcore ---- */

/*
 * The run is over: no new connection or request; idle and connecting
 * connections close now, requests in flight may finish (their responses
 * count) until the deadline, then everything closes.
 */
static void
stop_begin(struct cli_lcore *lc, uint64_t tsc)
{
	uint64_t grace = lc->cl->hz * 2;

	lc->stopping = true;
	lc->stop_by = tsc + (lc->cl->tmo_tsc < grace ? lc->cl->tmo_tsc : grace);
	lc->stop_next = 0;
	lc->stop_q = lc->idleq.head;
}

/* Close the compact connection idle queue entry @p e names, and mark
 * the entry. -1 when no socket is free to close it with (ENOBUFS: the
 * close makes the socket again first), to try later. */
static int
quiet_close(struct cli_lcore *lc, uint32_t *e)
{
	int fd = (int)(*e & ~Q_FD);

	if (dps_set_callbacks(fd, NULL, NULL) != 0 && errno == ENOBUFS)
		return -1;
	dps_close(fd);
	*e = Q_DEAD;
	lc->active--;
	gauge_add(&lc->st.conn_quiet, -1);
	stat_add(&lc->st.conn_closed, 1);
	return 0;
}

/*
 * Close idle and connecting connections, a batch per call and only while
 * the stack's transmit backlog is short: closing 1,000,000 at once would
 * queue a million FINs in one poll, more than the device ring, the
 * backlog and the mbuf pool hold, and the lost ones would wait for
 * retransmission timeouts. Returns whether some are left to close.
 */
static bool
stop_close_some(struct cli_lcore *lc, uint64_t tsc)
{
	uint32_t n = 0;

	/* Paced by the peer's answers too: the server answers each FIN
	 * with its own, and a burst of closes larger than its ring toward
	 * us is dropped there (tx_full) and resent after timeouts: at ten
	 * million, 8.8 M retransmissions on the server before this bound. */
	if (dps_stack_tx_backlog(lc->cl->s, lc->idx) > STOP_BACKLOG ||
			dps_stack_orphans(lc->cl->s, lc->idx) > STOP_INFLIGHT)
		return lc->stop_next < lc->fresh || lc->stop_q != lc->idleq.tail;
	/* A UDP stream waits for its echoes until the deadline: one still
	 * out then is lost. */
	if (udp_stream(&lc->cl->c) && lc->st.req_done < lc->st.req_sent &&
			(int64_t)(tsc - lc->stop_by) < 0)
		return true;
	while (lc->stop_next < lc->fresh && n < STOP_BATCH) {
		struct cli_conn *c = &lc->conns[lc->stop_next++];

		if (c->fd >= 0 && c->state != C_BUSY && c->state != C_EOFWAIT) {
			conn_close(c, tsc, 0);
			n++;
		}
	}
	/* Then the compact ones, which only the idle queue names (no
	 * entry is added while stopping). */
	while (lc->stop_q != lc->idleq.tail && n < STOP_BATCH) {
		uint32_t *e = &lc->idleq.v[lc->stop_q & lc->idleq.mask];

		if (q_quiet(*e)) {
			if (quiet_close(lc, e) != 0)
				break;
			n++;
		}
		lc->stop_q++;
	}
	return lc->stop_next < lc->fresh || lc->stop_q != lc->idleq.tail;
}

/* Close every socket left and tell the reporter this lcore is done. */
static void
stop_all(struct cli_lcore *lc)
{
	for (uint32_t p = lc->idleq.head; p != lc->idleq.tail; p++) {
		uint32_t *e = &lc->idleq.v[p & lc->idleq.mask];

		if (q_quiet(*e) && quiet_close(lc, e) != 0)
			err_count(lc, APP_CLI_ERR_nobufs);	/* left open */
	}
	for (uint32_t i = 0; i < lc->fresh; i++) {
		struct cli_conn *c = &lc->conns[i];

		if (c->fd >= 0) {
			dps_set_callbacks(c->fd, NULL, NULL);
			dps_close(c->fd);
			c->fd = -1;
		}
		c->state = C_FREE;
	}
	lc->active = 0;
	lc->stopped = true;
	/* Release: pairs with the acquire in app_client_drained(). */
	__atomic_store_n(&lc->drained, 1, __ATOMIC_RELEASE);
}

/* The reporter asked for the interval histogram: start filling the other
 * one (emptied first) and say which one was retired. */
static void
swap_interval(struct cli_lcore *lc)
{
	/* Acquire: pairs with the release in app_client_interval(). */
	uint32_t req = __atomic_load_n(&lc->swap_req, __ATOMIC_ACQUIRE);
	uint32_t next = lc->iv_cur ^ 1;

	if (req == lc->swap_ack)
		return;
	app_hist_reset(lc->h_iv[next]);
	/* Release: the reset is visible before the reporter reads the other. */
	__atomic_store_n(&lc->iv_cur, next, __ATOMIC_RELEASE);
	__atomic_store_n(&lc->swap_ack, req, __ATOMIC_RELEASE);
}

/* The lcore's work between polls: events, new connections or
 * requests, UDP replies, bulk data, timeouts. No allocation, no syscall. */
int
app_client_lcore_work(struct app_client *cl, unsigned int idx, uint64_t tsc)
{
	struct cli_lcore *lc = cl->lc[idx];
	unsigned int n;

	swap_interval(lc);
	if (lc->stopped)
		return 0;
	/* Acquire: pairs with the release in app_client_stop(). */
	if (!lc->stopping && __atomic_load_n(&cl->stop, __ATOMIC_ACQUIRE))
		stop_begin(lc, tsc);
	if (lc->stopping && !stop_close_some(lc, tsc) &&
			(lc->active == 0 || (int64_t)(tsc - lc->stop_by) >= 0)) {
		stop_all(lc);
		return 1;
	}
	n = drain_ready(lc, tsc);
	skip_late(lc, tsc);
	slots_top_up(lc, tsc);
	if (!lc->stopping)
		n += cl->c.open_loop ? start_open_loop(lc, tsc) :
			cl->c.mode == APP_CLI_CPS ? start_cps(lc, tsc) : start_conc(lc, tsc);
	if (udp_stream(&cl->c)) {
		if (!lc->stopping)
			n += udps_send(lc, tsc);
		n += udps_poll(lc, tsc);
	} else if (cl->c.proto == APP_CLI_UDP)
		n += udp_poll(lc, tsc);
	else if (cl->c.mode == APP_CLI_BULK && !cl->c.bulk_recv)
		for (uint32_t i = 0; i < lc->fresh; i++)
			if (lc->conns[i].state == C_BULK)
				bulk_push(&lc->conns[i], tsc);
	scan_timeouts(lc, tsc);
	return n != 0;
}

/* This lcore's share of @p total when spread over @p parts (idx first
 * for the remainder). */
static uint64_t
share(uint64_t total, unsigned int parts, unsigned int idx)
{
	return total / parts + (idx < total % parts ? 1 : 0);
}

/* Allocate the connection slots, queues and histograms of @p lc. */
static int
lcore_alloc(struct app_client *cl, struct cli_lcore *lc)
{
	uint32_t n = lc->n;

	lc->conns = calloc(n ? n : 1, sizeof(*lc->conns));
	lc->req = malloc(cl->req_len + 1);
	if (cl->n_req > 1 && (lc->req_of = calloc(n ? n : 1, 1)) == NULL)
		return -ENOMEM;
	lc->rxbuf = malloc(UDP_MAX + 1);
	for (int i = 0; i < 2; i++)
		lc->h_iv[i] = calloc(1, sizeof(struct app_hist));
	lc->h_conn = calloc(1, sizeof(struct app_hist));
	lc->h_req = calloc(1, sizeof(struct app_hist));
	if (lc->conns == NULL || lc->req == NULL || lc->rxbuf == NULL ||
			lc->h_iv[0] == NULL || lc->h_iv[1] == NULL ||
			lc->h_conn == NULL || lc->h_req == NULL ||
			slotq_init(&lc->ready, n) != 0 || slotq_init(&lc->freeq, n) != 0 ||
			slotq_init(&lc->idleq, n > UINT32_MAX / 4 ? n : 2 * n) != 0)
		return -ENOMEM;
	memcpy(lc->req, cl->req, cl->req_len);
	app_hist_reset(lc->h_conn);
	app_hist_reset(lc->h_req);
	app_hist_reset(lc->h_iv[0]);
	app_hist_reset(lc->h_iv[1]);
	return 0;
}

/* On the lcore before its loop: every slot free, the rate clock started. */
int
app_client_lcore_init(struct app_client *cl, unsigned int idx)
{
	struct cli_lcore *lc = cl->lc[idx];
	uint64_t tsc = rte_rdtsc();

	/* The schedule starts with the run: requests the handshake (and
	 * ARP) delayed go once a connection is up, timed from when they
	 * were due, so the run offers its --rate from its first moment. */
	app_rate_init(&lc->rate, cl->c.rate / cl->n_lc, cl->hz,
		(uint64_t)((double)cl->c.ramp_ns / cl->ns_per_tsc), tsc);
	slots_top_up(lc, tsc);
	if (lc->n == 0 || (cl->c.count != 0 && lc->quota == 0))
		__atomic_store_n(&lc->done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* ---- creation and checks ---- */

/* Defaults for @p mode (see app_client.h). */
void
app_client_conf_init(struct app_cli_conf *c, enum app_cli_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->proto = APP_CLI_RAW;
	c->conc = mode == APP_CLI_CPS ? 64 : mode == APP_CLI_CONC ? 16 : 1;
	c->req_size = 64;
	c->resp_size = 64;
	c->timeout_ns = 5000000000ull;
	c->ports = 60999 - 32768 + 1;
	c->max_conns = 65536;
}

/* "cps", "conc", "rr" or "bulk". */
int
app_cli_mode_parse(const char *s, enum app_cli_mode *out)
{
	static const char *const names[] = { "cps", "conc", "rr", "bulk" };

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum app_cli_mode)i;
			return 0;
		}
	return -EINVAL;
}

/* "raw", "http" or "udp". */
int
app_cli_proto_parse(const char *s, enum app_cli_proto *out)
{
	static const char *const names[] = { "raw", "http", "udp" };

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum app_cli_proto)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * The whole tuple space: each connection needs its own (source address,
 * source port, destination). TCP autobind shares a port between
 * destinations and, with the source addresses bound by
 * IP_BIND_ADDRESS_NO_PORT (conn_bind()), between addresses, so the space
 * is addresses x ports x destinations: what a cps rate can cycle through
 * in a second of TIME_WAIT. What a run may hold at once is less
 * (tuples_short()). A UDP flow holds its port for every address and
 * destination (the UDP port map is per port).
 */
static uint64_t
tuple_space(const struct app_cli_conf *c, char *why, size_t cap)
{
	uint64_t all = 0;
	size_t at = 0;

	if (c->proto == APP_CLI_UDP) {
		snprintf(why, cap, "%u ports (a UDP flow holds its port)", c->ports);
		return c->ports;
	}
	for (unsigned int g = 0; g < (c->n_grp ? c->n_grp : 1); g++) {
		struct app_cli_grp gr = grp_of(c, g);
		uint32_t n_src = gr.n_src > 1 ? gr.n_src : 1;
		int k = snprintf(why + at, cap - at, "%s%u address%s x %u ports x %u destination%s",
			g ? " + " : "", n_src, n_src > 1 ? "es" : "", c->ports, gr.n_to,
			gr.n_to > 1 ? "s" : "");

		at = k > 0 && (size_t)k < cap - at ? at + (size_t)k : at;
		all += (uint64_t)n_src * c->ports * gr.n_to;
	}
	return all;
}

/*
 * Does the run hold more tuples at once than it has (app_tuples.h)? Its
 * connections, and for raw cps at a --rate (the client closes first) the
 * TIME_WAIT of the last second too, as tw_reuse takes a tuple over only
 * after 1 s; no more TIME_WAIT than the stack keeps: max_tw_buckets per
 * lcore, which the apps leave at its default of half --max-conns
 * (dps_sock_conf), and a connection closed beyond it holds no tuple.
 * HTTP cps asks the server to close first, so the server holds that
 * TIME_WAIT. When it does, @p buf says why.
 */
static bool
tuples_short(const struct app_cli_conf *c, unsigned int n_lc, char *buf,
	size_t cap)
{
	unsigned int n_grp = c->n_grp ? c->n_grp : 1;
	uint64_t tw_max = (uint64_t)(c->max_conns / 2) * n_lc;
	uint64_t tw = (uint64_t)c->rate;	/* a second's, rounded up */
	uint64_t need = c->conc;
	char what[160];
	int k;

	tw += (double)tw < c->rate;
	k = snprintf(what, sizeof(what), "--conc %u", c->conc);
	if (c->mode == APP_CLI_CPS && c->proto == APP_CLI_RAW && c->rate > 0) {
		need += RTE_MIN(tw, tw_max);
		k = snprintf(what, sizeof(what), "--conc %u with --rate %.0f/s "
			"(a second of TIME_WAIT, at most --max-conns / 2 x lcores, "
			"the stack's TIME_WAIT bound)", c->conc, c->rate);
	}
	if (n_grp > 1 && k > 0 && (size_t)k < sizeof(what))
		snprintf(what + k, sizeof(what) - (size_t)k, ", a share of 1/%u on each --dev",
			n_grp);
	/* The connections go to the ports in turn: each holds its share. */
	for (unsigned int g = 0; g < n_grp; g++) {
		struct app_cli_grp gr = grp_of(c, g);
		struct app_tuples t = { .n_src = gr.n_src > 1 ? gr.n_src : 1,
			.n_to = gr.n_to, .ports = c->ports, .udp = c->proto == APP_CLI_UDP,
			.need = (need + n_grp - 1) / n_grp };

		if (app_tuples_short(&t, what, buf, cap))
			return true;
	}
	return false;
}

/* The HTTP request for path @p i of the configuration. */
static struct app_http_req
http_req(const struct app_cli_conf *c, unsigned int i)
{
	return (struct app_http_req){
		.method = c->method,
		.host = c->host,
		.path = c->n_paths != 0 ? c->paths[i] : "/",
		.hdr = c->hdrs,
		.n_hdr = c->n_hdrs,
		.body_len = c->body_size,
		.keep_alive = c->mode != APP_CLI_CPS,
	};
}

/* The HTTP request options (--method, --header, --path, --body-size):
 * HTTP only, each request well formed, the requests within
 * APP_CLI_MAX_REQ_BYTES. 0 or -EINVAL with a one-line error. */
static int
http_check(const char *prog, const struct app_cli_conf *c)
{
	unsigned int n = c->n_paths != 0 ? c->n_paths : 1;

	if (c->proto != APP_CLI_HTTP) {
		if (c->method != NULL || c->n_paths != 0 || c->n_hdrs != 0 || c->body_size != 0)
			return fprintf(stderr, "%s: --method, --header, --path and "
				"--body-size need --proto http\n", prog), -EINVAL;
		return 0;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct app_cli_conf k = *c;
		struct app_http_req r;
		const char *why;

		if (k.host[0] == '\0')
			strcpy(k.host, "h");	/* the --to address comes later */
		r = http_req(&k, i);
		if ((why = app_http_req_check(&r)) != NULL)
			return fprintf(stderr, "%s: cannot send that HTTP request: %s\n",
				prog, why), -EINVAL;
	}
	if (c->body_size > APP_CLI_MAX_REQ_BYTES / n)
		return fprintf(stderr, "%s: --body-size %" PRIu64 " for %u paths: the "
			"requests would take %" PRIu64 " bytes per lcore, more than %u\n",
			prog, c->body_size, n, c->body_size * n, APP_CLI_MAX_REQ_BYTES),
			-EINVAL;
	return 0;
}

/* Refuse settings the tuple space, the tables or the protocol rule out. */
int
app_client_check(const char *prog, const struct app_cli_conf *c, unsigned int n_lc)
{
	char why[160], shortage[512];
	uint64_t tuples = tuple_space(c, why, sizeof(why));

	if (c->n_to == 0)
		return fprintf(stderr, "%s: no --to IP:PORT given\n", prog), -EINVAL;
	if (tuples_short(c, n_lc, shortage, sizeof(shortage)))
		return fprintf(stderr, "%s: %s\n", prog, shortage), -EINVAL;
	if ((c->conc + n_lc - 1) / n_lc > c->max_conns)
		return fprintf(stderr, "%s: --conc %u over %u lcores is more than "
			"--max-conns %u per lcore\n", prog, c->conc, n_lc, c->max_conns),
			-EINVAL;
	if (c->mode == APP_CLI_CPS && c->proto != APP_CLI_UDP && c->rate > (double)tuples)
		return fprintf(stderr, "%s: --rate %.0f connections/s cannot be "
			"sustained: %s = %" PRIu64 " tuples, and a tuple closed into "
			"TIME_WAIT is reusable only after 1 s (timestamps, Linux's "
			"tcp_tw_reuse rule), so at most %" PRIu64 " connections/s\n",
			prog, c->rate, why, tuples, tuples), -EINVAL;
	if (c->open_loop && (c->mode != APP_CLI_CPS || c->rate == 0 ||
			c->proto == APP_CLI_UDP))
		return fprintf(stderr, "%s: --open-loop needs --mode cps, a TCP "
			"--proto and a --rate above 0\n", prog), -EINVAL;
	if (c->mode == APP_CLI_BULK && (c->proto == APP_CLI_HTTP ||
			(c->proto == APP_CLI_RAW && c->rate != 0)))
		return fprintf(stderr, "%s: --mode bulk takes neither --proto http "
			"nor, over TCP, --rate\n", prog), -EINVAL;
	if (udp_stream(c) && (c->req_size < APP_UDPS_MIN || c->req_size > UDP_MAX ||
			c->bulk_recv))
		return fprintf(stderr, "%s: a UDP stream (--mode bulk --proto udp) "
			"sends datagrams of %u..%u bytes (--req-size) and takes no --recv\n",
			prog, APP_UDPS_MIN, UDP_MAX), -EINVAL;
	if (c->proto == APP_CLI_UDP && !udp_stream(c) && (c->req_size > UDP_MAX ||
			c->resp_size > UDP_MAX || c->req_size == 0 || c->mode == APP_CLI_CPS))
		return fprintf(stderr, "%s: --proto udp needs --mode rr|conc|bulk and "
			"sizes of 1..%u bytes\n", prog, UDP_MAX), -EINVAL;
	if (c->proto == APP_CLI_RAW && c->mode != APP_CLI_BULK &&
			(c->req_size == 0 || c->resp_size == 0))
		return fprintf(stderr, "%s: --proto raw needs --req-size and "
			"--resp-size of at least 1\n", prog), -EINVAL;
	return http_check(prog, c);
}

/* The image of the HTTP requests, one per path, each its head and a
 * body of body_size bytes. */
static int
build_http(struct app_client *cl)
{
	const struct app_cli_conf *c = &cl->c;
	unsigned int n = c->n_paths != 0 ? c->n_paths : 1;
	size_t cap = (size_t)n * (HTTP_HEAD_MAX + c->body_size), at = 0;

	if (cap > APP_CLI_MAX_REQ_BYTES + (size_t)n * HTTP_HEAD_MAX)
		return -EINVAL;
	cl->req = malloc(cap + 1);
	if (cl->req == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct app_http_req r = http_req(c, i);
		size_t h = app_http_request_head(cl->req + at, HTTP_HEAD_MAX, &r);

		if (h == 0)
			return -EINVAL;
		memset(cl->req + at + h, 'x', c->body_size);
		cl->req_off[i] = at;
		at += h + c->body_size;
	}
	cl->req_off[n] = at;
	cl->n_req = n;
	cl->req_len = at;
	return 0;
}

/* The requests the connections send: HTTP (build_http()), or req_size
 * bytes. */
static int
build_request(struct app_client *cl)
{
	const struct app_cli_conf *c = &cl->c;
	size_t cap = c->req_size;

	cl->bulk = c->mode == APP_CLI_BULK ? malloc(BULK_CHUNK) : NULL;
	if (c->mode == APP_CLI_BULK && cl->bulk == NULL)
		return -ENOMEM;
	if (cl->bulk != NULL)
		memset(cl->bulk, 'b', BULK_CHUNK);
	if (c->proto == APP_CLI_HTTP)
		return build_http(cl);
	cl->req = malloc(cap + 1);
	if (cl->req == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		cl->req[i] = (char)('a' + i % 26);
	cl->req_len = cap;
	cl->n_req = 1;
	cl->req_off[1] = cap;
	return 0;
}

/* Per-lcore state: an even share of the connections, the rate and --count. */
static int
lcores_create(struct app_client *cl)
{
	const struct app_cli_conf *c = &cl->c;
	uint64_t given = 0;

	for (unsigned int i = 0; i < cl->n_lc; i++) {
		struct cli_lcore *lc = aligned_alloc(RTE_CACHE_LINE_SIZE,
			RTE_ALIGN_CEIL(sizeof(*lc), RTE_CACHE_LINE_SIZE));
		double rate_l = c->rate / cl->n_lc;

		if (lc == NULL)
			return -ENOMEM;
		memset(lc, 0, sizeof(*lc));
		app_http_memo_init(&lc->memo);
		cl->lc[i] = lc;
		lc->cl = cl;
		lc->idx = i;
		lc->spare = SLOT_NONE;
		lc_register(lc);
		lc->n = (uint32_t)share(c->conc, cl->n_lc, i);
		lc->unlimited = c->rate == 0;
		lc->warm = c->proto == APP_CLI_UDP;
		lc->late_max = rate_l / 1000.0 < 1.0 ? 1 : (uint64_t)(rate_l / 1000.0);
		lc->quota = c->count * lc->n / c->conc;
		given += lc->quota;
		if (lcore_alloc(cl, lc) != 0)
			return -ENOMEM;
	}
	cl->lc[0]->quota += c->count - given;
	return 0;
}

/* The Host of a request to @p to when --header gave none: the address,
 * an IPv6 one in brackets (RFC 9112 3.2, RFC 3986 3.2.2). */
static void
host_of(const union app_sockaddr *to, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (to->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &to->sin6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]", ip);
	} else {
		inet_ntop(AF_INET, &to->sin.sin_addr, buf, (socklen_t)cap);
	}
}

/* Check, then build the request image and the per-lcore state. */
/* The pool of the short requests' mbufs (send_bytes()). */
static int
req_pool_make(struct app_client *cl)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "clir%p", (void *)cl);
	cl->req_pool = rte_pktmbuf_pool_create(name, REQ_COPIES, 256, 0,
		REQ_COPY_ROOM + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	return cl->req_pool != NULL ? 0 : -ENOMEM;
}

/*
 * The IPv6 sources of each port's range that duplicate address
 * detection lost: another node has them, so the stack no longer binds
 * them (EADDRNOTAVAIL), while the rest of the range is ours (Linux loses
 * the one address, and so does the stack). next_pair() passes over them.
 * The stack keeps only a few apart per range before it gives the whole
 * range up (and app_stack_up() refuses a range that has none left), so
 * LOST_MAX holds them; a run's tuple count still includes them. One look
 * per address, at start.
 */
static void
sources_lost(const char *prog, struct app_client *cl)
{
	const struct app_cli_conf *cf = &cl->c;

	for (unsigned int g = 0; g < (cf->n_grp ? cf->n_grp : 1); g++) {
		struct app_cli_grp gr = grp_of(cf, g);
		char a[INET6_ADDRSTRLEN];

		if (gr.src.family != AF_INET6 || gr.n_src <= 1)
			continue;
		for (uint32_t i = 0; i < gr.n_src && cl->n_lost[g] < LOST_MAX; i++) {
			struct dps_addr x = app_addr_nth(&gr.src, i);

			if (dps_stack_addr6_state(cl->s, gr.port_id, &x) !=
					DPS_ADDR6_DUPLICATE)
				continue;
			cl->lost[g][cl->n_lost[g]++] = i;
			fprintf(stderr, "%s: source %s is another node's (duplicate "
				"address detection): not used\n", prog,
				dps_addr_fmt(&x, a, sizeof(a)));
		}
	}
}

struct app_client *
app_client_create(const char *prog, struct dps_stack *s,
	const struct app_cli_conf *c)
{
	struct app_client *cl;
	unsigned int n_lc = dps_stack_lcore_count(s);

	if (app_client_check(prog, c, n_lc) != 0) {
		errno = EINVAL;
		return NULL;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return NULL;
	cl->s = s;
	cl->c = *c;
	if (cl->c.host[0] == '\0')
		host_of(&c->to[0], cl->c.host, sizeof(cl->c.host));
	cl->n_lc = n_lc;
	cl->hz = rte_get_tsc_hz();
	cl->ns_per_tsc = 1e9 / (double)cl->hz;
	cl->tmo_tsc = (uint64_t)((double)c->timeout_ns / cl->ns_per_tsc);
	cl->retry_tsc = (uint64_t)((double)RETRY_NS / cl->ns_per_tsc);
	while ((cl->hz >> (cl->dl_shift + 1)) >= 100000)
		cl->dl_shift++;		/* a coarse tick of 5 to 10 us ... */
	while ((cl->tmo_tsc >> cl->dl_shift) >= (1ull << 29))
		cl->dl_shift++;		/* ... or longer for a timeout of hours */
	sources_lost(prog, cl);
	if (build_request(cl) != 0 || req_pool_make(cl) != 0 || lcores_create(cl) != 0) {
		fprintf(stderr, "%s: cannot set up the client (memory, or the "
			"HTTP request does not fit)\n", prog);
		app_client_destroy(cl);
		errno = ENOMEM;
		return NULL;
	}
	return cl;
}

/*
 * The socket pool the client needs (see app_client.h): twice --conc, at
 * most 65535 while that holds --conc with room to close; beyond (several
 * source addresses make more than 65535 connections possible) --conc and
 * a quarter more for those still closing.
 */
uint32_t
app_client_socks(const struct app_cli_conf *c)
{
	uint64_t n = 2ull * c->conc + 4096, need = c->conc + c->conc / 4ull + 4096;

	if (n <= 65535)
		return (uint32_t)n;
	return need < 65535 ? 65535 : (uint32_t)RTE_MIN(need, (uint64_t)UINT32_MAX);
}

/* ---- the reporter's side ---- */

/* Ask the lcores to finish (any thread). */
void
app_client_stop(struct app_client *cl)
{
	/* Release: pairs with the acquire in app_client_lcore_work(). */
	__atomic_store_n(&cl->stop, 1, __ATOMIC_RELEASE);
}

/* How long the end of a run waits with nothing closing, while it closes
 * everything and sees the FIN exchanges through: 3 s, and a second more
 * per 100,000 connections (closes are paced by the transmit backlog). */
uint64_t
app_client_drain_ns(const struct app_client *cl)
{
	return (3 + cl->c.conc / 100000) * 1000000000ull;
}

/* True once every lcore closed its sockets after the stop. */
bool
app_client_drained(const struct app_client *cl)
{
	/* Acquire: pairs with the release in stop_all(). */
	for (unsigned int i = 0; i < cl->n_lc; i++)
		if (!__atomic_load_n(&cl->lc[i]->drained, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* True once every lcore used up its --count share. */
bool
app_client_done(const struct app_client *cl)
{
	if (cl->c.count == 0)
		return false;
	/* Acquire: pairs with the release in finish_one(). */
	for (unsigned int i = 0; i < cl->n_lc; i++)
		if (!__atomic_load_n(&cl->lc[i]->done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* A --rate paces the client. */
bool
app_client_paced(const struct app_client *cl)
{
	return cl->c.rate != 0;
}

/* Nothing moved: the reason, or false. */
bool
app_client_idle(const struct app_client *cl, const struct app_cli_stats *d,
	char *buf, size_t cap)
{
	const struct app_cli_conf *c = &cl->c;

	if (c->proto != APP_CLI_UDP && d->conn_established == 0)
		snprintf(buf, cap, "nothing moved: no connection was established "
			"(%" PRIu64 " attempted)", d->conn_attempted);
	else if (c->mode == APP_CLI_BULK && !c->bulk_recv && d->tx_bytes == 0)
		snprintf(buf, cap, "nothing moved: no byte was sent");
	else if (c->mode == APP_CLI_BULK && c->bulk_recv && d->rx_bytes == 0)
		snprintf(buf, cap, "nothing moved: no byte was received");
	else if (c->mode != APP_CLI_BULK && d->req_done == 0)
		snprintf(buf, cap, "nothing moved: no request completed (%" PRIu64
			" sent)", d->req_sent);
	else
		return false;
	return true;
}

/* cps mode. */
bool
app_client_is_cps(const struct app_client *cl)
{
	return cl->c.mode == APP_CLI_CPS;
}

/* Sum of the per-lcore counters. */
void
app_client_stats(const struct app_client *cl, struct app_cli_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < cl->n_lc; i++) {
		const uint64_t *src = (const uint64_t *)&cl->lc[i]->st;
		uint64_t *dst = (uint64_t *)out;

		/* Relaxed loads: pair with stat_add()'s relaxed stores. */
		for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
}

/* Swap every lcore's interval histogram and merge the retired ones. */
void
app_client_interval(struct app_client *cl, struct app_hist *out)
{
	uint32_t seq = ++cl->rep_seq;
	struct timespec ts = { 0, 100000 };

	app_hist_reset(out);
	/* Release: pairs with the acquire in swap_interval(). */
	for (unsigned int i = 0; i < cl->n_lc; i++)
		__atomic_store_n(&cl->lc[i]->swap_req, seq, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < cl->n_lc; i++) {
		struct cli_lcore *lc = cl->lc[i];
		int tries = 1000;	/* 100 ms: a stopped loop never answers */

		while (__atomic_load_n(&lc->swap_ack, __ATOMIC_ACQUIRE) != seq && --tries > 0)
			nanosleep(&ts, NULL);
		if (tries == 0)
			continue;
		/* Acquire on swap_ack above: the lcore left h_iv[cur ^ 1]. */
		app_hist_merge(out, lc->h_iv[__atomic_load_n(&lc->iv_cur,
			__ATOMIC_ACQUIRE) ^ 1]);
	}
}

/* Merge the whole-run histograms (after the loops returned). */
void
app_client_hists(const struct app_client *cl, struct app_hist *conn,
	struct app_hist *req)
{
	app_hist_reset(conn);
	app_hist_reset(req);
	for (unsigned int i = 0; i < cl->n_lc; i++) {
		app_hist_merge(conn, cl->lc[i]->h_conn);
		app_hist_merge(req, cl->lc[i]->h_req);
	}
}

/* Cells of @p q ever written: its positions start at 0 and wrap within
 * mask + 1 (as long as fewer than 2^32 went through it). */
static uint64_t
slotq_written(const struct slotq *q)
{
	return (uint64_t)RTE_MIN(q->tail, q->mask + 1) * sizeof(*q->v);
}

/* Per-connection state written so far (see app_client.h). */
uint64_t
app_client_conn_bytes(const struct app_client *cl)
{
	uint64_t b = 0;

	for (unsigned int i = 0; i < cl->n_lc; i++) {
		const struct cli_lcore *lc = cl->lc[i];

		b += (uint64_t)lc->fresh * sizeof(struct cli_conn) +
			slotq_written(&lc->ready) + slotq_written(&lc->freeq) +
			slotq_written(&lc->idleq) + (lc->req_of != NULL ? lc->fresh : 0);
	}
	return b;
}

/* The settings the client runs with, defaults resolved. */
const struct app_cli_conf *
app_client_conf(const struct app_client *cl)
{
	return &cl->c;
}

/* Free everything (after the loops returned). */
void
app_client_destroy(struct app_client *cl)
{
	if (cl == NULL)
		return;
	for (unsigned int i = 0; i < cl->n_lc; i++) {
		struct cli_lcore *lc = cl->lc[i];

		if (lc == NULL)
			continue;
		lc_unregister(lc);
		free(lc->conns);
		free(lc->req);
		free(lc->req_of);
		free(lc->rxbuf);
		free(lc->h_iv[0]);
		free(lc->h_iv[1]);
		free(lc->h_conn);
		free(lc->h_req);
		free(lc->ready.v);
		free(lc->freeq.v);
		free(lc->idleq.v);
		free(lc);
	}
	free(cl->req);
	free(cl->bulk);
	/* Requests still in a send buffer would reach a freed pool: keep
	 * it then (the process is ending anyway). */
	if (cl->req_pool != NULL && rte_mempool_full(cl->req_pool))
		rte_mempool_free(cl->req_pool);
	free(cl);
}
