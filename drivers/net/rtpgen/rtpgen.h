/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef RTPGEN_H
#define RTPGEN_H

/*
 * net_rtpgen internals: configuration, frame images, queues, counters.
 * See docs/rtpgen.md for the devargs, the packet layout and the xstats.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpgen_sdk.h"

extern int mr_rtpgen_logtype;
#define RTE_LOGTYPE_MR_RTPGEN mr_rtpgen_logtype
#define RTPGEN_LOG(level, ...) RTE_LOG(level, MR_RTPGEN, __VA_ARGS__)

#define RTPGEN_MAX_STREAMS 4194304u
#define RTPGEN_MAX_QUEUES 128
#define RTPGEN_MAX_FRAME 9600u
#define RTPGEN_RTP_HDR_LEN 12u
#define RTPGEN_MAX_REORDER_DEPTH 16u
#define RTPGEN_HELD_MAX 64u        /* reordered packets held per queue */
#define RTPGEN_PENDING_MAX 8u      /* output overflow carried to next burst */
#define RTPGEN_OPUS_FRAMES 50u     /* ring of encoded frames: 1 s at 20 ms */
#define RTPGEN_RETA_SIZE 512u      /* RTE_ETH_RSS_RETA_SIZE_512 */
#define RTPGEN_RSS_KEY_LEN 40u
/* RSS types emulated (docs/rtpgen.md: how each selects the hash input) */
#define RTPGEN_RSS_OFFLOADS (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP | \
	RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_L3_SRC_ONLY | \
	RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_SRC_ONLY | RTE_ETH_RSS_L4_DST_ONLY)

/*
 * Validation block: the last 24 bytes of the RTP packet, carried as RTP
 * padding (P=1, the last byte is the padding count 24), so payload
 * decoders that honour RTP padding never see it.
 */
#define RTPGEN_MAGIC 0x52475631u /* "RGV1" */
struct rtpgen_vblock {
	rte_be32_t magic;
	rte_be32_t flow_id;   /* global flow index */
	uint64_t tsc;         /* rte_rdtsc() at generation, host order */
	rte_be16_t csum;      /* rte_raw_cksum of the media bytes */
	rte_be16_t media_len; /* bytes between the RTP header and this block */
	uint8_t reserved[3];
	uint8_t pad_count;    /* = sizeof(struct rtpgen_vblock) */
} __rte_packed;
#define RTPGEN_VBLOCK_LEN 24u

/* Kinds of deliberately malformed packets. */
enum rtpgen_malformed {
	RTPGEN_MAL_TRUNCATED,   /* UDP payload shorter than an RTP header */
	RTPGEN_MAL_BAD_VERSION, /* RTP version 1 */
	RTPGEN_MAL_CC_OVERFLOW, /* CSRC count larger than the packet */
	RTPGEN_MAL_PADDING,     /* padding count past the payload */
	RTPGEN_MAL_BAD_IP,      /* IPv4 checksum / IPv6 length wrong */
	RTPGEN_MAL_MAX,
};

/* What RSS the port offers (devarg rss=): like which kind of NIC. */
enum rtpgen_rss_offer {
	RTPGEN_RSS_DST,   /* rss=dst: types and the L3/L4 *_ONLY bits (mlx5) */
	RTPGEN_RSS_FULL,  /* rss=full: types only, fields fixed (ixgbe) */
	RTPGEN_RSS_NONE,  /* rss=none: no RSS (memif, pcap) */
};

