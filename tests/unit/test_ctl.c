/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Control commands without the telemetry socket: the telemetry thread's
 * parsers (every field's syntax and range, errors that name the key) and
 * mr_ctl_apply() on real tables (added, unchanged, -EEXIST with nothing
 * changed, update of one field, session delete), and the two resets.
 *
 * The relay is a zeroed struct with the fields the control code reads
 * (n_tc, n_profiles; the ports for port_stats_reset): no leg here is
 * transcoded, so nothing else of it is used.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "mr_test.h"
#include "mr_conf.h"
#include "mr_ctl_priv.h"
#include "mr_relay.h"
#include "mr_stream.h"

struct fix {
	struct mr_relay *relay;
	struct mr_streams *streams;
	struct mr_sessions *sessions;
	struct mr_ctl ctl;          /* parse tests: only streams, relay, sessions */
};

static struct mr_endpoint
ep(const char *text)
{
	struct mr_endpoint e;

	if (mr_endpoint_parse(text, &e) != 0)
		memset(&e, 0xff, sizeof(e));
	return e;
}

static void
fix_free(struct fix *f)
{
	mr_sessions_free(f->sessions);
	if (f->streams != NULL)
		mr_streams_free(f->streams);
	free(f->relay);
	memset(f, 0, sizeof(*f));
}

/*
 * Port 0: 10.0.0.1 and 2001:db8::1, set up. Port 1 (10.0.1.1): configured
 * but never set up, so not in the registry. RTP ports 30000..39999, one
 * profile "wb".
 */
static int
fix_setup(struct fix *f, uint16_t n_tc)
{
	static unsigned int gen;
	static const char names[1][MR_STREAM_NAME_LEN] = {"wb"};
	const struct mr_tc_profile wb = {.in_codec = MR_TC_CODEC_OPUS, .out_codec = MR_TC_CODEC_OPUS};
	char name[24];
	struct mr_streams_params sp = {
		.name = name, .legs_max = 16, .streams_max = 64,
		.max_threads = RTE_MAX_LCORE, .socket_id = (int)rte_socket_id(),
	};
	struct mr_port_facts pf = {.present = true, .has_ipv4 = true, .has_ipv6 = true};

	memset(f, 0, sizeof(*f));
	f->relay = calloc(1, sizeof(*f->relay));
	if (f->relay == NULL)
		goto fail;
	if (mr_endpoint_parse_addr("10.0.0.1", &pf.ipv4) != 0 ||
	    mr_endpoint_parse_addr("2001:db8::1", &pf.ipv6) != 0)
		goto fail;
	snprintf(name, sizeof(name), "tctl%u", ++gen);
	f->streams = mr_streams_create(&sp);
	if (f->streams == NULL)
		goto fail;
	f->relay->streams = f->streams;
	f->sessions = mr_sessions_create(&(struct mr_sessions_params){
		.streams = f->streams, .relay = f->relay,
		.rtp_port_min = 30000, .rtp_port_max = 39999,
	});
	if (f->sessions == NULL || mr_sessions_port_set(f->sessions, 0, &pf) != 0 ||
	    mr_sessions_profiles_set(f->sessions, names, &wb, 1, NULL) != 0)
		goto fail;
	/* after the profiles: the relay counts its transcoders when they are added */
	f->relay->n_tc = n_tc;
	f->ctl.streams = f->streams;
	f->ctl.relay = f->relay;
	f->ctl.sessions = f->sessions;
	return 0;
fail:
	fix_free(f);
	return -1;
}

/* The control object over the fixture's tables (registers the commands once). */
static struct mr_ctl *
fix_ctl(struct fix *f)
{
	return mr_ctl_create(&(struct mr_ctl_params){
		.streams = f->streams, .relay = f->relay, .sessions = f->sessions,
	});
}

/* Parse into a fresh message, as cmd_control does (calloc). */
static int
leg_parse(struct fix *f, const char *params, bool add, struct mr_ctl_msg *m, char *err)
{
	memset(m, 0, sizeof(*m));
	err[0] = '\0';
	return mr_ctl_parse_leg(&f->ctl, params, add, m, err, MR_CTL_ERR_LEN);
}

/* -EINVAL and an error text that starts with @p want (the key first). */
#define EXPECT_ERR(rc, err, want) do { \
	MR_TEST_EQ(rc, -EINVAL); \
	MR_TEST_ASSERT(strncmp(err, want, strlen(want)) == 0, \
		       "error '%s', expected it to start with '%s'", err, want); \
} while (0)

#define LEG_ERR(f, params, add, want) do { \
	struct mr_ctl_msg m_; \
	char e_[MR_CTL_ERR_LEN]; \
	int rc_ = leg_parse(f, params, add, &m_, e_); \
	EXPECT_ERR(rc_, e_, want); \
} while (0)

