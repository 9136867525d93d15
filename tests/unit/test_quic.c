/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* lib/quic without state: invariant header, CIDs, routing, varints, RoQ. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_quic.h"
#include "mr_test.h"

static void
cid_conf(struct mr_quic_cid_conf *c, uint16_t owners)
{
	memset(c, 0, sizeof(*c));
	c->config_id = 2;
	c->server_id_len = 2;
	c->server_id[0] = 0xab;
	c->server_id[1] = 0xcd;
	c->nonce_len = 8;
	c->n_owners = owners;
	c->hash_key[0] = 0x0123456789abcdefULL;
	c->hash_key[1] = 0xfedcba9876543210ULL;
}

/* A v1 long header: first, version, DCID, SCID; the rest zero up to len. */
static size_t
long_hdr(uint8_t *b, size_t cap, uint8_t first, uint32_t version, const uint8_t *dcid,
	 uint8_t dlen, const uint8_t *scid, uint8_t slen, size_t len)
{
	size_t off = 0;

	memset(b, 0, cap);
	b[off++] = first;
	b[off++] = (uint8_t)(version >> 24);
	b[off++] = (uint8_t)(version >> 16);
	b[off++] = (uint8_t)(version >> 8);
	b[off++] = (uint8_t)version;
	b[off++] = dlen;
	memcpy(b + off, dcid, dlen);
	off += dlen;
	b[off++] = slen;
	memcpy(b + off, scid, slen);
	off += slen;
	return len > off ? len : off;
}

static int
test_quic_hdr_long(void)
{
	static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t scid[5] = { 9, 10, 11, 12, 13 };
	uint8_t b[1300], big[40];
	struct mr_quic_hdr h;
	size_t n, i;

	/* v1 Initial: 0xc0 = long, fixed, type 0 */
	n = long_hdr(b, sizeof(b), 0xc3, MR_QUIC_V1, dcid, 8, scid, 5, 0);
	MR_TEST_EQ(n, 1 + 4 + 1 + 8 + 1 + 5);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_INITIAL);
	MR_TEST_EQ(h.version, MR_QUIC_V1);
	MR_TEST_EQ(h.dcid_len, 8);
	MR_TEST_EQ(h.scid_len, 5);
	MR_TEST_ASSERT(h.dcid == b + 6 && memcmp(h.dcid, dcid, 8) == 0, "dcid");
	MR_TEST_ASSERT(h.scid == b + 15 && memcmp(h.scid, scid, 5) == 0, "scid");
	/* every shorter prefix is truncated: nothing is read past len */
	for (i = 0; i < n; i++)
		MR_TEST_EQ(mr_quic_hdr_parse(b, i, 8, &h), MR_QUIC_TRUNCATED);

	/* the other v1 types */
	b[0] = 0xd0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_0RTT);
	b[0] = 0xe0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_HANDSHAKE);
	b[0] = 0xf0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_RETRY);
	/* a greased fixed bit (RFC 9287) changes nothing */
	b[0] = 0xa0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_HANDSHAKE);

	/* Version Negotiation: version 0, any first-octet bits */
	n = long_hdr(b, sizeof(b), 0x80, 0, dcid, 8, scid, 5, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_VN);

	/* v1 CIDs longer than 20 are dropped ... */
	memset(big, 0x5a, sizeof(big));
	n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, big, 21, scid, 5, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_CID_TOO_LONG);
	n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, dcid, 8, big, 21, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_CID_TOO_LONG);
	n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, big, 20, big, 20, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	n = long_hdr(b, sizeof(b), 0x80, 0, big, 21, scid, 5, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_CID_TOO_LONG);
	/* ... but other versions may use up to 255 (RFC 8999) */
	n = long_hdr(b, sizeof(b), 0x80, 0x1a2a3a4a, big, 40, scid, 5, 0);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_UNKNOWN_VERSION);
	MR_TEST_EQ(h.dcid_len, 40);
	MR_TEST_EQ(h.version, 0x1a2a3a4a);
	/* a length byte that points past the end */
	b[5] = 255;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 8, &h), MR_QUIC_TRUNCATED);
	return 0;
}
MR_REGISTER_TEST(quic, hdr_long, test_quic_hdr_long);

