/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour discovery on the lcore (RFC 4861), the I/O side of the pure
 * cache in lib/nd as dps_arp_glue.c is of lib/arp's: solicitations and
 * advertisements are built and sent here, the actions the cache asks
 * for are carried out, and what one lcore learns from an advertisement
 * is posted to the others (an advertisement reaches only the queue RSS
 * hashes it to, while any lcore may be resolving that neighbour).
 * Duplicate address detection (RFC 4862 5.4) runs on lcore 0 for every
 * address of every port. Router advertisements are ignored: addresses,
 * routes and neighbours are configured.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_random.h>
#include "dps_ip.h"

#define ND_MAX_LEN 96		/* IPv6 header + NS/NA with two options */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

int
dps_ip6_addr_index(const struct dps_ip6_lcore *x, uint16_t ifindex,
	const uint8_t a[16])
{
	for (unsigned int i = 0; i < x->n_addrs[ifindex]; i++)
		if (memcmp(x->addrs[ifindex][i].addr, a, 16) == 0)
			return (int)i;
	return -1;
}

/* An mbuf holding the @len bytes an ND builder wrote into @buf. */
static struct rte_mbuf *
nd_mbuf(struct dps_lcore *lc, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m;
	uint8_t *p;
	int err;

	if (len == 0)
		return NULL;
	m = dps_ip_mbuf(lc, (uint32_t)len, &p, &err);
	if (m != NULL)
		memcpy(p, buf, len);
	return m;
}

/* A solicitation for @target from @src (:: for DAD, with @nonce), to
 * @lla when unicast, else to the target's solicited-node group. */
static void
nd_send_ns(struct dps_lcore *lc, uint16_t ifindex, const uint8_t src[16],
	const uint8_t target[16], const struct rte_ether_addr *lla,
	const uint8_t *nonce)
{
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	uint8_t buf[ND_MAX_LEN], dst[16];
	struct rte_ether_addr mac;
	struct rte_mbuf *m;

	if (lla != NULL) {
		memcpy(dst, target, 16);
		mac = *lla;
	} else {
		dps_ip6_solicited_node(target, dst);
		dps_ip6_mcast_mac(dst, &mac);
	}
	m = nd_mbuf(lc, buf, dps_nd_ns_build(buf, sizeof(buf), src, dst, target,
		&ifp->mac, nonce));
	if (m == NULL)
		return;
	DPS_CNT_INC(&lc->cnt, nd_tx_ns);
	DPS_CNT_INC(&lc->cnt, ip6_tx);
	dps_eth_output_type(lc, ifindex, m, &mac, RTE_ETHER_TYPE_IPV6);
}

/* RFC 4861 7.2.2: from an address of the port that suits the target
 * (source selection); none usable yet (all tentative): no solicitation,
 * and the entry fails as if unanswered. */
static void
nd_solicit(struct dps_lcore *lc, const struct dps_nd_act *a)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	int i = dps_ip6_select_src(x->addrs[a->ifindex], x->n_addrs[a->ifindex],
		a->addr);

	if (i < 0)
		return;
	nd_send_ns(lc, a->ifindex, x->addrs[a->ifindex][i].addr, a->addr,
		a->unicast ? &a->lla : NULL, NULL);
}

/*
 * The cache's actions. Held packets that failed are reported once the
 * list is empty again: the report may make the transport send (and so
 * come back here through dps_ip6_output()).
 */
void
dps_nd_glue_act(struct dps_lcore *lc, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_lcore_ctx(lc, DPS_PROTO_IPV6);
	struct rte_mbuf *failed[DPS_ND_OUT_MAX];
	unsigned int n_failed = 0;

	for (unsigned int i = 0; i < x->out.n; i++) {
		const struct dps_nd_act *a = &x->out.a[i];

		switch (a->kind) {
		case DPS_ND_ACT_SOLICIT:
			nd_solicit(lc, a);
			break;
		case DPS_ND_ACT_TX:
			dps_eth_output_type(lc, a->ifindex, a->pkt, &a->lla,
				RTE_ETHER_TYPE_IPV6);
			break;
		case DPS_ND_ACT_FAIL:
			failed[n_failed++] = a->pkt;
			break;
		default:	/* DROP */
			dps_lcore_drop(lc, a->pkt, a->reason);
			break;
		}
	}
	x->out.n = 0;
	for (unsigned int i = 0; i < n_failed; i++) {
		dps_icmp6_local_unreach(lc, failed[i], now);
		dps_lcore_drop(lc, failed[i], DPS_DROP_nd_failed);
	}
}

