/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Compound RTCP validation (RFC 3550 section 6.1 and A.2, reduced-size
 * RTCP per RFC 5506) and collection of SR/RR statistics.
 */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "mr_rtp.h"

/*
 * Feedback types (RFC 4585) count as known first packets: a reduced-size
 * packet is most often a lone NACK or PLI, with its sender SSRC where the
 * other types have it.
 */

#define RTCP_HDR_LEN 4
#define RTCP_SENDER_INFO_LEN 20
#define RTCP_RB_LEN 24

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}

static inline uint8_t
sat_add_u8(uint8_t a, unsigned int b)
{
	return (uint8_t)(a + b > UINT8_MAX ? UINT8_MAX : a + b);
}

static void
read_rb(const uint8_t *b, struct mr_rtcp_rb *rb)
{
	uint32_t w = rd32(b + 4);

	rb->ssrc = rd32(b);
	rb->fraction_lost = (uint8_t)(w >> 24);
	/* 24-bit two's complement: move the sign bit to bit 31 and back */
	rb->cum_lost = (int32_t)(w << 8) >> 8;
	rb->ext_high_seq = rd32(b + 8);
	rb->jitter = rd32(b + 12);
	rb->lsr = rd32(b + 16);
	rb->dlsr = rd32(b + 20);
}

/* Report blocks of one SR or RR: @b points at the first, @n of them. */
static void
collect_rbs(const uint8_t *b, unsigned int n, struct mr_rtcp_info *ri)
{
	unsigned int i;

	for (i = 0; i < n && ri->n_rb + i < MR_RTCP_MAX_RB; i++)
		read_rb(b + i * RTCP_RB_LEN, &ri->rb[ri->n_rb + i]);
	ri->n_rb = sat_add_u8(ri->n_rb, n);
}

/*
 * Check one packet's body against its type. @q is the packet, @body the
 * bytes after the 4-byte header and before any padding.
 */
static int
check_body(const uint8_t *q, uint32_t body, struct mr_rtcp_info *ri)
{
	unsigned int count = q[0] & 0x1f;

	switch (q[1]) {
	case MR_RTCP_SR:
		if (body < 4 + RTCP_SENDER_INFO_LEN + count * RTCP_RB_LEN)
			return -1;
		if (!ri->has_sr) {
			ri->has_sr = 1;
			ri->sr_ntp = ((uint64_t)rd32(q + 8) << 32) | rd32(q + 12);
			ri->sr_rtp_ts = rd32(q + 16);
			ri->sr_pkt_count = rd32(q + 20);
			ri->sr_octet_count = rd32(q + 24);
		}
		collect_rbs(q + 28, count, ri);
		return 0;
	case MR_RTCP_RR:
		if (body < 4 + count * RTCP_RB_LEN)
			return -1;
		collect_rbs(q + 8, count, ri);
		return 0;
	case MR_RTCP_SDES:
		/* smallest chunk: SSRC, one null octet, padded to 8 bytes */
		return body < count * 8u ? -1 : 0;
	case MR_RTCP_BYE:
		if (body < count * 4u)
			return -1;
		ri->has_bye = 1;
		return 0;
	case MR_RTCP_APP:
		/* SSRC and 4-character name */
		return body < 8 ? -1 : 0;
	default:
		/* unknown types are skipped; the framing was checked already */
		return 0;
	}
}

/* Whether a packet may open a reduced-size compound (RFC 5506 3.4.2). */
static int
has_sender_ssrc(const uint8_t *q, uint32_t body)
{
	unsigned int count = q[0] & 0x1f;

	if (body < 4)
		return 0;
	switch (q[1]) {
	case MR_RTCP_SR:
	case MR_RTCP_RR:
	case MR_RTCP_APP:
	case MR_RTCP_RTPFB:
	case MR_RTCP_PSFB:
		return 1;
	case MR_RTCP_SDES:
	case MR_RTCP_BYE:
		/* the SSRC is that of the first chunk / source */
		return count >= 1;
	default:
		return 0;
	}
}

mr_drop_reason_t
mr_rtcp_parse(const uint8_t *p, uint32_t len, struct mr_rtcp_info *ri)
{
	uint32_t off = 0;

	memset(ri, 0, sizeof(*ri));
	/* every packet is a whole number of 32-bit words */
	if (len < 8 || (len & 3) != 0)
		return MR_DROP_RTCP_MALFORMED;

	while (off < len) {
		const uint8_t *q = p + off;
		uint32_t plen, body;

		if (len - off < RTCP_HDR_LEN)
			return MR_DROP_RTCP_MALFORMED;
		if ((q[0] >> 6) != 2)
			return MR_DROP_RTCP_MALFORMED;
		plen = ((uint32_t)((q[2] << 8) | q[3]) + 1) * 4;
		if (plen > len - off)
			return MR_DROP_RTCP_MALFORMED;
		body = plen - RTCP_HDR_LEN;

		if (q[0] & 0x20) {
			uint32_t pad = q[plen - 1];

			/* only the last packet of the compound may be padded */
			if (off + plen != len)
				return MR_DROP_RTCP_MALFORMED;
			if (pad == 0 || pad > body)
				return MR_DROP_RTCP_MALFORMED;
			body -= pad;
		}

		if (off == 0) {
			/*
			 * A.2 wants SR or RR first; RFC 5506 lets a
			 * reduced-size packet start with any type that
			 * carries the sender SSRC.
			 */
			if (!has_sender_ssrc(q, body))
				return MR_DROP_RTCP_MALFORMED;
			ri->ssrc = rd32(q + 4);
		}
		if (check_body(q, body, ri) != 0)
			return MR_DROP_RTCP_MALFORMED;

		ri->n_packets = sat_add_u8(ri->n_packets, 1);
		off += plen;
	}
	return MR_DROP_NONE;
}
