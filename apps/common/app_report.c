/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reporter thread and the summary. Every figure comes from the
 * per-lcore counters (the client's, the server's, the stack's), read
 * with relaxed loads; percentiles from the client's histograms.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app_args.h"
#include "app_hgrm.h"
#include "app_json.h"
#include "app_report.h"
#include "app_report_int.h"
#include "app_stack.h"

#define SEC 1000000000ull
#define LINGER_NS 100000000	/* after a clean drain, before the stop */

struct app_report {
	struct app_report_conf c;
	pthread_t th;
	uint64_t t0, t_end;
	uint32_t mbuf_base;
	bool interrupted;
	bool leak_checked, leak_ok;
	struct dps_sock_stats leak;
	struct snap first, prev, last;
	struct app_hist *iv;		/* interval histogram (reporter) */
};

/* Defaults: 10 s, no error allowed. */
void
app_report_conf_init(struct app_report_conf *c, const char *prog)
{
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->duration_ns = 10 * SEC;
	c->max_errors_pct = -1;
	c->what = "";
}

/* "N" (a count) or "P%" (a percentage of the requests). */
int
app_report_max_errors(struct app_report_conf *c, const char *s)
{
	size_t n = strlen(s);
	char *end;
	double p;
	unsigned int v;

	if (n > 1 && s[n - 1] == '%') {
		errno = 0;
		p = strtod(s, &end);
		if (errno != 0 || end != s + n - 1 || s[0] < '0' || s[0] > '9' ||
				p < 0 || p > 100)
			return -EINVAL;
		c->max_errors_pct = p;
		return 0;
	}
	if (app_parse_uint(s, 0, 4000000000u, &v) != 0)
		return -EINVAL;
	c->max_errors = v;
	c->max_errors_pct = -1;
	return 0;
}

/* Snapshot every counter now (relaxed loads, see the engines). */
static void
take(const struct app_report *r, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->ns = app_now_ns();
	if (r->c.cl != NULL)
		app_client_stats(r->c.cl, &s->c);
	if (r->c.sv != NULL)
		app_server_stats(r->c.sv, &s->v);
	else if (r->c.srv_stats != NULL)
		r->c.srv_stats(r->c.srv_arg, &s->v);
	dps_stack_counters(r->c.s, -1, &s->k);
}

/* All errors, the client's and the server's. */
static uint64_t
errors_of(const struct snap *s)
{
	uint64_t n = s->v.err_parse + s->v.err_reset + s->v.err_accept + s->v.err_send;

	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++)
		n += s->c.err[k];
	return n;
}

/* A count over @p ns as a rate per second. */
static double
per_s(uint64_t d, uint64_t ns)
{
	return ns == 0 ? 0 : (double)d * 1e9 / (double)ns;
}

/* The interval's client errors by kind, only those that happened:
 * " (timeout=3 refused=1)". */
static void
print_error_kinds(const struct snap *a, const struct snap *b)
{
	const char *sep = " (";

	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++) {
		uint64_t d = b->c.err[k] - a->c.err[k];

		if (d == 0)
			continue;
		printf("%s%s=%" PRIu64, sep, app_cli_err_name(k), d);
		sep = " ";
	}
	if (sep[0] == ' ' && sep[1] == '\0')
		printf(")");
}

/* One line: the last interval's rates. */
static void
print_line(struct app_report *r, const struct snap *a, const struct snap *b)
{
	uint64_t ns = b->ns - a->ns;
	double t = (double)(b->ns - r->t0) / 1e9;

	if (r->c.cl != NULL) {
		printf("t=%.0fs cps=%.0f open=%" PRIu64 " req/s=%.0f",
			t, per_s(b->c.conn_established - a->c.conn_established, ns),
			b->c.conn_established - b->c.conn_closed,
			per_s(b->c.req_done - a->c.req_done, ns));
		if (b->c.conn_skipped != 0)
			printf(" skipped/s=%.0f",
				per_s(b->c.conn_skipped - a->c.conn_skipped, ns));
	} else {
		printf("t=%.0fs accepted/s=%.0f open=%" PRIu64 " req/s=%.0f", t,
			per_s(b->v.accepted - a->v.accepted, ns), b->v.open,
			per_s(b->v.requests - a->v.requests, ns));
	}
	printf(" tx=%.1fMbit/s/%.1fkpps rx=%.1fMbit/s/%.1fkpps err=%" PRIu64,
		per_s(b->k.eth_tx_bytes - a->k.eth_tx_bytes, ns) * 8 / 1e6,
		per_s(b->k.eth_tx_pkts - a->k.eth_tx_pkts, ns) / 1e3,
		per_s(b->k.eth_rx_bytes - a->k.eth_rx_bytes, ns) * 8 / 1e6,
		per_s(b->k.eth_rx_pkts - a->k.eth_rx_pkts, ns) / 1e3,
		errors_of(b) - errors_of(a));
	if (r->c.cl != NULL)
		print_error_kinds(a, b);
	printf(" retrans=%" PRIu64, b->k.tcp_retrans - a->k.tcp_retrans);
	if (r->c.cl != NULL)
		printf(" p50=%.1fus p99=%.1fus", app_hist_pct(r->iv, 50) / 1e3,
			app_hist_pct(r->iv, 99) / 1e3);
	printf("\n");
	fflush(stdout);
}

