/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_QUIC_H
#define MR_QUIC_H

/**
 * @file
 * QUIC without state: the version-invariant header (RFC 8999), connection
 * IDs that carry their owner (QUIC-LB plaintext form,
 * draft-ietf-quic-load-balancers-21), routing a datagram to its owner from
 * the Destination Connection ID alone, QUIC variable-length integers
 * (RFC 9000 section 16) and RTP over QUIC datagram framing
 * (draft-ietf-avtcore-rtp-over-quic-14: flow identifier + RTP/RTCP packet).
 *
 * Nothing here allocates, locks or makes a system call; every parser checks
 * a length before each read and returns a named drop reason. The
 * connection object (ngtcp2, TLS) is in mr_quic_conn.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** QUIC version 1 (RFC 9000). */
#define MR_QUIC_V1 0x00000001u
/** Longest connection ID in QUIC version 1 (RFC 9000 section 17.2). */
#define MR_QUIC_V1_MAX_CID_LEN 20
/** Longest connection ID the invariants allow (RFC 8999 section 5.1). */
#define MR_QUIC_MAX_CID_LEN_INVARIANT 255
/** Smallest UDP payload that may carry a client Initial (RFC 9000 14.1). */
#define MR_QUIC_MIN_INITIAL_DGRAM 1200
/** Largest value of a QUIC variable-length integer (2^62 - 1). */
#define MR_QUIC_VARINT_MAX ((UINT64_C(1) << 62) - 1)
/** Longest encoding of a variable-length integer. */
#define MR_QUIC_VARINT_MAX_LEN 8

/**
 * Why a QUIC datagram (or a RoQ datagram frame) is not taken, or
 * MR_QUIC_OK. Every drop on the QUIC path is counted under one of these.
 */
#define MR_QUIC_DROP_REASONS(X) \
	X(OK,                  "ok") \
	X(TRUNCATED,           "quic_truncated") \
	X(CID_TOO_LONG,        "quic_cid_too_long") \
	X(VN_TO_SERVER,        "quic_vn_to_server") \
	X(RETRY_TO_SERVER,     "quic_retry_to_server") \
	X(INITIAL_TOO_SMALL,   "quic_initial_too_small") \
	X(UNKNOWN_VERSION_SMALL, "quic_unknown_version_small") \
	X(UNROUTABLE_CONFIG,   "quic_unroutable_config") \
	X(UNROUTABLE_LENGTH,   "quic_unroutable_length") \
	X(UNROUTABLE_SERVER,   "quic_unroutable_server") \
	X(UNROUTABLE_OWNER,    "quic_unroutable_owner") \
	X(UNKNOWN_CID,         "quic_unknown_cid") \
	X(INITIAL_REJECTED,    "quic_initial_rejected") \
	X(RETRY_TOKEN,         "quic_retry_token") \
	X(CONN_LIMIT,          "quic_conn_limit") \
	X(CID_TABLE_FULL,      "quic_cid_table_full") \
	X(CONN_SETUP,          "quic_conn_setup") \
	X(PKT_DISCARDED,       "quic_pkt_discarded") \
	X(CLOSING,             "quic_closing") \
	X(STATELESS_QUEUE_FULL, "quic_stateless_queue_full") \
	X(ROQ_TRUNCATED,       "roq_truncated") \
	X(ROQ_EMPTY,           "roq_empty")

/** Drop reasons; see MR_QUIC_DROP_REASONS. */
enum mr_quic_drop {
#define MR_QUIC_DROP_ENUM_(sym, name) MR_QUIC_##sym,
	MR_QUIC_DROP_REASONS(MR_QUIC_DROP_ENUM_)
#undef MR_QUIC_DROP_ENUM_
	MR_QUIC_DROP__MAX
};

/**
 * Name of a drop reason ([a-z0-9_]).
 *
 * @return
 *   The name, or "invalid" when @p d is out of range.
 */
const char *mr_quic_drop_name(enum mr_quic_drop d);

/** What kind of packet a header starts. */
enum mr_quic_pkt_kind {
	MR_QUIC_PKT_SHORT,       /**< 1-RTT (short header) */
	MR_QUIC_PKT_VN,          /**< Version Negotiation (version 0) */
	MR_QUIC_PKT_INITIAL,     /**< v1 Initial */
	MR_QUIC_PKT_0RTT,        /**< v1 0-RTT */
	MR_QUIC_PKT_HANDSHAKE,   /**< v1 Handshake */
	MR_QUIC_PKT_RETRY,       /**< v1 Retry */
	MR_QUIC_PKT_UNKNOWN_VERSION, /**< long header of a version we do not speak */
};

/**
 * The invariant fields of the first packet of a datagram. The CID
 * pointers point into the parsed buffer: they live as long as it does.
 */
