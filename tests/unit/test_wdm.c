/* test_wdm.c - control-channel I/O through the public API: framing (wdm_feed), socketpair,
 * real pty in raw mode, unix path and abstract sockets, errors, write timeouts. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "loop.h"
#include "wdm.h"
#include "t.h"

/* ---- protocol-style frame_len callbacks (wdm itself knows no protocol) ---- */

/* QMUX: 0x01 marker, le16 length of everything after the marker (libqmi qmi-message.c);
 * that part starts with a 5-byte header (length, flags, service, client). */
static long qmux_len(const uint8_t *b, size_t have)
{
	uint16_t l;

	if (b[0] != 0x01)
		return -1;
	if (have < 3)
		return 0;
	l = get_le16(b + 1);
	return l < 5 ? -1 : (long)l + 1;
}

/* MBIM: le32 message type, le32 total length (MBIM 1.0 9.1 MBIM_MESSAGE_HEADER, 12 bytes). */
static bool mbim_type_ok(uint32_t t)
{
	return (t >= 1 && t <= 4) || (t >= 0x80000001 && t <= 0x80000004) || t == 0x80000007;
}

static long mbim_len(const uint8_t *b, size_t have)
{
	uint32_t l;

	if (have < 4)
		return 0;
	if (!mbim_type_ok(get_le32(b)))
		return -1;
	if (have < 8)
		return 0;
	l = get_le32(b + 4);
	return l < 12 || l > 65536 ? -1 : (long)l;
}

/* Everything available is a frame: used to watch raw bytes cross the pty. */
static long raw_len(const uint8_t *b, size_t have)
{
	(void)b;
	return (long)have;
}

/* Never decides: the worst possible callback must not wedge wdm. */
static long undecided_len(const uint8_t *b, size_t have)
{
	(void)b;
	(void)have;
	return 0;
}

static size_t qmux_frame(uint8_t *b, size_t payload, uint8_t fill)
{
	b[0] = 0x01;
	put_le16(b + 1, (uint16_t)(5 + payload));
	b[3] = 0x80;
	b[4] = 0x02;	/* WDS */
	b[5] = 0x07;	/* client id */
	memset(b + 6, fill, payload);
	return 6 + payload;
}

static size_t mbim_frame(uint8_t *b, uint32_t type, uint32_t total, uint8_t fill)
{
	put_le32(b, type);
	put_le32(b + 4, total);
	put_le32(b + 8, 42);	/* transaction id */
	memset(b + 12, fill, total - 12);
	return total;
}

/* ---- recorder ---- */

static struct wdm W;
static uint8_t got[80000];
static size_t got_len, flens[64];
static int nframes, nerr, last_err;
static bool close_in_frame, close_in_error, echo_in_frame;

static void rec_reset(void)
{
	got_len = 0;
	nframes = nerr = last_err = 0;
	close_in_frame = close_in_error = echo_in_frame = false;
}

static void on_frame(struct wdm *w, const uint8_t *f, size_t len)
{
	if (nframes < (int)ARRAY_SIZE(flens))
		flens[nframes] = len;
	nframes++;
	if (got_len + len <= sizeof(got)) {
		memcpy(got + got_len, f, len);
		got_len += len;
	}
	if (echo_in_frame)
		CHECK_EQ(wdm_write(w, f, len, 1000), 0);
	if (close_in_frame)
		wdm_close(w);
}

static void on_error(struct wdm *w, int err)
{
	nerr++;
	last_err = err;
	if (close_in_error)
		wdm_close(w);
}

static double t_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void feed_chunked(const uint8_t *b, size_t len, size_t chunk)
{
	size_t off;

	for (off = 0; off < len; off += chunk)
		wdm_feed(&W, b + off, MIN(chunk, len - off));
}

