/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the shared app code: the log-linear histogram
 * (app_hist), the incremental HTTP/1.1 framing (app_http, every message
 * also fed split at every byte boundary and a byte at a time, through
 * both the fast and the strict path, and a differential test of the two
 * on generated streams) and the
 * strict argument parsers (app_args).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include "app_args.h"
#include "app_client.h"
#include "app_hist.h"
#include "app_http.h"
#include "app_rate.h"
#include "app_stack.h"
#include "app_tuples.h"
#include "app_udp_stream.h"

/* ---- app_hist ---- */

static struct app_hist h1, h2, h3;

/* xorshift64*: a reproducible stream for the random tests. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* qsort order for uint64_t. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The rank-th smallest (rank = ceil(p% * n), at least 1) of sorted @p v. */
static uint64_t
true_pct(const uint64_t *v, size_t n, double p)
{
	double r = p / 100.0 * (double)n;
	size_t rank;

	r -= r * 1e-12;
	rank = (size_t)r;

	if ((double)rank < r)
		rank++;
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

Test(apps, hist_empty)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f;

	app_hist_reset(&h1);
	cr_assert_eq(h1.count, 0);
	cr_assert_eq(app_hist_pct(&h1, 50), 0);
	cr_assert_eq(app_hist_pct(&h1, 100), 0);
	cr_assert_eq(app_hist_mean(&h1), 0.0);
	f = open_memstream(&buf, &sz);
	app_hist_json(f, &h1);
	fclose(f);
	cr_assert_str_eq(buf, "{\"n\":0,\"min_ns\":0,\"p50_ns\":0,\"p75_ns\":0,"
		"\"p90_ns\":0,\"p99_ns\":0,\"p999_ns\":0,\"p9999_ns\":0,"
		"\"p99999_ns\":0,\"max_ns\":0,\"mean_ns\":0.0,\"stddev_ns\":0.0}");
	free(buf);
	f = open_memstream(&buf, &sz);
	app_hist_print(f, "lat", &h1, true);
	fclose(f);
	cr_assert_str_eq(buf, "lat: n 0, min 0.000, p50 0.000, p75 0.000, "
		"p90 0.000, p99 0.000, p99.9 0.000, p99.99 0.000, p99.999 0.000, "
		"max 0.000, mean 0.000, stddev 0.000 us\n");
	free(buf);
}

Test(apps, hist_exact_below_128)
{
	for (uint64_t v = 0; v < 128; v++) {
		app_hist_reset(&h1);
		app_hist_add(&h1, v);
		cr_assert_eq(app_hist_pct(&h1, 50), v);
		cr_assert_eq(app_hist_pct(&h1, 0), v);
	}
	/* 0..127 once each: the k-th smallest is exactly k - 1, and the
	 * upper edge is not just clamped to max (which is 127). */
	app_hist_reset(&h1);
	for (uint64_t v = 0; v < 128; v++)
		app_hist_add(&h1, v);
	for (unsigned int k = 1; k <= 128; k++) {
		double p = (double)k * 100.0 / 128.0;

		cr_assert_eq(app_hist_pct(&h1, p), k - 1, "p%f", p);
	}
	cr_assert_eq(h1.min, 0);
	cr_assert_eq(h1.max, 127);
	cr_assert_float_eq(app_hist_mean(&h1), 63.5, 1e-9);
}

Test(apps, hist_bucket_edges)
{
	/* 1000 lies in [992, 999+...]: width 4 at 2^9..2^10 */
	app_hist_reset(&h1);
	app_hist_add(&h1, 1000);
	app_hist_add(&h1, 1000000);
	/* p50 is in 1000's bucket [1000, 1003], upper edge 1003 */
	cr_assert_eq(app_hist_pct(&h1, 50), 1003);
	cr_assert_eq(app_hist_pct(&h1, 100), 1000000);
	/* p99: 1000000's bucket is [999424, 1003519], clamped to max */
	cr_assert_eq(app_hist_pct(&h1, 99), 1000000);
}

Test(apps, hist_relative_error_random)
{
	enum { N = 200000 };
	static uint64_t v[N];
	static const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9,
		99.99, 99.999, 100 };
	uint64_t s = 0x9e3779b97f4a7c15ull;

	app_hist_reset(&h1);
	for (size_t i = 0; i < N; i++) {
		/* log-uniform over 1 ns .. 2^42 ns */
		unsigned int e = (unsigned int)(rnd(&s) % 43);

		v[i] = (rnd(&s) & ((1ull << e) - 1)) | (1ull << e);
		app_hist_add(&h1, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	cr_assert_eq(h1.min, v[0]);
	cr_assert_eq(h1.max, v[N - 1]);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t t = true_pct(v, N, ps[i]), got = app_hist_pct(&h1, ps[i]);

		cr_assert_geq(got, t, "p%g: %lu < %lu", ps[i], got, t);
		cr_assert_leq(got - t, t / 128, "p%g: %lu vs %lu", ps[i], got, t);
	}
}

Test(apps, hist_relative_error_sweep)
{
	/* every single value from 1 to 2^42 by a growing step: the reported
	 * value is never below it and at most 1/128 above */
	for (uint64_t v = 1; v < (1ull << 42); v += v / 37 + 1) {
		uint64_t got;

		app_hist_reset(&h1);
		app_hist_add(&h1, v);
		app_hist_add(&h1, UINT64_MAX / 2);
		got = app_hist_pct(&h1, 50);
		cr_assert_geq(got, v);
		cr_assert_leq(got - v, v / 128, "%lu -> %lu", v, got);
	}
}

Test(apps, hist_merge)
{
	uint64_t s = 42;

	app_hist_reset(&h1);
	app_hist_reset(&h2);
	app_hist_reset(&h3);
	for (int i = 0; i < 10000; i++) {
		uint64_t x = rnd(&s) % 5000000;

		app_hist_add(&h3, x);
		app_hist_add(i % 3 ? &h1 : &h2, x);
	}
	app_hist_merge(&h1, &h2);
	cr_assert_eq(memcmp(&h1, &h3, sizeof(h1)), 0);
	/* into an empty one, and an empty one into a full one */
	app_hist_reset(&h2);
	app_hist_merge(&h2, &h3);
	cr_assert_eq(memcmp(&h2, &h3, sizeof(h2)), 0);
	app_hist_reset(&h2);
	app_hist_merge(&h1, &h2);
	cr_assert_eq(memcmp(&h1, &h3, sizeof(h1)), 0);
	/* min comes from the other side */
	app_hist_reset(&h2);
	app_hist_add(&h2, 7);
	app_hist_merge(&h1, &h2);
	cr_assert_eq(h1.min, 7);
	cr_assert_eq(h1.count, h3.count + 1);
}

Test(apps, hist_min_max_mean)
{
	app_hist_reset(&h1);
	app_hist_add(&h1, 1234567891);
	app_hist_add(&h1, 1000);
	app_hist_add(&h1, 5000);
	cr_assert_eq(h1.min, 1000);
	cr_assert_eq(h1.max, 1234567891);
	cr_assert_eq(app_hist_pct(&h1, 100), 1234567891);
	cr_assert_geq(app_hist_pct(&h1, 0), 1000);
	cr_assert_leq(app_hist_pct(&h1, 0), 1000 + 1000 / 128);
	cr_assert_float_eq(app_hist_mean(&h1), (1234567891.0 + 6000) / 3, 1e-3);
}

Test(apps, hist_overflow_top_bucket)
{
	const size_t top = sizeof(h1.b) / sizeof(h1.b[0]) - 1;

	app_hist_reset(&h1);
	app_hist_add(&h1, 1ull << 60);
	app_hist_add(&h1, UINT64_MAX);
	cr_assert_eq(h1.count, 2);
	cr_assert_eq(h1.b[top], 2);
	cr_assert_eq(h1.max, UINT64_MAX);
	cr_assert_eq(app_hist_pct(&h1, 100), UINT64_MAX);
	cr_assert_eq(app_hist_pct(&h1, 50), 1ull << 60);	/* clamped to min */
	/* 2^42 itself is still inside the table */
	app_hist_reset(&h1);
	app_hist_add(&h1, 1ull << 42);
	cr_assert_eq(h1.b[top], 0);
}

Test(apps, hist_print_json)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f;

	app_hist_reset(&h1);
	app_hist_add(&h1, 1);
	app_hist_add(&h1, 2);
	app_hist_add(&h1, 3);
	f = open_memstream(&buf, &sz);
	app_hist_json(f, &h1);
	fclose(f);
	cr_assert_str_eq(buf, "{\"n\":3,\"min_ns\":1,\"p50_ns\":2,\"p75_ns\":3,"
		"\"p90_ns\":3,\"p99_ns\":3,\"p999_ns\":3,\"p9999_ns\":3,"
		"\"p99999_ns\":3,\"max_ns\":3,\"mean_ns\":2.0,\"stddev_ns\":0.8}");
	free(buf);
	app_hist_reset(&h1);
	app_hist_add(&h1, 1500);
	app_hist_add(&h1, 1500);
	app_hist_add(&h1, 3000000);
	f = open_memstream(&buf, &sz);
	app_hist_print(f, "rtt", &h1, true);
	fclose(f);
	cr_assert(strncmp(buf, "rtt: n 3, min 1.500, p50 1.503, p75 3000.000, "
		"p90 3000.000,", 59) == 0, "%s", buf);
	/* two bucket lines: [1.024, 2.048) us and [2097.152, 4194.304) us */
	cr_assert_not_null(strstr(buf, "[       1.024,        2.048) us          2 "));
	cr_assert_not_null(strstr(buf, "[    2097.152,     4194.304) us          1 "));
	cr_assert_eq(strchr(strchr(strchr(strchr(buf, '\n') + 1, '\n') + 1,
		'\n') + 1, '\n'), NULL);
	free(buf);
}

/* ---- app_http ---- */

#define MAX_MSGS 8

struct msg_res {
	size_t end;			/* offset just past the message */
	uint16_t status;
	uint8_t method;
	bool keep_alive;
	uint64_t content_length;
};

struct run_res {
	unsigned int n;
	struct msg_res m[MAX_MSGS];
	int last;			/* rc of the final feed or of eof */
	size_t err_at;
	char err[64];
	uint16_t err_status;		/* what a server answers the error */
};

static void same_res(const struct run_res *a, const struct run_res *b,
	size_t split, size_t step);

/* A way to feed the parser: app_http_feed() (fast path, then strict),
 * app_http_feed_strict() alone, or app_http_feed_memo() with a memo kept
 * across every message a test feeds (so repeated heads are settled from
 * it, and a head kept from another message must not be mistaken). */
typedef int (*feed_fn)(struct app_http *, const char *, size_t, size_t *);

static struct app_http_memo test_memo;

static int
feed_memo(struct app_http *p, const char *buf, size_t len, size_t *used)
{
	return app_http_feed_memo(p, &test_memo, buf, len, used);
}

static const feed_fn feeds[] = { app_http_feed, app_http_feed_strict,
	feed_memo };
#define N_FEEDS (sizeof(feeds) / sizeof(feeds[0]))

/* Feed @p msg in pieces with @p feed: cut at @p split (0: none), or
 * @p step bytes at a time (0: whole pieces), or 1 to 9 bytes at random
 * when @p rs (a random state) is given. After DONE start the next
 * message; at the end call app_http_eof() if @p eof. */
static void
run_pieces(feed_fn feed, enum app_http_kind kind, bool head_only,
	const char *msg, size_t len, size_t split, size_t step, uint64_t *rs,
	bool eof, struct run_res *r)
{
	struct app_http p;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	app_http_init(&p, kind);
	p.head_only = head_only;
	r->last = APP_HTTP_MORE;
	while (pos < len) {
		size_t lim = split != 0 && pos < split ? split : len, n, used;
		int rc;

		n = step != 0 && lim - pos > step ? step : lim - pos;
		if (rs != NULL && lim - pos > 1)
			n = 1 + rnd(rs) % (lim - pos < 9 ? lim - pos : 9);
		rc = feed(&p, msg + pos, n, &used);
		r->last = rc;
		if (rc == APP_HTTP_ERROR) {
			r->err_at = pos + used;
			snprintf(r->err, sizeof(r->err), "%s", app_http_err(&p));
			r->err_status = (uint16_t)app_http_err_status(&p);
			return;
		}
		if (rc == APP_HTTP_MORE) {
			cr_assert_eq(used, n);
			pos += n;
			continue;
		}
		cr_assert_leq(used, n);
		cr_assert_lt(r->n, MAX_MSGS);
		r->m[r->n] = (struct msg_res){ pos + used, p.status, p.method,
			p.keep_alive, p.content_length };
		r->n++;
		pos += used;
		app_http_init(&p, kind);
		p.head_only = head_only;
	}
	if (!eof)
		return;
	r->last = app_http_eof(&p);
	if (r->last == APP_HTTP_DONE) {
		cr_assert_lt(r->n, MAX_MSGS);
		r->m[r->n] = (struct msg_res){ len, p.status, p.method,
			p.keep_alive, p.content_length };
		r->n++;
	} else if (r->last == APP_HTTP_ERROR) {
		r->err_at = len;
		snprintf(r->err, sizeof(r->err), "%s", app_http_err(&p));
		r->err_status = (uint16_t)app_http_err_status(&p);
	}
}

/* run_pieces() in pieces of a fixed size, or cut once. */
static void
run_with(feed_fn feed, enum app_http_kind kind, bool head_only,
	const char *msg, size_t len, size_t split, size_t step, bool eof,
	struct run_res *r)
{
	run_pieces(feed, kind, head_only, msg, len, split, step, NULL, eof, r);
}

/* run_with() both paths in turn, which must agree; the strict one's
 * result is the answer. */
static void
run(enum app_http_kind kind, bool head_only, const char *msg, size_t len,
	size_t split, size_t step, bool eof, struct run_res *r)
{
	struct run_res fast, memo;

	run_with(app_http_feed, kind, head_only, msg, len, split, step, eof,
		&fast);
	run_with(feed_memo, kind, head_only, msg, len, split, step, eof,
		&memo);
	run_with(app_http_feed_strict, kind, head_only, msg, len, split, step,
		eof, r);
	same_res(r, &fast, split, step);
	same_res(r, &memo, split, step);
}

