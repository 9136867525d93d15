/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * RTP header validation (RFC 3550 section 5.1) and rewrite. Runs once per
 * packet on the fast path: every read is preceded by a length check and
 * nothing is copied.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "mr_rtp.h"

MR_DROP_REGISTER(rtp, MR_RTP_DROPS)

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}

mr_drop_reason_t
mr_rtp_parse(const uint8_t *p, uint32_t len, struct mr_rtp_info *ri)
{
	uint32_t hdr_len, pad_len = 0;
	uint8_t b0;

	if (unlikely(len < MR_RTP_HDR_LEN))
		return MR_DROP_RTP_TRUNCATED;
	/*
	 * A UDP payload never exceeds 65535 bytes; refusing longer input
	 * keeps hdr_len and payload_len inside their 16-bit fields.
	 */
	if (unlikely(len > UINT16_MAX))
		return MR_DROP_RTP_TRUNCATED;
	b0 = p[0];
	if (unlikely((b0 >> 6) != 2))
		return MR_DROP_RTP_VERSION;

	hdr_len = MR_RTP_HDR_LEN + 4u * (b0 & 0x0f);
	if (unlikely(hdr_len > len))
		return MR_DROP_RTP_CSRC;

	if (b0 & 0x10) {
		/* 16-bit profile id, 16-bit length in 32-bit words */
		if (unlikely(hdr_len + 4 > len))
			return MR_DROP_RTP_EXTENSION;
		hdr_len += 4 + 4u * rd16(p + hdr_len + 2);
		if (unlikely(hdr_len > len))
			return MR_DROP_RTP_EXTENSION;
	}

	if (b0 & 0x20) {
		/* the count includes itself, so 0 is invalid */
		pad_len = p[len - 1];
		if (unlikely(pad_len == 0 || pad_len > len - hdr_len))
			pad_len = UINT32_MAX;
	}

	ri->ssrc = rd32(p + 8);
	ri->ts = rd32(p + 4);
	ri->seq = rd16(p + 2);
	ri->hdr_len = (uint16_t)hdr_len;
	ri->pt = p[1] & 0x7f;
	ri->marker = p[1] >> 7;
	ri->cc = b0 & 0x0f;
	ri->has_ext = (b0 >> 4) & 1;
	if (unlikely(pad_len == UINT32_MAX)) {
		/* the header stands; the payload is read as unpadded */
		ri->payload_len = (uint16_t)(len - hdr_len);
		ri->pad_len = 0;
		return MR_DROP_RTP_PADDING;
	}
	ri->payload_len = (uint16_t)(len - hdr_len - pad_len);
	ri->pad_len = (uint8_t)pad_len;
	return MR_DROP_NONE;
}

void
mr_rtp_rewrite(uint8_t *p, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	rte_be16_t s = rte_cpu_to_be_16(seq);
	rte_be32_t t = rte_cpu_to_be_32(ts);
	rte_be32_t id = rte_cpu_to_be_32(ssrc);

	/* memcpy: the header need not be 4-byte aligned in the mbuf */
	memcpy(p + 2, &s, sizeof(s));
	memcpy(p + 4, &t, sizeof(t));
	memcpy(p + 8, &id, sizeof(id));
}
