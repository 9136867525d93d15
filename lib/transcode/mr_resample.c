/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * 8 kHz <-> 48 kHz polyphase resampler. One prototype low-pass at
 * 48 kHz (windowed sinc, Kaiser window) serves both directions:
 * - up: zero-stuffing by 6 then the filter; only the 48 non-zero taps of
 *   each phase are computed, and the gain of 6 restores the level;
 * - down: the filter then keeping every 6th sample; only the kept
 *   outputs are computed.
 * Cutoff 3.8 kHz, 288 taps, beta 7: transition ~3.45 .. 4.15 kHz,
 * stopband about -70 dB (tests/unit/test_transcode.c measures >= 60 dB).
 */

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "mr_transcode.h"

#define RS_CUTOFF_HZ 3800.0
#define RS_RATE_HZ 48000.0
#define RS_BETA 7.0

static float rs_h[MR_RS_TAPS];
static bool rs_ready;

/* zeroth-order modified Bessel function of the first kind, by its series */
static double
bessel_i0(double x)
{
	double sum = 1.0, term = 1.0, q = x * x / 4.0;
	int k;

	for (k = 1; k < 64; k++) {
		term *= q / ((double)k * k);
		sum += term;
		if (term < 1e-12 * sum)
			break;
	}
	return sum;
}

const float *
mr_resampler_filter(void)
{
	double fc = RS_CUTOFF_HZ / RS_RATE_HZ; /* cycles per sample */
	double mid = (MR_RS_TAPS - 1) / 2.0, sum = 0.0;
	double tmp[MR_RS_TAPS];
	unsigned int i;

	if (rs_ready)
		return rs_h;
	for (i = 0; i < MR_RS_TAPS; i++) {
		double t = i - mid;
		double r = t / mid;
		double sinc = 2.0 * fc * (t == 0.0 ? 1.0 : sin(2.0 * M_PI * fc * t) / (2.0 * M_PI * fc * t));
		double w = bessel_i0(RS_BETA * sqrt(1.0 - r * r)) / bessel_i0(RS_BETA);

		tmp[i] = sinc * w;
		sum += tmp[i];
	}
	/* unit DC gain */
	for (i = 0; i < MR_RS_TAPS; i++)
		rs_h[i] = (float)(tmp[i] / sum);
	__atomic_store_n(&rs_ready, true, __ATOMIC_RELEASE);
	return rs_h;
}

void
mr_resampler_init(struct mr_resampler *rs, bool up)
{
	rs->h = mr_resampler_filter();
	rs->hist_len = up ? MR_RS_PHASE_TAPS - 1 : MR_RS_TAPS - 1;
	memset(rs->buf, 0, sizeof(rs->buf));
}

uint32_t
mr_resample_up(struct mr_resampler *rs, const float *in, uint32_t n, float *out)
{
	const uint32_t hl = MR_RS_PHASE_TAPS - 1;
	float *x = rs->buf;
	uint32_t k, p, t;

	if (n > MR_RS_MAX_IN / MR_RS_RATIO)
		n = MR_RS_MAX_IN / MR_RS_RATIO;
	memcpy(x + hl, in, n * sizeof(*in));
	for (k = 0; k < n; k++) {
		/* x[hl + k - t] is input sample k - t */
		const float *xk = x + hl + k;

		for (p = 0; p < MR_RS_RATIO; p++) {
			const float *h = rs->h + p;
			float acc = 0.0f;

			for (t = 0; t < MR_RS_PHASE_TAPS; t++)
				acc += h[t * MR_RS_RATIO] * xk[-(int32_t)t];
			out[k * MR_RS_RATIO + p] = acc * (float)MR_RS_RATIO;
		}
	}
	memmove(x, x + n, hl * sizeof(*x));
	return n * MR_RS_RATIO;
}

uint32_t
mr_resample_down(struct mr_resampler *rs, const float *in, uint32_t n, float *out)
{
	const uint32_t hl = MR_RS_TAPS - 1;
	float *x = rs->buf;
	uint32_t m, j;

	if (n > MR_RS_MAX_IN)
		n = MR_RS_MAX_IN;
	n -= n % MR_RS_RATIO;
	memcpy(x + hl, in, n * sizeof(*in));
	for (m = 0; m < n / MR_RS_RATIO; m++) {
		const float *xm = x + hl + m * MR_RS_RATIO;
		float acc = 0.0f;

		for (j = 0; j < MR_RS_TAPS; j++)
			acc += rs->h[j] * xm[-(int32_t)j];
		out[m] = acc;
	}
	memmove(x, x + n, hl * sizeof(*x));
	return n / MR_RS_RATIO;
}