/* ---- duplicate address detection (lcore 0) ---------------------------- */

static void
dad_apply(struct dps_ip6_lcore *x, uint16_t ifindex, unsigned int k, int state)
{
	if (ifindex < DPS_MAX_PORTS && k < x->n_addrs[ifindex])
		x->addrs[ifindex][k].tentative = state != DPS_DAD_PREFERRED;
}

/* Detection of address @k of port @ifindex ended: use it (or never),
 * say so to dps_stack_addr6_state() and to the other lcores. */
static void
dad_verdict(struct dps_lcore *lc, uint16_t ifindex, unsigned int k, int state)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	struct dps_msg msg = {
		.op = DPS_MSG_DAD, .ifindex = ifindex, .ip = k,
		.ptr = (void *)(uintptr_t)state,
	};
	uint8_t v = state == DPS_DAD_PREFERRED ? DPS_ADDR6_PREFERRED : DPS_ADDR6_DUPLICATE;

	x->dad_running--;
	dad_apply(x, ifindex, k, state);
	/* Release: pairs with the acquire of dps_stack_addr6_state(). */
	__atomic_store_n(&ifp->addr6_state[k], v, __ATOMIC_RELEASE);
	if (state == DPS_DAD_PREFERRED) {
		DPS_CNT_INC(&lc->cnt, dad_ok);
	} else {
		struct dps_addr a = dps_addr_v6(x->addrs[ifindex][k].addr);
		char txt[64];

		DPS_CNT_INC(&lc->cnt, dad_duplicate);
		DPS_LOG(WARNING, "port %u: IPv6 address %s is used by another node "
			"(duplicate address detection); not using it", ifp->port_id,
			dps_addr_fmt(&a, txt, sizeof(txt)));
	}
	for (unsigned int i = 1; i < lc->stack->n_lcores; i++)
		(void)dps_lcore_post(lc->stack, i, &msg);	/* full: stays tentative there */
}

void
dps_dad_glue_tick(struct dps_lcore *lc, uint64_t now)
{
	static const uint8_t unspec[16];
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);

	if (!x->dad_begun) {
		x->dad_begun = true;
		for (uint16_t i = 0; i < lc->stack->n_ifaces; i++)
			for (unsigned int k = 0; k < x->n_addrs[i]; k++, x->dad_running++)
				dps_dad_start(&x->dad[i][k], NULL, i, x->addrs[i][k].addr,
					rte_rand(), now);
	}
	for (uint16_t i = 0; x->dad_running != 0 && i < lc->stack->n_ifaces; i++)
		for (unsigned int k = 0; k < x->n_addrs[i]; k++) {
			struct dps_dad *d = &x->dad[i][k];

			if (d->state != DPS_DAD_TENTATIVE)
				continue;
			switch (dps_dad_tick(d, now)) {
			case DPS_DAD_SEND_NS:
				nd_send_ns(lc, i, unspec, d->addr, NULL, d->nonce);
				break;
			case DPS_DAD_DONE:
				dad_verdict(lc, i, k, d->state);
				break;
			default:
				break;
			}
		}
}

/* Lcore 0: a solicitation or advertisement for our tentative address
 * @k (RFC 4862 5.4.3, 5.4.4). @src NULL: an advertisement. */
static void
dad_rx(struct dps_lcore *lc, uint16_t ifindex, unsigned int k,
	const uint8_t *src, const uint8_t *nonce)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	struct dps_dad *d = &x->dad[ifindex][k];
	bool dup;

	if (!x->dad_begun || d->state != DPS_DAD_TENTATIVE)
		return;
	dup = src != NULL ? dps_dad_rx_ns(d, src, nonce) : dps_dad_rx_na(d);
	if (dup)
		dad_verdict(lc, ifindex, k, d->state);
}

/* ---- solicitations and advertisements received ------------------------- */

