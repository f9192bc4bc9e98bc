/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memif_floor: the raw floor under dpstack's numbers. Two processes, one
 * lcore each, joined by a memif vdev on port 0, and no TCP/IP at all:
 *
 *   memif_floor [EAL] -- --role echo
 *       reflect every frame (MACs swapped) until SIGINT/SIGTERM or
 *       --duration
 *   memif_floor [EAL] -- --role pingpong --count N --size S
 *       one S-byte frame out, wait for it back, N times; the round trip
 *       (TSC-timed) as a histogram
 *   memif_floor [EAL] -- --role flood --duration D --size S
 *       S-byte frames as fast as the ring takes them for D; frames/s and
 *       Gbit/s sent and received back
 *
 * Example (two shells):
 *   memif_floor --no-huge -m 256 --no-pci --no-shconf -l 0 --file-prefix=a \
 *     --vdev=net_memif0,role=server,socket=/tmp/mf.sock -- --role echo
 *   memif_floor --no-huge -m 256 --no-pci --no-shconf -l 1 --file-prefix=b \
 *     --vdev=net_memif0,role=client,socket=/tmp/mf.sock -- \
 *     --role pingpong --count 100000 --size 64
 *
 * Output: "result role=... key=value ..." plus app_hist_print lines.
 * Exit status: 0 done, 1 failure, 2 bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include "app_args.h"
#include "app_hist.h"

#define PROG "memif_floor"
#define PORT 0
#define BURST 32
#define NB_DESC 1024
#define NB_MBUF 4095
#define ETHERTYPE_FLOOR 0x88b5		/* IEEE 802 local experimental */
#define LINK_WAIT_S 30

enum role { R_ECHO, R_PINGPONG, R_FLOOD };

struct opts {
	enum role role;
	unsigned int count, size;
	uint64_t duration_ns;		/* 0: echo until a signal */
};

/* What a pingpong frame carries after the Ethernet header. */
struct probe {
	uint64_t seq;
	uint64_t tsc;
};

static volatile bool stop;
static struct rte_mempool *pool;
static struct app_hist rtt;

/* SIGINT/SIGTERM: end the run. */
static void
on_signal(int sig)
{
	(void)sig;
	stop = true;
}

/* --help, with an example. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: memif_floor [EAL options] -- --role echo|pingpong|flood [options]\n"
"Raw frames over port 0 (a memif vdev), no TCP: the floor under dpstack.\n"
"  --role echo         reflect every frame (MACs swapped)\n"
"  --role pingpong     one frame out, wait for it back, --count times\n"
"  --role flood        transmit as fast as the ring takes frames\n"
"  --count N           pingpong round trips (default 100000)\n"
"  --size S            frame size in bytes, 60..1514 (default 64)\n"
"  --duration D        flood length (default 5s); echo stops after D if given\n"
"example:\n"
"  memif_floor --no-huge -m 256 --no-pci --no-shconf -l 0 --file-prefix=a \\\n"
"    --vdev=net_memif0,role=server,socket=/tmp/mf.sock -- --role echo &\n"
"  memif_floor --no-huge -m 256 --no-pci --no-shconf -l 1 --file-prefix=b \\\n"
"    --vdev=net_memif0,role=client,socket=/tmp/mf.sock -- \\\n"
"    --role flood --duration 3s --size 64\n");
}

/* Parse the app's options (after EAL's). */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool has_role = false;
	uint64_t sz;
	int c;

	o->count = 100000;
	o->size = 64;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'r':
			has_role = true;
			if (strcmp(optarg, "echo") == 0)
				o->role = R_ECHO;
			else if (strcmp(optarg, "pingpong") == 0)
				o->role = R_PINGPONG;
			else if (strcmp(optarg, "flood") == 0)
				o->role = R_FLOOD;
			else
				return app_bad_arg(PROG, "--role", optarg);
			break;
		case 'n':
			if (app_parse_uint(optarg, 1, 1000000000, &o->count) != 0)
				return app_bad_arg(PROG, "--count", optarg);
			break;
		case 's':
			if (app_parse_size(optarg, 60, 1514, &sz) != 0)
				return app_bad_arg(PROG, "--size", optarg);
			o->size = (unsigned int)sz;
			break;
		case 'd':
			if (app_parse_duration(optarg, 1000000, 86400000000000ull,
					&o->duration_ns) != 0)
				return app_bad_arg(PROG, "--duration", optarg);
			break;
		default:
			fprintf(stderr, PROG ": unknown option (try --help)\n");
			return -EINVAL;
		}
	}
	if (optind != argc)
		return app_bad_arg(PROG, "argument", argv[optind]);
	if (!has_role) {
		fprintf(stderr, PROG ": --role is required (try --help)\n");
		return -EINVAL;
	}
	if (o->role == R_FLOOD && o->duration_ns == 0)
		o->duration_ns = 5000000000ull;
	return 0;
}

