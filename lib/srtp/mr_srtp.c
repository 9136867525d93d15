/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * SRTP contexts on libsrtp2: one libsrtp session per context, made from
 * one key. The packet calls add a length check and the mapping of
 * libsrtp's status to enum mr_srtp_result around srtp_protect() and
 * friends; nothing else runs per packet here.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include "mr_srtp.h"
#ifdef MR_SRTP_HAVE_OPENSSL
#include "mr_srtp_ossl.h"
#endif

/* libsrtp's crypto kernel look-ups: exported, in no installed header */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

RTE_LOG_REGISTER(mr_srtp_logtype, mrelay.srtp, INFO);
#define SRTP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_srtp_logtype, "mrelay.srtp: " __VA_ARGS__)

struct mr_srtp_ctx {
	srtp_t session;
	uint8_t suite;
	uint8_t inbound;
	uint8_t rtp_overhead;
	uint8_t rtcp_overhead;
	uint32_t ssrc;          /* outbound: the one SSRC, host order */
	char fingerprint[MR_SRTP_FINGERPRINT_LEN + 1];
};

static const char *const result_names[MR_SRTP__MAX] = {
#define MR_SRTP_NAME_(sym, name) [MR_SRTP_##sym] = name,
	MR_SRTP_RESULTS(MR_SRTP_NAME_)
#undef MR_SRTP_NAME_
};

const char *
mr_srtp_result_name(enum mr_srtp_result r)
{
	if ((unsigned int)r >= MR_SRTP__MAX)
		return "invalid";
	return result_names[r];
}

static void
log_handler(srtp_log_level_t level, const char *msg, void *data)
{
	uint32_t l = RTE_LOG_DEBUG;

	(void)data;
	if (level == srtp_log_level_error)
		l = RTE_LOG_ERR;
	else if (level == srtp_log_level_warning)
		l = RTE_LOG_WARNING;
	else if (level == srtp_log_level_info)
		l = RTE_LOG_INFO;
	rte_log(l, mr_srtp_logtype, "mrelay.srtp: libsrtp: %s\n", msg);
}

/*
 * libsrtp's own reporter writes each event in two pieces; one line here.
 * Events come after authentication (SSRC collision: one SSRC both sent and
 * received in one context) or near a key's end of life, so they are rare.
 */
static void
event_handler(srtp_event_data_t *data)
{
	static const char *const names[] = {
		[event_ssrc_collision] = "SSRC collision",
		[event_key_soft_limit] = "key usage soft limit reached",
		[event_key_hard_limit] = "key usage hard limit reached",
		[event_packet_index_limit] = "packet index limit reached",
	};
	const char *name = (unsigned int)data->event < RTE_DIM(names) &&
		names[data->event] != NULL ? names[data->event] : "unknown event";

	SRTP_LOG(WARNING, "SSRC %08x: %s\n", data->ssrc, name);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -EIO;
/* set once init_status is final, for the telemetry thread */
static bool init_done;
static enum mr_srtp_crypto crypto_active = MR_SRTP_CRYPTO_LIBSRTP;

/*
 * Debian's libsrtp2 opens an NSS context for each cipher and HMAC it
 * makes and closes it with them; when the last one closes NSS shuts down,
 * and the next context pays NSS's whole start again (about 2 ms here,
 * against 40 us). With libsrtp's own backend this session lives as long
 * as the process so that NSS stays up; it never sees a packet.
 */
static srtp_t nss_keepalive;

static int
keepalive_create(void)
{
	uint8_t zero[30] = { 0 };
	srtp_policy_t policy;

	memset(&policy, 0, sizeof(policy));
	srtp_crypto_policy_set_rtp_default(&policy.rtp);
	srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
	policy.ssrc.type = ssrc_any_inbound;
	policy.key = zero;
	return srtp_create(&nss_keepalive, &policy) == srtp_err_status_ok ? 0 : -1;
}

/*
 * The backend asked for: MR_SRTP_CRYPTO in the environment ("openssl" or
 * "libsrtp"), else the build's default (meson option srtp_crypto).
 */
static int
crypto_wanted(enum mr_srtp_crypto *want)
{
	const char *env = getenv("MR_SRTP_CRYPTO");

#ifdef MR_SRTP_HAVE_OPENSSL
	*want = MR_SRTP_CRYPTO_OPENSSL;
#else
	*want = MR_SRTP_CRYPTO_LIBSRTP;
#endif
	if (env == NULL || env[0] == '\0')
		return 0;
	if (strcmp(env, "libsrtp") == 0) {
		*want = MR_SRTP_CRYPTO_LIBSRTP;
		return 0;
	}
	if (strcmp(env, "openssl") == 0) {
#ifdef MR_SRTP_HAVE_OPENSSL
		*want = MR_SRTP_CRYPTO_OPENSSL;
		return 0;
#else
		SRTP_LOG(ERR, "MR_SRTP_CRYPTO=openssl: built without it (meson -Dsrtp_crypto)\n");
		return -1;
#endif
	}
	SRTP_LOG(ERR, "MR_SRTP_CRYPTO=%s: not openssl or libsrtp\n", env);
	return -1;
}

static int
crypto_install_openssl(void)
{
#ifdef MR_SRTP_HAVE_OPENSSL
	const char *failed;

	if (mr_srtp_ossl_install(&failed) < 0) {
		SRTP_LOG(ERR, "OpenSSL backend: %s failed its self tests or to start\n",
			 failed != NULL ? failed : "?");
		return -EIO;
	}
	crypto_active = MR_SRTP_CRYPTO_OPENSSL;
	return 0;
#else
	return -ENOTSUP;
#endif
}

static void
init_libsrtp(void)
{
	enum mr_srtp_crypto want;
	srtp_err_status_t st;

	if (crypto_wanted(&want) < 0)
		goto out;
	srtp_install_log_handler(log_handler, NULL);
	st = srtp_init();
	if (st != srtp_err_status_ok) {
		SRTP_LOG(ERR, "srtp_init failed: libsrtp status %d\n", (int)st);
		goto out;
	}
	srtp_install_event_handler(event_handler);
	if (want == MR_SRTP_CRYPTO_OPENSSL) {
		if (crypto_install_openssl() < 0)
			goto out;
	} else if (keepalive_create() < 0) {
		SRTP_LOG(ERR, "libsrtp refused a context with a zero key\n");
		goto out;
	}
	SRTP_LOG(INFO, "%s, crypto backend %s: %s\n", srtp_get_version_string(),
		 mr_srtp_crypto_name(), srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128) ?
		 srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128)->description : "?");
	init_status = 0;
