/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server engine (app_server.h): listeners and accepted connections
 * driven by dpstack's on-lcore callbacks, run to completion.
 *
 * Listeners and children with more than one stack lcore: each lcore
 * listens on every port with a socket of its own, all of them in the
 * port's SO_REUSEPORT group (docs/connect.md, "SO_REUSEPORT"). listen()
 * on a stack lcore makes that lcore the member's home, and a SYN, handled
 * on the lcore that owns its tuple (RSS), goes to the member at home
 * there; the child lives on that lcore for good. So the `acceptable`
 * callback of a listener runs on its own lcore, for children of that
 * lcore, and each lcore serves what it accepts: no hand-off between
 * lcores. Every lcore opens its listeners before its loop and waits
 * until all have (app_server_lcore_init()), so that no SYN finds the
 * group short of a member; a child of another lcore (a group short of a
 * member, which the stack answers from another member) is closed and
 * counted as an accept error.
 * A child inherits its listener's callbacks and argument. The listener's
 * set ignores everything but `acceptable`; the accepting lcore installs
 * the connection's own callbacks and then reads what already arrived, so
 * nothing queued before the accept is missed.
 *
 * Sending: responses are prebuilt templates (header, or header and body
 * when they fit one CHUNK) plus a shared body chunk, sent zero-copy as
 * indirect clones (rte_pktmbuf_clone()) with dps_lsock_send_mbuf(); a copy
 * (a copy) is the fallback when the clone pool runs dry. The stack copies
 * each segment's payload out of its send chain anyway, so the clone saves
 * the copy into the send buffer and the mbuf allocation for it.
 * Measured (not with callgrind: with the stack's busy-cycle counter, 1
 * lcore, af_packet, wrk -t1 -c16 keep-alive, 1000-byte bodies, two runs
 * each): clones ~15.4-16.2k busy cycles per request, dps_send() copies
 * ~22.6-24.1k, so the clone path is the default.
 * A piece of at most SRV_COPY_ROOM bytes (a short response whole) is
 * copied into a direct mbuf of its own pool instead: the allocation and
 * a short memcpy cost less than the clone's attach and the detach and
 * template reference drop when it is freed (bench/callgrind_http.sh: 155
 * instructions for the clone, 45 more for its detach); the clone remains
 * the way when that pool is empty.
 * When dps_lsock_send_mbuf() says EAGAIN, what is owed stays in the connection
 * (responses owed, offset into the current one) and `writable` continues;
 * meanwhile nothing more is read, which is the back-pressure.
 *
 * Quiet connections (issue 15): when the stack puts a connection into
 * its compact idle form (--idle-ms), its `idle` callback gives the
 * connection's 64 bytes back to the lcore's free list if the connection
 * is between requests (nothing owed, held or half-read), and the
 * connection keeps no state of its own, only a bit in the lcore's map of
 * such descriptors (for the drain) and, as its callback argument, its
 * lcore's address tagged with bit 0 (a connection's address is 64-byte
 * aligned). Its next callback takes a slot again and goes on as for a
 * fresh one. Not with --keepalive-timeout: the timeout walks the
 * connections by last activity, which a connection without state has
 * not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include "app_args.h"
#include "app_http.h"
#include "app_server.h"

#define SRV_CHUNK 16384		/* bytes per body template piece */
#define SRV_MAX_OWED 64		/* pipelined responses before reading stops */
#define SRV_SLAB 256		/* slots in a slab (a power of 2) */
#define SRV_GROUP 16		/* slabs allocated at a time */
#define SRV_CLONES 32767	/* indirect mbufs for zero-copy sends */
#define SRV_COPIES 4095		/* direct mbufs for the short pieces */
#define SRV_COPY_ROOM 512	/* the longest piece copied, not cloned */
#define SRV_HDR_MAX 256
#define SRV_SWEEP_CALLS 1024	/* work calls between listener sweeps */

/* What a response looks like: a first template (header, and the body
 * too when it fits), then body bytes from the shared chunk. */
struct srv_resp {
	struct rte_mbuf *first;
	uint64_t total;		/* header + body */
};

/* After the owed responses: nothing, close, or an error response (the
 * status the parser chose, app_http_err_status()) and close. */
enum srv_tail { TAIL_NONE, TAIL_CLOSE, TAIL_ERR };

/* The error responses a malformed request gets (see app_http.h). */
static const uint16_t srv_err_status[] = { 400, 414, 431 };
#define SRV_N_ERR (sizeof(srv_err_status) / sizeof(srv_err_status[0]))

struct srv_lcore;

/*
 * One connection: 64 bytes, a cache line (issue 15, item 4: ten million
 * of them must fit). What only one protocol needs shares one place. Its
 * lcore is found from its address (srv_slot), the LRU and free lists
 * link slot indexes, the time of the last activity is on a coarse clock,
 * and the rare list of connections waiting for mbufs is kept apart
 * (srv_lcore.stall).
 */
struct srv_conn {
	union {
		struct app_http http;	/* HTTP, unless held: the request
					 * being read */
		struct rte_mbuf *hold;	/* ECHO, and HTTP when held: received,
					 * not taken yet */
		struct {
			uint64_t owed;	/* responses not fully queued */
			uint64_t acc;	/* bytes toward the next request */
		} raw;			/* RAW */
	} u;
	uint64_t head_bits;	/* HTTP: bit i: owed response i answers HEAD */
	uint64_t off : 48;	/* bytes of the current response queued:
				 * --resp-size is at most 2^40 */
	uint64_t owed : 8;	/* HTTP: responses not fully queued (at most
				 * SRV_MAX_OWED) */
	uint64_t tail : 2;	/* enum srv_tail: after the owed responses */
	uint64_t stalled : 1;	/* on the stall list */
	uint64_t blocked : 1;	/* the last send hit a full buffer */
	uint64_t held : 1;	/* u.hold holds an mbuf */
	int fd;
	uint32_t prev, next;	/* LRU by last activity, oldest first (slot
				 * indexes, 0: none); next links the free
				 * list too */
	uint32_t last;		/* last activity, on the coarse clock */
};

/* The bound, so that it cannot grow unnoticed (issue 15, item 4); a
 * slot is also the size of a slab's header (srv_slot). */
_Static_assert(sizeof(struct srv_conn) == 64, "srv_conn is not 64 bytes");

/* The handle of @p c's socket for the calls on this lcore, which skip
 * the descriptor's reference (dps_lsock()); not kept in the connection,
 * which stays one cache line, but taken once per callback or work step
 * and passed down (a look-up is about 50 instructions). */