/* Port 0 with one rx and one tx queue on our own pool; waits for the
 * link (the memif peer) to come up. */
static int
port_up(void)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_link link;
	uint64_t until;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, PROG ": no port (give --vdev=net_memif0,...)\n");
		return -ENODEV;
	}
	pool = rte_pktmbuf_pool_create("mf_pool", NB_MBUF, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, PROG ": mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = rte_eth_dev_configure(PORT, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(PORT, 0, NB_DESC, rte_socket_id(),
			NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(PORT, 0, NB_DESC, rte_socket_id(),
			NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(PORT);
	if (rc != 0) {
		fprintf(stderr, PROG ": port %u setup: %s\n", PORT, strerror(-rc));
		return rc;
	}
	until = rte_get_tsc_cycles() + LINK_WAIT_S * rte_get_tsc_hz();
	do {
		if (rte_eth_link_get_nowait(PORT, &link) == 0 &&
				link.link_status == RTE_ETH_LINK_UP)
			return 0;
		rte_delay_ms(10);
	} while (!stop && rte_get_tsc_cycles() < until);
	fprintf(stderr, PROG ": link down: no peer within %d s\n", LINK_WAIT_S);
	return -ETIMEDOUT;
}

/* Reflect frames until stopped (or --duration). */
static int
run_echo(const struct opts *o)
{
	struct rte_mbuf *m[BURST];
	uint64_t frames = 0, dropped = 0, end = UINT64_MAX;

	if (o->duration_ns != 0)
		end = rte_get_tsc_cycles() + o->duration_ns / 1000000 *
			rte_get_tsc_hz() / 1000;
	while (!stop && rte_get_tsc_cycles() < end) {
		uint16_t n = rte_eth_rx_burst(PORT, 0, m, BURST), sent;

		if (n == 0)
			continue;
		for (uint16_t i = 0; i < n; i++) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m[i],
				struct rte_ether_hdr *);
			struct rte_ether_addr t = eh->src_addr;

			eh->src_addr = eh->dst_addr;
			eh->dst_addr = t;
		}
		sent = rte_eth_tx_burst(PORT, 0, m, n);
		frames += sent;
		dropped += n - sent;
		if (sent < n)
			rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
	printf("result role=echo frames=%" PRIu64 " dropped=%" PRIu64 "\n",
		frames, dropped);
	return 0;
}

/* A frame of @p size bytes from us to the broadcast address; NULL when
 * the pool is empty. */
static struct rte_mbuf *
make_frame(unsigned int size)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)size);
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	rte_eth_macaddr_get(PORT, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ETHERTYPE_FLOOR);
	return m;
}

/* Send one probe and wait for it; the round trip in TSC cycles, or 0
 * after a second without it. */
static uint64_t
ping_once(unsigned int size, uint64_t seq)
{
	struct rte_mbuf *m = make_frame(size), *rx[BURST];
	struct probe pr = { .seq = seq };
	uint64_t t0, limit;

	if (m == NULL)
		return 0;
	/* after the 14-byte header: unaligned, so copied */
	t0 = pr.tsc = rte_rdtsc();
	memcpy(rte_pktmbuf_mtod_offset(m, void *, sizeof(struct rte_ether_hdr)),
		&pr, sizeof(pr));
	while (rte_eth_tx_burst(PORT, 0, &m, 1) == 0)
		if (stop) {
			rte_pktmbuf_free(m);
			return 0;
		}
	limit = t0 + rte_get_tsc_hz();
	while (!stop && rte_rdtsc() < limit) {
		uint16_t n = rte_eth_rx_burst(PORT, 0, rx, BURST);
		uint64_t t1 = rte_rdtsc();
		bool got = false;

		for (uint16_t i = 0; i < n; i++) {
			memcpy(&pr, rte_pktmbuf_mtod_offset(rx[i], void *,
				sizeof(struct rte_ether_hdr)), sizeof(pr));
			got |= rx[i]->pkt_len == size && pr.seq == seq;
		}
		rte_pktmbuf_free_bulk(rx, n);
		if (got)
			return t1 - t0;
	}
	return 0;
}

