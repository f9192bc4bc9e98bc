/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 message framing (RFC 9112): the strict path.
 *
 * Two paths, one result. app_http_feed() first offers the bytes to the
 * fast path (app_http_fast.c): when a whole head is in one buffer and is
 * of the plain kind nearly every message has, it is read in place at a
 * fraction of the cost. Everything else (a head split across buffers,
 * bare LF, obs-fold, overlong lines, lists, every error) falls back to
 * this parser, which handles all of RFC 9112's framing a byte at a time
 * and stays the reference. The fast path only ever accepts or declines,
 * never fails: it leaves the parser untouched when it declines, so every
 * error, and its offset, comes from here. What it accepts must leave the
 * parser as this path would (same status, method, keep-alive, lengths
 * and phase); test_apps runs every parser test and a generated
 * differential set through both, and fuzz_http aborts where they differ.
 * app_http_feed_memo() puts a memo of the last head taken in front of
 * the fast path (app_http.h), held to the same tests.
 *
 * No line is kept (issue 15, item 4: the parser lives in every idle
 * connection). Each byte of a start, header, chunk-size or trailer line
 * moves a small state machine (app_http.ls, .vs, .vpos) as it streams
 * past, so a message split anywhere parses the same. A run of ordinary
 * bytes is taken at once (line_run()): a header name with its colon in
 * the run is matched whole (name_bulk()), and a line's bytes the framing
 * does not read are only counted. Bodies are skipped in bulk. A line ends at LF; a CR directly before it is dropped (RFC
 * 9112 2.2 allows a bare LF), a CR anywhere else is an error.
 *
 * The answers are those of the parser this one replaced, which
 * assembled each line in a 256-byte buffer and parsed it at its LF:
 * - Faults of a line's content (a bad method, a bad digit) are noted as
 *   they stream past (app_http.err, the first one that parser's checks
 *   would have named) and reported at the line's LF; faults of a byte
 *   (bare CR, NUL) and of a length are reported at that byte.
 * - Only the first APP_HTTP_MAX_LINE bytes of a line are read (what the
 *   buffer held). A longer start line is refused (414 for a request,
 *   RFC 9110 15.5.15), and so is a longer header line the framing reads
 *   (Content-Length, Transfer-Encoding, Connection: 431, RFC 6585 5);
 *   a longer one it does not read is skipped up to the header limit, a
 *   colon past that part unseen.
 *
 * Private state: phase is one of enum app_http_phase, flags holds the F_*
 * flags gathered from the header block, body_left counts the bytes of
 * the body or of the current chunk still to come (and holds the number a
 * line is read into), head_len the bytes of the header block (or trailer
 * section) so far, line_len the bytes of the current line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>
#include "app_http_int.h"

#define MAX_CHUNK_DIGITS 15	/* chunk sizes below 2^60 */

/* The errors; app_http_err() gives the text, the status a server answers
 * with app_http_err_status(). */
enum http_err {
	E_NONE, E_BARE_CR, E_NUL, E_LINE_LONG, E_REQ_LINE_LONG,
	E_STATUS_LINE_LONG, E_BLOCK_LARGE, E_HDR_LINE_LONG, E_REQ_LINE,
	E_METHOD, E_TARGET, E_VERSION, E_STATUS_LINE, E_STATUS_CODE,
	E_REASON, E_CL, E_CL_LARGE, E_CL_CONFLICT, E_TE_REQUEST, E_NO_COLON,
	E_EMPTY_NAME, E_WS_COLON, E_NAME, E_FOLD, E_CHUNK_LARGE,
	E_CHUNK_SIZE, E_CHUNK_LINE_LONG, E_CHUNK_END, E_TRAILER_COLON,
	E_AFTER_DONE, E_EOF_BEFORE, E_EOF_AFTER, E_TRUNCATED, E__MAX
};

