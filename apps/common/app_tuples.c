/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tuples of a client (see app_tuples.h).
 */
#include "app_tuples.h"

void
app_tuples_next_pair(uint32_t *src, uint32_t *to, uint32_t n_src, uint32_t n_to)
{
	if (++*to < n_to)
		return;
	*to = 0;
	*src = *src + 1 < n_src ? *src + 1 : 0;
}
