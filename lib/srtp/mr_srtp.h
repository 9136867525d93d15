/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_SRTP_H
#define MR_SRTP_H

/**
 * @file
 * SRTP and SRTCP (RFC 3711, RFC 7714) on libsrtp2: keys as SDP security
 * descriptions write them (RFC 4568 "inline:" key parameters), and
 * contexts that protect and unprotect packets in place.
 *
 * Keys. mr_srtp_key_parse() turns a suite name and an inline key into a
 * struct mr_srtp_key (fixed size, no pointers): master key then master
 * salt. Logs, telemetry and reports name a key by mr_srtp_key_fingerprint()
 * only. mr_srtp_key_wipe() erases a key (explicit_bzero); contexts keep no
 * copy of the key they were made from.
 *
 * Contexts. An inbound context belongs to one key of one leg and one
 * direction: it accepts any SSRC (libsrtp's ssrc_any_inbound) and keeps a
 * rollover counter and replay window per SSRC, made when the first packet
 * of that SSRC authenticates. An outbound context protects the packets of
 * one SSRC. Both handle RTP and RTCP (rtcp-mux) under the same key.
 *
 * Threads and memory. mr_srtp_init() once per process, before any context.
 * A context is used by ONE lcore: libsrtp contexts are not thread-safe, so
 * the lcore that owns the stream (or leg) owns its contexts and no other
 * lcore touches them while it may. Contexts are made and freed off the
 * packet path (control, or stream creation and reclamation): creation
 * allocates from the heap. Two allocations happen inside packet calls, both
 * in libsrtp and its crypto backend, and docs/srtp.md says what they cost:
 * the first authenticated packet of a new SSRC in an inbound context
 * allocates that SSRC's state (libsrtp clones its template), and Debian's
 * libsrtp2, built on NSS, makes an NSS cipher context per AES-CM packet.
 *
 * Packets. The protect and unprotect calls work in place on one contiguous
 * buffer (an mbuf segment's data) that starts at the RTP or RTCP header and
 * whose first byte is 4-byte aligned or on a CPU that reads unaligned words
 * (x86, arm64). They never read or write outside [pkt, pkt + room) for
 * protect and [pkt, pkt + len) for unprotect, and they return one of
 * enum mr_srtp_result. A packet that failed is not valid RTP: drop it (its
 * bytes may have been partly transformed).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Crypto suites (RFC 4568 section 6.2, RFC 7714 section 14.1). */
enum mr_srtp_suite {
	MR_SRTP_SUITE_NONE = 0,             /**< no key: plain RTP */
	MR_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	MR_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
	MR_SRTP_AEAD_AES_128_GCM = 3,
	MR_SRTP_AEAD_AES_256_GCM = 4,
};

/** Number of suites, MR_SRTP_SUITE_NONE not counted. */
#define MR_SRTP_SUITES 4

/** Largest master key + salt: AEAD_AES_256_GCM, 32 + 12 bytes. */
#define MR_SRTP_MATERIAL_MAX 44

/** Characters of a key fingerprint (hex), without the terminating NUL. */
#define MR_SRTP_FINGERPRINT_LEN 12

/** Largest SRTP trailer any suite adds to an RTP packet (GCM tag). */
#define MR_SRTP_RTP_OVERHEAD_MAX 16
/** Largest SRTCP trailer any suite adds: E flag + index, and the tag. */
#define MR_SRTP_RTCP_OVERHEAD_MAX 20

/**
 * A master key and salt with their suite. Plain data: copy it, store it in
 * a configuration; wipe it with mr_srtp_key_wipe() when done with it.
 */
struct mr_srtp_key {
	uint8_t suite;      /**< enum mr_srtp_suite; MR_SRTP_SUITE_NONE: no key */
	uint8_t key_len;    /**< master key bytes: 16 or 32 */
	uint8_t salt_len;   /**< master salt bytes: 14 (AES-CM) or 12 (GCM) */
	uint8_t reserved;
	uint32_t reserved2;
	uint64_t lifetime;  /**< SDES lifetime in packets, 0 when not given */
	uint8_t material[MR_SRTP_MATERIAL_MAX]; /**< key, then salt */
};

/**
 * Outcomes of the protect and unprotect calls. The relay counts each
 * failure under a drop reason named after it ("srtp_" + name).
 */
