#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
#
# Usage: tools/kamailio/check-config.sh [kamailio -A definitions...]
#
# Checks tools/kamailio/kamailio.cfg with `kamailio -c` (syntax, modules,
# module parameters), once with the defaults and once with each set of
# definitions given, e.g. -A NG_OPTIONAL. Needs Debian's kamailio package
# (rtpengine.so is in it). Exit status: 0 valid, 1 invalid, 2 no kamailio.

set -u
here=$(cd "$(dirname "$0")" && pwd)
cfg=$here/kamailio.cfg

if ! command -v kamailio >/dev/null 2>&1; then
	echo "check-config: kamailio not found: apt-get install kamailio" >&2
	exit 2
fi
modules=$(kamailio -f "$cfg" -c 2>&1 | sed -n 's/.*modules path.*"\(.*\)".*/\1/p')
for m in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules $modules; do
	[ -f "$m/rtpengine.so" ] && { echo "check-config: $m/rtpengine.so"; break; }
done
status=0
for defs in "" "$@"; do
	# shellcheck disable=SC2086
	if out=$(kamailio -c -f "$cfg" $defs 2>&1); then
		echo "check-config: valid${defs:+ with $defs}"
	else
		echo "$out" | tail -n 15 >&2
		echo "check-config: INVALID${defs:+ with $defs}" >&2
		status=1
	fi
done
exit $status
