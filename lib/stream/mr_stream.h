/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_STREAM_H
#define MR_STREAM_H

/**
 * @file
 * The session model and its lookup tables.
 *
 * A *leg* is one local UDP endpoint of a session, with the remote peer it
 * talks to (signalled, or latched from the first packet) and the legs it
 * forwards to. A *stream* is one RTP source (SSRC) received on a leg.
 *
 * Ownership:
 * - The main lcore is the only writer of legs. Legs are published as
 *   immutable snapshots (struct mr_leg) in a slot array; a change builds a
 *   new snapshot and swaps the slot pointer, the old snapshot is freed
 *   after an RCU grace period.
 * - Streams live in shards (struct mr_stream_shard), one per owner lcore
 *   (each worker). A worker creates the streams of the packets it receives
 *   in its own shard, and is the only writer of that shard's table and of
 *   those streams. The local endpoint decides the worker (NIC steering or
 *   software dispatch), so a leg's streams are all in one shard.
 * - A leg's stream list, stream count and admission state (struct
 *   mr_leg_rt) are written by whoever holds the leg's ownership token
 *   (mr_leg_rt::owner): the worker that owns its streams, taken when it
 *   creates the first one and given back when the last one goes; or the
 *   main lcore, briefly, while the leg has no streams. The main lcore has a
 *   leg's owner run work on its streams (repointing them to a new snapshot,
 *   deleting them, updating their transcoder channels) with
 *   mr_streams_leg_call().
 * - Workers read the leg table and their own shard without locks and report
 *   quiescent states on the QSBR variable once per poll loop; each owner
 *   reclaims its own deleted streams, the main lcore retired snapshots.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_memzone.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "mr_metrics.h"
#include "mr_pkt.h"
#include "mr_rtp.h"
#include "mr_stream_table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_STREAM_MAX_DESTS 8   /**< destinations per leg */
#define MR_STREAM_MAX_REFS 16   /**< legs that may forward to one leg */
#define MR_STREAM_NAME_LEN 48   /**< leg and session names, with NUL (config names + "_a65535") */
#define MR_STREAM_NO_LEG UINT32_MAX
#define MR_STREAM_NO_CHANNEL UINT32_MAX
#define MR_STREAM_MAX_OWNERS 32     /**< shards: worker lcores (iteration positions hold 5 bits) */
#define MR_STREAM_OWNER_NONE UINT16_MAX        /**< mr_leg_rt::owner: nobody */
#define MR_STREAM_OWNER_MAIN (UINT16_MAX - 1)  /**< mr_leg_rt::owner: the main lcore */
#define MR_STREAM_LEG_STREAMS_DEFAULT 8         /**< streams (SSRCs) per leg */
#define MR_STREAM_LEG_NEW_PER_S_DEFAULT 16      /**< new streams per second per leg */

/** Hash key of a stream: the local endpoint it arrives on, and its SSRC. */
struct mr_stream_key {
	struct mr_endpoint local;
	uint32_t ssrc;
};

/**
 * mr_dest::port_id of a destination that is a RoQ leg (mr_roq_addr.h):
 * its packets leave in QUIC DATAGRAM frames, not on a port directly.
 */
#define MR_DEST_PORT_ROQ UINT16_MAX

/** One egress of a leg snapshot: where and how a packet is sent. */
struct mr_dest {
	/*
	 * First cache line: what every packet reads, and the template up to
	 * 48 header bytes (IPv4, with or without a VLAN tag); the RTP
	 * rewrite fields, read only when rewrite is set, come after it.
	 */
	uint16_t port_id;         /**< egress port */
	uint8_t cksum_offload;    /**< port computes IPv4/UDP checksums */
	uint8_t rewrite;          /**< RTP SSRC/seq/ts rewritten on egress */
	struct mr_pkt_tmpl tmpl;  /**< headers: dest leg local -> its remote */
	uint32_t ssrc_out;        /**< with rewrite: SSRC to write, 0 = keep */
	uint16_t seq_offset;      /**< with rewrite: added to seq */
	uint32_t ts_offset;       /**< with rewrite: added to timestamp */
	uint32_t leg_idx;         /**< the destination leg */
	/** SRTP: the destination leg's crypto_out key generation (0: sent plain) */
	uint32_t srtp_gen;
} __rte_cache_aligned;