static const struct { const char *why; uint16_t status; } errs[E__MAX] = {
	[E_NONE] = { "", 0 },
	[E_BARE_CR] = { "bare CR", 400 },
	[E_NUL] = { "NUL in message head", 400 },
	[E_LINE_LONG] = { "line too long", 431 },
	[E_REQ_LINE_LONG] = { "request line too long", 414 },
	[E_STATUS_LINE_LONG] = { "status line too long", 400 },
	[E_BLOCK_LARGE] = { "header block too large", 431 },
	[E_HDR_LINE_LONG] = { "header line too long", 431 },
	[E_REQ_LINE] = { "bad request line", 400 },
	[E_METHOD] = { "bad method", 400 },
	[E_TARGET] = { "bad request target", 400 },
	[E_VERSION] = { "bad HTTP version", 400 },
	[E_STATUS_LINE] = { "bad status line", 400 },
	[E_STATUS_CODE] = { "bad status code", 400 },
	[E_REASON] = { "bad reason phrase", 400 },
	[E_CL] = { "bad Content-Length", 400 },
	[E_CL_LARGE] = { "Content-Length too large", 400 },
	[E_CL_CONFLICT] = { "conflicting Content-Length", 400 },
	[E_TE_REQUEST] = { "chunked request body unsupported", 400 },
	[E_NO_COLON] = { "header line without colon", 400 },
	[E_EMPTY_NAME] = { "empty header name", 400 },
	[E_WS_COLON] = { "whitespace before colon", 400 },
	[E_NAME] = { "bad header name", 400 },
	[E_FOLD] = { "obsolete line folding", 400 },
	[E_CHUNK_LARGE] = { "chunk too large", 400 },
	[E_CHUNK_SIZE] = { "bad chunk size", 400 },
	[E_CHUNK_LINE_LONG] = { "chunk size line too long", 400 },
	[E_CHUNK_END] = { "no CRLF after chunk data", 400 },
	[E_TRAILER_COLON] = { "trailer line without colon", 400 },
	[E_AFTER_DONE] = { "feed after a complete message", 400 },
	[E_EOF_BEFORE] = { "closed before a message", 400 },
	[E_EOF_AFTER] = { "closed after a complete message", 400 },
	[E_TRUNCATED] = { "truncated message", 400 },
};

/* app_http.ls: where in the line. A request line: */
enum { RL_METHOD, RL_TARGET, RL_VERSION };
/* A header line: bits 0-1 the part, bits 2-3 the field (FLD_*). */
enum { HL_NAME, HL_VALUE, HL_SKIP };
#define HL_PART 3u
#define FLD_SHIFT 2
enum { FLD_NONE, FLD_CL, FLD_CONN, FLD_TE };
/* A chunk-size line; a trailer line. */
enum { CS_DIGITS, CS_OWS, CS_EXT };
enum { TL_NO_COLON, TL_COLON };

/* app_http.vs. In a header name, bit FLD_x - 1 set: not that field. */
#define V_ANY		0x01u	/* Content-Length: a byte not ',' or OWS */
#define V_IN		0x02u	/* the list element has begun */
#define V_OWS		0x04u	/* ... and OWS followed it */
#define V_PARAM		0x08u	/* Transfer-Encoding: past the ';' */
#define V_NOT_A		0x10u	/* not "close" / "chunked" */
#define V_NOT_B		0x20u	/* not "keep-alive" */
#define V_BAD_VER	0x01u	/* request line: not "HTTP/1." DIGIT */

/* The fields the framing reads, by FLD_x - 1 (RFC 9110 5.1: names are
 * case-insensitive; lower case here). */
static const char *const fields[] = { "content-length", "connection",
	"transfer-encoding" };
static const uint8_t field_len[] = { 14, 10, 17 };

/* Enter the error state with error @p e. */
static int
fail(struct app_http *p, uint8_t e)
{
	p->phase = PH_ERROR;
	p->err = e;
	return APP_HTTP_ERROR;
}

