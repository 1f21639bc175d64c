// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl: the command table and dispatcher. Each command lives in its own
 * file; main() is in main.c so that tests link everything else.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "sfbctl.h"

const char *prog = "sfbctl";

static const struct sfbctl_command commands[] = {
	{ "check", cmd_check, "parse, resolve and lint a configuration file",
	  "sfbctl check [-j] [-p] [-v|--verbose] FILE" },
	{ "export", cmd_export, "write a configuration as a firewall report or as firewall rules",
	  "sfbctl export --format csv|markdown|nft|ipset|iptables|ip6tables|xfrm [--role ROLE]...\n"
	  "              FILE" },
	{ "flush", cmd_flush, "remove the loaded ruleset",
	  "sfbctl flush [--backend auto|module|nft]" },
	{ "load", cmd_load,
	  "load a configuration into nf_sfb atomically, or only have the kernel check it",
	  "sfbctl load [-c|--check] [-v|--verbose] [--force] [--sysctl]\n"
	  "            [--backend auto|module|nft] FILE" },
	{ "match", cmd_match, "what the loaded ruleset would do with a packet",
	  "sfbctl match [-j] [-p] tcp|udp from ADDR port PORT to ADDR port PORT" },
	{ "monitor", cmd_monitor,
	  "print denials and ruleset changes as they happen",
	  "sfbctl monitor [-j|--json] [-p|--pretty] [--count N] [--timeout S]" },
	{ "report", cmd_report,
	  "report the traffic per catalogue row: rows hit, never hit, top denials",
	  "sfbctl report [-j] [-p] [--format text|markdown|csv] [--events FILE] [--top N]\n"
	  "              [--since TIME|load] [FILE]" },
	{ "show", cmd_show, "print the loaded ruleset as a configuration file",
	  "sfbctl show [-j|--json] [-p|--pretty]" },
	{ "stats", cmd_stats, "print per-role and per-rule counters, optionally zeroing them",
	  "sfbctl stats [-j|--json] [-p|--pretty] [-z|--zero]" },
	{ "version", cmd_version,
	  "show the versions of sfbctl, nf_sfb and its UAPI, and the limits",
	  "sfbctl version [-j|--json] [-p|--pretty]" },
};

#define N_COMMANDS ARRAY_SIZE(commands)

static const struct sfbctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* An unknown command: say so, and which one was meant if one is close. */
static int unknown_command(const char *name)
{
	const char *names[N_COMMANDS + 1];
	const char *hint;

	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	names[N_COMMANDS] = "help";
	hint = sfb_suggest(name, names, N_COMMANDS + 1);
	if (hint)
		fprintf(stderr, "sfb: unknown command '%s'; did you mean '%s'?\n",
			name, hint);
	else
		fprintf(stderr, "sfb: unknown command '%s' (see '%s --help')\n",
			name, prog);
	return SFBCTL_EXIT_USAGE;
}

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [ARGS...]\n"
		   "       %s help COMMAND\n\nCommands:\n", prog, prog);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\nExit status: 0 ok, 1 error, 2 usage, 3 nf_sfb not loaded, 4 rejected by the kernel.\n");
}

int usage_error(const char *name)
{
	const struct sfbctl_command *cmd = find_command(name);

	fprintf(stderr, "usage: %s\n", cmd ? cmd->usage : "sfbctl COMMAND");
	return SFBCTL_EXIT_USAGE;
}

int sfbctl_json_opts_only(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, SFB_JSON_SHORTOPTS, opts, NULL)) != -1)
		if (!sfb_json_option(c))
			return -1;
	return optind == argc ? 0 : -1;
}

static int command_help(const struct sfbctl_command *cmd)
{
	printf("usage: %s\n\n%s\n(see %s(8))\n", cmd->usage, cmd->summary,
	       prog);
	return SFBCTL_EXIT_OK;
}

static int help(int argc, char *argv[])
{
	const struct sfbctl_command *cmd;

	if (argc < 2) {
		show_usage(stdout);
		return SFBCTL_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	return cmd ? command_help(cmd) : unknown_command(argv[1]);
}

/* -h or --help among a command's options (before any "--"). */
static bool asks_help(int argc, char *argv[])
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int sfbctl_main(int argc, char *argv[])
{
	const struct sfbctl_command *cmd;

	if (argc < 2) {
		show_usage(stderr);
		return SFBCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);

	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	if (asks_help(argc - 1, argv + 1))
		return command_help(cmd);
	return cmd->run(argc - 1, argv + 1);
}