struct mr_quic_hdr {
	const uint8_t *dcid;
	const uint8_t *scid;    /**< NULL for a short header */
	uint32_t version;       /**< 0 for a short header or Version Negotiation */
	uint8_t dcid_len;
	uint8_t scid_len;
	uint8_t first;          /**< first octet, as received */
	uint8_t kind;           /**< enum mr_quic_pkt_kind */
};

/**
 * Parse the invariant header of a datagram's first packet.
 *
 * A long header (first bit 1) carries its version and both connection IDs
 * with their lengths; for version 1 and Version Negotiation each length
 * must be <= 20, for other versions the invariants allow up to 255 (so
 * that a Version Negotiation reply can echo them). A short header carries
 * no length: its DCID is taken to be @p short_dcid_len bytes, the length
 * of the connection IDs this endpoint issues. The fixed bit (0x40) is not
 * checked: it is not an invariant, and ngtcp2 invites peers to grease it
 * (RFC 9287: it always sends grease_quic_bit).
 *
 * @param pkt
 *   The UDP payload.
 * @param len
 *   Its length.
 * @param short_dcid_len
 *   DCID length of short-header packets (0..20).
 * @param[out] h
 *   Filled on success.
 * @return
 *   MR_QUIC_OK, MR_QUIC_TRUNCATED or MR_QUIC_CID_TOO_LONG.
 */
enum mr_quic_drop mr_quic_hdr_parse(const uint8_t *pkt, size_t len, uint8_t short_dcid_len,
				    struct mr_quic_hdr *h);

/** Longest server ID (node part) in a CID this endpoint issues. */
#define MR_QUIC_SERVER_ID_MAX 14
/** Shortest nonce (draft-ietf-quic-load-balancers-21 section 5.2). */
#define MR_QUIC_NONCE_MIN 4
/** Config rotation codepoint that means "not routable by CID" (0b111). */
#define MR_QUIC_CONFIG_UNROUTABLE 7

/**
 * How this endpoint's connection IDs are built, and how many owners
 * (lcores) share the endpoint. The same configuration must be used by all
 * owners (and by a QUIC-LB load balancer in front, if any).
 *
 * A CID is, in the QUIC-LB plaintext form:
 *
 *     first octet: config_id (3 bits) | length of the rest (5 bits)
 *     server ID:   server_id[server_id_len] | owner (1 octet)
 *     nonce:       nonce_len random octets
 *
 * The owner octet is part of the QUIC-LB server ID (draft section 7.2
 * reserves server ID bytes for in-host demultiplexing): a load balancer
 * configured with server ID length server_id_len + 1 routes to one owner;
 * one configured with server_id_len routes to the host and sees the owner
 * octet as the first nonce octet.
 */
struct mr_quic_cid_conf {
	uint8_t config_id;      /**< config rotation codepoint, 0..6 */
	uint8_t server_id_len;  /**< 1..MR_QUIC_SERVER_ID_MAX */
	uint8_t nonce_len;      /**< MR_QUIC_NONCE_MIN..; CID <= 20 octets */
	uint16_t n_owners;      /**< owners (lcores) sharing the endpoint, 1..256 */
	uint8_t server_id[MR_QUIC_SERVER_ID_MAX];
	uint64_t hash_key[2];   /**< key of the Initial fallback hash (secret) */
};

/**
 * Check a CID configuration.
 *
 * @param c
 *   The configuration.
 * @param err
 *   Receives a message naming the field and its accepted range; may be NULL.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, or -EINVAL.
 */
int mr_quic_cid_conf_check(const struct mr_quic_cid_conf *c, char *err, size_t errlen);

/** Length of the CIDs a (checked) configuration produces: 2 + server_id_len + nonce_len. */
static inline uint8_t
mr_quic_cid_len(const struct mr_quic_cid_conf *c)
{
	return (uint8_t)(2 + c->server_id_len + c->nonce_len);
}

/**
 * Build a connection ID for @p owner.
 *
 * @param c
 *   A checked configuration.
 * @param owner
 *   Owner index, < c->n_owners.
 * @param nonce
 *   c->nonce_len random octets (the caller's CSPRNG).
 * @param[out] cid
 *   Receives mr_quic_cid_len(c) octets.
 * @return
 *   The CID length, or 0 when @p owner is out of range.
 */
uint8_t mr_quic_cid_encode(const struct mr_quic_cid_conf *c, uint16_t owner,
			   const uint8_t *nonce, uint8_t *cid);

