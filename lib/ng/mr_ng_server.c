/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The ng endpoint: reply cache, request processing, UDP socket.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_ng.h"

#define DEFAULT_CACHE_ENTRIES 4096
#define DEFAULT_CACHE_TTL_MS  30000
#define DEFAULT_CACHE_BYTES   (8u << 20)
#define DEFAULT_MAX_REPLY     65000
#define DEFAULT_MAX_NODES     1024

static const char *const counter_names[MR_NG_C_MAX] = {
#define MR_NG_COUNTER_NAME(e, s) [MR_NG_C_##e] = s,
	MR_NG_COUNTERS(MR_NG_COUNTER_NAME)
#undef MR_NG_COUNTER_NAME
};

const char *
mr_ng_counter_name(enum mr_ng_counter c)
{
	return (unsigned int)c < MR_NG_C_MAX ? counter_names[c] : NULL;
}

/*
 * One cached reply. Entries form a FIFO (slots used in a circle) and their
 * bytes a circular arena in the same order, so evicting the oldest entry
 * always frees the arena space the next reply needs.
 */
struct cache_entry {
	uint64_t expires_ms;
	struct mr_ng_peer peer;
	uint16_t cookie_len;
	char cookie[MR_NG_COOKIE_MAX];
	size_t off;            /* reply bytes in the arena */
	size_t len;
	int32_t next;          /* hash chain, -1 ends it */
	uint32_t bucket;
};

struct acl_entry {
	uint8_t ip[16];        /* IPv4 as ::ffff:a.b.c.d */
	uint8_t bits;          /* prefix length over the 128-bit form */
};

struct mr_ng {
	struct mr_ng_conf conf;
	struct acl_entry acl[MR_NG_ACL_MAX];
	unsigned int n_acl;
	struct mr_bencode_node *nodes;
	struct mr_ng_request req;
	/* cache */
	struct cache_entry *entries;
	int32_t *buckets;
	uint32_t n_buckets;    /* a power of two */
	uint32_t oldest;       /* slot of the oldest entry */
	uint32_t used;         /* live entries */
	char *arena;
	size_t arena_head;     /* where the next reply's bytes go */
	/* socket */
	int fd;
	uint16_t port;
	char *rx;
	char *tx;
	struct mr_ng_stats stats;
};

static void
set_errbuf(char *buf, size_t len, const char *fmt, const char *arg)
{
	if (buf != NULL && len > 0)
		snprintf(buf, len, fmt, arg);
}

static bool
peer_eq(const struct mr_ng_peer *a, const struct mr_ng_peer *b)
{
	return a->port == b->port && memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

static uint32_t
cache_hash(const struct mr_ng_peer *peer, const char *cookie, size_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(peer->ip); i++)
		h = (h ^ peer->ip[i]) * 16777619u;
	h = (h ^ (peer->port & 0xff)) * 16777619u;
	h = (h ^ (peer->port >> 8)) * 16777619u;
	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)cookie[i]) * 16777619u;
	return h;
}

static const struct cache_entry *
cache_find(const struct mr_ng *ng, const struct mr_ng_peer *peer, const struct mr_ng_str *cookie,
	   uint64_t now_ms)
{
	uint32_t b = cache_hash(peer, cookie->p, cookie->len) & (ng->n_buckets - 1);
	int32_t i;

	for (i = ng->buckets[b]; i >= 0; i = ng->entries[i].next) {
		const struct cache_entry *e = &ng->entries[i];

		if (e->cookie_len == cookie->len && peer_eq(&e->peer, peer) &&
		    memcmp(e->cookie, cookie->p, cookie->len) == 0)
			return e->expires_ms > now_ms ? e : NULL;
	}
	return NULL;
}

static void
cache_evict_oldest(struct mr_ng *ng)
{
	struct cache_entry *e = &ng->entries[ng->oldest];
	int32_t *link = &ng->buckets[e->bucket];

	while (*link != (int32_t)ng->oldest)
		link = &ng->entries[*link].next;
	*link = e->next;
	ng->oldest = (ng->oldest + 1) % ng->conf.cache_entries;
	ng->used--;
}

