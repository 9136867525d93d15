/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MRELAY_APP_H
#define MRELAY_APP_H

/* The daemon's own state; internal to app/mrelay. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "mr_conf.h"
#include "mr_ctl.h"
#include "mr_relay.h"
#include "mr_stream.h"

struct mr_app {
	const char *config_path;     /* NULL: the embedded default */
	const char *summary_path;
	double duration_s;
	bool quiet;

	struct mr_conf conf;
	uint16_t n_workers;
	unsigned int worker_lcores[MR_RELAY_MAX_WORKERS];
	uint16_t n_transcoders;
	unsigned int transcoder_lcores[MR_RELAY_MAX_TRANSCODERS];
	struct rte_mempool *pkt_pool;
	struct rte_mempool *hdr_pool;
	struct mr_streams *streams;
	struct mr_relay *relay;
	struct mr_ctl *ctl;              /* telemetry commands */
	bool port_started[RTE_MAX_ETHPORTS];
	bool workers_running;
	uint64_t start_tsc;
};

/* model.c */
int mr_app_tables_create(struct mr_app *app);
int mr_app_legs_load(struct mr_app *app, char *err, size_t errlen);
int mr_app_transcoders_setup(struct mr_app *app, char *err, size_t errlen);

/* run.c */
void mr_app_main_loop(struct mr_app *app, volatile sig_atomic_t *quit);
int mr_app_shutdown(struct mr_app *app);

#endif /* MRELAY_APP_H */
