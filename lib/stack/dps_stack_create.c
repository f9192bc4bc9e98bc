/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dps_stack_create(): the one place that knows every layer. It makes the
 * core's stack and registers the layers above it in the protocol switch,
 * bottom up: IP (with ICMP echo), the transports, the socket layer. Each
 * layer's start, per-lcore context and teardown then run from the core
 * in that order (dps_proto.h).
 */
#include <errno.h>
#include <rte_errno.h>
#include "dps_sock_priv.h"

struct dps_stack *
dps_stack_create(const struct dps_stack_conf *conf)
{
	struct dps_stack *s = dps_core_create(conf);
	int rc;

	if (s == NULL)
		return NULL;
	rc = dps_ip_register(s);
	if (rc == 0)
		rc = dps_inet_register(s);
	if (rc == 0)
		rc = dps_sock_register(s);
	if (rc != 0) {
		dps_stack_destroy(s);
		rte_errno = -rc;
		return NULL;
	}
	return s;
}