/* Note fault @p e of the current line, unless one came before it. */
static inline void
fault(struct app_http *p, uint8_t e)
{
	if (p->err == E_NONE)
		p->err = e;
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

/* The reason of an error (see app_http.h). */
const char *
app_http_err(const struct app_http *p)
{
	return p->phase == PH_ERROR && p->err < E__MAX ? errs[p->err].why : "";
}

/* The status a server answers an error with (see app_http.h). */
unsigned int
app_http_err_status(const struct app_http *p)
{
	return p->phase == PH_ERROR && p->err < E__MAX ? errs[p->err].status : 0;
}

/* tchar (RFC 9110 5.6.2): DIGIT, ALPHA and !#$%&'*+-.^_`|~, a set of
 * 128 bits (the fast path's byte table is another spelling of it, and
 * the tests hold each to the other on every byte value). */
static inline bool
is_tchar(unsigned char c)
{
	static const uint64_t set[2] = { 0x03ff6cfa00000000ull,
		0x57ffffffc7fffffeull };

	return c < 128 && (set[c >> 6] >> (c & 63) & 1) != 0;
}

/* OWS (RFC 9110 5.6.3). */
static inline bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* @p c with ASCII upper case folded to lower (as strcasecmp()). */
static inline char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* Whether the current line is longer than the part that is read. */
static bool
truncated(const struct app_http *p)
{
	return p->line_len > APP_HTTP_MAX_LINE;
}

/* Whether the phase's lines count toward the header limit. */
static inline bool
in_head(const struct app_http *p)
{
	return p->phase == PH_START || p->phase == PH_HEADER ||
		p->phase == PH_TRAILER;
}

/* The most bytes the current line may have: a start line is read
 * whole, other lines need only fit the header limit. */
static uint32_t
line_limit(const struct app_http *p)
{
	return p->phase == PH_START ? APP_HTTP_MAX_LINE : APP_HTTP_MAX_HEAD;
}

/* A line went past line_limit(). A request line is answered 414, as
 * nginx answers one longer than its header buffer; a header line 431
 * (RFC 6585 5). */
static int
line_too_long(struct app_http *p)
{
	if (p->phase != PH_START)
		return fail(p, E_LINE_LONG);
	return fail(p, p->kind == APP_HTTP_REQUEST ? E_REQ_LINE_LONG :
		E_STATUS_LINE_LONG);
}

/* ---- the start line ---- */

/* The method whose @p n bytes (their last 8 packed in @p v, first byte
 * highest) are GET, HEAD, POST or PUT (RFC 9110 9.1, case-sensitive). */
static uint8_t
method_of(uint64_t v, unsigned int n)
{
	if (n == 3)
		return v == 0x474554 ? APP_HTTP_GET :
			v == 0x505554 ? APP_HTTP_PUT : APP_HTTP_OTHER;
	if (n == 4)
		return v == 0x48454144 ? APP_HTTP_HEAD :
			v == 0x504f5354 ? APP_HTTP_POST : APP_HTTP_OTHER;
	return APP_HTTP_OTHER;
}

/* Byte @p c at @p pos of method SP request-target SP HTTP-version (RFC
 * 9112 3). The method's bytes collect in body_left; vpos counts the
 * target's bytes, then the version's. */
static void
request_byte(struct app_http *p, char c, unsigned int pos)
{
	unsigned char u = (unsigned char)c;

	switch (p->ls) {
	case RL_METHOD:
		if (c == ' ') {
			if (pos == 0)
				fault(p, E_REQ_LINE);
			else
				p->method = method_of(p->body_left, pos);
			p->body_left = 0;
			p->ls = RL_TARGET;
			return;
		}
		if (!is_tchar(u))
			fault(p, E_METHOD);
		p->body_left = p->body_left << 8 | u;
		return;
	case RL_TARGET:
		if (c == ' ') {
			if (p->vpos == 0)
				fault(p, E_REQ_LINE);
			p->ls = RL_VERSION;
			p->vpos = 0;
			return;
		}
		if (u <= 0x20 || u >= 0x7f)
			fault(p, E_TARGET);
		p->vpos = 1;
		return;
	default:	/* "HTTP/1." DIGIT; a minor version above 1 is 1.1 */
		if (p->vpos < 7 ? c != "HTTP/1."[p->vpos] :
				p->vpos > 7 || !is_digit(c))
			p->vs |= V_BAD_VER;
		else if (p->vpos == 7 && c == '0')
			p->flags |= F_V10;
		p->vpos++;	/* at most APP_HTTP_MAX_LINE */
		return;
	}
}

/* The LF of a request line: its faults in the order of the checks the
 * line-buffer parser made (the method's SP, the method, the target's
 * SP, the target, the version). */
static int
request_end(struct app_http *p)
{
	if (p->ls == RL_METHOD)
		return fail(p, E_REQ_LINE);
	if (p->ls == RL_TARGET)
		return fail(p, p->err == E_METHOD ? E_METHOD : E_REQ_LINE);
	if (p->err != E_NONE)
		return fail(p, p->err);
	if (p->vpos != 8 || (p->vs & V_BAD_VER))
		return fail(p, E_VERSION);
	return APP_HTTP_MORE;
}

/* Byte @p c at @p pos of HTTP-version SP 3DIGIT SP [reason-phrase] (RFC
 * 9112 4; a missing SP after the code is tolerated). */
static void
status_byte(struct app_http *p, char c, unsigned int pos)
{
	if (pos < 7) {
		if (c != "HTTP/1."[pos])
			fault(p, E_STATUS_LINE);
	} else if (pos == 7) {
		if (!is_digit(c))
			fault(p, E_STATUS_LINE);
		else if (c == '0')
			p->flags |= F_V10;
	} else if (pos == 8) {
		if (c != ' ')
			fault(p, E_STATUS_LINE);
	} else if (pos < 12) {
		if (!is_digit(c) || (pos == 9 && c == '0'))
			fault(p, E_STATUS_CODE);
		else
			p->status = (uint16_t)(p->status * 10 + (c - '0'));
	} else if (pos == 12 && c != ' ') {
		fault(p, E_STATUS_CODE);
	} else if ((unsigned char)c < 0x20 && c != '\t') {
		fault(p, E_REASON);
	}
}

/* The LF of a status line. */
static int
status_end(struct app_http *p)
{
	if (p->err != E_NONE)
		return fail(p, p->err);
	if (p->line_len <= 8)
		return fail(p, E_STATUS_LINE);
	if (p->line_len < 12)
		return fail(p, E_STATUS_CODE);
	return APP_HTTP_MORE;
}

/* A complete start line: empty lines before it are skipped (RFC 9112
 * 2.2). */
static int
start_end(struct app_http *p)
{
	int rc;

	if (p->line_len == 0)
		return APP_HTTP_MORE;
	rc = p->kind == APP_HTTP_REQUEST ? request_end(p) : status_end(p);
	if (rc == APP_HTTP_MORE)
		p->phase = PH_HEADER;
	return rc;
}

/* ---- header lines ---- */

/* A fault of the value: noted, the rest of the line skipped. */
static void
value_fault(struct app_http *p, uint8_t e)
{
	fault(p, e);
	p->ls = (uint8_t)((p->ls & ~HL_PART) | HL_SKIP);
}

/* The end of a Content-Length element: 1*DIGIT, equal to any seen
 * before (RFC 9112 6.3 item 5: differing values are unrecoverable). */
static void
cl_elem_end(struct app_http *p)
{
	if (p->vs & V_IN) {
		if ((p->flags & F_CL) && p->body_left != p->content_length) {
			value_fault(p, E_CL_CONFLICT);
			return;
		}
		p->flags |= F_CL;
		p->content_length = p->body_left;
	}
	p->body_left = 0;
	p->vs &= V_ANY;
}

/* A byte of Content-Length: a list of decimals (RFC 9110 5.6.1: OWS
 * around elements, empty ones skipped), read into body_left. */
static void
cl_byte(struct app_http *p, char c)
{
	if (c == ',') {
		cl_elem_end(p);
		return;
	}
	if (is_ows(c)) {
		if (p->vs & V_IN)
			p->vs |= V_OWS;
		return;
	}
	p->vs |= V_ANY;
	if (!is_digit(c) || (p->vs & V_OWS)) {
		value_fault(p, E_CL);
		return;
	}
	if (p->body_left > (UINT64_MAX / 2 - 9) / 10) {
		value_fault(p, E_CL_LARGE);
		return;
	}
	p->body_left = p->body_left * 10 + (uint64_t)(c - '0');
	p->vs |= V_IN;
}

/* The end of a Connection or Transfer-Encoding element: an option, or
 * the coding before its parameters, compared whole, case-insensitively
 * (RFC 9110 7.6.1, RFC 9112 6.1). Chunked as the last coding makes the
 * response chunked (6.3 item 4). */
static void
elem_end(struct app_http *p, unsigned int fld)
{
	if (p->vs & V_IN) {
		bool a = !(p->vs & V_NOT_A) && p->vpos == (fld == FLD_CONN ? 5 : 7);

		if (fld == FLD_TE)
			p->flags = (uint8_t)(a ? p->flags | F_CHUNKED :
				p->flags & ~F_CHUNKED);
		else if (a)
			p->flags |= F_CLOSE;
		else if (!(p->vs & V_NOT_B) && p->vpos == 10)
			p->flags |= F_KEEP;
	}
	p->vs = 0;
	p->vpos = 0;
}

/* A byte of a Connection or Transfer-Encoding list: each element
 * matched as it streams past ("close", "keep-alive"; "chunked"), OWS
 * inside it spoiling the match, OWS around it not. */
static void
elem_byte(struct app_http *p, char c, unsigned int fld)
{
	char l = lower(c);

	if (c == ',') {
		elem_end(p, fld);
		return;
	}
	if (p->vs & V_PARAM)
		return;
	if (is_ows(c)) {
		if (p->vs & V_IN)
			p->vs |= V_OWS;
		return;
	}
	p->vs |= V_IN;
	if (c == ';' && fld == FLD_TE) {
		p->vs |= V_PARAM;
		return;
	}
	if (p->vs & V_OWS) {
		p->vs |= V_NOT_A | V_NOT_B;
		return;
	}
	if (fld == FLD_TE) {
		if (p->vpos >= 7 || l != "chunked"[p->vpos])
			p->vs |= V_NOT_A;
	} else {
		if (p->vpos >= 5 || l != "close"[p->vpos])
			p->vs |= V_NOT_A;
		if (p->vpos >= 10 || l != "keep-alive"[p->vpos])
			p->vs |= V_NOT_B;
	}
	p->vpos++;	/* at most APP_HTTP_MAX_LINE */
}

/* The colon after a field name of @p n bytes: which field it is. */
static void
name_end(struct app_http *p, unsigned int n)
{
	unsigned int fld = FLD_NONE;

	if (n == 0)
		fault(p, E_EMPTY_NAME);
	for (unsigned int i = 0; i < 3; i++)
		if (!(p->vs & (1u << i)) && field_len[i] == n)
			fld = i + 1;
	p->vs = 0;
	p->vpos = 0;
	p->ls = (uint8_t)(fld << FLD_SHIFT | HL_VALUE);
	if (p->err != E_NONE || fld == FLD_NONE ||
			(fld == FLD_TE && p->kind == APP_HTTP_REQUEST)) {
		p->ls = (uint8_t)(fld << FLD_SHIFT | HL_SKIP);
		return;
	}
	if (fld == FLD_TE)	/* a response: its last coding decides */
		p->flags = (uint8_t)((p->flags | F_TE) & ~F_CHUNKED);
}

/* Byte @p c at @p pos of a header line: field-name ":" OWS field-value
 * OWS (RFC 9112 5). The name must be tchars up to the colon, and is
 * matched against the three fields that frame a message as it goes;
 * only their values are read. */
static void
header_byte(struct app_http *p, char c, unsigned int pos)
{
	unsigned int fld = (unsigned int)p->ls >> FLD_SHIFT;

	switch (p->ls & HL_PART) {
	case HL_NAME:
		if (c == ':') {
			name_end(p, pos);
			return;
		}
		if (pos == 0 && is_ows(c)) {
			fault(p, E_FOLD);
			p->ls = HL_SKIP;
			return;
		}
		if (!is_tchar((unsigned char)c))
			fault(p, is_ows(c) ? E_WS_COLON : E_NAME);
		for (unsigned int i = 0, live = ~p->vs & 7u; live != 0;
				i++, live >>= 1)
			if ((live & 1) && (pos >= field_len[i] ||
					lower(c) != fields[i][pos]))
				p->vs |= (uint8_t)(1u << i);
		return;
	case HL_VALUE:
		if (fld == FLD_CL)
			cl_byte(p, c);
		else
			elem_byte(p, c, fld);
		return;
	default:
		return;
	}
}

/* Whether the @p k bytes at @p s are field FLD_x @p fld's name. */
static bool
name_is(const char *s, size_t k, unsigned int fld)
{
	if (k != field_len[fld - 1])
		return false;
	for (size_t j = 0; j < k; j++)
		if (lower(s[j]) != fields[fld - 1][j])
			return false;
	return true;
}

/*
 * The bulk step of a header name: when the run @p s of @p n bytes at the
 * start of a header line holds the colon within the part read, take the
 * name and the colon at once, as header_byte() would a byte at a time.
 * Returns the bytes taken (0: declined, nothing changed).
 */
static size_t
name_bulk(struct app_http *p, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n < APP_HTTP_MAX_LINE ? n : APP_HTTP_MAX_LINE);
	size_t k;

	if (colon == NULL || colon == s || is_ows(s[0]))
		return 0;
	k = (size_t)(colon - s);
	for (size_t j = 0; j < k; j++)
		if (!is_tchar((unsigned char)s[j])) {
			fault(p, is_ows(s[j]) ? E_WS_COLON : E_NAME);
			break;
		}
	p->vs = 7;	/* every field ruled out but the one named */
	for (unsigned int fld = FLD_CL; fld <= FLD_TE; fld++)
		if (name_is(s, k, fld))
			p->vs = (uint8_t)(7u & ~(1u << (fld - 1)));
	name_end(p, (unsigned int)k);
	return k + 1;
}

