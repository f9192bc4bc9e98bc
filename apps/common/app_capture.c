/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in capture (app_capture.h).
 *
 * Where the frames are taken: ethdev rx and tx callbacks
 * (rte_eth_add_rx_callback(), rte_eth_add_tx_callback()), added
 * only when --pcap is given, rather than a hook in the stack's own rx/tx
 * path. Without --pcap the cost is exactly zero: ethdev already tests
 * its (empty) callback list on every burst, and the stack has no branch
 * for it. They see what dpdk-dumpcap sees (rte_pdump uses the same
 * callbacks): every received frame before the stack looks at it, and
 * every frame handed to rte_eth_tx_burst(). A frame the device refuses
 * and the stack keeps in its transmit backlog is offered again later, so
 * it is captured once per attempt, as with dpdk-dumpcap.
 *
 * Who does what:
 * - the callbacks, on the stack lcore that owns the queue: a copy of each
 *   frame (rte_pcapng_copy(), at most --pcap-snaplen bytes) from the
 *   capture's own mempool, stamped, onto a multi-producer ring. A copy
 *   the pool cannot give or the ring cannot take is dropped and counted:
 *   the stack's frames are never held back, delayed or taken from its
 *   pools;
 * - a writer thread, on a CPU no lcore uses (app_thread_attr()): takes
 *   the copies off the ring, writes them (rte_pcapng_write_packets()) and
 *   frees them. It ends the capture at --pcap-duration.
 * At the end (app_capture_stop(), lcores stopped) the writer drains the
 * ring, writes an interface statistics block (frames captured and
 * dropped), and the callbacks are removed; every copy is back in the
 * capture pool, which is checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_capture.h"
#include "app_stack.h"

#define CAP_POOL 4095		/* copies in flight at most */
#define CAP_RING 4096
#define CAP_BURST 64
#define CAP_FRAME_MAX 1518	/* copies above this chain mbufs */

/* One queue's figures: written by the lcore owning the queue (its rx and
 * tx callbacks) with relaxed stores, read by the writer at the end. */
struct cap_queue {
	uint64_t copied;
	uint64_t dropped;
} __rte_cache_aligned;

static struct {
	struct app_capture_conf conf;
	const char *prog;
	uint16_t port;
	unsigned int n_queues;
	struct rte_mempool *pool;
	struct rte_ring *ring;
	rte_pcapng_t *pcap;
	int fd;
	uint64_t real0_ns, tsc0;	/* wall clock at tsc0 */
	double ns_per_tsc;
	uint64_t taken;			/* atomic: copies started (--pcap-count) */
	bool on;			/* atomic: callbacks copy */
	bool stop;			/* atomic: the writer ends */
	uint64_t written;		/* the writer's */
	bool write_failed;		/* the writer's */
	pthread_t writer;
	bool running;
	const struct rte_eth_rxtx_callback *rx_cb[RTE_MAX_QUEUES_PER_PORT];
	const struct rte_eth_rxtx_callback *tx_cb[RTE_MAX_QUEUES_PER_PORT];
	struct cap_queue q[RTE_MAX_QUEUES_PER_PORT];
} cap;

int
app_capture_opt(const char *prog, struct app_capture_conf *cc, int c,
	const char *arg)
{
	unsigned int v;

	switch (c) {
	case 0x1010:
		if (arg[0] == '\0')
			return app_bad_arg(prog, "--pcap", arg);
		cc->path = arg;
		return 1;
	case 0x1011:
		if (app_parse_uint(arg, 1, 262144, &v) != 0)
			return app_bad_arg(prog, "--pcap-snaplen (1 to 262144)", arg);
		cc->snaplen = v;
		return 1;
	case 0x1012:
		return app_parse_size(arg, 1, UINT64_MAX / 2, &cc->count) == 0 ? 1 :
			app_bad_arg(prog, "--pcap-count", arg);
	case 0x1013:
		return app_parse_duration(arg, 1000000, 365ull * 86400 * 1000000000,
			&cc->duration_ns) == 0 ? 1 : app_bad_arg(prog, "--pcap-duration", arg);
	default:
		return 0;
	}
}

/* Relaxed: a switch; nothing is published with it (the copies travel
 * through the ring, which orders them). Pairs with cap_set_on(). */
static inline bool
cap_is_on(void)
{
	return __atomic_load_n(&cap.on, __ATOMIC_RELAXED);
}

/* Relaxed: as cap_is_on(). */
static inline void
cap_set_on(bool on)
{
	__atomic_store_n(&cap.on, on, __ATOMIC_RELAXED);
}

/* How many of @n frames may still be captured under --pcap-count.
 * Relaxed: a count shared by the lcores; nothing is published with it. */
