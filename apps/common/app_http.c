/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 message framing (RFC 9112): the strict path.
 *
 * Two paths, one result. app_http_feed() first offers the bytes to the
 * fast path (app_http_fast.c): when a whole head is in one buffer and is
 * of the plain kind nearly every message has, it is read in place, with
 * no line copy, at a fraction of the cost. Everything else (a head split
 * across buffers, bare LF, obs-fold, overlong lines, lists, every
 * error) falls back to this parser, which handles all of RFC 9112's
 * framing a byte at a time and stays the reference. The fast path only
 * ever accepts or declines, never fails: it leaves the parser untouched
 * when it declines, so every error, and its offset, comes from here. What
 * it accepts must leave the parser as this path would (same status,
 * method, path, keep-alive, lengths and phase); test_apps runs every
 * parser test and a generated differential set through both, and
 * fuzz_http aborts where they differ.
 *
 * The start line, header lines, chunk-size lines and trailer lines are
 * assembled a byte at a time into p->line (only the first
 * sizeof(line) - 1 bytes are kept; line_len counts them all), so a
 * message split anywhere parses the same. Bodies are skipped in bulk.
 * A line ends at LF; a CR directly before it is dropped (RFC 9112 2.2
 * allows a bare LF), a CR anywhere else is an error.
 *
 * Private state: phase is one of enum app_http_phase, chunk_state holds the F_*
 * flags gathered from the header block, body_left counts the bytes of
 * the body or of the current chunk still to come, head_len the bytes of
 * the header block (or trailer section) so far.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>
#include "app_http_int.h"

#define MAX_CHUNK_DIGITS 15	/* chunk sizes below 2^60 */

/* Enter the error state with @p why; a server answers @p status. */
static int
fail_status(struct app_http *p, const char *why, uint16_t status)
{
	p->phase = PH_ERROR;
	p->err = why;
	p->err_status = status;
	return APP_HTTP_ERROR;
}

/* Enter the error state with @p why (400 Bad Request). */
static int
fail(struct app_http *p, const char *why)
{
	return fail_status(p, why, 400);
}

/* Enter the done state. */
static int
done(struct app_http *p)
{
	p->phase = PH_DONE;
	return APP_HTTP_DONE;
}

/* Start a parser for @p kind; clears everything, head_only included. */
void
app_http_init(struct app_http *p, enum app_http_kind kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	p->phase = PH_START;
}

/* tchar (RFC 9110 5.6.2). */
static bool
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* OWS (RFC 9110 5.6.3). */
static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether the current line was longer than line[] holds. */
static bool
truncated(const struct app_http *p)
{
	return p->line_len > sizeof(p->line) - 1;
}

/* The most bytes the current line may have: a start line must fit
 * line[] (it is parsed whole), other lines only the header limit. */
static uint32_t
line_limit(const struct app_http *p)
{
	return p->phase == PH_START ? sizeof(p->line) - 1 : APP_HTTP_MAX_HEAD;
}

/* A line went past line_limit(). A request line longer than line[] is
 * answered 414, as nginx answers one longer than its header buffer; a
 * header line 431 (RFC 6585 5). */
static int
line_too_long(struct app_http *p)
{
	if (p->phase != PH_START)
		return fail_status(p, "line too long", 431);
	if (p->kind == APP_HTTP_REQUEST)
		return fail_status(p, "request line too long", 414);
	return fail(p, "status line too long");
}

/* Take byte @p c into the current line. Returns 1 when it ended the line
 * (line[] is then NUL-terminated), 0 when absorbed, ERROR on a bare CR,
 * a NUL or a line longer than line_limit(): at the byte that overflows
 * it, before the line's end arrives. */