static inline struct dps_lsock *
h_of(const struct srv_conn *c)
{
	return dps_lsock(c->fd);
}

/*
 * The connections come in slabs of SRV_SLAB slots, each slab aligned to
 * its size: slot 0 is the header, saying whose the slab is and which it
 * is, and the others are connections. So a connection finds its lcore
 * by masking its address, and slot index (slab << 8 | slot) 0 is never
 * a connection: the lists' "none". Slabs are allocated SRV_GROUP at a
 * time (4,080 connections, 256 KiB): rte_malloc() takes an aligned block
 * from the end of a free one, so aligned blocks of one slab each would
 * lie a slab's size apart, half the memory lost to the gaps.
 */
union srv_slot {
	struct srv_conn c;
	struct {
		struct srv_lcore *lc;
		uint32_t no;		/* the slab's number */
	} head;
};
#define SLAB_BYTES (SRV_SLAB * sizeof(union srv_slot))

struct srv_lcore {
	struct app_srv_stats st;	/* this lcore's writes only */
	struct app_server *sv;
	unsigned int idx;
	uint32_t lru_first, lru_last;	/* slot indexes, 0: none */
	uint32_t free;			/* free slots, linked by next */
	uint32_t *stall;		/* slots waiting for mbufs */
	unsigned int n_stall, cap_stall;
	union srv_slot **slabs;
	unsigned int n_slabs, cap_slabs;
	int lfd[8];			/* this lcore's listeners, by port */
	uint64_t *quiet;		/* bit fd: a connection without state */
	uint32_t quiet_words;		/* of quiet */
	struct app_http_memo memo;	/* HTTP: the last request head */
	uint64_t now;			/* TSC at the last work call */
	uint64_t next_idle_check;
	uint32_t sweep_calls;		/* work calls since the last sweep */
	bool drained;
} __rte_cache_aligned;

struct app_server {
	struct app_srv_conf c;
	struct dps_stack *s;
	unsigned int n_lcores;
	unsigned int n_ready;		/* lcores with their listeners open */
	int failed;			/* a listener could not open */
	int draining;
	uint64_t idle_tsc;		/* keep-alive timeout in TSC, 0 none */
	unsigned int t_shift;		/* coarse clock: TSC >> t_shift */
	uint32_t idle_ticks;		/* idle_tsc on it, rounded up */
	struct rte_mempool *tpl_pool, *clone_pool, *copy_pool;
	struct srv_resp resp[2][2];	/* [close][head] */
	struct srv_resp err[SRV_N_ERR];	/* by srv_err_status[] */
	struct rte_mbuf *chunk;		/* SRV_CHUNK body bytes */
	int16_t idx_of[RTE_MAX_LCORE];	/* EAL lcore id -> stack lcore */
	struct srv_lcore *lc;
};


/* ---- counters ---- */

/* Add @p n to a counter of this lcore: the owner is the only writer, so
 * a relaxed store of load + n is enough; readers use relaxed loads. */
static inline void
cnt_add(uint64_t *f, uint64_t n)
{
	__atomic_store_n(f, *f + n, __ATOMIC_RELAXED);	/* pairs with app_server_stats() */
}

/* Subtract, as cnt_add(). */
static inline void
cnt_sub(uint64_t *f, uint64_t n)
{
	__atomic_store_n(f, *f - n, __ATOMIC_RELAXED);	/* pairs with app_server_stats() */
}

/* ---- slots ---- */

/* The lcore that owns @p c: its slab's header says. */
static inline struct srv_lcore *
lc_of(const struct srv_conn *c)
{
	return ((const union srv_slot *)((uintptr_t)c & ~(SLAB_BYTES - 1)))->head.lc;
}

/* The slot index of @p c. */
static inline uint32_t
slot_of(const struct srv_conn *c)
{
	const union srv_slot *slab = (const union srv_slot *)
		((uintptr_t)c & ~(SLAB_BYTES - 1));

	return slab->head.no * SRV_SLAB +
		(uint32_t)((const union srv_slot *)(const void *)c - slab);
}

/* The connection in slot @p i (not 0) of @p lc. */
static inline struct srv_conn *
conn_at(const struct srv_lcore *lc, uint32_t i)
{
	return &lc->slabs[i / SRV_SLAB][i % SRV_SLAB].c;
}

/* The coarse clock of activity: ticks of 0.5 to 1 ms (app_server_create()),
 * so 32 bits span weeks; idle_check() closes a connection long before its
 * age could wrap. */
static inline uint32_t
coarse(const struct app_server *sv, uint64_t tsc)
{
	return (uint32_t)(tsc >> sv->t_shift);
}

/* Unlink @p c from the LRU list. */
static void
lru_remove(struct srv_lcore *lc, struct srv_conn *c)
{
	if (c->prev != 0)
		conn_at(lc, c->prev)->next = c->next;
	else
		lc->lru_first = c->next;
	if (c->next != 0)
		conn_at(lc, c->next)->prev = c->prev;
	else
		lc->lru_last = c->prev;
}

/* Append @p c, slot @p i, at the young end of the LRU list. */
static void
lru_append(struct srv_lcore *lc, struct srv_conn *c, uint32_t i)
{
	c->prev = lc->lru_last;
	c->next = 0;
	if (lc->lru_last != 0)
		conn_at(lc, lc->lru_last)->next = i;
	else
		lc->lru_first = i;
	lc->lru_last = i;
}

/* ---- templates ---- */

/* A template mbuf holding @p len bytes of @p data (NULL: filler). */
static struct rte_mbuf *
tpl_make(struct rte_mempool *mp, const char *data, size_t len, size_t fill)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)(len + fill));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (len != 0)
		memcpy(p, data, len);
	for (size_t i = 0; i < fill; i++)
		p[len + i] = (char)('a' + (i % 26));
	return m;
}

/* The HTTP 200 for keep-alive @p ka (HEAD: header only). */
static int
resp_make_http(struct app_server *sv, struct srv_resp *r, bool ka, bool head)
{
	char hdr[SRV_HDR_MAX];
	size_t n = app_http_response_head(hdr, sizeof(hdr), sv->c.resp_size, ka);
	uint64_t body = head ? 0 : sv->c.resp_size;
	size_t fill = n + body <= SRV_CHUNK ? body : 0;

	if (n == 0)
		return -EINVAL;
	r->first = tpl_make(sv->tpl_pool, hdr, n, fill);
	r->total = n + body;
	return r->first == NULL ? -ENOMEM : 0;
}

