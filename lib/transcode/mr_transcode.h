/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_TRANSCODE_H
#define MR_TRANSCODE_H

/**
 * @file
 * Transcoding of RTP voice streams on dedicated transcoder lcores.
 *
 * A transcoder (struct mr_transcoder) belongs to one lcore. It owns:
 * - one input rte_ring of mbufs (multi-producer: workers call
 *   mr_transcoder_enqueue(); single consumer: the transcoder lcore);
 * - a control ring (main lcore -> transcoder) carrying channel create,
 *   update and destroy requests, and an acknowledgement ring back;
 * - a channel table preallocated at creation: every channel slot holds
 *   Opus decoder and encoder memory sized for stereo, PCM and resampler
 *   buffers sized for 120 ms at 48 kHz stereo, and a reorder window.
 *   Nothing is allocated or resized after mr_transcoder_create().
 *
 * A channel is one transcoded stream direction. Its handle (channel id)
 * is (generation << MR_TC_GEN_SHIFT) | slot: a frame queued for a
 * channel that was destroyed (or destroyed and re-created) carries a
 * stale generation and is dropped (MR_DROP_TRANSCODE_STALE), so no frame ever
 * touches the state of another channel. Channel state is written only by
 * the transcoder lcore; the main lcore only posts requests.
 *
 * Each input mbuf carries its channel id, 32-bit extended sequence number
 * and enqueue TSC in a registered mbuf dynamic field (struct
 * mr_tc_mbuf_meta, see mr_tc_meta()); the data of the mbuf starts at the
 * RTP header. Output mbufs (RTP header + payload, from the mempool given
 * at creation) are handed to the emit callback with the same field set.
 *
 * Threads: mr_transcoder_enqueue() from any lcore; mr_transcoder_poll()
 * from the transcoder lcore only. The channel slots are shared out among
 * mr_transcoder_params::controllers control threads (the relay gives one
 * to each worker, which opens and closes the channels of the streams it
 * owns): controller k creates channels with
 * mr_transcoder_channel_create_on(tc, k, ...), updates and destroys only
 * those, and collects its acknowledgements with
 * mr_transcoder_ctl_poll_on(tc, k); each controller from one thread at a
 * time. The functions without _on are controller 0's.
 * mr_transcoder_free() once nothing else runs; mr_transcoder_stats() from
 * anywhere.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "mr_transcode_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Codecs a channel decodes or encodes. */
enum mr_tc_codec {
	MR_TC_CODEC_OPUS = 0, /**< Opus, RTP clock 48000 (RFC 7587) */
	MR_TC_CODEC_PCMU,     /**< G.711 mu-law, RTP clock 8000 */
	MR_TC_CODEC_PCMA,     /**< G.711 A-law, RTP clock 8000 */
	MR_TC_CODEC__MAX
};

/** Largest reorder window a profile may ask for, in frames. */
#define MR_TC_REORDER_MAX 8
/** Default reorder window (frames) when a profile says 0. */
#define MR_TC_REORDER_DEFAULT 3
/** Largest RTP payload the encoder writes (fits a 1500-byte MTU). */
#define MR_TC_MAX_PAYLOAD 1200
/** Longest input frame accepted: 120 ms (Opus maximum). */
#define MR_TC_MAX_FRAME_MS 120
/**
 * A gap of more frames than this (beyond the reorder window) is a
 * resync: the held frames are played out and no PLC is generated for the
 * gap (the sender was silent or restarted; concealing seconds is wrong).
 */
#define MR_TC_MAX_CONCEAL 5
/** Bits of the channel id that select the slot. */
#define MR_TC_GEN_SHIFT 16
/** Largest channel table (slots). */
#define MR_TC_MAX_CHANNELS (1u << MR_TC_GEN_SHIFT)

/**
 * How one stream direction is transcoded. Validated by
 * mr_tc_profile_validate(); zero fields take the defaults named below.
 */
