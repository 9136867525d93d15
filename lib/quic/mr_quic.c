/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Stateless QUIC: invariant header, routable CIDs, routing, varints and
 * RoQ framing. No allocation, no system calls: the worker fast path and
 * the fuzz harness use this file as it is.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mr_quic.h"

static const char *const drop_names[] = {
#define MR_QUIC_DROP_NAME_(sym, name) name,
	MR_QUIC_DROP_REASONS(MR_QUIC_DROP_NAME_)
#undef MR_QUIC_DROP_NAME_
};

const char *
mr_quic_drop_name(enum mr_quic_drop d)
{
	if ((unsigned int)d >= MR_QUIC_DROP__MAX)
		return "invalid";
	return drop_names[d];
}

enum mr_quic_drop
mr_quic_hdr_parse(const uint8_t *pkt, size_t len, uint8_t short_dcid_len,
		  struct mr_quic_hdr *h)
{
	size_t off;
	uint32_t v;

	if (len < 1)
		return MR_QUIC_TRUNCATED;
	h->first = pkt[0];
	if ((pkt[0] & 0x80) == 0) {
		/* short header: first octet, then a DCID of our length */
		if (short_dcid_len > MR_QUIC_V1_MAX_CID_LEN)
			return MR_QUIC_CID_TOO_LONG;
		if (len < 1u + short_dcid_len)
			return MR_QUIC_TRUNCATED;
		h->kind = MR_QUIC_PKT_SHORT;
		h->version = 0;
		h->dcid = pkt + 1;
		h->dcid_len = short_dcid_len;
		h->scid = NULL;
		h->scid_len = 0;
		return MR_QUIC_OK;
	}

	/* long header: first, version (4), DCID len, DCID, SCID len, SCID */
	if (len < 7)
		return MR_QUIC_TRUNCATED;
	v = (uint32_t)pkt[1] << 24 | (uint32_t)pkt[2] << 16 | (uint32_t)pkt[3] << 8 | pkt[4];
	h->version = v;
	h->dcid_len = pkt[5];
	off = 6 + (size_t)h->dcid_len;
	if (len < off + 1)
		return MR_QUIC_TRUNCATED;
	h->dcid = pkt + 6;
	h->scid_len = pkt[off];
	h->scid = pkt + off + 1;
	if (len < off + 1 + h->scid_len)
		return MR_QUIC_TRUNCATED;

	if (v == 0) {
		h->kind = MR_QUIC_PKT_VN;
	} else if (v == MR_QUIC_V1) {
		h->kind = (uint8_t)(MR_QUIC_PKT_INITIAL + ((pkt[0] >> 4) & 3));
	} else {
		/* other versions: RFC 8999 lengths (up to 255) stand */
		h->kind = MR_QUIC_PKT_UNKNOWN_VERSION;
		return MR_QUIC_OK;
	}
	if (h->dcid_len > MR_QUIC_V1_MAX_CID_LEN || h->scid_len > MR_QUIC_V1_MAX_CID_LEN)
		return MR_QUIC_CID_TOO_LONG;
	return MR_QUIC_OK;
}

int
mr_quic_cid_conf_check(const struct mr_quic_cid_conf *c, char *err, size_t errlen)
{
	const char *msg = NULL;

	if (c->config_id >= MR_QUIC_CONFIG_UNROUTABLE)
		msg = "config_id must be 0..6 (7 marks unroutable CIDs)";
	else if (c->server_id_len < 1 || c->server_id_len > MR_QUIC_SERVER_ID_MAX)
		msg = "server_id_len must be 1..14 octets";
	else if (c->nonce_len < MR_QUIC_NONCE_MIN)
		msg = "nonce_len must be >= 4 octets";
	else if (2u + c->server_id_len + c->nonce_len > MR_QUIC_V1_MAX_CID_LEN)
		msg = "server_id_len + nonce_len must be <= 18 (CIDs are at most 20 octets)";
	else if (c->n_owners < 1 || c->n_owners > 256)
		msg = "n_owners must be 1..256 (one owner octet)";
	if (msg == NULL)
		return 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "quic cid: %s", msg);
	return -EINVAL;
}

uint8_t
mr_quic_cid_encode(const struct mr_quic_cid_conf *c, uint16_t owner, const uint8_t *nonce,
		   uint8_t *cid)
{
	uint8_t len = mr_quic_cid_len(c);

	if (owner >= c->n_owners)
		return 0;
	/* QUIC-LB first octet: rotation codepoint, then the length that follows */
	cid[0] = (uint8_t)(c->config_id << 5 | ((len - 1) & 0x1f));
	memcpy(cid + 1, c->server_id, c->server_id_len);
	cid[1 + c->server_id_len] = (uint8_t)owner;
	memcpy(cid + 2 + c->server_id_len, nonce, c->nonce_len);
	return len;
}

