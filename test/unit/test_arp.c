/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure ARP cache (lib/arp). Time is a virtual clock
 * passed to every call; the I/O callbacks record what they are asked to
 * do into an event log that the tests inspect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include "dps_arp.h"
#include "dps_counters.h"

#define S 1000000000ULL
#define MS 1000000ULL
#define MAX_EV 16384

enum ev_kind { EV_REQ, EV_OUT, EV_DROP };

struct ev {
	enum ev_kind kind;
	uint16_t ifindex;
	uint32_t ip;
	bool ucast;
	struct rte_ether_addr mac;	/* request dst or output MAC */
	void *pkt;
	int reason;
};

static struct dps_arp_table tbl;
static struct ev evs[MAX_EV];
static unsigned int n_ev;

/* Fake ops: append one event to the log. */
static struct ev *
ev_new(enum ev_kind kind)
{
	struct ev *v;

	cr_assert_lt(n_ev, MAX_EV, "event log overflow");
	v = &evs[n_ev++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	return v;
}

static void
fake_send_request(void *ctx, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *dst)
{
	struct ev *v = ev_new(EV_REQ);

	cr_assert_eq(ctx, &tbl);
	v->ifindex = ifindex;
	v->ip = ip;
	v->ucast = dst != NULL;
	if (dst != NULL)
		v->mac = *dst;
}

static void
fake_output(void *ctx, void *pkt, uint16_t ifindex,
	const struct rte_ether_addr *mac)
{
	struct ev *v = ev_new(EV_OUT);

	v->pkt = pkt;
	v->ifindex = ifindex;
	v->mac = *mac;
}

static void
fake_drop(void *ctx, void *pkt, uint32_t ip, int reason)
{
	struct ev *v = ev_new(EV_DROP);

	v->pkt = pkt;
	v->ip = ip;
	v->reason = reason;
}

static const struct dps_arp_ops fake_ops = {
	.send_request = fake_send_request,
	.output = fake_output,
	.drop = fake_drop,
};

static void
setup(void)
{
	n_ev = 0;
	dps_arp_init(&tbl, NULL, &fake_ops, &tbl);
}

/* Helpers: addresses, MACs and packets that are easy to tell apart. */
static uint32_t
ip4(unsigned int n)
{
	return htonl(0x0a000000U + n);
}

static struct rte_ether_addr
mac_of(unsigned int n)
{
	struct rte_ether_addr m = {{ 0x02, 0, 0, (uint8_t)(n >> 16),
		(uint8_t)(n >> 8), (uint8_t)n }};
	return m;
}

static void *
pkt_of(unsigned int n)
{
	return (void *)(uintptr_t)(0x1000 + n);
}

static bool
mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static unsigned int
count_ev(enum ev_kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_ev; i++)
		n += evs[i].kind == kind;
	return n;
}

/* Make (0, ip) REACHABLE at @mac as of @now. */
static void
learn(uint32_t ip, const struct rte_ether_addr *mac, uint64_t now)
{
	cr_assert(dps_arp_input(&tbl, 0, ip, mac, true, now));
}

TestSuite(arp, .init = setup);

Test(arp, init_defaults)
{
	cr_assert_eq(tbl.p.reachable_ns, 30 * S);
	cr_assert_eq(tbl.p.retrans_ns, 1 * S);
	cr_assert_eq(tbl.p.gc_stale_ns, 60 * S);
	cr_assert_eq(tbl.p.max_probes, 3);
	cr_assert_eq(tbl.p.ucast_probes, 3);
	cr_assert_eq(tbl.n_used, 0);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)));
}

Test(arp, resolve_new_is_incomplete_and_broadcasts)
{
	struct rte_ether_addr mac;
	const struct dps_arp_entry *e;

	cr_assert_eq(dps_arp_resolve(&tbl, 2, ip4(1), pkt_of(1), &mac, 5), -EAGAIN);
	cr_assert_eq(n_ev, 1);
	cr_assert_eq(evs[0].kind, EV_REQ);
	cr_assert_not(evs[0].ucast);
	cr_assert_eq(evs[0].ip, ip4(1));
	cr_assert_eq(evs[0].ifindex, 2);
	e = dps_arp_lookup(&tbl, 2, ip4(1));
	cr_assert_not_null(e);
	cr_assert_eq(e->state, DPS_ARP_INCOMPLETE);
	cr_assert_eq(e->hold_n, 1);
	cr_assert_eq(tbl.n_used, 1);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)), "ifindex is part of the key");
}

Test(arp, resolve_incomplete_holds_without_new_request)
{
	struct rte_ether_addr mac;

	dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(1), &mac, 0);
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(2), &mac, 10), -EAGAIN);
	cr_assert_eq(count_ev(EV_REQ), 1);
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->hold_n, 2);
	cr_assert_eq(tbl.n_used, 1);
}

Test(arp, resolve_reachable_returns_mac)
{
	struct rte_ether_addr m = mac_of(7), got;

	learn(ip4(1), &m, 0);
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(1), &got, 5 * S), 0);
	cr_assert(mac_eq(&got, &m));
	cr_assert_eq(n_ev, 0, "no request, packet not taken");
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->used_ns, 5 * S);
}

