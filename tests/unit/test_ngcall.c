/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * ng calls on the session model, through lib/ng's request path
 * (mr_ng_process): offer, answer, retransmission, query, delete, idle
 * expiry, and requests that must change nothing.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>

#include "mr_bencode.h"
#include "mr_ng.h"
#include "mr_ngcall.h"
#include "mr_test.h"

#define NODES 512

static const char SDP_A[] =
	"v=0\r\no=alice 123 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
	"m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=rtcp:6001\r\na=ice-ufrag:abcd\r\n"
	"a=candidate:1 1 UDP 1 192.0.2.10 6000 typ host\r\na=sendrecv\r\n";
/* two keys of AES_CM_128 (16 + 14 bytes) */
#define KEY_A "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY_B "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"
#define SAVP_HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" \
	"t=0 0\r\nm=audio 6000 RTP/SAVP 0\r\n"
static const char SDP_B[] =
	"v=0\r\no=bob 9 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

struct nfix {
	struct mr_relay *relay;
	struct mr_streams *streams;
	struct mr_sessions *s;
	struct mr_ngcall *calls;
	struct mr_ng *ng;
	uint64_t now;
	char out[65536];
	int out_len;
	struct mr_bencode_node nodes[NODES];
};

static void
nfix_free(struct nfix *f)
{
	mr_ng_free(f->ng);
	mr_ngcall_free(f->calls);
	mr_sessions_free(f->s);
	if (f->streams != NULL)
		mr_streams_free(f->streams);
	free(f->relay);
}

static int
nfix_setup(struct nfix *f, uint32_t idle_ms)
{
	static unsigned int gen;
	char name[24], err[160];
	struct mr_streams_params sp = {
		.name = name, .legs_max = 64, .streams_max = 64,
		.max_threads = RTE_MAX_LCORE, .socket_id = (int)rte_socket_id(),
	};
	struct mr_port_facts pf = {.present = true, .has_ipv4 = true, .has_ipv6 = true};
	struct mr_ng_conf nc = {0};

	memset(f, 0, sizeof(*f));
	snprintf(name, sizeof(name), "tngc%u", ++gen);
	f->relay = calloc(1, sizeof(*f->relay));
	f->streams = mr_streams_create(&sp);
	if (f->relay == NULL || f->streams == NULL ||
	    mr_endpoint_parse_addr("10.0.0.1", &pf.ipv4) != 0 ||
	    mr_endpoint_parse_addr("2001:db8::1", &pf.ipv6) != 0)
		return -1;
	f->relay->streams = f->streams;
	f->s = mr_sessions_create(&(struct mr_sessions_params){
		.streams = f->streams, .relay = f->relay,
		.rtp_port_min = 30000, .rtp_port_max = 30099,
	});
	if (f->s == NULL || mr_sessions_port_set(f->s, 0, &pf) != 0)
		return -1;
	f->calls = mr_ngcall_create(&(struct mr_ngcall_params){
		.sessions = f->s, .streams = f->streams, .relay = f->relay, .port = 0,
		.calls_max = 8,
		.idle_ms = idle_ms, .check_ms = 1000,
	}, err, sizeof(err));
	if (f->calls == NULL)
		return -1;
	mr_ngcall_handlers(f->calls, &nc);
	f->ng = mr_ng_create(&nc, err, sizeof(err));
	f->now = 1000;
	return f->ng == NULL ? -1 : 0;
}

/*
 * Send {"command": cmd, k: v, ...} with @p cookie; a value "[a|b]" is a
 * list of strings, "i:N" an integer. The reply's dictionary is decoded into f->nodes.
 */
static const struct mr_bencode_node *
request(struct nfix *f, const char *cookie, const char *cmd, const char *const *kv)
{
	static const struct mr_ng_peer peer = {.ip = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1},
					       .port = 5060};
	char msg[8192];
	struct mr_bencode_enc e;
	const char *sp;
	unsigned int i;

	mr_bencode_enc_init(&e, msg, sizeof(msg));
	mr_bencode_enc_raw(&e, cookie, strlen(cookie));
	mr_bencode_enc_raw(&e, " ", 1);
	mr_bencode_enc_dict(&e);
	mr_bencode_enc_kv_cstr(&e, "command", cmd);
	for (i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		const char *v = kv[i + 1];

		mr_bencode_enc_cstr(&e, kv[i]);
		if (strncmp(v, "i:", 2) == 0) {
			mr_bencode_enc_int(&e, atoll(v + 2));
			continue;
		}
		if (v[0] != '[') {
			mr_bencode_enc_cstr(&e, v);
			continue;
		}
		mr_bencode_enc_list(&e);
		for (v++; *v != ']'; ) {
			size_t n = strcspn(v, "|]");

			mr_bencode_enc_str(&e, v, n);
			v += n + (v[n] == '|');
		}
		mr_bencode_enc_end(&e);
	}
	mr_bencode_enc_end(&e);
	if (mr_bencode_enc_finish(&e) < 0)
		return NULL;
	mr_ngcall_tick(f->calls, f->now);
	f->out_len = mr_ng_process(f->ng, &peer, msg, e.len, f->out, sizeof(f->out) - 1, f->now);
	if (f->out_len <= 0)
		return NULL;
	f->out[f->out_len] = '\0';
	sp = memchr(f->out, ' ', (size_t)f->out_len);
	if (sp == NULL || mr_bencode_decode(sp + 1, (size_t)(f->out + f->out_len - sp - 1),
					    f->nodes, NODES, 0, NULL) < 0)
		return NULL;
	return &f->nodes[0];
}

