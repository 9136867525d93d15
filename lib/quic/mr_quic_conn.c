/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * QUIC termination: ngtcp2 does the transport (loss recovery, congestion
 * control, anti-amplification, path validation, key updates), GnuTLS the
 * TLS 1.3 handshake. This file owns what ngtcp2 leaves to its user: which
 * connection a datagram belongs to (a CID table), when each connection's
 * timer is due (a heap), who has packets to send (a list), stateless
 * replies, and when a connection's memory goes back.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "mr_quic_conn.h"

/* TLS 1.3 only, without the middlebox compatibility mode QUIC forbids. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE"
/* Table keys one connection may hold: ngtcp2 keeps at most 8 of our CIDs
 * alive (NGTCP2_MAX_SCID_POOL_SIZE) and retired ones linger for a PTO; the
 * client's original DCID; the stateless reset tokens of the client's CIDs
 * in use (active_connection_id_limit is 4). */
#define CONN_CIDS 24
/* A table key with this bit in its length is a peer's stateless reset
 * token, not a CID: the same table finds a connection from either. */
#define KEY_TOKEN 0x80
/* Stateless replies (Retry, VN, stateless reset) waiting for send. */
#define STATELESS_SLOTS 32
/* Retry tokens are good for this long. */
#define RETRY_TOKEN_TIMEOUT (10 * NGTCP2_SECONDS)
/* A stateless reset: at most this many random octets before the token. */
#define RESET_RAND_MAX 40

enum conn_state {
	CONN_ACTIVE,   /* handshaking or open */
	CONN_CLOSING,  /* we sent CONNECTION_CLOSE: repeat it, send nothing else */
	CONN_DRAINING, /* the peer closed or reset: send nothing */
};

struct cid {
	uint8_t len; /* | KEY_TOKEN for a reset token */
	uint8_t b[NGTCP2_MAX_CIDLEN];
};

struct mr_quic_endpoint {
	struct mr_quic_endpoint_conf conf;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t alpn[MR_QUIC_ALPN_MAX];
	unsigned int n_alpn;
	uint8_t cid_len;
	/* admission limits, changed at run time (mr_quic_endpoint_limits_set()) */
	uint32_t conns_limit;           /* <= conf.max_conns, what the tables hold */
	uint32_t retry_above;
};

struct mr_quic_conn {
	struct mr_quic_server *s;       /* NULL while handed between servers */
	ngtcp2_conn *ng;
	ngtcp2_mem mem;                 /* its own: its bytes follow it between servers */
	uint64_t bytes;                 /* heap bytes it holds (ngtcp2's and ours) */
	uint16_t owner;                 /* the owner its CIDs name */
	gnutls_session_t tls;
	ngtcp2_crypto_conn_ref conn_ref;
	TAILQ_ENTRY(mr_quic_conn) all;  /* every connection of the server */
	TAILQ_ENTRY(mr_quic_conn) tx;   /* connections with something to send */
	struct mr_quic_path path;       /* current path as ngtcp2 sees it */
	uint64_t serial;
	uint64_t expiry;                /* heap key */
	uint64_t deadline;              /* end of closing or draining */
	uint64_t app_error;             /* for a requested close */
	uint64_t dgram_seq;
	void *user;
	uint8_t *close_pkt;             /* our CONNECTION_CLOSE, repeated in closing */
	size_t close_len;
	struct mr_quic_path close_path;
	uint32_t heap_idx;
	uint32_t closing_rx;            /* packets received while closing */
	uint8_t state;                  /* enum conn_state */
	uint8_t open;                   /* handshake completed */
	uint8_t in_tx;
	uint8_t close_tx;               /* close_pkt is due */
	uint8_t close_requested;
	uint8_t closing_told;           /* on_closing was called */
	uint8_t reset_rx;               /* the peer's stateless reset ended it */
	uint8_t close_reason;           /* why it will be released */
	uint8_t n_cids;
	struct cid cids[CONN_CIDS];
};

struct cid_slot {
	struct mr_quic_conn *conn; /* NULL: empty */
	uint32_t hash;
	uint8_t len;
	uint8_t b[NGTCP2_MAX_CIDLEN];
};

struct stateless_slot {
	size_t len;
	struct mr_quic_path path;
	uint8_t buf[MR_QUIC_MAX_PKT];
};

struct mr_quic_server {
	struct mr_quic_endpoint *ep;
	struct mr_quic_server_ops ops;
	void *arg;
	uint16_t owner;                 /* or MR_QUIC_OWNER_ROUTE */
	ngtcp2_callbacks cb;
	uint64_t table_key[2];
	TAILQ_HEAD(, mr_quic_conn) conns;
	TAILQ_HEAD(, mr_quic_conn) txq;
	uint32_t n_conns;
	uint64_t serial;
	/* CID -> connection, open addressing with linear probing */
	struct cid_slot *slots;
	uint32_t slot_mask;
	uint32_t n_slots_used;
	/* timers: binary min-heap of connections by expiry */
	struct mr_quic_conn **heap;
	uint32_t heap_len;
	/* stateless replies, a ring */
	struct stateless_slot *sl;
	uint32_t sl_head;
	uint32_t sl_count;
	struct mr_quic_server_stats st;
};

static const char *const close_names[] = {
#define MR_QUIC_CLOSE_NAME_(sym, name) name,
	MR_QUIC_CLOSE_REASONS(MR_QUIC_CLOSE_NAME_)
#undef MR_QUIC_CLOSE_NAME_
};

const char *
mr_quic_close_name(enum mr_quic_close_reason r)
{
	if ((unsigned int)r >= MR_QUIC_CLOSE__MAX)
		return "invalid";
	return close_names[r];
}

static enum mr_quic_drop
count_drop(struct mr_quic_server *s, enum mr_quic_drop d)
{
	s->st.drops[d]++;
	return d;
}

/*
 * Heap accounting: every allocation of ngtcp2 and of our connections goes
 * through these, so a connection knows the bytes it holds, its server the
 * sum, and a test can prove they all come back. The count is the
 * connection's (ngtcp2 keeps a pointer to its ngtcp2_mem), so that a
 * connection handed to another server takes its bytes along.
 */
#define MEM_HDR 16

static void *
raw_alloc(size_t size)
{
	uint8_t *p;

	if (size > SIZE_MAX - MEM_HDR)
		return NULL;
	p = malloc(size + MEM_HDR);
	if (p == NULL)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + MEM_HDR;
}

/* Free what raw_alloc() gave; returns its size. */
static size_t
raw_free(void *ptr)
{
	uint8_t *p = ptr;
	size_t size;

	if (p == NULL)
		return 0;
	p -= MEM_HDR;
	memcpy(&size, p, sizeof(size));
	free(p);
	return size;
}

static void
mem_account(struct mr_quic_conn *c, size_t add, size_t sub)
{
	c->bytes = c->bytes + add - sub;
	if (c->s != NULL)
		c->s->st.bytes_held = c->s->st.bytes_held + add - sub;
}

static void *
mem_malloc(size_t size, void *user)
{
	void *p = raw_alloc(size);

	if (p != NULL)
		mem_account(user, size, 0);
	return p;
}

