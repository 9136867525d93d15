/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * ng calls on the session model: call-ids to sessions, tags to parties,
 * media sections to pairs of legs; the SDP rewritten with the legs' local
 * endpoints; idle calls deleted.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <rte_byteorder.h>

#include "mr_ngcall.h"
#include "mr_sdp.h"

#define NO_CALL (-1)
#define SWEEP_PERIOD_MS 10
#define SDP_OUT_MAX MR_SDP_MAX_LEN
#define LIST_DEFAULT 32

static const char *const counter_names[MR_NGCALL_C_MAX] = {
#define MR_NGCALL_C_NAME(e, s) [MR_NGCALL_C_##e] = s,
	MR_NGCALL_COUNTERS(MR_NGCALL_C_NAME)
#undef MR_NGCALL_C_NAME
};

/* An SDES key mrelay made for what it sends to one party (RFC 4568). */
struct sdes_out {
	uint8_t suite;               /* enum mr_srtp_suite; NONE: not made */
	uint32_t tag;                /* the a=crypto tag it answers or offers */
	char inline_key[72];         /* "inline:BASE64" */
};

/* codec-transcode of one media section (offer), and whether the answer took it. */
struct media_tc {
	uint16_t fwd, back;          /* profiles (1-based): offerer -> X, X -> offerer; 0: none */
	uint8_t pt;                  /* X's payload type, added to the offer */
	uint8_t in_pt;               /* the offerer's payload type transcoded from and to */
	bool on;                     /* the answer took X: the legs transcode */
};

struct party {
	bool known;
	uint16_t tag_len;
	char tag[MR_NGCALL_TAG_MAX];
};

struct call {
	bool in_use;
	uint16_t id_len;
	char id[MR_NGCALL_CALL_ID_MAX];
	char session[24];            /* "ng" and a 64-bit serial */
	struct party party[2];
	uint8_t n_media;             /* media sections of the last offer */
	uint8_t with_legs;           /* bit m: media m has its two legs */
	uint16_t n_legs;
	int64_t created_unix;
	int64_t signal_unix;
	uint64_t last_signal_ms;
	uint64_t last_media_ms;
	uint64_t next_check_ms;
	uint64_t delete_at_ms;       /* 0: no delete-delay pending */
	uint64_t pkts_seen;          /* the legs' packets at the last check */
	/* per party and media: the profile it speaks (enum mr_ng_transport) */
	uint8_t proto[2][MR_NGCALL_MEDIA_MAX];
	/* per party and media: the key mrelay protects what it sends there with */
	struct sdes_out sdes[2][MR_NGCALL_MEDIA_MAX];
	struct media_tc tc[MR_NGCALL_MEDIA_MAX];  /* of the last offer */
	uint8_t tc_party;            /* who offered it: its leg takes fwd */
	uint32_t hash;
	int32_t next;                /* hash chain */
};

struct mr_ngcall {
	struct mr_ngcall_params p;
	struct call *calls;
	int32_t *buckets;
	uint32_t n_buckets;          /* a power of two */
	uint32_t free_rover;
	uint32_t sweep_pos;
	uint32_t sweep_slots;        /* slots visited per sweep period */
	uint64_t next_sweep_ms;
	uint64_t now_ms;
	uint64_t serial;
	struct mr_ngcall_stats stats;
	struct mr_sdp *sdp;
	char *sdp_out;
};

/* What one request does to one media section. */
struct media_plan {
	bool active;                 /* port != 0: legs wanted */
	bool latch;                  /* the sender's remote is learned */
	struct mr_endpoint remote;   /* else this */
	uint8_t family;              /* of the sender's leg (4 or 6) */
	uint32_t clock_rate;         /* 0: leave the legs' */
	uint64_t pt_keep[2];
	bool filter;
	uint8_t proto;               /* the sender's profile (enum mr_ng_transport) */
	uint8_t out_proto;           /* the other party's (offer: transport-protocol) */
	/* the sender's a=crypto (RTP/SAVP): its tag, suite and key parameters */
	uint32_t crypto_tag;
	uint8_t crypto_suite;
	struct mr_sdp_span crypto_key;
	/* the keys mrelay sends with, after the request: [0] the sender, [1] the other */
	struct sdes_out sdes[2];
	struct media_tc tc;          /* codec-transcode: the profiles, the payload types */
	struct mr_sdp_fmt_add add;   /* the codec it adds to the offer */
};

const char *
mr_ngcall_counter_name(enum mr_ngcall_counter c)
{
	return (unsigned int)c < MR_NGCALL_C_MAX ? counter_names[c] : NULL;
}

const struct mr_ngcall_stats *
mr_ngcall_get_stats(const struct mr_ngcall *c)
{
	return &c->stats;
}

static uint32_t
id_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

struct mr_ngcall *
mr_ngcall_create(const struct mr_ngcall_params *p, char *err, size_t errlen)
{
	struct mr_ngcall *c;
	uint32_t i;

	if (p == NULL || p->sessions == NULL || p->streams == NULL || p->calls_max == 0 ||
	    p->calls_max > (1u << 24)) {
		snprintf(err, errlen, "ng calls: bad parameters (calls_max 1..%u)", 1u << 24);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->p = *p;
	if (c->p.check_ms == 0) {
		c->p.check_ms = c->p.idle_ms / 4;
		if (c->p.check_ms < 1000)
			c->p.check_ms = 1000;
		if (c->p.check_ms > 15000)
			c->p.check_ms = 15000;
	}
	for (c->n_buckets = 16; c->n_buckets < 2 * p->calls_max; )
		c->n_buckets <<= 1;
	/* the whole table once a second */
	c->sweep_slots = p->calls_max / (1000 / SWEEP_PERIOD_MS) + 1;
	c->calls = calloc(p->calls_max, sizeof(*c->calls));
	c->buckets = malloc(sizeof(*c->buckets) * c->n_buckets);
	c->sdp = malloc(sizeof(*c->sdp));
	c->sdp_out = malloc(SDP_OUT_MAX);
	if (c->calls == NULL || c->buckets == NULL || c->sdp == NULL || c->sdp_out == NULL)
		goto nomem;
	for (i = 0; i < c->n_buckets; i++)
		c->buckets[i] = NO_CALL;
	return c;
nomem:
	mr_ngcall_free(c);
	snprintf(err, errlen, "ng calls: out of memory for %u calls", p->calls_max);
	return NULL;
}

void
mr_ngcall_free(struct mr_ngcall *c)
{
	if (c == NULL)
		return;
	free(c->calls);
	free(c->buckets);
	free(c->sdp);
	free(c->sdp_out);
	free(c);
}

/* ---------- the call table ---------- */

static struct call *
call_find(const struct mr_ngcall *c, const struct mr_ng_str *id)
{
	uint32_t h = id_hash(id->p, id->len);
	int32_t i;

	for (i = c->buckets[h & (c->n_buckets - 1)]; i != NO_CALL; i = c->calls[i].next) {
		struct call *k = &c->calls[i];

		if (k->hash == h && k->id_len == id->len && memcmp(k->id, id->p, id->len) == 0)
			return k;
	}
	return NULL;
}

static struct call *
call_new(struct mr_ngcall *c, const struct mr_ng_str *id)
{
	uint32_t i, slot, b;
	struct call *k;

	if (c->stats.calls >= c->p.calls_max)
		return NULL;
	for (i = 0; i < c->p.calls_max; i++) {
		slot = (c->free_rover + i) % c->p.calls_max;
		if (!c->calls[slot].in_use)
			break;
	}
	c->free_rover = slot + 1;
	k = &c->calls[slot];
	memset(k, 0, sizeof(*k));
	k->in_use = true;
	k->id_len = (uint16_t)id->len;
	memcpy(k->id, id->p, id->len);
	snprintf(k->session, sizeof(k->session), "ng%llu", (unsigned long long)++c->serial);
	k->created_unix = (int64_t)time(NULL);
	k->signal_unix = k->created_unix;
	k->last_signal_ms = c->now_ms;
	k->last_media_ms = c->now_ms;
	k->next_check_ms = c->now_ms + c->p.check_ms;
	k->hash = id_hash(id->p, id->len);
	b = k->hash & (c->n_buckets - 1);
	k->next = c->buckets[b];
	c->buckets[b] = (int32_t)slot;
	c->stats.calls++;
	return k;
}

static void
call_unlink(struct mr_ngcall *c, struct call *k)
{
	int32_t slot = (int32_t)(k - c->calls);
	int32_t *link = &c->buckets[k->hash & (c->n_buckets - 1)];

	while (*link != slot)
		link = &c->calls[*link].next;
	*link = k->next;
	c->stats.legs -= k->n_legs;
	k->in_use = false;
	c->stats.calls--;
}

/* Delete the call's session and forget the call. */
static void
call_delete(struct mr_ngcall *c, struct call *k, enum mr_ngcall_counter why)
{
	struct mr_sessions_result res;
	char e[160];

	/* -ENOENT: the legs went already (e.g. an operator's session_delete) */
	mr_sessions_session_delete(c->p.sessions, k->session, &res, e, sizeof(e));
	call_unlink(c, k);
	c->stats.c[why]++;
}

int
mr_ngcall_session_of(const struct mr_ngcall *c, const char *call_id, size_t len, char *out,
		     size_t outlen)
{
	struct mr_ng_str id = {call_id, len};
	const struct call *k = call_find(c, &id);

	if (k == NULL)
		return -ENOENT;
	snprintf(out, outlen, "%s", k->session);
	return 0;
}

static int
party_of(const struct call *k, const struct mr_ng_str *tag)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (k->party[i].known && k->party[i].tag_len == tag->len &&
		    memcmp(k->party[i].tag, tag->p, tag->len) == 0)
			return (int)i;
	return -1;
}

