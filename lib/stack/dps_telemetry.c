/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /dpstack/ telemetry commands (dps_telemetry.h).
 *
 * Threads. rte_telemetry runs each client connection on a thread of its
 * own, so the callbacks below run on those threads, concurrently with
 * the stack lcores, with each other, and with the control thread that
 * may be destroying the stack. tel_lock serialises them and the stack's
 * teardown: dps_stack_destroy() first withdraws the stack under the lock
 * (on_destroy), so a callback either finishes before the teardown starts
 * or finds no stack. The lock is taken on telemetry threads and at
 * register/destroy only, never on an lcore.
 *
 * What they read, and why each read is safe from another thread:
 * - counters: dps_stack_counters() copies them with relaxed loads of
 *   words only their lcore writes (dps_counters.h);
 * - the stack's layout (lcores, their rings and pools): written before
 *   dps_stack_start() and read-only after; the register call that hands
 *   the stack over releases the lock the callbacks acquire, so they see
 *   it complete;
 * - ring depths: rte_ring_count() reads the ring's head and tail words,
 *   which rte_ring documents as readable by any thread (a moment's
 *   figure); the transmit backlog through dps_stack_tx_backlog()
 *   (atomic pointer and depth); free mbufs by dps_pool_free(), one
 *   ring count;
 * - connection states: dps_stack_tcp_states() walks the tables through
 *   their per-slot versions, which exist for readers on other threads;
 * - one connection: dps_getsockopt(TCP_INFO) and friends take a
 *   reference on the descriptor's socket, as any application thread's
 *   call does, and read the TCB as the TCP_INFO reader does (a snapshot
 *   that may mix two moments, tcp_info_cold() for the cold half).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>
#include "dps_sock_priv.h"
#include "dps_telemetry.h"

#define TEL_FDS_MAX 64		/* descriptors /dpstack/conns lists */

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dps_stack *tel_stack;	/* under tel_lock */
static bool tel_registered;		/* under tel_lock */

/* The stack shown, with tel_lock held; NULL (lock released) when none. */
static struct dps_stack *
tel_take(void)
{
	pthread_mutex_lock(&tel_lock);
	if (tel_stack == NULL)
		pthread_mutex_unlock(&tel_lock);
	return tel_stack;
}

static void
tel_give(void)
{
	pthread_mutex_unlock(&tel_lock);
}

/* ---- /dpstack/counters ---- */

struct counter_sel {
	struct rte_tel_data *d;
	const char *layer;		/* NULL: every counter */
	size_t len;
};

/* Whether counter @name belongs to layer @sel->layer: its name up to the
 * first '_' ('/' for the drops) is the layer's. */
static bool
counter_in_layer(const struct counter_sel *sel, const char *name)
{
	return sel->layer == NULL || (strncmp(name, sel->layer, sel->len) == 0 &&
		(name[sel->len] == '_' || name[sel->len] == '/'));
}

/* One counter of dps_counters_foreach(). Its name is the field's, but
 * "drop.REASON" becomes "drop/REASON": telemetry (DPDK 22.11) takes only
 * letters, digits, '_' and '/' in names. */
static void
counter_put(const char *name, uint64_t value, void *arg)
{
	struct counter_sel *sel = arg;
	char key[RTE_TEL_MAX_STRING_LEN];
	char *dot;

	snprintf(key, sizeof(key), "%s", name);
	dot = strchr(key, '.');
	if (dot != NULL)
		*dot = '/';
	if (counter_in_layer(sel, key))
		rte_tel_data_add_dict_u64(sel->d, key, value);
}

/* "LCORE[,LAYER]" into @idx (-1: all) and @layer; false when bad. */
static bool
counters_params(const char *params, unsigned int n_lcores, int *idx,
	char *layer, size_t layer_len)
{
	char buf[64];
	char *comma, *end;
	unsigned long v;

	*idx = -1;
	layer[0] = '\0';
	if (params == NULL || params[0] == '\0')
		return true;
	snprintf(buf, sizeof(buf), "%s", params);
	comma = strchr(buf, ',');
	if (comma != NULL) {
		*comma = '\0';
		if (strlen(comma + 1) >= layer_len || comma[1] == '\0')
			return false;
		strcpy(layer, comma + 1);
	}
	if (strcmp(buf, "all") == 0)
		return true;
	v = strtoul(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0' || v >= n_lcores)
		return false;
	*idx = (int)v;
	return true;
}

static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct counter_sel sel = { .d = d };
	struct dps_counters c;
	struct dps_stack *s;
	char layer[16];
	int idx;

	(void)cmd;
	s = tel_take();
	if (s == NULL)
		return -ENODEV;
	if (!counters_params(params, dps_stack_lcore_count(s), &idx, layer,
			sizeof(layer))) {
		tel_give();
		return -EINVAL;
	}
	dps_stack_counters(s, idx, &c);
	tel_give();
	if (layer[0] != '\0') {
		sel.layer = layer;
		sel.len = strlen(layer);
	}
	rte_tel_data_start_dict(d);
	dps_counters_foreach(&c, counter_put, &sel);
	return 0;
}

