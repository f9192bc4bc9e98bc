/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kbench: the Linux kernel's TCP on loopback, for comparison with
 * dpstack's apps. One process per role, one thread each, epoll-driven
 * (so it compares with one dpstack lcore).
 *
 *   kbench server --port 8080 --proto http --resp-size 1k
 *   kbench client --to 127.0.0.1:8080 --mode cps --duration 10s --conc 64
 *   kbench client --to 127.0.0.1:8080 --mode rr --conc 1
 *   kbench server --port 9000 --proto source
 *   kbench client --to 127.0.0.1:9000 --mode bulk --duration 5s
 *   kbench client --to 127.0.0.1:8080 --mode idle --count 10000
 *   kbench server --port 8080 --proto http --v6
 *   kbench client --to '[::1]:8080' --mode rr
 *
 * Each result is one line "result mode=... key=value ..." for scripts,
 * followed by the histograms (app_hist_print). Exit status: 0 done,
 * 1 failure, 2 bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "app_args.h"
#include "app_hist.h"
#include "app_http.h"

#define PROG "kbench"
#define IOBUF (256 * 1024)
#define MAX_EV 256

enum proto { P_HTTP, P_ECHO, P_DISCARD, P_SOURCE };
enum mode { M_CPS, M_RR, M_BULK, M_IDLE };

struct opts {
	bool server;
	unsigned int port;
	enum proto proto;
	union app_sockaddr to;		/* AF_INET or AF_INET6 sockets by its family */
	bool has_to, send, v6;
	enum mode mode;
	uint64_t duration_ns, req_size, resp_size;
	unsigned int conc, count;
};

/* A connection of either role. */
struct conn {
	int fd;
	struct app_http http;
	uint32_t pending;	/* server: keep-alive responses to send */
	bool final;		/* server: then one with Connection: close */
	bool got_resp;		/* client: response complete, await EOF */
	bool out;		/* client: EPOLLOUT registered */
	size_t off;		/* bytes of the current response/request sent */
	size_t got;		/* client echo rr: bytes back so far */
	char *obuf;		/* echo server: bytes not yet written back */
	size_t olen;
	uint64_t t0, t1;	/* client: connect start, request sent */
};

static char iobuf[IOBUF];
static char *resp_ka, *resp_close, *req_buf;
static size_t resp_ka_len, resp_close_len, req_len;
static int ep;
static volatile sig_atomic_t stop;
static struct app_hist hist_conn, hist_req;	/* connect, request */

/* ---- common ---- */

/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* SIGINT/SIGTERM: end the loops. */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* --help, with examples. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: kbench server --port P --proto http|echo|discard|source [--resp-size N]\n"
"                      [--v6]\n"
"       kbench client --to IP:PORT --mode cps|rr|bulk|idle [options]\n"
"The Linux kernel's TCP over loopback, one epoll thread per process, for\n"
"comparison with dpstack (one lcore).\n"
"server options:\n"
"  --port P            port to listen on (all addresses)\n"
"  --v6                listen on [::] (IPv6 only) instead of 0.0.0.0\n"
"  --proto X           http: HTTP/1.1 keep-alive, --resp-size body (default 0)\n"
"                      echo: write back; discard: read only; source: write\n"
"                      without end to every connection\n"
"client options:\n"
"  --to IP:PORT        the server: 127.0.0.1:8080 or [::1]:8080 (IPv6)\n"
"  --mode M            cps: a new connection per GET (Connection: close)\n"
"                      rr: keep-alive requests back to back per connection\n"
"                      bulk: receive from a source server (--send: write to\n"
"                      a discard server), one connection\n"
"                      idle: open --count connections and hold them, print\n"
"                      user and kernel memory per connection\n"
"  --duration D        how long (default 10s; 500ms, 2m)\n"
"  --conc N            connections at once (cps default 64, rr default 1)\n"
"  --req-size N        rr: pad each HTTP request to N bytes; with --proto\n"
"                      echo the message size (default 64)\n"
"  --resp-size N       rr/cps: the body size expected (checked if given)\n"
"  --proto http|echo   rr: against an HTTP (default) or echo server\n"
"  --count N           idle: connections (default 10000)\n"
"  --send              bulk: send instead of receive\n"
"examples:\n"
"  kbench server --port 8080 --proto http --resp-size 1k &\n"
"  kbench client --to 127.0.0.1:8080 --mode cps --duration 5s --conc 64\n"
"  kbench client --to 127.0.0.1:8080 --mode rr --conc 1 --duration 5s\n"
"  kbench server --port 9000 --proto source &\n"
"  kbench client --to 127.0.0.1:9000 --mode bulk --duration 5s\n"
"output: \"result mode=cps conns=.. conns_per_s=.. connect_p50_us=..\" etc.\n");
}

