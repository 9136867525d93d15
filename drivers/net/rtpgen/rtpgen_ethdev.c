/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * net_rtpgen: the vdev, its devargs, ethdev ops, stats and xstats.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "rtpgen.h"

RTE_LOG_REGISTER(mr_rtpgen_logtype, mrelay.rtpgen, INFO);

#define RTPGEN_DRIVER "net_rtpgen"

/* ---- devargs ---- */

static int
rtpgen_arg_u64(const char *key, const char *val, uint64_t min, uint64_t max,
	       uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	if (val == NULL || val[0] == '\0' || val[0] == '-')
		goto bad;
	v = strtoull(val, &end, 0);
	if (errno != 0 || end == val || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	RTPGEN_LOG(ERR, "%s: devarg %s=%s: expected an integer in [%" PRIu64 ", %" PRIu64 "]\n",
		   RTPGEN_DRIVER, key, val == NULL ? "" : val, min, max);
	return -EINVAL;
}

static int
rtpgen_arg_u32(const char *key, const char *val, uint64_t min, uint64_t max,
	       uint32_t *out)
{
	uint64_t v;

	if (rtpgen_arg_u64(key, val, min, max, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
rtpgen_arg_pct(const char *key, const char *val, double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	if (val == NULL || val[0] == '\0')
		goto bad;
	v = strtod(val, &end);
	if (errno != 0 || end == val || *end != '\0' || !(v >= 0.0 && v <= 100.0))
		goto bad;
	*out = v;
	return 0;
bad:
	RTPGEN_LOG(ERR, "%s: devarg %s=%s: expected a percentage in [0, 100] (e.g. 0.5)\n",
		   RTPGEN_DRIVER, key, val == NULL ? "" : val);
	return -EINVAL;
}

/* "a.b.c.d:port" or "[v6]:port"; ip gets 16 bytes (v4 in the first 4). */
static int
rtpgen_arg_endpoint(const char *key, const char *val, uint8_t ip[16],
		    uint16_t *port, uint8_t *v6)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t alen;
	uint64_t p;

	if (val == NULL)
		goto bad;
	if (val[0] == '[') {
		const char *close = strchr(val, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		alen = (size_t)(close - val - 1);
		colon = close + 1;
		*v6 = 1;
	} else {
		colon = strrchr(val, ':');
		if (colon == NULL)
			goto bad;
		alen = (size_t)(colon - val);
		*v6 = 0;
	}
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, val + (*v6 ? 1 : 0), alen);
	addr[alen] = '\0';
	memset(ip, 0, 16);
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, addr, ip) != 1)
		goto bad;
	if (rtpgen_arg_u64(key, colon + 1, 1, 65535, &p) < 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
bad:
	RTPGEN_LOG(ERR, "%s: devarg %s=%s: expected a.b.c.d:port or [v6addr]:port\n",
		   RTPGEN_DRIVER, key, val == NULL ? "" : val);
	return -EINVAL;
}

static int
rtpgen_arg_mac(const char *key, const char *val, struct rte_ether_addr *mac)
{
	if (val == NULL || rte_ether_unformat_addr(val, mac) < 0) {
		RTPGEN_LOG(ERR, "%s: devarg %s=%s: expected a MAC address xx:xx:xx:xx:xx:xx\n",
			   RTPGEN_DRIVER, key, val == NULL ? "" : val);
		return -EINVAL;
	}
	return 0;
}


static int
rtpgen_arg_one(struct rtpgen_conf *c, const char *k, const char *v,
	       uint8_t *src_v6, uint8_t *dst_v6)
{
	uint64_t u;

	if (strcmp(k, "streams") == 0)
		return rtpgen_arg_u32(k, v, 1, RTPGEN_MAX_STREAMS, &c->streams);
	if (strcmp(k, "endpoints") == 0)
		return rtpgen_arg_u32(k, v, 1, 65535, &c->endpoints);
	if (strcmp(k, "ssrc_base") == 0)
		return rtpgen_arg_u32(k, v, 0, UINT32_MAX, &c->ssrc_base);
	if (strcmp(k, "src") == 0)
		return rtpgen_arg_endpoint(k, v, c->src_ip, &c->src_port, src_v6);
	if (strcmp(k, "dst") == 0)
		return rtpgen_arg_endpoint(k, v, c->dst_ip, &c->dst_port, dst_v6);
	if (strcmp(k, "src_mac") == 0)
		return rtpgen_arg_mac(k, v, &c->src_mac);
	if (strcmp(k, "dst_mac") == 0)
		return rtpgen_arg_mac(k, v, &c->dst_mac);
	if (strcmp(k, "size") == 0)
		return rtpgen_arg_u32(k, v, 1, RTPGEN_MAX_FRAME, &c->size);
	if (strcmp(k, "payload") == 0)
		return rtpgen_arg_u32(k, v, RTPGEN_VBLOCK_LEN, RTPGEN_MAX_FRAME, &c->payload);
	if (strcmp(k, "pt") == 0) {
		if (rtpgen_arg_u64(k, v, 0, 127, &u) < 0)
			return -EINVAL;
		c->pt = (uint8_t)u;
		return 0;
	}
	if (strcmp(k, "clock") == 0)
		return rtpgen_arg_u32(k, v, 1000, 1000000, &c->clock);
	if (strcmp(k, "ptime") == 0)
		return rtpgen_arg_u32(k, v, 1, 1000, &c->ptime);
	if (strcmp(k, "rate") == 0)
		return rtpgen_arg_u64(k, v, 0, 1000000000, &c->rate);
	if (strcmp(k, "seq_start") == 0) {
		if (rtpgen_arg_u64(k, v, 0, 65535, &u) < 0)
			return -EINVAL;
		c->seq_start = (int32_t)u;
		return 0;
	}
	if (strcmp(k, "loss") == 0)
		return rtpgen_arg_pct(k, v, &c->loss);
	if (strcmp(k, "reorder") == 0)
		return rtpgen_arg_pct(k, v, &c->reorder);
	if (strcmp(k, "reorder_depth") == 0)
		return rtpgen_arg_u32(k, v, 1, RTPGEN_MAX_REORDER_DEPTH, &c->reorder_depth);
	if (strcmp(k, "dup") == 0)
		return rtpgen_arg_pct(k, v, &c->dup);
	if (strcmp(k, "malformed") == 0)
		return rtpgen_arg_pct(k, v, &c->malformed);
	if (strcmp(k, "ssrc_change") == 0)
		return rtpgen_arg_u32(k, v, 0, UINT32_MAX, &c->ssrc_change);
	if (strcmp(k, "src_change") == 0)
		return rtpgen_arg_u32(k, v, 0, UINT32_MAX, &c->src_change);
	if (strcmp(k, "seed") == 0)
		return rtpgen_arg_u64(k, v, 0, UINT64_MAX, &c->seed);
	if (strcmp(k, "opus") == 0) {
		if (rtpgen_arg_u64(k, v, 0, 1, &u) < 0)
			return -EINVAL;
		c->opus = (uint8_t)u;
		return 0;
	}
	if (strcmp(k, "rss") == 0) {
		static const char *const offers[] = {
			[RTPGEN_RSS_DST] = "dst", [RTPGEN_RSS_FULL] = "full",
			[RTPGEN_RSS_NONE] = "none",
		};

		for (u = 0; u < RTE_DIM(offers); u++) {
			if (v != NULL && strcmp(v, offers[u]) == 0) {
				c->rss = (uint8_t)u;
				return 0;
			}
		}
		RTPGEN_LOG(ERR, "%s: devarg rss=%s: expected dst, full or none\n",
			   RTPGEN_DRIVER, v == NULL ? "" : v);
		return -EINVAL;
	}
	if (strcmp(k, "udp_csum") == 0) {
		if (rtpgen_arg_u64(k, v, 0, 1, &u) < 0)
			return -EINVAL;
		c->udp_csum = (uint8_t)u;
		return 0;
	}
	RTPGEN_LOG(ERR, "%s: unknown devarg '%s' (see docs/rtpgen.md)\n", RTPGEN_DRIVER, k);
	return -EINVAL;
}

static void
rtpgen_conf_defaults(struct rtpgen_conf *c)
{
	static const struct rte_ether_addr dst_mac = {{0x02, 0, 0, 0, 0, 0x01}};
	static const struct rte_ether_addr src_mac = {{0x02, 0, 0, 0, 0, 0x02}};

	memset(c, 0, sizeof(*c));
	c->streams = 100;
	c->ssrc_base = 0x10000000;
	inet_pton(AF_INET, "10.1.0.1", c->src_ip);
	c->src_port = 20000;
	inet_pton(AF_INET, "10.0.0.1", c->dst_ip);
	c->dst_port = 30000;
	c->src_mac = src_mac;
	c->dst_mac = dst_mac;
	c->pt = 111;
	c->clock = 48000;
	c->ptime = 20;
	c->seq_start = -1;
	c->reorder_depth = 3;
	c->seed = 1;
}

/* Parse and cross-check the devargs; fills hdr_len and the frame sizes. */
static int
rtpgen_parse(const char *args, struct rtpgen_conf *c, uint32_t *hdr_len)
{
	struct rte_kvargs *kv = NULL;
	uint8_t src_v6 = 0, dst_v6 = 0;
	uint32_t min_size, i;
	int rc = 0;

	rtpgen_conf_defaults(c);
	if (args != NULL && args[0] != '\0') {
		kv = rte_kvargs_parse(args, NULL);
		if (kv == NULL) {
			RTPGEN_LOG(ERR, "%s: cannot parse devargs '%s'\n", RTPGEN_DRIVER, args);
			return -EINVAL;
		}
		for (i = 0; i < kv->count && rc == 0; i++)
			rc = rtpgen_arg_one(c, kv->pairs[i].key, kv->pairs[i].value,
					    &src_v6, &dst_v6);
		rte_kvargs_free(kv);
		if (rc < 0)
			return rc;
	}
	if (src_v6 != dst_v6) {
		/* a default endpoint is v4: a v6 one needs both given */
		RTPGEN_LOG(ERR, "%s: devargs src and dst must be of the same address family\n",
			   RTPGEN_DRIVER);
		return -EINVAL;
	}
	c->ipv6 = src_v6;
	/* 0 = not given: one endpoint per flow */
	if (c->endpoints == 0 || c->endpoints > c->streams)
		c->endpoints = c->streams;
	*hdr_len = RTE_ETHER_HDR_LEN + (c->ipv6 ? sizeof(struct rte_ipv6_hdr) :
		sizeof(struct rte_ipv4_hdr)) + sizeof(struct rte_udp_hdr);
	min_size = *hdr_len + RTPGEN_RTP_HDR_LEN + RTPGEN_VBLOCK_LEN;
	if (c->size != 0 && c->payload != 0) {
		RTPGEN_LOG(ERR, "%s: devargs size and payload are exclusive\n", RTPGEN_DRIVER);
		return -EINVAL;
	}
	if (c->payload != 0)
		c->size = *hdr_len + RTPGEN_RTP_HDR_LEN + c->payload;
	else if (c->size == 0)
		c->size = 200;
	if (c->size < min_size || c->size > RTPGEN_MAX_FRAME) {
		RTPGEN_LOG(ERR, "%s: devarg size=%u: must be in [%u, %u] (headers + RTP + %u-byte validation block)\n",
			   RTPGEN_DRIVER, c->size, min_size, RTPGEN_MAX_FRAME, RTPGEN_VBLOCK_LEN);
		return -EINVAL;
	}
	c->payload = c->size - *hdr_len - RTPGEN_RTP_HDR_LEN;
	c->ts_step = (uint32_t)((uint64_t)c->clock * c->ptime / 1000);
	if (c->ts_step == 0) {
		RTPGEN_LOG(ERR, "%s: devargs clock=%u ptime=%u: timestamp step is 0\n",
			   RTPGEN_DRIVER, c->clock, c->ptime);
		return -EINVAL;
	}
	if (c->opus) {
		uint32_t fb = c->payload - RTPGEN_VBLOCK_LEN;

		if (c->clock != 48000 || (c->ptime != 10 && c->ptime != 20 &&
					  c->ptime != 40 && c->ptime != 60)) {
			RTPGEN_LOG(ERR, "%s: devarg opus=1 needs clock=48000 and ptime 10, 20, 40 or 60\n",
				   RTPGEN_DRIVER);
			return -EINVAL;
		}
		if (fb * 8u * 1000u / c->ptime < 6000 || fb > 1275) {
			RTPGEN_LOG(ERR, "%s: devarg opus=1: the Opus frame (%u bytes from size/payload) must give 6..510 kbit/s and be at most 1275 bytes\n",
				   RTPGEN_DRIVER, fb);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- counters ---- */

static const char *const rtpgen_xstat_names[] = {
	"generated", "malformed_generated", "malformed_truncated",
	"malformed_bad_version", "malformed_cc_overflow", "malformed_padding",
	"malformed_bad_ip", "loss_generated", "reorder_generated", "dup_generated",
	"ssrc_changes_generated", "src_changes_generated", "rx_nombuf",
	"tx_valid", "tx_bad_magic", "tx_bad_checksum", "tx_bad_udp_csum",
	"tx_not_rtp", "tx_unknown_flow", "tx_lost", "tx_reordered", "tx_duplicate",
	"tx_ssrc_changes", "latency_p50_ns", "latency_p99_ns", "latency_p999_ns",
	"latency_max_ns",
};
#define RTPGEN_NB_XSTATS RTE_DIM(rtpgen_xstat_names)

struct rtpgen_totals {
	struct rtpgen_rx_counters rx;
	struct rtpgen_tx_counters tx;
	int64_t lost;
	uint64_t lat_max;
};

static void
rtpgen_totals(const struct rte_eth_dev *edev, struct rtpgen_totals *t)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t q;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		const struct rtpgen_rxq *rxq = edev->data->rx_queues[q];
		const uint64_t *cur, *base;
		uint64_t *sum = (uint64_t *)&t->rx;

		if (rxq == NULL)
			continue;
		cur = (const uint64_t *)&rxq->c;
		base = (const uint64_t *)&rxq->base;
		for (i = 0; i < sizeof(t->rx) / sizeof(uint64_t); i++)
			sum[i] += cur[i] - base[i];
	}
	for (q = 0; q < edev->data->nb_tx_queues; q++) {
		const struct rtpgen_txq *txq = edev->data->tx_queues[q];
		const uint64_t *cur, *base;
		uint64_t *sum = (uint64_t *)&t->tx;

		if (txq == NULL)
			continue;
		cur = (const uint64_t *)&txq->c;
		base = (const uint64_t *)&txq->base;
		for (i = 0; i < sizeof(t->tx) / sizeof(uint64_t); i++)
			sum[i] += cur[i] - base[i];
		if (__atomic_load_n(&txq->max_epoch, __ATOMIC_RELAXED) == dev->reset_epoch &&
		    txq->lat_max > t->lat_max)
			t->lat_max = txq->lat_max;
	}
	/* lost goes down when a late packet fills a gap; never report < 0 */
	t->lost = (int64_t)t->tx.lost;
	if (t->lost < 0)
		t->lost = 0;
}

static uint64_t
rtpgen_cycles_to_ns(uint64_t cycles)
{
	return (uint64_t)((double)cycles * 1e9 / (double)rte_get_tsc_hz());
}

static uint64_t
rtpgen_percentile(const struct rtpgen_tx_counters *tx, double pct)
{
	uint64_t total = 0, acc = 0, rank;
	unsigned int b;

	for (b = 0; b < RTPGEN_HIST_BUCKETS; b++)
		total += tx->hist[b];
	if (total == 0)
		return 0;
	rank = (uint64_t)((double)total * pct / 100.0);
	if (rank >= total)
		rank = total - 1;
	for (b = 0; b < RTPGEN_HIST_BUCKETS; b++) {
		acc += tx->hist[b];
		if (acc > rank)
			break;
	}
	return rtpgen_cycles_to_ns(mr_rtpgen_hist_value(b));
}

static void
rtpgen_xstat_values(const struct rte_eth_dev *edev, uint64_t *v)
{
	struct rtpgen_totals t;
	unsigned int i = 0, k;

	rtpgen_totals(edev, &t);
	v[i++] = t.rx.generated;
	v[i++] = t.rx.malformed;
	for (k = 0; k < RTPGEN_MAL_MAX; k++)
		v[i++] = t.rx.mal[k];
	v[i++] = t.rx.loss;
	v[i++] = t.rx.reorder;
	v[i++] = t.rx.dup;
	v[i++] = t.rx.ssrc_changes;
	v[i++] = t.rx.src_changes;
	v[i++] = t.rx.nombuf;
	v[i++] = t.tx.valid;
	v[i++] = t.tx.bad_magic;
	v[i++] = t.tx.bad_checksum;
	v[i++] = t.tx.bad_udp_csum;
	v[i++] = t.tx.not_rtp;
	v[i++] = t.tx.unknown_flow;
	v[i++] = (uint64_t)t.lost;
	v[i++] = t.tx.reordered;
	v[i++] = t.tx.duplicate;
	v[i++] = t.tx.ssrc_changes;
	v[i++] = rtpgen_percentile(&t.tx, 50.0);
	v[i++] = rtpgen_percentile(&t.tx, 99.0);
	v[i++] = rtpgen_percentile(&t.tx, 99.9);
	v[i++] = rtpgen_cycles_to_ns(t.lat_max);
	RTE_VERIFY(i == RTPGEN_NB_XSTATS);
}

static int
rtpgen_xstats_get(struct rte_eth_dev *edev, struct rte_eth_xstat *xs, unsigned int n)
{
	uint64_t v[RTPGEN_NB_XSTATS];
	unsigned int i;

	if (xs == NULL || n < RTPGEN_NB_XSTATS)
		return RTPGEN_NB_XSTATS;
	rtpgen_xstat_values(edev, v);
	for (i = 0; i < RTPGEN_NB_XSTATS; i++) {
		xs[i].id = i;
		xs[i].value = v[i];
	}
	return RTPGEN_NB_XSTATS;
}

static int
rtpgen_xstats_get_names(struct rte_eth_dev *edev __rte_unused,
			struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int i;

	if (names == NULL || size < RTPGEN_NB_XSTATS)
		return RTPGEN_NB_XSTATS;
	for (i = 0; i < RTPGEN_NB_XSTATS; i++)
		strlcpy(names[i].name, rtpgen_xstat_names[i], sizeof(names[i].name));
	return RTPGEN_NB_XSTATS;
}

/*
 * Reset takes a baseline of every counter rather than zeroing them: the
 * counters have one writer, the queue's lcore, which may be running.
 */
static int
rtpgen_reset(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t q;

	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		struct rtpgen_rxq *rxq = edev->data->rx_queues[q];

		if (rxq != NULL)
			rxq->base = rxq->c;
	}
	for (q = 0; q < edev->data->nb_tx_queues; q++) {
		struct rtpgen_txq *txq = edev->data->tx_queues[q];

		if (txq != NULL)
			txq->base = txq->c;
	}
	__atomic_fetch_add(&dev->reset_epoch, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
rtpgen_stats_get(struct rte_eth_dev *edev, struct rte_eth_stats *st)
{
	uint16_t q;

	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		const struct rtpgen_rxq *rxq = edev->data->rx_queues[q];
		uint64_t pk, by;

		if (rxq == NULL)
			continue;
		pk = rxq->c.pkts - rxq->base.pkts;
		by = rxq->c.bytes - rxq->base.bytes;
		st->ipackets += pk;
		st->ibytes += by;
		st->rx_nombuf += rxq->c.nombuf - rxq->base.nombuf;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[q] = pk;
			st->q_ibytes[q] = by;
		}
	}
	for (q = 0; q < edev->data->nb_tx_queues; q++) {
		const struct rtpgen_txq *txq = edev->data->tx_queues[q];
		uint64_t pk, by;

		if (txq == NULL)
			continue;
		pk = txq->c.pkts - txq->base.pkts;
		by = txq->c.bytes - txq->base.bytes;
		st->opackets += pk;
		st->obytes += by;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[q] = pk;
			st->q_obytes[q] = by;
		}
	}
	return 0;
}

/* ---- queues ---- */

static void
rtpgen_rxq_free(struct rtpgen_rxq *q)
{
	uint32_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nb_held; i++) {
		q->flows[q->held[i].flow].held = 0;
		rte_pktmbuf_free(q->held[i].m);
	}
	for (i = 0; i < q->nb_pending; i++)
		rte_pktmbuf_free(q->pending[i]);
	rte_free(q->flow_idx);
	rte_free(q);
}

