/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The fast path: RX generates RTP frames from prebuilt images, TX parses
 * and validates what the application sends and frees it.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "rtpgen.h"

#define RTPGEN_CHUNK 64u

uint64_t
mr_rtpgen_splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*: the per-queue generator, cheap and repeatable. */
static inline uint32_t
rtpgen_rand32(struct rtpgen_rxq *q)
{
	uint64_t x = q->prng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	q->prng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static inline uint32_t
rtpgen_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * Ones' complement sum equal to rte_raw_cksum(), 8 bytes a step: a 32-bit
 * word w1:w0 is congruent to w1 + w0 modulo 0xffff, so wide adds fold to
 * the same 16-bit result. (22.11's rte_raw_cksum walks 2 bytes a step.)
 */
static inline uint16_t
rtpgen_sum(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	uint64_t w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		sum += (w & 0xffffffff) + (w >> 32);
	}
	/* the tail starts at an even offset, so the pieces keep word order */
	if (len & 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		sum += v;
		p += 4;
	}
	if (len & 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		sum += v;
		p += 2;
	}
	if (len & 1)
		sum += *p; /* little endian: the low byte of a zero-padded word */
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void
mr_rtpgen_flows_init(const struct rtpgen_conf *conf, struct rtpgen_flow *flows,
		     uint32_t first, uint32_t count)
{
	uint32_t sppi = 65536u - conf->src_port; /* ports per source address */
	uint32_t dppi = 65536u - conf->dst_port;
	uint32_t sbase, dbase;
	uint32_t i;

	memcpy(&sbase, conf->src_ip + (conf->ipv6 ? 12 : 0), 4);
	memcpy(&dbase, conf->dst_ip + (conf->ipv6 ? 12 : 0), 4);
	sbase = rte_be_to_cpu_32(sbase);
	dbase = rte_be_to_cpu_32(dbase);
	for (i = 0; i < count; i++) {
		struct rtpgen_flow *f = &flows[i];
		uint32_t g = first + i;
		uint32_t e = g % conf->endpoints; /* flows beyond it share endpoints */
		uint64_t st = conf->seed ^ ((uint64_t)g * 0xd1b54a32d192ed03ULL);
		uint64_t r = mr_rtpgen_splitmix(&st);

		memset(f, 0, sizeof(*f));
		f->ssrc = conf->ssrc_base + g;
		f->seq = conf->seq_start >= 0 ? (uint16_t)conf->seq_start : (uint16_t)r;
		f->ts = (uint32_t)(r >> 32);
		f->src_ip = sbase + e / sppi;
		f->sport = (uint16_t)(conf->src_port + e % sppi);
		f->dst_ip = dbase + e / dppi;
		f->dport = (uint16_t)(conf->dst_port + e % dppi);
	}
}

int
mr_rtpgen_images_build(struct rtpgen_dev *dev, const uint8_t *const *media,
		       const uint32_t *media_len, uint32_t count)
{
	const struct rtpgen_conf *conf = &dev->conf;
	uint32_t i;

	dev->images = rte_zmalloc_socket("rtpgen_images", count * sizeof(*dev->images),
					 RTE_CACHE_LINE_SIZE, dev->socket_id);
	if (dev->images == NULL)
		return -ENOMEM;
	dev->nb_images = count;
	for (i = 0; i < count; i++) {
		struct rtpgen_image *img = &dev->images[i];
		uint32_t rtp_len = RTPGEN_RTP_HDR_LEN + media_len[i] + RTPGEN_VBLOCK_LEN;
		uint32_t udp_len = sizeof(struct rte_udp_hdr) + rtp_len;
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)img->data;
		struct rte_udp_hdr *udp;
		struct rtpgen_vblock *blk;
		uint8_t *rtp;

		img->len = dev->hdr_len + rtp_len;
		if (img->len > RTPGEN_MAX_FRAME)
			return -EINVAL;
		eth->dst_addr = conf->dst_mac;
		eth->src_addr = conf->src_mac;
		if (!conf->ipv6) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

			eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			ip->version_ihl = 0x45;
			ip->type_of_service = 0xb8; /* DSCP EF, as voice is marked */
			ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + udp_len);
			ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
			ip->time_to_live = 64;
			ip->next_proto_id = IPPROTO_UDP;
			img->ip_sum = rte_raw_cksum(ip, sizeof(*ip));
			udp = (struct rte_udp_hdr *)(ip + 1);
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

			eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
			ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20);
			ip6->payload_len = rte_cpu_to_be_16(udp_len);
			ip6->proto = IPPROTO_UDP;
			ip6->hop_limits = 64;
			memcpy(ip6->src_addr, conf->src_ip, 16);
			memcpy(ip6->dst_addr, conf->dst_ip, 16);
			udp = (struct rte_udp_hdr *)(ip6 + 1);
		}
		udp->dgram_len = rte_cpu_to_be_16(udp_len);
		rtp = (uint8_t *)(udp + 1);
		rtp[0] = 0x80 | 0x20; /* V=2, P=1: the block is RTP padding */
		rtp[1] = conf->pt & 0x7f;
		memcpy(rtp + RTPGEN_RTP_HDR_LEN, media[i], media_len[i]);
		blk = (struct rtpgen_vblock *)(rtp + RTPGEN_RTP_HDR_LEN + media_len[i]);
		blk->magic = rte_cpu_to_be_32(RTPGEN_MAGIC);
		blk->csum = rte_cpu_to_be_16(rte_raw_cksum(rtp + RTPGEN_RTP_HDR_LEN,
							   media_len[i]));
		blk->media_len = rte_cpu_to_be_16((uint16_t)media_len[i]);
		blk->pad_count = RTPGEN_VBLOCK_LEN;
	}
	return 0;
}