#define MR_SRTP_RESULTS(X) \
	X(OK,        "ok")        /* done */ \
	X(AUTH,      "auth")      /* authentication tag (or GCM tag) wrong */ \
	X(REPLAY,    "replay")    /* index already seen or left of the window */ \
	X(MALFORMED, "malformed") /* too short, header lengths past the end, \
				   * SRTCP E flag not as the suite says */ \
	X(NO_ROOM,   "no_room")   /* protect: no room for the trailer */ \
	X(ERROR,     "error")     /* anything else: wrong SSRC for an \
				   * outbound context, allocation or \
				   * cipher failure, key used up */

/** Result of a packet call; see MR_SRTP_RESULTS. */
enum mr_srtp_result {
#define MR_SRTP_ENUM_(sym, name) MR_SRTP_##sym,
	MR_SRTP_RESULTS(MR_SRTP_ENUM_)
#undef MR_SRTP_ENUM_
	MR_SRTP__MAX
};

/** Name of a result ([a-z_]), "invalid" when out of range. */
const char *mr_srtp_result_name(enum mr_srtp_result r);

/**
 * Initialise libsrtp (its crypto kernel and self tests) and choose its
 * crypto backend: OpenSSL's libcrypto under libsrtp's cipher and HMAC
 * types (the default when built with it, meson -Dsrtp_crypto), or
 * libsrtp's own (NSS on Debian), then keep one libsrtp session open for
 * the life of the process, so that NSS stays initialised between
 * contexts. The environment variable MR_SRTP_CRYPTO=libsrtp|openssl
 * overrides the build's default (docs/srtp.md). Call once per process,
 * on the main lcore, before any context is made; later calls return at
 * once. Thread-safe. Logs the backend at INFO.
 *
 * @return
 *   0, or -EIO when libsrtp refused to start (its self tests or the
 *   OpenSSL types' failed) or MR_SRTP_CRYPTO names no backend built in.
 */
int mr_srtp_init(void);

/** Crypto backend under libsrtp. */
enum mr_srtp_crypto {
	MR_SRTP_CRYPTO_LIBSRTP,    /**< libsrtp's own (NSS on Debian) */
	MR_SRTP_CRYPTO_OPENSSL,    /**< mrelay's types on OpenSSL libcrypto */
};

/** The backend in use (meaningful after mr_srtp_init()). */
enum mr_srtp_crypto mr_srtp_crypto(void);

/** The backend in use as a name: "openssl" or "libsrtp". */
const char *mr_srtp_crypto_name(void);

/**
 * Switch from libsrtp's backend to OpenSSL after mr_srtp_init(), for the
 * benchmark that times both in one run. Contexts made before keep the
 * backend they were made with. Not thread-safe; not for mrelay itself.
 *
 * @return
 *   0, -EIO (not initialised, or a self test failed), -ENOTSUP (built
 *   without OpenSSL).
 */
int mr_srtp_crypto_use_openssl(void);

/**
 * Parse a suite name as SDP writes it, e.g. "AES_CM_128_HMAC_SHA1_80".
 *
 * @return
 *   The suite, or MR_SRTP_SUITE_NONE when the name is not one of the four.
 */
enum mr_srtp_suite mr_srtp_suite_parse(const char *name);

/** Name of a suite as SDP writes it, "none" or "invalid" otherwise. */
const char *mr_srtp_suite_name(enum mr_srtp_suite suite);

/** Master key bytes of a suite (16 or 32), 0 when invalid. */
unsigned int mr_srtp_suite_key_len(enum mr_srtp_suite suite);

/** Master salt bytes of a suite (14 or 12), 0 when invalid. */
unsigned int mr_srtp_suite_salt_len(enum mr_srtp_suite suite);

/** Bytes protect adds to an RTP packet: the tag (10, 4, 16, 16). */
unsigned int mr_srtp_rtp_overhead(enum mr_srtp_suite suite);

/** Bytes protect adds to an RTCP packet: E flag + index, and the tag. */
unsigned int mr_srtp_rtcp_overhead(enum mr_srtp_suite suite);

