/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_TUPLES_H
#define DPS_APP_TUPLES_H

/*
 * The tuple arithmetic a client checks before it starts: how many
 * (source address, source port, destination) tuples a run holds at once
 * against how many it has. Pure: no stack, no EAL.
 *
 * A TCP connect takes its port from autobind (RFC 6056 algorithm 3, as
 * Linux's __inet_hash_connect()): from an offset hashed from the
 * (source, destination) pair it walks the ports of one parity of the
 * range first, the other after, and a port whose tuple is taken (or in
 * TIME_WAIT younger than tw_reuse allows) is walked past. Its cost grows
 * with how full that parity is, as linear probing's does. So the ports a
 * pair is counted to give are half of one parity, a quarter of the
 * range: at that fill a connect finds a port in 2.5 probes on average,
 * and the other parity stays a reserve, never the plan.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_tuples {
	uint32_t n_src;		/* source addresses (at least 1) */
	uint32_t n_to;		/* destinations (IP:PORT), at least 1 */
	uint32_t ports;		/* size of the ephemeral range */
	bool udp;		/* a UDP flow holds its port for every pair */
	uint64_t need;		/* tuples the run holds at once */
};

/* Ports one (source, destination) pair is counted to give from an
 * ephemeral range of @p ports: a quarter of it (half of one parity),
 * at least 1. */
uint32_t app_tuples_per_pair(uint32_t ports);

/* Tuples @p t has: sources x destinations x app_tuples_per_pair(), or
 * for UDP the range itself. */
uint64_t app_tuples_have(const struct app_tuples *t);

/*
 * When @p t needs more than it has: one line into @p buf (without the
 * program name or a newline) showing the arithmetic and what would be
 * enough (source addresses, destinations, or a --ports range), with
 * @p what naming the need (e.g. "--conc 2000000"). Returns true when it
 * does not fit (@p buf filled), false when it fits (@p buf untouched).
 */
bool app_tuples_short(const struct app_tuples *t, const char *what,
	char *buf, size_t cap);

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