/* Parsed devargs; constant after probe. */
struct rtpgen_conf {
	uint32_t streams;
	uint32_t endpoints;      /* address/port sets flows cycle through */
	uint32_t ssrc_base;
	uint8_t ipv6;
	uint8_t src_ip[16];      /* v4 in the first 4 bytes, network order */
	uint8_t dst_ip[16];
	uint16_t src_port;       /* host order */
	uint16_t dst_port;
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint32_t size;           /* frame bytes; 0 = from payload */
	uint32_t payload;        /* RTP payload bytes incl. the block; 0 = from size */
	uint8_t pt;
	uint32_t clock;
	uint32_t ptime;
	uint32_t ts_step;        /* clock * ptime / 1000 */
	uint64_t rate;           /* pps per queue, 0 = unlimited */
	int32_t seq_start;       /* -1 = random per flow */
	double loss, reorder, dup, malformed; /* percent */
	uint32_t reorder_depth;
	uint32_t ssrc_change;    /* 0 = never */
	uint32_t src_change;
	uint64_t seed;
	uint8_t opus;
	uint8_t udp_csum;        /* compute the IPv4 UDP checksum (v6 always) */
	uint8_t rss;             /* enum rtpgen_rss_offer: the RSS a NIC offers */
};

/*
 * One prebuilt frame: headers (lengths and checksum inputs set, addresses,
 * ports and per-packet RTP fields zero), media, and the block skeleton.
 */
struct rtpgen_image {
	uint32_t len;            /* frame bytes */
	uint32_t ip_sum;         /* IPv4 header raw sum without addresses */
	uint8_t data[RTPGEN_MAX_FRAME];
};

/* Generator state of one flow (32 bytes). */
struct rtpgen_flow {
	uint32_t ssrc;
	uint32_t ts;
	uint32_t pkts;           /* sequence-consuming packets so far */
	uint32_t src_ip;         /* host order: the v4 address or v6's low word */
	uint32_t dst_ip;
	uint16_t seq;
	uint16_t sport;          /* host order */
	uint16_t dport;
	uint8_t image;           /* next opus ring entry */
	uint8_t held;            /* 1 + held slot of a reordered packet, 0 none */
	uint8_t held_left;       /* packets of this flow before it is released */
	uint8_t queue;           /* RX queue that generates it (RSS) */
	uint8_t pad[2];
};

/* Validator state of one flow (16 bytes). */
struct rtpgen_vflow {
	uint64_t seen;           /* bit k: max_seq - k was received */
	uint32_t ssrc;
	uint16_t max_seq;
	uint16_t valid;
};

struct rtpgen_rx_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t generated;
	uint64_t malformed;
	uint64_t mal[RTPGEN_MAL_MAX];
	uint64_t loss;
	uint64_t reorder;
	uint64_t dup;
	uint64_t ssrc_changes;
	uint64_t src_changes;
	uint64_t nombuf;
};

/* Latency histogram: powers of two with 8 linear sub-buckets. */
#define RTPGEN_HIST_BUCKETS 496u

struct rtpgen_tx_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t valid;
	uint64_t bad_magic;
	uint64_t bad_checksum;
	uint64_t bad_udp_csum;
	uint64_t not_rtp;
	uint64_t unknown_flow;
	uint64_t lost;           /* may go down when a late packet arrives */
	uint64_t reordered;
	uint64_t duplicate;
	uint64_t ssrc_changes;
	uint64_t hist[RTPGEN_HIST_BUCKETS]; /* latency in TSC cycles */
};

struct rtpgen_held {
	struct rte_mbuf *m;
	uint32_t flow;           /* global flow index */
};

struct rtpgen_dev;

struct rtpgen_rxq {
	const struct rtpgen_dev *dev;
	struct rte_mempool *mp;
	struct rtpgen_flow *flows;       /* the device's, all streams */
	uint32_t *flow_idx;      /* the flows RSS steers here, set at start */
	uint32_t nb_flows;
	uint32_t cursor;         /* into flow_idx */
	uint8_t rss_hash;        /* set mbuf hash.rss (RX offload RSS_HASH) */
	uint8_t migrate;         /* a source change may move a flow (RSS) */
	struct rte_ring *inbox;  /* flows moving here; NULL unless migrate */
	uint16_t port_id;
	uint16_t queue_id;
	uint64_t prng;
	/* impairment thresholds out of 2^32, 0 = off */
	uint32_t thr_loss, thr_reorder, thr_dup, thr_malformed;
	uint8_t impaired;        /* any impairment or change option on */
	/* RX flags of a frame made whole: IPv4 header checksum GOOD when enabled */
	uint64_t rx_ol_flags;
	/* pacing */
	uint64_t hz;
	uint64_t start_tsc;      /* 0 until the first burst */
	uint64_t sent;           /* packets emitted since start_tsc */
	uint64_t max_credit;
	uint32_t nb_held;
	uint32_t nb_pending;
	struct rtpgen_held held[RTPGEN_HELD_MAX];
	struct rte_mbuf *pending[RTPGEN_PENDING_MAX];
	struct rtpgen_rx_counters c;
	struct rtpgen_rx_counters base;  /* values at the last reset */
} __rte_cache_aligned;

