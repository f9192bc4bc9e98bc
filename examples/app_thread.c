/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app_thread: an application thread that talks through dpstack's sockets
 * while the stack polls on its own lcore.
 *
 * The shape of the program:
 *   main()             EAL, stack, port, address; starts the application
 *                      thread, then *becomes the stack's poll loop*
 *                      (dps_stack_run()) until someone calls
 *                      dps_stack_stop().
 *   application thread a plain pthread, not an lcore: it connects, sends
 *                      and receives with dps_ calls that block exactly as
 *                      the kernel's socket calls do, then stops the stack.
 *
 * Why not call dps_connect() from main()? The first natural attempt
 * creates the stack, starts it and connects from main(): that connect
 * fails at once with EINPROGRESS. A stack made with n_lcores 0 polls on
 * the lcore that created it, here the EAL main lcore, so main() *is* a
 * stack lcore, and a socket call on a stack lcore never sleeps: it would
 * stop the very loop that has to finish the handshake. There a blocking
 * connect behaves as a non-blocking one (see dps_connect() in
 * <dpstack/dps_socket.h>). Two ways out:
 *   - keep main() as the poll loop and do the socket work on another
 *     thread, as this program does;
 *   - or give the stack a worker lcore (EAL -l 0,1; conf.lcores = { 1 },
 *     conf.n_lcores = 1; dps_stack_launch() after dps_stack_start()), so
 *     that main() is not a stack lcore and may block in dps_ calls.
 * Code that wants to live on the lcore itself uses callbacks instead:
 * see appliance.c.
 *
 * Usage: app_thread EAL-ARGS -- LOCAL/PLEN PEER PORT [MESSAGE]
 *   app_thread --no-huge -m 512 --no-pci -l 0 \
 *       --vdev=net_af_packet0,iface=veth1 -- 198.18.0.2/24 198.18.0.1 7
 * Connects from LOCAL to PEER:PORT, an echo server, on port 0; sends
 * MESSAGE; reads as many bytes back; prints them; exits 0 when they are
 * the bytes sent.
 *
 * Build against an installed dpstack:
 *   cc -o app_thread app_thread.c $(pkg-config --cflags --libs libdpstack) -lpthread
 */
#define _GNU_SOURCE	/* pthread_attr_setaffinity_np(), CPU_SET() */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include <dpstack/dpstack.h>

struct app {
	struct dps_stack *stack;
	struct sockaddr_in peer;
	const char *msg;
	int status;		/* the program's exit status */
};

static struct dps_stack *the_stack;

/* Ctrl-C: ask the poll loop to return (async-signal-safe). */
static void
on_signal(int sig)
{
	(void)sig;
	dps_stack_stop(the_stack);
}

/* Read exactly @p len bytes, or fewer at EOF. */
static ssize_t
recv_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = dps_recv(fd, buf + got, len - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;		/* the peer closed */
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The application: ordinary blocking socket code with a dps_ prefix. */
static int
echo_once(const struct app *a)
{
	size_t len = strlen(a->msg);
	struct timeval tv = { .tv_sec = 10 };
	char *back = malloc(len + 1);
	ssize_t n;
	int fd, rc = 1;

	fd = dps_socket(AF_INET, SOCK_STREAM, 0);	/* on the started stack */
	if (fd < 0 || back == NULL) {
		fprintf(stderr, "app_thread: socket: %s\n", strerror(errno));
		free(back);
		return 1;
	}
	/* A silent peer should not hang the example: 10 s per read. */
	dps_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Blocks until the three-way handshake is over: this thread is not
	 * a stack lcore, so the request goes to the lcore and the thread
	 * sleeps on its eventfd until the answer comes back. */
	if (dps_connect(fd, (const struct sockaddr *)&a->peer, sizeof(a->peer)) != 0) {
		fprintf(stderr, "app_thread: connect: %s\n", strerror(errno));
		goto out;
	}
	/* A blocking send queues all of it (or fails). */
	if (dps_send(fd, a->msg, len, 0) != (ssize_t)len) {
		fprintf(stderr, "app_thread: send: %s\n", strerror(errno));
		goto out;
	}
	n = recv_all(fd, back, len);
	if (n < 0) {
		fprintf(stderr, "app_thread: recv: %s\n", strerror(errno));
		goto out;
	}
	back[n] = '\0';
	printf("app_thread: sent %zu bytes, echoed %zd: %s\n", len, n, back);
	rc = ((size_t)n == len && memcmp(back, a->msg, len) == 0) ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "app_thread: the echo differs from what was sent\n");
out:
	/* Returns once the owning lcore has run the close: the FIN is on
	 * its way, and the lcore finishes the close on its own. */
	dps_close(fd);
	free(back);
	return rc;
}

