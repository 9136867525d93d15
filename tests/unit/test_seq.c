/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/rtp: RFC 3550 A.1 sequence tracker with extended sequence numbers,
 * duplicate window, and A.3 fraction lost.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_rtp.h"
#include "mr_test.h"

/* Feed one seq, require the result and the extended number. */
#define FEED(s, seq, res, ext) do { \
	uint32_t e_ = 0xdeadbeef; \
	enum mr_seq_result r_ = mr_seq_update((s), (uint16_t)(seq), &e_); \
	MR_TEST_ASSERT(r_ == (res), "seq %u: result %d want %d", \
		       (unsigned int)(seq), r_, (res)); \
	MR_TEST_ASSERT(e_ == (uint32_t)(ext), "seq %u: ext %u want %u", \
		       (unsigned int)(seq), e_, (uint32_t)(ext)); \
} while (0)

/* A source started at @first, validated by @first + 1 (A.1 probation). */
static void
start(struct mr_seq *s, uint16_t first)
{
	uint32_t e;

	mr_seq_init(s, first);
	mr_seq_update(s, first, &e);
	mr_seq_update(s, (uint16_t)(first + 1), &e);
}

static int
test_seq_probation(void)
{
	struct mr_seq s;

	/* init, then the same first packet goes through update as in A.1 */
	mr_seq_init(&s, 100);
	MR_TEST_EQ(s.probation, MR_SEQ_MIN_SEQUENTIAL);
	FEED(&s, 100, MR_SEQ_PROBATION, 100);
	MR_TEST_EQ(s.received, 0);
	FEED(&s, 101, MR_SEQ_VALID, 101);
	MR_TEST_EQ(s.probation, 0);
	MR_TEST_EQ(s.base_seq, 101);
	MR_TEST_EQ(s.received, 1);
	MR_TEST_EQ(mr_seq_expected(&s), 1);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	FEED(&s, 102, MR_SEQ_VALID, 102);

	/* jumps during probation restart it, each time */
	mr_seq_init(&s, 200);
	FEED(&s, 200, MR_SEQ_PROBATION, 200);
	FEED(&s, 500, MR_SEQ_PROBATION, 500);
	FEED(&s, 502, MR_SEQ_PROBATION, 502);
	FEED(&s, 502, MR_SEQ_PROBATION, 502);
	MR_TEST_EQ(s.received, 0);
	FEED(&s, 503, MR_SEQ_VALID, 503);
	MR_TEST_EQ(s.base_seq, 503);
	MR_TEST_EQ(s.received, 1);
	MR_TEST_EQ(s.restarts, 0);

	/* probation across the 16-bit wrap: 65535 then 0 is in sequence */
	mr_seq_init(&s, 65535);
	FEED(&s, 65535, MR_SEQ_PROBATION, 65535);
	FEED(&s, 0, MR_SEQ_VALID, 0);
	MR_TEST_EQ(s.cycles, 0);
	FEED(&s, 1, MR_SEQ_VALID, 1);
	MR_TEST_EQ(mr_seq_lost(&s), 0);

	/* a caller that skips update() for the first packet: one more on probation */
	mr_seq_init(&s, 10);
	FEED(&s, 11, MR_SEQ_PROBATION, 11);
	FEED(&s, 12, MR_SEQ_VALID, 12);
	MR_TEST_EQ(s.base_seq, 12);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_probation, test_seq_probation);