/** Immutable snapshot of a leg, as the fast path sees it (one cache line, then dests). */
struct mr_leg {
	/* First line: what every packet reads besides its destinations. */
	struct mr_endpoint local;
	struct mr_endpoint remote;   /**< valid when has_remote */
	uint32_t idx;                /**< slot index */
	uint32_t clock_rate;         /**< RTP clock of its streams (jitter units) */
	uint16_t port_id;
	uint8_t has_remote : 1;      /**< signalled, or latched */
	uint8_t srtp : 2;            /**< MR_LEG_SRTP_IN | MR_LEG_SRTP_OUT: SRTP work to do */
	uint8_t n_dests;             /**< sendable destinations */
	uint8_t n_unsendable;        /**< forward targets not yet latched */
	/** forward targets whose port's next hop is not resolved (not in dests) */
	uint8_t n_unresolved;
	uint16_t tc_profile;         /**< 0, or transcode its RTP with this profile (1-based) */
	uint16_t streams_max;        /**< streams (SSRCs) it may have at once */
	uint32_t gen;                /**< its definition's generation (mr_leg_def::gen) */
	/**
	 * dests[0] takes the original mbuf (the others get clones or copies):
	 * one that leaves the payload alone when there is one, so the fast
	 * path knows where to prefetch without reading the snapshot first.
	 */
	struct mr_dest dests[MR_STREAM_MAX_DESTS];
	/* Read when a stream is learned only. */
	uint64_t new_stream_tsc;     /**< TSC between new streams (0: no rate limit) */
	uint64_t new_stream_tau;     /**< burst tolerance of the rate limit, TSC */
};

/** mr_leg::srtp: the leg receives SRTP (crypto_in) */
#define MR_LEG_SRTP_IN  (1u << 0)
/** mr_leg::srtp: a destination is sent SRTP (its leg has crypto_out) */
#define MR_LEG_SRTP_OUT (1u << 1)

_Static_assert(offsetof(struct mr_leg, dests) == RTE_CACHE_LINE_SIZE,
	       "struct mr_leg: one line, then the destinations");

/**
 * Per-stream state. Laid out for the fast path: an RTP packet of a settled
 * stream reads and writes the first two cache lines only; the third holds
 * the key and what learning, RTCP, transcoding and the control plane use.
 */
struct mr_stream {
	/* Line 0 (ordered to leave no holes). */
	/**
	 * Its leg's current snapshot, or NULL while the leg is undefined:
	 * the main lcore stores the new one in every stream of a leg it
	 * republishes before it retires the old, so the fast path reads the
	 * snapshot from here instead of through the leg's slot.
	 */
	const struct mr_leg *leg;
	/* Written once by the main lcore: */
	uint32_t leg_idx;
	uint16_t owner_lcore;
	uint16_t tc_index;        /**< transcoder of a transcoded leg's stream */
	/* Written by the owner lcore only: */
	struct mr_jitter jitter;
	uint8_t started : 1;
	uint8_t has_rr : 1;       /**< the rr_ fields are set */
	uint8_t has_sr : 1;       /**< sr_lsr is set */
	uint8_t last_pt;
	uint16_t unused;          /**< free (keeps the counters at the end of the line) */
	/**
	 * key.ssrc again (written once), here in the first line: the fast
	 * path matches a packet against this and its leg's local endpoint,
	 * both in lines it reads anyway, instead of reading the key's line.
	 */
	uint32_t ssrc;
	/* from the peer's last RTCP report block (with rr_jitter, rr_cum_lost) */
	uint8_t rr_fraction_lost;
	uint64_t last_tsc;        /**< last packet (read by the main lcore for expiry) */
	uint64_t pkts;
	uint64_t bytes;

	/* Line 1 (owner lcore). */
	struct mr_seq seq __rte_cache_aligned;
	uint32_t rtcp_pkts;
	uint32_t rr_jitter;

	/* Line 2: the key, transcoding (written once), RTCP, the leg's list. */
	struct mr_stream_key key __rte_cache_aligned;
	uint32_t tc_channel;      /**< its transcoder channel (MR_STREAM_NO_CHANNEL: none) */
	/** middle 32 bits of the last SR's NTP timestamp (what an RR's LSR echoes) */
	uint32_t sr_lsr;
	int32_t rr_cum_lost;
	/* The leg's streams, a list (the leg's owner only). */
	struct mr_stream *leg_prev;
	struct mr_stream *leg_next;
	/** lib/relay's SRTP state of the stream (written once; NULL: none) */
	void *srtp;
} __rte_cache_aligned;

