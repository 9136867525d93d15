-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 The mrelay authors
--
-- Pktgen-DPDK 23.06.x Lua script: replay the pcap given with -s 0:FILE on
-- port 0 at PKTGEN_PPS packets per second for PKTGEN_SECONDS, then report
-- what port 0 sent and received (rtp-common.lua lists the settings).
--   pktgen [EAL] -- -P -m "[1:2].0" -s 0:rtp.pcap -f tools/pktgen/rtp-pcap.lua
-- Frames of tools/pktgen/mkpcap.py are 200 bytes (no FCS in a pcap).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local rtp = dofile(dir .. "rtp-common.lua")
local FRAME = 200

local cfg = rtp.settings()
pktgen.stop(rtp.port)
pktgen.pcap(rtp.port, "on")
rtp.run(cfg, "pcap", FRAME + 20)
