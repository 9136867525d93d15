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
#include <rte_flow.h>
#include <rte_thash.h>
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
#include "mr_relay_quic.h"
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
	       "      --drop-reasons    print every drop reason (id, name, library,\n"
	       "                        description) as JSON and exit; starts no EAL,\n"
	       "                        so it may be given alone: mrelay --drop-reasons\n"
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
		{"drop-reasons", no_argument, NULL, 'R'},
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
		case 'R':
			/* main() answers it before EAL starts */
			break;
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

/*
 * Ownership by local endpoint: every packet to one (destination address,
 * destination UDP port) must reach one worker whatever its source. See
 * docs/steering.md for which NICs get which mode.
 */
#define MR_RSS_DST_ONLY (RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_DST_ONLY)
#define MR_RSS_UDP_TYPES (RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

#define MR_RSS_KEY_MAX 64

static const char *const mr_steer_names[] = {
	[MR_STEER_SINGLE] = "single queue",
	[MR_STEER_RSS_DST] = "RSS on destination address and port",
	[MR_STEER_RSS_KEY] = "RSS with a destination-only key (IPv4 UDP; IPv6 on queue 0)",
	[MR_STEER_FLOW_DST] = "rte_flow RSS on destination address and port",
	[MR_STEER_DISPATCH] = "software dispatch",
};

/*
 * A Toeplitz key under which the UDP/IPv4 4-tuple hash depends on the
 * destination only. Input bit i (source address 0-31, destination address
 * 32-63, source port 64-79, destination port 80-95) XORs key bits i..i+31
 * into the hash, so key bits 0-62 and 64-110 are zero: the source adds
 * nothing. Bit 63 adds the destination address as it is; bits 111-126 mix
 * the destination port into the low hash bits that index the RETA (this
 * set keeps every queue within 3% of the mean for runs of consecutive,
 * even or every-4th ports over 2 to 16 queues). Bits from 127 on are
 * unused by IPv4. No key does this for IPv6 too (its source bits need
 * zeros where the IPv4 destination needs ones).
 */
static const uint16_t mr_dst_key_bits[] = {63, 111, 112, 117, 118, 120, 121, 122, 123, 126};

static void
steer_dst_key(uint8_t *key, size_t len)
{
	unsigned int i;

	memset(key, 0, len);
	for (i = 0; i < RTE_DIM(mr_dst_key_bits); i++)
		key[mr_dst_key_bits[i] / 8] |= (uint8_t)(0x80 >> (mr_dst_key_bits[i] % 8));
}

/* The key's promise, checked with DPDK's own Toeplitz: same destination,
 * other source, same hash; another destination port, another hash. */
static bool
steer_dst_key_check(const uint8_t *key)
{
	uint32_t a[3] = {0x0a010001, 0x0a000001, 20000u << 16 | 30000};
	uint32_t b[3] = {0xc0a86301, 0x0a000001, 61234u << 16 | 30000};
	uint32_t c[3] = {0x0a010001, 0x0a000001, 20000u << 16 | 30002};

	return rte_softrss(a, 3, key) == rte_softrss(b, 3, key) &&
		rte_softrss(a, 3, key) != rte_softrss(c, 3, key);
}

/*
 * Software dispatch: RSS on the IP/UDP types offered only spreads the load
 * until a flow rule or the relay's dispatch stage takes over.
 */
static void
port_steering_spread(struct mr_app *app, uint16_t port, const struct rte_eth_dev_info *info,
		     struct rte_eth_conf *conf)
{
	uint64_t offered = info->flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);

	conf->rxmode.mq_mode = offered != 0 ? RTE_ETH_MQ_RX_RSS : RTE_ETH_MQ_RX_NONE;
	conf->rx_adv_conf.rss_conf.rss_hf = offered;
	conf->rx_adv_conf.rss_conf.rss_key = NULL;
	conf->rx_adv_conf.rss_conf.rss_key_len = 0;
	app->port_steering[port] = MR_STEER_DISPATCH;
}

/*
 * Choose before configure: port RSS restricted to the destination when the
 * PMD offers the *_DST_ONLY bits with UDP; else, with UDP/IPv4 RSS and a
 * settable key, a key that makes the 4-tuple hash ignore the source; else
 * RSS on what it offers (to spread the load). rte_flow rules may still
 * take over after start (port_steering_flow). Fills the RSS part of
 * @p conf; @p key (MR_RSS_KEY_MAX bytes) must outlive the configure.
 */