static int
test_ctl_parse_leg_good(void)
{
	const uint32_t all_but_port = MR_LEG_F_SESSION | MR_LEG_F_LOCAL | MR_LEG_F_REMOTE |
		MR_LEG_F_FORWARD | MR_LEG_F_SSRC | MR_LEG_F_SEQ | MR_LEG_F_TS |
		MR_LEG_F_CLOCK | MR_LEG_F_TRANSCODE;
	struct mr_endpoint want;
	struct mr_ctl_msg m;
	char err[MR_CTL_ERR_LEN];
	struct fix f;
	int rc;

	MR_TEST_ASSERT(fix_setup(&f, 1) == 0, "setup");

	/* every key, each at an edge of its range */
	rc = leg_parse(&f, "name=a1,session=s.1,local=10.0.0.1:30000,remote=192.0.2.10:5000,"
		       "forward=b+c_2,ssrc_out=4294967295,seq_offset=65535,ts_offset=0,"
		       "clock_rate=8000,transcode=wb", true, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_ASSERT(strcmp(m.name, "a1") == 0, "name %s", m.name);
	MR_TEST_ASSERT(strcmp(m.leg.session, "s.1") == 0, "session %s", m.leg.session);
	MR_TEST_EQ(m.leg.given, all_but_port);
	MR_TEST_EQ(m.leg.port, 0);
	MR_TEST_EQ(m.leg.local_port_auto, false);
	want = ep("10.0.0.1:30000");
	MR_TEST_ASSERT(mr_endpoint_equal(&m.leg.local, &want), "local");
	MR_TEST_EQ(rte_be_to_cpu_16(m.leg.local.port), 30000);
	MR_TEST_EQ(m.leg.latch, false);
	want = ep("192.0.2.10:5000");
	MR_TEST_ASSERT(mr_endpoint_equal(&m.leg.remote, &want), "remote");
	MR_TEST_EQ(m.leg.n_fwd, 2);
	MR_TEST_ASSERT(strcmp(m.leg.fwd[0], "b") == 0 && strcmp(m.leg.fwd[1], "c_2") == 0,
		       "forward %s %s", m.leg.fwd[0], m.leg.fwd[1]);
	MR_TEST_EQ(m.leg.ssrc_out, 4294967295u);
	MR_TEST_EQ(m.leg.seq_offset, 65535);
	MR_TEST_EQ(m.leg.ts_offset, 0);
	MR_TEST_EQ(m.leg.clock_rate, 8000);
	MR_TEST_ASSERT(strcmp(m.leg.transcode, "wb") == 0, "transcode %s", m.leg.transcode);

	/* local=auto: address and UDP port left to the main lcore (the model); defaults */
	rc = leg_parse(&f, "name=x,session=s,local=auto,remote=latch", true, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_SESSION | MR_LEG_F_LOCAL | MR_LEG_F_REMOTE);
	MR_TEST_EQ(m.leg.local_addr_auto, true);
	MR_TEST_EQ(m.leg.local_port_auto, true);
	MR_TEST_EQ(m.leg.latch, true);
	MR_TEST_EQ(m.leg.clock_rate, 48000);
	MR_TEST_EQ(m.leg.transcode[0], '\0');
	MR_TEST_EQ(m.leg.n_fwd, 0);

	/* [v6]:auto, explicit port=0, transcode=none */
	rc = leg_parse(&f, "name=x6,session=s,port=0,local=[2001:db8::1]:auto,"
		       "remote=[2001:db8::2]:7000,transcode=none", true, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_SESSION | MR_LEG_F_PORT | MR_LEG_F_LOCAL |
		   MR_LEG_F_REMOTE | MR_LEG_F_TRANSCODE);
	MR_TEST_EQ(m.leg.local_port_auto, true);
	MR_TEST_EQ(m.leg.local_addr_auto, false);
	want = ep("[2001:db8::1]:1");
	MR_TEST_ASSERT(memcmp(m.leg.local.ip, want.ip, 16) == 0, "auto v6");
	want = ep("[2001:db8::2]:7000");
	MR_TEST_ASSERT(mr_endpoint_equal(&m.leg.remote, &want), "remote v6");
	MR_TEST_EQ(m.leg.transcode[0], '\0');

	/* leg_update: only name is required, given holds exactly what was given */
	rc = leg_parse(&f, "name=x,clock_rate=16000", false, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_CLOCK);
	MR_TEST_EQ(m.leg.clock_rate, 16000);
	/* without port= the address is checked on the main lcore, against the leg's port */
	rc = leg_parse(&f, "name=x,local=10.0.1.1:30002", false, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_LOCAL);
	want = ep("10.0.1.1:30002");
	MR_TEST_ASSERT(mr_endpoint_equal(&m.leg.local, &want), "update local");
	/* forward= with nothing: clear the list */
	rc = leg_parse(&f, "name=x,forward=", false, &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_FORWARD);
	MR_TEST_EQ(m.leg.n_fwd, 0);

	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, parse_leg_good, test_ctl_parse_leg_good);

static int
test_ctl_parse_leg_bad(void)
{
	const char *ok_tail = "local=10.0.0.1:30000,remote=192.0.2.10:5000";
	char p[MR_CTL_PARAMS_MAX];
	struct fix f;

	MR_TEST_ASSERT(fix_setup(&f, 1) == 0, "setup");

	/* missing required keys */
	LEG_ERR(&f, "session=s,local=10.0.0.1:30000,remote=latch", true, "name: missing");
	LEG_ERR(&f, "clock_rate=8000", false, "name: missing");

	/* names: characters and length (47 is the longest) */
	snprintf(p, sizeof(p), "name=a!b,session=s,%s", ok_tail);
	LEG_ERR(&f, p, true, "name: invalid");
	snprintf(p, sizeof(p), "name=,session=s,%s", ok_tail);
	LEG_ERR(&f, p, true, "name: invalid");
	snprintf(p, sizeof(p), "name=%048d,session=s,%s", 0, ok_tail);
	LEG_ERR(&f, p, true, "name: invalid");
	snprintf(p, sizeof(p), "name=%047d,session=s,%s", 0, ok_tail);
	{
		struct mr_ctl_msg m;
		char err[MR_CTL_ERR_LEN];
		int rc = leg_parse(&f, p, true, &m, err);

		MR_TEST_ASSERT(rc == 0, "47-char name: %d %s", rc, err);
		MR_TEST_EQ(strlen(m.name), 47);
	}
	snprintf(p, sizeof(p), "name=a,session=s/1,%s", ok_tail);
	LEG_ERR(&f, p, true, "session: 's/1' is not a session name");

	/* endpoints */
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.300:30000,remote=latch", true,
		"local: '10.0.0.300:30000' is not addr:port, addr:auto or auto");
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.1,remote=latch", true,
		"local: '10.0.0.1' is not addr:port");
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.1:30000,remote=192.0.2.10", true,
		"remote: '192.0.2.10' is not a unicast addr:port or latch");
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.1:30000,remote=224.0.0.1:5000", true,
		"remote: '224.0.0.1:5000' is not a unicast");
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.1:30000,remote=0.0.0.0:5000", true,
		"remote: '0.0.0.0:5000' is not a unicast");
	LEG_ERR(&f, "name=a,session=s,local=10.0.0.1:30000,remote=192.0.2.10:0", true,
		"remote: '192.0.2.10:0' is not a unicast");

	/* ports: configured but not started, not configured, not a number */
	LEG_ERR(&f, "name=a,port=99999", false, "port: '99999' is not");
	LEG_ERR(&f, "name=a,port=x", false, "port: 'x' is not");

	/* keys: unknown, repeated, bare value */
	snprintf(p, sizeof(p), "name=a,session=s,%s,codec=opus", ok_tail);
	LEG_ERR(&f, p, true, "codec: unknown key (keys: name session port local remote");
	snprintf(p, sizeof(p), "name=a,session=s,%s,name=b", ok_tail);
	LEG_ERR(&f, p, true, "name: given twice");
	LEG_ERR(&f, "name=a,clock_rate=8000,clock_rate=8000", false, "clock_rate: given twice");
	LEG_ERR(&f, "name=a,latch", false, "'latch': expected key=value");
	LEG_ERR(&f, "name=a,,clock_rate=8000", false, "empty parameter");

	/* values out of range */
	LEG_ERR(&f, "name=a,ssrc_out=4294967296", false, "ssrc_out: '4294967296' is not 0 (keep)");
	LEG_ERR(&f, "name=a,ssrc_out=-1", false, "ssrc_out: '-1' is not");
	LEG_ERR(&f, "name=a,seq_offset=65536", false, "seq_offset: '65536' is not 0..65535");
	LEG_ERR(&f, "name=a,ts_offset=0x1g", false, "ts_offset: '0x1g' is not 0..4294967295");
	LEG_ERR(&f, "name=a,ts_offset=010", false, "ts_offset: '010' is not 0..4294967295");
	LEG_ERR(&f, "name=a,clock_rate=7999", false, "clock_rate: '7999' is not 8000..192000");
	LEG_ERR(&f, "name=a,clock_rate=192001", false, "clock_rate: '192001' is not");

	/* forward lists */
	LEG_ERR(&f, "name=a,forward=b+b", false, "forward: b listed twice");
	LEG_ERR(&f, "name=a,forward=b+c!", false, "forward: 'c!' is not a leg name");
	LEG_ERR(&f, "name=a,forward=+", false, "forward: '+': an empty name");
	LEG_ERR(&f, "name=a,forward=b1+b2+b3+b4+b5+b6+b7+b8+b9", false, "forward: more than 8 legs");

	LEG_ERR(&f, "name=a,transcode=n!b", false, "transcode: 'n!b' is not a profile name or none");
	{
		struct mr_ctl_msg m;
		char err[MR_CTL_ERR_LEN];
		int rc = leg_parse(&f, "name=a,transcode=none", false, &m, err);

		MR_TEST_ASSERT(rc == 0, "transcode=none: %d %s", rc, err);
		MR_TEST_EQ(m.leg.given, MR_LEG_F_TRANSCODE);
		MR_TEST_EQ(m.leg.transcode[0], '\0');
	}
	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, parse_leg_bad, test_ctl_parse_leg_bad);