_Static_assert(sizeof(struct mr_stream) == 3 * RTE_CACHE_LINE_SIZE &&
	       offsetof(struct mr_stream, bytes) + 8 == RTE_CACHE_LINE_SIZE &&
	       offsetof(struct mr_stream, seq) == RTE_CACHE_LINE_SIZE &&
	       offsetof(struct mr_stream, key) == 2 * RTE_CACHE_LINE_SIZE,
	       "struct mr_stream: two hot lines, one cold");

/** Port facts the leg snapshots need. */
struct mr_stream_port {
	bool present;
	bool cksum_offload;          /**< TX IPv4 + UDP checksum offload */
	uint16_t vlan;               /**< 0: untagged */
	struct rte_ether_addr mac;   /**< our MAC */
	struct rte_ether_addr nexthop;
};

/** Control-plane definition of a leg (main lcore only). */
struct mr_leg_def {
	char name[MR_STREAM_NAME_LEN];
	char session[MR_STREAM_NAME_LEN];
	bool in_use;
	bool latch;
	bool latched;
	bool rewrite;
	struct mr_endpoint local;
	struct mr_endpoint remote;   /**< signalled or latched */
	uint16_t port_id;
	uint16_t n_fwd;
	uint16_t n_refs;
	uint32_t clock_rate;
	uint32_t ssrc_out;
	uint16_t seq_offset;
	uint32_t ts_offset;
	uint16_t tc_profile;                /**< 0, or the transcode profile (1-based) */
	/** streams (SSRCs) at once, 1..65535 (0: mr_streams_params::leg_streams_max) */
	uint16_t streams_max;
	/** new_streams_per_s is set (else mr_streams_params::leg_new_streams_per_s) */
	bool has_new_streams_per_s;
	/** new streams per second, a burst of streams_max allowed (0: no limit) */
	uint32_t new_streams_per_s;
	uint32_t gen;                       /**< bumped by every mr_streams_leg_set() (set there) */
	/*
	 * SRTP (docs/srtp.md): lib/relay holds the keys; a definition names
	 * them by generation (0: none), and by suite and fingerprint for reports.
	 */
	uint32_t srtp_in_gen;               /**< crypto_in: what the leg receives */
	uint32_t srtp_out_gen;              /**< crypto_out: what the leg sends */
	uint8_t srtp_in_suite;              /**< enum mr_srtp_suite */
	uint8_t srtp_out_suite;
	char srtp_in_fp[16];                /**< key fingerprint (12 hex digits) */
	char srtp_out_fp[16];
	uint32_t fwd[MR_STREAM_MAX_DESTS];  /**< legs this one forwards to */
	uint32_t refs[MR_STREAM_MAX_REFS];  /**< legs forwarding to this one */
};

/** Per-leg drops, counted on the leg besides the lcore's counters. */
#define MR_LEG_DROPS(X) \
	X(SOURCE_MISMATCH, "source_mismatch") \
	X(STREAM_LIMIT,    "leg_stream_limit") \
	X(NEW_STREAM_RATE, "leg_new_stream_rate") \
	X(SRTP_AUTH,       "srtp_auth") \
	X(SRTP_REPLAY,     "srtp_replay") \
	X(SRTP_MALFORMED,  "srtp_malformed") \
	X(SRTP_NO_ROOM,    "srtp_no_room") \
	X(SRTP_ERROR,      "srtp_error")

enum mr_leg_drop {
#define MR_LEG_DROP_ENUM_(sym, name) MR_LEG_DROP_##sym,
	MR_LEG_DROPS(MR_LEG_DROP_ENUM_)
#undef MR_LEG_DROP_ENUM_
	MR_LEG_DROP__MAX
};

/** Name of a per-leg drop as telemetry exports it. */
const char *mr_leg_drop_name(enum mr_leg_drop d);

/**
 * Run-time state of a leg that goes with its streams. The first line is
 * written by the holder of the ownership token @c owner (see the file
 * comment); the counters by any lcore with atomic adds (drop paths only).
 * The main lcore resets it all when it defines a leg in a free slot.
 */
