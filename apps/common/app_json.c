/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The report's JSON (app_json.h): an "interval" object a second and a
 * "summary" at the end, each one line. The summary keeps every member
 * the single JSON object of earlier versions had, at the top level, so
 * scripts reading the last line still work; what is new comes beside.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "app_config.h"
#include "app_hgrm.h"
#include "app_json.h"
#include "app_stack.h"

static FILE *jout;		/* the former stdout, after app_json_begin() */

int
app_json_begin(const char *prog)
{
	int fd;

	if (jout != NULL)
		return 0;
	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd < 0 || (jout = fdopen(fd, "w")) == NULL ||
			dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		fprintf(stderr, "%s: --json: cannot set stdout aside\n", prog);
		if (fd >= 0 && jout == NULL)
			close(fd);
		return -1;
	}
	setvbuf(jout, NULL, _IOLBF, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* the text as it comes */
	return 0;
}

FILE *
app_json_out(void)
{
	return jout != NULL ? jout : stdout;
}

/* @p d per second over @p ns. */
static double
rate(uint64_t d, uint64_t ns)
{
	return ns == 0 ? 0.0 : (double)d * 1e9 / (double)ns;
}

/* The client's errors by kind, @p b - @p a, as an object. */
static void
err_kinds(FILE *f, const struct app_cli_stats *a, const struct app_cli_stats *b)
{
	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++)
		fprintf(f, "%s\"%s\":%" PRIu64, k ? "," : "{", app_cli_err_name(k),
			b->err[k] - (a != NULL ? a->err[k] : 0));
	fputc('}', f);
}

/* An interval's client counts and rates. */
static void
iv_client(FILE *f, const struct snap *a, const struct snap *b, uint64_t ns,
	const struct app_hist *iv)
{
	const struct app_cli_stats *x = &a->c, *y = &b->c;

	fprintf(f, ",\"conn_attempted\":%" PRIu64 ",\"conn_established\":%" PRIu64
		",\"conn_closed\":%" PRIu64 ",\"conn_skipped\":%" PRIu64
		",\"open\":%" PRIu64 ",\"req_sent\":%" PRIu64 ",\"req_done\":%" PRIu64
		",\"resp_2xx\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
		",\"cps\":%.1f,\"req_per_s\":%.1f,\"errors_by_kind\":",
		y->conn_attempted - x->conn_attempted,
		y->conn_established - x->conn_established,
		y->conn_closed - x->conn_closed, y->conn_skipped - x->conn_skipped,
		y->conn_established - y->conn_closed, y->req_sent - x->req_sent,
		y->req_done - x->req_done, y->resp_2xx - x->resp_2xx,
		y->tx_bytes - x->tx_bytes, y->rx_bytes - x->rx_bytes,
		rate(y->conn_established - x->conn_established, ns),
		rate(y->req_done - x->req_done, ns));
	err_kinds(f, x, y);
	fputs(",\"request_time\":", f);
	app_hist_json(f, iv);
}

/* An interval's server counts and rates. */
static void
iv_server(FILE *f, const struct snap *a, const struct snap *b, uint64_t ns)
{
	const struct app_srv_stats *x = &a->v, *y = &b->v;

	fprintf(f, ",\"accepted\":%" PRIu64 ",\"closed\":%" PRIu64 ",\"open\":%"
		PRIu64 ",\"requests\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
		",\"rx_bytes\":%" PRIu64 ",\"accepted_per_s\":%.1f,\"req_per_s\":%.1f",
		y->accepted - x->accepted, y->closed - x->closed, y->open,
		y->requests - x->requests, y->tx_bytes - x->tx_bytes,
		y->rx_bytes - x->rx_bytes, rate(y->accepted - x->accepted, ns),
		rate(y->requests - x->requests, ns));
}

void
app_json_interval(FILE *f, const struct app_report_conf *c, uint64_t t0,
	const struct snap *a, const struct snap *b, uint64_t errs,
	const struct app_hist *iv, bool final)
{
	const struct dps_counters *x = &a->k, *y = &b->k;
	uint64_t ns = b->ns - a->ns;

	fprintf(f, "{\"type\":\"interval\",\"t\":%.3f,\"dt\":%.3f,\"final\":%s,"
		"\"errors\":%" PRIu64, (double)(b->ns - t0) / 1e9, (double)ns / 1e9,
		final ? "true" : "false", errs);
	if (c->cl != NULL)
		iv_client(f, a, b, ns, iv);
	else
		iv_server(f, a, b, ns);
	fprintf(f, ",\"eth_tx_pkts\":%" PRIu64 ",\"eth_rx_pkts\":%" PRIu64
		",\"eth_tx_bytes\":%" PRIu64 ",\"eth_rx_bytes\":%" PRIu64
		",\"tcp_retrans\":%" PRIu64 ",\"drops\":%" PRIu64
		",\"tx_mbps\":%.3f,\"rx_mbps\":%.3f}\n",
		y->eth_tx_pkts - x->eth_tx_pkts, y->eth_rx_pkts - x->eth_rx_pkts,
		y->eth_tx_bytes - x->eth_tx_bytes, y->eth_rx_bytes - x->eth_rx_bytes,
		y->tcp_retrans - x->tcp_retrans,
		dps_counters_total_drops(y) - dps_counters_total_drops(x),
		rate(y->eth_tx_bytes - x->eth_tx_bytes, ns) * 8 / 1e6,
		rate(y->eth_rx_bytes - x->eth_rx_bytes, ns) * 8 / 1e6);
	fflush(f);
}

