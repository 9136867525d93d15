/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_TRANSCODE_DROPS_H
#define MR_TRANSCODE_DROPS_H

/**
 * @file
 * lib/transcode's drop reasons: frames the transcoder could not take or
 * would not decode. Their ids follow lib/rtp's; lib/relay's follow these.
 * Registered in mr_transcode.c.
 */

#include "mr_rtp_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(SYMBOL, "name", "description"): MR_DROP_<SYMBOL>, exported as name. */
#define MR_TRANSCODE_DROPS(X) \
	X(TRANSCODE_RING_FULL, "transcode_ring_full", \
	  "the transcoder's input ring was full") \
	X(TRANSCODE_LATE, "transcode_late", \
	  "frame older than what the channel already played, or a duplicate") \
	X(TRANSCODE_STALE, "transcode_stale", \
	  "frame for, or held by, a transcoder channel that was destroyed") \
	X(TRANSCODE_BAD_PT, "transcode_bad_pt", \
	  "payload type other than the channel decodes")

/** lib/transcode's drop reasons (see MR_TRANSCODE_DROPS). */
enum mr_transcode_drop {
	MR_TRANSCODE_DROP_BEFORE_ = MR_RTP_DROP_END - 1,
	MR_TRANSCODE_DROPS(MR_DROP_ENUM_)
	MR_TRANSCODE_DROP_END /**< first id of the next library (lib/relay) */
};

_Static_assert(MR_TRANSCODE_DROP_END <= MR_DROP_CAPACITY,
	       "lib/transcode's drop ids fit the counters");

#ifdef __cplusplus
}
#endif

#endif /* MR_TRANSCODE_DROPS_H */
