/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ARP cache: RFC 826 address resolution, with the neighbour states of
 * RFC 4861 7.3 as Linux applies them to IPv4, cache timeouts after
 * RFC 1122 2.3.2.1 and packet queueing after RFC 1122 2.3.2.2. The
 * contract is in dps_arp.h.
 *
 * Layout: open addressing with linear probing over e[]. An entry lives at
 * most ARP_MAX_DISP slots past its home slot, and every slot between its
 * home and itself is in use. A lookup therefore stops at the key, at a free
 * slot or after ARP_MAX_DISP slots, so its cost stays bounded even when the
 * table is full (every ARP packet seen on the link costs one lookup).
 *
 * Deletion is by backward shift, not tombstones: the entries after the
 * freed slot that may sit closer to their home are pulled back into the
 * hole, so no probe chain is broken and lookups never walk dead slots.
 *
 * Held packets live only in INCOMPLETE entries; every other state has an
 * empty hold ring. The callbacks must not call back into the same table.
 */
#include <errno.h>
#include <string.h>
#include "dps_arp.h"
#include "dps_counters.h"
#include "dps_mix.h"

#define ARP_MASK (DPS_ARP_TABLE_SIZE - 1)
#define ARP_MAX_DISP 64		/* longest probe window, in slots */
#define ARP_NS_PER_S 1000000000ULL
#define ARP_DEAD 0xff		/* expired, freed at the end of the tick */

_Static_assert((DPS_ARP_TABLE_SIZE & ARP_MASK) == 0,
	"DPS_ARP_TABLE_SIZE must be a power of two");
_Static_assert(ARP_MAX_DISP <= DPS_ARP_TABLE_SIZE, "probe window too long");
_Static_assert(DPS_ARP_HOLD > 0 && DPS_ARP_HOLD < 256,
	"hold ring indices are uint8_t");

static const struct dps_arp_params arp_defaults = {
	.reachable_ns = 30 * ARP_NS_PER_S,
	.retrans_ns = 1 * ARP_NS_PER_S,
	.gc_stale_ns = 60 * ARP_NS_PER_S,
	.max_probes = 3,
	.ucast_probes = 3,
};

/*
 * Home slot of (@ifindex, @ip): ip ^ ifindex through the MurmurHash3
 * 32-bit finalizer (an xor-shift-multiply avalanche), so hosts of one
 * subnet, which differ only in the last octet, spread over the table.
 */
static inline uint32_t
arp_hash(uint16_t ifindex, uint32_t ip)
{
	return dps_fmix32(ip ^ ifindex) & ARP_MASK;
}

/* Time from @since to @now, 0 if the clock has not reached @since. */
static inline uint64_t
arp_since(uint64_t now, uint64_t since)
{
	return now > since ? now - since : 0;
}

/* When the entry was last of use: looked up or confirmed by its host. */
static inline uint64_t
arp_last_use(const struct dps_arp_entry *e)
{
	return e->used_ns > e->confirmed_ns ? e->used_ns : e->confirmed_ns;
}

/* Callback wrappers: a NULL callback is skipped. */
static void
arp_send(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *dst)
{
	if (t->ops.send_request != NULL)
		t->ops.send_request(t->ctx, ifindex, ip, dst);
}

static void
arp_output(struct dps_arp_table *t, void *pkt, uint16_t ifindex,
	const struct rte_ether_addr *mac)
{
	if (t->ops.output != NULL)
		t->ops.output(t->ctx, pkt, ifindex, mac);
}

static void
arp_drop(struct dps_arp_table *t, void *pkt, uint32_t ip, int reason)
{
	if (t->ops.drop != NULL)
		t->ops.drop(t->ctx, pkt, ip, reason);
}

/*
 * Walk the probe window of (@ifindex, @ip). Returns the slot holding the
 * key with *found set; else the first free slot of the window, where the
 * key would go, with *found clear; else -1 when the window is all in use.
 */
/* Something a hint may rely on changed (struct dps_arp_hint). */
static inline void
arp_changed(struct dps_arp_table *t)
{
	if (++t->gen == 0)
		t->gen = 1;
}

