/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the growing pool (lib/util/dps_pool.c): growth a chunk
 * at a time, exhaustion at the maximum, the counters, LIFO reuse, objects
 * that keep their bytes, and get/put from several threads with nothing
 * lost or handed out twice. No EAL.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dps_pool.h"

/* An odd size (after rounding to 8: 72 = 8 x 9), so that the index
 * conversion multiplies by a real inverse. */
#define ELT 70

Test(pool, create_reserves_only)
{
	struct dps_pool *p = dps_pool_create("t", ELT, 10000000, 0);
	struct dps_pool_stats st;

	cr_assert_not_null(p);
	dps_pool_stats(p, &st);
	cr_assert_eq(st.elt_size, 72);
	cr_assert_eq(st.max, 10000000);
	cr_assert_eq(st.populated, 0);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.bytes_populated, 0);
	cr_assert_geq(st.bytes_reserved, 10000000ull * 76);
	cr_assert_eq(st.chunk, 65536 / 72);
	dps_pool_destroy(p);
}

Test(pool, bad_sizes)
{
	cr_assert_null(dps_pool_create("t", 0, 10, 1));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(dps_pool_create("t", 8, 0, 1));
	cr_assert_null(dps_pool_create("t", 8, DPS_POOL_NONE, 1));
}

/* Growth in steps of the chunk, lowest address first, zeroed objects;
 * at the maximum, NULL with ENOBUFS and the counters unchanged. */
Test(pool, grows_by_chunk_then_exhausts)
{
	struct dps_pool *p = dps_pool_create("t", ELT, 10, 4);
	struct dps_pool_stats st;
	void *o[10];

	cr_assert_not_null(p);
	for (int i = 0; i < 10; i++) {
		o[i] = dps_pool_get(p);
		cr_assert_not_null(o[i]);
		cr_assert_eq(dps_pool_index(p, o[i]), (uint32_t)i);
		cr_assert_eq(dps_pool_at(p, (uint32_t)i), o[i]);
		cr_assert(dps_pool_owns(p, o[i]));
		for (int b = 0; b < ELT; b++)
			cr_assert_eq(((unsigned char *)o[i])[b], 0);
		memset(o[i], 0xa5, ELT);
		dps_pool_stats(p, &st);
		cr_assert_eq(st.populated, (uint32_t)(i / 4 + 1) * 4 > 10 ? 10 :
			(uint32_t)(i / 4 + 1) * 4, "after %d gets: %u", i + 1, st.populated);
		cr_assert_eq(st.in_use, (uint32_t)i + 1);
		cr_assert_eq(st.grows, (uint32_t)i / 4 + 1);
		cr_assert_eq(st.bytes_populated, (uint64_t)st.populated * (72 + 4));
	}
	errno = 0;
	cr_assert_null(dps_pool_get(p));
	cr_assert_eq(errno, ENOBUFS);
	dps_pool_stats(p, &st);
	cr_assert_eq(st.populated, 10);
	cr_assert_eq(st.in_use, 10);
	cr_assert_eq(st.grows, 3);
	cr_assert_not(dps_pool_owns(p, (char *)o[0] + 8));
	/* One back: it comes out again, and the pool does not grow. */
	dps_pool_put(p, o[3]);
	cr_assert_eq(dps_pool_in_use(p), 9);
	cr_assert_eq(dps_pool_get(p), o[3]);
	cr_assert_null(dps_pool_get(p));
	for (int i = 0; i < 10; i++)
		dps_pool_put(p, o[i]);
	dps_pool_stats(p, &st);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.populated, 10);
	dps_pool_destroy(p);
}

/* The most recently freed first; a freed object keeps its bytes (the
 * free list lives outside it); nothing grows while objects are free. */
Test(pool, lifo_and_untouched)
{
	struct dps_pool *p = dps_pool_create("t", ELT, 1000, 16);
	void *o[8];

	cr_assert_not_null(p);
	for (int i = 0; i < 8; i++) {
		o[i] = dps_pool_get(p);
		memset(o[i], i + 1, ELT);
	}
	dps_pool_put(p, o[2]);
	dps_pool_put(p, o[5]);
	dps_pool_put(p, o[1]);
	for (int b = 0; b < ELT; b++) {
		cr_assert_eq(((unsigned char *)o[1])[b], 2);
		cr_assert_eq(((unsigned char *)o[5])[b], 6);
	}
	cr_assert_eq(dps_pool_get(p), o[1]);
	cr_assert_eq(dps_pool_get(p), o[5]);
	cr_assert_eq(dps_pool_get(p), o[2]);
	/* The chunk's remaining 8, then a new chunk. */
	for (int i = 8; i < 16; i++)
		cr_assert_eq(dps_pool_index(p, dps_pool_get(p)), (uint32_t)i);
	cr_assert_eq(dps_pool_index(p, dps_pool_get(p)), 16u);
	/* Short lives in a loop reuse one object: no growth. */
	for (int i = 0; i < 10000; i++) {
		void *x = dps_pool_get(p);

		cr_assert_eq(dps_pool_index(p, x), 17u);
		dps_pool_put(p, x);
	}
	{
		struct dps_pool_stats st;

		dps_pool_stats(p, &st);
		cr_assert_eq(st.populated, 32);
		cr_assert_eq(st.in_use, 17);
	}
	dps_pool_destroy(p);
}

