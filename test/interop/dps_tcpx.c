/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps_tcpx: TCP against a Linux kernel peer, for test/interop/kernel_tcp.sh.
 *
 *   dps_tcpx [EAL args] -- --mode MODE [options]
 *   dps_tcpx --selftest          SHA-256 and MT19937 against known values
 *   dps_tcpx --digest SEED N     SHA-256 of N bytes of the stream of SEED
 *
 * The stack polls on the main lcore; one application thread (on a CPU no
 * EAL lcore uses) runs the mode through dpstack's sockets. With --kernel
 * the same code runs on the kernel's sockets instead, so a scenario's
 * results can be compared with what Linux does (the oracle).
 *
 * Data is the byte stream of Python's random.Random(SEED).randbytes()
 * (MT19937 seeded by init_by_array), so both sides can check what they
 * receive byte for byte; each side also prints the SHA-256 (FIPS 180-4,
 * implemented here) of what it sent and received, and the script compares
 * the digests across the connection.
 *
 * Modes (one connection unless said otherwise):
 *   bulk-client  connect --to; send --bytes of --seed while receiving
 *                --expect bytes of --peer-seed until EOF (non-blocking
 *                sockets and poll); --close first: shutdown(SHUT_WR) once
 *                everything is sent, last: close only after the peer's FIN
 *   bulk-server  the same on a connection accepted on --port
 *   http         serve --count HTTP/1.1 GETs on --port: read the request up
 *                to the blank line, answer 200 with --bytes of --seed as
 *                the body, close
 *   rst-recv     connect; receive until an error (the peer resets)
 *   rst-send     connect; send until an error (the peer resets)
 *   rst-poll     connect; poll until the peer's reset shows, then read
 *                SO_ERROR and the data still queued
 *   halfclose    connect; receive until EOF, then send --bytes, close
 *   utimeout     connect, set TCP_USER_TIMEOUT --user-timeout (before the
 *                connect with --before-connect); send until an error (the
 *                peer vanishes)
 *   keepalive    connect with --keepalive IDLE,INTVL,CNT; stay idle for
 *                --quiet ms (nothing may happen: the peer answers the
 *                probes), print "phase1 ok", then wait in recv() for the
 *                keepalive to fail (the peer vanishes)
 *   idle-server  accept one connection on --port and keep it idle until
 *                --until-file exists or the connection ends; close
 * The error modes print "result: ..." with what each call returned, in a
 * form that does not depend on timing, for comparison with --kernel.
 * With dpstack, every mode ends by checking that the stack's sockets and
 * mbufs are back to the baseline taken before the first socket, and that
 * no connection or port is left beyond the TIME_WAITs of the connections
 * this side closed first.
 * Exit status: 0 as expected, 1 otherwise, 2 bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_stack.h"

#define PROG "dps_tcpx"
#define CHUNK (64 * 1024)

/* ---- SHA-256, FIPS 180-4 ---- */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
	size_t n;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t
ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void
sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, h0, sizeof(h0));
	c->bytes = 0;
	c->n = 0;
}

