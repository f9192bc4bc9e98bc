/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 configuration of a stack: addresses with their on-link prefixes,
 * routes and static neighbours (before dps_stack_start(), control
 * thread), and at start each port's link-local address and the Ethernet
 * groups it must receive: all-nodes and the solicited-node group of each
 * address (RFC 4861 7.2.1, RFC 2464 7). Duplicate address detection and
 * everything else at run time is the IP layer's (lib/ip).
 *
 * An entry is one address or a range of consecutive ones (struct
 * dps_ip6_cand.span), as an IPv4 range is (dps_stack_add_addr_range()):
 * a load generator's thousands of sources are one bounds check on input
 * and in neighbour discovery, and one DAD state but for the few
 * addresses DAD loses on their own (lib/ip/dps_nd_glue.c).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include "dps_stack_priv.h"

/* A unicast address a host may take as its own (RFC 4291 2.5). */
static bool
addr6_assignable(const uint8_t a[16])
{
	return !dps_ip6_is_unspecified(a) && !dps_ip6_is_loopback(a) &&
		!dps_ip6_is_multicast(a) && !dps_ip6_is_v4mapped(a);
}

/* Whether an entry of any port holds an address of @c: the two runs
 * overlap when either holds the other's first address. */
static bool
addr6_taken(const struct dps_stack *s, const struct dps_ip6_cand *c)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int k = 0; k < s->ifs[i].n_addrs6; k++) {
			const struct dps_ip6_cand *o = &s->ifs[i].addrs6[k];

			if (dps_ip6_cand_has(o, c->addr) || dps_ip6_cand_has(c, o->addr))
				return true;
		}
	return false;
}

static void
addr6_append(struct dps_iface *ifp, const struct dps_ip6_cand *c)
{
	ifp->addrs6[ifp->n_addrs6] = *c;
	ifp->addr6_state[ifp->n_addrs6] = DPS_ADDR6_TENTATIVE;
	ifp->n_addrs6++;
}

/*
 * A range of more than one address holds host addresses of one subnet
 * only: its last address in its first's prefix, a unicast one the stack
 * can hold, and, below /127, not the Subnet-Router anycast address (the
 * prefix with a zero interface part, RFC 4291 2.6.1; the lowest address
 * of the subnet, so only the first can be it). The apps' rules for
 * --addr A-B/LEN (app_parse_addrs()).
 */
static bool
range6_fits(const struct dps_ip6_cand *c)
{
	uint8_t last[16], anycast[16];

	if (c->span == 0)
		return true;
	dps_ip6_cand_nth(c, c->span, last);
	dps_ip6_prefix_mask(c->addr, c->prefix_len, anycast);
	if (memcmp(last, c->addr, 16) < 0 || !addr6_assignable(last) ||
			!dps_ip6_prefix_match(last, anycast, c->prefix_len))
		return false;	/* wrapped past the end, or left the prefix */
	return c->prefix_len >= 127 || memcmp(c->addr, anycast, 16) != 0;
}

int
dps_stack6_add_range(struct dps_stack *s, struct dps_iface *ifp,
	const uint8_t a[16], uint32_t count, uint8_t prefixlen)
{
	struct dps_ip6_cand c = { .prefix_len = prefixlen, .tentative = true,
		.span = count - 1 };
	int rc = 0;

	memcpy(c.addr, a, 16);
	if (prefixlen > 128 || count == 0 || !addr6_assignable(a) || !range6_fits(&c))
		return -EINVAL;
	if (addr6_taken(s, &c))
		return -EEXIST;
	/* One slot stays for the link-local address made at start. */
	if (ifp->n_addrs6 + 1 >= DPS_MAX_ADDRS6)
		return -ENOSPC;
	if (prefixlen < 128)
		rc = dps_route6_add(&s->routes6, a, prefixlen, NULL, ifp->ifindex);
	if (rc != 0 && rc != -EEXIST)
		return rc;
	addr6_append(ifp, &c);
	return 0;
}

int
dps_stack6_add_route(struct dps_stack *s, const uint8_t prefix[16],
	uint8_t prefixlen, const uint8_t *gw, uint16_t ifindex)
{
	if (gw != NULL && (dps_ip6_is_multicast(gw) || dps_ip6_is_unspecified(gw)))
		return -EINVAL;
	return dps_route6_add(&s->routes6, prefix, prefixlen, gw, ifindex);
}

int
dps_stack6_add_neigh(struct dps_stack *s, uint16_t ifindex, const uint8_t a[16],
	const struct rte_ether_addr *mac)
{
	if (!addr6_assignable(a))
		return -EINVAL;
	if (s->n_static_nd == RTE_DIM(s->static_nd))
		return -ENOSPC;
	s->static_nd[s->n_static_nd].ifindex = ifindex;
	memcpy(s->static_nd[s->n_static_nd].ip, a, 16);
	s->static_nd[s->n_static_nd].mac = *mac;
	s->n_static_nd++;
	return 0;
}

