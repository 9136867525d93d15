#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
#
# Usage: tests/fuzz/run_fuzz.sh [seconds]
#
# Configures build-fuzz/ with clang and -Dfuzz=true (or reuses it), builds
# the libFuzzer harnesses and runs each for [seconds] (default 30) on a
# scratch copy of its seed corpus, so the committed corpus stays as it is.
# Crash inputs are kept in build-fuzz/fuzz-artifacts/.
# Exit status: 0 when no harness found a problem, 1 when one did,
# 2 on a setup error (missing clang or libFuzzer runtime, build failure).

set -u

secs=${1:-30}
case $secs in
''|*[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-fuzz
harnesses="fuzz_pkt fuzz_rtp fuzz_neigh fuzz_bencode fuzz_sdp fuzz_quic fuzz_srtp fuzz_ngcall"

if ! command -v clang >/dev/null 2>&1; then
	echo "run_fuzz: clang not found; install it: apt-get install clang libclang-rt-14-dev" >&2
	exit 2
fi
probe=$(mktemp -d) || exit 2
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' \
	>"$probe/p.c"
if ! clang -fsanitize=fuzzer,address -o "$probe/p" "$probe/p.c" >/dev/null 2>&1; then
	echo "run_fuzz: clang cannot link libFuzzer (-fsanitize=fuzzer); install libclang-rt-14-dev" >&2
	exit 2
fi

if [ ! -f "$build/build.ninja" ]; then
	# what a failed setup left behind would make meson refuse the directory
	rm -rf "$build"
	(cd "$root" && CC=clang meson setup "$build" -Dfuzz=true -Dtests=false) || {
		echo "run_fuzz: meson setup of $build failed" >&2
		exit 2
	}
fi

# fuzz_rtp is only built once its source exists (see tests/fuzz/meson.build)
targets=
for h in $harnesses; do
	if [ -f "$here/$h.c" ]; then
		targets="$targets tests/fuzz/$h"
	else
		echo "run_fuzz: tests/fuzz/$h.c missing, skipping $h" >&2
	fi
done
# a harness source added after setup needs a reconfigure to be seen
for t in $targets; do
	if ! ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$t:"; then
		meson setup --reconfigure "$build" >/dev/null ||
			{ echo "run_fuzz: meson reconfigure failed" >&2; exit 2; }
		break
	fi
done
# shellcheck disable=SC2086
ninja -C "$build" $targets || { echo "run_fuzz: build failed" >&2; exit 2; }

work=$(mktemp -d) || exit 2
trap 'rm -rf "$probe" "$work"' EXIT
mkdir -p "$build/fuzz-artifacts"
status=0
for t in $targets; do
	h=${t##*/}
	name=${h#fuzz_}
	mkdir -p "$work/$name"
	if [ -d "$here/corpus/$name" ]; then
		cp "$here/corpus/$name"/* "$work/$name"/ 2>/dev/null
	fi
	# what Kamailio really sent (tests/ng/) seeds the ng decoder too
	if [ "$name" = bencode ]; then
		cp "$root"/tests/ng/*.bencode "$work/$name"/ 2>/dev/null
	fi
	echo "run_fuzz: $h for ${secs}s on $(find "$work/$name" -type f | wc -l) seeds"
	if "$build/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$h-" \
		"$work/$name" >"$work/$h.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|DONE' \
			"$work/$h.log" | sed "s/^/  $h: /"
		echo "run_fuzz: $h: no crash ($(find "$work/$name" -type f | wc -l) corpus entries at the end)"
	else
		tail -n 40 "$work/$h.log" >&2
		echo "run_fuzz: $h FOUND A PROBLEM: see $build/fuzz-artifacts/$h-*" >&2
		status=1
	fi
done
exit $status