/* Nonblocking, no Nagle. */
static int
sock_setup(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Register or change @p c's events. */
static void
ep_set(struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(ep, op, c->fd, &ev) != 0 && op != EPOLL_CTL_DEL)
		fprintf(stderr, PROG ": epoll_ctl: %s\n", strerror(errno));
}

/* Close and free @p c. */
static void
conn_free(struct conn *c)
{
	close(c->fd);
	free(c->obuf);
	free(c);
}

/* As many descriptors as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- server ---- */

/* Prebuild the two responses (keep-alive and close) with the body. */
static int
build_responses(uint64_t body)
{
	char head[256];
	size_t h;

	for (int ka = 0; ka < 2; ka++) {
		char **r = ka ? &resp_ka : &resp_close;
		size_t *l = ka ? &resp_ka_len : &resp_close_len;

		h = app_http_response_head(head, sizeof(head), body, ka);
		*r = calloc(1, h + body);
		if (h == 0 || *r == NULL)
			return -1;
		memcpy(*r, head, h);
		memset(*r + h, 'x', body);
		*l = h + body;
	}
	return 0;
}

/* Write queued responses; false when the connection is finished. */
static bool
http_flush(struct conn *c)
{
	while (c->pending > 0 || c->final) {
		bool ka = c->pending > 0;
		const char *r = ka ? resp_ka : resp_close;
		size_t len = ka ? resp_ka_len : resp_close_len;
		ssize_t n = write(c->fd, r + c->off, len - c->off);

		if (n < 0)
			return errno == EAGAIN;
		c->off += (size_t)n;
		if (c->off < len)
			continue;
		c->off = 0;
		if (!ka)
			return false;
		c->pending--;
	}
	return true;
}

/* Frame the requests in @p n bytes; queue a response for each. */
static bool
http_input(struct conn *c, const char *buf, size_t n)
{
	size_t pos = 0, used;

	while (pos < n && !c->final) {
		int rc = app_http_feed(&c->http, buf + pos, n - pos, &used);

		if (rc == APP_HTTP_ERROR) {
			size_t l = app_http_error(iobuf, 512, 400);

			if (write(c->fd, iobuf, l) < 0)
				return false;
			return false;
		}
		if (rc == APP_HTTP_MORE)
			break;
		pos += used;
		if (c->http.keep_alive)
			c->pending++;
		else
			c->final = true;
		app_http_init(&c->http, APP_HTTP_REQUEST);
	}
	return true;
}

/* Echo @p n bytes back; keep what the socket does not take. */
static bool
echo_input(struct conn *c, const char *buf, size_t n)
{
	ssize_t w = write(c->fd, buf, n);

	if (w < 0 && errno != EAGAIN)
		return false;
	if (w < 0)
		w = 0;
	if ((size_t)w < n) {
		c->obuf = malloc(n - (size_t)w);
		if (c->obuf == NULL)
			return false;
		memcpy(c->obuf, buf + w, n - (size_t)w);
		c->olen = n - (size_t)w;
		ep_set(c, EPOLLOUT, EPOLL_CTL_MOD);
	}
	return true;
}

/* Readable server connection; false when it is to be closed. */
static bool
server_read(const struct opts *o, struct conn *c)
{
	ssize_t n = read(c->fd, iobuf, sizeof(iobuf));

	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	switch (o->proto) {
	case P_HTTP:
		if (!http_input(c, iobuf, (size_t)n))
			return false;
		if (!http_flush(c))
			return false;
		if (c->pending > 0 || c->final)
			ep_set(c, EPOLLOUT, EPOLL_CTL_MOD);
		return true;
	case P_ECHO:
		return echo_input(c, iobuf, (size_t)n);
	default:
		return true;
	}
}

