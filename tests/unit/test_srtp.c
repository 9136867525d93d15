/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/srtp: SDES keys, fingerprints, the RFC 3711 Appendix B and RFC 7714
 * vectors, every suite through protect and unprotect, tampering, replay,
 * the rollover counter across the 16-bit wrap with loss and reordering,
 * SRTCP, and the mbuf forms. tests/unit/test_srtp.py checks the same
 * library against an implementation that is not libsrtp.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_srtp.h"
#ifdef MR_SRTP_HAVE_OPENSSL
#include "mr_srtp_ossl.h"
#endif
#include "mr_test.h"

/*
 * libsrtp exports its cipher types but installs no header that names
 * them; the B.2 and RFC 7714 vectors are given for session keys, below
 * key derivation, so they are checked on these ciphers directly.
 */
extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_256;

/* the vectors run on libsrtp's own types and on the OpenSSL ones */
static const srtp_cipher_type_t *const icm128_types[] = {
	&srtp_aes_icm_128,
#ifdef MR_SRTP_HAVE_OPENSSL
	&mr_srtp_ossl_aes_icm_128,
#endif
};

#define PKT_ROOM 1600
#define CANARY 0x5a

static const enum mr_srtp_suite all_suites[MR_SRTP_SUITES] = {
	MR_SRTP_AES_CM_128_HMAC_SHA1_80, MR_SRTP_AES_CM_128_HMAC_SHA1_32,
	MR_SRTP_AEAD_AES_128_GCM, MR_SRTP_AEAD_AES_256_GCM,
};

/* RFC 3711 B.3 master key || salt, and its SDES form */
static const char b3_hex[] = "E1F97A0D3E018BE0D64FA32C06DE4139" "0EC675AD498AFEEBB6960B3AABE6";
static const char b3_inline[] = "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm";
/* bytes 0..27 and 0..43, base64 with padding */
static const char gcm128_inline[] = "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==";
static const char gcm256_inline[] =
	"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=";