static uint16_t
cap_budget(uint16_t n)
{
	uint64_t before;

	if (cap.conf.count == 0)
		return n;
	before = __atomic_fetch_add(&cap.taken, n, __ATOMIC_RELAXED);
	if (before >= cap.conf.count) {
		cap_set_on(false);
		return 0;
	}
	return (uint16_t)RTE_MIN((uint64_t)n, cap.conf.count - before);
}

/* A queue's counter += @n; only the owning lcore writes. Relaxed store:
 * read by the writer (relaxed) after the lcores stopped. */
static inline void
cap_count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
		__ATOMIC_RELAXED);
}

/*
 * Overwrite the timestamp of pcapng record @rec (an Enhanced Packet Block:
 * type, length, interface, timestamp high and low words) with @ns:
 * rte_pcapng_copy() of DPDK 22.11 converts TSC cycles with a rate read
 * before the EAL measured it, and its times come out wrong (the testwire
 * stamps its records the same way).
 */
static void
cap_stamp(struct rte_mbuf *rec, uint64_t ns)
{
	uint32_t *epb = rte_pktmbuf_mtod(rec, uint32_t *);

	epb[3] = (uint32_t)(ns >> 32);
	epb[4] = (uint32_t)ns;
}

/* Copy up to @n frames of @pkts onto the ring (the lcore's side). */
static void
cap_frames(uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	enum rte_pcapng_direction dir)
{
	struct rte_mbuf *rec[CAP_BURST];
	struct cap_queue *q = &cap.q[queue];
	uint32_t len = cap.conf.snaplen != 0 ? cap.conf.snaplen : UINT32_MAX;
	uint64_t tsc, ns;
	unsigned int k = 0, put;

	if (!cap_is_on() || n == 0)
		return;
	n = RTE_MIN(cap_budget(n), (uint16_t)CAP_BURST);
	tsc = rte_rdtsc();
	ns = cap.real0_ns + (uint64_t)((double)(tsc - cap.tsc0) * cap.ns_per_tsc);
	for (uint16_t i = 0; i < n; i++) {
		rec[k] = rte_pcapng_copy(cap.port, queue, pkts[i], cap.pool, len, tsc,
			dir);
		if (rec[k] != NULL)
			cap_stamp(rec[k++], ns);
	}
	put = rte_ring_mp_enqueue_burst(cap.ring, (void **)rec, k, NULL);
	if (put < k)
		rte_pktmbuf_free_bulk(&rec[put], k - put);
	cap_count(&q->copied, put);
	cap_count(&q->dropped, n - put);
}

static uint16_t
cap_rx(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n,
	uint16_t max, void *arg)
{
	(void)port, (void)max, (void)arg;
	cap_frames(queue, pkts, n, RTE_PCAPNG_DIRECTION_IN);
	return n;
}

static uint16_t
cap_tx(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n,
	void *arg)
{
	(void)port, (void)arg;
	cap_frames(queue, pkts, n, RTE_PCAPNG_DIRECTION_OUT);
	return n;
}

