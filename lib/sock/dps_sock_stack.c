/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket layer's life inside a stack: its settings, the socket pool,
 * the port maps, the QSBR variable behind the lock-free connection
 * tables, the RSS redirection table, and lock-free reads of a table from
 * any thread.
 */
#include <errno.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_thash.h>
#include "dps_stack_priv.h"
#include "dps_sock.h"
#include "dps_port.h"

#define DEFAULT_PORT_LO 32768
#define DEFAULT_PORT_HI 60999
#define DEFAULT_MAX_CONNS 65536
#define DEFAULT_MAX_SOCKS 16383
#define RCU_READERS 8		/* threads reading a table at once */

int
dps_stack_self(const struct dps_stack *s)
{
	unsigned int id = rte_lcore_id();

	if (id == LCORE_ID_ANY)
		return -1;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		if (s->lc[i]->lcore_id == id)
			return (int)i;
	return -1;
}

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
	if (v.tw_reuse == DPS_TW_REUSE_DEFAULT)
		v.tw_reuse = DPS_TW_REUSE_LOOPBACK;	/* Linux's default, 2 */
	if (v.tw_reuse > DPS_TW_REUSE_LOOPBACK)
		return -EINVAL;
	s->socks->conf = v;
	return 0;
}

/* At stack creation: settings only; memory comes at start. */
int
dps_sockets_create(struct dps_stack *s)
{
	static const struct dps_sock_conf defaults;

	s->socks = rte_zmalloc("dps_sockets", sizeof(*s->socks), RTE_CACHE_LINE_SIZE);
	if (s->socks == NULL)
		return -ENOMEM;
	return dps_stack_set_sock_conf(s, &defaults);
}

