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
	"ssrc_out", "seq_offset", "ts_offset", "clock_rate", NULL,
};

/*
 * Parse leg_add/leg_update parameters into m. leg_add requires name,
 * session, local and remote; leg_update requires name and changes only
 * what is given.
 */
static int
parse_leg(const struct mr_ctl *c, const char *params, bool add, struct mr_ctl_msg *m,
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

static int
parse_dest(const char *params, struct mr_ctl_msg *m, char *err, size_t errlen)
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
		rc = parse_leg(c, params, true, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/leg_update") == 0) {
		m->op = MR_CTL_OP_LEG_UPDATE;
		rc = parse_leg(c, params, false, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/leg_delete") == 0) {
		m->op = MR_CTL_OP_LEG_DELETE;
		rc = parse_one_name(params, "name", m->name, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/session_delete") == 0) {
		m->op = MR_CTL_OP_SESSION_DELETE;
		rc = parse_one_name(params, "session", m->name, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/dest_add") == 0) {
		m->op = MR_CTL_OP_DEST_ADD;
		rc = parse_dest(params, m, err, sizeof(err));
	} else if (strcmp(cmd, "/mrelay/dest_delete") == 0) {
		m->op = MR_CTL_OP_DEST_DELETE;
		rc = parse_dest(params, m, err, sizeof(err));
	} else {
		m->op = MR_CTL_OP_COUNTERS_RESET;
		rc = 0;
		if (params != NULL && params[0] != '\0') {
			snprintf(err, sizeof(err), "counters_reset takes no parameters");
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
			}
			if (m->op == MR_CTL_OP_LEG_DELETE || m->op == MR_CTL_OP_SESSION_DELETE ||
			    m->op == MR_CTL_OP_LEG_UPDATE) {
				rte_tel_data_add_dict_u64(d, "legs_deleted", m->legs_deleted);
				rte_tel_data_add_dict_u64(d, "streams_deleted", m->streams_deleted);
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
	bool moved;
	int rc;

	idx = mr_streams_leg_by_name(s, m->name);
	if (idx < 0)
		return fail(m, -ENOENT, "name: no leg named %s", m->name);
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
	def_rewrite(&d);
	if (def_diff(&d, &s->defs[idx], false) == NULL && d.latched == s->defs[idx].latched) {
		mr_endpoint_format(&d.local, m->local, sizeof(m->local));
		m->outcome = "unchanged";
		return 0;
	}
	moved = !mr_endpoint_equal(&d.local, &s->defs[idx].local);
	rc = apply_set(c, m, (uint32_t)idx, &d);
	if (rc != 0)
		return rc;
	/* streams keyed by the old endpoint would keep the leg's old identity */
	if (moved) {
		uint32_t one = (uint32_t)idx;

		m->streams_deleted = mr_streams_del_by_legs(s, &one, 1);
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
	}
}

int
mr_ctl_cmd_register(void)
{
	static const struct {
		const char *name;
		const char *help;
	} cmds[] = {
		{"/mrelay/leg_add", "Add a leg. name=,session=,local=,remote=[,port=,forward=a+b,ssrc_out=,seq_offset=,ts_offset=,clock_rate=]"},
		{"/mrelay/leg_update", "Change a leg: name= and the fields to change (as leg_add)"},
		{"/mrelay/leg_delete", "Delete a leg and its streams. name=NAME"},
		{"/mrelay/session_delete", "Delete every leg of a session. session=NAME"},
		{"/mrelay/dest_add", "Forward a leg to one more leg. leg=NAME,dest=NAME"},
		{"/mrelay/dest_delete", "Stop forwarding a leg to a leg. leg=NAME,dest=NAME"},
		{"/mrelay/counters_reset", "Zero the counters telemetry reports. No parameters"},
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
