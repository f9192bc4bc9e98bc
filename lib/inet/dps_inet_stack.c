/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport layer in a stack: its settings, the socket pool, the
 * port maps, the keys, the RSS redirection table (the context of slot
 * DPS_PROTO_INET), lock-free reads of a connection table from any
 * thread, and the registration of the transport's slots.
 */
#include <errno.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_thash.h>
#include "dps_tcp_priv.h"
#include "dps_port.h"

#define DEFAULT_PORT_LO 32768
#define DEFAULT_PORT_HI 60999
#define DEFAULT_MAX_CONNS 65536
#define DEFAULT_MAX_SOCKS 16383

int
dps_stack_set_sock_conf(struct dps_stack *s, const struct dps_sock_conf *c)
{
	struct dps_sock_conf v = *c;

	if (s->started)
		return -EBUSY;
	if (v.port_lo == 0 && v.port_hi == 0) {
		v.port_lo = DEFAULT_PORT_LO;
		v.port_hi = DEFAULT_PORT_HI;
	}
	if (v.port_lo == 0 || v.port_lo > v.port_hi)
		return -EINVAL;
	if (v.max_conns == 0)
		v.max_conns = DEFAULT_MAX_CONNS;
	if (v.max_socks == 0)
		v.max_socks = DEFAULT_MAX_SOCKS;
	/* Table references (dps_tcp_ent_of()): sockets of each pool below
	 * 2^25, each lcore's TIME_WAIT and idle entries below 2^25. */
	/* Linux (tcp_set_hashinfo()): tcp_max_tw_buckets is half the
	 * established hash's size; here, of the table's connections. */
	if (v.max_tw_buckets == 0)
		v.max_tw_buckets = v.max_conns / 2;
	if (v.max_conns >= DPS_TCP_IDLE_REF - DPS_TCP_TW_REF ||
			v.max_tw_buckets >= DPS_TCP_IDLE_REF - DPS_TCP_TW_REF ||
			v.max_socks > DPS_TCP_SOCK6_REF)
		return -EINVAL;
	if (v.tw_reuse == DPS_TW_REUSE_DEFAULT)
		v.tw_reuse = DPS_TW_REUSE_LOOPBACK;	/* Linux's default, 2 */
	if (v.tw_reuse > DPS_TW_REUSE_LOOPBACK)
		return -EINVAL;
	dps_socks(s)->conf = v;
	return 0;
}

/*
 * The redirection table: entry i sends hash values with low bits i to
 * lcore i mod n, as a NIC's default table does for n queues. Devices
 * without RSS deliver elsewhere; the receiving lcore then hands the
 * segment to the owner this table names (dps_tcp_rx()), so the choice is
 * always consistent with the ports connect() picks.
 */
static void
sockets_reta(struct dps_stack *s)
{
	struct dps_sockets *ss = dps_socks(s);

	for (unsigned int i = 0; i < RTE_DIM(ss->reta); i++)
		ss->reta[i] = (uint16_t)(i % s->n_lcores);
	ss->n_owners = (uint16_t)s->n_lcores;
	rte_convert_rss_key((const uint32_t *)dps_rss_key, (uint32_t *)ss->rss_key,
		sizeof(ss->rss_key));
}

/*
 * The socket pool (lib/util/dps_pool.h) hands back the most recently
 * freed socket first. A socket object keeps the rings it grew for its
 * first stream (about 12 KiB) for its next life, so with a FIFO every
 * object of a large pool ends up with rings after enough short
 * connections: 65,535 objects, 800 MB, where a few thousand are ever in
 * use at once. LIFO keeps the ring memory proportional to the
 * connections actually open together. The pool grows a chunk at a time
 * up to max_socks, so the sockets' own memory follows the most ever open
 * at once too, not the maximum (issue 15: a run with room for ten
 * million holding a thousand). Its objects are struct dps_sock with no
 * header, each starting on a cache line as the mempool's did (size
 * rounded up to a line), so that sockets next to each other, written by
 * different lcores and threads, share no line. Not in the EAL's memory:
 * no device ever reads a socket. A socket takes its size rounded to a
 * line and a 4-byte link, 964 bytes when the struct was 920, where the
 * rte_mempool before took 1,024 (a 64-byte object header and a 40-byte
 * trailer to the line: rte_mempool_calc_obj_size()), and 10 GB written
 * at start for ten million. The TCB extensions' pool is made the same
 * way: it grows with the extensions held at once.
 */
