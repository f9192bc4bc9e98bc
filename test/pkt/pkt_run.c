/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-script engine (pkt_run.h). Injected packets and calls happen
 * at their time; every packet the stack sends must be the next expected
 * one, inside its time window. Calls run in threads of their own, as an
 * application's would: a call marked "t...t2" may block and must return
 * at t2; any other call must return at once.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pkt_run.h"

#define MAX_VARS	8
#define MAX_CONNS	8
#define MAX_PENDING	8
#define PKT_BUF		70000
#define REMOTE_ISN	1000000000u
#define CALL_REAL_S	10.0	/* a call that should not block, in real time */
#define NS		1000000000ull

struct conn {
	uint16_t rport;
	bool lisn_known;
	uint32_t lisn;			/* the stack's ISN */
	uint32_t ts_last;		/* the stack's latest TSval */
};

struct call_run {
	const struct pkt_event *e;
	struct run *r;
	pthread_t th;
	pid_t tid;			/* set by the thread as it starts */
	int fd;
	long rc, val;
	int err;
	uint64_t t_start, t_end;
	int done;
	uint64_t at, lo, hi;		/* blocking: when it must return, window */
	bool checked;
};

struct var {
	char name[PKT_NAME_MAX];
	int fd;
};

struct run {
	const struct pkt_script *s;
	const struct pkt_target *t;
	uint64_t tol;
	uint64_t t0;			/* the script's start, target clock */
	uint64_t prev;			/* the previous event, as it happened */
	uint16_t lport;			/* the stack's port, 0 until known */
	int nvar;
	struct var var[MAX_VARS];
	int nconn;
	struct conn conn[MAX_CONNS];
	int npend;
	struct call_run *pend[MAX_PENDING];
	char *why;
	size_t whylen;
	bool failed;
	bool trace;
	bool explore;			/* PKT_TRACE=2: unexpected is no failure */
	uint8_t buf[PKT_BUF];
};

static uint8_t io_buf[1u << 20];

static bool
fail(struct run *r, int line, const char *fmt, ...)
{
	char msg[PKT_ERR_MAX * 2];
	va_list ap;

	if (r->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->why, r->whylen, "%s:%d: %s", r->s->name, line, msg);
	r->failed = true;
	return false;
}

static double
real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds since the script's start, for messages. */
static double
secs(const struct run *r, uint64_t t)
{
	return ((double)t - (double)r->t0) / 1e9;
}

static struct conn *
conn_of(struct run *r, uint16_t rport)
{
	for (int i = 0; i < r->nconn; i++)
		if (r->conn[i].rport == rport)
			return &r->conn[i];
	if (r->nconn == MAX_CONNS)
		return NULL;
	memset(&r->conn[r->nconn], 0, sizeof(r->conn[0]));
	r->conn[r->nconn].rport = rport;
	return &r->conn[r->nconn++];
}

static int *
var_fd(struct run *r, const char *name, bool create)
{
	for (int i = 0; i < r->nvar; i++)
		if (strcmp(r->var[i].name, name) == 0)
			return &r->var[i].fd;
	if (!create || r->nvar == MAX_VARS)
		return NULL;
	snprintf(r->var[r->nvar].name, PKT_NAME_MAX, "%s", name);
	return &r->var[r->nvar++].fd;
}

/* PKT_TRACE=1 in the environment: every packet on stderr, for writing
 * scripts; PKT_TRACE=2 also lets unexpected packets pass. */
static void
trace(const struct run *r, const char *dir, const struct pkt_seg *seg,
	uint64_t when)
{
	char s[400];

	if (!r->trace)
		return;
	pkt_seg_format(seg, s, sizeof(s));
	fprintf(stderr, "  %8.4f %-3s %s\n", secs(r, when), dir, s);
}

/* ---- packets from the stack ------------------------------------------ */

/* The next TCP packet the stack sent, decoded and relative; false if none
 * (or on a failure, with r->failed). */
