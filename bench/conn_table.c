/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's cost, against the rte_hash it replaced: bytes
 * per entry and the time of a hit lookup (random order), an insert and a
 * delete, both tables filled to N entries.
 *
 *   conn_table [EAL args] -- [N]     (default 65536)
 *
 * dps_ctab is configured as lib/inet/dps_tcp_table.c uses it (capacity
 * N, CRC32-C of the 16-byte tuple, dps_tcp_hash()); rte_hash as the
 * stack used it before (16-byte tuple keys, lock-free read/write
 * concurrency, a QSBR defer queue for deleted key slots). Memory is the
 * growth of the EAL heap across the table's creation; the socket object
 * itself (struct dps_sock) is reported separately. Times are the fastest
 * of 5 runs, the least disturbed on a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include "dps_tcp_priv.h"

#define RUNS 5

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t used = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			used += st.heap_allocsz_bytes;
	return used;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Picoseconds per item since @t0 for @n items. */
static uint64_t
ps_since(uint64_t t0, uint32_t n)
{
	return (rte_rdtsc() - t0) * 1000000000ull / rte_get_tsc_hz() * 1000 / n;
}

static double
best_ns(uint64_t *runs)
{
	qsort(runs, RUNS, sizeof(runs[0]), cmp_u64);
	return (double)runs[0] / 1000.0;
}

/* The figures of one table. */
struct result {
	size_t bytes;
	double lookup_ns, insert_ns, delete_ns;
};

static void
print(const char *name, uint32_t n, const struct result *r)
{
	printf("%-9s entries %u: %zu bytes = %.1f bytes per entry; lookup (hit, "
		"random order) %.1f ns, insert %.1f ns, delete %.1f ns\n", name, n,
		r->bytes, (double)r->bytes / n, r->lookup_ns, r->insert_ns, r->delete_ns);
}

/* ---- rte_hash, as the stack had it ---- */

static int
rh_run(const struct dps_tuple *keys, uint32_t n, struct result *r)
{
	struct rte_hash_parameters hp = {
		.name = "bench_conns", .key_len = sizeof(struct dps_tuple),
		.hash_func = rte_hash_crc, .socket_id = 0, .entries = n,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = { .mode = RTE_HASH_QSBR_MODE_DQ };
	uint64_t look[RUNS], ins[RUNS], del[RUNS];
	size_t before = heap_used();
	struct rte_rcu_qsbr *v;
	struct rte_hash *h;
	void *data;

	v = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	rte_rcu_qsbr_init(v, 1);
	rte_rcu_qsbr_thread_register(v, 0);
	rte_rcu_qsbr_thread_online(v, 0);
	rc.v = v;
	h = rte_hash_create(&hp);
	if (h == NULL || rte_hash_rcu_qsbr_add(h, &rc) != 0)
		return -1;
	r->bytes = heap_used() - before;
	for (int k = 0; k < RUNS; k++) {
		uint64_t t0 = rte_rdtsc();

		for (uint32_t i = 0; i < n; i++)
			rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)&keys[i]);
		ins[k] = ps_since(t0, n);
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < n; i++)
			rte_hash_lookup_data(h, &keys[(i * 7919u) % n], &data);
		look[k] = ps_since(t0, n);
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < n; i++)
			rte_hash_del_key(h, &keys[i]);
		del[k] = ps_since(t0, n);
		rte_rcu_qsbr_quiescent(v, 0);
	}
	r->lookup_ns = best_ns(look);
	r->insert_ns = best_ns(ins);
	r->delete_ns = best_ns(del);
	rte_hash_free(h);
	rte_free(v);
	return 0;
}

/* ---- dps_ctab, as lib/inet/dps_tcp_table.c has it ---- */

static const void *
key_is_ent(const void *e)
{
	return e;
}

/* References are indices into the key array (the table's context). */
static void *
ent_is_key(const void *ctx, uint32_t ref)
{
	return (void *)((const struct dps_tuple *)ctx + ref);
}

/* The multipliers of the table's keyed hash (dps_tcp_hash()), random
 * as a stack's are. */
static struct dps_sockets hkey;

static int
ct_run(const struct dps_tuple *keys, uint32_t n, struct result *r)
{
	uint64_t look[RUNS], ins[RUNS], del[RUNS];
	size_t before = heap_used();
	struct dps_ctab *t;

	t = rte_malloc(NULL, dps_ctab_memsize(n), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -1;
	dps_ctab_init(t, n, key_is_ent, ent_is_key, keys);
	r->bytes = heap_used() - before;
	for (int k = 0; k < RUNS; k++) {
		uint64_t t0 = rte_rdtsc();

		for (uint32_t i = 0; i < n; i++)
			dps_ctab_put(t, dps_tcp_hash(&hkey, &keys[i]), &keys[i], i);
		ins[k] = ps_since(t0, n);
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < n; i++) {
			const struct dps_tuple *q = &keys[(i * 7919u) % n];

			(void)dps_ctab_find_own(t, dps_tcp_hash(&hkey, q), q, key_is_ent,
				ent_is_key);
		}
		look[k] = ps_since(t0, n);
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < n; i++)
			dps_ctab_del(t, dps_tcp_hash(&hkey, &keys[i]), &keys[i]);
		del[k] = ps_since(t0, n);
	}
	r->lookup_ns = best_ns(look);
	r->insert_ns = best_ns(ins);
	r->delete_ns = best_ns(del);
	rte_free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	int n_eal = rte_eal_init(argc, argv);
	struct result rh, ct;
	struct dps_tuple *keys;
	uint32_t n = 65536;

	if (n_eal < 0)
		return 2;
	if (argc - n_eal > 1)
		n = (uint32_t)strtoul(argv[n_eal + 1], NULL, 10);
	keys = calloc(n, sizeof(*keys));
	for (unsigned int i = 0; i < RTE_DIM(hkey.tab_key); i++)
		hkey.tab_key[i] = rte_rand();
	for (uint32_t i = 0; i < n; i++) {
		keys[i].laddr = 0x0200a8c6;
		keys[i].raddr = (uint32_t)rte_rand();
		keys[i].lport = (uint16_t)i;
		keys[i].rport = 80;
		keys[i].proto = 6;
	}
	if (ct_run(keys, n, &ct) != 0 || rh_run(keys, n, &rh) != 0) {
		fprintf(stderr, "conn_table: cannot create a table of %u\n", n);
		return 1;
	}
	print("dps_ctab", n, &ct);
	print("rte_hash", n, &rh);
	printf("struct dps_sock %zu bytes\n", sizeof(struct dps_sock));
	free(keys);
	return 0;
}