static int
arp_probe(const struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	bool *found)
{
	uint32_t h = arp_hash(ifindex, ip);
	unsigned int d;

	*found = false;
	for (d = 0; d < ARP_MAX_DISP; d++) {
		uint32_t s = (h + d) & ARP_MASK;
		const struct dps_arp_entry *e = &t->e[s];

		if (e->state == DPS_ARP_FREE)
			return (int)s;
		if (e->ip == ip && e->ifindex == ifindex) {
			*found = true;
			return (int)s;
		}
	}
	return -1;
}

/*
 * The probe window of (@ifindex, @ip) has no free slot: pick its least
 * recently used STALE entry to be taken over in place, or -1. STATIC,
 * INCOMPLETE (it holds packets and a pending question) and REACHABLE
 * entries are never evicted. Reusing the victim's slot keeps the layout
 * valid: all slots from the home to it are in use, so the new key is found,
 * and the slot stays in use, so no other probe chain is cut.
 */
static int
arp_evict(const struct dps_arp_table *t, uint16_t ifindex, uint32_t ip)
{
	uint32_t h = arp_hash(ifindex, ip);
	uint64_t best_ns = UINT64_MAX;
	int best = -1;
	unsigned int d;

	for (d = 0; d < ARP_MAX_DISP; d++) {
		uint32_t s = (h + d) & ARP_MASK;
		const struct dps_arp_entry *e = &t->e[s];

		if (e->state == DPS_ARP_STALE && arp_last_use(e) < best_ns) {
			best_ns = arp_last_use(e);
			best = (int)s;
		}
	}
	return best;
}

/*
 * Claim @slot (from arp_probe(), -1 when the window was full, which tries
 * an eviction) for a new entry keyed (@ifindex, @ip). The caller sets the
 * state. Returns NULL when nothing could be claimed.
 */
static struct dps_arp_entry *
arp_create(struct dps_arp_table *t, int slot, uint16_t ifindex, uint32_t ip)
{
	struct dps_arp_entry *e;

	if (slot < 0)
		slot = arp_evict(t, ifindex, ip);	/* n_used unchanged */
	else
		t->n_used++;
	if (slot < 0)
		return NULL;
	arp_changed(t);		/* an eviction reuses a slot */
	e = &t->e[slot];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->ifindex = ifindex;
	return e;
}

/*
 * Free @slot by backward shift. Walking the cluster after the hole, an
 * entry whose home lies cyclically at or before the hole may move into it
 * (its probe from home still meets only used slots); the hole then moves
 * to where that entry was. The walk ends at the first free slot. Moving
 * entries only towards their home keeps every displacement within
 * ARP_MAX_DISP. The entry must hold no packets.
 */
static void
arp_remove(struct dps_arp_table *t, uint32_t slot)
{
	uint32_t hole = slot, j = slot;
	unsigned int n;

	arp_changed(t);		/* entries move */
	for (n = 1; n < DPS_ARP_TABLE_SIZE; n++) {
		const struct dps_arp_entry *e;
		uint32_t home;

		j = (j + 1) & ARP_MASK;
		e = &t->e[j];
		if (e->state == DPS_ARP_FREE)
			break;
		home = arp_hash(e->ifindex, e->ip);
		if (((j - home) & ARP_MASK) >= ((j - hole) & ARP_MASK)) {
			t->e[hole] = *e;
			hole = j;
		}
	}
	memset(&t->e[hole], 0, sizeof(t->e[hole]));
	t->n_used--;
}

/*
 * Queue @pkt on an unresolved entry (RFC 1122 2.3.2.2: SHOULD save at
 * least one packet). When the ring is full the oldest packet gives way, as
 * in Linux, and is dropped under DPS_DROP_arp_hold_overflow. A NULL @pkt
 * is not held.
 */
