/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/transcode: G.711 against the ITU values, the resampler's pass and
 * stop bands, and every profile end to end: a known signal is encoded
 * with libopus (or G.711), sent through a channel via the ring and the
 * poll loop, decoded again independently, and compared with the source.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_metrics.h"
#include "mr_test.h"
#include "mr_transcode.h"

/* ---------------- G.711 ---------------- */

static int
test_g711_values(void)
{
	unsigned int c;

	/* ITU-T G.711 table values at 16-bit scale (14-bit mu, 13-bit A x 8/4) */
	MR_TEST_EQ(mr_g711_ulaw_decode(0xff), 0);
	MR_TEST_EQ(mr_g711_ulaw_decode(0x7f), 0);
	MR_TEST_EQ(mr_g711_ulaw_decode(0xfe), 8);     /* 14-bit output 2 */
	MR_TEST_EQ(mr_g711_ulaw_decode(0xef), 132);   /* segment 1 first level: 33 */
	MR_TEST_EQ(mr_g711_ulaw_decode(0x80), 32124); /* 8031 */
	MR_TEST_EQ(mr_g711_ulaw_decode(0x00), -32124);
	MR_TEST_EQ(mr_g711_ulaw_encode(0), 0xff);
	MR_TEST_EQ(mr_g711_ulaw_encode(-1), 0x7f);
	MR_TEST_EQ(mr_g711_ulaw_encode(32767), 0x80);
	MR_TEST_EQ(mr_g711_ulaw_encode(-32768), 0x00);
	MR_TEST_EQ(mr_g711_alaw_decode(0xd5), 8);     /* 13-bit output 1 */
	MR_TEST_EQ(mr_g711_alaw_decode(0x55), -8);
	MR_TEST_EQ(mr_g711_alaw_decode(0xc5), 264);   /* segment 1 first level: 33 */
	MR_TEST_EQ(mr_g711_alaw_decode(0xaa), 32256); /* 4032 */
	MR_TEST_EQ(mr_g711_alaw_decode(0x2a), -32256);
	MR_TEST_EQ(mr_g711_alaw_encode(0), 0xd5);
	MR_TEST_EQ(mr_g711_alaw_encode(-1), 0x55);
	MR_TEST_EQ(mr_g711_alaw_encode(32767), 0xaa);
	MR_TEST_EQ(mr_g711_alaw_encode(-32768), 0x2a);
	/* every code is a fixed point of decode then encode (mu-law -0 -> +0) */
	for (c = 0; c < 256; c++) {
		MR_TEST_EQ(mr_g711_alaw_encode(mr_g711_alaw_decode((uint8_t)c)), c);
		if (c != 0x7f)
			MR_TEST_EQ(mr_g711_ulaw_encode(mr_g711_ulaw_decode((uint8_t)c)), c);
	}
	/* decision thresholds: 14-bit mu-law level 1 -> code 0xfe from input 4*1.. */
	MR_TEST_EQ(mr_g711_ulaw_encode(3), 0xff);
	MR_TEST_EQ(mr_g711_ulaw_encode(4), 0xfe);
	MR_TEST_EQ(mr_g711_alaw_encode(15), 0xd5);
	MR_TEST_EQ(mr_g711_alaw_encode(16), 0xd4);
	/* quantisation error bounded by half a step: 1/32 of the level + 8 */
	for (c = 0; c < 65536; c += 7) {
		int16_t s = (int16_t)(c - 32768);
		int eu = abs(mr_g711_ulaw_decode(mr_g711_ulaw_encode(s)) - s);
		int ea = abs(mr_g711_alaw_decode(mr_g711_alaw_encode(s)) - s);

		if (abs(s) < 32000) {
			MR_TEST_ASSERT(eu <= abs(s) / 32 + 8, "ulaw %d err %d", s, eu);
			MR_TEST_ASSERT(ea <= abs(s) / 32 + 8, "alaw %d err %d", s, ea);
		}
	}
	return 0;
}
MR_REGISTER_TEST(transcode, g711_values, test_g711_values)

/* ---------------- resampler ---------------- */

/* power of @p x at frequency f (Goertzel), relative to a unit sine's */
static double
tone_power(const float *x, uint32_t n, double f, double rate)
{
	double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * n / 4);
}

static float rs_in[48000], rs_out[48000];

static int
rs_run(bool up, double f, double *gain_db, double *at_db, double at_f)
{
	static struct mr_resampler rs;
	double in_rate = up ? 8000 : 48000, out_rate = up ? 48000 : 8000;
	uint32_t n_in = up ? 8000 : 48000, i, o = 0, blk = up ? 160 : 960;

	mr_resampler_init(&rs, up);
	for (i = 0; i < n_in; i++)
		rs_in[i] = (float)(0.5 * sin(2 * M_PI * f * i / in_rate));
	for (i = 0; i < n_in; i += blk)
		o += up ? mr_resample_up(&rs, rs_in + i, blk, rs_out + o) :
			  mr_resample_down(&rs, rs_in + i, blk, rs_out + o);
	if (o != (up ? 48000u : 8000u))
		return -1;
	/* skip the filter's start-up: 1/4 of the output */
	*gain_db = 10 * log10(tone_power(rs_out + o / 4, o * 3 / 4, up ? f : f, out_rate) / 0.25);
	*at_db = 10 * log10(tone_power(rs_out + o / 4, o * 3 / 4, at_f, out_rate) / 0.25 + 1e-20);
	return 0;
}

