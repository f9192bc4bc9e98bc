/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header and options on the wire (RFC 9293 3.1, RFC 7323 2.2 and 3.2,
 * RFC 2018 2). Pure: byte buffers in, structures out.
 */
#include <string.h>
#include <rte_byteorder.h>
#include "dps_tcp.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_OK 4
#define OPT_SACK 5
#define OPT_TS 8

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

/* One store each, where byte by byte the compiler kept two or four
 * (byte stores are not merged as byte loads are). */
static void
wr16(uint8_t *p, uint16_t v)
{
	uint16_t be = rte_cpu_to_be_16(v);

	memcpy(p, &be, sizeof(be));
}

static void
wr32(uint8_t *p, uint32_t v)
{
	uint32_t be = rte_cpu_to_be_32(v);

	memcpy(p, &be, sizeof(be));
}

/* One option of known kind and length @olen (already bounds-checked). */
static void
opt_one(const uint8_t *p, uint8_t olen, struct dps_tcp_opts *o)
{
	switch (p[0]) {
	case OPT_MSS:
		if (olen == 4) {
			o->has_mss = true;
			o->mss = rd16(p + 2);
		}
		break;
	case OPT_WS:
		if (olen == 3) {
			o->has_ws = true;
			/* RFC 7323 2.3: a shift above 14 is taken as 14. */
			o->wscale = p[2] > 14 ? 14 : p[2];
		}
		break;
	case OPT_SACK_OK:
		if (olen == 2)
			o->sack_ok = true;
		break;
	case OPT_TS:
		if (olen == 10) {
			o->has_ts = true;
			o->tsval = rd32(p + 2);
			o->tsecr = rd32(p + 6);
		}
		break;
	default:
		break;
	}
}

/* SACK blocks (RFC 2018 3): 2 + 8n bytes, n = 1..4. */
static void
opt_sack(const uint8_t *p, uint8_t olen, struct dps_tcp_seg *s)
{
	unsigned int n = (olen - 2u) / 8;

	if (s == NULL || (olen - 2u) % 8 != 0 || n == 0 || n > DPS_TCP_SACK_MAX)
		return;
	for (unsigned int i = 0; i < n; i++) {
		s->sack[i].left = rd32(p + 2 + 8 * i);
		s->sack[i].right = rd32(p + 6 + 8 * i);
	}
	s->n_sack = (uint8_t)n;
}

/* Walk the option block; SACK blocks go to @s when it is not NULL. */
static void
opts_walk(const uint8_t *opt, size_t len, struct dps_tcp_opts *o,
	struct dps_tcp_seg *s)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t olen;

		if (opt[i] == OPT_EOL)
			return;
		if (opt[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return;
		if (opt[i] == OPT_SACK)
			opt_sack(opt + i, olen, s);
		else
			opt_one(opt + i, olen, o);
		i += olen;
	}
}

/*
 * The SYN and SYN-ACK block Linux sends (tcp_options_write()) and
 * dps_tcp_build() writes, when timestamps and window scaling are on: MSS,
 * SACK-permitted (or NOP NOP without SACK), TS, NOP, WS; 20 bytes. Read
 * it as four fixed words where the walk takes each byte in turn: the
 * walk cost 151 instructions on every connection's SYN or SYN-ACK, this
 * about 30 (callgrind, bench/http_conn). Returns false, nothing written,
 * for any other layout; then the walk reads it, and gives for this one
 * exactly what this gives (test_tcp.c checks both on every layout).
 */
static bool
syn_aligned(const uint8_t *p, struct dps_tcp_opts *o)
{
	uint32_t w1 = rd32(p + 4);

	if ((rd32(p) >> 16) != (OPT_MSS << 8 | 4) ||
			(w1 != 0x0402080au && w1 != 0x0101080au) ||
			(rd32(p + 16) >> 8) != (OPT_NOP << 16 | OPT_WS << 8 | 3))
		return false;
	memset(o, 0, sizeof(*o));
	o->has_mss = true;
	o->mss = rd16(p + 2);
	o->sack_ok = w1 == 0x0402080au;
	o->has_ts = true;
	o->tsval = rd32(p + 8);
	o->tsecr = rd32(p + 12);
	o->has_ws = true;
	/* RFC 7323 2.3: a shift above 14 is taken as 14. */
	o->wscale = p[19] > 14 ? 14 : p[19];
	return true;
}

void
dps_tcp_opts_parse(const uint8_t *opt, size_t len, struct dps_tcp_opts *o)
{
	opts_walk(opt, len, o, NULL);
}

void
dps_tcp_seg_parse(const uint8_t *th, uint16_t hdr_len, uint32_t payload_len,
	struct dps_tcp_seg *s)
{
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13];
	s->wnd = rd16(th + 14);
	s->len = payload_len;
	s->n_sack = 0;
	s->flow = 0;			/* IPv6 input sets its label after */
	s->tos = 0;			/* the input paths set it after */
	/* Nearly every segment of a connection with timestamps carries
	 * exactly NOP NOP TS (RFC 7323 appendix A's layout): read it without
	 * the walk, as Linux's tcp_parse_aligned_timestamp() does. The walk
	 * would find the same (test_tcp_parts checks both agree). */
	if (hdr_len == DPS_TCP_HLEN + DPS_TCP_TS_OPT_LEN &&
			rd32(th + DPS_TCP_HLEN) == 0x0101080au) {
		memset(&s->opt, 0, sizeof(s->opt));
		s->opt.has_ts = true;
		s->opt.tsval = rd32(th + DPS_TCP_HLEN + 4);
		s->opt.tsecr = rd32(th + DPS_TCP_HLEN + 8);
		return;
	}
	if (hdr_len == DPS_TCP_HLEN + DPS_TCP_SYN_OPT_LEN && syn_aligned(th + DPS_TCP_HLEN, &s->opt))
		return;
	opts_walk(th + DPS_TCP_HLEN, (size_t)hdr_len - DPS_TCP_HLEN, &s->opt, s);
}