static int
sockets_rcu(struct dps_stack *s)
{
	uint32_t n = s->n_lcores + RCU_READERS;
	size_t sz = rte_rcu_qsbr_get_memsize(n);
	struct dps_sockets *ss = s->socks;

	ss->rcu = rte_zmalloc("dps_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (ss->rcu == NULL || rte_rcu_qsbr_init(ss->rcu, n) != 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		rte_rcu_qsbr_thread_register(ss->rcu, i);
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
	struct dps_sockets *ss = s->socks;

	for (unsigned int i = 0; i < RTE_DIM(ss->reta); i++)
		ss->reta[i] = (uint16_t)(i % s->n_lcores);
	ss->n_owners = (uint16_t)s->n_lcores;
	rte_convert_rss_key((const uint32_t *)dps_rss_key, (uint32_t *)ss->rss_key,
		sizeof(ss->rss_key));
}

/*
 * The socket pool hands back the most recently freed socket first (the
 * lock-free stack mempool driver; a FIFO ring when it is not there). A
 * socket object keeps the rings it grew for its first stream (about
 * 12 KiB) for its next life, so with a FIFO every object of a large pool
 * ends up with rings after enough short connections: 65,535 objects,
 * 800 MB, where a few thousand are ever in use at once. LIFO keeps the
 * ring memory proportional to the connections actually open together.
 */
static struct rte_mempool *
sock_pool_create(const char *name, unsigned int n)
{
	static const char *const ops[] = { "lf_stack", "stack", "ring_mp_mc" };
	/* No spreading over memory channels: it pads each object by up to a
	 * cache line or two, and sockets are not touched in address order. */
	struct rte_mempool *mp = rte_mempool_create_empty(name, n,
		sizeof(struct dps_sock), 0, 0, SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_SPREAD);
	unsigned int i;

	if (mp == NULL)
		return NULL;
	for (i = 0; i < RTE_DIM(ops); i++)
		if (rte_mempool_set_ops_byname(mp, ops[i], NULL) == 0)
			break;
	if (i == RTE_DIM(ops) || rte_mempool_populate_default(mp) < 0) {
		rte_mempool_free(mp);
		return NULL;
	}
	return mp;
}

int
dps_sockets_init(struct dps_stack *s)
{
	struct dps_sockets *ss = s->socks;
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	snprintf(name, sizeof(name), "%s_socks", s->conf.name ? s->conf.name : "dps");
	ss->pool = sock_pool_create(name, ss->conf.max_socks);
	ss->tcp_ports = rte_zmalloc("dps_tcp_ports", 65536 * sizeof(uint64_t), 0);
	ss->udp_ports = rte_zmalloc("dps_udp_ports", 65536 * sizeof(void *), 0);
	ss->listeners = rte_zmalloc("dps_listeners", 65536 * sizeof(void *), 0);
	if (ss->pool == NULL || ss->tcp_ports == NULL || ss->udp_ports == NULL ||
			ss->listeners == NULL) {
		snprintf(s->err, sizeof(s->err), "cannot allocate %u sockets: %s",
			ss->conf.max_socks, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < 2; i++) {
		ss->isn_key[i] = rte_rand();
		ss->ts_key[i] = rte_rand();
		ss->port_key[i] = rte_rand();
		ss->cookie_key[i] = rte_rand();
	}
	for (unsigned int i = 0; i < RTE_DIM(ss->perturb); i++)
		ss->perturb[i] = (uint32_t)rte_rand();
	sockets_reta(s);
	rc = sockets_rcu(s);
	for (unsigned int i = 0; rc == 0 && i < s->n_lcores; i++)
		rc = dps_tcp_lcore_init(s->lc[i]);
	if (rc != 0) {
		snprintf(s->err, sizeof(s->err),
			"cannot create connection tables of %u entries: %s",
			ss->conf.max_conns, rte_strerror(rte_errno));
		return rc;
	}
	dps_tcp_register(s);
	dps_udp_register(s);
	dps_sock_set_default_stack(s, true);
	return 0;
}

/* Descriptors of @arg's stack die with it. */
static void
fini_fd(int fd, struct dps_obj *o, void *arg)
{
	if (o->kind == DPS_OBJ_SOCK && ((struct dps_sock *)o)->stack == arg &&
			dps_fd_clear(fd, o))
		dps_fd_release(fd);
}

/* The rings a pool object grew over its lives go with the pool. */
static void
fini_rings(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct dps_sock *sk = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(arg);
	RTE_SET_USED(idx);
	rte_free(sk->rxq);
	rte_free(sk->txq);
	sk->rxq = NULL;
	sk->txq = NULL;
}

void
dps_sockets_fini(struct dps_stack *s)
{
	struct dps_sockets *ss = s->socks;

	if (ss == NULL)
		return;
	dps_sock_set_default_stack(s, false);
	dps_fd_foreach(fini_fd, s);
	for (unsigned int i = 0; i < s->n_lcores; i++)
		if (s->lc[i] != NULL && s->lc[i]->conns != NULL)
			dps_tcp_lcore_fini(s->lc[i]);
	if (ss->pool != NULL)
		rte_mempool_obj_iter(ss->pool, fini_rings, NULL);
	rte_mempool_free(ss->pool);
	rte_free(ss->tcp_ports);
	rte_free(ss->udp_ports);
	rte_free(ss->listeners);
	rte_free(ss->rcu);
	rte_free(ss);
	s->socks = NULL;
}

/* Claim one of the QSBR reader ids, -1 when all are busy. */
static int
rcu_reader_get(struct dps_sockets *ss)
{
	for (unsigned int i = 0; i < RCU_READERS; i++) {
		uint32_t bit = 1u << i;

		if (!(__atomic_fetch_or(&ss->rcu_readers, bit, __ATOMIC_ACQUIRE) & bit))
			return (int)i;
	}
	return -1;
}

int
dps_conn_read(struct dps_stack *s, unsigned int idx, const struct dps_tuple *t,
	struct dps_conn_info *out)
{
	struct dps_sockets *ss = s->socks;
	int slot = rcu_reader_get(ss);
	unsigned int tid;
	struct dps_sock *sk;
	void *data;
	int rc = 0;

	if (slot < 0)
		return -EAGAIN;
	tid = s->n_lcores + (unsigned int)slot;
	rte_rcu_qsbr_thread_register(ss->rcu, tid);
	rte_rcu_qsbr_thread_online(ss->rcu, tid);
	if (rte_hash_lookup_data(s->lc[idx]->conns, t, &data) < 0) {
		rc = -ENOENT;
	} else if ((uintptr_t)data & 1) {
		/* A compact TIME_WAIT entry took the tuple over. */
		memset(out, 0, sizeof(*out));
		out->state = DPS_TCP_TIME_WAIT;
		out->lcore = (uint16_t)idx;
		out->local.sin_family = AF_INET;
		out->local.sin_addr.s_addr = t->laddr;
		out->local.sin_port = t->lport;
		out->peer.sin_family = AF_INET;
		out->peer.sin_addr.s_addr = t->raddr;
		out->peer.sin_port = t->rport;
	} else {
		sk = data;
		memset(out, 0, sizeof(*out));
		out->state = __atomic_load_n(&sk->state, __ATOMIC_ACQUIRE);
		out->syn_retries = sk->tcb.retransmits;
		out->lcore = (uint16_t)idx;
		out->local.sin_family = AF_INET;
		out->local.sin_addr.s_addr = sk->tup.laddr;
		out->local.sin_port = sk->tup.lport;
		out->peer.sin_family = AF_INET;
		out->peer.sin_addr.s_addr = sk->tup.raddr;
		out->peer.sin_port = sk->tup.rport;
		out->mss = sk->tcb.mss;
		out->rto_ms = (uint32_t)(sk->tcb.rto_ns / 1000000);
	}
	rte_rcu_qsbr_thread_offline(ss->rcu, tid);
	rte_rcu_qsbr_thread_unregister(ss->rcu, tid);
	__atomic_fetch_and(&ss->rcu_readers, ~(1u << slot), __ATOMIC_RELEASE);
	return rc;
}

void
dps_stack_sock_stats(const struct dps_stack *s, struct dps_sock_stats *st)
{
	const struct dps_sockets *ss = s->socks;
	struct rte_mempool *seen[DPS_MAX_LCORES];
	unsigned int n_seen = 0;

	memset(st, 0, sizeof(*st));
	if (ss == NULL || ss->pool == NULL)
		return;
	st->socks_in_use = rte_mempool_in_use_count(ss->pool);
	for (unsigned int i = 0; i < 65536; i++) {
		if (__atomic_load_n(&ss->tcp_ports[i], __ATOMIC_RELAXED) != 0)
			st->tcp_ports_held++;
		if (__atomic_load_n(&ss->udp_ports[i], __ATOMIC_RELAXED) != NULL)
			st->udp_ports_held++;
	}
	for (unsigned int i = 0; i < s->n_lcores; i++) {
		struct rte_mempool *mp = s->lc[i]->pool;
		bool dup = false;

		st->conns += __atomic_load_n(&s->lc[i]->n_conns, __ATOMIC_RELAXED);
		/* Relaxed: statistics, updated relaxed in dps_tcp_listen.c
		 * (half-open) and dps_tcp_glue.c (orphans). */
		st->half_open += __atomic_load_n(&s->lc[i]->n_half_open, __ATOMIC_RELAXED);
		st->orphans += __atomic_load_n(&s->lc[i]->n_orphans, __ATOMIC_RELAXED);
		st->time_wait += dps_tcp_tw_count(s->lc[i]);
		for (unsigned int k = 0; k < n_seen; k++)
			dup |= seen[k] == mp;
		if (!dup && mp != NULL) {
			seen[n_seen++] = mp;
			st->mbufs_in_use += rte_mempool_in_use_count(mp);
		}
	}
}
