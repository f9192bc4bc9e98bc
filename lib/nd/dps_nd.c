/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 neighbour cache: RFC 4861 7.3 and appendix C, with Linux's
 * timers and defaults (net/core/neighbour.c, net/ipv6/ndisc.c). The
 * contract is in dps_nd.h.
 *
 * Layout: entries in e[], chained from bucket[] by index (ND_NIL ends a
 * chain); free entries chained from free_head. Held packets live only in
 * INCOMPLETE entries.
 */
#include <errno.h>
#include <string.h>

#include "dps_counters.h"
#include "dps_nd.h"

#define ND_NIL UINT16_MAX
#define ND_NS_PER_S 1000000000ULL
#define ND_BMASK (DPS_ND_BUCKETS - 1)

_Static_assert((DPS_ND_BUCKETS & ND_BMASK) == 0,
	"DPS_ND_BUCKETS must be a power of two");
_Static_assert(DPS_ND_TABLE_SIZE < ND_NIL, "entry indices are uint16_t");
_Static_assert(DPS_ND_HOLD_PKTS < 256, "hold ring indices are uint8_t");

static const struct dps_nd_params nd_defaults = {
	.base_reachable_ns = 30 * ND_NS_PER_S,
	.retrans_ns = 1 * ND_NS_PER_S,
	.delay_first_probe_ns = 5 * ND_NS_PER_S,
	.gc_stale_ns = 60 * ND_NS_PER_S,
	.rerandom_ns = 300 * ND_NS_PER_S,
	.unres_qlen_bytes = 212992,
	.mcast_solicit = 3,
	.ucast_solicit = 3,
};

/* xorshift64 (Marsaglia): enough to spread reachable times. */
static uint64_t
nd_rand(struct dps_nd_cache *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

/* RFC 4861 6.3.2: ReachableTime uniformly in [0.5, 1.5) x the base. */
static void
nd_draw_reachable(struct dps_nd_cache *c, uint64_t now)
{
	uint64_t base = c->p.base_reachable_ns;

	c->reachable_ns = base / 2 + (base != 0 ? nd_rand(c) % base : 0);
	c->drawn_ns = now;
}

void
dps_nd_init(struct dps_nd_cache *c, const struct dps_nd_params *p,
	uint64_t seed, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->p = p != NULL ? *p : nd_defaults;
	c->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	for (unsigned int i = 0; i < DPS_ND_BUCKETS; i++)
		c->bucket[i] = ND_NIL;
	for (unsigned int i = 0; i < DPS_ND_TABLE_SIZE; i++)
		c->e[i].next = (uint16_t)(i + 1 < DPS_ND_TABLE_SIZE ? i + 1 : ND_NIL);
	c->free_head = 0;
	nd_draw_reachable(c, now);
}

/* Bucket of (@ifindex, @addr): the interface identifier half, which
 * differs between neighbours of one prefix, multiplied and folded. */
static uint32_t
nd_hash(uint16_t ifindex, const uint8_t addr[16])
{
	uint64_t h;

	memcpy(&h, addr + 8, 8);
	h ^= ifindex;
	h *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32) & ND_BMASK;
}

static struct dps_nd_entry *
nd_find(const struct dps_nd_cache *c, uint16_t ifindex, const uint8_t addr[16])
{
	uint16_t i = c->bucket[nd_hash(ifindex, addr)];

	while (i != ND_NIL) {
		const struct dps_nd_entry *e = &c->e[i];

		if (e->ifindex == ifindex && memcmp(e->addr, addr, 16) == 0)
			return (struct dps_nd_entry *)(uintptr_t)e;
		i = e->next;
	}
	return NULL;
}

const struct dps_nd_entry *
dps_nd_lookup(const struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16])
{
	return nd_find(c, ifindex, addr);
}

/* Unlink entry @i from its bucket and put it on the free list. It must
 * hold no packets. */