/*
 * Write one frame of flow @p f (global index @p g) into @p m, with the RX
 * offload flags a port that checked it would set (@p ol_flags).
 */
static inline void
rtpgen_fill(const struct rtpgen_dev *dev, struct rtpgen_flow *f, uint32_t g,
	    struct rte_mbuf *m, uint64_t tsc, uint64_t ol_flags)
{
	const struct rtpgen_image *img = &dev->images[f->image];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_udp_hdr *udp;
	struct rtpgen_vblock *blk;
	uint8_t *rtp;

	rte_memcpy(p, img->data, img->len);
	m->ol_flags = ol_flags;
	if (!dev->conf.ipv6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
		uint32_t s = rte_cpu_to_be_32(f->src_ip);
		uint32_t d = rte_cpu_to_be_32(f->dst_ip);
		uint32_t sum = img->ip_sum + (s & 0xffff) + (s >> 16) +
			(d & 0xffff) + (d >> 16);

		ip->src_addr = s;
		ip->dst_addr = d;
		ip->hdr_checksum = (uint16_t)~rtpgen_fold(sum);
		udp = (struct rte_udp_hdr *)(ip + 1);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);
		uint32_t s = rte_cpu_to_be_32(f->src_ip);
		uint32_t d = rte_cpu_to_be_32(f->dst_ip);

		memcpy(ip6->src_addr + 12, &s, 4);
		memcpy(ip6->dst_addr + 12, &d, 4);
		udp = (struct rte_udp_hdr *)(ip6 + 1);
	}
	udp->src_port = rte_cpu_to_be_16(f->sport);
	udp->dst_port = rte_cpu_to_be_16(f->dport);
	rtp = (uint8_t *)(udp + 1);
	*(unaligned_uint16_t *)(rtp + 2) = rte_cpu_to_be_16(f->seq);
	*(unaligned_uint32_t *)(rtp + 4) = rte_cpu_to_be_32(f->ts);
	*(unaligned_uint32_t *)(rtp + 8) = rte_cpu_to_be_32(f->ssrc);
	blk = (struct rtpgen_vblock *)(p + img->len - RTPGEN_VBLOCK_LEN);
	blk->flow_id = rte_cpu_to_be_32(g);
	blk->tsc = tsc;
	if (dev->conf.ipv6)
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(
			(struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN), udp);
	else if (dev->conf.udp_csum)
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(
			(struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN), udp);
	m->data_len = (uint16_t)img->len;
	m->pkt_len = img->len;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L4_UDP |
		(dev->conf.ipv6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4);
	if (++f->image == dev->nb_images)
		f->image = 0;
}

/* Take flow @p f's held packet out of the queue's held slots. */
static struct rte_mbuf *
rtpgen_unhold(struct rtpgen_rxq *q, struct rtpgen_flow *f)
{
	uint32_t slot = f->held - 1u;
	struct rte_mbuf *m = q->held[slot].m;

	f->held = 0;
	q->nb_held--;
	if (slot != q->nb_held) {
		q->held[slot] = q->held[q->nb_held];
		q->flows[q->held[slot].flow].held = (uint8_t)(slot + 1);
	}
	return m;
}

