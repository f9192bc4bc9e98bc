/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include "dps_port.h"
#include "dps_stack.h"	/* enum dps_tso_mode */

/* 0x6d5a repeated makes Toeplitz symmetric in (src, dst) swaps. */
const uint8_t dps_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

#define WANT_RX_OFFLOADS (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
	RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define WANT_TX_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
	RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
	RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define WANT_TSO (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
	RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

/* Per port: transmit offloads done above the device (dps_port_set_soft_tx()).
 * Written and read by the thread that sets ports up. */
static uint64_t port_soft_tx[RTE_MAX_ETHPORTS];

void
dps_port_set_soft_tx(uint16_t port_id, uint64_t offloads)
{
	if (port_id < RTE_MAX_ETHPORTS)
		port_soft_tx[port_id] = offloads;
}

/* Fail with a line naming the port, its driver and what is missing. */
static int
port_err(char *err, size_t errlen, const struct dps_port_info *info,
	uint16_t port, int rc, const char *what)
{
	snprintf(err, errlen, "port %u (%s, %s): %s", port, info->name,
		info->driver, what);
	return rc;
}

/*
 * Check the device can give one queue pair per lcore, and RSS to spread
 * flows when there is more than one queue.
 */
static int
port_check_caps(const struct dps_port_setup *ps,
	const struct rte_eth_dev_info *di, struct dps_port_info *info,
	char *err, size_t errlen)
{
	char msg[160];

	if (di->max_rx_queues < ps->nb_queues || di->max_tx_queues < ps->nb_queues) {
		snprintf(msg, sizeof(msg),
			"%u lcores need %u rx/tx queues, device has %u/%u",
			ps->nb_queues, ps->nb_queues, di->max_rx_queues,
			di->max_tx_queues);
		return port_err(err, errlen, info, ps->port_id, -ENOTSUP, msg);
	}
	if (ps->nb_queues > 1 && (di->flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)) == 0) {
		snprintf(msg, sizeof(msg),
			"%u lcores need RSS over IP/TCP/UDP, device offers none",
			ps->nb_queues);
		return port_err(err, errlen, info, ps->port_id, -ENOTSUP, msg);
	}
	if (ps->mtu != 0 && (ps->mtu < di->min_mtu || ps->mtu > di->max_mtu)) {
		snprintf(msg, sizeof(msg), "MTU %u outside device range %u-%u",
			ps->mtu, di->min_mtu, di->max_mtu);
		return port_err(err, errlen, info, ps->port_id, -EINVAL, msg);
	}
	return 0;
}

/*
 * net_tap's TSO (DPDK 22.11) is software: it cuts frames with librte_gso
 * in the sending thread, then checksums and writes every piece anyway
 * (bench/tso_tap.sh: 0.8 times the throughput of letting the stack
 * segment). And it refuses a frame (an error: the frame is lost) when a
 * piece *with its Ethernet header* exceeds the MTU, which every full-sized
 * piece does, while it cannot raise its MTU by those 14 bytes (1522-byte
 * frames at most).
 */
static bool
port_tso_is_tap(const char *driver)
{
	return strcmp(driver, "net_tap") == 0;
}

/* TSO where offered and asked for; DPS_TSO_AUTO leaves net_tap's off. */
static bool
port_want_tso(const struct dps_port_setup *ps, const struct rte_eth_dev_info *di)
{
	if ((di->tx_offload_capa & WANT_TSO) != WANT_TSO || ps->tso == DPS_TSO_OFF)
		return false;
	return ps->tso == DPS_TSO_ON || !port_tso_is_tap(di->driver_name);
}

/* Port configuration: offloads where offered, RSS with our key. */
static void
port_fill_conf(const struct dps_port_setup *ps,
	const struct rte_eth_dev_info *di, struct rte_eth_conf *conf,
	struct dps_port_info *info)
{
	memset(conf, 0, sizeof(*conf));
	if (!ps->no_offload) {
		conf->rxmode.offloads = di->rx_offload_capa & WANT_RX_OFFLOADS;
		conf->txmode.offloads = di->tx_offload_capa & WANT_TX_OFFLOADS;
		/* TSO needs the device to fill each piece's IPv4 and TCP
		 * checksums and to take the frame as an mbuf chain. */
		if (port_want_tso(ps, di))
			conf->txmode.offloads |= WANT_TSO;
	} else {
		conf->txmode.offloads = di->tx_offload_capa &
			RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	if (ps->nb_queues > 1) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		if (di->hash_key_size == sizeof(dps_rss_key)) {
			conf->rx_adv_conf.rss_conf.rss_key = (uint8_t *)dps_rss_key;
			conf->rx_adv_conf.rss_conf.rss_key_len = sizeof(dps_rss_key);
		}
		info->rss = true;
	}
	info->rx_offloads = conf->rxmode.offloads;
	info->tx_offloads = conf->txmode.offloads;
	info->tx_seg_max = di->tx_desc_lim.nb_seg_max;
}

