/* wdm.c - the control channel to a modem: open, framed non-blocking reads, bounded writes.
 *
 * Kernel facts used here are from drivers/usb/class/cdc-wdm.c unless noted:
 * - read() returns whatever the driver has buffered (several responses may be concatenated, a
 *   short read leaves the rest); write() sends one SEND_ENCAPSULATED_COMMAND and silently
 *   truncates it to wMaxCommand (IOCTL_WDM_MAX_COMMAND).
 * - read() fails with -ENOBUFS once after its wMaxCommand-sized buffer overflowed and a response
 *   was dropped (WDM_OVERFLOW); -ENODEV after unplug (WDM_DISCONNECTING), when poll() reports
 *   POLLHUP | POLLERR; -EIO for a failed response URB (usb_translate_errors()).
 * - a failed write URB leaves its status in werr: poll() reports POLLERR until it is collected,
 *   and the next write() returns it (-EIO) instead of sending.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/usb/cdc-wdm.h>

#include "wwanbox.h"
#include "wdm.h"

/* Consecutive wakeups with POLLERR, no data and no read() error before we stop trusting the
 * device (rather than spinning on a level-triggered error nobody can clear). */
#define WDM_MAX_ERR_WAKEUPS 16

void wdm_init(struct wdm *w, wdm_frame_len_fn frame_len)
{
	void (*on_frame)(struct wdm *, const uint8_t *, size_t) = w->on_frame;
	void (*on_error)(struct wdm *, int) = w->on_error;

	/* The RX buffer needs no clearing: only rx_off..rx_len is ever read. */
	memset(w, 0, offsetof(struct wdm, rx));
	w->on_frame = on_frame;
	w->on_error = on_error;
	w->fd = -1;
	w->frame_len = frame_len;
}

/* ---- framing ---- */

/* Deliver every complete frame in rx_off..rx_len, drop garbage, skip oversize frames; then move
 * the unfinished tail to the front. Afterwards rx_len < WDM_RX_SIZE: a tail is either a frame
 * shorter than its known length (<= WDM_RX_SIZE) or a header the callback could not judge with
 * fewer than WDM_RX_SIZE bytes (a full buffer it still cannot judge counts as garbage). rx_off
 * advances before on_frame, so wdm_close() from on_frame (which zeroes both) ends the walk. */
static int wdm_process(struct wdm *w)
{
	int frames = 0;

	while (w->rx_off < w->rx_len) {
		const uint8_t *p = w->rx + w->rx_off;
		size_t have = w->rx_len - w->rx_off;
		long flen;

		if (w->skip) {
			size_t k = MIN(w->skip, have);

			w->skip -= k;
			w->rx_off += k;
			continue;
		}
		flen = w->frame_len(p, have);
		if (flen < 0 || (flen == 0 && have == WDM_RX_SIZE)) {
			w->rx_off++;
			w->stats.garbage++;
			continue;
		}
		if (flen == 0)
			break;
		if ((unsigned long)flen > WDM_RX_SIZE) {
			w->stats.oversize++;
			w->skip = (size_t)flen;
			continue;
		}
		if ((size_t)flen > have)
			break;
		w->rx_off += (size_t)flen;
		w->stats.frames++;
		frames++;
		if (w->on_frame)
			w->on_frame(w, p, (size_t)flen);
	}
	memmove(w->rx, w->rx + w->rx_off, w->rx_len - w->rx_off);
	w->rx_len -= w->rx_off;
	w->rx_off = 0;
	return frames;
}

int wdm_feed(struct wdm *w, const uint8_t *buf, size_t len)
{
	int frames = 0;

	while (len) {
		size_t n = MIN(len, WDM_RX_SIZE - w->rx_len);

		memcpy(w->rx + w->rx_len, buf, n);
		w->rx_len += n;
		w->stats.bytes += n;
		buf += n;
		len -= n;
		frames += wdm_process(w);
	}
	return frames;
}

/* ---- reading ---- */

/* errno of a failed read/write -> -ENODEV when the device or peer is gone. EIO is what a pty
 * returns once the other side closed, and what cdc-wdm returns for a failed transfer: either
 * way the owner has to reopen. */
