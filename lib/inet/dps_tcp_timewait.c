/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compact TIME_WAIT (Linux's inet_timewait_sock): when a connection
 * enters TIME_WAIT a 56-byte entry of a per-lcore store takes its key in
 * the connection table and the socket goes back to the pool. Entries
 * answer segments for their tuple, expire in arrival order after 60 s,
 * and may be taken over by a new connection (tcp_twsk_unique()).
 *
 * How many: at most max_tw_buckets entries on an lcore, the IPv4 and
 * IPv6 stores together, as Linux's inet_twsk_alloc() refuses a time-wait
 * socket once tcp_max_tw_buckets are held (one count per namespace,
 * shared by both families); the connection then closes without
 * TIME_WAIT (tcp_time_wait(): TCPTimeWaitOverflow, here tcp_tw_overflow).
 * The connection table keeps room for that many entries beside
 * max_conns connections (dps_tcp_table.c), so TIME_WAIT never fills it.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- TIME_WAIT ---- */

static void
tw_fifo_push(struct dps_tw_store *st, uint32_t i)
{
	st->e[i].next = TW_NONE;
	if (st->tail == TW_NONE)
		st->head = i;
	else
		st->e[st->tail].next = i;
	st->tail = i;
}

/*
 * The port hold a TIME_WAIT entry of @sk (of either family's store),
 * which holds none as a connection, keeps when bind() held the port (Linux keeps the time-wait
 * socket in the port's bind bucket): the one close() left for it, or a
 * new one while the application still has the socket. The flag is read
 * before the exchange: close() sets bind_hold before it clears the flag,
 * so one of the two is seen.
 */
uint8_t
dps_tw_bind_hold(struct dps_lcore *lc, struct dps_sock *sk)
{
	bool bound = dps_sock_explicit_bind(sk);
	uint8_t h = dps_sock_take_bind_hold(sk);

	if (h != DPS_PORT_FREE || !bound)
		return h;
	RTE_SET_USED(lc);
	return dps_sock_port_hold(sk);	/* the IPv4 or IPv6 word */
}

/*
 * @sk entered TIME_WAIT: a 56-byte entry takes its key in the table (an
 * in-place data update, so lock-free readers see one or the other) and
 * the socket is released as Linux's tcp_time_wait() releases it. Over
 * max_tw_buckets (dps_tws_room()), or with the store's every entry
 * still queued for expiry, the socket simply closes.
 */
void
dps_tws_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_tw_store *st = tl->tws;
	uint32_t i = st->free_head;
	struct dps_tws_ent *e;

	if (unlikely(dps_tcp_is_v6(sk))) {	/* a store of its own (dps_tcp6_tw.c) */
		dps_tws6_enter(lc, sk, now);
		return;
	}
	if (!dps_tws_room(lc)) {
		dps_tcp_done(lc, sk, 0);
		return;
	}
	if (i == TW_NONE && st->fresh < st->cap)
		st->e[i = st->fresh++].next = TW_NONE;	/* first use */
	if (i == TW_NONE) {
		DPS_CNT_INC(&lc->cnt, tcp_tw_overflow);
		dps_tcp_done(lc, sk, 0);
		return;
	}
	e = &st->e[i];
	st->free_head = e->next;
	dps_tcp_tw_from(&e->tw, &sk->tcb, now);
	e->tup = sk->tup;
	e->port_held = sk->port_held;
	if (e->port_held == DPS_PORT_FREE)
		e->port_held = dps_tw_bind_hold(lc, sk);
	if (dps_tcp_table_put(lc, (void *)((uintptr_t)e | TW_TAG)) != 0) {
		if (e->port_held != sk->port_held)
			dps_port_release(dps_socks(lc->stack), e->tup.lport, &e->port_held);
		e->next = st->free_head;
		st->free_head = i;
		dps_tcp_done(lc, sk, 0);
		return;
	}
	dps_tcp_stat_own_add(&st->n, 1);
	tl->tw_held++;
	DPS_CNT_INC(&lc->cnt, tcp_time_wait);
	tw_fifo_push(st, i);
	/* The port stays held by the entry until it expires. */
	sk->port_held = DPS_PORT_FREE;
	dps_tcp_finish(lc, sk, 0, true);
}