static int
line_byte(struct app_http *p, char c)
{
	if (p->chunk_state & F_CR) {
		p->chunk_state &= ~F_CR;
		if (c != '\n')
			return fail(p, "bare CR");
	}
	if (c == '\n') {
		p->line[truncated(p) ? sizeof(p->line) - 1 : p->line_len] = '\0';
		return 1;
	}
	if (c == '\r') {
		p->chunk_state |= F_CR;
		return 0;
	}
	if (c == '\0')
		return fail(p, "NUL in message head");
	if (p->line_len < sizeof(p->line) - 1)
		p->line[p->line_len] = c;
	if (++p->line_len > line_limit(p))
		return line_too_long(p);
	return 0;
}

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); only major version 1. A minor
 * version above 1 is treated as 1.1. */
static bool
parse_version(struct app_http *p, const char *s)
{
	if (strncmp(s, "HTTP/", 5) != 0 || s[5] != '1' || s[6] != '.' ||
			s[7] < '0' || s[7] > '9')
		return false;
	if (s[7] == '0')
		p->chunk_state |= F_V10;
	return true;
}

/* method SP request-target SP HTTP-version (RFC 9112 3). */
static int
request_line(struct app_http *p)
{
	static const struct { const char *name; uint8_t m; } methods[] = {
		{ "GET", APP_HTTP_GET }, { "HEAD", APP_HTTP_HEAD },
		{ "POST", APP_HTTP_POST }, { "PUT", APP_HTTP_PUT },
	};
	char *l = p->line, *sp1, *sp2;
	size_t n, i;

	sp1 = strchr(l, ' ');
	if (sp1 == NULL || sp1 == l)
		return fail(p, "bad request line");
	for (char *c = l; c < sp1; c++)
		if (!is_tchar((unsigned char)*c))
			return fail(p, "bad method");
	sp2 = strchr(sp1 + 1, ' ');
	if (sp2 == NULL || sp2 == sp1 + 1)
		return fail(p, "bad request line");
	for (char *c = sp1 + 1; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(p, "bad request target");
	if (strlen(sp2 + 1) != 8 || !parse_version(p, sp2 + 1))
		return fail(p, "bad HTTP version");
	p->method = APP_HTTP_OTHER;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if ((size_t)(sp1 - l) == strlen(methods[i].name) &&
				strncmp(l, methods[i].name, (size_t)(sp1 - l)) == 0)
			p->method = methods[i].m;
	n = (size_t)(sp2 - sp1 - 1);
	if (n > sizeof(p->path) - 1)
		n = sizeof(p->path) - 1;
	memcpy(p->path, sp1 + 1, n);
	p->path[n] = '\0';
	return APP_HTTP_MORE;
}

/* HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 4); a missing SP
 * after the code is tolerated. */
static int
status_line(struct app_http *p)
{
	const char *l = p->line;

	if (!parse_version(p, l) || l[8] != ' ')
		return fail(p, "bad status line");
	for (int i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return fail(p, "bad status code");
	if (l[9] == '0' || (l[12] != '\0' && l[12] != ' '))
		return fail(p, "bad status code");
	for (const char *c = l + 12; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(p, "bad reason phrase");
	p->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 +
		(l[11] - '0'));
	return APP_HTTP_MORE;
}

/* A complete start line: empty lines before it are skipped (RFC 9112
 * 2.2); line_byte() refused one that does not fit line[]. */
static int
on_start_line(struct app_http *p)
{
	int rc;

	if (p->line_len == 0)
		return APP_HTTP_MORE;
	rc = p->kind == APP_HTTP_REQUEST ? request_line(p) : status_line(p);
	if (rc == APP_HTTP_MORE)
		p->phase = PH_HEADER;
	return rc;
}

/* Call @p fn on each element of the comma-separated list @p v (OWS
 * trimmed; empty elements skipped, RFC 9110 5.6.1). Stops at the first
 * nonzero return and returns it. */
static int
each_elem(char *v, int (*fn)(struct app_http *, char *), struct app_http *p)
{
	char *next;
	int rc;

	for (; v != NULL; v = next) {
		char *end;

		next = strchr(v, ',');
		if (next != NULL)
			*next++ = '\0';
		while (is_ows(*v))
			v++;
		end = v + strlen(v);
		while (end > v && is_ows(end[-1]))
			*--end = '\0';
		if (*v == '\0')
			continue;
		rc = fn(p, v);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* One Content-Length value: 1*DIGIT, equal to any seen before (RFC 9112
 * 6.3 item 5: differing values are unrecoverable). */
static int
cl_elem(struct app_http *p, char *v)
{
	uint64_t n = 0;

	for (char *c = v; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return fail(p, "bad Content-Length");
		if (n > (UINT64_MAX / 2 - 9) / 10)
			return fail(p, "Content-Length too large");
		n = n * 10 + (uint64_t)(*c - '0');
	}
	if ((p->chunk_state & F_CL) && n != p->content_length)
		return fail(p, "conflicting Content-Length");
	p->chunk_state |= F_CL;
	p->content_length = n;
	return 0;
}

/* Content-Length: a decimal or a list of equal ones. */
static int
on_content_length(struct app_http *p, char *v)
{
	bool empty = true;

	for (char *c = v; *c != '\0'; c++)
		if (*c != ',' && !is_ows(*c))
			empty = false;
	if (empty)
		return fail(p, "bad Content-Length");
	return each_elem(v, cl_elem, p) == 0 ? APP_HTTP_MORE : APP_HTTP_ERROR;
}

/* One transfer coding: remember whether the last one is chunked. */
static int
te_elem(struct app_http *p, char *v)
{
	char *semi = strchr(v, ';');

	if (semi != NULL)
		*semi = '\0';
	while (*v != '\0' && is_ows(v[strlen(v) - 1]))
		v[strlen(v) - 1] = '\0';
	if (strcasecmp(v, "chunked") == 0)
		p->chunk_state |= F_CHUNKED;
	else
		p->chunk_state &= ~F_CHUNKED;
	return 0;
}

/* Transfer-Encoding: a request body must have a Content-Length here; a
 * response is chunked when chunked is the final coding, else read to
 * the close (RFC 9112 6.3 item 4). */
static int
on_transfer_encoding(struct app_http *p, char *v)
{
	if (p->kind == APP_HTTP_REQUEST)
		return fail(p, "chunked request body unsupported");
	p->chunk_state |= F_TE;
	p->chunk_state &= ~F_CHUNKED;
	each_elem(v, te_elem, p);
	return APP_HTTP_MORE;
}

/* One Connection option (case-insensitive, RFC 9110 7.6.1). */
static int
conn_elem(struct app_http *p, char *v)
{
	if (strcasecmp(v, "close") == 0)
		p->chunk_state |= F_CLOSE;
	else if (strcasecmp(v, "keep-alive") == 0)
		p->chunk_state |= F_KEEP;
	return 0;
}

/* The field name of a header line: tchars up to ':' (no whitespace
 * before the colon, RFC 9112 5.1). Returns the value (after the colon),
 * NULL after an error, or "" with *skip set for a line too long to have
 * its colon in line[]. */
static char *
split_field(struct app_http *p, bool *skip)
{
	char *colon = strchr(p->line, ':');

	*skip = false;
	if (colon == NULL) {
		if (truncated(p)) {
			*skip = true;
			return p->line;
		}
		fail(p, "header line without colon");
		return NULL;
	}
	if (colon == p->line) {
		fail(p, "empty header name");
		return NULL;
	}
	for (char *c = p->line; c < colon; c++)
		if (!is_tchar((unsigned char)*c)) {
			fail(p, is_ows(*c) ? "whitespace before colon" :
				"bad header name");
			return NULL;
		}
	*colon = '\0';
	return colon + 1;
}

/* A complete header line: obs-fold is refused (RFC 9112 5.2), the three
 * fields that frame the message are interpreted, others are skipped (a
 * line too long for line[] only when it is not one of the three). */
static int
on_header_fields(struct app_http *p)
{
	static const char *const needed[] = { "content-length",
		"transfer-encoding", "connection" };
	bool skip;
	char *v;

	if (is_ows(p->line[0]))
		return fail(p, "obsolete line folding");
	v = split_field(p, &skip);
	if (v == NULL)
		return APP_HTTP_ERROR;
	if (skip)
		return APP_HTTP_MORE;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (strcasecmp(p->line, needed[i]) == 0 && truncated(p))
			return fail_status(p, "header line too long", 431);
	if (strcasecmp(p->line, "content-length") == 0)
		return on_content_length(p, v);
	if (strcasecmp(p->line, "transfer-encoding") == 0)
		return on_transfer_encoding(p, v);
	if (strcasecmp(p->line, "connection") == 0)
		each_elem(v, conn_elem, p);
	return APP_HTTP_MORE;
}

/* Enter the body phase for @p n bytes (DONE when none). */
static int
fixed_body(struct app_http *p, uint64_t n)
{
	p->content_length = n;
	if (n == 0)
		return done(p);
	p->body_left = n;
	p->phase = PH_BODY;
	return APP_HTTP_MORE;
}

/* The response's body length (RFC 9112 6.3, items 1-7 in order). */
static int
response_body(struct app_http *p)
{
	uint32_t f = p->chunk_state;

	if (p->head_only || p->status / 100 == 1 || p->status == 204 ||
			p->status == 304) {
		if (p->status == 101)
			p->keep_alive = false;
		return fixed_body(p, 0);
	}
	if (f & F_TE) {
		if (f & F_CL)
			p->keep_alive = false;	/* 6.3 item 3 */
		p->content_length = UINT64_MAX;
		if (f & F_CHUNKED) {
			p->phase = PH_CHUNK_SIZE;
			return APP_HTTP_MORE;
		}
	} else if (f & F_CL) {
		return fixed_body(p, p->content_length);
	}
	p->content_length = UINT64_MAX;
	p->keep_alive = false;
	p->phase = PH_EOF_BODY;
	return APP_HTTP_MORE;
}

/* The empty line ending the header block: settle keep-alive (RFC 9112
 * 9.3: close wins; HTTP/1.0 needs keep-alive) and the body. A request
 * without Content-Length has no body (6.3 item 7). */
int
app_http_head_done(struct app_http *p)
{
	uint32_t f = p->chunk_state;

	p->keep_alive = !(f & F_CLOSE) && (!(f & F_V10) || (f & F_KEEP));
	if (p->kind == APP_HTTP_RESPONSE)
		return response_body(p);
	return fixed_body(p, (f & F_CL) ? p->content_length : 0);
}

/* A complete header line or the empty line ending the block. */
static int
on_header_line(struct app_http *p)
{
	if (p->line_len == 0)
		return app_http_head_done(p);
	return on_header_fields(p);
}

/* chunk-size [ BWS ";" chunk-ext ] (RFC 9112 7.1). */
static int
on_chunk_size(struct app_http *p)
{
	const char *c = p->line;
	uint64_t n = 0;
	unsigned int digits = 0;

	for (;; c++, digits++) {
		int d;

		if (*c >= '0' && *c <= '9')
			d = *c - '0';
		else if ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'f')
			d = (*c | 0x20) - 'a' + 10;
		else
			break;
		if (digits == MAX_CHUNK_DIGITS)
			return fail(p, "chunk too large");
		n = n << 4 | (uint64_t)d;
	}
	if (digits == 0)
		return fail(p, "bad chunk size");
	while (is_ows(*c))
		c++;
	if (*c != '\0' && *c != ';')
		return fail(p, "bad chunk size");
	if (*c == '\0' && truncated(p))
		return fail(p, "chunk size line too long");
	if (n == 0) {
		p->head_len = 0;
		p->phase = PH_TRAILER;
	} else {
		p->body_left = n;
		p->phase = PH_CHUNK_DATA;
	}
	return APP_HTTP_MORE;
}

/* The line after chunk data must be empty. */
static int
on_chunk_end(struct app_http *p)
{
	if (p->line_len != 0)
		return fail(p, "no CRLF after chunk data");
	p->phase = PH_CHUNK_SIZE;
	return APP_HTTP_MORE;
}

/* A trailer line: skipped (but folded or colon-less ones refused); the
 * empty line ends the message. */
static int
on_trailer(struct app_http *p)
{
	if (p->line_len == 0)
		return done(p);
	if (is_ows(p->line[0]))
		return fail(p, "obsolete line folding");
	if (strchr(p->line, ':') == NULL && !truncated(p))
		return fail(p, "trailer line without colon");
	return APP_HTTP_MORE;
}

/* One byte of a line-oriented phase; dispatches each complete line. */
static int
line_phase_byte(struct app_http *p, char c)
{
	bool head = p->phase == PH_START || p->phase == PH_HEADER ||
		p->phase == PH_TRAILER;
	int rc;

	if (head && ++p->head_len > APP_HTTP_MAX_HEAD)
		return fail_status(p, "header block too large", 431);
	rc = line_byte(p, c);
	if (rc <= 0)
		return rc;
	switch (p->phase) {
	case PH_START:
		rc = on_start_line(p);
		break;
	case PH_HEADER:
		rc = on_header_line(p);
		break;
	case PH_CHUNK_SIZE:
		rc = on_chunk_size(p);
		break;
	case PH_CHUNK_END:
		rc = on_chunk_end(p);
		break;
	default:
		rc = on_trailer(p);
		break;
	}
	p->line_len = 0;
	return rc;
}

/*
 * The fast path of a line phase: take the run of ordinary bytes (no CR,
 * LF or NUL) at @p buf into the current line at once, with the same
 * limits line_phase_byte() applies one byte at a time. Callgrind had the
 * byte-at-a-time path at about 48 instructions a byte, a third of the
 * server's work per keep-alive request (bench/callgrind_http.sh).
 * Returns the bytes taken (0: the next byte needs the slow path).
 */
static size_t
line_run(struct app_http *p, const char *buf, size_t len)
{
	bool head = p->phase == PH_START || p->phase == PH_HEADER ||
		p->phase == PH_TRAILER;
	size_t n = 0, room;

	if (p->chunk_state & F_CR)
		return 0;
	while (n < len && buf[n] != '\r' && buf[n] != '\n' && buf[n] != '\0')
		n++;
	if (n == 0)
		return 0;
	if ((head && p->head_len + n > APP_HTTP_MAX_HEAD) ||
			p->line_len + n > line_limit(p))
		return 0;	/* the slow path reports the error at the right byte */
	/* Past line[]'s end only the count grows: no pointer beyond it is
	 * formed (issue 12, 1.8). */
	room = p->line_len < sizeof(p->line) - 1 ? sizeof(p->line) - 1 - p->line_len : 0;
	if (room != 0)
		memcpy(p->line + p->line_len, buf, n < room ? n : room);
	p->line_len += (uint32_t)n;
	if (head)
		p->head_len += (uint32_t)n;
	return n;
}

/* Skip up to @p avail body bytes; returns how many were taken. */
static size_t
body_bytes(struct app_http *p, size_t avail, int *rc)
{
	size_t n = avail;

	if (p->phase == PH_EOF_BODY)
		return avail;
	if (n > p->body_left)
		n = (size_t)p->body_left;
	p->body_left -= n;
	if (p->body_left == 0) {
		if (p->phase == PH_BODY)
			*rc = done(p);
		else
			p->phase = PH_CHUNK_END;
	}
	return n;
}

/* The strict path (see the header): lines byte by byte, bodies in bulk;
 * stops at the end of a message. */
int
app_http_feed_strict(struct app_http *p, const char *buf, size_t len,
	size_t *used)
{
	size_t i = 0;
	int rc = APP_HTTP_MORE;

	if (p->phase == PH_DONE)
		rc = fail(p, "feed after a complete message");
	while (rc == APP_HTTP_MORE && i < len) {
		if (p->phase == PH_ERROR) {
			rc = APP_HTTP_ERROR;
			break;
		}
		if (p->phase == PH_BODY || p->phase == PH_CHUNK_DATA ||
				p->phase == PH_EOF_BODY) {
			i += body_bytes(p, len - i, &rc);
		} else {
			size_t n = line_run(p, buf + i, len - i);

			if (n != 0)
				i += n;
			else
				rc = line_phase_byte(p, buf[i++]);
		}
	}
	if (p->phase == PH_ERROR)
		rc = APP_HTTP_ERROR;
	if (used != NULL)
		*used = i;
	return rc;
}

/* A whole head in @p buf goes through the fast path, the rest (its body,
 * or everything when the fast path declines) through the strict one. */
int
app_http_feed(struct app_http *p, const char *buf, size_t len, size_t *used)
{
	size_t head = app_http_fast_head(p, buf, len), rest;
	int rc;

	if (head == 0)
		return app_http_feed_strict(p, buf, len, used);
	if (p->phase == PH_DONE) {
		rc = APP_HTTP_DONE;
		rest = 0;
	} else {
		rc = app_http_feed_strict(p, buf + head, len - head, &rest);
	}
	if (used != NULL)
		*used = head + rest;
	return rc;
}

/* The peer closed: ends a body delimited by the close; anything else
 * under way is truncated. */
int
app_http_eof(struct app_http *p)
{
	if (p->phase == PH_EOF_BODY) {
		p->keep_alive = false;
		return done(p);
	}
	if (p->phase == PH_ERROR)
		return APP_HTTP_ERROR;
	if (p->phase == PH_START && p->line_len == 0)
		return fail(p, "closed before a message");
	if (p->phase == PH_DONE)
		return fail(p, "closed after a complete message");
	return fail(p, "truncated message");
}

/* Whether @p s is visible ASCII (and spaces if @p spaces): what a
 * request-target and a Host may hold (RFC 9112 3.2, RFC 3986: other
 * bytes are percent-encoded), and what request_line() accepts back. */
static bool
plain(const char *s, bool spaces)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
				(!spaces && *s == ' '))
			return false;
	return true;
}

/* A GET request for @p path to @p host. */
size_t
app_http_request(char *out, size_t cap, const char *host, const char *path,
	bool keep_alive)
{
	int n;

	if (!plain(host, false) || !plain(path, false) || path[0] == '\0')
		return 0;
	n = snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		"User-Agent: dpstack\r\nConnection: %s\r\n\r\n", path, host,
		keep_alive ? "keep-alive" : "close");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* A 200 response head for @p body_len bytes. */
size_t
app_http_response_head(char *out, size_t cap, uint64_t body_len,
	bool keep_alive)
{
	int n;

	n = snprintf(out, cap, "HTTP/1.1 200 OK\r\nServer: dpstack\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: %" PRIu64 "\r\nConnection: %s\r\n\r\n",
		body_len, keep_alive ? "keep-alive" : "close");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* The reason phrase for @p status (RFC 9110 15). */
static const char *
reason(unsigned int status)
{
	static const struct { unsigned int code; const char *text; } r[] = {
		{ 400, "Bad Request" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 408, "Request Timeout" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].code == status)
			return r[i].text;
	return status < 500 ? "Client Error" : "Server Error";
}

/* A complete 4xx/5xx response with a one-line text body, closing. */
size_t
app_http_error(char *out, size_t cap, unsigned int status)
{
	char body[64];
	int n, blen;

	if (status < 400 || status > 599)
		return 0;
	blen = snprintf(body, sizeof(body), "%u %s\n", status, reason(status));
	n = snprintf(out, cap, "HTTP/1.1 %u %s\r\nServer: dpstack\r\n"
		"Content-Type: text/plain\r\nContent-Length: %d\r\n"
		"Connection: close\r\n\r\n%s", status, reason(status), blen,
		body);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