/* Two runs of one message must agree in every detail. */
static void
same_res(const struct run_res *a, const struct run_res *b, size_t split,
	size_t step)
{
	cr_assert_eq(a->n, b->n, "split %zu step %zu", split, step);
	cr_assert_eq(a->last, b->last, "split %zu step %zu", split, step);
	cr_assert_str_eq(a->err, b->err, "split %zu step %zu", split, step);
	cr_assert_eq(a->err_at, b->err_at, "split %zu step %zu", split, step);
	cr_assert_eq(a->err_status, b->err_status, "split %zu step %zu", split,
		step);
	for (unsigned int i = 0; i < a->n; i++)
		cr_assert_eq(memcmp(&a->m[i], &b->m[i], sizeof(a->m[i])), 0,
			"message %u, split %zu step %zu", i, split, step);
}

/* Every field must match (after a head no line is under way: nothing
 * is scratch). */
static void
same_state(const struct app_http *a, const struct app_http *b, const char *m)
{
	cr_assert_eq(a->kind, b->kind, "%s", m);
	cr_assert_eq(a->phase, b->phase, "%s", m);
	cr_assert_eq(a->keep_alive, b->keep_alive, "%s", m);
	cr_assert_eq(a->head_only, b->head_only, "%s", m);
	cr_assert_eq(a->status, b->status, "%s", m);
	cr_assert_eq(a->method, b->method, "%s", m);
	cr_assert_eq(a->content_length, b->content_length, "%s", m);
	cr_assert_eq(a->body_left, b->body_left, "%s", m);
	cr_assert_eq(a->head_len, b->head_len, "%s", m);
	cr_assert_eq(a->flags, b->flags, "%s", m);
	cr_assert_eq(a->line_len, b->line_len, "%s", m);
	cr_assert_eq(a->err, b->err, "%s", m);
	cr_assert_eq(memcmp(a, b, sizeof(*a)), 0, "%s", m);
}

/* The memo path on the @p n bytes at @p m must do what the fast path
 * did (@p took, leaving @p f): through the memo the tests share (which
 * may hold another message's head), and twice through a fresh one, the
 * second time settled from what the first kept. */
static void
memo_check(enum app_http_kind kind, bool head_only, const char *m,
	size_t n, size_t took, const struct app_http *f)
{
	struct app_http_memo fresh;
	struct app_memo_run { struct app_http_memo *mm; } runs[] = {
		{ &test_memo }, { &fresh }, { &fresh },
	};

	app_http_memo_init(&fresh);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct app_http g;

		app_http_init(&g, kind);
		g.head_only = head_only;
		cr_assert_eq(app_http_memo_head(&g, runs[i].mm, m, n), took,
			"memo run %zu: %.*s", i, (int)n, m);
		cr_assert_eq(memcmp(&g, f, sizeof(g)), 0, "memo run %zu: %.*s",
			i, (int)n, m);
	}
	if (took != 0 && took <= APP_HTTP_MEMO_MAX)
		cr_assert_eq(fresh.len, took);
	else if (took > APP_HTTP_MEMO_MAX)
		cr_assert_eq(fresh.len, 0);
}

/* The fast path on the @p n bytes at @p m, from a fresh parser: its
 * length; when it took a head, the parser must be where the strict path
 * leaves it after the same bytes, and when it declined, untouched. */
static size_t
fast_check(enum app_http_kind kind, bool head_only, const char *m, size_t n)
{
	struct app_http f, s;
	size_t took, used;

	app_http_init(&f, kind);
	app_http_init(&s, kind);
	f.head_only = s.head_only = head_only;
	took = app_http_fast_head(&f, m, n);
	memo_check(kind, head_only, m, n, took, &f);
	if (took == 0) {
		cr_assert_eq(memcmp(&f, &s, sizeof(f)), 0, "declined, but changed");
		return 0;
	}
	cr_assert_leq(took, n);
	cr_assert_neq(app_http_feed_strict(&s, m, took, &used), APP_HTTP_ERROR,
		"%.*s", (int)n, m);
	cr_assert_eq(used, took, "%.*s", (int)n, m);
	same_state(&f, &s, m);
	return took;
}

/* Parse @p msg whole, then split at every boundary and byte by byte,
 * through the fast and the strict path, and require the same outcome
 * each time, and the same parser state after a head the fast path
 * takes; return the whole result. */
static struct run_res
parse_all(enum app_http_kind kind, bool head_only, const char *msg,
	bool eof)
{
	struct run_res whole, other;
	size_t len = strlen(msg);

	(void)fast_check(kind, head_only, msg, len);
	run(kind, head_only, msg, len, 0, 0, eof, &whole);
	for (size_t k = 1; k < len; k++) {
		run(kind, head_only, msg, len, k, 0, eof, &other);
		same_res(&whole, &other, k, 0);
	}
	for (size_t step = 1; step <= 3; step++) {
		run(kind, head_only, msg, len, 0, step, eof, &other);
		same_res(&whole, &other, 0, step);
	}
	return whole;
}

/* The parser lives in every connection of both engines: 32 bytes at
 * most (issue 15, item 4), so that it cannot grow unnoticed. */
Test(apps, http_parser_size)
{
	cr_assert_leq(sizeof(struct app_http), 32, "%zu bytes",
		sizeof(struct app_http));
}

#define REQ(m) parse_all(APP_HTTP_REQUEST, false, (m), false)
#define RSP(m) parse_all(APP_HTTP_RESPONSE, false, (m), false)

Test(apps, http_request_get)
{
	struct run_res r = REQ("GET /index.html?x=1 HTTP/1.1\r\n"
		"Host: a\r\nUser-Agent: t\r\n\r\n");

	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.last, APP_HTTP_DONE);
	cr_assert_eq(r.m[0].method, APP_HTTP_GET);
	cr_assert_eq(r.m[0].end, strlen("GET /index.html?x=1 HTTP/1.1\r\n"
		"Host: a\r\nUser-Agent: t\r\n\r\n"));
	cr_assert(r.m[0].keep_alive);
	cr_assert_eq(r.m[0].content_length, 0);
}

Test(apps, http_request_methods)
{
	static const struct { const char *m; uint8_t v; } t[] = {
		{ "GET", APP_HTTP_GET }, { "HEAD", APP_HTTP_HEAD },
		{ "POST", APP_HTTP_POST }, { "PUT", APP_HTTP_PUT },
		{ "DELETE", APP_HTTP_OTHER }, { "get", APP_HTTP_OTHER },
		{ "GETX", APP_HTTP_OTHER },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct run_res r;

		snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\n\r\n", t[i].m);
		r = REQ(buf);
		cr_assert_eq(r.n, 1, "%s", t[i].m);
		cr_assert_eq(r.m[0].method, t[i].v, "%s", t[i].m);
	}
}

Test(apps, http_request_body_and_pipeline)
{
	const char *m = "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		"GET /b HTTP/1.1\r\n\r\n"
		"PUT /c HTTP/1.1\r\ncontent-length:  3 \r\nConnection: close\r\n"
		"\r\nxyz";
	struct run_res r = REQ(m);

	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.m[0].method, APP_HTTP_POST);
	cr_assert_eq(r.m[0].content_length, 5);
	cr_assert_eq(r.m[0].end, strlen("POST /a HTTP/1.1\r\n"
		"Content-Length: 5\r\n\r\nhello"));
	cr_assert_eq(r.m[1].method, APP_HTTP_GET);
	cr_assert_eq(r.m[1].end, r.m[0].end + strlen("GET /b HTTP/1.1\r\n\r\n"));
	cr_assert(r.m[1].keep_alive);
	cr_assert_eq(r.m[2].method, APP_HTTP_PUT);
	cr_assert_eq(r.m[2].content_length, 3);
	cr_assert_not(r.m[2].keep_alive);
	cr_assert_eq(r.m[2].end, strlen(m));
	cr_assert_eq(r.last, APP_HTTP_DONE);
}

static void
http_pipelined_used_with(feed_fn feed)
{
	const char *m = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3";
	struct app_http p;
	size_t used;

	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, m, strlen(m), &used), APP_HTTP_DONE);
	cr_assert_eq(used, 19);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, m + 19, strlen(m) - 19, &used),
		APP_HTTP_DONE);
	cr_assert_eq(used, 19);
	cr_assert_eq(p.method, APP_HTTP_GET);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, m + 38, strlen(m) - 38, &used),
		APP_HTTP_MORE);
	cr_assert_eq(used, strlen(m) - 38);
	cr_assert_eq(feed(&p, " HTTP/1.1\n\n", 11, &used),
		APP_HTTP_DONE);
	cr_assert_eq(p.method, APP_HTTP_GET);
	/* a finished parser refuses more until it is started again */
	cr_assert_eq(feed(&p, "G", 1, &used), APP_HTTP_ERROR);
}

Test(apps, http_pipelined_used)
{
	for (size_t f = 0; f < N_FEEDS; f++)
		http_pipelined_used_with(feeds[f]);
}

Test(apps, http_keep_alive_rules)
{
	static const struct { const char *m; bool ka; } t[] = {
		{ "GET / HTTP/1.1\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
			"Connection: close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: foo ,keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nX-Connection: keep-alive\r\n\r\n", false },
		{ "GET / HTTP/1.2\r\n\r\n", true },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct run_res r = REQ(t[i].m);

		cr_assert_eq(r.n, 1, "%s", t[i].m);
		cr_assert_eq(r.m[0].keep_alive, t[i].ka, "%s", t[i].m);
	}
}

Test(apps, http_bare_lf_and_leading_empty_lines)
{
	struct run_res r = REQ("\r\n\nGET /x HTTP/1.1\nHost: h\n"
		"Content-Length: 2\n\nabGET /y HTTP/1.0\r\n\n");

	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.m[0].end, strlen("\r\n\nGET /x HTTP/1.1\nHost: h\n"
		"Content-Length: 2\n\nab"));
	cr_assert_eq(r.m[0].content_length, 2);
	cr_assert_eq(r.m[1].method, APP_HTTP_GET);
	cr_assert_not(r.m[1].keep_alive);
}

Test(apps, http_long_path_and_long_header_skipped)
{
	char m[2048], path[200];
	struct run_res r;

	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';	/* request line still fits */
	snprintf(m, sizeof(m), "GET %.*s HTTP/1.1\r\nX-Long: %0600d\r\n"
		"Content-Length: 1\r\n\r\nZ", 200, path, 7);
	r = REQ(m);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.m[0].method, APP_HTTP_GET);
	cr_assert_eq(r.m[0].content_length, 1);
	cr_assert_eq(r.m[0].end, strlen(m));
	/* a needed header that does not fit is an error */
	snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nConnection: %0300d\r\n\r\n",
		1);
	r = REQ(m);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "header line too long");
	/* and so is a start line */
	snprintf(m, sizeof(m), "GET /%0300d HTTP/1.1\r\n\r\n", 1);
	r = REQ(m);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "request line too long");
}

Test(apps, http_head_limit)
{
	static char m[3 * APP_HTTP_MAX_HEAD];
	size_t n, hdr;
	struct run_res r;

	/* exactly APP_HTTP_MAX_HEAD bytes of head: accepted */
	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\n");
	hdr = APP_HTTP_MAX_HEAD - n - 2;
	memcpy(m + n, "X-Pad: ", 7);
	memset(m + n + 7, 'a', hdr - 9);
	memcpy(m + n + hdr - 2, "\r\n\r\n", 5);
	cr_assert_eq(strlen(m), APP_HTTP_MAX_HEAD);
	r = REQ(m);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.last, APP_HTTP_DONE);
	/* one more byte (in a skipped, overlong header): refused */
	memset(m + n + 7, 'a', hdr - 8);
	memcpy(m + n + hdr - 1, "\r\n\r\n", 5);
	r = REQ(m);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "header block too large");
	cr_assert_eq(r.err_at, APP_HTTP_MAX_HEAD + 1);
	/* many short headers count too */
	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\n");
	while (n < APP_HTTP_MAX_HEAD + 100)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "A: b\r\n");
	strcpy(m + n, "\r\n");
	r = REQ(m);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "header block too large");
}

/* Request @p m must fail with @p why, however it is split. */
static void
req_error(const char *m, const char *why)
{
	struct run_res r = REQ(m);

	cr_assert_eq(r.last, APP_HTTP_ERROR, "%s", m);
	cr_assert_str_eq(r.err, why, "%s", m);
	cr_assert_eq(r.n, 0, "%s", m);
}

/*
 * Issue 12, 1.8: a start line longer than the parser's line[] (256
 * bytes, gone since) arriving in two pieces made line_run() form a
 * pointer past line[] (UBSan under clang: index 300 out of bounds). It is
 * refused at the byte that makes it longer than APP_HTTP_MAX_LINE, before
 * its end arrives, with the status a server answers (414, as nginx
 * answers a request line longer than its buffer).
 */
static void
http_long_request_line_in_two_pieces_with(feed_fn feed)
{
	char m[512];
	struct app_http p;
	size_t used, n;

	n = (size_t)snprintf(m, sizeof(m), "GET /%0300d", 7);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, m, 200, &used), APP_HTTP_MORE);
	cr_assert_eq(feed(&p, m + 200, n - 200, &used), APP_HTTP_ERROR);
	cr_assert_str_eq(app_http_err(&p), "request line too long");
	cr_assert_eq(app_http_err_status(&p), 414);
	cr_assert_eq(used, APP_HTTP_MAX_LINE + 1 - 200, "refused at byte %zu",
		used);
	/* however it is cut, at the same byte */
	snprintf(m + n, sizeof(m) - n, " HTTP/1.1\r\n\r\n");
	req_error(m, "request line too long");
	/* a status line likewise */
	n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 200 %0300d", 7);
	app_http_init(&p, APP_HTTP_RESPONSE);
	cr_assert_eq(feed(&p, m, 100, &used), APP_HTTP_MORE);
	cr_assert_eq(feed(&p, m + 100, n - 100, &used), APP_HTTP_ERROR);
	cr_assert_str_eq(app_http_err(&p), "status line too long");
}

Test(apps, http_long_request_line_in_two_pieces)
{
	for (size_t f = 0; f < N_FEEDS; f++)
		http_long_request_line_in_two_pieces_with(feeds[f]);
}

/* A long header line the server does not interpret is still skipped when
 * it arrives in pieces (only its first APP_HTTP_MAX_LINE bytes are read). */
