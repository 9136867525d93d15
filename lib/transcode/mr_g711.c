/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * ITU-T G.711 companding on 16-bit linear samples. mu-law works on the
 * 14-bit magnitude with the bias of 33 (0x84 at 16-bit scale), A-law on
 * the 13-bit magnitude; both codes are the segment (3 bits) and the
 * mantissa (4 bits) under a sign bit, with the ITU's bit inversions
 * (all bits for mu-law, even bits 0x55 for A-law).
 */

#include <stdint.h>

#include "mr_transcode.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

uint8_t
mr_g711_ulaw_encode(int16_t s)
{
	int32_t v = s;
	uint8_t mask = 0xff;
	unsigned int exp;

	if (v < 0) {
		/* one's complement, as the ITU reference does for both laws */
		v = -v - 1;
		mask = 0x7f;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	/* v is in [0x84, 0x7fff]: its top bit is bit 7 .. 14 */
	exp = 31 - (unsigned int)__builtin_clz((unsigned int)v) - 7;
	return (uint8_t)(((exp << 4) | ((v >> (exp + 3)) & 0x0f)) ^ mask);
}

int16_t
mr_g711_ulaw_decode(uint8_t u)
{
	int32_t t;

	u = (uint8_t)~u;
	t = ((((int32_t)u & 0x0f) << 3) + ULAW_BIAS) << ((u >> 4) & 7);
	t -= ULAW_BIAS;
	return (int16_t)((u & 0x80) ? -t : t);
}

uint8_t
mr_g711_alaw_encode(int16_t s)
{
	int32_t v = s;
	uint8_t sign = 0x80;
	unsigned int seg, mant;

	if (v < 0) {
		v = -v - 1;
		sign = 0;
	}
	v >>= 3; /* 13-bit magnitude */
	if (v > 4095)
		v = 4095;
	if (v < 32) {
		seg = 0;
		mant = (unsigned int)v >> 1;
	} else {
		seg = 31 - (unsigned int)__builtin_clz((unsigned int)v) - 4;
		mant = ((unsigned int)v >> seg) & 0x0f;
	}
	return (uint8_t)((sign | (seg << 4) | mant) ^ 0x55);
}

int16_t
mr_g711_alaw_decode(uint8_t a)
{
	unsigned int seg, mant;
	int32_t t;

	a ^= 0x55;
	seg = (a >> 4) & 7;
	mant = a & 0x0f;
	if (seg == 0)
		t = (int32_t)(2 * mant + 1);
	else
		t = (int32_t)(2 * mant + 33) << (seg - 1);
	t <<= 3;
	return (int16_t)((a & 0x80) ? t : -t);
}