Test(arp, retry_schedule_then_failure_drops_held_in_order)
{
	struct rte_ether_addr mac;
	uint64_t t;
	unsigned int i;

	dps_arp_resolve(&tbl, 0, ip4(9), pkt_of(0), &mac, 0);
	dps_arp_resolve(&tbl, 0, ip4(9), pkt_of(1), &mac, 100 * MS);
	dps_arp_resolve(&tbl, 0, ip4(9), pkt_of(2), &mac, 1500 * MS);
	/* Tick every 10 ms up to just before 3 s: requests at 0, 1 s, 2 s. */
	n_ev = 0;
	for (t = 0; t < 3 * S; t += 10 * MS) {
		unsigned int before = n_ev;

		dps_arp_tick(&tbl, t);
		if (t == 1 * S || t == 2 * S) {
			cr_assert_eq(n_ev, before + 1, "request due at %lu", t);
			cr_assert_eq(evs[before].kind, EV_REQ);
			cr_assert_not(evs[before].ucast);
		} else {
			cr_assert_eq(n_ev, before, "nothing due at %lu", t);
		}
	}
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(9))->probes, 3);
	n_ev = 0;
	dps_arp_tick(&tbl, 3 * S);
	cr_assert_eq(n_ev, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(evs[i].kind, EV_DROP);
		cr_assert_eq(evs[i].pkt, pkt_of(i));
		cr_assert_eq(evs[i].ip, ip4(9));
		cr_assert_eq(evs[i].reason, DPS_DROP_arp_timeout);
	}
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(9)));
	cr_assert_eq(tbl.n_used, 0);
}

Test(arp, hold_overflow_drops_oldest)
{
	struct rte_ether_addr mac, m = mac_of(1);
	unsigned int i;

	for (i = 0; i < DPS_ARP_HOLD + 2; i++)
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(i), &mac, i),
			-EAGAIN);
	/* request, then two overflow drops of packets 0 and 1 */
	cr_assert_eq(n_ev, 3);
	cr_assert_eq(evs[1].kind, EV_DROP);
	cr_assert_eq(evs[1].pkt, pkt_of(0));
	cr_assert_eq(evs[1].reason, DPS_DROP_arp_hold_overflow);
	cr_assert_eq(evs[2].pkt, pkt_of(1));
	cr_assert_eq(evs[2].reason, DPS_DROP_arp_hold_overflow);
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->hold_n, DPS_ARP_HOLD);
	n_ev = 0;
	learn(ip4(1), &m, 100);
	cr_assert_eq(n_ev, DPS_ARP_HOLD);
	for (i = 0; i < DPS_ARP_HOLD; i++)
		cr_assert_eq(evs[i].pkt, pkt_of(i + 2), "newest kept, in order");
}

Test(arp, input_releases_held_fifo)
{
	struct rte_ether_addr mac, m = mac_of(42);
	const struct dps_arp_entry *e;
	unsigned int i;

	for (i = 0; i < 5; i++)
		dps_arp_resolve(&tbl, 3, ip4(1), pkt_of(i), &mac, i);
	n_ev = 0;
	cr_assert(dps_arp_input(&tbl, 3, ip4(1), &m, false, 2 * S));
	cr_assert_eq(n_ev, 5);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(evs[i].kind, EV_OUT);
		cr_assert_eq(evs[i].pkt, pkt_of(i));
		cr_assert_eq(evs[i].ifindex, 3);
		cr_assert(mac_eq(&evs[i].mac, &m));
	}
	e = dps_arp_lookup(&tbl, 3, ip4(1));
	cr_assert_eq(e->state, DPS_ARP_REACHABLE);
	cr_assert_eq(e->hold_n, 0);
	cr_assert_eq(e->probes, 0);
	cr_assert_eq(e->confirmed_ns, 2 * S);
	/* The failure timer is gone with the INCOMPLETE state. */
	n_ev = 0;
	dps_arp_tick(&tbl, 10 * S);
	cr_assert_eq(n_ev, 0);
}

Test(arp, input_updates_existing_even_if_not_for_us)
{
	struct rte_ether_addr a = mac_of(1), b = mac_of(2), got;

	learn(ip4(1), &a, 0);
	cr_assert(dps_arp_input(&tbl, 0, ip4(1), &b, false, 7 * S));
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), NULL, &got, 8 * S), 0);
	cr_assert(mac_eq(&got, &b));
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->confirmed_ns, 7 * S);
	cr_assert_eq(tbl.n_used, 1);
}

Test(arp, input_unknown_not_for_us_creates_nothing)
{
	struct rte_ether_addr m = mac_of(1);

	cr_assert_not(dps_arp_input(&tbl, 0, ip4(1), &m, false, 0));
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	cr_assert_eq(tbl.n_used, 0);
	cr_assert(dps_arp_input(&tbl, 0, ip4(1), &m, true, 0));
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->state, DPS_ARP_REACHABLE);
	cr_assert_eq(tbl.n_used, 1);
	cr_assert_eq(n_ev, 0);
}