static void
http_long_header_line_in_pieces_with(feed_fn feed)
{
	char m[2048];
	struct app_http p;
	size_t used, n, pos = 0;
	int rc = APP_HTTP_MORE;

	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nCookie: %01000d"
		"\r\n\r\n", 7);
	app_http_init(&p, APP_HTTP_REQUEST);
	for (size_t k = 100; pos < n && rc == APP_HTTP_MORE; pos += used, k += 77)
		rc = feed(&p, m + pos, k < n - pos ? k : n - pos, &used);
	cr_assert_eq(rc, APP_HTTP_DONE);
	cr_assert_eq(pos, n);
	/* a header the framing needs must fit: 431, as RFC 6585 5 says */
	snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nContent-Length: %0300d\r\n"
		"\r\n", 7);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, m, 150, &used), APP_HTTP_MORE);
	cr_assert_eq(feed(&p, m + 150, strlen(m) - 150, &used),
		APP_HTTP_ERROR);
	cr_assert_str_eq(app_http_err(&p), "header line too long");
	cr_assert_eq(app_http_err_status(&p), 431);
}

Test(apps, http_long_header_line_in_pieces)
{
	for (size_t f = 0; f < N_FEEDS; f++)
		http_long_header_line_in_pieces_with(feeds[f]);
}

/* A message whose one line (CRLF not counted) is @p len bytes: @p pre,
 * then @p fill to length, then @p post. */
static char *
long_line(const char *head, const char *pre, char fill, const char *post,
	size_t len, const char *tail)
{
	size_t h = strlen(head), a = strlen(pre), z = strlen(post);
	char *m = malloc(h + len + strlen(tail) + 3);

	cr_assert_not_null(m);
	cr_assert_geq(len, a + z);
	memcpy(m, head, h);
	memcpy(m + h, pre, a);
	memset(m + h + a, fill, len - a - z);
	memcpy(m + h + len - z, post, z);
	strcpy(m + h + len, "\r\n");
	strcat(m + h + len, tail);
	return m;
}

/*
 * The statuses a long line gets, however the message is cut (every
 * boundary, a byte at a time): what the parser with its 256-byte line
 * buffer answered, kept when the buffer went (issue 15, item 4). A
 * request line may have 255 bytes, a longer one is 414; a status line
 * likewise, a longer one 400; a header line the framing does not read
 * may be as long as the header block allows; Content-Length,
 * Transfer-Encoding and Connection lines may have 255 bytes, longer is
 * 431. The longest case is 2,000 bytes: every cut of a message costs
 * its length squared, and 8,000 took 46 s under ASan, past the suite's
 * timeout on a busy machine.
 */
Test(apps, http_line_length_statuses)
{
	static const size_t lens[] = { 255, 256, 2000 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		bool fits = n <= 255;
		struct run_res r;
		char *m;

		m = long_line("", "GET /", 'a', " HTTP/1.1", n, "\r\n");
		r = REQ(m);
		cr_assert_eq(r.n, fits, "request line %zu", n);
		cr_assert_eq(r.err_status, fits ? 0 : 414, "request line %zu", n);
		free(m);
		m = long_line("", "HTTP/1.1 200 ", 'a', "", n,
			"Content-Length: 0\r\n\r\n");
		r = RSP(m);
		cr_assert_eq(r.n, fits, "status line %zu", n);
		cr_assert_eq(r.err_status, fits ? 0 : 400, "status line %zu", n);
		free(m);
		m = long_line("GET / HTTP/1.1\r\n", "X-Pad: ", 'a', "", n,
			"\r\n");
		r = REQ(m);
		cr_assert_eq(r.n, 1, "header line %zu", n);
		free(m);
		m = long_line("GET / HTTP/1.1\r\n", "Content-Length: ", '0',
			"1", n, "\r\nZ");
		r = REQ(m);
		cr_assert_eq(r.n, fits, "Content-Length line %zu", n);
		cr_assert_eq(r.err_status, fits ? 0 : 431,
			"Content-Length line %zu", n);
		if (fits)
			cr_assert_eq(r.m[0].content_length, 1);
		free(m);
		m = long_line("GET / HTTP/1.1\r\n", "Connection: close", ' ',
			"", n, "\r\n");
		r = REQ(m);
		cr_assert_eq(r.n, fits, "Connection line %zu", n);
		cr_assert_eq(r.err_status, fits ? 0 : 431, "Connection line %zu", n);
		if (fits)
			cr_assert_not(r.m[0].keep_alive);
		free(m);
		m = long_line("HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked",
			' ', "", n, "\r\n0\r\n\r\n");
		r = RSP(m);
		cr_assert_eq(r.n, fits, "Transfer-Encoding line %zu", n);
		cr_assert_eq(r.err_status, fits ? 0 : 431,
			"Transfer-Encoding line %zu", n);
		free(m);
	}
}

Test(apps, http_request_errors)
{
	req_error("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"chunked request body unsupported");
	req_error("POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
		"chunked request body unsupported");
	req_error("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
		"obsolete line folding");
	req_error("GET / HTTP/1.1\r\n\tc\r\n\r\n", "obsolete line folding");
	req_error("GET / HTTP/1.1\r\nContent-Length: 5\r\n"
		"Content-Length: 6\r\n\r\n", "conflicting Content-Length");
	req_error("GET / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
		"conflicting Content-Length");
	req_error("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"bad Content-Length");
	req_error("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"bad Content-Length");
	req_error("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"bad Content-Length");
	req_error("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n"
		"\r\n", "Content-Length too large");
	req_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"whitespace before colon");
	req_error("GET / HTTP/1.1\r\nHost\r\n\r\n", "header line without colon");
	req_error("GET / HTTP/1.1\r\n: a\r\n\r\n", "empty header name");
	req_error("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", "bad header name");
	req_error("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "bare CR");
	req_error("GET / HTTP/1.1\r\r\n\r\n", "bare CR");
	req_error("GET / HTTP/1.1 \r\n\r\n", "bad HTTP version");
	req_error("GET  / HTTP/1.1\r\n\r\n", "bad request line");
	req_error("GET /  HTTP/1.1\r\n\r\n", "bad HTTP version");
	req_error("GET / HTTP/2.0\r\n\r\n", "bad HTTP version");
	req_error("GET / http/1.1\r\n\r\n", "bad HTTP version");
	req_error("GET / HTTP/1.\r\n\r\n", "bad HTTP version");
	req_error("GET /\r\n\r\n", "bad request line");
	req_error(" GET / HTTP/1.1\r\n\r\n", "bad request line");
	req_error("G@T / HTTP/1.1\r\n\r\n", "bad method");
	req_error("GET /\x7f HTTP/1.1\r\n\r\n", "bad request target");
}

Test(apps, http_nul_is_error)
{
	static const char m[] = "GET / HTTP/1.1\r\nA: \0\r\n\r\n";
	struct run_res r;

	run(APP_HTTP_REQUEST, false, m, sizeof(m) - 1, 0, 1, false, &r);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "NUL in message head");
	cr_assert_eq(r.err_at, 20);
}

static void
http_error_is_sticky_with(feed_fn feed)
{
	struct app_http p;
	size_t used;

	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, "BAD\r\n", 5, &used), APP_HTTP_ERROR);
	cr_assert_eq(used, 5);
	cr_assert_str_eq(app_http_err(&p), "bad request line");
	cr_assert_eq(feed(&p, "GET / HTTP/1.1\r\n\r\n", 18, &used),
		APP_HTTP_ERROR);
	cr_assert_eq(feed(&p, "", 0, &used), APP_HTTP_ERROR);
	cr_assert_eq(app_http_eof(&p), APP_HTTP_ERROR);
}

Test(apps, http_error_is_sticky)
{
	for (size_t f = 0; f < N_FEEDS; f++)
		http_error_is_sticky_with(feeds[f]);
}

Test(apps, http_request_eof)
{
	struct run_res r;

	r = parse_all(APP_HTTP_REQUEST, false, "GET / HTTP/1.1\r\nHost", true);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "truncated message");
	r = parse_all(APP_HTTP_REQUEST, false,
		"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab", true);
	cr_assert_str_eq(r.err, "truncated message");
	r = parse_all(APP_HTTP_REQUEST, false, "GET / HTTP/1.1\r\n\r\n", true);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.last, APP_HTTP_ERROR);
	cr_assert_str_eq(r.err, "closed before a message");
}

Test(apps, http_response_content_length)
{
	struct run_res r = RSP("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
		"Server: x\r\n\r\n0123456789"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n"
		"Connection: close\r\n\r\nabc");

	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.m[0].status, 200);
	cr_assert_eq(r.m[0].content_length, 10);
	cr_assert(r.m[0].keep_alive);
	cr_assert_eq(r.m[1].status, 404);
	cr_assert_eq(r.m[1].content_length, 0);
	cr_assert_eq(r.m[2].status, 200);
	cr_assert_eq(r.m[2].content_length, 3);
	cr_assert_not(r.m[2].keep_alive);
	cr_assert_eq(r.last, APP_HTTP_DONE);
}

Test(apps, http_response_chunked)
{
	const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5\r\nhello\r\n"
		"1A;name=value;q=\"x y\"\r\n" "abcdefghijklmnopqrstuvwxyz\r\n"
		"0001 \r\n" "Z\r\n"
		"0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
		"3\nabc\n0\nX-Trailer: 1\n\n";
	struct run_res r = RSP(m);

	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.m[0].content_length, UINT64_MAX);
	cr_assert(r.m[0].keep_alive);
	cr_assert_eq(r.m[0].end, strlen(m) - strlen("HTTP/1.1 200 OK\r\n"
		"Transfer-Encoding: gzip, Chunked\r\n\r\n3\nabc\n0\n"
		"X-Trailer: 1\n\n"));
	cr_assert_eq(r.m[1].end, strlen(m));
	cr_assert_eq(r.last, APP_HTTP_DONE);
}

Test(apps, http_response_chunked_errors)
{
	static const struct { const char *m; const char *err; } t[] = {
		{ "5\r\nhelloX\r\n", "no CRLF after chunk data" },
		{ "x\r\n", "bad chunk size" },
		{ ";ext\r\n", "bad chunk size" },
		{ "5 x\r\n", "bad chunk size" },
		{ "1000000000000000\r\n", "chunk too large" },
		{ "0\r\n folded\r\n\r\n", "obsolete line folding" },
		{ "0\r\nnocolon\r\n\r\n", "trailer line without colon" },
		{ "5\r\nhel", "truncated message" },
		{ "5\r\nhello\r\n", "truncated message" },
		{ "0\r\n", "truncated message" },
	};
	char m[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct run_res r;

		snprintf(m, sizeof(m), "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
			"chunked\r\n\r\n%s", t[i].m);
		r = parse_all(APP_HTTP_RESPONSE, false, m, true);
		cr_assert_eq(r.last, APP_HTTP_ERROR, "%s", t[i].m);
		cr_assert_str_eq(r.err, t[i].err, "%s", t[i].m);
		cr_assert_eq(r.n, 0);
	}
}

Test(apps, http_response_no_body)
{
	struct run_res r;

	r = RSP("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
		"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
		"HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	cr_assert_eq(r.n, 4);
	cr_assert_eq(r.m[0].status, 204);
	cr_assert_eq(r.m[0].content_length, 0);
	cr_assert(r.m[0].keep_alive);
	cr_assert_eq(r.m[1].status, 304);
	cr_assert_eq(r.m[2].status, 100);
	cr_assert_eq(r.m[3].status, 200);
	cr_assert_eq(r.m[3].content_length, 2);
	/* responses to HEAD: the Content-Length describes a body not sent */
	r = parse_all(APP_HTTP_RESPONSE, true,
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"HTTP/1.1 200 OK\r\n\r\n", false);
	cr_assert_eq(r.n, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(r.m[i].content_length, 0);
		cr_assert(r.m[i].keep_alive);
	}
	cr_assert_eq(r.last, APP_HTTP_DONE);
}

Test(apps, http_response_eof_delimited)
{
	struct run_res r;

	r = parse_all(APP_HTTP_RESPONSE, false, "HTTP/1.1 200 OK\r\n"
		"Server: x\r\n\r\nall of this is body\r\n\r\nHTTP/1.1 200 OK",
		true);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.last, APP_HTTP_DONE);
	cr_assert_eq(r.m[0].content_length, UINT64_MAX);
	cr_assert_not(r.m[0].keep_alive);
	/* without the close the message is not over */
	r = RSP("HTTP/1.1 200 OK\r\n\r\nbody");
	cr_assert_eq(r.n, 0);
	cr_assert_eq(r.last, APP_HTTP_MORE);
	/* a final coding other than chunked is read to the close too */
	r = parse_all(APP_HTTP_RESPONSE, false, "HTTP/1.1 200 OK\r\n"
		"Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nabcde", true);
	cr_assert_eq(r.n, 1);
	cr_assert_not(r.m[0].keep_alive);
	/* HTTP/1.0 with keep-alive and a length keeps the connection */
	r = RSP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
		"Content-Length: 1\r\n\r\nx");
	cr_assert(r.m[0].keep_alive);
	r = RSP("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx");
	cr_assert_not(r.m[0].keep_alive);
	/* Transfer-Encoding wins over Content-Length, connection closes */
	r = RSP("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
		"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.m[0].content_length, UINT64_MAX);
	cr_assert_not(r.m[0].keep_alive);
}

Test(apps, http_response_errors)
{
	static const struct { const char *m; const char *err; } t[] = {
		{ "HTTP/1.1 20 OK\r\n\r\n", "bad status code" },
		{ "HTTP/1.1 2000 OK\r\n\r\n", "bad status code" },
		{ "HTTP/1.1 099 OK\r\n\r\n", "bad status code" },
		{ "HTTP/1.1 abc OK\r\n\r\n", "bad status code" },
		{ "HTTP/1.1  200 OK\r\n\r\n", "bad status code" },
		{ "HTTP/1.1\r\n\r\n", "bad status line" },
		{ "HTTP/2 200 OK\r\n\r\n", "bad status line" },
		{ "ICY 200 OK\r\n\r\n", "bad status line" },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", "bad reason phrase" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
			"\r\n", "conflicting Content-Length" },
		{ "HTTP/1.1 200 OK\r\nA: 1\r\n  2\r\n\r\n",
			"obsolete line folding" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
			"truncated message" },
		{ "HTTP/1.1 200 OK\r\nContent", "truncated message" },
		{ "", "closed before a message" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct run_res r = parse_all(APP_HTTP_RESPONSE, false, t[i].m,
			true);

		cr_assert_eq(r.last, APP_HTTP_ERROR, "%s", t[i].m);
		cr_assert_str_eq(r.err, t[i].err, "%s", t[i].m);
	}
}

