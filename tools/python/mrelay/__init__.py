# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay's Python toolkit, shared by tools/, dts/ and tests/integration/.

Modules (standard library only, but srtp):
  telemetry  the DPDK telemetry v2 socket client
  pcap       classic pcap read/write, Internet checksums
  ini        configuration text for mrelay
  dpdk       DPDK process runner, EAL options, runtime-directory cleanup
  prom       Prometheus text exposition, log-linear histogram conversion
  exporter   the relay's telemetry as Prometheus metrics
  rtpgen     net_rtpgen: --vdev, the benchmarks' configuration, its summary
  log        one log() for every tool and test
  bencode    bencode and ng protocol datagrams
  drops      drop reasons as the relay publishes them (--drop-reasons, telemetry)
  srtp       SRTP/SRTCP written from the RFCs (needs python3-cryptography,
             the one module that is not standard library only)

A script outside this directory imports it with
    sys.path.insert(0, <repository>/tools/python)
located relative to the script itself, so it works from any cwd.
"""