struct mr_tc_profile {
	enum mr_tc_codec in_codec;  /**< codec of the input */
	uint8_t in_pt;              /**< input payload type (0..127); others dropped */
	enum mr_tc_codec out_codec; /**< codec of the output */
	uint8_t out_pt;             /**< output payload type (0..127) */
	uint8_t out_channels;       /**< 1 or 2 (Opus output); G.711 is 1 */
	uint8_t ptime_ms;           /**< output ptime: 10, 20, 40, 60 (0: 20) */
	uint8_t complexity;         /**< Opus encoder complexity 0..10 */
	bool fec;                   /**< Opus in-band FEC on the output */
	bool dtx;                   /**< Opus DTX on the output */
	uint8_t loss_perc;          /**< expected loss % told to the encoder (0..100) */
	uint8_t reorder;            /**< reorder window in frames, 1..MR_TC_REORDER_MAX (0: 3) */
	uint32_t bitrate;           /**< Opus output bitrate, 6000..510000 b/s (0: 32000) */
	/**
	 * PCM rate between decoder and encoder: 8000, 12000, 16000, 24000 or
	 * 48000 (0: 48000). Opus input is decoded at this rate and Opus output
	 * encoded at it. When one side is G.711 it must be 8000 (libopus
	 * decodes/encodes at 8 kHz directly) or 48000 (the in-tree 8 <-> 48 kHz
	 * resampler bridges the G.711 side).
	 */
	uint32_t rate;
	/** Conceal losses with PLC even when the next packet has FEC (measurement). */
	bool plc_only;
	/** Output SSRC; 0: a random one is drawn at channel creation. */
	uint32_t out_ssrc;
};

/** Channel states; see docs/transcoding.md for the diagram. */
enum mr_tc_state {
	MR_TC_STATE_FREE = 0, /**< slot unused: no codec state */
	MR_TC_STATE_READY,    /**< created or reset by profile: waiting for a first frame */
	MR_TC_STATE_RUNNING,  /**< frames flowing */
	MR_TC_STATE__MAX
};

/** Why a channel's codec state was reset (mr_tc_channel_reset()). */
enum mr_tc_reset_reason {
	MR_TC_RESET_CREATE = 0,  /**< channel created */
	MR_TC_RESET_PROFILE,     /**< profile changed by the control plane */
	MR_TC_RESET_IN_CHANNELS, /**< input switched mono <-> stereo (Opus TOC) */
	MR_TC_RESET_IN_BANDWIDTH,/**< input audio bandwidth changed (Opus TOC) */
	MR_TC_RESET__MAX
};

/** Per-mbuf metadata, carried in a registered mbuf dynamic field. */
struct mr_tc_mbuf_meta {
	uint32_t channel_id; /**< channel handle */
	uint32_t ext_seq;    /**< input: 32-bit extended seq; output: 32-bit output seq */
	uint64_t enq_tsc;    /**< TSC at enqueue (output: that of the input frame that completed it) */
};

/** Offset of the dynamic field, set by mr_transcoder_create(); -1 before. */
extern int mr_tc_meta_offset;

/** The transcode metadata of an mbuf (valid once a transcoder exists). */
static inline struct mr_tc_mbuf_meta *
mr_tc_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, mr_tc_meta_offset, struct mr_tc_mbuf_meta *);
}

/**
 * Called for every output packet. Takes ownership of @p m (it must send
 * or free it). The mbuf's data is the RTP header (12 bytes, no CSRC or
 * extension) followed by the payload; there is RTE_PKTMBUF_HEADROOM in
 * front for the L2-L4 headers.
 */
typedef void (*mr_tc_emit_fn)(void *ctx, uint32_t channel_id, struct rte_mbuf *m);

/**
 * Called on the transcoder lcore when channel @p channel_id is destroyed,
 * after its last output was emitted: what the emit side keeps per channel
 * (the relay's SRTP contexts) is released there, by the lcore owning it.
 */
typedef void (*mr_tc_closed_fn)(void *ctx, uint32_t channel_id);

