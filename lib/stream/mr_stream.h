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
 * - The main lcore is the only writer of both tables and of every leg.
 *   Legs are published as immutable snapshots (struct mr_leg) in a slot
 *   array; a change builds a new snapshot and swaps the slot pointer, the
 *   old snapshot is freed after an RCU grace period.
 * - A stream's identity fields are written once by the main lcore before
 *   it is published. Its statistics are written only by its owner worker
 *   (the worker whose RX queue its packets arrive on).
 * - Workers read both tables without locks (the stream table of
 *   mr_stream_table.h, rte_hash lock-free readers for legs) and report
 *   quiescent states on the QSBR variable once per poll loop. Deleted
 *   streams and retired snapshots are freed after a grace period.
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
#include <rte_rcu_qsbr.h>
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

/** Hash key of a stream: the local endpoint it arrives on, and its SSRC. */
struct mr_stream_key {
	struct mr_endpoint local;
	uint32_t ssrc;
};

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
} __rte_cache_aligned;

/** Immutable snapshot of a leg, as the fast path sees it (one cache line, then dests). */
struct mr_leg {
	struct mr_endpoint local;
	struct mr_endpoint remote;   /**< valid when has_remote */
	uint32_t idx;                /**< slot index */
	uint32_t clock_rate;         /**< RTP clock of its streams (jitter units) */
	uint16_t port_id;
	uint8_t has_remote;          /**< signalled, or latched */
	uint8_t n_dests;             /**< sendable destinations */
	uint8_t n_unsendable;        /**< forward targets not yet latched */
	uint16_t tc_profile;         /**< 0, or transcode its RTP with this profile (1-based) */
	/**
	 * dests[0] takes the original mbuf (the others get clones or copies):
	 * one that leaves the payload alone when there is one, so the fast
	 * path knows where to prefetch without reading the snapshot first.
	 */
	struct mr_dest dests[MR_STREAM_MAX_DESTS];
};

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
	uint8_t settled : 1;      /**< no packet of it is with the main lcore: go direct */
	uint8_t started : 1;
	uint8_t marked : 1;       /**< learn_mark is set */
	uint8_t has_rr : 1;       /**< the rr_ fields are set */
	uint8_t has_sr : 1;       /**< sr_lsr is set */
	uint8_t last_pt;
	uint16_t pending;         /**< its packets waiting in the owner's pending FIFO */
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

	/* Line 2: learning, transcoding (written once), RTCP, control. */
	struct mr_stream_key key __rte_cache_aligned;
	uint32_t tc_channel;      /**< its transcoder channel (MR_STREAM_NO_CHANNEL: none) */
	/*
	 * Packets of this stream handed back to the owner by the main lcore:
	 * queued counts them (main lcore), done counts those the owner
	 * processed (owner). See mr_relay.c, stream_settle().
	 */
	uint32_t returns_queued;
	uint32_t returns_done;
	uint32_t learn_mark;      /**< owner's learn_sent (mod 2^32) when it first found it */
	/** middle 32 bits of the last SR's NTP timestamp (what an RR's LSR echoes) */
	uint32_t sr_lsr;
	int32_t rr_cum_lost;
	/* The leg's streams, a list for deleting them (main lcore only). */
	struct mr_stream *leg_prev;
	struct mr_stream *leg_next;
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
	uint32_t fwd[MR_STREAM_MAX_DESTS];  /**< legs this one forwards to */
	uint32_t refs[MR_STREAM_MAX_REFS];  /**< legs forwarding to this one */
	struct mr_stream *streams;          /**< its live streams (leg_next list) */
	uint32_t n_streams;
};

/** Creation parameters. */
struct mr_streams_params {
	const char *name;            /**< prefix for DPDK object names */
	uint32_t legs_max;
	uint32_t streams_max;
	uint32_t max_threads;        /**< RCU readers (lcore ids < this) */
	int socket_id;
};

