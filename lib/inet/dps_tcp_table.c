/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP's per-lcore context and its connection table.
 *
 * The table (lib/util/dps_ctab.h) is open addressing with linear probing
 * at most half full, written only by its lcore and read with no lock
 * from other threads (dps_conn_info()) through per-slot versions. A slot
 * is one word {entry reference, 27 bits of hash as tag, version}; an
 * entry is a socket, or a compact TIME_WAIT entry (dps_tcp_timewait.c)
 * whose pointer, as the table hands it back, has the low bit set; the
 * key is the entry's own tuple.
 *
 * Room. The table holds max_conns connections (sockets and idle
 * entries: dps_tcp_table_add() refuses the next) plus max_tw_buckets
 * TIME_WAIT entries (dps_tws_enter() closes a connection without one
 * beyond them), so TIME_WAIT never keeps a connection out, as in Linux,
 * whose established hash has no bound and whose TIME_WAIT sockets have
 * tcp_max_tw_buckets. The table is made for both at once, at most half
 * full with max_conns entries and three quarters with both
 * (dps_ctab_create_dense(): at ten million connections, half full with
 * both would double the table, 256 MB to 512 MB an lcore); its pages
 * become resident as entries land, so a larger bound costs address
 * space, not memory written at start.
 *
 * Why not rte_hash any more. It was an rte_hash in lock-free
 * read/write-concurrency mode whose deleted key slots waited for a QSBR
 * grace period in a defer queue reclaimed every tick. Measured with
 * callgrind (bench/callgrind_http.sh), the table's work cost 3,851
 * instructions per HTTP connection, 7.9 % of both sides' cost: the
 * bucket-and-signature walk with its version counters on every lookup
 * and insert, and, per delete, a defer-queue enqueue that also calls
 * rte_log() each time, then the reclaim. One writer and a key every
 * entry already holds need none of that: here a lookup is a CRC of 16
 * bytes and a probe of one or two slots, a delete shifts a few
 * slots back, and nothing is reclaimed, because slots are reused in
 * place and entries are type-stable (sockets come from the socket
 * pool, TIME_WAIT entries from a fixed per-lcore array), so the
 * per-slot version is all a reader needs to know its entry is still
 * the one it found. The QSBR registration dps_conn_info() paid on every
 * call (four rte_rcu_qsbr calls) goes too. Measured after the change:
 * 1,176 instructions fewer per connection on the client side and 1,122
 * on the server side (callgrind_http.sh: 19,882 to 18,706 and 17,751
 * to 16,629), and 359 and 135 fewer per keep-alive request (a lookup
 * per segment); bench/conn_table: 32 bytes per entry against 80, a hit
 * lookup of 11.5 ns against 33.2 at 65,536 entries.
 *
 * Indices, not pointers: a slot is one 8-byte word (dps_ctab.h) that
 * names its entry by a 27-bit reference, a socket's index in the socket
 * pool (a dps_pool keeps its objects in one range, dps_pool_at()) or a
 * TIME_WAIT entry's index in the lcore's store beside them
 * (dps_tcp_ent_of()). The slot that held a pointer, a tag and a version
 * took 16 bytes: 54 bytes per connection at ten million, now 27, and a
 * ten-million table of 256 MB instead of 512 that a new tuple's lookup
 * misses in.
 *
 * Why not the NIC's RSS hash: the stack's RSS key is 0x6d5a repeated,
 * which makes Toeplitz symmetric but also periodic in 16 bits, so the
 * hash of a tuple depends only on the XOR of its six 16-bit words: at
 * most 65,536 distinct values (200,000 random peers of one server gave
 * 62,430), and flows whose words XOR alike share the whole hash, tag
 * included. A table of more than 65,536 slots (max_conns over 32,768)
 * could not use its other homes. So the device's m->hash.rss is not
 * reused. The hash is keyed instead (dps_tcp_hash(): multiply-shift with
 * the stack's random multipliers, some 20 instructions a lookup more
 * than CRC32-C's two crc32q), so that peers cannot choose tuples that
 * crowd one probe cluster; CRC32-C, which rte_hash used and this table
 * at first, is linear and unkeyed.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

static size_t
tws_memsize(uint32_t max)
{
	return sizeof(struct dps_tw_store) + (size_t)max * sizeof(struct dps_tws_ent);
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

/*
 * The TIME_WAIT store of @max entries, as the table (dps_ctab_create()):
 * zero pages that become resident as entries land. Entries are taken
 * from the free list, else the never-used one at the high-water mark
 * (tws->fresh), lowest first, so the resident part follows the most
 * entries ever held at once (56 bytes each) and nothing is written at
 * start; the lcore's thread touches the pages first, which puts them on
 * its NUMA node under the default policy.
 */
static struct dps_tw_store *
tws_make(uint32_t max)
{
	struct dps_tw_store *st = mmap(NULL, tws_memsize(max), PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (st == MAP_FAILED)
		return NULL;
	st->cap = max;
	st->head = st->tail = TW_NONE;
	st->free_head = TW_NONE;
	return st;
}

/* The lcore's TCP context: the connection table, the timer wheel and
 * the TIME_WAIT store (lcore_init of the TCP slot). */
int
dps_tcp_lcore_init(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = tcp_lcore_alloc(lc);
	struct dps_stack *s = lc->stack;
	struct dps_pool_stats ps;

	if (tl == NULL)
		return -ENOMEM;

	dps_pool_stats(dps_socks(s)->pool, &ps);
	tl->sock_base = dps_pool_at(dps_socks(s)->pool, 0);
	tl->sock_size = ps.elt_size;
	tl->sock_span = (uint64_t)ps.max * ps.elt_size;
	dps_pool_stats(dps_socks(s)->pool6, &ps);
	tl->sock6_base = dps_pool_at(dps_socks(s)->pool6, 0);
	tl->sock6_size = ps.elt_size;
	tl->conns = dps_ctab_create_dense(dps_socks(s)->conf.max_conns +
		dps_socks(s)->conf.max_tw_buckets, dps_socks(s)->conf.max_conns,
		dps_tcp_key_of, dps_tcp_ent_of, tl);
	if (tl->conns == NULL)
		return -ENOMEM;
	tl->tw = rte_zmalloc_socket("dps_tw", sizeof(*tl->tw), 0, lc->socket);
	if (tl->tw == NULL)
		return -ENOMEM;
	dps_tw_init(tl->tw, 0);
	tl->tws = tws_make(dps_socks(s)->conf.max_tw_buckets);
	tl->tw_max = dps_socks(s)->conf.max_tw_buckets;
	if (tl->tws == NULL || dps_tcp6_lcore_init(lc) != 0)
		return -ENOMEM;
	return dps_tcp_idle_init(lc);
}

/* Teardown, the lcores stopped: no reader is left. */
void
dps_tcp_lcore_fini(struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (tl == NULL)
		return;
	dps_ctab_destroy(tl->conns);
	rte_free(tl->tw);
	if (tl->tws != NULL)
		munmap(tl->tws, tws_memsize(tl->tws->cap));
	dps_tcp_idle_fini(lc);
	dps_tcp6_lcore_fini(lc);
	rte_free(tl);
	lc->ctx[DPS_PROTO_TCP] = NULL;
}

/* The table's entry for @t: a socket, a TIME_WAIT or idle entry (tagged),
 * or NULL. */
void *
dps_tcp_lookup_any(struct dps_lcore *lc, const struct dps_tuple *t)
{
	return dps_ctab_find_own(dps_tcp_lc(lc)->conns,
		dps_tcp_hash(dps_socks(lc->stack), t), t,
		dps_tcp_key_of, dps_tcp_ent_of);
}

/* The socket of @t, an idle connection woken for it (NULL when no socket
 * is free to wake it in). */
struct dps_sock *
dps_tcp_lookup(struct dps_lcore *lc, const struct dps_tuple *t)
{
	void *d = dps_tcp_lookup_any(lc, t);

	if (d != NULL && dps_tcp_is_idle(d))
		return dps_tcp_idle_wake(lc, dps_tcp_idle_of(d), dps_now(lc->stack));
	return d == NULL || dps_tcp_is_tw(d) ? NULL : d;
}

/* The table reference of entry @d (dps_tcp_ent_of() inverted): a socket
 * of the IPv4 pool by where it lies in the pool's range (one compare; a
 * tagged entry or an AF_INET6 pool object lies outside it), then the
 * tagged entries, then a v4-mapped connection's AF_INET6 socket. Always
 * inlined: with two callers gcc made it a call, 24 instructions more per
 * connection on the server (callgrind_http.sh). */
static __rte_always_inline uint32_t
tcp_ref_of(const struct dps_tcp_lcore *tl, void *d)
{
	uint64_t off = (uint64_t)((uintptr_t)d - (uintptr_t)tl->sock_base);

	if (likely(off < tl->sock_span))
		return (uint32_t)(off / tl->sock_size);
	if (dps_tcp_is_tw(d))
		return DPS_TCP_TW_REF + (uint32_t)(dps_tcp_tw_of(d) - tl->tws->e);
	if (dps_tcp_is_idle(d))
		return DPS_TCP_IDLE_REF + (uint32_t)(dps_tcp_idle_of(d) - tl->idles->e);
	return DPS_TCP_SOCK6_REF + (uint32_t)(((char *)d - tl->sock6_base) / tl->sock6_size);
}

int
dps_tcp_table_put(struct dps_lcore *lc, void *d)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	const struct dps_tuple *t = dps_tcp_key_of(d);

	return dps_ctab_put(tl->conns, dps_tcp_hash(dps_socks(lc->stack), t), t,
		tcp_ref_of(tl, d));
}

/* A new connection @sk (its key not in the table yet) enters it, or
 * -ENOBUFS when the lcore's table holds max_conns connections already:
 * its TIME_WAIT entries have room of their own beside them. */
int
dps_tcp_table_add(struct dps_lcore *lc, struct dps_sock *sk)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (dps_tcp_table_full(lc, tl->conns, &tl->tws->n))
		return -ENOBUFS;
	return dps_tcp_table_put(lc, sk);
}

/* dps_tcp_lookup_any() that also tells @h where @t would go in the
 * table (dps_ctab_find_own_hole()), for dps_tcp_table_add_hole(). */
void *
dps_tcp_lookup_hole(struct dps_lcore *lc, const struct dps_tuple *t,
	struct dps_ctab_hole *h)
{
	return dps_ctab_find_own_hole(dps_tcp_lc(lc)->conns,
		dps_tcp_hash(dps_socks(lc->stack), t), t,
		dps_tcp_key_of, dps_tcp_ent_of, h);
}

/* dps_tcp_table_add() of @sk, whose tuple dps_tcp_lookup_hole() looked up
 * last and described in @h: connect() enters the tuple it has just
 * checked with no second hash or probe (dps_ctab_put_hole()): 31
 * instructions fewer a connect (bench/open_count.sh, callgrind). */
int
dps_tcp_table_add_hole(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_ctab_hole *h)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (dps_tcp_table_full(lc, tl->conns, &tl->tws->n))
		return -ENOBUFS;
	return dps_ctab_put_hole(tl->conns, h, &sk->tup, tcp_ref_of(tl, sk));
}

/* Delete @t's key; the slot is free at once. */
void
dps_tcp_table_del(struct dps_lcore *lc, const struct dps_tuple *t)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);

	if (dps_ctab_del(tl->conns, dps_tcp_hash(dps_socks(lc->stack), t), t) == 0)
		dps_tcp_stat_own_add(&tl->n_conns, -1);
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
	dps_tcp_stat_own_add(&tl->n_conns, 1);
}
