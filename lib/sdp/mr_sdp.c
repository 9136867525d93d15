/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mr_sdp.h"

static int
set_err(struct mr_sdp_error *err, int line, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
set_err(struct mr_sdp_error *err, int line, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->line = line;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

static struct mr_sdp_span
span(uint32_t off, uint32_t len)
{
	struct mr_sdp_span s = { .off = off, .len = len };

	return s;
}

static bool
span_eq(const struct mr_sdp *sdp, struct mr_sdp_span s, const char *lit)
{
	size_t l = strlen(lit);

	return s.len == l && memcmp(sdp->body + s.off, lit, l) == 0;
}

/* Next space-separated token of *rest (runs of spaces tolerated). */
static bool
next_token(const struct mr_sdp *sdp, struct mr_sdp_span *rest, struct mr_sdp_span *tok)
{
	const char *p = sdp->body;
	uint32_t i = rest->off, end = rest->off + rest->len;

	while (i < end && p[i] == ' ')
		i++;
	if (i == end)
		return false;
	tok->off = i;
	while (i < end && p[i] != ' ')
		i++;
	tok->len = i - tok->off;
	*rest = span(i, end - i);
	return true;
}

/* Strict decimal: digits only, no sign, at most @p max. */
static bool
parse_uint(const char *p, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (v > (max - (uint32_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool
parse_span_uint(const struct mr_sdp *sdp, struct mr_sdp_span s, uint32_t max, uint32_t *out)
{
	return parse_uint(sdp->body + s.off, s.len, max, out);
}

/* "<addrtype> <address>[/ttl[/n]]" after the nettype, into @p a. */
static int
parse_addr(const struct mr_sdp *sdp, struct mr_sdp_span *rest, struct mr_sdp_addr *a,
	   int lineno, struct mr_sdp_error *err)
{
	struct mr_sdp_span at, addr;
	char tmp[64];
	const char *slash;

	if (!next_token(sdp, rest, &at) || !next_token(sdp, rest, &addr))
		return set_err(err, lineno, -EINVAL, "address type or address missing");
	if (span_eq(sdp, at, "IP4"))
		a->family = 4;
	else if (span_eq(sdp, at, "IP6"))
		a->family = 6;
	else
		return set_err(err, lineno, -EINVAL, "address type is not IP4 or IP6");
	/* multicast "/ttl" and "/count" suffixes are not part of the address */
	slash = memchr(sdp->body + addr.off, '/', addr.len);
	if (slash != NULL)
		addr.len = (uint32_t)(slash - (sdp->body + addr.off));
	if (addr.len == 0)
		return set_err(err, lineno, -EINVAL, "empty address");
	a->present = true;
	a->addr = addr;
	a->ip_valid = false;
	memset(a->ip, 0, sizeof(a->ip));
	/* anything longer is a host name, which is allowed but not an IP literal */
	if (addr.len < sizeof(tmp)) {
		memcpy(tmp, sdp->body + addr.off, addr.len);
		tmp[addr.len] = '\0';
		a->ip_valid = inet_pton(a->family == 4 ? AF_INET : AF_INET6, tmp, a->ip) == 1;
	}
	return 0;
}

static int
parse_origin(struct mr_sdp *sdp, const struct mr_sdp_line *l, int lineno,
	     struct mr_sdp_error *err)
{
	struct mr_sdp_span rest = l->value, nettype;

	if (!next_token(sdp, &rest, &sdp->o_user) || !next_token(sdp, &rest, &sdp->o_sess_id) ||
	    !next_token(sdp, &rest, &sdp->o_sess_version) || !next_token(sdp, &rest, &nettype))
		return set_err(err, lineno, -EINVAL, "o= needs 6 fields");
	if (!span_eq(sdp, nettype, "IN"))
		return set_err(err, lineno, -EINVAL, "o= network type is not IN");
	if (parse_addr(sdp, &rest, &sdp->origin, lineno, err) < 0)
		return -EINVAL;
	if (next_token(sdp, &rest, &nettype))
		return set_err(err, lineno, -EINVAL, "o= has more than 6 fields");
	return 0;
}

static int
parse_conn(struct mr_sdp *sdp, const struct mr_sdp_line *l, struct mr_sdp_addr *a,
	   int16_t idx, int lineno, struct mr_sdp_error *err)
{
	struct mr_sdp_span rest = l->value, nettype;

	if (a->present)
		return set_err(err, lineno, -EINVAL, "second c= line at one level");
	if (!next_token(sdp, &rest, &nettype) || !span_eq(sdp, nettype, "IN"))
		return set_err(err, lineno, -EINVAL, "c= network type is not IN");
	if (parse_addr(sdp, &rest, a, lineno, err) < 0)
		return -EINVAL;
	if (next_token(sdp, &rest, &nettype))
		return set_err(err, lineno, -EINVAL, "c= has more than 3 fields");
	a->line = idx;
	return 0;
}

static int
parse_media(struct mr_sdp *sdp, struct mr_sdp_media *md, const struct mr_sdp_line *l,
	    int lineno, struct mr_sdp_error *err)
{
	struct mr_sdp_span rest = l->value, port, fmt;
	const char *slash;
	uint32_t v;

	if (!next_token(sdp, &rest, &md->type) || !next_token(sdp, &rest, &port) ||
	    !next_token(sdp, &rest, &md->proto))
		return set_err(err, lineno, -EINVAL, "m= needs media, port, protocol and formats");
	slash = memchr(sdp->body + port.off, '/', port.len);
	if (slash != NULL) {
		uint32_t plen = (uint32_t)(slash - (sdp->body + port.off));

		if (!parse_uint(slash + 1, port.len - plen - 1, 65535, &v) || v == 0)
			return set_err(err, lineno, -EINVAL, "m= port count is not 1..65535");
		md->port_count = (uint16_t)v;
		port.len = plen;
	}
	if (!parse_span_uint(sdp, port, 65535, &v))
		return set_err(err, lineno, -EINVAL, "m= port is not 0..65535");
	md->port = (uint16_t)v;
	md->rtp = memmem(sdp->body + md->proto.off, md->proto.len, "RTP/", 4) != NULL;
	while (next_token(sdp, &rest, &fmt)) {
		if (md->n_fmt == MR_SDP_MAX_FMT)
			return set_err(err, lineno, -E2BIG, "more than %d formats in m=",
				       MR_SDP_MAX_FMT);
		md->fmt[md->n_fmt] = fmt;
		md->fmt_pt[md->n_fmt] = -1;
		if (md->rtp) {
			if (!parse_span_uint(sdp, fmt, MR_SDP_MAX_PT - 1, &v))
				return set_err(err, lineno, -EINVAL,
					       "m= format %.*s is not a payload type 0..127",
					       (int)(fmt.len > 16 ? 16 : fmt.len),
					       sdp->body + fmt.off);
			md->fmt_pt[md->n_fmt] = (int16_t)v;
		}
		md->n_fmt++;
	}
	if (md->n_fmt == 0)
		return set_err(err, lineno, -EINVAL, "m= has no format");
	md->conn.line = -1;
	md->rtcp_port = -1;
	return 0;
}

static const char *const ice_attrs[] = {
	"ice-ufrag", "ice-pwd", "candidate", "end-of-candidates", "ice-options",
	"remote-candidates", "ice-lite", "ice-mismatch", "ice-pacing",
};

static const char *const dir_names[] = {
	[MR_SDP_DIR_SENDRECV] = "sendrecv", [MR_SDP_DIR_SENDONLY] = "sendonly",
	[MR_SDP_DIR_RECVONLY] = "recvonly", [MR_SDP_DIR_INACTIVE] = "inactive",
};

const char *
mr_sdp_dir_name(enum mr_sdp_dir d)
{
	if (d <= MR_SDP_DIR_NONE || d > MR_SDP_DIR_INACTIVE)
		return NULL;
	return dir_names[d];
}

/* Payload type at the start of an attribute argument ("96 opus/48000/2"). */
static int
attr_pt(struct mr_sdp *sdp, struct mr_sdp_line *l, bool rtp, bool star_ok, int lineno,
	struct mr_sdp_error *err)
{
	struct mr_sdp_span rest = l->arg, tok;
	uint32_t v;

	if (!next_token(sdp, &rest, &tok))
		return set_err(err, lineno, -EINVAL, "a=%.*s without a format", (int)l->name.len,
			       sdp->body + l->name.off);
	if (star_ok && span_eq(sdp, tok, "*"))
		return 0;
	if (parse_span_uint(sdp, tok, MR_SDP_MAX_PT - 1, &v)) {
		l->pt = (int16_t)v;
		return 0;
	}
	if (rtp)
		return set_err(err, lineno, -EINVAL, "a=%.*s format is not a payload type 0..127",
			       (int)l->name.len, sdp->body + l->name.off);
	return 0;
}

static int
parse_attr(struct mr_sdp *sdp, struct mr_sdp_line *l, struct mr_sdp_media *md, int lineno,
	   struct mr_sdp_error *err)
{
	const char *v = sdp->body + l->value.off;
	const char *colon = memchr(v, ':', l->value.len);
	uint8_t *dir = md != NULL ? &md->direction : &sdp->direction;
	bool rtp = md != NULL && md->rtp;
	unsigned int i;

	if (l->value.len == 0)
		return set_err(err, lineno, -EINVAL, "a= without a name");
	if (colon != NULL) {
		uint32_t nlen = (uint32_t)(colon - v);

		l->name = span(l->value.off, nlen);
		l->arg = span(l->value.off + nlen + 1, l->value.len - nlen - 1);
	} else {
		l->name = l->value;
		l->arg = span(l->value.off + l->value.len, 0);
	}
	if (span_eq(sdp, l->name, "rtpmap")) {
		l->attr = MR_SDP_ATTR_RTPMAP;
		return attr_pt(sdp, l, rtp, false, lineno, err);
	}
	if (span_eq(sdp, l->name, "fmtp")) {
		l->attr = MR_SDP_ATTR_FMTP;
		return attr_pt(sdp, l, rtp, false, lineno, err);
	}
	if (span_eq(sdp, l->name, "rtcp-fb")) {
		l->attr = MR_SDP_ATTR_RTCP_FB;
		return attr_pt(sdp, l, rtp, true, lineno, err);
	}
	if (span_eq(sdp, l->name, "rtcp")) {
		struct mr_sdp_span rest = l->arg, tok;
		uint32_t port;

		l->attr = MR_SDP_ATTR_RTCP;
		if (!next_token(sdp, &rest, &tok) || !parse_span_uint(sdp, tok, 65535, &port))
			return set_err(err, lineno, -EINVAL, "a=rtcp port is not 0..65535");
		if (md != NULL)
			md->rtcp_port = (int32_t)port;
		return 0;
	}
	if (span_eq(sdp, l->name, "rtcp-mux")) {
		l->attr = MR_SDP_ATTR_RTCP_MUX;
		if (md != NULL)
			md->rtcp_mux = true;
		return 0;
	}
	if (span_eq(sdp, l->name, "crypto")) {
		l->attr = MR_SDP_ATTR_CRYPTO;
		if (md != NULL && md->n_crypto < UINT8_MAX)
			md->n_crypto++;
		return 0;
	}
	for (i = 0; i < sizeof(ice_attrs) / sizeof(ice_attrs[0]); i++) {
		if (span_eq(sdp, l->name, ice_attrs[i])) {
			l->attr = MR_SDP_ATTR_ICE;
			if (md != NULL)
				md->ice = true;
			else
				sdp->ice = true;
			return 0;
		}
	}
	for (i = MR_SDP_DIR_SENDRECV; i <= MR_SDP_DIR_INACTIVE; i++) {
		if (colon == NULL && span_eq(sdp, l->name, dir_names[i])) {
			l->attr = MR_SDP_ATTR_DIRECTION;
			*dir = (uint8_t)i;
			return 0;
		}
	}
	return 0;
}

static int
parse_line(struct mr_sdp *sdp, struct mr_sdp_line *l, int16_t idx, int lineno,
	   struct mr_sdp_error *err)
{
	struct mr_sdp_media *md = sdp->n_media > 0 ? &sdp->media[sdp->n_media - 1] : NULL;

	if (idx == 0 && (l->type != 'v' || !span_eq(sdp, l->value, "0")))
		return set_err(err, lineno, -EINVAL, "the first line is not v=0");
	switch (l->type) {
	case 'v':
		if (idx != 0)
			return set_err(err, lineno, -EINVAL, "v= after the first line");
		return 0;
	case 'o':
		if (md != NULL || sdp->origin.present)
			return set_err(err, lineno, -EINVAL, "o= outside the session part or twice");
		sdp->origin.line = idx;
		return parse_origin(sdp, l, lineno, err);
	case 'c':
		return parse_conn(sdp, l, md != NULL ? &md->conn : &sdp->conn, idx, lineno, err);
	case 'm':
		if (sdp->n_media == MR_SDP_MAX_MEDIA)
			return set_err(err, lineno, -E2BIG, "more than %d m= sections",
				       MR_SDP_MAX_MEDIA);
		if (sdp->n_media == 0)
			sdp->session_lines = (uint16_t)idx;
		md = &sdp->media[sdp->n_media++];
		memset(md, 0, sizeof(*md));
		md->first_line = (uint16_t)idx;
		return parse_media(sdp, md, l, lineno, err);
	case 'a':
		return parse_attr(sdp, l, md, lineno, err);
	default:
		return 0;
	}
}

int
mr_sdp_parse(struct mr_sdp *sdp, const char *body, size_t len, struct mr_sdp_error *err)
{
	size_t pos = 0;
	int lineno = 0;
	bool blank = false;
	unsigned int m;

	if (err != NULL) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (sdp == NULL || body == NULL || len == 0)
		return set_err(err, 0, -EINVAL, "empty body");
	if (len > MR_SDP_MAX_LEN)
		return set_err(err, 0, -E2BIG, "body longer than %d bytes", MR_SDP_MAX_LEN);
	if (memchr(body, '\0', len) != NULL)
		return set_err(err, 0, -EINVAL, "NUL byte in the body");
	sdp->body = body;
	sdp->len = len;
	sdp->n_lines = 0;
	sdp->session_lines = 0;
	sdp->n_media = 0;
	sdp->direction = MR_SDP_DIR_NONE;
	sdp->ice = false;
	memset(&sdp->origin, 0, sizeof(sdp->origin));
	memset(&sdp->conn, 0, sizeof(sdp->conn));
	sdp->origin.line = -1;
	sdp->conn.line = -1;
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - body) : len;
		size_t clen = end - pos;
		struct mr_sdp_line *l;
		int rc;

		lineno++;
		if (clen > 0 && body[end - 1] == '\r')
			clen--;
		if (clen > MR_SDP_MAX_LINE_LEN)
			return set_err(err, lineno, -E2BIG, "line longer than %d bytes",
				       MR_SDP_MAX_LINE_LEN);
		if (memchr(body + pos, '\r', clen) != NULL)
			return set_err(err, lineno, -EINVAL, "CR inside a line");
		if (clen == 0) {
			blank = true;
			pos = end + 1;
			continue;
		}
		if (blank)
			return set_err(err, lineno, -EINVAL, "empty line before this one");
		if (sdp->n_lines == MR_SDP_MAX_LINES)
			return set_err(err, lineno, -E2BIG, "more than %d lines", MR_SDP_MAX_LINES);
		if (clen < 2 || body[pos] < 'a' || body[pos] > 'z' || body[pos + 1] != '=')
			return set_err(err, lineno, -EINVAL, "not a \"<letter>=<value>\" line");
		l = &sdp->lines[sdp->n_lines];
		memset(l, 0, sizeof(*l));
		l->type = body[pos];
		l->pt = -1;
		l->value = span((uint32_t)pos + 2, (uint32_t)clen - 2);
		rc = parse_line(sdp, l, (int16_t)sdp->n_lines, lineno, err);
		if (rc < 0)
			return rc;
		sdp->n_lines++;
		pos = end + 1;
	}
	if (sdp->n_lines == 0)
		return set_err(err, 0, -EINVAL, "no line");
	if (sdp->n_media == 0)
		sdp->session_lines = sdp->n_lines;
	if (!sdp->origin.present)
		return set_err(err, 0, -EINVAL, "no o= line");
	for (m = 0; m < sdp->n_media; m++) {
		struct mr_sdp_media *md = &sdp->media[m];

		md->n_lines = (uint16_t)((m + 1 < sdp->n_media ? sdp->media[m + 1].first_line :
					  sdp->n_lines) - md->first_line);
		if (!md->conn.present && !sdp->conn.present)
			return set_err(err, 0, -EINVAL, "media %u has no connection address", m + 1);
	}
	return 0;
}

const struct mr_sdp_addr *
mr_sdp_media_conn(const struct mr_sdp *sdp, unsigned int m)
{
	if (m >= sdp->n_media)
		return NULL;
	return sdp->media[m].conn.present ? &sdp->media[m].conn : &sdp->conn;
}

enum mr_sdp_dir
mr_sdp_media_direction(const struct mr_sdp *sdp, unsigned int m)
{
	if (m < sdp->n_media && sdp->media[m].direction != MR_SDP_DIR_NONE)
		return (enum mr_sdp_dir)sdp->media[m].direction;
	if (sdp->direction != MR_SDP_DIR_NONE)
		return (enum mr_sdp_dir)sdp->direction;
	return MR_SDP_DIR_SENDRECV;
}

/* RFC 3551 tables 4 and 5: the static payload types. */
static const struct {
	uint8_t pt;
	const char *name;
	uint32_t clock;
	uint16_t channels;
} static_pts[] = {
	{ 0, "PCMU", 8000, 1 }, { 3, "GSM", 8000, 1 }, { 4, "G723", 8000, 1 },
	{ 5, "DVI4", 8000, 1 }, { 6, "DVI4", 16000, 1 }, { 7, "LPC", 8000, 1 },
	{ 8, "PCMA", 8000, 1 }, { 9, "G722", 8000, 1 }, { 10, "L16", 44100, 2 },
	{ 11, "L16", 44100, 1 }, { 12, "QCELP", 8000, 1 }, { 13, "CN", 8000, 1 },
	{ 14, "MPA", 90000, 1 }, { 15, "G728", 8000, 1 }, { 16, "DVI4", 11025, 1 },
	{ 17, "DVI4", 22050, 1 }, { 18, "G729", 8000, 1 }, { 25, "CelB", 90000, 1 },
	{ 26, "JPEG", 90000, 1 }, { 28, "nv", 90000, 1 }, { 31, "H261", 90000, 1 },
	{ 32, "MPV", 90000, 1 }, { 33, "MP2T", 90000, 1 }, { 34, "H263", 90000, 1 },
};

int
mr_sdp_codec(const struct mr_sdp *sdp, unsigned int m, int pt, struct mr_sdp_codec *out)
{
	const struct mr_sdp_media *md;
	unsigned int i;

	if (sdp == NULL || out == NULL || m >= sdp->n_media || pt < 0 || pt >= MR_SDP_MAX_PT)
		return -EINVAL;
	md = &sdp->media[m];
	for (i = md->first_line; i < (unsigned int)md->first_line + md->n_lines; i++) {
		const struct mr_sdp_line *l = &sdp->lines[i];
		struct mr_sdp_span rest = l->arg, tok, enc;
		const char *p, *s1, *s2;
		uint32_t v;

		if (l->type != 'a' || l->attr != MR_SDP_ATTR_RTPMAP || l->pt != pt)
			continue;
		next_token(sdp, &rest, &tok);   /* the payload type, checked when parsed */
		if (!next_token(sdp, &rest, &enc))
			return -EINVAL;
		p = sdp->body + enc.off;
		s1 = memchr(p, '/', enc.len);
		if (s1 == NULL || (size_t)(s1 - p) >= sizeof(out->name) || s1 == p)
			return -EINVAL;
		memcpy(out->name, p, (size_t)(s1 - p));
		out->name[s1 - p] = '\0';
		s1++;
		s2 = memchr(s1, '/', enc.len - (size_t)(s1 - p));
		if (!parse_uint(s1, (size_t)((s2 != NULL ? s2 : p + enc.len) - s1), UINT32_MAX, &v))
			return -EINVAL;
		out->clock_rate = v;
		out->channels = 1;
		if (s2 != NULL) {
			if (!parse_uint(s2 + 1, (size_t)(p + enc.len - s2 - 1), 255, &v) || v == 0)
				return -EINVAL;
			out->channels = (uint16_t)v;
		}
		return 0;
	}
	for (i = 0; i < sizeof(static_pts) / sizeof(static_pts[0]); i++) {
		if (static_pts[i].pt == pt) {
			snprintf(out->name, sizeof(out->name), "%s", static_pts[i].name);
			out->clock_rate = static_pts[i].clock;
			out->channels = static_pts[i].channels;
			return 0;
		}
	}
	return -ENOENT;
}

int
mr_sdp_match_codec(const struct mr_sdp *sdp, unsigned int m, const char *spec, size_t spec_len,
		   uint64_t pts[2])
{
	const struct mr_sdp_media *md;
	uint32_t want_pt = 0, clock = 0, channels = 0;
	const char *s1, *s2;
	size_t name_len;
	bool by_pt;
	int n = 0;
	unsigned int f;

	if (sdp == NULL || m >= sdp->n_media || spec == NULL || spec_len == 0)
		return 0;
	md = &sdp->media[m];
	by_pt = parse_uint(spec, spec_len, MR_SDP_MAX_PT - 1, &want_pt);
	s1 = memchr(spec, '/', spec_len);
	name_len = s1 != NULL ? (size_t)(s1 - spec) : spec_len;
	if (s1 != NULL) {
		s1++;
		s2 = memchr(s1, '/', spec_len - (size_t)(s1 - spec));
		if (!parse_uint(s1, (size_t)((s2 != NULL ? s2 : spec + spec_len) - s1),
				UINT32_MAX, &clock))
			return 0;
		if (s2 != NULL && !parse_uint(s2 + 1, (size_t)(spec + spec_len - s2 - 1), 255,
					      &channels))
			return 0;
	}
	for (f = 0; f < md->n_fmt; f++) {
		struct mr_sdp_codec c;
		int pt = md->fmt_pt[f];

		if (pt < 0)
			continue;
		if (by_pt) {
			if ((uint32_t)pt != want_pt)
				continue;
		} else {
			if (mr_sdp_codec(sdp, m, pt, &c) < 0 || strlen(c.name) != name_len ||
			    strncasecmp(c.name, spec, name_len) != 0)
				continue;
			if ((clock != 0 && c.clock_rate != clock) ||
			    (channels != 0 && c.channels != channels))
				continue;
		}
		if ((pts[pt / 64] & (UINT64_C(1) << (pt % 64))) == 0) {
			pts[pt / 64] |= UINT64_C(1) << (pt % 64);
			n++;
		}
	}
	return n;
}

void
mr_sdp_media_rewrite_init(struct mr_sdp_media_rewrite *mr)
{
	memset(mr, 0, sizeof(*mr));
	mr->port = -1;
	mr->rtcp_port = -1;
}

/* The output buffer: the first write that does not fit marks it full. */
struct out {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
put(struct out *o, const void *p, size_t len)
{
	if (o->full || len > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, p, len);
	o->len += len;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_span(struct out *o, const struct mr_sdp *sdp, struct mr_sdp_span s)
{
	put(o, sdp->body + s.off, s.len);
}

static void
put_uint(struct out *o, uint32_t v)
{
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%u", v);

	put(o, tmp, (size_t)n);
}

static void
put_raw_line(struct out *o, const struct mr_sdp *sdp, const struct mr_sdp_line *l)
{
	char hdr[2] = { l->type, '=' };

	put(o, hdr, 2);
	put_span(o, sdp, l->value);
	put(o, "\r\n", 2);
}

static void
put_addr(struct out *o, const struct mr_sdp_rewrite *rw)
{
	puts_(o, rw->family == 6 ? "IN IP6 " : "IN IP4 ");
	puts_(o, rw->addr);
}

static bool
pt_kept(const uint64_t *keep, int pt)
{
	return keep == NULL || pt < 0 || (keep[pt / 64] & (UINT64_C(1) << (pt % 64))) != 0;
}

static bool
drop_media_attr(const struct mr_sdp_rewrite *rw, const struct mr_sdp_media_rewrite *mr,
		const struct mr_sdp_line *l)
{
	unsigned int i;

	switch (l->attr) {
	case MR_SDP_ATTR_ICE:
		return rw->ice_remove;
	case MR_SDP_ATTR_CRYPTO:
		return mr->crypto_remove;
	case MR_SDP_ATTR_RTCP:
		return mr->rtcp_port >= 0;
	case MR_SDP_ATTR_RTCP_MUX:
		return mr->rtcp_mux < 0;
	case MR_SDP_ATTR_DIRECTION:
		return mr->direction != MR_SDP_DIR_NONE;
	case MR_SDP_ATTR_RTPMAP:
	case MR_SDP_ATTR_FMTP:
	case MR_SDP_ATTR_RTCP_FB:
		/* an added format brings its own a=rtpmap: a stray one would contradict it */
		for (i = 0; i < mr->n_fmt_add; i++)
			if (l->pt == mr->fmt_add[i].pt)
				return true;
		return !pt_kept(mr->pt_keep, l->pt);
	default:
		return false;
	}
}

static int
write_m_line(struct out *o, const struct mr_sdp *sdp, const struct mr_sdp_media *md,
	     const struct mr_sdp_media_rewrite *mr, unsigned int m, struct mr_sdp_error *err)
{
	unsigned int f, kept = 0;

	puts_(o, "m=");
	put_span(o, sdp, md->type);
	put(o, " ", 1);
	put_uint(o, mr->port >= 0 ? (uint32_t)mr->port : md->port);
	if (md->port_count != 0) {
		put(o, "/", 1);
		put_uint(o, md->port_count);
	}
	put(o, " ", 1);
	if (mr->proto != NULL)
		puts_(o, mr->proto);
	else
		put_span(o, sdp, md->proto);
	for (f = 0; f < md->n_fmt; f++) {
		if (md->rtp && !pt_kept(mr->pt_keep, md->fmt_pt[f]))
			continue;
		put(o, " ", 1);
		put_span(o, sdp, md->fmt[f]);
		kept++;
	}
	for (f = 0; f < mr->n_fmt_add; f++) {
		put(o, " ", 1);
		put_uint(o, mr->fmt_add[f].pt);
		kept++;
	}
	put(o, "\r\n", 2);
	if (kept == 0)
		return set_err(err, 0, -ENOENT,
			       "media %u: no format left after the codec filter", m + 1);
	return 0;
}

static int
check_rewrite(const struct mr_sdp *sdp, const struct mr_sdp_rewrite *rw,
	      struct mr_sdp_error *err)
{
	unsigned int m, i;

	if (rw->n_media != 0 && (rw->n_media != sdp->n_media || rw->media == NULL))
		return set_err(err, 0, -EINVAL, "rewrite has %u media, the body %u",
			       rw->n_media, sdp->n_media);
	if (rw->addr != NULL && ((rw->family != 4 && rw->family != 6) ||
				 strpbrk(rw->addr, " \r\n") != NULL || rw->addr[0] == '\0'))
		return set_err(err, 0, -EINVAL, "bad rewrite address");
	if (rw->session_direction > MR_SDP_DIR_INACTIVE)
		return set_err(err, 0, -EINVAL, "bad session direction");
	for (m = 0; m < rw->n_media; m++) {
		const struct mr_sdp_media_rewrite *mr = &rw->media[m];

		if (mr->port < -1 || mr->port > 65535 || mr->rtcp_port < -1 ||
		    mr->rtcp_port > 65535 ||
		    mr->direction > MR_SDP_DIR_INACTIVE ||
		    (mr->rtcp_full && mr->rtcp_port > 0 && rw->addr == NULL) ||
		    (mr->proto != NULL && (mr->proto[0] == '\0' ||
					   strpbrk(mr->proto, " \r\n") != NULL)) ||
		    (mr->n_crypto_add > 0 && mr->crypto_add == NULL))
			return set_err(err, 0, -EINVAL, "bad rewrite for media %u", m + 1);
		/* an RTP profile for RTP formats only: "udptl t38" cannot become RTP/AVP */
		if (mr->proto != NULL && (!sdp->media[m].rtp || strstr(mr->proto, "RTP/") == NULL))
			return set_err(err, 0, -EINVAL,
				       "media %u: protocol %s for a %s section", m + 1,
				       mr->proto, sdp->media[m].rtp ? "RTP" : "non-RTP");
		for (i = 0; i < mr->n_crypto_add; i++)
			if (mr->crypto_add[i] == NULL || strpbrk(mr->crypto_add[i], "\r\n") != NULL)
				return set_err(err, 0, -EINVAL, "bad crypto line for media %u",
					       m + 1);
		if (mr->n_fmt_add > 0 && (mr->fmt_add == NULL || !sdp->media[m].rtp ||
					  mr->n_fmt_add > MR_SDP_MAX_FMT))
			return set_err(err, 0, -EINVAL, "bad formats to add for media %u", m + 1);
		for (i = 0; i < mr->n_fmt_add; i++) {
			const struct mr_sdp_fmt_add *fa = &mr->fmt_add[i];
			unsigned int f;

			if (fa->pt >= MR_SDP_MAX_PT || fa->rtpmap == NULL || fa->rtpmap[0] == '\0' ||
			    strpbrk(fa->rtpmap, " \t\r\n") != NULL)
				return set_err(err, 0, -EINVAL, "bad format to add for media %u",
					       m + 1);
			/* a payload type names one codec in a section */
			for (f = 0; f < sdp->media[m].n_fmt; f++)
				if (sdp->media[m].fmt_pt[f] == fa->pt &&
				    pt_kept(mr->pt_keep, fa->pt))
					return set_err(err, 0, -EINVAL, "media %u: payload type "
						       "%u is there already", m + 1, fa->pt);
		}
	}
	return 0;
}

int
mr_sdp_write(const struct mr_sdp *sdp, const struct mr_sdp_rewrite *rw, char *out, size_t cap,
	     struct mr_sdp_error *err)
{
	struct mr_sdp_media_rewrite keep;
	struct out o = { .p = out, .cap = out == NULL ? 0 : cap };
	unsigned int i, m;
	int rc;

	if (sdp == NULL || rw == NULL)
		return set_err(err, 0, -EINVAL, "no body or no rewrite");
	rc = check_rewrite(sdp, rw, err);
	if (rc < 0)
		return rc;
	mr_sdp_media_rewrite_init(&keep);
	for (i = 0; i < sdp->session_lines; i++) {
		const struct mr_sdp_line *l = &sdp->lines[i];

		if (l->type == 'o' && rw->origin && rw->addr != NULL) {
			puts_(&o, "o=");
			put_span(&o, sdp, sdp->o_user);
			put(&o, " ", 1);
			put_span(&o, sdp, sdp->o_sess_id);
			put(&o, " ", 1);
			put_span(&o, sdp, sdp->o_sess_version);
			put(&o, " ", 1);
			put_addr(&o, rw);
			put(&o, "\r\n", 2);
		} else if (l->type == 'c' && rw->session_conn && rw->addr != NULL) {
			puts_(&o, "c=");
			put_addr(&o, rw);
			put(&o, "\r\n", 2);
		} else if (l->type == 'a' && ((l->attr == MR_SDP_ATTR_ICE && rw->ice_remove) ||
			   (l->attr == MR_SDP_ATTR_DIRECTION &&
			    rw->session_direction != MR_SDP_DIR_NONE))) {
			continue;
		} else {
			put_raw_line(&o, sdp, l);
		}
	}
	if (rw->session_direction != MR_SDP_DIR_NONE) {
		puts_(&o, "a=");
		puts_(&o, dir_names[rw->session_direction]);
		put(&o, "\r\n", 2);
	}
	for (m = 0; m < sdp->n_media; m++) {
		const struct mr_sdp_media *md = &sdp->media[m];
		const struct mr_sdp_media_rewrite *mr = rw->n_media != 0 ? &rw->media[m] : &keep;
		bool need_conn = rw->addr != NULL && !md->conn.present && !rw->session_conn;

		rc = write_m_line(&o, sdp, md, mr, m, err);
		if (rc < 0)
			return rc;
		for (i = md->first_line + 1u; i < (unsigned int)md->first_line + md->n_lines; i++) {
			const struct mr_sdp_line *l = &sdp->lines[i];

			/* c= goes after m= and i= (RFC 8866 section 5 order) */
			if (need_conn && l->type != 'i') {
				puts_(&o, "c=");
				put_addr(&o, rw);
				put(&o, "\r\n", 2);
				need_conn = false;
			}
			if (l->type == 'c' && rw->addr != NULL) {
				puts_(&o, "c=");
				put_addr(&o, rw);
				put(&o, "\r\n", 2);
			} else if (l->type != 'a' || !drop_media_attr(rw, mr, l)) {
				put_raw_line(&o, sdp, l);
			}
		}
		if (need_conn) {
			puts_(&o, "c=");
			put_addr(&o, rw);
			put(&o, "\r\n", 2);
		}
		if (mr->rtcp_port > 0) {
			puts_(&o, "a=rtcp:");
			put_uint(&o, (uint32_t)mr->rtcp_port);
			if (mr->rtcp_full) {
				put(&o, " ", 1);
				put_addr(&o, rw);
			}
			put(&o, "\r\n", 2);
		}
		for (i = 0; i < mr->n_fmt_add; i++) {
			puts_(&o, "a=rtpmap:");
			put_uint(&o, mr->fmt_add[i].pt);
			put(&o, " ", 1);
			puts_(&o, mr->fmt_add[i].rtpmap);
			put(&o, "\r\n", 2);
		}
		if (mr->rtcp_mux > 0 && !md->rtcp_mux)
			puts_(&o, "a=rtcp-mux\r\n");
		for (i = 0; i < mr->n_crypto_add; i++) {
			puts_(&o, "a=crypto:");
			puts_(&o, mr->crypto_add[i]);
			put(&o, "\r\n", 2);
		}
		if (mr->direction != MR_SDP_DIR_NONE) {
			puts_(&o, "a=");
			puts_(&o, dir_names[mr->direction]);
			put(&o, "\r\n", 2);
		}
	}
	if (o.full)
		return set_err(err, 0, -ENOSPC, "rewritten body longer than %zu bytes", cap);
	return (int)o.len;
}
