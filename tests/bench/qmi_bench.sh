#!/usr/bin/env bash
# tests/bench/qmi_bench.sh - what qmi-dial costs, for issue 3's closing note (not part of make
# check; numbers, not pass/fail):
#   (a) QMI messages on the wire for an IPv4 and a dual-stack connect and their teardowns
#       (SIGTERM), and for up --once + down, counted in modem-sim's --log (requests, responses,
#       indications). uqmi + netifd's qmi.sh: 58 round trips for one dual-stack setup+teardown.
#   (b) time from `qmi-dial` start to a configured link (default routes present, polled every
#       5 ms) and to the exit of `up --once`, against modem-sim --latency 20; median of RUNS.
#   (c) peak RSS of qmi-dial: VmHWM in /proc/PID/status while supervising, and /usr/bin/time's
#       maximum RSS (uqmi: 440-550 KB per process, measured on --help, static musl).
#   (d) wakeups of an idle connected dual-stack qmi-dial over IDLE seconds: context switches and
#       schedstat runs from /proc, perf stat context-switches, then strace -c over the same span.
#   (e) stripped size of tiny and full builds, and of each without qmi-dial.
#
#   bash tests/bench/qmi_bench.sh          (as root; RUNS=10 IDLE=60 LATENCY=20 by default)
#
# Builds static musl binaries into build/bench/{full,tiny,tiny-noqmi,full-noqmi} (log in
# build/bench/build.log). Everything runs in two throw-away network namespaces: "dev" holds
# modem-sim's pty and raw-IP TUN wwan0, "op" the operator side pgw0. `ip netns exec` is in every
# timing, as a user's `ip netns exec` or init would be.
set -u
cd "$(dirname "$0")/../.." || exit 1
RUNS=${RUNS:-10}
IDLE=${IDLE:-60}
LATENCY=${LATENCY:-20}
BB=build/bench
JOBS=$(nproc 2>/dev/null || echo 2)