/* Writable server connection; false when it is to be closed. */
static bool
server_write(const struct opts *o, struct conn *c)
{
	ssize_t n;

	switch (o->proto) {
	case P_HTTP:
		if (!http_flush(c))
			return false;
		if (c->pending == 0 && !c->final)
			ep_set(c, EPOLLIN, EPOLL_CTL_MOD);
		return true;
	case P_ECHO:
		n = write(c->fd, c->obuf, c->olen);
		if (n < 0)
			return errno == EAGAIN;
		memmove(c->obuf, c->obuf + n, c->olen - (size_t)n);
		c->olen -= (size_t)n;
		if (c->olen == 0) {
			free(c->obuf);
			c->obuf = NULL;
			ep_set(c, EPOLLIN, EPOLL_CTL_MOD);
		}
		return true;
	case P_SOURCE:
		n = write(c->fd, iobuf, sizeof(iobuf));
		return n >= 0 || errno == EAGAIN;
	default:
		return true;
	}
}

/* Accept everything pending on @p lfd. */
static void
server_accept(const struct opts *o, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		struct conn *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		sock_setup(fd);
		app_http_init(&c->http, APP_HTTP_REQUEST);
		ep_set(c, o->proto == P_SOURCE ? EPOLLIN | EPOLLOUT : EPOLLIN,
			EPOLL_CTL_ADD);
	}
}

/* A listening socket on every address, port @p port: IPv4's, or with
 * @p v6 IPv6's alone (IPV6_V6ONLY, so that neither family's figures
 * pass through the other's listener). */
static int
listen_on(unsigned int port, bool v6)
{
	union app_sockaddr sa = { 0 };
	int one = 1, fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (v6) {
		sa.sin6.sin6_family = AF_INET6;
		sa.sin6.sin6_port = htons((uint16_t)port);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	} else {
		sa.sin.sin_family = AF_INET;
		sa.sin.sin_port = htons((uint16_t)port);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &sa.sa, app_sockaddr_len(&sa)) != 0 ||
			listen(fd, 65535) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The server loop: until SIGINT/SIGTERM. */
static int
run_server(const struct opts *o)
{
	struct epoll_event evs[MAX_EV], lev = { .events = EPOLLIN };
	int lfd = listen_on(o->port, o->v6);

	if (lfd < 0) {
		fprintf(stderr, PROG ": listen on port %u: %s\n", o->port,
			strerror(errno));
		return 1;
	}
	if (o->proto == P_HTTP && build_responses(o->resp_size) != 0) {
		fprintf(stderr, PROG ": cannot build the response\n");
		return 1;
	}
	memset(iobuf, 's', sizeof(iobuf));
	lev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	printf("listening port=%u proto=%s\n", o->port,
		(const char *[]){ "http", "echo", "discard", "source" }[o->proto]);
	fflush(stdout);
	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EV, 200);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			bool ok = true;

			if (c == NULL) {
				server_accept(o, lfd);
				continue;
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ok = server_read(o, c);
			if (ok && (evs[i].events & EPOLLOUT))
				ok = server_write(o, c);
			if (!ok)
				conn_free(c);
		}
	}
	close(lfd);
	return 0;
}

/* ---- client ---- */

