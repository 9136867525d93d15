/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_SDP_H
#define MR_SDP_H

/**
 * @file
 * SDP (RFC 8866, formerly 4566) for the ng protocol: a bounded parser that
 * indexes a body without copying it, and a rewriter that writes a new body
 * with the relay's addresses, ports and attributes.
 *
 * Parsing: lines end in CRLF or a bare LF (RFC 8866 section 5 asks parsers
 * to accept both); a CR elsewhere, a NUL, a line longer than
 * MR_SDP_MAX_LINE_LEN, more than MR_SDP_MAX_LINES lines, more than
 * MR_SDP_MAX_MEDIA media sections or MR_SDP_MAX_FMT formats in one m=
 * line are errors. The body must start with "v=0", have one o= line in
 * the session part, and give every media section a connection address
 * (its own c= or the session's). Empty lines are allowed only at the end.
 * Lines of types this module does not interpret (i, u, e, p, b, z, k, r,
 * t, s, ...) are kept as they are.
 *
 * Rewriting writes CRLF line ends and never changes lines it was not
 * asked to change.
 *
 * Plain C with no DPDK: the fuzz harness builds it alone.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MR_SDP_MAX_LEN      65535  /**< longest body accepted */
#define MR_SDP_MAX_LINE_LEN 4096   /**< longest line, without its line end */
#define MR_SDP_MAX_LINES    512    /**< lines in a body */
#define MR_SDP_MAX_MEDIA    16     /**< m= sections */
#define MR_SDP_MAX_FMT      64     /**< formats in one m= line */
#define MR_SDP_MAX_PT       128    /**< RTP payload types are 0..127 */

/** A piece of the parsed body: offset and length. */
struct mr_sdp_span {
	uint32_t off;
	uint32_t len;
};

/** What an a= line is, for the attributes the rewriter handles. */
enum mr_sdp_attr {
	MR_SDP_ATTR_OTHER = 0,
	MR_SDP_ATTR_RTPMAP,
	MR_SDP_ATTR_FMTP,
	MR_SDP_ATTR_RTCP_FB,
	MR_SDP_ATTR_RTCP,
	MR_SDP_ATTR_RTCP_MUX,
	MR_SDP_ATTR_CRYPTO,
	MR_SDP_ATTR_ICE,          /**< ice-ufrag, ice-pwd, candidate, ... (RFC 8839) */
	MR_SDP_ATTR_DIRECTION,    /**< sendrecv, sendonly, recvonly, inactive */
};

/** Media direction (RFC 8866 section 6.7). */
enum mr_sdp_dir {
	MR_SDP_DIR_NONE = 0,      /**< not given (rewrite: leave as is) */
	MR_SDP_DIR_SENDRECV,
	MR_SDP_DIR_SENDONLY,
	MR_SDP_DIR_RECVONLY,
	MR_SDP_DIR_INACTIVE,
};

/** One line of the body. */
struct mr_sdp_line {
	char type;                 /**< 'v', 'o', 'c', 'm', 'a', ... */
	uint8_t attr;              /**< enum mr_sdp_attr (a= lines) */
	int16_t pt;                /**< payload type of rtpmap/fmtp/rtcp-fb, else -1 */
	struct mr_sdp_span value;  /**< after "x=" */
	struct mr_sdp_span name;   /**< a=: the attribute name */
	struct mr_sdp_span arg;    /**< a=: what follows "name:" (len 0 if none) */
};

/** A connection address (c= line, or the address in o=). */
struct mr_sdp_addr {
	bool present;
	uint8_t family;            /**< 4 or 6 (from the address type) */
	bool ip_valid;             /**< address parsed as a literal of that family */
	uint8_t ip[16];            /**< IPv4 in the first 4 bytes; network order */
	struct mr_sdp_span addr;   /**< the address text, without "/ttl" */
	int16_t line;              /**< index in lines[], -1 when absent */
};

