/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_ND_H
#define DPS_ND_H

/*
 * The IPv6 neighbour cache (RFC 4861 7.3, appendix C) with Linux's
 * states and defaults, and duplicate address detection for the stack's
 * own addresses (RFC 4862 5.4).
 *
 * One cache per lcore, written by that lcore only. It does no I/O and
 * reads no clock: every call takes @now in nanoseconds, and what the
 * caller must do (send a solicitation, send or fail a held packet, free
 * one displaced from a full queue) comes back as values in a struct
 * dps_nd_out that each call empties first. Held packets are opaque
 * pointers with a size the caller gives (mbufs in the stack, anything in
 * tests); the cache owns a packet from a -EAGAIN of dps_nd_resolve()
 * until an action hands it back.
 *
 * Entries sit in a fixed array chained from hash buckets (no EAL, no
 * allocation). The IP layer keeps one per lcore (lib/ip/dps_nd_glue.c;
 * docs/architecture.md, "IPv6 in the runtime").
 */

#include <stdint.h>
#include <stdbool.h>
#include <rte_ether.h>
#include "dps_wire6.h"

#define DPS_ND_TABLE_SIZE 512		/* entries */
#define DPS_ND_BUCKETS 1024		/* power of two */
/* Held packets per INCOMPLETE entry. Linux bounds its queue by bytes
 * only (unres_qlen_bytes, below); this ring bounds the pointers too. */
#define DPS_ND_HOLD_PKTS 64
/* The most actions one entry can ask for at once: every held packet,
 * a solicitation and a displaced packet. */
#define DPS_ND_ENTRY_ACTS (DPS_ND_HOLD_PKTS + 2)
#define DPS_ND_OUT_MAX (2 * DPS_ND_ENTRY_ACTS)

/* Linux's NUD states (include/net/neighbour.h); FREE is an unused slot. */
enum dps_nd_state {
	DPS_ND_FREE = 0,
	DPS_ND_INCOMPLETE,	/* solicitations multicast, packets held */
	DPS_ND_REACHABLE,	/* confirmed within the reachable time */
	DPS_ND_STALE,		/* usable, unconfirmed; the next use delays */
	DPS_ND_DELAY,		/* used while stale: waiting for a confirmation */
	DPS_ND_PROBE,		/* unicast solicitations */
	DPS_ND_FAILED,		/* no answer: held packets failed */
	DPS_ND_STATIC,		/* configured (Linux's PERMANENT) */
};

/*
 * Linux's defaults (net.ipv6.neigh.default.*): base_reachable_time 30 s,
 * retrans_time 1 s, delay_first_probe_time 5 s, gc_stale_time 60 s,
 * mcast_solicit 3, ucast_solicit 3, unres_qlen_bytes 212992. The
 * reachable time is drawn in [0.5, 1.5) x base (RFC 4861 6.3.2) and
 * drawn again every 300 s, as neigh_periodic_work() does.
 */
struct dps_nd_params {
	uint64_t base_reachable_ns;
	uint64_t retrans_ns;
	uint64_t delay_first_probe_ns;
	uint64_t gc_stale_ns;
	uint64_t rerandom_ns;
	uint32_t unres_qlen_bytes;
	uint8_t mcast_solicit;
	uint8_t ucast_solicit;
};

struct dps_nd_entry {
	uint8_t addr[16];
	uint16_t ifindex;
	uint8_t state;			/* enum dps_nd_state */
	uint8_t probes;			/* solicitations sent in this state */
	bool router;			/* IsRouter (RFC 4861 7.2.5) */
	struct rte_ether_addr lla;
	uint16_t next;			/* bucket chain or free list */
	uint64_t confirmed_ns;		/* last reachability confirmation */
	uint64_t updated_ns;		/* last state change */
	uint64_t used_ns;		/* last dps_nd_resolve() */
	uint64_t timer_ns;		/* next deadline; 0: none */
	uint32_t hold_bytes;
	uint8_t hold_head, hold_n;
	void *hold[DPS_ND_HOLD_PKTS];	/* FIFO ring */
	uint32_t hold_len[DPS_ND_HOLD_PKTS];
};