/* The writer: what the ring holds, written and freed. Returns how many. */
static unsigned int
cap_write_some(void)
{
	struct rte_mbuf *rec[CAP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(cap.ring, (void **)rec,
		CAP_BURST, NULL);

	if (n == 0)
		return 0;
	/* rte_pcapng_write_packets() of 22.11 does not free the records. */
	if (rte_pcapng_write_packets(cap.pcap, rec, (uint16_t)n) < 0)
		cap.write_failed = true;
	else
		cap.written += n;
	rte_pktmbuf_free_bulk(rec, n);
	return n;
}

static uint64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *
cap_writer(void *arg)
{
	uint64_t end = cap.conf.duration_ns != 0 ?
		app_now_ns() + cap.conf.duration_ns : UINT64_MAX;

	(void)arg;
	/* Acquire: pairs with the release in app_capture_stop(), after which
	 * no lcore copies any more: the last drain below sees everything. */
	while (!__atomic_load_n(&cap.stop, __ATOMIC_ACQUIRE)) {
		if (cap_is_on() && app_now_ns() >= end)
			cap_set_on(false);
		if (cap_write_some() == 0)
			usleep(1000);
	}
	while (cap_write_some() != 0)
		;
	return NULL;
}

/* The file, its pool and ring; 0 or -errno after a one-line error. */
static int
cap_open(const char *prog, const struct app_capture_conf *cc)
{
	uint32_t frame = cc->snaplen != 0 ? RTE_MIN(cc->snaplen,
		(uint32_t)CAP_FRAME_MAX) : CAP_FRAME_MAX;

	cap.pool = rte_pktmbuf_pool_create("app_capture", CAP_POOL, 0, 0,
		(uint16_t)(RTE_PKTMBUF_HEADROOM + rte_pcapng_mbuf_size(frame)),
		SOCKET_ID_ANY);
	cap.ring = rte_ring_create("app_capture", CAP_RING, SOCKET_ID_ANY,
		RING_F_SC_DEQ);
	if (cap.pool == NULL || cap.ring == NULL) {
		fprintf(stderr, "%s: --pcap: no memory for the capture (%s)\n", prog,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	cap.fd = open(cc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (cap.fd < 0) {
		fprintf(stderr, "%s: --pcap: cannot open %s: %s\n", prog, cc->path,
			strerror(errno));
		return -errno;
	}
	/* After the ports are configured: the header lists the interfaces. */
	cap.pcap = rte_pcapng_fdopen(cap.fd, NULL, NULL, prog, NULL);
	if (cap.pcap == NULL) {
		fprintf(stderr, "%s: --pcap: cannot write %s: %s\n", prog, cc->path,
			rte_strerror(rte_errno));
		close(cap.fd);
		return -EIO;
	}
	return 0;
}

/* Undo what cap_open() and the callbacks did (not the file). */
static void
cap_release(void)
{
	for (unsigned int i = 0; i < cap.n_queues; i++) {
		if (cap.rx_cb[i] != NULL)
			rte_eth_remove_rx_callback(cap.port, (uint16_t)i, cap.rx_cb[i]);
		if (cap.tx_cb[i] != NULL)
			rte_eth_remove_tx_callback(cap.port, (uint16_t)i, cap.tx_cb[i]);
	}
	rte_ring_free(cap.ring);
	rte_mempool_free(cap.pool);
	cap.ring = NULL;
	cap.pool = NULL;
}

int
app_capture_start(const char *prog, const struct app_capture_conf *cc,
	uint16_t port, unsigned int n_queues)
{
	pthread_attr_t attr;
	int rc;

	if (cc->path == NULL)
		return 0;
	cap.conf = *cc;
	cap.prog = prog;
	cap.port = port;
	cap.n_queues = RTE_MIN(n_queues, (unsigned int)RTE_MAX_QUEUES_PER_PORT);
	rc = cap_open(prog, cc);
	if (rc != 0) {
		cap_release();
		return rc;
	}
	cap.real0_ns = real_ns();
	cap.tsc0 = rte_rdtsc();
	cap.ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
	cap_set_on(true);
	for (unsigned int i = 0; i < cap.n_queues; i++) {
		cap.rx_cb[i] = rte_eth_add_rx_callback(port, (uint16_t)i, cap_rx, NULL);
		cap.tx_cb[i] = rte_eth_add_tx_callback(port, (uint16_t)i, cap_tx,
			NULL);
		if (cap.rx_cb[i] == NULL || cap.tx_cb[i] == NULL)
			rc = -rte_errno;
	}
	app_thread_attr(&attr);
	if (rc == 0 && pthread_create(&cap.writer, &attr, cap_writer, NULL) != 0)
		rc = -EAGAIN;
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		fprintf(stderr, "%s: --pcap: cannot capture port %u: %s\n", prog, port,
			rte_strerror(-rc));
		cap_release();
		rte_pcapng_close(cap.pcap);
		return rc;
	}
	cap.running = true;
	return 0;
}

void
app_capture_stop(void)
{
	uint64_t copied = 0, dropped = 0;
	unsigned int left;

	if (!cap.running)
		return;
	cap_set_on(false);
	/* Release: the lcores' last copies (they have stopped) before the
	 * flag; pairs with the acquire in cap_writer(). */
	__atomic_store_n(&cap.stop, true, __ATOMIC_RELEASE);
	pthread_join(cap.writer, NULL);
	cap.running = false;
	for (unsigned int i = 0; i < cap.n_queues; i++) {
		/* Relaxed: the lcores stopped; pthread_join() ordered the rest. */
		copied += __atomic_load_n(&cap.q[i].copied, __ATOMIC_RELAXED);
		dropped += __atomic_load_n(&cap.q[i].dropped, __ATOMIC_RELAXED);
	}
	rte_pcapng_write_stats(cap.pcap, cap.port, "dropped: copies the capture "
		"pool or ring had no room for", 0, 0, copied + dropped, dropped);
	rte_pcapng_close(cap.pcap);
	left = CAP_POOL - rte_mempool_avail_count(cap.pool);
	fprintf(stderr, "%s: capture: %" PRIu64 " frames written to %s, %" PRIu64
		" dropped (capture pool or ring full)%s%s\n", cap.prog, cap.written,
		cap.conf.path, dropped, cap.write_failed ? ", WRITE FAILED" : "",
		left != 0 ? ", capture mbufs LEAKED" : "");
	cap_release();
}