/* Every template this server's protocol needs. */
static int
tpl_build(struct app_server *sv)
{
	char buf[SRV_HDR_MAX];
	size_t n;
	int rc = 0;

	sv->chunk = tpl_make(sv->tpl_pool, NULL, 0, SRV_CHUNK);
	if (sv->chunk == NULL)
		return -ENOMEM;
	if (sv->c.proto == APP_SRV_RAW) {
		uint64_t fill = sv->c.resp_size <= SRV_CHUNK ? sv->c.resp_size : 0;

		sv->resp[0][0].first = tpl_make(sv->tpl_pool, NULL, 0, fill);
		sv->resp[0][0].total = sv->c.resp_size;
		return sv->resp[0][0].first == NULL ? -ENOMEM : 0;
	}
	if (sv->c.proto != APP_SRV_HTTP)
		return 0;
	for (int cl = 0; cl < 2 && rc == 0; cl++)
		for (int h = 0; h < 2 && rc == 0; h++)
			rc = resp_make_http(sv, &sv->resp[cl][h], cl == 0, h == 1);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < SRV_N_ERR; i++) {
		n = app_http_error(buf, sizeof(buf), srv_err_status[i]);
		if (n == 0)
			return -EINVAL;
		sv->err[i].first = tpl_make(sv->tpl_pool, buf, n, 0);
		sv->err[i].total = n;
		if (sv->err[i].first == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* The error response for the parser's verdict on @p c (400 if unknown). */
static const struct srv_resp *
err_resp(const struct app_server *sv, const struct srv_conn *c)
{
	for (size_t i = 0; i < SRV_N_ERR; i++)
		if (srv_err_status[i] == app_http_err_status(&c->u.http))
			return &sv->err[i];
	return &sv->err[0];
}

/* ---- sending ---- */

/* No mbuf for a copy either: app_server_lcore_work() retries. The
 * list grows as needed (false: no memory for it, the caller fails the
 * send). A close only clears c->stalled: the retry skips its entry. */
static bool
conn_stall(struct srv_conn *c)
{
	struct srv_lcore *lc = lc_of(c);

	if (c->stalled)
		return true;
	if (lc->n_stall == lc->cap_stall) {
		unsigned int cap = lc->cap_stall ? 2 * lc->cap_stall : 64;
		uint32_t *ns = realloc(lc->stall, cap * sizeof(*ns));

		if (ns == NULL)
			return false;
		lc->stall = ns;
		lc->cap_stall = cap;
	}
	c->stalled = 1;
	lc->stall[lc->n_stall++] = slot_of(c);
	return true;
}

/* Bytes @p toff to @p toff + @p n of template @p tpl in an mbuf of their
 * own: copied when they are short and the copy pool has an mbuf, else an
 * indirect clone trimmed to them. NULL when neither pool has one. */
static struct rte_mbuf *
piece_mbuf(const struct app_server *sv, struct rte_mbuf *tpl, uint64_t toff,
	uint64_t n)
{
	struct rte_mbuf *m;

	if (n <= SRV_COPY_ROOM && (m = rte_pktmbuf_alloc(sv->copy_pool)) != NULL) {
		/* The pool's room is SRV_COPY_ROOM past the headroom. */
		memcpy(rte_pktmbuf_append(m, (uint16_t)n),
			rte_pktmbuf_mtod_offset(tpl, const char *, toff), n);
		return m;
	}
	m = rte_pktmbuf_clone(tpl, sv->clone_pool);
	if (m != NULL) {
		rte_pktmbuf_adj(m, (uint16_t)toff);
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - n));
	}
	return m;
}

/*
 * Queue the next piece of @p r from offset c->off: a copy of a short
 * piece or an indirect clone of a template trimmed to it (zero copy)
 * (piece_mbuf()); a copy with dps_send() when no mbuf is left. Returns
 * bytes queued, 0 when the buffer is full (c->blocked) or mbufs ran out
 * (c->stalled), -1 on a send error.
 */
static ssize_t
send_piece(struct srv_conn *c, struct dps_lsock *h, const struct srv_resp *r)
{
	struct srv_lcore *lc = lc_of(c);
	struct app_server *sv = lc->sv;
	uint32_t flen = r->first->data_len;
	uint64_t off = c->off;
	struct rte_mbuf *tpl = off < flen ? r->first : sv->chunk;
	uint64_t toff = off < flen ? off : 0;
	uint64_t n = RTE_MIN((uint64_t)tpl->data_len - toff, r->total - off);
	struct rte_mbuf *m = piece_mbuf(sv, tpl, toff, n);
	ssize_t rc;

	if (m != NULL) {
		rc = dps_lsock_send_mbuf(h, m);
		if (rc < 0)
			rte_pktmbuf_free(m);
	} else {
		rc = dps_lsock_send(h, rte_pktmbuf_mtod_offset(tpl, char *, toff),
			n, MSG_DONTWAIT);
		if (rc < 0 && errno == ENOBUFS && conn_stall(c))
			return 0;
	}
	if (rc > 0) {
		c->off += (uint64_t)rc;
		cnt_add(&lc->st.tx_bytes, (uint64_t)rc);
		return rc;
	}
	if (rc < 0 && errno != EAGAIN) {
		cnt_add(&lc->st.err_send, 1);
		return -1;
	}
	c->blocked = 1;
	return 0;
}

/* Queue as much of @p r as fits. 1 when all of it is queued, 0 when
 * it waits for room, -1 on error. */
static int
send_resp(struct srv_conn *c, struct dps_lsock *h, const struct srv_resp *r)
{
	while (c->off < r->total) {
		ssize_t rc = send_piece(c, h, r);

		if (rc <= 0)
			return (int)rc;
	}
	c->off = 0;
	return 1;
}

/* The responses owed: HTTP's fit the bit-field (SRV_MAX_OWED), RAW's
 * (one per req_size bytes received) need not, and live in u.raw. */
static inline uint64_t
owed_count(const struct srv_conn *c, enum app_srv_proto proto)
{
	return proto == APP_SRV_RAW ? c->u.raw.owed : c->owed;
}

/* The response for the oldest owed request. */
static const struct srv_resp *
owed_resp(const struct app_server *sv, const struct srv_conn *c)
{
	bool close = c->owed == 1 && c->tail == TAIL_CLOSE;

	if (sv->c.proto == APP_SRV_RAW)
		return &sv->resp[0][0];
	return &sv->resp[close][c->head_bits & 1];
}

/* Send what is owed, in order. 1 when nothing is left, 0 when blocked,
 * -1 on error. */