/* Whether @p e is a fault of a field name. */
static bool
name_fault(uint8_t e)
{
	return e == E_EMPTY_NAME || e == E_WS_COLON || e == E_NAME;
}

/* The LF of a header line, or the empty line ending the block. Refused:
 * obs-fold (RFC 9112 5.2), a line without a colon in the part read, a
 * bad name, a line of a field the framing reads that is longer than
 * that part, a request's Transfer-Encoding, a bad value. */
static int
header_end(struct app_http *p)
{
	unsigned int fld = (unsigned int)p->ls >> FLD_SHIFT;

	if (p->line_len == 0)
		return app_http_head_done(p);
	if (p->err == E_FOLD)
		return fail(p, E_FOLD);
	if ((p->ls & HL_PART) == HL_NAME)
		return truncated(p) ? APP_HTTP_MORE : fail(p, E_NO_COLON);
	if (name_fault(p->err))
		return fail(p, p->err);
	if (fld != FLD_NONE && truncated(p))
		return fail(p, E_HDR_LINE_LONG);
	if (fld == FLD_TE && p->kind == APP_HTTP_REQUEST)
		return fail(p, E_TE_REQUEST);
	if (p->err != E_NONE)
		return fail(p, p->err);
	if (fld == FLD_CL) {
		if (!(p->vs & V_ANY))
			return fail(p, E_CL);
		cl_elem_end(p);
		if (p->err != E_NONE)
			return fail(p, p->err);
	} else if (fld != FLD_NONE) {
		elem_end(p, fld);
	}
	return APP_HTTP_MORE;
}