static void
arp_hold(struct dps_arp_table *t, struct dps_arp_entry *e, void *pkt)
{
	void *old = NULL;

	if (pkt == NULL)
		return;
	if (e->hold_n == DPS_ARP_HOLD) {
		old = e->hold[e->hold_head];
		e->hold_head = (uint8_t)((e->hold_head + 1) % DPS_ARP_HOLD);
		e->hold_n--;
	}
	e->hold[(e->hold_head + e->hold_n) % DPS_ARP_HOLD] = pkt;
	e->hold_n++;
	if (old != NULL)
		arp_drop(t, old, e->ip, DPS_DROP_arp_hold_overflow);
}

/*
 * Empty the hold ring of @e into @pkts, oldest first, and return how many
 * there were. Callers empty the ring before calling out, so a callback
 * never sees a half-drained entry.
 */
static unsigned int
arp_drain(struct dps_arp_entry *e, void *pkts[DPS_ARP_HOLD])
{
	unsigned int i, n = e->hold_n;

	for (i = 0; i < n; i++) {
		unsigned int k = (e->hold_head + i) % DPS_ARP_HOLD;

		pkts[i] = e->hold[k];
		e->hold[k] = NULL;
	}
	e->hold_head = 0;
	e->hold_n = 0;
	return n;
}

/* The entry is resolved: send its held packets, in arrival order. */
static void
arp_release(struct dps_arp_table *t, struct dps_arp_entry *e)
{
	void *pkts[DPS_ARP_HOLD];
	struct rte_ether_addr mac = e->mac;
	uint16_t ifindex = e->ifindex;
	unsigned int i, n = arp_drain(e, pkts);

	for (i = 0; i < n; i++)
		arp_output(t, pkts[i], ifindex, &mac);
}

/*
 * Resolution failed (RFC 4861 7.3.3: INCOMPLETE after max_probes goes
 * away): drop the held packets, oldest first, under DPS_DROP_arp_timeout
 * and mark the entry for arp_reap().
 */
static void
arp_fail(struct dps_arp_table *t, struct dps_arp_entry *e)
{
	void *pkts[DPS_ARP_HOLD];
	uint32_t ip = e->ip;
	unsigned int i, n = arp_drain(e, pkts);

	e->state = ARP_DEAD;
	for (i = 0; i < n; i++)
		arp_drop(t, pkts[i], ip, DPS_DROP_arp_timeout);
}

/* An empty table; @p NULL takes Linux's defaults, kept in arp_defaults. */
void
dps_arp_init(struct dps_arp_table *t, const struct dps_arp_params *p,
	const struct dps_arp_ops *ops, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->gen = 1;
	t->p = p != NULL ? *p : arp_defaults;
	if (ops != NULL)
		t->ops = *ops;
	t->ctx = ctx;
}

/*
 * A next hop we know nothing about: create it INCOMPLETE (RFC 4861 7.3.2),
 * hold @pkt and broadcast the first RFC 826 request. The retransmissions
 * and the failure are left to dps_arp_tick().
 */
static int
arp_resolve_new(struct dps_arp_table *t, int slot, uint16_t ifindex,
	uint32_t ip, void *pkt, uint64_t now)
{
	struct dps_arp_entry *e = arp_create(t, slot, ifindex, ip);

	if (e == NULL)
		return -ENOBUFS;
	e->state = DPS_ARP_INCOMPLETE;
	e->probes = 1;
	e->next_ns = now + t->p.retrans_ns;
	e->used_ns = now;
	arp_hold(t, e, pkt);
	arp_send(t, ifindex, ip, NULL);
	return -EAGAIN;
}

/*
 * Use of a STALE entry: the MAC is still used, but the host is asked again
 * by a request unicast to it (RFC 1122 2.3.2.1's unicast poll; RFC 4861
 * 7.3.3's DELAY/PROBE without the delay), at most once per retrans_ns and
 * ucast_probes times. dps_arp_tick() frees the entry if none is answered.
 */
static void
arp_refresh(struct dps_arp_table *t, struct dps_arp_entry *e, uint64_t now)
{
	if (e->probes >= t->p.ucast_probes || now < e->next_ns)
		return;
	e->probes++;
	e->next_ns = now + t->p.retrans_ns;
	arp_send(t, e->ifindex, e->ip, &e->mac);
}