static void
rtpgen_txq_free(struct rtpgen_txq *q)
{
	if (q == NULL)
		return;
	rte_free(q->vflows);
	rte_free(q);
}

static void
rtpgen_rx_queue_release(struct rte_eth_dev *edev, uint16_t qid)
{
	rtpgen_rxq_free(edev->data->rx_queues[qid]);
	edev->data->rx_queues[qid] = NULL;
}

static void
rtpgen_tx_queue_release(struct rte_eth_dev *edev, uint16_t qid)
{
	rtpgen_txq_free(edev->data->tx_queues[qid]);
	edev->data->tx_queues[qid] = NULL;
}

static uint32_t
rtpgen_pct_threshold(double pct)
{
	double t = pct / 100.0 * 4294967296.0;

	return t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t;
}

static int
rtpgen_rx_queue_setup(struct rte_eth_dev *edev, uint16_t qid, uint16_t nb_desc __rte_unused,
		      unsigned int socket_id, const struct rte_eth_rxconf *conf,
		      struct rte_mempool *mp)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;
	const struct rtpgen_conf *c = &dev->conf;
	uint32_t i, max_len = 0;
	struct rtpgen_rxq *q;
	int socket = (int)socket_id;

	for (i = 0; i < dev->nb_images; i++)
		max_len = RTE_MAX(max_len, dev->images[i].len);
	if (rte_pktmbuf_data_room_size(mp) < RTE_PKTMBUF_HEADROOM + max_len) {
		RTPGEN_LOG(ERR, "%s: rx queue %u: mbufs of pool %s hold %u bytes, frames need %u\n",
			   edev->data->name, qid, mp->name,
			   rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM, max_len);
		return -EINVAL;
	}
	q = rte_zmalloc_socket("rtpgen_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->dev = dev;
	q->mp = mp;
	/* which flows arrive here is RSS's choice, made at start */
	q->flows = dev->flows;
	q->port_id = edev->data->port_id;
	q->queue_id = qid;
	q->prng = c->seed ^ (0x9e3779b97f4a7c15ULL * (qid + 1u));
	q->prng = mr_rtpgen_splitmix(&q->prng) | 1; /* xorshift state must not be 0 */
	q->thr_loss = rtpgen_pct_threshold(c->loss);
	q->thr_reorder = rtpgen_pct_threshold(c->reorder);
	q->thr_dup = rtpgen_pct_threshold(c->dup);
	q->thr_malformed = rtpgen_pct_threshold(c->malformed);
	q->impaired = q->thr_loss || q->thr_reorder || q->thr_dup || q->thr_malformed ||
		c->ssrc_change || c->src_change;
	q->hz = rte_get_tsc_hz();
	q->max_credit = RTE_MAX((uint64_t)32, c->rate / 1000);
	if (!c->ipv6 && ((edev->data->dev_conf.rxmode.offloads |
			  (conf != NULL ? conf->offloads : 0)) & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM))
		q->rx_ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	edev->data->rx_queues[qid] = q;
	return 0;
}