/* FIPS 180-4 6.2.2: one 512-bit block. */
static void
sha256_block(struct sha256 *c, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			(uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, c->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		/* a b c d e f g h = v[0..7] */
		t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
			((v[4] & v[5]) ^ (~v[4] & v[6])) + sha_k[i] + w[i];
		t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
			((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		v[7] = v[6];
		v[6] = v[5];
		v[5] = v[4];
		v[4] = v[3] + t1;
		v[3] = v[2];
		v[2] = v[1];
		v[1] = v[0];
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void
sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->bytes += len;
	if (c->n != 0) {
		size_t k = 64 - c->n < len ? 64 - c->n : len;

		memcpy(c->buf + c->n, p, k);
		c->n += k;
		p += k;
		len -= k;
		if (c->n < 64)
			return;
		sha256_block(c, c->buf);
		c->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(c, p);
	memcpy(c->buf, p, len);
	c->n = len;
}

/* FIPS 180-4 5.1.1 padding; the digest as 64 hex digits. */
static void
sha256_hex(struct sha256 *c, char out[65])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (c->n < 56 ? 56 : 120) - c->n;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", c->h[i]);
}

/* ---- MT19937, as CPython's _random seeds and reads it ---- */

#define MT_N 624
#define MT_M 397

struct mt {
	uint32_t s[MT_N];
	int i;
};

static void
mt_init_genrand(struct mt *m, uint32_t seed)
{
	m->s[0] = seed;
	for (int i = 1; i < MT_N; i++)
		m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
	m->i = MT_N;
}

/* init_by_array() with the one 32-bit word CPython makes of a seed below
 * 2^32 (random.seed(n) for 0 <= n < 2^32). */
static void
mt_seed(struct mt *m, uint32_t seed)
{
	int i = 1, k;

	mt_init_genrand(m, 19650218u);
	for (k = MT_N; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1664525u)) + seed;
		if (++i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
	}
	for (k = MT_N - 1; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1566083941u)) -
			(uint32_t)i;
		if (++i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
	}
	m->s[0] = 0x80000000u;
}

static uint32_t
mt_next(struct mt *m)
{
	static const uint32_t mag01[2] = { 0, 0x9908b0dfu };
	uint32_t y;

	if (m->i >= MT_N) {
		int k;

		for (k = 0; k < MT_N - MT_M; k++) {
			y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
			m->s[k] = m->s[k + MT_M] ^ (y >> 1) ^ mag01[y & 1];
		}
		for (; k < MT_N - 1; k++) {
			y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
			m->s[k] = m->s[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1];
		}
		y = (m->s[MT_N - 1] & 0x80000000u) | (m->s[0] & 0x7fffffffu);
		m->s[MT_N - 1] = m->s[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1];
		m->i = 0;
	}
	y = m->s[m->i++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

/* The bytes of random.Random(seed).randbytes(): 32-bit outputs, little
 * endian, in order. */
struct stream {
	struct mt mt;
	uint8_t buf[CHUNK];
	size_t pos, len;
};

static struct stream *
stream_new(uint32_t seed)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		perror(PROG);
		exit(1);
	}
	mt_seed(&st->mt, seed);
	return st;
}

static void
stream_refill(struct stream *st)
{
	for (size_t i = 0; i < CHUNK; i += 4) {
		uint32_t w = mt_next(&st->mt);

		st->buf[i] = (uint8_t)w;
		st->buf[i + 1] = (uint8_t)(w >> 8);
		st->buf[i + 2] = (uint8_t)(w >> 16);
		st->buf[i + 3] = (uint8_t)(w >> 24);
	}
	st->pos = 0;
	st->len = CHUNK;
}

static void
stream_read(struct stream *st, uint8_t *out, size_t n)
{
	while (n != 0) {
		size_t k;

		if (st->pos == st->len)
			stream_refill(st);
		k = st->len - st->pos < n ? st->len - st->pos : n;
		memcpy(out, st->buf + st->pos, k);
		st->pos += k;
		out += k;
		n -= k;
	}
}

/* Compare @n received bytes with the next @n of the stream; the offset
 * within @data of the first difference, or -1. */
static long
stream_check(struct stream *st, const uint8_t *data, size_t n)
{
	long bad = -1;
	size_t done = 0;

	while (done < n) {
		size_t k;

		if (st->pos == st->len)
			stream_refill(st);
		k = st->len - st->pos < n - done ? st->len - st->pos : n - done;
		if (bad < 0 && memcmp(data + done, st->buf + st->pos, k) != 0)
			for (size_t i = 0; i < k; i++)
				if (data[done + i] != st->buf[st->pos + i]) {
					bad = (long)(done + i);
					break;
				}
		st->pos += k;
		done += k;
	}
	return bad;
}

/* ---- self-test: FIPS 180-2 appendix B vectors, CPython's MT ---- */

static int
selftest(void)
{
	static const struct { const char *msg; unsigned int repeat; const char *hex; } v[] = {
		{ "abc", 1,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", 1,
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "a", 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
		/* 55, 56, 63, 64 and 65 bytes: the padding's edges */
		{ "0123456789012345678901234567890123456789012345678901234", 1,
		  "f34d5a0f80c0cbf84c8c0b90218c22637abd199965249da736a20143c8c9c9d9" },
		{ "01234567890123456789012345678901234567890123456789012345", 1,
		  "83aa034bda83e458a0dc9cbce0d4e354716aa0ff770ed37ac0ed2b292052e4af" },
		{ "012345678901234567890123456789012345678901234567890123456789012", 1,
		  "074f6e9ac301d5d1b6df6f1dfb8c6f89c187ea945d352ce6a29279a9c630680b" },
		{ "0123456789012345678901234567890123456789012345678901234567890123", 1,
		  "9674d9e078535b7cec43284387a6ee39956188e735a85452b0050b55341cda56" },
		{ "01234567890123456789012345678901234567890123456789012345678901234", 1,
		  "52774b57c10e45040a61c14d35c1c8ebefe880082313aa0a21ebb077734cd067" },
	};
	static const struct { uint32_t seed; const char *hex; } mv[] = {
		{ 0, "cd072cd8be6f9f62ac4c09c28206e7e3" },
		{ 1, "f5b165224a58b791df6af1d8303e61cd" },
		{ 12345, "8799a76a3a4391bb45729a026cf8f6d1" },
		{ 4294967295u, "09c9a6a2f4049c9e41e90434a9bf2037" },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sha256 c;
		char hex[65];

		sha256_init(&c);
		for (unsigned int r = 0; r < v[i].repeat; r++)
			sha256_update(&c, v[i].msg, strlen(v[i].msg));
		sha256_hex(&c, hex);
		if (strcmp(hex, v[i].hex) != 0) {
			printf("sha256 vector %zu: %s, expected %s\n", i, hex, v[i].hex);
			bad++;
		}
	}
	/* Split updates must agree with one update, at every split point. */
	{
		uint8_t msg[200];
		char one[65], two[65];
		struct sha256 c;

		for (size_t i = 0; i < sizeof(msg); i++)
			msg[i] = (uint8_t)(i * 7 + 3);
		for (size_t len = 0; len <= sizeof(msg); len += 1) {
			sha256_init(&c);
			sha256_update(&c, msg, len);
			sha256_hex(&c, one);
			for (size_t cut = 0; cut <= len; cut += 13) {
				sha256_init(&c);
				sha256_update(&c, msg, cut);
				sha256_update(&c, msg + cut, len - cut);
				sha256_hex(&c, two);
				if (strcmp(one, two) != 0) {
					printf("sha256: split %zu/%zu differs\n", cut, len);
					bad++;
				}
			}
		}
	}
	for (size_t i = 0; i < sizeof(mv) / sizeof(mv[0]); i++) {
		struct stream *st = stream_new(mv[i].seed);
		uint8_t b[16];
		char hex[33];

		stream_read(st, b, sizeof(b));
		for (int j = 0; j < 16; j++)
			sprintf(hex + 2 * j, "%02x", b[j]);
		if (strcmp(hex, mv[i].hex) != 0) {
			printf("mt19937 seed %u: %s, expected %s\n", mv[i].seed, hex, mv[i].hex);
			bad++;
		}
		free(st);
	}
	printf("selftest: %s\n", bad ? "FAILED" : "ok");
	return bad ? 1 : 0;
}

/* Print the SHA-256 of @n bytes of the stream of @seed (for the script's
 * cross-checks of the digest and the generator against Python's). */
static int
digest_of(uint32_t seed, uint64_t n)
{
	struct stream *st = stream_new(seed);
	uint8_t *b = malloc(CHUNK);
	struct sha256 c;
	char hex[65];

	sha256_init(&c);
	while (n != 0) {
		size_t k = n < CHUNK ? (size_t)n : CHUNK;

		stream_read(st, b, k);
		sha256_update(&c, b, k);
		n -= k;
	}
	sha256_hex(&c, hex);
	printf("%s\n", hex);
	free(b);
	free(st);
	return 0;
}

/* ---- the socket calls: dpstack's or the kernel's ---- */

struct sockapi {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*readv)(int, const struct iovec *, int);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*getfl)(int);
	int (*setfl)(int, int);
};

static int k_socket(int d, int t, int p) { return socket(d, t, p); }
static int k_bind(int fd, const struct sockaddr *a, socklen_t l) { return bind(fd, a, l); }
static int k_listen(int fd, int b) { return listen(fd, b); }
static int k_accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { return accept4(fd, a, l, f); }
static int k_connect(int fd, const struct sockaddr *a, socklen_t l) { return connect(fd, a, l); }
/* dpstack raises no SIGPIPE; neither may the kernel's sockets here. */
static ssize_t k_send(int fd, const void *b, size_t n, int f) { return send(fd, b, n, f | MSG_NOSIGNAL); }
static ssize_t k_recv(int fd, void *b, size_t n, int f) { return recv(fd, b, n, f); }
static ssize_t k_writev(int fd, const struct iovec *v, int n) { return writev(fd, v, n); }
static ssize_t k_readv(int fd, const struct iovec *v, int n) { return readv(fd, v, n); }
static int k_shutdown(int fd, int h) { return shutdown(fd, h); }
static int k_close(int fd) { return close(fd); }
static int k_setsockopt(int fd, int l, int o, const void *v, socklen_t n) { return setsockopt(fd, l, o, v, n); }
static int k_getsockopt(int fd, int l, int o, void *v, socklen_t *n) { return getsockopt(fd, l, o, v, n); }
static int k_poll(struct pollfd *p, nfds_t n, int t) { return poll(p, n, t); }
static int k_getfl(int fd) { return fcntl(fd, F_GETFL); }
static int k_setfl(int fd, int fl) { return fcntl(fd, F_SETFL, fl); }
static int d_getfl(int fd) { return dps_fcntl(fd, F_GETFL); }
static int d_setfl(int fd, int fl) { return dps_fcntl(fd, F_SETFL, fl); }

static const struct sockapi dps_api = {
	dps_socket, dps_bind, dps_listen, dps_accept4, dps_connect, dps_send,
	dps_recv, dps_writev, dps_readv, dps_shutdown, dps_close,
	dps_setsockopt, dps_getsockopt, dps_poll, d_getfl, d_setfl,
};
static const struct sockapi kernel_api = {
	k_socket, k_bind, k_listen, k_accept4, k_connect, k_send, k_recv,
	k_writev, k_readv, k_shutdown, k_close, k_setsockopt, k_getsockopt,
	k_poll, k_getfl, k_setfl,
};

