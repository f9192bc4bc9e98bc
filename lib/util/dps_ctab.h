/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_CTAB_H
#define DPS_CTAB_H

/**
 * @file
 * A connection table: open addressing with linear probing, one writer,
 * lock-free readers on any thread.
 *
 * Each lcore owns one table of its connections (lib/inet/dps_tcp_table.c).
 * An entry is an object that holds its own key, 16 bytes by default (a
 * socket and its IPv4 tuple, or a TIME_WAIT entry) and up to 40 in a
 * table made for longer ones (IPv6 tuples, dps_ctab_set_key_len()), named in the table by a 27-bit reference
 * that the table's user gives at insert and turns back into the object
 * (dps_ctab_ent_fn): an index into a pool of type-stable objects. A slot
 * is one 64-bit word, {reference + 1, 27 bits of the key's hash, a 10-bit
 * version}, written with one atomic store, eight to a cache line: half
 * the bytes of a slot that holds a pointer, a tag and a version apart
 * (issue 15: 27 bytes per connection at ten million, and half the cache
 * and TLB misses of a lookup in a table that large). The hash's bits are
 * both the tag compared before the key and, masked, the home slot, so
 * the table has at most 2^27 slots: DPS_CTAB_MAX_ENTRIES. The table is at
 * most half full (capacity max entries, 2 x max slots rounded up to a
 * power of two), so probes are short and a miss meets an empty slot
 * soon; a table made for a usual count below its capacity
 * (dps_ctab_create_dense()) is at most half full at that count and three
 * quarters full at capacity. Deletion shifts the following entries of the cluster back
 * (Knuth's Algorithm R), so there are no tombstones and a probe never
 * outlives its cluster.
 *
 * Concurrency. Only the owner calls dps_ctab_put(), dps_ctab_del(),
 * dps_ctab_find_own() and dps_ctab_next(). Any thread calls
 * dps_ctab_find() and dps_ctab_still():
 * - Every store to a slot bumps its version. A reader accepts a hit only
 *   if the slot's word was the same before and after its read of the
 *   key behind it: it never returns a wrong or torn entry unless the
 *   slot was rewritten a multiple of 1,024 times during that read, every
 *   rewrite by a deletion or insert on this one slot, and came back to
 *   the same entry and hash (at a million connections a second spread
 *   over 2^21 or more slots, a slot is rewritten about once a second).
 * - The table carries a sequence, odd while a deletion empties a slot or
 *   moves entries back. A reader that ends at an empty slot accepts the
 *   miss only if that sequence was even and unchanged: it never misses
 *   an entry present throughout its lookup. Inserts need no such check
 *   (filling an empty slot cannot hide an entry behind it), so misses
 *   retry only when a deletion overlapped them.
 * - Nothing is freed. A slot is reused in place, and entries must be
 *   type-stable memory (a pool object, an element of a fixed array), so
 *   a reader holding a stale reference reads some entry's key, never
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

/** Bytes of a key by default (an IPv4 tuple): compared as four 32-bit
 * words (4-byte aligned). */
#define DPS_CTAB_KEY_LEN 16
/** Bytes of the longest key a table may have (dps_ctab_set_key_len()):
 * an IPv6 tuple, two 16-byte addresses and a word of ports, a word of
 * protocol. */
#define DPS_CTAB_KEY_MAX 40

/** Bits of a slot's reference field (the entry's reference plus one). */
#define DPS_CTAB_REF_BITS 27
/** Bits of the key's hash a slot keeps: the home and the tag. */
#define DPS_CTAB_HASH_BITS 27
/** Largest reference an entry may have. */
#define DPS_CTAB_REF_MAX ((1u << DPS_CTAB_REF_BITS) - 2)
/** Most entries a table may hold: half of 2^DPS_CTAB_HASH_BITS slots. */
#define DPS_CTAB_MAX_ENTRIES (1u << (DPS_CTAB_HASH_BITS - 1))

/** The key of entry @p ent. */
typedef const void *(*dps_ctab_key_fn)(const void *ent);

/** The entry of reference @p ref, given the table's context @p ctx. */
typedef void *(*dps_ctab_ent_fn)(const void *ctx, uint32_t ref);

/** One slot: one 64-bit word (atomic), eight to a cache line. Zero is
 * empty. */
struct dps_ctab_slot {
	uint64_t w;
};

/** A table. Allocate dps_ctab_memsize() bytes, 8-aligned (a cache line
 * is better), and call dps_ctab_init(). */
struct dps_ctab {
	uint32_t mask;		/* slots - 1 */
	uint32_t max;		/* entries allowed (at most half the slots) */
	uint32_t n;		/* atomic: entries (the owner writes) */
	uint32_t seq;		/* atomic: odd while a deletion empties or moves */
	dps_ctab_key_fn key_of;
	dps_ctab_ent_fn ent_of;
	const void *ctx;	/* ent_of()'s */
	uint32_t key_words;	/* a key's 32-bit words (4 unless set) */
	struct dps_ctab_slot slot[];
};