static int
rtpgen_tx_queue_setup(struct rte_eth_dev *edev, uint16_t qid, uint16_t nb_desc __rte_unused,
		      unsigned int socket_id, const struct rte_eth_txconf *conf __rte_unused)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;
	struct rtpgen_txq *q;
	int socket = (int)socket_id;

	q = rte_zmalloc_socket("rtpgen_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	/* each TX queue tracks every flow: a flow may leave on any queue */
	q->vflows = rte_zmalloc_socket("rtpgen_vflows",
				       (size_t)dev->conf.streams * sizeof(*q->vflows),
				       RTE_CACHE_LINE_SIZE, socket);
	if (q->vflows == NULL) {
		rte_free(q);
		return -ENOMEM;
	}
	q->dev = dev;
	q->streams = dev->conf.streams;
	q->port_id = edev->data->port_id;
	q->queue_id = qid;
	q->max_epoch = dev->reset_epoch;
	edev->data->tx_queues[qid] = q;
	return 0;
}

/* ---- device ops ---- */

static int
rtpgen_configure(struct rte_eth_dev *edev)
{
	if (edev->data->nb_rx_queues > RTPGEN_MAX_QUEUES ||
	    edev->data->nb_tx_queues > RTPGEN_MAX_QUEUES)
		return -EINVAL;
	return mr_rtpgen_rss_configure(edev);
}

