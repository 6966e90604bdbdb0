/* wwanbox.h - umbrella header: libc basics, the generated config, small helpers. */
#ifndef WWANBOX_H
#define WWANBOX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"	/* generated from .config: CFG_X (0/1) and USE_X(...) for every symbol */
#include "bytes.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
