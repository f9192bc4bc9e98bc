/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the connection table (lib/util/dps_ctab.c): put, replace,
 * delete with backward shift across the end of the array, a full table,
 * a random run against a model, lock-free readers on other threads
 * while the owner inserts and deletes, and 40-byte keys (IPv6 tuples)
 * that differ only in their last word. No EAL.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "dps_ctab.h"

/* An entry: its key (4 words) and a check word derived from it, and
 * its table reference plus one (0: none yet, see ref()). */
struct ent {
	uint32_t key[4];
	uint32_t check;
	uint32_t ref1;
};

static const void *
ent_key(const void *e)
{
	return ((const struct ent *)e)->key;
}

/* The table's references: indices into this registry of the entries
 * put so far (each test runs in a process of its own). */
static struct ent *reg[1 << 16];
static struct ent *ref_max_ent;	/* the entry of DPS_CTAB_REF_MAX */
static uint32_t n_reg;

static void *
ent_of(const void *ctx, uint32_t r)
{
	return r == DPS_CTAB_REF_MAX ? ref_max_ent : reg[r];
}

/* @e's reference, registered on first use. */
static uint32_t
ref(struct ent *e)
{
	if (e->ref1 == 0) {
		cr_assert_lt(n_reg, sizeof(reg) / sizeof(reg[0]));
		reg[n_reg++] = e;
		e->ref1 = n_reg;
	}
	return e->ref1 - 1;
}

static int
put(struct dps_ctab *t, uint32_t h, struct ent *e)
{
	return dps_ctab_put(t, h, e->key, ref(e));
}

/* The entry in slot @i, or NULL. */
static void *
slot_ent(const struct dps_ctab *t, uint32_t i)
{
	uint64_t w = t->slot[i].w;

	return dps_ctab_w_ref1(w) != 0 ? ent_of(NULL, dps_ctab_w_ref1(w) - 1) : NULL;
}

static struct dps_ctab *
tab_new(uint32_t max)
{
	size_t sz = dps_ctab_memsize(max);
	struct dps_ctab *t;

	cr_assert_neq(sz, 0);
	t = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	cr_assert_not_null(t);
	dps_ctab_init(t, max, ent_key, ent_of, NULL);
	return t;
}

static void
ent_set(struct ent *e, uint32_t k)
{
	e->key[0] = k;
	e->key[1] = ~k;
	e->key[2] = k * 2654435761u;
	e->key[3] = 6;
	e->check = k ^ 0x5a5a5a5au;
	e->ref1 = 0;
}

/* A deliberately poor hash: @buckets homes, so clusters are long and
 * deletions move entries. The tag is the whole value. */
static uint32_t
hash_of(uint32_t k, uint32_t buckets)
{
	return (k % buckets) * 0x9e3779b1u;
}

static void *
own(const struct dps_ctab *t, uint32_t h, const struct ent *probe)
{
	return dps_ctab_find_own(t, h, probe->key, ent_key, ent_of);
}

static void *
any(const struct dps_ctab *t, uint32_t h, const struct ent *probe)
{
	struct dps_ctab_ticket tk;

	return dps_ctab_find(t, h, probe->key, ent_key, ent_of, &tk);
}

Test(ctab, sizes)
{
	cr_assert_eq(dps_ctab_memsize(0), 0);
	cr_assert_eq(dps_ctab_memsize(DPS_CTAB_MAX_ENTRIES + 1), 0);
	cr_assert_neq(dps_ctab_memsize(DPS_CTAB_MAX_ENTRIES), 0);
	/* At most half full: 1000 entries take 2048 slots. */
	cr_assert_eq(dps_ctab_memsize(1000),
		sizeof(struct dps_ctab) + 2048 * sizeof(struct dps_ctab_slot));
	cr_assert_eq(dps_ctab_memsize(1024),
		sizeof(struct dps_ctab) + 2048 * sizeof(struct dps_ctab_slot));
	cr_assert_eq(sizeof(struct dps_ctab_slot), 8);
}

/* Resident pages of the @len bytes at @a (mincore()). */
static size_t
resident_pages(const void *a, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg, r = 0;
	unsigned char *v = malloc(n);

	cr_assert_not_null(v);
	cr_assert_eq(mincore((void *)a, len, v), 0);
	for (size_t i = 0; i < n; i++)
		r += v[i] & 1;
	free(v);
	return r;
}

