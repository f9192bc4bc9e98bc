/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The growing object pool (dps_pool.h).
 *
 * Memory. Create reserves address space for max objects, and for a
 * 4-byte free-list link per object, as PROT_NONE mappings with
 * MAP_NORESERVE: no page is touched and nothing is charged to the
 * commit limit. A growth step mprotect()s the next chunk's pages read-
 * write (the kernel merges them with the mapping before, so the
 * mapping count stays small) and pushes the chunk's indices on the free
 * list. The chunk's pages stay the kernel's zero page until an object
 * is written, so resident memory follows the objects used, and an
 * access past the populated objects (past their 2 MB step, in a pool
 * on huge pages: thp_reserve()) faults instead of reading garbage.
 * Nothing is unmapped before destroy: objects are type-stable.
 *
 * The free list is a Treiber stack of indices: head is one 64-bit word,
 * the top index in its low half and a count of pops in its high half
 * (the ABA guard: a pop that read a stale link cannot succeed, because
 * any pop between its read and its compare-and-swap changed the count;
 * a push needs no guard, its link is written before it publishes). The
 * links are an array beside the objects, never a field inside them, so
 * a freed object keeps every byte its last user left (see dps_pool.h).
 * Index to address is a multiply; address to index is a shift and a
 * multiply by the inverse of the size's odd factor modulo 2^64, exact
 * because the offset is a multiple of the size (no division).
 *
 * Why not rte_mempool (DPDK 22.11), populated a chunk at a time with
 * rte_mempool_populate_iova() from such a reservation:
 * - its drivers size their storage by the maximum at create: lf_stack
 *   allocates and links a 16-byte element per object at init (160 MB
 *   written for 10 million), ring_mp_mc a ring of the next power of two
 *   (128 MB of EAL memory, FIFO, which loses the LIFO reuse the socket
 *   pool needs), and stack an 8-byte slot per object (80 MB of EAL
 *   memory, only written as objects are pushed, but under a spinlock on
 *   every get and put from a thread with no mempool cache, which is
 *   every application thread);
 * - each object carries a header of 24 bytes, 64 with cache alignment,
 *   where this pool has a 4-byte link: 64 bytes is a quarter of the
 *   256-byte-per-connection target (issue 15);
 * - rte_mempool_in_use_count() is size minus free, so a partly
 *   populated pool reports its unpopulated objects as in use;
 * - the EAL's memory (-m, or hugepages) would have to hold the maximum.
 * Sockets are never handed to a device, so IOVA-contiguous memory buys
 * nothing here.
 *
 * Cost, callgrind, one get and one put on one thread, the object put
 * back at once (bench/pool_cost.sh, instructions per pair with the loop
 * and the calls, x86-64, gcc -O2): this pool 49, two calls into the
 * library and four locked instructions (the two swaps and the in-use
 * count); rte_mempool with no cache (as on an application thread) 184
 * with the lf_stack driver and 109 with the stack driver (a spinlock);
 * rte_mempool inline with a 32-object per-lcore cache on an lcore 40,
 * with no locked instruction but no LIFO across lcores and objects
 * stranded in each lcore's cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <rte_common.h>
#include <rte_spinlock.h>
#include "dps_pool.h"

#define CHUNK_BYTES_DEFAULT 65536
/* Transparent huge pages for the objects of a pool that may exceed
 * THP_MIN bytes: see thp_reserve(). */
#define THP_SIZE (2u << 20)
#define THP_MIN ((size_t)16 << 20)
#define LINK_SIZE sizeof(uint32_t)

