/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver shared by both targets: parse each script, run it in a child
 * process of its own (a fresh namespace or EAL, and a call left blocked by
 * a failure dies with it), a few at a time, and report one line each:
 *   PASS, FAIL (with the first failure), XFAIL (a known deviation failed
 *   as documented), XPASS (a deviation passed: its mark is stale), SKIP.
 * The exit status is 0 unless a script failed or passed unexpectedly;
 * 77 (skipped) when the target is not available at all.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pkt_main.h"

#define MAX_JOBS	16
#define CHILD_LIMIT_S	150
#define MSG_MAX		2048

enum status { ST_PASS, ST_FAIL, ST_SKIP };

struct job {
	pid_t pid;
	int fd;
	const char *path;
	int tries;
};

static struct pkt_script script;

/* In the child: run @path, write the message to @fd, exit with a status. */
static void
child(const struct pkt_driver *d, const char *path, int fd)
{
	char msg[MSG_MAX] = "";
	int st;

	alarm(CHILD_LIMIT_S);
	if (pkt_parse_file(path, &script, msg, sizeof(msg)) != 0) {
		st = ST_FAIL;
	} else {
		st = d->run(&script, msg, sizeof(msg));
	}
	if (write(fd, msg, strlen(msg)) < 0)
		st = ST_FAIL;
	_exit(st);
}

static int
spawn(const struct pkt_driver *d, struct job *j)
{
	int p[2];

	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	j->pid = fork();
	if (j->pid < 0)
		return -1;
	if (j->pid == 0) {
		close(p[0]);
		child(d, j->path, p[1]);
	}
	close(p[1]);
	j->fd = p[0];
	j->tries++;
	return 0;
}

/* The outcome of a finished job, and its message in @msg. */
static enum status
reap(struct job *j, int wst, char *msg, size_t len)
{
	ssize_t n = read(j->fd, msg, len - 1);

	msg[n > 0 ? n : 0] = '\0';
	close(j->fd);
	if (WIFSIGNALED(wst)) {
		snprintf(msg, len, "killed by signal %d", WTERMSIG(wst));
		return ST_FAIL;
	}
	if (!WIFEXITED(wst) || WEXITSTATUS(wst) > ST_SKIP)
		return ST_FAIL;
	return (enum status)WEXITSTATUS(wst);
}

struct tally {
	int pass, fail, xfail, xpass, skip;
};

/* Print one result and count it. */
static void
report(const struct pkt_driver *d, const char *path, enum status st,
	const char *msg, struct tally *t)
{
	char err[MSG_MAX];
	bool dev = false;

	if (pkt_parse_file(path, &script, err, sizeof(err)) == 0)
		dev = d->honours_deviations && script.deviation[0] != '\0';
	if (st == ST_SKIP) {
		t->skip++;
		printf("SKIP  %s: %s\n", path, msg);
	} else if (st == ST_PASS && !dev) {
		t->pass++;
		printf("PASS  %s\n", path);
	} else if (st == ST_PASS) {
		t->xpass++;
		printf("XPASS %s: passes though marked a deviation (%s)\n", path,
			script.deviation);
	} else if (dev) {
		t->xfail++;
		printf("XFAIL %s: deviation:%s\n      %s\n", path, script.deviation,
			msg);
	} else {
		t->fail++;
		printf("FAIL  %s: %s\n", path, msg);
	}
	fflush(stdout);
}

/* The scripts named by @argv: files as given, directories as their
 * *.pkt in name order (so that a new script needs no build change). */
static int
scripts_of(int argc, char **argv, glob_t *g)
{
	char pat[4096];
	int flags = 0;

	memset(g, 0, sizeof(*g));
	for (int i = 0; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(pat, sizeof(pat), "%s/*.pkt", argv[i]);
			rc = glob(pat, flags, NULL, g);
		} else {
			rc = glob(argv[i], flags | GLOB_NOCHECK, NULL, g);
		}
		if (rc != 0 && rc != GLOB_NOMATCH)
			return -1;
		flags = GLOB_APPEND;
	}
	return 0;
}

int
pkt_main(const struct pkt_driver *d, int argc, char **argv)
{
	struct job jobs[MAX_JOBS];
	struct tally t = { 0 };
	int njobs = d->jobs, running = 0, next = 1, opt;
	char msg[MSG_MAX];
	glob_t g;

	while ((opt = getopt(argc, argv, "j:")) != -1) {
		if (opt != 'j')
			return 2;
		njobs = atoi(optarg);
	}
	if (njobs < 1 || njobs > MAX_JOBS)
		njobs = 1;
	if (scripts_of(argc - optind, argv + optind, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "usage: %s [-j N] script.pkt|dir...\n", argv[0]);
		return 2;
	}
	argc = (int)g.gl_pathc;
	argv = g.gl_pathv;
	next = 0;
	if (d->available != NULL && !d->available(msg, sizeof(msg))) {
		printf("SKIP  all: %s\n", msg);
		return 77;
	}
	while (next < argc || running > 0) {
		int wst, i;
		pid_t pid;
		enum status st;

		while (running < njobs && next < argc) {
			jobs[running] = (struct job){ .path = argv[next++] };
			if (spawn(d, &jobs[running]) != 0) {
				perror("fork");
				return 1;
			}
			running++;
		}
		pid = wait(&wst);
		if (pid < 0)
			break;
		for (i = 0; i < running && jobs[i].pid != pid; i++)
			;
		if (i == running)
			continue;
		st = reap(&jobs[i], wst, msg, sizeof(msg));
		/* The kernel runs in real time: a failure gets one more try,
		 * so that a preempted runner does not fail a script. */
		if (st == ST_FAIL && jobs[i].tries < d->tries) {
			printf("retry %s: %s\n", jobs[i].path, msg);
			if (spawn(d, &jobs[i]) == 0)
				continue;
		}
		report(d, jobs[i].path, st, msg, &t);
		jobs[i] = jobs[--running];
	}
	printf("%s: %d passed, %d failed, %d xfail, %d xpass, %d skipped\n",
		d->name, t.pass, t.fail, t.xfail, t.xpass, t.skip);
	globfree(&g);
	return t.fail + t.xpass > 0 ? 1 : 0;
}