static int
test_resampler(void)
{
	double g, a;
	double f;

	/* passband: 300 .. 3400 Hz flat within 0.1 dB both ways */
	for (f = 300; f <= 3400; f += 775) {
		MR_TEST_EQ(rs_run(false, f, &g, &a, f), 0);
		MR_TEST_ASSERT(fabs(g) < 0.1, "down %.0f Hz gain %.3f dB", f, g);
		MR_TEST_EQ(rs_run(true, f, &g, &a, 8000 - f), 0);
		MR_TEST_ASSERT(fabs(g) < 0.1, "up %.0f Hz gain %.3f dB", f, g);
		/* image of f at 8000 - f (>= 4.6 kHz) */
		MR_TEST_ASSERT(a < -60, "up %.0f Hz image %.1f dB", f, a);
	}
	/* stopband: tones from 4.2 to 20 kHz alias into 0..4 kHz at <= -60 dB */
	for (f = 4200; f < 24000; f += 1900) {
		double alias = fmod(f, 8000);

		if (alias > 4000)
			alias = 8000 - alias;
		MR_TEST_EQ(rs_run(false, f, &g, &a, alias), 0);
		MR_TEST_ASSERT(a < -60, "down %.0f Hz alias at %.0f: %.1f dB", f, alias, a);
	}
	return 0;
}
MR_REGISTER_TEST(transcode, resampler, test_resampler)

