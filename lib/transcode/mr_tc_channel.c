/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * One channel: reorder window, loss concealment, decode, resample,
 * repacketize, encode, RTP output. Runs on the transcoder lcore only.
 */

#include <errno.h>
#include <string.h>

#include <opus/opus.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "mr_hist.h"
#include "mr_metrics.h"
#include "mr_rtp.h"
#include "mr_tc_private.h"

int
mr_tc_opus_has_fec(const uint8_t *pkt, int32_t len)
{
	const unsigned char *frames[48];
	opus_int16 size[48];
	int nf, spf, silk;
	uint8_t b;
	int lbrr;

	if (pkt == NULL || len < 1)
		return OPUS_BAD_ARG;
	/* configs 16..31 are CELT-only: no SILK layer, no LBRR */
	if ((pkt[0] >> 3) >= 16)
		return 0;
	nf = opus_packet_parse(pkt, len, NULL, frames, size, NULL);
	if (nf < 0)
		return nf;
	if (nf == 0 || size[0] == 0)
		return 0;
	/* SILK frames (20 ms) per Opus frame: 10/20 ms -> 1, 40 -> 2, 60 -> 3 */
	spf = opus_packet_get_samples_per_frame(pkt, 48000);
	silk = spf > 960 ? spf / 960 : 1;
	/*
	 * The range coder's first symbols are coded with probability 1/2, so
	 * they are the first bits of the frame: the mid channel's VAD flags,
	 * its LBRR flag, then the same for the side channel when stereo.
	 */
	b = frames[0][0];
	lbrr = (b >> (7 - silk)) & 1;
	if (pkt[0] & 0x4)
		lbrr |= (b >> (6 - 2 * silk)) & 1;
	return lbrr;
}

