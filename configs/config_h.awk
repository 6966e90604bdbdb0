# config_h.awk - turn a complete .config into the C config header.
# Every bool symbol X becomes CFG_X (0 or 1) and USE_X(...) (its arguments, or nothing), so code
# uses if (CFG_X) and USE_X(...) and never #ifdef (STYLE.md). int and string symbols become CFG_X
# with their value.
/^CONFIG_[A-Za-z0-9_]+=/ {
	eq = index($0, "=")
	sym = substr($0, 8, eq - 8)
	v = substr($0, eq + 1)
	if (v == "y")
		printf "#define CFG_%s 1\n#define USE_%s(...) __VA_ARGS__\n", sym, sym
	else
		printf "#define CFG_%s %s\n", sym, v
	next
}
/^# CONFIG_[A-Za-z0-9_]+ is not set/ {
	sym = substr($2, 8)
	printf "#define CFG_%s 0\n#define USE_%s(...)\n", sym, sym
}
BEGIN { print "/* generated from .config by configs/config_h.awk: do not edit */" }