/* Write all of b to a non-blocking peer fd, letting the loop read in between; then drain. */
static void pump(int fd, const uint8_t *b, size_t len)
{
	int i;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n > 0) {
			b += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			loop_run_once(100);
		} else {
			CHECK(!"pump write");
			return;
		}
	}
	for (i = 0; i < 1000 && loop_run_once(0) > 0; i++)
		;
}

static void peer_pair(int sv[2], wdm_frame_len_fn fl)
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	CHECK_EQ(wdm_open_fd(&W, sv[0], fl), 0);
	CHECK_EQ(W.kind, WDM_SOCK);
}

static void read_exact(int fd, uint8_t *b, size_t len, int timeout_ms)
{
	size_t have = 0;
	double t0 = t_ms();

	while (have < len && t_ms() - t0 < timeout_ms) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(fd, b + have, len - have);
		if (n > 0)
			have += (size_t)n;
	}
	CHECK_EQ(have, len);
}

static bool quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/* ---- framing without fds ---- */

/* Garbage + 3 QMUX frames, fed in every chunk size: always the same frames. */
static void test_feed_qmux_every_split(void)
{
	uint8_t s[512], want[512];
	size_t n = 0, w = 0, chunk;

	memcpy(s, "\x00\xff\x02", 3);	/* 3 bytes that cannot start a QMUX frame */
	n = 3;
	w = qmux_frame(want, 10, 0xaa);
	w += qmux_frame(want + w, 0, 0);
	w += qmux_frame(want + w, 200, 0x01);	/* payload of markers: must not confuse */
	memcpy(s + n, want, w);
	n += w;
	W.on_frame = on_frame;
	for (chunk = 1; chunk <= n; chunk++) {
		rec_reset();
		wdm_init(&W, qmux_len);
		feed_chunked(s, n, chunk);
		CHECK_EQ(nframes, 3);
		CHECK_EQ(flens[0], 16);
		CHECK_EQ(flens[1], 6);
		CHECK_EQ(flens[2], 206);
		CHECK_EQ(got_len, w);
		CHECK_MEM(got, want, w);
		CHECK_EQ(W.stats.garbage, 3);
		CHECK_EQ(W.stats.frames, 3);
		CHECK_EQ(W.stats.bytes, n);
		if (t_case_failed) {
			fprintf(stderr, "chunk %zu\n", chunk);
			break;
		}
	}
}

static void test_feed_mbim_every_split(void)
{
	uint8_t s[512], want[512];
	size_t n, w, chunk;

	/* garbage: an unknown type, then a known type with a too-short length */
	memcpy(s, "\x05\x00\x00\x00\x03\x00\x00\x00\x08\x00\x00\x00", 12);
	n = 12;
	w = mbim_frame(want, 0x80000003, 48, 0x55);
	w += mbim_frame(want + w, 0x80000007, 12, 0);
	w += mbim_frame(want + w, 0x80000001, 16, 0x03);
	memcpy(s + n, want, w);
	n += w;
	W.on_frame = on_frame;
	for (chunk = 1; chunk <= n; chunk++) {
		rec_reset();
		wdm_init(&W, mbim_len);
		feed_chunked(s, n, chunk);
		CHECK_EQ(nframes, 3);
		CHECK_EQ(got_len, w);
		CHECK_MEM(got, want, w);
		CHECK_EQ(W.stats.garbage, 12);
		if (t_case_failed) {
			fprintf(stderr, "chunk %zu\n", chunk);
			break;
		}
	}
}

