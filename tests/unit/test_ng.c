/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_bencode.h"
#include "mr_ng.h"
#include "mr_sdp.h"
#include "mr_test.h"

#define NODES 256

static int
parse(const char *dict, struct mr_bencode_node *nodes, struct mr_ng_request *req,
      struct mr_ng_error *err)
{
	struct mr_bencode_error berr;

	if (mr_bencode_decode(dict, strlen(dict), nodes, NODES, 0, &berr) < 0) {
		snprintf(err->reason, sizeof(err->reason), "bencode: %s at %zu",
			 mr_bencode_strerror(berr.code), berr.offset);
		return -1000;
	}
	return mr_ng_parse_request(&nodes[0], req, err);
}

static bool
str_is(const struct mr_ng_str *s, const char *want)
{
	return s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

static int
test_ng_split(void)
{
	struct mr_ng_str cookie, payload;
	char longc[100];

	MR_TEST_EQ(mr_ng_split("5323_1 d7:command4:pinge", 24, &cookie, &payload), 0);
	MR_TEST_ASSERT(str_is(&cookie, "5323_1"), "cookie");
	MR_TEST_ASSERT(str_is(&payload, "d7:command4:pinge"), "payload");
	MR_TEST_EQ(mr_ng_split("abc ", 4, &cookie, &payload), 0);
	MR_TEST_EQ(payload.len, 0);
	MR_TEST_EQ(mr_ng_split("nospace", 7, &cookie, &payload), -EINVAL);
	MR_TEST_EQ(mr_ng_split(" d7:command4:pinge", 18, &cookie, &payload), -EINVAL);
	MR_TEST_EQ(mr_ng_split("a\tb de", 6, &cookie, &payload), -EINVAL);
	MR_TEST_EQ(mr_ng_split("", 0, &cookie, &payload), -EINVAL);
	memset(longc, 'c', sizeof(longc));
	longc[MR_NG_COOKIE_MAX] = ' ';
	MR_TEST_EQ(mr_ng_split(longc, sizeof(longc), &cookie, &payload), 0);
	MR_TEST_EQ(cookie.len, MR_NG_COOKIE_MAX);
	longc[MR_NG_COOKIE_MAX] = 'c';
	longc[MR_NG_COOKIE_MAX + 1] = ' ';
	MR_TEST_EQ(mr_ng_split(longc, sizeof(longc), &cookie, &payload), -EINVAL);
	return 0;
}

static int
test_ng_request_offer(void)
{
	static struct mr_bencode_node nodes[NODES];
	struct mr_ng_request req;
	struct mr_ng_error err = { "" };
	char msg[1024];

	/* keys in Kamailio's order (unsorted), one spelled with spaces */
	{
		struct mr_bencode_enc e;

		mr_bencode_enc_init(&e, msg, sizeof(msg));
		mr_bencode_enc_dict(&e);
		mr_bencode_enc_kv_cstr(&e, "sdp", "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n");
		mr_bencode_enc_kv_cstr(&e, "call-id", "abc@host1");
		mr_bencode_enc_kv_cstr(&e, "from-tag", "ft01");
		mr_bencode_enc_kv_cstr(&e, "via-branch", "z9hG4");
		mr_bencode_enc_cstr(&e, "flags");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "trust-address");
		mr_bencode_enc_cstr(&e, "Symmetric");
		mr_bencode_enc_cstr(&e, "replace-origin");
		mr_bencode_enc_cstr(&e, "codec-strip-G729");
		mr_bencode_enc_cstr(&e, "codec-except-telephone-event");
		mr_bencode_enc_cstr(&e, "rtcp-mux-reject");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_cstr(&e, "replace");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "session connection");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_cstr(&e, "received-from");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "IP4");
		mr_bencode_enc_cstr(&e, "192.0.2.33");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_kv_cstr(&e, "ICE", "remove");
		mr_bencode_enc_kv_cstr(&e, "transport protocol", "RTP/SAVP");
		mr_bencode_enc_cstr(&e, "rtcp-mux");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "accept");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_cstr(&e, "codec");
		mr_bencode_enc_dict(&e);
		mr_bencode_enc_cstr(&e, "strip");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "opus/48000/2");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_end(&e);
		mr_bencode_enc_cstr(&e, "supports");
		mr_bencode_enc_list(&e);
		mr_bencode_enc_cstr(&e, "load limit");
		mr_bencode_enc_end(&e);
		mr_bencode_enc_kv_cstr(&e, "command", "offer");
		mr_bencode_enc_end(&e);
		MR_TEST_ASSERT(mr_bencode_enc_finish(&e) > 0, "encode");
		msg[e.len] = '\0';
	}
	MR_TEST_ASSERT(parse(msg, nodes, &req, &err) == 0, "parse: %s", err.reason);
	MR_TEST_EQ(req.cmd, MR_NG_CMD_OFFER);
	MR_TEST_ASSERT(str_is(&req.call_id, "abc@host1") && str_is(&req.from_tag, "ft01") &&
		       str_is(&req.via_branch, "z9hG4") && req.to_tag.p == NULL, "ids");
	MR_TEST_EQ(req.flags, MR_NG_FLAG(TRUST_ADDRESS) | MR_NG_FLAG(SYMMETRIC));
	MR_TEST_EQ(req.replace, MR_NG_REPLACE_ORIGIN | MR_NG_REPLACE_SESSION_CONN);
	MR_TEST_EQ(req.rtcp_mux, MR_NG_RTCP_MUX_REJECT | MR_NG_RTCP_MUX_ACCEPT);
	MR_TEST_EQ(req.ice, MR_NG_ICE_REMOVE);
	MR_TEST_EQ(req.transport, MR_NG_TRANSPORT_RTP_SAVP);
	MR_TEST_ASSERT(strcmp(mr_ng_transport_name(req.transport), "RTP/SAVP") == 0, "name");
	MR_TEST_EQ(req.received_from.family, 4);
	MR_TEST_EQ(req.received_from.ip[3], 33);
	MR_TEST_EQ(req.n_codec, 3);
	MR_TEST_EQ(req.codec[0].op, MR_NG_CODEC_STRIP);
	MR_TEST_ASSERT(str_is(&req.codec[0].name, "G729"), "strip G729");
	MR_TEST_EQ(req.codec[1].op, MR_NG_CODEC_EXCEPT);
	MR_TEST_ASSERT(str_is(&req.codec[1].name, "telephone-event"), "dash inside a codec");
	MR_TEST_EQ(req.codec[2].op, MR_NG_CODEC_STRIP);
	MR_TEST_ASSERT(str_is(&req.codec[2].name, "opus/48000/2"), "strip by dictionary");
	MR_TEST_ASSERT(req.sdp.len == 29, "sdp length %zu", req.sdp.len);
	return 0;
}

