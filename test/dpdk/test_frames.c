/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frames of an HTTP connection, as the apps' engines make them
 * (dps-gen's client, dps-httpd's server) on two stacks joined by the
 * test wire, on a virtual clock. One iteration's decisions about a flow
 * leave together (dps_stack_set_work(), dps_tcp_due()), so a
 * Connection: close exchange takes six frames, as dperf's and Linux's
 * with a write pending:
 *
 *   client          server
 *   SYN       ->
 *             <-    SYN|ACK
 *   ACK|PSH + GET ->             (the handshake's ACK rides on the request)
 *             <-    FIN|ACK|PSH + response (with the ACK of the GET)
 *   FIN|ACK   ->                 (the ACK of response and FIN, and our FIN)
 *             <-    ACK
 *
 * and a keep-alive request takes two: the request and the response, each
 * carrying the ACK of the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include "bench_http.h"
#include "dps_test_eal.h"

#define STEP_NS 1000
#define MAX_FRAMES 16384
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* One TCP frame seen on the wire. */
struct frame {
	int dir;			/* 0: client to server */
	uint8_t flags;
	uint16_t sport;
	uint32_t len;			/* payload */
};

struct log {
	struct frame f[MAX_FRAMES];
	unsigned int n;
	unsigned int other;		/* frames that are not TCP (ARP) */
};

static void
tap(void *arg, int dir, const struct rte_mbuf *m)
{
	struct log *lg = arg;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_tcp_hdr *th;
	uint16_t ihl, thl;

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			ip->next_proto_id != IPPROTO_TCP) {
		lg->other++;
		return;
	}
	cr_assert_lt(lg->n, MAX_FRAMES);
	ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	thl = (uint16_t)((th->data_off >> 4) * 4);
	lg->f[lg->n++] = (struct frame){
		.dir = dir, .flags = th->tcp_flags,
		.sport = rte_be_to_cpu_16(dir == 0 ? th->src_port : th->dst_port),
		.len = rte_be_to_cpu_16(ip->total_length) - ihl - thl,
	};
}

struct run {
	struct bench_wire bw;
	struct app_server *sv;
	struct app_client *cl;
	struct log lg;
	unsigned int in_use0[2];	/* mbufs in use once both are up */
};

/* Both stacks and both engines up: cps (@cps) or keep-alive requests,
 * @count of them, @conc at a time. The engine times requests by the
 * TSC, the stacks run on the virtual clock: no wall-clock bound on a
 * busy machine. */
static void
run_up(struct run *r, bool cps, uint64_t count, uint32_t conc)
{
	dps_test_eal_init(NULL, 0);
	bench_wire_up(&r->bw, tap, &r->lg);
	r->sv = bench_http_server(&r->bw);
	cr_assert_not_null(r->sv);
	r->cl = bench_http_client(&r->bw, cps, count, conc, 600ull * 1000000000);
	cr_assert_not_null(r->cl);
	r->in_use0[0] = dps_test_pool_in_use(r->bw.pool_a);
	r->in_use0[1] = dps_test_pool_in_use(r->bw.pool_b);
}

/* Poll both sides until the client is done and @quiet_us more
 * microseconds of virtual time passed (the last ACKs land). The engines
 * run inside their stacks' polls (@inside) or, as an application with a
 * loop of its own may run them, after each poll. */
static void
run_until_done(struct run *r, bool inside, uint64_t quiet_us)
{
	uint64_t end = 0;

	if (!inside) {
		dps_stack_set_work(r->bw.a, 0, NULL, NULL);
		dps_stack_set_work(r->bw.b, 0, NULL, NULL);
	}
	while (bench_wire_elapsed() < 60ull * 1000000000) {
		dps_stack_poll(r->bw.a, 0);
		if (!inside)
			app_client_lcore_work(r->cl, 0, rte_rdtsc());
		bench_wire_step(&r->bw, STEP_NS / 2);
		dps_stack_poll(r->bw.b, 0);
		if (!inside)
			app_server_lcore_work(r->sv, 0, rte_rdtsc());
		bench_wire_step(&r->bw, STEP_NS / 2);
		if (end == 0 && app_client_done(r->cl))
			end = bench_wire_elapsed() + quiet_us * 1000;
		if (end != 0 && bench_wire_elapsed() >= end)
			break;
	}
	cr_assert_neq(end, 0, "the client did not finish in 60 s of virtual time");
}

