/* args: linkctl's shared command line.  See args.h. */
#include "args.h"

#include "conf.h"
#include "msg.h"
#include "policy.h"
#include "txn.h"

#include <string.h>

const struct option args_shared_only[] = { ARGS_COMMON, { 0, 0, 0, 0 } };

void args_help(FILE *f)
{
	fputs(
	"usage: linkctl [--db DIR] [-c FILE] [--short-host HOST]... COMMAND [ARGS]\n"
	"\n"
	"Writes the link store that redirectd serves.  DIR defaults to\n"
	"$REDIRECTD_DB, else db in the configuration (-c FILE), else\n"
	TXN_STORE_DEFAULT ".\n"
	"\n"
	"commands:\n"
	"  staff add HANDLE --name NAME [--team TEAM] [--email EMAIL] [--no-mail]\n"
	"  staff import FILE|-       CSV with the header handle,name,team,email\n"
	"                            and optionally mail (yes or no)\n"
	"  staff list [--format tsv|json]\n"
	"  staff set HANDLE [--mail | --no-mail] [--name NAME] [--team TEAM]\n"
	"       [--email EMAIL]      change a colleague; --no-mail: campaign\n"
	"                            posts --send does not mail them\n"
	"  mint --staff HANDLE --url URL [--campaign NAME] [--code CODE]\n"
	"       [--status 301|302|307|308] [--click-id]\n"
	"                            prints the new code\n"
	"  import [FILE|-]           TSV lines: code, staff, campaign, url\n"
	"                            (empty code: a random one); all or nothing\n"
	"  list [--staff HANDLE] [--campaign NAME] [--format tsv|json]\n"
	"  disable CODE\n"
	"  enable CODE\n"
	"  click-id CODE on|off      the link's click ids (not off in a\n"
	"                            campaign with them)\n"
	"  campaign create NAME [--url URL] [--team TEAM] [--utm] [--base-url URL]\n"
	"       [--csv-raw] [--qr DIR] [--click-id]\n"
	"                            a link for every colleague (of TEAM)\n"
	"                            who has none in NAME yet; prints CSV\n"
	"                            staff,name,code,short_url for all of them\n"
	"  campaign posts NAME --template FILE [--base-url URL] [--staff H,..]\n"
	"       (--out DIR | --mbox FILE|- [--from ADDR] | --send [--from ADDR]\n"
	"       [--mailer CMD] [--resend] [--id TEXT] [--dry-run] [--ledger DIR])\n"
	"       [--log DIR]... [--last SPAN] [--qr DIR]\n"
	"                            the template ({name} {first_name} {link}\n"
	"                            {campaign} {team}, with --qr {qr}; {{ and\n"
	"                            }}: braces) for every colleague:\n"
	"                            DIR/HANDLE.txt, an mbox, or mailed once\n"
	"                            each (a first line 'Subject: ...' is the\n"
	"                            subject); with --log, their figures in\n"
	"                            the click log over --last\n"
	"                            (7d): {visitors} {clicks} {rank} {ranked}\n"
	"                            {team_rank} {top_platform} {advice}\n"
	"                            {leaderboard}; against the window before\n"
	"                            it: {change} {rank_change}\n"
	"  campaign list [--format tsv|json]\n"
	"  campaign disable NAME     all its links (410, or disabled_status)\n"
	"  campaign enable NAME      the links campaign disable disabled\n"
	"  campaign retarget NAME --url URL [--utm | --no-utm]\n"
	"                            all its links to URL (--utm: tagged)\n"
	"  campaign click-id NAME on|off\n"
	"                            click ids for the campaign and all its\n"
	"                            links, now and to come\n"
	"  qr CODE [--base-url URL] [--format svg|png] [--size PX]\n"
	"       [--output FILE]      the link's short URL as a QR code (level M,\n"
	"                            quiet zone of 4); PX: its width (default\n"
	"                            8 a module; at least 1 a module)\n"
	"  backup DEST               a compacted copy of the store, taken while\n"
	"                            it serves; DEST must not exist or be empty\n"
	"  verify                    (the store of --db) exit 1 naming each\n"
	"                            record that does not decode or index\n"
	"                            that disagrees\n"
	"\n"
	"options:\n"
	"  --db DIR      the store's directory\n"
	"  -c, --config FILE\n"
	"                redirectd.conf: mint, import and campaign refuse\n"
	"                targets on its short_hosts and base_url's host (our\n"
	"                own short domains: a loop); campaign posts takes\n"
	"                base_url, mailer and mail_from from it, qr its\n"
	"                base_url, and the store comes from its db when\n"
	"                --db is not given; default:\n"
	"                $REDIRECTD_CONF, else " CONF_DEFAULT "\n"
	"                if it exists\n"
	"  --short-host HOST\n"
	"                refuse targets on HOST too (repeatable)\n"
	"  --base-url URL\n"
	"                campaign, qr: where short links live (e.g.\n"
	"                https://go.example.org); default: base_url from -c FILE\n"
	"  --utm         campaign: tag targets with utm_source=advocacy,\n"
	"                utm_medium=social, utm_campaign=NAME, utm_content=HANDLE\n"
	"  --click-id    mint, campaign create: the link's redirects carry\n"
	"                the click's id (redirectd's click_id_param, default\n"
	"                rd_click) for the target to report outcomes; a\n"
	"                campaign's later links inherit it\n"
	"  --csv-raw     campaign create: names as they are (by default a name\n"
	"                a spreadsheet would run as a formula, starting with\n"
	"                = + - @, tab or CR, is written as text: a ' before it)\n"
	"  --qr DIR      campaign create: writes DIR/HANDLE.svg, each\n"
	"                colleague's QR code; campaign posts: {qr} is its path\n"
	"  -h, --help    this text\n"
	"  --version     print the version\n"
	"\n"
	"Exit status: 0 done, 1 refused or failed, 2 usage error.\n", f);
}

