/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* The main lcore's loop, the live statistics line, shutdown and summary. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "mr_build.h"
#include "mr_metrics.h"
#include "mr_relay_quic.h"
#include "mrelay.h"
#include "unmap_guard.h"

#define HOUSEKEEPING_US 10000   /* RCU reclaim period of retired leg snapshots */
#define MAIN_NAP_MIN_US 20u     /* the main lcore's first nap after it found work */

struct totals {
	uint64_t rx;
	uint64_t tx;
	uint64_t learn;
	uint64_t drops;
};

static void
totals_read(const struct mr_app *app, struct totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		const struct mr_lcore_counters *c = &mr_counters[i];

		t->tx += mr_counter_read(&c->tx_pkts);
		t->learn += mr_counter_read(&c->learn_reqs);
	}
	/*
	 * received from the ports, by the workers and (net_af_packet frames the
	 * kernel put on its socket) the main lcore: transcoders count their ring
	 * input as rx too
	 */
	for (i = 0; i < app->n_workers; i++)
		t->rx += mr_counter_read(&mr_counters[app->worker_lcores[i]].rx_pkts);
	t->rx += mr_counter_read(&mr_counters[rte_get_main_lcore()].rx_pkts);
	t->drops = mr_drop_total_all();
}

static void
stats_line(struct mr_app *app, const struct totals *now, const struct totals *prev,
	   double interval_s)
{
	char drops[512] = "";
	size_t off = 0;
	unsigned int r;

	for (r = MR_DROP_NONE + 1; r < mr_drop_reason_end() && off < sizeof(drops) - 1; r++) {
		uint64_t v = mr_drop_total(r);
		int w;

		if (v == 0 || mr_drop_reason_info(r) == NULL)
			continue;
		w = snprintf(drops + off, sizeof(drops) - off, " %s=%" PRIu64,
			     mr_drop_reason_name(r), v);
		if (w > 0)
			off += (size_t)w;
	}
	printf("[%7.1fs] rx %8.0f pps  tx %8.0f pps  streams %u  learn %.0f/s  drops %" PRIu64 "%s%s\n",
	       (double)(rte_rdtsc() - app->start_tsc) / (double)rte_get_tsc_hz(),
	       (double)(now->rx - prev->rx) / interval_s,
	       (double)(now->tx - prev->tx) / interval_s,
	       mr_streams_count(app->streams),
	       (double)(now->learn - prev->learn) / interval_s,
	       now->drops, off != 0 ? " :" : "", drops);
	fflush(stdout);
}

/*
 * Periodic work runs on TSC deadlines. Each deadline follows the previous
 * one, so the period does not drift; a late loop skips missed periods
 * instead of running them back to back.
 */
static inline bool
deadline_due(uint64_t *deadline, uint64_t period, uint64_t now)
{
	if (now < *deadline)
		return false;
	*deadline += period;
	if (*deadline <= now)
		*deadline = now + period;
	return true;
}

void
mr_app_main_loop(struct mr_app *app, volatile sig_atomic_t *quit)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t hk_period = hz / 1000000 * HOUSEKEEPING_US;
	const uint64_t stats_period = hz / 1000 * app->conf.stats_interval_ms;
	uint64_t now = rte_rdtsc(), next_hk, next_stats, end = 0;
	uint32_t nap_us = RTE_MIN(MAIN_NAP_MIN_US, app->conf.main_idle_us);
	struct totals prev, cur;

	app->start_tsc = now;
	next_hk = now + hk_period;
	next_stats = now + stats_period;
	if (app->duration_s > 0)
		end = now + (uint64_t)(app->duration_s * (double)hz);
	totals_read(app, &prev);

	while (*quit == 0) {
		/* the workers' latch requests; they learn and expire their streams themselves */
		unsigned int work = mr_relay_main_poll(app->relay);

		now = rte_rdtsc();
		work += mr_ctl_poll(app->ctl, now);
		work += mr_port_watch_poll(app, now);
		work += mr_node_poll(app, now);
		work += mr_app_ng_poll(app);
		/* QUIC handshakes, off the workers (mr_relay_quic_hs_setup()) */
		work += mr_relay_quic_hs_poll(app->relay, now);
		if (deadline_due(&next_hk, hk_period, now))
			mr_streams_reclaim(app->streams);
		if (stats_period != 0 && deadline_due(&next_stats, stats_period, now)) {
			totals_read(app, &cur);
			if (!app->quiet)
				stats_line(app, &cur, &prev, (double)stats_period / (double)hz);
			prev = cur;
		}
		if (end != 0 && now >= end)
			break;
		/*
		 * Idle: nap, from 20 us doubling up to main_idle_us while nothing
		 * comes. Work (a latch request, a control command) brings it back
		 * to 20 us, so what follows it soon (the latch of the other leg of
		 * a call starting) waits little, and an idle relay costs little.
		 */
		if (work != 0) {
			nap_us = RTE_MIN(MAIN_NAP_MIN_US, app->conf.main_idle_us);
		} else if (nap_us != 0) {
			rte_delay_us_sleep(nap_us);
			nap_us = RTE_MIN(nap_us * 2, app->conf.main_idle_us);
		}
	}
	if (*quit != 0)
		printf("mrelay: signal %d, shutting down\n", (int)*quit);
}