/* One refused request: the reason must name what was refused. */
static int
refused(const char *dict, const char *reason)
{
	static struct mr_bencode_node nodes[NODES];
	struct mr_ng_request req;
	struct mr_ng_error err = { "" };
	int rc = parse(dict, nodes, &req, &err);

	MR_TEST_ASSERT(rc == -EINVAL, "rc %d for %s", rc, dict);
	MR_TEST_ASSERT(strcmp(err.reason, reason) == 0, "reason '%s', want '%s'", err.reason,
		       reason);
	return 0;
}

#define REFUSED(d, r) do { if (refused(d, r) != 0) return -1; } while (0)

static int
test_ng_request_refused(void)
{
	static struct mr_bencode_node nodes[NODES];
	struct mr_ng_request req;
	struct mr_ng_error err;

	REFUSED("le", "the message is not a dictionary");
	REFUSED("d4:spam4:eggse", "no 'command' key");
	REFUSED("d7:commandi1ee", "key 'command' must be a string");
	REFUSED("d7:command4:pinfe", "unsupported command 'pinf'");
	REFUSED("d7:command15:start recordinge", "unsupported command 'start recording'");
	REFUSED("d7:command4:ping4:spam4:eggse", "unsupported key 'spam'");
	REFUSED("d7:command6:delete7:call-id1:x5:flagsl8:fatalityee",
		"unsupported flag 'fatality'");
	REFUSED("d7:command6:delete7:call-id1:x5:flags5:fatale", "key 'flags' must be a list");
	REFUSED("d7:command6:delete7:call-id1:x5:flagsli1eee",
		"key 'flags' must be a list of strings");
	REFUSED("d7:command6:delete8:from-tag1:xe", "delete without 'call-id'");
	REFUSED("d7:command5:query7:call-idi5ee", "key 'call-id' must be a string");
	REFUSED("d7:command5:offer7:call-id1:x8:from-tag1:ye", "offer without 'sdp'");
	REFUSED("d7:command6:answer7:call-id1:x8:from-tag1:y3:sdp3:v=0e",
		"answer without 'to-tag'");
	REFUSED("d7:command4:ping3:ICE5:forcee", "unsupported ICE 'force' (only 'remove')");
	REFUSED("d7:command4:ping18:transport-protocol16:UDP/TLS/RTP/SAVPe",
		"unsupported transport-protocol 'UDP/TLS/RTP/SAVP'");
	REFUSED("d7:command4:ping7:replacel8:usernameee", "unsupported replace 'username'");
	REFUSED("d7:command4:ping8:rtcp-muxl3:maxee", "unsupported rtcp-mux 'max'");
	REFUSED("d7:command4:ping5:codecd3:setl4:opuseee", "unsupported codec operation 'set'");
	REFUSED("d7:command4:ping5:codecl4:opusee", "key 'codec' must be a dictionary");
	REFUSED("d7:command4:ping13:received-froml4:IPv49:127.0.0.1ee",
		"received-from family 'IPv4' is not IP4 or IP6");
	REFUSED("d7:command4:ping13:received-froml3:IP43:::1ee",
		"received-from address '::1' is not an IP4 address");
	REFUSED("d7:command4:ping13:received-froml3:IP4ee", "key 'received-from' must be [family, address]");
	REFUSED("d7:command4:ping11:record-call3:yese", "unsupported record-call 'yes'");
	REFUSED("d7:command4:ping4:SDESl3:off6:pad-meee", "unsupported sdes 'pad-me'");
	/* what mrelay cannot do is refused by name, not ignored */
	REFUSED("d7:command4:ping5:label1:xe", "unsupported key 'label'");
	REFUSED("d7:command4:ping5:flagsl14:media-handoveree", "unsupported flag 'media-handover'");
	REFUSED("d7:command4:ping5:flagsl13:port-latchingee", "unsupported flag 'port-latching'");
	REFUSED("d7:command4:ping5:flagsl12:single-codecee", "unsupported flag 'single-codec'");
	REFUSED("d7:command4:ping5:flagsl16:codec-offer-PCMAee",
		"unsupported flag 'codec-offer-PCMA'");
	REFUSED("d7:command4:ping5:codecd5:offerl4:opuseee", "unsupported codec operation 'offer'");
	REFUSED("d7:command4:ping9:directionl3:pub4:priv1:xee",
		"direction takes 2 interfaces (the offerer's, the other party's)");
	REFUSED("d7:command4:ping8:rtcp-muxl5:demuxee", "unsupported rtcp-mux 'demux'");
	REFUSED("d7:command4:list5:limiti0ee", "limit must be > 0");
	REFUSED("d7:command6:delete7:call-id1:x12:delete-delayi-1ee", "delete-delay must be >= 0");
	/* what goes back to the client is printable and short */
	REFUSED("d7:command4:ping5:flagsl6:a\x01'\xff\n!ee", "unsupported flag 'a??\?\?!'");
	REFUSED("d7:command4:ping5:flagsl50:01234567890123456789012345678901234567890123456789ee",
		"unsupported flag '0123456789012345678901234567890123456789...'");

	/* what is accepted without a behaviour of its own */
	MR_TEST_ASSERT(parse("d7:command4:ping11:record-call2:no4:DTLS3:off4:SDESl2:noee",
			     nodes, &req, &err) == 0, "%s", err.reason);
	MR_TEST_ASSERT(parse("d7:command6:delete7:call-id1:x5:flagsl5:fatalee", nodes, &req,
			     &err) == 0 && req.flags == MR_NG_FLAG(FATAL), "delete fatal");
	MR_TEST_ASSERT(parse("d7:command4:list5:limiti7ee", nodes, &req, &err) == 0 &&
		       req.limit == 7, "list limit");
	MR_TEST_ASSERT(parse("d7:command10:statisticse", nodes, &req, &err) == 0 &&
		       req.cmd == MR_NG_CMD_STATISTICS, "statistics");
	return 0;
}

