/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compact idle form of a connection (issue 15): an established
 * connection with nothing to do keeps a 168-byte entry in a per-lcore
 * store instead of its 448-byte socket, as a TIME_WAIT connection keeps
 * a 56-byte one (dps_tcp_timewait.c). Off unless dps_sock_conf.idle_ms
 * is set.
 *
 * Going idle. An established connection whose TCB has no deadline keeps
 * the socket's timer armed idle_ms ahead instead (dps_tcp_sync_timer():
 * armed once when it goes quiet, left alone while it stays armed, so a
 * busy connection re-arms nothing). When it fires with still no deadline
 * (dps_tcp_idle_fired()) and nothing has arrived for idle_ms, the socket
 * is made compact if nothing else holds it: quiet TCB (no cold half,
 * nothing in flight or queued, no deadline, dps_tcb_idle_ok()), no
 * thread waiting or polling, not on an epoll set, no message on its way
 * to the lcore, no unread data, no error to report, and a reference count
 * that says only the descriptor and the table hold it. A timer, not a
 * walk of the table: a walk at a useful rate (400,000 entries a second)
 * took most of an lcore at a million connections, two cache misses per
 * socket looked at, and slowed the open from 17 to 39 s; a wheel whose
 * slots keep a lower bound costs a poll nothing while no timer is due.
 *
 * The swap, against application threads that hold no lock. The count is
 * taken from 2 to 0 with a compare-and-swap: from then on no thread can
 * take a reference (dps_obj_tryref() fails on 0) and one that tries
 * waits for the descriptor's slot to change (dps_fd_get()); a thread
 * that took one first makes the exchange fail, and the socket stays. The
 * descriptor's slot is then swapped from the socket to the entry (a
 * compare-and-swap that fails when close() emptied it meanwhile: the
 * count goes back and the socket stays), the table's slot is rewritten
 * in place (lock-free readers see the socket or the entry, both
 * type-stable) and the socket goes back to the pool. Then the
 * application's `idle` callback, when its set has one, names the
 * argument the entry keeps: an application can give its own state for
 * the connection back while it is quiet (dps-httpd does).
 *
 * Waking. Whatever needs the socket makes it again from the entry,
 * before it looks: a segment or an ICMP error for the tuple on the lcore
 * (dps_tcp_input.c, dps_tcp_lookup()), a call by descriptor from any
 * thread (dps_fd_get(): inline on the owning lcore, else a request the
 * thread waits for, as connect() does), dps_lsock() on the lcore. The
 * socket is a fresh pool object with every field the entry kept: the
 * TCB from its idle record (dps_tcb_idle_load(), byte for byte), the
 * options from the stack's interned sets, the callbacks, the port's
 * hold. With no socket free the call fails with ENOBUFS and a segment is
 * dropped and counted (the peer retransmits).
 *
 * Who writes what: the entries and the store belong to the lcore;
 * application threads only read an entry's obj and its store's stack and
 * owner (constant) to ask for a wake-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <netinet/in.h>
#include "dps_tcp_priv.h"

#define IDLE_NONE UINT32_MAX

_Static_assert(sizeof(struct dps_idle_ent) <= 168,
	"the compact idle form outgrew its budget (docs/architecture.md)");

static bool (*fd_swap_hook)(int fd, struct dps_obj *old, struct dps_obj *nw);

void
dps_idle_set_fd_swap(bool (*fn)(int fd, struct dps_obj *old, struct dps_obj *nw))
{
	fd_swap_hook = fn;
}

/* ---- the store ---- */

static size_t
store_memsize(uint32_t cap)
{
	return sizeof(struct dps_idle_store) + (size_t)cap * sizeof(struct dps_idle_ent);
}

/* A mapping of @size bytes at a multiple of DPS_IDLE_ALIGN: the
 * alignment more is reserved, and what lies outside is given back.
 * Reserved, not resident: pages become so as entries are first used
 * (MAP_NORESERVE, as the TIME_WAIT store). */
static void *
store_map(size_t size)
{
	size_t span = size + DPS_IDLE_ALIGN;
	uintptr_t p, at;
	void *m;

	m = mmap(NULL, span, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uintptr_t)m;
	at = RTE_ALIGN_CEIL(p, DPS_IDLE_ALIGN);
	size = RTE_ALIGN_CEIL(size, (size_t)getpagesize());
	if (at > p)
		munmap(m, at - p);
	if (p + span > at + size)
		munmap((void *)(at + size), p + span - (at + size));
	return (void *)at;
}