Test(arp, reachable_stale_refresh_confirm)
{
	struct rte_ether_addr m = mac_of(5), got;
	const struct dps_arp_entry *e;

	learn(ip4(1), &m, 0);
	e = dps_arp_lookup(&tbl, 0, ip4(1));
	dps_arp_tick(&tbl, 30 * S - 1);
	cr_assert_eq(e->state, DPS_ARP_REACHABLE);
	dps_arp_tick(&tbl, 30 * S);
	cr_assert_eq(e->state, DPS_ARP_STALE);
	cr_assert_eq(n_ev, 0, "going stale sends nothing");

	/* First use: answer at once, plus a unicast refresh to the old MAC. */
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(1), &got, 31 * S), 0);
	cr_assert(mac_eq(&got, &m));
	cr_assert_eq(n_ev, 1);
	cr_assert_eq(evs[0].kind, EV_REQ);
	cr_assert(evs[0].ucast);
	cr_assert(mac_eq(&evs[0].mac, &m));
	cr_assert_eq(evs[0].ip, ip4(1));
	/* Rate limit: nothing more within retrans_ns. */
	dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(2), &got, 31 * S + 999 * MS);
	cr_assert_eq(n_ev, 1);
	dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(3), &got, 32 * S);
	cr_assert_eq(n_ev, 2);
	cr_assert(evs[1].ucast);
	cr_assert_eq(e->probes, 2);

	/* The reply confirms: REACHABLE again, no more refreshes. */
	cr_assert(dps_arp_input(&tbl, 0, ip4(1), &m, false, 32 * S + 5 * MS));
	cr_assert_eq(e->state, DPS_ARP_REACHABLE);
	cr_assert_eq(e->probes, 0);
	dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(4), &got, 40 * S);
	dps_arp_tick(&tbl, 40 * S);
	cr_assert_eq(n_ev, 2);
	cr_assert_eq(e->state, DPS_ARP_REACHABLE);
	cr_assert_eq(count_ev(EV_OUT) + count_ev(EV_DROP), 0);
}

Test(arp, stale_refresh_exhausted_frees)
{
	struct rte_ether_addr m = mac_of(5), got;
	uint64_t t = 30 * S;
	unsigned int i;

	learn(ip4(1), &m, 0);
	dps_arp_tick(&tbl, t);
	for (i = 0; i < 5; i++)
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), NULL, &got,
			t + i * S), 0);
	cr_assert_eq(count_ev(EV_REQ), 3, "ucast_probes caps the refreshes");
	/* last refresh at t+2s, so it has until t+3s to be answered */
	dps_arp_tick(&tbl, t + 3 * S - 1);
	cr_assert_not_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	dps_arp_tick(&tbl, t + 3 * S);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	cr_assert_eq(tbl.n_used, 0);
	/* Next use starts over with a broadcast. */
	n_ev = 0;
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(1), &got,
		t + 4 * S), -EAGAIN);
	cr_assert_eq(n_ev, 1);
	cr_assert_not(evs[0].ucast);
}

Test(arp, stale_unused_is_collected)
{
	struct rte_ether_addr a = mac_of(1), b = mac_of(2), got;

	learn(ip4(1), &a, 0);
	learn(ip4(2), &b, 0);
	dps_arp_tick(&tbl, 30 * S);	/* both STALE */
	/* ip4(2) used once at 40 s (one refresh, never answered but not
	 * exhausted): kept until 40 + 60 s; ip4(1) goes at 0 + 60 s. */
	dps_arp_resolve(&tbl, 0, ip4(2), NULL, &got, 40 * S);
	dps_arp_tick(&tbl, 60 * S - 1);
	cr_assert_not_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	dps_arp_tick(&tbl, 60 * S);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	cr_assert_not_null(dps_arp_lookup(&tbl, 0, ip4(2)));
	cr_assert_eq(tbl.n_used, 1);
	dps_arp_tick(&tbl, 100 * S - 1);
	cr_assert_not_null(dps_arp_lookup(&tbl, 0, ip4(2)));
	dps_arp_tick(&tbl, 100 * S);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(2)));
	cr_assert_eq(tbl.n_used, 0);
}

Test(arp, static_never_ages_or_changes)
{
	struct rte_ether_addr m = mac_of(1), other = mac_of(2), got;
	const struct dps_arp_entry *e;
	uint64_t t;

	cr_assert_eq(dps_arp_add_static(&tbl, 0, ip4(1), &m), 0);
	e = dps_arp_lookup(&tbl, 0, ip4(1));
	for (t = 0; t < 1000 * S; t += 7 * S) {
		dps_arp_tick(&tbl, t);
		cr_assert_not(dps_arp_input(&tbl, 0, ip4(1), &other, true, t));
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(1), pkt_of(1), &got, t), 0);
		cr_assert(mac_eq(&got, &m));
		cr_assert_eq(e->state, DPS_ARP_STATIC);
	}
	cr_assert_eq(n_ev, 0);
	cr_assert_eq(tbl.n_used, 1);
	/* Only add_static itself replaces it. */
	cr_assert_eq(dps_arp_add_static(&tbl, 0, ip4(1), &other), 0);
	cr_assert(mac_eq(&e->mac, &other));
	cr_assert_eq(tbl.n_used, 1);
}

