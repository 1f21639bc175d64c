/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What sfbctl must remember between runs about a network namespace (the
 * settings load --sysctl changed, the policy the nft backend installed)
 * lives in /run/sfb, one file per namespace and kind, named by the inode
 * of /proc/self/ns/net. /run starts empty at boot, as the kernel state
 * those files describe does.
 *
 * A namespace's inode number is reused after it is gone, its cookie
 * (SO_NETNS_COOKIE) never until a reboot: each file records the cookie of
 * its namespace, and a file with another cookie is a dead namespace's.
 */
#ifndef SFBCTL_RUNSTATE_H
#define SFBCTL_RUNSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SFB_RUN_DIR "/run/sfb"

/* The line that records the namespace's cookie: "netns-cookie N". */
#define SFB_RUNSTATE_COOKIE "netns-cookie"

struct sfb_runstate {
	const char *who;	/* prefix of error messages: "sfb: sysctl" */
	char path[64];
	uint64_t cookie;	/* 0 where the kernel has none (< 5.14) */
};

/* This namespace's file of kind @kind ("sysctl", "nft"). */
int sfb_runstate_locate(struct sfb_runstate *rs, const char *who,
			const char *kind);

/*
 * The whole file into *@text (NUL-terminated, to free), NULL if there is
 * none. A file of @max bytes or more is refused as not sfbctl's.
 */
int sfb_runstate_read(const struct sfb_runstate *rs, size_t max, char **text);

/*
 * The value of the cookie line in @text belongs to this namespace (or one
 * of the two cookies is unknown).
 */
bool sfb_runstate_ours(const struct sfb_runstate *rs, uint64_t theirs);

/*
 * Replace the file atomically with @comment as its first line, the cookie
 * line, then what @write writes (to a new file, renamed over the old).
 */
int sfb_runstate_write(const struct sfb_runstate *rs, const char *comment,
		       void (*write)(FILE *f, const void *arg),
		       const void *arg);

int sfb_runstate_remove(const struct sfb_runstate *rs);

/* "WHO: cannot DOING PATH: ERR" on stderr; returns SFBCTL_EXIT_ERROR. */
int sfb_runstate_failed(const struct sfb_runstate *rs, const char *doing,
			const char *path, int err);

#endif