/** Parameters of mr_transcoder_create(). */
struct mr_transcoder_params {
	const char *name;          /**< unique, used to name rings (<= 20 chars) */
	int socket_id;             /**< NUMA socket of rings and tables */
	uint32_t ring_size;        /**< input ring entries, power of two >= 64 */
	uint32_t max_channels;     /**< channel slots, 1..MR_TC_MAX_CHANNELS */
	uint32_t burst;            /**< mbufs per dequeue, 1..64 (0: 32) */
	struct rte_mempool *out_pool; /**< output mbufs; data room >= 12 + MR_TC_MAX_PAYLOAD */
	mr_tc_emit_fn emit;        /**< output callback */
	void *emit_ctx;            /**< its first argument */
	mr_tc_closed_fn closed;    /**< channel destroyed (NULL: not told); emit_ctx */
	/**
	 * Control threads, 0..MR_TC_MAX_CONTROLLERS (0: 1); each gets
	 * max_channels / controllers slots (the last one the rest).
	 */
	uint16_t controllers;
};

/** Most controllers of one transcoder. */
#define MR_TC_MAX_CONTROLLERS 128

/** Counters of one transcoder; written by its lcore (ring_full: by workers). */
struct mr_tc_stats {
	uint64_t frames_in;      /**< input frames dequeued */
	uint64_t frames_decoded; /**< input frames decoded (not late, not stale) */
	uint64_t frames_out;     /**< output packets emitted */
	uint64_t concealed;      /**< frames made up by PLC */
	uint64_t fec_recovered;  /**< frames recovered from in-band FEC */
	uint64_t late;           /**< behind the window or duplicate: dropped */
	uint64_t stale;          /**< for a destroyed channel: dropped */
	uint64_t bad_pt;         /**< unexpected payload type: dropped */
	uint64_t bad_rtp;        /**< not a valid RTP packet: dropped */
	uint64_t ring_full;      /**< enqueue found the ring full: dropped */
	uint64_t decode_errors;  /**< payload the decoder refused (concealed instead) */
	uint64_t encode_errors;  /**< encoder failures (no output for that frame) */
	uint64_t dtx_frames;     /**< output frames not sent because of DTX */
	uint64_t resyncs;        /**< gaps too large to conceal */
	uint64_t no_mbuf;        /**< output frames lost: out_pool empty */
	uint64_t resets[MR_TC_RESET__MAX]; /**< codec resets by reason */
	uint64_t creates;        /**< channels created */
	uint64_t destroys;       /**< channels destroyed */
	uint64_t channels[MR_TC_STATE__MAX]; /**< channels in each state now */
	uint64_t ctl_msgs;       /**< control requests applied */
	uint64_t decode_cycles;  /**< TSC cycles in the decoder (and resampler) */
	uint64_t decode_max;     /**< longest single decode */
	uint64_t encode_cycles;  /**< TSC cycles in the encoder */
	uint64_t encode_max;     /**< longest single encode */
	uint64_t busy_cycles;    /**< poll iterations that found work */
	uint64_t idle_cycles;    /**< poll iterations that found none */
	uint64_t ring_max;       /**< largest ring occupancy seen at a dequeue */
};

struct mr_transcoder;

/**
 * Check a profile and fill in its defaults.
 *
 * @param p
 *   The profile; zero fields are replaced by their defaults.
 * @return
 *   0, or -EINVAL (a field out of range, or a codec/rate combination that
 *   is not supported: G.711 on either side with rate not 8000/48000).
 */
int mr_tc_profile_validate(struct mr_tc_profile *p);

/**
 * Create a transcoder: rings, dynamic field, channel table with all codec
 * memory. Main lcore, before the transcoder lcore is launched.
 *
 * @return
 *   The transcoder, or NULL with rte_errno set: EINVAL (params), ENOMEM,
 *   EEXIST (a ring of that name exists).
 */
struct mr_transcoder *mr_transcoder_create(const struct mr_transcoder_params *prm);

/**
 * Free a transcoder. Only once its lcore stopped polling. Every mbuf
 * still queued or held in a reorder window is freed (counted
 * MR_DROP_SHUTDOWN on the caller's lcore). NULL is a no-op.
 */
