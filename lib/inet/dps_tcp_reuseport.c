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
 * An IPv6 SYN picks the same way among the group's AF_INET6 members that
 * take its address, by a hash of its IPv6 tuple (Linux's
 * inet6_ehashfn() feeding reuseport_select_sock()): an IPv6 server runs
 * a listener per lcore as an IPv4 one does. Linux keeps a group per
 * family (and IPV6_V6ONLY, reuseport_grow()'s callers); dpstack keeps one
 * per port, and a SYN passes over the members that do not take its
 * family as it passes over those bound to another address: an IPv6 SYN
 * over AF_INET members, an IPv4 one over v6-only AF_INET6 members (those
 * bound to an IPv6 address are v6-only too). Among the members that may
 * take a SYN, the walk keeps those of the best rank, as Linux's
 * compute_score() and its address-then-wildcard lookups rank listeners
 * (member_rank4(), member_rank6()). A group of one is not
 * searched (dps_rgroup_pick()): a v6-only member alone refuses an IPv4
 * SYN itself (dps_tcp6_listen_mapped()), as Linux, finding no IPv4
 * listener, answers with a RST.
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
#include <string.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include "dps_tcp_priv.h"
#include "dps_mix.h"
#include "dps_wire6.h"

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
 * The table's keyed hash, mixed once more (dps_fmix32(), a bijection):
 * the group takes the hash's top bits, and multiply-shift's top bits
 * over tuples that differ in one field by steps of one (a client's
 * consecutive ports) form a Weyl sequence that for some keys stays out
 * of a member's share for dozens of tuples.
 */
static uint32_t
tcp_group_hash(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	return dps_fmix32(dps_tcp_hash(ss, t));
}

/*
 * How well member @sk fits a SYN of tuple @t: below 0 when it may not
 * take it, else higher for the better fit. A rank for IPv4 or for IPv6
 * (a caller passes one of the two), inlined with the walk below.
 */
typedef int member_rank_fn(const struct dps_sock *sk, const void *t);

/*
 * An IPv4 SYN: a listener of its port and address that takes IPv4 (not
 * a v6-only AF_INET6 one). Linux looks first among the listeners bound
 * to the SYN's address, then among the wildcard ones
 * (__inet_lookup_listener()'s two inet_lhash2_lookup() passes), and in
 * each prefers an AF_INET listener to a dual-stack AF_INET6 one
 * (compute_score()'s PF_INET point); its groups are per family, so the
 * hash then picks among the members of that rank only.
 */
static int
member_rank4(const struct dps_sock *sk, const void *arg)
{
	const struct dps_tuple *t = arg;
	bool is6 = dps_sock_is6(sk);

	if (!dps_rgroup_member_ok(sk, t) || (is6 && !dps_tcp6_listen_hears_v4(sk)))
		return -1;
	return (dps_sock_laddr(sk) != 0 ? 2 : 0) + (is6 ? 0 : 1);
}

/*
 * From member @i on (the hash's), among the members of the best rank for
 * the SYN, the first at home on lcore @idx, else the first. Members of
 * one group nearly always share a rank (a server's listener per lcore),
 * and a group holds at most DPS_RGROUP_MAX: the walk sees them all.
 */
static __rte_always_inline struct dps_sock *
rgroup_walk(const struct dps_rgroup *g, uint32_t n, uint32_t i, unsigned int idx,
	member_rank_fn *rank, const void *t)
{
	struct dps_sock *first = NULL, *home = NULL;
	int best = -1;
	uint32_t j = i;

	do {
		/* Acquire: pairs with the release stores of add/del. */
		struct dps_sock *sk = __atomic_load_n(&g->m[i], __ATOMIC_ACQUIRE);
		int r = sk != NULL ? rank(sk, t) : -1;

		if (r > best) {
			best = r;
			first = sk;
			home = NULL;
		}
		if (r >= 0 && r == best && home == NULL) {
			const struct dps_listener *l = dps_sock_lst(sk);

			if (l != NULL && l->home == (int16_t)idx)
				home = sk;
		}
		if (++i == n)
			i = 0;
	} while (i != j);
	return home != NULL ? home : first;
}

struct dps_sock *
dps_rgroup_pick_many(const struct dps_sockets *ss, const struct dps_rgroup *g,
	uint32_t n, const struct dps_tuple *t, unsigned int idx)
{
	return rgroup_walk(g, n, dps_rgroup_scale(tcp_group_hash(ss, t), n), idx,
		member_rank4, t);
}

/* tcp_group_hash() over an IPv6 tuple: the IPv6 table's keyed hash,
 * mixed by the same finaliser. */
static uint32_t
tcp_group_hash6(const struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	return dps_fmix32(dps_tcp_hash6(ss, t));
}

/*
 * An IPv6 SYN: an AF_INET6 listener of its port on its address, ranked
 * above one on the wildcard, as Linux's inet6_lookup_listener() looks
 * at the address's listeners first. No family point: every member that
 * takes an IPv6 SYN is AF_INET6.
 */
static int
member_rank6(const struct dps_sock *sk, const void *arg)
{
	const struct dps_tuple6 *t = arg;
	const struct dps_sock6_side *v6;

	if (!dps_sock_is6(sk) || dps_sock_state(sk) != DPS_TCP_LISTEN ||
			dps_sock_lport(sk) != t->lport)
		return -1;
	v6 = dps_sock6_c(sk);
	if (dps_ip6_is_unspecified(v6->laddr))
		return 0;
	return memcmp(v6->laddr, t->laddr, 16) == 0 ? 1 : -1;
}

struct dps_sock *
dps_rgroup_pick6(const struct dps_sockets *ss, const struct dps_tuple6 *t,
	unsigned int idx)
{
	const struct dps_rgroup *g = dps_rgroup_of(ss, rte_be_to_cpu_16(t->lport));
	uint32_t n;

	if (g == NULL)
		return NULL;
	n = __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);	/* pairs with add/del */
	if (n == 0)
		return NULL;
	return rgroup_walk(g, n, dps_rgroup_scale(tcp_group_hash6(ss, t), n), idx,
		member_rank6, t);
}