/* The string under @p key in dictionary @p d, NUL-terminated in a static buffer. */
static const char *
get(const struct mr_bencode_node *d, const char *key)
{
	static char buf[4][8192];
	static unsigned int n;
	const char *p;
	size_t len;
	char *b = buf[n++ % 4];

	if (d == NULL || mr_bencode_get_str(mr_bencode_dict_get(d, key), &p, &len) < 0 ||
	    len >= sizeof(buf[0]))
		return "";
	memcpy(b, p, len);
	b[len] = '\0';
	return b;
}

static const struct mr_leg_def *
leg(struct nfix *f, const char *name)
{
	int32_t idx = mr_sessions_leg_find(f->s, name);

	return idx < 0 ? NULL : &f->streams->defs[idx];
}

static uint16_t
lport(const struct mr_leg_def *d)
{
	return rte_be_to_cpu_16(d->local.port);
}

static int
test_ngcall_offer_answer(void)
{
	static struct nfix f;
	const char *offer_kv[] = {
		"call-id", "c1@host", "from-tag", "tagA", "sdp", SDP_A,
		"flags", "[trust-address]", "replace", "[origin|session-connection]",
		"ICE", "remove", "received-from", "[IP4|192.0.2.10]", NULL,
	};
	const char *answer_kv[] = {
		"call-id", "c1@host", "from-tag", "tagA", "to-tag", "tagB", "sdp", SDP_B,
		"flags", "[trust-address]", "replace", "[origin|session-connection]", NULL,
	};
	const struct mr_bencode_node *r;
	const struct mr_leg_def *a, *b;
	char want[256], first[4096], ep[MR_ENDPOINT_STRLEN];
	const char *sdp;
	int first_len;

	MR_TEST_ASSERT(nfix_setup(&f, 0) == 0, "setup");
	r = request(&f, "1_1", "offer", offer_kv);
	MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "ok") == 0, "offer: %s",
		       get(r, "error-reason"));
	a = leg(&f, "ng1.a0");
	b = leg(&f, "ng1.b0");
	MR_TEST_ASSERT(a != NULL && b != NULL, "two legs");
	/* the caller's leg sends to the caller's SDP address; the callee's is not known yet */
	MR_TEST_ASSERT(strcmp(mr_endpoint_format(&a->remote, ep, sizeof(ep)),
			      "192.0.2.10:6000") == 0 && !a->latch, "a remote %s", ep);
	MR_TEST_ASSERT(b->latch && !b->latched, "b latches");
	MR_TEST_ASSERT(a->n_fwd == 1 && a->fwd[0] == (uint32_t)mr_sessions_leg_find(f.s, "ng1.b0") &&
		       b->n_fwd == 1 && b->fwd[0] == (uint32_t)mr_sessions_leg_find(f.s, "ng1.a0"),
		       "forward both ways");
	MR_TEST_EQ(a->clock_rate, 8000);
	MR_TEST_EQ(mr_sessions_leg_origin(f.s, (uint32_t)mr_sessions_leg_find(f.s, "ng1.a0")),
		   MR_LEG_ORIGIN_SIGNAL);
	/* the callee is told to send to its own leg, b; nothing of the caller's left */
	sdp = get(r, "sdp");
	snprintf(want, sizeof(want), "m=audio %u RTP/AVP 0 8 101\r\n", lport(b));
	MR_TEST_ASSERT(strstr(sdp, want) != NULL, "m= line: %s", sdp);
	snprintf(want, sizeof(want), "a=rtcp:%u\r\n", lport(b));
	MR_TEST_ASSERT(strstr(sdp, want) != NULL, "a=rtcp: %s", sdp);
	MR_TEST_ASSERT(strstr(sdp, "c=IN IP4 10.0.0.1\r\n") != NULL &&
		       strstr(sdp, "o=alice 123 1 IN IP4 10.0.0.1\r\n") != NULL &&
		       strstr(sdp, "192.0.2.10") == NULL && strstr(sdp, "ice-ufrag") == NULL &&
		       strstr(sdp, "candidate") == NULL && strstr(sdp, "a=sendrecv") != NULL,
		       "rewritten: %s", sdp);

	/* a retransmission: the same bytes, no second allocation */
	first_len = f.out_len;
	memcpy(first, f.out, (size_t)first_len);
	r = request(&f, "1_1", "offer", offer_kv);
	MR_TEST_ASSERT(f.out_len == first_len && memcmp(first, f.out, (size_t)first_len) == 0,
		       "cached reply");
	MR_TEST_EQ(f.streams->n_legs, 2);
	MR_TEST_EQ(mr_ng_get_stats(f.ng)->c[MR_NG_C_CACHE_HITS], 1);
	/* the same offer with a new cookie (a re-INVITE): the same ports */
	r = request(&f, "1_2", "offer", offer_kv);
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "re-offer: %s", get(r, "error-reason"));
	MR_TEST_ASSERT(strstr(get(r, "sdp"), want) != NULL, "same port");
	MR_TEST_EQ(f.streams->n_legs, 2);

	r = request(&f, "1_3", "answer", answer_kv);
	MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "ok") == 0, "answer: %s",
		       get(r, "error-reason"));
	b = leg(&f, "ng1.b0");
	MR_TEST_ASSERT(!b->latch && strcmp(mr_endpoint_format(&b->remote, ep, sizeof(ep)),
					   "198.51.100.20:7000") == 0, "b remote %s", ep);
	sdp = get(r, "sdp");
	snprintf(want, sizeof(want), "m=audio %u RTP/AVP 0\r\n", lport(a));
	MR_TEST_ASSERT(strstr(sdp, want) != NULL && strstr(sdp, "198.51.100.20") == NULL &&
		       strstr(sdp, "o=bob 9 1 IN IP4 10.0.0.1") != NULL, "answer sdp: %s", sdp);

	/* query: both tags, each with its leg; no packets yet */
	r = request(&f, "1_4", "query", (const char *[]){"call-id", "c1@host", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "query: %s", get(r, "error-reason"));
	{
		const struct mr_bencode_node *tags = mr_bencode_dict_get(r, "tags");
		const struct mr_bencode_node *tb = mr_bencode_dict_get(tags, "tagB");
		const struct mr_bencode_node *med = mr_bencode_first(mr_bencode_dict_get(tb,
										       "medias"));
		const struct mr_bencode_node *st = mr_bencode_first(mr_bencode_dict_get(med,
										      "streams"));
		const struct mr_bencode_node *stats = mr_bencode_dict_get(st, "stats");
		int64_t v = -1;

		MR_TEST_ASSERT(mr_bencode_dict_get(tags, "tagA") != NULL && st != NULL, "tags");
		MR_TEST_ASSERT(strcmp(get(st, "leg"), "ng1.b0") == 0, "leg %s", get(st, "leg"));
		MR_TEST_EQ(mr_bencode_get_int(mr_bencode_dict_get(st, "local port"), &v), 0);
		MR_TEST_EQ(v, lport(b));
		MR_TEST_EQ(mr_bencode_get_int(mr_bencode_dict_get(stats, "packets"), &v), 0);
		MR_TEST_EQ(v, 0);
	}
	r = request(&f, "1_5", "list", NULL);
	MR_TEST_ASSERT(mr_bencode_str_eq(mr_bencode_first(mr_bencode_dict_get(r, "calls")),
					 "c1@host"), "list");

	/* delete by call-id and from-tag (Kamailio's): the whole call; again: a warning */
	r = request(&f, "1_6", "delete", (const char *[]){"call-id", "c1@host",
							 "from-tag", "tagA", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0 && get(r, "warning")[0] == '\0',
		       "delete");
	MR_TEST_EQ(f.streams->n_legs, 0);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->calls, 0);
	r = request(&f, "1_7", "delete", (const char *[]){"call-id", "c1@host", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0 && get(r, "warning")[0] != '\0',
		       "idempotent delete");
	r = request(&f, "1_8", "query", (const char *[]){"call-id", "c1@host", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "error") == 0, "query after delete");
	/* the ports went back: the next call gets the first ones again */
	r = request(&f, "1_9", "offer", (const char *[]){"call-id", "c2", "from-tag", "x",
							"sdp", SDP_A, NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "offer 2");
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->c[MR_NGCALL_C_CALLS_CREATED], 2);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->c[MR_NGCALL_C_CALLS_DELETED], 1);
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, offer_answer, test_ngcall_offer_answer);