/** One m= section. */
struct mr_sdp_media {
	uint16_t first_line;       /**< the m= line */
	uint16_t n_lines;          /**< lines in the section, m= included */
	struct mr_sdp_span type;   /**< "audio", "video", "image", ... */
	uint16_t port;
	uint16_t port_count;       /**< from "port/count"; 0 when not given */
	struct mr_sdp_span proto;  /**< "RTP/AVP", "RTP/SAVP", "udptl", ... */
	bool rtp;                  /**< proto is an RTP profile: formats are payload types */
	uint8_t n_fmt;
	struct mr_sdp_span fmt[MR_SDP_MAX_FMT];
	int16_t fmt_pt[MR_SDP_MAX_FMT]; /**< payload type, -1 for a non-RTP format */
	struct mr_sdp_addr conn;   /**< the section's own c=, if any */
	int32_t rtcp_port;         /**< from a=rtcp, -1 when absent */
	bool rtcp_mux;             /**< a=rtcp-mux present */
	bool ice;                  /**< an ICE attribute present */
	uint8_t direction;         /**< enum mr_sdp_dir of the section's own attribute */
	uint8_t n_crypto;          /**< a=crypto lines (saturates at 255) */
};

/** A parsed body. Large (tens of KiB): allocate it once, not on a small stack. */
struct mr_sdp {
	const char *body;
	size_t len;
	uint16_t n_lines;
	uint16_t session_lines;    /**< lines before the first m= */
	struct mr_sdp_line lines[MR_SDP_MAX_LINES];
	struct mr_sdp_span o_user, o_sess_id, o_sess_version;
	struct mr_sdp_addr origin; /**< the o= line's address (line = its index) */
	struct mr_sdp_addr conn;   /**< session-level c= */
	uint8_t direction;         /**< session-level direction attribute */
	bool ice;                  /**< a session-level ICE attribute present */
	uint8_t n_media;
	struct mr_sdp_media media[MR_SDP_MAX_MEDIA];
};

/** Why parsing or rewriting failed. */
struct mr_sdp_error {
	int line;                  /**< 1-based line number, 0 when not about one line */
	char msg[96];
};

/**
 * Parse and index an SDP body.
 *
 * @param sdp   Filled on success; it points into @p body, which must outlive it.
 * @param err   Filled on failure (may be NULL).
 * @return 0, or -EINVAL (malformed), -E2BIG (a limit exceeded), with @p err set.
 */
int mr_sdp_parse(struct mr_sdp *sdp, const char *body, size_t len, struct mr_sdp_error *err);

/** Pointer to the text of a span (not NUL-terminated). */
static inline const char *
mr_sdp_ptr(const struct mr_sdp *sdp, struct mr_sdp_span s)
{
	return sdp->body + s.off;
}

/** The connection address that applies to media @p m: its own, else the session's. */
const struct mr_sdp_addr *mr_sdp_media_conn(const struct mr_sdp *sdp, unsigned int m);

/** The direction in force for media @p m (its own, the session's, else sendrecv). */
enum mr_sdp_dir mr_sdp_media_direction(const struct mr_sdp *sdp, unsigned int m);

/** A codec as described by a=rtpmap or the static table of RFC 3551. */
struct mr_sdp_codec {
	char name[32];             /**< encoding name as written ("PCMU", "opus") */
	uint32_t clock_rate;
	uint16_t channels;         /**< 1 when not given */
};

/**
 * The codec behind payload type @p pt in media @p m: its a=rtpmap, else
 * the static assignment (0 PCMU, 8 PCMA, 9 G722, ...).
 * @return 0, -ENOENT when @p pt is neither mapped nor static, -EINVAL on bad args.
 */
int mr_sdp_codec(const struct mr_sdp *sdp, unsigned int m, int pt, struct mr_sdp_codec *out);

