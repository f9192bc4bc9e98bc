/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_CTAB_H
#define DPS_CTAB_H

/**
 * @file
 * A connection table: open addressing with linear probing, one writer,
 * lock-free readers on any thread.
 *
 * Each lcore owns one table of its connections (lib/inet/dps_tcp_table.c).
 * An entry is a pointer to an object that holds its own 16-byte key (a
 * socket and its tuple, or a tagged TIME_WAIT entry); the table stores
 * the pointer and the key's 32-bit hash, which is both the tag compared
 * before the key and, masked, the home slot. The table is at most half
 * full (capacity max entries, 2 x max slots rounded up to a power of
 * two), so probes are short and a miss meets an empty slot soon.
 * Deletion shifts the following entries of the cluster back (Knuth's
 * Algorithm R), so there are no tombstones and a probe never outlives
 * its cluster.
 *
 * Concurrency. Only the owner calls dps_ctab_put(), dps_ctab_del(),
 * dps_ctab_find_own() and dps_ctab_next(). Any thread calls
 * dps_ctab_find() and dps_ctab_still():
 * - A slot carries a version, odd while the owner rewrites it (a
 *   seqlock per slot). A reader accepts a hit only if the slot's version
 *   was even and unchanged across its reads of the tag, the pointer and
 *   the key behind it: it never returns a wrong or torn entry.
 * - The table carries a sequence, odd while a deletion empties a slot or
 *   moves entries back. A reader that ends at an empty slot accepts the
 *   miss only if that sequence was even and unchanged: it never misses
 *   an entry present throughout its lookup. Inserts need no such check
 *   (filling an empty slot cannot hide an entry behind it), so misses
 *   retry only when a deletion overlapped them.
 * - Nothing is freed. A slot is reused in place, and entries must be
 *   type-stable memory (a mempool object, an element of a fixed array),
 *   so a reader holding a stale pointer reads some entry's key, never
 *   unmapped memory; the versions tell it the entry is no longer the
 *   one it found. The caller keeps the same rule for whatever else it
 *   reads from an entry found by another thread: read, then confirm with
 *   dps_ctab_still().
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_pause.h>

/** Bytes of a key: compared as four 32-bit words (4-byte aligned). */
#define DPS_CTAB_KEY_LEN 16

/** The key of entry @p ent (a pointer the table holds). */
typedef const void *(*dps_ctab_key_fn)(const void *ent);

/** One slot: 16 bytes, four to a cache line. */
struct dps_ctab_slot {
	uint32_t ver;		/* atomic: odd while the owner writes the slot */
	uint32_t tag;		/* atomic: the entry's hash; home = tag & mask */
	void *ent;		/* atomic: the entry, NULL when empty */
};

/** A table. Allocate dps_ctab_memsize() bytes, 8-aligned (a cache line
 * is better), and call dps_ctab_init(). */
struct dps_ctab {
	uint32_t mask;		/* slots - 1 */
	uint32_t max;		/* entries allowed (at most half the slots) */
	uint32_t n;		/* atomic: entries (the owner writes) */
	uint32_t seq;		/* atomic: odd while a deletion empties or moves */
	dps_ctab_key_fn key_of;
	struct dps_ctab_slot slot[];
};

/** Where dps_ctab_find() found its entry, to confirm later reads. */
struct dps_ctab_ticket {
	uint32_t slot;
	uint32_t ver;
};

/**
 * Bytes a table of @p max entries takes.
 * @return the size, or 0 when @p max is 0 or too large (over 2^30).
 */
size_t dps_ctab_memsize(uint32_t max);

/**
 * Make the memory at @p t (dps_ctab_memsize(@p max) bytes) an empty
 * table of @p max entries whose keys @p key_of finds. Before any reader.
 */
void dps_ctab_init(struct dps_ctab *t, uint32_t max, dps_ctab_key_fn key_of);

/**
 * A table of @p max entries in memory of its own: zero pages mapped from
 * the kernel, each touched only when an entry lands in it, so nothing
 * is written at creation whatever @p max (see dps_ctab.c for what that
 * costs per entry). Before any reader.
 * @return the table, or NULL with errno set (EINVAL: @p max 0 or over
 *         2^30; ENOMEM).
 */
struct dps_ctab *dps_ctab_create(uint32_t max, dps_ctab_key_fn key_of);

/** Unmap a table from dps_ctab_create(); no reader may remain. NULL is
 * ignored. */
void dps_ctab_destroy(struct dps_ctab *t);

/**
 * Enter @p ent, whose key hashes to @p hash; an entry with the same key
 * is replaced in place (readers see the old or the new one, never
 * neither). Owner only.
 * @return 0, or -ENOBUFS when the table holds its maximum already.
 */
int dps_ctab_put(struct dps_ctab *t, uint32_t hash, void *ent);

/**
 * Remove the entry of @p key (hash @p hash). Owner only.
 * @return 0, or -ENOENT.
 */
int dps_ctab_del(struct dps_ctab *t, uint32_t hash, const void *key);

/**
 * The next entry from slot *@p pos on, advancing *@p pos past it; start
 * at 0. Owner only; an entry deleted meanwhile may shift an unvisited
 * one behind the cursor, so a walk that deletes restarts at 0.
 * @return the entry, or NULL at the end.
 */
void *dps_ctab_next(const struct dps_ctab *t, uint32_t *pos);

/**
 * Call @p fn(entry, @p arg) for every entry, from any thread, with no
 * lock: each slot is read as dps_ctab_probe() reads one, its version even
 * and unchanged across the read of the pointer (a slot the owner keeps
 * rewriting is skipped after a few tries). A statistic's picture, not an
 * atomic one: an entry that a deletion shifts back past the walk while
 * it runs is missed or seen twice, and @p fn may read an entry that has
 * just left (entries are type-stable, see above). Telemetry counts
 * connection states with it (dps_stack_tcp_states()). It reads every
 * slot: 16 bytes for each of the 2 x max slots.
 */
