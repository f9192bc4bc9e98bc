/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP's IPv6 context on an lcore: a second connection table, of 40-byte
 * keys (struct dps_tuple6), over the AF_INET6 socket pool, and the store
 * of IPv6 TIME_WAIT entries beside it (dps_tcp6_tw.c).
 *
 * Why a second table rather than wider keys in the one table: the IPv4
 * table's lookups compare a 16-byte key as a constant (dps_ctab_find_own()),
 * which is what every IPv4 segment pays; a table of 40-byte keys costs
 * IPv6 lookups ten words of compare and leaves the IPv4 path as it was.
 * An entry is named by the same 27-bit references as in the IPv4 table:
 * a socket's index, here in the AF_INET6 pool, or DPS_TCP_TW_REF plus the
 * index of a TIME_WAIT entry in this lcore's IPv6 store; TIME_WAIT
 * entries carry the same tag bit (TW_TAG). Room as in the IPv4 table:
 * max_conns connections plus the TIME_WAIT entries' own
 * (max_tw_buckets, a bound the two families share).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include "dps_tcp_priv.h"

#define KEY_WORDS (sizeof(struct dps_tuple6) / 4)

/* The key of entry @d: the socket's IPv6 side, or the TIME_WAIT entry's. */
static inline const void *
tcp6_key_of(const void *d)
{
	if (dps_tcp_is_tw(d))
		return &dps_tcp_tw6_of((void *)(uintptr_t)d)->tup;
	return &((const struct dps_sock6 *)d)->v6.key;
}

/* The entry of reference @ref in the IPv6 table of context @ctx. */
static inline void *
tcp6_ent_of(const void *ctx, uint32_t ref)
{
	const struct dps_tcp6_lcore *t6 = ctx;

	if (ref < DPS_TCP_TW_REF)
		return t6->sock_base + (size_t)ref * t6->sock_size;
	return (void *)((uintptr_t)&t6->tws->e[ref - DPS_TCP_TW_REF] | TW_TAG);
}

static uint32_t
tcp6_ref_of(const struct dps_tcp6_lcore *t6, void *d)
{
	if (dps_tcp_is_tw(d))
		return DPS_TCP_TW_REF + (uint32_t)(dps_tcp_tw6_of(d) - t6->tws->e);
	return (uint32_t)(((char *)d - t6->sock_base) / t6->sock_size);
}

static size_t
tws6_memsize(uint32_t max)
{
	return sizeof(struct dps_tws6_store) + (size_t)max * sizeof(struct dps_tws6_ent);
}

/* The store as the IPv4 one (dps_tcp_table.c): zero pages that become
 * resident as entries are first used. */
static struct dps_tws6_store *
tws6_make(uint32_t max)
{
	struct dps_tws6_store *st = mmap(NULL, tws6_memsize(max),
		PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (st == MAP_FAILED)
		return NULL;
	st->cap = max;
	st->head = st->tail = TW_NONE;
	st->free_head = TW_NONE;
	return st;
}

int
dps_tcp6_lcore_init(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_tcp6_lcore *t6;
	struct dps_pool_stats ps;

	t6 = rte_zmalloc_socket("dps_tcp6_lcore", sizeof(*t6), RTE_CACHE_LINE_SIZE,
		lc->socket);
	if (t6 == NULL)
		return -ENOMEM;
	tl->v6 = t6;
	dps_pool_stats(ss->pool6, &ps);
	t6->sock_base = dps_pool_at(ss->pool6, 0);
	t6->sock_size = ps.elt_size;
	t6->conns = dps_ctab_create_dense(ss->conf.max_conns + ss->conf.max_tw_buckets,
		ss->conf.max_conns, tcp6_key_of, tcp6_ent_of, t6);
	if (t6->conns == NULL ||
			dps_ctab_set_key_len(t6->conns, sizeof(struct dps_tuple6)) != 0)
		return -ENOMEM;
	t6->tws = tws6_make(ss->conf.max_tw_buckets);
	return t6->tws == NULL ? -ENOMEM : 0;
}

void
dps_tcp6_lcore_fini(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_tcp6_lcore *t6 = tl != NULL ? tl->v6 : NULL;

	if (t6 == NULL)
		return;
	dps_ctab_destroy(t6->conns);
	if (t6->tws != NULL)
		munmap(t6->tws, tws6_memsize(t6->tws->cap));
	rte_free(t6);
	tl->v6 = NULL;
}

void *
dps_tcp6_lookup_any(struct dps_lcore *lc, const struct dps_tuple6 *t)
{
	const struct dps_tcp6_lcore *t6 = dps_tcp_lc(lc)->v6;

	return dps_ctab_find_own_k(t6->conns, dps_tcp_hash6(dps_socks(lc->stack), t), t,
		tcp6_key_of, tcp6_ent_of, KEY_WORDS);
}

/* The same from any thread, with no lock (dps_ctab_find()): for
 * dps_conn_info(), which confirms its reads with @tk. */
void *
dps_tcp6_find(struct dps_lcore *lc, const struct dps_tuple6 *t,
	struct dps_ctab_ticket *tk)
{
	const struct dps_tcp6_lcore *t6 = dps_tcp_lc(lc)->v6;

	if (t6 == NULL)
		return NULL;
	return dps_ctab_find_k(t6->conns, dps_tcp_hash6(dps_socks(lc->stack), t), t,
		tcp6_key_of, tcp6_ent_of, tk, KEY_WORDS);
}

/* The key of the IPv6 table's entry @d (a socket or a tagged TIME_WAIT
 * entry). */
const struct dps_tuple6 *
dps_tcp6_key_of(const void *d)
{
	return tcp6_key_of(d);
}

/* The ports and protocol of @sk's key follow its IPv4 tuple, which keeps
 * them for both families. */
void
dps_tcp6_key_fill(struct dps_sock *sk)
{
	struct dps_tuple6 *k = &dps_sock6(sk)->key;

	k->lport = sk->tup.lport;
	k->rport = sk->tup.rport;
	k->proto = IPPROTO_TCP;
	memset(k->pad, 0, sizeof(k->pad));
}

int
dps_tcp6_table_put(struct dps_lcore *lc, void *d)
{
	struct dps_tcp6_lcore *t6 = dps_tcp_lc(lc)->v6;
	const struct dps_tuple6 *k;

	if (!dps_tcp_is_tw(d))
		dps_tcp6_key_fill(d);
	k = tcp6_key_of(d);
	return dps_ctab_put_k(t6->conns, dps_tcp_hash6(dps_socks(lc->stack), k), k,
		tcp6_ref_of(t6, d));
}

/* A new IPv6 connection @sk enters the table, or -ENOBUFS with
 * max_conns connections there already (dps_tcp_table_full(), the IPv4
 * table's rule). */
int
dps_tcp6_table_add(struct dps_lcore *lc, struct dps_sock *sk)
{
	struct dps_tcp6_lcore *t6 = dps_tcp_lc(lc)->v6;

	if (dps_tcp_table_full(lc, t6->conns, &t6->tws->n))
		return -ENOBUFS;
	return dps_tcp6_table_put(lc, sk);
}

void
dps_tcp6_table_del(struct dps_lcore *lc, const struct dps_tuple6 *t)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (dps_ctab_del_k(tl->v6->conns, dps_tcp_hash6(dps_socks(lc->stack), t), t) == 0)
		dps_tcp_stat_own_add(&tl->n_conns, -1);
}
