/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the HTTP/1.1 framing of apps/common/app_http.c.
 *
 * Input: one byte of settings, then the bytes of a connection's stream.
 * Settings: bit 0 response (else request), bit 1 responses to HEAD,
 * bit 2 call app_http_eof() at the end, bit 3 expand (below), bits 4-7
 * a piece size. Expanded, each DEL byte (0x7f) and the byte after it
 * stand for 32 times that many 'a's, so a short input reaches the 8 KiB
 * header limit.
 *
 * The stream is framed six times: whole and cut into pieces of that
 * size, each in its own heap buffer so ASan sees a read past a piece,
 * with app_http_feed() (the fast path for whole heads, then the strict
 * one), with app_http_feed_memo() (the same through a memo of the last
 * head, kept across inputs) and with app_http_feed_strict() alone. The
 * parser promises that a message split anywhere parses the same and that
 * its paths agree (see app_http.c), so the six runs must agree on every
 * message, on the error, its status and where it happened; a difference
 * aborts. Where the fast path takes the first head, the parser must also
 * be byte for byte where the strict path leaves it after the same bytes,
 * and the memo path where the fast path leaves it.
 *
 * The formatters are checked against the parser as well: a GET request
 * for a path and host taken from the input parses back whole as a GET
 * (the parser keeps no target: the formatter's line is checked in
 * place), and an error response to its status.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app_http.h"

#define MAX_MSGS 32
#define MAX_STREAM (12 * 1024)	/* past the 8 KiB header limit */

struct msg {
	size_t end;
	uint16_t status;
	uint8_t method;
	bool keep_alive;
	uint64_t content_length;
};

struct outcome {
	unsigned int n;
	struct msg m[MAX_MSGS];
	int last;
	size_t err_at;
	const char *err;
	unsigned int err_status;
};

typedef int (*feed_fn)(struct app_http *, const char *, size_t, size_t *);

/* The memo the engines keep per lcore, kept here across every input, so
 * that it holds the last head some earlier stream left: app_http_feed()
 * through it must still agree with the strict path. */
static struct app_http_memo memo;

static int
feed_memo(struct app_http *p, const char *buf, size_t len, size_t *used)
{
	return app_http_feed_memo(p, &memo, buf, len, used);
}

struct settings {
	enum app_http_kind kind;
	bool head_only, eof;
	size_t piece;			/* 0: the whole stream at once */
	feed_fn feed;
};

static void
fuzz_fail(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "fuzz_http: %s (%zu vs %zu)\n", what, a, b);
	abort();
}

static void
restart(struct app_http *p, const struct settings *st)
{
	app_http_init(p, st->kind);
	p->head_only = st->head_only;
}

static void
record(struct outcome *o, const struct app_http *p, size_t end)
{
	struct msg *m;

	if (o->n == MAX_MSGS)
		return;
	m = &o->m[o->n++];
	m->end = end;
	m->status = p->status;
	m->method = p->method;
	m->keep_alive = p->keep_alive;
	m->content_length = p->content_length;
}

/* Feed @p len bytes at @p buf, a piece of the stream starting at @p pos.
 * Returns false once an error ended the run. */
static bool
feed_piece(struct app_http *p, const struct settings *st, const char *buf,
	size_t len, size_t pos, struct outcome *o)
{
	size_t off = 0, used;

	while (off < len) {
		int rc = st->feed(p, buf + off, len - off, &used);

		o->last = rc;
		if (used > len - off)
			fuzz_fail("used beyond the piece", used, len - off);
		if (rc == APP_HTTP_ERROR) {
			o->err_at = pos + off + used;
			o->err = app_http_err(p);
			o->err_status = app_http_err_status(p);
			return false;
		}
		if (rc == APP_HTTP_MORE) {
			if (used != len - off)
				fuzz_fail("MORE without taking everything", used, len - off);
			return true;
		}
		if (rc != APP_HTTP_DONE)
			fuzz_fail("unknown return", (size_t)rc, 0);
		record(o, p, pos + off + used);
		off += used;
		restart(p, st);
	}
	return true;
}

