/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_NUMA_H
#define DPS_NUMA_H

#include <stdbool.h>

/* NUMA node for memory used by the thread on @cpu (see dps_thread.c). */
int dps_numa_pick_node(int cpu, int (*node_of_cpu)(int cpu), bool numa_ok);

/* Node of the calling thread's current CPU. */
int dps_numa_current_node(void);

#endif
