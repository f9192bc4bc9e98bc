/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tuple arithmetic (see app_tuples.h): what a run holds at once
 * against sources x destinations x the ports a pair gives.
 */
#include <inttypes.h>
#include <stdio.h>
#include "app_tuples.h"

#define PORTS_MAX 65535u	/* --ports 1-65535 */

uint32_t
app_tuples_per_pair(uint32_t ports)
{
	/* Autobind walks an even count of ports (dps_tcp_autobind.c),
	 * one parity at a time; half of one parity is the count. */
	uint32_t n = (ports & ~1u) / 4;

	return n > 0 ? n : 1;
}

uint64_t
app_tuples_have(const struct app_tuples *t)
{
	if (t->udp)
		return t->ports;
	return (uint64_t)t->n_src * t->n_to * app_tuples_per_pair(t->ports);
}

static uint64_t
div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* What would be enough, TCP: the sources or destinations at the present
 * other counts, or a --ports range when one can be that large. */
static void
tcp_enough(const struct app_tuples *t, char *buf, size_t cap)
{
	uint64_t pp = app_tuples_per_pair(t->ports);
	uint64_t src = div_up(t->need, pp * t->n_to);
	uint64_t to = div_up(t->need, pp * t->n_src);
	uint64_t ports = 4 * div_up(t->need, (uint64_t)t->n_src * t->n_to);

	if (ports <= PORTS_MAX)
		snprintf(buf, cap, "give at least %" PRIu64 " source addresses "
			"(--addr A-B/LEN), %" PRIu64 " destinations (--to) or "
			"--ports of %" PRIu64, src, to, ports);
	else
		snprintf(buf, cap, "give at least %" PRIu64 " source addresses "
			"(--addr A-B/LEN) or %" PRIu64 " destinations (--to)", src, to);
}

bool
app_tuples_short(const struct app_tuples *t, const char *what, char *buf,
	size_t cap)
{
	uint64_t have = app_tuples_have(t);
	char enough[160];

	if (t->need <= have)
		return false;
	if (t->udp) {
		snprintf(buf, cap, "%s needs %" PRIu64 " tuples, more than the "
			"tuple space: %u ports (a UDP flow holds its port for every "
			"address and destination) = %" PRIu64, what, t->need,
			t->ports, have);
		return true;
	}
	tcp_enough(t, enough, sizeof(enough));
	snprintf(buf, cap, "%s needs %" PRIu64 " tuples, more than the tuple "
		"space: %u address%s x %u destination%s x %u ports per pair = "
		"%" PRIu64 " (a quarter of the %u of --ports: autobind walks one "
		"parity first, counted half full); %s", what, t->need, t->n_src,
		t->n_src > 1 ? "es" : "", t->n_to, t->n_to > 1 ? "s" : "",
		app_tuples_per_pair(t->ports), have, t->ports, enough);
	return true;
}

void
app_tuples_next_pair(uint32_t *src, uint32_t *to, uint32_t n_src, uint32_t n_to)
{
	if (++*to < n_to)
		return;
	*to = 0;
	*src = *src + 1 < n_src ? *src + 1 : 0;
}