static int gone_or_errno(int err)
{
	switch (err) {
	case EIO:
	case ENODEV:
	case ENXIO:
	case ECONNRESET:
	case EPIPE:
	case ESHUTDOWN:
	case ENOTCONN:
		return -ENODEV;
	default:
		return -err;
	}
}

/* cdc-wdm dropped a response (ENOBUFS): the partial frame we hold lost its continuation. */
static void rx_lost(struct wdm *w)
{
	w->stats.lost++;
	w->rx_off = w->rx_len = w->skip = 0;
}

/* Woken without data. POLLHUP alone means the peer is gone. POLLERR on cdc-wdm means a failed
 * write URB whose status read() does not collect but fsync() does (wdm_fsync ->
 * wdm_wait_for_response; immediate, the write has completed). On other fds fsync() is EINVAL. */
static int rx_nodata(struct wdm *w, short revents)
{
	if (revents & POLLHUP)
		return -ENODEV;
	if (!(revents & POLLERR))
		return -EAGAIN;
	if (w->kind == WDM_CHR && fsync(w->fd) < 0 && errno != EINVAL)
		w->stats.tx_errors++;
	if (++w->err_wakeups > WDM_MAX_ERR_WAKEUPS)
		return -EIO;
	return -EAGAIN;
}

/* One read() into the free end of the RX buffer, then framing. Frames delivered, -EAGAIN, or
 * -errno (-ENODEV: gone). One read per wakeup: poll() is level-triggered. */
static int wdm_rx(struct wdm *w, short revents)
{
	ssize_t n = read(w->fd, w->rx + w->rx_len, WDM_RX_SIZE - w->rx_len);

	if (n > 0) {
		w->err_wakeups = 0;
		w->stats.bytes += (size_t)n;
		w->rx_len += (size_t)n;
		return wdm_process(w);
	}
	if (n == 0)
		return -ENODEV;	/* EOF: socket peer closed, tty hung up, /dev/null */
	switch (errno) {
	case EINTR:
		return 0;
	case EAGAIN:
		return rx_nodata(w, revents);
	case ENOBUFS:
		rx_lost(w);
		return 0;
	default:
		return gone_or_errno(errno);
	}
}

static void wdm_io(struct loop_fd *f, short revents)
{
	struct wdm *w = (struct wdm *)(void *)((char *)f - offsetof(struct wdm, lfd));
	int r = wdm_rx(w, revents);

	if (r >= 0 || r == -EAGAIN)
		return;
	loop_fd_del(f);	/* report once; a dead fd would stay readable (EOF) forever */
	if (w->on_error)
		w->on_error(w, r);
}

/* Milliseconds left until deadline for poll(): -1 without a bound, else 0..INT_MAX. */
static int time_left(int64_t deadline, int timeout_ms)
{
	int64_t left;

	if (timeout_ms < 0)
		return -1;
	left = deadline - loop_now_ms();
	return left <= 0 ? 0 : (int)MIN(left, (int64_t)INT_MAX);
}

int wdm_poll(struct wdm *w, int timeout_ms)
{
	int64_t deadline = loop_now_ms() + timeout_ms;
	struct pollfd p;
	int wait, r;

	if (w->kind == WDM_NONE)
		return -EBADF;
	for (;;) {
		wait = time_left(deadline, timeout_ms);
		p.fd = w->fd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			r = wdm_rx(w, p.revents);
			if (r > 0 || (r < 0 && r != -EAGAIN))
				return r;
		}
		if (wait == 0)
			return -ETIMEDOUT;
	}
}

/* ---- writing ---- */

static ssize_t wdm_tx(struct wdm *w, const uint8_t *p, size_t len)
{
	/* A proxy that went away must not kill us with SIGPIPE. */
	if (w->kind == WDM_SOCK)
		return send(w->fd, p, len, MSG_NOSIGNAL);
	return write(w->fd, p, len);
}

