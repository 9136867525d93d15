/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/sdp: the parser on the raw input and, when it
 * parses, the codec look-ups and two rewrites (one that changes nothing,
 * one that changes everything it can, chosen by the input's first byte),
 * whose output must parse again with the same number of media sections.
 * Build: clang -fsanitize=fuzzer,address. Invariants are checked with
 * abort() so that they hold whatever NDEBUG says.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_sdp.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define OUT_CAP (2 * MR_SDP_MAX_LEN)

static struct mr_sdp sdp, again;
static char out[OUT_CAP];

static void
check_span(const struct mr_sdp *s, struct mr_sdp_span sp)
{
	CHECK(sp.off <= s->len && sp.len <= s->len - sp.off);
}

static void
check_parsed(const struct mr_sdp *s)
{
	unsigned int i, m, covered = s->session_lines;

	CHECK(s->n_lines >= 2 && s->n_lines <= MR_SDP_MAX_LINES);
	CHECK(s->n_media <= MR_SDP_MAX_MEDIA && s->session_lines <= s->n_lines);
	CHECK(s->origin.present && s->lines[0].type == 'v');
	for (i = 0; i < s->n_lines; i++) {
		check_span(s, s->lines[i].value);
		CHECK(s->lines[i].value.len <= MR_SDP_MAX_LINE_LEN);
		CHECK(s->lines[i].pt >= -1 && s->lines[i].pt < MR_SDP_MAX_PT);
	}
	for (m = 0; m < s->n_media; m++) {
		const struct mr_sdp_media *md = &s->media[m];

		CHECK(md->first_line == covered && md->n_lines >= 1);
		CHECK(s->lines[md->first_line].type == 'm');
		covered += md->n_lines;
		CHECK(md->n_fmt >= 1 && md->n_fmt <= MR_SDP_MAX_FMT);
		for (i = 0; i < md->n_fmt; i++) {
			check_span(s, md->fmt[i]);
			CHECK(md->rtp ? md->fmt_pt[i] >= 0 : md->fmt_pt[i] == -1);
		}
		CHECK(mr_sdp_media_conn(s, m) != NULL && mr_sdp_media_conn(s, m)->present);
	}
	CHECK(covered == s->n_lines);
}

static void
fuzz_sdp(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:QUJD" };
	static const struct mr_sdp_fmt_add opus = { 127, "opus/48000/2" };
	bool added[MR_SDP_MAX_MEDIA] = { false };
	struct mr_sdp_media_rewrite mr[MR_SDP_MAX_MEDIA];
	struct mr_sdp_rewrite rw = { 0 };
	struct mr_sdp_error err;
	uint64_t keep[MR_SDP_MAX_MEDIA][2];
	uint8_t sel = size > 0 ? data[0] : 0;
	unsigned int m;
	int n, pt;

	if (mr_sdp_parse(&sdp, (const char *)data, size, &err) != 0) {
		CHECK(err.msg[0] != '\0');
		return;
	}
	check_parsed(&sdp);

	/* no change asked: same lines, same sections */
	n = mr_sdp_write(&sdp, &rw, out, sizeof(out), &err);
	CHECK(n > 0 && (size_t)n <= size + 2u * sdp.n_lines);
	CHECK(mr_sdp_parse(&again, out, (size_t)n, &err) == 0);
	CHECK(again.n_lines == sdp.n_lines && again.n_media == sdp.n_media);

	rw.addr = (sel & 1) ? "2001:db8::1" : "203.0.113.9";
	rw.family = (sel & 1) ? 6 : 4;
	rw.origin = sel & 2;
	rw.session_conn = sel & 4;
	rw.ice_remove = sel & 8;
	rw.session_direction = (sel >> 4) % 5;
	rw.n_media = sdp.n_media;
	rw.media = mr;
	for (m = 0; m < sdp.n_media; m++) {
		struct mr_sdp_codec c;

		mr_sdp_media_rewrite_init(&mr[m]);
		mr[m].port = 30000 + 2 * (int)m;
		mr[m].rtcp_port = (sel & 0x40) ? 0 : 30001 + 2 * (int)m;
		mr[m].rtcp_full = sel & 0x80;
		mr[m].rtcp_mux = (int8_t)((int)(m % 3) - 1);
		mr[m].proto = (sel & 2) && sdp.media[m].rtp ? "RTP/SAVP" : NULL;
		mr[m].crypto_remove = true;
		mr[m].crypto_add = keys;
		mr[m].n_crypto_add = sel & 0x20 ? 1 : 0;
		mr[m].direction = (uint8_t)(m % 5);
		keep[m][0] = keep[m][1] = 0;
		for (pt = 0; pt < MR_SDP_MAX_PT; pt++)
			if (mr_sdp_codec(&sdp, m, pt, &c) == 0)
				CHECK(c.name[0] != '\0' && strlen(c.name) < sizeof(c.name));
		/* keep PCMU, PCMA, opus and whatever the first format is */
		mr_sdp_match_codec(&sdp, m, "PCMU", 4, keep[m]);
		mr_sdp_match_codec(&sdp, m, "pcma/8000", 9, keep[m]);
		mr_sdp_match_codec(&sdp, m, "opus/48000/2", 12, keep[m]);
		mr_sdp_match_codec(&sdp, m, mr_sdp_ptr(&sdp, sdp.media[m].fmt[0]),
				   sdp.media[m].fmt[0].len, keep[m]);
		mr[m].pt_keep = (sel & 0x10) ? keep[m] : NULL;
		/* codec-transcode's added format, where 127 does not stay */
		if (sdp.media[m].rtp && (sel & 0x20)) {
			unsigned int f;

			added[m] = true;
			for (f = 0; f < sdp.media[m].n_fmt; f++)
				if (sdp.media[m].fmt_pt[f] == 127 &&
				    (mr[m].pt_keep == NULL || (keep[m][1] >> 63) & 1))
					added[m] = false;
			mr[m].fmt_add = &opus;
			mr[m].n_fmt_add = added[m] ? 1 : 0;
		}
	}
	/* the filter always keeps the first format, so it never empties a section */
	n = mr_sdp_write(&sdp, &rw, out, sizeof(out), &err);
	CHECK(n > 0);
	n = mr_sdp_parse(&again, out, (size_t)n, &err);
	/* the rewrite may push a section past the line limit; anything else must parse */
	CHECK(n == 0 || n == -E2BIG);
	if (n == 0) {
		CHECK(again.n_media == sdp.n_media);
		for (m = 0; m < sdp.n_media; m++) {
			struct mr_sdp_codec c;

			if (added[m])
				CHECK(mr_sdp_codec(&again, m, 127, &c) == 0 &&
				      strcmp(c.name, "opus") == 0 && c.clock_rate == 48000);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sdp(data, size);
	return 0;
}
