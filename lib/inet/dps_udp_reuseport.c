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
 *
 * The same code serves the IPv6 port map of AF_INET6 sockets
 * (dps_sockets.udp6_ports and ugroups6, dps_udp6_port.c): each map is
 * its slots and its groups (struct umap below), and a datagram's member
 * is chosen by a hash of its IPv6 4-tuple there.
 */
#include <errno.h>
#include <string.h>
#include <rte_jhash.h>
#include <rte_spinlock.h>
#include "dps_inet.h"

/* A port map: the slots and the SO_REUSEPORT groups of one family of
 * input. */
struct umap {
	struct dps_sock **ports;
	struct dps_rgroup **groups;
};

static struct umap
umap4(const struct dps_sockets *ss)
{
	return (struct umap){ ss->udp_ports, ss->ugroups };
}

static struct umap
umap6(const struct dps_sockets *ss)
{
	return (struct umap){ ss->udp6_ports, ss->ugroups6 };
}

/* The slot's socket. Acquire: pairs with slot_cas(), so the socket's
 * bound address is seen. */
static struct dps_sock *
slot_get(struct umap m, uint16_t port)
{
	return __atomic_load_n(&m.ports[port], __ATOMIC_ACQUIRE);
}

/* Swap the slot from *@old to @new; acq_rel, as dps_udp_port_cas(). */
static bool
slot_cas(struct umap m, uint16_t port, struct dps_sock **old, struct dps_sock *new)
{
	return __atomic_compare_exchange_n(&m.ports[port], old, new, false,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * bind() of @port that the slot's socket may hold already: @sk takes the
 * slot if it came free, or joins the port's group when both set
 * SO_REUSEPORT (the slot's socket joins too, first). 0, -EADDRINUSE,
 * -ENOMEM or -ENOBUFS.
 */
static int
join(struct dps_sockets *ss, struct umap m, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *o;
	struct dps_rgroup *g;
	int rc = -EADDRINUSE;

	rte_spinlock_lock(&ss->rgroup_lock);
	o = slot_get(m, port);
	if (o == NULL && slot_cas(m, port, &o, sk)) {
		dps_obj_ref(&sk->obj);		/* the slot's: freed meanwhile */
		rc = 0;
	} else if (o != NULL && o->opt.reuseport && sk->opt.reuseport) {
		g = dps_rgroup_get(&m.groups[port]);
		rc = g == NULL ? -ENOMEM : 0;
		if (rc == 0 && g->n == 0)
			rc = dps_rgroup_add(g, o);
		if (rc == 0)
			rc = dps_rgroup_add(g, sk);
	}
	rte_spinlock_unlock(&ss->rgroup_lock);
	return rc;
}

int
dps_ugroup_join(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	return join(ss, umap4(ss), sk, port);
}

int
dps_ugroup_join6(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	return join(ss, umap6(ss), sk, port);
}

/*
 * @sk gives up @port: it leaves the group, and a slot that named it
 * names another member (or none). Returns the references to drop: the
 * group's, the slot's.
 */
static unsigned int
leave_locked(struct umap m, struct dps_sock *sk, uint16_t port)
{
	/* Relaxed: the lock orders it with the group's making. */
	struct dps_rgroup *g = __atomic_load_n(&m.groups[port], __ATOMIC_RELAXED);
	struct dps_sock *me = sk, *next;
	unsigned int puts = 0;

	if (g != NULL && dps_rgroup_del(g, sk))
		puts++;
	next = g != NULL && g->n != 0 ? g->m[0] : NULL;
	if (slot_cas(m, port, &me, next)) {
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

static void
leave(struct dps_sockets *ss, struct umap m, struct dps_sock *sk, uint16_t port)
{
	unsigned int puts;

	rte_spinlock_lock(&ss->rgroup_lock);
	puts = leave_locked(m, sk, port);
	rte_spinlock_unlock(&ss->rgroup_lock);
	while (puts-- != 0)
		dps_sock_put(sk);
}

void
dps_ugroup_leave(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	leave(ss, umap4(ss), sk, port);
}

void
dps_ugroup_leave6(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	leave(ss, umap6(ss), sk, port);
}

/* Members of group @g (NULL: none), as delivery reads it. Acquire:
 * pairs with the release stores of add/del. */
static uint32_t
members(const struct dps_rgroup *g)
{
	return g == NULL ? 0 : __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);
}

/* The member of @g's @n that hash @h names. No reference: the caller
 * takes one and checks. Acquire: pairs with the release stores of
 * add/del. */
static struct dps_sock *
member(const struct dps_rgroup *g, uint32_t n, uint32_t h)
{
	return __atomic_load_n(&g->m[dps_rgroup_scale(h, n)], __ATOMIC_ACQUIRE);
}

/* A datagram of @src:@sport to @dst:@dport for @port's group: the member
 * the hash names, or NULL when the port has no group (the slot's socket
 * takes it). No reference: the caller takes one and checks. */
struct dps_sock *
dps_ugroup_pick(const struct dps_sockets *ss, uint32_t src, uint16_t sport,
	uint32_t dst, uint16_t dport)
{
	const struct dps_rgroup *g = dps_rgroup_of_udp(ss, rte_be_to_cpu_16(dport));
	uint32_t n = members(g);

	if (n < 2)
		return NULL;
	return member(g, n, rte_jhash_3words(src, dst, (uint32_t)sport << 16 | dport,
		(uint32_t)ss->port_key[1]));
}

/* The same for an IPv6 datagram: the hash covers both addresses. */
struct dps_sock *
dps_ugroup_pick6(const struct dps_sockets *ss, const uint8_t src[16], uint16_t sport,
	const uint8_t dst[16], uint16_t dport)
{
	/* Acquire: pairs with the release in dps_rgroup_get(), as
	 * dps_rgroup_of_udp(). */
	const struct dps_rgroup *g = __atomic_load_n(
		&ss->ugroups6[rte_be_to_cpu_16(dport)], __ATOMIC_ACQUIRE);
	uint32_t n = members(g), w[9];

	if (n < 2)
		return NULL;
	memcpy(w, src, 16);
	memcpy(w + 4, dst, 16);
	w[8] = (uint32_t)sport << 16 | dport;
	return member(g, n, rte_jhash_32b(w, 9, (uint32_t)ss->port_key[1]));
}