/* The entry ends: out of the table, port back. */
static void
tw_kill(struct dps_lcore *lc, struct dps_tws_ent *e)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	dps_tcp_table_del(lc, &e->tup);
	dps_tcp_stat_own_add(&tl->tws->n, -1);
	tl->tw_held--;
	e->tw.expire_s = 0;		/* on the FIFO until its turn, then freed */
	dps_port_release(dps_socks(lc->stack), e->tup.lport, &e->port_held);
}

/* Expire entries whose 2MSL is over; freed slots go back to the list. */
void
dps_tws_expire(struct dps_lcore *lc, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_tw_store *st = tl->tws;
	uint32_t now_s = (uint32_t)(now / 1000000000ull);

	while (st->head != TW_NONE) {
		uint32_t i = st->head;
		struct dps_tws_ent *e = &st->e[i];

		if (e->tw.expire_s != 0 && (int32_t)(e->tw.expire_s - now_s) > 0)
			break;
		st->head = e->next;
		if (st->head == TW_NONE)
			st->tail = TW_NONE;
		if (e->tw.expire_s != 0)
			tw_kill(lc, e);
		/* The entry goes back to the free list at once, to be reused by
		 * the next connection to enter TIME_WAIT: nothing waits for
		 * readers. A lock-free reader (dps_conn_info()) that found it
		 * before it left the table may still read it, from the fixed
		 * array, never unmapped memory; it confirms what it read by the
		 * slot's version (dps_ctab_still()), which the deletion bumped,
		 * and so never takes a reused entry for the one it found. */
		e->next = st->free_head;
		st->free_head = i;
	}
	dps_tws6_expire(lc, now);
}

uint32_t
dps_tcp_tw_count(const struct dps_lcore *lc)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	return tl->tws != NULL ? dps_tcp_stat(&tl->tws->n) + dps_tcp6_tw_count(lc) : 0;
}

/* A segment for a TIME_WAIT entry (Linux tcp_timewait_state_process()). */
bool
dps_tws_input(struct dps_lcore *lc, struct dps_tws_ent *e, const struct dps_tcp_seg *seg,
	uint64_t now)
{
	struct dps_tcp_out out;

	switch (dps_tcp_tw_input(&e->tw, seg, now, &out)) {
	case DPS_TW_ACK:
		dps_tcp_xmit_out(lc, &e->tup, &out, &lc->ip_id, now);
		break;
	case DPS_TW_KILL:
		tw_kill(lc, e);
		break;
	case DPS_TW_SYN:
		tw_kill(lc, e);
		return false;	/* the SYN goes on to the listener */
	default:
		break;
	}
	return true;
}

static bool
tuple_is_loopback(const struct dps_tuple *t)
{
	return (rte_be_to_cpu_32(t->laddr) >> 24) == 127 ||
		(rte_be_to_cpu_32(t->raddr) >> 24) == 127;
}

/*
 * Linux tcp_twsk_unique(): may connect take over the table's entry @d
 * for a wanted tuple? Only a TIME_WAIT entry whose timestamps protect
 * the new incarnation: with a port the application bound, at any age;
 * with autobind (@autobind), as the stack's tw_reuse setting says
 * (loopback only by default, so never here) and once it is a second old
 * (dps_tcp_tw_reusable()). Returns that entry and its ISN floor, or
 * NULL; nothing changes until dps_tws_take_over().
 */
struct dps_tws_ent *
dps_tws_usable(const struct dps_lcore *lc, void *d, bool autobind, uint64_t now,
	uint32_t *isn_floor)
{
	uint8_t mode = dps_socks(lc->stack)->conf.tw_reuse;
	struct dps_tws_ent *e;

	if (!dps_tcp_is_tw(d))
		return NULL;
	e = dps_tcp_tw_of(d);
	if (!autobind)
		return dps_tcp_tw_bound_reusable(&e->tw, isn_floor) ? e : NULL;
	if (mode == DPS_TW_REUSE_OFF ||
			(mode == DPS_TW_REUSE_LOOPBACK && !tuple_is_loopback(&e->tup)))
		return NULL;
	return dps_tcp_tw_reusable(&e->tw, now, isn_floor) ? e : NULL;
}

/* The new connection takes the tuple of TIME_WAIT entry @e. */
void
dps_tws_take_over(struct dps_lcore *lc, struct dps_tws_ent *e)
{
	tw_kill(lc, e);
	DPS_CNT_INC(&lc->cnt, tcp_tw_reused);
}
