/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The ng request: framing and the one table of what a request may carry.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mr_ng.h"

static const char *const command_names[MR_NG_CMD_MAX] = {
#define MR_NG_CMD_NAME(e, s) [MR_NG_CMD_##e] = s,
	MR_NG_COMMANDS(MR_NG_CMD_NAME)
#undef MR_NG_CMD_NAME
};

static const char *const flag_names[MR_NG_FLAG_BIT_MAX] = {
#define MR_NG_FLAG_NAME(e, s) [MR_NG_FLAG_BIT_##e] = s,
	MR_NG_FLAGS(MR_NG_FLAG_NAME)
#undef MR_NG_FLAG_NAME
};

static const char *const transport_names[] = {
	[MR_NG_TRANSPORT_RTP_AVP] = "RTP/AVP", [MR_NG_TRANSPORT_RTP_SAVP] = "RTP/SAVP",
	[MR_NG_TRANSPORT_RTP_AVPF] = "RTP/AVPF", [MR_NG_TRANSPORT_RTP_SAVPF] = "RTP/SAVPF",
};

static const char *const codec_op_names[] = {
	[MR_NG_CODEC_STRIP] = "strip", [MR_NG_CODEC_EXCEPT] = "except",
	[MR_NG_CODEC_TRANSCODE] = "transcode", [MR_NG_CODEC_MASK] = "mask",
};

