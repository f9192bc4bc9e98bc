/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the TCP option parser and header builder
 * (lib/tcp/dps_tcp_wire.c).
 *
 * Input: the bytes after a TCP header's fixed 20, any length (a real
 * header carries at most 40; the parser must stay inside whatever length
 * it is given). Each piece is copied into a heap buffer of exactly its
 * size, so ASan sees any read past it.
 *
 * Checks beyond memory safety:
 * - dps_tcp_opts_parse() and dps_tcp_seg_parse() read the same options;
 * - what was parsed obeys RFC 7323 2.3 (shift at most 14) and RFC 2018
 *   (at most 4 SACK blocks);
 * - building a header from the parsed values and parsing it again gives
 *   the values back, and its length is what dps_tcp_out_opt_len() says.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dps_tcp.h"

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_tcp_opts: %s\n", what);
	abort();
}

static bool
same_opts(const struct dps_tcp_opts *a, const struct dps_tcp_opts *b)
{
	return a->has_mss == b->has_mss && a->has_ws == b->has_ws &&
		a->sack_ok == b->sack_ok && a->has_ts == b->has_ts &&
		(!a->has_mss || a->mss == b->mss) &&
		(!a->has_ws || a->wscale == b->wscale) &&
		(!a->has_ts || (a->tsval == b->tsval && a->tsecr == b->tsecr));
}

/* Parse a header of @hlen bytes, from a heap copy of exactly that size. */
static void
parse_copy(const uint8_t *hdr, size_t hlen, struct dps_tcp_seg *s)
{
	uint8_t *th = malloc(hlen);

	memcpy(th, hdr, hlen);
	dps_tcp_seg_parse(th, (uint16_t)hlen, 0, s);
	free(th);
}

/* A header of zeros with @olen bytes of options @opt (at most 40). */
static void
parse_header(const uint8_t *opt, size_t olen, struct dps_tcp_seg *s)
{
	uint8_t th[60];

	memset(th, 0, DPS_TCP_HLEN);
	th[12] = (uint8_t)(((DPS_TCP_HLEN + olen) / 4) << 4);
	memcpy(th + DPS_TCP_HLEN, opt, olen);
	parse_copy(th, DPS_TCP_HLEN + olen, s);
}

/* Build a header for @out, parse it back, compare. */
static void
round_trip(const struct dps_tcp_out *out)
{
	uint8_t buf[60];
	struct dps_tcp_seg s;
	size_t hlen = dps_tcp_build(buf, sizeof(buf), 0, 0, out);

	if (hlen != DPS_TCP_HLEN + dps_tcp_out_opt_len(out) || hlen % 4 != 0 ||
			hlen > 60 || (size_t)(buf[12] >> 4) * 4 != hlen)
		fuzz_fail("built header length");
	parse_copy(buf, hlen, &s);
	if (s.seq != out->seq || s.ack != out->ack || s.flags != out->flags ||
			s.wnd != out->wnd)
		fuzz_fail("fixed header fields lost");
	if (out->opts == DPS_TCP_OUT_SYN) {
		struct dps_tcp_opts want = out->opt;

		want.has_mss = true;
		if (want.wscale > 14)
			want.wscale = 14;
		if (!same_opts(&want, &s.opt))
			fuzz_fail("SYN options do not round-trip");
		return;
	}
	if (s.opt.has_mss || s.opt.has_ws || s.opt.sack_ok ||
			s.opt.has_ts != out->opt.has_ts ||
			(out->opt.has_ts && (s.opt.tsval != out->opt.tsval ||
				s.opt.tsecr != out->opt.tsecr)))
		fuzz_fail("timestamps do not round-trip");
	if (s.n_sack != out->n_sack ||
			memcmp(s.sack, out->sack, sizeof(out->sack[0]) * out->n_sack) != 0)
		fuzz_fail("SACK blocks do not round-trip");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dps_tcp_out out;
	struct dps_tcp_opts o;
	struct dps_tcp_seg s;
	uint8_t *opt = malloc(size != 0 ? size : 1);
	size_t hopt = size < 40 ? size : 40;

	memcpy(opt, data, size);
	dps_tcp_opts_parse(opt, size, &o);
	free(opt);
	if (o.has_ws && o.wscale > 14)
		fuzz_fail("window scale above 14");
	/* the same bytes, at most 40 of them, as a header's options */
	dps_tcp_opts_parse(data, hopt, &o);
	parse_header(data, hopt, &s);
	if (!same_opts(&o, &s.opt))
		fuzz_fail("header parse and option parse disagree");
	if (s.n_sack > DPS_TCP_SACK_MAX)
		fuzz_fail("too many SACK blocks");

	/* what was parsed, sent back out in each option layout */
	memset(&out, 0, sizeof(out));
	out.seq = s.seq ^ 0x01020304;
	out.ack = ~s.ack;
	out.flags = (uint8_t)(size != 0 ? data[0] : 0);
	out.wnd = (uint16_t)(size > 1 ? data[1] << 8 : 0);
	out.opt = s.opt;
	out.opts = DPS_TCP_OUT_SYN;
	round_trip(&out);
	out.opts = DPS_TCP_OUT_TS;
	out.n_sack = s.n_sack > 3 ? 3 : s.n_sack;
	memcpy(out.sack, s.sack, sizeof(out.sack[0]) * out.n_sack);
	round_trip(&out);
	out.opt.has_ts = !out.opt.has_ts;
	round_trip(&out);
	return 0;
}