static void
mem_free(void *ptr, void *user)
{
	if (ptr != NULL)
		mem_account(user, 0, raw_free(ptr));
}

static void *
mem_calloc(size_t nmemb, size_t size, void *user)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	p = mem_malloc(nmemb * size, user);
	if (p != NULL)
		memset(p, 0, nmemb * size);
	return p;
}

static void *
mem_realloc(void *ptr, size_t size, void *user)
{
	uint8_t *p, *q;
	size_t old;

	if (ptr == NULL)
		return mem_malloc(size, user);
	if (size > SIZE_MAX - MEM_HDR)
		return NULL;
	p = (uint8_t *)ptr - MEM_HDR;
	memcpy(&old, p, sizeof(old));
	q = realloc(p, size + MEM_HDR);
	if (q == NULL)
		return NULL;
	memcpy(q, &size, sizeof(size));
	mem_account(user, size, old);
	return q + MEM_HDR;
}

static void
random_bytes(uint8_t *p, size_t n)
{
	/* GnuTLS's DRBG: no system call per call once seeded */
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) != 0)
		abort(); /* no randomness means no safe CIDs or tokens at all */
}

/* ---- CID table ---- */

/* Table keys: a CID is (its octets, its length); a token is (16 octets,
 * 16 | KEY_TOKEN). The key length takes part in every comparison. */
static inline size_t
key_octets(size_t len)
{
	return len & ~(size_t)KEY_TOKEN;
}

static uint32_t
cid_hash(const struct mr_quic_server *s, const uint8_t *b, size_t len)
{
	return (uint32_t)mr_quic_siphash(s->table_key, b, key_octets(len)) ^
	       (uint32_t)(len & KEY_TOKEN);
}

static struct cid_slot *
table_find(const struct mr_quic_server *s, const uint8_t *b, size_t len)
{
	uint32_t h = cid_hash(s, b, len), i = h & s->slot_mask;
	struct cid_slot *e;

	for (;;) {
		e = &s->slots[i];
		if (e->conn == NULL)
			return NULL;
		if (e->hash == h && e->len == len &&
		    memcmp(e->b, b, key_octets(len)) == 0)
			return e;
		i = (i + 1) & s->slot_mask;
	}
}

static int
table_insert(struct mr_quic_server *s, const uint8_t *b, size_t len, struct mr_quic_conn *c)
{
	uint32_t h = cid_hash(s, b, len), i = h & s->slot_mask;
	struct cid_slot *e;

	/* keep a quarter free so that probes stay short and always end */
	if (s->n_slots_used >= (s->slot_mask + 1) / 4 * 3)
		return -ENOSPC;
	for (;;) {
		e = &s->slots[i];
		if (e->conn == NULL)
			break;
		if (e->hash == h && e->len == len &&
		    memcmp(e->b, b, key_octets(len)) == 0)
			return -EEXIST;
		i = (i + 1) & s->slot_mask;
	}
	e->conn = c;
	e->hash = h;
	e->len = (uint8_t)len;
	memcpy(e->b, b, key_octets(len));
	s->n_slots_used++;
	return 0;
}

static void
table_remove(struct mr_quic_server *s, struct cid_slot *e)
{
	uint32_t i = (uint32_t)(e - s->slots), j = i, home;

	/* backward-shift deletion: no tombstones, probes stay exact */
	for (;;) {
		j = (j + 1) & s->slot_mask;
		if (s->slots[j].conn == NULL)
			break;
		home = s->slots[j].hash & s->slot_mask;
		/* move j into the hole at i unless its home lies in (i, j] */
		if (((j - home) & s->slot_mask) >= ((j - i) & s->slot_mask)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].conn = NULL;
	s->n_slots_used--;
}

static int
conn_cid_add(struct mr_quic_conn *c, const uint8_t *b, size_t len)
{
	int rc;

	if (c->n_cids >= CONN_CIDS || key_octets(len) > NGTCP2_MAX_CIDLEN)
		return -ENOSPC;
	rc = table_insert(c->s, b, len, c);
	if (rc != 0)
		return rc;
	c->cids[c->n_cids].len = (uint8_t)len;
	memcpy(c->cids[c->n_cids].b, b, key_octets(len));
	c->n_cids++;
	return 0;
}

static void
conn_cid_remove(struct mr_quic_conn *c, const uint8_t *b, size_t len)
{
	struct cid_slot *e = table_find(c->s, b, len);
	unsigned int i;

	if (e == NULL || e->conn != c)
		return;
	table_remove(c->s, e);
	for (i = 0; i < c->n_cids; i++) {
		if (c->cids[i].len == len && memcmp(c->cids[i].b, b, key_octets(len)) == 0) {
			c->cids[i] = c->cids[--c->n_cids];
			break;
		}
	}
}

/* A fresh CID of ours for @p owner, not in the table yet. */
static int
new_cid(struct mr_quic_server *s, uint16_t owner, ngtcp2_cid *cid)
{
	const struct mr_quic_cid_conf *cc = &s->ep->conf.cid;
	uint8_t nonce[NGTCP2_MAX_CIDLEN], b[NGTCP2_MAX_CIDLEN];
	uint8_t len;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		random_bytes(nonce, cc->nonce_len);
		len = mr_quic_cid_encode(cc, owner, nonce, b);
		if (len == 0)
			return -EINVAL;
		if (table_find(s, b, len) == NULL) {
			ngtcp2_cid_init(cid, b, len);
			return 0;
		}
	}
	return -EEXIST;
}

/* ---- timer heap ---- */

static void
heap_swap(struct mr_quic_server *s, uint32_t a, uint32_t b)
{
	struct mr_quic_conn *t = s->heap[a];

	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_idx = a;
	s->heap[b]->heap_idx = b;
}

static void
heap_fix(struct mr_quic_server *s, uint32_t i)
{
	uint32_t p, l, r, m;

	while (i > 0) {
		p = (i - 1) / 2;
		if (s->heap[p]->expiry <= s->heap[i]->expiry)
			break;
		heap_swap(s, i, p);
		i = p;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < s->heap_len && s->heap[l]->expiry < s->heap[m]->expiry)
			m = l;
		if (r < s->heap_len && s->heap[r]->expiry < s->heap[m]->expiry)
			m = r;
		if (m == i)
			break;
		heap_swap(s, i, m);
		i = m;
	}
}

static void
heap_remove(struct mr_quic_server *s, struct mr_quic_conn *c)
{
	uint32_t i = c->heap_idx;

	if (i == UINT32_MAX)
		return;
	s->heap_len--;
	if (i != s->heap_len) {
		s->heap[i] = s->heap[s->heap_len];
		s->heap[i]->heap_idx = i;
		heap_fix(s, i);
	}
	c->heap_idx = UINT32_MAX;
}

static void
timer_set(struct mr_quic_conn *c, uint64_t expiry)
{
	c->expiry = expiry;
	heap_fix(c->s, c->heap_idx);
}

/* Re-read the connection's next timer after anything touched it. */
static void
timer_update(struct mr_quic_conn *c)
{
	if (c->state != CONN_ACTIVE)
		timer_set(c, c->deadline);
	else
		timer_set(c, ngtcp2_conn_get_expiry(c->ng));
}

