-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 The mrelay authors
--
-- Pktgen-DPDK 23.06.x Lua script: range mode over FLOWS UDP flows on port 0,
-- flow i = 10.1.0.1:20000+i -> 10.0.0.1:30000+i (leg A of session i of
-- tools/pktgen/mrelay-pktgen.conf), 200-byte frames, each carrying an
-- RTP header (V=2, PT 0, random sequence number, SSRC 0x10000000) through
-- pktgen's random bitfields. Needs the random
-- bitfield patch of tools/pktgen/build-pktgen. Settings: rtp-common.lua.
--   pktgen [EAL] -- -P -m "[1:2].0" -f tools/pktgen/rtp-range.lua
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local rtp = dofile(dir .. "rtp-common.lua")
local port = rtp.port
local flows = rtp.env_number("PKTGEN_FLOWS", 1000)
local size = 200                      -- pktgen's sizes count the 4-byte FCS
local relay_mac = "02:00:00:00:00:01" -- the relay's port
local own_mac = "02:00:00:00:00:02"   -- pktgen's port

local function span(fn, start, inc, min, max)
	fn(port, "start", start)
	fn(port, "inc", inc)
	fn(port, "min", min)
	fn(port, "max", max)
end

local cfg = rtp.settings()
local r = pktgen.range
pktgen.stop(port)
-- the rate is computed from the single-packet size, also in range mode
pktgen.set(port, "size", size)
pktgen.pattern(port, "zero")
r.ip_proto(port, "udp")
r.dst_mac(port, "start", relay_mac)
r.src_mac(port, "start", own_mac)
span(r.src_ip, "10.1.0.1", "0.0.0.0", "10.1.0.1", "10.1.0.1")
span(r.dst_ip, "10.0.0.1", "0.0.0.0", "10.0.0.1", "10.0.0.1")
span(r.src_port, 20000, 1, 20000, 20000 + flows - 1)
span(r.dst_port, 30000, 1, 30000, 30000 + flows - 1)
span(r.pkt_size, size, 0, size, size)
pktgen.set_range(port, "on")
-- offset 42 = 14 Ethernet + 20 IPv4 + 8 UDP: the RTP header
pktgen.rnd(port, 0, 42, "1000000000000000XXXXXXXXXXXXXXXX")
pktgen.rnd(port, 1, 50, "00010000000000000000000000000000")
rtp.run(cfg, "range", size + 20)
