/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's cost: bytes per entry and lookup time for the
 * configuration lib/sock uses (rte_hash, 16-byte tuple keys, lock-free
 * read/write concurrency, QSBR defer queue), filled to N entries.
 *
 *   conn_table [EAL args] -- [N]     (default 65536)
 *
 * Memory is the growth of the EAL heap across rte_hash_create(); the
 * socket object itself (struct dps_sock) is reported separately.
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
#include "dps_inet.h"

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

int
main(int argc, char **argv)
{
	int n_eal = rte_eal_init(argc, argv);
	uint32_t n = 65536;
	struct rte_hash_parameters hp = {
		.name = "bench_conns", .key_len = sizeof(struct dps_tuple),
		.hash_func = rte_hash_crc, .socket_id = 0,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_rcu_qsbr *v;
	struct rte_hash_rcu_config rc = { .mode = RTE_HASH_QSBR_MODE_DQ };
	struct dps_tuple *keys;
	uint64_t runs[5];
	size_t before, after;
	struct rte_hash *h;
	void *data;

	if (n_eal < 0)
		return 2;
	if (argc - n_eal > 1)
		n = (uint32_t)strtoul(argv[n_eal + 1], NULL, 10);
	hp.entries = n;
	v = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	rte_rcu_qsbr_init(v, 1);
	rc.v = v;
	before = heap_used();
	h = rte_hash_create(&hp);
	if (h == NULL || rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		fprintf(stderr, "conn_table: cannot create a table of %u\n", n);
		return 1;
	}
	after = heap_used();
	keys = calloc(n, sizeof(*keys));
	for (uint32_t i = 0; i < n; i++) {
		keys[i].laddr = 0x0200a8c6;
		keys[i].raddr = (uint32_t)rte_rand();
		keys[i].lport = (uint16_t)i;
		keys[i].rport = 80;
		keys[i].proto = 6;
		rte_hash_add_key_data(h, &keys[i], &keys[i]);
	}
	for (int r = 0; r < 5; r++) {
		uint64_t t0 = rte_rdtsc();

		for (uint32_t i = 0; i < n; i++)
			rte_hash_lookup_data(h, &keys[(i * 7919u) % n], &data);
		runs[r] = (rte_rdtsc() - t0) * 1000000000ull / rte_get_tsc_hz() * 1000 / n;
	}
	qsort(runs, 5, sizeof(runs[0]), cmp_u64);
	printf("entries %u: table %zu bytes = %.1f bytes per entry; "
		"struct dps_sock %zu bytes\n", n, after - before,
		(double)(after - before) / n, sizeof(struct dps_sock));
	printf("lookup (hit, random order): median of 5 runs %.1f ns\n",
		(double)runs[2] / 1000.0);
	rte_hash_free(h);
	free(keys);
	return 0;
}