static int
test_ctl_parse_dest(void)
{
	struct mr_ctl_msg m;
	char err[MR_CTL_ERR_LEN];
	int rc;

	memset(&m, 0, sizeof(m));
	rc = mr_ctl_parse_dest("leg=a,dest=b-2", &m, err, sizeof(err));
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_ASSERT(strcmp(m.name, "a") == 0 && strcmp(m.dest, "b-2") == 0,
		       "%s -> %s", m.name, m.dest);

	rc = mr_ctl_parse_dest("dest=b", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "leg: missing");
	rc = mr_ctl_parse_dest("leg=a", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "dest: missing");
	rc = mr_ctl_parse_dest("leg=a b,dest=c", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "leg: invalid name");
	rc = mr_ctl_parse_dest("leg=a,dest=c:d", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "dest: invalid name");
	rc = mr_ctl_parse_dest("leg=a,dest=a", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "dest: a leg cannot forward to itself");
	rc = mr_ctl_parse_dest("leg=a,dest=b,to=c", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "to: unknown key (keys: leg dest)");
	rc = mr_ctl_parse_dest("leg=a,dest=b,dest=c", &m, err, sizeof(err));
	EXPECT_ERR(rc, err, "dest: given twice");
	return 0;
}
MR_REGISTER_TEST(ctl, parse_dest, test_ctl_parse_dest);