/* Start a nonblocking connect for @p c. */
static int
client_connect(const struct opts *o, struct conn *c)
{
	c->fd = socket(o->to.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	sock_setup(c->fd);
	c->t0 = now_ns();
	c->off = 0;
	c->got = 0;
	c->got_resp = false;
	app_http_init(&c->http, APP_HTTP_RESPONSE);
	if (connect(c->fd, &o->to.sa, app_sockaddr_len(&o->to)) != 0 &&
			errno != EINPROGRESS) {
		int e = -errno;

		close(c->fd);
		return e;
	}
	c->out = true;
	ep_set(c, EPOLLOUT, EPOLL_CTL_ADD);
	return 0;
}

/* Send the rest of the request; the time it went out is t1. */
static bool
client_send(struct conn *c)
{
	ssize_t n = write(c->fd, req_buf + c->off, req_len - c->off);

	if (n < 0)
		return errno == EAGAIN;
	c->off += (size_t)n;
	if ((c->off == req_len) == c->out) {
		c->out = !c->out;	/* keep reading while sending */
		ep_set(c, c->out ? EPOLLIN | EPOLLOUT : EPOLLIN,
			EPOLL_CTL_MOD);
	}
	return true;
}

/* The request the client sends: a GET padded to --req-size, or
 * --req-size bytes for an echo server. */
static int
build_request(const struct opts *o, bool keep_alive)
{
	char host[INET6_ADDRSTRLEN + 2] = "", *colon;
	size_t cap = 512 + o->req_size;

	req_buf = malloc(cap);
	if (req_buf == NULL)
		return -1;
	if (o->proto == P_ECHO) {
		memset(req_buf, 'q', o->req_size);
		req_len = o->req_size;
		return 0;
	}
	/* The Host header: the address as --to gave it, an IPv6 one in
	 * brackets (RFC 9110 7.2, RFC 3986 3.2.2). */
	app_sockaddr_fmt(&o->to, host, sizeof(host));
	colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	req_len = app_http_request(req_buf, cap, host, "/", keep_alive);
	if (req_len == 0)
		return -1;
	if (o->req_size > req_len + 12) {
		/* insert "X-Pad: xxx\r\n" before the final CRLF */
		size_t pad = o->req_size - req_len;

		req_len -= 2;
		memcpy(req_buf + req_len, "X-Pad: ", 7);
		memset(req_buf + req_len + 7, 'p', pad - 9);
		memcpy(req_buf + req_len + pad - 2, "\r\n\r\n", 4);
		req_len += pad + 2;
	}
	return 0;
}

/* Connected (or failed): record the connect time (cps) and send. */
static bool
client_connected(const struct opts *o, struct conn *c, unsigned long *errs)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (c->t1 != 0)
		return client_send(c);
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err != 0) {
		(*errs)++;
		return false;
	}
	c->t1 = now_ns();
	if (o->mode == M_CPS)
		app_hist_add(&hist_conn, c->t1 - c->t0);
	return client_send(c);
}

/* Check a finished response against --resp-size. */
static bool
resp_ok(const struct opts *o, const struct conn *c)
{
	return c->http.status == 200 && (o->resp_size == UINT64_MAX ||
		c->http.content_length == o->resp_size);
}

/* Response bytes for a cps or http rr connection: returns 1 when the
 * response is complete, 0 for more, -1 on error or EOF. */
static int
client_resp(const struct opts *o, struct conn *c, unsigned long *errs)
{
	ssize_t n = read(c->fd, iobuf, sizeof(iobuf));
	size_t used;
	int rc;

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0) {
		*errs += !c->got_resp;
		return -1;
	}
	if (n == 0 && c->got_resp)
		return -1;	/* the close after the response */
	if (n == 0)
		rc = app_http_eof(&c->http);
	else if (c->got_resp)
		return 0;	/* bytes after the response: ignored */
	else
		rc = app_http_feed(&c->http, iobuf, (size_t)n, &used);
	if (rc == APP_HTTP_MORE)
		return 0;
	if (rc == APP_HTTP_ERROR || !resp_ok(o, c)) {
		(*errs)++;
		return -1;
	}
	c->got_resp = true;
	return 1;
}

/* Print the end-of-run summary line for cps or rr. */
static void
print_rate(const struct opts *o, unsigned long done, unsigned long errs,
	uint64_t elapsed)
{
	double s = (double)elapsed / 1e9;
	struct app_hist *h = &hist_req;

	if (o->mode == M_CPS)
		printf("result mode=cps conns=%lu errors=%lu conc=%u secs=%.3f "
			"conns_per_s=%.0f connect_p50_us=%.1f connect_p99_us=%.1f "
			"p50_us=%.1f p99_us=%.1f p999_us=%.1f\n", done, errs,
			o->conc, s, (double)done / s,
			(double)app_hist_pct(&hist_conn, 50) / 1e3,
			(double)app_hist_pct(&hist_conn, 99) / 1e3,
			(double)app_hist_pct(h, 50) / 1e3,
			(double)app_hist_pct(h, 99) / 1e3,
			(double)app_hist_pct(h, 99.9) / 1e3);
	else
		printf("result mode=rr requests=%lu errors=%lu conc=%u "
			"secs=%.3f requests_per_s=%.0f p50_us=%.1f p99_us=%.1f "
			"p999_us=%.1f mean_us=%.1f\n", done, errs, o->conc, s,
			(double)done / s, (double)app_hist_pct(h, 50) / 1e3,
			(double)app_hist_pct(h, 99) / 1e3,
			(double)app_hist_pct(h, 99.9) / 1e3,
			app_hist_mean(h) / 1e3);
	if (o->mode == M_CPS) {
		app_hist_print(stdout, "connect", &hist_conn, true);
		app_hist_print(stdout, "request", &hist_req, true);
	} else {
		app_hist_print(stdout, "latency", &hist_req, true);
	}
}