/* Advance the flow past one packet; apply the SSRC and source changes. */
static inline void
rtpgen_advance(struct rtpgen_rxq *q, struct rtpgen_flow *f, uint32_t g)
{
	const struct rtpgen_conf *conf = &q->dev->conf;

	f->seq++;
	f->ts += conf->ts_step;
	f->pkts++;
	if (!q->impaired)
		return;
	if (conf->ssrc_change != 0 && f->pkts % conf->ssrc_change == 0) {
		uint32_t epoch = f->pkts / conf->ssrc_change;

		f->ssrc = conf->ssrc_base + g + epoch * conf->streams;
		f->seq = conf->seq_start >= 0 ? (uint16_t)conf->seq_start :
			(uint16_t)rtpgen_rand32(q);
		q->c.ssrc_changes++;
	}
	if (conf->src_change != 0 && f->pkts % conf->src_change == 0) {
		uint32_t epoch = f->pkts / conf->src_change;
		uint32_t base = conf->src_port +
			g % conf->endpoints % (65536u - conf->src_port);

		/* stay in 1024..65535, away from the original port */
		f->sport = (uint16_t)(1024 + (base - 1024 + epoch * 4099u) % 64512u);
		q->c.src_changes++;
		/* the next packet goes where the NIC's hash of the new source says */
		if (q->migrate)
			f->queue = (uint8_t)mr_rtpgen_rss_requeue(q->dev, f, g);
	}
}

/*
 * The flow at the cursor now belongs to another queue (its source moved):
 * hand it over through that queue's inbox. A packet of it held for
 * reordering is dropped and counted as generator loss.
 */
static __rte_noinline void
rtpgen_flow_leave(struct rtpgen_rxq *q)
{
	uint32_t g = q->flow_idx[q->cursor];
	struct rtpgen_flow *f = &q->flows[g];

	if (f->held != 0) {
		rte_pktmbuf_free(rtpgen_unhold(q, f));
		q->c.reorder--;
		q->c.loss++;
	}
	q->flow_idx[q->cursor] = q->flow_idx[--q->nb_flows];
	if (q->cursor >= q->nb_flows)
		q->cursor = 0;
	/* room for every flow: cannot fail */
	rte_ring_mp_enqueue_elem(q->dev->inbox[f->queue], &g, sizeof(g));
}

/* Take the flows that moved here (their state is ours from now on). */
static __rte_noinline void
rtpgen_flows_arrive(struct rtpgen_rxq *q)
{
	uint32_t got[32];
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst_elem(q->inbox, got, sizeof(got[0]), RTE_DIM(got),
						   NULL);
		for (i = 0; i < n; i++)
			q->flow_idx[q->nb_flows++] = got[i];
	} while (n == RTE_DIM(got));
}

/* Set the UDP payload length of a built frame, fixing lengths and sums. */
static void
rtpgen_set_udp_payload(const struct rtpgen_dev *dev, struct rte_mbuf *m, uint32_t plen)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t udp_len = sizeof(struct rte_udp_hdr) + plen;
	struct rte_udp_hdr *udp;

	if (!dev->conf.ipv6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);

		ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + udp_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->dgram_len = rte_cpu_to_be_16(udp_len);
		udp->dgram_cksum = 0;
		if (dev->conf.udp_csum)
			udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);

		ip6->payload_len = rte_cpu_to_be_16(udp_len);
		udp = (struct rte_udp_hdr *)(ip6 + 1);
		udp->dgram_len = rte_cpu_to_be_16(udp_len);
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	}
	m->data_len = (uint16_t)(dev->hdr_len + plen);
	m->pkt_len = m->data_len;
}