/* ---- options ---- */

enum mode {
	M_NONE, M_BULK_CLIENT, M_BULK_SERVER, M_HTTP, M_RST_RECV, M_RST_SEND,
	M_RST_POLL, M_HALFCLOSE, M_UTIMEOUT, M_KEEPALIVE, M_IDLE_SERVER,
};

static const char *const mode_names[] = {
	[M_BULK_CLIENT] = "bulk-client", [M_BULK_SERVER] = "bulk-server",
	[M_HTTP] = "http", [M_RST_RECV] = "rst-recv", [M_RST_SEND] = "rst-send",
	[M_RST_POLL] = "rst-poll", [M_HALFCLOSE] = "halfclose",
	[M_UTIMEOUT] = "utimeout", [M_KEEPALIVE] = "keepalive",
	[M_IDLE_SERVER] = "idle-server",
};

struct opts {
	enum mode mode;
	struct dps_addr addr, gw;
	uint8_t plen;
	bool has_gw, kernel, iov, close_first, has_expect, ut_early;
	uint8_t tso;			/* enum dps_tso_mode */
	struct sockaddr_in to;
	struct sockaddr_in6 to6;	/* --to [IPV6]:PORT */
	unsigned int port, bytes, expect, seed, peer_seed, count;
	unsigned int user_timeout, ka_idle, ka_intvl, ka_cnt, quiet_ms, timeout_s;
	const char *until_file;
	const struct sockapi *api;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [EAL options] -- --mode MODE [options]\n"
"       " PROG " --selftest | --digest SEED BYTES\n"
"modes: bulk-client bulk-server http rst-recv rst-send rst-poll halfclose\n"
"       utimeout keepalive idle-server (see the source's head comment)\n"
"  --addr A/LEN          our address (default 198.18.6.2/24); an IPv6 one\n"
"                        makes the sockets AF_INET6\n"
"  --gw IP               default gateway\n"
"  --to IP:PORT          where to connect (client modes); [IPV6]:PORT too\n"
"  --port N              where to listen (server modes)\n"
"  --bytes N             bytes to send (default 0)\n"
"  --expect N            bytes the peer must send (bulk, halfclose)\n"
"  --seed N              seed of the stream we send (default 1)\n"
"  --peer-seed N         seed of the stream we receive (default 2)\n"
"  --close first|last    bulk: FIN after sending, or after the peer's FIN\n"
"  --iov                 bulk: writev/readv instead of send/recv\n"
"  --count N             http: requests to serve (default 1)\n"
"  --user-timeout MS     utimeout: TCP_USER_TIMEOUT (default 2000)\n"
"  --before-connect      utimeout: set it before connect(), not after\n"
"  --keepalive I,N,C     keepalive: TCP_KEEPIDLE,TCP_KEEPINTVL,TCP_KEEPCNT\n"
"                        (default 1,1,3)\n"
"  --quiet MS            keepalive: idle time that must pass quietly (2500)\n"
"  --until-file PATH     idle-server: hold the connection until PATH exists\n"
"  --timeout S           longest wait without progress (default 20)\n"
"  --kernel              the same through the kernel's sockets (the oracle)\n"
"  --tso auto|on|off     TCP segmentation offload (default auto)\n"
"example:\n"
"  " PROG " --no-huge -m 1024 --no-pci --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --mode bulk-client --to 198.18.6.1:5001 --bytes 104857600 \\\n"
"      --expect 104857600 --seed 1 --peer-seed 2 --close last\n");
}

static int
bad_arg(const char *what, const char *val)
{
	return app_bad_arg(PROG, what, val);
}

static int
parse_ka(const char *s, struct opts *o)
{
	char buf[64], *p[3], *save = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == 3)
			return -EINVAL;
		p[n++] = t;
	}
	if (n != 3 || s[strlen(s) - 1] == ',' || strstr(s, ",,") != NULL ||
			app_parse_uint(p[0], 1, 32767, &o->ka_idle) != 0 ||
			app_parse_uint(p[1], 1, 32767, &o->ka_intvl) != 0 ||
			app_parse_uint(p[2], 1, 127, &o->ka_cnt) != 0)
		return -EINVAL;
	return 0;
}

/* [IPV6]:PORT into @sa. */
static int
parse_to6(const char *s, struct sockaddr_in6 *sa)
{
	const char *e = strchr(s, ']');
	unsigned int port;
	char host[INET6_ADDRSTRLEN];

	if (e == NULL || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + 1, (size_t)(e - s - 1));
	host[e - s - 1] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET6, host, &sa->sin6_addr) != 1 ||
			app_parse_uint(e + 2, 1, 65535, &port) != 0)
		return -EINVAL;
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)port);
	return 0;
}

static int
parse_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'M':
		for (size_t i = 1; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
			if (strcmp(arg, mode_names[i]) == 0) {
				o->mode = (enum mode)i;
				return 0;
			}
		return bad_arg("--mode", arg);
	case 'a':
		return dps_prefix_parse(arg, &o->addr, &o->plen) == 0 ||
			dps_prefix6_parse(arg, &o->addr, &o->plen) == 0 ? 0 :
			bad_arg("--addr", arg);
	case 'g':
		o->has_gw = true;
		return dps_addr_parse(arg, &o->gw) == 0 ? 0 : bad_arg("--gw", arg);
	case 't':
		if (arg[0] == '[')
			return parse_to6(arg, &o->to6) == 0 ? 0 : bad_arg("--to", arg);
		return app_parse_sockaddr(arg, &o->to) == 0 ? 0 : bad_arg("--to", arg);
	case 'p':
		return app_parse_uint(arg, 1, 65535, &o->port) == 0 ? 0 :
			bad_arg("--port", arg);
	case 'b':
		return app_parse_uint(arg, 0, UINT32_MAX, &o->bytes) == 0 ? 0 :
			bad_arg("--bytes", arg);
	case 'e':
		o->has_expect = true;
		return app_parse_uint(arg, 0, UINT32_MAX, &o->expect) == 0 ? 0 :
			bad_arg("--expect", arg);
	case 's':
		return app_parse_uint(arg, 0, UINT32_MAX, &o->seed) == 0 ? 0 :
			bad_arg("--seed", arg);
	case 'S':
		return app_parse_uint(arg, 0, UINT32_MAX, &o->peer_seed) == 0 ? 0 :
			bad_arg("--peer-seed", arg);
	case 'c':
		if (strcmp(arg, "first") == 0)
			o->close_first = true;
		else if (strcmp(arg, "last") == 0)
			o->close_first = false;
		else
			return bad_arg("--close", arg);
		return 0;
	case 'i':
		o->iov = true;
		return 0;
	case 'n':
		return app_parse_uint(arg, 1, 1000000, &o->count) == 0 ? 0 :
			bad_arg("--count", arg);
	case 'u':
		return app_parse_uint(arg, 1, INT32_MAX, &o->user_timeout) == 0 ? 0 :
			bad_arg("--user-timeout", arg);
	case 'E':
		o->ut_early = true;
		return 0;
	case 'K':
		return parse_ka(arg, o) == 0 ? 0 : bad_arg("--keepalive", arg);
	case 'q':
		return app_parse_uint(arg, 0, 600000, &o->quiet_ms) == 0 ? 0 :
			bad_arg("--quiet", arg);
	case 'f':
		o->until_file = arg;
		return 0;
	case 'T':
		return app_parse_uint(arg, 1, 3600, &o->timeout_s) == 0 ? 0 :
			bad_arg("--timeout", arg);
	case 'k':
		o->kernel = true;
		return 0;
	case 0x1004: {		/* --tso, parsed as the apps do */
		struct app_net n = { .tso = 0 };
		int rc = app_net_opt(PROG, &n, c, arg);

		o->tso = n.tso;
		return rc == 1 ? 0 : -EINVAL;
	}
	default:
		return -EINVAL;
	}
}

