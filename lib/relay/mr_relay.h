/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_H
#define MR_RELAY_H

/**
 * @file
 * The worker fast path: receive, classify, look up, update, forward.
 *
 * Each worker owns RX queue q and TX queue q of every port (q = its
 * index). A packet of a stream the tables do not know yet is handed to
 * the main lcore over the worker's learn ring (single producer, single
 * consumer); the main lcore validates the leg and source, creates the
 * stream with this worker as its owner, and hands the packet back over
 * the worker's return ring, which the worker polls before its RX queues.
 * Until the main lcore has finished with every packet the worker handed
 * over before, and the worker with every packet handed back, newer
 * packets of that stream wait in the worker's pending FIFO, so none
 * overtakes another and the main lcore only ever sees a stream's first
 * packets.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "mr_metrics.h"
#include "mr_stream.h"
#include "mr_transcode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_RELAY_MAX_WORKERS 64
#define MR_RELAY_MAX_TRANSCODERS 16
#define MR_RELAY_MAX_PROFILES 64
#define MR_RELAY_BURST_MAX 64  /**< packets process() takes at once (its per-burst arrays) */

struct mr_relay;

/** One worker lcore. Everything in it is written by that lcore only. */
struct mr_worker {
	struct mr_relay *relay;
	struct mr_lcore_counters *ctr;
	struct rte_ring *learn_ring;   /**< to the main lcore */
	struct rte_ring *return_ring;  /**< from the main lcore */
	unsigned int lcore_id;
	uint16_t queue_id;
	uint64_t next_drain;           /**< TSC deadline of the next TX drain */
	uint32_t clock_rate;           /**< cached RTP clock conversion */
	uint64_t clock_mult;           /**< clock_rate * 2^32 / tsc_hz */
	uint64_t learn_sent;           /**< packets handed to the main lcore */
	/*
	 * Packets of streams that are not settled yet (older packets of the
	 * stream are still with the main lcore), in arrival order.
	 */
	uint32_t pend_head;
	uint32_t pend_count;
	uint32_t pend_mask;            /**< FIFO size - 1 (the learn ring's size) */
	struct rte_mbuf **pend;
	struct mr_transcoder *tc;      /**< a transcoder lcore's: its transcoder */
	uint16_t tc_slot;              /**< a transcoder lcore's: index in mr_relay::tc */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	/** Written by the main lcore: learn packets it has finished with. */
	uint64_t learn_seen __rte_cache_aligned;
} __rte_cache_aligned;

/** Relay settings, fixed before the workers start. */
struct mr_relay_params {
	struct mr_streams *streams;
	struct rte_mempool *hdr_pool;  /**< small mbufs: headers and clones */
	struct rte_mempool *copy_pool; /**< full mbufs for private copies */
	uint16_t burst;                /**< RX burst, <= MR_RELAY_BURST_MAX */
	uint16_t rtp_port_min;         /**< host order */
	uint16_t rtp_port_max;
	uint32_t tx_drain_us;
	uint32_t ring_size;            /**< learn and return rings and pending FIFO, power of 2 */
};

