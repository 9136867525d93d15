/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mr_bencode.h"

struct decoder {
	const char *buf;
	size_t len;
	size_t pos;
	struct mr_bencode_node *nodes;
	unsigned int max_nodes;
	unsigned int n;
	unsigned int max_depth;
	struct mr_bencode_error *err;
};

static const char *const err_names[MR_BENCODE_ERR_MAX] = {
	[MR_BENCODE_OK] = "no error",
	[MR_BENCODE_ERR_EMPTY] = "empty input",
	[MR_BENCODE_ERR_TRUNCATED] = "input ends inside a value",
	[MR_BENCODE_ERR_SYNTAX] = "unexpected byte",
	[MR_BENCODE_ERR_INT] = "malformed integer",
	[MR_BENCODE_ERR_RANGE] = "integer or string length out of range",
	[MR_BENCODE_ERR_KEY] = "dictionary key is not a string",
	[MR_BENCODE_ERR_DUP_KEY] = "duplicate dictionary key",
	[MR_BENCODE_ERR_DEPTH] = "nesting too deep",
	[MR_BENCODE_ERR_NODES] = "too many values",
	[MR_BENCODE_ERR_TRAILING] = "bytes after the value",
};

const char *
mr_bencode_strerror(enum mr_bencode_err code)
{
	if ((unsigned int)code >= MR_BENCODE_ERR_MAX)
		return "unknown error";
	return err_names[code];
}

