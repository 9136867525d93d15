-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 The mrelay authors
--
-- Shared by rtp-pcap.lua and rtp-range.lua (Pktgen-DPDK 23.06.x Lua API).
-- Settings come from the environment, so that one script serves a
-- person at a shell and a test:
--   PKTGEN_PPS      packets per second to send (default 10000: 200 calls
--                   of one 50 pps stream each, ptime 20 ms)
--   PKTGEN_SECONDS  how long to send (default 10)
--   PKTGEN_LINK_WAIT  seconds to wait for the port's link (default 30):
--                   mrelay may connect to pktgen's memif after it starts
--   PKTGEN_RESULT   file to append the result line to (default: none)
--   PKTGEN_QUIT     1: quit pktgen when done (default: stay at the prompt)
local M = {}

M.port = "0"

function M.env_number(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	local n = tonumber(v)
	if n == nil then
		error(name .. " is not a number: " .. v)
	end
	return n
end

function M.settings()
	return {
		pps = M.env_number("PKTGEN_PPS", 10000),
		seconds = M.env_number("PKTGEN_SECONDS", 10),
		link_wait = M.env_number("PKTGEN_LINK_WAIT", 30),
		result = os.getenv("PKTGEN_RESULT"),
		quit = os.getenv("PKTGEN_QUIT") == "1",
	}
end

-- The port's link speed in Mb/s once its link is up ("<UP-100000-FD>"),
-- or nil after wait_s seconds of "<--Down-->".
function M.wait_link(wait_s)
	local t = 0
	while true do
		local st = pktgen.linkState(M.port)[tonumber(M.port)]
		local speed = st and st:match("^<UP%-(%d+)%-")
		if speed then
			return tonumber(speed)
		end
		if t >= wait_s * 1000 then
			return nil
		end
		pktgen.delay(100)
		t = t + 100
	end
end

-- pktgen's rate is a share of the link speed, in percent, for frames of
-- wire_bytes (frame + 20 bytes of preamble and gap, as pktgen counts).
function M.rate_percent(pps, wire_bytes, speed_mbps)
	return pps * wire_bytes * 8 / (speed_mbps * 1e6) * 100
end

function M.report(cfg, mode, line)
	io.stderr:write("pktgen-result " .. line .. "\n")
	if cfg.result then
		local f = assert(io.open(cfg.result, "a"))
		f:write(line .. "\n")
		f:close()
	end
end

-- Send for cfg.seconds at the rate set, wait for the relay's last
-- packets, report pktgen's counts of the port.
function M.run(cfg, mode, wire_bytes)
	local speed = M.wait_link(cfg.link_wait)
	if speed == nil then
		M.report(cfg, mode, string.format("mode=%s error=link-down", mode))
		if cfg.quit then pktgen.quit() end
		return
	end
	local pct = M.rate_percent(cfg.pps, wire_bytes, speed)
	pktgen.set(M.port, "rate", string.format("%.6f", pct))
	pktgen.clr()
	pktgen.start(M.port)
	pktgen.delay(math.floor(cfg.seconds * 1000))
	pktgen.stop(M.port)
	-- pktgen's port counts are a snapshot its timer thread takes once a
	-- second: wait until two snapshots agree (and the relay's last
	-- packets are back), at most 10 s
	local st = pktgen.portStats(M.port, "port")[tonumber(M.port)]
	for _ = 1, 10 do
		pktgen.delay(1100)
		local now = pktgen.portStats(M.port, "port")[tonumber(M.port)]
		local same = now.opackets == st.opackets and now.ipackets == st.ipackets
		st = now
		if same then
			break
		end
	end
	M.report(cfg, mode, string.format(
		"mode=%s pps=%d seconds=%g link_mbps=%d rate_pct=%.6f sent=%d received=%d",
		mode, cfg.pps, cfg.seconds, speed, pct, st.opackets, st.ipackets))
	if cfg.quit then pktgen.quit() end
end

return M
