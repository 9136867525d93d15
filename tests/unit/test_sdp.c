/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_sdp.h"
#include "mr_test.h"

/* A SIPp-style offer: session c=, one audio section, static and dynamic types. */
static const char offer[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 192.0.2.10\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

/* A WebRTC-style offer: ICE, SRTP, rtcp-mux, two sections with their own c=. */
static const char webrtc[] =
	"v=0\n"
	"o=- 4611731400430051336 2 IN IP6 2001:db8::1\n"
	"s=-\n"
	"t=0 0\n"
	"a=ice-options:trickle\n"
	"a=group:BUNDLE 0 1\n"
	"m=audio 9 RTP/SAVPF 111 0\n"
	"c=IN IP6 2001:db8::1\n"
	"a=rtcp:9 IN IP6 2001:db8::1\n"
	"a=ice-ufrag:abcd\n"
	"a=ice-pwd:0123456789abcdef012345\n"
	"a=candidate:1 1 udp 2122260223 2001:db8::1 50000 typ host\n"
	"a=end-of-candidates\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\n"
	"a=rtcp-mux\n"
	"a=rtpmap:111 opus/48000/2\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\n"
	"a=rtcp-fb:111 transport-cc\n"
	"a=rtcp-fb:* nack\n"
	"a=recvonly\n"
	"m=video 9 RTP/SAVPF 96\n"
	"i=camera\n"
	"c=IN IP6 2001:db8::1\n"
	"a=rtpmap:96 VP8/90000\n"
	"a=sendrecv\n";

static struct mr_sdp *
new_sdp(void)
{
	return calloc(1, sizeof(struct mr_sdp));
}

static int
test_sdp_parse(void)
{
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_error err;
	const struct mr_sdp_addr *a;
	int rc = -1;

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, offer, strlen(offer), &err), 0);
	MR_TEST_EQ(sdp->n_lines, 12);
	MR_TEST_EQ(sdp->session_lines, 5);
	MR_TEST_EQ(sdp->n_media, 1);
	MR_TEST_EQ(sdp->origin.family, 4);
	MR_TEST_ASSERT(sdp->origin.ip_valid && sdp->origin.ip[0] == 192 && sdp->origin.ip[3] == 10,
		       "origin address");
	MR_TEST_ASSERT(sdp->conn.present && sdp->conn.line == 3, "session c=");
	MR_TEST_EQ(sdp->media[0].port, 6000);
	MR_TEST_EQ(sdp->media[0].n_fmt, 3);
	MR_TEST_EQ(sdp->media[0].fmt_pt[2], 101);
	MR_TEST_ASSERT(sdp->media[0].rtp, "RTP/AVP is RTP");
	MR_TEST_EQ(sdp->media[0].rtcp_port, -1);
	MR_TEST_EQ(sdp->media[0].direction, MR_SDP_DIR_SENDRECV);
	MR_TEST_EQ(sdp->media[0].n_lines, 7);
	a = mr_sdp_media_conn(sdp, 0);
	MR_TEST_ASSERT(a == &sdp->conn, "media uses the session c=");

	MR_TEST_EQ(mr_sdp_parse(sdp, webrtc, strlen(webrtc), &err), 0);
	MR_TEST_EQ(sdp->n_media, 2);
	MR_TEST_ASSERT(sdp->ice, "session-level ice-options");
	MR_TEST_EQ(sdp->origin.family, 6);
	MR_TEST_ASSERT(!sdp->conn.present, "no session c=");
	MR_TEST_ASSERT(sdp->media[0].ice && sdp->media[0].rtcp_mux, "ICE, rtcp-mux");
	MR_TEST_EQ(sdp->media[0].rtcp_port, 9);
	MR_TEST_EQ(sdp->media[0].n_crypto, 1);
	MR_TEST_EQ(sdp->media[0].direction, MR_SDP_DIR_RECVONLY);
	MR_TEST_EQ(mr_sdp_media_direction(sdp, 0), MR_SDP_DIR_RECVONLY);
	a = mr_sdp_media_conn(sdp, 1);
	MR_TEST_ASSERT(a == &sdp->media[1].conn && a->family == 6 && a->ip_valid &&
		       a->ip[0] == 0x20 && a->ip[15] == 1, "video c=");
	MR_TEST_ASSERT(mr_sdp_media_conn(sdp, 2) == NULL, "no third media");
	rc = 0;
	free(sdp);
	return rc;
}