/* Requests that fail: an error naming the problem, and the model as it was. */
static int
test_ngcall_refused(void)
{
	static struct nfix f;
	static const struct {
		const char *sdp;
		const char *reason;
	} bad[] = {
		{ "v=0\r\nm=audio 1 RTP/AVP 0\r\n", "no o= line" },
		{ SAVP_HEAD "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|2^20\r\n",
		  "key lifetime is not supported" },
		{ SAVP_HEAD "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|1:4\r\n",
		  "key MKI is not supported" },
		{ SAVP_HEAD "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A
		  " UNENCRYPTED_SRTP\r\n", "session parameter 'UNENCRYPTED_SRTP'" },
		{ SAVP_HEAD "a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY_A "\r\n",
		  "crypto suite 'F8_128_HMAC_SHA1_80' is not supported" },
		{ SAVP_HEAD "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n",
		  "a=crypto AES_CM_128_HMAC_SHA1_80: " },
		{ SAVP_HEAD, "RTP/SAVP without a=crypto" },
		{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		  "m=image 6000 udptl t38\r\n", "udptl" },
		{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 host.example\r\nt=0 0\r\n"
		  "m=audio 6000 RTP/AVP 0\r\n", "connection address" },
		{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.0.0.1\r\nt=0 0\r\n"
		  "m=audio 6000 RTP/AVP 0\r\n", "not unicast" },
	};
	const struct mr_bencode_node *r;
	unsigned int i;

	MR_TEST_ASSERT(nfix_setup(&f, 0) == 0, "setup");
	for (i = 0; i < RTE_DIM(bad); i++) {
		char cookie[16];

		snprintf(cookie, sizeof(cookie), "b_%u", i);
		r = request(&f, cookie, "offer", (const char *[]){"call-id", "bad", "from-tag", "t",
								 "sdp", bad[i].sdp, NULL});
		MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "error") == 0 &&
			       strstr(get(r, "error-reason"), bad[i].reason) != NULL,
			       "bad %u: %s", i, get(r, "error-reason"));
		MR_TEST_EQ(f.streams->n_legs, 0);
		MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->calls, 0);
	}
	for (i = 0; i < RTE_DIM(bad); i++)
		MR_TEST_ASSERT(strstr(f.out, KEY_A) == NULL, "a key in an error reply");
	r = request(&f, "b_c", "offer", (const char *[]){"call-id", "x", "from-tag", "t",
							"sdp", SDP_A, "flags",
							"[codec-strip-all]", NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "strip every codec") != NULL, "%s",
		       get(r, "error-reason"));
	r = request(&f, "b_f", "offer", (const char *[]){"call-id", "x", "from-tag", "t",
							"sdp", SDP_A, "flags",
							"[media-handover]", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "error-reason"), "unsupported flag 'media-handover'") == 0,
		       "%s", get(r, "error-reason"));
	r = request(&f, "b_a", "answer", (const char *[]){"call-id", "nope", "from-tag", "t",
							 "to-tag", "u", "sdp", SDP_B, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "unknown call-id") != NULL, "%s",
		       get(r, "error-reason"));
	MR_TEST_EQ(f.streams->n_legs, 0);
	/* a codec filter that leaves some: PCMU stripped from the SDP that goes out */
	r = request(&f, "ok_c", "offer", (const char *[]){"call-id", "x", "from-tag", "t",
							 "sdp", SDP_A, "flags",
							 "[codec-strip-PCMU]", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	MR_TEST_ASSERT(strstr(get(r, "sdp"), " RTP/AVP 8 101\r\n") != NULL &&
		       strstr(get(r, "sdp"), "PCMU") == NULL, "%s", get(r, "sdp"));
	/* an answer from a second callee tag (a forked call) is refused, the call stays */
	r = request(&f, "ok_a", "answer", (const char *[]){"call-id", "x", "from-tag", "t",
							  "to-tag", "u1", "sdp", SDP_B, NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	r = request(&f, "b_fork", "answer", (const char *[]){"call-id", "x", "from-tag", "t",
							    "to-tag", "u2", "sdp", SDP_B, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "forking") != NULL, "%s",
		       get(r, "error-reason"));
	MR_TEST_EQ(f.streams->n_legs, 2);
	MR_TEST_ASSERT(mr_ngcall_get_stats(f.calls)->c[MR_NGCALL_C_REQUESTS_FAILED] >= 8,
		       "failures counted");
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, refused, test_ngcall_refused);

/* The fingerprint of the key after "a=crypto:TAG SUITE inline:" in @p sdp, or "". */
static const char *
sdp_key_fp(const char *sdp, const char *prefix)
{
	static char fp[MR_SRTP_FINGERPRINT_LEN + 1];
	const char *p = strstr(sdp, prefix);
	char suite[40], params[80];
	struct mr_srtp_key k;

	fp[0] = '\0';
	if (p == NULL || sscanf(p + strlen("a=crypto:"), "%*u %39s %79s", suite, params) != 2 ||
	    mr_srtp_key_parse(suite, params, &k, NULL, 0) != 0)
		return fp;
	mr_srtp_key_fingerprint(&k, fp);
	mr_srtp_key_wipe(&k);
	return fp;
}

static const char *
key_fp(const char *suite, const char *params)
{
	static char fp[MR_SRTP_FINGERPRINT_LEN + 1];
	struct mr_srtp_key k;

	fp[0] = '\0';
	if (mr_srtp_key_parse(suite, params, &k, NULL, 0) == 0)
		mr_srtp_key_fingerprint(&k, fp);
	mr_srtp_key_wipe(&k);
	return fp;
}

/*
 * SDES: the offerer's first supported suite is its key (crypto_in of its
 * leg); mrelay's own keys go out in the SDP (crypto_out of the leg that
 * sends to that party); transport-protocol terminates or originates SRTP.
 */
static int
test_ngcall_sdes(void)
{
	static struct nfix f;
	static const char offer_sdp[] = SAVP_HEAD
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY_B "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_A "\r\n";
	static const char answer_sdp[] =
		"v=0\r\no=- 2 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
		"t=0 0\r\nm=audio 7000 RTP/SAVP 0\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B "\r\n";
	static const char wrong_tag[] =
		"v=0\r\no=- 2 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
		"t=0 0\r\nm=audio 7000 RTP/SAVP 0\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B "\r\n";
	const struct mr_bencode_node *r;
	const struct mr_leg_def *a, *b;
	char sdp[4096];
	const char *q;

	MR_TEST_ASSERT(nfix_setup(&f, 0) == 0, "setup");
	r = request(&f, "s_1", "offer", (const char *[]){"call-id", "s1", "from-tag", "A",
							"sdp", offer_sdp, NULL});
	MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "ok") == 0, "offer: %s",
		       get(r, "error-reason"));
	snprintf(sdp, sizeof(sdp), "%s", get(r, "sdp"));
	a = leg(&f, "ng1.a0");
	b = leg(&f, "ng1.b0");
	MR_TEST_ASSERT(a != NULL && b != NULL, "legs");
	/* one a=crypto, mrelay's, with the offerer's tag and suite */
	MR_TEST_ASSERT(strstr(sdp, "RTP/SAVP 0\r\n") != NULL &&
		       strstr(sdp, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:") != NULL &&
		       strstr(sdp, "F8_") == NULL && strstr(sdp, KEY_A) == NULL &&
		       strstr(sdp, "a=crypto:1") == NULL, "offer out: %s", sdp);
	MR_TEST_EQ(a->srtp_in_suite, MR_SRTP_AES_CM_128_HMAC_SHA1_32);
	MR_TEST_ASSERT(strcmp(a->srtp_in_fp, key_fp("AES_CM_128_HMAC_SHA1_32",
						    "inline:" KEY_A)) == 0, "a in");
	MR_TEST_EQ(b->srtp_out_suite, MR_SRTP_AES_CM_128_HMAC_SHA1_32);
	MR_TEST_ASSERT(strcmp(b->srtp_out_fp, sdp_key_fp(sdp, "a=crypto:2")) == 0, "b out");
	MR_TEST_EQ(b->srtp_in_suite, MR_SRTP_SUITE_NONE);
	MR_TEST_EQ(a->srtp_out_suite, MR_SRTP_AES_CM_128_HMAC_SHA1_32);
	MR_TEST_ASSERT(strcmp(a->srtp_out_fp, b->srtp_out_fp) != 0, "one key per direction");

	/* an answer with another tag than offered changes nothing */
	r = request(&f, "s_2", "answer", (const char *[]){"call-id", "s1", "from-tag", "A",
							 "to-tag", "B", "sdp", wrong_tag, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "not the one offered (tag 2)") != NULL,
		       "%s", get(r, "error-reason"));
	MR_TEST_EQ(b->srtp_in_suite, MR_SRTP_SUITE_NONE);
	r = request(&f, "s_3", "answer", (const char *[]){"call-id", "s1", "from-tag", "A",
							 "to-tag", "B", "sdp", answer_sdp, NULL});
	MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "ok") == 0, "answer: %s",
		       get(r, "error-reason"));
	snprintf(sdp, sizeof(sdp), "%s", get(r, "sdp"));
	MR_TEST_ASSERT(strstr(sdp, KEY_B) == NULL && strstr(sdp, "RTP/SAVP 0\r\n") != NULL,
		       "answer out: %s", sdp);
	MR_TEST_ASSERT(strcmp(a->srtp_out_fp, sdp_key_fp(sdp, "a=crypto:2 ")) == 0,
		       "a out: %s", sdp);
	MR_TEST_ASSERT(strcmp(b->srtp_in_fp, key_fp("AES_CM_128_HMAC_SHA1_32",
						    "inline:" KEY_B)) == 0, "b in");
	/* query: fingerprints, never keys */
	r = request(&f, "s_4", "query", (const char *[]){"call-id", "s1", NULL});
	MR_TEST_ASSERT(r != NULL && strstr(f.out, a->srtp_in_fp) != NULL &&
		       strstr(f.out, "inline:") == NULL, "query: %s", f.out);

	/* terminate: SRTP from A, plain RTP to B */
	r = request(&f, "s_5", "offer", (const char *[]){"call-id", "s2", "from-tag", "A",
							"sdp", offer_sdp, "transport-protocol",
							"RTP/AVP", NULL});
	MR_TEST_ASSERT(r != NULL && strcmp(get(r, "result"), "ok") == 0, "terminate: %s",
		       get(r, "error-reason"));
	MR_TEST_ASSERT(strstr(get(r, "sdp"), "RTP/AVP 0\r\n") != NULL &&
		       strstr(get(r, "sdp"), "a=crypto") == NULL, "terminate: %s", get(r, "sdp"));
	MR_TEST_EQ(leg(&f, "ng2.b0")->srtp_out_suite, MR_SRTP_SUITE_NONE);
	MR_TEST_EQ(leg(&f, "ng2.a0")->srtp_in_suite, MR_SRTP_AES_CM_128_HMAC_SHA1_32);
	r = request(&f, "s_6", "answer", (const char *[]){"call-id", "s2", "from-tag", "A",
							 "to-tag", "B", "sdp", SDP_B, NULL});
	q = get(r, "sdp");
	MR_TEST_ASSERT(strstr(q, "RTP/SAVP 0\r\n") != NULL &&
		       strcmp(leg(&f, "ng2.a0")->srtp_out_fp, sdp_key_fp(q, "a=crypto:2 ")) == 0,
		       "terminate answer: %s %s", get(r, "error-reason"), q);
	/* a plain answer to an SRTP offer is refused */
	r = request(&f, "s_7", "answer", (const char *[]){"call-id", "s1", "from-tag", "A",
							 "to-tag", "B", "sdp", SDP_B, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "the answer is RTP/AVP, the offer to it "
			      "was RTP/SAVP") != NULL, "%s", get(r, "error-reason"));

	/* originate: plain RTP from A, SRTP to B with mrelay's AES_CM_128_HMAC_SHA1_80 */
	r = request(&f, "s_8", "offer", (const char *[]){"call-id", "s3", "from-tag", "A",
							"sdp", SDP_A, "transport-protocol",
							"RTP/SAVP", NULL});
	q = get(r, "sdp");
	MR_TEST_ASSERT(strstr(q, "RTP/SAVP 0 8 101\r\n") != NULL &&
		       strcmp(leg(&f, "ng3.b0")->srtp_out_fp,
			      sdp_key_fp(q, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 ")) == 0 &&
		       leg(&f, "ng3.a0")->srtp_in_suite == MR_SRTP_SUITE_NONE,
		       "originate: %s %s", get(r, "error-reason"), q);
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, sdes, test_ngcall_sdes);

/* Two profiles, as [profile.u2o] and [profile.o2u] would make them. */
static int
set_profiles(struct nfix *f)
{
	static const char names[2][MR_STREAM_NAME_LEN] = {"u2o", "o2u"};
	static const char *const spec[2][4] = {
		{"in", "pcmu", "out", "opus"}, {"in", "opus", "out", "pcmu"},
	};
	struct mr_tc_profile p[2] = {0};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uint32_t given = 0;
		char e[96];

		if (mr_profile_spec_set(&p[i], &given, spec[i][0], spec[i][1], e, sizeof(e)) != 0 ||
		    mr_profile_spec_set(&p[i], &given, spec[i][2], spec[i][3], e, sizeof(e)) != 0 ||
		    mr_profile_spec_set(&p[i], &given, i == 0 ? "out_pt" : "in_pt", "96", e,
					sizeof(e)) != 0)
			return -1;
		mr_profile_spec_new(&p[i], given);
	}
	return mr_sessions_profiles_set(f->s, names, p, 2, NULL);
}

/*
 * codec-transcode-X adds X when a [profile] pair takes one of the offer's
 * codecs to X and back; an answer that takes only X turns transcoding on
 * (the offerer's leg to X, the answerer's back); codec-mask hides codecs.
 */
static int
test_ngcall_transcode(void)
{
	static struct nfix f;
	static const char opus_answer[] =
		"v=0\r\no=bob 9 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
		"t=0 0\r\nm=audio 7000 RTP/AVP 96 101\r\na=rtpmap:96 opus/48000/2\r\n"
		"a=rtpmap:101 telephone-event/48000\r\n";
	const char *flags = "[codec-mask-PCMU|codec-mask-PCMA|codec-transcode-opus]";
	const struct mr_bencode_node *r;
	const char *q;

	MR_TEST_ASSERT(nfix_setup(&f, 0) == 0, "setup");
	r = request(&f, "t_1", "offer", (const char *[]){"call-id", "t1", "from-tag", "A",
							"sdp", SDP_A, "flags", flags, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "codec-transcode-opus: no [profile] pair")
		       != NULL, "%s", get(r, "error-reason"));
	MR_TEST_EQ(f.streams->n_legs, 0);
	MR_TEST_ASSERT(set_profiles(&f) == 0, "profiles");
	r = request(&f, "t_1b", "offer", (const char *[]){"call-id", "t1", "from-tag", "A",
							 "sdp", SDP_A, "flags", flags, NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "no transcoder lcores") != NULL, "%s",
		       get(r, "error-reason"));
	/* the model only checks that transcoders exist; no packet flows here */
	f.relay->n_tc = 1;
	r = request(&f, "t_2", "offer", (const char *[]){"call-id", "t1", "from-tag", "A",
							"sdp", SDP_A, "flags",
							"[codec-transcode-G729]", NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "codec-transcode-G729: mrelay transcodes")
		       != NULL, "%s", get(r, "error-reason"));
	r = request(&f, "t_3", "offer", (const char *[]){"call-id", "t1", "from-tag", "A",
							"sdp", SDP_A, "flags", flags, NULL});
	q = get(r, "sdp");
	MR_TEST_ASSERT(strstr(q, "RTP/AVP 101 96\r\n") != NULL &&
		       strstr(q, "a=rtpmap:96 opus/48000/2\r\n") != NULL &&
		       strstr(q, "PCMU") == NULL, "offer: %s %s", get(r, "error-reason"), q);
	MR_TEST_EQ(leg(&f, "ng1.a0")->tc_profile, 0);
	r = request(&f, "t_4", "answer", (const char *[]){"call-id", "t1", "from-tag", "A",
							 "to-tag", "B", "sdp", opus_answer,
							 "flags", "[codec-mask-opus]", NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "codec-mask-opus in an answer") != NULL,
		       "%s", get(r, "error-reason"));
	r = request(&f, "t_5", "answer", (const char *[]){"call-id", "t1", "from-tag", "A",
							 "to-tag", "B", "sdp", opus_answer, NULL});
	q = get(r, "sdp");
	/* the offerer hears of its own codec only */
	MR_TEST_ASSERT(strstr(q, "RTP/AVP 101 0\r\n") != NULL &&
		       strstr(q, "a=rtpmap:0 PCMU/8000\r\n") != NULL && strstr(q, "opus") == NULL,
		       "answer: %s %s", get(r, "error-reason"), q);
	MR_TEST_EQ(leg(&f, "ng1.a0")->tc_profile, mr_sessions_profile_find(f.s, "u2o"));
	MR_TEST_EQ(leg(&f, "ng1.b0")->tc_profile, mr_sessions_profile_find(f.s, "o2u"));
	/* a re-offer without it: no transcoding until an answer takes it again */
	r = request(&f, "t_6", "offer", (const char *[]){"call-id", "t1", "from-tag", "A",
							"sdp", SDP_A, NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	MR_TEST_EQ(leg(&f, "ng1.a0")->tc_profile, 0);
	MR_TEST_EQ(leg(&f, "ng1.b0")->tc_profile, 0);

	/* the answerer takes PCMU: no transcoding, and opus does not go back */
	r = request(&f, "t_7", "offer", (const char *[]){"call-id", "t2", "from-tag", "A",
							"sdp", SDP_A, "flags",
							"[codec-transcode-opus]", NULL});
	MR_TEST_ASSERT(strstr(get(r, "sdp"), "RTP/AVP 0 8 101 96\r\n") != NULL, "%s",
		       get(r, "sdp"));
	r = request(&f, "t_8", "answer", (const char *[]){"call-id", "t2", "from-tag", "A",
							 "to-tag", "B", "sdp", SDP_B, NULL});
	MR_TEST_ASSERT(strstr(get(r, "sdp"), "RTP/AVP 0\r\n") != NULL, "%s", get(r, "sdp"));
	MR_TEST_EQ(leg(&f, "ng2.a0")->tc_profile, 0);
	MR_TEST_EQ(leg(&f, "ng2.b0")->tc_profile, 0);

	/* direction: two logical interfaces; one address per family here, so any two */
	r = request(&f, "t_9", "offer", (const char *[]){"call-id", "t3", "from-tag", "A",
							"sdp", SDP_A, "direction",
							"[internal|external]", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	r = request(&f, "t_10", "offer", (const char *[]){"call-id", "t4", "from-tag", "A",
							 "sdp", SDP_A, "direction", "[a|b|c]", NULL});
	MR_TEST_ASSERT(strstr(get(r, "error-reason"), "direction takes 2 interfaces") != NULL,
		       "%s", get(r, "error-reason"));
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, transcode, test_ngcall_transcode);

/* A NAT between the caller and its proxy: the caller's source is learned. */
static int
test_ngcall_latch(void)
{
	static struct nfix f;
	const struct mr_bencode_node *r;
	const struct mr_leg_def *a;

	MR_TEST_ASSERT(nfix_setup(&f, 0) == 0, "setup");
	r = request(&f, "l1", "offer", (const char *[]){"call-id", "n", "from-tag", "t",
						       "sdp", SDP_A, "received-from",
						       "[IP4|203.0.113.7]", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	a = leg(&f, "ng1.a0");
	MR_TEST_ASSERT(a != NULL && a->latch, "received-from differs: latch");
	/* trust-address: the SDP's address whatever the source */
	r = request(&f, "l2", "offer", (const char *[]){"call-id", "n", "from-tag", "t",
						       "sdp", SDP_A, "received-from",
						       "[IP4|203.0.113.7]", "flags",
						       "[trust-address]", NULL});
	a = leg(&f, "ng1.a0");
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0 && !a->latch, "trust-address");
	/* SIP-source-address: received-from with the SDP's port */
	r = request(&f, "l3", "offer", (const char *[]){"call-id", "n", "from-tag", "t",
						       "sdp", SDP_A, "received-from",
						       "[IP4|203.0.113.7]", "flags",
						       "[SIP-source-address]", NULL});
	a = leg(&f, "ng1.a0");
	{
		char ep[MR_ENDPOINT_STRLEN];

		MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0 && !a->latch &&
			       strcmp(mr_endpoint_format(&a->remote, ep, sizeof(ep)),
				      "203.0.113.7:6000") == 0, "sip source: %s", ep);
	}
	/* address-family: the callee side in IPv6 */
	r = request(&f, "l4", "offer", (const char *[]){"call-id", "v6", "from-tag", "t",
						       "sdp", SDP_A, "address-family", "IP6",
						       "replace", "[origin]", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0 &&
		       strstr(get(r, "sdp"), "c=IN IP6 2001:db8::1\r\n") != NULL &&
		       strstr(get(r, "sdp"), "o=alice 123 1 IN IP6 2001:db8::1\r\n") != NULL,
		       "%s %s", get(r, "error-reason"), get(r, "sdp"));
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, latch, test_ngcall_latch);

/* Advance the clock by @p ms in the main loop's steps; the calls deleted meanwhile. */
static unsigned int
run_for(struct nfix *f, uint64_t ms)
{
	unsigned int n = 0;
	uint64_t end = f->now + ms;

	while (f->now < end) {
		f->now += 10;
		n += mr_ngcall_tick(f->calls, f->now);
	}
	return n;
}

/* Calls without media are deleted after the idle time, and counted; delete-delay too. */
static int
test_ngcall_idle(void)
{
	static struct nfix f;
	const struct mr_bencode_node *r;

	MR_TEST_ASSERT(nfix_setup(&f, 5000) == 0, "setup");
	r = request(&f, "i1", "offer", (const char *[]){"call-id", "idle", "from-tag", "t",
						       "sdp", SDP_A, NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	MR_TEST_EQ(run_for(&f, 4900), 0);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->calls, 1);
	/* checked every second (check_ms), the whole table once a second */
	MR_TEST_EQ(run_for(&f, 2100), 1);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->calls, 0);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->c[MR_NGCALL_C_CALLS_IDLE], 1);
	MR_TEST_EQ(f.streams->n_legs, 0);

	r = request(&f, "i2", "offer", (const char *[]){"call-id", "late", "from-tag", "t",
						       "sdp", SDP_A, NULL});
	r = request(&f, "i3", "delete", (const char *[]){"call-id", "late", "delete-delay",
							"i:2", NULL});
	MR_TEST_ASSERT(strcmp(get(r, "result"), "ok") == 0, "%s", get(r, "error-reason"));
	MR_TEST_EQ(f.streams->n_legs, 2);
	MR_TEST_EQ(run_for(&f, 1900), 0);
	MR_TEST_EQ(run_for(&f, 1100), 1);
	MR_TEST_EQ(f.streams->n_legs, 0);
	MR_TEST_EQ(mr_ngcall_get_stats(f.calls)->c[MR_NGCALL_C_CALLS_DELAYED], 1);
	nfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ngcall, idle, test_ngcall_idle);