static int
need(const struct opts *o, bool ok, const char *what)
{
	if (!ok)
		fprintf(stderr, PROG ": --mode %s needs %s (try --help)\n",
			mode_names[o->mode], what);
	return ok ? 0 : -EINVAL;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'M' },
		{ "addr", required_argument, NULL, 'a' },
		{ "gw", required_argument, NULL, 'g' },
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "expect", required_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "peer-seed", required_argument, NULL, 'S' },
		{ "close", required_argument, NULL, 'c' },
		{ "iov", no_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "user-timeout", required_argument, NULL, 'u' },
		{ "before-connect", no_argument, NULL, 'E' },
		{ "keepalive", required_argument, NULL, 'K' },
		{ "quiet", required_argument, NULL, 'q' },
		{ "until-file", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "tso", required_argument, NULL, 0x1004 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mode m;
	int c;

	memset(o, 0, sizeof(*o));
	dps_prefix_parse("198.18.6.2/24", &o->addr, &o->plen);
	o->seed = 1;
	o->peer_seed = 2;
	o->count = 1;
	o->user_timeout = 2000;
	o->ka_idle = 1;
	o->ka_intvl = 1;
	o->ka_cnt = 3;
	o->quiet_ms = 2500;
	o->timeout_s = 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?') {
			fprintf(stderr, PROG ": unknown or incomplete option '%s' (try --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (parse_opt(o, c, optarg) != 0)
			return -EINVAL;
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	m = o->mode;
	if (m == M_NONE) {
		fprintf(stderr, PROG ": --mode is required (try --help)\n");
		return -EINVAL;
	}
	if (m == M_BULK_SERVER || m == M_HTTP || m == M_IDLE_SERVER) {
		if (need(o, o->port != 0, "--port") != 0)
			return -EINVAL;
	} else if (need(o, o->to.sin_family != 0 || o->to6.sin6_family != 0, "--to") != 0) {
		return -EINVAL;
	}
	if (m == M_IDLE_SERVER && need(o, o->until_file != NULL, "--until-file") != 0)
		return -EINVAL;
	if ((m == M_BULK_CLIENT || m == M_BULK_SERVER) && !o->has_expect) {
		o->expect = o->bytes;
		o->has_expect = true;
	}
	o->api = o->kernel ? &kernel_api : &dps_api;
	return 0;
}

/* ---- helpers ---- */

static struct dps_stack *stack;

static void
on_signal(int sig)
{
	(void)sig;
	if (stack != NULL)
		dps_stack_stop(stack);
}

static double
now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
ename(int e)
{
	static __thread char buf[16];
	const char *n = e == 0 ? "0" : strerrorname_np(e);

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

/* Poll events as names; only the ones tcp_poll() and the header define
 * (RDNORM, WRNORM and friends are left out). */
static void
evnames(short ev, char *out, size_t len)
{
	static const struct { short bit; const char *name; } n[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLRDHUP, "RDHUP" },
		{ POLLNVAL, "NVAL" },
	};
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (ev & n[i].bit)
			k += (size_t)snprintf(out + k, len - k, "%s%s", k ? "|" : "", n[i].name);
	if (k == 0)
		snprintf(out, len, "none");
}

/* "r" or "-1/ERRNO" of a call's result. */
static const char *
rstr(ssize_t r, int err, char *buf, size_t len)
{
	if (r < 0)
		snprintf(buf, len, "-1/%s", ename(err));
	else
		snprintf(buf, len, "%zd", r);
	return buf;
}

/* What the application owns and how it went. */
struct app {
	const struct opts *o;
	const struct sockapi *a;
	unsigned int tw;		/* connections we closed first */
	bool ok;
	char result[512];		/* the timing-free "result:" line */
};

static bool
fail(struct app *x, const char *fmt, ...)
{
	va_list ap;

	printf("error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	x->ok = false;
	return false;
}

static void
addf(struct app *x, const char *fmt, ...)
{
	size_t k = strlen(x->result);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->result + k, sizeof(x->result) - k, fmt, ap);
	va_end(ap);
}

static void
set_timeouts(struct app *x, int fd)
{
	struct timeval tv = { .tv_sec = x->o->timeout_s };

	x->a->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	x->a->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
set_nonblock(struct app *x, int fd)
{
	int fl = x->a->getfl(fd);

	return fl < 0 ? -1 : x->a->setfl(fd, fl | O_NONBLOCK);
}

static int
sock_error(struct app *x, int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (x->a->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -errno;
	return err;
}

static int
do_connect(struct app *x)
{
	const struct sockaddr_in *to = &x->o->to;
	bool v6 = x->o->to6.sin6_family == AF_INET6;
	const struct sockaddr *sa = v6 ? (const struct sockaddr *)&x->o->to6 :
		(const struct sockaddr *)to;
	socklen_t salen = v6 ? sizeof(x->o->to6) : sizeof(*to);
	char a[INET6_ADDRSTRLEN];
	int fd = x->a->socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		fail(x, "socket: %s", ename(errno));
		return -1;
	}
	set_timeouts(x, fd);
	if (x->o->mode == M_UTIMEOUT && x->o->ut_early) {
		int v = (int)x->o->user_timeout;

		if (x->a->setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)) != 0) {
			fail(x, "setsockopt TCP_USER_TIMEOUT %d: %s", v, ename(errno));
			x->a->close(fd);
			return -1;
		}
	}
	if (x->a->connect(fd, sa, salen) != 0) {
		fail(x, "connect to %s:%u: %s", v6 ? inet_ntop(AF_INET6,
			&x->o->to6.sin6_addr, a, sizeof(a)) : inet_ntop(AF_INET, &to->sin_addr,
			a, sizeof(a)), ntohs(v6 ? x->o->to6.sin6_port : to->sin_port),
			ename(errno));
		x->a->close(fd);
		return -1;
	}
	printf("connected\n");
	return fd;
}

static int
do_listen(struct app *x)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)x->o->port) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
		.sin6_port = htons((uint16_t)x->o->port) };
	bool v6 = x->o->addr.family == AF_INET6;
	int one = 1, fd = x->a->socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		fail(x, "socket: %s", ename(errno));
		return -1;
	}
	x->a->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	set_timeouts(x, fd);
	if ((v6 ? x->a->bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) :
			x->a->bind(fd, (struct sockaddr *)&sa, sizeof(sa))) != 0 ||
			x->a->listen(fd, 16) != 0) {
		fail(x, "bind/listen on port %u: %s", x->o->port, ename(errno));
		x->a->close(fd);
		return -1;
	}
	printf("listening %u\n", x->o->port);
	return fd;
}

