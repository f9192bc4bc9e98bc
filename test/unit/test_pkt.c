/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-script parser, codec and matcher (test/pkt), without a
 * stack: scripts parse into the events they say, malformed ones fail with
 * their line, built packets decode back to what was built, and the
 * matcher tells a difference field by field.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>

#include "pkt_run.h"
#include "pkt_script.h"

static struct pkt_script s;
static char err[PKT_ERR_MAX];

static void
parse_ok(const char *text)
{
	int rc = pkt_parse("t.pkt", text, &s, err, sizeof(err));

	cr_assert_eq(rc, 0, "parse failed: %s", err);
}

/* @text fails to parse with @what in the message, at @line. */
static void
parse_bad(const char *text, int line, const char *what)
{
	char want[32];

	cr_assert_neq(pkt_parse("t.pkt", text, &s, err, sizeof(err)), 0,
		"'%s' parsed", text);
	snprintf(want, sizeof(want), "t.pkt:%d: ", line);
	cr_assert(strncmp(err, want, strlen(want)) == 0, "'%s' lacks '%s'", err,
		want);
	cr_assert(strstr(err, what) != NULL, "'%s' lacks '%s'", err, what);
}

Test(pkt_parse, timeline_and_calls)
{
	parse_ok("# comment\n"
		"0    L = socket()\n"
		"+0   setsockopt(L, SO_REUSEADDR, 1) = 0\n"
		"+0.25 bind(L, 8080)   # trailing comment\n"
		"\n"
		"1.5  listen(L, 8) = 0\n"
		"+0...+0.2 C = accept(L)\n"
		"+0.1 read(C, 100) = -1 EAGAIN\n"
		"+0 getsockopt(C, SO_ERROR) = 0 val ETIMEDOUT\n"
		"+0 poll(C, POLLIN|POLLOUT, 0) = 1 revents POLLOUT\n"
		"+0 shutdown(C, SHUT_WR)\n");
	cr_assert_eq(s.nev, 9);
	cr_assert_eq(s.ev[0].call.kind, PKT_SOCKET);
	cr_assert_str_eq(s.ev[0].call.result_var, "L");
	cr_assert_eq(s.ev[1].call.level, SOL_SOCKET);
	cr_assert_eq(s.ev[1].call.optname, SO_REUSEADDR);
	cr_assert_eq(s.ev[2].t_ns, 250000000ull);
	cr_assert_eq(s.ev[2].call.arg[1].val, 8080);
	cr_assert_eq(s.ev[3].t_ns, 1500000000ull, "absolute time");
	cr_assert_eq(s.ev[3].dt_ns, 1250000000ull);
	cr_assert(s.ev[4].call.blocking);
	cr_assert_eq(s.ev[4].call.end_ns, 1700000000ull);
	cr_assert_str_eq(s.ev[4].call.arg[0].var, "L");
	cr_assert_eq(s.ev[5].call.rc, -1);
	cr_assert_eq(s.ev[5].call.err, EAGAIN);
	cr_assert_eq(s.ev[6].call.val, ETIMEDOUT);
	cr_assert_eq(s.ev[7].call.arg[1].val, POLLIN | POLLOUT);
	cr_assert_eq(s.ev[7].call.val, POLLOUT);
	cr_assert_eq(s.rport, 40000, "default remote port");
}

Test(pkt_parse, packets)
{
	const struct pkt_seg *g;

	parse_ok("0 in S seq 0 win 65535 opts [mss 1460, sackOK, ts val 100 ecr 0, "
		"nop, wscale 7]\n"
		"+0 out S. seq 0 ack 1 win * opts [mss 1460, nop, nop, sackOK]\n"
		"+0.1 in . seq 1 ack 1 win 1000 len 500 rport 41000 opts [nop, nop, "
		"ts val 5 ecr last, nop, nop, sack 1:101 201:301]\n"
		"+0 out p. seq * ack 501 win 0 len 10 opts *\n");
	g = &s.ev[0].seg;
	cr_assert_eq(s.ev[0].kind, PKT_EV_IN);
	cr_assert_eq(g->flags, PKT_SYN);
	cr_assert_eq(g->nopt, 5);
	cr_assert_eq(g->opt[2].kind, PKT_OPT_TS);
	cr_assert_eq(g->opt[2].v[0], 100);
	cr_assert_eq(g->opt[4].v[0], 7);
	g = &s.ev[1].seg;
	cr_assert_eq(s.ev[1].kind, PKT_EV_OUT);
	cr_assert_eq(g->flags, PKT_SYN | PKT_ACK);
	cr_assert(g->win_wild);
	g = &s.ev[2].seg;
	cr_assert_eq(g->len, 500);
	cr_assert_eq(g->rport, 41000);
	cr_assert(g->opt[2].ecr_last);
	cr_assert_eq(g->opt[5].nsack, 2);
	cr_assert_eq(g->opt[5].sack[1][0], 201);
	g = &s.ev[3].seg;
	cr_assert_eq(g->flags, PKT_ACK);
	cr_assert_eq(g->flags_any, PKT_PSH);
	cr_assert(g->seq_wild);
	cr_assert(g->opts_wild);
}