static int
test_quic_hdr_short(void)
{
	uint8_t b[32];
	struct mr_quic_hdr h;
	size_t i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(0x10 + i);
	b[0] = 0x41; /* short, fixed bit, key phase 0, pn length 2 */
	MR_TEST_EQ(mr_quic_hdr_parse(b, sizeof(b), 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(h.kind, MR_QUIC_PKT_SHORT);
	MR_TEST_EQ(h.dcid_len, 12);
	MR_TEST_ASSERT(h.dcid == b + 1 && h.scid == NULL, "short dcid");
	MR_TEST_EQ(mr_quic_hdr_parse(b, 13, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_hdr_parse(b, 12, 12, &h), MR_QUIC_TRUNCATED);
	MR_TEST_EQ(mr_quic_hdr_parse(b, 0, 12, &h), MR_QUIC_TRUNCATED);
	MR_TEST_EQ(mr_quic_hdr_parse(b, sizeof(b), 21, &h), MR_QUIC_CID_TOO_LONG);
	b[0] = 0x01; /* greased fixed bit */
	MR_TEST_EQ(mr_quic_hdr_parse(b, sizeof(b), 12, &h), MR_QUIC_OK);
	return 0;
}
MR_REGISTER_TEST(quic, hdr_short, test_quic_hdr_short);

static int
test_quic_cid(void)
{
	struct mr_quic_cid_conf c;
	uint8_t nonce[18], cid[20], bad[20];
	uint16_t owner, o;
	char err[128];

	cid_conf(&c, 5);
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), 0);
	MR_TEST_EQ(mr_quic_cid_len(&c), 12);
	memset(nonce, 0x77, sizeof(nonce));
	for (owner = 0; owner < 5; owner++) {
		MR_TEST_EQ(mr_quic_cid_encode(&c, owner, nonce, cid), 12);
		/* QUIC-LB first octet: rotation 2, 11 octets follow */
		MR_TEST_EQ(cid[0], 2 << 5 | 11);
		MR_TEST_EQ(cid[1], 0xab);
		MR_TEST_EQ(cid[2], 0xcd);
		MR_TEST_EQ(cid[3], owner);
		MR_TEST_ASSERT(memcmp(cid + 4, nonce, 8) == 0, "nonce after the server id");
		o = 999;
		MR_TEST_EQ(mr_quic_cid_decode(&c, cid, 12, &o), MR_QUIC_OK);
		MR_TEST_EQ(o, owner);
	}
	MR_TEST_EQ(mr_quic_cid_encode(&c, 5, nonce, cid), 0);

	mr_quic_cid_encode(&c, 3, nonce, cid);
	memcpy(bad, cid, 12);
	bad[0] = (uint8_t)(3 << 5 | 11);
	MR_TEST_EQ(mr_quic_cid_decode(&c, bad, 12, &o), MR_QUIC_UNROUTABLE_CONFIG);
	bad[0] = (uint8_t)(7 << 5 | 11);
	MR_TEST_EQ(mr_quic_cid_decode(&c, bad, 12, &o), MR_QUIC_UNROUTABLE_CONFIG);
	bad[0] = (uint8_t)(2 << 5 | 10);
	MR_TEST_EQ(mr_quic_cid_decode(&c, bad, 12, &o), MR_QUIC_UNROUTABLE_LENGTH);
	MR_TEST_EQ(mr_quic_cid_decode(&c, cid, 11, &o), MR_QUIC_UNROUTABLE_LENGTH);
	MR_TEST_EQ(mr_quic_cid_decode(&c, cid, 0, &o), MR_QUIC_UNROUTABLE_LENGTH);
	memcpy(bad, cid, 12);
	bad[2] ^= 1;
	MR_TEST_EQ(mr_quic_cid_decode(&c, bad, 12, &o), MR_QUIC_UNROUTABLE_SERVER);
	memcpy(bad, cid, 12);
	bad[3] = 5;
	MR_TEST_EQ(mr_quic_cid_decode(&c, bad, 12, &o), MR_QUIC_UNROUTABLE_OWNER);

	/* configuration limits, each with its message */
	cid_conf(&c, 1);
	c.config_id = 7;
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "config_id") != NULL, "%s", err);
	cid_conf(&c, 1);
	c.server_id_len = 0;
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "server_id_len") != NULL, "%s", err);
	cid_conf(&c, 1);
	c.nonce_len = 3;
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "nonce_len") != NULL, "%s", err);
	cid_conf(&c, 1);
	c.server_id_len = 8;
	c.nonce_len = 11;
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "<= 18") != NULL, "%s", err);
	c.nonce_len = 10; /* 20 octets exactly */
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), 0);
	MR_TEST_EQ(mr_quic_cid_len(&c), 20);
	cid_conf(&c, 0);
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "n_owners") != NULL, "%s", err);
	cid_conf(&c, 257);
	MR_TEST_EQ(mr_quic_cid_conf_check(&c, NULL, 0), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(quic, cid_encode_decode, test_quic_cid);

static int
test_quic_route(void)
{
	struct mr_quic_cid_conf c;
	enum mr_quic_route_how how;
	uint8_t b[1300], cid[20], dcid[16], nonce[8] = { 0 };
	unsigned int per_owner[4] = { 0 }, i;
	struct mr_quic_hdr h;
	uint16_t owner, first;
	size_t n;

	cid_conf(&c, 4);
	mr_quic_cid_encode(&c, 3, nonce, cid);

	/* short header with our CID: its owner */
	memset(b, 0, sizeof(b));
	b[0] = 0x40;
	memcpy(b + 1, cid, 12);
	MR_TEST_EQ(mr_quic_hdr_parse(b, 40, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, 40, &owner, &how), MR_QUIC_OK);
	MR_TEST_EQ(owner, 3);
	MR_TEST_EQ(how, MR_QUIC_ROUTE_CID);
	/* short header with a foreign CID: unroutable, never hashed */
	b[2] ^= 0xff;
	MR_TEST_EQ(mr_quic_hdr_parse(b, 40, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, 40, &owner, &how), MR_QUIC_UNROUTABLE_SERVER);

	/* Initial with a client-chosen DCID: hashed, the same owner each time */
	memset(dcid, 0x42, sizeof(dcid));
	n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, dcid, 16, dcid, 4, 1200);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &first, &how), MR_QUIC_OK);
	MR_TEST_EQ(how, MR_QUIC_ROUTE_HASH);
	MR_TEST_ASSERT(first < 4, "owner %u", first);
	for (i = 0; i < 10; i++) {
		MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, NULL), MR_QUIC_OK);
		MR_TEST_EQ(owner, first);
	}
	/* too small for an Initial (RFC 9000 14.1) */
	MR_TEST_EQ(mr_quic_route(&c, &h, 1199, &owner, &how), MR_QUIC_INITIAL_TOO_SMALL);
	/* 0-RTT with the same DCID goes where its Initial went, whatever its size */
	b[0] = 0xd0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, 100, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, 100, &owner, &how), MR_QUIC_OK);
	MR_TEST_EQ(owner, first);
	MR_TEST_EQ(how, MR_QUIC_ROUTE_HASH);
	/* Handshake with that client-chosen DCID: unroutable */
	b[0] = 0xe0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, 100, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, 100, &owner, &how), MR_QUIC_UNROUTABLE_LENGTH);

	/* Initial to our CID (after Retry): the CID's owner */
	n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, cid, 12, dcid, 4, 1252);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_OK);
	MR_TEST_EQ(owner, 3);
	MR_TEST_EQ(how, MR_QUIC_ROUTE_CID);
	b[0] = 0xe0;
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_OK);
	MR_TEST_EQ(owner, 3);

	/* Version Negotiation and Retry are never sent to a server */
	n = long_hdr(b, sizeof(b), 0x80, 0, dcid, 8, dcid, 8, 1200);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_VN_TO_SERVER);
	n = long_hdr(b, sizeof(b), 0xf0, MR_QUIC_V1, cid, 12, dcid, 8, 100);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_RETRY_TO_SERVER);

	/* unknown version: hashed when full-sized (it gets a VN), else dropped */
	n = long_hdr(b, sizeof(b), 0x80, 0x0a0a0a0a, dcid, 16, dcid, 8, 1200);
	MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
	MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_OK);
	MR_TEST_EQ(how, MR_QUIC_ROUTE_HASH);
	MR_TEST_EQ(owner, first);
	MR_TEST_EQ(mr_quic_route(&c, &h, 1000, &owner, &how), MR_QUIC_UNKNOWN_VERSION_SMALL);

	/* the hash spreads client DCIDs over the owners */
	for (i = 0; i < 4000; i++) {
		memcpy(dcid, &i, sizeof(i));
		n = long_hdr(b, sizeof(b), 0xc0, MR_QUIC_V1, dcid, 16, dcid, 4, 1200);
		MR_TEST_EQ(mr_quic_hdr_parse(b, n, 12, &h), MR_QUIC_OK);
		MR_TEST_EQ(mr_quic_route(&c, &h, n, &owner, &how), MR_QUIC_OK);
		per_owner[owner]++;
	}
	for (i = 0; i < 4; i++)
		MR_TEST_ASSERT(per_owner[i] > 850 && per_owner[i] < 1150, "owner %u got %u of 4000",
			       i, per_owner[i]);
	return 0;
}
MR_REGISTER_TEST(quic, route, test_quic_route);