static void
json_counters(FILE *f, const struct mr_app *app)
{
	uint64_t rx = 0, tx = 0, rtp = 0, rtcp = 0, clones = 0, learn = 0;
	unsigned int i, r;
	const char *sep = "";

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		const struct mr_lcore_counters *c = &mr_counters[i];

		tx += mr_counter_read(&c->tx_pkts);
		rtp += mr_counter_read(&c->rtp_pkts);
		rtcp += mr_counter_read(&c->rtcp_pkts);
		clones += mr_counter_read(&c->fwd_clones);
		learn += mr_counter_read(&c->learn_reqs);
	}
	for (i = 0; i < app->n_workers; i++)
		rx += mr_counter_read(&mr_counters[app->worker_lcores[i]].rx_pkts);
	rx += mr_counter_read(&mr_counters[rte_get_main_lcore()].rx_pkts);
	fprintf(f, "\"counters\":{\"rx_pkts\":%" PRIu64 ",\"tx_pkts\":%" PRIu64
		",\"rtp_pkts\":%" PRIu64 ",\"rtcp_pkts\":%" PRIu64 ",\"fwd_clones\":%" PRIu64
		",\"learn_reqs\":%" PRIu64 "},\n", rx, tx, rtp, rtcp, clones, learn);
	fprintf(f, "\"drops\":{");
	for (r = MR_DROP_NONE + 1; r < mr_drop_reason_end(); r++) {
		if (mr_drop_reason_info(r) == NULL)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, mr_drop_reason_name(r), mr_drop_total(r));
		sep = ",";
	}
	fprintf(f, "},\n");
}

static void
json_streams(FILE *f, const struct mr_streams *s)
{
	const struct mr_stream *st;
	const char *sep = "";
	uint32_t next = 0;

	fprintf(f, "\"streams\":[");
	while ((st = mr_streams_next(s, &next)) != NULL) {
		char local[MR_ENDPOINT_STRLEN];

		fprintf(f, "%s\n {\"leg\":\"%s\",\"local\":\"%s\",\"ssrc\":%u,\"lcore\":%u,"
			"\"pkts\":%" PRIu64 ",\"rtcp_pkts\":%u,\"ext_max\":%u,"
			"\"received\":%u,\"lost\":%" PRId64 ",\"duplicates\":%u,\"late\":%u,"
			"\"restarts\":%u,\"jitter\":%u",
			sep, s->defs[st->leg_idx].name,
			mr_endpoint_format(&st->key.local, local, sizeof(local)),
			st->key.ssrc, st->owner_lcore, st->pkts, st->rtcp_pkts,
			st->started ? mr_seq_ext_max(&st->seq) : 0, st->seq.received,
			st->started ? mr_seq_lost(&st->seq) : 0, st->seq.duplicates,
			st->seq.late, st->seq.restarts, mr_jitter_get(&st->jitter));
		/* what the peer's RTCP said last, as received */
		if (st->has_sr)
			fprintf(f, ",\"sr_lsr\":%u", st->sr_lsr);
		if (st->has_rr)
			fprintf(f, ",\"rr_fraction_lost\":%u,\"rr_cum_lost\":%d,\"rr_jitter\":%u",
				st->rr_fraction_lost, st->rr_cum_lost, st->rr_jitter);
		fputc('}', f);
		sep = ",";
	}
	fprintf(f, "],\n");
}

