# tests/lib.sh - helpers for the shell tests (tests/*.test), sourced by them.
# Each check prints one line: "PASS name", "FAIL name" or "SKIP name: reason"; tests/run counts
# them. Paths come from the environment tests/run sets: WWANBOX (the binary under test), TOOLS
# (directory of the test programs built from tests/tools/*.c), B (the build directory).

: "${B:=build/check}"
: "${WWANBOX:=$B/wwanbox}"
: "${TOOLS:=$B/tests}"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }
skip() { echo "SKIP $1: $2"; }

# check NAME CMD...: PASS if CMD succeeds, FAIL (with its output) otherwise.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name"
		printf '%s\n' "$out" | sed 's/^/    /' | head -20 >&2
	fi
}

# expect NAME EXPECTED_OUTPUT CMD...: PASS if CMD's stdout+stderr equals EXPECTED_OUTPUT.
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name"
		{ echo "    expected:"; printf '%s\n' "$want" | sed 's/^/      /'
		  echo "    got:"; printf '%s\n' "$got" | sed 's/^/      /'; } >&2
	fi
}

# expect_exit NAME CODE CMD...: PASS if CMD exits with CODE.
expect_exit() {
	local name=$1 want=$2 rc=0
	shift 2
	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = "$want" ]; then pass "$name"; else fail "$name" "exit $rc, expected $want"; fi
}

# Root and netns: tests that need them call need_netns NAME and return when it fails.
need_netns() {
	if [ "$(id -u)" != 0 ]; then
		skip "$1" "needs root (network namespaces)"
		return 1
	fi
	if ! command -v ip >/dev/null; then
		skip "$1" "needs ip(8) from iproute2"
		return 1
	fi
	local probe=wbprobe$$
	if ! ip netns add "$probe" 2>/dev/null; then
		skip "$1" "ip netns add does not work here"
		return 1
	fi
	ip netns del "$probe"
	return 0
}
