/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include "pkt_script.h"
Test(pkt, placeholder) {}
