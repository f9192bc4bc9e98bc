/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_TUPLES_H
#define DPS_APP_TUPLES_H

/*
 * The tuples of a client: the (source address, source port, destination)
 * each connection takes, and the order the client takes the (source,
 * destination) pairs in. Pure: no stack, no EAL.
 */

#include <stdint.h>

/*
 * Step the pair cursor (*@p src, *@p to) over @p n_src sources x @p n_to
 * destinations: the destination first, the source once per round of
 * destinations. From (0, 0), n_src x n_to steps visit every pair once,
 * whatever the two counts; stepping both together would leave pairs
 * unused when the counts have a common factor (16 x 8 would make 16).
 */
void app_tuples_next_pair(uint32_t *src, uint32_t *to, uint32_t n_src,
	uint32_t n_to);

#endif
