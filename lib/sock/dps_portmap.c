/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local ports, shared by every lcore and application thread, without
 * locks: one atomic word per TCP port and one atomic pointer per UDP port.
 *
 * A TCP port word counts two kinds of users, as Linux's bind buckets do:
 * - sockets that bind()ed the port (bits 16..27), with "all of them set
 *   SO_REUSEADDR" (bit 30) and "one of them listens" (bit 31);
 * - connections that took it by autobind (bits 0..15). These share a port
 *   freely as long as their 4-tuples differ (RFC 6056 section 2.1; the
 *   owning lcore checks the tuple in its table), but a port bound by
 *   bind() is never chosen by autobind (Linux __inet_hash_connect()).
 * Conflicts are judged per port, not per (address, port): a simplification
 * of Linux's bind-conflict rules that only matters for hosts with several
 * addresses.
 *
 * The owner of a flow is the lcore whose queue the peer's packets reach:
 * the Toeplitz hash (rte_thash) of the tuple with the stack's symmetric
 * key, through a redirection table like a NIC's.
 */
#include <errno.h>
#include <string.h>
#include <rte_random.h>
#include <rte_thash.h>
#include <rte_byteorder.h>
#include "dps_sock.h"

#define CONN_MASK 0xffffu
#define BIND_ONE (1u << 16)
#define BIND_MASK (0xfffu << 16)
#define ALL_REUSE (1u << 30)
#define LISTENING (1u << 31)

static bool
port_cas(uint32_t *w, uint32_t *old, uint32_t new)
{
	return __atomic_compare_exchange_n(w, old, new, true, __ATOMIC_ACQ_REL,
		__ATOMIC_ACQUIRE);
}

/*
 * bind() to a TCP port. Sharing needs SO_REUSEADDR on every socket and
 * no listener (Linux inet_csk_bind_conflict()); autobound connections on
 * the port conflict unless the new socket has SO_REUSEADDR.
 */
int
dps_port_bind_tcp(struct dps_sockets *ss, uint16_t port, bool reuse)
{
	uint32_t *w = &ss->tcp_ports[port];
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE), new;

	do {
		uint32_t binders = (old & BIND_MASK) >> 16;

		if (binders != 0 && (!reuse || !(old & ALL_REUSE) || (old & LISTENING)))
			return -EADDRINUSE;
		if ((old & CONN_MASK) != 0 && !reuse)
			return -EADDRINUSE;
		if (binders == 0xfff)
			return -EADDRINUSE;
		new = old + BIND_ONE;
		if (binders == 0 && reuse)
			new |= ALL_REUSE;
		else if (!reuse)
			new &= ~ALL_REUSE;
	} while (!port_cas(w, &old, new));
	return 0;
}

void
dps_port_unbind_tcp(struct dps_sockets *ss, uint16_t port)
{
	uint32_t *w = &ss->tcp_ports[port];
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE), new;

	do {
		new = old - BIND_ONE;
		if ((new & BIND_MASK) == 0)
			new &= ~(ALL_REUSE | LISTENING);
	} while (!port_cas(w, &old, new));
}

bool
dps_port_listen(struct dps_sockets *ss, uint16_t port)
{
	uint32_t *w = &ss->tcp_ports[port];
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);

	do {
		if (old & LISTENING)
			return false;
	} while (!port_cas(w, &old, old | LISTENING));
	return true;
}

bool
dps_port_is_listening(const struct dps_sockets *ss, uint16_t port)
{
	return (__atomic_load_n(&ss->tcp_ports[port], __ATOMIC_ACQUIRE) &
		LISTENING) != 0;
}

/* Autobind for connect: usable unless bind() holds the port. */
bool
dps_port_connect_take(struct dps_sockets *ss, uint16_t port)
{
	uint32_t *w = &ss->tcp_ports[port];
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);

	do {
		if ((old & BIND_MASK) != 0 || (old & CONN_MASK) == CONN_MASK)
			return false;
	} while (!port_cas(w, &old, old + 1));
	return true;
}

void
dps_port_connect_put(struct dps_sockets *ss, uint16_t port)
{
	__atomic_fetch_sub(&ss->tcp_ports[port], 1, __ATOMIC_ACQ_REL);
}

/*
 * bind() with port 0 (Linux inet_csk_find_open_port()): start at a random
 * point of the ephemeral range and try odd ports first, then even ones,
 * leaving even ports to connect()'s autobind.
 */
static int
port_scan_bind(struct dps_sockets *ss, int (*try)(struct dps_sockets *,
	uint16_t, void *), void *arg, uint16_t *port)
{
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t start = rte_rand_max(n);

	for (uint32_t parity = 1; parity < 3; parity++) {
		for (uint32_t i = 0; i < n; i++) {
			uint32_t p = lo + (start + i) % n;

			if ((p & 1) != (parity & 1))
				continue;
			if (try(ss, (uint16_t)p, arg) == 0) {
				*port = (uint16_t)p;
				return 0;
			}
		}
	}
	return -EADDRINUSE;
}

static int
try_tcp(struct dps_sockets *ss, uint16_t p, void *arg)
{
	bool reuse = *(bool *)arg;
	uint32_t w = __atomic_load_n(&ss->tcp_ports[p], __ATOMIC_ACQUIRE);

	/* An ephemeral bind wants a port nobody uses at all. */
	if (w != 0)
		return -EADDRINUSE;
	return dps_port_bind_tcp(ss, p, reuse);
}

int
dps_port_bind_any_tcp(struct dps_sockets *ss, bool reuse, uint16_t *port)
{
	return port_scan_bind(ss, try_tcp, &reuse, port);
}

int
dps_port_bind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *none = NULL;

	if (!__atomic_compare_exchange_n(&ss->udp_ports[port], &none, sk, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EADDRINUSE;
	dps_obj_ref(&sk->obj);		/* the slot's reference */
	return 0;
}

static int
try_udp(struct dps_sockets *ss, uint16_t p, void *arg)
{
	return dps_port_bind_udp(ss, arg, p);
}

int
dps_port_bind_any_udp(struct dps_sockets *ss, struct dps_sock *sk,
	uint16_t *port)
{
	return port_scan_bind(ss, try_udp, sk, port);
}

void
dps_port_unbind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *me = sk;

	if (__atomic_compare_exchange_n(&ss->udp_ports[port], &me, NULL, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		dps_sock_put(sk);
}

unsigned int
dps_flow_owner(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	/* The tuple as the NIC hashes the peer's packets: source = peer. The
	 * key is symmetric, so the orientation would not matter anyway. */
	uint32_t in[3];

	/* The software Toeplitz hash costs ~500 instructions a segment
	 * (callgrind, bench/tcp_bulk.sh); with one lcore the answer is known. */
	if (ss->n_owners == 1)
		return 0;
	in[0] = rte_be_to_cpu_32(t->raddr);
	in[1] = rte_be_to_cpu_32(t->laddr);
	in[2] = (uint32_t)rte_be_to_cpu_16(t->rport) << 16 | rte_be_to_cpu_16(t->lport);
	return ss->reta[rte_softrss_be(in, 3, ss->rss_key) & 127];
}