struct dps_pool {
	/* Written by every get and put: one cache line. */
	uint64_t head;		/* atomic: (pops << 32) | top index */
	uint32_t in_use;	/* atomic */
	/* Read by every get and put, written at create. */
	char *base __rte_cache_aligned;	/* object i at base + i * size */
	uint32_t *link;		/* atomic: link[i], the index below i */
	uint64_t inv;		/* inverse of size >> shift modulo 2^64 */
	uint32_t size;
	uint32_t shift;		/* trailing zero bits of size */
	uint32_t max;
	uint32_t chunk;
	/* Growth. */
	rte_spinlock_t lock __rte_cache_aligned;
	uint32_t populated;	/* atomic: the grower writes under lock */
	uint32_t grows;		/* atomic: as populated */
	size_t obj_len;		/* bytes reserved at base */
	size_t link_len;	/* bytes reserved at link */
	size_t page;
	size_t grain;		/* objects are committed in these: page or THP_SIZE */
	void *map;		/* the objects' mapping as mmap() gave it */
	size_t map_len;
	char name[32];
};

static uint64_t
head_make(uint64_t pops, uint32_t top)
{
	return pops << 32 | top;
}

/* The inverse of odd @d modulo 2^64 (Newton's iteration; each step
 * doubles the correct low bits, from 3). */
static uint64_t
inverse_odd(uint64_t d)
{
	uint64_t x = d;

	for (int i = 0; i < 5; i++)
		x *= 2 - d * x;
	return x;
}

