#!/usr/bin/env bash
# tests/size.sh - `make size`: stripped static size of wwanbox per defconfig, and the 15 biggest
# symbols of each. Builds into build/size-<config>; uses the toolchain the Makefile picks.
set -eu
cd "$(dirname "$0")/.."
: "${JOBS:=$(nproc 2>/dev/null || echo 2)}"
: "${STRIP:=${CROSS_COMPILE:-}strip}"
: "${NM:=${CROSS_COMPILE:-}nm}"

printf '%-16s %10s %10s %10s %10s\n' config stripped text data bss
for cfg in tiny_defconfig full_defconfig; do
	b=build/size-${cfg%_defconfig}
	make -j"$JOBS" --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" "$cfg" >/dev/null
	make -j"$JOBS" --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" all >/dev/null
	"$STRIP" -o "$b/wwanbox.stripped" "$b/wwanbox"
	read -r text data bss _ < <(size "$b/wwanbox" | tail -1)
	printf '%-16s %10s %10s %10s %10s\n' "$cfg" "$(stat -c %s "$b/wwanbox.stripped")" \
		"$text" "$data" "$bss"
done
for cfg in tiny_defconfig full_defconfig; do
	b=build/size-${cfg%_defconfig}
	echo
	echo "15 biggest symbols, $cfg (bytes, type, name):"
	"$NM" --size-sort -r -S "$b/wwanbox" | head -15 |
		while read -r _ sz type name; do printf '  %8d %s %s\n' "0x$sz" "$type" "$name"; done
done
