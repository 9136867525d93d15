/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libsrtp2 cipher and auth types on OpenSSL's libcrypto, put in libsrtp's
 * crypto kernel in place of its own (NSS on Debian) by
 * srtp_replace_cipher_type() and srtp_replace_auth_type().
 *
 * Written from the contracts in srtp2/cipher.h and srtp2/auth.h and from
 * RFC 3711 (AES counter mode, HMAC-SHA1) and RFC 7714 (AES-GCM):
 *  - AES-ICM: the key handed to init() is the AES key then the 14-byte
 *    salt; set_iv() gives 16 bytes that are XORed into salt || 0x0000 to
 *    make the counter block (RFC 3711 4.1.1); encrypt and decrypt are the
 *    same keystream XOR, and keystream continues across calls.
 *  - AES-GCM: init() gets the AES key only (libsrtp forms the 12-byte IV
 *    from the salt itself); set_iv() the IV and the direction; set_aad()
 *    may come more than once (SRTCP); encrypt() then get_tag() seals;
 *    decrypt() gets the ciphertext with its tag at the end and fails with
 *    srtp_err_status_auth_fail when the tag does not verify.
 *  - HMAC-SHA1: init() keys and starts, start() restarts, update() feeds,
 *    compute() feeds its bytes too and writes the tag truncated to the
 *    auth's out_len.
 *
 * All memory is taken in alloc() (one block for libsrtp's object and our
 * state, one EVP_CIPHER_CTX); nothing per packet allocates. That is why
 * HMAC is on SHA_CTX and not EVP_MAC: OpenSSL 3.0's EVP_MAC_init() with
 * the key kept duplicates its digest context, two allocations a packet
 * (measured), while a SHA_CTX holding the keyed inner and outer states
 * is copied by value. SHA1_Init() and friends are deprecated in 3.0 but
 * still built and exported.
 */

#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include "mr_srtp_ossl.h"

#define ICM_SALT_LEN 14
#define GCM_SALT_LEN 12
#define GCM_IV_LEN 12
#define SHA1_LEN 20
#define SHA1_BLOCK 64

/* libsrtp's own test vectors (data, exported without a header): every
 * replacement type must pass them when it is registered */
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_192_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_256_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

/* Fetched once, at the first install or alloc, kept for the process. */
static EVP_CIPHER *evp_ctr[3];  /* AES-128/192/256-CTR */
static EVP_CIPHER *evp_gcm[2];  /* AES-128/256-GCM */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static int fetch_status = -1;

static void
fetch_ciphers(void)
{
	static const char *const ctr[3] = { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" };
	static const char *const gcm[2] = { "AES-128-GCM", "AES-256-GCM" };
	unsigned int i;

	for (i = 0; i < 3; i++)
		if ((evp_ctr[i] = EVP_CIPHER_fetch(NULL, ctr[i], NULL)) == NULL)
			return;
	for (i = 0; i < 2; i++)
		if ((evp_gcm[i] = EVP_CIPHER_fetch(NULL, gcm[i], NULL)) == NULL)
			return;
	fetch_status = 0;
}

static int
ciphers_ready(void)
{
	pthread_once(&fetch_once, fetch_ciphers);
	return fetch_status;
}

/*
 * One block for libsrtp's cipher object and our state, AES-ICM or GCM:
 * the EVP context is what libcrypto allocates, both at alloc() time.
 */
struct evp_state {
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *evp;
	int aes_len;
	int tag_len;            /* GCM */
	int encrypt;            /* GCM: direction of the last set_iv */
	uint8_t offset[16];     /* ICM: salt || 0x0000 */
};

struct evp_obj {
	srtp_cipher_t c;
	struct evp_state s;
};

static srtp_err_status_t
evp_obj_alloc(srtp_cipher_pointer_t *cp, const srtp_cipher_type_t *type, EVP_CIPHER *const *evp,
	      int key_len, int aes_len, int tag_len)
{
	struct evp_obj *o;

	if (ciphers_ready() < 0)
		return srtp_err_status_init_fail;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return srtp_err_status_alloc_fail;
	o->s.ctx = EVP_CIPHER_CTX_new();
	if (o->s.ctx == NULL) {
		free(o);
		return srtp_err_status_alloc_fail;
	}
	o->s.evp = *evp;
	o->s.aes_len = aes_len;
	o->s.tag_len = tag_len;
	o->c.type = type;
	o->c.state = &o->s;
	o->c.key_len = key_len;
	o->c.algorithm = type->id;
	*cp = &o->c;
	return srtp_err_status_ok;
}

static srtp_err_status_t
evp_obj_dealloc(srtp_cipher_pointer_t cp)
{
	struct evp_obj *o = (struct evp_obj *)cp;

	if (o == NULL)
		return srtp_err_status_bad_param;
	EVP_CIPHER_CTX_free(o->s.ctx);      /* cleanses the key schedule */
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	return srtp_err_status_ok;
}

/* ---- AES-ICM ---- */

static srtp_err_status_t
icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	const srtp_cipher_type_t *type;
	int i;

	(void)tag_len;
	switch (key_len) {
	case 16 + ICM_SALT_LEN: i = 0; type = &mr_srtp_ossl_aes_icm_128; break;
	case 24 + ICM_SALT_LEN: i = 1; type = &mr_srtp_ossl_aes_icm_192; break;
	case 32 + ICM_SALT_LEN: i = 2; type = &mr_srtp_ossl_aes_icm_256; break;
	default: return srtp_err_status_bad_param;
	}
	return evp_obj_alloc(cp, type, &evp_ctr[i], key_len, key_len - ICM_SALT_LEN, 0);
}