static struct dps_pool *
sock_pool_create(const char *name, unsigned int n, size_t elt)
{
	return dps_pool_create(name, RTE_ALIGN_CEIL(elt, RTE_CACHE_LINE_SIZE), n, 0);
}

/* At dps_stack_start(): the pool, the maps and the keys. */
/* A pool object is rounded up to a cache line: a socket takes 448 bytes,
 * seven lines; one byte more would cost 64 per connection (640 MB at ten
 * million). Reorder fields before growing it. */
_Static_assert(RTE_ALIGN_CEIL(sizeof(struct dps_sock), RTE_CACHE_LINE_SIZE) <= 448,
	"struct dps_sock outgrew seven cache lines");

static int
inet_start(struct dps_stack *s)
{
	struct dps_sockets *ss = dps_socks(s);
	char name[32];

	snprintf(name, sizeof(name), "%s_socks", s->conf.name ? s->conf.name : "dps");
	ss->pool = sock_pool_create(name, ss->conf.max_socks, sizeof(struct dps_sock));
	/* AF_INET6 sockets: the socket and its IPv6 side, as many again
	 * (address space only until used, as the first pool). */
	snprintf(name, sizeof(name), "%s_socks6", s->conf.name ? s->conf.name : "dps");
	ss->pool6 = sock_pool_create(name, ss->conf.max_socks, sizeof(struct dps_sock6));
	/* One TCB extension per socket at most: a busy connection never
	 * waits for one that an idle one holds. */
	snprintf(name, sizeof(name), "%s_tcbx", s->conf.name ? s->conf.name : "dps");
	ss->xpool = sock_pool_create(name, ss->conf.max_socks, sizeof(struct dps_tcp_cold));
	/* Both families' words, the IPv6 ones after the IPv4 ones
	 * (dps_port_release() reaches them by the hold's kind). */
	ss->tcp_ports = rte_zmalloc("dps_tcp_ports", 2 * 65536 * sizeof(uint64_t), 0);
	ss->tcp6_ports = ss->tcp_ports != NULL ? ss->tcp_ports + 65536 : NULL;
	ss->udp_ports = rte_zmalloc("dps_udp_ports", 65536 * sizeof(void *), 0);
	ss->udp6_ports = rte_zmalloc("dps_udp6_ports", 65536 * sizeof(void *), 0);
	ss->listeners = rte_zmalloc("dps_listeners", 65536 * sizeof(void *), 0);
	ss->listeners6 = rte_zmalloc("dps_listeners6", 65536 * sizeof(void *), 0);
	ss->rgroups = rte_zmalloc("dps_rgroups", 65536 * sizeof(void *), 0);
	ss->ugroups = rte_zmalloc("dps_ugroups", 65536 * sizeof(void *), 0);
	ss->ugroups6 = rte_zmalloc("dps_ugroups6", 65536 * sizeof(void *), 0);
	rte_spinlock_init(&ss->rgroup_lock);
	if (ss->pool == NULL || ss->xpool == NULL || ss->pool6 == NULL ||
			ss->tcp_ports == NULL || ss->udp_ports == NULL || ss->udp6_ports == NULL ||
			ss->listeners == NULL || ss->listeners6 == NULL ||
			ss->rgroups == NULL || ss->ugroups == NULL ||
			ss->ugroups6 == NULL) {
		snprintf(s->err, sizeof(s->err), "cannot allocate %u sockets: %s",
			ss->conf.max_socks, ss->pool == NULL || ss->xpool == NULL ||
			ss->pool6 == NULL ? strerror(errno) :
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < 2; i++) {
		ss->isn_key[i] = rte_rand();
		ss->port_key[i] = rte_rand();
		ss->cookie_key[i] = rte_rand();
	}
	for (unsigned int i = 0; i < RTE_DIM(ss->tab_key); i++)
		ss->tab_key[i] = rte_rand();
	for (unsigned int i = 0; i < RTE_DIM(ss->tab_key6); i++)
		ss->tab_key6[i] = rte_rand();
	for (unsigned int i = 0; i < RTE_DIM(ss->perturb); i++)
		ss->perturb[i] = (uint32_t)rte_rand();
	sockets_reta(s);
	return 0;
}

/* The rings a pool object grew over its lives go with the pool. */
static void
fini_rings(void *obj, uint32_t idx, void *arg)
{
	struct dps_sock *sk = obj;

	RTE_SET_USED(arg);
	RTE_SET_USED(idx);
	rte_free(dps_sock_rxq(sk));
	rte_free(dps_sock_txq(sk));
	dps_sock_publish_rxq(sk, NULL);
	dps_sock_reset_txq(sk, NULL);
}

/* At dps_stack_destroy(), after the transports' own teardown. */
static void
inet_destroy(struct dps_stack *s)
{
	struct dps_sockets *ss = dps_socks(s);

	if (ss == NULL)
		return;
	if (ss->pool != NULL)
		dps_pool_iter(ss->pool, fini_rings, NULL);
	if (ss->pool6 != NULL)
		dps_pool_iter(ss->pool6, fini_rings, NULL);
	dps_pool_destroy(ss->pool);
	dps_pool_destroy(ss->pool6);
	dps_pool_destroy(ss->xpool);
	rte_free(ss->tcp_ports);
	rte_free(ss->udp_ports);
	rte_free(ss->udp6_ports);
	rte_free(ss->listeners);
	rte_free(ss->listeners6);
	for (unsigned int port = 0; port < 65536; port++) {
		if (ss->rgroups != NULL)
			rte_free(ss->rgroups[port]);
		if (ss->ugroups != NULL)
			rte_free(ss->ugroups[port]);
		if (ss->ugroups6 != NULL)
			rte_free(ss->ugroups6[port]);
	}
	rte_free(ss->rgroups);
	rte_free(ss->ugroups);
	rte_free(ss->ugroups6);
	rte_free(ss);
	s->proto_ctx[DPS_PROTO_INET] = NULL;
}

/* The socket @sk's fields for dps_conn_info(); the caller confirms them
 * with dps_ctab_still() (the socket may be reused meanwhile). */
static void
conn_fill_sock(struct dps_sock *sk, struct dps_conn_info *out)
{
	out->state = dps_sock_state(sk);
	out->syn_retries = sk->tcb.retransmits;
	out->mss = sk->tcb.mss;
	out->rto_ms = sk->tcb.rto_us / 1000;
}

/* The same for a compact idle connection: established, no SYN
 * retransmitted (dps_tcb_idle_ok()). */
static void
conn_fill_idle(const struct dps_idle_ent *e, struct dps_conn_info *out)
{
	out->state = DPS_TCP_ESTABLISHED;
	out->mss = e->rec.mss;
	out->rto_ms = dps_tcb_idle_rto_us(&e->rec) / 1000;
}

/*
 * @t in lcore @idx's table, from any thread, with no lock: the entry
 * found, read, then confirmed still in its slot (dps_ctab.h), or read
 * again. Nothing to hold: table slots and entries are type-stable.
 */
static int
conn_read4(struct dps_stack *s, unsigned int idx, const struct dps_tuple *t,
	struct dps_conn_info *out)
{
	const struct dps_ctab *tab = dps_tcp_lc(s->lc[idx])->conns;
	uint32_t h = dps_tcp_hash(dps_socks(s), t);
	struct dps_ctab_ticket tk;
	void *data;

	do {
		data = dps_ctab_find(tab, h, t, dps_tcp_key_of, dps_tcp_ent_of, &tk);
		if (data == NULL)
			return -ENOENT;
		memset(out, 0, sizeof(*out));
		out->lcore = (uint16_t)idx;
		out->local.sin_family = AF_INET;
		out->local.sin_addr.s_addr = t->laddr;
		out->local.sin_port = t->lport;
		out->peer.sin_family = AF_INET;
		out->peer.sin_addr.s_addr = t->raddr;
		out->peer.sin_port = t->rport;
		if (dps_tcp_is_tw(data))	/* a TIME_WAIT entry took the tuple */
			out->state = DPS_TCP_TIME_WAIT;
		else if (dps_tcp_is_idle(data))
			conn_fill_idle(dps_tcp_idle_of(data), out);
		else
			conn_fill_sock(data, out);
	} while (!dps_ctab_still(tab, &tk));
	return 0;
}

/* One name of an AF_INET6 socket's connection: @a, port @port, the
 * scope of a link-local address (as inet6_getname() gives it). */
static void
conn_name6(struct sockaddr_in6 *n, const uint8_t a[16], uint16_t port,
	uint32_t scope)
{
	n->sin6_family = AF_INET6;
	n->sin6_port = port;
	memcpy(n->sin6_addr.s6_addr, a, 16);
	n->sin6_scope_id = dps_ip6_is_linklocal(a) ? scope : 0;
}

/* The same in lcore @idx's IPv6 table (dps_tcp6_table.c), the names
 * taken from the entry's key: IPv6 entries are sockets or TIME_WAIT
 * entries, never the idle form. */
static int
conn_read6(struct dps_stack *s, unsigned int idx, const struct dps_tuple6 *t,
	uint32_t scope, struct dps_conn_info *out)
{
	struct dps_ctab_ticket tk;
	void *data;

	do {
		data = dps_tcp6_find(s->lc[idx], t, &tk);
		if (data == NULL)
			return -ENOENT;
		memset(out, 0, sizeof(*out));
		out->lcore = (uint16_t)idx;
		conn_name6(&out->local6, t->laddr, t->lport, scope);
		conn_name6(&out->peer6, t->raddr, t->rport, scope);
		if (dps_tcp_is_tw(data))
			out->state = DPS_TCP_TIME_WAIT;
		else
			conn_fill_sock(data, out);
	} while (!dps_ctab_still(dps_tcp_lc(s->lc[idx])->v6->conns, &tk));
	return 0;
}

/* An AF_INET6 socket's IPv4 (v4-mapped) connection is named as
 * getsockname() names it: ::ffff:a.b.c.d. */
static void
conn_map6(struct dps_conn_info *out)
{
	struct sockaddr_in l = out->local, p = out->peer;

	memset(&out->local6, 0, sizeof(out->local6));
	memset(&out->peer6, 0, sizeof(out->peer6));
	out->local6.sin6_family = out->peer6.sin6_family = AF_INET6;
	out->local6.sin6_port = l.sin_port;
	out->peer6.sin6_port = p.sin_port;
	dps_ip6_set_mapped(out->local6.sin6_addr.s6_addr, l.sin_addr.s_addr);
	dps_ip6_set_mapped(out->peer6.sin6_addr.s6_addr, p.sin_addr.s_addr);
}

int
dps_conn_read(struct dps_sock *sk, unsigned int idx, struct dps_conn_info *out)
{
	struct dps_tuple t = sk->tup;
	int rc;

	if (dps_tcp_is_v6(sk)) {
		const struct dps_sock6_side *v6 = dps_sock6_c(sk);
		struct dps_tuple6 t6 = { .lport = t.lport, .rport = t.rport,
			.proto = IPPROTO_TCP };

		/* Plain reads, as of the IPv4 tuple: written before the
		 * connection entered the table, and a socket reused meanwhile
		 * is not found under its old key. */
		memcpy(t6.laddr, v6->laddr, 16);
		memcpy(t6.raddr, v6->raddr, 16);
		return conn_read6(sk->stack, idx, &t6, v6->scope, out);
	}
	rc = conn_read4(sk->stack, idx, &t, out);
	if (rc == 0 && dps_sock_is6(sk))
		conn_map6(out);
	return rc;
}

uint32_t
dps_stack_orphans(const struct dps_stack *s, unsigned int idx)
{
	const struct dps_tcp_lcore *tl;

	if (idx >= s->n_lcores)
		return 0;
	tl = dps_tcp_lc(s->lc[idx]);
	/* Relaxed (dps_tcp_stat()): a statistic, updated relaxed in
	 * dps_tcp_usrreq.c and dps_tcp_conn.c. */
	return tl != NULL ? dps_tcp_stat(&tl->n_orphans) : 0;
}

void
dps_stack_sock_stats(const struct dps_stack *s, struct dps_sock_stats *st)
{
	const struct dps_sockets *ss = dps_socks(s);
	struct rte_mempool *seen[DPS_MAX_LCORES];
	struct dps_pool_stats ps;
	unsigned int n_seen = 0;

	memset(st, 0, sizeof(*st));
	if (ss == NULL || ss->pool == NULL)
		return;
	dps_pool_stats(ss->pool, &ps);
	st->socks_in_use = ps.in_use;
	st->socks_populated = ps.populated;
	st->sock_bytes = ps.bytes_populated;
	if (ss->pool6 != NULL) {
		dps_pool_stats(ss->pool6, &ps);	/* AF_INET6 sockets count too */
		st->socks_in_use += ps.in_use;
		st->socks_populated += ps.populated;
		st->sock_bytes += ps.bytes_populated;
	}
	dps_pool_stats(ss->xpool, &ps);
	st->tcb_ext_in_use = ps.in_use;
	st->tcb_ext_bytes = ps.bytes_populated;
	for (unsigned int i = 0; i < 65536; i++) {
		if (dps_tcp_port_word_relaxed(ss, (uint16_t)i) != 0)
			st->tcp_ports_held++;
		if (dps_udp_port_sock_relaxed(ss, (uint16_t)i) != NULL ||
				(ss->udp6_ports != NULL &&
				__atomic_load_n(&ss->udp6_ports[i], __ATOMIC_RELAXED) != NULL))
			st->udp_ports_held++;	/* relaxed: a statistic */
	}
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		struct rte_mempool *mp = s->lc[i]->pool;
		bool dup = false;

		const struct dps_tcp_lcore *tl = dps_tcp_lc(s->lc[i]);

		if (tl != NULL) {
			/* Relaxed: statistics, updated relaxed in
			 * dps_tcp_table.c (n_conns), dps_tcp_listen.c
			 * (half-open) and dps_tcp_usrreq.c (orphans). */
			st->conns += dps_tcp_stat(&tl->n_conns);
			st->half_open += dps_tcp_stat(&tl->n_half_open);
			st->orphans += dps_tcp_stat(&tl->n_orphans);
			st->idle += dps_tcp_stat(&tl->n_idle);
		}
		st->time_wait += dps_tcp_tw_count(s->lc[i]);
		for (unsigned int k = 0; k < n_seen; k++)
			dup |= seen[k] == mp;
		if (!dup && mp != NULL) {
			seen[n_seen++] = mp;
			st->mbufs_in_use += rte_mempool_in_use_count(mp);
		}
	}
}