/* Arena space for @p len bytes, evicting the oldest replies as needed. */
static size_t
cache_alloc(struct mr_ng *ng, size_t len)
{
	size_t cap = ng->conf.cache_bytes;

	for (;;) {
		size_t tail;

		if (ng->used == 0) {
			ng->arena_head = 0;
			return 0;
		}
		tail = ng->entries[ng->oldest].off;
		if (ng->arena_head > tail) {
			/* live bytes are [tail, head): free at the end, then at the start */
			if (cap - ng->arena_head >= len)
				return ng->arena_head;
			if (tail >= len)
				return 0;
		} else if (ng->arena_head < tail) {
			/* live bytes wrapped: free is [head, tail) */
			if (tail - ng->arena_head >= len)
				return ng->arena_head;
		}
		/* head == tail with live entries: the arena is full */
		cache_evict_oldest(ng);
	}
}

static void
cache_store(struct mr_ng *ng, const struct mr_ng_peer *peer, const struct mr_ng_str *cookie,
	    const char *reply, size_t len, uint64_t now_ms)
{
	struct cache_entry *e;
	uint32_t slot;
	size_t off;

	if (len > ng->conf.cache_bytes || len == 0) {
		ng->stats.c[MR_NG_C_CACHE_SKIPPED]++;
		return;
	}
	if (ng->used == ng->conf.cache_entries)
		cache_evict_oldest(ng);
	off = cache_alloc(ng, len);
	slot = (ng->oldest + ng->used) % ng->conf.cache_entries;
	e = &ng->entries[slot];
	e->expires_ms = now_ms + ng->conf.cache_ttl_ms;
	e->peer = *peer;
	e->cookie_len = (uint16_t)cookie->len;
	memcpy(e->cookie, cookie->p, cookie->len);
	e->off = off;
	e->len = len;
	memcpy(ng->arena + off, reply, len);
	ng->arena_head = off + len;
	e->bucket = cache_hash(peer, cookie->p, cookie->len) & (ng->n_buckets - 1);
	e->next = ng->buckets[e->bucket];
	ng->buckets[e->bucket] = (int32_t)slot;
	ng->used++;
}

unsigned int
mr_ng_cache_used(const struct mr_ng *ng)
{
	return ng->used;
}

int
mr_ng_parse_hostport(const char *s, struct mr_ng_addr *addr, uint16_t *port, bool port_required)
{
	char host[64];
	const char *p, *end, *colon;
	size_t hlen;
	unsigned long v;
	char *ep;

	memset(addr, 0, sizeof(*addr));
	*port = 0;
	if (s == NULL)
		return -EINVAL;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL)
			return -EINVAL;
		p = s + 1;
		hlen = (size_t)(end - p);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -EINVAL;
	} else {
		p = s;
		colon = strrchr(s, ':');
		/* more than one ':' without brackets: a bare IPv6 address */
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL;
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, p, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr->ip) == 1)
		addr->family = 4;
	else if (inet_pton(AF_INET6, host, addr->ip) == 1)
		addr->family = 6;
	else
		return -EINVAL;
	if (colon == NULL)
		return port_required ? -EINVAL : 0;
	errno = 0;
	v = strtoul(colon + 1, &ep, 10);
	if (colon[1] < '0' || colon[1] > '9' || *ep != '\0' || errno != 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static void
to_mapped(const struct mr_ng_addr *a, uint8_t out[16])
{
	if (a->family == 4) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, a->ip, 4);
	} else {
		memcpy(out, a->ip, 16);
	}
}

static int
parse_acl(struct acl_entry *e, const char *s)
{
	char tmp[80];
	const char *slash = strchr(s, '/');
	struct mr_ng_addr a;
	unsigned long bits;
	uint16_t port;
	char *ep;

	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	snprintf(tmp, sizeof(tmp), "%.*s", slash != NULL ? (int)(slash - s) : (int)strlen(s), s);
	if (mr_ng_parse_hostport(tmp, &a, &port, false) < 0 || port != 0)
		return -EINVAL;
	bits = a.family == 4 ? 32 : 128;
	if (slash != NULL) {
		unsigned long max = bits;

		errno = 0;
		bits = strtoul(slash + 1, &ep, 10);
		if (slash[1] < '0' || slash[1] > '9' || *ep != '\0' || errno != 0 || bits > max)
			return -EINVAL;
	}
	to_mapped(&a, e->ip);
	e->bits = (uint8_t)(a.family == 4 ? bits + 96 : bits);
	return 0;
}

