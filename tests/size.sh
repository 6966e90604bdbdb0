#!/usr/bin/env bash
# tests/size.sh - `make size`: stripped size of the static wwanbox per architecture and defconfig
# (mips first: most routers, the reference), the native builds' text/data/bss, and the 15 biggest
# symbols of each native build.
#
# Native builds go to build/size-<config> with the toolchain the Makefile picks (musl-gcc, or
# CROSS_COMPILE=... Buildroot-style); cross builds to build/size-<arch>-<config> with
# configs/cross.mk's musl toolchain, built once per architecture into build/cross-<arch>/sysroot
# (measured on 2 cores: ~25 s each the first time, the four ~100 s). An architecture whose cross
# compiler is not installed shows "-" (make deps installs them).
#
# Environment: SIZE_ARCHS (default "mips mipsel armhf aarch64"; empty: native only), JOBS.
set -eu
cd "$(dirname "$0")/.."
: "${JOBS:=$(nproc 2>/dev/null || echo 2)}"
: "${STRIP:=${CROSS_COMPILE:-}strip}"
: "${NM:=${CROSS_COMPILE:-}nm}"
: "${SIZE:=${CROSS_COMPILE:-}size}"
archs=${SIZE_ARCHS-mips mipsel armhf aarch64}
configs="tiny_defconfig full_defconfig"
log=build/size.log
mkdir -p build
: >"$log"

declare -A triplet=([mips]=mips-linux-gnu [mipsel]=mipsel-linux-gnu [armhf]=arm-linux-gnueabihf
	[aarch64]=aarch64-linux-gnu)

# build DIR CONFIG MAKEARGS...: configure and build DIR/wwanbox; ARCH= keeps an ARCH that came
# with `make size ARCH=...` (MAKEFLAGS) out of the native builds.
build() {
	local b=$1 cfg=$2
	shift 2
	make -j"$JOBS" --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" "$@" "$cfg" >>"$log" 2>&1 &&
		make -j"$JOBS" --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" "$@" all >>"$log" 2>&1
}

# --- cross builds ------------------------------------------------------------------------------
declare -A stripped
failed=
for arch in $archs; do
	t=${triplet[$arch]:-}
	[ -n "$t" ] || { echo "size: unknown architecture $arch" >&2; exit 2; }
	for cfg in $configs; do
		stripped[$arch.$cfg]=-
		command -v "$t-gcc" >/dev/null || continue
		b=build/size-$arch-${cfg%_defconfig}
		if build "$b" "$cfg" ARCH="$arch"; then
			"$t-strip" -o "$b/wwanbox.stripped" "$b/wwanbox"
			stripped[$arch.$cfg]=$(stat -c %s "$b/wwanbox.stripped")
		else
			failed="$failed $arch/$cfg"
		fi
	done
done

# --- native builds -----------------------------------------------------------------------------
native=$(uname -m)
[ -z "${CROSS_COMPILE:-}" ] || native=${CROSS_COMPILE%-}
declare -A text data bss
for cfg in $configs; do
	b=build/size-${cfg%_defconfig}
	if build "$b" "$cfg" ARCH=; then
		"$STRIP" -o "$b/wwanbox.stripped" "$b/wwanbox"
		stripped[native.$cfg]=$(stat -c %s "$b/wwanbox.stripped")
		read -r text[$cfg] data[$cfg] bss[$cfg] _ < <("$SIZE" "$b/wwanbox" | tail -1)
	else
		stripped[native.$cfg]=-
		failed="$failed $native/$cfg"
	fi
done

# --- report ------------------------------------------------------------------------------------
echo "Stripped size of the static wwanbox in bytes (musl, -Os):"
printf '  %-16s %16s %16s\n' arch $configs
for arch in $archs native; do
	name=$arch
	[ "$arch" != native ] || name="$native (native)"
	printf '  %-16s %16s %16s\n' "$name" "${stripped[$arch.tiny_defconfig]}" \
		"${stripped[$arch.full_defconfig]}"
done
echo
printf '%-16s %10s %10s %10s %10s\n' "config ($native)" stripped text data bss
for cfg in $configs; do
	[ "${stripped[native.$cfg]}" != - ] || continue
	printf '%-16s %10s %10s %10s %10s\n' "$cfg" "${stripped[native.$cfg]}" "${text[$cfg]}" \
		"${data[$cfg]}" "${bss[$cfg]}"
done
for cfg in $configs; do
	b=build/size-${cfg%_defconfig}
	[ -f "$b/wwanbox" ] || continue
	echo
	echo "15 biggest symbols, $cfg (bytes, type, name):"
	"$NM" --size-sort -r -S "$b/wwanbox" | head -15 |
		while read -r _ sz type name; do printf '  %8d %s %s\n' "0x$sz" "$type" "$name"; done
done
if [ -n "$failed" ]; then
	echo
	echo "size: build failed:$failed (see $log)" >&2
	exit 1
fi