/* A frame of exactly WDM_RX_SIZE is delivered; one byte more is skipped whole. */
static void test_feed_rx_size_boundary(void)
{
	static uint8_t s[2 * WDM_RX_SIZE + 64];
	size_t n, big;

	W.on_frame = on_frame;
	rec_reset();
	wdm_init(&W, qmux_len);
	n = qmux_frame(s, WDM_RX_SIZE - 6, 0x11);
	CHECK_EQ(n, WDM_RX_SIZE);
	CHECK_EQ(wdm_feed(&W, s, n), 1);
	CHECK_EQ(flens[0], WDM_RX_SIZE);
	CHECK_EQ(W.stats.oversize, 0);

	rec_reset();
	wdm_init(&W, qmux_len);
	big = qmux_frame(s, WDM_RX_SIZE - 5, 0x01);
	n = big + qmux_frame(s + big, 4, 0x22);
	feed_chunked(s, n, 1000);
	CHECK_EQ(nframes, 1);
	CHECK_EQ(flens[0], 10);
	CHECK_EQ(got[6], 0x22);
	CHECK_EQ(W.stats.oversize, 1);
	CHECK_EQ(W.stats.garbage, 0);
}

static void test_feed_garbage_only_and_undecided_callback(void)
{
	static uint8_t s[3 * WDM_RX_SIZE];

	W.on_frame = on_frame;
	rec_reset();
	wdm_init(&W, qmux_len);
	memset(s, 0xff, 1000);
	CHECK_EQ(wdm_feed(&W, s, 1000), 0);
	CHECK_EQ(W.stats.garbage, 1000);

	/* a callback that always wants more: a full buffer sheds one byte at a time */
	wdm_init(&W, undecided_len);
	memset(s, 0x01, sizeof(s));
	CHECK_EQ(wdm_feed(&W, s, sizeof(s)), 0);
	CHECK_EQ(W.stats.garbage, sizeof(s) - (WDM_RX_SIZE - 1));
	CHECK_EQ(nframes, 0);
}

static void test_feed_close_from_on_frame_stops_delivery(void)
{
	uint8_t s[64];
	size_t n;

	n = qmux_frame(s, 1, 1);
	n += qmux_frame(s + n, 2, 2);
	n += qmux_frame(s + n, 3, 3);
	W.on_frame = on_frame;
	rec_reset();
	wdm_init(&W, qmux_len);
	close_in_frame = true;
	CHECK_EQ(wdm_feed(&W, s, n), 1);
	CHECK_EQ(nframes, 1);
	CHECK_EQ(W.fd, -1);
	close_in_frame = false;
	CHECK_EQ(wdm_feed(&W, s, n), 3);	/* and it still frames afterwards */
}

/* ---- over a socketpair, driven by the loop ---- */

static void test_socketpair_frame_in_1_byte_writes(void)
{
	uint8_t f[64];
	size_t n, i;
	int sv[2];

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	n = qmux_frame(f, 20, 0x5a);
	for (i = 0; i < n; i++) {
		CHECK_EQ(write(sv[1], f + i, 1), 1);
		CHECK_EQ(loop_run_once(1000), 1);	/* one read() per byte */
		CHECK_EQ(nframes, i + 1 == n);
	}
	CHECK_EQ(got_len, n);
	CHECK_MEM(got, f, n);
	CHECK_EQ(W.stats.bytes, n);
	wdm_close(&W);
	close(sv[1]);
	CHECK_EQ(loop_run_once(-1), -EDEADLK);	/* the watcher left the loop */
}

static void test_socketpair_three_frames_one_write_and_garbage(void)
{
	uint8_t s[256];
	size_t n;
	int sv[2];

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	memcpy(s, "AT\r\n", 4);	/* an AT echo before QMI: garbage */
	n = 4 + qmux_frame(s + 4, 3, 0xa1);
	n += qmux_frame(s + n, 30, 0xb2);
	n += qmux_frame(s + n, 0, 0);
	CHECK_EQ(write(sv[1], s, n), (ssize_t)n);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(nframes, 3);
	CHECK_EQ(flens[0], 9);
	CHECK_EQ(flens[1], 36);
	CHECK_EQ(flens[2], 6);
	CHECK_MEM(got, s + 4, n - 4);
	CHECK_EQ(W.stats.garbage, 4);
	wdm_close(&W);
	close(sv[1]);
}