static void
run(const struct settings *st, const char *s, size_t len, struct outcome *o)
{
	size_t step = st->piece != 0 ? st->piece : (len != 0 ? len : 1);
	struct app_http p;
	bool going = true;

	memset(o, 0, sizeof(*o));
	o->last = APP_HTTP_MORE;
	restart(&p, st);
	for (size_t pos = 0; pos < len && going; pos += step) {
		size_t n = len - pos < step ? len - pos : step;
		char *piece = malloc(n);

		memcpy(piece, s + pos, n);
		going = feed_piece(&p, st, piece, n, pos, o);
		free(piece);
	}
	if (!going || !st->eof)
		return;
	o->last = app_http_eof(&p);
	if (o->last == APP_HTTP_DONE)
		record(o, &p, len);
	else if (o->last == APP_HTTP_ERROR)
		o->err = app_http_err(&p), o->err_at = len,
		o->err_status = app_http_err_status(&p);
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	if (a->n != b->n)
		fuzz_fail("messages differ", a->n, b->n);
	if (a->last != b->last)
		fuzz_fail("last return differs", (size_t)a->last, (size_t)b->last);
	if ((a->err == NULL) != (b->err == NULL) ||
			(a->err != NULL && strcmp(a->err, b->err) != 0))
		fuzz_fail("error differs", 0, 0);
	if (a->err != NULL && a->err_at != b->err_at)
		fuzz_fail("error offset differs", a->err_at, b->err_at);
	if (a->err_status != b->err_status)
		fuzz_fail("error status differs", a->err_status, b->err_status);
	for (unsigned int i = 0; i < a->n; i++)
		if (memcmp(&a->m[i], &b->m[i], sizeof(a->m[i])) != 0)
			fuzz_fail("message differs", i, a->m[i].end);
}

/* The memo path on the stream's first head must do what the fast path
 * did (@p took, leaving @p f): through the memo kept across inputs, and
 * twice through a fresh one (kept, then settled from it). */
static void
memo_state(const struct settings *st, const char *s, size_t len, size_t took,
	const struct app_http *f)
{
	struct app_http_memo fresh;
	struct app_http_memo *mm[3] = { &memo, &fresh, &fresh };

	app_http_memo_init(&fresh);
	for (int i = 0; i < 3; i++) {
		struct app_http g;

		restart(&g, st);
		if (app_http_memo_head(&g, mm[i], s, len) != took)
			fuzz_fail("the memo path takes another head", took, (size_t)i);
		if (memcmp(&g, f, sizeof(g)) != 0)
			fuzz_fail("the memo path leaves another state", took, (size_t)i);
	}
}

/* The fast path on the stream's first head, from a fresh parser: when
 * it takes it, the parser must be byte for byte what
 * app_http_feed_strict() leaves after the same bytes (no line is under
 * way: nothing is scratch); when it declines, untouched. */
static void
fast_state(const struct settings *st, const char *s, size_t len)
{
	struct app_http f, r;
	size_t took, used;

	restart(&f, st);
	restart(&r, st);
	took = app_http_fast_head(&f, s, len);
	memo_state(st, s, len, took, &f);
	if (took == 0) {
		if (memcmp(&f, &r, sizeof(f)) != 0)
			fuzz_fail("fast path declined but changed the parser", 0, 0);
		return;
	}
	if (took > len)
		fuzz_fail("fast head beyond the stream", took, len);
	if (app_http_feed_strict(&r, s, took, &used) == APP_HTTP_ERROR ||
			used != took)
		fuzz_fail("fast head the strict path does not take", took, used);
	if (memcmp(&f, &r, sizeof(f)) != 0)
		fuzz_fail("fast head leaves another state", took, 0);
}

/* The stream @p in stands for, with DEL runs expanded; returns its length. */
static size_t
expand(const uint8_t *in, size_t n, char *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len < MAX_STREAM; i++) {
		size_t k;

		if (in[i] != 0x7f || i + 1 == n) {
			out[len++] = (char)in[i];
			continue;
		}
		k = 32u * in[++i];
		if (k > MAX_STREAM - len)
			k = MAX_STREAM - len;
		memset(out + len, 'a', k);
		len += k;
	}
	return len;
}

/* Parse one whole message made by a formatter: a plain head, which the
 * fast path must take. */
static void
parse_made(const char *m, size_t n, enum app_http_kind kind, struct app_http *p)
{
	size_t used;

	app_http_init(p, kind);
	if (app_http_fast_head(p, m, n) == 0)
		fuzz_fail("the fast path declines a formatted message", n, 0);
	app_http_init(p, kind);
	if (app_http_feed(p, m, n, &used) != APP_HTTP_DONE || used != n)
		fuzz_fail("a formatted message does not parse whole", used, n);
}

/* app_http_request() and app_http_error() against the parser. */
static void
formatters(const uint8_t *data, size_t size)
{
	char host[64], path[256], out[512];
	struct app_http p;
	size_t n, hl = size < 2 ? 0 : data[1] % sizeof(host);
	size_t pl = size - 2 - hl < sizeof(path) - 1 ? size - 2 - hl : sizeof(path) - 1;

	if (size < 2 || hl > size - 2)
		return;
	memcpy(host, data + 2, hl);
	host[hl] = '\0';
	memcpy(path, data + 2 + hl, pl);
	path[pl] = '\0';
	n = app_http_request(out, sizeof(out), host, path, data[0] & 1);
	/* a request line longer than APP_HTTP_MAX_LINE is refused (414) */
	if (n != 0 && strlen("GET  HTTP/1.1") + pl <= APP_HTTP_MAX_LINE) {
		parse_made(out, n, APP_HTTP_REQUEST, &p);
		if (p.method != APP_HTTP_GET || p.keep_alive != (data[0] & 1) ||
				strncmp(out + 4, path, strlen(path)) != 0 ||
				out[4 + strlen(path)] != ' ')
			fuzz_fail("a formatted request parses differently", n, 0);
	}
	n = app_http_error(out, sizeof(out), 300u + data[1] * 2u);
	if (n != 0) {
		parse_made(out, n, APP_HTTP_RESPONSE, &p);
		if (p.status != 300u + data[1] * 2u || p.keep_alive)
			fuzz_fail("a formatted error parses differently", p.status, 0);
	}
}