static int
test_profile_validate(void)
{
	struct mr_tc_profile p;

	memset(&p, 0, sizeof(p));
	p.in_pt = 111;
	p.out_pt = 111;
	MR_TEST_EQ(mr_tc_profile_validate(&p), 0);
	MR_TEST_EQ(p.ptime_ms, 20);
	MR_TEST_EQ(p.bitrate, 32000);
	MR_TEST_EQ(p.rate, 48000);
	MR_TEST_EQ(p.out_channels, 1);
	MR_TEST_EQ(p.reorder, MR_TC_REORDER_DEFAULT);
	p.ptime_ms = 30;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.ptime_ms = 60;
	p.rate = 16000;
	MR_TEST_EQ(mr_tc_profile_validate(&p), 0);
	p.out_codec = MR_TC_CODEC_PCMU;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL); /* G.711 needs 8 or 48 kHz */
	p.rate = 8000;
	MR_TEST_EQ(mr_tc_profile_validate(&p), 0);
	p.out_channels = 2;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.out_channels = 1;
	p.out_pt = 128;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.out_pt = 0;
	p.bitrate = 5999;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.bitrate = 24000;
	p.complexity = 11;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.complexity = 5;
	p.reorder = MR_TC_REORDER_MAX + 1;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	p.reorder = 2;
	p.in_codec = MR_TC_CODEC__MAX;
	MR_TEST_EQ(mr_tc_profile_validate(&p), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(transcode, profile_validate, test_profile_validate)

/* ---------------- end to end ---------------- */

#define SIG_SECONDS 2
#define OUT_MAX (48000 * (SIG_SECONDS + 1) * 2)

/* 1 s of 440 Hz, then 1 s of a linear sweep 200 -> 3000 Hz; amplitude 0.4 */
static double
signal_at(double t)
{
	if (t < 1.0)
		return 0.4 * sin(2 * M_PI * 440 * t);
	t -= 1.0;
	return 0.4 * sin(2 * M_PI * (200 * t + 1400 * t * t));
}

struct collector {
	enum mr_tc_codec codec;
	uint8_t pt;
	uint32_t channels;   /* decoded output channels */
	uint32_t clock;
	uint32_t ts_step;
	OpusDecoder *dec;
	float *pcm;          /* channel 0 */
	float *pcm_r;        /* channel 1 when stereo */
	uint32_t n;
	uint32_t pkts;
	uint32_t errors;
	uint16_t last_seq;
	uint32_t last_ts, ssrc;
	uint32_t last_channel;
	uint64_t lat_sum;
};

static void
collect(void *ctx, uint32_t channel_id, struct rte_mbuf *m)
{
	struct collector *c = ctx;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, i;
	uint16_t seq = rte_be_to_cpu_16(*(const rte_be16_t *)(d + 2));
	uint32_t ts = rte_be_to_cpu_32(*(const rte_be32_t *)(d + 4));
	uint32_t ssrc = rte_be_to_cpu_32(*(const rte_be32_t *)(d + 8));
	static float buf[5760 * 2];
	int r;

	c->last_channel = channel_id;
	if (len < 13 || d[0] != 0x80 || (d[1] & 0x7f) != c->pt ||
	    mr_tc_meta(m)->channel_id != channel_id)
		c->errors++;
	if (c->pkts == 0) {
		c->ssrc = ssrc;
		if ((mr_tc_meta(m)->ext_seq & ~0x7fffu) != 0)
			c->errors++; /* first output seq below 2^15 */
	} else {
		if (seq != (uint16_t)(c->last_seq + 1) || ssrc != c->ssrc ||
		    ts - c->last_ts != c->ts_step)
			c->errors++;
	}
	c->last_seq = seq;
	c->last_ts = ts;
	c->pkts++;
	if (c->codec == MR_TC_CODEC_OPUS) {
		r = opus_decode_float(c->dec, d + 12, (int32_t)len - 12, buf, 5760, 0);
		if (r < 0) {
			c->errors++;
			r = 0;
		}
		for (i = 0; i < (uint32_t)r && c->n < OUT_MAX; i++, c->n++) {
			c->pcm[c->n] = buf[i * c->channels];
			if (c->channels == 2)
				c->pcm_r[c->n] = buf[i * 2 + 1];
		}
	} else {
		for (i = 12; i < len && c->n < OUT_MAX; i++, c->n++)
			c->pcm[c->n] = (c->codec == MR_TC_CODEC_PCMU ?
					mr_g711_ulaw_decode(d[i]) : mr_g711_alaw_decode(d[i])) / 32768.0f;
	}
	rte_pktmbuf_free(m);
}

/*
 * Best normalized cross-correlation of out against the source over lags
 * 0..max_lag, on a window starting 0.2 s in (after codec start-up).
 */
static double
best_xcorr(const float *out, uint32_t n_out, uint32_t rate, double t0, double t1,
	   uint32_t *lag_out, double *snr_db)
{
	uint32_t a = (uint32_t)(t0 * rate), b = (uint32_t)(t1 * rate);
	uint32_t max_lag = rate / 10, lag, i;
	double best = -2, ref_e = 0, best_snr = -100;
	static float ref[48000 * SIG_SECONDS];

	for (i = a; i < b; i++) {
		ref[i] = (float)signal_at((double)i / rate);
		ref_e += (double)ref[i] * ref[i];
	}
	for (lag = 0; lag <= max_lag; lag++) {
		double xy = 0, yy = 0;

		if (b + lag > n_out)
			break;
		for (i = a; i < b; i++) {
			xy += (double)ref[i] * out[i + lag];
			yy += (double)out[i + lag] * out[i + lag];
		}
		if (yy > 0 && xy / sqrt(ref_e * yy) > best) {
			double g = xy / yy, err = 0;

			best = xy / sqrt(ref_e * yy);
			*lag_out = lag;
			/* SNR after the best gain: codecs may change the level slightly */
			for (i = a; i < b; i++) {
				double e = ref[i] - g * out[i + lag];

				err += e * e;
			}
			best_snr = 10 * log10(ref_e / (err + 1e-20));
		}
	}
	*snr_db = best_snr;
	return best;
}

struct tc_env {
	struct rte_mempool *in_pool, *out_pool;
	struct mr_transcoder *tc;
	struct collector col;
	uint32_t id;
};

static unsigned int env_seq;

static int
env_init(struct tc_env *e, uint32_t ring_size, enum mr_tc_codec out_codec,
	 uint8_t out_pt, uint32_t out_channels, uint32_t ptime)
{
	struct mr_transcoder_params prm;
	char name[32];
	int err;

	memset(e, 0, sizeof(*e));
	env_seq++;
	snprintf(name, sizeof(name), "tci%u", env_seq);
	e->in_pool = rte_pktmbuf_pool_create(name, 1023, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
					     SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "tco%u", env_seq);
	e->out_pool = rte_pktmbuf_pool_create(name, 1023, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
					      SOCKET_ID_ANY);
	if (e->in_pool == NULL || e->out_pool == NULL)
		return -1;
	snprintf(name, sizeof(name), "t%u", env_seq);
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.ring_size = ring_size;
	prm.max_channels = 4;
	prm.out_pool = e->out_pool;
	prm.emit = collect;
	prm.emit_ctx = &e->col;
	e->tc = mr_transcoder_create(&prm);
	if (e->tc == NULL)
		return -1;
	e->col.codec = out_codec;
	e->col.pt = out_pt;
	e->col.channels = out_channels;
	e->col.clock = out_codec == MR_TC_CODEC_OPUS ? 48000 : 8000;
	e->col.ts_step = e->col.clock / 1000 * ptime;
	e->col.pcm = calloc(OUT_MAX, sizeof(float));
	e->col.pcm_r = calloc(OUT_MAX, sizeof(float));
	if (out_codec == MR_TC_CODEC_OPUS)
		e->col.dec = opus_decoder_create(48000, (int)out_channels, &err);
	if (e->col.pcm == NULL || e->col.pcm_r == NULL ||
	    (out_codec == MR_TC_CODEC_OPUS && e->col.dec == NULL))
		return -1;
	return 0;
}

/* Tear down and check that every mbuf is back in its pool. */
static int
env_fini(struct tc_env *e)
{
	unsigned int in_avail, out_avail;

	mr_transcoder_free(e->tc);
	in_avail = rte_mempool_avail_count(e->in_pool);
	out_avail = rte_mempool_avail_count(e->out_pool);
	rte_mempool_free(e->in_pool);
	rte_mempool_free(e->out_pool);
	free(e->col.pcm);
	free(e->col.pcm_r);
	if (e->col.dec != NULL)
		opus_decoder_destroy(e->col.dec);
	MR_TEST_EQ(in_avail, 1023);
	MR_TEST_EQ(out_avail, 1023);
	return 0;
}

static void
drain(struct tc_env *e)
{
	while (mr_transcoder_poll(e->tc, rte_rdtsc()) > 0)
		;
	mr_transcoder_ctl_poll(e->tc);
}

/* An RTP packet in an mbuf: header (seq/ts/ssrc/pt) then payload. */
static struct rte_mbuf *
make_pkt(struct rte_mempool *mp, uint8_t pt, uint16_t seq, uint32_t ts,
	 const uint8_t *pl, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(12 + len));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	d[0] = 0x80;
	d[1] = pt;
	*(rte_be16_t *)(d + 2) = rte_cpu_to_be_16(seq);
	*(rte_be32_t *)(d + 4) = rte_cpu_to_be_32(ts);
	*(rte_be32_t *)(d + 8) = rte_cpu_to_be_32(0x11223344);
	memcpy(d + 12, pl, len);
	return m;
}

/* How the test source is encoded and disturbed. */
struct source {
	enum mr_tc_codec codec;
	uint8_t pt;
	uint32_t channels;   /* Opus input channels */
	uint32_t ptime;
	uint32_t bitrate;
	bool fec;
	uint32_t loss_every; /* drop every Nth frame (0: none) */
	bool swap_pairs;     /* reorder: swap frames 2k and 2k+1 every 10 */
	uint32_t stereo_from, stereo_to; /* frames sent as stereo (Opus, channels 1) */
	uint32_t bw_switch_at;           /* frame at which bandwidth drops to NB */
	uint32_t update_at;              /* frame at which the profile is updated */
	const struct mr_tc_profile *update;
};