/* A handler that counts its calls and answers with a key of its own. */
struct fake_session {
	unsigned int calls;
	int fail;
	size_t pad;   /* bytes of padding to put in the reply */
};

static int
count_handler(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	      struct mr_ng_error *err)
{
	struct fake_session *s = ctx;
	static char pad[70000];

	s->calls++;
	if (s->fail)
		return mr_ng_fail(err, "no such call '%.*s'", (int)req->call_id.len,
				  req->call_id.p);
	mr_bencode_enc_kv_int(reply, "calls", s->calls);
	if (s->pad > 0) {
		memset(pad, 'p', sizeof(pad));
		mr_bencode_enc_kv_str(reply, "pad", pad, s->pad);
	}
	return 0;
}

static int
process(struct mr_ng *ng, const struct mr_ng_peer *peer, const char *msg, char *out,
	size_t cap, uint64_t now)
{
	int n = mr_ng_process(ng, peer, msg, strlen(msg), out, cap - 1, now);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

static int
test_ng_process(void)
{
	struct fake_session fs = { 0 };
	struct mr_ng_conf conf = { .cache_ttl_ms = 1000, .ctx = &fs };
	struct mr_ng_peer a = { .ip = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 }, .port = 5000 };
	struct mr_ng_peer b = a;
	const struct mr_ng_stats *st;
	char out[MR_NG_MSG_MAX + 1];
	char errbuf[128];
	struct mr_ng *ng;
	const char *query = "c1 d7:command5:query7:call-id4:abcde";
	int rc = -1;

	conf.handlers[MR_NG_CMD_QUERY] = count_handler;
	ng = mr_ng_create(&conf, errbuf, sizeof(errbuf));
	MR_TEST_ASSERT(ng != NULL, "create: %s", errbuf);
	st = mr_ng_get_stats(ng);
	b.port = 5001;

	MR_TEST_EQ(process(ng, &a, "5323_1 d7:command4:pinge", out, sizeof(out), 0), 23);
	MR_TEST_ASSERT(strcmp(out, "5323_1 d6:result4:ponge") == 0, "pong: %s", out);
	MR_TEST_EQ(process(ng, &a, query, out, sizeof(out), 0), 27);
	MR_TEST_ASSERT(strcmp(out, "c1 d6:result2:ok5:callsi1ee") == 0, "query: %s", out);
	/* a retransmission: same bytes, the handler does not run again */
	MR_TEST_EQ(process(ng, &a, query, out, sizeof(out), 999), 27);
	MR_TEST_ASSERT(strcmp(out, "c1 d6:result2:ok5:callsi1ee") == 0, "cached: %s", out);
	MR_TEST_EQ(fs.calls, 1);
	MR_TEST_EQ(st->c[MR_NG_C_CACHE_HITS], 1);
	/* the same cookie from another peer is another request */
	process(ng, &b, query, out, sizeof(out), 999);
	MR_TEST_ASSERT(strcmp(out, "c1 d6:result2:ok5:callsi2ee") == 0, "other peer: %s", out);
	/* after the TTL the cookie is new again */
	process(ng, &a, query, out, sizeof(out), 1000);
	MR_TEST_ASSERT(strcmp(out, "c1 d6:result2:ok5:callsi3ee") == 0, "expired: %s", out);
	MR_TEST_EQ(st->commands[MR_NG_CMD_QUERY], 3);

	/* errors: the handler's reason, a command nobody handles, bad bencode */
	fs.fail = 1;
	process(ng, &a, "c2 d7:command5:query7:call-id4:zzzze", out, sizeof(out), 0);
	MR_TEST_ASSERT(strcmp(out, "c2 d12:error-reason19:no such call 'zzzz'6:result5:errore")
		       == 0, "handler error: %s", out);
	process(ng, &a, "c2 d7:command5:query7:call-id4:zzzze", out, sizeof(out), 10);
	MR_TEST_EQ(fs.calls, 4);  /* the error was cached too */
	fs.fail = 0;
	process(ng, &a, "c3 d7:command6:delete7:call-id1:xe", out, sizeof(out), 0);
	MR_TEST_ASSERT(strstr(out, "command 'delete' is not available") != NULL, "%s", out);
	process(ng, &a, "c4 d7:command4:pingxe", out, sizeof(out), 0);
	MR_TEST_ASSERT(strcmp(out, "c4 d12:error-reason60:malformed bencode at byte 16: "
			      "dictionary key is not a string6:result5:errore") == 0, "bad bencode: %s", out);
	process(ng, &a, "c5 d7:command4:ping3:foo3:bare", out, sizeof(out), 0);
	MR_TEST_ASSERT(strstr(out, "unsupported key 'foo'") != NULL, "%s", out);
	MR_TEST_EQ(st->c[MR_NG_C_BAD_BENCODE], 1);
	MR_TEST_EQ(st->c[MR_NG_C_BAD_REQUEST], 1);
	/* no cookie: no reply at all */
	MR_TEST_EQ(process(ng, &a, "d7:command4:pinge", out, sizeof(out), 0), 0);
	MR_TEST_EQ(st->c[MR_NG_C_DROP_NO_COOKIE], 1);
	/* a reply that does not fit becomes an error that does */
	fs.pad = 66000;
	process(ng, &a, "c6 d7:command5:query7:call-id1:xe", out, sizeof(out), 0);
	MR_TEST_ASSERT(strcmp(out, "c6 d12:error-reason15:reply too large6:result5:errore") == 0,
		       "too big: %s", out);
	MR_TEST_EQ(st->c[MR_NG_C_REPLY_TOO_BIG], 1);
	fs.pad = 0;
	MR_TEST_EQ(mr_ng_process(ng, &a, "c7 d7:command4:pinge", 19, out, 5, 0), -ENOSPC);
	MR_TEST_EQ(st->c[MR_NG_C_REPLIED_OK] + st->c[MR_NG_C_REPLIED_ERROR] +
		   st->c[MR_NG_C_CACHE_HITS] + st->c[MR_NG_C_DROP_NO_COOKIE] + 1,
		   st->c[MR_NG_C_RECEIVED]);
	rc = 0;
	mr_ng_free(ng);
	return rc;
}

