/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timer wheel's cost per poll, for callgrind: N timers armed at
 * deadlines spread over 1 to 20 s (beyond a turn of the wheel, as the
 * retransmission and keep-alive deadlines of many connections are), then
 * polled every 1 us of a virtual clock, as dps_stack_poll() does on a
 * busy lcore, for D virtual milliseconds. Each poll runs inside
 * poll_once(), so callgrind's --toggle-collect counts the wheel's work
 * and nothing of the set-up:
 *
 *   valgrind --tool=callgrind --collect-atstart=no \
 *       --toggle-collect=poll_once build/bench/tw_poll [N [D]]
 *
 * and the instructions per poll are the summary over the polls printed.
 * No EAL: the wheel is pure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "dps_timer.h"

#define STEP_NS 1000
#define SEC 1000000000ull

static struct dps_twheel wheel;

static void
fired(struct dps_tnode *n, void *arg)
{
	(void)n;
	(*(uint64_t *)arg)++;
}

__attribute__((noinline)) unsigned int poll_once(uint64_t now, uint64_t *cnt);
__attribute__((noinline)) unsigned int
poll_once(uint64_t now, uint64_t *cnt)
{
	return dps_tw_expire(&wheel, now, fired, cnt);
}

int
main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	uint64_t ms = argc > 2 ? strtoull(argv[2], NULL, 10) : 100;
	uint64_t t0 = 1000 * SEC, now, polls = 0, cnt = 0, rnd = 88172645463325252ull;
	struct dps_tnode *nodes = calloc(n, sizeof(*nodes));

	if (nodes == NULL || n == 0) {
		fprintf(stderr, "usage: tw_poll [N [D]]\n");
		return 2;
	}
	dps_tw_init(&wheel, t0);
	for (uint64_t i = 0; i < n; i++) {
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		dps_tw_arm(&wheel, &nodes[i], t0 + SEC + rnd % (19 * SEC));
	}
	for (now = t0; now < t0 + ms * 1000000; now += STEP_NS, polls++)
		poll_once(now, &cnt);
	printf("timers %" PRIu64 " polls %" PRIu64 " fired %" PRIu64 "\n", n, polls, cnt);
	free(nodes);
	return cnt == 0 ? 0 : 1;
}