/* Turn a built frame into one of the malformed kinds. */
static void
rtpgen_malform(const struct rtpgen_dev *dev, struct rte_mbuf *m, unsigned int kind)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *rtp = p + dev->hdr_len;
	uint32_t plen = m->pkt_len - dev->hdr_len;

	switch (kind) {
	case RTPGEN_MAL_TRUNCATED:
		rtpgen_set_udp_payload(dev, m, 8);
		break;
	case RTPGEN_MAL_BAD_VERSION:
		rtp[0] = (rtp[0] & 0x3f) | 0x40;
		rtpgen_set_udp_payload(dev, m, plen);
		break;
	case RTPGEN_MAL_CC_OVERFLOW:
		/* 15 CSRCs need 60 bytes; leave 16 */
		rtp[0] = 0x80 | 0x0f;
		rtpgen_set_udp_payload(dev, m, RTPGEN_RTP_HDR_LEN + 16);
		break;
	case RTPGEN_MAL_PADDING:
		rtp[0] = 0x80 | 0x20;
		rtp[RTPGEN_RTP_HDR_LEN + 31] = 200; /* only 32 payload bytes */
		rtpgen_set_udp_payload(dev, m, RTPGEN_RTP_HDR_LEN + 32);
		break;
	default:
		if (!dev->conf.ipv6) {
			struct rte_ipv4_hdr *ip =
				(struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);

			ip->hdr_checksum ^= 0x5555;
		} else {
			struct rte_ipv6_hdr *ip6 =
				(struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);

			ip6->payload_len = rte_cpu_to_be_16(plen + 8 + 100);
		}
		break;
	}
}

/* Packets to the caller first, the overflow of the last step to pending. */
static inline void
rtpgen_emit(struct rtpgen_rxq *q, struct rte_mbuf **bufs, uint16_t *n,
	    uint16_t nb_pkts, struct rte_mbuf *m)
{
	q->c.bytes += m->pkt_len;
	if (*n < nb_pkts)
		bufs[(*n)++] = m;
	else if (q->nb_pending < RTPGEN_PENDING_MAX)
		q->pending[q->nb_pending++] = m;
	else
		rte_pktmbuf_free(m); /* cannot happen: at most 2 extra per step */
}

static void
rtpgen_release_held(struct rtpgen_rxq *q, struct rtpgen_flow *f,
		    struct rte_mbuf **bufs, uint16_t *n, uint16_t nb_pkts)
{
	rtpgen_emit(q, bufs, n, nb_pkts, rtpgen_unhold(q, f));
	q->c.generated++;
}

/* Generation with impairments: up to limit packets into bufs from *n. */
static void
rtpgen_gen_impaired(struct rtpgen_rxq *q, struct rte_mbuf **bufs, uint16_t *n,
		    uint16_t limit, uint16_t nb_pkts, uint64_t tsc)
{
	const struct rtpgen_dev *dev = q->dev;
	struct rte_mbuf *mb[RTPGEN_CHUNK];

	while (*n < limit) {
		uint32_t want = RTE_MIN((uint32_t)(limit - *n), RTPGEN_CHUNK);
		uint32_t k = 0, steps = 0;

		if (rte_pktmbuf_alloc_bulk(q->mp, mb, want) != 0) {
			q->c.nombuf += want;
			return;
		}
		while (k < want && *n < limit && q->nb_flows > 0 && steps++ < 4 * want) {
			uint32_t g = q->flow_idx[q->cursor];
			struct rtpgen_flow *f = &q->flows[g];
			struct rte_mbuf *m = mb[k];

			if (unlikely(f->queue != q->queue_id)) {
				rtpgen_flow_leave(q);
				continue;
			}

			if (++q->cursor == q->nb_flows)
				q->cursor = 0;
			if (f->held != 0 && dev->conf.ssrc_change != 0 &&
			    f->pkts % dev->conf.ssrc_change == 0) {
				/* a held packet never crosses its flow's SSRC change */
				if (f->held_left == dev->conf.reorder_depth)
					q->c.reorder--; /* nothing overtook it */
				rtpgen_release_held(q, f, bufs, n, nb_pkts);
			}
			if (q->thr_malformed != 0 && rtpgen_rand32(q) < q->thr_malformed) {
				unsigned int kind = rtpgen_rand32(q) % RTPGEN_MAL_MAX;

				rtpgen_fill(dev, f, g, m, tsc, 0); /* not checked */
				rtpgen_malform(dev, m, kind);
				m->port = q->port_id;
				q->c.malformed++;
				q->c.mal[kind]++;
				rtpgen_emit(q, bufs, n, nb_pkts, m);
				k++;
				continue;
			}
			rtpgen_fill(dev, f, g, m, tsc, q->rx_ol_flags);
			m->port = q->port_id;
			if (q->rss_hash)
				m->hash.rss = dev->hashes[g];
			rtpgen_advance(q, f, g);
			if (q->thr_loss != 0 && rtpgen_rand32(q) < q->thr_loss) {
				q->c.loss++; /* the mbuf is reused for the next one */
				continue;
			}
			k++;
			if (q->thr_reorder != 0 && f->held == 0 &&
			    q->nb_held < RTPGEN_HELD_MAX &&
			    rtpgen_rand32(q) < q->thr_reorder) {
				q->held[q->nb_held].m = m;
				q->held[q->nb_held].flow = g;
				f->held = (uint8_t)(++q->nb_held);
				f->held_left = (uint8_t)dev->conf.reorder_depth;
				q->c.reorder++;
				continue;
			}
			rtpgen_emit(q, bufs, n, nb_pkts, m);
			q->c.generated++;
			if (q->thr_dup != 0 && rtpgen_rand32(q) < q->thr_dup) {
				struct rte_mbuf *d = rte_pktmbuf_copy(m, q->mp, 0, UINT32_MAX);

				if (d != NULL) {
					rtpgen_emit(q, bufs, n, nb_pkts, d);
					q->c.generated++;
					q->c.dup++;
				} else {
					q->c.nombuf++;
				}
			}
			if (f->held != 0 && --f->held_left == 0)
				rtpgen_release_held(q, f, bufs, n, nb_pkts);
		}
		if (k < want)
			rte_pktmbuf_free_bulk(&mb[k], want - k);
		if (steps >= 4 * want)
			return; /* loss near 100%: give the caller what there is */
		if (q->nb_flows == 0)
			return; /* every flow moved to other queues */
	}
}

