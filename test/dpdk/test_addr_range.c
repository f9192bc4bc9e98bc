/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A range of local addresses (dps_stack_add_addr_range()): a load
 * generator's 65,536 source addresses as one entry.
 *
 * Two stacks on the test wire, both polled from the test thread (their
 * lcore), every socket non-blocking: A (198.18.0.1/24 and the range
 * 198.18.1.0-198.19.0.255/15) connects from addresses spread over its
 * range to B (198.18.0.2/24 and 198.19.255.254/15), which listens. No
 * static ARP entry: B must ask for each client address it answers, and A
 * must answer for every address of its range. Then everything closes,
 * TIME_WAIT is waited out, and every socket and mbuf is back.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <rte_ring.h>

#include "dpstack.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define RANGE_FIRST	IPA(198, 18, 1, 0)
#define RANGE_N		65536u		/* to 198.19.0.255 */
#define RANGE_PLEN	15
#define SRV_IP		IP(198, 19, 255, 254)
#define SRV_PORT	80
#define N_CONN		256		/* spread over the range, first and last included */
#define BATCH		16		/* connects in flight at once */
#define WIRE_RING	4096
#define TIME_WAIT_LEN	(60 * S)	/* Linux's TCP_TIMEWAIT_LEN */

/* Poll both stacks and pump the wire until nothing moves, then move the
 * virtual clock by @dt. */
static void
tick(struct bench *b, uint64_t dt)
{
	for (int i = 0; i < 1000; i++) {
		unsigned int n = dps_stack_poll(b->s[0], 0) +
			dps_stack_poll(b->s[1], 0);

		n += dps_testwire_pump(b->w, vnow(b));
		if (n == 0)
			break;
	}
	if (dt != 0)
		vadvance(b, dt);
}

static struct sockaddr_in
sin_of(uint32_t ip, uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
		.sin_port = htons(port), .sin_addr.s_addr = ip };
}

/* Client address i of N_CONN, host order: evenly over the range. */
static uint32_t
client_addr(unsigned int i)
{
	return RANGE_FIRST + (uint32_t)((uint64_t)i * (RANGE_N - 1) / (N_CONN - 1));
}

static int
conn_state(int fd)
{
	struct dps_conn_info ci;
	int rc = dps_conn_info(fd, &ci);

	return rc == 0 ? (int)ci.state : rc;
}

static void
add_range(struct dps_stack *s, uint32_t first, uint32_t n, uint8_t plen, int want)
{
	struct dps_addr a = dps_addr_v4(htonl(first));
	int rc = dps_stack_add_addr_range(s, 0, &a, n, plen);

	cr_assert_eq(rc, want, "range 0x%08x + %u /%u: %d, want %d", first, n,
		plen, rc, want);
}

/* What a range may not be; each refusal leaves the stack as it was. */
Test(dpdk, addr_range_refusals)
{
	struct bench b;
	struct dps_stack *s;
	struct dps_addr a = dps_addr_v4(htonl(RANGE_FIRST + 7));

	bench_up(&b, "arref", NULL, true);
	s = stack_new(&b, 0, "sa", A_IP, 0);
	add_range(s, RANGE_FIRST, 0, RANGE_PLEN, -EINVAL);
	/* Leaves the /15, or holds its network or broadcast address. */
	add_range(s, IPA(198, 19, 255, 0), 512, RANGE_PLEN, -EINVAL);
	add_range(s, IPA(198, 19, 255, 0), 256, RANGE_PLEN, -EINVAL);
	add_range(s, IPA(198, 18, 0, 0), 2, 24, -EINVAL);
	add_range(s, IPA(255, 255, 255, 255), 2, 0, -EINVAL);	/* wraps */
	/* The range itself; its subnet's last host address is the end. */
	add_range(s, RANGE_FIRST, RANGE_N, RANGE_PLEN, 0);
	add_range(s, IPA(198, 19, 0, 255) + 1, 0xfffe - 0xff, RANGE_PLEN, 0);
	/* Overlaps, at either end or inside, single or range. */
	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 24), -EEXIST);
	add_range(s, RANGE_FIRST - 1, 2, RANGE_PLEN, -EEXIST);
	add_range(s, IPA(198, 18, 0, 240), 10, 24, 0);
	add_range(s, IPA(198, 18, 0, 245), 2, 24, -EEXIST);
	add_range(s, IPA(198, 18, 0, 250), 10, 16, -EEXIST);
	add_range(s, IPA(198, 18, 0, 250), 6, 24, -EINVAL);	/* .255 */
	/* /31 and /32 have no broadcast: a /31 pair is fine. */
	add_range(s, IPA(203, 0, 113, 0), 2, 31, 0);
	add_range(s, IPA(203, 0, 113, 2), 3, 31, -EINVAL);
	stack_start(&b, 0);
	add_range(s, IPA(203, 0, 113, 8), 2, 24, -EBUSY);
	bench_down(&b);
}

/* Open BATCH connections from client addresses [@from, @from + BATCH),
 * bound with port 0, to B. */