static int
port_setup_queues(const struct dps_port_setup *ps,
	const struct rte_eth_dev_info *di, const struct rte_eth_conf *conf,
	struct dps_port_info *info, char *err, size_t errlen)
{
	int sock = rte_eth_dev_socket_id(ps->port_id);
	struct rte_eth_rxconf rxc = di->default_rxconf;
	struct rte_eth_txconf txc = di->default_txconf;
	uint16_t nb_rxd = ps->nb_rxd, nb_txd = ps->nb_txd;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(ps->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return port_err(err, errlen, info, ps->port_id, rc,
			"cannot adjust descriptor counts");
	rxc.offloads = conf->rxmode.offloads;
	txc.offloads = conf->txmode.offloads;
	for (uint16_t q = 0; q < ps->nb_queues; q++) {
		int qsock = sock == SOCKET_ID_ANY ? ps->pools[q]->socket_id : sock;

		rc = rte_eth_rx_queue_setup(ps->port_id, q, nb_rxd, qsock, &rxc,
			ps->pools[q]);
		if (rc != 0)
			return port_err(err, errlen, info, ps->port_id, rc,
				"rx queue setup failed");
		rc = rte_eth_tx_queue_setup(ps->port_id, q, nb_txd, qsock, &txc);
		if (rc != 0)
			return port_err(err, errlen, info, ps->port_id, rc,
				"tx queue setup failed");
	}
	return 0;
}

/* Poll the link every 10 ms until it is up or @ms pass, saying so
 * once when it is not up at once. */
static void
port_wait_link(uint16_t port, uint32_t ms, struct dps_port_info *info)
{
	struct rte_eth_link link;

	for (uint32_t waited = 0;; waited += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
				link.link_status == RTE_ETH_LINK_UP)
			break;
		if (waited >= ms)
			break;
		if (waited == 0)
			DPS_LOG(NOTICE, "waiting for the link on port %u (%s)...",
				port, info->name);
		rte_delay_ms(10);
	}
	info->link_up = link.link_status == RTE_ETH_LINK_UP;
	info->link_speed = link.link_speed;
}

/* With net_tap's TSO on, the stack keeps its packets an Ethernet header
 * under the MTU (port_tso_is_tap()). */
static uint16_t
port_mtu_reserve(const struct dps_port_info *info)
{
	return (info->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		port_tso_is_tap(info->driver) ? RTE_ETHER_HDR_LEN : 0;
}

/* net_tap's TSO is librte_gso's, which in DPDK 22.11 cuts IPv4 TCP
 * frames only: an IPv6 one would go out whole, larger than the MTU. */
static bool
port_tso_v4_only(const struct dps_port_info *info)
{
	return (info->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		port_tso_is_tap(info->driver);
}

static int
port_set_mtu(const struct dps_port_setup *ps)
{
	uint16_t cur = 0;

	if (ps->mtu == 0 || rte_eth_dev_set_mtu(ps->port_id, ps->mtu) == 0)
		return 0;
	/* Some virtual devices cannot change MTU; accept if it already fits. */
	if (rte_eth_dev_get_mtu(ps->port_id, &cur) != 0 || cur < ps->mtu)
		return -ENOTSUP;
	return 0;
}

int
dps_port_start(const struct dps_port_setup *ps, struct dps_port_info *info,
	char *err, size_t errlen)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	int rc;

	memset(info, 0, sizeof(*info));
	if (!rte_eth_dev_is_valid_port(ps->port_id)) {
		snprintf(err, errlen, "port %u: no such ethdev", ps->port_id);
		return -ENODEV;
	}
	rte_eth_dev_get_name_by_port(ps->port_id, info->name);
	rc = rte_eth_dev_info_get(ps->port_id, &di);
	if (rc != 0)
		return port_err(err, errlen, info, ps->port_id, rc, "no device info");
	snprintf(info->driver, sizeof(info->driver), "%s", di.driver_name);
	rc = port_check_caps(ps, &di, info, err, errlen);
	if (rc != 0)
		return rc;
	/* Offloads done above the device count as offered and are enabled
	 * in info->tx_offloads, but the device is not asked for them. */
	di.tx_offload_capa |= port_soft_tx[ps->port_id];
	port_fill_conf(ps, &di, &conf, info);
	conf.txmode.offloads &= ~port_soft_tx[ps->port_id];
	rc = rte_eth_dev_configure(ps->port_id, ps->nb_queues, ps->nb_queues, &conf);
	if (rc != 0)
		return port_err(err, errlen, info, ps->port_id, rc,
			"rte_eth_dev_configure failed");
	info->mtu_reserve = port_mtu_reserve(info);
	info->tso_v4_only = port_tso_v4_only(info);
	rc = port_set_mtu(ps);
	if (rc != 0)
		return port_err(err, errlen, info, ps->port_id, rc, "cannot set the MTU");
	rc = port_setup_queues(ps, &di, &conf, info, err, errlen);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_start(ps->port_id);
	if (rc != 0)
		return port_err(err, errlen, info, ps->port_id, rc,
			"rte_eth_dev_start failed");
	if (ps->promiscuous)
		rte_eth_promiscuous_enable(ps->port_id);
	rte_eth_macaddr_get(ps->port_id, &info->mac);
	port_wait_link(ps->port_id, ps->link_wait_ms, info);
	return 0;
}

void
dps_port_stop(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
}
