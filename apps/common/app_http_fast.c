/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 framing, the fast path: a whole message head in one buffer,
 * read in place (see app_http.c for why there are two paths and how they
 * are kept equal).
 *
 * A scan of 32 bytes at a time (SSE2 on x86_64, a portable loop
 * elsewhere) finds the line ends and, in the same pass, what the fast
 * path leaves to the strict one: a NUL, a CR not followed by LF, an LF
 * not preceded by CR (RFC 9112 2.2 allows a bare LF; the strict path
 * takes it). Each line is then read where it lies; the CR before its LF
 * stops every scan within it, so no scan needs a bound. A header name
 * is checked 16 bytes at a time where SSSE3 is there (token_end()), then
 * dispatched by length and compared a word at a time, case folded by OR
 * 0x20 (RFC 9110 5.1: field names are case-insensitive).
 *
 * Accepted: a start line of at most APP_HTTP_MAX_LINE bytes (the most
 * the strict path takes); header lines of at most that; Content-Length as one
 * decimal, Transfer-Encoding (responses) as just "chunked", Connection
 * as any list; a head of at most APP_HTTP_MAX_HEAD bytes. Anything else
 * declines.
 */
#include <stddef.h>
#include <string.h>
#include "app_http_int.h"

#if defined(__SSE2__) && !defined(APP_HTTP_SCALAR)
#include <emmintrin.h>
#endif
#if defined(__SSSE3__) && !defined(APP_HTTP_SCALAR)
#include <tmmintrin.h>
#endif

#define BLOCK 32		/* bytes a scan step looks at */
#define MAX_LINE APP_HTTP_MAX_LINE	/* what the strict path reads of a line */
#define FOLD32 0x20202020u
#define FOLD64 0x2020202020202020ull

/* Bit i set where byte i of a block is LF, CR, NUL. */
struct block_bits {
	uint32_t lf, cr, nul;
};

#if defined(__SSE2__) && !defined(APP_HTTP_SCALAR)
/* Bits of the 32 bytes in @p a, @p b equal to @p c. */
static inline uint32_t
eq32(__m128i a, __m128i b, char c)
{
	__m128i v = _mm_set1_epi8(c);

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, v)) |
		(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, v)) << 16;
}

/* The bits of the 32 bytes at @p s: two SSE2 compares per byte class. */
static inline void
block_bits(const char *s, struct block_bits *m)
{
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));

	m->lf = eq32(a, b, '\n');
	m->cr = eq32(a, b, '\r');
	m->nul = eq32(a, b, '\0');
}
#else
/* The bits of the 32 bytes at @p s, a byte at a time. */
static inline void
block_bits(const char *s, struct block_bits *m)
{
	m->lf = m->cr = m->nul = 0;
	for (unsigned int i = 0; i < BLOCK; i++) {
		m->lf |= (uint32_t)(s[i] == '\n') << i;
		m->cr |= (uint32_t)(s[i] == '\r') << i;
		m->nul |= (uint32_t)(s[i] == '\0') << i;
	}
}
#endif

/* The line ends of a head, a block at a time. */
struct head_scan {
	const char *buf;
	uint32_t len;		/* bytes that may be scanned */
	uint32_t next;		/* offset of the block to load next */
	uint32_t base;		/* offset of the loaded block */
	uint32_t lf;		/* its LF bits not yet taken */
	uint32_t carry;		/* 1: the block before ended in CR */
	bool stop;		/* a byte for the strict path follows lf's bits */
};

/* Load the next block: its LFs, up to the first byte the fast path does
 * not take. The last, short block is copied out first: no read past
 * the buffer. */
static void
scan_block(struct head_scan *s)
{
	uint32_t k = s->len - s->next, valid = UINT32_MAX, bad;
	struct block_bits m;

	if (k >= BLOCK) {
		block_bits(s->buf + s->next, &m);
	} else {
		char tail[BLOCK] = { 0 };

		memcpy(tail, s->buf + s->next, k);
		block_bits(tail, &m);
		valid = (1u << k) - 1;
	}
	/* every LF right after a CR and every CR right before an LF */
	bad = (m.nul | (m.lf ^ (m.cr << 1 | s->carry))) & valid;
	s->carry = m.cr >> 31;
	s->lf = m.lf & valid;
	if (bad != 0) {
		s->lf &= (1u << __builtin_ctz(bad)) - 1;
		s->stop = true;
	}
	s->base = s->next;
	s->next += BLOCK;
}

