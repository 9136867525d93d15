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
 * index), and the streams of the local endpoints steered to it: the NIC
 * hashes on the destination only, or, on a port that cannot
 * (mr_relay_port_set_dispatch()), the worker that receives a packet hands
 * it to the endpoint's worker over that worker's dispatch ring. A worker
 * creates a stream itself, in its own shard of the stream table, in the
 * burst where the stream's first packet arrives: no hop through another
 * lcore, so nothing is reordered and nothing waits. The main lcore keeps
 * legs (mr_streams_leg_set()) and has a leg's owner run work on its
 * streams (mr_streams_leg_call()).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "mr_metrics.h"
#include "mr_relay_drops.h"
#include "mr_stream.h"
#include "mr_transcode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_RELAY_MAX_WORKERS MR_STREAM_MAX_OWNERS
#define MR_RELAY_DISPATCH_RING 4096 /**< a worker's dispatch ring (packets) */
#define MR_RELAY_MAX_TRANSCODERS 16
#define MR_RELAY_MAX_PROFILES 64
#define MR_RELAY_BURST_MAX 64  /**< packets process() takes at once (its per-burst arrays) */

struct mr_relay;
struct mr_relay_quic;
struct mr_worker_quic;
struct mr_relay_srtp_leg;

/** One worker (or transcoder) lcore. Everything in it is written by that lcore only. */
struct mr_worker {
	struct mr_relay *relay;
	struct mr_lcore_counters *ctr;
	struct mr_stream_shard *shard; /**< a worker's: the streams it owns */
	struct rte_ring *dispatch_ring; /**< a worker's: packets other workers steer to it (MP/SC) */
	struct rte_ring *exc_ring;     /**< a worker's: ARP/ND/echo to the main lcore (mr_relay_exc.h) */
	unsigned int lcore_id;
	uint16_t queue_id;
	uint16_t index;                /**< a worker's: in mr_relay::workers, its transcoder controller */
	uint64_t next_drain;           /**< TSC deadline of the next TX drain */
	uint64_t next_tick;            /**< TSC deadline of the next housekeeping tick */
	uint32_t clock_rate;           /**< cached RTP clock conversion */
	uint64_t clock_mult;           /**< clock_rate * 2^32 / tsc_hz */
	struct mr_transcoder *tc;      /**< a transcoder lcore's: its transcoder */
	uint16_t tc_slot;              /**< a transcoder lcore's: index in mr_relay::tc */
	/** A worker's channel closes that found a transcoder's control ring full: retried. */
	uint32_t *tc_closing[MR_RELAY_MAX_TRANSCODERS];
	uint32_t n_closing[MR_RELAY_MAX_TRANSCODERS];
	/** A worker's QUIC servers and RoQ state (mr_relay_quic.h); NULL: no endpoint. */
	struct mr_worker_quic *quic;
	/** A worker's: QUIC packets and RoQ output for connections it owns (MP/SC). */
	struct rte_ring *quic_ring;
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
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
	uint32_t stream_idle_ms;       /**< workers delete streams idle this long (0: never) */
};

