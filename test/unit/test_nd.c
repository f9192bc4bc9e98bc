/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the IPv6 neighbour cache and DAD (lib/nd). Time is a
 * virtual clock handed to every call, so Linux's 30 s reachable time and
 * 60 s garbage collection run in microseconds; the actions each call
 * returns are checked one by one. "Packets" are tagged pointers.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dps_counters.h"
#include "dps_nd.h"
#include "dps_wire6.h"

#define S 1000000000ULL
#define MS 1000000ULL
#define T0 (1000 * S)		/* a clock that is not at 0 */
#define IF 1

static struct dps_nd_cache cache;
static struct dps_nd_out out;
static const uint8_t N1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b };
static const uint8_t N2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c };
static const struct rte_ether_addr MAC1 = { { 2, 0, 0, 0, 0, 0x0b } };
static const struct rte_ether_addr MAC2 = { { 2, 0, 0, 0, 0, 0x2b } };

static void *
pkt(uintptr_t n)
{
	return (void *)(n << 4);
}

static void
setup(void)
{
	dps_nd_init(&cache, NULL, 42, T0);
}

static const struct dps_nd_entry *
ent(const uint8_t *a)
{
	return dps_nd_lookup(&cache, IF, a);
}

static uint8_t
state(const uint8_t *a)
{
	const struct dps_nd_entry *e = ent(a);

	return e != NULL ? e->state : DPS_ND_FREE;
}

/* The only action of the last call is a solicitation, unicast or not. */
static void
want_solicit(const uint8_t *a, bool unicast)
{
	cr_assert_eq(out.n, 1, "one action, got %u", out.n);
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_SOLICIT);
	cr_assert_eq(out.a[0].unicast, unicast);
	cr_assert_arr_eq(out.a[0].addr, a, 16);
	if (unicast)
		cr_assert(rte_is_same_ether_addr(&out.a[0].lla, &ent(a)->lla));
}

/* Resolve @a for packet @n, expecting @rc. */
static int
use(const uint8_t *a, uintptr_t n, uint64_t now, struct rte_ether_addr *mac)
{
	struct rte_ether_addr m;

	return dps_nd_resolve(&cache, IF, a, pkt(n), 100, mac != NULL ? mac : &m,
		now, &out);
}

/* N1 resolved by a solicited advertisement at @now: REACHABLE. */
static void
make_reachable(uint64_t now)
{
	cr_assert_eq(use(N1, 1, now, NULL), -EAGAIN);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, &MAC1, now, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
}

/* N1 known but unconfirmed: STALE, from a solicitation it sent. */
static void
make_stale(uint64_t now)
{
	dps_nd_rx_ns(&cache, IF, N1, &MAC1, now, &out);
	cr_assert_eq(out.n, 0);
	cr_assert_eq(state(N1), DPS_ND_STALE);
}

TestSuite(nd, .init = setup);

Test(nd, defaults_are_linux_and_reachable_time_is_random)
{
	uint64_t seen[8];

	cr_assert_eq(cache.p.base_reachable_ns, 30 * S);
	cr_assert_eq(cache.p.retrans_ns, 1 * S);
	cr_assert_eq(cache.p.delay_first_probe_ns, 5 * S);
	cr_assert_eq(cache.p.mcast_solicit, 3);
	cr_assert_eq(cache.p.ucast_solicit, 3);
	cr_assert_eq(cache.p.unres_qlen_bytes, 212992);
	for (unsigned int i = 0; i < 8; i++) {
		dps_nd_init(&cache, NULL, 1000 + i, T0);
		seen[i] = cache.reachable_ns;
		cr_assert_geq(seen[i], 15 * S);
		cr_assert_lt(seen[i], 45 * S);
	}
	cr_assert_neq(seen[0], seen[1]);
	/* Drawn again after 300 s. */
	dps_nd_tick(&cache, T0 + 299 * S, &out);
	cr_assert_eq(cache.reachable_ns, seen[7]);
	dps_nd_tick(&cache, T0 + 300 * S, &out);
	cr_assert_neq(cache.reachable_ns, seen[7]);
	cr_assert_geq(cache.reachable_ns, 15 * S);
	cr_assert_lt(cache.reachable_ns, 45 * S);
}