static int
rtpgen_start(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t q;
	int rc;

	/* each flow to the queue the RSS configuration names */
	rc = mr_rtpgen_rss_distribute(edev);
	if (rc != 0)
		return rc;
	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		struct rtpgen_rxq *rxq = edev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		rxq->start_tsc = 0; /* pacing restarts at the first burst */
		if (rxq->rss_hash)
			rxq->rx_ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		else
			rxq->rx_ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;
	}
	dev->started = 1;
	edev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	return 0;
}

static int
rtpgen_stop(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t q;
	uint32_t i;

	/*
	 * A reordered packet still held is dropped, as a stopping NIC drops
	 * what it holds: its flow may move to another queue at the next start.
	 */
	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		struct rtpgen_rxq *rxq = edev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		for (i = 0; i < rxq->nb_held; i++) {
			rxq->flows[rxq->held[i].flow].held = 0;
			rte_pktmbuf_free(rxq->held[i].m);
			rxq->c.reorder--;
			rxq->c.loss++;
		}
		rxq->nb_held = 0;
	}
	dev->started = 0;
	edev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	return 0;
}

static int
rtpgen_link_update(struct rte_eth_dev *edev __rte_unused, int wait __rte_unused)
{
	return 0;
}

static int
rtpgen_noop(struct rte_eth_dev *edev __rte_unused)
{
	return 0;
}

