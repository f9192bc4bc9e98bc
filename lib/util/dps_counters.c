/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include "dps_counters.h"

#define X_NAME(name, help) #name,
static const char *const drop_names[DPS_DROP__MAX] = { DPS_DROP_LIST(X_NAME) };
#undef X_NAME

const char *
dps_drop_reason_name(int reason)
{
	if (reason < 0 || reason >= DPS_DROP__MAX)
		return "?";
	return drop_names[reason];
}

/*
 * Relaxed loads pair with the owner's relaxed stores in DPS_CNT_ADD: each
 * field is read whole, never torn, with no ordering between fields.
 */
void
dps_counters_snapshot(struct dps_counters *dst, const struct dps_counters *src)
{
#define X_COPY(name, help) \
	dst->name = __atomic_load_n(&src->name, __ATOMIC_RELAXED);
	DPS_COUNTER_LIST(X_COPY)
#undef X_COPY
	for (int i = 0; i < DPS_DROP__MAX; i++)
		dst->drop[i] = __atomic_load_n(&src->drop[i], __ATOMIC_RELAXED);
}

void
dps_counters_accumulate(struct dps_counters *acc, const struct dps_counters *src)
{
#define X_ADD(name, help) acc->name += src->name;
	DPS_COUNTER_LIST(X_ADD)
#undef X_ADD
	for (int i = 0; i < DPS_DROP__MAX; i++)
		acc->drop[i] += src->drop[i];
}

void
dps_counters_foreach(const struct dps_counters *c,
	void (*fn)(const char *name, uint64_t value, void *arg), void *arg)
{
	char name[64];

#define X_CALL(nm, help) fn(#nm, c->nm, arg);
	DPS_COUNTER_LIST(X_CALL)
#undef X_CALL
	for (int i = 0; i < DPS_DROP__MAX; i++) {
		snprintf(name, sizeof(name), "drop.%s", drop_names[i]);
		fn(name, c->drop[i], arg);
	}
}

uint64_t
dps_counters_total_drops(const struct dps_counters *c)
{
	uint64_t sum = 0;

	for (int i = 0; i < DPS_DROP__MAX; i++)
		sum += c->drop[i];
	return sum;
}
