/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Read commands. They run on a telemetry thread, read single-writer
 * counters with relaxed loads, and read legs and streams as an RCU reader
 * (online only while building the reply), so nothing they look at is
 * freed under them. Lists are columns (one array per field, same order),
 * paged so a reply stays well under DPDK's 16 KiB.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "mr_build.h"
#include "mr_ctl_priv.h"
#include "mr_relay_quic.h"
#include "mr_relay_srtp.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* Columns of a list reply; the first add failure is remembered. */
struct cols {
	struct rte_tel_data *col[64];
	const char *name[64];
	unsigned int n;
	size_t bytes;      /* JSON size estimate of the rows so far */
	int rc;
};

static struct rte_tel_data *
col_new(struct cols *t, const char *name, enum rte_tel_value_type type)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL || t->n == RTE_DIM(t->col)) {
		rte_tel_data_free(d);
		t->rc = -ENOMEM;
		return NULL;
	}
	rte_tel_data_start_array(d, type);
	t->col[t->n] = d;
	t->name[t->n++] = name;
	t->bytes += strlen(name) + 6;
	return d;
}

static void
col_str(struct cols *t, struct rte_tel_data *d, const char *s)
{
	if (d != NULL && rte_tel_data_add_array_string(d, s) != 0)
		t->rc = -E2BIG;
	t->bytes += strlen(s) + 3;
}

static void
col_u64(struct cols *t, struct rte_tel_data *d, uint64_t v)
{
	if (d != NULL && rte_tel_data_add_array_u64(d, v) != 0)
		t->rc = -E2BIG;
	t->bytes += 21;
}

static void
col_int(struct cols *t, struct rte_tel_data *d, int v)
{
	if (d != NULL && rte_tel_data_add_array_int(d, v) != 0)
		t->rc = -E2BIG;
	t->bytes += 12;
}

/* Attach the columns to the reply dict (or free them after a failure). */
static void
cols_finish(struct cols *t, struct rte_tel_data *d)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		if (t->col[i] == NULL)
			continue;
		if (t->rc != 0 || rte_tel_data_add_dict_container(d, t->name[i], t->col[i], 0) != 0)
			rte_tel_data_free(t->col[i]);
	}
}

static struct mr_ctl *
ctl_get(struct rte_tel_data *d)
{
	struct mr_ctl *c = mr_ctl_cur;

	if (c == NULL || __atomic_load_n(&c->closing, __ATOMIC_ACQUIRE) != 0) {
		mr_ctl_error(d, "the relay is not running (starting or shutting down)");
		return NULL;
	}
	return c;
}

static const char *
lcore_role(const struct mr_ctl *c, unsigned int lcore)
{
	uint16_t k;

	if (lcore == c->main_lcore)
		return "main";
	for (k = 0; k < c->relay->n_workers; k++)
		if (c->relay->workers[k]->lcore_id == lcore)
			return "worker";
	for (k = 0; k < c->relay->n_tc; k++)
		if (c->relay->tc_tx[k]->lcore_id == lcore)
			return "transcoder";
	return "unused";
}

