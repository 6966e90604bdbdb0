/* exitcode.c - a test-only applet: with hello.c it makes a two-applet build, so tests/dispatch.test
 * can exercise multi-call dispatch (names, links, --list, --install, --help). Not in the product.
USE_EXITCODE(APPLET(exitcode))

config EXITCODE
	bool "exitcode: test applet for the dispatcher (~100 bytes)"
	default n
	help
	  usage: exitcode N

	  Exit with status N (0-255).
*/
#include <stdlib.h>

#include "wwanbox.h"
#include "applet.h"

int exitcode_main(int argc, char **argv)
{
	if (argc != 2)
		return applet_usage("needs exactly one argument N");
	return atoi(argv[1]) & 255;
}
