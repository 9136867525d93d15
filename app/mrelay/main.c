/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * mrelay: EAL and configuration, ports, the session model, worker launch,
 * the main lcore's housekeeping loop, and an orderly shutdown that proves
 * every mbuf came home.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_build.h"
#include "mr_conf.h"
#include "mr_ctl.h"
#include "mr_metrics.h"
#include "mr_relay.h"
#include "mr_stream.h"
#include "default_conf.h"
#include "mrelay.h"
#include "unmap_guard.h"

#define EXIT_CONFIG 2

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "  -c, --config FILE     configuration file (default: the embedded\n"
	       "                        default: one port, 200 sessions)\n"
	       "  -d, --duration SEC    run SEC seconds, then shut down (0: until\n"
	       "                        SIGINT/SIGTERM; default 0)\n"
	       "  -s, --summary FILE    write a JSON summary (counters, drops,\n"
	       "                        streams, mempools) at exit\n"
	       "  -q, --quiet           no live statistics line\n"
	       "      --print-default   print the embedded default configuration\n"
	       "  -h, --help            this text\n"
	       "Exit status: 0 clean, 1 runtime failure (incl. mbufs not returned),\n"
	       "2 bad configuration or options (incl. an unwritable -s FILE, and\n"
	       "mbufs, legs_max or streams_max too large for EAL's memory).\n", prog);
}

