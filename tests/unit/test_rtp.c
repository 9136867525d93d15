/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* lib/rtp: RTP header validation, RTCP compound parsing, A.8 jitter. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_rtp.h"
#include "mr_test.h"

/*
 * V=2 P=1 X=1 CC=2, M=1 PT=111, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304,
 * two CSRCs, extension 0xbede with 2 words, 5 payload bytes, 3 padding.
 * Payload bytes are > 7 so that no truncation of this packet can end on a
 * byte that passes as a valid padding count.
 */
static const uint8_t pkt_full[] = {
	0xb2, 0xef, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
	0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,  /* CSRCs */
	0xbe, 0xde, 0x00, 0x02,                          /* ext header */
	0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80,  /* ext data */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4,                    /* payload */
	0x00, 0x00, 0x03,                                /* padding */
};

/* V=2 X=1 CC=1, PT=0, 1 extension word, 4 payload bytes, no padding. */
static const uint8_t pkt_nopad[] = {
	0x91, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0xa0, 0xca, 0xfe, 0xba, 0xbe,
	0x33, 0x33, 0x33, 0x33,
	0x10, 0x00, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd,
	0x01, 0x02, 0x03, 0x04,
};

static int
test_rtp_valid(void)
{
	struct mr_rtp_info ri;
	uint8_t min[12] = { 0x80, 0x08, 0x00, 0x01, 0, 0, 0, 2, 0, 0, 0, 3 };

	memset(&ri, 0xff, sizeof(ri));
	MR_TEST_EQ(mr_rtp_parse(pkt_full, sizeof(pkt_full), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0x01020304);
	MR_TEST_EQ(ri.ts, 0xdeadbeef);
	MR_TEST_EQ(ri.seq, 0x1234);
	MR_TEST_EQ(ri.hdr_len, 32);
	MR_TEST_EQ(ri.payload_len, 5);
	MR_TEST_EQ(ri.pad_len, 3);
	MR_TEST_EQ(ri.pt, 111);
	MR_TEST_EQ(ri.marker, 1);
	MR_TEST_EQ(ri.cc, 2);
	MR_TEST_EQ(ri.has_ext, 1);

	MR_TEST_EQ(mr_rtp_parse(pkt_nopad, sizeof(pkt_nopad), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0xcafebabe);
	MR_TEST_EQ(ri.ts, 160);
	MR_TEST_EQ(ri.seq, 65535);
	MR_TEST_EQ(ri.hdr_len, 24);
	MR_TEST_EQ(ri.payload_len, 4);
	MR_TEST_EQ(ri.pad_len, 0);
	MR_TEST_EQ(ri.pt, 0);
	MR_TEST_EQ(ri.marker, 0);
	MR_TEST_EQ(ri.cc, 1);
	MR_TEST_EQ(ri.has_ext, 1);

	/* bare header, nothing after it */
	MR_TEST_EQ(mr_rtp_parse(min, sizeof(min), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.hdr_len, 12);
	MR_TEST_EQ(ri.payload_len, 0);
	MR_TEST_EQ(ri.pad_len, 0);
	MR_TEST_EQ(ri.has_ext, 0);
	MR_TEST_EQ(ri.cc, 0);
	MR_TEST_EQ(ri.pt, 8);
	MR_TEST_EQ(ri.seq, 1);
	MR_TEST_EQ(ri.ts, 2);
	MR_TEST_EQ(ri.ssrc, 3);
	return 0;
}
MR_REGISTER_TEST(rtp, rtp_valid, test_rtp_valid);

static int
test_rtp_truncated(void)
{
	struct mr_rtp_info ri;
	uint8_t *buf;
	uint32_t len;

	/* copy to an exact-size heap buffer so ASan sees any overread */
	for (len = 0; len < sizeof(pkt_full); len++) {
		mr_drop_reason_t want;

		if (len < 12)
			want = MR_DROP_RTP_TRUNCATED;
		else if (len < 20)
			want = MR_DROP_RTP_CSRC;
		else if (len < 32)
			want = MR_DROP_RTP_EXTENSION; /* header, then words */
		else
			want = MR_DROP_RTP_PADDING;
		buf = malloc(len + 1);
		MR_TEST_ASSERT(buf != NULL, "malloc");
		memcpy(buf, pkt_full, len);
		MR_TEST_ASSERT(mr_rtp_parse(buf, len, &ri) == want,
			       "len %u: got %d want %d", len,
			       mr_rtp_parse(buf, len, &ri), want);
		free(buf);
	}
	for (len = 0; len <= sizeof(pkt_nopad); len++) {
		mr_drop_reason_t want, got;

		if (len < 12)
			want = MR_DROP_RTP_TRUNCATED;
		else if (len < 16)
			want = MR_DROP_RTP_CSRC;
		else if (len < 24)
			want = MR_DROP_RTP_EXTENSION;
		else
			want = MR_DROP_NONE; /* cut payload is undetectable */
		buf = malloc(len + 1);
		MR_TEST_ASSERT(buf != NULL, "malloc");
		memcpy(buf, pkt_nopad, len);
		got = mr_rtp_parse(buf, len, &ri);
		free(buf);
		MR_TEST_ASSERT(got == want, "len %u: got %d want %d", len, got, want);
		if (want == MR_DROP_NONE)
			MR_TEST_EQ(ri.payload_len, len - 24);
	}
	return 0;
}
MR_REGISTER_TEST(rtp, rtp_truncated, test_rtp_truncated);

static int
test_rtp_invalid(void)
{
	struct mr_rtp_info ri;
	uint8_t b[80];
	uint8_t *big;
	int v;

	/* CC=15 needs 72 bytes of header */
	memset(b, 0, sizeof(b));
	b[0] = 0x8f;
	MR_TEST_EQ(mr_rtp_parse(b, 40, &ri), MR_DROP_RTP_CSRC);
	MR_TEST_EQ(mr_rtp_parse(b, 71, &ri), MR_DROP_RTP_CSRC);
	MR_TEST_EQ(mr_rtp_parse(b, 72, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.hdr_len, 72);
	MR_TEST_EQ(ri.cc, 15);
	MR_TEST_EQ(ri.payload_len, 0);

	/* extension of 100 words in a 40-byte packet */
	memset(b, 0, sizeof(b));
	b[0] = 0x90;
	b[14] = 0;
	b[15] = 100;
	MR_TEST_EQ(mr_rtp_parse(b, 40, &ri), MR_DROP_RTP_EXTENSION);
	/* 0xffff words: must not wrap anything */
	b[14] = 0xff;
	b[15] = 0xff;
	MR_TEST_EQ(mr_rtp_parse(b, 80, &ri), MR_DROP_RTP_EXTENSION);
	/* 6 words end exactly at 40 */
	b[14] = 0;
	b[15] = 6;
	MR_TEST_EQ(mr_rtp_parse(b, 40, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.hdr_len, 40);
	MR_TEST_EQ(ri.payload_len, 0);

	/* padding: 12-byte header, 8 bytes after it */
	memset(b, 0, sizeof(b));
	b[0] = 0xa0;
	b[19] = 0;
	MR_TEST_EQ(mr_rtp_parse(b, 20, &ri), MR_DROP_RTP_PADDING);
	b[19] = 9;
	MR_TEST_EQ(mr_rtp_parse(b, 20, &ri), MR_DROP_RTP_PADDING);
	b[19] = 255;
	b[8] = 0x5e;
	b[3] = 7;
	MR_TEST_EQ(mr_rtp_parse(b, 20, &ri), MR_DROP_RTP_PADDING);
	/* the header still stands (SRTP pass-through forwards on it) */
	MR_TEST_EQ(ri.ssrc, 0x5e000000u);
	MR_TEST_EQ(ri.seq, 7);
	MR_TEST_EQ(ri.hdr_len, 12);
	MR_TEST_EQ(ri.payload_len, 8);
	MR_TEST_EQ(ri.pad_len, 0);
	b[8] = 0;
	b[3] = 0;
	b[19] = 8; /* the whole payload is padding */
	MR_TEST_EQ(mr_rtp_parse(b, 20, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.payload_len, 0);
	MR_TEST_EQ(ri.pad_len, 8);
	MR_TEST_EQ(ri.hdr_len, 12);
	b[19] = 1;
	MR_TEST_EQ(mr_rtp_parse(b, 20, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.payload_len, 7);
	MR_TEST_EQ(ri.pad_len, 1);
	/* padding bit on a bare header: the count would be a header byte */
	b[11] = 1;
	MR_TEST_EQ(mr_rtp_parse(b, 12, &ri), MR_DROP_RTP_PADDING);

	/* version */
	memcpy(b, pkt_full, sizeof(pkt_full));
	for (v = 0; v < 4; v++) {
		b[0] = (uint8_t)((v << 6) | (pkt_full[0] & 0x3f));
		MR_TEST_EQ(mr_rtp_parse(b, sizeof(pkt_full), &ri),
			   v == 2 ? MR_DROP_NONE : MR_DROP_RTP_VERSION);
	}
	/* length is checked before the version */
	b[0] = 0x00;
	MR_TEST_EQ(mr_rtp_parse(b, 11, &ri), MR_DROP_RTP_TRUNCATED);

	/* longer than any UDP payload: refused, fields are 16-bit */
	big = calloc(1, 70000);
	MR_TEST_ASSERT(big != NULL, "calloc");
	big[0] = 0x80;
	MR_TEST_EQ(mr_rtp_parse(big, 65535, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.payload_len, 65535 - 12);
	MR_TEST_EQ(mr_rtp_parse(big, 65536, &ri), MR_DROP_RTP_TRUNCATED);
	free(big);
	return 0;
}
MR_REGISTER_TEST(rtp, rtp_invalid, test_rtp_invalid);

static int
test_rtp_is_rtcp(void)
{
	uint8_t b[2] = { 0x80, 0 };
	static const struct { uint8_t pt; bool rtcp; } cases[] = {
		{ 0, false }, { 127, false }, { 128, false }, { 191, false },
		{ 192, true }, { 200, true }, { 201, true }, { 223, true },
		{ 224, false }, { 255, false },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		b[1] = cases[i].pt;
		MR_TEST_ASSERT(mr_rtp_is_rtcp(b, 2) == cases[i].rtcp,
			       "pt %u", cases[i].pt);
	}
	b[1] = 200;
	MR_TEST_ASSERT(!mr_rtp_is_rtcp(b, 1), "len 1");
	MR_TEST_ASSERT(!mr_rtp_is_rtcp(b, 0), "len 0");
	return 0;
}
MR_REGISTER_TEST(rtp, rtp_is_rtcp, test_rtp_is_rtcp);

static int
test_rtp_rewrite(void)
{
	uint8_t b[sizeof(pkt_full) + 1];
	struct mr_rtp_info ri;

	/* at an odd address: the rewrite must not assume alignment */
	memcpy(b + 1, pkt_full, sizeof(pkt_full));
	mr_rtp_rewrite(b + 1, 0xa1b2c3d4, 0xfffe, 0x00000102);
	MR_TEST_EQ(b[1 + 2], 0xff);
	MR_TEST_EQ(b[1 + 3], 0xfe);
	MR_TEST_EQ(b[1 + 4], 0x00);
	MR_TEST_EQ(b[1 + 5], 0x00);
	MR_TEST_EQ(b[1 + 6], 0x01);
	MR_TEST_EQ(b[1 + 7], 0x02);
	MR_TEST_EQ(b[1 + 8], 0xa1);
	MR_TEST_EQ(b[1 + 11], 0xd4);
	MR_TEST_ASSERT(memcmp(b + 1, pkt_full, 2) == 0, "first word changed");
	MR_TEST_ASSERT(memcmp(b + 1 + 12, pkt_full + 12,
			      sizeof(pkt_full) - 12) == 0, "body changed");
	MR_TEST_EQ(mr_rtp_parse(b + 1, sizeof(pkt_full), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0xa1b2c3d4);
	MR_TEST_EQ(ri.seq, 0xfffe);
	MR_TEST_EQ(ri.ts, 0x102);
	MR_TEST_EQ(ri.payload_len, 5);
	return 0;
}
MR_REGISTER_TEST(rtp, rtp_rewrite, test_rtp_rewrite);

/* --- RTCP --- */

/*
 * SR (RC=1, 52 bytes, length 12) + SDES (1 chunk, CNAME "hello", 16 bytes,
 * length 3).
 */
static const uint8_t rtcp_sr_sdes[] = {
	0x81, 200, 0x00, 12,
	0x11, 0x22, 0x33, 0x44,                         /* sender SSRC */
	0xe1, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, /* NTP */
	0x00, 0x01, 0x00, 0x00,                         /* RTP ts 65536 */
	0x00, 0x00, 0x03, 0xe8,                         /* 1000 packets */
	0x00, 0x02, 0x71, 0x00,                         /* 160000 octets */
	0xaa, 0xbb, 0xcc, 0xdd,                         /* RB: SSRC */
	0x40, 0x00, 0x01, 0x02,                         /* 64/256, 258 */
	0x00, 0x01, 0x00, 0x05,                         /* ext seq 65541 */
	0x00, 0x00, 0x00, 0x2a,                         /* jitter 42 */
	0x12, 0x34, 0x56, 0x78,                         /* LSR */
	0x00, 0x00, 0x80, 0x00,                         /* DLSR 0.5 s */
	0x81, 202, 0x00, 3,
	0x11, 0x22, 0x33, 0x44,
	0x01, 5, 'h', 'e', 'l', 'l', 'o', 0x00,
};

static int
test_rtcp_sr_sdes(void)
{
	struct mr_rtcp_info ri;
	uint8_t b[sizeof(rtcp_sr_sdes) + 4];

	MR_TEST_EQ(mr_rtcp_parse(rtcp_sr_sdes, sizeof(rtcp_sr_sdes), &ri),
		   MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0x11223344);
	MR_TEST_EQ(ri.n_packets, 2);
	MR_TEST_EQ(ri.has_sr, 1);
	MR_TEST_EQ(ri.has_bye, 0);
	MR_TEST_ASSERT(ri.sr_ntp == 0xe100000180000000ull, "ntp %llx",
		       (unsigned long long)ri.sr_ntp);
	MR_TEST_EQ(ri.sr_rtp_ts, 65536);
	MR_TEST_EQ(ri.sr_pkt_count, 1000);
	MR_TEST_EQ(ri.sr_octet_count, 160000);
	MR_TEST_EQ(ri.n_rb, 1);
	MR_TEST_EQ(ri.rb[0].ssrc, 0xaabbccdd);
	MR_TEST_EQ(ri.rb[0].fraction_lost, 64);
	MR_TEST_EQ(ri.rb[0].cum_lost, 258);
	MR_TEST_EQ(ri.rb[0].ext_high_seq, 65541);
	MR_TEST_EQ(ri.rb[0].jitter, 42);
	MR_TEST_EQ(ri.rb[0].lsr, 0x12345678);
	MR_TEST_EQ(ri.rb[0].dlsr, 0x8000);

	/*
	 * Every shorter length fails (framing or a body too short), except
	 * 52: the SR alone is a valid compound.
	 */
	{
		uint32_t len;

		for (len = 0; len < sizeof(rtcp_sr_sdes); len++) {
			uint8_t *t = malloc(len + 1);
			mr_drop_reason_t r;

			MR_TEST_ASSERT(t != NULL, "malloc");
			memcpy(t, rtcp_sr_sdes, len);
			r = mr_rtcp_parse(t, len, &ri);
			free(t);
			MR_TEST_ASSERT(r == (len == 52 ? MR_DROP_NONE :
					     MR_DROP_RTCP_MALFORMED), "len %u", len);
		}
		MR_TEST_EQ(mr_rtcp_parse(rtcp_sr_sdes, 52, &ri), MR_DROP_NONE);
		MR_TEST_EQ(ri.n_packets, 1);
		MR_TEST_EQ(ri.n_rb, 1);
		MR_TEST_EQ(ri.sr_pkt_count, 1000);
	}

	/* two SRs: sender info is that of the first, blocks of both count */
	{
		uint8_t two[104];

		memcpy(two, rtcp_sr_sdes, 52);
		memcpy(two + 52, rtcp_sr_sdes, 52);
		two[52 + 23] = 7; /* second SR's packet count: 1000 -> 1031 */
		MR_TEST_EQ(mr_rtcp_parse(two, sizeof(two), &ri), MR_DROP_NONE);
		MR_TEST_EQ(ri.n_packets, 2);
		MR_TEST_EQ(ri.sr_pkt_count, 1000);
		MR_TEST_EQ(ri.n_rb, 2);
		MR_TEST_EQ(ri.rb[1].cum_lost, 258);
	}

	/* padding on the first (non-last) packet */
	memcpy(b, rtcp_sr_sdes, sizeof(rtcp_sr_sdes));
	b[0] |= 0x20;
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(rtcp_sr_sdes), &ri),
		   MR_DROP_RTCP_MALFORMED);

	/* padding on the last packet: 4 bytes, SDES length 3 -> 4 */
	memcpy(b, rtcp_sr_sdes, sizeof(rtcp_sr_sdes));
	b[52] |= 0x20;
	b[55] = 4;
	memcpy(b + sizeof(rtcp_sr_sdes), "\0\0\0\x04", 4);
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(b), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.n_packets, 2);
	/* padding count 0, and larger than the SDES body (17 > 16) */
	b[sizeof(b) - 1] = 0;
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(b), &ri), MR_DROP_RTCP_MALFORMED);
	b[sizeof(b) - 1] = 17;
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(b), &ri), MR_DROP_RTCP_MALFORMED);
	/* padding eating the SDES chunk leaves a chunk count that does not fit */
	b[sizeof(b) - 1] = 16;
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(b), &ri), MR_DROP_RTCP_MALFORMED);
	return 0;
}
MR_REGISTER_TEST(rtp, rtcp_sr_sdes, test_rtcp_sr_sdes);

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RR with @n report blocks at @p; block i has SSRC 0x100 + i. */
static uint32_t
build_rr(uint8_t *p, unsigned int n, uint32_t ssrc)
{
	unsigned int i;

	p[0] = (uint8_t)(0x80 | n);
	p[1] = MR_RTCP_RR;
	p[2] = 0;
	p[3] = (uint8_t)(1 + 6 * n);
	put32(p + 4, ssrc);
	for (i = 0; i < n; i++) {
		uint8_t *b = p + 8 + 24 * i;

		put32(b, 0x100 + i);
		put32(b + 4, (uint32_t)(i << 24) | (i + 1));
		put32(b + 8, 70000 + i);
		put32(b + 12, 10 * i);
		put32(b + 16, 0);
		put32(b + 20, 0);
	}
	return 8 + 24 * n;
}

