/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP/IPv4 for packet scripts: build what the peer injects, decode what
 * the stack sends (RFC 791, RFC 9293 3.1, RFC 7323, RFC 2018), match it
 * against the script and print either in script syntax.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt_script.h"

#define IP_HLEN		20
#define TCP_HLEN	20
#define PROTO_TCP	6

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* One's-complement sum of @len bytes, RFC 1071, folded to 16 bits. */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t acc)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += get16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* The TCP checksum over the pseudo-header and @tcp (@len bytes). */
static uint16_t
tcp_sum(const uint8_t *ip, const uint8_t *tcp, size_t len)
{
	uint32_t acc = sum16(ip + 12, 8, 0);

	acc += PROTO_TCP + (uint32_t)len;
	return (uint16_t)sum16(tcp, len, acc);
}

/* Write a message into @buf; false, for "return say_false(...)". */
static bool
say_false(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return false;
}

/* One option at @p (@left bytes to the header's end) into @o; its length,
 * or 0 with @err for a malformed one. */
static unsigned int
decode_opt(const uint8_t *p, unsigned int left, struct pkt_opt *o, char *err,
	size_t errlen)
{
	unsigned int len;

	memset(o, 0, sizeof(*o));
	o->kind = p[0];
	if (p[0] == PKT_OPT_EOL || p[0] == PKT_OPT_NOP)
		return 1;
	if (left < 2 || p[1] < 2 || p[1] > left) {
		say_false(err, errlen, "option %u: bad length", p[0]);
		return 0;
	}
	len = p[1];
	switch (p[0]) {
	case PKT_OPT_MSS:
		if (len != 4)
			break;
		o->v[0] = get16(p + 2);
		return len;
	case PKT_OPT_WS:
		if (len != 3)
			break;
		o->v[0] = p[2];
		return len;
	case PKT_OPT_SACKOK:
		if (len != 2)
			break;
		return len;
	case PKT_OPT_TS:
		if (len != 10)
			break;
		o->v[0] = get32(p + 2);
		o->v[1] = get32(p + 6);
		return len;
	case PKT_OPT_SACK:
		if ((len - 2) % 8 != 0 || len < 10 || (len - 2) / 8 > PKT_MAX_SACK)
			break;
		o->nsack = (uint8_t)((len - 2) / 8);
		for (unsigned int i = 0; i < o->nsack; i++) {
			o->sack[i][0] = get32(p + 2 + 8 * i);
			o->sack[i][1] = get32(p + 6 + 8 * i);
		}
		return len;
	default:
		say_false(err, errlen, "unknown option kind %u", p[0]);
		return 0;
	}
	say_false(err, errlen, "option %u: length %u", p[0], len);
	return 0;
}

static bool
decode_opts(const uint8_t *p, unsigned int olen, struct pkt_wire *w, char *err,
	size_t errlen)
{
	struct pkt_seg *s = &w->seg;

	for (unsigned int i = 0; i < olen;) {
		unsigned int n;

		if (s->nopt == PKT_MAX_OPTS)
			return say_false(err, errlen, "more than %d options",
				PKT_MAX_OPTS);
		n = decode_opt(p + i, olen - i, &s->opt[s->nopt], err, errlen);
		if (n == 0)
			return false;
		if (s->opt[s->nopt].kind == PKT_OPT_TS) {
			w->has_ts = true;
			w->tsval = s->opt[s->nopt].v[0];
		}
		s->nopt++;
		i += n;
		if (p[i - n] == PKT_OPT_EOL)
			break;	/* the rest is padding */
	}
	return true;
}

/* A malformed packet: the message in @err, -1. */
#define MALFORMED(...) (say_false(err, errlen, __VA_ARGS__) ? 0 : -1)

int
pkt_decode(const uint8_t *ip, size_t len, struct pkt_wire *w, char *err,
	size_t errlen)
{
	const uint8_t *th;
	unsigned int ihl, tot, hl;

	memset(w, 0, sizeof(*w));
	if (len < IP_HLEN || ip[0] >> 4 != 4 || ip[9] != PROTO_TCP)
		return 1;
	ihl = (ip[0] & 0xfu) * 4;
	tot = get16(ip + 2);
	if (ihl < IP_HLEN || tot < ihl + TCP_HLEN || tot > len)
		return MALFORMED("IPv4 length %u (header %u) in %zu bytes", tot,
			ihl, len);
	if (sum16(ip, ihl, 0) != 0xffff)
		return MALFORMED("IPv4 header checksum");
	th = ip + ihl;
	hl = (th[12] >> 4) * 4u;
	if (hl < TCP_HLEN || hl > tot - ihl)
		return MALFORMED("TCP header length %u", hl);
	if (tcp_sum(ip, th, tot - ihl) != 0xffff)
		return MALFORMED("TCP checksum");
	w->saddr = get32(ip + 12);
	w->daddr = get32(ip + 16);
	w->sport = get16(th);
	w->dport = get16(th + 2);
	w->seg.seq = get32(th + 4);
	w->seg.ack = get32(th + 8);
	w->seg.flags = th[13];
	w->seg.win = get16(th + 14);
	w->seg.len = tot - ihl - hl;
	if (!decode_opts(th + TCP_HLEN, hl - TCP_HLEN, w, err, errlen))
		return -1;
	return 0;
}

