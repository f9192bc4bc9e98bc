/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_STACK_H
#define DPS_STACK_H

/**
 * @file
 * Creating, configuring and running a dpstack instance.
 *
 * A stack is a set of ports, the addresses and routes on them, and one poll
 * context per stack lcore. Each stack lcore owns one rx/tx queue pair on
 * every port and is the only writer of its own tables. The stack never
 * assumes it owns the process: an appliance that already initialised the
 * EAL hands in its own lcores and, if it wishes, its own mempools, and may
 * drive the poll loop itself with dps_stack_poll().
 *
 * Life cycle: dps_stack_create() -> dps_stack_add_port() /
 * dps_stack_add_addr() / dps_stack_add_route() / dps_stack_add_arp() ->
 * dps_stack_start() -> poll (dps_stack_launch() or dps_stack_poll()) ->
 * dps_stack_stop() -> dps_stack_wait() -> dps_stack_destroy().
 *
 * Configuration calls are for the control thread before dps_stack_start();
 * they are not thread-safe against each other.
 */

#include <stdint.h>
#include <stdbool.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include "dps_addr.h"
#include "dps_counters.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Upper bounds (compile-time sizes of per-lcore arrays). */
#define DPS_MAX_LCORES 64
#define DPS_MAX_PORTS 8
#define DPS_MAX_ADDRS 64	/**< address entries per port: single addresses or ranges */
#define DPS_MAX_ROUTES 64
#define DPS_MAX_ADDRS6 8	/**< IPv6 entries per port (an address or a range of any size), the link-local one included */

struct dps_stack;

/** Stack-wide settings. Zeroed fields take the documented default. */
struct dps_stack_conf {
	/** EAL lcore ids that run a poll loop; default: the calling lcore. */
	unsigned int lcores[DPS_MAX_LCORES];
	unsigned int n_lcores;		/**< 0 = just the calling lcore */
	/**
	 * Packet mempools, one per lcore (index as in @c lcores) or a single
	 * one for all (pools[1..] NULL). NULL: the stack creates one per NUMA
	 * socket, sized by @c nb_mbufs.
	 */
	struct rte_mempool *pools[DPS_MAX_LCORES];
	unsigned int nb_mbufs;		/**< per created pool; default 8191 */
	uint16_t nb_rxd;		/**< rx descriptors per queue; default 1024 */
	uint16_t nb_txd;		/**< tx descriptors per queue; default 1024 */
	uint32_t link_wait_ms;		/**< wait for link up; default 3000, 0 = default */
	uint32_t request_ring_size;	/**< per-lcore request ring; default 4096 */
	/**
	 * Frames each lcore keeps per port when the device's transmit queue
	 * is full, sent first once it has room; beyond them frames are
	 * dropped (DPS_DROP_tx_full). Default 4096. Frames are dropped too
	 * while the lcore's packet pool is down to its transmit reserve (an
	 * eighth): that stays for receiving and for ACKs while a peer does
	 * not drain the link.
	 */
	uint32_t tx_backlog;
	const char *name;		/**< prefix for DPDK object names; default "dps" */
	/**
	 * Automatic IPv6 flow labels (RFC 6437), as Linux's
	 * net.ipv6.auto_flowlabels: enum dps_auto_flowlabels. Default: on
	 * unless a socket opts out (IPV6_AUTOFLOWLABEL 0).
	 */
	uint8_t auto_flowlabels;
	/** Linux's net.ipv6.flowlabel_state_ranges: automatic labels carry
	 * the top bit (0x80000). Default off, as Linux's. */
	bool flowlabel_state_ranges;
};

/**
 * dps_stack_conf.auto_flowlabels: whether IPv6 packets carry a flow
 * label derived from their flow's hash (Linux's ip6_make_flowlabel()).
 * The values are Linux's plus one, so that 0 is the default.
 */
enum dps_auto_flowlabels {
	DPS_FLOWLABEL_DEFAULT = 0,	/**< Linux's default: DPS_FLOWLABEL_OPTOUT */
	DPS_FLOWLABEL_OFF,		/**< auto_flowlabels = 0: never */
	DPS_FLOWLABEL_OPTOUT,		/**< = 1: unless the socket sets
					 * IPV6_AUTOFLOWLABEL 0 */
	DPS_FLOWLABEL_OPTIN,		/**< = 2: only if the socket sets
					 * IPV6_AUTOFLOWLABEL 1 */
	DPS_FLOWLABEL_FORCED,		/**< = 3: always, whatever the option */
};

