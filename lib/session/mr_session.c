/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The session model on the main lcore: checks a change against the
 * current state (names, ports, addresses in use, profiles, table room),
 * all before anything changes, then applies it through the tables
 * (mr_streams_leg_set()), keeping the name indexes in step.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "mr_relay_quic.h"
#include "mr_relay_srtp.h"
#include "mr_session.h"

#define NO_LEG UINT32_MAX

/* A name as a fixed-size hash key: the name, zero padded. */
struct name_key {
	char s[MR_STREAM_NAME_LEN];
};

struct mr_sessions {
	struct mr_streams *streams;
	struct mr_relay *relay;
	uint16_t rtp_port_min;
	uint16_t rtp_port_max;
	uint32_t port_rover;            /* next candidate of an allocated local port */
	uint32_t slot_rover;            /* next candidate of a free leg slot */
	struct rte_hash *by_name;       /* leg name -> slot */
	struct rte_hash *by_session;    /* session name -> first leg's slot */
	uint32_t *sess_next;            /* [legs_max] next leg of the same session */
	uint8_t *origin;                /* [legs_max] enum mr_leg_origin */
	mr_sessions_change_fn on_change;
	void *on_change_ctx;
	uint16_t n_profiles;
	struct name_key profile[MR_RELAY_MAX_PROFILES];
	struct mr_port_facts ports[RTE_MAX_ETHPORTS];
};

static void
name_key(struct name_key *k, const char *s)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->s, sizeof(k->s), "%s", s);
}

static int __rte_format_printf(3, 4)
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return 0;
}

#define FAIL(rc, ...) (fail(err, errlen, __VA_ARGS__), (rc))

static struct rte_hash *
index_create(const char *what, uint32_t n, int socket)
{
	static uint32_t serial;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(n, 8u),
		.key_len = sizeof(struct name_key),
		.hash_func = rte_jhash,
		.socket_id = socket,
		/* the telemetry thread looks names up while the main lcore writes */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	snprintf(name, sizeof(name), "mr_%s%u", what, __atomic_fetch_add(&serial, 1,
									__ATOMIC_RELAXED));
	return rte_hash_create(&hp);
}

/*
 * Delete a name and give its key slot back. A lock-free hash keeps a
 * deleted key's slot until told (without it, legs_max adds over the
 * process's life fill the index for good). A reader on another thread
 * may then find the slot reused by another name: readers check the name
 * in the slot they get (see mr_sessions_leg_find()).
 */
static void
index_del(struct rte_hash *h, const struct name_key *k)
{
	int32_t pos = rte_hash_del_key(h, k);

	if (pos >= 0)
		rte_hash_free_key_with_position(h, pos);
}

struct mr_sessions *
mr_sessions_create(const struct mr_sessions_params *p)
{
	struct mr_sessions *s;
	uint32_t n, i;

	if (p == NULL || p->streams == NULL || p->relay == NULL ||
	    p->rtp_port_min == 0 || p->rtp_port_min > p->rtp_port_max) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = p->streams->legs_max;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->streams = p->streams;
	s->relay = p->relay;
	s->rtp_port_min = p->rtp_port_min;
	s->rtp_port_max = p->rtp_port_max;
	s->port_rover = p->rtp_port_min;
	s->sess_next = malloc(sizeof(*s->sess_next) * n);
	s->origin = calloc(n, sizeof(*s->origin));
	s->by_name = index_create("legn", n, p->streams->socket_id);
	s->by_session = index_create("sesn", n, p->streams->socket_id);
	if (s->sess_next == NULL || s->origin == NULL || s->by_name == NULL ||
	    s->by_session == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		s->sess_next[i] = NO_LEG;
	/* legs defined before the model existed (none in mrelay; tests may) */
	for (i = 0; i < n; i++) {
		const struct mr_leg_def *d = &p->streams->defs[i];
		struct name_key k;
		void *head;

		if (!d->in_use)
			continue;
		name_key(&k, d->name);
		if (rte_hash_add_key_data(s->by_name, &k, (void *)(uintptr_t)i) < 0)
			goto nomem;
		name_key(&k, d->session);
		s->sess_next[i] = rte_hash_lookup_data(s->by_session, &k, &head) >= 0 ?
				  (uint32_t)(uintptr_t)head : NO_LEG;
		if (rte_hash_add_key_data(s->by_session, &k, (void *)(uintptr_t)i) < 0)
			goto nomem;
	}
	return s;
nomem:
	mr_sessions_free(s);
	rte_errno = ENOMEM;
	return NULL;
}

void
mr_sessions_free(struct mr_sessions *s)
{
	if (s == NULL)
		return;
	rte_hash_free(s->by_name);
	rte_hash_free(s->by_session);
	free(s->sess_next);
	free(s->origin);
	free(s);
}

void
mr_sessions_rtp_range(const struct mr_sessions *s, uint16_t *min, uint16_t *max)
{
	*min = s->rtp_port_min;
	*max = s->rtp_port_max;
}

void
mr_sessions_on_change(struct mr_sessions *s, mr_sessions_change_fn fn, void *ctx)
{
	s->on_change = fn;
	s->on_change_ctx = ctx;
}

/* ---------- ports ---------- */

int
mr_sessions_port_set(struct mr_sessions *s, uint16_t port, const struct mr_port_facts *f)
{
	struct mr_stream_port *sp;

	if (port >= RTE_MAX_ETHPORTS || f == NULL)
		return -EINVAL;
	s->ports[port] = *f;
	/* the fast path's copies: templates read these when a snapshot is built */
	sp = &s->streams->ports[port];
	sp->present = f->present;
	sp->cksum_offload = f->cksum_offload;
	sp->vlan = f->vlan;
	sp->mac = f->mac;
	sp->nexthop = f->nexthop;
	s->relay->multiseg[port] = f->multiseg;
	return 0;
}

const struct mr_port_facts *
mr_sessions_port(const struct mr_sessions *s, uint16_t port)
{
	if (port >= RTE_MAX_ETHPORTS || !s->ports[port].present)
		return NULL;
	return &s->ports[port];
}

/* ---------- profiles ---------- */

int
mr_sessions_profiles_set(struct mr_sessions *s, const char (*names)[MR_STREAM_NAME_LEN],
			 const struct mr_tc_profile *p, uint16_t n, uint16_t *bad)
{
	struct mr_tc_profile v[MR_RELAY_MAX_PROFILES] = {0};
	uint16_t i;

	if (n > MR_RELAY_MAX_PROFILES)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		v[i] = p[i];
		/* zero fields take their defaults */
		if (mr_tc_profile_validate(&v[i]) != 0) {
			if (bad != NULL)
				*bad = i;
			return -EINVAL;
		}
	}
	if (mr_relay_set_profiles(s->relay, v, n) != 0)
		return -E2BIG;
	for (i = 0; i < n; i++)
		name_key(&s->profile[i], names[i]);
	s->n_profiles = n;
	return 0;
}

