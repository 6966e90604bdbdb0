#!/usr/bin/env bash
# tests/demo.sh - `make demo`: the simulated modem dialled for real.
#
# Builds wwanbox (full_defconfig into build/demo), makes two network namespaces: "device" (the
# router, where the modem's wwan0 appears) and "operator" (the network behind the modem), starts
# modem-sim with its pty and a raw-IP TUN pair, dials it with qmi-dial exactly as a user would,
# shows `qmi-dial status`, pings the operator through the dialled link, then ends the session
# with `qmi-dial down` and shows that exactly what was added was removed. Everything is torn
# down at the end, also on failure or Ctrl-C. Needs root (namespaces, TUN).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces and TUN devices)"; exit 1; }

B=build/demo
mkdir -p "$B"
[ -f "$B/.config" ] || make --no-print-directory B=$B KCONFIG_CONFIG=$B/.config full_defconfig >/dev/null
make -j"$(nproc)" --no-print-directory B=$B KCONFIG_CONFIG=$B/.config >/dev/null
W=$PWD/$B/wwanbox
DEV=wbdemo-dev-$$ OP=wbdemo-op-$$
TMP=$(mktemp -d)
LINK=$TMP/cdc-wdm0 SIMPID=

# `ip netns exec` forks: signal the program it runs, then reap the ip process.
stop() {
	pkill -TERM -P "$1" 2>/dev/null
	wait "$1"
}
cleanup() {
	[ -n "$SIMPID" ] && stop "$SIMPID" 2>/dev/null
	ip netns del "$DEV" 2>/dev/null
	ip netns del "$OP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
in_dev() { ip netns exec "$DEV" "$@"; }

step "network namespaces: $DEV (router with the modem), $OP (operator network)"
ip netns add "$DEV"
ip netns add "$OP"
in_dev ip link set lo up

step "modem-sim: QMI on a pty ($LINK), raw-IP TUN wwan0, operator side pgw0"
exec 3>"$TMP/ready"
in_dev "$W" modem-sim --qmi --link "$LINK" --tun wwan0 --pgw pgw0 --apn internet \
	--operator "wwanbox demo" --mcc 001 --mnc 01 --ready-fd 3 --log "$TMP/sim.log" &
SIMPID=$!
exec 3>&-
for _ in $(seq 50); do grep -q ready "$TMP/ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/ready" || { echo "modem-sim did not start"; exit 1; }
in_dev ip link set pgw0 netns "$OP"
ip netns exec "$OP" ip link set lo up
ip netns exec "$OP" ip addr add 10.64.0.1/30 dev pgw0
ip netns exec "$OP" ip link set pgw0 up
echo "operator gateway 10.64.0.1 on pgw0"

# The kernel attaches wwan0's qdisc the first time the link goes up and keeps it: cycle the link
# once so "before" and "after" compare what qmi-dial did, not that.
in_dev ip link set wwan0 up
in_dev ip link set wwan0 down

step "before: addresses and routes in $DEV"
in_dev ip -4 addr show wwan0 | sed 's/^/  /'
in_dev ip route | sed 's/^/  /'
in_dev ip -j addr > "$TMP/before.addr"
in_dev ip -j route > "$TMP/before.route"

step "qmi-dial -d $LINK -i wwan0 --apn internet up --once"
# --once: dial, configure, record the session under --state-dir and exit; `down` from another
# process ends it. (In the foreground, without --once, qmi-dial supervises and redials; a second
# process must not share the control device with it then: that is what qmi-proxy, -p, is for.)
in_dev "$W" qmi-dial -d "$LINK" -i wwan0 --apn internet --dns-file "$TMP/resolv.conf" \
	--state-dir "$TMP/state" up --once 2>&1 | sed 's/^/  /'

step "after dialling: wwan0, routes, DNS"
in_dev ip -4 addr show wwan0 | sed 's/^/  /'
in_dev ip route | sed 's/^/  /'
sed 's/^/  resolv.conf: /' "$TMP/resolv.conf"

step "qmi-dial status"
in_dev "$W" qmi-dial -d "$LINK" status | sed 's/^/  /'

step "ping the operator through the dialled link"
in_dev ping -c 3 -W 2 10.64.0.1 | sed 's/^/  /'

step "qmi-dial down (another process): stops the call, releases the client IDs, removes what was added"
in_dev "$W" qmi-dial -d "$LINK" --state-dir "$TMP/state" down 2>&1 | sed 's/^/  /'
in_dev ip -j addr > "$TMP/after.addr"
in_dev ip -j route > "$TMP/after.route"
if cmp -s "$TMP/before.addr" "$TMP/after.addr" && cmp -s "$TMP/before.route" "$TMP/after.route"; then
	echo "  addresses and routes are exactly as before"
else
	echo "  namespace differs from before:"
	diff "$TMP/before.addr" "$TMP/after.addr" || true
	diff "$TMP/before.route" "$TMP/after.route" || true
	exit 1
fi
echo "  QMI messages on the wire (dial, status, teardown): $(grep -c " rx " "$TMP/sim.log") requests, $(grep -c " tx " "$TMP/sim.log") responses and indications"
step "demo done; namespaces removed"