Test(arp, add_static_over_incomplete_releases)
{
	struct rte_ether_addr m = mac_of(3), mac;
	unsigned int i;

	for (i = 0; i < 3; i++)
		dps_arp_resolve(&tbl, 1, ip4(1), pkt_of(i), &mac, 0);
	n_ev = 0;
	cr_assert_eq(dps_arp_add_static(&tbl, 1, ip4(1), &m), 0);
	cr_assert_eq(n_ev, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(evs[i].kind, EV_OUT);
		cr_assert_eq(evs[i].pkt, pkt_of(i));
		cr_assert(mac_eq(&evs[i].mac, &m));
	}
	cr_assert_eq(dps_arp_lookup(&tbl, 1, ip4(1))->state, DPS_ARP_STATIC);
	cr_assert_eq(tbl.n_used, 1);
	n_ev = 0;
	dps_arp_tick(&tbl, 100 * S);
	cr_assert_eq(n_ev, 0, "no retry or failure after becoming static");
}

Test(arp, flush_drops_held_and_clears)
{
	struct rte_ether_addr m = mac_of(1), mac;
	unsigned int i;

	dps_arp_add_static(&tbl, 0, ip4(100), &m);
	learn(ip4(101), &m, 0);
	for (i = 0; i < 4; i++)
		dps_arp_resolve(&tbl, 0, ip4(1 + i % 2), pkt_of(i), &mac, 0);
	n_ev = 0;
	dps_arp_flush(&tbl);
	cr_assert_eq(n_ev, 4);
	cr_assert_eq(count_ev(EV_DROP), 4);
	for (i = 0; i < n_ev; i++)
		cr_assert_eq(evs[i].reason, DPS_DROP_arp_timeout);
	cr_assert_eq(tbl.n_used, 0);
	for (i = 0; i < DPS_ARP_TABLE_SIZE; i++)
		cr_assert_eq(tbl.e[i].state, DPS_ARP_FREE);
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(100)));
	n_ev = 0;
	dps_arp_tick(&tbl, 100 * S);
	cr_assert_eq(n_ev, 0);
}

/*
 * Fill every slot with static entries. A candidate whose probe window is
 * already full is refused (-ENOBUFS, no side effect) and skipped; keep
 * trying fresh addresses until the table is full. Returns the next unused
 * address number.
 */
static unsigned int
fill_static(unsigned int next)
{
	struct rte_ether_addr m = mac_of(9);

	while (tbl.n_used < DPS_ARP_TABLE_SIZE) {
		int rc = dps_arp_add_static(&tbl, 0, ip4(next), &m);

		cr_assert(rc == 0 || rc == -ENOBUFS);
		next++;
		cr_assert_lt(next, 1000000U, "could not fill the table");
	}
	return next;
}

Test(arp, table_full_of_static)
{
	struct rte_ether_addr m = mac_of(1), mac;
	unsigned int next = fill_static(1), i;

	cr_assert_eq(tbl.n_used, DPS_ARP_TABLE_SIZE);
	n_ev = 0;
	for (i = 0; i < 200; i++) {
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(next + i), pkt_of(i),
			&mac, 0), -ENOBUFS);
		cr_assert_eq(dps_arp_add_static(&tbl, 0, ip4(next + i), &m),
			-ENOBUFS);
		cr_assert_not(dps_arp_input(&tbl, 0, ip4(next + i), &m, true, 0));
	}
	cr_assert_eq(n_ev, 0, "no request sent, packet not taken");
	cr_assert_eq(tbl.n_used, DPS_ARP_TABLE_SIZE);
}

Test(arp, table_full_of_incomplete)
{
	struct rte_ether_addr mac;
	unsigned int next = 1, i, taken = 0;

	while (tbl.n_used < DPS_ARP_TABLE_SIZE) {
		int rc = dps_arp_resolve(&tbl, 0, ip4(next), pkt_of(next), &mac, 0);

		cr_assert(rc == -EAGAIN || rc == -ENOBUFS);
		taken += rc == -EAGAIN;
		next++;
		cr_assert_lt(next, 1000000U);
	}
	cr_assert_eq(taken, DPS_ARP_TABLE_SIZE);
	cr_assert_eq(count_ev(EV_REQ), DPS_ARP_TABLE_SIZE);
	n_ev = 0;
	for (i = 0; i < 200; i++)
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(next + i), pkt_of(i),
			&mac, 1), -ENOBUFS);
	cr_assert_eq(n_ev, 0);
	/* When they all fail, the table empties and takes new entries. */
	for (i = 1; i <= 3; i++)
		dps_arp_tick(&tbl, i * S);
	cr_assert_eq(count_ev(EV_DROP), DPS_ARP_TABLE_SIZE);
	cr_assert_eq(tbl.n_used, 0);
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(next), NULL, &mac, 4 * S),
		-EAGAIN);
}