/** dps_port_conf.tso */
enum dps_tso_mode {
	DPS_TSO_AUTO = 0,	/**< where the device does it faster than we do */
	DPS_TSO_ON,		/**< wherever the device offers it */
	DPS_TSO_OFF,		/**< never */
};

/** Per-port settings. Zeroed fields take the documented default. */
struct dps_port_conf {
	uint16_t mtu;			/**< default 1500 */
	bool promiscuous;		/**< default off */
	bool no_offload;		/**< do every checksum in software */
	/**
	 * The link cannot corrupt a frame (memif and other shared-memory
	 * links): received IPv4 header checksums and TCP and UDP ones (over
	 * IPv4 and IPv6) are taken as good without being computed, which
	 * saves a pass over every header (and payload) received. Off by
	 * default: on any other link a corrupted frame would then reach the
	 * protocols. Checksums sent are still filled in, and ICMP's and
	 * ICMPv6's still checked (rare, and never offloaded).
	 */
	bool trust_rx_csum;
	/**
	 * TCP segmentation offload: a device doing it gets bulk data in
	 * frames of up to 64 KiB, which it cuts into MSS-sized packets. It
	 * needs TSO with IPv4/TCP checksum offload and multi-segment frames.
	 * DPS_TSO_AUTO (0) uses it where offered, except on devices that do
	 * it in software more slowly than the stack segments (net_tap; see
	 * docs/tcp.md); DPS_TSO_ON wherever offered; DPS_TSO_OFF never.
	 * no_offload turns it off as well.
	 */
	uint8_t tso;
	/**
	 * MAC address to use instead of the device's; all-zero keeps the
	 * device's. A device that reports no MAC at all (net_ring) gets the
	 * locally administered 02:64:70:73:00:<port id>. When the device
	 * cannot be programmed with it, the port runs promiscuous.
	 */
	struct rte_ether_addr mac;
	/**
	 * IPv6 on the port with its link-local address only. A port that
	 * has an IPv6 address (dps_stack_add_addr()) does IPv6 anyway; on
	 * other ports IPv6 is off, and its frames are dropped as
	 * eth_unknown_type.
	 */
	bool ipv6;
};

/**
 * Create a stack on an initialised EAL.
 * @return the stack, or NULL with rte_errno set (EINVAL: bad lcore list or
 * too many lcores; ENOMEM).
 */
struct dps_stack *dps_stack_create(const struct dps_stack_conf *conf);

/**
 * Add an ethdev port. It gets one rx/tx queue pair per stack lcore when
 * the stack starts.
 * @return the interface index (>= 0), or -EINVAL (unknown port, already
 * added), -ENOSPC (DPS_MAX_PORTS reached), -EBUSY (stack started).
 */
int dps_stack_add_port(struct dps_stack *s, uint16_t port_id,
	const struct dps_port_conf *pc);

/**
 * Add an address with its netmask to interface @p ifindex; this also
 * installs the connected route for its subnet.
 *
 * An IPv6 address (family AF_INET6) is a unicast address other than
 * ::, ::1, a v4-mapped one or a group; its prefix (up to /127) becomes an
 * on-link route (RFC 4861 5.2). Every port also gets the link-local
 * address of its MAC (RFC 4291 2.5.1, modified EUI-64) at start. Each
 * IPv6 address is tentative until duplicate address detection
 * (RFC 4862 5.4) finds no other node with it, about one to two seconds
 * after start: see dps_stack_addr6_state(). Router advertisements are
 * ignored; routes and neighbours are configured.
 * @return 0, -EINVAL, -EEXIST, -ENOSPC (DPS_MAX_ADDRS or, for IPv6,
 * DPS_MAX_ADDRS6 - 1 entries, an entry being an address or a range of
 * them: dps_stack_add_addr_range()) or -EBUSY.
 */
int dps_stack_add_addr(struct dps_stack *s, int ifindex,
	const struct dps_addr *addr, uint8_t prefixlen);

