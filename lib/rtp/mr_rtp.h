/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RTP_H
#define MR_RTP_H

/**
 * @file
 * RTP and RTCP (RFC 3550, rtcp-mux per RFC 5761): header validation,
 * compound RTCP parsing for statistics, the RFC 3550 A.1 sequence tracker
 * with 32-bit extended sequence numbers, and A.8 interarrival jitter.
 *
 * Parsers check every length before reading and return a drop reason;
 * they never read past @p len.
 */

#include <stdbool.h>
#include <stdint.h>

#include "mr_metrics.h"
#include "mr_rtp_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fixed RTP header length. */
#define MR_RTP_HDR_LEN 12

/** What mr_rtp_parse() learned of a valid RTP packet. */
struct mr_rtp_info {
	uint32_t ssrc;
	uint32_t ts;
	uint16_t seq;
	uint16_t hdr_len;     /**< 12 + 4*CC + extension (4 + 4*words) */
	uint16_t payload_len; /**< bytes between header and padding */
	uint8_t pad_len;      /**< padding bytes at the end, 0 if none */
	uint8_t pt;           /**< payload type, 7 bits */
	uint8_t marker;
	uint8_t cc;
	uint8_t has_ext;
};

/**
 * True when the packet is RTCP under rtcp-mux: second byte (packet type)
 * in 192..223 (RFC 5761 section 4). Needs len >= 2, else false.
 */
