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
#include "bench_wire.h"

#define CHUNK 16384		/* bytes per application write */
#define STEP_NS 2000		/* virtual time per loop iteration */

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "tcp_bulk: %s: %s\n", what, why);
	exit(1);
}

static void
step(struct bench_wire *bw)
{
	dps_stack_poll(bw->a, 0);
	bench_wire_step(bw, STEP_NS / 2);
	dps_stack_poll(bw->b, 0);
	bench_wire_step(bw, STEP_NS / 2);
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
connect_pair(struct bench_wire *bw, int *cfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5001) };
	int lfd = dps_socket_on(bw->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int sfd = -1;

	inet_pton(AF_INET, "198.18.5.2", &sa.sin_addr);
	if (lfd < 0 || dps_bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			dps_listen(lfd, 16) != 0)
		die("listen", strerror(errno));
	*cfd = dps_socket_on(bw->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (dps_connect(*cfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
			errno != EINPROGRESS)
		die("connect", strerror(errno));
	for (int i = 0; i < 100000 && sfd < 0; i++) {
		step(bw);
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
	struct bench_wire bw;
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
	bench_wire_up(&bw, NULL, NULL);
	sfd = connect_pair(&bw, &cfd);
	while (got < total) {
		fill(cfd, bw.pool_a, copy, &left);
		step(&bw);
		if (!drain(sfd, copy, &got))
			break;
	}
	dps_stack_counters(bw.a, -1, &ca);
	dps_stack_counters(bw.b, -1, &cb);
	printf("bytes %" PRIu64 " segments %" PRIu64 " acks %" PRIu64
		" retrans %" PRIu64 " virtual_ms %.1f\n", got, ca.tcp_tx_data,
		cb.eth_tx_pkts, ca.tcp_retrans, (double)bench_wire_elapsed() / 1e6);
	return got == total ? 0 : 1;
}
