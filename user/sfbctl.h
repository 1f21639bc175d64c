/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl: the command table and the exit codes every command uses.
 */
#ifndef SFBCTL_H
#define SFBCTL_H

#include <stdbool.h>

#ifndef ARRAY_SIZE	/* kselftest.h, in the unit tests, has its own */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Documented in sfbctl(8); scripts depend on them. */
enum sfbctl_exit {
	SFBCTL_EXIT_OK = 0,
	SFBCTL_EXIT_ERROR = 1,		/* bad input, or a command failed */
	SFBCTL_EXIT_USAGE = 2,		/* bad command line */
	SFBCTL_EXIT_NO_MODULE = 3,	/* the sfb genl family is missing */
	SFBCTL_EXIT_KERNEL = 4,		/* the kernel rejected a request */
};

/* Where load puts a policy, and what flush removes (--backend). */
enum sfb_backend {
	SFB_BACKEND_AUTO,	/* the module if it loads, else nft */
	SFB_BACKEND_MODULE,	/* nf_sfb */
	SFB_BACKEND_NFT,	/* table inet sfb (nft.h) */
};

struct sfbctl_command {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *summary;
	const char *usage;		/* "sfbctl NAME ..." lines for help */
};

extern const char *prog;

int cmd_check(int argc, char *argv[]);
int cmd_export(int argc, char *argv[]);
int cmd_flush(int argc, char *argv[]);
int cmd_load(int argc, char *argv[]);
int cmd_match(int argc, char *argv[]);
int cmd_monitor(int argc, char *argv[]);
int cmd_report(int argc, char *argv[]);
int cmd_show(int argc, char *argv[]);
int cmd_stats(int argc, char *argv[]);
int cmd_version(int argc, char *argv[]);

/* Print NAME's usage to stderr and return SFBCTL_EXIT_USAGE. */
int usage_error(const char *name);

/* Options of a command that takes -j/--json, -p/--pretty and nothing else: 0 or -1. */
int sfbctl_json_opts_only(int argc, char *argv[]);

/* Run the command line ARGV ("sfbctl", COMMAND, ARGS...). */
int sfbctl_main(int argc, char *argv[]);

#endif