static int
test_sdp_codecs(void)
{
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_codec c;
	uint64_t pts[2] = { 0, 0 };

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, webrtc, strlen(webrtc), NULL), 0);
	MR_TEST_EQ(mr_sdp_codec(sdp, 0, 111, &c), 0);
	MR_TEST_ASSERT(strcmp(c.name, "opus") == 0 && c.clock_rate == 48000 && c.channels == 2,
		       "opus rtpmap: %s/%u/%u", c.name, c.clock_rate, c.channels);
	MR_TEST_EQ(mr_sdp_codec(sdp, 0, 0, &c), 0);   /* static: no rtpmap needed */
	MR_TEST_ASSERT(strcmp(c.name, "PCMU") == 0 && c.clock_rate == 8000, "PCMU");
	MR_TEST_EQ(mr_sdp_codec(sdp, 0, 100, &c), -ENOENT);
	MR_TEST_EQ(mr_sdp_codec(sdp, 0, 128, &c), -EINVAL);
	MR_TEST_EQ(mr_sdp_codec(sdp, 5, 0, &c), -EINVAL);
	/* names compare without case; clock and channels narrow the match */
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "OPUS", 4, pts), 1);
	MR_TEST_ASSERT(pts[1] == (UINT64_C(1) << (111 - 64)) && pts[0] == 0, "opus bit");
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "opus/48000/1", 12, pts), 0);
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "pcmu/8000", 9, pts), 1);
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "0", 1, pts), 0);    /* already marked */
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "8", 1, pts), 0);    /* not offered */
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 0, "opus/x", 6, pts), 0);
	MR_TEST_EQ(mr_sdp_match_codec(sdp, 1, "VP8", 3, pts), 1);
	MR_TEST_ASSERT((pts[1] >> (96 - 64) & 1) == 1, "VP8 bit");
	free(sdp);
	return 0;
}

/* Rewrite into a NUL-terminated buffer; the result must parse again. */
static int
rewrite(const struct mr_sdp *sdp, const struct mr_sdp_rewrite *rw, char *out, size_t cap)
{
	struct mr_sdp *again = new_sdp();
	struct mr_sdp_error err = { 0 };
	int n = mr_sdp_write(sdp, rw, out, cap - 1, &err);

	if (n >= 0) {
		out[n] = '\0';
		if (again == NULL || mr_sdp_parse(again, out, (size_t)n, &err) != 0) {
			fprintf(stderr, "  rewritten SDP does not parse: line %d: %s\n%s",
				err.line, err.msg, out);
			n = -1000;
		}
	}
	free(again);
	return n;
}

static int
test_sdp_rewrite_offer(void)
{
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_media_rewrite mr;
	struct mr_sdp_rewrite rw = {
		.addr = "203.0.113.5", .family = 4, .origin = true, .session_conn = true,
		.n_media = 1, .media = &mr,
	};
	static const char *const keys[] = {
		"1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj",
	};
	uint64_t keep[2] = { (UINT64_C(1) << 8), 0 };
	char out[2048];
	const char *want =
		"v=0\r\n"
		"o=user1 53655765 2353687637 IN IP4 203.0.113.5\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/SAVP 8\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=ptime:20\r\n"
		"a=rtcp:30001\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=sendonly\r\n";

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, offer, strlen(offer), NULL), 0);
	/* no change asked: the body comes back the same (it has CRLF already) */
	{
		struct mr_sdp_rewrite none = { 0 };

		MR_TEST_EQ(rewrite(sdp, &none, out, sizeof(out)), (int)strlen(offer));
		MR_TEST_ASSERT(strcmp(out, offer) == 0, "identity rewrite:\n%s", out);
	}
	mr_sdp_media_rewrite_init(&mr);
	mr.port = 30000;
	mr.proto = "RTP/SAVP";
	mr.rtcp_port = 30001;
	mr.crypto_add = keys;
	mr.n_crypto_add = 1;
	mr.direction = MR_SDP_DIR_SENDONLY;
	mr.pt_keep = keep;
	MR_TEST_EQ(rewrite(sdp, &rw, out, sizeof(out)), (int)strlen(want));
	MR_TEST_ASSERT(strcmp(out, want) == 0, "rewritten:\n%s", out);

	/* a filter that keeps nothing is an error, not an m= line without formats */
	keep[0] = UINT64_C(1) << 9;
	MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), NULL), -ENOENT);
	keep[0] = UINT64_C(1) << 8;
	/* every size too small fails cleanly */
	{
		size_t cap;

		for (cap = 0; cap < strlen(want); cap++)
			MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, cap, NULL), -ENOSPC);
	}
	/* bad instructions */
	rw.family = 5;
	MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), NULL), -EINVAL);
	rw.family = 4;
	rw.addr = "1.2.3.4\r\na=evil";
	MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), NULL), -EINVAL);
	rw.addr = "203.0.113.5";
	rw.n_media = 2;
	MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), NULL), -EINVAL);
	free(sdp);
	return 0;
}

