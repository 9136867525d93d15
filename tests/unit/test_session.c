/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The session model: the key rules every entry point shares, the name
 * indexes kept in step with the table through adds, renames of session,
 * deletes and slot reuse, and the port registry's copies for the fast
 * path. The relay is a zeroed struct (nothing here is transcoded).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "mr_test.h"
#include "mr_session.h"

static int
test_session_spec(void)
{
	struct mr_leg_spec sp;
	char err[160];

	/* the count the configuration's key table is sized by */
	MR_TEST_ASSERT(mr_leg_spec_keys[MR_LEG_SPEC_NKEYS - 1] != NULL &&
		       mr_leg_spec_keys[MR_LEG_SPEC_NKEYS] == NULL, "MR_LEG_SPEC_NKEYS");
	mr_leg_spec_init(&sp);
	MR_TEST_EQ(sp.clock_rate, 48000);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "forward", "a, b+c", err, sizeof(err)), 0);
	MR_TEST_EQ(sp.n_fwd, 3);
	MR_TEST_ASSERT(strcmp(sp.fwd[2], "c") == 0, "%s", sp.fwd[2]);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "forward", "", err, sizeof(err)), 0);
	MR_TEST_EQ(sp.n_fwd, 0);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "local", "[2001:db8::1]:auto", err, sizeof(err)), 0);
	MR_TEST_ASSERT(sp.local_port_auto && !sp.local_addr_auto, "v6 auto");
	MR_TEST_EQ(mr_leg_spec_set(&sp, "local", "10.0.0.1:0", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "local", "224.0.0.1:5000", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "remote", "latch", err, sizeof(err)), 0);
	MR_TEST_ASSERT(sp.latch, "latch");
	MR_TEST_EQ(mr_leg_spec_set(&sp, "seq_offset", "065", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "streams_max", "0", err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strcmp(err, "'0' is not 1..65535 (decimal or 0x hex)") == 0, "%s", err);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "codec", "opus", err, sizeof(err)), -ENOENT);
	MR_TEST_ASSERT(!mr_session_name_valid(""), "empty name");
	MR_TEST_ASSERT(mr_session_name_valid("a.b-c_9"), "name");
	return 0;
}
MR_REGISTER_TEST(session, spec, test_session_spec);

struct sfix {
	struct mr_relay *relay;
	struct mr_streams *streams;
	struct mr_sessions *s;
};

static void
sfix_free(struct sfix *f)
{
	mr_sessions_free(f->s);
	if (f->streams != NULL)
		mr_streams_free(f->streams);
	free(f->relay);
}

static int
sfix_setup(struct sfix *f, uint32_t legs)
{
	static unsigned int gen;
	char name[24];
	struct mr_streams_params sp = {
		.name = name, .legs_max = legs, .streams_max = 64,
		.max_threads = RTE_MAX_LCORE, .socket_id = (int)rte_socket_id(),
	};
	struct mr_port_facts pf = {.present = true, .has_ipv4 = true, .vlan = 7,
				   .cksum_offload = true, .multiseg = true};

	memset(f, 0, sizeof(*f));
	snprintf(name, sizeof(name), "tses%u", ++gen);
	f->relay = calloc(1, sizeof(*f->relay));
	f->streams = mr_streams_create(&sp);
	if (f->relay == NULL || f->streams == NULL ||
	    mr_endpoint_parse_addr("10.0.0.1", &pf.ipv4) != 0)
		return -1;
	f->relay->streams = f->streams;
	f->s = mr_sessions_create(&(struct mr_sessions_params){
		.streams = f->streams, .relay = f->relay,
		.rtp_port_min = 20000, .rtp_port_max = 59999,
	});
	if (f->s == NULL || mr_sessions_port_set(f->s, 0, &pf) != 0)
		return -1;
	return 0;
}

static int
add(struct sfix *f, const char *name, const char *session, const char *fwd, char *err)
{
	struct mr_sessions_result res;
	struct mr_leg_spec sp;

	mr_leg_spec_init(&sp);
	if (mr_leg_spec_set(&sp, "session", session, err, 160) != 0 ||
	    mr_leg_spec_set(&sp, "local", "auto", err, 160) != 0 ||
	    mr_leg_spec_set(&sp, "remote", "latch", err, 160) != 0 ||
	    (fwd != NULL && mr_leg_spec_set(&sp, "forward", fwd, err, 160) != 0))
		return -EINVAL;
	return mr_sessions_leg_add(f->s, name, &sp, MR_LEG_ORIGIN_SIGNAL, &res, err, 160);
}

#define KEY_A "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY_B "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20"