enum mr_quic_drop
mr_quic_cid_decode(const struct mr_quic_cid_conf *c, const uint8_t *cid, size_t len,
		   uint16_t *owner)
{
	uint8_t o;

	if (len < 1)
		return MR_QUIC_UNROUTABLE_LENGTH;
	if ((cid[0] >> 5) != c->config_id)
		return MR_QUIC_UNROUTABLE_CONFIG;
	if (len != mr_quic_cid_len(c) || (size_t)(cid[0] & 0x1f) != len - 1)
		return MR_QUIC_UNROUTABLE_LENGTH;
	if (memcmp(cid + 1, c->server_id, c->server_id_len) != 0)
		return MR_QUIC_UNROUTABLE_SERVER;
	o = cid[1 + c->server_id_len];
	if (o >= c->n_owners)
		return MR_QUIC_UNROUTABLE_OWNER;
	*owner = o;
	return MR_QUIC_OK;
}

static uint16_t
hash_owner(const struct mr_quic_cid_conf *c, const struct mr_quic_hdr *h)
{
	return (uint16_t)(mr_quic_siphash(c->hash_key, h->dcid, h->dcid_len) % c->n_owners);
}

enum mr_quic_drop
mr_quic_route(const struct mr_quic_cid_conf *c, const struct mr_quic_hdr *h,
	      size_t dgram_len, uint16_t *owner, enum mr_quic_route_how *how)
{
	enum mr_quic_drop d;
	enum mr_quic_route_how via = MR_QUIC_ROUTE_CID;

	switch (h->kind) {
	case MR_QUIC_PKT_SHORT:
	case MR_QUIC_PKT_HANDSHAKE:
		/* only ever sent to a CID we issued */
		d = mr_quic_cid_decode(c, h->dcid, h->dcid_len, owner);
		break;
	case MR_QUIC_PKT_INITIAL:
		if (dgram_len < MR_QUIC_MIN_INITIAL_DGRAM)
			return MR_QUIC_INITIAL_TOO_SMALL;
		/* fall through */
	case MR_QUIC_PKT_0RTT:
		/* ours after Retry or our first Initial, else the client's choice */
		d = mr_quic_cid_decode(c, h->dcid, h->dcid_len, owner);
		if (d != MR_QUIC_OK) {
			*owner = hash_owner(c, h);
			via = MR_QUIC_ROUTE_HASH;
			d = MR_QUIC_OK;
		}
		break;
	case MR_QUIC_PKT_UNKNOWN_VERSION:
		/* RFC 9000 5.2.2: only a full-sized datagram earns a VN reply */
		if (dgram_len < MR_QUIC_MIN_INITIAL_DGRAM)
			return MR_QUIC_UNKNOWN_VERSION_SMALL;
		*owner = hash_owner(c, h);
		via = MR_QUIC_ROUTE_HASH;
		d = MR_QUIC_OK;
		break;
	case MR_QUIC_PKT_VN:
		return MR_QUIC_VN_TO_SERVER;
	default:
		return MR_QUIC_RETRY_TO_SERVER;
	}
	if (d == MR_QUIC_OK && how != NULL)
		*how = via;
	return d;
}

/* SipHash-2-4 as specified by Aumasson and Bernstein (2012). */
static inline uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

static inline uint64_t
load_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t
mr_quic_siphash(const uint64_t key[2], const uint8_t *data, size_t len)
{
	uint64_t v0 = key[0] ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = key[1] ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = key[0] ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = key[1] ^ UINT64_C(0x7465646279746573);
	size_t i, full = len & ~(size_t)7;
	uint64_t m;

	for (i = 0; i < full; i += 8) {
		m = load_le64(data + i, 8);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = load_le64(data + full, len - full) | (uint64_t)(len & 0xff) << 56;
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

size_t
mr_quic_varint_encode(uint64_t v, uint8_t *buf, size_t cap)
{
	size_t n = mr_quic_varint_len(v), i;
	/* two top bits: 00 = 1, 01 = 2, 10 = 4, 11 = 8 octets */
	uint8_t prefix = n == 1 ? 0x00 : n == 2 ? 0x40 : n == 4 ? 0x80 : 0xc0;

	if (n == 0 || cap < n)
		return 0;
	for (i = 0; i < n; i++)
		buf[n - 1 - i] = (uint8_t)(v >> (8 * i));
	buf[0] |= prefix;
	return n;
}

size_t
mr_quic_varint_decode(const uint8_t *p, size_t len, uint64_t *v)
{
	size_t n, i;
	uint64_t x;

	if (len < 1)
		return 0;
	n = (size_t)1 << (p[0] >> 6);
	if (len < n)
		return 0;
	x = p[0] & 0x3f;
	for (i = 1; i < n; i++)
		x = x << 8 | p[i];
	*v = x;
	return n;
}

enum mr_quic_drop
mr_roq_decode(const uint8_t *dgram, size_t len, uint64_t *flow, const uint8_t **payload,
	      size_t *payload_len)
{
	size_t n = mr_quic_varint_decode(dgram, len, flow);

	if (n == 0)
		return MR_QUIC_ROQ_TRUNCATED;
	if (n == len)
		return MR_QUIC_ROQ_EMPTY;
	*payload = dgram + n;
	*payload_len = len - n;
	return MR_QUIC_OK;
}

size_t
mr_roq_encode(uint64_t flow, const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t n = mr_quic_varint_len(flow);

	if (n == 0 || len == 0 || cap < n || cap - n < len)
		return 0;
	mr_quic_varint_encode(flow, out, cap);
	memcpy(out + n, payload, len);
	return n + len;
}