/* Where json_row() writes, and whether a row came yet. */
struct rows_out {
	FILE *f;
	bool first;
};

/* One distribution row as [value_ns, percentile, total_count]. */
static void
json_row(const struct app_hgrm_row *r, void *arg)
{
	struct rows_out *o = arg;

	fprintf(o->f, "%s[%" PRIu64 ",%.12g,%" PRIu64 "]", o->first ? "" : ",",
		r->value_ns, r->pct, r->total);
	o->first = false;
}

void
app_json_hist_full(FILE *f, const struct app_hist *h)
{
	struct rows_out ctx = { f, true };
	const char *sep = "";

	fputc('{', f);
	app_hist_json_members(f, h);
	fprintf(f, ",\"sub_bucket_bits\":%u,\"buckets\":[", APP_HIST_SUB_BITS);
	for (unsigned int i = 0; i < APP_HIST_BUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", sep,
			app_hist_bucket_lo(i), app_hist_bucket_hi(i), h->b[i]);
		sep = ",";
	}
	fputs("],\"percentiles\":[", f);
	app_hgrm_rows(h, APP_HGRM_TICKS, json_row, &ctx);
	fputs("]}", f);
}

/* The client's settings with every default resolved, as "client":{..}. */
static void
client_conf(FILE *f, const struct app_client *cl)
{
	static const char *const modes[] = { "cps", "conc", "rr", "bulk" };
	static const char *const protos[] = { "raw", "http", "udp" };
	const struct app_cli_conf *k = app_client_conf(cl);
	char ip[64];

	fprintf(f, ",\"client\":{\"mode\":\"%s\",\"proto\":\"%s\",\"to\":[",
		modes[k->mode], protos[k->proto]);
	for (unsigned int i = 0; i < k->n_to; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", app_sockaddr_fmt(&k->to[i], ip,
			sizeof(ip)));
	fprintf(f, "],\"sources\":%u,\"rate\":%.0f,\"ramp_ns\":%" PRIu64
		",\"open_loop\":%s,\"conc\":%u,\"req_size\":%u,\"resp_size\":%"
		PRIu64 ",\"count\":%" PRIu64 ",\"timeout_ns\":%" PRIu64 ",\"path\":",
		k->n_src, k->rate, k->ramp_ns, k->open_loop ? "true" : "false",
		k->conc, k->req_size, k->resp_size, k->count, k->timeout_ns);
	app_json_str(f, k->n_paths ? k->paths[0] : "/");
	fputs(",\"paths\":[", f);
	for (unsigned int i = 0; i < (k->n_paths ? k->n_paths : 1); i++) {
		fputs(i ? "," : "", f);
		app_json_str(f, k->n_paths ? k->paths[i] : "/");
	}
	fputs("],\"method\":", f);
	app_json_str(f, k->method ? k->method : "GET");
	fprintf(f, ",\"body_size\":%" PRIu64 ",\"headers\":[", k->body_size);
	for (unsigned int i = 0; i < k->n_hdrs; i++) {
		fputs(i ? "," : "", f);
		app_json_str(f, k->hdrs[i]);
	}
	fprintf(f, "],\"ports\":%u}", k->n_grp ? k->n_grp : 1);
}

/* A UDP stream's loss (sent and not echoed), datagrams out of order and
 * the flows' mean RFC 3550 jitter; zeros in other runs. */
static void
sum_udp_stream(FILE *f, const struct app_report_end *e)
{
	const struct app_cli_stats *c = &e->d->c;
	bool udps = e->c->cl != NULL && app_client_udp_stream(e->c->cl);

	fprintf(f, ",\"udp_lost\":%" PRIu64 ",\"udp_late\":%" PRIu64
		",\"udp_jitter_us\":%.3f", udps ? app_cli_udp_lost(c) : 0, c->udp_late,
		app_cli_udp_jitter_us(c));
}

