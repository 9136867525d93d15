/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * A leg's fields from their text: the syntax and range of every key, the
 * same for the configuration file and the control commands. Nothing
 * here reads state; mr_session.c checks what depends on it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "mr_session.h"
#include "mr_session_priv.h"

const char *const mr_leg_spec_keys[MR_LEG_SPEC_NKEYS + 1] = {
	"session", "port", "local", "remote", "forward", "ssrc_out", "seq_offset",
	"ts_offset", "clock_rate", "transcode", "streams_max", "new_streams_per_s", "quic",
	"flow", "crypto_in", "crypto_out", NULL,
};

static const char *const accepted[][2] = {
	{"session", "1..47 of [A-Za-z0-9_.-]"},
	{"port", "a configured, started DPDK port id"},
	{"local", "addr:port, addr:auto, [v6addr]:auto or auto, an address of the leg's port"},
	{"remote", "a unicast addr:port of the local address's family, or latch"},
	{"forward", "up to 8 leg names joined by + or ,"},
	{"ssrc_out", "0 (keep) .. 4294967295"},
	{"seq_offset", "0..65535"},
	{"ts_offset", "0..4294967295"},
	{"clock_rate", "8000..192000"},
	{"transcode", "a profile name, or none"},
	{"streams_max", "1..65535"},
	{"new_streams_per_s", "0 (no limit) or 1..1000000"},
	{"quic", "the name of a [quic.NAME] endpoint (an RTP over QUIC leg)"},
	{"flow", "a RoQ flow identifier, 0..4611686018427387903 (decimal)"},
	{"crypto_in", "SUITE inline:BASE64[|lifetime] (AES_CM_128_HMAC_SHA1_80, "
	 "AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM) or none"},
	{"crypto_out", "SUITE inline:BASE64[|lifetime] (AES_CM_128_HMAC_SHA1_80, "
	 "AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM) or none"},
};

const char *
mr_leg_spec_accepted(const char *key)
{
	size_t i;

	for (i = 0; i < RTE_DIM(accepted); i++)
		if (strcmp(accepted[i][0], key) == 0)
			return accepted[i][1];
	return NULL;
}

void
mr_leg_spec_init(struct mr_leg_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->clock_rate = 48000;
}

void
mr_leg_spec_wipe(struct mr_leg_spec *sp)
{
	explicit_bzero(&sp->crypto_in, sizeof(sp->crypto_in));
	explicit_bzero(&sp->crypto_out, sizeof(sp->crypto_out));
}

/*
 * crypto_in, crypto_out: "SUITE inline:BASE64[|lifetime]" (an SDP a=crypto
 * line after its tag) or none. Messages never quote the key.
 */
static int
set_crypto(struct mr_srtp_key *key, const char *v, char *err, size_t errlen)
{
	char suite[48];
	const char *sp;
	size_t n;

	memset(key, 0, sizeof(*key));
	if (strcmp(v, "none") == 0)
		return 0;
	sp = strpbrk(v, " \t");
	n = sp != NULL ? (size_t)(sp - v) : strlen(v);
	if (sp == NULL || n == 0 || n >= sizeof(suite)) {
		snprintf(err, errlen, "not 'SUITE inline:BASE64[|lifetime]' or none");
		return -EINVAL;
	}
#ifdef MR_HAVE_SRTP
	memcpy(suite, v, n);
	suite[n] = '\0';
	while (*sp == ' ' || *sp == '\t')
		sp++;
	return mr_srtp_key_parse(suite, sp, key, err, errlen) == 0 ? 0 : -EINVAL;
#else
	snprintf(err, errlen, "this mrelay is built without SRTP (a static build: "
		 "docs/deployment.md); only none");
	return -EINVAL;
#endif
}

bool
mr_session_name_valid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return n > 0 && n < MR_STREAM_NAME_LEN;
}

/*
 * A number in min..max: decimal without sign, blanks or leading zero, or
 * 0x and 1..8 hex digits (SSRCs read better in hex).
 */