struct rtpgen_txq {
	const struct rtpgen_dev *dev;
	struct rtpgen_vflow *vflows;     /* all streams */
	uint32_t streams;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t max_epoch;
	uint64_t lat_max;                /* cycles, since reset epoch max_epoch */
	struct rtpgen_tx_counters c;
	struct rtpgen_tx_counters base;
} __rte_cache_aligned;

struct rtpgen_dev {
	struct rtpgen_conf conf;
	struct rtpgen_flow *flows;       /* generator state of every flow */
	uint32_t *hashes;                /* each flow's RSS hash (RSS on) */
	uint64_t rss_hf;                 /* refined RSS types; 0: RSS off */
	uint8_t rss_key[RTPGEN_RSS_KEY_LEN] __rte_aligned(4);
	uint16_t reta[RTPGEN_RETA_SIZE];
	uint8_t started;
	struct rte_ring *inbox[RTPGEN_MAX_QUEUES]; /* per RX queue, when flows migrate */
	struct rtpgen_image *images;     /* 1, or the opus ring */
	uint32_t nb_images;
	uint32_t hdr_len;                /* Ethernet + IP + UDP */
	uint32_t reset_epoch;            /* bumped by xstats_reset */
	uint16_t port_id;
	int socket_id;
};

/* rtpgen_rxtx.c */
uint16_t mr_rtpgen_rx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb_pkts);
uint16_t mr_rtpgen_tx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb_pkts);
void mr_rtpgen_flows_init(const struct rtpgen_conf *conf, struct rtpgen_flow *flows,
			  uint32_t first, uint32_t count);
int mr_rtpgen_images_build(struct rtpgen_dev *dev, const uint8_t *const *media,
			   const uint32_t *media_len, uint32_t count);
unsigned int mr_rtpgen_hist_bucket(uint64_t v);
uint64_t mr_rtpgen_hist_value(unsigned int bucket);
uint64_t mr_rtpgen_splitmix(uint64_t *state);

/* rtpgen_rss.c */
uint32_t mr_rtpgen_rss_hash(const struct rtpgen_dev *dev, const struct rtpgen_flow *f,
			    bool *hashed);
uint64_t mr_rtpgen_rss_offloads(const struct rtpgen_dev *dev);
int mr_rtpgen_rss_configure(struct rte_eth_dev *edev);
int mr_rtpgen_rss_distribute(struct rte_eth_dev *edev);
uint16_t mr_rtpgen_rss_requeue(const struct rtpgen_dev *dev, struct rtpgen_flow *f,
			       uint32_t g);
void mr_rtpgen_rss_inboxes_free(struct rtpgen_dev *dev);
int mr_rtpgen_rss_hash_update(struct rte_eth_dev *edev, struct rte_eth_rss_conf *rss_conf);
int mr_rtpgen_rss_hash_conf_get(struct rte_eth_dev *edev, struct rte_eth_rss_conf *rss_conf);
int mr_rtpgen_reta_update(struct rte_eth_dev *edev, struct rte_eth_rss_reta_entry64 *reta_conf,
			  uint16_t reta_size);
int mr_rtpgen_reta_query(struct rte_eth_dev *edev, struct rte_eth_rss_reta_entry64 *reta_conf,
			 uint16_t reta_size);

/* rtpgen_opus.c */
int mr_rtpgen_opus_build(struct rtpgen_dev *dev, uint32_t frame_bytes);

#endif /* RTPGEN_H */