static int
test_rtcp_rr(void)
{
	struct mr_rtcp_info ri;
	uint8_t b[512];
	uint32_t len, len2;
	unsigned int i;

	len = build_rr(b, 2, 0x5555aaaa);
	MR_TEST_EQ(len, 56);
	/* block 0 at the largest positive loss, block 1 at -3 */
	put32(b + 8 + 4, 0x057fffff);
	put32(b + 32 + 4, 0xfffffffd);
	MR_TEST_EQ(mr_rtcp_parse(b, len, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0x5555aaaa);
	MR_TEST_EQ(ri.n_packets, 1);
	MR_TEST_EQ(ri.has_sr, 0);
	MR_TEST_EQ(ri.n_rb, 2);
	MR_TEST_EQ(ri.rb[0].ssrc, 0x100);
	MR_TEST_EQ(ri.rb[0].fraction_lost, 5);
	MR_TEST_EQ(ri.rb[0].cum_lost, 8388607);
	MR_TEST_EQ(ri.rb[0].ext_high_seq, 70000);
	MR_TEST_EQ(ri.rb[0].jitter, 0);
	MR_TEST_EQ(ri.rb[1].ssrc, 0x101);
	MR_TEST_EQ(ri.rb[1].fraction_lost, 0xff);
	MR_TEST_EQ(ri.rb[1].cum_lost, -3);
	MR_TEST_EQ(ri.rb[1].ext_high_seq, 70001);
	MR_TEST_EQ(ri.rb[1].jitter, 10);
	/* most negative 24-bit value, and -1 */
	put32(b + 8 + 4, 0x00800000);
	put32(b + 32 + 4, 0x00ffffff);
	MR_TEST_EQ(mr_rtcp_parse(b, len, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.rb[0].cum_lost, -8388608);
	MR_TEST_EQ(ri.rb[0].fraction_lost, 0);
	MR_TEST_EQ(ri.rb[1].cum_lost, -1);

	/* length field past the end */
	MR_TEST_EQ(mr_rtcp_parse(b, len - 4, &ri), MR_DROP_RTCP_MALFORMED);
	/* RC=2 but room for one block only */
	b[3] = 7;
	MR_TEST_EQ(mr_rtcp_parse(b, 32, &ri), MR_DROP_RTCP_MALFORMED);
	b[3] = 13;
	/* lengths that do not add up to len */
	memset(b + len, 0, 8);
	MR_TEST_EQ(mr_rtcp_parse(b, len + 1, &ri), MR_DROP_RTCP_MALFORMED);
	MR_TEST_EQ(mr_rtcp_parse(b, len + 4, &ri), MR_DROP_RTCP_MALFORMED);
	b[len] = 0x80;
	b[len + 1] = 210; /* unknown type, length 1 = 8 bytes */
	b[len + 3] = 1;
	MR_TEST_EQ(mr_rtcp_parse(b, len + 4, &ri), MR_DROP_RTCP_MALFORMED);
	MR_TEST_EQ(mr_rtcp_parse(b, len + 8, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.n_packets, 2);
	/* a second packet with the wrong version */
	b[len] = 0x40;
	MR_TEST_EQ(mr_rtcp_parse(b, len + 8, &ri), MR_DROP_RTCP_MALFORMED);

	/* RR with 5 blocks + RR with 2: 7 counted, first 4 kept */
	len = build_rr(b, 5, 1);
	len2 = build_rr(b + len, 2, 2);
	MR_TEST_EQ(mr_rtcp_parse(b, len + len2, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.n_packets, 2);
	MR_TEST_EQ(ri.n_rb, 7);
	MR_TEST_EQ(ri.ssrc, 1);
	for (i = 0; i < MR_RTCP_MAX_RB; i++) {
		MR_TEST_EQ(ri.rb[i].ssrc, 0x100 + i);
		MR_TEST_EQ(ri.rb[i].cum_lost, i + 1);
		MR_TEST_EQ(ri.rb[i].fraction_lost, i);
	}

	/* 20 empty RRs: n_packets counts them all */
	for (i = 0, len = 0; i < 20; i++)
		len += build_rr(b + len, 0, i);
	MR_TEST_EQ(mr_rtcp_parse(b, len, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.n_packets, 20);
	MR_TEST_EQ(ri.n_rb, 0);
	return 0;
}
MR_REGISTER_TEST(rtp, rtcp_rr, test_rtcp_rr);

/*
 * Which packet may come first. A.2 requires SR or RR; we also accept the
 * RFC 5506 reduced-size forms the header allows: a first packet of a known
 * type that carries an SSRC (SDES/BYE with at least one chunk/source, APP,
 * and the RFC 4585 feedback types 205/206). Anything else first is refused.
 */
static int
test_rtcp_first_packet(void)
{
	struct mr_rtcp_info ri;
	uint8_t b[64];
	/* SDES alone, one chunk: accepted as reduced-size */
	static const uint8_t sdes[] = {
		0x81, 202, 0x00, 3, 0x0a, 0x0b, 0x0c, 0x0d,
		0x01, 2, 'h', 'i', 0x00, 0x00, 0x00, 0x00,
	};
	/* SDES with SC=0 first: no SSRC, refused */
	static const uint8_t sdes0[] = { 0x80, 202, 0x00, 1, 0, 0, 0, 0 };
	/* BYE alone for one source */
	static const uint8_t bye[] = { 0x81, 203, 0x00, 1, 0, 0, 0x12, 0x34 };
	/* PLI (PSFB FMT=1): sender and media SSRC */
	static const uint8_t pli[] = {
		0x81, 206, 0x00, 2, 0, 0, 0, 7, 0, 0, 0, 9,
	};
	/* unknown type first */
	static const uint8_t unk[] = { 0x80, 210, 0x00, 1, 0, 0, 0, 1 };

	MR_TEST_EQ(mr_rtcp_parse(sdes, sizeof(sdes), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 0x0a0b0c0d);
	MR_TEST_EQ(ri.n_packets, 1);
	MR_TEST_EQ(ri.has_sr, 0);
	MR_TEST_EQ(mr_rtcp_parse(sdes0, sizeof(sdes0), &ri),
		   MR_DROP_RTCP_MALFORMED);
	MR_TEST_EQ(mr_rtcp_parse(bye, sizeof(bye), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.has_bye, 1);
	MR_TEST_EQ(ri.ssrc, 0x1234);
	MR_TEST_EQ(mr_rtcp_parse(pli, sizeof(pli), &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 7);
	MR_TEST_EQ(mr_rtcp_parse(unk, sizeof(unk), &ri), MR_DROP_RTCP_MALFORMED);

	/* BYE count larger than its body */
	memcpy(b, bye, sizeof(bye));
	b[0] = 0x82;
	MR_TEST_EQ(mr_rtcp_parse(b, sizeof(bye), &ri), MR_DROP_RTCP_MALFORMED);

	/* RR then BYE: has_bye, SSRC of the RR */
	build_rr(b, 0, 99);
	memcpy(b + 8, bye, sizeof(bye));
	MR_TEST_EQ(mr_rtcp_parse(b, 16, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.has_bye, 1);
	MR_TEST_EQ(ri.ssrc, 99);
	MR_TEST_EQ(ri.n_packets, 2);

	/*
	 * RR (no blocks) with 4 bytes of padding, then the BYE: valid but
	 * for the padding on a packet that is not the last.
	 */
	build_rr(b, 0, 99);
	b[0] |= 0x20;
	b[3] = 2;
	put32(b + 8, 4);
	memcpy(b + 12, bye, sizeof(bye));
	MR_TEST_EQ(mr_rtcp_parse(b, 20, &ri), MR_DROP_RTCP_MALFORMED);
	b[0] &= ~0x20;
	MR_TEST_EQ(mr_rtcp_parse(b, 20, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.n_packets, 2);
	/* the same padded RR alone (it is the last) is fine */
	b[0] |= 0x20;
	MR_TEST_EQ(mr_rtcp_parse(b, 12, &ri), MR_DROP_NONE);
	MR_TEST_EQ(ri.ssrc, 99);

	/* empty and tiny inputs */
	MR_TEST_EQ(mr_rtcp_parse(b, 0, &ri), MR_DROP_RTCP_MALFORMED);
	MR_TEST_EQ(mr_rtcp_parse(b, 4, &ri), MR_DROP_RTCP_MALFORMED);
	/* header-only RR (length 0) carries no SSRC */
	b[0] = 0x80;
	b[1] = MR_RTCP_RR;
	b[2] = 0;
	b[3] = 0;
	memcpy(b + 4, b, 4);
	MR_TEST_EQ(mr_rtcp_parse(b, 8, &ri), MR_DROP_RTCP_MALFORMED);
	return 0;
}
MR_REGISTER_TEST(rtp, rtcp_first_packet, test_rtcp_first_packet);

/* --- A.8 jitter --- */

static int
test_jitter(void)
{
	/*
	 * Integer A.8: J += |D| - ((J + 8) >> 4), J scaled by 16.
	 * With |D| = 160 each step, starting at J = 0:
	 *   160 + 0 - (8 >> 4 = 0)      = 160   (get: 10)
	 *   160 + 160 - (168 >> 4 = 10) = 310   (19)
	 *   310 + 160 - (318 >> 4 = 19) = 451   (28)
	 *   451 + 160 - (459 >> 4 = 28) = 583   (36)
	 *   583 + 160 - (591 >> 4 = 36) = 707   (44)
	 *   707 + 160 - (715 >> 4 = 44) = 823   (51)
	 *   823 + 160 - (831 >> 4 = 51) = 932   (58)
	 *   932 + 160 - (940 >> 4 = 58) = 1034  (64)
	 */
	static const uint32_t alt_q4[] = { 160, 310, 451, 583, 707, 823, 932, 1034 };
	/* timestamp starts 3 packets before its 32-bit wrap */
	static const uint32_t ts_base[] = { 1000, 0xffffffffu - 3 * 160 + 1 };
	struct mr_jitter j;
	unsigned int i, k;

	for (k = 0; k < RTE_DIM(ts_base); k++) {
		/* constant transit: arrival = ts + 5000 (arrival wraps too) */
		memset(&j, 0, sizeof(j));
		for (i = 0; i < 20; i++) {
			uint32_t ts = ts_base[k] + 160 * i;

			mr_jitter_update(&j, ts + 5000, ts);
			MR_TEST_EQ(j.jitter_q4, 0);
		}
		MR_TEST_EQ(j.started, 1);

		/* transit alternates 5000, 5160: |D| = 160 from packet 2 on */
		memset(&j, 0, sizeof(j));
		for (i = 0; i < 1 + RTE_DIM(alt_q4); i++) {
			uint32_t ts = ts_base[k] + 160 * i;

			mr_jitter_update(&j, ts + 5000 + (i & 1) * 160, ts);
			if (i == 0) {
				MR_TEST_EQ(j.jitter_q4, 0);
				MR_TEST_EQ(j.transit, 5000);
				continue;
			}
			MR_TEST_EQ(j.jitter_q4, alt_q4[i - 1]);
			MR_TEST_EQ(mr_jitter_get(&j), alt_q4[i - 1] >> 4);
		}
	}

	/*
	 * Transit 1000, 1000, 1320, 1280: D = 0, +320, -40.
	 *   0 + 0 - 0                 = 0
	 *   0 + 320 - (8 >> 4 = 0)    = 320
	 *   320 + 40 - (328 >> 4 = 20) = 340  (get: 21)
	 * The arrival clock wraps between packets 2 and 3.
	 */
	memset(&j, 0, sizeof(j));
	mr_jitter_update(&j, 0xfffffc00u + 1000, 0xfffffc00u);
	mr_jitter_update(&j, 0xfffffc00u + 160 + 1000, 0xfffffc00u + 160);
	MR_TEST_EQ(j.jitter_q4, 0);
	mr_jitter_update(&j, 0xfffffc00u + 320 + 1320, 0xfffffc00u + 320);
	MR_TEST_EQ(j.jitter_q4, 320);
	mr_jitter_update(&j, 0xfffffc00u + 480 + 1280, 0xfffffc00u + 480);
	MR_TEST_EQ(j.jitter_q4, 340);
	MR_TEST_EQ(mr_jitter_get(&j), 21);

	/* steady |D| = 160 converges to J = 2552 (J/16 = 159), not beyond */
	memset(&j, 0, sizeof(j));
	for (i = 0; i < 2000; i++)
		mr_jitter_update(&j, 160 * i + (i & 1) * 160, 160 * i);
	MR_TEST_EQ(j.jitter_q4, 2552);

	/* 2 s of a 3 GHz TSC at 8 kHz is 16000 ticks; wraps mod 2^32 */
	MR_TEST_EQ(mr_rtp_clock(6000000000ull, 3000000000ull, 8000), 16000);
	MR_TEST_EQ(mr_rtp_clock(3000000000ull * 600000ull, 3000000000ull, 48000),
		   (uint32_t)(600000ull * 48000));
	return 0;
}
MR_REGISTER_TEST(rtp, jitter, test_jitter);
