/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_NGCALL_H
#define MR_NGCALL_H

/**
 * @file
 * ng calls on the session model: the handlers of lib/ng's offer, answer,
 * delete, query, list and statistics commands.
 *
 * A call-id is one mrelay session, named "ng<serial>" (call-ids are any
 * bytes; session names are not). A call has two parties: the from-tag of
 * its first offer (party a) and the tag that answers it (party b). Each
 * media section m of the SDP that carries RTP gives two legs:
 *
 *   <session>.a<m>  local: where party a sends media m; remote: party a
 *   <session>.b<m>  local: where party b sends media m; remote: party b
 *
 * each forwarding to the other. The SDP that goes to a party names the
 * other party's leg's local endpoint. Every change goes through lib/session
 * (mr_sessions_leg_add/_update, mr_sessions_session_delete) with origin
 * MR_LEG_ORIGIN_SIGNAL; local ports are allocated there (local = auto).
 *
 * SDES-SRTP (RTP/SAVP with a=crypto): a party's key is crypto_in of its
 * legs; mrelay's own keys (getrandom) for what it sends to a party are
 * crypto_out of that party's legs and go to it in the SDP; keys are never
 * logged or reported (fingerprints only). codec-transcode sets transcode=
 * on both legs of a media section when its answer takes the added codec
 * (profiles read from params.relay). docs/signalling.md has the rules.
 *
 * A request that fails changes nothing: everything is checked before the
 * first leg is added, and legs a failed request added are deleted again.
 *
 * Main lcore only (the handlers run inside mr_ng_poll()). Memory is
 * allocated in mr_ngcall_create().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mr_ng.h"
#include "mr_session.h"
#include "mr_stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_NGCALL_CALL_ID_MAX 256   /**< longest call-id accepted */
#define MR_NGCALL_TAG_MAX     128   /**< longest from-tag / to-tag accepted */
#define MR_NGCALL_MEDIA_MAX   4     /**< media sections in one call's SDP */

/** Creation parameters. */
struct mr_ngcall_params {
	struct mr_sessions *sessions;   /**< every change goes through the model */
	struct mr_streams *streams;     /**< the model's tables (leg definitions are read) */
	/** the relay, for its transcoding profiles (codec-transcode); NULL: none */
	const struct mr_relay *relay;
	uint16_t port;                  /**< DPDK port of every ng leg */
	uint32_t calls_max;             /**< calls at once (1..) */
	uint32_t idle_ms;               /**< a call without media this long is deleted; 0: never */
	/** how often a call's media counters are read [idle_ms / 4, 1000..15000] */
	uint32_t check_ms;
};

/** Counters. */
#define MR_NGCALL_COUNTERS(X) \
	X(CALLS_CREATED, "calls_created") \
	X(CALLS_DELETED, "calls_deleted") \
	X(CALLS_IDLE, "calls_idle_deleted") \
	X(CALLS_DELAYED, "calls_delay_deleted") \
	X(LEGS_CREATED, "legs_created") \
	X(REQUESTS_FAILED, "requests_failed") \
	X(CALLS_FULL, "calls_full") \
	X(STATS_FAILED, "stats_failed")

enum mr_ngcall_counter {
#define MR_NGCALL_C_ENUM(e, s) MR_NGCALL_C_##e,
	MR_NGCALL_COUNTERS(MR_NGCALL_C_ENUM)
#undef MR_NGCALL_C_ENUM
	MR_NGCALL_C_MAX
};

/** The name of a counter ("calls_idle_deleted"), or NULL. */
const char *mr_ngcall_counter_name(enum mr_ngcall_counter c);

/** What mr_ngcall_get_stats() returns. */
struct mr_ngcall_stats {
	uint64_t c[MR_NGCALL_C_MAX];
	uint32_t calls;                 /**< calls now */
	uint32_t legs;                  /**< their legs now */
};

struct mr_ngcall;

/**
 * Create the call table.
 * @return the object, or NULL with a message in @p err.
 */
struct mr_ngcall *mr_ngcall_create(const struct mr_ngcall_params *p, char *err, size_t errlen);

/** Free the table (the legs stay in the model). NULL is allowed. */
void mr_ngcall_free(struct mr_ngcall *c);

/** Fill @p conf's handlers and ctx for mr_ng_create(). */
void mr_ngcall_handlers(struct mr_ngcall *c, struct mr_ng_conf *conf);

/**
 * Set the clock the handlers use, and every 10 ms visit a share of the
 * calls (the whole table within a second): calls whose delete-delay has
 * passed and calls without media for idle_ms are deleted. Main lcore,
 * before mr_ng_poll(), once per loop pass.
 *
 * @param now_ms  A monotonic clock in milliseconds.
 * @return calls deleted.
 */
unsigned int mr_ngcall_tick(struct mr_ngcall *c, uint64_t now_ms);

/** Counters (any thread: single writer, plain loads). */
const struct mr_ngcall_stats *mr_ngcall_get_stats(const struct mr_ngcall *c);

/**
 * The session name of call @p call_id (@p len bytes), for tests and tools.
 * @return 0, or -ENOENT.
 */
int mr_ngcall_session_of(const struct mr_ngcall *c, const char *call_id, size_t len,
			 char *out, size_t outlen);

#ifdef __cplusplus
}
#endif

#endif /* MR_NGCALL_H */
