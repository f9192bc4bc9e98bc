/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /PROG/stats (app_telemetry.h). The callback runs on an EAL telemetry
 * thread; it reads the engine's figures with app_server_stats() /
 * app_client_stats(), which any thread may call (relaxed loads of
 * per-lcore counters only their lcore writes: the stats thread reads them
 * the same way). tel_lock keeps the engine from going while a callback
 * reads it: app_telemetry_forget() takes it before the engine is
 * destroyed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <rte_telemetry.h>
#include "app_client.h"
#include "app_server.h"
#include "app_telemetry.h"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct app_server *tel_sv;		/* under tel_lock */
static const struct app_client *tel_cl;		/* under tel_lock */

static void
put_server(struct rte_tel_data *d, const struct app_server *sv)
{
	struct app_srv_stats st;

	app_server_stats(sv, &st);
#define S(f) rte_tel_data_add_dict_u64(d, #f, st.f)
	S(accepted); S(closed); S(open); S(requests); S(rx_bytes); S(tx_bytes);
	S(err_parse); S(err_reset); S(err_accept); S(err_send);
#undef S
}

static void
put_client(struct rte_tel_data *d, const struct app_client *cl)
{
	struct app_cli_stats st;
	char name[64];

	app_client_stats(cl, &st);
#define C(f) rte_tel_data_add_dict_u64(d, #f, st.f)
	C(conn_attempted); C(conn_established); C(conn_skipped); C(conn_closed);
	C(req_sent); C(req_done); C(resp_2xx); C(tx_bytes); C(rx_bytes);
#undef C
	for (unsigned int k = 0; k < APP_CLI_ERR__MAX; k++) {
		snprintf(name, sizeof(name), "err_%s", app_cli_err_name(k));
		rte_tel_data_add_dict_u64(d, name, st.err[k]);
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = 0;

	(void)cmd, (void)params;
	pthread_mutex_lock(&tel_lock);
	rte_tel_data_start_dict(d);
	if (tel_sv != NULL)
		put_server(d, tel_sv);
	else if (tel_cl != NULL)
		put_client(d, tel_cl);
	else
		rc = -ENODEV;
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

/* /@prog/stats, registered once per process. */
static void
tel_register(const char *prog)
{
	static bool done;
	char cmd[64];

	if (done)
		return;
	snprintf(cmd, sizeof(cmd), "/%s/stats", prog);
	/* DPDK 22.11 takes only letters, digits, '_' and '/' in a command:
	 * /dps_httpd/stats. */
	for (char *c = cmd; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	done = rte_telemetry_register_cmd(cmd, tel_stats,
		"The application's own figures (its summary's counts)") == 0;
}

void
app_telemetry_server(const char *prog, const struct app_server *sv)
{
	pthread_mutex_lock(&tel_lock);
	tel_register(prog);
	tel_sv = sv;
	tel_cl = NULL;
	pthread_mutex_unlock(&tel_lock);
}

void
app_telemetry_client(const char *prog, const struct app_client *cl)
{
	pthread_mutex_lock(&tel_lock);
	tel_register(prog);
	tel_cl = cl;
	tel_sv = NULL;
	pthread_mutex_unlock(&tel_lock);
}

void
app_telemetry_forget(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_sv = NULL;
	tel_cl = NULL;
	pthread_mutex_unlock(&tel_lock);
}
