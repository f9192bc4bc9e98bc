/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_BENCH_WIRE_H
#define DPS_BENCH_WIRE_H

/*
 * Two stacks in one process for callgrind benches: A (198.18.5.1/24)
 * and B (198.18.5.2/24) on the two sides of the test wire with no
 * impairment, each on its own pool, both on a virtual clock that
 * advances a fixed step per iteration, all driven by the calling thread
 * (which is stack lcore 0 of both). Deterministic: same input, same
 * instruction count.
 */

#include <stdint.h>
#include <rte_mempool.h>
#include "dpstack.h"
#include "dps_testwire.h"

struct bench_wire {
	struct dps_testwire *w;
	struct dps_stack *a, *b;
	struct rte_mempool *pool_a, *pool_b;
};

/* EAL already up. Exits with a one-line error on failure. @tap (may be
 * NULL) sees every frame sent, as dps_testwire_conf.tap. A capture goes
 * to $BENCH_PCAP when that is set. */
void bench_wire_up(struct bench_wire *bw,
	void (*tap)(void *arg, int dir, const struct rte_mbuf *m), void *tap_arg);
/* The same with socket settings @p ks on both stacks (NULL: the
 * defaults), e.g. dps_sock_conf.idle_ms, and @p delay_ns of one-way
 * delay on the wire. */
void bench_wire_up_conf(struct bench_wire *bw,
	void (*tap)(void *arg, int dir, const struct rte_mbuf *m), void *tap_arg,
	const struct dps_sock_conf *ks, uint64_t delay_ns);

/* Advance the clock by @p step_ns and carry what is on the wire. */
void bench_wire_step(struct bench_wire *bw, uint64_t step_ns);

/* Virtual nanoseconds since bench_wire_up(). */
uint64_t bench_wire_elapsed(void);

#endif