void dps_ctab_walk(const struct dps_ctab *t, void (*fn)(void *ent, void *arg),
	void *arg);

/** Entries in the table (any thread; a moment's figure). */
static inline uint32_t
dps_ctab_count(const struct dps_ctab *t)
{
	/* Relaxed: a statistic; dps_ctab_put()/del() store it relaxed. */
	return __atomic_load_n(&t->n, __ATOMIC_RELAXED);
}

/* Four words of a key, as the owner reads them (it alone writes). */
static inline bool
dps_ctab_key_eq(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/**
 * The entry of @p key, hash @p hash, or NULL: the owner's lookup, with
 * no version checks (nothing changes under it). @p key_of is the
 * table's, passed again so that the compiler can inline it.
 */
static inline void *
dps_ctab_find_own(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of)
{
	uint32_t i = hash & t->mask;

	for (;;) {
		const struct dps_ctab_slot *s = &t->slot[i];
		/* Relaxed: the owner reads its own stores. */
		void *e = __atomic_load_n(&s->ent, __ATOMIC_RELAXED);

		if (e == NULL)
			return NULL;
		/* Relaxed: as above. */
		if (__atomic_load_n(&s->tag, __ATOMIC_RELAXED) == hash &&
				dps_ctab_key_eq(key_of(e), key))
			return e;
		i = (i + 1) & t->mask;
	}
}

/* The key words of a possibly changing entry: relaxed loads, which the
 * slot version confirms afterwards (dps_ctab_find()). */
static inline bool
dps_ctab_key_eq_racy(const void *ent_key, const void *key)
{
	const uint32_t *x = ent_key, *y = key;
	uint32_t d = 0;

	for (int k = 0; k < DPS_CTAB_KEY_LEN / 4; k++)
		/* Relaxed: the entry may be rewritten meanwhile; the
		 * caller's acquire fence and version re-read decide. */
		d |= __atomic_load_n(&x[k], __ATOMIC_RELAXED) ^ y[k];
	return d == 0;
}

/* One probe of a reader on another thread: 1 hit, 0 miss (an empty slot
 * reached), -1 retry (the table moved under it). */
static inline int
dps_ctab_probe(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, void **out, struct dps_ctab_ticket *tk)
{
	uint32_t i = hash & t->mask;

	for (uint32_t step = 0; step <= t->mask; step++, i = (i + 1) & t->mask) {
		const struct dps_ctab_slot *s = &t->slot[i];
		/* Acquire: pairs with the release that ends the owner's write
		 * of the slot (slot_write() in dps_ctab.c), so an even version
		 * shows its tag, pointer and the entry's key. */
		uint32_t v = __atomic_load_n(&s->ver, __ATOMIC_ACQUIRE);
		/* Relaxed: confirmed by the version below. */
		uint32_t tag = __atomic_load_n(&s->tag, __ATOMIC_RELAXED);
		/* Relaxed: as tag. */
		void *e = __atomic_load_n(&s->ent, __ATOMIC_RELAXED);
		bool eq;

		if (e == NULL)
			return 0;
		if (tag != hash)
			continue;
		eq = dps_ctab_key_eq_racy(key_of(e), key);
		/* Acquire fence: the reads above happen before the version
		 * re-read; pairs with the release fence after the owner's odd
		 * store (slot_write()), so a changed slot shows a new version. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* Relaxed: ordered by the fence above. */
		if ((v & 1) != 0 || __atomic_load_n(&s->ver, __ATOMIC_RELAXED) != v)
			return -1;
		if (eq) {
			*out = e;
			tk->slot = i;
			tk->ver = v;
			return 1;
		}
	}
	return -1;
}

/**
 * The entry of @p key, hash @p hash, or NULL, from any thread, with no
 * lock. A hit is the entry the slot held, key and all, at one moment
 * during the call; a miss means the key was absent at one moment (an
 * entry present throughout is always found). @p tk receives what
 * dps_ctab_still() needs to confirm reads of the entry made afterwards.
 */
static inline void *
dps_ctab_find(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, struct dps_ctab_ticket *tk)
{
	for (;;) {
		/* Acquire: pairs with the release that ends a deletion
		 * (dps_ctab_del()), so an even sequence shows its slots. */
		uint32_t seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		void *e = NULL;
		int rc;

		if ((seq & 1) != 0) {
			rte_pause();	/* a deletion is moving entries */
			continue;
		}
		rc = dps_ctab_probe(t, hash, key, key_of, &e, tk);
		if (rc > 0)
			return e;
		/* Acquire fence: the slot reads happen before the sequence
		 * re-read; pairs with the release fence after the owner's
		 * odd store (dps_ctab_del()). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* Relaxed: ordered by the fence above. */
		if (rc == 0 && __atomic_load_n(&t->seq, __ATOMIC_RELAXED) == seq)
			return NULL;
	}
}

/**
 * Whether the entry dps_ctab_find() returned with @p tk is still in its
 * slot: call after reading from it, to know the reads saw that entry
 * and not a later use of its memory. Any thread.
 */
static inline bool
dps_ctab_still(const struct dps_ctab *t, const struct dps_ctab_ticket *tk)
{
	/* Acquire fence: the caller's reads of the entry happen before the
	 * version re-read; pairs with the release fence in slot_write(). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* Relaxed: ordered by the fence above. */
	return __atomic_load_n(&t->slot[tk->slot].ver, __ATOMIC_RELAXED) == tk->ver;
}

#endif