static int
flush_owed(struct srv_conn *c, struct dps_lsock *h)
{
	struct srv_lcore *lc = lc_of(c);
	struct app_server *sv = lc->sv;
	enum app_srv_proto proto = sv->c.proto;
	int rc;

	while (owed_count(c, proto) != 0) {
		rc = send_resp(c, h, owed_resp(sv, c));
		if (rc <= 0)
			return rc;
		if (proto == APP_SRV_RAW) {
			c->u.raw.owed--;
		} else {
			c->owed--;
			c->head_bits >>= 1;
		}
		cnt_add(&lc->st.requests, 1);
	}
	if (c->tail == TAIL_ERR && sv->c.proto == APP_SRV_HTTP) {
		rc = send_resp(c, h, err_resp(sv, c));
		if (rc <= 0)
			return rc;
		c->tail = TAIL_CLOSE;
	}
	return 1;
}

/* ECHO: send the held mbuf back. 1 done, 0 blocked, -1 error. */
static int
flush_hold(struct srv_conn *c, struct dps_lsock *h)
{
	struct srv_lcore *lc = lc_of(c);
	uint32_t len;
	ssize_t rc;

	if (!c->held)
		return 1;
	len = c->u.hold->pkt_len;
	rc = dps_lsock_send_mbuf(h, c->u.hold);
	if (rc >= 0) {
		c->u.hold = NULL;
		c->held = 0;
		cnt_add(&lc->st.tx_bytes, len);
		return 1;
	}
	if (errno == EAGAIN) {
		c->blocked = 1;
		return 0;
	}
	cnt_add(&lc->st.err_send, 1);
	return -1;
}

/* SOURCE: body chunks until the buffer is full. */
static int
flush_source(struct srv_conn *c, struct dps_lsock *h)
{
	struct srv_resp r = { .first = lc_of(c)->sv->chunk, .total = UINT64_MAX };

	c->off = 0;
	return send_resp(c, h, &r);
}

/* ---- connections ---- */

/* A connection from this lcore's pool (groups of slabs of SRV_SLAB slots,
 * never freed before the server); its slot index in *@p slot. */
static struct srv_conn *
conn_alloc(struct srv_lcore *lc, uint32_t *slot)
{
	struct srv_conn *c;

	if (lc->free == 0) {
		union srv_slot *group;

		if (lc->n_slabs + SRV_GROUP > lc->cap_slabs) {
			unsigned int cap = lc->cap_slabs ? 2 * lc->cap_slabs : 64;
			union srv_slot **ns = realloc(lc->slabs, cap * sizeof(*ns));

			if (ns == NULL)
				return NULL;
			lc->slabs = ns;
			lc->cap_slabs = cap;
		}
		group = rte_zmalloc_socket("srv_conns", SRV_GROUP * SLAB_BYTES,
			SLAB_BYTES, rte_socket_id());
		if (group == NULL)
			return NULL;
		for (unsigned int g = 0; g < SRV_GROUP; g++) {
			union srv_slot *slab = group + g * SRV_SLAB;

			slab[0].head.lc = lc;
			slab[0].head.no = lc->n_slabs;
			lc->slabs[lc->n_slabs++] = slab;
		}
		/* onto the free list from the last, so that it hands them out
		 * in address order; slot 0 of a slab is its header */
		for (uint32_t i = lc->n_slabs * SRV_SLAB - 1;
				i > (lc->n_slabs - SRV_GROUP) * SRV_SLAB; i--)
			if (i % SRV_SLAB != 0) {
				conn_at(lc, i)->next = lc->free;
				lc->free = i;
			}
	}
	*slot = lc->free;
	c = conn_at(lc, lc->free);
	lc->free = c->next;
	return c;
}

/* Close @p c and return it to the pool: a FIN after the queued data
 * (dps_close()), what is still unread first drained so it is not a RST.
 * @p unread false: the last read said nothing more was queued, and
 * nothing has been read since, so there is nothing to drain. */
static void
conn_close(struct srv_conn *c, struct dps_lsock *h, bool unread)
{
	struct srv_lcore *lc = lc_of(c);
	struct rte_mbuf *m;

	if (c->held)
		rte_pktmbuf_free(c->u.hold);
	while (unread && dps_lsock_recv_mbuf(h, &m, NULL) > 0)
		rte_pktmbuf_free(m);
	dps_lsock_set_callbacks(h, NULL, NULL);
	dps_close(c->fd);
	lru_remove(lc, c);
	c->fd = -1;
	c->held = 0;
	c->stalled = 0;		/* its stall entry, if any, is skipped */
	c->next = lc->free;
	lc->free = slot_of(c);
	cnt_add(&lc->st.closed, 1);
	cnt_sub(&lc->st.open, 1);
}

/* Activity: to the young end of the LRU list. */
static void
conn_touch(struct srv_conn *c)
{
	struct srv_lcore *lc = lc_of(c);
	uint32_t i = slot_of(c);

	c->last = coarse(lc->sv, lc->now);
	if (lc->lru_last != i) {
		lru_remove(lc, c);
		lru_append(lc, c, i);
	}
}

/* HTTP: frame requests in @p p; each completed one is owed a response.
 * Stops at a close request, a malformed one (tail set) or SRV_MAX_OWED
 * answers owed. Returns the bytes taken. */
static size_t
feed_http(struct srv_conn *c, const char *p, size_t n)
{
	struct srv_lcore *lc = lc_of(c);
	size_t used, took = 0;
	int rc;

	while (took < n && c->tail == TAIL_NONE && c->owed < SRV_MAX_OWED) {
		rc = app_http_feed_memo(&c->u.http, &lc->memo, p + took,
			n - took, &used);
		if (rc == APP_HTTP_MORE)
			return n;
		if (rc == APP_HTTP_ERROR) {
			cnt_add(&lc->st.err_parse, 1);
			c->tail = TAIL_ERR;
			return n;
		}
		if (c->u.http.method == APP_HTTP_HEAD)
			c->head_bits |= 1ull << c->owed;
		c->owed++;
		if (!c->u.http.keep_alive || lc->sv->c.close_after)
			c->tail = TAIL_CLOSE;
		app_http_init(&c->u.http, APP_HTTP_REQUEST);
		took += used;
	}
	return c->tail == TAIL_NONE ? took : n;	/* after the end: dropped */
}

/* HTTP: feed @p m; what the owed limit leaves unread waits in u.hold
 * (received mbufs are one segment; a chain is fed whole). It stops only
 * between requests, where the parser is fresh: so u.hold takes the
 * parser's place, which is started again when it is taken. */
