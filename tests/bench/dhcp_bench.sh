#!/usr/bin/env bash
# tests/bench/dhcp_bench.sh - time from start to bound: dhcp-lite against Debian's busybox udhcpc,
# both served by `dnsmasq --no-ping` over a veth pair between two throw-away network namespaces.
#
#   bash tests/bench/dhcp_bench.sh [RUNS]        (as root; RUNS defaults to 20)
#
# Both clients run the same hook script (-s), which records the time of the "bound" event; t0
# is taken just before the client is started (date +%s%N in the same shell, so the cost of
# `ip netns exec` and of exec itself is in both). Every run uses a fresh MAC, so dnsmasq sees a
# new client each time, and the two clients alternate, so a slow moment hits both. Prints each
# run, then the median start->bound and start->exit (-q: exit after bound) of each client and
# their ratio, and for information dhcp-lite's start->exit without a script (it then configures
# the interface itself). Binary: $WWANBOX, else build/wwanbox (make), else build/check/wwanbox.
set -u
cd "$(dirname "$0")/../.."
RUNS=${1:-20}
WB=${WWANBOX:-build/wwanbox}
[ -x "$WB" ] || WB=build/check/wwanbox

die() { echo "dhcp_bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip dnsmasq busybox date; do command -v $t >/dev/null || die "needs $t"; done
[ -x "$WB" ] && "$WB" --list | grep -qx dhcp-lite || die "no dhcp-lite in $WB (run make)"
WB=$(cd "$(dirname "$WB")" && pwd)/$(basename "$WB")
UDHCPC=(busybox udhcpc)

S=wbb-$$-s
C=wbb-$$-c
T=$(mktemp -d /tmp/wbt-dhcpbench.XXXXXX)
DM=
cleanup() {
	[ -n "$DM" ] && kill "$DM" 2>/dev/null && wait "$DM" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$S" && ip netns add "$C" || die "ip netns add failed"
ip link add vsrv netns "$S" type veth peer name vcli netns "$C"
for ns in "$S" "$C"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$S" addr add 10.99.0.1/24 dev vsrv
ip -n "$S" link set vsrv up
ip -n "$C" link set vcli up
for i in $(seq 50); do
	[ "$(ip netns exec "$C" cat /sys/class/net/vcli/carrier 2>/dev/null)" = 1 ] && break
	sleep 0.1
done

ip netns exec "$S" dnsmasq --keep-in-foreground --user=root --port=0 --interface=vsrv \
	--bind-interfaces --no-ping --no-resolv --no-hosts \
	--dhcp-range=10.99.0.10,10.99.0.250,255.255.255.0,1h \
	--dhcp-option=option:router,10.99.0.1 --dhcp-option=option:dns-server,10.99.0.1 \
	--dhcp-option=option:domain-name,bench.test --dhcp-option=option:mtu,1400 \
	--dhcp-leasefile="$T/leases" --log-facility="$T/dnsmasq.log" &
DM=$!
sleep 0.5

cat > "$T/hook" <<'EOF'
#!/bin/sh
case $1 in
bound) date +%s%N > "$HOOKOUT" ;;
deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$T/hook"

# run NAME CMD...: one acquisition; prints "bound_ms exit_ms" (bound_ms "-" if none)
run() {
	local t0 t1 b
	shift
	rm -f "$T/bound"
	ip -n "$C" -4 addr flush dev vcli
	ip -n "$C" link set vcli address "$(printf '02:%02x:%02x:%02x:%02x:%02x' $((RANDOM % 256)) \
		$((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))"
	t0=$(date +%s%N)
	HOOKOUT=$T/bound timeout 20 ip netns exec "$C" "$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	if [ -s "$T/bound" ]; then b=$((($(cat "$T/bound") - t0) / 1000)); else b=-; fi
	echo "$b $(((t1 - t0) / 1000))"
}

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }

echo "dhcp-lite: $WB"
echo "udhcpc:    $(busybox 2>&1 | head -1)"
echo "server:    $(dnsmasq --version | head -1), --no-ping, veth between two namespaces"
printf '%4s  %22s  %22s\n' run "dhcp-lite bound/exit ms" "udhcpc bound/exit ms"
: > "$T/lite"
: > "$T/udhcpc"
: > "$T/builtin"
for i in $(seq "$RUNS"); do
	a=$(run lite "$WB" dhcp-lite -f -q -i vcli -s "$T/hook" --state-dir "")
	b=$(run udhcpc "${UDHCPC[@]}" -f -q -i vcli -s "$T/hook")
	c=$(run builtin "$WB" dhcp-lite -f -q -i vcli --dns-file "" --state-dir "")
	echo "$a" >> "$T/lite"
	echo "$b" >> "$T/udhcpc"
	echo "${c#* }" >> "$T/builtin"
	printf '%4d  %10s / %9s  %10s / %9s\n' "$i" "$(ms "${a% *}")" "$(ms "${a#* }")" \
		"$(ms "${b% *}")" "$(ms "${b#* }")"
done
failed=$(cat "$T/lite" "$T/udhcpc" | grep -c '^-')
lb=$(grep -v '^-' "$T/lite" | cut -d' ' -f1 | median)
le=$(cut -d' ' -f2 "$T/lite" | median)
ub=$(grep -v '^-' "$T/udhcpc" | cut -d' ' -f1 | median)
ue=$(cut -d' ' -f2 "$T/udhcpc" | median)
echo
printf 'median of %d runs     start->bound   start->exit\n' "$RUNS"
printf '  dhcp-lite          %9s ms  %9s ms\n' "$(ms "$lb")" "$(ms "$le")"
printf '  busybox udhcpc     %9s ms  %9s ms\n' "$(ms "$ub")" "$(ms "$ue")"
printf '  dhcp-lite, no -s: it configures vcli itself (netcfg) and exits   %9s ms\n' \
	"$(ms "$(median < "$T/builtin")")"
awk -v a="$lb" -v b="$ub" -v c="$le" -v d="$ue" \
	'BEGIN {printf "  udhcpc / dhcp-lite  %9.1fx     %9.1fx\n", b / a, d / c}'
[ "$failed" = 0 ] || { echo "$failed runs got no lease"; exit 1; }