static int
read_info(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct mr_streams_table_stats ts;
	const struct mr_ctl_info *cf = &c->info;
	uint16_t port_min, port_max;
	struct rte_tel_data *wl;
	uint64_t up;
	uint16_t k;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "info takes no parameters");
	mr_sessions_rtp_range(c->sessions, &port_min, &port_max);
	up = (rte_rdtsc() - c->start_tsc) * 1000 / c->hz;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", MR_VERSION);
	rte_tel_data_add_dict_string(d, "build_id", MR_BUILD_ID);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)getpid());
	rte_tel_data_add_dict_u64(d, "uptime_s", up / 1000);
	rte_tel_data_add_dict_u64(d, "uptime_ms", up);
	rte_tel_data_add_dict_u64(d, "tsc_hz", c->hz);
	rte_tel_data_add_dict_int(d, "main_lcore", (int)c->main_lcore);
	rte_tel_data_add_dict_int(d, "workers", c->relay->n_workers);
	wl = rte_tel_data_alloc();
	if (wl != NULL) {
		rte_tel_data_start_array(wl, RTE_TEL_INT_VAL);
		for (k = 0; k < c->relay->n_workers; k++)
			rte_tel_data_add_array_int(wl, (int)c->relay->workers[k]->lcore_id);
		rte_tel_data_add_dict_container(d, "worker_lcores", wl, 0);
	}
	rte_tel_data_add_dict_int(d, "ports", c->relay->n_ports);
	rte_tel_data_add_dict_u64(d, "legs", __atomic_load_n(&c->n_legs, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "legs_max", c->streams->legs_max);
	rte_tel_data_add_dict_u64(d, "streams", mr_streams_count(c->streams));
	rte_tel_data_add_dict_u64(d, "streams_max", c->streams->streams_max);
	mr_streams_table_stats(c->streams, &ts);
	rte_tel_data_add_dict_u64(d, "stream_table_buckets", ts.buckets);
	rte_tel_data_add_dict_u64(d, "stream_table_moves", ts.moves);
	rte_tel_data_add_dict_u64(d, "stream_table_full", ts.full);
	rte_tel_data_add_dict_u64(d, "leg_calls_timed_out",
				  __atomic_load_n(&c->streams->call_timeouts, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_int(d, "rtp_port_min", port_min);
	rte_tel_data_add_dict_int(d, "rtp_port_max", port_max);
	rte_tel_data_add_dict_int(d, "burst", c->relay->burst);
	rte_tel_data_add_dict_u64(d, "mbufs", cf->mbufs);
	rte_tel_data_add_dict_u64(d, "stream_idle_ms", cf->stream_idle_ms);
	rte_tel_data_add_dict_u64(d, "tx_drain_us", cf->tx_drain_us);
	rte_tel_data_add_dict_u64(d, "leg_streams_max", cf->leg_streams_max);
	rte_tel_data_add_dict_u64(d, "leg_new_streams_per_s", cf->leg_new_streams_per_s);
	rte_tel_data_add_dict_u64(d, "stats_interval_ms", cf->stats_interval_ms);
	return 0;
}

#define LCORE_FIELDS(X) \
	X(rx_pkts) X(tx_pkts) X(rx_bursts) X(rtp_pkts) X(rtcp_pkts) X(fwd_clones) \
	X(learn_reqs) X(busy_polls) X(idle_polls) X(busy_cycles) X(idle_cycles)

static int
read_lcores(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct cols t = {0};
	struct rte_tel_data *lc, *role, *drops, *busy, *busy_bp, *busy_avg;
#define DECL_(f) struct rte_tel_data *f;
	LCORE_FIELDS(DECL_)
#undef DECL_
	unsigned int l, r;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "lcores takes no parameters");
	rte_tel_data_start_dict(d);
	lc = col_new(&t, "lcore", RTE_TEL_INT_VAL);
	role = col_new(&t, "role", RTE_TEL_STRING_VAL);
#define NEW_(f) f = col_new(&t, #f, RTE_TEL_U64_VAL);
	LCORE_FIELDS(NEW_)
#undef NEW_
	drops = col_new(&t, "drops", RTE_TEL_U64_VAL);
	busy = col_new(&t, "busy_pct", RTE_TEL_INT_VAL);
	busy_bp = col_new(&t, "busy_bp", RTE_TEL_INT_VAL);
	busy_avg = col_new(&t, "busy_pct_avg", RTE_TEL_INT_VAL);
	RTE_LCORE_FOREACH(l) {
		const struct mr_lcore_counters *k = &mr_counters[l];
		uint64_t dsum = 0, b, i;
		uint32_t share = __atomic_load_n(&c->busy_recent[l], __ATOMIC_RELAXED);

		col_int(&t, lc, (int)l);
		col_str(&t, role, lcore_role(c, l));
#define ADD_(f) col_u64(&t, f, mr_ctl_counter(c, l, &k->f));
		LCORE_FIELDS(ADD_)
#undef ADD_
		for (r = MR_DROP_NONE + 1; r < mr_drop_reason_end(); r++)
			dsum += mr_ctl_counter(c, l, &k->drops[r]);
		col_u64(&t, drops, dsum);
		col_int(&t, busy, (int)((share + 50) / 100));
		col_int(&t, busy_bp, (int)share);
		b = mr_ctl_counter(c, l, &k->busy_cycles);
		i = mr_ctl_counter(c, l, &k->idle_cycles);
		col_int(&t, busy_avg, b + i == 0 ? 0 : (int)((b * 100 + (b + i) / 2) / (b + i)));
	}
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

static int
read_ports(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct cols t = {0};
	struct rte_tel_data *id, *drv, *up, *speed, *ip, *op, *ib, *ob, *im, *ie, *oe, *nomb;
	struct rte_tel_data *paused, *pauses;
	uint16_t k;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "ports takes no parameters");
	rte_tel_data_start_dict(d);
	id = col_new(&t, "port", RTE_TEL_INT_VAL);
	drv = col_new(&t, "driver", RTE_TEL_STRING_VAL);
	up = col_new(&t, "link_up", RTE_TEL_INT_VAL);
	speed = col_new(&t, "link_speed_mbps", RTE_TEL_U64_VAL);
	ip = col_new(&t, "ipackets", RTE_TEL_U64_VAL);
	op = col_new(&t, "opackets", RTE_TEL_U64_VAL);
	ib = col_new(&t, "ibytes", RTE_TEL_U64_VAL);
	ob = col_new(&t, "obytes", RTE_TEL_U64_VAL);
	im = col_new(&t, "imissed", RTE_TEL_U64_VAL);
	ie = col_new(&t, "ierrors", RTE_TEL_U64_VAL);
	oe = col_new(&t, "oerrors", RTE_TEL_U64_VAL);
	nomb = col_new(&t, "rx_nombuf", RTE_TEL_U64_VAL);
	paused = col_new(&t, "paused", RTE_TEL_INT_VAL);
	pauses = col_new(&t, "pauses", RTE_TEL_U64_VAL);
	for (k = 0; k < c->relay->n_ports; k++) {
		uint16_t p = c->relay->ports[k];
		struct rte_eth_stats st;
		struct rte_eth_link link;
		struct rte_eth_dev_info info;

		memset(&st, 0, sizeof(st));
		memset(&link, 0, sizeof(link));
		rte_eth_stats_get(p, &st);
		rte_eth_link_get_nowait(p, &link);
		col_int(&t, id, p);
		col_str(&t, drv, rte_eth_dev_info_get(p, &info) == 0 ? info.driver_name : "?");
		col_int(&t, up, link.link_status);
		col_u64(&t, speed, link.link_speed);
		col_u64(&t, ip, st.ipackets);
		col_u64(&t, op, st.opackets);
		col_u64(&t, ib, st.ibytes);
		col_u64(&t, ob, st.obytes);
		col_u64(&t, im, st.imissed);
		col_u64(&t, ie, st.ierrors);
		col_u64(&t, oe, st.oerrors);
		col_u64(&t, nomb, st.rx_nombuf);
		col_int(&t, paused, mr_relay_port_paused(c->relay, p));
		col_u64(&t, pauses, c->relay->pauses[p]);
	}
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

static int
read_drops(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	static char keys[RTE_MAX_LCORE][16];
	struct rte_tel_data *names;
	uint64_t tot[MR_DROP_CAPACITY] = {0}, all = 0;
	mr_drop_reason_t r, end = mr_drop_reason_end();
	unsigned int l;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "drops takes no parameters");
	rte_tel_data_start_dict(d);
	names = rte_tel_data_alloc();
	if (names == NULL) {
		mr_ctl_error(d, "internal: out of memory");
		return 0;
	}
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	/* the registered reasons (/mrelay/drop_reasons), in id order */
	for (r = MR_DROP_NONE + 1; r < end; r++)
		if (mr_drop_reason_info(r) != NULL)
			rte_tel_data_add_array_string(names, mr_drop_reason_name(r));
	/* per lcore: one array in the order of "reasons" */
	RTE_LCORE_FOREACH(l) {
		struct rte_tel_data *a = rte_tel_data_alloc();

		if (a == NULL)
			continue;
		rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
		for (r = MR_DROP_NONE + 1; r < end; r++) {
			uint64_t v;

			if (mr_drop_reason_info(r) == NULL)
				continue;
			v = mr_ctl_counter(c, l, &mr_counters[l].drops[r]);
			tot[r] += v;
			rte_tel_data_add_array_u64(a, v);
		}
		snprintf(keys[l], sizeof(keys[l]), "lcore_%u", l);
		if (rte_tel_data_add_dict_container(d, keys[l], a, 0) != 0)
			rte_tel_data_free(a);
	}
	for (r = MR_DROP_NONE + 1; r < end; r++) {
		if (mr_drop_reason_info(r) == NULL)
			continue;
		rte_tel_data_add_dict_u64(d, mr_drop_reason_name(r), tot[r]);
		all += tot[r];
	}
	rte_tel_data_add_dict_u64(d, "total", all);
	rte_tel_data_add_dict_container(d, "reasons", names, 0);
	return 0;
}

static int
read_mempools(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct cols t = {0};
	struct rte_tel_data *name, *size, *use, *avail, *pct;
	struct rte_mempool *pools[MR_CTL_MAX_POOLS + 1];
	unsigned int i, n;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "mempools takes no parameters");
	memcpy(pools, c->pools, sizeof(pools[0]) * c->n_pools);
	n = c->n_pools;
	pools[n++] = c->streams->stream_pool;
	rte_tel_data_start_dict(d);
	name = col_new(&t, "name", RTE_TEL_STRING_VAL);
	size = col_new(&t, "size", RTE_TEL_U64_VAL);
	use = col_new(&t, "in_use", RTE_TEL_U64_VAL);
	avail = col_new(&t, "avail", RTE_TEL_U64_VAL);
	pct = col_new(&t, "in_use_pct", RTE_TEL_INT_VAL);
	for (i = 0; i < n; i++) {
		unsigned int u;

		if (pools[i] == NULL)
			continue;
		u = rte_mempool_in_use_count(pools[i]);
		col_str(&t, name, pools[i]->name);
		col_u64(&t, size, pools[i]->size);
		col_u64(&t, use, u);
		col_u64(&t, avail, rte_mempool_avail_count(pools[i]));
		col_int(&t, pct, pools[i]->size == 0 ? 0 :
			(int)((uint64_t)u * 100 / pools[i]->size));
	}
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

/* start= and count= of a paged list. */
static int
page_params(const char *params, uint32_t *start, uint32_t *count, char *err, size_t errlen)
{
	static const char *const keys[] = {"start", "count", NULL};
	struct mr_ctl_kv kv;
	const char *v;

	*start = 0;
	*count = PAGE_DEFAULT;
	if (mr_ctl_kv_parse(params, &kv, err, errlen) != 0 ||
	    mr_ctl_kv_check(&kv, keys, err, errlen) != 0)
		return -EINVAL;
	v = mr_ctl_kv_get(&kv, "start");
	if (v != NULL && mr_ctl_parse_u32(v, 0, UINT32_MAX, start) != 0) {
		snprintf(err, errlen, "start: '%s' is not a number 0..4294967295 (the next of the previous page)",
			 v);
		return -EINVAL;
	}
	v = mr_ctl_kv_get(&kv, "count");
	if (v != NULL && mr_ctl_parse_u32(v, 1, PAGE_MAX, count) != 0) {
		snprintf(err, errlen, "count: '%s' is not a number 1..%u", v, PAGE_MAX);
		return -EINVAL;
	}
	return 0;
}

static void
leg_remote(const struct mr_leg *snap, const struct mr_ctl_meta *m, char *buf, size_t len)
{
	if (snap != NULL && snap->has_remote)
		mr_endpoint_format(&snap->remote, buf, len);
	else
		snprintf(buf, len, "%s", m->def.latch ? "latch" : "-");
}

static void
join_forward(const struct mr_ctl_meta *m, char *buf, size_t len)
{
	size_t off = 0;
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < m->def.n_fwd; i++) {
		size_t need = strlen(m->fwd_names[i]) + (i ? 1 : 0);

		if (off + need + 8 >= len) {
			snprintf(buf + off, len - off, " +%u", m->def.n_fwd - i);
			return;
		}
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "", m->fwd_names[i]);
	}
}

