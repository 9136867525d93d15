/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * SRTP in the relay: the legs' keys (main lcore), their contexts (each
 * on the lcore that owns it), the unprotect of what a leg receives and
 * the protect of each copy sent to a leg with crypto_out. See
 * mr_relay_srtp.h and docs/srtp.md.
 *
 * Without SRTP in the build (a static mrelay), keys are refused and the
 * packet functions, which no leg can then reach, drop as srtp_error.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "mr_relay_priv.h"
#include "mr_relay_srtp.h"

/* Outbound contexts a stream may hold: its destinations, old and new during a change. */
#define SRTP_OUT_MAX (2 * MR_STREAM_MAX_DESTS)
/* Outbound contexts a leg keeps from its deleted streams. */
#define SRTP_PARKED_MAX MR_STREAM_MAX_DESTS
/* out_add() for a context no leg's streams share (the transcoder's). */
#define OUT_NO_LEG UINT32_MAX

_Static_assert(MR_DROP_SRTP_REPLAY - MR_DROP_SRTP_AUTH == MR_SRTP_REPLAY - MR_SRTP_AUTH &&
	       MR_DROP_SRTP_ERROR - MR_DROP_SRTP_AUTH == MR_SRTP_ERROR - MR_SRTP_AUTH,
	       "srtp_* drop reasons in the order of lib/srtp's results");
_Static_assert(MR_LEG_DROP_SRTP_ERROR - MR_LEG_DROP_SRTP_AUTH == MR_SRTP_ERROR - MR_SRTP_AUTH,
	       "per-leg srtp_* drops in the order of lib/srtp's results");

/* A key as the main lcore installed it: immutable until freed after a grace period. */
struct srtp_keyobj {
	uint32_t gen;
	struct mr_srtp_key key;
};

/* A plan entry: an outbound context a leg's streams need for a destination. */
struct srtp_plan {
	uint32_t leg;
	uint32_t gen;
	uint32_t ssrc_out;        /* 0: the stream's SSRC */
};

/* An outbound context of a stream, for one destination leg and key generation. */
struct srtp_out {
	struct mr_srtp_ctx *ctx;
	uint32_t leg;
	uint32_t gen;
	uint32_t ssrc;            /* the SSRC it is bound to: what the destination sees */
	uint32_t in_ssrc;         /* the input SSRC of the stream it protects for */
	uint16_t seq_add;         /* 0 or 0x8000: the first sequence number sent is < 2^15 */
	uint16_t last_seq;        /* the last RTP sequence number it protected */
	uint8_t seq_set;
	uint8_t rebase;           /* taken over from another input SSRC: on from last_seq */
};

/* One leg's SRTP state. */
struct mr_relay_srtp_leg {
	/* Main lcore writes; lcores load them (acquire) to make contexts. */
	struct srtp_keyobj *in[2];
	struct srtp_keyobj *out[2];
	/* The holder of the leg's ownership token. */
	struct mr_srtp_ctx *in_ctx;
	uint32_t in_ctx_gen;
	/* Main lcore: in_ctx_gen as it last set it; the destinations a sync call brings. */
	uint32_t main_in_gen;
	bool out_synced;          /* its streams may hold outbound contexts */
	uint8_t n_plan;
	struct srtp_plan plan[MR_STREAM_MAX_DESTS];
	/*
	 * The holder of the leg's ownership token: outbound contexts of its
	 * deleted streams, oldest first. A later stream bound to the same
	 * destination, key and SSRC goes on with one of these (its rollover
	 * counter, SRTCP index and replay list) rather than starting a
	 * second context at index 0 under that key and SSRC (out_take()).
	 */
	uint8_t n_parked;
	struct srtp_out parked[SRTP_PARKED_MAX];
};

/* A stream's SRTP state (mr_stream::srtp): its owner writes it. */
struct srtp_stream {
	uint32_t in_gen;          /* the inbound context its SSRC authenticated in */
	uint8_t n_out;
	uint8_t tc;               /* transcoded: the worker protects its RTCP only */
	uint64_t drops[MR_SRTP__MAX];
	struct srtp_out out[SRTP_OUT_MAX];
};

/*
 * The SSRC a worker's outbound context of a stream is bound to. A
 * transcoded stream's RTP leaves from the transcoder (its own contexts,
 * bound to ssrc_out or the channel's SSRC); the worker sends only its
 * RTCP, unchanged as to plain destinations: under the input SSRC.
 */
static inline uint32_t
out_ssrc(const struct srtp_stream *ss, uint32_t ssrc_out, uint32_t ssrc)
{
	return ssrc_out != 0 && !ss->tc ? ssrc_out : ssrc;
}

bool
mr_relay_srtp_available(void)
{
#ifdef MR_HAVE_SRTP
	return true;
#else
	return false;
#endif
}

int
mr_relay_srtp_init(struct mr_relay *r)
{
	r->srtp = rte_zmalloc("mr_relay_srtp", sizeof(*r->srtp) * r->streams->legs_max,
			      RTE_CACHE_LINE_SIZE);
	if (r->srtp == NULL)
		return -ENOMEM;
#ifdef MR_HAVE_SRTP
	/*
	 * libsrtp and its crypto backend now, on the main lcore, so the log
	 * names the backend at start; a failure refuses keys later (EIO).
	 */
	if (mr_srtp_init() != 0)
		RELAY_LOG(WARNING, "libsrtp2 did not initialise: legs with keys will be refused\n");
#endif
	return 0;
}

