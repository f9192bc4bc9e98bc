/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local ports of AF_INET6 datagram sockets, with Linux's conflicts
 * between the two families (udp_lib_lport_inuse(), inet_rcv_saddr_equal()
 * and ipv6_rcv_saddr_equal()).
 *
 * UDP keeps one socket per port and family of input: dps_sockets.udp_ports
 * names the socket that takes a port's IPv4 datagrams, udp6_ports the one
 * that takes its IPv6 datagrams (dps_udp.c, dps_udp6.c). An AF_INET6
 * socket holds the slots of the traffic it can receive:
 * - bound to :: (or not bound), both, unless IPV6_V6ONLY: then IPv6 alone;
 * - bound to a v4-mapped address, IPv4 alone (IPV6_V6ONLY refuses that
 *   bind);
 * - bound to another IPv6 address, IPv6 alone (Linux sets ipv6only then).
 * So an AF_INET socket and a v6-only one share a port, and a dual-stack
 * one conflicts with both, as in Linux. Within a family the conflict is
 * per port, as it is for AF_INET sockets (dps_portmap.c): two sockets on
 * different addresses of one port conflict here where Linux would let
 * them be. Sockets that all set SO_REUSEPORT share a port in each map
 * (dps_udp_reuseport.c): AF_INET6 ones among themselves in the IPv6 map,
 * a dual-stack one with AF_INET ones in the IPv4 map, as Linux's
 * udp_lib_lport_inuse() lets them; an ephemeral port joins no group, as
 * for AF_INET.
 *
 * Each slot and each group membership holds a reference on its socket;
 * both are given back through the group code (dps_ugroup_leave6(),
 * dps_ugroup_leave()), which hands a slot to another member.
 */
#include <errno.h>
#include <rte_random.h>
#include "dps_inet.h"

uint8_t
dps_udp6_maps_for(const struct dps_sock *sk)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);

	if (dps_ip6_is_v4mapped(v6->laddr))
		return DPS_UMAP_V4;
	if (!dps_ip6_is_unspecified(v6->laddr) || v6->v6only)
		return DPS_UMAP_V6;
	return DPS_UMAP_V4 | DPS_UMAP_V6;
}

/* Take @port's IPv6 slot for @sk: acq_rel, as dps_udp_port_cas(),
 * publishes the socket (its bound address) to dps_udp6_port_sock(). */
static bool
v6_take(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *none = NULL;

	if (!__atomic_compare_exchange_n(&ss->udp6_ports[port], &none, sk, false,
			__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return false;
	dps_obj_ref(&sk->obj);		/* the slot's reference */
	return true;
}

/* Take @port's IPv4 slot; the same compare-and-swap as an AF_INET
 * socket's (dps_port_bind_udp() without SO_REUSEPORT). */
static bool
v4_take(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *none = NULL;

	if (!dps_udp_port_cas(ss, port, &none, sk))
		return false;
	dps_obj_ref(&sk->obj);		/* the slot's reference */
	return true;
}

/* Every slot of @maps for an ephemeral @port, free, or none. */
static int
take_all(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port, uint8_t maps)
{
	if ((maps & DPS_UMAP_V6) && !v6_take(ss, sk, port))
		return -EADDRINUSE;
	if ((maps & DPS_UMAP_V4) && !v4_take(ss, sk, port)) {
		if (maps & DPS_UMAP_V6)
			dps_ugroup_leave6(ss, sk, port);
		return -EADDRINUSE;
	}
	return 0;
}

/* A named @port in every map of @maps, free or shared by SO_REUSEPORT,
 * or in none: 0, -EADDRINUSE, -ENOMEM or -ENOBUFS. */
static int
join_all(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port, uint8_t maps)
{
	int rc = (maps & DPS_UMAP_V6) ? dps_ugroup_join6(ss, sk, port) : 0;

	if (rc == 0 && (maps & DPS_UMAP_V4)) {
		rc = dps_ugroup_join(ss, sk, port);
		if (rc != 0 && (maps & DPS_UMAP_V6))
			dps_ugroup_leave6(ss, sk, port);
	}
	return rc;
}

/*
 * @port, or for 0 any free one (udp_lib_get_port(): from a random point
 * of the ephemeral range, every port in turn) free in every map the
 * socket needs.
 */
int
dps_udp6_bind_port(struct dps_sock *sk, uint16_t port)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	uint8_t maps = dps_udp6_maps_for(sk);
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t start;
	int rc = -EADDRINUSE;

	if (port != 0) {
		rc = join_all(ss, sk, port, maps);
	} else {
		start = rte_rand_max(n);
		for (uint32_t i = 0; i < n && rc != 0; i++) {
			port = (uint16_t)(lo + (start + i) % n);
			rc = take_all(ss, sk, port, maps);
		}
	}
	if (rc != 0)
		return rc;
	dps_sock6(sk)->maps = maps;
	dps_sock_set_lport(sk, rte_cpu_to_be_16(port));
	return 0;
}

void
dps_udp6_unbind_port(struct dps_sock *sk, uint16_t port)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);

	if (v6->maps & DPS_UMAP_V6)
		dps_ugroup_leave6(dps_socks(sk->stack), sk, port);
	if (v6->maps & DPS_UMAP_V4)
		dps_ugroup_leave(dps_socks(sk->stack), sk, port);
	v6->maps = 0;
}