static inline bool
mr_rtp_is_rtcp(const uint8_t *p, uint32_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/**
 * Validate an RTP packet: length >= 12, version 2, the CSRC list, the
 * header extension and the padding all inside @p len, padding count
 * non-zero and not larger than what follows the header.
 *
 * @return
 *   MR_DROP_NONE, or MR_DROP_RTP_TRUNCATED (also for len > 65535, which
 *   UDP cannot carry), MR_DROP_RTP_VERSION,
 *   MR_DROP_RTP_CSRC, MR_DROP_RTP_EXTENSION, MR_DROP_RTP_PADDING.
 *   On MR_DROP_RTP_PADDING the header is valid and @p ri is filled as if
 *   the packet had no padding: a relay that does not read the payload
 *   (SRTP passing through, whose padding count is encrypted) may use it.
 */
mr_drop_reason_t mr_rtp_parse(const uint8_t *p, uint32_t len,
			      struct mr_rtp_info *ri);

/** Overwrite SSRC, sequence number and timestamp of a validated header. */
void mr_rtp_rewrite(uint8_t *p, uint32_t ssrc, uint16_t seq, uint32_t ts);

/** RTCP packet types this code knows. */
enum mr_rtcp_pt {
	MR_RTCP_SR = 200,
	MR_RTCP_RR = 201,
	MR_RTCP_SDES = 202,
	MR_RTCP_BYE = 203,
	MR_RTCP_APP = 204,
	MR_RTCP_RTPFB = 205, /**< transport feedback (RFC 4585), e.g. NACK */
	MR_RTCP_PSFB = 206,  /**< payload-specific feedback (RFC 4585), e.g. PLI */
};

/** One RTCP report block (RFC 3550 6.4.1). */
struct mr_rtcp_rb {
	uint32_t ssrc;         /**< source this block reports on */
	uint8_t fraction_lost;
	int32_t cum_lost;      /**< 24-bit signed, sign-extended */
	uint32_t ext_high_seq;
	uint32_t jitter;
	uint32_t lsr;
	uint32_t dlsr;
};

/** Report blocks kept per compound packet; more are counted, not kept. */
#define MR_RTCP_MAX_RB 4

/** What mr_rtcp_parse() learned of a compound RTCP packet. */
struct mr_rtcp_info {
	uint32_t ssrc;         /**< sender SSRC of the first packet */
	uint8_t n_packets;     /**< packets in the compound (saturates at 255) */
	uint8_t has_sr;
	uint8_t has_bye;
	uint8_t n_rb;          /**< report blocks seen (saturates at 255) */
	uint64_t sr_ntp;       /**< SR NTP timestamp */
	uint32_t sr_rtp_ts;
	uint32_t sr_pkt_count;
	uint32_t sr_octet_count;
	struct mr_rtcp_rb rb[MR_RTCP_MAX_RB]; /**< first min(n_rb, 4) blocks */
};

/**
 * Validate a compound RTCP packet and collect SR/RR statistics. Every
 * packet must have version 2, a length field that fits, and the lengths
 * must add up to @p len exactly; only the last packet may be padded; the
 * first must be SR or RR (RFC 3550 A.2) or, for reduced-size RTCP
 * (RFC 5506), any known type with an SSRC. Report-block counts must fit
 * the packet length. Unknown packet types inside the compound are skipped.
 *
 * @return
 *   MR_DROP_NONE or MR_DROP_RTCP_MALFORMED.
 */
mr_drop_reason_t mr_rtcp_parse(const uint8_t *p, uint32_t len,
			       struct mr_rtcp_info *ri);

/** RFC 3550 A.1 constants. */
#define MR_SEQ_MAX_DROPOUT 3000
#define MR_SEQ_MAX_MISORDER 100
#define MR_SEQ_MIN_SEQUENTIAL 2
#define MR_SEQ_MOD (1u << 16)

/**
 * Per-source sequence state, RFC 3550 A.1, extended with the extended
 * sequence number of late packets (including those reordered across a
 * 16-bit wrap) and duplicate detection over the last 64 numbers.
 */
struct mr_seq {
	uint32_t cycles;          /**< wraps << 16 */
	uint32_t base_seq;        /**< first extended seq counted */
	uint32_t bad_seq;         /**< last 'bad' seq + 1, A.1 */
	uint32_t probation;       /**< packets still needed to validate */
	uint32_t received;        /**< packets counted (no duplicates) */
	uint32_t expected_prior;  /**< for interval loss (RR fraction) */
	uint32_t received_prior;
	uint32_t duplicates;      /**< packets seen twice within the window */
	uint32_t late;            /**< reordered packets (within MAX_MISORDER) */
	uint32_t restarts;        /**< resyncs after a big jump, A.1 bad_seq */
	uint64_t window;          /**< bit i set: (max ext seq - i) received */
	uint16_t max_seq;         /**< highest seq seen, 16 bits */
};

/** Result of mr_seq_update(). */
enum mr_seq_result {
	MR_SEQ_VALID,      /**< in order (possibly after a gap) */
	MR_SEQ_LATE,       /**< older than the highest; counted, ext seq set */
	MR_SEQ_DUPLICATE,  /**< already received; not counted again */
	MR_SEQ_PROBATION,  /**< source not yet validated (A.1 probation) */
	MR_SEQ_BAD,        /**< big jump, waiting for a confirming packet */
	MR_SEQ_RESTART,    /**< the jump was confirmed: state was resynced */
};

/**
 * Start tracking a source at its first packet. Puts it on probation
 * (MR_SEQ_MIN_SEQUENTIAL) as A.1 does: max_seq = seq - 1, so the caller
 * then passes that same first packet to mr_seq_update() too.
 */
void mr_seq_init(struct mr_seq *s, uint16_t seq);

/**
 * Account one packet.
 *
 * @param ext_seq
 *   Set to the packet's 32-bit extended sequence number for every result
 *   except MR_SEQ_BAD (for MR_SEQ_BAD it is set to the number the packet
 *   would have in the current cycle).
 * @return
 *   How the packet was classified.
 */
enum mr_seq_result mr_seq_update(struct mr_seq *s, uint16_t seq, uint32_t *ext_seq);

/** Highest extended sequence number received. */
static inline uint32_t
mr_seq_ext_max(const struct mr_seq *s)
{
	return s->cycles + s->max_seq;
}

/** Packets expected since the base (A.3). */
static inline uint32_t
mr_seq_expected(const struct mr_seq *s)
{
	return mr_seq_ext_max(s) - s->base_seq + 1;
}

/** Cumulative packets lost (A.3); negative with duplicates from the far past. */
static inline int64_t
mr_seq_lost(const struct mr_seq *s)
{
	return (int64_t)mr_seq_expected(s) - (int64_t)s->received;
}

/**
 * Fraction lost since the previous call, 8-bit fixed point (A.3); updates
 * the prior counters.
 */
uint8_t mr_seq_fraction_lost(struct mr_seq *s);

/** RFC 3550 A.8 interarrival jitter state. */
struct mr_jitter {
	uint32_t transit;   /**< previous arrival - timestamp */
	uint32_t jitter_q4; /**< jitter << 4, in RTP clock units */
	uint8_t started;
};

/**
 * Account one packet's arrival.
 *
 * @param arrival
 *   Arrival time in the stream's RTP clock units (see mr_rtp_clock()).
 * @param rtp_ts
 *   The packet's RTP timestamp.
 */
void mr_jitter_update(struct mr_jitter *j, uint32_t arrival, uint32_t rtp_ts);

/** Current jitter estimate in RTP clock units. */
static inline uint32_t
mr_jitter_get(const struct mr_jitter *j)
{
	return j->jitter_q4 >> 4;
}

/** Convert a TSC reading to RTP clock units (mod 2^32), exactly. */
static inline uint32_t
mr_rtp_clock(uint64_t tsc, uint64_t tsc_hz, uint32_t clock_rate)
{
	return (uint32_t)(((unsigned __int128)tsc * clock_rate) / tsc_hz);
}

#ifdef __cplusplus
}
#endif

#endif /* MR_RTP_H */
