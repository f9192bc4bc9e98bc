/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps_poll() and the epoll-like sets. What a socket reports and how the
 * lcores wake its waiters is the transport's (lib/inet/dps_sock_wake.c);
 * the sets register their queueing hook there.
 *
 * Wake-up protocol (no lock): a thread that is about to sleep stores
 * itself in sk->waiter (a blocking call) or sk->poller (dps_poll()),
 * sequentially consistent, re-reads the socket's state, and sleeps on its
 * eventfd only if nothing changed. A socket wakes one of each at once; a
 * third sleeper on the same socket notices within 100 ms. The lcore
 * stores the new state (sequentially consistent) and then exchanges the
 * waiter with NULL, writing the eventfd of whatever it took. One of the two
 * always sees the other's store, so a wake-up is never lost. Thread
 * handles and epoll sets are never freed (they are pooled), so a late
 * write reaches a live eventfd.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include "dps_sock_priv.h"

#define EP_SLOTS 16384

/* ---- epoll sets ---- */

struct ep_slot {
	struct dps_sock *sk;
	int fd;
	uint32_t events;		/* interest, EPOLL* */
	epoll_data_t data;
	int queued;			/* atomic: in the notification ring */
	bool active;
	bool ready;			/* on the waiter's ready list */
};

struct dps_ep {
	struct dps_obj obj;
	int efd;
	int armed;			/* atomic: the waiter wants a write */
	int overflow;			/* atomic: notifications were lost */
	struct rte_ring *notif;		/* slot numbers, MP (lcores) / SC */
	uint32_t n_slots;
	uint32_t *ready;		/* ready list (slot numbers) */
	uint32_t n_ready;
	struct dps_ep *next_free;
	struct ep_slot slot[EP_SLOTS];
};

/*
 * Shared fields of an epoll set. dps_ep_kick() runs on any lcore; the
 * set's waiter (epoll_wait()) collects. Both sides are store-then-load:
 * the kicker queues the slot, then takes @armed; the waiter stores
 * @armed, then drains the ring (ep_collect()). So @armed, @overflow and
 * the slots' @queued are SEQ_CST on both sides: with acquire/release the
 * waiter could miss a slot queued after its drain while the kicker saw
 * @armed still 0, and sleep with an event pending.
 */

/* Claim slot @i's place in the ring: true when it was not queued. */
static inline bool
ep_slot_claim(struct dps_ep *ep, uint32_t i)
{
	return __atomic_exchange_n(&ep->slot[i].queued, 1, __ATOMIC_SEQ_CST) == 0;
}

/* The waiter took slot @i off the ring (pairs with ep_slot_claim()). */
static inline void
ep_slot_unclaim(struct dps_ep *ep, uint32_t i)
{
	__atomic_store_n(&ep->slot[i].queued, 0, __ATOMIC_SEQ_CST);
}

/* Set a flag of the set: @overflow (the ring was full, the waiter must
 * rescan every slot) or @armed (the waiter is about to sleep and wants an
 * eventfd write). SEQ_CST: the store-load pattern above, against
 * ep_flag_take() on the other side. */
static inline void
ep_flag_set(int *flag, int v)
{
	__atomic_store_n(flag, v, __ATOMIC_SEQ_CST);
}

/* Take a flag set by ep_flag_set(), clearing it; SEQ_CST, as that. */
static inline bool
ep_flag_take(int *flag)
{
	return __atomic_exchange_n(flag, 0, __ATOMIC_SEQ_CST) != 0;
}

/* Pooled sets, a lock-free stack. Acquire: pairs with the acq_rel
 * compare-and-swap of ep_pool_cas(), so a popped set's next_free is
 * seen. */
static struct dps_ep *ep_free_list;

static inline struct dps_ep *
ep_pool_top(void)
{
	return __atomic_load_n(&ep_free_list, __ATOMIC_ACQUIRE);
}

/* Replace the top *@old by @new; acq_rel: publishes a pushed set's
 * next_free to the next popper (ep_pool_top()). */
