/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * appliance: a program that owns its main loop and drives dpstack from
 * it with dps_stack_poll(), its network code running on the lcore itself.
 *
 * Everything runs on one thread, the EAL main lcore, which is the stack's
 * only lcore. Socket calls made on a stack lcore run inline, with no ring
 * hop, and never sleep:
 *   - dps_connect() returns -1 with EINPROGRESS at once; the 'connected'
 *     callback says when the handshake is over (a blocking connect would
 *     wait for the very loop it stops);
 *   - dps_send() queues what fits and dps_recv() fails with EAGAIN when
 *     nothing is there, as with SOCK_NONBLOCK.
 * Callbacks run inside dps_stack_poll() and only note what happened; the
 * work function, which the stack calls inside the same poll after input
 * and timers (dps_stack_set_work()), acts on it. What the work sends then
 * leaves in that iteration's output, with the ACKs that input made owed.
 *
 * Usage: appliance EAL-ARGS -- LOCAL/PLEN PEER PORT [MESSAGE]
 *   appliance --no-huge -m 512 --no-pci -l 0 \
 *       --vdev=net_af_packet0,iface=veth1 -- 198.18.0.2/24 198.18.0.1 7
 * Connects from LOCAL to PEER:PORT, an echo server, on port 0; sends
 * MESSAGE; reads as many bytes back; prints them; closes; exits 0 when
 * the echo is the bytes sent. It gives up after 10 s.
 *
 * Build against an installed dpstack:
 *   cc -o appliance appliance.c $(pkg-config --cflags --libs libdpstack)
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include <dpstack/dpstack.h>

/* Events the callbacks note for the work function. */
enum {
	EV_CONNECTED = 1,
	EV_READABLE = 2,
	EV_WRITABLE = 4,
	EV_ERROR = 8,
};

