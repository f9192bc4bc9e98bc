/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_HTTP_H
#define DPS_APP_HTTP_H

/*
 * Incremental HTTP/1.1 message framing for the load generator and the
 * server (RFC 9112): enough to find where a request or response ends,
 * its status, Content-Length and keep-alive, over bytes that arrive in
 * arbitrary pieces. No allocation; a parser is a small struct that lives
 * in the connection. Not a general HTTP library: no chunked request
 * bodies (a response with Transfer-Encoding: chunked is framed, though),
 * no trailers, headers up to APP_HTTP_MAX_HEAD bytes, a start line up to
 * APP_HTTP_MAX_LINE.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_HTTP_MAX_HEAD 8192
#define APP_HTTP_MAX_LINE 255	/* start line; and the part of a header
				 * line the framing reads */

enum app_http_kind { APP_HTTP_REQUEST, APP_HTTP_RESPONSE };

enum app_http_rc {
	APP_HTTP_MORE = 0,	/* consumed everything, message not complete */
	APP_HTTP_DONE = 1,	/* a message completed (see *used) */
	APP_HTTP_ERROR = -1,	/* malformed; see app_http_err() */
};

/*
 * 32 bytes, no line buffer and no copy of the request target (issue 15,
 * item 4: an idle connection's state is counted per byte): the strict
 * path is a state machine that reads each line as it streams past, and
 * keeps of it only what the framing needs (the method, the status, the
 * flags, one number). Nothing in dps-gen or dps-httpd reads the target
 * (every GET gets the same answer); a caller that wants it reads it in
 * place: it is the first line of the bytes it fed.
 */
struct app_http {
	uint64_t content_length;/* body length (UINT64_MAX: chunked / to EOF) */
	uint64_t body_left;	/* private: body or chunk bytes to come; in
				 * a line, the number being read */
	uint16_t status;	/* responses: status code */
	uint16_t head_len;	/* private: bytes of header seen */
	uint16_t line_len;	/* private: bytes of the current line */
	uint8_t kind;		/* enum app_http_kind */
	uint8_t phase;		/* private */
	uint8_t method;		/* requests: enum app_http_method */
	bool keep_alive;	/* after DONE: the connection may carry another */
	bool head_only;		/* set by the caller: response to HEAD, no body */
	uint8_t flags;		/* private: F_* of app_http_int.h */
	uint8_t err;		/* private: the error (app_http_err()), or
				 * in a line the first fault it shows */
	uint8_t ls;		/* private: where in the line */
	uint8_t vs;		/* private: what the value holds so far */
	uint8_t vpos;		/* private: bytes of the element so far */
};

enum app_http_method { APP_HTTP_GET = 1, APP_HTTP_HEAD, APP_HTTP_POST,
	APP_HTTP_PUT, APP_HTTP_OTHER };

/* Start a parser for one direction; call again after DONE for the next
 * message on the same connection. */
void app_http_init(struct app_http *p, enum app_http_kind kind);

/*
 * Feed @p len bytes. Returns MORE (all consumed), DONE (*used bytes
 * consumed, the rest belongs to the next message) or ERROR.
 * A response without Content-Length or chunking and not to HEAD (and not
 * 1xx/204/304) is delimited by EOF: call app_http_eof() when the peer
 * closes, which returns DONE for it and ERROR for a truncated message.
 */
int app_http_feed(struct app_http *p, const char *buf, size_t len, size_t *used);
int app_http_eof(struct app_http *p);

/* After ERROR: a short reason ("" before any). */
const char *app_http_err(const struct app_http *p);

/* After ERROR: the status a server answers: 414 (request line too long),
 * 431 (header line or block too large) or 400. */
unsigned int app_http_err_status(const struct app_http *p);