static int
do_accept(struct app *x, int ls)
{
	struct sockaddr_in6 peer6;
	struct sockaddr_in *peer = (struct sockaddr_in *)&peer6;
	bool v6 = x->o->addr.family == AF_INET6;
	socklen_t len = sizeof(peer6);
	char a[INET6_ADDRSTRLEN];
	int fd = x->a->accept4(ls, (struct sockaddr *)&peer6, &len, 0);

	if (fd < 0) {
		fail(x, "accept: %s", ename(errno));
		return -1;
	}
	if (v6 ? len != sizeof(peer6) || peer6.sin6_family != AF_INET6 :
			len != sizeof(*peer) || peer->sin_family != AF_INET) {
		fail(x, "accept: peer address of length %u, family %u", len, peer->sin_family);
		x->a->close(fd);
		return -1;
	}
	if (v6)
		printf("accepted [%s]:%u\n", inet_ntop(AF_INET6, &peer6.sin6_addr, a,
			sizeof(a)), ntohs(peer6.sin6_port));
	else
		printf("accepted %s:%u\n", inet_ntop(AF_INET, &peer->sin_addr, a,
			sizeof(a)), ntohs(peer->sin_port));
	set_timeouts(x, fd);
	return fd;
}

/* Blocking: send all of @n bytes; 0 or an errno. */
static int
send_all(struct app *x, int fd, const uint8_t *b, size_t n)
{
	while (n != 0) {
		ssize_t r = x->a->send(fd, b, n, 0);

		if (r < 0)
			return errno;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* What a socket looks like after its connection failed or ended: poll's
 * events, SO_ERROR, a receive, a send, SO_ERROR again. */
static void
probe(struct app *x, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };
	char ev[64], rb[32];
	uint8_t c;
	ssize_t r;
	int n;

	n = x->a->poll(&p, 1, 0);
	evnames(n > 0 ? p.revents : 0, ev, sizeof(ev));
	addf(x, " poll=%s", n < 0 ? ename(errno) : ev);
	addf(x, " so_error=%s", ename(sock_error(x, fd)));
	r = x->a->recv(fd, &c, 1, MSG_DONTWAIT);
	addf(x, " recv=%s", rstr(r, errno, rb, sizeof(rb)));
	r = x->a->send(fd, "x", 1, MSG_DONTWAIT);
	addf(x, " send=%s", rstr(r, errno, rb, sizeof(rb)));
	addf(x, " so_error=%s", ename(sock_error(x, fd)));
}

/* ---- bulk: both directions at once on a non-blocking socket ---- */

static bool
bulk(struct app *x, int fd)
{
	const struct opts *o = x->o;
	const struct sockapi *a = x->a;
	struct stream *tx = stream_new(o->seed), *rx = stream_new(o->peer_seed);
	uint8_t *tbuf = malloc(CHUNK), *rbuf = malloc(4 * CHUNK);
	struct sha256 stx, srx;
	size_t tlen = 0, toff = 0;
	uint64_t sent = 0, got = 0, mismatch = UINT64_MAX;
	bool tx_done = o->bytes == 0, rx_eof = false, peer_fin_first = false;
	double last = now_s(CLOCK_MONOTONIC);
	char hex[65];
	bool ok = true;

	sha256_init(&stx);
	sha256_init(&srx);
	if (set_nonblock(x, fd) != 0) {
		ok = fail(x, "O_NONBLOCK: %s", ename(errno));
		goto out;
	}
	if (tx_done && o->close_first && a->shutdown(fd, SHUT_WR) != 0) {
		ok = fail(x, "shutdown: %s", ename(errno));
		goto out;
	}
	while (!tx_done || !rx_eof) {
		struct pollfd p = { .fd = fd,
			.events = (short)((rx_eof ? 0 : POLLIN) | (tx_done ? 0 : POLLOUT)) };
		int n = a->poll(&p, 1, 1000);

		if (n < 0) {
			ok = fail(x, "poll: %s", ename(errno));
			goto out;
		}
		if (n == 0) {
			if (now_s(CLOCK_MONOTONIC) - last > o->timeout_s) {
				ok = fail(x, "stalled for %u s: sent %" PRIu64 " of %u, received %"
					PRIu64 " of %u%s", o->timeout_s, sent, o->bytes, got,
					o->expect, rx_eof ? " and EOF" : "");
				goto out;
			}
			continue;
		}
		if (p.revents & POLLERR) {
			int e = sock_error(x, fd);

			ok = fail(x, "poll reports an error (SO_ERROR %s) after sending %" PRIu64
				" and receiving %" PRIu64 " bytes", ename(e), sent, got);
			goto out;
		}
		if ((p.revents & POLLOUT) && !tx_done) {
			for (;;) {
				ssize_t r;

				if (toff == tlen) {
					tlen = o->bytes - sent < CHUNK ? o->bytes - sent : CHUNK;
					stream_read(tx, tbuf, tlen);
					toff = 0;
				}
				if (o->iov) {
					size_t h = (tlen - toff) / 3;
					struct iovec v[2] = {
						{ tbuf + toff, h },
						{ tbuf + toff + h, tlen - toff - h },
					};

					r = a->writev(fd, v, 2);
				} else {
					r = a->send(fd, tbuf + toff, tlen - toff, 0);
				}
				if (r < 0) {
					if (errno == EAGAIN || errno == EWOULDBLOCK)
						break;
					ok = fail(x, "%s after %" PRIu64 " bytes: %s",
						o->iov ? "writev" : "send", sent, ename(errno));
					goto out;
				}
				if (r == 0 || (size_t)r > tlen - toff) {
					ok = fail(x, "send returned %zd for %zu bytes", r, tlen - toff);
					goto out;
				}
				sha256_update(&stx, tbuf + toff, (size_t)r);
				toff += (size_t)r;
				sent += (uint64_t)r;
				last = now_s(CLOCK_MONOTONIC);
				if (sent == o->bytes) {
					tx_done = true;
					if (o->close_first && a->shutdown(fd, SHUT_WR) != 0) {
						ok = fail(x, "shutdown: %s", ename(errno));
						goto out;
					}
					break;
				}
			}
		}
		if ((p.revents & (POLLIN | POLLHUP | POLLRDHUP)) && !rx_eof) {
			for (;;) {
				ssize_t r;

				if (o->iov) {
					struct iovec v[2] = {
						{ rbuf, 3000 }, { rbuf + 3000, 4 * CHUNK - 3000 },
					};

					r = a->readv(fd, v, 2);
				} else {
					r = a->recv(fd, rbuf, 4 * CHUNK, 0);
				}
				if (r < 0) {
					if (errno == EAGAIN || errno == EWOULDBLOCK)
						break;
					ok = fail(x, "%s after %" PRIu64 " bytes: %s",
						o->iov ? "readv" : "recv", got, ename(errno));
					goto out;
				}
				if (r == 0) {
					rx_eof = true;
					peer_fin_first = !tx_done || !o->close_first;
					break;
				}
				long bad = stream_check(rx, rbuf, (size_t)r);

				if (bad >= 0 && mismatch == UINT64_MAX)
					mismatch = got + (uint64_t)bad;
				sha256_update(&srx, rbuf, (size_t)r);
				got += (uint64_t)r;
				last = now_s(CLOCK_MONOTONIC);
			}
		}
	}
	sha256_hex(&stx, hex);
	printf("sent %s %" PRIu64 "\n", hex, sent);
	sha256_hex(&srx, hex);
	printf("recv %s %" PRIu64 " eof\n", hex, got);
	if (mismatch != UINT64_MAX)
		ok = fail(x, "received data differs from the expected stream at offset %"
			PRIu64, mismatch);
	if (got != o->expect)
		ok = fail(x, "received %" PRIu64 " bytes, expected %u", got, o->expect);
out:
	if (a->close(fd) != 0)
		ok = fail(x, "close: %s", ename(errno));
	/* We closed first unless the peer's FIN came before ours. */
	if (!peer_fin_first)
		x->tw++;
	free(tbuf);
	free(rbuf);
	free(tx);
	free(rx);
	return ok;
}

static void
mode_bulk_client(struct app *x)
{
	int fd = do_connect(x);

	if (fd >= 0)
		bulk(x, fd);
}

static void
mode_bulk_server(struct app *x)
{
	int ls = do_listen(x), fd;

	if (ls < 0)
		return;
	fd = do_accept(x, ls);
	if (fd >= 0)
		bulk(x, fd);
	if (x->a->close(ls) != 0)
		fail(x, "close listener: %s", ename(errno));
}

/* ---- http: a GET, a 200 with a known body, close ---- */

static void
http_one(struct app *x, int fd, unsigned int i)
{
	const struct opts *o = x->o;
	char req[8192], hdr[256], hex[65];
	size_t have = 0;
	struct stream *st = stream_new(o->seed);
	uint8_t *b = malloc(CHUNK);
	struct sha256 c;
	uint64_t left = o->bytes;
	int hl, err;

	for (;;) {
		ssize_t r = x->a->recv(fd, req + have, sizeof(req) - 1 - have, 0);

		if (r <= 0) {
			fail(x, "request %u: recv returned %zd (%s) after %zu bytes", i, r,
				r < 0 ? ename(errno) : "EOF", have);
			goto out;
		}
		have += (size_t)r;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
		if (have == sizeof(req) - 1) {
			fail(x, "request %u: no end of headers in %zu bytes", i, have);
			goto out;
		}
	}
	if (strncmp(req, "GET / HTTP/1.1\r\n", 16) != 0) {
		fail(x, "request %u: unexpected request line: %.40s", i, req);
		goto out;
	}
	if (strstr(req, "\r\n\r\n") + 4 != req + have) {
		fail(x, "request %u: %zu bytes after the headers", i,
			(size_t)(req + have - (strstr(req, "\r\n\r\n") + 4)));
		goto out;
	}
	hl = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: "
		"application/octet-stream\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
		o->bytes);
	sha256_init(&c);
	/* The header and the first piece of the body in one writev. */
	{
		size_t k = left < CHUNK ? (size_t)left : CHUNK, off = 0, total;
		struct iovec v[2];

		stream_read(st, b, k);
		sha256_update(&c, b, k);
		total = (size_t)hl + k;
		while (off < total) {
			ssize_t r;

			if (off < (size_t)hl) {
				v[0] = (struct iovec){ hdr + off, (size_t)hl - off };
				v[1] = (struct iovec){ b, k };
				r = x->a->writev(fd, v, 2);
			} else {
				v[0] = (struct iovec){ b + (off - (size_t)hl), total - off };
				r = x->a->writev(fd, v, 1);
			}
			if (r <= 0) {
				fail(x, "request %u: writev returned %zd (%s)", i, r,
					r < 0 ? ename(errno) : "0");
				goto out;
			}
			off += (size_t)r;
		}
		left -= k;
	}
	while (left != 0) {
		size_t k = left < CHUNK ? (size_t)left : CHUNK;

		stream_read(st, b, k);
		sha256_update(&c, b, k);
		err = send_all(x, fd, b, k);
		if (err != 0) {
			fail(x, "request %u: send: %s with %" PRIu64 " bytes left", i,
				ename(err), left);
			goto out;
		}
		left -= k;
	}
	sha256_hex(&c, hex);
	printf("served %u %s %u\n", i, hex, o->bytes);
out:
	if (x->a->close(fd) != 0)
		fail(x, "close: %s", ename(errno));
	x->tw++;
	free(b);
	free(st);
}

