/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's life on its lcore after each event: what the TCB
 * reported (dps_tcb_ev) is published to the socket's readers (state,
 * shutdown, so_error, wake-ups), acknowledged bytes leave the send
 * buffer, and a connection that is over leaves the table (tcp_done()).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- publishing to readers ---- */

void
dps_tcp_set_state(struct dps_sock *sk, uint8_t state)
{
	dps_sock_publish_state(sk, state);
}

/* Free what a finished connection can no longer send. */
static void
conn_drop_send(struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_txq(sk);
	void *m;

	dps_tcp_snd_drop(sk, UINT32_MAX);
	while (r != NULL && rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/*
 * The connection is over (tcp_done()): out of the table, timer off, port
 * back unless bind() owns it, error and hang-up published, and the
 * lcore's reference dropped. @err 0 publishes no error. @keep_key: the
 * key stays because a TIME_WAIT entry took it over.
 */
void
dps_tcp_finish(struct dps_lcore *lc, struct dps_sock *sk, int err, bool keep_key)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sockets *ss = dps_socks(lc->stack);
	/* A child that never reached the accept queue still holds the
	 * reference the queue would have taken over. */
	bool unqueued = dps_sock_parent(sk) != NULL && sk->in_synq;

	if (!sk->in_table)
		return;
	dps_tcp_undue(lc, sk);
	if (!keep_key && unlikely(dps_tcp_is_v6(sk)))
		dps_tcp6_table_del(lc, &dps_sock6(sk)->key);
	else if (!keep_key)
		dps_tcp_table_del(lc, &sk->tup);
	sk->in_table = false;
	if (sk->tcb.orphan)	/* Relaxed: a statistic */
		dps_tcp_stat_add(&tl->n_orphans, -1);
	dps_tw_cancel(tl->tw, &sk->timer);
	if (!keep_key)
		dps_port_release(ss, dps_sock_lport(sk), &sk->port_held);
	if (err != 0 && dps_sock_state_own(sk) ==
			DPS_TCP_SYN_SENT)
		DPS_CNT_INC(&lc->cnt, tcp_conn_failed);
	DPS_CNT_INC(&lc->cnt, tcp_closed);
	if (dps_sock_parent(sk) != NULL)
		dps_tcp_child_gone(sk);
	conn_drop_send(sk);
	dps_tcp_ooo_free(sk);
	dps_tcb_set_closed(&sk->tcb, 0);
	dps_tcp_x_drop(sk);
	if (err != 0)
		dps_sock_publish_error(sk, err);
	dps_sock_publish_shutdown(sk, DPS_SHUTDOWN_MASK);
	dps_tcp_set_state(sk, DPS_TCP_CLOSE);
	dps_sock_notify(sk, err != 0 ? DPS_CB_ERROR : DPS_CB_NONE);
	if (unqueued)
		dps_sock_put(sk);
	dps_sock_put(sk);
}

void
dps_tcp_done(struct dps_lcore *lc, struct dps_sock *sk, int err)
{
	dps_tcp_finish(lc, sk, err, false);
}

/* ---- events ---- */

/* Data bytes (not SYN or FIN) between sequence numbers @a and @b. */
static uint32_t
data_between(const struct dps_tcb *t, uint32_t a, uint32_t b)
{
	/* The SYN sits at iss and the FIN at snd_end; nothing else lies
	 * outside the data. Compare with those two exactly: iss is more than
	 * 2^31 behind once that much has been sent, where sequence order
	 * says it is ahead (this once stalled every connection at 2 GiB). */
	if (a == t->iss)
		a++;
	if (dps_seq_gt(b, t->snd_end))
		b = t->snd_end;
	return dps_seq_gt(b, a) ? b - a : 0;
}

/* Acknowledged bytes leave the send buffer; writers may go on. */
static void
tcp_acked(struct dps_sock *sk, uint32_t una0)
{
	uint32_t n = data_between(&sk->tcb, una0, sk->tcb.snd_una);

	if (n == 0)
		return;
	dps_tcp_snd_drop(sk, n);
	dps_sock_snd_queued_sub(sk, n);
	dps_sock_notify(sk, DPS_CB_WRITABLE);
}

/* The published state follows the TCB's. */
static void
tcp_publish_state(struct dps_sock *sk)
{
	uint8_t st = sk->tcb.state, old = dps_sock_state_own(sk);

	if (st == DPS_TCPS_CLOSE || old == st)
		return;
	dps_tcp_set_state(sk, st);
	/* A close() under SO_LINGER waits for the end of these. */
	if (old == DPS_TCPS_FIN_WAIT1 || old == DPS_TCPS_CLOSING ||
			old == DPS_TCPS_LAST_ACK)
		dps_sock_notify(sk, DPS_CB_NONE);
}

/*
 * Publish what the TCB reported (dps_tcb_ev bits) after input, a timer or
 * an application request, then send what is due. @una0 is snd_una before.
 */
void
dps_tcp_after(struct dps_lcore *lc, struct dps_sock *sk, int ev, uint32_t una0,
	uint64_t now)
{
	if (ev & DPS_TCB_ACKED) {
		tcp_acked(sk, una0);
		dps_tcb_acked(&sk->tcb);
	}
	if (ev & DPS_TCB_CLOSED) {
		dps_tcp_done(lc, sk, sk->tcb.err);
		return;
	}
	tcp_publish_state(sk);
	if (ev & DPS_TCB_CONNECTED) {
		if (dps_sock_parent(sk) != NULL) {
			if (!dps_tcp_child_established(lc, sk))
				return;	/* reset and released: hands off */
		} else {
			DPS_CNT_INC(&lc->cnt, tcp_established);
			/* The handshake left pingpong mode (TCP_QUICKACK). */
			if (!sk->tcb.pingpong)
				dps_sock_set_flag(sk, DPS_OPT_PINGPONG, false);
			dps_sock_notify(sk, DPS_CB_CONNECTED);
		}
	}
	if (ev & DPS_TCB_PEER_FIN)
		dps_sock_add_shutdown(sk, DPS_RCV_SHUTDOWN);
	if (ev & (DPS_TCB_DATA | DPS_TCB_PEER_FIN))
		dps_sock_notify(sk, DPS_CB_READABLE);
	if (!(ev & DPS_TCB_TIME_WAIT) && sk->tcb.state != DPS_TCPS_CLOSE) {
		dps_tcp_due(lc, sk);	/* with the rest of the iteration */
		return;
	}
	/* Nothing can join what is owed: it leaves now. */
	dps_tcp_undue(lc, sk);
	dps_tcp_output(lc, sk, now);
	if (ev & DPS_TCB_TIME_WAIT)
		dps_tws_enter(lc, sk, now);
	else
		dps_tcp_done(lc, sk, sk->tcb.err);
}
