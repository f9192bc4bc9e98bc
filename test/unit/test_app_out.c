/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of what the apps write for other tools: the .hgrm
 * percentile distribution (app_hgrm) with the mean and standard deviation
 * on known histograms, and the option files (app_config: --config,
 * --print-config and its round trip, the settings as JSON).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include "app_config.h"
#include "app_hgrm.h"
#include "app_hist.h"

static struct app_hist h;

/* ---- mean and standard deviation ---- */

Test(app_out, mean_stddev_exact)
{
	/* 1..100 once each: exact buckets; mean 50.5, population variance
	 * (100^2 - 1) / 12 */
	app_hist_reset(&h);
	for (uint64_t v = 1; v <= 100; v++)
		app_hist_add(&h, v);
	cr_assert_float_eq(app_hist_mean(&h), 50.5, 1e-12);
	cr_assert_float_eq(app_hist_stddev(&h), sqrt(9999.0 / 12.0), 1e-9);
	app_hist_reset(&h);
	cr_assert_eq(app_hist_stddev(&h), 0.0);
	app_hist_add(&h, 10);
	cr_assert_eq(app_hist_stddev(&h), 0.0);
	app_hist_add(&h, 20);
	cr_assert_float_eq(app_hist_stddev(&h), 5.0, 1e-12);
}

Test(app_out, stddev_within_bucket_width)
{
	/* 1 us and 1 ms, a thousand each: the buckets are under 1% wide, so
	 * the deviation (about 499.5 us) is within 1% */
	app_hist_reset(&h);
	for (int i = 0; i < 1000; i++) {
		app_hist_add(&h, 1000);
		app_hist_add(&h, 1000000);
	}
	cr_assert_float_eq(app_hist_mean(&h), 500500.0, 1e-6);
	cr_assert(fabs(app_hist_stddev(&h) - 499500.0) < 4995.0, "%f",
		app_hist_stddev(&h));
}

/* ---- .hgrm ---- */

/* @p h written as .hgrm, in a malloc'd string. */
static char *
hgrm_of(const struct app_hist *x)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	app_hgrm_write(f, x, 5);
	fclose(f);
	return buf;
}

Test(app_out, hgrm_known_histogram)
{
	char *buf, *line, *save = NULL;
	double val, q, inv, lastq = -1, mean, sd, max;
	unsigned long long total, lasttot = 0, cnt;
	unsigned int rows = 0, nb, nsb;
	bool saw50 = false, saw90 = false, sawlast = false;
	char tail[32];

	app_hist_reset(&h);
	for (uint64_t v = 1; v <= 100; v++)
		app_hist_add(&h, v);
	buf = hgrm_of(&h);
	cr_assert(strncmp(buf, "       Value   Percentile   TotalCount "
		"1/(1-Percentile)\n\n", 57) == 0, "%s", buf);
	line = strtok_r(buf + 57, "\n", &save);
	for (; line != NULL && line[0] != '#'; line = strtok_r(NULL, "\n", &save)) {
		cr_assert_eq(sscanf(line, "%lf %lf %llu %31s", &val, &q, &total,
			tail), 4, "%s", line);
		rows++;
		/* every value is its own bucket: the count up to v is v */
		cr_assert_eq((unsigned long long)llround(val * 1e6), total, "%s", line);
		cr_assert_geq(q, lastq, "%s", line);
		cr_assert_geq(total, lasttot, "%s", line);
		cr_assert_geq((double)total / 100.0 + 1e-9, q, "%s", line);
		if (q < 1.0) {
			inv = strtod(tail, NULL);
			cr_assert_float_eq(inv, 1.0 / (1.0 - q), 0.006, "%s", line);
		}
		if (rows == 1)
			cr_assert(total == 1 && q == 0.0, "%s", line);
		saw50 |= q == 0.5 && total == 50;
		saw90 |= q == 0.9 && total == 90;
		if (q == 1.0) {
			cr_assert_str_eq(tail, "inf");
			cr_assert_eq(total, 100);
			sawlast = true;
		}
		lastq = q;
		lasttot = total;
	}
	cr_assert(saw50 && saw90 && sawlast, "rows %u", rows);
	/* 0..50 by 10, to 75 by 5, to 87.5 by 2.5, ...: well over 20 rows */
	cr_assert_gt(rows, 20);
	cr_assert_not_null(line);
	cr_assert_eq(sscanf(line, "#[Mean    = %lf, StdDeviation   = %lf]", &mean,
		&sd), 2, "%s", line);
	cr_assert_float_eq(mean, 50.5e-6, 1e-6);
	cr_assert_float_eq(sd, sqrt(9999.0 / 12.0) * 1e-6, 1e-6);
	line = strtok_r(NULL, "\n", &save);
	cr_assert_eq(sscanf(line, "#[Max     = %lf, Total count    = %llu]", &max,
		&cnt), 2, "%s", line);
	cr_assert_float_eq(max, 100e-6, 1e-9);
	cr_assert_eq(cnt, 100);
	line = strtok_r(NULL, "\n", &save);
	cr_assert_eq(sscanf(line, "#[Buckets = %u, SubBuckets     = %u]", &nb,
		&nsb), 2, "%s", line);
	cr_assert_eq(nsb, 256);
	cr_assert_eq(nb, APP_HIST_MAX_EXP);
	cr_assert_null(strtok_r(NULL, "\n", &save));
	free(buf);
}