/* The reply the counting handler gives on its @p calls-th run for cookie k<j>. */
static int
expected_reply(char *want, size_t cap, unsigned int j, unsigned int calls)
{
	size_t plen = (j * 37) % 90;
	int n = snprintf(want, cap, "k%u d6:result2:ok5:callsi%ue", j, calls);

	if (plen > 0)
		n += snprintf(want + n, cap - (size_t)n, "3:pad%zu:", plen);
	return n;
}

static int
test_ng_cache_eviction(void)
{
	struct fake_session fs = { 0 };
	struct mr_ng_conf conf = {
		.cache_entries = 8, .cache_bytes = 300, .cache_ttl_ms = 100000, .ctx = &fs,
	};
	struct mr_ng_peer p = { .ip = { [15] = 1 }, .port = 9 };
	char out[1024], msg[128], want[128];
	unsigned int i, j, calls[100], hits = 0, misses = 0;
	struct mr_ng *ng;

	conf.handlers[MR_NG_CMD_QUERY] = count_handler;
	ng = mr_ng_create(&conf, NULL, 0);
	MR_TEST_ASSERT(ng != NULL, "create");
	/* 100 requests with replies of 30..120 bytes through a 300-byte arena */
	for (i = 0; i < 100; i++) {
		fs.pad = (i * 37) % 90;
		snprintf(msg, sizeof(msg), "k%u d7:command5:query7:call-id1:xe", i);
		MR_TEST_ASSERT(process(ng, &p, msg, out, sizeof(out), i) > 0, "request %u", i);
		calls[i] = fs.calls;
		MR_TEST_ASSERT(mr_ng_cache_used(ng) <= 8, "entries");
		/* every entry still cached reads back byte for byte; a miss runs the handler */
		for (j = i + 1; j-- > 0 && j + 10 > i;) {
			unsigned int before = fs.calls;
			int n = expected_reply(want, sizeof(want), j, calls[j]);

			fs.pad = (j * 37) % 90;
			snprintf(msg, sizeof(msg), "k%u d7:command5:query7:call-id1:xe", j);
			MR_TEST_ASSERT(process(ng, &p, msg, out, sizeof(out), i) > 0, "again %u", j);
			if (fs.calls != before) {
				MR_TEST_ASSERT(j != i, "the newest reply %u was not cached", i);
				calls[j] = fs.calls;
				misses++;
				continue;
			}
			hits++;
			MR_TEST_ASSERT(strncmp(out, want, (size_t)n) == 0 &&
				       strlen(out) == (size_t)n + (j * 37) % 90 + 1,
				       "entry %u read back as %s, want %s", j, out, want);
		}
	}
	/* both paths ran: the arena wrapped and evicted, and kept what fit */
	MR_TEST_ASSERT(hits > 100 && misses > 100, "hits %u misses %u", hits, misses);
	mr_ng_free(ng);
	return 0;
}

