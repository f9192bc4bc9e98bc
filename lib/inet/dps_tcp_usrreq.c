/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests from application threads, done on the connection's lcore
 * (FreeBSD's tcp_usrreq.c): abort, close, shutdown, queued data to send,
 * a reader's freed space and changed options.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/*
 * Abort (tcp_disconnect() for AF_UNSPEC, close() with unread data or
 * SO_LINGER 0): a RST where Linux sends one, ECONNRESET for a connection
 * that was connecting or up, the entry gone. @drop_ref: the message
 * carried a reference (close).
 */
void
dps_tcp_do_abort(struct dps_lcore *lc, struct dps_sock *sk, bool drop_ref,
	uint64_t now)
{
	struct dps_tcp_out out;

	if (sk->in_table) {
		unsigned int n;

		/* What this iteration already owed leaves first: Linux would
		 * have sent it before the abort came (the ACK of a SYN-ACK
		 * goes at once unless a write is pending). */
		if (sk->out_due) {
			dps_tcp_undue(lc, sk);
			dps_tcp_output(lc, sk, now);
		}
		n = dps_tcb_abort(&sk->tcb, now, &out);

		dps_tcp_xmit_all(lc, sk, &out, n, now);
		dps_tcp_done(lc, sk, drop_ref ? 0 : sk->tcb.err);
	}
	if (drop_ref)
		dps_sock_put(sk);
}

/* Unread data at close: Linux's tcp_close() resets the connection. */
static bool
tcp_unread(const struct dps_sock *sk)
{
	const struct rte_ring *r = dps_sock_rxq(sk);

	return dps_sock_rx_cur(sk) != NULL || (r != NULL && rte_ring_count(r) != 0);
}

/*
 * close() from the application (tcp_close()): the message carries the
 * descriptor's reference, dropped here. A RST for unread data or SO_LINGER
 * 0 (RFC 9293 3.10.4 ABORT via 3.6, RFC 2525 2.17); otherwise the FIN
 * goes out after the queued data and the connection finishes orphaned.
 */
void
dps_tcp_do_close(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	uint32_t una0 = sk->tcb.snd_una;
	int ev;

	sk->cbset = 0;			/* nobody to call once closed */
	if (!sk->in_table) {
		dps_sock_put(sk);
		return;
	}
	if (dps_sock_abort_on_close(sk) || tcp_unread(sk) ||
			sk->tcb.state == DPS_TCPS_SYN_SENT) {
		dps_tcp_do_abort(lc, sk, true, now);
		return;
	}
	dps_tcp_do_tx(lc, sk, now);	/* what the writer queued goes first */
	if (!sk->in_table) {
		dps_sock_put(sk);
		return;
	}
	sk->tcb.orphan = true;
	dps_tcp_stat_add(&tl->n_orphans, 1);
	ev = dps_tcb_shutdown(&sk->tcb, now);
	if (sk->tcb.state == DPS_TCPS_FIN_WAIT2 && sk->tcb.ka_at == 0)
		sk->tcb.ka_at = now + DPS_TCP_FIN_TIMEOUT_NS;
	dps_tcp_after(lc, sk, ev | DPS_TCB_OUTPUT, una0, now);
	dps_sock_put(sk);
}

/* shutdown(SHUT_WR) on the lcore. */
int
dps_tcp_do_shutdown(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	uint32_t una0 = sk->tcb.snd_una;
	int ev;

	if (!sk->in_table)
		return -ENOTCONN;
	dps_tcp_do_tx(lc, sk, now);
	if (!sk->in_table)
		return 0;
	ev = dps_tcb_shut_wr(&sk->tcb, now);
	dps_tcp_after(lc, sk, ev | DPS_TCB_OUTPUT, una0, now);
	return 0;
}

/*
 * The writer queued mbufs on txq: move them to the send buffer and send.
 * The kick flag is cleared before draining, so a writer that enqueues
 * after the drain posts a new message.
 */
void
dps_tcp_do_tx(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct rte_mbuf *ms[64];
	struct rte_ring *r;
	unsigned int n;
	uint32_t bytes = 0, pushed = 0;

	dps_sock_kick_clear(&sk->tx_kick);
	r = dps_sock_txq(sk);
	/* The send buffer is in the cold half; without one the writes stay
	 * on txq for the next call (the pool has one per socket). */
	if (r == NULL || !dps_tcp_x_hold(lc, sk))
		return;
	do {
		n = rte_ring_sc_dequeue_burst(r, (void **)ms, RTE_DIM(ms), NULL);
		for (unsigned int i = 0; i < n; i++) {
			bool push = dps_snd_is_push(ms[i]);

			bytes += dps_tcp_snd_append(sk, ms[i]);
			if (push)
				pushed = bytes;		/* the last write's end */
		}
	} while (n == RTE_DIM(ms));
	if (!sk->in_table || sk->tcb.fin_queued ||
			(sk->tcb.state != DPS_TCPS_ESTABLISHED &&
			 sk->tcb.state != DPS_TCPS_CLOSE_WAIT)) {
		/* Nothing can carry them any more: the writer saw EPIPE or
		 * will. */
		if (!sk->tcb.fin_queued || !sk->in_table) {
			dps_tcp_snd_drop(sk, UINT32_MAX);
			dps_sock_snd_queued_sub(sk, bytes);
			return;
		}
	}
	if (bytes == 0)
		return;
	/* Queued up to the last write that ended, marked, then the rest,
	 * which a write with MSG_MORE left unmarked. */
	dps_tcb_queue(&sk->tcb, pushed);
	if (pushed != 0)
		dps_tcb_mark_push(&sk->tcb);
	dps_tcb_queue(&sk->tcb, bytes - pushed);
	dps_tcb_set_more(&sk->tcb, bytes != pushed);
	dps_tcp_due(lc, sk);
}

/*
 * Options an application thread set (setsockopt() writes only sk->opt and
 * kicks) reach the TCB here, on its lcore, so nothing but the lcore ever
 * changes the TCB. Returns whether output is due.
 */
static bool
tcp_opts_sync(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcb_opts o = {
		.keepalive = dps_sock_opt(sk, keepalive),
		.nodelay = dps_sock_opt(sk, nodelay),
		.cork = dps_sock_flag(sk, DPS_OPT_CORK),
		.pingpong = dps_sock_flag(sk, DPS_OPT_PINGPONG),
		.quickack = dps_sock_flag_take(sk, DPS_OPT_QUICKACK),
		.keepidle_s = dps_sock_opt(sk, keepidle_s),
		.keepintvl_s = dps_sock_opt(sk, keepintvl_s),
		.keepcnt = dps_sock_opt(sk, keepcnt),
		.user_timeout_ms = dps_sock_opt(sk, user_timeout_ms),
	};

	/* Without the cold half the settings wait for the next segment or
	 * write, which hold it (dps_tcp_x_hold() fails only on an empty
	 * pool, and the pool has one per socket). */
	if (!dps_tcp_x_hold(lc, sk))
		return false;
	return dps_tcb_set_opts(&sk->tcb, &o, now);
}

/* The reader freed space, or an option changed: maybe announce the
 * larger window now. */
void
dps_tcp_do_wnd(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	bool out;

	dps_sock_kick_clear(&sk->wnd_kick);
	if (!sk->in_table)
		return;
	/* Most kicks are a reader's window: the options are applied only
	 * when setsockopt() changed them (about 100 instructions per kick).
	 * Acquire: pairs with the release in dps_tcp_kick_wnd(). */
	out = __atomic_exchange_n(&sk->opts_changed, 0, __ATOMIC_ACQUIRE) &&
		tcp_opts_sync(lc, sk, now);
	if (dps_tcb_rcv_space(&sk->tcb, dps_tcp_rcv_space(sk)) || out)
		dps_tcp_due(lc, sk);
	else
		dps_tcp_sync_timer(lc, sk, now);
}

/*
 * The window kick of a reader on the owning lcore itself. Most reads free
 * space for which no window update is owed: the rule of RFC 9293
 * 3.8.6.2.2 as Linux's tcp_cleanup_rbuf() applies it (dps_tcb_rcv_space())
 * wants the window we could announce, bounded by rcv_ssthresh as well as
 * by the buffer, to be twice what the peer still has, and a server's first
 * read (the request on the handshake's ACK) leaves rcv_ssthresh at the
 * window of the SYN-ACK. The reader's own test (recv_window()) cannot see
 * rcv_ssthresh; here the TCB is asked at once. With no option changed,
 * what dps_tcp_do_wnd() would do comes down to recording the space (the
 * window of the next ACK follows it) and, if owed, the update: the
 * timer's deadline cannot move for it. The timer is left to whatever
 * changed the TCB last, which syncs it itself (dps_tcp_output_due() after
 * dps_tcp_after(), in whose readable callback most reads run) or already
 * did; only the idle form's timer, armed from now when missing, is left to
 * dps_tcp_do_wnd(). The kick flag is left alone: only other threads set
 * it, and the message they posted clears it when it arrives.
 */
void
dps_tcp_do_wnd_here(struct dps_lcore *lc, struct dps_sock *sk)
{
	/* Relaxed: set earlier on this lcore (dps_tcp_kick_wnd() runs here
	 * in program order), or by another thread whose DPS_MSG_TCP_WND is on
	 * its way and takes it with the acquire in dps_tcp_do_wnd(). */
	if (!sk->in_table || __atomic_load_n(&sk->opts_changed, __ATOMIC_RELAXED) != 0 ||
			(dps_tcp_lc(lc)->idle_ns != 0 && !dps_tw_armed(&sk->timer))) {
		dps_tcp_do_wnd(lc, sk, dps_now(sk->stack));
		return;
	}
	if (dps_tcb_rcv_space(&sk->tcb, dps_tcp_rcv_space(sk)))
		dps_tcp_due(lc, sk);
}