static void
input_http(struct srv_conn *c, struct rte_mbuf *m)
{
	size_t took;

	if (m->nb_segs > 1) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next)
			(void)feed_http(c, rte_pktmbuf_mtod(s, const char *), s->data_len);
		rte_pktmbuf_free(m);
		return;
	}
	took = feed_http(c, rte_pktmbuf_mtod(m, const char *), m->data_len);
	if (took == m->data_len) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)took);
	c->u.hold = m;
	c->held = 1;
}

/* What one received mbuf means for each protocol. The mbuf is consumed. */
static void
conn_input(struct srv_conn *c, struct rte_mbuf *m)
{
	struct srv_lcore *lc = lc_of(c);
	struct app_server *sv = lc->sv;

	cnt_add(&lc->st.rx_bytes, m->pkt_len);
	switch (sv->c.proto) {
	case APP_SRV_HTTP:
		input_http(c, m);
		return;
	case APP_SRV_ECHO:
		c->u.hold = m;
		c->held = 1;
		return;
	case APP_SRV_RAW:
		c->u.raw.acc += m->pkt_len;
		c->u.raw.owed += c->u.raw.acc / sv->c.req_size;
		c->u.raw.acc %= sv->c.req_size;
		break;
	default:
		break;
	}
	rte_pktmbuf_free(m);
}

/* Send what is owed; 1 when all out, 0 blocked, -1 error. */
static int
conn_flush(struct srv_conn *c, struct dps_lsock *h)
{
	switch (lc_of(c)->sv->c.proto) {
	case APP_SRV_ECHO:
		return flush_hold(c, h);
	case APP_SRV_SOURCE:
		return flush_source(c, h);
	case APP_SRV_DISCARD:
		return 1;
	default:
		return flush_owed(c, h);
	}
}

/* SOURCE: read and drop what the peer sends. false once it is gone. */
static bool
source_drop_input(struct srv_conn *c, struct dps_lsock *h)
{
	struct rte_mbuf *m;
	ssize_t n;

	while ((n = dps_lsock_recv_mbuf(h, &m, NULL)) > 0) {
		cnt_add(&lc_of(c)->st.rx_bytes, (uint64_t)n);
		rte_pktmbuf_free(m);
	}
	return n < 0 && errno == EAGAIN;
}

/* The peer's FIN (@p n 0) or an error: true when the connection is to
 * close now; false when answers are still owed (they go first). */
static bool
input_end(struct srv_conn *c, ssize_t n)
{
	if (n < 0) {
		cnt_add(&lc_of(c)->st.err_reset, 1);
		return true;
	}
	if (owed_count(c, lc_of(c)->sv->c.proto) == 0 && !c->held)
		return true;
	c->tail = TAIL_CLOSE;
	return false;
}

/*
 * The connection's whole state machine: send what is owed; while the
 * output is not blocked, read the next mbuf and act on it. EOF ends the
 * input (the answers owed still go out, then the close); a close request
 * or an error response (400, 414, 431) closes once sent. A read that
 * would only say EAGAIN is skipped: the one before it tells.
 */
