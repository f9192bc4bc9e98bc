/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Autobind for connect (RFC 6056 algorithm 3, Linux
 * __inet_hash_connect()): the local port of a connection the application
 * did not bind, chosen so that the peer's answers land on this lcore.
 * One walk serves both families; what differs (the hash of the tuple,
 * the table and TIME_WAIT store a candidate is checked in) is chosen by
 * a family flag that is constant at each call.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_thash.h>
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

/*
 * RFC 6056 algorithm 3's F(local address, remote address, remote port),
 * as Linux's secure_ipv4_port_ephemeral() (the same three inputs,
 * keyed). A load generator connects to one server again and again, so
 * the inputs repeat: the lcore keeps the last answer with what it was
 * computed from, the key included, and gives it again for the same
 * inputs. SipHash over the 10 bytes costs 128 instructions a connect;
 * the memo's compare, 8.
 */
uint32_t
dps_tcp_port_hash(struct dps_tcp_lcore *tl, const struct dps_sockets *ss,
	uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	struct dps_tcp_port_memo *pm = &tl->port_memo;
	struct {
		uint32_t laddr, raddr;
		uint16_t rport;
	} __rte_packed in = { laddr, raddr, rport };

	if (pm->valid && pm->laddr == laddr && pm->raddr == raddr &&
			pm->rport == rport && pm->key[0] == ss->port_key[0] &&
			pm->key[1] == ss->port_key[1])
		return pm->hash;
	pm->hash = (uint32_t)dps_siphash24(&in, sizeof(in), ss->port_key);
	pm->laddr = laddr;
	pm->raddr = raddr;
	pm->rport = rport;
	pm->key[0] = ss->port_key[0];
	pm->key[1] = ss->port_key[1];
	pm->valid = true;
	return pm->hash;
}

/*
 * The owner of a connection's answers (dps_flow_owner(),
 * dps_flow_owner6()) for each candidate local port. The Toeplitz hash
 * is linear in its input: each set bit of it XORs in the 32-bit window
 * of the key that starts at that bit. So the hash of the tuple with a
 * given local port is the hash of the tuple with port 0, taken once per
 * connect, XORed with the windows of the port's set bits (the low 16
 * bits of the last input word, rport << 16 | lport: word 2 of an IPv4
 * tuple's 3, word 8 of an IPv6 tuple's 9). rte_softrss_be() for each
 * candidate cost about 500 instructions over IPv4 and 1,300 over IPv6,
 * and with n lcores owning flows about n candidates are tried per
 * connect; this costs about 30 a candidate. test_connect.c and
 * test_tcp6_keys.c hold it against rte_softrss_be().
 */
static void
rss_ports_setup(struct dps_rss_ports *rp, const struct dps_sockets *ss,
	uint32_t *in, unsigned int n_words)
{
	unsigned int w = n_words - 1;	/* the ports' word */
	uint32_t kw, kw1;

	rp->base = rte_softrss_be(in, n_words, ss->rss_key);
	/* The converted key's words w and w + 1, as rte_softrss_be() reads
	 * them (the key is 40 bytes: w + 1 is at most 9). */
	memcpy(&kw, ss->rss_key + 4 * w, sizeof(kw));
	memcpy(&kw1, ss->rss_key + 4 * (w + 1), sizeof(kw1));
	/* Port bit b is input bit 31 - b of word w. */
	for (unsigned int b = 0; b < 16; b++)
		rp->win[b] = kw << (31 - b) | (uint32_t)((uint64_t)kw1 >> (b + 1));
}

void
dps_rss_ports_init(struct dps_rss_ports *rp, const struct dps_sockets *ss,
	const struct dps_tuple *t)
{
	/* dps_flow_owner()'s input with local port 0. */
	uint32_t in[3] = {
		rte_be_to_cpu_32(t->raddr), rte_be_to_cpu_32(t->laddr),
		(uint32_t)rte_be_to_cpu_16(t->rport) << 16,
	};

	rp->ss = ss;
	if (ss->n_owners != 1)
		rss_ports_setup(rp, ss, in, RTE_DIM(in));
}

void
dps_rss_ports_init6(struct dps_rss_ports *rp, const struct dps_sockets *ss,
	const struct dps_tuple6 *t)
{
	/* dps_flow_owner6()'s input with local port 0. */
	uint32_t in[9];

	rp->ss = ss;
	if (ss->n_owners == 1)
		return;
	dps_flow_input6(t, in);
	in[8] &= 0xffff0000u;
	rss_ports_setup(rp, ss, in, RTE_DIM(in));
}

uint32_t
dps_rss_ports_hash(const struct dps_rss_ports *rp, uint16_t lport)
{
	uint32_t h = rp->base;

	for (uint32_t p = lport; p != 0; p &= p - 1)
		h ^= rp->win[__builtin_ctz(p)];
	return h;
}

unsigned int
dps_rss_ports_owner(const struct dps_rss_ports *rp, uint16_t lport)
{
	if (rp->ss->n_owners == 1)
		return 0;
	return rp->ss->reta[dps_rss_ports_hash(rp, lport) & (RTE_DIM(rp->ss->reta) - 1)];
}