static const struct {
	const char *name;
	uint32_t bit;
} rtcp_mux_names[] = {
	{ "offer", MR_NG_RTCP_MUX_OFFER }, { "require", MR_NG_RTCP_MUX_REQUIRE },
	{ "accept", MR_NG_RTCP_MUX_ACCEPT },
	{ "reject", MR_NG_RTCP_MUX_REJECT },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *
mr_ng_command_name(enum mr_ng_command c)
{
	return (unsigned int)c < MR_NG_CMD_MAX ? command_names[c] : NULL;
}

const char *
mr_ng_transport_name(enum mr_ng_transport t)
{
	if (t <= MR_NG_TRANSPORT_KEEP || (unsigned int)t >= ARRAY_LEN(transport_names))
		return NULL;
	return transport_names[t];
}

int
mr_ng_fail(struct mr_ng_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * A name from the request, made printable and short for an error reason:
 * it goes back to the client, and into logs.
 */
struct shown {
	char s[52];
};

static struct shown
show(const char *p, size_t len)
{
	struct shown out;
	size_t i, n = len > 40 ? 40 : len;

	for (i = 0; i < n; i++)
		out.s[i] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'') ? p[i] : '?';
	if (n < len) {
		memcpy(out.s + n, "...", 3);
		n += 3;
	}
	out.s[n] = '\0';
	return out;
}

static struct shown
show_str(const struct mr_ng_str *s)
{
	return show(s->p, s->len);
}

/* rtpengine's spelling rules: case-insensitive, ' ' '_' '-' alike. */
static char
norm(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if (c == ' ' || c == '_')
		return '-';
	return c;
}

static bool
name_prefix(const char *p, size_t len, const char *canon)
{
	size_t i, l = strlen(canon);

	if (len < l)
		return false;
	for (i = 0; i < l; i++)
		if (norm(p[i]) != canon[i])
			return false;
	return true;
}

static bool
name_eq(const char *p, size_t len, const char *canon)
{
	return len == strlen(canon) && name_prefix(p, len, canon);
}

static bool
str_is(const struct mr_ng_str *s, const char *canon)
{
	return name_eq(s->p, s->len, canon);
}

int
mr_ng_split(const char *msg, size_t len, struct mr_ng_str *cookie, struct mr_ng_str *payload)
{
	size_t i, n = len < MR_NG_COOKIE_MAX + 1 ? len : MR_NG_COOKIE_MAX + 1;

	for (i = 0; i < n; i++) {
		if (msg[i] == ' ')
			break;
		if ((unsigned char)msg[i] < 0x21 || (unsigned char)msg[i] == 0x7f)
			return -EINVAL;
	}
	if (i == n || i == 0)
		return -EINVAL;
	cookie->p = msg;
	cookie->len = i;
	payload->p = msg + i + 1;
	payload->len = len - i - 1;
	return 0;
}

static int
get_str(const struct mr_bencode_node *v, const char *key, struct mr_ng_str *out,
	struct mr_ng_error *err)
{
	if (mr_bencode_get_str(v, &out->p, &out->len) < 0)
		return mr_ng_fail(err, "key '%s' must be a string", key);
	return 0;
}

/* Every entry of a list value must be a string. */
static int
check_str_list(const struct mr_bencode_node *v, const char *key, struct mr_ng_error *err)
{
	const struct mr_bencode_node *e;

	if (v->type != MR_BENCODE_LIST)
		return mr_ng_fail(err, "key '%s' must be a list", key);
	for (e = mr_bencode_first(v); e != NULL; e = mr_bencode_next(v, e))
		if (e->type != MR_BENCODE_STR)
			return mr_ng_fail(err, "key '%s' must be a list of strings", key);
	return 0;
}

static int
parse_ip(const struct mr_ng_str *s, uint8_t want_family, struct mr_ng_addr *a)
{
	char tmp[64];

	if (s->len == 0 || s->len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s->p, s->len);
	tmp[s->len] = '\0';
	memset(a, 0, sizeof(*a));
	if (want_family != 6 && inet_pton(AF_INET, tmp, a->ip) == 1) {
		a->family = 4;
		return 0;
	}
	if (want_family != 4 && inet_pton(AF_INET6, tmp, a->ip) == 1) {
		a->family = 6;
		return 0;
	}
	return -EINVAL;
}

static int
parse_family(const struct mr_ng_str *s, uint8_t *family)
{
	if (s->len == 3 && memcmp(s->p, "IP4", 3) == 0)
		*family = 4;
	else if (s->len == 3 && memcmp(s->p, "IP6", 3) == 0)
		*family = 6;
	else
		return -EINVAL;
	return 0;
}

static int
add_codec(struct mr_ng_request *req, enum mr_ng_codec_op op, const char *p, size_t len,
	  struct mr_ng_error *err)
{
	if (len == 0)
		return mr_ng_fail(err, "empty codec name for codec-%s", codec_op_names[op]);
	if (req->n_codec == MR_NG_MAX_CODEC_OPS)
		return mr_ng_fail(err, "more than %d codec operations", MR_NG_MAX_CODEC_OPS);
	req->codec[req->n_codec].op = op;
	req->codec[req->n_codec].name.p = p;
	req->codec[req->n_codec].name.len = len;
	req->n_codec++;
	return 0;
}

/* One logical interface name of "direction" (printable, no blanks). */
static int
add_direction(struct mr_ng_request *req, const char *p, size_t len, struct mr_ng_error *err)
{
	size_t i;

	if (req->n_direction == MR_NG_DIRECTION_MAX)
		return mr_ng_fail(err, "direction takes %d interfaces (the offerer's, the other "
				  "party's)", MR_NG_DIRECTION_MAX);
	if (len == 0 || len > 64)
		return mr_ng_fail(err, "a direction interface name must be 1..64 bytes");
	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return mr_ng_fail(err, "direction interface '%s' is not a name",
					  show(p, len).s);
	req->direction[req->n_direction].p = p;
	req->direction[req->n_direction].len = len;
	req->n_direction++;
	return 0;
}

static int
codec_op(const char *p, size_t len, enum mr_ng_codec_op *op)
{
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(codec_op_names); i++) {
		if (name_eq(p, len, codec_op_names[i])) {
			*op = (enum mr_ng_codec_op)i;
			return 0;
		}
	}
	return -ENOENT;
}

static int
replace_bit(const char *p, size_t len, uint32_t *bit)
{
	if (name_eq(p, len, "origin"))
		*bit = MR_NG_REPLACE_ORIGIN;
	else if (name_eq(p, len, "session-connection"))
		*bit = MR_NG_REPLACE_SESSION_CONN;
	else
		return -ENOENT;
	return 0;
}

static int
rtcp_mux_bit(const char *p, size_t len, uint32_t *bit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(rtcp_mux_names); i++) {
		if (name_eq(p, len, rtcp_mux_names[i].name)) {
			*bit = rtcp_mux_names[i].bit;
			return 0;
		}
	}
	return -ENOENT;
}

