/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_CNT_H
#define DPS_CNT_H

/*
 * Counter updates for the owning lcore. The owner is the only writer, so a
 * relaxed load-add-store is enough; the relaxed store pairs with the
 * relaxed loads in dps_counters_snapshot() and keeps readers from seeing a
 * torn value.
 */

#include "dps_counters.h"

#define DPS_CNT_ADD(c, field, n) \
	__atomic_store_n(&(c)->field, \
		__atomic_load_n(&(c)->field, __ATOMIC_RELAXED) + (n), \
		__ATOMIC_RELAXED)

#define DPS_CNT_INC(c, field) DPS_CNT_ADD(c, field, 1)

/* Count one drop under @reason and return @reason, so a checker can write
 * "return dps_drop(cnt, DPS_DROP_ip_bad_csum);". A NULL @c counts nothing. */
static inline int
dps_drop(struct dps_counters *c, int reason)
{
	if (c != NULL && reason >= 0 && reason < DPS_DROP__MAX)
		DPS_CNT_INC(c, drop[reason]);
	return reason;
}

#endif
