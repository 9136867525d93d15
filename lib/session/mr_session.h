/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_SESSION_H
#define MR_SESSION_H

/**
 * @file
 * The session model: the one place that validates and applies changes
 * to legs, sessions, destinations and transcoding profiles, and that
 * holds the port registry (each port's addresses, L2 facts, offloads).
 *
 * Every entry point goes through it: the configuration file, the
 * telemetry control commands, and the signalling protocols that come
 * after them. A change is described by a struct mr_leg_spec, filled key
 * by key with mr_leg_spec_set() (syntax and ranges, any thread, no
 * state), then applied on the main lcore (everything that depends on
 * the current state, checked before anything changes).
 *
 * Names are found through an index (legs by name, legs of a session),
 * never by scanning the leg table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "mr_pkt.h"
#include "mr_relay.h"
#include "mr_srtp.h"
#include "mr_stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fields of a leg spec that were given (an update changes only these). */
#define MR_LEG_F_SESSION     (1u << 0)
#define MR_LEG_F_PORT        (1u << 1)
#define MR_LEG_F_LOCAL       (1u << 2)
#define MR_LEG_F_REMOTE      (1u << 3)
#define MR_LEG_F_FORWARD     (1u << 4)
#define MR_LEG_F_SSRC        (1u << 5)
#define MR_LEG_F_SEQ         (1u << 6)
#define MR_LEG_F_TS          (1u << 7)
#define MR_LEG_F_CLOCK       (1u << 8)
#define MR_LEG_F_TRANSCODE   (1u << 9)
#define MR_LEG_F_STREAMS_MAX (1u << 10)
#define MR_LEG_F_NEW_RATE    (1u << 11)
#define MR_LEG_F_QUIC        (1u << 12)
#define MR_LEG_F_FLOW        (1u << 13)

/** Largest RoQ flow identifier (a QUIC variable-length integer). */
#define MR_LEG_FLOW_MAX ((UINT64_C(1) << 62) - 1)
#define MR_LEG_F_CRYPTO_IN   (1u << 14)
#define MR_LEG_F_CRYPTO_OUT  (1u << 15)

/** How many keys mr_leg_spec_set() takes. */
#define MR_LEG_SPEC_NKEYS 16

/** The keys mr_leg_spec_set() takes, NULL-terminated (for key checks and docs). */
extern const char *const mr_leg_spec_keys[MR_LEG_SPEC_NKEYS + 1];

/**
 * What a caller asks of a leg, before it is checked against the state.
 * Start from mr_leg_spec_init(); set with mr_leg_spec_set().
 */
struct mr_leg_spec {
	uint32_t given;                 /**< MR_LEG_F_* */
	char session[MR_STREAM_NAME_LEN];
	uint16_t port;                  /**< DPDK port id (default 0) */
	/** local = auto: the port's IPv4 address, else its IPv6 one; port allocated */
	bool local_addr_auto;
	/** local = addr:auto: this address, the UDP port allocated */
	bool local_port_auto;
	struct mr_endpoint local;
	bool latch;                     /**< remote = latch */
	struct mr_endpoint remote;
	uint16_t n_fwd;
	char fwd[MR_STREAM_MAX_DESTS][MR_STREAM_NAME_LEN]; /**< legs forwarded to, by name */
	uint32_t ssrc_out;              /**< 0: the SSRC is not rewritten */
	uint16_t seq_offset;
	uint32_t ts_offset;
	uint32_t clock_rate;            /**< default 48000 */
	char transcode[MR_STREAM_NAME_LEN]; /**< profile name; "" (or none): no transcoding */
	uint16_t streams_max;           /**< 1..65535 */
	uint32_t new_streams_per_s;     /**< 0 (no limit)..1000000 */
	/** RTP over QUIC: the QUIC endpoint ([quic.NAME]) of the leg; "": a UDP leg */
	char quic[MR_STREAM_NAME_LEN];
	uint64_t flow;                  /**< RoQ flow identifier, 0..2^62-1 */
	/**
	 * SRTP keys (docs/srtp.md): what the leg receives, what it is sent;
	 * suite MR_SRTP_SUITE_NONE: none. Key material: wipe a spec with
	 * mr_leg_spec_wipe() when done with it.
	 */
	struct mr_srtp_key crypto_in;
	struct mr_srtp_key crypto_out;
};

