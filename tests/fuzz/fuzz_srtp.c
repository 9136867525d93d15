/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/srtp's unprotect path, every suite, RTP and
 * RTCP. Input: one mode byte, then
 *
 *   bits 0-1  suite (AES_CM_128_HMAC_SHA1_80, _32, AEAD_AES_128_GCM, _256)
 *   bit 2     RTCP (else RTP)
 *   bit 3     round trip (else raw)
 *
 * raw: the rest is an SRTP/SRTCP packet for a fresh inbound context with
 * the suite's fixed key (tests/fuzz/make_corpus.py writes valid ones):
 * whatever it holds, unprotect returns one of the results, and one that
 * passes shrank by exactly the trailer and is refused as a replay the
 * second time.
 *
 * round trip: two bytes of a bit position, then a plaintext packet that
 * an outbound context protects with the exact room; the packet with that
 * bit flipped is refused, the untouched one then unprotects to the
 * plaintext, and again is a replay.
 *
 * The packet sits at the end of a mapping followed by an inaccessible
 * page, so a read or write past it faults even in libsrtp and NSS, which
 * are not instrumented. lib/srtp's sources are compiled in (instrumented).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mr_srtp.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define PKT_MAX 65600 /* a little past what lib/srtp takes */

static struct mr_srtp_key keys[MR_SRTP_SUITES];
static uint8_t *area_end;   /* first byte of the guard page */
static uint8_t saved[PKT_MAX], plain[PKT_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (PKT_MAX + 64 + page - 1) / page * page;
	uint8_t m[MR_SRTP_MATERIAL_MAX];
	unsigned int s, j;
	uint8_t *a;

	(void)argc;
	(void)argv;
	CHECK(mr_srtp_init() == 0);
	/* key byte j of suite s (1-based) is 0x40 + 16 s + j, as make_corpus.py */
	for (s = 1; s <= MR_SRTP_SUITES; s++) {
		for (j = 0; j < MR_SRTP_MATERIAL_MAX; j++)
			m[j] = (uint8_t)(0x40 + 16 * s + j);
		CHECK(mr_srtp_key_set(&keys[s - 1], (enum mr_srtp_suite)s, m,
				      mr_srtp_suite_key_len((enum mr_srtp_suite)s) +
				      mr_srtp_suite_salt_len((enum mr_srtp_suite)s)) == 0);
	}
	a = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	CHECK(mprotect(a + span, page, PROT_NONE) == 0);
	area_end = a + span;
	return 0;
}

static enum mr_srtp_result
unprotect(struct mr_srtp_ctx *in, bool rtcp, uint8_t *p, uint32_t *len)
{
	enum mr_srtp_result r = rtcp ? mr_srtp_unprotect_rtcp(in, p, len) :
		mr_srtp_unprotect_rtp(in, p, len);

	CHECK(r == MR_SRTP_OK || r == MR_SRTP_AUTH || r == MR_SRTP_REPLAY ||
	      r == MR_SRTP_MALFORMED);
	return r;
}

/* Copy @src to the end of the area: a byte past @len is the guard page. */
static uint8_t *
place(const uint8_t *src, uint32_t len, uint32_t room)
{
	uint8_t *p = area_end - room;

	memcpy(p, src, len);
	return p;
}

static void
fuzz_raw(struct mr_srtp_ctx *in, bool rtcp, uint32_t trailer, const uint8_t *d, uint32_t n)
{
	uint32_t len = n;
	uint8_t *p = place(d, n, n);

	if (unprotect(in, rtcp, p, &len) != MR_SRTP_OK)
		return;
	CHECK(n >= trailer && len == n - trailer);
	p = place(d, n, n);
	len = n;
	CHECK(unprotect(in, rtcp, p, &len) == MR_SRTP_REPLAY);
}

static void
fuzz_roundtrip(struct mr_srtp_ctx *in, enum mr_srtp_suite suite, bool rtcp, uint32_t trailer,
	       const uint8_t *d, uint32_t n)
{
	struct mr_srtp_ctx *out;
	enum mr_srtp_result r;
	const uint8_t *pt = d + 2;
	uint32_t bit, len, plen, ssrc = 0;
	uint8_t *p;

	if (n < 2)
		return;
	bit = (uint32_t)d[0] << 8 | d[1];
	len = n - 2;
	/* the SSRC protect will look up: after the RTP or RTCP header's start */
	if (len >= (rtcp ? 8u : 12u))
		ssrc = (uint32_t)pt[rtcp ? 4 : 8] << 24 | (uint32_t)pt[rtcp ? 5 : 9] << 16 |
			(uint32_t)pt[rtcp ? 6 : 10] << 8 | pt[rtcp ? 7 : 11];
	CHECK(mr_srtp_outbound_create(&keys[suite - 1], ssrc, &out) == 0);
	memcpy(plain, pt, len);
	p = place(pt, len, len + trailer);
	r = rtcp ? mr_srtp_protect_rtcp(out, p, &len, len + trailer) :
		mr_srtp_protect_rtp(out, p, &len, len + trailer);
	mr_srtp_ctx_free(out);
	CHECK(r == MR_SRTP_OK || r == MR_SRTP_MALFORMED);
	if (r != MR_SRTP_OK)
		return;
	plen = n - 2;
	CHECK(len == plen + trailer);
	memcpy(saved, p, len);

	bit %= len * 8;
	p = place(saved, len, len);
	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	n = len;
	CHECK(unprotect(in, rtcp, p, &n) != MR_SRTP_OK);

	p = place(saved, len, len);
	n = len;
	CHECK(unprotect(in, rtcp, p, &n) == MR_SRTP_OK);
	CHECK(n == plen && memcmp(p, plain, plen) == 0);
	p = place(saved, len, len);
	n = len;
	CHECK(unprotect(in, rtcp, p, &n) == MR_SRTP_REPLAY);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mr_srtp_suite suite;
	struct mr_srtp_ctx *in;
	uint32_t n, trailer;
	bool rtcp;

	if (size < 1 || size - 1 > PKT_MAX)
		return 0;
	suite = (enum mr_srtp_suite)((data[0] & 3) + 1);
	rtcp = (data[0] & 4) != 0;
	trailer = rtcp ? mr_srtp_rtcp_overhead(suite) : mr_srtp_rtp_overhead(suite);
	n = (uint32_t)(size - 1);
	/* a fresh context per input: runs do not depend on each other */
	CHECK(mr_srtp_inbound_create(&keys[suite - 1], 0, &in) == 0);
	if (data[0] & 8)
		fuzz_roundtrip(in, suite, rtcp, trailer, data + 1, n);
	else
		fuzz_raw(in, rtcp, trailer, data + 1, n);
	mr_srtp_ctx_free(in);
	return 0;
}