int
dps_tcp_idle_init(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	uint32_t cap = dps_socks(lc->stack)->conf.max_conns;
	struct dps_idle_store *st;

	if (store_memsize(cap) > DPS_IDLE_ALIGN)
		return -ENOMEM;		/* cap < 2^25: cannot happen */
	st = store_map(store_memsize(cap));
	if (st == NULL)
		return -ENOMEM;
	st->stack = lc->stack;
	st->owner = (uint16_t)lc->idx;
	st->cap = cap;
	st->free_head = IDLE_NONE;
	tl->idles = st;
	tl->idle_ns = (uint64_t)dps_socks(lc->stack)->conf.idle_ms * 1000000;
	return 0;
}

void
dps_tcp_idle_fini(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (tl->idles != NULL)
		munmap(tl->idles, RTE_ALIGN_CEIL(store_memsize(tl->idles->cap),
			(size_t)getpagesize()));
	tl->idles = NULL;
}

static struct dps_idle_ent *
store_get(struct dps_lcore *lc)
{
	struct dps_idle_store *st = dps_tcp_lc(lc)->idles;
	struct dps_idle_ent *e;
	uint32_t i = st->free_head;

	if (i == IDLE_NONE) {
		if (st->fresh == st->cap)
			return NULL;
		return &st->e[st->fresh++];	/* first use */
	}
	e = &st->e[i];
	st->free_head = e->next;
	return e;
}

/* Back to the free list. The kind is cleared first: a thread that still
 * reads this entry through a stale slot then finds no idle connection
 * and reads its slot again (dps_fd_get()). Release: pairs with the
 * acquire in idle_kind(). */
static void
store_put(struct dps_lcore *lc, struct dps_idle_ent *e)
{
	struct dps_idle_store *st = dps_tcp_lc(lc)->idles;

	__atomic_store_n(&e->obj.kind, 0, __ATOMIC_RELEASE);
	e->next = st->free_head;
	st->free_head = (uint32_t)(e - st->e);
}

/* Publish @e as an idle connection. Release: its fields before its kind,
 * for idle_kind(). */
static void
idle_publish(struct dps_idle_ent *e)
{
	__atomic_store_n(&e->obj.kind, DPS_OBJ_IDLE, __ATOMIC_RELEASE);
}

/* Acquire: pairs with idle_publish() / store_put(). */
static uint8_t
idle_kind(const struct dps_idle_ent *e)
{
	return __atomic_load_n(&e->obj.kind, __ATOMIC_ACQUIRE);
}

/* ---- option sets ---- */

/* The index of @o among the stack's interned option sets, added if new;
 * -1 when the table is full (the socket then stays a socket). The table
 * is append-only: a set once found keeps its index. */
static int
optset_of(struct dps_sockets *ss, const struct dps_sock_opts *o)
{
	/* Acquire: pairs with the release below, so a counted set is seen
	 * whole. */
	uint32_t n = __atomic_load_n(&ss->n_optsets, __ATOMIC_ACQUIRE);
	int rc = -1;

	for (uint32_t i = 0; i < n; i++)
		if (memcmp(&ss->optsets[i], o, sizeof(*o)) == 0)
			return (int)i;
	rte_spinlock_lock(&ss->optsets_lock);
	n = ss->n_optsets;	/* under the lock: the writers' own view */
	for (uint32_t i = 0; i < n && rc < 0; i++)
		if (memcmp(&ss->optsets[i], o, sizeof(*o)) == 0)
			rc = (int)i;
	if (rc < 0 && n < DPS_OPTSETS_MAX) {
		ss->optsets[n] = *o;
		/* Release: the set before the count that makes it visible. */
		__atomic_store_n(&ss->n_optsets, n + 1, __ATOMIC_RELEASE);
		rc = (int)n;
	}
	rte_spinlock_unlock(&ss->optsets_lock);
	return rc;
}

/* ---- going idle ---- */

/* The window the last output published (dps_tcp_output()): what is left
 * of the announced window, not kept in the entry but derived. */
static uint32_t
idle_rcv_wnd(const struct dps_tcb *t)
{
	return dps_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
}

/* What the lcore alone decides: an established connection with a quiet
 * TCB and no timer, in no list, with its descriptor and nothing else. */