/*
 * Replies that quote a parameter go through mr_ctl_json_safe(): DPDK
 * 22.11's JSON writer turns bytes >= 0x80 into invalid JSON, so they (and
 * control characters) leave as the text \xNN. tests/integration/
 * daemon_checks.py parses such replies from the real telemetry socket.
 */
static int
test_ctl_json_safe(void)
{
	char out[RTE_TEL_MAX_STRING_LEN];
	size_t i;

	mr_ctl_json_safe(out, sizeof(out), "name: no leg named a\x80z\xff");
	MR_TEST_ASSERT(strcmp(out, "name: no leg named a\\x80z\\xff") == 0, "%s", out);
	mr_ctl_json_safe(out, sizeof(out), "tab\there\x7f \"q\" \\");
	MR_TEST_ASSERT(strcmp(out, "tab\\x09here\\x7f \"q\" \\") == 0, "%s", out);
	/* every byte value: the result is printable ASCII only */
	for (i = 1; i < 256; i++) {
		char in[2] = {(char)i, '\0'};
		size_t k;

		mr_ctl_json_safe(out, sizeof(out), in);
		for (k = 0; out[k] != '\0'; k++)
			MR_TEST_ASSERT((unsigned char)out[k] >= 0x20 &&
				       (unsigned char)out[k] < 0x7f, "byte %zu -> %s", i, out);
		MR_TEST_EQ(strlen(out), i >= 0x20 && i < 0x7f ? 1 : 4);
	}
	/* truncation never splits an escape */
	mr_ctl_json_safe(out, 7, "ab\x80" "cd");
	MR_TEST_ASSERT(strcmp(out, "ab\\x80") == 0, "%s", out);
	mr_ctl_json_safe(out, 6, "ab\x80" "cd");
	MR_TEST_ASSERT(strcmp(out, "ab") == 0, "%s", out);
	mr_ctl_json_safe(out, 1, "abc");
	MR_TEST_ASSERT(out[0] == '\0', "%s", out);
	return 0;
}
MR_REGISTER_TEST(ctl, json_safe, test_ctl_json_safe);

static int
profile_parse(struct fix *f, const char *params, struct mr_ctl_msg *m, char *err)
{
	memset(m, 0, sizeof(*m));
	err[0] = '\0';
	return mr_ctl_parse_profile_set(&f->ctl, params, m, err, MR_CTL_ERR_LEN);
}

#define PROF_ERR(f, params, want) do { \
	struct mr_ctl_msg m_; \
	char e_[MR_CTL_ERR_LEN]; \
	int rc_ = profile_parse(f, params, &m_, e_); \
	EXPECT_ERR(rc_, e_, want); \
} while (0)

static int
test_ctl_parse_profile_set(void)
{
	struct mr_ctl_msg m;
	char err[MR_CTL_ERR_LEN];
	struct fix f;
	int rc;

	MR_TEST_ASSERT(fix_setup(&f, 1) == 0, "setup");

	rc = profile_parse(&f, "name=wb,bitrate=24000,complexity=9", &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.profile, 1);
	MR_TEST_ASSERT(strcmp(m.name, "wb") == 0, "name %s", m.name);
	MR_TEST_EQ(m.pgiven, MR_PROFILE_F_BITRATE | MR_PROFILE_F_COMPLEXITY);
	MR_TEST_EQ(m.prof.bitrate, 24000);
	MR_TEST_EQ(m.prof.complexity, 9);

	rc = profile_parse(&f, "name=wb,in=pcmu,out=opus,ptime=40,rate=16000", &m, err);
	MR_TEST_ASSERT(rc == 0, "rc %d: %s", rc, err);
	MR_TEST_EQ(m.pgiven, MR_PROFILE_F_IN | MR_PROFILE_F_OUT | MR_PROFILE_F_PTIME | MR_PROFILE_F_RATE);
	MR_TEST_EQ(m.prof.in_codec, MR_TC_CODEC_PCMU);
	MR_TEST_EQ(m.prof.out_codec, MR_TC_CODEC_OPUS);
	MR_TEST_EQ(m.prof.ptime_ms, 40);
	MR_TEST_EQ(m.prof.rate, 16000);

	PROF_ERR(&f, "bitrate=24000", "name: missing");
	PROF_ERR(&f, "name=nb,bitrate=24000", "name: no profile named 'nb' (configured: wb none)");
	PROF_ERR(&f, "name=wb", "profile_set: give at least one field");
	PROF_ERR(&f, "name=wb,gain=3", "gain: unknown key (keys: name in in_pt out");
	PROF_ERR(&f, "name=wb,fec=1,fec=0", "fec: given twice");
	PROF_ERR(&f, "name=wb,in=g729", "in: 'g729' is not opus, pcmu or pcma");
	PROF_ERR(&f, "name=wb,out=OPUS", "out: 'OPUS' is not opus, pcmu or pcma");
	PROF_ERR(&f, "name=wb,in_pt=128", "in_pt: '128' is not 0..127");
	PROF_ERR(&f, "name=wb,out_pt=999", "out_pt: '999' is not 0..127");
	PROF_ERR(&f, "name=wb,channels=3", "channels: '3' is not 1 or 2");
	PROF_ERR(&f, "name=wb,channels=0", "channels: '0' is not 1 or 2");
	PROF_ERR(&f, "name=wb,ptime=30", "ptime: '30' is not 10, 20, 40 or 60");
	PROF_ERR(&f, "name=wb,ptime=61", "ptime: '61' is not 10, 20, 40 or 60");
	PROF_ERR(&f, "name=wb,complexity=11", "complexity: '11' is not 0..10");
	PROF_ERR(&f, "name=wb,reorder=0", "reorder: '0' is not 1..8");
	PROF_ERR(&f, "name=wb,reorder=9", "reorder: '9' is not 1..8");
	PROF_ERR(&f, "name=wb,fec=2", "fec: '2' is not 0 or 1");
	PROF_ERR(&f, "name=wb,dtx=yes", "dtx: 'yes' is not 0 or 1");
	PROF_ERR(&f, "name=wb,bitrate=5999", "bitrate: '5999' is not 6000..510000");
	PROF_ERR(&f, "name=wb,bitrate=510001", "bitrate: '510001' is not 6000..510000");
	PROF_ERR(&f, "name=wb,rate=44100", "rate: '44100' is not 8000, 12000, 16000, 24000 or 48000");
	PROF_ERR(&f, "name=wb,loss_perc=101", "loss_perc: '101' is not 0..100");

	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, parse_profile_set, test_ctl_parse_profile_set);

