/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure parts of lib/core and lib/ip: address parsing
 * and formatting, the route table, the counter helpers, the NUMA node
 * choice (with a fake CPU-to-node resolver) and the single-writer counter
 * protocol under a concurrent reader. No EAL is initialised.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "dps_addr.h"
#include "dps_counters.h"
#include "dps_cnt.h"
#include "dps_numa.h"
#include "dps_route.h"
#include "dps_siphash.h"

/* Host-order address to network order. */
#define IPA(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP(a, b, c, d)	htonl(IPA(a, b, c, d))

/* ---- addresses ------------------------------------------------------- */

Test(core, addr_parse_valid)
{
	struct dps_addr a;

	memset(&a, 0xaa, sizeof(a));
	cr_assert_eq(dps_addr_parse("198.18.0.1", &a), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(a.v4, IP(198, 18, 0, 1));
	cr_assert_eq(dps_addr_parse("0.0.0.0", &a), 0);
	cr_assert_eq(a.v4, 0);
	cr_assert_eq(dps_addr_parse("255.255.255.255", &a), 0);
	cr_assert_eq(a.v4, 0xffffffffu);
}

Test(core, addr_parse_invalid)
{
	static const char *const bad[] = {
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "x", "", "1.2.3.4 ",
		" 1.2.3.4", "1.2.3.4/24", "::1", "1..2.3",
	};
	struct dps_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dps_addr_parse(bad[i], &a), -EINVAL, "'%s'", bad[i]);
	cr_assert_eq(dps_addr_parse(NULL, &a), -EINVAL);
	cr_assert_eq(dps_addr_parse("1.2.3.4", NULL), -EINVAL);
}

Test(core, prefix_parse_valid)
{
	struct dps_addr a;
	uint8_t len = 99;

	cr_assert_eq(dps_prefix_parse("198.18.0.1/24", &a, &len), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(a.v4, IP(198, 18, 0, 1), "host bits are kept");
	cr_assert_eq(len, 24);
	cr_assert_eq(dps_prefix_parse("0.0.0.0/0", &a, &len), 0);
	cr_assert_eq(a.v4, 0);
	cr_assert_eq(len, 0);
	cr_assert_eq(dps_prefix_parse("10.1.2.3/32", &a, &len), 0);
	cr_assert_eq(len, 32);
}

Test(core, prefix_parse_invalid)
{
	static const char *const bad[] = {
		"1.2.3", "1.2.3.4", "1.2.3.4/33", "1.2.3.4/-1", "x/8",
		"1.2.3.4/", "/8", "1.2.3/8", "1.2.3.4/8x", "1.2.3.4/8/8",
		"1.2.3.4/999999999999999999999", "1.2.3.4/ 8", "1.2.3.4/+8",
		"1.2.3.4/-0",
	};
	struct dps_addr a = dps_addr_v4(IP(9, 9, 9, 9));
	uint8_t len = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dps_prefix_parse(bad[i], &a, &len), -EINVAL, "'%s'",
			bad[i]);
	cr_assert_eq(dps_prefix_parse(NULL, &a, &len), -EINVAL);
	cr_assert_eq(len, 7, "length untouched on failure");
}

Test(core, addr_fmt)
{
	struct dps_addr a = dps_addr_v4(IP(198, 18, 0, 255));
	struct dps_addr six = { .family = AF_INET6 };
	struct dps_addr odd = { .family = 7 };
	char buf[64];

	cr_assert_eq(dps_addr_fmt(&a, buf, sizeof(buf)), buf);
	cr_assert_str_eq(buf, "198.18.0.255");
	six.v6[15] = 1;
	cr_assert_str_eq(dps_addr_fmt(&six, buf, sizeof(buf)), "::1");
	cr_assert_str_eq(dps_addr_fmt(&odd, buf, sizeof(buf)), "(family 7)");
}