static void
open_batch(struct bench *b, int *fd, unsigned int from)
{
	struct sockaddr_in to = sin_of(SRV_IP, SRV_PORT);

	for (unsigned int i = from; i < from + BATCH; i++) {
		struct sockaddr_in me = sin_of(htonl(client_addr(i)), 0);

		fd[i] = dps_socket_on(b->s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		cr_assert_geq(fd[i], 0, "socket: %s", strerror(errno));
		cr_assert_eq(dps_bind(fd[i], (struct sockaddr *)&me, sizeof(me)), 0,
			"bind %s: %s", inet_ntoa(me.sin_addr), strerror(errno));
		cr_assert_eq(dps_connect(fd[i], (struct sockaddr *)&to, sizeof(to)), -1);
		cr_assert_eq(errno, EINPROGRESS, "connect: %s", strerror(errno));
	}
}

/* Accept the batch on @lfd: each from the client address it was opened
 * from, and each client ESTABLISHED. */
static void
accept_batch(struct bench *b, int lfd, const int *fd, int *sfd, unsigned int from)
{
	uint64_t end = vnow(b) + 10 * S;
	unsigned int got = 0;
	bool seen[BATCH] = { false };

	while (got < BATCH) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int s;

		tick(b, 100 * US);
		cr_assert_lt(vnow(b), end, "%u of %u accepted after 10 s", got, BATCH);
		s = dps_accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
		if (s < 0) {
			cr_assert_eq(errno, EAGAIN, "accept: %s", strerror(errno));
			continue;
		}
		for (unsigned int i = 0; i < BATCH; i++)
			if (!seen[i] && peer.sin_addr.s_addr == htonl(client_addr(from + i))) {
				seen[i] = true;
				sfd[from + i] = s;
				got++;
				s = -1;
				break;
			}
		cr_assert_eq(s, -1, "accepted from %s, not a client of this batch",
			inet_ntoa(peer.sin_addr));
	}
	for (unsigned int i = from; i < from + BATCH; i++) {
		while (conn_state(fd[i]) == DPS_TCP_SYN_SENT) {
			tick(b, 100 * US);
			cr_assert_lt(vnow(b), end, "client %u never established", i);
		}
		cr_assert_eq(conn_state(fd[i]), DPS_TCP_ESTABLISHED);
	}
}

Test(dpdk, addr_range_connects_from_across_the_range, .timeout = 120)
{
	struct dps_testwire_conf wc = { .seed = 15, .ring_size = WIRE_RING };
	struct sockaddr_in any = sin_of(INADDR_ANY, SRV_PORT);
	struct dps_addr srv = dps_addr_v4(SRV_IP);
	struct dps_sock_stats st[2], st0[2];
	struct dps_counters a0, b0, a, z;
	struct bench b;
	static int fd[N_CONN], sfd[N_CONN];
	unsigned int mbufs0;
	int lfd;

	bench_up(&b, "arng", &wc, false);
	stack_new(&b, 0, "sa", A_IP, 0);
	stack_new(&b, 1, "sb", B_IP, 0);
	add_range(b.s[0], RANGE_FIRST, RANGE_N, RANGE_PLEN, 0);
	cr_assert_eq(dps_stack_add_addr(b.s[1], 0, &srv, RANGE_PLEN), 0);
	stack_start(&b, 0);
	stack_start(&b, 1);
	for (int i = 0; i < 20; i++)
		tick(&b, 1 * MS);	/* the gratuitous ARPs cross */
	mbufs0 = dps_test_pool_in_use(b.pool);
	a0 = cnt(&b, 0);
	b0 = cnt(&b, 1);
	dps_stack_sock_stats(b.s[0], &st0[0]);
	dps_stack_sock_stats(b.s[1], &st0[1]);

	lfd = dps_socket_on(b.s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(dps_bind(lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	cr_assert_eq(dps_listen(lfd, N_CONN), 0);
	for (unsigned int k = 0; k < N_CONN; k += BATCH) {
		open_batch(&b, fd, k);
		accept_batch(&b, lfd, fd, sfd, k);
	}
	a = cnt(&b, 0);
	z = cnt(&b, 1);
	/* A asked for B's /15 address once, from its range's first address,
	 * which B learned from the request; B asked for every other client
	 * address, and A answered each. */
	cr_assert_eq(a.arp_tx_request - a0.arp_tx_request, 1);
	cr_assert_eq(z.arp_tx_request - b0.arp_tx_request, N_CONN - 1,
		"B asked for %" PRIu64 " client addresses",
		z.arp_tx_request - b0.arp_tx_request);
	cr_assert_eq(a.arp_tx_reply - a0.arp_tx_reply, N_CONN - 1,
		"A answered %" PRIu64 " requests", a.arp_tx_reply - a0.arp_tx_reply);
	cr_assert_eq(a.tcp_established - a0.tcp_established, N_CONN);
	cr_assert_eq(dps_counters_total_drops(&a), dps_counters_total_drops(&a0),
		"A dropped nothing");
	cr_assert_eq(dps_counters_total_drops(&z), dps_counters_total_drops(&b0),
		"B dropped nothing");

	for (unsigned int i = 0; i < N_CONN; i++) {
		cr_assert_eq(dps_close(fd[i]), 0);
		cr_assert_eq(dps_close(sfd[i]), 0);
	}
	cr_assert_eq(dps_close(lfd), 0);
	while (vnow(&b) < T0 + TIME_WAIT_LEN + 30 * S)
		tick(&b, 10 * MS);
	for (int i = 0; i < 2; i++) {
		dps_stack_sock_stats(b.s[i], &st[i]);
		cr_assert_eq(st[i].socks_in_use, st0[i].socks_in_use, "stack %c", 'A' + i);
		cr_assert_eq(st[i].conns, 0, "stack %c: %u connections", 'A' + i,
			st[i].conns);
		cr_assert_eq(st[i].tcp_ports_held, 0, "stack %c", 'A' + i);
		cr_assert_eq(st[i].mbufs_in_use, st0[i].mbufs_in_use, "stack %c", 'A' + i);
	}
	cr_assert_eq(dps_test_pool_in_use(b.pool), mbufs0, "stack pool: %u in use, %u at start",
		dps_test_pool_in_use(b.pool), mbufs0);
	bench_down(&b);
}
