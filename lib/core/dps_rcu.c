/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack's QSBR variable (rte_rcu_qsbr), behind the lock-free tables
 * that an lcore writes and any thread reads (the TCP connection table).
 * Reader ids 0 .. n_lcores-1 are the lcores, which report a quiescent
 * state at the end of every poll iteration; DPS_RCU_READERS more are lent
 * to other threads for the length of one read.
 */
#include <errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include "dps_stack_priv.h"

int
dps_rcu_create(struct dps_stack *s)
{
	uint32_t n = s->n_lcores + DPS_RCU_READERS;
	size_t sz = rte_rcu_qsbr_get_memsize(n);

	s->rcu = rte_zmalloc("dps_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (s->rcu == NULL || rte_rcu_qsbr_init(s->rcu, n) != 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		rte_rcu_qsbr_thread_register(s->rcu, i);
	return 0;
}

/* The lcores have stopped: every grace period is over. */
void
dps_rcu_offline(struct dps_stack *s)
{
	if (s->rcu == NULL)
		return;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		rte_rcu_qsbr_thread_offline(s->rcu, i);
}

void
dps_rcu_free(struct dps_stack *s)
{
	rte_free(s->rcu);
	s->rcu = NULL;
}

int
dps_stack_read_lock(struct dps_stack *s)
{
	for (unsigned int i = 0; i < DPS_RCU_READERS; i++) {
		uint32_t bit = 1u << i;
		unsigned int tid = s->n_lcores + i;

		/* Acquire: pairs with the release in dps_stack_read_unlock()
		 * of the id's last holder, whose reads are then over. */
		if (__atomic_fetch_or(&s->rcu_readers, bit, __ATOMIC_ACQUIRE) & bit)
			continue;
		rte_rcu_qsbr_thread_register(s->rcu, tid);
		rte_rcu_qsbr_thread_online(s->rcu, tid);
		return (int)i;
	}
	return -EAGAIN;
}

void
dps_stack_read_unlock(struct dps_stack *s, int id)
{
	unsigned int tid = s->n_lcores + (unsigned int)id;

	rte_rcu_qsbr_thread_offline(s->rcu, tid);
	rte_rcu_qsbr_thread_unregister(s->rcu, tid);
	/* Release: the reads above are done before the id is lent again. */
	__atomic_fetch_and(&s->rcu_readers, ~(1u << id), __ATOMIC_RELEASE);
}