/*
 * The two paths app_http_feed() is made of, for tests and fuzzers that
 * check they agree (the engines call app_http_feed()).
 * app_http_feed_strict() is app_http_feed() without the fast path.
 * app_http_fast_head() reads a whole message head at the start of
 * @p buf when it can be sure of it: it returns the head's length, with
 * the parser where app_http_feed_strict() would leave it after those
 * bytes, or 0 with the parser untouched (not at the start of a message,
 * head incomplete, anything unusual or malformed).
 */
int app_http_feed_strict(struct app_http *p, const char *buf, size_t len,
	size_t *used);
size_t app_http_fast_head(struct app_http *p, const char *buf, size_t len);

/*
 * The last head the fast path took on one lcore, kept by the engine (the
 * parser itself stays 32 bytes): a head that begins the next buffer byte
 * for byte is settled from it without being read again. A load
 * generator's responses and its requests repeat exactly, so nearly every
 * head after the first is one memcmp(). The fast path's verdict depends
 * only on the head's own bytes and the message kind, so the answer is
 * the same; heads longer than APP_HTTP_MEMO_MAX are not kept.
 */
#define APP_HTTP_MEMO_MAX 256

struct app_http_memo {
	uint64_t content_length;	/* what the head said */
	uint16_t len;			/* bytes of head (0: nothing kept) */
	uint16_t status;
	uint8_t kind;			/* enum app_http_kind */
	uint8_t flags;
	uint8_t method;
	char head[APP_HTTP_MEMO_MAX];
};

/* An empty memo. */
void app_http_memo_init(struct app_http_memo *m);

/* app_http_feed() with memo @p m (NULL: none): the same results. */
int app_http_feed_memo(struct app_http *p, struct app_http_memo *m,
	const char *buf, size_t len, size_t *used);

/* app_http_fast_head() through memo @p m: the same result and parser
 * state; a head it takes that fits is kept in @p m. */
size_t app_http_memo_head(struct app_http *p, struct app_http_memo *m,
	const char *buf, size_t len);

/* Format a GET request for @p path to @p host into @p out (at most
 * @p cap bytes; "Connection: close" unless @p keep_alive). Returns the
 * length, or 0 when it does not fit. */
size_t app_http_request(char *out, size_t cap, const char *host,
	const char *path, bool keep_alive);

/* A request as the load generator sends it (app_http_request_head()). */
struct app_http_req {
	const char *method;		/* a token (RFC 9110 9.1); NULL: GET */
	const char *host;		/* the Host header's value */
	const char *path;		/* the request target */
	const char *const *hdr;		/* extra "Name: value" lines, no CRLF */
	unsigned int n_hdr;
	uint64_t body_len;		/* Content-Length when above 0, or
					 * when the method is POST or PUT */
	bool keep_alive;
};

/*
 * Format the head of request @p r into @p out (at most @p cap bytes):
 * the request line, Host, User-Agent: dpstack, Connection, then the
 * extra header lines and Content-Length. An extra Host or User-Agent
 * line takes the default's place (as wrk's -H does). Returns the length,
 * or 0 when it does not fit or @p r is not well formed: see
 * app_http_req_check().
 */
size_t app_http_request_head(char *out, size_t cap, const struct app_http_req *r);

/*
 * Why @p r cannot be sent, as a short static text, or NULL when it can:
 * a method that is not a token, a target or Host with bytes outside
 * printable ASCII or with a space, an extra header that is not
 * "token: value" with a printable value, or one that names a header the
 * generator sets itself (Connection, Content-Length, Transfer-Encoding:
 * they follow --mode and --body-size).
 */
const char *app_http_req_check(const struct app_http_req *r);

/* Format a 200 response header for a body of @p body_len bytes
 * (Content-Type: application/octet-stream, Content-Length, Connection:
 * keep-alive or close). Returns the length, or 0 when it does not fit. */
size_t app_http_response_head(char *out, size_t cap, uint64_t body_len,
	bool keep_alive);

/* Format a complete error response (e.g. 400, 404, 405) with a short text
 * body and Connection: close. Returns the length, or 0. */
size_t app_http_error(char *out, size_t cap, unsigned int status);

#endif