static void
nd_free(struct dps_nd_cache *c, uint16_t i)
{
	struct dps_nd_entry *e = &c->e[i];
	uint16_t *link = &c->bucket[nd_hash(e->ifindex, e->addr)];

	while (*link != i)
		link = &c->e[*link].next;
	*link = e->next;
	memset(e, 0, sizeof(*e));
	e->next = c->free_head;
	c->free_head = i;
	c->n_used--;
}

/* The least recently used STALE or FAILED entry, or ND_NIL: the table is
 * full, and Linux's forced garbage collection takes those too. */
static uint16_t
nd_victim(const struct dps_nd_cache *c)
{
	uint64_t best_ns = UINT64_MAX;
	uint16_t best = ND_NIL;

	for (uint16_t i = 0; i < DPS_ND_TABLE_SIZE; i++) {
		const struct dps_nd_entry *e = &c->e[i];
		uint64_t last = e->used_ns > e->updated_ns ? e->used_ns :
			e->updated_ns;

		if ((e->state == DPS_ND_STALE || e->state == DPS_ND_FAILED) &&
		    last < best_ns) {
			best_ns = last;
			best = i;
		}
	}
	return best;
}

/* A new entry for (@ifindex, @addr) in state FREE, or NULL. */
static struct dps_nd_entry *
nd_create(struct dps_nd_cache *c, uint16_t ifindex, const uint8_t addr[16])
{
	struct dps_nd_entry *e;
	uint32_t b;
	uint16_t i;

	if (c->free_head == ND_NIL) {
		i = nd_victim(c);
		if (i == ND_NIL)
			return NULL;
		nd_free(c, i);
	}
	i = c->free_head;
	e = &c->e[i];
	c->free_head = e->next;
	c->n_used++;
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, 16);
	e->ifindex = ifindex;
	b = nd_hash(ifindex, addr);
	e->next = c->bucket[b];
	c->bucket[b] = i;
	return e;
}

/* Empty @out for a call's actions. */
static void
nd_out_reset(struct dps_nd_out *out)
{
	out->n = 0;
	out->more = false;
}

/* The entry for (@ifindex, @addr), made if need be (NULL: no room), with
 * @out emptied for the call's actions. */
static struct dps_nd_entry *
nd_get(struct dps_nd_cache *c, uint16_t ifindex, const uint8_t addr[16],
	struct dps_nd_out *out)
{
	struct dps_nd_entry *e = nd_find(c, ifindex, addr);

	nd_out_reset(out);
	return e != NULL ? e : nd_create(c, ifindex, addr);
}

/* Append one action for @e; the caller made sure there is room. */
static struct dps_nd_act *
nd_act(struct dps_nd_out *out, const struct dps_nd_entry *e, uint8_t kind)
{
	struct dps_nd_act *a = &out->a[out->n++];

	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->ifindex = e->ifindex;
	memcpy(a->addr, e->addr, 16);
	return a;
}

static void
nd_solicit(struct dps_nd_entry *e, bool unicast, struct dps_nd_out *out)
{
	struct dps_nd_act *a = nd_act(out, e, DPS_ND_ACT_SOLICIT);

	a->unicast = unicast;
	if (unicast)
		a->lla = e->lla;
	e->probes++;
}

/* Take the oldest held packet off @e. */
static void *
nd_hold_pop(struct dps_nd_entry *e)
{
	void *pkt = e->hold[e->hold_head];

	e->hold_bytes -= e->hold_len[e->hold_head];
	e->hold_head = (uint8_t)((e->hold_head + 1) % DPS_ND_HOLD_PKTS);
	e->hold_n--;
	return pkt;
}

/* Every held packet of @e as a @kind action (TX to e->lla, or FAIL). */
static void
nd_release(struct dps_nd_entry *e, uint8_t kind, int reason,
	struct dps_nd_out *out)
{
	while (e->hold_n != 0) {
		struct dps_nd_act *a = nd_act(out, e, kind);

		a->pkt = nd_hold_pop(e);
		a->lla = e->lla;
		a->reason = reason;
	}
}