/**
 * Add @p count consecutive addresses, @p first and the @p count - 1 after
 * it, all with prefix length @p prefixlen, to interface @p ifindex as one
 * entry (a load generator's source addresses: a /15 holds 131,070). The
 * stack answers ARP for each of them and takes each as a local address
 * (bind, receive), at the per-packet cost of one address: a range is a
 * bounds check, not a table. Source address selection and the gratuitous
 * ARP at start use @p first only; peers resolve the others by asking.
 * The connected route for the subnet is installed as with
 * dps_stack_add_addr(), which is this function with @p count 1.
 *
 * With @p count above 1, every address must lie in @p first's subnet and
 * be neither its network address nor, below /31, its broadcast address
 * (RFC 919/922: those are not host addresses).
 *
 * IPv6 (@p first of family AF_INET6): the same, a range of any size
 * taking one of the DPS_MAX_ADDRS6 - 1 entries of the port. Every
 * address of it is the stack's: a destination it receives, a neighbour
 * solicitation it answers, an address bind() takes; source selection
 * (RFC 6724) sees @p first. With @p count above 1 the range stays in
 * @p first's prefix, holds unicast addresses only and, below /127, not
 * the Subnet-Router anycast address (RFC 4291 2.6.1). Duplicate address
 * detection probes every address of the range (RFC 4862 5.4.2; 256 a
 * tick, so a range of 131,072 is settled within about 7 s of start). A
 * conflict on one address of the range loses that address only, as
 * Linux fails the one address it was given: dps_stack_addr6_state() of
 * it is DPS_ADDR6_DUPLICATE, bind() to it gives EADDRNOTAVAIL, and the
 * rest of the range becomes DPS_ADDR6_PREFERRED; source selection sees
 * the first address not lost. Past DPS_IP6_LOST_MAX (8) lost addresses
 * of one range, the whole range is DPS_ADDR6_DUPLICATE (counter
 * dad_range_lost_full).
 * The port then receives all multicast (a range has a solicited-node
 * group per 24-bit suffix).
 *
 * Main thread, before dps_stack_start().
 * @return 0; -EINVAL (bad interface, family or prefix length, @p count 0,
 * an address 0.0.0.0, or a range that leaves the subnet or holds its
 * network or broadcast address; IPv6: an address the stack cannot hold,
 * a range leaving the prefix or holding the anycast address); -EEXIST
 * (an address of the range is already the stack's); -ENOSPC
 * (DPS_MAX_ADDRS entries on the interface, DPS_MAX_ADDRS6 - 1 for IPv6);
 * -EBUSY (the stack has started).
 */
int dps_stack_add_addr_range(struct dps_stack *s, int ifindex,
	const struct dps_addr *first, uint32_t count, uint8_t prefixlen);

/**
 * Add a route. @p gw may be NULL for an on-link route. A prefix length of
 * 0 makes it the default route. IPv4 and IPv6 (@p prefix and @p gw of
 * the same family; an IPv6 gateway is resolved by neighbour discovery,
 * and is usually the router's link-local address).
 * @return 0, -EINVAL, -EEXIST (IPv6: the same prefix twice), -ENOSPC or
 * -EBUSY.
 */
int dps_stack_add_route(struct dps_stack *s, const struct dps_addr *prefix,
	uint8_t prefixlen, const struct dps_addr *gw, int ifindex);

/**
 * Add a static ARP entry (never expires, never replaced by learning).
 * With an IPv6 @p addr, a static neighbour entry (Linux's PERMANENT):
 * never solicited, never replaced by advertisements.
 * @return 0, -EINVAL, -ENOSPC or -EBUSY.
 */
int dps_stack_add_arp(struct dps_stack *s, int ifindex,
	const struct dps_addr *addr, const struct rte_ether_addr *mac);

/** dps_stack_addr6_state() */
enum dps_addr6_state {
	DPS_ADDR6_TENTATIVE = 0,	/**< under duplicate address detection */
	DPS_ADDR6_PREFERRED,		/**< usable */
	DPS_ADDR6_DUPLICATE,		/**< another node has it: never used */
};

/**
 * Duplicate address detection's verdict on IPv6 address @p addr of
 * interface @p ifindex (RFC 4862 5.4); for an address of a range, the
 * range's, or DPS_ADDR6_DUPLICATE for an address of it lost on its own
 * (dps_stack_add_addr_range()). Any thread, once the stack has started; the verdict comes
 * from lcore 0's polls.
 * @return an enum dps_addr6_state, or -ENOENT (not an address of the
 * interface), -EINVAL (bad interface or family).
 */
int dps_stack_addr6_state(const struct dps_stack *s, int ifindex,
	const struct dps_addr *addr);

/**
 * The link-local IPv6 address of interface @p ifindex (fe80::/64 with
 * the modified EUI-64 of its MAC), made at dps_stack_start().
 * @return 0, -EINVAL (bad interface), -EAGAIN (not started).
 */
int dps_stack_linklocal(const struct dps_stack *s, int ifindex,
	struct dps_addr *out);

/**
 * Configure and start every port (queues, RSS, offloads, MTU), wait for
 * link, and queue a gratuitous ARP for each address.
 * @return 0, or a negative errno with a one-line reason in
 * dps_stack_strerror() naming the device and what it lacks.
 */