/* dps-gen's --method, --header and --body-size requests: their layout,
 * what they refuse, and that the parser frames them whole (body too). */
static void
http_request_control_with(feed_fn feed)
{
	const char *hdr[] = { "X-Test: 1", "Host: example.test", "Accept: */*" };
	struct app_http_req r = { .method = "POST", .host = "h", .path = "/up",
		.hdr = hdr, .n_hdr = 3, .body_len = 5, .keep_alive = true };
	char buf[512];
	struct app_http p;
	size_t n, used;

	n = app_http_request_head(buf, sizeof(buf), &r);
	cr_assert_str_eq(buf, "POST /up HTTP/1.1\r\nUser-Agent: dpstack\r\n"
		"Connection: keep-alive\r\nX-Test: 1\r\nHost: example.test\r\n"
		"Accept: */*\r\nContent-Length: 5\r\n\r\n");
	cr_assert_eq(n, strlen(buf));
	memcpy(buf + n, "hello", 5);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, buf, n + 4, &used), APP_HTTP_MORE);
	cr_assert_eq(feed(&p, buf + n + 4, 1, &used), APP_HTTP_DONE);
	cr_assert_eq(p.method, APP_HTTP_POST);
	cr_assert_eq(p.content_length, 5);
	cr_assert(p.keep_alive);
	/* A POST or PUT without a body still says so (RFC 9110 8.6). */
	r.body_len = 0;
	r.n_hdr = 0;
	r.method = "PUT";
	n = app_http_request_head(buf, sizeof(buf), &r);
	cr_assert_not_null(strstr(buf, "Content-Length: 0\r\n\r\n"));
	r.method = "HEAD";
	n = app_http_request_head(buf, sizeof(buf), &r);
	cr_assert_null(strstr(buf, "Content-Length"));
	cr_assert_eq(strncmp(buf, "HEAD /up ", 9), 0);
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, buf, n, &used), APP_HTTP_DONE);
	cr_assert_eq(p.method, APP_HTTP_HEAD);
	/* Refused: each with its reason, and nothing formatted. */
	const struct { const char *method, *path, *hdr; } bad[] = {
		{ "GE T", "/", NULL }, { "", "/", NULL }, { "G(T", "/", NULL },
		{ "GET", "", NULL }, { "GET", "/a b", NULL },
		{ "GET", "/", "NoColon" }, { "GET", "/", ": v" },
		{ "GET", "/", "X-A: b\r\nX-B: c" }, { "GET", "/", "Bad Name: v" },
		{ "GET", "/", "Connection: close" }, { "GET", "/", "content-length: 3" },
		{ "GET", "/", "Transfer-Encoding: chunked" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct app_http_req b = { .method = bad[i].method, .host = "h",
			.path = bad[i].path, .hdr = &bad[i].hdr,
			.n_hdr = bad[i].hdr != NULL };

		cr_assert_not_null(app_http_req_check(&b), "case %zu", i);
		cr_assert_eq(app_http_request_head(buf, sizeof(buf), &b), 0, "case %zu", i);
	}
	r.method = NULL;
	cr_assert_null(app_http_req_check(&r));
	n = app_http_request_head(buf, sizeof(buf), &r);
	cr_assert_eq(app_http_request_head(buf, n, &r), 0);
	cr_assert_eq(app_http_request_head(buf, n + 1, &r), n);
}

static void
http_formatters_with(feed_fn feed)
{
	char buf[512];
	size_t n;
	struct app_http p;
	size_t used;

	n = app_http_request(buf, sizeof(buf), "198.18.0.1:80", "/x", true);
	cr_assert_str_eq(buf, "GET /x HTTP/1.1\r\nHost: 198.18.0.1:80\r\n"
		"User-Agent: dpstack\r\nConnection: keep-alive\r\n\r\n");
	cr_assert_eq(n, strlen(buf));
	n = app_http_request(buf, sizeof(buf), "h", "/", false);
	cr_assert_str_eq(buf, "GET / HTTP/1.1\r\nHost: h\r\n"
		"User-Agent: dpstack\r\nConnection: close\r\n\r\n");
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(feed(&p, buf, n, &used), APP_HTTP_DONE);
	cr_assert_eq(used, n);
	cr_assert_not(p.keep_alive);
	cr_assert_eq(app_http_request(buf, n, "h", "/", false), 0);
	cr_assert_eq(app_http_request(buf, n + 1, "h", "/", false), n);
	cr_assert_eq(app_http_request(buf, sizeof(buf), "h", "/a b", false), 0);
	cr_assert_eq(app_http_request(buf, sizeof(buf), "h\r\nX: y", "/", false),
		0);
	/* Found by fuzz_http: raw UTF-8 in the target made a request our
	 * own parser (and RFC 9112 3.2) refuses; it must be percent-encoded. */
	cr_assert_eq(app_http_request(buf, sizeof(buf), "h", "/caf\xc3\xa9", false), 0);
	cr_assert_eq(app_http_request(buf, sizeof(buf), "h\xff", "/", false), 0);

	http_request_control_with(feed);

	n = app_http_response_head(buf, sizeof(buf), 1234, true);
	cr_assert_str_eq(buf, "HTTP/1.1 200 OK\r\nServer: dpstack\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: 1234\r\nConnection: keep-alive\r\n\r\n");
	cr_assert_eq(n, strlen(buf));
	n = app_http_response_head(buf, sizeof(buf), 0, false);
	cr_assert_not_null(strstr(buf, "Content-Length: 0\r\nConnection: close"));
	cr_assert_eq(app_http_response_head(buf, 10, 0, false), 0);

	n = app_http_error(buf, sizeof(buf), 404);
	cr_assert_eq(n, strlen(buf));
	cr_assert_str_eq(buf, "HTTP/1.1 404 Not Found\r\nServer: dpstack\r\n"
		"Content-Type: text/plain\r\nContent-Length: 14\r\n"
		"Connection: close\r\n\r\n404 Not Found\n");
	app_http_init(&p, APP_HTTP_RESPONSE);
	cr_assert_eq(feed(&p, buf, n, &used), APP_HTTP_DONE);
	cr_assert_eq(used, n);
	cr_assert_eq(p.status, 404);
	cr_assert_not(p.keep_alive);
	cr_assert_gt(app_http_error(buf, sizeof(buf), 405), 0);
	cr_assert_not_null(strstr(buf, "405 Method Not Allowed"));
	cr_assert_eq(app_http_error(buf, sizeof(buf), 200), 0);
	cr_assert_eq(app_http_error(buf, 20, 400), 0);
}

Test(apps, http_formatters)
{
	for (size_t f = 0; f < N_FEEDS; f++)
		http_formatters_with(feeds[f]);
}

/* ---- app_http: the fast path against the strict one ---- */

/* What the fast path takes, and what it leaves to the strict one. */
Test(apps, http_fast_path_takes_plain_heads)
{
	static const struct { bool rsp; const char *m; bool taken; } t[] = {
		{ false, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true },
		{ false, "GET /x HTTP/1.1\r\nHost: 198.18.0.1:80\r\n"
			"User-Agent: dpstack\r\nConnection: keep-alive\r\n\r\n", true },
		{ false, "HEAD /a?b=c HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", true },
		{ false, "DELETE / HTTP/1.1\r\n\r\n", true },
		{ false, "POST / HTTP/1.1\r\nCONTENT-LENGTH: \t5 \r\n"
			"Content-length: 5\r\n\r\nhello", true },
		{ false, "PUT / HTTP/1.1\r\nConnection: Upgrade, ,close\r\n\r\n", true },
		{ false, "GET / HTTP/1.1\r\nX-Connection: close\r\n"
			"Connectio: close\r\nConnections: close\r\n\r\n", true },
		{ true, "HTTP/1.1 200 OK\r\nServer: dpstack\r\n"
			"Content-Type: application/octet-stream\r\n"
			"Content-Length: 64\r\nConnection: keep-alive\r\n\r\nbody", true },
		{ true, "HTTP/1.1 200 OK\r\nTransfer-Encoding:  Chunked\r\n\r\n"
			"0\r\n\r\n", true },
		{ true, "HTTP/1.1 204\r\n\r\n", true },
		{ true, "HTTP/1.0 404 Not\tFound \x80\r\n\r\n", true },
		/* left to the strict path */
		{ false, "GET / HTTP/1.1\nHost: a\n\n", false },
		{ false, "GET / HTTP/1.1\r\nHost: a\n\r\n", false },
		{ false, "\r\nGET / HTTP/1.1\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nHost: a\r\n", false },
		{ false, "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nContent-Length: 3\r\n"
			"Content-Length: 4\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", false },
		{ false, "GET / HTTP/1.1\r\nHost : a\r\n\r\n", false },
		{ false, "GET / HTTP/2.0\r\n\r\n", false },
		{ false, "GET  / HTTP/1.1\r\n\r\n", false },
		{ true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			false },
		{ true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
			false },
		{ true, "HTTP/1.1 099 OK\r\n\r\n", false },
		{ true, "HTTP/1.1 200 OK\x01\r\n\r\n", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum app_http_kind k = t[i].rsp ? APP_HTTP_RESPONSE : APP_HTTP_REQUEST;
		const char *end = strstr(t[i].m, "\r\n\r\n");
		size_t n = fast_check(k, false, t[i].m, strlen(t[i].m));

		if (t[i].taken)
			cr_assert_eq(n, (size_t)(end - t[i].m) + 4, "%s", t[i].m);
		else
			cr_assert_eq(n, 0, "%s", t[i].m);
		fast_check(k, true, t[i].m, strlen(t[i].m));
		(void)parse_all(k, false, t[i].m, true);
	}
}

/* The memo: a repeated head is settled from it, anything else read. */
Test(apps, http_memo)
{
	static const char rsp[] = "HTTP/1.1 200 OK\r\nServer: dpstack\r\n"
		"Content-Length: 4\r\nConnection: keep-alive\r\n\r\nbody";
	static const char rsp2[] = "HTTP/1.1 200 OK\r\nServer: dpstack\r\n"
		"Content-Length: 40\r\nConnection: close\r\n\r\n";
	size_t head = strlen(rsp) - 4, used;
	struct app_http_memo mm;
	struct app_http p;
	char big[512];

	app_http_memo_init(&mm);
	for (int i = 0; i < 3; i++) {	/* kept, then settled from the memo */
		app_http_init(&p, APP_HTTP_RESPONSE);
		cr_assert_eq(app_http_feed_memo(&p, &mm, rsp, strlen(rsp), &used),
			APP_HTTP_DONE);
		cr_assert_eq(used, strlen(rsp));
		cr_assert(p.keep_alive);
		cr_assert_eq(p.content_length, 4);
		cr_assert_eq(mm.len, head);
	}
	/* the same bytes as a request: not the memo's */
	app_http_init(&p, APP_HTTP_REQUEST);
	cr_assert_eq(app_http_memo_head(&p, &mm, rsp, strlen(rsp)), 0);
	cr_assert_eq(mm.len, head);
	/* the head cut short: neither the memo nor the fast path */
	app_http_init(&p, APP_HTTP_RESPONSE);
	cr_assert_eq(app_http_memo_head(&p, &mm, rsp, head - 1), 0);
	/* another head with the same start: read, and kept instead */
	app_http_init(&p, APP_HTTP_RESPONSE);
	cr_assert_eq(app_http_feed_memo(&p, &mm, rsp2, strlen(rsp2), &used),
		APP_HTTP_MORE);
	cr_assert(!p.keep_alive);
	cr_assert_eq(p.content_length, 40);
	cr_assert_eq(mm.len, strlen(rsp2));
	/* a head longer than the memo holds is read, not kept */
	used = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 204 No\r\nX: %0100d"
		"\r\nY: %0100d\r\nZ: %0100d\r\n\r\n", 1, 2, 3);
	cr_assert_gt(used, APP_HTTP_MEMO_MAX);
	app_http_init(&p, APP_HTTP_RESPONSE);
	cr_assert_eq(app_http_memo_head(&p, &mm, big, used), used);
	cr_assert_eq(p.status, 204);
	cr_assert_eq(mm.len, strlen(rsp2));
}

/* Lines longer than APP_HTTP_MAX_LINE and heads at the size
 * limit go to the strict path; so does a NUL, and a head in pieces. */
Test(apps, http_fast_path_limits)
{
	static char m[2 * APP_HTTP_MAX_HEAD];
	size_t n, rest;

	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nX-A: %0250d\r\n\r\n", 7);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, n), n);	/* 255 */
	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nX-A: %0251d\r\n\r\n", 7);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, n), 0);	/* 256 */
	(void)REQ(m);
	n = (size_t)snprintf(m, sizeof(m), "GET /%0240d HTTP/1.1\r\n\r\n", 7);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, n), n);
	n = (size_t)snprintf(m, sizeof(m), "GET /%0250d HTTP/1.1\r\n\r\n", 7);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, n), 0);
	(void)REQ(m);
	/* exactly APP_HTTP_MAX_HEAD bytes of head, then one more */
	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\n");
	while (APP_HTTP_MAX_HEAD - n > 205)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "X: %0195d\r\n", 1);
	rest = APP_HTTP_MAX_HEAD - n;	/* "Y:", filler, CRLF CRLF */
	memcpy(m + n, "Y:", 2);
	memset(m + n + 2, 'a', rest - 6);
	memcpy(m + n + rest - 4, "\r\n\r\n", 5);
	cr_assert_eq(strlen(m), APP_HTTP_MAX_HEAD);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, strlen(m)),
		APP_HTTP_MAX_HEAD);
	memmove(m + n + 3, m + n + 2, rest - 1);
	cr_assert_eq(strlen(m), APP_HTTP_MAX_HEAD + 1);
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, strlen(m)), 0);
	cr_assert_str_eq(REQ(m).err, "header block too large");
	/* a NUL in a value; every cut of a head */
	n = sizeof("GET / HTTP/1.1\r\nA: \0\r\n\r\n") - 1;
	cr_assert_eq(fast_check(APP_HTTP_REQUEST, false,
		"GET / HTTP/1.1\r\nA: \0\r\n\r\n", n), 0);
	strcpy(m, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	for (size_t k = 0; k < strlen(m); k++)
		cr_assert_eq(fast_check(APP_HTTP_REQUEST, false, m, k), 0);
}