static int
encoder_setup(struct mr_tc_channel *ch)
{
	const struct mr_tc_profile *p = &ch->prof;
	OpusEncoder *e = ch->enc;

	if (opus_encoder_init(e, (opus_int32)ch->enc_rate, (int)ch->enc_channels,
			      OPUS_APPLICATION_VOIP) != OPUS_OK)
		return -EINVAL;
	if (opus_encoder_ctl(e, OPUS_SET_BITRATE((opus_int32)p->bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e, OPUS_SET_COMPLEXITY((opus_int32)p->complexity)) != OPUS_OK ||
	    opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(p->fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC((opus_int32)p->loss_perc)) != OPUS_OK ||
	    opus_encoder_ctl(e, OPUS_SET_DTX(p->dtx ? 1 : 0)) != OPUS_OK)
		return -EINVAL;
	return 0;
}

int
mr_tc_channel_reset(struct mr_transcoder *tc, struct mr_tc_channel *ch,
		    enum mr_tc_reset_reason why)
{
	const struct mr_tc_profile *p = &ch->prof;
	bool in_opus = p->in_codec == MR_TC_CODEC_OPUS;
	bool out_opus = p->out_codec == MR_TC_CODEC_OPUS;
	bool full = why == MR_TC_RESET_CREATE || why == MR_TC_RESET_PROFILE;

	mr_tc_count(&tc->st.resets[why], 1);
	if (full) {
		/* a partial output frame is lost: keep the timeline continuous */
		if (why == MR_TC_RESET_PROFILE && ch->acc_len > 0 && ch->enc_rate != 0)
			ch->out_ts += (uint32_t)((uint64_t)ch->acc_len * ch->out_clock /
						 ch->enc_rate);
		ch->dec_rate = in_opus ? p->rate : 8000;
		ch->enc_rate = out_opus ? p->rate : 8000;
		ch->in_clock = in_opus ? 48000 : 8000;
		ch->out_clock = out_opus ? 48000 : 8000;
		ch->enc_channels = out_opus ? p->out_channels : 1;
		ch->dec_channels = (in_opus && out_opus) ? ch->enc_channels : 1;
		ch->enc_frame = ch->enc_rate / 1000 * p->ptime_ms;
		ch->resample = ch->dec_rate == ch->enc_rate ? 0 :
			       ch->dec_rate < ch->enc_rate ? 1 : -1;
		ch->window = p->reorder;
		ch->acc_len = 0;
		ch->last_frame = ch->dec_rate / 50;
		if (ch->resample != 0)
			mr_resampler_init(&ch->rs, ch->resample > 0);
		if (out_opus && encoder_setup(ch) < 0)
			return -EINVAL;
		ch->marker = true;
	}
	if (why == MR_TC_RESET_CREATE) {
		ch->out_ssrc = p->out_ssrc != 0 ? p->out_ssrc : (uint32_t)rte_rand();
		/* RFC 3550: random start; below 2^15 so 16-bit wrap is far */
		ch->out_seq = (uint32_t)(rte_rand() & 0x7fff);
		ch->out_ts = (uint32_t)rte_rand();
		ch->ts_skip = 0;
		ch->seq_started = false;
		ch->have_in_ts = false;
		ch->n_held = 0;
		memset(ch->held, 0, sizeof(ch->held));
		ch->in_stereo = -1;
		ch->in_bw = -1;
	}
	if (in_opus && opus_decoder_init(ch->dec, (opus_int32)ch->dec_rate,
					 (int)ch->dec_channels) != OPUS_OK)
		return -EINVAL;
	return 0;
}

/* Encode the full accumulator into one RTP packet and emit it. */
static void
emit_frame(struct mr_transcoder *tc, struct mr_tc_channel *ch)
{
	struct rte_mbuf *m;
	struct mr_tc_mbuf_meta *meta;
	uint8_t *d;
	int32_t len;
	uint64_t t0;
	uint32_t i;

	ch->acc_len = 0;
	ch->out_ts += ch->ts_skip;
	ch->ts_skip = 0;
	m = rte_pktmbuf_alloc(tc->out_pool);
	if (unlikely(m == NULL)) {
		mr_tc_count(&tc->st.no_mbuf, 1);
		mr_drop_count(mr_counters_self(), MR_DROP_MBUF_EXHAUSTED, 1);
		ch->out_ts += ch->prof.ptime_ms * (ch->out_clock / 1000);
		return;
	}
	d = rte_pktmbuf_mtod(m, uint8_t *);
	t0 = rte_rdtsc();
	if (ch->prof.out_codec == MR_TC_CODEC_OPUS) {
		len = opus_encode_float(ch->enc, ch->acc, (int)ch->enc_frame,
					d + MR_RTP_HDR_LEN, MR_TC_MAX_PAYLOAD);
	} else {
		bool ulaw = ch->prof.out_codec == MR_TC_CODEC_PCMU;

		for (i = 0; i < ch->enc_frame; i++) {
			float f = ch->acc[i] * 32768.0f;
			int16_t s = f >= 32767.0f ? 32767 : f <= -32768.0f ? -32768 :
				    (int16_t)(f < 0 ? f - 0.5f : f + 0.5f);

			d[MR_RTP_HDR_LEN + i] = ulaw ? mr_g711_ulaw_encode(s) :
						       mr_g711_alaw_encode(s);
		}
		len = (int32_t)ch->enc_frame;
	}
	t0 = rte_rdtsc() - t0;
	mr_tc_count(&tc->st.encode_cycles, t0);
	if (t0 > tc->st.encode_max)
		__atomic_store_n(&tc->st.encode_max, t0, __ATOMIC_RELAXED);
	if (unlikely(len < 0)) {
		mr_tc_count(&tc->st.encode_errors, 1);
		rte_pktmbuf_free(m);
		ch->out_ts += ch->prof.ptime_ms * (ch->out_clock / 1000);
		return;
	}
	if (ch->prof.dtx && len <= 2) {
		/* DTX: the encoder says nothing worth sending; time moves on */
		mr_tc_count(&tc->st.dtx_frames, 1);
		rte_pktmbuf_free(m);
		ch->out_ts += ch->prof.ptime_ms * (ch->out_clock / 1000);
		ch->marker = true;
		return;
	}
	d[0] = 0x80;
	d[1] = (uint8_t)((ch->marker ? 0x80 : 0) | ch->prof.out_pt);
	*(rte_be16_t *)(d + 2) = rte_cpu_to_be_16((uint16_t)ch->out_seq);
	*(rte_be32_t *)(d + 4) = rte_cpu_to_be_32(ch->out_ts);
	*(rte_be32_t *)(d + 8) = rte_cpu_to_be_32(ch->out_ssrc);
	m->data_len = (uint16_t)(MR_RTP_HDR_LEN + len);
	m->pkt_len = m->data_len;
	meta = mr_tc_meta(m);
	meta->channel_id = ch->id;
	meta->ext_seq = ch->out_seq;
	meta->enq_tsc = ch->enq_tsc;
	ch->marker = false;
	ch->out_seq++;
	ch->out_ts += ch->prof.ptime_ms * (ch->out_clock / 1000);
	mr_tc_count(&tc->st.frames_out, 1);
	tc->emit(tc->emit_ctx, ch->id, m);
}

/*
 * Take decoded PCM (rate dec_rate, dec_channels interleaved), bring it to
 * the encoder's rate and channel count, and cut it into output frames.
 */
static void
feed(struct mr_transcoder *tc, struct mr_tc_channel *ch, const float *pcm, uint32_t n)
{
	uint32_t in_ch = ch->dec_channels, out_ch = ch->enc_channels;
	uint32_t take, i;

	if (ch->resample > 0) {
		uint64_t t0 = rte_rdtsc();

		n = mr_resample_up(&ch->rs, pcm, n, tc->pcm + MR_TC_PCM_MAX);
		pcm = tc->pcm + MR_TC_PCM_MAX;
		mr_tc_count(&tc->st.decode_cycles, rte_rdtsc() - t0);
	} else if (ch->resample < 0) {
		uint64_t t0 = rte_rdtsc();

		n = mr_resample_down(&ch->rs, pcm, n, tc->tmp);
		pcm = tc->tmp;
		mr_tc_count(&tc->st.decode_cycles, rte_rdtsc() - t0);
	}
	while (n > 0) {
		float *dst = ch->acc + ch->acc_len * out_ch;

		take = RTE_MIN(n, ch->enc_frame - ch->acc_len);
		if (in_ch == out_ch) {
			memcpy(dst, pcm, take * out_ch * sizeof(*pcm));
		} else if (out_ch == 2) {
			for (i = 0; i < take; i++)
				dst[2 * i] = dst[2 * i + 1] = pcm[i];
		} else {
			for (i = 0; i < take; i++)
				dst[i] = 0.5f * (pcm[2 * i] + pcm[2 * i + 1]);
		}
		pcm += take * in_ch;
		n -= take;
		ch->acc_len += take;
		if (ch->acc_len == ch->enc_frame)
			emit_frame(tc, ch);
	}
}

/* Payload of a held or dequeued frame (validated on input). */
static const uint8_t *
frame_payload(struct rte_mbuf *m, struct mr_rtp_info *ri)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	if (mr_rtp_parse(d, m->data_len, ri) != MR_DROP_NONE)
		return NULL;
	return d + ri->hdr_len;
}