/* ---- /dpstack/lcores ---- */

/* A u64 array @name, one value per lcore from @get, added to @d. */
static void
lcores_array(struct rte_tel_data *d, const char *name, const struct dps_stack *s,
	const struct dps_counters *c, uint64_t (*get)(const struct dps_stack *s,
	unsigned int i, const struct dps_counters *c))
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (unsigned int i = 0; i < s->n_lcores; i++)
		rte_tel_data_add_array_u64(a, get(s, i, &c[i]));
	if (rte_tel_data_add_dict_container(d, name, a, 0) != 0)
		rte_tel_data_free(a);
}

static uint64_t
get_lcore_id(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)c;
	return s->lc[i]->lcore_id;
}

static uint64_t
get_loops(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)s, (void)i;
	return c->poll_loops;
}

static uint64_t
get_busy(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)s, (void)i;
	return c->poll_busy_cycles;
}

static uint64_t
get_idle(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)s, (void)i;
	return c->poll_idle_cycles;
}

static uint64_t
get_busy_pct(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	uint64_t all = c->poll_busy_cycles + c->poll_idle_cycles;

	(void)s, (void)i;
	return all != 0 ? c->poll_busy_cycles * 100 / all : 0;
}

static uint64_t
get_req_ring(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)c;
	return rte_ring_count(s->lc[i]->req_ring);
}

static uint64_t
get_req_ring_size(const struct dps_stack *s, unsigned int i,
	const struct dps_counters *c)
{
	(void)c;
	return rte_ring_get_capacity(s->lc[i]->req_ring);
}

static uint64_t
get_backlog(const struct dps_stack *s, unsigned int i, const struct dps_counters *c)
{
	(void)c;
	return dps_stack_tx_backlog(s, i);
}

static uint64_t
get_mbufs_free(const struct dps_stack *s, unsigned int i,
	const struct dps_counters *c)
{
	(void)c;
	return dps_pool_free(s->lc[i]);
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const struct {
		const char *name;
		uint64_t (*get)(const struct dps_stack *, unsigned int,
			const struct dps_counters *);
	} cols[] = {
		{ "lcore_id", get_lcore_id }, { "loops", get_loops },
		{ "busy_cycles", get_busy }, { "idle_cycles", get_idle },
		{ "busy_percent", get_busy_pct }, { "request_ring", get_req_ring },
		{ "request_ring_size", get_req_ring_size },
		{ "tx_backlog", get_backlog }, { "mbufs_free", get_mbufs_free },
	};
	struct dps_counters c[DPS_MAX_LCORES];
	struct dps_stack *s;

	(void)cmd, (void)params;
	s = tel_take();
	if (s == NULL)
		return -ENODEV;
	for (unsigned int i = 0; i < s->n_lcores; i++)
		dps_stack_counters(s, (int)i, &c[i]);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcores", s->n_lcores);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	for (unsigned int k = 0; k < RTE_DIM(cols); k++)
		lcores_array(d, cols[k].name, s, c, cols[k].get);
	tel_give();
	return 0;
}

/* ---- /dpstack/conns ---- */

struct fd_list {
	const struct dps_stack *s;
	struct rte_tel_data *a;
	unsigned int n;
};

/* A descriptor of the table walk: listed when it is one of the stack's
 * TCP sockets (or idle connections, dps_tcp_idle.c). The socket is read under a reference (dps_sock_get()), as
 * an application thread's call reads it; the walk's own pointer is only
 * a hint. */
static void
fd_visit(int fd, struct dps_obj *o, void *arg)
{
	struct fd_list *l = arg;
	struct dps_sock *sk;

	if (l->n == TEL_FDS_MAX)
		return;
	if (o->kind == DPS_OBJ_IDLE) {
		/* An idle TCP connection is listed as it is, not woken. */
		if (dps_idle_stack(o) == l->s) {
			rte_tel_data_add_array_int(l->a, fd);
			l->n++;
		}
		return;
	}
	if (o->kind != DPS_OBJ_SOCK)
		return;
	sk = dps_sock_get(fd);
	if (sk == NULL)
		return;
	if (sk->stack == l->s && sk->proto == IPPROTO_TCP) {
		rte_tel_data_add_array_int(l->a, fd);
		l->n++;
	}
	dps_sock_put(sk);
}

static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t n[DPS_TCP_STATE_COUNT];
	struct fd_list fl = { 0 };
	struct dps_stack *s;
	uint64_t total = 0;

	(void)cmd, (void)params;
	s = tel_take();
	if (s == NULL)
		return -ENODEV;
	dps_stack_tcp_states(s, n);
	fl.s = s;
	fl.a = rte_tel_data_alloc();
	if (fl.a != NULL) {
		rte_tel_data_start_array(fl.a, RTE_TEL_INT_VAL);
		dps_fd_foreach(fd_visit, &fl);
	}
	tel_give();
	rte_tel_data_start_dict(d);
	for (int st = 1; st < DPS_TCP_STATE_COUNT; st++) {
		rte_tel_data_add_dict_u64(d, dps_tcp_state_name(st), n[st]);
		total += n[st];
	}
	rte_tel_data_add_dict_u64(d, "total", total);
	if (fl.a != NULL && rte_tel_data_add_dict_container(d, "fds", fl.a, 0) != 0)
		rte_tel_data_free(fl.a);
	return 0;
}

