/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Control commands. The telemetry thread checks every field's syntax and
 * range; the main lcore, the tables' only writer, checks what depends on
 * the current state (names, endpoints in use, table room), all before it
 * changes anything, then applies the change. The same add twice is
 * accepted and changes nothing the second time.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "mr_ctl_priv.h"

/* ---------- telemetry thread: syntax and ranges ---------- */

static int
req_error(struct rte_tel_data *d, const char *err)
{
	return mr_ctl_error(d, "%s", err);
}

static bool
addr_usable(const struct mr_endpoint *ep)
{
	static const uint8_t zero[16];

	if (mr_endpoint_is_v4(ep))
		return ep->ip[12] != 0 && ep->ip[12] < 224;
	return memcmp(ep->ip, zero, sizeof(zero)) != 0 && ep->ip[0] != 0xff;
}

/* local= : addr:port, addr:auto, [v6]:auto, or auto (the port's IPv4, else IPv6). */
static int
parse_local(const struct mr_ctl *c, const char *v, uint16_t port, bool check_port,
	    struct mr_ctl_leg_req *r, char *err, size_t errlen)
{
	const struct mr_conf_port *pc = &c->conf->ports[port];
	char tmp[MR_ENDPOINT_STRLEN];
	size_t n = strlen(v);
	const uint8_t *ip;
	uint32_t p;