/* crypto_in and crypto_out: syntax, errors that name no key material, none. */
static int
test_session_crypto_spec(void)
{
	struct mr_leg_spec sp;
	char err[200];

	mr_leg_spec_init(&sp);
	MR_TEST_EQ(sp.crypto_in.suite, MR_SRTP_SUITE_NONE);
	MR_TEST_ASSERT(mr_leg_spec_accepted("crypto_in") != NULL, "accepted");
#ifdef MR_HAVE_SRTP
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "AES_CM_128_HMAC_SHA1_80 " KEY_A, err,
				   sizeof(err)), 0);
	MR_TEST_EQ(sp.crypto_in.suite, MR_SRTP_AES_CM_128_HMAC_SHA1_80);
	MR_TEST_ASSERT(sp.given & MR_LEG_F_CRYPTO_IN, "given");
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_out", "AES_CM_128_HMAC_SHA1_32  " KEY_B, err,
				   sizeof(err)), 0);
	MR_TEST_EQ(sp.crypto_out.suite, MR_SRTP_AES_CM_128_HMAC_SHA1_32);
	MR_TEST_EQ(sp.crypto_out.lifetime, UINT64_C(1) << 20);
	/* wrong length: a message, not the key */
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_out", "AEAD_AES_128_GCM " KEY_A, err,
				   sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "WVNf") == NULL && strstr(err, "bytes") != NULL, "%s", err);
	MR_TEST_EQ(sp.crypto_out.suite, MR_SRTP_SUITE_NONE);  /* nothing half set */
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "AES_CM_128_HMAC_SHA1_99 " KEY_A, err,
				   sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "WVNf") == NULL, "%s", err);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "AES_CM_128_HMAC_SHA1_80 " KEY_A "|1:4", err,
				   sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "WVNf") == NULL, "%s", err);
#endif
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "AES_CM_128_HMAC_SHA1_80", err, sizeof(err)),
		   -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "crypto_in", "none", err, sizeof(err)), 0);
	MR_TEST_EQ(sp.crypto_in.suite, MR_SRTP_SUITE_NONE);
	mr_leg_spec_wipe(&sp);
	return 0;
}
MR_REGISTER_TEST(session, crypto_spec, test_session_crypto_spec);

/* Many legs and sessions: every lookup through the indexes, before and after deletes. */
static int
test_session_index(void)
{
	struct mr_sessions_result res;
	struct sfix f;
	char name[32], sess[32], err[160];
	uint32_t i;
	int32_t idx;

	MR_TEST_ASSERT(sfix_setup(&f, 4096) == 0, "setup");
	/* the registry wrote the fast path's copy */
	MR_TEST_ASSERT(f.streams->ports[0].present && f.streams->ports[0].vlan == 7 &&
		       f.streams->ports[0].cksum_offload && f.relay->multiseg[0], "port copy");
	MR_TEST_ASSERT(mr_sessions_port(f.s, 1) == NULL, "port 1 absent");
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "leg%u", i);
		snprintf(sess, sizeof(sess), "call%u", i / 3);
		MR_TEST_ASSERT(add(&f, name, sess, NULL, err) == 0, "%s: %s", name, err);
	}
	MR_TEST_EQ(f.streams->n_legs, 3000);
	MR_TEST_EQ(mr_sessions_session_legs(f.s, "call7"), 3);
	idx = mr_sessions_leg_find(f.s, "leg2999");
	MR_TEST_ASSERT(idx >= 0 && strcmp(f.streams->defs[idx].name, "leg2999") == 0, "find");
	MR_TEST_EQ(mr_sessions_leg_origin(f.s, (uint32_t)idx), MR_LEG_ORIGIN_SIGNAL);
	MR_TEST_EQ(mr_sessions_dest(f.s, "leg21", "leg22", true, &res, err, sizeof(err)), 0);
	MR_TEST_EQ(mr_sessions_dest(f.s, "leg30", "leg22", true, &res, err, sizeof(err)), 0);
	/* a session goes: its legs leave the indexes, legs forwarding to them forget them */
	MR_TEST_EQ(mr_sessions_session_delete(f.s, "call7", &res, err, sizeof(err)), 0);
	MR_TEST_EQ(res.legs_deleted, 3);
	MR_TEST_EQ(mr_sessions_leg_find(f.s, "leg22"), -ENOENT);
	MR_TEST_EQ(mr_sessions_session_legs(f.s, "call7"), 0);
	idx = mr_sessions_leg_find(f.s, "leg30");
	MR_TEST_EQ(f.streams->defs[idx].n_fwd, 0);
	MR_TEST_EQ(mr_sessions_session_delete(f.s, "call7", &res, err, sizeof(err)), -ENOENT);
	/* a session moved by leg_update is found under its new name only */
	{
		struct mr_leg_spec sp;

		mr_leg_spec_init(&sp);
		MR_TEST_EQ(mr_leg_spec_set(&sp, "session", "moved", err, sizeof(err)), 0);
		MR_TEST_EQ(mr_sessions_leg_update(f.s, "leg31", &sp, &res, err, sizeof(err)), 0);
	}
	MR_TEST_EQ(mr_sessions_session_legs(f.s, "call10"), 2);
	MR_TEST_EQ(mr_sessions_session_legs(f.s, "moved"), 1);
	/* names and slots are reused */
	MR_TEST_ASSERT(add(&f, "leg22", "call7", NULL, err) == 0, "%s", err);
	MR_TEST_EQ(mr_sessions_session_legs(f.s, "call7"), 1);
	for (i = 0; i < 1000; i++) {
		snprintf(sess, sizeof(sess), "call%u", i);
		mr_sessions_session_delete(f.s, sess, &res, err, sizeof(err));
	}
	MR_TEST_EQ(mr_sessions_session_delete(f.s, "moved", &res, err, sizeof(err)), 0);
	MR_TEST_EQ(f.streams->n_legs, 0);
	MR_TEST_EQ(mr_sessions_leg_find(f.s, "leg0"), -ENOENT);
	sfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(session, index, test_session_index);

