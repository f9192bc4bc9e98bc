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
 * Each port has two such words, one per family of traffic: tcp_ports[]
 * counts the port's IPv4 users, tcp6_ports[] its IPv6 users. Linux's
 * inet_rcv_saddr_equal() (ipv6_rcv_saddr_equal() for an AF_INET6 socket)
 * makes two sockets of one port conflict only when the traffic they take
 * overlaps: an AF_INET socket, or an AF_INET6 one bound to a v4-mapped
 * address, takes IPv4; a v6-only socket, or one bound to an IPv6 address
 * (Linux sets ipv6only then), IPv6; a dual-stack one (on ::, not v6-only)
 * both. So an AF_INET socket binds and listens in the IPv4 word, a v6-only
 * one in the IPv6 word, and a dual-stack one in both: it takes the IPv6
 * word first and the IPv4 one second, and gives the first back when the
 * second refuses (the words are not changed together, so a bind racing
 * with it may see it in one word only: refused by one it would have been
 * refused by anyway). Connections hold the word of their own family (an
 * IPv4 or v4-mapped connection the IPv4 one). Linux's bind bucket is one
 * per port whatever the family, and its connect() never autobinds a port
 * any bind() holds: V6_BOUND in the IPv4 word says the IPv6 word has
 * binders, so that the IPv4 autobind's one test sees those too.
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
#define V6_BOUND (1ull << 63)		/* IPv4 word only, see above */

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
port_cas(uint64_t *w, uint64_t *old, uint64_t new)
{
	return __atomic_compare_exchange_n(w, old, new, true,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Take @n off word @w (a connection's hold ends); acq_rel, as port_cas(). */
static void
port_sub(uint64_t *w, uint64_t n)
{
	__atomic_fetch_sub(w, n, __ATOMIC_ACQ_REL);
}

/* An acquire load of word @w, as dps_tcp_port_word(). */
static uint64_t
port_load(const uint64_t *w)
{
	return __atomic_load_n(w, __ATOMIC_ACQUIRE);
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

/* One more binder in word @w, unless it conflicts (-EADDRINUSE). */
static int
bind_word(uint64_t *w, bool reuse, bool rp)
{
	uint64_t old = port_load(w), new;

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
	} while (!port_cas(w, &old, new));
	return 0;
}

/* One binder fewer in word @w; true when it was the last. */
static bool
unbind_word(uint64_t *w)
{
	uint64_t old = port_load(w), new;

	do {
		new = old - BIND_ONE;
		if ((new & BIND_MASK) == 0)
			new &= ~(ALL_REUSE | ALL_REUSEPORT | LISTEN_RP | LISTEN_MASK);
	} while (!port_cas(w, &old, new));
	return (new & BIND_MASK) == 0;
}

/*
 * bind() to a TCP port. Sharing needs SO_REUSEADDR on every socket and
 * no listener, or SO_REUSEPORT on every socket (Linux
 * inet_csk_bind_conflict()), the connections holding the port included.
 */
int
dps_port_bind_tcp(struct dps_sockets *ss, uint16_t port, bool reuse, bool rp)
{
	return bind_word(&ss->tcp_ports[port], reuse, rp);
}

void
dps_port_unbind_tcp(struct dps_sockets *ss, uint16_t port)
{
	unbind_word(&ss->tcp_ports[port]);
}

/*
 * V6_BOUND follows the IPv6 word's binders. Set after a bind there;
 * after the last one went, cleared and then set again if a bind came
 * meanwhile: the acq_rel RMWs order a racing bind's set either after the
 * clear (the bit stays) or before it, and then the clear's re-read of the
 * IPv6 word sees that bind.
 */
static void
v6_bound_set(struct dps_sockets *ss, uint16_t port)
{
	__atomic_fetch_or(&ss->tcp_ports[port], V6_BOUND, __ATOMIC_ACQ_REL);
}

static void
v6_bound_clear(struct dps_sockets *ss, uint16_t port)
{
	__atomic_fetch_and(&ss->tcp_ports[port], ~V6_BOUND, __ATOMIC_ACQ_REL);
	if ((port_load(&ss->tcp6_ports[port]) & BIND_MASK) != 0)
		v6_bound_set(ss, port);
}

/* bind() of an AF_INET6 socket in the words of @maps: the IPv6 one
 * first, given back if the IPv4 one refuses. */
int
dps_port_bind_tcp6(struct dps_sockets *ss, uint16_t port, bool reuse, bool rp,
	uint8_t maps)
{
	int rc;

	if (maps & DPS_UMAP_V6) {
		rc = bind_word(&ss->tcp6_ports[port], reuse, rp);
		if (rc != 0)
			return rc;
		v6_bound_set(ss, port);
	}
	if (!(maps & DPS_UMAP_V4))
		return 0;
	rc = bind_word(&ss->tcp_ports[port], reuse, rp);
	if (rc != 0 && (maps & DPS_UMAP_V6) && unbind_word(&ss->tcp6_ports[port]))
		v6_bound_clear(ss, port);
	return rc;
}

void
dps_port_unbind_tcp6(struct dps_sockets *ss, uint16_t port, uint8_t maps)
{
	if (maps & DPS_UMAP_V4)
		unbind_word(&ss->tcp_ports[port]);
	if ((maps & DPS_UMAP_V6) && unbind_word(&ss->tcp6_ports[port]))
		v6_bound_clear(ss, port);
}

/* listen() in word @w: the first listener, or one more of a
 * SO_REUSEPORT group (@rp) whose listeners all set it. */
static bool
listen_word(uint64_t *w, bool rp)
{
	uint64_t old = port_load(w), new;

	do {
		if ((old & LISTEN_MASK) == LISTEN_MASK)
			return false;
		if ((old & LISTEN_MASK) != 0 && !(rp && (old & LISTEN_RP)))
			return false;
		new = old + LISTEN_ONE;
		if ((old & LISTEN_MASK) == 0)
			new = rp ? new | LISTEN_RP : new & ~LISTEN_RP;
	} while (!port_cas(w, &old, new));
	return true;
}

/* listen() on a bound port. */
bool
dps_port_listen(struct dps_sockets *ss, uint16_t port, bool rp)
{
	return listen_word(&ss->tcp_ports[port], rp);
}

/* A listener stopped listening; its bind() stays. */
void
dps_port_unlisten(struct dps_sockets *ss, uint16_t port)
{
	port_sub(&ss->tcp_ports[port], LISTEN_ONE);
}

bool
dps_port_is_listening(const struct dps_sockets *ss, uint16_t port)
{
	return (dps_tcp_port_word(ss, port) & LISTEN_MASK) != 0;
}

/* listen() of an AF_INET6 socket in the words of @maps, the IPv6 one
 * first, given back if the IPv4 one refuses. */
bool
dps_port_listen6(struct dps_sockets *ss, uint16_t port, bool rp, uint8_t maps)
{
	if ((maps & DPS_UMAP_V6) && !listen_word(&ss->tcp6_ports[port], rp))
		return false;
	if (!(maps & DPS_UMAP_V4) || listen_word(&ss->tcp_ports[port], rp))
		return true;
	if (maps & DPS_UMAP_V6)
		port_sub(&ss->tcp6_ports[port], LISTEN_ONE);
	return false;
}

void
dps_port_unlisten6(struct dps_sockets *ss, uint16_t port, uint8_t maps)
{
	if (maps & DPS_UMAP_V4)
		port_sub(&ss->tcp_ports[port], LISTEN_ONE);
	if (maps & DPS_UMAP_V6)
		port_sub(&ss->tcp6_ports[port], LISTEN_ONE);
}

/* Whether an IPv6 SYN to @port may find a listener. */
bool
dps_port_is_listening6(const struct dps_sockets *ss, uint16_t port)
{
	return (dps_tcp6_port_word(ss, port) & LISTEN_MASK) != 0;
}

/*
 * Count a connection in word @w; with @unless_bound, not on a port bind()
 * holds (@bound: the bits that say so). Returns the kind of hold its
 * release needs (@kind, for SO_REUSEADDR @reuse; the one without is
 * next), DPS_PORT_FREE when none was taken (bound, or the count is full).
 */
static __rte_always_inline uint8_t
port_conn_add(uint64_t *w, bool reuse, uint64_t bound, uint8_t kind)
{
	uint64_t old = port_load(w);

	do {
		if ((old & bound) != 0 || (old & CONN_MASK) == CONN_MASK)
			return DPS_PORT_FREE;
	} while (!port_cas(w, &old, old + conn_unit(reuse)));
	return reuse ? kind : kind + 1;
}

/* Autobind for an IPv4 connect: usable unless bind() holds the port, in
 * either family (Linux's bind bucket is the port's). */
uint8_t
dps_port_connect_take(struct dps_sockets *ss, uint16_t port, bool reuse)
{
	return port_conn_add(&ss->tcp_ports[port], reuse, BIND_MASK | V6_BOUND,
		DPS_PORT_HELD_REUSE);
}

/* The same for an IPv6 connect: the IPv4 word's binders are read, its
 * hold is in the IPv6 word. */
uint8_t
dps_port_connect_take6(struct dps_sockets *ss, uint16_t port, bool reuse)
{
	if ((dps_tcp_port_word(ss, port) & BIND_MASK) != 0)
		return DPS_PORT_FREE;
	return port_conn_add(&ss->tcp6_ports[port], reuse, BIND_MASK,
		DPS_PORT_HELD_REUSE6);
}

/* A listener's child, or a TIME_WAIT entry of a bound socket, holds the
 * port @lport (network order) whoever bound it: an IPv4 connection's. */
uint8_t
dps_port_hold(struct dps_sockets *ss, rte_be16_t lport, bool reuse)
{
	return port_conn_add(&ss->tcp_ports[rte_be_to_cpu_16(lport)], reuse, 0,
		DPS_PORT_HELD_REUSE);
}

/* The same for an IPv6 connection. */
uint8_t
dps_port_hold6(struct dps_sockets *ss, rte_be16_t lport, bool reuse)
{
	return port_conn_add(&ss->tcp6_ports[rte_be_to_cpu_16(lport)], reuse, 0,
		DPS_PORT_HELD_REUSE6);
}

/* Give back the hold *@held (if any) on @lport and clear it. The kind
 * names the word (the IPv6 one follows the IPv4 one in memory) and the
 * share. */
void
dps_port_release(struct dps_sockets *ss, rte_be16_t lport, uint8_t *held)
{
	static const uint32_t word_of[] = {
		[DPS_PORT_HELD_REUSE6] = 65536, [DPS_PORT_HELD6] = 65536,
	};
	static const uint64_t unit_of[] = {
		[DPS_PORT_HELD_REUSE] = CONN_ONE, [DPS_PORT_HELD] = CONN_ONE + NOREUSE_ONE,
		[DPS_PORT_HELD_REUSE6] = CONN_ONE, [DPS_PORT_HELD6] = CONN_ONE + NOREUSE_ONE,
	};

	if (*held != DPS_PORT_FREE)
		port_sub(&ss->tcp_ports[rte_be_to_cpu_16(lport) + word_of[*held]],
			unit_of[*held]);
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

/* An AF_INET6 socket's ephemeral bind: a port unused in both words. */
struct try6_arg {
	bool reuse, rp;
	uint8_t maps;
};

static int
try_tcp6(struct dps_sockets *ss, uint16_t p, void *arg)
{
	const struct try6_arg *a = arg;

	if ((dps_tcp_port_word(ss, p) | dps_tcp6_port_word(ss, p)) != 0)
		return -EADDRINUSE;
	return dps_port_bind_tcp6(ss, p, a->reuse, a->rp, a->maps);
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

/* The words an AF_INET6 stream socket binds: those of the traffic its
 * address and IPV6_V6ONLY let it take, as for datagrams. */
static uint8_t
tcp6_maps(struct dps_sock *sk)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);

	v6->maps = dps_udp6_maps_for(sk);
	return v6->maps;
}

/* An AF_INET6 stream socket's port: @port, or a free one when 0. */
static int
tcp6_bind_port(struct dps_sock *sk, uint16_t *port)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	struct try6_arg a = { sk->opt.reuseaddr, sk->opt.reuseport, tcp6_maps(sk) };

	if (*port != 0)
		return dps_port_bind_tcp6(ss, *port, a.reuse, a.rp, a.maps);
	return port_scan_bind(ss, try_tcp6, &a, port);
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
	else if (dps_sock_is6(sk))
		rc = tcp6_bind_port(sk, &port);
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

/* A bound stream socket's port, by family: the words its bind() took
 * (an AF_INET6 socket's maps, kept from then: connect() may give its
 * address a source later). */
static uint16_t
sock_port(const struct dps_sock *sk)
{
	return rte_be_to_cpu_16(dps_sock_lport(sk));
}

bool
dps_sock_port_listen(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);

	if (dps_sock_is6(sk))
		return dps_port_listen6(ss, sock_port(sk), sk->opt.reuseport,
			dps_sock6_c(sk)->maps);
	return dps_port_listen(ss, sock_port(sk), sk->opt.reuseport);
}

void
dps_sock_port_unlisten(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);

	if (dps_sock_is6(sk))
		dps_port_unlisten6(ss, sock_port(sk), dps_sock6_c(sk)->maps);
	else
		dps_port_unlisten(ss, sock_port(sk));
}

void
dps_sock_port_unbind_tcp(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);

	if (dps_sock_is6(sk)) {
		dps_port_unbind_tcp6(ss, sock_port(sk), dps_sock6_c(sk)->maps);
		dps_sock6(sk)->maps = 0;
	} else {
		dps_port_unbind_tcp(ss, sock_port(sk));
	}
}

/* The hold a closing bound socket leaves for its connection: in the word
 * of the connection's family. */
uint8_t
dps_sock_port_hold(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);

	if (dps_sock_is6(sk) && sk->tup.raddr == 0)	/* dps_tcp_is_v6() */
		return dps_port_hold6(ss, dps_sock_lport(sk), sk->opt.reuseaddr);
	return dps_port_hold(ss, dps_sock_lport(sk), sk->opt.reuseaddr);
}