static inline bool
ep_pool_cas(struct dps_ep **old, struct dps_ep *new)
{
	return __atomic_compare_exchange_n(&ep_free_list, old, new, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Queue slot @i for the waiter and wake it if it sleeps. Any thread
 * (the lcores call it through the transport's wake-ups). */
void
dps_ep_kick(struct dps_ep *ep, uint32_t i)
{
	uint64_t one = 1;

	if (ep_slot_claim(ep, i) &&
			rte_ring_mp_enqueue(ep->notif, (void *)(uintptr_t)i) != 0)
		ep_flag_set(&ep->overflow, 1);
	if (ep_flag_take(&ep->armed))
		(void)!write(ep->efd, &one, sizeof(one));
}

/* ---- dps_poll ---- */

/* One pass over @fds: fill revents, and register as waiter when @arm. */
static int
poll_scan(struct pollfd *fds, nfds_t nfds, struct dps_thread *t, bool arm)
{
	int n = 0;

	for (nfds_t i = 0; i < nfds; i++) {
		struct dps_sock *sk;

		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		sk = dps_sock_get(fds[i].fd);
		if (sk == NULL) {
			fds[i].revents = POLLNVAL;
			n++;
			continue;
		}
		if (arm)
			dps_sock_set_poller(sk, t);
		fds[i].revents = (short)(dps_sock_events(sk) &
			((uint32_t)(uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL));
		if (fds[i].revents != 0)
			n++;
		dps_sock_put(sk);
	}
	return n;
}

int
dps_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct dps_stack *s = NULL;
	struct dps_thread *t = NULL;
	uint64_t end;
	int n;

	if (nfds > DPS_FD_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* do_sys_poll() copies the array in and revents back out: the
	 * array must be readable and writable (EFAULT). It is worked on in
	 * place, so probe it once here. */
	if (nfds > SIZE_MAX / sizeof(*fds) ||
			dps_user_probe(fds, nfds * sizeof(*fds), true) != 0) {
		errno = EFAULT;
		return -1;
	}
	end = timeout < 0 ? UINT64_MAX : dps_mono_ns() + (uint64_t)timeout * 1000000;
	for (nfds_t i = 0; i < nfds && s == NULL; i++) {
		struct dps_sock *sk = fds[i].fd >= 0 ? dps_sock_get(fds[i].fd) : NULL;

		if (sk != NULL) {
			s = sk->stack;
			dps_sock_put(sk);
		}
	}
	if (s != NULL)
		t = dps_thread_self(s);
	for (;;) {
		uint64_t now;

		n = poll_scan(fds, nfds, t, t != NULL && timeout != 0);
		if (n != 0 || timeout == 0)
			return n;
		if (s != NULL && dps_stack_stopping(s)) {
			errno = ESHUTDOWN;
			return -1;
		}
		now = dps_mono_ns();
		if (now >= end)
			return 0;
		if (t != NULL)
			dps_thread_sleep(t, end == UINT64_MAX ? UINT64_MAX : end - now);
		else
			usleep(1000);
	}
}

/* ---- epoll ---- */


static struct dps_ep *
ep_get(int epfd)
{
	return (struct dps_ep *)dps_fd_get(epfd, DPS_OBJ_EPOLL);
}

static void
ep_put(struct dps_ep *ep)
{
	dps_obj_unref(&ep->obj);
}

static struct dps_ep *
ep_new(void)
{
	static uint32_t seq;
	struct dps_ep *ep = ep_pool_top();
	char name[RTE_RING_NAMESIZE];

	/* Pop a pooled set (ABA is harmless: sets are never freed, and a
	 * set is only pushed back after its descriptor is gone). */
	while (ep != NULL && !ep_pool_cas(&ep, ep->next_free))
		;
	if (ep != NULL)
		return ep;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return NULL;
	ep->ready = calloc(EP_SLOTS, sizeof(*ep->ready));
	ep->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(name, sizeof(name), "dps_ep%u",
		__atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));	/* relaxed: a name */
	ep->notif = rte_ring_create(name, EP_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (ep->ready == NULL || ep->efd < 0 || ep->notif == NULL) {
		if (ep->efd >= 0)
			close(ep->efd);
		rte_ring_free(ep->notif);
		free(ep->ready);
		free(ep);
		return NULL;
	}
	return ep;
}

int
dps_epoll_create(void)
{
	struct dps_ep *ep = ep_new();
	int fd;

	if (ep == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ep->obj.kind = DPS_OBJ_EPOLL;
	dps_obj_set_refs(&ep->obj, 1);
	ep_flag_set(&ep->armed, 1);
	ep_flag_set(&ep->overflow, 0);
	ep->n_slots = 0;
	ep->n_ready = 0;
	fd = dps_fd_alloc(&ep->obj);
	if (fd < 0) {
		ep->next_free = ep_pool_top();
		while (!ep_pool_cas(&ep->next_free, ep))
			;
		return -1;
	}
	return fd;
}

static void
ep_release(struct dps_ep *ep)
{
	void *v;
	uint64_t cnt;

	for (uint32_t i = 0; i < ep->n_slots; i++) {
		struct ep_slot *sl = &ep->slot[i];
		struct dps_ep *me = ep;

		if (sl->active && sl->sk != NULL)
			(void)dps_sock_ep_cas(sl->sk, me, NULL);
		memset(sl, 0, sizeof(*sl));
	}
	while (rte_ring_sc_dequeue(ep->notif, &v) == 0)
		;
	(void)!read(ep->efd, &cnt, sizeof(cnt));
	/* Wait until the descriptor's last user is gone, then pool it. */
	while (dps_obj_refs(&ep->obj) != 0)
		sched_yield();
	ep->next_free = ep_pool_top();
	while (!ep_pool_cas(&ep->next_free, ep))
		;
}

/* Close an epoll descriptor (from dps_close()). */
int
dps_epoll_close(int fd, struct dps_obj *o)
{
	struct dps_ep *ep = (struct dps_ep *)o;

	if (!dps_fd_clear(fd, o))
		return -EBADF;
	dps_fd_release(fd);
	dps_obj_unref(&ep->obj);	/* table's */
	ep_put(ep);		/* the caller's */
	ep_release(ep);
	return 0;
}

static int
ep_find(const struct dps_ep *ep, int fd)
{
	for (uint32_t i = 0; i < ep->n_slots; i++)
		if (ep->slot[i].active && ep->slot[i].fd == fd)
			return (int)i;
	return -1;
}

static int
ep_add(struct dps_ep *ep, struct dps_sock *sk, int fd, const struct epoll_event *ev)
{
	struct dps_ep *none = NULL;
	uint32_t i;

	for (i = 0; i < ep->n_slots && ep->slot[i].active; i++)
		;
	if (i == EP_SLOTS)
		return -ENOSPC;
	if (i == ep->n_slots)
		ep->n_slots++;
	/* queued and ready describe the slot number, not the socket: a
	 * reused slot may still be on the ready list or in the ring. */
	ep->slot[i].sk = sk;
	ep->slot[i].fd = fd;
	ep->slot[i].events = ev->events;
	ep->slot[i].data = ev->data;
	ep->slot[i].active = true;
	sk->ep_slot = i;
	if (!dps_sock_ep_cas(sk, none, ep)) {
		ep->slot[i].active = false;
		return none == ep ? -EEXIST : -EBUSY;
	}
	dps_ep_kick(ep, i);		/* evaluate it on the next wait */
	return 0;
}

int
dps_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct dps_ep *ep;
	struct dps_sock *sk;
	struct epoll_event kev = { 0 };
	int rc = 0, i;

	/* sys_epoll_ctl() copies the event in before any lookup. */
	if (op != EPOLL_CTL_DEL && dps_copy_from_user(&kev, ev, sizeof(kev)) != 0) {
		errno = EFAULT;
		return -1;
	}
	ev = &kev;
	ep = ep_get(epfd);
	if (ep == NULL) {
		errno = EBADF;
		return -1;
	}
	sk = dps_sock_get(fd);
	if (sk == NULL) {
		ep_put(ep);
		errno = EBADF;
		return -1;
	}
	i = ep_find(ep, fd);
	if (op == EPOLL_CTL_ADD)
		rc = i >= 0 ? -EEXIST : ep_add(ep, sk, fd, ev);
	else if (op == EPOLL_CTL_MOD && i >= 0) {
		ep->slot[i].events = ev->events;
		ep->slot[i].data = ev->data;
		dps_ep_kick(ep, (uint32_t)i);
	} else if (op == EPOLL_CTL_DEL && i >= 0) {
		struct dps_ep *me = ep;

		ep->slot[i].active = false;
		(void)dps_sock_ep_cas(sk, me, NULL);
	} else if (op == EPOLL_CTL_MOD || op == EPOLL_CTL_DEL)
		rc = -ENOENT;
	else
		rc = -EINVAL;
	dps_sock_put(sk);
	ep_put(ep);
	if (rc != 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

void
dps_ep_forget(struct dps_sock *sk)
{
	struct dps_ep *ep = dps_sock_take_ep(sk);

	if (ep != NULL)
		ep->slot[sk->ep_slot].active = false;
}

/* Move notified slots onto the ready list. */
static void
ep_collect(struct dps_ep *ep)
{
	void *v;

	if (ep_flag_take(&ep->overflow)) {
		for (uint32_t i = 0; i < ep->n_slots; i++)
			if (ep->slot[i].active && !ep->slot[i].ready) {
				ep->slot[i].ready = true;
				ep->ready[ep->n_ready++] = i;
			}
	}
	while (rte_ring_sc_dequeue(ep->notif, &v) == 0) {
		uint32_t i = (uint32_t)(uintptr_t)v;

		ep_slot_unclaim(ep, i);
		if (!ep->slot[i].ready) {
			ep->slot[i].ready = true;
			ep->ready[ep->n_ready++] = i;
		}
	}
}

/*
 * Report ready slots, keeping level-triggered ones that are still ready
 * on the list (Linux re-queues them the same way) and dropping the rest.
 * *@fault: @out could not be written.
 */
static int
ep_report(struct dps_ep *ep, struct epoll_event *out, int max, bool *fault)
{
	uint32_t keep = 0;
	int n = 0;

	for (uint32_t k = 0; k < ep->n_ready; k++) {
		uint32_t i = ep->ready[k];
		struct ep_slot *sl = &ep->slot[i];
		uint32_t ev = 0;

		if (sl->active && n < max)
			ev = dps_sock_events(sl->sk) & (sl->events | EPOLLERR | EPOLLHUP);
		if (n >= max && sl->active) {
			ep->ready[keep++] = i;	/* not looked at this time */
			continue;
		}
		if (ev == 0) {
			sl->ready = false;
			continue;
		}
		/* ep_send_events(): an event that cannot be written stays
		 * queued, and so do the rest; EFAULT if it was the first. */
		if (dps_copy_to_user(&out[n], &(struct epoll_event){ .events = ev,
				.data = sl->data }, sizeof(*out)) != 0) {
			while (k < ep->n_ready)
				ep->ready[keep++] = ep->ready[k++];
			*fault = true;
			break;
		}
		n++;
		if (sl->events & EPOLLONESHOT)
			sl->events = 0;
		if (sl->events & (EPOLLET | EPOLLONESHOT))
			sl->ready = false;
		else
			ep->ready[keep++] = i;
	}
	ep->n_ready = keep;
	return n;
}

int
dps_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	struct dps_ep *ep;
	bool fault = false;
	uint64_t end;
	int n;

	/* ep_check_params(): the count, then access_ok(), then the set. */
	if (maxevents <= 0 || maxevents > INT_MAX / (int)sizeof(*events)) {
		errno = EINVAL;
		return -1;
	}
	if (!dps_uaccess_ok(events, (size_t)maxevents * sizeof(*events))) {
		errno = EFAULT;
		return -1;
	}
	ep = ep_get(epfd);
	if (ep == NULL) {
		errno = EBADF;
		return -1;
	}
	end = timeout < 0 ? UINT64_MAX : dps_mono_ns() + (uint64_t)timeout * 1000000;
	for (;;) {
		struct pollfd pfd = { .fd = ep->efd, .events = POLLIN };
		uint64_t cnt, now;
		int ms;

		ep_flag_set(&ep->armed, 1);
		(void)!read(ep->efd, &cnt, sizeof(cnt));
		ep_collect(ep);
		n = ep_report(ep, events, maxevents, &fault);
		now = dps_mono_ns();
		if (n != 0 || fault || timeout == 0 || now >= end)
			break;
		ms = end == UINT64_MAX || end - now >= (uint64_t)DPS_WAKE_MS * 1000000 ?
			DPS_WAKE_MS : (int)((end - now + 999999) / 1000000);
		(void)poll(&pfd, 1, ms);
	}
	/* Level-triggered members still ready keep the eventfd readable, as
	 * a nested kernel epoll stays readable (dps_epoll_eventfd()). */
	if (ep->n_ready != 0) {
		uint64_t one = 1;

		(void)!write(ep->efd, &one, sizeof(one));
	}
	ep_put(ep);
	if (n == 0 && fault) {
		errno = EFAULT;
		return -1;
	}
	return n;
}

int
dps_epoll_eventfd(int epfd)
{
	struct dps_ep *ep = ep_get(epfd);
	int efd;

	if (ep == NULL) {
		errno = EBADF;
		return -1;
	}
	efd = ep->efd;
	ep_put(ep);
	return efd;
}