static int
feed_source(struct tc_env *e, const struct source *s)
{
	uint32_t rate = s->codec == MR_TC_CODEC_OPUS ? 48000 : 8000;
	uint32_t fs = rate / 1000 * s->ptime, nframes = SIG_SECONDS * 1000 / s->ptime;
	OpusEncoder *enc1 = NULL, *enc2 = NULL;
	static float pcm[5760 * 2];
	static uint8_t pl[4000];
	struct rte_mbuf *held = NULL;
	uint32_t f, i;
	int err, len;

	if (s->codec == MR_TC_CODEC_OPUS) {
		enc1 = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
		enc2 = opus_encoder_create(48000, 2, OPUS_APPLICATION_VOIP, &err);
		if (enc1 == NULL || enc2 == NULL)
			return -1;
		opus_encoder_ctl(enc1, OPUS_SET_BITRATE((opus_int32)s->bitrate));
		opus_encoder_ctl(enc2, OPUS_SET_BITRATE((opus_int32)s->bitrate));
		opus_encoder_ctl(enc1, OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND));
		opus_encoder_ctl(enc2, OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND));
		opus_encoder_ctl(enc1, OPUS_SET_INBAND_FEC(s->fec ? 1 : 0));
		opus_encoder_ctl(enc1, OPUS_SET_PACKET_LOSS_PERC(s->fec ? 20 : 0));
		if (s->channels == 2)
			opus_encoder_ctl(enc2, OPUS_SET_FORCE_CHANNELS(2));
	}
	for (f = 0; f < nframes; f++) {
		bool stereo = s->channels == 2 || (f >= s->stereo_from && f < s->stereo_to);
		struct rte_mbuf *m;

		if (s->update != NULL && f == s->update_at) {
			drain(e);
			if (mr_transcoder_channel_update(e->tc, e->id, s->update) != 0)
				return -1;
		}
		if (s->bw_switch_at != 0 && f == s->bw_switch_at)
			opus_encoder_ctl(enc1, OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_NARROWBAND));
		for (i = 0; i < fs; i++) {
			double v = signal_at((double)(f * fs + i) / rate);

			pcm[2 * i] = (float)v;
			pcm[2 * i + 1] = (float)(0.5 * v);
			if (!stereo)
				pcm[i] = (float)v;
		}
		if (s->codec == MR_TC_CODEC_OPUS) {
			len = opus_encode_float(stereo ? enc2 : enc1, pcm, (int)fs, pl, sizeof(pl));
			if (len < 0)
				return -1;
			/* the stereo encoder must not fall back to mono for this test */
			if (stereo && opus_packet_get_nb_channels(pl) != 2)
				opus_encoder_ctl(enc2, OPUS_SET_FORCE_CHANNELS(2));
		} else {
			for (i = 0; i < fs; i++) {
				int16_t v = (int16_t)lrint(pcm[i] * 32767);

				pl[i] = s->codec == MR_TC_CODEC_PCMU ? mr_g711_ulaw_encode(v) :
								      mr_g711_alaw_encode(v);
			}
			len = (int)fs;
		}
		if (s->loss_every != 0 && f % s->loss_every == s->loss_every - 1)
			continue;
		m = make_pkt(e->in_pool, s->pt, (uint16_t)(1000 + f), f * fs, pl, (uint32_t)len);
		if (m == NULL)
			return -1;
		if (s->swap_pairs && f % 10 == 4) {
			held = m;
			continue;
		}
		mr_transcoder_enqueue(e->tc, m, e->id, 70000 + f, rte_rdtsc());
		if (held != NULL) {
			mr_transcoder_enqueue(e->tc, held, e->id, 70000 + f - 1, rte_rdtsc());
			held = NULL;
		}
		if (f % 4 == 3)
			drain(e);
	}
	drain(e);
	/* frames held behind a final gap are played once their wait expires */
	rte_delay_ms(200);
	drain(e);
	if (enc1 != NULL)
		opus_encoder_destroy(enc1);
	if (enc2 != NULL)
		opus_encoder_destroy(enc2);
	return 0;
}

struct result {
	double xc_tone, xc_sweep, snr_tone, snr_sweep, xc_right;
	uint32_t lag;
	struct mr_tc_stats st;
};

static int
run_case(const char *label, const struct mr_tc_profile *prof, const struct source *src,
	 struct result *res)
{
	struct tc_env e;
	uint32_t lag2;
	double s;

	memset(res, 0, sizeof(*res));
	MR_TEST_EQ(env_init(&e, 1024, prof->out_codec, prof->out_pt,
			    prof->out_channels ? prof->out_channels : 1,
			    prof->ptime_ms ? prof->ptime_ms : 20), 0);
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, prof, &e.id), 0);
	MR_TEST_EQ(mr_transcoder_channel_state(e.tc, e.id), MR_TC_STATE_FREE);
	mr_transcoder_poll(e.tc, rte_rdtsc()); /* applies the create */
	MR_TEST_EQ(mr_transcoder_channel_state(e.tc, e.id), MR_TC_STATE_READY);
	MR_TEST_EQ(feed_source(&e, src), 0);
	MR_TEST_EQ(mr_transcoder_channel_state(e.tc, e.id), MR_TC_STATE_RUNNING);
	mr_transcoder_stats(e.tc, &res->st);
	res->xc_tone = best_xcorr(e.col.pcm, e.col.n, e.col.clock, 0.2, 0.9, &lag2,
				  &res->snr_tone);
	/* the sweep's correlation peak is unique: it gives the delay */
	res->xc_sweep = best_xcorr(e.col.pcm, e.col.n, e.col.clock, 1.1, 1.8, &res->lag,
				   &res->snr_sweep);
	if (e.col.channels == 2)
		res->xc_right = best_xcorr(e.col.pcm_r, e.col.n, e.col.clock, 0.2, 1.8,
					   &lag2, &s);
	printf("  %-16s out %u pkts, lag %u, tone xc %.4f snr %.1f dB, sweep xc %.4f snr %.1f dB"
	       ", concealed %" PRIu64 " fec %" PRIu64 " late %" PRIu64 "\n",
	       label, e.col.pkts, res->lag, res->xc_tone, res->snr_tone, res->xc_sweep,
	       res->snr_sweep, res->st.concealed, res->st.fec_recovered, res->st.late);
	MR_TEST_EQ(e.col.errors, 0);
	/* a whole number of output frames covers the input, minus one partial */
	MR_TEST_ASSERT(e.col.pkts + 1 >= SIG_SECONDS * 1000 / (prof->ptime_ms ? prof->ptime_ms : 20),
		       "%u packets", e.col.pkts);
	MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, e.id), 0);
	MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, e.id), -ENOENT);
	drain(&e);
	MR_TEST_EQ(mr_transcoder_channel_state(e.tc, e.id), MR_TC_STATE_FREE);
	return env_fini(&e);
}