/* Collects the rows of app_hgrm_rows(). */
static struct app_hgrm_row got[256];
static unsigned int n_got;

static void
keep_row(const struct app_hgrm_row *r, void *arg)
{
	(void)arg;
	if (n_got < 256)
		got[n_got] = *r;
	n_got++;
}

Test(app_out, hgrm_rows_steps)
{
	/* one value 1000 times: a row at 0% from its bucket, then the last
	 * bucket's one row at the next step (10%), then 100% */
	app_hist_reset(&h);
	for (int i = 0; i < 1000; i++)
		app_hist_add(&h, 5000);
	n_got = 0;
	cr_assert_eq(app_hgrm_rows(&h, 5, keep_row, NULL), 2);
	cr_assert_eq(n_got, 2);
	cr_assert_eq(got[0].pct, 0.0);
	cr_assert_eq(got[0].value_ns, 5000);
	cr_assert_eq(got[0].total, 1000);
	cr_assert_eq(got[1].pct, 100.0);
	/* 1..1000: the steps halve as the distance to 100% halves */
	app_hist_reset(&h);
	for (uint64_t v = 1; v <= 1000; v++)
		app_hist_add(&h, v);
	n_got = 0;
	app_hgrm_rows(&h, 5, keep_row, NULL);
	cr_assert_float_eq(got[1].pct, 10.0, 1e-9);
	cr_assert_float_eq(got[5].pct, 50.0, 1e-9);
	cr_assert_float_eq(got[6].pct, 55.0, 1e-9);
	cr_assert_float_eq(got[11].pct, 77.5, 1e-9);
	cr_assert_eq(got[n_got - 1].pct, 100.0);
	cr_assert_eq(got[n_got - 1].value_ns, 1000);
	/* empty: no rows, and the file is header and footer */
	app_hist_reset(&h);
	n_got = 0;
	cr_assert_eq(app_hgrm_rows(&h, 5, keep_row, NULL), 0);
}

/* ---- --config, --print-config ---- */

enum { O_RATE = 'r', O_TO = 't', O_JSON = 'j', O_PATH = 'p' };

static const struct option lo[] = {
	{ "rate", required_argument, NULL, O_RATE },
	{ "to", required_argument, NULL, O_TO },
	{ "json", no_argument, NULL, O_JSON },
	{ "path", required_argument, NULL, O_PATH },
	{ NULL, 0, NULL, 0 },
};

/* What the "app" was handed, "c=arg;" each. */
static char seen[1024];

static int
one(void *ctx, int c, const char *arg)
{
	size_t n = strlen(seen);

	(void)ctx;
	snprintf(seen + n, sizeof(seen) - n, "%c=%s;", c, arg ? arg : "");
	return arg != NULL && strcmp(arg, "bad") == 0 ? -EINVAL : 0;
}

static char name[4][64];
static unsigned int k;

/* Remove the temporary files. */
static void
tmp_clean(void)
{
	for (unsigned int i = 0; i < 4; i++)
		if (name[i][0] != '\0')
			unlink(name[i]);
}