/*
 * Hold @pkt on an INCOMPLETE entry. Like Linux's __neigh_event_send(),
 * the oldest packets go while the queue would pass unres_qlen_bytes (or
 * our ring is full); the new one is always taken.
 */
static void
nd_hold(struct dps_nd_cache *c, struct dps_nd_entry *e, void *pkt,
	uint32_t bytes, struct dps_nd_out *out)
{
	unsigned int tail;

	while (e->hold_n != 0 && (e->hold_n == DPS_ND_HOLD_PKTS ||
			(uint64_t)e->hold_bytes + bytes > c->p.unres_qlen_bytes)) {
		struct dps_nd_act *a = nd_act(out, e, DPS_ND_ACT_DROP);

		a->pkt = nd_hold_pop(e);
		a->reason = DPS_DROP_nd_hold_overflow;
	}
	tail = (e->hold_head + e->hold_n) % DPS_ND_HOLD_PKTS;
	e->hold[tail] = pkt;
	e->hold_len[tail] = bytes;
	e->hold_bytes += bytes;
	e->hold_n++;
}

/* Enter @state at @now, with the timer it runs under. */
static void
nd_set_state(struct dps_nd_cache *c, struct dps_nd_entry *e, uint8_t state,
	uint64_t now)
{
	e->state = state;
	e->updated_ns = now;
	e->probes = 0;
	switch (state) {
	case DPS_ND_REACHABLE:
		e->confirmed_ns = now;
		e->timer_ns = now + c->reachable_ns;
		break;
	case DPS_ND_DELAY:
		e->timer_ns = now + c->p.delay_first_probe_ns;
		break;
	case DPS_ND_INCOMPLETE:
	case DPS_ND_PROBE:
		e->timer_ns = now + c->p.retrans_ns;
		break;
	default:
		e->timer_ns = 0;
		break;
	}
}

int
dps_nd_resolve(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], void *pkt, uint32_t bytes,
	struct rte_ether_addr *lla, uint64_t now, struct dps_nd_out *out)
{
	struct dps_nd_entry *e = nd_get(c, ifindex, addr, out);

	if (e == NULL)
		return -ENOBUFS;
	e->used_ns = now;
	switch (e->state) {
	case DPS_ND_FREE:
	case DPS_ND_FAILED:
		/* 7.2.2: a new entry solicits by multicast at once. */
		nd_set_state(c, e, DPS_ND_INCOMPLETE, now);
		nd_solicit(e, false, out);
		/* fall through */
	case DPS_ND_INCOMPLETE:
		nd_hold(c, e, pkt, bytes, out);
		return -EAGAIN;
	case DPS_ND_STALE:
		/* 7.3.3: the first use of a stale entry starts DELAY. */
		nd_set_state(c, e, DPS_ND_DELAY, now);
		break;
	default:
		break;
	}
	*lla = e->lla;
	return 0;
}

/* An entry with no address learns @lla: STALE, or REACHABLE when
 * @confirmed, and its held packets leave (7.2.5, first paragraph). */
static void
nd_learn(struct dps_nd_cache *c, struct dps_nd_entry *e,
	const struct rte_ether_addr *lla, bool confirmed, uint64_t now,
	struct dps_nd_out *out)
{
	e->lla = *lla;
	nd_set_state(c, e, confirmed ? DPS_ND_REACHABLE : DPS_ND_STALE, now);
	nd_release(e, DPS_ND_ACT_TX, 0, out);
}

/*
 * RFC 4861 7.2.5 for an entry that has a link-layer address: an
 * advertisement without Override that names another address only makes
 * a REACHABLE entry STALE; otherwise the address is taken, Solicited
 * confirms reachability, and a new address without it makes the entry
 * STALE.
 */
