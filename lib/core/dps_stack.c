/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_cycles.h>
#include <rte_random.h>
#include "dps_stack_priv.h"
#include "dps_port.h"

#define DEFAULT_NB_MBUFS 8191
#define DEFAULT_DESC 1024
#define DEFAULT_LINK_WAIT_MS 3000
#define DEFAULT_REQ_RING 4096
#define DEFAULT_TX_BACKLOG 4096

RTE_LOG_REGISTER(dps_logtype, dpstack, INFO);

int
dps_log_type(void)
{
	return dps_logtype;
}

static const char *
stack_name(const struct dps_stack *s)
{
	return s->conf.name != NULL ? s->conf.name : "dps";
}

/* Fill defaults and check the lcore list. */
static int
stack_conf_check(struct dps_stack_conf *c)
{
	if (c->n_lcores == 0) {
		c->lcores[0] = rte_lcore_id();
		c->n_lcores = 1;
	}
	if (c->n_lcores > DPS_MAX_LCORES)
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_lcores; i++) {
		if (c->lcores[i] >= RTE_MAX_LCORE)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (c->lcores[j] == c->lcores[i])
				return -EINVAL;
	}
	if (c->nb_mbufs == 0)
		c->nb_mbufs = DEFAULT_NB_MBUFS;
	if (c->nb_rxd == 0)
		c->nb_rxd = DEFAULT_DESC;
	if (c->nb_txd == 0)
		c->nb_txd = DEFAULT_DESC;
	if (c->link_wait_ms == 0)
		c->link_wait_ms = DEFAULT_LINK_WAIT_MS;
	if (c->request_ring_size == 0)
		c->request_ring_size = DEFAULT_REQ_RING;
	if (c->tx_backlog == 0)
		c->tx_backlog = DEFAULT_TX_BACKLOG;
	if (c->auto_flowlabels == DPS_FLOWLABEL_DEFAULT)
		c->auto_flowlabels = DPS_FLOWLABEL_OPTOUT;	/* Linux's 1 */
	if (c->auto_flowlabels > DPS_FLOWLABEL_FORCED)
		return -EINVAL;
	return 0;
}

/*
 * The lcore context lives on the lcore's own NUMA socket, as does its
 * request ring (the lcore is the ring's only consumer).
 */