/* The interval from @p a to @p b: its request times into r->iv, then the
 * line for people and the JSON object, as asked. */
static void
report_interval(struct app_report *r, const struct snap *a, const struct snap *b,
	bool line)
{
	if (r->c.cl != NULL)
		app_client_interval(r->c.cl, r->iv);
	if (line && !r->c.quiet)
		print_line(r, a, b);
	if (r->c.json)
		app_json_interval(app_json_out(), &r->c, r->t0, a, b,
			errors_of(b) - errors_of(a), r->iv, !line);
}

/* What the end of a run still waits for: sockets, and table entries that
 * are not TIME_WAIT. */
static uint64_t
left_of(const struct dps_sock_stats *st)
{
	return (uint64_t)st->socks_in_use + (st->conns - st->time_wait);
}

/* Whether the end of a run may wait on at @now: before @until, which
 * each sign of progress (less left than ever seen, in *@least) moves to
 * @stall from then. A busy machine slows the closes; it does not make
 * them fail. */
static bool
drain_wait_on(struct app_report *r, uint64_t now, uint64_t *until,
	uint64_t *least, uint64_t stall)
{
	struct dps_sock_stats st;
	uint64_t left;

	dps_stack_sock_stats(r->c.s, &st);
	left = left_of(&st);
	if (left < *least) {
		*least = left;
		if (now + stall > *until)
			*until = now + stall;
	}
	return now < *until && !dps_stack_stopping(r->c.s);
}

/* End a client run: the lcores finish the requests in flight and close
 * everything; the final figures are taken then. Once the stack has
 * finished the closes (FIN exchanges), every socket, table entry, port
 * and mbuf must be back, except what TIME_WAIT holds by design. Each
 * wait lasts while the closes progress, and gives up once nothing has
 * closed for the drain time (app_client_drain_ns()). */
static void
drain_and_check(struct app_report *r)
{
	struct timespec ts = { 0, 10000000 };
	uint64_t drain = app_client_drain_ns(r->c.cl);
	uint64_t until = app_now_ns() + drain, least = UINT64_MAX;

	app_client_stop(r->c.cl);
	while (!app_client_drained(r->c.cl) &&
			drain_wait_on(r, app_now_ns(), &until, &least, drain))
		nanosleep(&ts, NULL);
	take(r, &r->last);	/* the requests that finished count */
	r->t_end = r->last.ns;
	until = app_now_ns() + drain;
	least = UINT64_MAX;
	do {
		dps_stack_sock_stats(r->c.s, &r->leak);
		if (app_stack_clean(&r->leak, r->mbuf_base))
			break;
		nanosleep(&ts, NULL);
	} while (drain_wait_on(r, app_now_ns(), &until, &least, drain));
	r->leak_checked = !dps_stack_stopping(r->c.s);
	r->leak_ok = app_stack_clean(&r->leak, r->mbuf_base);
	/* The last final ACKs may still wait in the transmit path: let them
	 * reach the peer before the stack stops, or its LAST_ACK side never
	 * finishes. */
	if (r->leak_ok)
		nanosleep(&(struct timespec){ 0, LINGER_NS }, NULL);
}

/* The run ends: stopped (SIGINT), --duration reached or --count done. */
static bool
run_over(struct app_report *r, uint64_t now)
{
	if (dps_stack_stopping(r->c.s) || app_end_requested())
		return true;
	if (r->c.duration_ns != 0 && now - r->t0 >= r->c.duration_ns)
		return true;
	return r->c.cl != NULL && app_client_done(r->c.cl);
}

/* The reporter thread: a line a second until the run is over, then the
 * drain and the leak check, then the stack stops. */
