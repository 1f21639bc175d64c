// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_netns: run a command in a named network namespace.
 *
 *   sfb_netns NAME CMD [ARG...]
 *
 * The selftests' `ip netns exec`, for a fraction of its cost under TCG:
 * ip is a dynamic binary that makes a mount namespace and mounts a sysfs
 * of the namespace before it execs CMD; this joins /run/netns/NAME and
 * execs. /sys therefore still shows the caller's devices: the selftests
 * read a namespace only through netlink and /proc, which follow the
 * caller's network namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096];
	int fd;

	if (argc < 3 || strchr(argv[1], '/')) {
		fprintf(stderr, "usage: sfb_netns NAME CMD [ARG...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "sfb_netns: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "sfb_netns: %s: %s\n", argv[2], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