Test(pkt_parse, directives)
{
	parse_ok("# deviation: dpstack: no such thing yet\n"
		"# tolerance: 0.05\n"
		"# sysctl: net.ipv4.tcp_sack=0\n"
		"# remote-port: 5000\n"
		"0 L = socket()\n");
	cr_assert_str_eq(s.deviation, " no such thing yet");
	cr_assert_eq(s.tol_ns, 50000000ull);
	cr_assert_eq(s.nsysctl, 1);
	cr_assert_str_eq(s.sysctl[0], "net.ipv4.tcp_sack=0");
	cr_assert_eq(s.rport, 5000);
}

Test(pkt_parse, malformed_scripts_name_their_line)
{
	parse_bad("0 L = socket()\n+0 frobnicate(L)\n", 2, "unknown call");
	parse_bad("0 in S seq 0\n", 1, "missing 'win'");
	parse_bad("0 in S win 5\n", 1, "missing 'seq'");
	parse_bad("0 in S. seq 0 win 5\n", 1, "without 'ack'");
	parse_bad("0 in S seq 0 ack 1 win 5\n", 1, "without the ACK flag");
	parse_bad("0 in Q seq 0 win 5\n", 1, "unknown TCP flag 'Q'");
	parse_bad("0 in p. seq 0 ack 0 win 5\n", 1, "unknown TCP flag 'p'");
	parse_bad("0 in S seq * win 5\n", 1, "cannot have '*'");
	parse_bad("0 in S seq 0 win 70000\n", 1, "over 65535");
	parse_bad("0 out S seq 0 win 5 opts [mss]\n", 1, "expected an MSS");
	parse_bad("0 out S seq 0 win 5 opts [mss 1, bogus]\n", 1, "unknown option");
	parse_bad("0 out S seq 0 win 5 opts [mss 1\n", 1, "expected ']'");
	parse_bad("0 out . seq 0 ack 1 win 5 opts [sack 1]\n", 1, "expected ':'");
	parse_bad("0 L = socket()\n1 close(L)\n0.5 close(L)\n", 3, "backwards");
	parse_bad("0 L = socket()\n+0 read(L, 10)\n", 2, "expected result");
	parse_bad("0 L = socket()\n+0 close(L) = -1\n", 2, "errno name");
	parse_bad("0 L = socket()\n+0 close(L) = -1 ENOTANERRNO\n", 2, "errno name");
	parse_bad("0 L = socket()\n+0 setsockopt(L, SO_BOGUS, 1)\n", 2,
		"unknown socket option");
	parse_bad("0 L = socket()\n+0 getsockopt(L, SO_ERROR) = 0\n", 2, "val");
	parse_bad("0 L = socket()\n+0 close(L, 1)\n", 2, "at most 1");
	parse_bad("0 L = socket()\n+0 bind(L)\n", 2, "at least 2");
	parse_bad("0 L = socket()\n+0 X = close(L)\n", 2, "name a socket");
	parse_bad("0...1 in S seq 0 win 5\n", 1, "only a call");
	parse_bad("x L = socket()\n", 1, "time");
	parse_bad("# deviation: dpstack:\n0 L = socket()\n", 1, "needs a reason");
	parse_bad("# sysctl: kernel.panic=1\n", 1, "net.");
	parse_bad("# nothing\n", 0, "no events");
}