static void *
reporter(void *arg)
{
	struct app_report *r = arg;
	struct timespec ts = { 0, 5000000 };
	uint64_t next = r->t0 + SEC, now;
	struct snap cur;

	for (;;) {
		now = app_now_ns();
		if (run_over(r, now))
			break;
		if (now >= next) {
			take(r, &cur);
			report_interval(r, &r->prev, &cur, true);
			r->prev = cur;
			next += SEC;
			continue;
		}
		nanosleep(&ts, NULL);
	}
	r->interrupted = dps_stack_stopping(r->c.s);
	if (r->c.cl != NULL && !r->interrupted) {
		drain_and_check(r);
	} else {
		take(r, &r->last);
		r->t_end = r->last.ns;
	}
	/* The rest of the last second: the intervals add up to the summary. */
	report_interval(r, &r->prev, &r->last, false);
	dps_stack_stop(r->c.s);
	return NULL;
}

/* Baselines, then the reporter thread on the CPUs no lcore uses. */
struct app_report *
app_report_start(const struct app_report_conf *c)
{
	struct app_report *r = calloc(1, sizeof(*r));
	struct dps_sock_stats st;
	pthread_attr_t attr;

	if (r == NULL || (r->iv = malloc(sizeof(*r->iv))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		free(r);
		return NULL;
	}
	r->c = *c;
	if (c->json && app_json_begin(c->prog) != 0) {
		free(r->iv);
		free(r);
		return NULL;
	}
	dps_stack_sock_stats(c->s, &st);
	r->mbuf_base = st.mbufs_in_use;
	r->t0 = app_now_ns();
	take(r, &r->first);
	r->prev = r->first;
	app_thread_attr(&attr);
	if (pthread_create(&r->th, &attr, reporter, r) != 0) {
		fprintf(stderr, "%s: cannot start the reporter thread\n", c->prog);
		free(r->iv);
		free(r);
		return NULL;
	}
	pthread_attr_destroy(&attr);
	return r;
}

/* ---- the summary ---- */

/* Bytes over @p ns in Gbit/s. */
static double
gbit(uint64_t bytes, uint64_t ns)
{
	return per_s(bytes, ns) * 8 / 1e9;
}

/* The name of a histogram: with a --rate, the one paced sends are
 * timed in is measured from their intended send times (coordinated
 * omission corrected, as wrk2 does), and says so. */
static const char *
hist_label(const struct app_client *cl, bool conn)
{
	bool cps = app_client_is_cps(cl);

	if (!app_client_paced(cl) || conn != cps)
		return conn ? "connect time" : "request time";
	return conn ? "connect time (from intended launch, --rate)" :
		"request time (from intended send, --rate)";
}


/* A UDP stream's figures, as iperf3 -u gives them (round trip: the peer
 * echoes); the send rate over @p send_ns, the sending time (--duration:
 * the wait for the last echoes after it is not sending). */
static void
text_udp_stream(const struct snap *d, uint64_t ns, uint64_t send_ns)
{
	uint64_t lost = app_cli_udp_lost(&d->c);

	printf("udp stream: sent %" PRIu64 " datagrams (%.0f/s, %.1f Mbit/s), "
		"echoed %" PRIu64 ", lost %" PRIu64 " (%.3f%%), out of order %"
		PRIu64 ", jitter %.3f us (RFC 3550, round trip, mean of %" PRIu64
		" flows)\n", d->c.req_sent, per_s(d->c.req_sent, send_ns),
		per_s(d->c.tx_bytes, send_ns) * 8 / 1e6, d->c.req_done, lost,
		d->c.req_sent ? 100.0 * (double)lost / (double)d->c.req_sent : 0.0,
		d->c.udp_late, app_cli_udp_jitter_us(&d->c), d->c.udp_flows);
}

/* Client totals, errors by kind and both histograms, as text. */
static void
text_client(const struct app_report *r, const struct snap *d, uint64_t ns,
	const struct app_hist *hc, const struct app_hist *hr)
{
	printf("connections: attempted %" PRIu64 ", established %" PRIu64
		" (%.0f/s), closed %" PRIu64 "\n", d->c.conn_attempted,
		d->c.conn_established, per_s(d->c.conn_established, ns),
		d->c.conn_closed);
	if (d->c.conn_skipped != 0)
		printf("connections skipped (open loop: --conc outstanding, or the "
			"client late): %" PRIu64 "\n", d->c.conn_skipped);
	printf("requests: sent %" PRIu64 ", completed %" PRIu64 " (%.0f/s)",
		d->c.req_sent, d->c.req_done, per_s(d->c.req_done, ns));
	if (r->c.cl != NULL && d->c.resp_2xx != 0)
		printf(", 2xx %" PRIu64, d->c.resp_2xx);
	printf("\npayload: tx %" PRIu64 " bytes (%.3f Gbit/s), rx %" PRIu64
		" bytes (%.3f Gbit/s)\n", d->c.tx_bytes, gbit(d->c.tx_bytes, ns),
		d->c.rx_bytes, gbit(d->c.rx_bytes, ns));
	if (r->c.cl != NULL && app_client_udp_stream(r->c.cl))
		text_udp_stream(d, ns, r->c.duration_ns != 0 && r->c.duration_ns < ns ?
			r->c.duration_ns : ns);
	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++)
		if (d->c.err[k] != 0)
			printf("  error %s: %" PRIu64 " (%s)\n", app_cli_err_name(k),
				d->c.err[k], app_cli_err_help(k));
	app_hist_print(stdout, hist_label(r->c.cl, true), hc, true);
	app_hist_print(stdout, r->c.cl != NULL && app_client_udp_stream(r->c.cl) ?
		"round trip" : hist_label(r->c.cl, false), hr, true);
}