bool
mr_ng_prefix_valid(const char *s)
{
	struct acl_entry e;

	return s != NULL && parse_acl(&e, s) == 0;
}

static bool
acl_allows(const struct mr_ng *ng, const struct mr_ng_peer *peer)
{
	unsigned int i;

	if (ng->n_acl == 0)
		return true;
	for (i = 0; i < ng->n_acl; i++) {
		const struct acl_entry *e = &ng->acl[i];
		unsigned int full = e->bits / 8, rest = e->bits % 8;

		if (memcmp(e->ip, peer->ip, full) != 0)
			continue;
		if (rest != 0) {
			uint8_t mask = (uint8_t)(0xff << (8 - rest));

			if ((e->ip[full] & mask) != (peer->ip[full] & mask))
				continue;
		}
		return true;
	}
	return false;
}

struct mr_ng *
mr_ng_create(const struct mr_ng_conf *conf, char *errbuf, size_t errlen)
{
	struct mr_ng *ng;
	uint32_t i;

	if (conf == NULL || conf->n_acl > MR_NG_ACL_MAX) {
		set_errbuf(errbuf, errlen, "%s", "ng: bad configuration");
		return NULL;
	}
	ng = calloc(1, sizeof(*ng));
	if (ng == NULL) {
		set_errbuf(errbuf, errlen, "%s", "ng: out of memory");
		return NULL;
	}
	ng->fd = -1;
	ng->conf = *conf;
	if (ng->conf.cache_entries == 0)
		ng->conf.cache_entries = DEFAULT_CACHE_ENTRIES;
	if (ng->conf.cache_ttl_ms == 0)
		ng->conf.cache_ttl_ms = DEFAULT_CACHE_TTL_MS;
	if (ng->conf.cache_bytes == 0)
		ng->conf.cache_bytes = DEFAULT_CACHE_BYTES;
	if (ng->conf.max_reply == 0)
		ng->conf.max_reply = DEFAULT_MAX_REPLY;
	if (ng->conf.max_nodes == 0)
		ng->conf.max_nodes = DEFAULT_MAX_NODES;
	if (ng->conf.max_reply > MR_NG_MSG_MAX || ng->conf.max_reply < 128 ||
	    ng->conf.cache_entries > (1u << 24)) {
		set_errbuf(errbuf, errlen, "%s",
			   "ng: max_reply must be 128..65535, cache_entries at most 2^24");
		free(ng);
		return NULL;
	}
	for (i = 0; i < conf->n_acl; i++) {
		if (conf->acl[i] == NULL || parse_acl(&ng->acl[i], conf->acl[i]) < 0) {
			set_errbuf(errbuf, errlen, "ng: bad ACL prefix '%s'",
				   conf->acl[i] != NULL ? conf->acl[i] : "(null)");
			free(ng);
			return NULL;
		}
	}
	ng->n_acl = conf->n_acl;
	for (ng->n_buckets = 1; ng->n_buckets < 2 * ng->conf.cache_entries; )
		ng->n_buckets <<= 1;
	ng->nodes = calloc(ng->conf.max_nodes, sizeof(*ng->nodes));
	ng->entries = calloc(ng->conf.cache_entries, sizeof(*ng->entries));
	ng->buckets = malloc(ng->n_buckets * sizeof(*ng->buckets));
	ng->arena = malloc(ng->conf.cache_bytes);
	ng->rx = malloc(MR_NG_MSG_MAX + 1);
	ng->tx = malloc(ng->conf.max_reply);
	if (ng->nodes == NULL || ng->entries == NULL || ng->buckets == NULL ||
	    ng->arena == NULL || ng->rx == NULL || ng->tx == NULL) {
		set_errbuf(errbuf, errlen, "%s", "ng: out of memory");
		mr_ng_free(ng);
		return NULL;
	}
	for (i = 0; i < ng->n_buckets; i++)
		ng->buckets[i] = -1;
	return ng;
}

void
mr_ng_free(struct mr_ng *ng)
{
	if (ng == NULL)
		return;
	if (ng->fd >= 0)
		close(ng->fd);
	free(ng->nodes);
	free(ng->entries);
	free(ng->buckets);
	free(ng->arena);
	free(ng->rx);
	free(ng->tx);
	free(ng);
}

