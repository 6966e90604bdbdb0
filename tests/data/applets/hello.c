/* hello.c - a test-only applet that exercises the applet machinery (header parsing, table,
 * help text, single-applet builds). Not part of the product: tests/run builds it with
 * EXTRA_APPLETS=tests/data/applets/hello.c.
USE_HELLO(APPLET(hello))

config HELLO
	bool "hello: test applet for the build machinery (~100 bytes)"
	default n
	help
	  usage: hello [ARG...]

	  Print "hello" and the arguments, one per line. Exits 3 if the first argument is "fail",
	  so tests can see exit codes pass through the dispatcher.
*/
#include <unistd.h>

#include "wwanbox.h"
#include "applet.h"

int hello_main(int argc, char **argv)
{
	if (write(1, "hello\n", 6) != 6)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (write(1, argv[i], strlen(argv[i])) < 0 || write(1, "\n", 1) != 1)
			return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "fail"))
		return 3;
	if (argc > 1 && !strcmp(argv[1], "--bad"))
		return applet_usage("unknown option --bad");
	return 0;
}
