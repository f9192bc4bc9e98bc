/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_NUMA_H
#define DPS_NUMA_H

#include <stdbool.h>

/* NUMA node for memory used by the thread on @cpu (dps_numa.c). */
int dps_numa_pick_node(int cpu, int (*node_of_cpu)(int cpu), bool numa_ok);

#endif
