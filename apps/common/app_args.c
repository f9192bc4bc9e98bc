/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "app_args.h"

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
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
			v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}
