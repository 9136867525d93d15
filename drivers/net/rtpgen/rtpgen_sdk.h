/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef RTPGEN_SDK_H
#define RTPGEN_SDK_H

/*
 * The driver side of ethdev and the vdev bus.
 *
 * Debian's libdpdk-dev 22.11 is built without enable_driver_sdk, so
 * ethdev_driver.h, ethdev_vdev.h and bus_vdev_driver.h are not installed.
 * When they are present we use them; otherwise we declare the subset of
 * the DPDK 22.11 (ABI 23) driver interface this PMD touches. The layouts
 * are pinned by static asserts on offsets read back from the shipped
 * librte_ethdev.so, so a mismatching DPDK fails the build, not the run.
 */

#if defined(__has_include) && __has_include(<ethdev_driver.h>) && \
	__has_include(<bus_vdev_driver.h>)

#include <ethdev_driver.h>
#include <bus_vdev_driver.h>

#define RTPGEN_VDEV_DEV(vdev) (&(vdev)->device)

#else /* no driver SDK headers: DPDK 22.11 declarations */

#include <pthread.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ethdev_core.h>
#include <rte_version.h>

#if RTE_VERSION < RTE_VERSION_NUM(22, 11, 0, 0) || \
	RTE_VERSION >= RTE_VERSION_NUM(23, 0, 0, 0)
#error "rtpgen declares the DPDK 22.11 driver ABI; build against DPDK's driver SDK headers"
#endif

struct rte_eth_dev;
struct eth_dev_ops;

/* Head of struct rte_eth_dev; the PMD never allocates one. */
struct rte_eth_dev {
	eth_rx_burst_t rx_pkt_burst;
	eth_tx_burst_t tx_pkt_burst;
	eth_tx_prep_t tx_pkt_prepare;
	eth_rx_queue_count_t rx_queue_count;
	eth_rx_descriptor_status_t rx_descriptor_status;
	eth_tx_descriptor_status_t tx_descriptor_status;
	struct rte_eth_dev_data *data;
	void *process_private;
	const struct eth_dev_ops *dev_ops;
	struct rte_device *device;
	/* further fields are not used here */
};

/* Head of struct rte_eth_dev_data, up to numa_node. */
struct rte_eth_dev_data {
	char name[RTE_ETH_NAME_MAX_LEN];
	void **rx_queues;
	void **tx_queues;
	uint16_t nb_rx_queues;
	uint16_t nb_tx_queues;
	struct rte_eth_dev_sriov sriov;
	void *dev_private;
	struct rte_eth_link dev_link;
	struct rte_eth_conf dev_conf;
	uint16_t mtu;
	uint32_t min_rx_buf_size;
	uint64_t rx_mbuf_alloc_failed;
	struct rte_ether_addr *mac_addrs;
	uint64_t mac_pool_sel[RTE_ETH_NUM_RECEIVE_MAC_ADDR];
	struct rte_ether_addr *hash_mac_addrs;
	uint16_t port_id;
	__extension__ uint8_t promiscuous : 1,
		scattered_rx : 1,
		all_multicast : 1,
		dev_started : 1,
		lro : 1,
		dev_configured : 1,
		flow_configured : 1;
	uint8_t rx_queue_state[RTE_MAX_QUEUES_PER_PORT];
	uint8_t tx_queue_state[RTE_MAX_QUEUES_PER_PORT];
	uint32_t dev_flags;
	int numa_node;
	/* further fields are not used here */
};

/* Offsets read from librte_ethdev.so.23 (rte_eth_stats_get, _info_get). */
_Static_assert(offsetof(struct rte_eth_dev, data) == 0x30, "ethdev ABI");
_Static_assert(offsetof(struct rte_eth_dev, dev_ops) == 0x40, "ethdev ABI");
_Static_assert(offsetof(struct rte_eth_dev_data, nb_rx_queues) == 0x50, "ethdev ABI");
_Static_assert(offsetof(struct rte_eth_dev_data, dev_conf) == 0x70, "ethdev ABI");
_Static_assert(offsetof(struct rte_eth_dev_data, rx_mbuf_alloc_failed) == 0x958,
	       "ethdev ABI");
_Static_assert(offsetof(struct rte_eth_dev_data, port_id) == 0xd70, "ethdev ABI");

typedef int (*rtpgen_dev_op_t)(struct rte_eth_dev *dev);

/*
 * struct eth_dev_ops in its 22.11 order up to reta_query; the
 * remaining slots are left NULL (ethdev answers -ENOTSUP for them). The
 * tail is larger than the real one so ethdev never reads past our object.
 */