static void test_socketpair_oversize_then_good_frame(void)
{
	static uint8_t s[70000];
	size_t n;
	int sv[2];

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	n = qmux_frame(s, 0xffff - 5, 0x01);	/* 65536 bytes, the QMUX maximum */
	n += qmux_frame(s + n, 7, 0x77);
	pump(sv[1], s, n);
	CHECK_EQ(nframes, 1);
	CHECK_EQ(flens[0], 13);
	CHECK_EQ(got[12], 0x77);
	CHECK_EQ(W.stats.oversize, 1);
	CHECK_EQ(W.stats.garbage, 0);
	CHECK_EQ(W.stats.bytes, n);
	wdm_close(&W);
	close(sv[1]);

	/* MBIM: 20000 bytes (plausible, > WDM_RX_SIZE), then a good one */
	rec_reset();
	peer_pair(sv, mbim_len);
	n = mbim_frame(s, 0x80000007, 20000, 0x03);
	n += mbim_frame(s + n, 0x80000003, 20, 0x44);
	pump(sv[1], s, n);
	CHECK_EQ(nframes, 1);
	CHECK_EQ(flens[0], 20);
	CHECK_EQ(W.stats.oversize, 1);
	CHECK_EQ(W.stats.garbage, 0);
	wdm_close(&W);
	close(sv[1]);
}

static void test_socketpair_peer_close_reports_enodev_once(void)
{
	uint8_t f[32];
	size_t n;
	int sv[2], i;

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	n = qmux_frame(f, 10, 0);
	CHECK_EQ(write(sv[1], f, n / 2), (ssize_t)(n / 2));	/* half a frame, then gone */
	close(sv[1]);
	for (i = 0; i < 5 && !nerr; i++)
		loop_run_once(1000);
	CHECK_EQ(nerr, 1);
	CHECK_EQ(last_err, -ENODEV);
	CHECK_EQ(nframes, 0);
	CHECK_EQ(loop_run_once(30), 0);	/* no spinning on EOF, no second report */
	CHECK_EQ(nerr, 1);
	CHECK(W.fd >= 0);		/* the owner closes */
	wdm_close(&W);
	wdm_close(&W);

	/* closing from on_error is fine too */
	rec_reset();
	close_in_error = true;
	peer_pair(sv, qmux_len);
	close(sv[1]);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(nerr, 1);
	CHECK_EQ(W.fd, -1);
	CHECK_EQ(loop_run_once(-1), -EDEADLK);
}

/* on_frame answers with wdm_write: the peer reads exactly the frame back. */
static void test_socketpair_write_from_on_frame(void)
{
	uint8_t f[64], back[64];
	size_t n;
	int sv[2];

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	echo_in_frame = true;
	n = qmux_frame(f, 33, 0x13);
	CHECK_EQ(write(sv[1], f, n), (ssize_t)n);
	CHECK_EQ(loop_run_once(1000), 1);
	read_exact(sv[1], back, n, 1000);
	CHECK_MEM(back, f, n);
	CHECK(quiet(sv[1], 20));
	wdm_close(&W);
	close(sv[1]);
}