/* Parse as the telemetry thread would, then apply as the main lcore. */
static int
run(struct mr_ctl *c, enum mr_ctl_op op, const char *params, struct mr_ctl_msg *m)
{
	char err[MR_CTL_ERR_LEN];
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->op = op;
	if (op == MR_CTL_OP_LEG_ADD || op == MR_CTL_OP_LEG_UPDATE)
		rc = mr_ctl_parse_leg(c, params, op == MR_CTL_OP_LEG_ADD, m, err, sizeof(err));
	else if (op == MR_CTL_OP_DEST_ADD || op == MR_CTL_OP_DEST_DELETE)
		rc = mr_ctl_parse_dest(params, m, err, sizeof(err));
	else
		snprintf(m->name, sizeof(m->name), "%s", params);
	if (rc != 0) {
		fprintf(stderr, "  parse '%s': %s\n", params, err);
		return rc;
	}
	mr_ctl_apply(c, m);
	return 0;
}

#define OUTCOME(m, want) \
	MR_TEST_ASSERT((m).status == 0 && (m).outcome != NULL && strcmp((m).outcome, want) == 0, \
		       "status %d (%s), outcome %s, expected %s", (m).status, (m).error, \
		       (m).outcome == NULL ? "(null)" : (m).outcome, want)

#define FAILED(m, st, want) do { \
	MR_TEST_EQ((m).status, st); \
	MR_TEST_ASSERT(strcmp((m).error, want) == 0, "error '%s', expected '%s'", \
		       (m).error, want); \
} while (0)

/* The fields leg_add/leg_update manage, compared one by one (no padding). */
static int
def_same(const struct mr_leg_def *a, const struct mr_leg_def *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->session, b->session) == 0 &&
		a->in_use == b->in_use && a->latch == b->latch && a->rewrite == b->rewrite &&
		mr_endpoint_equal(&a->local, &b->local) &&
		mr_endpoint_equal(&a->remote, &b->remote) && a->port_id == b->port_id &&
		a->n_fwd == b->n_fwd && a->n_refs == b->n_refs &&
		a->clock_rate == b->clock_rate && a->ssrc_out == b->ssrc_out &&
		a->seq_offset == b->seq_offset && a->ts_offset == b->ts_offset &&
		a->tc_profile == b->tc_profile &&
		memcmp(a->fwd, b->fwd, sizeof(a->fwd[0]) * a->n_fwd) == 0 &&
		memcmp(a->refs, b->refs, sizeof(a->refs[0]) * a->n_refs) == 0;
}

