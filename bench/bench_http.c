/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <rte_cycles.h>
#include "bench_http.h"

static unsigned int
client_work(struct dps_stack *s, unsigned int idx, void *cl)
{
	(void)s;
	return (unsigned int)app_client_lcore_work(cl, idx, rte_rdtsc());
}

static unsigned int
server_work(struct dps_stack *s, unsigned int idx, void *sv)
{
	(void)s;
	return (unsigned int)app_server_lcore_work(sv, idx, rte_rdtsc());
}

struct app_server *
bench_http_server(struct bench_wire *bw)
{
	struct app_srv_conf c = { .proto = APP_SRV_HTTP, .ports = { 80 },
		.n_ports = 1, .req_size = 64, .resp_size = 64, .backlog = 4096 };
	struct app_server *sv = app_server_create(bw->b, &c);

	if (sv == NULL || app_server_lcore_init(sv, 0) != 0)
		return NULL;
	dps_stack_set_work(bw->b, 0, server_work, sv);
	return sv;
}

struct app_client *
bench_http_client(struct bench_wire *bw, bool cps, uint64_t count, uint32_t conc,
	uint64_t timeout_ns)
{
	struct app_cli_conf c;
	struct app_client *cl;

	app_client_conf_init(&c, cps ? APP_CLI_CPS : APP_CLI_RR);
	c.proto = APP_CLI_HTTP;
	c.to[0].sin.sin_family = AF_INET;
	c.to[0].sin.sin_port = htons(80);
	inet_pton(AF_INET, "198.18.5.2", &c.to[0].sin.sin_addr);
	c.n_to = 1;
	c.count = count;
	c.conc = conc;
	if (timeout_ns != 0)
		c.timeout_ns = timeout_ns;
	cl = app_client_create("bench_http", bw->a, &c);
	if (cl == NULL || app_client_lcore_init(cl, 0) != 0)
		return NULL;
	dps_stack_set_work(bw->a, 0, client_work, cl);
	return cl;
}