static void
conn_run(struct srv_conn *c, struct dps_lsock *h)
{
	enum app_srv_proto proto = lc_of(c)->sv->c.proto;
	struct rte_mbuf *m;
	bool more = true;
	ssize_t n;
	int rc;

	c->blocked = 0;
	conn_touch(c);
	for (;;) {
		rc = conn_flush(c, h);
		if (rc < 0)
			goto close;
		if (rc == 0) {		/* writable / the stall list resumes */
			if (proto == APP_SRV_SOURCE && !source_drop_input(c, h)) {
				more = true;	/* it read on its own */
				goto close;
			}
			return;
		}
		if (c->tail == TAIL_CLOSE)
			goto close;
		if (proto == APP_SRV_HTTP && c->held) {
			m = c->u.hold;	/* requests left over from the last read */
			c->held = 0;
			app_http_init(&c->u.http, APP_HTTP_REQUEST);
			input_http(c, m);
			continue;
		}
		if (!more)
			return;		/* as EAGAIN */
		n = dps_lsock_recv_mbuf(h, &m, &more);
		if (n > 0) {
			conn_input(c, m);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (input_end(c, n))
			goto close;
	}
close:
	conn_close(c, h, more);
}

/* ---- connections without state (see the file's comment) ---- */

static struct srv_conn *conn_new(struct srv_lcore *lc, int fd, struct dps_lsock **hp);

/* The callback argument of a connection without state on @p lc. */
static inline void *
quiet_arg(struct srv_lcore *lc)
{
	return (void *)((uintptr_t)lc | 1);
}

/* The lcore of callback argument @p arg if it names no connection. */
static inline struct srv_lcore *
quiet_lc(void *arg)
{
	return ((uintptr_t)arg & 1) != 0 ?
		(struct srv_lcore *)((uintptr_t)arg & ~(uintptr_t)1) : NULL;
}

/* Mark @p fd as a connection without state: -1 when the map cannot
 * grow (the connection keeps its slot then). */
static int
quiet_set(struct srv_lcore *lc, int fd)
{
	uint32_t w = (uint32_t)fd / 64;

	if (w >= lc->quiet_words) {
		uint32_t n = RTE_MAX(w + 1, 2 * lc->quiet_words);
		uint64_t *q = realloc(lc->quiet, n * sizeof(*q));

		if (q == NULL)
			return -1;
		memset(q + lc->quiet_words, 0,
			(n - lc->quiet_words) * sizeof(*q));
		lc->quiet = q;
		lc->quiet_words = n;
	}
	lc->quiet[w] |= 1ull << (fd % 64);
	return 0;
}

static void
quiet_clear(struct srv_lcore *lc, int fd)
{
	lc->quiet[fd / 64] &= ~(1ull << (fd % 64));
}

/* Whether @p c holds nothing a fresh connection would not: HTTP
 * between requests, nothing owed, held, half-read or stalled, and no
 * keep-alive timeout to keep its place for. */
static bool
conn_blank(const struct srv_conn *c)
{
	const struct app_server *sv = lc_of(c)->sv;
	struct app_http fresh;

	if (sv->c.proto != APP_SRV_HTTP || sv->idle_tsc != 0 || c->held ||
			c->owed != 0 || c->tail != TAIL_NONE || c->stalled ||
			c->blocked || c->off != 0 || c->head_bits != 0)
		return false;
	app_http_init(&fresh, APP_HTTP_REQUEST);
	return memcmp(&c->u.http, &fresh, sizeof(fresh)) == 0;
}

/* The stack made the connection compact: give its slot back if it
 * holds nothing (conn_blank()). No call into the stack for @p fd. */
static void *
on_idle(int fd, void *arg)
{
	struct srv_conn *c = arg;
	struct srv_lcore *lc;

	if (quiet_lc(arg) != NULL || !conn_blank(c))
		return arg;
	lc = lc_of(c);
	if (quiet_set(lc, fd) != 0)
		return arg;
	lru_remove(lc, c);
	c->fd = -1;
	c->next = lc->free;
	lc->free = slot_of(c);
	cnt_add(&lc->st.quiet_out, 1);
	return quiet_arg(lc);
}

/* The connection of a callback's @p fd and @p arg: a slot taken again
 * for one without state (NULL when none could be had: closed). */
static struct srv_conn *
conn_of(int fd, void *arg)
{
	struct srv_lcore *lc = quiet_lc(arg);

	if (lc == NULL)
		return arg;
	quiet_clear(lc, fd);
	cnt_add(&lc->st.quiet_in, 1);
	return conn_new(lc, fd, NULL);
}

/* Data or the peer's FIN: run the connection. */
static void
on_readable(int fd, void *arg)
{
	struct srv_conn *c = conn_of(fd, arg);

	if (c != NULL)
		conn_run(c, h_of(c));
}

/* Room in the send buffer: go on where a send stopped (one without
 * state has nothing to go on with). */
static void
on_writable(int fd, void *arg)
{
	struct srv_conn *c = arg;

	(void)fd;
	if (quiet_lc(arg) != NULL)
		return;
	if (c->blocked || lc_of(c)->sv->c.proto == APP_SRV_SOURCE)
		conn_run(c, h_of(c));
}

/* Reset, timed out: count it and let the connection go. */
static void
on_error(int fd, int err, void *arg)
{
	struct srv_conn *c = conn_of(fd, arg);

	(void)err;
	if (c == NULL)
		return;
	cnt_add(&lc_of(c)->st.err_reset, 1);
	conn_close(c, h_of(c), true);
}

static const struct dps_sock_cbs conn_cbs = {
	.error = on_error, .readable = on_readable, .writable = on_writable,
	.idle = on_idle,
};

/* A slot for descriptor @p fd, fresh, its callbacks installed; NULL
 * when none could be had (@p fd is closed then, counted). With @p hp,
 * the socket's handle there too (one look-up less). */
static struct srv_conn *
conn_new(struct srv_lcore *lc, int fd, struct dps_lsock **hp)
{
	uint32_t slot = 0;
	struct srv_conn *c = conn_alloc(lc, &slot);
	struct dps_lsock *h;

	if (c == NULL) {
		cnt_add(&lc->st.err_accept, 1);
		cnt_add(&lc->st.closed, 1);
		cnt_sub(&lc->st.open, 1);
		dps_close(fd);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->last = coarse(lc->sv, lc->now);
	if (lc->sv->c.proto == APP_SRV_HTTP)
		app_http_init(&c->u.http, APP_HTTP_REQUEST);
	lru_append(lc, c, slot);
	h = h_of(c);
	dps_lsock_set_callbacks(h, &conn_cbs, c);
	if (hp != NULL)
		*hp = h;
	return c;
}

/* Serve descriptor @p fd, which this lcore owns. */
static void
conn_start(struct srv_lcore *lc, int fd)
{
	struct dps_lsock *h = NULL;
	struct srv_conn *c;

	cnt_add(&lc->st.accepted, 1);
	cnt_add(&lc->st.open, 1);
	c = conn_new(lc, fd, &h);
	/* A reset before the accept went to the listener's set, which
	 * ignores it; the read here reports it (ECONNRESET, or EOF once shut
	 * down). */
	if (c != NULL)
		conn_run(c, h);
}

/* The stack lcore index of the calling lcore. */
static struct srv_lcore *
self_lcore(struct app_server *sv)
{
	unsigned int id = rte_lcore_id();

	if (id >= RTE_MAX_LCORE || sv->idx_of[id] < 0)
		return NULL;
	return &sv->lc[sv->idx_of[id]];
}

/* Serve @p fd, owned by lcore @p owner (dps_accept_lcore()), here. */
static void
accept_one(struct srv_lcore *lc, int fd, int owner)
{
	if ((unsigned int)owner == lc->idx) {
		conn_start(lc, fd);
		return;
	}
	/* Gone already (-1), or another lcore's child: the group was short
	 * of this lcore's member when its SYN came. */
	cnt_add(&lc->st.accepted, 1);
	cnt_add(&lc->st.closed, 1);
	cnt_add(owner < 0 ? &lc->st.err_reset : &lc->st.err_accept, 1);
	dps_close(fd);
}

/* Take a connection from listener @p lfd, or (@p all) every one until
 * EAGAIN. Returns whether one was taken. A child reset before it was
 * taken (ECONNABORTED) is skipped; any other error (EMFILE, ENOMEM, ...)
 * ends the call, counted, and leaves the queue to the next call or
 * sweep: retrying at once would hold the lcore in this loop for as long
 * as the shortage lasts, and its own connections' work with it. */
static bool
accept_some(struct srv_lcore *lc, int lfd, bool all)
{
	bool took = false;
	int fd, owner;

	for (;;) {
		fd = dps_accept_lcore(lfd, NULL, NULL, SOCK_NONBLOCK, &owner);
		if (fd >= 0) {
			accept_one(lc, fd, owner);
			if (!all)
				return true;
			took = true;
			continue;
		}
		if (errno == EAGAIN)
			return took;
		cnt_add(&lc->st.err_accept, 1);
		if (errno != ECONNABORTED)
			return took;
	}
}

/*
 * The listener has a connection: the stack calls `acceptable` once for
 * each child it queues (child_enqueue()), so one accept per call keeps
 * the queue empty, and the accept that would only say EAGAIN (about 170
 * instructions, a connection's 1.3 %) is left out. Should a child ever
 * be queued without a call, sweep_listeners() takes it within
 * SRV_SWEEP_CALLS polls of the lcore.
 */
static void
on_acceptable(int lfd, void *arg)
{
	struct app_server *sv = arg;
	struct srv_lcore *lc = self_lcore(sv);

	if (lc == NULL || __atomic_load_n(&sv->draining, __ATOMIC_RELAXED))
		return;
	(void)accept_some(lc, lfd, false);
}

/* The safety net of on_acceptable(): every listener of this lcore
 * emptied once every SRV_SWEEP_CALLS work calls (counted, not timed, so
 * that its cost per call is fixed: a fraction of an instruction). */
static int
sweep_listeners(struct srv_lcore *lc)
{
	int did = 0;

	if (++lc->sweep_calls < SRV_SWEEP_CALLS)
		return 0;
	lc->sweep_calls = 0;
	for (unsigned int i = 0; i < RTE_DIM(lc->lfd); i++)
		if (lc->lfd[i] >= 0 && accept_some(lc, lc->lfd[i], true))
			did = 1;
	return did;
}

/* Children not accepted yet inherit this set: only `acceptable` does
 * anything (on the listener itself). */
static const struct dps_sock_cbs listener_cbs = {
	.acceptable = on_acceptable,
};

/* ---- life cycle ---- */

int
app_srv_proto_parse(const char *s, enum app_srv_proto *out)
{
	static const char *const names[] = { "http", "echo", "discard", "raw",
		"source" };

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum app_srv_proto)i;
			return 0;
		}
	return -EINVAL;
}