/* Server totals, as text. */
static void
text_server(const struct snap *d, uint64_t ns)
{
	printf("server: accepted %" PRIu64 " (%.0f/s), closed %" PRIu64
		", requests %" PRIu64 " (%.0f/s), open %" PRIu64 "\n",
		d->v.accepted, per_s(d->v.accepted, ns), d->v.closed,
		d->v.requests, per_s(d->v.requests, ns), d->v.open);
	printf("payload: tx %" PRIu64 " bytes (%.3f Gbit/s), rx %" PRIu64
		" bytes (%.3f Gbit/s)\n", d->v.tx_bytes, gbit(d->v.tx_bytes, ns),
		d->v.rx_bytes, gbit(d->v.rx_bytes, ns));
	printf("  errors: parse %" PRIu64 ", reset %" PRIu64 ", accept %" PRIu64
		", send %" PRIu64 "\n", d->v.err_parse, d->v.err_reset,
		d->v.err_accept, d->v.err_send);
}

/* Differences last - first, field by field (all counters are uint64). */
static void
diff(struct snap *d, const struct snap *a, const struct snap *b)
{
	const uint64_t *pa = (const uint64_t *)&a->c, *pb = (const uint64_t *)&b->c;
	uint64_t *pd = (uint64_t *)&d->c;

	for (size_t i = 0; i < sizeof(d->c) / 8; i++)
		pd[i] = pb[i] - pa[i];
	pa = (const uint64_t *)&a->k;
	pb = (const uint64_t *)&b->k;
	pd = (uint64_t *)&d->k;
	for (size_t i = 0; i < sizeof(d->k) / 8; i++)
		pd[i] = pb[i] - pa[i];
	d->v = b->v;
}

/* True when the errors stay within --max-errors. */
static bool
errors_ok(const struct app_report *r, const struct snap *d, uint64_t errs)
{
	uint64_t base = d->c.req_sent > d->c.conn_attempted ? d->c.req_sent :
		d->c.conn_attempted;

	if (r->c.max_errors_pct >= 0)
		return (double)errs <= r->c.max_errors_pct / 100.0 * (double)base;
	return errs <= r->c.max_errors;
}

/* The leak check's result, one line. */
static void
print_leak(const struct app_report *r)
{
	const struct dps_sock_stats *st = &r->leak;

	if (!r->leak_checked) {
		printf("leak check: not run (interrupted)\n");
		return;
	}
	printf("leak check: %s (%u sockets, %u connections of which %u in "
		"TIME_WAIT, %u TCP ports, %u UDP ports, %u mbufs, baseline %u)\n",
		r->leak_ok ? "clean" : "LEAK", st->socks_in_use, st->conns,
		st->time_wait, st->tcp_ports_held, st->udp_ports_held,
		st->mbufs_in_use, r->mbuf_base);
}

/* The summary as text. */
static void
summary_text(const struct app_report *r, const struct snap *d, uint64_t ns,
	uint64_t errs, const struct app_hist *hc, const struct app_hist *hr)
{
	printf("--- %s %s: %.2f s%s ---\n", r->c.prog, r->c.what, ns / 1e9,
		r->interrupted ? " (interrupted)" : "");
	if (r->c.cl != NULL)
		text_client(r, d, ns, hc, hr);
	else
		text_server(d, ns);
	printf("packets: tx %" PRIu64 ", rx %" PRIu64 ", TCP retransmitted %"
		PRIu64 ", drops %" PRIu64 "\n", d->k.eth_tx_pkts, d->k.eth_rx_pkts,
		d->k.tcp_retrans, dps_counters_total_drops(&d->k));
	for (int i = 0; i < DPS_DROP__MAX; i++)
		if (d->k.drop[i] != 0)
			printf("  drop %s: %" PRIu64 "\n", dps_drop_reason_name(i),
				d->k.drop[i]);
	printf("errors: %" PRIu64 "\n", errs);
	if (r->c.cl != NULL)
		print_leak(r);
}

