/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 address helpers (see dps_wire6.h): classification and scope
 * (RFC 4291 2.4, 2.7; RFC 6724 3.1), the link-local address of a MAC by
 * modified EUI-64 (RFC 4291 2.5.1, appendix A), solicited-node groups
 * (RFC 4291 2.7.1) and their Ethernet groups (RFC 2464 7), and source
 * address selection for one interface (RFC 6724 5).
 */
#include <string.h>

#include "dps_wire6.h"

bool
dps_ip6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

bool
dps_ip6_is_loopback(const uint8_t a[16])
{
	static const uint8_t lo[16] = { [15] = 1 };

	return memcmp(a, lo, 16) == 0;
}

bool
dps_ip6_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

/* ::ffff:0:0/96 (RFC 4291 2.5.5.2). */
bool
dps_ip6_is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

bool
dps_ip6_is_linklocal(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

enum dps_ip6_scope
dps_ip6_scope(const uint8_t a[16])
{
	if (dps_ip6_is_multicast(a))
		return (enum dps_ip6_scope)(a[1] & 0xf);
	if (dps_ip6_is_linklocal(a) || dps_ip6_is_loopback(a))
		return DPS_IP6_SCOPE_LINK;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return DPS_IP6_SCOPE_SITE;
	return DPS_IP6_SCOPE_GLOBAL;
}

/*
 * fe80::/64 and the modified EUI-64 identifier: the MAC's OUI, ff:fe,
 * the rest, with the universal/local bit (bit 1 of the first byte)
 * inverted (RFC 4291 appendix A).
 */
void
dps_ip6_linklocal(const struct rte_ether_addr *mac, uint8_t out[16])
{
	const uint8_t *m = mac->addr_bytes;

	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = m[0] ^ 0x02;
	out[9] = m[1];
	out[10] = m[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = m[3];
	out[14] = m[4];
	out[15] = m[5];
}

/* ff02::1:ff00:0/104 and the low 24 bits of @a. */
void
dps_ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xff;
	out[1] = 0x02;
	out[11] = 0x01;
	out[12] = 0xff;
	memcpy(out + 13, a + 13, 3);
}

void
dps_ip6_mcast_mac(const uint8_t a[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(mac->addr_bytes + 2, a + 12, 4);
}

/* Leading bits @a and @b share, at most @max. */
static unsigned int
common_prefix(const uint8_t a[16], const uint8_t b[16], unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < 16 && n < max; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x == 0) {
			n += 8;
			continue;
		}
		while ((x & 0x80) == 0) {
			n++;
			x <<= 1;
		}
		break;
	}
	return n < max ? n : max;
}

/* The label of @a in RFC 6724 2.1's default policy table: the entry with
 * the longest matching prefix. */