/* One entry of "flags": a known flag, or replace-, rtcp-mux- and codec- prefixes. */
static int
parse_flag(struct mr_ng_request *req, const struct mr_ng_str *f, struct mr_ng_error *err)
{
	enum mr_ng_codec_op op;
	uint32_t bit;
	unsigned int i;

	for (i = 0; i < MR_NG_FLAG_BIT_MAX; i++) {
		if (str_is(f, flag_names[i])) {
			req->flags |= UINT32_C(1) << i;
			return 0;
		}
	}
	if (name_prefix(f->p, f->len, "replace-") &&
	    replace_bit(f->p + 8, f->len - 8, &bit) == 0) {
		req->replace |= bit;
		return 0;
	}
	if (name_prefix(f->p, f->len, "rtcp-mux-") &&
	    rtcp_mux_bit(f->p + 9, f->len - 9, &bit) == 0) {
		req->rtcp_mux |= bit;
		return 0;
	}
	/* rtpengine's short forms of direction=internal / direction=external */
	if (str_is(f, "internal") || str_is(f, "external"))
		return add_direction(req, f->p, f->len, err);
	if (name_prefix(f->p, f->len, "codec-")) {
		const char *op_p = f->p + 6;
		const char *dash = memchr(op_p, '-', f->len - 6);

		/* "codec-<op>-<codec>": the codec keeps its spelling */
		if (dash != NULL && codec_op(op_p, (size_t)(dash - op_p), &op) == 0)
			return add_codec(req, op, dash + 1, (size_t)(f->p + f->len - dash - 1), err);
	}
	return mr_ng_fail(err, "unsupported flag '%s'", show_str(f).s);
}