static void
nd_na_known(struct dps_nd_cache *c, struct dps_nd_entry *e, uint8_t flags,
	const struct rte_ether_addr *lla, uint64_t now)
{
	bool differs = lla != NULL && !rte_is_same_ether_addr(lla, &e->lla);

	if (!(flags & DPS_ND_NA_OVERRIDE) && differs) {
		if (e->state == DPS_ND_REACHABLE)
			nd_set_state(c, e, DPS_ND_STALE, now);
		return;
	}
	if (differs)
		e->lla = *lla;
	if (flags & DPS_ND_NA_SOLICITED)
		nd_set_state(c, e, DPS_ND_REACHABLE, now);
	else if (differs)
		nd_set_state(c, e, DPS_ND_STALE, now);
	e->router = (flags & DPS_ND_NA_ROUTER) != 0;
}

void
dps_nd_rx_na(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t target[16], uint8_t flags,
	const struct rte_ether_addr *lla, uint64_t now, struct dps_nd_out *out)
{
	struct dps_nd_entry *e = nd_find(c, ifindex, target);

	nd_out_reset(out);
	/* Linux's ndisc_recv_na() leaves FAILED entries alone too. */
	if (e == NULL || e->state == DPS_ND_STATIC || e->state == DPS_ND_FAILED)
		return;
	if (e->state == DPS_ND_INCOMPLETE) {
		/* No address, nothing to learn: discard. */
		if (lla == NULL)
			return;
		e->router = (flags & DPS_ND_NA_ROUTER) != 0;
		nd_learn(c, e, lla, (flags & DPS_ND_NA_SOLICITED) != 0, now, out);
		return;
	}
	nd_na_known(c, e, flags, lla, now);
}

void
dps_nd_rx_ns(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t src[16], const struct rte_ether_addr *lla, uint64_t now,
	struct dps_nd_out *out)
{
	struct dps_nd_entry *e;

	nd_out_reset(out);
	/* A DAD probe names no neighbour (7.2.3 needs a source). */
	if (dps_ip6_is_unspecified(src))
		return;
	e = nd_get(c, ifindex, src, out);
	if (e == NULL)
		return;
	switch (e->state) {
	case DPS_ND_STATIC:
		return;
	case DPS_ND_FREE:
	case DPS_ND_INCOMPLETE:
	case DPS_ND_FAILED:
		nd_learn(c, e, lla, false, now, out);
		return;
	default:
		/* 7.2.3: a different address makes the entry STALE. */
		if (!rte_is_same_ether_addr(lla, &e->lla)) {
			e->lla = *lla;
			nd_set_state(c, e, DPS_ND_STALE, now);
		}
		return;
	}
}

void
dps_nd_confirm(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], uint64_t now)
{
	struct dps_nd_entry *e = nd_find(c, ifindex, addr);

	if (e != NULL && e->state != DPS_ND_STATIC)
		e->confirmed_ns = now;
}

int
dps_nd_add_static(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], const struct rte_ether_addr *lla,
	struct dps_nd_out *out)
{
	struct dps_nd_entry *e = nd_get(c, ifindex, addr, out);

	if (e == NULL)
		return -ENOBUFS;
	e->lla = *lla;
	nd_set_state(c, e, DPS_ND_STATIC, e->updated_ns);
	nd_release(e, DPS_ND_ACT_TX, 0, out);
	return 0;
}

/*
 * A REACHABLE entry's timer (Linux's neigh_timer_handler()): still
 * confirmed within the reachable time, it stays; used within the delay,
 * it goes to DELAY; otherwise to STALE.
 */
static void
nd_timer_reachable(struct dps_nd_cache *c, struct dps_nd_entry *e,
	uint64_t now)
{
	if (now < e->confirmed_ns + c->reachable_ns)
		e->timer_ns = e->confirmed_ns + c->reachable_ns;
	else if (now < e->used_ns + c->p.delay_first_probe_ns)
		nd_set_state(c, e, DPS_ND_DELAY, now);
	else
		nd_set_state(c, e, DPS_ND_STALE, now);
}

/* DELAY's end: a confirmation since it began makes the entry REACHABLE
 * again, else unicast probing starts (7.3.3). */
