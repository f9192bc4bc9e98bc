/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_CONFIG_H
#define DPS_APP_CONFIG_H

/*
 * Options from a file, for repeatable runs: every app that parses its
 * options with app_parse_opts() also takes
 *   --config FILE    the options of FILE, before those of the command line
 *   --print-config   print the effective options in FILE's form, exit 0
 * FILE holds one option a line, "key value" or "key=value" with the long
 * option's name as the key ("rate 1000", "to=198.18.0.1:80"); a flag
 * alone ("json") or with true/false; '#' starts a comment (at the start
 * of a line or after a blank); blank lines are skipped. A key repeated is
 * the option repeated. The command line comes after every --config, so
 * its options override the file's (or add to them, for the options that
 * repeat: --to, --port, --header).
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Usage lines for --config and --print-config. */
#define APP_CONFIG_USAGE \
"  --config FILE       options from FILE, one a line (\"rate 1000\", \"to=IP:PORT\",\n" \
"                      a flag alone, # comments); the command line's after\n" \
"  --print-config      print the effective options in that form, exit 0\n"

/*
 * Collect the options of @p argv (argv[0] the program name) and of every
 * --config FILE, then hand each to @p one in order: the files' first,
 * then the command line's. An unknown or incomplete option, a stray
 * argument, a bad line of a file, or a nonzero return of @p one ends it,
 * each with a one-line error (for a file's line, a second line names
 * FILE and the line). Returns 0 or what @p one returned (-EINVAL for the
 * others). The values read from files live until the process exits.
 */
int app_config_parse(const char *prog, int argc, char **argv,
	const struct option *longopts,
	int (*one)(void *ctx, int c, const char *arg), void *ctx);

/* True when the last app_config_parse() saw --print-config. */
bool app_config_print_wanted(void);

/* An option's name and the value it takes when not given. */
struct app_config_default {
	const char *name;
	char value[72];
};

/*
 * --print-config with the defaults: app_parse_opts() leaves it to the
 * app, which resolves its defaults first and then calls
 * app_config_print_all() with the value of each option it would use
 * when not given (app_print_config_if_wanted() does both, and exits 0).
 * Those that were given are not repeated.
 */
void app_config_print_all(FILE *f, const char *prog,
	const struct app_config_default *d, unsigned int n);
/* Duration @p ns in the options' form ("10s", "500ms", "200us"). */
void app_config_dur(char *out, size_t cap, uint64_t ns);
/* *@p d = option @p name with duration @p ns as its value. */
void app_config_default_dur(struct app_config_default *d, const char *name,
	uint64_t ns);

/* d[n] = option NAME with the value of a printf format; n++. */
#define APP_CONFIG_DEF(d, n, nm, ...) \
	((d)[n].name = (nm), \
	 snprintf((d)[n].value, sizeof((d)[0].value), __VA_ARGS__), (n)++)

/* The effective options of the last app_config_parse(), one a line in
 * the file form: each option once at the place of its last occurrence,
 * the repeatable ones every time. */
void app_config_print(FILE *f, const char *prog);

/* The same as one JSON object: "key":"value", true for a flag, an array
 * of strings for a repeatable option. */
void app_config_json(FILE *f);

/* @p s as a JSON string, quotes and escapes included. */
void app_json_str(FILE *f, const char *s);

#endif