/* Make up one lost frame: FEC from @p next when it carries some, else PLC. */
static void
conceal(struct mr_transcoder *tc, struct mr_tc_channel *ch, struct rte_mbuf *next)
{
	uint32_t n = ch->last_frame;
	uint64_t t0 = rte_rdtsc();
	int r = -1;

	if (ch->prof.in_codec == MR_TC_CODEC_OPUS) {
		struct mr_rtp_info ri;
		const uint8_t *pl = next != NULL ? frame_payload(next, &ri) : NULL;

		if (pl != NULL && ri.payload_len > 0 && !ch->prof.plc_only &&
		    mr_tc_opus_has_fec(pl, ri.payload_len) == 1) {
			r = opus_decode_float(ch->dec, pl, ri.payload_len, tc->pcm, (int)n, 1);
			if (r > 0)
				mr_tc_count(&tc->st.fec_recovered, 1);
		}
		if (r <= 0) {
			r = opus_decode_float(ch->dec, NULL, 0, tc->pcm, (int)n, 0);
			mr_tc_count(&tc->st.concealed, 1);
		}
		if (r <= 0) {
			memset(tc->pcm, 0, n * ch->dec_channels * sizeof(float));
			r = (int)n;
		}
	} else {
		/* G.711 carries no redundancy: fade the gap to silence */
		memset(tc->pcm, 0, n * sizeof(float));
		r = (int)n;
		mr_tc_count(&tc->st.concealed, 1);
	}
	mr_tc_count(&tc->st.decode_cycles, rte_rdtsc() - t0);
	ch->have_in_ts = false;
	feed(tc, ch, tc->pcm, (uint32_t)r);
}

