/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_UACCESS_H
#define DPS_UACCESS_H

/*
 * The application's memory, touched as the kernel touches user memory:
 * a bad pointer gives EFAULT, never a crash (Linux's access_ok(),
 * copy_from_user(), copy_to_user()).
 *
 * Two checks, both cheap on the good path:
 * - dps_uaccess_ok(): a range no mapping can hold (beyond the user half
 *   of the address space, or wrapping) fails at once, as access_ok()
 *   does before any fd lookup in the calls that check it first;
 * - the copies: NULL and the first page are refused without a fault
 *   (mmap_min_addr keeps them unmapped); anything else is copied with a
 *   fault guard, a sigsetjmp() point that the process-wide SIGSEGV and
 *   SIGBUS handler (installed on first use) jumps back to when the
 *   faulting address lies in the range being copied. Faults anywhere
 *   else go to the handler that was installed before, or crash as they
 *   would have. A probe by system call (process_vm_readv(), a pipe)
 *   costs 2.6 to 4.7 us a call on the reference machine, more than the
 *   send() it would guard, so none runs on the good path.
 *
 * All functions may be called from any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The lowest page no process maps by default (vm.mmap_min_addr is
 * 65536 on Debian; the first page is never mapped). */
#define DPS_UACCESS_LOW 4096u

/*
 * access_ok(): false when [@p, @p + @n) cannot be user memory at all. A
 * zero length is always fine; NULL with a length passes, as in Linux,
 * and faults at the copy.
 */
static inline bool
dps_uaccess_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	/* 2^56: the top of a 5-level user address space (TASK_SIZE). */
	return n == 0 || (a + n >= a && a + n <= (uintptr_t)1 << 56);
}

/* copy_from_user(): 0, or -EFAULT with @dst partly written. */
int dps_copy_from_user(void *dst, const void *usrc, size_t n);

/* copy_to_user(): 0, or -EFAULT with @udst partly written. */
int dps_copy_to_user(void *udst, const void *src, size_t n);

/*
 * Check that [@p, @p + @n) is readable (and writable, with @write) by
 * touching each page; a write touch adds 0 atomically, so it changes
 * nothing. 0 or -EFAULT.
 */
int dps_user_probe(const void *p, size_t n, bool write);

/* Socket addresses to and from the application's memory
 * (move_addr_to_kernel(), move_addr_to_user()); 0 or a negative errno. */
int dps_copy_addr(const struct sockaddr *addr, socklen_t len,
	struct sockaddr_storage *out);
int dps_put_name(uint32_t addr, uint16_t port, struct sockaddr *out, socklen_t *len);
/* The same for any address of @klen bytes (0: a stream's recvfrom()). */
int dps_put_addr(const void *kaddr, socklen_t klen, struct sockaddr *out,
	socklen_t *len);

#endif