static void
party_set(struct call *k, unsigned int i, const struct mr_ng_str *tag)
{
	k->party[i].known = true;
	k->party[i].tag_len = (uint16_t)tag->len;
	memcpy(k->party[i].tag, tag->p, tag->len);
}

static void
leg_name(const struct call *k, unsigned int party, unsigned int m, char *out)
{
	snprintf(out, MR_STREAM_NAME_LEN, "%s.%c%u", k->session, 'a' + party, m);
}

/* The slot of leg (party, m), or -ENOENT. */
static int32_t
leg_idx(const struct mr_ngcall *c, const struct call *k, unsigned int party, unsigned int m)
{
	char name[MR_STREAM_NAME_LEN];

	leg_name(k, party, m, name);
	return mr_sessions_leg_find(c->p.sessions, name);
}

static const struct mr_leg_def *
leg_def(const struct mr_ngcall *c, const struct call *k, unsigned int party, unsigned int m)
{
	int32_t idx = leg_idx(c, k, party, m);

	return idx < 0 ? NULL : &c->p.streams->defs[idx];
}

/* ---------- checks of a request, before anything changes ---------- */

/* A name from the request, printable, for an error reason. */
static void
shown(const struct mr_ng_str *s, char *out, size_t outlen)
{
	size_t i, n = s->len < outlen - 4 ? s->len : outlen - 4;

	for (i = 0; i < n; i++)
		out[i] = (s->p[i] >= 0x20 && s->p[i] < 0x7f && s->p[i] != '\'') ? s->p[i] : '?';
	if (n < s->len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static int
check_ids(const struct mr_ng_request *req, struct mr_ng_error *err)
{
	if (req->call_id.p != NULL && (req->call_id.len == 0 ||
				       req->call_id.len > MR_NGCALL_CALL_ID_MAX))
		return mr_ng_fail(err, "call-id must be 1..%d bytes", MR_NGCALL_CALL_ID_MAX);
	if (req->from_tag.p != NULL && (req->from_tag.len == 0 ||
					req->from_tag.len > MR_NGCALL_TAG_MAX))
		return mr_ng_fail(err, "from-tag must be 1..%d bytes", MR_NGCALL_TAG_MAX);
	if (req->to_tag.p != NULL && (req->to_tag.len == 0 || req->to_tag.len > MR_NGCALL_TAG_MAX))
		return mr_ng_fail(err, "to-tag must be 1..%d bytes", MR_NGCALL_TAG_MAX);
	return 0;
}

static bool
span_is(const struct mr_sdp *sdp, struct mr_sdp_span s, const char *text)
{
	return s.len == strlen(text) && memcmp(mr_sdp_ptr(sdp, s), text, s.len) == 0;
}

static bool
name_is(const struct mr_ng_str *s, const char *text)
{
	size_t i;

	if (s->len != strlen(text))
		return false;
	for (i = 0; i < s->len; i++) {
		char a = s->p[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != text[i])
			return false;
	}
	return true;
}

/* The transcoder's codec of a name ("opus", "PCMU/8000", ...), or MR_TC_CODEC__MAX. */
static enum mr_tc_codec
tc_codec_of(const char *p, size_t len)
{
	static const char *const names[MR_TC_CODEC__MAX] = {
		[MR_TC_CODEC_OPUS] = "opus/48000", [MR_TC_CODEC_PCMU] = "pcmu/8000",
		[MR_TC_CODEC_PCMA] = "pcma/8000",
	};
	const char *slash = memchr(p, '/', len);
	size_t n = slash != NULL ? (size_t)(slash - p) : len;
	unsigned int i;

	for (i = 0; i < MR_TC_CODEC__MAX; i++) {
		size_t nl = strcspn(names[i], "/"), j;

		if (n != nl)
			continue;
		for (j = 0; j < n; j++)
			if ((p[j] | 0x20) != names[i][j])
				break;
		if (j < n)
			continue;
		/* "opus/48000[/2]", "PCMU/8000": the clock, when given, must be the codec's */
		if (slash != NULL && (len - n < 1 + strlen(names[i] + nl + 1) ||
				      memcmp(slash + 1, names[i] + nl + 1,
					     strlen(names[i] + nl + 1)) != 0))
			return MR_TC_CODEC__MAX;
		return (enum mr_tc_codec)i;
	}
	return MR_TC_CODEC__MAX;
}

static const char *
tc_rtpmap(enum mr_tc_codec codec)
{
	return codec == MR_TC_CODEC_OPUS ? "opus/48000/2" :
	       codec == MR_TC_CODEC_PCMU ? "PCMU/8000" : "PCMA/8000";
}

static bool
pt_in(const uint64_t *set, int pt)
{
	return pt >= 0 && (set[pt / 64] >> (pt % 64)) & 1;
}

/*
 * codec-transcode-X: a [profile] pair must take one of the offerer's
 * codecs (@p from: not stripped; masked ones count) to X and back, with
 * the same payload types both ways; X goes out with the profile's output
 * payload type. The answer turns transcoding on when it takes X and none of
 * the offerer's codecs.
 */
static int
plan_transcode(const struct mr_ngcall *c, const struct mr_sdp *sdp, unsigned int m,
	       const struct mr_ng_str *x, const uint64_t *from, struct media_plan *mp,
	       struct mr_ng_error *err)
{
	const struct mr_relay *r = c->p.relay;
	enum mr_tc_codec want = tc_codec_of(x->p, x->len);
	const struct mr_sdp_media *md = &sdp->media[m];
	char name[48];
	unsigned int f, i, j;

	shown(x, name, sizeof(name));
	if (want == MR_TC_CODEC__MAX)
		return mr_ng_fail(err, "media %u: codec-transcode-%s: mrelay transcodes opus/48000, "
				  "PCMU/8000 and PCMA/8000 only", m + 1, name);
	if (mp->tc.fwd != 0)
		return mr_ng_fail(err, "media %u: one codec-transcode per media section", m + 1);
	for (f = 0; f < md->n_fmt; f++) {
		struct mr_sdp_codec sc;

		/* the offer has it already: nothing to transcode */
		if (mr_sdp_codec(sdp, m, md->fmt_pt[f], &sc) == 0 &&
		    tc_codec_of(sc.name, strlen(sc.name)) == want && pt_in(mp->pt_keep, md->fmt_pt[f]))
			return 0;
	}
	for (f = 0; r != NULL && f < md->n_fmt; f++) {
		int pt = md->fmt_pt[f];
		struct mr_sdp_codec sc;
		enum mr_tc_codec have;

		if (!pt_in(from, pt) || mr_sdp_codec(sdp, m, pt, &sc) != 0)
			continue;
		have = tc_codec_of(sc.name, strlen(sc.name));
		for (i = 0; have != MR_TC_CODEC__MAX && i < r->n_profiles; i++) {
			const struct mr_tc_profile *a = &r->profiles[i];

			if (a->in_codec != have || a->in_pt != pt || a->out_codec != want)
				continue;
			for (j = 0; j < r->n_profiles; j++) {
				const struct mr_tc_profile *b = &r->profiles[j];

				if (b->in_codec != want || b->in_pt != a->out_pt ||
				    b->out_codec != have || b->out_pt != pt)
					continue;
				if (a->out_pt != pt && pt_in(mp->pt_keep, a->out_pt))
					return mr_ng_fail(err, "media %u: codec-transcode-%s: payload "
							  "type %u of profile %s is taken in the "
							  "offer", m + 1, name, a->out_pt,
							  mr_sessions_profile_name(c->p.sessions,
										   (uint16_t)(i + 1)));
				if (r->n_tc == 0)
					return mr_ng_fail(err, "media %u: codec-transcode-%s: this "
							  "relay has no transcoder lcores ([relay] "
							  "transcoders)", m + 1, name);
				mp->tc.fwd = (uint16_t)(i + 1);
				mp->tc.back = (uint16_t)(j + 1);
				mp->tc.pt = a->out_pt;
				mp->tc.in_pt = (uint8_t)pt;
				mp->add.pt = a->out_pt;
				mp->add.rtpmap = tc_rtpmap(want);
				return 0;
			}
		}
	}
	return mr_ng_fail(err, "media %u: codec-transcode-%s: no [profile] pair transcodes one "
			  "of the offer's codecs to it and back (same payload types both ways)",
			  m + 1, name);
}

/*
 * codec-strip / -except / -mask: which payload types of media m go out
 * (mask is strip for the SDP; the offerer may still send a masked codec,
 * which transcoding takes); codec-transcode: one more (plan_transcode()).
 */
static int
plan_codecs(const struct mr_ngcall *c, const struct mr_ng_request *req, const struct mr_sdp *sdp,
	    unsigned int m, bool offer, struct media_plan *mp, struct mr_ng_error *err)
{
	const struct mr_sdp_media *md = &sdp->media[m];
	uint64_t strip[2] = {0, 0}, except[2] = {0, 0}, mask[2] = {0, 0}, from[2] = {0, 0};
	bool all = false, mask_all = false;
	unsigned int i;
	int rc;

	mp->filter = false;
	if (req->n_codec == 0)
		return 0;
	for (i = 0; i < req->n_codec; i++) {
		const struct mr_ng_str *n = &req->codec[i].name;
		char name[48];

		switch (req->codec[i].op) {
		case MR_NG_CODEC_STRIP:
			if (name_is(n, "all"))
				all = true;
			else
				mr_sdp_match_codec(sdp, m, n->p, n->len, strip);
			break;
		case MR_NG_CODEC_EXCEPT:
			mr_sdp_match_codec(sdp, m, n->p, n->len, except);
			break;
		case MR_NG_CODEC_MASK:
			if (name_is(n, "all"))
				mask_all = true;
			else
				mr_sdp_match_codec(sdp, m, n->p, n->len, mask);
			break;
		case MR_NG_CODEC_TRANSCODE:
			break;
		default:
			shown(n, name, sizeof(name));
			return mr_ng_fail(err, "codec operation on '%s' is not supported "
					  "(strip, except, mask, transcode)", name);
		}
		if (!offer && (req->codec[i].op == MR_NG_CODEC_MASK ||
			       req->codec[i].op == MR_NG_CODEC_TRANSCODE)) {
			shown(n, name, sizeof(name));
			return mr_ng_fail(err, "codec-%s-%s in an answer (offers only)",
					  req->codec[i].op == MR_NG_CODEC_MASK ? "mask" : "transcode",
					  name);
		}
	}
	mp->pt_keep[0] = mp->pt_keep[1] = 0;
	for (i = 0; i < md->n_fmt; i++) {
		int pt = md->fmt_pt[i];
		bool kept;

		if (pt < 0)
			continue;
		kept = all ? pt_in(except, pt) : !pt_in(strip, pt);
		if (kept)
			from[pt / 64] |= UINT64_C(1) << (pt % 64);
		if (kept && !mask_all && !pt_in(mask, pt))
			mp->pt_keep[pt / 64] |= UINT64_C(1) << (pt % 64);
	}
	for (i = 0; i < req->n_codec; i++) {
		if (req->codec[i].op != MR_NG_CODEC_TRANSCODE)
			continue;
		rc = plan_transcode(c, sdp, m, &req->codec[i].name, from, mp, err);
		if (rc < 0)
			return rc;
	}
	if (mp->pt_keep[0] == 0 && mp->pt_keep[1] == 0 && mp->tc.fwd == 0)
		return mr_ng_fail(err, "media %u: the codec flags strip every codec", m + 1);
	mp->filter = true;
	return 0;
}

/* The clock rate of the section's first payload type, when the model takes it. */
static uint32_t
first_clock(const struct mr_sdp *sdp, unsigned int m)
{
	struct mr_sdp_codec codec;

	if (sdp->media[m].n_fmt == 0 ||
	    mr_sdp_codec(sdp, m, sdp->media[m].fmt_pt[0], &codec) != 0)
		return 0;
	return codec.clock_rate >= 8000 && codec.clock_rate <= 192000 ? codec.clock_rate : 0;
}

static void
endpoint_of(uint8_t family, const uint8_t *ip, uint16_t port, struct mr_endpoint *ep)
{
	if (family == 4) {
		uint32_t v4;

		memcpy(&v4, ip, 4);
		mr_endpoint_set_v4(ep, v4, rte_cpu_to_be_16(port));
	} else {
		mr_endpoint_set_v6(ep, ip, rte_cpu_to_be_16(port));
	}
}

static bool
ip_is_zero(const uint8_t *ip, uint8_t family)
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, family == 4 ? 4 : 16) == 0;
}