static unsigned int
policy_label(const uint8_t a[16])
{
	static const struct {
		uint8_t pfx[16];
		uint8_t len, label;
	} tbl[] = {
		{ { [15] = 1 }, 128, 0 },			/* ::1/128 */
		{ { [10] = 0xff, [11] = 0xff }, 96, 4 },	/* ::ffff:0:0/96 */
		{ { 0 }, 96, 3 },				/* ::/96 */
		{ { 0x20, 0x01 }, 32, 5 },			/* 2001::/32 */
		{ { 0x20, 0x02 }, 16, 2 },			/* 2002::/16 */
		{ { 0x3f, 0xfe }, 16, 12 },			/* 3ffe::/16 */
		{ { 0xfe, 0xc0 }, 10, 11 },			/* fec0::/10 */
		{ { 0xfc }, 7, 13 },				/* fc00::/7 */
	};

	/* Ordered longest prefix first: the first match is the longest. */
	for (unsigned int i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
		if (common_prefix(a, tbl[i].pfx, tbl[i].len) == tbl[i].len)
			return tbl[i].label;
	return 1;					/* ::/0 */
}

/*
 * RFC 6724 5: is candidate @a better than @b for @dst? The rules in
 * order; the first that tells them apart decides.
 */
static bool
src_better(const struct dps_ip6_cand *a, const struct dps_ip6_cand *b,
	const uint8_t dst[16])
{
	unsigned int sa = dps_ip6_scope(a->addr), sb = dps_ip6_scope(b->addr);
	unsigned int sd = dps_ip6_scope(dst), ld = policy_label(dst);
	unsigned int la, lb, pa, pb;

	/* Rule 1: prefer the same address. */
	if (memcmp(a->addr, dst, 16) == 0 || memcmp(b->addr, dst, 16) == 0)
		return memcmp(a->addr, dst, 16) == 0;
	/* Rule 2: prefer appropriate scope. */
	if (sa != sb)
		return sa < sb ? sa >= sd : sb < sd;
	/* Rule 3: avoid deprecated addresses. */
	if (a->deprecated != b->deprecated)
		return !a->deprecated;
	/* Rule 6: prefer matching label. */
	la = policy_label(a->addr);
	lb = policy_label(b->addr);
	if ((la == ld) != (lb == ld))
		return la == ld;
	/* Rule 8: use longest matching prefix. */
	pa = common_prefix(a->addr, dst, a->prefix_len);
	pb = common_prefix(b->addr, dst, b->prefix_len);
	return pa > pb;
}

int
dps_ip6_select_src(const struct dps_ip6_cand *c, unsigned int n,
	const uint8_t dst[16])
{
	int best = -1;

	for (unsigned int i = 0; i < n; i++) {
		if (c[i].tentative)
			continue;
		if (best < 0 || src_better(&c[i], &c[best], dst))
			best = (int)i;
	}
	return best;
}

/* @a as a 128-bit number (network order in, host order out). */
static unsigned __int128
ip6_num(const uint8_t a[16])
{
	unsigned __int128 v = 0;

	for (unsigned int i = 0; i < 16; i++)
		v = (v << 8) | a[i];
	return v;
}

bool
dps_ip6_cand_span_has(const struct dps_ip6_cand *c, const uint8_t a[16],
	uint32_t *off)
{
	unsigned __int128 d;

	if (c->span == 0) {
		*off = 0;
		return memcmp(c->addr, a, 16) == 0;
	}
	/* Unsigned: an @a below @c->addr wraps to a huge difference. */
	d = ip6_num(a) - ip6_num(c->addr);
	*off = (uint32_t)d;
	return d <= c->span;
}

bool
dps_ip6_cand_is_lost(const struct dps_ip6_cand *c, uint32_t off)
{
	for (unsigned int i = 0; i < c->n_lost; i++)
		if (c->lost[i] == off)
			return true;
	return false;
}

bool
dps_ip6_cand_has(const struct dps_ip6_cand *c, const uint8_t a[16])
{
	uint32_t off;

	if (!dps_ip6_cand_span_has(c, a, &off))
		return false;
	return c->n_lost == 0 || !dps_ip6_cand_is_lost(c, off);
}

/*
 * The offsets of a range whose address ends in a given 24-bit suffix
 * are @d, @d + 2^24, ... up to the span: the group is ours while more
 * of them are in the range than are lost.
 */
static bool
group_kept(const struct dps_ip6_cand *c, uint32_t d)
{
	uint32_t in_range = (c->span - d) / 0x1000000u + 1, lost = 0;

	for (unsigned int i = 0; i < c->n_lost; i++)
		lost += (c->lost[i] & 0xffffffu) == d;
	return in_range > lost;
}

bool
dps_ip6_cand_has_group(const struct dps_ip6_cand *c, const uint8_t g[16])
{
	uint8_t sn[16];
	uint32_t lo, want, d;

	dps_ip6_solicited_node(c->addr, sn);
	if (memcmp(g, sn, 13) != 0)
		return false;
	lo = (uint32_t)sn[13] << 16 | (uint32_t)sn[14] << 8 | sn[15];
	want = (uint32_t)g[13] << 16 | (uint32_t)g[14] << 8 | g[15];
	/* The first offset whose address ends in @want; past a span of
	 * 2^24 - 1 every suffix is covered. */
	d = (want - lo) & 0xffffffu;
	if (d > c->span)
		return false;
	return c->n_lost == 0 || group_kept(c, d);
}

void
dps_ip6_cand_nth(const struct dps_ip6_cand *c, uint32_t i, uint8_t out[16])
{
	unsigned __int128 v = ip6_num(c->addr) + i;

	for (int k = 15; k >= 0; k--, v >>= 8)
		out[k] = (uint8_t)v;
}

void
dps_ip6_cand_first(const struct dps_ip6_cand *c, uint8_t out[16])
{
	uint32_t i = 0;

	/* At most n_lost steps: dps_ip6_cand_lose() keeps one address. */
	while (c->n_lost != 0 && i < c->span && dps_ip6_cand_is_lost(c, i))
		i++;
	dps_ip6_cand_nth(c, i, out);
}

bool
dps_ip6_cand_lose(struct dps_ip6_cand *c, uint32_t off)
{
	uint8_t n = c->n_lost;

	if (n >= DPS_IP6_LOST_MAX || n >= c->span)
		return false;	/* full, or @off is the last one kept */
	c->lost[n] = off;
	/* Release: the offset is written before a reader that sees the new
	 * count (dps_ip6_cand_load()'s acquire) looks at it. */
	__atomic_store_n(&c->n_lost, (uint8_t)(n + 1), __ATOMIC_RELEASE);
	return true;
}

void
dps_ip6_cand_load(const struct dps_ip6_cand *c, struct dps_ip6_cand *out)
{
	/* Acquire: pairs with dps_ip6_cand_lose()'s release, so the offsets
	 * below the count are the ones written. */
	uint8_t n = __atomic_load_n(&c->n_lost, __ATOMIC_ACQUIRE);

	memcpy(out->addr, c->addr, 16);
	out->prefix_len = c->prefix_len;
	out->tentative = c->tentative;
	out->deprecated = c->deprecated;
	out->span = c->span;
	out->n_lost = n;
	memcpy(out->lost, c->lost, n * sizeof(c->lost[0]));
}

enum dps_ip6_dst
dps_ip6_dst_match(const struct dps_ip6_cand *c, unsigned int n,
	const uint8_t dst[16])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

	if (dps_ip6_is_multicast(dst)) {
		if (memcmp(dst, all_nodes, 16) == 0)
			return DPS_IP6_DST_GROUP;
		for (unsigned int i = 0; i < n; i++)
			if (dps_ip6_cand_has_group(&c[i], dst))
				return DPS_IP6_DST_GROUP;
		return DPS_IP6_DST_OTHER;
	}
	for (unsigned int i = 0; i < n; i++)
		if (dps_ip6_cand_has(&c[i], dst))
			return c[i].tentative ? DPS_IP6_DST_TENTATIVE :
				DPS_IP6_DST_UNICAST;
	return DPS_IP6_DST_OTHER;
}
