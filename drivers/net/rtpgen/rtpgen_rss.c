/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * net_rtpgen's receive side scaling, as a NIC does it: a Toeplitz hash of
 * the header fields the configured RSS types select, a redirection table
 * (RETA) indexed by the hash, and each flow delivered on the queue its
 * RETA entry names. Without RSS, every flow arrives on queue 0.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_thash.h>

#include "rtpgen.h"

/*
 * The key of Microsoft's RSS verification suite, also the default of
 * several NIC drivers: hashes can be checked against published values.
 */
static const uint8_t rtpgen_default_key[RTPGEN_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t
mr_rtpgen_rss_hash(const struct rtpgen_dev *dev, const struct rtpgen_flow *f, bool *hashed)
{
	const struct rtpgen_conf *c = &dev->conf;
	uint64_t hf = dev->rss_hf;
	uint64_t l3 = c->ipv6 ? RTE_ETH_RSS_IPV6 : RTE_ETH_RSS_IPV4;
	uint64_t udp = c->ipv6 ? RTE_ETH_RSS_NONFRAG_IPV6_UDP : RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	uint32_t alen = c->ipv6 ? 16 : 4;
	uint8_t in[40] = {0}; /* whole 32-bit words, zero padded */
	uint32_t words[10];
	uint32_t len = 0, i, v;
	bool l4;

	if (hf & udp)
		l4 = true;          /* addresses and ports */
	else if (hf & l3)
		l4 = false;         /* a UDP packet hashed as plain IP */
	else {
		*hashed = false;    /* type not hashed: queue 0 */
		return 0;
	}
	*hashed = true;
	/* the fields in header order; *_ONLY drops the other one of a pair */
	if (!(hf & RTE_ETH_RSS_L3_DST_ONLY)) {
		memcpy(&in[len], c->src_ip, alen);
		v = rte_cpu_to_be_32(f->src_ip);
		memcpy(&in[len + alen - 4], &v, 4);
		len += alen;
	}
	if (!(hf & RTE_ETH_RSS_L3_SRC_ONLY)) {
		memcpy(&in[len], c->dst_ip, alen);
		v = rte_cpu_to_be_32(f->dst_ip);
		memcpy(&in[len + alen - 4], &v, 4);
		len += alen;
	}
	if (l4 && !(hf & RTE_ETH_RSS_L4_DST_ONLY)) {
		in[len++] = (uint8_t)(f->sport >> 8);
		in[len++] = (uint8_t)f->sport;
	}
	if (l4 && !(hf & RTE_ETH_RSS_L4_SRC_ONLY)) {
		in[len++] = (uint8_t)(f->dport >> 8);
		in[len++] = (uint8_t)f->dport;
	}
	/* zero bits add nothing to a Toeplitz hash: padding is harmless */
	for (i = 0; i < (len + 3) / 4; i++) {
		memcpy(&v, &in[4 * i], 4);
		words[i] = rte_be_to_cpu_32(v);
	}
	return rte_softrss(words, (len + 3) / 4, dev->rss_key);
}

/* The queue a NIC would deliver flow @p f on; its hash in @p hash. */
static uint16_t
rtpgen_rss_queue(const struct rtpgen_dev *dev, const struct rtpgen_flow *f, uint32_t *hash)
{
	bool hashed = false;

	*hash = 0;
	if (dev->rss_hf == 0)
		return 0;
	*hash = mr_rtpgen_rss_hash(dev, f, &hashed);
	if (!hashed)
		return 0;
	return dev->reta[*hash % RTPGEN_RETA_SIZE];
}

/* Whether a flow's hash, hence its queue, depends on its source port. */
static bool
rtpgen_rss_sport_hashed(const struct rtpgen_dev *dev)
{
	uint64_t udp = dev->conf.ipv6 ? RTE_ETH_RSS_NONFRAG_IPV6_UDP :
		RTE_ETH_RSS_NONFRAG_IPV4_UDP;

	return (dev->rss_hf & udp) != 0 && (dev->rss_hf & RTE_ETH_RSS_L4_DST_ONLY) == 0;
}

uint16_t
mr_rtpgen_rss_requeue(const struct rtpgen_dev *dev, struct rtpgen_flow *f, uint32_t g)
{
	uint32_t hash;
	uint16_t q = rtpgen_rss_queue(dev, f, &hash);

	if (dev->hashes != NULL)
		dev->hashes[g] = hash;
	if (q >= RTPGEN_MAX_QUEUES || dev->inbox[q] == NULL)
		q = 0; /* as at start: a queue not set up */
	return q;
}

void
mr_rtpgen_rss_inboxes_free(struct rtpgen_dev *dev)
{
	unsigned int q;

	for (q = 0; q < RTPGEN_MAX_QUEUES; q++) {
		rte_ring_free(dev->inbox[q]);
		dev->inbox[q] = NULL;
	}
}

/*
 * With src_change and the source port in the hash, a flow moves to another
 * queue when its source does, as on a NIC: each queue gets an inbox (MP/SC
 * ring) for flows moving to it and a flow list with room for every flow.
 */
static int
rtpgen_rss_inboxes(struct rte_eth_dev *edev, struct rtpgen_dev *dev)
{
	char name[RTE_RING_NAMESIZE];
	uint16_t q;

	for (q = 0; q < edev->data->nb_rx_queues; q++) {
		if (edev->data->rx_queues[q] == NULL)
			continue;
		snprintf(name, sizeof(name), "rtpgen_in_%u_%u", dev->port_id, q);
		dev->inbox[q] = rte_ring_create_elem(name, sizeof(uint32_t), dev->conf.streams,
						     dev->socket_id,
						     RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (dev->inbox[q] == NULL)
			return -ENOMEM;
	}
	return 0;
}

int
mr_rtpgen_rss_distribute(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint16_t nq = edev->data->nb_rx_queues;
	uint32_t count[RTPGEN_MAX_QUEUES] = {0};
	uint32_t *lists[RTPGEN_MAX_QUEUES] = {NULL};
	uint16_t *where;
	uint32_t g, hash;
	uint16_t q;
	bool migrate;
	int rc = -ENOMEM;

	if (nq == 0)
		return 0;
	mr_rtpgen_rss_inboxes_free(dev);
	migrate = nq > 1 && dev->conf.src_change != 0 && rtpgen_rss_sport_hashed(dev);
	if (migrate && rtpgen_rss_inboxes(edev, dev) != 0) {
		mr_rtpgen_rss_inboxes_free(dev);
		return -ENOMEM;
	}
	where = rte_malloc("rtpgen_where", (size_t)dev->conf.streams * sizeof(*where), 0);
	if (where == NULL)
		return -ENOMEM;
	if (dev->rss_hf != 0 && dev->hashes == NULL) {
		dev->hashes = rte_zmalloc_socket("rtpgen_hashes",
						 (size_t)dev->conf.streams * sizeof(uint32_t),
						 RTE_CACHE_LINE_SIZE, dev->socket_id);
		if (dev->hashes == NULL)
			goto out;
	}
	for (g = 0; g < dev->conf.streams; g++) {
		q = rtpgen_rss_queue(dev, &dev->flows[g], &hash);
		if (q >= nq || edev->data->rx_queues[q] == NULL)
			q = 0; /* a RETA entry names a queue not set up */
		where[g] = q;
		count[q]++;
		if (dev->hashes != NULL)
			dev->hashes[g] = hash;
	}
	for (q = 0; q < nq; q++) {
		uint32_t room = migrate ? dev->conf.streams : count[q];

		if (room == 0 || edev->data->rx_queues[q] == NULL)
			continue;
		lists[q] = rte_malloc_socket("rtpgen_flow_idx", (size_t)room * sizeof(uint32_t),
					     RTE_CACHE_LINE_SIZE, dev->socket_id);
		if (lists[q] == NULL)
			goto out;
		count[q] = 0;
	}
	/* ascending flow order in each list: a sweep through dev->flows */
	for (g = 0; g < dev->conf.streams; g++) {
		q = where[g];
		lists[q][count[q]++] = g;
		dev->flows[g].queue = (uint8_t)q;
	}
	for (q = 0; q < nq; q++) {
		struct rtpgen_rxq *rxq = edev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		rte_free(rxq->flow_idx);
		rxq->flow_idx = lists[q];
		rxq->nb_flows = count[q];
		rxq->cursor = 0;
		rxq->migrate = migrate;
		rxq->inbox = dev->inbox[q];
		rxq->rss_hash = dev->hashes != NULL && dev->rss_hf != 0 &&
			(edev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH);
		lists[q] = NULL;
	}
	rc = 0;
out:
	for (q = 0; q < nq; q++)
		rte_free(lists[q]);
	rte_free(where);
	return rc;
}

/* A NIC's reset RETA: queues in turn. */
static void
rtpgen_reta_default(struct rtpgen_dev *dev, uint16_t nq)
{
	uint32_t i;

	for (i = 0; i < RTPGEN_RETA_SIZE; i++)
		dev->reta[i] = nq == 0 ? 0 : (uint16_t)(i % nq);
}

uint64_t
mr_rtpgen_rss_offloads(const struct rtpgen_dev *dev)
{
	uint64_t only = RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L3_DST_ONLY |
		RTE_ETH_RSS_L4_SRC_ONLY | RTE_ETH_RSS_L4_DST_ONLY;

	switch (dev->conf.rss) {
	case RTPGEN_RSS_FULL:
		return RTPGEN_RSS_OFFLOADS & ~only; /* fields fixed (ixgbe) */
	case RTPGEN_RSS_NONE:
		return 0;
	default:
		return RTPGEN_RSS_OFFLOADS;
	}
}

static int
rtpgen_rss_set(struct rtpgen_dev *dev, const char *name, const struct rte_eth_rss_conf *rc)
{
	if ((rc->rss_hf & ~mr_rtpgen_rss_offloads(dev)) != 0) {
		RTPGEN_LOG(ERR, "%s: RSS types 0x%" PRIx64 " not offered (0x%" PRIx64 ")\n",
			   name, rc->rss_hf, mr_rtpgen_rss_offloads(dev));
		return -EINVAL;
	}
	if (rc->rss_key != NULL && rc->rss_key_len != RTPGEN_RSS_KEY_LEN) {
		RTPGEN_LOG(ERR, "%s: RSS key of %u bytes: must be %u\n", name,
			   rc->rss_key_len, RTPGEN_RSS_KEY_LEN);
		return -EINVAL;
	}
	if (rc->rss_key != NULL)
		memcpy(dev->rss_key, rc->rss_key, RTPGEN_RSS_KEY_LEN);
	dev->rss_hf = rte_eth_rss_hf_refine(rc->rss_hf);
	return 0;
}

int
mr_rtpgen_rss_configure(struct rte_eth_dev *edev)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	const struct rte_eth_conf *conf = &edev->data->dev_conf;

	memcpy(dev->rss_key, rtpgen_default_key, RTPGEN_RSS_KEY_LEN);
	dev->rss_hf = 0;
	rtpgen_reta_default(dev, edev->data->nb_rx_queues);
	if (!(conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG))
		return 0; /* no RSS: everything on queue 0 */
	return rtpgen_rss_set(dev, edev->data->name, &conf->rx_adv_conf.rss_conf);
}

/* Flows move between queues only at start: their state is the queue's. */
static int
rtpgen_rss_busy(const struct rte_eth_dev *edev)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;

	if (mr_rtpgen_rss_offloads(dev) == 0)
		return -ENOTSUP; /* rss=none */
	if (dev->started) {
		RTPGEN_LOG(ERR, "%s: RSS changes need the port stopped (rtpgen applies them at start)\n",
			   edev->data->name);
		return -EBUSY;
	}
	if (!(edev->data->dev_conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)) {
		RTPGEN_LOG(ERR, "%s: RSS is not enabled (rxmode.mq_mode)\n", edev->data->name);
		return -ENOTSUP;
	}
	return 0;
}

