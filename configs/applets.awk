# applets.awk - extract what the build needs from each applet's header comment (toybox style).
# An applet file starts with a comment that holds, in this order:
#	USE_X(APPLET(c_name))			the table entry; the runtime name is c_name with _ -> -
#	config X				its Kconfig entry (bool, prompt with the cost, select, depends)
#	  help
#	    usage: ...				the help text; its first paragraph is the short usage
# OUT=kconfig prints the Kconfig entries, OUT=table the applet table, OUT=help the help strings.
# The help text exists once: Kconfig help and --help are both made from it.

function cstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\t/, "\\t", s)
	return s
}

function emit_help(    i, usage_end) {
	if (name == "" || nhelp == 0)
		return
	usage_end = nhelp
	for (i = 1; i <= nhelp; i++)
		if (help[i] == "") {
			usage_end = i - 1
			break
		}
	printf "#define USAGE_%s \\\n", name
	for (i = 1; i <= usage_end; i++)
		printf "\t\"%s\\n\"%s\n", cstr(help[i]), (i < usage_end ? " \\" : "")
	printf "#define HELP_%s \\\n", name
	for (i = 1; i <= nhelp; i++)
		printf "\t\"%s\\n\"%s\n", cstr(help[i]), (i < nhelp ? " \\" : "")
}

FNR == 1 { inhdr = 1; inkc = 0; inhelp = 0; name = ""; nhelp = 0 }
!inhdr { next }
/\*\// {
	inhdr = 0
	while (nhelp > 0 && help[nhelp] == "")
		nhelp--
	if (OUT == "help")
		emit_help()
	next
}
/^USE_[A-Z0-9_]+\(APPLET\([a-z0-9_]+\)\)/ {
	sym = $0; sub(/^USE_/, "", sym); sub(/\(.*/, "", sym)
	name = $0; sub(/.*APPLET\(/, "", name); sub(/\).*/, "", name)
	dashed = name; gsub(/_/, "-", dashed)
	if (OUT == "table")
		printf "USE_%s(APPLET(%s, \"%s\"))\n", sym, name, dashed
	next
}
/^(config|menuconfig) / { inkc = 1 }
inkc {
	if (OUT == "kconfig")
		print
	if (inhelp) {
		line = $0
		if (line ~ /^[ \t]*$/)
			line = ""
		else
			sub(/^\t  /, "", line)	# Kconfig help indent: a tab and two spaces
		help[++nhelp] = line
	}
	if ($1 == "help")
		inhelp = 1
}
END { if (OUT == "kconfig") print "" }
