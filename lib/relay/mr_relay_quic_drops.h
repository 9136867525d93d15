/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_QUIC_DROPS_H
#define MR_RELAY_QUIC_DROPS_H

/**
 * @file
 * Drop reasons of QUIC in the workers, registered as library "quic": the
 * reasons lib/quic returns (MR_QUIC_DROP_REASONS, same names, mapped by
 * mr_relay_quic_drop_id()), then those of the RoQ legs in the relay.
 * Their ids follow lib/relay's; MR_QUIC_DROP_END is one past the highest
 * id of the relay's whole stack.
 */

#include "mr_relay_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(SYMBOL, "name", "description"): MR_DROP_<SYMBOL>, exported as name. */
#define MR_QUIC_DROPS(X) \
	X(QUIC_TRUNCATED, "quic_truncated", \
	  "QUIC datagram shorter than its invariant header") \
	X(QUIC_CID_TOO_LONG, "quic_cid_too_long", \
	  "QUIC v1 or Version Negotiation header with a connection ID over 20 octets") \
	X(QUIC_VN_TO_SERVER, "quic_vn_to_server", \
	  "Version Negotiation packet sent to a server") \
	X(QUIC_RETRY_TO_SERVER, "quic_retry_to_server", \
	  "Retry packet sent to a server") \
	X(QUIC_INITIAL_TOO_SMALL, "quic_initial_too_small", \
	  "client Initial in a UDP payload under 1200 octets (RFC 9000 14.1)") \
	X(QUIC_UNKNOWN_VERSION_SMALL, "quic_unknown_version_small", \
	  "unknown QUIC version in a payload under 1200 octets: no Version Negotiation") \
	X(QUIC_UNROUTABLE_CONFIG, "quic_unroutable_config", \
	  "short header or Handshake whose DCID has another config rotation") \
	X(QUIC_UNROUTABLE_LENGTH, "quic_unroutable_length", \
	  "short header or Handshake whose DCID is not of our CID length") \
	X(QUIC_UNROUTABLE_SERVER, "quic_unroutable_server", \
	  "short header or Handshake whose DCID names another server") \
	X(QUIC_UNROUTABLE_OWNER, "quic_unroutable_owner", \
	  "short header or Handshake whose DCID names an owner beyond the workers") \
	X(QUIC_UNKNOWN_CID, "quic_unknown_cid", \
	  "packet for a connection ID no connection holds") \
	X(QUIC_INITIAL_REJECTED, "quic_initial_rejected", \
	  "Initial packet ngtcp2 refused to accept") \
	X(QUIC_RETRY_TOKEN, "quic_retry_token", \
	  "Initial with a Retry token that is invalid, expired or for another address") \
	X(QUIC_CONN_LIMIT, "quic_conn_limit", \
	  "new connection refused: the owner holds max_conns connections") \
	X(QUIC_CID_TABLE_FULL, "quic_cid_table_full", \
	  "new connection refused: the owner's connection ID table is full") \
	X(QUIC_CONN_SETUP, "quic_conn_setup", \
	  "new connection refused: ngtcp2 or TLS set-up failed") \
	X(QUIC_PKT_DISCARDED, "quic_pkt_discarded", \
	  "packet of a connection that ngtcp2 discarded (undecryptable, duplicate, bad)") \
	X(QUIC_CLOSING, "quic_closing", \
	  "packet for a connection in its closing or draining period") \
	X(QUIC_STATELESS_QUEUE_FULL, "quic_stateless_queue_full", \
	  "no room for a stateless reply (Retry, Version Negotiation, reset)") \
	X(QUIC_ROQ_TRUNCATED, "roq_truncated", \
	  "RoQ datagram without a complete flow identifier") \
	X(QUIC_ROQ_EMPTY, "roq_empty", \
	  "RoQ datagram with nothing after its flow identifier") \
	X(QUIC_HANDSHAKE_QUEUE_FULL, "quic_handshake_queue_full", \
	  "new-connection Initial over the handshake budget with the worker's queue full") \
	X(QUIC_RING_FULL, "quic_ring_full", \
	  "the ring of QUIC packets and RoQ output to the owning worker was full") \
	X(QUIC_NOT_IP, "quic_not_ip", \
	  "frame on the QUIC ring that is neither RoQ output nor a QUIC datagram") \
	X(ROQ_NO_CONN, "roq_no_conn", \
	  "RTP for a RoQ leg whose connection is closed, closing or gone") \
	X(ROQ_CONGESTED, "roq_congested", \
	  "RTP for a RoQ leg whose connection could not send (congestion or amplification)") \
	X(ROQ_TOO_BIG, "roq_too_big", \
	  "RTP larger than the peer's max_datagram_frame_size allows") \
	X(ROQ_NO_DATAGRAMS, "roq_no_datagrams", \
	  "RTP for a RoQ leg whose peer takes no DATAGRAM frames") \
	X(ROQ_IN_FULL, "roq_in_full", \
	  "RoQ datagram beyond the burst one QUIC packet may hand the relay") \
	X(QUIC_HANDOFF_FAILED, "quic_handoff_failed", \
	  "open connection the handshake lcore could not hand to its worker (closed instead)") \
	X(ROQ_HANDOFF_FULL, "roq_handoff_full", \
	  "RoQ datagram of a connection waiting for its hand-over, beyond the 16 it carries")

/** The QUIC drop reasons in the workers (see MR_QUIC_DROPS). */
enum mr_relay_quic_drop {
	MR_QUIC_DROP_BEFORE_ = MR_RELAY_DROP_END - 1,
	MR_QUIC_DROPS(MR_DROP_ENUM_)
	MR_QUIC_DROP_END /**< one past the relay stack's highest id */
};

_Static_assert(MR_QUIC_DROP_END <= MR_DROP_CAPACITY, "QUIC's drop ids fit the counters");

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_QUIC_DROPS_H */
