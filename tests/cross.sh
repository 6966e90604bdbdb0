#!/usr/bin/env bash
# tests/cross.sh ARCH - what `make check-cross ARCH=mips|mipsel|armhf|aarch64` runs; tests/run runs
# it for mips (big-endian, the routers' reference) and armhf. Byte-order and alignment bugs show
# here, not on x86_64.
#
#  1. Builds full_defconfig and the unit tests for ARCH with the musl cross toolchain
#     (configs/cross.mk; musl is built once into build/cross-ARCH/sysroot) into
#     build/cross-ARCH/check, and checks the result really is a static binary for ARCH.
#  2. Runs every unit test of that build's unit.list (the list the native build runs, so new
#     tests/unit/test_*.c are picked up) under qemu-user, from the repository root so that
#     ../shared/vectors is found.
#  3. Runs every shell test tests/*.test that holds the line "# cross: yes" (tests that need no
#     root: a pty, a unix socket, files), with WWANBOX and TOOLS pointing at wrappers in
#     build/cross-ARCH/check/qemu/: tiny scripts that exec qemu-user on the target binary, so a
#     test can exec them by path or through a symlink named after an applet (qemu's -0 keeps that
#     argv[0]). binfmt_misc is not needed and not touched.
#
# The tests see WWANBOX_QEMU (e.g. "qemu-mips"): a test that cannot work under qemu-user SKIPs on
# it with the reason. Known limits of Debian's qemu-user 7.2: a target binary cannot exec another
# target binary (no binfmt: ENOEXEC), the environment reaches the target in reverse order, and
# rtnetlink replies of a newer host kernel are only partly byte-swapped for big-endian targets.
#
# Prints PASS/FAIL/SKIP lines ("PASS test_qmi: ...") and "N passed, N failed, N skipped"; exits 1
# on any failure. A missing cross compiler or qemu is a SKIP (a FAIL when CI is set: `make deps`
# installs them). Environment: JOBS (make -j), CROSS_TIMEOUT (seconds per test program, 300).
set -u
cd "$(dirname "$0")/.." || exit 1

arch=${1:-}
case $arch in
mips) triplet=mips-linux-gnu qemu=qemu-mips elf='32-bit MSB .*MIPS' ;;
mipsel) triplet=mipsel-linux-gnu qemu=qemu-mipsel elf='32-bit LSB .*MIPS' ;;
armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm elf='32-bit LSB .*ARM, EABI5' ;;
aarch64) triplet=aarch64-linux-gnu qemu=qemu-aarch64 elf='64-bit LSB .*ARM aarch64' ;;
*)
	echo "usage: $0 mips|mipsel|armhf|aarch64" >&2
	exit 2
	;;
esac

: "${JOBS:=$(nproc 2>/dev/null || echo 2)}"
: "${CROSS_TIMEOUT:=300}"
b=build/cross-$arch/check
log=build/cross-$arch/check.log
npass=0 nfail=0 nskip=0
mkdir -p "$b"
: >"$log"

count() {	# reads PASS/FAIL/SKIP lines of one suite on stdin, prefixes them with the suite
	local suite=$1 line
	while IFS= read -r line; do
		case $line in
		PASS\ *) npass=$((npass + 1)); echo "PASS $suite: ${line#PASS }" ;;
		FAIL\ *) nfail=$((nfail + 1)); echo "FAIL $suite: ${line#FAIL }" ;;
		SKIP\ *) nskip=$((nskip + 1)); echo "SKIP $suite: ${line#SKIP }" ;;
		*) echo "    $line" ;;
		esac
	done
}

finish() {
	echo "$npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" = 0 ]
	exit
}

# run SUITE CMD...: a test program; a non-zero exit without any FAIL line is a failure too.
run() {
	local suite=$1 out rc
	shift
	out=$(timeout "$CROSS_TIMEOUT" "$@" 2>&1 </dev/null); rc=$?
	count "$suite" < <(printf '%s\n' "$out")
	if [ $rc = 124 ]; then
		count "$suite" <<<"FAIL timed out after $CROSS_TIMEOUT s"
	elif [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
		count "$suite" <<<"FAIL exited with status $rc"
	fi
}

# --- 0. tools --------------------------------------------------------------------------------
missing=
command -v "$triplet-gcc" >/dev/null || missing="$missing gcc-$triplet"
command -v "$qemu" >/dev/null || missing="$missing qemu-user"
[ -d "/usr/$triplet/include/asm" ] || missing="$missing linux-libc-dev (cross, for $arch)"
if [ -n "$missing" ]; then
	if [ -n "${CI:-}" ]; then
		count build <<<"FAIL $arch toolchain: missing$missing (make deps installs them)"
	else
		count build <<<"SKIP $arch: missing$missing (make deps installs them)"
	fi
	finish
fi

# --- 1. build --------------------------------------------------------------------------------
mk() { make -j"$JOBS" --no-print-directory ARCH="$arch" B="$b" "$@" >>"$log" 2>&1; }

# Write .config only when it changes: a new mtime would rebuild everything each run.
if mk KCONFIG_CONFIG="$b/.config.new" full_defconfig; then
	cmp -s "$b/.config.new" "$b/.config" || mv "$b/.config.new" "$b/.config"
	rm -f "$b/.config.new"
fi
if ! mk KCONFIG_CONFIG="$b/.config" tests; then
	tail -30 "$log" | sed 's/^/    /'
	count build <<<"FAIL full_defconfig and unit tests build for $arch: see $log"
	finish
fi
desc=$(file -L "$b/wwanbox")
if grep -q "$elf.*statically linked" <<<"$desc"; then
	count build <<<"PASS wwanbox is a static $arch binary ($(stat -c %s "$b/wwanbox") bytes unstripped)"
else
	count build <<<"FAIL wwanbox is a static $arch binary: $desc"
fi

# --- 2. unit tests under qemu-user -------------------------------------------------------------
export WWANBOX_QEMU=$qemu
for t in $(cat "$b/tests/unit.list"); do
	run "$(basename "$t")" "$qemu" "$t"
done

# --- 3. shell tests marked "# cross: yes", through qemu wrappers -------------------------------
wrap() {	# wrap TARGET_BINARY WRAPPER
	printf '#!/bin/sh\n# written by tests/cross.sh: runs the %s build under qemu-user\nexec %s -0 "$0" %s "$@"\n' \
		"$arch" "$qemu" "$PWD/$1" >"$2"
	chmod +x "$2"
}
rm -rf "$b/qemu" && mkdir -p "$b/qemu/tests"
wrap "$b/wwanbox" "$b/qemu/wwanbox"
for f in "$b"/tests/*; do
	[ -f "$f" ] && [ -x "$f" ] && wrap "$f" "$b/qemu/tests/${f##*/}"
done
for t in tests/*.test; do
	[ -e "$t" ] || continue
	grep -qx '# cross: yes' "$t" || continue
	B=$b WWANBOX=$b/qemu/wwanbox TOOLS=$b/qemu/tests run "$(basename "$t" .test)" bash "$t"
done

finish