void mr_transcoder_free(struct mr_transcoder *tc);

/**
 * Hand a frame to the transcoder. Any lcore; never blocks.
 * Consumes @p m: enqueued, or freed and counted (MR_DROP_TRANSCODE_RING_FULL
 * on the calling lcore's counters and the transcoder's ring_full).
 *
 * @param m
 *   Single-segment mbuf whose data starts at the RTP header.
 * @param channel_id
 *   Handle from mr_transcoder_channel_create().
 * @param ext_seq
 *   32-bit extended sequence number of the packet (lib/rtp's tracker).
 * @param now
 *   rte_rdtsc() of the caller, kept for latency measurement.
 * @return
 *   0, or -ENOBUFS when the ring was full (m freed).
 */
int mr_transcoder_enqueue(struct mr_transcoder *tc, struct rte_mbuf *m,
			  uint32_t channel_id, uint32_t ext_seq, uint64_t now);

/**
 * One iteration of the transcoder lcore: apply pending control requests,
 * dequeue a burst, put frames in order, decode, resample, repacketize,
 * encode, and emit. Consumes every mbuf it dequeues.
 *
 * @param now
 *   rte_rdtsc() at the start of the iteration.
 * @return
 *   Number of input mbufs processed (0: idle).
 */
unsigned int mr_transcoder_poll(struct mr_transcoder *tc, uint64_t now);

/**
 * Ask for a new channel. Control thread only. The slot is taken at once;
 * the transcoder lcore initialises it on its next poll, before any frame
 * dequeued after that poll (frames for it enqueued earlier are dropped as
 * stale only if they carry another handle).
 *
 * @param p
 *   Profile; validated here (defaults filled in a copy).
 * @param channel_id
 *   Set to the handle.
 * @return
 *   0, -EINVAL (profile), -ENOSPC (no free slot or control ring full).
 */
int mr_transcoder_channel_create(struct mr_transcoder *tc,
				 const struct mr_tc_profile *p, uint32_t *channel_id);

/**
 * mr_transcoder_channel_create() for controller @p ctl, in its share of
 * the slots. From that controller's thread only.
 *
 * @return
 *   As mr_transcoder_channel_create(); -EINVAL also for a bad @p ctl.
 */
int mr_transcoder_channel_create_on(struct mr_transcoder *tc, uint16_t ctl,
				    const struct mr_tc_profile *p, uint32_t *channel_id);

/**
 * Change a channel's profile: the transcoder resets its codec state
 * (MR_TC_RESET_PROFILE) and keeps its output SSRC, sequence and timestamps.
 *
 * @return
 *   0, -EINVAL (profile), -ENOENT (no such live channel), -ENOSPC (control ring full).
 */
int mr_transcoder_channel_update(struct mr_transcoder *tc, uint32_t channel_id,
				 const struct mr_tc_profile *p);

/**
 * Destroy a channel. The handle is dead at once for the caller; the
 * transcoder lcore releases the slot (and frees the frames held in its
 * reorder window) on its next poll, and acknowledges; the slot is reused
 * only after mr_transcoder_ctl_poll() has seen that acknowledgement.
 * Frames still queued for the handle are dropped as stale.
 *
 * @return
 *   0, -ENOENT (not live: destroying twice fails here), -ENOSPC.
 */
int mr_transcoder_channel_destroy(struct mr_transcoder *tc, uint32_t channel_id);

/**
 * Collect acknowledgements from the transcoder lcore (control thread).
 *
 * @return
 *   Number of requests acknowledged by this call.
 */
unsigned int mr_transcoder_ctl_poll(struct mr_transcoder *tc);

/** mr_transcoder_ctl_poll() for controller @p ctl (from its thread). */
unsigned int mr_transcoder_ctl_poll_on(struct mr_transcoder *tc, uint16_t ctl);

/** Requests controller 0 posted and not yet acknowledged. */
unsigned int mr_transcoder_ctl_pending(const struct mr_transcoder *tc);

/**
 * State of a channel as last written by the transcoder lcore.
 *
 * @return
 *   The state, MR_TC_STATE_FREE for a stale or unknown handle.
 */
