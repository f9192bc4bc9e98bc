/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's writer side (dps_ctab.h): insert, replace,
 * backward-shift deletion, the walk. Only the owning lcore calls these,
 * except dps_ctab_walk(), any thread's.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <rte_debug.h>
#include "dps_ctab.h"

/* Bytes of a table of @max entries, at most half full with @dense of
 * them and three quarters full with all; 0 for a bad size. */
static size_t
memsize_dense(uint32_t max, uint32_t dense)
{
	uint64_t slots = 8;

	if (max == 0 || max > DPS_CTAB_MAX_ENTRIES || dense > max)
		return 0;
	while (slots < 2 * (uint64_t)dense || 3 * slots < 4 * (uint64_t)max)
		slots <<= 1;
	return sizeof(struct dps_ctab) + slots * sizeof(struct dps_ctab_slot);
}

size_t
dps_ctab_memsize(uint32_t max)
{
	return memsize_dense(max, max);
}

/* The bytes table @t was made in. */
static size_t
tab_size(const struct dps_ctab *t)
{
	return sizeof(*t) + ((size_t)t->mask + 1) * sizeof(t->slot[0]);
}

static void
tab_set(struct dps_ctab *t, uint32_t max, uint32_t dense, dps_ctab_key_fn key_of,
	dps_ctab_ent_fn ent_of, const void *ctx)
{
	t->mask = (uint32_t)((memsize_dense(max, dense) - sizeof(*t)) / sizeof(t->slot[0])) - 1;
	t->max = max;
	t->key_words = DPS_CTAB_KEY_LEN / 4;
	t->key_of = key_of;
	t->ent_of = ent_of;
	t->ctx = ctx;
}

void
dps_ctab_init(struct dps_ctab *t, uint32_t max, dps_ctab_key_fn key_of,
	dps_ctab_ent_fn ent_of, const void *ctx)
{
	memset(t, 0, dps_ctab_memsize(max));
	tab_set(t, max, max, key_of, ent_of, ctx);
}

int
dps_ctab_set_key_len(struct dps_ctab *t, uint32_t len)
{
	if (len < DPS_CTAB_KEY_LEN || len > DPS_CTAB_KEY_MAX || len % 4 != 0)
		return -EINVAL;
	t->key_words = len / 4;
	return 0;
}

/* The entry in word @w (not empty). */
static void *
ent_at(const struct dps_ctab *t, uint64_t w)
{
	return t->ent_of(t->ctx, dps_ctab_w_ref1(w) - 1);
}

/* The slot word of slot @i; relaxed: the owner reads its own stores. */
static uint64_t
slot_own(const struct dps_ctab *t, uint32_t i)
{
	return __atomic_load_n(&t->slot[i].w, __ATOMIC_RELAXED);
}

/*
 * Rewrite slot @s as (@hash, @ref1: the reference plus one, 0 to empty
 * it) with its version bumped, in one store. A reader that read the old
 * word and re-reads it after its own reads (dps_ctab_probe()) notices
 * the change.
 */
static void
slot_write(struct dps_ctab_slot *s, uint32_t hash, uint32_t ref1)
{
	/* Relaxed: only the owner writes the slot. */
	uint64_t old = __atomic_load_n(&s->w, __ATOMIC_RELAXED);
	uint64_t ver = ((old >> DPS_CTAB_VER_SHIFT) + 1) &
		((1u << (64 - DPS_CTAB_VER_SHIFT)) - 1);
	uint64_t w = ver << DPS_CTAB_VER_SHIFT |
		(uint64_t)(hash & DPS_CTAB_HASH_MASK) << DPS_CTAB_HASH_SHIFT | ref1;

	/* Release: the entry's key, written before its insert, before the
	 * word that names it; pairs with the acquire load in
	 * dps_ctab_probe() and slot_read_racy(). */
	__atomic_store_n(&s->w, w, __ATOMIC_RELEASE);
}