static uint32_t
unhex(const char *s, uint8_t *out, size_t max)
{
	uint32_t n = 0;

	while (s[0] != '\0' && s[1] != '\0' && n < max) {
		unsigned int v;

		if (s[0] == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int
setup(void)
{
	return mr_srtp_init();
}

/* A key of @suite whose bytes follow @seed. */
static void
test_key(struct mr_srtp_key *key, enum mr_srtp_suite suite, uint8_t seed)
{
	uint8_t m[MR_SRTP_MATERIAL_MAX];
	size_t i, n = mr_srtp_suite_key_len(suite) + mr_srtp_suite_salt_len(suite);

	for (i = 0; i < n; i++)
		m[i] = (uint8_t)(seed * 31 + i * 7 + 1);
	mr_srtp_key_set(key, suite, m, n);
}

/* An outbound context for @ssrc and an inbound one, same key. */
static int
make_pair(enum mr_srtp_suite suite, uint8_t seed, uint32_t ssrc, struct mr_srtp_ctx **out,
	  struct mr_srtp_ctx **in)
{
	struct mr_srtp_key key;
	int ret;

	test_key(&key, suite, seed);
	ret = mr_srtp_outbound_create(&key, ssrc, out);
	if (ret == 0 && mr_srtp_inbound_create(&key, 0, in) < 0) {
		mr_srtp_ctx_free(*out);
		ret = -1;
	}
	mr_srtp_key_wipe(&key);
	return ret;
}

static void
free_pair(struct mr_srtp_ctx *out, struct mr_srtp_ctx *in)
{
	mr_srtp_ctx_free(out);
	mr_srtp_ctx_free(in);
}

/* Unprotect a copy of @prot into @buf (the original stays protected). */
static enum mr_srtp_result
unprotect_copy(struct mr_srtp_ctx *in, const uint8_t *prot, uint32_t len, bool rtcp,
	       uint8_t *buf, uint32_t *out_len)
{
	memcpy(buf, prot, len);
	*out_len = len;
	return rtcp ? mr_srtp_unprotect_rtcp(in, buf, out_len) :
		mr_srtp_unprotect_rtp(in, buf, out_len);
}

/* RTP header (12 + 4 * cc + optional extension of @ext words) and payload. */
static uint32_t
make_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, unsigned int cc, int ext,
	 uint32_t payload, uint8_t fill)
{
	uint32_t n = 12, i;

	p[0] = (uint8_t)(0x80 | (ext >= 0 ? 0x10 : 0) | cc);
	p[1] = 111;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	memset(p + 4, 0x11, 4);
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	for (i = 0; i < 4 * cc; i++)
		p[n++] = (uint8_t)(0xc0 + i);
	if (ext >= 0) {
		p[n++] = 0xbe;
		p[n++] = 0xde;
		p[n++] = 0;
		p[n++] = (uint8_t)ext;
		for (i = 0; i < 4 * (uint32_t)ext; i++)
			p[n++] = (uint8_t)(0xe0 + i);
	}
	for (i = 0; i < payload; i++)
		p[n++] = (uint8_t)(fill + seq + i);
	return n;
}

/* Sender report of @ssrc with one report block: 52 bytes. */
static uint32_t
make_rtcp(uint8_t *p, uint32_t ssrc, uint8_t fill)
{
	uint32_t i;

	p[0] = 0x81;
	p[1] = 200;
	p[2] = 0;
	p[3] = 12;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	for (i = 8; i < 52; i++)
		p[i] = (uint8_t)(fill + i);
	return 52;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static int
test_srtp_key_parse(void)
{
	static const struct {
		const char *suite;
		const char *params;
		const char *says;
	} bad[] = {
		{ "AES_CM_128_HMAC_SHA1_81", b3_inline, "suite 'AES_CM_128_HMAC_SHA1_81' unknown" },
		{ "AES_CM\xff", b3_inline, "suite unknown (accepted: AES_CM_128_HMAC_SHA1_80" },
		{ "AES_CM_128_HMAC_SHA1_80", b3_inline + 7, "must start with 'inline:'" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|2^20|1:4",
		  "MKI" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|1:4",
		  "MKI" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|2^0",
		  "lifetime invalid" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|2^49",
		  "lifetime invalid" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|",
		  "lifetime invalid" },
		{ "AES_CM_128_HMAC_SHA1_80",
		  "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|2^20|2^20", "second lifetime" },
		{ "AES_CM_128_HMAC_SHA1_80",
		  "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm;inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm",
		  "several keys" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6Ms!t5BOQ7Gda1Jiv7rtpYLOqvm",
		  "base64 invalid at character 17 " },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqv m",
		  "base64 invalid at character 40 " },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=",
		  "base64 invalid" },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG",
		  "base64 invalid" },
		{ "AES_CM_128_HMAC_SHA1_80", gcm128_inline,
		  "key: 28 bytes, AES_CM_128_HMAC_SHA1_80 needs 30 (16-byte master key and 14-byte salt)" },
		{ "AEAD_AES_128_GCM", b3_inline, "key: 30 bytes, AEAD_AES_128_GCM needs 28" },
		{ "AEAD_AES_256_GCM", gcm128_inline, "AEAD_AES_256_GCM needs 44 (32-byte master key" },
		{ "AES_CM_128_HMAC_SHA1_32", "inline:", "key: 0 bytes" },
		{ "AES_CM_128_HMAC_SHA1_32",
		  "inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		  "longer than any suite" },
	};
	struct mr_srtp_key key;
	uint8_t want[64];
	char err[256];
	unsigned int i;

	MR_TEST_EQ(mr_srtp_key_parse("AES_CM_128_HMAC_SHA1_80", b3_inline, &key, err, sizeof(err)), 0);
	MR_TEST_EQ(unhex(b3_hex, want, sizeof(want)), 30);
	MR_TEST_EQ(key.suite, MR_SRTP_AES_CM_128_HMAC_SHA1_80);
	MR_TEST_EQ(key.key_len, 16);
	MR_TEST_EQ(key.salt_len, 14);
	MR_TEST_EQ(key.lifetime, 0);
	MR_TEST_ASSERT(memcmp(key.material, want, 30) == 0, "B.3 key decoded wrong");
	MR_TEST_EQ(mr_srtp_key_parse("AES_CM_128_HMAC_SHA1_32",
				     "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|2^31",
				     &key, err, sizeof(err)), 0);
	MR_TEST_EQ(key.lifetime, 1ull << 31);
	MR_TEST_ASSERT(memcmp(key.material, want, 30) == 0, "B.3 key decoded wrong");
	MR_TEST_EQ(mr_srtp_key_parse("AES_CM_128_HMAC_SHA1_32",
				     "inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm|281474976710656",
				     &key, err, sizeof(err)), 0);
	MR_TEST_EQ(key.lifetime, 1ull << 48);

	for (i = 0; i < 44; i++)
		want[i] = (uint8_t)i;
	MR_TEST_EQ(mr_srtp_key_parse("AEAD_AES_128_GCM", gcm128_inline, &key, err, sizeof(err)), 0);
	MR_TEST_EQ(key.key_len + key.salt_len, 28);
	MR_TEST_ASSERT(memcmp(key.material, want, 28) == 0, "GCM-128 key decoded wrong");
	/* the same without its padding */
	MR_TEST_EQ(mr_srtp_key_parse("AEAD_AES_128_GCM",
				     "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw",
				     &key, err, sizeof(err)), 0);
	MR_TEST_ASSERT(memcmp(key.material, want, 28) == 0, "GCM-128 key decoded wrong");
	MR_TEST_EQ(mr_srtp_key_parse("AEAD_AES_256_GCM", gcm256_inline, &key, err, sizeof(err)), 0);
	MR_TEST_EQ(key.key_len, 32);
	MR_TEST_EQ(key.salt_len, 12);
	MR_TEST_ASSERT(memcmp(key.material, want, 44) == 0, "GCM-256 key decoded wrong");

	for (i = 0; i < RTE_DIM(bad); i++) {
		memset(&key, 0xff, sizeof(key));
		err[0] = '\0';
		MR_TEST_EQ(mr_srtp_key_parse(bad[i].suite, bad[i].params, &key, err, sizeof(err)),
			   -EINVAL);
		MR_TEST_ASSERT(strstr(err, bad[i].says) != NULL, "case %u: '%s' does not say '%s'",
			       i, err, bad[i].says);
		MR_TEST_ASSERT(strstr(err, "4fl6DT4B") == NULL && strstr(err, "AAECAw") == NULL,
			       "case %u quotes the key: %s", i, err);
		MR_TEST_ASSERT(all_zero(&key, sizeof(key)), "case %u: key not wiped", i);
	}
	MR_TEST_EQ(mr_srtp_key_parse(NULL, b3_inline, &key, NULL, 0), -EINVAL);
	MR_TEST_EQ(mr_srtp_key_parse("AEAD_AES_128_GCM", NULL, &key, err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_srtp_key_set(&key, MR_SRTP_AEAD_AES_128_GCM, want, 30), -EINVAL);
	MR_TEST_EQ(mr_srtp_key_set(&key, MR_SRTP_SUITE_NONE, want, 0), -EINVAL);
	MR_TEST_EQ(mr_srtp_key_set(&key, (enum mr_srtp_suite)9, want, 30), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(srtp, key_parse, test_srtp_key_parse);

static int
test_srtp_suites(void)
{
	static const unsigned int rtp[] = { 10, 4, 16, 16 }, rtcp[] = { 14, 14, 20, 20 };
	unsigned int i;

	for (i = 0; i < MR_SRTP_SUITES; i++) {
		enum mr_srtp_suite s = all_suites[i];

		MR_TEST_EQ(mr_srtp_suite_parse(mr_srtp_suite_name(s)), s);
		MR_TEST_EQ(mr_srtp_rtp_overhead(s), rtp[i]);
		MR_TEST_EQ(mr_srtp_rtcp_overhead(s), rtcp[i]);
		MR_TEST_ASSERT(mr_srtp_rtp_overhead(s) <= MR_SRTP_RTP_OVERHEAD_MAX &&
			       mr_srtp_rtcp_overhead(s) <= MR_SRTP_RTCP_OVERHEAD_MAX, "max");
		MR_TEST_ASSERT(mr_srtp_suite_key_len(s) + mr_srtp_suite_salt_len(s) <=
			       MR_SRTP_MATERIAL_MAX, "material max");
	}
	MR_TEST_EQ(mr_srtp_suite_parse("aes_cm_128_hmac_sha1_80"), MR_SRTP_SUITE_NONE);
	MR_TEST_EQ(mr_srtp_suite_parse("F8_128_HMAC_SHA1_80"), MR_SRTP_SUITE_NONE);
	MR_TEST_EQ(mr_srtp_suite_parse(NULL), MR_SRTP_SUITE_NONE);
	MR_TEST_ASSERT(strcmp(mr_srtp_suite_name(MR_SRTP_SUITE_NONE), "none") == 0, "none");
	MR_TEST_ASSERT(strcmp(mr_srtp_suite_name((enum mr_srtp_suite)5), "invalid") == 0, "inv");
	MR_TEST_EQ(mr_srtp_rtp_overhead(MR_SRTP_SUITE_NONE), 0);
	MR_TEST_ASSERT(strcmp(mr_srtp_result_name(MR_SRTP_AUTH), "auth") == 0, "auth");
	MR_TEST_ASSERT(strcmp(mr_srtp_result_name(MR_SRTP_REPLAY), "replay") == 0, "replay");
	MR_TEST_ASSERT(strcmp(mr_srtp_result_name(MR_SRTP_MALFORMED), "malformed") == 0, "m");
	MR_TEST_ASSERT(strcmp(mr_srtp_result_name(MR_SRTP__MAX), "invalid") == 0, "invalid");
	return 0;
}
MR_REGISTER_TEST(srtp, suites, test_srtp_suites);

static int
test_srtp_fingerprint(void)
{
	struct mr_srtp_key key;
	char fp[MR_SRTP_FINGERPRINT_LEN + 1];

	/* expected values: Python's hashlib over the same input */
	MR_TEST_EQ(mr_srtp_key_parse("AES_CM_128_HMAC_SHA1_80", b3_inline, &key, NULL, 0), 0);
	mr_srtp_key_fingerprint(&key, fp);
	MR_TEST_ASSERT(strcmp(fp, "b2d4790f68d6") == 0, "fingerprint %s", fp);
	key.suite = MR_SRTP_AES_CM_128_HMAC_SHA1_32;
	mr_srtp_key_fingerprint(&key, fp);
	MR_TEST_ASSERT(strcmp(fp, "4afc2597981b") == 0, "fingerprint %s", fp);
	mr_srtp_key_wipe(&key);
	MR_TEST_ASSERT(all_zero(&key, sizeof(key)), "wipe left bytes");
	mr_srtp_key_fingerprint(&key, fp);
	MR_TEST_ASSERT(strcmp(fp, "none") == 0, "fingerprint of no key: %s", fp);
	return 0;
}
MR_REGISTER_TEST(srtp, fingerprint, test_srtp_fingerprint);

/* RFC 3711 B.2: AES-CM keystream of the session key, SSRC 0, index 0. */
static int
test_srtp_rfc3711_b2(void)
{
	static const struct {
		const char *iv;  /* XORed into salt * 2^16: the block number */
		const char *keystream;
	} blocks[] = {
		{ "00000000000000000000000000000000",
		  "E03EAD0935C95E80E166B16DD92B4EB4" "D23513162B02D0F72A43A2FE4A5F97AB"
		  "41E95B3BB0A2E8DD477901E4FCA894C0" },
		{ "0000000000000000000000000000FEFF",
		  "EC8CDF7398607CB0F2D21675EA9EA1E4" "362B7C3C6773516318A077D7FC5073AE"
		  "6A2CC3787889374FBEB4C81B17BA6C44" },
	};
	uint8_t key[30], iv[16], buf[48], want[48];
	srtp_cipher_t *c;
	unsigned int i, t;

	MR_TEST_EQ(setup(), 0);
	unhex("2B7E151628AED2A6ABF7158809CF4F3C" "F0F1F2F3F4F5F6F7F8F9FAFBFCFD", key, 30);
	for (t = 0; t < RTE_DIM(icm128_types); t++) {
		MR_TEST_EQ(srtp_cipher_type_alloc(icm128_types[t], &c, 30, 0), srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_init(c, key), srtp_err_status_ok);
		for (i = 0; i < RTE_DIM(blocks); i++) {
			uint32_t len = sizeof(buf), half = 20;

			unhex(blocks[i].iv, iv, 16);
			unhex(blocks[i].keystream, want, 48);
			memset(buf, 0, sizeof(buf));
			MR_TEST_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
				   srtp_err_status_ok);
			MR_TEST_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_ok);
			MR_TEST_ASSERT(memcmp(buf, want, 48) == 0, "%s: B.2 keystream %u differs",
				       icm128_types[t]->description, i);
			/* in two calls the keystream continues where it stopped */
			memset(buf, 0, sizeof(buf));
			len = sizeof(buf) - half;
			MR_TEST_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
				   srtp_err_status_ok);
			MR_TEST_EQ(srtp_cipher_encrypt(c, buf, &half), srtp_err_status_ok);
			MR_TEST_EQ(srtp_cipher_encrypt(c, buf + half, &len), srtp_err_status_ok);
			MR_TEST_ASSERT(memcmp(buf, want, 48) == 0, "%s: B.2 split %u differs",
				       icm128_types[t]->description, i);
		}
		srtp_cipher_dealloc(c);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, rfc3711_b2, test_srtp_rfc3711_b2);

/*
 * RFC 3711 B.3's master key through the protect path: the packet libsrtp's
 * own driver (test/srtp_driver.c) checks, SSRC cafebabe, seq 0x1234.
 * test_srtp.py derives B.3's session keys and this packet from them.
 */
static int
test_srtp_rfc3711_b3(void)
{
	static const char want_hex[] = "800f1234decafbadcafebabe"
		"4e55dc4ce79978d88ca4d215949d2402" "b78d6acc99ea179b8dbb";
	static const enum mr_srtp_suite s[2] = {
		MR_SRTP_AES_CM_128_HMAC_SHA1_80, MR_SRTP_AES_CM_128_HMAC_SHA1_32,
	};
	uint8_t pkt[64], want[64], plain[28];
	struct mr_srtp_ctx *out, *in;
	struct mr_srtp_key key;
	unsigned int i;
	uint32_t len;

	MR_TEST_EQ(setup(), 0);
	unhex(want_hex, want, sizeof(want));
	unhex("800f1234decafbadcafebabe", plain, 12);
	memset(plain + 12, 0xab, 16);
	for (i = 0; i < 2; i++) {
		MR_TEST_EQ(mr_srtp_key_parse(mr_srtp_suite_name(s[i]), b3_inline, &key, NULL, 0), 0);
		MR_TEST_EQ(mr_srtp_outbound_create(&key, 0xcafebabe, &out), 0);
		MR_TEST_EQ(mr_srtp_inbound_create(&key, 0, &in), 0);
		mr_srtp_key_wipe(&key);
		memcpy(pkt, plain, 28);
		len = 28;
		MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_OK);
		MR_TEST_EQ(len, 28 + mr_srtp_rtp_overhead(s[i]));
		MR_TEST_ASSERT(memcmp(pkt, want, len) == 0, "%s: protected packet differs",
			       mr_srtp_suite_name(s[i]));
		MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_OK);
		MR_TEST_EQ(len, 28);
		MR_TEST_ASSERT(memcmp(pkt, plain, 28) == 0, "unprotect differs");
		free_pair(out, in);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, rfc3711_b3, test_srtp_rfc3711_b3);

/* GCM-encrypt @n bytes of @in into @out with @iv and @aad: ciphertext || tag. */
static int
gcm_seal(srtp_cipher_t *c, uint8_t *iv, uint8_t *aad, uint32_t aad_len, const uint8_t *in,
	 uint32_t n, uint8_t *out)
{
	uint32_t tag_len;

	memcpy(out, in, n);
	if (srtp_cipher_set_iv(c, iv, srtp_direction_encrypt) != srtp_err_status_ok ||
	    srtp_cipher_set_aad(c, aad, aad_len) != srtp_err_status_ok ||
	    srtp_cipher_encrypt(c, out, &n) != srtp_err_status_ok ||
	    srtp_cipher_get_tag(c, out + n, &tag_len) != srtp_err_status_ok)
		return -1;
	return (int)(n + tag_len);
}

/*
 * RFC 7714 16-17 on libsrtp's GCM ciphers with the vectors' session key
 * and salt: IV = salt XOR (0 || SSRC || ROC || SEQ) for SRTP, salt XOR
 * (0 || SSRC || 0 || index) for SRTCP; AAD the RTP header, or the SRTCP
 * header and E flag + index (the whole packet with E clear).
 */
static int
test_srtp_rfc7714(void)
{
	static const char rtp_hex[] = "8040f17b8041f8d35501a0b2"
		"47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";
	static const char rtcp_hex[] = "81c8000d4d6172734e5450314e545032525450200000042a0000e930"
		"4c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
	static const struct {
		const srtp_cipher_type_t *type;
		int key_len;
		const char *rtp;       /* 16.1.1, 16.2.1: ciphertext || tag */
		const char *rtcp;      /* 17.1, 17.2 */
		const char *tag_only;  /* 17.3, 17.4 */
	} v[] = {
		{ &srtp_aes_gcm_128, 16,
		  "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
		  "899d7f27beb16a9152cf765ee4390cce",
		  "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded"
		  "0bb9275bc84aa45896cf4d2fc5abf87245d9eade",
		  "841dd9683dd78ec92ae58790125f62b3" },
		{ &srtp_aes_gcm_256, 32,
		  "32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b"
		  "7aa3db36dfffd6b0f9bb7878d7a76c13",
		  "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de047"
		  "6f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be",
		  "91db4afbfeee5a978fab4393ed2615fe" },
#ifdef MR_SRTP_HAVE_OPENSSL
		{ &mr_srtp_ossl_aes_gcm_128, 16,
		  "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
		  "899d7f27beb16a9152cf765ee4390cce",
		  "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded"
		  "0bb9275bc84aa45896cf4d2fc5abf87245d9eade",
		  "841dd9683dd78ec92ae58790125f62b3" },
		{ &mr_srtp_ossl_aes_gcm_256, 32,
		  "32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b"
		  "7aa3db36dfffd6b0f9bb7878d7a76c13",
		  "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de047"
		  "6f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be",
		  "91db4afbfeee5a978fab4393ed2615fe" },
#endif
	};
	uint8_t key[44], salt[12], rtp[64], rtcp[64], iv[12], buf[128], want[128], aad[96];
	uint32_t rtp_len, rtcp_len, n, i, k;
	srtp_cipher_t *c;

	MR_TEST_EQ(setup(), 0);
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	unhex("517569642070726f2071756f", salt, sizeof(salt));
	rtp_len = unhex(rtp_hex, rtp, sizeof(rtp));
	rtcp_len = unhex(rtcp_hex, rtcp, sizeof(rtcp));
	for (k = 0; k < RTE_DIM(v); k++) {
		MR_TEST_EQ(srtp_cipher_type_alloc(v[k].type, &c, v[k].key_len + 12, 16),
			   srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_init(c, key), srtp_err_status_ok);

		/* SRTP: SSRC 5501a0b2, ROC 0, SEQ f17b */
		memcpy(iv, salt, 12);
		iv[2] ^= 0x55; iv[3] ^= 0x01; iv[4] ^= 0xa0; iv[5] ^= 0xb2;
		iv[10] ^= 0xf1; iv[11] ^= 0x7b;
		n = (uint32_t)gcm_seal(c, iv, rtp, 12, rtp + 12, rtp_len - 12, buf);
		MR_TEST_EQ(unhex(v[k].rtp, want, sizeof(want)), n);
		MR_TEST_ASSERT(memcmp(buf, want, n) == 0, "vector %u: SRTP differs", k);
		/* and back, the tag checked */
		MR_TEST_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_decrypt), srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_set_aad(c, rtp, 12), srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_decrypt(c, buf, &n), srtp_err_status_ok);
		MR_TEST_EQ(n, rtp_len - 12);
		MR_TEST_ASSERT(memcmp(buf, rtp + 12, n) == 0, "vector %u: decrypt differs", k);
		/* a flipped tag bit fails as authentication */
		n = (uint32_t)gcm_seal(c, iv, rtp, 12, rtp + 12, rtp_len - 12, buf);
		buf[n - 1] ^= 0x01;
		MR_TEST_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_decrypt), srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_set_aad(c, rtp, 12), srtp_err_status_ok);
		MR_TEST_EQ(srtp_cipher_decrypt(c, buf, &n), srtp_err_status_auth_fail);

		/* SRTCP: SSRC 4d617273 ("Mars"), index 5d4, E set */
		memcpy(iv, salt, 12);
		iv[2] ^= 0x4d; iv[3] ^= 0x61; iv[4] ^= 0x72; iv[5] ^= 0x73;
		iv[10] ^= 0x05; iv[11] ^= 0xd4;
		memcpy(aad, rtcp, 8);
		unhex("800005d4", aad + 8, 4);
		n = (uint32_t)gcm_seal(c, iv, aad, 12, rtcp + 8, rtcp_len - 8, buf);
		MR_TEST_EQ(unhex(v[k].rtcp, want, sizeof(want)), n);
		MR_TEST_ASSERT(memcmp(buf, want, n) == 0, "vector %u: SRTCP differs", k);

		/* SRTCP with E clear: the whole packet and 000005d4 are AAD */
		memcpy(aad, rtcp, rtcp_len);
		unhex("000005d4", aad + rtcp_len, 4);
		n = (uint32_t)gcm_seal(c, iv, aad, rtcp_len + 4, rtcp, 0, buf);
		MR_TEST_EQ(unhex(v[k].tag_only, want, sizeof(want)), n);
		MR_TEST_ASSERT(memcmp(buf, want, n) == 0, "vector %u: SRTCP tag differs", k);
		srtp_cipher_dealloc(c);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, rfc7714, test_srtp_rfc7714);

