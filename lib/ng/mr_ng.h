/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_NG_H
#define MR_NG_H

/**
 * @file
 * The rtpengine "ng" control protocol's message layer: framing
 * ("cookie SP bencoded-dictionary"), a reply cache keyed by peer and
 * cookie, the typed request, reply encoding, and a non-blocking UDP
 * server that the main lcore polls.
 *
 * Commands: ping is answered here; offer, answer, delete, query, list
 * and statistics go to the handler functions given at creation (the
 * session layer), which append their keys to an open reply dictionary.
 * A command without a handler is answered with an error that says so.
 *
 * Everything a request may carry is listed in one table (mr_ng.c): a key,
 * flag or value that is not there is refused with "result": "error" and an
 * "error-reason" naming it, before any handler runs. Keys and flags are
 * compared without regard to case, with ' ', '_' and '-' equivalent
 * (rtpengine's spelling rules: "trust address" == "trust-address").
 *
 * Retransmissions: every reply that carried a cookie is kept for
 * conf.cache_ttl_ms; the same cookie from the same peer gets the same bytes
 * back and the handler does not run again.
 *
 * Memory is allocated once, in mr_ng_create(). Plain C and POSIX sockets:
 * no EAL needed (the unit tests run it without one).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mr_bencode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_NG_COOKIE_MAX    64      /**< longest cookie accepted */
#define MR_NG_MSG_MAX       65535   /**< longest datagram read */
#define MR_NG_MAX_CODEC_OPS 32      /**< codec operations in one request */
#define MR_NG_REASON_MAX    160     /**< error-reason length, with the NUL */

/** Commands. */
#define MR_NG_COMMANDS(X) \
	X(PING, "ping") \
	X(OFFER, "offer") \
	X(ANSWER, "answer") \
	X(DELETE, "delete") \
	X(QUERY, "query") \
	X(LIST, "list") \
	X(STATISTICS, "statistics")

enum mr_ng_command {
#define MR_NG_CMD_ENUM(e, s) MR_NG_CMD_##e,
	MR_NG_COMMANDS(MR_NG_CMD_ENUM)
#undef MR_NG_CMD_ENUM
	MR_NG_CMD_MAX
};

/** The name of a command ("offer"), or NULL. */
const char *mr_ng_command_name(enum mr_ng_command c);

/** Entries of the "flags" list that are understood (bits of mr_ng_request.flags). */
#define MR_NG_FLAGS(X) \
	X(TRUST_ADDRESS, "trust-address") \
	X(SIP_SOURCE_ADDRESS, "sip-source-address") \
	X(SYMMETRIC, "symmetric") \
	X(ASYMMETRIC, "asymmetric") \
	X(STRICT_SOURCE, "strict-source") \
	X(NO_RTCP_ATTRIBUTE, "no-rtcp-attribute") \
	X(FULL_RTCP_ATTRIBUTE, "full-rtcp-attribute") \
	X(ORIGINAL_SENDRECV, "original-sendrecv") \
	X(FATAL, "fatal")

enum {
#define MR_NG_FLAG_ENUM(e, s) MR_NG_FLAG_BIT_##e,
	MR_NG_FLAGS(MR_NG_FLAG_ENUM)
#undef MR_NG_FLAG_ENUM
	MR_NG_FLAG_BIT_MAX
};
#define MR_NG_FLAG(e) (UINT32_C(1) << MR_NG_FLAG_BIT_##e)

/** Entries of the "replace" list (also "replace-<x>" in "flags"). */
#define MR_NG_REPLACE_ORIGIN       UINT32_C(1)   /**< "origin" */
#define MR_NG_REPLACE_SESSION_CONN UINT32_C(2)   /**< "session-connection" */

/** Entries of the "rtcp-mux" list. */
#define MR_NG_RTCP_MUX_OFFER   UINT32_C(1)
#define MR_NG_RTCP_MUX_REQUIRE UINT32_C(2)
#define MR_NG_RTCP_MUX_ACCEPT  UINT32_C(8)
#define MR_NG_RTCP_MUX_REJECT  UINT32_C(16)

/** "transport-protocol". */
enum mr_ng_transport {
	MR_NG_TRANSPORT_KEEP = 0,   /**< absent: keep the SDP's */
	MR_NG_TRANSPORT_RTP_AVP,
	MR_NG_TRANSPORT_RTP_SAVP,
	MR_NG_TRANSPORT_RTP_AVPF,
	MR_NG_TRANSPORT_RTP_SAVPF,
};

/** The SDP protocol string of a transport ("RTP/SAVP"), NULL for KEEP. */
const char *mr_ng_transport_name(enum mr_ng_transport t);

