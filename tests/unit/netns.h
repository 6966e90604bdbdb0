/* netns.h - live kernel tests in a private network namespace: a forked child unshares
 * CLONE_NEWNET (so nothing it does touches the machine), creates TUN devices (raw IP, like
 * qmi_wwan's wwan0 in raw-ip mode) and runs the test body; the parent checks its exit status.
 */
#ifndef WWANBOX_NETNS_H
#define WWANBOX_NETNS_H

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"

/* A TUN device named name (IFF_TUN | IFF_NO_PI); its fd, or -1. */
static inline int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Run body() in a forked child inside a new network namespace; body returns non-zero (or
 * t_case_failed) on failure. Skips the calling test when not root or without /dev/net/tun. */
#define RUN_IN_NETNS(body)                                                         \
	do {                                                                       \
		int t_status;                                                      \
		pid_t t_pid;                                                       \
		if (geteuid() != 0)                                                \
			SKIP("needs root (network namespace, TUN)");               \
		if (access("/dev/net/tun", R_OK | W_OK) < 0)                       \
			SKIP("no /dev/net/tun");                                   \
		if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && getenv("WWANBOX_QEMU")) \
			SKIP("qemu-user swaps only the rtnetlink attributes it knows " \
			     "for a big-endian target (tests/cross.sh)");          \
		fflush(stdout);                                                    \
		t_pid = fork();                                                    \
		if (t_pid == 0)                                                    \
			_exit(unshare(CLONE_NEWNET) < 0 ? (perror("unshare"), 1)   \
							: body());                 \
		CHECK(t_pid > 0);                                                  \
		CHECK_EQ(waitpid(t_pid, &t_status, 0), t_pid);                     \
		CHECK(WIFEXITED(t_status) && WEXITSTATUS(t_status) == 0);          \
	} while (0)

#endif