static void
keyobj_free(struct srtp_keyobj *k)
{
	if (k == NULL)
		return;
	explicit_bzero(&k->key, sizeof(k->key));
	free(k);
}

#ifdef MR_HAVE_SRTP
static void
ctx_free(struct mr_srtp_ctx *ctx)
{
	if (ctx != NULL)
		mr_srtp_ctx_free(ctx);
}
#else
static void
ctx_free(struct mr_srtp_ctx *ctx)
{
	RTE_SET_USED(ctx);
}
#endif

void
mr_relay_srtp_fini(struct mr_relay *r)
{
	uint32_t i;
	int k;

	if (r->srtp == NULL)
		return;
	for (i = 0; i < r->streams->legs_max; i++) {
		struct mr_relay_srtp_leg *l = &r->srtp[i];

		ctx_free(l->in_ctx);
		for (k = 0; k < l->n_parked; k++)
			ctx_free(l->parked[k].ctx);
		for (k = 0; k < 2; k++) {
			keyobj_free(l->in[k]);
			keyobj_free(l->out[k]);
		}
	}
	rte_free(r->srtp);
	r->srtp = NULL;
}

static inline void
count_fail(struct mr_streams *s, uint32_t leg, struct srtp_stream *ss, enum mr_srtp_result res)
{
	mr_streams_leg_drop(s, leg, (enum mr_leg_drop)(MR_LEG_DROP_SRTP_AUTH + res - MR_SRTP_AUTH));
	if (ss != NULL)
		__atomic_fetch_add(&ss->drops[res], 1, __ATOMIC_RELAXED);
}

static inline mr_drop_reason_t
reason_of(enum mr_srtp_result res)
{
	return (mr_drop_reason_t)(MR_DROP_SRTP_AUTH + res - MR_SRTP_AUTH);
}

/* ---------- keys (main lcore) ---------- */

static struct srtp_keyobj *
keyobj_find(struct srtp_keyobj *const *set, uint32_t gen)
{
	int k;

	for (k = 0; k < 2; k++) {
		struct srtp_keyobj *o = __atomic_load_n(&set[k], __ATOMIC_ACQUIRE);

		if (o != NULL && o->gen == gen)
			return o;
	}
	return NULL;
}

#ifdef MR_HAVE_SRTP
/*
 * Put a new key object in a set of two: the one the published definition
 * names stays (readers may use it until the change is published), the
 * other slot takes the new key. A pending key not yet published is
 * replaced (it was never used by a context on the fast path... but may
 * be by a prepared one: it goes after a grace period).
 */
static int
keyobj_put(struct mr_relay *r, struct srtp_keyobj **set, uint32_t keep_gen,
	   const struct mr_srtp_key *key, uint32_t *gen)
{
	struct srtp_keyobj *o, *old;
	int k;

	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	o->key = *key;
	o->gen = ++r->srtp_gen_last;
	if (o->gen == 0)
		o->gen = ++r->srtp_gen_last;
	k = set[0] != NULL && set[0]->gen == keep_gen && keep_gen != 0 ? 1 : 0;
	old = set[k];
	__atomic_store_n(&set[k], o, __ATOMIC_RELEASE);
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(r->streams->qsbr, RTE_QSBR_THRID_INVALID);
		keyobj_free(old);
	}
	*gen = o->gen;
	return 0;
}
#endif

int
mr_relay_srtp_key_stage(struct mr_relay *r, uint32_t idx, bool out,
			const struct mr_srtp_key *key, struct mr_leg_def *d)
{
	const struct mr_leg_def *cur;
	struct mr_relay_srtp_leg *l;
	uint32_t gen = 0;
	char fp[MR_SRTP_FINGERPRINT_LEN + 1] = "";
	int rc;

	if (idx >= r->streams->legs_max)
		return -EINVAL;
	/* a relay set up by hand (tests) has no table yet */
	if (r->srtp == NULL && mr_relay_srtp_init(r) != 0)
		return -ENOMEM;
	cur = &r->streams->defs[idx];
	l = &r->srtp[idx];
	if (key != NULL && key->suite != MR_SRTP_SUITE_NONE) {
#ifdef MR_HAVE_SRTP
		if (mr_srtp_init() != 0)
			return -EIO;
		rc = keyobj_put(r, out ? l->out : l->in,
				cur->in_use ? (out ? cur->srtp_out_gen : cur->srtp_in_gen) : 0,
				key, &gen);
		if (rc != 0)
			return rc;
		mr_srtp_key_fingerprint(key, fp);
#else
		RTE_SET_USED(rc);
		RTE_SET_USED(cur);
		RTE_SET_USED(l);
		return -ENOTSUP;
#endif
	}
	if (out) {
		d->srtp_out_gen = gen;
		d->srtp_out_suite = gen != 0 ? key->suite : 0;
		snprintf(d->srtp_out_fp, sizeof(d->srtp_out_fp), "%s", fp);
	} else {
		d->srtp_in_gen = gen;
		d->srtp_in_suite = gen != 0 ? key->suite : 0;
		snprintf(d->srtp_in_fp, sizeof(d->srtp_in_fp), "%s", fp);
	}
	return 0;
}

