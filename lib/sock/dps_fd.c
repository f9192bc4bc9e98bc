/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The descriptor table: a process-wide map from small integers to sockets
 * and epoll sets, usable from any thread without a lock.
 *
 * The table is two-level (chunks of 4096 slots made on first use), so an
 * idle process pays for one chunk. New descriptors come from a lock-free
 * ring of released numbers, else from a counter. A lookup takes a
 * reference with an increment-if-not-zero and then re-reads the slot, so a
 * close racing with the lookup makes it fail cleanly with EBADF; the
 * object's memory is type-stable (see dps_inet.h), so the increment never
 * touches freed memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <rte_ring.h>
#include <rte_mempool.h>
#include "dps_sock_priv.h"

#define CHUNK_SHIFT 12

#define CHUNK (1u << CHUNK_SHIFT)

#define N_CHUNKS (DPS_FD_MAX / CHUNK)

static struct dps_obj **chunks[N_CHUNKS];	/* atomic pointers */
static uint32_t next_fd;			/* never-used numbers */
static struct rte_ring *free_fds;		/* released numbers */

/*
 * The table's shared fields, each through one of these. A slot's object
 * is published with a release store (slot_publish()) that pairs with the
 * acquire in slot_load(), so a thread that finds the object sees it
 * initialised; a chunk and the free ring are installed by a
 * compare-and-swap whose release pairs with chunk_load() / the acquire
 * in fd_ring().
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

/* The free-number ring or NULL. Acquire: pairs with ring_install(). */
static inline struct rte_ring *
ring_load(void)
{
	return __atomic_load_n(&free_fds, __ATOMIC_ACQUIRE);
}

/* Acq_rel: publishes the ring to ring_load(); on failure, *@cur is the
 * winner's, seen initialised. */
static inline bool
ring_install(struct rte_ring **cur, struct rte_ring *r)
{
	return __atomic_compare_exchange_n(&free_fds, cur, r, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The slot for @fd, made on demand when @create. */
static struct dps_obj **
fd_slot(int fd, bool create)
{
	struct dps_obj **c, **fresh = NULL;
	unsigned int i;

	if (fd < 0 || (unsigned int)fd >= DPS_FD_MAX)
		return NULL;
	i = (unsigned int)fd >> CHUNK_SHIFT;
	c = chunk_load(i);
	if (c == NULL && create) {
		fresh = calloc(CHUNK, sizeof(*fresh));
		if (fresh == NULL)
			return NULL;
		if (chunk_install(i, &c, fresh))
			c = fresh;
		else
			free(fresh);	/* another thread made it first */
	}
	if (c == NULL)
		return NULL;
	return &c[fd & (CHUNK - 1)];
}

/* The free-number ring is made once, on the first allocation. */
static struct rte_ring *
fd_ring(void)
{
	struct rte_ring *r = ring_load();
	struct rte_ring *expect = NULL;

	if (r != NULL)
		return r;
	r = rte_ring_create("dps_free_fds", DPS_FD_MAX, SOCKET_ID_ANY, 0);
	if (r == NULL)
		r = rte_ring_lookup("dps_free_fds");
	if (r != NULL && !ring_install(&expect, r))
		r = expect;
	return r;
}

int
dps_fd_alloc(struct dps_obj *o)
{
	struct rte_ring *r = fd_ring();
	struct dps_obj **slot;
	void *v;
	int fd;

	if (r != NULL && rte_ring_mc_dequeue(r, &v) == 0) {
		fd = (int)(uintptr_t)v - 1;
	} else {
		uint32_t n = next_fd_add(1);

		if (n >= DPS_FD_MAX) {
			(void)next_fd_add(-1);
			errno = EMFILE;
			return -1;
		}
		fd = (int)n;
	}
	slot = fd_slot(fd, true);
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
	struct rte_ring *r = fd_ring();

	/* The ring holds DPS_FD_MAX - 1 numbers, more than can be out. */
	if (r != NULL)
		(void)rte_ring_mp_enqueue(r, (void *)(uintptr_t)(fd + 1));
}

struct dps_obj *
dps_fd_get(int fd, int kind)
{
	struct dps_obj **slot = fd_slot(fd, false);
	struct dps_obj *o;

	if (slot == NULL)
		return NULL;
	o = slot_load(slot);
	if (o == NULL || !dps_obj_tryref(o))
		return NULL;
	if (slot_load(slot) != o || o->kind != kind) {
		/* Closed (and maybe reused) under us, or the wrong kind. */
		if (o->kind == DPS_OBJ_SOCK)
			dps_sock_put((struct dps_sock *)o);
		else
			dps_obj_unref(o);
		return NULL;
	}
	return o;
}

struct dps_sock *
dps_sock_get(int fd)
{
	return (struct dps_sock *)dps_fd_get(fd, DPS_OBJ_SOCK);
}

/* The errno of a socket call that dps_sock_get() refused @fd for: an
 * epoll set is not a socket (ENOTSOCK, as sockfd_lookup()); anything
 * else is not a descriptor. */
int
dps_sock_errno(int fd)
{
	struct dps_obj **slot = fd_slot(fd, false);
	struct dps_obj *o = slot != NULL ? slot_load(slot) : NULL;

	return o != NULL && o->kind == DPS_OBJ_EPOLL ? ENOTSOCK : EBADF;
}

/* Empty @fd's slot if it still holds @o; true when this call emptied it. */
bool
dps_fd_clear(int fd, struct dps_obj *o)
{
	struct dps_obj **slot = fd_slot(fd, false);

	return slot != NULL && slot_clear(slot, o);
}

void
dps_fd_foreach(void (*fn)(int fd, struct dps_obj *o, void *arg), void *arg)
{
	uint32_t n = next_fd_load();

	for (uint32_t fd = 0; fd < n && fd < DPS_FD_MAX; fd++) {
		struct dps_obj **slot = fd_slot((int)fd, false);
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
