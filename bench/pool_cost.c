/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instructions per get and put pair of an object pool: lib/util/dps_pool
 * against rte_mempool with the drivers the socket pool could use. One
 * thread, the object put back at once (the common case: the free list's
 * top). bench/pool_cost.sh runs this under callgrind, counting only
 * inside run_pairs(), at two counts, and prints the difference over the
 * difference in pairs, so set-up cancels.
 *
 *   pool_cost [EAL args] -- MODE N
 *
 * MODE: dps, lf_stack, stack (rte_mempool, no cache, as on an
 * application thread), cache (rte_mempool, ring_mp_mc with a 32-object
 * cache, on the main lcore).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include "dps_pool.h"

#define OBJ_SIZE 872
#define OBJS 4096

static struct dps_pool *dp;
static struct rte_mempool *mp;

static void __attribute__((noinline))
run_pairs(unsigned long n)
{
	void *o;

	if (dp != NULL) {
		for (unsigned long i = 0; i < n; i++) {
			o = dps_pool_get(dp);
			dps_pool_put(dp, o);
		}
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		if (rte_mempool_get(mp, &o) == 0)
			rte_mempool_put(mp, o);
	}
}

static struct rte_mempool *
mempool(const char *ops, unsigned int cache)
{
	struct rte_mempool *m = rte_mempool_create_empty("pc", OBJS, OBJ_SIZE,
		cache, 0, SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_SPREAD);

	if (m == NULL || rte_mempool_set_ops_byname(m, ops, NULL) != 0 ||
			rte_mempool_populate_default(m) < 0)
		rte_exit(1, "mempool %s: %s\n", ops, rte_strerror(rte_errno));
	return m;
}

int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	const char *mode;

	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= n;
	argv += n;
	if (argc < 3)
		rte_exit(1, "usage: pool_cost [EAL] -- dps|lf_stack|stack|cache N\n");
	mode = argv[1];
	if (strcmp(mode, "dps") == 0)
		dp = dps_pool_create("pc", OBJ_SIZE, OBJS, 0);
	else if (strcmp(mode, "cache") == 0)
		mp = mempool("ring_mp_mc", 32);
	else
		mp = mempool(mode, 0);
	if (dp == NULL && mp == NULL)
		rte_exit(1, "no pool\n");
	run_pairs(strtoul(argv[2], NULL, 0));
	dps_pool_destroy(dp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
