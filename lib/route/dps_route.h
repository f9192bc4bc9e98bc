/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_ROUTE_H
#define DPS_ROUTE_H

/*
 * IPv4 routes: longest-prefix match over a small array.
 *
 * The table is stack-wide, written by the control thread before start and
 * read by every lcore afterwards without locks (it never changes while
 * lcores run). A stack has a handful of routes (connected subnets, a
 * default gateway), where a linear scan of one or two cache lines beats
 * rte_lpm's setup and memory; rte_fib is the path if route counts grow.
 * Pure: no EAL needed.
 */

#include <stdint.h>
#include "dps_stack.h"

struct dps_route {
	uint32_t prefix;	/* network order, masked */
	uint32_t mask;		/* network order */
	uint32_t gw;		/* network order; 0 = on-link */
	uint16_t ifindex;
	uint8_t len;
};

struct dps_route_table {
	unsigned int n;
	struct dps_route r[DPS_MAX_ROUTES];
};

/* Network-order mask for a prefix length 0..32. */
uint32_t dps_prefix_mask(uint8_t len);

/* Add a route. 0, -EINVAL (len > 32), -EEXIST (same prefix and length),
 * -ENOSPC. */
int dps_route_add(struct dps_route_table *t, uint32_t prefix, uint8_t len,
	uint32_t gw, uint16_t ifindex);

/* The longest-prefix route to @dst, or NULL (ENETUNREACH). */
const struct dps_route *dps_route_lookup(const struct dps_route_table *t,
	uint32_t dst);

/* The next hop to send to for @dst over @r: the gateway, or @dst. */
static inline uint32_t
dps_route_nexthop(const struct dps_route *r, uint32_t dst)
{
	return r->gw != 0 ? r->gw : dst;
}

#endif