static int
read_legs(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *name, *sess, *local, *remote, *port, *fwd, *ndest, *idx;
	struct rte_tel_data *nstreams, *smax, *owner, *ldrop[MR_LEG_DROP__MAX];
	struct rte_tel_data *cin, *cout;
	char err[MR_CTL_ERR_LEN], buf[RTE_TEL_MAX_STRING_LEN];
	uint32_t start, count, i, rows = 0;
	unsigned int k;
	struct cols t = {0};
	int64_t next = -1;

	if (page_params(params, &start, &count, err, sizeof(err)) != 0)
		return mr_ctl_error(d, "%s", err);
	rte_tel_data_start_dict(d);
	name = col_new(&t, "name", RTE_TEL_STRING_VAL);
	sess = col_new(&t, "session", RTE_TEL_STRING_VAL);
	local = col_new(&t, "local", RTE_TEL_STRING_VAL);
	remote = col_new(&t, "remote", RTE_TEL_STRING_VAL);
	port = col_new(&t, "port", RTE_TEL_INT_VAL);
	fwd = col_new(&t, "forward", RTE_TEL_STRING_VAL);
	ndest = col_new(&t, "dests", RTE_TEL_INT_VAL);
	idx = col_new(&t, "idx", RTE_TEL_INT_VAL);
	nstreams = col_new(&t, "streams", RTE_TEL_U64_VAL);
	smax = col_new(&t, "streams_max", RTE_TEL_U64_VAL);
	owner = col_new(&t, "lcore", RTE_TEL_INT_VAL);
	cin = col_new(&t, "crypto_in", RTE_TEL_STRING_VAL);
	cout = col_new(&t, "crypto_out", RTE_TEL_STRING_VAL);
	for (k = 0; k < MR_LEG_DROP__MAX; k++)
		ldrop[k] = col_new(&t, mr_leg_drop_name(k), RTE_TEL_U64_VAL);
	rte_rcu_qsbr_thread_online(c->streams->qsbr, MR_CTL_RCU_ID);
	for (i = start; i < c->streams->legs_max; i++) {
		const struct mr_leg_rt *rt = &c->streams->rt[i];
		uint16_t o;
		const struct mr_ctl_meta *m = __atomic_load_n(&c->meta[i], __ATOMIC_ACQUIRE);
		const struct mr_leg *snap;

		if (m == NULL)
			continue;
		if (rows == count || t.bytes > MR_CTL_REPLY_BUDGET) {
			next = i;
			break;
		}
		snap = mr_streams_leg(c->streams, i);
		col_str(&t, name, m->def.name);
		col_str(&t, sess, m->def.session);
		col_str(&t, local, mr_endpoint_format(&m->def.local, buf, sizeof(buf)));
		leg_remote(snap, m, buf, sizeof(buf));
		col_str(&t, remote, buf);
		col_int(&t, port, m->def.port_id);
		join_forward(m, buf, sizeof(buf));
		col_str(&t, fwd, buf);
		col_int(&t, ndest, snap != NULL ? snap->n_dests : 0);
		col_int(&t, idx, (int)i);
		/* the owner's figures, read relaxed: a moment's view */
		col_u64(&t, nstreams, __atomic_load_n(&rt->n_streams, __ATOMIC_RELAXED));
		col_u64(&t, smax, snap != NULL ? snap->streams_max : 0);
		o = __atomic_load_n(&rt->owner, __ATOMIC_RELAXED);
		col_int(&t, owner, o < RTE_MAX_LCORE ? (int)o : -1);
		/* keys by suite and fingerprint only */
		col_str(&t, cin, mr_relay_srtp_describe(&m->def, false, buf, sizeof(buf)));
		col_str(&t, cout, mr_relay_srtp_describe(&m->def, true, buf, sizeof(buf)));
		for (k = 0; k < MR_LEG_DROP__MAX; k++)
			col_u64(&t, ldrop[k], __atomic_load_n(&rt->drops[k], __ATOMIC_RELAXED));
		rows++;
	}
	rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
	rte_tel_data_add_dict_u64(d, "total", __atomic_load_n(&c->n_legs, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "start", start);
	rte_tel_data_add_dict_u64(d, "count", rows);
	rte_tel_data_add_dict_int(d, "next", (int)next);
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

/* Destinations of a leg snapshot as "leg remote" strings. */
static struct rte_tel_data *
dest_list(const struct mr_ctl *c, const struct mr_leg *snap)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	char buf[RTE_TEL_MAX_STRING_LEN], ep[MR_ENDPOINT_STRLEN];
	uint8_t i;

	if (a == NULL)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (i = 0; snap != NULL && i < snap->n_dests; i++) {
		const struct mr_dest *ds = &snap->dests[i];
		const struct mr_ctl_meta *m = __atomic_load_n(&c->meta[ds->leg_idx],
							      __ATOMIC_ACQUIRE);
		const struct mr_leg *t = mr_streams_leg(c->streams, ds->leg_idx);

		if (t != NULL && t->has_remote)
			mr_endpoint_format(&t->remote, ep, sizeof(ep));
		else
			snprintf(ep, sizeof(ep), "-");
		snprintf(buf, sizeof(buf), "%s %s", m != NULL ? m->def.name : "?", ep);
		rte_tel_data_add_array_string(a, buf);
	}
	return a;
}

static int
read_leg(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	char err[MR_CTL_ERR_LEN], buf[MR_ENDPOINT_STRLEN];
	const struct mr_ctl_meta *m = NULL;
	struct rte_tel_data *fwd, *dests;
	const char *want = NULL;
	struct mr_ctl_kv kv;
	uint32_t i;
	uint16_t k;

	if (mr_ctl_kv_parse(params, &kv, err, sizeof(err)) != 0)
		return mr_ctl_error(d, "%s", err);
	if (kv.n == 1 && (kv.key[0] == NULL || strcmp(kv.key[0], "name") == 0))
		want = kv.val[0];
	if (want == NULL || !mr_session_name_valid(want))
		return mr_ctl_error(d, "name: give one leg name ([A-Za-z0-9_.-], 1..%u chars): /mrelay/leg,NAME",
				    MR_STREAM_NAME_LEN - 1);
	rte_rcu_qsbr_thread_online(c->streams->qsbr, MR_CTL_RCU_ID);
	/* the model's index; the slot is checked, as it may have been reused since */
	i = c->streams->legs_max;
	{
		int32_t idx = mr_sessions_leg_find(c->sessions, want);

		m = idx < 0 ? NULL : __atomic_load_n(&c->meta[idx], __ATOMIC_ACQUIRE);
		if (m != NULL && strcmp(m->def.name, want) == 0)
			i = (uint32_t)idx;
	}
	if (i == c->streams->legs_max) {
		rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
		mr_ctl_error(d, "name: no leg named %s", want);
		return 0;
	}
	{
		const struct mr_leg *snap = mr_streams_leg(c->streams, i);

		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "name", m->def.name);
		rte_tel_data_add_dict_string(d, "session", m->def.session);
		rte_tel_data_add_dict_int(d, "idx", (int)i);
		rte_tel_data_add_dict_string(d, "origin", mr_leg_origin_name(m->origin));
		rte_tel_data_add_dict_int(d, "port", m->def.port_id);
		rte_tel_data_add_dict_string(d, "local",
					     mr_endpoint_format(&m->def.local, buf, sizeof(buf)));
		leg_remote(snap, m, buf, sizeof(buf));
		rte_tel_data_add_dict_string(d, "remote", buf);
		rte_tel_data_add_dict_int(d, "latch", m->def.latch);
		rte_tel_data_add_dict_int(d, "latched", m->def.latch && snap != NULL &&
					  snap->has_remote);
		rte_tel_data_add_dict_u64(d, "ssrc_out", m->def.ssrc_out);
		rte_tel_data_add_dict_u64(d, "seq_offset", m->def.seq_offset);
		rte_tel_data_add_dict_u64(d, "ts_offset", m->def.ts_offset);
		rte_tel_data_add_dict_u64(d, "clock_rate", m->def.clock_rate);
		rte_tel_data_add_dict_string(d, "transcode",
					     mr_sessions_profile_name(c->sessions, m->def.tc_profile));
		{
			char kb[64];

			rte_tel_data_add_dict_string(d, "crypto_in",
				mr_relay_srtp_describe(&m->def, false, kb, sizeof(kb)));
			rte_tel_data_add_dict_string(d, "crypto_out",
				mr_relay_srtp_describe(&m->def, true, kb, sizeof(kb)));
		}
		fwd = rte_tel_data_alloc();
		if (fwd != NULL) {
			rte_tel_data_start_array(fwd, RTE_TEL_STRING_VAL);
			for (k = 0; k < m->def.n_fwd; k++)
				rte_tel_data_add_array_string(fwd, m->fwd_names[k]);
			rte_tel_data_add_dict_container(d, "forward", fwd, 0);
		}
		dests = dest_list(c, snap);
		if (dests != NULL)
			rte_tel_data_add_dict_container(d, "destinations", dests, 0);
		rte_tel_data_add_dict_int(d, "unsendable", snap != NULL ? snap->n_unsendable : 0);
	}
	rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
	return 0;
}

