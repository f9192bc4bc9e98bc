/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SO_REUSEPORT for UDP, as Linux's: sockets that all set it bind one port
 * together, and each datagram goes to one of them, chosen by a hash of
 * its 4-tuple (reciprocal_scale(hash, members)).
 *
 * The port slot (dps_sockets.udp_ports) keeps pointing at one member,
 * with the slot's reference, so a port with a single socket costs
 * nothing more; the group (dps_sockets.ugroups, the array and lock of the
 * TCP groups, dps_tcp_reuseport.c) lists every member, the slot's
 * included, each with the group's reference. Joins and leaves take
 * rgroup_lock; a leaving member that the slot names hands the slot to
 * another member. Delivery reads both without locks.
 */
#include <errno.h>
#include <rte_jhash.h>
#include <rte_spinlock.h>
#include "dps_inet.h"

/*
 * bind() of @port that @o (the slot's socket) holds already: @sk joins
 * the port's group when both set SO_REUSEPORT (the slot's socket joins
 * too, first). 0, -EADDRINUSE, -ENOMEM or -ENOBUFS.
 */
int
dps_ugroup_join(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *o;
	struct dps_rgroup *g;
	int rc = -EADDRINUSE;

	rte_spinlock_lock(&ss->rgroup_lock);
	o = dps_udp_port_sock(ss, port);
	if (o == NULL && dps_udp_port_cas(ss, port, &o, sk)) {
		dps_obj_ref(&sk->obj);		/* the slot's: freed meanwhile */
		rc = 0;
	} else if (o != NULL && o->opt.reuseport && sk->opt.reuseport) {
		g = dps_rgroup_get(&ss->ugroups[port]);
		rc = g == NULL ? -ENOMEM : 0;
		if (rc == 0 && g->n == 0)
			rc = dps_rgroup_add(g, o);
		if (rc == 0)
			rc = dps_rgroup_add(g, sk);
	}
	rte_spinlock_unlock(&ss->rgroup_lock);
	return rc;
}

/*
 * @sk gives up @port: it leaves the group, and a slot that named it
 * names another member (or none). Returns the references to drop: the
 * group's, the slot's.
 */
static unsigned int
ugroup_leave_locked(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	/* Relaxed: the lock orders it with the group's making. */
	struct dps_rgroup *g = __atomic_load_n(&ss->ugroups[port], __ATOMIC_RELAXED);
	struct dps_sock *me = sk, *next;
	unsigned int puts = 0;

	if (g != NULL && dps_rgroup_del(g, sk))
		puts++;
	next = g != NULL && g->n != 0 ? g->m[0] : NULL;
	if (dps_udp_port_cas(ss, port, &me, next)) {
		puts++;
		if (next != NULL)
			dps_obj_ref(&next->obj);	/* the slot's */
	}
	/* A group of one is no group: the slot's socket alone again (it
	 * keeps the slot's reference, so the put frees nothing here). */
	if (g != NULL && g->n == 1) {
		struct dps_sock *last = g->m[0];

		if (dps_rgroup_del(g, last))
			dps_sock_put(last);
	}
	return puts;
}

void
dps_ugroup_leave(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	unsigned int puts;

	rte_spinlock_lock(&ss->rgroup_lock);
	puts = ugroup_leave_locked(ss, sk, port);
	rte_spinlock_unlock(&ss->rgroup_lock);
	while (puts-- != 0)
		dps_sock_put(sk);
}

/* A datagram of @src:@sport to @dst:@dport for @port's group: the member
 * the hash names, or NULL when the port has no group (the slot's socket
 * takes it). No reference: the caller takes one and checks. */
struct dps_sock *
dps_ugroup_pick(const struct dps_sockets *ss, uint32_t src, uint16_t sport,
	uint32_t dst, uint16_t dport)
{
	const struct dps_rgroup *g = dps_rgroup_of_udp(ss, rte_be_to_cpu_16(dport));
	uint32_t n, h;

	if (g == NULL)
		return NULL;
	n = __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);	/* pairs with add/del */
	if (n < 2)
		return NULL;
	h = rte_jhash_3words(src, dst, (uint32_t)sport << 16 | dport,
		(uint32_t)ss->port_key[1]);
	/* Acquire: pairs with the release stores of add/del. */
	return __atomic_load_n(&g->m[dps_rgroup_scale(h, n)], __ATOMIC_ACQUIRE);
}
