-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 The mrelay authors
--
-- Pktgen-DPDK Lua script: the range mode of rtp-range.pkt (1000 UDP flows,
-- 10.1.0.1:20000+i -> 10.0.0.1:30000+i, 200-byte frames) for DURATION_MS.
--   pktgen [EAL] -- -P -m "[1:2].0" -f tools/pktgen/rtp-range.lua
local port = "0"
local flows = 1000
local rate_pct = 1
local duration_ms = 10000
local relay_mac = "02:00:00:00:00:01"   -- the relay's port
local own_mac = "02:00:00:00:00:02"     -- pktgen's port

local function span(fn, start, inc, min, max)
	fn(port, "start", start)
	fn(port, "inc", inc)
	fn(port, "min", min)
	fn(port, "max", max)
end

pktgen.stop(port)
pktgen.clear(port)
pktgen.set(port, "rate", rate_pct)
pktgen.ip_proto(port, "udp")
pktgen.dst_mac(port, "start", relay_mac)
pktgen.src_mac(port, "start", own_mac)
span(pktgen.src_ip, "10.1.0.1", "0.0.0.0", "10.1.0.1", "10.1.0.1")
span(pktgen.dst_ip, "10.0.0.1", "0.0.0.0", "10.0.0.1", "10.0.0.1")
span(pktgen.src_port, 20000, 1, 20000, 20000 + flows - 1)
span(pktgen.dst_port, 30000, 1, 30000, 30000 + flows - 1)
span(pktgen.pkt_size, 200, 0, 200, 200)
-- RTP version 2, PT 0, random sequence number; fixed SSRC (see rtp-range.pkt)
pktgen.rnd(port, 0, 42, "1000000000000000XXXXXXXXXXXXXXXX")
pktgen.rnd(port, 1, 50, "00010000000000000000000000000000")
pktgen.range(port, "on")
pktgen.start(port)
pktgen.delay(duration_ms)
pktgen.stop(port)
pktgen.delay(1000)

local st = pktgen.portStats(port)
printf("port %s: sent %d, received %d\n", port,
       st[0].curr.opackets, st[0].curr.ipackets)