enum dps_nd_act_kind {
	/* Send a neighbour solicitation for addr: to lla when unicast (a
	 * probe, PROBE state), else to addr's solicited-node group. */
	DPS_ND_ACT_SOLICIT,
	/* Send held pkt to lla. */
	DPS_ND_ACT_TX,
	/* Held pkt cannot be delivered: report EHOSTUNREACH to its owner
	 * (Linux's ndisc_error_report()) and free it; reason nd_failed. */
	DPS_ND_ACT_FAIL,
	/* Free pkt, displaced from a full hold queue; reason
	 * nd_hold_overflow. */
	DPS_ND_ACT_DROP,
};

struct dps_nd_act {
	uint8_t kind;			/* enum dps_nd_act_kind */
	bool unicast;			/* SOLICIT */
	uint16_t ifindex;
	uint8_t addr[16];		/* the neighbour */
	struct rte_ether_addr lla;	/* SOLICIT unicast, TX */
	void *pkt;			/* TX, FAIL, DROP */
	int reason;			/* FAIL, DROP: a DPS_DROP_* */
};

struct dps_nd_out {
	unsigned int n;
	/* dps_nd_tick() or dps_nd_flush() stopped with work left for want
	 * of room: act on these, then call it again. */
	bool more;
	struct dps_nd_act a[DPS_ND_OUT_MAX];
};

struct dps_nd_cache {
	struct dps_nd_params p;
	uint64_t reachable_ns;		/* the current random draw */
	uint64_t drawn_ns;		/* when it was drawn */
	uint64_t rng;			/* xorshift64 state, never 0 */
	unsigned int n_used;
	uint16_t free_head;
	uint16_t bucket[DPS_ND_BUCKETS];
	struct dps_nd_entry e[DPS_ND_TABLE_SIZE];
};

/* Initialise @c; @p NULL takes Linux's defaults. @seed feeds the draws
 * of the reachable time. */
void dps_nd_init(struct dps_nd_cache *c, const struct dps_nd_params *p,
	uint64_t seed, uint64_t now);

/*
 * The link-layer address for neighbour @addr to send @pkt (@bytes long,
 * counted against unres_qlen_bytes while held) (RFC 4861 7.2.2, 7.3.3).
 * 0: *lla filled, the caller sends @pkt; a STALE entry goes to DELAY.
 * -EAGAIN: @pkt is held; a new or FAILED entry went INCOMPLETE and @out
 *   asks for a multicast solicitation; a packet displaced from a full
 *   queue (oldest first) is a DROP action.
 * -ENOBUFS: no entry could be had; @pkt was not taken (nd_table_full).
 */
int dps_nd_resolve(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], void *pkt, uint32_t bytes,
	struct rte_ether_addr *lla, uint64_t now, struct dps_nd_out *out);

/*
 * A valid neighbour advertisement for @target (dps_nd_check()) with
 * @flags (DPS_ND_NA_*) and the target link-layer address @lla, NULL when
 * it had none: RFC 4861 7.2.5 and appendix C. No entry, or a FAILED
 * one: nothing (no entry is made from an advertisement, as Linux's
 * default accept_untracked_na 0, and ndisc_recv_na() skips FAILED). Held packets of an entry it resolves leave as
 * TX actions. The caller first gives a target that is one of its own
 * tentative addresses to dps_dad_rx_na().
 */
void dps_nd_rx_na(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t target[16], uint8_t flags,
	const struct rte_ether_addr *lla, uint64_t now, struct dps_nd_out *out);

/*
 * A valid solicitation from @src carrying its link-layer address @lla
 * (RFC 4861 7.2.3): the sender is made or kept STALE with @lla unless
 * the cache already had that address for it. From the unspecified
 * source (a DAD probe) nothing is learned.
 */
void dps_nd_rx_ns(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t src[16], const struct rte_ether_addr *lla, uint64_t now,
	struct dps_nd_out *out);

/* Forward progress seen by an upper layer (a TCP ACK of new data):
 * Linux's neigh_confirm(), the confirmation time of RFC 4861 7.3.1. */
void dps_nd_confirm(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], uint64_t now);

/* Add or replace a static entry; packets held for it leave as TX.
 * 0, or -ENOBUFS when the table is full. */