	if (strcmp(v, "auto") == 0) {
		if (!pc->has_ipv4 && !pc->has_ipv6) {
			snprintf(err, errlen, "local: port %u has no address to allocate on", port);
			return -EINVAL;
		}
		r->local = pc->has_ipv4 ? pc->ipv4 : pc->ipv6;
		r->local.port = 0;
		r->local_auto = true;
		return 0;
	}
	if (n > 5 && n < sizeof(tmp) && strcmp(v + n - 5, ":auto") == 0) {
		memcpy(tmp, v, n - 5);
		tmp[n - 5] = '\0';
		if (tmp[0] == '[' && n - 5 >= 2 && tmp[n - 6] == ']') {
			tmp[n - 6] = '\0';
			memmove(tmp, tmp + 1, n - 6);
		}
		if (mr_endpoint_parse_addr(tmp, &r->local) != 0) {
			snprintf(err, errlen, "local: '%s' is not addr:port, addr:auto or auto", v);
			return -EINVAL;
		}
		r->local_auto = true;
	} else if (mr_endpoint_parse(v, &r->local) != 0) {
		snprintf(err, errlen, "local: '%s' is not addr:port, addr:auto or auto", v);
		return -EINVAL;
	}
	if (mr_endpoint_is_v4(&r->local))
		ip = pc->has_ipv4 ? pc->ipv4.ip : NULL;
	else
		ip = pc->has_ipv6 ? pc->ipv6.ip : NULL;
	/* leg_update without port=: the main lcore checks against the leg's port */
	if (check_port && (ip == NULL || memcmp(ip, r->local.ip, 16) != 0)) {
		snprintf(err, errlen, "local: %s: the address is not one of port %u's", v, port);
		return -EINVAL;
	}
	if (!r->local_auto) {
		p = rte_be_to_cpu_16(r->local.port);
		if (p < c->conf->rtp_port_min || p > c->conf->rtp_port_max) {
			snprintf(err, errlen, "local: %s: UDP port outside rtp_port_min..rtp_port_max (%u..%u)",
				 v, c->conf->rtp_port_min, c->conf->rtp_port_max);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *const leg_keys[] = {
	"name", "session", "port", "local", "remote", "forward",
	"ssrc_out", "seq_offset", "ts_offset", "clock_rate", "transcode", "streams_max",
	"new_streams_per_s", NULL,
};

/* The configured profile names, space separated, for error messages. */
static void
profile_names(const struct mr_ctl *c, char *buf, size_t len)
{
	size_t off = 0;
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < c->conf->n_profiles && off + 1 < len; i++)
		off += snprintf(buf + off, len - off, "%s ", c->conf->profiles[i].name);
	if (off + 1 < len)
		snprintf(buf + off, len - off, "none");
}

/* transcode= : a profile of the configuration, or none. */
static int
parse_transcode(const struct mr_ctl *c, const char *v, uint16_t *out, char *err, size_t errlen)
{
	char names[120];
	int idx;

	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (c->relay->n_tc == 0) {
		snprintf(err, errlen, "transcode: '%.40s': this relay has no transcoder lcores "
			 "([relay] transcoders in the configuration); only transcode=none", v);
		return -EINVAL;
	}
	idx = mr_ctl_profile_find(c, v);
	if (idx < 0) {
		profile_names(c, names, sizeof(names));
		snprintf(err, errlen, "transcode: no profile named '%.40s' (configured: %.100s)", v, names);
		return -EINVAL;
	}
	*out = (uint16_t)idx;
	return 0;
}

/*
 * Parse leg_add/leg_update parameters into m. leg_add requires name,
 * session, local and remote; leg_update requires name and changes only
 * what is given.
 */
int
mr_ctl_parse_leg(const struct mr_ctl *c, const char *params, bool add, struct mr_ctl_msg *m,
		 char *err, size_t errlen)
{
	struct mr_ctl_leg_req *r = &m->leg;
	struct mr_ctl_kv kv;
	const char *v;
	uint32_t u;

	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, leg_keys, err, errlen) != 0)
		return -EINVAL;
	v = mr_ctl_kv_get(&kv, "name");
	if (v == NULL || !mr_ctl_name_valid(v)) {
		snprintf(err, errlen, "name: %s (1..%u of [A-Za-z0-9_.-])",
			 v == NULL ? "missing" : "invalid", MR_STREAM_NAME_LEN - 1);
		return -EINVAL;
	}
	strcpy(m->name, v);
	r->port = 0;
	r->clock_rate = 48000;
	v = mr_ctl_kv_get(&kv, "session");
	if (v != NULL) {
		if (!mr_ctl_name_valid(v)) {
			snprintf(err, errlen, "session: invalid (1..%u of [A-Za-z0-9_.-])",
				 MR_STREAM_NAME_LEN - 1);
			return -EINVAL;
		}
		strcpy(r->session, v);
		r->given |= MR_CTL_F_SESSION;
	} else if (add) {
		snprintf(err, errlen, "session: missing (the session the leg belongs to)");
		return -EINVAL;
	}
	v = mr_ctl_kv_get(&kv, "port");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 0, RTE_MAX_ETHPORTS - 1, &u) != 0 ||
		    u >= MR_CONF_MAX_PORTS || !c->conf->ports[u].present ||
		    !c->streams->ports[u].present) {
			snprintf(err, errlen, "port: '%s' is not a configured, started port", v);
			return -EINVAL;
		}
		r->port = (uint16_t)u;
		r->given |= MR_CTL_F_PORT;
	}
	v = mr_ctl_kv_get(&kv, "local");
	if (v != NULL) {
		/* leg_update without port=: checked against the leg's port on the main lcore */
		if (parse_local(c, v, r->port, add || (r->given & MR_CTL_F_PORT), r,
				err, errlen) != 0)
			return -EINVAL;
		r->given |= MR_CTL_F_LOCAL;
	} else if (add) {
		snprintf(err, errlen, "local: missing (addr:port, addr:auto or auto)");
		return -EINVAL;
	}
	v = mr_ctl_kv_get(&kv, "remote");
	if (v != NULL) {
		if (strcmp(v, "latch") == 0) {
			r->latch = true;
		} else if (mr_endpoint_parse(v, &r->remote) != 0 || !addr_usable(&r->remote)) {
			snprintf(err, errlen, "remote: '%s' is not a unicast addr:port or latch", v);
			return -EINVAL;
		} else if ((r->given & MR_CTL_F_LOCAL) &&
			   mr_endpoint_is_v4(&r->remote) != mr_endpoint_is_v4(&r->local)) {
			snprintf(err, errlen, "remote: %s is not of the local address's family", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_REMOTE;
	} else if (add) {
		snprintf(err, errlen, "remote: missing (addr:port or latch)");
		return -EINVAL;
	}
	v = mr_ctl_kv_get(&kv, "forward");
	if (v != NULL) {
		char list[MR_CTL_PARAMS_MAX], *tok, *save = NULL;
		uint16_t i;

		snprintf(list, sizeof(list), "%s", v);
		/* '+' separates names: ',' separates parameters */
		for (tok = strtok_r(list, "+", &save); tok != NULL;
		     tok = strtok_r(NULL, "+", &save)) {
			if (!mr_ctl_name_valid(tok)) {
				snprintf(err, errlen, "forward: '%.60s' is not a leg name", tok);
				return -EINVAL;
			}
			if (strcmp(tok, m->name) == 0) {
				snprintf(err, errlen, "forward: a leg cannot forward to itself");
				return -EINVAL;
			}
			for (i = 0; i < r->n_fwd; i++) {
				if (strcmp(r->fwd[i], tok) == 0) {
					snprintf(err, errlen, "forward: %s listed twice", tok);
					return -EINVAL;
				}
			}
			if (r->n_fwd == MR_STREAM_MAX_DESTS) {
				snprintf(err, errlen, "forward: more than %u legs", MR_STREAM_MAX_DESTS);
				return -EINVAL;
			}
			strcpy(r->fwd[r->n_fwd++], tok);
		}
		if (v[0] != '\0' && r->n_fwd == 0) {
			snprintf(err, errlen, "forward: '%s' names no leg (legs joined by +)", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_FORWARD;
	}
	v = mr_ctl_kv_get(&kv, "ssrc_out");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 0, UINT32_MAX, &r->ssrc_out) != 0) {
			snprintf(err, errlen, "ssrc_out: '%s' is not 0 (keep) .. 4294967295", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_SSRC;
	}
	v = mr_ctl_kv_get(&kv, "seq_offset");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 0, UINT16_MAX, &u) != 0) {
			snprintf(err, errlen, "seq_offset: '%s' is not 0..65535", v);
			return -EINVAL;
		}
		r->seq_offset = (uint16_t)u;
		r->given |= MR_CTL_F_SEQ;
	}
	v = mr_ctl_kv_get(&kv, "ts_offset");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 0, UINT32_MAX, &r->ts_offset) != 0) {
			snprintf(err, errlen, "ts_offset: '%s' is not 0..4294967295", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_TS;
	}
	v = mr_ctl_kv_get(&kv, "clock_rate");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 8000, 192000, &r->clock_rate) != 0) {
			snprintf(err, errlen, "clock_rate: '%s' is not 8000..192000", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_CLOCK;
	}
	v = mr_ctl_kv_get(&kv, "transcode");
	if (v != NULL) {
		if (parse_transcode(c, v, &r->tc_profile, err, errlen) != 0)
			return -EINVAL;
		r->given |= MR_CTL_F_TRANSCODE;
	}
	v = mr_ctl_kv_get(&kv, "streams_max");
	if (v != NULL) {
		uint32_t n;

		if (mr_ctl_parse_u32(v, 1, 65535, &n) != 0) {
			snprintf(err, errlen, "streams_max: '%s' is not 1..65535", v);
			return -EINVAL;
		}
		r->streams_max = (uint16_t)n;
		r->given |= MR_CTL_F_STREAMS_MAX;
	}
	v = mr_ctl_kv_get(&kv, "new_streams_per_s");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 0, 1000000, &r->new_streams_per_s) != 0) {
			snprintf(err, errlen, "new_streams_per_s: '%s' is not 0 (no limit)..1000000", v);
			return -EINVAL;
		}
		r->given |= MR_CTL_F_NEW_RATE;
	}
	return 0;
}