/* One cps connection event: connect, request, response, EOF, next. */
static void
cps_event(const struct opts *o, struct conn *c, uint32_t ev,
	unsigned long *done, unsigned long *errs, bool more)
{
	int rc = 0;

	if ((ev & EPOLLOUT) && !client_connected(o, c, errs))
		rc = -1;
	if (rc == 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		bool had = c->got_resp;

		rc = client_resp(o, c, errs);
		if (rc == 1) {
			app_hist_add(&hist_req, now_ns() - c->t1);
			(*done)++;
		}
		if (rc == -1 && had)
			rc = -2;	/* the server's close: normal */
	}
	if (rc >= 0)
		return;
	close(c->fd);
	c->fd = -1;
	c->t1 = 0;
	if (more && client_connect(o, c) != 0) {
		(*errs)++;
		c->fd = -1;
	}
}

/* rr: a response (or echo) came back; record it and send the next. */
static void
rr_event(const struct opts *o, struct conn *c, uint32_t ev,
	unsigned long *done, unsigned long *errs)
{
	int rc;

	if ((ev & EPOLLOUT) && !client_connected(o, c, errs)) {
		stop = 1;
		return;
	}
	if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	if (o->proto == P_ECHO) {
		ssize_t n = read(c->fd, iobuf, sizeof(iobuf));

		if (n <= 0) {
			rc = n < 0 && errno == EAGAIN ? 0 : -1;
		} else {
			c->got += (size_t)n;
			rc = c->got >= req_len ? 1 : 0;
		}
	} else {
		rc = client_resp(o, c, errs);
	}
	if (rc < 0) {
		(*errs)++;
		stop = 1;
	}
	if (rc != 1)
		return;
	app_hist_add(&hist_req, now_ns() - c->t1);
	(*done)++;
	app_http_init(&c->http, APP_HTTP_RESPONSE);
	c->got_resp = false;
	c->got = 0;
	c->off = 0;
	c->t1 = now_ns();
	client_send(c);
}

/* cps and rr: --conc connections, driven by epoll until --duration. */
static int
run_conns(const struct opts *o)
{
	struct epoll_event evs[MAX_EV];
	struct conn *cs = calloc(o->conc, sizeof(*cs));
	unsigned long done = 0, errs = 0;
	uint64_t start = now_ns(), end = start + o->duration_ns;

	if (cs == NULL || build_request(o, o->mode == M_RR) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (unsigned int i = 0; i < o->conc; i++)
		if (client_connect(o, &cs[i]) != 0) {
			fprintf(stderr, PROG ": connect: %s\n", strerror(errno));
			return 1;
		}
	while (!stop && now_ns() < end) {
		int n = epoll_wait(ep, evs, MAX_EV, 10);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (o->mode == M_CPS)
				cps_event(o, c, evs[i].events, &done, &errs,
					now_ns() < end);
			else
				rr_event(o, c, evs[i].events, &done, &errs);
		}
	}
	print_rate(o, done, errs, now_ns() - start);
	for (unsigned int i = 0; i < o->conc; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);
	return errs == 0 && done > 0 ? 0 : 1;
}