int
mr_relay_srtp_out_restage(struct mr_relay *r, uint32_t idx, struct mr_leg_def *d)
{
	struct srtp_keyobj *o;
	struct mr_srtp_key k;
	int rc;

	if (idx >= r->streams->legs_max || d->srtp_out_gen == 0 || r->srtp == NULL)
		return 0;
	o = keyobj_find(r->srtp[idx].out, d->srtp_out_gen);
	if (o == NULL)
		return -ENOENT;
	k = o->key;
	rc = mr_relay_srtp_key_stage(r, idx, true, &k, d);
	explicit_bzero(&k, sizeof(k));
	return rc;
}

const char *
mr_relay_srtp_describe(const struct mr_leg_def *d, bool out, char *buf, size_t len)
{
	uint8_t suite = out ? d->srtp_out_suite : d->srtp_in_suite;
	const char *fp = out ? d->srtp_out_fp : d->srtp_in_fp;

#ifdef MR_HAVE_SRTP
	if (suite != MR_SRTP_SUITE_NONE) {
		snprintf(buf, len, "%s fp:%s", mr_srtp_suite_name(suite), fp);
		return buf;
	}
#else
	RTE_SET_USED(suite);
	RTE_SET_USED(fp);
#endif
	snprintf(buf, len, "none");
	return buf;
}

/* ---------- contexts: made where allowed, swapped by their owner ---------- */

struct in_swap_arg {
	struct mr_relay *r;
	struct mr_srtp_ctx *ctx;
	uint32_t gen;
};

/* Leg call: the owner takes the new inbound context and gives the old back. */
static int
in_swap(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg, void *arg)
{
	struct in_swap_arg *a = arg;
	struct mr_relay_srtp_leg *l = &a->r->srtp[leg];
	struct mr_srtp_ctx *old = l->in_ctx;

	RTE_SET_USED(s);
	RTE_SET_USED(sh);
	l->in_ctx = a->ctx;
	l->in_ctx_gen = a->gen;
	a->ctx = old;
	return 0;
}

/* Give leg idx's owner the inbound context of key generation gen (0: none). */
static int
in_sync(struct mr_relay *r, uint32_t idx, uint32_t gen)
{
	struct mr_relay_srtp_leg *l = &r->srtp[idx];
	struct in_swap_arg a = { .r = r, .gen = gen };
	int rc;

	if (l->main_in_gen == gen)
		return 0;
	if (gen != 0) {
#ifdef MR_HAVE_SRTP
		struct srtp_keyobj *o = keyobj_find(l->in, gen);

		if (o == NULL)
			return -ENOENT;
		rc = mr_srtp_inbound_create(&o->key, 0, &a.ctx);
		if (rc != 0)
			return rc;
#else
		return -ENOTSUP;
#endif
	}
	rc = mr_streams_leg_call(r->streams, idx, in_swap, &a, sizeof(a));
	if (rc != 0) {
		/* the owner may still run it: leave both contexts alone */
		RELAY_LOG(ERR, "leg %u: SRTP inbound context not handed over (%d)\n", idx, rc);
		return rc;
	}
	l->main_in_gen = gen;
	ctx_free(a.ctx);
	return 0;
}

#ifdef MR_HAVE_SRTP
/*
 * The context already bound to (leg, gen, ssrc) for leg L's streams, if
 * there is one: one its deleted streams left (parked), or another live
 * stream's (a new input SSRC to a destination with ssrc_out: the newest
 * stream sends, the older one's packets to it count as srtp_error). Two
 * contexts under one key and SSRC would repeat SRTP indexes: for
 * AES-GCM, nonces. The token holder of L.
 */
static bool
out_take(struct mr_relay *r, uint32_t L, const struct mr_stream *self, uint32_t leg,
	 uint32_t gen, uint32_t ssrc, struct srtp_out *e)
{
	struct mr_relay_srtp_leg *l = &r->srtp[L];
	const struct mr_stream *st;
	uint8_t i;

	for (i = 0; i < l->n_parked; i++) {
		struct srtp_out *p = &l->parked[i];

		if (p->leg == leg && p->gen == gen && p->ssrc == ssrc) {
			*e = *p;
			memmove(p, p + 1, sizeof(*p) * (size_t)(l->n_parked - i - 1));
			l->n_parked--;
			return true;
		}
	}
	for (st = r->streams->rt[L].streams; st != NULL; st = st->leg_next) {
		struct srtp_stream *o = st->srtp;

		for (i = 0; st != self && o != NULL && i < o->n_out; i++) {
			struct srtp_out *p = &o->out[i];

			if (p->ctx != NULL && p->leg == leg && p->gen == gen && p->ssrc == ssrc) {
				*e = *p;
				p->ctx = NULL;
				return true;
			}
		}
	}
	return false;
}

/*
 * Add an outbound context for (leg, gen) to stream @p self (NULL: one
 * being made) of leg L, bound to @p ssrc. The token holder of L, off the
 * packet path.
 */
