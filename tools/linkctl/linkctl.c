/*
 * linkctl: the command-line writer of the link store.
 *
 * It owns every change to the store's data -- colleagues, campaigns, links --
 * and the checks made before anything is written: the daemon only reads and
 * trusts what it finds (bar target_servable()).  Each command that writes is
 * ONE write transaction (txn.c), so it is safe while redirectd serves.
 *
 * This file is main(): the options before the command, then the command
 * looked up in the tables below and run (commands.h).  The command line is
 * public (scripts use it): names, flags, output and messages stay as they
 * are.  Exit status: 0 done, 1 refused or failed (a "linkctl: ..." line on
 * stderr), 2 usage error.
 */
#include "args.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "txn.h"

#include "version.h"     /* REDIRECTD_VERSION, from meson.build */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A command, or a family of subcommands (staff, campaign). */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);   /* argv[0]: name */
	const struct command *sub;           /* a family's, NULL-ended */
};

static int help_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	args_help(stdout);
	return 0;
}

static const struct command staff_commands[] = {
	{ "add", staff_add_main, NULL },
	{ "import", staff_import_main, NULL },
	{ "list", staff_list_main, NULL },
	{ "set", staff_set_main, NULL },
	{ NULL, NULL, NULL },
};

static const struct command campaign_commands[] = {
	{ "create", campaign_create_main, NULL },
	{ "posts", campaign_posts_main, NULL },
	{ "list", campaign_list_main, NULL },
	{ "disable", campaign_change_main, NULL },
	{ "enable", campaign_change_main, NULL },
	{ "retarget", campaign_change_main, NULL },
	{ "click-id", campaign_change_main, NULL },
	{ NULL, NULL, NULL },
};

static const struct command commands[] = {
	{ "staff", NULL, staff_commands },
	{ "mint", mint_main, NULL },
	{ "import", import_main, NULL },
	{ "list", list_main, NULL },
	{ "disable", toggle_main, NULL },
	{ "enable", toggle_main, NULL },
	{ "click-id", toggle_main, NULL },
	{ "campaign", NULL, campaign_commands },
	{ "qr", qr_main, NULL },
	{ "backup", backup_main, NULL },
	{ "verify", verify_main, NULL },
	{ "help", help_main, NULL },
	{ NULL, NULL, NULL },
};

/* The names of a family's subcommands for a message: "a, b or c" with
 * or_last, else "a, b, c". */
static const char *names(const struct command *t, int or_last)
{
	static char out[200];
	size_t o = 0;
	for (const struct command *c = t; c->name && o < sizeof out; c++) {
		const char *sep = c == t ? "" : or_last && !c[1].name ? " or " : ", ";
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", sep, c->name);
	}
	return out;
}

static const struct command *find(const struct command *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* argv[0]: a family's name; argv[1]: the subcommand. */
static int run_family(const struct command *family, int argc, char **argv)
{
	if (argc < 2)
		return msg_usage_error("%s: expected %s", family->name,
		                       names(family->sub, 1));
	const char *sub = argv[1];
	const struct command *c = find(family->sub, sub);
	if (c)
		return c->run(argc - 1, argv + 1);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)
		return help_main(argc, argv);
	return msg_usage_error("%s: unknown subcommand '%s' (%s)", family->name,
	                       msg_shows(sub), names(family->sub, 0));
}

int main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "db", required_argument, NULL, ARGS_DB },
		{ "config", required_argument, NULL, ARGS_CONFIG },
		{ "short-host", required_argument, NULL, ARGS_SHORT_HOST },
		{ "help", no_argument, NULL, ARGS_HELP },
		{ "version", no_argument, NULL, ARGS_VERSION },
		{ 0, 0, 0, 0 },
	};
	out_prog = "linkctl";

	/* '+': stop at the command; its own options are parsed by it. */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:hc:", global, NULL)) != -1) {
		int rc = args_global(c, optarg);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case 'h':
		case ARGS_HELP: return help_main(argc, argv);
		case ARGS_VERSION:
			printf("linkctl " REDIRECTD_VERSION "\n");
			return msg_flush();
		case ':':
			return msg_usage_error("option %s needs a value",
			                       argv[optind - 1]);
		default:
			return msg_usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return msg_usage_error("no command");
	const struct command *cmd = find(commands, argv[optind]);
	if (!cmd)
		return msg_usage_error("unknown command '%s'",
		                       msg_shows(argv[optind]));
	if (cmd->sub)
		return run_family(cmd, argc - optind, argv + optind);
	return cmd->run(argc - optind, argv + optind);
}