const char *
dps_tcp_state_name(int state)
{
	static const char *const names[DPS_TCP_STATE_COUNT] = {
		[DPS_TCP_ESTABLISHED] = "ESTABLISHED", [DPS_TCP_SYN_SENT] = "SYN_SENT",
		[DPS_TCP_SYN_RECV] = "SYN_RECV", [DPS_TCP_FIN_WAIT1] = "FIN_WAIT1",
		[DPS_TCP_FIN_WAIT2] = "FIN_WAIT2", [DPS_TCP_TIME_WAIT] = "TIME_WAIT",
		[DPS_TCP_CLOSE] = "CLOSE", [DPS_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[DPS_TCP_LAST_ACK] = "LAST_ACK", [DPS_TCP_LISTEN] = "LISTEN",
		[DPS_TCP_CLOSING] = "CLOSING",
	};

	if (state <= 0 || state >= DPS_TCP_STATE_COUNT)
		return "?";
	return names[state];
}

/* One entry of a connection table, for dps_stack_tcp_states(). */
static void
count_state(void *ent, void *arg)
{
	uint32_t *n = arg;
	uint8_t st = dps_tcp_is_tw(ent) ? DPS_TCP_TIME_WAIT :
		dps_tcp_is_idle(ent) ? DPS_TCP_ESTABLISHED : dps_sock_state(ent);

	if (st < DPS_TCP_STATE_COUNT)
		n[st]++;
}

/*
 * From any thread: the tables by dps_ctab_walk() (their slots are
 * versioned for such readers; a socket it finds is pool memory, type
 * stable, whose state is an acquire load, dps_sock_state()), and the
 * listeners from the port map (acquire loads, dps_listener_of()).
 * Entries that are not sockets (TIME_WAIT, tagged) are never
 * dereferenced.
 */
void
dps_stack_tcp_states(const struct dps_stack *s, uint32_t n[DPS_TCP_STATE_COUNT])
{
	const struct dps_sockets *ss = dps_socks(s);

	memset(n, 0, DPS_TCP_STATE_COUNT * sizeof(n[0]));
	if (ss == NULL || ss->listeners == NULL || ss->rgroups == NULL)
		return;
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		const struct dps_tcp_lcore *tl = dps_tcp_lc(s->lc[i]);

		if (tl != NULL && tl->conns != NULL)
			dps_ctab_walk(tl->conns, count_state, n);
		if (tl != NULL && tl->v6 != NULL)	/* IPv6 connections */
			dps_ctab_walk(tl->v6->conns, count_state, n);
	}
	for (unsigned int port = 0; port < 65536; port++) {
		const struct dps_rgroup *g = dps_rgroup_of(ss, (uint16_t)port);

		const struct dps_sock *l4 = dps_listener_of(ss, (uint16_t)port);
		const struct dps_sock *l6 = dps_listener6_of(ss, (uint16_t)port);

		/* A dual-stack listener is in both. */
		n[DPS_TCP_LISTEN] += (l4 != NULL) + (l6 != NULL && l6 != l4);
		if (g != NULL)	/* acquire: pairs with the group's joins */
			n[DPS_TCP_LISTEN] += __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);
	}
}

static const struct dps_proto_ops inet_ops = {
	.name = "inet",
	.start = inet_start,
	.destroy = inet_destroy,
};

/* At stack creation: the settings (memory comes at start), then the
 * slots: the shared state, TCP and UDP. */
int
dps_inet_register(struct dps_stack *s)
{
	static const struct dps_sock_conf defaults;
	struct dps_sockets *ss = rte_zmalloc("dps_sockets", sizeof(*ss),
		RTE_CACHE_LINE_SIZE);
	int rc;

	if (ss == NULL)
		return -ENOMEM;
	rc = dps_proto_register(s, DPS_PROTO_INET, &inet_ops, ss);
	if (rc != 0) {
		rte_free(ss);
		return rc;
	}
	rc = dps_stack_set_sock_conf(s, &defaults);
	if (rc == 0)
		rc = dps_tcp_register(s);
	if (rc == 0)
		rc = dps_udp_register(s);
	return rc;
}