out:
	__atomic_store_n(&init_done, true, __ATOMIC_RELEASE);
}

int
mr_srtp_init(void)
{
	pthread_once(&init_once, init_libsrtp);
	return init_status;
}

enum mr_srtp_crypto
mr_srtp_crypto(void)
{
	return crypto_active;
}

const char *
mr_srtp_crypto_name(void)
{
	return crypto_active == MR_SRTP_CRYPTO_OPENSSL ? "openssl" : "libsrtp";
}

int
mr_srtp_crypto_use_openssl(void)
{
	if (init_status != 0)
		return -EIO;
	if (crypto_active == MR_SRTP_CRYPTO_OPENSSL)
		return 0;
	return crypto_install_openssl();
}

static int
srtp_tel(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const struct { const char *name; srtp_cipher_type_id_t id; } ciphers[] = {
		{ "aes_icm_128", SRTP_AES_ICM_128 }, { "aes_icm_256", SRTP_AES_ICM_256 },
		{ "aes_gcm_128", SRTP_AES_GCM_128 }, { "aes_gcm_256", SRTP_AES_GCM_256 },
	};
	const srtp_auth_type_t *at;
	unsigned int i;

	RTE_SET_USED(cmd);
	if (params != NULL && params[0] != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	if (!__atomic_load_n(&init_done, __ATOMIC_ACQUIRE) || init_status != 0) {
		/* libsrtp starts with the first keyed leg */
		rte_tel_data_add_dict_string(d, "state", __atomic_load_n(&init_done,
			__ATOMIC_ACQUIRE) ? "failed" : "not started");
		return 0;
	}
	rte_tel_data_add_dict_string(d, "state", "running");
	rte_tel_data_add_dict_string(d, "backend", mr_srtp_crypto_name());
	rte_tel_data_add_dict_string(d, "libsrtp", srtp_get_version_string());
#ifdef MR_SRTP_HAVE_OPENSSL
	if (crypto_active == MR_SRTP_CRYPTO_OPENSSL)
		rte_tel_data_add_dict_string(d, "openssl", mr_srtp_ossl_version());
#endif
	/* what libsrtp's kernel holds now, not what was asked for */
	for (i = 0; i < RTE_DIM(ciphers); i++) {
		const srtp_cipher_type_t *ct = srtp_crypto_kernel_get_cipher_type(ciphers[i].id);

		rte_tel_data_add_dict_string(d, ciphers[i].name,
					     ct != NULL ? ct->description : "none");
	}
	at = srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1);
	rte_tel_data_add_dict_string(d, "hmac_sha1", at != NULL ? at->description : "none");
	return 0;
}

RTE_INIT(mr_srtp_telemetry_init)
{
	rte_telemetry_register_cmd("/mrelay/srtp", srtp_tel,
		"SRTP: state, crypto backend (openssl or libsrtp) and the cipher types in use. "
		"No parameters");
}

