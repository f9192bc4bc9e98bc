/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local ports, shared by every lcore and application thread, without
 * locks: one atomic word per TCP port and one atomic pointer per UDP port.
 *
 * A TCP port word (64 bits) counts two kinds of users, as Linux's bind
 * buckets hold both:
 * - sockets that bind()ed the port (bits 32..43), with "all of them set
 *   SO_REUSEADDR" (bit 62) and "all of them set SO_REUSEPORT" (bit 61,
 *   Linux's tb->fastreuseport), and how many of them listen (bits
 *   44..55) with "all of those set SO_REUSEPORT" (bit 60);
 * - connections holding it (bits 0..15), and how many of those lack
 *   SO_REUSEADDR (bits 16..31): connections that took the port by
 *   autobind, a listener's children, and TIME_WAIT entries, which keep
 *   the port of a socket that bind() held (Linux keeps the time-wait
 *   socket in the bind bucket). These share a port freely as long as
 *   their 4-tuples differ (RFC 6056 section 2.1; the owning lcore checks
 *   the tuple in its table), but a port bound by bind() is never chosen
 *   by autobind (Linux __inet_hash_connect()).
 * bind() conflicts with every user unless both it and that user set
 * SO_REUSEADDR and the user does not listen, or both set SO_REUSEPORT
 * (inet_bind_conflict()). Every socket is the same user: dpstack is one
 * process, so Linux's "same effective UID" holds for all of them.
 * listen() conflicts with another listener unless both set SO_REUSEPORT
 * (then they form the port's group, dps_tcp_reuseport.c).
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
#include "dps_inet.h"

#define CONN_ONE 1ull
#define CONN_MASK 0xffffull
#define NOREUSE_ONE (1ull << 16)
#define NOREUSE_MASK (0xffffull << 16)
#define BIND_ONE (1ull << 32)
#define BIND_MASK (0xfffull << 32)
#define LISTEN_ONE (1ull << 44)
#define LISTEN_MASK (0xfffull << 44)
#define LISTEN_RP (1ull << 60)
#define ALL_REUSEPORT (1ull << 61)
#define ALL_REUSE (1ull << 62)

/* One connection's share of a port word. */
static uint64_t
conn_unit(bool reuse)
{
	return reuse ? CONN_ONE : CONN_ONE + NOREUSE_ONE;
}

/*
 * The port word's updates; its loads are dps_tcp_port_word() (acquire)
 * in dps_inet.h. Acq_rel: each update publishes the state it leaves to
 * the next updater and to dps_tcp_port_word(), and sees the previous
 * ones, so the counts form one history per port.
 */
static bool
port_cas(struct dps_sockets *ss, uint16_t port, uint64_t *old, uint64_t new)
{
	return __atomic_compare_exchange_n(&ss->tcp_ports[port], old, new, true,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Take @n off the word (a connection's hold ends); acq_rel, as port_cas(). */
static void
port_sub(struct dps_sockets *ss, uint16_t port, uint64_t n)
{
	__atomic_fetch_sub(&ss->tcp_ports[port], n, __ATOMIC_ACQ_REL);
}

/* May a socket with SO_REUSEADDR @reuse and SO_REUSEPORT @rp share the
 * port of word @old with its binders and connections? */
static bool
port_shareable(uint64_t old, bool reuse, bool rp)
{
	uint64_t binders = (old & BIND_MASK) >> 32;
	bool group = rp && binders != 0 && (old & ALL_REUSEPORT);

	if (binders != 0 && !group &&
			(!reuse || !(old & ALL_REUSE) || (old & LISTEN_MASK)))
		return false;
	/* The connections holding the port are the group's children (Linux:
	 * they inherit SO_REUSEPORT), or need SO_REUSEADDR on both sides. */
	if ((old & CONN_MASK) != 0 && !group &&
			(!reuse || (old & NOREUSE_MASK) != 0))
		return false;
	return binders != 0xfff;
}

/*
 * bind() to a TCP port. Sharing needs SO_REUSEADDR on every socket and
 * no listener, or SO_REUSEPORT on every socket (Linux
 * inet_csk_bind_conflict()), the connections holding the port included.
 */
int
dps_port_bind_tcp(struct dps_sockets *ss, uint16_t port, bool reuse, bool rp)
{
	uint64_t old = dps_tcp_port_word(ss, port), new;

	do {
		bool first = (old & BIND_MASK) == 0;

		if (!port_shareable(old, reuse, rp))
			return -EADDRINUSE;
		new = old + BIND_ONE;
		if (first && reuse)
			new |= ALL_REUSE;
		else if (!reuse)
			new &= ~ALL_REUSE;
		if (first && rp)
			new |= ALL_REUSEPORT;
		else if (!rp)
			new &= ~ALL_REUSEPORT;
	} while (!port_cas(ss, port, &old, new));
	return 0;
}

void
dps_port_unbind_tcp(struct dps_sockets *ss, uint16_t port)
{
	uint64_t old = dps_tcp_port_word(ss, port), new;

	do {
		new = old - BIND_ONE;
		if ((new & BIND_MASK) == 0)
			new &= ~(ALL_REUSE | ALL_REUSEPORT | LISTEN_RP | LISTEN_MASK);
	} while (!port_cas(ss, port, &old, new));
}

/* listen() on a bound port: the first listener, or one more of a
 * SO_REUSEPORT group (@rp) whose listeners all set it. */
bool
dps_port_listen(struct dps_sockets *ss, uint16_t port, bool rp)
{
	uint64_t old = dps_tcp_port_word(ss, port), new;

	do {
		if ((old & LISTEN_MASK) == LISTEN_MASK)
			return false;
		if ((old & LISTEN_MASK) != 0 && !(rp && (old & LISTEN_RP)))
			return false;
		new = old + LISTEN_ONE;
		if ((old & LISTEN_MASK) == 0)
			new = rp ? new | LISTEN_RP : new & ~LISTEN_RP;
	} while (!port_cas(ss, port, &old, new));
	return true;
}

/* A listener stopped listening; its bind() stays. */
void
dps_port_unlisten(struct dps_sockets *ss, uint16_t port)
{
	port_sub(ss, port, LISTEN_ONE);
}

bool
dps_port_is_listening(const struct dps_sockets *ss, uint16_t port)
{
	return (dps_tcp_port_word(ss, port) & LISTEN_MASK) != 0;
}

/*
 * Count a connection on @port; with @unless_bound, not on a port bind()
 * holds. Returns the kind of hold its release needs, DPS_PORT_FREE when
 * none was taken (bound, or the count is full).
 */
static uint8_t
port_conn_add(struct dps_sockets *ss, uint16_t port, bool reuse, bool unless_bound)
{
	uint64_t old = dps_tcp_port_word(ss, port);

	do {
		if ((unless_bound && (old & BIND_MASK) != 0) ||
				(old & CONN_MASK) == CONN_MASK)
			return DPS_PORT_FREE;
	} while (!port_cas(ss, port, &old, old + conn_unit(reuse)));
	return reuse ? DPS_PORT_HELD_REUSE : DPS_PORT_HELD;
}

/* Autobind for connect: usable unless bind() holds the port. */
uint8_t
dps_port_connect_take(struct dps_sockets *ss, uint16_t port, bool reuse)
{
	return port_conn_add(ss, port, reuse, true);
}

/* A listener's child, or a TIME_WAIT entry of a bound socket, holds the
 * port @lport (network order) whoever bound it. */
uint8_t
dps_port_hold(struct dps_sockets *ss, rte_be16_t lport, bool reuse)
{
	return port_conn_add(ss, rte_be_to_cpu_16(lport), reuse, false);
}

/* Give back the hold *@held (if any) on @lport and clear it. */
void
dps_port_release(struct dps_sockets *ss, rte_be16_t lport, uint8_t *held)
{
	if (*held != DPS_PORT_FREE)
		port_sub(ss, rte_be_to_cpu_16(lport),
			conn_unit(*held == DPS_PORT_HELD_REUSE));
	*held = DPS_PORT_FREE;
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
	const bool *reuse = arg;	/* SO_REUSEADDR, SO_REUSEPORT */
	uint64_t w = dps_tcp_port_word(ss, p);

	/* An ephemeral bind wants a port nobody uses at all. */
	if (w != 0)
		return -EADDRINUSE;
	return dps_port_bind_tcp(ss, p, reuse[0], reuse[1]);
}

int
dps_port_bind_any_tcp(struct dps_sockets *ss, bool reuse, bool rp, uint16_t *port)
{
	bool r[2] = { reuse, rp };

	return port_scan_bind(ss, try_tcp, r, port);
}

/* A free UDP port for @sk alone. */
static int
udp_take(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	struct dps_sock *none = NULL;

	if (!dps_udp_port_cas(ss, port, &none, sk))
		return -EADDRINUSE;
	dps_obj_ref(&sk->obj);		/* the slot's reference */
	return 0;
}

/* bind() of a UDP port: free, or shared by SO_REUSEPORT. */
int
dps_port_bind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	if (udp_take(ss, sk, port) == 0)
		return 0;
	return sk->opt.reuseport ? dps_ugroup_join(ss, sk, port) : -EADDRINUSE;
}

/*
 * UDP autobind, for bind() with port 0, connect() and sendto() alike
 * (Linux udp_lib_get_port()): from a random point of the ephemeral range,
 * every port in turn, with no preference of parity.
 */
int
dps_port_bind_any_udp(struct dps_sockets *ss, struct dps_sock *sk,
	uint16_t *port)
{
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t start = rte_rand_max(n);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = lo + (start + i) % n;

		if (udp_take(ss, sk, (uint16_t)p) == 0) {
			*port = (uint16_t)p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

void
dps_port_unbind_udp(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	if (dps_sock_is6(sk))
		dps_udp6_unbind_port(sk, port);		/* dps_udp6_port.c */
	else
		dps_ugroup_leave(ss, sk, port);
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

void
dps_flow_input6(const struct dps_tuple6 *t, uint32_t in[9])
{
	/* The input as RSS defines it for TCP and UDP over IPv6: source
	 * address, destination address, source port, destination port,
	 * the peer being the source. */
	for (unsigned int i = 0; i < 4; i++) {
		uint32_t r, l;

		memcpy(&r, &t->raddr[4 * i], 4);
		memcpy(&l, &t->laddr[4 * i], 4);
		in[i] = rte_be_to_cpu_32(r);
		in[4 + i] = rte_be_to_cpu_32(l);
	}
	in[8] = (uint32_t)rte_be_to_cpu_16(t->rport) << 16 | rte_be_to_cpu_16(t->lport);
}

unsigned int
dps_flow_owner6(const struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	uint32_t in[9];

	if (ss->n_owners == 1)
		return 0;
	dps_flow_input6(t, in);
	return ss->reta[rte_softrss_be(in, 9, ss->rss_key) & 127];
}

/* A local port for @sk (Linux's get_port): @port, or a free one when
 * 0, published in the tuple. 0 or a negative errno. */
int
dps_sock_bind_port(struct dps_sock *sk, uint16_t port)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	int rc;

	if (sk->type == SOCK_DGRAM && dps_sock_is6(sk))
		return dps_udp6_bind_port(sk, port);	/* dps_udp6_port.c */
	if (sk->type == SOCK_DGRAM)
		rc = port == 0 ? dps_port_bind_any_udp(ss, sk, &port) :
			dps_port_bind_udp(ss, sk, port);
	else
		rc = port == 0 ? dps_port_bind_any_tcp(ss, sk->opt.reuseaddr,
				sk->opt.reuseport, &port) :
			dps_port_bind_tcp(ss, port, sk->opt.reuseaddr, sk->opt.reuseport);
	if (rc == 0)
		dps_sock_set_lport(sk, rte_cpu_to_be_16(port));
	return rc;
}

/* Any free port (inet_autobind()). */
int
dps_sock_autobind(struct dps_sock *sk)
{
	return dps_sock_bind_port(sk, 0);
}