static void
expect(const struct frame *f, int dir, uint8_t flags, bool payload, const char *what)
{
	cr_assert_eq(f->dir, dir, "%s: direction %d", what, f->dir);
	cr_assert_eq(f->flags, flags, "%s: flags %#x, want %#x", what, f->flags, flags);
	cr_assert_eq(f->len != 0, payload, "%s: %u bytes of payload", what, f->len);
}

Test(dpdk_frames, one_http_connection_takes_six_frames)
{
	static struct run r;
	struct app_cli_stats st;

	run_up(&r, true, 1, 1);
	run_until_done(&r, true, 1000);
	app_client_stats(r.cl, &st);
	cr_assert_eq(st.req_done, 1);
	cr_assert_eq(r.lg.n, 6, "%u frames", r.lg.n);
	expect(&r.lg.f[0], 0, SYN, false, "SYN");
	expect(&r.lg.f[1], 1, SYN | ACK, false, "SYN-ACK");
	expect(&r.lg.f[2], 0, ACK | PSH, true, "ACK with the GET");
	expect(&r.lg.f[3], 1, FIN | ACK | PSH, true, "response with FIN");
	expect(&r.lg.f[4], 0, FIN | ACK, false, "client FIN");
	expect(&r.lg.f[5], 1, ACK, false, "last ACK");
}

/* Sixty-four at a time, 2,000 in all: still six each, every one closed. */
Test(dpdk_frames, many_http_connections_take_six_frames_each)
{
	static struct run r;
	struct app_cli_stats st;
	unsigned int per[2] = { 0, 0 };

	run_up(&r, true, 2000, 64);
	run_until_done(&r, true, 1000);
	app_client_stats(r.cl, &st);
	cr_assert_eq(st.req_done, 2000);
	cr_assert_eq(st.conn_attempted, st.conn_established);
	for (unsigned int i = 0; i < r.lg.n; i++) {
		per[r.lg.f[i].dir]++;
		cr_assert_eq(r.lg.f[i].flags & RST, 0, "frame %u is a RST", i);
	}
	cr_assert_eq(st.slots_used, 64);
	cr_assert_eq(per[0], 3 * 2000, "client frames: %u", per[0]);
	cr_assert_eq(per[1], 3 * 2000, "server frames: %u", per[1]);
	cr_assert_eq(dps_test_pool_in_use(r.bw.pool_a), r.in_use0[0], "client mbufs");
	cr_assert_eq(dps_test_pool_in_use(r.bw.pool_b), r.in_use0[1], "server mbufs");
}

/* A --conc far above what the run holds at once writes only the slots it
 * uses and a batch more (issue 15: per-connection state that follows
 * the connections, not the configured bound). */
Test(dpdk_frames, unused_client_slots_stay_untouched)
{
	static struct run r;
	struct app_cli_stats st;

	run_up(&r, true, 2000, 7000);
	run_until_done(&r, true, 1000);
	app_client_stats(r.cl, &st);
	cr_assert_eq(st.req_done, 2000);
	cr_log_info("%" PRIu64 " of 7000 slots written", st.slots_used);
	/* A slot per connection made at most, and the 512 free ones kept
	 * ready (SLOT_BATCH): not the 7,000 of --conc (the most one
	 * address reaches one destination with). */
	cr_assert_leq(st.slots_used, 2000 + 512, "%" PRIu64 " slots written",
		st.slots_used);
}

/* Keep-alive: one frame each way per request once the connection is up. */
Test(dpdk_frames, keep_alive_request_takes_two_frames)
{
	static struct run r;
	struct app_cli_stats st;
	unsigned int data = 0, bare = 0;

	run_up(&r, false, 500, 1);
	run_until_done(&r, true, 1000);
	app_client_stats(r.cl, &st);
	cr_assert_eq(st.req_done, 500);
	for (unsigned int i = 0; i < r.lg.n; i++) {
		if (r.lg.f[i].len != 0)
			data++;
		else
			bare++;
	}
	cr_assert_eq(data, 2 * 500, "frames with data: %u", data);
	/* SYN, SYN-ACK, and the close (at most FIN, FIN, ACK): nothing
	 * else goes without data. */
	cr_assert_leq(bare, 5, "frames without data: %u", bare);
}

