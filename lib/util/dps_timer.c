/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include "dps_timer.h"

/*
 * Each slot's list head keeps, in its otherwise unused `when`, a lower
 * bound on the deadlines of the nodes in that slot (UINT64_MAX when the
 * slot is known empty). Arming lowers it; cancelling leaves it alone (a
 * bound that is too low costs one walk, never a missed timer); a walk of
 * the slot sets it to the exact earliest deadline left. An expiry pass
 * walks a slot only when that bound is due, so a poll with nothing due
 * costs one comparison per tick passed, however many timers are armed:
 * neither the current tick's later deadlines nor the deadlines whole
 * turns away that share a slot are re-walked at every poll or turn.
 */

void
dps_tw_init(struct dps_twheel *w, uint64_t now)
{
	w->tick = now >> DPS_TW_SHIFT;
	w->armed = 0;
	w->visited = 0;
	for (unsigned int i = 0; i < DPS_TW_SLOTS; i++) {
		w->slot[i].next = w->slot[i].prev = &w->slot[i];
		w->slot[i].when = UINT64_MAX;
	}
}

static void
tw_unlink(struct dps_tnode *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

void
dps_tw_cancel(struct dps_twheel *w, struct dps_tnode *n)
{
	if (!dps_tw_armed(n))
		return;
	tw_unlink(n);
	w->armed--;
}

void
dps_tw_arm(struct dps_twheel *w, struct dps_tnode *n, uint64_t when)
{
	uint64_t t = when >> DPS_TW_SHIFT;
	struct dps_tnode *head;

	dps_tw_cancel(w, n);
	if (t < w->tick)
		t = w->tick;
	head = &w->slot[t & (DPS_TW_SLOTS - 1)];
	n->when = when;
	n->next = head;
	n->prev = head->prev;
	head->prev->next = n;
	head->prev = n;
	if (when < head->when)
		head->when = when;
	w->armed++;
}

/* Move the nodes of @head due at @now to the list @due, and leave in
 * head->when the earliest deadline of those that stay. */
static void
tw_collect(struct dps_twheel *w, struct dps_tnode *head, uint64_t now,
	struct dps_tnode *due)
{
	struct dps_tnode *n = head->next;
	uint64_t first = UINT64_MAX;

	while (n != head) {
		struct dps_tnode *next = n->next;

		w->visited++;
		if (n->when <= now) {
			/* Still counted as armed until it fires: a callback may
			 * cancel it first. */
			tw_unlink(n);
			n->next = due;
			n->prev = due->prev;
			due->prev->next = n;
			due->prev = n;
		} else if (n->when < first) {
			first = n->when;
		}
		n = next;
	}
	head->when = first;
}

unsigned int
dps_tw_expire(struct dps_twheel *w, uint64_t now,
	void (*fn)(struct dps_tnode *n, void *arg), void *arg)
{
	uint64_t last = now >> DPS_TW_SHIFT;
	struct dps_tnode due = { &due, &due, 0 };
	unsigned int fired = 0;
	uint64_t t;

	if (w->armed == 0) {
		w->tick = last;
		return 0;
	}
	/* A gap of a whole turn or more visits every slot once. */
	if (last - w->tick >= DPS_TW_SLOTS && last >= w->tick)
		w->tick = last - (DPS_TW_SLOTS - 1);
	for (t = w->tick; t <= last; t++) {
		struct dps_tnode *head = &w->slot[t & (DPS_TW_SLOTS - 1)];

		if (head->when <= now)
			tw_collect(w, head, now, &due);
	}
	/* The current tick's slot may hold deadlines later in this tick:
	 * look at it again next time (its bound says when it is worth a
	 * walk) rather than a whole turn later. */
	w->tick = last;
	while (due.next != &due) {
		struct dps_tnode *n = due.next;

		tw_unlink(n);
		w->armed--;
		fn(n, arg);
		fired++;
	}
	return fired;
}