/* Why @p c cannot run, or NULL. */
static const char *
conf_check(const struct app_srv_conf *c)
{
	if (c->proto > APP_SRV_SOURCE)
		return "unknown protocol";
	if (c->n_ports == 0 || c->n_ports > RTE_DIM(c->ports))
		return "between 1 and 8 ports";
	for (unsigned int i = 0; i < c->n_ports; i++) {
		if (c->ports[i] == 0)
			return "port 0";
		for (unsigned int j = 0; j < i; j++)
			if (c->ports[i] == c->ports[j])
				return "a port given twice";
	}
	if (c->proto == APP_SRV_RAW && (c->req_size == 0 || c->resp_size == 0))
		return "raw needs a request and a response size above 0";
	if (c->resp_size > (1ull << 40))
		return "response size above 1 TiB";
	if (c->backlog > 65535)
		return "backlog above 65535";
	return NULL;
}

/* The per-lcore parts: contexts, the lcore map. */
static int
lcores_make(struct app_server *sv)
{
	sv->lc = rte_zmalloc("srv_lcores", sv->n_lcores * sizeof(*sv->lc),
		RTE_CACHE_LINE_SIZE);
	if (sv->lc == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		sv->idx_of[i] = -1;
	for (unsigned int i = 0; i < sv->n_lcores; i++) {
		struct srv_lcore *lc = &sv->lc[i];

		lc->sv = sv;
		lc->idx = i;
		app_http_memo_init(&lc->memo);
		for (unsigned int k = 0; k < RTE_DIM(lc->lfd); k++)
			lc->lfd[k] = -1;
		sv->idx_of[dps_stack_lcore_id(sv->s, i)] = (int16_t)i;
	}
	return 0;
}

/* The mbuf pools: templates (a few large mbufs), indirect clones and
 * the short pieces' copies. */
static int
pools_make(struct app_server *sv)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "srvt%p", (void *)sv);
	sv->tpl_pool = rte_pktmbuf_pool_create(name, 15, 0, 0,
		SRV_CHUNK + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "srvc%p", (void *)sv);
	sv->clone_pool = rte_pktmbuf_pool_create(name, SRV_CLONES, 256, 0, 0,
		SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "srvk%p", (void *)sv);
	sv->copy_pool = rte_pktmbuf_pool_create(name, SRV_COPIES, 256, 0,
		SRV_COPY_ROOM + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	if (sv->tpl_pool == NULL || sv->clone_pool == NULL || sv->copy_pool == NULL)
		return -ENOMEM;
	return tpl_build(sv);
}

struct app_server *
app_server_create(struct dps_stack *s, const struct app_srv_conf *c)
{
	const char *why = conf_check(c);
	struct app_server *sv;

	if (why != NULL) {
		fprintf(stderr, "server: invalid settings: %s\n", why);
		errno = EINVAL;
		return NULL;
	}
	sv = calloc(1, sizeof(*sv));
	if (sv == NULL)
		return NULL;
	sv->c = *c;
	if (sv->c.backlog == 0)
		sv->c.backlog = 4096;
	if (sv->c.req_size == 0)
		sv->c.req_size = 64;
	sv->s = s;
	sv->n_lcores = dps_stack_lcore_count(s);
	sv->idle_tsc = c->keepalive_timeout_ns == 0 ? 0 :
		(uint64_t)((double)c->keepalive_timeout_ns * rte_get_tsc_hz() / 1e9);
	while ((rte_get_tsc_hz() >> (sv->t_shift + 1)) >= 1000)
		sv->t_shift++;		/* a coarse tick of 0.5 to 1 ms */
	/* rounded up, and below half the clock's span (2^31 ticks is weeks) */
	sv->idle_ticks = (uint32_t)RTE_MIN((sv->idle_tsc +
		(1ull << sv->t_shift) - 1) >> sv->t_shift, (uint64_t)INT32_MAX);
	if (lcores_make(sv) != 0 || pools_make(sv) != 0) {
		fprintf(stderr, "server: out of memory for the server's pools\n");
		app_server_destroy(sv);
		errno = ENOMEM;
		return NULL;
	}
	return sv;
}

/* Listen on @p port (any address, non-blocking) as a member of its
 * SO_REUSEPORT group at home on the calling lcore: on IPv4's wildcard,
 * or with c.v6 on IPv6's, which takes IPv4 peers too (v4-mapped, as a
 * Linux socket with IPV6_V6ONLY off, RFC 3493 5.3). */
static int
listener_open(struct app_server *sv, uint16_t port)
{
	union app_sockaddr a = { .sin = { .sin_family = AF_INET,
		.sin_port = htons(port) } };
	int one = 1, zero = 0, fd, err;

	if (sv->c.v6)
		a.sin6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
			.sin6_port = htons(port) };
	fd = dps_socket_on(sv->s, a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	dps_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	dps_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (dps_set_callbacks(fd, &listener_cbs, sv) != 0 ||
			(sv->c.v6 && dps_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
				&zero, sizeof(zero)) != 0) ||
			dps_bind(fd, &a.sa, app_sockaddr_len(&a)) != 0 ||
			dps_listen(fd, (int)sv->c.backlog) != 0) {
		err = errno;
		dps_close(fd);
		return -err;
	}
	return fd;
}

/* Wait until every lcore has its listeners open, or one failed: then no
 * SYN finds a group short of a member. Returns 0 or -EADDRINUSE. */
