#!/bin/sh
# get-source.sh PKG DESTDIR [VERSION] - unpack the Debian source package PKG into DESTDIR.
# get-source.sh --enable-only          - only steps 2 and 3 (as root, e.g. from `make deps`), so
#                                        that later builds can fetch sources without root.
#
# The build uses it to obtain third-party sources (mbedtls) without vendoring them into the
# repository: DESTDIR belongs under the build directory (e.g. build/src/mbedtls). It does, in
# order, only what is missing:
#  1. DESTDIR/.wwanbox-source exists: nothing at all (cached; delete DESTDIR to fetch again).
#  2. dpkg-source is missing: apt-get install -y dpkg-dev.
#  3. apt has no deb-src index: for every enabled deb822 stanza with Types "deb" in
#     /etc/apt/sources.list.d/*.sources, write its deb-src twin (same URIs, Suites, Components,
#     Signed-By) to /etc/apt/sources.list.d/wwanbox-deb-src.sources; for every classic "deb "
#     line in /etc/apt/sources.list{,.d/*.list}, write the "deb-src " twin to
#     /etc/apt/sources.list.d/wwanbox-deb-src.list; then apt-get update. No existing file is
#     edited; remove those two files to undo.
#  4. apt-get source PKG[=VERSION] in a scratch directory beside DESTDIR, then move the unpacked
#     tree to DESTDIR and write the stamp last, so an interrupted run leaves nothing half done.
# Steps 2 and 3 need root (as on a fresh Debian bookworm and in CI); step 4 does not.
set -eu

say() { echo "get-source: $*" >&2; }
enable_only=
if [ $# = 1 ] && [ "$1" = --enable-only ]; then
	enable_only=1
elif [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 PKG DESTDIR [VERSION] | $0 --enable-only" >&2
	exit 2
else
	pkg=$1
	dest=${2%/}
	version=${3:-}
	[ -f "$dest/.wwanbox-source" ] && exit 0
fi

need_root() {
	if [ "$(id -u)" != 0 ]; then
		say "$1 needs root; run as root: $0 --enable-only"
		exit 1
	fi
}

# apt-get waits for the dpkg lock; the lists lock (update) fails at once, so retry that.
apt_get() {
	n=0
	until apt-get -q -o DPkg::Lock::Timeout=300 "$@"; do
		n=$((n + 1))
		[ $n -lt 5 ] || return 1
		say "apt-get $1 failed, retrying in 10 s"
		sleep 10
	done
}

have_deb_src() {
	# shellcheck disable=SC2016 # $(IDENTIFIER) is apt's template, not the shell's
	apt-get indextargets --format '$(IDENTIFIER)' 2>/dev/null | grep -qx Sources
}

# deb822: print the deb-src twin of each enabled stanza whose Types include "deb".
deb822_twins() {
	awk '
	function flush() {
		if (is_deb && enabled && fields != "")
			printf "Types: deb-src\n%s\n", fields
		is_deb = 0; enabled = 1; fields = ""; keep = 0
	}
	BEGIN { enabled = 1 }
	FNR == 1 { flush() }
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { if (keep) fields = fields "\n" $0; next }	# continuation (e.g. an inline key)
	{
		name = tolower($1); keep = 0
		if (name == "types:") {
			for (i = 2; i <= NF; i++) if ($i == "deb") is_deb = 1
		} else if (name == "enabled:") {
			enabled = tolower($2) != "no"
		} else if (name == "uris:" || name == "suites:" || name == "components:" ||
			   name == "signed-by:") {
			fields = fields (fields == "" ? "" : "\n") $0; keep = 1
		}
	}
	END { flush() }' "$@" | awk 'NR > 1 && /^Types:/ { print "" } { print }'
}

enable_deb_src() {
	dir=/etc/apt/sources.list.d
	twins=$(set +f; for f in "$dir"/*.sources; do
		[ -f "$f" ] && [ "$f" != "$dir/wwanbox-deb-src.sources" ] && echo "$f"
	done)
	if [ -n "$twins" ]; then
		# shellcheck disable=SC2086 # one file name per line, no spaces in /etc/apt
		deb822_twins $twins >"$dir/wwanbox-deb-src.sources.tmp"
		if [ -s "$dir/wwanbox-deb-src.sources.tmp" ]; then
			mv "$dir/wwanbox-deb-src.sources.tmp" "$dir/wwanbox-deb-src.sources"
			say "wrote $dir/wwanbox-deb-src.sources"
		fi
		rm -f "$dir/wwanbox-deb-src.sources.tmp"
	fi
	lines=$(set +f; cat /etc/apt/sources.list "$dir"/*.list 2>/dev/null |
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' || true)
	if [ -n "$lines" ]; then
		printf '%s\n' "$lines" >"$dir/wwanbox-deb-src.list"
		say "wrote $dir/wwanbox-deb-src.list"
	fi
	say "apt-get update (deb-src indices)"
	apt_get update
	if ! have_deb_src; then
		say "no deb-src index after enabling; check /etc/apt/sources.list*"
		exit 1
	fi
}

if ! command -v dpkg-source >/dev/null 2>&1; then
	need_root "installing dpkg-dev"
	say "installing dpkg-dev (for dpkg-source)"
	[ -n "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ] || apt_get update
	DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends dpkg-dev
fi
if ! have_deb_src; then
	need_root "enabling deb-src in /etc/apt"
	enable_deb_src
fi
[ -z "$enable_only" ] || exit 0

stamp=$dest/.wwanbox-source
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
say "apt-get source $pkg${version:+=$version} into $dest"
# Sandbox user root: the scratch dir is private to root, _apt could not write there.
(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root source --only-source \
	"$pkg${version:+=$version}") >&2
tree=
for d in "$tmp"/*/; do
	[ -d "$d" ] || continue
	[ -z "$tree" ] || { say "apt-get source left more than one directory"; exit 1; }
	tree=${d%/}
done
[ -n "$tree" ] || { say "apt-get source unpacked nothing"; exit 1; }
rm -rf "$dest"
mv "$tree" "$dest"
echo "$pkg $(basename "$tree")" >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
say "unpacked $(basename "$tree") into $dest"
