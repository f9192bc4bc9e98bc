/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TELEMETRY_H
#define DPS_TELEMETRY_H

/**
 * @file
 * dpstack's commands in DPDK's telemetry (rte_telemetry), for
 * `dpdk-telemetry.py` and any client of the telemetry socket
 * (`<runtime dir>/<file-prefix>/dpdk_telemetry.v2`):
 *
 * - `/dpstack/counters[,LCORE[,LAYER]]`: every counter of struct
 *   dps_counters by name, drops by reason as `drop/REASON` (telemetry
 *   names take no '.'); the sum over
 *   the lcores, or lcore LCORE's (its index in the stack, or `all`);
 *   with LAYER (`eth`, `arp`, `ip`, `icmp`, `udp`, `tcp`, `req`, `poll`
 *   or `drop`), only the counters whose name starts with it.
 * - `/dpstack/lcores`: per stack lcore (arrays indexed by lcore): EAL
 *   lcore id, poll loops, busy and idle TSC cycles and the busy share in
 *   per cent, request ring depth and size, transmit backlog, free mbufs
 *   in its pool; and the TSC rate.
 * - `/dpstack/conns`: TCP connections by state (dps_stack_tcp_states()),
 *   their total, and the lowest 64 TCP descriptors of the stack.
 * - `/dpstack/conn,FD`: TCP_INFO of descriptor FD (the number the
 *   socket calls return, as dps_getsockopt() reports it), with its
 *   addresses and owning lcore.
 *
 * The callbacks run on the EAL's telemetry threads, never on a stack
 * lcore, and read only what the stack lets any thread read: counters by
 * relaxed loads, ring and backlog depths, the connection tables through
 * their versioned slots, sockets through a descriptor reference.
 */

#ifdef __cplusplus
extern "C" {
#endif

struct dps_stack;

/**
 * Show @p s through the /dpstack/ commands. The commands are registered
 * with rte_telemetry on the first call (after rte_eal_init()); the
 * process shows one stack, the last one given; dps_stack_destroy() of
 * that stack withdraws it (the commands then answer null). Any thread;
 * call it once the stack is started.
 * @return 0, or a negative errno from rte_telemetry_register_cmd().
 */
int dps_telemetry_register(struct dps_stack *s);

#ifdef __cplusplus
}
#endif
#endif