struct mr_leg_rt {
	/** lcore owning the leg's streams, MR_STREAM_OWNER_NONE or _MAIN (atomic) */
	uint16_t owner;
	uint32_t n_streams;          /**< its live streams */
	struct mr_stream *streams;   /**< the list of them (leg_next) */
	uint64_t tat;                /**< rate limit: theoretical arrival time (TSC) */
	/** generation + 1 of the snapshot a latch request was sent for; 0: none */
	uint32_t latch_gen;
	struct mr_endpoint latch_src; /**< the source that request latches to */
	/* Second line: counters. */
	uint64_t streams_created __rte_cache_aligned;
	uint64_t drops[MR_LEG_DROP__MAX];
} __rte_cache_aligned;

/** A latch request from an owner lcore to the main lcore. */
struct mr_latch_req {
	uint32_t leg;                 /**< or MR_LATCH_ANY_LEG (unlatch only) */
	uint32_t gen;                 /**< the snapshot generation it was seen with */
	struct mr_endpoint src;
	uint8_t unlatch;              /**< 1: unlatch from src (mr_streams_unlatch_request()) */
};

/** An unlatch request for every leg latched to its source. */
#define MR_LATCH_ANY_LEG UINT32_MAX

struct mr_streams;
struct mr_stream_shard;

/**
 * Work on a leg's streams, run by the leg's owner (mr_streams_leg_call()):
 * @p sh is the owner's shard, NULL when the main lcore holds the leg (it
 * has no streams then). @p arg is the caller's, copied in and out.
 */
typedef int (*mr_leg_call_fn)(struct mr_streams *s, struct mr_stream_shard *sh,
			      uint32_t leg, void *arg);

#define MR_STREAM_CALL_ARG 64  /**< bytes of argument a leg call carries */

/** The main lcore's mailbox in a shard: one call at a time. */
struct mr_leg_call_box {
	uint64_t seq_req;            /**< main lcore: bumped (release) once a call is filled in */
	mr_leg_call_fn fn;
	uint32_t leg;
	int result;                  /**< owner: fn's return */
	uint8_t arg[MR_STREAM_CALL_ARG];
	uint64_t seq_done __rte_cache_aligned; /**< owner: seq_req it answered (release) */
};

/** The streams of one owner lcore: only that lcore writes any of it. */
struct mr_stream_shard {
	struct mr_stream_table table;      /**< mr_stream_key -> struct mr_stream * */
	struct rte_rcu_qsbr_dq *dq;        /**< deleted streams waiting for a grace period */
	struct rte_ring *latch_ring;       /**< struct mr_latch_req to the main lcore (SP/SC) */
	uint32_t expire_next;              /**< mr_stream_table_next() position */
	uint16_t lcore_id;
	uint16_t index;                    /**< in mr_streams::shards */
	uint64_t expired;                  /**< streams deleted for idleness */
	uint64_t purged;                   /**< streams deleted on the main lcore's call */
	struct mr_leg_call_box box __rte_cache_aligned;
};

/** Creation parameters. */
struct mr_streams_params {
	const char *name;            /**< prefix for DPDK object names */
	uint32_t legs_max;
	uint32_t streams_max;
	uint32_t max_threads;        /**< RCU readers (lcore ids < this) */
	uint16_t owners_max;         /**< shards (worker lcores), 0: 1 */
	/** a leg's streams_max by default (0: MR_STREAM_LEG_STREAMS_DEFAULT) */
	uint16_t leg_streams_max;
	/** a leg's new streams per second by default (0: no limit) */
	uint32_t leg_new_streams_per_s;
	int socket_id;
};

