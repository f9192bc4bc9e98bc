/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_PORT_H
#define DPS_PORT_H

/*
 * Port bring-up over ethdev: queues, RSS, checksum offloads, MTU and link
 * wait, for any device (PCI NICs, net_af_packet, net_tap, net_memif,
 * net_ring, net_af_xdp). A device that cannot do what is asked gets an
 * error line naming the device and the missing capability.
 */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <rte_ether.h>
#include <rte_mempool.h>

struct dps_port_setup {
	uint16_t port_id;
	uint16_t nb_queues;		/* one rx/tx pair per stack lcore */
	struct rte_mempool *const *pools; /* per queue */
	uint16_t nb_rxd, nb_txd;
	uint16_t mtu;
	bool promiscuous;
	bool no_offload;
	uint8_t tso;			/* enum dps_tso_mode */
	uint32_t link_wait_ms;
};

struct dps_port_info {
	struct rte_ether_addr mac;
	uint64_t rx_offloads, tx_offloads;	/* enabled */
	uint16_t tx_seg_max;		/* mbuf segments per frame the device takes */
	uint16_t mtu_reserve;		/* keep packets this much under the MTU
					 * (a device quirk; see dps_port.c) */
	bool tso_v4_only;		/* TSO of IPv4 frames only (a device
					 * quirk; see dps_port.c) */
	bool rss;
	bool link_up;
	uint32_t link_speed;
	char driver[64];
	char name[64];
};

/* The symmetric Toeplitz key programmed for RSS (40 bytes), so both
 * directions of a flow hash alike; rte_thash uses it for port choice. */
extern const uint8_t dps_rss_key[40];

/* Configure and start the port. 0, or a negative errno with @err filled
 * ("port 1 (net_ring0): 2 lcores need 2 rx queues, device has 1"). */
int dps_port_start(const struct dps_port_setup *ps, struct dps_port_info *info,
	char *err, size_t errlen);

/* Transmit offloads done for port @port_id above its device, in
 * software (the test wire's TSO, drivers/testwire): dps_port_start()
 * takes them as offered and enabled but does not ask the device for
 * them. Set before the start; 0 clears. */
void dps_port_set_soft_tx(uint16_t port_id, uint64_t offloads);

/* Stop the port (its queues' mbufs go back to their pools). */
void dps_port_stop(uint16_t port_id);

#endif