static int
read_streams(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *local, *ssrc, *leg, *lcore, *pkts, *lost, *jit;
	char err[MR_CTL_ERR_LEN], buf[MR_ENDPOINT_STRLEN];
	uint32_t start, count, pos, rows = 0;
	struct cols t = {0};
	int64_t next = -1;

	if (page_params(params, &start, &count, err, sizeof(err)) != 0)
		return mr_ctl_error(d, "%s", err);
	rte_tel_data_start_dict(d);
	local = col_new(&t, "local", RTE_TEL_STRING_VAL);
	ssrc = col_new(&t, "ssrc", RTE_TEL_U64_VAL);
	leg = col_new(&t, "leg", RTE_TEL_STRING_VAL);
	lcore = col_new(&t, "lcore", RTE_TEL_INT_VAL);
	pkts = col_new(&t, "pkts", RTE_TEL_U64_VAL);
	lost = col_new(&t, "lost", RTE_TEL_INT_VAL);
	jit = col_new(&t, "jitter", RTE_TEL_U64_VAL);
	pos = start;
	rte_rcu_qsbr_thread_online(c->streams->qsbr, MR_CTL_RCU_ID);
	for (;;) {
		uint32_t here = pos;
		const struct mr_stream *st = mr_streams_next(c->streams, &pos);
		const struct mr_ctl_meta *m;
		int64_t l;

		if (st == NULL)
			break;
		if (rows == count || t.bytes > MR_CTL_REPLY_BUDGET) {
			next = here;
			break;
		}
		m = __atomic_load_n(&c->meta[st->leg_idx], __ATOMIC_ACQUIRE);
		col_str(&t, local, mr_endpoint_format(&st->key.local, buf, sizeof(buf)));
		col_u64(&t, ssrc, st->key.ssrc);
		col_str(&t, leg, m != NULL ? m->def.name : "-");
		col_int(&t, lcore, st->owner_lcore);
		col_u64(&t, pkts, __atomic_load_n(&st->pkts, __ATOMIC_RELAXED));
		l = st->started ? mr_seq_lost(&st->seq) : 0;
		col_int(&t, lost, (int)RTE_MAX(RTE_MIN(l, (int64_t)INT32_MAX), (int64_t)INT32_MIN));
		col_u64(&t, jit, mr_jitter_get(&st->jitter));
		rows++;
	}
	rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
	rte_tel_data_add_dict_u64(d, "total", mr_streams_count(c->streams));
	rte_tel_data_add_dict_u64(d, "start", start);
	rte_tel_data_add_dict_u64(d, "count", rows);
	rte_tel_data_add_dict_int(d, "next", (int)next);
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

static int
read_stream(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	const char *ls = NULL, *ss = NULL;
	char err[MR_CTL_ERR_LEN], buf[MR_ENDPOINT_STRLEN];
	struct mr_stream_key key;
	struct mr_ctl_kv kv;
	uint32_t ssrc;
	unsigned int i;

	if (mr_ctl_kv_parse(params, &kv, err, sizeof(err)) != 0)
		return mr_ctl_error(d, "%s", err);
	for (i = 0; i < kv.n; i++) {
		if (kv.key[i] == NULL && i == 0)
			ls = kv.val[i];
		else if (kv.key[i] == NULL && i == 1)
			ss = kv.val[i];
		else if (kv.key[i] != NULL && strcmp(kv.key[i], "local") == 0)
			ls = kv.val[i];
		else if (kv.key[i] != NULL && strcmp(kv.key[i], "ssrc") == 0)
			ss = kv.val[i];
		else
			return mr_ctl_error(d, "'%s': usage /mrelay/stream,<local addr:port>,<ssrc>",
					    kv.key[i] != NULL ? kv.key[i] : kv.val[i]);
	}
	if (ls == NULL || ss == NULL)
		return mr_ctl_error(d, "usage: /mrelay/stream,<local addr:port>,<ssrc> (both needed)");
	memset(&key, 0, sizeof(key));
	if (mr_endpoint_parse(ls, &key.local) != 0)
		return mr_ctl_error(d, "local: '%s' is not an endpoint (a.b.c.d:port or [v6]:port)", ls);
	if (mr_ctl_parse_u32(ss, 0, UINT32_MAX, &ssrc) != 0)
		return mr_ctl_error(d, "ssrc: '%s' is not a decimal number 0..4294967295", ss);
	key.ssrc = ssrc;
	rte_rcu_qsbr_thread_online(c->streams->qsbr, MR_CTL_RCU_ID);
	{
		const struct mr_stream *st = mr_streams_find(c->streams, &key);
		const struct mr_ctl_meta *m;
		const struct mr_leg *snap;
		struct rte_tel_data *dests;
		uint64_t last, now = rte_rdtsc();

		if (st == NULL) {
			rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
			mr_ctl_error(d, "no stream %s ssrc %u", ls, ssrc);
			return 0;
		}
		m = __atomic_load_n(&c->meta[st->leg_idx], __ATOMIC_ACQUIRE);
		snap = mr_streams_leg(c->streams, st->leg_idx);
		last = __atomic_load_n(&st->last_tsc, __ATOMIC_RELAXED);
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "local",
					     mr_endpoint_format(&st->key.local, buf, sizeof(buf)));
		rte_tel_data_add_dict_u64(d, "ssrc", st->key.ssrc);
		rte_tel_data_add_dict_string(d, "leg", m != NULL ? m->def.name : "-");
		rte_tel_data_add_dict_string(d, "session", m != NULL ? m->def.session : "-");
		rte_tel_data_add_dict_int(d, "lcore", st->owner_lcore);
		rte_tel_data_add_dict_int(d, "started", st->started);
		rte_tel_data_add_dict_u64(d, "ext_seq", st->started ? mr_seq_ext_max(&st->seq) : 0);
		rte_tel_data_add_dict_u64(d, "received", st->seq.received);
		rte_tel_data_add_dict_u64(d, "expected", st->started ? mr_seq_expected(&st->seq) : 0);
		rte_tel_data_add_dict_int(d, "lost", st->started ? (int)mr_seq_lost(&st->seq) : 0);
		rte_tel_data_add_dict_u64(d, "duplicates", st->seq.duplicates);
		rte_tel_data_add_dict_u64(d, "late", st->seq.late);
		rte_tel_data_add_dict_u64(d, "restarts", st->seq.restarts);
		rte_tel_data_add_dict_u64(d, "jitter", mr_jitter_get(&st->jitter));
		rte_tel_data_add_dict_u64(d, "jitter_us", m != NULL && m->def.clock_rate != 0 ?
					  (uint64_t)mr_jitter_get(&st->jitter) * 1000000 /
					  m->def.clock_rate : 0);
		rte_tel_data_add_dict_u64(d, "pkts", st->pkts);
		rte_tel_data_add_dict_u64(d, "bytes", st->bytes);
		rte_tel_data_add_dict_u64(d, "rtcp_pkts", st->rtcp_pkts);
		/* what the peer's RTCP reports say of this stream */
		if (st->has_sr)
			rte_tel_data_add_dict_u64(d, "sr_lsr", st->sr_lsr);
		if (st->has_rr) {
			rte_tel_data_add_dict_u64(d, "rr_fraction_lost", st->rr_fraction_lost);
			rte_tel_data_add_dict_int(d, "rr_cum_lost", st->rr_cum_lost);
			rte_tel_data_add_dict_u64(d, "rr_jitter", st->rr_jitter);
		}
		rte_tel_data_add_dict_u64(d, "last_pt", st->last_pt);
		{
			struct mr_relay_srtp_stream_stats ss;
			int r;

			/* SRTP failures of this stream's packets, by result (srtp_auth, ...) */
			if (mr_relay_srtp_stream_stats(st, &ss)) {
				for (r = MR_SRTP_AUTH; r < MR_SRTP__MAX; r++) {
					char name[32];

					snprintf(name, sizeof(name), "srtp_%s",
						 mr_relay_srtp_result_name(r));
					rte_tel_data_add_dict_u64(d, name, ss.drops[r]);
				}
				rte_tel_data_add_dict_u64(d, "srtp_out_contexts", ss.n_out);
			}
		}
		rte_tel_data_add_dict_u64(d, "idle_ms", now > last ? (now - last) * 1000 / c->hz : 0);
		if (snap != NULL && snap->has_remote)
			mr_endpoint_format(&snap->remote, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", m != NULL && m->def.latch ?
				 "latch (not latched yet)" : "-");
		rte_tel_data_add_dict_string(d, "source", buf);
		dests = dest_list(c, snap);
		if (dests != NULL)
			rte_tel_data_add_dict_container(d, "destinations", dests, 0);
	}
	rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
	return 0;
}