/*
 * Memory of its own. A table sized for the most connections a run may
 * hold (2 x max_conns slots of 8 bytes: 256 MB per lcore for ten
 * million) is not written at start: its pages come from an anonymous
 * mapping (MAP_NORESERVE: nothing charged until touched), the kernel's
 * zero page until an entry lands in one, and a zero slot is an empty
 * one. Entries hash uniformly over the slots, so the resident part is
 * about one 4 KiB page per entry until the pages fill: at 1,000 entries
 * in a ten-million table 4 MB, where the default table (65,536 entries)
 * is 1 MB in all; from about 1 entry in 512 slots on (65,536 entries
 * for ten million) the whole table is resident. A table that grows by
 * rehashing would follow the entries all the way, but its readers on
 * other threads (dps_ctab_find()) would have to learn to follow a table
 * that moves, with no reclamation; until then a run that wants less
 * sets max_conns nearer its need. Not in the EAL's memory: no device
 * reads it, and -m need not hold it.
 */
struct dps_ctab *
dps_ctab_create(uint32_t max, dps_ctab_key_fn key_of, dps_ctab_ent_fn ent_of,
	const void *ctx)
{
	return dps_ctab_create_dense(max, max, key_of, ent_of, ctx);
}

struct dps_ctab *
dps_ctab_create_dense(uint32_t max, uint32_t dense, dps_ctab_key_fn key_of,
	dps_ctab_ent_fn ent_of, const void *ctx)
{
	size_t sz = memsize_dense(max, dense);
	struct dps_ctab *t;

	if (sz == 0) {
		errno = EINVAL;
		return NULL;
	}
	t = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	/* Small pages even where transparent huge pages are "always": the
	 * first entry in each 2 MB would make all of it resident. Advice
	 * only; a kernel without THP refuses it, and that is fine. */
	(void)madvise(t, sz, MADV_NOHUGEPAGE);
	tab_set(t, max, dense, key_of, ent_of, ctx);
	return t;
}

void
dps_ctab_destroy(struct dps_ctab *t)
{
	if (t != NULL)
		munmap(t, tab_size(t));
}

static void
count_add(struct dps_ctab *t, int d)
{
	/* Relaxed: a statistic read by dps_ctab_count(); one writer. */
	__atomic_store_n(&t->n, t->n + (uint32_t)d, __ATOMIC_RELAXED);
}

/*
 * dps_ctab_put() and dps_ctab_put_k() are the same loop over a key
 * compare with the length a constant or the table's. Written twice: the
 * shared inline body made gcc lay out the 16-byte one's loop with one
 * instruction more per insert (callgrind_http.sh).
 */
/* Insert or replace, for keys of @words words: inlined with a constant
 * into dps_ctab_put(), so that the 16-byte table keeps its four-word
 * compare, and with the table's length into dps_ctab_put_k(). */
static inline __attribute__((always_inline)) int
put_words(struct dps_ctab *t, uint32_t hash, const void *key, uint32_t ref,
	uint32_t words)
{
	uint32_t i = hash & t->mask;
	uint64_t w;

	while (dps_ctab_w_ref1(w = slot_own(t, i)) != 0) {
		if (dps_ctab_w_tag_eq(w, hash) &&
				dps_ctab_key_eq_k(t->key_of(ent_at(t, w)), key, words)) {
			slot_write(&t->slot[i], hash, ref + 1);
			return 0;
		}
		i = (i + 1) & t->mask;
	}
	if (t->n >= t->max)
		return -ENOBUFS;
	slot_write(&t->slot[i], hash, ref + 1);
	count_add(t, 1);
	return 0;
}

int
dps_ctab_put(struct dps_ctab *t, uint32_t hash, const void *key, uint32_t ref)
{
	RTE_ASSERT(t->key_words == DPS_CTAB_KEY_LEN / 4);
	return put_words(t, hash, key, ref, DPS_CTAB_KEY_LEN / 4);
}

int
dps_ctab_put_k(struct dps_ctab *t, uint32_t hash, const void *key, uint32_t ref)
{
	return put_words(t, hash, key, ref, t->key_words);
}

