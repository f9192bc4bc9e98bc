/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include "dps_stack_priv.h"
#include "bench_wire.h"

#define T0 1000000000ull

static uint64_t vnow_ns = T0;

static uint64_t
vclock(void *arg)
{
	(void)arg;
	return vnow_ns;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench: %s: %s\n", what, why);
	exit(1);
}

/* A stack on test-wire side @p port with @p ip on the virtual clock,
 * with socket settings @p ks (NULL: the defaults). */
static struct dps_stack *
stack_on(uint16_t port, const char *name, const char *ip, struct rte_mempool *mp,
	const struct dps_sock_conf *ks)
{
	struct dps_stack_conf sc = { .name = name, .link_wait_ms = 100,
		.nb_rxd = 1024, .nb_txd = 1024 };
	/* BENCH_TRUST_CSUM=1: the ports trust the wire (memif's setting). */
	struct dps_port_conf pc = { .trust_rx_csum = getenv("BENCH_TRUST_CSUM") != NULL &&
		strcmp(getenv("BENCH_TRUST_CSUM"), "1") == 0 };
	struct dps_addr a;
	uint8_t plen;
	struct dps_stack *s;

	sc.pools[0] = mp;
	s = dps_stack_create(&sc);
	if (s == NULL)
		die("stack", rte_strerror(rte_errno));
	dps_prefix_parse(ip, &a, &plen);
	if (dps_stack_add_port(s, port, &pc) < 0 ||
			dps_stack_add_addr(s, 0, &a, plen) != 0)
		die("port", dps_stack_strerror(s));
	dps_stack_set_clock(s, vclock, NULL);
	if (ks != NULL && dps_stack_set_sock_conf(s, ks) != 0)
		die("socket settings", "refused");
	if (dps_stack_start(s) != 0)
		die("start", dps_stack_strerror(s));
	return s;
}

void
bench_wire_up(struct bench_wire *bw,
	void (*tap)(void *arg, int dir, const struct rte_mbuf *m), void *tap_arg)
{
	bench_wire_up_conf(bw, tap, tap_arg, NULL, 0);
}

void
bench_wire_up_conf(struct bench_wire *bw,
	void (*tap)(void *arg, int dir, const struct rte_mbuf *m), void *tap_arg,
	const struct dps_sock_conf *ks, uint64_t delay_ns)
{
	struct dps_testwire_conf wc = { .seed = 1, .ring_size = 4096,
		.pcap_path = getenv("BENCH_PCAP"), .tap = tap, .tap_arg = tap_arg,
		.delay_ns = delay_ns };

	bw->pool_a = rte_pktmbuf_pool_create("bench_a", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	bw->pool_b = rte_pktmbuf_pool_create("bench_b", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	bw->w = dps_testwire_create("bench", &wc);
	if (bw->pool_a == NULL || bw->pool_b == NULL || bw->w == NULL)
		die("pools/wire", rte_strerror(rte_errno));
	bw->a = stack_on(dps_testwire_port(bw->w, 0), "bka", "198.18.5.1/24", bw->pool_a, ks);
	bw->b = stack_on(dps_testwire_port(bw->w, 1), "bkb", "198.18.5.2/24", bw->pool_b, ks);
}

void
bench_wire_step(struct bench_wire *bw, uint64_t step_ns)
{
	vnow_ns += step_ns;
	dps_testwire_pump(bw->w, vnow_ns);
}

uint64_t
bench_wire_elapsed(void)
{
	return vnow_ns - T0;
}