static int
parse_args(int argc, char **argv, struct mr_app *app)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'},
		{"summary", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"print-default", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			app->config_path = optarg;
			break;
		case 'd':
			errno = 0;
			app->duration_s = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || app->duration_s < 0 ||
			    app->duration_s > 1e7) {
				fprintf(stderr, "mrelay: --duration: '%s' is not a number of seconds (0..1e7)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 's':
			app->summary_path = optarg;
			break;
		case 'q':
			app->quiet = true;
			break;
		case 'P':
			fputs(MR_DEFAULT_CONF, stdout);
			exit(0);
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mrelay: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * One mbuf pool; on failure says which one and why (rte_errno read at
 * once: a later DPDK call may overwrite it) and returns -rte_errno.
 */
static int
pool_create(struct rte_mempool **mp, const char *name, const char *what, uint32_t n,
	    uint32_t cache, uint16_t data_room, int socket)
{
	int err;

	*mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_room, socket);
	if (*mp != NULL)
		return 0;
	err = rte_errno != 0 ? rte_errno : ENOMEM;
	fprintf(stderr, "mrelay: cannot create the %s mbuf pool (%s) of %u mbufs: %s%s\n",
		what, name, n, rte_strerror(err),
		err == ENOMEM ? " (lower [relay] mbufs or give EAL more memory: -m, hugepages)" : "");
	return -err;
}

static int
pools_create(struct mr_app *app)
{
	const struct mr_conf *cf = &app->conf;
	int socket = (int)rte_socket_id();
	int rc;

	rc = pool_create(&app->pkt_pool, "mr_pkt", "packet", cf->mbufs, cf->mbuf_cache,
			 RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	/* headers of fan-out copies and the indirect mbufs of clones */
	if (rc == 0)
		rc = pool_create(&app->hdr_pool, "mr_hdr", "header", cf->mbufs, cf->mbuf_cache,
				 RTE_PKTMBUF_HEADROOM, socket);
	return rc;
}

/*
 * -s FILE must be writable: found now, not after the run. Opens it without
 * truncating; a file this check created is removed again.
 */
static int
summary_path_check(const char *path)
{
	bool existed = access(path, F_OK) == 0;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mrelay: --summary: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	close(fd);
	if (!existed)
		unlink(path);
	return 0;
}

static int
port_setup(struct mr_app *app, uint16_t port, const struct mr_conf_port *pc)
{
	struct mr_stream_port *sp = &app->streams->ports[port];
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	/* RX: one queue per worker; TX: also one per transcoder */
	uint16_t nq = app->n_workers, ntx = app->n_workers + app->n_transcoders;
	uint16_t rxd = pc->rx_desc, txd = pc->tx_desc, q;
	bool memif_client;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "mrelay: [port.%u]: no such DPDK port (%u available; give a NIC or --vdev)\n",
			port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (nq > info.max_rx_queues || ntx > info.max_tx_queues) {
		fprintf(stderr, "mrelay: port %u (%s) has %u RX / %u TX queues; %u workers and %u transcoders need %u / %u\n",
			port, info.driver_name, info.max_rx_queues, info.max_tx_queues,
			nq, app->n_transcoders, nq, ntx);
		return -EINVAL;
	}
	if (nq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_UDP) != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
						   (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	} else if (nq > 1) {
		printf("mrelay: port %u: no UDP RSS; each stream stays with the worker that first sees it\n",
		       port);
	}
	conf.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;
	conf.txmode.offloads = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if ((info.tx_offload_capa & MR_PKT_TX_CKSUM_OFFLOAD) == MR_PKT_TX_CKSUM_OFFLOAD) {
		conf.txmode.offloads |= MR_PKT_TX_CKSUM_OFFLOAD;
		sp->cksum_offload = true;
	}
	rc = rte_eth_dev_configure(port, nq, ntx, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc != 0) {
		fprintf(stderr, "mrelay: port %u: configure failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < ntx; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = 0;
		if (q < nq)
			rc = rte_eth_rx_queue_setup(port, q, rxd, (unsigned int)socket, NULL,
						    app->pkt_pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd, (unsigned int)socket, &txc);
		if (rc != 0) {
			fprintf(stderr, "mrelay: port %u queue %u: setup failed: %s\n",
				port, q, rte_strerror(-rc));
			return rc;
		}
	}
	app->port_open[port] = true;
	memif_client = mr_port_watch_is_memif_client(port);
	rc = rte_eth_dev_start(port);
	if (rc != 0 && !memif_client) {
		fprintf(stderr, "mrelay: port %u: start failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	app->port_started[port] = rc == 0;
	rte_eth_macaddr_get(port, &sp->mac);
	sp->nexthop = pc->nexthop_mac;
	sp->vlan = pc->vlan;
	sp->present = true;
	rc = mr_relay_add_port(app->relay, port);
	/* a memif client waits for its server, at start and after losing it */
	if (rc == 0 && memif_client)
		mr_port_watch_add(app, port, app->port_started[port]);
	return rc;
}

static bool
is_transcoder_lcore(const struct mr_conf *cf, unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < cf->n_transcoders; i++)
		if (cf->transcoder_lcores[i] == lcore)
			return true;
	return false;
}

static int
workers_setup(struct mr_app *app)
{
	const struct mr_conf *cf = &app->conf;
	unsigned int lcore, i;

	for (i = 0; i < cf->n_transcoders; i++) {
		lcore = cf->transcoder_lcores[i];
		if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore()) {
			fprintf(stderr, "mrelay: [relay] transcoders: lcore %u is not an EAL worker lcore (see -l/--lcores)\n",
				lcore);
			return -EINVAL;
		}
		app->transcoder_lcores[app->n_transcoders++] = lcore;
	}
	if (cf->n_workers == 0) {
		/* every EAL worker lcore that is not a transcoder */
		RTE_LCORE_FOREACH_WORKER(lcore)
			if (!is_transcoder_lcore(cf, lcore))
				app->worker_lcores[app->n_workers++] = lcore;
	} else {
		for (i = 0; i < cf->n_workers; i++) {
			lcore = cf->worker_lcores[i];
			if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore()) {
				fprintf(stderr, "mrelay: [relay] workers: lcore %u is not an EAL worker lcore (see -l/--lcores)\n",
					lcore);
				return -EINVAL;
			}
			app->worker_lcores[app->n_workers++] = lcore;
		}
	}
	if (app->n_workers == 0) {
		fprintf(stderr, "mrelay: no worker lcore: give EAL at least two lcores (e.g. -l 0-1)\n");
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct mr_app *app;
	char err[512];
	int rc, n, status = 0;
	uint16_t p, k;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "mrelay: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_CONFIG;
	}
	argc -= n;
	argv += n;
	argv[0] = "mrelay";

	app = calloc(1, sizeof(*app));
	if (app == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	if (parse_args(argc, argv, app) != 0 ||
	    (app->summary_path != NULL && summary_path_check(app->summary_path) != 0)) {
		status = EXIT_CONFIG;
		goto out_eal;
	}

	if (app->config_path != NULL)
		rc = mr_conf_load(app->config_path, &app->conf, err, sizeof(err));
	else
		rc = mr_conf_load_string(MR_DEFAULT_CONF, &app->conf, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: configuration error: %s\n", err);
		status = EXIT_CONFIG;
		goto out_eal;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (workers_setup(app) != 0) {
		status = EXIT_CONFIG;
		goto out;
	}
	/*
	 * Sizes the configuration asks for (mbufs, legs_max, streams_max) that
	 * do not fit in EAL's memory are a configuration error (exit 2), for
	 * pools and tables alike; any other failure is a runtime one (exit 1).
	 */
	rc = pools_create(app);
	if (rc == 0)
		rc = mr_app_tables_create(app);
	if (rc != 0) {
		status = rc == -ENOMEM ? EXIT_CONFIG : EXIT_FAILURE;
		goto out;
	}
	for (p = 0; p < MR_CONF_MAX_PORTS; p++) {
		if (!app->conf.ports[p].present)
			continue;
		if (port_setup(app, p, &app->conf.ports[p]) != 0) {
			status = EXIT_CONFIG;
			goto out;
		}
	}
	for (k = 0; k < app->n_workers; k++) {
		if (mr_relay_add_worker(app->relay, app->worker_lcores[k]) == NULL) {
			fprintf(stderr, "mrelay: worker on lcore %u: %s\n",
				app->worker_lcores[k], rte_strerror(rte_errno));
			status = EXIT_FAILURE;
			goto out;
		}
	}
	rc = mr_app_transcoders_setup(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: %s\n", err);
		status = rc == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
		goto out;
	}
	rc = mr_app_legs_load(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: configuration error: %s\n", err);
		status = EXIT_CONFIG;
		goto out;
	}

	app->ctl = mr_ctl_create(&(struct mr_ctl_params){
		.streams = app->streams, .relay = app->relay, .conf = &app->conf,
		.pools = {app->pkt_pool, app->hdr_pool}, .n_pools = 2,
	});
	if (app->ctl == NULL) {
		fprintf(stderr, "mrelay: cannot set up the telemetry commands: %s\n",
			rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto out;
	}
	if (mr_unmap_guard_telemetry_register() != 0) {
		fprintf(stderr, "mrelay: cannot register /mrelay/unmap_guard\n");
		status = EXIT_FAILURE;
		goto out;
	}

	printf("mrelay %s (%s): %u worker(s), %u transcoder(s), %u port(s), %u legs\n",
	       MR_VERSION, MR_BUILD_ID, app->n_workers, app->n_transcoders,
	       app->relay->n_ports, app->streams->n_legs);
	fflush(stdout);
	for (k = 0; k < app->n_workers; k++)
		rte_eal_remote_launch(mr_relay_worker_main, app->relay->workers[k],
				      app->worker_lcores[k]);
	for (k = 0; k < app->n_transcoders; k++)
		rte_eal_remote_launch(mr_relay_transcoder_main, app->relay->tc_tx[k],
				      app->transcoder_lcores[k]);
	app->workers_running = true;
	/* a PMD's unmap on the interrupt thread now waits for the lcores */
	mr_unmap_guard_arm(app->streams->qsbr);

	mr_app_main_loop(app, &quit_signal);

out:
	if (mr_app_shutdown(app) != 0 && status == 0)
		status = EXIT_FAILURE;
out_eal:
	mr_conf_free(&app->conf);
	free(app);
	rte_eal_cleanup();
	return status;
}