#ifdef MR_SRTP_HAVE_OPENSSL
/* libsrtp's crypto kernel self tests; exported, in no installed header */
srtp_err_status_t srtp_crypto_kernel_status(void);
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

/*
 * The OpenSSL backend: in libsrtp's kernel unless MR_SRTP_CRYPTO=libsrtp,
 * libsrtp's self tests on each type and on the whole kernel, HMAC-SHA1
 * on RFC 2202's vectors, truncated, fed in pieces, and parameters refused.
 */
static int
test_srtp_openssl(void)
{
	static const srtp_cipher_type_t *const ct[] = {
		&mr_srtp_ossl_aes_icm_128, &mr_srtp_ossl_aes_icm_192, &mr_srtp_ossl_aes_icm_256,
		&mr_srtp_ossl_aes_gcm_128, &mr_srtp_ossl_aes_gcm_256,
	};
	static const struct {
		const char *key, *data, *mac;
	} rfc2202[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b617318655057264e28bc0b6fb378c8ef146be00" },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",     /* 50 bytes */
		  "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
	};
	const char *env = getenv("MR_SRTP_CRYPTO");
	uint8_t key[64], data[64], want[20], tag[20];
	srtp_cipher_t *c;
	srtp_auth_t *a;
	unsigned int i;

	MR_TEST_EQ(setup(), 0);
	if (env != NULL && strcmp(env, "libsrtp") == 0) {
		MR_TEST_EQ(mr_srtp_crypto(), MR_SRTP_CRYPTO_LIBSRTP);
		MR_TEST_ASSERT(srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128) ==
			       &srtp_aes_icm_128, "libsrtp's AES-ICM not in the kernel");
	} else {
		MR_TEST_EQ(mr_srtp_crypto(), MR_SRTP_CRYPTO_OPENSSL);
		MR_TEST_ASSERT(strcmp(mr_srtp_crypto_name(), "openssl") == 0, "name");
		for (i = 0; i < RTE_DIM(ct); i++)
			MR_TEST_ASSERT(srtp_crypto_kernel_get_cipher_type(ct[i]->id) == ct[i],
				       "%s not in the kernel", ct[i]->description);
		MR_TEST_ASSERT(srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1) ==
			       &mr_srtp_ossl_hmac_sha1, "HMAC-SHA1 not in the kernel");
	}
	MR_TEST_EQ(mr_srtp_crypto_use_openssl(), 0);    /* idempotent once in */
	MR_TEST_EQ(srtp_crypto_kernel_status(), srtp_err_status_ok);
	for (i = 0; i < RTE_DIM(ct); i++)
		MR_TEST_EQ(srtp_cipher_type_self_test(ct[i]), srtp_err_status_ok);
	MR_TEST_EQ(srtp_auth_type_self_test(&mr_srtp_ossl_hmac_sha1), srtp_err_status_ok);

	for (i = 0; i < RTE_DIM(rfc2202); i++) {
		int klen = (int)unhex(rfc2202[i].key, key, sizeof(key));
		int dlen = (int)unhex(rfc2202[i].data, data, sizeof(data));

		unhex(rfc2202[i].mac, want, sizeof(want));
		MR_TEST_EQ(mr_srtp_ossl_hmac_sha1.alloc(&a, klen, 20), srtp_err_status_ok);
		MR_TEST_EQ(srtp_auth_init(a, key), srtp_err_status_ok);
		MR_TEST_EQ(srtp_auth_compute(a, data, dlen, tag), srtp_err_status_ok);
		MR_TEST_ASSERT(memcmp(tag, want, 20) == 0, "RFC 2202 case %u differs", i + 1);
		/* restarted, in two pieces as libsrtp feeds packet then ROC */
		memset(tag, 0, sizeof(tag));
		MR_TEST_EQ(srtp_auth_start(a), srtp_err_status_ok);
		MR_TEST_EQ(srtp_auth_update(a, data, dlen - 4), srtp_err_status_ok);
		MR_TEST_EQ(srtp_auth_compute(a, data + dlen - 4, 4, tag), srtp_err_status_ok);
		MR_TEST_ASSERT(memcmp(tag, want, 20) == 0, "RFC 2202 case %u split", i + 1);
		MR_TEST_EQ(srtp_auth_dealloc(a), srtp_err_status_ok);
	}
	/* an 80-bit tag writes 10 bytes and no more */
	MR_TEST_EQ(mr_srtp_ossl_hmac_sha1.alloc(&a, 4, 10), srtp_err_status_ok);
	MR_TEST_EQ(srtp_auth_init(a, (const uint8_t *)"Jefe"), srtp_err_status_ok);
	memset(tag, CANARY, sizeof(tag));
	MR_TEST_EQ(srtp_auth_compute(a, (const uint8_t *)"what do ya want for nothing?", 28, tag),
		   srtp_err_status_ok);
	unhex(rfc2202[1].mac, want, sizeof(want));
	MR_TEST_ASSERT(memcmp(tag, want, 10) == 0 && tag[10] == CANARY && tag[19] == CANARY,
		       "truncated tag wrong or too long");
	MR_TEST_EQ(srtp_auth_dealloc(a), srtp_err_status_ok);

	MR_TEST_EQ(mr_srtp_ossl_hmac_sha1.alloc(&a, 65, 10), srtp_err_status_bad_param);
	MR_TEST_EQ(mr_srtp_ossl_hmac_sha1.alloc(&a, 20, 21), srtp_err_status_bad_param);
	MR_TEST_EQ(srtp_cipher_type_alloc(&mr_srtp_ossl_aes_icm_128, &c, 16, 0),
		   srtp_err_status_bad_param);
	MR_TEST_EQ(srtp_cipher_type_alloc(&mr_srtp_ossl_aes_gcm_128, &c, 28, 12),
		   srtp_err_status_bad_param);
	/* a GCM cipher set to decrypt refuses to encrypt */
	MR_TEST_EQ(srtp_cipher_type_alloc(&mr_srtp_ossl_aes_gcm_128, &c, 28, 16),
		   srtp_err_status_ok);
	MR_TEST_EQ(c->algorithm, SRTP_AES_GCM_128);
	MR_TEST_EQ(srtp_cipher_init(c, key), srtp_err_status_ok);
	MR_TEST_EQ(srtp_cipher_set_iv(c, key, srtp_direction_decrypt), srtp_err_status_ok);
	{
		uint32_t n = 8, m = 4;

		MR_TEST_EQ(srtp_cipher_encrypt(c, data, &n), srtp_err_status_bad_param);
		/* shorter than its tag */
		MR_TEST_EQ(srtp_cipher_decrypt(c, data, &m), srtp_err_status_bad_param);
	}
	MR_TEST_EQ(srtp_cipher_dealloc(c), srtp_err_status_ok);
	return 0;
}
MR_REGISTER_TEST(srtp, openssl, test_srtp_openssl);
#endif