int dps_stack_start(struct dps_stack *s);

/** Last configuration error as one line, "" when none. */
const char *dps_stack_strerror(const struct dps_stack *s);

/**
 * Application work run inside every poll of one lcore (dps_stack_set_work()).
 * @param s    the stack
 * @param idx  the lcore's index in the stack's lcore list
 * @param arg  as given to dps_stack_set_work()
 * @return how much it did (0: idle), for the busy/idle accounting.
 */
typedef unsigned int (*dps_lcore_work_fn)(struct dps_stack *s, unsigned int idx,
	void *arg);

/**
 * Run @p fn in every iteration of lcore @p idx's poll loop, after input,
 * requests and timers and before output. What it sends, closes or reads
 * there leaves together with what input made owed: the ACK of a SYN-ACK
 * rides on the request written on connect, a response carries the ACK
 * of its request and, when the socket is closed after it, the FIN. NULL
 * removes it. Call before the lcore polls, or from that lcore itself.
 * @return 0, or -EINVAL for an index out of range.
 */
int dps_stack_set_work(struct dps_stack *s, unsigned int idx, dps_lcore_work_fn fn,
	void *arg);

/**
 * Run one iteration of lcore @p idx's poll loop (index into the lcore list):
 * send what is owed since the last iteration, drain timers, receive and
 * process a burst per port, drain the request ring, run the work set
 * with dps_stack_set_work(), send what all that made owed (each flow's
 * segments built once), flush transmit buffers. Only the thread acting
 * as that lcore may call it. For appliances that run their own loop.
 * @return number of packets, requests and units of work handled.
 */
unsigned int dps_stack_poll(struct dps_stack *s, unsigned int idx);

/**
 * Frames lcore @p idx holds in its transmit backlogs (all ports): sent
 * ahead of anything new once the devices have room. Code on that lcore
 * can use it as backpressure, e.g. to pace a burst of closes. Any thread
 * may call it (monitors: a moment's figure) while the stack runs.
 * @return the frame count.
 */
unsigned int dps_stack_tx_backlog(const struct dps_stack *s, unsigned int idx);

/**
 * Poll lcore @p idx until dps_stack_stop(). Only that lcore's thread.
 * @return 0.
 */
int dps_stack_run(struct dps_stack *s, unsigned int idx);

/**
 * Convenience: start dps_stack_run() on every stack lcore other than the
 * calling one with rte_eal_remote_launch().
 * @return 0 or a negative errno.
 */
int dps_stack_launch(struct dps_stack *s);

/** Ask every poll loop to return. Async-signal-safe. */
void dps_stack_stop(struct dps_stack *s);

/** True once dps_stack_stop() was called. */
bool dps_stack_stopping(const struct dps_stack *s);

/** Wait for lcores started by dps_stack_launch(). */
void dps_stack_wait(struct dps_stack *s);

/**
 * Stop the ports and free everything the stack allocated. Held packets and
 * pending requests are dropped (requests complete with ESHUTDOWN). Ports
 * whose queues use pools the stack created are also closed, since those
 * pools are freed; ports fed from the caller's pools are only stopped.
 * Application threads must have returned from their calls first.
 */
void dps_stack_destroy(struct dps_stack *s);

/** Number of stack lcores. */
unsigned int dps_stack_lcore_count(const struct dps_stack *s);

/** EAL lcore id of stack lcore @p idx. */
unsigned int dps_stack_lcore_id(const struct dps_stack *s, unsigned int idx);

/**
 * Counters of lcore @p idx, or the sum over all lcores when @p idx is -1.
 * Any thread, no lock.
 */
void dps_stack_counters(const struct dps_stack *s, int idx,
	struct dps_counters *out);

/** MAC address of interface @p ifindex. */
int dps_stack_mac(const struct dps_stack *s, int ifindex,
	struct rte_ether_addr *mac);

/**
 * The rte_log type "dpstack", registered when the library loads: what
 * the library and its apps log goes out under it, at INFO by default
 * (EAL option --log-level=dpstack:debug, or rte_log_set_level()).
 * Any thread, before or after rte_eal_init().
 */
int dps_log_type(void);

/** Log under the "dpstack" type: DPS_LOG(WARNING, "port %u: ...", id). */
#define DPS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dps_log_type(), "dpstack: " fmt "\n", \
		##__VA_ARGS__)

/**
 * Convenience for programs that let dpstack own the EAL: rte_eal_init()
 * plus a one-line error (without hugepages, one saying so and how to
 * reserve them or run without).
 * @return number of arguments consumed, or -1 with rte_errno set.
 */
int dps_eal_init(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
