/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * SRTP keys: suite names, SDES inline key parameters (RFC 4568 6.1),
 * fingerprints. Control path only. Every buffer that held key bytes is
 * erased with explicit_bzero() before it goes out of scope, and no error
 * message quotes a byte of a key.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sha2.h>

#include "mr_srtp.h"

struct suite_info {
	const char *name;
	uint8_t key_len;
	uint8_t salt_len;
	uint8_t rtp_tag;   /* RTP auth tag or GCM tag */
	uint8_t rtcp_tag;  /* SRTCP's: 80 bits for both AES-CM suites (RFC 4568 6.2) */
};

static const struct suite_info suites[MR_SRTP_SUITES + 1] = {
	[MR_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10 },
	[MR_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10 },
	[MR_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16 },
	[MR_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16 },
};

#define SRTCP_TRAILER_LEN 4 /* E flag and 31-bit index */
#define LIFETIME_MAX_LOG2 48
#define DECODED_MAX 64 /* more than any suite's key + salt */

/* The suite's row; an all-zero row (no name) for none and invalid. */
static const struct suite_info *
suite_info(enum mr_srtp_suite suite)
{
	if ((unsigned int)suite > MR_SRTP_SUITES)
		return &suites[MR_SRTP_SUITE_NONE];
	return &suites[suite];
}

enum mr_srtp_suite
mr_srtp_suite_parse(const char *name)
{
	unsigned int s;

	if (name == NULL)
		return MR_SRTP_SUITE_NONE;
	for (s = 1; s <= MR_SRTP_SUITES; s++)
		if (strcmp(name, suites[s].name) == 0)
			return (enum mr_srtp_suite)s;
	return MR_SRTP_SUITE_NONE;
}

const char *
mr_srtp_suite_name(enum mr_srtp_suite suite)
{
	if (suite_info(suite)->name != NULL)
		return suite_info(suite)->name;
	return suite == MR_SRTP_SUITE_NONE ? "none" : "invalid";
}

unsigned int
mr_srtp_suite_key_len(enum mr_srtp_suite suite)
{
	return suite_info(suite)->key_len;
}

unsigned int
mr_srtp_suite_salt_len(enum mr_srtp_suite suite)
{
	return suite_info(suite)->salt_len;
}

unsigned int
mr_srtp_rtp_overhead(enum mr_srtp_suite suite)
{
	return suite_info(suite)->rtp_tag;
}