static int
key_flags(struct mr_ng_request *req, const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	const struct mr_bencode_node *e;

	if (check_str_list(v, "flags", err) < 0)
		return -EINVAL;
	for (e = mr_bencode_first(v); e != NULL; e = mr_bencode_next(v, e)) {
		struct mr_ng_str f = { e->u.s.p, e->u.s.len };

		if (parse_flag(req, &f, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* A list of names, each one bit: "replace", "rtcp-mux". */
static int
key_bits(const struct mr_bencode_node *v, const char *key,
	 int (*bit_of)(const char *, size_t, uint32_t *), uint32_t *bits,
	 struct mr_ng_error *err)
{
	const struct mr_bencode_node *e;
	uint32_t bit;

	if (check_str_list(v, key, err) < 0)
		return -EINVAL;
	for (e = mr_bencode_first(v); e != NULL; e = mr_bencode_next(v, e)) {
		if (bit_of(e->u.s.p, e->u.s.len, &bit) < 0)
			return mr_ng_fail(err, "unsupported %s '%s'", key,
					  show(e->u.s.p, e->u.s.len).s);
		*bits |= bit;
	}
	return 0;
}

static int
key_replace(struct mr_ng_request *req, const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	return key_bits(v, "replace", replace_bit, &req->replace, err);
}

static int
key_rtcp_mux(struct mr_ng_request *req, const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	return key_bits(v, "rtcp-mux", rtcp_mux_bit, &req->rtcp_mux, err);
}

static int
key_codec(struct mr_ng_request *req, const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	const struct mr_bencode_node *k, *list, *e;
	enum mr_ng_codec_op op;

	if (v->type != MR_BENCODE_DICT)
		return mr_ng_fail(err, "key 'codec' must be a dictionary");
	for (k = mr_bencode_first(v); k != NULL; k = mr_bencode_next(v, list)) {
		list = mr_bencode_next(v, k);
		if (codec_op(k->u.s.p, k->u.s.len, &op) < 0)
			return mr_ng_fail(err, "unsupported codec operation '%s'",
					  show(k->u.s.p, k->u.s.len).s);
		if (check_str_list(list, "codec", err) < 0)
			return -EINVAL;
		for (e = mr_bencode_first(list); e != NULL; e = mr_bencode_next(list, e))
			if (add_codec(req, op, e->u.s.p, e->u.s.len, err) < 0)
				return -EINVAL;
	}
	return 0;
}

static int
key_direction(struct mr_ng_request *req, const struct mr_bencode_node *v,
	      struct mr_ng_error *err)
{
	const struct mr_bencode_node *e;

	if (check_str_list(v, "direction", err) < 0)
		return -EINVAL;
	for (e = mr_bencode_first(v); e != NULL; e = mr_bencode_next(v, e))
		if (add_direction(req, e->u.s.p, e->u.s.len, err) < 0)
			return -EINVAL;
	return 0;
}

static int
key_received_from(struct mr_ng_request *req, const struct mr_bencode_node *v,
		  struct mr_ng_error *err)
{
	const struct mr_bencode_node *fam, *addr;
	struct mr_ng_str f, a;
	uint8_t family;

	if (check_str_list(v, "received-from", err) < 0)
		return -EINVAL;
	if (v->u.count != 2)
		return mr_ng_fail(err, "key 'received-from' must be [family, address]");
	fam = mr_bencode_first(v);
	addr = mr_bencode_next(v, fam);
	f.p = fam->u.s.p;
	f.len = fam->u.s.len;
	a.p = addr->u.s.p;
	a.len = addr->u.s.len;
	if (parse_family(&f, &family) < 0)
		return mr_ng_fail(err, "received-from family '%s' is not IP4 or IP6",
				  show_str(&f).s);
	if (parse_ip(&a, family, &req->received_from) < 0)
		return mr_ng_fail(err, "received-from address '%s' is not an IP%u address",
				  show_str(&a).s, family);
	return 0;
}

static int
key_simple(struct mr_ng_request *req, const char *key, const struct mr_bencode_node *v,
	   struct mr_ng_error *err)
{
	struct mr_ng_str s;

	if (strcmp(key, "ice") == 0) {
		if (get_str(v, "ICE", &s, err) < 0)
			return -EINVAL;
		if (!str_is(&s, "remove"))
			return mr_ng_fail(err, "unsupported ICE '%s' (only 'remove')",
					  show_str(&s).s);
		req->ice = MR_NG_ICE_REMOVE;
		return 0;
	}
	if (strcmp(key, "transport-protocol") == 0) {
		unsigned int t;

		if (get_str(v, "transport-protocol", &s, err) < 0)
			return -EINVAL;
		for (t = MR_NG_TRANSPORT_RTP_AVP; t < ARRAY_LEN(transport_names); t++) {
			if (s.len == strlen(transport_names[t]) &&
			    memcmp(s.p, transport_names[t], s.len) == 0) {
				req->transport = (enum mr_ng_transport)t;
				return 0;
			}
		}
		return mr_ng_fail(err, "unsupported transport-protocol '%s'", show_str(&s).s);
	}
	if (strcmp(key, "media-address") == 0) {
		if (get_str(v, "media-address", &s, err) < 0)
			return -EINVAL;
		if (parse_ip(&s, 0, &req->media_address) < 0)
			return mr_ng_fail(err, "media-address '%s' is not an IP address",
					  show_str(&s).s);
		return 0;
	}
	if (strcmp(key, "address-family") == 0) {
		if (get_str(v, "address-family", &s, err) < 0)
			return -EINVAL;
		if (parse_family(&s, &req->address_family) < 0)
			return mr_ng_fail(err, "address-family '%s' is not IP4 or IP6",
					  show_str(&s).s);
		return 0;
	}
	if (strcmp(key, "delete-delay") == 0 || strcmp(key, "limit") == 0) {
		int64_t i;

		if (mr_bencode_get_int(v, &i) < 0)
			return mr_ng_fail(err, "key '%s' must be an integer", key);
		if (key[0] == 'l') {
			if (i <= 0)
				return mr_ng_fail(err, "limit must be > 0");
			req->limit = i;
		} else {
			if (i < 0)
				return mr_ng_fail(err, "delete-delay must be >= 0");
			req->delete_delay = i;
			req->has_delete_delay = true;
		}
		return 0;
	}
	return mr_ng_fail(err, "unsupported key '%s'", key);
}

/* Keys whose only accepted values change nothing mrelay does. */
static int
key_accepted_off(const char *key, const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	static const char *const off[] = { "off", "no", "disable" };
	const struct mr_bencode_node *e;
	unsigned int i;

	if (strcmp(key, "supports") == 0)   /* the client's capabilities: noted, not needed */
		return check_str_list(v, key, err);
	if (v->type == MR_BENCODE_STR) {
		e = v;
	} else {
		if (check_str_list(v, key, err) < 0)
			return -EINVAL;
		for (e = mr_bencode_first(v); e != NULL; e = mr_bencode_next(v, e))
			if (key_accepted_off(key, e, err) < 0)
				return -EINVAL;
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(off); i++)
		if (name_eq(e->u.s.p, e->u.s.len, off[i]))
			return 0;
	return mr_ng_fail(err, "unsupported %s '%s'", key, show(e->u.s.p, e->u.s.len).s);
}

/* Every key a request may carry. */
enum key_kind {
	K_STR,        /* a string into one of the request's fields */
	K_LIST,       /* a handler for a list or dictionary */
	K_SIMPLE,     /* key_simple() */
	K_OFF,        /* key_accepted_off() */
};

static const struct key_def {
	const char *name;       /* normalised spelling */
	enum key_kind kind;
	size_t str_off;         /* K_STR: offset of the mr_ng_str */
	int (*list)(struct mr_ng_request *, const struct mr_bencode_node *,
		    struct mr_ng_error *);
} keys[] = {
	{ "call-id", K_STR, offsetof(struct mr_ng_request, call_id), NULL },
	{ "from-tag", K_STR, offsetof(struct mr_ng_request, from_tag), NULL },
	{ "to-tag", K_STR, offsetof(struct mr_ng_request, to_tag), NULL },
	{ "via-branch", K_STR, offsetof(struct mr_ng_request, via_branch), NULL },
	{ "sdp", K_STR, offsetof(struct mr_ng_request, sdp), NULL },
	{ "flags", K_LIST, 0, key_flags },
	{ "replace", K_LIST, 0, key_replace },
	{ "rtcp-mux", K_LIST, 0, key_rtcp_mux },
	{ "codec", K_LIST, 0, key_codec },
	{ "received-from", K_LIST, 0, key_received_from },
	{ "direction", K_LIST, 0, key_direction },
	{ "ice", K_SIMPLE, 0, NULL },
	{ "transport-protocol", K_SIMPLE, 0, NULL },
	{ "media-address", K_SIMPLE, 0, NULL },
	{ "address-family", K_SIMPLE, 0, NULL },
	{ "delete-delay", K_SIMPLE, 0, NULL },
	{ "limit", K_SIMPLE, 0, NULL },
	{ "supports", K_OFF, 0, NULL },
	{ "record-call", K_OFF, 0, NULL },
	{ "dtls", K_OFF, 0, NULL },
	{ "sdes", K_OFF, 0, NULL },
};

static int
parse_key(struct mr_ng_request *req, const struct mr_bencode_node *k,
	  const struct mr_bencode_node *v, struct mr_ng_error *err)
{
	unsigned int i;

	if (name_eq(k->u.s.p, k->u.s.len, "command"))
		return 0;
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		const struct key_def *d = &keys[i];

		if (!name_eq(k->u.s.p, k->u.s.len, d->name))
			continue;
		switch (d->kind) {
		case K_STR:
			return get_str(v, d->name, (struct mr_ng_str *)((char *)req + d->str_off),
				       err);
		case K_LIST:
			return d->list(req, v, err);
		case K_SIMPLE:
			return key_simple(req, d->name, v, err);
		case K_OFF:
			return key_accepted_off(d->name, v, err);
		}
	}
	return mr_ng_fail(err, "unsupported key '%s'", show(k->u.s.p, k->u.s.len).s);
}

static int
require(const struct mr_ng_str *s, const char *key, enum mr_ng_command cmd,
	struct mr_ng_error *err)
{
	if (s->p == NULL)
		return mr_ng_fail(err, "%s without '%s'", command_names[cmd], key);
	return 0;
}

int
mr_ng_parse_request(const struct mr_bencode_node *dict, struct mr_ng_request *req,
		    struct mr_ng_error *err)
{
	const struct mr_bencode_node *cmd, *k, *v;
	struct mr_ng_str c;
	unsigned int i;

	memset(req, 0, sizeof(*req));
	if (dict == NULL || dict->type != MR_BENCODE_DICT)
		return mr_ng_fail(err, "the message is not a dictionary");
	cmd = mr_bencode_dict_get(dict, "command");
	if (cmd == NULL)
		return mr_ng_fail(err, "no 'command' key");
	if (get_str(cmd, "command", &c, err) < 0)
		return -EINVAL;
	for (i = 0; i < MR_NG_CMD_MAX; i++)
		if (str_is(&c, command_names[i]))
			break;
	if (i == MR_NG_CMD_MAX)
		return mr_ng_fail(err, "unsupported command '%s'", show_str(&c).s);
	req->cmd = (enum mr_ng_command)i;
	for (k = mr_bencode_first(dict); k != NULL; k = mr_bencode_next(dict, v)) {
		v = mr_bencode_next(dict, k);
		if (parse_key(req, k, v, err) < 0)
			return -EINVAL;
	}
	switch (req->cmd) {
	case MR_NG_CMD_ANSWER:
		if (require(&req->to_tag, "to-tag", req->cmd, err) < 0)
			return -EINVAL;
		/* fall through */
	case MR_NG_CMD_OFFER:
		if (require(&req->sdp, "sdp", req->cmd, err) < 0 ||
		    require(&req->from_tag, "from-tag", req->cmd, err) < 0)
			return -EINVAL;
		/* fall through */
	case MR_NG_CMD_DELETE:
	case MR_NG_CMD_QUERY:
		if (require(&req->call_id, "call-id", req->cmd, err) < 0)
			return -EINVAL;
		break;
	default:
		break;
	}
	return 0;
}