/* Write @p text to a new temporary file; its name (static). */
static const char *
tmp_file(const char *text)
{
	char *p = name[k++ % 4];
	FILE *f;
	int fd;

	strcpy(p, "/tmp/dps-cfg-XXXXXX");
	fd = mkstemp(p);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

/* app_config_parse() on a NULL-terminated argument list. */
static int
parse(const char *first, ...)
{
	char *av[32] = { "prog" };
	int ac = 1;
	va_list ap;
	int rc;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		av[ac++] = (char *)a;
	va_end(ap);
	seen[0] = '\0';
	rc = app_config_parse("prog", ac, av, lo, one, NULL);
	tmp_clean();
	return rc;
}

/* app_config_print() or app_config_json() into a string (static). */
static const char *
printed(bool json)
{
	static char out[2048];
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (json)
		app_config_json(f);
	else
		app_config_print(f, "prog");
	fclose(f);
	return out;
}

Test(app_out, config_file_forms)
{
	const char *f = tmp_file("# a comment\n\n  rate 100  \nto=198.18.0.1:80\n"
		"--to = 198.18.0.2:80   # trailing comment\njson\n"
		"json false\npath /a#b\n");

	cr_assert_eq(parse("--config", f, NULL), 0);
	cr_assert_str_eq(seen, "r=100;t=198.18.0.1:80;t=198.18.0.2:80;j=;p=/a#b;");
	cr_assert_not(app_config_print_wanted());
}

Test(app_out, config_command_line_overrides)
{
	const char *f = tmp_file("rate 100\nto 198.18.0.1:80\n");

	/* the file's options first wherever --config stands */
	cr_assert_eq(parse("--rate", "5", "--config", f, "--to", "198.18.0.3:80",
		"--print-config", NULL), 0);
	cr_assert_str_eq(seen, "r=100;t=198.18.0.1:80;r=5;t=198.18.0.3:80;");
	cr_assert(app_config_print_wanted());
	/* the rate given last, both destinations */
	cr_assert_str_eq(printed(false), "# prog settings (read back with --config "
		"FILE): those given; the others keep their defaults\n"
		"to 198.18.0.1:80\nrate 5\nto 198.18.0.3:80\n");
	cr_assert_str_eq(printed(true), "{\"to\":[\"198.18.0.1:80\","
		"\"198.18.0.3:80\"],\"rate\":\"5\"}");
}

Test(app_out, config_errors)
{
	cr_assert_eq(parse("--config", tmp_file("rate\n"), NULL), -EINVAL);
	cr_assert_eq(parse("--config", tmp_file("nosuch 1\n"), NULL), -EINVAL);
	cr_assert_eq(parse("--config", tmp_file("ra 1\n"), NULL), -EINVAL,
		"no abbreviations in a file");
	cr_assert_eq(parse("--config", tmp_file("json maybe\n"), NULL), -EINVAL);
	cr_assert_eq(parse("--config", "/nonexistent/dps.cfg", NULL), -EINVAL);
	cr_assert_eq(parse("--config", NULL), -EINVAL);
	cr_assert_eq(parse("stray", NULL), -EINVAL);
	/* the app's own refusal comes back, and nothing after it is handed */
	cr_assert_eq(parse("--config", tmp_file("rate bad\nto x\n"), NULL), -EINVAL);
	cr_assert_str_eq(seen, "r=bad;");
}

Test(app_out, print_config_round_trip)
{
	const char *f = tmp_file("rate 100\nto 198.18.0.1:80\njson\npath /x y\n");
	char first[2048];

	cr_assert_eq(parse("--config", f, "--rate", "7", "--to", "198.18.0.9:80",
		"--print-config", NULL), 0);
	strcpy(first, printed(false));
	/* fed back, the same settings reach the app and print the same */
	cr_assert_eq(parse("--config", tmp_file(first), "--print-config", NULL), 0);
	cr_assert_str_eq(seen, "t=198.18.0.1:80;j=;p=/x y;r=7;t=198.18.0.9:80;");
	cr_assert_str_eq(printed(false), first);
}

/* An app that resolves its defaults prints them after the options given,
 * each option once: fed back, the same text again. */
Test(app_out, config_print_all_with_defaults)
{
	struct app_config_default d[] = {
		{ "rate", "0" }, { "path", "/" }, { "to", "198.18.0.9:80" },
	};
	static char out[2048], again[2048];
	FILE *f;

	cr_assert_eq(parse("--rate", "5", "--print-config", NULL), 0);
	f = fmemopen(out, sizeof(out), "w");
	app_config_print_all(f, "prog", d, 3);
	fclose(f);
	cr_assert_str_eq(out, "# prog settings (read back with --config FILE): those "
		"given, then every other one's value in effect\n"
		"rate 5\npath /\nto 198.18.0.9:80\n");
	cr_assert_eq(parse("--config", tmp_file(out), "--print-config", NULL), 0);
	f = fmemopen(again, sizeof(again), "w");
	app_config_print_all(f, "prog", d, 3);
	fclose(f);
	cr_assert_str_eq(again, out);
	char dur[16];
	app_config_dur(dur, sizeof(dur), 10000000000ull);
	cr_assert_str_eq(dur, "10s");
	app_config_dur(dur, sizeof(dur), 1500000000ull);
	cr_assert_str_eq(dur, "1500ms");
	app_config_dur(dur, sizeof(dur), 200000);
	cr_assert_str_eq(dur, "200us");
}