static void *
app_main(void *arg)
{
	struct app *a = arg;

	a->status = echo_once(a);
	/* This thread was attached to the stack on its first dps_ call and
	 * is detached when it exits. Let main()'s poll loop return. */
	dps_stack_stop(a->stack);
	return NULL;
}

/*
 * The EAL pinned the main thread, and so every thread it creates, to the
 * main lcore's CPU, where the poll loop spins. Let the application thread
 * run on the other CPUs (all of them if the lcores hold every CPU).
 */
static void
unpinned(pthread_attr_t *attr)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	rte_cpuset_t lc = rte_lcore_cpuset(rte_get_main_lcore());
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
		if (!CPU_ISSET(c, &lc))
			CPU_SET(c, &set);
	if (CPU_COUNT(&set) == 0)
		for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
			CPU_SET(c, &set);
	pthread_attr_init(attr);
	pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

/* LOCAL/PLEN PEER PORT [MESSAGE] */
static int
parse_args(int argc, char **argv, struct dps_addr *local, uint8_t *plen,
	struct app *a)
{
	char *end;
	long port;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: app_thread EAL-ARGS -- LOCAL/PLEN PEER PORT [MESSAGE]\n");
		return -1;
	}
	port = strtol(argv[3], &end, 10);
	if (dps_prefix_parse(argv[1], local, plen) != 0 ||
			inet_pton(AF_INET, argv[2], &a->peer.sin_addr) != 1 ||
			*end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "app_thread: bad address or port\n");
		return -1;
	}
	a->peer.sin_family = AF_INET;
	a->peer.sin_port = htons((uint16_t)port);
	a->msg = argc == 5 ? argv[4] : "hello from an application thread";
	return 0;
}

int
main(int argc, char **argv)
{
	struct app a = { .status = 1 };
	/* No lcore list: the stack polls on this, the calling, lcore. */
	struct dps_stack_conf conf = { .name = "app_thread" };
	struct dps_port_conf pc = { 0 };
	struct dps_addr local;
	pthread_attr_t attr;
	pthread_t th;
	uint8_t plen;
	int n, ifx;

	n = dps_eal_init(argc, argv);	/* EAL arguments, up to "--" */
	if (n < 0)
		return 2;
	if (parse_args(argc - n, argv + n, &local, &plen, &a) != 0)
		return 2;

	the_stack = a.stack = dps_stack_create(&conf);
	if (a.stack == NULL) {
		fprintf(stderr, "app_thread: cannot create the stack\n");
		return 1;
	}
	ifx = dps_stack_add_port(a.stack, 0, &pc);	/* ethdev port 0 */
	n = ifx < 0 ? ifx : dps_stack_add_addr(a.stack, ifx, &local, plen);
	if (n == 0)
		n = dps_stack_start(a.stack);	/* waits for the link */
	if (n != 0) {
		fprintf(stderr, "app_thread: %s\n", dps_stack_strerror(a.stack)[0] != '\0' ?
			dps_stack_strerror(a.stack) : strerror(-n));
		dps_stack_destroy(a.stack);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	unpinned(&attr);
	if (pthread_create(&th, &attr, app_main, &a) != 0) {
		fprintf(stderr, "app_thread: cannot start the application thread\n");
		dps_stack_destroy(a.stack);
		return 1;
	}
	/* main() is stack lcore 0: poll here until app_main() stops us. */
	dps_stack_run(a.stack, 0);
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	dps_stack_destroy(a.stack);
	rte_eal_cleanup();
	return a.status;
}