unsigned int
mr_srtp_rtcp_overhead(enum mr_srtp_suite suite)
{
	const struct suite_info *si = suite_info(suite);

	return si->name != NULL ? SRTCP_TRAILER_LEN + si->rtcp_tag : 0;
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Value of a base64 character (RFC 4648 section 4), -1 if not one. */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode @n characters of base64 into @out (at most @out_max bytes).
 * Padding is optional; when present it must complete the last quantum.
 * Returns the byte count, or -1 with *bad the 1-based position of the
 * first character at fault (0: too long).
 */
static int
b64_decode(const char *in, size_t n, uint8_t *out, size_t out_max, size_t *bad)
{
	uint32_t acc = 0;
	size_t i, pad = 0, bits = 0, o = 0;

	for (i = 0; i < n; i++) {
		int v = b64_value(in[i]);

		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (v < 0 || pad > 0) {
			*bad = i + 1;
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == out_max) {
				*bad = 0;
				return -1;
			}
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* a lone character (6 bits) is no byte; padding must fill a quantum */
	if ((n - pad) % 4 == 1 || pad > 2 || (pad > 0 && n % 4 != 0)) {
		*bad = n;
		return -1;
	}
	return (int)o;
}

/* "2^n" (1 <= n <= 48) or a decimal count 1..2^48. */
static int
parse_lifetime(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i, start = 0;
	bool power = n > 2 && s[0] == '2' && s[1] == '^';

	if (power)
		start = 2;
	if (n == start || n - start > 15)
		return -1;
	for (i = start; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (power) {
		if (v < 1 || v > LIFETIME_MAX_LOG2)
			return -1;
		v = UINT64_C(1) << v;
	}
	if (v < 1 || v > (UINT64_C(1) << LIFETIME_MAX_LOG2))
		return -1;
	*out = v;
	return 0;
}

/* Suite names are echoed in errors only when they look like one. */
static bool
printable_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 40 || !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
				 (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0;
}

int
mr_srtp_key_parse(const char *suite_name, const char *params,
		  struct mr_srtp_key *key, char *err, size_t err_len)
{
	static const char prefix[] = "inline:";
	const struct suite_info *si;
	enum mr_srtp_suite suite;
	uint8_t buf[DECODED_MAX];
	const char *b64, *bar, *field;
	uint64_t lifetime = 0;
	size_t bad = 0;
	int n, ret;

	if (key == NULL)
		return -EINVAL;
	mr_srtp_key_wipe(key);
	suite = mr_srtp_suite_parse(suite_name);
	if (suite == MR_SRTP_SUITE_NONE) {
		if (suite_name != NULL && printable_name(suite_name))
			return fail(err, err_len, "suite '%s' unknown (accepted: "
				    "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, "
				    "AEAD_AES_128_GCM, AEAD_AES_256_GCM)", suite_name);
		return fail(err, err_len, "suite unknown (accepted: AES_CM_128_HMAC_SHA1_80, "
			    "AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM)");
	}
	si = &suites[suite];
	if (params == NULL || strncmp(params, prefix, sizeof(prefix) - 1) != 0)
		return fail(err, err_len, "key: must start with 'inline:' (RFC 4568 key parameters)");
	if (strchr(params, ';') != NULL)
		return fail(err, err_len, "key: several keys (';') are not supported, give one");
	b64 = params + sizeof(prefix) - 1;
	bar = strchr(b64, '|');
	field = bar != NULL ? bar + 1 : NULL;
	while (field != NULL) {
		const char *end = strchr(field, '|');
		size_t flen = end != NULL ? (size_t)(end - field) : strlen(field);

		if (memchr(field, ':', flen) != NULL)
			return fail(err, err_len, "key: MKI ('|<value>:<length>') is not supported");
		if (lifetime != 0)
			return fail(err, err_len, "key: a second lifetime after the first");
		if (parse_lifetime(field, flen, &lifetime) < 0)
			return fail(err, err_len, "key: lifetime invalid (want '2^n' with 1 <= n <= 48,"
				    " or a decimal count of packets up to 2^48)");
		field = end != NULL ? end + 1 : NULL;
	}
	n = b64_decode(b64, bar != NULL ? (size_t)(bar - b64) : strlen(b64), buf, sizeof(buf), &bad);
	if (n < 0) {
		explicit_bzero(buf, sizeof(buf));
		if (bad == 0)
			return fail(err, err_len, "key: longer than any suite's key and salt");
		return fail(err, err_len, "key: base64 invalid at character %zu of the key", bad);
	}
	if ((unsigned int)n != (unsigned int)si->key_len + si->salt_len) {
		explicit_bzero(buf, sizeof(buf));
		return fail(err, err_len, "key: %d bytes, %s needs %u (%u-byte master key and "
			    "%u-byte salt)", n, si->name, si->key_len + si->salt_len,
			    si->key_len, si->salt_len);
	}
	ret = mr_srtp_key_set(key, suite, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	key->lifetime = lifetime;
	return ret;
}

int
mr_srtp_key_set(struct mr_srtp_key *key, enum mr_srtp_suite suite,
		const uint8_t *material, size_t len)
{
	const struct suite_info *si = suite_info(suite);

	if (key == NULL)
		return -EINVAL;
	mr_srtp_key_wipe(key);
	if (si->name == NULL || material == NULL || len != (size_t)si->key_len + si->salt_len)
		return -EINVAL;
	key->suite = (uint8_t)suite;
	key->key_len = si->key_len;
	key->salt_len = si->salt_len;
	memcpy(key->material, material, len);
	return 0;
}

void
mr_srtp_key_fingerprint(const struct mr_srtp_key *key, char out[MR_SRTP_FINGERPRINT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	const struct suite_info *si = key != NULL ? suite_info(key->suite) : NULL;
	uint8_t digest[SHA256_DIGEST_LENGTH];
	SHA2_CTX h;
	unsigned int i;

	if (si == NULL || si->name == NULL ||
	    key->key_len + key->salt_len > MR_SRTP_MATERIAL_MAX) {
		snprintf(out, MR_SRTP_FINGERPRINT_LEN + 1, "none");
		return;
	}
	SHA256Init(&h);
	SHA256Update(&h, (const uint8_t *)"mrelay-srtp:", 12);
	SHA256Update(&h, (const uint8_t *)si->name, strlen(si->name));
	SHA256Update(&h, (const uint8_t *)":", 1);
	SHA256Update(&h, key->material, (size_t)key->key_len + key->salt_len);
	SHA256Final(digest, &h);
	for (i = 0; i < MR_SRTP_FINGERPRINT_LEN / 2; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
	out[MR_SRTP_FINGERPRINT_LEN] = '\0';
	/* the hash state held the key's bytes */
	explicit_bzero(&h, sizeof(h));
	explicit_bzero(digest, sizeof(digest));
}

void
mr_srtp_key_wipe(struct mr_srtp_key *key)
{
	if (key != NULL)
		explicit_bzero(key, sizeof(*key));
}