static srtp_err_status_t
icm_init(void *state, const uint8_t *key)
{
	struct evp_state *s = state;

	memcpy(s->offset, key + s->aes_len, ICM_SALT_LEN);
	s->offset[14] = 0;
	s->offset[15] = 0;
	if (EVP_EncryptInit_ex2(s->ctx, s->evp, key, s->offset, NULL) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct evp_state *s = state;
	uint8_t ctr[16];
	int i;

	(void)dir;
	for (i = 0; i < 16; i++)
		ctr[i] = s->offset[i] ^ iv[i];
	/* the key schedule stays; only the counter and its position reset */
	if (EVP_EncryptInit_ex2(s->ctx, NULL, NULL, ctr, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_crypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct evp_state *s = state;
	int out;

	if (*len == 0)
		return srtp_err_status_ok;
	if (*len > INT32_MAX || EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

#define ICM_TYPE(bits, tid) \
const srtp_cipher_type_t mr_srtp_ossl_aes_icm_##bits = { \
	.alloc = icm_alloc, \
	.dealloc = evp_obj_dealloc, \
	.init = icm_init, \
	.set_aad = NULL, \
	.encrypt = icm_crypt, \
	.decrypt = icm_crypt, \
	.set_iv = icm_set_iv, \
	.get_tag = NULL, \
	.description = "AES-" #bits " counter mode on OpenSSL libcrypto (mrelay)", \
	.test_data = &srtp_aes_icm_##bits##_test_case_0, \
	.id = tid, \
}

ICM_TYPE(128, SRTP_AES_ICM_128);
ICM_TYPE(192, SRTP_AES_ICM_192);
ICM_TYPE(256, SRTP_AES_ICM_256);

/* ---- AES-GCM ---- */

static srtp_err_status_t
gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	const srtp_cipher_type_t *type;
	int i;

	switch (key_len) {
	case 16 + GCM_SALT_LEN: i = 0; type = &mr_srtp_ossl_aes_gcm_128; break;
	case 32 + GCM_SALT_LEN: i = 1; type = &mr_srtp_ossl_aes_gcm_256; break;
	default: return srtp_err_status_bad_param;
	}
	/* RFC 7714: 16-byte tags; libsrtp also offers 8 */
	if (tag_len != 16 && tag_len != 8)
		return srtp_err_status_bad_param;
	return evp_obj_alloc(cp, type, &evp_gcm[i], key_len, key_len - GCM_SALT_LEN, tag_len);
}

static srtp_err_status_t
gcm_init(void *state, const uint8_t *key)
{
	struct evp_state *s = state;

	/* the IV length is GCM's default, 12 */
	if (EVP_CipherInit_ex2(s->ctx, s->evp, key, NULL, 1, NULL) != 1)
		return srtp_err_status_init_fail;
	s->encrypt = 1;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct evp_state *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	s->encrypt = dir == srtp_direction_encrypt;
	if (EVP_CipherInit_ex2(s->ctx, NULL, NULL, iv, s->encrypt, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct evp_state *s = state;
	int out;

	if (len == 0)
		return srtp_err_status_ok;
	if (len > INT32_MAX || EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct evp_state *s = state;
	int out;

	if (!s->encrypt)
		return srtp_err_status_bad_param;
	if (*len == 0)
		return srtp_err_status_ok;
	if (*len > INT32_MAX || EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct evp_state *s = state;
	uint8_t none[16];
	int out;

	if (!s->encrypt)
		return srtp_err_status_bad_param;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, tag) != 1)
		return srtp_err_status_cipher_fail;
	*len = (uint32_t)s->tag_len;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct evp_state *s = state;
	uint8_t none[16];
	unsigned int n;
	int out;

	if (s->encrypt || *len < (unsigned int)s->tag_len || *len > INT32_MAX)
		return srtp_err_status_bad_param;
	n = *len - (unsigned int)s->tag_len;
	/* in the decrypt direction setting the tag allocates nothing */
	if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, buf + n) != 1)
		return srtp_err_status_cipher_fail;
	if (n != 0 && EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n) != 1)
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) != 1)
		return srtp_err_status_auth_fail;
	*len = n;
	return srtp_err_status_ok;
}

