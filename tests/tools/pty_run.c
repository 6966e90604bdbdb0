/* pty_run.c - run a program on a pty as its terminal, type into it, and report what it wrote and
 * whether it left the terminal settings as it found them (for interactive applets: at -i).
 *
 *   pty_run [--send TEXT [--after MS]]... [--timeout SEC] -- PROG ARG...
 *
 * Each TEXT (escapes \r \n \\ \xHH) is typed after waiting --after ms (default 300) from the
 * previous one. Everything PROG writes goes to our stdout; at its exit a last line says
 * "termios: restored" or "termios: changed", and pty_run exits with PROG's status (124 if it
 * was killed at the timeout, default 10 s).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEND 16

static size_t unescape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		if (s[0] == '\\' && s[1] == 'r')
			out[n++] = '\r', s += 2;
		else if (s[0] == '\\' && s[1] == 'n')
			out[n++] = '\n', s += 2;
		else if (s[0] == '\\' && s[1] == '\\')
			out[n++] = '\\', s += 2;
		else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = {s[2], s[3], 0};

			out[n++] = (char)strtol(hex, NULL, 16);
			s += 4;
		} else
			out[n++] = *s++;
	}
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_out(int m)
{
	char buf[4096];
	ssize_t n = read(m, buf, sizeof(buf));

	if (n > 0 && write(1, buf, (size_t)n) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	const char *send[MAX_SEND];
	int after[MAX_SEND], nsend = 0, timeout = 10, i, status = 0, m, s;
	struct termios before, now;
	long long next, deadline;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (i + 1 >= argc)
			return 2;
		if (!strcmp(argv[i], "--send") && nsend < MAX_SEND) {
			send[nsend] = argv[++i];
			after[nsend++] = 300;
		} else if (!strcmp(argv[i], "--after") && nsend) {
			after[nsend - 1] = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--timeout")) {
			timeout = atoi(argv[++i]);
		} else {
			fprintf(stderr, "pty_run: bad option %s\n", argv[i]);
			return 2;
		}
	}
	if (i + 1 >= argc)
		return 2;
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m))
		return 1;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetattr(s, &before))
		return 1;
	pid = fork();
	if (pid == 0) {
		setsid();
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0), dup2(s, 1), dup2(s, 2);
		close(m);
		if (s > 2)
			close(s);
		execvp(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	deadline = now_ms() + timeout * 1000LL;
	next = now_ms() + (nsend ? after[0] : 0);
	for (int k = 0;;) {
		struct pollfd p = {.fd = m, .events = POLLIN};
		long long t = now_ms(), wait = deadline - t;

		if (k < nsend && next - t < wait)
			wait = next - t;
		if (poll(&p, 1, (int)(wait > 0 ? wait : 0)) > 0 && (p.revents & POLLIN))
			copy_out(m);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		t = now_ms();
		if (t >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = 124 << 8;
			break;
		}
		if (k < nsend && t >= next) {
			char buf[256];
			size_t n = unescape(send[k], buf, sizeof(buf));

			if (write(m, buf, n) < 0)
				perror("pty_run: write");
			if (++k < nsend)
				next = t + after[k];
		}
	}
	/* whatever is still buffered */
	for (struct pollfd p = {.fd = m, .events = POLLIN};
	     poll(&p, 1, 50) > 0 && (p.revents & POLLIN);)
		copy_out(m);
	tcgetattr(s, &now);
	printf("\ntermios: %s\n", before.c_lflag == now.c_lflag && before.c_iflag == now.c_iflag &&
						  before.c_oflag == now.c_oflag
					  ? "restored"
					  : "changed");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
