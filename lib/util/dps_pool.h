/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_POOL_H
#define DPS_POOL_H

/**
 * @file
 * A pool of fixed-size objects that grows in steps, up to a maximum.
 *
 * Sockets, and other per-connection objects, come from pools sized for
 * the most connections a run may hold (ten million), while most runs
 * hold a few thousand. This pool reserves address space for the maximum
 * and makes memory usable a chunk of objects at a time, when a get()
 * finds no free object: resident memory follows the objects ever in use
 * at once, not the configured maximum (dps_pool.c says how, and why not
 * rte_mempool).
 *
 * Properties the callers rely on:
 * - **Objects never move and are never unmapped** before
 *   dps_pool_destroy(): other threads may hold a pointer to a freed
 *   object and read it (type-stable memory, dps_ctab.h).
 * - **The pool writes nothing into an object**, free or not: its free
 *   list lives beside the objects, so a reader racing with a put() sees
 *   the object's own fields, and an object keeps what its last user left
 *   in it (a socket its rings) for its next user.
 * - **LIFO**: get() returns the object most recently put() back, so the
 *   objects that carry such leftovers stay as few as the most objects
 *   ever in use at once.
 * - A new chunk's objects are zero bytes and come out lowest address
 *   first.
 * - Object i lies at a fixed address, base + i x size: dps_pool_index()
 *   and dps_pool_at() convert.
 *
 * Threads. get() and put() may be called from any thread, lcore or not,
 * concurrently (lock-free; growth alone takes a lock). create() and
 * destroy() are for one thread while no other uses the pool; the
 * counters and dps_pool_iter() may run concurrently with get()/put() and
 * give a moment's figures.
 */

#include <stddef.h>
#include <stdint.h>

/** The pool's free-list end marker (also the largest index plus one). */
#define DPS_POOL_NONE UINT32_MAX

struct dps_pool;

/** The pool's figures (dps_pool_stats()). */
struct dps_pool_stats {
	uint32_t elt_size;	/**< bytes per object (as rounded at create) */
	uint32_t max;		/**< most objects the pool may hold */
	uint32_t chunk;		/**< objects added per growth step */
	uint32_t populated;	/**< objects made usable so far */
	uint32_t in_use;	/**< objects handed out and not yet put back */
	uint32_t grows;		/**< growth steps taken */
	uint64_t bytes_reserved;	/**< address space held for max objects */
	uint64_t bytes_populated;	/**< memory made usable: objects and list */
};

/**
 * A pool of at most @p max_elts objects of @p elt_size bytes, growing by
 * @p chunk_elts at a time. Reserves address space only: no object memory
 * is written (or counted as committed) until the first get() grows it.
 *
 * @param name       for messages (copied; may be NULL)
 * @param elt_size   bytes per object, rounded up to a multiple of 8;
 *                   objects lie at multiples of it from a page boundary,
 *                   so a size that is a multiple of 64 (any cache-aligned
 *                   struct's) gives cache-aligned objects
 * @param max_elts   1 to DPS_POOL_NONE - 1
 * @param chunk_elts objects per step; 0 picks about 64 KiB worth;
 *                   clamped to @p max_elts
 * @return the pool, or NULL with errno set: EINVAL (bad sizes), ENOMEM
 *         (no address space).
 */
struct dps_pool *dps_pool_create(const char *name, size_t elt_size,
	uint32_t max_elts, uint32_t chunk_elts);

/**
 * Unmap the pool and every object in it. No other thread may use it, and
 * no pointer into it may be used afterwards. NULL is ignored.
 */
void dps_pool_destroy(struct dps_pool *p);

/**
 * An object: the one most recently put back, else one of a new chunk
 * (growing the pool by a step, under its lock). Any thread.
 * @return the object, or NULL when all @c max objects are in use (the
 *         caller's ENOBUFS) or the system refused the memory of a step.
 */
void *dps_pool_get(struct dps_pool *p);

/**
 * Give @p obj, from dps_pool_get() of this pool, back. Any thread;
 * writes nothing into the object.
 */
void dps_pool_put(struct dps_pool *p, void *obj);

/** The index of @p obj (0 to populated - 1) in its pool. */
uint32_t dps_pool_index(const struct dps_pool *p, const void *obj);

/** The object of index @p i, which must be below the populated count. */
void *dps_pool_at(const struct dps_pool *p, uint32_t i);

/** Whether @p obj is an object of @p p (populated, on an object's start). */
int dps_pool_owns(const struct dps_pool *p, const void *obj);

/**
 * Call @p fn on every populated object, free or in use, in index order.
 * The caller decides what is safe to touch in an object another thread
 * may be using (at teardown: everything).
 * @return the number of objects visited.
 */
uint32_t dps_pool_iter(struct dps_pool *p, void (*fn)(void *obj, uint32_t idx,
	void *arg), void *arg);

/** Objects handed out and not yet put back (a moment's figure). */
uint32_t dps_pool_in_use(const struct dps_pool *p);

/** All the pool's figures (a moment's, each read once). */
void dps_pool_stats(const struct dps_pool *p, struct dps_pool_stats *st);

#endif
