#!/usr/bin/env bash
# tests/demo.sh - `make demo`: the simulated modem dialled for real through network namespaces.
# The QMI dialer and modem-sim (issue 3) are not built yet, so there is nothing to dial: this
# says so plainly, shows what the binary contains, and exits non-zero rather than pretend.
set -eu
cd "$(dirname "$0")/.."
make --no-print-directory >/dev/null
echo "wwanbox demo: the applets in this build are:"
./build/wwanbox --list | sed 's/^/  /'
if ! ./build/wwanbox --list | grep -qx qmi-dial; then
	echo "wwanbox demo: qmi-dial and modem-sim are not built yet (the QMI issue adds them);"
	echo "there is no modem to dial in this build."
	exit 1
fi
