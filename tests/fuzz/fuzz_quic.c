/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/quic's stateless half: the invariant header
 * parser, CID decoding and routing, and the RoQ datagram decoder, all on
 * the raw input after a first configuration byte. Invariants are checked
 * with abort() so that they hold whatever NDEBUG says.
 *
 * Input: one byte choosing the CID format (bits 0-2: owners - 1, bits
 * 3-4: server id length - 1, bits 5-7: nonce length - 4), then the UDP
 * payload, which is also read as a RoQ datagram.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_quic.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
fuzz_header(const struct mr_quic_cid_conf *c, const uint8_t *data, size_t size)
{
	uint8_t cid_len = mr_quic_cid_len(c), again[MR_QUIC_V1_MAX_CID_LEN];
	enum mr_quic_route_how how;
	struct mr_quic_hdr h;
	enum mr_quic_drop d;
	uint16_t owner = UINT16_MAX, o2;
	const uint8_t *end = data + size;

	d = mr_quic_hdr_parse(data, size, cid_len, &h);
	if (d != MR_QUIC_OK) {
		CHECK(d == MR_QUIC_TRUNCATED || d == MR_QUIC_CID_TOO_LONG);
		return;
	}
	CHECK(size >= 1 && h.first == data[0]);
	CHECK(h.dcid >= data + 1 && h.dcid + h.dcid_len <= end);
	if (h.kind == MR_QUIC_PKT_SHORT) {
		CHECK((data[0] & 0x80) == 0 && h.scid == NULL && h.dcid_len == cid_len);
	} else {
		CHECK((data[0] & 0x80) != 0);
		CHECK(h.scid > h.dcid && h.scid + h.scid_len <= end);
		CHECK((h.version == 0) == (h.kind == MR_QUIC_PKT_VN));
		CHECK((h.version == MR_QUIC_V1) ==
		      (h.kind >= MR_QUIC_PKT_INITIAL && h.kind <= MR_QUIC_PKT_RETRY));
		if (h.kind != MR_QUIC_PKT_UNKNOWN_VERSION)
			CHECK(h.dcid_len <= MR_QUIC_V1_MAX_CID_LEN &&
			      h.scid_len <= MR_QUIC_V1_MAX_CID_LEN);
	}

	d = mr_quic_route(c, &h, size, &owner, &how);
	if (d != MR_QUIC_OK)
		return;
	CHECK(owner < c->n_owners);
	if (how == MR_QUIC_ROUTE_CID) {
		/* the DCID is exactly what we would have issued to that owner */
		CHECK(h.dcid_len == cid_len);
		CHECK(mr_quic_cid_encode(c, owner, h.dcid + 2 + c->server_id_len, again) ==
		      cid_len);
		CHECK(memcmp(again, h.dcid, cid_len) == 0);
		CHECK(mr_quic_cid_decode(c, h.dcid, h.dcid_len, &o2) == MR_QUIC_OK && o2 == owner);
	} else {
		CHECK(how == MR_QUIC_ROUTE_HASH);
		CHECK(h.kind == MR_QUIC_PKT_INITIAL || h.kind == MR_QUIC_PKT_0RTT ||
		      h.kind == MR_QUIC_PKT_UNKNOWN_VERSION);
		/* the hash owner does not change from one call to the next */
		CHECK(mr_quic_route(c, &h, size, &o2, NULL) == MR_QUIC_OK && o2 == owner);
	}
}

static void
fuzz_roq(const uint8_t *data, size_t size)
{
	const uint8_t *p = NULL;
	size_t plen = 0, n;
	uint64_t flow = 0, f2 = 0;
	enum mr_quic_drop d;
	uint8_t *out;

	d = mr_roq_decode(data, size, &flow, &p, &plen);
	if (d != MR_QUIC_OK) {
		CHECK(d == MR_QUIC_ROQ_TRUNCATED || d == MR_QUIC_ROQ_EMPTY);
		return;
	}
	CHECK(flow <= MR_QUIC_VARINT_MAX);
	CHECK(plen > 0 && p > data && p + plen == data + size);
	CHECK(mr_quic_varint_decode(data, size, &f2) == (size_t)(p - data) && f2 == flow);

	/* encode what was decoded: the shortest form, then the same packet */
	out = malloc(size + MR_QUIC_VARINT_MAX_LEN);
	CHECK(out != NULL);
	n = mr_roq_encode(flow, p, plen, out, size + MR_QUIC_VARINT_MAX_LEN);
	CHECK(n == mr_quic_varint_len(flow) + plen && n <= size);
	CHECK(mr_roq_decode(out, n, &f2, &p, &plen) == MR_QUIC_OK && f2 == flow);
	CHECK(memcmp(p, data + size - plen, plen) == 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mr_quic_cid_conf c;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.config_id = 1;
	c.n_owners = (uint16_t)(1 + (data[0] & 7));
	c.server_id_len = (uint8_t)(1 + ((data[0] >> 3) & 3));
	c.nonce_len = (uint8_t)(4 + (data[0] >> 5));
	memcpy(c.server_id, "\x5a\x5b\x5c\x5d", 4);
	c.hash_key[0] = 0x1111;
	c.hash_key[1] = 0x2222;
	CHECK(mr_quic_cid_conf_check(&c, NULL, 0) == 0);
	fuzz_header(&c, data + 1, size - 1);
	fuzz_roq(data + 1, size - 1);
	return 0;
}
