/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_TC_PRIVATE_H
#define MR_TC_PRIVATE_H

/*
 * Internal to lib/transcode: the transcoder and channel structures shared
 * by mr_transcode.c (rings, control, poll) and mr_tc_channel.c (codecs).
 */

#include <stdbool.h>
#include <stdint.h>

#include <opus/opus.h>
#include <rte_ring.h>

#include "mr_metrics.h"
#include "mr_transcode.h"

/** Longest decoded frame per channel: 120 ms at 48 kHz. */
#define MR_TC_PCM_MAX 5760
/** Longest output frame per channel: 60 ms at 48 kHz. */
#define MR_TC_OUT_MAX 2880
/** Control requests in flight per controller at most (ring of 1024 holds 1023). */
#define MR_TC_CTL_MSGS 1023

enum mr_tc_op {
	MR_TC_OP_CREATE,
	MR_TC_OP_UPDATE,
	MR_TC_OP_DESTROY,
};

struct mr_tc_msg {
	uint32_t op;
	uint32_t channel_id;
	uint16_t ctl;             /* the controller that posted it: its ack goes back there */
	struct mr_tc_profile prof;
};

/*
 * One control thread's share of a transcoder: its request and ack rings
 * (SP/SC each), its messages, and a range of channel slots only it
 * creates, updates and destroys. Workers each have one, so a worker opens
 * the channel of a stream it creates without a hop through the main lcore.
 */
struct mr_tc_ctl {
	struct rte_ring *ctl_ring; /* SP/SC: requests from the controller */
	struct rte_ring *ack_ring; /* SP/SC: requests done, back to it */
	struct mr_tc_msg *msgs;
	struct mr_tc_msg **msg_free;
	uint32_t n_msg_free;
	uint32_t first_slot;       /* its slots: [first_slot, first_slot + n_slots) */
	uint32_t n_slots;
} __rte_cache_aligned;

/* One transcoded stream direction. Written only by the transcoder lcore. */
struct mr_tc_channel {
	uint32_t id;              /* live handle; 0 when free (generations start at 1) */
	uint32_t state;           /* enum mr_tc_state, relaxed stores for readers */
	struct mr_tc_profile prof;
	/* derived from the profile by mr_tc_channel_reset() */
	uint32_t dec_rate, enc_rate;   /* PCM rates around the codecs */
	uint32_t in_clock, out_clock;  /* RTP clocks */
	uint32_t dec_channels, enc_channels;
	uint32_t enc_frame;       /* samples per channel of one output frame */
	int resample;             /* 0, +1 up 8->48 kHz, -1 down 48->8 kHz */
	/* input format last seen (Opus TOC), -1 unknown */
	int in_stereo, in_bw;
	uint32_t last_frame;      /* samples per channel (dec_rate) of the last frame */
	uint32_t last_in_ts;      /* RTP timestamp of the last frame played */
	uint32_t last_in_dur;     /* its duration in the input clock */
	bool have_in_ts;
	/* reorder window: frames with seq in [next_seq, next_seq + window) */
	bool seq_started;
	uint32_t next_seq;
	uint32_t window;
	uint32_t n_held;
	struct rte_mbuf *held[MR_TC_REORDER_MAX];
	int32_t wait_idx;         /* index in tc->waiting, -1 when not there */
	uint64_t hold_deadline;   /* TSC when held frames are played regardless */
	/* output stream */
	uint32_t out_ssrc, out_seq, out_ts;
	uint32_t ts_skip;         /* input DTX gap to add at the next frame boundary */
	bool marker;
	uint64_t enq_tsc;         /* of the input frame being played */
	/* codec memory, sized for stereo at creation */
	OpusDecoder *dec;
	OpusEncoder *enc;
	uint32_t acc_len;         /* samples per channel in acc */
	float acc[MR_TC_OUT_MAX * 2];
	struct mr_resampler rs;
} __rte_cache_aligned;

struct mr_transcoder {
	struct rte_ring *in_ring;  /* MP/SC: frames from workers */
	struct rte_mempool *out_pool;
	mr_tc_emit_fn emit;
	mr_tc_closed_fn closed;
	void *emit_ctx;
	uint32_t max_channels;
	uint32_t burst;
	uint64_t busy_window_tsc;
	struct mr_tc_channel **ch;
	uint32_t *waiting;         /* slots with frames held behind a gap */
	uint32_t n_waiting;
	uint64_t now;              /* TSC of the current poll */
	uint64_t tsc_per_ms;
	struct mr_tc_stats st;     /* written by the transcoder lcore (ring_full: atomics) */
	/* scratch of the transcoder lcore */
	float pcm[MR_TC_PCM_MAX * 2];
	float tmp[MR_TC_PCM_MAX];
	/* each slot's entries written by the controller owning the slot only */
	uint16_t *ctl_gen;
	uint8_t *ctl_live;         /* 0 free, 1 live, 2 destroy posted */
	uint16_t n_ctl;
	struct mr_tc_ctl *ctl;     /* [n_ctl] */
	int socket_id;
};

/* relaxed single-writer add to a transcoder counter */
static inline void
mr_tc_count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* move a channel to another state and keep the per-state counts */
void mr_tc_set_state(struct mr_transcoder *tc, struct mr_tc_channel *ch,
		     enum mr_tc_state s);

/*
 * The one reset of a channel's codec state. Derives the rates and sizes
 * from ch->prof and reinitialises what depends on the reason: the decoder
 * always; for CREATE and PROFILE also the encoder, the accumulator and the
 * resampler (CREATE also draws the output SSRC, sequence and timestamp).
 * Buffers are the ones allocated at creation; nothing is resized.
 * Returns 0 or -EINVAL (libopus refused the parameters).
 */
int mr_tc_channel_reset(struct mr_transcoder *tc, struct mr_tc_channel *ch,
			enum mr_tc_reset_reason why);

/* Input one frame (consumes m). */
void mr_tc_channel_input(struct mr_transcoder *tc, struct mr_tc_channel *ch,
			 struct rte_mbuf *m);

/* Play out the held frames in order, without concealment (before a profile change). */
void mr_tc_channel_flush(struct mr_transcoder *tc, struct mr_tc_channel *ch);

/* Keep tc->waiting in step with ch->n_held (after any change of it). */
void mr_tc_channel_track_wait(struct mr_transcoder *tc, struct mr_tc_channel *ch);

/* Release held frames whose hold deadline passed (poll loop). */
void mr_tc_expire_waiting(struct mr_transcoder *tc);

/* Free the held frames, counting them with @p reason (destroy, shutdown). */
void mr_tc_channel_drop_held(struct mr_tc_channel *ch, mr_drop_reason_t reason);

#endif /* MR_TC_PRIVATE_H */