static int
out_add(struct mr_relay *r, uint32_t L, const struct mr_stream *self, struct srtp_stream *ss,
	uint32_t leg, uint32_t gen, uint32_t ssrc, uint32_t in_ssrc)
{
	const struct srtp_out *same_leg = NULL;
	struct srtp_keyobj *o;
	struct srtp_out *e;
	uint8_t i;

	for (i = 0; i < ss->n_out; i++) {
		if (ss->out[i].leg == leg && ss->out[i].gen == gen)
			return 0;
		if (ss->out[i].leg == leg && ss->out[i].seq_set)
			same_leg = &ss->out[i];
	}
	if (ss->n_out == SRTP_OUT_MAX)
		return -ENOSPC;
	o = keyobj_find(r->srtp[leg].out, gen);
	if (o == NULL)
		return -ENOENT;
	e = &ss->out[ss->n_out];
	memset(e, 0, sizeof(*e));
	if (L != OUT_NO_LEG && out_take(r, L, self, leg, gen, ssrc, e)) {
		if (e->in_ssrc != in_ssrc) {
			/* another source: its first packet follows the last one sent */
			e->in_ssrc = in_ssrc;
			e->rebase = 1;
			e->seq_set = 0;
		}
		ss->n_out++;
		return 0;
	}
	if (mr_srtp_outbound_create(&o->key, ssrc, &e->ctx) != 0)
		return -ENOMEM;
	e->leg = leg;
	e->gen = gen;
	e->ssrc = ssrc;
	e->in_ssrc = in_ssrc;
	if (same_leg != NULL) {
		/* a new key for the same destination: its sequence numbers go on */
		e->seq_add = same_leg->seq_add;
		e->seq_set = 1;
	}
	ss->n_out++;
	return 0;
}

/*
 * out_add(), and when the context cannot be made an entry without one:
 * its packets count as srtp_error and it is not tried again per packet.
 */
static void
out_add_kept(struct mr_relay *r, uint32_t L, const struct mr_stream *self, struct srtp_stream *ss,
	     uint32_t leg, uint32_t gen, uint32_t ssrc, uint32_t in_ssrc)
{
	struct srtp_out *e;

	if (out_add(r, L, self, ss, leg, gen, ssrc, in_ssrc) == 0 || ss->n_out == SRTP_OUT_MAX)
		return;
	e = &ss->out[ss->n_out++];
	memset(e, 0, sizeof(*e));
	e->leg = leg;
	e->gen = gen;
}
#endif

struct out_sync_arg {
	struct mr_relay *r;
	bool plan;                /* also the leg's plan, not only its snapshot */
	uint32_t failed;          /* contexts that could not be made */
};

static bool
wanted(const struct srtp_out *e, const struct mr_leg *snap, const struct mr_relay_srtp_leg *l,
       bool plan)
{
	uint8_t i;

	for (i = 0; snap != NULL && i < snap->n_dests; i++)
		if (snap->dests[i].leg_idx == e->leg && snap->dests[i].srtp_gen == e->gen)
			return true;
	for (i = 0; plan && i < l->n_plan; i++)
		if (l->plan[i].leg == e->leg && l->plan[i].gen == e->gen)
			return true;
	return false;
}

/* The SRTP state of stream @p st, made (and published) if it has none. Its owner. */
static struct srtp_stream *
stream_state(struct mr_stream *st)
{
	struct srtp_stream *ss = st->srtp;

	if (ss != NULL)
		return ss;
	ss = rte_zmalloc_socket("mr_srtp_stream", sizeof(*ss), 0, rte_socket_id());
	if (ss == NULL)
		return NULL;
	ss->tc = st->tc_channel != MR_STREAM_NO_CHANNEL;
	__atomic_store_n(&st->srtp, ss, __ATOMIC_RELEASE);
	return ss;
}

/* Free the parked contexts of @p l that neither its snapshot nor its plan needs. */
static void
parked_prune(struct mr_relay_srtp_leg *l, const struct mr_leg *snap, bool plan)
{
	uint8_t i, k;

	for (i = 0, k = 0; i < l->n_parked; i++) {
		if (wanted(&l->parked[i], snap, l, plan))
			l->parked[k++] = l->parked[i];
		else
			ctx_free(l->parked[i].ctx);
	}
	l->n_parked = k;
}

/*
 * Leg call: every stream of the leg gets the outbound contexts its
 * snapshot's destinations need (and, with a plan, those the next
 * snapshot will need), and loses those neither needs.
 */