/*
 * Thresholds. A tandem of two Opus codings at >= 24 kb/s keeps a
 * normalized cross-correlation above 0.97 on these signals (measured:
 * see docs/transcoding.md); a wrong rate, a wrong channel, a missing
 * resampler filter or misordered frames drop it below 0.5 (a frame-level
 * misorder alone gives ~0.8). 0.9 separates the two with margin.
 */
#define XC_MIN 0.90

static void
base_profile(struct mr_tc_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->in_codec = MR_TC_CODEC_OPUS;
	p->in_pt = 111;
	p->out_codec = MR_TC_CODEC_OPUS;
	p->out_pt = 96;
	p->bitrate = 32000;
	p->complexity = 5;
}

static void
base_source(struct source *s)
{
	memset(s, 0, sizeof(*s));
	s->codec = MR_TC_CODEC_OPUS;
	s->pt = 111;
	s->channels = 1;
	s->ptime = 20;
	s->bitrate = 48000;
	s->stereo_from = s->stereo_to = UINT32_MAX;
}

#define CHECK_QUALITY(r) do { \
	MR_TEST_ASSERT((r).xc_tone >= XC_MIN, "tone xc %.3f", (r).xc_tone); \
	MR_TEST_ASSERT((r).xc_sweep >= XC_MIN, "sweep xc %.3f", (r).xc_sweep); \
} while (0)

static int
test_profile_opus_bitrate(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;

	base_profile(&p);
	p.bitrate = 24000;
	p.fec = true;
	p.loss_perc = 10;
	base_source(&s);
	MR_TEST_EQ(run_case("opus 48k->24k", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	MR_TEST_EQ(r.st.frames_decoded, 100);
	MR_TEST_EQ(r.st.concealed, 0);
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_CREATE], 1);
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_IN_CHANNELS], 0);
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_IN_BANDWIDTH], 0);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, opus_bitrate, test_profile_opus_bitrate)