/** The tables and the model. */
struct mr_streams {
	struct mr_stream_shard *shards[MR_STREAM_MAX_OWNERS];
	uint16_t n_shards;
	uint16_t owners_max;
	int16_t shard_of[RTE_MAX_LCORE];   /**< lcore -> index in shards, -1: none */
	struct rte_hash *legs;             /**< local mr_endpoint -> slot + 1 */
	struct mr_leg **slots;             /**< [legs_max] current snapshots */
	/**
	 * [65536] by local UDP port (host order): the snapshot of the leg
	 * last published there, a prefetch hint only. The fast path fetches
	 * a packet's leg alongside the stream lookup instead of after it;
	 * it may be stale or another address's leg, so it is never read.
	 */
	const struct mr_leg **leg_hint;
	struct mr_leg_def *defs;           /**< [legs_max] (main lcore) */
	struct mr_leg_rt *rt;              /**< [legs_max] */
	struct rte_mempool *stream_pool;   /**< shared by the shards */
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *leg_dq;    /**< snapshots waiting for a grace period */
	uint32_t legs_max;
	uint32_t streams_max;
	uint32_t n_legs;
	uint32_t call_timeouts;            /**< leg calls an owner did not answer in time */
	uint16_t leg_streams_max;          /**< default of legs that set none */
	uint32_t leg_new_streams_per_s;    /**< default of legs that set none */
	int socket_id;
	char name[16];                     /**< prefix of the shards' object names */
	struct mr_stream_port ports[RTE_MAX_ETHPORTS];
	/**
	 * Called on the owner lcore when a deleted stream's memory is
	 * reclaimed (after its grace period), once per stream: releases what
	 * the stream holds elsewhere (its transcoder channel).
	 */
	void (*on_reclaim)(void *ctx, struct mr_stream *st);
	void *on_reclaim_ctx;
	/**
	 * Called when a stream is deleted, on the lcore holding its leg's
	 * token, before the stream leaves the leg (so before the token can
	 * go): hands what the stream holds for its leg back to the leg (its
	 * SRTP outbound contexts). The stream may still be read until
	 * on_reclaim.
	 */
	void (*on_unlink)(void *ctx, struct mr_stream *st);
	void *on_unlink_ctx;
};

/** What a new stream starts with (mr_streams_add()). */
struct mr_stream_init {
	uint32_t leg_idx;         /**< leg it arrives on */
	uint16_t owner_lcore;     /**< the worker that writes its state (the caller) */
	uint16_t tc_index;        /**< transcoder (with tc_channel) */
	uint32_t tc_channel;      /**< MR_STREAM_NO_CHANNEL when not transcoded */
	void *srtp;               /**< lib/relay's SRTP state (mr_stream::srtp) */
};

/**
 * Create empty tables.
 *
 * @return
 *   The object, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct mr_streams *mr_streams_create(const struct mr_streams_params *p);

/**
 * Free the tables, every stream and every snapshot. No reader may be
 * running.
 */
void mr_streams_free(struct mr_streams *s);

/**
 * Define or redefine leg @p idx and publish it (and the legs that forward
 * to it, whose destinations change with it). Main lcore only.
 *
 * @return
 *   0; -EINVAL for a bad index, a forward to an unknown leg or to itself,
 *   too many references; -EEXIST when another leg has the same local
 *   endpoint; -ENOSPC when the leg table is full; -ENOMEM.
 */
int mr_streams_leg_set(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def);

/**
 * mr_streams_leg_set(), with the leg's streams deleted by their owner in
 * the same call that would point them at the new snapshot: no packet meets
 * the new definition in a stream made under the old one (a new local
 * endpoint, a transcoding profile where there was none or the other way).
 * Their next packets learn them again. Main lcore only.
 *
 * @param deleted
 *   Set to the streams deleted.
 * @return
 *   As mr_streams_leg_set().
 */
int mr_streams_leg_set_fresh(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def,
			     uint32_t *deleted);

/** Find a leg slot by local endpoint (any thread). @return idx or -ENOENT. */
int32_t mr_streams_leg_find(const struct mr_streams *s, const struct mr_endpoint *local);

/** The current snapshot of leg @p idx, or NULL (readers: inside a QSBR critical section). */
static inline const struct mr_leg *
mr_streams_leg(const struct mr_streams *s, uint32_t idx)
{
	return __atomic_load_n(&s->slots[idx], __ATOMIC_ACQUIRE);
}

/**
 * The current snapshot of stream @p st's leg, or NULL (readers: inside a
 * QSBR critical section). One load from the stream's first line, where
 * mr_streams_leg() would go through the leg's slot.
 */
static inline const struct mr_leg *
mr_stream_leg(const struct mr_stream *st)
{
	return __atomic_load_n(&st->leg, __ATOMIC_ACQUIRE);
}

/**
 * Prefetch hint for a packet to local UDP port @p port (host byte order):
 * the snapshot most recently published for a leg on that port, or NULL.
 * Possibly stale or retired: only for rte_prefetch0(), never to read.
 */
static inline const void *
mr_streams_leg_hint(const struct mr_streams *s, uint16_t port)
{
	return __atomic_load_n(&s->leg_hint[port], __ATOMIC_RELAXED);
}

