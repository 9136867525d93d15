# SPDX-License-Identifier: BSD-3-Clause
# Shared by tools/run and tools/test: install what is missing, reserve
# hugepages (or fall back to --no-huge), build. Source it; do not run it.

MR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MR_BUILD=${MR_BUILD:-$MR_ROOT/build}

# Debian 12 packages: build, runtime, and the independent checkers the
# tests use (scapy, tshark, clang's libFuzzer, Kamailio, SIPp and tcpdump for ng,
# quic-go with go and openssl for the QUIC tests, python3-cryptography for SRTP).
MR_PACKAGES="build-essential meson ninja-build pkg-config libdpdk-dev dpdk dpdk-dev
libopus-dev libsrtp2-dev libmd-dev libpcap-dev python3 python3-scapy python3-pyelftools
python3-cryptography
tshark clang libclang-rt-14-dev iproute2 procps iputils-ping prometheus pycodestyle
kamailio sip-tester tcpdump ethtool
libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev golang-go
golang-github-lucas-clemente-quic-go-dev openssl"

mr_log() { printf '== %s\n' "$*" >&2; }

mr_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "mrelay: run this as root (DPDK, hugepages and apt need it)" >&2
		exit 1
	fi
}

mr_install_deps() {
	local missing=() p
	for p in $MR_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	mr_log "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# Sets MR_EAL_MEM to the EAL memory options every DPDK process here uses:
# hugepages with --huge-unlink when 2 MB pages can be had, else --no-huge.
mr_setup_memory() {
	local want_mb=${MR_HUGE_MB:-1536} free_mb
	MR_EAL_MEM="--no-huge -m 1024"
	if [ -n "${MR_NO_HUGE:-}" ]; then
		mr_log "MR_NO_HUGE set: using --no-huge"
		export MR_EAL_MEM
		return 0
	fi
	mkdir -p /dev/hugepages 2>/dev/null || true
	if ! mountpoint -q /dev/hugepages 2>/dev/null; then
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
	free_mb=$(( $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) * 2 ))
	if [ "$free_mb" -lt "$want_mb" ]; then
		dpdk-hugepages.py -p 2M --setup "${want_mb}M" >/dev/null 2>&1 || true
		free_mb=$(( $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) * 2 ))
	fi
	if mountpoint -q /dev/hugepages 2>/dev/null && [ "$free_mb" -ge 512 ]; then
		MR_EAL_MEM="--huge-unlink -m 512"
		mr_log "hugepages: ${free_mb} MB free on /dev/hugepages"
	else
		mr_log "hugepages unavailable (${free_mb} MB free): falling back to --no-huge -m 1024"
	fi
	export MR_EAL_MEM
}

mr_build() {
	if [ ! -f "$MR_BUILD/build.ninja" ]; then
		meson setup "$MR_BUILD" "$MR_ROOT" >/dev/null
	fi
	ninja -C "$MR_BUILD" >/dev/null
}

mr_prepare() {
	mr_need_root
	mr_install_deps
	mr_setup_memory
	mr_log "building in $MR_BUILD"
	mr_build
}