static int
out_sync(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg, void *arg)
{
	struct out_sync_arg *a = arg;
	struct mr_relay *r = a->r;
	const struct mr_relay_srtp_leg *l = &r->srtp[leg];
	const struct mr_leg *snap = mr_streams_leg(s, leg);
	struct mr_stream *st;

	RTE_SET_USED(sh);
	parked_prune(&r->srtp[leg], snap, a->plan);
	for (st = s->rt[leg].streams; st != NULL; st = st->leg_next) {
		struct srtp_stream *ss = st->srtp;
		uint8_t i, k;

		if (ss == NULL) {
			if ((snap == NULL || !(snap->srtp & MR_LEG_SRTP_OUT)) &&
			    !(a->plan && l->n_plan != 0))
				continue;
			ss = stream_state(st);
			if (ss == NULL) {
				a->failed++;
				continue;
			}
		}
		/* prune first: room for the new ones */
		for (i = 0, k = 0; i < ss->n_out; i++) {
			if (wanted(&ss->out[i], snap, l, a->plan))
				ss->out[k++] = ss->out[i];
			else
				ctx_free(ss->out[i].ctx);
		}
		ss->n_out = k;
#ifdef MR_HAVE_SRTP
		for (i = 0; snap != NULL && i < snap->n_dests; i++) {
			const struct mr_dest *d = &snap->dests[i];

			if (d->srtp_gen != 0 &&
			    out_add(r, leg, st, ss, d->leg_idx, d->srtp_gen,
				    out_ssrc(ss, d->ssrc_out, st->ssrc), st->ssrc) != 0)
				a->failed++;
		}
		for (i = 0; a->plan && i < l->n_plan; i++) {
			const struct srtp_plan *p = &l->plan[i];

			if (out_add(r, leg, st, ss, p->leg, p->gen,
				    out_ssrc(ss, p->ssrc_out, st->ssrc), st->ssrc) != 0)
				a->failed++;
		}
#endif
	}
	return 0;
}

/* The plan of leg L: its destinations with keys, with leg idx's definition taken from d. */
static void
plan_make(struct mr_relay *r, uint32_t L, const struct mr_leg_def *ldef, uint32_t idx,
	  const struct mr_leg_def *d)
{
	struct mr_relay_srtp_leg *l = &r->srtp[L];
	uint16_t i;

	l->n_plan = 0;
	for (i = 0; i < ldef->n_fwd; i++) {
		uint32_t t = ldef->fwd[i];
		const struct mr_leg_def *td = t == idx ? d : &r->streams->defs[t];

		if (!td->in_use || td->srtp_out_gen == 0)
			continue;
		l->plan[l->n_plan++] = (struct srtp_plan){
			.leg = t, .gen = td->srtp_out_gen, .ssrc_out = td->ssrc_out,
		};
	}
}

static int
leg_out_sync(struct mr_relay *r, uint32_t L, bool plan)
{
	struct mr_relay_srtp_leg *l = &r->srtp[L];
	const struct mr_leg *snap = mr_streams_leg(r->streams, L);
	struct out_sync_arg a = { .r = r, .plan = plan };
	bool need = (snap != NULL && (snap->srtp & MR_LEG_SRTP_OUT)) || (plan && l->n_plan != 0);
	int rc;

	if (!need && !l->out_synced)
		return 0;
	rc = mr_streams_leg_call(r->streams, L, out_sync, &a, sizeof(a));
	if (rc != 0) {
		RELAY_LOG(ERR, "leg %u: SRTP outbound contexts not synced (%d)\n", L, rc);
		return rc;
	}
	l->out_synced = need;
	if (a.failed != 0)
		RELAY_LOG(WARNING, "leg %u: %u SRTP outbound contexts could not be made\n",
			  L, a.failed);
	return 0;
}