/** "ICE": only removal is supported (mrelay is no ICE agent). */
enum mr_ng_ice {
	MR_NG_ICE_UNSET = 0,
	MR_NG_ICE_REMOVE,
};

/**
 * Codec operations ("codec" dictionary, or "codec-<op>-<codec>" flags).
 * strip and except filter the SDP; transcode adds a codec the offerer
 * lacks and mask hides one of its codecs from the answerer while still
 * taking it from the offerer: both need transcoding (lib/ngcall requires a
 * [profile] that does it). offer is refused.
 */
enum mr_ng_codec_op {
	MR_NG_CODEC_STRIP = 0,
	MR_NG_CODEC_EXCEPT,
	MR_NG_CODEC_TRANSCODE,
	MR_NG_CODEC_MASK,
};

#define MR_NG_DIRECTION_MAX 2  /**< "direction": the offerer's interface, the other's */

/** A byte string inside the request datagram (not NUL-terminated). */
struct mr_ng_str {
	const char *p;
	size_t len;
};

/** An address given in a request ("received-from", "media-address"). */
struct mr_ng_addr {
	uint8_t family;            /**< 0 absent, 4 or 6 */
	uint8_t ip[16];            /**< IPv4 in the first 4 bytes, network order */
};

/**
 * A parsed request. Strings point into the datagram, which must outlive
 * the request (it does, for the duration of a handler call).
 */
struct mr_ng_request {
	enum mr_ng_command cmd;
	struct mr_ng_str call_id;
	struct mr_ng_str from_tag;
	struct mr_ng_str to_tag;
	struct mr_ng_str via_branch;
	struct mr_ng_str sdp;
	uint32_t flags;            /**< MR_NG_FLAG() bits */
	uint32_t replace;          /**< MR_NG_REPLACE_* */
	uint32_t rtcp_mux;         /**< MR_NG_RTCP_MUX_* */
	enum mr_ng_ice ice;
	enum mr_ng_transport transport;
	struct mr_ng_addr received_from;
	struct mr_ng_addr media_address;
	uint8_t address_family;    /**< "address-family": 0, 4 or 6 */
	/** "direction" (or the flags "internal", "external"): logical interfaces */
	unsigned int n_direction;
	struct mr_ng_str direction[MR_NG_DIRECTION_MAX];
	bool has_delete_delay;
	int64_t delete_delay;      /**< seconds */
	int64_t limit;             /**< "list": most call-ids, 0 when absent */
	unsigned int n_codec;
	struct {
		enum mr_ng_codec_op op;
		struct mr_ng_str name;  /**< "PCMU", "opus/48000/2", "8", "all" */
	} codec[MR_NG_MAX_CODEC_OPS];
};

/** An error reply's reason. */
struct mr_ng_error {
	char reason[MR_NG_REASON_MAX];
};