/* --count round trips of one frame; the first 1% warm up unrecorded. */
static int
run_pingpong(const struct opts *o)
{
	unsigned int warm = o->count / 100, lost = 0, done = 0;
	double ns_per_cyc = 1e9 / (double)rte_get_tsc_hz();

	app_hist_reset(&rtt);
	for (unsigned int i = 0; i < warm + o->count && !stop; i++) {
		uint64_t c = ping_once(o->size, i);

		if (c == 0) {
			lost++;
			continue;
		}
		if (i >= warm) {
			app_hist_add(&rtt, (uint64_t)((double)c * ns_per_cyc));
			done++;
		}
	}
	printf("result role=pingpong count=%u lost=%u size=%u p50_us=%.3f "
		"p99_us=%.3f p999_us=%.3f mean_us=%.3f\n", done, lost, o->size,
		(double)app_hist_pct(&rtt, 50) / 1e3,
		(double)app_hist_pct(&rtt, 99) / 1e3,
		(double)app_hist_pct(&rtt, 99.9) / 1e3, app_hist_mean(&rtt) / 1e3);
	app_hist_print(stdout, "rtt", &rtt, true);
	return lost == 0 && done == o->count ? 0 : 1;
}

/* Fill up to BURST frames and offer them to the tx ring; returns how
 * many it took. */
static uint16_t
flood_tx(unsigned int size, const struct rte_ether_hdr *tmpl)
{
	struct rte_mbuf *m[BURST];
	uint16_t sent;

	if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
		return 0;
	for (int i = 0; i < BURST; i++) {
		m[i]->data_len = (uint16_t)size;
		m[i]->pkt_len = size;
		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), tmpl, sizeof(*tmpl));
	}
	sent = rte_eth_tx_burst(PORT, 0, m, BURST);
	if (sent < BURST)
		rte_pktmbuf_free_bulk(m + sent, BURST - sent);
	return sent;
}

/* Receive and free what came back; returns the count. */
static uint16_t
flood_rx(void)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(PORT, 0, m, BURST);

	rte_pktmbuf_free_bulk(m, n);
	return n;
}

/* Transmit for --duration, count what is sent and reflected. */
static int
run_flood(const struct opts *o)
{
	struct rte_ether_hdr tmpl;
	uint64_t hz = rte_get_tsc_hz(), tx = 0, rx = 0, t0, t1, end;
	double s, bits = (double)o->size * 8;

	memset(&tmpl.dst_addr, 0xff, sizeof(tmpl.dst_addr));
	rte_eth_macaddr_get(PORT, &tmpl.src_addr);
	tmpl.ether_type = rte_cpu_to_be_16(ETHERTYPE_FLOOR);
	t0 = rte_get_tsc_cycles();
	end = t0 + o->duration_ns / 1000000 * hz / 1000;
	while (!stop && (t1 = rte_get_tsc_cycles()) < end) {
		tx += flood_tx(o->size, &tmpl);
		rx += flood_rx();
	}
	t1 = rte_get_tsc_cycles();
	/* what is still on its way back */
	for (uint64_t until = t1 + hz / 10; rte_get_tsc_cycles() < until;)
		rx += flood_rx();
	s = (double)(t1 - t0) / (double)hz;
	printf("result role=flood size=%u secs=%.3f tx_frames=%" PRIu64
		" tx_fps=%.0f tx_gbit_per_s=%.3f rx_frames=%" PRIu64
		" rx_fps=%.0f rx_gbit_per_s=%.3f\n", o->size, s, tx,
		(double)tx / s, (double)tx * bits / s / 1e9, rx, (double)rx / s,
		(double)rx * bits / s / 1e9);
	return tx > 0 && rx > 0 ? 0 : 1;
}

/* EAL first, then our options; one role on the main lcore. */
int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	int n, rc;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, PROG ": EAL init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (parse_args(argc - n, argv + n, &o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (port_up() != 0) {
		rte_eal_cleanup();
		return 1;
	}
	rc = o.role == R_ECHO ? run_echo(&o) : o.role == R_PINGPONG ?
		run_pingpong(&o) : run_flood(&o);
	fflush(stdout);
	rte_eth_dev_stop(PORT);
	rte_eth_dev_close(PORT);
	rte_eal_cleanup();
	return rc;
}