/* Protect into exactly the room needed, canaries after it; unprotect back. */
static int
roundtrip(struct mr_srtp_ctx *out, struct mr_srtp_ctx *in, const uint8_t *plain,
	  uint32_t plen, uint32_t hlen, bool rtcp)
{
	enum mr_srtp_suite s = mr_srtp_ctx_suite(out);
	uint32_t over = rtcp ? mr_srtp_rtcp_overhead(s) : mr_srtp_rtp_overhead(s);
	uint8_t buf[PKT_ROOM + 32];
	uint32_t len = plen, i;

	memset(buf, CANARY, sizeof(buf));
	memcpy(buf, plain, plen);
	/* one byte short: refused, nothing written */
	MR_TEST_EQ(rtcp ? mr_srtp_protect_rtcp(out, buf, &len, plen + over - 1) :
		   mr_srtp_protect_rtp(out, buf, &len, plen + over - 1), MR_SRTP_NO_ROOM);
	MR_TEST_EQ(len, plen);
	MR_TEST_ASSERT(memcmp(buf, plain, plen) == 0, "NO_ROOM changed the packet");
	MR_TEST_EQ(rtcp ? mr_srtp_protect_rtcp(out, buf, &len, plen + over) :
		   mr_srtp_protect_rtp(out, buf, &len, plen + over), MR_SRTP_OK);
	MR_TEST_EQ(len, plen + over);
	for (i = len; i < sizeof(buf); i++)
		MR_TEST_ASSERT(buf[i] == CANARY, "%s: byte %u past the room written",
			       mr_srtp_suite_name(s), i);
	MR_TEST_ASSERT(memcmp(buf, plain, hlen) == 0, "header changed");
	MR_TEST_ASSERT(plen - hlen < 8 || memcmp(buf + plen - 8, plain + plen - 8, 8) != 0,
		       "payload not encrypted");
	MR_TEST_EQ(rtcp ? mr_srtp_unprotect_rtcp(in, buf, &len) :
		   mr_srtp_unprotect_rtp(in, buf, &len), MR_SRTP_OK);
	MR_TEST_EQ(len, plen);
	MR_TEST_ASSERT(memcmp(buf, plain, plen) == 0, "%s: round trip differs",
		       mr_srtp_suite_name(s));
	return 0;
}