/* Every byte value in a header name, a value and the request target. */
Test(apps, http_fast_path_every_byte)
{
	char m[128];

	for (unsigned int c = 1; c < 256; c++) {
		size_t n;

		n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nX%cY: z\r\n"
			"Connection: clos%c\r\n\r\n", c, c);
		(void)fast_check(APP_HTTP_REQUEST, false, m, n);
		(void)REQ(m);
		/* in a name's second and third 16-byte block, and at a
		 * block's edge (the fast path reads names 16 bytes at a time) */
		for (unsigned int at = 14; at < 36; at += 3) {
			n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\n"
				"%.*s%cZ: z\r\nConnection: close\r\n\r\n", (int)at,
				"X-a-long-header-name-of-forty-bytes", c);
			(void)fast_check(APP_HTTP_REQUEST, false, m, n);
			(void)REQ(m);
		}
		n = (size_t)snprintf(m, sizeof(m), "G%cT /%c HTTP/1.1\r\n"
			"Content-Length: %c\r\n\r\n", c, c, c);
		(void)fast_check(APP_HTTP_REQUEST, false, m, n);
		(void)REQ(m);
		n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 200 %c\r\n"
			"Transfer-Encoding: chunke%c\r\n\r\n0\r\n\r\n", c, c);
		(void)fast_check(APP_HTTP_RESPONSE, false, m, n);
		(void)RSP(m);
	}
}

/* The generator of the differential test: a random stream of messages,
 * mostly well-formed, with every kind of trouble mixed in. */
struct gen {
	uint64_t seed;
	char *buf;
	size_t len, cap;
	bool clean;		/* this stream: only well-formed choices */
};

static unsigned int
pick(struct gen *g, unsigned int n)
{
	return (unsigned int)(rnd(&g->seed) % n);
}

/* One of @p n choices, or of the first @p ok (the well-formed ones) in a
 * clean stream. */
static unsigned int
choose(struct gen *g, unsigned int ok, unsigned int n)
{
	return pick(g, g->clean ? ok : n);
}