/** An empty spec with the defaults (port 0, clock_rate 48000). */
void mr_leg_spec_init(struct mr_leg_spec *sp);

/** Erase the key material a spec holds (explicit_bzero). */
void mr_leg_spec_wipe(struct mr_leg_spec *sp);

/**
 * Set one field of a leg from its text, as the configuration file and
 * the control commands write it. Any thread; no state is read.
 *
 * Keys: session, port, local (addr:port, addr:auto, [v6]:auto, auto),
 * remote (unicast addr:port or latch), forward (leg names joined by '+'
 * or ','), ssrc_out, seq_offset, ts_offset, clock_rate, transcode
 * (profile name or none), streams_max, new_streams_per_s, quic (a QUIC
 * endpoint's name: an RTP over QUIC leg, instead of port, local and
 * remote), flow (its RoQ flow identifier), crypto_in and crypto_out
 * ("SUITE inline:BASE64[|lifetime]" as an SDP a=crypto line writes them
 * after its tag, or none; refused where the build has no SRTP).
 *
 * @param err
 *   On failure, the reason without the key, e.g. "'x' is not 0..65535".
 * @return
 *   0; -EINVAL (bad value), -ENOENT (unknown key).
 */
int mr_leg_spec_set(struct mr_leg_spec *sp, const char *key, const char *val,
		    char *err, size_t errlen);

/** What key @p key of mr_leg_spec_set() accepts, for messages and help; NULL if unknown. */
const char *mr_leg_spec_accepted(const char *key);

/** Whether @p s is a leg or session name: 1..MR_STREAM_NAME_LEN-1 of [A-Za-z0-9_.-]. */
bool mr_session_name_valid(const char *s);

/** Who defined a leg (the rules are the same for all; telemetry tells them apart). */
enum mr_leg_origin {
	MR_LEG_ORIGIN_CONFIG,   /**< the configuration file */
	MR_LEG_ORIGIN_CONTROL,  /**< the control commands */
	MR_LEG_ORIGIN_SIGNAL,   /**< signalling (the ng protocol) */
};

/** Name of an origin as telemetry reports it (config, control, signal). */
const char *mr_leg_origin_name(enum mr_leg_origin o);

/**
 * One port as the model knows it. Addresses come from the configuration,
 * the rest from the port's set-up; the fast path's copies (struct
 * mr_stream_port, mr_relay::multiseg) are written from here.
 */
struct mr_port_facts {
	bool present;                   /**< configured and set up */
	bool has_ipv4;
	bool has_ipv6;
	struct mr_endpoint ipv4;        /**< address only */
	struct mr_endpoint ipv6;
	struct rte_ether_addr mac;      /**< ours */
	struct rte_ether_addr nexthop;  /**< where we send; zero: not resolved yet */
	uint16_t vlan;                  /**< 0: untagged */
	bool cksum_offload;             /**< TX IPv4 + UDP checksums by the NIC */
	bool multiseg;                  /**< TX takes chained mbufs */
};

/** Creation parameters. */
struct mr_sessions_params {
	struct mr_streams *streams;
	struct mr_relay *relay;
	uint16_t rtp_port_min;          /**< local=auto allocates in rtp_port_min..max */
	uint16_t rtp_port_max;
};

/** The model (opaque). */
struct mr_sessions;

/**
 * Create the model over the tables and the relay (main lcore).
 *
 * @return
 *   The object, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct mr_sessions *mr_sessions_create(const struct mr_sessions_params *p);

/** Free the model (not the tables or the relay). NULL is accepted. */
void mr_sessions_free(struct mr_sessions *s);

/** The RTP port range local ports are allocated from. */
void mr_sessions_rtp_range(const struct mr_sessions *s, uint16_t *min, uint16_t *max);

/**
 * Called on the main lcore after leg @p idx's definition was published
 * (added, changed, deleted: mr_streams::defs[idx] tells which).
 */
typedef void (*mr_sessions_change_fn)(void *ctx, uint32_t idx);

/** Set the change callback (one; NULL removes it). */
void mr_sessions_on_change(struct mr_sessions *s, mr_sessions_change_fn fn, void *ctx);

/* ---- the port registry (main lcore writes, any thread reads) ---- */

/** Record port @p port's facts and write the fast path's copies. */
int mr_sessions_port_set(struct mr_sessions *s, uint16_t port, const struct mr_port_facts *f);

