/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_THREAD_H
#define DPS_THREAD_H

/**
 * @file
 * Application threads talking to the stack.
 *
 * Any pthread may attach. Attaching creates the thread's completion queue
 * (an rte_ring placed on the thread's NUMA node) and an eventfd that
 * becomes readable whenever a completion is waiting, so an application
 * can put it into its own kernel epoll. Requests travel to the owning lcore
 * through that lcore's request ring; nothing on this path takes a lock.
 * Calls return -1 and set errno, as the BSD socket calls do.
 */

#include <stdint.h>
#include "dps_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dps_stack;
struct dps_thread;

/**
 * Attach the calling thread.
 * @return a handle to pass to the other calls, or NULL with errno set
 * (ENOMEM; EMFILE when no eventfd could be made).
 */
struct dps_thread *dps_thread_attach(struct dps_stack *s);

/**
 * Detach and free the handle. Requests the thread abandoned when the stack
 * stopped (calls that failed with ESHUTDOWN) may still be held by an
 * lcore; the lcore frees them without touching the handle.
 */
void dps_thread_detach(struct dps_thread *t);

/** The eventfd that is readable while completions are pending. */
int dps_thread_eventfd(const struct dps_thread *t);

/** NUMA node the completion queue was placed on. */
int dps_thread_numa_node(const struct dps_thread *t);

/**
 * Send one ICMP echo request to @p dst from stack lcore 0 and sleep until
 * the reply, or until @p timeout_ms passes. @p dst may be IPv4 or IPv6
 * (ICMPv6 echo, RFC 4443 4.1, from the source address RFC 6724 selects;
 * the neighbour is resolved by neighbour discovery).
 * @param rtt_ns if not NULL, receives the round trip in nanoseconds.
 * @return 0; or -1 with errno: ETIMEDOUT (no reply; also an IPv6
 * neighbour that never answered), EHOSTUNREACH (next hop did not answer
 * ARP), ENETUNREACH (no route), EADDRNOTAVAIL (IPv6: no usable source
 * address yet, while duplicate address detection runs), EAGAIN (request
 * ring full), EINVAL (neither IPv4 nor IPv6, or a v4-mapped address),
 * ESHUTDOWN (the stack is stopping), ENOMEM.
 */
int dps_ping(struct dps_thread *t, const struct dps_addr *dst, uint16_t seq,
	uint32_t timeout_ms, uint64_t *rtt_ns);

#ifdef __cplusplus
}
#endif
#endif