static int
test_ctl_apply_legs(void)
{
	struct mr_leg_def saved;
	struct mr_endpoint want;
	const struct mr_leg_def *da, *db, *dc;
	struct mr_ctl_msg m;
	int32_t ia, ib, ic;
	struct mr_streams *s;
	struct mr_ctl *c;
	struct fix f;

	MR_TEST_ASSERT(fix_setup(&f, 0) == 0, "setup");
	s = f.streams;
	c = fix_ctl(&f);
	MR_TEST_ASSERT(c != NULL, "mr_ctl_create: %d", rte_errno);

	/* a: fixed endpoints */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s1,local=10.0.0.1:30000,"
		       "remote=192.0.2.10:5000", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_ASSERT(strcmp(m.res.local, "10.0.0.1:30000") == 0, "local %s", m.res.local);
	ia = mr_sessions_leg_find(f.sessions, "a");
	MR_TEST_ASSERT(ia >= 0, "a not in the table");
	want = ep("10.0.0.1:30000");
	MR_TEST_EQ(mr_streams_leg_find(s, &want), ia);
	da = &s->defs[ia];
	MR_TEST_ASSERT(da->in_use && strcmp(da->session, "s1") == 0, "a: session %s", da->session);
	want = ep("192.0.2.10:5000");
	MR_TEST_ASSERT(mr_endpoint_equal(&da->remote, &want) && !da->latch, "a: remote");
	MR_TEST_EQ(da->port_id, 0);
	MR_TEST_EQ(da->clock_rate, 48000);
	MR_TEST_EQ(da->n_fwd, 0);
	MR_TEST_EQ(da->rewrite, false);
	MR_TEST_EQ(s->n_legs, 1);

	/* b: local port allocated from rtp_port_min on (30000 is a's), forwards to a */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=b,session=s1,local=10.0.0.1:auto,"
		       "remote=latch,forward=a,ssrc_out=7", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_ASSERT(strcmp(m.res.local, "10.0.0.1:30001") == 0, "local %s", m.res.local);
	ib = mr_sessions_leg_find(f.sessions, "b");
	MR_TEST_ASSERT(ib >= 0 && ib != ia, "b: %d", ib);
	db = &s->defs[ib];
	MR_TEST_EQ(rte_be_to_cpu_16(db->local.port), 30001);
	MR_TEST_EQ(db->latch, true);
	MR_TEST_EQ(db->n_fwd, 1);
	MR_TEST_EQ(db->fwd[0], ia);
	MR_TEST_EQ(db->ssrc_out, 7);
	MR_TEST_EQ(db->rewrite, true);
	MR_TEST_EQ(da->n_refs, 1);
	MR_TEST_EQ(da->refs[0], ib);

	/* c: another session, IPv6, also forwards to a */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=c,session=s2,local=[2001:db8::1]:30010,"
		       "remote=[2001:db8::99]:6000,forward=a", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_ASSERT(strcmp(m.res.local, "[2001:db8::1]:30010") == 0, "local %s", m.res.local);
	ic = mr_sessions_leg_find(f.sessions, "c");
	MR_TEST_ASSERT(ic >= 0, "c not in the table");
	dc = &s->defs[ic];
	MR_TEST_EQ(s->n_legs, 3);
	MR_TEST_EQ(da->n_refs, 2);

	/* the same leg_add again: accepted, nothing changes */
	saved = *da;
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s1,local=10.0.0.1:30000,"
		       "remote=192.0.2.10:5000", &m), 0);
	OUTCOME(m, "unchanged");
	MR_TEST_ASSERT(strcmp(m.res.local, "10.0.0.1:30000") == 0, "local %s", m.res.local);
	MR_TEST_EQ(mr_sessions_leg_find(f.sessions, "a"), ia);
	MR_TEST_ASSERT(def_same(da, &saved), "a changed by an identical leg_add");
	MR_TEST_EQ(s->n_legs, 3);
	/* b again with local=addr:auto: its allocated port is kept */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=b,session=s1,local=10.0.0.1:auto,"
		       "remote=latch,forward=a,ssrc_out=7", &m), 0);
	OUTCOME(m, "unchanged");
	MR_TEST_ASSERT(strcmp(m.res.local, "10.0.0.1:30001") == 0, "local %s", m.res.local);

	/* the same name with another definition: -EEXIST, nothing changes */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s1,local=10.0.0.1:30000,"
		       "remote=192.0.2.11:5000", &m), 0);
	FAILED(m, -EEXIST, "name: leg a exists with another remote; use leg_update");
	MR_TEST_ASSERT(def_same(da, &saved), "a changed by a failed leg_add");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s9,local=10.0.0.1:30000,"
		       "remote=192.0.2.10:5000", &m), 0);
	FAILED(m, -EEXIST, "name: leg a exists with another session; use leg_update");
	MR_TEST_ASSERT(def_same(da, &saved), "a changed by a failed leg_add");
	/* another name on a's endpoint */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=d,session=s1,local=10.0.0.1:30000,"
		       "remote=latch", &m), 0);
	FAILED(m, -EEXIST, "local: 10.0.0.1:30000 is already leg a's");
	MR_TEST_ASSERT(mr_sessions_leg_find(f.sessions, "d") < 0, "d was added");
	/* forward to a leg that does not exist */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=d,session=s1,local=10.0.0.1:30020,"
		       "remote=latch,forward=zz", &m), 0);
	FAILED(m, -ENOENT, "forward: no leg named zz");
	MR_TEST_ASSERT(mr_sessions_leg_find(f.sessions, "d") < 0, "d was added");
	MR_TEST_EQ(s->n_legs, 3);
	MR_TEST_ASSERT(def_same(da, &saved), "a changed");

	/* update one field: the others are kept */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=a,ssrc_out=1234", &m), 0);
	MR_TEST_EQ(m.leg.given, MR_LEG_F_SSRC);
	OUTCOME(m, "updated");
	MR_TEST_EQ(mr_sessions_leg_find(f.sessions, "a"), ia);
	MR_TEST_EQ(da->ssrc_out, 1234);
	MR_TEST_EQ(da->rewrite, true);
	saved.ssrc_out = 1234;
	saved.rewrite = true;
	MR_TEST_ASSERT(def_same(da, &saved), "leg_update ssrc_out changed other fields");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=a,ssrc_out=1234", &m), 0);
	OUTCOME(m, "unchanged");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=zz,clock_rate=8000", &m), 0);
	FAILED(m, -ENOENT, "name: no leg named zz");
	/* a's endpoint taken by c: refused, c unchanged */
	saved = *dc;
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=c,local=10.0.0.1:30000,"
		       "remote=192.0.2.12:6000", &m), 0);
	FAILED(m, -EEXIST, "local: 10.0.0.1:30000 is already leg a's");
	MR_TEST_ASSERT(def_same(dc, &saved), "c changed by a failed leg_update");

	/* dest_add / dest_delete: c -> b */
	MR_TEST_EQ(run(c, MR_CTL_OP_DEST_ADD, "leg=c,dest=b", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_EQ(dc->n_fwd, 2);
	MR_TEST_EQ(dc->fwd[0], ia);
	MR_TEST_EQ(dc->fwd[1], ib);
	MR_TEST_EQ(run(c, MR_CTL_OP_DEST_ADD, "leg=c,dest=b", &m), 0);
	OUTCOME(m, "unchanged");
	MR_TEST_EQ(dc->n_fwd, 2);
	MR_TEST_EQ(run(c, MR_CTL_OP_DEST_DELETE, "leg=c,dest=b", &m), 0);
	OUTCOME(m, "deleted");
	MR_TEST_EQ(dc->n_fwd, 1);
	MR_TEST_EQ(dc->fwd[0], ia);
	MR_TEST_EQ(run(c, MR_CTL_OP_DEST_DELETE, "leg=c,dest=b", &m), 0);
	FAILED(m, -ENOENT, "dest: b is not a destination of c");

	/* session_delete s1: a and b go, c stays without its forward to a */
	saved = *dc;
	MR_TEST_EQ(run(c, MR_CTL_OP_SESSION_DELETE, "s1", &m), 0);
	OUTCOME(m, "deleted");
	MR_TEST_EQ(m.res.legs_deleted, 2);
	MR_TEST_EQ(m.res.streams_deleted, 0);
	MR_TEST_ASSERT(mr_sessions_leg_find(f.sessions, "a") < 0, "a still there");
	MR_TEST_ASSERT(mr_sessions_leg_find(f.sessions, "b") < 0, "b still there");
	want = ep("10.0.0.1:30000");
	MR_TEST_EQ(mr_streams_leg_find(s, &want), -ENOENT);
	want = ep("10.0.0.1:30001");
	MR_TEST_EQ(mr_streams_leg_find(s, &want), -ENOENT);
	MR_TEST_EQ(s->n_legs, 1);
	MR_TEST_EQ(mr_sessions_leg_find(f.sessions, "c"), ic);
	MR_TEST_EQ(dc->n_fwd, 0);
	saved.n_fwd = 0;
	MR_TEST_ASSERT(def_same(dc, &saved), "c changed beyond its forward list");
	want = ep("[2001:db8::1]:30010");
	MR_TEST_EQ(mr_streams_leg_find(s, &want), ic);
	MR_TEST_EQ(run(c, MR_CTL_OP_SESSION_DELETE, "s1", &m), 0);
	FAILED(m, -ENOENT, "session: no leg in session s1");
	MR_TEST_EQ(s->n_legs, 1);

	/* the freed endpoint can be used again */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s3,local=10.0.0.1:30000,"
		       "remote=latch", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_EQ(s->n_legs, 2);
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_DELETE, "a", &m), 0);
	OUTCOME(m, "deleted");
	MR_TEST_EQ(m.res.legs_deleted, 1);
	MR_TEST_EQ(s->n_legs, 1);

	mr_ctl_destroy(c);
	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, apply_legs, test_ctl_apply_legs);