/* The method's enum app_http_method, as the parser reads it. */
static unsigned int
method_of(const char *m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT" };

	for (unsigned int i = 0; i < 4; i++)
		if (strcmp(m, names[i]) == 0)
			return APP_HTTP_GET + i;
	return APP_HTTP_OTHER;
}

/*
 * app_http_request_head() (dps-gen's --method, --path, --header,
 * --body-size) against the parser: the input, split at newlines, gives
 * the method, the path, the host and up to four header lines; data[0]
 * the body length and keep-alive. A request app_http_req_check() takes
 * must parse whole, body included, with its method, keep-alive and
 * length; one it refuses must not be formatted.
 */
static void
request_heads(const uint8_t *data, size_t size)
{
	char in[1024], out[2048];
	char *f[7] = { NULL }, *save = NULL, *t;
	unsigned int nf = 0;
	struct app_http p;
	size_t n, used, body;
	bool post;

	if (size < 2 || size >= sizeof(in))
		return;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	for (t = strtok_r(in, "\n", &save); t != NULL && nf < 7; t = strtok_r(NULL, "\n", &save))
		f[nf++] = t;
	if (nf < 3)
		return;
	struct app_http_req r = { .method = f[0], .path = f[1], .host = f[2],
		.hdr = (const char *const *)&f[3], .n_hdr = nf - 3,
		.body_len = data[0] >> 1, .keep_alive = data[0] & 1 };
	n = app_http_request_head(out, sizeof(out) - 256, &r);
	if (app_http_req_check(&r) != NULL) {
		if (n != 0)
			fuzz_fail("a refused request was formatted", n, 0);
		return;
	}
	/* a request line longer than APP_HTTP_MAX_LINE is refused (414) */
	if (n == 0 || strlen(f[0]) + strlen(f[1]) + strlen("  HTTP/1.1") > APP_HTTP_MAX_LINE)
		return;
	body = r.body_len;
	memset(out + n, 'x', body);
	post = strcmp(f[0], "POST") == 0 || strcmp(f[0], "PUT") == 0;
	app_http_init(&p, APP_HTTP_REQUEST);
	if (app_http_feed(&p, out, n + body, &used) != APP_HTTP_DONE || used != n + body)
		fuzz_fail("a formatted request does not parse whole", used, n + body);
	if (p.method != method_of(f[0]) || p.keep_alive != r.keep_alive ||
			((body != 0 || post) && p.content_length != body))
		fuzz_fail("a formatted request parses differently", p.method, p.content_length);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char stream[MAX_STREAM];
	static struct outcome whole, other;
	struct settings st;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;

	if (size < 1)
		return 0;
	formatters(data, size);
	request_heads(data, size);
	st.kind = (data[0] & 1) ? APP_HTTP_RESPONSE : APP_HTTP_REQUEST;
	st.head_only = (data[0] & 2) != 0;
	st.eof = (data[0] & 4) != 0;
	st.piece = 0;
	if (data[0] & 8) {
		len = expand(data + 1, size - 1, stream);
		s = stream;
	}
	fast_state(&st, s, len);
	st.feed = app_http_feed_strict;
	run(&st, s, len, &whole);
	st.feed = app_http_feed;
	run(&st, s, len, &other);
	same(&whole, &other);
	st.feed = feed_memo;
	run(&st, s, len, &other);
	same(&whole, &other);
	/* piece sizes 1..15 and a few around APP_HTTP_MAX_LINE */
	st.piece = (size_t)(data[0] >> 4);
	if (st.piece >= 13)
		st.piece = 200 + 30 * (st.piece - 13);
	if (st.piece == 0)
		st.piece = 1;
	st.feed = app_http_feed;
	run(&st, s, len, &other);
	same(&whole, &other);
	st.feed = feed_memo;
	run(&st, s, len, &other);
	same(&whole, &other);
	st.feed = app_http_feed_strict;
	run(&st, s, len, &other);
	same(&whole, &other);
	/* a request's path and a response's status are what they say */
	for (unsigned int i = 0; i < whole.n; i++)
		if (st.kind == APP_HTTP_RESPONSE && (whole.m[i].status < 100 ||
				whole.m[i].status > 999))
			fuzz_fail("status out of range", whole.m[i].status, 0);
	return 0;
}