/* A table for ten million entries writes nothing at creation: only the
 * pages entries land in become resident (issue 15). */
Test(ctab, create_touches_only_what_is_used)
{
	struct dps_ctab *t = dps_ctab_create(10000000, ent_key, ent_of, NULL);
	size_t len = dps_ctab_memsize(10000000);
	static struct ent e[1000];

	cr_assert_not_null(t);
	cr_assert_leq(resident_pages(t, len), 1, "%zu pages resident at creation",
		resident_pages(t, len));
	for (uint32_t i = 0; i < 1000; i++) {
		ent_set(&e[i], i);
		cr_assert_eq(put(t, i * 2654435761u, &e[i]), 0);
	}
	/* Of 65,537 pages: at most an entry's page and the next one its
	 * probe may read (the zero page, mapped), and the header's. */
	cr_assert_leq(resident_pages(t, len), 2001, "%zu pages",
		resident_pages(t, len));
	for (uint32_t i = 0; i < 1000; i++)
		cr_assert_eq(dps_ctab_find_own(t, i * 2654435761u, e[i].key, ent_key,
			ent_of), &e[i]);
	cr_assert_eq(dps_ctab_count(t), 1000);
	dps_ctab_destroy(t);
	cr_assert_null(dps_ctab_create(0, ent_key, ent_of, NULL));
	cr_assert_eq(errno, EINVAL);
}

/*
 * A table made for a usual count below its capacity (the TCP tables:
 * connections, and TIME_WAIT entries beside them): half full at the
 * usual count, three quarters at capacity, and every entry up to the
 * capacity finds its place, even with all of them in one cluster.
 */