static int wait_writable(struct wdm *w, int64_t deadline, int timeout_ms)
{
	struct pollfd p = { .fd = w->fd, .events = POLLOUT };
	int wait = time_left(deadline, timeout_ms);

	if (wait == 0)
		return -ETIMEDOUT;
	/* Readiness, HUP or ERR: the next write() tells which. Timeout: the next round says so. */
	if (poll(&p, 1, wait) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

int wdm_write(struct wdm *w, const void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = loop_now_ms() + timeout_ms;
	const uint8_t *p = buf;
	bool retried = false;
	ssize_t n;
	int r;

	if (w->kind == WDM_NONE)
		return -EBADF;
	if (w->max_cmd && len > w->max_cmd)
		return -EMSGSIZE;
	while (len) {
		n = wdm_tx(w, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0 || errno == EAGAIN) {
			r = wait_writable(w, deadline, timeout_ms);
			if (r)
				return r;
			continue;
		}
		if (errno == EINTR)
			continue;
		/* cdc-wdm: -EIO here may be the stale status of the previous write URB, returned
		 * without sending this one; the retry sends it or fails for real. */
		if (errno == EIO && w->kind == WDM_CHR && !retried) {
			retried = true;
			w->stats.tx_errors++;
			continue;
		}
		return gone_or_errno(errno);
	}
	return 0;
}

/* ---- open / close ---- */

/* Connect a unix stream socket. A path carries its NUL inside sun_path. An abstract name
 * ("@name") follows a leading NUL and the address length covers only the name: that is glib's
 * G_UNIX_SOCKET_ADDRESS_ABSTRACT, which qmi-proxy and mbim-proxy bind (not the _PADDED kind). */
static int sock_connect(const char *name, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name), off = abstract ? 1 : 0;
	socklen_t len;
	int fd, r;

	if (!n)
		return -EINVAL;
	if (n + 1 > sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path + off, name, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n + !abstract);
	/* Non-blocking: a unix connect() never waits then; a full backlog is -EAGAIN. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* cfmakeraw() spelled out (it is not POSIX) and then some: no XON/XOFF either way (0x11 and
 * 0x13 are ordinary QMI bytes), no CR/NL mapping, no echo, no signals from 0x03/0x1c/0x1a, no
 * line editing (0x7f, 0x15), 8 bits, ignore modem-control lines so a DCD drop cannot hang us
 * up. Hardware flow control is left as it was. */
static int tty_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON |
				 IXOFF | IXANY | INPCK | IMAXBEL);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8 | CREAD | CLOCAL;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

/* Classify fd, make it non-blocking and close-on-exec, raw mode for a tty, and ask a cdc-wdm
 * device for its wMaxCommand (other char devices, e.g. WWAN ports, answer -ENOTTY). */
static int fd_setup(struct wdm *w, int fd)
{
	struct stat st;
	uint16_t max_cmd;
	int fl;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode))
		w->kind = WDM_SOCK;
	else if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	else
		w->kind = isatty(fd) ? WDM_TTY : WDM_CHR;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (w->kind == WDM_TTY)
		return tty_raw(fd);
	if (w->kind == WDM_CHR && ioctl(fd, IOCTL_WDM_MAX_COMMAND, &max_cmd) == 0)
		w->max_cmd = max_cmd;
	return 0;
}

int wdm_open_fd(struct wdm *w, int fd, wdm_frame_len_fn frame_len)
{
	int r;

	if (fd < 0)
		return -EBADF;
	wdm_close(w);
	wdm_init(w, frame_len);
	r = frame_len ? fd_setup(w, fd) : -EINVAL;
	if (!r) {
		w->fd = fd;
		w->lfd.fd = fd;
		w->lfd.events = POLLIN;
		w->lfd.cb = wdm_io;
		r = loop_fd_add(&w->lfd);
	}
	if (r) {
		close(fd);
		w->fd = -1;
		w->kind = WDM_NONE;
		w->max_cmd = 0;
	}
	return r;
}

int wdm_open(struct wdm *w, const char *path, wdm_frame_len_fn frame_len)
{
	struct stat st;
	int fd;

	if (!frame_len)
		return -EINVAL;
	if (path[0] == '@')
		fd = sock_connect(path + 1, true);
	else if (stat(path, &st) < 0)
		return -errno;
	else if (S_ISSOCK(st.st_mode))
		fd = sock_connect(path, false);
	else if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	else if ((fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		fd = -errno;
	if (fd < 0)
		return fd;
	return wdm_open_fd(w, fd, frame_len);
}

void wdm_close(struct wdm *w)
{
	if (w->kind != WDM_NONE) {
		loop_fd_del(&w->lfd);
		close(w->fd);
	}
	w->fd = -1;
	w->kind = WDM_NONE;
	w->max_cmd = 0;
	w->rx_off = w->rx_len = w->skip = 0;
}