/*
 * The SYN block, laid out as Linux's tcp_options_write() does: MSS; then
 * SACK-permitted folded into the timestamp option's leading pad
 * (SACK_OK, TS) or, without timestamps, NOP NOP SACK_OK; then NOP WS.
 */
static uint8_t *
build_syn_opts(uint8_t *p, const struct dps_tcp_opts *o)
{
	p[0] = OPT_MSS;
	p[1] = 4;
	wr16(p + 2, o->mss);
	p += 4;
	if (o->has_ts) {
		if (o->sack_ok) {
			p[0] = OPT_SACK_OK;
			p[1] = 2;
		} else {
			p[0] = OPT_NOP;
			p[1] = OPT_NOP;
		}
		p[2] = OPT_TS;
		p[3] = 10;
		wr32(p + 4, o->tsval);
		wr32(p + 8, o->tsecr);
		p += 12;
	} else if (o->sack_ok) {
		p[0] = OPT_NOP;
		p[1] = OPT_NOP;
		p[2] = OPT_SACK_OK;
		p[3] = 2;
		p += 4;
	}
	if (o->has_ws) {
		p[0] = OPT_NOP;
		p[1] = OPT_WS;
		p[2] = 3;
		p[3] = o->wscale;
		p += 4;
	}
	return p;
}

size_t
dps_tcp_build(uint8_t *buf, size_t cap, uint16_t sport_be, uint16_t dport_be,
	const struct dps_tcp_out *out)
{
	size_t hlen = DPS_TCP_HLEN;
	uint8_t *p;

	if (out->opts == DPS_TCP_OUT_SYN) {
		/* The length first, so that a short buffer gets nothing. */
		hlen += dps_tcp_out_opt_len(out);
		if (cap < hlen)
			return 0;
		build_syn_opts(buf + DPS_TCP_HLEN, &out->opt);
	} else if (out->opts == DPS_TCP_OUT_TS) {
		hlen += dps_tcp_out_opt_len(out);
		if (cap < hlen)
			return 0;
		p = buf + DPS_TCP_HLEN;
		if (out->opt.has_ts) {
			p[0] = OPT_NOP;
			p[1] = OPT_NOP;
			p[2] = OPT_TS;
			p[3] = 10;
			wr32(p + 4, out->opt.tsval);
			wr32(p + 8, out->opt.tsecr);
			p += DPS_TCP_TS_OPT_LEN;
		}
		if (out->n_sack != 0) {
			/* NOP NOP SACK, as Linux lays it out. */
			p[0] = OPT_NOP;
			p[1] = OPT_NOP;
			p[2] = OPT_SACK;
			p[3] = (uint8_t)(2 + 8 * out->n_sack);
			for (unsigned int i = 0; i < out->n_sack; i++) {
				wr32(p + 4 + 8 * i, out->sack[i].left);
				wr32(p + 8 + 8 * i, out->sack[i].right);
			}
		}
	} else if (cap < hlen) {
		return 0;
	}
	memcpy(buf, &sport_be, 2);
	memcpy(buf + 2, &dport_be, 2);
	wr32(buf + 4, out->seq);
	wr32(buf + 8, out->ack);
	buf[12] = (uint8_t)((hlen / 4) << 4);
	buf[13] = out->flags;
	wr16(buf + 14, out->wnd);
	memset(buf + 16, 0, 4);		/* checksum, urgent pointer */
	return hlen;
}

/*
 * The header of a segment on an established flow, the one layout that
 * carries nearly every segment: no options, or NOP NOP TS (RFC 7323
 * 3.2, Appendix A's layout, as Linux sends it). Written as whole 32-bit
 * words, where dps_tcp_build() goes field by field for every layout; a
 * header prediction on the way out. Checksum field 0.
 */
size_t
dps_tcp_build_est(uint8_t *buf, uint16_t sport_be, uint16_t dport_be,
	const struct dps_tcp_out *out)
{
	size_t hlen = DPS_TCP_HLEN + (out->opt.has_ts ? DPS_TCP_TS_OPT_LEN : 0);
	uint32_t w[8];

	memcpy(&w[0], &sport_be, 2);
	memcpy((uint8_t *)&w[0] + 2, &dport_be, 2);
	w[1] = rte_cpu_to_be_32(out->seq);
	w[2] = rte_cpu_to_be_32(out->ack);
	w[3] = rte_cpu_to_be_32((uint32_t)(hlen / 4) << 28 | (uint32_t)out->flags << 16 |
		out->wnd);
	w[4] = 0;			/* checksum, urgent pointer */
	if (out->opt.has_ts) {
		w[5] = RTE_BE32(OPT_NOP << 24 | OPT_NOP << 16 | OPT_TS << 8 | 10);
		w[6] = rte_cpu_to_be_32(out->opt.tsval);
		w[7] = rte_cpu_to_be_32(out->opt.tsecr);
	}
	/* Constant sizes: copies of a few moves, not a call. */
	if (out->opt.has_ts)
		memcpy(buf, w, DPS_TCP_HLEN + DPS_TCP_TS_OPT_LEN);
	else
		memcpy(buf, w, DPS_TCP_HLEN);
	return hlen;
}