const struct mr_ng_stats *
mr_ng_get_stats(const struct mr_ng *ng)
{
	return &ng->stats;
}

static int
error_reply(struct mr_ng *ng, const struct mr_ng_str *cookie, const char *reason, char *out,
	    size_t cap)
{
	struct mr_bencode_enc e;
	int64_t n;

	mr_bencode_enc_init(&e, out, cap);
	mr_bencode_enc_raw(&e, cookie->p, cookie->len);
	mr_bencode_enc_raw(&e, " ", 1);
	mr_bencode_enc_dict(&e);
	mr_bencode_enc_kv_cstr(&e, "error-reason", reason);
	mr_bencode_enc_kv_cstr(&e, "result", "error");
	mr_bencode_enc_end(&e);
	n = mr_bencode_enc_finish(&e);
	if (n < 0)
		return (int)n;
	ng->stats.c[MR_NG_C_REPLIED_ERROR]++;
	return (int)n;
}

/* The reply to a request that has a cookie; not yet cached. */
static int
answer(struct mr_ng *ng, const struct mr_ng_str *cookie, const struct mr_ng_str *payload,
       char *out, size_t cap)
{
	struct mr_bencode_error berr;
	struct mr_ng_error err;
	struct mr_bencode_enc e;
	mr_ng_handler_fn fn;
	int64_t n;
	int rc;

	rc = mr_bencode_decode(payload->p, payload->len, ng->nodes, ng->conf.max_nodes,
			       MR_BENCODE_DEPTH_DEFAULT, &berr);
	if (rc < 0) {
		ng->stats.c[MR_NG_C_BAD_BENCODE]++;
		snprintf(err.reason, sizeof(err.reason), "malformed bencode at byte %zu: %s",
			 berr.offset, mr_bencode_strerror(berr.code));
		return error_reply(ng, cookie, err.reason, out, cap);
	}
	if (mr_ng_parse_request(&ng->nodes[0], &ng->req, &err) < 0) {
		ng->stats.c[MR_NG_C_BAD_REQUEST]++;
		return error_reply(ng, cookie, err.reason, out, cap);
	}
	ng->stats.commands[ng->req.cmd]++;
	mr_bencode_enc_init(&e, out, cap);
	mr_bencode_enc_raw(&e, cookie->p, cookie->len);
	mr_bencode_enc_raw(&e, " ", 1);
	mr_bencode_enc_dict(&e);
	if (ng->req.cmd == MR_NG_CMD_PING) {
		mr_bencode_enc_kv_cstr(&e, "result", "pong");
	} else {
		fn = ng->conf.handlers[ng->req.cmd];
		if (fn == NULL) {
			snprintf(err.reason, sizeof(err.reason), "command '%s' is not available",
				 mr_ng_command_name(ng->req.cmd));
			return error_reply(ng, cookie, err.reason, out, cap);
		}
		mr_bencode_enc_kv_cstr(&e, "result", "ok");
		err.reason[0] = '\0';
		rc = fn(ng->conf.ctx, &ng->req, &e, &err);
		if (rc < 0) {
			if (err.reason[0] == '\0')
				snprintf(err.reason, sizeof(err.reason), "%s failed: %s",
					 mr_ng_command_name(ng->req.cmd), strerror(-rc));
			return error_reply(ng, cookie, err.reason, out, cap);
		}
	}
	mr_bencode_enc_end(&e);
	n = mr_bencode_enc_finish(&e);
	if (n == -ENOSPC) {
		ng->stats.c[MR_NG_C_REPLY_TOO_BIG]++;
		return error_reply(ng, cookie, "reply too large", out, cap);
	}
	if (n < 0)
		return error_reply(ng, cookie, "reply encoding failed", out, cap);
	ng->stats.c[MR_NG_C_REPLIED_OK]++;
	return (int)n;
}