static int
test_profile_mono_stereo(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;

	base_profile(&p);
	p.out_channels = 2;
	base_source(&s);
	MR_TEST_EQ(run_case("opus mono->st", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	MR_TEST_ASSERT(r.xc_right >= XC_MIN, "right xc %.3f", r.xc_right);
	/* stereo in (R = L / 2), mono out: the downmix follows the source */
	base_profile(&p);
	base_source(&s);
	s.channels = 2;
	s.bitrate = 64000;
	MR_TEST_EQ(run_case("opus st->mono", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, mono_stereo, test_profile_mono_stereo)

static int
test_profile_rate16k(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;

	base_profile(&p);
	p.rate = 16000;
	base_source(&s);
	MR_TEST_EQ(run_case("opus 48k->16k", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, rate16k, test_profile_rate16k)

static int
test_profile_ptime(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;

	base_profile(&p);
	p.ptime_ms = 60;
	base_source(&s);
	MR_TEST_EQ(run_case("opus 20->60ms", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	MR_TEST_EQ(r.st.frames_decoded, 100);
	MR_TEST_EQ(r.st.frames_out, 33);
	base_profile(&p);
	base_source(&s);
	s.ptime = 60;
	MR_TEST_EQ(run_case("opus 60->20ms", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	MR_TEST_EQ(r.st.frames_decoded, 33);
	MR_TEST_EQ(r.st.frames_out, 99);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, ptime, test_profile_ptime)

static int
test_profile_g711(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;
	uint32_t rate;

	/* Opus -> PCMU/PCMA, both through libopus at 8 kHz and through the resampler */
	for (rate = 8000; rate <= 48000; rate += 40000) {
		base_profile(&p);
		p.out_codec = MR_TC_CODEC_PCMU;
		p.out_pt = 0;
		p.rate = rate;
		base_source(&s);
		MR_TEST_EQ(run_case(rate == 8000 ? "opus->pcmu@8k" : "opus->pcmu@48k", &p, &s, &r), 0);
		CHECK_QUALITY(r);
		p.out_codec = MR_TC_CODEC_PCMA;
		p.out_pt = 8;
		MR_TEST_EQ(run_case(rate == 8000 ? "opus->pcma@8k" : "opus->pcma@48k", &p, &s, &r), 0);
		CHECK_QUALITY(r);
		/* PCMU -> Opus */
		base_profile(&p);
		p.in_codec = MR_TC_CODEC_PCMU;
		p.in_pt = 0;
		p.rate = rate;
		base_source(&s);
		s.codec = MR_TC_CODEC_PCMU;
		s.pt = 0;
		MR_TEST_EQ(run_case(rate == 8000 ? "pcmu->opus@8k" : "pcmu->opus@48k", &p, &s, &r), 0);
		CHECK_QUALITY(r);
	}
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, g711, test_profile_g711)

static int
test_param_changes(void)
{
	struct mr_tc_profile p, p2;
	struct source s;
	struct result r;

	/* the input goes stereo for frames 30..59, narrowband from frame 70 */
	base_profile(&p);
	base_source(&s);
	s.bitrate = 64000;
	s.stereo_from = 30;
	s.stereo_to = 60;
	s.bw_switch_at = 70;
	/* and the profile changes at frame 85: stereo out, 60 ms */
	p2 = p;
	p2.out_channels = 1;
	p2.bitrate = 40000;
	s.update_at = 85;
	s.update = &p2;
	MR_TEST_EQ(run_case("param changes", &p, &s, &r), 0);
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_CREATE], 1);
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_IN_CHANNELS], 2);
	/* stereo packets are coded at the bandwidth the stereo encoder picked */
	MR_TEST_ASSERT(r.st.resets[MR_TC_RESET_IN_BANDWIDTH] >= 1, "bw resets");
	MR_TEST_EQ(r.st.resets[MR_TC_RESET_PROFILE], 1);
	MR_TEST_EQ(r.st.frames_decoded, 100);
	/* the tone part (with the mono->stereo switch inside it) still matches */
	MR_TEST_ASSERT(r.xc_tone >= 0.8, "tone xc %.3f", r.xc_tone);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, param_changes, test_param_changes)

static int
test_loss_plc_fec(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result plc, fec;

	base_profile(&p);
	base_source(&s);
	s.loss_every = 7;
	s.bitrate = 32000;
	s.fec = true;
	/* the same FEC-carrying stream, with 14 losses, concealed both ways */
	p.plc_only = true;
	MR_TEST_EQ(run_case("loss 1/7 plc", &p, &s, &plc), 0);
	MR_TEST_EQ(plc.st.concealed, 14);
	MR_TEST_EQ(plc.st.fec_recovered, 0);
	p.plc_only = false;
	MR_TEST_EQ(run_case("loss 1/7 fec", &p, &s, &fec), 0);
	MR_TEST_EQ(fec.st.fec_recovered + fec.st.concealed, 14);
	/* the encoder starts LBRR after its first frames: most losses have it */
	MR_TEST_ASSERT(fec.st.fec_recovered >= 10, "fec %" PRIu64, fec.st.fec_recovered);
	/*
	 * Waveform SNR on the sweep: PLC extrapolates the old pitch, FEC has
	 * the real (coarser) content. Raw libopus on this stream gives
	 * 0.4 dB (PLC) and 2.6 dB (FEC); require FEC >= PLC + 1 dB.
	 */
	MR_TEST_ASSERT(fec.snr_sweep > plc.snr_sweep + 1.0, "fec %.1f dB vs plc %.1f dB",
		       fec.snr_sweep, plc.snr_sweep);
	MR_TEST_ASSERT(fec.xc_sweep > plc.xc_sweep, "fec xc %.3f vs plc %.3f",
		       fec.xc_sweep, plc.xc_sweep);
	return 0;
}
MR_REGISTER_EAL_TEST(transcode, loss_plc_fec, test_loss_plc_fec)

static int
test_reorder_late(void)
{
	struct mr_tc_profile p;
	struct source s;
	struct result r;
	struct tc_env e;
	uint8_t pl[3] = { 0xf8, 0xff, 0xfe }; /* TOC: CELT FB 20 ms, silence */
	uint32_t i;

	base_profile(&p);
	base_source(&s);
	s.swap_pairs = true;
	MR_TEST_EQ(run_case("reorder", &p, &s, &r), 0);
	CHECK_QUALITY(r);
	MR_TEST_EQ(r.st.late, 0);
	MR_TEST_EQ(r.st.concealed, 0);
	MR_TEST_EQ(r.st.frames_decoded, 100);

	/* late (behind the window) and duplicate frames are dropped and counted */
	MR_TEST_EQ(env_init(&e, 64, MR_TC_CODEC_OPUS, 96, 1, 20), 0);
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, &p, &e.id), 0);
	for (i = 0; i < 10; i++) {
		uint32_t seq = i == 8 ? 3 : i == 9 ? 7 : i; /* 3 is late, 7 a duplicate */

		mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 111, (uint16_t)seq, seq * 960,
						     pl, sizeof(pl)), e.id, seq, 0);
	}
	/* a payload type this channel does not decode */
	mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 101, 8, 8 * 960, pl, 3), e.id, 8, 0);
	uint64_t late0 = mr_drop_total(MR_DROP_TRANSCODE_LATE);
	drain(&e);
	mr_transcoder_stats(e.tc, &r.st);
	MR_TEST_EQ(r.st.late, 2);
	MR_TEST_EQ(r.st.bad_pt, 1);
	MR_TEST_EQ(mr_drop_total(MR_DROP_TRANSCODE_LATE) - late0, 2);
	MR_TEST_EQ(r.st.frames_decoded, 8);
	return env_fini(&e);
}
MR_REGISTER_EAL_TEST(transcode, reorder_late, test_reorder_late)