/* The offset of the next LF (a CR before it), or -1: none the fast
 * path may use. */
static inline int32_t
next_lf(struct head_scan *s)
{
	uint32_t b;

	while (s->lf == 0) {
		if (s->stop || s->next >= s->len)
			return -1;
		scan_block(s);
	}
	b = (uint32_t)__builtin_ctz(s->lf);
	s->lf &= s->lf - 1;
	return (int32_t)(s->base + b);
}

/* What a head says, kept apart until all of it is read. */
struct head {
	uint32_t flags;		/* F_* as the strict path gathers them */
	uint64_t content_length;
	uint16_t status;
	uint8_t method;
};

static inline uint32_t
ld32(const char *s)
{
	uint32_t v;

	memcpy(&v, s, sizeof(v));
	return v;
}

static inline uint64_t
ld64(const char *s)
{
	uint64_t v;

	memcpy(&v, s, sizeof(v));
	return v;
}

/*
 * Whether the @p n bytes (4 to 24) at @p s are @p lit (lower case),
 * ASCII case ignored: overlapping words with 0x20 ORed into every byte.
 * Exact when @p lit holds only letters and '-': only 'A'-'Z' fold onto
 * letters, and only CR (never inside a line) onto '-'.
 */
static inline bool
fold_eq(const char *s, const char *lit, size_t n)
{
	if (n < 8)
		return (ld32(s) | FOLD32) == ld32(lit) &&
			(ld32(s + n - 4) | FOLD32) == ld32(lit + n - 4);
	return (ld64(s) | FOLD64) == ld64(lit) &&
		(ld64(s + n - 8) | FOLD64) == ld64(lit + n - 8) &&
		(n <= 16 || (ld64(s + 8) | FOLD64) == ld64(lit + 8));
}

/* tchar (RFC 9110 5.6.2): DIGIT, ALPHA and !#$%&'*+-.^_`|~ ; bytes from
 * 0x80 are not. A byte table, the cheapest test in the name scans; the
 * strict path's is_tchar() spells the same set as 128 bits, and the
 * tests hold each to the other on every byte value. */
static const uint8_t tchar_map[256] = {	/* from 0x80: 0 */
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x00 */
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x10 */
	0,1,0,1,1,1,1,1,0,0,1,1,0,1,1,0,	/* 0x20 */
	1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,	/* 0x30 */
	0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x40 */
	1,1,1,1,1,1,1,1,1,1,1,0,0,0,1,1,	/* 0x50 */
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x60 */
	1,1,1,1,1,1,1,1,1,1,1,0,1,0,1,0,	/* 0x70 */
};

static inline bool
tchar(char c)
{
	unsigned char u = (unsigned char)c;

	return tchar_map[u];
}

#if defined(__SSSE3__) && !defined(APP_HTTP_SCALAR)
/*
 * Bit i set where byte i of the 16 at @p s is a tchar: the same set as
 * tchar_map, by two table look-ups of 16 entries (PSHUFB), one by the
 * byte's low nibble and one by its high nibble. A row of the ASCII table
 * (0x20-0x2f, ..., 0x70-0x7f) is one bit of the high look-up, and the
 * low look-up sets, for each low nibble, the bits of the rows where
 * that byte is a tchar; a byte is one when the two share a bit. Rows
 * 0x00-0x1f and from 0x80 have no bit (PSHUFB also gives 0 for an index
 * with its top bit set, which no high nibble has after the mask).
 */
static inline uint32_t
tchar16(const char *s)
{
	const __m128i lo_t = _mm_setr_epi8(0x3a, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f,
		0x3f, 0x3f, 0x3e, 0x3e, 0x3d, 0x15, 0x34, 0x15, 0x3d, 0x1c);
	const __m128i hi_t = _mm_setr_epi8(0, 0, 0x01, 0x02, 0x04, 0x08, 0x10,
		0x20, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i lo = _mm_shuffle_epi8(lo_t, _mm_and_si128(v, nib));
	__m128i hi = _mm_shuffle_epi8(hi_t,
		_mm_and_si128(_mm_srli_epi16(v, 4), nib));
	__m128i none = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());

	return (uint32_t)_mm_movemask_epi8(none) ^ 0xffffu;
}
#endif

/*
 * The first byte at or after @p c that is not a tchar. @p lim is the end
 * of the buffer: 16 bytes are read at a time while they lie before it,
 * then a byte at a time. The line's CR ends the run in any case, so the
 * caller's line bounds every scan.
 */