/* ---------- SDES (RFC 4568): the a=crypto of a section ---------- */

static bool
proto_srtp(unsigned int t)
{
	return t == MR_NG_TRANSPORT_RTP_SAVP || t == MR_NG_TRANSPORT_RTP_SAVPF;
}

/* The RTP profile of section m (enum mr_ng_transport), or KEEP when not one of the four. */
static uint8_t
proto_of(const struct mr_sdp *sdp, unsigned int m)
{
	unsigned int t;

	for (t = MR_NG_TRANSPORT_RTP_AVP; t <= MR_NG_TRANSPORT_RTP_SAVPF; t++)
		if (span_is(sdp, sdp->media[m].proto, mr_ng_transport_name(t)))
			return (uint8_t)t;
	return MR_NG_TRANSPORT_KEEP;
}

/* The next blank-separated word of [*p, end), advancing *p past it. */
static struct mr_ng_str __rte_unused
next_word(const char **p, const char *end)
{
	struct mr_ng_str w;

	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	w.p = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	w.len = (size_t)(*p - w.p);
	return w;
}

#ifdef MR_HAVE_SRTP
static enum mr_srtp_suite
suite_of(const struct mr_ng_str *w)
{
	char name[40];

	if (w->len == 0 || w->len >= sizeof(name))
		return MR_SRTP_SUITE_NONE;
	memcpy(name, w->p, w->len);
	name[w->len] = '\0';
	return mr_srtp_suite_parse(name);
}
#endif

/* "SUITE inline:..." of the sender's key, for mr_leg_spec_set(). */
static int
crypto_text(const struct mr_sdp *sdp, const struct media_plan *mp, char *out, size_t outlen)
{
#ifdef MR_HAVE_SRTP
	int n = snprintf(out, outlen, "%s %.*s", mr_srtp_suite_name(mp->crypto_suite),
			 (int)mp->crypto_key.len, mr_sdp_ptr(sdp, mp->crypto_key));

	return n > 0 && (size_t)n < outlen ? 0 : -E2BIG;
#else
	RTE_SET_USED(sdp);
	RTE_SET_USED(mp);
	RTE_SET_USED(outlen);
	out[0] = '\0';
	return -ENOTSUP;
#endif
}

/*
 * The a=crypto lines of RTP/SAVP section m: the first one whose suite
 * mrelay supports is the sender's key. Its key parameters must be one
 * inline key without lifetime or MKI, and no session parameters follow
 * (UNENCRYPTED_SRTP, KDR, ... change how SRTP runs; mrelay runs it one way).
 * Error reasons never quote a key.
 */
static int
plan_crypto(const struct mr_sdp *sdp, unsigned int m, struct media_plan *mp,
	    struct mr_ng_error *err)
{
#ifdef MR_HAVE_SRTP
	const struct mr_sdp_media *md = &sdp->media[m];
	struct mr_ng_str first_suite = {NULL, 0};
	char name[48], text[160], e[128];
	unsigned int i;

	for (i = md->first_line; i < (unsigned int)md->first_line + md->n_lines; i++) {
		const struct mr_sdp_line *l = &sdp->lines[i];
		const char *p = mr_sdp_ptr(sdp, l->arg), *end = p + l->arg.len;
		struct mr_ng_str tag, suite, key, rest;
		struct mr_leg_spec scratch;
		enum mr_srtp_suite s;
		unsigned long t;
		size_t j;
		int rc;

		if (l->type != 'a' || l->attr != MR_SDP_ATTR_CRYPTO)
			continue;
		tag = next_word(&p, end);
		suite = next_word(&p, end);
		key = next_word(&p, end);
		rest = next_word(&p, end);
		if (tag.len == 0 || tag.len > 9 || suite.len == 0 || key.len == 0)
			return mr_ng_fail(err, "media %u: a=crypto is not 'tag suite key-params'",
					  m + 1);
		for (j = 0, t = 0; j < tag.len; j++) {
			if (tag.p[j] < '0' || tag.p[j] > '9')
				return mr_ng_fail(err, "media %u: a=crypto tag is not a number",
						  m + 1);
			t = t * 10 + (unsigned long)(tag.p[j] - '0');
		}
		s = suite_of(&suite);
		if (s == MR_SRTP_SUITE_NONE) {
			if (first_suite.p == NULL)
				first_suite = suite;
			continue;
		}
		if (rest.len != 0) {
			shown(&rest, name, sizeof(name));
			return mr_ng_fail(err, "media %u: a=crypto session parameter '%s' is not "
					  "supported", m + 1, name);
		}
		if (key.len < 7 || memcmp(key.p, "inline:", 7) != 0)
			return mr_ng_fail(err, "media %u: a=crypto key method is not 'inline'",
					  m + 1);
		if (memchr(key.p, ';', key.len) != NULL)
			return mr_ng_fail(err, "media %u: a=crypto with several keys is not "
					  "supported", m + 1);
		p = memchr(key.p, '|', key.len);
		if (p != NULL) {
			/* "|2^20" is a lifetime, "|1:4" an MKI */
			bool mki = memchr(p, ':', (size_t)(key.p + key.len - p)) != NULL;

			return mr_ng_fail(err, "media %u: a=crypto key %s is not supported", m + 1,
					  mki ? "MKI" : "lifetime");
		}
		mp->crypto_tag = (uint32_t)t;
		mp->crypto_suite = (uint8_t)s;
		mp->crypto_key.off = (uint32_t)(key.p - sdp->body);
		mp->crypto_key.len = (uint32_t)key.len;
		/* the key itself (base64, length for the suite), before anything changes */
		rc = crypto_text(sdp, mp, text, sizeof(text));
		mr_leg_spec_init(&scratch);
		if (rc == 0)
			rc = mr_leg_spec_set(&scratch, "crypto_in", text, e, sizeof(e));
		mr_leg_spec_wipe(&scratch);
		explicit_bzero(text, sizeof(text));
		if (rc != 0)
			return mr_ng_fail(err, "media %u: a=crypto %s: %s", m + 1,
					  mr_srtp_suite_name(s), rc == -E2BIG ? "key too long" : e);
		return 0;
	}
	if (first_suite.p == NULL)
		return mr_ng_fail(err, "media %u: %s without a=crypto (only SDES keys; DTLS-SRTP "
				  "is not supported)", m + 1, mr_ng_transport_name(mp->proto));
	shown(&first_suite, name, sizeof(name));
	return mr_ng_fail(err, "media %u: crypto suite '%s' is not supported (and no other "
			  "offered is)", m + 1, name);
#else
	RTE_SET_USED(sdp);
	RTE_SET_USED(mp);
	return mr_ng_fail(err, "media %u: SRTP: this mrelay is built without it (a static "
			  "build, docs/deployment.md)", m + 1);
#endif
}

