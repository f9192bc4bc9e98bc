/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The descriptor table: a process-wide map from small integers to sockets
 * and epoll sets, usable from any thread without a lock.
 *
 * The table is two-level (chunks of 4096 slots made on first use), so an
 * idle process pays for one chunk. New descriptors come from a stack of
 * released numbers, else from a counter. The stack is last in, first out
 * (the most recently closed number comes back first, which keeps the
 * numbers in use low, as Linux's lowest-free rule does), four bytes an
 * entry in an anonymous mapping whose pages become resident only as the
 * stack grows: its memory follows the most descriptors ever closed and
 * not yet reused, not DPS_FD_MAX (16M; an rte_ring of that many entries
 * would be 128 MB of EAL memory, and a FIFO walks all of it). A spinlock
 * guards its top: a push or pop is a few instructions under it, once per
 * connection. A lookup takes a
 * reference with an increment-if-not-zero and then re-reads the slot, so a
 * close racing with the lookup makes it fail cleanly with EBADF; the
 * object's memory is type-stable (see dps_inet.h), so the increment never
 * touches freed memory.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <rte_pause.h>
#include <rte_spinlock.h>
#include <rte_mempool.h>
#include "dps_sock_priv.h"

#define CHUNK_SHIFT 12

#define CHUNK (1u << CHUNK_SHIFT)

#define N_CHUNKS (DPS_FD_MAX / CHUNK)

static struct dps_obj **chunks[N_CHUNKS];	/* atomic pointers */
static uint32_t next_fd;			/* never-used numbers */
static uint32_t *free_fds;			/* released numbers (atomic pointer) */
static uint32_t free_top;			/* entries on free_fds, under free_lock */
static rte_spinlock_t free_lock = RTE_SPINLOCK_INITIALIZER;

/*
 * The table's shared fields, each through one of these. A slot's object
 * is published with a release store (slot_publish()) that pairs with the
 * acquire in slot_load(), so a thread that finds the object sees it
 * initialised; a chunk and the free stack are installed by a
 * compare-and-swap whose release pairs with chunk_load() / the acquire
 * in stack_load().
 */

/* Chunk @i or NULL. Acquire: pairs with chunk_install(). */
static inline struct dps_obj **
chunk_load(unsigned int i)
{
	return __atomic_load_n(&chunks[i], __ATOMIC_ACQUIRE);
}

/* Install @fresh as chunk @i unless one is there (*@cur, updated).
 * Acq_rel: publishes the zeroed chunk to chunk_load(); on failure sees
 * the winner's. */
static inline bool
chunk_install(unsigned int i, struct dps_obj ***cur, struct dps_obj **fresh)
{
	return __atomic_compare_exchange_n(&chunks[i], cur, fresh, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The object in @slot. Acquire: pairs with slot_publish(). */
static inline struct dps_obj *
slot_load(struct dps_obj **slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* Release: publishes the object (its fd, kind, count) to slot_load(). */
static inline void
slot_publish(struct dps_obj **slot, struct dps_obj *o)
{
	__atomic_store_n(slot, o, __ATOMIC_RELEASE);
}

/* Empty @slot if it holds @o. Acq_rel on success: exactly one close wins
 * and sees the publisher's writes; relaxed on failure (nothing read). */
static inline bool
slot_clear(struct dps_obj **slot, struct dps_obj *o)
{
	return __atomic_compare_exchange_n(slot, &o, NULL, false,
		__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Take a never-used number (returns the old count) or give one back.
 * Relaxed: a counter; the slot's release store publishes the object. */
static inline uint32_t
next_fd_add(int d)
{
	return __atomic_fetch_add(&next_fd, (uint32_t)d, __ATOMIC_RELAXED);
}

/* Numbers handed out so far; relaxed, as next_fd_add(). */
static inline uint32_t
next_fd_load(void)
{
	return __atomic_load_n(&next_fd, __ATOMIC_RELAXED);
}

/* The free-number stack or NULL. Acquire: pairs with stack_install(). */
static inline uint32_t *
stack_load(void)
{
	return __atomic_load_n(&free_fds, __ATOMIC_ACQUIRE);
}

/* Acq_rel: publishes the stack to stack_load(); on failure, *@cur is
 * the winner's. */
static inline bool
stack_install(uint32_t **cur, uint32_t *st)
{
	return __atomic_compare_exchange_n(&free_fds, cur, st, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The slot for @fd, or NULL when its chunk was never made. Inline: the
 * socket calls look a descriptor up several times a connection, and the
 * call with the creating path beside it cost 14 instructions a lookup
 * where this costs 5 (callgrind_http.sh). */
static inline __attribute__((always_inline)) struct dps_obj **
fd_slot_find(int fd)
{
	struct dps_obj **c;

	if (unlikely((unsigned int)fd >= DPS_FD_MAX))	/* negative too */
		return NULL;
	c = chunk_load((unsigned int)fd >> CHUNK_SHIFT);
	return c != NULL ? &c[fd & (CHUNK - 1)] : NULL;
}

/* The slot for @fd, its chunk made on demand. */
static struct dps_obj **
fd_slot_make(int fd)
{
	struct dps_obj **c, **fresh = NULL;
	unsigned int i;

	if ((unsigned int)fd >= DPS_FD_MAX)
		return NULL;
	i = (unsigned int)fd >> CHUNK_SHIFT;
	c = chunk_load(i);
	if (c == NULL) {
		fresh = calloc(CHUNK, sizeof(*fresh));
		if (fresh == NULL)
			return NULL;
		if (chunk_install(i, &c, fresh))
			c = fresh;
		else
			free(fresh);	/* another thread made it first */
	}
	return &c[fd & (CHUNK - 1)];
}

/* The free-number stack is mapped once, on the first allocation; NULL
 * if the mapping fails (numbers are then not reused). */
static uint32_t *
fd_stack(void)
{
	uint32_t *st = stack_load();
	uint32_t *expect = NULL;
	void *m;

	if (st != NULL)
		return st;
	m = mmap(NULL, (size_t)DPS_FD_MAX * sizeof(uint32_t), PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (stack_install(&expect, m))
		return m;
	munmap(m, (size_t)DPS_FD_MAX * sizeof(uint32_t));	/* another thread's won */
	return expect;
}

/* The most recently released number, or -1. */
static int
stack_pop(uint32_t *st)
{
	int fd = -1;

	rte_spinlock_lock(&free_lock);
	if (free_top != 0)
		fd = (int)st[--free_top];
	rte_spinlock_unlock(&free_lock);
	return fd;
}

int
dps_fd_alloc(struct dps_obj *o)
{
	uint32_t *st = fd_stack();
	struct dps_obj **slot;
	int fd = st != NULL ? stack_pop(st) : -1;

	if (fd < 0) {
		uint32_t n = next_fd_add(1);

		if (n >= DPS_FD_MAX) {
			(void)next_fd_add(-1);
			errno = EMFILE;
			return -1;
		}
		fd = (int)n;
	}
	slot = fd_slot_make(fd);
	if (slot == NULL) {
		dps_fd_release(fd);
		errno = ENOMEM;
		return -1;
	}
	o->fd = fd;
	slot_publish(slot, o);
	return fd;
}

/* Return @fd's number for reuse. The slot must already be empty. */
void
dps_fd_release(int fd)
{
	uint32_t *st = fd_stack();

	if (st == NULL)
		return;
	/* The stack holds DPS_FD_MAX numbers, as many as can be out. */
	rte_spinlock_lock(&free_lock);
	if (free_top < DPS_FD_MAX)
		st[free_top++] = (uint32_t)fd;
	rte_spinlock_unlock(&free_lock);
}

/* Drop the reference dps_fd_get() took on @o. */
static void
obj_unref(struct dps_obj *o)
{
	if (o->kind == DPS_OBJ_SOCK)
		dps_sock_put((struct dps_sock *)o);
	else
		dps_obj_unref(o);
}

/*
 * The slow part of dps_fd_get(): a socket's slot may name its compact
 * idle form (DPS_OBJ_IDLE, dps_tcp_idle.c) instead, and a socket is
 * wanted, so it is woken first and the slot read again. An idle entry
 * takes no reference; its lcore swaps the slot both ways with a
 * compare-and-swap (dps_fd_swap()). While it makes a socket idle, the
 * socket's count is 0 with the slot still naming it: that lasts a few
 * hundred instructions on the lcore, so the reader waits for the slot to
 * change rather than fail.
 */
static __rte_noinline struct dps_obj *
fd_get_slow(int fd, int kind, struct dps_obj **slot)
{
	struct dps_obj *o;
	unsigned int spins = 0;

	for (;;) {
		o = slot_load(slot);
		if (o == NULL)
			return NULL;
		if (o->kind == DPS_OBJ_IDLE) {
			int rc = kind == DPS_OBJ_SOCK ? dps_idle_wake_fd(fd, o) : -EBADF;

			if (rc != 0) {
				errno = -rc;
				return NULL;
			}
			continue;
		}
		if (dps_obj_tryref(o))
			return o;
		if (slot_load(slot) != o)
			continue;	/* closed, or made idle: read again */
		/* A count at 0 under a slot that still names the object is
		 * the lcore's swap in progress; bounded all the same, as a
		 * closing object was refused before. */
		if (++spins == 1u << 20)
			return NULL;
		if (spins % 64 == 0)
			sched_yield();	/* the lcore making it idle is off the CPU */
		else
			rte_pause();
	}
}

struct dps_obj *
dps_fd_get(int fd, int kind)
{
	struct dps_obj **slot = fd_slot_find(fd);
	struct dps_obj *o;

	if (slot == NULL)
		return NULL;
	o = slot_load(slot);
	if (o == NULL)
		return NULL;
	if (unlikely(o->kind == DPS_OBJ_IDLE || !dps_obj_tryref(o))) {
		o = fd_get_slow(fd, kind, slot);
		if (o == NULL)
			return NULL;
	}
	if (slot_load(slot) != o || o->kind != kind) {
		/* Closed (and maybe reused) under us, or the wrong kind. (Not
		 * made idle: that needs the count this call holds.) */
		obj_unref(o);
		return NULL;
	}
	return o;
}

/* The slow part of dps_fd_peek(): an idle connection, woken (on its own
 * lcore, where dps_lsock() runs, inline) before the slot is read again. */
static __rte_noinline struct dps_obj *
fd_peek_slow(int fd, int kind, struct dps_obj **slot, struct dps_obj *o)
{
	while (o != NULL && o->kind == DPS_OBJ_IDLE && kind == DPS_OBJ_SOCK) {
		int rc = dps_idle_wake_fd(fd, o);

		if (rc != 0) {
			errno = -rc;
			return NULL;
		}
		o = slot_load(slot);
	}
	return o != NULL && o->kind == kind ? o : NULL;
}

struct dps_obj *
dps_fd_peek(int fd, int kind)
{
	struct dps_obj **slot = fd_slot_find(fd);
	struct dps_obj *o = slot != NULL ? slot_load(slot) : NULL;

	if (likely(o != NULL && o->kind == kind))
		return o;
	return o != NULL ? fd_peek_slow(fd, kind, slot, o) : NULL;
}

/*
 * Swap @fd's slot from @old to @nw if it still holds @old (the compact
 * idle form and its socket, dps_tcp_idle.c, through
 * dps_idle_set_fd_swap()). Release on success, as slot_publish(): a
 * reader that finds @nw sees it initialised; relaxed on failure.
 */
static bool
fd_swap(int fd, struct dps_obj *old, struct dps_obj *nw)
{
	struct dps_obj **slot = fd_slot_find(fd);

	return slot != NULL && __atomic_compare_exchange_n(slot, &old, nw, false,
		__ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

void
dps_fd_install_swap(void)
{
	dps_idle_set_fd_swap(fd_swap);
}

struct dps_sock *
dps_sock_get(int fd)
{
	return (struct dps_sock *)dps_fd_get(fd, DPS_OBJ_SOCK);
}

/* The errno of a socket call that dps_sock_get() refused @fd for: an
 * epoll set is not a socket (ENOTSOCK, as sockfd_lookup()); an idle
 * connection that could not be woken says why (dps_fd_get() left it in
 * errno: ENOBUFS, no socket free); anything else is not a descriptor. */
int
dps_sock_errno(int fd)
{
	struct dps_obj **slot = fd_slot_find(fd);
	struct dps_obj *o = slot != NULL ? slot_load(slot) : NULL;

	if (o != NULL && o->kind == DPS_OBJ_IDLE)
		return errno != 0 ? errno : ENOBUFS;
	return o != NULL && o->kind == DPS_OBJ_EPOLL ? ENOTSOCK : EBADF;
}

/* Empty @fd's slot if it still holds @o; true when this call emptied it. */
bool
dps_fd_clear(int fd, struct dps_obj *o)
{
	struct dps_obj **slot = fd_slot_find(fd);

	return slot != NULL && slot_clear(slot, o);
}

void
dps_fd_foreach(void (*fn)(int fd, struct dps_obj *o, void *arg), void *arg)
{
	uint32_t n = next_fd_load();

	for (uint32_t fd = 0; fd < n && fd < DPS_FD_MAX; fd++) {
		struct dps_obj **slot = fd_slot_find((int)fd);
		struct dps_obj *o;

		if (slot == NULL) {
			fd |= CHUNK - 1;	/* skip the missing chunk */
			continue;
		}
		o = slot_load(slot);
		if (o != NULL)
			fn((int)fd, o, arg);
	}
}
