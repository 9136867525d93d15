/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for the ng handler path: whole requests through
 * mr_ng_process() into lib/ngcall's handlers, on a real lib/session model
 * (streams, sessions, a relay without workers; EAL with --no-huge
 * --no-shconf).
 *
 * Input: up to MAX_REQ bencoded request dictionaries separated by NUL
 * bytes (an SDP with a NUL is refused anyway). Each gets a fresh cookie,
 * the clock moves 700 ms per request (idle expiry at 3 s runs too), and
 * after each: the reply is a bencoded dictionary with a result, and the
 * call table's legs are the model's legs (no leg lost or leaked). After
 * the input, every call left is deleted through the protocol ("list",
 * then "delete" for each call-id): no call, leg or port may remain.
 * Invariants are checked with abort() whatever NDEBUG says.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "mr_bencode.h"
#include "mr_ng.h"
#include "mr_ngcall.h"

/* says which, so a failure at start-up (no input, no artifact) is not silent */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)
#define NODES 1024
#define MAX_REQ 16
#define CALLS_MAX 8

static struct mr_streams *streams;
static struct mr_sessions *sessions;
static struct mr_ngcall *calls;
static struct mr_ng *ng;
static uint64_t now_ms = 1000;
static uint64_t serial;
static struct mr_bencode_node nodes[NODES];
static char msg[MR_NG_MSG_MAX + 32];
static char out[MR_NG_MSG_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Profiles for codec-transcode (PCMU 0 <-> opus 96, PCMA 8 <-> opus 97);
 * the model only checks that transcoder lcores exist: no packet flows.
 */
static void
set_profiles(struct mr_relay *relay)
{
	static const char names[4][MR_STREAM_NAME_LEN] = {"u2o", "o2u", "a2o", "o2a"};
	static const char *const kv[4][6] = {
		{"in", "pcmu", "out", "opus", "out_pt", "96"},
		{"in", "opus", "out", "pcmu", "in_pt", "96"},
		{"in", "pcma", "out", "opus", "out_pt", "97"},
		{"in", "opus", "out", "pcma", "in_pt", "97"},
	};
	struct mr_tc_profile p[4] = {0};
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		uint32_t given = 0;

		for (j = 0; j < 6; j += 2)
			CHECK(mr_profile_spec_set(&p[i], &given, kv[i][j], kv[i][j + 1], NULL,
						  0) == 0);
		mr_profile_spec_new(&p[i], given);
	}
	CHECK(mr_sessions_profiles_set(sessions, names, p, 4, NULL) == 0);
	relay->n_tc = 1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[48];
	static char *eal[] = {"fuzz_ngcall", "--no-huge", "--no-shconf", "-m", "256", "--no-pci",
			      "-l", "0", "--log-level", "*:error", "--file-prefix", prefix, NULL};
	struct mr_streams_params sp = {
		.name = "fzngc", .legs_max = 4 * CALLS_MAX * MR_NGCALL_MEDIA_MAX,
		.streams_max = 64, .max_threads = RTE_MAX_LCORE,
	};
	struct mr_port_facts pf = {.present = true, .has_ipv4 = true, .has_ipv6 = true};
	struct mr_ng_conf nc = {.cache_entries = 64, .cache_bytes = 1 << 18, .max_nodes = NODES};
	struct mr_relay *relay;
	char err[160];

	(void)argc;
	(void)argv;
	/* one prefix per process: runs in parallel (-jobs) do not meet */
	snprintf(prefix, sizeof(prefix), "fuzz_ngcall_%d", (int)getpid());
	CHECK(rte_eal_init(RTE_DIM(eal) - 1, eal) >= 0);
	sp.socket_id = (int)rte_socket_id();
	relay = calloc(1, sizeof(*relay));
	streams = mr_streams_create(&sp);
	CHECK(relay != NULL && streams != NULL);
	CHECK(mr_endpoint_parse_addr("10.0.0.1", &pf.ipv4) == 0 &&
	      mr_endpoint_parse_addr("2001:db8::1", &pf.ipv6) == 0);
	relay->streams = streams;
	sessions = mr_sessions_create(&(struct mr_sessions_params){
		.streams = streams, .relay = relay, .rtp_port_min = 30000, .rtp_port_max = 30999,
	});
	CHECK(sessions != NULL && mr_sessions_port_set(sessions, 0, &pf) == 0);
	set_profiles(relay);
	calls = mr_ngcall_create(&(struct mr_ngcall_params){
		.sessions = sessions, .streams = streams, .relay = relay, .port = 0,
		.calls_max = CALLS_MAX,
		.idle_ms = 3000, .check_ms = 1000,
	}, err, sizeof(err));
	CHECK(calls != NULL);
	mr_ngcall_handlers(calls, &nc);
	ng = mr_ng_create(&nc, err, sizeof(err));
	CHECK(ng != NULL);
	return 0;
}