int
mr_rtpgen_rss_hash_update(struct rte_eth_dev *edev, struct rte_eth_rss_conf *rss_conf)
{
	int rc = rtpgen_rss_busy(edev);

	if (rc != 0)
		return rc;
	return rtpgen_rss_set(edev->data->dev_private, edev->data->name, rss_conf);
}

int
mr_rtpgen_rss_hash_conf_get(struct rte_eth_dev *edev, struct rte_eth_rss_conf *rss_conf)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;

	if (mr_rtpgen_rss_offloads(dev) == 0)
		return -ENOTSUP; /* rss=none */
	if (rss_conf->rss_key != NULL) {
		if (rss_conf->rss_key_len < RTPGEN_RSS_KEY_LEN)
			return -EINVAL;
		memcpy(rss_conf->rss_key, dev->rss_key, RTPGEN_RSS_KEY_LEN);
	}
	rss_conf->rss_key_len = RTPGEN_RSS_KEY_LEN;
	rss_conf->rss_hf = dev->rss_hf;
	return 0;
}

int
mr_rtpgen_reta_update(struct rte_eth_dev *edev, struct rte_eth_rss_reta_entry64 *reta_conf,
		      uint16_t reta_size)
{
	struct rtpgen_dev *dev = edev->data->dev_private;
	uint32_t i;
	int rc = rtpgen_rss_busy(edev);

	if (rc != 0)
		return rc;
	if (reta_size != RTPGEN_RETA_SIZE)
		return -EINVAL;
	/* all entries checked before any is written */
	for (i = 0; i < reta_size; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &reta_conf[i / RTE_ETH_RETA_GROUP_SIZE];
		uint32_t k = i % RTE_ETH_RETA_GROUP_SIZE;

		if (((e->mask >> k) & 1) && e->reta[k] >= edev->data->nb_rx_queues)
			return -EINVAL;
	}
	for (i = 0; i < reta_size; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &reta_conf[i / RTE_ETH_RETA_GROUP_SIZE];
		uint32_t k = i % RTE_ETH_RETA_GROUP_SIZE;

		if ((e->mask >> k) & 1)
			dev->reta[i] = e->reta[k];
	}
	return 0;
}

int
mr_rtpgen_reta_query(struct rte_eth_dev *edev, struct rte_eth_rss_reta_entry64 *reta_conf,
		     uint16_t reta_size)
{
	const struct rtpgen_dev *dev = edev->data->dev_private;
	uint32_t i;

	if (mr_rtpgen_rss_offloads(dev) == 0)
		return -ENOTSUP; /* rss=none */
	if (reta_size != RTPGEN_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < reta_size; i++) {
		struct rte_eth_rss_reta_entry64 *e = &reta_conf[i / RTE_ETH_RETA_GROUP_SIZE];
		uint32_t k = i % RTE_ETH_RETA_GROUP_SIZE;

		if ((e->mask >> k) & 1)
			e->reta[k] = dev->reta[i];
	}
	return 0;
}