/* The summary as one JSON object on one line (app_json.c). */
static void
summary_json(const struct app_report *r, const struct snap *d, uint64_t ns,
	uint64_t errs, const struct app_hist *hc, const struct app_hist *hr)
{
	struct app_report_end e = { &r->c, d, ns, errs, r->interrupted,
		r->leak_checked, r->leak_ok, &r->leak, r->mbuf_base, hc, hr };

	app_json_summary(app_json_out(), &e);
}

/* --hist-out BASE: BASE.connect.hgrm and BASE.request.hgrm; 0 or -1. */
static int
save_hists(const struct app_report *r, const struct app_hist *hc,
	const struct app_hist *hr)
{
	char path[4096];
	int rc = 0;

	snprintf(path, sizeof(path), "%s.connect.hgrm", r->c.hist_out);
	rc |= app_hgrm_save(r->c.prog, path, hc);
	snprintf(path, sizeof(path), "%s.request.hgrm", r->c.hist_out);
	rc |= app_hgrm_save(r->c.prog, path, hr);
	if (rc == 0)
		fprintf(stderr, "%s: histograms in %s.{connect,request}.hgrm\n",
			r->c.prog, r->c.hist_out);
	return rc == 0 ? 0 : -1;
}

/* Join the reporter, print the summary, return the exit status. */
int
app_report_finish(struct app_report *r)
{
	struct app_hist *hc = NULL, *hr = NULL;
	char why[160];
	struct snap d;
	uint64_t ns, errs;
	int rc;

	pthread_join(r->th, NULL);
	diff(&d, &r->first, &r->last);
	ns = r->t_end - r->t0;
	errs = errors_of(&d);
	if (r->c.cl != NULL) {
		hc = malloc(sizeof(*hc));
		hr = malloc(sizeof(*hr));
		if (hc == NULL || hr == NULL)
			abort();
		app_client_hists(r->c.cl, hc, hr);
	}
	summary_text(r, &d, ns, errs, hc, hr);	/* on stderr with --json */
	fflush(stdout);
	if (r->c.json)
		summary_json(r, &d, ns, errs, hc, hr);
	rc = errors_ok(r, &d, errs) && (!r->leak_checked || r->leak_ok) ? 0 : 1;
	if (r->c.cl != NULL && app_client_idle(r->c.cl, &d.c, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", r->c.prog, why);
		rc = 1;
	}
	if (r->c.hist_out != NULL && hc != NULL && save_hists(r, hc, hr) != 0)
		rc = 1;
	free(hc);
	free(hr);
	free(r->iv);
	free(r);
	return rc;
}

/* ---- whole runs ---- */

/* app_run_lcores() glue for the client engine. */
static int
cli_init(unsigned int idx, void *arg)
{
	return app_client_lcore_init(arg, idx);
}

/* app_run_lcores() glue for the client engine. */
static int
cli_work(unsigned int idx, uint64_t tsc, void *arg)
{
	return app_client_lcore_work(arg, idx, tsc);
}

/* app_run_lcores() glue for the server engine. */
static int
srv_init(unsigned int idx, void *arg)
{
	return app_server_lcore_init(arg, idx);
}

/* app_run_lcores() glue for the server engine. */
static int
srv_work(unsigned int idx, uint64_t tsc, void *arg)
{
	return app_server_lcore_work(arg, idx, tsc);
}

/* Signals, reporter, poll loops, summary. */
static int
run(const struct app_report_conf *c, int (*init)(unsigned int, void *),
	app_work_fn work, void *arg)
{
	struct app_report *r;

	app_stop_on_signals(c->s);
	r = app_report_start(c);
	if (r == NULL)
		return 1;
	if (app_run_lcores(c->s, init, work, arg) != 0 && !dps_stack_stopping(c->s))
		fprintf(stderr, "%s: the poll loops failed to start\n", c->prog);
	dps_stack_stop(c->s);
	return app_report_finish(r);
}

/* A whole client run. */
int
app_report_run_client(struct app_client *cl, const struct app_report_conf *c)
{
	struct app_report_conf rc = *c;

	rc.cl = cl;
	return run(&rc, cli_init, cli_work, cl);
}

/* A whole server run. */
int
app_report_run_server(struct app_server *sv, const struct app_report_conf *c)
{
	struct app_report_conf rc = *c;

	rc.sv = sv;
	return run(&rc, srv_init, srv_work, sv);
}