static void
tx_mark(struct mr_quic_conn *c)
{
	if (!c->in_tx) {
		TAILQ_INSERT_TAIL(&c->s->txq, c, tx);
		c->in_tx = 1;
	}
}

/* ---- paths ---- */

static void
ng_path(ngtcp2_path *np, const struct mr_quic_path *p)
{
	np->local.addr = (ngtcp2_sockaddr *)(uintptr_t)&p->local;
	np->local.addrlen = p->local_len;
	np->remote.addr = (ngtcp2_sockaddr *)(uintptr_t)&p->remote;
	np->remote.addrlen = p->remote_len;
	np->user_data = NULL;
}

static void
path_from_ng(struct mr_quic_path *p, const ngtcp2_path *np)
{
	memset(p, 0, sizeof(*p));
	if (np->local.addrlen <= sizeof(p->local)) {
		memcpy(&p->local, np->local.addr, np->local.addrlen);
		p->local_len = np->local.addrlen;
	}
	if (np->remote.addrlen <= sizeof(p->remote)) {
		memcpy(&p->remote, np->remote.addr, np->remote.addrlen);
		p->remote_len = np->remote.addrlen;
	}
}

static bool
path_eq(const struct mr_quic_path *a, const struct mr_quic_path *b)
{
	return a->local_len == b->local_len && a->remote_len == b->remote_len &&
	       memcmp(&a->local, &b->local, a->local_len) == 0 &&
	       memcmp(&a->remote, &b->remote, a->remote_len) == 0;
}

/* ---- stateless replies ---- */

static struct stateless_slot *
stateless_slot(struct mr_quic_server *s)
{
	if (s->sl_count == STATELESS_SLOTS) {
		count_drop(s, MR_QUIC_STATELESS_QUEUE_FULL);
		return NULL;
	}
	return &s->sl[(s->sl_head + s->sl_count) % STATELESS_SLOTS];
}

static void
stateless_push(struct mr_quic_server *s, struct stateless_slot *e, const struct mr_quic_path *p,
	       size_t len)
{
	e->path = *p;
	e->len = len;
	s->sl_count++;
}

/* ---- ngtcp2 callbacks ---- */

static ngtcp2_conn *
get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct mr_quic_conn *c = ref->user_data;

	return c->ng;
}

static void
cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	random_bytes(dest, len);
}