/** The tables and the model. */
struct mr_streams {
	struct mr_stream_table table;      /**< mr_stream_key -> struct mr_stream * */
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
	struct rte_mempool *stream_pool;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *leg_dq;    /**< snapshots waiting for a grace period */
	struct rte_rcu_qsbr_dq *stream_dq; /**< deleted streams waiting for one */
	uint32_t legs_max;
	uint32_t streams_max;
	uint32_t n_legs;
	uint32_t expire_next;              /**< mr_stream_table_next() position */
	struct mr_stream_port ports[RTE_MAX_ETHPORTS];
	/**
	 * Called on the main lcore when a deleted stream's memory is
	 * reclaimed (after its grace period), once per stream: releases what
	 * the stream holds elsewhere (its transcoder channel).
	 */
	void (*on_reclaim)(void *ctx, struct mr_stream *st);
	void *on_reclaim_ctx;
};

/** What a new stream starts with (mr_streams_add()). */
struct mr_stream_init {
	uint32_t leg_idx;         /**< leg it arrives on */
	uint16_t owner_lcore;     /**< the worker that writes its state */
	uint16_t tc_index;        /**< transcoder (with tc_channel) */
	uint32_t tc_channel;      /**< MR_STREAM_NO_CHANNEL when not transcoded */
	/**
	 * Packets of the stream the caller is about to hand back to the
	 * owner (set before the stream becomes visible, so no later packet
	 * can overtake them).
	 */
	uint32_t returns_queued;
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
 * Main lcore only. Latching is once: a latched leg keeps its remote.
 *
 * @return
 *   0 (latched now or already latched to @p remote), -EPERM when latched
 *   to another remote or not a latch leg, -ENOENT, -ENOMEM.
 */
int mr_streams_latch(struct mr_streams *s, uint32_t idx, const struct mr_endpoint *remote);

/**
 * Create a stream. Main lcore only. Everything in @p init is written
 * before the stream becomes visible to the workers.
 *
 * @return
 *   0 with *out set; -EEXIST (with *out the existing stream); -ENOSPC
 *   when the table (or the stream pool) is full; -EINVAL.
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

/** Find a stream (any thread). @return the stream or NULL. */
struct mr_stream *mr_streams_find(const struct mr_streams *s, const struct mr_stream_key *key);

/**
 * Delete a stream. Its memory is reclaimed after a grace period.
 * Main lcore only. @return 0 or -ENOENT.
 */
int mr_streams_del(struct mr_streams *s, const struct mr_stream_key *key);

/**
 * Delete streams idle since before @p now - @p idle, scanning at most
 * @p budget table slots (empty ones count) from where the previous call
 * stopped, so the main lcore never stalls on a big table. Main lcore only.
 *
 * @return
 *   Streams deleted.
 */
unsigned int mr_streams_expire(struct mr_streams *s, uint64_t now, uint64_t idle,
			       unsigned int budget);

/** Streams in the table. */
uint32_t mr_streams_count(const struct mr_streams *s);

/**
 * Reclaim what readers no longer reference. Main lcore, periodically.
 */
void mr_streams_reclaim(struct mr_streams *s);

/**
 * The next stream from iteration position @p pos (start at 0; advanced),
 * or NULL at the end. Readers: inside a QSBR critical section; streams
 * added or deleted meanwhile may be missed.
 */
static inline struct mr_stream *
mr_streams_next(const struct mr_streams *s, uint32_t *pos)
{
	return mr_stream_table_next(&s->table, pos, NULL);
}

/*
 * ---- Control-plane helpers (lib/stream/mr_stream_ctl.c), used by lib/ctl.
 * ---- Main lcore only.
 */

/** First free leg slot. @return its index, or -ENOSPC (legs_max reached). */
int32_t mr_streams_leg_alloc(const struct mr_streams *s);

/** The slot of the leg named @p name. @return idx, or -ENOENT. */
int32_t mr_streams_leg_by_name(const struct mr_streams *s, const char *name);

/**
 * Delete every stream received on one of the @p n_legs legs in @p legs
 * (memory reclaimed after a grace period). Visits only those legs' streams
 * (each leg keeps a list of its own).
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
