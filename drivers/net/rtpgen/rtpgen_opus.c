/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * opus=1: a ring of real Opus frames, encoded once at probe from a
 * synthetic signal (440 Hz tone plus a 200..2000 Hz sweep, 48 kHz mono)
 * in CBR mode so every frame has the size the devargs ask for.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <opus/opus.h>

#include "rtpgen.h"

#define RTPGEN_OPUS_RATE 48000

int
mr_rtpgen_opus_build(struct rtpgen_dev *dev, uint32_t frame_bytes)
{
	const struct rtpgen_conf *conf = &dev->conf;
	uint32_t samples = RTPGEN_OPUS_RATE / 1000 * conf->ptime;
	const uint8_t *media[RTPGEN_OPUS_FRAMES];
	uint32_t media_len[RTPGEN_OPUS_FRAMES];
	int32_t bitrate = (int32_t)(frame_bytes * 8u * 1000u / conf->ptime);
	OpusEncoder *enc;
	opus_int16 *pcm;
	uint8_t *out;
	double phase = 0.0, sweep = 0.0;
	uint32_t i, s;
	int err, rc = 0;

	enc = opus_encoder_create(RTPGEN_OPUS_RATE, 1, OPUS_APPLICATION_VOIP, &err);
	if (enc == NULL)
		return -ENOMEM;
	pcm = calloc(samples, sizeof(*pcm));
	out = calloc(RTPGEN_OPUS_FRAMES, frame_bytes);
	if (pcm == NULL || out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (opus_encoder_ctl(enc, OPUS_SET_VBR(0)) != OPUS_OK ||
	    opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(5)) != OPUS_OK) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < RTPGEN_OPUS_FRAMES; i++) {
		int n;

		for (s = 0; s < samples; s++) {
			double t = (double)(i * samples + s) / RTPGEN_OPUS_RATE;
			double f = 200.0 + 1800.0 * t; /* the sweep spans the ring */

			phase += 2.0 * M_PI * 440.0 / RTPGEN_OPUS_RATE;
			sweep += 2.0 * M_PI * f / RTPGEN_OPUS_RATE;
			pcm[s] = (opus_int16)(6000.0 * sin(phase) + 4000.0 * sin(sweep));
		}
		n = opus_encode(enc, pcm, (int)samples, out + i * frame_bytes,
				(opus_int32)frame_bytes);
		if (n <= 0) {
			RTPGEN_LOG(ERR, "opus_encode failed: %s\n", opus_strerror(n));
			rc = -EINVAL;
			goto out;
		}
		media[i] = out + i * frame_bytes;
		media_len[i] = (uint32_t)n;
	}
	rc = mr_rtpgen_images_build(dev, media, media_len, RTPGEN_OPUS_FRAMES);
out:
	free(out);
	free(pcm);
	opus_encoder_destroy(enc);
	return rc;
}
