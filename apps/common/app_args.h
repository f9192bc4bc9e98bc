/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_ARGS_H
#define DPS_APP_ARGS_H

/* Argument helpers shared by the apps: one-line errors, strict numbers. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <netinet/in.h>
#include "dps_addr.h"

/* Print "PROG: invalid WHAT 'VAL' (try --help)"; returns -EINVAL. */
int app_bad_arg(const char *prog, const char *what, const char *val);

/* A decimal in [lo, hi], nothing else (no sign, no trailing text);
 * 0 or -EINVAL. */
int app_parse_uint(const char *s, unsigned int lo, unsigned int hi,
	unsigned int *out);

/* A size with an optional binary suffix: "1400", "64k", "1M", "2g"
 * (k = 1024). In [lo, hi]; 0 or -EINVAL. */
int app_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* A duration: "10" or "10s", "500ms", "200us", "2m", "1h"; in nanoseconds,
 * within [lo_ns, hi_ns]; 0 or -EINVAL. */
int app_parse_duration(const char *s, uint64_t lo_ns, uint64_t hi_ns,
	uint64_t *out_ns);

/* "IP:PORT" (IPv4); 0 or -EINVAL. */
int app_parse_sockaddr(const char *s, struct sockaddr_in *out);

/* A socket address of either family, as the apps' --to holds it. */
union app_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* "IP:PORT" (IPv4) or "[IPv6]:PORT" (RFC 3986 3.2.2's brackets, no zone
 * index); 0 or -EINVAL. */
int app_parse_endpoint(const char *s, union app_sockaddr *out);

/* The length connect() and bind() take for @p a: by its family. */
static inline socklen_t
app_sockaddr_len(const union app_sockaddr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->sin6) : sizeof(a->sin);
}

/* @p a as "IP:PORT" or "[IPv6]:PORT" into @p buf (at least 56 bytes). */
const char *app_sockaddr_fmt(const union app_sockaddr *a, char *buf, size_t cap);

/* "LO-HI" or a single "N" (then LO = HI = N), within [lo, hi];
 * 0 or -EINVAL. */
int app_parse_range(const char *s, unsigned int lo, unsigned int hi,
	unsigned int *out_lo, unsigned int *out_hi);

/*
 * A local address, or a run of consecutive ones, with its prefix length:
 * "A/LEN" (A alone) or "A-B/LEN" (A to B, both included; B = A is A
 * alone). Any size: a run may fill its subnet, e.g.
 * 198.18.0.2-198.19.255.254/15 (131,069 addresses), but must stay inside
 * A's subnet and, when it holds more than one address, hold neither the
 * subnet's own address nor, below /31, its broadcast address (not host
 * addresses, RFC 919/922). 0.0.0.0 is no address.
 * *@p first is in host order, *@p count how many addresses. Returns 0, or
 * -EINVAL with *@p why (static text) saying what is wrong.
 */
int app_parse_addr_range(const char *s, uint32_t *first, uint32_t *count,
	uint8_t *plen, const char **why);

/*
 * The same for either family: an IPv4 run as app_parse_addr_range(), or
 * an IPv6 one, "A/LEN" or "A-B/LEN" with LEN up to 128
 * (2001:db8::2-2001:db8::20/64). An IPv6 address must be a unicast one
 * the stack can hold (not ::, ::1, v4-mapped, multicast); a run of more
 * than one stays inside A's subnet, holds at most 2^32 - 1 addresses,
 * and, below /127, not the subnet's Subnet-Router anycast address (the
 * prefix with an all-zero interface part, RFC 4291 2.6.1). *@p first is
 * in network order as struct dps_addr keeps it. 0, or -EINVAL with
 * *@p why.
 */
int app_parse_addrs(const char *s, struct dps_addr *first, uint32_t *count,
	uint8_t *plen, const char **why);

/* Address @p i of the run from @p first (either family): @p first plus
 * @p i, carried across bytes. */
struct dps_addr app_addr_nth(const struct dps_addr *first, uint32_t i);

/* Is @p target in the subnet of @p local / @p plen (same family)? */
bool app_on_subnet_addr(const struct dps_addr *local, uint8_t plen,
	const struct dps_addr *target);

/* app_check_target() for either family (@p target of @p local's family;
 * another family is never on the subnet). */
int app_check_target_addr(const char *prog, const struct dps_addr *local,
	uint8_t plen, bool has_gw, const struct dps_addr *target);

/* The address of socket address @p a as a struct dps_addr. */
struct dps_addr app_sockaddr_addr(const union app_sockaddr *a);

/* Is @p target in the subnet of @p local / @p plen (network order)? */
bool app_on_subnet(uint32_t local, uint8_t plen, uint32_t target);

/*
 * Can the stack reach @p target (network order) without a route? Only
 * inside the local subnet of @p local (network order) / @p plen, unless
 * a default gateway (@p has_gw) is given: a SYN to anywhere else has no
 * next hop, and every connect would fail. 0, or -EINVAL after the
 * one-line error "PROG: target X is not in the local subnet A/LEN and
 * no --gw was given".
 */
int app_check_target(const char *prog, uint32_t local, uint8_t plen, bool has_gw,
	uint32_t target);

/*
 * What the command line asks before the EAL starts, looked for in the
 * whole of @p argv: -h or --help prints @p usage to stdout, --version
 * the version; both return 0, the exit status. An option of the app's
 * own (@p longopts, "--name" or "--name=V") among the EAL's arguments
 * argv[1..@p n_eal) is a forgotten "--": a one-line error saying so, 2.
 * Otherwise -1: go on.
 */
int app_early_args(const char *prog, int argc, char **argv, int n_eal,
	const struct option *longopts, void (*usage)(FILE *f));

/* "PROG VERSION (DPDK ...)" and a newline to @p f. */
void app_print_version(FILE *f, const char *prog);

/* Run getopt_long over @p argv (the app's own options, argv[0] the program
 * name) and hand each option to @p one. An unknown or incomplete option,
 * a stray argument, or a nonzero return of @p one ends it: the first two
 * with a one-line error naming them. Returns 0 or what @p one returned
 * (-EINVAL for the first two). --config FILE and --print-config come with
 * it (app_config.h); --print-config is only noted: the app prints once its
 * defaults are resolved (app_print_config_if_wanted()). */
int app_parse_opts(const char *prog, int argc, char **argv,
	const struct option *longopts,
	int (*one)(void *ctx, int c, const char *arg), void *ctx);

/* After the options were parsed and resolved with result @p rc: when
 * that went well and --print-config was given, @p print(@p o) and exit 0.
 * Returns @p rc. */
int app_print_config_if_wanted(int rc, void (*print)(const void *o), const void *o);

#endif
