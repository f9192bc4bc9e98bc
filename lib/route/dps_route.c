/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <arpa/inet.h>
#include "dps_route.h"

uint32_t
dps_prefix_mask(uint8_t len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return 0xffffffffu;
	return htonl(~((1u << (32 - len)) - 1));
}

int
dps_route_add(struct dps_route_table *t, uint32_t prefix, uint8_t len,
	uint32_t gw, uint16_t ifindex)
{
	uint32_t mask;

	if (len > 32)
		return -EINVAL;
	mask = dps_prefix_mask(len);
	prefix &= mask;
	for (unsigned int i = 0; i < t->n; i++)
		if (t->r[i].prefix == prefix && t->r[i].len == len)
			return -EEXIST;
	if (t->n == DPS_MAX_ROUTES)
		return -ENOSPC;
	t->r[t->n++] = (struct dps_route){
		.prefix = prefix, .mask = mask, .gw = gw,
		.ifindex = ifindex, .len = len,
	};
	return 0;
}

/*
 * Longest prefix wins (RFC 1812 5.2.4.3); among equal lengths the route
 * added first wins, as the first-configured connected route does in Linux.
 */
const struct dps_route *
dps_route_lookup(const struct dps_route_table *t, uint32_t dst)
{
	const struct dps_route *best = NULL;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct dps_route *r = &t->r[i];

		if ((dst & r->mask) != r->prefix)
			continue;
		if (best == NULL || r->len > best->len)
			best = r;
	}
	return best;
}