/**
 * Parse an SDES key: a suite name and its key parameters
 * "inline:<base64 of master key || master salt>[|<lifetime>]" (RFC 4568
 * section 6.1; base64 of RFC 4648 with or without its '=' padding). The
 * lifetime is "2^n" (1 <= n <= 48) or a decimal count of packets, kept in
 * key->lifetime and not enforced here (libsrtp stops a key at 2^48 RTP
 * packets). Refused: an MKI ("|1:4"), several keys, anything after the key
 * parameters, a decoded length other than the suite's.
 *
 * On error @p key is wiped and @p err says what is wrong (suite unknown,
 * not inline, base64 invalid at which character, wrong length for the
 * suite, MKI, lifetime); it never quotes the key.
 *
 * @param suite
 *   Suite name, see mr_srtp_suite_parse().
 * @param params
 *   The key parameters, NUL-terminated.
 * @param key
 *   Filled on success.
 * @param err
 *   Buffer for the error message (may be NULL).
 * @param err_len
 *   Its size.
 * @return
 *   0, or -EINVAL.
 */
int mr_srtp_key_parse(const char *suite, const char *params,
		      struct mr_srtp_key *key, char *err, size_t err_len);

/**
 * Make a key from raw bytes (e.g. keying material a DTLS handshake
 * exported, or tests): @p material is the master key then the salt.
 *
 * @return
 *   0, or -EINVAL when the suite is invalid or @p len is not its key
 *   length plus its salt length.
 */
int mr_srtp_key_set(struct mr_srtp_key *key, enum mr_srtp_suite suite,
		    const uint8_t *material, size_t len);

/**
 * A short name of a key for logs and telemetry that does not reveal it:
 * the first 6 bytes, in hex, of SHA-256("mrelay-srtp:" || suite name ||
 * ":" || master key || master salt). 48 bits tell keys apart in a log;
 * finding the key from them means searching its 2^128 or more values.
 *
 * @param key
 *   A key (suite MR_SRTP_SUITE_NONE gives "none").
 * @param out
 *   MR_SRTP_FINGERPRINT_LEN hex characters and a NUL.
 */
void mr_srtp_key_fingerprint(const struct mr_srtp_key *key,
			     char out[MR_SRTP_FINGERPRINT_LEN + 1]);

/** Erase a key (explicit_bzero: the compiler keeps the stores). */
void mr_srtp_key_wipe(struct mr_srtp_key *key);

/** A context; see the file comment. */
struct mr_srtp_ctx;

/**
 * Make an inbound context: unprotects RTP and RTCP of any SSRC with @p key.
 * Off the packet path (allocates).
 *
 * @param key
 *   The key; the context keeps no copy of it.
 * @param replay_window
 *   Replay window of each SSRC's RTP in packets, 64..32767; 0 takes
 *   libsrtp's default (128). SRTCP's window is libsrtp's fixed 128.
 * @param ctx
 *   Set to the new context.
 * @return
 *   0, -EINVAL (bad key or window), -ENOMEM, or -EIO (libsrtp refused
 *   the policy or mr_srtp_init() was not called).
 */
int mr_srtp_inbound_create(const struct mr_srtp_key *key, uint32_t replay_window,
			   struct mr_srtp_ctx **ctx);

/**
 * Make an outbound context: protects RTP and RTCP whose SSRC is @p ssrc
 * (host order); packets of another SSRC get MR_SRTP_ERROR. Its first RTP
 * packet has rollover counter 0 whatever its sequence number; later ones
 * follow RFC 3711's index estimation from the highest sent. Its SRTCP
 * index starts at 1 (the first packet sent) and counts up.
 * Off the packet path (allocates).
 *
 * @return
 *   0, -EINVAL, -ENOMEM, or -EIO as mr_srtp_inbound_create().
 */
int mr_srtp_outbound_create(const struct mr_srtp_key *key, uint32_t ssrc,
			    struct mr_srtp_ctx **ctx);

/** Free a context and what libsrtp holds for it (it zeroes its keys). */
void mr_srtp_ctx_free(struct mr_srtp_ctx *ctx);

/** Suite of a context. */
enum mr_srtp_suite mr_srtp_ctx_suite(const struct mr_srtp_ctx *ctx);

/** Fingerprint of the key a context was made with (NUL-terminated). */
const char *mr_srtp_ctx_fingerprint(const struct mr_srtp_ctx *ctx);

/**
 * Forget one SSRC's state (rollover counter, replay window, session keys)
 * in a context, e.g. when the relay reclaims the stream. A later packet of
 * that SSRC starts afresh (rollover counter 0), as a new source would.
 * Frees memory: off the packet path, by the lcore that owns the context.
 *
 * @return
 *   0, or -ENOENT when the context has no state for @p ssrc.
 */
