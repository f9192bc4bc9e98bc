/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of a bulk TCP segment, for callgrind: two stacks in one
 * process joined by the test wire (no impairment), one thread driving
 * both on a virtual clock, moving BYTES over one connection from A to B
 * with the zero-copy calls (dps_send_mbuf / dps_recv_mbuf), so what is
 * counted is the stack on both sides and not a copy in the application.
 *
 *   tcp_bulk [EAL args] -- MIB [copy]
 *
 * "copy" uses dps_send()/dps_recv() instead (one copy each side, as an
 * application thread would). Prints the segments carried; run under
 * valgrind --tool=callgrind with --toggle-collect=dps_* entry points and
 * take the difference of two sizes so set-up cost cancels out
 * (bench/tcp_bulk.sh does this). Deterministic: same input, same count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include "dpstack.h"
#include "dps_testwire.h"
#include "dps_stack_priv.h"

#define CHUNK 16384		/* bytes per application write */
#define STEP_NS 2000		/* virtual time per loop iteration */

struct side {
	struct dps_stack *s;
	struct rte_mempool *pool;
};

static uint64_t vnow_ns = 1000000000ull;

static uint64_t
vclock(void *arg)
{
	(void)arg;
	return vnow_ns;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "tcp_bulk: %s: %s\n", what, why);
	exit(1);
}

/* A stack on test-wire side @p port with @p ip/24 on the virtual clock. */
static struct dps_stack *
stack_on(uint16_t port, const char *name, const char *ip, struct rte_mempool *mp)
{
	struct dps_stack_conf sc = { .name = name, .link_wait_ms = 100,
		.nb_rxd = 1024, .nb_txd = 1024 };
	struct dps_addr a;
	uint8_t plen;
	struct dps_stack *s;

	sc.pools[0] = mp;
	s = dps_stack_create(&sc);
	if (s == NULL)
		die("stack", rte_strerror(rte_errno));
	dps_prefix_parse(ip, &a, &plen);
	if (dps_stack_add_port(s, port, NULL) < 0 ||
			dps_stack_add_addr(s, 0, &a, plen) != 0)
		die("port", dps_stack_strerror(s));
	dps_stack_set_clock(s, vclock, NULL);
	if (dps_stack_start(s) != 0)
		die("start", dps_stack_strerror(s));
	return s;
}

static void
step(struct dps_testwire *w, struct dps_stack *a, struct dps_stack *b)
{
	vnow_ns += STEP_NS;
	dps_stack_poll(a, 0);
	dps_testwire_pump(w, vnow_ns);
	dps_stack_poll(b, 0);
	dps_testwire_pump(w, vnow_ns);
}

/* Queue as much as the send buffer takes. */
static void
fill(int fd, struct rte_mempool *mp, bool copy, uint64_t *left)
{
	static char buf[CHUNK];

	while (*left > 0) {
		uint32_t n = *left < CHUNK ? (uint32_t)*left : CHUNK;
		ssize_t r;

		if (copy) {
			r = dps_send(fd, buf, n, MSG_DONTWAIT);
		} else {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (m == NULL)
				return;
			n = RTE_MIN(n, (uint32_t)rte_pktmbuf_tailroom(m));
			rte_pktmbuf_append(m, (uint16_t)n);
			r = dps_send_mbuf(fd, m);
			if (r < 0)
				rte_pktmbuf_free(m);
		}
		if (r <= 0)
			return;
		*left -= (uint64_t)r;
	}
}

/* Take everything received; false once the stream has ended. */
static bool
drain(int fd, bool copy, uint64_t *got)
{
	static char buf[65536];

	for (;;) {
		struct rte_mbuf *m;
		ssize_t r = copy ? dps_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) :
			dps_recv_mbuf(fd, &m);

		if (r < 0)
			return errno == EAGAIN;
		if (r == 0)
			return false;
		if (!copy)
			rte_pktmbuf_free(m);
		*got += (uint64_t)r;
	}
}

static int
connect_pair(struct dps_testwire *w, struct side *a, struct side *b, int *cfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5001) };
	int lfd = dps_socket_on(b->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int sfd = -1;

	inet_pton(AF_INET, "198.18.5.2", &sa.sin_addr);
	if (lfd < 0 || dps_bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			dps_listen(lfd, 16) != 0)
		die("listen", strerror(errno));
	*cfd = dps_socket_on(a->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (dps_connect(*cfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
			errno != EINPROGRESS)
		die("connect", strerror(errno));
	for (int i = 0; i < 100000 && sfd < 0; i++) {
		step(w, a->s, b->s);
		sfd = dps_accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	}
	if (sfd < 0)
		die("accept", "no connection");
	dps_close(lfd);
	return sfd;
}

int
main(int argc, char **argv)
{
	struct dps_testwire_conf wc = { .seed = 1, .ring_size = 4096 };
	struct side a, b;
	struct dps_testwire *w;
	struct dps_counters ca, cb;
	uint64_t total, left, got = 0;
	unsigned int mib;
	bool copy;
	int n, cfd, sfd;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		die("EAL", rte_strerror(rte_errno));
	argc -= n;
	argv += n;
	if (argc < 2 || (mib = (unsigned int)atoi(argv[1])) == 0 || mib > 100000) {
		fprintf(stderr, "usage: tcp_bulk [EAL args] -- MIB [copy]\n");
		return 2;
	}
	copy = argc > 2 && strcmp(argv[2], "copy") == 0;
	total = left = (uint64_t)mib << 20;
	a.pool = rte_pktmbuf_pool_create("bulk_a", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	b.pool = rte_pktmbuf_pool_create("bulk_b", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	w = dps_testwire_create("bulk", &wc);
	if (a.pool == NULL || b.pool == NULL || w == NULL)
		die("pools/wire", rte_strerror(rte_errno));
	a.s = stack_on(dps_testwire_port(w, 0), "bka", "198.18.5.1/24", a.pool);
	b.s = stack_on(dps_testwire_port(w, 1), "bkb", "198.18.5.2/24", b.pool);
	sfd = connect_pair(w, &a, &b, &cfd);
	while (got < total) {
		fill(cfd, a.pool, copy, &left);
		step(w, a.s, b.s);
		if (!drain(sfd, copy, &got))
			break;
	}
	dps_stack_counters(a.s, -1, &ca);
	dps_stack_counters(b.s, -1, &cb);
	printf("bytes %" PRIu64 " segments %" PRIu64 " acks %" PRIu64
		" retrans %" PRIu64 " virtual_ms %.1f\n", got, ca.tcp_tx_data,
		cb.eth_tx_pkts, ca.tcp_retrans,
		(double)(vnow_ns - 1000000000ull) / 1e6);
	return got == total ? 0 : 1;
}
