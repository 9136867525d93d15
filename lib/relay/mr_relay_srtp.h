/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_SRTP_H
#define MR_RELAY_SRTP_H

/**
 * @file
 * SRTP in the relay (docs/srtp.md): the keys of the legs, and the
 * contexts the lcores use, made and swapped where their owner runs.
 *
 * - A leg's crypto_in key gives it one inbound context, held by whoever
 *   holds the leg's ownership token (the worker owning its streams), who
 *   unprotects every packet of the leg with it before anything else reads
 *   the packet. A new key swaps it in the owner's step (a leg call): the
 *   first packet the owner processes after that step uses the new key.
 * - A leg's crypto_out key protects what the relay sends to it: each
 *   stream forwarded there has an outbound context of its own per output
 *   SSRC, made by the stream's worker with the stream, prepared by the
 *   owner before a changed definition is published and pruned after, and
 *   freed when the stream is reclaimed.
 *
 * Keys are held here and nowhere else: a leg definition names them by a
 * generation number, a suite and a fingerprint. Main lcore only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mr_relay.h"
#include "mr_srtp.h"
#include "mr_stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Whether this build has SRTP (a static mrelay has not: docs/deployment.md). */
bool mr_relay_srtp_available(void);

/**
 * Give leg @p idx a key for what it receives (@p out false) or sends
 * (@p out true), or take it away (@p key NULL or its suite NONE), in the
 * definition @p d about to be published for it: the key is kept here
 * under a new generation, written to @p d with its suite and fingerprint.
 * Nothing changes on the fast path before mr_relay_srtp_before() and the
 * publication of @p d; mr_relay_srtp_after() forgets what was not
 * published.
 *
 * @return
 *   0, -ENOTSUP (no SRTP in this build), -ENOMEM, -EINVAL.
 */
int mr_relay_srtp_key_stage(struct mr_relay *r, uint32_t idx, bool out,
			    const struct mr_srtp_key *key, struct mr_leg_def *d);

/**
 * Leg @p idx's crypto_out key again under a new generation (its output
 * SSRC changes: contexts are per output SSRC). No-op without one.
 */
int mr_relay_srtp_out_restage(struct mr_relay *r, uint32_t idx, struct mr_leg_def *d);

/**
 * Before definition @p d of leg @p idx is published: its new inbound
 * context made and handed to its owner, and outbound contexts prepared
 * for the destinations the leg and the legs forwarding to it will have,
 * by their owners (mr_streams_leg_call()).
 *
 * @return
 *   0, or a negative errno (a context could not be made: nothing published
 *   should then use it; the caller fails the change).
 */
int mr_relay_srtp_before(struct mr_relay *r, uint32_t idx, const struct mr_leg_def *d);

/**
 * After leg @p idx's definition was published (or its publication
 * failed): contexts that nothing published uses any more are freed by
 * their owners, missing ones made, keys no definition names erased.
 */
void mr_relay_srtp_after(struct mr_relay *r, uint32_t idx);

/**
 * How reports show a definition's key: "SUITE fp:FINGERPRINT", or "none".
 * Never the key. @return @p buf.
 */
const char *mr_relay_srtp_describe(const struct mr_leg_def *d, bool out, char *buf, size_t len);

/** Per-stream SRTP drops, for reports (any thread, relaxed). */
struct mr_relay_srtp_stream_stats {
	uint64_t drops[MR_SRTP__MAX];   /**< by mr_srtp_result; [MR_SRTP_OK] unused */
	uint8_t n_out;                  /**< outbound contexts of the stream */
};

/** Name of a result ("auth", ...), from lib/srtp's list (in any build). */
const char *mr_relay_srtp_result_name(int result);

/** Read stream @p st's SRTP figures. @return false when it has no SRTP state. */
bool mr_relay_srtp_stream_stats(const struct mr_stream *st,
				struct mr_relay_srtp_stream_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_SRTP_H */