Test(ctab, dense_sizes_and_fill)
{
	enum { MAX = 24, DENSE = 16 };
	static struct ent e[MAX + 1];
	struct dps_ctab *t;

	/* Ten million connections (bench/suite.sh's --max-conns) and half
	 * that in TIME_WAIT: 2^25 slots, as for the connections alone. */
	t = dps_ctab_create_dense(11254096 + 5627048, 11254096, ent_key, ent_of, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(t->mask + 1, 1u << 25, "%u slots", t->mask + 1);
	dps_ctab_destroy(t);
	/* Capacity decides when it is the larger: 4/3 x 3000 = 4000. */
	t = dps_ctab_create_dense(3000, 1000, ent_key, ent_of, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(t->mask + 1, 4096);
	dps_ctab_destroy(t);
	cr_assert_null(dps_ctab_create_dense(10, 11, ent_key, ent_of, NULL));
	cr_assert_eq(errno, EINVAL);

	t = dps_ctab_create_dense(MAX, DENSE, ent_key, ent_of, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(t->mask + 1, 32, "%u slots", t->mask + 1);
	for (uint32_t i = 0; i < MAX; i++) {
		ent_set(&e[i], i);
		cr_assert_eq(put(t, hash_of(i, 1), &e[i]), 0, "entry %u", i);
	}
	ent_set(&e[MAX], MAX);
	cr_assert_neq(put(t, hash_of(MAX, 1), &e[MAX]), 0, "over the capacity");
	for (uint32_t i = 0; i < MAX; i++) {
		cr_assert_eq(own(t, hash_of(i, 1), &e[i]), &e[i], "entry %u", i);
		cr_assert_eq(any(t, hash_of(i, 1), &e[i]), &e[i], "entry %u", i);
	}
	cr_assert_null(own(t, hash_of(MAX, 1), &e[MAX]));
	dps_ctab_destroy(t);
}

Test(ctab, put_find_replace_del)
{
	struct dps_ctab *t = tab_new(16);
	struct ent a, b, a2, probe;
	uint32_t ha, hb;

	ent_set(&a, 1);
	ent_set(&b, 2);
	ent_set(&a2, 1);		/* same key as a, another object */
	ha = hash_of(1, 1000);
	hb = hash_of(2, 1000);
	ent_set(&probe, 1);
	cr_assert_null(own(t, ha, &probe));
	cr_assert_eq(put(t, ha, &a), 0);
	cr_assert_eq(put(t, hb, &b), 0);
	cr_assert_eq(own(t, ha, &probe), &a);
	cr_assert_eq(any(t, ha, &probe), &a);
	cr_assert_eq(dps_ctab_count(t), 2);
	/* The same key again replaces in place (TIME_WAIT takes a key over). */
	cr_assert_eq(put(t, ha, &a2), 0);
	cr_assert_eq(dps_ctab_count(t), 2);
	cr_assert_eq(own(t, ha, &probe), &a2);
	/* A tag match with another key is not a hit. */
	ent_set(&probe, 3);
	cr_assert_null(own(t, ha, &probe));
	cr_assert_null(any(t, ha, &probe));
	cr_assert_eq(dps_ctab_del(t, ha, probe.key), -ENOENT);
	ent_set(&probe, 1);
	cr_assert_eq(dps_ctab_del(t, ha, probe.key), 0);
	cr_assert_null(own(t, ha, &probe));
	cr_assert_null(any(t, ha, &probe));
	cr_assert_eq(dps_ctab_del(t, ha, probe.key), -ENOENT);
	cr_assert_eq(dps_ctab_count(t), 1);
	free(t);
}

/* A slot rewritten with the same entry and hash is still a change to a
 * reader: the version in its word (the entry left and came back, as a
 * socket that closes and reconnects the same tuple reuses its object). */
Test(ctab, same_entry_back_is_a_new_word)
{
	struct dps_ctab *t = tab_new(16);
	struct dps_ctab_ticket tk = { 0, 0 };
	struct ent a;
	uint32_t h = hash_of(1, 1000);

	ent_set(&a, 1);
	cr_assert_eq(put(t, h, &a), 0);
	cr_assert_eq(dps_ctab_find(t, h, a.key, ent_key, ent_of, &tk), &a);
	cr_assert(dps_ctab_still(t, &tk));
	cr_assert_eq(dps_ctab_del(t, h, a.key), 0);
	cr_assert_eq(put(t, h, &a), 0);
	cr_assert_eq(slot_ent(t, tk.slot), &a, "back in the same slot");
	cr_assert_not(dps_ctab_still(t, &tk));
	free(t);
}

/* The largest reference and the hash bits kept: an entry of reference
 * DPS_CTAB_REF_MAX is found, and hashes that differ only above the
 * bits kept still find their own entries (by key). */
Test(ctab, reference_and_hash_bounds)
{
	struct dps_ctab *t = tab_new(16);
	static struct ent e[3];
	uint32_t h = 5;

	for (int i = 0; i < 3; i++)
		ent_set(&e[i], 40 + i);
	ref_max_ent = &e[0];
	cr_assert_eq(dps_ctab_put(t, h, e[0].key, DPS_CTAB_REF_MAX), 0);
	cr_assert_eq(put(t, h | 1u << DPS_CTAB_HASH_BITS, &e[1]), 0);
	cr_assert_eq(put(t, h | 1u << 31, &e[2]), 0);
	cr_assert_eq(own(t, h, &e[0]), &e[0]);
	cr_assert_eq(any(t, h, &e[0]), &e[0]);
	cr_assert_eq(own(t, h | 1u << DPS_CTAB_HASH_BITS, &e[1]), &e[1]);
	cr_assert_eq(any(t, h | 1u << 31, &e[2]), &e[2]);
	cr_assert_eq(dps_ctab_del(t, h, e[0].key), 0);
	cr_assert_null(own(t, h, &e[0]));
	cr_assert_eq(own(t, h | 1u << 31, &e[2]), &e[2]);
	free(t);
}

/* dps_ctab_walk() callback: sum the entries' keys, count them. */
static void
walk_sum(void *e, void *arg)
{
	uint64_t *acc = arg;

	acc[0]++;
	acc[1] += ((struct ent *)e)->key[0];
}

/* The walk (telemetry's count of connection states) sees every entry
 * once, across clusters that wrap around the end, and none deleted. */
Test(ctab, walk_sees_every_entry_once)
{
	enum { MAX = 64 };
	struct dps_ctab *t = tab_new(MAX);
	struct ent e[MAX];
	uint64_t acc[2] = { 0, 0 }, want = 0;

	for (uint32_t k = 0; k < MAX; k++) {
		ent_set(&e[k], k + 1);
		cr_assert_eq(put(t, hash_of(k + 1, 7), &e[k]), 0);
		want += k + 1;
	}
	dps_ctab_walk(t, walk_sum, acc);
	cr_assert_eq(acc[0], MAX);
	cr_assert_eq(acc[1], want);
	for (uint32_t k = 0; k < MAX; k += 2) {
		cr_assert_eq(dps_ctab_del(t, hash_of(k + 1, 7), e[k].key), 0);
		want -= k + 1;
	}
	acc[0] = acc[1] = 0;
	dps_ctab_walk(t, walk_sum, acc);
	cr_assert_eq(acc[0], MAX / 2);
	cr_assert_eq(acc[1], want);
	free(t);
}

/* Full: the maximum holds, one more new key is ENOBUFS, a replacement
 * still works, and a deletion makes room. */
Test(ctab, full_is_enobufs)
{
	enum { MAX = 100 };
	struct dps_ctab *t = tab_new(MAX);
	static struct ent e[MAX + 1], again;

	for (uint32_t i = 0; i <= MAX; i++)
		ent_set(&e[i], i);
	for (uint32_t i = 0; i < MAX; i++)
		cr_assert_eq(put(t, hash_of(i, 7), &e[i]), 0, "entry %u", i);
	cr_assert_eq(put(t, hash_of(MAX, 7), &e[MAX]), -ENOBUFS);
	cr_assert_eq(dps_ctab_count(t), MAX);
	ent_set(&again, 5);
	cr_assert_eq(put(t, hash_of(5, 7), &again), 0, "replacing when full");
	cr_assert_eq(dps_ctab_del(t, hash_of(9, 7), e[9].key), 0);
	cr_assert_eq(put(t, hash_of(MAX, 7), &e[MAX]), 0);
	for (uint32_t i = 0; i <= MAX; i++)
		cr_assert_eq(own(t, hash_of(i, 7), &e[i]) != NULL, i != 9, "entry %u", i);
	free(t);
}

/* A cluster that wraps past the last slot: deleting its head moves the
 * entries from slot 0 back to the end. */
Test(ctab, shift_across_the_end)
{
	struct dps_ctab *t = tab_new(8);		/* 16 slots */
	uint32_t last = t->mask, h = last * 1u + 0x100u * 16;	/* home = last */
	static struct ent e[5];

	cr_assert_eq(t->mask, 15);
	for (uint32_t i = 0; i < 5; i++) {
		ent_set(&e[i], 100 + i);
		cr_assert_eq(put(t, h, &e[i]), 0);
	}
	cr_assert_eq(slot_ent(t, 15), &e[0]);
	cr_assert_eq(slot_ent(t, 3), &e[4]);
	cr_assert_eq(dps_ctab_del(t, h, e[0].key), 0);
	cr_assert_eq(slot_ent(t, 15), &e[1]);
	cr_assert_eq(slot_ent(t, 2), &e[4]);
	cr_assert_null(slot_ent(t, 3));
	for (uint32_t i = 1; i < 5; i++)
		cr_assert_eq(own(t, h, &e[i]), &e[i]);
	free(t);
}

/* Every entry is reachable from its home without crossing an empty slot
 * (the linear-probing invariant deletions must keep). */
static void
check_invariant(const struct dps_ctab *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i <= t->mask; i++) {
		uint64_t w = t->slot[i].w;

		if (dps_ctab_w_ref1(w) == 0)
			continue;
		n++;
		for (uint32_t j = dps_ctab_w_hash(w) & t->mask; j != i; j = (j + 1) & t->mask)
			cr_assert_not_null(slot_ent(t, j), "slot %u: a gap at %u", i, j);
	}
	cr_assert_eq(n, dps_ctab_count(t));
}

/* A key looked up and missed goes where the probe ended
 * (dps_ctab_put_hole()); a deletion since, which moves entries back, or
 * an insert that filled that slot, makes it probe again instead, and a
 * hit leaves no hole. */
Test(ctab, put_hole_fills_the_probed_slot_or_probes_again)
{
	struct dps_ctab *t = tab_new(8);		/* 16 slots */
	uint32_t h = 5 + 0x100u * 16;			/* home 5 */
	static struct ent e[5];
	struct dps_ctab_hole hole, late;

	for (uint32_t i = 0; i < 5; i++)
		ent_set(&e[i], 200 + i);
	cr_assert_eq(put(t, h, &e[0]), 0);		/* slot 5 */
	/* A miss: its hole is slot 6, and the insert fills it. */
	cr_assert_null(dps_ctab_find_own_hole(t, h, e[1].key, ent_key, ent_of, &hole));
	cr_assert_eq(hole.slot, 6);
	cr_assert_eq(hole.hash, h);
	cr_assert_eq(dps_ctab_put_hole(t, &hole, e[1].key, ref(&e[1])), 0);
	cr_assert_eq(slot_ent(t, 6), &e[1]);
	cr_assert_eq(own(t, h, &e[1]), &e[1]);
	cr_assert_eq(dps_ctab_count(t), 2);
	/* A hit: no hole, and a put from it replaces in place. */
	cr_assert_eq(dps_ctab_find_own_hole(t, h, e[1].key, ent_key, ent_of, &hole), &e[1]);
	cr_assert_gt(hole.slot, t->mask);
	/* A hole filled since by another key (e[3], from the same miss):
	 * probed again, to slot 8. */
	cr_assert_null(dps_ctab_find_own_hole(t, h, e[2].key, ent_key, ent_of, &hole));
	cr_assert_eq(hole.slot, 7);
	cr_assert_null(dps_ctab_find_own_hole(t, h, e[3].key, ent_key, ent_of, &late));
	cr_assert_eq(late.slot, 7);
	cr_assert_eq(dps_ctab_put_hole(t, &late, e[3].key, ref(&e[3])), 0);
	cr_assert_eq(dps_ctab_put_hole(t, &hole, e[2].key, ref(&e[2])), 0);
	cr_assert_eq(slot_ent(t, 7), &e[3]);
	cr_assert_eq(slot_ent(t, 8), &e[2]);
	cr_assert_eq(dps_ctab_count(t), 4);
	/* A deletion since: e[4]'s lookup ends at slot 9; deleting e[0]
	 * (slot 5) moves 6..8 back to 5..7, so 8 is the first empty slot
	 * now, and the put probes again and lands there. */
	cr_assert_null(dps_ctab_find_own_hole(t, h, e[4].key, ent_key, ent_of, &hole));
	cr_assert_eq(hole.slot, 9);
	cr_assert_eq(dps_ctab_del(t, h, e[0].key), 0);
	cr_assert_eq(slot_ent(t, 7), &e[2]);
	cr_assert_null(slot_ent(t, 8));
	cr_assert_eq(dps_ctab_put_hole(t, &hole, e[4].key, ref(&e[4])), 0);
	cr_assert_eq(slot_ent(t, 8), &e[4]);
	cr_assert_null(slot_ent(t, 9));
	cr_assert_eq(dps_ctab_count(t), 4);
	for (uint32_t i = 1; i < 5; i++)
		cr_assert_eq(own(t, h, &e[i]), &e[i]);
	check_invariant(t);
	free(t);
}

/* Random puts and deletes against a model (present[]). */
Test(ctab, random_against_model)
{
	enum { KEYS = 600, MAX = 500, OPS = 60000 };
	struct dps_ctab *t = tab_new(MAX);
	static struct ent e[KEYS];
	static bool present[KEYS];
	uint32_t n = 0, seed = 12345;

	for (uint32_t i = 0; i < KEYS; i++)
		ent_set(&e[i], i);
	for (uint32_t op = 0; op < OPS; op++) {
		uint32_t k, h;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % KEYS;
		h = hash_of(k, 97);
		if (present[k] && (seed & 1)) {
			cr_assert_eq(dps_ctab_del(t, h, e[k].key), 0);
			present[k] = false;
			n--;
		} else if (!present[k]) {
			int rc = put(t, h, &e[k]);

			cr_assert_eq(rc, n < MAX ? 0 : -ENOBUFS);
			present[k] = rc == 0;
			n += rc == 0;
		}
		if (op % 1000 == 0) {
			check_invariant(t);
			for (uint32_t i = 0; i < KEYS; i++) {
				void *want = present[i] ? &e[i] : NULL;

				cr_assert_eq(own(t, hash_of(i, 97), &e[i]), want, "key %u", i);
				cr_assert_eq(any(t, hash_of(i, 97), &e[i]), want, "key %u", i);
			}
		}
	}
	free(t);
}

/* ---- one writer, lock-free readers ---------------------------------- */

/*
 * Each of HOMES clusters holds one stable key and VPH volatile entries,
 * all with the same hash. The writer, key by key: takes the stable key
 * out and puts it back at the end of its cluster (its generation odd
 * meanwhile, alternating between two objects for it, and rewriting the
 * idle one's key word by word, as a socket returns to the pool and is
 * reused), then deletes the volatile entries in front of it one by one,
 * so each deletion shifts it back a slot while readers look for it,
 * then puts them back under new keys. Readers look the stable keys up:
 * a lookup that overlapped no generation change must find its key, and
 * a hit that dps_ctab_still() confirms must be one of that key's two
 * objects, carrying its key and check word.
 */
enum { HOMES = 4, VPH = 12, ROUNDS = 20000, READERS = 2, MIN_PASSES = 20000,
	MIN_OVERLAPS = 2000 };

struct mt {
	struct dps_ctab *t;
	struct ent stable[HOMES][2];
	struct ent vol[HOMES][VPH];
	uint32_t gen[HOMES];	/* atomic: odd while key i is out */
	uint32_t cur[HOMES];	/* which of stable[i] is in (writer only) */
	uint32_t done;		/* atomic: the writer finished */
	uint32_t started;	/* atomic: readers running */
	uint64_t passes;	/* atomic: readers' passes over the keys so far */
	uint64_t overlaps;	/* atomic: lookups a deletion overlapped */
	uint64_t misses, wrong, checked;	/* atomic: readers' findings */
};

static uint32_t
skey(uint32_t i)
{
	return 0x80000000u + i;
}

/* HOMES homes 29 slots apart; the bits above the table's mask differ
 * from key to key, so a probe passes other keys' slots on the tag alone,
 * without a version check. */
static uint32_t
mt_hash(uint32_t k)
{
	return (k % HOMES) * 29 | k << 8;
}

/* Rewrite entry @e as key @k, one word at a time (readers may look). */
static void
rekey(struct ent *e, uint32_t k)
{
	struct ent n;

	ent_set(&n, k);
	for (int w = 0; w < 4; w++)
		/* Relaxed: readers re-check the slot version. */
		__atomic_store_n(&e->key[w], n.key[w], __ATOMIC_RELAXED);
	/* Relaxed: as the key. */
	__atomic_store_n(&e->check, n.check, __ATOMIC_RELAXED);
}

/* One lookup of stable key @i: counts a miss or a wrong hit. */
static void
reader_one(struct mt *m, uint32_t i, uint64_t *miss, uint64_t *wrong,
	uint64_t *checked)
{
	struct dps_ctab_ticket tk;
	struct ent probe, *e;
	uint32_t g, check, seq;

	ent_set(&probe, skey(i));
	/* Acquire: pairs with the writer's release of an even generation. */
	g = __atomic_load_n(&m->gen[i], __ATOMIC_ACQUIRE);
	if (g & 1)
		return;
	/* Relaxed: only counts lookups that overlapped a deletion. */
	seq = __atomic_load_n(&m->t->seq, __ATOMIC_RELAXED);
	e = dps_ctab_find(m->t, mt_hash(skey(i)), probe.key, ent_key, ent_of, &tk);
	/* Relaxed: as above; the count the writer waits for. */
	if (__atomic_load_n(&m->t->seq, __ATOMIC_RELAXED) != seq)
		__atomic_fetch_add(&m->overlaps, 1, __ATOMIC_RELAXED);
	if (e != NULL) {
		/* Relaxed: confirmed by dps_ctab_still(). */
		check = __atomic_load_n(&e->check, __ATOMIC_RELAXED);
		if (dps_ctab_still(m->t, &tk)) {
			(*checked)++;
			if ((e != &m->stable[i][0] && e != &m->stable[i][1]) ||
					check != probe.check)
				(*wrong)++;
		}
		return;
	}
	/* Acquire fence: the lookup before the re-read; pairs with the
	 * writer's release fence after its odd store. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* Relaxed: ordered by the fence. */
	if (__atomic_load_n(&m->gen[i], __ATOMIC_RELAXED) == g)
		(*miss)++;
}

static void *
reader_main(void *arg)
{
	struct mt *m = arg;
	uint64_t miss = 0, wrong = 0, checked = 0;

	/* Relaxed: a count the writer waits for. */
	__atomic_fetch_add(&m->started, 1, __ATOMIC_RELAXED);
	/* Acquire: pairs with the writer's release of done. */
	while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < HOMES; i++)
			reader_one(m, i, &miss, &wrong, &checked);
		/* Relaxed: progress the writer waits for. */
		__atomic_fetch_add(&m->passes, 1, __ATOMIC_RELAXED);
	}
	/* Relaxed: read after the join. */
	__atomic_fetch_add(&m->misses, miss, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->wrong, wrong, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->checked, checked, __ATOMIC_RELAXED);
	return NULL;
}