struct port_snapshot {
	bool valid;
	struct rte_eth_stats stats;
	struct rte_ether_addr mac;
};

static int
summary_write(struct mr_app *app, const struct port_snapshot *ps, uint64_t in_use_total)
{
	struct rte_mempool *pools[2] = {app->pkt_pool, app->hdr_pool};
	const char *sep = "";
	unsigned int i;
	FILE *f;

	f = fopen(app->summary_path, "w");
	if (f == NULL) {
		fprintf(stderr, "mrelay: cannot write summary %s: %s\n", app->summary_path,
			strerror(errno));
		return -errno;
	}
	fprintf(f, "{\"version\":\"%s\",\"build_id\":\"%s\",\"workers\":%u,\n",
		MR_VERSION, MR_BUILD_ID, app->n_workers);
	fprintf(f, "\"ports\":[");
	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (!ps[i].valid)
			continue;
		rte_ether_format_addr(mac, sizeof(mac), &ps[i].mac);
		fprintf(f, "%s{\"id\":%u,\"mac\":\"%s\",\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
			",\"rx_missed\":%" PRIu64 ",\"tx_errors\":%" PRIu64 "}",
			sep, i, mac, ps[i].stats.ipackets, ps[i].stats.opackets,
			ps[i].stats.imissed, ps[i].stats.oerrors);
		sep = ",";
	}
	fprintf(f, "],\n");
	json_counters(f, app);
	if (app->streams != NULL)
		json_streams(f, app->streams);
	fprintf(f, "\"mempools\":[");
	sep = "";
	for (i = 0; i < RTE_DIM(pools); i++) {
		if (pools[i] == NULL)
			continue;
		fprintf(f, "%s{\"name\":\"%s\",\"size\":%u,\"in_use\":%u}", sep, pools[i]->name,
			pools[i]->size, rte_mempool_in_use_count(pools[i]));
		sep = ",";
	}
	fprintf(f, "],\n\"mbufs_in_use_at_exit\":%" PRIu64 "}\n", in_use_total);
	return fclose(f) == 0 ? 0 : -EIO;
}

/*
 * Workers stop and flush, rings are emptied (counted as shutdown drops),
 * ports stop and close (their queues give back what they hold), and then
 * every mbuf must be in its pool again.
 */
int
mr_app_shutdown(struct mr_app *app)
{
	static struct port_snapshot ps[RTE_MAX_ETHPORTS];
	struct rte_mempool *pools[2] = {app->pkt_pool, app->hdr_pool};
	uint64_t in_use_total = 0;
	int status = 0;
	unsigned int i;
	uint16_t p;

	/* first: no control message may arrive once the tables go away */
	mr_ctl_destroy(app->ctl);
	app->ctl = NULL;
	mr_app_ng_free(app);
	if (app->workers_running) {
		mr_relay_stop(app->relay);
		rte_eal_mp_wait_lcore();
		app->workers_running = false;
		mr_unmap_guard_disarm();
	}
	mr_node_free(app);  /* after the workers: their exception rings */
	/* what the main lcore still had to learn */
	if (app->relay != NULL) {
		mr_sessions_free(app->sessions);
		app->sessions = NULL;
		mr_relay_free(app->relay);
		app->relay = NULL;
	}
	for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
		if (!app->port_open[p])
			continue;
		ps[p].valid = mr_port_watch_stats(app, p, &ps[p].stats) == 0;
		rte_eth_macaddr_get(p, &ps[p].mac);
		/* a memif client still waiting for its server is stopped already */
		if (app->port_started[p])
			rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	for (i = 0; i < RTE_DIM(pools); i++) {
		unsigned int in_use;

		if (pools[i] == NULL)
			continue;
		in_use = rte_mempool_in_use_count(pools[i]);
		in_use_total += in_use;
		if (in_use != 0) {
			fprintf(stderr, "mrelay: mempool %s: %u of %u mbufs not returned\n",
				pools[i]->name, in_use, pools[i]->size);
			status = -1;
		} else {
			printf("mrelay: mempool %s: all %u mbufs returned\n", pools[i]->name,
			       pools[i]->size);
		}
	}
	if (app->summary_path != NULL && summary_write(app, ps, in_use_total) != 0)
		status = -1;
	mr_streams_free(app->streams);
	app->streams = NULL;
	rte_mempool_free(app->pkt_pool);
	rte_mempool_free(app->hdr_pool);
	return status;
}
