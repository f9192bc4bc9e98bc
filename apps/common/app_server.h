/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_SERVER_H
#define DPS_APP_SERVER_H

/*
 * The server side of the apps (dps-httpd, dps-gen --role server, dps-lat
 * --echo), run to completion on the stack lcores: a listener per port
 * and lcore (SO_REUSEPORT),
 * and every accepted connection driven by dpstack's on-lcore callbacks
 * (acceptable / readable / writable / error) with zero-copy receive.
 * Nothing here blocks or crosses a ring.
 */

#include <stdbool.h>
#include <stdint.h>
#include "dpstack.h"

enum app_srv_proto {
	APP_SRV_HTTP,		/* HTTP/1.1: 200 with resp_size bytes per request */
	APP_SRV_ECHO,		/* every byte back */
	APP_SRV_DISCARD,	/* read and drop; never write */
	APP_SRV_RAW,		/* resp_size bytes back per req_size bytes in */
	APP_SRV_SOURCE,		/* write without end (bulk sender); drop input */
};

struct app_srv_conf {
	enum app_srv_proto proto;
	uint16_t ports[8];		/* listening ports */
	unsigned int n_ports;
	uint32_t req_size;		/* RAW: bytes per request (default 64) */
	uint64_t resp_size;		/* HTTP body / RAW response (default 64) */
	unsigned int backlog;		/* default 4096 */
	bool close_after;		/* HTTP: close after each response (as
					 * if every request said close) */
	uint64_t keepalive_timeout_ns;	/* HTTP: idle keep-alive limit; 0 none */
	bool v6;			/* listen as AF_INET6 on ::, both families
					 * (IPV6_V6ONLY off: IPv4 peers arrive
					 * v4-mapped); else AF_INET on 0.0.0.0 */
};

/* Per-lcore counters: written by that lcore only, read by any thread. */
struct app_srv_stats {
	uint64_t accepted;
	uint64_t closed;		/* connections finished, any way */
	uint64_t requests;		/* HTTP / RAW requests answered */
	uint64_t rx_bytes, tx_bytes;	/* payload */
	uint64_t err_parse;		/* malformed HTTP (answered 400/414/431, closed) */
	uint64_t err_reset;		/* peer reset / error callback */
	uint64_t err_accept;		/* accept failures (ENOBUFS, EMFILE, ...) */
	uint64_t err_send;		/* send failures other than EAGAIN */
	uint64_t open;			/* currently open */
	uint64_t quiet_out;		/* connections that gave their state
					 * back while compact (--idle-ms) */
	uint64_t quiet_in;		/* ... and took a slot again */
};

struct app_server;

/* Create the server: validates @p c (one-line error on stderr and NULL
 * with errno EINVAL when impossible). No socket yet. */
struct app_server *app_server_create(struct dps_stack *s,
	const struct app_srv_conf *c);

/* On stack lcore @p idx, before its loop: open this lcore's listeners
 * (one per port, each in the port's SO_REUSEPORT group, at home on this
 * lcore), then wait until every stack lcore has done so. Each lcore then
 * accepts and serves the connections it owns. Every stack lcore must
 * call it. Returns 0 or -errno with a one-line error printed. */
int app_server_lcore_init(struct app_server *sv, unsigned int idx);

/* Periodic work on lcore @p idx (idle timeouts, retrying sends that hit
 * a full buffer). Returns nonzero when it did something. */
int app_server_lcore_work(struct app_server *sv, unsigned int idx, uint64_t tsc);

/* Sum of the per-lcore counters (any thread, no lock). */
void app_server_stats(const struct app_server *sv, struct app_srv_stats *out);

/* Ask every lcore to close its listeners and connections at its next
 * app_server_lcore_work(), while the stack still runs (any thread), so a
 * leak check afterwards sees what the stack really gave back. */
void app_server_drain(struct app_server *sv);

/* Close every connection and listener; on each lcore after its loop, or
 * from the main thread once all loops have returned. */
void app_server_destroy(struct app_server *sv);

/* Parse "http", "echo", "discard", "raw", "source"; 0 or -EINVAL. */
int app_srv_proto_parse(const char *s, enum app_srv_proto *out);

#endif
