/* main.c - the multi-call dispatcher: `wwanbox APPLET ARGS`, or a link named after the applet.
 *
 * `wwanbox --list` lists the applets compiled in, `wwanbox --install [-s] DIR` links them into
 * DIR, `wwanbox --help` and `APPLET --help` print help. A build with a single applet calls that
 * applet straight from main(), whatever the binary is called.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "wwanbox.h"
#include "applet.h"
#include "help.h"

#if CFG_FEATURE_LONG_HELP
#define HELP_OF(c_name) HELP_##c_name
#else
#define HELP_OF(c_name) USAGE_##c_name
#endif

#define APPLET(c_name, name) {name, c_name##_main, HELP_OF(c_name)},
static const struct applet applets[] = {
#include "applets.h"
	{NULL, NULL, NULL}	/* keeps the array non-empty in a build with no applet */
};
#undef APPLET

#define NUM_APPLETS (ARRAY_SIZE(applets) - 1)

const struct applet *applet_current;

static void put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void put3(int fd, const char *a, const char *b, const char *c)
{
	put(fd, a);
	put(fd, b);
	put(fd, c);
}

void applet_help(void)
{
	put(1, applet_current->help);
}

int applet_usage(const char *what)
{
	put3(2, applet_current->name, ": ", what);
	put3(2, "\nTry '", applet_current->name, " --help' for more information.\n");
	return 2;
}

static const struct applet *find_applet(const char *name)
{
	for (const struct applet *a = applets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

static int run_applet(const struct applet *a, int argc, char **argv)
{
	applet_current = a;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		applet_help();
		return 0;
	}
	return a->main(argc, argv);
}

static void list_applets(void)
{
	for (const struct applet *a = applets; a->name; a++)
		put3(1, a->name, "\n", "");
}

static int main_help(int fd)
{
	put(fd, "usage: wwanbox APPLET [ARGS...]   or a link named after the applet\n"
		"       wwanbox --list\n");
	if (CFG_FEATURE_INSTALL)
		put(fd, "       wwanbox --install [-s] DIR   hard links (-s: symlinks) in DIR\n");
	put(fd, "       wwanbox APPLET --help\n\n"
		"Brings a cellular modem online. Applets in this build:\n");
	if (!NUM_APPLETS)
		put(fd, "  (none: this build was configured without applets)\n");
	for (const struct applet *a = applets; a->name; a++)
		put3(fd, "  ", a->name, "\n");
	return fd == 1 ? 0 : 2;
}

/* Link each applet name in DIR to this binary; existing files are reported and left alone. */
static int install_links(const char *dir, bool symbolic)
{
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret = 0;

	if (n <= 0) {
		put(2, "wwanbox: --install: cannot find this binary's path in /proc/self/exe\n");
		return 1;
	}
	self[n] = 0;
	for (const struct applet *a = applets; a->name; a++) {
		size_t dl = strlen(dir), nl = strlen(a->name);
		if (dl + 1 + nl + 1 > sizeof(path)) {
			put3(2, "wwanbox: --install: directory name too long: ", dir, "\n");
			return 1;
		}
		memcpy(path, dir, dl);
		path[dl] = '/';
		memcpy(path + dl + 1, a->name, nl + 1);
		if ((symbolic ? symlink(self, path) : link(self, path)) == 0)
			continue;
		put3(2, "wwanbox: --install: ", path, ": ");
		put3(2, strerror(errno), errno == EEXIST ? " (left alone)\n" : "\n", "");
		ret = 1;
	}
	return ret;
}

static int wwanbox_main(int argc, char **argv)
{
	const struct applet *a;

	if (argc < 2)
		return main_help(2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return main_help(1);
	if (!strcmp(argv[1], "--list")) {
		list_applets();
		return 0;
	}
	if (CFG_FEATURE_INSTALL && !strcmp(argv[1], "--install")) {
		bool symbolic = argc > 2 && !strcmp(argv[2], "-s");
		if (argc != 3 + symbolic) {
			put(2, "wwanbox: usage: wwanbox --install [-s] DIR\n");
			return 2;
		}
		return install_links(argv[2 + symbolic], symbolic);
	}
	a = find_applet(argv[1]);
	if (!a) {
		put3(2, "wwanbox: ", argv[1], ": applet not found (wwanbox --list shows this build's)\n");
		return 127;
	}
	return run_applet(a, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct applet *a;

	if (NUM_APPLETS == 1)
		return run_applet(&applets[0], argc, argv);
	name = name ? name + 1 : (argv[0] ? argv[0] : "wwanbox");
	a = find_applet(name);
	if (a)
		return run_applet(a, argc, argv);
	return wwanbox_main(argc, argv);
}