static int
test_srtp_roundtrip(void)
{
	static const struct { unsigned int cc; int ext; uint32_t payload; } shape[] = {
		{ 0, -1, 0 }, { 0, -1, 1 }, { 0, -1, 160 }, { 2, -1, 20 }, { 15, -1, 7 },
		{ 0, 0, 33 }, { 1, 3, 1200 }, { 15, 255, 300 },
	};
	uint8_t pkt[PKT_ROOM];
	unsigned int i, k;

	MR_TEST_EQ(setup(), 0);
	for (i = 0; i < MR_SRTP_SUITES; i++) {
		struct mr_srtp_ctx *out, *in;
		uint32_t len;

		MR_TEST_EQ(make_pair(all_suites[i], (uint8_t)i, 0x01020304, &out, &in), 0);
		MR_TEST_ASSERT(strlen(mr_srtp_ctx_fingerprint(in)) == MR_SRTP_FINGERPRINT_LEN &&
			       strcmp(mr_srtp_ctx_fingerprint(in), mr_srtp_ctx_fingerprint(out)) == 0,
			       "fingerprints");
		for (k = 0; k < RTE_DIM(shape); k++) {
			len = make_rtp(pkt, (uint16_t)(1000 + k), 0x01020304, shape[k].cc,
				       shape[k].ext, shape[k].payload, (uint8_t)k);
			if (roundtrip(out, in, pkt, len, len - shape[k].payload, false) < 0)
				return -1;
		}
		for (k = 0; k < 3; k++) {
			len = make_rtcp(pkt, 0x01020304, (uint8_t)k);
			if (roundtrip(out, in, pkt, len, 8, true) < 0)
				return -1;
		}
		free_pair(out, in);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, roundtrip, test_srtp_roundtrip);

/*
 * Every single-bit change of a protected packet is refused, and refusals
 * leave no state behind: the untouched packet still goes through after.
 */
static int
flip_all(struct mr_srtp_ctx *in, const uint8_t *prot, uint32_t len, uint32_t auth_from,
	 bool rtcp, uint32_t e_flag_byte)
{
	const char *name = mr_srtp_suite_name(mr_srtp_ctx_suite(in));
	uint8_t flipped[PKT_ROOM], buf[PKT_ROOM];
	uint32_t bit, n;

	memcpy(flipped, prot, len);
	for (bit = 0; bit < len * 8; bit++) {
		enum mr_srtp_result r;

		flipped[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = unprotect_copy(in, flipped, len, rtcp, buf, &n);
		flipped[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		MR_TEST_ASSERT(r != MR_SRTP_OK, "%s %s: bit %u flipped, still accepted",
			       name, rtcp ? "RTCP" : "RTP", bit);
		/* AES-CM contexts refuse a cleared E flag before the tag */
		if (bit / 8 == e_flag_byte && bit % 8 == 7)
			MR_TEST_ASSERT(r == MR_SRTP_MALFORMED, "E flag cleared: %s",
				       mr_srtp_result_name(r));
		else if (bit / 8 >= auth_from)
			MR_TEST_ASSERT(r == MR_SRTP_AUTH, "%s: bit %u: %s, want auth",
				       name, bit, mr_srtp_result_name(r));
	}
	MR_TEST_EQ(unprotect_copy(in, prot, len, rtcp, buf, &n), MR_SRTP_OK);
	return 0;
}

static int
test_srtp_bit_flip(void)
{
	uint8_t pkt[PKT_ROOM];
	unsigned int i;

	MR_TEST_EQ(setup(), 0);
	for (i = 0; i < MR_SRTP_SUITES; i++) {
		enum mr_srtp_suite s = all_suites[i];
		struct mr_srtp_ctx *out, *in;
		uint32_t len;
		bool gcm;

		MR_TEST_EQ(make_pair(s, (uint8_t)(10 + i), 0xa1b2c3d4, &out, &in), 0);
		/* header with a CSRC and an extension word, 40 bytes of payload */
		len = make_rtp(pkt, 7, 0xa1b2c3d4, 1, 1, 40, 3);
		MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_OK);
		if (flip_all(in, pkt, len, 12 + 4 + 8, false, UINT32_MAX) < 0)
			return -1;
		/*
		 * RTCP: every header bit is authenticated too. The E flag leads
		 * the trailer: after the 52-byte packet (AES-CM), after the tag
		 * (GCM, where clearing it changes the AAD: tag fails).
		 */
		gcm = s == MR_SRTP_AEAD_AES_128_GCM || s == MR_SRTP_AEAD_AES_256_GCM;
		len = make_rtcp(pkt, 0xa1b2c3d4, 9);
		MR_TEST_EQ(mr_srtp_protect_rtcp(out, pkt, &len, sizeof(pkt)), MR_SRTP_OK);
		if (flip_all(in, pkt, len, 0, true, gcm ? UINT32_MAX : 52) < 0)
			return -1;
		free_pair(out, in);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, bit_flip, test_srtp_bit_flip);

static int
test_srtp_replay(void)
{
	static uint8_t prot[200][96];
	static uint32_t plen[200];
	uint8_t buf[96];
	unsigned int i, s;

	MR_TEST_EQ(setup(), 0);
	for (s = 0; s < MR_SRTP_SUITES; s++) {
		struct mr_srtp_ctx *out, *in;
		uint32_t len;

		MR_TEST_EQ(make_pair(all_suites[s], (uint8_t)(20 + s), 77, &out, &in), 0);
		for (i = 0; i < 200; i++) {
			plen[i] = make_rtp(prot[i], (uint16_t)(100 + i), 77, 0, -1, 20, 1);
			MR_TEST_EQ(mr_srtp_protect_rtp(out, prot[i], &plen[i], 96), MR_SRTP_OK);
		}
		/* a packet protected twice is refused by the sender */
		len = make_rtp(buf, 100, 77, 0, -1, 20, 1);
		MR_TEST_EQ(mr_srtp_protect_rtp(out, buf, &len, sizeof(buf)), MR_SRTP_REPLAY);
		/* all but #150, in order; #150 late inside the window, once */
		for (i = 0; i < 200; i++)
			if (i != 150)
				MR_TEST_EQ(unprotect_copy(in, prot[i], plen[i], false, buf, &len),
					   MR_SRTP_OK);
		MR_TEST_EQ(unprotect_copy(in, prot[150], plen[150], false, buf, &len), MR_SRTP_OK);
		MR_TEST_EQ(unprotect_copy(in, prot[150], plen[150], false, buf, &len),
			   MR_SRTP_REPLAY);
		/* the newest again, and one left of the 128-packet window */
		MR_TEST_EQ(unprotect_copy(in, prot[199], plen[199], false, buf, &len),
			   MR_SRTP_REPLAY);
		MR_TEST_EQ(unprotect_copy(in, prot[10], plen[10], false, buf, &len), MR_SRTP_REPLAY);
		/* SRTCP: the same packet twice */
		plen[0] = make_rtcp(prot[0], 77, 1);
		MR_TEST_EQ(mr_srtp_protect_rtcp(out, prot[0], &plen[0], 96), MR_SRTP_OK);
		MR_TEST_EQ(unprotect_copy(in, prot[0], plen[0], true, buf, &len), MR_SRTP_OK);
		MR_TEST_EQ(unprotect_copy(in, prot[0], plen[0], true, buf, &len), MR_SRTP_REPLAY);
		/* E flag cleared on a new index: refused unchecked (AES-CM), tag (GCM) */
		plen[0] = make_rtcp(prot[0], 77, 1);
		MR_TEST_EQ(mr_srtp_protect_rtcp(out, prot[0], &plen[0], 96), MR_SRTP_OK);
		prot[0][plen[0] - mr_srtp_rtcp_overhead(all_suites[s]) +
			(s >= 2 ? 16 : 0)] &= 0x7f;
		MR_TEST_EQ(unprotect_copy(in, prot[0], plen[0], true, buf, &len),
			   s >= 2 ? MR_SRTP_AUTH : MR_SRTP_MALFORMED);
		free_pair(out, in);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, replay, test_srtp_replay);

/*
 * The rollover counter across the 16-bit wrap. The sender starts at 65500
 * (its first packet has ROC 0), sends 300 packets, then jumps 20000
 * ahead. The receiver sees them with losses on both sides of the wrap,
 * reordering across it (65535 after 0, 65534 after 1), one packet of ROC 0
 * (65533) arriving 13 packets late, after seq 10 of ROC 1, and the jump:
 * each decrypts to what was sent and the ROC ends at 1.
 */
static int
test_srtp_wrap(void)
{
	enum { N = 301, FIRST = 65500, LATE = 33 };
	static uint8_t prot[N][96], plain[N][96];
	static uint32_t plen[N], len0[N];
	/* ranges of packet numbers i (seq = FIRST + i mod 2^16) in arrival order */
	static const struct { int from, to; } order[] = {
		{ 0, 29 },                                  /* 30-33 lost */
		{ 36, 37 }, { 35, 35 }, { 38, 38 }, { 34, 34 }, /* 0, 1, 65535, 2, 65534 */
		{ 40, 40 }, { 39, 39 }, { 42, 42 }, { 41, 41 }, /* 43-45 lost */
		{ 46, 46 }, { LATE, LATE }, { 47, 299 },
		{ N - 1, N - 1 },                           /* 20000 ahead */
	};
	uint32_t roc, len;
	uint8_t buf[96];
	unsigned int s, k;
	int i;

	MR_TEST_EQ(setup(), 0);
	for (s = 0; s < MR_SRTP_SUITES; s++) {
		struct mr_srtp_ctx *out, *in;

		MR_TEST_EQ(make_pair(all_suites[s], (uint8_t)(30 + s), 0x5eed, &out, &in), 0);
		for (i = 0; i < N; i++) {
			uint16_t seq = (uint16_t)(FIRST + (i == N - 1 ? 300 + 20000 : i));

			len0[i] = make_rtp(plain[i], seq, 0x5eed, 0, -1, 40, (uint8_t)i);
			memcpy(prot[i], plain[i], len0[i]);
			plen[i] = len0[i];
			MR_TEST_EQ(mr_srtp_protect_rtp(out, prot[i], &plen[i], 96), MR_SRTP_OK);
			MR_TEST_EQ(mr_srtp_roc(out, 0x5eed, &roc), 0);
			MR_TEST_EQ(roc, i < 36 ? 0 : 1);
		}
		for (k = 0; k < RTE_DIM(order); k++) {
			for (i = order[k].from; i <= order[k].to; i++) {
				MR_TEST_ASSERT(unprotect_copy(in, prot[i], plen[i], false, buf,
							      &len) == MR_SRTP_OK,
					       "%s: packet %d (seq %u) refused",
					       mr_srtp_suite_name(all_suites[s]), i,
					       (uint16_t)(FIRST + i));
				MR_TEST_ASSERT(len == len0[i] && memcmp(buf, plain[i], len) == 0,
					       "packet %d decrypted wrong", i);
			}
		}
		MR_TEST_EQ(mr_srtp_roc(in, 0x5eed, &roc), 0);
		MR_TEST_EQ(roc, 1);
		MR_TEST_EQ(mr_srtp_roc(in, 0x5eee, &roc), -ENOENT);
		free_pair(out, in);
	}
	return 0;
}
MR_REGISTER_TEST(srtp, wrap, test_srtp_wrap);

static int
test_srtp_ctx(void)
{
	struct mr_srtp_ctx *out, *in, *c = (struct mr_srtp_ctx *)1;
	struct mr_srtp_key key;
	uint8_t pkt[128];
	uint32_t len, i, index;

	MR_TEST_EQ(setup(), 0);
	memset(&key, 0, sizeof(key));
	MR_TEST_EQ(mr_srtp_inbound_create(&key, 0, &c), -EINVAL);
	MR_TEST_ASSERT(c == NULL, "no context on error");
	test_key(&key, MR_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	MR_TEST_EQ(mr_srtp_inbound_create(&key, 63, &c), -EINVAL);
	MR_TEST_EQ(mr_srtp_inbound_create(&key, 32768, &c), -EINVAL);
	MR_TEST_EQ(mr_srtp_inbound_create(NULL, 0, &c), -EINVAL);
	key.key_len = 32;
	MR_TEST_EQ(mr_srtp_outbound_create(&key, 1, &c), -EINVAL);
	test_key(&key, MR_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	MR_TEST_EQ(mr_srtp_inbound_create(&key, 64, &in), 0);
	MR_TEST_EQ(mr_srtp_outbound_create(&key, 42, &out), 0);
	mr_srtp_key_wipe(&key);
	MR_TEST_EQ(mr_srtp_ctx_suite(in), MR_SRTP_AES_CM_128_HMAC_SHA1_80);

	/* another SSRC than the outbound context's */
	len = make_rtp(pkt, 1, 43, 0, -1, 10, 0);
	MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_ERROR);
	/* malformed: short, CSRCs past the end, extension past the end, huge */
	len = 11;
	MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_MALFORMED);
	MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_MALFORMED);
	len = make_rtp(pkt, 1, 42, 3, -1, 0, 0) - 1;
	MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_MALFORMED);
	MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_MALFORMED);
	len = make_rtp(pkt, 1, 42, 0, 5, 0, 0) - 4;
	MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_MALFORMED);
	len = 70000;
	MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_MALFORMED);
	MR_TEST_EQ(mr_srtp_protect_rtcp(out, pkt, &len, 80000), MR_SRTP_MALFORMED);
	len = 7;
	MR_TEST_EQ(mr_srtp_protect_rtcp(out, pkt, &len, sizeof(pkt)), MR_SRTP_MALFORMED);
	len = 8 + 4 + 10 - 1;
	MR_TEST_EQ(mr_srtp_unprotect_rtcp(in, pkt, &len), MR_SRTP_MALFORMED);
	MR_TEST_EQ(len, 8 + 4 + 10 - 1);

	/* shorter than header + tag, in every suite (GCM's libsrtp path calls
	 * that a cipher failure; found by fuzz_srtp) */
	for (i = 0; i < 2 * MR_SRTP_SUITES; i++) {
		enum mr_srtp_suite s = all_suites[i / 2];
		struct mr_srtp_ctx *o, *n;
		uint32_t hlen = i % 2 ? make_rtp(pkt, 9, 42, 1, 1, 0, 0) :
			make_rtp(pkt, 9, 42, 0, -1, 0, 0);

		MR_TEST_EQ(make_pair(s, 3, 42, &o, &n), 0);
		for (len = hlen; len < hlen + mr_srtp_rtp_overhead(s); len++) {
			uint32_t l = len;

			MR_TEST_ASSERT(mr_srtp_unprotect_rtp(n, pkt, &l) == MR_SRTP_MALFORMED,
				       "%s: %u bytes, header %u", mr_srtp_suite_name(s), len, hlen);
		}
		free_pair(o, n);
	}

	/* SRTCP: E set, index from 1 up */
	for (i = 1; i <= 3; i++) {
		len = make_rtcp(pkt, 42, 0);
		MR_TEST_EQ(mr_srtp_protect_rtcp(out, pkt, &len, sizeof(pkt)), MR_SRTP_OK);
		index = (uint32_t)pkt[52] << 24 | (uint32_t)pkt[53] << 16 | pkt[54] << 8 | pkt[55];
		MR_TEST_EQ(index, 0x80000000u | i);
	}

	MR_TEST_EQ(mr_srtp_remove_ssrc(in, 42), -ENOENT);
	len = make_rtp(pkt, 1, 42, 0, -1, 10, 0);
	MR_TEST_EQ(mr_srtp_protect_rtp(out, pkt, &len, sizeof(pkt)), MR_SRTP_OK);
	MR_TEST_EQ(mr_srtp_unprotect_rtp(in, pkt, &len), MR_SRTP_OK);
	MR_TEST_EQ(mr_srtp_remove_ssrc(in, 42), 0);
	MR_TEST_EQ(mr_srtp_remove_ssrc(in, 42), -ENOENT);
	MR_TEST_EQ(mr_srtp_roc(in, 42, &index), -ENOENT);
	mr_srtp_ctx_free(out);
	mr_srtp_ctx_free(in);
	mr_srtp_ctx_free(NULL);
	return 0;
}
MR_REGISTER_TEST(srtp, ctx, test_srtp_ctx);

