/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application threads: the completion side of the request path.
 *
 * A thread posts a request pointer to an lcore's request ring and sleeps
 * in read() on its eventfd. The lcore, when done, enqueues the pointer on
 * the thread's completion ring and adds one to the eventfd. Nothing here
 * locks: the rings are lock-free, and the eventfd is the kernel's.
 */
#include <errno.h>
#include <numa.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include "dps_stack_priv.h"
#include "dps_numa.h"

#define CQ_SIZE 1024

struct dps_thread {
	struct dps_stack *stack;
	struct rte_ring *cq;		/* MP (any lcore) / SC (this thread) */
	int efd;
	int node;
	unsigned int idx;		/* slot in the pool */
};

/* Node of the calling thread's current CPU. */
static int
numa_current_node(void)
{
	return dps_numa_pick_node(sched_getcpu(), numa_node_of_cpu,
		numa_available() >= 0);
}

/*
 * Thread handles are pooled and never freed: an lcore that took a
 * handle's pointer (a socket's waiter) may still write to its eventfd
 * after the thread detached, and that must reach a live eventfd, at worst
 * causing a spurious wake-up for the handle's next user. The pool is a
 * fixed array claimed with a compare-and-swap.
 */
#define MAX_THREADS 1024

static struct dps_thread pool[MAX_THREADS];
_Static_assert(MAX_THREADS < UINT16_MAX, "thread numbers are 16 bits");
static int in_use[MAX_THREADS];			/* atomic */

/* Claim pool slot @i. Acquire: pairs with slot_free()'s release, so the
 * last user's writes to the slot (its drained ring) are seen. */