/*
 * Find the MAC for next hop (@ifindex, @ip), per the states of RFC 4861
 * 7.3.2: REACHABLE, STALE (plus a refresh) and STATIC answer at once;
 * INCOMPLETE holds @pkt; an unknown hop starts a resolution.
 */
/* What a hint keeps of the entry in @slot that just answered. */
static void
arp_hint_fill(const struct dps_arp_table *t, int slot, struct dps_arp_hint *hint)
{
	if (hint == NULL)
		return;
	hint->gen = t->gen;
	hint->slot = (uint16_t)slot;
	hint->mac = t->e[slot].mac;
}

bool
dps_arp_hint_find(const struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	struct dps_arp_hint *hint)
{
	bool found;
	int slot = arp_probe(t, ifindex, ip, &found);

	if (!found || (t->e[slot].state != DPS_ARP_REACHABLE &&
			t->e[slot].state != DPS_ARP_STATIC))
		return false;
	arp_hint_fill(t, slot, hint);
	return true;
}

int
dps_arp_resolve(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	void *pkt, struct rte_ether_addr *mac, uint64_t now)
{
	return dps_arp_resolve_hint(t, ifindex, ip, pkt, mac, now, NULL);
}

int
dps_arp_resolve_hint(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	void *pkt, struct rte_ether_addr *mac, uint64_t now, struct dps_arp_hint *hint)
{
	struct dps_arp_entry *e;
	bool found;
	int slot = arp_probe(t, ifindex, ip, &found);

	if (hint != NULL)
		hint->gen = 0;
	if (!found)
		return arp_resolve_new(t, slot, ifindex, ip, pkt, now);
	e = &t->e[slot];
	switch (e->state) {
	case DPS_ARP_INCOMPLETE:
		e->used_ns = now;
		arp_hold(t, e, pkt);
		return -EAGAIN;
	case DPS_ARP_STALE:
		e->used_ns = now;
		*mac = e->mac;
		arp_refresh(t, e, now);
		return 0;
	case DPS_ARP_REACHABLE:
		e->used_ns = now;
		*mac = e->mac;
		arp_hint_fill(t, slot, hint);
		return 0;
	default:	/* STATIC */
		*mac = e->mac;
		arp_hint_fill(t, slot, hint);
		return 0;
	}
}

/*
 * RFC 826 "merge" of a received sender (ip, mac): an existing entry is
 * overwritten and confirmed (REACHABLE, RFC 4861 7.3.3), releasing what it
 * held; only a packet addressed to us may add a new entry. Static entries
 * are never changed by the wire.
 */
bool
dps_arp_input(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *mac, bool target_is_us, uint64_t now)
{
	struct dps_arp_entry *e;
	bool found;
	int slot = arp_probe(t, ifindex, ip, &found);

	if (found) {
		e = &t->e[slot];
		if (e->state == DPS_ARP_STATIC)
			return false;
		if (e->state != DPS_ARP_REACHABLE || !rte_is_same_ether_addr(&e->mac, mac))
			arp_changed(t);
	} else {
		if (!target_is_us)
			return false;
		e = arp_create(t, slot, ifindex, ip);
		if (e == NULL)
			return false;
	}
	e->mac = *mac;
	e->state = DPS_ARP_REACHABLE;
	e->confirmed_ns = now;
	e->probes = 0;
	e->next_ns = 0;
	arp_release(t, e);
	return true;
}

/*
 * A configured entry (RFC 1122 2.3.2.1 allows static tables): created or
 * overwritten as STATIC; packets held while it was INCOMPLETE leave
 * towards the new MAC.
 */
int
dps_arp_add_static(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *mac)
{
	struct dps_arp_entry *e;
	bool found;
	int slot = arp_probe(t, ifindex, ip, &found);

	if (found)
		e = &t->e[slot];
	else
		e = arp_create(t, slot, ifindex, ip);
	if (e == NULL)
		return -ENOBUFS;
	arp_changed(t);
	e->mac = *mac;
	e->state = DPS_ARP_STATIC;
	e->probes = 0;
	e->next_ns = 0;
	arp_release(t, e);
	return 0;
}