static void
count_obj(void *obj, uint32_t idx, void *arg)
{
	uint32_t *n = arg;

	cr_assert_eq(((unsigned char *)obj)[0], idx < 5 ? 7 : 0);
	(*n)++;
}

Test(pool, iter_visits_populated)
{
	struct dps_pool *p = dps_pool_create("t", 64, 100, 8);
	uint32_t n = 0;

	for (int i = 0; i < 5; i++)
		memset(dps_pool_get(p), 7, 64);
	dps_pool_put(p, dps_pool_at(p, 2));
	cr_assert_eq(dps_pool_iter(p, count_obj, &n), 8);
	cr_assert_eq(n, 8);
	dps_pool_destroy(p);
}

/* Index arithmetic for sizes with many factors of two and none. */
Test(pool, index_of_any_size)
{
	static const size_t sizes[] = { 8, 24, 64, 72, 872, 960, 4096, 4104 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct dps_pool *p = dps_pool_create("t", sizes[k], 3000, 0);

		for (uint32_t i = 0; i < 3000; i++) {
			void *o = dps_pool_get(p);

			cr_assert_not_null(o);
			cr_assert_eq(dps_pool_index(p, o), i, "size %zu", sizes[k]);
		}
		cr_assert_null(dps_pool_get(p));
		dps_pool_destroy(p);
	}
}

/* Several threads get and put at once, through growth and exhaustion:
 * each object held by one thread at a time (its owner word), none lost. */
#define THREADS 4
#define ROUNDS 200000
#define HOLD 64

struct mt {
	struct dps_pool *p;
	unsigned int id;
	unsigned int nulls;
};

static void *
mt_run(void *arg)
{
	struct mt *m = arg;
	uint32_t *held[HOLD] = { 0 };
	uint32_t seed = m->id * 2654435761u + 1;

	for (int r = 0; r < ROUNDS; r++) {
		unsigned int k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % HOLD;
		if (held[k] != NULL) {
			cr_assert_eq(__atomic_load_n(held[k], __ATOMIC_RELAXED), m->id + 1);
			__atomic_store_n(held[k], 0, __ATOMIC_RELAXED);
			dps_pool_put(m->p, held[k]);
			held[k] = NULL;
			continue;
		}
		held[k] = dps_pool_get(m->p);
		if (held[k] == NULL) {
			m->nulls++;
			continue;
		}
		/* No other holder: the word is 0 while the object is free. */
		cr_assert_eq(__atomic_exchange_n(held[k], m->id + 1, __ATOMIC_RELAXED), 0,
			"object handed out twice");
	}
	for (int k = 0; k < HOLD; k++)
		if (held[k] != NULL) {
			__atomic_store_n(held[k], 0, __ATOMIC_RELAXED);
			dps_pool_put(m->p, held[k]);
		}
	return NULL;
}

Test(pool, threads_lose_nothing)
{
	/* Fewer objects than one thread holds on average (HOLD / 2): the
	 * pool runs out even when the scheduler of a busy machine runs the
	 * threads one after another, so growth to the maximum and exhaustion
	 * happen on every run, not only when the threads overlap. */
	struct dps_pool *p = dps_pool_create("t", 24, HOLD * 3 / 8, 5);
	unsigned int nulls = 0;
	pthread_t th[THREADS];
	struct mt m[THREADS];
	struct dps_pool_stats st;
	void *all[THREADS * HOLD];
	unsigned int n = 0;

	cr_assert_not_null(p);
	for (unsigned int i = 0; i < THREADS; i++) {
		m[i] = (struct mt){ .p = p, .id = i };
		cr_assert_eq(pthread_create(&th[i], NULL, mt_run, &m[i]), 0);
	}
	for (unsigned int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		nulls += m[i].nulls;
	}
	cr_assert_gt(nulls, 0, "the pool never ran out");
	dps_pool_stats(p, &st);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.populated, st.max, "%u of %u", st.populated, st.max);
	/* Every object is on the free list exactly once. */
	while ((all[n] = dps_pool_get(p)) != NULL)
		n++;
	cr_assert_eq(n, st.max);
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			cr_assert_neq(all[i], all[j]);
	dps_pool_destroy(p);
}

/* Few objects, many threads taking and giving back at once: the top of
 * the free list changes hands constantly, the case a pop that read a
 * stale link (ABA) would corrupt, handing one object to two threads. */
