/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Histogram telemetry: /mrelay/hist_list, /mrelay/hist,<name>,<lcore|all>
 * and /mrelay/hist_enable,<0|1>. Readers only take snapshots of
 * single-writer histograms; nothing here touches fast-path state except
 * the recording switch, a relaxed flag the workers read once per burst.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "mr_ctl.h"
#include "mr_hist.h"

/* Buckets shown per reply: two arrays of this many u64 stay well under 16 KiB. */
#define HIST_REPLY_BUCKETS 200
#define HIST_PARAMS_MAX 64

/* Snapshots are large (8 KiB); telemetry runs one command at a time. */
static struct mr_hist_snap hist_snap, hist_tmp;

static int
reply_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "status", "error");
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* A recorded value in the exported unit (TSC cycles become ns). */
static uint64_t
hist_export(enum mr_hist_unit unit, uint64_t v)
{
	double ns;

	if (unit != MR_HIST_UNIT_TSC)
		return v;
	ns = (double)v * 1e9 / (double)rte_get_tsc_hz();
	if (ns >= 18446744073709549568.0)
		return UINT64_MAX;
	return (uint64_t)(ns + 0.5);
}

static int
hist_list(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	struct rte_tel_data *names, *units, *lcores;
	unsigned int id, lc;

	rte_tel_data_start_dict(d);
	names = rte_tel_data_alloc();
	units = rte_tel_data_alloc();
	if (names == NULL || units == NULL) {
		rte_tel_data_free(names);
		rte_tel_data_free(units);
		return -ENOMEM;
	}
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(units, RTE_TEL_STRING_VAL);
	for (id = 0; id < MR_HIST__MAX; id++) {
		rte_tel_data_add_array_string(names, mr_hist_name(id));
		rte_tel_data_add_array_string(units, mr_hist_unit_name(mr_hist_unit_of(id)));
	}
	rte_tel_data_add_dict_container(d, "names", names, 0);
	rte_tel_data_add_dict_container(d, "units", units, 0);
	rte_tel_data_add_dict_int(d, "enabled", mr_hist_on() ? 1 : 0);
	rte_tel_data_add_dict_int(d, "sub_buckets", MR_HIST_SUB);
	rte_tel_data_add_dict_int(d, "busy_window_us", MR_HIST_BUSY_WINDOW_US);
	rte_tel_data_add_dict_int(d, "jitter_every", MR_HIST_JITTER_EVERY);
	/* per histogram: the lcores that recorded into it */
	for (id = 0; id < MR_HIST__MAX; id++) {
		lcores = rte_tel_data_alloc();
		if (lcores == NULL)
			return -ENOMEM;
		rte_tel_data_start_array(lcores, RTE_TEL_U64_VAL);
		for (lc = 0; lc < RTE_MAX_LCORE; lc++)
			if (__atomic_load_n(&mr_hist_get(lc, id)->count, __ATOMIC_RELAXED) != 0)
				rte_tel_data_add_array_u64(lcores, lc);
		rte_tel_data_add_dict_container(d, mr_hist_name(id), lcores, 0);
	}
	return 0;
}