/* RFC 4648 base64 with padding. @p out holds 4 * ((n + 2) / 3) + 1 bytes. */
static void __rte_unused
b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/*
 * The key mrelay sends with to a party: the one it has (@p have) when its
 * suite is still the one wanted (a re-offer keeps keys, as rtpengine does),
 * else a new one from getrandom() (the control path may make a syscall).
 */
static int
sdes_make(const struct sdes_out *have, uint8_t suite, uint32_t tag, struct sdes_out *out,
	  struct mr_ng_error *err)
{
#ifdef MR_HAVE_SRTP
	uint8_t material[MR_SRTP_MATERIAL_MAX];
	size_t n = mr_srtp_suite_key_len(suite) + mr_srtp_suite_salt_len(suite), got = 0;

	if (have->suite == suite) {
		*out = *have;
		out->tag = tag;
		return 0;
	}
	while (got < n) {
		ssize_t r = getrandom(material + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			explicit_bzero(material, sizeof(material));
			return mr_ng_fail(err, "no random bytes for an SRTP key: %s",
					  strerror(errno));
		}
		got += (size_t)r;
	}
	out->suite = suite;
	out->tag = tag;
	memcpy(out->inline_key, "inline:", 7);
	b64_encode(material, n, out->inline_key + 7);
	explicit_bzero(material, sizeof(material));
	return 0;
#else
	RTE_SET_USED(have);
	RTE_SET_USED(suite);
	RTE_SET_USED(tag);
	RTE_SET_USED(out);
	return mr_ng_fail(err, "SRTP: this mrelay is built without it");
#endif
}

/* "SUITE inline:..." of a key mrelay made. */
static void
sdes_text(const struct sdes_out *k, char *out, size_t outlen)
{
#ifdef MR_HAVE_SRTP
	snprintf(out, outlen, "%s %s", mr_srtp_suite_name(k->suite), k->inline_key);
#else
	RTE_SET_USED(k);
	snprintf(out, outlen, "none");
#endif
}

/*
 * Where the sender of this SDP gets media m (rtpengine's rules):
 * trust-address, asymmetric and strict-source take the SDP's address;
 * SIP-source-address takes received-from with the SDP's port; otherwise
 * the SDP's address, unless received-from differs from it (a NAT between
 * the party and its proxy): then the first packet's source is latched.
 * A c= of 0.0.0.0 (hold, or not known yet) latches too.
 */
static int
plan_remote(const struct mr_ng_request *req, const struct mr_sdp *sdp, unsigned int m,
	    struct media_plan *mp, struct mr_ng_error *err)
{
	const struct mr_sdp_addr *conn = mr_sdp_media_conn(sdp, m);
	const struct mr_ng_addr *rf = &req->received_from;
	uint32_t fixed = MR_NG_FLAG(TRUST_ADDRESS) | MR_NG_FLAG(ASYMMETRIC) |
			 MR_NG_FLAG(STRICT_SOURCE);
	uint16_t port = sdp->media[m].port;

	if (conn == NULL || !conn->present || !conn->ip_valid)
		return mr_ng_fail(err, "media %u: the connection address is not an IP%u literal",
				  m + 1, conn != NULL ? conn->family : 4);
	mp->family = conn->family;
	mp->latch = false;
	if (ip_is_zero(conn->ip, conn->family)) {
		mp->latch = true;
		return 0;
	}
	endpoint_of(conn->family, conn->ip, port, &mp->remote);
	if (!mr_endpoint_is_unicast(&mp->remote))
		return mr_ng_fail(err, "media %u: the connection address is not unicast", m + 1);
	if (req->flags & fixed)
		return 0;
	if (rf->family != conn->family)
		return 0;
	if (req->flags & MR_NG_FLAG(SIP_SOURCE_ADDRESS)) {
		endpoint_of(rf->family, rf->ip, port, &mp->remote);
		if (!mr_endpoint_is_unicast(&mp->remote))
			return mr_ng_fail(err, "received-from is not a unicast address");
		return 0;
	}
	if (memcmp(rf->ip, conn->ip, rf->family == 4 ? 4 : 16) != 0)
		mp->latch = true;
	return 0;
}

/* Parse the request's SDP and plan every media section. */
static int
plan_sdp(struct mr_ngcall *c, const struct mr_ng_request *req, bool offer,
	 struct media_plan *plan, struct mr_ng_error *err)
{
	struct mr_sdp *sdp = c->sdp;
	struct mr_sdp_error se;
	unsigned int m;
	int rc;

	rc = mr_sdp_parse(sdp, req->sdp.p, req->sdp.len, &se);
	if (rc < 0) {
		if (se.line > 0)
			return mr_ng_fail(err, "SDP line %d: %s", se.line, se.msg);
		return mr_ng_fail(err, "SDP: %s", se.msg);
	}
	if (sdp->n_media == 0)
		return mr_ng_fail(err, "SDP without a media section");
	if (sdp->n_media > MR_NGCALL_MEDIA_MAX)
		return mr_ng_fail(err, "SDP with %u media sections (at most %d)", sdp->n_media,
				  MR_NGCALL_MEDIA_MAX);
	for (m = 0; m < sdp->n_media; m++) {
		const struct mr_sdp_media *md = &sdp->media[m];
		struct media_plan *mp = &plan[m];

		memset(mp, 0, sizeof(*mp));
		if (md->port == 0)
			continue;
		mp->proto = proto_of(sdp, m);
		if (!md->rtp || mp->proto == MR_NG_TRANSPORT_KEEP)
			return mr_ng_fail(err, "media %u: protocol '%.*s' is not supported "
					  "(RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF)", m + 1,
					  (int)(md->proto.len > 40 ? 40 : md->proto.len),
					  mr_sdp_ptr(sdp, md->proto));
		/* a=crypto in a plain section (best-effort SRTP) is not used, and dropped */
		if (proto_srtp(mp->proto)) {
			rc = plan_crypto(sdp, m, mp, err);
			if (rc < 0)
				return rc;
		}
		/* the profile the other party gets: an offer may change it (and keeps AVPF) */
		mp->out_proto = req->transport != MR_NG_TRANSPORT_KEEP ? (uint8_t)req->transport :
				mp->proto;
		if (md->port_count > 1)
			return mr_ng_fail(err, "media %u: port/count in m= is not supported", m + 1);
		mp->active = true;
		rc = plan_remote(req, sdp, m, mp, err);
		if (rc == 0)
			rc = plan_codecs(c, req, sdp, m, offer, mp, err);
		if (rc < 0)
			return rc;
		mp->clock_rate = first_clock(sdp, m);
	}
	return 0;
}

/* ---------- legs ---------- */

static int
model_fail(struct mr_ng_error *err, unsigned int m, const char *what, const char *e)
{
	return mr_ng_fail(err, "media %u: %s: %s", m + 1, what, e);
}

/* The local address of family @p family on the ng port, as a spec's local. */
static int
spec_local(const struct mr_ngcall *c, uint8_t family, struct mr_leg_spec *sp)
{
	const struct mr_port_facts *pf = mr_sessions_port(c->p.sessions, c->p.port);

	if (pf == NULL)
		return -ENODEV;
	if (family == 4 && !pf->has_ipv4)
		return -EAFNOSUPPORT;
	if (family == 6 && !pf->has_ipv6)
		return -EAFNOSUPPORT;
	sp->given |= MR_LEG_F_LOCAL;
	sp->local_port_auto = true;
	sp->local = family == 4 ? pf->ipv4 : pf->ipv6;
	return 0;
}

static void
spec_remote(struct mr_leg_spec *sp, bool latch, const struct mr_endpoint *remote)
{
	sp->given |= MR_LEG_F_REMOTE;
	sp->latch = latch;
	if (!latch)
		sp->remote = *remote;
}

static void
spec_forward(struct mr_leg_spec *sp, const char *to)
{
	sp->given |= MR_LEG_F_FORWARD;
	sp->n_fwd = 1;
	snprintf(sp->fwd[0], sizeof(sp->fwd[0]), "%s", to);
}

/*
 * Keys as mr_leg_spec_set() takes them ("SUITE inline:..." or "none") and
 * a transcoding profile (name or "none"); NULL: unchanged.
 */
static int
spec_extra(struct mr_leg_spec *sp, unsigned int m, const char *crypto_in, const char *crypto_out,
	   const char *transcode, struct mr_ng_error *err)
{
	char e[128];

	if (transcode != NULL && mr_leg_spec_set(sp, "transcode", transcode, e, sizeof(e)) != 0)
		return mr_ng_fail(err, "media %u: transcode: %s", m + 1, e);
	if (crypto_in != NULL && mr_leg_spec_set(sp, "crypto_in", crypto_in, e, sizeof(e)) != 0)
		return mr_ng_fail(err, "media %u: crypto_in: %s", m + 1, e);
	if (crypto_out != NULL && mr_leg_spec_set(sp, "crypto_out", crypto_out, e, sizeof(e)) != 0)
		return mr_ng_fail(err, "media %u: crypto_out: %s", m + 1, e);
	return 0;
}

