/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RTP_DROPS_H
#define MR_RTP_DROPS_H

/**
 * @file
 * lib/rtp's drop reasons: what mr_rtp_parse() and mr_rtcp_parse() find
 * wrong with a UDP payload. Their ids follow lib/pkt's (RTP rides on the
 * UDP that lib/pkt parses); lib/transcode's follow these. Registered in
 * mr_rtp.c.
 */

#include "mr_pkt_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(SYMBOL, "name", "description"): MR_DROP_<SYMBOL>, exported as name. */
#define MR_RTP_DROPS(X) \
	X(RTP_TRUNCATED, "rtp_truncated", \
	  "RTP packet shorter than its 12-byte header") \
	X(RTP_VERSION, "rtp_version", \
	  "RTP version other than 2") \
	X(RTP_CSRC, "rtp_csrc", \
	  "RTP CSRC list past the end of the packet") \
	X(RTP_EXTENSION, "rtp_extension", \
	  "RTP header extension past the end of the packet") \
	X(RTP_PADDING, "rtp_padding", \
	  "RTP padding count 0 or larger than the payload") \
	X(RTCP_MALFORMED, "rtcp_malformed", \
	  "RTCP compound packet malformed (lengths, version, padding)")

/** lib/rtp's drop reasons (see MR_RTP_DROPS). */
enum mr_rtp_drop {
	MR_RTP_DROP_BEFORE_ = MR_PKT_DROP_END - 1,
	MR_RTP_DROPS(MR_DROP_ENUM_)
	MR_RTP_DROP_END /**< first id of the next library (lib/transcode) */
};

_Static_assert(MR_RTP_DROP_END <= MR_DROP_CAPACITY, "lib/rtp's drop ids fit the counters");

#ifdef __cplusplus
}
#endif

#endif /* MR_RTP_DROPS_H */