/* One request behind a fresh cookie; the reply's dictionary decoded into nodes[]. */
static void
request(const char *body, size_t len)
{
	static const struct mr_ng_peer peer = {.ip = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1},
					       .port = 5060};
	const struct mr_ngcall_stats *st = mr_ngcall_get_stats(calls);
	int c, n;

	c = snprintf(msg, sizeof(msg), "fz%llu ", (unsigned long long)++serial);
	if (len > sizeof(msg) - (size_t)c)
		len = sizeof(msg) - (size_t)c;
	memcpy(msg + c, body, len);
	now_ms += 700;
	mr_ngcall_tick(calls, now_ms);
	n = mr_ng_process(ng, &peer, msg, (size_t)c + len, out, sizeof(out), now_ms);
	/* a cookie always gets a reply: "<cookie> d...e" with a result */
	CHECK(n > c && (size_t)n <= sizeof(out) && memcmp(out, msg, (size_t)c) == 0);
	CHECK(mr_bencode_decode(out + c, (size_t)(n - c), nodes, NODES, 0, NULL) > 0);
	CHECK(nodes[0].type == MR_BENCODE_DICT && mr_bencode_dict_get(&nodes[0], "result"));
	/* every leg of the model is one of the calls' (nothing else makes legs here) */
	CHECK(st->legs == streams->n_legs && st->calls <= CALLS_MAX);
	CHECK(st->legs <= st->calls * 2 * MR_NGCALL_MEDIA_MAX);
}

/* Delete every call through the protocol; then nothing may be left. */
static void
delete_all(void)
{
	static char ids[CALLS_MAX][MR_NGCALL_CALL_ID_MAX];
	static size_t id_len[CALLS_MAX];
	static const char list[] = "d7:command4:list5:limiti100ee";
	const struct mr_ngcall_stats *st = mr_ngcall_get_stats(calls);
	const struct mr_bencode_node *l, *e;
	unsigned int n = 0, i;

	request(list, sizeof(list) - 1);
	l = mr_bencode_dict_get(&nodes[0], "calls");
	CHECK(l != NULL && l->type == MR_BENCODE_LIST);
	for (e = mr_bencode_first(l); e != NULL; e = mr_bencode_next(l, e)) {
		CHECK(e->type == MR_BENCODE_STR && e->u.s.len <= MR_NGCALL_CALL_ID_MAX);
		CHECK(n < CALLS_MAX);
		memcpy(ids[n], e->u.s.p, e->u.s.len);
		id_len[n++] = e->u.s.len;
	}
	CHECK(n == st->calls);
	for (i = 0; i < n; i++) {
		char body[MR_NGCALL_CALL_ID_MAX + 64];
		const char *res;
		size_t res_len;
		int h = snprintf(body, sizeof(body), "d7:call-id%zu:", id_len[i]);

		memcpy(body + h, ids[i], id_len[i]);
		memcpy(body + h + id_len[i], "7:command6:deletee", 18);
		request(body, (size_t)h + id_len[i] + 18);
		CHECK(mr_bencode_get_str(mr_bencode_dict_get(&nodes[0], "result"), &res,
					 &res_len) == 0 && res_len == 2 && memcmp(res, "ok", 2) == 0);
	}
	CHECK(st->calls == 0 && st->legs == 0 && streams->n_legs == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	unsigned int k;

	for (k = 0; k < MAX_REQ && p < end; k++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = (size_t)((nul != NULL ? nul : end) - p);

		request(p, len);
		p += len + 1;
	}
	delete_all();
	return 0;
}