void
pkt_wire_relative(struct pkt_wire *w, uint32_t lisn, uint32_t risn)
{
	struct pkt_seg *s = &w->seg;

	s->seq -= lisn;
	s->ack = s->flags & PKT_ACK ? s->ack - risn : 0;
	for (int i = 0; i < s->nopt; i++)
		for (int j = 0; j < s->opt[i].nsack; j++) {
			s->opt[i].sack[j][0] -= risn;
			s->opt[i].sack[j][1] -= risn;
		}
}

/* ---- matching -------------------------------------------------------- */

static bool
opt_match(const struct pkt_opt *w, const struct pkt_opt *g, int i, char *why,
	size_t len)
{
	const char *vname[2] = { w->kind == PKT_OPT_MSS ? "mss" : "wscale",
		"TSecr" };

	if (w->kind != g->kind)
		return say_false(why, len, "option %d: kind %u, expected %u", i,
			g->kind, w->kind);
	if (w->kind == PKT_OPT_TS && !w->wild[0] && w->v[0] != g->v[0])
		return say_false(why, len, "option %d: TSval %u, expected %u", i,
			g->v[0], w->v[0]);
	for (int k = w->kind == PKT_OPT_TS ? 1 : 0; k < 2; k++)
		if (!w->wild[k] && w->v[k] != g->v[k])
			return say_false(why, len, "option %d: %s %u, expected %u", i,
				vname[k], g->v[k], w->v[k]);
	if (w->nsack != g->nsack)
		return say_false(why, len, "option %d: %u SACK blocks, expected %u", i,
			g->nsack, w->nsack);
	for (int j = 0; j < w->nsack; j++)
		if (w->sack[j][0] != g->sack[j][0] || w->sack[j][1] != g->sack[j][1])
			return say_false(why, len, "option %d: SACK block %u:%u, "
				"expected %u:%u", i, g->sack[j][0], g->sack[j][1],
				w->sack[j][0], w->sack[j][1]);
	return true;
}

bool
pkt_match(const struct pkt_seg *want, const struct pkt_seg *got, char *why,
	size_t whylen)
{
	if ((want->flags ^ got->flags) & ~want->flags_any)
		return say_false(why, whylen, "flags differ");
	if (!want->seq_wild && want->seq != got->seq)
		return say_false(why, whylen, "seq %u, expected %u", got->seq, want->seq);
	if ((want->flags & PKT_ACK) && !want->ack_wild && want->ack != got->ack)
		return say_false(why, whylen, "ack %u, expected %u", got->ack, want->ack);
	if (!want->win_wild && want->win != got->win)
		return say_false(why, whylen, "win %u, expected %u", got->win, want->win);
	if (want->len != got->len)
		return say_false(why, whylen, "len %u, expected %u", got->len, want->len);
	if (want->opts_wild)
		return true;
	if (want->nopt != got->nopt)
		return say_false(why, whylen, "%d options, expected %d", got->nopt,
			want->nopt);
	for (int i = 0; i < want->nopt; i++)
		if (!opt_match(&want->opt[i], &got->opt[i], i, why, whylen))
			return false;
	return true;
}

/* ---- building -------------------------------------------------------- */

/* Encode @o at @p; its length. SACK edges are relative to @lisn. */
static unsigned int
encode_opt(const struct pkt_opt *o, const struct pkt_inject *in, uint8_t *p)
{
	p[0] = o->kind;
	switch (o->kind) {
	case PKT_OPT_MSS:
		p[1] = 4;
		put16(p + 2, o->v[0]);
		return 4;
	case PKT_OPT_WS:
		p[1] = 3;
		p[2] = (uint8_t)o->v[0];
		return 3;
	case PKT_OPT_SACKOK:
		p[1] = 2;
		return 2;
	case PKT_OPT_TS:
		p[1] = 10;
		put32(p + 2, o->v[0]);
		put32(p + 6, o->ecr_last ? in->ts_last : o->v[1]);
		return 10;
	case PKT_OPT_SACK:
		p[1] = (uint8_t)(2 + 8 * o->nsack);
		for (unsigned int i = 0; i < o->nsack; i++) {
			put32(p + 2 + 8 * i, o->sack[i][0] + in->lisn);
			put32(p + 6 + 8 * i, o->sack[i][1] + in->lisn);
		}
		return p[1];
	default:	/* NOP, EOL */
		return 1;
	}
}