/*
 * The groups of the port's addresses: a filter list where the device
 * takes one (net_tap), else all multicast; devices that take neither
 * (net_ring, the test wire) deliver every frame anyway, and the IPv6
 * destination check (dps_ip6_dst_match()) keeps the rest out. A range
 * of addresses has a group per 24-bit suffix, more than a device's
 * list holds: all multicast then.
 */
static void
stack6_mcast_filter(const struct dps_iface *ifp)
{
	struct rte_ether_addr list[DPS_MAX_ADDRS6 + 1];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint32_t n = 1;
	bool range = false;

	dps_ip6_mcast_mac(all_nodes, &list[0]);
	for (unsigned int i = 0; i < ifp->n_addrs6; i++)
		range = range || ifp->addrs6[i].span != 0;
	for (unsigned int i = 0; !range && i < ifp->n_addrs6; i++) {
		uint8_t g[16];
		bool dup = false;

		dps_ip6_solicited_node(ifp->addrs6[i].addr, g);
		dps_ip6_mcast_mac(g, &list[n]);
		for (uint32_t k = 0; k < n; k++)
			dup = dup || rte_is_same_ether_addr(&list[k], &list[n]);
		if (!dup)
			n++;
	}
	if (!range && rte_eth_dev_set_mc_addr_list(ifp->port_id, list, n) == 0)
		return;
	if (rte_eth_allmulticast_enable(ifp->port_id) != 0)
		DPS_LOG(DEBUG, "port %u: no multicast filter nor all-multicast; "
			"IPv6 relies on the device delivering groups", ifp->port_id);
}

void
dps_stack6_start_port(struct dps_stack *s, struct dps_iface *ifp)
{
	static const uint8_t ll_prefix[16] = { 0xfe, 0x80 };
	uint8_t ll[16];

	if (ifp->n_addrs6 == 0 && !ifp->conf.ipv6)
		return;	/* IPv6 is off on the port */
	dps_ip6_linklocal(&ifp->mac, ll);
	if (ifp->n_addrs6 < DPS_MAX_ADDRS6) {
		struct dps_ip6_cand c = { .prefix_len = 64, .tentative = true };

		memcpy(c.addr, ll, 16);
		if (!addr6_taken(s, &c))
			addr6_append(ifp, &c);
	}
	/* fe80::/64 is on-link on the first port; a scope id picks another
	 * once sockets take one. */
	(void)dps_route6_add(&s->routes6, ll_prefix, 64, NULL, ifp->ifindex);
	stack6_mcast_filter(ifp);
}

/* The entry of interface @ifindex whose bounds hold @a (lost or not),
 * and its offset there. */
static int
stack6_find(const struct dps_stack *s, int ifindex, const struct dps_addr *a,
	uint32_t *off)
{
	const struct dps_iface *ifp;

	if (ifindex < 0 || (unsigned int)ifindex >= s->n_ifaces || a == NULL ||
			a->family != AF_INET6)
		return -EINVAL;
	ifp = &s->ifs[ifindex];
	for (unsigned int i = 0; i < ifp->n_addrs6; i++)
		if (dps_ip6_cand_span_has(&ifp->addrs6[i], a->v6, off))
			return (int)i;
	return -ENOENT;
}

int
dps_stack_addr6_state(const struct dps_stack *s, int ifindex,
	const struct dps_addr *addr)
{
	struct dps_ip6_cand c;
	uint32_t off;
	int i = stack6_find(s, ifindex, addr, &off), st;

	if (i < 0)
		return i;
	/* Acquire: pairs with the release of lcore 0's verdict
	 * (dad_verdict() in lib/ip/dps_nd_glue.c). */
	st = __atomic_load_n(&s->ifs[ifindex].addr6_state[i], __ATOMIC_ACQUIRE);
	if (st == DPS_ADDR6_DUPLICATE || s->ifs[ifindex].addrs6[i].span == 0)
		return st;
	/* An address of a range lost on its own (dad_lose()). */
	dps_ip6_cand_load(&s->ifs[ifindex].addrs6[i], &c);
	return c.n_lost != 0 && dps_ip6_cand_is_lost(&c, off) ?
		DPS_ADDR6_DUPLICATE : st;
}

int
dps_stack_linklocal(const struct dps_stack *s, int ifindex, struct dps_addr *out)
{
	if (ifindex < 0 || (unsigned int)ifindex >= s->n_ifaces || out == NULL)
		return -EINVAL;
	if (!s->started)
		return -EAGAIN;
	dps_ip6_linklocal(&s->ifs[ifindex].mac, out->v6);
	out->family = AF_INET6;
	return 0;
}