/**
 * Find the owner a connection ID encodes.
 *
 * @param c
 *   A checked configuration.
 * @param cid
 *   The connection ID.
 * @param len
 *   Its length.
 * @param[out] owner
 *   The owner index on success.
 * @return
 *   MR_QUIC_OK, or why it is not one of ours: MR_QUIC_UNROUTABLE_CONFIG
 *   (config rotation bits differ), MR_QUIC_UNROUTABLE_LENGTH (length or
 *   self-encoded length differ), MR_QUIC_UNROUTABLE_SERVER (another
 *   server's ID), MR_QUIC_UNROUTABLE_OWNER (owner octet >= n_owners).
 */
enum mr_quic_drop mr_quic_cid_decode(const struct mr_quic_cid_conf *c, const uint8_t *cid,
				     size_t len, uint16_t *owner);

/** How mr_quic_route() found the owner. */
enum mr_quic_route_how {
	MR_QUIC_ROUTE_CID,  /**< decoded from a CID this endpoint issued */
	MR_QUIC_ROUTE_HASH, /**< client-chosen DCID: keyed hash of it */
};

/**
 * Choose the owner of a datagram from its parsed first header: a DCID this
 * endpoint issued gives its owner; a client-chosen DCID on an Initial or
 * 0-RTT packet, or on a long header of an unknown version (which gets a
 * Version Negotiation reply), gives a keyed hash of the DCID modulo
 * n_owners, so every packet of that attempt reaches the same owner.
 *
 * @param c
 *   A checked configuration.
 * @param h
 *   The header from mr_quic_hdr_parse() (short_dcid_len = mr_quic_cid_len(c)).
 * @param dgram_len
 *   UDP payload length (Initials and unknown versions need >= 1200).
 * @param[out] owner
 *   The owner on success.
 * @param[out] how
 *   How it was found; may be NULL.
 * @return
 *   MR_QUIC_OK or the reason the datagram is dropped: an unroutable
 *   reason (short header or Handshake with a DCID that is not ours),
 *   MR_QUIC_INITIAL_TOO_SMALL, MR_QUIC_UNKNOWN_VERSION_SMALL,
 *   MR_QUIC_VN_TO_SERVER, MR_QUIC_RETRY_TO_SERVER.
 */
enum mr_quic_drop mr_quic_route(const struct mr_quic_cid_conf *c, const struct mr_quic_hdr *h,
				size_t dgram_len, uint16_t *owner, enum mr_quic_route_how *how);

/**
 * SipHash-2-4 of @p len bytes under a 128-bit key (Aumasson and
 * Bernstein): the keyed hash behind the Initial fallback and the CID
 * tables, so that a client cannot choose DCIDs that collide.
 */
uint64_t mr_quic_siphash(const uint64_t key[2], const uint8_t *data, size_t len);

/**
 * Encoded length of a variable-length integer.
 *
 * @return
 *   1, 2, 4 or 8; 0 when @p v > MR_QUIC_VARINT_MAX.
 */
static inline size_t
mr_quic_varint_len(uint64_t v)
{
	if (v < (UINT64_C(1) << 6))
		return 1;
	if (v < (UINT64_C(1) << 14))
		return 2;
	if (v < (UINT64_C(1) << 30))
		return 4;
	return v <= MR_QUIC_VARINT_MAX ? 8 : 0;
}

/**
 * Write a variable-length integer in its shortest form.
 *
 * @return
 *   Bytes written, or 0 when @p v is too large or @p cap too small.
 */
size_t mr_quic_varint_encode(uint64_t v, uint8_t *buf, size_t cap);

/**
 * Read a variable-length integer (any of its four lengths).
 *
 * @return
 *   Bytes read, or 0 when @p len is shorter than the encoding.
 */
size_t mr_quic_varint_decode(const uint8_t *p, size_t len, uint64_t *v);

/**
 * Split a RoQ datagram (the payload of one DATAGRAM frame) into its flow
 * identifier and the RTP or RTCP packet that follows it.
 *
 * @param dgram
 *   The datagram payload.
 * @param len
 *   Its length.
 * @param[out] flow
 *   The flow identifier.
 * @param[out] payload
 *   Points into @p dgram at the RTP/RTCP packet.
 * @param[out] payload_len
 *   Its length (> 0).
 * @return
 *   MR_QUIC_OK, MR_QUIC_ROQ_TRUNCATED (no complete flow identifier) or
 *   MR_QUIC_ROQ_EMPTY (nothing after it).
 */
enum mr_quic_drop mr_roq_decode(const uint8_t *dgram, size_t len, uint64_t *flow,
				const uint8_t **payload, size_t *payload_len);

/**
 * Write a RoQ datagram: flow identifier, then @p payload.
 *
 * @return
 *   Bytes written, or 0 when @p flow > MR_QUIC_VARINT_MAX, @p len is 0
 *   or the result does not fit in @p cap.
 */
size_t mr_roq_encode(uint64_t flow, const uint8_t *payload, size_t len, uint8_t *out,
		     size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* MR_QUIC_H */
