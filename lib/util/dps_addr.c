/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include "dps_addr.h"

int
dps_addr_parse(const char *s, struct dps_addr *out)
{
	struct in_addr a;

	if (s == NULL || out == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = dps_addr_v4(a.s_addr);
	return 0;
}

int
dps_addr6_parse(const char *s, struct dps_addr *out)
{
	struct in6_addr a;

	if (s == NULL || out == NULL || inet_pton(AF_INET6, s, &a) != 1)
		return -EINVAL;
	*out = dps_addr_v6(a.s6_addr);
	return 0;
}

/* "addr/len" with @parse for the address and a length up to @max. */
static int
prefix_parse(const char *s, struct dps_addr *out, uint8_t *prefixlen,
	int (*parse)(const char *, struct dps_addr *), long max)
{
	char buf[64];
	const char *slash;
	char *end;
	long len;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(s, '/');
	/* Digits only: strtol() alone would take " 8", "+8" and "-0". */
	if (slash == NULL || !isdigit((unsigned char)slash[1]))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len < 0 || len > max)
		return -EINVAL;
	if (parse(buf, out) != 0)
		return -EINVAL;
	*prefixlen = (uint8_t)len;
	return 0;
}

int
dps_prefix_parse(const char *s, struct dps_addr *out, uint8_t *prefixlen)
{
	return prefix_parse(s, out, prefixlen, dps_addr_parse, 32);
}

int
dps_prefix6_parse(const char *s, struct dps_addr *out, uint8_t *prefixlen)
{
	return prefix_parse(s, out, prefixlen, dps_addr6_parse, 128);
}

const char *
dps_addr_fmt(const struct dps_addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->v6, buf, (socklen_t)len);
	else if (a->family == AF_INET)
		inet_ntop(AF_INET, &a->v4, buf, (socklen_t)len);
	else
		snprintf(buf, len, "(family %u)", a->family);
	return buf;
}

bool
dps_addr_eq(const struct dps_addr *a, const struct dps_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}
