/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSTACK_H
#define DPSTACK_H

/**
 * @file
 * dpstack: a userspace TCP/IP stack on DPDK poll-mode drivers.
 * Include this one header to get the whole public API.
 */

#include "dps_addr.h"
#include "dps_counters.h"
#include "dps_stack.h"
#include "dps_thread.h"
#include "dps_socket.h"
#include "dps_testwire.h"
#include "dps_telemetry.h"

#endif
