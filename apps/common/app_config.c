/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --config FILE and --print-config for every app (app_config.h).
 *
 * The options are first collected as records (the option, its value,
 * where it came from), the files' and then the command line's, and only
 * then handed to the app one by one; so the command line overrides a
 * file wherever --config stands on it, and the records are what
 * --print-config and the JSON summary show.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "app_config.h"

#define OPT_CONFIG 0x7f00
#define OPT_PRINT 0x7f01

/* One option as given. */
struct rec {
	const struct option *opt;	/* in the app's table */
	const char *arg;		/* NULL for a flag */
	const char *file;		/* NULL: the command line */
	unsigned int line;
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

/* The last parse's options in order, files first. */
static struct recs eff;
static bool print_wanted;
/* Every value read from a file: the apps keep pointers to them, so they
 * stay (and stay reachable) until the process exits. */
static char **kept;
static size_t n_kept, cap_kept;

/* Options that add up when repeated; the others keep their last value. */
static const char *const repeatable[] = { "to", "port", "header" };

/* Append @p r; false when out of memory. */
static bool
push(struct recs *rs, const struct rec *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct rec *v = realloc(rs->v, cap * sizeof(*v));

		if (v == NULL)
			return false;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return true;
}

/* A copy of @p v that lives until the process exits; NULL when out of
 * memory. */
static const char *
keep(const char *v)
{
	char *c;

	if (n_kept == cap_kept) {
		size_t cap = cap_kept ? cap_kept * 2 : 16;
		char **k = realloc(kept, cap * sizeof(*k));

		if (k == NULL)
			return NULL;
		kept = k;
		cap_kept = cap;
	}
	c = strdup(v);
	if (c != NULL)
		kept[n_kept++] = c;
	return c;
}

/* The option named @p key in @p lo, exactly (no abbreviation). */
static const struct option *
find_opt(const struct option *lo, const char *key)
{
	for (; lo->name != NULL; lo++)
		if (strcmp(lo->name, key) == 0)
			return lo;
	return NULL;
}

/* Cut the comment and the blanks around @p s; returns the start. */
static char *
trim(char *s)
{
	char *e;

	for (e = s; *e != '\0'; e++)
		if (*e == '#' && (e == s || isspace((unsigned char)e[-1]))) {
			*e = '\0';
			break;
		}
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A flag's value: 1 set, 0 not set, -1 not a truth value. */
static int
truth(const char *v)
{
	static const char *const yes[] = { "", "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(v, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcmp(v, no[i]) == 0)
			return 0;
	return -1;
}

/* A one-line error about @p file's line @p line; -EINVAL. */
static int
line_err(const char *prog, const char *file, unsigned int line,
	const char *what, const char *key)
{
	fprintf(stderr, "%s: %s line %u: %s '%s' (try --help)\n", prog, file,
		line, what, key);
	return -EINVAL;
}

/* One line of a file (comment and blanks cut) into @p rs. */
static int
file_line(const char *prog, const struct option *lo, struct recs *rs,
	char *s, const char *file, unsigned int line)
{
	struct rec r = { NULL, NULL, file, line };
	char *v;
	int t;

	if (strncmp(s, "--", 2) == 0)
		s += 2;
	v = s + strcspn(s, "= \t");
	if (*v != '\0') {
		*v++ = '\0';
		v = trim(v);
		if (*v == '=')
			v = trim(v + 1);
	}
	r.opt = find_opt(lo, s);
	if (r.opt == NULL)
		return line_err(prog, file, line, "unknown key", s);
	if (r.opt->has_arg == no_argument) {
		t = truth(v);
		if (t < 0)
			return line_err(prog, file, line,
				"bad value (true or false) for flag", s);
		return t == 0 || push(rs, &r) ? 0 : -ENOMEM;
	}
	if (*v == '\0' && r.opt->has_arg == required_argument)
		return line_err(prog, file, line, "no value for", s);
	r.arg = *v != '\0' ? keep(v) : NULL;
	if (*v != '\0' && r.arg == NULL)
		return -ENOMEM;
	return push(rs, &r) ? 0 : -ENOMEM;
}

/* Every line of @p file into @p rs. */
static int
read_file(const char *prog, const struct option *lo, struct recs *rs,
	const char *file)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL, *s;
	size_t cap = 0;
	unsigned int line = 0;
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot read --config %s: %s\n", prog, file,
			strerror(errno));
		return -EINVAL;
	}
	while (rc == 0 && getline(&buf, &cap, f) >= 0) {
		line++;
		s = trim(buf);
		if (*s != '\0')
			rc = file_line(prog, lo, rs, s, file, line);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* The app's table with --config and --print-config added. */
static struct option *
extend(const struct option *lo, size_t *n)
{
	struct option *x;

	for (*n = 0; lo[*n].name != NULL; (*n)++)
		;
	x = calloc(*n + 3, sizeof(*x));
	if (x == NULL)
		return NULL;
	memcpy(x, lo, *n * sizeof(*x));
	x[*n] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	x[*n + 1] = (struct option){ "print-config", no_argument, NULL, OPT_PRINT };
	return x;
}

/* getopt over the command line: the files' records into @p files, the
 * others into @p cmd. */
static int
collect(const char *prog, int argc, char **argv, const struct option *lo,
	struct recs *files, struct recs *cmd)
{
	struct option *x;
	size_t n;
	int c, idx, rc = 0;

	x = extend(lo, &n);
	if (x == NULL)
		return -ENOMEM;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "", x, &idx)) != -1) {
		if (c == '?' || c == ':') {
			fprintf(stderr, "%s: unknown or incomplete option '%s' (try --help)\n",
				prog, argv[optind - 1]);
			rc = -EINVAL;
		} else if (c == OPT_CONFIG) {
			rc = read_file(prog, lo, files, optarg);
		} else if (c == OPT_PRINT) {
			print_wanted = true;
		} else if (!push(cmd, &(struct rec){ &lo[idx], optarg, NULL, 0 })) {
			rc = -ENOMEM;
		}
	}
	free(x);
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (try --help)\n", prog,
			argv[optind]);
		rc = -EINVAL;
	}
	return rc;
}