Test(nd, incomplete_solicits_three_times_then_fails_the_held_packets)
{
	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	cr_assert_eq(state(N1), DPS_ND_INCOMPLETE);
	want_solicit(N1, false);
	cr_assert_eq(use(N1, 2, T0 + 10 * MS, NULL), -EAGAIN);
	cr_assert_eq(out.n, 0, "no second solicitation for a second packet");
	dps_nd_tick(&cache, T0 + S - 1, &out);
	cr_assert_eq(out.n, 0);
	dps_nd_tick(&cache, T0 + S, &out);
	want_solicit(N1, false);
	dps_nd_tick(&cache, T0 + 2 * S, &out);
	want_solicit(N1, false);
	dps_nd_tick(&cache, T0 + 3 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_FAILED);
	cr_assert_eq(out.n, 2);
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(out.a[i].kind, DPS_ND_ACT_FAIL);
		cr_assert_eq(out.a[i].pkt, pkt(i + 1), "oldest first");
		cr_assert_eq(out.a[i].reason, DPS_DROP_nd_failed);
	}
	dps_nd_tick(&cache, T0 + 3 * S + 1, &out);
	cr_assert_null(ent(N1), "a failed entry is collected");
	cr_assert_eq(cache.n_used, 0);
}

Test(nd, failed_entry_resolves_again)
{
	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	for (unsigned int i = 1; i <= 3; i++)
		dps_nd_tick(&cache, T0 + i * S, &out);
	cr_assert_eq(state(N1), DPS_ND_FAILED);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, &MAC1, T0 + 3 * S,
		&out);
	cr_assert_eq(state(N1), DPS_ND_FAILED, "as ndisc_recv_na()");
	cr_assert_eq(use(N1, 2, T0 + 3 * S, NULL), -EAGAIN);
	cr_assert_eq(state(N1), DPS_ND_INCOMPLETE);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_SOLICIT);
}

Test(nd, solicited_advertisement_makes_reachable_and_releases_in_order)
{
	struct rte_ether_addr m;

	for (uintptr_t i = 1; i <= 3; i++)
		cr_assert_eq(use(N1, i, T0, NULL), -EAGAIN);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED | DPS_ND_NA_OVERRIDE,
		&MAC1, T0 + 5 * MS, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	cr_assert_eq(out.n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(out.a[i].kind, DPS_ND_ACT_TX);
		cr_assert_eq(out.a[i].pkt, pkt(i + 1));
		cr_assert(rte_is_same_ether_addr(&out.a[i].lla, &MAC1));
	}
	cr_assert_eq(ent(N1)->hold_n, 0);
	cr_assert_eq(ent(N1)->hold_bytes, 0);
	cr_assert_eq(use(N1, 4, T0 + 6 * MS, &m), 0);
	cr_assert(rte_is_same_ether_addr(&m, &MAC1));
	cr_assert_eq(out.n, 0);
}

Test(nd, unsolicited_advertisement_on_incomplete_makes_stale)
{
	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_OVERRIDE, &MAC1, T0, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_TX);
}

Test(nd, advertisement_without_address_leaves_incomplete)
{
	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, NULL, T0, &out);
	cr_assert_eq(state(N1), DPS_ND_INCOMPLETE);
	cr_assert_eq(out.n, 0);
}

Test(nd, advertisement_for_no_entry_makes_none)
{
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_OVERRIDE, &MAC1, T0, &out);
	cr_assert_null(ent(N1));
	cr_assert_eq(cache.n_used, 0);
}