/* The mbuf forms, the packet behind 42 bytes of Ethernet/IPv4/UDP. */
static int
test_srtp_mbuf(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m, *m2;
	struct mr_srtp_ctx *out, *in;
	uint8_t plain[256];
	uint32_t len;
	uint8_t *d;

	MR_TEST_EQ(setup(), 0);
	mp = rte_pktmbuf_pool_create("srtp_test", 63, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
				     SOCKET_ID_ANY);
	MR_TEST_ASSERT(mp != NULL, "pool");
	MR_TEST_EQ(make_pair(MR_SRTP_AEAD_AES_128_GCM, 5, 9, &out, &in), 0);

	m = rte_pktmbuf_alloc(mp);
	len = make_rtp(plain, 5, 9, 0, -1, 160, 0);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(42 + len));
	memset(d, 0xee, 42);
	memcpy(d + 42, plain, len);
	MR_TEST_EQ(mr_srtp_protect_rtp_mbuf(out, m, 42), MR_SRTP_OK);
	MR_TEST_EQ(m->data_len, 42 + len + 16);
	MR_TEST_EQ(m->pkt_len, 42 + len + 16);
	MR_TEST_EQ(mr_srtp_unprotect_rtp_mbuf(in, m, 42), MR_SRTP_OK);
	MR_TEST_EQ(m->data_len, 42 + len);
	MR_TEST_ASSERT(memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, 42), plain, len) == 0 &&
		       d[41] == 0xee, "mbuf round trip");
	/* RTCP likewise */
	rte_pktmbuf_trim(m, (uint16_t)len);
	len = make_rtcp(plain, 9, 2);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), plain, len);
	MR_TEST_EQ(mr_srtp_protect_rtcp_mbuf(out, m, 42), MR_SRTP_OK);
	MR_TEST_EQ(m->data_len, 42 + len + 20);
	MR_TEST_EQ(mr_srtp_unprotect_rtcp_mbuf(in, m, 42), MR_SRTP_OK);
	MR_TEST_ASSERT(m->data_len == 42 + len &&
		       memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, 42), plain, len) == 0, "RTCP");
	/* no tailroom left */
	MR_TEST_ASSERT(rte_pktmbuf_append(m, rte_pktmbuf_tailroom(m)) != NULL, "fill");
	MR_TEST_EQ(mr_srtp_protect_rtcp_mbuf(out, m, 42), MR_SRTP_NO_ROOM);
	/* offset past the data, two segments */
	MR_TEST_EQ(mr_srtp_unprotect_rtp_mbuf(in, m, (uint16_t)(m->data_len + 1)),
		   MR_SRTP_MALFORMED);
	m2 = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m2, 10);
	MR_TEST_EQ(rte_pktmbuf_chain(m, m2), 0);
	MR_TEST_EQ(mr_srtp_unprotect_rtp_mbuf(in, m, 42), MR_SRTP_MALFORMED);
	rte_pktmbuf_free(m);
	MR_TEST_EQ(rte_mempool_avail_count(mp), 63);
	free_pair(out, in);
	rte_mempool_free(mp);
	return 0;
}
MR_REGISTER_EAL_TEST(srtp, mbuf, test_srtp_mbuf);