/* An application that runs its work after each poll, not inside: the
 * same exchanges complete and nothing leaks. What input made owed has
 * left by then, so the handshake's ACK goes alone (seven frames); the
 * response still carries the FIN, since the server's write and close
 * reach output together at the start of its next poll, and the ACK of
 * that FIN waits (Linux's ping-pong mode after a FIN with data) long
 * enough for the client's own FIN to carry it. */
Test(dpdk_frames, work_after_the_poll_still_merges_the_close)
{
	static struct run r;
	struct app_cli_stats st;

	run_up(&r, true, 200, 16);
	run_until_done(&r, false, 1000);
	app_client_stats(r.cl, &st);
	cr_assert_eq(st.req_done, 200);
	cr_assert_eq(r.lg.n, 7 * 200, "%u frames", r.lg.n);
	cr_assert_eq(dps_test_pool_in_use(r.bw.pool_a), r.in_use0[0], "client mbufs");
	cr_assert_eq(dps_test_pool_in_use(r.bw.pool_b), r.in_use0[1], "server mbufs");
}

/*
 * Quiet client connections (issue 15, --idle-ms): a keep-alive run that
 * holds far more connections than its --rate uses, as bench/suite.sh's
 * idle run does, on stacks with the compact idle form. A connection
 * waiting for a rate token that the stack makes compact gives its slot
 * back, and the slots written follow the connections that are not
 * compact, not --conc: counted from the client's own counters. Those the
 * tokens reach take a slot again and complete their requests; the end of
 * the run closes the compact ones too, and nothing leaks.
 */
#define QUIET_CONNS 6000u
#define QUIET_IDLE_MS 1u
#define QUIET_STEP_NS 1000000ull	/* 1 ms of virtual time a step */
#define QUIET_DELAY_NS 100000000ull	/* one way: 512 handshakes per 200 ms */

/* The client's TSC for virtual time: its tokens, timeouts and deadlines
 * follow the stacks' clock. */
static uint64_t
vtsc(uint64_t tsc0)
{
	return tsc0 + (uint64_t)((double)bench_wire_elapsed() *
		(double)rte_get_tsc_hz() / 1e9);
}

/* One step: A's poll, the client's work, B's poll (the server inside). */
static void
quiet_step(struct bench_wire *bw, struct app_client *cl, uint64_t tsc0)
{
	dps_stack_poll(bw->a, 0);
	app_client_lcore_work(cl, 0, vtsc(tsc0));
	bench_wire_step(bw, QUIET_STEP_NS / 2);
	dps_stack_poll(bw->b, 0);
	bench_wire_step(bw, QUIET_STEP_NS / 2);
}

