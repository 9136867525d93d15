/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_DROPS_H
#define MR_RELAY_DROPS_H

/**
 * @file
 * lib/relay's drop reasons: what the workers refuse once a packet parsed
 * (no leg, wrong source, limits, full rings) and what they cannot send.
 * Their ids follow lib/transcode's; MR_RELAY_DROP_END is one past the
 * highest id of the relay's whole stack. Registered in mr_relay.c.
 */

#include "mr_transcode_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(SYMBOL, "name", "description"): MR_DROP_<SYMBOL>, exported as name. */
#define MR_RELAY_DROPS(X) \
	X(PORT_UNUSED, "port_unused", \
	  "UDP destination port outside rtp_port_min..rtp_port_max") \
	X(NO_LEG, "no_leg", \
	  "no leg on the destination address and port, or the leg went away") \
	X(SOURCE_MISMATCH, "source_mismatch", \
	  "source other than the leg's remote (or latched) address") \
	X(LEG_STREAM_LIMIT, "leg_stream_limit", \
	  "new stream refused: the leg has its streams_max streams, none of them idle") \
	X(LEG_NEW_STREAM_RATE, "leg_new_stream_rate", \
	  "new stream refused: the leg's new_streams_per_s was spent") \
	X(LEG_BUSY, "leg_busy", \
	  "first packet of a new stream while the main lcore held the leg for a moment") \
	X(LATCH_RING_FULL, "latch_ring_full", \
	  "the ring of latch requests to the main lcore was full") \
	X(STREAMS_MAX, "streams_max", \
	  "new stream refused: streams_max streams exist") \
	X(STREAM_TABLE_FULL, "stream_table_full", \
	  "new stream refused: both its table buckets were full") \
	X(WRONG_WORKER, "wrong_worker", \
	  "packet on a worker that does not own its leg's streams") \
	X(DISPATCH_RING_FULL, "dispatch_ring_full", \
	  "the owning worker's dispatch ring was full") \
	X(NO_DEST, "no_dest", \
	  "the leg has no destination to forward to") \
	X(NO_HEADROOM, "no_headroom", \
	  "no room in front of the payload for a destination's headers") \
	X(OVERSIZE, "oversize", \
	  "datagram too long for a destination's headers") \
	X(TX_FULL, "tx_full", \
	  "the port's TX queue did not take the packet") \
	X(PORT_PAUSED, "port_paused", \
	  "the output port was paused (taken out of the datapath to stop or restart it)") \
	X(TRANSCODE_NO_CHANNEL, "transcode_no_channel", \
	  "stream of a transcoded leg without a transcoder channel") \
	X(EXCEPTION_RING_FULL, "exception_ring_full", \
	  "the ring of ARP/ND/ICMP frames to the main lcore was full") \
	X(NEXTHOP_UNRESOLVED, "nexthop_unresolved", \
	  "copy for a destination whose port has no next-hop MAC yet") \
	X(SRTP_AUTH, "srtp_auth", \
	  "SRTP/SRTCP packet whose authentication tag is wrong (never forwarded)") \
	X(SRTP_REPLAY, "srtp_replay", \
	  "SRTP/SRTCP index seen before or left of the replay window") \
	X(SRTP_MALFORMED, "srtp_malformed", \
	  "SRTP/SRTCP packet too short for its header and tag, or its plaintext not RTP/RTCP") \
	X(SRTP_NO_ROOM, "srtp_no_room", \
	  "no tailroom for a destination's SRTP tag") \
	X(SRTP_ERROR, "srtp_error", \
	  "SRTP failure of another kind: no context for the key, a cipher or allocation failure")

/** lib/relay's drop reasons (see MR_RELAY_DROPS). */
enum mr_relay_drop {
	MR_RELAY_DROP_BEFORE_ = MR_TRANSCODE_DROP_END - 1,
	MR_RELAY_DROPS(MR_DROP_ENUM_)
	MR_RELAY_DROP_END /**< one past the relay stack's highest id */
};

_Static_assert(MR_RELAY_DROP_END <= MR_DROP_CAPACITY, "lib/relay's drop ids fit the counters");

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_DROPS_H */
