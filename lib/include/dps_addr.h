/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_ADDR_H
#define DPS_ADDR_H

/**
 * @file
 * Network addresses as dpstack stores them.
 *
 * A struct dps_addr holds either an IPv4 or an IPv6 address so that tables,
 * routes and sockets do not change shape when IPv6 arrives. IPv4 addresses
 * are kept in network byte order, as on the wire.
 */

#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An IPv4 or IPv6 address. */
struct dps_addr {
	uint8_t family;			/**< AF_INET or AF_INET6 */
	uint8_t pad[3];
	union {
		uint32_t v4;		/**< IPv4, network byte order */
		uint8_t v6[16];		/**< IPv6 */
	};
};

/** Make an IPv4 dps_addr from a network-order address. */
static inline struct dps_addr
dps_addr_v4(uint32_t be_addr)
{
	struct dps_addr a = { .family = AF_INET };

	a.v4 = be_addr;
	return a;
}

/** Make an IPv6 dps_addr from 16 bytes as on the wire. */
static inline struct dps_addr
dps_addr_v6(const uint8_t be_addr[16])
{
	struct dps_addr a = { .family = AF_INET6 };

	for (int i = 0; i < 16; i++)
		a.v6[i] = be_addr[i];
	return a;
}

/**
 * Parse IPv6 text (RFC 4291 2.2, RFC 5952 forms; no zone index) into
 * @p out.
 * @return 0 on success, -EINVAL if @p s is not an IPv6 address.
 */
int dps_addr6_parse(const char *s, struct dps_addr *out);

/**
 * Parse "ipv6/len" into an address and prefix length.
 * @return 0 on success, -EINVAL on a malformed string or a length over 128.
 */
int dps_prefix6_parse(const char *s, struct dps_addr *out, uint8_t *prefixlen);

/**
 * Parse "a.b.c.d" into @p out.
 * @return 0 on success, -EINVAL if @p s is not a dotted-quad IPv4 address.
 */
int dps_addr_parse(const char *s, struct dps_addr *out);

/**
 * Parse "a.b.c.d/len" into an address and prefix length.
 * @return 0 on success, -EINVAL on a malformed string or a length over 32.
 */
int dps_prefix_parse(const char *s, struct dps_addr *out, uint8_t *prefixlen);

/** Format @p a into @p buf (at least 46 bytes). Returns @p buf. */
const char *dps_addr_fmt(const struct dps_addr *a, char *buf, size_t len);

/** True when both addresses have the same family and value. */
bool dps_addr_eq(const struct dps_addr *a, const struct dps_addr *b);

#ifdef __cplusplus
}
#endif
#endif