static int
test_ng_acl(void)
{
	struct mr_ng_conf conf = { .acl = { "10.1.0.0/16", "2001:db8::/32", "127.0.0.1" },
				   .n_acl = 3 };
	struct mr_ng_peer in4 = { .ip = { [10] = 0xff, [11] = 0xff, 10, 1, 200, 3 } };
	struct mr_ng_peer out4 = { .ip = { [10] = 0xff, [11] = 0xff, 10, 2, 0, 1 } };
	struct mr_ng_peer lo = { .ip = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 } };
	struct mr_ng_peer in6 = { .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 } };
	struct mr_ng_peer out6 = { .ip = { 0x20, 0x01, 0x0d, 0xb9, [15] = 7 } };
	char out[256], errbuf[128];
	struct mr_ng *ng = mr_ng_create(&conf, errbuf, sizeof(errbuf));
	const char *ping = "x d7:command4:pinge";

	MR_TEST_ASSERT(ng != NULL, "create: %s", errbuf);
	MR_TEST_ASSERT(process(ng, &in4, ping, out, sizeof(out), 0) > 0, "10.1.200.3");
	MR_TEST_ASSERT(process(ng, &lo, ping, out, sizeof(out), 0) > 0, "127.0.0.1");
	MR_TEST_ASSERT(process(ng, &in6, ping, out, sizeof(out), 0) > 0, "2001:db8::7");
	MR_TEST_EQ(process(ng, &out4, ping, out, sizeof(out), 0), 0);
	MR_TEST_EQ(process(ng, &out6, ping, out, sizeof(out), 0), 0);
	MR_TEST_EQ(mr_ng_get_stats(ng)->c[MR_NG_C_DROP_ACL], 2);
	mr_ng_free(ng);

	conf.acl[0] = "10.1.0.0/33";
	MR_TEST_ASSERT(mr_ng_create(&conf, errbuf, sizeof(errbuf)) == NULL, "bad prefix");
	MR_TEST_ASSERT(strstr(errbuf, "10.1.0.0/33") != NULL, "message: %s", errbuf);
	conf.acl[0] = "host.example/8";
	MR_TEST_ASSERT(mr_ng_create(&conf, NULL, 0) == NULL, "host name");
	return 0;
}