static inline const char *
token_end(const char *c, const char *lim)
{
#if defined(__SSSE3__) && !defined(APP_HTTP_SCALAR)
	while (lim - c >= 16) {
		uint32_t t = tchar16(c);

		if (t != 0xffffu)
			return c + __builtin_ctz(~t);
		c += 16;
	}
#else
	(void)lim;
#endif
	while (tchar(*c))
		c++;
	return c;
}

static inline bool
ows(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/1." DIGIT at @p v (RFC 9112 2.3). */
static bool
version(const char *v, struct head *h)
{
	if (memcmp(v, "HTTP/1.", 7) != 0 || !digit(v[7]))
		return false;
	if (v[7] == '0')
		h->flags |= F_V10;
	return true;
}

/* The method token [@p m, +@p n), case-sensitive (RFC 9110 9.1). */
static uint8_t
method(const char *m, size_t n)
{
	if (n == 3)
		return memcmp(m, "GET", 3) == 0 ? APP_HTTP_GET :
			memcmp(m, "PUT", 3) == 0 ? APP_HTTP_PUT : APP_HTTP_OTHER;
	if (n == 4)
		return memcmp(m, "HEAD", 4) == 0 ? APP_HTTP_HEAD :
			memcmp(m, "POST", 4) == 0 ? APP_HTTP_POST : APP_HTTP_OTHER;
	return APP_HTTP_OTHER;
}

/* method SP request-target SP HTTP-version (RFC 9112 3), @p n bytes. */
static bool
request_line(const char *l, size_t n, struct head *h)
{
	const char *c = l, *t;

	while (tchar(*c))
		c++;
	if (*c != ' ' || c == l)
		return false;
	h->method = method(l, (size_t)(c - l));
	t = ++c;
	while ((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f)
		c++;
	return *c == ' ' && c != t && l + n - c == 9 && version(c + 1, h);
}

/* HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 4), @p n bytes. */
static bool
status_line(const char *l, size_t n, struct head *h)
{
	if (n < 12 || !version(l, h) || l[8] != ' ' || l[9] < '1' ||
			l[9] > '9' || !digit(l[10]) || !digit(l[11]) ||
			(n > 12 && l[12] != ' '))
		return false;
	for (const char *c = l + 12; c < l + n; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return false;
	h->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 +
		(l[11] - '0'));
	return true;
}

/* Content-Length: OWS 1*DIGIT OWS, as the one value or equal to the one
 * before (RFC 9112 6.3 item 5). */
static bool
content_length(const char *v, const char *end, struct head *h)
{
	uint64_t n = 0;

	while (ows(*v))
		v++;
	if (!digit(*v))
		return false;
	for (; digit(*v); v++) {
		if (n > (UINT64_MAX / 2 - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	while (ows(*v))
		v++;
	if (v != end || ((h->flags & F_CL) && n != h->content_length))
		return false;
	h->flags |= F_CL;
	h->content_length = n;
	return true;
}

/* [@p *a, @p *b) without OWS at either end. */
static void
trim(const char **a, const char **b)
{
	while (*a < *b && ows(**a))
		(*a)++;
	while (*b > *a && ows((*b)[-1]))
		(*b)--;
}

/* Transfer-Encoding of a response: just "chunked" (RFC 9112 6.1). */
static bool
transfer_encoding(const char *v, const char *end, struct head *h)
{
	trim(&v, &end);
	if (end - v != 7 || !fold_eq(v, "chunked", 7))
		return false;
	h->flags |= F_TE | F_CHUNKED;
	return true;
}

/* Connection: the close and keep-alive options of the list (RFC 9110
 * 7.6.1); others are ignored, as the strict path does. */
static void
connection(const char *v, const char *end, struct head *h)
{
	const char *va = v, *vb = end;

	/* the usual value, one option alone: neither literal has a comma,
	 * so a match is the whole list */
	trim(&va, &vb);
	if (vb - va == 5 && fold_eq(va, "close", 5)) {
		h->flags |= F_CLOSE;
		return;
	}
	if (vb - va == 10 && fold_eq(va, "keep-alive", 10)) {
		h->flags |= F_KEEP;
		return;
	}
	while (v < end) {
		const char *a = v, *b;

		while (v < end && *v != ',')
			v++;
		b = v;
		if (v < end)
			v++;
		trim(&a, &b);
		if (b - a == 5 && fold_eq(a, "close", 5))
			h->flags |= F_CLOSE;
		else if (b - a == 10 && fold_eq(a, "keep-alive", 10))
			h->flags |= F_KEEP;
	}
}

/* One header line of @p n bytes (not empty) of a buffer that ends at
 * @p lim: name ":" value (RFC 9112 5). The three fields that frame a
 * message are read, by length first. */
static bool
header_line(enum app_http_kind kind, const char *l, size_t n,
	const char *lim, struct head *h)
{
	const char *c = token_end(l, lim), *end = l + n;

	if (*c != ':' || c == l)
		return false;	/* obs-fold, no colon, bad or empty name */
	switch (c - l) {
	case 10:
		if (fold_eq(l, "connection", 10))
			connection(c + 1, end, h);
		return true;
	case 14:
		return !fold_eq(l, "content-length", 14) ||
			content_length(c + 1, end, h);
	case 17:
		return !fold_eq(l, "transfer-encoding", 17) ||
			(kind == APP_HTTP_RESPONSE &&
				transfer_encoding(c + 1, end, h));
	default:
		return true;
	}
}

/* Read the head, line by line; returns its length or 0 (declined). */
static size_t
read_head(enum app_http_kind kind, const char *buf, size_t len,
	struct head *h)
{
	struct head_scan s = { .buf = buf,
		.len = (uint32_t)(len < APP_HTTP_MAX_HEAD ? len : APP_HTTP_MAX_HEAD) };
	int32_t lf = next_lf(&s), start;

	if (lf <= 1 || lf - 1 > MAX_LINE)
		return 0;	/* none, a leading empty line, or too long */
	if (kind == APP_HTTP_REQUEST ? !request_line(buf, (size_t)lf - 1, h) :
			!status_line(buf, (size_t)lf - 1, h))
		return 0;
	for (;;) {
		start = lf + 1;
		lf = next_lf(&s);
		if (lf < 0 || lf - 1 - start > MAX_LINE)
			return 0;
		if (lf - 1 == start)
			return (size_t)lf + 1;
		if (!header_line(kind, buf + start, (size_t)(lf - 1 - start),
				buf + len, h))
			return 0;
	}
}

/* A head of @p n bytes read as @p h: the parser where the strict path
 * leaves it, settled by the strict path's own app_http_head_done(). */
static size_t
settle(struct app_http *p, const struct head *h, size_t n)
{
	p->flags = (uint8_t)h->flags;
	p->content_length = h->content_length;
	p->status = h->status;
	p->method = h->method;
	p->head_len = (uint16_t)n;	/* at most APP_HTTP_MAX_HEAD */
	p->phase = PH_HEADER;
	app_http_head_done(p);
	return n;
}

/* The fast path (see app_http.h): a head read whole, then settled. */
size_t
app_http_fast_head(struct app_http *p, const char *buf, size_t len)
{
	struct head h = { 0 };
	size_t n;

	if (p->phase != PH_START || p->head_len != 0)
		return 0;
	n = read_head((enum app_http_kind)p->kind, buf, len, &h);
	return n == 0 ? 0 : settle(p, &h, n);
}

void
app_http_memo_init(struct app_http_memo *m)
{
	memset(m, 0, offsetof(struct app_http_memo, head));
}

/*
 * The fast path through a memo (see app_http.h). read_head() decides on
 * the head's bytes alone: the scan past its last LF can only drop later
 * LFs, and every other test reads inside its lines. So the same bytes at
 * the start of a buffer of at least as many, for the same kind, read the
 * same.
 */
size_t
app_http_memo_head(struct app_http *p, struct app_http_memo *m,
	const char *buf, size_t len)
{
	struct head h = { 0 };
	size_t n;

	if (p->phase != PH_START || p->head_len != 0)
		return 0;
	if (m->len != 0 && m->kind == p->kind && len >= m->len &&
			memcmp(buf, m->head, m->len) == 0) {
		h.flags = m->flags;
		h.content_length = m->content_length;
		h.status = m->status;
		h.method = m->method;
		return settle(p, &h, m->len);
	}
	n = read_head((enum app_http_kind)p->kind, buf, len, &h);
	if (n == 0)
		return 0;
	if (n <= APP_HTTP_MEMO_MAX) {
		memcpy(m->head, buf, n);
		m->len = (uint16_t)n;
		m->kind = p->kind;
		m->flags = (uint8_t)h.flags;
		m->content_length = h.content_length;
		m->status = h.status;
		m->method = h.method;
	}
	return settle(p, &h, n);
}
