/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/rtp: the RTP and RTCP parsers on the raw
 * input, and the sequence tracker and jitter fed from the same bytes.
 * Build: clang -fsanitize=fuzzer,address. Invariants are checked with
 * abort() so that they hold whatever NDEBUG says.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_rtp.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
fuzz_rtp(const uint8_t *data, size_t size)
{
	struct mr_rtp_info ri;
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	uint8_t *copy;

	if (mr_rtp_parse(data, len, &ri) != MR_DROP_NONE)
		return;
	CHECK(len >= MR_RTP_HDR_LEN);
	CHECK(ri.hdr_len >= MR_RTP_HDR_LEN + 4u * ri.cc);
	CHECK((uint32_t)ri.hdr_len + ri.payload_len + ri.pad_len == len);
	CHECK(ri.cc <= 15 && ri.pt <= 127 && ri.marker <= 1 && ri.has_ext <= 1);
	CHECK(ri.has_ext || ri.hdr_len == MR_RTP_HDR_LEN + 4u * ri.cc);

	/* rewrite touches only seq, ts, SSRC and keeps the packet valid */
	copy = malloc(len);
	CHECK(copy != NULL);
	memcpy(copy, data, len);
	mr_rtp_rewrite(copy, ~ri.ssrc, (uint16_t)(ri.seq + 1), ri.ts + 1);
	CHECK(memcmp(copy, data, 2) == 0);
	CHECK(memcmp(copy + 12, data + 12, len - 12) == 0);
	{
		struct mr_rtp_info r2;

		CHECK(mr_rtp_parse(copy, len, &r2) == MR_DROP_NONE);
		CHECK(r2.ssrc == ~ri.ssrc && r2.seq == (uint16_t)(ri.seq + 1) &&
		      r2.ts == ri.ts + 1 && r2.hdr_len == ri.hdr_len &&
		      r2.payload_len == ri.payload_len);
	}
	free(copy);
}

static void
fuzz_rtcp(const uint8_t *data, size_t size)
{
	struct mr_rtcp_info ri;
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;

	if (mr_rtcp_parse(data, len, &ri) != MR_DROP_NONE)
		return;
	/* each packet is at least 8 bytes with the SSRC, at least 4 after */
	CHECK(len >= 8 && len % 4 == 0);
	CHECK(ri.n_packets >= 1);
	CHECK(ri.n_packets == 255 || ri.n_packets <= 1 + (len - 8) / 4);
	/* each report block takes 24 bytes of the input */
	CHECK((uint64_t)ri.n_rb * 24 <= len);
	CHECK(!ri.has_sr || len >= 28);
	/* a block that was kept reads a sign-extended 24-bit value */
	{
		unsigned int i;

		for (i = 0; i < ri.n_rb && i < MR_RTCP_MAX_RB; i++)
			CHECK(ri.rb[i].cum_lost >= -(1 << 23) &&
			      ri.rb[i].cum_lost < (1 << 23));
	}
}

/*
 * Whatever the order of the numbers, the tracker stays consistent.
 * @deltas == 0: the input as big-endian 16-bit sequence numbers.
 * @deltas == 1: each byte a signed step from the previous number (first
 * two bytes the start), which keeps most packets near the maximum where
 * the late/duplicate window and the wrap are exercised.
 */
static void
fuzz_seq(const uint8_t *data, size_t size, int deltas)
{
	struct mr_seq s;
	struct mr_jitter j;
	uint32_t fed = 0, last_valid = 0, have_valid = 0;
	uint16_t seq;
	size_t i;

	if (size < 2)
		return;
	memset(&j, 0, sizeof(j));
	seq = (uint16_t)((data[0] << 8) | data[1]);
	mr_seq_init(&s, seq);
	for (i = deltas ? 1 : 0; i + 1 < size; i += deltas ? 1 : 2) {
		uint32_t ext = 0, dup_before = s.duplicates;
		uint32_t rcv_before = s.received;
		enum mr_seq_result r;

		if (deltas)
			seq = (uint16_t)(seq + (int8_t)data[i + 1]);
		else
			seq = (uint16_t)((data[i] << 8) | data[i + 1]);
		r = mr_seq_update(&s, seq, &ext);

		fed++;
		CHECK(s.received <= fed);
		CHECK((uint16_t)ext == seq);
		switch (r) {
		case MR_SEQ_VALID:
			/* ext seqs of VALID results never go backward */
			CHECK(!have_valid || ext > last_valid);
			CHECK(ext == mr_seq_ext_max(&s));
			last_valid = ext;
			have_valid = 1;
			break;
		case MR_SEQ_RESTART:
			/* a resync starts a new numbering */
			CHECK(s.received == 1 && ext == seq);
			last_valid = ext;
			have_valid = 1;
			break;
		case MR_SEQ_PROBATION:
			CHECK(s.probation > 0 && s.received == 0);
			have_valid = 0;
			break;
		case MR_SEQ_DUPLICATE:
			CHECK(s.duplicates == dup_before + 1);
			CHECK(s.received == rcv_before);
			break;
		case MR_SEQ_LATE:
			CHECK(s.received == rcv_before + 1);
			CHECK(ext < mr_seq_ext_max(&s) || s.cycles == 0);
			break;
		case MR_SEQ_BAD:
			CHECK(s.received == rcv_before);
			break;
		default:
			abort();
		}
		if (r != MR_SEQ_PROBATION)
			CHECK(s.window & 1); /* the max is always received */
		(void)mr_seq_fraction_lost(&s);

		/* the same numbers as arrival times against a 160-step clock */
		mr_jitter_update(&j, (uint32_t)seq * 7919u, fed * 160u);
	}
	CHECK(s.late + s.duplicates <= fed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rtp(data, size);
	fuzz_rtcp(data, size);
	fuzz_seq(data, size, 0);
	fuzz_seq(data, size, 1);
	return 0;
}
