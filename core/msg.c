/* msg.c - applet messages to stderr/stdout and syslog, see include/msg.h.
 *
 * Syslog is done here rather than with the C library's syslog(3): musl's formats with snprintf
 * and strftime, which would pull the printf family (~7 KB) into a binary that otherwise has
 * none; this is a socket(), a connect() and a send(). The line format is what syslog(3) sends
 * (RFC 3164 4.1 without the timestamp, which syslogd, rsyslog and journald add on receipt).
 */
#include "msg.h"

#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"

/* <sys/syslog.h> values (RFC 3164 4.1.1): facility daemon, severities err, info, debug. */
#define LOG_FAC_DAEMON (3 << 3)
#define SEV_ERR 3
#define SEV_INFO 6
#define SEV_DEBUG 7

#define HDR_MAX 32 /* "<31>wwanbox[4194304]: " fits */

static const char *applet = "wwanbox";
static int verbose;
static int info_fd = 1;
static const char *log_path;
static int log_fd = -1;

struct line {
	char buf[HDR_MAX + MSG_MAX];
	size_t len; /* of the text at buf + HDR_MAX, < MSG_MAX */
};

void msg_set_applet(const char *name)
{
	applet = name;
}

void msg_set_verbose(int level)
{
	verbose = level;
}

int msg_verbose_level(void)
{
	return verbose;
}

void msg_set_info_fd(int fd)
{
	info_fd = fd;
}

void msg_set_syslog(const char *path)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_path = path;
}

static void add(struct line *l, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void vadd(struct line *l, const char *f, va_list ap) __attribute__((format(printf, 2, 0)));

static void vadd(struct line *l, const char *f, va_list ap)
{
	size_t room = MSG_MAX - l->len; /* >= 1, the NUL's place keeps one byte for '\n' */

	l->len += MIN(fmt_vbuf(l->buf + HDR_MAX + l->len, room, f, ap), room - 1);
}

static void add(struct line *l, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vadd(l, f, ap);
	va_end(ap);
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere left to report it */
		p += n;
		len -= (size_t)n;
	}
}

static bool log_open(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (log_fd >= 0)
		return true;
	if (strlen(log_path) >= sizeof(sun.sun_path))
		return false;
	strcpy(sun.sun_path, log_path);
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (log_fd < 0)
		return false;
	if (connect(log_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(log_fd);
		log_fd = -1;
		return false;
	}
	return true;
}

/* The header goes right before the text, so the datagram is one contiguous buffer. */
static void log_send(struct line *l, int sev)
{
	char hdr[HDR_MAX];
	size_t hlen;
	int try;

	hlen = MIN(
		fmt_buf(hdr, sizeof(hdr), "<%d>wwanbox[%d]: ", LOG_FAC_DAEMON | sev, (int)getpid()),
		sizeof(hdr) - 1);
	memcpy(l->buf + HDR_MAX - hlen, hdr, hlen);
	for (try = 0; try < 2 && log_open(); try++) {
		if (send(log_fd, l->buf + HDR_MAX - hlen, hlen + l->len,
			 MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ||
		    errno == EAGAIN)
			return; /* sent, or the log is full: drop rather than block */
		close(log_fd);	/* syslogd restarted (ECONNREFUSED): connect again, once */
		log_fd = -1;
	}
}

static void emit(int fd, int sev, int err, const char *f, va_list ap)
{
	struct line l = {.len = 0};

	add(&l, "%s: ", applet);
	vadd(&l, f, ap);
	if (err)
		add(&l, ": %s", strerror(err < 0 ? -err : err));
	if (CFG_FEATURE_SYSLOG && log_path)
		log_send(&l, sev);
	l.buf[HDR_MAX + l.len] = '\n';
	write_all(fd, l.buf + HDR_MAX, l.len + 1);
}

void msg_err(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	emit(2, SEV_ERR, 0, f, ap);
	va_end(ap);
}

void msg_perr(int err, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	emit(2, SEV_ERR, err, f, ap);
	va_end(ap);
}

void msg_info(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	emit(info_fd, SEV_INFO, 0, f, ap);
	va_end(ap);
}

void msg_verbose(const char *f, ...)
{
	va_list ap;

	if (verbose < 1)
		return;
	va_start(ap, f);
	emit(2, SEV_DEBUG, 0, f, ap);
	va_end(ap);
}
