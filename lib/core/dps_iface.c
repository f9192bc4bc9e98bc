/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack's interfaces and their addresses, as the layers above ask
 * about them: is an address ours, and which of ours speaks to a next hop.
 */
#include "dps_stack_priv.h"

bool
dps_ip_is_ours(const struct dps_stack *s, uint32_t ip)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		if (dps_rx_iface_has_addr(&s->ifs[i].rx, ip))
			return true;
	return false;
}

/* Two runs of addresses overlap when each starts no later than the
 * other ends (host order; a run never wraps past 255.255.255.255). */
bool
dps_ip_range_taken(const struct dps_stack *s, uint32_t first, uint32_t span)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int a = 0; a < s->ifs[i].rx.n_addrs; a++) {
			const struct dps_ifaddr *e = &s->ifs[i].addrs[a];
			uint32_t lo = rte_be_to_cpu_32(e->addr);

			if (lo <= first + span && first <= lo + e->span)
				return true;
		}
	return false;
}

/* Source address selection (RFC 1122 3.3.4.3): an address of @ifp on
 * @nexthop's subnet, else the interface's first; 0 when it has none. */
uint32_t
dps_iface_source(const struct dps_iface *ifp, uint32_t nexthop)
{
	for (unsigned int a = 0; a < ifp->rx.n_addrs; a++)
		if ((ifp->addrs[a].addr & ifp->addrs[a].mask) ==
				(nexthop & ifp->addrs[a].mask))
			return ifp->addrs[a].addr;
	return ifp->rx.n_addrs > 0 ? ifp->addrs[0].addr : 0;
}
