/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP's per-lcore context and its connection table.
 *
 * The table is an rte_hash in lock-free read/write-concurrency mode
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) written only by its lcore, so
 * other threads can look connections up with no lock (dps_conn_info()).
 * A deleted key slot is freed only after a grace period of the stack's
 * QSBR variable, through a defer queue this file owns and reclaims on
 * every housekeeping tick. (rte_hash's built-in RCU mode reclaims only on
 * the next delete, so the last deleted entry stayed counted forever.)
 * An entry is a socket, or a compact TIME_WAIT entry (dps_tcp_timewait.c)
 * whose pointer has the low bit set.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* Defer-queue callback: key slots whose grace period has passed. */
static void
conn_slot_free(void *p, void *e, unsigned int n)
{
	const uint64_t *pos = e;

	for (unsigned int i = 0; i < n; i++)
		rte_hash_free_key_with_position(p, (int32_t)pos[i]);
}

static struct dps_tcp_lcore *
tcp_lcore_alloc(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = rte_zmalloc_socket("dps_tcp_lcore", sizeof(*tl),
		RTE_CACHE_LINE_SIZE, lc->socket);

	lc->ctx[DPS_PROTO_TCP] = tl;
	if (tl != NULL)
		TAILQ_INIT(&tl->out_due);
	return tl;
}

/* The lcore's TCP context: the connection table, its defer queue, the
 * timer wheel and the TIME_WAIT store (lcore_init of the TCP slot). */
int
dps_tcp_lcore_init(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = tcp_lcore_alloc(lc);
	struct dps_stack *s = lc->stack;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = dps_socks(s)->conf.max_conns,
		.key_len = sizeof(struct dps_tuple),
		.hash_func = rte_hash_crc,
		.socket_id = lc->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dqname,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,	/* this lcore only */
		.size = dps_socks(s)->conf.max_conns,
		.esize = sizeof(uint64_t),
		.trigger_reclaim_limit = dps_socks(s)->conf.max_conns / 2,
		.max_reclaim_size = 256,
		.free_fn = conn_slot_free,
		.v = s->rcu,
	};

	if (tl == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s_conn%u", s->conf.name ? s->conf.name : "dps",
		lc->idx);
	snprintf(dqname, sizeof(dqname), "%s_cdq%u",
		s->conf.name ? s->conf.name : "dps", lc->idx);
	tl->conns = rte_hash_create(&hp);
	if (tl->conns == NULL)
		return -ENOMEM;
	dp.p = tl->conns;
	tl->conns_dq = rte_rcu_qsbr_dq_create(&dp);
	if (tl->conns_dq == NULL)
		return -ENOMEM;
	tl->tw = rte_zmalloc_socket("dps_tw", sizeof(*tl->tw), 0, lc->socket);
	if (tl->tw == NULL)
		return -ENOMEM;
	dps_tw_init(tl->tw, 0);
	tl->tws = rte_zmalloc_socket("dps_tws", sizeof(*tl->tws) +
		(size_t)dps_socks(s)->conf.max_conns * sizeof(struct dps_tws_ent), 0, lc->socket);
	if (tl->tws == NULL)
		return -ENOMEM;
	tl->tws->cap = dps_socks(s)->conf.max_conns;
	tl->tws->head = tl->tws->tail = TW_NONE;
	for (uint32_t i = 0; i < tl->tws->cap; i++)
		tl->tws->e[i].next = i + 1 < tl->tws->cap ? i + 1 : TW_NONE;
	tl->tws->free_head = 0;
	return 0;
}

/* Teardown, the lcores stopped and offline in the QSBR variable, so
 * every grace period is over. */
void
dps_tcp_lcore_fini(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (tl == NULL)
		return;
	if (tl->conns_dq != NULL && rte_rcu_qsbr_dq_delete(tl->conns_dq) != 0)
		RTE_LOG(WARNING, USER1, "dpstack: connection slots still deferred\n");
	rte_hash_free(tl->conns);
	rte_free(tl->tw);
	rte_free(tl->tws);
	rte_free(tl);
	lc->ctx[DPS_PROTO_TCP] = NULL;
}

/* The table's entry for @t: a socket, a TIME_WAIT entry (tagged), or NULL. */
void *
dps_tcp_lookup_any(struct dps_lcore *lc, const struct dps_tuple *t)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	void *data;

	if (rte_hash_lookup_data(tl->conns, t, &data) < 0)
		return NULL;
	return data;
}

struct dps_sock *
dps_tcp_lookup(struct dps_lcore *lc, const struct dps_tuple *t)
{
	void *d = dps_tcp_lookup_any(lc, t);

	return d == NULL || dps_tcp_is_tw(d) ? NULL : d;
}

/* Delete @t's key; its slot returns after a grace period. */
void
dps_tcp_table_del(struct dps_lcore *lc, const struct dps_tuple *t)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	int32_t pos = rte_hash_del_key(tl->conns, t);

	if (pos >= 0) {
		uint64_t e = (uint64_t)pos;

		/* Cannot be full: it is as large as the table. */
		(void)rte_rcu_qsbr_dq_enqueue(tl->conns_dq, &e);
		dps_tcp_stat_own_add(&tl->n_conns, -1);
	}
}

/* The table now holds @sk (and a reference to it). */
void
dps_tcp_conn_add(struct dps_lcore *lc, struct dps_sock *sk)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	dps_obj_ref(&sk->obj);
	sk->in_table = true;
	memset(&sk->path, 0, sizeof(sk->path));	/* a new destination */
	dps_sock_set_owner(sk, (int)lc->idx);
	dps_tcb_attach_limit(&sk->tcb, &tl->chlim);
	dps_tcp_stat_own_add(&tl->n_conns, 1);
}