static int
cb_new_cid(ngtcp2_conn *ng, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *user)
{
	struct mr_quic_conn *c = user;
	struct mr_quic_endpoint *ep = c->s->ep;

	(void)ng;
	if (cidlen != ep->cid_len || new_cid(c->s, c->owner, cid) != 0 ||
	    conn_cid_add(c, cid->data, cid->datalen) != 0) {
		count_drop(c->s, MR_QUIC_CID_TABLE_FULL);
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	if (ngtcp2_crypto_generate_stateless_reset_token(token, ep->conf.secret,
							 MR_QUIC_SECRET_LEN, cid) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int
cb_remove_cid(ngtcp2_conn *ng, const ngtcp2_cid *cid, void *user)
{
	(void)ng;
	conn_cid_remove(user, cid->data, cid->datalen);
	return 0;
}

/*
 * The peer's CIDs we send to, with their stateless reset tokens: a
 * datagram whose last 16 octets are one of these tokens is handed to its
 * connection even though its DCID is nobody's (a stateless reset carries
 * a random one), and ngtcp2 checks it (RFC 9000 10.3.1).
 */
static int
cb_dcid_status(ngtcp2_conn *ng, int type, uint64_t seq, const ngtcp2_cid *cid,
	       const uint8_t *token, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	(void)seq;
	(void)cid;
	if (token == NULL)
		return 0;
	if (type == NGTCP2_CONNECTION_ID_STATUS_TYPE_ACTIVATE)
		/* no room only costs reset detection: not worth failing the connection */
		(void)conn_cid_add(c, token, NGTCP2_STATELESS_RESET_TOKENLEN | KEY_TOKEN);
	else
		conn_cid_remove(c, token, NGTCP2_STATELESS_RESET_TOKENLEN | KEY_TOKEN);
	return 0;
}

static int
cb_handshake_completed(ngtcp2_conn *ng, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	c->open = 1;
	c->s->st.handshakes++;
	if (c->s->ops.on_open != NULL)
		c->s->ops.on_open(c, c->s->arg);
	return 0;
}

static int
cb_recv_datagram(ngtcp2_conn *ng, uint32_t flags, const uint8_t *data, size_t len, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	(void)flags;
	c->s->st.dgrams_rx++;
	/* a close we asked for is under way: its owner has let go of it */
	if (c->close_requested)
		return 0;
	if (c->s->ops.on_datagram != NULL)
		c->s->ops.on_datagram(c, data, len, c->s->arg);
	return 0;
}

static int
cb_lost_datagram(ngtcp2_conn *ng, uint64_t id, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	(void)id;
	c->s->st.dgrams_lost++;
	return 0;
}

static int
cb_path_validation(ngtcp2_conn *ng, uint32_t flags, const ngtcp2_path *path,
		   ngtcp2_path_validation_result res, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	(void)flags;
	(void)path;
	if (res == NGTCP2_PATH_VALIDATION_RESULT_SUCCESS)
		c->s->st.paths_validated++;
	else
		c->s->st.paths_failed++;
	return 0;
}

static int
cb_recv_stateless_reset(ngtcp2_conn *ng, const ngtcp2_pkt_stateless_reset *sr, void *user)
{
	struct mr_quic_conn *c = user;

	(void)ng;
	(void)sr;
	c->reset_rx = 1;
	return 0;
}

static void
conn_log(void *user, const char *fmt, ...)
{
	struct mr_quic_conn *c = user;
	const struct mr_quic_endpoint_conf *conf = &c->s->ep->conf;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	conf->log(conf->log_arg, "conn %" PRIu64 ": %s", c->serial, line);
}

/* ---- endpoint ---- */

void
mr_quic_log_stderr(void *arg, const char *fmt, ...)
{
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
endpoint_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
endpoint_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
mr_quic_endpoint_create(const struct mr_quic_endpoint_conf *conf, struct mr_quic_endpoint **out,
			char *err, size_t errlen)
{
	static const uint8_t zero[MR_QUIC_SECRET_LEN];
	struct mr_quic_endpoint *ep;
	unsigned int i;
	size_t n;
	int rc;

	if (mr_quic_cid_conf_check(&conf->cid, err, errlen) != 0)
		return -EINVAL;
	if (conf->cert_file == NULL || conf->key_file == NULL)
		return endpoint_fail(err, errlen, -EINVAL,
				     "quic: cert_file and key_file are required");
	if (conf->max_datagram_frame_size > 65535)
		return endpoint_fail(err, errlen, -EINVAL,
				     "quic: max_datagram_frame_size must be 1..65535 (0: 1200)");
	if (conf->max_conns > (1u << 20))
		return endpoint_fail(err, errlen, -EINVAL,
				     "quic: max_conns must be 1..1048576 per owner (0: 1024)");
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return -ENOMEM;
	ep->conf = *conf;
	if (ep->conf.idle_timeout_ms == 0)
		ep->conf.idle_timeout_ms = 30000;
	if (ep->conf.handshake_timeout_ms == 0)
		ep->conf.handshake_timeout_ms = 10000;
	if (ep->conf.max_datagram_frame_size == 0)
		ep->conf.max_datagram_frame_size = 1200;
	if (ep->conf.max_conns == 0)
		ep->conf.max_conns = 1024;
	ep->conns_limit = ep->conf.max_conns;
	ep->retry_above = ep->conf.retry_above;
	if (memcmp(ep->conf.secret, zero, sizeof(zero)) == 0 &&
	    gnutls_rnd(GNUTLS_RND_KEY, ep->conf.secret, MR_QUIC_SECRET_LEN) != 0) {
		free(ep);
		return endpoint_fail(err, errlen, -EIO, "quic: no randomness for the token secret");
	}
	ep->cid_len = mr_quic_cid_len(&ep->conf.cid);

	for (i = 0; i < MR_QUIC_ALPN_MAX && conf->alpn[i] != NULL; i++) {
		n = strlen(conf->alpn[i]);
		if (n == 0 || n > 255) {
			free(ep);
			return endpoint_fail(err, errlen, -EINVAL,
					     "quic: alpn[%u] must be 1..255 octets", i);
		}
		ep->alpn[i].data = (unsigned char *)(uintptr_t)conf->alpn[i];
		ep->alpn[i].size = (unsigned int)n;
	}
	ep->n_alpn = i;
	if (ep->n_alpn == 0) {
		ep->alpn[0].data = (unsigned char *)(uintptr_t)MR_QUIC_ALPN_ROQ;
		ep->alpn[0].size = sizeof(MR_QUIC_ALPN_ROQ) - 1;
		ep->n_alpn = 1;
	}

	rc = gnutls_certificate_allocate_credentials(&ep->cred);
	if (rc != 0) {
		free(ep);
		return endpoint_fail(err, errlen, -ENOMEM, "quic: %s", gnutls_strerror(rc));
	}
	rc = gnutls_certificate_set_x509_key_file(ep->cred, conf->cert_file, conf->key_file,
						  GNUTLS_X509_FMT_PEM);
	if (rc != 0) {
		mr_quic_endpoint_free(ep);
		return endpoint_fail(err, errlen, -EINVAL,
				     "quic: cert_file %s / key_file %s: %s",
				     conf->cert_file, conf->key_file, gnutls_strerror(rc));
	}
	rc = gnutls_priority_init(&ep->prio, TLS_PRIORITY, NULL);
	if (rc != 0) {
		mr_quic_endpoint_free(ep);
		return endpoint_fail(err, errlen, -EINVAL, "quic: TLS priority: %s",
				     gnutls_strerror(rc));
	}
	*out = ep;
	return 0;
}

void
mr_quic_endpoint_free(struct mr_quic_endpoint *ep)
{
	if (ep == NULL)
		return;
	if (ep->prio != NULL)
		gnutls_priority_deinit(ep->prio);
	if (ep->cred != NULL)
		gnutls_certificate_free_credentials(ep->cred);
	free(ep);
}

const struct mr_quic_cid_conf *
mr_quic_endpoint_cid(const struct mr_quic_endpoint *ep)
{
	return &ep->conf.cid;
}

/* ---- server ---- */

int
mr_quic_server_create(struct mr_quic_endpoint *ep, uint16_t owner,
		      const struct mr_quic_server_ops *ops, void *arg, struct mr_quic_server **out)
{
	struct mr_quic_server *s;
	uint32_t slots = 64;

	if (owner >= ep->conf.cid.n_owners && owner != MR_QUIC_OWNER_ROUTE)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ep = ep;
	s->owner = owner;
	if (ops != NULL)
		s->ops = *ops;
	s->arg = arg;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->txq);
	random_bytes((uint8_t *)s->table_key, sizeof(s->table_key));

	/* room for the keys of max_conns connections at <= 3/4 load */
	while (slots / 4 * 3 < (uint64_t)ep->conf.max_conns * 12)
		slots *= 2;
	s->slots = calloc(slots, sizeof(*s->slots));
	s->slot_mask = slots - 1;
	s->heap = calloc(ep->conf.max_conns, sizeof(*s->heap));
	s->sl = calloc(STATELESS_SLOTS, sizeof(*s->sl));
	if (s->slots == NULL || s->heap == NULL || s->sl == NULL) {
		mr_quic_server_free(s);
		return -ENOMEM;
	}

	s->cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	s->cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	s->cb.handshake_completed = cb_handshake_completed;
	s->cb.encrypt = ngtcp2_crypto_encrypt_cb;
	s->cb.decrypt = ngtcp2_crypto_decrypt_cb;
	s->cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
	s->cb.recv_stateless_reset = cb_recv_stateless_reset;
	s->cb.rand = cb_rand;
	s->cb.get_new_connection_id = cb_new_cid;
	s->cb.remove_connection_id = cb_remove_cid;
	s->cb.update_key = ngtcp2_crypto_update_key_cb;
	s->cb.path_validation = cb_path_validation;
	s->cb.dcid_status = cb_dcid_status;
	s->cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	s->cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	s->cb.recv_datagram = cb_recv_datagram;
	s->cb.lost_datagram = cb_lost_datagram;
	s->cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	s->cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	*out = s;
	return 0;
}

/* Tell the owner, once, that @p c carries no more data. */
static void
conn_closing(struct mr_quic_conn *c, enum mr_quic_close_reason why)
{
	if (c->closing_told)
		return;
	c->closing_told = 1;
	if (c->s->ops.on_closing != NULL)
		c->s->ops.on_closing(c, why, c->s->arg);
}

static void
conn_release(struct mr_quic_conn *c, enum mr_quic_close_reason why)
{
	struct mr_quic_server *s = c->s;

	conn_closing(c, why);
	if (s->ops.on_close != NULL)
		s->ops.on_close(c, why, s->arg);
	while (c->n_cids > 0)
		conn_cid_remove(c, c->cids[c->n_cids - 1].b, c->cids[c->n_cids - 1].len);
	heap_remove(s, c);
	if (c->in_tx)
		TAILQ_REMOVE(&s->txq, c, tx);
	TAILQ_REMOVE(&s->conns, c, all);
	if (c->ng != NULL)
		ngtcp2_conn_del(c->ng);
	if (c->tls != NULL) {
		gnutls_deinit(c->tls);
		s->st.tls_sessions--;
	}
	mem_free(c->close_pkt, c);
	s->st.bytes_held -= raw_free(c);
	s->n_conns--;
	s->st.released[why]++;
}

void
mr_quic_server_free(struct mr_quic_server *s)
{
	struct mr_quic_conn *c;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		conn_release(c, MR_QUIC_CLOSE_SHUTDOWN);
	free(s->slots);
	free(s->heap);
	free(s->sl);
	free(s);
}

void
mr_quic_server_stats(const struct mr_quic_server *s, struct mr_quic_server_stats *st)
{
	*st = s->st;
	st->conns = s->n_conns;
}

uint64_t
mr_quic_server_expiry(const struct mr_quic_server *s)
{
	return s->heap_len > 0 ? s->heap[0]->expiry : UINT64_MAX;
}

/* ---- closing ---- */

/*
 * Enter the closing period with a CONNECTION_CLOSE of @p ccerr: the packet
 * is kept to be repeated, nothing else is sent, and the connection is
 * released after three PTOs (RFC 9000 10.2). Never called from callbacks.
 */
static void
conn_start_close(struct mr_quic_conn *c, const ngtcp2_connection_close_error *ccerr,
		 uint64_t now, enum mr_quic_close_reason why)
{
	ngtcp2_path_storage ps;
	ngtcp2_ssize n = 0;

	if (c->state != CONN_ACTIVE)
		return;
	c->state = CONN_CLOSING;
	c->close_reason = why;
	conn_closing(c, why);
	c->deadline = now + 3 * ngtcp2_conn_get_pto(c->ng);
	if (c->close_pkt == NULL)
		c->close_pkt = mem_malloc(MR_QUIC_MAX_PKT, c);
	if (c->close_pkt != NULL) {
		ngtcp2_path_storage_zero(&ps);
		n = ngtcp2_conn_write_connection_close(c->ng, &ps.path, NULL, c->close_pkt,
						       MR_QUIC_MAX_PKT, ccerr, now);
	}
	if (n > 0) {
		c->close_len = (size_t)n;
		path_from_ng(&c->close_path, &ps.path);
		c->close_tx = 1;
		tx_mark(c);
	} else {
		/* nothing can be sent (no keys yet, or no memory): release at once */
		c->deadline = now;
	}
	timer_update(c);
}

static void
conn_fail(struct mr_quic_conn *c, int liberr, uint64_t now)
{
	ngtcp2_connection_close_error ccerr;

	if (liberr == NGTCP2_ERR_CRYPTO)
		ngtcp2_connection_close_error_set_transport_error_tls_alert(
			&ccerr, ngtcp2_conn_get_tls_alert(c->ng), NULL, 0);
	else
		ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, liberr, NULL, 0);
	conn_start_close(c, &ccerr, now, MR_QUIC_CLOSE_ERROR);
}

static void
conn_drain(struct mr_quic_conn *c, uint64_t now)
{
	c->state = CONN_DRAINING;
	c->close_reason = c->reset_rx ? MR_QUIC_CLOSE_STATELESS_RESET : MR_QUIC_CLOSE_PEER;
	/* a peer's stateless reset says it has no state left: nothing to drain */
	c->deadline = c->reset_rx ? now : now + 3 * ngtcp2_conn_get_pto(c->ng);
	timer_update(c);
	conn_closing(c, c->close_reason);
}

void
mr_quic_conn_close(struct mr_quic_conn *c, uint64_t app_error)
{
	if (c->state != CONN_ACTIVE || c->close_requested)
		return;
	c->close_requested = 1;
	c->app_error = app_error;
	tx_mark(c);
}

/* ---- receive ---- */

static void
check_path(struct mr_quic_conn *c)
{
	struct mr_quic_path now_path, old;

	path_from_ng(&now_path, ngtcp2_conn_get_path(c->ng));
	if (path_eq(&now_path, &c->path))
		return;
	old = c->path;
	c->path = now_path;
	c->s->st.path_changes++;
	if (c->s->ops.on_path != NULL)
		c->s->ops.on_path(c, (const struct sockaddr *)&old.remote,
				  (const struct sockaddr *)&now_path.remote, c->s->arg);
}

static enum mr_quic_drop
conn_recv(struct mr_quic_conn *c, const struct mr_quic_path *path, const uint8_t *pkt,
	  size_t len, uint64_t now)
{
	struct mr_quic_server *s = c->s;
	ngtcp2_path np;
	int rv;

	if (c->state == CONN_CLOSING) {
		/* repeat our CONNECTION_CLOSE, backing off: 1st, 2nd, 4th, 8th... */
		c->closing_rx++;
		if (c->close_len > 0 && (c->closing_rx & (c->closing_rx - 1)) == 0) {
			c->close_tx = 1;
			tx_mark(c);
		}
		return count_drop(s, MR_QUIC_CLOSING);
	}
	if (c->state == CONN_DRAINING)
		return count_drop(s, MR_QUIC_CLOSING);

	ng_path(&np, path);
	rv = ngtcp2_conn_read_pkt(c->ng, &np, NULL, pkt, len, now);
	switch (rv) {
	case 0:
		break;
	case NGTCP2_ERR_DRAINING:
		conn_drain(c, now);
		return MR_QUIC_OK;
	case NGTCP2_ERR_DROP_CONN:
		conn_release(c, MR_QUIC_CLOSE_DROPPED);
		return count_drop(s, MR_QUIC_PKT_DISCARDED);
	case NGTCP2_ERR_DISCARD_PKT:
		timer_update(c);
		return count_drop(s, MR_QUIC_PKT_DISCARDED);
	default:
		conn_fail(c, rv, now);
		return count_drop(s, MR_QUIC_PKT_DISCARDED);
	}
	check_path(c);
	tx_mark(c);
	timer_update(c);
	return MR_QUIC_OK;
}

static enum mr_quic_drop
conn_new(struct mr_quic_server *s, uint16_t owner, const struct mr_quic_path *path,
	 const ngtcp2_pkt_hd *hd, const ngtcp2_cid *odcid, const uint8_t *pkt, size_t len,
	 uint64_t now)
{
	struct mr_quic_endpoint *ep = s->ep;
	ngtcp2_transport_params params;
	ngtcp2_settings settings;
	struct mr_quic_conn *c;
	ngtcp2_cid scid;
	ngtcp2_path np;
	int rc;

	c = raw_alloc(sizeof(*c));
	if (c == NULL)
		return count_drop(s, MR_QUIC_CONN_SETUP);
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->owner = owner;
	c->bytes = sizeof(*c);
	s->st.bytes_held += sizeof(*c);
	c->mem.user_data = c;
	c->mem.malloc = mem_malloc;
	c->mem.free = mem_free;
	c->mem.calloc = mem_calloc;
	c->mem.realloc = mem_realloc;
	c->serial = ++s->serial;
	c->heap_idx = s->heap_len;
	c->expiry = UINT64_MAX;
	c->path = *path;
	s->heap[s->heap_len++] = c;
	TAILQ_INSERT_TAIL(&s->conns, c, all);
	s->n_conns++;
	s->st.accepted++;

	if (new_cid(s, owner, &scid) != 0 || conn_cid_add(c, scid.data, scid.datalen) != 0 ||
	    conn_cid_add(c, hd->dcid.data, hd->dcid.datalen) != 0) {
		conn_release(c, MR_QUIC_CLOSE_DROPPED);
		return count_drop(s, MR_QUIC_CID_TABLE_FULL);
	}

	ngtcp2_settings_default(&settings);
	settings.initial_ts = now;
	settings.handshake_timeout = (uint64_t)ep->conf.handshake_timeout_ms * NGTCP2_MILLISECONDS;
	if (ep->conf.log != NULL)
		settings.log_printf = conn_log;

	ngtcp2_transport_params_default(&params);
	/* RoQ over DATAGRAM frames only: no streams in this phase */
	params.initial_max_streams_bidi = 0;
	params.initial_max_streams_uni = 0;
	params.initial_max_data = 0;
	params.max_idle_timeout = (uint64_t)ep->conf.idle_timeout_ms * NGTCP2_MILLISECONDS;
	params.max_datagram_frame_size = ep->conf.max_datagram_frame_size;
	/* spare client CIDs let us switch when the client migrates */
	params.active_connection_id_limit = 4;
	params.stateless_reset_token_present = 1;
	if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token,
							 ep->conf.secret, MR_QUIC_SECRET_LEN,
							 &scid) != 0)
		goto fail;
	if (odcid != NULL) {
		params.original_dcid = *odcid;
		params.retry_scid = hd->dcid;
		params.retry_scid_present = 1;
	} else {
		params.original_dcid = hd->dcid;
	}

	ng_path(&np, path);
	rc = ngtcp2_conn_server_new(&c->ng, &hd->scid, &scid, &np, hd->version, &s->cb,
				    &settings, &params, &c->mem, c);
	if (rc != 0) {
		c->ng = NULL;
		goto fail;
	}

	if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET) != 0) {
		c->tls = NULL;
		goto fail;
	}
	s->st.tls_sessions++;
	c->conn_ref.get_conn = get_conn;
	c->conn_ref.user_data = c;
	if (gnutls_priority_set(c->tls, ep->prio) != 0 ||
	    ngtcp2_crypto_gnutls_configure_server_session(c->tls) != 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, ep->cred) != 0 ||
	    gnutls_alpn_set_protocols(c->tls, ep->alpn, ep->n_alpn,
				      GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE) != 0)
		goto fail;
	gnutls_session_set_ptr(c->tls, &c->conn_ref);
	ngtcp2_conn_set_tls_native_handle(c->ng, c->tls);
	return conn_recv(c, path, pkt, len, now);

