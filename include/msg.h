/* msg.h - the applets' messages: "qmi-dial: open /dev/cdc-wdm0: No such device".
 *
 * Every line is "APPLET: text\n", written with write(2) (no stdio): errors and verbose lines to
 * fd 2, information to fd 1 (msg_set_info_fd(2) when stdout carries --json output). With
 * syslog on (-S, "log to syslog too" as in busybox) every line is also sent, without the
 * newline, as "<PRI>wwanbox[PID]: APPLET: text" to a unix datagram socket, facility daemon.
 * Lines longer than MSG_MAX are cut. Core modules never call these (they return -errno).
 */
#ifndef WWANBOX_MSG_H
#define WWANBOX_MSG_H

#include "wwanbox.h"

#define MSG_MAX 512	       /* longest line, prefix and strerror included */
#define MSG_DEV_LOG "/dev/log" /* the syslog socket (syslogd, rsyslog, journald) */

void msg_set_applet(const char *name); /* the prefix; kept as a pointer (argv[0] is fine) */
void msg_set_verbose(int level);       /* msg_verbose() prints when level >= 1 (-v) */
int msg_verbose_level(void);
void msg_set_info_fd(int fd); /* where msg_info() writes: 1 (default) or 2 */
/* Also log to the datagram socket at path (MSG_DEV_LOG), or stop with NULL. The socket is
 * opened at the first message; a missing or full log drops the line, never blocks. Without
 * FEATURE_SYSLOG this does nothing. */
void msg_set_syslog(const char *path);

void msg_err(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* msg_err() + ": " + strerror(err); err may be -errno (as core modules return) or errno;
 * 0 adds nothing. */
void msg_perr(int err, const char *f, ...) __attribute__((format(printf, 2, 3)));
void msg_info(const char *f, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *f, ...) __attribute__((format(printf, 1, 2)));

#endif