/* ---- chunked bodies ---- */

/* Byte @p c of chunk-size [ BWS ";" chunk-ext ] (RFC 9112 7.1): the
 * size into body_left, vpos counting its digits. */
static void
chunk_size_byte(struct app_http *p, char c)
{
	char l = lower(c);

	if (p->ls == CS_DIGITS) {
		if (is_digit(c) || (l >= 'a' && l <= 'f')) {
			if (p->vpos == MAX_CHUNK_DIGITS) {
				fault(p, E_CHUNK_LARGE);
				p->ls = CS_EXT;
				return;
			}
			p->body_left = p->body_left << 4 |
				(uint64_t)(is_digit(c) ? c - '0' : l - 'a' + 10);
			p->vpos++;
			return;
		}
		p->ls = CS_OWS;
		if (p->vpos == 0) {
			fault(p, E_CHUNK_SIZE);
			p->ls = CS_EXT;
			return;
		}
	}
	if (p->ls != CS_OWS || is_ows(c))
		return;
	if (c != ';')
		fault(p, E_CHUNK_SIZE);
	p->ls = CS_EXT;
}

/* The LF of a chunk-size line: a chunk's data follows, or, after the
 * last chunk, the trailer section. */
static int
chunk_size_end(struct app_http *p)
{
	if (p->err != E_NONE)
		return fail(p, p->err);
	if (p->ls == CS_DIGITS && p->vpos == 0)
		return fail(p, E_CHUNK_SIZE);
	if (p->ls != CS_EXT && truncated(p))
		return fail(p, E_CHUNK_LINE_LONG);
	if (p->body_left == 0) {
		p->head_len = 0;
		p->phase = PH_TRAILER;
	} else {
		p->phase = PH_CHUNK_DATA;
	}
	return APP_HTTP_MORE;
}