static void test_write_times_out_when_peer_never_reads(void)
{
	uint8_t f[1024];
	int sv[2], i, r = 0, sndbuf = 4096;
	double t0 = 0, dt;
	size_t n;

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	setsockopt(W.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	n = qmux_frame(f, sizeof(f) - 6, 0x33);
	for (i = 0; i < 10000; i++) {
		t0 = t_ms();
		r = wdm_write(&W, f, n, 200);
		if (r)
			break;
	}
	dt = t_ms() - t0;
	CHECK(i > 0);		/* some frames went out before the buffer filled */
	CHECK_EQ(r, -ETIMEDOUT);
	CHECK(dt >= 195 && dt < 400);
	fprintf(stderr, "write timeout 200 ms: returned after %.1f ms, %d frames sent before\n", dt,
		i);
	t0 = t_ms();
	CHECK_EQ(wdm_write(&W, f, n, 0), -ETIMEDOUT);
	CHECK(t_ms() - t0 < 20);
	wdm_close(&W);
	close(sv[1]);
}

static void test_write_to_closed_peer_is_enodev_without_sigpipe(void)
{
	uint8_t f[16];
	int sv[2];

	rec_reset();
	peer_pair(sv, qmux_len);
	close(sv[1]);
	/* SIGPIPE's default action would kill this test binary */
	CHECK_EQ(wdm_write(&W, f, qmux_frame(f, 4, 0), 100), -ENODEV);
	wdm_close(&W);
	CHECK_EQ(wdm_write(&W, f, 6, 100), -EBADF);
}

static void test_poll_sync_helper(void)
{
	uint8_t f[64];
	size_t n;
	int sv[2];
	double t0, dt;

	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	peer_pair(sv, qmux_len);
	t0 = t_ms();
	CHECK_EQ(wdm_poll(&W, 100), -ETIMEDOUT);
	dt = t_ms() - t0;
	CHECK(dt >= 99 && dt < 200);
	n = qmux_frame(f, 8, 0x42);
	CHECK_EQ(write(sv[1], f, 5), 5);
	CHECK_EQ(wdm_poll(&W, 50), -ETIMEDOUT);	/* a partial frame is not a frame */
	CHECK_EQ(write(sv[1], f + 5, n - 5), (ssize_t)(n - 5));
	CHECK_EQ(wdm_poll(&W, 1000), 1);
	CHECK_EQ(nframes, 1);
	CHECK_MEM(got, f, n);
	close(sv[1]);
	CHECK_EQ(wdm_poll(&W, 1000), -ENODEV);
	CHECK_EQ(nerr, 0);	/* the synchronous helper reports by return value only */
	wdm_close(&W);
	CHECK_EQ(wdm_poll(&W, 10), -EBADF);
}

/* ---- a real pty ---- */

static int open_pty(char *name, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return -1;
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, name, size)) {
		close(m);
		return -1;
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
	return m;
}

static void test_pty_raw_mode_bytes_pass_unchanged(void)
{
	uint8_t s[7 + 256], back[sizeof(s)];
	struct termios t;
	char name[64];
	int m, i;

	m = open_pty(name, sizeof(name));
	if (m < 0)
		SKIP("no pty (posix_openpt)");
	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	CHECK_EQ(wdm_open(&W, name, raw_len), 0);
	CHECK_EQ(W.kind, WDM_TTY);
	CHECK_EQ(tcgetattr(W.fd, &t), 0);
	CHECK(!(t.c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN)));
	CHECK(!(t.c_iflag & (ICRNL | INLCR | IGNCR | IXON | IXOFF | ISTRIP | BRKINT | PARMRK)));
	CHECK(!(t.c_oflag & OPOST));
	CHECK_EQ(t.c_cflag & CSIZE, CS8);

	/* CR, LF, ^C (VINTR), XON, XOFF, DEL (VERASE), NUL; then every byte value */
	memcpy(s, "\x0d\x0a\x03\x11\x13\x7f\x00", 7);
	for (i = 0; i < 256; i++)
		s[7 + i] = (uint8_t)i;

	/* modem -> host */
	CHECK_EQ(write(m, s, sizeof(s)), (ssize_t)sizeof(s));
	for (i = 0; i < 50 && got_len < sizeof(s); i++)
		if (wdm_poll(&W, 1000) < 0)
			break;
	CHECK_EQ(got_len, sizeof(s));
	CHECK_MEM(got, s, sizeof(s));
	CHECK(quiet(m, 50));	/* no echo back to the modem */

	/* host -> modem (after an XOFF went by: output must not be stopped) */
	CHECK_EQ(wdm_write(&W, s, sizeof(s), 1000), 0);
	read_exact(m, back, sizeof(s), 1000);
	CHECK_MEM(back, s, sizeof(s));
	CHECK(quiet(m, 50));	/* and no CR added before LF */

	/* the modem side closes: a vanished device */
	close(m);
	for (i = 0; i < 5 && !nerr; i++)
		loop_run_once(1000);
	CHECK_EQ(nerr, 1);
	CHECK_EQ(last_err, -ENODEV);
	wdm_close(&W);
}