static int
test_sdp_rewrite_webrtc(void)
{
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_media_rewrite mr[2];
	struct mr_sdp_rewrite rw = {
		.addr = "2001:db8::99", .family = 6, .ice_remove = true, .n_media = 2, .media = mr,
	};
	uint64_t keep[2] = { 0, UINT64_C(1) << (111 - 64) };
	char out[4096];
	const char *want =
		"v=0\r\n"
		"o=- 4611731400430051336 2 IN IP6 2001:db8::1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"a=group:BUNDLE 0 1\r\n"
		"m=audio 40000 RTP/AVP 111\r\n"
		"c=IN IP6 2001:db8::99\r\n"
		"a=rtcp-mux\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
		"a=rtcp-fb:111 transport-cc\r\n"
		"a=rtcp-fb:* nack\r\n"
		"a=recvonly\r\n"
		"a=rtcp:40001 IN IP6 2001:db8::99\r\n"
		"m=video 40002 RTP/SAVPF 96\r\n"
		"i=camera\r\n"
		"c=IN IP6 2001:db8::99\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=sendrecv\r\n";

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, webrtc, strlen(webrtc), NULL), 0);
	mr_sdp_media_rewrite_init(&mr[0]);
	mr_sdp_media_rewrite_init(&mr[1]);
	mr[0].port = 40000;
	mr[0].proto = "RTP/AVP";
	mr[0].rtcp_port = 40001;
	mr[0].rtcp_full = true;
	mr[0].crypto_remove = true;
	mr[0].pt_keep = keep;
	mr[1].port = 40002;
	MR_TEST_EQ(rewrite(sdp, &rw, out, sizeof(out)), (int)strlen(want));
	MR_TEST_ASSERT(strcmp(out, want) == 0, "rewritten:\n%s", out);

	/* the session c= left alone: a section that used it gets its own */
	MR_TEST_EQ(mr_sdp_parse(sdp, offer, strlen(offer), NULL), 0);
	{
		struct mr_sdp_rewrite rw2 = { .addr = "198.51.100.7", .family = 4 };
		struct mr_sdp_media_rewrite m1;

		mr_sdp_media_rewrite_init(&m1);
		m1.rtcp_mux = 1;
		m1.direction = MR_SDP_DIR_INACTIVE;
		rw2.n_media = 1;
		rw2.media = &m1;
		MR_TEST_ASSERT(rewrite(sdp, &rw2, out, sizeof(out)) > 0, "rewrite");
		MR_TEST_ASSERT(strstr(out, "c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
				      "m=audio 6000 RTP/AVP 0 8 101\r\n"
				      "c=IN IP4 198.51.100.7\r\na=rtpmap:0") != NULL,
			       "media c= inserted after m=:\n%s", out);
		MR_TEST_ASSERT(strstr(out, "a=sendrecv") == NULL &&
			       strstr(out, "a=rtcp-mux\r\na=inactive\r\n") != NULL,
			       "direction and rtcp-mux:\n%s", out);
	}
	free(sdp);
	return 0;
}

static int
expect_bad(const char *body, size_t len, int rc, int line, const char *msg_part)
{
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_error err = { 0 };
	int got;

	if (sdp == NULL)
		return -1;
	got = mr_sdp_parse(sdp, body, len, &err);
	free(sdp);
	MR_TEST_ASSERT(got == rc, "rc %d, want %d (%s)", got, rc, err.msg);
	MR_TEST_EQ(err.line, line);
	MR_TEST_ASSERT(strstr(err.msg, msg_part) != NULL, "message '%s' lacks '%s'", err.msg,
		       msg_part);
	return 0;
}

