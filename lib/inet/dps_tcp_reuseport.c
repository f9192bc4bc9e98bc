/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SO_REUSEPORT listening groups, as Linux's sock_reuseport: the
 * listeners of one port that all set SO_REUSEPORT share its SYNs, each
 * SYN going to one member chosen by a hash of its 4-tuple
 * (reciprocal_scale(hash, members)).
 *
 * On dpstack a member also has a home: the lcore whose SYNs it takes
 * first (struct dps_listener.home, the lcore that called listen()). The
 * choice is Linux's with SO_INCOMING_CPU set on the members
 * (reuseport_select_sock_by_hash()): from the hash's member on, the first
 * member at home on the SYN's lcore, else the hash's own member. A SYN is
 * handled on the lcore that owns its tuple (RSS, dps_flow_owner()), and
 * the child lives there for good; so with one member per lcore each
 * member's accept queue holds only children of its own lcore, and its
 * `acceptable` callback runs there: accept without any hand-off.
 *
 * A group is made on its port's first member and kept until the stack
 * goes, so an lcore may read it at any time without a reference. Members
 * join and leave under one lock (UDP's groups, dps_udp_reuseport.c, use
 * the same array and lock); m[0..n) stays dense (a leaving member's
 * place takes the last one). An lcore that read n before a leave may
 * see the moved member twice or a NULL: both harmless. A member it picks
 * may be closing: the same as a single listener closing under a SYN
 * (dps_tcp_listen.c checks the state and flushes).
 */
#include <errno.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include "dps_tcp_priv.h"

static uint16_t
port_of(const struct dps_sock *sk)
{
	return rte_be_to_cpu_16(dps_sock_lport(sk));
}

struct dps_rgroup *
dps_rgroup_get(struct dps_rgroup **slot)
{
	struct dps_rgroup *g = __atomic_load_n(slot, __ATOMIC_RELAXED);	/* ours: locked */

	if (g != NULL)
		return g;
	g = rte_zmalloc("dps_rgroup", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (g != NULL)		/* release: pairs with the readers' acquire */
		__atomic_store_n(slot, g, __ATOMIC_RELEASE);
	return g;
}

int
dps_rgroup_add(struct dps_rgroup *g, struct dps_sock *sk)
{
	if (g->n == DPS_RGROUP_MAX)
		return -ENOBUFS;
	dps_obj_ref(&sk->obj);		/* the group's */
	/* Release, the slot before the count: a reader that sees the count
	 * (acquire) sees the member. */
	__atomic_store_n(&g->m[g->n], sk, __ATOMIC_RELEASE);
	__atomic_store_n(&g->n, g->n + 1, __ATOMIC_RELEASE);
	return 0;
}

bool
dps_rgroup_del(struct dps_rgroup *g, struct dps_sock *sk)
{
	for (uint32_t i = 0; i < g->n; i++) {
		uint32_t last = g->n - 1;

		if (g->m[i] != sk)
			continue;
		/* Release, as in add: the moved member, then the count; the
		 * emptied slot last (a reader with the old count finds NULL
		 * there, or the moved member once more). */
		__atomic_store_n(&g->m[i], g->m[last], __ATOMIC_RELEASE);
		__atomic_store_n(&g->n, last, __ATOMIC_RELEASE);
		__atomic_store_n(&g->m[last], NULL, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

int
dps_rgroup_join(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	struct dps_rgroup *g;
	int rc;

	rte_spinlock_lock(&ss->rgroup_lock);
	g = dps_rgroup_get(&ss->rgroups[port_of(sk)]);
	rc = g == NULL ? -ENOMEM : dps_rgroup_add(g, sk);
	if (rc == 0)
		dps_sock_lst(sk)->grouped = true;
	rte_spinlock_unlock(&ss->rgroup_lock);
	return rc;
}

void
dps_rgroup_leave(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	struct dps_rgroup *g = dps_rgroup_of(ss, port_of(sk));
	bool found;

	if (g == NULL)
		return;
	rte_spinlock_lock(&ss->rgroup_lock);
	found = dps_rgroup_del(g, sk);
	dps_sock_lst(sk)->grouped = false;
	rte_spinlock_unlock(&ss->rgroup_lock);
	if (found)
		dps_sock_put(sk);
}

/*
 * The table's keyed hash, mixed once more (MurmurHash3's 32-bit
 * finaliser, a bijection): the group takes the hash's top bits, and
 * multiply-shift's top bits over tuples that differ in one field by
 * steps of one (a client's consecutive ports) form a Weyl sequence that
 * for some keys stays out of a member's share for dozens of tuples.
 */
static uint32_t
tcp_group_hash(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	uint32_t h = dps_tcp_hash(ss, t);

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

struct dps_sock *
dps_rgroup_pick_many(const struct dps_sockets *ss, const struct dps_rgroup *g,
	uint32_t n, const struct dps_tuple *t, unsigned int idx)
{
	struct dps_sock *first = NULL;
	uint32_t i, j;

	i = j = dps_rgroup_scale(tcp_group_hash(ss, t), n);
	do {
		/* Acquire: pairs with the release stores of add/del. */
		struct dps_sock *sk = __atomic_load_n(&g->m[i], __ATOMIC_ACQUIRE);

		if (sk != NULL && dps_rgroup_member_ok(sk, t)) {
			const struct dps_listener *l = dps_sock_lst(sk);

			if (l != NULL && l->home == (int16_t)idx)
				return sk;
			if (first == NULL)
				first = sk;
		}
		if (++i == n)
			i = 0;
	} while (i != j);
	return first;
}
