/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for mr_pkt_parse(). The first input byte picks the RX
 * checksum flags (bits 0-1: IP state, bits 2-3: L4 state), the rest is
 * the Ethernet frame. A parse that succeeds must describe a payload that
 * lies inside the frame, with sane fields, whose payload sum
 * (mr_pkt_payload_sum) reads only the frame, and whose stream key made
 * from the frame (mr_stream_key_from_frame) is the one made from the
 * parsed endpoint; anything else aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_pkt.h"
#include "mr_stream.h"

static const uint64_t ip_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
};
static const uint64_t l4_flags[4] = {
	RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_BAD,
	RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_NONE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MR_ENDPOINT_STRLEN];
	struct mr_stream_key want, got;
	struct mr_pkt_info pi;
	mr_drop_reason_t r;
	uint16_t sum;
	uint64_t ol;
	uint32_t len;

	if (size < 1 || size - 1 > UINT32_MAX)
		return 0;
	ol = ip_flags[data[0] & 3] | l4_flags[(data[0] >> 2) & 3];
	len = (uint32_t)(size - 1);

	r = mr_pkt_parse(data + 1, len, ol, &pi);
	/* only lib/pkt's own reasons */
	if (r != MR_DROP_NONE && (r < MR_METRICS_DROP_END || r >= MR_PKT_DROP_END))
		abort();
	if (r != MR_DROP_NONE)
		return 0;
	if ((uint32_t)pi.payload_off + pi.payload_len > len)
		abort();
	if (pi.ip_version != 4 && pi.ip_version != 6)
		abort();
	if (pi.has_vlan > 1 || (!pi.has_vlan && pi.vlan_tci != 0))
		abort();
	if (pi.src.zero != 0 || pi.dst.zero != 0)
		abort();
	/* IPv6 may carry mapped addresses; IPv4 always does */
	if (pi.ip_version == 4 &&
	    (!mr_endpoint_is_v4(&pi.src) || !mr_endpoint_is_v4(&pi.dst)))
		abort();
	/* the formatter must cope with whatever the parser produced */
	mr_endpoint_format(&pi.src, buf, sizeof(buf));
	if (memchr(buf, '\0', sizeof(buf)) == NULL)
		abort();
	mr_endpoint_format(&pi.dst, buf, sizeof(buf));
	/*
	 * The payload sum reads the UDP header before the payload and, when
	 * the datagram has no checksum, the payload: all inside the frame.
	 */
	sum = mr_pkt_payload_sum(data + 1, &pi);
	if (pi.payload_off < 8)
		abort();
	if (data[1 + pi.payload_off - 2] == 0 && data[1 + pi.payload_off - 1] == 0 &&
	    sum != mr_pkt_raw_sum(data + 1 + pi.payload_off, pi.payload_len))
		abort();
	memset(&want, 0, sizeof(want));
	want.local = pi.dst;
	want.ssrc = (uint32_t)size * 0x9e3779b9u;
	if (mr_stream_key_from_frame(&got, data + 1, &pi, want.ssrc) != mr_stream_key_hash(&want) ||
	    memcmp(&got, &want, sizeof(got)) != 0)
		abort();
	return 0;
}