int
app_config_parse(const char *prog, int argc, char **argv,
	const struct option *longopts,
	int (*one)(void *ctx, int c, const char *arg), void *ctx)
{
	struct recs cmd = { NULL, 0, 0 };
	int rc;

	eff.n = 0;
	print_wanted = false;
	rc = collect(prog, argc, argv, longopts, &eff, &cmd);
	for (size_t i = 0; rc == 0 && i < cmd.n; i++)
		if (!push(&eff, &cmd.v[i]))
			rc = -ENOMEM;
	free(cmd.v);
	if (rc == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", prog);
	for (size_t i = 0; rc == 0 && i < eff.n; i++) {
		const struct rec *r = &eff.v[i];

		rc = one(ctx, r->opt->val, r->arg);
		if (rc != 0 && r->file != NULL)
			fprintf(stderr, "%s: (--%s from %s line %u)\n", prog,
				r->opt->name, r->file, r->line);
	}
	return rc;
}

bool
app_config_print_wanted(void)
{
	return print_wanted;
}

void
app_config_dur(char *out, size_t cap, uint64_t ns)
{
	if (ns % 1000000000 == 0)
		snprintf(out, cap, "%" PRIu64 "s", ns / 1000000000);
	else if (ns % 1000000 == 0)
		snprintf(out, cap, "%" PRIu64 "ms", ns / 1000000);
	else
		snprintf(out, cap, "%" PRIu64 "us", (ns + 999) / 1000);
}

void
app_config_default_dur(struct app_config_default *d, const char *name, uint64_t ns)
{
	d->name = name;
	app_config_dur(d->value, sizeof(d->value), ns);
}

static void print_given(FILE *f);

/* Was option @p name given, on the command line or in a file? */
static bool
given(const char *name)
{
	for (size_t i = 0; i < eff.n; i++)
		if (strcmp(eff.v[i].opt->name, name) == 0)
			return true;
	return false;
}

void
app_config_print_all(FILE *f, const char *prog, const struct app_config_default *d,
	unsigned int n)
{
	/* No line between the two parts: fed back, the output is the same. */
	fprintf(f, "# %s settings (read back with --config FILE): those given, "
		"then every other one's value in effect\n", prog);
	print_given(f);
	for (unsigned int i = 0; i < n; i++)
		if (!given(d[i].name))
			fprintf(f, "%s %s\n", d[i].name, d[i].value);
}

/* Does option @p name add up when repeated? */
static bool
is_repeatable(const char *name)
{
	for (size_t i = 0; i < sizeof(repeatable) / sizeof(repeatable[0]); i++)
		if (strcmp(name, repeatable[i]) == 0)
			return true;
	return false;
}

/* Is record @p i in effect: repeatable, or its option's last record? */
static bool
in_effect(size_t i)
{
	if (is_repeatable(eff.v[i].opt->name))
		return true;
	for (size_t j = i + 1; j < eff.n; j++)
		if (eff.v[j].opt == eff.v[i].opt)
			return false;
	return true;
}

void
app_config_print(FILE *f, const char *prog)
{
	fprintf(f, "# %s settings (read back with --config FILE): those given; "
		"the others keep their defaults\n", prog);
	print_given(f);
}

/* The options in effect, one a line. */
static void
print_given(FILE *f)
{
	for (size_t i = 0; i < eff.n; i++) {
		if (!in_effect(i))
			continue;
		if (eff.v[i].arg == NULL)
			fprintf(f, "%s\n", eff.v[i].opt->name);
		else
			fprintf(f, "%s %s\n", eff.v[i].opt->name, eff.v[i].arg);
	}
}

void
app_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A repeatable option's values as a JSON array, all records of it. */
static void
json_array(FILE *f, const struct option *o)
{
	const char *sep = "[";

	for (size_t j = 0; j < eff.n; j++) {
		if (eff.v[j].opt != o)
			continue;
		fputs(sep, f);
		app_json_str(f, eff.v[j].arg != NULL ? eff.v[j].arg : "");
		sep = ",";
	}
	fputc(']', f);
}

/* Has an earlier record the option of record @p i? */
static bool
seen_before(size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (eff.v[j].opt == eff.v[i].opt)
			return true;
	return false;
}

void
app_config_json(FILE *f)
{
	const char *sep = "";

	fputc('{', f);
	for (size_t i = 0; i < eff.n; i++) {
		const struct rec *r = &eff.v[i];
		bool rep = is_repeatable(r->opt->name);

		if (rep ? seen_before(i) : !in_effect(i))
			continue;
		fputs(sep, f);
		app_json_str(f, r->opt->name);
		fputc(':', f);
		if (rep)
			json_array(f, r->opt);
		else if (r->arg == NULL)
			fputs("true", f);
		else
			app_json_str(f, r->arg);
		sep = ",";
	}
	fputc('}', f);
}