struct eth_dev_ops {
	int (*dev_configure)(struct rte_eth_dev *dev);
	int (*dev_start)(struct rte_eth_dev *dev);
	int (*dev_stop)(struct rte_eth_dev *dev);
	int (*dev_set_link_up)(struct rte_eth_dev *dev);
	int (*dev_set_link_down)(struct rte_eth_dev *dev);
	int (*dev_close)(struct rte_eth_dev *dev);
	int (*dev_reset)(struct rte_eth_dev *dev);
	int (*link_update)(struct rte_eth_dev *dev, int wait_to_complete);
	int (*is_removed)(struct rte_eth_dev *dev);
	int (*promiscuous_enable)(struct rte_eth_dev *dev);
	int (*promiscuous_disable)(struct rte_eth_dev *dev);
	int (*allmulticast_enable)(struct rte_eth_dev *dev);
	int (*allmulticast_disable)(struct rte_eth_dev *dev);
	void *mac_addr_remove;
	void *mac_addr_add;
	int (*mac_addr_set)(struct rte_eth_dev *dev, struct rte_ether_addr *addr);
	void *set_mc_addr_list;
	int (*mtu_set)(struct rte_eth_dev *dev, uint16_t mtu);
	int (*stats_get)(struct rte_eth_dev *dev, struct rte_eth_stats *stats);
	int (*stats_reset)(struct rte_eth_dev *dev);
	int (*xstats_get)(struct rte_eth_dev *dev, struct rte_eth_xstat *stats,
			  unsigned int n);
	int (*xstats_reset)(struct rte_eth_dev *dev);
	int (*xstats_get_names)(struct rte_eth_dev *dev,
				struct rte_eth_xstat_name *names, unsigned int size);
	void *queue_stats_mapping_set;
	int (*dev_infos_get)(struct rte_eth_dev *dev, struct rte_eth_dev_info *info);
	void *rxq_info_get;
	void *txq_info_get;
	void *rx_burst_mode_get;
	void *tx_burst_mode_get;
	void *fw_version_get;
	void *dev_supported_ptypes_get;
	void *dev_ptypes_set;
	void *vlan_filter_set;
	void *vlan_tpid_set;
	void *vlan_strip_queue_set;
	void *vlan_offload_set;
	void *vlan_pvid_set;
	void *rx_queue_start;
	void *rx_queue_stop;
	void *tx_queue_start;
	void *tx_queue_stop;
	int (*rx_queue_setup)(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_rxconf *conf,
			      struct rte_mempool *mp);
	void (*rx_queue_release)(struct rte_eth_dev *dev, uint16_t qid);
	void *rx_queue_intr_enable;
	void *rx_queue_intr_disable;
	int (*tx_queue_setup)(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_txconf *conf);
	void (*tx_queue_release)(struct rte_eth_dev *dev, uint16_t qid);
	void *tx_done_cleanup;
	void *dev_led_on;
	void *dev_led_off;
	void *flow_ctrl_get;
	void *flow_ctrl_set;
	void *priority_flow_ctrl_set;
	void *priority_flow_ctrl_queue_info_get;
	void *priority_flow_ctrl_queue_config;
	void *uc_hash_table_set;
	void *uc_all_hash_table_set;
	void *udp_tunnel_port_add;
	void *udp_tunnel_port_del;
	void *set_queue_rate_limit;
	int (*rss_hash_update)(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rss_conf);
	int (*rss_hash_conf_get)(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rss_conf);
	int (*reta_update)(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta_conf,
			   uint16_t reta_size);
	int (*reta_query)(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *reta_conf,
			  uint16_t reta_size);
	void *rtpgen_unused_tail[143];
};

/* Offsets of the ops ethdev calls, read from librte_ethdev.so.23. */
_Static_assert(offsetof(struct eth_dev_ops, dev_close) == 0x28, "ethdev ABI");
_Static_assert(offsetof(struct eth_dev_ops, stats_get) == 0x90, "ethdev ABI");
_Static_assert(offsetof(struct eth_dev_ops, dev_infos_get) == 0xc0, "ethdev ABI");
_Static_assert(offsetof(struct eth_dev_ops, rx_queue_setup) == 0x148, "ethdev ABI");
/* rte_eth_dev_rss_hash_update, _hash_conf_get, _reta_update, _reta_query */
_Static_assert(offsetof(struct eth_dev_ops, rss_hash_update) == 0x1e0, "ethdev ABI");
_Static_assert(offsetof(struct eth_dev_ops, reta_query) == 0x1f8, "ethdev ABI");

/* Exported (INTERNAL) by librte_ethdev.so.23. */
struct rte_eth_dev *rte_eth_dev_allocate(const char *name);
struct rte_eth_dev *rte_eth_dev_allocated(const char *name);
int rte_eth_dev_release_port(struct rte_eth_dev *eth_dev);
void rte_eth_dev_probing_finish(struct rte_eth_dev *dev);

/* The vdev bus (bus_vdev_driver.h in 22.11). */
struct rte_driver {
	RTE_TAILQ_ENTRY(rte_driver) next;
	const char *name;
	const char *alias;
};

struct rte_vdev_device {
	RTE_TAILQ_ENTRY(rte_vdev_device) next;
	/* struct rte_device follows; opaque outside the bus */
};

/* The embedded struct rte_device, right after the list entry. */
#define RTPGEN_VDEV_DEV(vdev) ((struct rte_device *)((vdev) + 1))

typedef int (rte_vdev_probe_t)(struct rte_vdev_device *dev);
typedef int (rte_vdev_remove_t)(struct rte_vdev_device *dev);

struct rte_vdev_driver {
	RTE_TAILQ_ENTRY(rte_vdev_driver) next;
	struct rte_driver driver;
	rte_vdev_probe_t *probe;
	rte_vdev_remove_t *remove;
	void *dma_map;
	void *dma_unmap;
	uint32_t drv_flags;
};

void rte_vdev_register(struct rte_vdev_driver *driver);

#define RTE_PMD_REGISTER_VDEV(nm, vdrv) \
	static const char *vdrvinit_ ## nm ## _alias; \
	RTE_INIT(vdrvinitfn_ ## vdrv) \
	{ \
		(vdrv).driver.name = RTE_STR(nm); \
		(vdrv).driver.alias = vdrvinit_ ## nm ## _alias; \
		rte_vdev_register(&vdrv); \
	} \
	RTE_PMD_EXPORT_NAME(nm, __COUNTER__)

#define RTE_PMD_REGISTER_ALIAS(nm, alias) \
	static const char *vdrvinit_ ## nm ## _alias = RTE_STR(alias)

#endif /* driver SDK headers */

#endif /* RTPGEN_SDK_H */