/* Add leg (party, m): local allocated in @p family, forwarding to @p fwd (or none). */
static int
leg_add(struct mr_ngcall *c, struct call *k, unsigned int party, unsigned int m, uint8_t family,
	bool latch, const struct mr_endpoint *remote, uint32_t clock, const char *fwd,
	struct mr_ng_error *err)
{
	struct mr_sessions_result res;
	struct mr_leg_spec sp;
	char name[MR_STREAM_NAME_LEN], e[192];
	int rc;

	leg_name(k, party, m, name);
	mr_leg_spec_init(&sp);
	sp.given = MR_LEG_F_SESSION | MR_LEG_F_PORT;
	snprintf(sp.session, sizeof(sp.session), "%s", k->session);
	sp.port = c->p.port;
	rc = spec_local(c, family, &sp);
	if (rc != 0)
		return mr_ng_fail(err, "media %u: port %u has no IPv%u address", m + 1, c->p.port,
				  family);
	spec_remote(&sp, latch, remote);
	if (clock != 0) {
		sp.given |= MR_LEG_F_CLOCK;
		sp.clock_rate = clock;
	}
	if (fwd != NULL)
		spec_forward(&sp, fwd);
	rc = mr_sessions_leg_add(c->p.sessions, name, &sp, MR_LEG_ORIGIN_SIGNAL, &res, e,
				 sizeof(e));
	if (rc != 0)
		return model_fail(err, m, name, e);
	k->n_legs++;
	c->stats.legs++;
	c->stats.c[MR_NGCALL_C_LEGS_CREATED]++;
	return 0;
}

static int
leg_update(struct mr_ngcall *c, struct call *k, unsigned int party, unsigned int m,
	   struct mr_leg_spec *sp, struct mr_ng_error *err)
{
	struct mr_sessions_result res;
	char name[MR_STREAM_NAME_LEN], e[192];

	leg_name(k, party, m, name);
	if (mr_sessions_leg_update(c->p.sessions, name, sp, &res, e, sizeof(e)) != 0)
		return model_fail(err, m, name, e);
	return 0;
}

static void
leg_delete(struct mr_ngcall *c, struct call *k, unsigned int party, unsigned int m)
{
	struct mr_sessions_result res;
	char name[MR_STREAM_NAME_LEN], e[192];

	leg_name(k, party, m, name);
	if (mr_sessions_leg_delete(c->p.sessions, name, &res, e, sizeof(e)) == 0) {
		k->n_legs--;
		c->stats.legs--;
	}
}

/*
 * The sender's leg of media m takes what the plan says (remote, clock).
 * Another address family needs another local endpoint: an offer may move
 * it (its answer tells the sender), an answer may not (the offer told the
 * answerer where to send already).
 */
static int
sender_update(struct mr_ngcall *c, struct call *k, unsigned int party, unsigned int m,
	      const struct media_plan *mp, const char *fwd, bool offer, const char *crypto_in,
	      const char *crypto_out, const char *transcode, struct mr_ng_error *err)
{
	const struct mr_leg_def *d = leg_def(c, k, party, m);
	struct mr_leg_spec sp;
	int rc;

	if (d == NULL)
		return mr_ng_fail(err, "media %u: the call's legs are gone (deleted by an "
				  "operator?); delete the call", m + 1);
	mr_leg_spec_init(&sp);
	if ((mr_endpoint_is_v4(&d->local) ? 4 : 6) != mp->family) {
		if (!offer)
			return mr_ng_fail(err, "media %u: the answer is IPv%u, the offer went out "
					  "as IPv%u (see address-family)", m + 1, mp->family,
					  mp->family == 4 ? 6 : 4);
		if (spec_local(c, mp->family, &sp) != 0)
			return mr_ng_fail(err, "media %u: port %u has no IPv%u address", m + 1,
					  c->p.port, mp->family);
	}
	spec_remote(&sp, mp->latch, &mp->remote);
	if (mp->clock_rate != 0) {
		sp.given |= MR_LEG_F_CLOCK;
		sp.clock_rate = mp->clock_rate;
	}
	if (fwd != NULL)
		spec_forward(&sp, fwd);
	rc = spec_extra(&sp, m, crypto_in, crypto_out, transcode, err);
	if (rc == 0)
		rc = leg_update(c, k, party, m, &sp, err);
	mr_leg_spec_wipe(&sp);
	return rc;
}

/* The other party's leg of media m: only its keys and transcoding change. */
static int
other_update(struct mr_ngcall *c, struct call *k, unsigned int party, unsigned int m,
	     const char *crypto_in, const char *crypto_out, const char *transcode,
	     struct mr_ng_error *err)
{
	struct mr_leg_spec sp;
	int rc;

	mr_leg_spec_init(&sp);
	rc = spec_extra(&sp, m, crypto_in, crypto_out, transcode, err);
	if (rc == 0 && sp.given != 0)
		rc = leg_update(c, k, party, m, &sp, err);
	mr_leg_spec_wipe(&sp);
	return rc;
}

/* ---------- the SDP that goes out ---------- */

/*
 * Write the SDP for the party that is not @p sender: every active media
 * section points at the sender's peer leg, i.e. at the legs of party
 * @p to (where that party sends).
 */
static int
write_sdp(struct mr_ngcall *c, const struct mr_ng_request *req, const struct call *k,
	  unsigned int to, const struct media_plan *plan, const uint8_t *proto,
	  const struct sdes_out *sd, struct mr_bencode_enc *reply, struct mr_ng_error *err)
{
	struct mr_sdp_media_rewrite mrw[MR_NGCALL_MEDIA_MAX];
	char crypto[MR_NGCALL_MEDIA_MAX][128];
	const char *crypto_line[MR_NGCALL_MEDIA_MAX];
	struct mr_sdp_rewrite rw;
	struct mr_sdp_error se;
	char addr[INET6_ADDRSTRLEN] = "";
	uint8_t family = 0;
	unsigned int m;
	int n;

	memset(&rw, 0, sizeof(rw));
	for (m = 0; m < c->sdp->n_media; m++) {
		const struct mr_leg_def *d;

		mr_sdp_media_rewrite_init(&mrw[m]);
		if (!plan[m].active)
			continue;
		d = leg_def(c, k, to, m);
		if (d == NULL)
			return mr_ng_fail(err, "media %u: leg missing", m + 1);
		if (family == 0) {
			family = mr_endpoint_is_v4(&d->local) ? 4 : 6;
			inet_ntop(family == 4 ? AF_INET : AF_INET6,
				  family == 4 ? d->local.ip + 12 : d->local.ip, addr, sizeof(addr));
		}
		mrw[m].port = rte_be_to_cpu_16(d->local.port);
		/* RTCP comes to the RTP port (the relay demultiplexes it, RFC 5761) */
		mrw[m].rtcp_port = (req->flags & MR_NG_FLAG(NO_RTCP_ATTRIBUTE)) ? 0 : mrw[m].port;
		mrw[m].rtcp_full = (req->flags & MR_NG_FLAG(FULL_RTCP_ATTRIBUTE)) != 0 &&
				   mrw[m].rtcp_port != 0;
		if (req->rtcp_mux & (MR_NG_RTCP_MUX_OFFER | MR_NG_RTCP_MUX_REQUIRE))
			mrw[m].rtcp_mux = 1;
		else if (req->rtcp_mux & MR_NG_RTCP_MUX_REJECT)
			mrw[m].rtcp_mux = -1;
		mrw[m].proto = mr_ng_transport_name(proto[m]);
		/* the party's own keys never go back to it: mrelay's, or none */
		mrw[m].crypto_remove = true;
		if (proto_srtp(proto[m])) {
			char text[100];

			sdes_text(&sd[m], text, sizeof(text));
			snprintf(crypto[m], sizeof(crypto[m]), "%u %s", sd[m].tag, text);
			explicit_bzero(text, sizeof(text));
			crypto_line[m] = crypto[m];
			mrw[m].crypto_add = &crypto_line[m];
			mrw[m].n_crypto_add = 1;
		}
		mrw[m].pt_keep = plan[m].filter ? plan[m].pt_keep : NULL;
		if (plan[m].add.rtpmap != NULL) {
			mrw[m].fmt_add = &plan[m].add;
			mrw[m].n_fmt_add = 1;
		}
	}
	if (req->media_address.family != 0) {
		family = req->media_address.family;
		inet_ntop(family == 4 ? AF_INET : AF_INET6, req->media_address.ip, addr,
			  sizeof(addr));
	}
	rw.addr = family != 0 ? addr : NULL;
	rw.family = family;
	rw.origin = (req->replace & MR_NG_REPLACE_ORIGIN) != 0 && family != 0;
	rw.session_conn = (req->replace & MR_NG_REPLACE_SESSION_CONN) != 0;
	/* mrelay is no ICE agent: candidates would take media around it */
	rw.ice_remove = true;
	rw.n_media = c->sdp->n_media;
	rw.media = mrw;
	n = mr_sdp_write(c->sdp, &rw, c->sdp_out, SDP_OUT_MAX, &se);
	explicit_bzero(crypto, sizeof(crypto));
	if (n < 0)
		return mr_ng_fail(err, "SDP rewrite: %s", se.msg);
	mr_bencode_enc_kv_str(reply, "sdp", c->sdp_out, (size_t)n);
	return 0;
}

/* ---------- offer and answer ---------- */

static void
failed(struct mr_ngcall *c)
{
	c->stats.c[MR_NGCALL_C_REQUESTS_FAILED]++;
}