int
dps_ctab_put_hole(struct dps_ctab *t, const struct dps_ctab_hole *h,
	const void *key, uint32_t ref)
{
	RTE_ASSERT(t->key_words == DPS_CTAB_KEY_LEN / 4);
	/* A call, not put_words() inlined: its loop would make the common
	 * case save and restore registers it does not use. */
	if (h->seq != t->seq || h->slot > t->mask ||
			dps_ctab_w_ref1(slot_own(t, h->slot)) != 0)
		return dps_ctab_put(t, h->hash, key, ref);
	if (t->n >= t->max)
		return -ENOBUFS;
	slot_write(&t->slot[h->slot], h->hash, ref + 1);
	count_add(t, 1);
	return 0;
}

/* The slot holding @key of @words words, or -1; inlined as put_words(). */
static inline __attribute__((always_inline)) int64_t
slot_of(const struct dps_ctab *t, uint32_t hash, const void *key, uint32_t words)
{
	uint32_t i = hash & t->mask;
	uint64_t w;

	while (dps_ctab_w_ref1(w = slot_own(t, i)) != 0) {
		if (dps_ctab_w_tag_eq(w, hash) &&
				dps_ctab_key_eq_k(t->key_of(ent_at(t, w)), key, words))
			return i;
		i = (i + 1) & t->mask;
	}
	return -1;
}

/*
 * Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 Algorithm R): empty
 * slot @hole, then move back each later entry of the cluster that may
 * live there, i.e. whose home is not cyclically within (hole, j].
 */
static inline __attribute__((always_inline)) void
shift_back(struct dps_ctab *t, uint32_t hole)
{
	uint32_t j = hole;

	for (;;) {
		uint64_t w;

		j = (j + 1) & t->mask;
		w = slot_own(t, j);
		if (dps_ctab_w_ref1(w) == 0)
			break;
		if (((j - (dps_ctab_w_hash(w) & t->mask)) & t->mask) >=
				((j - hole) & t->mask)) {
			slot_write(&t->slot[hole], dps_ctab_w_hash(w), dps_ctab_w_ref1(w));
			hole = j;
		}
	}
	slot_write(&t->slot[hole], 0, 0);
}

/* Empty slot @i (which holds an entry) and close the gap. Forced
 * inline, with shift_back(), into both callers: as a call, dps_ctab_del()
 * took 13 instructions more per HTTP connection (callgrind_http.sh). */
static inline __attribute__((always_inline)) int
del_at(struct dps_ctab *t, int64_t i)
{
	if (i < 0)
		return -ENOENT;
	/* Relaxed store, then a release fence: a reader that sees a slot
	 * emptied or moved below (then its acquire fence) sees the odd
	 * sequence; pairs with the acquire fence in dps_ctab_find(). */
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	shift_back(t, (uint32_t)i);
	/* Release: the slot writes before the even sequence; pairs with the
	 * acquire load that starts dps_ctab_find(). */
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
	count_add(t, -1);
	return 0;
}

int
dps_ctab_del(struct dps_ctab *t, uint32_t hash, const void *key)
{
	RTE_ASSERT(t->key_words == DPS_CTAB_KEY_LEN / 4);
	return del_at(t, slot_of(t, hash, key, DPS_CTAB_KEY_LEN / 4));
}

int
dps_ctab_del_k(struct dps_ctab *t, uint32_t hash, const void *key)
{
	return del_at(t, slot_of(t, hash, key, t->key_words));
}

void *
dps_ctab_next(const struct dps_ctab *t, uint32_t *pos)
{
	for (uint32_t i = *pos; i <= t->mask; i++) {
		uint64_t w = slot_own(t, i);

		if (dps_ctab_w_ref1(w) != 0) {
			*pos = i + 1;
			return ent_at(t, w);
		}
	}
	*pos = t->mask + 1;
	return NULL;
}

void
dps_ctab_walk(const struct dps_ctab *t, void (*fn)(void *ent, void *arg),
	void *arg)
{
	for (uint32_t i = 0; i <= t->mask; i++) {
		/* Acquire: pairs with slot_write()'s release, so the entry the
		 * word names is seen as inserted. */
		uint64_t w = __atomic_load_n(&t->slot[i].w, __ATOMIC_ACQUIRE);

		if (dps_ctab_w_ref1(w) != 0)
			fn(ent_at(t, w), arg);
	}
}