static int
read_profiles(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *name, *in, *in_pt, *out, *out_pt, *chans, *ptime, *bitrate, *rate;
	struct rte_tel_data *cplx, *fec, *dtx, *loss, *reorder, *plc, *ssrc, *legs;
	const struct mr_ctl_profiles *pr;
	struct cols t = {0};
	uint32_t nlegs[MR_RELAY_MAX_PROFILES] = {0};
	uint32_t i;
	uint16_t k;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "profiles takes no parameters");
	rte_tel_data_start_dict(d);
	name = col_new(&t, "name", RTE_TEL_STRING_VAL);
	in = col_new(&t, "in", RTE_TEL_STRING_VAL);
	in_pt = col_new(&t, "in_pt", RTE_TEL_INT_VAL);
	out = col_new(&t, "out", RTE_TEL_STRING_VAL);
	out_pt = col_new(&t, "out_pt", RTE_TEL_INT_VAL);
	chans = col_new(&t, "channels", RTE_TEL_INT_VAL);
	ptime = col_new(&t, "ptime", RTE_TEL_INT_VAL);
	bitrate = col_new(&t, "bitrate", RTE_TEL_U64_VAL);
	rate = col_new(&t, "rate", RTE_TEL_U64_VAL);
	cplx = col_new(&t, "complexity", RTE_TEL_INT_VAL);
	fec = col_new(&t, "fec", RTE_TEL_INT_VAL);
	dtx = col_new(&t, "dtx", RTE_TEL_INT_VAL);
	loss = col_new(&t, "loss_perc", RTE_TEL_INT_VAL);
	reorder = col_new(&t, "reorder", RTE_TEL_INT_VAL);
	plc = col_new(&t, "plc_only", RTE_TEL_INT_VAL);
	ssrc = col_new(&t, "out_ssrc", RTE_TEL_U64_VAL);
	legs = col_new(&t, "legs", RTE_TEL_U64_VAL);
	rte_rcu_qsbr_thread_online(c->streams->qsbr, MR_CTL_RCU_ID);
	for (i = 0; i < c->streams->legs_max; i++) {
		const struct mr_ctl_meta *m = __atomic_load_n(&c->meta[i], __ATOMIC_ACQUIRE);

		if (m != NULL && m->def.tc_profile != 0 &&
		    m->def.tc_profile <= MR_RELAY_MAX_PROFILES)
			nlegs[m->def.tc_profile - 1]++;
	}
	pr = __atomic_load_n(&c->profiles, __ATOMIC_ACQUIRE);
	for (k = 0; pr != NULL && k < pr->n; k++) {
		const struct mr_tc_profile *p = &pr->p[k];

		col_str(&t, name, mr_sessions_profile_name(c->sessions, k + 1));
		col_str(&t, in, mr_tc_codec_name(p->in_codec));
		col_int(&t, in_pt, p->in_pt);
		col_str(&t, out, mr_tc_codec_name(p->out_codec));
		col_int(&t, out_pt, p->out_pt);
		col_int(&t, chans, p->out_channels);
		col_int(&t, ptime, p->ptime_ms);
		col_u64(&t, bitrate, p->bitrate);
		col_u64(&t, rate, p->rate);
		col_int(&t, cplx, p->complexity);
		col_int(&t, fec, p->fec);
		col_int(&t, dtx, p->dtx);
		col_int(&t, loss, p->loss_perc);
		col_int(&t, reorder, p->reorder);
		col_int(&t, plc, p->plc_only);
		col_u64(&t, ssrc, p->out_ssrc);
		col_u64(&t, legs, nlegs[k]);
	}
	rte_rcu_qsbr_thread_offline(c->streams->qsbr, MR_CTL_RCU_ID);
	rte_tel_data_add_dict_int(d, "transcoders", c->relay->n_tc);
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