static int
test_seq_wrap_in_order(void)
{
	struct mr_seq s;
	uint32_t i;

	mr_seq_init(&s, 65530);
	FEED(&s, 65530, MR_SEQ_PROBATION, 65530);
	for (i = 65531; i <= 65535; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	MR_TEST_EQ(s.cycles, 0);
	FEED(&s, 0, MR_SEQ_VALID, 65536);
	MR_TEST_EQ(s.cycles, 65536);
	MR_TEST_EQ(mr_seq_ext_max(&s), 65536);
	for (i = 1; i < 10; i++)
		FEED(&s, i, MR_SEQ_VALID, 65536 + i);
	MR_TEST_EQ(s.received, 15);
	MR_TEST_EQ(mr_seq_expected(&s), 65545 - 65531 + 1);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	MR_TEST_EQ(s.late, 0);
	MR_TEST_EQ(s.duplicates, 0);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_wrap_in_order, test_seq_wrap_in_order);

static int
test_seq_wrap_reorder(void)
{
	struct mr_seq s;
	uint32_t i;

	mr_seq_init(&s, 65533);
	FEED(&s, 65533, MR_SEQ_PROBATION, 65533);
	FEED(&s, 65534, MR_SEQ_VALID, 65534);
	FEED(&s, 0, MR_SEQ_VALID, 65536);
	/* 65535 > max_seq 0: sent before the wrap, previous cycle */
	FEED(&s, 65535, MR_SEQ_LATE, 65535);
	FEED(&s, 1, MR_SEQ_VALID, 65537);
	MR_TEST_EQ(s.cycles, 65536);
	MR_TEST_EQ(s.received, 4);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	MR_TEST_EQ(s.late, 1);
	MR_TEST_EQ(s.duplicates, 0);

	/* duplicates on both sides of the wrap */
	FEED(&s, 65535, MR_SEQ_DUPLICATE, 65535);
	FEED(&s, 0, MR_SEQ_DUPLICATE, 65536);
	FEED(&s, 1, MR_SEQ_DUPLICATE, 65537);
	MR_TEST_EQ(s.duplicates, 3);
	MR_TEST_EQ(s.received, 4);
	MR_TEST_EQ(mr_seq_lost(&s), 0);

	/* further on, the pre-wrap packets still map to the old cycle */
	for (i = 2; i <= 40; i++)
		FEED(&s, i, MR_SEQ_VALID, 65536 + i);
	FEED(&s, 65534, MR_SEQ_DUPLICATE, 65534);
	MR_TEST_EQ(s.late, 1);
	MR_TEST_EQ(s.received, 43);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_wrap_reorder, test_seq_wrap_reorder);

static int
test_seq_wrap_loss(void)
{
	struct mr_seq s;

	mr_seq_init(&s, 65532);
	FEED(&s, 65532, MR_SEQ_PROBATION, 65532);
	FEED(&s, 65533, MR_SEQ_VALID, 65533);
	FEED(&s, 65534, MR_SEQ_VALID, 65534);
	/* 65535, 0 and 1 lost */
	FEED(&s, 2, MR_SEQ_VALID, 65538);
	FEED(&s, 3, MR_SEQ_VALID, 65539);
	MR_TEST_EQ(s.cycles, 65536);
	MR_TEST_EQ(s.received, 4);
	MR_TEST_EQ(mr_seq_expected(&s), 7);
	MR_TEST_EQ(mr_seq_lost(&s), 3);
	/* one of them turns up late */
	FEED(&s, 0, MR_SEQ_LATE, 65536);
	MR_TEST_EQ(mr_seq_lost(&s), 2);
	FEED(&s, 65535, MR_SEQ_LATE, 65535);
	MR_TEST_EQ(mr_seq_lost(&s), 1);
	MR_TEST_EQ(s.late, 2);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_wrap_loss, test_seq_wrap_loss);

static int
test_seq_duplicates(void)
{
	struct mr_seq s;
	uint32_t i;

	start(&s, 1000);
	for (i = 1002; i <= 1010; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	MR_TEST_EQ(s.received, 10);
	FEED(&s, 1010, MR_SEQ_DUPLICATE, 1010);
	FEED(&s, 1005, MR_SEQ_DUPLICATE, 1005);
	FEED(&s, 1001, MR_SEQ_DUPLICATE, 1001);
	MR_TEST_EQ(s.duplicates, 3);
	MR_TEST_EQ(s.received, 10);
	MR_TEST_EQ(mr_seq_lost(&s), 0);

	/* a gap, the late fill, then its duplicate */
	FEED(&s, 1012, MR_SEQ_VALID, 1012);
	MR_TEST_EQ(mr_seq_lost(&s), 1);
	FEED(&s, 1011, MR_SEQ_LATE, 1011);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	FEED(&s, 1011, MR_SEQ_DUPLICATE, 1011);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	MR_TEST_EQ(s.received, 12);
	MR_TEST_EQ(s.duplicates, 4);
	MR_TEST_EQ(s.late, 1);

	/* 1001 is bit 63 when the max is 1064: still a known duplicate */
	for (i = 1013; i <= 1064; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	FEED(&s, 1001, MR_SEQ_DUPLICATE, 1001);
	MR_TEST_EQ(s.received, 64);
	/* at 1065 it fell out of the window: counted again as A.1 does */
	FEED(&s, 1065, MR_SEQ_VALID, 1065);
	FEED(&s, 1001, MR_SEQ_LATE, 1001);
	MR_TEST_EQ(s.received, 66);
	MR_TEST_EQ(mr_seq_lost(&s), -1);
	MR_TEST_EQ(s.duplicates, 5);
	MR_TEST_EQ(s.late, 2);

	/* max advancing by 63 keeps the old max (bit 63) */
	start(&s, 1199);
	FEED(&s, 1263, MR_SEQ_VALID, 1263);
	FEED(&s, 1200, MR_SEQ_DUPLICATE, 1200);
	FEED(&s, 1262, MR_SEQ_LATE, 1262);
	/*
	 * By 64: the old max leaves the window, and nothing of the old
	 * window may survive (x86 masks a 64-bit shift count to 0, so an
	 * unguarded shift would keep bit 1 = 1262 and call 1326 a copy).
	 */
	FEED(&s, 1327, MR_SEQ_VALID, 1327);
	FEED(&s, 1326, MR_SEQ_LATE, 1326);
	FEED(&s, 1263, MR_SEQ_LATE, 1263);
	/* by more than 64: the window is emptied, not shifted (UB) */
	FEED(&s, 1327 + 200, MR_SEQ_VALID, 1527);
	FEED(&s, 1526, MR_SEQ_LATE, 1526);
	FEED(&s, 1526, MR_SEQ_DUPLICATE, 1526);
	FEED(&s, 1527, MR_SEQ_DUPLICATE, 1527);
	FEED(&s, 1464, MR_SEQ_LATE, 1464);      /* bit 63, not received */
	FEED(&s, 1464, MR_SEQ_DUPLICATE, 1464);
	MR_TEST_EQ(s.received, 9);
	MR_TEST_EQ(s.late, 5);
	MR_TEST_EQ(s.duplicates, 4);
	/* expected 1200..1527 = 328, received 9 */
	MR_TEST_EQ(mr_seq_lost(&s), 328 - 9);

	/* a full window, then +200: (200 & 63) = 8 back must not be a copy */
	start(&s, 2000);
	for (i = 2002; i <= 2100; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	MR_TEST_EQ(s.window, UINT64_MAX);
	FEED(&s, 2300, MR_SEQ_VALID, 2300);
	MR_TEST_EQ(s.window, 1);
	FEED(&s, 2292, MR_SEQ_LATE, 2292);
	FEED(&s, 2299, MR_SEQ_LATE, 2299);
	MR_TEST_EQ(s.duplicates, 0);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_duplicates, test_seq_duplicates);

static int
test_seq_big_jump(void)
{
	struct mr_seq s;
	uint32_t i;

	start(&s, 1000);
	for (i = 1002; i <= 1010; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	/* 2999 ahead is still an in-order gap; 3000 is a jump */
	FEED(&s, 1010 + 3000, MR_SEQ_BAD, 4010);
	MR_TEST_EQ(s.max_seq, 1010);
	MR_TEST_EQ(s.received, 10);
	MR_TEST_EQ(s.bad_seq, 4011);
	/* an unconfirmed jump leaves the stream alone */
	FEED(&s, 1011, MR_SEQ_VALID, 1011);
	FEED(&s, 1011 + 2999, MR_SEQ_VALID, 4010);
	MR_TEST_EQ(mr_seq_lost(&s), 2998);

	/* confirmed jump: BAD, then seq + 1 resyncs */
	start(&s, 1000);
	for (i = 1002; i <= 1010; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	FEED(&s, 4010, MR_SEQ_BAD, 4010);
	FEED(&s, 4011, MR_SEQ_RESTART, 4011);
	MR_TEST_EQ(s.restarts, 1);
	MR_TEST_EQ(s.base_seq, 4011);
	MR_TEST_EQ(s.max_seq, 4011);
	MR_TEST_EQ(s.received, 1);
	MR_TEST_EQ(s.probation, 0);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	MR_TEST_EQ(s.window, 1);
	/*
	 * 4010 is one behind: the old window had bit 1 set (1009), so a
	 * window not reset on restart would call this a duplicate.
	 */
	FEED(&s, 4010, MR_SEQ_LATE, 4010);
	FEED(&s, 4012, MR_SEQ_VALID, 4012);
	/* old-stream packets are now far away */
	FEED(&s, 1010, MR_SEQ_BAD, 1010);
	FEED(&s, 4013, MR_SEQ_VALID, 4013);
	MR_TEST_EQ(s.received, 4);
	/* the BAD packet itself was not counted; 4010 came late, before base */
	MR_TEST_EQ(mr_seq_lost(&s), -1);

	/* restart in a later cycle: A.1 init_seq() sets cycles back to 0 */
	start(&s, 65530);
	for (i = 65532; i < 65536 + 20; i++)
		FEED(&s, i & 0xffff, MR_SEQ_VALID, i);
	MR_TEST_EQ(s.cycles, 65536);
	FEED(&s, 30000, MR_SEQ_BAD, 65536 + 30000);
	FEED(&s, 30001, MR_SEQ_RESTART, 30001);
	MR_TEST_EQ(s.cycles, 0);
	MR_TEST_EQ(s.restarts, 1);
	FEED(&s, 30002, MR_SEQ_VALID, 30002);
	MR_TEST_EQ(mr_seq_lost(&s), 0);
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 0);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_big_jump, test_seq_big_jump);

static int
test_seq_misorder_limit(void)
{
	struct mr_seq s;
	uint32_t i;

	start(&s, 1000);
	for (i = 1002; i <= 1200; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	/*
	 * 99 behind: late (a copy, but older than the 64-bit window, so
	 * counted as A.1 does); 100 behind: A.1 treats it as a jump.
	 */
	FEED(&s, 1101, MR_SEQ_LATE, 1101);
	MR_TEST_EQ(s.received, 201);
	FEED(&s, 1100, MR_SEQ_BAD, 1100);
	MR_TEST_EQ(s.bad_seq, 1101);
	MR_TEST_EQ(s.received, 201);
	MR_TEST_EQ(s.duplicates, 0);

	/* missing packets 99 and 100 behind */
	start(&s, 1000);
	for (i = 1002; i <= 1200; i++)
		if (i != 1100 && i != 1101)
			FEED(&s, i, MR_SEQ_VALID, i);
	MR_TEST_EQ(mr_seq_lost(&s), 2);
	FEED(&s, 1101, MR_SEQ_LATE, 1101);
	MR_TEST_EQ(mr_seq_lost(&s), 1);
	FEED(&s, 1100, MR_SEQ_BAD, 1100);
	MR_TEST_EQ(mr_seq_lost(&s), 1);
	MR_TEST_EQ(s.late, 1);

	/* across the wrap: max ext 65586 (seq 50) */
	start(&s, 65500);
	for (i = 65502; i <= 65536 + 50; i++)
		FEED(&s, i & 0xffff, MR_SEQ_VALID, i);
	FEED(&s, 65536 + 50 - 99, MR_SEQ_LATE, 65536 + 50 - 99);
	FEED(&s, 65536 + 50 - 100, MR_SEQ_BAD, 65536 + 65536 + 50 - 100);

	/* very late and continuing: A.1 takes it as a restart */
	start(&s, 1000);
	for (i = 1002; i <= 1200; i++)
		FEED(&s, i, MR_SEQ_VALID, i);
	FEED(&s, 500, MR_SEQ_BAD, 500);
	FEED(&s, 501, MR_SEQ_RESTART, 501);
	MR_TEST_EQ(s.base_seq, 501);
	MR_TEST_EQ(s.received, 1);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_misorder_limit, test_seq_misorder_limit);

static int
test_seq_fraction_lost(void)
{
	struct mr_seq s;
	uint32_t i;

	start(&s, 1000);
	/* 1001..1010 less 1003, 1004: 2 of 10 lost, 512 / 10 = 51 */
	for (i = 1002; i <= 1010; i++)
		if (i != 1003 && i != 1004)
			mr_seq_update(&s, i, &(uint32_t){0});
	MR_TEST_EQ(s.received, 8);
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 51);
	MR_TEST_EQ(s.expected_prior, 10);
	MR_TEST_EQ(s.received_prior, 8);
	/* nothing new */
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 0);
	/* 10 expected, 11 received (1003 late): negative loss reads 0 */
	for (i = 1011; i <= 1020; i++)
		mr_seq_update(&s, i, &(uint32_t){0});
	mr_seq_update(&s, 1003, &(uint32_t){0});
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 0);
	MR_TEST_EQ(mr_seq_lost(&s), 1);
	/* 1021..1024 with 1022, 1023 lost: 2 of 4 = 128 */
	mr_seq_update(&s, 1021, &(uint32_t){0});
	mr_seq_update(&s, 1024, &(uint32_t){0});
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 128);
	/* 1025..1035, only 1035 arrives: 10 of 11, 2560 / 11 = 232 */
	mr_seq_update(&s, 1035, &(uint32_t){0});
	MR_TEST_EQ(mr_seq_fraction_lost(&s), 232);
	MR_TEST_EQ(mr_seq_lost(&s), 1 + 2 + 10);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_fraction_lost, test_seq_fraction_lost);

/* Deterministic PRNG for the model tests (xorshift64). */
static uint64_t
rnd(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*st = x;
	return x;
}

#define MODEL_N 200000u

/*
 * 200k numbers in order, ~10% lost at random; the model counts distinct
 * sent numbers and knows each packet's index, so received, lost, the
 * extended numbers and the interval fractions are checked exactly.
 */
static int
test_seq_model_loss(void)
{
	struct mr_seq s;
	uint64_t st = 0x9e3779b97f4a7c15ull;
	uint32_t first = (uint32_t)(rnd(&st) & 0xffff);
	uint32_t i, sent = 0, last = 0, exp_prior = 0, rcv_prior = 0;

	mr_seq_init(&s, (uint16_t)first);
	for (i = 0; i < MODEL_N; i++) {
		uint32_t ext;
		enum mr_seq_result r;

		/* the first two validate the source; keep them */
		if (i >= 2 && rnd(&st) % 10 == 0)
			continue;
		r = mr_seq_update(&s, (uint16_t)(first + i), &ext);
		MR_TEST_ASSERT(r == (i == 0 ? MR_SEQ_PROBATION : MR_SEQ_VALID),
			       "i %u: result %d", i, r);
		MR_TEST_ASSERT(ext == first + i, "i %u: ext %u", i, ext);
		if (i >= 1) {
			sent++;
			last = i;
		}
		if (i % 997 == 0 && i > 0) {
			/* model of A.3 over [1, last] */
			uint32_t exp = last;
			int64_t lost_int = (int64_t)(exp - exp_prior) -
				(int64_t)(sent - rcv_prior);
			uint32_t want = exp == exp_prior || lost_int <= 0 ? 0 :
				(uint32_t)((lost_int << 8) / (exp - exp_prior));

			MR_TEST_EQ(mr_seq_fraction_lost(&s), want);
			exp_prior = exp;
			rcv_prior = sent;
		}
	}
	MR_TEST_EQ(s.received, sent);
	MR_TEST_EQ(mr_seq_expected(&s), last);
	MR_TEST_EQ(mr_seq_lost(&s), (int64_t)last - sent);
	MR_TEST_EQ(mr_seq_ext_max(&s), first + last);
	MR_TEST_EQ(s.cycles, ((first + last) >> 16) << 16);
	MR_TEST_ASSERT(last - sent > MODEL_N / 20, "loss too low: %u", last - sent);
	MR_TEST_EQ(s.late, 0);
	MR_TEST_EQ(s.duplicates, 0);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_model_loss, test_seq_model_loss);

/*
 * Same with reordering (adjacent swaps) and duplicates (a copy of a
 * packet sent up to 10 places earlier). The model classifies each packet
 * from a seen-set and the running maximum index.
 */
static int
test_seq_model_reorder(void)
{
	struct mr_seq s;
	uint64_t st = 12345;
	uint32_t first = 65536 - 777; /* wraps three times */
	uint32_t *order;
	uint8_t *seen;
	uint32_t n = 0, i, max_idx = 0, received = 0, late = 0, dups = 0;

	order = malloc(sizeof(*order) * MODEL_N * 2);
	seen = calloc(MODEL_N, 1);
	MR_TEST_ASSERT(order != NULL && seen != NULL, "alloc");
	for (i = 0; i < MODEL_N; i++) {
		if (i >= 2 && rnd(&st) % 20 == 0)
			continue;
		order[n++] = i;
		if (n > 12 && rnd(&st) % 50 == 0) {
			/* duplicate of something recent */
			order[n] = order[n - 1 - rnd(&st) % 10];
			n++;
		}
	}
	/* adjacent swaps, never touching the two validating packets */
	for (i = 3; i + 1 < n; i++) {
		if (rnd(&st) % 20 == 0) {
			uint32_t t = order[i];

			order[i] = order[i + 1];
			order[i + 1] = t;
			i++;
		}
	}

	mr_seq_init(&s, (uint16_t)first);
	for (i = 0; i < n; i++) {
		uint32_t idx = order[i], ext;
		enum mr_seq_result want, r;

		if (i == 0)
			want = MR_SEQ_PROBATION;
		else if (seen[idx])
			want = MR_SEQ_DUPLICATE;
		else if (idx < max_idx)
			want = MR_SEQ_LATE;
		else
			want = MR_SEQ_VALID;
		if (i > 0) {
			if (want == MR_SEQ_DUPLICATE)
				dups++;
			else
				received++;
			if (want == MR_SEQ_LATE)
				late++;
			if (idx > max_idx)
				max_idx = idx;
		}
		seen[idx] = 1;
		r = mr_seq_update(&s, (uint16_t)(first + idx), &ext);
		if (r != want || ext != first + idx) {
			free(order);
			free(seen);
			MR_TEST_ASSERT(0, "packet %u idx %u: result %d want %d, ext %u want %u",
				       i, idx, r, want, ext, first + idx);
		}
	}
	free(order);
	free(seen);
	MR_TEST_EQ(s.received, received);
	MR_TEST_EQ(s.late, late);
	MR_TEST_EQ(s.duplicates, dups);
	MR_TEST_EQ(mr_seq_expected(&s), max_idx);
	MR_TEST_EQ(mr_seq_lost(&s), (int64_t)max_idx - received);
	MR_TEST_ASSERT(late > 1000 && dups > 1000, "late %u dups %u", late, dups);
	return 0;
}
MR_REGISTER_TEST(rtp, seq_model_reorder, test_seq_model_reorder);