Test(arp, full_table_evicts_stale_only)
{
	struct rte_ether_addr m = mac_of(1), mac;
	unsigned int next, i;
	int rc = -ENOBUFS;

	learn(ip4(1), &m, 0);			/* the only non-static entry */
	next = fill_static(2);
	/* REACHABLE is not evictable. */
	for (i = 0; i < 3000; i++)
		cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(next + i), NULL, &mac,
			1 * S), -ENOBUFS);
	dps_arp_tick(&tbl, 30 * S);
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->state, DPS_ARP_STALE);
	/* Now some new address whose window covers it takes its slot. */
	for (i = 0; i < 100000 && rc == -ENOBUFS; i++)
		rc = dps_arp_resolve(&tbl, 0, ip4(next + i), pkt_of(i), &mac,
			31 * S);
	cr_assert_eq(rc, -EAGAIN, "no address evicted the stale entry");
	i--;
	cr_assert_null(dps_arp_lookup(&tbl, 0, ip4(1)));
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(next + i))->state,
		DPS_ARP_INCOMPLETE);
	cr_assert_eq(tbl.n_used, DPS_ARP_TABLE_SIZE);
	for (i = 2; i < next; i++) {
		const struct dps_arp_entry *e = dps_arp_lookup(&tbl, 0, ip4(i));

		cr_assert(e == NULL || e->state == DPS_ARP_STATIC);
	}
	/* And the new INCOMPLETE one is never evicted in turn. */
	cr_assert_eq(dps_arp_resolve(&tbl, 0, ip4(next + 200000), NULL, &mac,
		31 * S), -ENOBUFS);
}

