/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Autobind for connect (RFC 6056 algorithm 3, Linux
 * __inet_hash_connect()): the local port of a connection the application
 * did not bind, chosen so that the peer's answers land on this lcore.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* RFC 6056 algorithm 3's table (dps_sockets.perturb), shared by every
 * lcore's autobind. Relaxed: each entry is a hint for where the next
 * search starts; no data is published with it, and a lost update only
 * moves a search's start. */
static inline uint32_t
perturb_get(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void
perturb_add(uint32_t *p, uint32_t d)
{
	__atomic_fetch_add(p, d, __ATOMIC_RELAXED);
}

/*
 * RFC 6056 algorithm 3's F(local address, remote address, remote port)
 * for an IPv6 connection, as Linux's secure_ipv6_port_ephemeral(): the
 * same keyed SipHash as the IPv4 autobind below over both addresses and
 * the peer's port. The result seeds the search as the IPv4 one does (low
 * 8 bits: the perturbation entry; the rest: the offset).
 */
uint32_t
dps_tcp_port_hash6(const struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	struct {
		uint8_t laddr[16], raddr[16];
		uint16_t rport;
	} __rte_packed in;

	memcpy(in.laddr, t->laddr, 16);
	memcpy(in.raddr, t->raddr, 16);
	in.rport = t->rport;
	return (uint32_t)dps_siphash24(&in, sizeof(in), ss->port_key);
}

/* The lcore queue the peer's reply for @t lands on is ours? */
static bool
tuple_is_mine(struct dps_lcore *lc, const struct dps_tuple *t)
{
	return dps_flow_owner(dps_socks(lc->stack), t) == lc->idx;
}

/*
 * Autobind for connect (Linux __inet_hash_connect(), RFC 6056 algorithm
 * 3): an offset from a keyed hash of (laddr, raddr, rport) plus a
 * perturbation, scanning ports of the range's low parity (even) first and
 * the other parity second. A candidate must be unused by bind(), give a
 * tuple not already in our table (or one in TIME_WAIT that tw_reuse
 * allows), and hash to this lcore. The local address is the route's, or
 * the one bind() set with IP_BIND_ADDRESS_NO_PORT (no port held yet).
 */
int
dps_tcp_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t remaining = n > 1 ? n & ~1u : n;
	struct {
		uint32_t laddr, raddr;
		uint16_t rport;
	} __rte_packed in = { dps_sock_laddr(sk), sk->tup.raddr, sk->tup.rport };
	uint32_t h = (uint32_t)dps_siphash24(&in, sizeof(in), ss->port_key);
	uint32_t *perturb = &ss->perturb[h & 255];
	uint32_t offset = (perturb_get(perturb) + (h >> 8)) %
		remaining;
	struct dps_tuple t = sk->tup;
	uint8_t held;

	offset &= ~1u;
	for (uint32_t pass = 0; pass < 2; pass++, offset++) {
		uint32_t port = lo + offset;

		for (uint32_t i = 0; i < remaining; i += 2, port += 2) {
			/* Each candidate's TIME_WAIT entry and ISN floor are its
			 * own: nothing carries over to the next port. */
			struct dps_tws_ent *tw = NULL;
			uint32_t floor = 0;
			void *d;

			if (port >= lo + remaining)
				port -= remaining;
			t.lport = rte_cpu_to_be_16((uint16_t)port);
			if (!tuple_is_mine(lc, &t))
				continue;
			d = dps_tcp_lookup_any(lc, &t);
			if (d != NULL && (tw = dps_tws_usable(lc, d, true, now, &floor)) == NULL)
				continue;
			held = dps_port_connect_take(ss, (uint16_t)port, sk->opt.reuseaddr);
			if (held == DPS_PORT_FREE)
				continue;
			/* The port is ours: only now is the entry taken over. */
			if (tw != NULL)
				dps_tws_take_over(lc, tw);
			*reused = tw != NULL;
			*isn_floor = floor;
			perturb_add(perturb, i + 2 + 2 * (uint32_t)rte_rand_max(8));
			dps_sock_set_lport(sk, t.lport);
			sk->port_held = held;
			return 0;
		}
		if (n == 1)
			break;
	}
	return -EADDRNOTAVAIL;
}
