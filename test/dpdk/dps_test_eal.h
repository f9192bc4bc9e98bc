/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TEST_EAL_H
#define DPS_TEST_EAL_H

/*
 * EAL bring-up for the dpdk suite. Criterion runs every test in its own
 * forked process, so each test initialises its own EAL: no hugepages,
 * no PCI, no shared config, a file prefix unique to the process.
 * Extra arguments (e.g. "--vdev=...") are appended.
 */

#include <rte_mempool.h>

/* rte_eal_init() with the suite's arguments; aborts the test on failure. */
void dps_test_eal_init(const char *const *extra, int n_extra);

/* A pktmbuf pool for a test (aborts the test on failure). */
struct rte_mempool *dps_test_pool(const char *name, unsigned int n);

/* Configure and start @port with one rx/tx queue pair fed from @mp, as a
 * raw peer the test drives with rte_eth_rx/tx_burst (aborts on failure). */
void dps_test_port_start(uint16_t port, struct rte_mempool *mp);

/* Number of mbufs currently taken out of @mp (for leak checks). */
unsigned int dps_test_pool_in_use(const struct rte_mempool *mp);

#endif
