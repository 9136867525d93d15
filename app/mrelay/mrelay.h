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
#include "mr_ng.h"
#include "mr_ngcall.h"
#include "mr_relay.h"
#include "mr_session.h"
#include "mr_stream.h"

/* A memif client port the main lcore reconnects (port_watch.c). */
struct mr_port_watch {
	bool watched;
	uint32_t attempts;     /* failed starts since the link went down */
	uint64_t down_since;   /* TSC the link was first seen down; 0: up */
	uint64_t restart_at;   /* TSC: still down then, restart; 0: not due */
	bool own_start;        /* started by the watch, link not up since */
	uint32_t refused;      /* own starts in a row whose handshake failed */
	uint64_t next_check;   /* TSC */
	uint64_t next_sample;  /* TSC: next read of the port's stats */
	struct rte_eth_stats seen; /* the port's stats, last read while its link was up */
};

/* How a port keeps each local endpoint's packets on one RX queue. */
enum mr_port_steering {
	MR_STEER_SINGLE,     /* one RX queue: nothing to steer */
	MR_STEER_RSS_DST,    /* port RSS, L3_DST_ONLY | L4_DST_ONLY UDP types */
	MR_STEER_RSS_KEY,    /* port RSS, UDP/IPv4 4-tuple, source-blind key */
	MR_STEER_FLOW_DST,   /* rte_flow RSS rules with those types */
	MR_STEER_DISPATCH,   /* the NIC cannot: workers dispatch in software */
};

/* node.c: a port without a TX queue for the main lcore */
#define MR_NODE_NO_QUEUE UINT16_MAX

struct mr_node;

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
	struct mr_sessions *sessions;    /* the session model and port registry */
	struct mr_ctl *ctl;              /* telemetry commands */
	struct mr_ng *ng;                /* the ng socket ([ng]), NULL when off */
	struct mr_ngcall *ngcall;        /* its calls on the session model */
	bool port_started[RTE_MAX_ETHPORTS];
	bool port_open[RTE_MAX_ETHPORTS];  /* configured: to close at exit */
	struct mr_port_watch watch[RTE_MAX_ETHPORTS];
	enum mr_port_steering port_steering[RTE_MAX_ETHPORTS];
	/* software dispatch needed (mr_relay_port_set_dispatch) */
	bool port_dispatch[RTE_MAX_ETHPORTS];
	uint16_t node_txq[RTE_MAX_ETHPORTS]; /* the main lcore's TX queue, or MR_NODE_NO_QUEUE */
	uint16_t node_rxq[RTE_MAX_ETHPORTS]; /* an RX queue it polls (net_af_packet), or none */
	uint16_t node_nrxq[RTE_MAX_ETHPORTS]; /* RX queues it polls from node_rxq on */
	struct mr_node *node;            /* ARP/ND/echo and next hops (node.c) */
	bool workers_running;
	uint64_t start_tsc;
};

/* model.c */
int mr_app_tables_create(struct mr_app *app);
int mr_app_legs_load(struct mr_app *app, char *err, size_t errlen);
int mr_app_transcoders_setup(struct mr_app *app, char *err, size_t errlen);

/* quic.c */
int mr_app_quic_setup(struct mr_app *app, char *err, size_t errlen);

/* node.c */
bool mr_node_tx_queue_wanted(const struct rte_eth_dev_info *info, uint16_t n_tx);
bool mr_node_rx_queue_wanted(const struct rte_eth_dev_info *info, uint16_t n_rx);
int mr_node_setup(struct mr_app *app);
unsigned int mr_node_poll(struct mr_app *app, uint64_t now);
void mr_node_free(struct mr_app *app);

/* ng.c */
int mr_app_ng_setup(struct mr_app *app, char *err, size_t errlen);
unsigned int mr_app_ng_poll(struct mr_app *app);
void mr_app_ng_free(struct mr_app *app);

/* port_watch.c */
bool mr_port_watch_is_memif_client(uint16_t port);
void mr_port_watch_add(struct mr_app *app, uint16_t port, bool started);
unsigned int mr_port_watch_poll(struct mr_app *app, uint64_t now);
int mr_port_watch_stats(struct mr_app *app, uint16_t port, struct rte_eth_stats *stats);

/* run.c */
void mr_app_main_loop(struct mr_app *app, volatile sig_atomic_t *quit);
int mr_app_shutdown(struct mr_app *app);

#endif /* MRELAY_APP_H */