#define BAD(body, rc, line, part) do { \
	if (expect_bad(body, sizeof(body) - 1, rc, line, part) != 0) \
		return -1; \
} while (0)

static int
test_sdp_hostile(void)
{
	static char big[MR_SDP_MAX_LEN + 10];
	size_t n;
	int i;

	BAD("", -EINVAL, 0, "empty");
	BAD("o=- 1 1 IN IP4 1.2.3.4\r\n", -EINVAL, 1, "v=0");
	BAD("v=1\r\n", -EINVAL, 1, "v=0");
	BAD("v=0\r\ns=-\r\n", -EINVAL, 0, "no o=");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n", -EINVAL, 0,
	    "no connection");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.\0\r\n", -EINVAL, 0, "NUL");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\rc=IN IP4 1.2.3.4\r\n", -EINVAL, 2, "CR");
	BAD("v=0\r\n\r\no=- 1 1 IN IP4 1.2.3.4\r\n", -EINVAL, 3, "empty line");
	BAD("v=0\r\nhello\r\n", -EINVAL, 2, "<letter>=");
	BAD("v=0\r\nO=x\r\n", -EINVAL, 2, "<letter>=");
	BAD("v=0\r\no=- 1 1 IN IP4\r\n", -EINVAL, 2, "address missing");
	BAD("v=0\r\no=- 1 1\r\n", -EINVAL, 2, "6 fields");
	BAD("v=0\r\no=- 1 1 IN IP5 1.2.3.4\r\n", -EINVAL, 2, "IP4 or IP6");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4 x\r\n", -EINVAL, 2, "more than 6");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n",
	    -EINVAL, 4, "second c=");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",
	    -EINVAL, 4, "port");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 128\r\n",
	    -EINVAL, 4, "payload type");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP\r\n",
	    -EINVAL, 4, "no format");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1\r\n",
	    -EINVAL, 4, "needs media");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1/0 RTP/AVP 0\r\n",
	    -EINVAL, 4, "port count");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n"
	    "a=rtcp:x\r\n", -EINVAL, 5, "a=rtcp");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n"
	    "a=rtpmap:abc PCMU/8000\r\n", -EINVAL, 5, "payload type");
	BAD("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n"
	    "o=- 1 1 IN IP4 1.2.3.4\r\n", -EINVAL, 5, "o= outside");

	/* limits: line length, line count, media count, formats, body size */
	n = (size_t)snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=");
	memset(big + n, 'x', MR_SDP_MAX_LINE_LEN);
	memcpy(big + n + MR_SDP_MAX_LINE_LEN, "\r\n", 3);
	if (expect_bad(big, strlen(big), -E2BIG, 3, "longer than") != 0)
		return -1;
	n = (size_t)snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n");
	for (i = 0; i < MR_SDP_MAX_LINES; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "a=x\r\n");
	if (expect_bad(big, n, -E2BIG, MR_SDP_MAX_LINES + 1, "more than") != 0)
		return -1;
	n = (size_t)snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n"
			     "c=IN IP4 1.2.3.4\r\n");
	for (i = 0; i <= MR_SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "m=audio %d RTP/AVP 0\r\n", i);
	if (expect_bad(big, n, -E2BIG, 3 + MR_SDP_MAX_MEDIA + 1, "m= sections") != 0)
		return -1;
	n = (size_t)snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n"
			     "c=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP");
	for (i = 0; i <= MR_SDP_MAX_FMT; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " %d", i);
	if (expect_bad(big, n, -E2BIG, 4, "formats") != 0)
		return -1;
	memset(big, 'a', sizeof(big));
	if (expect_bad(big, MR_SDP_MAX_LEN + 1, -E2BIG, 0, "longer than") != 0)
		return -1;
	return 0;
}

