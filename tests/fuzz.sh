#!/usr/bin/env bash
# tests/fuzz.sh - build every libFuzzer harness (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan,
# and run each for FUZZ_SECONDS (default 10; `make fuzz` uses 120), seeded from
# tests/fuzz/seeds/<harness>/ when that exists. Prints one PASS/FAIL line per harness.
set -u
cd "$(dirname "$0")/.."
: "${FUZZ_SECONDS:=10}"
: "${JOBS:=$(nproc 2>/dev/null || echo 2)}"
B=build/fuzz
log=build/fuzz.log
mkdir -p "$B"

if [ "$FUZZ_SECONDS" = 0 ]; then
	echo "SKIP fuzz: FUZZ_SECONDS=0"
	exit 0
fi
if ! command -v clang >/dev/null; then
	echo "FAIL fuzz: clang is not installed"
	exit 1
fi
mk() { make -j"$JOBS" --no-print-directory B=$B KCONFIG_CONFIG=$B/.config SANITIZE=1 FUZZ=1 CC=clang "$@"; }
if ! { mk full_defconfig && mk fuzz-build; } >"$log" 2>&1; then
	echo "FAIL fuzz harnesses build (see $log)"
	tail -20 "$log"
	exit 1
fi
for f in $B/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=$B/corpus/$n
	mkdir -p "$corpus"
	seeds=tests/fuzz/seeds/$n
	[ -d "$seeds" ] || seeds=
	if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=5 -rss_limit_mb=2048 "$corpus" $seeds \
		>"$B/$n.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$B/$n.log" | tail -1 | cut -d' ' -f2)
		echo "PASS $n: ${runs:-?} inputs in ${FUZZ_SECONDS}s, no crash"
	else
		echo "FAIL $n (see $B/$n.log)"
		grep -A15 -m1 'ERROR\|runtime error' "$B/$n.log"
	fi
done