/* bulk: one blocking connection, receive (or send) for --duration. */
static int
run_bulk(const struct opts *o)
{
	int fd = socket(o->to.sa.sa_family, SOCK_STREAM, 0);
	uint64_t bytes = 0, start, end, el;

	if (fd < 0 || connect(fd, &o->to.sa, app_sockaddr_len(&o->to)) != 0) {
		fprintf(stderr, PROG ": connect: %s\n", strerror(errno));
		return 1;
	}
	memset(iobuf, 'b', sizeof(iobuf));
	start = now_ns();
	end = start + o->duration_ns;
	while (!stop && now_ns() < end) {
		ssize_t n = o->send ? write(fd, iobuf, sizeof(iobuf)) :
			read(fd, iobuf, sizeof(iobuf));

		if (n <= 0) {
			fprintf(stderr, PROG ": %s: %s\n", o->send ? "write" :
				"read", n == 0 ? "closed by peer" : strerror(errno));
			close(fd);
			return 1;
		}
		bytes += (uint64_t)n;
	}
	el = now_ns() - start;
	close(fd);
	printf("result mode=bulk dir=%s bytes=%" PRIu64 " secs=%.3f "
		"gbit_per_s=%.3f\n", o->send ? "send" : "recv", bytes,
		(double)el / 1e9, (double)bytes * 8 / (double)el);
	return 0;
}

/* The value in kB of line @p key in /proc file @p path; -1 if absent. */
static long
proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

struct mem {
	long rss, slab, sunreclaim;
};

/* Our VmRSS and the kernel's Slab and SUnreclaim, in kB. */
static void
mem_read(struct mem *m)
{
	m->rss = proc_kb("/proc/self/status", "VmRSS");
	m->slab = proc_kb("/proc/meminfo", "Slab");
	m->sunreclaim = proc_kb("/proc/meminfo", "SUnreclaim");
}

/* Open --count connections at most --conc (default 256) at a time in
 * flight; returns how many connected. */
