/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP on the lcore: the I/O side of the pure cache in lib/arp. Requests and
 * replies are built here, held packets leave through dps_eth_output(), and
 * what one lcore learns is posted to the others (ARP replies reach only the
 * queue RSS sends non-IP frames to, usually queue 0, while any lcore may be
 * waiting on that next hop).
 */
#include <errno.h>
#include <rte_arp.h>
#include "dps_ip.h"

static void
arp_xmit(struct dps_lcore *lc, uint16_t ifindex, uint16_t op,
	const struct rte_ether_addr *eth_dst, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	uint8_t *buf;

	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	buf = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	memset(buf, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	dps_arp_build(buf, RTE_ETHER_MIN_LEN, op, eth_dst, &ifp->mac, spa, tha, tpa);
	if (op == RTE_ARP_OP_REQUEST)
		DPS_CNT_INC(&lc->cnt, arp_tx_request);
	else
		DPS_CNT_INC(&lc->cnt, arp_tx_reply);
	dps_lcore_tx(lc, ifindex, m);
}

static void
op_send_request(void *ctx, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *dst)
{
	struct dps_lcore *lc = ctx;
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	struct rte_ether_addr bcast, zero;

	memset(&bcast, 0xff, sizeof(bcast));
	memset(&zero, 0, sizeof(zero));
	arp_xmit(lc, ifindex, RTE_ARP_OP_REQUEST, dst != NULL ? dst : &bcast,
		dps_iface_source(ifp, ip), &zero, ip);
}

static void
op_output(void *ctx, void *pkt, uint16_t ifindex, const struct rte_ether_addr *mac)
{
	dps_eth_output(ctx, ifindex, pkt, mac);
}

/* A held packet gave up: count it, and tell every slot of the protocol
 * switch that the hop failed (pings, connections waiting on it). */
static void
op_drop(void *ctx, void *pkt, uint32_t ip, int reason)
{
	struct dps_lcore *lc = ctx;

	dps_lcore_drop(lc, pkt, reason);
	if (reason == DPS_DROP_arp_timeout)
		dps_proto_nexthop_fail(lc, ip, EHOSTUNREACH);
}

static const struct dps_arp_ops arp_ops = {
	.send_request = op_send_request,
	.output = op_output,
	.drop = op_drop,
};

void
dps_arp_glue_init(struct dps_lcore *lc)
{
	dps_arp_init(&lc->arp, NULL, &arp_ops, lc);
}

static void
arp_share(struct dps_lcore *lc, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *mac)
{
	struct dps_msg m = { .op = DPS_MSG_ARP_LEARN, .ifindex = ifindex, .ip = ip };

	memcpy(m.mac, mac, RTE_ETHER_ADDR_LEN);
	for (unsigned int i = 0; i < lc->stack->n_lcores; i++)
		if (i != lc->idx)
			(void)dps_lcore_post(lc->stack, i, &m); /* full: the peer re-asks */
}

/*
 * RFC 826 packet reception: merge the sender into the cache (create only
 * when the packet is for us), then answer requests for our addresses.
 * Probes (sender 0.0.0.0, RFC 5227) teach nothing but are answered.
 */
void
dps_arp_rx(struct dps_lcore *lc, uint16_t ifindex, const struct dps_rx_pkt *p,
	bool target_is_us, uint64_t now)
{
	const struct dps_arp_view *a = &p->arp;

	if (a->spa != 0 && dps_arp_input(&lc->arp, ifindex, a->spa, &a->sha,
			target_is_us, now)) {
		DPS_CNT_INC(&lc->cnt, arp_learned);
		arp_share(lc, ifindex, a->spa, &a->sha);
	}
	if (target_is_us && a->op == RTE_ARP_OP_REQUEST)
		arp_xmit(lc, ifindex, RTE_ARP_OP_REPLY, &a->sha, a->tpa, &a->sha,
			a->spa);
}

void
dps_arp_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	struct rte_ether_addr mac;

	memcpy(&mac, m->mac, sizeof(mac));
	dps_arp_input(&lc->arp, m->ifindex, m->ip, &mac, true, now);
}

/* Gratuitous ARP (RFC 5227 3): a request for each of our addresses, for
 * a range its first only (a /15 would be 131,070 frames at start; Linux
 * peers with the default arp_accept=0 create no entry from one anyway,
 * and ask for each address they need). */
void
dps_arp_send_garp(struct dps_lcore *lc)
{
	struct dps_stack *s = lc->stack;
	struct rte_ether_addr bcast, zero;

	memset(&bcast, 0xff, sizeof(bcast));
	memset(&zero, 0, sizeof(zero));
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int a = 0; a < s->ifs[i].rx.n_addrs; a++)
			arp_xmit(lc, (uint16_t)i, RTE_ARP_OP_REQUEST, &bcast,
				s->ifs[i].addrs[a].addr, &zero,
				s->ifs[i].addrs[a].addr);
}