/**
 * A new next-hop MAC of @p port (ARP/ND resolution; all zeros: unresolved,
 * destinations through it stay out of the snapshots): the legs on the
 * port are published again with it.
 *
 * @param legs
 *   If not NULL, the number of legs republished.
 * @return
 *   The number that could not be (out of memory), or -EINVAL.
 */
int mr_sessions_port_nexthop_set(struct mr_sessions *s, uint16_t port,
				 const struct rte_ether_addr *mac, uint32_t *legs);

/** Port @p port's facts, or NULL when it is not a configured, set-up port. */
const struct mr_port_facts *mr_sessions_port(const struct mr_sessions *s, uint16_t port);

/* ---- transcoding profiles ---- */

/** Fields of a profile spec that were given (profile_set changes only these). */
#define MR_PROFILE_F_IN         (1u << 0)
#define MR_PROFILE_F_IN_PT      (1u << 1)
#define MR_PROFILE_F_OUT        (1u << 2)
#define MR_PROFILE_F_OUT_PT     (1u << 3)
#define MR_PROFILE_F_CHANNELS   (1u << 4)
#define MR_PROFILE_F_PTIME      (1u << 5)
#define MR_PROFILE_F_COMPLEXITY (1u << 6)
#define MR_PROFILE_F_REORDER    (1u << 7)
#define MR_PROFILE_F_FEC        (1u << 8)
#define MR_PROFILE_F_DTX        (1u << 9)
#define MR_PROFILE_F_BITRATE    (1u << 10)
#define MR_PROFILE_F_RATE       (1u << 11)
#define MR_PROFILE_F_LOSS       (1u << 12)

/** The keys mr_profile_spec_set() takes, NULL-terminated. */
extern const char *const mr_profile_spec_keys[];

/**
 * Set one field of a transcoding profile from its text, as [profile.NAME]
 * and profile_set write it (in, out: opus | pcmu | pcma; in_pt, out_pt,
 * channels, ptime, complexity, reorder, fec, dtx, bitrate, rate,
 * loss_perc). Any thread, no state. Codec and rate combinations are
 * checked when the profile is installed (mr_tc_profile_validate()).
 *
 * @param given
 *   MR_PROFILE_F_* of the field is or'ed in on success.
 * @return
 *   0; -EINVAL with the reason in @p err (without the key); -ENOENT (unknown key).
 */
int mr_profile_spec_set(struct mr_tc_profile *p, uint32_t *given, const char *key,
			const char *val, char *err, size_t errlen);

/** What key @p key of mr_profile_spec_set() accepts; NULL if unknown. */
const char *mr_profile_spec_accepted(const char *key);

/**
 * The defaults of a new profile for what was not given: input Opus, the
 * codecs' payload types (111, PCMU 0, PCMA 8), 1 channel, 20 ms, reorder
 * 3, complexity 5, 32000 b/s, 48000 Hz. @p p must start zeroed before
 * mr_profile_spec_set(): the fields without a default (fec, dtx, loss_perc,
 * plc_only, out_ssrc...) stay as they are.
 */
void mr_profile_spec_new(struct mr_tc_profile *p, uint32_t given);

/** Copy the @p given fields of @p src into @p dst (a change of a profile). */
void mr_profile_spec_merge(struct mr_tc_profile *dst, const struct mr_tc_profile *src,
			   uint32_t given);

/**
 * Install the profiles (names and parameters) before any leg uses them.
 * @return 0, -E2BIG (too many), -EINVAL (a combination lib/transcode
 * does not do: @p bad tells which).
 */
int mr_sessions_profiles_set(struct mr_sessions *s, const char (*names)[MR_STREAM_NAME_LEN],
			     const struct mr_tc_profile *p, uint16_t n, uint16_t *bad);

/** Profile index + 1 of @p name, or -ENOENT. Any thread (names never change). */
int mr_sessions_profile_find(const struct mr_sessions *s, const char *name);

/** "none" for 0, else the name of profile @p idx (1-based); "?" if unknown. */
const char *mr_sessions_profile_name(const struct mr_sessions *s, uint16_t idx);

/** Number of profiles. */
uint16_t mr_sessions_profile_count(const struct mr_sessions *s);

/**
 * Change profile @p idx (1-based) to @p p; channels of the legs using it
 * are told (see mr_relay_profile_update()). Main lcore.
 * @return 0 (res->outcome "updated" or "unchanged"), -ENOENT, -EINVAL.
 */