int
mr_sessions_profile_find(const struct mr_sessions *s, const char *name)
{
	uint16_t i;

	for (i = 0; i < s->n_profiles; i++)
		if (strcmp(s->profile[i].s, name) == 0)
			return i + 1;
	return -ENOENT;
}

const char *
mr_sessions_profile_name(const struct mr_sessions *s, uint16_t idx)
{
	if (idx == 0)
		return "none";
	if (idx > s->n_profiles)
		return "?";
	return s->profile[idx - 1].s;
}

uint16_t
mr_sessions_profile_count(const struct mr_sessions *s)
{
	return s->n_profiles;
}

int
mr_sessions_profile_update(struct mr_sessions *s, uint16_t idx, const struct mr_tc_profile *p,
			   struct mr_sessions_result *res, char *err, size_t errlen)
{
	struct mr_relay_tc_result tr;
	struct mr_tc_profile v = *p;
	int rc;

	memset(res, 0, sizeof(*res));
	if (idx == 0 || idx > s->n_profiles || idx > s->relay->n_profiles)
		return FAIL(-ENOENT, "name: no profile %u in the relay", idx);
	/* compared as the transcoder would use it (e.g. G.711 both ways forces rate 8000) */
	rc = mr_tc_profile_validate(&v);
	if (rc == 0 && memcmp(&v, &s->relay->profiles[idx - 1], sizeof(v)) == 0) {
		res->outcome = "unchanged";
		return 0;
	}
	if (rc == 0)
		rc = mr_relay_profile_update(s->relay, idx, &v, &tr);
	if (rc != 0)
		return FAIL(rc, "profile %s: the transcoder does not support this combination "
			    "(channels 2 needs Opus output; G.711 with Opus needs rate 8000 or 48000)",
			    s->profile[idx - 1].s);
	res->channels_updated = tr.channels_updated;
	res->channels_failed = tr.update_failed;
	res->streams_deleted = tr.streams_deleted;
	res->outcome = "updated";
	return 0;
}

/* ---------- the indexes ---------- */

int32_t
mr_sessions_leg_find(const struct mr_sessions *s, const char *name)
{
	struct name_key k;
	void *data;

	if (strlen(name) >= sizeof(k.s))
		return -ENOENT;
	name_key(&k, name);
	if (rte_hash_lookup_data(s->by_name, &k, &data) < 0)
		return -ENOENT;
	return (int32_t)(uintptr_t)data;
}

enum mr_leg_origin
mr_sessions_leg_origin(const struct mr_sessions *s, uint32_t idx)
{
	return idx < s->streams->legs_max ? (enum mr_leg_origin)s->origin[idx] :
	       MR_LEG_ORIGIN_CONFIG;
}

static uint32_t
session_head(const struct mr_sessions *s, const char *session)
{
	struct name_key k;
	void *data;

	if (strlen(session) >= sizeof(k.s))
		return NO_LEG;
	name_key(&k, session);
	if (rte_hash_lookup_data(s->by_session, &k, &data) < 0)
		return NO_LEG;
	return (uint32_t)(uintptr_t)data;
}

uint32_t
mr_sessions_session_legs(const struct mr_sessions *s, const char *session)
{
	uint32_t i, n = 0;

	for (i = session_head(s, session); i != NO_LEG; i = s->sess_next[i])
		n++;
	return n;
}

/* Take slot idx out of its session's list (session: its session name). */
static void
session_unlink(struct mr_sessions *s, const char *session, uint32_t idx)
{
	uint32_t head = session_head(s, session), i;
	struct name_key k;

	name_key(&k, session);
	if (head == idx) {
		if (s->sess_next[idx] == NO_LEG)
			index_del(s->by_session, &k);
		else
			rte_hash_add_key_data(s->by_session, &k,
					      (void *)(uintptr_t)s->sess_next[idx]);
	} else {
		for (i = head; i != NO_LEG && s->sess_next[i] != idx; i = s->sess_next[i])
			;
		if (i != NO_LEG)
			s->sess_next[i] = s->sess_next[idx];
	}
	s->sess_next[idx] = NO_LEG;
}

static int
session_link(struct mr_sessions *s, const char *session, uint32_t idx)
{
	struct name_key k;

	name_key(&k, session);
	s->sess_next[idx] = session_head(s, session);
	return rte_hash_add_key_data(s->by_session, &k, (void *)(uintptr_t)idx);
}