static void
port_steering_choose(struct mr_app *app, uint16_t port, uint16_t nq,
		     const struct rte_eth_dev_info *info, struct rte_eth_conf *conf,
		     uint8_t *key)
{
	uint64_t offered = info->flow_type_rss_offloads;

	if (nq == 1) {
		app->port_steering[port] = MR_STEER_SINGLE;
		return;
	}
	if ((offered & MR_RSS_DST_ONLY) == MR_RSS_DST_ONLY &&
	    (offered & RTE_ETH_RSS_NONFRAG_IPV4_UDP) != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = MR_RSS_DST_ONLY |
			(offered & MR_RSS_UDP_TYPES);
		app->port_steering[port] = MR_STEER_RSS_DST;
		return;
	}
	if ((offered & RTE_ETH_RSS_NONFRAG_IPV4_UDP) != 0 && info->hash_key_size >= 16 &&
	    info->hash_key_size <= MR_RSS_KEY_MAX) {
		steer_dst_key(key, info->hash_key_size);
		if (steer_dst_key_check(key)) {
			conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf->rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_UDP;
			conf->rx_adv_conf.rss_conf.rss_key = key;
			conf->rx_adv_conf.rss_conf.rss_key_len = info->hash_key_size;
			app->port_steering[port] = MR_STEER_RSS_KEY;
			return;
		}
	}
	port_steering_spread(app, port, info, conf);
}

/*
 * After start, on a port left to dispatch or steered by the key (IPv4
 * only): rte_flow RSS rules with the destination-only types over all RX
 * queues, IPv4 and IPv6 UDP, if the PMD takes both. Either both rules
 * exist or neither.
 */
static void
port_steering_flow(struct mr_app *app, uint16_t port, uint16_t nq)
{
	static const struct rte_flow_attr attr = {.ingress = 1};
	static const uint64_t types[2] = {
		RTE_ETH_RSS_NONFRAG_IPV4_UDP | MR_RSS_DST_ONLY,
		RTE_ETH_RSS_NONFRAG_IPV6_UDP | MR_RSS_DST_ONLY,
	};
	uint16_t queues[MR_RELAY_MAX_WORKERS];
	struct rte_flow *flows[2] = {NULL, NULL};
	struct rte_flow_error err;
	unsigned int v;
	uint16_t q;

	for (q = 0; q < nq; q++)
		queues[q] = q;
	for (v = 0; v < 2; v++) {
		const struct rte_flow_item pattern[] = {
			{.type = RTE_FLOW_ITEM_TYPE_ETH},
			{.type = v == 0 ? RTE_FLOW_ITEM_TYPE_IPV4 : RTE_FLOW_ITEM_TYPE_IPV6},
			{.type = RTE_FLOW_ITEM_TYPE_UDP},
			{.type = RTE_FLOW_ITEM_TYPE_END},
		};
		const struct rte_flow_action_rss rss = {
			.func = RTE_ETH_HASH_FUNCTION_DEFAULT,
			.types = types[v],
			.queue_num = nq,
			.queue = queues,
		};
		const struct rte_flow_action actions[] = {
			{.type = RTE_FLOW_ACTION_TYPE_RSS, .conf = &rss},
			{.type = RTE_FLOW_ACTION_TYPE_END},
		};

		memset(&err, 0, sizeof(err));
		if (rte_flow_validate(port, &attr, pattern, actions, &err) == 0)
			flows[v] = rte_flow_create(port, &attr, pattern, actions, &err);
		if (flows[v] == NULL)
			break;
	}
	if (flows[0] != NULL && flows[1] != NULL) {
		app->port_steering[port] = MR_STEER_FLOW_DST;
		return;
	}
	for (v = 0; v < 2; v++)
		if (flows[v] != NULL)
			rte_flow_destroy(port, flows[v], &err);
}

