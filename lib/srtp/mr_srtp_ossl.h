/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_SRTP_OSSL_H
#define MR_SRTP_OSSL_H

/**
 * @file
 * libsrtp2 cipher and auth types on OpenSSL's libcrypto (mr_srtp_ossl.c),
 * for lib/srtp's init and the tests and benchmark that check them. Not
 * for the rest of mrelay: mr_srtp_init() chooses the backend.
 */

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#ifdef __cplusplus
extern "C" {
#endif

/** AES counter mode, keys with their 14-byte salt: 30, 38, 46 bytes. */
extern const srtp_cipher_type_t mr_srtp_ossl_aes_icm_128;
extern const srtp_cipher_type_t mr_srtp_ossl_aes_icm_192;
extern const srtp_cipher_type_t mr_srtp_ossl_aes_icm_256;
/** AES-GCM, keys with their 12-byte salt: 28, 44 bytes; tags 16 or 8. */
extern const srtp_cipher_type_t mr_srtp_ossl_aes_gcm_128;
extern const srtp_cipher_type_t mr_srtp_ossl_aes_gcm_256;
/** HMAC-SHA1, keys up to 64 bytes, tags up to 20. */
extern const srtp_auth_type_t mr_srtp_ossl_hmac_sha1;

/**
 * Put the types above in libsrtp's crypto kernel in place of its own.
 * After srtp_init(), before any session; not thread-safe. Sessions made
 * before keep the types they were made with.
 *
 * @param failed
 *   Set to what failed (a type's description), or NULL.
 * @return
 *   0, or -1 when a cipher could not be fetched or a type failed its self
 *   tests (then the types before it in the list are already in).
 */
int mr_srtp_ossl_install(const char **failed);

/** OpenSSL's version string, e.g. "OpenSSL 3.0.x ...". */
const char *mr_srtp_ossl_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MR_SRTP_OSSL_H */
