/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket layer in a stack (slot DPS_PROTO_SOCK): the first stack to
 * start becomes the default one dps_socket() uses, the epoll sets' hook
 * goes into the transport's wake-ups, and when a stack goes its
 * descriptors go with it.
 */
#include "dps_sock_priv.h"

static struct dps_stack *default_stack;	/* atomic */

struct dps_stack *
dps_sock_default_stack(void)
{
	/* Acquire: pairs with the release of the exchange that set it, so
	 * the stack is seen started. */
	return __atomic_load_n(&default_stack, __ATOMIC_ACQUIRE);
}

/* Become the default stack if there is none (@set), or stop being it. */
static void
default_stack_set(struct dps_stack *s, bool set)
{
	struct dps_stack *expect = set ? NULL : s;

	/* Acq_rel: publishes the started stack to dps_sock_default_stack(). */
	(void)__atomic_compare_exchange_n(&default_stack, &expect, set ? s : NULL,
		false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static int
sock_start(struct dps_stack *s)
{
	dps_sock_set_ep_kick(dps_ep_kick);
	dps_fd_install_swap();
	default_stack_set(s, true);
	return 0;
}

/* Descriptors of @arg's stack die with it. */
static void
fini_fd(int fd, struct dps_obj *o, void *arg)
{
	struct dps_stack *s = o->kind == DPS_OBJ_SOCK ? ((struct dps_sock *)o)->stack :
		o->kind == DPS_OBJ_IDLE ? dps_idle_stack(o) : NULL;

	if (s == arg && dps_fd_clear(fd, o))
		dps_fd_release(fd);
}

static void
sock_destroy(struct dps_stack *s)
{
	default_stack_set(s, false);
	dps_fd_foreach(fini_fd, s);
}

static const struct dps_proto_ops sock_ops = {
	.name = "socket",
	.start = sock_start,
	.destroy = sock_destroy,
};

int
dps_sock_register(struct dps_stack *s)
{
	return dps_proto_register(s, DPS_PROTO_SOCK, &sock_ops, NULL);
}
