/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_PKT_DROPS_H
#define MR_PKT_DROPS_H

/**
 * @file
 * lib/pkt's drop reasons: what mr_pkt_parse() finds wrong with a frame
 * (Ethernet, 802.1Q, IPv4, IPv6, UDP). Their ids follow lib/metrics' own;
 * lib/rtp's follow these. Registered in mr_pkt.c.
 */

#include "mr_metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(SYMBOL, "name", "description"): MR_DROP_<SYMBOL>, exported as name. */
#define MR_PKT_DROPS(X) \
	X(RUNT, "runt", \
	  "frame shorter than an Ethernet header") \
	X(NOT_IP, "not_ip", \
	  "EtherType neither IPv4 nor IPv6") \
	X(VLAN, "vlan", \
	  "802.1Q tag cut short, or stacked VLAN tags") \
	X(IPV4_HDR, "ipv4_hdr", \
	  "IPv4 header cut short, wrong version, or lengths beyond the frame") \
	X(IPV4_CKSUM, "ipv4_cksum", \
	  "IPv4 header checksum wrong") \
	X(IPV6_HDR, "ipv6_hdr", \
	  "IPv6 header cut short, wrong version, or payload beyond the frame") \
	X(IPV6_EXT, "ipv6_ext", \
	  "IPv6 extension headers malformed, too many, or too long") \
	X(IP_FRAGMENT, "ip_fragment", \
	  "IPv4 or IPv6 fragment (not reassembled)") \
	X(NOT_UDP, "not_udp", \
	  "IP protocol other than UDP") \
	X(UDP_HDR, "udp_hdr", \
	  "UDP header cut short, or its length beyond the IP payload") \
	X(L4_CKSUM, "l4_cksum", \
	  "UDP checksum flagged bad by the port")

/** lib/pkt's drop reasons (see MR_PKT_DROPS). */
enum mr_pkt_drop {
	MR_PKT_DROP_BEFORE_ = MR_METRICS_DROP_END - 1,
	MR_PKT_DROPS(MR_DROP_ENUM_)
	MR_PKT_DROP_END /**< first id of the next library (lib/rtp) */
};

_Static_assert(MR_PKT_DROP_END <= MR_DROP_CAPACITY, "lib/pkt's drop ids fit the counters");

#ifdef __cplusplus
}
#endif

#endif /* MR_PKT_DROPS_H */
