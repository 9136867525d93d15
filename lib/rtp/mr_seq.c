/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * RFC 3550 A.1 sequence tracking, A.3 loss and A.8 jitter.
 *
 * Beyond A.1: every packet gets its 32-bit extended sequence number, late
 * ones included, and a 64-bit window over the highest numbers received
 * turns a second copy into MR_SEQ_DUPLICATE instead of a second count.
 */

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "mr_rtp.h"

/* Window size: bit i stands for (max ext seq - i). */
#define SEQ_WINDOW 64

/*
 * A.1 init_seq(): (re)start counting at @seq. The event counters
 * (duplicates, late, restarts) span resyncs and are left alone.
 */
static void
seq_reset(struct mr_seq *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = MR_SEQ_MOD + 1; /* matches no 16-bit seq */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
	s->window = 0;
}

void
mr_seq_init(struct mr_seq *s, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	seq_reset(s, seq);
	/* A.1: the first packet must then be seen as max_seq + 1 */
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = MR_SEQ_MIN_SEQUENTIAL;
}

/* Count @seq as the new highest number, starting the window over. */
static inline void
seq_restart_at(struct mr_seq *s, uint16_t seq)
{
	seq_reset(s, seq);
	s->received = 1;
	s->window = 1;
}

enum mr_seq_result
mr_seq_update(struct mr_seq *s, uint16_t seq, uint32_t *ext_seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (unlikely(s->probation != 0)) {
		/* 16-bit compare, so probation may span the wrap */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			if (s->probation == 0) {
				seq_restart_at(s, seq);
				*ext_seq = seq;
				return MR_SEQ_VALID;
			}
		} else {
			s->probation = MR_SEQ_MIN_SEQUENTIAL - 1;
		}
		s->max_seq = seq;
		*ext_seq = s->cycles + seq;
		return MR_SEQ_PROBATION;
	}

	if (likely(udelta != 0 && udelta < MR_SEQ_MAX_DROPOUT)) {
		/* in order, with permissible gap */
		if (seq < s->max_seq)
			s->cycles += MR_SEQ_MOD;
		s->max_seq = seq;
		/* a shift by >= 64 is undefined in C and empties the window */
		s->window = udelta < SEQ_WINDOW ? (s->window << udelta) | 1 : 1;
		s->received++;
		*ext_seq = s->cycles + seq;
		return MR_SEQ_VALID;
	}

	if (udelta != 0 && udelta <= MR_SEQ_MOD - MR_SEQ_MAX_MISORDER) {
		/* very large jump (or very late): A.1 waits for seq + 1 */
		if (seq == s->bad_seq) {
			seq_restart_at(s, seq);
			s->restarts++;
			*ext_seq = seq;
			return MR_SEQ_RESTART;
		}
		s->bad_seq = (seq + 1) & (MR_SEQ_MOD - 1);
		*ext_seq = s->cycles + seq;
		return MR_SEQ_BAD;
	}

	/*
	 * At most MAX_MISORDER - 1 behind the highest (or equal to it).
	 * Counting back from the extended max puts a packet whose 16-bit
	 * seq is above max_seq in the previous cycle: cycles - 2^16 + seq.
	 */
	{
		uint32_t back = (uint16_t)(s->max_seq - seq);

		*ext_seq = mr_seq_ext_max(s) - back;
		if (back < SEQ_WINDOW) {
			uint64_t bit = (uint64_t)1 << back;

			if (s->window & bit) {
				s->duplicates++;
				return MR_SEQ_DUPLICATE;
			}
			s->window |= bit;
		}
		/* older than the window: A.1 counts it, so do we */
		s->received++;
		s->late++;
		return MR_SEQ_LATE;
	}
}

uint8_t
mr_seq_fraction_lost(struct mr_seq *s)
{
	uint32_t expected = mr_seq_expected(s);
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	int64_t lost_interval;
	uint64_t fraction;

	s->expected_prior = expected;
	s->received_prior = s->received;
	lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
	if (expected_interval == 0 || lost_interval <= 0)
		return 0;
	fraction = ((uint64_t)lost_interval << 8) / expected_interval;
	/* cannot reach 256 while a received packet moves the max; be safe */
	return fraction > UINT8_MAX ? UINT8_MAX : (uint8_t)fraction;
}

void
mr_jitter_update(struct mr_jitter *j, uint32_t arrival, uint32_t rtp_ts)
{
	/* unsigned arithmetic: the timestamp and clock may both wrap */
	uint32_t transit = arrival - rtp_ts;
	uint32_t d = transit - j->transit;
	uint64_t next;

	j->transit = transit;
	if (!j->started) {
		/* no previous transit to compare with */
		j->started = 1;
		return;
	}
	if ((int32_t)d < 0)
		d = -d; /* unsigned negation: |INT32_MIN| fits too */
	/* A.8 integer form: J += |D| - J/16, J kept scaled by 16, rounded */
	next = (uint64_t)j->jitter_q4 + d - (((uint64_t)j->jitter_q4 + 8) >> 4);
	j->jitter_q4 = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
}
