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

/* The slot for @fd, made on demand when @create. */
static struct dps_obj **
fd_slot(int fd, bool create)
{
	struct dps_obj **c, **fresh = NULL;
	unsigned int i;

	if (fd < 0 || (unsigned int)fd >= DPS_FD_MAX)
		return NULL;
	i = (unsigned int)fd >> CHUNK_SHIFT;
	c = __atomic_load_n(&chunks[i], __ATOMIC_ACQUIRE);
	if (c == NULL && create) {
		fresh = calloc(CHUNK, sizeof(*fresh));
		if (fresh == NULL)
			return NULL;
		if (__atomic_compare_exchange_n(&chunks[i], &c, fresh, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
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
	struct rte_ring *r = __atomic_load_n(&free_fds, __ATOMIC_ACQUIRE);
	struct rte_ring *expect = NULL;

	if (r != NULL)
		return r;
	r = rte_ring_create("dps_free_fds", DPS_FD_MAX, SOCKET_ID_ANY, 0);
	if (r == NULL)
		r = rte_ring_lookup("dps_free_fds");
	if (r != NULL && !__atomic_compare_exchange_n(&free_fds, &expect, r,
			false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
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
		uint32_t n = __atomic_fetch_add(&next_fd, 1, __ATOMIC_RELAXED);

		if (n >= DPS_FD_MAX) {
			__atomic_fetch_sub(&next_fd, 1, __ATOMIC_RELAXED);
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
	__atomic_store_n(slot, o, __ATOMIC_RELEASE);
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
	o = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (o == NULL || !dps_obj_tryref(o))
		return NULL;
	if (__atomic_load_n(slot, __ATOMIC_ACQUIRE) != o || o->kind != kind) {
		/* Closed (and maybe reused) under us, or the wrong kind. */
		if (o->kind == DPS_OBJ_SOCK)
			dps_sock_put((struct dps_sock *)o);
		else
			__atomic_fetch_sub(&o->refcnt, 1, __ATOMIC_RELEASE);
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
	struct dps_obj *o = slot != NULL ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;

	return o != NULL && o->kind == DPS_OBJ_EPOLL ? ENOTSOCK : EBADF;
}

/* Empty @fd's slot if it still holds @o; true when this call emptied it. */
bool
dps_fd_clear(int fd, struct dps_obj *o)
{
	struct dps_obj **slot = fd_slot(fd, false);

	return slot != NULL && __atomic_compare_exchange_n(slot, &o, NULL, false,
		__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void
dps_fd_foreach(void (*fn)(int fd, struct dps_obj *o, void *arg), void *arg)
{
	uint32_t n = __atomic_load_n(&next_fd, __ATOMIC_RELAXED);

	for (uint32_t fd = 0; fd < n && fd < DPS_FD_MAX; fd++) {
		struct dps_obj **slot = fd_slot((int)fd, false);
		struct dps_obj *o;

		if (slot == NULL) {
			fd |= CHUNK - 1;	/* skip the missing chunk */
			continue;
		}
		o = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (o != NULL)
			fn((int)fd, o, arg);
	}
}
