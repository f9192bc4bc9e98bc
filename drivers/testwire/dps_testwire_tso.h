/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TESTWIRE_TSO_H
#define DPS_TESTWIRE_TSO_H

/*
 * The test wire's transmit offloads, done in software as a NIC does them
 * (dps_testwire_tso.c): IPv4 header checksum, TCP checksum and TCP
 * segmentation. Private to drivers/testwire.
 */

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

/* The offloads the wire's ports advertise when asked for TSO. */
#define DPS_TW_SOFT_TX (RTE_ETH_TX_OFFLOAD_TCP_TSO | \
	RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
	RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

/* Where the frames a sender's mbuf becomes go: @m is the callee's. */
typedef void (*dps_tw_emit_fn)(void *arg, struct rte_mbuf *m);

/* What dps_tw_soft_tx() did with one mbuf. */
enum dps_tw_soft {
	DPS_TW_SOFT_PASS,	/* emitted as it was (checksums filled) */
	DPS_TW_SOFT_CUT,	/* a TSO frame, emitted as its pieces */
	DPS_TW_SOFT_BAD,	/* metadata a NIC would refuse: freed */
	DPS_TW_SOFT_NOMEM,	/* no mbuf for a piece: freed */
};

/*
 * Do the offloads @m's ol_flags ask for, checking its metadata strictly,
 * and hand the frame, or for a TSO frame each of its pieces (built in
 * @pool), to @emit. *@pieces gets the number emitted.
 */
enum dps_tw_soft dps_tw_soft_tx(struct rte_mbuf *m, struct rte_mempool *pool,
	dps_tw_emit_fn emit, void *arg, uint32_t *pieces);

#endif