static int
test_quic_siphash(void)
{
	/* the SipHash-2-4 paper's test vector: key 00..0f, message 00..0e */
	const uint64_t key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t msg[64];
	unsigned int i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	MR_TEST_EQ(mr_quic_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
	/* the empty message, first entry of the reference vectors */
	MR_TEST_EQ(mr_quic_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	return 0;
}
MR_REGISTER_TEST(quic, siphash, test_quic_siphash);

static int
test_quic_varint(void)
{
	/* RFC 9000 appendix A.1 */
	static const uint8_t v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c };
	static const uint8_t v4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	static const uint8_t v2[] = { 0x7b, 0xbd };
	static const uint8_t v1[] = { 0x25 };
	static const uint8_t v2_37[] = { 0x40, 0x25 };
	static const struct { uint64_t v; size_t len; } edges[] = {
		{ 0, 1 }, { 63, 1 }, { 64, 2 }, { 16383, 2 }, { 16384, 4 },
		{ (1u << 30) - 1, 4 }, { 1u << 30, 8 }, { MR_QUIC_VARINT_MAX, 8 },
	};
	uint8_t b[8];
	uint64_t v;
	unsigned int i;

	MR_TEST_EQ(mr_quic_varint_decode(v8, 8, &v), 8);
	MR_TEST_EQ(v, 151288809941952652ULL);
	MR_TEST_EQ(mr_quic_varint_decode(v4, 4, &v), 4);
	MR_TEST_EQ(v, 494878333);
	MR_TEST_EQ(mr_quic_varint_decode(v2, 2, &v), 2);
	MR_TEST_EQ(v, 15293);
	MR_TEST_EQ(mr_quic_varint_decode(v1, 1, &v), 1);
	MR_TEST_EQ(v, 37);
	MR_TEST_EQ(mr_quic_varint_decode(v2_37, 2, &v), 2);
	MR_TEST_EQ(v, 37);
	MR_TEST_EQ(mr_quic_varint_decode(v8, 7, &v), 0);
	MR_TEST_EQ(mr_quic_varint_decode(v4, 3, &v), 0);
	MR_TEST_EQ(mr_quic_varint_decode(v2, 1, &v), 0);
	MR_TEST_EQ(mr_quic_varint_decode(v1, 0, &v), 0);

	MR_TEST_EQ(mr_quic_varint_encode(151288809941952652ULL, b, 8), 8);
	MR_TEST_ASSERT(memcmp(b, v8, 8) == 0, "8-octet encoding");
	MR_TEST_EQ(mr_quic_varint_encode(494878333, b, 8), 4);
	MR_TEST_ASSERT(memcmp(b, v4, 4) == 0, "4-octet encoding");
	MR_TEST_EQ(mr_quic_varint_encode(15293, b, 8), 2);
	MR_TEST_ASSERT(memcmp(b, v2, 2) == 0, "2-octet encoding");
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		MR_TEST_EQ(mr_quic_varint_len(edges[i].v), edges[i].len);
		MR_TEST_EQ(mr_quic_varint_encode(edges[i].v, b, edges[i].len - 1), 0);
		MR_TEST_EQ(mr_quic_varint_encode(edges[i].v, b, 8), edges[i].len);
		MR_TEST_EQ(mr_quic_varint_decode(b, 8, &v), edges[i].len);
		MR_TEST_EQ(v, edges[i].v);
	}
	MR_TEST_EQ(mr_quic_varint_len(MR_QUIC_VARINT_MAX + 1), 0);
	MR_TEST_EQ(mr_quic_varint_encode(MR_QUIC_VARINT_MAX + 1, b, 8), 0);
	return 0;
}
MR_REGISTER_TEST(quic, varint, test_quic_varint);