static int
port_setup(struct mr_app *app, uint16_t port, const struct mr_conf_port *pc)
{
	struct mr_port_facts pf = {
		.has_ipv4 = pc->has_ipv4, .has_ipv6 = pc->has_ipv6,
		.ipv4 = pc->ipv4, .ipv6 = pc->ipv6,
		.nexthop = pc->nexthop_mac, .vlan = pc->vlan,
	};
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint8_t rss_key[MR_RSS_KEY_MAX] __rte_aligned(4);
	/* RX: one queue per worker; TX: also one per transcoder */
	uint16_t nq = app->n_workers, ntx = app->n_workers + app->n_transcoders;
	uint16_t nrx;
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
	/* and one for the main lcore's ARP/ND/echo replies, when the port has it (node.c) */
	app->node_txq[port] = mr_node_tx_queue_wanted(&info, ntx) ? ntx++ : MR_NODE_NO_QUEUE;
	app->node_rxq[port] = app->node_txq[port] != MR_NODE_NO_QUEUE &&
			      mr_node_rx_queue_wanted(&info, nq) ? nq : MR_NODE_NO_QUEUE;
	/*
	 * net_af_packet: every TX queue's socket receives its share of the
	 * fanout, the transcoders' too: the main lcore polls all those RX halves.
	 */
	nrx = app->node_rxq[port] != MR_NODE_NO_QUEUE ? RTE_MIN(ntx, info.max_rx_queues) : nq;
	app->node_nrxq[port] = (uint16_t)(nrx - nq);
	port_steering_choose(app, port, nq, &info, &conf, rss_key);
	conf.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;
	conf.txmode.offloads = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if ((info.tx_offload_capa & MR_PKT_TX_CKSUM_OFFLOAD) == MR_PKT_TX_CKSUM_OFFLOAD) {
		conf.txmode.offloads |= MR_PKT_TX_CKSUM_OFFLOAD;
		pf.cksum_offload = true;
	}
	rc = rte_eth_dev_configure(port, nrx, ntx, &conf);
	if (rc != 0 && (app->port_steering[port] == MR_STEER_RSS_DST ||
			app->port_steering[port] == MR_STEER_RSS_KEY)) {
		/* the PMD offered what it then refused: dispatch instead */
		printf("mrelay: port %u: RSS set-up for steering refused (%s); software dispatch\n",
		       port, rte_strerror(-rc));
		port_steering_spread(app, port, &info, &conf);
		rc = rte_eth_dev_configure(port, nrx, ntx, &conf);
	}
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
		if (q < nrx)
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
	/* rules cover IPv6 too: worth trying where the key cannot */
	if ((app->port_steering[port] == MR_STEER_DISPATCH ||
	     app->port_steering[port] == MR_STEER_RSS_KEY) && app->port_started[port])
		port_steering_flow(app, port, nq);
	app->port_dispatch[port] = app->port_steering[port] == MR_STEER_DISPATCH;
	printf("mrelay: port %u (%s): %u RX queue(s), steering by local endpoint: %s\n",
	       port, info.driver_name, nq, mr_steer_names[app->port_steering[port]]);
	rte_eth_macaddr_get(port, &pf.mac);
	pf.multiseg = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	pf.present = true;
	rc = mr_relay_add_port(app->relay, port);
	if (rc == 0)
		rc = mr_sessions_port_set(app->sessions, port, &pf);
	/* the port cannot steer by destination: the workers dispatch its packets */
	if (rc == 0 && app->port_dispatch[port])
		rc = mr_relay_port_set_dispatch(app->relay, port, true);
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

/*
 * Every library's drop reasons registered at load, none refused; then
 * --drop-reasons, anywhere on the command line, prints them without EAL
 * (offline tools read the names from it). Returns -1 to go on, else the
 * exit status.
 */
static int
drop_reasons(int argc, char **argv)
{
	char err[256];
	int i;

	if (mr_drop_registry_check(&mr_drop_registry, MR_QUIC_DROP_END, err, sizeof(err)) != 0) {
		fprintf(stderr, "mrelay: drop reasons: %s\n", err);
		return EXIT_FAILURE;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--drop-reasons") != 0)
			continue;
		if (mr_drop_reasons_json(stdout) != 0) {
			fprintf(stderr, "mrelay: --drop-reasons: cannot write: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct mr_app *app;
	char err[512];
	int rc, n, status = 0;
	uint16_t p, k;

	rc = drop_reasons(argc, argv);
	if (rc >= 0)
		return rc;
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
	if (mr_node_setup(app) != 0) {
		status = EXIT_CONFIG;
		goto out;
	}
	rc = mr_app_transcoders_setup(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: %s\n", err);
		status = rc == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
		goto out;
	}
	rc = mr_app_quic_setup(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: configuration error: %s\n", err);
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
		.streams = app->streams, .relay = app->relay, .sessions = app->sessions,
		.info = {
			.mbufs = app->conf.mbufs, .stream_idle_ms = app->conf.stream_idle_ms,
			.tx_drain_us = app->conf.tx_drain_us,
			.leg_streams_max = app->conf.leg_streams_max,
			.leg_new_streams_per_s = app->conf.leg_new_streams_per_s,
			.stats_interval_ms = app->conf.stats_interval_ms,
		},
		.pools = {app->pkt_pool, app->hdr_pool}, .n_pools = 2,
	});
	if (app->ctl == NULL) {
		fprintf(stderr, "mrelay: cannot set up the telemetry commands: %s\n",
			rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto out;
	}
	rc = mr_app_ng_setup(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mrelay: %s\n", err);
		status = EXIT_CONFIG;
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
