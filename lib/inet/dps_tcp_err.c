/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Errors from the layers below: an ICMP error about one of our flows
 * (RFC 5927, RFC 1122 4.2.3.9), and a next hop that never answered ARP.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- ICMP ---- */

void
dps_tcp_icmp(struct dps_lcore *lc, const struct dps_tuple *t, uint32_t seq,
	int err, uint16_t mtu, uint64_t now)
{
	struct dps_sock *sk = dps_tcp_lookup(lc, t);
	int ev;

	if (sk == NULL)
		return;
	ev = dps_tcb_icmp(&sk->tcb, seq, err, mtu);
	/* Linux also queues the ICMP on the socket's error queue
	 * (ip_icmp_error() in tcp_v4_err()), so POLLERR outlives SO_ERROR. */
	if (ev == DPS_TCB_CLOSED)
		dps_sock_publish_errq(sk);
	dps_tcp_after(lc, sk, ev, sk->tcb.snd_una, now);
}

/*
 * The next hop @nexthop never answered ARP. Linux reports that to each
 * connecting socket whose SYN was held as an ICMP host unreachable
 * (arp_error_report()), which aborts the attempt with EHOSTUNREACH.
 */
void
dps_tcp_fail_nexthop(struct dps_lcore *lc, uint32_t nexthop, int err)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	const struct dps_route_table *rt = &lc->stack->routes;
	struct dps_sock *victims[64];
	unsigned int n;

	do {
		void *data;
		uint32_t it = 0;

		/* Done victims leave the table and shift entries back, so each
		 * batch walks from the start again. */
		n = 0;
		while (n < RTE_DIM(victims) &&
				(data = dps_ctab_next(tl->conns, &it)) != NULL) {
			struct dps_sock *sk = data;
			const struct dps_route *r;

			if (!dps_tcp_is_sock(data))	/* TIME_WAIT or idle: not connecting */
				continue;
			r = dps_route_lookup(rt, sk->tup.raddr);
			if (sk->tcb.state == DPS_TCPS_SYN_SENT && r != NULL &&
					dps_route_nexthop(r, sk->tup.raddr) == nexthop)
				victims[n++] = sk;
		}
		for (unsigned int i = 0; i < n; i++) {
			/* Reported as an ICMP host unreachable, error queue too. */
			dps_sock_publish_errq(victims[i]);
			dps_tcb_set_closed(&victims[i]->tcb, err);
			dps_tcp_done(lc, victims[i], err);
		}
	} while (n == RTE_DIM(victims));
}