static int
rtpgen_mtu_set(struct rte_eth_dev *edev __rte_unused, uint16_t mtu __rte_unused)
{
	return 0;
}

static int
rtpgen_infos_get(struct rte_eth_dev *edev, struct rte_eth_dev_info *info)
{
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = RTPGEN_MAX_FRAME;
	info->max_rx_queues = RTPGEN_MAX_QUEUES;
	info->max_tx_queues = RTPGEN_MAX_QUEUES;
	info->min_rx_bufsize = 0;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = RTPGEN_MAX_FRAME - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	/*
	 * Like a NIC that checks IPv4 header checksums: the frames it makes
	 * are whole, so it flags them GOOD (malformed ones: not checked).
	 */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	/* RSS emulated over the RX queues (rtpgen_rss.c), unless rss=none */
	info->flow_type_rss_offloads = mr_rtpgen_rss_offloads(edev->data->dev_private);
	if (info->flow_type_rss_offloads != 0) {
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
		info->hash_key_size = RTPGEN_RSS_KEY_LEN;
		info->reta_size = RTPGEN_RETA_SIZE;
	}
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	return 0;
}

static void
rtpgen_summary(const struct rte_eth_dev *edev)
{
	uint64_t v[RTPGEN_NB_XSTATS];

	rtpgen_xstat_values(edev, v);
	RTPGEN_LOG(INFO, "%s: generated %" PRIu64 " RTP packets (%" PRIu64 " malformed, "
		   "%" PRIu64 " dropped, %" PRIu64 " reordered, %" PRIu64 " duplicated); "
		   "validated %" PRIu64 " valid, %" PRIu64 " bad magic, %" PRIu64 " bad checksum, "
		   "%" PRIu64 " bad UDP checksum, %" PRIu64 " not RTP, %" PRIu64 " unknown flow; "
		   "%" PRIu64 " lost, %" PRIu64 " reordered, %" PRIu64 " duplicate, %" PRIu64
		   " SSRC changes; latency p50 %" PRIu64 " ns, p99 %" PRIu64 " ns, p99.9 %" PRIu64
		   " ns, max %" PRIu64 " ns\n",
		   edev->data->name, v[0], v[1], v[7], v[8], v[9], v[13], v[14], v[15], v[16],
		   v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26]);
}