static int
test_quic_roq(void)
{
	static const uint64_t flows[] = { 0, 5, 63, 64, 16383, 16384, 1u << 30,
					  MR_QUIC_VARINT_MAX };
	uint8_t rtp[172], dg[200];
	const uint8_t *p;
	uint64_t flow;
	size_t n, plen;
	unsigned int i;

	for (i = 0; i < sizeof(rtp); i++)
		rtp[i] = (uint8_t)(i * 7);
	rtp[0] = 0x80;
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		n = mr_roq_encode(flows[i], rtp, sizeof(rtp), dg, sizeof(dg));
		MR_TEST_EQ(n, mr_quic_varint_len(flows[i]) + sizeof(rtp));
		MR_TEST_EQ(mr_roq_decode(dg, n, &flow, &p, &plen), MR_QUIC_OK);
		MR_TEST_EQ(flow, flows[i]);
		MR_TEST_EQ(plen, sizeof(rtp));
		MR_TEST_ASSERT(p == dg + mr_quic_varint_len(flows[i]), "payload after the flow id");
		MR_TEST_ASSERT(memcmp(p, rtp, sizeof(rtp)) == 0, "payload intact");
		/* cut inside the flow id: truncated; right after it: empty */
		if (mr_quic_varint_len(flows[i]) > 1)
			MR_TEST_EQ(mr_roq_decode(dg, 1, &flow, &p, &plen), MR_QUIC_ROQ_TRUNCATED);
		MR_TEST_EQ(mr_roq_decode(dg, mr_quic_varint_len(flows[i]), &flow, &p, &plen),
			   MR_QUIC_ROQ_EMPTY);
	}
	MR_TEST_EQ(mr_roq_decode(dg, 0, &flow, &p, &plen), MR_QUIC_ROQ_TRUNCATED);
	/* a one-octet payload is the smallest datagram */
	dg[0] = 0x07;
	dg[1] = 0x99;
	MR_TEST_EQ(mr_roq_decode(dg, 2, &flow, &p, &plen), MR_QUIC_OK);
	MR_TEST_EQ(flow, 7);
	MR_TEST_EQ(plen, 1);
	/* encode refuses what it cannot write */
	MR_TEST_EQ(mr_roq_encode(1, rtp, 0, dg, sizeof(dg)), 0);
	MR_TEST_EQ(mr_roq_encode(MR_QUIC_VARINT_MAX + 1, rtp, 10, dg, sizeof(dg)), 0);
	MR_TEST_EQ(mr_roq_encode(64, rtp, 10, dg, 11), 0);
	MR_TEST_EQ(mr_roq_encode(64, rtp, 10, dg, 12), 12);
	MR_TEST_EQ(mr_roq_encode(63, rtp, 10, dg, 11), 11);
	return 0;
}
MR_REGISTER_TEST(quic, roq_framing, test_quic_roq);

static int
test_quic_drop_names(void)
{
	unsigned int i;
	const char *n;

	for (i = 0; i < MR_QUIC_DROP__MAX; i++) {
		n = mr_quic_drop_name((enum mr_quic_drop)i);
		MR_TEST_ASSERT(n != NULL && strcmp(n, "invalid") != 0, "reason %u has no name", i);
		MR_TEST_ASSERT(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n),
			       "name %s", n);
	}
	MR_TEST_ASSERT(strcmp(mr_quic_drop_name(MR_QUIC_DROP__MAX), "invalid") == 0, "range");
	return 0;
}
MR_REGISTER_TEST(quic, drop_names, test_quic_drop_names);