/* Transcoder counters, one column each (see struct mr_tc_stats). */
#define TC_FIELDS(X) \
	X(frames_in) X(frames_decoded) X(frames_out) X(concealed) X(fec_recovered) \
	X(late) X(stale) X(bad_pt) X(bad_rtp) X(ring_full) X(decode_errors) \
	X(encode_errors) X(dtx_frames) X(resyncs) X(no_mbuf) X(creates) X(destroys) \
	X(ctl_msgs) X(ring_max)

static int
read_transcoders(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lc, *ring, *ready, *running, *resets[MR_TC_RESET__MAX];
	static char reset_keys[MR_TC_RESET__MAX][32];
#define DECL_(f) struct rte_tel_data *f;
	TC_FIELDS(DECL_)
#undef DECL_
	struct cols t = {0};
	unsigned int r;
	uint16_t k;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "transcoders takes no parameters");
	rte_tel_data_start_dict(d);
	lc = col_new(&t, "lcore", RTE_TEL_INT_VAL);
#define NEW_(f) f = col_new(&t, #f, RTE_TEL_U64_VAL);
	TC_FIELDS(NEW_)
#undef NEW_
	for (r = 0; r < MR_TC_RESET__MAX; r++) {
		snprintf(reset_keys[r], sizeof(reset_keys[r]), "resets_%s",
			 mr_tc_reset_name((enum mr_tc_reset_reason)r));
		resets[r] = col_new(&t, reset_keys[r], RTE_TEL_U64_VAL);
	}
	ready = col_new(&t, "channels_ready", RTE_TEL_U64_VAL);
	running = col_new(&t, "channels_running", RTE_TEL_U64_VAL);
	ring = col_new(&t, "ring_count", RTE_TEL_U64_VAL);
	for (k = 0; k < c->relay->n_tc; k++) {
		struct mr_tc_stats st;

		mr_transcoder_stats(c->relay->tc[k], &st);
		col_int(&t, lc, (int)c->relay->tc_tx[k]->lcore_id);
#define ADD_(f) col_u64(&t, f, st.f);
		TC_FIELDS(ADD_)
#undef ADD_
		for (r = 0; r < MR_TC_RESET__MAX; r++)
			col_u64(&t, resets[r], st.resets[r]);
		col_u64(&t, ready, st.channels[MR_TC_STATE_READY]);
		col_u64(&t, running, st.channels[MR_TC_STATE_RUNNING]);
		col_u64(&t, ring, mr_transcoder_ring_count(c->relay->tc[k]));
	}
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

