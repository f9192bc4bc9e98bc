/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_CLIENT_H
#define DPS_APP_CLIENT_H

/*
 * The client side of the apps (dps-gen --role client, dps-lat), run to
 * completion on every stack lcore: each lcore creates, connects and drives
 * its own sockets with dpstack's on-lcore callbacks, non-blocking calls
 * and zero-copy receive. Nothing here blocks, allocates per request or
 * crosses a ring.
 *
 * Modes: cps (a connection per request), conc (N persistent connections,
 * one request in flight on each), rr (conc with one connection by
 * default), bulk (stream as fast as possible one way). Protocols: raw
 * (req_size bytes out, resp_size bytes back), http (GET, parsed with
 * app_http), udp (request/response datagrams).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "dpstack.h"
#include "app_args.h"
#include "app_hist.h"

#define APP_CLI_MAX_DESTS 16
#define APP_CLI_MAX_GROUPS 4	/* ports (--dev) */
#define APP_CLI_MAX_PATHS 64	/* --path, repeated */
#define APP_CLI_MAX_HDRS 16	/* --header, repeated */
/* The most bytes one HTTP request may take, head and body: every lcore
 * keeps a copy of each. */
#define APP_CLI_MAX_REQ_BYTES (16u << 20)

enum app_cli_mode { APP_CLI_CPS, APP_CLI_CONC, APP_CLI_RR, APP_CLI_BULK };
enum app_cli_proto { APP_CLI_RAW, APP_CLI_HTTP, APP_CLI_UDP };

/* Error kinds, each counted apart. */
#define APP_CLI_ERR_LIST(X) \
	X(refused, "connection refused (ECONNREFUSED)") \
	X(timeout, "connect or request timed out (ETIMEDOUT, --timeout)") \
	X(reset, "connection reset (ECONNRESET)") \
	X(addrnotavail, "no local port/tuple free (EADDRNOTAVAIL)") \
	X(nobufs, "out of buffers or table space (ENOBUFS, EAGAIN)") \
	X(http_status, "HTTP status not 2xx") \
	X(http_parse, "malformed HTTP response") \
	X(short_resp, "connection closed before the full response") \
	X(extra_resp, "bytes beyond the expected response") \
	X(unexpected, "data received by a bulk sender (the server answered: not a discard server?)") \
	X(other, "other socket errors")

#define APP_CLI_X_ENUM(name, help) APP_CLI_ERR_##name,
enum app_cli_err { APP_CLI_ERR_LIST(APP_CLI_X_ENUM) APP_CLI_ERR__MAX };
#undef APP_CLI_X_ENUM

struct app_cli_conf {
	enum app_cli_mode mode;
	enum app_cli_proto proto;
	union app_sockaddr to[APP_CLI_MAX_DESTS];	/* used round robin, one family */
	unsigned int n_to;
	struct dps_addr src;		/* the first source address */
	uint32_t n_src;			/* consecutive source addresses from it */
	/* Several ports (--dev): each port's sources and its destinations
	 * to[to_first .. to_first + n_to). Connections go to the ports in
	 * turn, and within one to its (source, destination) pairs in turn.
	 * n_grp 0: one port, src / n_src and every destination. */
	struct app_cli_grp {
		struct dps_addr src;
		uint32_t n_src;
		uint16_t port_id;
		uint8_t to_first, n_to;
	} grp[APP_CLI_MAX_GROUPS];
	unsigned int n_grp;
	uint32_t ports;			/* size of the ephemeral range */
	uint32_t max_conns;		/* connection table per lcore */
	double rate;			/* cps: connections/s, else requests/s; 0 = max */
	uint64_t ramp_ns;		/* linear ramp from 0 to rate */
	uint32_t conc;			/* connections (cps: in flight) */
	uint32_t req_size;
	uint64_t resp_size;
	uint64_t count;			/* requests in all; 0 = until stopped */
	uint64_t timeout_ns;		/* connect / request timeout */
	bool bulk_recv;			/* bulk: receive instead of send */
	bool open_loop;			/* cps: launch at --rate whatever completes */
	/* HTTP requests (app_http_request_head()): one per path, sent in
	 * turn on each lcore. The strings are the caller's and must outlive
	 * the client. */
	const char *method;		/* NULL: GET */
	const char *paths[APP_CLI_MAX_PATHS];
	unsigned int n_paths;		/* 0: "/" */
	const char *hdrs[APP_CLI_MAX_HDRS];	/* extra "Name: value" lines */
	unsigned int n_hdrs;
	uint64_t body_size;		/* request body bytes (Content-Length) */
	char host[128];
};

/* Per-lcore counters: written by that lcore only (relaxed atomic
 * stores), read by any thread (relaxed atomic loads). */
struct app_cli_stats {
	uint64_t conn_attempted;
	uint64_t conn_established;
	uint64_t conn_skipped;		/* open loop: launches not made */
	uint64_t conn_closed;
	uint64_t req_sent;
	uint64_t req_done;		/* complete responses */
	uint64_t resp_2xx;		/* HTTP: 2xx responses */
	uint64_t tx_bytes, rx_bytes;	/* payload */
	uint64_t err[APP_CLI_ERR__MAX];
	uint64_t slots_used;		/* connection slots ever written (of --conc) */
	/* Gauges (the lcore's current value; a sum over lcores is the
	 * client's): slots that name a connection now, open or to be
	 * reopened; compact connections (--idle-ms) that hold none. */
	uint64_t slots_held;
	uint64_t conn_quiet;
	/* UDP stream (bulk udp): req_sent / req_done count datagrams sent
	 * and echoed back. */
	uint64_t udp_late;		/* echoed out of order */
	uint64_t udp_jitter_ns;		/* the flows' RFC 3550 jitters, summed */
	uint64_t udp_flows;		/* flows that received a datagram */
};

