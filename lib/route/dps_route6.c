/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 routes: longest-prefix match over a small array, as the IPv4
 * table (dps_route.c). On-link prefixes come with the interface's
 * addresses; a default route names its router, which is resolved by
 * neighbour discovery like any on-link neighbour (RFC 4861 5.2).
 */
#include <errno.h>
#include <string.h>
#include "dps_route.h"

void
dps_ip6_prefix_mask(const uint8_t in[16], uint8_t len, uint8_t out[16])
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = len > 8 * i ? len - 8 * i : 0;

		out[i] = bits >= 8 ? in[i] : (uint8_t)(in[i] & (0xff00u >> bits));
	}
}

bool
dps_ip6_prefix_match(const uint8_t a[16], const uint8_t prefix[16], uint8_t len)
{
	uint8_t m[16];

	dps_ip6_prefix_mask(a, len, m);
	return memcmp(m, prefix, 16) == 0;
}

int
dps_route6_add(struct dps_route6_table *t, const uint8_t prefix[16],
	uint8_t len, const uint8_t *gw, uint16_t ifindex)
{
	struct dps_route6 r = { .ifindex = ifindex, .len = len };

	if (len > 128)
		return -EINVAL;
	dps_ip6_prefix_mask(prefix, len, r.prefix);
	for (unsigned int i = 0; i < t->n; i++)
		if (t->r[i].len == len && memcmp(t->r[i].prefix, r.prefix, 16) == 0)
			return -EEXIST;
	if (t->n == DPS_MAX_ROUTES)
		return -ENOSPC;
	if (gw != NULL) {
		memcpy(r.gw, gw, 16);
		r.has_gw = true;
	}
	t->r[t->n++] = r;
	return 0;
}

const struct dps_route6 *
dps_route6_lookup(const struct dps_route6_table *t, const uint8_t dst[16])
{
	const struct dps_route6 *best = NULL;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct dps_route6 *r = &t->r[i];

		if ((best == NULL || r->len > best->len) &&
				dps_ip6_prefix_match(dst, r->prefix, r->len))
			best = r;
	}
	return best;
}