Test(core, addr_eq)
{
	struct dps_addr a = dps_addr_v4(IP(10, 0, 0, 1));
	struct dps_addr b = dps_addr_v4(IP(10, 0, 0, 1));
	struct dps_addr c = dps_addr_v4(IP(10, 0, 0, 2));
	struct dps_addr s1 = { .family = AF_INET6 }, s2 = { .family = AF_INET6 };

	cr_assert(dps_addr_eq(&a, &b));
	cr_assert_not(dps_addr_eq(&a, &c));
	memcpy(s1.v6, &a.v4, 4);
	memcpy(s2.v6, &a.v4, 4);
	cr_assert(dps_addr_eq(&s1, &s2));
	cr_assert_not(dps_addr_eq(&a, &s1), "family differs");
	s2.v6[15] = 1;
	cr_assert_not(dps_addr_eq(&s1, &s2));
}

/* ---- routes ----------------------------------------------------------- */

Test(core, prefix_mask)
{
	cr_assert_eq(dps_prefix_mask(0), 0);
	cr_assert_eq(dps_prefix_mask(1), htonl(0x80000000u));
	cr_assert_eq(dps_prefix_mask(24), htonl(0xffffff00u));
	cr_assert_eq(dps_prefix_mask(31), htonl(0xfffffffeu));
	cr_assert_eq(dps_prefix_mask(32), 0xffffffffu);
	for (unsigned int l = 0; l <= 32; l++)
		cr_assert_eq(__builtin_popcount(dps_prefix_mask((uint8_t)l)),
			(int)l, "len %u", l);
}

Test(core, route_longest_prefix_wins)
{
	static struct dps_route_table t, t2;
	const struct dps_route *r;

	cr_assert_eq(dps_route_add(&t, IP(10, 0, 0, 0), 8, 0, 0), 0);
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 0, 0), 16, 0, 1), 0);
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 0), 24, 0, 2), 0);
	cr_assert_eq(dps_route_lookup(&t, IP(10, 1, 2, 3))->ifindex, 2);
	cr_assert_eq(dps_route_lookup(&t, IP(10, 1, 3, 3))->ifindex, 1);
	cr_assert_eq(dps_route_lookup(&t, IP(10, 2, 0, 0))->ifindex, 0);
	cr_assert_null(dps_route_lookup(&t, IP(11, 0, 0, 1)));

	/* Insertion order does not matter. */
	cr_assert_eq(dps_route_add(&t2, IP(10, 1, 2, 0), 24, 0, 2), 0);
	cr_assert_eq(dps_route_add(&t2, IP(10, 0, 0, 0), 8, 0, 0), 0);
	cr_assert_eq(dps_route_add(&t2, IP(10, 1, 0, 0), 16, 0, 1), 0);
	cr_assert_eq(dps_route_lookup(&t2, IP(10, 1, 2, 3))->ifindex, 2);
	cr_assert_eq(dps_route_lookup(&t2, IP(10, 1, 3, 3))->ifindex, 1);

	/* A /32 host route beats everything. */
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 3), 32, 0, 3), 0);
	r = dps_route_lookup(&t, IP(10, 1, 2, 3));
	cr_assert_eq(r->ifindex, 3);
	cr_assert_eq(r->len, 32);
	cr_assert_eq(dps_route_lookup(&t, IP(10, 1, 2, 4))->ifindex, 2);
}

Test(core, route_default_and_nexthop)
{
	static struct dps_route_table t;
	const struct dps_route *r;

	cr_assert_null(dps_route_lookup(&t, IP(203, 0, 113, 1)), "empty table");
	cr_assert_eq(dps_route_add(&t, IP(198, 18, 0, 0), 24, 0, 0), 0);
	cr_assert_null(dps_route_lookup(&t, IP(203, 0, 113, 1)));
	/* Host bits of a default route's prefix are masked away. */
	cr_assert_eq(dps_route_add(&t, IP(1, 2, 3, 4), 0, IP(198, 18, 0, 254), 0),
		0);
	r = dps_route_lookup(&t, IP(203, 0, 113, 1));
	cr_assert_not_null(r);
	cr_assert_eq(r->len, 0);
	cr_assert_eq(r->prefix, 0);
	cr_assert_eq(r->mask, 0);
	cr_assert_eq(dps_route_nexthop(r, IP(203, 0, 113, 1)), IP(198, 18, 0, 254),
		"via the gateway");
	r = dps_route_lookup(&t, IP(198, 18, 0, 7));
	cr_assert_eq(r->len, 24);
	cr_assert_eq(r->gw, 0);
	cr_assert_eq(dps_route_nexthop(r, IP(198, 18, 0, 7)), IP(198, 18, 0, 7),
		"on-link: the destination itself");
	r = dps_route_lookup(&t, 0xffffffffu);
	cr_assert_eq(r->len, 0, "255.255.255.255 has no route but the default");
}