struct mr_sessions_result;
int mr_sessions_profile_update(struct mr_sessions *s, uint16_t idx, const struct mr_tc_profile *p,
			       struct mr_sessions_result *res, char *err, size_t errlen);

/* ---- legs and sessions (main lcore) ---- */

/** What a change did. */
struct mr_sessions_result {
	const char *outcome;            /**< added, unchanged, updated, deleted */
	char local[MR_ENDPOINT_STRLEN]; /**< the leg's local endpoint after the change */
	uint32_t idx;                   /**< the leg's slot */
	uint16_t tc_profile;            /**< the leg's profile after the change (1-based, 0: none) */
	uint32_t legs_deleted;
	uint32_t streams_deleted;
	uint32_t channels_updated;      /**< transcoder channels moved to a new profile */
	uint32_t channels_failed;       /**< channels that could not be (streams deleted) */
};

/**
 * Add leg @p name. Requires session, local and remote; or, for an RTP over
 * QUIC leg, session, quic and flow (and neither port, local nor remote):
 * the leg is (QUIC endpoint, flow id), latched to the first connection
 * that sends a datagram on that flow (mr_relay_quic.h). The same add
 * again (any allocated local port) changes nothing: outcome "unchanged";
 * another definition under the name is -EEXIST.
 *
 * @param err
 *   "key: reason" naming the field at fault.
 * @return
 *   0, -EINVAL, -ENOENT (a forward or profile name), -EEXIST, -ENOSPC.
 */
int mr_sessions_leg_add(struct mr_sessions *s, const char *name, const struct mr_leg_spec *sp,
			enum mr_leg_origin origin, struct mr_sessions_result *res,
			char *err, size_t errlen);

/** Change the fields @p sp gives of leg @p name. @return as mr_sessions_leg_add(). */
int mr_sessions_leg_update(struct mr_sessions *s, const char *name, const struct mr_leg_spec *sp,
			   struct mr_sessions_result *res, char *err, size_t errlen);

/** Delete leg @p name and its streams; legs forwarding to it forget it. */
int mr_sessions_leg_delete(struct mr_sessions *s, const char *name,
			   struct mr_sessions_result *res, char *err, size_t errlen);

/** Delete every leg of session @p session. @return 0 or -ENOENT (no such session). */
int mr_sessions_session_delete(struct mr_sessions *s, const char *session,
			       struct mr_sessions_result *res, char *err, size_t errlen);

/** Add (or, @p add false, remove) @p dest to leg @p leg's destinations. */
int mr_sessions_dest(struct mr_sessions *s, const char *leg, const char *dest, bool add,
		     struct mr_sessions_result *res, char *err, size_t errlen);

/**
 * The slot of leg @p name, or -ENOENT. Any thread; off the main lcore the
 * slot may have been given to another leg by the time it is read, so a
 * reader checks the name it finds there.
 */
int32_t mr_sessions_leg_find(const struct mr_sessions *s, const char *name);

/** Who defined the leg in slot @p idx. */
enum mr_leg_origin mr_sessions_leg_origin(const struct mr_sessions *s, uint32_t idx);

/** Number of legs in session @p session (0: none). Main lcore. */
uint32_t mr_sessions_session_legs(const struct mr_sessions *s, const char *session);

/** What a leg received, summed over its live streams (mr_sessions_leg_stats()). */
struct mr_leg_stats {
	uint32_t streams;               /**< live streams (SSRCs) */
	uint32_t jitter;                /**< highest of the streams' (RTP timestamp units) */
	uint64_t pkts;                  /**< RTP and RTCP packets */
	uint64_t bytes;
	uint64_t rtcp_pkts;
	int64_t lost;                   /**< RFC 3550 A.3 cumulative loss, summed */
	uint64_t last_tsc;              /**< TSC of the latest packet, 0: none */
};

/**
 * Statistics of the leg in slot @p idx from its streams, read by the
 * streams' owner lcore (mr_streams_leg_call()), so the figures are
 * consistent and no reader walks another lcore's list. Streams expired
 * for idleness take their counts with them. Main lcore.
 *
 * @return
 *   0; -ENOENT (no leg in that slot); -ETIMEDOUT (the owner did not answer).
 */
int mr_sessions_leg_stats(struct mr_sessions *s, uint32_t idx, struct mr_leg_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* MR_SESSION_H */