static void
mode_http(struct app *x)
{
	int ls = do_listen(x);

	if (ls < 0)
		return;
	for (unsigned int i = 0; i < x->o->count && x->ok; i++) {
		int fd = do_accept(x, ls);

		if (fd < 0)
			break;
		http_one(x, fd, i);
	}
	if (x->a->close(ls) != 0)
		fail(x, "close listener: %s", ename(errno));
}

/* ---- resets ---- */

static void
mode_rst_recv(struct app *x)
{
	uint8_t *b = malloc(CHUNK);
	uint64_t got = 0;
	char rb[32];
	ssize_t r;
	int fd = do_connect(x);

	if (fd < 0)
		goto out;
	while ((r = x->a->recv(fd, b, CHUNK, 0)) > 0)
		got += (uint64_t)r;
	printf("received %" PRIu64 " bytes before the end\n", got);
	addf(x, "recv=%s", rstr(r, errno, rb, sizeof(rb)));
	probe(x, fd);
	x->a->close(fd);
out:
	free(b);
}

/* Sends of 8 MiB, more than Linux's largest send buffer (tcp_wmem 4 MiB):
 * the reset comes while one is blocked with part of its buffer queued,
 * which returns that part; the error is the next call's. */
#define BIG (8 * 1024 * 1024)

static void
mode_rst_send(struct app *x)
{
	struct stream *st = stream_new(x->o->seed);
	uint8_t *b = malloc(BIG);
	uint64_t sent = 0;
	char rb[32];
	ssize_t r, prev = 0;
	int fd = do_connect(x);

	if (fd < 0)
		goto out;
	do {
		stream_read(st, b, BIG);
		r = x->a->send(fd, b, BIG, 0);
		if (r > 0) {
			sent += (uint64_t)r;
			prev = r;
		}
	} while (r > 0);
	printf("sent %" PRIu64 " bytes before the end; the last send that "
		"succeeded queued %zd of %d\n", sent, prev, BIG);
	addf(x, "send=%s", rstr(r, errno, rb, sizeof(rb)));
	probe(x, fd);
	x->a->close(fd);
out:
	free(b);
	free(st);
}