/** Set an error reason (printf-style); returns -EINVAL for `return mr_ng_fail(...)`. */
int mr_ng_fail(struct mr_ng_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Split a datagram into cookie and payload at the first space.
 * @return 0, or -EINVAL when there is no space within MR_NG_COOKIE_MAX + 1
 *   bytes, the cookie is empty, or it holds a control byte.
 */
int mr_ng_split(const char *msg, size_t len, struct mr_ng_str *cookie,
		struct mr_ng_str *payload);

/**
 * Fill a request from a decoded dictionary: the command, the keys of the
 * table, and the checks that the command's required keys are present.
 * @return 0, or -EINVAL with @p err naming the key, flag or value refused.
 */
int mr_ng_parse_request(const struct mr_bencode_node *dict, struct mr_ng_request *req,
			struct mr_ng_error *err);

/**
 * A command handler: append keys to @p reply, a dictionary already holding
 * "result": "ok" (add "warning" for a non-fatal problem). On failure return
 * a negative errno with @p err set: the reply is then replaced by
 * {"result": "error", "error-reason": err->reason}.
 */
typedef int (*mr_ng_handler_fn)(void *ctx, const struct mr_ng_request *req,
				struct mr_bencode_enc *reply, struct mr_ng_error *err);

/** Outcome counters. */
#define MR_NG_COUNTERS(X) \
	X(RECEIVED, "received") \
	X(REPLIED_OK, "replied_ok") \
	X(REPLIED_ERROR, "replied_error") \
	X(CACHE_HITS, "cache_hits") \
	X(DROP_NO_COOKIE, "drop_no_cookie") \
	X(DROP_TRUNCATED, "drop_truncated") \
	X(DROP_ACL, "drop_acl") \
	X(DROP_SEND_FAILED, "drop_send_failed") \
	X(BAD_BENCODE, "bad_bencode") \
	X(BAD_REQUEST, "bad_request") \
	X(REPLY_TOO_BIG, "reply_too_big") \
	X(CACHE_SKIPPED, "cache_skipped")

enum mr_ng_counter {
#define MR_NG_COUNTER_ENUM(e, s) MR_NG_C_##e,
	MR_NG_COUNTERS(MR_NG_COUNTER_ENUM)
#undef MR_NG_COUNTER_ENUM
	MR_NG_C_MAX
};

/** The name of a counter ("cache_hits"). */
const char *mr_ng_counter_name(enum mr_ng_counter c);

/** Counters of one ng endpoint. */
struct mr_ng_stats {
	uint64_t c[MR_NG_C_MAX];
	uint64_t commands[MR_NG_CMD_MAX];  /**< requests per command, cache hits excluded */
};

/** Most source prefixes in an ACL. */
#define MR_NG_ACL_MAX 16

/** Creation parameters. Zero fields take the defaults in brackets. */
struct mr_ng_conf {
	unsigned int cache_entries;   /**< replies kept [4096] */
	uint32_t cache_ttl_ms;        /**< how long [30000] */
	size_t cache_bytes;           /**< reply bytes kept, oldest evicted first [8 MiB] */
	size_t max_reply;             /**< longest reply, cached or not [65000] */
	unsigned int max_nodes;       /**< bencode values in a request [1024] */
	mr_ng_handler_fn handlers[MR_NG_CMD_MAX]; /**< by command; PING's is not used */
	void *ctx;                    /**< passed to the handlers */
	/** Source prefixes allowed ("10.0.0.0/8", "::1/128"); none: every source. */
	const char *acl[MR_NG_ACL_MAX];
	unsigned int n_acl;
};

/** A datagram's source (IPv4 as ::ffff:a.b.c.d). */
struct mr_ng_peer {
	uint8_t ip[16];
	uint16_t port;                /**< host order */
};

struct mr_ng;

/**
 * Create an ng endpoint (no socket yet: see mr_ng_listen()).
 * @return the endpoint, or NULL with a message in @p errbuf.
 */
struct mr_ng *mr_ng_create(const struct mr_ng_conf *conf, char *errbuf, size_t errlen);

/** Close the socket and free everything. NULL is allowed. */
void mr_ng_free(struct mr_ng *ng);

/**
 * Handle one datagram: the cache, the decoder, the request parser, the
 * handler, the reply and its cache entry.
 *
 * @param out, cap  Where the reply goes (cookie, space, dictionary).
 * @param now_ms    Any monotonic clock in milliseconds (for the cache).
 * @return the reply length; 0 when the datagram gets no reply (no usable
 *   cookie, refused source); -ENOSPC when @p cap cannot even hold an error reply.
 */
int mr_ng_process(struct mr_ng *ng, const struct mr_ng_peer *peer, const char *msg,
		  size_t len, char *out, size_t cap, uint64_t now_ms);

/**
 * Bind the UDP socket (non-blocking).
 * @param addr  "IPv4:port" or "[IPv6]:port" ("0.0.0.0:2223", "[::1]:2223").
 * @return 0, or a negative errno with a message in @p errbuf.
 */
int mr_ng_listen(struct mr_ng *ng, const char *addr, char *errbuf, size_t errlen);

/** The bound socket's port (host order), 0 when not listening. */
uint16_t mr_ng_port(const struct mr_ng *ng);

/** The socket, for a poll()/epoll() the caller may run; -1 when not listening. */
int mr_ng_fd(const struct mr_ng *ng);

/**
 * Read and answer up to @p budget datagrams without blocking.
 * @return the number of datagrams read (0 when none was waiting), or a
 *   negative errno when the socket failed.
 */
int mr_ng_poll(struct mr_ng *ng, uint64_t now_ms, unsigned int budget);

/** The endpoint's counters. */
const struct mr_ng_stats *mr_ng_get_stats(const struct mr_ng *ng);

/** Replies in the cache now (expired entries not yet reused included). */
unsigned int mr_ng_cache_used(const struct mr_ng *ng);

/**
 * Parse "IPv4[:port]" or "[IPv6][:port]" / bare IPv6 (used for the listen
 * address and ACL prefixes' addresses).
 * @return 0, or -EINVAL.
 */
int mr_ng_parse_hostport(const char *s, struct mr_ng_addr *addr, uint16_t *port,
			 bool port_required);

/**
 * Whether @p s is an ACL prefix mr_ng_conf.acl takes ("10.0.0.0/8",
 * "::1/128", a bare address: the host), for configuration checks.
 */
bool mr_ng_prefix_valid(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* MR_NG_H */
