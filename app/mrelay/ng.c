/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The ng endpoint ([ng] in the configuration): its UDP socket is read and
 * answered on the main lcore's loop, the only writer of the session
 * model; /mrelay/ng reports its counters.
 */

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "mrelay.h"

#define NG_POLL_BUDGET 32   /* datagrams answered per loop pass */

/* The telemetry callback's view (counters are single-writer words); the lock keeps it until freed. */
static const struct mr_app *ng_app;
static rte_spinlock_t ng_lock = RTE_SPINLOCK_INITIALIZER;

static uint64_t
now_ms(void)
{
	return rte_rdtsc() / (rte_get_tsc_hz() / 1000);
}

static void
ng_report(const struct mr_app *app, struct rte_tel_data *d)
{
	const struct mr_ng_stats *ns;
	const struct mr_ngcall_stats *cs;
	struct rte_tel_data *cmds;
	unsigned int i;

	if (app == NULL || app->ng == NULL) {
		rte_tel_data_add_dict_int(d, "enabled", 0);
		return;
	}
	ns = mr_ng_get_stats(app->ng);
	cs = mr_ngcall_get_stats(app->ngcall);
	rte_tel_data_add_dict_int(d, "enabled", 1);
	rte_tel_data_add_dict_string(d, "listen", app->conf.ng.listen);
	rte_tel_data_add_dict_int(d, "udp_port", mr_ng_port(app->ng));
	rte_tel_data_add_dict_u64(d, "calls", __atomic_load_n(&cs->calls, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "legs", __atomic_load_n(&cs->legs, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "calls_max", app->conf.ng.calls_max);
	rte_tel_data_add_dict_u64(d, "idle_ms", app->conf.ng.idle_ms);
	for (i = 0; i < MR_NG_C_MAX; i++)
		rte_tel_data_add_dict_u64(d, mr_ng_counter_name(i),
					  __atomic_load_n(&ns->c[i], __ATOMIC_RELAXED));
	for (i = 0; i < MR_NGCALL_C_MAX; i++)
		rte_tel_data_add_dict_u64(d, mr_ngcall_counter_name(i),
					  __atomic_load_n(&cs->c[i], __ATOMIC_RELAXED));
	cmds = rte_tel_data_alloc();
	if (cmds != NULL) {
		rte_tel_data_start_dict(cmds);
		for (i = 0; i < MR_NG_CMD_MAX; i++)
			rte_tel_data_add_dict_u64(cmds, mr_ng_command_name(i),
						  __atomic_load_n(&ns->commands[i],
								  __ATOMIC_RELAXED));
		rte_tel_data_add_dict_container(d, "commands", cmds, 0);
	}
}

static int
ng_telemetry(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	if (params != NULL && params[0] != '\0') {
		rte_tel_data_add_dict_string(d, "status", "error");
		rte_tel_data_add_dict_string(d, "error", "ng takes no parameters");
		return 0;
	}
	rte_spinlock_lock(&ng_lock);
	ng_report(ng_app, d);
	rte_spinlock_unlock(&ng_lock);
	return 0;
}

int
mr_app_ng_setup(struct mr_app *app, char *err, size_t errlen)
{
	const struct mr_conf_ng *cf = &app->conf.ng;
	struct mr_ng_conf nc = {0};
	unsigned int i;
	int rc;

	if (rte_telemetry_register_cmd("/mrelay/ng", ng_telemetry,
			"The rtpengine ng endpoint: calls, legs, requests per command, "
			"errors, cache hits, idle deletes. No parameters") != 0) {
		snprintf(err, errlen, "cannot register /mrelay/ng");
		return -EEXIST;
	}
	if (!cf->enabled)
		return 0;
	app->ngcall = mr_ngcall_create(&(struct mr_ngcall_params){
		.sessions = app->sessions, .streams = app->streams, .relay = app->relay,
		.port = cf->port,
		.calls_max = cf->calls_max, .idle_ms = cf->idle_ms,
	}, err, errlen);
	if (app->ngcall == NULL)
		return -ENOMEM;
	mr_ngcall_handlers(app->ngcall, &nc);
	for (i = 0; i < cf->n_acl; i++)
		nc.acl[i] = cf->acl[i];
	nc.n_acl = cf->n_acl;
	app->ng = mr_ng_create(&nc, err, errlen);
	if (app->ng == NULL)
		return -ENOMEM;
	rc = mr_ng_listen(app->ng, cf->listen, err, errlen);
	if (rc != 0)
		return rc;
	printf("mrelay: ng protocol on %s (udp port %u), %u calls at most, idle %u ms, "
	       "%u ACL prefixes\n", cf->listen, mr_ng_port(app->ng), cf->calls_max,
	       cf->idle_ms, cf->n_acl);
	rte_spinlock_lock(&ng_lock);
	ng_app = app;
	rte_spinlock_unlock(&ng_lock);
	return 0;
}

unsigned int
mr_app_ng_poll(struct mr_app *app)
{
	uint64_t now;
	unsigned int work;
	int n;

	if (app->ng == NULL)
		return 0;
	now = now_ms();
	work = mr_ngcall_tick(app->ngcall, now);
	n = mr_ng_poll(app->ng, now, NG_POLL_BUDGET);
	return work + (n > 0 ? (unsigned int)n : 0);
}

void
mr_app_ng_free(struct mr_app *app)
{
	rte_spinlock_lock(&ng_lock);
	ng_app = NULL;
	rte_spinlock_unlock(&ng_lock);
	mr_ng_free(app->ng);
	app->ng = NULL;
	mr_ngcall_free(app->ngcall);
	app->ngcall = NULL;
}
