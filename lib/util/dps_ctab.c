/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's writer side (dps_ctab.h): insert, replace,
 * backward-shift deletion, the walk. Only the owning lcore calls these,
 * except dps_ctab_walk(), any thread's.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "dps_ctab.h"

size_t
dps_ctab_memsize(uint32_t max)
{
	uint64_t slots = 8;

	if (max == 0 || max > (1u << 30))
		return 0;
	while (slots < 2 * (uint64_t)max)
		slots <<= 1;
	return sizeof(struct dps_ctab) + slots * sizeof(struct dps_ctab_slot);
}

void
dps_ctab_init(struct dps_ctab *t, uint32_t max, dps_ctab_key_fn key_of)
{
	size_t slots = (dps_ctab_memsize(max) - sizeof(*t)) / sizeof(t->slot[0]);

	memset(t, 0, dps_ctab_memsize(max));
	t->mask = (uint32_t)slots - 1;
	t->max = max;
	t->key_of = key_of;
}

/*
 * Rewrite slot @s as (@tag, @ent) under its version: odd, the fields,
 * even again. A reader that saw the old even version and re-reads it
 * after its own reads (dps_ctab_probe()) notices the change.
 */
static void
slot_write(struct dps_ctab_slot *s, uint32_t tag, void *ent)
{
	/* Relaxed: only the owner writes the version. */
	uint32_t v = __atomic_load_n(&s->ver, __ATOMIC_RELAXED);

	/* Relaxed store, then a release fence: a reader that sees any of the
	 * field stores below (then its acquire fence) sees the odd version;
	 * pairs with the acquire fence in dps_ctab_probe()/dps_ctab_still(). */
	__atomic_store_n(&s->ver, v + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	/* Relaxed: published by the version's release below. */
	__atomic_store_n(&s->tag, tag, __ATOMIC_RELAXED);
	/* Relaxed: as tag. */
	__atomic_store_n(&s->ent, ent, __ATOMIC_RELAXED);
	/* Release: the fields (and the entry's key, written before the
	 * insert) before the even version; pairs with the acquire load of
	 * the version in dps_ctab_probe(). */
	__atomic_store_n(&s->ver, v + 2, __ATOMIC_RELEASE);
}

/*
 * Memory of its own. A table sized for the most connections a run may
 * hold (2 x max_conns slots of 16 bytes: 512 MB per lcore for ten
 * million) is not written at start: its pages come from an anonymous
 * mapping (MAP_NORESERVE: nothing charged until touched), the kernel's
 * zero page until an entry lands in one, and a zero slot is an empty
 * one. Entries hash uniformly over the slots, so the resident part is
 * about one 4 KiB page per entry until the pages fill: at 1,000 entries
 * in a ten-million table 4 MB, where the default table (65,536 entries)
 * is 2 MB in all; from about 1 entry in 256 slots on (131,072 entries
 * for ten million) the whole table is resident. A table that grows by
 * rehashing would follow the entries all the way, but its readers on
 * other threads (dps_ctab_find()) would have to learn to follow a table
 * that moves, with no reclamation; until then a run that wants less
 * sets max_conns nearer its need. Not in the EAL's memory: no device
 * reads it, and -m need not hold it.
 */
struct dps_ctab *
dps_ctab_create(uint32_t max, dps_ctab_key_fn key_of)
{
	size_t sz = dps_ctab_memsize(max);
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
	t->mask = (uint32_t)((sz - sizeof(*t)) / sizeof(t->slot[0])) - 1;
	t->max = max;
	t->key_of = key_of;
	return t;
}

void
dps_ctab_destroy(struct dps_ctab *t)
{
	if (t != NULL)
		munmap(t, dps_ctab_memsize(t->max));
}

static void
count_add(struct dps_ctab *t, int d)
{
	/* Relaxed: a statistic read by dps_ctab_count(); one writer. */
	__atomic_store_n(&t->n, t->n + (uint32_t)d, __ATOMIC_RELAXED);
}

int
dps_ctab_put(struct dps_ctab *t, uint32_t hash, void *ent)
{
	const void *key = t->key_of(ent);
	uint32_t i = hash & t->mask;
	void *e;

	/* Relaxed: the owner reads its own stores. */
	while ((e = __atomic_load_n(&t->slot[i].ent, __ATOMIC_RELAXED)) != NULL) {
		if (t->slot[i].tag == hash && dps_ctab_key_eq(t->key_of(e), key)) {
			slot_write(&t->slot[i], hash, ent);
			return 0;
		}
		i = (i + 1) & t->mask;
	}
	if (t->n >= t->max)
		return -ENOBUFS;
	slot_write(&t->slot[i], hash, ent);
	count_add(t, 1);
	return 0;
}

/* The slot holding @key, or -1. */
static int64_t
slot_of(const struct dps_ctab *t, uint32_t hash, const void *key)
{
	uint32_t i = hash & t->mask;
	void *e;

	/* Relaxed: the owner reads its own stores. */
	while ((e = __atomic_load_n(&t->slot[i].ent, __ATOMIC_RELAXED)) != NULL) {
		if (t->slot[i].tag == hash && dps_ctab_key_eq(t->key_of(e), key))
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
static void
shift_back(struct dps_ctab *t, uint32_t hole)
{
	uint32_t j = hole;

	for (;;) {
		struct dps_ctab_slot *s;
		void *e;

		j = (j + 1) & t->mask;
		s = &t->slot[j];
		/* Relaxed: the owner reads its own stores. */
		e = __atomic_load_n(&s->ent, __ATOMIC_RELAXED);
		if (e == NULL)
			break;
		if (((j - (s->tag & t->mask)) & t->mask) >= ((j - hole) & t->mask)) {
			slot_write(&t->slot[hole], s->tag, e);
			hole = j;
		}
	}
	slot_write(&t->slot[hole], 0, NULL);
}

int
dps_ctab_del(struct dps_ctab *t, uint32_t hash, const void *key)
{
	int64_t i = slot_of(t, hash, key);

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

void *
dps_ctab_next(const struct dps_ctab *t, uint32_t *pos)
{
	for (uint32_t i = *pos; i <= t->mask; i++) {
		/* Relaxed: the owner reads its own stores. */
		void *e = __atomic_load_n(&t->slot[i].ent, __ATOMIC_RELAXED);

		if (e != NULL) {
			*pos = i + 1;
			return e;
		}
	}
	*pos = t->mask + 1;
	return NULL;
}

/* Slot @s's entry as a reader on another thread sees it: 0 when the
 * owner rewrote it under us @tries times in a row. */
static void *
slot_read_racy(const struct dps_ctab_slot *s, unsigned int tries)
{
	while (tries-- > 0) {
		/* Acquire: pairs with the release that ends slot_write(), so an
		 * even version shows the pointer it wrote. */
		uint32_t v = __atomic_load_n(&s->ver, __ATOMIC_ACQUIRE);
		/* Relaxed: confirmed by the version re-read below. */
		void *e = __atomic_load_n(&s->ent, __ATOMIC_RELAXED);

		/* Acquire fence: the pointer read happens before the version
		 * re-read; pairs with the release fence after the owner's odd
		 * store in slot_write(). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* Relaxed: ordered by the fence above. */
		if ((v & 1) == 0 && __atomic_load_n(&s->ver, __ATOMIC_RELAXED) == v)
			return e;
	}
	return NULL;
}

void
dps_ctab_walk(const struct dps_ctab *t, void (*fn)(void *ent, void *arg),
	void *arg)
{
	for (uint32_t i = 0; i <= t->mask; i++) {
		void *e = slot_read_racy(&t->slot[i], 4);

		if (e != NULL)
			fn(e, arg);
	}
}
