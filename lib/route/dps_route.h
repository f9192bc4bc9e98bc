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

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
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

/*
 * IPv6 routes (dps_route6.c): the same small array, 16-byte prefixes.
 * A route without a gateway is an on-link prefix (RFC 4861 5.2).
 */
struct dps_route6 {
	uint8_t prefix[16];	/* masked */
	uint8_t gw[16];		/* when has_gw */
	bool has_gw;
	uint8_t len;
	uint16_t ifindex;
};

struct dps_route6_table {
	unsigned int n;
	struct dps_route6 r[DPS_MAX_ROUTES];
};

/* @in with the bits past @len cleared, into @out. */
void dps_ip6_prefix_mask(const uint8_t in[16], uint8_t len, uint8_t out[16]);
/* Whether @a lies in @prefix/@len (@prefix masked). */
bool dps_ip6_prefix_match(const uint8_t a[16], const uint8_t prefix[16],
	uint8_t len);

/* Add a route; @gw NULL for on-link. 0, -EINVAL (len > 128), -EEXIST
 * (same prefix and length), -ENOSPC. */
int dps_route6_add(struct dps_route6_table *t, const uint8_t prefix[16],
	uint8_t len, const uint8_t *gw, uint16_t ifindex);

/* The longest-prefix route to @dst, or NULL (ENETUNREACH). */
const struct dps_route6 *dps_route6_lookup(const struct dps_route6_table *t,
	const uint8_t dst[16]);

/* The neighbour to send to for @dst over @r: the router, or @dst. */
static inline void
dps_route6_nexthop(const struct dps_route6 *r, const uint8_t dst[16],
	uint8_t out[16])
{
	memcpy(out, r->has_gw ? r->gw : dst, 16);
}

#endif