static void
mode_rst_poll(struct app *x)
{
	struct pollfd p;
	uint8_t *b = malloc(CHUNK);
	uint64_t got = 0;
	char ev[64], rb[32];
	ssize_t r;
	int n, fd = do_connect(x);

	if (fd < 0)
		goto out;
	/* Only the end of the connection wakes this (ERR and HUP always
	 * count); the data stays queued. */
	p = (struct pollfd){ .fd = fd, .events = POLLRDHUP };
	n = x->a->poll(&p, 1, (int)x->o->timeout_s * 1000);
	evnames(n > 0 ? p.revents : 0, ev, sizeof(ev));
	addf(x, "wait=%s", n < 0 ? ename(errno) : ev);
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };
	n = x->a->poll(&p, 1, 0);
	evnames(n > 0 ? p.revents : 0, ev, sizeof(ev));
	addf(x, " poll=%s", n < 0 ? ename(errno) : ev);
	addf(x, " so_error=%s", ename(sock_error(x, fd)));
	while ((r = x->a->recv(fd, b, CHUNK, MSG_DONTWAIT)) > 0)
		got += (uint64_t)r;
	addf(x, " read=%" PRIu64 " then=%s", got, rstr(r, errno, rb, sizeof(rb)));
	probe(x, fd);
	x->a->close(fd);
out:
	free(b);
}

/* ---- half-close: the peer's FIN first, then our data ---- */

static void
mode_halfclose(struct app *x)
{
	const struct opts *o = x->o;
	struct stream *rx = stream_new(o->peer_seed), *tx = stream_new(o->seed);
	uint8_t *b = malloc(CHUNK);
	struct sha256 c;
	uint64_t got = 0, mismatch = UINT64_MAX, left = o->bytes;
	struct pollfd p;
	char hex[65], rb[32], ev[64];
	ssize_t r;
	int n, fd = do_connect(x);

	if (fd < 0)
		goto out;
	sha256_init(&c);
	while ((r = x->a->recv(fd, b, CHUNK, 0)) > 0) {
		long bad = stream_check(rx, b, (size_t)r);

		if (bad >= 0 && mismatch == UINT64_MAX)
			mismatch = got + (uint64_t)bad;
		sha256_update(&c, b, (size_t)r);
		got += (uint64_t)r;
	}
	sha256_hex(&c, hex);
	printf("recv %s %" PRIu64 " %s\n", hex, got, r == 0 ? "eof" : ename(errno));
	addf(x, "recv=%s", rstr(r, errno, rb, sizeof(rb)));
	if (mismatch != UINT64_MAX)
		fail(x, "received data differs from the expected stream at offset %"
			PRIu64, mismatch);
	if (o->has_expect && got != o->expect)
		fail(x, "received %" PRIu64 " bytes, expected %u", got, o->expect);
	r = x->a->recv(fd, b, CHUNK, 0);
	addf(x, " again=%s", rstr(r, errno, rb, sizeof(rb)));
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };
	n = x->a->poll(&p, 1, 0);
	evnames(n > 0 ? p.revents : 0, ev, sizeof(ev));
	addf(x, " poll=%s", n < 0 ? ename(errno) : ev);
	/* Still allowed to send after the peer's FIN (CLOSE_WAIT). */
	sha256_init(&c);
	while (left != 0) {
		size_t k = left < CHUNK ? (size_t)left : CHUNK;
		int err;

		stream_read(tx, b, k);
		err = send_all(x, fd, b, k);
		if (err != 0) {
			addf(x, " send=-1/%s", ename(err));
			fail(x, "send in CLOSE_WAIT: %s with %" PRIu64 " bytes left",
				ename(err), left);
			break;
		}
		sha256_update(&c, b, k);
		left -= k;
	}
	if (left == 0) {
		sha256_hex(&c, hex);
		printf("sent %s %u\n", hex, o->bytes);
		addf(x, " send=ok");
	}
	if (x->a->close(fd) != 0)
		fail(x, "close: %s", ename(errno));
out:
	free(b);
	free(rx);
	free(tx);
}

/* ---- timeouts ---- */

/* Close with a RST (SO_LINGER {1,0}): nothing is left behind by a
 * connection a failed check gives up on. */
static void
abort_close(struct app *x, int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	x->a->setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	x->a->close(fd);
}

static int
getint(struct app *x, int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (x->a->getsockopt(fd, level, name, &v, &len) != 0)
		return -errno - 1000;
	return v;
}

static bool
setint(struct app *x, int fd, int level, int name, const char *what, int v)
{
	int got;

	if (x->a->setsockopt(fd, level, name, &v, sizeof(v)) != 0)
		return fail(x, "setsockopt %s %d: %s", what, v, ename(errno));
	got = getint(x, fd, level, name);
	if (got != v)
		return fail(x, "getsockopt %s: %d after setting %d", what, got, v);
	return true;
}

static void
mode_utimeout(struct app *x)
{
	struct stream *st = stream_new(x->o->seed);
	uint8_t *b = malloc(BIG);
	uint64_t sent = 0;
	double t0;
	char rb[32];
	ssize_t r, prev = 0;
	int fd = do_connect(x);

	if (fd < 0)
		goto out;
	if (x->o->ut_early) {
		int v = getint(x, fd, IPPROTO_TCP, TCP_USER_TIMEOUT);

		if (v != (int)x->o->user_timeout) {
			fail(x, "getsockopt TCP_USER_TIMEOUT: %d after connect, %u set before",
				v, x->o->user_timeout);
			abort_close(x, fd);
			goto out;
		}
	} else if (!setint(x, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT",
			(int)x->o->user_timeout)) {
		abort_close(x, fd);
		goto out;
	}
	/* 8 MiB at a time, as rst-send: the error finds a send blocked
	 * with part of its buffer queued. */
	do {
		stream_read(st, b, BIG);
		t0 = now_s(CLOCK_MONOTONIC);
		r = x->a->send(fd, b, BIG, 0);
		if (r > 0) {
			sent += (uint64_t)r;
			prev = r;
		}
	} while (r > 0);
	printf("t_err %.3f\n", now_s(CLOCK_REALTIME));
	printf("sent %" PRIu64 " bytes; the last send that succeeded queued %zd of %d; "
		"the failing one returned after %.3f s\n", sent, prev, BIG,
		now_s(CLOCK_MONOTONIC) - t0);
	addf(x, "send=%s", rstr(r, errno, rb, sizeof(rb)));
	probe(x, fd);
	x->a->close(fd);
out:
	free(b);
	free(st);
}

