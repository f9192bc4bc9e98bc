/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness: what poll() reports for a socket (tcp_poll(), udp_poll()),
 * how an lcore wakes the threads, the epoll set and the callbacks waiting
 * for it, and how a thread sleeps until it is ready. The epoll sets
 * themselves are the socket layer's (lib/sock/dps_poll.c), which
 * installs the hook that queues a socket on its set.
 *
 * Wake-up protocol (no lock): a thread that is about to sleep stores
 * itself in sk->waiter (a blocking call) or sk->poller (dps_poll()),
 * sequentially consistent, re-reads the socket's state, and sleeps on its
 * eventfd only if nothing changed. A socket wakes one of each at once; a
 * third sleeper on the same socket notices within 100 ms. The lcore
 * stores the new state (sequentially consistent) and then exchanges the
 * waiter with NULL, writing the eventfd of whatever it took. One of the two
 * always sees the other's store, so a wake-up is never lost (the
 * accessors dps_sock_set_waiter(), dps_sock_take_waiter() and the
 * _sc state loads in dps_inet.h carry this pattern's SEQ_CST). Thread
 * handles and epoll sets are never freed (they are pooled), so a late
 * write reaches a live eventfd.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <rte_ring.h>
#include "dps_inet.h"


/* Queues a socket on its epoll set (dps_sock_set_ep_kick()). Written
 * once, before any socket joins a set. */
static void (*ep_kick_hook)(struct dps_ep *ep, uint32_t slot);

void
dps_sock_set_ep_kick(void (*fn)(struct dps_ep *ep, uint32_t slot))
{
	ep_kick_hook = fn;
}

/* ---- the poll mask ---- */

/* Bytes a reader would find now. */
static bool
tcp_readable(const struct dps_sock *sk)
{
	const struct rte_ring *r = dps_sock_rxq(sk);

	return dps_sock_rx_cur(sk) != NULL ||
		(r != NULL && rte_ring_count(r) != 0);
}

/* Send space: Linux's sk_stream_is_writeable() wants a third of the
 * buffer free (sk_stream_wspace() >= sk_stream_min_wspace()), and with
 * TCP_NOTSENT_LOWAT twice the unsent bytes below it
 * (tcp_stream_memory_free() as tcp_poll() calls it, wake = 1). */
static bool
tcp_writable(const struct dps_sock *sk)
{
	uint32_t q = dps_sock_snd_queued(sk);
	uint32_t buf = sk->opt.sndbuf / 2;
	uint32_t lowat = dps_sock_opt(sk, notsent_lowat);

	if (lowat != 0 && 2 * (uint64_t)dps_tcp_notsent(sk) >= lowat)
		return false;
	return q < buf && buf - q >= q / 2;
}