Test(nd, reachable_unused_ages_to_stale)
{
	make_reachable(T0);
	dps_nd_tick(&cache, T0 + cache.reachable_ns - 1, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	dps_nd_tick(&cache, T0 + cache.reachable_ns + 10 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE, "unused: straight to STALE");
	cr_assert_eq(out.n, 0);
}

Test(nd, reachable_used_lately_goes_to_delay)
{
	uint64_t r;

	make_reachable(T0);
	r = cache.reachable_ns;
	cr_assert_eq(use(N1, 2, T0 + r - 2 * S, NULL), 0);
	dps_nd_tick(&cache, T0 + r, &out);
	cr_assert_eq(state(N1), DPS_ND_DELAY);
	cr_assert_eq(out.n, 0);
}

Test(nd, confirmation_keeps_reachable)
{
	uint64_t r;

	make_reachable(T0);
	r = cache.reachable_ns;
	dps_nd_confirm(&cache, IF, N1, T0 + 20 * S);
	dps_nd_tick(&cache, T0 + r, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	cr_assert_eq(ent(N1)->timer_ns, T0 + 20 * S + r);
}

Test(nd, stale_use_delays_then_probes_unicast_then_fails)
{
	struct rte_ether_addr m;

	make_stale(T0);
	cr_assert_eq(use(N1, 1, T0 + S, &m), 0, "a stale entry is used");
	cr_assert(rte_is_same_ether_addr(&m, &MAC1));
	cr_assert_eq(state(N1), DPS_ND_DELAY);
	cr_assert_eq(out.n, 0, "DELAY sends nothing");
	dps_nd_tick(&cache, T0 + 6 * S - 1, &out);
	cr_assert_eq(state(N1), DPS_ND_DELAY);
	dps_nd_tick(&cache, T0 + 6 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_PROBE);
	want_solicit(N1, true);
	cr_assert_eq(use(N1, 2, T0 + 6 * S, &m), 0, "PROBE still sends");
	dps_nd_tick(&cache, T0 + 7 * S, &out);
	want_solicit(N1, true);
	dps_nd_tick(&cache, T0 + 8 * S, &out);
	want_solicit(N1, true);
	dps_nd_tick(&cache, T0 + 9 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_FAILED);
	cr_assert_eq(out.n, 0, "nothing was held");
}

Test(nd, confirmation_in_delay_returns_to_reachable)
{
	make_stale(T0);
	cr_assert_eq(use(N1, 1, T0 + S, NULL), 0);
	dps_nd_confirm(&cache, IF, N1, T0 + 2 * S);
	dps_nd_tick(&cache, T0 + 6 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	cr_assert_eq(out.n, 0);
	cr_assert_eq(ent(N1)->timer_ns, T0 + 2 * S + cache.reachable_ns);
}

Test(nd, solicited_advertisement_in_delay_or_probe_makes_reachable)
{
	make_stale(T0);
	cr_assert_eq(use(N1, 1, T0 + S, NULL), 0);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, NULL, T0 + 2 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	dps_nd_tick(&cache, T0 + 2 * S + cache.reachable_ns, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert_eq(use(N1, 1, T0 + 100 * S, NULL), 0);
	dps_nd_tick(&cache, T0 + 105 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_PROBE);
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, &MAC1, T0 + 105 * S,
		&out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
}

/* RFC 4861 appendix C, for an entry that has an address. */
Test(nd, override_flag_rules)
{
	make_reachable(T0);
	/* O clear, another address: REACHABLE becomes STALE, address kept. */
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, &MAC2, T0 + S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert(rte_is_same_ether_addr(&ent(N1)->lla, &MAC1));
	/* The same again on STALE: nothing. */
	dps_nd_rx_na(&cache, IF, N1, 0, &MAC2, T0 + 2 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert(rte_is_same_ether_addr(&ent(N1)->lla, &MAC1));
	/* O set, S clear, another address: taken, STALE. */
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_OVERRIDE, &MAC2, T0 + 3 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert(rte_is_same_ether_addr(&ent(N1)->lla, &MAC2));
	/* O and S set, another address: taken, REACHABLE. */
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_OVERRIDE | DPS_ND_NA_SOLICITED,
		&MAC1, T0 + 4 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	cr_assert(rte_is_same_ether_addr(&ent(N1)->lla, &MAC1));
	/* S clear, same address, no O: no change. */
	dps_nd_rx_na(&cache, IF, N1, 0, &MAC1, T0 + 5 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	cr_assert_eq(ent(N1)->confirmed_ns, T0 + 4 * S);
	/* The R flag sets IsRouter. */
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_ROUTER, NULL, T0 + 6 * S, &out);
	cr_assert(ent(N1)->router);
}

Test(nd, solicitation_from_a_neighbour_learns_it_stale)
{
	make_stale(T0);
	dps_nd_rx_ns(&cache, IF, N1, &MAC1, T0 + S, &out);
	cr_assert_eq(ent(N1)->updated_ns, T0, "the same address changes nothing");
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, NULL, T0 + 2 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	dps_nd_rx_ns(&cache, IF, N1, &MAC1, T0 + 3 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_REACHABLE);
	dps_nd_rx_ns(&cache, IF, N1, &MAC2, T0 + 4 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	cr_assert(rte_is_same_ether_addr(&ent(N1)->lla, &MAC2));
	/* On INCOMPLETE it resolves, and the held packets leave. */
	cr_assert_eq(use(N2, 7, T0 + 5 * S, NULL), -EAGAIN);
	dps_nd_rx_ns(&cache, IF, N2, &MAC2, T0 + 5 * S, &out);
	cr_assert_eq(state(N2), DPS_ND_STALE);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_TX);
	cr_assert_eq(out.a[0].pkt, pkt(7));
}

Test(nd, dad_probe_from_unspecified_learns_nothing)
{
	static const uint8_t unspec[16];

	dps_nd_rx_ns(&cache, IF, unspec, &MAC1, T0, &out);
	cr_assert_eq(cache.n_used, 0);
	cr_assert_eq(out.n, 0);
}

Test(nd, static_entries_never_change)
{
	struct rte_ether_addr m;

	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	cr_assert_eq(dps_nd_add_static(&cache, IF, N1, &MAC2, &out), 0);
	cr_assert_eq(state(N1), DPS_ND_STATIC);
	cr_assert_eq(out.n, 1, "the held packet leaves");
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_TX);
	cr_assert(rte_is_same_ether_addr(&out.a[0].lla, &MAC2));
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_OVERRIDE | DPS_ND_NA_SOLICITED,
		&MAC1, T0, &out);
	dps_nd_rx_ns(&cache, IF, N1, &MAC1, T0, &out);
	dps_nd_tick(&cache, T0 + 1000 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STATIC);
	cr_assert_eq(use(N1, 2, T0 + 1000 * S, &m), 0);
	cr_assert(rte_is_same_ether_addr(&m, &MAC2));
}

Test(nd, hold_queue_is_bounded_by_bytes_oldest_dropped)
{
	struct rte_ether_addr m;

	cr_assert_eq(dps_nd_resolve(&cache, IF, N1, pkt(1), 100000, &m, T0,
		&out), -EAGAIN);
	cr_assert_eq(dps_nd_resolve(&cache, IF, N1, pkt(2), 100000, &m, T0,
		&out), -EAGAIN);
	cr_assert_eq(out.n, 0, "200000 bytes fit in 212992");
	cr_assert_eq(dps_nd_resolve(&cache, IF, N1, pkt(3), 100000, &m, T0,
		&out), -EAGAIN);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_DROP);
	cr_assert_eq(out.a[0].pkt, pkt(1));
	cr_assert_eq(out.a[0].reason, DPS_DROP_nd_hold_overflow);
	cr_assert_eq(ent(N1)->hold_bytes, 200000);
	/* A packet larger than the bound displaces all and is kept. */
	cr_assert_eq(dps_nd_resolve(&cache, IF, N1, pkt(4), 300000, &m, T0,
		&out), -EAGAIN);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(ent(N1)->hold_n, 1);
}

Test(nd, hold_queue_is_bounded_by_packets)
{
	for (uintptr_t i = 1; i <= DPS_ND_HOLD_PKTS; i++)
		cr_assert_eq(use(N1, i, T0, NULL), -EAGAIN);
	cr_assert_eq(out.n, 0);
	cr_assert_eq(use(N1, 99, T0, NULL), -EAGAIN);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.a[0].pkt, pkt(1));
	dps_nd_rx_na(&cache, IF, N1, DPS_ND_NA_SOLICITED, &MAC1, T0, &out);
	cr_assert_eq(out.n, DPS_ND_HOLD_PKTS);
	cr_assert_eq(out.a[0].pkt, pkt(2));
	cr_assert_eq(out.a[DPS_ND_HOLD_PKTS - 1].pkt, pkt(99));
}

Test(nd, stale_unused_is_collected_after_gc_stale_time)
{
	make_stale(T0);
	dps_nd_tick(&cache, T0 + 59 * S, &out);
	cr_assert_eq(state(N1), DPS_ND_STALE);
	dps_nd_tick(&cache, T0 + 60 * S, &out);
	cr_assert_null(ent(N1));
}

/* Address @i of 2001:db8::/64 (distinct from N1 and N2). */
static void
nth(unsigned int i, uint8_t a[16])
{
	memcpy(a, N1, 16);
	a[12] = 0x77;
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

Test(nd, full_table_evicts_the_oldest_stale_else_refuses)
{
	struct rte_ether_addr m;
	uint8_t a[16];

	for (unsigned int i = 0; i < DPS_ND_TABLE_SIZE; i++) {
		nth(i, a);
		dps_nd_rx_ns(&cache, IF, a, &MAC1, T0 + i, &out);
	}
	cr_assert_eq(cache.n_used, DPS_ND_TABLE_SIZE);
	cr_assert_eq(use(N1, 1, T0 + S, NULL), -EAGAIN);
	nth(0, a);
	cr_assert_null(ent(a), "the least recently used went");
	cr_assert_not_null(ent(N1));
	for (unsigned int i = 1; i < DPS_ND_TABLE_SIZE; i++) {
		nth(i, a);
		cr_assert_eq(dps_nd_add_static(&cache, IF, a, &MAC1, &out), 0);
	}
	cr_assert_eq(dps_nd_resolve(&cache, IF, N2, pkt(2), 100, &m, T0 + S,
		&out), -ENOBUFS, "static and incomplete are never evicted");
	cr_assert_eq(dps_nd_add_static(&cache, IF, N2, &MAC1, &out), -ENOBUFS);
}

Test(nd, tick_stops_when_out_is_full_and_resumes)
{
	const uint8_t *ns[3] = { N1, N2, NULL };
	uint8_t n3[16];
	unsigned int fails = 0;

	nth(3, n3);
	ns[2] = n3;
	for (unsigned int k = 0; k < 3; k++)
		for (uintptr_t i = 0; i < DPS_ND_HOLD_PKTS; i++)
			cr_assert_eq(use(ns[k], 100 * k + i + 1, T0, NULL), -EAGAIN);
	for (unsigned int i = 1; i <= 2; i++)
		dps_nd_tick(&cache, T0 + i * S, &out);
	dps_nd_tick(&cache, T0 + 3 * S, &out);
	cr_assert(out.more);
	fails += out.n;
	dps_nd_tick(&cache, T0 + 3 * S, &out);
	cr_assert_not(out.more);
	fails += out.n;
	cr_assert_eq(fails, 3 * DPS_ND_HOLD_PKTS);
	for (unsigned int k = 0; k < 3; k++)
		cr_assert_eq(state(ns[k]), DPS_ND_FAILED);
}

Test(nd, flush_hands_back_every_held_packet)
{
	cr_assert_eq(use(N1, 1, T0, NULL), -EAGAIN);
	cr_assert_eq(use(N2, 2, T0, NULL), -EAGAIN);
	dps_nd_rx_ns(&cache, IF, N1, &MAC1, T0, &out);
	cr_assert_eq(out.n, 1);
	dps_nd_flush(&cache, &out);
	cr_assert_not(out.more);
	cr_assert_eq(out.n, 1, "N1 released by the NS: only N2 held");
	cr_assert_eq(out.a[0].kind, DPS_ND_ACT_DROP);
	cr_assert_eq(out.a[0].pkt, pkt(2));
	cr_assert_eq(cache.n_used, 0);
}

Test(nd, interfaces_are_separate)
{
	make_reachable(T0);
	cr_assert_null(dps_nd_lookup(&cache, IF + 1, N1));
}

/* ---- DAD ---------------------------------------------------------------- */

Test(dad, one_probe_then_preferred_after_retrans)
{
	struct dps_dad d;
	uint64_t t;

	dps_dad_start(&d, NULL, IF, N1, 0x123456789abcULL, T0);
	cr_assert_eq(d.state, DPS_DAD_TENTATIVE);
	cr_assert_geq(d.next_ns, T0);
	cr_assert_lt(d.next_ns, T0 + S, "first probe within 1 s");
	if (d.next_ns > T0)
		cr_assert_eq(dps_dad_tick(&d, d.next_ns - 1), DPS_DAD_NOTHING);
	t = d.next_ns;
	cr_assert_eq(dps_dad_tick(&d, t), DPS_DAD_SEND_NS);
	cr_assert_eq(dps_dad_tick(&d, t + S - 1), DPS_DAD_NOTHING);
	cr_assert_eq(d.state, DPS_DAD_TENTATIVE);
	cr_assert_eq(dps_dad_tick(&d, t + S), DPS_DAD_DONE);
	cr_assert_eq(d.state, DPS_DAD_PREFERRED);
	cr_assert_eq(dps_dad_tick(&d, t + 2 * S), DPS_DAD_NOTHING);
	cr_assert_not(dps_dad_rx_na(&d), "a preferred address stays");
}

Test(dad, solicitation_from_unspecified_is_a_duplicate)
{
	static const uint8_t unspec[16];
	struct dps_dad d;
	uint8_t other[6] = { 9, 9, 9, 9, 9, 9 };

	dps_dad_start(&d, NULL, IF, N1, 7, T0);
	cr_assert_eq(dps_dad_tick(&d, T0 + S), DPS_DAD_SEND_NS);
	cr_assert_not(dps_dad_rx_ns(&d, N2, NULL), "resolution is no conflict");
	cr_assert_not(dps_dad_rx_ns(&d, unspec, d.nonce), "our own probe");
	cr_assert(dps_dad_rx_ns(&d, unspec, other));
	cr_assert_eq(d.state, DPS_DAD_DUPLICATE);
	cr_assert_eq(dps_dad_tick(&d, T0 + 5 * S), DPS_DAD_NOTHING);
}

/* A range's round of probes ends 3 s after it began (the last one
 * went out then): the verdict waits RetransTimer from that last probe,
 * not from the round's first; a preferred or duplicate address is not
 * held again. */
Test(dad, range_round_waits_retrans_after_its_last_probe)
{
	struct dps_dad d;
	uint64_t t;

	dps_dad_start(&d, NULL, IF, N1, 7, T0);
	t = d.next_ns;
	cr_assert_eq(dps_dad_tick(&d, t), DPS_DAD_SEND_NS);
	dps_dad_probed(&d, t + 3 * S);
	cr_assert_eq(dps_dad_tick(&d, t + S), DPS_DAD_NOTHING, "a second after the first");
	cr_assert_eq(dps_dad_tick(&d, t + 4 * S - 1), DPS_DAD_NOTHING);
	cr_assert_eq(d.state, DPS_DAD_TENTATIVE);
	cr_assert_eq(dps_dad_tick(&d, t + 4 * S), DPS_DAD_DONE);
	cr_assert_eq(d.state, DPS_DAD_PREFERRED);
	dps_dad_probed(&d, t + 5 * S);
	cr_assert_eq(dps_dad_tick(&d, t + 5 * S), DPS_DAD_NOTHING);
	cr_assert_eq(d.state, DPS_DAD_PREFERRED);
}

Test(dad, advertisement_is_a_duplicate)
{
	struct dps_dad d;

	dps_dad_start(&d, NULL, IF, N1, 7, T0);
	cr_assert(dps_dad_rx_na(&d));
	cr_assert_eq(d.state, DPS_DAD_DUPLICATE);
}

Test(dad, no_transmits_is_preferred_at_once)
{
	const struct dps_dad_params p = { .transmits = 0, .retrans_ns = S,
		.max_delay_ns = S };
	struct dps_dad d;

	dps_dad_start(&d, &p, IF, N1, ~0ULL, T0);
	cr_assert_eq(dps_dad_tick(&d, T0), DPS_DAD_DONE);
	cr_assert_eq(d.state, DPS_DAD_PREFERRED);
}

/* ---- every held packet comes back once ---------------------------------- */

#define RND_PKTS 20000
#define RND_ADDRS 6

/* Account for the actions of the last call: each held packet leaves
 * once, by TX, FAIL or DROP, and only a held one. */
static void
settle(uint8_t *held, unsigned int *n_held)
{
	for (unsigned int i = 0; i < out.n; i++) {
		uintptr_t id = (uintptr_t)out.a[i].pkt >> 4;

		if (out.a[i].kind == DPS_ND_ACT_SOLICIT)
			continue;
		cr_assert_leq(id, RND_PKTS);
		cr_assert_eq(held[id], 1, "packet %lu handed back twice or never held",
			(unsigned long)id);
		held[id] = 2;
		(*n_held)--;
	}
}

/* Random resolutions, advertisements, solicitations, confirmations and
 * time on a few neighbours: the cache's accounting holds, and after a
 * flush every packet it took has come back exactly once. */
Test(nd, random_operations_lose_no_packet)
{
	static uint8_t held[RND_PKTS + 1];
	unsigned int n_held = 0, next = 0;
	uint64_t x = 0x2545f4914f6cdd1dULL, now = T0;

	memset(held, 0, sizeof(held));
	while (next < RND_PKTS) {
		uint8_t a[16];
		struct rte_ether_addr m = MAC1;
		int rc;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nth((unsigned int)(x % RND_ADDRS), a);
		m.addr_bytes[5] = (uint8_t)(x >> 8) & 1;
		now += (x >> 20) % (300 * MS);
		switch ((x >> 32) % 8) {
		case 0:
		case 1:
		case 2:
			rc = dps_nd_resolve(&cache, IF, a, pkt(next),
				(uint32_t)((x >> 40) % 70000), &m, now, &out);
			cr_assert(rc == 0 || rc == -EAGAIN);
			if (rc == -EAGAIN) {
				held[next] = 1;
				n_held++;
			}
			next++;
			break;
		case 3:
			dps_nd_rx_na(&cache, IF, a, (uint8_t)(x >> 48) & 0xe0,
				(x >> 56) & 1 ? &m : NULL, now, &out);
			break;
		case 4:
			dps_nd_rx_ns(&cache, IF, a, &m, now, &out);
			break;
		case 5:
			dps_nd_confirm(&cache, IF, a, now);
			out.n = 0;
			break;
		default:
			do {
				dps_nd_tick(&cache, now, &out);
				settle(held, &n_held);
			} while (out.more);
			out.n = 0;
			break;
		}
		settle(held, &n_held);
		for (unsigned int i = 0; i < RND_ADDRS; i++) {
			const struct dps_nd_entry *e;

			nth(i, a);
			e = ent(a);
			if (e == NULL)
				continue;
			if (e->state != DPS_ND_INCOMPLETE)
				cr_assert_eq(e->hold_n, 0, "only INCOMPLETE holds");
			if (e->hold_n == 0)
				cr_assert_eq(e->hold_bytes, 0);
		}
	}
	/* Something is held when the flush comes. */
	{
		uint8_t a[16];
		struct rte_ether_addr m;

		nth(RND_ADDRS, a);
		cr_assert_eq(dps_nd_resolve(&cache, IF, a, pkt(RND_PKTS), 1, &m,
			now, &out), -EAGAIN);
		held[RND_PKTS] = 1;
		n_held++;
	}
	do {
		dps_nd_flush(&cache, &out);
		settle(held, &n_held);
	} while (out.more);
	cr_assert_eq(n_held, 0);
	cr_assert_eq(cache.n_used, 0);
}