/* Packets the rate allows now; the backlog after a stall is capped. */
static inline uint64_t
rtpgen_credit(struct rtpgen_rxq *q, uint64_t now)
{
	uint64_t rate = q->dev->conf.rate;
	uint64_t elapsed, due;

	if (q->start_tsc == 0) {
		q->start_tsc = now;
		q->sent = 0;
	}
	elapsed = now - q->start_tsc;
	due = elapsed / q->hz * rate + (elapsed % q->hz) * rate / q->hz;
	if (due - q->sent > q->max_credit)
		q->sent = due - q->max_credit;
	return due - q->sent;
}

uint16_t
mr_rtpgen_rx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb_pkts)
{
	struct rtpgen_rxq *q = queue;
	const struct rtpgen_dev *dev = q->dev;
	uint64_t now = rte_rdtsc();
	uint16_t limit = nb_pkts;
	uint16_t n = 0;
	uint32_t i;

	if (unlikely(q->inbox != NULL))
		rtpgen_flows_arrive(q);
	if (unlikely(q->nb_flows == 0 && q->nb_pending == 0))
		return 0; /* RSS steers no flow here */
	if (dev->conf.rate != 0) {
		uint64_t credit = rtpgen_credit(q, now);

		if (credit < limit)
			limit = (uint16_t)credit;
	}
	while (q->nb_pending > 0 && n < limit) {
		bufs[n++] = q->pending[0];
		q->nb_pending--;
		memmove(&q->pending[0], &q->pending[1],
			q->nb_pending * sizeof(q->pending[0]));
	}
	if (unlikely(q->nb_flows == 0)) {
		/* only what was pending */
	} else if (q->impaired) {
		rtpgen_gen_impaired(q, bufs, &n, limit, nb_pkts, now);
	} else if (n < limit) {
		uint32_t want = limit - n;

		if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, &bufs[n], want) != 0)) {
			q->c.nombuf += want;
		} else {
			/* no src_change here (it is an impairment): flows stay */
			for (i = 0; i < want; i++) {
				uint32_t g = q->flow_idx[q->cursor];
				struct rtpgen_flow *f = &q->flows[g];
				struct rte_mbuf *m = bufs[n + i];

				if (++q->cursor == q->nb_flows)
					q->cursor = 0;
				rte_prefetch0(&q->flows[q->flow_idx[q->cursor]]);
				rtpgen_fill(dev, f, g, m, now, q->rx_ol_flags);
				m->port = q->port_id;
				if (q->rss_hash)
					m->hash.rss = dev->hashes[g];
				rtpgen_advance(q, f, g);
				q->c.bytes += m->pkt_len;
			}
			q->c.generated += want;
			n += want;
		}
	}
	q->c.pkts += n;
	q->sent += n;
	return n;
}

unsigned int
mr_rtpgen_hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < 8)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	return (e - 2) * 8 + (unsigned int)((v >> (e - 3)) & 7);
}