/*
 * RFC 4861 7.2.3: a solicitation for one of our usable addresses is
 * answered (dps_nd_na_reply(): to the solicitor, or to all-nodes for a
 * DAD probe), and its sender learned as STALE. One for a tentative
 * address is DAD's business, and never answered.
 */
static void
nd_rx_ns(struct dps_lcore *lc, uint16_t ifindex, const struct dps_ipv6_view *ip,
	const struct dps_nd_view *ns, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	int k = dps_ip6_addr_index(x, ifindex, ns->target);
	uint8_t buf[ND_MAX_LEN];
	struct rte_mbuf *m;

	DPS_CNT_INC(&lc->cnt, nd_rx_ns);
	if (k < 0) {
		dps_drop(&lc->cnt, DPS_DROP_nd_not_for_us);
		return;
	}
	if (x->addrs[ifindex][k].tentative) {
		if (lc->idx == 0)
			dad_rx(lc, ifindex, (unsigned int)k, ip->src,
				ns->has_nonce ? ns->nonce : NULL);
		return;
	}
	if (!dps_ip6_is_unspecified(ip->src) && ns->has_lla) {
		dps_nd_rx_ns(&x->nd, ifindex, ip->src, &ns->lla, now, &x->out);
		dps_nd_glue_act(lc, now);
	}
	m = nd_mbuf(lc, buf, dps_nd_na_reply(buf, sizeof(buf), ip, ns, &ifp->mac,
		false));
	if (m == NULL)
		return;
	DPS_CNT_INC(&lc->cnt, nd_tx_na);
	dps_ip6_output_if(lc, ifindex, m,
		dps_ip6_is_unspecified(ip->src) ? all_nodes : ip->src, now);
}

/* An advertisement, received or posted by another lcore. */
static void
nd_take_na(struct dps_lcore *lc, uint16_t ifindex, const uint8_t target[16],
	uint8_t flags, const struct rte_ether_addr *lla, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	int k = dps_ip6_addr_index(x, ifindex, target);

	if (k >= 0) {
		/* For our own address: a duplicate while tentative; once
		 * preferred, Linux only logs it. */
		if (lc->idx == 0)
			dad_rx(lc, ifindex, (unsigned int)k, NULL, NULL);
		return;
	}
	dps_nd_rx_na(&x->nd, ifindex, target, flags, lla, now, &x->out);
	dps_nd_glue_act(lc, now);
}

static void
nd_share(struct dps_lcore *lc, uint16_t ifindex, const struct dps_nd_view *na)
{
	struct dps_msg m = { .op = DPS_MSG_ND_LEARN, .ifindex = ifindex };

	memcpy(m.nd.addr, na->target, 16);
	memcpy(m.nd.lla, &na->lla, 6);
	m.nd.flags = na->has_lla ? na->flags : 0xff;
	for (unsigned int i = 0; i < lc->stack->n_lcores; i++)
		if (i != lc->idx)
			(void)dps_lcore_post(lc->stack, i, &m); /* full: it solicits again */
}

void
dps_nd_rx(struct dps_lcore *lc, uint16_t ifindex, const struct dps_ipv6_view *ip,
	const struct dps_icmp6_view *icmp, uint64_t now)
{
	const struct dps_nd_view *nd = &icmp->nd;

	if (icmp->type == DPS_ND_NEIGHBOR_SOLICIT) {
		nd_rx_ns(lc, ifindex, ip, nd, now);
		return;
	}
	DPS_CNT_INC(&lc->cnt, nd_rx_na);
	nd_take_na(lc, ifindex, nd->target, nd->flags, nd->has_lla ? &nd->lla : NULL,
		now);
	nd_share(lc, ifindex, nd);
}

void
dps_nd_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	struct rte_ether_addr lla;

	if (m->op == DPS_MSG_DAD) {
		dad_apply(dps_ip6_lc(lc), m->ifindex, m->ip, (int)(uintptr_t)m->ptr);
		return;
	}
	if (m->op != DPS_MSG_ND_LEARN || m->ifindex >= lc->stack->n_ifaces)
		return;
	memcpy(&lla, m->nd.lla, 6);
	nd_take_na(lc, m->ifindex, m->nd.addr, m->nd.flags == 0xff ? 0 : m->nd.flags,
		m->nd.flags == 0xff ? NULL : &lla, now);
}
