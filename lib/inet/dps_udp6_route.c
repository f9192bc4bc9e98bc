/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route and source address of an AF_INET6 datagram socket's traffic,
 * decided on the application side as the IPv4 socket's are
 * (dps_route_check(), dps_ip_source_for()): routes and addresses are
 * fixed once the stack runs, and DAD's verdicts are published per
 * address (dps_stack_addr6_state()). The lcore's output
 * (dps_ip6_output()) looks the route up again for the next hop.
 *
 * As Linux's ip6_dst_lookup_flow() on a host with one loopback and the
 * stack's interfaces: a destination of ours, ::, or ::1 is reached
 * through loopback there, which dpstack has not, so it is unreachable
 * here (as the IPv4 side answers 0.0.0.0 and its own addresses); the
 * source is the bound address, or RFC 6724's choice among the usable
 * (not tentative, not duplicate) addresses of the interface the route
 * names, EADDRNOTAVAIL when there is none; a v4-mapped source has
 * no IPv6 route (EAFNOSUPPORT, after the route). A group or a link-local
 * destination leaves by the interface of the scope id, else by the
 * route, else by the first interface (ip6_route() in dps_ip6_out.c).
 */
#include <errno.h>
#include "dps_inet.h"
#include "dps_wire6.h"

/* The DAD state of address @a of interface @ifx (enum dps_addr6_state;
 * a lost address of a range is DPS_ADDR6_DUPLICATE). */
static int
addr_state(const struct dps_stack *s, uint16_t ifx, const uint8_t a[16])
{
	struct dps_addr d = { .family = AF_INET6 };

	memcpy(d.v6, a, 16);
	return dps_stack_addr6_state(s, ifx, &d);
}

/* Whether @a is an address of interface @ifx, usable (@usable) or in any
 * state but duplicate. */
static bool
iface_has(const struct dps_stack *s, uint16_t ifx, const uint8_t a[16], bool usable)
{
	const struct dps_iface *ifp = &s->ifs[ifx];

	for (unsigned int i = 0; i < ifp->n_addrs6; i++) {
		uint32_t off;
		int st;

		/* The bounds only: lcore 0 may be losing an address of the
		 * range meanwhile; addr_state() reads those safely. */
		if (!dps_ip6_cand_span_has(&ifp->addrs6[i], a, &off))
			continue;	/* not this address, nor in this range */
		st = addr_state(s, ifx, a);
		return usable ? st == DPS_ADDR6_PREFERRED : st != DPS_ADDR6_DUPLICATE;
	}
	return false;
}

bool
dps_udp6_is_ours(const struct dps_stack *s, const uint8_t a[16], uint32_t scope)
{
	for (uint16_t ifx = 0; ifx < s->n_ifaces; ifx++)
		if ((scope == 0 || scope == ifx + 1u) && iface_has(s, ifx, a, true))
			return true;
	return false;
}

/* The interface a datagram to @dst leaves by; false when none. */
static bool
out_iface(const struct dps_stack *s, const uint8_t dst[16], uint32_t scope,
	uint16_t *ifx)
{
	const struct dps_route6 *r = dps_route6_lookup(&s->routes6, dst);
	bool scoped = dps_ip6_is_multicast(dst) || dps_ip6_is_linklocal(dst);

	if (scoped && scope != 0) {
		*ifx = (uint16_t)(scope - 1);
		return true;
	}
	if (r != NULL && !dps_ip6_is_multicast(dst)) {
		*ifx = r->ifindex;
		return true;
	}
	*ifx = 0;
	return scoped && s->n_ifaces != 0;
}

/* RFC 6724 among the usable addresses of interface @ifx. */
static int
pick_source(const struct dps_stack *s, uint16_t ifx, const uint8_t dst[16],
	uint8_t src[16])
{
	const struct dps_iface *ifp = &s->ifs[ifx];
	struct dps_ip6_cand c[DPS_MAX_ADDRS6];
	int i;

	for (unsigned int k = 0; k < ifp->n_addrs6; k++) {
		uint8_t first[16];

		/* A range's state is that of its addresses not lost. */
		dps_ip6_cand_load(&ifp->addrs6[k], &c[k]);
		dps_ip6_cand_first(&c[k], first);
		c[k].tentative = addr_state(s, ifx, first) != DPS_ADDR6_PREFERRED;
	}
	i = dps_ip6_select_src(c, ifp->n_addrs6, dst);
	if (i < 0)
		return -EADDRNOTAVAIL;
	dps_ip6_cand_first(&c[i], src);
	return 0;
}

int
dps_udp6_route(struct dps_sock *sk, const uint8_t dst[16], uint32_t scope,
	uint8_t src[16])
{
	const struct dps_stack *s = sk->stack;
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	uint16_t ifx;

	if (scope == 0)
		scope = v6->scope;
	if (scope > s->n_ifaces)
		return -ENODEV;
	if (!out_iface(s, dst, scope, &ifx))
		return -ENETUNREACH;
	/* A v4-mapped source (bound, or kept from a v4-mapped peer) cannot
	 * send to an IPv6 address (ip6_dst_lookup_tail()). */
	if (dps_ip6_is_v4mapped(v6->laddr))
		return -EAFNOSUPPORT;
	if (dps_ip6_is_unspecified(dst) || dps_ip6_is_loopback(dst) ||
			dps_udp6_is_ours(s, dst, 0))
		return -ENETUNREACH;
	if (!dps_ip6_is_unspecified(v6->laddr)) {
		memcpy(src, v6->laddr, 16);
		return 0;
	}
	return pick_source(s, ifx, dst, src);
}