static inline bool
slot_claim(unsigned int i)
{
	int free_ = 0;

	return __atomic_compare_exchange_n(&in_use[i], &free_, 1, false,
		__ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Give slot @i back. Release: publishes the slot's state to the next
 * slot_claim(). */
static inline void
slot_free(unsigned int i)
{
	__atomic_store_n(&in_use[i], 0, __ATOMIC_RELEASE);
}
static __thread struct dps_thread *tls_thr;	/* dps_thread_self() */
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

/* Make a pool slot's eventfd and completion ring, on first use only. */
static int
thread_slot_init(struct dps_thread *t, unsigned int i)
{
	char name[RTE_RING_NAMESIZE];

	if (t->cq != NULL)
		return 0;
	t->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->efd < 0)
		return -EMFILE;
	snprintf(name, sizeof(name), "dps_cq%u", i);
	/* The completion queue is read by this thread: put it on its node. */
	t->cq = rte_ring_create(name, CQ_SIZE, t->node, RING_F_SC_DEQ);
	if (t->cq == NULL)
		t->cq = rte_ring_create(name, CQ_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (t->cq == NULL) {
		close(t->efd);
		return -ENOMEM;
	}
	return 0;
}

uint16_t
dps_thread_num(const struct dps_thread *t)
{
	return t == NULL ? 0 : (uint16_t)(t - pool + 1);
}

struct dps_thread *
dps_thread_of_num(uint16_t n)
{
	return n == 0 ? NULL : &pool[n - 1];
}

struct dps_thread *
dps_thread_attach(struct dps_stack *s)
{
	for (unsigned int i = 0; i < MAX_THREADS; i++) {
		struct dps_thread *t = &pool[i];
		int err;

		if (!slot_claim(i))
			continue;
		t->node = numa_current_node();
		err = thread_slot_init(t, i);
		if (err != 0) {
			slot_free(i);
			errno = -err;
			return NULL;
		}
		t->stack = s;
		t->idx = i;
		return t;
	}
	errno = ENOMEM;
	return NULL;
}

void
dps_thread_detach(struct dps_thread *t)
{
	void *stale;
	uint64_t cnt;

	if (t == NULL)
		return;
	if (tls_thr == t) {
		tls_thr = NULL;
		(void)pthread_setspecific(tls_key, NULL);
	}
	/* Leave nothing for the next user: stale completions (none unless
	 * the thread abandoned requests, which the lcore frees) and counts. */
	while (rte_ring_sc_dequeue(t->cq, &stale) == 0)
		;
	(void)!read(t->efd, &cnt, sizeof(cnt));
	t->stack = NULL;
	slot_free(t->idx);
}

static void
tls_destroy(void *arg)
{
	dps_thread_detach(arg);
}

static void
tls_init(void)
{
	(void)pthread_key_create(&tls_key, tls_destroy);
}

struct dps_thread *
dps_thread_self(struct dps_stack *s)
{
	struct dps_thread *t = tls_thr;

	if (t != NULL && t->stack == s)
		return t;
	if (t != NULL)
		dps_thread_detach(t);
	t = dps_thread_attach(s);
	if (t == NULL)
		return NULL;
	(void)pthread_once(&tls_once, tls_init);
	(void)pthread_setspecific(tls_key, t);
	tls_thr = t;
	return t;
}

void
dps_thread_wake(struct dps_thread *t)
{
	uint64_t one = 1;

	(void)!write(t->efd, &one, sizeof(one));
}

int
dps_thread_efd(const struct dps_thread *t)
{
	return t->efd;
}

int
dps_thread_eventfd(const struct dps_thread *t)
{
	return t->efd;
}

int
dps_thread_numa_node(const struct dps_thread *t)
{
	return t->node;
}

/*
 * Lcore side. The swap to DONE tells whether the thread is still waiting
 * (acq_rel: pairs with the thread's CAS to ABANDONED). If it abandoned the
 * request, the lcore frees it and never touches the thread, which may be
 * gone. Otherwise the eventfd is written first and the ring enqueue comes
 * last: once the thread dequeues the request it may detach at once, so
 * the enqueue must be the lcore's final access to the thread's memory.
 * The enqueue's release pairs with the thread's dequeue, publishing the
 * result fields.
 */
void
dps_req_complete(struct dps_req *r)
{
	struct dps_thread *t;
	uint64_t one = 1;

	if (dps_req_finish(r) == DPS_REQ_ABANDONED) {
		free(r);
		return;
	}
	t = r->thr;
	/* Cannot fail short of a counter overflow; the ring carries the truth. */
	(void)!write(t->efd, &one, sizeof(one));
	while (rte_ring_mp_enqueue(t->cq, r) != 0)
		;	/* cannot happen: a thread has fewer than CQ_SIZE requests out */
}

/*
 * Wait for @r to come back: spin for the first 20 us, then sleep in
 * poll() on the eventfd, waking every 100 ms only to notice a stopped
 * stack, when it abandons the request to the lcore. A request seen DONE
 * but not yet dequeued is in the middle of dps_req_complete(), a few
 * instructions from the enqueue, so that window is spun over too.
 */
static int
thread_wait(struct dps_thread *t, struct dps_req *r)
{
	struct pollfd pfd = { .fd = t->efd, .events = POLLIN };
	uint64_t spin_end = rte_get_timer_cycles() + rte_get_timer_hz() / 50000;
	void *done;
	uint64_t cnt;

	for (;;) {
		/* One blocking request per thread at a time: @r is the only
		 * completion this thread can be waiting for. */
		if (rte_ring_sc_dequeue(t->cq, &done) == 0 && done == r)
			return 0;
		if (dps_req_state(r) == DPS_REQ_DONE ||
				rte_get_timer_cycles() < spin_end) {
			/* Completing, or the first 20 us: an lcore answers a
			 * request in a few microseconds, and a sleep and
			 * wake-up through the eventfd costs more than that. */
			rte_pause();
			continue;
		}
		if (dps_stack_stopping(t->stack) && dps_req_abandon(r))
			return -ESHUTDOWN;
		if (poll(&pfd, 1, 100) > 0 && read(t->efd, &cnt, sizeof(cnt)) < 0 &&
				errno != EAGAIN)
			return -errno;
	}
}

/*
 * Post @r to lcore @lcore_idx and wait. Returns 0 with @r still owned by
 * the caller (free it), or a negative errno: -EAGAIN (ring full; still the
 * caller's) or -ESHUTDOWN (abandoned; the lcore frees it).
 */
int
dps_thread_call(struct dps_thread *t, unsigned int lcore_idx, struct dps_req *r)
{
	struct dps_msg m = { .op = DPS_MSG_REQ, .ptr = r };

	r->thr = t;
	dps_req_set_pending(r);
	if (dps_lcore_post(t->stack, lcore_idx, &m) != 0)
		return -EAGAIN;
	return thread_wait(t, r);
}

int
dps_thread_request(struct dps_thread *t, unsigned int idx,
	const struct dps_req *in, struct dps_req *out)
{
	struct dps_req *r = malloc(sizeof(*r));
	int err;

	if (r == NULL)
		return -ENOMEM;
	*r = *in;
	err = dps_thread_call(t, idx, r);
	if (err == -ESHUTDOWN)
		return err;	/* abandoned: the lcore frees it */
	if (err == 0) {
		err = r->err;
		if (out != NULL)
			*out = *r;
	}
	free(r);
	return err;
}

int
dps_stack_nop(struct dps_stack *s, unsigned int idx)
{
	struct dps_thread *t = dps_thread_self(s);
	struct dps_req q = { .op = DPS_REQ_NOP };
	int err;

	if (t == NULL)
		return -1;
	if (idx >= dps_stack_lcore_count(s)) {
		errno = EINVAL;
		return -1;
	}
	err = dps_thread_request(t, idx, &q, NULL);
	if (err != 0) {
		errno = -err;
		return -1;
	}
	return 0;
}

int
dps_stack_self(const struct dps_stack *s)
{
	unsigned int id = rte_lcore_id();

	if (id == LCORE_ID_ANY)
		return -1;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		if (s->lc[i]->lcore_id == id)
			return (int)i;
	return -1;
}
