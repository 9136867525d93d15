/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_CONF_H
#define MR_CONF_H

/**
 * @file
 * The configuration file (INI, read with rte_cfgfile) turned into one
 * validated structure. Every key is checked here and nowhere else; an
 * error names the section, the key and the accepted values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "mr_pkt.h"
#include "mr_session.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_CONF_MAX_PORTS 8      /**< [port.N] sections, N < this */
#define MR_CONF_MAX_WORKERS 64   /**< worker lcores */
#define MR_CONF_MAX_PAIRS 64     /**< [pairs.NAME] sections */
#define MR_CONF_NAME_LEN 32      /**< leg/session/pairs names, with NUL */
#define MR_CONF_MAX_TRANSCODERS 16 /**< transcoder lcores */
#define MR_CONF_MAX_PROFILES 64  /**< [profile.NAME] sections */
#define MR_CONF_BURST_MAX 64     /**< [relay] burst: what the fast path takes at once (MR_RELAY_BURST_MAX) */

/**
 * [profile.NAME]: how the RTP a leg receives is transcoded before it is
 * forwarded (a leg names it with transcode = NAME). Its keys are the
 * session model's (mr_profile_spec_set(): in, in_pt, out (required),
 * out_pt, channels, ptime, complexity, reorder, fec, dtx, bitrate, rate,
 * loss_perc), the same profile_set takes; codec and rate combinations are
 * checked by lib/transcode when the relay starts.
 */
struct mr_conf_profile {
	char name[MR_CONF_NAME_LEN];
	struct mr_tc_profile p;         /**< defaults filled in (mr_profile_spec_new()) */
};

#define MR_CONF_MAX_QUIC 8       /**< [quic.NAME] sections */
#define MR_CONF_QUIC_ALPN_MAX 4  /**< alpn = up to this many ids */
#define MR_CONF_PATH_LEN 256     /**< cert and key file paths, with NUL */

/**
 * [quic.NAME]: a QUIC endpoint terminating RTP over QUIC (docs/quic.md).
 * Legs name it with quic = NAME (and flow = ID).
 */
struct mr_conf_quic {
	char name[MR_CONF_NAME_LEN];
	uint16_t port;                  /**< port = N of a [port.N] section */
	struct mr_endpoint local;       /**< local = addr:port, the port's address, a UDP
					  *  port outside rtp_port_min..rtp_port_max */
	char cert[MR_CONF_PATH_LEN];    /**< cert = PEM certificate (chain) file */
	char key[MR_CONF_PATH_LEN];     /**< key = PEM private key file */
	uint8_t n_alpn;                 /**< alpn = ids joined by ',' (default roq-14) */
	char alpn[MR_CONF_QUIC_ALPN_MAX][32];
	uint32_t idle_timeout_ms;       /**< idle_timeout_ms = 1000..600000, default 30000 */
	uint32_t handshake_timeout_ms;  /**< handshake_timeout_ms = 1000..60000, default 10000 */
	uint32_t max_conns;             /**< max_conns = 1..65536 per worker, default 1024 */
	uint32_t retry_above;           /**< retry_above = 0..max_conns or never (default) */
	uint32_t max_datagram_frame_size; /**< 64..1200, default 1200 */
	uint16_t handshakes_per_poll;   /**< handshakes_per_poll = 1..64, default 1 */
	bool handshakes_on_workers;     /**< handshakes = main (default) | workers */
	uint8_t server_id_len;          /**< server_id = 1..14 octets in hex; default 0: random */
	uint8_t server_id[14];
};

/** [port.N]: one ethdev port, N being its DPDK port id. */
struct mr_conf_port {
	bool present;                   /**< a [port.N] section exists */
	bool has_ipv4;
	bool has_ipv6;
	struct mr_endpoint ipv4;        /**< ipv4 = local IPv4 address (port 0) */
	struct mr_endpoint ipv6;        /**< ipv6 = local IPv6 address (port 0) */
	struct rte_ether_addr nexthop_mac; /**< nexthop_mac = where we send (static) */
	bool has_nexthop_mac;           /**< nexthop_mac given: it wins over nexthop */
	bool has_nexthop;
	struct mr_endpoint nexthop;     /**< nexthop = IP to resolve (ARP/ND) when no nexthop_mac */
	uint16_t vlan;                  /**< vlan = 0 (none) or 1..4094 */
	uint16_t rx_desc;               /**< rx_desc = 64..16384, default 1024 */
	uint16_t tx_desc;               /**< tx_desc = 64..16384, default 1024 */
};

/**
 * [leg.NAME]: one leg. Its keys are the session model's (mr_leg_spec_set():
 * session, port, local, remote, forward, ssrc_out, seq_offset, ts_offset,
 * clock_rate, transcode, streams_max, new_streams_per_s, quic, flow), checked here for
 * syntax and range; what depends on other sections (the port's addresses,
 * forward and transcode names) is checked by lib/session when the legs
 * are loaded.
 */
struct mr_conf_leg {
	char name[MR_CONF_NAME_LEN];
	struct mr_leg_spec spec;
};

/**
 * [pairs.NAME]: @c count generated sessions of two legs each (A and B),
 * A forwarding to B and B to A. Session i uses a_local.port + i,
 * a_remote.port + i, b_local.port + i, b_remote.port + i. Made for
 * benchmarks and the embedded default, where writing thousands of
 * [leg] sections is not sensible.
 */
