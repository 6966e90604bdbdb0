# config_h.awk - turn .config into the C config header: awk -f config_h.awk KCONFIG .config
# Every bool symbol X becomes CFG_X (0 or 1) and USE_X(...) (its arguments, or nothing), so code
# uses if (CFG_X) and USE_X(...) and never #ifdef (STYLE.md). int and string symbols become CFG_X
# with their value. A symbol of the Kconfig tree that .config does not mention (a new applet
# since the last *config run) is off, as the Makefile sees it too.
FNR == NR {
	if ($1 == "config" || $1 == "menuconfig")
		known[++n] = $2
	next
}
/^CONFIG_[A-Za-z0-9_]+=/ {
	eq = index($0, "=")
	sym = substr($0, 8, eq - 8)
	v = substr($0, eq + 1)
	seen[sym] = 1
	if (v == "y")
		printf "#define CFG_%s 1\n#define USE_%s(...) __VA_ARGS__\n", sym, sym
	else if (v == "n")
		printf "#define CFG_%s 0\n#define USE_%s(...)\n", sym, sym
	else
		printf "#define CFG_%s %s\n", sym, v
	next
}
/^# CONFIG_[A-Za-z0-9_]+ is not set/ {
	sym = substr($2, 8)
	seen[sym] = 1
	printf "#define CFG_%s 0\n#define USE_%s(...)\n", sym, sym
}
BEGIN { print "/* generated from .config by configs/config_h.awk: do not edit */" }
END {
	for (i = 1; i <= n; i++)
		if (!(known[i] in seen))
			printf "#define CFG_%s 0\n#define USE_%s(...)\n", known[i], known[i]
}
