/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_version.h>
#include "app_args.h"
#include "app_config.h"

#ifndef DPS_VERSION
#define DPS_VERSION "unknown"
#endif

int
app_bad_arg(const char *prog, const char *what, const char *val)
{
	fprintf(stderr, "%s: invalid %s '%s' (try --help)\n", prog, what, val);
	return -EINVAL;
}

int
app_parse_uint(const char *s, unsigned int lo, unsigned int hi,
	unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] < '0' || s[0] > '9' ||
			v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* Split "123abc" into the number and the suffix; false on no digits. */
static bool
num_suffix(const char *s, uint64_t *v, const char **suffix)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	*suffix = end;
	return true;
}

/* v * mul without overflow. */
static bool
mul_ok(uint64_t v, uint64_t mul, uint64_t *out)
{
	if (mul != 0 && v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

int
app_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	static const struct { const char *sfx; uint64_t mul; } sz[] = {
		{ "", 1 }, { "k", 1ull << 10 }, { "K", 1ull << 10 },
		{ "m", 1ull << 20 }, { "M", 1ull << 20 },
		{ "g", 1ull << 30 }, { "G", 1ull << 30 },
	};
	const char *sfx;
	uint64_t v, r;

	if (!num_suffix(s, &v, &sfx))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		if (strcmp(sfx, sz[i].sfx) == 0 && mul_ok(v, sz[i].mul, &r) &&
				r >= lo && r <= hi) {
			*out = r;
			return 0;
		}
	return -EINVAL;
}

int
app_parse_duration(const char *s, uint64_t lo_ns, uint64_t hi_ns,
	uint64_t *out_ns)
{
	static const struct { const char *sfx; uint64_t mul; } du[] = {
		{ "", 1000000000ull }, { "s", 1000000000ull },
		{ "ms", 1000000ull }, { "us", 1000ull }, { "ns", 1 },
		{ "m", 60000000000ull }, { "h", 3600000000000ull },
	};
	const char *sfx;
	uint64_t v, r;

	if (!num_suffix(s, &v, &sfx))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(du) / sizeof(du[0]); i++)
		if (strcmp(sfx, du[i].sfx) == 0 && mul_ok(v, du[i].mul, &r) &&
				r >= lo_ns && r <= hi_ns) {
			*out_ns = r;
			return 0;
		}
	return -EINVAL;
}

int
app_parse_sockaddr(const char *s, struct sockaddr_in *out)
{
	char buf[64], *colon;
	unsigned int port;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	if (inet_pton(AF_INET, buf, &out->sin_addr) != 1 ||
			app_parse_uint(colon + 1, 1, 65535, &port) != 0)
		return -EINVAL;
	out->sin_port = htons((uint16_t)port);
	return 0;
}

int
app_parse_endpoint(const char *s, union app_sockaddr *out)
{
	char buf[64], *close;
	unsigned int port;

	if (s[0] != '[') {
		memset(out, 0, sizeof(*out));
		return app_parse_sockaddr(s, &out->sin);
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s + 1);
	close = strchr(buf, ']');
	if (close == NULL || close[1] != ':')
		return -EINVAL;
	*close = '\0';
	memset(out, 0, sizeof(*out));
	out->sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, buf, &out->sin6.sin6_addr) != 1 ||
			app_parse_uint(close + 2, 1, 65535, &port) != 0)
		return -EINVAL;
	out->sin6.sin6_port = htons((uint16_t)port);
	return 0;
}

const char *
app_sockaddr_fmt(const union app_sockaddr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->sin6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%u", ip, ntohs(a->sin6.sin6_port));
	} else {
		inet_ntop(AF_INET, &a->sin.sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, ntohs(a->sin.sin_port));
	}
	return buf;
}

struct dps_addr
app_sockaddr_addr(const union app_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET6)
		return dps_addr_v6(a->sin6.sin6_addr.s6_addr);
	return dps_addr_v4(a->sin.sin_addr.s_addr);
}

int
app_parse_range(const char *s, unsigned int lo, unsigned int hi,
	unsigned int *out_lo, unsigned int *out_hi)
{
	char buf[32], *dash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash == NULL) {
		if (app_parse_uint(buf, lo, hi, out_lo) != 0)
			return -EINVAL;
		*out_hi = *out_lo;
		return 0;
	}
	*dash = '\0';
	if (app_parse_uint(buf, lo, hi, out_lo) != 0 ||
			app_parse_uint(dash + 1, *out_lo, hi, out_hi) != 0)
		return -EINVAL;
	return 0;
}

/* "a.b.c.d" into host order; false when it is not one. */
static bool
parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