/* Decode one in-order frame and free it. */
static void
play(struct mr_transcoder *tc, struct mr_tc_channel *ch, struct rte_mbuf *m)
{
	struct mr_rtp_info ri;
	const uint8_t *pl = frame_payload(m, &ri);
	uint64_t t0, dt;
	int r = -1;

	ch->enq_tsc = mr_tc_meta(m)->enq_tsc;
	if (pl == NULL) {
		rte_pktmbuf_free(m);
		conceal(tc, ch, NULL);
		return;
	}
	/* input DTX: time jumped without a sequence gap; carry it to the output */
	if (ch->have_in_ts) {
		uint32_t gap = ri.ts - (ch->last_in_ts + ch->last_in_dur);

		if (gap != 0 && gap < ch->in_clock * 10)
			ch->ts_skip += (uint32_t)((uint64_t)gap * ch->out_clock / ch->in_clock);
	}
	if (ch->prof.in_codec == MR_TC_CODEC_OPUS && ri.payload_len > 0) {
		int stereo = opus_packet_get_nb_channels(pl) == 2;
		int bw = opus_packet_get_bandwidth(pl);

		if (ch->in_stereo >= 0 && stereo != ch->in_stereo) {
			ch->in_stereo = stereo;
			ch->in_bw = bw;
			mr_tc_channel_reset(tc, ch, MR_TC_RESET_IN_CHANNELS);
		} else if (ch->in_bw >= 0 && bw != ch->in_bw) {
			ch->in_bw = bw;
			mr_tc_channel_reset(tc, ch, MR_TC_RESET_IN_BANDWIDTH);
		}
		ch->in_stereo = stereo;
		ch->in_bw = bw;
	}
	t0 = rte_rdtsc();
	if (ch->prof.in_codec == MR_TC_CODEC_OPUS) {
		r = opus_decode_float(ch->dec, pl, ri.payload_len, tc->pcm,
				      (int)(ch->dec_rate / 1000 * MR_TC_MAX_FRAME_MS), 0);
	} else if (ri.payload_len > 0 && ri.payload_len <= 8 * MR_TC_MAX_FRAME_MS) {
		bool ulaw = ch->prof.in_codec == MR_TC_CODEC_PCMU;
		uint32_t i;

		for (i = 0; i < ri.payload_len; i++)
			tc->pcm[i] = (float)(ulaw ? mr_g711_ulaw_decode(pl[i]) :
						    mr_g711_alaw_decode(pl[i])) * (1.0f / 32768.0f);
		r = ri.payload_len;
	}
	dt = rte_rdtsc() - t0;
	mr_tc_count(&tc->st.decode_cycles, dt);
	if (dt > tc->st.decode_max)
		__atomic_store_n(&tc->st.decode_max, dt, __ATOMIC_RELAXED);
	rte_pktmbuf_free(m);
	if (r <= 0) {
		mr_tc_count(&tc->st.decode_errors, 1);
		conceal(tc, ch, NULL);
		return;
	}
	mr_tc_count(&tc->st.frames_decoded, 1);
	ch->last_frame = (uint32_t)r;
	ch->last_in_ts = ri.ts;
	ch->last_in_dur = (uint32_t)((uint64_t)r * ch->in_clock / ch->dec_rate);
	ch->have_in_ts = true;
	feed(tc, ch, tc->pcm, (uint32_t)r);
}

static inline struct rte_mbuf **
slot_of(struct mr_tc_channel *ch, uint32_t seq)
{
	return &ch->held[seq & (MR_TC_REORDER_MAX - 1)];
}

/* Release next_seq: play it when held, else conceal it; advance. */
static void
release_one(struct mr_transcoder *tc, struct mr_tc_channel *ch)
{
	struct rte_mbuf **s = slot_of(ch, ch->next_seq);

	if (*s != NULL) {
		struct rte_mbuf *m = *s;

		*s = NULL;
		ch->n_held--;
		play(tc, ch, m);
	} else {
		conceal(tc, ch, *slot_of(ch, ch->next_seq + 1));
	}
	ch->next_seq++;
}

void
mr_tc_channel_flush(struct mr_transcoder *tc, struct mr_tc_channel *ch)
{
	while (ch->n_held > 0) {
		struct rte_mbuf **s = slot_of(ch, ch->next_seq);

		if (*s != NULL) {
			struct rte_mbuf *m = *s;

			*s = NULL;
			ch->n_held--;
			play(tc, ch, m);
		}
		ch->next_seq++;
	}
	mr_tc_channel_track_wait(tc, ch);
}