/*
 * Publish definition d in slot idx (fresh: the leg's streams deleted by
 * their owner in the same step), keeping the indexes in step. The index
 * entries are added before the change (they can fail for memory) and
 * taken out after it.
 */
static int
publish(struct mr_sessions *s, uint32_t idx, const struct mr_leg_def *d, bool fresh,
	uint32_t *deleted)
{
	const struct mr_leg_def old = s->streams->defs[idx];
	bool renamed = !old.in_use || !d->in_use || strcmp(old.name, d->name) != 0;
	bool moved = !old.in_use || !d->in_use || strcmp(old.session, d->session) != 0;
	struct name_key k;
	int rc;

	if (renamed && d->in_use) {
		name_key(&k, d->name);
		if (rte_hash_add_key_data(s->by_name, &k, (void *)(uintptr_t)idx) < 0)
			return -ENOMEM;
	}
	/* SRTP: contexts a definition needs are in their owners' hands before it is out */
	rc = mr_relay_srtp_before(s->relay, idx, d);
	if (rc == 0) {
		if (fresh)
			rc = mr_streams_leg_set_fresh(s->streams, idx, d, deleted);
		else
			rc = mr_streams_leg_set(s->streams, idx, d);
	}
	mr_relay_srtp_after(s->relay, idx);
	if (rc != 0) {
		if (renamed && d->in_use) {
			name_key(&k, d->name);
			index_del(s->by_name, &k);
		}
		return rc;
	}
	if (renamed && old.in_use) {
		name_key(&k, old.name);
		index_del(s->by_name, &k);
	}
	if (moved) {
		if (old.in_use)
			session_unlink(s, old.session, idx);
		/* the slot is published: a failure here only hides it from session_delete */
		if (d->in_use && session_link(s, d->session, idx) < 0)
			RTE_LOG(ERR, USER1, "mr_session: out of memory indexing session %s\n",
				d->session);
	}
	if (s->on_change != NULL)
		s->on_change(s->on_change_ctx, idx);
	return 0;
}

/* ---------- legs ---------- */

static bool
port_has_addr(const struct mr_port_facts *pf, const struct mr_endpoint *ep)
{
	if (mr_endpoint_is_v4(ep))
		return pf->has_ipv4 && memcmp(pf->ipv4.ip, ep->ip, 16) == 0;
	return pf->has_ipv6 && memcmp(pf->ipv6.ip, ep->ip, 16) == 0;
}