static struct dps_lcore *
lcore_alloc(struct dps_stack *s, unsigned int idx)
{
	unsigned int lcore_id = s->conf.lcores[idx];
	int sock = (int)rte_lcore_to_socket_id(lcore_id);
	char name[RTE_RING_NAMESIZE];
	struct dps_lcore *lc;

	lc = rte_zmalloc_socket("dps_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, sock);
	if (lc == NULL)
		lc = rte_zmalloc("dps_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE);
	if (lc == NULL)
		return NULL;
	lc->stack = s;
	lc->idx = idx;
	lc->lcore_id = lcore_id;
	lc->socket = sock;
	lc->queue = (uint16_t)idx;
	snprintf(name, sizeof(name), "%s_req%u", stack_name(s), idx);
	lc->req_ring = rte_ring_create_elem(name, sizeof(struct dps_msg),
		s->conf.request_ring_size, sock, RING_F_SC_DEQ);
	if (lc->req_ring == NULL) {
		rte_free(lc);
		return NULL;
	}
	return lc;
}

struct dps_stack *
dps_core_create(const struct dps_stack_conf *conf)
{
	struct dps_stack *s = rte_zmalloc("dps_stack", sizeof(*s), RTE_CACHE_LINE_SIZE);

	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (conf != NULL)
		s->conf = *conf;
	if (stack_conf_check(&s->conf) != 0) {
		rte_free(s);
		rte_errno = EINVAL;
		return NULL;
	}
	/* The key of the flow hash of packets without a socket
	 * (dps_ip6_flow_hash()), Linux's hashrnd. */
	s->flow_key[0] = rte_rand();
	s->flow_key[1] = rte_rand();
	s->ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
	s->n_lcores = s->conf.n_lcores;
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		s->lc[i] = lcore_alloc(s, i);
		if (s->lc[i] == NULL) {
			dps_stack_destroy(s);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	return s;
}

/* The MTU the port was configured with (default 1500). */
static uint16_t
iface_conf_mtu(const struct dps_iface *ifp)
{
	return ifp->conf.mtu != 0 ? ifp->conf.mtu : RTE_ETHER_MTU;
}

int
dps_stack_add_port(struct dps_stack *s, uint16_t port_id,
	const struct dps_port_conf *pc)
{
	struct dps_iface *ifp;

	if (s->started)
		return -EBUSY;
	if (!rte_eth_dev_is_valid_port(port_id))
		return -EINVAL;
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		if (s->ifs[i].port_id == port_id)
			return -EINVAL;
	if (s->n_ifaces == DPS_MAX_PORTS)
		return -ENOSPC;
	ifp = &s->ifs[s->n_ifaces];
	memset(ifp, 0, sizeof(*ifp));
	ifp->port_id = port_id;
	ifp->ifindex = (uint16_t)s->n_ifaces;
	if (pc != NULL)
		ifp->conf = *pc;
	ifp->mtu = iface_conf_mtu(ifp);
	rte_eth_dev_get_name_by_port(port_id, ifp->name);
	rte_eth_macaddr_get(port_id, &ifp->mac);
	ifp->rx.mac = ifp->mac;
	ifp->rx.addrs = ifp->addrs;
	return (int)s->n_ifaces++;
}

static struct dps_iface *
stack_iface(struct dps_stack *s, int ifindex)
{
	if (ifindex < 0 || (unsigned int)ifindex >= s->n_ifaces)
		return NULL;
	return &s->ifs[ifindex];
}

int
dps_stack_add_addr(struct dps_stack *s, int ifindex,
	const struct dps_addr *addr, uint8_t prefixlen)
{
	return dps_stack_add_addr_range(s, ifindex, addr, 1, prefixlen);
}

/* A run of more than one address stays inside its subnet and holds
 * neither the subnet's own address nor, below /31, its broadcast
 * (RFC 919/922: not host addresses). Host order. */
static bool
range_fits_prefix(uint32_t first, uint32_t count, uint8_t prefixlen)
{
	uint32_t mask = rte_be_to_cpu_32(dps_prefix_mask(prefixlen));
	uint32_t last = first + (count - 1);

	if (count == 1)
		return true;
	if (last < first || (first & mask) != (last & mask))
		return false;
	if (prefixlen >= 31)
		return true;
	return (first & ~mask) != 0 && (last & ~mask) != ~mask;
}

int
dps_stack_add_addr_range(struct dps_stack *s, int ifindex,
	const struct dps_addr *first, uint32_t count, uint8_t prefixlen)
{
	struct dps_iface *ifp = stack_iface(s, ifindex);
	uint32_t mask, lo;
	int rc;

	if (s->started)
		return -EBUSY;
	if (ifp != NULL && first != NULL && first->family == AF_INET6)
		return dps_stack6_add_range(s, ifp, first->v6, count, prefixlen);
	if (ifp == NULL || first == NULL || first->family != AF_INET ||
			prefixlen > 32 || first->v4 == 0 || count == 0)
		return -EINVAL;
	lo = rte_be_to_cpu_32(first->v4);
	if (!range_fits_prefix(lo, count, prefixlen))
		return -EINVAL;
	if (dps_ip_range_taken(s, lo, count - 1))
		return -EEXIST;
	if (ifp->rx.n_addrs == DPS_MAX_ADDRS)
		return -ENOSPC;
	mask = dps_prefix_mask(prefixlen);
	rc = dps_route_add(&s->routes, first->v4 & mask, prefixlen, 0,
		(uint16_t)ifindex);
	if (rc != 0 && rc != -EEXIST)
		return rc;
	ifp->addrs[ifp->rx.n_addrs++] = (struct dps_ifaddr){
		.addr = first->v4, .mask = mask, .span = count - 1,
	};
	return 0;
}

int
dps_stack_add_route(struct dps_stack *s, const struct dps_addr *prefix,
	uint8_t prefixlen, const struct dps_addr *gw, int ifindex)
{
	if (s->started)
		return -EBUSY;
	if (prefix != NULL && prefix->family == AF_INET6 &&
			stack_iface(s, ifindex) != NULL &&
			(gw == NULL || gw->family == AF_INET6))
		return dps_stack6_add_route(s, prefix->v6, prefixlen,
			gw != NULL ? gw->v6 : NULL, (uint16_t)ifindex);
	if (prefix == NULL || prefix->family != AF_INET ||
			stack_iface(s, ifindex) == NULL ||
			(gw != NULL && gw->family != AF_INET))
		return -EINVAL;
	return dps_route_add(&s->routes, prefix->v4, prefixlen,
		gw != NULL ? gw->v4 : 0, (uint16_t)ifindex);
}

int
dps_stack_add_arp(struct dps_stack *s, int ifindex,
	const struct dps_addr *addr, const struct rte_ether_addr *mac)
{
	if (s->started)
		return -EBUSY;
	if (stack_iface(s, ifindex) != NULL && addr != NULL &&
			addr->family == AF_INET6 && mac != NULL &&
			rte_is_valid_assigned_ether_addr(mac))
		return dps_stack6_add_neigh(s, (uint16_t)ifindex, addr->v6, mac);
	if (stack_iface(s, ifindex) == NULL || addr == NULL ||
			addr->family != AF_INET || mac == NULL ||
			!rte_is_valid_assigned_ether_addr(mac))
		return -EINVAL;
	if (s->n_static_arp == RTE_DIM(s->static_arp))
		return -ENOSPC;
	s->static_arp[s->n_static_arp].ifindex = (uint16_t)ifindex;
	s->static_arp[s->n_static_arp].ip = addr->v4;
	s->static_arp[s->n_static_arp].mac = *mac;
	s->n_static_arp++;
	return 0;
}

/*
 * What overload may take of @lc's pool: an eighth is kept for
 * transmission (dps_pool_low()). A peer that stops draining its link
 * must not leave the stack without mbufs for ACKs and for the device's
 * receive refills (measured: a 4096-frame backlog took a whole 4096-mbuf
 * pool under an open-loop load, docs/performance.md).
 */
static void
stack_pool_limits(struct dps_lcore *lc)
{
	uint32_t size = lc->pool->size;
	const char *ops = rte_mempool_get_ops(lc->pool->ops_index)->name;

	lc->pool_ring = strncmp(ops, "ring_", 5) == 0 ? lc->pool->pool_data : NULL;
	lc->pool_reserve = RTE_MAX(size / 8, 2u * DPS_BURST);
}

/*
 * Give every lcore a packet pool: the caller's, or one the stack creates
 * per NUMA socket so each lcore allocates from local memory.
 */
static int
stack_pools(struct dps_stack *s)
{
	struct rte_mempool *per_socket[RTE_MAX_NUMA_NODES] = { NULL };
	unsigned int need = s->n_ifaces * (s->conf.nb_rxd + s->conf.nb_txd) +
		2 * DPS_BURST * s->n_ifaces + 1024;
	char name[RTE_MEMPOOL_NAMESIZE];

	for (unsigned int i = 0; i < s->n_lcores; i++) {
		struct dps_lcore *lc = s->lc[i];
		int sock = lc->socket < 0 ? 0 : lc->socket;

		lc->pool = s->conf.pools[i] != NULL ? s->conf.pools[i] : s->conf.pools[0];
		if (lc->pool != NULL)
			continue;
		if (per_socket[sock] == NULL) {
			unsigned int n = RTE_MAX(s->conf.nb_mbufs, need * s->n_lcores);

			snprintf(name, sizeof(name), "%s_mb%d", stack_name(s), sock);
			per_socket[sock] = rte_pktmbuf_pool_create(name, n, 256, 0,
				RTE_MBUF_DEFAULT_BUF_SIZE, sock);
			if (per_socket[sock] == NULL)
				per_socket[sock] = rte_pktmbuf_pool_create(name, n,
					256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
			if (per_socket[sock] == NULL) {
				snprintf(s->err, sizeof(s->err),
					"cannot create mbuf pool of %u on socket %d: %s",
					n, sock, rte_strerror(rte_errno));
				return -ENOMEM;
			}
			s->own_pools[i] = true;
		}
		lc->pool = per_socket[sock];
	}
	for (unsigned int i = 0; i < s->n_lcores; i++)
		stack_pool_limits(s->lc[i]);
	return 0;
}

/* Apply a configured or derived MAC (see struct dps_port_conf). */
static void
stack_port_mac(struct dps_iface *ifp, struct rte_ether_addr *mac)
{
	struct rte_ether_addr want = ifp->conf.mac;

	if (rte_is_zero_ether_addr(&want) && rte_is_zero_ether_addr(mac)) {
		want = (struct rte_ether_addr){
			{ 0x02, 0x64, 0x70, 0x73, 0x00, (uint8_t)ifp->port_id } };
	}
	if (rte_is_zero_ether_addr(&want) || rte_is_same_ether_addr(&want, mac))
		return;
	if (rte_eth_dev_default_mac_addr_set(ifp->port_id, &want) != 0)
		rte_eth_promiscuous_enable(ifp->port_id);
	*mac = want;
}

/*
 * TCP payload one TSO frame may carry, 0 without TSO: what a 16-bit IPv4
 * total length leaves after the largest headers, and no more than the
 * device takes in mbuf segments (a header mbuf, then payload copied into
 * whole data rooms of @pool).
 */
static uint16_t
stack_tso_max(const struct dps_port_info *info, struct rte_mempool *pool)
{
	uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	uint32_t segs = info->tx_seg_max != 0 ? info->tx_seg_max : UINT16_MAX;
	uint32_t max = UINT16_MAX - 20 - 60;

	segs = RTE_MIN(segs, DPS_TX_CHAIN_MAX + 1u);
	if (!(info->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) || segs < 2)
		return 0;
	return (uint16_t)RTE_MIN(max, (segs - 1) * room);
}

static int
stack_start_port(struct dps_stack *s, struct dps_iface *ifp)
{
	struct rte_mempool *pools[DPS_MAX_LCORES];
	struct dps_port_setup ps = {
		.port_id = ifp->port_id,
		.nb_queues = (uint16_t)s->n_lcores,
		.pools = pools,
		.nb_rxd = s->conf.nb_rxd,
		.nb_txd = s->conf.nb_txd,
		.mtu = ifp->conf.mtu,
		.promiscuous = ifp->conf.promiscuous,
		.no_offload = ifp->conf.no_offload,
		.tso = ifp->conf.tso,
		.link_wait_ms = s->conf.link_wait_ms,
	};
	struct dps_port_info info;
	int rc;

	for (unsigned int i = 0; i < s->n_lcores; i++)
		pools[i] = s->lc[i]->pool;
	rc = dps_port_start(&ps, &info, s->err, sizeof(s->err));
	if (rc != 0)
		return rc;
	stack_port_mac(ifp, &info.mac);
	ifp->mac = info.mac;
	ifp->rx.mac = info.mac;
	dps_stack6_start_port(s, ifp);
	ifp->tx_ip_csum = (info.tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	ifp->rx_csum = (info.rx_offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
	ifp->tso_max = stack_tso_max(&info, pools[0]);
	ifp->tso6_max = info.tso_v4_only ? 0 : ifp->tso_max;
	ifp->mtu = (uint16_t)(iface_conf_mtu(ifp) - info.mtu_reserve);
	if (!info.link_up)
		DPS_LOG(WARNING, "port %u (%s): no link after %u ms; starting without "
			"it (it may come up later, as a memif server's does when its "
			"client connects)", ifp->port_id, info.name, s->conf.link_wait_ms);
	return 0;
}

int
dps_stack_start(struct dps_stack *s)
{
	unsigned int started = 0;
	int rc;

	if (s->started)
		return -EBUSY;
	s->err[0] = '\0';
	rc = stack_pools(s);
	if (rc == 0)
		rc = dps_proto_start(s);
	for (; rc == 0 && started < s->n_ifaces; started++)
		rc = stack_start_port(s, &s->ifs[started]);
	if (rc != 0) {
		for (unsigned int i = 0; i + 1 < started; i++)
			dps_port_stop(s->ifs[i].port_id);
		return rc;
	}
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		struct dps_lcore *lc = s->lc[i];

		for (unsigned int a = 0; a < s->n_static_arp; a++)
			dps_arp_add_static(&lc->arp, s->static_arp[a].ifindex,
				s->static_arp[a].ip, &s->static_arp[a].mac);
		lc->next_tick_ns = 0;
	}
	s->started = true;
	return 0;
}

const char *
dps_stack_strerror(const struct dps_stack *s)
{
	return s->err;
}

void
dps_stack_stop(struct dps_stack *s)
{
	/* Release pairs with the acquire load in dps_stack_stopping(). */
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
}

bool
dps_stack_stopping(const struct dps_stack *s)
{
	/* Acquire: pairs with the release in dps_stack_stop(). */
	return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) != 0;
}

static int
lcore_main(void *arg)
{
	struct dps_lcore *lc = arg;

	return dps_stack_run(lc->stack, lc->idx);
}

int
dps_stack_launch(struct dps_stack *s)
{
	unsigned int self = rte_lcore_id();

	for (unsigned int i = 0; i < s->n_lcores; i++) {
		int rc;

		if (s->lc[i]->lcore_id == self)
			continue;
		rc = rte_eal_remote_launch(lcore_main, s->lc[i], s->lc[i]->lcore_id);
		if (rc != 0) {
			snprintf(s->err, sizeof(s->err),
				"cannot launch lcore %u: it is busy or not a worker",
				s->lc[i]->lcore_id);
			return rc;
		}
	}
	return 0;
}

void
dps_stack_wait(struct dps_stack *s)
{
	unsigned int self = rte_lcore_id();

	for (unsigned int i = 0; i < s->n_lcores; i++)
		if (s->lc[i]->lcore_id != self)
			rte_eal_wait_lcore(s->lc[i]->lcore_id);
}

/* Drain what an lcore still holds so no mbuf or request is lost. */
static void
lcore_release(struct dps_lcore *lc)
{
	dps_lcore_flush(lc);
	dps_lcore_tx_fini(lc);
	dps_arp_flush(&lc->arp);
	dps_proto_release(lc);
}

/*
 * Stop a port. When its queues were fed from pools the stack created,
 * close it too: those pools are about to be freed, and a device may still
 * hold their mbufs in its rings. Ports fed from the caller's pools are
 * only stopped and stay the caller's.
 */
static void
stack_release_port(struct dps_stack *s, uint16_t port_id)
{
	bool own = false;

	for (unsigned int i = 0; i < s->n_lcores; i++)
		own |= s->own_pools[i];
	dps_port_stop(port_id);
	if (own)
		rte_eth_dev_close(port_id);
}

void
dps_stack_destroy(struct dps_stack *s)
{
	if (s == NULL)
		return;
	if (s->on_destroy != NULL)
		s->on_destroy(s);
	for (unsigned int i = 0; i < s->n_lcores; i++)
		if (s->lc[i] != NULL)
			lcore_release(s->lc[i]);
	dps_proto_destroy(s);
	if (s->started)
		for (unsigned int i = 0; i < s->n_ifaces; i++)
			stack_release_port(s, s->ifs[i].port_id);
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		if (s->lc[i] == NULL)
			continue;
		if (s->own_pools[i])
			rte_mempool_free(s->lc[i]->pool);
		rte_ring_free(s->lc[i]->req_ring);
		rte_free(s->lc[i]);
	}
	rte_free(s);
}

unsigned int
dps_stack_lcore_count(const struct dps_stack *s)
{
	return s->n_lcores;
}

unsigned int
dps_stack_lcore_id(const struct dps_stack *s, unsigned int idx)
{
	return idx < s->n_lcores ? s->lc[idx]->lcore_id : RTE_MAX_LCORE;
}

void
dps_stack_counters(const struct dps_stack *s, int idx, struct dps_counters *out)
{
	struct dps_counters one;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		if (idx >= 0 && (unsigned int)idx != i)
			continue;
		dps_counters_snapshot(&one, &s->lc[i]->cnt);
		dps_counters_accumulate(out, &one);
	}
}

int
dps_stack_mac(const struct dps_stack *s, int ifindex, struct rte_ether_addr *mac)
{
	if (ifindex < 0 || (unsigned int)ifindex >= s->n_ifaces)
		return -EINVAL;
	*mac = s->ifs[ifindex].mac;
	return 0;
}

void
dps_stack_set_clock(struct dps_stack *s, uint64_t (*clock)(void *arg), void *arg)
{
	s->clock = clock;
	s->clock_arg = arg;
}

/* Pages reserved in every hugepage size (/sys/kernel/mm/hugepages). */
static unsigned long
hugepages_reserved(void)
{
	static const char *const sizes[] = { "hugepages-2048kB", "hugepages-1048576kB" };
	unsigned long total = 0, n;
	char path[128];

	for (size_t i = 0; i < RTE_DIM(sizes); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages",
			sizes[i]);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &n) == 1)
			total += n;
		fclose(f);
	}
	return total;
}

int
dps_eal_init(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);

	/* Without hugepages the EAL's hugepage scan fails with EACCES,
	 * which says "Permission denied" to a user who lacks none. */
	if (n < 0 && rte_errno == EACCES && hugepages_reserved() == 0)
		fprintf(stderr, "dpstack: EAL initialisation failed: no hugepages "
			"reserved: reserve some (dpdk-hugepages.py --setup 1G) or run "
			"with --no-huge -m 512\n");
	else if (n < 0)
		fprintf(stderr, "dpstack: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
	return n;
}