/* tcp_poll() (net/ipv4/tcp.c). */
static uint32_t
tcp_events(const struct dps_sock *sk)
{
	uint8_t state = dps_sock_state_sc(sk);
	uint8_t shut = dps_sock_shutdown_sc(sk);
	uint32_t mask = 0;

	if (state == DPS_TCP_LISTEN) {
		const struct dps_listener *l = dps_sock_lst(sk);

		return l != NULL && rte_ring_count(l->acceptq) != 0 ?
			POLLIN | POLLRDNORM : 0;
	}
	if (shut == DPS_SHUTDOWN_MASK || state == DPS_TCP_CLOSE)
		mask |= POLLHUP;
	if (shut & DPS_RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (state != DPS_TCP_SYN_SENT && state != DPS_TCP_SYN_RECV) {
		if (tcp_readable(sk))
			mask |= POLLIN | POLLRDNORM;
		if ((shut & DPS_SEND_SHUTDOWN) || state == DPS_TCP_CLOSE ||
				tcp_writable(sk))
			mask |= POLLOUT | POLLWRNORM;
	}
	if (dps_sock_error_sc(sk) != 0 ||
			dps_sock_errq(sk) != 0)
		mask |= POLLERR;
	return mask;
}

int
dps_sock_cbs_intern(struct dps_sockets *ss, const struct dps_sock_cbs *cbs)
{
	/* Acquire: pairs with the release below, so the entries counted
	 * are seen whole. */
	uint32_t n = __atomic_load_n(&ss->n_cbsets, __ATOMIC_ACQUIRE);
	int rc = -ENOBUFS;

	for (uint32_t i = 0; i < n; i++)
		if (memcmp(&ss->cbsets[i], cbs, sizeof(*cbs)) == 0)
			return (int)i + 1;
	rte_spinlock_lock(&ss->cbsets_lock);
	n = ss->n_cbsets;	/* under the lock: the writers' own view */
	for (uint32_t i = 0; i < n; i++)
		if (memcmp(&ss->cbsets[i], cbs, sizeof(*cbs)) == 0) {
			rc = (int)i + 1;
			goto out;
		}
	if (n < DPS_CBSETS_MAX) {
		ss->cbsets[n] = *cbs;
		/* Release: the entry before the count that makes it visible. */
		__atomic_store_n(&ss->n_cbsets, n + 1, __ATOMIC_RELEASE);
		rc = (int)n + 1;
	}
out:
	rte_spinlock_unlock(&ss->cbsets_lock);
	return rc;
}

/* udp_poll() / datagram_poll(). */
static uint32_t
udp_events(const struct dps_sock *sk)
{
	uint32_t mask = POLLOUT | POLLWRNORM | POLLWRBAND;

	if (dps_sock_error_sc(sk) != 0)
		mask |= POLLERR;
	if (dps_sock_rxq(sk) != NULL && dps_udp_has_data(sk))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

uint32_t
dps_sock_events(const struct dps_sock *sk)
{
	return sk->type == SOCK_STREAM ? tcp_events(sk) : udp_events(sk);
}

void
dps_sock_notify(struct dps_sock *sk, int what)
{
	struct dps_thread *w = dps_sock_take_waiter(sk);
	struct dps_thread *p = dps_sock_take_poller(sk);
	struct dps_ep *ep = dps_sock_ep(sk);
	const struct dps_sock_cbs *cbs;

	if (w != NULL)
		dps_thread_wake(w);
	if (p != NULL && p != w)
		dps_thread_wake(p);
	if (ep != NULL)
		ep_kick_hook(ep, sk->ep_slot);
	if (sk->cbset == 0)
		return;
	cbs = &dps_socks(sk->stack)->cbsets[sk->cbset - 1];
	switch (what) {
	case DPS_CB_CONNECTED:
		if (cbs->connected != NULL)
			cbs->connected(sk->obj.fd, sk->cb_arg);
		break;
	case DPS_CB_ERROR:
		if (cbs->error != NULL)
			cbs->error(sk->obj.fd, dps_sock_take_error(sk), sk->cb_arg);
		break;
	case DPS_CB_READABLE:
		if (cbs->readable != NULL)
			cbs->readable(sk->obj.fd, sk->cb_arg);
		break;
	case DPS_CB_WRITABLE:
		if (cbs->writable != NULL)
			cbs->writable(sk->obj.fd, sk->cb_arg);
		break;
	case DPS_CB_ACCEPTABLE:
		if (cbs->acceptable != NULL)
			cbs->acceptable(sk->obj.fd, sk->cb_arg);
		break;
	default:
		break;
	}
}

/* ---- sleeping ---- */

uint64_t
dps_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep on @t's eventfd for at most @ns (UINT64_MAX: DPS_WAKE_MS). */
void
dps_thread_sleep(struct dps_thread *t, uint64_t ns)
{
	struct pollfd pfd = { .fd = dps_thread_efd(t), .events = POLLIN };
	int ms = ns >= (uint64_t)DPS_WAKE_MS * 1000000 ? DPS_WAKE_MS :
		(int)((ns + 999999) / 1000000);
	uint64_t cnt;

	if (poll(&pfd, 1, ms) > 0)
		(void)!read(pfd.fd, &cnt, sizeof(cnt));
}

/*
 * Sleep until done(sk), @timeout_ns passes (0: forever), or the stack
 * stops. Returns 0, -EAGAIN (timed out), -ESHUTDOWN, or the negative errno
 * of a thread handle that could not be made.
 */
int
dps_sock_wait(struct dps_sock *sk, bool (*done)(struct dps_sock *sk),
	uint64_t timeout_ns)
{
	struct dps_thread *t = dps_thread_self(sk->stack);
	uint64_t end = timeout_ns != 0 ? dps_mono_ns() + timeout_ns : UINT64_MAX;

	if (t == NULL)
		return -errno;
	for (;;) {
		uint64_t now;

		if (done(sk))
			return 0;
		dps_sock_set_waiter(sk, t);
		if (done(sk)) {
			dps_sock_set_waiter(sk, NULL);
			return 0;
		}
		if (dps_stack_stopping(sk->stack))
			return -ESHUTDOWN;
		now = dps_mono_ns();
		if (now >= end)
			return -EAGAIN;
		dps_thread_sleep(t, end == UINT64_MAX ? UINT64_MAX : end - now);
	}
}
