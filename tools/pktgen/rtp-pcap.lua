-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 The mrelay authors
--
-- Pktgen-DPDK Lua script: replay the pcap given with -s 0:rtp.pcap on
-- port 0 for DURATION_MS, then print what was sent and received.
--   pktgen [EAL] -- -P -m "[1:2].0" -s 0:rtp.pcap -f tools/pktgen/rtp-pcap.lua
local port = "0"
local rate_pct = 1          -- share of line rate, in percent
local duration_ms = 10000

pktgen.stop(port)
pktgen.clear(port)
pktgen.set(port, "rate", rate_pct)
pktgen.pcap(port, "on")
pktgen.start(port)
pktgen.delay(duration_ms)
pktgen.stop(port)
pktgen.delay(1000)          -- let the relay's last packets come back

local st = pktgen.portStats(port)
printf("port %s: sent %d, received %d\n", port,
       st[0].curr.opackets, st[0].curr.ipackets)