enum mr_tc_state mr_transcoder_channel_state(const struct mr_transcoder *tc,
					     uint32_t channel_id);

/** Snapshot of the counters (relaxed loads; each value exact). */
void mr_transcoder_stats(const struct mr_transcoder *tc, struct mr_tc_stats *st);

/** Entries in the input ring now. */
unsigned int mr_transcoder_ring_count(const struct mr_transcoder *tc);

/** Name of a codec ("opus", "pcmu", "pcma"), or "invalid". */
const char *mr_tc_codec_name(enum mr_tc_codec c);

/** Name of a state ("free", "ready", "running"), or "invalid". */
const char *mr_tc_state_name(enum mr_tc_state s);

/** Name of a reset reason, or "invalid". */
const char *mr_tc_reset_name(enum mr_tc_reset_reason r);

/* ---- G.711 (ITU-T G.711), in-tree ---- */

/** Encode one 16-bit linear sample to mu-law. */
uint8_t mr_g711_ulaw_encode(int16_t s);
/** Decode one mu-law byte to 16-bit linear (range -32124..32124). */
int16_t mr_g711_ulaw_decode(uint8_t u);
/** Encode one 16-bit linear sample to A-law. */
uint8_t mr_g711_alaw_encode(int16_t s);
/** Decode one A-law byte to 16-bit linear (range -32256..32256). */
int16_t mr_g711_alaw_decode(uint8_t a);

/* ---- 8 kHz <-> 48 kHz resampler, in-tree ---- */

/** Ratio of the resampler. */
#define MR_RS_RATIO 6
/** Taps of the prototype low-pass (at 48 kHz): MR_RS_RATIO * MR_RS_PHASE_TAPS. */
#define MR_RS_PHASE_TAPS 48
/** Prototype filter length. */
#define MR_RS_TAPS (MR_RS_RATIO * MR_RS_PHASE_TAPS)
/** Longest input block: 120 ms at 48 kHz. */
#define MR_RS_MAX_IN 5760

/**
 * Polyphase windowed-sinc FIR (Kaiser, beta 7.0, 288 taps at 48 kHz,
 * cutoff 3.8 kHz): passband 0..3.4 kHz flat within 0.1 dB, stopband from
 * 4.2 kHz attenuated >= 60 dB (so aliases and images of content above
 * 4.2 kHz are below -60 dB). Mono. One state per direction and stream.
 */
struct mr_resampler {
	const float *h;      /**< prototype (shared, read-only) */
	uint32_t hist_len;   /**< history samples kept (input rate) */
	float buf[MR_RS_TAPS + MR_RS_MAX_IN]; /**< history then current block */
};

/** The shared prototype filter (computed once, thread-safe after first call from one thread). */
const float *mr_resampler_filter(void);

/** Reset a resampler to silence. @p up: 8 -> 48 kHz, else 48 -> 8 kHz. */
void mr_resampler_init(struct mr_resampler *rs, bool up);

/**
 * Upsample @p n samples at 8 kHz (n <= MR_RS_MAX_IN / 6) into 6n samples at 48 kHz.
 * @return 6n.
 */
uint32_t mr_resample_up(struct mr_resampler *rs, const float *in, uint32_t n, float *out);

/**
 * Downsample @p n samples at 48 kHz (n <= MR_RS_MAX_IN, multiple of 6) to n/6 at 8 kHz.
 * @return n / 6.
 */
uint32_t mr_resample_down(struct mr_resampler *rs, const float *in, uint32_t n, float *out);

/**
 * Whether an Opus packet carries in-band FEC (LBRR) data for the frame
 * before it (RFC 6716 section 4.2.3: the LBRR flag after the VAD flags
 * of the first SILK frame; CELT-only packets have none).
 *
 * @return 1, 0, or a negative libopus error for a malformed packet.
 */
int mr_tc_opus_has_fec(const uint8_t *pkt, int32_t len);

#ifdef __cplusplus
}
#endif

#endif /* MR_TRANSCODE_H */