int mr_srtp_remove_ssrc(struct mr_srtp_ctx *ctx, uint32_t ssrc);

/**
 * The rollover counter of one SSRC's RTP (the high 32 bits of the 48-bit
 * index) as the context last moved it.
 *
 * @return
 *   0, or -ENOENT when the context has no state for @p ssrc.
 */
int mr_srtp_roc(const struct mr_srtp_ctx *ctx, uint32_t ssrc, uint32_t *roc);

/**
 * Unprotect an SRTP packet in place: check its tag and its index against
 * the replay window, decrypt it, and shorten *len by the tag.
 *
 * @param ctx
 *   An inbound context.
 * @param pkt
 *   The packet, starting at the RTP header.
 * @param len
 *   In: the SRTP packet's length. Out: the RTP packet's, on MR_SRTP_OK.
 * @return
 *   MR_SRTP_OK, AUTH, REPLAY, MALFORMED or ERROR.
 */
enum mr_srtp_result mr_srtp_unprotect_rtp(struct mr_srtp_ctx *ctx, uint8_t *pkt,
					  uint32_t *len);

/**
 * Unprotect an SRTCP packet in place (E flag and index, then the tag, after
 * the compound RTCP packet): check, decrypt, shorten *len by the trailer.
 * A packet whose E flag is clear (authenticated, not encrypted) is
 * accepted by the GCM suites (RFC 7714 section 9.2) and refused by the
 * AES-CM ones (MR_SRTP_MALFORMED: libsrtp checks the flag against its
 * policy, which here always encrypts).
 */
enum mr_srtp_result mr_srtp_unprotect_rtcp(struct mr_srtp_ctx *ctx, uint8_t *pkt,
					   uint32_t *len);

/**
 * Protect an RTP packet in place: encrypt it and append the tag.
 *
 * @param ctx
 *   The outbound context of the packet's SSRC.
 * @param pkt
 *   The packet, starting at the RTP header.
 * @param len
 *   In: the RTP packet's length. Out: the SRTP packet's, on MR_SRTP_OK.
 * @param room
 *   Bytes writable from @p pkt on (len plus tailroom): at least
 *   *len + mr_srtp_rtp_overhead(), else MR_SRTP_NO_ROOM and nothing done.
 * @return
 *   MR_SRTP_OK, NO_ROOM, MALFORMED, REPLAY (an index already sent) or
 *   ERROR.
 */
enum mr_srtp_result mr_srtp_protect_rtp(struct mr_srtp_ctx *ctx, uint8_t *pkt,
					uint32_t *len, uint32_t room);

/**
 * Protect an RTCP packet in place: encrypt it, append E flag + SRTCP
 * index and the tag; @p room as mr_srtp_protect_rtp() with
 * mr_srtp_rtcp_overhead().
 */
enum mr_srtp_result mr_srtp_protect_rtcp(struct mr_srtp_ctx *ctx, uint8_t *pkt,
					 uint32_t *len, uint32_t room);

/**
 * mbuf forms of the four calls: the packet starts @p off bytes into the
 * first segment's data and runs to the end of the mbuf, which must have
 * one segment (else MR_SRTP_MALFORMED). On MR_SRTP_OK the mbuf's data_len
 * and pkt_len follow the new length; the caller rewrites the IP and UDP
 * lengths and checksums. Nothing is allocated.
 */
enum mr_srtp_result mr_srtp_unprotect_rtp_mbuf(struct mr_srtp_ctx *ctx,
					       struct rte_mbuf *m, uint16_t off);
/** See mr_srtp_unprotect_rtp_mbuf(). */
enum mr_srtp_result mr_srtp_unprotect_rtcp_mbuf(struct mr_srtp_ctx *ctx,
						struct rte_mbuf *m, uint16_t off);
/** See mr_srtp_unprotect_rtp_mbuf(); room is the mbuf's tailroom. */
enum mr_srtp_result mr_srtp_protect_rtp_mbuf(struct mr_srtp_ctx *ctx,
					     struct rte_mbuf *m, uint16_t off);
/** See mr_srtp_unprotect_rtp_mbuf(); room is the mbuf's tailroom. */
enum mr_srtp_result mr_srtp_protect_rtcp_mbuf(struct mr_srtp_ctx *ctx,
					      struct rte_mbuf *m, uint16_t off);

#ifdef __cplusplus
}
#endif

#endif /* MR_SRTP_H */