/* Mask of prefix length @p plen, host order. */
static uint32_t
plen_mask(unsigned int plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

/* Does the run [@p lo, @p hi] (host order) fit its /@p plen subnet? */
static const char *
range_misfit(uint32_t lo, uint32_t hi, unsigned int plen)
{
	uint32_t mask = plen_mask(plen);

	if (hi < lo)
		return "B is below A";
	if ((lo & mask) != (hi & mask))
		return "B is outside A's subnet";
	if (hi > lo && plen < 31 && ((lo & ~mask) == 0 || (hi & ~mask) == ~mask))
		return "a range may not hold its subnet's network or broadcast address";
	return NULL;
}

int
app_parse_addr_range(const char *s, uint32_t *first, uint32_t *count,
	uint8_t *plen, const char **why)
{
	char buf[64], *dash, *slash;
	unsigned int len;
	uint32_t lo, hi;

	*why = "not A/LEN or A-B/LEN";
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return *why = "no /LEN", -EINVAL;
	*slash = '\0';
	if (app_parse_uint(slash + 1, 0, 32, &len) != 0)
		return *why = "LEN is not 0 to 32", -EINVAL;
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (!parse_ipv4(buf, &lo) || (dash != NULL && !parse_ipv4(dash + 1, &hi)))
		return *why = "not an IPv4 address", -EINVAL;
	if (dash == NULL)
		hi = lo;
	if (lo == 0)
		return *why = "0.0.0.0 is no address", -EINVAL;
	*why = range_misfit(lo, hi, len);
	if (*why != NULL)
		return -EINVAL;
	*first = lo;
	*count = hi - lo + 1;
	*plen = (uint8_t)len;
	return 0;
}

/* The low 64 bits of IPv6 address @p a (the interface part of a /64),
 * as a number. */
static uint64_t
low64(const uint8_t a[16])
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

/* Are @p a and @p b the same in their first @p plen bits? */
static bool
same_prefix6(const uint8_t a[16], const uint8_t b[16], unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff00u >> rest) & 0xff) == 0;
}

/* @p a with the bits after its first @p plen cleared: its prefix. */
static struct dps_addr
prefix6(const struct dps_addr *a, unsigned int plen)
{
	struct dps_addr z = *a;

	for (unsigned int b = plen; b < 128; b++)
		z.v6[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	return z;
}

/* Is the part of @p a after its first @p plen bits all zero? */
static bool
host_zero6(const struct dps_addr *a, unsigned int plen)
{
	struct dps_addr z = prefix6(a, plen);

	return memcmp(z.v6, a->v6, 16) == 0;
}

/* An IPv6 address the stack takes as its own (dps_stack_add_addr()):
 * NULL, or what it is instead. */
static const char *
not_unicast6(const uint8_t a[16])
{
	static const uint8_t any[16], lo[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, any, 16) == 0)
		return ":: is no address";
	if (memcmp(a, lo, 16) == 0)
		return "::1 is the loopback address";
	if (a[0] == 0xff)
		return "a multicast address is no local address";
	if (memcmp(a, mapped, 12) == 0)
		return "a v4-mapped address is no IPv6 address of its own (give the IPv4 one)";
	return NULL;
}

/* The IPv6 run "A" or "A-B" in @p buf with prefix length @p len. */
static int
parse_range6(char *buf, unsigned int len, struct dps_addr *first,
	uint32_t *count, const char **why)
{
	char *dash = strchr(buf, '-');
	struct dps_addr lo, hi;
	uint64_t n;

	if (dash != NULL)
		*dash = '\0';
	if (dps_addr6_parse(buf, &lo) != 0 ||
			(dash != NULL && dps_addr6_parse(dash + 1, &hi) != 0))
		return *why = "not an IPv6 address", -EINVAL;
	if (dash == NULL)
		hi = lo;
	if ((*why = not_unicast6(lo.v6)) != NULL || (*why = not_unicast6(hi.v6)) != NULL)
		return -EINVAL;
	if (!same_prefix6(lo.v6, hi.v6, len))
		return *why = "B is outside A's subnet", -EINVAL;
	if (memcmp(lo.v6, hi.v6, 8) != 0 || low64(hi.v6) < low64(lo.v6))
		return *why = memcmp(hi.v6, lo.v6, 16) < 0 ? "B is below A" :
			"a range holds at most 4294967295 addresses", -EINVAL;
	n = low64(hi.v6) - low64(lo.v6);
	if (n >= UINT32_MAX)
		return *why = "a range holds at most 4294967295 addresses", -EINVAL;
	if (n > 0 && len < 127 && (host_zero6(&lo, len) || host_zero6(&hi, len)))
		return *why = "a range may not hold its subnet's Subnet-Router anycast "
			"address", -EINVAL;
	*first = lo;
	*count = (uint32_t)n + 1;
	return 0;
}

