/* applet.h - the applet table and what applets share with the dispatcher in core/main.c. */
#ifndef WWANBOX_APPLET_H
#define WWANBOX_APPLET_H

struct applet {
	const char *name;		/* runtime name: qmi-dial */
	int (*main)(int argc, char **argv);
	const char *help;		/* full help, or the usage paragraph without LONG_HELP */
};

/* Prototypes of every applet's entry point, from the generated table. */
#define APPLET(c_name, name) int c_name##_main(int argc, char **argv);
#include "applets.h"
#undef APPLET

/* The applet being run; set by the dispatcher before it calls the applet's main. */
extern const struct applet *applet_current;

/* Print the current applet's help to fd 1 (for --help). */
void applet_help(void);

/* Print "APPLET: WHAT" and a pointer to --help on stderr; returns the usage exit code 2. */
int applet_usage(const char *what);

#endif
