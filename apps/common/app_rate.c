/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stddef.h>
#include "app_rate.h"

void
app_rate_init(struct app_rate *r, double per_s, uint64_t hz, uint64_t ramp_tsc,
	uint64_t t0)
{
	r->per_tsc = per_s / (double)hz;
	r->ramp_tsc = (double)ramp_tsc;
	r->t0 = t0;
	r->spent = 0;
}

/* Sends scheduled in the first @p e ticks: the integral of the rate,
 * which grows linearly over the ramp and is flat after it. */
static double
scheduled(const struct app_rate *r, double e)
{
	if (e < r->ramp_tsc)
		return r->per_tsc * e * e / (2.0 * r->ramp_tsc);
	return r->per_tsc * (e - r->ramp_tsc / 2.0);
}

uint64_t
app_rate_due(const struct app_rate *r, uint64_t tsc)
{
	if (r->per_tsc <= 0 || tsc <= r->t0)
		return 0;
	return (uint64_t)scheduled(r, (double)(tsc - r->t0));
}

uint64_t
app_rate_intended(const struct app_rate *r, uint64_t k)
{
	double y = (double)k + 1.0, e;

	if (r->per_tsc <= 0)
		return r->t0;
	if (y < r->per_tsc * r->ramp_tsc / 2.0)
		e = sqrt(2.0 * y * r->ramp_tsc / r->per_tsc);
	else
		e = y / r->per_tsc + r->ramp_tsc / 2.0;
	return r->t0 + (uint64_t)ceil(e);
}

bool
app_rate_take(struct app_rate *r, uint64_t tsc, uint64_t *intended)
{
	if (r->spent >= app_rate_due(r, tsc))
		return false;
	if (intended != NULL)
		*intended = app_rate_intended(r, r->spent);
	r->spent++;
	return true;
}

void
app_rate_untake(struct app_rate *r)
{
	if (r->spent > 0)
		r->spent--;
}

uint64_t
app_rate_skip_late(struct app_rate *r, uint64_t tsc, uint64_t max_behind)
{
	uint64_t due = app_rate_due(r, tsc), late;

	if (due <= r->spent + max_behind)
		return 0;
	late = due - r->spent - max_behind;
	r->spent += late;
	return late;
}