static void *
reserve(size_t len)
{
	void *a = mmap(NULL, len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return a == MAP_FAILED ? NULL : a;
}

static size_t
round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/*
 * The objects of a large pool on transparent huge pages: the
 * reservation 2 MB-aligned, MADV_HUGEPAGE on it (THP's "madvise" mode,
 * Debian's default, maps huge pages only where asked), and growth
 * committed in whole 2 MB steps, since a huge page needs its whole
 * range in one mapping with one protection. A pool of ten million
 * sockets then takes 2,500 faults to fill instead of 1.25 million; on a
 * virtual machine each first touch of a small page also costs the host
 * a fault. Resident memory grows by 2 MB steps, a few MB at most over
 * small pages, far inside issue 15's 10 % at a thousand connections.
 * Where THP is off the advice fails and small pages serve as before.
 * Measured on this project's 2-vCPU VM (kernel 6.18, THP "madvise"),
 * 4 million 512-byte objects taken and written (2 GB): 4,963 faults and
 * 4.4 CPU seconds (sys 4.2, user 0.2) with it, 503,989 faults and
 * 6.7 s (sys 3.3, user 3.5: the first touch of each small page) without.
 */
static void
thp_reserve(struct dps_pool *p)
{
	size_t len = round_up(p->obj_len, THP_SIZE);
	char *a = reserve(len + THP_SIZE);
	char *al;

	if (a == NULL)
		return;
	al = (char *)round_up((uintptr_t)a, THP_SIZE);
	p->map = a;
	p->map_len = len + THP_SIZE;
	p->base = al;
	p->obj_len = len;
	p->grain = THP_SIZE;
	(void)madvise(al, len, MADV_HUGEPAGE);
}

struct dps_pool *
dps_pool_create(const char *name, size_t elt_size, uint32_t max_elts,
	uint32_t chunk_elts)
{
	struct dps_pool *p;
	size_t size = round_up(elt_size, 8);

	if (elt_size == 0 || size > UINT32_MAX || max_elts == 0 ||
			max_elts >= DPS_POOL_NONE) {
		errno = EINVAL;
		return NULL;
	}
	p = aligned_alloc(RTE_CACHE_LINE_SIZE, round_up(sizeof(*p), RTE_CACHE_LINE_SIZE));
	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->page = (size_t)sysconf(_SC_PAGESIZE);
	p->size = (uint32_t)size;
	p->shift = (uint32_t)__builtin_ctzll(size);
	p->inv = inverse_odd(size >> p->shift);
	p->max = max_elts;
	p->chunk = chunk_elts != 0 ? chunk_elts : (uint32_t)RTE_MAX((size_t)1, CHUNK_BYTES_DEFAULT / size);
	p->chunk = RTE_MIN(p->chunk, max_elts);
	p->head = head_make(0, DPS_POOL_NONE);
	rte_spinlock_init(&p->lock);
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "pool");
	p->obj_len = round_up((size_t)max_elts * size, p->page);
	p->link_len = round_up((size_t)max_elts * LINK_SIZE, p->page);
	p->grain = p->page;
	if (p->obj_len >= THP_MIN)
		thp_reserve(p);
	else
		p->base = p->map = reserve(p->map_len = p->obj_len);
	p->link = reserve(p->link_len);
	if (p->base == NULL || p->link == NULL) {
		dps_pool_destroy(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void
dps_pool_destroy(struct dps_pool *p)
{
	if (p == NULL)
		return;
	if (p->map != NULL)
		munmap(p->map, p->map_len);
	if (p->link != NULL)
		munmap(p->link, p->link_len);
	free(p);
}

/* Make bytes [@off, @off + @len) of the mapping at @a (@a_len long)
 * usable: their grains (pages, or huge pages), the first and last
 * possibly shared with a neighbour chunk. */
static int
commit(void *a, size_t a_len, size_t grain, size_t off, size_t len)
{
	size_t lo = off / grain * grain;
	size_t hi = RTE_MIN(round_up(off + len, grain), a_len);

	return mprotect((char *)a + lo, hi - lo, PROT_READ | PROT_WRITE);
}

/* Push the chain @first..@last (linked already) on the free list. */
static void
push_chain(struct dps_pool *p, uint32_t first, uint32_t last)
{
	/* Relaxed: a first guess for the compare-and-swap. */
	uint64_t h = __atomic_load_n(&p->head, __ATOMIC_RELAXED);
	uint64_t nh;

	do {
		/* Relaxed: published by the release of the swap below. */
		__atomic_store_n(&p->link[last], (uint32_t)h, __ATOMIC_RELAXED);
		nh = head_make(h >> 32, first);
		/* Release: the links, and the object as its user left it,
		 * before the index is on the list; pairs with the acquire of
		 * the head in dps_pool_get(). */
	} while (!__atomic_compare_exchange_n(&p->head, &h, nh, true,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/*
 * One growth step: the next chunk usable and on the free list, unless
 * another thread made an object free meanwhile. 0, or -1 with errno
 * (ENOBUFS: max reached; the mprotect() error).
 */
static __rte_noinline __rte_cold int
grow(struct dps_pool *p)
{
	uint32_t first, n;
	int rc = 0;

	rte_spinlock_lock(&p->lock);
	/* Relaxed: only a hint that growth is no longer needed; the
	 * caller's retry reads the head again with acquire. */
	if ((uint32_t)__atomic_load_n(&p->head, __ATOMIC_RELAXED) != DPS_POOL_NONE)
		goto out;
	/* Relaxed: only growers write it, under this lock. */
	first = __atomic_load_n(&p->populated, __ATOMIC_RELAXED);
	if (first >= p->max) {
		errno = ENOBUFS;
		rc = -1;
		goto out;
	}
	n = RTE_MIN(p->chunk, p->max - first);
	if (commit(p->base, p->obj_len, p->grain, (size_t)first * p->size,
			(size_t)n * p->size) != 0 ||
			commit(p->link, p->link_len, p->page, (size_t)first * LINK_SIZE,
				(size_t)n * LINK_SIZE) != 0) {
		rc = -1;
		goto out;
	}
	for (uint32_t i = first; i + 1 < first + n; i++)
		/* Relaxed: published by push_chain()'s release. */
		__atomic_store_n(&p->link[i], i + 1, __ATOMIC_RELAXED);
	/* Release: the pages usable before the count says so; pairs with
	 * the acquire in dps_pool_iter() and dps_pool_at(). */
	__atomic_store_n(&p->populated, first + n, __ATOMIC_RELEASE);
	/* Relaxed: a statistic. */
	__atomic_store_n(&p->grows, p->grows + 1, __ATOMIC_RELAXED);
	push_chain(p, first, first + n - 1);
out:
	rte_spinlock_unlock(&p->lock);
	return rc;
}

void *
dps_pool_get(struct dps_pool *p)
{
	/* Acquire: pairs with the release of the push that put the top
	 * there (push_chain(), dps_pool_put()); every change of the head is
	 * a read-modify-write, so this also sees the links of the indices
	 * below it. */
	uint64_t h = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);
	uint32_t top;

	for (;;) {
		top = (uint32_t)h;
		if (top == DPS_POOL_NONE) {
			/* Relaxed: a hint; at the maximum, a flood of gets
			 * (SYNs with no socket left) need not queue on the lock. */
			if (__atomic_load_n(&p->populated, __ATOMIC_RELAXED) >= p->max) {
				errno = ENOBUFS;
				return NULL;
			}
			if (grow(p) != 0)
				return NULL;
			/* Acquire: as above. */
			h = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);
			continue;
		}
		/* Relaxed: a stale link (the top taken and pushed again
		 * meanwhile) fails the swap, whose pop count moved. */
		uint32_t below = __atomic_load_n(&p->link[top], __ATOMIC_RELAXED);

		/* Acquire on success: as the load above, for the object's
		 * contents as its last user left them. */
		if (__atomic_compare_exchange_n(&p->head, &h,
				head_make((h >> 32) + 1, below), true,
				__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			break;
	}
	/* Relaxed: a statistic; no object access depends on it. */
	__atomic_fetch_add(&p->in_use, 1, __ATOMIC_RELAXED);
	return p->base + (size_t)top * p->size;
}

/* Exact division of the offset by the size: a shift and a multiply. */
static inline uint32_t
index_of(const struct dps_pool *p, const void *obj)
{
	uint64_t off = (uint64_t)((const char *)obj - p->base);

	return (uint32_t)((off >> p->shift) * p->inv);
}

uint32_t
dps_pool_index(const struct dps_pool *p, const void *obj)
{
	return index_of(p, obj);
}

void
dps_pool_put(struct dps_pool *p, void *obj)
{
	uint32_t i = index_of(p, obj);

	/* Relaxed: a statistic (see dps_pool_get()). */
	__atomic_fetch_sub(&p->in_use, 1, __ATOMIC_RELAXED);
	push_chain(p, i, i);
}

void *
dps_pool_at(const struct dps_pool *p, uint32_t i)
{
	return p->base + (size_t)i * p->size;
}

int
dps_pool_owns(const struct dps_pool *p, const void *obj)
{
	const char *c = obj;
	/* Acquire: pairs with grow()'s release of the count. */
	uint32_t n = __atomic_load_n(&p->populated, __ATOMIC_ACQUIRE);

	return c >= p->base && c < p->base + (size_t)n * p->size &&
		(size_t)(c - p->base) % p->size == 0;
}

uint32_t
dps_pool_iter(struct dps_pool *p, void (*fn)(void *obj, uint32_t idx, void *arg),
	void *arg)
{
	/* Acquire: pairs with grow()'s release, so the objects counted are
	 * mapped. */
	uint32_t n = __atomic_load_n(&p->populated, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		fn(dps_pool_at(p, i), i, arg);
	return n;
}

uint32_t
dps_pool_in_use(const struct dps_pool *p)
{
	/* Relaxed: a statistic. */
	return __atomic_load_n(&p->in_use, __ATOMIC_RELAXED);
}

void
dps_pool_stats(const struct dps_pool *p, struct dps_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->elt_size = p->size;
	st->max = p->max;
	st->chunk = p->chunk;
	/* Relaxed: statistics, each a moment's figure. */
	st->populated = __atomic_load_n(&p->populated, __ATOMIC_RELAXED);
	st->in_use = dps_pool_in_use(p);
	/* Relaxed: as above. */
	st->grows = __atomic_load_n(&p->grows, __ATOMIC_RELAXED);
	st->bytes_reserved = p->obj_len + p->link_len;
	st->bytes_populated = (uint64_t)st->populated * (p->size + LINK_SIZE);
}