static bool
idle_quiet(const struct dps_sock *sk)
{
	return sk->tcb.state == DPS_TCPS_ESTABLISHED &&
		dps_tcb_idle_ok(&sk->tcb) && dps_tcb_deadline(&sk->tcb) == 0 &&
		sk->in_table && !sk->out_due && !sk->in_synq && !sk->tw_pending &&
		!sk->tcb.orphan && dps_sock_lst(sk) == NULL &&
		dps_sock_parent(sk) == NULL && !dps_tw_armed(&sk->timer) &&
		(dps_sock_fflags(sk) & ~O_NONBLOCK) == 0 && sk->roles <= 3 &&
		dps_sock_rcv_wnd(sk) == idle_rcv_wnd(&sk->tcb);
}

/* What application threads may still have left behind (read once the
 * count is 0, so that no thread can change it any more): a thread
 * asleep on it, an epoll set, a message on its way (the kick flags),
 * bytes not yet read or sent, an error to report, a close that must
 * reset. (Options set before connect() that the lcore has not applied
 * are kept as such: opts_changed.) */
static bool
idle_unheld(struct dps_sock *sk)
{
	struct rte_ring *txq = dps_sock_txq(sk);

	/* Relaxed loads of the flags: the acquire of the count's exchange
	 * (idle_take_refs()) already orders them after every holder's
	 * release of its reference. */
	return __atomic_load_n(&sk->waiter, __ATOMIC_RELAXED) == 0 &&
		__atomic_load_n(&sk->poller, __ATOMIC_RELAXED) == 0 &&
		dps_sock_ep(sk) == NULL &&
		__atomic_load_n(&sk->tx_kick, __ATOMIC_RELAXED) == 0 &&
		__atomic_load_n(&sk->wnd_kick, __ATOMIC_RELAXED) == 0 &&
		__atomic_load_n(&sk->rx_busy, __ATOMIC_RELAXED) == 0 &&
		__atomic_load_n(&sk->tx_busy, __ATOMIC_RELAXED) == 0 &&
		__atomic_load_n(&sk->lock, __ATOMIC_RELAXED) == 0 &&
		dps_sock_snd_queued(sk) == 0 && dps_sock_rcv_queued(sk) == 0 &&
		dps_sock_rx_cur(sk) == NULL &&
		(txq == NULL || rte_ring_count(txq) == 0) &&
		dps_sock_error(sk) == 0 && !dps_sock_errq(sk) &&
		!dps_sock_abort_on_close(sk) && dps_sock_shutdown(sk) == 0;
}

/* Take the descriptor's and the table's references at once, if they are
 * the only ones. Acquire: every holder's writes before its release of
 * its reference (dps_sock_put()) are seen. */