/* The client's totals (the members earlier versions had, and more). */
static void
sum_client(FILE *f, const struct app_report_end *e)
{
	const struct app_cli_stats *c = &e->d->c;

	fprintf(f, ",\"conn_attempted\":%" PRIu64 ",\"conn_skipped\":%" PRIu64
		",\"conn_established\":%" PRIu64 ",\"conn_closed\":%" PRIu64
		",\"cps\":%.1f,\"req_sent\":%" PRIu64 ",\"req_done\":%" PRIu64
		",\"req_per_s\":%.1f,\"resp_2xx\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
		",\"rx_bytes\":%" PRIu64 ",\"tx_gbps\":%.4f,\"rx_gbps\":%.4f",
		c->conn_attempted, c->conn_skipped,
		c->conn_established, c->conn_closed, rate(c->conn_established, e->ns),
		c->req_sent, c->req_done, rate(c->req_done, e->ns), c->resp_2xx,
		c->tx_bytes, c->rx_bytes, rate(c->tx_bytes, e->ns) * 8 / 1e9,
		rate(c->rx_bytes, e->ns) * 8 / 1e9);
	sum_udp_stream(f, e);
	fputs(",\"errors_by_kind\":", f);
	err_kinds(f, NULL, c);
	/* With --rate the histogram the schedule paces is timed from the
	 * intended send times (app_rate.h). */
	fprintf(f, ",\"latency_from\":\"%s\"", e->c->cl != NULL &&
		app_client_paced(e->c->cl) ? "intended" : "sent");
	fputs(",\"connect_time\":", f);
	app_json_hist_full(f, e->hc);
	fputs(",\"request_time\":", f);
	app_json_hist_full(f, e->hr);
}

/* The server's totals. */
static void
sum_server(FILE *f, const struct app_report_end *e)
{
	const struct app_srv_stats *v = &e->d->v;

	fprintf(f, ",\"accepted\":%" PRIu64 ",\"closed\":%" PRIu64 ",\"requests\":%"
		PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"rx_bytes\":%" PRIu64 ",\"open\":%"
		PRIu64 ",\"accepted_per_s\":%.1f,\"req_per_s\":%.1f,\"tx_gbps\":%.4f"
		",\"rx_gbps\":%.4f,\"errors_by_kind\":{\"parse\":%" PRIu64
		",\"reset\":%" PRIu64 ",\"accept\":%" PRIu64 ",\"send\":%" PRIu64 "}",
		v->accepted, v->closed, v->requests, v->tx_bytes, v->rx_bytes, v->open,
		rate(v->accepted, e->ns), rate(v->requests, e->ns),
		rate(v->tx_bytes, e->ns) * 8 / 1e9, rate(v->rx_bytes, e->ns) * 8 / 1e9,
		v->err_parse, v->err_reset, v->err_accept, v->err_send);
}

/* The leak check, as the text says it. */
static void
sum_leak(FILE *f, const struct app_report_end *e)
{
	const struct dps_sock_stats *l = e->leak;

	fprintf(f, ",\"leak_check\":\"%s\"", !e->leak_checked ? "not run" :
		e->leak_ok ? "clean" : "leak");
	if (!e->leak_checked)
		return;
	fprintf(f, ",\"left\":{\"sockets\":%u,\"conns\":%u,\"time_wait\":%u,"
		"\"tcp_ports\":%u,\"udp_ports\":%u,\"mbufs\":%u,\"mbuf_baseline\":%u}",
		l->socks_in_use, l->conns, l->time_wait, l->tcp_ports_held,
		l->udp_ports_held, l->mbufs_in_use, e->mbuf_base);
}

void
app_json_summary(FILE *f, const struct app_report_end *e)
{
	const struct app_report_conf *c = e->c;
	const struct dps_counters *k = &e->d->k;

	fprintf(f, "{\"type\":\"summary\",\"prog\":");
	app_json_str(f, c->prog);
	fputs(",\"what\":", f);
	app_json_str(f, c->what);
	fprintf(f, ",\"settings\":");
	app_config_json(f);
	if (c->cl != NULL)
		client_conf(f, c->cl);
	fprintf(f, ",\"duration_s\":%.3f,\"seconds\":%.3f,\"interrupted\":%s,"
		"\"errors\":%" PRIu64, (double)c->duration_ns / 1e9,
		(double)e->ns / 1e9, e->interrupted ? "true" : "false", e->errors);
	if (c->cl != NULL)
		sum_client(f, e);
	else
		sum_server(f, e);
	fprintf(f, ",\"eth_tx_pkts\":%" PRIu64 ",\"eth_rx_pkts\":%" PRIu64
		",\"eth_tx_bytes\":%" PRIu64 ",\"eth_rx_bytes\":%" PRIu64
		",\"tcp_retrans\":%" PRIu64 ",\"drops\":%" PRIu64 ",\"drops_by_reason\":",
		k->eth_tx_pkts, k->eth_rx_pkts, k->eth_tx_bytes, k->eth_rx_bytes,
		k->tcp_retrans, dps_counters_total_drops(k));
	app_json_drops(f, k);
	if (c->cl != NULL)
		sum_leak(f, e);
	fputs("}\n", f);
	fflush(f);
}
