/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TIMER_H
#define DPS_TIMER_H

/*
 * A hashed timer wheel (Varghese and Lauck's scheme 6) for per-connection
 * timers on one lcore: O(1) arm and cancel, expiry cost proportional to
 * the slots passed plus the nodes of the slots holding a due timer (or
 * one cancelled since the slot's last walk). A poll with nothing due
 * walks no list: each slot's head keeps a lower bound on its deadlines
 * (dps_timer.c).
 *
 * Why not rte_timer: rte_timer_manage() reads the TSC itself, and every
 * protocol timer here must run on the stack clock, which the tests replace
 * with a virtual one (a 130 s SYN schedule runs in milliseconds). Nodes
 * are intrusive, so arming allocates nothing.
 *
 * Pure and single-threaded: the owning lcore alone touches a wheel.
 */

#include <stdint.h>
#include <stdbool.h>

#define DPS_TW_SHIFT 20			/* tick = 2^20 ns, about 1 ms */
#define DPS_TW_SLOTS 4096		/* one turn: about 4.4 s */

struct dps_tnode {
	struct dps_tnode *next, *prev;	/* NULL when not armed */
	uint64_t when;			/* deadline, ns; in a slot's head, a
					 * lower bound on the slot's deadlines */
};

struct dps_twheel {
	uint64_t tick;			/* next tick to expire */
	uint32_t armed;
	uint64_t visited;		/* nodes looked at by expiry passes: a
					 * count of the wheel's work, for tests */
	struct dps_tnode slot[DPS_TW_SLOTS];	/* list heads */
};

void dps_tw_init(struct dps_twheel *w, uint64_t now);

static inline bool
dps_tw_armed(const struct dps_tnode *n)
{
	return n->next != NULL;
}

/* (Re)arm @n to fire at @when; a deadline in the past fires at the next
 * expiry pass. */
void dps_tw_arm(struct dps_twheel *w, struct dps_tnode *n, uint64_t when);

/* Disarm @n; harmless when it is not armed. */
void dps_tw_cancel(struct dps_twheel *w, struct dps_tnode *n);

/*
 * Fire every timer due at @now: each is disarmed, then @fn is called; it
 * may re-arm its node or others. Returns the number fired.
 */
unsigned int dps_tw_expire(struct dps_twheel *w, uint64_t now,
	void (*fn)(struct dps_tnode *n, void *arg), void *arg);

#endif