static int
set_policy(srtp_policy_t *p, enum mr_srtp_suite suite)
{
	switch (suite) {
	case MR_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return 0;
	case MR_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* SRTCP keeps the 80-bit tag (RFC 4568 6.2.2) */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return 0;
	case MR_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		return 0;
	case MR_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		return 0;
	default:
		return -EINVAL;
	}
}

static int
ctx_create(const struct mr_srtp_key *key, bool inbound, uint32_t ssrc,
	   uint32_t replay_window, struct mr_srtp_ctx **out)
{
	uint8_t material[MR_SRTP_MATERIAL_MAX];
	struct mr_srtp_ctx *ctx;
	srtp_policy_t policy;
	srtp_err_status_t st;
	size_t len;

	if (out == NULL || key == NULL)
		return -EINVAL;
	*out = NULL;
	len = (size_t)key->key_len + key->salt_len;
	if (key->key_len != mr_srtp_suite_key_len(key->suite) ||
	    key->salt_len != mr_srtp_suite_salt_len(key->suite) || len == 0)
		return -EINVAL;
	if (replay_window != 0 && (replay_window < 64 || replay_window > 32767))
		return -EINVAL;
	if (init_status != 0)
		return -EIO;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;

	memset(&policy, 0, sizeof(policy));
	set_policy(&policy, key->suite);
	if (inbound) {
		policy.ssrc.type = ssrc_any_inbound;
	} else {
		policy.ssrc.type = ssrc_specific;
		policy.ssrc.value = ssrc;
	}
	/* libsrtp takes a non-const pointer and copies what it needs */
	memcpy(material, key->material, len);
	policy.key = material;
	policy.window_size = replay_window;
	policy.allow_repeat_tx = 0;
	policy.next = NULL;
	st = srtp_create(&ctx->session, &policy);
	explicit_bzero(material, sizeof(material));
	explicit_bzero(&policy, sizeof(policy));
	if (st != srtp_err_status_ok) {
		free(ctx);
		return st == srtp_err_status_alloc_fail ? -ENOMEM : -EIO;
	}
	ctx->suite = key->suite;
	ctx->inbound = inbound;
	ctx->ssrc = ssrc;
	ctx->rtp_overhead = (uint8_t)mr_srtp_rtp_overhead(key->suite);
	ctx->rtcp_overhead = (uint8_t)mr_srtp_rtcp_overhead(key->suite);
	mr_srtp_key_fingerprint(key, ctx->fingerprint);
	*out = ctx;
	return 0;
}

int
mr_srtp_inbound_create(const struct mr_srtp_key *key, uint32_t replay_window,
		       struct mr_srtp_ctx **ctx)
{
	return ctx_create(key, true, 0, replay_window, ctx);
}

int
mr_srtp_outbound_create(const struct mr_srtp_key *key, uint32_t ssrc,
			struct mr_srtp_ctx **ctx)
{
	return ctx_create(key, false, ssrc, 0, ctx);
}

void
mr_srtp_ctx_free(struct mr_srtp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	/* srtp_dealloc zeroes the session keys of every stream it frees */
	srtp_dealloc(ctx->session);
	free(ctx);
}

enum mr_srtp_suite
mr_srtp_ctx_suite(const struct mr_srtp_ctx *ctx)
{
	return (enum mr_srtp_suite)ctx->suite;
}

const char *
mr_srtp_ctx_fingerprint(const struct mr_srtp_ctx *ctx)
{
	return ctx->fingerprint;
}

int
mr_srtp_remove_ssrc(struct mr_srtp_ctx *ctx, uint32_t ssrc)
{
	/* this one call of libsrtp takes the SSRC in network order */
	if (srtp_remove_stream(ctx->session, rte_cpu_to_be_32(ssrc)) != srtp_err_status_ok)
		return -ENOENT;
	return 0;
}

int
mr_srtp_roc(const struct mr_srtp_ctx *ctx, uint32_t ssrc, uint32_t *roc)
{
	if (srtp_get_stream_roc(ctx->session, ssrc, roc) != srtp_err_status_ok)
		return -ENOENT;
	return 0;
}

static enum mr_srtp_result
classify(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return MR_SRTP_OK;
	case srtp_err_status_auth_fail:
		return MR_SRTP_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return MR_SRTP_REPLAY;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_cant_check:
		return MR_SRTP_MALFORMED;
	default:
		return MR_SRTP_ERROR;
	}
}

/* UDP carries at most 65535 bytes; libsrtp counts in int. */
#define PKT_MAX UINT16_MAX

/*
 * One libsrtp call on the packet: @grow is what it may append, checked
 * against @room first since libsrtp writes without knowing the room.
 */