/*
 * What depends on the state is checked by the session model on the main
 * lcore, before anything changes: the same rules for the configuration.
 */
static int
test_ctl_apply_errors(void)
{
	struct mr_ctl_msg m;
	struct mr_ctl *c;
	struct fix f;

	MR_TEST_ASSERT(fix_setup(&f, 1) == 0, "setup");
	c = fix_ctl(&f);
	MR_TEST_ASSERT(c != NULL, "mr_ctl_create: %d", rte_errno);

	/* leg_add's required fields */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,local=10.0.0.1:30000,remote=latch", &m), 0);
	FAILED(m, -EINVAL, "session: missing (the session the leg belongs to)");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,remote=latch", &m), 0);
	FAILED(m, -EINVAL, "local: missing (addr:port, addr:auto or auto)");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.1:30000", &m), 0);
	FAILED(m, -EINVAL, "remote: missing (addr:port or latch)");
	/* addresses and ports of the port */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.2:30000,"
		       "remote=latch", &m), 0);
	FAILED(m, -EINVAL, "local: 10.0.0.2:30000: the address is not one of port 0's");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.1:29999,"
		       "remote=latch", &m), 0);
	FAILED(m, -EINVAL, "local: 10.0.0.1:29999: UDP port outside rtp_port_min..rtp_port_max "
	       "(30000..39999)");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.1:30000,"
		       "remote=[2001:db8::2]:5000", &m), 0);
	FAILED(m, -EINVAL, "remote: [2001:db8::2]:5000 is not of the local address's family");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,port=1,local=10.0.1.1:30000,"
		       "remote=latch", &m), 0);
	FAILED(m, -EINVAL, "port: 1 is not a configured, started port");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.1:30000,"
		       "remote=latch,forward=a", &m), 0);
	FAILED(m, -EINVAL, "forward: a leg cannot forward to itself");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=10.0.0.1:30000,"
		       "remote=latch,transcode=nb", &m), 0);
	FAILED(m, -ENOENT, "transcode: no profile named 'nb' (configured: wb none)");
	MR_TEST_EQ(f.streams->n_legs, 0);
	/* local=auto: the port's IPv4 address, a port allocated from the range */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=auto,remote=latch,"
		       "transcode=wb", &m), 0);
	OUTCOME(m, "added");
	MR_TEST_ASSERT(strcmp(m.res.local, "10.0.0.1:30000") == 0, "local %s", m.res.local);
	MR_TEST_EQ(m.res.tc_profile, 1);
	/* leg_update onto a port that is not set up, or an address not its own */
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=a,port=1", &m), 0);
	FAILED(m, -EINVAL, "port: 1 is not a configured, started port");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=a,local=10.0.1.1:30000", &m), 0);
	FAILED(m, -EINVAL, "local: 10.0.1.1:30000: the address is not one of port 0's");
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_UPDATE, "name=a,forward=a", &m), 0);
	FAILED(m, -EINVAL, "forward: a leg cannot forward to itself");
	MR_TEST_EQ(f.streams->n_legs, 1);
	mr_ctl_destroy(c);
	fix_free(&f);

	/* a relay without transcoder lcores takes only transcode=none */
	MR_TEST_ASSERT(fix_setup(&f, 0) == 0, "setup");
	c = fix_ctl(&f);
	MR_TEST_ASSERT(c != NULL, "mr_ctl_create: %d", rte_errno);
	MR_TEST_EQ(run(c, MR_CTL_OP_LEG_ADD, "name=a,session=s,local=auto,remote=latch,"
		       "transcode=wb", &m), 0);
	MR_TEST_EQ(m.status, -EINVAL);
	MR_TEST_ASSERT(strncmp(m.error, "transcode: 'wb': this relay has no transcoder lcores",
			       50) == 0, "%s", m.error);
	mr_ctl_destroy(c);
	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, apply_errors, test_ctl_apply_errors);