static int
rtpgen_close(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	rtpgen_summary(edev);
	for (q = 0; q < edev->data->nb_rx_queues; q++)
		rtpgen_rx_queue_release(edev, q);
	for (q = 0; q < edev->data->nb_tx_queues; q++)
		rtpgen_tx_queue_release(edev, q);
	rte_free(dev->images);
	dev->images = NULL;
	rte_free(dev->flows);
	dev->flows = NULL;
	rte_free(dev->hashes);
	dev->hashes = NULL;
	mr_rtpgen_rss_inboxes_free(dev);
	/* dev_private and mac_addrs are freed by rte_eth_dev_release_port() */
	return 0;
}

static const struct eth_dev_ops rtpgen_ops = {
	.dev_configure = rtpgen_configure,
	.dev_start = rtpgen_start,
	.dev_stop = rtpgen_stop,
	.dev_close = rtpgen_close,
	.link_update = rtpgen_link_update,
	.promiscuous_enable = rtpgen_noop,
	.promiscuous_disable = rtpgen_noop,
	.allmulticast_enable = rtpgen_noop,
	.allmulticast_disable = rtpgen_noop,
	.mtu_set = rtpgen_mtu_set,
	.stats_get = rtpgen_stats_get,
	.stats_reset = rtpgen_reset,
	.xstats_get = rtpgen_xstats_get,
	.xstats_reset = rtpgen_reset,
	.xstats_get_names = rtpgen_xstats_get_names,
	.dev_infos_get = rtpgen_infos_get,
	.rx_queue_setup = rtpgen_rx_queue_setup,
	.rx_queue_release = rtpgen_rx_queue_release,
	.tx_queue_setup = rtpgen_tx_queue_setup,
	.tx_queue_release = rtpgen_tx_queue_release,
	.rss_hash_update = mr_rtpgen_rss_hash_update,
	.rss_hash_conf_get = mr_rtpgen_rss_hash_conf_get,
	.reta_update = mr_rtpgen_reta_update,
	.reta_query = mr_rtpgen_reta_query,
};