/* Build @in_text's packet with @in, decode it and return it relative. */
static void
roundtrip(const char *in_text, const struct pkt_inject *in, struct pkt_wire *w)
{
	uint8_t buf[2048];
	size_t n;

	parse_ok(in_text);
	n = pkt_build(&s.ev[0].seg, in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(pkt_decode(buf, n, w, err, sizeof(err)), 0, "%s", err);
}

Test(pkt_codec, build_decode_roundtrip)
{
	struct pkt_inject in = {
		.saddr = 0xc6120002, .daddr = 0xc6120001, .sport = 40000,
		.dport = 8080, .seq = 1000 + 5, .ack = 7000 + 1, .ts_last = 4242,
		.lisn = 7000,
	};
	struct pkt_wire w;

	roundtrip("0 in P. seq 5 ack 1 win 512 len 100 opts [nop, nop, ts val 9 "
		"ecr last, nop, nop, sack 101:201]\n", &in, &w);
	cr_assert_eq(w.saddr, in.saddr);
	cr_assert_eq(w.dport, 8080);
	cr_assert_eq(w.seg.seq, 1005);
	cr_assert_eq(w.seg.ack, 7001);
	cr_assert_eq(w.seg.flags, PKT_PSH | PKT_ACK);
	cr_assert_eq(w.seg.win, 512);
	cr_assert_eq(w.seg.len, 100);
	cr_assert(w.has_ts);
	cr_assert_eq(w.tsval, 9);
	cr_assert_eq(w.seg.opt[2].v[1], 4242, "ecr last is the stack's TSval");
	cr_assert_eq(w.seg.opt[5].sack[0][0], 7101, "SACK edges absolute");
	pkt_wire_relative(&w, 1000, 7000);
	cr_assert_eq(w.seg.seq, 5);
	cr_assert_eq(w.seg.ack, 1);
	cr_assert_eq(w.seg.opt[5].sack[0][1], 201);
}

Test(pkt_codec, decode_rejects_bad_packets)
{
	struct pkt_inject in = { .saddr = 1, .daddr = 2, .sport = 3, .dport = 4 };
	uint8_t buf[256];
	struct pkt_wire w;
	size_t n;

	parse_ok("0 in S seq 0 win 5 opts [mss 1460]\n");
	n = pkt_build(&s.ev[0].seg, &in, buf, sizeof(buf));
	cr_assert_eq(n, 44);
	buf[30] ^= 1;	/* the sequence number: TCP checksum */
	cr_assert_lt(pkt_decode(buf, n, &w, err, sizeof(err)), 0);
	cr_assert(strstr(err, "TCP checksum") != NULL, "%s", err);
	buf[30] ^= 1;
	cr_assert_lt(pkt_decode(buf, n - 1, &w, err, sizeof(err)), 0, "truncated");
	buf[9] = 17;	/* UDP: not ours */
	cr_assert_eq(pkt_decode(buf, n, &w, err, sizeof(err)), 1);
	cr_assert_eq(pkt_decode(buf, 10, &w, err, sizeof(err)), 1, "runt");
}

static bool
match(const char *want, const char *got, char *why)
{
	struct pkt_seg w, g;

	parse_ok(want);
	w = s.ev[0].seg;
	parse_ok(got);
	g = s.ev[0].seg;
	return pkt_match(&w, &g, why, PKT_ERR_MAX);
}

Test(pkt_match, fields_and_wildcards)
{
	char why[PKT_ERR_MAX];

	cr_assert(match("0 out S. seq 0 ack 1 win * opts [mss 1460, ts val * ecr 5]\n",
		"0 out S. seq 0 ack 1 win 9 opts [mss 1460, ts val 77 ecr 5]\n", why),
		"%s", why);
	cr_assert(match("0 out p. seq 1 ack 1 win 5\n",
		"0 out P. seq 1 ack 1 win 5\n", why), "%s", why);
	cr_assert(match("0 out p. seq 1 ack 1 win 5\n",
		"0 out . seq 1 ack 1 win 5\n", why), "%s", why);
	cr_assert(match("0 out . seq 1 ack 1 win 5 opts *\n",
		"0 out . seq 1 ack 1 win 5 opts [nop, nop, sack 1:2]\n", why), "%s", why);
	cr_assert_not(match("0 out . seq 1 ack 1 win 5\n",
		"0 out P. seq 1 ack 1 win 5\n", why));
	cr_assert_str_eq(why, "flags differ");
	cr_assert_not(match("0 out . seq 1 ack 1 win 5\n",
		"0 out . seq 2 ack 1 win 5\n", why));
	cr_assert_str_eq(why, "seq 2, expected 1");
	cr_assert_not(match("0 out . seq 1 ack 1 win 5\n",
		"0 out . seq 1 ack 9 win 5\n", why));
	cr_assert_str_eq(why, "ack 9, expected 1");
	cr_assert_not(match("0 out . seq 1 ack 1 win 5\n",
		"0 out . seq 1 ack 1 win 6\n", why));
	cr_assert_str_eq(why, "win 6, expected 5");
	cr_assert_not(match("0 out . seq 1 ack 1 win 5 len 10\n",
		"0 out . seq 1 ack 1 win 5 len 11\n", why));
	cr_assert_str_eq(why, "len 11, expected 10");
	cr_assert_not(match("0 out . seq 1 ack 1 win 5\n",
		"0 out . seq 1 ack 1 win 5 opts [nop]\n", why));
	cr_assert_str_eq(why, "1 options, expected 0");
	cr_assert_not(match("0 out S seq 0 win 5 opts [mss 1460, nop, wscale 7]\n",
		"0 out S seq 0 win 5 opts [mss 1460, nop, wscale 10]\n", why));
	cr_assert_str_eq(why, "option 2: wscale 10, expected 7");
	cr_assert_not(match("0 out S seq 0 win 5 opts [ts val * ecr 5]\n",
		"0 out S seq 0 win 5 opts [ts val 1 ecr 6]\n", why));
	cr_assert_str_eq(why, "option 0: TSecr 6, expected 5");
	cr_assert_not(match("0 out . seq 0 ack 0 win 5 opts [sack 1:5]\n",
		"0 out . seq 0 ack 0 win 5 opts [sack 1:6]\n", why));
	cr_assert_str_eq(why, "option 0: SACK block 1:6, expected 1:5");
	cr_assert_not(match("0 out . seq 0 ack 0 win 5 opts [mss 1]\n",
		"0 out . seq 0 ack 0 win 5 opts [nop]\n", why));
	cr_assert_str_eq(why, "option 0: kind 1, expected 2");
}

Test(pkt_format, prints_script_syntax)
{
	char buf[256];

	parse_ok("0 out Sp. seq 0 ack 1 win * len 3 opts [mss 1460, sackOK, ts val * "
		"ecr 7, nop, wscale 10, sack 1:2]\n");
	pkt_seg_format(&s.ev[0].seg, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Sp. seq 0 ack 1 win * len 3 opts [mss 1460, sackOK, "
		"ts val * ecr 7, nop, wscale 10, sack 1:2]");
}

/* ---- the engine, against a fake target -------------------------------- */

/*
 * A target whose "stack" is a list of packets it sends at given times,
 * on a virtual clock; injected packets are counted, socket calls are
 * stubs. Enough to see the engine pass a matching run and fail, at the
 * right line, an unexpected, early, late or wrong packet and a call
 * returning the wrong thing.
 */
struct fake {
	uint64_t now;
	int nout, next;
	struct { uint64_t at; uint8_t ip[128]; size_t len; } out[8];
	int injected;
	uint32_t inj_seq[8];
};

static struct fake fk;

static uint64_t
f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static void
f_wait(void *ctx, uint64_t until)
{
	struct fake *f = ctx;

	while (!pkt_calls_quiet())
		usleep(100);	/* a call thread still running: as pkt_dps.c */
	if (f->next < f->nout && f->out[f->next].at <= until) {
		if (f->out[f->next].at > f->now)
			f->now = f->out[f->next].at;
		return;
	}
	if (until > f->now)
		f->now = until;
}

static size_t
f_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t *when)
{
	struct fake *f = ctx;

	if (f->next == f->nout || f->out[f->next].at > f->now)
		return 0;
	cr_assert_leq(f->out[f->next].len, cap);
	memcpy(buf, f->out[f->next].ip, f->out[f->next].len);
	*when = f->out[f->next].at;
	return f->out[f->next++].len;
}

static int
f_inject(void *ctx, const uint8_t *ip, size_t len)
{
	struct fake *f = ctx;
	struct pkt_wire w;

	cr_assert_eq(pkt_decode(ip, len, &w, err, sizeof(err)), 0, "%s", err);
	f->inj_seq[f->injected++ % 8] = w.seg.seq;
	return 0;
}

static void
f_wake(void *ctx)
{
	(void)ctx;
}

static int f_socket(int d, int t, int p) { (void)d; (void)t; (void)p; return 7; }
static int f_close(int fd) { (void)fd; return 0; }
static int f_listen(int fd, int b) { (void)fd; (void)b; errno = EBADF; return -1; }

static const struct pkt_sys f_sys = {
	.socket = f_socket, .close = f_close, .listen = f_listen,
};

/* The stack sends @text's segment (relative to ISNs 5000 / 1000000000,
 * from port 8080) at @at_ms. */
static void
fake_out(double at_ms, const char *text)
{
	struct pkt_inject in = {
		.saddr = 0xc6120001, .daddr = 0xc6120002, .sport = 8080,
		.dport = 40000, .lisn = 1000000000,
	};

	parse_ok(text);
	in.seq = 5000 + s.ev[0].seg.seq;
	in.ack = 1000000000u + s.ev[0].seg.ack;
	fk.out[fk.nout].at = (uint64_t)(at_ms * 1e6);
	fk.out[fk.nout].len = pkt_build(&s.ev[0].seg, &in, fk.out[fk.nout].ip,
		sizeof(fk.out[0].ip));
	cr_assert_gt(fk.out[fk.nout++].len, 0);
}

static enum pkt_result
fake_run(const char *script, char *why)
{
	static struct pkt_script sc;
	/* Static: a call thread left behind by a failure may still use it. */
	static const struct pkt_target t = {
		.name = "fake", .ctx = &fk, .sys = &f_sys,
		.local_ip = 0xc6120001, .remote_ip = 0xc6120002,
		.virtual_clock = true, .tol_ns = 5000000,
		.now = f_now, .wait = f_wait, .recv = f_recv, .inject = f_inject,
		.wake = f_wake,
	};

	cr_assert_eq(pkt_parse("e.pkt", script, &sc, err, sizeof(err)), 0, "%s", err);
	return pkt_run(&sc, &t, why, PKT_ERR_MAX * 2);
}

static void
fake_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fake_out(10, "0 out S. seq 0 ack 1 win 100\n");
	fake_out(30, "0 out . seq 1 ack 1 win 100 len 10\n");
}

