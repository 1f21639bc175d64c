// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's per-namespace state files: see runstate.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runstate.h"
#include "sfbctl.h"

int sfb_runstate_failed(const struct sfb_runstate *rs, const char *doing,
			const char *path, int err)
{
	fprintf(stderr, "%s: cannot %s %s: %s\n", rs->who, doing, path,
		strerror(err));
	return SFBCTL_EXIT_ERROR;
}

int sfb_runstate_locate(struct sfb_runstate *rs, const char *who,
			const char *kind)
{
	socklen_t len = sizeof(rs->cookie);
	struct stat st;
	int fd;

	rs->who = who;
	if (stat("/proc/self/ns/net", &st) < 0)
		return sfb_runstate_failed(rs, "identify the network namespace by",
					   "/proc/self/ns/net", errno);
	snprintf(rs->path, sizeof(rs->path), SFB_RUN_DIR "/netns-%ju.%s",
		 (uintmax_t)st.st_ino, kind);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &rs->cookie,
				 &len) < 0)
		rs->cookie = 0;
	if (fd >= 0)
		close(fd);
	return SFBCTL_EXIT_OK;
}

bool sfb_runstate_ours(const struct sfb_runstate *rs, uint64_t theirs)
{
	return !rs->cookie || !theirs || theirs == rs->cookie;
}

int sfb_runstate_read(const struct sfb_runstate *rs, size_t max, char **text)
{
	size_t got = 0;
	ssize_t n;
	int fd, ret = SFBCTL_EXIT_OK;

	*text = NULL;
	fd = open(rs->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SFBCTL_EXIT_OK :
		       sfb_runstate_failed(rs, "read", rs->path, errno);
	*text = malloc(max);
	if (!*text) {
		close(fd);
		return sfb_runstate_failed(rs, "read", rs->path, ENOMEM);
	}
	while ((n = read(fd, *text + got, max - 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		ret = sfb_runstate_failed(rs, "read", rs->path, errno);
	} else if (got == max - 1) {
		fprintf(stderr, "%s: %s is not a state file of sfbctl's: remove it\n",
			rs->who, rs->path);
		ret = SFBCTL_EXIT_ERROR;
	}
	close(fd);
	if (ret != SFBCTL_EXIT_OK) {
		free(*text);
		*text = NULL;
	} else {
		(*text)[got] = '\0';
	}
	return ret;
}

int sfb_runstate_write(const struct sfb_runstate *rs, const char *comment,
		       void (*write)(FILE *f, const void *arg),
		       const void *arg)
{
	char tmp[sizeof(rs->path) + 16];
	int err = 0;
	FILE *f;

	if (mkdir(SFB_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return sfb_runstate_failed(rs, "create", SFB_RUN_DIR, errno);
	snprintf(tmp, sizeof(tmp), "%s.%ld", rs->path, (long)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return sfb_runstate_failed(rs, "create", tmp, errno);
	fprintf(f, "# %s\n%s %" PRIu64 "\n", comment, SFB_RUNSTATE_COOKIE,
		rs->cookie);
	write(f, arg);
	if (ferror(f))
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, rs->path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		return sfb_runstate_failed(rs, "write", rs->path, err);
	}
	return SFBCTL_EXIT_OK;
}

int sfb_runstate_remove(const struct sfb_runstate *rs)
{
	if (unlink(rs->path) < 0 && errno != ENOENT)
		return sfb_runstate_failed(rs, "remove", rs->path, errno);
	return SFBCTL_EXIT_OK;
}