struct app_client;

/* Open loop: --conc when not given, the bound on connections outstanding. */
#define APP_CLI_OPEN_LOOP_CONC 4096

/* Defaults for @p mode: conc 64 (cps), 1 (rr, bulk), 16 (conc); sizes
 * 64/64; timeout 5 s; path "/". */
void app_client_conf_init(struct app_cli_conf *c, enum app_cli_mode mode);

/* Refuse impossible settings for @p n_lcores stack lcores (the tuple
 * space, --conc against --max-conns, ...) with a one-line error prefixed
 * by @p prog: 0 or -EINVAL. Call it before bringing the stack up. */
int app_client_check(const char *prog, const struct app_cli_conf *c,
	unsigned int n_lcores);

/*
 * Sockets the client needs from the stack's pool (app_net.max_socks):
 * its connections plus room for those still closing. Every pool object
 * that has carried a TCP connection keeps its socket rings (about 12 KiB
 * of EAL memory), so a pool much larger than the need exhausts -m.
 */
uint32_t app_client_socks(const struct app_cli_conf *c);

/* Create the client for @p n_lcores stack lcores; refuses impossible
 * settings with a one-line error (prefixed by @p prog) and NULL. */
struct app_client *app_client_create(const char *prog, struct dps_stack *s,
	const struct app_cli_conf *c);

/* On stack lcore @p idx before its loop: per-lcore state. 0 or -errno. */
int app_client_lcore_init(struct app_client *cl, unsigned int idx);

/* The lcore's work between polls (app_work_fn). */
int app_client_lcore_work(struct app_client *cl, unsigned int idx, uint64_t tsc);

/* Ask every lcore to close its connections and stop (any thread). */
void app_client_stop(struct app_client *cl);

/* How long the end of a run waits with nothing closing (each of the
 * drain and the FIN exchanges), in ns: longer with more connections. */
uint64_t app_client_drain_ns(const struct app_client *cl);
/* True once every lcore has closed its sockets after app_client_stop(). */
bool app_client_drained(const struct app_client *cl);

/* True once every lcore has used up its share of --count. */
bool app_client_done(const struct app_client *cl);

/* True when a --rate paces the client: latency is then measured from
 * each send's intended time (app_rate.h): cps's connect time from the
 * launch's, the other modes' request time from the request's. */
bool app_client_paced(const struct app_client *cl);

/* A run that moved nothing: no connection established, or no request
 * completed (bulk: no byte moved the chosen way), judged on the run's
 * counters @p d. True, with the one-line reason in @p buf, when so. */
bool app_client_idle(const struct app_client *cl, const struct app_cli_stats *d,
	char *buf, size_t cap);

/* True in cps mode (a connection per request). */
bool app_client_is_cps(const struct app_client *cl);

/* True for a UDP stream run (--mode bulk --proto udp). */
bool app_client_udp_stream(const struct app_client *cl);

/* A UDP stream's datagrams sent and not echoed (lost on the way out or
 * back), and its flows' mean RFC 3550 jitter in microseconds, from the
 * summed counters @p s. */
uint64_t app_cli_udp_lost(const struct app_cli_stats *s);
double app_cli_udp_jitter_us(const struct app_cli_stats *s);

/* Sum of the per-lcore counters (any thread, no lock). */
void app_client_stats(const struct app_client *cl, struct app_cli_stats *out);

/* Request-time histogram of the interval since the previous call: each
 * lcore swaps its interval histogram on request and @p out receives the
 * merge of the retired ones. Reporter thread only. */
void app_client_interval(struct app_client *cl, struct app_hist *out);

/* Merge the whole-run histograms (connect time, request time). After the
 * loops have returned. */
void app_client_hists(const struct app_client *cl, struct app_hist *conn,
	struct app_hist *req);

/* The settings @p cl runs with, every default resolved (for reports). */
const struct app_cli_conf *app_client_conf(const struct app_client *cl);

void app_client_destroy(struct app_client *cl);

/* Bytes of one connection slot (at most 64, issue 15 item 4): what a
 * connection costs the client while it is not compact; a compact one
 * (--idle-ms) holds none, only the 8-byte callback argument the stack
 * keeps in its entry. */
size_t app_client_slot_size(void);

/* Bytes of per-connection state the client has written so far, all
 * lcores: its slots, the cells of its queues (ready, free, idle) and
 * the request index of each slot (HTTP with several paths): memory that
 * follows the connections held, not --conc (issue 15). On the lcores'
 * thread between work calls, or after the loops returned. */
uint64_t app_client_conn_bytes(const struct app_client *cl);

/* Name and description of error kind @p k. */
const char *app_cli_err_name(unsigned int k);
const char *app_cli_err_help(unsigned int k);

/* Parse a mode / protocol name; 0 or -EINVAL. */
int app_cli_mode_parse(const char *s, enum app_cli_mode *out);
int app_cli_proto_parse(const char *s, enum app_cli_proto *out);

#endif