int args_global(int code, const char *value)
{
	switch (code) {
	case ARGS_DB: txn_store_dir(value); return 0;
	case 'c':
	case ARGS_CONFIG: conf_file(value); return 0;
	case ARGS_SHORT_HOST: return policy_short_host(value);
	default: return -1;
	}
}

static void positional(struct args *a, const char *v)
{
	if (a->npos < ARGS_POS_MAX)
		a->pos[a->npos] = v;
	a->npos++;
}

/*
 * The leading '-' in the option string makes getopt hand back positionals
 * in place (as option 1), which also works under POSIXLY_CORRECT, where
 * plain permuting would stop at the first positional.
 */
int args_parse(int argc, char **argv, const char *cmd, const struct option *lo,
               void *opts, struct args *a)
{
	int c, help = 0, li = 0;
	memset(a, 0, sizeof *a);
	optind = 0;   /* glibc: full re-initialisation for a new argv */
	opterr = 0;   /* our own messages, with the command's name */
	while ((c = getopt_long(argc, argv, "-:hc:", lo, &li)) != -1) {
		int rc = args_global(c, optarg);
		if (rc == EXIT_USAGE)
			return rc;
		if (rc == 0)
			continue;
		switch (c) {
		case 1: positional(a, optarg); break;
		case 'h':
		case ARGS_HELP: help = 1; break;
		case ':':
			return msg_usage_error("%s: option %s needs a value", cmd,
			                       argv[optind - 1]);
		default:
			if (c >= ARGS_OWN_MANY && opts) {
				struct args_many *m = (struct args_many *)
					((char *)opts + (c - ARGS_OWN_MANY));
				if (m->n == ARGS_MANY_MAX)
					return msg_usage_error("%s: --%s given more "
					                       "than %d times", cmd,
					                       lo[li].name,
					                       ARGS_MANY_MAX);
				m->v[m->n++] = optarg;
				break;
			}
			if (c >= ARGS_OWN && opts) {
				/* ARGS_FIELD: the member's offset. */
				*(const char **)((char *)opts + (c - ARGS_OWN)) =
					optarg ? optarg : "";
				break;
			}
			return msg_usage_error("%s: unknown option %s", cmd,
			                       argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		positional(a, argv[optind]);
	if (help) {
		args_help(stdout);
		return 0;
	}
	return ARGS_RUN;
}
