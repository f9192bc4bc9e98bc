/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include "dps_test_eal.h"

void
dps_test_eal_init(const char *const *extra, int n_extra)
{
	char prefix[64];
	char *argv[32];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpstest%d", getpid());
	argv[argc++] = (char *)"dpstest";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=lib.eal:error";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	argv[argc++] = prefix;
	for (int i = 0; i < n_extra && argc < 31; i++)
		argv[argc++] = (char *)extra[i];
	argv[argc] = NULL;
	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init: %s",
		rte_strerror(rte_errno));
}

struct rte_mempool *
dps_test_pool(const char *name, unsigned int n)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());

	cr_assert_not_null(mp, "mempool %s: %s", name, rte_strerror(rte_errno));
	return mp;
}

unsigned int
dps_test_pool_in_use(const struct rte_mempool *mp)
{
	return rte_mempool_in_use_count(mp);
}

void
dps_test_port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int socket = (int)rte_socket_id();

	memset(&conf, 0, sizeof(conf));
	cr_assert_eq(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	cr_assert_eq(rte_eth_rx_queue_setup(port, 0, 1024, socket, NULL, mp), 0);
	cr_assert_eq(rte_eth_tx_queue_setup(port, 0, 1024, socket, NULL), 0);
	cr_assert_eq(rte_eth_dev_start(port), 0);
}