static void
mode_keepalive(struct app *x)
{
	const struct opts *o = x->o;
	struct pollfd p;
	uint8_t c;
	char rb[32], ev[64];
	ssize_t r;
	int n, fd = do_connect(x);

	if (fd < 0)
		return;
	if (!setint(x, fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1) ||
			!setint(x, fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", (int)o->ka_idle) ||
			!setint(x, fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", (int)o->ka_intvl) ||
			!setint(x, fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", (int)o->ka_cnt)) {
		abort_close(x, fd);
		return;
	}
	/* The peer is there: probes get answered, nothing may happen. */
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLPRI | POLLRDHUP };
	n = x->a->poll(&p, 1, (int)o->quiet_ms);
	if (n != 0) {
		evnames(n > 0 ? p.revents : 0, ev, sizeof(ev));
		fail(x, "the idle connection did not stay quiet for %u ms with keepalive "
			"on: poll returned %d (%s), SO_ERROR %s", o->quiet_ms, n,
			n < 0 ? ename(errno) : ev, ename(sock_error(x, fd)));
		abort_close(x, fd);
		return;
	}
	printf("phase1 ok\n");
	r = x->a->recv(fd, &c, 1, 0);
	printf("t_err %.3f\n", now_s(CLOCK_REALTIME));
	addf(x, "recv=%s", rstr(r, errno, rb, sizeof(rb)));
	probe(x, fd);
	x->a->close(fd);
}

static void
mode_idle_server(struct app *x)
{
	struct timeval tv = { .tv_usec = 200000 };
	struct stat sb;
	uint8_t c;
	ssize_t r;
	int ls = do_listen(x), fd;

	if (ls < 0)
		return;
	fd = do_accept(x, ls);
	x->a->close(ls);
	if (fd < 0)
		return;
	x->a->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		r = x->a->recv(fd, &c, 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (stat(x->o->until_file, &sb) == 0) {
				printf("end: told to stop\n");
				break;
			}
			continue;
		}
		printf("end: recv returned %zd (%s)\n", r, r < 0 ? ename(errno) : "data or EOF");
		break;
	}
	x->a->close(fd);
}

/* ---- the stack ---- */

static int
stack_up(const struct opts *o)
{
	struct app_net n;
	int rc;

	memset(&n, 0, sizeof(n));
	n.addr = o->addr;
	n.n_addr = 1;
	n.plen = o->plen;
	n.has_gw = o->has_gw;
	n.gw = o->gw;
	n.nb_mbufs = 32767;
	n.max_socks = 16383;
	n.tso = o->tso;
	stack = app_stack_up(PROG, &n);
	if (stack == NULL)
		return -EINVAL;
	rc = dps_stack_launch(stack);
	if (rc != 0)
		fprintf(stderr, PROG ": %s\n", dps_stack_strerror(stack));
	return rc;
}

/* Sockets and mbufs back to the baseline; connections and ports only
 * those in TIME_WAIT (the connections this side closed first). */
static bool
check_leaks(struct app *x, const struct dps_sock_stats *base)
{
	struct dps_sock_stats st;
	unsigned int tw = x->tw;

	for (int i = 0; i < 300; i++) {
		dps_stack_sock_stats(stack, &st);
		if (st.socks_in_use <= base->socks_in_use && st.conns <= base->conns + tw &&
				st.tcp_ports_held <= base->tcp_ports_held + tw &&
				st.mbufs_in_use <= base->mbufs_in_use)
			break;
		usleep(10000);
	}
	printf("left over: %u sockets, %u connections, %u ports, %u mbufs "
		"(baseline %u, %u, %u, %u; TIME_WAIT allowed %u)\n",
		st.socks_in_use, st.conns, st.tcp_ports_held, st.mbufs_in_use,
		base->socks_in_use, base->conns, base->tcp_ports_held,
		base->mbufs_in_use, tw);
	if (st.socks_in_use <= base->socks_in_use && st.conns <= base->conns + tw &&
			st.tcp_ports_held <= base->tcp_ports_held + tw &&
			st.mbufs_in_use <= base->mbufs_in_use)
		return true;
	return fail(x, "resources not returned to the baseline");
}

/* One "drop.REASON N" line per drop reason that counted anything. */
static void
print_drop(const char *name, uint64_t value, void *arg)
{
	(void)arg;
	if (value != 0 && strncmp(name, "drop.", 5) == 0)
		printf("%s %" PRIu64 "\n", name, value);
}

/* An IPv6 address is usable once duplicate address detection is over
 * (about a second, on the stack's lcore). */
static bool
addr6_ready(struct app *x)
{
	const struct dps_addr *a = &x->o->addr;

	for (int i = 0; a->family == AF_INET6 && i < 500 &&
			dps_stack_addr6_state(stack, 0, a) == DPS_ADDR6_TENTATIVE; i++)
		usleep(10000);
	if (a->family == AF_INET6 && dps_stack_addr6_state(stack, 0, a) != DPS_ADDR6_PREFERRED)
		return fail(x, "the IPv6 address is not usable (DAD)");
	return true;
}

static void *
app_main(void *arg)
{
	struct app *x = arg;
	struct dps_sock_stats base;

	memset(&base, 0, sizeof(base));
	if (stack != NULL) {
		usleep(200000);		/* let the gratuitous ARP go out */
		dps_stack_sock_stats(stack, &base);
	}
	switch (stack != NULL && !addr6_ready(x) ? M_NONE : x->o->mode) {
	case M_BULK_CLIENT: mode_bulk_client(x); break;
	case M_BULK_SERVER: mode_bulk_server(x); break;
	case M_HTTP: mode_http(x); break;
	case M_RST_RECV: mode_rst_recv(x); break;
	case M_RST_SEND: mode_rst_send(x); break;
	case M_RST_POLL: mode_rst_poll(x); break;
	case M_HALFCLOSE: mode_halfclose(x); break;
	case M_UTIMEOUT: mode_utimeout(x); break;
	case M_KEEPALIVE: mode_keepalive(x); break;
	case M_IDLE_SERVER: mode_idle_server(x); break;
	case M_NONE: break;
	}
	if (x->result[0] != '\0')
		printf("result: %s\n", x->result);
	if (stack != NULL) {
		struct dps_counters c;

		check_leaks(x, &base);
		dps_stack_counters(stack, -1, &c);
		printf("tcp_connects %" PRIu64 " tcp_established %" PRIu64 "\n",
			c.tcp_connects, c.tcp_established);
		printf("tcp_tx %" PRIu64 " tcp_tx_data %" PRIu64 " tcp_tx_tso %" PRIu64
			" tcp_retrans %" PRIu64 " drops %" PRIu64 "\n", c.tcp_tx,
			c.tcp_tx_data, c.tcp_tx_tso, c.tcp_retrans, dps_counters_total_drops(&c));
		dps_counters_foreach(&c, print_drop, NULL);
		dps_stack_stop(stack);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct app x = { .ok = true };
	pthread_attr_t attr;
	pthread_t th;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--selftest") == 0)
		return selftest();
	if (argc == 4 && strcmp(argv[1], "--digest") == 0) {
		unsigned int seed, bytes;

		if (app_parse_uint(argv[2], 0, UINT32_MAX, &seed) != 0) {
			bad_arg("seed", argv[2]);
			return 2;
		}
		if (app_parse_uint(argv[3], 0, UINT32_MAX, &bytes) != 0) {
			bad_arg("byte count", argv[3]);
			return 2;
		}
		return digest_of(seed, bytes);
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	n = dps_eal_init(argc, argv);
	if (n < 0)
		return 2;
	if (parse_args(argc - n, argv + n, &o) != 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	x.o = &o;
	x.a = o.api;
	if (o.kernel) {
		app_main(&x);
	} else {
		if (stack_up(&o) != 0)
			return 1;
		app_thread_attr(&attr);
		pthread_create(&th, &attr, app_main, &x);
		dps_stack_run(stack, 0);
		pthread_join(th, NULL);
		dps_stack_wait(stack);
		dps_stack_destroy(stack);
		pthread_attr_destroy(&attr);
	}
	rte_eal_cleanup();
	printf("%s\n", x.ok ? "ok" : "FAILED");
	return x.ok ? 0 : 1;
}