/* QMUX frames over the pty, through the loop, one of them in 1-byte writes */
static void test_pty_qmux_frames(void)
{
	uint8_t s[128];
	char name[64];
	size_t n, a;
	int m, i;

	m = open_pty(name, sizeof(name));
	if (m < 0)
		SKIP("no pty (posix_openpt)");
	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	CHECK_EQ(wdm_open(&W, name, qmux_len), 0);
	a = qmux_frame(s, 12, 0x0d);
	n = a + qmux_frame(s + a, 40, 0x0a);
	for (i = 0; i < (int)a; i++)
		CHECK_EQ(write(m, s + i, 1), 1);
	CHECK_EQ(write(m, s + a, n - a), (ssize_t)(n - a));
	for (i = 0; i < 20 && nframes < 2; i++)
		loop_run_once(1000);
	CHECK_EQ(nframes, 2);
	CHECK_MEM(got, s, n);
	wdm_close(&W);
	close(m);
}

/* ---- unix stream sockets: a path and an abstract name ---- */

static int listen_unix(const struct sockaddr_un *sa, socklen_t len)
{
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (const struct sockaddr *)sa, len) || listen(l, 4)) {
		perror("bind/listen");
		if (l >= 0)
			close(l);
		return -1;
	}
	return l;
}

static void exchange_with_server(int l)
{
	uint8_t f[64], back[64];
	size_t n;
	int c;

	c = accept(l, NULL, NULL);
	CHECK(c >= 0);
	n = qmux_frame(f, 17, 0x99);
	CHECK_EQ(write(c, f, n), (ssize_t)n);
	CHECK_EQ(wdm_poll(&W, 1000), 1);
	CHECK_MEM(got, f, n);
	f[20] = 0x66;
	CHECK_EQ(wdm_write(&W, f, n, 1000), 0);
	read_exact(c, back, n, 1000);
	CHECK_MEM(back, f, n);
	close(c);
}

static void test_unix_socket_path(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int l;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/wwanbox-test-wdm-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	l = listen_unix(&sa, sizeof(sa));
	CHECK(l >= 0);
	if (l < 0)
		return;
	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	CHECK_EQ(wdm_open(&W, sa.sun_path, qmux_len), 0);
	CHECK_EQ(W.kind, WDM_SOCK);
	exchange_with_server(l);
	wdm_close(&W);
	close(l);
	/* the socket file stays, nobody listens: refused, not a hang */
	CHECK_EQ(wdm_open(&W, sa.sun_path, qmux_len), -ECONNREFUSED);
	unlink(sa.sun_path);
}

/* Bound the way glib's G_UNIX_SOCKET_ADDRESS_ABSTRACT (qmi-proxy, mbim-proxy) binds: the
 * address length covers the name only, no padding. */
static void test_abstract_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64], at[70];
	int l;

	snprintf(name, sizeof(name), "wwanbox-test-wdm-%d", (int)getpid());
	snprintf(at, sizeof(at), "@%s", name);
	memcpy(sa.sun_path + 1, name, strlen(name));
	l = listen_unix(&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name)));
	CHECK(l >= 0);
	if (l < 0)
		return;
	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	CHECK_EQ(wdm_open(&W, at, qmux_len), 0);
	CHECK_EQ(W.kind, WDM_SOCK);
	exchange_with_server(l);
	wdm_close(&W);
	close(l);
	CHECK_EQ(wdm_open(&W, at, qmux_len), -ECONNREFUSED);
}

