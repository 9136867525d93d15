# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
#
# Where the shared Pktgen-DPDK source is: sourced by tools/pktgen/build-pktgen
# and the tests. mr_pktgen_source prints ../shared/third_party/<tarball>
# beside the project; in a git worktree, beside the main checkout if the
# worktree has none. It prints the first of those paths even when absent,
# so that a message can name what is missing. $MR_PKTGEN_SOURCE, when
# set, is the answer instead (a CI machine keeping it elsewhere).

MR_PKTGEN_TARBALL=pktgen-23.06.1.tar.gz

mr_pktgen_source() {
	local here common first=""
	if [ -n "${MR_PKTGEN_SOURCE:-}" ]; then
		echo "$MR_PKTGEN_SOURCE"
		return 0
	fi
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	for d in "$here/.." \
		"$(common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null) &&
			cd "$here" && cd "$(dirname "$common")/.." 2>/dev/null && pwd)"; do
		[ -n "$d" ] || continue
		local f
		f=$(cd "$d" 2>/dev/null && pwd)/shared/third_party/$MR_PKTGEN_TARBALL
		[ -n "$first" ] || first=$f
		if [ -e "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	echo "$first"
}