/* A free UDP port on the address of ep, from the rover on. */
static int
alloc_port(struct mr_sessions *s, struct mr_endpoint *ep)
{
	uint32_t lo = s->rtp_port_min, hi = s->rtp_port_max, n = hi - lo + 1, i, p;

	for (i = 0; i < n; i++) {
		p = s->port_rover + i;
		if (p > hi || p < lo)
			p = lo + (p - lo) % n;
		ep->port = rte_cpu_to_be_16((uint16_t)p);
		if (mr_streams_leg_find(s->streams, ep) < 0) {
			s->port_rover = p + 1 > hi ? lo : p + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * A free leg slot, from where the last one was found: loading a
 * configuration of a million legs must not scan the table a million
 * times. A slot whose previous leg's streams are still going is not free.
 */
static int32_t
slot_alloc(struct mr_sessions *s)
{
	const struct mr_streams *st = s->streams;
	uint32_t i, k;

	if (st->n_legs >= st->legs_max)
		return -ENOSPC;
	for (k = 0; k < st->legs_max; k++) {
		i = (s->slot_rover + k) % st->legs_max;
		if (!st->defs[i].in_use &&
		    __atomic_load_n(&st->rt[i].owner, __ATOMIC_ACQUIRE) == MR_STREAM_OWNER_NONE) {
			s->slot_rover = i + 1;
			return (int32_t)i;
		}
	}
	return -ENOSPC;
}

/* Resolve forward names to slots, and check each target takes one more referrer. */
static int
resolve_forward(struct mr_sessions *s, const struct mr_leg_spec *sp, const char *self_name,
		int32_t self, struct mr_leg_def *d, char *err, size_t errlen)
{
	uint16_t i, j;

	d->n_fwd = sp->n_fwd;
	for (i = 0; i < sp->n_fwd; i++) {
		int32_t t = mr_sessions_leg_find(s, sp->fwd[i]);
		const struct mr_leg_def *td;
		bool known = false;

		if (strcmp(sp->fwd[i], self_name) == 0)
			return FAIL(-EINVAL, "forward: a leg cannot forward to itself");
		if (t < 0)
			return FAIL(-ENOENT, "forward: no leg named %s", sp->fwd[i]);
		td = &s->streams->defs[t];
		for (j = 0; self >= 0 && j < td->n_refs; j++)
			known |= td->refs[j] == (uint32_t)self;
		if (!known && td->n_refs >= MR_STREAM_MAX_REFS)
			return FAIL(-ENOSPC, "forward: %s already has %u legs forwarding to it",
				    sp->fwd[i], MR_STREAM_MAX_REFS);
		d->fwd[i] = (uint32_t)t;
	}
	return 0;
}

static int
resolve_transcode(const struct mr_sessions *s, const char *name, uint16_t *out,
		  char *err, size_t errlen)
{
	char names[120];
	size_t off = 0;
	uint16_t i;
	int idx;

	if (name[0] == '\0') {
		*out = 0;
		return 0;
	}
	if (s->relay->n_tc == 0)
		return FAIL(-EINVAL, "transcode: '%.40s': this relay has no transcoder lcores "
			    "([relay] transcoders in the configuration); only transcode=none", name);
	idx = mr_sessions_profile_find(s, name);
	if (idx < 0) {
		names[0] = '\0';
		for (i = 0; i < s->n_profiles && off + 1 < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s ",
						s->profile[i].s);
		if (off + 1 < sizeof(names))
			snprintf(names + off, sizeof(names) - off, "none");
		return FAIL(-ENOENT, "transcode: no profile named '%.40s' (configured: %.100s)",
			    name, names);
	}
	*out = (uint16_t)idx;
	return 0;
}

/*
 * The local endpoint of spec sp on its port: the port's address for
 * local=auto, the allocation deferred (port 0) for addr:auto; the address
 * must be the port's, an explicit UDP port within the RTP range.
 */
static int
resolve_local(const struct mr_sessions *s, const struct mr_leg_spec *sp, uint16_t port,
	      struct mr_endpoint *local, char *err, size_t errlen)
{
	const struct mr_port_facts *pf = mr_sessions_port(s, port);
	char buf[MR_ENDPOINT_STRLEN];
	uint32_t p;

	if (pf == NULL)
		return FAIL(-EINVAL, "port: %u is not a configured, started port", port);
	if (sp->local_addr_auto) {
		if (!pf->has_ipv4 && !pf->has_ipv6)
			return FAIL(-EINVAL, "local: port %u has no address to allocate on", port);
		*local = pf->has_ipv4 ? pf->ipv4 : pf->ipv6;
		local->port = 0;
		return 0;
	}
	*local = sp->local;
	if (sp->local_port_auto)
		local->port = 0;
	if (!port_has_addr(pf, local)) {
		mr_endpoint_format(local, buf, sizeof(buf));
		return FAIL(-EINVAL, "local: %s: the address is not one of port %u's", buf, port);
	}
	p = rte_be_to_cpu_16(local->port);
	if (!sp->local_port_auto && (p < s->rtp_port_min || p > s->rtp_port_max)) {
		mr_endpoint_format(local, buf, sizeof(buf));
		return FAIL(-EINVAL, "local: %s: UDP port outside rtp_port_min..rtp_port_max "
			    "(%u..%u)", buf, s->rtp_port_min, s->rtp_port_max);
	}
	return 0;
}

/*
 * An RTP over QUIC leg (quic = NAME, flow = ID): the QUIC endpoint's port,
 * the flow's made-up local endpoint (mr_roq_addr.h), latched to the first
 * connection that sends on the flow. The UDP keys do not apply.
 */
static int
resolve_roq(const struct mr_sessions *s, const struct mr_leg_spec *sp, struct mr_leg_def *d,
	    char *err, size_t errlen)
{
	struct mr_endpoint qlocal;
	uint16_t port;
	int q;

	if (sp->given & (MR_LEG_F_PORT | MR_LEG_F_LOCAL | MR_LEG_F_REMOTE))
		return FAIL(-EINVAL, "%s: not for an RTP over QUIC leg (quic=): its endpoint "
			    "and flow say where it is", (sp->given & MR_LEG_F_PORT) ? "port" :
			    (sp->given & MR_LEG_F_LOCAL) ? "local" : "remote");
	if (!(sp->given & MR_LEG_F_FLOW))
		return FAIL(-EINVAL, "flow: missing (the RoQ flow identifier of a quic= leg)");
	q = mr_relay_quic_find(s->relay, sp->quic);
	if (q < 0)
		return FAIL(-ENOENT, "quic: no QUIC endpoint named '%.40s' ([quic.NAME])",
			    sp->quic);
	mr_relay_quic_info(s->relay, (uint16_t)q, &port, &qlocal);
	d->port_id = port;
	mr_roq_flow_endpoint(&d->local, (uint8_t)q, sp->flow,
			     rte_cpu_to_be_16(s->rtp_port_min));
	d->latch = true;
	d->latched = false;
	memset(&d->remote, 0, sizeof(d->remote));
	return 0;
}

/* Which field of two definitions differs (NULL: none). */
static const char *
def_diff(const struct mr_leg_def *a, const struct mr_leg_def *b, bool any_port)
{
	if (strcmp(a->session, b->session) != 0)
		return "session";
	if (a->port_id != b->port_id)
		return "port";
	if (any_port ? memcmp(a->local.ip, b->local.ip, 16) != 0 :
	    !mr_endpoint_equal(&a->local, &b->local))
		return "local";
	if (a->latch != b->latch || (!a->latch && !mr_endpoint_equal(&a->remote, &b->remote)))
		return "remote";
	if (a->n_fwd != b->n_fwd || memcmp(a->fwd, b->fwd, sizeof(a->fwd[0]) * a->n_fwd) != 0)
		return "forward";
	if (a->ssrc_out != b->ssrc_out)
		return "ssrc_out";
	if (a->seq_offset != b->seq_offset)
		return "seq_offset";
	if (a->ts_offset != b->ts_offset)
		return "ts_offset";
	if (a->clock_rate != b->clock_rate)
		return "clock_rate";
	if (a->tc_profile != b->tc_profile)
		return "transcode";
	if (a->streams_max != b->streams_max)
		return "streams_max";
	if (a->has_new_streams_per_s != b->has_new_streams_per_s ||
	    a->new_streams_per_s != b->new_streams_per_s)
		return "new_streams_per_s";
	if (a->srtp_in_suite != b->srtp_in_suite || strcmp(a->srtp_in_fp, b->srtp_in_fp) != 0)
		return "crypto_in";
	if (a->srtp_out_suite != b->srtp_out_suite || strcmp(a->srtp_out_fp, b->srtp_out_fp) != 0)
		return "crypto_out";
	return NULL;
}

/* A key's suite and fingerprint in a definition (what def_diff() compares). */
static void
def_crypto_describe(const struct mr_srtp_key *k, uint8_t *suite, char *fp, size_t len)
{
	*suite = k->suite;
	fp[0] = '\0';
#ifdef MR_HAVE_SRTP
	if (k->suite != MR_SRTP_SUITE_NONE) {
		char buf[MR_SRTP_FINGERPRINT_LEN + 1];

		mr_srtp_key_fingerprint(k, buf);
		snprintf(fp, len, "%s", buf);
	}
#else
	RTE_SET_USED(len);
#endif
}

/*
 * The keys @p sp gives, installed in the relay for slot idx and named in
 * @p d (a key the same as the one in use stays as it is). Before publish().
 */
static int
stage_crypto(struct mr_sessions *s, uint32_t idx, const struct mr_leg_spec *sp,
	     struct mr_leg_def *d, const struct mr_leg_def *cur, char *err, size_t errlen)
{
	bool ssrc_changed = cur != NULL && cur->ssrc_out != d->ssrc_out;
	int rc;

	if ((sp->given & MR_LEG_F_CRYPTO_IN) &&
	    (cur == NULL || d->srtp_in_suite != cur->srtp_in_suite ||
	     strcmp(d->srtp_in_fp, cur->srtp_in_fp) != 0)) {
		rc = mr_relay_srtp_key_stage(s->relay, idx, false, &sp->crypto_in, d);
		if (rc != 0)
			return FAIL(rc, "crypto_in: cannot install the key: %s", strerror(-rc));
	}
	if ((sp->given & MR_LEG_F_CRYPTO_OUT) &&
	    (cur == NULL || d->srtp_out_suite != cur->srtp_out_suite ||
	     strcmp(d->srtp_out_fp, cur->srtp_out_fp) != 0)) {
		rc = mr_relay_srtp_key_stage(s->relay, idx, true, &sp->crypto_out, d);
		if (rc != 0)
			return FAIL(rc, "crypto_out: cannot install the key: %s", strerror(-rc));
	} else if (ssrc_changed && d->srtp_out_gen != 0) {
		/* outbound contexts are per output SSRC: new ones under a new generation */
		rc = mr_relay_srtp_out_restage(s->relay, idx, d);
		if (rc != 0)
			return FAIL(rc, "crypto_out: cannot install the key: %s", strerror(-rc));
	}
	return 0;
}

static void
def_rewrite(struct mr_leg_def *d)
{
	d->rewrite = d->ssrc_out != 0 || d->seq_offset != 0 || d->ts_offset != 0;
}

static void
result_leg(struct mr_sessions_result *res, const struct mr_leg_def *d, uint32_t idx,
	   const char *outcome)
{
	mr_endpoint_format(&d->local, res->local, sizeof(res->local));
	res->idx = idx;
	res->tc_profile = d->tc_profile;
	res->outcome = outcome;
}

int
mr_sessions_leg_add(struct mr_sessions *s, const char *name, const struct mr_leg_spec *sp,
		    enum mr_leg_origin origin, struct mr_sessions_result *res,
		    char *err, size_t errlen)
{
	struct mr_leg_def d;
	const char *diff;
	int32_t idx, other;
	char buf[MR_ENDPOINT_STRLEN];
	bool any_port = sp->local_port_auto;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!mr_session_name_valid(name))
		return FAIL(-EINVAL, "name: '%.60s' is not a leg name (1..%u of [A-Za-z0-9_.-])",
			    name, MR_STREAM_NAME_LEN - 1);
	if (!(sp->given & MR_LEG_F_SESSION))
		return FAIL(-EINVAL, "session: missing (the session the leg belongs to)");
	if (sp->given & (MR_LEG_F_QUIC | MR_LEG_F_FLOW)) {
		if (!(sp->given & MR_LEG_F_QUIC))
			return FAIL(-EINVAL, "quic: missing (flow= is for RTP over QUIC legs)");
		memset(&d, 0, sizeof(d));
		rc = resolve_roq(s, sp, &d, err, errlen);
		if (rc != 0)
			return rc;
		goto common;
	}
	if (!(sp->given & MR_LEG_F_LOCAL))
		return FAIL(-EINVAL, "local: missing (addr:port, addr:auto or auto)");
	if (!(sp->given & MR_LEG_F_REMOTE))
		return FAIL(-EINVAL, "remote: missing (addr:port or latch)");
	memset(&d, 0, sizeof(d));
	d.port_id = sp->port;
	rc = resolve_local(s, sp, sp->port, &d.local, err, errlen);
	if (rc != 0)
		return rc;
	d.latch = sp->latch;
	if (!sp->latch) {
		d.remote = sp->remote;
		if (mr_endpoint_is_v4(&d.remote) != mr_endpoint_is_v4(&d.local))
			return FAIL(-EINVAL, "remote: %s is not of the local address's family",
				    mr_endpoint_format(&d.remote, buf, sizeof(buf)));
	}
common:
	snprintf(d.name, sizeof(d.name), "%s", name);
	strcpy(d.session, sp->session);
	d.in_use = true;
	d.clock_rate = sp->clock_rate;
	d.ssrc_out = sp->ssrc_out;
	d.seq_offset = sp->seq_offset;
	d.ts_offset = sp->ts_offset;
	rc = resolve_transcode(s, sp->transcode, &d.tc_profile, err, errlen);
	if (rc != 0)
		return rc;
	if (sp->given & MR_LEG_F_STREAMS_MAX)
		d.streams_max = sp->streams_max;
	d.has_new_streams_per_s = (sp->given & MR_LEG_F_NEW_RATE) != 0;
	d.new_streams_per_s = sp->new_streams_per_s;
	def_crypto_describe(&sp->crypto_in, &d.srtp_in_suite, d.srtp_in_fp, sizeof(d.srtp_in_fp));
	def_crypto_describe(&sp->crypto_out, &d.srtp_out_suite, d.srtp_out_fp,
			    sizeof(d.srtp_out_fp));
	def_rewrite(&d);

	idx = mr_sessions_leg_find(s, name);
	rc = resolve_forward(s, sp, name, idx, &d, err, errlen);
	if (rc != 0)
		return rc;
	if (idx >= 0) {
		const struct mr_leg_def *cur = &s->streams->defs[idx];

		diff = def_diff(&d, cur, any_port);
		if (diff != NULL)
			return FAIL(-EEXIST, "name: leg %s exists with another %s; use leg_update",
				    name, diff);
		result_leg(res, cur, (uint32_t)idx, "unchanged");
		return 0;
	}
	if (any_port) {
		if (alloc_port(s, &d.local) != 0)
			return FAIL(-ENOSPC, "local: no free UDP port in %u..%u on that address",
				    s->rtp_port_min, s->rtp_port_max);
	} else {
		other = mr_streams_leg_find(s->streams, &d.local);
		if (other >= 0)
			return FAIL(-EEXIST, "local: %s is already leg %s's",
				    mr_endpoint_format(&d.local, buf, sizeof(buf)),
				    s->streams->defs[other].name);
	}
	idx = slot_alloc(s);
	if (idx < 0)
		return FAIL(-ENOSPC, "name: the leg table is full (legs_max %u)",
			    s->streams->legs_max);
	s->origin[idx] = (uint8_t)origin;     /* before: the change callback reads it */
	rc = stage_crypto(s, (uint32_t)idx, sp, &d, NULL, err, errlen);
	if (rc != 0) {
		mr_relay_srtp_after(s->relay, (uint32_t)idx);  /* forgets the staged keys */
		s->origin[idx] = 0;
		return rc;
	}
	rc = publish(s, (uint32_t)idx, &d, false, NULL);
	if (rc != 0) {
		s->origin[idx] = 0;
		return FAIL(rc, "cannot install leg %s: %s", name, strerror(-rc));
	}
	result_leg(res, &d, (uint32_t)idx, "added");
	return 0;
}

int
mr_sessions_leg_update(struct mr_sessions *s, const char *name, const struct mr_leg_spec *sp,
		       struct mr_sessions_result *res, char *err, size_t errlen)
{
	const struct mr_leg_def *cur;
	struct mr_leg_def d;
	char buf[MR_ENDPOINT_STRLEN];
	int32_t idx, other;
	uint16_t old_tc;
	bool moved, roq;
	int rc;

	memset(res, 0, sizeof(*res));
	idx = mr_sessions_leg_find(s, name);
	if (idx < 0)
		return FAIL(-ENOENT, "name: no leg named %s", name);
	cur = &s->streams->defs[idx];
	d = *cur;
	roq = mr_roq_addr_kind(cur->local.ip) == MR_ROQ_KIND_FLOW;
	if (sp->given & (MR_LEG_F_QUIC | MR_LEG_F_FLOW))
		return FAIL(-EINVAL, "%s: a leg's QUIC endpoint and flow are fixed; delete the "
			    "leg and add it again", (sp->given & MR_LEG_F_QUIC) ? "quic" : "flow");
	if (roq && (sp->given & (MR_LEG_F_PORT | MR_LEG_F_LOCAL | MR_LEG_F_REMOTE)))
		return FAIL(-EINVAL, "%s: not for an RTP over QUIC leg (quic=)",
			    (sp->given & MR_LEG_F_PORT) ? "port" :
			    (sp->given & MR_LEG_F_LOCAL) ? "local" : "remote");
	if (sp->given & MR_LEG_F_SESSION)
		strcpy(d.session, sp->session);
	if (sp->given & MR_LEG_F_PORT) {
		if (mr_sessions_port(s, sp->port) == NULL)
			return FAIL(-EINVAL, "port: %u is not a configured, started port", sp->port);
		d.port_id = sp->port;
	}
	if (sp->given & MR_LEG_F_LOCAL) {
		struct mr_endpoint l;

		rc = resolve_local(s, sp, d.port_id, &l, err, errlen);
		if (rc != 0)
			return rc;
		if (sp->local_port_auto && memcmp(l.ip, d.local.ip, 16) == 0) {
			/* same address, any port: keep the one it has */
		} else {
			d.local = l;
			if (sp->local_port_auto && alloc_port(s, &d.local) != 0)
				return FAIL(-ENOSPC, "local: no free UDP port in %u..%u",
					    s->rtp_port_min, s->rtp_port_max);
		}
	} else if (!roq && !port_has_addr(mr_sessions_port(s, d.port_id), &d.local)) {
		/* a new port without a new local */
		return FAIL(-EINVAL, "local: the leg's address is not one of port %u's; "
			    "give local= too", d.port_id);
	}
	other = mr_streams_leg_find(s->streams, &d.local);
	if (other >= 0 && other != idx)
		return FAIL(-EEXIST, "local: %s is already leg %s's",
			    mr_endpoint_format(&d.local, buf, sizeof(buf)),
			    s->streams->defs[other].name);
	if (sp->given & MR_LEG_F_REMOTE) {
		if (sp->latch) {
			if (!d.latch) {
				d.latch = true;
				d.latched = false;
				memset(&d.remote, 0, sizeof(d.remote));
			}
		} else {
			d.latch = false;
			d.latched = false;
			d.remote = sp->remote;
		}
	}
	if ((!d.latch || d.latched) &&
	    mr_endpoint_is_v4(&d.remote) != mr_endpoint_is_v4(&d.local))
		return FAIL(-EINVAL, "remote: not of the local address's family");
	if (sp->given & MR_LEG_F_FORWARD) {
		rc = resolve_forward(s, sp, name, idx, &d, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (sp->given & MR_LEG_F_SSRC)
		d.ssrc_out = sp->ssrc_out;
	if (sp->given & MR_LEG_F_SEQ)
		d.seq_offset = sp->seq_offset;
	if (sp->given & MR_LEG_F_TS)
		d.ts_offset = sp->ts_offset;
	if (sp->given & MR_LEG_F_CLOCK)
		d.clock_rate = sp->clock_rate;
	if (sp->given & MR_LEG_F_TRANSCODE) {
		rc = resolve_transcode(s, sp->transcode, &d.tc_profile, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (sp->given & MR_LEG_F_STREAMS_MAX)
		d.streams_max = sp->streams_max;
	if (sp->given & MR_LEG_F_NEW_RATE) {
		d.has_new_streams_per_s = true;
		d.new_streams_per_s = sp->new_streams_per_s;
	}
	if (sp->given & MR_LEG_F_CRYPTO_IN)
		def_crypto_describe(&sp->crypto_in, &d.srtp_in_suite, d.srtp_in_fp,
				    sizeof(d.srtp_in_fp));
	if (sp->given & MR_LEG_F_CRYPTO_OUT)
		def_crypto_describe(&sp->crypto_out, &d.srtp_out_suite, d.srtp_out_fp,
				    sizeof(d.srtp_out_fp));
	def_rewrite(&d);
	if (def_diff(&d, cur, false) == NULL && d.latched == cur->latched) {
		result_leg(res, &d, (uint32_t)idx, "unchanged");
		return 0;
	}
	rc = stage_crypto(s, (uint32_t)idx, sp, &d, cur, err, errlen);
	if (rc != 0) {
		mr_relay_srtp_after(s->relay, (uint32_t)idx);
		return rc;
	}
	moved = !mr_endpoint_equal(&d.local, &cur->local);
	old_tc = cur->tc_profile;
	/*
	 * To or from no transcoding: a stream's channel is fixed when it is
	 * published; and streams keyed by an old endpoint would keep the
	 * leg's old identity. So the leg's streams go (their channels close
	 * once, at reclamation), deleted by their owner in the same step that
	 * installs the new definition, and are learned again from their next
	 * packet, which finds the new definition.
	 */
	rc = publish(s, (uint32_t)idx, &d,
		     moved || (old_tc != d.tc_profile && (old_tc == 0 || d.tc_profile == 0)),
		     &res->streams_deleted);
	if (rc != 0)
		return FAIL(rc, "cannot install leg %s: %s", name, strerror(-rc));
	if (!moved && old_tc != d.tc_profile && old_tc != 0 && d.tc_profile != 0) {
		/* profile to profile: the channels stay, their codec state is reset */
		struct mr_relay_tc_result tr;

		rc = mr_relay_leg_channels_update(s->relay, (uint32_t)idx, d.tc_profile, &tr);
		if (rc != 0)
			return FAIL(rc, "transcode: leg %s changed, but its channels were not "
				    "updated: %s", name, strerror(-rc));
		res->channels_updated = tr.channels_updated;
		res->channels_failed = tr.update_failed;
		res->streams_deleted += tr.streams_deleted;
	}
	result_leg(res, &d, (uint32_t)idx, "updated");
	return 0;
}

/*
 * Delete a set of legs: first drop them from the forward lists of the
 * legs that stay (a freed slot must not be reachable when it is reused),
 * found through the deleted legs' referrer lists, then the legs, then
 * their streams.
 */
static int
delete_legs(struct mr_sessions *s, const uint32_t *del, unsigned int n,
	    struct mr_sessions_result *res, char *err, size_t errlen)
{
	struct mr_streams *st = s->streams;
	struct mr_leg_def d;
	unsigned int i, k;
	uint16_t f, r;
	int rc;

	for (i = 0; i < n; i++) {
		/* refs changes as referrers are republished: walk a copy */
		const struct mr_leg_def victim = st->defs[del[i]];

		for (r = 0; r < victim.n_refs; r++) {
			uint32_t j = victim.refs[r];
			const struct mr_leg_def *cur = &st->defs[j];
			bool in_set = false;

			for (k = 0; k < n; k++)
				in_set |= del[k] == j;
			if (in_set || !cur->in_use)
				continue;
			d = *cur;
			d.n_fwd = 0;
			for (f = 0; f < cur->n_fwd; f++) {
				bool gone = false;

				for (k = 0; k < n; k++)
					gone |= cur->fwd[f] == del[k];
				if (!gone)
					d.fwd[d.n_fwd++] = cur->fwd[f];
			}
			if (d.n_fwd == cur->n_fwd)
				continue;
			rc = publish(s, j, &d, false, NULL);
			if (rc != 0)
				return FAIL(rc, "cannot install leg %s: %s", d.name, strerror(-rc));
		}
	}
	memset(&d, 0, sizeof(d));
	for (i = 0; i < n; i++) {
		rc = publish(s, del[i], &d, false, NULL);
		if (rc != 0)
			return FAIL(rc, "cannot delete leg %s: %s", st->defs[del[i]].name,
				    strerror(-rc));
		s->origin[del[i]] = 0;
	}
	res->legs_deleted = n;
	res->streams_deleted = mr_streams_del_by_legs(st, del, n);
	res->outcome = "deleted";
	return 0;
}

int
mr_sessions_leg_delete(struct mr_sessions *s, const char *name,
		       struct mr_sessions_result *res, char *err, size_t errlen)
{
	int32_t idx = mr_sessions_leg_find(s, name);
	uint32_t one;

	memset(res, 0, sizeof(*res));
	if (idx < 0)
		return FAIL(-ENOENT, "name: no leg named %s", name);
	one = (uint32_t)idx;
	return delete_legs(s, &one, 1, res, err, errlen);
}

int
mr_sessions_session_delete(struct mr_sessions *s, const char *session,
			   struct mr_sessions_result *res, char *err, size_t errlen)
{
	uint32_t n = mr_sessions_session_legs(s, session), i, k = 0;
	uint32_t *del;
	int rc;

	memset(res, 0, sizeof(*res));
	if (n == 0)
		return FAIL(-ENOENT, "session: no leg in session %s", session);
	del = malloc(sizeof(*del) * n);
	if (del == NULL)
		return FAIL(-ENOMEM, "out of memory");
	for (i = session_head(s, session); i != NO_LEG && k < n; i = s->sess_next[i])
		del[k++] = i;
	rc = delete_legs(s, del, k, res, err, errlen);
	free(del);
	return rc;
}

int
mr_sessions_dest(struct mr_sessions *s, const char *leg, const char *dest, bool add,
		 struct mr_sessions_result *res, char *err, size_t errlen)
{
	struct mr_streams *st = s->streams;
	struct mr_leg_def d;
	int32_t idx, t;
	uint16_t i, at;
	int rc;

	memset(res, 0, sizeof(*res));
	idx = mr_sessions_leg_find(s, leg);
	if (idx < 0)
		return FAIL(-ENOENT, "leg: no leg named %s", leg);
	t = mr_sessions_leg_find(s, dest);
	if (t < 0)
		return FAIL(-ENOENT, "dest: no leg named %s", dest);
	if (t == idx)
		return FAIL(-EINVAL, "dest: a leg cannot forward to itself");
	d = st->defs[idx];
	for (at = 0; at < d.n_fwd && d.fwd[at] != (uint32_t)t; at++)
		;
	if (add) {
		if (at < d.n_fwd) {
			result_leg(res, &d, (uint32_t)idx, "unchanged");
			return 0;
		}
		if (d.n_fwd == MR_STREAM_MAX_DESTS)
			return FAIL(-ENOSPC, "dest: leg %s has %u destinations already",
				    leg, MR_STREAM_MAX_DESTS);
		if (st->defs[t].n_refs >= MR_STREAM_MAX_REFS)
			return FAIL(-ENOSPC, "dest: %s already has %u legs forwarding to it",
				    dest, MR_STREAM_MAX_REFS);
		d.fwd[d.n_fwd++] = (uint32_t)t;
	} else {
		if (at == d.n_fwd)
			return FAIL(-ENOENT, "dest: %s is not a destination of %s", dest, leg);
		for (i = at; i + 1 < d.n_fwd; i++)
			d.fwd[i] = d.fwd[i + 1];
		d.n_fwd--;
	}
	rc = publish(s, (uint32_t)idx, &d, false, NULL);
	if (rc != 0)
		return FAIL(rc, "cannot install leg %s: %s", leg, strerror(-rc));
	result_leg(res, &d, (uint32_t)idx, add ? "added" : "deleted");
	return 0;
}

/*
 * A port's next hop changed: every leg on the port gets a new snapshot,
 * with templates built from the new MAC (and with it the legs forwarding
 * to it: mr_streams_leg_set() republishes those too).
 */
int
mr_sessions_port_nexthop_set(struct mr_sessions *s, uint16_t port,
			     const struct rte_ether_addr *mac, uint32_t *legs)
{
	struct mr_streams *st = s->streams;
	uint32_t i, n = 0;
	int failed = 0;

	if (port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	s->ports[port].nexthop = *mac;
	st->ports[port].nexthop = *mac;
	for (i = 0; i < st->legs_max; i++) {
		struct mr_leg_def d;

		if (!st->defs[i].in_use || st->defs[i].port_id != port)
			continue;
		d = st->defs[i];
		if (mr_streams_leg_set(st, i, &d) != 0)
			failed++;
		n++;
	}
	if (legs != NULL)
		*legs = n;
	return failed;
}

/* Leg call: sum the leg's streams (the owner's own list; none when sh is NULL). */
static int
leg_stats_sum(struct mr_streams *st, struct mr_stream_shard *sh, uint32_t leg, void *arg)
{
	struct mr_leg_stats out;
	const struct mr_stream *m;

	memset(&out, 0, sizeof(out));
	for (m = sh != NULL ? st->rt[leg].streams : NULL; m != NULL; m = m->leg_next) {
		uint32_t j = mr_jitter_get(&m->jitter);

		out.streams++;
		out.pkts += m->pkts;
		out.bytes += m->bytes;
		out.rtcp_pkts += m->rtcp_pkts;
		out.lost += m->started ? mr_seq_lost(&m->seq) : 0;
		out.jitter = RTE_MAX(out.jitter, j);
		out.last_tsc = RTE_MAX(out.last_tsc, m->last_tsc);
	}
	memcpy(arg, &out, sizeof(out));
	return 0;
}

int
mr_sessions_leg_stats(struct mr_sessions *s, uint32_t idx, struct mr_leg_stats *st)
{
	_Static_assert(sizeof(*st) <= MR_STREAM_CALL_ARG, "leg stats fit a leg call");
	memset(st, 0, sizeof(*st));
	if (idx >= s->streams->legs_max || !s->streams->defs[idx].in_use)
		return -ENOENT;
	return mr_streams_leg_call(s->streams, idx, leg_stats_sum, st, sizeof(*st));
}