/** The relay: shared, read-only settings and the workers. */
struct mr_relay {
	struct mr_streams *streams;
	struct rte_mempool *hdr_pool;
	struct rte_mempool *copy_pool;
	uint64_t tsc_hz;
	uint64_t drain_tsc;
	uint16_t burst;
	uint16_t rtp_port_min;
	uint16_t rtp_port_max;
	uint16_t n_workers;
	uint16_t n_ports;
	uint16_t ports[RTE_MAX_ETHPORTS];
	bool multiseg[RTE_MAX_ETHPORTS]; /**< TX takes chained mbufs */
	/** Out of the datapath (mr_relay_port_pause()); read atomically by the lcores. */
	bool paused[RTE_MAX_ETHPORTS];
	uint32_t pauses[RTE_MAX_ETHPORTS]; /**< times paused (main lcore) */
	uint32_t ring_size;
	bool stop;                       /**< set by the main lcore, read atomically */
	struct mr_worker *workers[MR_RELAY_MAX_WORKERS];
	/* Transcoding: transcoder lcores, each with a TX context like a worker's. */
	uint16_t n_tc;
	uint16_t n_profiles;
	struct mr_transcoder *tc[MR_RELAY_MAX_TRANSCODERS];
	struct mr_worker *tc_tx[MR_RELAY_MAX_TRANSCODERS];
	uint32_t *tc_chan_leg[MR_RELAY_MAX_TRANSCODERS]; /**< channel slot -> leg */
	/** Channels of reclaimed streams whose close found the control ring full: retried. */
	uint32_t *tc_closing[MR_RELAY_MAX_TRANSCODERS];
	uint32_t n_closing[MR_RELAY_MAX_TRANSCODERS];
	struct mr_tc_profile profiles[MR_RELAY_MAX_PROFILES]; /**< leg tc_profile - 1 */
};

/**
 * Create the relay. Ports are added with mr_relay_add_port(), workers with
 * mr_relay_add_worker(), both before the workers start.
 *
 * @return
 *   The relay, or NULL with rte_errno set.
 */
struct mr_relay *mr_relay_create(const struct mr_relay_params *p);

/**
 * Use an ethdev port: the workers poll it and send on it.
 *
 * @return
 *   0, -EINVAL (bad port), -ENOSPC (too many).
 */
int mr_relay_add_port(struct mr_relay *r, uint16_t port_id);

/**
 * Add a worker for @p lcore_id using queue mr_relay::n_workers of every
 * port; creates its rings and TX buffers on the lcore's socket.
 *
 * @return
 *   The worker, or NULL with rte_errno set.
 */
struct mr_worker *mr_relay_add_worker(struct mr_relay *r, unsigned int lcore_id);

/**
 * Take a port out of the datapath, so the main lcore may stop and start
 * it while the workers run: workers stop polling it, and workers and
 * transcoders drop what they would send on it (MR_DROP_PORT_PAUSED),
 * what their TX buffers hold for it included. Returns once no lcore is
 * inside a burst on it any more (one grace period of the streams' QSBR,
 * which every datapath lcore reports once per poll-loop pass), counted in
 * mr_relay::pauses. Main lcore only; pausing a paused port does nothing.
 */
void mr_relay_port_pause(struct mr_relay *r, uint16_t port_id);

/** Give a paused port back to the datapath. Main lcore only. */
void mr_relay_port_resume(struct mr_relay *r, uint16_t port_id);

/** Whether the datapath leaves @p port_id alone (any lcore). */
static inline bool
mr_relay_port_paused(const struct mr_relay *r, uint16_t port_id)
{
	return __atomic_load_n(&r->paused[port_id], __ATOMIC_RELAXED);
}

/** Worker lcore entry point (rte_eal_remote_launch); @p arg is the worker. */
int mr_relay_worker_main(void *arg);

/**
 * Set the transcoding profiles legs refer to (leg tc_profile N uses
 * @p profiles[N - 1]). Before the workers start.
 *
 * @return
 *   0, -EINVAL (a profile mr_tc_profile_validate() refuses, or too many).
 */
int mr_relay_set_profiles(struct mr_relay *r, const struct mr_tc_profile *profiles,
			  uint16_t n);

/**
 * Add a transcoder lcore after all workers: it owns a transcoder (input
 * ring from the workers, channel table) and sends on TX queue @p queue_id
 * of every port (workers + its index, in the app). Its output goes to the
 * destinations of the leg whose stream it transcodes.
 *
 * @param p
 *   Transcoder parameters; emit and emit_ctx are set here.
 * @return
 *   The transcoder lcore's context (pass it to mr_relay_transcoder_main()),
 *   or NULL with rte_errno set.
 */