/* Delete the legs this request added (they are named in @p added: bit party * 8 + m). */
static void
rollback(struct mr_ngcall *c, struct call *k, uint32_t added, bool new_call)
{
	unsigned int i;

	for (i = 0; i < 2 * 8; i++)
		if (added & (1u << i))
			leg_delete(c, k, i / 8, i % 8);
	if (new_call) {
		call_unlink(c, k);
		c->serial--;  /* the name was never seen */
	}
}

/*
 * The keys mrelay sends with after an offer from party x: to x when x
 * speaks SRTP (its suite and tag, answered later), to y when y is to speak
 * it (x's suite and tag, or AES_CM_128_HMAC_SHA1_80 with tag 1 when x
 * speaks plain RTP).
 */
static int
plan_offer_keys(const struct mr_sdp *sdp, const struct call *k, unsigned int x, unsigned int y,
		struct media_plan *plan, struct mr_ng_error *err)
{
	unsigned int m;
	int rc;

	for (m = 0; m < sdp->n_media; m++) {
		struct media_plan *mp = &plan[m];
		bool in = proto_srtp(mp->proto);

		if (!mp->active)
			continue;
		if (in) {
			rc = sdes_make(&k->sdes[x][m], mp->crypto_suite, mp->crypto_tag,
				       &mp->sdes[0], err);
			if (rc < 0)
				return rc;
		}
		if (proto_srtp(mp->out_proto)) {
			rc = sdes_make(&k->sdes[y][m], in ? mp->crypto_suite :
				       MR_SRTP_AES_CM_128_HMAC_SHA1_80, in ? mp->crypto_tag : 1,
				       &mp->sdes[1], err);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* The sender's key as crypto_in wants it, or "none" for plain RTP. */
static int
sender_key_text(const struct mr_sdp *sdp, const struct media_plan *mp, unsigned int m,
		char *out, size_t outlen, struct mr_ng_error *err)
{
	if (!proto_srtp(mp->proto)) {
		snprintf(out, outlen, "none");
		return 0;
	}
	if (crypto_text(sdp, mp, out, outlen) != 0)
		return mr_ng_fail(err, "media %u: a=crypto key too long", m + 1);
	return 0;
}

static void
out_key_text(const struct sdes_out *k, char *out, size_t outlen)
{
	if (k->suite == MR_SRTP_SUITE_NONE)
		snprintf(out, outlen, "none");
	else
		sdes_text(k, out, outlen);
}

static int
handle_offer(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	     struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	struct media_plan plan[MR_NGCALL_MEDIA_MAX];
	struct sdes_out out_sdes[MR_NGCALL_MEDIA_MAX];
	uint8_t out_proto[MR_NGCALL_MEDIA_MAX] = {0};
	char peer[MR_STREAM_NAME_LEN], self[MR_STREAM_NAME_LEN];
	char key_in[160] = "", key_out[160] = "";
	const char *tc_off;
	unsigned int x, y, m;
	uint32_t added = 0;
	bool new_call = false;
	struct call *k;
	int px, rc;

	rc = check_ids(req, err);
	if (rc == 0)
		rc = plan_sdp(c, req, true, plan, err);
	if (rc < 0)
		goto fail;
	k = call_find(c, &req->call_id);
	if (k != NULL) {
		/* the offerer: a known tag, or the callee re-offering before its answer */
		px = party_of(k, &req->from_tag);
		if (px < 0 && !k->party[1].known && req->to_tag.p != NULL &&
		    party_of(k, &req->to_tag) == 0)
			px = 1;
		if (px < 0) {
			rc = mr_ng_fail(err, "call already has the tags of its two parties; "
					"a third from-tag (forking) is not supported");
			goto fail;
		}
		if (c->sdp->n_media < k->n_media) {
			rc = mr_ng_fail(err, "a new offer has %u media sections, the call %u "
					"(sections are never removed, RFC 3264)",
					c->sdp->n_media, k->n_media);
			goto fail;
		}
		x = (unsigned int)px;
	} else {
		k = call_new(c, &req->call_id);
		if (k == NULL) {
			c->stats.c[MR_NGCALL_C_CALLS_FULL]++;
			rc = mr_ng_fail(err, "too many calls (%u)", c->p.calls_max);
			goto fail;
		}
		new_call = true;
		x = 0;
	}
	y = 1 - x;
	memset(out_sdes, 0, sizeof(out_sdes));
	rc = plan_offer_keys(c->sdp, k, x, y, plan, err);
	if (rc < 0)
		goto undo;
	/* first the legs that do not exist yet: a failure here is undone */
	for (m = 0; m < c->sdp->n_media; m++) {
		const struct media_plan *mp = &plan[m];
		uint8_t fam_y = req->address_family != 0 ? req->address_family : mp->family;

		if (!mp->active || (k->with_legs & (1u << m)))
			continue;
		leg_name(k, x, m, self);
		rc = leg_add(c, k, x, m, mp->family, mp->latch, &mp->remote, mp->clock_rate, NULL,
			     err);
		if (rc < 0)
			goto undo;
		added |= 1u << (x * 8 + m);
		rc = leg_add(c, k, y, m, fam_y, true, NULL, mp->clock_rate, self, err);
		if (rc < 0)
			goto undo;
		added |= 1u << (y * 8 + m);
	}
	/* then the sender's legs take the SDP, and forward to their peers */
	for (m = 0; m < c->sdp->n_media; m++) {
		if (!plan[m].active)
			continue;
		leg_name(k, y, m, peer);
		rc = sender_key_text(c->sdp, &plan[m], m, key_in, sizeof(key_in), err);
		out_key_text(&plan[m].sdes[0], key_out, sizeof(key_out));
		/* a new offer: transcoding again only when its answer takes it */
		tc_off = k->tc[m].on ? "none" : NULL;
		if (rc == 0)
			rc = sender_update(c, k, x, m, &plan[m], peer, true, key_in, key_out, tc_off,
					   err);
		if (rc < 0)
			goto undo;
		/* the other party's key comes with its answer; plain RTP has none */
		out_key_text(&plan[m].sdes[1], key_out, sizeof(key_out));
		rc = other_update(c, k, y, m, proto_srtp(plan[m].out_proto) ? NULL : "none",
				  key_out, tc_off, err);
		if (rc < 0)
			goto undo;
		out_proto[m] = plan[m].out_proto;
		out_sdes[m] = plan[m].sdes[1];
	}
	rc = write_sdp(c, req, k, y, plan, out_proto, out_sdes, reply, err);
	if (rc < 0)
		goto undo;
	for (m = 0; m < c->sdp->n_media; m++) {
		if (!plan[m].active)
			continue;
		k->proto[x][m] = plan[m].proto;
		k->proto[y][m] = plan[m].out_proto;
		k->sdes[x][m] = plan[m].sdes[0];
		k->sdes[y][m] = plan[m].sdes[1];
		k->tc[m] = plan[m].tc;
	}
	k->tc_party = (uint8_t)x;
	/* media turned off (port 0) lose their legs */
	for (m = 0; m < c->sdp->n_media; m++) {
		if (plan[m].active) {
			k->with_legs |= (uint8_t)(1u << m);
		} else if (k->with_legs & (1u << m)) {
			leg_delete(c, k, 0, m);
			leg_delete(c, k, 1, m);
			k->with_legs &= (uint8_t)~(1u << m);
		}
	}
	if (!k->party[x].known)
		party_set(k, x, &req->from_tag);
	k->n_media = c->sdp->n_media;
	k->last_signal_ms = c->now_ms;
	k->signal_unix = (int64_t)time(NULL);
	k->delete_at_ms = 0;
	if (new_call)
		c->stats.c[MR_NGCALL_C_CALLS_CREATED]++;
	rc = 0;
	goto out;
undo:
	rollback(c, k, added, new_call);
fail:
	failed(c);
out:
	explicit_bzero(plan, sizeof(plan));
	explicit_bzero(out_sdes, sizeof(out_sdes));
	explicit_bzero(key_in, sizeof(key_in));
	explicit_bzero(key_out, sizeof(key_out));
	return rc;
}

/* What an answer does with the offer's codec-transcode of one media section. */
struct answer_tc {
	bool on;
	char fwd_name[MR_STREAM_NAME_LEN], back_name[MR_STREAM_NAME_LEN];
};

/*
 * The answer took the codec mrelay added (X) and none of the offerer's:
 * the offerer's leg transcodes to X, the answerer's back, and the SDP to
 * the offerer names the offerer's codec instead of X. An answer with one
 * of the offerer's codecs is passed on without X.
 */
static int
answer_transcode(const struct mr_ngcall *c, const struct call *k, unsigned int x, unsigned int m,
		 struct media_plan *mp, struct answer_tc *tc, struct mr_ng_error *err)
{
	const struct media_tc *t = &k->tc[m];
	const struct mr_sdp_media *md = &c->sdp->media[m];
	bool has_x = false, has_offerers = false;
	unsigned int f;

	memset(&tc[m], 0, sizeof(tc[m]));
	if (t->fwd == 0)
		return 0;
	if (k->tc_party != x)
		return mr_ng_fail(err, "media %u: codec-transcode was offered by the other party",
				  m + 1);
	for (f = 0; f < md->n_fmt; f++) {
		struct mr_sdp_codec sc;

		if (md->fmt_pt[f] < 0)
			continue;
		/* DTMF and comfort noise go along with any codec */
		if (md->fmt_pt[f] == t->pt)
			has_x = true;
		else if (mr_sdp_codec(c->sdp, m, md->fmt_pt[f], &sc) != 0 ||
			 (strcasecmp(sc.name, "telephone-event") != 0 &&
			  strcasecmp(sc.name, "CN") != 0))
			has_offerers = true;
	}
	if (!mp->filter) {
		mp->filter = true;
		memset(mp->pt_keep, 0xff, sizeof(mp->pt_keep));
	}
	/* X never goes back to the offerer, who did not offer it */
	mp->pt_keep[t->pt / 64] &= ~(UINT64_C(1) << (t->pt % 64));
	if (!has_x || has_offerers)
		return 0;
	tc[m].on = true;
	snprintf(tc[m].fwd_name, sizeof(tc[m].fwd_name), "%s",
		 mr_sessions_profile_name(c->p.sessions, t->fwd));
	snprintf(tc[m].back_name, sizeof(tc[m].back_name), "%s",
		 mr_sessions_profile_name(c->p.sessions, t->back));
	mp->add.pt = t->in_pt;
	mp->add.rtpmap = tc_rtpmap(c->p.relay->profiles[t->fwd - 1].in_codec);
	return 0;
}

/*
 * An answer keeps the profiles of the offer (RFC 3264 section 6): the
 * answerer y speaks SRTP when mrelay offered it SRTP, with the suite and
 * tag of the one a=crypto offered; the offerer x gets the profile it offered.
 */
static int
answer_check_keys(const struct mr_ng_request *req, const struct call *k, unsigned int x,
		  unsigned int y, unsigned int m, const struct media_plan *mp,
		  struct mr_ng_error *err)
{
	const struct sdes_out *offered = &k->sdes[y][m];

	if (!mp->active)
		return 0;
	if (req->transport != MR_NG_TRANSPORT_KEEP && req->transport != k->proto[x][m])
		return mr_ng_fail(err, "media %u: transport-protocol %s in an answer; the offer "
				  "was %s", m + 1, mr_ng_transport_name(req->transport),
				  mr_ng_transport_name(k->proto[x][m]));
	if (proto_srtp(mp->proto) != proto_srtp(k->proto[y][m]))
		return mr_ng_fail(err, "media %u: the answer is %s, the offer to it was %s", m + 1,
				  mr_ng_transport_name(mp->proto),
				  mr_ng_transport_name(k->proto[y][m]));
	if (proto_srtp(mp->proto) &&
	    (mp->crypto_suite != offered->suite || mp->crypto_tag != offered->tag))
		return mr_ng_fail(err, "media %u: the answer's a=crypto is not the one offered "
				  "(tag %u)", m + 1, offered->tag);
	return 0;
}

static int
handle_answer(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	      struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	struct media_plan plan[MR_NGCALL_MEDIA_MAX];
	struct answer_tc tc[MR_NGCALL_MEDIA_MAX];
	char key_in[160] = "";
	unsigned int x, y, m;
	struct call *k;
	int px, py, rc;

	rc = check_ids(req, err);
	if (rc == 0)
		rc = plan_sdp(c, req, false, plan, err);
	if (rc < 0)
		goto fail;
	k = call_find(c, &req->call_id);
	if (k == NULL) {
		rc = mr_ng_fail(err, "unknown call-id (no offer for it)");
		goto fail;
	}
	px = party_of(k, &req->from_tag);
	py = party_of(k, &req->to_tag);
	if (px < 0) {
		rc = mr_ng_fail(err, "unknown from-tag for this call");
		goto fail;
	}
	x = (unsigned int)px;
	y = 1 - x;
	if (py >= 0 && py != (int)y) {
		rc = mr_ng_fail(err, "from-tag and to-tag are the same party");
		goto fail;
	}
	if (py < 0 && k->party[y].known) {
		rc = mr_ng_fail(err, "the call was answered with another to-tag; "
				"a second answer (forking) is not supported");
		goto fail;
	}
	if (c->sdp->n_media != k->n_media) {
		rc = mr_ng_fail(err, "the answer has %u media sections, the offer %u",
				c->sdp->n_media, k->n_media);
		goto fail;
	}
	for (m = 0; m < c->sdp->n_media; m++) {
		if (plan[m].active && !(k->with_legs & (1u << m))) {
			rc = mr_ng_fail(err, "media %u: accepted in the answer, refused in the offer",
					m + 1);
			goto fail;
		}
	}
	for (m = 0; m < c->sdp->n_media; m++) {
		rc = answer_check_keys(req, k, x, y, m, &plan[m], err);
		if (rc < 0)
			goto fail;
	}
	for (m = 0; m < c->sdp->n_media; m++) {
		if (!plan[m].active)
			continue;
		rc = sender_key_text(c->sdp, &plan[m], m, key_in, sizeof(key_in), err);
		if (rc == 0)
			rc = answer_transcode(c, k, x, m, &plan[m], tc, err);
		if (rc == 0)
			rc = sender_update(c, k, y, m, &plan[m], NULL, false, key_in, NULL,
					   tc[m].on ? tc[m].back_name : NULL, err);
		if (rc == 0 && tc[m].on)
			rc = other_update(c, k, x, m, NULL, NULL, tc[m].fwd_name, err);
		if (rc < 0)
			goto fail;
	}
	rc = write_sdp(c, req, k, x, plan, k->proto[x], k->sdes[x], reply, err);
	if (rc < 0)
		goto fail;
	for (m = 0; m < c->sdp->n_media; m++) {
		if (!plan[m].active && (k->with_legs & (1u << m))) {
			leg_delete(c, k, 0, m);
			leg_delete(c, k, 1, m);
			k->with_legs &= (uint8_t)~(1u << m);
		}
	}
	for (m = 0; m < c->sdp->n_media; m++)
		if (plan[m].active)
			k->tc[m].on = tc[m].on;
	if (!k->party[y].known)
		party_set(k, y, &req->to_tag);
	k->last_signal_ms = c->now_ms;
	k->signal_unix = (int64_t)time(NULL);
	rc = 0;
	goto out;
fail:
	failed(c);
out:
	explicit_bzero(plan, sizeof(plan));
	explicit_bzero(key_in, sizeof(key_in));
	return rc;
}

/* ---------- delete, query, list, statistics ---------- */

static int
handle_delete(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	      struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	struct call *k;
	int rc;

	rc = check_ids(req, err);
	if (rc < 0) {
		failed(c);
		return rc;
	}
	k = call_find(c, &req->call_id);
	if (k == NULL) {
		/* deleted already (a retransmission after the cache, an idle expiry) */
		mr_bencode_enc_kv_cstr(reply, "warning", "unknown call-id; nothing deleted");
		return 0;
	}
	/*
	 * A tag names one party of the call; with two parties per call the
	 * dialog of either tag is the whole call (rtpengine deletes the
	 * call when its last dialog goes).
	 */
	if ((req->from_tag.p != NULL && party_of(k, &req->from_tag) < 0) &&
	    (req->to_tag.p == NULL || party_of(k, &req->to_tag) < 0)) {
		mr_bencode_enc_kv_cstr(reply, "warning", "unknown tag; nothing deleted");
		return 0;
	}
	mr_bencode_enc_kv_int(reply, "created", k->created_unix);
	mr_bencode_enc_kv_int(reply, "last signal", k->signal_unix);
	if (req->has_delete_delay && req->delete_delay > 0) {
		k->delete_at_ms = c->now_ms + (uint64_t)req->delete_delay * 1000;
		return 0;
	}
	call_delete(c, k, MR_NGCALL_C_CALLS_DELETED);
	return 0;
}

static void
enc_endpoint(struct mr_bencode_enc *e, const char *key, const struct mr_endpoint *ep)
{
	char ip[INET6_ADDRSTRLEN];
	bool v4 = mr_endpoint_is_v4(ep);

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? ep->ip + 12 : ep->ip, ip, sizeof(ip));
	mr_bencode_enc_cstr(e, key);
	mr_bencode_enc_dict(e);
	mr_bencode_enc_kv_cstr(e, "address", ip);
	mr_bencode_enc_kv_cstr(e, "family", v4 ? "IPv4" : "IPv6");
	mr_bencode_enc_kv_int(e, "port", rte_be_to_cpu_16(ep->port));
	mr_bencode_enc_end(e);
}

struct totals {
	uint64_t pkts, bytes, rtcp;
	int64_t lost;
};

/* One leg as a query's stream entry. */
static int
enc_leg(struct mr_ngcall *c, struct mr_bencode_enc *e, const struct mr_leg_def *d,
	struct totals *t, struct mr_ng_error *err)
{
	int32_t idx = mr_sessions_leg_find(c->p.sessions, d->name);
	struct mr_leg_stats ls;
	int rc;

	rc = idx < 0 ? -ENOENT : mr_sessions_leg_stats(c->p.sessions, (uint32_t)idx, &ls);
	if (rc != 0) {
		c->stats.c[MR_NGCALL_C_STATS_FAILED]++;
		return mr_ng_fail(err, "statistics of leg %s: %s", d->name, strerror(-rc));
	}
	mr_bencode_enc_dict(e);
	mr_bencode_enc_kv_cstr(e, "leg", d->name);
	mr_bencode_enc_kv_int(e, "local port", rte_be_to_cpu_16(d->local.port));
	enc_endpoint(e, "local", &d->local);
	if (!d->latch || d->latched)
		enc_endpoint(e, "endpoint", &d->remote);
	mr_bencode_enc_kv_int(e, "latched", d->latch ? d->latched : -1);
#ifdef MR_HAVE_SRTP
	/* keys by suite and fingerprint only (docs/srtp.md) */
	if (d->srtp_in_suite != MR_SRTP_SUITE_NONE) {
		mr_bencode_enc_kv_cstr(e, "crypto in suite", mr_srtp_suite_name(d->srtp_in_suite));
		mr_bencode_enc_kv_cstr(e, "crypto in fingerprint", d->srtp_in_fp);
	}
	if (d->srtp_out_suite != MR_SRTP_SUITE_NONE) {
		mr_bencode_enc_kv_cstr(e, "crypto out suite",
				       mr_srtp_suite_name(d->srtp_out_suite));
		mr_bencode_enc_kv_cstr(e, "crypto out fingerprint", d->srtp_out_fp);
	}
#endif
	mr_bencode_enc_cstr(e, "stats");
	mr_bencode_enc_dict(e);
	mr_bencode_enc_kv_int(e, "packets", (int64_t)ls.pkts);
	mr_bencode_enc_kv_int(e, "bytes", (int64_t)ls.bytes);
	mr_bencode_enc_kv_int(e, "rtcp packets", (int64_t)ls.rtcp_pkts);
	mr_bencode_enc_kv_int(e, "lost", ls.lost);
	mr_bencode_enc_kv_int(e, "jitter", ls.jitter);
	mr_bencode_enc_kv_int(e, "ssrcs", ls.streams);
	mr_bencode_enc_kv_int(e, "errors", 0);
	mr_bencode_enc_end(e);
	mr_bencode_enc_end(e);
	t->pkts += ls.pkts;
	t->bytes += ls.bytes;
	t->rtcp += ls.rtcp_pkts;
	t->lost += ls.lost;
	return 0;
}

static int
handle_query(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	     struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	struct totals t = {0};
	unsigned int p, m;
	struct call *k;
	int rc;

	rc = check_ids(req, err);
	if (rc < 0)
		goto fail;
	k = call_find(c, &req->call_id);
	if (k == NULL) {
		rc = mr_ng_fail(err, "unknown call-id");
		goto fail;
	}
	mr_bencode_enc_kv_int(reply, "created", k->created_unix);
	mr_bencode_enc_kv_int(reply, "last signal", k->signal_unix);
	mr_bencode_enc_kv_cstr(reply, "session", k->session);
	mr_bencode_enc_cstr(reply, "tags");
	mr_bencode_enc_dict(reply);
	for (p = 0; p < 2; p++) {
		if (!k->party[p].known)
			continue;
		mr_bencode_enc_str(reply, k->party[p].tag, k->party[p].tag_len);
		mr_bencode_enc_dict(reply);
		mr_bencode_enc_kv_str(reply, "tag", k->party[p].tag, k->party[p].tag_len);
		mr_bencode_enc_cstr(reply, "medias");
		mr_bencode_enc_list(reply);
		for (m = 0; m < k->n_media; m++) {
			const struct mr_leg_def *d;

			if (!(k->with_legs & (1u << m)))
				continue;
			d = leg_def(c, k, p, m);
			if (d == NULL)
				continue;
			mr_bencode_enc_dict(reply);
			mr_bencode_enc_kv_int(reply, "index", m + 1);
			mr_bencode_enc_cstr(reply, "streams");
			mr_bencode_enc_list(reply);
			rc = enc_leg(c, reply, d, &t, err);
			if (rc < 0)
				goto fail;
			mr_bencode_enc_end(reply);
			mr_bencode_enc_end(reply);
		}
		mr_bencode_enc_end(reply);
		mr_bencode_enc_end(reply);
	}
	mr_bencode_enc_end(reply);
	mr_bencode_enc_cstr(reply, "totals");
	mr_bencode_enc_dict(reply);
	mr_bencode_enc_cstr(reply, "RTP");
	mr_bencode_enc_dict(reply);
	mr_bencode_enc_kv_int(reply, "packets", (int64_t)t.pkts);
	mr_bencode_enc_kv_int(reply, "bytes", (int64_t)t.bytes);
	mr_bencode_enc_kv_int(reply, "rtcp packets", (int64_t)t.rtcp);
	mr_bencode_enc_kv_int(reply, "lost", t.lost);
	mr_bencode_enc_kv_int(reply, "errors", 0);
	mr_bencode_enc_end(reply);
	mr_bencode_enc_end(reply);
	return 0;
fail:
	failed(c);
	return rc;
}

static int
handle_list(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
	    struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	int64_t limit = req->limit > 0 ? req->limit : LIST_DEFAULT, n = 0;
	uint32_t i;

	(void)err;
	mr_bencode_enc_cstr(reply, "calls");
	mr_bencode_enc_list(reply);
	for (i = 0; i < c->p.calls_max && n < limit; i++) {
		if (!c->calls[i].in_use)
			continue;
		mr_bencode_enc_str(reply, c->calls[i].id, c->calls[i].id_len);
		n++;
	}
	mr_bencode_enc_end(reply);
	return 0;
}

static int
handle_statistics(void *ctx, const struct mr_ng_request *req, struct mr_bencode_enc *reply,
		  struct mr_ng_error *err)
{
	struct mr_ngcall *c = ctx;
	const uint64_t *v = c->stats.c;

	(void)req;
	(void)err;
	mr_bencode_enc_cstr(reply, "statistics");
	mr_bencode_enc_dict(reply);
	mr_bencode_enc_cstr(reply, "currentstatistics");
	mr_bencode_enc_dict(reply);
	mr_bencode_enc_kv_int(reply, "sessionsown", c->stats.calls);
	mr_bencode_enc_kv_int(reply, "sessionsforeign", 0);
	mr_bencode_enc_kv_int(reply, "sessionstotal", c->stats.calls);
	mr_bencode_enc_kv_int(reply, "legs", c->stats.legs);
	mr_bencode_enc_end(reply);
	mr_bencode_enc_cstr(reply, "totalstatistics");
	mr_bencode_enc_dict(reply);
	mr_bencode_enc_kv_int(reply, "managedsessions", (int64_t)v[MR_NGCALL_C_CALLS_CREATED]);
	mr_bencode_enc_kv_int(reply, "deletedsessions", (int64_t)(v[MR_NGCALL_C_CALLS_DELETED] +
				v[MR_NGCALL_C_CALLS_DELAYED]));
	mr_bencode_enc_kv_int(reply, "timeoutsessions", (int64_t)v[MR_NGCALL_C_CALLS_IDLE]);
	mr_bencode_enc_kv_int(reply, "rejectedsessions", (int64_t)v[MR_NGCALL_C_CALLS_FULL]);
	mr_bencode_enc_kv_int(reply, "failedrequests", (int64_t)v[MR_NGCALL_C_REQUESTS_FAILED]);
	mr_bencode_enc_end(reply);
	mr_bencode_enc_end(reply);
	return 0;
}

void
mr_ngcall_handlers(struct mr_ngcall *c, struct mr_ng_conf *conf)
{
	conf->ctx = c;
	conf->handlers[MR_NG_CMD_OFFER] = handle_offer;
	conf->handlers[MR_NG_CMD_ANSWER] = handle_answer;
	conf->handlers[MR_NG_CMD_DELETE] = handle_delete;
	conf->handlers[MR_NG_CMD_QUERY] = handle_query;
	conf->handlers[MR_NG_CMD_LIST] = handle_list;
	conf->handlers[MR_NG_CMD_STATISTICS] = handle_statistics;
}

/* ---------- expiry ---------- */

/* Whether call k had media since the last look (packets counted by its legs). */
static void
media_check(struct mr_ngcall *c, struct call *k)
{
	uint64_t sum = 0;
	unsigned int p, m;

	for (m = 0; m < MR_NGCALL_MEDIA_MAX; m++) {
		if (!(k->with_legs & (1u << m)))
			continue;
		for (p = 0; p < 2; p++) {
			int32_t idx = leg_idx(c, k, p, m);
			struct mr_leg_stats ls;

			if (idx < 0)
				continue;
			if (mr_sessions_leg_stats(c->p.sessions, (uint32_t)idx, &ls) != 0) {
				c->stats.c[MR_NGCALL_C_STATS_FAILED]++;
				k->last_media_ms = c->now_ms; /* not known: not idle */
				continue;
			}
			sum += ls.pkts;
		}
	}
	/* streams expired by their workers take their counts: only a rise is media */
	if (sum > k->pkts_seen)
		k->last_media_ms = c->now_ms;
	k->pkts_seen = sum;
}

unsigned int
mr_ngcall_tick(struct mr_ngcall *c, uint64_t now_ms)
{
	unsigned int deleted = 0;
	uint32_t i;

	c->now_ms = now_ms;
	if (now_ms < c->next_sweep_ms || c->stats.calls == 0)
		return 0;
	c->next_sweep_ms = now_ms + SWEEP_PERIOD_MS;
	for (i = 0; i < c->sweep_slots; i++) {
		struct call *k = &c->calls[c->sweep_pos];
		uint64_t active;

		c->sweep_pos = (c->sweep_pos + 1) % c->p.calls_max;
		if (!k->in_use)
			continue;
		if (k->delete_at_ms != 0 && now_ms >= k->delete_at_ms) {
			call_delete(c, k, MR_NGCALL_C_CALLS_DELAYED);
			deleted++;
			continue;
		}
		if (c->p.idle_ms == 0 || now_ms < k->next_check_ms)
			continue;
		k->next_check_ms = now_ms + c->p.check_ms;
		media_check(c, k);
		active = k->last_media_ms > k->last_signal_ms ? k->last_media_ms :
			 k->last_signal_ms;
		if (now_ms - active >= c->p.idle_ms) {
			call_delete(c, k, MR_NGCALL_C_CALLS_IDLE);
			deleted++;
		}
	}
	return deleted;
}
