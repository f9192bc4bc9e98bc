/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-script parser: one event per line, '#' starts a comment,
 * "# key: value" lines in the header are directives. docs/tcp.md,
 * "Packet scripts", has the grammar; every error names its line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "pkt_script.h"

#define NS_PER_S	1000000000.0
#define MAX_TIME_S	1000.0
#define MAX_IO		(1u << 20)
#define DEFAULT_RPORT	40000

/* The cursor over one line. */
struct cur {
	const char *p;
	int line;
	const char *name;
	char *err;
	size_t errlen;
	bool failed;
};

static bool
fail(struct cur *c, const char *fmt, ...)
{
	char msg[PKT_ERR_MAX];
	va_list ap;

	if (c->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->name, c->line, msg);
	c->failed = true;
	return false;
}

/* Copy @src into @dst, or fail if it does not fit. */
static bool
copy(struct cur *c, char *dst, size_t len, const char *src, const char *what)
{
	size_t n = strlen(src);

	if (n >= len)
		return fail(c, "%s longer than %zu characters", what, len - 1);
	memcpy(dst, src, n + 1);
	return true;
}

static void
skip_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static bool
at_end(struct cur *c)
{
	skip_ws(c);
	return *c->p == '\0' || *c->p == '#';
}

/* Consume @s if it comes next (after blanks). */
static bool
take(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	skip_ws(c);
	if (strncmp(c->p, s, n) != 0)
		return false;
	/* A keyword must not run into a longer word. */
	if (isalpha((unsigned char)s[n - 1]) &&
	    (isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))
		return false;
	c->p += n;
	return true;
}

static bool
expect(struct cur *c, const char *s)
{
	if (take(c, s))
		return true;
	return fail(c, "expected '%s' at '%.20s'", s, c->p);
}

/* An identifier into @out; false (no error) if none comes next. */
static bool
ident(struct cur *c, char *out, size_t len)
{
	size_t n = 0;

	skip_ws(c);
	if (!isalpha((unsigned char)*c->p) && *c->p != '_')
		return false;
	while (isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		n++;
	if (n >= len)
		return fail(c, "name too long: '%.*s'", (int)n, c->p);
	memcpy(out, c->p, n);
	out[n] = '\0';
	c->p += n;
	return true;
}

/* A decimal integer (optionally signed) in [lo, hi]. */
static bool
integer(struct cur *c, long lo, long hi, long *v, const char *what)
{
	char *end;
	long x;

	skip_ws(c);
	if (!isdigit((unsigned char)*c->p) && !(*c->p == '-' &&
	    isdigit((unsigned char)c->p[1])))
		return fail(c, "expected %s at '%.20s'", what, c->p);
	errno = 0;
	x = strtol(c->p, &end, 10);
	if (errno != 0 || x < lo || x > hi)
		return fail(c, "%s out of range [%ld, %ld]: '%.*s'", what, lo, hi,
			(int)(end - c->p), c->p);
	c->p = end;
	*v = x;
	return true;
}

static bool
u32(struct cur *c, uint32_t *v, const char *what)
{
	long x;

	if (!integer(c, 0, 4294967295L, &x, what))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* A number or '*' (@wild set). */
static bool
u32_or_wild(struct cur *c, uint32_t *v, bool *wild, const char *what)
{
	if (take(c, "*")) {
		*wild = true;
		return true;
	}
	*wild = false;
	return u32(c, v, what);
}

/* Seconds, decimal ("1", "0.25"; no exponent), as nanoseconds. A '.'
 * counts only before a digit, so that "0...+1" reads as 0, "...", +1. */
static bool
seconds(struct cur *c, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000ull;

	skip_ws(c);
	if (!isdigit((unsigned char)*c->p))
		return fail(c, "expected a time in seconds at '%.20s'", c->p);
	while (isdigit((unsigned char)*c->p)) {
		whole = whole * 10 + (uint64_t)(*c->p++ - '0');
		if (whole > (uint64_t)MAX_TIME_S)
			return fail(c, "time beyond %.0f s", MAX_TIME_S);
	}
	if (c->p[0] == '.' && isdigit((unsigned char)c->p[1])) {
		c->p++;
		while (isdigit((unsigned char)*c->p)) {
			scale /= 10;
			if (scale == 0)
				return fail(c, "time finer than a nanosecond");
			frac += (uint64_t)(*c->p++ - '0') * scale;
		}
	}
	*ns = whole * 1000000000ull + frac;
	return true;
}

/* ---- names ----------------------------------------------------------- */

struct named {
	const char *name;
	long val;
};

static const struct named errnos[] = {
	{ "EAGAIN", EAGAIN }, { "EINPROGRESS", EINPROGRESS },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ECONNRESET", ECONNRESET },
	{ "ETIMEDOUT", ETIMEDOUT }, { "EPIPE", EPIPE }, { "ENOTCONN", ENOTCONN },
	{ "EISCONN", EISCONN }, { "EALREADY", EALREADY }, { "EINVAL", EINVAL },
	{ "EBADF", EBADF }, { "EADDRINUSE", EADDRINUSE },
	{ "ECONNABORTED", ECONNABORTED }, { "ENOPROTOOPT", ENOPROTOOPT },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "ENETUNREACH", ENETUNREACH },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "EFAULT", EFAULT },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL }, { "EINTR", EINTR },
	{ NULL, 0 }
};