/**
 * Latch leg @p idx to @p remote and republish it and its referrers.
 * Main lcore only (owners ask with mr_streams_latch_request()). Latching
 * is once: a latched leg keeps its remote.
 *
 * @return
 *   0 (latched now or already latched to @p remote), -EPERM when latched
 *   to another remote or not a latch leg, -ENOENT, -ENOMEM.
 */
int mr_streams_latch(struct mr_streams *s, uint32_t idx, const struct mr_endpoint *remote);

/**
 * Undo a latch: leg @p idx, if latched to @p remote, is a latch leg again
 * (its next source latches it anew) and its streams are deleted, which
 * were that source's. Main lcore only (owners ask with
 * mr_streams_unlatch_request()). The definition's generation is bumped,
 * so latch requests still on their way for the old one are ignored.
 *
 * @return
 *   0 (unlatched), -EPERM when not latched to @p remote (nothing done),
 *   -ENOENT, -ENOMEM.
 */
int mr_streams_unlatch(struct mr_streams *s, uint32_t idx, const struct mr_endpoint *remote);

/**
 * Register @p lcore_id as an owner of streams (a worker): creates its
 * shard. Before the lcore starts.
 *
 * @return
 *   The shard, or NULL with rte_errno set (ENOSPC: owners_max reached or
 *   lcore already registered; ENOMEM).
 */
struct mr_stream_shard *mr_streams_owner_add(struct mr_streams *s, unsigned int lcore_id);

/** The shard of @p lcore_id, or NULL when it owns none. */
static inline struct mr_stream_shard *
mr_streams_shard(const struct mr_streams *s, unsigned int lcore_id)
{
	int16_t i = lcore_id < RTE_MAX_LCORE ? s->shard_of[lcore_id] : -1;

	return i < 0 ? NULL : s->shards[i];
}

/**
 * Take leg @p leg's ownership token for shard @p sh (to create a stream
 * of it there). Owner lcore.
 *
 * @return
 *   1 taken now (give it back with mr_streams_leg_unclaim() if no stream
 *   gets created), 0 already held by @p sh, -EBUSY held by another lcore
 *   or the main lcore.
 */
int mr_streams_leg_claim(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg);

/** Give back a token mr_streams_leg_claim() took, if the leg has no streams. */
void mr_streams_leg_unclaim(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg);

/**
 * Whether leg @p leg (snapshot @p snap) may have one more stream now: its
 * stream limit and new-stream rate. Holder of the leg's token; a stream
 * admitted counts against the rate whether or not it is then created.
 *
 * @return
 *   0, -EDQUOT (streams_max reached), -EBUSY (rate exceeded).
 */
static inline int
mr_streams_leg_admit(struct mr_streams *s, uint32_t leg, const struct mr_leg *snap,
		     uint64_t now)
{
	struct mr_leg_rt *rt = &s->rt[leg];
	uint64_t tat;

	if (rt->n_streams >= snap->streams_max)
		return -EDQUOT;
	if (snap->new_stream_tsc != 0) {
		/* GCRA: a burst of up to streams_max, then the configured rate */
		tat = RTE_MAX(rt->tat, now);
		if (tat - now > snap->new_stream_tau)
			return -EBUSY;
		rt->tat = tat + snap->new_stream_tsc;
	}
	return 0;
}

/**
 * A leg at its stream limit makes room for a new SSRC (a re-INVITE, a
 * restarted phone) by deleting its least recently heard stream, when that
 * one has been silent for @p idle TSC cycles; a flood of new SSRCs finds
 * every stream recent and gets nothing. The leg's owner, with shard @p sh.
 *
 * @return
 *   0 when a stream made room, -EDQUOT when none was silent long enough.
 */
int mr_streams_leg_evict_idle(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg,
			      uint64_t now, uint64_t idle);

/** How long a stream of a full leg must be silent to make room (ms). */
#define MR_STREAM_LEG_EVICT_IDLE_MS 1000

/** Count a drop on leg @p leg (any lcore: an atomic add, for drop paths). */
static inline void
mr_streams_leg_drop(struct mr_streams *s, uint32_t leg, enum mr_leg_drop d)
{
	__atomic_fetch_add(&s->rt[leg].drops[d], 1, __ATOMIC_RELAXED);
}

/**
 * Ask the main lcore to latch leg @p leg (snapshot generation @p gen) to
 * @p src. The leg's token holder; the leg's packets from @p src are
 * accepted from now on (mr_streams_latch_accepts()) until its snapshot
 * is republished latched.
 *
 * @return
 *   0, -ENOBUFS (request ring full: try with a later packet).
 */
