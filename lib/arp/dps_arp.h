/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_ARP_H
#define DPS_ARP_H

/*
 * The ARP cache (RFC 826, with the neighbour states of RFC 4861 7.3 that
 * Linux also uses for IPv4). One table per lcore, written by that lcore
 * only. It does no I/O and reads no clock: every call takes @now in
 * nanoseconds and requests, releases of held packets and drops leave
 * through the callbacks in struct dps_arp_ops. Held packets are opaque
 * pointers (mbufs in the stack, anything in tests).
 *
 * Entries live in a fixed open-addressed array rather than rte_hash: the
 * table must work without an EAL for the unit suite, it holds at most a few
 * hundred next hops (load generators talk through one gateway), and a
 * probe over a cache line or two is as fast as rte_hash's bucket walk.
 */

#include <stdint.h>
#include <stdbool.h>
#include <rte_ether.h>

#define DPS_ARP_TABLE_SIZE 1024	/* power of two */
/* Packets held per unresolved entry. Linux bounds its queue by bytes
 * (unres_qlen_bytes, 208 KiB: hundreds of SYNs); a burst of connects to a
 * new next hop must not lose SYNs here, so this is well above 8. */
#define DPS_ARP_HOLD 32

enum dps_arp_state {
	DPS_ARP_FREE = 0,
	DPS_ARP_INCOMPLETE,	/* request sent, packets held */
	DPS_ARP_REACHABLE,	/* confirmed within reachable_ns */
	DPS_ARP_STALE,		/* usable; next use sends a unicast refresh */
	DPS_ARP_STATIC,		/* configured; never expires or changes */
};

struct dps_arp_entry {
	uint32_t ip;			/* network order */
	uint16_t ifindex;
	uint8_t state;			/* enum dps_arp_state */
	uint8_t probes;			/* requests sent in this state */
	struct rte_ether_addr mac;
	uint64_t confirmed_ns;		/* last reply/request from the host */
	uint64_t next_ns;		/* next probe (INCOMPLETE/refresh) */
	uint64_t used_ns;		/* last dps_arp_resolve() hit */
	void *hold[DPS_ARP_HOLD];	/* FIFO ring of held packets */
	uint8_t hold_head, hold_n;
};

struct dps_arp_params {
	uint64_t reachable_ns;	/* REACHABLE -> STALE; default 30 s */
	uint64_t retrans_ns;	/* between requests; default 1 s */
	uint64_t gc_stale_ns;	/* STALE and unused this long -> freed; 60 s */
	uint8_t max_probes;	/* broadcast requests before failing; 3 */
	uint8_t ucast_probes;	/* unicast refreshes of a STALE entry; 3 */
};

struct dps_arp_ops {
	/* Send a request for @ip; @dst NULL = broadcast, else unicast refresh. */
	void (*send_request)(void *ctx, uint16_t ifindex, uint32_t ip,
		const struct rte_ether_addr *dst);
	/* A held packet is resolved: send it to @mac. */
	void (*output)(void *ctx, void *pkt, uint16_t ifindex,
		const struct rte_ether_addr *mac);
	/* A held packet is dropped; @reason is DPS_DROP_arp_timeout or
	 * DPS_DROP_arp_hold_overflow. @ip is the unresolved next hop. */
	void (*drop)(void *ctx, void *pkt, uint32_t ip, int reason);
};

struct dps_arp_table {
	struct dps_arp_params p;
	struct dps_arp_ops ops;
	void *ctx;
	unsigned int n_used;
	/* Changes whenever an entry is added, moved, removed, changes its MAC
	 * or stops being REACHABLE or STATIC: a struct dps_arp_hint taken
	 * at another value is stale. Never 0. */
	uint32_t gen;
	struct dps_arp_entry e[DPS_ARP_TABLE_SIZE];
};

/*
 * A resolution a caller may keep, for a flow that sends to one next hop
 * again and again (a TCP connection): while the table's generation is
 * the one it was taken at, the entry is where it was, REACHABLE or
 * STATIC, with the same MAC, so dps_arp_hint_use() can skip the probe.
 * A zeroed hint is empty.
 */
struct dps_arp_hint {
	uint32_t gen;			/* dps_arp_table.gen when taken; 0: none */
	uint16_t slot;
	struct rte_ether_addr mac;
};

/* Initialise; @p NULL takes the defaults above. */
void dps_arp_init(struct dps_arp_table *t, const struct dps_arp_params *p,
	const struct dps_arp_ops *ops, void *ctx);

/*
 * Find the MAC for next hop @ip to send @pkt.
 * 0: *mac filled, the caller sends @pkt (a STALE entry also triggers a
 *    rate-limited unicast refresh request).
 * -EAGAIN: @pkt is held (the table owns it now); a broadcast request went
 *    out if the entry is new.
 * -ENOBUFS: the table is full; @pkt was not taken, the caller drops it
 *    under DPS_DROP_arp_table_full.
 */
int dps_arp_resolve(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	void *pkt, struct rte_ether_addr *mac, uint64_t now);

/* dps_arp_resolve() that also fills @hint (may be NULL) when the answer
 * came from a REACHABLE or STATIC entry, and empties it otherwise. */
int dps_arp_resolve_hint(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	void *pkt, struct rte_ether_addr *mac, uint64_t now, struct dps_arp_hint *hint);

/*
 * Fill @hint for next hop (@ifindex, @ip) when its entry would give one
 * (REACHABLE or STATIC), without sending, holding or recording a use:
 * a flow's first frame can then take its hot path, and
 * dps_arp_hint_use() records the use when the frame is built. False
 * (@hint untouched) otherwise: the caller resolves as usual.
 */
bool dps_arp_hint_find(const struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	struct dps_arp_hint *hint);

/*
 * The MAC of @hint, with the use recorded as dps_arp_resolve() records
 * it, when the hint is still good; false (nothing done) when the caller
 * must resolve again.
 */
static inline bool
dps_arp_hint_use(struct dps_arp_table *t, const struct dps_arp_hint *hint,
	uint64_t now, struct rte_ether_addr *mac)
{
	if (hint->gen != t->gen)
		return false;
	t->e[hint->slot].used_ns = now;
	*mac = hint->mac;
	return true;
}

/*
 * A received ARP packet names @ip at @mac. Per RFC 826's merge rule an
 * existing entry is updated (STATIC ones never); a new one is created only
 * when @target_is_us. Held packets are released through ops->output.
 * Returns true when an entry was created or updated.
 */
bool dps_arp_input(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *mac, bool target_is_us, uint64_t now);

/* Add or replace a static entry. 0, or -ENOBUFS when the table is full. */
int dps_arp_add_static(struct dps_arp_table *t, uint16_t ifindex, uint32_t ip,
	const struct rte_ether_addr *mac);

/* Timers: retransmit or fail INCOMPLETE entries, age REACHABLE to STALE,
 * free STALE entries unused for gc_stale_ns. Call every few ms. */
void dps_arp_tick(struct dps_arp_table *t, uint64_t now);

/* The entry for (@ifindex, @ip), or NULL. For tests and introspection. */
const struct dps_arp_entry *dps_arp_lookup(const struct dps_arp_table *t,
	uint16_t ifindex, uint32_t ip);

/* Drop every held packet (through ops->drop, DPS_DROP_arp_timeout) and
 * clear the table. Used at shutdown so no mbuf leaks. */
void dps_arp_flush(struct dps_arp_table *t);

#endif