fail:
	conn_release(c, MR_QUIC_CLOSE_DROPPED);
	return count_drop(s, MR_QUIC_CONN_SETUP);
}

int
mr_quic_endpoint_limits_set(struct mr_quic_endpoint *ep, uint32_t max_conns,
			    uint32_t retry_above)
{
	if (max_conns > ep->conf.max_conns)
		return -EINVAL;
	__atomic_store_n(&ep->conns_limit, max_conns, __ATOMIC_RELAXED);
	__atomic_store_n(&ep->retry_above, retry_above, __ATOMIC_RELAXED);
	return 0;
}

void
mr_quic_endpoint_limits(const struct mr_quic_endpoint *ep, uint32_t *max_conns,
			uint32_t *retry_above, uint32_t *max_conns_cap)
{
	*max_conns = __atomic_load_n(&ep->conns_limit, __ATOMIC_RELAXED);
	*retry_above = __atomic_load_n(&ep->retry_above, __ATOMIC_RELAXED);
	*max_conns_cap = ep->conf.max_conns;
}

/* Connections @p owner holds, as the limits count them. */
static uint32_t
owner_held(const struct mr_quic_server *s, uint16_t owner)
{
	if (s->owner == MR_QUIC_OWNER_ROUTE && s->ops.owner_conns != NULL)
		return s->ops.owner_conns(owner, s->arg);
	return s->n_conns;
}