static inline enum mr_srtp_result
transform(srtp_err_status_t (*fn)(srtp_t, void *, int *), struct mr_srtp_ctx *ctx,
	  uint8_t *pkt, uint32_t *len, uint32_t grow, uint32_t room)
{
	srtp_err_status_t st;
	int n = (int)*len;

	if (unlikely(*len > PKT_MAX))
		return MR_SRTP_MALFORMED;
	if (unlikely(room < *len || room - *len < grow))
		return MR_SRTP_NO_ROOM;
	st = fn(ctx->session, pkt, &n);
	if (unlikely(st != srtp_err_status_ok))
		return classify(st);
	*len = (uint32_t)n;
	return MR_SRTP_OK;
}

/*
 * Length of the RTP header with its CSRCs and extension, 0 when it does
 * not fit in @len. libsrtp's GCM path reports a packet too short for its
 * tag as a cipher failure; this tells it apart, as malformed.
 */
static inline uint32_t
rtp_header_len(const uint8_t *p, uint32_t len)
{
	uint32_t n;

	if (len < 12)
		return 0;
	n = 12 + 4 * (uint32_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < n + 4)
			return 0;
		n += 4 + 4 * ((uint32_t)p[n + 2] << 8 | p[n + 3]);
	}
	return n <= len ? n : 0;
}

enum mr_srtp_result
mr_srtp_unprotect_rtp(struct mr_srtp_ctx *ctx, uint8_t *pkt, uint32_t *len)
{
	uint32_t hlen = rtp_header_len(pkt, *len);

	if (unlikely(hlen == 0 || *len - hlen < ctx->rtp_overhead))
		return MR_SRTP_MALFORMED;
	return transform(srtp_unprotect, ctx, pkt, len, 0, *len);
}

enum mr_srtp_result
mr_srtp_unprotect_rtcp(struct mr_srtp_ctx *ctx, uint8_t *pkt, uint32_t *len)
{
	return transform(srtp_unprotect_rtcp, ctx, pkt, len, 0, *len);
}

enum mr_srtp_result
mr_srtp_protect_rtp(struct mr_srtp_ctx *ctx, uint8_t *pkt, uint32_t *len, uint32_t room)
{
	return transform(srtp_protect, ctx, pkt, len, ctx->rtp_overhead, room);
}

enum mr_srtp_result
mr_srtp_protect_rtcp(struct mr_srtp_ctx *ctx, uint8_t *pkt, uint32_t *len, uint32_t room)
{
	return transform(srtp_protect_rtcp, ctx, pkt, len, ctx->rtcp_overhead, room);
}

/*
 * The four mbuf forms: the packet runs from @off to the end of a
 * one-segment mbuf; protect may grow it into the tailroom, as far as
 * data_len's 16 bits allow.
 */
static inline enum mr_srtp_result
mbuf_call(struct mr_srtp_ctx *ctx, struct rte_mbuf *m, uint16_t off, bool rtcp, bool protect)
{
	enum mr_srtp_result r;
	uint32_t len, room;
	uint8_t *pkt;

	if (unlikely(m->nb_segs != 1 || off > m->data_len))
		return MR_SRTP_MALFORMED;
	pkt = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	len = (uint32_t)(m->data_len - off);
	if (protect) {
		room = RTE_MIN(len + rte_pktmbuf_tailroom(m), (uint32_t)UINT16_MAX - off);
		r = rtcp ? mr_srtp_protect_rtcp(ctx, pkt, &len, room) :
			mr_srtp_protect_rtp(ctx, pkt, &len, room);
	} else {
		r = rtcp ? mr_srtp_unprotect_rtcp(ctx, pkt, &len) :
			mr_srtp_unprotect_rtp(ctx, pkt, &len);
	}
	if (likely(r == MR_SRTP_OK)) {
		m->data_len = (uint16_t)(off + len);
		m->pkt_len = m->data_len;
	}
	return r;
}

enum mr_srtp_result
mr_srtp_unprotect_rtp_mbuf(struct mr_srtp_ctx *ctx, struct rte_mbuf *m, uint16_t off)
{
	return mbuf_call(ctx, m, off, false, false);
}

enum mr_srtp_result
mr_srtp_unprotect_rtcp_mbuf(struct mr_srtp_ctx *ctx, struct rte_mbuf *m, uint16_t off)
{
	return mbuf_call(ctx, m, off, true, false);
}

enum mr_srtp_result
mr_srtp_protect_rtp_mbuf(struct mr_srtp_ctx *ctx, struct rte_mbuf *m, uint16_t off)
{
	return mbuf_call(ctx, m, off, false, true);
}

enum mr_srtp_result
mr_srtp_protect_rtcp_mbuf(struct mr_srtp_ctx *ctx, struct rte_mbuf *m, uint16_t off)
{
	return mbuf_call(ctx, m, off, true, true);
}