/** The relay: shared, read-only settings and the workers. */
struct mr_relay {
	struct mr_streams *streams;
	struct rte_mempool *hdr_pool;
	struct rte_mempool *copy_pool;
	uint64_t tsc_hz;
	uint64_t drain_tsc;
	uint64_t tick_tsc;               /**< housekeeping period of the workers */
	uint64_t idle_tsc;               /**< stream idle time (0: no expiry) */
	uint64_t evict_tsc;              /**< a full leg's stream silent this long makes room */
	uint16_t burst;
	uint16_t rtp_port_min;
	uint16_t rtp_port_max;
	uint16_t n_workers;
	uint16_t n_ports;
	uint16_t ports[RTE_MAX_ETHPORTS];
	bool multiseg[RTE_MAX_ETHPORTS]; /**< TX takes chained mbufs */
	/** The port cannot steer by destination: workers dispatch its packets in software. */
	bool dispatch[RTE_MAX_ETHPORTS];
	/** Its ARP/ND/echo frames go to the main lcore (mr_relay_exc_port_enable()). */
	bool exc_port[RTE_MAX_ETHPORTS];
	uint16_t exc_next;               /**< main lcore: the worker mr_relay_exc_poll() starts at */
	/** Out of the datapath (mr_relay_port_pause()); read atomically by the lcores. */
	bool paused[RTE_MAX_ETHPORTS];
	uint32_t pauses[RTE_MAX_ETHPORTS]; /**< times paused (main lcore) */
	bool stop;                       /**< set by the main lcore, read atomically */
	struct mr_worker *workers[MR_RELAY_MAX_WORKERS];
	/* Transcoding: transcoder lcores, each with a TX context like a worker's. */
	uint16_t n_tc;
	uint16_t n_profiles;
	struct mr_transcoder *tc[MR_RELAY_MAX_TRANSCODERS];
	struct mr_worker *tc_tx[MR_RELAY_MAX_TRANSCODERS];
	uint32_t *tc_chan_leg[MR_RELAY_MAX_TRANSCODERS]; /**< channel slot -> leg */
	/** channel slot -> SRTP state of its output (the transcoder lcore's, mr_relay_srtp.c) */
	void **tc_srtp[MR_RELAY_MAX_TRANSCODERS];
	struct mr_tc_profile profiles[MR_RELAY_MAX_PROFILES]; /**< leg tc_profile - 1 */
	/* QUIC endpoints (mr_relay_quic.h), fixed before the workers start. */
	uint16_t n_quic;
	struct mr_relay_quic *quic[16];  /**< MR_ROQ_MAX_ENDPOINTS */
	/** The handshake lcore's QUIC state (mr_relay_quic_hs_setup()); NULL: none. */
	struct mr_relay_hs *hs;
	/** SRTP state per leg slot (mr_relay_srtp.c, mr_relay_srtp.h) */
	struct mr_relay_srtp_leg *srtp;
	uint32_t srtp_gen_last;          /**< main lcore: the last key generation given */
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
 * port; creates its stream shard, dispatch ring and TX buffers on the
 * lcore's socket. All workers before any transcoder.
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

/**
 * Have the workers steer the packets of @p port_id by destination in
 * software: the worker that receives one hands it to the worker owning
 * its local endpoint (a hash of it) over that worker's dispatch ring; a
 * full ring is a counted drop (MR_DROP_DISPATCH_RING_FULL). For ports
 * whose NIC cannot hash on the destination alone while several workers
 * poll them. Before the workers start.
 *
 * @return
 *   0, -EINVAL (not a port of the relay).
 */
int mr_relay_port_set_dispatch(struct mr_relay *r, uint16_t port_id, bool on);

/**
 * The worker that owns local endpoint @p local when packets are dispatched
 * in software (index into mr_relay::workers).
 */
static inline uint16_t
mr_relay_endpoint_worker(const struct mr_relay *r, const struct mr_endpoint *local)
{
	return (uint16_t)(rte_hash_crc(local, sizeof(*local), 0) % r->n_workers);
}

/**
 * Hand a frame that arrived on another lcore (the main lcore's RX queue of
 * a net_af_packet port, whose sockets share the kernel's fanout) to the
 * worker owning its local endpoint, over that worker's dispatch ring.
 * Any lcore. Consumes @p m when it returns 0.
 *
 * @return
 *   0 (enqueued), -EINVAL (not a UDP datagram to the RTP port range: @p m
 *   stays the caller's), -ENOBUFS (the ring was full: @p m freed and
 *   counted as MR_DROP_DISPATCH_RING_FULL on the calling lcore).
 */
int mr_relay_dispatch_in(struct mr_relay *r, struct rte_mbuf *m);

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
 * Consumes every mbuf: forwarded, handed to a transcoder or to another
 * worker (@p dispatch), or freed and counted under a drop reason. A
 * packet of a stream the worker does not know yet creates the stream
 * here, when its leg accepts it.
 *
 * @param dispatch
 *   The packets come from a port that cannot steer by destination: hand
 *   each to the worker owning its local endpoint.
 */
void mr_relay_process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n,
		      bool dispatch, uint64_t now);

/**
 * A worker's housekeeping (the loop runs it every 10 ms; exposed for
 * tests): expire idle streams, reclaim deleted ones, collect transcoder
 * acknowledgements and retry channel closes.
 *
 * @return
 *   Streams expired.
 */
unsigned int mr_relay_worker_tick(struct mr_worker *w, uint64_t now);

/** Send what a worker's TX buffers hold. */
void mr_relay_flush(struct mr_worker *w);

/**
 * Main lcore: the workers' requests (latching legs). Call once per loop
 * pass.
 *
 * @return
 *   Requests taken.
 */
unsigned int mr_relay_main_poll(struct mr_relay *r);

/** Ask the workers to leave their loops. */
void mr_relay_stop(struct mr_relay *r);

/**
 * After the workers returned: free and count (MR_DROP_SHUTDOWN) every
 * mbuf still in the dispatch rings and TX buffers, free them and the relay.
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
 * the control ring is full) is deleted: its channel is closed when its
 * memory is reclaimed, and its next packet learns it again with the
 * leg's profile. The leg's owner does this work (mr_streams_leg_call()). Nothing is left on the old profile
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
