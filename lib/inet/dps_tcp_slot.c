/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP in the protocol switch (slot DPS_PROTO_TCP, IP protocol 6): its
 * per-lcore context, input, ICMP errors, timers, the requests and
 * messages application threads and other lcores send it, and next-hop
 * failure. The handlers themselves live with their concern
 * (dps_tcp_priv.h lists where).
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_errno.h>
#include "dps_tcp_priv.h"

static int
tcp_lcore_init(struct dps_lcore *lc)
{
	int rc = dps_tcp_lcore_init(lc);

	if (rc != 0)
		snprintf(lc->stack->err, sizeof(lc->stack->err),
			"cannot create connection tables of %u entries: %s",
			dps_socks(lc->stack)->conf.max_conns, rte_strerror(rte_errno));
	return rc;
}

/* A request of a thread, about socket r->obj. */
static bool
tcp_request(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	struct dps_sock *sk = r->obj;

	switch (r->op) {
	case DPS_REQ_CONNECT:
		r->err = dps_tcp_do_connect(lc, sk, now);
		break;
	case DPS_REQ_DISCONNECT:
		dps_tcp_do_abort(lc, sk, false, now);
		r->err = 0;
		break;
	case DPS_REQ_SHUTDOWN:
		r->err = dps_tcp_do_shutdown(lc, sk, now);
		break;
	case DPS_REQ_IDLE_WAKE:
		return dps_tcp_idle_request(lc, r, now);
	case DPS_REQ_CONNECT6:
		r->err = dps_tcp6_do_connect(lc, sk, now);
		break;
	default:
		r->err = -EOPNOTSUPP;
		break;
	}
	return true;
}

static void
tcp_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	switch (m->op) {
	case DPS_MSG_RX_HANDOFF:
		dps_tcp_rx_handoff(lc, m->ptr, now);
		break;
	case DPS_MSG_RX6_HANDOFF:
		dps_tcp_rx6_handoff(lc, m->ptr, now);
		break;
	case DPS_MSG_TCP_ICMP6:
		dps_tcp6_icmp_handoff(lc, m->ptr, now);
		break;
	case DPS_MSG_TCP_ICMP: {
		struct dps_tuple t = {
			.laddr = m->icmp.laddr, .raddr = m->icmp.raddr,
			.lport = m->icmp.lport, .rport = m->icmp.rport,
			.proto = IPPROTO_TCP,
		};
		dps_tcp_icmp(lc, &t, m->icmp.seq, m->icmp.err, m->icmp.mtu, now);
		break;
	}
	case DPS_MSG_SOCK_CLOSE:
		dps_tcp_do_close(lc, m->ptr, now);
		break;
	case DPS_MSG_TCP_TX:
		dps_tcp_do_tx(lc, m->ptr, now);
		break;
	case DPS_MSG_TCP_WND:
		dps_tcp_do_wnd(lc, m->ptr, now);
		break;
	default:
		break;
	}
}

static const struct dps_proto_ops tcp_ops = {
	.name = "tcp",
	.ipproto = IPPROTO_TCP,
	.lcore_init = tcp_lcore_init,
	.lcore_fini = dps_tcp_lcore_fini,
	.input = dps_tcp_rx,
	.input6 = dps_tcp_rx6,
	.err = dps_tcp_icmp_err,
	.err6 = dps_tcp_err6,
	.tick = dps_tcp_tick,
	.timers = dps_tcp_timers,
	.output = dps_tcp_output_due,
	.request = tcp_request,
	.msg = tcp_msg,
	.nexthop_fail = dps_tcp_fail_nexthop,
};

int
dps_tcp_register(struct dps_stack *s)
{
	return dps_proto_register(s, DPS_PROTO_TCP, &tcp_ops, NULL);
}