uint64_t
mr_rtpgen_hist_value(unsigned int bucket)
{
	unsigned int e, sub;
	uint64_t lo, width;

	if (bucket < 8)
		return bucket;
	e = bucket / 8 + 2;
	sub = bucket % 8;
	lo = (uint64_t)(8 + sub) << (e - 3);
	width = 1ULL << (e - 3);
	return lo + width / 2;
}

/* Sequence continuity of the output sequence numbers of one flow. */
static inline void
rtpgen_track(struct rtpgen_txq *q, struct rtpgen_vflow *vf, uint32_t ssrc, uint16_t seq)
{
	int16_t d;

	if (vf->valid == 0 || vf->ssrc != ssrc) {
		if (vf->valid != 0)
			q->c.ssrc_changes++;
		vf->valid = 1;
		vf->ssrc = ssrc;
		vf->max_seq = seq;
		vf->seen = 1;
		return;
	}
	d = (int16_t)(uint16_t)(seq - vf->max_seq);
	if (d > 0) {
		vf->seen = d >= 64 ? 1 : (vf->seen << d) | 1;
		vf->max_seq = seq;
		q->c.lost += (uint64_t)(d - 1);
	} else if (d == 0) {
		q->c.duplicate++;
	} else if (-d < 64) {
		uint64_t bit = 1ULL << -d;

		if (vf->seen & bit) {
			q->c.duplicate++;
		} else {
			/* it was counted lost when the gap opened */
			vf->seen |= bit;
			q->c.reordered++;
			q->c.lost--;
		}
	} else {
		q->c.reordered++;
	}
}

static void rtpgen_validate_flat(struct rtpgen_txq *q, const struct rte_mbuf *m,
				const uint8_t *p, uint32_t len, uint64_t now);

/* A chained mbuf is checked from a flat copy (kept off the fast path). */
static __rte_noinline void
rtpgen_validate_chain(struct rtpgen_txq *q, struct rte_mbuf *m, uint64_t now)
{
	uint8_t copy[RTPGEN_MAX_FRAME];
	uint32_t len = RTE_MIN(m->pkt_len, (uint32_t)sizeof(copy));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, copy);

	if (p == NULL)
		q->c.not_rtp++;
	else
		rtpgen_validate_flat(q, m, p, len, now);
}