int
mr_ng_process(struct mr_ng *ng, const struct mr_ng_peer *peer, const char *msg, size_t len,
	      char *out, size_t cap, uint64_t now_ms)
{
	const struct cache_entry *hit;
	struct mr_ng_str cookie, payload;
	int n;

	ng->stats.c[MR_NG_C_RECEIVED]++;
	if (!acl_allows(ng, peer)) {
		ng->stats.c[MR_NG_C_DROP_ACL]++;
		return 0;
	}
	if (mr_ng_split(msg, len, &cookie, &payload) < 0) {
		ng->stats.c[MR_NG_C_DROP_NO_COOKIE]++;
		return 0;
	}
	hit = cache_find(ng, peer, &cookie, now_ms);
	if (hit != NULL) {
		ng->stats.c[MR_NG_C_CACHE_HITS]++;
		if (hit->len > cap)
			return -ENOSPC;
		memcpy(out, ng->arena + hit->off, hit->len);
		return (int)hit->len;
	}
	if (cap > ng->conf.max_reply)
		cap = ng->conf.max_reply;
	n = answer(ng, &cookie, &payload, out, cap);
	if (n > 0)
		cache_store(ng, peer, &cookie, out, (size_t)n, now_ms);
	return n;
}

int
mr_ng_listen(struct mr_ng *ng, const char *addr, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct mr_ng_addr a;
	uint16_t port;
	int fd, off = 0, on = 1;

	if (ng->fd >= 0) {
		set_errbuf(errbuf, errlen, "%s", "ng: already listening");
		return -EBUSY;
	}
	if (mr_ng_parse_hostport(addr, &a, &port, true) < 0) {
		set_errbuf(errbuf, errlen,
			   "ng: listen address '%s' is not IPv4:port or [IPv6]:port",
			   addr != NULL ? addr : "(null)");
		return -EINVAL;
	}
	memset(&ss, 0, sizeof(ss));
	if (a.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a.ip, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a.ip, 16);
		sl = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_errbuf(errbuf, errlen, "ng: socket: %s", strerror(errno));
		return -errno;
	}
	/* "[::]" takes IPv4 too; a specific IPv6 address only itself */
	if (a.family == 6 && IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)a.ip))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	else if (a.family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int rc = -errno;

		set_errbuf(errbuf, errlen, "ng: bind %s: ", addr);
		if (errbuf != NULL && errlen > strlen(errbuf))
			snprintf(errbuf + strlen(errbuf), errlen - strlen(errbuf), "%s",
				 strerror(-rc));
		close(fd);
		return rc;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
			     ((struct sockaddr_in6 *)&ss)->sin6_port);
	ng->fd = fd;
	ng->port = port;
	return 0;
}

uint16_t
mr_ng_port(const struct mr_ng *ng)
{
	return ng->fd >= 0 ? ng->port : 0;
}

int
mr_ng_fd(const struct mr_ng *ng)
{
	return ng->fd;
}

static void
peer_from_sockaddr(const struct sockaddr_storage *ss, struct mr_ng_peer *peer)
{
	memset(peer, 0, sizeof(*peer));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		peer->ip[10] = 0xff;
		peer->ip[11] = 0xff;
		memcpy(peer->ip + 12, &sin->sin_addr, 4);
		peer->port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(peer->ip, &sin6->sin6_addr, 16);
		peer->port = ntohs(sin6->sin6_port);
	}
}

int
mr_ng_poll(struct mr_ng *ng, uint64_t now_ms, unsigned int budget)
{
	unsigned int n;

	if (ng->fd < 0)
		return -EBADF;
	for (n = 0; n < budget; n++) {
		struct sockaddr_storage ss;
		struct iovec iov = { .iov_base = ng->rx, .iov_len = MR_NG_MSG_MAX + 1 };
		struct msghdr mh = {
			.msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov, .msg_iovlen = 1,
		};
		struct mr_ng_peer peer;
		ssize_t len;
		int out;

		len = recvmsg(ng->fd, &mh, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		peer_from_sockaddr(&ss, &peer);
		if ((mh.msg_flags & MSG_TRUNC) != 0 || len > MR_NG_MSG_MAX) {
			ng->stats.c[MR_NG_C_RECEIVED]++;
			ng->stats.c[MR_NG_C_DROP_TRUNCATED]++;
			continue;
		}
		out = mr_ng_process(ng, &peer, ng->rx, (size_t)len, ng->tx, ng->conf.max_reply,
				    now_ms);
		if (out <= 0)
			continue;
		if (sendto(ng->fd, ng->tx, (size_t)out, MSG_DONTWAIT, (struct sockaddr *)&ss,
			   mh.msg_namelen) != out)
			ng->stats.c[MR_NG_C_DROP_SEND_FAILED]++;
	}
	return (int)n;
}