/*
 * counters_reset records each counter as the base telemetry subtracts;
 * port_stats_reset resets the relay's ports' own statistics (a net_ring
 * port here, whose PMD counts what it sends).
 */
static int
test_ctl_resets(void)
{
	struct rte_eth_conf conf = {0};
	struct rte_mbuf *bufs[5];
	struct rte_eth_stats st;
	struct rte_mempool *mp;
	struct mr_ctl_msg m;
	struct mr_ctl *c;
	struct fix f;
	uint16_t port;
	unsigned int n;

	MR_TEST_ASSERT(fix_setup(&f, 0) == 0, "setup");
	c = fix_ctl(&f);
	MR_TEST_ASSERT(c != NULL, "mr_ctl_create: %d", rte_errno);

	mr_counters[1].rx_pkts = 1234;
	mr_counters[1].drops[MR_DROP_NO_LEG] = 7;
	MR_TEST_EQ(run(c, MR_CTL_OP_COUNTERS_RESET, "", &m), 0);
	OUTCOME(m, "reset");
	MR_TEST_EQ(c->base[1].rx_pkts, 1234);
	MR_TEST_EQ(c->base[1].drops[MR_DROP_NO_LEG], 7);
	MR_TEST_EQ(mr_counters[1].rx_pkts, 1234);   /* the workers' own, untouched */

	/* no ports: nothing to reset, not an error */
	MR_TEST_EQ(run(c, MR_CTL_OP_PORT_STATS_RESET, "", &m), 0);
	OUTCOME(m, "reset");
	MR_TEST_EQ(m.ports_reset, 0);

	mp = rte_pktmbuf_pool_create("tctl_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	MR_TEST_ASSERT(mp != NULL, "pool");
	MR_TEST_ASSERT(rte_dev_probe("net_ring_tctl") == 0 &&
		       rte_eth_dev_get_port_by_name("net_ring_tctl", &port) == 0, "net_ring");
	MR_TEST_ASSERT(rte_eth_dev_configure(port, 1, 1, &conf) == 0 &&
		       rte_eth_rx_queue_setup(port, 0, 64, 0, NULL, mp) == 0 &&
		       rte_eth_tx_queue_setup(port, 0, 64, 0, NULL) == 0 &&
		       rte_eth_dev_start(port) == 0, "port start");
	MR_TEST_EQ(rte_pktmbuf_alloc_bulk(mp, bufs, RTE_DIM(bufs)), 0);
	MR_TEST_EQ(rte_eth_tx_burst(port, 0, bufs, RTE_DIM(bufs)), RTE_DIM(bufs));
	MR_TEST_EQ(rte_eth_stats_get(port, &st), 0);
	MR_TEST_EQ(st.opackets, RTE_DIM(bufs));
	f.relay->ports[0] = port;
	f.relay->n_ports = 1;
	MR_TEST_EQ(run(c, MR_CTL_OP_PORT_STATS_RESET, "", &m), 0);
	OUTCOME(m, "reset");
	MR_TEST_EQ(m.ports_reset, 1);
	MR_TEST_EQ(rte_eth_stats_get(port, &st), 0);
	MR_TEST_EQ(st.opackets, 0);

	/* the ring loops TX back to RX: take the packets back */
	n = rte_eth_rx_burst(port, 0, bufs, RTE_DIM(bufs));
	rte_pktmbuf_free_bulk(bufs, n);
	MR_TEST_EQ(n, RTE_DIM(bufs));
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_mempool_free(mp);
	mr_ctl_destroy(c);
	memset(&mr_counters[1], 0, sizeof(mr_counters[1]));
	fix_free(&f);
	return 0;
}
MR_REGISTER_EAL_TEST(ctl, resets, test_ctl_resets);