/** Where dps_ctab_find() found its entry, to confirm later reads. */
struct dps_ctab_ticket {
	uint32_t slot;
	uint64_t w;
};

/** Where a key that dps_ctab_find_own_hole() did not find would go: its
 * hash, the empty slot its probe ended at, and the table's deletion
 * sequence then (see dps_ctab_put_hole()). */
struct dps_ctab_hole {
	uint32_t hash;
	uint32_t slot;
	uint32_t seq;
};

/* A slot word's fields. */
#define DPS_CTAB_HASH_MASK ((1u << DPS_CTAB_HASH_BITS) - 1)
#define DPS_CTAB_HASH_SHIFT DPS_CTAB_REF_BITS
#define DPS_CTAB_VER_SHIFT (DPS_CTAB_REF_BITS + DPS_CTAB_HASH_BITS)

/* The reference plus one in word @w: 0 when the slot is empty. */
static inline uint32_t
dps_ctab_w_ref1(uint64_t w)
{
	return (uint32_t)w & ((1u << DPS_CTAB_REF_BITS) - 1);
}

/* The hash bits in word @w. */
static inline uint32_t
dps_ctab_w_hash(uint64_t w)
{
	return (uint32_t)(w >> DPS_CTAB_HASH_SHIFT) & DPS_CTAB_HASH_MASK;
}

/* Whether word @w holds an entry whose hash is @hash. */
static inline bool
dps_ctab_w_tag_eq(uint64_t w, uint32_t hash)
{
	return dps_ctab_w_hash(w) == (hash & DPS_CTAB_HASH_MASK);
}

/**
 * Make the table's keys @p len bytes long (a multiple of 4, from
 * DPS_CTAB_KEY_LEN to DPS_CTAB_KEY_MAX) instead of DPS_CTAB_KEY_LEN:
 * right after dps_ctab_init() or dps_ctab_create(), before any entry.
 * Such a table is written with dps_ctab_put_k() and dps_ctab_del_k() and
 * read with dps_ctab_find_own_k() and dps_ctab_find_k(), which take the
 * length as a constant; the plain calls stay those of a 16-byte key, so
 * a table of the default length pays nothing for the others.
 * @return 0, or -EINVAL for a length outside that range.
 */
int dps_ctab_set_key_len(struct dps_ctab *t, uint32_t len);

/**
 * Bytes a table of @p max entries takes.
 * @return the size, or 0 when @p max is 0 or over DPS_CTAB_MAX_ENTRIES.
 */
size_t dps_ctab_memsize(uint32_t max);

/**
 * Make the memory at @p t (dps_ctab_memsize(@p max) bytes) an empty
 * table of @p max entries whose keys @p key_of finds and whose references
 * @p ent_of(@p ctx, ref) turns into entries. Before any reader.
 */
void dps_ctab_init(struct dps_ctab *t, uint32_t max, dps_ctab_key_fn key_of,
	dps_ctab_ent_fn ent_of, const void *ctx);

/**
 * A table of @p max entries in memory of its own: zero pages mapped from
 * the kernel, each touched only when an entry lands in it, so nothing
 * is written at creation whatever @p max (see dps_ctab.c for what that
 * costs per entry). Before any reader.
 * @return the table, or NULL with errno set (EINVAL: @p max 0 or over
 *         DPS_CTAB_MAX_ENTRIES; ENOMEM).
 */
struct dps_ctab *dps_ctab_create(uint32_t max, dps_ctab_key_fn key_of,
	dps_ctab_ent_fn ent_of, const void *ctx);

/**
 * dps_ctab_create() for a table that usually holds at most @p dense
 * entries and at times up to @p max (the TCP tables: max_conns
 * connections, and beside them TIME_WAIT entries up to their bound):
 * 2 x @p dense slots, and at least 4/3 x @p max, rounded up to a power
 * of two. Linear probing stays short at three quarters full (a hit
 * probes 2.5 slots on average, a miss 8.5: Knuth, TAOCP 6.4), and a
 * table sized for the worst case at half full would take twice the
 * memory where rounding leaves no room: at ten million connections,
 * 512 MB an lcore where 256 MB do.
 * @return the table, or NULL with errno set (EINVAL: @p max 0 or over
 *         DPS_CTAB_MAX_ENTRIES, or @p dense over @p max; ENOMEM).
 */
struct dps_ctab *dps_ctab_create_dense(uint32_t max, uint32_t dense,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, const void *ctx);

/** Unmap a table from dps_ctab_create(); no reader may remain. NULL is
 * ignored. */