static bool
retry_needed(const struct mr_quic_server *s, uint32_t held)
{
	uint32_t above = __atomic_load_n(&s->ep->retry_above, __ATOMIC_RELAXED);

	return above == 0 || (above != UINT32_MAX && held >= above);
}

static enum mr_quic_drop
send_retry(struct mr_quic_server *s, uint16_t owner, const struct mr_quic_path *path,
	   const ngtcp2_pkt_hd *hd, uint64_t now)
{
	uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
	struct stateless_slot *e;
	ngtcp2_ssize tlen, n;
	ngtcp2_cid rscid;

	if (new_cid(s, owner, &rscid) != 0)
		return count_drop(s, MR_QUIC_CID_TABLE_FULL);
	tlen = ngtcp2_crypto_generate_retry_token(token, s->ep->conf.secret, MR_QUIC_SECRET_LEN,
						  hd->version,
						  (const ngtcp2_sockaddr *)&path->remote,
						  path->remote_len, &rscid, &hd->dcid, now);
	if (tlen < 0)
		return count_drop(s, MR_QUIC_CONN_SETUP);
	e = stateless_slot(s);
	if (e == NULL)
		return MR_QUIC_STATELESS_QUEUE_FULL;
	n = ngtcp2_crypto_write_retry(e->buf, sizeof(e->buf), hd->version, &hd->scid, &rscid,
				      &hd->dcid, token, (size_t)tlen);
	if (n <= 0)
		return count_drop(s, MR_QUIC_CONN_SETUP);
	stateless_push(s, e, path, (size_t)n);
	s->st.retries_sent++;
	return MR_QUIC_OK;
}

static enum mr_quic_drop
accept_initial(struct mr_quic_server *s, uint16_t owner, const struct mr_quic_path *path,
	       const uint8_t *pkt, size_t len, uint64_t now)
{
	ngtcp2_pkt_hd hd;
	ngtcp2_cid odcid;
	uint32_t held;

	if (ngtcp2_accept(&hd, pkt, len) != 0)
		return count_drop(s, MR_QUIC_INITIAL_REJECTED);
	held = owner_held(s, owner);
	if (held >= __atomic_load_n(&s->ep->conns_limit, __ATOMIC_RELAXED) ||
	    s->n_conns >= s->ep->conf.max_conns)
		return count_drop(s, MR_QUIC_CONN_LIMIT);
	if (hd.token.len > 0 && hd.token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
		if (ngtcp2_crypto_verify_retry_token(&odcid, hd.token.base, hd.token.len,
						     s->ep->conf.secret, MR_QUIC_SECRET_LEN,
						     hd.version,
						     (const ngtcp2_sockaddr *)&path->remote,
						     path->remote_len, &hd.dcid,
						     RETRY_TOKEN_TIMEOUT, now) != 0)
			return count_drop(s, MR_QUIC_RETRY_TOKEN);
		return conn_new(s, owner, path, &hd, &odcid, pkt, len, now);
	}
	if (retry_needed(s, held))
		return send_retry(s, owner, path, &hd, now);
	return conn_new(s, owner, path, &hd, NULL, pkt, len, now);
}

static void
send_version_negotiation(struct mr_quic_server *s, const struct mr_quic_path *path,
			 const struct mr_quic_hdr *h)
{
	static const uint32_t versions[] = { NGTCP2_PROTO_VER_V1 };
	struct stateless_slot *e = stateless_slot(s);
	uint8_t r;
	ngtcp2_ssize n;

	if (e == NULL)
		return;
	random_bytes(&r, 1);
	/* the reply swaps the client's connection IDs */
	n = ngtcp2_pkt_write_version_negotiation(e->buf, sizeof(e->buf), r, h->scid, h->scid_len,
						 h->dcid, h->dcid_len, versions, 1);
	if (n > 0) {
		stateless_push(s, e, path, (size_t)n);
		s->st.vn_sent++;
	}
}