struct mr_worker *mr_relay_add_transcoder(struct mr_relay *r, unsigned int lcore_id,
					  uint16_t queue_id, struct mr_transcoder_params *p);

/** Transcoder lcore entry point; @p arg is from mr_relay_add_transcoder(). */
int mr_relay_transcoder_main(void *arg);

/** One pass of a transcoder lcore's loop (exposed for tests). @return work done. */
unsigned int mr_relay_transcoder_poll(struct mr_worker *w, uint64_t now);

/**
 * Process packets of one worker (the loop's body, exposed for tests).
 * Consumes every mbuf: forwarded, handed to the main lcore, or freed and
 * counted under a drop reason.
 *
 * @param returned
 *   The packets come back from the main lcore after learning.
 */
void mr_relay_process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n,
		      bool returned, uint64_t now);

/**
 * Process the packets a worker holds for streams that were not settled,
 * in order, as far as their streams have settled (the loop calls it after
 * the return ring; exposed for tests).
 *
 * @return
 *   Packets taken from the FIFO.
 */
unsigned int mr_relay_pending_drain(struct mr_worker *w, uint64_t now);

/** Send what a worker's TX buffers hold. */
void mr_relay_flush(struct mr_worker *w);

/**
 * Main lcore: learn the streams the workers handed over, at most
 * @p budget packets. Consumes every mbuf it takes.
 *
 * @return
 *   Packets taken.
 */
unsigned int mr_relay_learn_poll(struct mr_relay *r, unsigned int budget);

/** Ask the workers to leave their loops. */
void mr_relay_stop(struct mr_relay *r);

/**
 * After the workers returned: free and count (MR_DROP_SHUTDOWN) every
 * mbuf still in the rings, free the rings and TX buffers and the relay.
 */
void mr_relay_free(struct mr_relay *r);

/*
 * ---- Transcoding changes by the control plane (lib/relay/mr_relay_tc.c).
 * ---- Main lcore only.
 */

/** What a transcoding change did to the streams it concerned. */
struct mr_relay_tc_result {
	uint32_t channels_updated; /**< channels told the new profile (reset by reason "profile") */
	uint32_t update_failed;    /**< streams whose channel could not be updated (deleted instead) */
	uint32_t streams_deleted;  /**< streams deleted; each is learned again from its next packet */
};

/**
 * Move the streams of leg @p leg_idx, whose leg changes from one profile
 * to another, to profile @p profile: mr_transcoder_channel_update() for
 * each (the transcoder resets the codec state, output SSRC and sequence
 * continue). A stream whose channel cannot be updated (no channel, or
 * the control ring stays full for about 2 ms) is deleted: its channel is
 * closed when its memory is reclaimed, and its next packet learns it
 * again with the leg's profile. Nothing is left on the old profile
 * without being counted in @p res.
 *
 * Changing between no profile and a profile is not done here: a stream's
 * channel is fixed when it is published, so the caller deletes the leg's
 * streams (mr_streams_del_by_legs()) instead.
 *
 * @param profile
 *   1-based index into mr_relay::profiles.
 * @return
 *   0 (see @p res), -EINVAL (bad leg index or profile).
 */
int mr_relay_leg_channels_update(struct mr_relay *r, uint32_t leg_idx, uint16_t profile,
				 struct mr_relay_tc_result *res);

/**
 * Replace the parameters of profile @p profile (validated with
 * mr_tc_profile_validate(), defaults filled in) and update the channel
 * of every stream of every leg using it, as mr_relay_leg_channels_update()
 * does. Channels opened later take the new parameters.
 *
 * @return
 *   0 (see @p res), -EINVAL (bad index, or a profile the transcoder refuses:
 *   nothing changed).
 */
int mr_relay_profile_update(struct mr_relay *r, uint16_t profile, const struct mr_tc_profile *p,
			    struct mr_relay_tc_result *res);

/* ---- end of transcoding changes */

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_H */