die() { echo "qmi_bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, TUN)"
[ -c /dev/net/tun ] || die "needs /dev/net/tun"
for t in ip make strip awk sort; do command -v $t >/dev/null || die "needs $t"; done

# ---- builds -----------------------------------------------------------------------------------
mkdir -p "$BB"
: >"$BB/build.log"
# build NAME DEFCONFIG [SYMBOL-TO-DISABLE]
build() {
	local b=$BB/$1 cfg=$2 off=${3:-}
	mkdir -p "$b"
	if [ -z "$off" ]; then
		make --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" "$cfg" >>"$BB/build.log" 2>&1
	else
		sed "/^CONFIG_$off=/d; /^# CONFIG_$off is not set/d" "configs/$cfg" >"$b/.config"
		echo "# CONFIG_$off is not set" >>"$b/.config"
		make --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" olddefconfig >>"$BB/build.log" 2>&1
	fi || die "configuring $1 failed (see $BB/build.log)"
	make -j"$JOBS" --no-print-directory B="$b" KCONFIG_CONFIG="$b/.config" >>"$BB/build.log" 2>&1 ||
		die "building $1 failed (see $BB/build.log)"
	strip -o "$b/wwanbox.stripped" "$b/wwanbox"
}
echo "building full, tiny, tiny-noqmi, full-noqmi into $BB ..." >&2
build full full_defconfig
build tiny tiny_defconfig
build tiny-noqmi tiny_defconfig QMI_DIAL
build full-noqmi full_defconfig QMI_DIAL
W=$PWD/$BB/full/wwanbox
WT=$PWD/$BB/tiny/wwanbox
"$W" --list | grep -qx modem-sim || die "no modem-sim in $W"

# ---- namespaces and helpers -------------------------------------------------------------------
D=wbqb-dev-$$
O=wbqb-op-$$
T=$(mktemp -d /tmp/wbt-qmibench.XXXXXX)
LINK=$T/cdc-wdm0
SLOG=$T/sim.log
declare -A JOB=() PROG=()

# bg NAME OUT CMD...: CMD in the device namespace, in the background. `ip netns exec` may fork
# or exec; the program's pid comes from the sh that execs it. JOB[NAME] to reap, PROG[NAME] to
# signal and to read /proc of. bg_start does not wait for the pid (timed starts), bg_pid does.
bg_start() {
	local name=$1 out=$2 pf=$T/$1.pid
	shift 2
	rm -f "$pf"
	ip netns exec "$D" sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pf" "$@" \
		>"$out" 2>&1 &
	JOB[$name]=$!
}
bg_pid() {
	for _ in $(seq 2000); do [ -s "$T/$1.pid" ] && break; nap; done
	PROG[$1]=$(cat "$T/$1.pid" 2>/dev/null)
	[ -n "${PROG[$1]}" ] || die "$1 did not start"
}
bg() { bg_start "$@"; bg_pid "$1"; }
# end NAME: SIGTERM, at most 10 s, then SIGKILL; returns the exit status
end() {
	local p=${PROG[$1]:-} j=${JOB[$1]:-} rc=0
	[ -n "$j" ] || return 0
	[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1000); do kill -0 "$j" 2>/dev/null || break; sleep 0.01; done
	kill -0 "$j" 2>/dev/null && { kill -KILL "$p" "$j" 2>/dev/null; echo "qmi_bench: $1 killed" >&2; }
	wait "$j" || rc=$?
	unset "JOB[$1]" "PROG[$1]"
	return $rc
}
cleanup() {
	local n
	for n in "${!JOB[@]}"; do end "$n" 2>/dev/null; done
	ip netns del "$D" 2>/dev/null
	ip netns del "$O" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
in_d() { ip netns exec "$D" "$@"; }
# a 1 ms nap without forking (the polling loops below fork nothing; times are $EPOCHREALTIME)
exec {NAPFD}<> <(:)
nap() { read -r -t 0.001 -u "$NAPFD"; }

ip netns add "$D" && ip netns add "$O" || die "ip netns add failed"
ip -n "$D" link set lo up
ip -n "$O" link set lo up

# sim [ARGS...]: a fresh modem-sim (factory data format 802.3) with wwan0 and pgw0 in the device
# namespace; waits until it is ready. The operator side is configured by op_side when needed.
sim() {
	end sim
	rm -f "$SLOG" "$T/ready"
	exec 3>"$T/ready"
	bg sim "$T/sim.err" "$W" modem-sim --qmi --link "$LINK" --tun wwan0 --pgw pgw0 --log "$SLOG" \
		--ctl "$T/ctl" --ready-fd 3 "$@"
	exec 3>&-
	for _ in $(seq 5000); do [ "$(<"$T/ready")" = ready ] 2>/dev/null && return 0; nap; done
	die "modem-sim did not start: $(cat "$T/sim.err")"
}
op_side() {
	ip -n "$D" link set pgw0 netns "$O"
	ip -n "$O" addr add 10.64.0.1/30 dev pgw0
	ip -n "$O" -6 addr add 2001:db8:64::1/64 dev pgw0 nodad
	ip -n "$O" link set pgw0 up
}

# configured IP: wwan0's default route(s) for IP (4 or 4v6) are in place, read in the device
# namespace's /proc/PID/net through the sim's pid, with bash builtins only
configured() {
	local x l f=/proc/${PROG[sim]}/net ok=
	mapfile -t l <"$f/route"
	for x in "${l[@]}"; do [[ $x == wwan0$'\t'00000000$'\t'* ]] && ok=1; done
	[ -n "$ok" ] || return 1
	[ "$1" = 4 ] && return 0
	mapfile -t l <"$f/ipv6_route"
	for x in "${l[@]}"; do [[ $x == "00000000000000000000000000000000 00 "*" wwan0" ]] && return 0; done
	return 1
}
wait_configured() {	# wait_configured IP: polled every ms, at most 20 s
	for _ in $(seq 20000); do configured "$1" && return 0; nap; done
	die "qmi-dial --ip $1 did not configure wwan0: $(grep -v 'qmi [<>-]' "$T/dial.log" | head -5)"
}
# hwm_of NAME: wait for program NAME to exit, sampling its VmHWM every ms; HWM = the last value
hwm_of() {
	local l x p
	bg_pid "$1"
	p=${PROG[$1]}
	HWM=
	for _ in $(seq 60000); do
		{ mapfile -t l <"/proc/$p/status"; } 2>/dev/null || break
		[[ "${l[*]}" == *"State:"*"Z (zombie)"* ]] && break
		for x in "${l[@]}"; do [[ $x == VmHWM:* ]] && HWM=${x//[^0-9]/}; done
		nap
	done
	end "$1" >/dev/null
}
dial_args() { echo -d "$LINK" -i wwan0 --ip "$1" --dns-file "$T/resolv.conf" --state-dir "$T/state"; }

# counts FROM TO: "requests responses indications" in sim.log lines FROM..TO
counts() {
	sed -n "$1,$2p" "$SLOG" | awk '$2 == "rx" && $5 == "req" { q++ } $2 == "tx" && $5 == "rsp" { r++ }
		$2 == "tx" && $5 == "ind" { i++ } END { printf "%d %d %d\n", q, r, i }'
}
lines() { wc -l <"$SLOG"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
minmax() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
status_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }

echo "qmi_bench: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $JOBS CPUs"
echo "binary: $BB/full/wwanbox (full_defconfig, static musl); modem-sim from the same binary"

# ---- (a) QMI messages -------------------------------------------------------------------------
echo
echo "(a) QMI messages, fresh modem-sim each (data format 802.3 at start, as after power-up)"
row() { printf '    %-52s %8s %9s %11s\n' "$1" $2; }
row "" "requests responses indications"
for ip in 4 4v6; do
	name=IPv4; [ $ip = 4v6 ] && name=dual-stack
	sim
	: >"$T/resolv.conf"
	l0=$(lines)
	# shellcheck disable=SC2046
	bg dial "$T/dial.log" "$W" qmi-dial $(dial_args $ip)
	wait_configured $ip
	sleep 0.5	# anything trailing the configuration is counted with the connect
	l1=$(lines)
	c_up=$(counts $((l0 + 1)) "$l1")
	end dial || echo "qmi_bench: qmi-dial exit $?" >&2
	c_down=$(counts $((l1 + 1)) "$(lines)")
	row "$name: connect (foreground, until configured)" "$c_up"
	row "$name: teardown by SIGTERM" "$c_down"
	eval "req_$ip=${c_up%% *}"
	row "$name: connect + teardown" "$((${c_up%% *} + ${c_down%% *})) - -"
	l0=$(lines)
	# shellcheck disable=SC2046
	in_d "$W" qmi-dial $(dial_args $ip) --once >/dev/null 2>&1 || echo "qmi_bench: --once failed" >&2
	l1=$(lines)
	in_d "$W" qmi-dial -d "$LINK" --state-dir "$T/state" down >/dev/null 2>&1 ||
		echo "qmi_bench: down failed" >&2
	row "$name: up --once (data format now raw-ip)" "$(counts $((l0 + 1)) "$l1")"
	row "$name: down from a second process" "$(counts $((l1 + 1)) "$(lines)")"
done
echo "    uqmi + qmi.sh, dual-stack setup + teardown: 58 round trips in 31 processes (notes/uqmi-umbim.md)"

# ---- (b) time to a configured link ------------------------------------------------------------
echo
echo "(b) start -> configured link, ms: median (min-max) of $RUNS runs, fresh modem-sim each run"
# one_run IP MODE LAT: the milliseconds of one run in $MS (no subshell: the sim it starts must
# stay known to end and cleanup)
one_run() {
	local ip=$1 mode=$2 t0 t1
	sim --latency "$3"
	: >"$T/resolv.conf"
	if [ "$mode" = once ]; then
		t0=${EPOCHREALTIME/./}
		# shellcheck disable=SC2046
		in_d "$W" qmi-dial $(dial_args "$ip") --once >/dev/null 2>&1 || echo "qmi_bench: --once failed" >&2
		t1=${EPOCHREALTIME/./}
		in_d "$W" qmi-dial -d "$LINK" --state-dir "$T/state" down >/dev/null 2>&1
	else
		t0=${EPOCHREALTIME/./}
		# shellcheck disable=SC2046
		bg_start dial "$T/dial.log" "$W" qmi-dial $(dial_args "$ip")
		wait_configured "$ip"
		t1=${EPOCHREALTIME/./}
		# round trips: responses more than half the latency apart start a new round
		ROUNDS=$(awk -v gap="$(($3 / 2))" '$2 == "tx" && $5 == "rsp" {
			if (!n || $1 * 1000 > last + gap) n++; last = $1 * 1000 } END { print n + 0 }' "$SLOG")
		bg_pid dial
		end dial
	fi
	MS=$(((t1 - t0) / 1000))
}
printf '    %-12s %-8s %-34s %s\n' "" latency "foreground: default route(s) present" "up --once: exit"
for ip in 4 4v6; do
	for lat in "$LATENCY" 0; do
		fg=() once=()
		for _ in $(seq "$RUNS"); do
			one_run $ip fg "$lat"
			fg+=("$MS")
			[ "$lat" = "$LATENCY" ] && eval "rounds_$ip=$ROUNDS"
			one_run $ip once "$lat"
			once+=("$MS")
		done
		f="$(printf '%s\n' "${fg[@]}" | median) ($(printf '%s\n' "${fg[@]}" | minmax))"
		o="$(printf '%s\n' "${once[@]}" | median) ($(printf '%s\n' "${once[@]}" | minmax))"
		name=IPv4; [ $ip = 4v6 ] && name=dual-stack
		printf '    %-12s %-8s %-34s %s\n' "$name" "${lat} ms" "$f" "$o"
	done
done
echo "    The CID allocations go out together: the connect's ${req_4:-?} (IPv4) and ${req_4v6:-?} (dual-stack) requests"
echo "    take ${rounds_4:-?} and ${rounds_4v6:-?} round trips, a floor of $((${rounds_4:-0} * LATENCY)) and $((${rounds_4v6:-0} * LATENCY)) ms at ${LATENCY} ms each."

# ---- (c) peak RSS, (d) idle wakeups -----------------------------------------------------------
echo
echo "(c) peak RSS of qmi-dial, KB"
col() { printf '    %-64s %s\n' "$1" "$2"; }
# the --once runs first, on a modem of their own with --latency (a life of ~0.3 s to sample)
sim --latency "$LATENCY"
for ip in 4 4v6; do
	# shellcheck disable=SC2046
	bg_start once "$T/once.log" "$W" qmi-dial $(dial_args $ip) --once
	hwm_of once
	h1=$HWM
	bg_start down "$T/down.log" "$W" qmi-dial -d "$LINK" --state-dir "$T/state" down
	hwm_of down
	col "full, up --once --ip $ip, then down (VmHWM sampled every ms):" "$h1, down $HWM"
done
bg_start once "$T/once.log" "$WT" qmi-dial -d "$LINK" -i wwan0 --dns-file "$T/resolv.conf" \
	--state-dir "$T/state" --once
hwm_of once
h1=$HWM
in_d "$WT" qmi-dial -d "$LINK" --state-dir "$T/state" down >/dev/null 2>&1
col "tiny, up --once --ip 4 (VmHWM sampled every ms):" "$h1"

sim
op_side
: >"$T/resolv.conf"
# shellcheck disable=SC2046
bg dial "$T/dial.log" "$W" qmi-dial $(dial_args 4v6)
wait_configured 4v6
sleep 1
P=${PROG[dial]}
col "full, dual-stack, supervising (/proc/PID/status):" \
	"VmHWM $(status_of "$P" VmHWM), VmRSS $(status_of "$P" VmRSS)"
if [ -x /usr/bin/time ]; then
	maxrss() { /usr/bin/time -f 'maxrss %M' "$@" 2>&1 >/dev/null | sed -n 's/^maxrss //p'; }
	col "full, qmi-dial --help, /usr/bin/time %M (how uqmi was measured):" "$(maxrss "$W" qmi-dial --help)"
	if command -v musl-gcc >/dev/null; then
		# GNU time's %M is ru_maxrss, which survives execve: it includes the pre-exec image of
		# time's own forked child. A static program that does nothing shows that floor.
		printf 'int main(void) { return 0; }\n' >"$T/nop.c"
		if musl-gcc -static -Os -o "$T/nop" "$T/nop.c" 2>/dev/null; then
			col "...the same for an empty static musl program (GNU time's floor):" "$(maxrss "$T/nop")"
		fi
	fi
else
	col "/usr/bin/time:" "n/a (GNU time not installed)"
fi
echo "    uqmi static musl (notes/uqmi-umbim.md, /usr/bin/time %M): 440-552 KB per process on --help"

echo
echo "(d) wakeups of the idle connected dual-stack qmi-dial over ${IDLE} s (the session of (c))"
sw() { echo $(($(status_of "$P" voluntary_ctxt_switches) + $(status_of "$P" nonvoluntary_ctxt_switches))); }
runs() { awk '{ print $3 }' "/proc/$P/schedstat" 2>/dev/null; }
s0=$(sw) r0=$(runs)
if command -v perf >/dev/null && perf stat -e context-switches true >/dev/null 2>&1; then
	perf stat -x, -e context-switches,task-clock -p "$P" -- sleep "$IDLE" 2>"$T/perf" >/dev/null
	pcs=$(awk -F, '$3 == "context-switches" { print $1 }' "$T/perf")
	# a per-task counter of a task that never ran reads "<not counted>"
	[ "$pcs" = "<not counted>" ] && pcs="0 (<not counted>: never scheduled)"
else
	sleep "$IDLE"
	pcs="n/a (no usable perf)"
fi
s1=$(sw) r1=$(runs)
col "context switches, /proc/PID/status (voluntary + nonvoluntary):" "$((s1 - s0)) ($s0 -> $s1)"
[ -n "$r0" ] && col "times run on a CPU, /proc/PID/schedstat:" "$((r1 - r0))"
col "perf stat -e context-switches -p PID:" "$pcs"
if command -v strace >/dev/null; then
	timeout -s INT "$IDLE" strace -c -p "$P" 2>"$T/strace" >/dev/null
	calls=$(awk '$NF == "total" { print $4 }' "$T/strace")
	col "syscalls, strace -c -p PID over the next ${IDLE} s:" "${calls:-0}"
	grep -E '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ ' "$T/strace" | grep -v total | sed 's/^/      /'
else
	col "strace -c:" "n/a (strace not installed)"
fi
# and after a network drop and the redial that follows it
l0=$(lines)
echo drop >"$T/ctl"
for _ in $(seq 20000); do ! configured 4v6 && break; nap; done
t0=${EPOCHREALTIME/./}
wait_configured 4v6
t1=${EPOCHREALTIME/./}
sleep 0.5
col "network drop: configuration gone -> configured again:" \
	"$(((t1 - t0) / 1000)) ms; $(counts $((l0 + 1)) "$(lines)" | cut -d' ' -f1) requests, teardown + redial"
col "VmHWM after the idle spans, the drop and the redial:" "$(status_of "$P" VmHWM)"
end dial || echo "qmi_bench: qmi-dial exit $?" >&2

# ---- (e) sizes ----------------------------------------------------------------------------------
echo
echo "(e) stripped size, bytes (static musl, -Os, x86_64)"
sz() { stat -c %s "$BB/$1/wwanbox.stripped"; }
printf '    %-40s %8s\n' "tiny_defconfig" "$(sz tiny)"
printf '    %-40s %8s\n' "tiny_defconfig without qmi-dial" "$(sz tiny-noqmi)"
printf '    %-40s %8s\n' "  => qmi-dial adds to tiny" "$(($(sz tiny) - $(sz tiny-noqmi)))"
printf '    %-40s %8s\n' "full_defconfig" "$(sz full)"
printf '    %-40s %8s\n' "full_defconfig without qmi-dial" "$(sz full-noqmi)"
printf '    %-40s %8s\n' "  => qmi-dial adds to full" "$(($(sz full) - $(sz full-noqmi)))"
echo "    symbols that go with qmi-dial in tiny: $(diff <(grep '=y' "$BB/tiny/.config" | sort) \
	<(grep '=y' "$BB/tiny-noqmi/.config" | sort) | sed -n 's/^< CONFIG_//p' | sed 's/=y//' | tr '\n' ' ')"
echo "    for scale (notes/uqmi-umbim.md, stripped static musl): uqmi 179,216 (+ qmi.sh, jshn, ...), umbim 75,056"