static int
lcores_ready(struct app_server *sv)
{
	/* Acquire: pairs with the release increments and the failure store,
	 * so the other lcores' listeners are published. */
	while (__atomic_load_n(&sv->n_ready, __ATOMIC_ACQUIRE) < sv->n_lcores) {
		if (__atomic_load_n(&sv->failed, __ATOMIC_ACQUIRE) ||
				dps_stack_stopping(sv->s))
			return -EADDRINUSE;
		rte_pause();
	}
	return __atomic_load_n(&sv->failed, __ATOMIC_ACQUIRE) ? -EADDRINUSE : 0;
}

int
app_server_lcore_init(struct app_server *sv, unsigned int idx)
{
	struct srv_lcore *lc;
	int fd;

	if (idx >= sv->n_lcores)
		return -EINVAL;
	lc = &sv->lc[idx];
	lc->now = rte_rdtsc();
	for (unsigned int i = 0; i < sv->c.n_ports; i++) {
		fd = listener_open(sv, sv->c.ports[i]);
		if (fd < 0) {
			fprintf(stderr, "server: cannot listen on port %u: %s\n",
				sv->c.ports[i], strerror(-fd));
			/* release: pairs with lcores_ready()'s acquire */
			__atomic_store_n(&sv->failed, 1, __ATOMIC_RELEASE);
			return fd;
		}
		lc->lfd[i] = fd;
	}
	/* release: pairs with lcores_ready()'s acquire */
	__atomic_fetch_add(&sv->n_ready, 1, __ATOMIC_RELEASE);
	return lcores_ready(sv);
}

/* Idle keep-alive connections: the LRU list's old end, at most every
 * ~10 ms. */
static int
idle_check(struct srv_lcore *lc, uint64_t tsc)
{
	struct app_server *sv = lc->sv;
	uint32_t now = coarse(sv, tsc);
	struct srv_conn *c;
	int did = 0;

	if (sv->idle_tsc == 0 || tsc < lc->next_idle_check)
		return 0;
	lc->next_idle_check = tsc + rte_get_tsc_hz() / 100;
	/* more than idle_ticks whole ticks: idle longer than idle_tsc */
	while (lc->lru_first != 0 &&
			now - (c = conn_at(lc, lc->lru_first))->last > sv->idle_ticks) {
		conn_close(c, h_of(c), true);
		did = 1;
	}
	return did;
}

/* Stop: this lcore's listeners and connections closed. Children
 * waiting in a listener's queue are reset (as close() of a listener does
 * in Linux). */
static void
drain_lcore(struct srv_lcore *lc)
{
	for (unsigned int i = 0; i < RTE_DIM(lc->lfd); i++) {
		if (lc->lfd[i] >= 0)
			dps_close(lc->lfd[i]);
		lc->lfd[i] = -1;
	}
	while (lc->lru_first != 0) {
		struct srv_conn *c = conn_at(lc, lc->lru_first);

		conn_close(c, h_of(c), true);
	}
	/* Connections without state: nothing to drain or free. */
	for (uint32_t w = 0; w < lc->quiet_words; w++)
		while (lc->quiet[w] != 0) {
			int fd = (int)(w * 64 + (uint32_t)__builtin_ctzll(lc->quiet[w]));

			quiet_clear(lc, fd);
			dps_close(fd);
			cnt_add(&lc->st.closed, 1);
			cnt_sub(&lc->st.open, 1);
		}
	lc->drained = true;
}

int
app_server_lcore_work(struct app_server *sv, unsigned int idx, uint64_t tsc)
{
	struct srv_lcore *lc = &sv->lc[idx];
	struct srv_conn *c;
	unsigned int n;
	int did = 0;

	lc->now = tsc;
	/* pairs with app_server_drain()'s release store */
	if (__atomic_load_n(&sv->draining, __ATOMIC_ACQUIRE)) {
		if (!lc->drained)
			drain_lcore(lc);
		return 0;
	}
	/* Each stalled connection once, oldest first (a retry may stall it
	 * again: a new entry, after these). An entry whose connection closed
	 * meanwhile is skipped. */
	n = lc->n_stall;
	for (unsigned int k = 0; k < n; k++) {
		c = conn_at(lc, lc->stall[k]);
		if (!c->stalled)
			continue;
		c->stalled = 0;
		conn_run(c, h_of(c));
		did = 1;
	}
	lc->n_stall -= n;
	if (n != 0)
		memmove(lc->stall, lc->stall + n,
			lc->n_stall * sizeof(lc->stall[0]));
	return did | idle_check(lc, tsc) | sweep_listeners(lc);
}

/*
 * Closing while the stack still runs, so FINs go out and the connections
 * finish before the stack stops. Done once app_server_stats() shows
 * open == 0.
 */
void
app_server_drain(struct app_server *sv)
{
	__atomic_store_n(&sv->draining, 1, __ATOMIC_RELEASE);	/* pairs with lcore_work's load */
}

void
app_server_stats(const struct app_server *sv, struct app_srv_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < sv->n_lcores; i++) {
		const uint64_t *src = (const uint64_t *)&sv->lc[i].st;
		uint64_t *dst = (uint64_t *)out;

		for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			/* pairs with cnt_add()'s relaxed store */
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
}

void
app_server_destroy(struct app_server *sv)
{
	if (sv == NULL)
		return;
	for (unsigned int i = 0; sv->lc != NULL && i < sv->n_lcores; i++) {
		struct srv_lcore *lc = &sv->lc[i];

		if (lc->sv != NULL)
			drain_lcore(lc);
		for (unsigned int k = 0; k < lc->n_slabs; k += SRV_GROUP)
			rte_free(lc->slabs[k]);	/* a group's first slab */
		free(lc->slabs);
		free(lc->stall);
		free(lc->quiet);
	}
	rte_free(sv->lc);
	for (int cl = 0; cl < 2; cl++)
		for (int h = 0; h < 2; h++)
			rte_pktmbuf_free(sv->resp[cl][h].first);
	for (size_t i = 0; i < SRV_N_ERR; i++)
		rte_pktmbuf_free(sv->err[i].first);
	rte_pktmbuf_free(sv->chunk);
	/* Clones or copies still in a send buffer would reach freed pools:
	 * keep the pools then (the process is ending anyway). */
	if (sv->clone_pool != NULL && rte_mempool_full(sv->clone_pool) &&
			(sv->tpl_pool == NULL || rte_mempool_full(sv->tpl_pool)) &&
			(sv->copy_pool == NULL || rte_mempool_full(sv->copy_pool))) {
		rte_mempool_free(sv->clone_pool);
		rte_mempool_free(sv->tpl_pool);
		rte_mempool_free(sv->copy_pool);
	}
	free(sv);
}