/* ---- open errors and odd devices ---- */

static void test_open_errors(void)
{
	char file[64], longname[200];
	int fd, p[2];

	snprintf(file, sizeof(file), "/tmp/wwanbox-test-wdm-%d.file", (int)getpid());
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(wdm_open(&W, "/nonexistent/cdc-wdm0", qmux_len), -ENOENT);
	CHECK_EQ(wdm_open(&W, file, qmux_len), -ENODEV);
	CHECK_EQ(wdm_open(&W, "/", qmux_len), -ENODEV);
	CHECK_EQ(wdm_open(&W, "/dev/null", NULL), -EINVAL);
	CHECK_EQ(wdm_open(&W, "@", qmux_len), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '@';
	longname[sizeof(longname) - 1] = 0;
	CHECK_EQ(wdm_open(&W, longname, qmux_len), -ENAMETOOLONG);
	unlink(file);
	CHECK_EQ(W.fd, -1);

	/* a pipe is neither device, tty nor socket; the fd is closed by wdm_open_fd */
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK_EQ(wdm_open_fd(&W, p[0], qmux_len), -ENODEV);
	CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF);
	close(p[1]);
	CHECK_EQ(wdm_open_fd(&W, -1, qmux_len), -EBADF);
	CHECK_EQ(loop_run_once(-1), -EDEADLK);	/* nothing leaked into the loop */
}

/* /dev/null: a character device that is not cdc-wdm (no wMaxCommand) and reads EOF. */
static void test_dev_null_is_chr_and_eof_is_enodev(void)
{
	W.on_frame = on_frame;
	W.on_error = on_error;
	rec_reset();
	CHECK_EQ(wdm_open(&W, "/dev/null", qmux_len), 0);
	CHECK_EQ(W.kind, WDM_CHR);
	CHECK_EQ(W.max_cmd, 0);
	CHECK(fcntl(W.fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(W.fd, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(wdm_write(&W, "\x01\x05\x00\x00\x00\x00", 6, 100), 0);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(nerr, 1);
	CHECK_EQ(last_err, -ENODEV);
	wdm_close(&W);
}

/* A zeroed struct is a closed one: closing it must not close fd 0. */
static void test_close_zeroed_struct(void)
{
	static struct wdm z;

	if (fcntl(0, F_GETFD) < 0)	/* make sure fd 0 exists */
		CHECK_EQ(open("/dev/null", O_RDONLY), 0);
	wdm_close(&z);
	wdm_close(&z);
	CHECK(fcntl(0, F_GETFD) >= 0);
	CHECK_EQ(z.fd, -1);
	CHECK_EQ(wdm_write(&z, "x", 1, 0), -EBADF);
}

int main(void)
{
	RUN(test_feed_qmux_every_split);
	RUN(test_feed_mbim_every_split);
	RUN(test_feed_rx_size_boundary);
	RUN(test_feed_garbage_only_and_undecided_callback);
	RUN(test_feed_close_from_on_frame_stops_delivery);
	RUN(test_socketpair_frame_in_1_byte_writes);
	RUN(test_socketpair_three_frames_one_write_and_garbage);
	RUN(test_socketpair_oversize_then_good_frame);
	RUN(test_socketpair_peer_close_reports_enodev_once);
	RUN(test_socketpair_write_from_on_frame);
	RUN(test_write_times_out_when_peer_never_reads);
	RUN(test_write_to_closed_peer_is_enodev_without_sigpipe);
	RUN(test_poll_sync_helper);
	RUN(test_pty_raw_mode_bytes_pass_unchanged);
	RUN(test_pty_qmux_frames);
	RUN(test_unix_socket_path);
	RUN(test_abstract_socket);
	RUN(test_open_errors);
	RUN(test_dev_null_is_chr_and_eof_is_enodev);
	RUN(test_close_zeroed_struct);
	return t_done();
}
