/* SPDX-License-Identifier: BSD-3-Clause */
#include "dps_numa.h"

/*
 * The node a thread should allocate on: the node of the CPU it runs on,
 * or 0 when libnuma is unavailable. @node_of_cpu is libnuma's
 * numa_node_of_cpu in production, a fake in tests.
 */
int
dps_numa_pick_node(int cpu, int (*node_of_cpu)(int cpu), bool numa_ok)
{
	int node;

	if (!numa_ok || cpu < 0)
		return 0;
	node = node_of_cpu(cpu);
	return node < 0 ? 0 : node;
}