/*
 * The timers of one entry (RFC 4861 7.3.3 transitions, RFC 1122 2.3.2.1
 * timeout): INCOMPLETE retransmits every retrans_ns and fails after
 * max_probes; REACHABLE turns STALE reachable_ns after its confirmation;
 * STALE expires when its unicast refreshes ran out unanswered or when it
 * went unused for gc_stale_ns. Returns true when the entry expired (it is
 * then marked ARP_DEAD, not yet freed).
 */
static bool
arp_tick_entry(struct dps_arp_table *t, struct dps_arp_entry *e, uint64_t now)
{
	const struct dps_arp_params *p = &t->p;

	switch (e->state) {
	case DPS_ARP_INCOMPLETE:
		if (now < e->next_ns)
			return false;
		if (e->probes >= p->max_probes) {
			arp_fail(t, e);
			return true;
		}
		e->probes++;
		e->next_ns = now + p->retrans_ns;
		arp_send(t, e->ifindex, e->ip, NULL);
		return false;
	case DPS_ARP_REACHABLE:
		if (arp_since(now, e->confirmed_ns) >= p->reachable_ns) {
			arp_changed(t);	/* its next use must refresh it */
			e->state = DPS_ARP_STALE;
			e->probes = 0;
			e->next_ns = 0;
		}
		return false;
	case DPS_ARP_STALE:
		if ((e->probes > 0 && e->probes >= p->ucast_probes &&
				now >= e->next_ns) ||
				arp_since(now, arp_last_use(e)) >= p->gc_stale_ns) {
			e->state = ARP_DEAD;
			return true;
		}
		return false;
	default:
		return false;
	}
}

/*
 * Free the @dead entries marked ARP_DEAD. A backward shift fills the hole
 * at the current slot from later slots of its cluster (or, when the
 * cluster wraps, moves entries among slots already passed, none of them
 * dead), so re-examining the current slot after each removal finds every
 * dead entry once.
 */
static void
arp_reap(struct dps_arp_table *t, unsigned int dead)
{
	uint32_t slot = 0;

	while (slot < DPS_ARP_TABLE_SIZE && dead > 0) {
		if (t->e[slot].state == ARP_DEAD) {
			arp_remove(t, slot);
			dead--;
		} else {
			slot++;
		}
	}
}

/*
 * Run the timers of every entry, then free the expired ones. Freeing in a
 * second pass keeps the first one simple: nothing moves while it walks,
 * so each entry is looked at exactly once per tick (a backward shift
 * during the walk could bring an entry from a wrapped cluster round again).
 */
void
dps_arp_tick(struct dps_arp_table *t, uint64_t now)
{
	unsigned int slot, dead = 0;

	if (t->n_used == 0)
		return;
	for (slot = 0; slot < DPS_ARP_TABLE_SIZE; slot++)
		dead += arp_tick_entry(t, &t->e[slot], now);
	if (dead > 0)
		arp_reap(t, dead);
}

/* Lookup without side effects (no use recorded, no refresh sent). */
const struct dps_arp_entry *
dps_arp_lookup(const struct dps_arp_table *t, uint16_t ifindex, uint32_t ip)
{
	bool found;
	int slot = arp_probe(t, ifindex, ip, &found);

	return found ? &t->e[slot] : NULL;
}

/*
 * Clear the table; every held packet is dropped under DPS_DROP_arp_timeout,
 * oldest first per entry, so none leaks at shutdown.
 */
void
dps_arp_flush(struct dps_arp_table *t)
{
	void *pkts[DPS_ARP_HOLD];
	uint32_t slot;

	arp_changed(t);
	for (slot = 0; slot < DPS_ARP_TABLE_SIZE; slot++) {
		struct dps_arp_entry *e = &t->e[slot];
		uint32_t ip = e->ip;
		unsigned int i, n;

		if (e->state == DPS_ARP_FREE)
			continue;
		n = arp_drain(e, pkts);
		memset(e, 0, sizeof(*e));
		t->n_used--;
		for (i = 0; i < n; i++)
			arp_drop(t, pkts[i], ip, DPS_DROP_arp_timeout);
	}
}