Test(core, route_errors)
{
	static struct dps_route_table t;
	const struct dps_route *r;

	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 3), 24, 0, 0), 0);
	r = dps_route_lookup(&t, IP(10, 1, 2, 200));
	cr_assert_eq(r->prefix, IP(10, 1, 2, 0), "stored masked");
	cr_assert_eq(r->mask, htonl(0xffffff00u));
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 0), 24, 0, 1), -EEXIST);
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 77), 24, IP(10, 1, 2, 1), 0),
		-EEXIST, "same prefix once masked");
	cr_assert_eq(dps_route_add(&t, IP(10, 1, 2, 0), 25, 0, 0), 0,
		"same prefix, other length");
	cr_assert_eq(dps_route_add(&t, IP(10, 0, 0, 0), 33, 0, 0), -EINVAL);
	cr_assert_eq(dps_route_add(&t, IP(10, 0, 0, 0), 255, 0, 0), -EINVAL);
	cr_assert_eq(t.n, 2);

	/* Equal lengths: the first added wins. */
	cr_assert_eq(dps_route_lookup(&t, IP(10, 1, 2, 5))->len, 25);
	cr_assert_eq(dps_route_lookup(&t, IP(10, 1, 2, 130))->len, 24);
}

Test(core, route_table_full)
{
	static struct dps_route_table t;

	for (unsigned int i = 0; i < DPS_MAX_ROUTES; i++)
		cr_assert_eq(dps_route_add(&t, IP(10, i, 0, 0), 16, 0, 0), 0,
			"route %u", i);
	cr_assert_eq(t.n, DPS_MAX_ROUTES);
	cr_assert_eq(dps_route_add(&t, IP(11, 0, 0, 0), 16, 0, 0), -ENOSPC);
	cr_assert_eq(dps_route_add(&t, 0, 0, IP(10, 0, 0, 1), 0), -ENOSPC);
	cr_assert_eq(dps_route_add(&t, IP(10, 5, 0, 0), 16, 0, 0), -EEXIST,
		"a duplicate is still a duplicate when full");
	cr_assert_eq(dps_route_lookup(&t, IP(10, DPS_MAX_ROUTES - 1, 9, 9))->prefix,
		IP(10, DPS_MAX_ROUTES - 1, 0, 0));
	cr_assert_null(dps_route_lookup(&t, IP(11, 0, 0, 1)));
}

/* IPv6 routes (dps_route6.c): longest prefix among an on-link /64, a
 * default route through a link-local router and a host route; prefixes
 * are stored masked; the next hop is the router or the destination. */
Test(core, route6_longest_prefix_and_nexthop)
{
	static struct dps_route6_table t;
	static const uint8_t net[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [15] = 0x77 };
	static const uint8_t host[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [15] = 9 };
	static const uint8_t gw[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t any[16];
	static const uint8_t far[16] = { 0x20, 0x01, 0x0d, 0xb9, [15] = 1 };
	const struct dps_route6 *r;
	uint8_t nh[16];

	cr_assert_eq(dps_route6_add(&t, net, 64, NULL, 0), 0);
	cr_assert_eq(t.r[0].prefix[15], 0, "stored masked");
	cr_assert_eq(dps_route6_add(&t, net, 64, NULL, 1), -EEXIST);
	cr_assert_eq(dps_route6_add(&t, any, 0, gw, 0), 0);
	cr_assert_eq(dps_route6_add(&t, host, 128, NULL, 1), 0);
	cr_assert_eq(dps_route6_add(&t, host, 129, NULL, 1), -EINVAL);
	r = dps_route6_lookup(&t, host);
	cr_assert_eq(r->len, 128);
	cr_assert_eq(r->ifindex, 1);
	r = dps_route6_lookup(&t, net);
	cr_assert_eq(r->len, 64);
	dps_route6_nexthop(r, net, nh);
	cr_assert_eq(memcmp(nh, net, 16), 0, "on-link: the destination");
	r = dps_route6_lookup(&t, far);
	cr_assert_eq(r->len, 0);
	dps_route6_nexthop(r, far, nh);
	cr_assert_eq(memcmp(nh, gw, 16), 0, "the router");
	/* An odd length masks within a byte. */
	cr_assert(dps_ip6_prefix_match(far, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8 }, 31));
	cr_assert_not(dps_ip6_prefix_match(far, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8 }, 32));
}

