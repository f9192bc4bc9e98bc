/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PKT_MAIN_H
#define PKT_MAIN_H

/* The command line shared by the two targets: pkt_main.c. */

#include <stdbool.h>
#include <stddef.h>

#include "pkt_run.h"

struct pkt_driver {
	const char *name;
	int jobs;			/* scripts at once unless -j says */
	int tries;			/* runs of a failing script */
	bool honours_deviations;	/* "# deviation: dpstack:" applies */
	/* Can the target run here at all? If not, false and why. */
	bool (*available)(char *why, size_t len);
	/* In a child process of its own: run @s; 0 pass, 1 fail, 2 skip,
	 * with a message in @msg. */
	int (*run)(const struct pkt_script *s, char *msg, size_t len);
};

/* Run the scripts named on the command line ([-j N] script...). */
int pkt_main(const struct pkt_driver *d, int argc, char **argv);

#endif
