/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Copies to and from the application's memory that fail with EFAULT
 * instead of crashing (see dps_uaccess.h for the design).
 *
 * Each thread has one guard: the range it is copying and a sigsetjmp()
 * point. The fault handler jumps back only when the thread's guard is
 * armed and the faulting address lies in that range (or the fault has
 * no address: a non-canonical pointer raises a general protection
 * fault, reported with si_code SI_KERNEL); any other fault is handed to
 * the handler found at installation, so the application's own handler,
 * a sanitizer's, or the default core dump still see it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include "dps_uaccess.h"

#define PAGE 4096u

struct uguard {
	sigjmp_buf env;
	uintptr_t lo, hi;		/* the application range being touched */
	int armed;			/* read by the handler on this thread */
};

/* Initial-exec: the handler must not allocate a thread's TLS block. */
static __thread struct uguard guard __attribute__((tls_model("initial-exec")));
static struct sigaction old_segv, old_bus;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

/* Hand a fault that is not ours to the handler that was there before. */
static void
chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *o = sig == SIGBUS ? &old_bus : &old_segv;

	if (o->sa_flags & SA_SIGINFO) {
		o->sa_sigaction(sig, si, uc);
	} else if (o->sa_handler == SIG_DFL || o->sa_handler == SIG_IGN) {
		/* Put it back; returning re-runs the faulting instruction,
		 * which now gets the old disposition. */
		sigaction(sig, o, NULL);
	} else {
		o->sa_handler(sig);
	}
}

static void
on_fault(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	/* Signal fences: the handler runs on the thread it interrupts. */
	if (guard.armed && (si->si_code == SI_KERNEL ||
			(a >= guard.lo && a < guard.hi))) {
		guard.armed = 0;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* pairs with arm() */
		siglongjmp(guard.env, 1);
	}
	chain(sig, si, uc);
}

static void
install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	/* SA_NODEFER: the jump back leaves the mask as it was, with no
	 * sigprocmask() on the good path; SA_ONSTACK keeps a stack
	 * overflow that is not ours on the application's alternate stack. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

static void
arm(uintptr_t lo, size_t n)
{
	guard.lo = lo;
	guard.hi = lo + n;
	guard.armed = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* armed before the copy */
}

static void
disarm(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* the copy before this */
	guard.armed = 0;
}

/* Refused without touching it: a range access_ok() rejects, or one that
 * starts in the first page (NULL plus a small offset). */
static bool
plainly_bad(const void *p, size_t n)
{
	return !dps_uaccess_ok(p, n) || (uintptr_t)p < DPS_UACCESS_LOW;
}

/* memcpy() under the guard; @user is whichever side is the application's.
 * Kept apart from the checks so that nothing lives across sigsetjmp(). */
static __attribute__((noinline)) int
copy_guarded(void *dst, const void *src, size_t n, const void *user)
{
	if (sigsetjmp(guard.env, 0) != 0)
		return -EFAULT;
	arm((uintptr_t)user, n);
	memcpy(dst, src, n);
	disarm();
	return 0;
}

static int
guarded_copy(void *dst, const void *src, size_t n, const void *user)
{
	if (n == 0)
		return 0;
	if (plainly_bad(user, n))
		return -EFAULT;
	pthread_once(&installed, install);
	return copy_guarded(dst, src, n, user);
}

int
dps_copy_from_user(void *dst, const void *usrc, size_t n)
{
	return guarded_copy(dst, usrc, n, usrc);
}

int
dps_copy_to_user(void *udst, const void *src, size_t n)
{
	return guarded_copy(udst, src, n, udst);
}

/* One touch per page, first and last byte included. */
static __attribute__((noinline)) void
touch(const void *p, size_t n, bool write)
{
	uintptr_t a = (uintptr_t)p, end = a + n - 1;

	for (;;) {
		if (write)
			(void)__atomic_fetch_add((uint8_t *)a, 0, __ATOMIC_RELAXED);
		else
			(void)*(const volatile uint8_t *)a;
		if (a >= (end & ~(uintptr_t)(PAGE - 1)))
			break;
		a = (a & ~(uintptr_t)(PAGE - 1)) + PAGE;
	}
}

static __attribute__((noinline)) int
probe_guarded(const void *p, size_t n, bool write)
{
	if (sigsetjmp(guard.env, 0) != 0)
		return -EFAULT;
	arm((uintptr_t)p, n);
	touch(p, n, write);
	disarm();
	return 0;
}

int
dps_user_probe(const void *p, size_t n, bool write)
{
	if (n == 0)
		return 0;
	if (plainly_bad(p, n))
		return -EFAULT;
	pthread_once(&installed, install);
	return probe_guarded(p, n, write);
}

/* ---- socket addresses ---- */

/*
 * move_addr_to_kernel(): a length beyond sockaddr_storage or negative is
 * EINVAL, an address that cannot be read is EFAULT, a zero length reads
 * nothing.
 */
int
dps_copy_addr(const struct sockaddr *addr, socklen_t len, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if ((int)len < 0 || len > sizeof(*out))
		return -EINVAL;
	return dps_copy_from_user(out, addr, len);
}

/*
 * move_addr_to_user(): read the caller's length (EFAULT), refuse a
 * negative one (EINVAL), write at most that much of the address, then
 * the full length. A NULL @out with a zero length is fine.
 */
int
dps_put_name(uint32_t addr, uint16_t port, struct sockaddr *out, socklen_t *len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = port,
		.sin_addr.s_addr = addr,
	};

	return dps_put_addr(&sin, sizeof(sin), out, len);
}

int
dps_put_addr(const void *kaddr, socklen_t klen, struct sockaddr *out, socklen_t *len)
{
	socklen_t n;
	int rc = dps_copy_from_user(&n, len, sizeof(n));

	if (rc != 0)
		return rc;
	if ((int)n < 0)
		return -EINVAL;
	if (n > klen)
		n = klen;
	rc = dps_copy_to_user(out, kaddr, n);
	if (rc != 0)
		return rc;
	return dps_copy_to_user(len, &klen, sizeof(klen));
}
