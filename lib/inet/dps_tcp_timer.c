/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers on the lcore: the wheel fires each connection's single
 * deadline (retransmission, delayed ACK, keepalive, zero-window probe,
 * FIN_WAIT2), and the housekeeping tick expires TIME_WAIT entries (a
 * table slot is free the moment its entry is deleted: nothing waits for
 * a grace period, dps_tcp_table.c).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- timers ---- */

/* What a pass over the timer wheel hands each fired timer. */
struct timer_pass {
	struct dps_lcore *lc;
	uint64_t now;		/* the poll iteration's clock, read once */
};

static void
tcp_timer_fired(struct dps_tnode *n, void *arg)
{
	struct dps_sock *sk = container_of(n, struct dps_sock, timer);
	const struct timer_pass *tp = arg;
	struct dps_lcore *lc = tp->lc;
	uint64_t now = tp->now;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcb_stats st0;
	uint32_t una0 = sk->tcb.snd_una;
	bool syn = sk->tcb.state == DPS_TCPS_SYN_SENT, pingpong;
	bool hs = syn || sk->tcb.state == DPS_TCPS_SYN_RECV;
	uint8_t rtx0 = sk->tcb.retransmits;
	unsigned int cnt;
	int ev;

	/* A half-open child of a listener that closed is dropped at its
	 * next timer, silently (Linux's reqsk_timer_handler()). */
	if (dps_sock_parent(sk) != NULL && sk->tcb.state == DPS_TCPS_SYN_RECV &&
			dps_sock_state(dps_sock_parent(sk)) != DPS_TCP_LISTEN) {
		dps_tcp_done(lc, sk, 0);
		return;
	}
	/* No deadline: the idle form's timer (dps_tcp_idle.c). */
	if (dps_tcb_deadline(&sk->tcb) == 0) {
		dps_tcp_idle_fired(lc, sk, now);
		return;
	}
	if (!dps_tcp_x_hold(lc, sk)) {
		dps_tw_arm(dps_tcp_lc(lc)->tw, &sk->timer, now + DPS_TCP_X_RETRY_NS);
		return;
	}
	st0 = sk->tcb.x->st;
	pingpong = sk->tcb.pingpong;
	ev = dps_tcb_timeout(&sk->tcb, now, out, &cnt);
	/* A delayed ACK ended pingpong mode: TCP_QUICKACK reads 1 again. */
	if (pingpong && !sk->tcb.pingpong)
		dps_sock_set_flag(sk, DPS_OPT_PINGPONG, false);
	dps_tcp_count_recovery(lc, &st0, &sk->tcb.x->st);
	/* A retransmission timeout (of the SYN, the SYN-ACK or data) may
	 * mean a dead path: an IPv6 connection draws a new flow hash, so
	 * its label changes and a router hashing on it may choose another
	 * path (Linux's sk_rethink_txhash() in tcp_write_timeout(), and in
	 * tcp_rtx_synack(), with net.core.txrehash 1). */
	if (dps_tcp_is_v6(sk) && (sk->tcb.x->st.rto_count != st0.rto_count ||
			(hs && sk->tcb.retransmits != rtx0)))
		dps_tcp6_rehash(sk);
	if (cnt != 0 && syn)
		DPS_CNT_INC(&lc->cnt, tcp_tx_syn_retrans);
	dps_tcp_xmit_all(lc, sk, out, cnt, now);
	dps_tcp_after(lc, sk, ev, una0, now);
}

void
dps_tcp_timers(struct dps_lcore *lc, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct timer_pass tp = { .lc = lc, .now = now };

	dps_tw_expire(tl->tw, now, tcp_timer_fired, &tp);
}

/* Housekeeping: TIME_WAIT ends. */
void
dps_tcp_tick(struct dps_lcore *lc, uint64_t now)
{
	dps_tws_expire(lc, now);
}
