/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_SOCK_LOCK_H
#define DPS_SOCK_LOCK_H

/*
 * The application side's socket lock, Linux's lock_sock() for the calls
 * that read and change the socket-level state together: connect(),
 * listen(), bind() and the AF_UNSPEC disconnect. Linux makes the
 * check-and-start of __inet_stream_connect() atomic with it, so eight
 * threads connecting one socket see one EINPROGRESS (or one connection
 * attempt) and seven EALREADY, never a second attempt.
 *
 * It is a futex mutex of one word (0 free, 1 held, 2 held with sleepers:
 * the classic three-state lock), four bytes in struct dps_sock rather
 * than a 40-byte pthread_mutex_t; a million idle sockets carry it. It is
 * never held across a sleep for the network: a blocking connect() drops
 * it while it waits, as inet_wait_for_connect() releases the socket lock.
 *
 * Code on a stack lcore never sleeps on it: an application thread may
 * hold it while it waits for that very lcore to run its request, so the
 * lcore only tries it (dps_sock_trylock()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void
dps_futex(uint32_t *w, int op, uint32_t val)
{
	(void)syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Take @w if free. The acquire pairs with the release in dps_lock_put(),
 * so the holder sees what the previous holder wrote. */
static inline bool
dps_lock_try(uint32_t *w)
{
	uint32_t free_ = 0;

	return __atomic_compare_exchange_n(w, &free_, 1, false,
		__ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Take @w, sleeping on the futex while another thread holds it. */
static inline void
dps_lock_take(uint32_t *w)
{
	if (dps_lock_try(w))
		return;
	/* Mark it contended (2) and sleep until a release finds it free;
	 * the acquire pairs with dps_lock_put()'s release, as above. */
	while (__atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE) != 0)
		dps_futex(w, FUTEX_WAIT, 2);
}

/* Release @w and wake one sleeper if it was contended. The release
 * publishes the critical section to the next dps_lock_take(). */
static inline void
dps_lock_put(uint32_t *w)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2)
		dps_futex(w, FUTEX_WAKE, 1);
}

#endif