static void
send_stateless_reset(struct mr_quic_server *s, const struct mr_quic_path *path,
		     const struct mr_quic_hdr *h, size_t len)
{
	uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[RESET_RAND_MAX];
	struct stateless_slot *e;
	ngtcp2_ssize n;
	size_t rlen;
	ngtcp2_cid cid;

	/* smaller than what triggered it (RFC 9000 10.3.3), so no loops */
	if (len < 1 + NGTCP2_STATELESS_RESET_TOKENLEN + NGTCP2_MIN_STATELESS_RESET_RANDLEN)
		return;
	rlen = len - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
	if (rlen > RESET_RAND_MAX)
		rlen = RESET_RAND_MAX;
	e = stateless_slot(s);
	if (e == NULL)
		return;
	ngtcp2_cid_init(&cid, h->dcid, h->dcid_len);
	if (ngtcp2_crypto_generate_stateless_reset_token(token, s->ep->conf.secret,
							 MR_QUIC_SECRET_LEN, &cid) != 0)
		return;
	random_bytes(rnd, rlen);
	n = ngtcp2_pkt_write_stateless_reset(e->buf, sizeof(e->buf), token, rnd, rlen);
	if (n > 0) {
		stateless_push(s, e, path, (size_t)n);
		s->st.resets_sent++;
	}
}

/*
 * The connection a datagram names: by its DCID, or (a short header) by a
 * stateless reset token at its end, from a peer that lost its state.
 */
static struct cid_slot *
conn_of(const struct mr_quic_server *s, const struct mr_quic_hdr *h, const uint8_t *pkt,
	size_t len)
{
	struct cid_slot *e;

	if (h->kind == MR_QUIC_PKT_UNKNOWN_VERSION)
		return NULL;
	e = table_find(s, h->dcid, h->dcid_len);
	if (e == NULL && h->kind == MR_QUIC_PKT_SHORT &&
	    len >= 1 + NGTCP2_STATELESS_RESET_TOKENLEN + NGTCP2_MIN_STATELESS_RESET_RANDLEN)
		e = table_find(s, pkt + len - NGTCP2_STATELESS_RESET_TOKENLEN,
			       NGTCP2_STATELESS_RESET_TOKENLEN | KEY_TOKEN);
	return e;
}

enum mr_quic_drop
mr_quic_server_recv_held(struct mr_quic_server *s, const struct mr_quic_path *path,
			 const uint8_t *pkt, size_t len, uint64_t now, bool *held)
{
	struct mr_quic_hdr h;
	struct cid_slot *e;
	enum mr_quic_drop d;

	*held = false;
	d = mr_quic_hdr_parse(pkt, len, s->ep->cid_len, &h);
	if (d != MR_QUIC_OK)
		return MR_QUIC_OK; /* not ours to count: the caller hands it on */
	e = conn_of(s, &h, pkt, len);
	if (e == NULL)
		return MR_QUIC_OK;
	*held = true;
	s->st.rx_pkts++;
	return conn_recv(e->conn, path, pkt, len, now);
}

enum mr_quic_drop
mr_quic_server_recv(struct mr_quic_server *s, const struct mr_quic_path *path,
		    const uint8_t *pkt, size_t len, uint64_t now)
{
	const struct mr_quic_cid_conf *cc = &s->ep->conf.cid;
	struct mr_quic_hdr h;
	struct cid_slot *e;
	enum mr_quic_drop d;
	uint16_t owner;

	s->st.rx_pkts++;
	d = mr_quic_hdr_parse(pkt, len, s->ep->cid_len, &h);
	if (d != MR_QUIC_OK)
		return count_drop(s, d);
	e = conn_of(s, &h, pkt, len);
	if (e != NULL)
		return conn_recv(e->conn, path, pkt, len, now);
	switch (h.kind) {
	case MR_QUIC_PKT_INITIAL:
		if (len < MR_QUIC_MIN_INITIAL_DGRAM)
			return count_drop(s, MR_QUIC_INITIAL_TOO_SMALL);
		owner = s->owner;
		if (owner == MR_QUIC_OWNER_ROUTE) {
			/* the owner that routing gives the connection's next packets */
			enum mr_quic_route_how how;

			d = mr_quic_route(cc, &h, len, &owner, &how);
			if (d != MR_QUIC_OK)
				return count_drop(s, d);
		}
		return accept_initial(s, owner, path, pkt, len, now);
	case MR_QUIC_PKT_UNKNOWN_VERSION:
		if (len < MR_QUIC_MIN_INITIAL_DGRAM)
			return count_drop(s, MR_QUIC_UNKNOWN_VERSION_SMALL);
		send_version_negotiation(s, path, &h);
		return MR_QUIC_OK;
	case MR_QUIC_PKT_SHORT:
		/* one of our CIDs whose connection is gone: tell the peer */
		if (s->owner != MR_QUIC_OWNER_ROUTE &&
		    mr_quic_cid_decode(cc, h.dcid, h.dcid_len, &owner) == MR_QUIC_OK &&
		    owner == s->owner)
			send_stateless_reset(s, path, &h, len);
		return count_drop(s, MR_QUIC_UNKNOWN_CID);
	default:
		return count_drop(s, MR_QUIC_UNKNOWN_CID);
	}
}

/* ---- send ---- */

/* One packet of @p c into @p buf: 0 when it has nothing more. */
static size_t
conn_write(struct mr_quic_conn *c, uint64_t now, uint8_t *buf, size_t cap,
	   struct mr_quic_path *path)
{
	ngtcp2_connection_close_error ccerr;
	ngtcp2_path_storage ps;
	ngtcp2_ssize n;

	if (c->state == CONN_ACTIVE && c->close_requested) {
		ngtcp2_connection_close_error_set_application_error(&ccerr, c->app_error, NULL, 0);
		conn_start_close(c, &ccerr, now, MR_QUIC_CLOSE_LOCAL);
	}
	if (c->state == CONN_CLOSING) {
		if (!c->close_tx || c->close_len > cap)
			return 0;
		c->close_tx = 0;
		memcpy(buf, c->close_pkt, c->close_len);
		*path = c->close_path;
		c->s->st.tx_pkts++;
		return c->close_len;
	}
	if (c->state == CONN_DRAINING)
		return 0;

	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_pkt(c->ng, &ps.path, NULL, buf, cap, now);
	if (n < 0) {
		conn_fail(c, (int)n, now);
		return conn_write(c, now, buf, cap, path);
	}
	timer_update(c);
	if (n == 0)
		return 0;
	path_from_ng(path, &ps.path);
	c->s->st.tx_pkts++;
	return (size_t)n;
}

size_t
mr_quic_server_send(struct mr_quic_server *s, uint64_t now, uint8_t *buf, size_t cap,
		    struct mr_quic_path *path)
{
	struct stateless_slot *e;
	struct mr_quic_conn *c;
	size_t n;