int
app_parse_addrs(const char *s, struct dps_addr *first, uint32_t *count,
	uint8_t *plen, const char **why)
{
	char buf[96], *slash;
	unsigned int len;
	uint32_t lo;

	if (strchr(s, ':') == NULL) {
		if (app_parse_addr_range(s, &lo, count, plen, why) != 0)
			return -EINVAL;
		*first = dps_addr_v4(htonl(lo));
		return 0;
	}
	*why = "not A/LEN or A-B/LEN";
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return *why = "no /LEN", -EINVAL;
	*slash = '\0';
	if (app_parse_uint(slash + 1, 0, 128, &len) != 0)
		return *why = "LEN is not 0 to 128", -EINVAL;
	if (parse_range6(buf, len, first, count, why) != 0)
		return -EINVAL;
	*plen = (uint8_t)len;
	return 0;
}

struct dps_addr
app_addr_nth(const struct dps_addr *first, uint32_t i)
{
	struct dps_addr a = *first;
	uint64_t carry = i;

	if (a.family != AF_INET6) {
		a.v4 = htonl(ntohl(a.v4) + i);
		return a;
	}
	for (int k = 15; k >= 0 && carry != 0; k--) {
		carry += a.v6[k];
		a.v6[k] = (uint8_t)carry;
		carry >>= 8;
	}
	return a;
}

bool
app_on_subnet_addr(const struct dps_addr *local, uint8_t plen,
	const struct dps_addr *target)
{
	if (local->family != target->family)
		return false;
	if (local->family == AF_INET6)
		return same_prefix6(local->v6, target->v6, plen);
	return app_on_subnet(local->v4, plen, target->v4);
}

int
app_check_target_addr(const char *prog, const struct dps_addr *local,
	uint8_t plen, bool has_gw, const struct dps_addr *target)
{
	char t[INET6_ADDRSTRLEN], l[INET6_ADDRSTRLEN];
	struct dps_addr net;

	if (local->family == AF_INET && target->family == AF_INET)
		return app_check_target(prog, local->v4, plen, has_gw, target->v4);
	if (has_gw || app_on_subnet_addr(local, plen, target))
		return 0;
	net = local->family == target->family ? prefix6(local, plen) : *local;
	dps_addr_fmt(target, t, sizeof(t));
	dps_addr_fmt(&net, l, sizeof(l));
	if (local->family != target->family)
		fprintf(stderr, "%s: target %s is an %s address and the local address "
			"%s is not (give an --addr of its family)\n", prog, t,
			target->family == AF_INET6 ? "IPv6" : "IPv4", l);
	else
		fprintf(stderr, "%s: target %s is not in the local subnet %s/%u and "
			"no --gw was given\n", prog, t, l, plen);
	return -EINVAL;
}

bool
app_on_subnet(uint32_t local, uint8_t plen, uint32_t target)
{
	return ((ntohl(local) ^ ntohl(target)) & plen_mask(plen)) == 0;
}

int
app_check_target(const char *prog, uint32_t local, uint8_t plen, bool has_gw,
	uint32_t target)
{
	char t[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	struct in_addr a;

	if (has_gw || app_on_subnet(local, plen, target))
		return 0;
	a.s_addr = target;
	inet_ntop(AF_INET, &a, t, sizeof(t));
	a.s_addr = htonl(ntohl(local) & plen_mask(plen));
	inet_ntop(AF_INET, &a, net, sizeof(net));
	fprintf(stderr, "%s: target %s is not in the local subnet %s/%u and no "
		"--gw was given\n", prog, t, net, plen);
	return -EINVAL;
}

void
app_print_version(FILE *f, const char *prog)
{
	fprintf(f, "%s (dpstack %s, %s)\n", prog, DPS_VERSION,
		rte_version());
}

/* The entry of @p longopts that @p arg ("--name" or "--name=V") names;
 * NULL when none. */
static const struct option *
app_opt_named(const char *arg, const struct option *longopts)
{
	size_t len;

	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return NULL;
	arg += 2;
	len = strcspn(arg, "=");
	for (const struct option *o = longopts; o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
			return o;
	return NULL;
}

int
app_early_args(const char *prog, int argc, char **argv, int n_eal,
	const struct option *longopts, void (*usage)(FILE *f))
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			app_print_version(stdout, prog);
			return 0;
		}
	}
	for (int i = 1; i < n_eal && i < argc; i++)
		if (app_opt_named(argv[i], longopts) != NULL) {
			fprintf(stderr, "%s: '%s' is an option of %s, not of the EAL: put "
				"'--' between the EAL's options and %s's (%s [EAL options] "
				"-- [options]; try --help)\n", prog, argv[i], prog, prog, prog);
			return 2;
		}
	return -1;
}

/* The options themselves and those of --config files (app_config.c). */
int
app_parse_opts(const char *prog, int argc, char **argv,
	const struct option *longopts,
	int (*one)(void *ctx, int c, const char *arg), void *ctx)
{
	return app_config_parse(prog, argc, argv, longopts, one, ctx);
}

int
app_print_config_if_wanted(int rc, void (*print)(const void *o), const void *o)
{
	if (rc == 0 && app_config_print_wanted()) {
		print(o);
		exit(0);
	}
	return rc;
}
