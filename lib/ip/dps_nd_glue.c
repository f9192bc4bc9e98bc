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
 *
 * A range of addresses (struct dps_ip6_cand.span, a load generator's
 * sources) is detected as Linux detects each address it is given: a
 * solicitation for every address of the range, from ::, to its
 * solicited-node group, RetransTimer before the verdict. They go
 * DAD_RANGE_BURST a tick (a range of 131,072 takes about 5 s; Linux sends
 * each address's after its own random delay of up to a second), and the
 * verdict waits RetransTimer after the last (dps_dad_probed()). A
 * conflict on one address of a range loses that address only, as Linux
 * loses the one address it was given: its offset joins the range's few
 * lost ones (struct dps_ip6_cand.lost, looked at only when there are
 * some, so that a range stays one bounds check), here, in the shared
 * table and on the other lcores (DPS_MSG_DAD), and the rest of the range
 * goes on to its verdict. Past DPS_IP6_LOST_MAX lost addresses the whole
 * range is a duplicate.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_random.h>
#include "dps_ip.h"

#define ND_MAX_LEN 96		/* IPv6 header + NS/NA with two options */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* DAD solicitations a tick (DPS_TICK_NS, 10 ms) for a range: 25,600 a
 * second, well within a transmit queue's room per tick. */
#define DAD_RANGE_BURST 256

int
dps_ip6_addr_index(const struct dps_ip6_lcore *x, uint16_t ifindex,
	const uint8_t a[16])
{
	for (unsigned int i = 0; i < x->n_addrs[ifindex]; i++)
		if (dps_ip6_cand_has(&x->addrs[ifindex][i], a))
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
	uint8_t src[16];

	if (i < 0)
		return;
	dps_ip6_cand_first(&x->addrs[a->ifindex][i], src);
	nd_send_ns(lc, a->ifindex, src, a->addr, a->unicast ? &a->lla : NULL, NULL);
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

/* A verdict (@state) or, with @lost, the loss of offset @off of entry
 * @k, on this lcore's copy of the port's addresses. */
static void
dad_apply(struct dps_ip6_lcore *x, uint16_t ifindex, unsigned int k, int state,
	bool lost, uint32_t off)
{
	if (ifindex >= DPS_MAX_PORTS || k >= x->n_addrs[ifindex])
		return;
	if (lost)
		(void)dps_ip6_cand_lose(&x->addrs[ifindex][k], off);
	else
		x->addrs[ifindex][k].tentative = state != DPS_DAD_PREFERRED;
}

/* Tell the other lcores (a full ring: that lcore keeps its old view). */
static void
dad_post(struct dps_lcore *lc, uint16_t ifindex, unsigned int k, int state,
	bool lost, uint32_t off)
{
	struct dps_msg msg = {
		.op = DPS_MSG_DAD, .ifindex = ifindex, .ip = k,
		.dad = { .state = (uint8_t)state, .lost = lost, .off = off },
	};

	for (unsigned int i = 1; i < lc->stack->n_lcores; i++)
		(void)dps_lcore_post(lc->stack, i, &msg);
}

/* Detection of entry @k of port @ifindex ended: use it (or never), say
 * so to dps_stack_addr6_state() and to the other lcores. @who: the
 * address that conflicted (a duplicate); @why: what made a range's
 * conflict take all of it. */
static void
dad_verdict(struct dps_lcore *lc, uint16_t ifindex, unsigned int k, int state,
	const uint8_t who[16], const char *why)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	uint8_t v = state == DPS_DAD_PREFERRED ? DPS_ADDR6_PREFERRED : DPS_ADDR6_DUPLICATE;

	x->dad_running--;
	dad_apply(x, ifindex, k, state, false, 0);
	/* Release: pairs with the acquire of dps_stack_addr6_state(). */
	__atomic_store_n(&ifp->addr6_state[k], v, __ATOMIC_RELEASE);
	if (state == DPS_DAD_PREFERRED) {
		DPS_CNT_INC(&lc->cnt, dad_ok);
	} else {
		struct dps_addr a = dps_addr_v6(who);
		char txt[64];

		DPS_CNT_INC(&lc->cnt, dad_duplicate);
		DPS_LOG(WARNING, "port %u: IPv6 address %s is used by another node "
			"(duplicate address detection); not using it%s%s", ifp->port_id,
			dps_addr_fmt(&a, txt, sizeof(txt)), why != NULL ?
			", nor the rest of its range: " : "", why != NULL ? why : "");
	}
	dad_post(lc, ifindex, k, state, false, 0);
}

/*
 * A conflict on address @who, offset @off of range @k, while the range
 * is tentative: that address alone is lost, as Linux's
 * addrconf_dad_failure() fails the one address it was given, and the
 * rest of the range goes on to its verdict. Past DPS_IP6_LOST_MAX lost
 * addresses (or when none would be left) the whole range is a
 * duplicate, as before per-address verdicts: logged, and counted as
 * dad_range_lost_full.
 */
static void
dad_lose(struct dps_lcore *lc, uint16_t ifindex, unsigned int k,
	const uint8_t who[16], uint32_t off)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	struct dps_addr a = dps_addr_v6(who);
	char txt[64];

	if (!dps_ip6_cand_lose(&x->addrs[ifindex][k], off)) {
		bool full = x->addrs[ifindex][k].n_lost >= DPS_IP6_LOST_MAX;

		DPS_CNT_INC(&lc->cnt, dad_range_lost_full);
		x->dad[ifindex][k].state = DPS_DAD_DUPLICATE;
		dad_verdict(lc, ifindex, k, DPS_DAD_DUPLICATE, who, full ?
			"more of its addresses than the stack keeps apart ("
			RTE_STR(DPS_IP6_LOST_MAX) ") are another node's" :
			"it was the last one left");
		return;
	}
	/* The shared table, for dps_stack_addr6_state(), bind() and the
	 * application side's source selection. */
	(void)dps_ip6_cand_lose(&ifp->addrs6[k], off);
	DPS_CNT_INC(&lc->cnt, dad_duplicate);
	DPS_LOG(WARNING, "port %u: IPv6 address %s is used by another node "
		"(duplicate address detection); not using it (the rest of its "
		"range is kept)", ifp->port_id, dps_addr_fmt(&a, txt, sizeof(txt)));
	dad_post(lc, ifindex, k, DPS_DAD_TENTATIVE, true, off);
}