/* QUIC server counters, one column each (struct mr_quic_server_stats). */
#define QUIC_FIELDS(X) \
	X(conns) X(bytes_held) X(tls_sessions) X(accepted) X(handshakes) X(rx_pkts) \
	X(tx_pkts) X(dgrams_rx) X(dgrams_tx) X(dgrams_lost) X(path_changes) \
	X(paths_validated) X(paths_failed) X(retries_sent) X(vn_sent) X(resets_sent) \
	X(handed_out) X(handed_in)

/* One row per QUIC endpoint and worker, as the workers last published them (10 ms). */
static int
read_quic(struct mr_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ep, *lc, *roq_in, *roq_out, *deferred, *unlatch, *unlatch_lost;
	struct rte_tel_data *held, *lim_conns, *lim_retry, *lim_hs, *role, *to_hs, *handed_off;
	struct rte_tel_data *early, *bounced;
	/* from the header's list: a build without QUIC has no lib/quic to ask */
#define CLOSE_NAME_(sym, name) name,
	static const char *const close_names[] = { MR_QUIC_CLOSE_REASONS(CLOSE_NAME_) };
#undef CLOSE_NAME_
	struct rte_tel_data *released[MR_QUIC_CLOSE__MAX];
	static char released_keys[MR_QUIC_CLOSE__MAX][32];
#define DECL_(f) struct rte_tel_data *f;
	QUIC_FIELDS(DECL_)
#undef DECL_
	const struct mr_relay *r = c->relay;
	uint64_t total_conns = 0, total_hs = 0, total_paths = 0;
	struct cols t = {0};
	unsigned int k;
	uint16_t q, w;

	if (params != NULL && params[0] != '\0')
		return mr_ctl_error(d, "quic takes no parameters");
	rte_tel_data_start_dict(d);
	ep = col_new(&t, "endpoint", RTE_TEL_STRING_VAL);
	lc = col_new(&t, "lcore", RTE_TEL_INT_VAL);
	role = col_new(&t, "role", RTE_TEL_STRING_VAL);
#define NEW_(f) f = col_new(&t, #f, RTE_TEL_U64_VAL);
	QUIC_FIELDS(NEW_)
#undef NEW_
	for (k = 0; k < MR_QUIC_CLOSE__MAX; k++) {
		snprintf(released_keys[k], sizeof(released_keys[k]), "released_%s",
			 close_names[k]);
		released[k] = col_new(&t, released_keys[k], RTE_TEL_U64_VAL);
	}
	roq_in = col_new(&t, "roq_in", RTE_TEL_U64_VAL);
	roq_out = col_new(&t, "roq_out", RTE_TEL_U64_VAL);
	deferred = col_new(&t, "handshakes_deferred", RTE_TEL_U64_VAL);
	unlatch = col_new(&t, "roq_unlatch", RTE_TEL_U64_VAL);
	unlatch_lost = col_new(&t, "roq_unlatch_lost", RTE_TEL_U64_VAL);
	held = col_new(&t, "roq_held", RTE_TEL_U64_VAL);
	to_hs = col_new(&t, "to_handshake", RTE_TEL_U64_VAL);
	handed_off = col_new(&t, "handed_off", RTE_TEL_U64_VAL);
	early = col_new(&t, "early_dgrams", RTE_TEL_U64_VAL);
	bounced = col_new(&t, "bounced", RTE_TEL_U64_VAL);
	/* the endpoint's limits in force (quic_set), on each of its rows */
	lim_conns = col_new(&t, "max_conns", RTE_TEL_U64_VAL);
	lim_retry = col_new(&t, "retry_above", RTE_TEL_INT_VAL);
	lim_hs = col_new(&t, "handshakes_per_poll", RTE_TEL_U64_VAL);
	for (q = 0; q < r->n_quic; q++) {
		struct mr_relay_quic_limits lim = {0};

		mr_relay_quic_limits(r, q, &lim);
		/* the workers' rows, then the handshake lcore's (worker index n_workers) */
		for (w = 0; w <= r->n_workers; w++) {
			struct mr_relay_quic_stats st;

			if (mr_relay_quic_stats(r, q, w, &st) != 0)
				continue;
			col_str(&t, ep, mr_relay_quic_name(r, q));
			col_int(&t, lc, (int)st.lcore);
			col_str(&t, role, st.handshake_lcore ? "handshake" : "worker");
#define ADD_(f) col_u64(&t, f, st.server.f);
			QUIC_FIELDS(ADD_)
#undef ADD_
			for (k = 0; k < MR_QUIC_CLOSE__MAX; k++)
				col_u64(&t, released[k], st.server.released[k]);
			col_u64(&t, roq_in, st.roq_in);
			col_u64(&t, roq_out, st.roq_out);
			col_u64(&t, deferred, st.handshakes_deferred);
			col_u64(&t, unlatch, st.unlatch_reqs);
			col_u64(&t, unlatch_lost, st.unlatch_lost);
			col_u64(&t, held, st.roq_held);
			col_u64(&t, to_hs, st.to_handshake);
			col_u64(&t, handed_off, st.handed_off);
			col_u64(&t, early, st.early_dgrams);
			col_u64(&t, bounced, st.bounced);
			col_u64(&t, lim_conns, lim.max_conns);
			/* -1: never */
			col_int(&t, lim_retry, lim.retry_above == UINT32_MAX ? -1 :
					       (int)lim.retry_above);
			col_u64(&t, lim_hs, lim.handshakes_per_poll);
			total_conns += st.server.conns;
			total_hs += st.server.handshakes;
			total_paths += st.server.path_changes;
		}
	}
	rte_tel_data_add_dict_int(d, "endpoints", r->n_quic);
	rte_tel_data_add_dict_u64(d, "connections", total_conns);
	rte_tel_data_add_dict_u64(d, "handshakes_total", total_hs);
	rte_tel_data_add_dict_u64(d, "path_changes_total", total_paths);
	cols_finish(&t, d);
	if (t.rc != 0)
		mr_ctl_error(d, "internal: cannot build the reply (%d)", t.rc);
	return 0;
}