/* Parse "<name>,<lcore|all>" without strtok (telemetry's own use of it is not reentrant). */
static int
hist_params(const char *params, int *id, int *lcore, char *err, size_t errlen)
{
	char buf[HIST_PARAMS_MAX], *comma, *end;
	unsigned long v;

	if (params == NULL || params[0] == '\0') {
		snprintf(err, errlen, "usage: /mrelay/hist,<name>,<lcore|all> (see /mrelay/hist_list)");
		return -EINVAL;
	}
	if (strlen(params) >= sizeof(buf)) {
		snprintf(err, errlen, "parameters longer than %zu characters", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, params);
	comma = strchr(buf, ',');
	if (comma == NULL) {
		snprintf(err, errlen, "lcore: missing (usage: /mrelay/hist,<name>,<lcore|all>)");
		return -EINVAL;
	}
	*comma = '\0';
	*id = mr_hist_lookup(buf);
	if (*id < 0) {
		snprintf(err, errlen, "name: unknown histogram (see /mrelay/hist_list)");
		return -EINVAL;
	}
	if (strcmp(comma + 1, "all") == 0) {
		*lcore = -1;
		return 0;
	}
	errno = 0;
	v = strtoul(comma + 1, &end, 10);
	if (comma[1] < '0' || comma[1] > '9' || *end != '\0' || errno != 0 ||
	    v >= RTE_MAX_LCORE) {
		snprintf(err, errlen, "lcore: not 'all' or a number 0..%u", RTE_MAX_LCORE - 1);
		return -EINVAL;
	}
	*lcore = (int)v;
	return 0;
}

static int
hist_show(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	static const struct {
		const char *key;
		double q;
	} pcts[] = {
		{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99_9", 0.999},
	};
	struct rte_tel_data *le, *cnt;
	char err[128];
	enum mr_hist_unit unit;
	unsigned int b, lc, used = 0, merge = 1, i;
	int id, lcore;

	if (hist_params(params, &id, &lcore, err, sizeof(err)) != 0)
		return reply_error(d, err);
	unit = mr_hist_unit_of(id);
	if (lcore >= 0) {
		mr_hist_snapshot(mr_hist_get(lcore, id), &hist_snap);
	} else {
		memset(&hist_snap, 0, sizeof(hist_snap));
		for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
			mr_hist_snapshot(mr_hist_get(lc, id), &hist_tmp);
			mr_hist_merge(&hist_snap, &hist_tmp);
		}
	}

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", mr_hist_name(id));
	if (lcore >= 0)
		rte_tel_data_add_dict_int(d, "lcore", lcore);
	else
		rte_tel_data_add_dict_string(d, "lcore", "all");
	rte_tel_data_add_dict_string(d, "unit", mr_hist_unit_name(unit));
	rte_tel_data_add_dict_u64(d, "count", hist_snap.count);
	rte_tel_data_add_dict_u64(d, "sum", hist_export(unit, hist_snap.sum));
	rte_tel_data_add_dict_u64(d, "mean", hist_snap.count == 0 ? 0 :
				  hist_export(unit, hist_snap.sum / hist_snap.count));
	for (i = 0; i < RTE_DIM(pcts); i++)
		rte_tel_data_add_dict_u64(d, pcts[i].key,
			hist_export(unit, mr_hist_percentile(&hist_snap, pcts[i].q)));
	rte_tel_data_add_dict_u64(d, "max", hist_export(unit, hist_snap.max));

	/*
	 * Non-empty buckets as (inclusive upper bound, count). When there are
	 * too many for one reply, neighbours merge (2, 4, ... buckets each);
	 * the percentiles above always come from the full resolution.
	 */
	for (b = 0; b < MR_HIST_BUCKETS; b++)
		used += hist_snap.buckets[b] != 0;
	while (used > HIST_REPLY_BUCKETS) {
		merge *= 2;
		used = 0;
		for (b = 0; b < MR_HIST_BUCKETS; b += merge) {
			uint64_t sum = 0;

			for (i = b; i < b + merge && i < MR_HIST_BUCKETS; i++)
				sum += hist_snap.buckets[i];
			used += sum != 0;
		}
	}
	le = rte_tel_data_alloc();
	cnt = rte_tel_data_alloc();
	if (le == NULL || cnt == NULL) {
		rte_tel_data_free(le);
		rte_tel_data_free(cnt);
		return -ENOMEM;
	}
	rte_tel_data_start_array(le, RTE_TEL_U64_VAL);
	rte_tel_data_start_array(cnt, RTE_TEL_U64_VAL);
	for (b = 0; b < MR_HIST_BUCKETS; b += merge) {
		unsigned int last = RTE_MIN(b + merge, (unsigned int)MR_HIST_BUCKETS) - 1;
		uint64_t sum = 0;

		for (i = b; i <= last; i++)
			sum += hist_snap.buckets[i];
		if (sum == 0)
			continue;
		rte_tel_data_add_array_u64(le, hist_export(unit, mr_hist_bucket_hi(last)));
		rte_tel_data_add_array_u64(cnt, sum);
	}
	rte_tel_data_add_dict_int(d, "bucket_merge", (int)merge);
	rte_tel_data_add_dict_container(d, "bucket_le", le, 0);
	rte_tel_data_add_dict_container(d, "bucket_count", cnt, 0);
	return 0;
}

static int
hist_enable(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	if (params != NULL && strcmp(params, "1") == 0)
		mr_hist_enable(true);
	else if (params != NULL && strcmp(params, "0") == 0)
		mr_hist_enable(false);
	else if (params != NULL && params[0] != '\0')
		return reply_error(d, "on: must be 0 or 1 (no parameter: show the state)");
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", mr_hist_on() ? 1 : 0);
	return 0;
}

int
mr_ctl_hist_register(void)
{
	int rc;

	rc = rte_telemetry_register_cmd("/mrelay/hist_list", hist_list,
		"Histograms, their units, and the lcores that recorded into each. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mrelay/hist", hist_show,
			"One histogram: percentiles and buckets. Parameters: <name>,<lcore|all>");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mrelay/hist_enable", hist_enable,
			"Histogram recording on (1) or off (0); no parameter shows it. Parameters: [0|1]");
	return rc;
}