/* ---- counters --------------------------------------------------------- */

#define X_NAME(name, help) #name,
static const char *const want_drop_names[] = { DPS_DROP_LIST(X_NAME) };
static const char *const want_cnt_names[] = { DPS_COUNTER_LIST(X_NAME) };
#undef X_NAME
#define N_CNT (sizeof(want_cnt_names) / sizeof(want_cnt_names[0]))
#define N_FIELDS (N_CNT + DPS_DROP__MAX)

Test(core, drop_reason_names)
{
	cr_assert_eq(sizeof(want_drop_names) / sizeof(want_drop_names[0]),
		(size_t)DPS_DROP__MAX);
	for (int i = 0; i < DPS_DROP__MAX; i++) {
		const char *n = dps_drop_reason_name(i);

		cr_assert_not_null(n);
		cr_assert_str_neq(n, "?", "reason %d", i);
		cr_assert_str_not_empty(n);
		cr_assert_str_eq(n, want_drop_names[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(n, dps_drop_reason_name(j),
				"reasons %d and %d share a name", j, i);
	}
	cr_assert_str_eq(dps_drop_reason_name(DPS_DROP_ip_bad_csum), "ip_bad_csum");
	cr_assert_str_eq(dps_drop_reason_name(DPS_DROP__MAX), "?");
	cr_assert_str_eq(dps_drop_reason_name(DPS_DROP_NONE), "?");
	cr_assert_str_eq(dps_drop_reason_name(INT_MAX), "?");
	cr_assert_str_eq(dps_drop_reason_name(INT_MIN), "?");
}

/* The counters as a flat array: every field is a uint64_t. */
static uint64_t *
cnt_words(struct dps_counters *c)
{
	return (uint64_t *)c;
}

Test(core, counters_layout_is_flat)
{
	cr_assert_eq(sizeof(struct dps_counters), N_FIELDS * sizeof(uint64_t));
}

Test(core, counters_snapshot_and_accumulate)
{
	struct dps_counters a, b, acc;

	for (size_t i = 0; i < N_FIELDS; i++) {
		cnt_words(&a)[i] = 1000 + i;
		cnt_words(&b)[i] = (uint64_t)i << 40;
	}
	memset(&acc, 0x5a, sizeof(acc));
	dps_counters_snapshot(&acc, &a);
	cr_assert_eq(memcmp(&acc, &a, sizeof(a)), 0, "snapshot copies every field");
	dps_counters_accumulate(&acc, &b);
	for (size_t i = 0; i < N_FIELDS; i++)
		cr_assert_eq(cnt_words(&acc)[i], 1000 + i + ((uint64_t)i << 40),
			"field %zu", i);
	dps_counters_accumulate(&acc, &acc);
	cr_assert_eq(cnt_words(&acc)[N_FIELDS - 1],
		2 * (1000 + N_FIELDS - 1 + ((uint64_t)(N_FIELDS - 1) << 40)));
}

struct visit {
	unsigned int n;
	char names[N_FIELDS + 4][64];
	uint64_t values[N_FIELDS + 4];
};

static void
visit_cb(const char *name, uint64_t value, void *arg)
{
	struct visit *v = arg;

	cr_assert_lt(v->n, N_FIELDS, "foreach called too often");
	cr_assert_lt(strlen(name), sizeof(v->names[0]));
	strcpy(v->names[v->n], name);
	v->values[v->n] = value;
	v->n++;
}

Test(core, counters_foreach_visits_every_field_once)
{
	static struct visit v, v2;
	struct dps_counters c;
	char want[80];

	for (size_t i = 0; i < N_FIELDS; i++)
		cnt_words(&c)[i] = 7 * i + 3;
	dps_counters_foreach(&c, visit_cb, &v);
	cr_assert_eq(v.n, N_FIELDS);
	for (size_t i = 0; i < N_CNT; i++) {
		cr_assert_str_eq(v.names[i], want_cnt_names[i]);
		cr_assert_eq(v.values[i], 7 * i + 3, "%s", v.names[i]);
	}
	for (int r = 0; r < DPS_DROP__MAX; r++) {
		size_t k = N_CNT + (size_t)r;

		snprintf(want, sizeof(want), "drop.%s", dps_drop_reason_name(r));
		cr_assert_str_eq(v.names[k], want);
		cr_assert_eq(v.values[k], c.drop[r], "%s", want);
	}
	for (size_t i = 0; i < N_FIELDS; i++)
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(v.names[i], v.names[j], "duplicate name");
	/* Stable order. */
	dps_counters_foreach(&c, visit_cb, &v2);
	cr_assert_eq(memcmp(&v, &v2, sizeof(v)), 0);
}

Test(core, counters_total_drops)
{
	struct dps_counters c;

	memset(&c, 0, sizeof(c));
	cr_assert_eq(dps_counters_total_drops(&c), 0);
	c.eth_rx_pkts = 1000;
	c.icmp_tx_unreach = 5;
	cr_assert_eq(dps_counters_total_drops(&c), 0, "only drops count");
	for (int r = 0; r < DPS_DROP__MAX; r++)
		c.drop[r] = (uint64_t)r + 1;
	cr_assert_eq(dps_counters_total_drops(&c),
		(uint64_t)DPS_DROP__MAX * (DPS_DROP__MAX + 1) / 2);
}

Test(core, cnt_macros_and_dps_drop)
{
	struct dps_counters c;

	memset(&c, 0, sizeof(c));
	DPS_CNT_INC(&c, ip_rx);
	DPS_CNT_ADD(&c, eth_rx_bytes, 1500);
	cr_assert_eq(c.ip_rx, 1);
	cr_assert_eq(c.eth_rx_bytes, 1500);
	cr_assert_eq(dps_drop(&c, DPS_DROP_nomem), DPS_DROP_nomem);
	cr_assert_eq(c.drop[DPS_DROP_nomem], 1);
	cr_assert_eq(dps_drop(NULL, DPS_DROP_nomem), DPS_DROP_nomem);
	cr_assert_eq(dps_drop(&c, DPS_DROP_NONE), DPS_DROP_NONE);
	cr_assert_eq(dps_drop(&c, DPS_DROP__MAX), DPS_DROP__MAX);
	cr_assert_eq(dps_counters_total_drops(&c), 1, "out of range counts nothing");
}

/* ---- NUMA node choice ------------------------------------------------- */

static unsigned int fake_calls;

/* Two nodes: cpu 0 on node 0, cpu 1 on node 1, anything else unknown. */
static int
fake_node_of_cpu(int cpu)
{
	fake_calls++;
	if (cpu == 0 || cpu == 1)
		return cpu;
	return -1;
}

Test(core, numa_pick_node)
{
	cr_assert_eq(dps_numa_pick_node(1, fake_node_of_cpu, true), 1);
	cr_assert_eq(dps_numa_pick_node(0, fake_node_of_cpu, true), 0);
	cr_assert_eq(fake_calls, 2);
	cr_assert_eq(dps_numa_pick_node(7, fake_node_of_cpu, true), 0,
		"resolver failed");
	cr_assert_eq(fake_calls, 3);
	fake_calls = 0;
	cr_assert_eq(dps_numa_pick_node(1, fake_node_of_cpu, false), 0,
		"libnuma unavailable");
	cr_assert_eq(dps_numa_pick_node(-1, fake_node_of_cpu, true), 0,
		"sched_getcpu failed");
	cr_assert_eq(fake_calls, 0, "resolver not consulted");
}

/* ---- single writer, concurrent reader --------------------------------- */

#define CNT_ITERS 10000000ull

static struct dps_counters shared_cnt;
static volatile int writer_go, writer_done;

static void *
writer_main(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&writer_go, __ATOMIC_ACQUIRE))
		;
	for (uint64_t i = 0; i < CNT_ITERS; i++) {
		DPS_CNT_INC(&shared_cnt, eth_rx_pkts);
		if ((i & 3) == 0)
			dps_drop(&shared_cnt, DPS_DROP_ip_bad_csum);
	}
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(core, counters_single_writer_concurrent_snapshots, .timeout = 60)
{
	struct dps_counters snap;
	uint64_t prev_pkts = 0, prev_drops = 0, snaps = 0, mid = 0;
	pthread_t th;

	memset(&shared_cnt, 0, sizeof(shared_cnt));
	cr_assert_eq(pthread_create(&th, NULL, writer_main, NULL), 0);
	__atomic_store_n(&writer_go, 1, __ATOMIC_RELEASE);
	for (;;) {
		int done = __atomic_load_n(&writer_done, __ATOMIC_ACQUIRE);

		dps_counters_snapshot(&snap, &shared_cnt);
		cr_assert_geq(snap.eth_rx_pkts, prev_pkts, "went backwards");
		cr_assert_geq(snap.drop[DPS_DROP_ip_bad_csum], prev_drops);
		cr_assert_leq(snap.eth_rx_pkts, CNT_ITERS);
		mid += snap.eth_rx_pkts > 0 && snap.eth_rx_pkts < CNT_ITERS;
		prev_pkts = snap.eth_rx_pkts;
		prev_drops = snap.drop[DPS_DROP_ip_bad_csum];
		snaps++;
		if (done)
			break;
	}
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(snap.eth_rx_pkts, CNT_ITERS, "exact final value");
	cr_assert_eq(snap.drop[DPS_DROP_ip_bad_csum], CNT_ITERS / 4);
	cr_assert_eq(dps_counters_total_drops(&snap), CNT_ITERS / 4);
	cr_log_info("%" PRIu64 " snapshots, %" PRIu64 " mid-flight", snaps, mid);
}

/* SipHash-2-4 against the reference implementation's test vectors (key
 * 00..0f, message 00..len-1), and its sensitivity to key and input. */
Test(core, siphash24_vectors)
{
	static const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint64_t other[2] = { key[0] ^ 1, key[1] };
	uint8_t m[64];

	for (unsigned int i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	cr_assert_eq(dps_siphash24(m, 0, key), 0x726fdb47dd0e0e31ull);
	cr_assert_eq(dps_siphash24(m, 15, key), 0xa129ca6149be45e5ull);
	/* Whole words (the word load) and a connection's 12-byte tuple. */
	cr_assert_eq(dps_siphash24(m, 8, key), 0x93f5f5799a932462ull);
	cr_assert_eq(dps_siphash24(m, 12, key), 0x751e8fbc860ee5fbull);
	cr_assert_eq(dps_siphash24(m, 16, key), 0x3f2acc7f57c29bdbull);
	/* Every length of a last partial word (the tail loads). */
	cr_assert_eq(dps_siphash24(m, 1, key), 0x74f839c593dc67fdull);
	cr_assert_eq(dps_siphash24(m, 2, key), 0x0d6c8009d9a94f5aull);
	cr_assert_eq(dps_siphash24(m, 3, key), 0x85676696d7fb7e2dull);
	cr_assert_eq(dps_siphash24(m, 4, key), 0xcf2794e0277187b7ull);
	cr_assert_eq(dps_siphash24(m, 5, key), 0x18765564cd99a68dull);
	cr_assert_eq(dps_siphash24(m, 6, key), 0xcbc9466e58fee3ceull);
	cr_assert_eq(dps_siphash24(m, 7, key), 0xab0200f58b01d137ull);
	cr_assert_eq(dps_siphash24(m + 1, 12, key), dps_siphash24(memcpy(&m[40],
		m + 1, 12), 12, key), "unaligned input");
	cr_assert_neq(dps_siphash24(m, 15, other), 0xa129ca6149be45e5ull);
	cr_assert_neq(dps_siphash24(m, 14, key), dps_siphash24(m, 15, key));
	cr_assert_neq(dps_siphash24(m, 16, key), dps_siphash24(m, 15, key));
}