int
mr_spec_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && s[2] != '\0') {
		for (i = 2; s[i] != '\0'; i++) {
			int d;

			if (i >= 10)
				return -EINVAL;
			if (s[i] >= '0' && s[i] <= '9')
				d = s[i] - '0';
			else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
				d = (s[i] | 0x20) - 'a' + 10;
			else
				return -EINVAL;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
			return -EINVAL;
		for (i = 0; s[i] != '\0'; i++) {
			if (s[i] < '0' || s[i] > '9' || i >= 10)
				return -EINVAL;
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* local: addr:port, addr:auto, [v6]:auto, or auto. */
static int
set_local(struct mr_leg_spec *sp, const char *v, char *err, size_t errlen)
{
	char tmp[MR_ENDPOINT_STRLEN];
	size_t n = strlen(v);

	sp->local_addr_auto = false;
	sp->local_port_auto = false;
	memset(&sp->local, 0, sizeof(sp->local));
	if (strcmp(v, "auto") == 0) {
		sp->local_addr_auto = true;
		sp->local_port_auto = true;
		return 0;
	}
	if (n > 5 && n < sizeof(tmp) && strcmp(v + n - 5, ":auto") == 0) {
		memcpy(tmp, v, n - 5);
		tmp[n - 5] = '\0';
		if (tmp[0] == '[' && n - 5 >= 2 && tmp[n - 6] == ']') {
			tmp[n - 6] = '\0';
			memmove(tmp, tmp + 1, n - 6);
		}
		if (mr_endpoint_parse_addr(tmp, &sp->local) == 0 && mr_endpoint_is_unicast(&sp->local)) {
			sp->local_port_auto = true;
			return 0;
		}
	} else if (mr_endpoint_parse(v, &sp->local) == 0 && mr_endpoint_is_unicast(&sp->local) &&
		   sp->local.port != 0) {
		return 0;
	}
	snprintf(err, errlen, "'%.60s' is not addr:port, addr:auto or auto", v);
	return -EINVAL;
}

static int
set_remote(struct mr_leg_spec *sp, const char *v, char *err, size_t errlen)
{
	memset(&sp->remote, 0, sizeof(sp->remote));
	sp->latch = strcmp(v, "latch") == 0;
	if (sp->latch)
		return 0;
	if (mr_endpoint_parse(v, &sp->remote) != 0 || !mr_endpoint_is_unicast(&sp->remote) ||
	    sp->remote.port == 0) {
		snprintf(err, errlen, "'%.60s' is not a unicast addr:port or latch", v);
		return -EINVAL;
	}
	return 0;
}

/* forward: names joined by '+' (control: ',' separates parameters) or ','. */
static int
set_forward(struct mr_leg_spec *sp, const char *v, char *err, size_t errlen)
{
	const char *p = v, *e;
	uint16_t i;
	size_t n;

	sp->n_fwd = 0;
	if (v[0] == '\0')
		return 0;       /* forward to none */
	for (;;) {
		char name[MR_STREAM_NAME_LEN];

		for (e = p; *e != '\0' && *e != '+' && *e != ','; e++)
			;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0) {
			snprintf(err, errlen, "'%.60s': an empty name (leg names joined by + or ,)", v);
			return -EINVAL;
		}
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "'%.40s...' is not a leg name", p);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (!mr_session_name_valid(name)) {
			snprintf(err, errlen, "'%.60s' is not a leg name", name);
			return -EINVAL;
		}
		for (i = 0; i < sp->n_fwd; i++) {
			if (strcmp(sp->fwd[i], name) == 0) {
				snprintf(err, errlen, "%s listed twice", name);
				return -EINVAL;
			}
		}
		if (sp->n_fwd == MR_STREAM_MAX_DESTS) {
			snprintf(err, errlen, "more than %u legs", MR_STREAM_MAX_DESTS);
			return -EINVAL;
		}
		strcpy(sp->fwd[sp->n_fwd++], name);
		if (*e == '\0')
			return 0;
		p = e + 1;
	}
}

static int
set_num(const char *v, uint32_t min, uint32_t max, const char *accepted, uint32_t *out,
	char *err, size_t errlen)
{
	if (mr_spec_parse_u32(v, min, max, out) == 0)
		return 0;
	snprintf(err, errlen, "'%.40s' is not %s (decimal or 0x hex)", v, accepted);
	return -EINVAL;
}

/* flow: a QUIC variable-length integer's range, 0..2^62-1, in decimal. */
static int
set_flow(struct mr_leg_spec *sp, const char *v, char *err, size_t errlen)
{
	uint64_t f = 0;
	size_t i;

	for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 19; i++)
		f = f * 10 + (uint64_t)(v[i] - '0');
	if (i == 0 || v[i] != '\0' || (v[0] == '0' && i > 1) || f > MR_LEG_FLOW_MAX) {
		snprintf(err, errlen, "'%.40s' is not a flow identifier 0..%" PRIu64 " (decimal)",
			 v, (uint64_t)MR_LEG_FLOW_MAX);
		return -EINVAL;
	}
	sp->flow = f;
	return 0;
}