static const char *const profile_keys[] = {
	"name", "in", "in_pt", "out", "out_pt", "channels", "ptime", "complexity",
	"reorder", "fec", "dtx", "bitrate", "rate", "loss_perc", NULL,
};

static int
parse_codec(const char *key, const char *v, enum mr_tc_codec *out, char *err, size_t errlen)
{
	int k;

	for (k = 0; k < MR_TC_CODEC__MAX; k++) {
		if (strcmp(v, mr_tc_codec_name((enum mr_tc_codec)k)) == 0) {
			*out = (enum mr_tc_codec)k;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: '%.40s' is not opus, pcmu or pcma", key, v);
	return -EINVAL;
}

/* One numeric profile field: key, range, and the set of accepted values as text. */
static int
parse_pfield(const struct mr_ctl_kv *kv, const char *key, uint32_t min, uint32_t max,
	     const char *accepted, uint32_t bit, uint32_t *given, uint32_t *out,
	     char *err, size_t errlen)
{
	const char *v = mr_ctl_kv_get(kv, key);

	if (v == NULL)
		return 0;
	if (mr_ctl_parse_u32(v, min, max, out) != 0) {
		snprintf(err, errlen, "%s: '%.40s' is not %s", key, v, accepted);
		return -EINVAL;
	}
	*given |= bit;
	return 0;
}

/*
 * profile_set: name= and the fields to change, checked one by one here;
 * the combination is checked by lib/transcode on the main lcore.
 */
int
mr_ctl_parse_profile_set(const struct mr_ctl *c, const char *params, struct mr_ctl_msg *m,
			 char *err, size_t errlen)
{
	struct mr_tc_profile *p = &m->prof;
	uint32_t *given = &m->leg.given;
	struct mr_ctl_kv kv;
	const char *v;
	uint32_t u[12] = {0};
	int idx;

	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, profile_keys, err, errlen) != 0)
		return -EINVAL;
	v = mr_ctl_kv_get(&kv, "name");
	if (v == NULL) {
		snprintf(err, errlen, "name: missing (the profile to change)");
		return -EINVAL;
	}
	idx = mr_ctl_profile_find(c, v);
	if (idx < 0) {
		char names[120];

		profile_names(c, names, sizeof(names));
		snprintf(err, errlen, "name: no profile named '%.40s' (configured: %.100s)", v, names);
		return -EINVAL;
	}
	m->profile = (uint16_t)idx;
	snprintf(m->name, sizeof(m->name), "%s", v);
	v = mr_ctl_kv_get(&kv, "in");
	if (v != NULL) {
		if (parse_codec("in", v, &p->in_codec, err, errlen) != 0)
			return -EINVAL;
		*given |= MR_CTL_P_IN;
	}
	v = mr_ctl_kv_get(&kv, "out");
	if (v != NULL) {
		if (parse_codec("out", v, &p->out_codec, err, errlen) != 0)
			return -EINVAL;
		*given |= MR_CTL_P_OUT;
	}
	if (parse_pfield(&kv, "in_pt", 0, 127, "0..127", MR_CTL_P_IN_PT, given, &u[0], err, errlen) ||
	    parse_pfield(&kv, "out_pt", 0, 127, "0..127", MR_CTL_P_OUT_PT, given, &u[1], err, errlen) ||
	    parse_pfield(&kv, "channels", 1, 2, "1 or 2", MR_CTL_P_CHANNELS, given, &u[2], err, errlen) ||
	    parse_pfield(&kv, "ptime", 10, 60, "10, 20, 40 or 60", MR_CTL_P_PTIME, given, &u[3],
			 err, errlen) ||
	    parse_pfield(&kv, "complexity", 0, 10, "0..10", MR_CTL_P_COMPLEXITY, given, &u[4],
			 err, errlen) ||
	    parse_pfield(&kv, "reorder", 1, MR_TC_REORDER_MAX, "1..8", MR_CTL_P_REORDER, given, &u[5],
			 err, errlen) ||
	    parse_pfield(&kv, "fec", 0, 1, "0 or 1", MR_CTL_P_FEC, given, &u[6], err, errlen) ||
	    parse_pfield(&kv, "dtx", 0, 1, "0 or 1", MR_CTL_P_DTX, given, &u[7], err, errlen) ||
	    parse_pfield(&kv, "bitrate", 6000, 510000, "6000..510000", MR_CTL_P_BITRATE, given, &u[8],
			 err, errlen) ||
	    parse_pfield(&kv, "rate", 8000, 48000, "8000, 12000, 16000, 24000 or 48000",
			 MR_CTL_P_RATE, given, &u[9], err, errlen) ||
	    parse_pfield(&kv, "loss_perc", 0, 100, "0..100", MR_CTL_P_LOSS, given, &u[10],
			 err, errlen))
		return -EINVAL;
	if ((*given & MR_CTL_P_PTIME) && u[3] != 10 && u[3] != 20 && u[3] != 40 && u[3] != 60) {
		snprintf(err, errlen, "ptime: %u is not 10, 20, 40 or 60", u[3]);
		return -EINVAL;
	}
	if ((*given & MR_CTL_P_RATE) && u[9] != 8000 && u[9] != 12000 && u[9] != 16000 &&
	    u[9] != 24000 && u[9] != 48000) {
		snprintf(err, errlen, "rate: %u is not 8000, 12000, 16000, 24000 or 48000", u[9]);
		return -EINVAL;
	}
	if (*given == 0) {
		snprintf(err, errlen, "profile_set: give at least one field to change (keys: in in_pt "
			 "out out_pt channels ptime complexity reorder fec dtx bitrate rate loss_perc)");
		return -EINVAL;
	}
	p->in_pt = (uint8_t)u[0];
	p->out_pt = (uint8_t)u[1];
	p->out_channels = (uint8_t)u[2];
	p->ptime_ms = (uint8_t)u[3];
	p->complexity = (uint8_t)u[4];
	p->reorder = (uint8_t)u[5];
	p->fec = u[6] != 0;
	p->dtx = u[7] != 0;
	p->bitrate = u[8];
	p->rate = u[9];
	p->loss_perc = (uint8_t)u[10];
	return 0;
}