int
mr_relay_srtp_before(struct mr_relay *r, uint32_t idx, const struct mr_leg_def *d)
{
	const struct mr_leg_def *cur;
	uint16_t i;
	int rc;

	if (idx >= r->streams->legs_max)
		return -EINVAL;
	if (r->srtp == NULL)
		return 0;       /* no key was ever given */
	cur = &r->streams->defs[idx];
	/* a new key in: swapped in now (the leg's flag follows with d) */
	if (d->in_use && d->srtp_in_gen != 0) {
		rc = in_sync(r, idx, d->srtp_in_gen);
		if (rc != 0)
			return rc;
	}
	if (d->in_use) {
		plan_make(r, idx, d, idx, d);
		rc = leg_out_sync(r, idx, true);
		if (rc != 0)
			return rc;
	}
	/* the legs forwarding to it, when what it is sent changes */
	if (cur->in_use && (cur->srtp_out_gen != d->srtp_out_gen || cur->ssrc_out != d->ssrc_out ||
			    !d->in_use)) {
		for (i = 0; i < cur->n_refs; i++) {
			uint32_t L = cur->refs[i];

			plan_make(r, L, &r->streams->defs[L], idx, d);
			rc = leg_out_sync(r, L, true);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

void
mr_relay_srtp_after(struct mr_relay *r, uint32_t idx)
{
	const struct mr_leg_def *cur;
	struct mr_relay_srtp_leg *l;
	struct srtp_keyobj *gone[4];
	unsigned int n = 0, k;
	uint16_t i;

	if (idx >= r->streams->legs_max || r->srtp == NULL)
		return;
	cur = &r->streams->defs[idx];
	l = &r->srtp[idx];
	in_sync(r, idx, cur->in_use ? cur->srtp_in_gen : 0);
	l->n_plan = 0;
	leg_out_sync(r, idx, false);
	for (i = 0; cur->in_use && i < cur->n_refs; i++) {
		r->srtp[cur->refs[i]].n_plan = 0;
		leg_out_sync(r, cur->refs[i], false);
	}
	/* keys no published definition names: erased after a grace period */
	for (k = 0; k < 2; k++) {
		struct srtp_keyobj *o = l->in[k];

		if (o != NULL && !(cur->in_use && o->gen == cur->srtp_in_gen) &&
		    o->gen != l->main_in_gen) {
			gone[n++] = o;
			__atomic_store_n(&l->in[k], NULL, __ATOMIC_RELEASE);
		}
		o = l->out[k];
		if (o != NULL && !(cur->in_use && o->gen == cur->srtp_out_gen)) {
			gone[n++] = o;
			__atomic_store_n(&l->out[k], NULL, __ATOMIC_RELEASE);
		}
	}
	if (n == 0)
		return;
	rte_rcu_qsbr_synchronize(r->streams->qsbr, RTE_QSBR_THRID_INVALID);
	for (k = 0; k < n; k++)
		keyobj_free(gone[k]);
}

/* ---------- streams (their owner) ---------- */

int
mr_relay_srtp_stream_make(struct mr_worker *w, uint32_t leg_idx, const struct mr_leg *leg,
			  uint32_t ssrc, void **out)
{
	struct mr_relay *r = w->relay;
	struct srtp_stream *ss;
	uint8_t i;

	*out = NULL;
	ss = rte_zmalloc_socket("mr_srtp_stream", sizeof(*ss), 0, rte_socket_id());
	if (ss == NULL)
		return -ENOMEM;
	if (leg->srtp & MR_LEG_SRTP_IN)
		ss->in_gen = r->srtp[leg_idx].in_ctx_gen;
	ss->tc = leg->tc_profile != 0;
#ifdef MR_HAVE_SRTP
	for (i = 0; (leg->srtp & MR_LEG_SRTP_OUT) && i < leg->n_dests; i++) {
		const struct mr_dest *d = &leg->dests[i];

		/* one that cannot be made: its packets are counted as srtp_error */
		if (d->srtp_gen != 0)
			out_add(r, leg_idx, NULL, ss, d->leg_idx, d->srtp_gen,
				out_ssrc(ss, d->ssrc_out, ssrc), ssrc);
	}
#else
	RTE_SET_USED(i);
	RTE_SET_USED(ssrc);
#endif
	*out = ss;
	return 0;
}

void
mr_relay_srtp_state_free(void *state)
{
	struct srtp_stream *ss = state;
	uint8_t i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n_out; i++)
		ctx_free(ss->out[i].ctx);
	rte_free(ss);
}

void
mr_relay_srtp_stream_unlinked(void *ctx, struct mr_stream *st)
{
	struct mr_relay *r = ctx;
	struct srtp_stream *ss = st->srtp;
	struct mr_relay_srtp_leg *l;
	uint8_t i;

	if (ss == NULL || r->srtp == NULL || st->leg_idx >= r->streams->legs_max)
		return;
	l = &r->srtp[st->leg_idx];
	for (i = 0; i < ss->n_out; i++) {
		struct srtp_out *o = &ss->out[i];

		if (o->ctx == NULL)
			continue;
		if (l->n_parked == SRTP_PARKED_MAX) {
			/* the oldest goes: its key and SSRC start again if ever used */
			ctx_free(l->parked[0].ctx);
			memmove(&l->parked[0], &l->parked[1],
				sizeof(l->parked[0]) * (SRTP_PARKED_MAX - 1));
			l->n_parked--;
		}
		l->parked[l->n_parked++] = *o;
		/* a packet of this burst still finding the stream: srtp_error, no context */
		o->ctx = NULL;
	}
}

void
mr_relay_srtp_stream_free(struct mr_relay *r, struct mr_stream *st)
{
	struct srtp_stream *ss = st->srtp;

	if (ss == NULL)
		return;
#ifdef MR_HAVE_SRTP
	/*
	 * Its SSRC's state in the leg's inbound context goes too, when this
	 * lcore holds the leg (the context's owner) and it is still the
	 * context the SSRC authenticated in.
	 */
	if (ss->in_gen != 0 && st->leg_idx < r->streams->legs_max &&
	    __atomic_load_n(&r->streams->rt[st->leg_idx].owner, __ATOMIC_ACQUIRE) ==
	    rte_lcore_id()) {
		struct mr_relay_srtp_leg *l = &r->srtp[st->leg_idx];

		if (l->in_ctx != NULL && l->in_ctx_gen == ss->in_gen)
			mr_srtp_remove_ssrc(l->in_ctx, st->ssrc);
	}
#else
	RTE_SET_USED(r);
#endif
	st->srtp = NULL;
	mr_relay_srtp_state_free(ss);
}

const char *
mr_relay_srtp_result_name(int result)
{
	static const char *const names[] = {
#define RESULT_NAME_(sym, name) name,
		MR_SRTP_RESULTS(RESULT_NAME_)
#undef RESULT_NAME_
	};

	return result >= 0 && result < (int)RTE_DIM(names) ? names[result] : "invalid";
}

bool
mr_relay_srtp_stream_stats(const struct mr_stream *st, struct mr_relay_srtp_stream_stats *out)
{
	const struct srtp_stream *ss = __atomic_load_n(&st->srtp, __ATOMIC_ACQUIRE);
	int k;

	memset(out, 0, sizeof(*out));
	if (ss == NULL)
		return false;
	for (k = 0; k < MR_SRTP__MAX; k++)
		out->drops[k] = __atomic_load_n(&ss->drops[k], __ATOMIC_RELAXED);
	out->n_out = __atomic_load_n(&ss->n_out, __ATOMIC_RELAXED);
	return true;
}

/* ---------- transcoder output (the transcoder lcore) ---------- */

static inline struct srtp_out *out_find(struct srtp_stream *ss, uint32_t leg, uint32_t gen);

/* The SRTP state of one transcoder channel's output. */
struct srtp_tc_chan {
	uint32_t channel_id;
	uint32_t ssrc;            /* the channel's output SSRC the contexts are bound to */
	struct srtp_stream ss;
};

static void
tc_chan_free(struct srtp_tc_chan *c)
{
	uint8_t i;

	for (i = 0; i < c->ss.n_out; i++)
		ctx_free(c->ss.out[i].ctx);
	rte_free(c);
}

void *
mr_relay_srtp_tc_state(struct mr_worker *w, uint32_t channel_id, const struct mr_leg *leg,
		       uint32_t ssrc)
{
	struct mr_relay *r = w->relay;
	void **slot = &r->tc_srtp[w->tc_slot][channel_id & (MR_TC_MAX_CHANNELS - 1)];
	struct srtp_tc_chan *c = *slot;
	uint8_t i;

	/* a slot whose channel was not reported closed, or a new output SSRC: start again */
	if (c != NULL && (c->channel_id != channel_id || c->ssrc != ssrc)) {
		tc_chan_free(c);
		*slot = c = NULL;
	}
	if (c == NULL) {
		c = rte_zmalloc_socket("mr_srtp_tc", sizeof(*c), 0, rte_socket_id());
		if (c == NULL)
			return NULL;
		c->channel_id = channel_id;
		c->ssrc = ssrc;
		*slot = c;
	}
	for (i = 0; i < leg->n_dests; i++) {
		const struct mr_dest *d = &leg->dests[i];
		uint8_t j, k;

		if (d->srtp_gen == 0 || out_find(&c->ss, d->leg_idx, d->srtp_gen) != NULL)
			continue;
		/* a new destination or key: those this snapshot no longer names go first */
		for (j = 0, k = 0; j < c->ss.n_out; j++) {
			if (wanted(&c->ss.out[j], leg, NULL, false))
				c->ss.out[k++] = c->ss.out[j];
			else
				ctx_free(c->ss.out[j].ctx);
		}
		c->ss.n_out = k;
#ifdef MR_HAVE_SRTP
		/* the transcoder holds no leg token: its contexts are its own */
		out_add_kept(r, OUT_NO_LEG, NULL, &c->ss, d->leg_idx, d->srtp_gen,
			     d->ssrc_out != 0 ? d->ssrc_out : ssrc, ssrc);
#else
		RTE_SET_USED(r);
#endif
	}
	return &c->ss;
}

void
mr_relay_srtp_tc_closed(struct mr_worker *w, uint32_t channel_id)
{
	void **slot = &w->relay->tc_srtp[w->tc_slot][channel_id & (MR_TC_MAX_CHANNELS - 1)];
	struct srtp_tc_chan *c = *slot;

	if (c == NULL || c->channel_id != channel_id)
		return;
	*slot = NULL;
	tc_chan_free(c);
}

void
mr_relay_srtp_tc_fini(struct mr_relay *r, uint16_t t)
{
	uint32_t i;

	if (r->tc_srtp[t] == NULL)
		return;
	for (i = 0; i < MR_TC_MAX_CHANNELS; i++)
		if (r->tc_srtp[t][i] != NULL)
			tc_chan_free(r->tc_srtp[t][i]);
	rte_free(r->tc_srtp[t]);
	r->tc_srtp[t] = NULL;
}

/* ---------- packets ---------- */

mr_drop_reason_t
mr_relay_srtp_unprotect(struct mr_worker *w, uint32_t leg, struct mr_stream *st, uint8_t *pkt,
			uint16_t *len, bool rtcp)
{
	struct mr_relay_srtp_leg *l = &w->relay->srtp[leg];
	enum mr_srtp_result res = MR_SRTP_ERROR;
	uint32_t n = *len;

#ifdef MR_HAVE_SRTP
	if (likely(l->in_ctx != NULL))
		res = rtcp ? mr_srtp_unprotect_rtcp(l->in_ctx, pkt, &n) :
			     mr_srtp_unprotect_rtp(l->in_ctx, pkt, &n);
#else
	RTE_SET_USED(l);
	RTE_SET_USED(pkt);
	RTE_SET_USED(rtcp);
#endif
	if (likely(res == MR_SRTP_OK)) {
		*len = (uint16_t)n;
		return MR_DROP_NONE;
	}
	count_fail(w->relay->streams, leg, st != NULL ? st->srtp : NULL, res);
	return reason_of(res);
}

static inline struct srtp_out *
out_find(struct srtp_stream *ss, uint32_t leg, uint32_t gen)
{
	uint8_t i;

	for (i = 0; i < ss->n_out; i++)
		if (ss->out[i].leg == leg && ss->out[i].gen == gen)
			return &ss->out[i];
	return NULL;
}

/*
 * RTCP to a destination with ssrc_out: its context is bound to ssrc_out,
 * as the RTP it receives says. Every packet of the compound whose own
 * SSRC (SR/RR sender, first SDES chunk or BYE source, APP, feedback
 * sender) is the stream's takes ssrc_out; report blocks and media SSRCs,
 * which name other sources, are left alone.
 */
static void __rte_unused
rtcp_ssrc_rewrite(uint8_t *p, uint32_t len, uint32_t from, uint32_t to)
{
	uint32_t off = 0, plen;

	while (off + 8 <= len) {
		unaligned_uint32_t *ssrc = (unaligned_uint32_t *)(p + off + 4);

		plen = ((uint32_t)rte_be_to_cpu_16(*(const unaligned_uint16_t *)(p + off + 2)) + 1) * 4;
		if (off + plen > len)
			break;
		if (rte_be_to_cpu_32(*ssrc) == from)
			*ssrc = rte_cpu_to_be_32(to);
		off += plen;
	}
}

#ifdef MR_HAVE_SRTP
/*
 * A destination the stream got no context for when it was made or last
 * synced: a latch leg that latched since (the legs forwarding to it are
 * republished then, with no sync). Made here, once, on the stream's
 * owner, which holds the stream's leg token; one that cannot be made
 * stays as an entry without a context (srtp_error), not a retry per
 * packet.
 */
static struct srtp_out *
out_late(struct mr_worker *w, struct mr_stream *st, const struct mr_dest *d,
	 struct srtp_stream **ssp)
{
	struct srtp_stream *ss = stream_state(st);

	if (ss == NULL)
		return NULL;
	*ssp = ss;
	out_add_kept(w->relay, st->leg_idx, st, ss, d->leg_idx, d->srtp_gen,
		     out_ssrc(ss, d->ssrc_out, st->ssrc), st->ssrc);
	return out_find(ss, d->leg_idx, d->srtp_gen);
}
#endif

void
mr_relay_srtp_send(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
		   const struct mr_dest *d, bool own)
{
	struct mr_relay *r = w->relay;
	struct srtp_stream *ss = f->srtp;
	struct srtp_out *o = ss != NULL ? out_find(ss, d->leg_idx, d->srtp_gen) : NULL;

#ifdef MR_HAVE_SRTP
	if (unlikely(o == NULL) && f->st != NULL)
		o = out_late(w, f->st, d, &ss);
#endif
	enum mr_srtp_result res = MR_SRTP_ERROR;
	struct rte_mbuf *out;
	uint32_t sum = 0;
	uint8_t *p;

	if (unlikely(o == NULL || o->ctx == NULL)) {
		/* never sent plain where SRTP is expected */
		count_fail(r->streams, d->leg_idx, ss, MR_SRTP_ERROR);
		mr_drop_count(w->ctr, MR_DROP_SRTP_ERROR, 1);
		if (own)
			rte_pktmbuf_free(m);
		return;
	}
	/* protected in place: only a buffer nobody else shares (not a clone's) */
	if (own && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && m->nb_segs == 1) {
		rte_pktmbuf_adj(m, f->off);
		rte_pktmbuf_trim(m, m->data_len - f->len);
		out = m;
	} else {
		out = rte_pktmbuf_copy(m, r->copy_pool, f->off, f->len);
		if (own)
			rte_pktmbuf_free(m);
		if (unlikely(out == NULL)) {
			mr_drop_count(w->ctr, MR_DROP_MBUF_EXHAUSTED, 1);
			return;
		}
		mr_counter_add(&w->ctr->fwd_clones, 1);
	}
	p = rte_pktmbuf_mtod(out, uint8_t *);
#ifdef MR_HAVE_SRTP
	if (!f->is_rtcp) {
		uint16_t seq = (uint16_t)(f->seq + d->seq_offset);

		if (unlikely(!o->seq_set)) {
			/*
			 * A receiver joining assumes ROC 0: start below 2^15
			 * (docs/srtp.md); a context taken over from another
			 * source goes on from its last sequence number.
			 */
			if (o->rebase)
				o->seq_add = (uint16_t)(o->last_seq + 1 - seq);
			else
				o->seq_add = seq >= 0x8000 ? 0x8000 : 0;
			o->seq_set = 1;
		}
		o->last_seq = (uint16_t)(seq + o->seq_add);
		mr_rtp_rewrite(p, d->ssrc_out != 0 ? d->ssrc_out : f->ssrc, o->last_seq,
			       f->ts + d->ts_offset);
		res = mr_srtp_protect_rtp_mbuf(o->ctx, out, 0);
	} else {
		if (d->ssrc_out != 0 && !ss->tc)
			rtcp_ssrc_rewrite(p, out->data_len, f->ssrc, d->ssrc_out);
		res = mr_srtp_protect_rtcp_mbuf(o->ctx, out, 0);
	}
#endif
	if (unlikely(res != MR_SRTP_OK)) {
		count_fail(r->streams, d->leg_idx, ss, res);
		drop(w, out, reason_of(res));
		return;
	}
	if (!d->cksum_offload)
		sum = mr_pkt_raw_sum(p, out->data_len);
	emit(w, d, out, sum);
}