	if (s->sl_count > 0) {
		e = &s->sl[s->sl_head];
		s->sl_head = (s->sl_head + 1) % STATELESS_SLOTS;
		s->sl_count--;
		if (e->len <= cap) {
			memcpy(buf, e->buf, e->len);
			*path = e->path;
			s->st.tx_pkts++;
			return e->len;
		}
	}
	while ((c = TAILQ_FIRST(&s->txq)) != NULL) {
		n = conn_write(c, now, buf, cap, path);
		if (n > 0)
			return n;
		TAILQ_REMOVE(&s->txq, c, tx);
		c->in_tx = 0;
	}
	return 0;
}

unsigned int
mr_quic_server_expire(struct mr_quic_server *s, uint64_t now)
{
	struct mr_quic_conn *c;
	unsigned int n = 0;
	int rv;

	while (s->heap_len > 0 && s->heap[0]->expiry <= now) {
		c = s->heap[0];
		n++;
		if (c->state != CONN_ACTIVE) {
			conn_release(c, c->close_reason);
			continue;
		}
		rv = ngtcp2_conn_handle_expiry(c->ng, now);
		if (rv == NGTCP2_ERR_IDLE_CLOSE) {
			conn_release(c, MR_QUIC_CLOSE_IDLE);
			continue;
		}
		if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
			conn_release(c, MR_QUIC_CLOSE_HANDSHAKE_TIMEOUT);
			continue;
		}
		if (rv != 0) {
			conn_fail(c, rv, now);
			continue;
		}
		/* the timer is re-read once send has written what it asked for */
		tx_mark(c);
		timer_set(c, UINT64_MAX);
	}
	return n;
}

/* ---- datagrams and accessors ---- */

ssize_t
mr_quic_conn_write_roq(struct mr_quic_conn *c, uint64_t now, uint64_t flow,
		       const uint8_t *payload, size_t len, uint8_t *buf, size_t cap,
		       struct mr_quic_path *path, bool *accepted)
{
	uint8_t hdr[MR_QUIC_VARINT_MAX_LEN];
	ngtcp2_path_storage ps;
	ngtcp2_vec v[2];
	ngtcp2_ssize n;
	size_t hlen;
	int acc = 0;

	*accepted = false;
	if (!c->open || c->state != CONN_ACTIVE || c->close_requested)
		return -ENOTCONN;
	hlen = mr_quic_varint_encode(flow, hdr, sizeof(hdr));
	if (hlen == 0 || len == 0)
		return -EINVAL;
	v[0].base = hdr;
	v[0].len = hlen;
	v[1].base = (uint8_t *)(uintptr_t)payload;
	v[1].len = len;
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_writev_datagram(c->ng, &ps.path, NULL, buf, cap, &acc,
					NGTCP2_WRITE_DATAGRAM_FLAG_NONE, c->dgram_seq, v, 2, now);
	if (n < 0) {
		switch (n) {
		case NGTCP2_ERR_INVALID_STATE:
			return -EOPNOTSUPP;
		case NGTCP2_ERR_INVALID_ARGUMENT:
			return -EMSGSIZE;
		default:
			conn_fail(c, (int)n, now);
			return -EPIPE;
		}
	}
	timer_update(c);
	if (acc) {
		*accepted = true;
		c->dgram_seq++;
		c->s->st.dgrams_tx++;
	}
	if (n > 0) {
		path_from_ng(path, &ps.path);
		c->s->st.tx_pkts++;
	}
	return n;
}

bool
mr_quic_conn_is_open(const struct mr_quic_conn *c)
{
	return c->open && c->state == CONN_ACTIVE && !c->close_requested;
}

const struct mr_quic_path *
mr_quic_conn_path(const struct mr_quic_conn *c)
{
	return &c->path;
}

uint64_t
mr_quic_conn_serial(const struct mr_quic_conn *c)
{
	return c->serial;
}

void *
mr_quic_conn_user(const struct mr_quic_conn *c)
{
	return c->user;
}

void
mr_quic_conn_set_user(struct mr_quic_conn *c, void *user)
{
	c->user = user;
}

uint16_t
mr_quic_conn_owner(const struct mr_quic_conn *c)
{
	return c->owner;
}

bool
mr_quic_server_has_cid(const struct mr_quic_server *s, const uint8_t *cid, size_t len)
{
	return len <= NGTCP2_MAX_CIDLEN && table_find(s, cid, len) != NULL;
}

int
mr_quic_server_detach(struct mr_quic_server *s, struct mr_quic_conn *c)
{
	unsigned int i;

	if (c->s != s || !c->open)
		return -EINVAL;
	for (i = 0; i < c->n_cids; i++) {
		struct cid_slot *e = table_find(s, c->cids[i].b, c->cids[i].len);

		if (e != NULL && e->conn == c)
			table_remove(s, e);
	}
	heap_remove(s, c);
	if (c->in_tx) {
		TAILQ_REMOVE(&s->txq, c, tx);
		c->in_tx = 0;
	}
	TAILQ_REMOVE(&s->conns, c, all);
	s->n_conns--;
	s->st.bytes_held -= c->bytes;
	s->st.tls_sessions--;
	s->st.handed_out++;
	c->user = NULL;
	c->s = NULL;
	return 0;
}

int
mr_quic_server_attach(struct mr_quic_server *s, struct mr_quic_conn *c)
{
	struct mr_quic_cid_conf const *cc = &s->ep->conf.cid;
	uint8_t n = c->n_cids;
	unsigned int i;

	if (c->s != NULL || (s->owner != MR_QUIC_OWNER_ROUTE && c->owner != s->owner) ||
	    c->owner >= cc->n_owners)
		return -EINVAL;
	c->s = s;
	c->serial = ++s->serial;
	c->heap_idx = UINT32_MAX;
	c->expiry = UINT64_MAX;
	TAILQ_INSERT_TAIL(&s->conns, c, all);
	s->n_conns++;
	s->st.bytes_held += c->bytes;
	s->st.tls_sessions++;
	s->st.handed_in++;
	if (s->heap_len >= s->ep->conf.max_conns) {
		c->n_cids = 0; /* none of its keys is in this table */
		conn_release(c, MR_QUIC_CLOSE_DROPPED);
		return -ENOSPC;
	}
	c->heap_idx = s->heap_len;
	s->heap[s->heap_len++] = c;
	/* its keys into this table, each one once (conn_cid_add() appends) */
	c->n_cids = 0;
	for (i = 0; i < n; i++) {
		struct cid k = c->cids[i];

		if (conn_cid_add(c, k.b, k.len) != 0 && (k.len & KEY_TOKEN) == 0) {
			conn_release(c, MR_QUIC_CLOSE_DROPPED);
			return -ENOSPC;
		}
	}
	timer_update(c);
	tx_mark(c);
	if (s->ops.on_open != NULL)
		s->ops.on_open(c, s->arg);
	return 0;
}

void
mr_quic_conn_discard(struct mr_quic_conn *c)
{
	if (c == NULL || c->s != NULL)
		return;
	if (c->ng != NULL)
		ngtcp2_conn_del(c->ng);
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	mem_free(c->close_pkt, c);
	raw_free(c);
}