/* Byte @p c at @p pos of a trailer line: only its colon and fold. */
static void
trailer_byte(struct app_http *p, char c, unsigned int pos)
{
	if (pos == 0 && is_ows(c))
		fault(p, E_FOLD);
	if (c == ':')
		p->ls = TL_COLON;
}

/* A trailer line: skipped (but folded or colon-less ones refused); the
 * empty line ends the message. */
static int
trailer_end(struct app_http *p)
{
	if (p->line_len == 0)
		return done(p);
	if (p->err == E_FOLD)
		return fail(p, E_FOLD);
	if (p->ls != TL_COLON && !truncated(p))
		return fail(p, E_TRAILER_COLON);
	return APP_HTTP_MORE;
}

/* ---- lines ---- */

/* Byte @p c at @p pos (below APP_HTTP_MAX_LINE) of the current line. */
static inline void
line_content(struct app_http *p, char c, unsigned int pos)
{
	switch (p->phase) {
	case PH_START:
		if (p->kind == APP_HTTP_REQUEST)
			request_byte(p, c, pos);
		else
			status_byte(p, c, pos);
		return;
	case PH_HEADER:
		header_byte(p, c, pos);
		return;
	case PH_CHUNK_SIZE:
		chunk_size_byte(p, c);
		return;
	case PH_TRAILER:
		trailer_byte(p, c, pos);
		return;
	default:	/* PH_CHUNK_END: any byte is an error at the LF */
		return;
	}
}

