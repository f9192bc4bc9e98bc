/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_ARGS_H
#define DPS_APP_ARGS_H

/* Argument helpers shared by the apps: one-line errors, strict numbers. */

/* Print "PROG: invalid WHAT 'VAL' (try --help)"; returns -EINVAL. */
int app_bad_arg(const char *prog, const char *what, const char *val);

/* A decimal in [lo, hi], nothing else (no sign, no trailing text);
 * 0 or -EINVAL. */
int app_parse_uint(const char *s, unsigned int lo, unsigned int hi,
	unsigned int *out);

#endif