static void
nd_timer_delay(struct dps_nd_cache *c, struct dps_nd_entry *e, uint64_t now,
	struct dps_nd_out *out)
{
	uint64_t confirmed = e->confirmed_ns;

	if (now < confirmed + c->p.delay_first_probe_ns) {
		nd_set_state(c, e, DPS_ND_REACHABLE, now);
		e->confirmed_ns = confirmed;
		e->timer_ns = confirmed + c->reachable_ns;
		return;
	}
	nd_set_state(c, e, DPS_ND_PROBE, now);
	nd_solicit(e, true, out);
}

/* INCOMPLETE and PROBE: solicit again every retrans_ns, MAX_MULTICAST_
 * or MAX_UNICAST_SOLICIT times, then fail (7.3.3). */
static void
nd_timer_probe(struct dps_nd_cache *c, struct dps_nd_entry *e, uint64_t now,
	struct dps_nd_out *out)
{
	bool incomplete = e->state == DPS_ND_INCOMPLETE;
	uint8_t max = incomplete ? c->p.mcast_solicit : c->p.ucast_solicit;

	if (e->probes >= max) {
		nd_set_state(c, e, DPS_ND_FAILED, now);
		nd_release(e, DPS_ND_ACT_FAIL, DPS_DROP_nd_failed, out);
		return;
	}
	e->timer_ns = now + c->p.retrans_ns;
	nd_solicit(e, !incomplete, out);
}

/* Garbage collection: FAILED entries go at the next tick after they
 * failed, STALE ones unused for gc_stale_ns (neigh_periodic_work()). */
static bool
nd_expired(const struct dps_nd_cache *c, const struct dps_nd_entry *e,
	uint64_t now)
{
	uint64_t last = e->used_ns > e->updated_ns ? e->used_ns : e->updated_ns;

	if (e->state == DPS_ND_FAILED)
		return now > e->updated_ns;
	return e->state == DPS_ND_STALE && now >= last + c->p.gc_stale_ns;
}

static void
nd_timer(struct dps_nd_cache *c, struct dps_nd_entry *e, uint64_t now,
	struct dps_nd_out *out)
{
	switch (e->state) {
	case DPS_ND_REACHABLE:
		nd_timer_reachable(c, e, now);
		break;
	case DPS_ND_DELAY:
		nd_timer_delay(c, e, now, out);
		break;
	case DPS_ND_INCOMPLETE:
	case DPS_ND_PROBE:
		nd_timer_probe(c, e, now, out);
		break;
	default:
		break;
	}
}

void
dps_nd_tick(struct dps_nd_cache *c, uint64_t now, struct dps_nd_out *out)
{
	nd_out_reset(out);
	if (now >= c->drawn_ns + c->p.rerandom_ns)
		nd_draw_reachable(c, now);
	/* An empty cache costs no walk (the entries span ~430 KiB). */
	for (uint16_t i = 0; c->n_used != 0 && i < DPS_ND_TABLE_SIZE; i++) {
		struct dps_nd_entry *e = &c->e[i];

		if (e->state == DPS_ND_FREE)
			continue;
		if (nd_expired(c, e, now)) {
			nd_free(c, i);
			continue;
		}
		if (e->timer_ns == 0 || now < e->timer_ns)
			continue;
		if (out->n + DPS_ND_ENTRY_ACTS > DPS_ND_OUT_MAX) {
			out->more = true;
			return;
		}
		nd_timer(c, e, now, out);
	}
}

void
dps_nd_flush(struct dps_nd_cache *c, struct dps_nd_out *out)
{
	nd_out_reset(out);
	for (uint16_t i = 0; i < DPS_ND_TABLE_SIZE; i++) {
		struct dps_nd_entry *e = &c->e[i];

		if (e->state == DPS_ND_FREE)
			continue;
		if (out->n + DPS_ND_ENTRY_ACTS > DPS_ND_OUT_MAX) {
			out->more = true;
			return;
		}
		nd_release(e, DPS_ND_ACT_DROP, DPS_DROP_nd_failed, out);
		nd_free(c, i);
	}
}