static unsigned int
idle_open(const struct opts *o, int *fds)
{
	struct epoll_event evs[MAX_EV];
	unsigned int started = 0, ok = 0, inflight = 0;

	while (ok < o->count && !stop) {
		while (started < o->count && inflight < o->conc) {
			int fd = socket(o->to.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
			struct epoll_event ev = { .events = EPOLLOUT,
				.data.u32 = started };

			if (fd < 0 || (connect(fd, &o->to.sa, app_sockaddr_len(&o->to)) != 0 &&
					errno != EINPROGRESS)) {
				fprintf(stderr, PROG ": connect %u: %s\n", started,
					strerror(errno));
				if (fd >= 0)
					close(fd);
				return ok;
			}
			fds[started++] = fd;
			inflight++;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
		int n = epoll_wait(ep, evs, MAX_EV, 1000);

		for (int i = 0; i < n; i++) {
			int fd = fds[evs[i].data.u32], err = 0;
			socklen_t el = sizeof(err);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			inflight--;
			if (err != 0) {
				fprintf(stderr, PROG ": connect: %s\n",
					strerror(err));
				return ok;
			}
			ok++;
		}
	}
	return ok;
}

/* idle: memory per held connection, ours (VmRSS) and the kernel's
 * (Slab, SUnreclaim; both ends of each loopback connection, and
 * whatever else the machine does meanwhile). */
static int
run_idle(const struct opts *o)
{
	int *fds = calloc(o->count, sizeof(int));
	struct mem a, b;
	unsigned int ok;

	if (fds == NULL)
		return 1;
	sleep(1);
	mem_read(&a);
	ok = idle_open(o, fds);
	sleep(1);		/* let the server accept them all */
	mem_read(&b);
	if (ok > 0)
		printf("result mode=idle conns=%u rss_per_conn_B=%.0f "
			"slab_per_conn_B=%.0f sunreclaim_per_conn_B=%.0f "
			"rss_kB=%ld slab_kB=%ld\n", ok,
			(double)(b.rss - a.rss) * 1024 / ok,
			(double)(b.slab - a.slab) * 1024 / ok,
			(double)(b.sunreclaim - a.sunreclaim) * 1024 / ok,
			b.rss - a.rss, b.slab - a.slab);
	for (unsigned int i = 0; i < o->count; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(fds);
	return ok == o->count ? 0 : 1;
}

/* ---- options ---- */

/* http|echo|discard|source. */
static int
parse_proto(const char *s, enum proto *p)
{
	static const char *const names[] = { "http", "echo", "discard",
		"source" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*p = (enum proto)i;
			return 0;
		}
	return -EINVAL;
}

/* cps|rr|bulk|idle. */
static int
parse_mode(const char *s, enum mode *m)
{
	static const char *const names[] = { "cps", "rr", "bulk", "idle" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*m = (enum mode)i;
			return 0;
		}
	return -EINVAL;
}

/* One option; 0 or -EINVAL (after the one-line error). */
static int
parse_opt(struct opts *o, int c, const char *a)
{
	int rc = -EINVAL;

	switch (c) {
	case 'p': rc = app_parse_uint(a, 1, 65535, &o->port); break;
	case 'P': rc = parse_proto(a, &o->proto); break;
	case 't': rc = app_parse_endpoint(a, &o->to); o->has_to = true; break;
	case '6': o->v6 = true; return 0;
	case 'm': rc = parse_mode(a, &o->mode); break;
	case 'd': rc = app_parse_duration(a, 1000000, 86400000000000ull,
			&o->duration_ns); break;
	case 'c': rc = app_parse_uint(a, 1, 100000, &o->conc); break;
	case 'q': rc = app_parse_size(a, 1, 1 << 24, &o->req_size); break;
	case 'r': rc = app_parse_size(a, 0, 1 << 30, &o->resp_size); break;
	case 'n': rc = app_parse_uint(a, 1, 10000000, &o->count); break;
	case 's': o->send = true; return 0;
	default: return -EINVAL;
	}
	if (rc != 0)
		return app_bad_arg(PROG, c == 'P' ? "--proto" : c == 't' ? "--to" :
			c == 'm' ? "--mode" : c == 'd' ? "--duration" :
			c == 'c' ? "--conc" : c == 'q' ? "--req-size" :
			c == 'r' ? "--resp-size" : c == 'n' ? "--count" : "--port",
			a);
	return 0;
}

/* Refuse impossible combinations; fill in defaults. */
static int
check_opts(struct opts *o, bool conc_given)
{
	if (o->server) {
		if (o->port == 0) {
			fprintf(stderr, PROG ": server needs --port (try --help)\n");
			return -EINVAL;
		}
		if (o->resp_size == UINT64_MAX)
			o->resp_size = 0;
		return 0;
	}
	if (!o->has_to) {
		fprintf(stderr, PROG ": client needs --to IP:PORT (try --help)\n");
		return -EINVAL;
	}
	if (o->proto != P_HTTP && !(o->proto == P_ECHO && o->mode == M_RR)) {
		fprintf(stderr, PROG ": client --proto echo works with --mode rr "
			"only\n");
		return -EINVAL;
	}
	if (!conc_given)
		o->conc = o->mode == M_CPS ? 64 : o->mode == M_IDLE ? 256 : 1;
	if (o->req_size == 0)
		o->req_size = 64;
	return 0;
}

/* Parse argv after the role word. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "resp-size", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "conc", required_argument, NULL, 'c' },
		{ "req-size", required_argument, NULL, 'q' },
		{ "count", required_argument, NULL, 'n' },
		{ "send", no_argument, NULL, 's' },
		{ "v6", no_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool conc_given = false;
	int c;

	o->duration_ns = 10000000000ull;
	o->count = 10000;
	o->resp_size = UINT64_MAX;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?') {
			fprintf(stderr, PROG ": unknown option (try --help)\n");
			return -EINVAL;
		}
		if (parse_opt(o, c, optarg) != 0)
			return -EINVAL;
		conc_given |= c == 'c';
	}
	if (optind != argc)
		return app_bad_arg(PROG, "argument", argv[optind]);
	return check_opts(o, conc_given);
}

/* kbench server|client [options]. */
int
main(int argc, char **argv)
{
	struct opts o = { 0 };

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
			strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0) {
		app_bad_arg(PROG, "role", argv[1]);
		return 2;
	}
	o.server = argv[1][0] == 's';
	if (parse_args(argc - 1, argv + 1, &o) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	raise_nofile();
	ep = epoll_create1(0);
	if (ep < 0)
		return 1;
	if (o.server)
		return run_server(&o);
	switch (o.mode) {
	case M_BULK:
		return run_bulk(&o);
	case M_IDLE:
		return run_idle(&o);
	default:
		return run_conns(&o);
	}
}