/* One name under one key (name=, session=), nothing else. */
static int
parse_one_name(const char *params, const char *key, char *out, char *err, size_t errlen)
{
	const char *const keys[] = {key, NULL};
	struct mr_ctl_kv kv;
	const char *v;

	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0)
		return -EINVAL;
	if (kv.n == 1 && kv.key[0] == NULL) {
		v = kv.val[0];
	} else {
		if (mr_ctl_kv_check(&kv, keys, err, errlen) != 0)
			return -EINVAL;
		v = mr_ctl_kv_get(&kv, key);
	}
	if (v == NULL || !mr_ctl_name_valid(v)) {
		snprintf(err, errlen, "%s: %s (1..%u of [A-Za-z0-9_.-])", key,
			 v == NULL ? "missing" : "invalid", MR_STREAM_NAME_LEN - 1);
		return -EINVAL;
	}
	strcpy(out, v);
	return 0;
}

int
mr_ctl_parse_dest(const char *params, struct mr_ctl_msg *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"leg", "dest", NULL};
	struct mr_ctl_kv kv;
	const char *l, *dst;

	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, keys, err, errlen) != 0)
		return -EINVAL;
	l = mr_ctl_kv_get(&kv, "leg");
	dst = mr_ctl_kv_get(&kv, "dest");
	if (l == NULL || !mr_ctl_name_valid(l)) {
		snprintf(err, errlen, "leg: %s (the leg whose destinations change)",
			 l == NULL ? "missing" : "invalid name");
		return -EINVAL;
	}
	if (dst == NULL || !mr_ctl_name_valid(dst)) {
		snprintf(err, errlen, "dest: %s (the leg to send to)",
			 dst == NULL ? "missing" : "invalid name");
		return -EINVAL;
	}
	if (strcmp(l, dst) == 0) {
		snprintf(err, errlen, "dest: a leg cannot forward to itself");
		return -EINVAL;
	}
	strcpy(m->name, l);
	strcpy(m->dest, dst);
	return 0;
}