static bool
idle_take_refs(struct dps_sock *sk)
{
	uint32_t two = 2;

	return __atomic_compare_exchange_n(&sk->obj.refcnt, &two, 0, false,
		__ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Give them back: the socket stays. Release: pairs with tryref's acquire. */
static void
idle_give_refs(struct dps_sock *sk)
{
	__atomic_store_n(&sk->obj.refcnt, 2, __ATOMIC_RELEASE);
}

/* Copy what @sk keeps while idle into @e (the store's own fields, stack
 * and owner, are set). */
static void
idle_save(struct dps_idle_ent *e, const struct dps_sock *sk, int optset)
{
	e->obj.fd = sk->obj.fd;
	e->obj.refcnt = 0;
	e->tup = sk->tup;
	memcpy(e->cb_arg, &sk->cb_arg, sizeof(e->cb_arg));
	e->old_sport = sk->old_sport;
	e->ip_id = sk->ip_id;
	e->ss = (uint8_t)dps_sock_ss(sk);
	e->nonblock = (dps_sock_fflags(sk) & O_NONBLOCK) != 0;
	e->userlocks = sk->userlocks;
	e->disconnects = sk->disconnects;
	e->roles = sk->roles & 3;
	e->cbset = sk->cbset;
	e->optset = (uint8_t)optset;
	e->port_held = sk->port_held;
	e->bind_hold = __atomic_load_n(&sk->bind_hold, __ATOMIC_RELAXED);
	e->explicit_bind = dps_sock_explicit_bind(sk);
	e->opts_changed = __atomic_load_n(&sk->opts_changed, __ATOMIC_RELAXED);
	dps_tcb_idle_save(&sk->tcb, &e->rec);
}

/* The application's `idle` callback, if its set has one: the argument
 * the entry keeps is the one it returns. Called once the swap is done,
 * so only for a connection that did go compact; a wake-up, which only
 * this lcore performs, cannot come between the swap and the call. */
static void
idle_tell(struct dps_sockets *ss, const struct dps_sock *sk,
	struct dps_idle_ent *e)
{
	void *(*fn)(int fd, void *arg);
	void *arg;

	if (sk->cbset == 0 || (fn = ss->cbsets[sk->cbset - 1].idle) == NULL)
		return;
	arg = fn(sk->obj.fd, sk->cb_arg);
	memcpy(e->cb_arg, &arg, sizeof(e->cb_arg));
}

/*
 * Make @sk, which has received nothing for the configured time, compact
 * if nothing else holds it (see the file's comment). True when it went;
 * @sk is back in the pool then.
 */
bool
dps_tcp_idle_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_idle_ent *e;
	int optset;

	(void)now;
	/* A read that announced no window left the cold half attached
	 * (dps_tcp_do_wnd() sends nothing): given back here if quiet. */
	if (sk->tcb.x != NULL)
		dps_tcp_x_release(lc, sk);
	if (!idle_quiet(sk) || fd_swap_hook == NULL ||
			__atomic_load_n(&sk->obj.refcnt, __ATOMIC_RELAXED) != 2)
		return false;
	optset = optset_of(ss, &sk->opt);
	if (optset < 0 || (e = store_get(lc)) == NULL)
		return false;
	if (!idle_take_refs(sk)) {
		store_put(lc, e);
		return false;
	}
	if (!idle_unheld(sk)) {
		idle_give_refs(sk);
		store_put(lc, e);
		return false;
	}
	idle_save(e, sk, optset);
	idle_publish(e);
	if (!fd_swap_hook(sk->obj.fd, &sk->obj, &e->obj)) {
		/* close() emptied the slot: its reference is on its way. */
		idle_give_refs(sk);
		store_put(lc, e);
		return false;
	}
	/* Replaced in place: a reader of the table sees one or the other. */
	(void)dps_tcp_table_put(lc, (void *)((uintptr_t)e | IDLE_TAG));
	sk->in_table = false;
	idle_tell(ss, sk, e);
	dps_tcp_stat_own_add(&tl->n_idle, 1);
	DPS_CNT_INC(&lc->cnt, tcp_idle_enter);
	dps_pool_put(ss->pool, sk);
	return true;
}

/*
 * The timer of an established connection with no deadline fired: the
 * idle form's (dps_tcp_sync_timer() arms it idle_ns after the
 * connection went quiet). Compact when nothing has arrived for idle_ns,
 * else look again idle_ns after the last arrival; a connection something
 * still holds is looked at again idle_ns later (a thread's call, an
 * epoll set: rarely, one timer per connection per idle_ns).
 */
void
dps_tcp_idle_fired(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	uint64_t last;

	/* An AF_INET6 socket's connection keeps its socket: an idle entry
	 * holds neither an IPv6 tuple nor the socket's IPv6 side. */
	if (tl->idle_ns == 0 || sk->tcb.state != DPS_TCPS_ESTABLISHED || dps_sock_is6(sk))
		return;
	last = dps_tcb_rcv_tstamp(&sk->tcb, now);
	if (now - last < tl->idle_ns) {
		dps_tw_arm(tl->tw, &sk->timer, last + tl->idle_ns);
		return;
	}
	if (!dps_tcp_idle_enter(lc, sk, now))
		dps_tw_arm(tl->tw, &sk->timer, now + tl->idle_ns);
}

/* ---- waking ---- */

/* Fill the fresh pool object @sk from @e: every field as it was when the
 * connection went idle (see idle_save()). */
static void
idle_load(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_idle_ent *e)
{
	struct dps_sockets *ss = dps_socks(lc->stack);

	dps_sock_init(sk, lc->stack, SOCK_STREAM, IPPROTO_TCP, e->nonblock);
	dps_obj_set_refs(&sk->obj, 2);	/* the descriptor's and the table's */
	sk->obj.fd = e->obj.fd;
	sk->userlocks = e->userlocks;
	sk->disconnects = e->disconnects;
	sk->roles = e->roles;
	sk->opt = ss->optsets[e->optset];
	sk->tup = e->tup;
	sk->old_sport = e->old_sport;
	sk->ip_id = e->ip_id;
	sk->cbset = e->cbset;
	memcpy(&sk->cb_arg, e->cb_arg, sizeof(e->cb_arg));
	sk->port_held = e->port_held;
	dps_sock_set_explicit_bind(sk, e->explicit_bind);
	dps_sock_set_bind_hold(sk, e->bind_hold);
	dps_sock_set_ss(sk, e->ss);
	dps_tcb_idle_load(&sk->tcb, &e->rec);
	dps_sock_publish_rcv_wnd(sk, idle_rcv_wnd(&sk->tcb));
	/* Relaxed: published with the socket by the slot's release. */
	__atomic_store_n(&sk->opts_changed, e->opts_changed, __ATOMIC_RELAXED);
	dps_sock_set_state(sk, DPS_TCP_ESTABLISHED);
	dps_sock_set_owner(sk, (int)lc->idx);
	sk->in_table = true;
}

/*
 * Make idle connection @e a socket again, on its lcore: NULL when no
 * socket is free (the caller fails or drops). The descriptor's slot and
 * the table's are swapped back before the entry is freed.
 */
struct dps_sock *
dps_tcp_idle_wake(struct dps_lcore *lc, struct dps_idle_ent *e, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sock *sk = dps_pool_get(dps_socks(lc->stack)->pool);

	if (sk == NULL)
		return NULL;
	idle_load(lc, sk, e);
	/* Only this lcore swaps an idle entry's slot, and close() needs the
	 * socket first (dps_fd_get() wakes it): the swap cannot fail. */
	if (!fd_swap_hook(e->obj.fd, &e->obj, &sk->obj))
		RTE_VERIFY(0);
	(void)dps_tcp_table_put(lc, sk);
	/* Not idle again before another idle_ms: the caller that woke it
	 * (a thread whose request this was reads its slot next) gets it.
	 * The idle form's own timer; any deadline replaces it. */
	dps_tw_arm(tl->tw, &sk->timer, now + tl->idle_ns);
	dps_tcp_stat_own_add(&tl->n_idle, -1);
	DPS_CNT_INC(&lc->cnt, tcp_idle_wake);
	store_put(lc, e);
	return sk;
}

/* Whether @e is a live entry of @lc's store for descriptor @fd: what a
 * request names may have been woken and reused meanwhile. */
static bool
idle_is(struct dps_lcore *lc, const struct dps_idle_ent *e, int fd)
{
	const struct dps_idle_store *st = dps_tcp_lc(lc)->idles;

	return e >= st->e && e < st->e + st->fresh && idle_kind(e) == DPS_OBJ_IDLE &&
		e->obj.fd == fd;
}

/* DPS_REQ_IDLE_WAKE: args[0] the entry, args[1] its descriptor. 0 also
 * when someone else woke it first. */
bool
dps_tcp_idle_request(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	struct dps_idle_ent *e = (struct dps_idle_ent *)(uintptr_t)r->args[0];

	r->err = 0;
	if (idle_is(lc, e, (int)r->args[1]) && dps_tcp_idle_wake(lc, e, now) == NULL)
		r->err = -ENOBUFS;
	return true;
}

int
dps_idle_wake_fd(int fd, struct dps_obj *o)
{
	struct dps_idle_ent *e = container_of(o, struct dps_idle_ent, obj);
	const struct dps_idle_store *st = dps_idle_store_of(e);
	struct dps_stack *s = st->stack;
	struct dps_req q = { .op = DPS_REQ_IDLE_WAKE };
	struct dps_thread *t;

	/* The store's own fields, constant: the entry's lcore answers. */
	q.args[0] = (uint64_t)(uintptr_t)e;
	q.args[1] = (uint64_t)fd;
	if (dps_stack_self(s) == (int)st->owner) {
		dps_lcore_run_req(s->lc[st->owner], &q, dps_now(s));
		return q.err;
	}
	t = dps_thread_self(s);
	if (t == NULL)
		return -errno;
	return dps_thread_request(t, st->owner, &q, NULL);
}

struct dps_stack *
dps_idle_stack(const struct dps_obj *o)
{
	return dps_idle_store_of(container_of(o, const struct dps_idle_ent, obj))->stack;
}