struct mr_conf_pairs {
	char name[MR_CONF_NAME_LEN];
	uint16_t port;                  /**< port = N */
	uint32_t count;                 /**< count = 1..65535 */
	struct mr_endpoint a_local;     /**< a_local = addr:port */
	struct mr_endpoint a_remote;    /**< a_remote = addr:port or latch */
	struct mr_endpoint b_local;     /**< b_local = addr:port */
	struct mr_endpoint b_remote;    /**< b_remote = addr:port or latch */
	bool a_latch;
	bool b_latch;
	uint32_t clock_rate;            /**< clock_rate, default 48000 */
	char a_transcode[MR_CONF_NAME_LEN]; /**< a_transcode = profile NAME: A legs' input ("": none) */
	char b_transcode[MR_CONF_NAME_LEN]; /**< b_transcode = profile NAME: B legs' input ("": none) */
};

#define MR_CONF_NG_ACL_MAX 16      /**< [ng] acl prefixes */
#define MR_CONF_NG_IDLE_DEFAULT 60000 /**< [ng] idle_ms */

/**
 * [ng]: the rtpengine ng control protocol (docs/signalling.md). Without
 * the section, or without listen, no socket is opened.
 */
struct mr_conf_ng {
	bool enabled;                   /**< listen is given */
	char listen[64];                /**< listen = a.b.c.d:port or [v6addr]:port */
	unsigned int n_acl;
	/** acl = source prefixes allowed, separated by ',' or blanks (none: any source) */
	char acl[MR_CONF_NG_ACL_MAX][48];
	uint16_t port;                  /**< port = N: the legs' port, default 0 */
	uint32_t idle_ms;               /**< idle_ms = 0 (never) or 1000..86400000, default 60000 */
	uint32_t calls_max;             /**< calls_max = 1..legs_max / 2, default legs_max / 2 */
};

#define MR_CONF_LEG_STREAMS_DEFAULT 8    /**< [relay] leg_streams_max */
#define MR_CONF_LEG_NEW_PER_S_DEFAULT 16 /**< [relay] leg_new_streams_per_s */

/** The whole configuration. */
struct mr_conf {
	/* [relay] */
	uint16_t n_workers;             /**< workers = lcore list, e.g. 1-3,5 */
	uint16_t worker_lcores[MR_CONF_MAX_WORKERS]; /**< empty: all EAL workers */
	uint16_t burst;                 /**< burst = 1..MR_CONF_BURST_MAX, default 32 */
	uint32_t mbufs;                 /**< mbufs = 1023..4194303, default 16383 */
	uint32_t mbuf_cache;            /**< mbuf_cache = 0..512, default 256 */
	uint32_t streams_max;           /**< streams_max = 64..16777216, default 65536 */
	uint32_t legs_max;              /**< legs_max = 16..4194304, default 16384 */
	uint32_t stream_idle_ms;        /**< stream_idle_ms = 100..86400000, default 30000 */
	uint32_t tx_drain_us;           /**< tx_drain_us = 1..10000, default 100 */
	/** leg_streams_max = 1..65535: streams (SSRCs) per leg, default 8 */
	uint16_t leg_streams_max;
	/** leg_new_streams_per_s = 0 (no limit) or 1..1000000 per leg, default 16 */
	uint32_t leg_new_streams_per_s;
	/** main_idle_us = 0..50000: the main lcore's nap when a pass found no work, default 1000 */
	uint32_t main_idle_us;
	uint16_t rtp_port_min;          /**< rtp_port_min = 1024..65535, default 30000 */
	uint16_t rtp_port_max;          /**< rtp_port_max >= rtp_port_min, default 39999 */
	uint32_t stats_interval_ms;     /**< stats_interval_ms = 0 (off) or 100..60000, default 1000 */
	uint16_t n_transcoders;         /**< transcoders = lcore list (default none) */
	uint16_t transcoder_lcores[MR_CONF_MAX_TRANSCODERS];
	uint32_t transcode_ring;        /**< transcode_ring = 64..65536 (power of 2), default 1024 */
	uint32_t transcode_channels;    /**< transcode_channels = 1..65536 per transcoder, default 256 */

	uint16_t n_profiles;
	struct mr_conf_profile profiles[MR_CONF_MAX_PROFILES];

	uint16_t n_quic;
	struct mr_conf_quic quic[MR_CONF_MAX_QUIC];

	struct mr_conf_port ports[MR_CONF_MAX_PORTS];

	uint32_t n_legs;
	struct mr_conf_leg *legs;       /**< n_legs entries, malloc'd */

	uint32_t n_pairs;
	struct mr_conf_pairs pairs[MR_CONF_MAX_PAIRS];

	struct mr_conf_ng ng;
};

/** Fill @p conf with the defaults and no ports, legs or pairs. */
void mr_conf_defaults(struct mr_conf *conf);

/**
 * Read and validate a configuration file. Unknown sections and keys are
 * errors (a typo must not silently fall back to a default).
 *
 * @param path
 *   The INI file.
 * @param conf
 *   Filled on success; on failure it is left freed (mr_conf_free() is safe).
 * @param err
 *   On failure, "file: [section] key: reason (accepted: ...)".
 * @return
 *   0, -ENOENT when the file cannot be read, -EINVAL on a bad value.
 */
int mr_conf_load(const char *path, struct mr_conf *conf, char *err, size_t errlen);

/**
 * The same as mr_conf_load() for a configuration held in memory (used for
 * the embedded default and by the tests).
 */
int mr_conf_load_string(const char *text, struct mr_conf *conf, char *err, size_t errlen);

/** Release what mr_conf_load() allocated. */
void mr_conf_free(struct mr_conf *conf);

/**
 * Parse a list of lcore ids such as "1-3,5".
 *
 * @return
 *   The number of ids written to @p out, or -EINVAL (bad syntax, an id
 *   >= RTE_MAX_LCORE, a duplicate, more than @p max ids).
 */
int mr_conf_parse_lcores(const char *text, uint16_t *out, unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* MR_CONF_H */