static int
cmd_control(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char err[MR_CTL_ERR_LEN];
	struct mr_ctl_msg *m;
	struct mr_ctl *c;
	int rc;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return mr_ctl_error(d, "out of memory");
	mr_ctl_lock();
	c = mr_ctl_cur;
	if (c == NULL || __atomic_load_n(&c->closing, __ATOMIC_ACQUIRE) != 0) {
		free(m);
		mr_ctl_error(d, "the relay is not running (starting or shutting down)");
		goto out;
	}
	if (strcmp(cmd, "/mrelay/leg_add") == 0) {
		m->op = MR_CTL_OP_LEG_ADD;
		rc = mr_ctl_parse_leg(c, params, true, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/leg_update") == 0) {
		m->op = MR_CTL_OP_LEG_UPDATE;
		rc = mr_ctl_parse_leg(c, params, false, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/leg_delete") == 0) {
		m->op = MR_CTL_OP_LEG_DELETE;
		rc = parse_one_name(params, "name", m->name, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/session_delete") == 0) {
		m->op = MR_CTL_OP_SESSION_DELETE;
		rc = parse_one_name(params, "session", m->name, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/dest_add") == 0) {
		m->op = MR_CTL_OP_DEST_ADD;
		rc = mr_ctl_parse_dest(params, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/dest_delete") == 0) {
		m->op = MR_CTL_OP_DEST_DELETE;
		rc = mr_ctl_parse_dest(params, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/profile_set") == 0) {
		m->op = MR_CTL_OP_PROFILE_SET;
		rc = mr_ctl_parse_profile_set(c, params, m, err, sizeof(err));
	} else {
		bool ports = strcmp(cmd, "/mrelay/port_stats_reset") == 0;

		m->op = ports ? MR_CTL_OP_PORT_STATS_RESET : MR_CTL_OP_COUNTERS_RESET;
		rc = 0;
		if (params != NULL && params[0] != '\0') {
			snprintf(err, sizeof(err), "%s takes no parameters",
				 ports ? "port_stats_reset" : "counters_reset");
			rc = -EINVAL;
		}
	}
	if (rc != 0) {
		free(m);
		req_error(d, err);
		goto out;
	}
	if (mr_ctl_post(c, m, d) == 1) {
		if (m->status != 0) {
			mr_ctl_error(d, "%s", m->error);
		} else {
			rte_tel_data_start_dict(d);
			rte_tel_data_add_dict_string(d, "status", "ok");
			rte_tel_data_add_dict_string(d, "result", m->outcome);
			if (m->op == MR_CTL_OP_LEG_ADD || m->op == MR_CTL_OP_LEG_UPDATE) {
				rte_tel_data_add_dict_string(d, "leg", m->name);
				rte_tel_data_add_dict_string(d, "local", m->local);
				rte_tel_data_add_dict_string(d, "transcode",
							     mr_ctl_profile_name(c, m->tc_profile));
			}
			if (m->op == MR_CTL_OP_PROFILE_SET)
				rte_tel_data_add_dict_string(d, "profile", m->name);
			if (m->op == MR_CTL_OP_PORT_STATS_RESET)
				rte_tel_data_add_dict_u64(d, "ports", m->ports_reset);
			if (m->op == MR_CTL_OP_LEG_DELETE || m->op == MR_CTL_OP_SESSION_DELETE ||
			    m->op == MR_CTL_OP_LEG_UPDATE) {
				rte_tel_data_add_dict_u64(d, "legs_deleted", m->legs_deleted);
				rte_tel_data_add_dict_u64(d, "streams_deleted", m->streams_deleted);
			}
			if (m->op == MR_CTL_OP_LEG_UPDATE || m->op == MR_CTL_OP_PROFILE_SET) {
				if (m->op == MR_CTL_OP_PROFILE_SET)
					rte_tel_data_add_dict_u64(d, "streams_deleted",
								  m->streams_deleted);
				rte_tel_data_add_dict_u64(d, "channels_updated", m->channels_updated);
				rte_tel_data_add_dict_u64(d, "channels_failed", m->channels_failed);
			}
		}
		free(m);
	}
out:
	mr_ctl_unlock();
	return 0;
}

/* ---------- main lcore: state checks, then the change ---------- */

static int
fail(struct mr_ctl_msg *m, int status, const char *fmt, ...) __rte_format_printf(3, 4);

static int
fail(struct mr_ctl_msg *m, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	m->status = status;
	return status;
}

static int
apply_set(struct mr_ctl *c, struct mr_ctl_msg *m, uint32_t idx, const struct mr_leg_def *d)
{
	int rc = mr_streams_leg_set(c->streams, idx, d);

	if (rc != 0)
		return fail(m, rc, "cannot install leg %s: %s", d->name, strerror(-rc));
	/* referrers list idx by name, which does not change: only idx is new */
	mr_ctl_meta_publish(c, idx);
	return 0;
}

/* apply_set(), the leg's streams deleted by their owner as the new definition goes in. */
static int
apply_set_fresh(struct mr_ctl *c, struct mr_ctl_msg *m, uint32_t idx, const struct mr_leg_def *d)
{
	int rc = mr_streams_leg_set_fresh(c->streams, idx, d, &m->streams_deleted);

	if (rc != 0)
		return fail(m, rc, "cannot install leg %s: %s", d->name, strerror(-rc));
	/* referrers list idx by name, which does not change: only idx is new */
	mr_ctl_meta_publish(c, idx);
	return 0;
}

/* Resolve forward names to slots, and check each target takes one more referrer. */
static int
resolve_forward(struct mr_ctl *c, struct mr_ctl_msg *m, int32_t self, struct mr_leg_def *d)
{
	const struct mr_ctl_leg_req *r = &m->leg;
	uint16_t i, j;

	d->n_fwd = r->n_fwd;
	for (i = 0; i < r->n_fwd; i++) {
		int32_t t = mr_streams_leg_by_name(c->streams, r->fwd[i]);
		const struct mr_leg_def *td;
		bool known = false;

		if (t < 0)
			return fail(m, -ENOENT, "forward: no leg named %s", r->fwd[i]);
		td = &c->streams->defs[t];
		for (j = 0; self >= 0 && j < td->n_refs; j++)
			known |= td->refs[j] == (uint32_t)self;
		if (!known && td->n_refs >= MR_STREAM_MAX_REFS)
			return fail(m, -ENOSPC, "forward: %s already has %u legs forwarding to it",
				    r->fwd[i], MR_STREAM_MAX_REFS);
		d->fwd[i] = (uint32_t)t;
	}
	return 0;
}

/* A free UDP port on the address of ep, from the rover on. */
static int
alloc_port(struct mr_ctl *c, struct mr_endpoint *ep)
{
	uint32_t lo = c->conf->rtp_port_min, hi = c->conf->rtp_port_max, n = hi - lo + 1, i, p;

	for (i = 0; i < n; i++) {
		p = c->port_rover + i;
		if (p > hi || p < lo)
			p = lo + (p - lo) % n;
		ep->port = rte_cpu_to_be_16((uint16_t)p);
		if (mr_streams_leg_find(c->streams, ep) < 0) {
			c->port_rover = p + 1 > hi ? lo : p + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Which field of two definitions differs (NULL: none). */
static const char *
def_diff(const struct mr_leg_def *a, const struct mr_leg_def *b, bool local_auto)
{
	if (strcmp(a->session, b->session) != 0)
		return "session";
	if (a->port_id != b->port_id)
		return "port";
	if (local_auto ? memcmp(a->local.ip, b->local.ip, 16) != 0 :
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
	return NULL;
}

static void
def_rewrite(struct mr_leg_def *d)
{
	d->rewrite = d->ssrc_out != 0 || d->seq_offset != 0 || d->ts_offset != 0;
}

static int
op_leg_add(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	const struct mr_ctl_leg_req *r = &m->leg;
	struct mr_streams *s = c->streams;
	struct mr_leg_def d;
	const char *diff;
	int32_t idx, other;
	int rc;

	memset(&d, 0, sizeof(d));
	strcpy(d.name, m->name);
	strcpy(d.session, r->session);
	d.in_use = true;
	d.port_id = r->port;
	d.local = r->local;
	d.latch = r->latch;
	if (!r->latch)
		d.remote = r->remote;
	d.clock_rate = r->clock_rate;
	d.ssrc_out = r->ssrc_out;
	d.seq_offset = r->seq_offset;
	d.ts_offset = r->ts_offset;
	d.tc_profile = r->tc_profile;
	if (r->given & MR_CTL_F_STREAMS_MAX)
		d.streams_max = r->streams_max;
	d.has_new_streams_per_s = (r->given & MR_CTL_F_NEW_RATE) != 0;
	d.new_streams_per_s = r->new_streams_per_s;
	def_rewrite(&d);

	idx = mr_streams_leg_by_name(s, m->name);
	rc = resolve_forward(c, m, idx, &d);
	if (rc != 0)
		return rc;
	if (idx >= 0) {
		const struct mr_leg_def *cur = &s->defs[idx];

		diff = def_diff(&d, cur, r->local_auto);
		if (diff != NULL)
			return fail(m, -EEXIST, "name: leg %s exists with another %s; use leg_update",
				    m->name, diff);
		mr_endpoint_format(&cur->local, m->local, sizeof(m->local));
		m->tc_profile = cur->tc_profile;
		m->outcome = "unchanged";
		return 0;
	}
	if (r->local_auto) {
		if (alloc_port(c, &d.local) != 0)
			return fail(m, -ENOSPC, "local: no free UDP port in %u..%u on that address",
				    c->conf->rtp_port_min, c->conf->rtp_port_max);
	} else {
		other = mr_streams_leg_find(s, &d.local);
		if (other >= 0)
			return fail(m, -EEXIST, "local: %s is already leg %s's",
				    mr_endpoint_format(&d.local, m->local, sizeof(m->local)),
				    s->defs[other].name);
	}
	idx = mr_streams_leg_alloc(s);
	if (idx < 0)
		return fail(m, -ENOSPC, "name: the leg table is full (legs_max %u)", s->legs_max);
	rc = apply_set(c, m, (uint32_t)idx, &d);
	if (rc != 0)
		return rc;
	mr_endpoint_format(&d.local, m->local, sizeof(m->local));
	m->tc_profile = d.tc_profile;
	m->outcome = "added";
	return 0;
}

static int
op_leg_update(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	const struct mr_ctl_leg_req *r = &m->leg;
	struct mr_streams *s = c->streams;
	const struct mr_conf_port *pc;
	struct mr_leg_def d;
	int32_t idx, other;
	uint16_t old_tc;
	uint32_t one;
	bool moved;
	int rc;

	idx = mr_streams_leg_by_name(s, m->name);
	if (idx < 0)
		return fail(m, -ENOENT, "name: no leg named %s", m->name);
	one = (uint32_t)idx;
	d = s->defs[idx];
	if (r->given & MR_CTL_F_SESSION)
		strcpy(d.session, r->session);
	if (r->given & MR_CTL_F_PORT)
		d.port_id = r->port;
	if (r->given & MR_CTL_F_LOCAL) {
		if (r->local_auto && memcmp(r->local.ip, d.local.ip, 16) == 0) {
			/* same address, any port: keep the one it has */
		} else {
			d.local = r->local;
			if (r->local_auto && alloc_port(c, &d.local) != 0)
				return fail(m, -ENOSPC, "local: no free UDP port in %u..%u",
					    c->conf->rtp_port_min, c->conf->rtp_port_max);
		}
	}
	/* the local address must belong to the (possibly new) port */
	pc = &c->conf->ports[d.port_id];
	if (!(mr_endpoint_is_v4(&d.local) ? pc->has_ipv4 && memcmp(pc->ipv4.ip, d.local.ip, 16) == 0 :
	      pc->has_ipv6 && memcmp(pc->ipv6.ip, d.local.ip, 16) == 0))
		return fail(m, -EINVAL, "local: the leg's address is not one of port %u's; give local= too",
			    d.port_id);
	other = mr_streams_leg_find(s, &d.local);
	if (other >= 0 && other != idx)
		return fail(m, -EEXIST, "local: %s is already leg %s's",
			    mr_endpoint_format(&d.local, m->local, sizeof(m->local)),
			    s->defs[other].name);
	if (r->given & MR_CTL_F_REMOTE) {
		if (r->latch) {
			if (!d.latch) {
				d.latch = true;
				d.latched = false;
				memset(&d.remote, 0, sizeof(d.remote));
			}
		} else {
			d.latch = false;
			d.latched = false;
			d.remote = r->remote;
		}
	}
	if (!d.latch || d.latched) {
		if (mr_endpoint_is_v4(&d.remote) != mr_endpoint_is_v4(&d.local))
			return fail(m, -EINVAL, "remote: not of the local address's family");
	}
	if (r->given & MR_CTL_F_FORWARD) {
		rc = resolve_forward(c, m, idx, &d);
		if (rc != 0)
			return rc;
	}
	if (r->given & MR_CTL_F_SSRC)
		d.ssrc_out = r->ssrc_out;
	if (r->given & MR_CTL_F_SEQ)
		d.seq_offset = r->seq_offset;
	if (r->given & MR_CTL_F_TS)
		d.ts_offset = r->ts_offset;
	if (r->given & MR_CTL_F_CLOCK)
		d.clock_rate = r->clock_rate;
	if (r->given & MR_CTL_F_TRANSCODE)
		d.tc_profile = r->tc_profile;
	if (r->given & MR_CTL_F_STREAMS_MAX)
		d.streams_max = r->streams_max;
	if (r->given & MR_CTL_F_NEW_RATE) {
		d.has_new_streams_per_s = true;
		d.new_streams_per_s = r->new_streams_per_s;
	}
	def_rewrite(&d);
	m->tc_profile = d.tc_profile;
	if (def_diff(&d, &s->defs[idx], false) == NULL && d.latched == s->defs[idx].latched) {
		mr_endpoint_format(&d.local, m->local, sizeof(m->local));
		m->outcome = "unchanged";
		return 0;
	}
	moved = !mr_endpoint_equal(&d.local, &s->defs[idx].local);
	old_tc = s->defs[idx].tc_profile;
	/*
	 * To or from no transcoding: a stream's channel is fixed when it is
	 * published; and streams keyed by an old endpoint would keep the
	 * leg's old identity. So the leg's streams go (their channels close
	 * once, at reclamation), deleted by their owner in the same step that
	 * installs the new definition, and are learned again from their next
	 * packet, which finds the new definition.
	 */
	if (moved || (old_tc != d.tc_profile && (old_tc == 0 || d.tc_profile == 0)))
		rc = apply_set_fresh(c, m, one, &d);
	else
		rc = apply_set(c, m, one, &d);
	if (rc != 0)
		return rc;
	if (!moved && old_tc != d.tc_profile && old_tc != 0 && d.tc_profile != 0) {
		/* profile to profile: the channels stay, their codec state is reset */
		struct mr_relay_tc_result res;

		rc = mr_relay_leg_channels_update(c->relay, one, d.tc_profile, &res);
		if (rc != 0)
			return fail(m, rc, "transcode: leg %s changed, but its channels were not "
				    "updated: %s", m->name, strerror(-rc));
		m->channels_updated = res.channels_updated;
		m->channels_failed = res.update_failed;
		m->streams_deleted += res.streams_deleted;
	}
	mr_endpoint_format(&d.local, m->local, sizeof(m->local));
	m->outcome = "updated";
	return 0;
}

/*
 * Delete a set of legs: first drop them from the forward lists of legs
 * that stay (a freed slot must not be reachable when it is reused), then
 * the legs, then their streams.
 */
static int
delete_legs(struct mr_ctl *c, struct mr_ctl_msg *m, const uint32_t *del, unsigned int n)
{
	struct mr_streams *s = c->streams;
	struct mr_leg_def d;
	unsigned int i, k;
	uint32_t j;
	uint16_t f;
	int rc;

	for (j = 0; j < s->legs_max; j++) {
		const struct mr_leg_def *cur = &s->defs[j];
		bool in_set = false, touched = false;

		if (!cur->in_use)
			continue;
		for (k = 0; k < n; k++)
			in_set |= del[k] == j;
		if (in_set)
			continue;
		d = *cur;
		d.n_fwd = 0;
		for (f = 0; f < cur->n_fwd; f++) {
			bool gone = false;

			for (k = 0; k < n; k++)
				gone |= cur->fwd[f] == del[k];
			if (gone)
				touched = true;
			else
				d.fwd[d.n_fwd++] = cur->fwd[f];
		}
		if (touched) {
			rc = apply_set(c, m, j, &d);
			if (rc != 0)
				return rc;
		}
	}
	memset(&d, 0, sizeof(d));
	for (i = 0; i < n; i++) {
		rc = apply_set(c, m, del[i], &d);
		if (rc != 0)
			return rc;
	}
	m->legs_deleted = n;
	m->streams_deleted = mr_streams_del_by_legs(s, del, n);
	m->outcome = "deleted";
	return 0;
}

static int
op_leg_delete(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	int32_t idx = mr_streams_leg_by_name(c->streams, m->name);
	uint32_t one;

	if (idx < 0)
		return fail(m, -ENOENT, "name: no leg named %s", m->name);
	one = (uint32_t)idx;
	return delete_legs(c, m, &one, 1);
}

static int
op_session_delete(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	struct mr_streams *s = c->streams;
	unsigned int n = 0;
	uint32_t *del, j;
	int rc;

	del = calloc(s->legs_max, sizeof(*del));
	if (del == NULL)
		return fail(m, -ENOMEM, "out of memory");
	for (j = 0; j < s->legs_max; j++)
		if (s->defs[j].in_use && strcmp(s->defs[j].session, m->name) == 0)
			del[n++] = j;
	if (n == 0)
		rc = fail(m, -ENOENT, "session: no leg in session %s", m->name);
	else
		rc = delete_legs(c, m, del, n);
	free(del);
	return rc;
}

static int
op_dest(struct mr_ctl *c, struct mr_ctl_msg *m, bool add)
{
	struct mr_streams *s = c->streams;
	int32_t idx, t;
	struct mr_leg_def d;
	uint16_t i, at;

	idx = mr_streams_leg_by_name(s, m->name);
	if (idx < 0)
		return fail(m, -ENOENT, "leg: no leg named %s", m->name);
	t = mr_streams_leg_by_name(s, m->dest);
	if (t < 0)
		return fail(m, -ENOENT, "dest: no leg named %s", m->dest);
	d = s->defs[idx];
	for (at = 0; at < d.n_fwd && d.fwd[at] != (uint32_t)t; at++)
		;
	if (add) {
		if (at < d.n_fwd) {
			m->outcome = "unchanged";
			return 0;
		}
		if (d.n_fwd == MR_STREAM_MAX_DESTS)
			return fail(m, -ENOSPC, "dest: leg %s has %u destinations already",
				    m->name, MR_STREAM_MAX_DESTS);
		if (s->defs[t].n_refs >= MR_STREAM_MAX_REFS)
			return fail(m, -ENOSPC, "dest: %s already has %u legs forwarding to it",
				    m->dest, MR_STREAM_MAX_REFS);
		d.fwd[d.n_fwd++] = (uint32_t)t;
		m->outcome = "added";
	} else {
		if (at == d.n_fwd)
			return fail(m, -ENOENT, "dest: %s is not a destination of %s",
				    m->dest, m->name);
		for (i = at; i + 1 < d.n_fwd; i++)
			d.fwd[i] = d.fwd[i + 1];
		d.n_fwd--;
		m->outcome = "deleted";
	}
	return apply_set(c, m, (uint32_t)idx, &d);
}

static void
op_counters_reset(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	size_t n = (offsetof(struct mr_lcore_counters, drops) +
		    sizeof(((struct mr_lcore_counters *)0)->drops)) / sizeof(uint64_t);
	unsigned int l;
	size_t i;

	/* The workers stay the counters' only writers: reads subtract this. */
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const uint64_t *src = (const uint64_t *)&mr_counters[l];
		uint64_t *dst = (uint64_t *)&c->base[l];

		for (i = 0; i < n; i++)
			__atomic_store_n(&dst[i], mr_counter_read(&src[i]), __ATOMIC_RELAXED);
	}
	m->outcome = "reset";
}

/*
 * The ports' own statistics and xstats restart (the PMD's reset, so every
 * view of them restarts: /ethdev/stats, /ethdev/xstats, the statistics
 * line, the --summary JSON). A window for what only the PMD counts, such
 * as net_rtpgen's validator and latency histogram.
 */
static void
op_port_stats_reset(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	const struct mr_relay *r = c->relay;
	uint16_t i;
	int rc;

	for (i = 0; i < r->n_ports; i++) {
		rc = rte_eth_stats_reset(r->ports[i]);
		if (rc == 0 || rc == -ENOTSUP)
			rc = rte_eth_xstats_reset(r->ports[i]);
		if (rc != 0) {
			m->status = rc;
			snprintf(m->error, sizeof(m->error),
				 "port: %u: reset failed: %s (%u of %u reset)", r->ports[i],
				 strerror(-rc), i, r->n_ports);
			return;
		}
		m->ports_reset++;
	}
	m->outcome = "reset";
}

static int
op_profile_set(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	const struct mr_tc_profile *n = &m->prof;
	uint32_t g = m->leg.given;
	struct mr_relay_tc_result res;
	struct mr_tc_profile p;
	int rc;

	if (m->profile == 0 || m->profile > c->relay->n_profiles)
		return fail(m, -ENOENT, "name: no profile %s in the relay", m->name);
	p = c->relay->profiles[m->profile - 1];
	if (g & MR_CTL_P_IN)
		p.in_codec = n->in_codec;
	if (g & MR_CTL_P_IN_PT)
		p.in_pt = n->in_pt;
	if (g & MR_CTL_P_OUT)
		p.out_codec = n->out_codec;
	if (g & MR_CTL_P_OUT_PT)
		p.out_pt = n->out_pt;
	if (g & MR_CTL_P_CHANNELS)
		p.out_channels = n->out_channels;
	if (g & MR_CTL_P_PTIME)
		p.ptime_ms = n->ptime_ms;
	if (g & MR_CTL_P_COMPLEXITY)
		p.complexity = n->complexity;
	if (g & MR_CTL_P_REORDER)
		p.reorder = n->reorder;
	if (g & MR_CTL_P_FEC)
		p.fec = n->fec;
	if (g & MR_CTL_P_DTX)
		p.dtx = n->dtx;
	if (g & MR_CTL_P_BITRATE)
		p.bitrate = n->bitrate;
	if (g & MR_CTL_P_RATE)
		p.rate = n->rate;
	if (g & MR_CTL_P_LOSS)
		p.loss_perc = n->loss_perc;
	/* compared as the transcoder would use it (e.g. G.711 both ways forces rate 8000) */
	rc = mr_tc_profile_validate(&p);
	if (rc == 0 && memcmp(&p, &c->relay->profiles[m->profile - 1], sizeof(p)) == 0) {
		m->outcome = "unchanged";
		return 0;
	}
	if (rc == 0)
		rc = mr_relay_profile_update(c->relay, m->profile, &p, &res);
	if (rc != 0)
		return fail(m, rc, "profile %s: the transcoder does not support this combination "
			    "(channels 2 needs Opus output; G.711 with Opus needs rate 8000 or 48000)",
			    m->name);
	if (mr_ctl_profiles_publish(c) != 0)
		rte_log(RTE_LOG_ERR, mr_ctl_logtype,
			"mr_ctl: out of memory describing the profiles: /mrelay/profiles is stale\n");
	m->channels_updated = res.channels_updated;
	m->channels_failed = res.update_failed;
	m->streams_deleted = res.streams_deleted;
	m->outcome = "updated";
	return 0;
}

void
mr_ctl_apply(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	m->status = 0;
	switch (m->op) {
	case MR_CTL_OP_LEG_ADD:
		op_leg_add(c, m);
		break;
	case MR_CTL_OP_LEG_UPDATE:
		op_leg_update(c, m);
		break;
	case MR_CTL_OP_LEG_DELETE:
		op_leg_delete(c, m);
		break;
	case MR_CTL_OP_SESSION_DELETE:
		op_session_delete(c, m);
		break;
	case MR_CTL_OP_DEST_ADD:
		op_dest(c, m, true);
		break;
	case MR_CTL_OP_DEST_DELETE:
		op_dest(c, m, false);
		break;
	case MR_CTL_OP_COUNTERS_RESET:
		op_counters_reset(c, m);
		break;
	case MR_CTL_OP_PROFILE_SET:
		op_profile_set(c, m);
		break;
	case MR_CTL_OP_PORT_STATS_RESET:
		op_port_stats_reset(c, m);
		break;
	}
}

int
mr_ctl_cmd_register(void)
{
	static const struct {
		const char *name;
		const char *help;
	} cmds[] = {
		{"/mrelay/leg_add", "Add a leg. name=,session=,local=,remote=[,port=,forward=a+b,ssrc_out=,...] (docs/telemetry.md)"},
		{"/mrelay/leg_update", "Change a leg: name= and the fields to change (as leg_add)"},
		{"/mrelay/leg_delete", "Delete a leg and its streams. name=NAME"},
		{"/mrelay/session_delete", "Delete every leg of a session. session=NAME"},
		{"/mrelay/dest_add", "Forward a leg to one more leg. leg=NAME,dest=NAME"},
		{"/mrelay/dest_delete", "Stop forwarding a leg to a leg. leg=NAME,dest=NAME"},
		{"/mrelay/counters_reset", "Zero the counters telemetry reports. No parameters"},
		{"/mrelay/port_stats_reset", "Reset the relay's ports' stats and xstats (the PMD's own). No parameters"},
		{"/mrelay/profile_set", "Change a transcode profile: name= and fields as in [profile.NAME] (docs/telemetry.md)"},
	};
	unsigned int i;
	int rc;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].name, cmd_control, cmds[i].help);
		if (rc != 0)
			return rc;
	}
	return 0;
}