static bool
next_out(struct run *r, int line, struct pkt_wire *w, uint64_t *when)
{
	char err[PKT_ERR_MAX];
	size_t n;
	int rc;

	for (;;) {
		struct conn *c;

		n = r->t->recv(r->t->ctx, r->buf, sizeof(r->buf), when);
		if (n == 0)
			return false;
		rc = pkt_decode(r->buf, n, w, err, sizeof(err));
		if (rc < 0)
			return fail(r, line, "malformed packet from the stack: %s", err);
		if (rc > 0 || w->saddr != r->t->local_ip)
			continue;
		c = conn_of(r, w->dport);
		if (c == NULL)
			return fail(r, line, "more than %d connections", MAX_CONNS);
		if (w->seg.flags & PKT_SYN) {
			c->lisn = w->seg.seq;
			c->lisn_known = true;
		}
		if (w->has_ts)
			c->ts_last = w->tsval;
		if (r->lport == 0)
			r->lport = w->sport;
		pkt_wire_relative(w, c->lisn, REMOTE_ISN);
		trace(r, "out", &w->seg, *when);
		return true;
	}
}

static bool
unexpected(struct run *r, int line, const struct pkt_wire *w, uint64_t when)
{
	char s[400];

	pkt_seg_format(&w->seg, s, sizeof(s));
	return fail(r, line, "unexpected packet at %.3f s: out %s (rport %u)",
		secs(r, when), s, w->dport);
}

/* ---- calls ----------------------------------------------------------- */

static void
do_sockopt(struct call_run *c, const struct pkt_sys *sys)
{
	const struct pkt_call *k = &c->e->call;
	struct linger lg = { 0, 0 };
	int v = 0;
	socklen_t len = sizeof(v);

	if (k->kind == PKT_GETSOCKOPT) {
		c->rc = sys->getsockopt(c->fd, k->level, k->optname, &v, &len);
		c->val = v;
	} else if (k->optname == SO_LINGER && k->level == SOL_SOCKET) {
		lg.l_onoff = (int)k->arg[2].val;
		lg.l_linger = k->nargs > 3 ? (int)k->arg[3].val : 0;
		c->rc = sys->setsockopt(c->fd, k->level, k->optname, &lg, sizeof(lg));
	} else {
		v = (int)k->arg[2].val;
		c->rc = sys->setsockopt(c->fd, k->level, k->optname, &v, sizeof(v));
	}
}

static struct sockaddr_in
sin_of(uint32_t ip, long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons((uint16_t)port);
	return a;
}

static void
do_call(struct call_run *c)
{
	const struct pkt_call *k = &c->e->call;
	const struct pkt_sys *sys = c->r->t->sys;
	const struct pkt_target *t = c->r->t;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct pollfd p;
	void *rbuf;

	switch (k->kind) {
	case PKT_SOCKET:
		c->rc = sys->socket(AF_INET, SOCK_STREAM | (int)k->arg[0].val, 0);
		break;
	case PKT_BIND:
		a = sin_of(t->local_ip, k->arg[1].val);
		c->rc = sys->bind(c->fd, (struct sockaddr *)&a, sizeof(a));
		break;
	case PKT_LISTEN:
		c->rc = sys->listen(c->fd, (int)k->arg[1].val);
		break;
	case PKT_ACCEPT:
		c->rc = sys->accept(c->fd, (struct sockaddr *)&a, &alen);
		break;
	case PKT_CONNECT:
		a = sin_of(t->remote_ip, k->nargs > 1 ? k->arg[1].val : c->r->s->rport);
		c->rc = sys->connect(c->fd, (struct sockaddr *)&a, sizeof(a));
		break;
	case PKT_WRITE:
		c->rc = sys->send(c->fd, io_buf, (size_t)k->arg[1].val, MSG_NOSIGNAL);
		break;
	case PKT_READ:
		rbuf = malloc((size_t)k->arg[1].val + 1);
		c->rc = rbuf == NULL ? -1 :
			sys->recv(c->fd, rbuf, (size_t)k->arg[1].val, 0);
		free(rbuf);
		break;
	case PKT_CLOSE:
		c->rc = sys->close(c->fd);
		break;
	case PKT_SHUTDOWN:
		c->rc = sys->shutdown(c->fd, (int)k->arg[1].val);
		break;
	case PKT_SETSOCKOPT:
	case PKT_GETSOCKOPT:
		do_sockopt(c, sys);
		break;
	case PKT_POLL:
		p = (struct pollfd){ .fd = c->fd, .events = (short)k->arg[1].val };
		c->rc = sys->poll(&p, 1, (int)k->arg[2].val);
		c->val = p.revents;
		break;
	case PKT_FCNTL:
		c->rc = sys->setfl(c->fd, (int)k->arg[1].val);
		break;
	}
}