/* RTP over QUIC legs: quic + flow, checked by the spec and the model. */
static int
test_session_roq_spec(void)
{
	struct mr_sessions_result res;
	struct mr_leg_spec sp;
	struct sfix f;
	char err[160];

	mr_leg_spec_init(&sp);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "4611686018427387903", err, sizeof(err)), 0);
	MR_TEST_EQ(sp.flow, MR_LEG_FLOW_MAX);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "4611686018427387904", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "07", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "0", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "quic", "a b", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "quic", "roq", err, sizeof(err)), 0);
	MR_TEST_ASSERT((sp.given & (MR_LEG_F_QUIC | MR_LEG_F_FLOW)) ==
		       (MR_LEG_F_QUIC | MR_LEG_F_FLOW), "given");

	MR_TEST_ASSERT(sfix_setup(&f, 16) == 0, "setup");
	MR_TEST_EQ(mr_leg_spec_set(&sp, "session", "s", err, sizeof(err)), 0);
	/* no [quic.roq] in this relay */
	MR_TEST_EQ(mr_sessions_leg_add(f.s, "q", &sp, MR_LEG_ORIGIN_CONTROL, &res, err,
				       sizeof(err)), -ENOENT);
	MR_TEST_ASSERT(strncmp(err, "quic: no QUIC endpoint named 'roq'", 34) == 0, "%s", err);
	/* the UDP keys are not a RoQ leg's */
	MR_TEST_EQ(mr_leg_spec_set(&sp, "local", "auto", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_sessions_leg_add(f.s, "q", &sp, MR_LEG_ORIGIN_CONTROL, &res, err,
				       sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strncmp(err, "local: not for an RTP over QUIC leg", 35) == 0, "%s", err);
	/* flow without quic, quic without flow */
	mr_leg_spec_init(&sp);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "session", "s", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "flow", "7", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_sessions_leg_add(f.s, "q", &sp, MR_LEG_ORIGIN_CONTROL, &res, err,
				       sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strncmp(err, "quic: missing", 13) == 0, "%s", err);
	mr_leg_spec_init(&sp);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "session", "s", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_leg_spec_set(&sp, "quic", "roq", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_sessions_leg_add(f.s, "q", &sp, MR_LEG_ORIGIN_CONTROL, &res, err,
				       sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strncmp(err, "flow: missing", 13) == 0, "%s", err);
	/* a UDP leg cannot become one */
	MR_TEST_ASSERT(add(&f, "u", "s", NULL, err) == 0, "%s", err);
	MR_TEST_EQ(mr_sessions_leg_update(f.s, "u", &sp, &res, err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(f.streams->n_legs, 1);
	sfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(session, roq_spec, test_session_roq_spec);

#ifdef MR_HAVE_SRTP
static int
crypto_leg(struct sfix *f, bool add_it, const char *name, const char *in, const char *out,
	   struct mr_sessions_result *res, char *err)
{
	struct mr_leg_spec sp;
	int rc;

	mr_leg_spec_init(&sp);
	if ((add_it && (mr_leg_spec_set(&sp, "session", "s", err, 160) != 0 ||
			mr_leg_spec_set(&sp, "local", "10.0.0.1:31000", err, 160) != 0 ||
			mr_leg_spec_set(&sp, "remote", "192.0.2.1:4000", err, 160) != 0)) ||
	    (in != NULL && mr_leg_spec_set(&sp, "crypto_in", in, err, 160) != 0) ||
	    (out != NULL && mr_leg_spec_set(&sp, "crypto_out", out, err, 160) != 0))
		return -EINVAL;
	rc = add_it ? mr_sessions_leg_add(f->s, name, &sp, MR_LEG_ORIGIN_CONTROL, res, err, 160) :
		      mr_sessions_leg_update(f->s, name, &sp, res, err, 160);
	mr_leg_spec_wipe(&sp);
	return rc;
}
#endif

/* Keys through the model: named by generation, suite and fingerprint; idempotent adds. */
static int
test_session_crypto_legs(void)
{
#ifdef MR_HAVE_SRTP
	struct mr_sessions_result res;
	const struct mr_leg_def *d;
	struct sfix f;
	char err[160];
	uint32_t gen;

	MR_TEST_ASSERT(sfix_setup(&f, 16) == 0, "setup");
	MR_TEST_EQ(crypto_leg(&f, true, "a", "AES_CM_128_HMAC_SHA1_80 " KEY_A, NULL, &res, err),
		   0);
	d = &f.streams->defs[res.idx];
	MR_TEST_ASSERT(d->srtp_in_gen != 0 && d->srtp_out_gen == 0, "gens");
	MR_TEST_EQ(strlen(d->srtp_in_fp), 12u);
	gen = d->srtp_in_gen;
	/* the same add again changes nothing; another key is another definition */
	MR_TEST_EQ(crypto_leg(&f, true, "a", "AES_CM_128_HMAC_SHA1_80 " KEY_A, NULL, &res, err),
		   0);
	MR_TEST_ASSERT(strcmp(res.outcome, "unchanged") == 0, "%s", res.outcome);
	MR_TEST_EQ(crypto_leg(&f, true, "a", "AES_CM_128_HMAC_SHA1_80 " KEY_B, NULL, &res, err),
		   -EEXIST);
	MR_TEST_ASSERT(strstr(err, "crypto_in") != NULL, "%s", err);
	/* update: a new key is a new generation; the same key is no change */
	MR_TEST_EQ(crypto_leg(&f, false, "a", "AES_CM_128_HMAC_SHA1_80 " KEY_A, NULL, &res, err),
		   0);
	MR_TEST_ASSERT(strcmp(res.outcome, "unchanged") == 0, "%s", res.outcome);
	MR_TEST_EQ(crypto_leg(&f, false, "a", "AES_CM_128_HMAC_SHA1_80 " KEY_B,
			      "AEAD_AES_128_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA==", &res,
			      err), 0);
	MR_TEST_ASSERT(strcmp(res.outcome, "updated") == 0, "%s", res.outcome);
	MR_TEST_ASSERT(d->srtp_in_gen != 0 && d->srtp_in_gen != gen && d->srtp_out_gen != 0,
		       "new gens");
	MR_TEST_EQ(d->srtp_out_suite, MR_SRTP_AEAD_AES_128_GCM);
	MR_TEST_EQ(crypto_leg(&f, false, "a", "none", "none", &res, err), 0);
	MR_TEST_ASSERT(d->srtp_in_gen == 0 && d->srtp_out_gen == 0 && d->srtp_in_fp[0] == '\0',
		       "none");
	sfix_free(&f);
#endif
	return 0;
}
MR_REGISTER_EAL_TEST(session, crypto_legs, test_session_crypto_legs);

/* Names come and go far more often than the table has slots (signalling churn). */
static int
test_session_churn(void)
{
	struct mr_sessions_result res;
	struct sfix f;
	char name[32], err[160];
	uint32_t i;

	MR_TEST_ASSERT(sfix_setup(&f, 16) == 0, "setup");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "churn%u", i);
		MR_TEST_ASSERT(add(&f, name, name, NULL, err) == 0, "add %u: %s", i, err);
		MR_TEST_EQ(mr_sessions_session_delete(f.s, name, &res, err, sizeof(err)), 0);
	}
	MR_TEST_EQ(f.streams->n_legs, 0);
	sfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(session, churn, test_session_churn);

/* Per-leg statistics come from the leg's own streams, summed by their owner. */
static int
test_session_leg_stats(void)
{
	struct mr_stream_init init = {.owner_lcore = (uint16_t)rte_lcore_id(),
				      .tc_channel = MR_STREAM_NO_CHANNEL};
	struct mr_leg_stats ls;
	struct mr_stream_key k;
	struct mr_stream *st;
	struct sfix f;
	char err[160];
	int32_t a, b;
	uint32_t i;

	MR_TEST_ASSERT(sfix_setup(&f, 64) == 0, "setup");
	MR_TEST_ASSERT(mr_streams_owner_add(f.streams, rte_lcore_id()) != NULL, "owner");
	MR_TEST_ASSERT(add(&f, "a", "s", NULL, err) == 0, "%s", err);
	MR_TEST_ASSERT(add(&f, "b", "s", "a", err) == 0, "%s", err);
	a = mr_sessions_leg_find(f.s, "a");
	b = mr_sessions_leg_find(f.s, "b");
	MR_TEST_ASSERT(a >= 0 && b >= 0, "find");
	/* no streams yet: zeros, read by the main lcore holding the token */
	MR_TEST_EQ(mr_sessions_leg_stats(f.s, (uint32_t)a, &ls), 0);
	MR_TEST_EQ(ls.streams, 0);
	MR_TEST_EQ(ls.pkts, 0);
	memset(&k, 0, sizeof(k));
	k.local = f.streams->defs[a].local;
	init.leg_idx = (uint32_t)a;
	for (i = 0; i < 2; i++) {
		k.ssrc = 0x100 + i;
		MR_TEST_EQ(mr_streams_add(f.streams, &k, &init, &st), 0);
		st->pkts = 10 + i;
		st->bytes = 1000 + i;
		st->rtcp_pkts = 1;
		st->last_tsc = 500 + i;
	}
	MR_TEST_EQ(mr_sessions_leg_stats(f.s, (uint32_t)a, &ls), 0);
	MR_TEST_EQ(ls.streams, 2);
	MR_TEST_EQ(ls.pkts, 21);
	MR_TEST_EQ(ls.bytes, 2001);
	MR_TEST_EQ(ls.rtcp_pkts, 2);
	MR_TEST_EQ(ls.last_tsc, 501);
	MR_TEST_EQ(ls.lost, 0);
	/* the other leg's streams are not counted */
	MR_TEST_EQ(mr_sessions_leg_stats(f.s, (uint32_t)b, &ls), 0);
	MR_TEST_EQ(ls.streams, 0);
	MR_TEST_EQ(mr_sessions_leg_stats(f.s, 63, &ls), -ENOENT);
	MR_TEST_EQ(mr_sessions_leg_stats(f.s, 64, &ls), -ENOENT);
	sfix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(session, leg_stats, test_session_leg_stats);

/* Profile keys: the same rules for [profile.NAME] and profile_set. */
static int
test_session_profile_spec(void)
{
	struct mr_tc_profile p, change;
	uint32_t given = 0, g2 = 0;
	char err[160];

	memset(&p, 0, sizeof(p));
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "out", "pcmu", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "bitrate", "0x5dc0", err, sizeof(err)), 0);
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "ptime", "30", err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strcmp(err, "'30' is not 10, 20, 40 or 60") == 0, "%s", err);
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "rate", "44100", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "in", "g729", err, sizeof(err)), -EINVAL);
	MR_TEST_EQ(mr_profile_spec_set(&p, &given, "codec", "opus", err, sizeof(err)), -ENOENT);
	MR_TEST_EQ(given, MR_PROFILE_F_OUT | MR_PROFILE_F_BITRATE);
	mr_profile_spec_new(&p, given);
	MR_TEST_EQ(p.in_codec, MR_TC_CODEC_OPUS);
	MR_TEST_EQ(p.in_pt, 111);
	MR_TEST_EQ(p.out_pt, 0);
	MR_TEST_EQ(p.bitrate, 24000);
	MR_TEST_EQ(p.ptime_ms, 20);
	MR_TEST_EQ(p.rate, 48000);
	memset(&change, 0, sizeof(change));
	MR_TEST_EQ(mr_profile_spec_set(&change, &g2, "loss_perc", "10", err, sizeof(err)), 0);
	mr_profile_spec_merge(&p, &change, g2);
	MR_TEST_EQ(p.loss_perc, 10);
	MR_TEST_EQ(p.bitrate, 24000);
	MR_TEST_EQ(p.out_codec, MR_TC_CODEC_PCMU);
	MR_TEST_ASSERT(mr_profile_spec_accepted("rate") != NULL &&
		       mr_profile_spec_accepted("nope") == NULL, "accepted");
	return 0;
}
MR_REGISTER_TEST(session, profile_spec, test_session_profile_spec);