/* The next DAD_RANGE_BURST solicitations of the round under way for
 * range @k of port @ifindex; once the last is out, RetransTimer runs. */
static void
dad_probe_range(struct dps_lcore *lc, uint16_t ifindex, unsigned int k, uint64_t now)
{
	static const uint8_t unspec[16];
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	const struct dps_ip6_cand *c = &x->addrs[ifindex][k];
	uint64_t *done = &x->dad_probed[ifindex][k], end = (uint64_t)c->span + 1;
	uint8_t a[16];

	for (unsigned int n = 0; n < DAD_RANGE_BURST && *done < end; n++, (*done)++) {
		if (c->n_lost != 0 && dps_ip6_cand_is_lost(c, (uint32_t)*done))
			continue;	/* not ours any more */
		dps_ip6_cand_nth(c, (uint32_t)*done, a);
		nd_send_ns(lc, ifindex, unspec, a, NULL, x->dad[ifindex][k].nonce);
	}
	if (*done == end)
		dps_dad_probed(&x->dad[ifindex][k], now);
}

void
dps_dad_glue_tick(struct dps_lcore *lc, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);

	if (!x->dad_begun) {
		x->dad_begun = true;
		for (uint16_t i = 0; i < lc->stack->n_ifaces; i++)
			for (unsigned int k = 0; k < x->n_addrs[i]; k++, x->dad_running++) {
				dps_dad_start(&x->dad[i][k], NULL, i, x->addrs[i][k].addr,
					rte_rand(), now);
				x->dad_probed[i][k] = (uint64_t)x->addrs[i][k].span + 1;
			}
	}
	for (uint16_t i = 0; x->dad_running != 0 && i < lc->stack->n_ifaces; i++)
		for (unsigned int k = 0; k < x->n_addrs[i]; k++) {
			struct dps_dad *d = &x->dad[i][k];

			if (d->state != DPS_DAD_TENTATIVE)
				continue;
			if (x->dad_probed[i][k] <= x->addrs[i][k].span) {
				dad_probe_range(lc, i, k, now);	/* a round under way */
				continue;
			}
			switch (dps_dad_tick(d, now)) {
			case DPS_DAD_SEND_NS:
				/* A round: one solicitation per address
				 * (every address of a range). */
				x->dad_probed[i][k] = 0;
				dad_probe_range(lc, i, k, now);
				break;
			case DPS_DAD_DONE:
				dad_verdict(lc, i, k, d->state, d->addr, NULL);
				break;
			default:
				break;
			}
		}
}

/* Lcore 0: a solicitation or advertisement for @target, an address of
 * our tentative entry @k (RFC 4862 5.4.3, 5.4.4). @src NULL: an
 * advertisement. A conflict on a single address makes it a duplicate;
 * on an address of a range, it loses that address (dad_lose()). */
static void
dad_rx(struct dps_lcore *lc, uint16_t ifindex, unsigned int k,
	const uint8_t target[16], const uint8_t *src, const uint8_t *nonce)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	const struct dps_ip6_cand *c = &x->addrs[ifindex][k];
	struct dps_dad *d = &x->dad[ifindex][k];
	uint32_t off;
	bool dup;

	if (!x->dad_begun || d->state != DPS_DAD_TENTATIVE)
		return;
	if (c->span != 0) {
		if ((src == NULL || dps_dad_ns_conflicts(d, src, nonce)) &&
				dps_ip6_cand_span_has(c, target, &off))
			dad_lose(lc, ifindex, k, target, off);
		return;
	}
	dup = src != NULL ? dps_dad_rx_ns(d, src, nonce) : dps_dad_rx_na(d);
	if (dup)
		dad_verdict(lc, ifindex, k, d->state, target, NULL);
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
			dad_rx(lc, ifindex, (unsigned int)k, ns->target, ip->src,
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
			dad_rx(lc, ifindex, (unsigned int)k, target, NULL, NULL);
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
		dad_apply(dps_ip6_lc(lc), m->ifindex, m->ip, m->dad.state,
			m->dad.lost, m->dad.off);
		return;
	}
	if (m->op != DPS_MSG_ND_LEARN || m->ifindex >= lc->stack->n_ifaces)
		return;
	memcpy(&lla, m->nd.lla, 6);
	nd_take_na(lc, m->ifindex, m->nd.addr, m->nd.flags == 0xff ? 0 : m->nd.flags,
		m->nd.flags == 0xff ? NULL : &lla, now);
}
