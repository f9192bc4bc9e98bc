/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 output (RFC 8200, RFC 4861 7.2.2): the route (longest prefix),
 * the source address (RFC 6724 among the port's usable addresses), the
 * next hop's link-layer address from the lcore's neighbour cache, with
 * the packet held while its entry is INCOMPLETE, and the Ethernet
 * header. The interface is the IPv4 output's (dps_ip_output()), so that
 * TCP and UDP can take either.
 */
#include <errno.h>
#include <netinet/in.h>
#include "dps_ip.h"

/* The port and the neighbour a packet to @dst leaves through; false
 * when no route. A group or a link-local destination without a route
 * of its own leaves by the first port (a scope id will choose once
 * sockets carry one). */
static bool
ip6_route(const struct dps_stack *s, const uint8_t dst[16], uint16_t *ifindex,
	uint8_t nexthop[16], uint8_t *route_len)
{
	const struct dps_route6 *r = dps_route6_lookup(&s->routes6, dst);

	if (r != NULL && !dps_ip6_is_multicast(dst)) {
		*ifindex = r->ifindex;
		*route_len = r->len;
		dps_route6_nexthop(r, dst, nexthop);
		return true;
	}
	if (s->n_ifaces == 0 ||
			(!dps_ip6_is_multicast(dst) && !dps_ip6_is_linklocal(dst)))
		return false;
	*ifindex = 0;
	*route_len = 128;
	memcpy(nexthop, dst, 16);
	return true;
}

int
dps_ip6_source(struct dps_lcore *lc, const uint8_t dst[16], uint8_t src[16],
	uint16_t *ifindex)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	uint8_t nh[16], len;
	uint16_t ifx;
	int i;

	if (!ip6_route(lc->stack, dst, &ifx, nh, &len))
		return -ENETUNREACH;
	i = dps_ip6_select_src(x->addrs[ifx], x->n_addrs[ifx], dst);
	if (i < 0)
		return -EADDRNOTAVAIL;
	dps_ip6_cand_first(&x->addrs[ifx][i], src);
	if (ifindex != NULL)
		*ifindex = ifx;
	return 0;
}

uint8_t
dps_ip6_route_len(const struct dps_stack *s, const uint8_t dst[16])
{
	uint8_t nh[16], len = 128;
	uint16_t ifx;

	return ip6_route(s, dst, &ifx, nh, &len) ? len : 128;
}

void
dps_ip6_output_if(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const uint8_t nexthop[16], uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	struct rte_ether_addr mac;
	int rc;

	DPS_CNT_INC(&lc->cnt, ip6_tx);
	m->l3_len = DPS_IPV6_HLEN;
	if (dps_ip6_is_multicast(nexthop)) {
		dps_ip6_mcast_mac(nexthop, &mac);
		dps_eth_output_type(lc, ifindex, m, &mac, RTE_ETHER_TYPE_IPV6);
		return;
	}
	rc = dps_nd_resolve(&x->nd, ifindex, nexthop, m, m->pkt_len, &mac, now,
		&x->out);
	if (rc == 0)
		dps_eth_output_type(lc, ifindex, m, &mac, RTE_ETHER_TYPE_IPV6);
	else if (rc == -EAGAIN)
		dps_nd_glue_act(lc, now);	/* held; maybe a solicitation */
	else
		dps_lcore_drop(lc, m, DPS_DROP_nd_table_full);
}

int
dps_ip6_output(struct dps_lcore *lc, struct rte_mbuf *m, const uint8_t dst[16],
	uint64_t now)
{
	uint8_t nh[16], len;
	uint16_t ifx;

	if (!ip6_route(lc->stack, dst, &ifx, nh, &len)) {
		dps_lcore_drop(lc, m, DPS_DROP_ip6_no_route);
		return -ENETUNREACH;
	}
	dps_ip6_output_if(lc, ifx, m, nh, now);
	return 0;
}

struct rte_mbuf *
dps_ip6_alloc(struct dps_lcore *lc, const uint8_t dst[16], uint8_t proto,
	uint16_t payload_len, int *err)
{
	uint8_t src[16];
	struct rte_mbuf *m;
	uint8_t *ip;

	*err = dps_ip6_source(lc, dst, src, NULL);
	if (*err != 0)
		return NULL;
	m = dps_ip_mbuf(lc, DPS_IPV6_HLEN + payload_len, &ip, err);
	if (m == NULL)
		return NULL;
	dps_ipv6_build(ip, DPS_IPV6_HLEN, src, dst, proto, payload_len,
		DPS_IPV6_HOP_LIMIT, 0, 0);
	return m;
}