/* Longest run of used slots, to check a test really made collisions. */
static unsigned int
longest_cluster(void)
{
	unsigned int i, run = 0, best = 0;

	for (i = 0; i < 2 * DPS_ARP_TABLE_SIZE; i++) {
		run = tbl.e[i % DPS_ARP_TABLE_SIZE].state != DPS_ARP_FREE ?
			run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

Test(arp, deletion_keeps_chains)
{
	struct rte_ether_addr mac;
	enum { N = 900 };
	unsigned int i, round, n_static = 0;

	srand(1234);
	for (round = 0; round < 4; round++) {
		uint64_t t0 = round * 10 * S;

		/* Load the table to ~88%: one in three as INCOMPLETE (to be
		 * deleted by failing), the rest static. */
		for (i = 0; i < N && tbl.n_used < N; i++) {
			unsigned int id = round * 10000 + i + 1;
			struct rte_ether_addr m = mac_of(id);

			if (rand() % 3 == 0)
				dps_arp_resolve(&tbl, (uint16_t)(id & 1), ip4(id),
					NULL, &mac, t0);
			else if (dps_arp_add_static(&tbl, (uint16_t)(id & 1),
					ip4(id), &m) == 0)
				n_static++;
		}
		cr_assert_geq(longest_cluster(), 16, "no collisions made");
		for (i = 0; i <= 3; i++)
			dps_arp_tick(&tbl, t0 + i * S);
		cr_assert_eq(tbl.n_used, n_static);
		/* Every static entry of every round is still found. */
		for (i = 0; i < DPS_ARP_TABLE_SIZE; i++) {
			const struct dps_arp_entry *e = &tbl.e[i];

			if (e->state == DPS_ARP_FREE)
				continue;
			cr_assert_eq(e->state, DPS_ARP_STATIC);
			cr_assert_eq(dps_arp_lookup(&tbl, e->ifindex, e->ip), e);
		}
		for (i = 0; i < N; i++) {
			unsigned int id = round * 10000 + i + 1;
			const struct dps_arp_entry *e =
				dps_arp_lookup(&tbl, (uint16_t)(id & 1), ip4(id));
			struct rte_ether_addr m = mac_of(id);

			if (e != NULL)
				cr_assert(mac_eq(&e->mac, &m));
		}
		/* Flush once, so later rounds also run on a fresh table. */
		if (round == 1) {
			dps_arp_flush(&tbl);
			n_static = 0;
		}
	}
}

/* ------------------------------------------------------------------ */
/*
 * Randomised model test. A direct-indexed reference holds one record per
 * key with the documented semantics; the only thing it cannot predict is
 * the layout (which new key finds its window full, which STALE entry is
 * evicted), so it learns those from the table and checks them for
 * plausibility. Every packet gets exactly one fate.
 */
#define M_IPS 1500
#define M_KEYS (2 * M_IPS)
#define M_OPS 100000
#define M_STATIC_KEYS 24

enum fate { F_NONE, F_SENT, F_REFUSED, F_OUTPUT, F_DROP_TIMEOUT, F_DROP_OVERFLOW };

struct mkey {
	uint8_t state, probes;
	struct rte_ether_addr mac;
	uint64_t confirmed, next, used;
	unsigned int hold[DPS_ARP_HOLD];
	unsigned int hold_n;
};

static struct mkey model[M_KEYS];
/* The hint each key's last resolution gave (dps_arp_resolve_hint()). */
static struct dps_arp_hint hints[M_KEYS];
static unsigned int m_used;
static uint8_t fate[M_OPS + 1];
static uint8_t want[M_OPS + 1];	/* model's fate per packet */
static unsigned int m_req_b, m_req_u;	/* requests the model expects */
static unsigned int m_evicted;

/* Key k of the model is (ifindex k & 1, address k / 2 + 1). */
static uint16_t
key_if(unsigned int k)
{
	return (uint16_t)(k & 1);
}

static uint32_t
key_ip(unsigned int k)
{
	return ip4(k / 2 + 1);
}

static unsigned int
pkt_id(void *pkt)
{
	return (unsigned int)((uintptr_t)pkt - 0x1000);
}

/* Model operations mirror the rules in dps_arp.h one key at a time. */
static void
m_free(unsigned int k)
{
	memset(&model[k], 0, sizeof(model[k]));
	m_used--;
}

static void
m_release(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < model[k].hold_n; i++)
		want[model[k].hold[i]] = F_OUTPUT;
	model[k].hold_n = 0;
}

static void
m_hold(unsigned int k, unsigned int id)
{
	struct mkey *e = &model[k];

	if (e->hold_n == DPS_ARP_HOLD) {
		want[e->hold[0]] = F_DROP_OVERFLOW;
		memmove(e->hold, e->hold + 1, sizeof(e->hold[0]) * (DPS_ARP_HOLD - 1));
		e->hold_n--;
	}
	e->hold[e->hold_n++] = id;
}

/*
 * After the table was asked to create key @k: learn from it whether it did
 * and whether a STALE entry was evicted for it. Returns true if created.
 */
static bool
m_learn_create(unsigned int k, unsigned int used_before)
{
	unsigned int j, gone = 0;

	if (dps_arp_lookup(&tbl, key_if(k), key_ip(k)) == NULL) {
		cr_assert_eq(tbl.n_used, used_before);
		cr_assert_gt(tbl.n_used, DPS_ARP_TABLE_SIZE / 2,
			"refused at low load");
		return false;
	}
	if (tbl.n_used == used_before + 1) {
		m_used++;
		return true;
	}
	cr_assert_eq(tbl.n_used, used_before, "n_used off after create");
	for (j = 0; j < M_KEYS; j++) {
		if (model[j].state == DPS_ARP_FREE || j == k ||
				dps_arp_lookup(&tbl, key_if(j), key_ip(j)) != NULL)
			continue;
		cr_assert_eq(model[j].state, DPS_ARP_STALE, "evicted a non-stale");
		memset(&model[j], 0, sizeof(model[j]));
		gone++;
	}
	cr_assert_eq(gone, 1, "eviction removed %u entries", gone);
	m_evicted++;
	return true;
}

static void
m_resolve(unsigned int k, unsigned int id, uint64_t now)
{
	struct rte_ether_addr mac;
	struct mkey *e = &model[k];
	unsigned int before = tbl.n_used;
	int rc = dps_arp_resolve_hint(&tbl, key_if(k), key_ip(k), pkt_of(id), &mac,
		now, &hints[k]);

	switch (e->state) {
	case DPS_ARP_FREE:
		if (rc == -ENOBUFS) {
			cr_assert_not(m_learn_create(k, before));
			fate[id] = F_REFUSED;
			want[id] = F_REFUSED;
			return;
		}
		cr_assert_eq(rc, -EAGAIN);
		cr_assert(m_learn_create(k, before));
		e->state = DPS_ARP_INCOMPLETE;
		e->probes = 1;
		e->next = now + S;
		e->used = now;
		e->hold[0] = id;
		e->hold_n = 1;
		m_req_b++;
		return;
	case DPS_ARP_INCOMPLETE:
		cr_assert_eq(rc, -EAGAIN);
		e->used = now;
		m_hold(k, id);
		return;
	case DPS_ARP_STALE:
		if (e->probes < 3 && now >= e->next) {
			e->probes++;
			e->next = now + S;
			m_req_u++;
		}
		/* fallthrough */
	case DPS_ARP_REACHABLE:
		e->used = now;
		/* fallthrough */
	default:
		cr_assert_eq(rc, 0);
		cr_assert(mac_eq(&mac, &e->mac));
		fate[id] = F_SENT;
		want[id] = F_SENT;
	}
}

static void
m_input(unsigned int k, const struct rte_ether_addr *mac, bool us, uint64_t now)
{
	struct mkey *e = &model[k];
	unsigned int before = tbl.n_used;
	bool rc = dps_arp_input(&tbl, key_if(k), key_ip(k), mac, us, now);

	if (e->state == DPS_ARP_STATIC || (e->state == DPS_ARP_FREE && !us)) {
		cr_assert_not(rc);
		cr_assert_eq(tbl.n_used, before);
		return;
	}
	if (e->state == DPS_ARP_FREE && !m_learn_create(k, before)) {
		cr_assert_not(rc);
		return;
	}
	cr_assert(rc);
	e->state = DPS_ARP_REACHABLE;
	e->mac = *mac;
	e->confirmed = now;
	e->probes = 0;
	e->next = 0;
	m_release(k);
}

static void
m_static(unsigned int k, const struct rte_ether_addr *mac)
{
	struct mkey *e = &model[k];
	unsigned int before = tbl.n_used;
	int rc = dps_arp_add_static(&tbl, key_if(k), key_ip(k), mac);

	if (e->state == DPS_ARP_FREE && !m_learn_create(k, before)) {
		cr_assert_eq(rc, -ENOBUFS);
		return;
	}
	cr_assert_eq(rc, 0);
	e->state = DPS_ARP_STATIC;
	e->mac = *mac;
	e->probes = 0;
	e->next = 0;
	m_release(k);
}

static void
m_tick(uint64_t now)
{
	unsigned int k, i;

	dps_arp_tick(&tbl, now);
	for (k = 0; k < M_KEYS; k++) {
		struct mkey *e = &model[k];
		uint64_t last = e->used > e->confirmed ? e->used : e->confirmed;

		switch (e->state) {
		case DPS_ARP_INCOMPLETE:
			if (now < e->next)
				break;
			if (e->probes >= 3) {
				for (i = 0; i < e->hold_n; i++)
					want[e->hold[i]] = F_DROP_TIMEOUT;
				m_free(k);
			} else {
				e->probes++;
				e->next = now + S;
				m_req_b++;
			}
			break;
		case DPS_ARP_REACHABLE:
			if (now - e->confirmed >= 30 * S) {
				e->state = DPS_ARP_STALE;
				e->probes = 0;
				e->next = 0;
			}
			break;
		case DPS_ARP_STALE:
			if ((e->probes >= 3 && now >= e->next) ||
					now - last >= 60 * S)
				m_free(k);
			break;
		default:
			break;
		}
	}
}

/* Turn the event log of one operation into fates and request counts. */
static void
m_collect(unsigned int *req_b, unsigned int *req_u)
{
	unsigned int i;

	for (i = 0; i < n_ev; i++) {
		const struct ev *v = &evs[i];
		unsigned int id;

		if (v->kind == EV_REQ) {
			if (v->ucast)
				(*req_u)++;
			else
				(*req_b)++;
			continue;
		}
		id = pkt_id(v->pkt);
		cr_assert_leq(id, M_OPS);
		cr_assert_eq(fate[id], F_NONE, "packet %u has two fates", id);
		if (v->kind == EV_OUT)
			fate[id] = F_OUTPUT;
		else if (v->reason == DPS_DROP_arp_timeout)
			fate[id] = F_DROP_TIMEOUT;
		else
			fate[id] = v->reason == DPS_DROP_arp_hold_overflow ?
				F_DROP_OVERFLOW : F_NONE;
	}
	n_ev = 0;
}

static void
m_compare_key(unsigned int k)
{
	const struct dps_arp_entry *e = dps_arp_lookup(&tbl, key_if(k), key_ip(k));
	const struct mkey *m = &model[k];

	if (m->state == DPS_ARP_FREE) {
		cr_assert_null(e, "key %u should be absent", k);
		return;
	}
	cr_assert_not_null(e, "key %u missing", k);
	cr_assert_eq(e->state, m->state, "key %u state", k);
	cr_assert_eq(e->hold_n, m->hold_n, "key %u hold", k);
	if (m->state != DPS_ARP_INCOMPLETE)
		cr_assert(mac_eq(&e->mac, &m->mac), "key %u mac", k);
}

/*
 * Every hint still good by its generation must describe the table as it
 * is: the key's entry, in the hint's slot, REACHABLE or STATIC, at the
 * hint's MAC. Counts the good ones in *@n_ok.
 */
static void
m_check_hints(unsigned int *n_ok)
{
	for (unsigned int k = 0; k < M_KEYS; k++) {
		const struct dps_arp_entry *e;
		struct rte_ether_addr mac;
		uint64_t used;

		if (hints[k].gen != tbl.gen)
			continue;
		e = dps_arp_lookup(&tbl, key_if(k), key_ip(k));
		cr_assert_not_null(e, "key %u: a good hint for no entry", k);
		cr_assert_eq(e, &tbl.e[hints[k].slot], "key %u: entry moved", k);
		cr_assert(e->state == DPS_ARP_REACHABLE || e->state == DPS_ARP_STATIC,
			"key %u: a good hint for state %u", k, e->state);
		cr_assert(mac_eq(&e->mac, &hints[k].mac), "key %u: MAC changed", k);
		used = e->used_ns;
		cr_assert(dps_arp_hint_use(&tbl, &hints[k], used, &mac));
		cr_assert(mac_eq(&mac, &e->mac));
		(*n_ok)++;
	}
}

/*
 * dps_arp_hint_find() gives a hint for exactly the keys whose entry is
 * REACHABLE or STATIC, one that dps_arp_hint_use() takes, and changes
 * nothing in the table: no entry, no use, no generation. Counts the
 * hints found in *@n_found.
 */
static void
m_check_find(unsigned int *n_found)
{
	for (unsigned int k = 0; k < M_KEYS; k++) {
		const struct dps_arp_entry *e = dps_arp_lookup(&tbl, key_if(k), key_ip(k));
		unsigned int n_used = tbl.n_used;
		uint32_t gen = tbl.gen;
		uint64_t used = e != NULL ? e->used_ns : 0;
		struct dps_arp_hint h;
		bool want = e != NULL &&
			(e->state == DPS_ARP_REACHABLE || e->state == DPS_ARP_STATIC);

		memset(&h, 0, sizeof(h));
		cr_assert_eq(dps_arp_hint_find(&tbl, key_if(k), key_ip(k), &h), want,
			"key %u: hint found for state %u", k, e != NULL ? e->state : 0);
		cr_assert_eq(tbl.n_used, n_used);
		cr_assert_eq(tbl.gen, gen);
		if (e != NULL)
			cr_assert_eq(e->used_ns, used, "key %u: a use recorded", k);
		if (!want) {
			cr_assert_eq(h.gen, 0, "key %u: hint touched", k);
			continue;
		}
		cr_assert_eq(h.gen, tbl.gen);
		cr_assert_eq(&tbl.e[h.slot], e, "key %u: wrong slot", k);
		cr_assert(mac_eq(&h.mac, &e->mac));
		(*n_found)++;
	}
}

Test(arp, hint_follows_the_entry)
{
	struct rte_ether_addr m = mac_of(7), m2 = mac_of(8), got;
	struct dps_arp_hint h;

	cr_assert_eq(dps_arp_resolve_hint(&tbl, 0, ip4(1), pkt_of(1), &got, 0, &h),
		-EAGAIN);
	cr_assert_eq(h.gen, 0, "no hint while INCOMPLETE");
	learn(ip4(1), &m, S);
	cr_assert_eq(dps_arp_resolve_hint(&tbl, 0, ip4(1), pkt_of(2), &got, 2 * S, &h), 0);
	cr_assert_neq(h.gen, 0);
	memset(&got, 0, sizeof(got));
	cr_assert(dps_arp_hint_use(&tbl, &h, 3 * S, &got));
	cr_assert(mac_eq(&got, &m));
	cr_assert_eq(dps_arp_lookup(&tbl, 0, ip4(1))->used_ns, 3 * S, "the use counts");
	/* The same answer again keeps it; a new MAC does not. */
	learn(ip4(1), &m, 4 * S);
	cr_assert(dps_arp_hint_use(&tbl, &h, 4 * S, &got));
	learn(ip4(1), &m2, 5 * S);
	cr_assert_not(dps_arp_hint_use(&tbl, &h, 5 * S, &got));
	cr_assert_eq(dps_arp_resolve_hint(&tbl, 0, ip4(1), pkt_of(3), &got, 5 * S, &h), 0);
	cr_assert(mac_eq(&h.mac, &m2));
	/* Going STALE ends it: the next use must send the refresh. */
	dps_arp_tick(&tbl, 5 * S + 30 * S);
	cr_assert_not(dps_arp_hint_use(&tbl, &h, 36 * S, &got));
	cr_assert_eq(dps_arp_resolve_hint(&tbl, 0, ip4(1), pkt_of(4), &got, 36 * S, &h), 0);
	cr_assert_eq(h.gen, 0, "no hint from a STALE entry");
	cr_assert_eq(count_ev(EV_REQ), 2, "the broadcast and the STALE refresh");
}

Test(arp, randomized_model)
{
	uint64_t now = 0;
	unsigned int op, id = 0, k, req_b = 0, req_u = 0, max_used = 0;
	unsigned int n_refused = 0, n_hint_ok = 0, n_found = 0;

	srand(20221122);
	memset(model, 0, sizeof(model));
	memset(hints, 0, sizeof(hints));
	for (op = 0; op < M_OPS; op++) {
		int r = rand() % 1000;
		struct rte_ether_addr mac = mac_of((unsigned int)rand() % 4);

		k = (unsigned int)rand() % M_KEYS;
		if (r < 450) {
			id++;
			m_resolve(k, id, now);
			n_refused += fate[id] == F_REFUSED;
		} else if (r < 700) {
			m_input(k, &mac, rand() % 2, now);
		} else if (r < 850) {
			m_tick(now);
		} else if (r < 998) {
			now += (uint64_t)(rand() % 50) * MS;
		} else if (r < 999) {
			m_static(k % M_STATIC_KEYS, &mac);
		} else {
			now += (uint64_t)(rand() % 100) * S;
		}
		m_collect(&req_b, &req_u);
		cr_assert_eq(tbl.n_used, m_used, "op %u: n_used %u, model %u",
			op, tbl.n_used, m_used);
		cr_assert_eq(req_b, m_req_b, "op %u: broadcast requests", op);
		cr_assert_eq(req_u, m_req_u, "op %u: unicast requests", op);
		m_compare_key(k);
		m_check_hints(&n_hint_ok);
		if (op % 97 == 0)
			m_check_find(&n_found);
		if (tbl.n_used > max_used)
			max_used = tbl.n_used;
		if (op % 997 == 0)
			for (k = 0; k < M_KEYS; k++)
				m_compare_key(k);
	}
	dps_arp_flush(&tbl);
	for (k = 0; k < M_KEYS; k++)
		for (op = 0; op < model[k].hold_n; op++)
			want[model[k].hold[op]] = F_DROP_TIMEOUT;
	m_collect(&req_b, &req_u);
	cr_assert_eq(tbl.n_used, 0);
	for (op = 1; op <= id; op++) {
		cr_assert_neq(fate[op], F_NONE, "packet %u leaked", op);
		cr_assert_eq(fate[op], want[op], "packet %u fate %u, want %u",
			op, fate[op], want[op]);
	}
	/* The run must have covered the interesting regimes. */
	cr_assert_geq(max_used, DPS_ARP_TABLE_SIZE * 3 / 4, "max load %u", max_used);
	cr_assert_gt(n_refused, 0);
	cr_assert_gt(req_u, 0);
	cr_assert_gt(m_evicted, 0);
	cr_assert_gt(n_hint_ok, 0, "no hint was ever still good");
	cr_assert_gt(n_found, 0, "dps_arp_hint_find() never found one");
	cr_log_info("ops %u pkts %u max_used %u refused %u evicted %u ucast %u\n",
		M_OPS, id, max_used, n_refused, m_evicted, req_u);
}