static const struct named consts[] = {
	{ "SHUT_RD", SHUT_RD }, { "SHUT_WR", SHUT_WR }, { "SHUT_RDWR", SHUT_RDWR },
	{ "POLLIN", POLLIN }, { "POLLOUT", POLLOUT }, { "POLLERR", POLLERR },
	{ "POLLHUP", POLLHUP }, { "POLLRDHUP", POLLRDHUP }, { "POLLPRI", POLLPRI },
	{ "O_NONBLOCK", O_NONBLOCK }, { "SOCK_NONBLOCK", SOCK_NONBLOCK },
	{ NULL, 0 }
};

struct sockopt_name {
	const char *name;
	int level, opt;
};

static const struct sockopt_name sockopts[] = {
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR },
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE },
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER },
	{ "SO_ERROR", SOL_SOCKET, SO_ERROR },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY },
	{ "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT },
	{ "TCP_SYNCNT", IPPROTO_TCP, TCP_SYNCNT },
	{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT },
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK },
	{ NULL, 0, 0 }
};

static const struct named *
lookup(const struct named *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const char *
pkt_errno_name(int err)
{
	for (const struct named *t = errnos; t->name != NULL; t++)
		if (t->val == err)
			return t->name;
	return NULL;
}

/* A number, or constants or-ed with '|'. */
static bool
value(struct cur *c, long *v)
{
	char id[32];

	*v = 0;
	skip_ws(c);
	if (!isalpha((unsigned char)*c->p))
		return integer(c, -1, 1L << 31, v, "a number");
	do {
		const struct named *n;

		if (!ident(c, id, sizeof(id)))
			return fail(c, "expected a constant at '%.20s'", c->p);
		n = lookup(consts, id);
		if (n == NULL)
			n = lookup(errnos, id);
		if (n == NULL)
			return fail(c, "unknown constant '%s'", id);
		*v |= n->val;
	} while (take(c, "|"));
	return true;
}

/* ---- segments -------------------------------------------------------- */

/* tcpdump's letters, '.' for ACK; on an expected packet 'p' is a PSH
 * that may or may not be set. */
static bool
flags(struct cur *c, struct pkt_seg *s, bool in)
{
	static const char letters[] = "FSRP.UEW";
	const char *q;

	skip_ws(c);
	while (*c->p != '\0' && *c->p != ' ' && *c->p != '\t') {
		if (*c->p == 'p' && !in) {
			s->flags_any |= PKT_PSH;
			c->p++;
			continue;
		}
		q = strchr(letters, *c->p);
		if (q == NULL)
			return fail(c, "unknown TCP flag '%c' (flags: %s%s)", *c->p,
				letters, in ? "" : " p");
		s->flags |= (uint8_t)(1u << (q - letters));
		c->p++;
	}
	if (s->flags == 0 && s->flags_any == 0)
		return fail(c, "expected TCP flags (%s%s)", letters, in ? "" : " p");
	return true;
}

static bool
opt_sack(struct cur *c, struct pkt_opt *o)
{
	o->kind = PKT_OPT_SACK;
	do {
		if (o->nsack == PKT_MAX_SACK)
			return fail(c, "more than %d SACK blocks", PKT_MAX_SACK);
		if (!u32(c, &o->sack[o->nsack][0], "a SACK left edge") ||
		    !expect(c, ":") ||
		    !u32(c, &o->sack[o->nsack][1], "a SACK right edge"))
			return false;
		o->nsack++;
		skip_ws(c);
	} while (isdigit((unsigned char)*c->p));
	return true;
}

static bool
one_opt(struct cur *c, struct pkt_opt *o, bool in)
{
	memset(o, 0, sizeof(*o));
	if (take(c, "nop")) {
		o->kind = PKT_OPT_NOP;
	} else if (take(c, "eol")) {
		o->kind = PKT_OPT_EOL;
	} else if (take(c, "mss")) {
		o->kind = PKT_OPT_MSS;
		return u32_or_wild(c, &o->v[0], &o->wild[0], "an MSS");
	} else if (take(c, "wscale")) {
		o->kind = PKT_OPT_WS;
		return u32_or_wild(c, &o->v[0], &o->wild[0], "a window shift");
	} else if (take(c, "sackOK")) {
		o->kind = PKT_OPT_SACKOK;
	} else if (take(c, "sack")) {
		return opt_sack(c, o);
	} else if (take(c, "ts")) {
		o->kind = PKT_OPT_TS;
		if (!take(c, "val") ||
		    !u32_or_wild(c, &o->v[0], &o->wild[0], "a TSval") ||
		    !expect(c, "ecr"))
			return fail(c, "expected 'ts val N ecr N'");
		if (in && take(c, "last")) {
			o->ecr_last = true;
			return true;
		}
		return u32_or_wild(c, &o->v[1], &o->wild[1], "a TSecr");
	} else {
		return fail(c, "unknown option at '%.20s'", c->p);
	}
	return true;
}

static bool
opts(struct cur *c, struct pkt_seg *s, bool in)
{
	if (take(c, "*")) {
		if (in)
			return fail(c, "an injected packet cannot have 'opts *'");
		s->opts_wild = true;
		return true;
	}
	if (!expect(c, "["))
		return false;
	if (take(c, "]"))
		return true;
	do {
		if (s->nopt == PKT_MAX_OPTS)
			return fail(c, "more than %d options", PKT_MAX_OPTS);
		if (!one_opt(c, &s->opt[s->nopt++], in))
			return false;
		if (in && (s->opt[s->nopt - 1].wild[0] ||
		    s->opt[s->nopt - 1].wild[1]))
			return fail(c, "an injected option cannot have '*'");
	} while (take(c, ","));
	return expect(c, "]");
}

/* Fields after the flags; @in: injected (no wildcards). */
static bool
seg_fields(struct cur *c, struct pkt_seg *s, bool in)
{
	bool seq = false, ack = false, win = false;
	long port;

	while (!at_end(c)) {
		if (take(c, "seq")) {
			seq = true;
			if (!u32_or_wild(c, &s->seq, &s->seq_wild, "a sequence number"))
				return false;
		} else if (take(c, "ack")) {
			ack = true;
			if (!u32_or_wild(c, &s->ack, &s->ack_wild, "an ACK number"))
				return false;
		} else if (take(c, "win")) {
			win = true;
			if (!u32_or_wild(c, &s->win, &s->win_wild, "a window"))
				return false;
			if (!s->win_wild && s->win > 65535)
				return fail(c, "window %u over 65535", s->win);
		} else if (take(c, "len")) {
			if (!u32(c, &s->len, "a payload length"))
				return false;
			if (s->len > 65000)
				return fail(c, "payload %u too long", s->len);
		} else if (take(c, "opts")) {
			if (!opts(c, s, in))
				return false;
		} else if (take(c, "rport")) {
			if (!integer(c, 1, 65535, &port, "a port"))
				return false;
			s->rport = (uint16_t)port;
		} else {
			return fail(c, "unknown field at '%.20s'", c->p);
		}
	}
	if (c->failed)
		return false;
	if (in && (s->seq_wild || s->ack_wild || s->win_wild))
		return fail(c, "an injected packet cannot have '*'");
	if (!seq)
		return fail(c, "missing 'seq'");
	if ((s->flags & PKT_ACK) && !ack)
		return fail(c, "ACK flag ('.') without 'ack'");
	if (!(s->flags & PKT_ACK) && ack)
		return fail(c, "'ack' without the ACK flag ('.')");
	if (!win)
		return fail(c, "missing 'win'");
	return true;
}

/* ---- calls ----------------------------------------------------------- */

struct call_name {
	const char *name;
	enum pkt_call_kind kind;
	int min_args, max_args;
};

static const struct call_name calls[] = {
	{ "socket", PKT_SOCKET, 0, 1 }, { "bind", PKT_BIND, 2, 2 },
	{ "listen", PKT_LISTEN, 2, 2 }, { "accept", PKT_ACCEPT, 1, 1 },
	{ "connect", PKT_CONNECT, 1, 2 }, { "write", PKT_WRITE, 2, 2 },
	{ "read", PKT_READ, 2, 2 }, { "close", PKT_CLOSE, 1, 1 },
	{ "shutdown", PKT_SHUTDOWN, 2, 2 },
	{ "setsockopt", PKT_SETSOCKOPT, 3, 4 },
	{ "getsockopt", PKT_GETSOCKOPT, 2, 2 }, { "poll", PKT_POLL, 3, 3 },
	{ "fcntl", PKT_FCNTL, 2, 2 },
	{ NULL, 0, 0, 0 }
};

static bool
call_arg(struct cur *c, struct pkt_call *k, int i)
{
	struct pkt_arg *a = &k->arg[i];
	const char *save;
	char id[32];

	skip_ws(c);
	if (i == 1 && (k->kind == PKT_SETSOCKOPT || k->kind == PKT_GETSOCKOPT)) {
		if (!ident(c, id, sizeof(id)))
			return fail(c, "expected a socket option name");
		for (const struct sockopt_name *o = sockopts; o->name; o++)
			if (strcmp(o->name, id) == 0) {
				k->level = o->level;
				k->optname = o->opt;
				return true;
			}
		return fail(c, "unknown socket option '%s'", id);
	}
	save = c->p;
	if (i == 0 && k->kind != PKT_SOCKET) {
		if (!ident(c, a->var, sizeof(a->var)))
			return fail(c, "expected a socket name at '%.20s'", c->p);
		if (lookup(consts, a->var) == NULL)
			return true;
		c->p = save;
		a->var[0] = '\0';
	}
	return value(c, &a->val);
}

/* "= *", "= N", "= -1 ENAME", then "val V" or "revents V". */
static bool
call_result(struct cur *c, struct pkt_call *k)
{
	char id[32];
	const struct named *n;

	if (!take(c, "="))
		return true;
	k->rc_given = true;
	if (take(c, "*")) {
		k->rc_wild = true;
		return true;
	}
	if (!integer(c, -1, MAX_IO, &k->rc, "a result"))
		return false;
	if (k->rc == -1) {
		if (!ident(c, id, sizeof(id)) || (n = lookup(errnos, id)) == NULL)
			return fail(c, "-1 needs an errno name (EAGAIN, ...)");
		k->err = (int)n->val;
	}
	if (take(c, "val") || take(c, "revents")) {
		k->val_given = true;
		return value(c, &k->val);
	}
	return true;
}

static bool
call_check(struct cur *c, struct pkt_call *k)
{
	if (k->kind == PKT_GETSOCKOPT && k->rc == 0 && !k->val_given &&
	    !k->rc_wild)
		return fail(c, "getsockopt needs '= 0 val V'");
	if (k->kind == PKT_POLL && k->rc > 0 && !k->val_given)
		return fail(c, "poll returning %ld needs 'revents'", k->rc);
	if ((k->kind == PKT_WRITE || k->kind == PKT_READ) && !k->rc_given)
		return fail(c, "%s needs an expected result ('= N')",
			k->kind == PKT_WRITE ? "write" : "read");
	if ((k->kind == PKT_WRITE || k->kind == PKT_READ) &&
	    (k->arg[1].val < 0 || k->arg[1].val > (long)MAX_IO))
		return fail(c, "byte count %ld out of [0, %u]", k->arg[1].val,
			MAX_IO);
	if (k->result_var[0] != '\0' && k->kind != PKT_SOCKET &&
	    k->kind != PKT_ACCEPT)
		return fail(c, "only socket() and accept() name a socket");
	return true;
}

static bool
call(struct cur *c, struct pkt_call *k)
{
	const char *save = c->p;
	char id[32];
	const struct call_name *cn;

	if (!ident(c, id, sizeof(id)))
		return fail(c, "expected 'in', 'out' or a call at '%.20s'", c->p);
	if (take(c, "=")) {
		if (!copy(c, k->result_var, sizeof(k->result_var), id, "a name"))
			return false;
		if (!ident(c, id, sizeof(id)))
			return fail(c, "expected a call after '%s ='", k->result_var);
	}
	for (cn = calls; cn->name != NULL; cn++)
		if (strcmp(cn->name, id) == 0)
			break;
	if (cn->name == NULL) {
		c->p = save;
		return fail(c, "unknown call '%s'", id);
	}
	k->kind = cn->kind;
	if (!expect(c, "("))
		return false;
	if (!take(c, ")")) {
		do {
			if (k->nargs == cn->max_args)
				return fail(c, "%s takes at most %d arguments", id,
					cn->max_args);
			if (!call_arg(c, k, k->nargs++))
				return false;
		} while (take(c, ","));
		if (!expect(c, ")"))
			return false;
	}
	if (k->nargs < cn->min_args)
		return fail(c, "%s takes at least %d arguments", id, cn->min_args);
	if (!call_result(c, k))
		return false;
	if (!at_end(c))
		return fail(c, "trailing text '%.20s'", c->p);
	return call_check(c, k);
}

/* ---- lines ----------------------------------------------------------- */

/* "t" or "+dt", then "...t2" for a call that returns later. */
static bool
timing(struct cur *c, struct pkt_event *e, uint64_t prev, bool *blocking,
	uint64_t *end)
{
	bool rel = take(c, "+");
	uint64_t t;

	if (!seconds(c, &t))
		return false;
	if (rel)
		t += prev;
	else if (t < prev)
		return fail(c, "time goes backwards (%.3f s after %.3f s)",
			(double)t / NS_PER_S, (double)prev / NS_PER_S);
	e->t_ns = t;
	e->dt_ns = t - prev;
	*blocking = take(c, "...");
	if (!*blocking)
		return true;
	rel = take(c, "+");
	if (!seconds(c, end))
		return false;
	if (rel)
		*end += t;
	else if (*end < t)
		return fail(c, "a call cannot return before it starts");
	return true;
}

static bool
event(struct cur *c, struct pkt_event *e, uint64_t prev)
{
	bool in, blocking;
	uint64_t end = 0;

	memset(e, 0, sizeof(*e));
	e->line = c->line;
	if (!timing(c, e, prev, &blocking, &end))
		return false;
	if ((in = take(c, "in")) || take(c, "out")) {
		if (blocking)
			return fail(c, "only a call can span time ('...')");
		e->kind = in ? PKT_EV_IN : PKT_EV_OUT;
		return flags(c, &e->seg, in) && seg_fields(c, &e->seg, in);
	}
	e->kind = PKT_EV_CALL;
	e->call.blocking = blocking;
	e->call.end_ns = end;
	return call(c, &e->call);
}

static bool
directive(struct cur *c, struct pkt_script *s, const char *line)
{
	const char *v;
	uint64_t ns;

	if (strncmp(line, "# deviation:", 12) == 0) {
		v = line + 12;
		while (*v == ' ')
			v++;
		if (strncmp(v, "dpstack:", 8) != 0 || strlen(v + 8) < 4)
			return fail(c, "'# deviation: dpstack: <reason>' needs a reason");
		return copy(c, s->deviation, sizeof(s->deviation), v + 8,
			"a deviation");
	} else if (strncmp(line, "# kernel-only:", 14) == 0) {
		return copy(c, s->kernel_only, sizeof(s->kernel_only), line + 14,
			"a kernel-only reason");
	} else if (strncmp(line, "# tolerance:", 12) == 0) {
		c->p = line + 12;
		if (!seconds(c, &ns))
			return false;
		s->tol_ns = ns;
	} else if (strncmp(line, "# sysctl:", 9) == 0) {
		v = line + 9;
		while (*v == ' ')
			v++;
		if (s->nsysctl == 8 || strchr(v, '=') == NULL ||
		    strncmp(v, "net.", 4) != 0 || strstr(v, "..") != NULL)
			return fail(c, "'# sysctl: net.x.y=v' (at most 8)");
		return copy(c, s->sysctl[s->nsysctl++], sizeof(s->sysctl[0]), v,
			"a sysctl");
	} else if (strncmp(line, "# remote-port:", 14) == 0) {
		long p;

		c->p = line + 14;
		if (!integer(c, 1, 65535, &p, "a port"))
			return false;
		s->rport = (uint16_t)p;
	}
	return true;
}

int
pkt_parse(const char *name, const char *text, struct pkt_script *s,
	char *err, size_t errlen)
{
	struct cur c = { .name = name, .err = err, .errlen = errlen };
	char line[512];
	uint64_t prev = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->rport = DEFAULT_RPORT;
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");

		c.line++;
		if (n >= sizeof(line)) {
			fail(&c, "line longer than %zu characters", sizeof(line) - 1);
			return -1;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		c.p = line;
		if (line[0] == '#') {
			if (!directive(&c, s, line))
				return -1;
			continue;
		}
		if (at_end(&c))
			continue;
		if (s->nev == PKT_MAX_EVENTS) {
			fail(&c, "more than %d events", PKT_MAX_EVENTS);
			return -1;
		}
		if (!event(&c, &s->ev[s->nev], prev))
			return -1;
		prev = s->ev[s->nev++].t_ns;
	}
	if (s->nev == 0) {
		c.line = 0;
		fail(&c, "no events");
		return -1;
	}
	return 0;
}

int
pkt_parse_file(const char *path, struct pkt_script *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	const char *base = strrchr(path, '/');
	char *text;
	long n;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	if (text == NULL || fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: read failed", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = pkt_parse(base != NULL ? base + 1 : path, text, s, err, errlen);
	free(text);
	return rc;
}
