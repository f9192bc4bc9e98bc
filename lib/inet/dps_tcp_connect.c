/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore's half of connect() (Linux tcp_v4_connect() from the route
 * onward): source address, port, table entry, the connection's settings
 * from its route and options, its ISN and timestamp offset, and the SYN.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

#define DPS_SYN_SPACE 65535	/* window space a SYN offers, before rounding */

/* Linux derives the shift from tcp_rmem[2] (32 MiB on current kernels): 10. */
#define DPS_WSCALE 10
#define DPS_WSCALE_MAX 14	/* TCP_MAX_WSCALE (RFC 7323 2.3) */

/* ---- connect ---- */

/*
 * The ISN (RFC 6528) and the timestamp offset (RFC 7323 5.4) of tuple
 * @t from one keyed PRF: SipHash of the 4-tuple under the stack's random
 * key, its low half for the ISN and its high half for the offset, as
 * Linux computes both since secure_tcp_seq_and_ts_off() (one hash, per
 * 4-tuple; the client used to pay three SipHash runs per connection).
 * The ISN's clock ticks every 64 ns, as Linux's seq_scale(): it wraps
 * in 274 s, more than an MSL, and a short connection's successor on
 * the same tuple starts beyond what the first sent, so that a SYN that
 * meets the old TIME_WAIT is told apart from the old connection.
 */
struct dps_tcp_keyed
dps_tcp_keyed(const struct dps_sockets *ss, const struct dps_tuple *t, uint64_t now)
{
	uint64_t h = dps_siphash24(t, 12, ss->isn_key);

	return (struct dps_tcp_keyed){
		.isn = (uint32_t)h + (uint32_t)(now >> 6),
		.ts_off = (uint32_t)(h >> 32),
	};
}

/*
 * dps_tcp_keyed() over an IPv6 tuple: the same PRF and key over both
 * addresses and the ports (36 bytes: the tuple up to its protocol), so
 * that RFC 6528's F() takes the whole connection-id as over IPv4.
 */
struct dps_tcp_keyed
dps_tcp_keyed6(const struct dps_sockets *ss, const struct dps_tuple6 *t, uint64_t now)
{
	uint64_t h = dps_siphash24(t, offsetof(struct dps_tuple6, proto), ss->isn_key);

	return (struct dps_tcp_keyed){
		.isn = (uint32_t)h + (uint32_t)(now >> 6),
		.ts_off = (uint32_t)(h >> 32),
	};
}

/* The timestamp offset alone (SYN cookies: no ISN of ours to pick). */
uint32_t
dps_tcp_ts_off(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	return dps_tcp_keyed(ss, t, 0).ts_off;
}

/*
 * The window space a SYN or SYN-ACK offers (Linux's tcp_full_space()):
 * 64 KiB, or with SO_RCVBUF set (SOCK_RCVBUF_LOCK, which also makes it
 * the window clamp) half the buffer's figure.
 */
static uint32_t
tcp_syn_space(const struct dps_sock *sk)
{
	return dps_sock_flag(sk, DPS_OPT_RCVBUF_SET) ? sk->opt.rcvbuf / 2 :
		DPS_SYN_SPACE;
}

/* tcp_select_initial_window(): the space rounded down to whole @mss
 * (64,240 for 1460, 65,000 for 1000), at most 65535. */
static uint16_t
tcp_syn_window(const struct dps_sock *sk, uint32_t mss)
{
	uint32_t space = tcp_syn_space(sk);

	if (space > mss)
		space -= space % mss;
	return (uint16_t)(space > UINT16_MAX ? UINT16_MAX : space);
}

/* The window scale: the smallest that covers the clamp, from SO_RCVBUF
 * when set, else from tcp_rmem[2] (ilog2(space) - 15, at least 0). */
static uint8_t
tcp_syn_wscale(const struct dps_sock *sk)
{
	uint32_t space = tcp_syn_space(sk);
	uint8_t scale = 0;

	if (!dps_sock_flag(sk, DPS_OPT_RCVBUF_SET))
		return DPS_WSCALE;
	while (scale < DPS_WSCALE_MAX && (space >> (scale + 16)) != 0)
		scale++;
	return scale;
}

/* A SYN-ACK's window is rounded to the MSS less the timestamp option
 * when the SYN carried one (tcp_openreq_init_rwin()): 65,160 for 1460. */
void
dps_tcp_conf_passive(const struct dps_sock *sk, bool ts, struct dps_tcb_conf *c)
{
	c->rcv_wnd = tcp_syn_window(sk, c->adv_mss - (ts ? DPS_TCP_TS_OPT_LEN : 0));
}