static int
test_ring_full(void)
{
	struct mr_tc_profile p;
	struct mr_tc_stats st;
	struct tc_env e;
	uint8_t pl[3] = { 0xf8, 0xff, 0xfe };
	uint64_t d0 = mr_drop_total(MR_DROP_TRANSCODE_RING_FULL);
	uint32_t i, full = 0;

	base_profile(&p);
	MR_TEST_EQ(env_init(&e, 64, MR_TC_CODEC_OPUS, 96, 1, 20), 0);
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, &p, &e.id), 0);
	for (i = 0; i < 100; i++)
		if (mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 111, (uint16_t)i, i * 960,
							 pl, 3), e.id, i, 0) == -ENOBUFS)
			full++;
	/* a ring of 64 holds 63 */
	MR_TEST_EQ(full, 37);
	MR_TEST_EQ(mr_transcoder_ring_count(e.tc), 63);
	MR_TEST_EQ(rte_mempool_avail_count(e.in_pool), 1023 - 63);
	MR_TEST_EQ(mr_drop_total(MR_DROP_TRANSCODE_RING_FULL) - d0, 37);
	mr_transcoder_stats(e.tc, &st);
	MR_TEST_EQ(st.ring_full, 37);
	/* teardown with frames still queued: freed by mr_transcoder_free */
	return env_fini(&e);
}
MR_REGISTER_EAL_TEST(transcode, ring_full, test_ring_full)

static int
test_destroy_queued(void)
{
	struct mr_tc_profile p;
	struct mr_tc_stats st;
	struct tc_env e;
	uint8_t pl[3] = { 0xf8, 0xff, 0xfe };
	uint32_t i, id2;

	base_profile(&p);
	MR_TEST_EQ(env_init(&e, 256, MR_TC_CODEC_OPUS, 96, 1, 20), 0);
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, &p, &e.id), 0);
	/* frames 0..4 played, 6..7 held in the window behind the gap at 5 */
	for (i = 0; i < 8; i++)
		if (i != 5)
			mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 111, (uint16_t)i, i * 960,
							     pl, 3), e.id, i, 0);
	drain(&e);
	for (i = 8; i < 28; i++)
		mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 111, (uint16_t)i, i * 960,
						     pl, 3), e.id, i, 0);
	/* destroy with 20 frames queued and 2 held; the slot is not reusable yet */
	MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, e.id), 0);
	MR_TEST_EQ(mr_transcoder_ctl_pending(e.tc), 1);
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, &p, &id2), 0);
	MR_TEST_ASSERT((id2 & 0xffff) != (e.id & 0xffff), "slot reused before the ack");
	MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, id2), 0);
	drain(&e);
	mr_transcoder_stats(e.tc, &st);
	MR_TEST_EQ(st.stale, 20);
	MR_TEST_EQ(st.destroys, 2);
	MR_TEST_EQ(st.channels[MR_TC_STATE_FREE], 4);
	MR_TEST_EQ(mr_transcoder_ctl_pending(e.tc), 0);
	MR_TEST_EQ(rte_mempool_avail_count(e.in_pool), 1023);
	/* after the ack the slot comes back with a new generation */
	MR_TEST_EQ(mr_transcoder_channel_create(e.tc, &p, &id2), 0);
	MR_TEST_EQ(id2 & 0xffff, e.id & 0xffff);
	MR_TEST_ASSERT(id2 != e.id, "same handle");
	mr_transcoder_enqueue(e.tc, make_pkt(e.in_pool, 111, 1, 960, pl, 3), e.id, 1, 0);
	drain(&e);
	mr_transcoder_stats(e.tc, &st);
	MR_TEST_EQ(st.stale, 21);
	return env_fini(&e);
}
MR_REGISTER_EAL_TEST(transcode, destroy_queued, test_destroy_queued)

/* The transcoder on its own lcore while the main lcore feeds and deletes. */
static volatile int tc_run;

static int
tc_lcore(void *arg)
{
	struct mr_transcoder *tc = arg;

	while (__atomic_load_n(&tc_run, __ATOMIC_ACQUIRE))
		mr_transcoder_poll(tc, rte_rdtsc());
	while (mr_transcoder_poll(tc, rte_rdtsc()) > 0)
		;
	return 0;
}

static int
test_delete_during_traffic(void)
{
	struct mr_tc_profile p;
	struct mr_tc_stats st;
	struct tc_env e;
	uint8_t pl[3] = { 0xf8, 0xff, 0xfe };
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint32_t round, i, id;

	if (lcore >= RTE_MAX_LCORE)
		return MR_TEST_SKIPPED;
	base_profile(&p);
	MR_TEST_EQ(env_init(&e, 1024, MR_TC_CODEC_OPUS, 96, 1, 20), 0);
	/* the emit callback runs on the transcoder lcore: no collector checks */
	e.col.codec = MR_TC_CODEC_PCMU;
	__atomic_store_n(&tc_run, 1, __ATOMIC_RELEASE);
	MR_TEST_EQ(rte_eal_remote_launch(tc_lcore, e.tc, lcore), 0);
	for (round = 0; round < 50; round++) {
		uint64_t spin = 0;
		int rc;

		while ((rc = mr_transcoder_channel_create(e.tc, &p, &id)) == -ENOSPC) {
			mr_transcoder_ctl_poll(e.tc);
			MR_TEST_ASSERT(++spin < 100000000, "create stuck, %u pending",
				       mr_transcoder_ctl_pending(e.tc));
		}
		MR_TEST_EQ(rc, 0);
		for (i = 0; i < 40; i++) {
			struct rte_mbuf *m;

			/* the pool may be all in flight: wait for the transcoder */
			while ((m = make_pkt(e.in_pool, 111, (uint16_t)i, i * 960, pl, 3)) == NULL)
				rte_pause();
			mr_transcoder_enqueue(e.tc, m, id, i, rte_rdtsc());
			if (i == 20)
				MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, id), 0);
		}
	}
	__atomic_store_n(&tc_run, 0, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lcore);
	mr_transcoder_ctl_poll(e.tc);
	mr_transcoder_stats(e.tc, &st);
	MR_TEST_EQ(st.creates, 50);
	MR_TEST_EQ(st.destroys, 50);
	MR_TEST_EQ(st.frames_in + st.ring_full, 50 * 40);
	MR_TEST_EQ(st.frames_in, st.frames_decoded + st.stale + st.late);
	MR_TEST_EQ(st.channels[MR_TC_STATE_FREE], 4);
	e.col.errors = 0;
	return env_fini(&e);
}
MR_REGISTER_EAL_TEST(transcode, delete_during_traffic, test_delete_during_traffic)