int dps_nd_add_static(struct dps_nd_cache *c, uint16_t ifindex,
	const uint8_t addr[16], const struct rte_ether_addr *lla,
	struct dps_nd_out *out);

/*
 * Timers (Linux's neigh_timer_handler() and neigh_periodic_work()):
 * REACHABLE ages to DELAY or STALE, DELAY to REACHABLE or PROBE,
 * INCOMPLETE and PROBE solicit again or fail, FAILED entries and STALE
 * ones unused for gc_stale_ns are freed, the reachable time is drawn
 * again. Call every few ms; out->more asks for another call.
 */
void dps_nd_tick(struct dps_nd_cache *c, uint64_t now, struct dps_nd_out *out);

/* The entry for (@ifindex, @addr), or NULL. */
const struct dps_nd_entry *dps_nd_lookup(const struct dps_nd_cache *c,
	uint16_t ifindex, const uint8_t addr[16]);

/* Empty the cache: held packets leave as DROP actions (reason
 * nd_failed). out->more asks for another call. */
void dps_nd_flush(struct dps_nd_cache *c, struct dps_nd_out *out);

/* ---- duplicate address detection (dps_dad.c) --------------------------- */

enum dps_dad_state {
	DPS_DAD_TENTATIVE,		/* not usable yet (RFC 4862 5.4) */
	DPS_DAD_PREFERRED,		/* no duplicate found */
	DPS_DAD_DUPLICATE,		/* another node has it (5.4.5) */
};

/* RFC 4862 5.4, 5.4.2: DupAddrDetectTransmits 1, RetransTimer 1 s, a
 * first solicitation after a random delay of up to
 * MAX_RTR_SOLICITATION_DELAY (1 s, RFC 4861 10). */
struct dps_dad_params {
	uint8_t transmits;
	uint64_t retrans_ns;
	uint64_t max_delay_ns;
};

/* One of the stack's own addresses under detection. */
struct dps_dad {
	struct dps_dad_params p;
	uint8_t addr[16];
	uint16_t ifindex;
	uint8_t state;			/* enum dps_dad_state */
	uint8_t sent;			/* solicitations sent */
	uint64_t next_ns;		/* next solicitation or the verdict */
	uint8_t nonce[6];		/* RFC 7527, to know our own probe */
};

enum dps_dad_act {
	DPS_DAD_NOTHING,
	/* Send a solicitation for d->addr from :: to its solicited-node
	 * group, with d->nonce (dps_nd_ns_build()). */
	DPS_DAD_SEND_NS,
	/* Detection ended: d->state says how. */
	DPS_DAD_DONE,
};

/* Start detection for @addr at @now; @rand draws the delay and nonce.
 * @p NULL takes the defaults above. */
void dps_dad_start(struct dps_dad *d, const struct dps_dad_params *p,
	uint16_t ifindex, const uint8_t addr[16], uint64_t rand, uint64_t now);

/* What is due at @now. */
enum dps_dad_act dps_dad_tick(struct dps_dad *d, uint64_t now);

/* A solicitation for d->addr from @src with @nonce (NULL: none) while
 * tentative (RFC 4862 5.4.3): from :: it is another node's detection,
 * so the address is a duplicate, unless the nonce is ours (our own
 * probe looped back, RFC 7527 4.2); from a unicast source it is
 * address resolution and no conflict. Returns true when it made the
 * address a duplicate. */
bool dps_dad_rx_ns(struct dps_dad *d, const uint8_t src[16],
	const uint8_t *nonce);

/* Whether that solicitation is another node's detection of the address,
 * as dps_dad_rx_ns() decides, without changing @d: for one address of a
 * range, which is lost alone (lib/ip/dps_nd_glue.c). */
bool dps_dad_ns_conflicts(const struct dps_dad *d, const uint8_t src[16],
	const uint8_t *nonce);

/* An advertisement for d->addr while tentative (5.4.4): a duplicate.
 * Returns true when it made the address a duplicate. */
bool dps_dad_rx_na(struct dps_dad *d);

/* The solicitations of one round for a range of addresses went out
 * over several ticks, the last at @now: the next round, or the verdict,
 * waits RetransTimer from that last one (5.4.2), not from the round's
 * first. */
void dps_dad_probed(struct dps_dad *d, uint64_t now);

#endif