/* One echo exchange, owned by the lcore: no locks, no atomics. */
struct echo {
	int fd;
	unsigned int events;	/* EV_*, noted by the callbacks */
	int err;		/* from the 'error' callback */
	const char *msg;
	size_t len, sent, got;
	char *back;		/* what came back, len + 1 bytes */
	bool done;
	int status;		/* the program's exit status */
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ---- callbacks: inside dps_stack_poll(), on the owning lcore ---- */

static void
cb_connected(int fd, void *arg)
{
	struct echo *e = arg;

	(void)fd;
	e->events |= EV_CONNECTED;
}

static void
cb_error(int fd, int err, void *arg)
{
	struct echo *e = arg;

	(void)fd;
	e->err = err;		/* as SO_ERROR would read it */
	e->events |= EV_ERROR;
}

static void
cb_readable(int fd, void *arg)
{
	struct echo *e = arg;

	(void)fd;
	e->events |= EV_READABLE;
}

static void
cb_writable(int fd, void *arg)
{
	struct echo *e = arg;

	(void)fd;
	e->events |= EV_WRITABLE;
}

static const struct dps_sock_cbs echo_cbs = {
	.connected = cb_connected,
	.error = cb_error,
	.readable = cb_readable,
	.writable = cb_writable,
};

/* ---- the work: acts on what the callbacks noted ---- */

static void
finish(struct echo *e, int status)
{
	dps_set_callbacks(e->fd, NULL, NULL);
	dps_close(e->fd);	/* the FIN leaves with this iteration's output */
	e->done = true;
	e->status = status;
}

/* Send what is left of the message; the send buffer may take part of it. */
static int
send_rest(struct echo *e)
{
	ssize_t r = dps_send(e->fd, e->msg + e->sent, e->len - e->sent, 0);

	if (r > 0)
		e->sent += (size_t)r;
	else if (r < 0 && errno != EAGAIN)
		return -1;
	return 0;		/* EAGAIN: wait for 'writable' */
}

/* Read what arrived; 1 once the whole echo is in. */
static int
recv_some(struct echo *e)
{
	for (;;) {
		ssize_t r = dps_recv(e->fd, e->back + e->got, e->len - e->got, 0);

		if (r > 0) {
			e->got += (size_t)r;
			if (e->got == e->len)
				return 1;
			continue;
		}
		if (r < 0 && errno == EAGAIN)
			return 0;	/* nothing more for now */
		if (r == 0)
			errno = ECONNRESET;	/* closed before echoing all */
		return -1;
	}
}

static unsigned int
echo_work(struct dps_stack *s, unsigned int idx, void *arg)
{
	struct echo *e = arg;
	unsigned int ev = e->events;
	int r;

	(void)s;
	(void)idx;
	if (e->done || ev == 0)
		return 0;	/* idle: counts toward the lcore's idle time */
	e->events = 0;
	if (ev & EV_ERROR) {
		fprintf(stderr, "appliance: connection failed: %s\n", strerror(e->err));
		finish(e, 1);
		return 1;
	}
	if ((ev & (EV_CONNECTED | EV_WRITABLE)) && e->sent < e->len &&
			send_rest(e) != 0) {
		fprintf(stderr, "appliance: send: %s\n", strerror(errno));
		finish(e, 1);
		return 1;
	}
	if (ev & EV_READABLE) {
		r = recv_some(e);
		if (r < 0) {
			fprintf(stderr, "appliance: recv: %s\n", strerror(errno));
			finish(e, 1);
		} else if (r == 1) {
			e->back[e->len] = '\0';
			printf("appliance: sent %zu bytes, echoed %zu: %s\n",
				e->len, e->got, e->back);
			finish(e, memcmp(e->back, e->msg, e->len) == 0 ? 0 : 1);
		}
	}
	return 1;
}

/* ---- set-up ---- */

static int
start_echo(struct echo *e, const struct sockaddr_in *peer)
{
	e->fd = dps_socket(AF_INET, SOCK_STREAM, 0);
	if (e->fd < 0) {
		fprintf(stderr, "appliance: socket: %s\n", strerror(errno));
		return -1;
	}
	/* Callbacks go in before connect, so 'connected' is not missed. */
	if (dps_set_callbacks(e->fd, &echo_cbs, e) != 0) {
		fprintf(stderr, "appliance: callbacks: %s\n", strerror(errno));
		return -1;
	}
	/* On a stack lcore this never waits: EINPROGRESS is the good answer. */
	if (dps_connect(e->fd, (const struct sockaddr *)peer, sizeof(*peer)) == 0 ||
			errno != EINPROGRESS) {
		fprintf(stderr, "appliance: connect: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* LOCAL/PLEN PEER PORT [MESSAGE] */
static int
parse_args(int argc, char **argv, struct dps_addr *local, uint8_t *plen,
	struct sockaddr_in *peer, const char **msg)
{
	char *end;
	long port;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: appliance EAL-ARGS -- LOCAL/PLEN PEER PORT [MESSAGE]\n");
		return -1;
	}
	port = strtol(argv[3], &end, 10);
	if (dps_prefix_parse(argv[1], local, plen) != 0 ||
			inet_pton(AF_INET, argv[2], &peer->sin_addr) != 1 ||
			*end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "appliance: bad address or port\n");
		return -1;
	}
	peer->sin_family = AF_INET;
	peer->sin_port = htons((uint16_t)port);
	*msg = argc == 5 ? argv[4] : "hello from an appliance's own loop";
	return 0;
}

/* Poll until the connection the appliance closed has finished closing
 * (no FIN_WAIT, CLOSING or LAST_ACK left), for at most @p ms. */
static void
drain_close(struct dps_stack *s, unsigned int ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;
	struct dps_sock_stats st;

	do {
		dps_stack_poll(s, 0);
		dps_stack_sock_stats(s, &st);
	} while (st.orphans != 0 && rte_get_tsc_cycles() < end);
}

int
main(int argc, char **argv)
{
	struct dps_stack_conf conf = { .name = "appliance" };	/* this lcore */
	struct dps_port_conf pc = { 0 };
	struct echo e = { .fd = -1, .status = 1 };
	struct sockaddr_in peer = { 0 };
	struct dps_stack *s;
	struct dps_addr local;
	uint64_t deadline;
	uint8_t plen;
	int n, ifx;

	n = dps_eal_init(argc, argv);	/* EAL arguments, up to "--" */
	if (n < 0)
		return 2;
	if (parse_args(argc - n, argv + n, &local, &plen, &peer, &e.msg) != 0)
		return 2;
	e.len = strlen(e.msg);
	e.back = calloc(1, e.len + 1);

	s = dps_stack_create(&conf);
	if (s == NULL || e.back == NULL) {
		fprintf(stderr, "appliance: cannot create the stack\n");
		return 1;
	}
	ifx = dps_stack_add_port(s, 0, &pc);	/* ethdev port 0 */
	n = ifx < 0 ? ifx : dps_stack_add_addr(s, ifx, &local, plen);
	if (n == 0)
		n = dps_stack_start(s);		/* waits for the link */
	if (n != 0) {
		fprintf(stderr, "appliance: %s\n", dps_stack_strerror(s)[0] != '\0' ?
			dps_stack_strerror(s) : strerror(-n));
		dps_stack_destroy(s);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Stack lcore 0 is this thread: the work runs inside its polls. */
	dps_stack_set_work(s, 0, echo_work, &e);
	if (start_echo(&e, &peer) != 0) {
		dps_stack_destroy(s);
		return 1;
	}

	/* The appliance's own loop. */
	deadline = rte_get_tsc_cycles() + 10 * rte_get_tsc_hz();
	while (!e.done && !interrupted) {
		dps_stack_poll(s, 0);	/* rx, timers, callbacks, work, tx */
		/* ... the appliance's other duties would go here ... */
		if (rte_get_tsc_cycles() > deadline) {
			fprintf(stderr, "appliance: no echo within 10 s\n");
			finish(&e, 1);
		}
	}
	dps_stack_set_work(s, 0, NULL, NULL);
	drain_close(s, 1000);	/* let the close run its course */
	dps_stack_destroy(s);
	rte_eal_cleanup();
	free(e.back);
	return e.status;
}