/*
 * Controllers: each worker opens the channels of its own streams. Two
 * controllers share 5 slots (2 and 3); each creates only in its share,
 * its updates and destroys reach the transcoder through its own rings and
 * come back to it: a slot is free again only once its controller's poll
 * saw the ack, whoever else polls.
 */
static int
test_controllers(void)
{
	struct mr_transcoder_params prm;
	struct mr_tc_profile p = {.in_codec = MR_TC_CODEC_OPUS, .out_codec = MR_TC_CODEC_OPUS};
	struct mr_tc_stats st;
	struct tc_env e;
	uint32_t id0[3], id1[4], extra;
	unsigned int i;

	MR_TEST_EQ(env_init(&e, 64, MR_TC_CODEC_OPUS, 111, 1, 20), 0);
	mr_transcoder_free(e.tc);
	memset(&prm, 0, sizeof(prm));
	prm.name = "tctl";
	prm.socket_id = SOCKET_ID_ANY;
	prm.ring_size = 64;
	prm.max_channels = 5;
	prm.out_pool = e.out_pool;
	prm.emit = collect;
	prm.emit_ctx = &e.col;
	prm.controllers = 6; /* more than slots: refused */
	MR_TEST_ASSERT(mr_transcoder_create(&prm) == NULL, "6 controllers for 5 slots");
	prm.controllers = 2;
	e.tc = mr_transcoder_create(&prm);
	MR_TEST_ASSERT(e.tc != NULL, "create");
	for (i = 0; i < 2; i++)
		MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 0, &p, &id0[i]), 0);
	MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 0, &p, &extra), -ENOSPC);
	for (i = 0; i < 3; i++)
		MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 1, &p, &id1[i]), 0);
	MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 1, &p, &extra), -ENOSPC);
	MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 2, &p, &extra), -EINVAL);
	for (i = 0; i < 2; i++)
		MR_TEST_ASSERT((id0[i] & 0xffff) < 2, "controller 0's share: slot %u", id0[i] & 0xffff);
	for (i = 0; i < 3; i++)
		MR_TEST_ASSERT((id1[i] & 0xffff) >= 2, "controller 1's share: slot %u", id1[i] & 0xffff);
	while (mr_transcoder_poll(e.tc, rte_rdtsc()) > 0)
		;
	mr_transcoder_poll(e.tc, rte_rdtsc());
	for (i = 0; i < 2; i++)
		MR_TEST_EQ(mr_transcoder_channel_state(e.tc, id0[i]), MR_TC_STATE_READY);
	for (i = 0; i < 3; i++)
		MR_TEST_EQ(mr_transcoder_channel_state(e.tc, id1[i]), MR_TC_STATE_READY);
	/* controller 1 destroys one; controller 0's poll does not free its slot */
	MR_TEST_EQ(mr_transcoder_channel_update(e.tc, id1[0], &p), 0);
	MR_TEST_EQ(mr_transcoder_channel_destroy(e.tc, id1[1]), 0);
	mr_transcoder_poll(e.tc, rte_rdtsc());
	/* each gets its own acks: 0 its two creates (its posts came before they were done) */
	MR_TEST_EQ(mr_transcoder_ctl_poll_on(e.tc, 0), 2);
	MR_TEST_EQ(mr_transcoder_ctl_pending(e.tc), 0);
	/* 1 the update and the destroy (its update's post collected its creates' acks) */
	MR_TEST_EQ(mr_transcoder_ctl_poll_on(e.tc, 1), 2);
	MR_TEST_EQ(mr_transcoder_channel_create_on(e.tc, 1, &p, &extra), 0);
	MR_TEST_EQ(extra & 0xffff, id1[1] & 0xffff);
	mr_transcoder_poll(e.tc, rte_rdtsc());
	mr_transcoder_stats(e.tc, &st);
	MR_TEST_EQ(st.creates, 6);
	MR_TEST_EQ(st.destroys, 1);
	return env_fini(&e);
}
MR_REGISTER_EAL_TEST(transcode, controllers, test_controllers)

static int
test_has_fec(void)
{
	OpusEncoder *enc;
	float pcm[960];
	uint8_t pl[1500];
	int err, len = 0, f, i, seen = 0;

	enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	MR_TEST_ASSERT(enc != NULL, "encoder");
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(20));
	for (f = 0; f < 20; f++) {
		for (i = 0; i < 960; i++)
			pcm[i] = (float)signal_at((f * 960 + i) / 48000.0);
		len = opus_encode_float(enc, pcm, 960, pl, sizeof(pl));
		MR_TEST_ASSERT(len > 0, "encode");
		if (f > 0)
			seen += mr_tc_opus_has_fec(pl, len) == 1;
	}
	/* every packet after the first carries LBRR for its predecessor */
	MR_TEST_EQ(seen, 19);
	opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(0));
	for (f = 0; f < 5; f++)
		len = opus_encode_float(enc, pcm, 960, pl, sizeof(pl));
	MR_TEST_EQ(mr_tc_opus_has_fec(pl, len), 0);
	pl[0] = 0xf8; /* CELT-only */
	MR_TEST_EQ(mr_tc_opus_has_fec(pl, len), 0);
	opus_encoder_destroy(enc);
	return 0;
}
MR_REGISTER_TEST(transcode, has_fec, test_has_fec)
