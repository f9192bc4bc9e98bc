/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TESTWIRE_H
#define DPS_TESTWIRE_H

/**
 * @file
 * The test wire: two ethdev ports linked inside one process, with seeded,
 * reproducible impairments and an optional pcapng capture.
 *
 * Each side is a real ethdev (net_ring, created with rte_eth_from_rings()),
 * so a stack uses it exactly like a NIC. Frames a side transmits wait in
 * that side's tx ring until dps_testwire_pump() carries them across: only
 * the pump decides loss, duplication, reordering, corruption and delay,
 * from a private PRNG seeded by the caller, and it takes the time as an
 * argument, so a test that drives the stacks and the pump from one thread
 * with a virtual clock is fully deterministic.
 */

#include <stdbool.h>
#include <stdint.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dps_testwire;

/** Impairments, applied independently to each direction. */
struct dps_testwire_conf {
	uint64_t seed;		/**< PRNG seed; same seed, same fate per frame */
	double loss;		/**< probability a frame is dropped */
	double dup;		/**< probability a frame is delivered twice */
	double reorder;		/**< probability a frame is held back behind the next */
	double corrupt;		/**< probability one random bit is flipped */
	uint64_t delay_ns;	/**< one-way delay added to every frame */
	uint64_t jitter_ns;	/**< extra uniform random delay in [0, jitter_ns] */
	uint32_t ring_size;	/**< per-direction ring; default 1024 */
	const char *pcap_path;	/**< pcapng file of what crosses; NULL = none */
	struct rte_mempool *pool; /**< for duplicate/capture copies; NULL creates one */
	/** Called with every frame a side sends, before impairment, in
	 * order (direction 0: side 0 to side 1); NULL = none. For tests
	 * that check what a stack put on the wire. */
	void (*tap)(void *arg, int dir, const struct rte_mbuf *m);
	void *tap_arg;
	/** A NIC with TCP segmentation offload: both ports advertise
	 * RTE_ETH_TX_OFFLOAD_TCP_TSO, IPV4_CKSUM, TCP_CKSUM and MULTI_SEGS
	 * to dps_port_start(), and the pump does them in software, cutting
	 * a TSO frame into its pieces before the impairments (each piece
	 * is a frame to them, to the capture and to the tap). A frame
	 * whose offload metadata a NIC would refuse is dropped and counted
	 * in `offload_bad`. */
	bool tso;
};

/** Per-direction statistics (side 0 -> 1 is direction 0). */
struct dps_testwire_stats {
	uint64_t sent;		/**< frames taken from the sender */
	uint64_t delivered;	/**< frames handed to the receiver */
	uint64_t lost;
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t corrupted;
	uint64_t overflow;	/**< receiver ring full: dropped and counted */
	uint64_t in_flight;	/**< held in the wire now */
	uint64_t tso_frames;	/**< TSO frames cut (conf.tso) */
	uint64_t tso_pieces;	/**< the pieces they became */
	uint64_t offload_bad;	/**< frames with offload metadata a NIC refuses */
};

/**
 * Create the two ports "<name>_0" and "<name>_1" (not yet configured).
 * @return the wire, or NULL with rte_errno set (EINVAL, EEXIST, ENOMEM).
 */
struct dps_testwire *dps_testwire_create(const char *name,
	const struct dps_testwire_conf *conf);

/** ethdev port id of side 0 or 1. */
uint16_t dps_testwire_port(const struct dps_testwire *w, int side);

/**
 * Carry frames across in both directions: take what each side transmitted,
 * apply impairments, and deliver every frame whose due time is <= @p now_ns.
 * Single-threaded: one thread pumps a given wire.
 * @return frames delivered.
 */
unsigned int dps_testwire_pump(struct dps_testwire *w, uint64_t now_ns);

/**
 * Hand @p n frames straight to the receive ring of side @p side, as if
 * they had crossed (no impairment, no capture, not counted), and carry
 * nothing else: a test feeds a stack while what the stack transmits stays
 * in its device queue, as on a link whose peer does not drain it.
 * Call it from the thread that pumps.
 * @return frames taken; the others are still the caller's.
 */
unsigned int dps_testwire_inject(struct dps_testwire *w, int side,
	struct rte_mbuf **pkts, unsigned int n);

/** Statistics of direction @p dir (0: side 0 to side 1). */
void dps_testwire_stats(const struct dps_testwire *w, int dir,
	struct dps_testwire_stats *st);

/**
 * Free frames still in flight, close the capture, remove the ports.
 * The ports must be stopped.
 */
void dps_testwire_destroy(struct dps_testwire *w);

#ifdef __cplusplus
}
#endif
#endif