int mr_streams_latch_request(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg,
			     uint32_t gen, const struct mr_endpoint *src);

/**
 * Ask the main lcore to unlatch leg @p leg (or every leg, MR_LATCH_ANY_LEG,
 * a scan of the definitions) from @p src: the source went away (a QUIC
 * connection released). Any lcore owning shard @p sh; requests of one
 * shard are applied in order, after its latch requests sent before.
 *
 * @return
 *   0, -ENOBUFS (request ring full).
 */
int mr_streams_unlatch_request(struct mr_stream_shard *sh, uint32_t leg,
			       const struct mr_endpoint *src);

/**
 * Whether a packet from @p src may enter leg @p leg (snapshot @p snap, not
 * yet latched) because a latch to @p src is on its way. Token holder.
 */
static inline bool
mr_streams_latch_accepts(const struct mr_streams *s, uint32_t leg, const struct mr_leg *snap,
			 const struct mr_endpoint *src)
{
	const struct mr_leg_rt *rt = &s->rt[leg];

	return rt->latch_gen == snap->gen + 1 && mr_endpoint_equal(&rt->latch_src, src);
}

/**
 * Create a stream in the caller's shard (init->owner_lcore must be the
 * calling lcore's), holding its leg's token (taken here if nobody holds
 * it). Everything in @p init is written before the stream becomes
 * visible to readers. Limits are the caller's (mr_streams_leg_admit()).
 *
 * @return
 *   0 with *out set; -EEXIST (with *out the existing stream); -EBUSY (the
 *   leg's streams belong to another lcore); -ENOSPC (both buckets full),
 *   -EDQUOT (streams_max streams live, or the pool is empty); -EINVAL
 *   (bad leg, or the caller owns no shard).
 */
int mr_streams_add(struct mr_streams *s, const struct mr_stream_key *key,
		   const struct mr_stream_init *init, struct mr_stream **out);

/** Whether two stream keys are the same. */
static inline bool
mr_stream_key_equal(const struct mr_stream_key *a, const struct mr_stream_key *b)
{
	return a->ssrc == b->ssrc && mr_endpoint_equal(&a->local, &b->local);
}

/**
 * The stream table's hash of a key: CRC32-C of its 24 bytes, init value 0
 * (rte_hash_crc()).
 */
static inline hash_sig_t
mr_stream_key_hash(const struct mr_stream_key *key)
{
	return rte_hash_crc(key, sizeof(*key), 0);
}

/**
 * Set @p key to (the frame's destination endpoint, @p ssrc) and return its
 * hash, equal to mr_stream_key_hash(key) afterwards.
 *
 * The fast path's way to build a key: it reads the address and port from
 * the frame and hashes the words from registers. Copying pi->dst instead
 * and hashing the key from memory makes wide loads over stores that
 * mr_pkt_parse() and the copy have just made in smaller pieces; such a
 * load cannot be forwarded from the store buffer and waits for the stores
 * to retire, twice per packet.
 *
 * @param frame
 *   The frame @p pi was parsed from (mr_pkt_parse() succeeded).
 */
static inline hash_sig_t
mr_stream_key_from_frame(struct mr_stream_key *key, const uint8_t *frame,
			 const struct mr_pkt_info *pi, uint32_t ssrc)
{
	const uint8_t *l3 = frame + RTE_ETHER_HDR_LEN + (pi->has_vlan ? RTE_VLAN_HLEN : 0);
	uint64_t lo, hi, tail;
	uint16_t port;

	memcpy(&port, frame + pi->payload_off - sizeof(struct rte_udp_hdr) +
	       offsetof(struct rte_udp_hdr, dst_port), sizeof(port));
	if (pi->ip_version == 4) {
		uint32_t addr;

		/* ::ffff:a.b.c.d, bytes 8..15 as one word: 00 00 ff ff a b c d */
		memcpy(&addr, l3 + 16, sizeof(addr));
		lo = 0;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
		hi = UINT64_C(0xffff0000) | (uint64_t)addr << 32;
#else
		hi = UINT64_C(0xffff) << 32 | addr;
#endif
	} else {
		memcpy(&lo, l3 + 24, sizeof(lo));
		memcpy(&hi, l3 + 32, sizeof(hi));
	}
	/* bytes 16..23: port (network order), zero, ssrc (host order) */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	tail = port | (uint64_t)ssrc << 32;
#else
	tail = (uint64_t)port << 48 | ssrc;
#endif
	RTE_BUILD_BUG_ON(sizeof(*key) != 3 * sizeof(uint64_t) ||
			 offsetof(struct mr_stream_key, ssrc) != 20);
	memcpy(key->local.ip, &lo, sizeof(lo));
	memcpy(key->local.ip + 8, &hi, sizeof(hi));
	memcpy(&key->local.port, &tail, sizeof(tail));
	return rte_hash_crc_8byte(tail, rte_hash_crc_8byte(hi, rte_hash_crc_8byte(lo, 0)));
}