/* Parse and check one frame; counts one outcome. Does not free it. */
static void
rtpgen_validate_flat(struct rtpgen_txq *q, const struct rte_mbuf *m,
		     const uint8_t *p, uint32_t len, uint64_t now)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	const struct rte_udp_hdr *udp;
	const struct rtpgen_vblock *blk;
	const uint8_t *rtp;
	uint32_t ulen, rlen, hl, pad, mlen, flow, ssrc;
	uint16_t etype;
	uint64_t lat;

	if (len < RTE_ETHER_HDR_LEN)
		goto not_rtp;
	etype = rte_be_to_cpu_16(((const struct rte_ether_hdr *)p)->ether_type);
	if (etype == RTE_ETHER_TYPE_VLAN || etype == RTE_ETHER_TYPE_QINQ) {
		if (len < off + 4)
			goto not_rtp;
		etype = rte_be_to_cpu_16(*(const unaligned_uint16_t *)(p + off + 2));
		off += 4;
	}
	if (etype == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + off);
		uint32_t ihl, tot;

		if (len < off + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
			goto not_rtp;
		ihl = (ip->version_ihl & 0xf) * 4u;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (ihl < sizeof(*ip) || tot < ihl + sizeof(*udp) || off + tot > len)
			goto not_rtp;
		if ((rte_be_to_cpu_16(ip->fragment_offset) &
		     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0 ||
		    ip->next_proto_id != IPPROTO_UDP)
			goto not_rtp;
		if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) &&
		    rtpgen_sum(ip, ihl) != 0xffff)
			goto not_rtp;
		udp = (const struct rte_udp_hdr *)(p + off + ihl);
		ulen = rte_be_to_cpu_16(udp->dgram_len);
		if (ulen < sizeof(*udp) || ulen > tot - ihl)
			goto not_rtp;
		if (udp->dgram_cksum != 0 &&
		    (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) != RTE_MBUF_F_TX_UDP_CKSUM &&
		    rte_ipv4_udptcp_cksum_verify(ip, udp) != 0) {
			q->c.bad_udp_csum++;
			return;
		}
	} else if (etype == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(p + off);
		uint32_t plen;

		if (len < off + sizeof(*ip6) || (p[off] >> 4) != 6 ||
		    ip6->proto != IPPROTO_UDP)
			goto not_rtp;
		plen = rte_be_to_cpu_16(ip6->payload_len);
		if (plen < sizeof(*udp) || off + sizeof(*ip6) + plen > len)
			goto not_rtp;
		udp = (const struct rte_udp_hdr *)(ip6 + 1);
		ulen = rte_be_to_cpu_16(udp->dgram_len);
		if (ulen < sizeof(*udp) || ulen > plen)
			goto not_rtp;
		if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) != RTE_MBUF_F_TX_UDP_CKSUM &&
		    rte_ipv6_udptcp_cksum_verify(ip6, udp) != 0) {
			q->c.bad_udp_csum++;
			return;
		}
	} else {
		goto not_rtp;
	}

	/* RTP, bounds-checked against the UDP length */
	rtp = (const uint8_t *)(udp + 1);
	rlen = ulen - sizeof(*udp);
	if (rlen < RTPGEN_RTP_HDR_LEN || (rtp[0] >> 6) != 2)
		goto not_rtp;
	hl = RTPGEN_RTP_HDR_LEN + 4u * (rtp[0] & 0x0f);
	if (hl > rlen)
		goto not_rtp;
	if (rtp[0] & 0x10) {
		if (hl + 4 > rlen)
			goto not_rtp;
		hl += 4 + 4u * rte_be_to_cpu_16(*(const unaligned_uint16_t *)(rtp + hl + 2));
		if (hl > rlen)
			goto not_rtp;
	}
	pad = 0;
	if (rtp[0] & 0x20) {
		pad = rtp[rlen - 1];
		if (pad == 0 || hl + pad > rlen)
			goto not_rtp;
	}
	if (pad != RTPGEN_VBLOCK_LEN)
		goto bad_magic;
	blk = (const struct rtpgen_vblock *)(rtp + rlen - RTPGEN_VBLOCK_LEN);
	if (blk->magic != rte_cpu_to_be_32(RTPGEN_MAGIC))
		goto bad_magic;
	mlen = rlen - hl - RTPGEN_VBLOCK_LEN;
	if (rte_be_to_cpu_16(blk->media_len) != mlen ||
	    rtpgen_sum(rtp + hl, mlen) != rte_be_to_cpu_16(blk->csum)) {
		q->c.bad_checksum++;
		return;
	}
	flow = rte_be_to_cpu_32(blk->flow_id);
	if (flow >= q->streams) {
		q->c.unknown_flow++;
		return;
	}
	q->c.valid++;
	lat = now > blk->tsc ? now - blk->tsc : 0;
	q->c.hist[mr_rtpgen_hist_bucket(lat)]++;
	if (lat > q->lat_max)
		q->lat_max = lat;
	ssrc = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(rtp + 8));
	rtpgen_track(q, &q->vflows[flow], ssrc,
		     rte_be_to_cpu_16(*(const unaligned_uint16_t *)(rtp + 2)));
	return;
bad_magic:
	q->c.bad_magic++;
	return;
not_rtp:
	q->c.not_rtp++;
}

uint16_t
mr_rtpgen_tx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb_pkts)
{
	struct rtpgen_txq *q = queue;
	uint32_t epoch = __atomic_load_n(&q->dev->reset_epoch, __ATOMIC_RELAXED);
	uint64_t now = rte_rdtsc();
	uint16_t i;

	if (unlikely(epoch != q->max_epoch)) {
		q->lat_max = 0;
		__atomic_store_n(&q->max_epoch, epoch, __ATOMIC_RELAXED);
	}
	for (i = 0; i < nb_pkts; i++) {
		if (i + 1 < nb_pkts)
			rte_prefetch0(rte_pktmbuf_mtod(bufs[i + 1], void *));
		q->c.bytes += bufs[i]->pkt_len;
		if (likely(bufs[i]->nb_segs == 1))
			rtpgen_validate_flat(q, bufs[i],
					     rte_pktmbuf_mtod(bufs[i], const uint8_t *),
					     bufs[i]->data_len, now);
		else
			rtpgen_validate_chain(q, bufs[i], now);
	}
	q->c.pkts += nb_pkts;
	rte_pktmbuf_free_bulk(bufs, nb_pkts);
	return nb_pkts;
}