static int
test_ng_hostport(void)
{
	struct mr_ng_addr a;
	uint16_t port;

	MR_TEST_EQ(mr_ng_parse_hostport("127.0.0.1:2223", &a, &port, true), 0);
	MR_TEST_ASSERT(a.family == 4 && port == 2223 && a.ip[0] == 127, "v4");
	MR_TEST_EQ(mr_ng_parse_hostport("[::1]:2223", &a, &port, true), 0);
	MR_TEST_ASSERT(a.family == 6 && port == 2223 && a.ip[15] == 1, "v6");
	MR_TEST_EQ(mr_ng_parse_hostport("::1", &a, &port, false), 0);
	MR_TEST_ASSERT(a.family == 6 && port == 0, "bare v6");
	MR_TEST_EQ(mr_ng_parse_hostport("::1", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("127.0.0.1", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("127.0.0.1:65536", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("127.0.0.1:-1", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("127.0.0.1:", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("[::1]x", &a, &port, false), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("[::1", &a, &port, false), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("localhost:1", &a, &port, true), -EINVAL);
	MR_TEST_EQ(mr_ng_parse_hostport("", &a, &port, false), -EINVAL);
	return 0;
}

/* Send @p msg to the server, poll it, read the reply. */
static int
udp_roundtrip(struct mr_ng *ng, int family, const char *msg, char *reply, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct pollfd pfd;
	int fd, polled = 0, i;
	ssize_t n = -1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(mr_ng_port(ng));
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(mr_ng_port(ng));
		sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&ss, sl) < 0)
		goto out;
	/* the server side is non-blocking: poll it until it has read the datagram */
	for (i = 0; i < 100 && polled == 0; i++) {
		pfd.fd = mr_ng_fd(ng);
		pfd.events = POLLIN;
		poll(&pfd, 1, 10);
		polled = mr_ng_poll(ng, 0, 8);
	}
	if (polled <= 0)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) == 1)
		n = recv(fd, reply, cap - 1, 0);
	if (n >= 0)
		reply[n] = '\0';
out:
	close(fd);
	return (int)n;
}

static int
test_ng_udp(void)
{
	struct mr_ng_conf conf = { 0 };
	char errbuf[160], reply[256];
	struct mr_ng *ng = mr_ng_create(&conf, errbuf, sizeof(errbuf));
	int rc;

	MR_TEST_ASSERT(ng != NULL, "create: %s", errbuf);
	MR_TEST_EQ(mr_ng_fd(ng), -1);
	MR_TEST_EQ(mr_ng_poll(ng, 0, 1), -EBADF);
	MR_TEST_EQ(mr_ng_listen(ng, "127.0.0.1", errbuf, sizeof(errbuf)), -EINVAL);
	MR_TEST_ASSERT(strstr(errbuf, "IPv4:port") != NULL, "%s", errbuf);
	MR_TEST_EQ(mr_ng_listen(ng, "127.0.0.1:0", errbuf, sizeof(errbuf)), 0);
	MR_TEST_ASSERT(mr_ng_port(ng) != 0, "ephemeral port");
	MR_TEST_EQ(mr_ng_poll(ng, 0, 4), 0);   /* nothing waiting: does not block */
	rc = udp_roundtrip(ng, AF_INET, "u1 d7:command4:pinge", reply, sizeof(reply));
	MR_TEST_ASSERT(rc > 0 && strcmp(reply, "u1 d6:result4:ponge") == 0, "v4 pong: %s",
		       reply);
	mr_ng_free(ng);

	ng = mr_ng_create(&conf, errbuf, sizeof(errbuf));
	MR_TEST_ASSERT(ng != NULL, "create");
	if (mr_ng_listen(ng, "[::1]:0", errbuf, sizeof(errbuf)) < 0) {
		mr_ng_free(ng);
		MR_TEST_SKIP("IPv4 checked; no IPv6 loopback here: %s", errbuf);
	}
	rc = udp_roundtrip(ng, AF_INET6, "u2 d7:command4:pinge", reply, sizeof(reply));
	MR_TEST_ASSERT(rc > 0 && strcmp(reply, "u2 d6:result4:ponge") == 0, "v6 pong: %s",
		       reply);
	mr_ng_free(ng);
	return 0;
}

/* A request Kamailio 5.6 sent in a SIPp call (tests/ng/, tools/kamailio/record-ng.py). */
static int
load_fixture(const char *name, char *buf, size_t cap, size_t *len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/ng/%s.bencode", MR_SOURCE_ROOT, name);
	f = fopen(path, "rb");
	MR_TEST_ASSERT(f != NULL, "cannot open %s", path);
	*len = fread(buf, 1, cap, f);
	fclose(f);
	MR_TEST_ASSERT(*len > 0 && *len < cap, "%s: %zu bytes", path, *len);
	return 0;
}

/* A handler that rewrites the offer's SDP the way the session layer will. */
static int
sdp_handler(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	    struct mr_ng_error *err)
{
	struct mr_sdp *sdp = ctx;
	struct mr_sdp_media_rewrite mr[MR_SDP_MAX_MEDIA];
	struct mr_sdp_rewrite rw = { .addr = "198.51.100.1", .family = 4, .media = mr };
	struct mr_sdp_error serr;
	static char out[4096];
	unsigned int m;
	int n;

	if (mr_sdp_parse(sdp, req->sdp.p, req->sdp.len, &serr) < 0)
		return mr_ng_fail(err, "SDP line %d: %s", serr.line, serr.msg);
	rw.origin = (req->replace & MR_NG_REPLACE_ORIGIN) != 0;
	rw.session_conn = (req->replace & MR_NG_REPLACE_SESSION_CONN) != 0;
	rw.ice_remove = req->ice == MR_NG_ICE_REMOVE;
	rw.n_media = sdp->n_media;
	for (m = 0; m < sdp->n_media; m++) {
		mr_sdp_media_rewrite_init(&mr[m]);
		mr[m].port = 40000 + 2 * (int)m;
	}
	n = mr_sdp_write(sdp, &rw, out, sizeof(out), &serr);
	if (n < 0)
		return mr_ng_fail(err, "SDP rewrite: %s", serr.msg);
	mr_bencode_enc_kv_str(reply, "sdp", out, (size_t)n);
	return 0;
}

static int
test_ng_kamailio_fixtures(void)
{
	static struct mr_bencode_node nodes[NODES];
	static char buf[8192], msg[8200], out[8192];
	static struct mr_sdp sdp;
	static const char *const names[] = {
		"kamailio_ping", "kamailio_offer", "kamailio_answer", "kamailio_delete",
		"kamailio_default_offer", "kamailio_default_answer", "kamailio_default_delete",
	};
	static const enum mr_ng_command cmds[] = {
		MR_NG_CMD_PING, MR_NG_CMD_OFFER, MR_NG_CMD_ANSWER, MR_NG_CMD_DELETE,
		MR_NG_CMD_OFFER, MR_NG_CMD_ANSWER, MR_NG_CMD_DELETE,
	};
	struct mr_ng_conf conf = { .ctx = &sdp };
	struct mr_ng_peer peer = { .ip = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 }, .port = 1 };
	struct mr_ng_request req;
	struct mr_ng_error err = { "" };
	struct mr_ng *ng;
	unsigned int i;
	size_t len, pre;
	int n;

	conf.handlers[MR_NG_CMD_OFFER] = sdp_handler;
	conf.handlers[MR_NG_CMD_ANSWER] = sdp_handler;
	ng = mr_ng_create(&conf, NULL, 0);
	MR_TEST_ASSERT(ng != NULL, "create");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool mrelay_flags = strstr(names[i], "default") == NULL;

		if (load_fixture(names[i], buf, sizeof(buf), &len) != 0)
			return -1;
		MR_TEST_ASSERT(mr_bencode_decode(buf, len, nodes, NODES, 0, NULL) > 0, "%s", names[i]);
		MR_TEST_ASSERT(mr_ng_parse_request(&nodes[0], &req, &err) == 0, "%s: %s", names[i],
			       err.reason);
		MR_TEST_EQ(req.cmd, cmds[i]);
		if (req.cmd == MR_NG_CMD_PING)
			continue;
		/* what the module sends whatever the flags */
		MR_TEST_ASSERT(req.call_id.len > 0 && req.from_tag.len > 0, "%s: ids", names[i]);
		MR_TEST_ASSERT(req.received_from.family == 4 && req.received_from.ip[0] == 127,
			       "%s: received-from", names[i]);
		/* delete names no to-tag; answer does */
		MR_TEST_EQ(req.to_tag.p != NULL, req.cmd == MR_NG_CMD_ANSWER);
		MR_TEST_EQ(req.sdp.p != NULL, req.cmd != MR_NG_CMD_DELETE);
		if (req.cmd != MR_NG_CMD_DELETE && mrelay_flags) {
			MR_TEST_EQ(req.flags, MR_NG_FLAG(TRUST_ADDRESS));
			MR_TEST_EQ(req.replace, MR_NG_REPLACE_ORIGIN | MR_NG_REPLACE_SESSION_CONN);
			MR_TEST_EQ(req.ice, MR_NG_ICE_REMOVE);
		} else {
			MR_TEST_EQ(req.flags | req.replace | req.ice, 0);
		}
		/* the whole path: framing, parse, handler, reply */
		pre = (size_t)snprintf(msg, sizeof(msg), "k%u ", i);
		memcpy(msg + pre, buf, len);
		n = mr_ng_process(ng, &peer, msg, pre + len, out, sizeof(out) - 1, 0);
		MR_TEST_ASSERT(n > 0, "%s: process", names[i]);
		out[n] = '\0';
		if (req.cmd == MR_NG_CMD_DELETE) {
			MR_TEST_ASSERT(strstr(out, "command 'delete' is not available") != NULL,
				       "%s", out);
			continue;
		}
		MR_TEST_ASSERT(strstr(out, "6:result2:ok") != NULL, "%s: %s", names[i], out);
		MR_TEST_ASSERT(strstr(out, "m=audio 40000 RTP/AVP ") != NULL,
			       "%s: m= not rewritten: %s", names[i], out);
		/* replace-session-connection: the session c=; without: a media c= of its own */
		MR_TEST_EQ(strstr(out, "c=IN IP4 198.51.100.1\r\nt=0 0\r\n") != NULL, mrelay_flags);
		MR_TEST_EQ(strstr(out, "RTP/AVP 8 101\r\nc=IN IP4 198.51.100.1\r\n") != NULL ||
			   strstr(out, "RTP/AVP 0\r\nc=IN IP4 198.51.100.1\r\n") != NULL, !mrelay_flags);
		MR_TEST_EQ(strstr(out, "o=user1 53655765 2353687637 IN IP4 198.51.100.1\r\n") != NULL,
			   mrelay_flags);
	}
	mr_ng_free(ng);
	return 0;
}

MR_REGISTER_TEST(ng, split, test_ng_split);
MR_REGISTER_TEST(ng, request_offer, test_ng_request_offer);
MR_REGISTER_TEST(ng, request_refused, test_ng_request_refused);
MR_REGISTER_TEST(ng, process, test_ng_process);
MR_REGISTER_TEST(ng, cache_eviction, test_ng_cache_eviction);
MR_REGISTER_TEST(ng, acl, test_ng_acl);
MR_REGISTER_TEST(ng, hostport, test_ng_hostport);
MR_REGISTER_TEST(ng, udp, test_ng_udp);
MR_REGISTER_TEST(ng, kamailio_fixtures, test_ng_kamailio_fixtures);