/** Find a stream in any shard (any thread). @return the stream or NULL. */
struct mr_stream *mr_streams_find(const struct mr_streams *s, const struct mr_stream_key *key);

/**
 * Delete a stream of the caller's shard. Its memory is reclaimed after a
 * grace period. Owner lcore only. @return 0 or -ENOENT.
 */
int mr_streams_del(struct mr_streams *s, const struct mr_stream_key *key);

/**
 * An owner lcore's periodic work on its shard: delete streams idle since
 * before @p now - @p idle, scanning at most @p budget table slots (empty
 * ones count) from where the previous call stopped, so the lcore never
 * stalls on a big table; then reclaim what passed its grace period.
 *
 * @return
 *   Streams deleted.
 */
unsigned int mr_streams_expire(struct mr_streams *s, struct mr_stream_shard *sh, uint64_t now,
			       uint64_t idle, unsigned int budget);

/**
 * Answer the main lcore's leg call to this shard, if there is one (see
 * mr_streams_leg_call()). Owner lcore, once per loop pass: one load when
 * there is none.
 *
 * @return
 *   1 when it ran a call, else 0.
 */
unsigned int mr_streams_owner_poll(struct mr_streams *s, struct mr_stream_shard *sh);

/**
 * Have leg @p leg's owner run @p fn on it (main lcore): directly, holding
 * the leg's token, when the leg has no owner (or the caller is the
 * owner); else through the owner's mailbox, waiting up to a second for it
 * (the owner answers once per loop pass). @p arg (@p len bytes, at most
 * MR_STREAM_CALL_ARG) is copied to the owner and back.
 *
 * @return
 *   fn's return, or -ETIMEDOUT (the owner did not answer; counted in
 *   call_timeouts), -EINVAL.
 */
int mr_streams_leg_call(struct mr_streams *s, uint32_t leg, mr_leg_call_fn fn, void *arg,
			size_t len);

/**
 * Main lcore: apply the owners' latch requests. @return requests taken.
 */
unsigned int mr_streams_main_poll(struct mr_streams *s);

/** Streams in every shard. */
uint32_t mr_streams_count(const struct mr_streams *s);

/** Totals of the shards' tables (any thread, relaxed). */
struct mr_streams_table_stats {
	uint64_t buckets;
	uint64_t moves;
	uint64_t full;
};

/** Sum the shards' table statistics. */
void mr_streams_table_stats(const struct mr_streams *s, struct mr_streams_table_stats *st);

/**
 * Reclaim retired leg snapshots, and the streams the calling lcore's
 * shard deleted (if it owns one). Main lcore, periodically.
 */
void mr_streams_reclaim(struct mr_streams *s);

/* Iteration positions: shard index in the top bits, table position below. */
#define MR_STREAMS_POS_BITS 27

/**
 * The next stream from iteration position @p pos (start at 0; advanced),
 * over every shard, or NULL at the end (@p pos back to 0). Readers:
 * inside a QSBR critical section; streams added or deleted meanwhile may
 * be missed.
 */
struct mr_stream *mr_streams_next(const struct mr_streams *s, uint32_t *pos);

/*
 * ---- Control-plane helpers, used by lib/session.
 * ---- Main lcore only.
 */

/**
 * Delete every stream received on one of the @p n_legs legs in @p legs
 * (memory reclaimed after a grace period), each by its leg's owner
 * (mr_streams_leg_call()). Visits only those legs' streams (each leg
 * keeps a list of its own).
 *
 * @return
 *   Streams deleted.
 */
unsigned int mr_streams_del_by_legs(struct mr_streams *s, const uint32_t *legs,
				    unsigned int n_legs);

/* ---- end of control-plane helpers */

#ifdef __cplusplus
}
#endif

#endif /* MR_STREAM_H */