/* Whether the rest of the current line is only counted: its bytes can
 * change nothing but its length. */
static inline bool
line_idle(const struct app_http *p)
{
	switch (p->phase) {
	case PH_HEADER:
		return (p->ls & HL_PART) == HL_SKIP;
	case PH_CHUNK_SIZE:
		return p->ls == CS_EXT;
	case PH_TRAILER:
		return p->ls == TL_COLON || p->err != E_NONE;
	default:
		return p->phase == PH_CHUNK_END;
	}
}

/* The LF: the line is complete; start the next. */
static int
line_end(struct app_http *p)
{
	int rc;

	switch (p->phase) {
	case PH_START:
		rc = start_end(p);
		break;
	case PH_HEADER:
		rc = header_end(p);
		break;
	case PH_CHUNK_SIZE:
		rc = chunk_size_end(p);
		break;
	case PH_CHUNK_END:
		rc = p->line_len != 0 ? fail(p, E_CHUNK_END) : APP_HTTP_MORE;
		if (rc == APP_HTTP_MORE)
			p->phase = PH_CHUNK_SIZE;
		break;
	default:
		rc = trailer_end(p);
		break;
	}
	p->line_len = 0;
	p->ls = p->vs = p->vpos = 0;
	if (rc != APP_HTTP_ERROR)
		p->err = E_NONE;
	return rc;
}

/* One byte of a line-oriented phase. Errors of a byte (bare CR, NUL)
 * and of a length are reported at that byte, before the line ends. */
static int
line_phase_byte(struct app_http *p, char c)
{
	if (in_head(p) && ++p->head_len > APP_HTTP_MAX_HEAD)
		return fail(p, E_BLOCK_LARGE);
	if (p->flags & F_CR) {
		p->flags &= (uint8_t)~F_CR;
		if (c != '\n')
			return fail(p, E_BARE_CR);
	}
	if (c == '\n')
		return line_end(p);
	if (c == '\r') {
		p->flags |= F_CR;
		return APP_HTTP_MORE;
	}
	if (c == '\0')
		return fail(p, E_NUL);
	if (p->line_len < APP_HTTP_MAX_LINE)
		line_content(p, c, p->line_len);
	if (++p->line_len > line_limit(p))
		return line_too_long(p);
	return APP_HTTP_MORE;
}

/*
 * The bulk step of a line phase: the run of ordinary bytes (no CR, LF or
 * NUL) at @p buf, with the same limits line_phase_byte() applies one
 * byte at a time; once the line is idle (line_idle()) only counted.
 * Returns the bytes taken (0: the next byte needs line_phase_byte()).
 */