int
mr_leg_spec_set(struct mr_leg_spec *sp, const char *key, const char *val, char *err,
		size_t errlen)
{
	uint32_t u;
	int rc;

	if (strcmp(key, "session") == 0) {
		if (!mr_session_name_valid(val)) {
			snprintf(err, errlen, "'%.60s' is not a session name (1..%u of [A-Za-z0-9_.-])",
				 val, MR_STREAM_NAME_LEN - 1);
			return -EINVAL;
		}
		strcpy(sp->session, val);
		sp->given |= MR_LEG_F_SESSION;
	} else if (strcmp(key, "port") == 0) {
		rc = set_num(val, 0, RTE_MAX_ETHPORTS - 1, "a DPDK port id", &u, err, errlen);
		if (rc != 0)
			return rc;
		sp->port = (uint16_t)u;
		sp->given |= MR_LEG_F_PORT;
	} else if (strcmp(key, "local") == 0) {
		rc = set_local(sp, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_LOCAL;
	} else if (strcmp(key, "remote") == 0) {
		rc = set_remote(sp, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_REMOTE;
	} else if (strcmp(key, "forward") == 0) {
		rc = set_forward(sp, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_FORWARD;
	} else if (strcmp(key, "ssrc_out") == 0) {
		rc = set_num(val, 0, UINT32_MAX, "0 (keep) .. 4294967295", &sp->ssrc_out,
			     err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_SSRC;
	} else if (strcmp(key, "seq_offset") == 0) {
		rc = set_num(val, 0, UINT16_MAX, "0..65535", &u, err, errlen);
		if (rc != 0)
			return rc;
		sp->seq_offset = (uint16_t)u;
		sp->given |= MR_LEG_F_SEQ;
	} else if (strcmp(key, "ts_offset") == 0) {
		rc = set_num(val, 0, UINT32_MAX, "0..4294967295", &sp->ts_offset, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_TS;
	} else if (strcmp(key, "clock_rate") == 0) {
		rc = set_num(val, 8000, 192000, "8000..192000", &sp->clock_rate, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_CLOCK;
	} else if (strcmp(key, "transcode") == 0) {
		if (strcmp(val, "none") != 0 && !mr_session_name_valid(val)) {
			snprintf(err, errlen, "'%.60s' is not a profile name or none", val);
			return -EINVAL;
		}
		snprintf(sp->transcode, sizeof(sp->transcode), "%s",
			 strcmp(val, "none") == 0 ? "" : val);
		sp->given |= MR_LEG_F_TRANSCODE;
	} else if (strcmp(key, "streams_max") == 0) {
		rc = set_num(val, 1, 65535, "1..65535", &u, err, errlen);
		if (rc != 0)
			return rc;
		sp->streams_max = (uint16_t)u;
		sp->given |= MR_LEG_F_STREAMS_MAX;
	} else if (strcmp(key, "new_streams_per_s") == 0) {
		rc = set_num(val, 0, 1000000, "0 (no limit) or 1..1000000", &sp->new_streams_per_s,
			     err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_NEW_RATE;
	} else if (strcmp(key, "quic") == 0) {
		if (!mr_session_name_valid(val)) {
			snprintf(err, errlen, "'%.60s' is not a QUIC endpoint name", val);
			return -EINVAL;
		}
		strcpy(sp->quic, val);
		sp->given |= MR_LEG_F_QUIC;
	} else if (strcmp(key, "flow") == 0) {
		rc = set_flow(sp, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_FLOW;
	} else if (strcmp(key, "crypto_in") == 0) {
		rc = set_crypto(&sp->crypto_in, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_CRYPTO_IN;
	} else if (strcmp(key, "crypto_out") == 0) {
		rc = set_crypto(&sp->crypto_out, val, err, errlen);
		if (rc != 0)
			return rc;
		sp->given |= MR_LEG_F_CRYPTO_OUT;
	} else {
		snprintf(err, errlen, "unknown key");
		return -ENOENT;
	}
	return 0;
}

const char *
mr_leg_origin_name(enum mr_leg_origin o)
{
	switch (o) {
	case MR_LEG_ORIGIN_CONFIG:
		return "config";
	case MR_LEG_ORIGIN_CONTROL:
		return "control";
	case MR_LEG_ORIGIN_SIGNAL:
		return "signal";
	}
	return "?";
}