/* ---- vdev ---- */

static int
rtpgen_build_images(struct rtpgen_dev *dev)
{
	const struct rtpgen_conf *c = &dev->conf;
	uint32_t media_len = c->payload - RTPGEN_VBLOCK_LEN;
	const uint8_t *media[1];
	uint8_t *buf;
	uint32_t i;
	int rc;

	if (c->opus)
		return mr_rtpgen_opus_build(dev, media_len);
	/* opaque media, the same bytes for every flow: its sum is precomputed */
	buf = malloc(media_len + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (i = 0; i < media_len; i++)
		buf[i] = (uint8_t)(i * 7u + 0x5a);
	media[0] = buf;
	rc = mr_rtpgen_images_build(dev, media, &media_len, 1);
	free(buf);
	return rc;
}

static int
rtpgen_probe(struct rte_vdev_device *vdev)
{
	struct rte_device *rdev = RTPGEN_VDEV_DEV(vdev);
	const char *name = rte_dev_name(rdev);
	const struct rte_devargs *da = rte_dev_devargs(rdev);
	const char *args = da != NULL ? da->args : NULL;
	struct rte_eth_dev *edev;
	struct rtpgen_dev *dev;
	struct rtpgen_conf conf;
	uint32_t hdr_len;
	int socket = rte_socket_id();
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		RTPGEN_LOG(ERR, "%s: secondary processes are not supported\n", name);
		return -ENOTSUP;
	}
	rc = rtpgen_parse(args, &conf, &hdr_len);
	if (rc < 0) {
		RTPGEN_LOG(ERR, "%s: bad devargs, device not created\n", name);
		return rc;
	}
	edev = rte_eth_dev_allocate(name);
	if (edev == NULL)
		return -ENOMEM;
	if (strcmp(edev->data->name, name) != 0) {
		/* our view of the ethdev ABI does not match the library */
		RTPGEN_LOG(ERR, "%s: ethdev layout mismatch\n", name);
		rte_eth_dev_release_port(edev);
		return -EPROTO;
	}
	dev = rte_zmalloc_socket(name, sizeof(*dev), RTE_CACHE_LINE_SIZE, socket);
	edev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(struct rte_ether_addr),
						   0, socket);
	if (dev == NULL || edev->data->mac_addrs == NULL) {
		rte_free(dev);
		rte_eth_dev_release_port(edev);
		return -ENOMEM;
	}
	dev->conf = conf;
	dev->hdr_len = hdr_len;
	dev->socket_id = socket;
	dev->port_id = edev->data->port_id;
	edev->data->dev_private = dev;
	rc = rtpgen_build_images(dev);
	if (rc == 0) {
		dev->flows = rte_zmalloc_socket("rtpgen_flows",
						(size_t)conf.streams * sizeof(*dev->flows),
						RTE_CACHE_LINE_SIZE, socket);
		if (dev->flows == NULL)
			rc = -ENOMEM;
		else
			mr_rtpgen_flows_init(&conf, dev->flows, 0, conf.streams);
	}
	if (rc < 0) {
		RTPGEN_LOG(ERR, "%s: cannot build frames and flows: %s\n", name, strerror(-rc));
		rte_free(dev->images);
		rte_eth_dev_release_port(edev);
		return rc;
	}
	/* the port's own address is the frames' source MAC */
	*edev->data->mac_addrs = conf.src_mac;
	edev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_100G;
	edev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	edev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;
	edev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	edev->data->numa_node = socket;
	edev->dev_ops = &rtpgen_ops;
	edev->device = rdev;
	edev->rx_pkt_burst = mr_rtpgen_rx_burst;
	edev->tx_pkt_burst = mr_rtpgen_tx_burst;
	rte_eth_dev_probing_finish(edev);
	RTPGEN_LOG(INFO, "%s: port %u, %u streams, %u-byte frames%s%s\n", name,
		   edev->data->port_id, conf.streams, conf.size, conf.ipv6 ? ", IPv6" : "",
		   conf.opus ? ", Opus" : "");
	return 0;
}

static int
rtpgen_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *edev = rte_eth_dev_allocated(rte_dev_name(RTPGEN_VDEV_DEV(vdev)));

	if (edev == NULL)
		return 0; /* already closed by the application */
	rte_eth_dev_stop(edev->data->port_id);
	return rte_eth_dev_close(edev->data->port_id);
}

static struct rte_vdev_driver rtpgen_vdev_drv = {
	.probe = rtpgen_probe,
	.remove = rtpgen_remove,
};

RTE_PMD_REGISTER_VDEV(net_rtpgen, rtpgen_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_rtpgen,
	"streams=<1..4194304> endpoints=<1..65535> ssrc_base=<u32> src=<ip:port> dst=<ip:port> "
	"src_mac=<mac> dst_mac=<mac> size=<bytes> payload=<bytes> pt=<0..127> "
	"clock=<Hz> ptime=<ms> rate=<pps> seq_start=<0..65535> loss=<%> "
	"reorder=<%> reorder_depth=<1..16> dup=<%> malformed=<%> "
	"ssrc_change=<n> src_change=<n> seed=<u64> opus=<0|1> udp_csum=<0|1> "
	"rss=<dst|full|none>");