/* Stable key @i out and back in, at the end of its cluster, in the
 * other of its two objects; the idle one is rewritten meanwhile. */
static void
stable_cycle(struct mt *m, uint32_t i, uint32_t junk)
{
	uint32_t h = mt_hash(skey(i)), g = m->gen[i];
	struct ent *out = &m->stable[i][m->cur[i]];

	/* Relaxed store and release fence: a reader that sees the deletion
	 * sees the odd generation (the reader's acquire fence). */
	__atomic_store_n(&m->gen[i], g + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	cr_assert_eq(dps_ctab_del(m->t, h, out->key), 0);
	m->cur[i] ^= 1;
	cr_assert_eq(put(m->t, h, &m->stable[i][m->cur[i]]), 0);
	/* Release: the put before the even generation. */
	__atomic_store_n(&m->gen[i], g + 2, __ATOMIC_RELEASE);
	rekey(out, junk);
	rekey(out, skey(i));
}

Test(ctab, readers_never_miss_nor_mistake, .timeout = 120)
{
	struct mt *m = calloc(1, sizeof(*m));
	pthread_t th[READERS];
	uint32_t next = 1;

	m->t = tab_new(HOMES * (VPH + 1));
	for (uint32_t i = 0; i < HOMES; i++) {
		ent_set(&m->stable[i][0], skey(i));
		ent_set(&m->stable[i][1], skey(i));
		for (uint32_t v = 0; v < VPH; v++) {
			ent_set(&m->vol[i][v], next * HOMES + i);
			cr_assert_eq(put(m->t, mt_hash(next++ * HOMES + i),
				&m->vol[i][v]), 0);
		}
		cr_assert_eq(put(m->t, mt_hash(skey(i)), &m->stable[i][0]), 0);
	}
	for (int r = 0; r < READERS; r++)
		cr_assert_eq(pthread_create(&th[r], NULL, reader_main, m), 0);
	/* Relaxed: a count; wait until the readers run. */
	while (__atomic_load_n(&m->started, __ATOMIC_RELAXED) < READERS)
		sched_yield();
	/* ROUNDS at least, and on until the readers, however starved on a
	 * busy machine, have made MIN_PASSES passes and MIN_OVERLAPS lookups
	 * that a deletion overlapped (the ones a missing check would fail). */
	for (uint32_t round = 0; round < ROUNDS ||
			/* Relaxed: progress counts. */
			__atomic_load_n(&m->passes, __ATOMIC_RELAXED) < MIN_PASSES ||
			__atomic_load_n(&m->overlaps, __ATOMIC_RELAXED) < MIN_OVERLAPS;
			round++) {
		uint32_t i = round % HOMES;

		stable_cycle(m, i, next * HOMES + i);
		/* The volatile entries now lie in front of the stable key:
		 * each deletion moves it back one slot. */
		for (uint32_t v = 0; v < VPH; v++)
			cr_assert_eq(dps_ctab_del(m->t, mt_hash(m->vol[i][v].key[0]),
				m->vol[i][v].key), 0);
		for (uint32_t v = 0; v < VPH; v++) {
			rekey(&m->vol[i][v], next * HOMES + i);
			cr_assert_eq(put(m->t, mt_hash(next++ * HOMES + i),
				&m->vol[i][v]), 0);
		}
	}
	/* Release: pairs with the readers' acquire of done. */
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	for (int r = 0; r < READERS; r++)
		cr_assert_eq(pthread_join(th[r], NULL), 0);
	cr_log_info("%lu confirmed hits, %lu lookups overlapped by a deletion",
		(unsigned long)m->checked, (unsigned long)m->overlaps);
	cr_assert_eq(m->misses, 0, "%lu lookups missed a present key",
		(unsigned long)m->misses);
	cr_assert_eq(m->wrong, 0, "%lu wrong entries", (unsigned long)m->wrong);
	cr_assert_gt(m->checked, 0);
	free(m->t);
	free(m);
}

/* ---- keys longer than the default (dps_ctab_set_key_len()) ---- */

/* An entry with a 40-byte key, as an IPv6 tuple is. */
struct ent6 {
	uint32_t key[DPS_CTAB_KEY_MAX / 4];
};

static struct ent6 reg6[64];

static const void *
ent6_key(const void *e)
{
	return ((const struct ent6 *)e)->key;
}

static void *
ent6_of(const void *ctx, uint32_t r)
{
	(void)ctx;
	return &reg6[r];
}

Test(ctab, key_len_range)
{
	struct dps_ctab *t = tab_new(8);

	cr_assert_eq(dps_ctab_set_key_len(t, 12), -EINVAL);
	cr_assert_eq(dps_ctab_set_key_len(t, 44), -EINVAL);
	cr_assert_eq(dps_ctab_set_key_len(t, 18), -EINVAL);
	cr_assert_eq(t->key_words, 4, "a refused length changes nothing");
	cr_assert_eq(dps_ctab_set_key_len(t, DPS_CTAB_KEY_MAX), 0);
	cr_assert_eq(t->key_words, 10);
	free(t);
}

/*
 * Keys that differ only in their last word, all with one hash: each is
 * its own entry to put, both lookups and delete. A table that compared
 * only the default four words would take the second for the first.
 */
Test(ctab, long_keys_differ_in_last_word)
{
	size_t sz = dps_ctab_memsize(32);
	struct dps_ctab *t = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	const uint32_t h = 0x12345678u, n = 16;
	struct dps_ctab_ticket tk;
	struct ent6 probe;

	cr_assert_not_null(t);
	dps_ctab_init(t, 32, ent6_key, ent6_of, NULL);
	cr_assert_eq(dps_ctab_set_key_len(t, DPS_CTAB_KEY_MAX), 0);
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t k = 0; k < 9; k++)
			reg6[i].key[k] = 0x20010db8u + k;
		reg6[i].key[9] = i;
		cr_assert_eq(dps_ctab_put_k(t, h, reg6[i].key, i), 0);
	}
	cr_assert_eq(dps_ctab_count(t), n);
	/* Replacing in place: the same key again is no new entry. */
	cr_assert_eq(dps_ctab_put_k(t, h, reg6[3].key, 3), 0);
	cr_assert_eq(dps_ctab_count(t), n);
	for (uint32_t i = 0; i < n; i++) {
		probe = reg6[i];
		cr_assert_eq(dps_ctab_find_own_k(t, h, probe.key, ent6_key, ent6_of, 10),
			&reg6[i]);
		cr_assert_eq(dps_ctab_find_k(t, h, probe.key, ent6_key, ent6_of, &tk, 10),
			&reg6[i]);
	}
	/* A key equal to all of them in the first nine words but the last. */
	probe.key[9] = n;
	cr_assert_null(dps_ctab_find_own_k(t, h, probe.key, ent6_key, ent6_of, 10));
	cr_assert_null(dps_ctab_find_k(t, h, probe.key, ent6_key, ent6_of, &tk, 10));
	cr_assert_eq(dps_ctab_del_k(t, h, probe.key), -ENOENT);
	/* Deleting one leaves every other. */
	cr_assert_eq(dps_ctab_del_k(t, h, reg6[5].key), 0);
	for (uint32_t i = 0; i < n; i++)
		cr_assert_eq(dps_ctab_find_own_k(t, h, reg6[i].key, ent6_key, ent6_of, 10),
			i == 5 ? NULL : &reg6[i]);
	cr_assert_eq(dps_ctab_count(t), n - 1);
	free(t);
}