#define GCM_TYPE(bits, tid) \
const srtp_cipher_type_t mr_srtp_ossl_aes_gcm_##bits = { \
	.alloc = gcm_alloc, \
	.dealloc = evp_obj_dealloc, \
	.init = gcm_init, \
	.set_aad = gcm_set_aad, \
	.encrypt = gcm_encrypt, \
	.decrypt = gcm_decrypt, \
	.set_iv = gcm_set_iv, \
	.get_tag = gcm_get_tag, \
	.description = "AES-" #bits " GCM on OpenSSL libcrypto (mrelay)", \
	.test_data = &srtp_aes_gcm_##bits##_test_case_0, \
	.id = tid, \
}

GCM_TYPE(128, SRTP_AES_GCM_128);
GCM_TYPE(256, SRTP_AES_GCM_256);

/* ---- HMAC-SHA1 (RFC 2104) ---- */

struct hmac_state {
	SHA_CTX inner0;         /* after the key XOR ipad block */
	SHA_CTX outer0;         /* after the key XOR opad block */
	SHA_CTX run;            /* the message being authenticated */
};

struct hmac_obj {
	srtp_auth_t a;
	struct hmac_state s;
};

static srtp_err_status_t
hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	struct hmac_obj *o;

	/* keys longer than a block would be hashed first; SRTP's are 20 */
	if (key_len < 0 || key_len > SHA1_BLOCK || out_len < 1 || out_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return srtp_err_status_alloc_fail;
	o->a.type = &mr_srtp_ossl_hmac_sha1;
	o->a.state = &o->s;
	o->a.out_len = out_len;
	o->a.key_len = key_len;
	o->a.prefix_len = 0;
	*ap = &o->a;
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_dealloc(srtp_auth_pointer_t ap)
{
	struct hmac_obj *o = (struct hmac_obj *)ap;

	if (o == NULL)
		return srtp_err_status_bad_param;
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac_state *s = state;
	uint8_t pad[SHA1_BLOCK];
	int i;

	if (key_len < 0 || key_len > SHA1_BLOCK)
		return srtp_err_status_bad_param;
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] = (uint8_t)((i < key_len ? key[i] : 0) ^ 0x36);
	SHA1_Init(&s->inner0);
	SHA1_Update(&s->inner0, pad, SHA1_BLOCK);
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA1_Init(&s->outer0);
	SHA1_Update(&s->outer0, pad, SHA1_BLOCK);
	OPENSSL_cleanse(pad, sizeof(pad));
	/* libsrtp's self test computes right after init, without start */
	s->run = s->inner0;
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_start(void *state)
{
	struct hmac_state *s = state;

	s->run = s->inner0;
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_update(void *state, const uint8_t *buf, int len)
{
	struct hmac_state *s = state;

	if (len < 0)
		return srtp_err_status_bad_param;
	SHA1_Update(&s->run, buf, (size_t)len);
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_compute(void *state, const uint8_t *buf, int len, int tag_len, uint8_t *tag)
{
	struct hmac_state *s = state;
	uint8_t h[SHA1_LEN];
	SHA_CTX outer;

	if (len < 0 || tag_len < 0 || tag_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	SHA1_Update(&s->run, buf, (size_t)len);
	SHA1_Final(h, &s->run);
	outer = s->outer0;
	SHA1_Update(&outer, h, SHA1_LEN);
	SHA1_Final(h, &outer);
	memcpy(tag, h, (size_t)tag_len);
	OPENSSL_cleanse(h, sizeof(h));
	return srtp_err_status_ok;
}

const srtp_auth_type_t mr_srtp_ossl_hmac_sha1 = {
	.alloc = hmac_alloc,
	.dealloc = hmac_dealloc,
	.init = hmac_init,
	.compute = hmac_compute,
	.update = hmac_update,
	.start = hmac_start,
	.description = "HMAC-SHA1 on OpenSSL libcrypto (mrelay)",
	.test_data = &srtp_hmac_test_case_0,
	.id = SRTP_HMAC_SHA1,
};

/* ---- registration ---- */

static const srtp_cipher_type_t *const cipher_types[] = {
	&mr_srtp_ossl_aes_icm_128, &mr_srtp_ossl_aes_icm_192, &mr_srtp_ossl_aes_icm_256,
	&mr_srtp_ossl_aes_gcm_128, &mr_srtp_ossl_aes_gcm_256,
};

int
mr_srtp_ossl_install(const char **failed)
{
	unsigned int i;

	*failed = NULL;
	if (ciphers_ready() < 0) {
		*failed = "EVP_CIPHER_fetch (AES-CTR/GCM)";
		return -1;
	}
	/* each replacement runs its own and the replaced type's self tests */
	for (i = 0; i < sizeof(cipher_types) / sizeof(cipher_types[0]); i++)
		if (srtp_replace_cipher_type(cipher_types[i], cipher_types[i]->id) !=
		    srtp_err_status_ok) {
			*failed = cipher_types[i]->description;
			return -1;
		}
	if (srtp_replace_auth_type(&mr_srtp_ossl_hmac_sha1, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok) {
		*failed = mr_srtp_ossl_hmac_sha1.description;
		return -1;
	}
	return 0;
}

const char *
mr_srtp_ossl_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