static int
test_sdp_tolerated(void)
{
	struct mr_sdp *sdp = new_sdp();
	/* bare LF, no final line end, trailing blank lines, a non-RTP section, FQDN */
	static const char t38[] =
		"v=0\no=- 1 1 IN IP4 host.example\nc=IN IP4 192.0.2.1/127\n"
		"m=image 4000 udptl t38\na=T38FaxVersion:0\na=fmtp:t38 x";
	static const char trailing[] =
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n\r\n\r\n";

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, t38, strlen(t38), NULL), 0);
	{
		/* found by fuzz_sdp: an RTP profile on a udptl section made SDP that did not parse */
		struct mr_sdp_media_rewrite mr;
		struct mr_sdp_rewrite rw = { .n_media = 1, .media = &mr };
		struct mr_sdp_error err;
		char out[512];

		mr_sdp_media_rewrite_init(&mr);
		mr.proto = "RTP/SAVP";
		MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), &err), -EINVAL);
		MR_TEST_ASSERT(strstr(err.msg, "non-RTP") != NULL, "%s", err.msg);
	}
	MR_TEST_ASSERT(!sdp->origin.ip_valid, "a host name is no IP literal");
	MR_TEST_ASSERT(sdp->conn.ip_valid && sdp->conn.addr.len == 9, "c= without its /ttl");
	MR_TEST_ASSERT(!sdp->media[0].rtp && sdp->media[0].fmt_pt[0] == -1, "udptl format");
	MR_TEST_EQ(sdp->media[0].n_lines, 3);
	MR_TEST_EQ(mr_sdp_parse(sdp, trailing, strlen(trailing), NULL), 0);
	MR_TEST_EQ(sdp->n_lines, 4);
	free(sdp);
	return 0;
}

/* fmt_add: the added payload type after the kept ones, its a=rtpmap; a stray one goes */
static int
test_sdp_fmt_add(void)
{
	static const char body[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 5000 RTP/AVP 0 8\r\na=rtpmap:96 telephone-event/8000\r\n";
	static const struct mr_sdp_fmt_add opus = { 96, "opus/48000/2" };
	struct mr_sdp *sdp = new_sdp();
	struct mr_sdp_media_rewrite mr;
	struct mr_sdp_rewrite rw = { .n_media = 1, .media = &mr };
	uint64_t keep[2] = { 1, 0 };   /* PCMU */
	char out[1024];

	if (sdp == NULL)
		return -1;
	MR_TEST_EQ(mr_sdp_parse(sdp, body, strlen(body), NULL), 0);
	mr_sdp_media_rewrite_init(&mr);
	mr.fmt_add = &opus;
	mr.n_fmt_add = 1;
	MR_TEST_ASSERT(rewrite(sdp, &rw, out, sizeof(out)) > 0, "rewrite");
	MR_TEST_ASSERT(strstr(out, "m=audio 5000 RTP/AVP 0 8 96\r\n") != NULL &&
		       strstr(out, "a=rtpmap:96 opus/48000/2\r\n") != NULL &&
		       strstr(out, "telephone-event") == NULL, "%s", out);
	mr.pt_keep = keep;
	MR_TEST_ASSERT(rewrite(sdp, &rw, out, sizeof(out)) > 0, "rewrite");
	MR_TEST_ASSERT(strstr(out, "m=audio 5000 RTP/AVP 0 96\r\n") != NULL &&
		       strstr(out, "a=rtpmap:96 opus/48000/2\r\n") != NULL &&
		       strstr(out, "telephone-event") == NULL, "%s", out);
	/* a payload type the section keeps cannot be added again */
	keep[0] = 1 | (UINT64_C(1) << 8);
	{
		static const struct mr_sdp_fmt_add pcma = { 8, "opus/48000/2" };
		struct mr_sdp_error err;

		mr.fmt_add = &pcma;
		MR_TEST_EQ(mr_sdp_write(sdp, &rw, out, sizeof(out), &err), -EINVAL);
	}
	free(sdp);
	return 0;
}

MR_REGISTER_TEST(sdp, parse, test_sdp_parse);
MR_REGISTER_TEST(sdp, fmt_add, test_sdp_fmt_add);
MR_REGISTER_TEST(sdp, codecs, test_sdp_codecs);
MR_REGISTER_TEST(sdp, rewrite_offer, test_sdp_rewrite_offer);
MR_REGISTER_TEST(sdp, rewrite_webrtc, test_sdp_rewrite_webrtc);
MR_REGISTER_TEST(sdp, hostile, test_sdp_hostile);
MR_REGISTER_TEST(sdp, tolerated, test_sdp_tolerated);
