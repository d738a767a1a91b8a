/*
 * args: the command line every linkctl command shares -- the --help text,
 * the options any command takes (--db, -c/--config, --short-host, --help),
 * and the parser a command runs over its own table of options, which
 * fills the command's own options struct.  Options and
 * positional arguments come in any order; whatever follows "--" is
 * positional.  What an option means is its command's business.
 */
#ifndef REDIRECTD_LINKCTL_ARGS_H
#define REDIRECTD_LINKCTL_ARGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* The codes of the shared options; a command's own are ARGS_FIELD's. */
enum {
	ARGS_DB = 0x100, ARGS_CONFIG, ARGS_SHORT_HOST, ARGS_HELP, ARGS_VERSION,
	ARGS_OWN
};

/*
 * The code of one of the command's own options in its table: the member
 * of the command's options struct that receives it, which must be a
 * const char * (anything else does not compile): the value, "" for a flag
 * given, NULL when absent.
 */
#define ARGS_FIELD(type, member) \
	_Generic(((type *)0)->member, \
	         const char *: ARGS_OWN + (int)offsetof(type, member))

/* A repeatable option's values, in the order given. */
#define ARGS_MANY_MAX 64
struct args_many {
	const char *v[ARGS_MANY_MAX];
	int n;
};

/* The code of a repeatable option in a command's table: the member, a
 * struct args_many, receives every value (more than ARGS_MANY_MAX is a
 * usage error). */
#define ARGS_OWN_MANY 0x10000
#define ARGS_MANY(type, member) \
	_Generic(((type *)0)->member, \
	         struct args_many: ARGS_OWN_MANY + (int)offsetof(type, member))

/* The options every command takes: first in each command's table. */
#define ARGS_COMMON \
	{ "db", required_argument, NULL, ARGS_DB }, \
	{ "config", required_argument, NULL, ARGS_CONFIG }, \
	{ "short-host", required_argument, NULL, ARGS_SHORT_HOST }, \
	{ "help", no_argument, NULL, ARGS_HELP }

/* The table of a command without options of its own. */
extern const struct option args_shared_only[];

/* Positional arguments kept; more are counted in npos only. */
#define ARGS_POS_MAX 4

struct args {
	int npos;
	const char *pos[ARGS_POS_MAX];
};

/* args_parse's "go on: run the command". */
#define ARGS_RUN (-1)

/*
 * Parse argv (argv[0]: the command's name) with the options of table lo:
 * shared ones are handled here, the command's own stored in its options
 * struct opts (NULL when lo has none), positionals collected in *a.  cmd
 * names the command in messages ("staff add").  Returns ARGS_RUN, or the
 * exit status to end with: 0 after printing --help, EXIT_USAGE after a
 * usage error (reported).
 */
int args_parse(int argc, char **argv, const char *cmd, const struct option *lo,
               void *opts, struct args *a);

/* A shared option that main() meets before the command (code as getopt
 * gave it, 'c' included): 0 when taken, EXIT_USAGE after a usage error
 * (reported), -1 when code is not one of them. */
int args_global(int code, const char *value);

/* The --help text. */
void args_help(FILE *f);

#endif