#define ABA_THREADS 4
#define ABA_ROUNDS 1000000

static void *
aba_run(void *arg)
{
	struct mt *m = arg;

	for (int r = 0; r < ABA_ROUNDS; r++) {
		uint32_t *a = dps_pool_get(m->p), *b = dps_pool_get(m->p);

		if (a != NULL)
			cr_assert_eq(__atomic_exchange_n(a, m->id + 1, __ATOMIC_RELAXED), 0,
				"object handed out twice");
		if (b != NULL)
			cr_assert_eq(__atomic_exchange_n(b, m->id + 1, __ATOMIC_RELAXED), 0,
				"object handed out twice");
		if (a != NULL) {
			__atomic_store_n(a, 0, __ATOMIC_RELAXED);
			dps_pool_put(m->p, a);
		}
		if (b != NULL) {
			__atomic_store_n(b, 0, __ATOMIC_RELAXED);
			dps_pool_put(m->p, b);
		}
	}
	return NULL;
}

Test(pool, threads_on_few_objects, .timeout = 60)
{
	struct dps_pool *p = dps_pool_create("t", 8, 5, 5);
	pthread_t th[ABA_THREADS];
	struct mt m[ABA_THREADS];
	void *all[5];
	unsigned int n = 0;

	cr_assert_not_null(p);
	for (unsigned int i = 0; i < ABA_THREADS; i++) {
		m[i] = (struct mt){ .p = p, .id = i };
		cr_assert_eq(pthread_create(&th[i], NULL, aba_run, &m[i]), 0);
	}
	for (unsigned int i = 0; i < ABA_THREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(dps_pool_in_use(p), 0);
	while (n < 5 && (all[n] = dps_pool_get(p)) != NULL)
		n++;
	cr_assert_eq(n, 5);
	cr_assert_null(dps_pool_get(p));
	dps_pool_destroy(p);
}

/* Mappings of this process that overlap [@lo, @hi): the pool's own,
 * whatever else the process (or a sanitizer's allocator) maps. */
static unsigned int
maps_count(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long a, b;
	unsigned int n = 0;
	char line[512];

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && lo < b)
			n++;
	fclose(f);
	return n;
}

/* Each step mprotect()s the pages after the last: the kernel must merge
 * them into one mapping, or ten million sockets in small steps would
 * run into vm.max_map_count (65,530) and the pool would stop growing. */
Test(pool, steps_merge_into_one_mapping)
{
	struct dps_pool *p = dps_pool_create("t", 960, 1000000, 16);
	uintptr_t lo, hi;
	unsigned int n;
	bool ok = true;

	cr_assert_not_null(p);
	lo = (uintptr_t)dps_pool_at(p, 0);
	hi = (uintptr_t)dps_pool_at(p, 999999) + 960;
	cr_assert_eq(maps_count(lo, hi), 1, "one reserved mapping at first");
	for (int i = 0; i < 20000 && ok; i++)
		ok = dps_pool_get(p) != NULL;
	/* The objects' mapping splits in two (used, reserved) and no more,
	 * however many steps it took. */
	n = maps_count(lo, hi);
	dps_pool_destroy(p);
	cr_assert(ok, "the pool ran dry");
	cr_assert_leq(n, 2, "%u mappings over the pool's objects", n);
}

/* The VmFlags line of the mapping holding @a in /proc/self/smaps. */
static void
vm_flags_of(const void *a, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;

	cr_assert_not_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)a >= lo && (uintptr_t)a < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, len, "%s", line);
			break;
		}
	}
	fclose(f);
}

/* A pool that may exceed 16 MB sits on 2 MB-aligned memory advised for
 * transparent huge pages ("hg" in VmFlags) and commits whole 2 MB steps:
 * the last byte of the first step is writable after one get. A small
 * pool gets neither. */
Test(pool, large_pool_on_huge_page_steps)
{
	struct dps_pool *big = dps_pool_create("big", 512, 1000000, 0);
	struct dps_pool *small = dps_pool_create("small", 512, 1000, 0);
	char flags[512];
	char *o;

	cr_assert_not_null(big);
	cr_assert_not_null(small);
	o = dps_pool_get(big);
	cr_assert_not_null(o);
	cr_assert_eq((uintptr_t)dps_pool_at(big, 0) % (2u << 20), 0);
	((volatile char *)dps_pool_at(big, 0))[(2u << 20) - 1] = 1;
	vm_flags_of(o, flags, sizeof(flags));
	cr_assert(strstr(flags, " hg") != NULL, "big pool: %s", flags);
	o = dps_pool_get(small);
	cr_assert_not_null(o);
	vm_flags_of(o, flags, sizeof(flags));
	cr_assert(strstr(flags, " hg") == NULL, "small pool: %s", flags);
	dps_pool_destroy(big);
	dps_pool_destroy(small);
}