/* ---- /dpstack/conn,FD ---- */

/*
 * @sa into @d as @name: "a.b.c.d:port" for AF_INET, "[addr]:port" for
 * AF_INET6 as ss(8) prints it. A dual-stack socket's IPv4 peer is shown
 * as the socket names it, v4-mapped ("[::ffff:a.b.c.d]:port").
 */
static void
put_addr(struct rte_tel_data *d, const char *name,
	const struct sockaddr_storage *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];

	if (sa->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else if (sa->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		/* Unnamed (a peer not yet connected): Linux's 0.0.0.0:0. */
		snprintf(buf, sizeof(buf), "0.0.0.0:0");
	}
	rte_tel_data_add_dict_string(d, name, buf);
}

/* The fields of @ti that dps_getsockopt(TCP_INFO) fills. */
static void
put_tcp_info(struct rte_tel_data *d, const struct tcp_info *ti)
{
#define TI(f) rte_tel_data_add_dict_u64(d, #f, ti->tcpi_##f)
	TI(retransmits); TI(probes); TI(options);
	rte_tel_data_add_dict_u64(d, "snd_wscale", ti->tcpi_snd_wscale);
	rte_tel_data_add_dict_u64(d, "rcv_wscale", ti->tcpi_rcv_wscale);
	TI(rto); TI(snd_mss); TI(rcv_mss); TI(unacked); TI(sacked); TI(lost);
	TI(retrans); TI(rtt); TI(rttvar); TI(snd_ssthresh); TI(snd_cwnd);
	TI(advmss); TI(rcv_space); TI(total_retrans);
#undef TI
}

static int
tel_conn(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sockaddr_storage local = { 0 }, peer = { 0 };
	socklen_t len = sizeof(struct tcp_info);
	struct dps_conn_info ci;
	struct tcp_info ti;
	struct dps_stack *s;
	char *end;
	long fd;
	int rc;

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	fd = strtol(params, &end, 10);
	if (*end != '\0' || fd < 0 || fd > INT32_MAX)
		return -EINVAL;
	s = tel_take();
	if (s == NULL)
		return -ENODEV;
	rc = dps_getsockopt((int)fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	if (rc == 0) {
		socklen_t al = sizeof(local);

		dps_getsockname((int)fd, (struct sockaddr *)&local, &al);
		al = sizeof(peer);
		dps_getpeername((int)fd, (struct sockaddr *)&peer, &al);
		if (dps_conn_info((int)fd, &ci) != 0)
			ci.lcore = UINT16_MAX;
	} else {
		rc = errno;
	}
	tel_give();
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "fd", (int)fd);
	if (rc != 0) {
		rte_tel_data_add_dict_string(d, "error", strerror(rc));
		return 0;
	}
	rte_tel_data_add_dict_string(d, "state", dps_tcp_state_name(ti.tcpi_state));
	rte_tel_data_add_dict_int(d, "lcore", ci.lcore == UINT16_MAX ? -1 : ci.lcore);
	put_addr(d, "local", &local);
	put_addr(d, "peer", &peer);
	put_tcp_info(d, &ti);
	return 0;
}

/* ---- registration ---- */

/* dps_stack_destroy()'s first step: the commands let go of @s. */
static void
tel_forget(struct dps_stack *s)
{
	pthread_mutex_lock(&tel_lock);
	if (tel_stack == s)
		tel_stack = NULL;
	pthread_mutex_unlock(&tel_lock);
}

static int
tel_register_cmds(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/dpstack/counters", tel_counters, "dpstack counters, drops by "
			"reason: summed, or of lcore N. Parameters: [N|all[,LAYER]]" },
		{ "/dpstack/lcores", tel_lcores, "dpstack lcores: loops, busy and idle "
			"cycles, request ring and transmit backlog depths, free mbufs" },
		{ "/dpstack/conns", tel_conns, "dpstack TCP connections by state, "
			"and the lowest 64 TCP descriptors" },
		{ "/dpstack/conn", tel_conn, "TCP_INFO of one dpstack connection. "
			"Parameters: descriptor number" },
	};

	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn,
			cmds[i].help);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dps_telemetry_register(struct dps_stack *s)
{
	int rc = 0;

	pthread_mutex_lock(&tel_lock);
	if (!tel_registered) {
		rc = tel_register_cmds();
		tel_registered = rc == 0;
	}
	if (rc == 0) {
		tel_stack = s;
		s->on_destroy = tel_forget;
	}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}