Test(dpdk_frames, quiet_client_connections_give_their_slots_back, .timeout = 240)
{
	static struct bench_wire bw;
	struct dps_sock_conf ks = { .idle_ms = QUIET_IDLE_MS };
	struct app_cli_conf c;
	struct app_cli_stats st;
	struct dps_sock_stats ss;
	struct app_client *cl;
	struct app_server *sv;
	unsigned int in_use0;
	uint64_t tsc0, end, done0;

	dps_test_eal_init(NULL, 0);
	bench_wire_up_conf(&bw, NULL, NULL, &ks, QUIET_DELAY_NS);
	sv = bench_http_server(&bw);
	cr_assert_not_null(sv);
	app_client_conf_init(&c, APP_CLI_CONC);
	c.proto = APP_CLI_HTTP;
	c.to[0].sin.sin_family = AF_INET;
	c.to[0].sin.sin_port = htons(80);
	inet_pton(AF_INET, "198.18.5.2", &c.to[0].sin.sin_addr);
	c.n_to = 1;
	c.conc = QUIET_CONNS;
	c.rate = 500;		/* requests a second in all: most wait */
	cl = app_client_create("quiet", bw.a, &c);
	cr_assert_not_null(cl);
	cr_assert_eq(app_client_lcore_init(cl, 0), 0);
	tsc0 = rte_rdtsc();
	dps_stack_set_work(bw.a, 0, NULL, NULL);
	in_use0 = dps_test_pool_in_use(bw.pool_a);

	/* Four seconds: every connection open (512 handshakes a round trip
	 * of 200 ms: 2.4 s), most made compact (about a second after their
	 * handshake or their last request), and the tokens (2,000) taking
	 * some back out. */
	while (bench_wire_elapsed() < 4000000000ull)
		quiet_step(&bw, cl, tsc0);
	app_client_stats(cl, &st);
	dps_stack_sock_stats(bw.a, &ss);
	cr_log_info("open %" PRIu64 ", compact %" PRIu64 " without a slot (stack: %u"
		" idle), slots held %" PRIu64 ", written %" PRIu64 "; %" PRIu64
		" bytes a connection with the queues; requests %" PRIu64,
		st.conn_established - st.conn_closed, st.conn_quiet, ss.idle,
		st.slots_held, st.slots_used, app_client_conn_bytes(cl) / QUIET_CONNS,
		st.req_done);
	cr_assert_eq(st.conn_established, QUIET_CONNS);
	cr_assert_eq(st.conn_closed, 0);
	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++)
		cr_assert_eq(st.err[k], 0, "%s errors", app_cli_err_name(k));
	/* Every connection is in a slot or compact, never both or neither. */
	cr_assert_eq(st.slots_held + st.conn_quiet, QUIET_CONNS);
	/* Only what the stack made compact gave its slot back... */
	cr_assert_leq(st.conn_quiet, ss.idle);
	/* ... and what is not compact is what the last second of tokens
	 * took out: a request's round trip (200 ms), the delayed ACK of its
	 * response (up to 200 ms) and the stack's wait before it makes the
	 * connection compact again. */
	cr_assert_leq(st.slots_held, 500, "%" PRIu64 " slots held", st.slots_held);
	/* The requests went on: at least 90 % of the 2,000 tokens. */
	cr_assert_geq(st.req_done, 1800, "%" PRIu64 " requests", st.req_done);
	cr_assert_eq(st.req_done, st.resp_2xx);
	/* The slots written: the connections held at once before the first
	 * went compact, then the spare ones taken again: for the last
	 * third of the open at least, no slot was written. */
	cr_assert_leq(st.slots_used, QUIET_CONNS * 2 / 3, "%" PRIu64
		" slots written", st.slots_used);
	/* All in: those slots, the idle queue's 4 bytes a connection (its
	 * ring of 8,192 for 6,000) and the ready and free queues' few
	 * thousand cells, which follow what they held at once. */
	cr_assert_leq(app_client_conn_bytes(cl), st.slots_used *
		app_client_slot_size() + 8192 * 4 + 2 * 2048 * 4,
		"%" PRIu64 " bytes", app_client_conn_bytes(cl));

	/* Another second: the tokens wake compact connections, which take
	 * spare slots, so no slot is written anew. */
	done0 = st.req_done;
	end = st.slots_used;
	while (bench_wire_elapsed() < 5000000000ull)
		quiet_step(&bw, cl, tsc0);
	app_client_stats(cl, &st);
	cr_assert_geq(st.req_done, done0 + 450);
	cr_assert_eq(st.slots_used, end, "%" PRIu64 " slots written, %" PRIu64
		" before", st.slots_used, end);

	/* The end of the run closes them all, compact ones included. */
	app_client_stop(cl);
	while (!app_client_drained(cl)) {
		cr_assert_lt(bench_wire_elapsed(), 60000000000ull, "not drained");
		quiet_step(&bw, cl, tsc0);
	}
	app_client_stats(cl, &st);
	cr_assert_eq(st.conn_closed, QUIET_CONNS);
	cr_assert_eq(st.conn_quiet, 0);
	/* TIME_WAIT's 60 s, in virtual time, in steps of 5 ms. */
	end = bench_wire_elapsed() + 70000000000ull;
	while (bench_wire_elapsed() < end) {
		dps_stack_poll(bw.a, 0);
		bench_wire_step(&bw, 2500000);
		dps_stack_poll(bw.b, 0);
		bench_wire_step(&bw, 2500000);
	}
	dps_stack_sock_stats(bw.a, &ss);
	cr_log_info("client stack: %u sockets, %u connections (%u TIME_WAIT,"
		" %u compact, %u orphans, %u half-open)", ss.socks_in_use, ss.conns,
		ss.time_wait, ss.idle, ss.orphans, ss.half_open);
	cr_assert_eq(ss.socks_in_use, 0, "%u sockets left", ss.socks_in_use);
	cr_assert_eq(ss.conns, 0, "%u connections left", ss.conns);
	cr_assert_eq(ss.idle, 0);
	cr_assert_eq(dps_test_pool_in_use(bw.pool_a), in_use0, "client mbufs");
}
