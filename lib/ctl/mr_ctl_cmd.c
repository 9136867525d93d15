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
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "mr_ctl_priv.h"
#include "mr_relay_quic.h"

/* ---------- telemetry thread: syntax and ranges ---------- */

static int
req_error(struct rte_tel_data *d, const char *err)
{
	return mr_ctl_error(d, "%s", err);
}

/* The configured profile names, space separated, for error messages. */
static void
profile_names(const struct mr_ctl *c, char *buf, size_t len)
{
	uint16_t i, n = mr_sessions_profile_count(c->sessions);
	size_t off = 0;

	buf[0] = '\0';
	for (i = 1; i <= n && off + 1 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s ",
					mr_sessions_profile_name(c->sessions, i));
	if (off + 1 < len)
		snprintf(buf + off, len - off, "none");
}

/*
 * leg_add/leg_update parameters: name= here, every other key through the
 * session model's rules (mr_leg_spec_set()), the configuration file's too.
 * What depends on the state (ports, names, addresses in use, profiles) is
 * checked by the model on the main lcore.
 */
int
mr_ctl_parse_leg(const struct mr_ctl *c, const char *params, bool add, struct mr_ctl_msg *m,
		 char *err, size_t errlen)
{
	static const char *keys[32];
	struct mr_ctl_kv kv;
	char why[MR_CTL_ERR_LEN];
	const char *v;
	unsigned int i;

	RTE_SET_USED(c);
	RTE_SET_USED(add);
	if (keys[0] == NULL) {
		/* name, then the model's keys (set once; the same every time) */
		keys[0] = "name";
		for (i = 0; mr_leg_spec_keys[i] != NULL && i + 2 < RTE_DIM(keys); i++)
			keys[i + 1] = mr_leg_spec_keys[i];
	}
	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, keys, err, errlen) != 0)
		return -EINVAL;
	v = mr_ctl_kv_get(&kv, "name");
	if (v == NULL || !mr_session_name_valid(v)) {
		snprintf(err, errlen, "name: %s (1..%u of [A-Za-z0-9_.-])",
			 v == NULL ? "missing" : "invalid", MR_STREAM_NAME_LEN - 1);
		return -EINVAL;
	}
	strcpy(m->name, v);
	mr_leg_spec_init(&m->leg);
	for (i = 0; i < kv.n; i++) {
		if (kv.key[i] == NULL || strcmp(kv.key[i], "name") == 0)
			continue;
		if (mr_leg_spec_set(&m->leg, kv.key[i], kv.val[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", kv.key[i], why);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * profile_set: name= here, every other key through the session model's
 * rules (mr_profile_spec_set()), the configuration file's too; the
 * combination is checked by lib/transcode on the main lcore.
 */
int
mr_ctl_parse_profile_set(const struct mr_ctl *c, const char *params, struct mr_ctl_msg *m,
			 char *err, size_t errlen)
{
	static const char *keys[32];
	char why[MR_CTL_ERR_LEN];
	struct mr_ctl_kv kv;
	const char *v;
	unsigned int i;
	int idx;

	if (keys[0] == NULL) {
		keys[0] = "name";
		for (i = 0; mr_profile_spec_keys[i] != NULL && i + 2 < RTE_DIM(keys); i++)
			keys[i + 1] = mr_profile_spec_keys[i];
	}
	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, keys, err, errlen) != 0)
		return -EINVAL;
	v = mr_ctl_kv_get(&kv, "name");
	if (v == NULL) {
		snprintf(err, errlen, "name: missing (the profile to change)");
		return -EINVAL;
	}
	idx = mr_sessions_profile_find(c->sessions, v);
	if (idx < 0) {
		char names[120];

		profile_names(c, names, sizeof(names));
		snprintf(err, errlen, "name: no profile named '%.40s' (configured: %.100s)", v, names);
		return -EINVAL;
	}
	m->profile = (uint16_t)idx;
	snprintf(m->name, sizeof(m->name), "%s", v);
	for (i = 0; i < kv.n; i++) {
		if (kv.key[i] == NULL || strcmp(kv.key[i], "name") == 0)
			continue;
		if (mr_profile_spec_set(&m->prof, &m->pgiven, kv.key[i], kv.val[i], why,
					sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", kv.key[i], why);
			return -EINVAL;
		}
	}
	if (m->pgiven == 0) {
		snprintf(err, errlen, "profile_set: give at least one field to change (keys: in in_pt "
			 "out out_pt channels ptime complexity reorder fec dtx bitrate rate loss_perc)");
		return -EINVAL;
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
	if (v == NULL || !mr_session_name_valid(v)) {
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
	if (l == NULL || !mr_session_name_valid(l)) {
		snprintf(err, errlen, "leg: %s (the leg whose destinations change)",
			 l == NULL ? "missing" : "invalid name");
		return -EINVAL;
	}
	if (dst == NULL || !mr_session_name_valid(dst)) {
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
				mr_ctl_reply_string(d, "leg", m->name);
				rte_tel_data_add_dict_string(d, "local", m->res.local);
				rte_tel_data_add_dict_string(d, "transcode",
							     mr_sessions_profile_name(c->sessions,
										      m->res.tc_profile));
			}
			if (m->op == MR_CTL_OP_PROFILE_SET)
				mr_ctl_reply_string(d, "profile", m->name);
			if (m->op == MR_CTL_OP_PORT_STATS_RESET)
				rte_tel_data_add_dict_u64(d, "ports", m->ports_reset);
			if (m->op == MR_CTL_OP_LEG_DELETE || m->op == MR_CTL_OP_SESSION_DELETE ||
			    m->op == MR_CTL_OP_LEG_UPDATE) {
				rte_tel_data_add_dict_u64(d, "legs_deleted", m->res.legs_deleted);
				rte_tel_data_add_dict_u64(d, "streams_deleted",
							  m->res.streams_deleted);
			}
			if (m->op == MR_CTL_OP_LEG_UPDATE || m->op == MR_CTL_OP_PROFILE_SET) {
				if (m->op == MR_CTL_OP_PROFILE_SET)
					rte_tel_data_add_dict_u64(d, "streams_deleted",
								  m->res.streams_deleted);
				rte_tel_data_add_dict_u64(d, "channels_updated",
							  m->res.channels_updated);
				rte_tel_data_add_dict_u64(d, "channels_failed",
							  m->res.channels_failed);
			}
		}
		free(m);
	}
out:
	mr_ctl_unlock();
	return 0;
}

/* ---------- main lcore: state checks, then the change ---------- */

/* A change through the session model: m->outcome, m->res, or the error. */
static void
model_done(struct mr_ctl_msg *m, int rc)
{
	m->status = rc;
	if (rc == 0)
		m->outcome = m->res.outcome;
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
	struct rte_eth_stats before, after;
	unsigned int tries;
	uint16_t i;
	int rc;

	for (i = 0; i < r->n_ports; i++) {
		/*
		 * A PMD may count with a plain read-modify-write on its datapath
		 * lcore (net_memif: n_pkts += n after every burst, empty ones
		 * too): a worker on another CPU that read the count before the
		 * reset stores it back after, and the reset is lost. Read back
		 * once that worker's burst is over (20 us) and reset again while
		 * a count is not below what it was.
		 */
		tries = 0;
		do {
			if (rte_eth_stats_get(r->ports[i], &before) != 0)
				memset(&before, 0, sizeof(before));
			rc = rte_eth_stats_reset(r->ports[i]);
			rte_delay_us_block(20);
			if (rc != 0 || rte_eth_stats_get(r->ports[i], &after) != 0)
				break;
		} while (((before.ipackets != 0 && after.ipackets >= before.ipackets) ||
			  (before.opackets != 0 && after.opackets >= before.opackets)) &&
			 ++tries < 50);
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

static void
op_profile_set(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	struct mr_tc_profile p;
	int rc;

	if (m->profile == 0 || m->profile > c->relay->n_profiles) {
		m->status = -ENOENT;
		snprintf(m->error, sizeof(m->error), "name: no profile %s in the relay", m->name);
		return;
	}
	p = c->relay->profiles[m->profile - 1];
	mr_profile_spec_merge(&p, &m->prof, m->pgiven);
	rc = mr_sessions_profile_update(c->sessions, m->profile, &p, &m->res, m->error,
					sizeof(m->error));
	model_done(m, rc);
	if (rc == 0 && strcmp(m->outcome, "updated") == 0 && mr_ctl_profiles_publish(c) != 0)
		rte_log(RTE_LOG_ERR, mr_ctl_logtype,
			"mr_ctl: out of memory describing the profiles: /mrelay/profiles is stale\n");
}

void
mr_ctl_apply(struct mr_ctl *c, struct mr_ctl_msg *m)
{
	m->status = 0;
	switch (m->op) {
	case MR_CTL_OP_LEG_ADD:
		model_done(m, mr_sessions_leg_add(c->sessions, m->name, &m->leg,
						  MR_LEG_ORIGIN_CONTROL, &m->res, m->error,
						  sizeof(m->error)));
		break;
	case MR_CTL_OP_LEG_UPDATE:
		model_done(m, mr_sessions_leg_update(c->sessions, m->name, &m->leg, &m->res,
						     m->error, sizeof(m->error)));
		break;
	case MR_CTL_OP_LEG_DELETE:
		model_done(m, mr_sessions_leg_delete(c->sessions, m->name, &m->res, m->error,
						     sizeof(m->error)));
		break;
	case MR_CTL_OP_SESSION_DELETE:
		model_done(m, mr_sessions_session_delete(c->sessions, m->name, &m->res, m->error,
							 sizeof(m->error)));
		break;
	case MR_CTL_OP_DEST_ADD:
	case MR_CTL_OP_DEST_DELETE:
		model_done(m, mr_sessions_dest(c->sessions, m->name, m->dest,
					       m->op == MR_CTL_OP_DEST_ADD, &m->res, m->error,
					       sizeof(m->error)));
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

/* The limits of QUIC endpoint q as a reply dict. */
static void
quic_limits_reply(struct rte_tel_data *d, const struct mr_relay *r, uint16_t q)
{
	struct mr_relay_quic_limits l;

	if (mr_relay_quic_limits(r, q, &l) != 0)
		return;
	rte_tel_data_add_dict_u64(d, "max_conns", l.max_conns);
	rte_tel_data_add_dict_u64(d, "max_conns_cap", l.max_conns_cap);
	if (l.retry_above == UINT32_MAX)
		rte_tel_data_add_dict_string(d, "retry_above", "never");
	else
		rte_tel_data_add_dict_u64(d, "retry_above", l.retry_above);
	rte_tel_data_add_dict_u64(d, "handshakes_per_poll", l.handshakes_per_poll);
}

/*
 * quic_set: an endpoint's admission limits at run time. They are single
 * words the workers load at each new connection, so the telemetry
 * thread (the one writer, under the control lock) stores them itself.
 */
static int
cmd_quic_set(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const keys[] = {
		"name", "max_conns", "retry_above", "handshakes_per_poll", NULL
	};
	char err[MR_CTL_ERR_LEN];
	struct mr_relay_quic_limits l;
	struct mr_ctl_kv kv;
	const char *name, *v;
	struct mr_ctl *c;
	uint32_t u;
	int q;

	RTE_SET_USED(cmd);
	if (mr_ctl_kv_parse(params, &kv, err, sizeof(err)) != 0 ||
	    mr_ctl_kv_check(&kv, keys, err, sizeof(err)) != 0)
		return req_error(d, err);
	name = mr_ctl_kv_get(&kv, "name");
	if (name == NULL)
		return mr_ctl_error(d, "name: missing (a [quic.NAME] endpoint)");
	if (kv.n < 2)
		return mr_ctl_error(d, "quic_set: give at least one of max_conns, retry_above, "
				    "handshakes_per_poll");
	mr_ctl_lock();
	c = mr_ctl_cur;
	if (c == NULL || __atomic_load_n(&c->closing, __ATOMIC_ACQUIRE) != 0) {
		mr_ctl_error(d, "the relay is not running (starting or shutting down)");
		goto out;
	}
	q = mr_relay_quic_find(c->relay, name);
	if (q < 0 || mr_relay_quic_limits(c->relay, (uint16_t)q, &l) != 0) {
		mr_ctl_error(d, "name: no QUIC endpoint %s", name);
		goto out;
	}
	v = mr_ctl_kv_get(&kv, "max_conns");
	if (v != NULL && mr_ctl_parse_u32(v, 0, l.max_conns_cap, &l.max_conns) != 0) {
		mr_ctl_error(d, "max_conns: '%s' is not 0..%u (0: take no new connection)",
			     v, l.max_conns_cap);
		goto out;
	}
	v = mr_ctl_kv_get(&kv, "retry_above");
	if (v != NULL) {
		if (strcmp(v, "never") == 0) {
			l.retry_above = UINT32_MAX;
		} else if (mr_ctl_parse_u32(v, 0, 65536, &l.retry_above) != 0) {
			mr_ctl_error(d, "retry_above: '%s' is not 0..65536 or never", v);
			goto out;
		}
	}
	v = mr_ctl_kv_get(&kv, "handshakes_per_poll");
	if (v != NULL) {
		if (mr_ctl_parse_u32(v, 1, MR_RELAY_QUIC_HS_PER_POLL_MAX, &u) != 0) {
			mr_ctl_error(d, "handshakes_per_poll: '%s' is not 1..%u", v,
				     MR_RELAY_QUIC_HS_PER_POLL_MAX);
			goto out;
		}
		l.handshakes_per_poll = (uint16_t)u;
	}
	if (mr_relay_quic_limits_set(c->relay, (uint16_t)q, &l) != 0) {
		mr_ctl_error(d, "internal: limits refused");
		goto out;
	}
	rte_log(RTE_LOG_NOTICE, mr_ctl_logtype, "mr_ctl: quic %s: max_conns %u, retry_above %u, "
		"handshakes_per_poll %u\n", name, l.max_conns, l.retry_above,
		l.handshakes_per_poll);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "status", "ok");
	mr_ctl_reply_string(d, "endpoint", name);
	quic_limits_reply(d, c->relay, (uint16_t)q);
out:
	mr_ctl_unlock();
	return 0;
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
	return rte_telemetry_register_cmd("/mrelay/quic_set", cmd_quic_set,
					  "Change a QUIC endpoint's limits: name=,max_conns=N (0: drain),"
					  "retry_above=N|never,handshakes_per_poll=N");
}