void
mr_tc_channel_drop_held(struct mr_tc_channel *ch, mr_drop_reason_t reason)
{
	unsigned int i;

	for (i = 0; i < MR_TC_REORDER_MAX; i++) {
		if (ch->held[i] != NULL) {
			rte_pktmbuf_free(ch->held[i]);
			ch->held[i] = NULL;
			mr_drop_count(mr_counters_self(), reason, 1);
		}
	}
	ch->n_held = 0;
}

void
mr_tc_channel_input(struct mr_transcoder *tc, struct mr_tc_channel *ch,
		    struct rte_mbuf *m)
{
	struct mr_lcore_counters *lc = mr_counters_self();
	uint32_t seq = mr_tc_meta(m)->ext_seq;
	struct mr_rtp_info ri;
	mr_drop_reason_t r;
	int32_t d;

	r = mr_rtp_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &ri);
	if (unlikely(r != MR_DROP_NONE || m->nb_segs != 1)) {
		mr_tc_count(&tc->st.bad_rtp, 1);
		mr_drop_count(lc, r != MR_DROP_NONE ? r : MR_DROP_MULTISEG, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(ri.pt != ch->prof.in_pt)) {
		/* e.g. telephone-event on the same SSRC: not ours to decode */
		mr_tc_count(&tc->st.bad_pt, 1);
		mr_drop_count(lc, MR_DROP_TRANSCODE_BAD_PT, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (!ch->seq_started) {
		ch->seq_started = true;
		ch->next_seq = seq;
		mr_tc_set_state(tc, ch, MR_TC_STATE_RUNNING);
	}
	d = (int32_t)(seq - ch->next_seq);
	if (unlikely(d < -64 || d > (int32_t)(ch->window + MR_TC_MAX_CONCEAL))) {
		/* sender restarted or was silent: play what we have, start over */
		mr_tc_count(&tc->st.resyncs, 1);
		mr_tc_channel_flush(tc, ch);
		ch->next_seq = seq;
		d = 0;
	} else if (d < 0 || (d < (int32_t)ch->window && *slot_of(ch, seq) != NULL)) {
		mr_tc_count(&tc->st.late, 1);
		mr_drop_count(lc, MR_DROP_TRANSCODE_LATE, 1);
		rte_pktmbuf_free(m);
		return;
	}
	/* make room: frames that fall out of the window are played or concealed */
	while (d >= (int32_t)ch->window) {
		release_one(tc, ch);
		d--;
	}
	*slot_of(ch, seq) = m;
	ch->n_held++;
	while (*slot_of(ch, ch->next_seq) != NULL)
		release_one(tc, ch);
	mr_tc_channel_track_wait(tc, ch);
}

void
mr_tc_channel_track_wait(struct mr_transcoder *tc, struct mr_tc_channel *ch)
{
	if (ch->n_held > 0 && ch->wait_idx < 0) {
		/* a gap holds frames back: wait at most one window of frames */
		uint32_t ms = ch->last_frame * 1000 / ch->dec_rate;

		ch->hold_deadline = tc->now + tc->tsc_per_ms * ms * ch->window;
		ch->wait_idx = (int32_t)tc->n_waiting;
		tc->waiting[tc->n_waiting++] = ch->id & (MR_TC_MAX_CHANNELS - 1);
	} else if (ch->n_held == 0 && ch->wait_idx >= 0) {
		uint32_t last = tc->waiting[--tc->n_waiting];

		tc->waiting[ch->wait_idx] = last;
		tc->ch[last]->wait_idx = ch->wait_idx;
		ch->wait_idx = -1;
	}
}

void
mr_tc_expire_waiting(struct mr_transcoder *tc)
{
	uint32_t i = 0;

	while (i < tc->n_waiting) {
		struct mr_tc_channel *ch = tc->ch[tc->waiting[i]];

		if ((int64_t)(tc->now - ch->hold_deadline) < 0) {
			i++;
			continue;
		}
		/* the missing frames are not coming: conceal them, play the rest */
		while (ch->n_held > 0)
			release_one(tc, ch);
		mr_tc_channel_track_wait(tc, ch); /* swaps another slot into i */
	}
}