Test(pkt_engine, a_matching_run_passes)
{
	char why[PKT_ERR_MAX * 2] = "";

	/* The stack's port comes from bind() or its first packet. */
	fake_reset();
	cr_assert_eq(fake_run("0 S = socket()\n"
		"+0 in S seq 0 win 1000\n", why), PKT_FAIL);
	cr_assert(strstr(why, "e.pkt:2: the stack's port is not known") != NULL,
		"%s", why);
	fake_reset();
	cr_assert_eq(fake_run("0 S = socket()\n"
		"+0.01 out S. seq 0 ack 1 win *\n"
		"+0 in . seq 1 ack 1 win 1000\n"
		"+0.02 out . seq 1 ack 1 win 100 len 10\n"
		"+0 close(S)\n", why), PKT_PASS, "%s", why);
	cr_assert_eq(fk.injected, 1);
	cr_assert_eq(fk.inj_seq[0], 1000000001u, "seq relative to the peer's ISN");
}

/* @script fails on the fake target with @what in its message. */
static void
fails_with(const char *script, const char *what)
{
	char why[PKT_ERR_MAX * 2];

	fake_reset();
	cr_assert_eq(fake_run(script, why), PKT_FAIL, "passed: %s", script);
	cr_assert(strstr(why, what) != NULL, "'%s' lacks '%s'", why, what);
}

Test(pkt_engine, failures_name_their_line)
{
	fails_with("0 S = socket()\n+0.05 close(S)\n",
		"e.pkt:2: unexpected packet at 0.010 s: out S.");
	fails_with("0 S = socket()\n+0.02 out S. seq 0 ack 1 win *\n",
		"e.pkt:2: packet 0.010 s early");
	fails_with("0 S = socket()\n+0.002 out S. seq 0 ack 1 win *\n",
		"e.pkt:2: no packet by");
	fails_with("0 S = socket()\n+0.01 out S. seq 0 ack 2 win *\n",
		"e.pkt:2: ack 1, expected 2");
	fails_with("0 S = socket()\n+0 listen(S, 1)\n",
		"e.pkt:2: returned -1 EBADF, expected 0");
	fails_with("0 S = socket()\n+0 listen(S, 1) = -1 EINVAL\n",
		"e.pkt:2: errno EBADF, expected EINVAL");
	fails_with("0 S = socket()\n+0 close(T)\n",
		"e.pkt:2: no socket named 'T'");
	fails_with("0 S = socket()\n+0...+0.02 close(S)\n"
		"+0.01 out S. seq 0 ack 1 win *\n",
		"e.pkt:2: returned at 0.000 s, expected 0.020 s");
}