static size_t
line_run(struct app_http *p, const char *buf, size_t len)
{
	size_t n = 0, i = 0;

	if (p->flags & F_CR)
		return 0;
	while (n < len && buf[n] != '\r' && buf[n] != '\n' && buf[n] != '\0')
		n++;
	if (n == 0)
		return 0;
	if ((in_head(p) && p->head_len + n > APP_HTTP_MAX_HEAD) ||
			p->line_len + n > line_limit(p))
		return 0;	/* line_phase_byte() fails at the right byte */
	if (in_head(p))
		p->head_len = (uint16_t)(p->head_len + n);
	if (p->phase == PH_HEADER && p->line_len == 0) {
		size_t k = name_bulk(p, buf, n);

		i += k;
		p->line_len = (uint16_t)k;
	}
	while (i < n && p->line_len < APP_HTTP_MAX_LINE && !line_idle(p)) {
		unsigned int pos = p->line_len++;

		line_content(p, buf[i++], pos);
	}
	p->line_len = (uint16_t)(p->line_len + (n - i));
	return n;
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
	uint32_t f = p->flags;

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
	uint32_t f = p->flags;

	p->keep_alive = !(f & F_CLOSE) && (!(f & F_V10) || (f & F_KEEP));
	if (p->kind == APP_HTTP_RESPONSE)
		return response_body(p);
	return fixed_body(p, (f & F_CL) ? p->content_length : 0);
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
		rc = fail(p, E_AFTER_DONE);
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

/* A whole head in @p buf goes through the fast path (through memo @p m
 * when there is one), the rest (its body, or everything when the fast
 * path declines) through the strict one. */
int
app_http_feed_memo(struct app_http *p, struct app_http_memo *m,
	const char *buf, size_t len, size_t *used)
{
	size_t head = m != NULL ? app_http_memo_head(p, m, buf, len) :
		app_http_fast_head(p, buf, len), rest;
	int rc;

	if (head == 0)
		return app_http_feed_strict(p, buf, len, used);
	if (p->phase == PH_DONE) {
		rc = APP_HTTP_DONE;
		rest = 0;
	} else if (p->phase == PH_BODY && len - head >= p->body_left) {
		rest = (size_t)p->body_left;	/* the whole body is here */
		p->body_left = 0;
		rc = done(p);
	} else {
		rc = app_http_feed_strict(p, buf + head, len - head, &rest);
	}
	if (used != NULL)
		*used = head + rest;
	return rc;
}

int
app_http_feed(struct app_http *p, const char *buf, size_t len, size_t *used)
{
	return app_http_feed_memo(p, NULL, buf, len, used);
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
		return fail(p, E_EOF_BEFORE);
	if (p->phase == PH_DONE)
		return fail(p, E_EOF_AFTER);
	return fail(p, E_TRUNCATED);
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
	const struct app_http_req r = { .host = host, .path = path,
		.keep_alive = keep_alive };

	return app_http_request_head(out, cap, &r);
}

/* The length of the token at @p s (0: none). */
static size_t
token_len(const char *s)
{
	size_t k = 0;

	while (is_tchar((unsigned char)s[k]))
		k++;
	return k;
}

/* Header line @p h is "token: value" with @p name as its token
 * (case-insensitive, RFC 9110 5.1). */
static bool
hdr_is(const char *h, const char *name)
{
	size_t k = strlen(name);

	return strncasecmp(h, name, k) == 0 && h[k] == ':';
}

/* Extra header lines name a header the generator owns. */
static bool
hdr_owned(const char *h)
{
	return hdr_is(h, "Connection") || hdr_is(h, "Content-Length") ||
		hdr_is(h, "Transfer-Encoding");
}

const char *
app_http_req_check(const struct app_http_req *r)
{
	const char *m = r->method != NULL ? r->method : "GET";

	if (m[0] == '\0' || m[token_len(m)] != '\0')
		return "the method is not a token (RFC 9110 9.1)";
	if (r->path == NULL || r->path[0] == '\0' || !plain(r->path, false))
		return "the path is empty or has a space or a byte outside printable ASCII";
	if (r->host == NULL || !plain(r->host, false))
		return "the host has a space or a byte outside printable ASCII";
	for (unsigned int i = 0; i < r->n_hdr; i++) {
		const char *h = r->hdr[i];
		size_t k = token_len(h);

		if (k == 0 || h[k] != ':' || !plain(h + k + 1, true))
			return "a header is not 'Name: value' with a printable value";
		if (hdr_owned(h))
			return "Connection, Content-Length and Transfer-Encoding follow "
				"--mode and --body-size and cannot be given";
	}
	return NULL;
}

/* Bytes @p fmt adds at @p out + *@p at, within @p cap; false when it
 * does not fit. */
static bool __attribute__((format(printf, 4, 5)))
put(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *at, cap - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *at)
		return false;
	*at += (size_t)n;
	return true;
}

/* The extra line naming @p name, or NULL. */
static const char *
hdr_find(const struct app_http_req *r, const char *name)
{
	for (unsigned int i = 0; i < r->n_hdr; i++)
		if (hdr_is(r->hdr[i], name))
			return r->hdr[i];
	return NULL;
}

size_t
app_http_request_head(char *out, size_t cap, const struct app_http_req *r)
{
	const char *m = r->method != NULL ? r->method : "GET";
	bool body = r->body_len > 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0;
	size_t at = 0;
	bool ok;

	if (app_http_req_check(r) != NULL || cap == 0)
		return 0;
	ok = put(out, cap, &at, "%s %s HTTP/1.1\r\n", m, r->path);
	if (ok && hdr_find(r, "Host") == NULL)
		ok = put(out, cap, &at, "Host: %s\r\n", r->host);
	if (ok && hdr_find(r, "User-Agent") == NULL)
		ok = put(out, cap, &at, "User-Agent: dpstack\r\n");
	ok = ok && put(out, cap, &at, "Connection: %s\r\n",
		r->keep_alive ? "keep-alive" : "close");
	for (unsigned int i = 0; ok && i < r->n_hdr; i++)
		ok = put(out, cap, &at, "%s\r\n", r->hdr[i]);
	if (ok && body)
		ok = put(out, cap, &at, "Content-Length: %" PRIu64 "\r\n", r->body_len);
	ok = ok && put(out, cap, &at, "\r\n");
	return ok ? at : 0;
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