/* The read commands: each body runs with the lock held and the control object live. */
static const struct {
	const char *name;
	int (*body)(struct mr_ctl *c, const char *params, struct rte_tel_data *d);
	const char *help;
} read_cmds[] = {
	{"/mrelay/info", read_info, "Version, build id, uptime, lcores, key configuration. No parameters"},
	{"/mrelay/lcores", read_lcores, "Per-lcore counters and busy share. No parameters"},
	{"/mrelay/ports", read_ports, "Per-port ethdev statistics and link. No parameters"},
	{"/mrelay/drops", read_drops, "Drops by reason, total and per lcore. No parameters"},
	{"/mrelay/mempools", read_mempools, "Mempools: size and in use. No parameters"},
	{"/mrelay/legs", read_legs, "Legs, paged. Parameters: start=N,count=M (next page: start=next)"},
	{"/mrelay/leg", read_leg, "One leg. Parameter: NAME"},
	{"/mrelay/streams", read_streams, "Streams, paged. Parameters: start=N,count=M (next page: start=next)"},
	{"/mrelay/stream", read_stream, "One stream. Parameters: <local addr:port>,<ssrc>"},
	{"/mrelay/profiles", read_profiles, "Transcode profiles: name and every parameter, legs using each. No parameters"},
	{"/mrelay/transcoders", read_transcoders, "Per-transcoder counters, resets by reason, channels. No parameters"},
	{"/mrelay/quic", read_quic, "QUIC endpoints per worker: connections, handshakes, paths, RoQ. No parameters"},
};

/* Telemetry callback of every read command: the lock, the object, the body. */
static int
cmd_read(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mr_ctl *c;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < RTE_DIM(read_cmds) && strcmp(read_cmds[i].name, cmd) != 0; i++)
		;
	if (i == RTE_DIM(read_cmds))
		return -EINVAL;
	mr_ctl_lock();
	c = ctl_get(d);
	if (c != NULL)
		rc = read_cmds[i].body(c, params, d);
	mr_ctl_unlock();
	return rc;
}

int
mr_ctl_read_register(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < RTE_DIM(read_cmds); i++) {
		rc = rte_telemetry_register_cmd(read_cmds[i].name, cmd_read, read_cmds[i].help);
		if (rc != 0)
			return rc;
	}
	return 0;
}