void dps_ctab_destroy(struct dps_ctab *t);

/**
 * Enter the entry of reference @p ref (at most DPS_CTAB_REF_MAX), whose
 * key @p key (the entry's own, as key_of() gives it) hashes to @p hash;
 * an entry with the same key is replaced in place (readers see the old
 * or the new one, never neither). Owner only.
 * @return 0, or -ENOBUFS when the table holds its maximum already.
 */
int dps_ctab_put(struct dps_ctab *t, uint32_t hash, const void *key, uint32_t ref);

/**
 * Remove the entry of @p key (hash @p hash). Owner only.
 * @return 0, or -ENOENT.
 */
int dps_ctab_del(struct dps_ctab *t, uint32_t hash, const void *key);

/**
 * dps_ctab_put() and dps_ctab_del() for a table whose keys are not of the
 * default length (dps_ctab_set_key_len()). The plain calls compare
 * DPS_CTAB_KEY_LEN bytes with the length a constant, as the IPv4 table's
 * fast path wants; these read the table's length.
 */
int dps_ctab_put_k(struct dps_ctab *t, uint32_t hash, const void *key, uint32_t ref);
/** See dps_ctab_put_k(). */
int dps_ctab_del_k(struct dps_ctab *t, uint32_t hash, const void *key);

/**
 * The next entry from slot *@p pos on, advancing *@p pos past it; start
 * at 0. Owner only; an entry deleted meanwhile may shift an unvisited
 * one behind the cursor, so a walk that deletes restarts at 0.
 * @return the entry, or NULL at the end.
 */
void *dps_ctab_next(const struct dps_ctab *t, uint32_t *pos);

/**
 * Call @p fn(entry, @p arg) for every entry, from any thread, with no
 * lock: each slot is read as one word. A statistic's picture, not an
 * atomic one: an entry that a deletion shifts back past the walk while
 * it runs is missed or seen twice, and @p fn may read an entry that has
 * just left (entries are type-stable, see above). Telemetry counts
 * connection states with it (dps_stack_tcp_states()). It reads every
 * slot: 8 bytes for each of the 2 x max slots.
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

/* @words words of a key (the owner's read). */
static inline bool
dps_ctab_key_eq_n(const void *a, const void *b, uint32_t words)
{
	const uint32_t *x = a, *y = b;
	uint32_t d = 0;

	for (uint32_t k = 0; k < words; k++)
		d |= x[k] ^ y[k];
	return d == 0;
}

/* Keys of @words words, the default's compare for the default length. */
static inline bool
dps_ctab_key_eq_k(const void *a, const void *b, uint32_t words)
{
	if (words == DPS_CTAB_KEY_LEN / 4)
		return dps_ctab_key_eq(a, b);
	return dps_ctab_key_eq_n(a, b, words);
}

/**
 * dps_ctab_find_own() for a table whose keys are @p words 32-bit words
 * (dps_ctab_set_key_len()); pass a constant.
 */
static inline void *
dps_ctab_find_own_k(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, uint32_t words)
{
	uint32_t i = hash & t->mask;

	for (;;) {
		/* Relaxed: the owner reads its own stores. */
		uint64_t w = __atomic_load_n(&t->slot[i].w, __ATOMIC_RELAXED);
		void *e;

		if (dps_ctab_w_ref1(w) == 0)
			return NULL;
		if (dps_ctab_w_tag_eq(w, hash)) {
			e = ent_of(t->ctx, dps_ctab_w_ref1(w) - 1);
			if (dps_ctab_key_eq_k(key_of(e), key, words))
				return e;
		}
		i = (i + 1) & t->mask;
	}
}

/**
 * The entry of @p key, hash @p hash, or NULL: the owner's lookup, with
 * no version checks (nothing changes under it). @p key_of and @p ent_of
 * are the table's, passed again so that the compiler can inline them.
 * Keys of the default length.
 */
static inline void *
dps_ctab_find_own(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of)
{
	return dps_ctab_find_own_k(t, hash, key, key_of, ent_of,
		DPS_CTAB_KEY_LEN / 4);
}

/**
 * dps_ctab_find_own() that, on a miss, tells @p h where the key would go,
 * for an insert right after it that need not probe again
 * (dps_ctab_put_hole()): a new connection's tuple, looked up to be sure
 * it is free, then entered. On a hit @p h holds the hash and no hole, and
 * an insert after it probes as dps_ctab_put() (the entry found may have
 * gone meanwhile: a TIME_WAIT entry taken over). Keys of the default
 * length; owner only.
 */