static void *
call_main(void *arg)
{
	struct call_run *c = arg;

	/* Release: pairs with the acquire in asleep(). */
	__atomic_store_n(&c->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	errno = 0;
	do_call(c);
	c->err = c->rc < 0 ? errno : 0;
	c->t_end = c->r->t->now(c->r->t->ctx);
	/* Release: the results above, read by the engine after done. */
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	c->r->t->wake(c->r->t->ctx);
	return NULL;
}

static bool
call_done(const struct call_run *c)
{
	/* Acquire: pairs with call_main's release of the results. */
	return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != 0;
}

/* Is @c's thread asleep (state S in /proc), i.e. blocked in its call? */
static bool
asleep(const struct call_run *c)
{
	/* Acquire: pairs with call_main's store of its id. */
	pid_t tid = __atomic_load_n(&c->tid, __ATOMIC_ACQUIRE);
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (tid == 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'S';
}

static struct run *quiet_run;

int
pkt_run_sockets(int *fds, int max)
{
	struct run *r = quiet_run;
	int n = 0;

	for (int i = 0; r != NULL && i < r->nvar && n < max; i++)
		fds[n++] = r->var[i].fd;
	return n;
}

bool
pkt_calls_quiet(void)
{
	struct run *r = quiet_run;

	if (r == NULL)
		return true;
	for (int i = 0; i < r->npend; i++)
		if (!call_done(r->pend[i]) && !asleep(r->pend[i]))
			return false;
	return true;
}

static const char *
errname(int err)
{
	const char *n = pkt_errno_name(err);
	static char buf[32];

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* The expected result of @k when the script gives none. */
static bool
rc_ok(const struct pkt_call *k, long rc)
{
	if (k->rc_wild)
		return true;
	if (!k->rc_given)
		return (k->kind == PKT_SOCKET || k->kind == PKT_ACCEPT) ? rc >= 0 :
			rc == 0;
	return rc == k->rc;
}

static bool
call_check(struct run *r, struct call_run *c)
{
	const struct pkt_call *k = &c->e->call;
	int line = c->e->line;
	int *fd;

	if (pthread_join(c->th, NULL) != 0)
		return fail(r, line, "pthread_join");
	c->checked = true;
	if (!rc_ok(k, c->rc)) {
		if (c->rc < 0)
			return fail(r, line, "returned -1 %s, expected %ld%s%s",
				errname(c->err), k->rc_given ? k->rc : 0,
				k->rc == -1 ? " " : "", k->rc == -1 ? errname(k->err) : "");
		return fail(r, line, "returned %ld, expected %s%ld%s%s", c->rc,
			k->rc_given ? "" : ">= ", k->rc_given ? k->rc : 0,
			k->rc == -1 ? " " : "", k->rc == -1 ? errname(k->err) : "");
	}
	if (c->rc == -1 && k->rc == -1 && c->err != k->err)
		return fail(r, line, "errno %s, expected %s", errname(c->err),
			errname(k->err));
	if (k->val_given && c->val != k->val)
		return fail(r, line, "%s %ld, expected %ld",
			k->kind == PKT_POLL ? "revents" : "val", c->val, k->val);
	if (k->blocking && (c->t_end < c->lo || c->t_end > c->hi))
		return fail(r, line, "returned at %.3f s, expected %.3f s",
			secs(r, c->t_end), secs(r, c->at));
	if (k->result_var[0] != '\0' && c->rc >= 0) {
		fd = var_fd(r, k->result_var, true);
		if (fd == NULL)
			return fail(r, line, "more than %d sockets", MAX_VARS);
		*fd = (int)c->rc;
	}
	return true;
}

/* The window a blocking call must return in: its script time counted
 * from the latest event before it, as that event happened at @prev_t
 * (script time) and r->prev (target time). */
static void
call_window(const struct run *r, struct call_run *c, uint64_t prev_t)
{
	uint64_t dt = c->e->call.end_ns - prev_t;

	c->at = r->prev + dt;
	c->hi = c->at + r->tol + dt / 8;
	c->lo = c->at > r->tol ? c->at - r->tol : 0;
}

/* After each event: re-anchor the pending calls due after it. */
static void
pending_anchor(struct run *r, uint64_t t_ns)
{
	for (int i = 0; i < r->npend; i++)
		if (r->pend[i]->e->call.end_ns >= t_ns)
			call_window(r, r->pend[i], t_ns);
}

/* Pending blocking calls: check those that returned, fail those late. */
static bool
pending_poll(struct run *r)
{
	uint64_t now = r->t->now(r->t->ctx);
	bool ok;

	for (int i = 0; i < r->npend; i++) {
		struct call_run *c = r->pend[i];

		if (!call_done(c)) {
			if (now <= c->hi)
				continue;
			return fail(r, c->e->line, "did not return by %.3f s",
				secs(r, c->hi));
		}
		ok = call_check(r, c);
		r->pend[i--] = r->pend[--r->npend];
		free(c);
		if (!ok)
			return false;
	}
	return true;
}

/* Move to time @until; any packet meanwhile is unexpected. */
static bool
advance(struct run *r, int line, uint64_t until)
{
	struct pkt_wire w;
	uint64_t when;

	for (;;) {
		if (next_out(r, line, &w, &when)) {
			if (r->explore)
				continue;
			return unexpected(r, line, &w, when);
		}
		if (r->failed || !pending_poll(r))
			return false;
		if (r->t->now(r->t->ctx) >= until)
			return true;
		r->t->wait(r->t->ctx, until);
	}
}

/* Wait for a call that must not block; packets meanwhile are unexpected,
 * except that the clock does not move. */
static bool
call_wait(struct run *r, struct call_run *c)
{
	double end = real_s() + CALL_REAL_S;
	uint64_t now;

	while (!call_done(c)) {
		if (real_s() > end)
			return fail(r, c->e->line, "the call blocked (mark it "
				"\"t...t2\" if it should)");
		now = r->t->now(r->t->ctx);
		r->t->wait(r->t->ctx, r->t->virtual_clock ? now : now + NS / 10);
		if (r->t->virtual_clock)
			sched_yield();
	}
	return call_check(r, c);
}

static bool
ev_call(struct run *r, const struct pkt_event *e, uint64_t at)
{
	const struct pkt_call *k = &e->call;
	struct call_run *c;
	int *fd = NULL;
	bool ok;

	if (!advance(r, e->line, at))
		return false;
	if (k->kind != PKT_SOCKET) {
		fd = var_fd(r, k->arg[0].var, false);
		if (fd == NULL)
			return fail(r, e->line, "no socket named '%s'", k->arg[0].var);
	}
	if (k->kind == PKT_BIND)
		r->lport = (uint16_t)k->arg[1].val;
	if (r->npend == MAX_PENDING)
		return fail(r, e->line, "more than %d blocked calls", MAX_PENDING);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fail(r, e->line, "out of memory");
	c->e = e;
	c->r = r;
	c->fd = fd != NULL ? *fd : -1;
	c->t_start = r->t->now(r->t->ctx);
	r->prev = c->t_start;
	call_window(r, c, e->t_ns);
	if (pthread_create(&c->th, NULL, call_main, c) != 0) {
		free(c);
		return fail(r, e->line, "pthread_create");
	}
	if (k->blocking) {
		r->pend[r->npend++] = c;
		return true;
	}
	ok = call_wait(r, c);
	if (ok || c->checked)
		free(c);	/* else its thread still runs: leave it be */
	return ok;
}

static bool
ev_in(struct run *r, const struct pkt_event *e, uint64_t at)
{
	uint16_t rport = e->seg.rport != 0 ? e->seg.rport : r->s->rport;
	struct conn *c = conn_of(r, rport);
	struct pkt_inject in = {
		.saddr = r->t->remote_ip, .daddr = r->t->local_ip,
		.sport = rport, .dport = r->lport,
		.seq = REMOTE_ISN + e->seg.seq,
	};
	size_t n;

	if (c == NULL)
		return fail(r, e->line, "more than %d connections", MAX_CONNS);
	if (!advance(r, e->line, at))
		return false;
	if (r->lport == 0)
		return fail(r, e->line, "the stack's port is not known yet (bind, "
			"or let it send first)");
	in.ack = c->lisn + e->seg.ack;
	in.ts_last = c->ts_last;
	in.lisn = c->lisn;
	n = pkt_build(&e->seg, &in, r->buf, sizeof(r->buf));
	if (n == 0)
		return fail(r, e->line, "packet too long");
	r->prev = r->t->now(r->t->ctx);
	trace(r, "in", &e->seg, r->prev);
	if (r->t->inject(r->t->ctx, r->buf, n) != 0)
		return fail(r, e->line, "injection failed");
	return true;
}

static bool
ev_out(struct run *r, const struct pkt_event *e, uint64_t at)
{
	uint16_t rport = e->seg.rport != 0 ? e->seg.rport : r->s->rport;
	/* Late by up to an eighth of the wait too: the kernel's timer wheel
	 * rounds a timeout up by as much (kernel/time/timer.c). */
	uint64_t lo = at > r->tol ? at - r->tol : 0;
	uint64_t hi = at + r->tol + e->dt_ns / 8, when;
	char want[400], got[400], why[PKT_ERR_MAX];
	struct pkt_wire w;

	for (;;) {
		if (next_out(r, e->line, &w, &when))
			break;
		if (r->failed || !pending_poll(r))
			return false;
		if (r->t->now(r->t->ctx) > hi) {
			pkt_seg_format(&e->seg, want, sizeof(want));
			return fail(r, e->line, "no packet by %.3f s; expected out %s",
				secs(r, hi), want);
		}
		r->t->wait(r->t->ctx, hi + 1);
	}
	pkt_seg_format(&e->seg, want, sizeof(want));
	pkt_seg_format(&w.seg, got, sizeof(got));
	if (when < lo)
		return fail(r, e->line, "packet %.3f s early at %.3f s: out %s",
			(double)(at - when) / 1e9, secs(r, when), got);
	if (w.dport != rport)
		return fail(r, e->line, "packet to port %u, expected %u", w.dport,
			rport);
	if (!pkt_match(&e->seg, &w.seg, why, sizeof(why)))
		return fail(r, e->line, "%s\n    got:      out %s\n    expected: "
			"out %s", why, got, want);
	r->prev = when;
	return true;
}

enum pkt_result
pkt_run(const struct pkt_script *s, const struct pkt_target *t, char *why,
	size_t whylen)
{
	static struct run r;
	bool ok = true;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.t = t;
	r.tol = s->tol_ns != 0 ? s->tol_ns : t->tol_ns;
	r.why = why;
	r.whylen = whylen;
	quiet_run = &r;
	r.trace = getenv("PKT_TRACE") != NULL;
	r.explore = r.trace && strcmp(getenv("PKT_TRACE"), "2") == 0;
	r.t0 = t->now(t->ctx);
	r.prev = r.t0;
	for (int i = 0; i < (int)sizeof(io_buf); i++)
		io_buf[i] = (uint8_t)('A' + i % 26);
	for (int i = 0; ok && i < s->nev; i++) {
		const struct pkt_event *e = &s->ev[i];
		uint64_t at = r.prev + e->dt_ns;

		if (e->kind == PKT_EV_IN)
			ok = ev_in(&r, e, at);
		else if (e->kind == PKT_EV_OUT)
			ok = ev_out(&r, e, at);
		else
			ok = ev_call(&r, e, at);
		pending_anchor(&r, e->t_ns);
	}
	/* Blocked calls must still return; then nothing else may be sent. */
	while (ok && r.npend > 0)
		ok = advance(&r, r.pend[0]->e->line, r.pend[0]->hi + 1);
	if (ok)
		ok = advance(&r, s->ev[s->nev - 1].line, t->now(t->ctx));
	return ok ? PKT_PASS : PKT_FAIL;
}