/**
 * Mark in @p pts (a 128-bit set: bit pt of pts[pt / 64]) the payload types
 * of media @p m that match @p spec: a payload type number ("8"), or
 * "name[/clock[/channels]]" with the name compared case-insensitively
 * (RFC 8866 section 6.6).
 * @return the number of payload types marked (0 when none matched).
 */
int mr_sdp_match_codec(const struct mr_sdp *sdp, unsigned int m, const char *spec,
		       size_t spec_len, uint64_t pts[2]);

/** A payload type to add to an RTP section, with its a=rtpmap. */
struct mr_sdp_fmt_add {
	uint8_t pt;                /**< 0..127, not one the section keeps */
	const char *rtpmap;        /**< "opus/48000/2": the a=rtpmap value after the pt */
};

/** Rewrite instructions for one media section. */
struct mr_sdp_media_rewrite {
	int32_t port;              /**< new m= port; -1 keeps it */
	const char *proto;         /**< new RTP profile ("RTP/SAVP") of an RTP section; NULL keeps it */
	int32_t rtcp_port;         /**< -1 keeps a=rtcp; 0 removes it; else a=rtcp:PORT */
	bool rtcp_full;            /**< a=rtcp with " IN IP4 addr" (needs the rewrite address) */
	int8_t rtcp_mux;           /**< -1 removes a=rtcp-mux, 0 keeps, 1 adds if absent */
	bool crypto_remove;        /**< drop every a=crypto */
	const char *const *crypto_add; /**< a=crypto values to append ("1 AES_CM_...") */
	unsigned int n_crypto_add;
	uint8_t direction;         /**< enum mr_sdp_dir; NONE keeps the section's */
	const uint64_t *pt_keep;   /**< 128-bit set of payload types to keep; NULL keeps all */
	/** payload types appended to the m= line, each with an a=rtpmap (RTP sections) */
	const struct mr_sdp_fmt_add *fmt_add;
	unsigned int n_fmt_add;
};

/** Rewrite instructions for a body. */
struct mr_sdp_rewrite {
	const char *addr;          /**< relay address text; NULL leaves c= lines alone */
	uint8_t family;            /**< 4 or 6: the address type written with @p addr */
	bool origin;               /**< also replace the o= address */
	bool session_conn;         /**< replace the session c= (else media get their own c=) */
	bool ice_remove;           /**< drop ICE attributes everywhere */
	uint8_t session_direction; /**< enum mr_sdp_dir; NONE keeps the session's */
	unsigned int n_media;      /**< 0, or sdp->n_media */
	const struct mr_sdp_media_rewrite *media;
};

/** A rewrite that changes nothing; fields then set one by one. */
void mr_sdp_media_rewrite_init(struct mr_sdp_media_rewrite *mr);

/**
 * Write a new body: the parsed one with @p rw applied.
 *
 * With an address, media-level c= lines carry it; the session c= does
 * when rw->session_conn is set, and otherwise every media section that
 * relied on the session c= gets a c= line of its own after its m= line.
 * New a= lines (a=rtcp, a=rtcp-mux, a=crypto, direction) go at the end
 * of their section. When @p pt_keep filters a section's payload types,
 * their rtpmap/fmtp/rtcp-fb lines go too. Added formats (fmt_add) follow
 * the kept ones on the m= line, their a=rtpmap lines end the section.
 *
 * @return the length written (no NUL is added), or -ENOSPC (buffer too
 *   small), -ENOENT (a filter left a media section without any format),
 *   -EINVAL (bad instructions), with @p err set.
 */
int mr_sdp_write(const struct mr_sdp *sdp, const struct mr_sdp_rewrite *rw, char *out,
		 size_t cap, struct mr_sdp_error *err);

/** The name of a direction ("sendrecv", ...), or NULL for MR_SDP_DIR_NONE. */
const char *mr_sdp_dir_name(enum mr_sdp_dir d);

#ifdef __cplusplus
}
#endif

#endif /* MR_SDP_H */
