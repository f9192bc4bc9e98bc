/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore's half of connect() for an IPv6 peer (Linux tcp_v6_connect()
 * from the route onward): the source by RFC 6724 (dps_ip6_source()), a
 * local port by RFC 6056 algorithm 3 over the IPv6 tuple that hashes to
 * this lcore (Linux's __inet6_hash_connect(): dps_tcp6_autobind(), the
 * IPv4 autobind's walk), the IPv6 table's entry, the settings with the MSS
 * of the IPv6 MTU, the ISN and timestamp offset of RFC 6528 over the
 * IPv6 tuple, and the SYN. The TCB is the IPv4 code's.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The socket's settings (dps_tcp_conf_sock(): no IPv4 route is looked
 * up for an IPv6 peer) with the MSS of port @ifindex's IPv6 MTU (MTU
 * less 60, RFC 8200 5 and Linux's tcp_v6_connect()) and its TSO limit
 * over IPv6: an IPv4 connection's (its 65,455 bytes are under what a
 * 16-bit IPv6 payload length leaves), none where the device cuts IPv4
 * frames only; the SYN's window is rounded to that MSS. */
void
dps_tcp6_conf(const struct dps_lcore *lc, const struct dps_sock *sk, uint16_t ifindex,
	struct dps_tcb_conf *c)
{
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	uint16_t mss = dps_tcp6_mss(ifp->mtu);

	dps_tcp_conf_sock(lc, sk, c);
	/* TCP_MAXSEG lowers the MSS we announce, as for IPv4. */
	c->adv_mss = sk->opt.maxseg != 0 && sk->opt.maxseg < mss ? sk->opt.maxseg : mss;
	c->tso_max = ifp->tso6_max;
	dps_tcp_conf_passive(sk, false, c);
}

/* The port: autobind, or the bound one when its tuple is free (or in a
 * TIME_WAIT the new connection may take over). */
static int
tcp6_port(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now, uint32_t *floor,
	bool *reused)
{
	struct dps_tws6_ent *tw;
	void *d;

	dps_tcp6_key_fill(sk);
	if (dps_sock_lport(sk) == 0)
		return dps_tcp6_autobind(lc, sk, now, floor, reused);
	d = dps_tcp6_lookup_any(lc, &dps_sock6(sk)->key);
	if (d == NULL)
		return 0;
	tw = dps_tws6_usable(lc, d, false, now, floor);
	if (tw == NULL)
		return -EADDRNOTAVAIL;
	dps_tws6_take_over(lc, tw);
	*reused = true;
	return 0;
}

/*
 * The lcore's part of connect() to an IPv6 peer (the application side
 * checked the address and set the peer): 0, or a negative errno with
 * nothing held; on success the socket is SYN_SENT in the IPv6 table.
 */
int
dps_tcp6_do_connect(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_sock6_side *v6 = dps_sock6(sk);
	uint16_t ifindex = 0;
	struct dps_tcp_keyed k;
	struct dps_tcb_conf c;
	struct dps_tcp_out syn;
	bool reused = false;
	uint32_t floor = 0;
	uint8_t src[16];
	int rc;

	rc = dps_ip6_source(lc, v6->raddr, src, &ifindex);
	if (rc != 0)
		return rc;
	if (dps_ip6_is_unspecified(v6->laddr))
		memcpy(v6->laddr, src, 16);
	rc = tcp6_port(lc, sk, now, &floor, &reused);
	if (rc != 0) {
		if (!(sk->userlocks & DPS_BINDADDR_LOCK))
			memset(v6->laddr, 0, 16);
		return rc;
	}
	if (!dps_tcp_x_hold_new(lc, sk)) {
		dps_port_release(ss, dps_sock_lport(sk), &sk->port_held);
		return -ENOBUFS;
	}
	if (dps_tcp6_table_add(lc, sk) != 0) {
		dps_tcp_x_drop(sk);
		dps_port_release(ss, dps_sock_lport(sk), &sk->port_held);
		return -ENOBUFS;
	}
	dps_tcp_conn_add(lc, sk);
	dps_tcp6_rehash(sk);		/* sk_set_txhash() in tcp_v6_connect() */
	dps_tcp6_conf(lc, sk, ifindex, &c);
	k = dps_tcp_keyed6(ss, &v6->key, now);
	if (reused && dps_seq_lt(k.isn, floor))
		k.isn = floor;
	dps_tcb_connect(&sk->tcb, &c, k.isn, k.ts_off, now, &syn);
	dps_tcb_attach_limit(&sk->tcb, &dps_tcp_lc(lc)->chlim);
	dps_sock_publish_shutdown(sk, 0);
	dps_sock_publish_error(sk, 0);	/* a new attempt forgets an old error */
	dps_tcp_set_state(sk, DPS_TCP_SYN_SENT);
	DPS_CNT_INC(&lc->cnt, tcp_connects);
	DPS_CNT_INC(&lc->cnt, tcp_tx_syn);
	dps_tcp6_xmit(lc, sk, &syn, now);
	dps_tcp_sync_timer(lc, sk, now);
	return 0;
}