/* A connect's tuple during the walk, of either family. */
struct autobind_cand {
	struct dps_rss_ports rp;
	union {
		struct dps_tuple t4;
		struct dps_tuple6 t6;
	};
};

/*
 * Whether local port @port (host order) may serve the connect: its
 * flow hashes to this lcore, and its tuple is free in the family's
 * table or held by a TIME_WAIT entry autobind may take over (*tw, with
 * the ISN floor it sets, Linux's tcp_twsk_unique()). An IPv4 candidate's
 * lookup leaves in @hole where its tuple would go, so that connect()
 * enters the chosen one with no second probe.
 */
static __rte_always_inline bool
cand_usable(struct dps_lcore *lc, struct autobind_cand *c, bool v6, uint16_t port,
	uint64_t now, void **tw, uint32_t *floor, struct dps_ctab_hole *hole)
{
	void *d;

	if (dps_rss_ports_owner(&c->rp, port) != lc->idx)
		return false;
	if (v6) {
		c->t6.lport = rte_cpu_to_be_16(port);
		d = dps_tcp6_lookup_any(lc, &c->t6);
		*tw = d != NULL ? dps_tws6_usable(lc, d, true, now, floor) : NULL;
	} else {
		c->t4.lport = rte_cpu_to_be_16(port);
		d = dps_tcp_lookup_hole(lc, &c->t4, hole);
		*tw = d != NULL ? dps_tws_usable(lc, d, true, now, floor) : NULL;
	}
	return d == NULL || *tw != NULL;
}

/*
 * The walk (Linux __inet_hash_connect(), RFC 6056 algorithm 3): an
 * offset from the keyed hash @h of the tuple plus a perturbation,
 * scanning ports of the range's low parity (even) first and the other
 * parity second. A candidate must hash to this lcore, give a tuple free
 * in the family's table (cand_usable()) and be unused by bind(). Always
 * inlined: @v6 is a constant at both calls, and the IPv4 connect pays
 * for no IPv6 branch.
 */
static __rte_always_inline int
autobind_walk(struct dps_lcore *lc, struct dps_sock *sk, struct autobind_cand *c,
	bool v6, uint32_t h, uint64_t now, uint32_t *isn_floor, bool *reused,
	struct dps_ctab_hole *hole)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t remaining = n > 1 ? n & ~1u : n;
	uint32_t *perturb = &ss->perturb[h & 255];
	uint32_t offset = ((perturb_get(perturb) + (h >> 8)) % remaining) & ~1u;

	for (uint32_t pass = 0; pass < 2; pass++, offset++) {
		uint32_t port = lo + offset;

		for (uint32_t i = 0; i < remaining; i += 2, port += 2) {
			/* Each candidate's TIME_WAIT entry and ISN floor are its
			 * own: nothing carries over to the next port. */
			uint32_t floor = 0;
			uint8_t held;
			void *tw;

			if (port >= lo + remaining)
				port -= remaining;
			if (!cand_usable(lc, c, v6, (uint16_t)port, now, &tw, &floor, hole))
				continue;
			held = v6 ? dps_port_connect_take6(ss, (uint16_t)port, sk->opt.reuseaddr) :
				dps_port_connect_take(ss, (uint16_t)port, sk->opt.reuseaddr);
			if (held == DPS_PORT_FREE)
				continue;
			/* The port is ours: only now is the entry taken over. */
			if (tw != NULL && v6)
				dps_tws6_take_over(lc, tw);
			else if (tw != NULL)
				dps_tws_take_over(lc, tw);
			*reused = tw != NULL;
			*isn_floor = floor;
			/* A random step of 0 to 7 (the lcore's generator:
			 * rte_rand() cost 61 instructions, this about 10). */
			perturb_add(perturb, i + 2 + 2 * (uint32_t)(dps_tcp_rand16(dps_tcp_lc(lc)) & 7));
			dps_sock_set_lport(sk, rte_cpu_to_be_16((uint16_t)port));
			sk->port_held = held;
			return 0;
		}
		if (n == 1)
			break;
	}
	return -EADDRNOTAVAIL;
}

/*
 * Autobind for an IPv4 connect. The local address is the route's, or
 * the one bind() set with IP_BIND_ADDRESS_NO_PORT (no port held yet).
 */
int
dps_tcp_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused, struct dps_ctab_hole *hole)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	uint32_t h = dps_tcp_port_hash(dps_tcp_lc(lc), ss, dps_sock_laddr(sk),
		sk->tup.raddr, sk->tup.rport);
	struct autobind_cand c;

	c.t4 = sk->tup;
	dps_rss_ports_init(&c.rp, ss, &c.t4);
	return autobind_walk(lc, sk, &c, false, h, now, isn_floor, reused, hole);
}

/*
 * Autobind for an IPv6 connect (Linux __inet6_hash_connect()): the same
 * walk over the socket's IPv6 key (its source already chosen), RFC 6056
 * F() over the IPv6 tuple.
 */
int
dps_tcp6_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct autobind_cand c;

	c.t6 = dps_sock6(sk)->key;
	dps_rss_ports_init6(&c.rp, ss, &c.t6);
	return autobind_walk(lc, sk, &c, true, dps_tcp_port_hash6(ss, &c.t6), now,
		isn_floor, reused, NULL);
}