size_t
pkt_build(const struct pkt_seg *seg, const struct pkt_inject *in, uint8_t *buf,
	size_t cap)
{
	uint8_t opt[64];
	unsigned int olen = 0, hl;
	size_t tot;
	uint8_t *th = buf + IP_HLEN;

	for (int i = 0; i < seg->nopt; i++)
		olen += encode_opt(&seg->opt[i], in, opt + olen);
	while (olen % 4 != 0)
		opt[olen++] = PKT_OPT_EOL;
	if (olen > 40)
		return 0;
	hl = TCP_HLEN + olen;
	tot = IP_HLEN + hl + seg->len;
	if (tot > cap || tot > 65535)
		return 0;
	memset(buf, 0, IP_HLEN + hl);
	buf[0] = 0x45;
	put16(buf + 2, (uint32_t)tot);
	buf[6] = 0x40;			/* DF */
	buf[8] = 64;
	buf[9] = PROTO_TCP;
	put32(buf + 12, in->saddr);
	put32(buf + 16, in->daddr);
	put16(buf + 10, ~sum16(buf, IP_HLEN, 0) & 0xffff);
	put16(th, in->sport);
	put16(th + 2, in->dport);
	put32(th + 4, in->seq);
	put32(th + 8, seg->flags & PKT_ACK ? in->ack : 0);
	th[12] = (uint8_t)(hl / 4 << 4);
	th[13] = seg->flags;
	put16(th + 14, seg->win);
	memcpy(th + TCP_HLEN, opt, olen);
	for (uint32_t i = 0; i < seg->len; i++)
		th[hl + i] = (uint8_t)('a' + i % 26);
	put16(th + 16, ~tcp_sum(buf, th, hl + seg->len) & 0xffff);
	return tot;
}

/* ---- printing -------------------------------------------------------- */

struct out {
	char *p;
	size_t left;
};

static void
say(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->left == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->left)
		n = (int)o->left - 1;
	o->p += n;
	o->left -= (size_t)n;
}

static void
say_val(struct out *o, const char *pre, bool wild, uint32_t v)
{
	if (wild)
		say(o, "%s*", pre);
	else
		say(o, "%s%u", pre, v);
}

static void
say_opt(struct out *o, const struct pkt_opt *x)
{
	switch (x->kind) {
	case PKT_OPT_NOP:
		say(o, "nop");
		break;
	case PKT_OPT_EOL:
		say(o, "eol");
		break;
	case PKT_OPT_MSS:
		say_val(o, "mss ", x->wild[0], x->v[0]);
		break;
	case PKT_OPT_WS:
		say_val(o, "wscale ", x->wild[0], x->v[0]);
		break;
	case PKT_OPT_SACKOK:
		say(o, "sackOK");
		break;
	case PKT_OPT_TS:
		say_val(o, "ts val ", x->wild[0], x->v[0]);
		if (x->ecr_last)
			say(o, " ecr last");
		else
			say_val(o, " ecr ", x->wild[1], x->v[1]);
		break;
	case PKT_OPT_SACK:
		say(o, "sack");
		for (int j = 0; j < x->nsack; j++)
			say(o, " %u:%u", x->sack[j][0], x->sack[j][1]);
		break;
	default:
		say(o, "kind%u", x->kind);
	}
}

void
pkt_seg_format(const struct pkt_seg *seg, char *buf, size_t len)
{
	static const char letters[] = "FSRP.UEW";
	struct out o = { buf, len };

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (seg->flags_any & (1u << i))
			say(&o, "%c", i == 3 ? 'p' : '?');
		else if (seg->flags & (1u << i))
			say(&o, "%c", letters[i]);
	say_val(&o, " seq ", seg->seq_wild, seg->seq);
	if (seg->flags & PKT_ACK)
		say_val(&o, " ack ", seg->ack_wild, seg->ack);
	say_val(&o, " win ", seg->win_wild, seg->win);
	if (seg->len != 0)
		say(&o, " len %u", seg->len);
	if (seg->opts_wild) {
		say(&o, " opts *");
	} else if (seg->nopt != 0) {
		say(&o, " opts [");
		for (int i = 0; i < seg->nopt; i++) {
			say(&o, "%s", i ? ", " : "");
			say_opt(&o, &seg->opt[i]);
		}
		say(&o, "]");
	}
	if (seg->rport != 0)
		say(&o, " rport %u", seg->rport);
}