static int
fail(struct decoder *d, enum mr_bencode_err code)
{
	if (d->err != NULL) {
		d->err->code = code;
		d->err->offset = d->pos;
	}
	return -EINVAL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Digits at d->pos up to @p stop, no leading zero, value <= limit.
 * Leaves d->pos on the stop byte.
 */
static int
read_uint(struct decoder *d, char stop, uint64_t limit, uint64_t *out,
	  enum mr_bencode_err malformed)
{
	size_t start = d->pos;
	uint64_t v = 0;

	while (d->pos < d->len && is_digit(d->buf[d->pos])) {
		unsigned int digit = (unsigned int)(d->buf[d->pos] - '0');

		if (d->pos > start && d->buf[start] == '0')
			return fail(d, malformed);   /* leading zero */
		if (v > (limit - digit) / 10)
			return fail(d, MR_BENCODE_ERR_RANGE);
		v = v * 10 + digit;
		d->pos++;
	}
	if (d->pos == d->len)
		return fail(d, MR_BENCODE_ERR_TRUNCATED);
	if (d->pos == start || d->buf[d->pos] != stop)
		return fail(d, malformed);
	*out = v;
	return 0;
}

static struct mr_bencode_node *
new_node(struct decoder *d, uint8_t type, unsigned int depth)
{
	struct mr_bencode_node *n;

	if (d->n == d->max_nodes) {
		fail(d, MR_BENCODE_ERR_NODES);
		return NULL;
	}
	n = &d->nodes[d->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->depth = (uint8_t)depth;
	n->skip = 1;
	return n;
}

static int
decode_int(struct decoder *d, unsigned int depth)
{
	struct mr_bencode_node *n = new_node(d, MR_BENCODE_INT, depth);
	bool neg = false;
	uint64_t mag;

	if (n == NULL)
		return -EINVAL;
	d->pos++; /* 'i' */
	if (d->pos < d->len && d->buf[d->pos] == '-') {
		neg = true;
		d->pos++;
	}
	/* INT64_MIN's magnitude is one more than INT64_MAX */
	if (read_uint(d, 'e', neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag,
		      MR_BENCODE_ERR_INT) < 0)
		return -EINVAL;
	if (neg && mag == 0)
		return fail(d, MR_BENCODE_ERR_INT);   /* "-0" */
	d->pos++; /* 'e' */
	n->u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int
decode_str(struct decoder *d, unsigned int depth)
{
	struct mr_bencode_node *n = new_node(d, MR_BENCODE_STR, depth);
	uint64_t slen;

	if (n == NULL)
		return -EINVAL;
	if (read_uint(d, ':', UINT32_MAX, &slen, MR_BENCODE_ERR_SYNTAX) < 0)
		return -EINVAL;
	d->pos++; /* ':' */
	if (slen > d->len - d->pos)
		return fail(d, MR_BENCODE_ERR_TRUNCATED);
	n->u.s.p = d->buf + d->pos;
	n->u.s.len = (size_t)slen;
	d->pos += (size_t)slen;
	return 0;
}

static int decode_value(struct decoder *d, unsigned int depth);

/* Keys decoded so far in this dictionary (every other child) against the last one. */
static bool
dup_key(const struct mr_bencode_node *dict, const struct mr_bencode_node *key)
{
	const struct mr_bencode_node *k;

	for (k = dict + 1; k != key; k = k + k->skip + (k + k->skip)->skip) {
		if (k->u.s.len == key->u.s.len &&
		    memcmp(k->u.s.p, key->u.s.p, key->u.s.len) == 0)
			return true;
	}
	return false;
}

static int
decode_container(struct decoder *d, unsigned int depth)
{
	bool dict = d->buf[d->pos] == 'd';
	unsigned int idx = d->n;
	struct mr_bencode_node *n;
	uint32_t count = 0;

	if (depth >= d->max_depth)
		return fail(d, MR_BENCODE_ERR_DEPTH);
	n = new_node(d, dict ? MR_BENCODE_DICT : MR_BENCODE_LIST, depth);
	if (n == NULL)
		return -EINVAL;
	d->pos++;
	for (;;) {
		unsigned int key_idx = d->n;
		size_t key_pos = d->pos;

		if (d->pos == d->len)
			return fail(d, MR_BENCODE_ERR_TRUNCATED);
		if (d->buf[d->pos] == 'e') {
			d->pos++;
			break;
		}
		if (dict) {
			if (!is_digit(d->buf[d->pos]))
				return fail(d, MR_BENCODE_ERR_KEY);
			if (decode_str(d, depth + 1) < 0)
				return -EINVAL;
			if (dup_key(&d->nodes[idx], &d->nodes[key_idx])) {
				d->pos = key_pos;
				return fail(d, MR_BENCODE_ERR_DUP_KEY);
			}
			if (d->pos == d->len)
				return fail(d, MR_BENCODE_ERR_TRUNCATED);
			if (d->buf[d->pos] == 'e')
				return fail(d, MR_BENCODE_ERR_SYNTAX);  /* key without value */
		}
		if (decode_value(d, depth + 1) < 0)
			return -EINVAL;
		count++;
	}
	/* nodes[] is stable: new_node() only appends */
	d->nodes[idx].u.count = count;
	d->nodes[idx].skip = d->n - idx;
	return 0;
}

static int
decode_value(struct decoder *d, unsigned int depth)
{
	char c;

	if (d->pos == d->len)
		return fail(d, MR_BENCODE_ERR_TRUNCATED);
	c = d->buf[d->pos];
	if (c == 'd' || c == 'l')
		return decode_container(d, depth);
	if (c == 'i')
		return decode_int(d, depth);
	if (is_digit(c))
		return decode_str(d, depth);
	return fail(d, MR_BENCODE_ERR_SYNTAX);
}

int
mr_bencode_decode(const char *buf, size_t len, struct mr_bencode_node *nodes,
		  unsigned int max_nodes, unsigned int max_depth,
		  struct mr_bencode_error *err)
{
	struct decoder d = {
		.buf = buf, .len = len, .nodes = nodes, .max_nodes = max_nodes,
		.max_depth = max_depth == 0 ? MR_BENCODE_DEPTH_DEFAULT : max_depth,
		.err = err,
	};

	if (d.max_depth > MR_BENCODE_DEPTH_MAX)
		d.max_depth = MR_BENCODE_DEPTH_MAX;
	if (err != NULL) {
		err->code = MR_BENCODE_OK;
		err->offset = 0;
	}
	if (buf == NULL || len == 0)
		return fail(&d, MR_BENCODE_ERR_EMPTY);
	if (nodes == NULL || max_nodes == 0)
		return fail(&d, MR_BENCODE_ERR_NODES);
	if (decode_value(&d, 0) < 0)
		return -EINVAL;
	if (d.pos != len)
		return fail(&d, MR_BENCODE_ERR_TRAILING);
	return (int)d.n;
}

const struct mr_bencode_node *
mr_bencode_first(const struct mr_bencode_node *parent)
{
	if (parent == NULL || (parent->type != MR_BENCODE_LIST &&
			       parent->type != MR_BENCODE_DICT) || parent->skip < 2)
		return NULL;
	return parent + 1;
}

const struct mr_bencode_node *
mr_bencode_next(const struct mr_bencode_node *parent, const struct mr_bencode_node *child)
{
	const struct mr_bencode_node *n;

	if (parent == NULL || child == NULL)
		return NULL;
	n = child + child->skip;
	return n < parent + parent->skip ? n : NULL;
}

const struct mr_bencode_node *
mr_bencode_dict_get_len(const struct mr_bencode_node *dict, const char *key, size_t key_len)
{
	const struct mr_bencode_node *k, *v;

	if (dict == NULL || dict->type != MR_BENCODE_DICT)
		return NULL;
	for (k = mr_bencode_first(dict); k != NULL; k = mr_bencode_next(dict, v)) {
		v = k + 1; /* a key is a string: one node */
		if (k->u.s.len == key_len && memcmp(k->u.s.p, key, key_len) == 0)
			return v;
	}
	return NULL;
}

const struct mr_bencode_node *
mr_bencode_dict_get(const struct mr_bencode_node *dict, const char *key)
{
	return mr_bencode_dict_get_len(dict, key, strlen(key));
}

int
mr_bencode_get_str(const struct mr_bencode_node *n, const char **p, size_t *len)
{
	if (n == NULL || n->type != MR_BENCODE_STR)
		return -EINVAL;
	*p = n->u.s.p;
	*len = n->u.s.len;
	return 0;
}

int
mr_bencode_get_int(const struct mr_bencode_node *n, int64_t *v)
{
	if (n == NULL || n->type != MR_BENCODE_INT)
		return -EINVAL;
	*v = n->u.i;
	return 0;
}

bool
mr_bencode_str_eq(const struct mr_bencode_node *n, const char *s)
{
	size_t l = strlen(s);

	return n != NULL && n->type == MR_BENCODE_STR && n->u.s.len == l &&
		memcmp(n->u.s.p, s, l) == 0;
}

void
mr_bencode_enc_init(struct mr_bencode_enc *e, char *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf == NULL ? 0 : cap;
	e->len = 0;
	e->error = 0;
	e->depth = 0;
}

void
mr_bencode_enc_raw(struct mr_bencode_enc *e, const void *p, size_t len)
{
	if (e->error != 0)
		return;
	if (len > e->cap - e->len) {
		e->error = -ENOSPC;
		return;
	}
	if (len > 0)
		memcpy(e->buf + e->len, p, len);
	e->len += len;
}

void
mr_bencode_enc_dict(struct mr_bencode_enc *e)
{
	mr_bencode_enc_raw(e, "d", 1);
	e->depth++;
}

void
mr_bencode_enc_list(struct mr_bencode_enc *e)
{
	mr_bencode_enc_raw(e, "l", 1);
	e->depth++;
}

void
mr_bencode_enc_end(struct mr_bencode_enc *e)
{
	if (e->depth == 0) {
		if (e->error == 0)
			e->error = -EINVAL;
		return;
	}
	e->depth--;
	mr_bencode_enc_raw(e, "e", 1);
}

void
mr_bencode_enc_str(struct mr_bencode_enc *e, const void *p, size_t len)
{
	char hdr[24];
	int n = snprintf(hdr, sizeof(hdr), "%zu:", len);

	mr_bencode_enc_raw(e, hdr, (size_t)n);
	mr_bencode_enc_raw(e, p, len);
}

void
mr_bencode_enc_cstr(struct mr_bencode_enc *e, const char *s)
{
	mr_bencode_enc_str(e, s, strlen(s));
}

void
mr_bencode_enc_int(struct mr_bencode_enc *e, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);

	mr_bencode_enc_raw(e, tmp, (size_t)n);
}

void
mr_bencode_enc_kv_str(struct mr_bencode_enc *e, const char *key, const void *p, size_t len)
{
	mr_bencode_enc_cstr(e, key);
	mr_bencode_enc_str(e, p, len);
}

void
mr_bencode_enc_kv_cstr(struct mr_bencode_enc *e, const char *key, const char *val)
{
	mr_bencode_enc_cstr(e, key);
	mr_bencode_enc_cstr(e, val);
}

void
mr_bencode_enc_kv_int(struct mr_bencode_enc *e, const char *key, int64_t v)
{
	mr_bencode_enc_cstr(e, key);
	mr_bencode_enc_int(e, v);
}

int64_t
mr_bencode_enc_finish(const struct mr_bencode_enc *e)
{
	if (e->error != 0)
		return e->error;
	if (e->depth != 0)
		return -EINVAL;
	return (int64_t)e->len;
}