static inline void *
dps_ctab_find_own_hole(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, struct dps_ctab_hole *h)
{
	uint32_t i = hash & t->mask;

	for (;;) {
		/* Relaxed: the owner reads its own stores. */
		uint64_t w = __atomic_load_n(&t->slot[i].w, __ATOMIC_RELAXED);
		void *e;

		if (dps_ctab_w_ref1(w) == 0) {
			h->hash = hash;
			h->slot = i;
			/* Relaxed: the owner alone writes the sequence. */
			h->seq = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
			return NULL;
		}
		if (dps_ctab_w_tag_eq(w, hash)) {
			e = ent_of(t->ctx, dps_ctab_w_ref1(w) - 1);
			if (dps_ctab_key_eq(key_of(e), key)) {
				h->hash = hash;
				h->slot = UINT32_MAX;	/* no hole: put() probes */
				return e;
			}
		}
		i = (i + 1) & t->mask;
	}
}

/**
 * dps_ctab_put() of @p key, which dps_ctab_find_own_hole() did not find
 * and described in @p h, with the reference @p ref: the slot it found
 * empty is filled with no second probe while it is still empty and no
 * deletion has run since (a deletion moves entries back; an insert only
 * fills an empty slot, and the probe's path from the key's home to its
 * hole held none, so the hole is still the key's first empty slot).
 * Else it probes as dps_ctab_put(). Owner only; keys of the default
 * length.
 * @return 0, or -ENOBUFS when the table holds its maximum already.
 */
int dps_ctab_put_hole(struct dps_ctab *t, const struct dps_ctab_hole *h,
	const void *key, uint32_t ref);

/* The key words of a possibly changing entry: relaxed loads, which the
 * slot word confirms afterwards (dps_ctab_find()). */
static inline bool
dps_ctab_key_eq_racy(const void *ent_key, const void *key, uint32_t words)
{
	const uint32_t *x = ent_key, *y = key;
	uint32_t d = 0;

	for (uint32_t k = 0; k < words; k++)
		/* Relaxed: the entry may be rewritten meanwhile; the
		 * caller's acquire fence and slot re-read decide. */
		d |= __atomic_load_n(&x[k], __ATOMIC_RELAXED) ^ y[k];
	return d == 0;
}

/* One probe of a reader on another thread: 1 hit, 0 miss (an empty slot
 * reached), -1 retry (the table moved under it). */
static inline int
dps_ctab_probe(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, void **out,
	struct dps_ctab_ticket *tk, uint32_t words)
{
	uint32_t i = hash & t->mask;

	for (uint32_t step = 0; step <= t->mask; step++, i = (i + 1) & t->mask) {
		const struct dps_ctab_slot *s = &t->slot[i];
		/* Acquire: pairs with the release store of the slot
		 * (slot_write() in dps_ctab.c), so the entry's key written
		 * before its insert is visible. */
		uint64_t w = __atomic_load_n(&s->w, __ATOMIC_ACQUIRE);
		void *e;
		bool eq;

		if (dps_ctab_w_ref1(w) == 0)
			return 0;
		if (!dps_ctab_w_tag_eq(w, hash))
			continue;
		e = ent_of(t->ctx, dps_ctab_w_ref1(w) - 1);
		eq = dps_ctab_key_eq_racy(key_of(e), key, words);
		/* Acquire fence: the key reads above happen before the slot
		 * re-read, so a slot rewritten since shows a new version. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* Relaxed: ordered by the fence above. */
		if (__atomic_load_n(&s->w, __ATOMIC_RELAXED) != w)
			return -1;
		if (eq) {
			*out = e;
			tk->slot = i;
			tk->w = w;
			return 1;
		}
	}
	return -1;
}

/**
 * dps_ctab_find() for a table whose keys are @p words 32-bit words
 * (dps_ctab_set_key_len()); pass a constant.
 */
static inline void *
dps_ctab_find_k(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, struct dps_ctab_ticket *tk,
	uint32_t words)
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
		rc = dps_ctab_probe(t, hash, key, key_of, ent_of, &e, tk, words);
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
 * The entry of @p key, hash @p hash, or NULL, from any thread, with no
 * lock. A hit is the entry the slot held, key and all, at one moment
 * during the call; a miss means the key was absent at one moment (an
 * entry present throughout is always found). @p tk receives what
 * dps_ctab_still() needs to confirm reads of the entry made afterwards.
 * Keys of the default length.
 */
static inline void *
dps_ctab_find(const struct dps_ctab *t, uint32_t hash, const void *key,
	dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of, struct dps_ctab_ticket *tk)
{
	return dps_ctab_find_k(t, hash, key, key_of, ent_of, tk,
		DPS_CTAB_KEY_LEN / 4);
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
	 * slot re-read, so a slot rewritten since shows a new version. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* Relaxed: ordered by the fence above. */
	return __atomic_load_n(&t->slot[tk->slot].w, __ATOMIC_RELAXED) == tk->w;
}

#endif