/* dps_tcp_conf() with the route to the peer, @r, already looked up. */
static void
tcp_conf_route(const struct dps_lcore *lc, const struct dps_sock *sk,
	const struct dps_route *r, struct dps_tcb_conf *c)
{
	uint16_t mtu = r != NULL ? lc->stack->ifs[r->ifindex].mtu : 1500;

	memset(c, 0, sizeof(*c));
	c->syn_retries = sk->opt.syncnt;
	c->user_timeout_ms = dps_sock_opt(sk, user_timeout_ms);
	c->adv_mss = (uint16_t)(mtu - 40);
	/* TCP_MAXSEG also lowers the MSS we announce (Linux tcp_advertise_mss). */
	if (sk->opt.maxseg != 0 && sk->opt.maxseg < c->adv_mss)
		c->adv_mss = sk->opt.maxseg;
	c->user_mss = sk->opt.maxseg;
	c->rcv_wscale = tcp_syn_wscale(sk);
	c->rcv_wnd = tcp_syn_window(sk, c->adv_mss);
	c->rcv_buf = sk->opt.rcvbuf / 2;
	c->cc = sk->opt.cc;
	c->nodelay = dps_sock_opt(sk, nodelay);
	c->cork = dps_sock_flag(sk, DPS_OPT_CORK);
	c->pingpong = dps_sock_flag(sk, DPS_OPT_PINGPONG);
	c->defer_accept = dps_sock_opt(sk, defer_accept);
	c->keepalive = dps_sock_opt(sk, keepalive);
	c->keepidle_s = dps_sock_opt(sk, keepidle_s);
	c->keepintvl_s = dps_sock_opt(sk, keepintvl_s);
	c->keepcnt = dps_sock_opt(sk, keepcnt);
	c->tso_max = r != NULL ? lc->stack->ifs[r->ifindex].tso_max : 0;
}

const struct dps_route *
dps_tcp_conf(const struct dps_lcore *lc, const struct dps_sock *sk,
	struct dps_tcb_conf *c)
{
	const struct dps_route *r = dps_route_lookup(&lc->stack->routes, sk->tup.raddr);

	tcp_conf_route(lc, sk, r, c);
	return r;
}

void
dps_tcp_conf_sock(const struct dps_lcore *lc, const struct dps_sock *sk,
	struct dps_tcb_conf *c)
{
	tcp_conf_route(lc, sk, NULL, c);
}

/*
 * The lcore's part of connect(): source address from the route, a port
 * (autobind, or the bound one if its tuple is free), the table entry, the
 * SYN and its timer. The application side has done the address checks.
 * The route is looked up once, for the source and the settings (routes
 * are read-only once the stack runs).
 * Returns 0 or a negative errno; on success the socket is SYN_SENT and
 * the table holds a reference.
 */
int
dps_tcp_do_connect(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sockets *ss = dps_socks(lc->stack);
	const struct dps_route *r = dps_route_lookup(&lc->stack->routes, sk->tup.raddr);
	struct dps_tcp_keyed k;
	uint32_t floor = 0;
	struct dps_tcb_conf c;
	struct dps_tcp_out syn;
	struct dps_ctab_hole hole;
	bool reused = false;
	void *d;
	int rc;

	/* dps_ip_source_for(), from @r. */
	if (dps_sock_laddr(sk) == 0 && r != NULL)
		dps_sock_set_laddr(sk, dps_iface_source(&lc->stack->ifs[r->ifindex],
			dps_route_nexthop(r, sk->tup.raddr)));
	if (dps_sock_laddr(sk) == 0)
		return -ENETUNREACH;
	if (dps_sock_lport(sk) == 0) {
		rc = dps_tcp_autobind(lc, sk, now, &floor, &reused, &hole);
		if (rc != 0) {
			if (!(sk->userlocks & DPS_BINDADDR_LOCK))
				dps_sock_set_laddr(sk, 0);
			return rc;
		}
	} else if ((d = dps_tcp_lookup_hole(lc, &sk->tup, &hole)) != NULL) {
		struct dps_tws_ent *tw = dps_tws_usable(lc, d, false, now, &floor);

		if (tw == NULL)
			return -EADDRNOTAVAIL;
		dps_tws_take_over(lc, tw);
		reused = true;
	}
	if (!dps_tcp_x_hold_new(lc, sk)) {
		dps_port_release(ss, dps_sock_lport(sk), &sk->port_held);
		return -ENOBUFS;
	}
	/* The tuple's lookup above (or autobind's, for the port it chose)
	 * said where it goes: entered with no second probe. */
	if (dps_tcp_table_add_hole(lc, sk, &hole) != 0) {
		dps_tcp_x_drop(sk);
		dps_port_release(ss, dps_sock_lport(sk), &sk->port_held);
		return -ENOBUFS;
	}
	dps_tcp_conn_add(lc, sk);
	tcp_conf_route(lc, sk, r, &c);
	k = dps_tcp_keyed(ss, &sk->tup, now);
	if (reused && dps_seq_lt(k.isn, floor))
		k.isn = floor;
	dps_tcb_connect(&sk->tcb, &c, k.isn, k.ts_off, now, &syn);
	dps_tcb_attach_limit(&sk->tcb, &tl->chlim);
	dps_sock_publish_shutdown(sk, 0);
	/* A new attempt forgets an old error (Linux clears sk_err when
	 * tcp_connect() starts over). */
	dps_sock_publish_error(sk, 0);
	dps_tcp_set_state(sk, DPS_TCP_SYN_SENT);
	DPS_CNT_INC(&lc->cnt, tcp_connects);
	DPS_CNT_INC(&lc->cnt, tcp_tx_syn);
	sk->ip_id = dps_tcp_rand16(tl);
	dps_tcp_xmit_first(lc, sk, r, &syn, now);
	dps_tcp_sync_timer(lc, sk, now);
	return 0;
}