static void
put(struct gen *g, const char *s, size_t n)
{
	if (n > g->cap - g->len)
		n = g->cap - g->len;
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

static void
puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

/* A line end: mostly CRLF. */
static void
eol(struct gen *g)
{
	static const char *const e[] = { "\n", "\r", "\r\r\n", "\n\r" };
	unsigned int r = pick(g, 100);

	puts_(g, r < 92 || g->clean ? "\r\n" : e[r % 4]);
}

/* @p n bytes of filler: printable, sometimes anything. */
static void
filler(struct gen *g, size_t n)
{
	bool wild = !g->clean && pick(g, 10) == 0;

	for (size_t i = 0; i < n && g->len < g->cap; i++)
		g->buf[g->len++] = wild ? (char)pick(g, 256) :
			(char)(' ' + pick(g, 95));
}

static void
gen_start(struct gen *g, bool rsp)
{
	/* the well-formed choices first */
	static const char *const meth[] = { "GET", "GET", "HEAD", "POST", "PUT",
		"DELETE", "get", "G@T", "" };
	static const char *const tgt[] = { "/", "/", "/index.html?x=1", "*",
		"/a b", "/\x7f", "" };
	static const char *const ver[] = { "HTTP/1.1", "HTTP/1.1", "HTTP/1.0",
		"HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.", "HTTP/1.1 " };
	static const char *const code[] = { "200", "200", "204", "304", "100",
		"101", "404", "099", "20", "2000", "abc" };
	static const char *const why[] = { " OK", "", " Not Found", "  ", " \t",
		" O\x01K" };
	const char *sp = !g->clean && pick(g, 30) == 0 ? "  " : " ";

	if (pick(g, 20) == 0)
		eol(g);		/* leading empty line */
	if (rsp) {
		puts_(g, ver[choose(g, 4, 8)]);
		puts_(g, sp);
		puts_(g, code[choose(g, 7, 11)]);
		puts_(g, why[choose(g, 5, 6)]);
	} else {
		puts_(g, meth[choose(g, 7, 9)]);
		puts_(g, sp);
		puts_(g, tgt[choose(g, 4, 7)]);
		if (pick(g, 10) == 0)
			filler(g, pick(g, 10) == 0 ? 300 : 1 + pick(g, 200));
		puts_(g, " ");
		puts_(g, ver[choose(g, 4, 8)]);
	}
	eol(g);
}

/* One header line; *cl and *chunked say what the body should be. */
static void
gen_header(struct gen *g, long *cl, bool *chunked)
{
	static const char *const name[] = { "Host", "User-Agent", "Accept",
		"Content-Length", "content-length", "CONTENT-LENGTH",
		"Transfer-Encoding", "transfer-encoding", "Connection",
		"connection", "CONNECTION", "Content-Lengtx", "Connectio",
		"Connections", "X-Connection", "Transfer-Encodinh", "Cookie",
		"A", "Ho st", "Host ", "Hos(t", "", " X", "\tY", "X\x80" };
	static const char *const cls[] = { "0", "5", "12", " 7 ", "\t3\t",
		"5, 5", "007", "5,6", "x", "", "-1", "99999999999999999999",
		"18446744073709551615", "1 2" };
	static const char *const tes[] = { "chunked", "Chunked", " CHUNKED ",
		"gzip, chunked", "chunked, gzip", "chunked;q=1", "gzip", "",
		"chunkedx", "chunke" };
	static const char *const conns[] = { "close", "keep-alive",
		"Keep-Alive", "Upgrade, close", "foo ,keep-alive", " close ",
		"closed", "keep-alive, close", "", ",,", "CLOSE", "keep-alivex" };
	unsigned int n = choose(g, 18, 25);

	puts_(g, name[n]);
	puts_(g, pick(g, 10) == 0 ? ":" : ": ");
	if (n >= 3 && n <= 5) {
		const char *v = cls[choose(g, 7, 14)];

		puts_(g, v);
		*cl = strtol(v, NULL, 10);
	} else if (n == 6 || n == 7) {
		const char *v = tes[pick(g, 10)];

		puts_(g, v);
		*chunked = strstr(v, "hunked") != NULL;
	} else if (n >= 8 && n <= 10) {
		puts_(g, conns[pick(g, 12)]);
	} else {
		unsigned int r = pick(g, 100);

		filler(g, r == 0 && !g->clean ? 8100 :
			r < 3 ? 240 + pick(g, 40) : pick(g, 40));
	}
	eol(g);
}

/* A body after the head: as announced, mostly. */
static void
gen_body(struct gen *g, long cl, bool chunked)
{
	if (chunked) {
		unsigned int k = pick(g, 4);

		for (unsigned int i = 0; i < k; i++) {
			unsigned int sz = 1 + pick(g, 40);
			char h[16];

			snprintf(h, sizeof(h), "%x", sz);
			puts_(g, h);
			eol(g);
			filler(g, sz);
			eol(g);
		}
		puts_(g, "0");
		eol(g);
		if (pick(g, 4) == 0) {
			puts_(g, "X-T: 1");
			eol(g);
		}
		eol(g);
	} else if (cl > 0 && cl < 100) {
		filler(g, (size_t)cl);
	}
}

/* A stream of one to three messages, then perhaps some damage. */
static void
gen_stream(struct gen *g, bool rsp)
{
	unsigned int msgs = 1 + pick(g, 3);

	g->len = 0;
	g->clean = pick(g, 2) == 0;
	for (unsigned int i = 0; i < msgs; i++) {
		unsigned int hdrs = pick(g, 7);
		long cl = -1;
		bool chunked = false;

		gen_start(g, rsp);
		for (unsigned int h = 0; h < hdrs; h++)
			gen_header(g, &cl, &chunked);
		eol(g);
		gen_body(g, cl, chunked);
	}
	if (g->clean)
		return;
	if (g->len != 0 && pick(g, 8) == 0)
		g->buf[pick(g, (unsigned int)g->len)] = (char)pick(g, 256);
	if (g->len != 0 && pick(g, 8) == 0)
		g->len = pick(g, (unsigned int)g->len);
}

/*
 * Many generated streams, requests and responses, well-formed and not
 * (bad versions, obs-fold, duplicate and conflicting Content-Length,
 * chunked, huge headers, missing CRLF, bare LF and CR, NULs, random
 * damage): app_http_feed() fed whole, cut at random and a byte at a time
 * must give what app_http_feed_strict() gives whole, and the fast path
 * must leave the parser as the strict one does. Reproducible (fixed
 * seed); the fast path must take a fair share, or the test proves
 * nothing.
 */
Test(apps, http_fast_path_differential)
{
	static char buf[32 * 1024];
	struct gen g = { .seed = 0x9e3779b97f4a7c15ull, .buf = buf,
		.cap = sizeof(buf) };
	unsigned int taken = 0, cases = 20000;

	for (unsigned int i = 0; i < cases; i++) {
		enum app_http_kind k = pick(&g, 2) ? APP_HTTP_RESPONSE :
			APP_HTTP_REQUEST;
		bool head_only = pick(&g, 8) == 0, eof = pick(&g, 2) == 0;
		struct run_res ref, r;
		size_t cut, step;

		gen_stream(&g, k == APP_HTTP_RESPONSE);
		taken += fast_check(k, head_only, buf, g.len) != 0;
		run_with(app_http_feed_strict, k, head_only, buf, g.len, 0, 0,
			eof, &ref);
		run_with(app_http_feed, k, head_only, buf, g.len, 0, 0, eof, &r);
		same_res(&ref, &r, 0, i);
		cut = g.len != 0 ? 1 + pick(&g, (unsigned int)g.len) : 0;
		run_with(app_http_feed, k, head_only, buf, g.len, cut, 0, eof, &r);
		same_res(&ref, &r, cut, i);
		step = pick(&g, 16) == 0 ? 1 : 2 + pick(&g, 64);
		run_with(app_http_feed, k, head_only, buf, g.len, 0, step, eof, &r);
		same_res(&ref, &r, step, i);
	}
	cr_assert_gt(taken * 4, cases, "fast path took %u of %u", taken, cases);
	cr_log_info("fast path took %u of %u streams' first head", taken, cases);
}

/*
 * The strict path alone on generated streams (the fast path only ever
 * takes a head in one piece): cut at every boundary, and in random
 * pieces of 1 to 9 bytes, each stream must give what it gives whole.
 * The parser keeps no line (issue 15, item 4), so every bit of state a
 * line needs must carry across every cut. Streams up to 600 bytes, to
 * keep the every-cut runs short.
 */
Test(apps, http_strict_every_split_generated)
{
	static char buf[32 * 1024];
	struct gen g = { .seed = 0x2545f4914f6cdd1dull, .buf = buf,
		.cap = sizeof(buf) };
	unsigned int done = 0;

	while (done < 600) {
		enum app_http_kind k = pick(&g, 2) ? APP_HTTP_RESPONSE :
			APP_HTTP_REQUEST;
		bool head_only = pick(&g, 8) == 0, eof = pick(&g, 2) == 0;
		struct run_res ref, r;

		gen_stream(&g, k == APP_HTTP_RESPONSE);
		if (g.len > 600)
			continue;
		done++;
		run_with(app_http_feed_strict, k, head_only, buf, g.len, 0, 0,
			eof, &ref);
		for (size_t cut = 1; cut < g.len; cut++) {
			run_with(app_http_feed_strict, k, head_only, buf, g.len,
				cut, 0, eof, &r);
			same_res(&ref, &r, cut, done);
		}
		for (unsigned int j = 0; j < 4; j++) {
			run_pieces(app_http_feed_strict, k, head_only, buf, g.len,
				0, 0, &g.seed, eof, &r);
			same_res(&ref, &r, 0, done);
			run_pieces(app_http_feed, k, head_only, buf, g.len,
				0, 0, &g.seed, eof, &r);
			same_res(&ref, &r, 0, done);
		}
	}
}

/* ---- app_args ---- */

Test(apps, args_uint)
{
	unsigned int v;

	cr_assert_eq(app_parse_uint("0", 0, 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(app_parse_uint("42", 1, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(app_parse_uint("4294967295", 0, UINT_MAX, &v), 0);
	cr_assert_eq(v, UINT_MAX);
	cr_assert_eq(app_parse_uint("4294967296", 0, UINT_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("99999999999999999999999", 0, UINT_MAX, &v),
		-EINVAL);
	cr_assert_eq(app_parse_uint("101", 1, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("0", 1, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("-1", 0, UINT_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("1a", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("0x10", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("1 ", 0, 100, &v), -EINVAL);
}

/* "nothing else (no sign ...)": strtoul alone would take "+1" and " 1" */
Test(apps, args_no_sign_or_space)
{
	struct sockaddr_in sa;
	unsigned int v, lo, hi;
	uint64_t u;

	cr_assert_eq(app_parse_uint("+1", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint(" 1", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_uint("\t1", 0, 100, &v), -EINVAL);
	cr_assert_eq(app_parse_sockaddr("1.2.3.4: 80", &sa), -EINVAL);
	cr_assert_eq(app_parse_sockaddr("1.2.3.4:+80", &sa), -EINVAL);
	cr_assert_eq(app_parse_range("1-+5", 1, 100, &lo, &hi), -EINVAL);
	cr_assert_eq(app_parse_range("1- 5", 1, 100, &lo, &hi), -EINVAL);
	cr_assert_eq(app_parse_size("+1k", 0, UINT64_MAX, &u), -EINVAL);
	cr_assert_eq(app_parse_duration("+1s", 0, UINT64_MAX, &u), -EINVAL);
}

Test(apps, args_size)
{
	uint64_t v;

	cr_assert_eq(app_parse_size("1400", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 1400);
	cr_assert_eq(app_parse_size("64k", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 65536);
	cr_assert_eq(app_parse_size("64K", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 65536);
	cr_assert_eq(app_parse_size("1M", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 1 << 20);
	cr_assert_eq(app_parse_size("2g", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 2ull << 30);
	cr_assert_eq(app_parse_size("0", 0, 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(app_parse_size("16777216G", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 1ull << 54);
	cr_assert_eq(app_parse_size("17179869184G", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("18446744073709551616", 0, UINT64_MAX, &v),
		-EINVAL);
	cr_assert_eq(app_parse_size("", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("k", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("-1", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("1.5k", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("1kb", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("1t", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size(" 1", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_size("2k", 0, 2047, &v), -EINVAL);
	cr_assert_eq(app_parse_size("2k", 2049, 4096, &v), -EINVAL);
	cr_assert_eq(app_parse_size("2k", 2048, 2048, &v), 0);
}

Test(apps, args_duration)
{
	uint64_t v;

	cr_assert_eq(app_parse_duration("10", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 10000000000ull);
	cr_assert_eq(app_parse_duration("10s", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 10000000000ull);
	cr_assert_eq(app_parse_duration("500ms", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 500000000ull);
	cr_assert_eq(app_parse_duration("200us", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 200000ull);
	cr_assert_eq(app_parse_duration("2m", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 120000000000ull);
	cr_assert_eq(app_parse_duration("400000000000m", 0, UINT64_MAX, &v),
		-EINVAL);
	cr_assert_eq(app_parse_duration("1h", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 3600000000000ull);
	cr_assert_eq(app_parse_duration("10h", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, 36000000000000ull);
	cr_assert_eq(app_parse_duration("1d", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("6000000h", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("ms", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("-1s", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("1.5s", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("10 s", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("", 0, UINT64_MAX, &v), -EINVAL);
	cr_assert_eq(app_parse_duration("1ms", 2000000, UINT64_MAX, &v),
		-EINVAL);
	cr_assert_eq(app_parse_duration("2s", 0, 1000000000, &v), -EINVAL);
}

Test(apps, args_sockaddr)
{
	struct sockaddr_in sa;
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:0", ":80",
		"1.2.3.4:65536", "host:80", "1.2.3.4:80x", "1.2.3.4:-1",
		"1.2.3:80", "1.2.3.4:", "1.2.3.4:80:80", "256.1.1.1:80", "",
		"11111111111111111111111111111111111111111111111111111111111:1" };

	cr_assert_eq(app_parse_sockaddr("198.18.0.1:8080", &sa), 0);
	cr_assert_eq(sa.sin_family, AF_INET);
	cr_assert_eq(ntohs(sa.sin_port), 8080);
	cr_assert_eq(ntohl(sa.sin_addr.s_addr), 0xc6120001u);
	cr_assert_eq(app_parse_sockaddr("0.0.0.0:65535", &sa), 0);
	cr_assert_eq(ntohs(sa.sin_port), 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(app_parse_sockaddr(bad[i], &sa), -EINVAL, "%s",
			bad[i]);
}

Test(apps, args_range)
{
	unsigned int lo, hi;
	static const char *const bad[] = { "10-1", "1-", "-1", "1-2-3", "",
		"0-5", "1-70000", "a-b", "1 -2", "1-2 " };

	cr_assert_eq(app_parse_range("5", 1, 100, &lo, &hi), 0);
	cr_assert_eq(lo, 5);
	cr_assert_eq(hi, 5);
	cr_assert_eq(app_parse_range("1-10", 1, 100, &lo, &hi), 0);
	cr_assert_eq(lo, 1);
	cr_assert_eq(hi, 10);
	cr_assert_eq(app_parse_range("7-7", 1, 100, &lo, &hi), 0);
	cr_assert_eq(app_parse_range("32768-60999", 1024, 65535, &lo, &hi), 0);
	cr_assert_eq(hi, 60999);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(app_parse_range(bad[i], 1, 65535, &lo, &hi), -EINVAL,
			"%s", bad[i]);
}

#define HIP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))

/* --addr forms: one address, a range of any size up to its subnet. */
Test(apps, args_addr_range)
{
	static const struct {
		const char *s;
		uint32_t first, count;
		uint8_t plen;
	} good[] = {
		{ "198.18.0.2/24", HIP(198, 18, 0, 2), 1, 24 },
		{ "198.18.0.10-198.18.0.19/24", HIP(198, 18, 0, 10), 10, 24 },
		{ "198.18.0.2-198.18.0.2/24", HIP(198, 18, 0, 2), 1, 24 },
		{ "198.18.0.1-198.18.0.254/24", HIP(198, 18, 0, 1), 254, 24 },
		{ "198.18.0.2-198.19.255.254/15", HIP(198, 18, 0, 2), 131069, 15 },
		{ "198.18.0.1-198.18.255.254/16", HIP(198, 18, 0, 1), 65534, 16 },
		{ "198.18.0.0/24", HIP(198, 18, 0, 0), 1, 24 },	/* one: as Linux */
		{ "203.0.113.0-203.0.113.1/31", HIP(203, 0, 113, 0), 2, 31 },
		{ "203.0.113.7/32", HIP(203, 0, 113, 7), 1, 32 },
		{ "0.0.0.1-255.255.255.254/0", 1, 0xfffffffeu, 0 },
	};
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "198.18.0.2", "no /LEN" },
		{ "198.18.0.2-198.18.0.9", "no /LEN" },
		{ "198.18.0.2/33", "LEN is not 0 to 32" },
		{ "198.18.0.2/", "LEN is not 0 to 32" },
		{ "198.18.0.2/24x", "LEN is not 0 to 32" },
		{ "198.18.0.2/-1", "LEN is not 0 to 32" },
		{ "198.18.0.9-198.18.0.2/24", "B is below A" },
		{ "198.18.0.2-198.18.1.2/24", "B is outside A's subnet" },
		{ "198.18.0.2-198.20.0.2/15", "B is outside A's subnet" },
		{ "198.18.0.0-198.18.0.5/24", "a range may not hold its subnet's "
			"network or broadcast address" },
		{ "198.18.0.250-198.18.0.255/24", "a range may not hold its subnet's "
			"network or broadcast address" },
		{ "198.18.0.2-198.19.255.255/15", "a range may not hold its subnet's "
			"network or broadcast address" },
		{ "0.0.0.0/8", "0.0.0.0 is no address" },
		{ "198.18.0.2-/24", "not an IPv4 address" },
		{ "-198.18.0.2/24", "not an IPv4 address" },
		{ "198.18.0.2-198.18.0.3-198.18.0.4/24", "not an IPv4 address" },
		{ "198.18.0.2 /24", "not an IPv4 address" },
		{ "198.18.0/24", "not an IPv4 address" },
		{ "a.b.c.d/24", "not an IPv4 address" },
		{ "198.18.0.2-198.18.0.30/24/24", "LEN is not 0 to 32" },
		{ "", "no /LEN" },
		{ "198.180.100.200-198.180.100.201/24, and more than the 63 characters "
			"a range can take", 
			"not A/LEN or A-B/LEN" },
	};
	uint32_t first, count;
	uint8_t plen;
	const char *why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(app_parse_addr_range(good[i].s, &first, &count, &plen,
			&why), 0, "%s: %s", good[i].s, why);
		cr_assert_eq(first, good[i].first, "%s", good[i].s);
		cr_assert_eq(count, good[i].count, "%s: %u", good[i].s, count);
		cr_assert_eq(plen, good[i].plen, "%s", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(app_parse_addr_range(bad[i].s, &first, &count, &plen,
			&why), -EINVAL, "%s", bad[i].s);
		cr_assert_str_eq(why, bad[i].why, "%s", bad[i].s);
	}
}

/* --addr through the apps' option handler: no cap of 64, one line when bad. */
Test(apps, net_opt_addr_any_size, .init = cr_redirect_stderr)
{
	struct app_net n;

	memset(&n, 0, sizeof(n));
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "198.18.0.2-198.19.255.254/15"), 1);
	cr_assert_eq(n.n_addr, 131069);
	cr_assert_eq(n.addr.v4, htonl(HIP(198, 18, 0, 2)));
	cr_assert_eq(n.plen, 15);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "198.18.0.9-198.18.0.2/24"), -EINVAL);
	fflush(stderr);
	cr_assert_stderr_eq_str("t: invalid --addr '198.18.0.9-198.18.0.2/24': B is "
		"below A (A/LEN or A-B/LEN; try --help)\n");
}

Test(apps, tuples_per_pair)
{
	cr_assert_eq(app_tuples_per_pair(60999 - 32768 + 1), 7058);
	cr_assert_eq(app_tuples_per_pair(65535 - 1024 + 1), 16128);
	cr_assert_eq(app_tuples_per_pair(11), 2);	/* autobind walks 10 */
	cr_assert_eq(app_tuples_per_pair(3), 1);
	cr_assert_eq(app_tuples_per_pair(2), 1);
	cr_assert_eq(app_tuples_per_pair(65535), 16383);
}

/* Ten million connections from bench/suite.sh's 15 addresses x 8 server
 * ports: the arithmetic, and the counts that would be enough, are. */
Test(apps, tuples_ten_million)
{
	struct app_tuples t = { .n_src = 15, .n_to = 8, .ports = 64512,
		.need = 10000000 };
	char buf[512];

	cr_assert_eq(app_tuples_have(&t), 1935360);
	cr_assert(app_tuples_short(&t, "--conc 10000000", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "--conc 10000000 needs 10000000 tuples, more than "
		"the tuple space: 15 addresses x 8 destinations x 16128 ports per "
		"pair = 1935360 (a quarter of the 64512 of --ports: autobind walks "
		"one parity first, counted half full); give at least 78 source "
		"addresses (--addr A-B/LEN) or 42 destinations (--to)");
	t.n_src = 78;
	strcpy(buf, "untouched");
	cr_assert_not(app_tuples_short(&t, "x", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "untouched");
	t.n_src = 77;
	cr_assert(app_tuples_short(&t, "x", buf, sizeof(buf)));
	t.n_src = 15;
	t.n_to = 42;
	cr_assert_not(app_tuples_short(&t, "x", buf, sizeof(buf)));
	t.n_to = 41;
	cr_assert(app_tuples_short(&t, "x", buf, sizeof(buf)));
}

/* One address, one destination: a --ports range can be enough, and the
 * message says how large; UDP counts the range itself. */
Test(apps, tuples_ports_and_udp)
{
	struct app_tuples t = { .n_src = 1, .n_to = 1, .ports = 28232,
		.need = 10000 };
	char buf[512];

	cr_assert_eq(app_tuples_have(&t), 7058);
	cr_assert(app_tuples_short(&t, "--conc 10000", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "--conc 10000 needs 10000 tuples, more than the "
		"tuple space: 1 address x 1 destination x 7058 ports per pair = 7058 "
		"(a quarter of the 28232 of --ports: autobind walks one parity "
		"first, counted half full); give at least 2 source addresses "
		"(--addr A-B/LEN), 2 destinations (--to) or --ports of 40000");
	t.ports = 40000;
	cr_assert_not(app_tuples_short(&t, "x", buf, sizeof(buf)));
	t.need = 7058;
	t.ports = 28232;
	cr_assert_not(app_tuples_short(&t, "x", buf, sizeof(buf)));
	t.udp = true;
	t.need = 28233;
	cr_assert_eq(app_tuples_have(&t), 28232);
	cr_assert(app_tuples_short(&t, "--conc 28233", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "--conc 28233 needs 28233 tuples, more than the "
		"tuple space: 28232 ports (a UDP flow holds its port for every "
		"address and destination) = 28232");
}

/* A connection's slot in the client stays within a cache line (issue
 * 15, item 4); while compact it holds none (test_frames.c). */
Test(apps, client_slot_size)
{
	cr_assert_leq(app_client_slot_size(), 64, "%zu bytes", app_client_slot_size());
}

/* The client's check: connections, and for raw cps at a rate a second of
 * TIME_WAIT, at most the stack's TIME_WAIT bound (max_tw_buckets, half
 * --max-conns per lcore), which it keeps beside the connections. */
Test(apps, client_check_counts_tuples, .init = cr_redirect_stderr)
{
	struct app_cli_conf c;

	app_client_conf_init(&c, APP_CLI_CONC);
	c.n_to = 1;
	c.conc = 7058;
	cr_assert_eq(app_client_check("t", &c, 1), 0);
	c.conc = 7059;
	cr_assert_eq(app_client_check("t", &c, 1), -EINVAL);
	c.n_src = 2;
	cr_assert_eq(app_client_check("t", &c, 1), 0);

	/* bench/overload.sh: 16 addresses, 8192 in flight at 400,000/s. */
	app_client_conf_init(&c, APP_CLI_CPS);
	c.n_to = 1;
	c.n_src = 16;
	c.conc = 8192;
	c.rate = 400000;
	c.proto = APP_CLI_RAW;
	cr_assert_eq(app_client_check("t", &c, 1), 0, "the table bounds it");
	/* Exact: 8192 + 32768 (TIME_WAIT's bound below 40,000 a second)
	 * = 40960 tuples; 6 addresses have 42348, 5 have 35290. */
	c.rate = 40000;
	c.n_src = 6;
	cr_assert_eq(app_client_check("t", &c, 1), 0, "40960 of 42348");
	c.n_src = 5;
	cr_assert_eq(app_client_check("t", &c, 1), -EINVAL, "40960 of 35290");
	/* The bound is per lcore: with 2, all 40,000 count (48192). */
	c.n_src = 6;
	cr_assert_eq(app_client_check("t", &c, 2), -EINVAL, "48192 of 42348");
	c.n_src = 7;
	cr_assert_eq(app_client_check("t", &c, 2), 0, "48192 of 49406");
	c.n_src = 16;
	c.rate = 400000;
	c.max_conns = 1u << 20;
	cr_assert_eq(app_client_check("t", &c, 1), -EINVAL, "a second of TIME_WAIT");
	c.proto = APP_CLI_HTTP;
	cr_assert_eq(app_client_check("t", &c, 1), 0, "the server closes first");
	fflush(stderr);
	cr_assert_stderr_eq_str("t: --conc 7059 needs 7059 tuples, more than the "
		"tuple space: 1 address x 1 destination x 7058 ports per pair = 7058 "
		"(a quarter of the 28232 of --ports: autobind walks one parity "
		"first, counted half full); give at least 2 source addresses "
		"(--addr A-B/LEN), 2 destinations (--to) or --ports of 28236\n"
		"t: --conc 8192 with --rate 40000/s (a second of TIME_WAIT, at most "
		"--max-conns / 2 x lcores, the stack's TIME_WAIT bound) needs 40960 "
		"tuples, more than the tuple space: 5 addresses x 1 destination x "
		"7058 ports per pair = 35290 (a quarter of the 28232 of --ports: "
		"autobind walks one parity first, counted half full); give at least "
		"6 source addresses (--addr A-B/LEN), 2 destinations (--to) or "
		"--ports of 32768\n"
		"t: --conc 8192 with --rate 40000/s (a second of TIME_WAIT, at most "
		"--max-conns / 2 x lcores, the stack's TIME_WAIT bound) needs 48192 "
		"tuples, more than the tuple space: 6 addresses x 1 destination x "
		"7058 ports per pair = 42348 (a quarter of the 28232 of --ports: "
		"autobind walks one parity first, counted half full); give at least "
		"7 source addresses (--addr A-B/LEN), 2 destinations (--to) or "
		"--ports of 32128\n"
		"t: --conc 8192 with --rate 400000/s (a second of TIME_WAIT, at most "
		"--max-conns / 2 x lcores, the stack's TIME_WAIT bound) needs 408192 tuples, more than the tuple "
		"space: 16 addresses x 1 destination x 7058 ports per pair = 112928 "
		"(a quarter of the 28232 of --ports: autobind walks one parity "
		"first, counted half full); give at least 58 source addresses "
		"(--addr A-B/LEN) or 4 destinations (--to)\n");
}

/* Every (source, destination) pair in turn, whatever the counts: 16 x 8
 * stepped together would use 16 of the 128 pairs. */
Test(apps, tuples_every_pair)
{
	static const uint32_t dims[][2] = { { 1, 1 }, { 1, 8 }, { 16, 1 },
		{ 15, 8 }, { 16, 8 }, { 6, 4 }, { 1000, 16 } };
	static bool seen[1000 * 16];

	for (size_t d = 0; d < sizeof(dims) / sizeof(dims[0]); d++) {
		uint32_t ns = dims[d][0], nt = dims[d][1], src = 0, to = 0;

		memset(seen, 0, sizeof(seen));
		for (uint32_t k = 0; k < ns * nt; k++) {
			cr_assert_lt(src, ns);
			cr_assert_lt(to, nt);
			cr_assert_not(seen[src * nt + to], "%u x %u: pair (%u, %u) twice "
				"at step %u", ns, nt, src, to, k);
			seen[src * nt + to] = true;
			app_tuples_next_pair(&src, &to, ns, nt);
		}
		cr_assert_eq(src, 0, "%u x %u: back to the start", ns, nt);
		cr_assert_eq(to, 0);
	}
}

/* ---- app_rate: the --rate schedule on a virtual TSC ---- */

#define HZ 1000000000ull	/* a virtual TSC of 1 GHz: a tick is 1 ns */

/* Take every send due at @p tsc; how many. */
static uint64_t
take_all(struct app_rate *r, uint64_t tsc)
{
	uint64_t n = 0, t;

	while (app_rate_take(r, tsc, &t)) {
		cr_assert_leq(t, tsc, "send %" PRIu64 " intended after now", n);
		n++;
	}
	return n;
}

Test(apps, rate_steady_polling)
{
	struct app_rate r;
	uint64_t n = 0;

	app_rate_init(&r, 2000, HZ, 0, 1000);
	for (uint64_t t = 1000; t <= 1000 + HZ; t += 997)
		n += take_all(&r, t);
	n += take_all(&r, 1000 + HZ);
	cr_assert_eq(n, 2000);
}

/* The bug of the token bucket: a caller that stalls (its CPU taken,
 * or its one connection waiting for a late response) lost every token
 * beyond a small burst, and --rate 2000 gave 498/s. The schedule owes
 * them and the caller catches up. */
Test(apps, rate_catches_up_after_stalls)
{
	struct app_rate r;
	uint64_t n = 0, t = 0;

	app_rate_init(&r, 2000, HZ, 0, 0);
	for (uint64_t step = 1; t < 10 * HZ; step++) {
		/* one send at most per 2 us 'response'; every 20,000th, the
		 * CPU is taken away for 40 ms */
		uint64_t x;

		if (app_rate_take(&r, t, &x))
			n++;
		t += step % 20000 == 0 ? 40000000 : 2000;
	}
	cr_assert_geq(n, 20000 - 80, "only %" PRIu64 " sent by the end", n);
	n += take_all(&r, 10 * HZ);
	cr_assert_eq(n, 20000);
}

Test(apps, rate_intended_times)
{
	struct app_rate r;
	uint64_t t;

	app_rate_init(&r, 1000, HZ, 0, 5000);
	cr_assert_eq(app_rate_due(&r, 5000), 0);
	cr_assert_eq(app_rate_intended(&r, 0), 5000 + 1000000);
	cr_assert_eq(app_rate_intended(&r, 9), 5000 + 10000000);
	cr_assert_not(app_rate_take(&r, 5000 + 999999, &t));
	/* Late: both due sends go, each with its own intended time. */
	cr_assert(app_rate_take(&r, 5000 + 2500000, &t));
	cr_assert_eq(t, 5000 + 1000000);
	cr_assert(app_rate_take(&r, 5000 + 2500000, &t));
	cr_assert_eq(t, 5000 + 2000000);
	cr_assert_not(app_rate_take(&r, 5000 + 2500000, &t));
	app_rate_untake(&r);
	cr_assert(app_rate_take(&r, 5000 + 2500000, &t));
	cr_assert_eq(t, 5000 + 2000000);
	for (uint64_t k = 0; k < 100000; k++) {
		uint64_t at = app_rate_intended(&r, k);

		cr_assert_geq(app_rate_due(&r, at + 1), k + 1);
		cr_assert_leq(app_rate_due(&r, at - 1), k + 1);
	}
}

Test(apps, rate_ramp)
{
	struct app_rate r;

	/* 1000/s reached after a 2 s ramp: 1000 sends by its end (the
	 * integral, half of full rate), 1000 a second after it. */
	app_rate_init(&r, 1000, HZ, 2 * HZ, 0);
	cr_assert_eq(app_rate_due(&r, HZ), 250);
	cr_assert_eq(app_rate_due(&r, 2 * HZ), 1000);
	cr_assert_eq(app_rate_due(&r, 3 * HZ), 2000);
	for (uint64_t k = 0; k < 3000; k += 7) {
		uint64_t at = app_rate_intended(&r, k);

		cr_assert_geq(app_rate_due(&r, at + 1), k + 1, "k %" PRIu64, k);
		cr_assert_leq(app_rate_due(&r, at - 1), k + 1, "k %" PRIu64, k);
	}
}

Test(apps, rate_open_loop_skips_late)
{
	struct app_rate r;

	app_rate_init(&r, 1000000, HZ, 0, 0);
	cr_assert_eq(app_rate_skip_late(&r, 10000, 1000), 0);	/* 10 due */
	cr_assert_eq(app_rate_skip_late(&r, 5000000, 1000), 4000);
	cr_assert_eq(take_all(&r, 5000000), 1000);
	cr_assert_eq(app_rate_skip_late(&r, 5000000, 1000), 0);
}

Test(apps, rate_zero_is_never_due)
{
	struct app_rate r;

	app_rate_init(&r, 0, HZ, 0, 0);
	cr_assert_eq(app_rate_due(&r, 100 * HZ), 0);
	cr_assert_not(app_rate_take(&r, 100 * HZ, NULL));
}

/* ---- an off-subnet target without --gw is refused before start ---- */

/* Issue 16: 10.0.0.1 from 198.18.0.2/24 and no --gw made 2.2 million
 * "other" errors instead of one line. */
Test(apps, target_off_subnet_needs_gw, .init = cr_redirect_stderr)
{
	uint32_t local = inet_addr("198.18.0.2");

	cr_assert(app_on_subnet(local, 24, inet_addr("198.18.0.200")));
	cr_assert_not(app_on_subnet(local, 24, inet_addr("198.18.1.1")));
	cr_assert(app_on_subnet(local, 15, inet_addr("198.19.255.1")));
	cr_assert(app_on_subnet(local, 0, inet_addr("10.0.0.1")));
	cr_assert(app_on_subnet(local, 32, local));
	cr_assert_eq(app_check_target("t", local, 24, false, inet_addr("198.18.0.1")), 0);
	cr_assert_eq(app_check_target("t", local, 24, true, inet_addr("10.0.0.1")), 0);
	cr_assert_eq(app_check_target("t", local, 24, false, inet_addr("10.0.0.1")),
		-EINVAL);
	fflush(stderr);
	cr_assert_stderr_eq_str("t: target 10.0.0.1 is not in the local subnet "
		"198.18.0.0/24 and no --gw was given\n");
}

/* ---- before the EAL: help, version, a forgotten "--" ---- */

static const struct option early_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 },
};

static void
early_usage(FILE *f)
{
	fputs("usage: t\n", f);
}

/* Issue 16: without the "--", dps-gen said that --to was required when
 * it had been given (among the EAL's arguments). */
Test(apps, early_args_forgotten_separator, .init = cr_redirect_stderr)
{
	char *v1[] = { "t", "--no-huge", "-m", "512", "--to", "1.2.3.4:80", NULL };
	char *v2[] = { "t", "--no-huge", "--mode=rr", "--", "--quiet", NULL };
	char *v3[] = { "t", "--no-huge", "--", "--to", "1.2.3.4:80", NULL };
	char *v4[] = { "t", "--no-huge", "--tox", "--", NULL };

	cr_assert_eq(app_early_args("t", 6, v1, 6, early_opts, early_usage), 2);
	cr_assert_eq(app_early_args("t", 5, v2, 3, early_opts, early_usage), 2);
	cr_assert_eq(app_early_args("t", 5, v3, 2, early_opts, early_usage), -1);
	cr_assert_eq(app_early_args("t", 4, v4, 3, early_opts, early_usage), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("t: '--to' is an option of t, not of the EAL: put "
		"'--' between the EAL's options and t's (t [EAL options] -- "
		"[options]; try --help)\n"
		"t: '--mode=rr' is an option of t, not of the EAL: put "
		"'--' between the EAL's options and t's (t [EAL options] -- "
		"[options]; try --help)\n");
}

Test(apps, early_args_help_and_version, .init = cr_redirect_stdout)
{
	char *h1[] = { "t", "--no-huge", "--to", "x", "-h", NULL };
	char *h2[] = { "t", "--", "--help", NULL };
	char *v[] = { "t", "--version", NULL };

	cr_assert_eq(app_early_args("t", 5, h1, 5, early_opts, early_usage), 0);
	cr_assert_eq(app_early_args("t", 3, h2, 1, early_opts, early_usage), 0);
	cr_assert_eq(app_early_args("t", 2, v, 2, early_opts, early_usage), 0);
	fflush(stdout);
	cr_assert_stdout_neq_str("");
}

/* ---- the UDP stream's stamps, order and jitter (app_udp_stream.c) ---- */

Test(udp_stream, in_order_steady_transit_has_no_jitter)
{
	struct app_udps_flow tx, rx;
	uint8_t d[64];

	app_udps_init(&tx, 7);
	app_udps_init(&rx, 7);
	for (uint64_t i = 0; i < 10; i++) {
		app_udps_stamp(&tx, d, 1000 * i);
		rx.next_seq = tx.next_seq;	/* one flow sends and receives */
		cr_assert_eq(app_udps_rx(&rx, d, sizeof(d), 1000 * i + 500), APP_UDPS_IN_ORDER);
	}
	cr_assert_eq(rx.expect, 10);
	cr_assert_eq(app_udps_jitter_ns(&rx), 0);
}

Test(udp_stream, late_datagram_and_foreign_ones)
{
	struct app_udps_flow f;
	uint8_t d[3][APP_UDPS_MIN], bad[APP_UDPS_MIN];

	app_udps_init(&f, 1);
	for (int i = 0; i < 3; i++)
		app_udps_stamp(&f, d[i], 100);
	cr_assert_eq(app_udps_rx(&f, d[0], APP_UDPS_MIN, 200), APP_UDPS_IN_ORDER);
	cr_assert_eq(app_udps_rx(&f, d[2], APP_UDPS_MIN, 200), APP_UDPS_IN_ORDER);
	cr_assert_eq(app_udps_rx(&f, d[1], APP_UDPS_MIN, 200), APP_UDPS_LATE);
	cr_assert_eq(app_udps_rx(&f, d[1], APP_UDPS_MIN, 200), APP_UDPS_LATE, "a duplicate");
	cr_assert_eq(f.expect, 3);
	/* short; another flow's; a sequence not sent yet; a bad magic; sent
	 * after it arrived: none of them moves the flow */
	cr_assert_eq(app_udps_rx(&f, d[0], APP_UDPS_MIN - 1, 200), APP_UDPS_FOREIGN);
	struct app_udps_flow g;
	app_udps_init(&g, 2);
	app_udps_stamp(&g, bad, 100);
	cr_assert_eq(app_udps_rx(&f, bad, APP_UDPS_MIN, 200), APP_UDPS_FOREIGN);
	struct app_udps_flow h;
	app_udps_init(&h, 1);
	for (int i = 0; i < 5; i++)
		app_udps_stamp(&h, bad, 100);
	cr_assert_eq(app_udps_rx(&f, bad, APP_UDPS_MIN, 200), APP_UDPS_FOREIGN, "seq 4 of 3");
	memcpy(bad, d[0], APP_UDPS_MIN);
	bad[0] ^= 1;
	cr_assert_eq(app_udps_rx(&f, bad, APP_UDPS_MIN, 200), APP_UDPS_FOREIGN);
	cr_assert_eq(app_udps_rx(&f, d[0], APP_UDPS_MIN, 50), APP_UDPS_FOREIGN);
	cr_assert_eq(f.expect, 3);
}

/* RFC 3550 A.8: transits alternating 1,000 and 3,000 ns give |D| = 2,000
 * every time, so J converges on 2,000 (J_n = 2000 (1 - (15/16)^(n-1))). */
Test(udp_stream, jitter_converges_as_rfc3550)
{
	struct app_udps_flow f;
	uint8_t d[APP_UDPS_MIN];
	uint64_t t = 0;

	app_udps_init(&f, 0);
	for (int i = 0; i < 200; i++) {
		t += 10000;
		app_udps_stamp(&f, d, t);
		app_udps_rx(&f, d, sizeof(d), t + (i & 1 ? 3000 : 1000));
		if (i == 1)
			cr_assert_eq(app_udps_jitter_ns(&f), 125, "after one D: 2000/16");
	}
	cr_assert(app_udps_jitter_ns(&f) >= 1990 && app_udps_jitter_ns(&f) <= 2000,
		"jitter %lu", (unsigned long)app_udps_jitter_ns(&f));
	/* a stall of a second is clamped, never wraps the 32-bit sum */
	for (int i = 0; i < 100; i++) {
		t += 10000;
		app_udps_stamp(&f, d, t);
		app_udps_rx(&f, d, sizeof(d), t + (i & 1 ? 1000000000 : 1000));
	}
	cr_assert(app_udps_jitter_ns(&f) > 100000000 && app_udps_jitter_ns(&f) < 140000000,
		"jitter %lu", (unsigned long)app_udps_jitter_ns(&f));
}

/* ---- IPv6 addresses in the apps' options (issue 17 item 6) ---- */

/* A 16-byte address from text, for the expectations. */
static struct dps_addr
v6(const char *s)
{
	struct dps_addr a;

	cr_assert_eq(dps_addr6_parse(s, &a), 0, "%s", s);
	return a;
}

Test(apps, endpoint_v4_and_v6)
{
	static const char *const bad[] = {
		"[2001:db8::1]", "[2001:db8::1]80", "2001:db8::1:80", "[2001:db8::1]:",
		"[2001:db8::1]:0", "[2001:db8::1]:65536", "[2001:db8::1]:+80",
		"[2001:db8::1:80", "[]:80", "[2001:db8::g]:80", "[198.18.0.1]:80",
		"[fe80::1%eth0]:80", "[2001:db8::1]:80x", "[2001:db8:0:0:0:0:0:0:1]:80",
		"1.2.3.4:80:", "",
		"[2001:0db8:0000:0000:0000:0000:0000:0001]:80 and well past the buffer",
	};
	union app_sockaddr a;
	char buf[64];

	cr_assert_eq(app_parse_endpoint("[2001:db8::1]:8080", &a), 0);
	cr_assert_eq(a.sa.sa_family, AF_INET6);
	cr_assert_eq(ntohs(a.sin6.sin6_port), 8080);
	cr_assert_arr_eq(a.sin6.sin6_addr.s6_addr, v6("2001:db8::1").v6, 16);
	cr_assert_eq(app_sockaddr_len(&a), sizeof(struct sockaddr_in6));
	cr_assert_str_eq(app_sockaddr_fmt(&a, buf, sizeof(buf)), "[2001:db8::1]:8080");
	cr_assert(dps_addr_eq(&(struct dps_addr){ 0 }, &(struct dps_addr){ 0 }));
	{
		struct dps_addr t = app_sockaddr_addr(&a), w = v6("2001:db8::1");

		cr_assert(dps_addr_eq(&t, &w));
	}
	cr_assert_eq(app_parse_endpoint("[::ffff:198.18.0.1]:80", &a), 0);
	cr_assert_eq(a.sa.sa_family, AF_INET6);
	cr_assert_eq(app_parse_endpoint("198.18.0.1:80", &a), 0);
	cr_assert_eq(a.sa.sa_family, AF_INET);
	cr_assert_eq(a.sin.sin_addr.s_addr, inet_addr("198.18.0.1"));
	cr_assert_eq(app_sockaddr_len(&a), sizeof(struct sockaddr_in));
	cr_assert_str_eq(app_sockaddr_fmt(&a, buf, sizeof(buf)), "198.18.0.1:80");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(app_parse_endpoint(bad[i], &a), -EINVAL, "%s", bad[i]);
}

Test(apps, addrs_v6_ranges)
{
	static const struct { const char *s, *first; uint32_t count; uint8_t plen; } good[] = {
		{ "2001:db8::2/64", "2001:db8::2", 1, 64 },
		{ "2001:db8::2-2001:db8::20/64", "2001:db8::2", 31, 64 },
		{ "2001:db8::2-2001:db8::2/64", "2001:db8::2", 1, 64 },
		{ "2001:db8::ff-2001:db8::1:1/64", "2001:db8::ff", 65283, 64 },
		{ "2001:db8::1:0/112", "2001:db8::1:0", 1, 112 },
		{ "2001:db8::1-2001:db8::ffff:ffff/64", "2001:db8::1", 0xffffffffu, 64 },
		{ "2001:db8::/127", "2001:db8::", 1, 127 },
		{ "2001:db8::-2001:db8::1/127", "2001:db8::", 2, 127 },
		{ "2001:db8::1/128", "2001:db8::1", 1, 128 },
		{ "fe80::2/64", "fe80::2", 1, 64 },
	};
	static const struct { const char *s, *why; } bad[] = {
		{ "2001:db8::2", "no /LEN" },
		{ "2001:db8::2/129", "LEN is not 0 to 128" },
		{ "2001:db8::2/", "LEN is not 0 to 128" },
		{ "2001:db8::2/6x", "LEN is not 0 to 128" },
		{ "2001:db8::g/64", "not an IPv6 address" },
		{ "2001:db8::2-/64", "not an IPv6 address" },
		{ "-2001:db8::2/64", "not an IPv6 address" },
		{ "2001:db8::2-198.18.0.9/64", "not an IPv6 address" },
		{ "2001:db8::2-2001:db8::3-2001:db8::4/64", "not an IPv6 address" },
		{ "[2001:db8::2]/64", "not an IPv6 address" },
		{ "::/64", ":: is no address" },
		{ "::1/128", "::1 is the loopback address" },
		{ "ff02::1/64", "a multicast address is no local address" },
		{ "::ffff:198.18.0.1/96", "a v4-mapped address is no IPv6 address of its "
			"own (give the IPv4 one)" },
		{ "2001:db8::9-2001:db8::2/64", "B is below A" },
		{ "2001:db8::2-2001:db8:0:1::2/64", "B is outside A's subnet" },
		{ "2001:db8::2-2001:db8::1:0:2/96", "B is outside A's subnet" },
		{ "2001:db8::1-2001:db8::1:0:0/64", "a range holds at most 4294967295 "
			"addresses" },
		{ "2001:db8::1-2001:db8:0:1::1/48", "a range holds at most 4294967295 "
			"addresses" },
		{ "2001:db8::-2001:db8::5/64", "a range may not hold its subnet's "
			"Subnet-Router anycast address" },
		{ "2001:db8::1:fff0-2001:db8::2:0/112", "B is outside A's subnet" },
		{ "2001:db8::2:fff0-2001:db8::3:0/64", NULL },
	};
	struct dps_addr first;
	uint32_t count;
	uint8_t plen;
	const char *why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct dps_addr w = v6(good[i].first);

		cr_assert_eq(app_parse_addrs(good[i].s, &first, &count, &plen, &why), 0,
			"%s: %s", good[i].s, why);
		cr_assert(dps_addr_eq(&first, &w), "%s", good[i].s);
		cr_assert_eq(count, good[i].count, "%s: %u", good[i].s, count);
		cr_assert_eq(plen, good[i].plen, "%s", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = app_parse_addrs(bad[i].s, &first, &count, &plen, &why);

		if (bad[i].why == NULL) {	/* a control: this one is good */
			cr_assert_eq(rc, 0, "%s: %s", bad[i].s, why);
			continue;
		}
		cr_assert_eq(rc, -EINVAL, "%s", bad[i].s);
		cr_assert_str_eq(why, bad[i].why, "%s", bad[i].s);
	}
	/* IPv4 goes the IPv4 way, with its rules. */
	cr_assert_eq(app_parse_addrs("198.18.0.2-198.18.0.9/24", &first, &count,
		&plen, &why), 0);
	cr_assert_eq(first.family, AF_INET);
	cr_assert_eq(first.v4, inet_addr("198.18.0.2"));
	cr_assert_eq(count, 8);
	cr_assert_eq(app_parse_addrs("198.18.0.0-198.18.0.5/24", &first, &count,
		&plen, &why), -EINVAL);
}

Test(apps, addr_nth_carries)
{
	struct dps_addr a = v6("2001:db8::ff"), b = app_addr_nth(&a, 1),
		w = v6("2001:db8::100"), big = v6("2001:db8::ffff:ffff:ffff:ffff"),
		c = app_addr_nth(&big, 1), wc = v6("2001:db8:0:1::"), d, four;

	cr_assert(dps_addr_eq(&b, &w));
	cr_assert(dps_addr_eq(&c, &wc));
	d = app_addr_nth(&a, 0);
	cr_assert(dps_addr_eq(&d, &a));
	d = app_addr_nth(&a, 0x10000);
	w = v6("2001:db8::1:ff");
	cr_assert(dps_addr_eq(&d, &w));
	four = dps_addr_v4(inet_addr("198.18.0.255"));
	d = app_addr_nth(&four, 2);
	cr_assert_eq(d.family, AF_INET);
	cr_assert_eq(d.v4, inet_addr("198.18.1.1"));
}

Test(apps, target_v6_subnet_and_family, .init = cr_redirect_stderr)
{
	struct dps_addr l = v6("2001:db8::2"), on = v6("2001:db8::ffff"),
		off = v6("2001:db8:1::1"), four = dps_addr_v4(inet_addr("198.18.0.1"));

	cr_assert(app_on_subnet_addr(&l, 64, &on));
	cr_assert_not(app_on_subnet_addr(&l, 64, &off));
	cr_assert(app_on_subnet_addr(&l, 32, &off));
	cr_assert(app_on_subnet_addr(&l, 0, &off));
	cr_assert_not(app_on_subnet_addr(&l, 0, &four));
	cr_assert_eq(app_check_target_addr("t", &l, 64, false, &on), 0);
	cr_assert_eq(app_check_target_addr("t", &l, 64, true, &off), 0);
	cr_assert_eq(app_check_target_addr("t", &l, 64, false, &off), -EINVAL);
	cr_assert_eq(app_check_target_addr("t", &l, 64, false, &four), -EINVAL);
	fflush(stderr);
	cr_assert_stderr_eq_str("t: target 2001:db8:1::1 is not in the local subnet "
		"2001:db8::/64 and no --gw was given\n"
		"t: target 198.18.0.1 is an IPv4 address and the local address "
		"2001:db8::2 is not (give an --addr of its family)\n");
}

/* --addr and --gw of both families on one port: dual stack, the IPv4
 * side as before; a run of IPv6 addresses of any size (one range of the
 * stack's); the targets are checked against their own family's side. */
Test(apps, net_opt_v6, .init = cr_redirect_stderr)
{
	struct app_net n;
	struct dps_addr w = v6("2001:db8::2"), gw = v6("fe80::1"),
		t_on = v6("2001:db8::1"), t_off = v6("2001:db8:5::1");

	memset(&n, 0, sizeof(n));
	cr_assert_not(app_net_has_v6(&n));
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "198.18.0.2/24"), 1);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::2-2001:db8::8/64"), 1);
	cr_assert(app_net_has_v6(&n));
	cr_assert_eq(n.n_addr, 1);
	cr_assert_eq(n.addr.v4, inet_addr("198.18.0.2"));
	cr_assert_eq(n.v6.n_addr, 7);
	cr_assert_eq(n.v6.plen, 64);
	cr_assert(dps_addr_eq(&n.v6.addr, &w));
	cr_assert_eq(app_net_check_target_addr("t", &n, &t_on), 0);
	cr_assert_eq(app_net_check_target_addr("t", &n, &t_off), -EINVAL);
	cr_assert_eq(app_net_opt("t", &n, 0x1001, "fe80::1"), 1);
	cr_assert(n.v6.has_gw);
	cr_assert_not(n.has_gw);
	cr_assert(dps_addr_eq(&n.v6.gw, &gw));
	cr_assert_eq(app_net_check_target_addr("t", &n, &t_off), 0);
	cr_assert_eq(app_net_opt("t", &n, 0x1001, "198.18.0.1"), 1);
	cr_assert(n.has_gw);
	cr_assert_eq(app_net_opt("t", &n, 0x1001, "ff02::1"), -EINVAL);
	cr_assert_eq(app_net_opt("t", &n, 0x1001, "2001:db8::x"), -EINVAL);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::9-2001:db8::2/64"), -EINVAL);
	cr_assert_eq(n.v6.n_addr, 7);	/* untouched by the refused one */
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::2-2001:db8::1:1/64"), 1);
	cr_assert_eq(n.v6.n_addr, 65536, "a run of any size: %u", n.v6.n_addr);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::2-2001:db8::8/64"), 1);
	/* The second port (--dev) keeps its own IPv6 side. */
	cr_assert_eq(app_net_opt("t", &n, 0x1020, "1"), 1);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8:1::2/64"), 1);
	cr_assert_eq(app_net_port(&n, 1).v6.n_addr, 1);
	cr_assert_eq(app_net_port(&n, 1).n_addr, 0);
	cr_assert_eq(app_net_port(&n, 0).v6.n_addr, 7);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"t: target 2001:db8:5::1 is not in the local subnet 2001:db8::/64 and "
		"no --gw was given\n"
		"t: invalid --gw (an IPv4 or IPv6 unicast address) 'ff02::1' (try --help)\n"
		"t: invalid --gw (an IPv4 or IPv6 unicast address) '2001:db8::x' (try --help)\n"
		"t: invalid --addr '2001:db8::9-2001:db8::2/64': B is below A (A/LEN or "
		"A-B/LEN; try --help)\n");
}

/* The tuple arithmetic counts IPv6 sources as it counts IPv4 ones: the
 * run's size, whatever the family. */
Test(apps, tuples_v6_sources)
{
	struct app_net n;
	struct app_tuples t = { .n_to = 2, .ports = 28232, .need = 30000 };
	char buf[512];

	memset(&n, 0, sizeof(n));
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::2-2001:db8::5/64"), 1);
	t.n_src = n.v6.n_addr;
	cr_assert_eq(app_tuples_have(&t), 4ull * 2 * 7058);
	cr_assert_not(app_tuples_short(&t, "--conc 30000", buf, sizeof(buf)));
	t.need = 60000;
	cr_assert(app_tuples_short(&t, "--conc 60000", buf, sizeof(buf)));
	cr_assert(strstr(buf, "4 addresses x 2 destinations x 7058 ports per pair = 56464")
		!= NULL, "%s", buf);
	/* Ten million connections over IPv6: the refusal names the tuples
	 * the run needs and the sources that would carry it, and a run of
	 * that many IPv6 addresses (no longer capped at what a port held
	 * address by address) does. */
	t.need = 10000000;
	cr_assert(app_tuples_short(&t, "--conc 10000000", buf, sizeof(buf)));
	cr_assert(strstr(buf, "--conc 10000000 needs 10000000 tuples") != NULL, "%s", buf);
	cr_assert(strstr(buf, "give at least 709 source addresses") != NULL, "%s", buf);
	cr_assert_eq(app_net_opt("t", &n, 0x1000, "2001:db8::2-2001:db8::2c6/64"), 1);
	t.n_src = n.v6.n_addr;
	cr_assert_eq(t.n_src, 709);
	cr_assert_not(app_tuples_short(&t, "--conc 10000000", buf, sizeof(buf)), "%s", buf);
}
