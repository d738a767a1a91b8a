/*
 * linkctl: the command-line writer of the link store.
 *
 * It owns every change to the store's data -- colleagues, campaigns, links --
 * and the checks made before anything is written: the daemon only reads and
 * trusts what it finds (bar target_servable()).  Each command that writes is
 * ONE LMDB write transaction with the default durable commit, so it is safe
 * while redirectd serves: readers see the store as it was before a command
 * or after it, never half of it, and a refused command leaves it unchanged.
 *
 * The command line is public (scripts use it): names, flags, output and
 * messages stay as they are.  Exit status: 0 done, 1 refused or failed (a
 * "linkctl: ..." line on stderr), 2 usage error.
 */
#include "campaign.h"
#include "codes.h"
#include "config.h"
#include "linkctl.h"
#include "out.h"
#include "store.h"
#include "target.h"

#include "version.h"     /* REDIRECTD_VERSION, from meson.build */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Map growths per command before giving up: 2^24 times the start size is
 * more address space than any machine has, so hitting this means a bug. */
#define MAX_GROWS 24
#define RANDOM_TRIES 16

#define HANDLE_MAX 64
#define NAME_MAX_BYTES 200
#define EMAIL_MAX 254
#define CAMPAIGN_MAX 100

static const char *db_dir;

/* The target policy's own hosts: short_hosts from -c FILE, read by the
 * commands that check targets, and every --short-host. */
#define SHORT_HOST_ARGS_MAX 64
static const char *config_path;
static char short_host_args[SHORT_HOST_ARGS_MAX][CONFIG_HOST_MAX];
static unsigned n_short_host_args;
/* --base-url, and base_url from -c FILE (read by linkctl_policy). */
static char base_url_arg[CONFIG_STR_MAX], base_url_conf[CONFIG_STR_MAX];

/* ---------------------------------------------------------------- usage */

void linkctl_usage(FILE *f)
{
	fputs(
	"usage: linkctl [--db DIR] [-c FILE] [--short-host HOST]... COMMAND [ARGS]\n"
	"\n"
	"Writes the link store that redirectd serves.  DIR defaults to\n"
	"$REDIRECTD_DB, else /var/lib/redirectd/db.\n"
	"\n"
	"commands:\n"
	"  staff add HANDLE --name NAME [--team TEAM] [--email EMAIL]\n"
	"  staff import FILE|-       CSV with the header handle,name,team,email\n"
	"  staff list [--format tsv|json]\n"
	"  mint --staff HANDLE --url URL [--campaign NAME] [--code CODE]\n"
	"       [--status 301|302|307|308]   prints the new code\n"
	"  import [FILE|-]           TSV lines: code, staff, campaign, url\n"
	"                            (empty code: a random one); all or nothing\n"
	"  list [--staff HANDLE] [--campaign NAME] [--format tsv|json]\n"
	"  disable CODE\n"
	"  enable CODE\n"
	"  campaign create NAME [--url URL] [--team TEAM] [--utm] [--base-url URL]\n"
	"                            a link for every colleague (of TEAM) who has\n"
	"                            none in NAME yet; prints CSV\n"
	"                            staff,name,code,short_url for all of them\n"
	"  campaign posts NAME --template FILE [--base-url URL]\n"
	"       (--out DIR | --mbox FILE|- --from 'NAME <ADDR>')\n"
	"                            the template ({name} {first_name} {link}\n"
	"                            {campaign} {team}; {{ and }}: braces) for\n"
	"                            every colleague: DIR/HANDLE.txt, or an mbox\n"
	"                            (a first line 'Subject: ...' is the subject)\n"
	"  campaign list [--format tsv|json]\n"
	"  campaign disable NAME     all its links (410, or disabled_status)\n"
	"  campaign enable NAME      the links campaign disable disabled\n"
	"  campaign retarget NAME --url URL [--utm | --no-utm]\n"
	"                            all its links to URL (--utm: tagged)\n"
	"\n"
	"options:\n"
	"  --db DIR      the store's directory\n"
	"  -c, --config FILE\n"
	"                redirectd.conf: mint and import refuse targets on its\n"
	"                short_hosts (our own short domains: a loop)\n"
	"  --short-host HOST\n"
	"                refuse targets on HOST too (repeatable)\n"
	"  --base-url URL\n"
	"                campaign: where short links live (e.g.\n"
	"                https://go.example.org); default: base_url from -c FILE\n"
	"  --utm         campaign: tag targets with utm_source=advocacy,\n"
	"                utm_medium=social, utm_campaign=NAME, utm_content=HANDLE\n"
	"  -h, --help    this text\n"
	"  --version     print the version\n"
	"\n"
	"Exit status: 0 done, 1 refused or failed, 2 usage error.\n", f);
}

int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out_err("%s (see linkctl --help)", msg);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------ arguments */

/* The OPT_* codes, struct args and COMMON_OPTS are in linkctl.h. */

static const struct option opts_plain[] = {
	COMMON_OPTS, { 0, 0, 0, 0 } };
static const struct option opts_staff_add[] = {
	COMMON_OPTS,
	{ "name", required_argument, NULL, OPT_NAME },
	{ "team", required_argument, NULL, OPT_TEAM },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ 0, 0, 0, 0 } };
static const struct option opts_format[] = {
	COMMON_OPTS,
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ 0, 0, 0, 0 } };
static const struct option opts_mint[] = {
	COMMON_OPTS,
	{ "staff", required_argument, NULL, OPT_STAFF },
	{ "url", required_argument, NULL, OPT_URL },
	{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
	{ "code", required_argument, NULL, OPT_CODE },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ 0, 0, 0, 0 } };
static const struct option opts_list[] = {
	COMMON_OPTS,
	{ "staff", required_argument, NULL, OPT_STAFF },
	{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ 0, 0, 0, 0 } };

/* --short-host HOST (or a comma list): checked and folded like the
 * short_hosts directive.  Returns 0 or EXIT_USAGE. */
static int short_host_arg(const char *v)
{
	static struct config scratch;
	char err[200];
	if (config_set(&scratch, "short_hosts", v, err, sizeof err) < 0)
		return usage_error("--short-host: %s", err);
	for (unsigned i = 0; i < scratch.n_short_hosts; i++) {
		if (n_short_host_args == SHORT_HOST_ARGS_MAX)
			return usage_error("more than %d --short-host hosts",
			                   SHORT_HOST_ARGS_MAX);
		strcpy(short_host_args[n_short_host_args++],
		       scratch.short_hosts[i]);
	}
	return 0;
}

/*
 * Parse a command's options and positional arguments, in any order.  The
 * leading '-' in the option string makes getopt hand back positionals in
 * place (as option 1), which also works under POSIXLY_CORRECT, where plain
 * permuting would stop at the first positional.  Returns 0 or EXIT_USAGE.
 */
int linkctl_args(int argc, char **argv, const char *cmd,
                 const struct option *lo, struct args *a)
{
	memset(a, 0, sizeof *a);
	optind = 0;   /* glibc: full re-initialisation for a new argv */
	opterr = 0;   /* our own messages, with the command's name */
	int c;
	while ((c = getopt_long(argc, argv, "-:hc:", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
		case OPT_CONFIG: config_path = optarg; break;
		case OPT_SHORT_HOST:
			if (short_host_arg(optarg))
				return EXIT_USAGE;
			break;
		case 1:
			if (a->npos < MAXPOS)
				a->pos[a->npos] = optarg;
			a->npos++;
			break;
		case 'h':
		case OPT_HELP: a->help = 1; break;
		case OPT_DB: db_dir = optarg; break;
		case OPT_NAME: a->name = optarg; break;
		case OPT_TEAM: a->team = optarg; break;
		case OPT_EMAIL: a->email = optarg; break;
		case OPT_STAFF: a->staff = optarg; break;
		case OPT_URL: a->url = optarg; break;
		case OPT_CAMPAIGN: a->campaign = optarg; break;
		case OPT_CODE: a->code = optarg; break;
		case OPT_STATUS: a->status = optarg; break;
		case OPT_FORMAT: a->format = optarg; break;
		case OPT_BASE_URL: a->base_url = optarg; break;
		case OPT_UTM: a->utm = 1; break;
		case OPT_NO_UTM: a->no_utm = 1; break;
		case OPT_TEMPLATE: a->template = optarg; break;
		case OPT_OUT: a->out = optarg; break;
		case OPT_MBOX: a->mbox = optarg; break;
		case OPT_FROM: a->from = optarg; break;
		case ':':
			return usage_error("%s: option %s needs a value", cmd,
			                   argv[optind - 1]);
		default:
			return usage_error("%s: unknown option %s", cmd,
			                   argv[optind - 1]);
		}
	}
	/* Whatever follows "--" is positional. */
	for (; optind < argc; optind++) {
		if (a->npos < MAXPOS)
			a->pos[a->npos] = argv[optind];
		a->npos++;
	}
	return 0;
}

/* 0 for tsv (the default), 1 for json, -1 for anything else. */
int linkctl_format(const char *f)
{
	if (!f || strcmp(f, "tsv") == 0)
		return 0;
	if (strcmp(f, "json") == 0)
		return 1;
	return -1;
}

/* ----------------------------------------------------- value checks */

/*
 * A value echoed in a message: control characters become '?' (a pasted
 * escape sequence must not drive the terminal) and long values are cut.
 * Four rotating buffers, so one message can show several values.
 */
const char *show(const char *s, size_t n)
{
	static char bufs[4][100];
	static int next;
	char *b = bufs[next++ & 3];
	size_t max = sizeof bufs[0] - 4, o = 0;
	for (size_t i = 0; i < n && o < max; i++) {
		unsigned char c = (unsigned char)s[i];
		b[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n > max)
		memcpy(b + o, "...", 3), o += 3;
	b[o] = '\0';
	return b;
}

const char *shows(const char *s)
{
	return show(s, strlen(s));
}

/* 1 when s[0..n) is valid UTF-8 without control characters: what the
 * name-like fields may hold (they end up in JSON and in terminals). */
int text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		size_t need;
		if (c >= 0xc2 && c <= 0xdf)
			need = 2;
		else if (c >= 0xe0 && c <= 0xef)
			need = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 4;
		else
			return 0;
		if (n - i < need)
			return 0;
		for (size_t k = 1; k < need; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		i += need;
	}
	return 1;
}

#define HANDLE_RULE "1-64 characters of a-z 0-9 . _ -, starting with a letter or digit"

/* Fold a handle to lower case into out[HANDLE_MAX + 1]; 0 when it is not
 * a valid handle.  Folding makes "Alice" and "alice" one colleague. */
static int handle_fold(const char *in, size_t n, char *out)
{
	if (n == 0 || n > HANDLE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
		out[i] = c;
	}
	out[n] = '\0';
	return 1;
}

/* Checks of a colleague's fields: NULL when fine, else the rule broken. */
static const char *check_name(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_BYTES || !text_ok(s, n))
		return "invalid name: 1-200 bytes of UTF-8 text, no control characters";
	return NULL;
}

static const char *check_team(const char *s, size_t n)
{
	if (n > NAME_MAX_BYTES || !text_ok(s, n))
		return "invalid team: at most 200 bytes of UTF-8 text, no control characters";
	return NULL;
}

static const char *check_email(const char *s, size_t n)
{
	static const char rule[] =
		"invalid email: one '@' with text on both sides, no spaces or control characters";
	if (n == 0)
		return NULL;   /* optional */
	if (n > EMAIL_MAX || !text_ok(s, n))
		return rule;
	const char *at = memchr(s, '@', n);
	if (!at || at == s || at == s + n - 1 ||
	    memchr(at + 1, '@', (size_t)(s + n - at - 1)) || memchr(s, ' ', n))
		return rule;
	return NULL;
}

int campaign_ok(const char *s, size_t n)
{
	return n >= 1 && n <= CAMPAIGN_MAX && text_ok(s, n) && !memchr(s, '/', n);
}

#define CODE_RULE "invalid code: 1-64 characters of A-Z a-z 0-9 _ -"

/* ------------------------------------------------------------- the store */

/* Report rc from operation op, unless it is MDB_MAP_FULL, which the write
 * loop handles by growing the map and redoing the transaction. */
int op_fail(int rc, const char *op)
{
	if (rc == 0 || rc == MDB_MAP_FULL)
		return rc;
	out_err("%s: %s", op, mdb_strerror(rc));
	return FAILED;
}

/*
 * Open the store.  Readers must not create it (a typo in --db would leave
 * an empty store behind), so they first look for data.mdb; writers create
 * the directory and the schema.  Returns 0 or EXIT_REFUSED (reported).
 */
int linkctl_open(struct store *s, int write)
{
	if (!write) {
		char path[4096];
		struct stat st;
		int n = snprintf(path, sizeof path, "%s/data.mdb", db_dir);
		if (n < 0 || (size_t)n >= sizeof path) {
			out_err("store directory name too long");
			return EXIT_REFUSED;
		}
		if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
			out_err("no store at %s", db_dir);
			return EXIT_REFUSED;
		}
	}
	int rc = store_open(s, db_dir, write ? STORE_CREATE : STORE_RDONLY);
	if (rc == MDB_VERSION_MISMATCH) {
		out_err("store_open %s: %s (the store has another schema than %d)",
		        db_dir, mdb_strerror(rc), STORE_SCHEMA);
		return EXIT_REFUSED;
	}
	if (rc) {
		out_err("store_open %s: %s", db_dir, mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	/* Test hook, not an interface: start writers with a tiny map so the
	 * tests reach the grow-and-redo path.  LMDB rounds the size up to the
	 * data already stored. */
	const char *t = getenv("LINKCTL_TEST_MAPSIZE");
	if (write && t && *t) {
		rc = mdb_env_set_mapsize(s->env, (size_t)strtoull(t, NULL, 10));
		if (rc) {
			out_err("mdb_env_set_mapsize: %s", mdb_strerror(rc));
			store_close(s);
			return EXIT_REFUSED;
		}
	}
	/* Test hook: a ceiling under STORE_MAPSIZE_RO, so tests reach a full
	 * store quickly. */
	t = getenv("LINKCTL_TEST_MAXMAP");
	if (write && t && *t) {
		MDB_envinfo info;
		s->map_max = (size_t)strtoull(t, NULL, 10);
		if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_max)
			mdb_env_set_mapsize(s->env, s->map_max);
	}
	return 0;
}

/* Begin a transaction, adopting a map another process grew meanwhile and
 * clearing reader slots of dead processes when the table is full. */
int linkctl_begin(struct store *s, unsigned flags, MDB_txn **txn)
{
	int rc = 0;
	for (int tries = 0; tries < 3; tries++) {
		rc = mdb_txn_begin(s->env, NULL, flags, txn);
		if (rc == MDB_MAP_RESIZED) {
			int rc2 = mdb_env_set_mapsize(s->env, 0);
			if (rc2) {
				out_err("mdb_env_set_mapsize: %s", mdb_strerror(rc2));
				return rc2;
			}
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			int dead;
			mdb_reader_check(s->env, &dead);
			continue;
		}
		break;
	}
	if (rc)
		out_err("mdb_txn_begin: %s", mdb_strerror(rc));
	return rc;
}

/*
 * Run fn in one write transaction and commit it.  fn returns 0, FAILED
 * (it reported why), or MDB_MAP_FULL; on MDB_MAP_FULL (from fn or from the
 * commit) the transaction is aborted, the map doubled and fn run again from
 * the start: fn must therefore derive everything from arg's inputs and
 * reset its outputs.  Any failure aborts, so the store is left unchanged.
 * Returns 0 or EXIT_REFUSED.
 */
int linkctl_write(struct store *s, linkctl_txn_fn fn, void *arg)
{
	for (int grows = 0;; grows++) {
		MDB_txn *txn;
		if (linkctl_begin(s, 0, &txn))
			return EXIT_REFUSED;
		int rc = fn(txn, s, arg);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);   /* frees txn, even on error */
			if (rc == 0)
				return 0;
			if (rc != MDB_MAP_FULL) {
				out_err("mdb_txn_commit: %s", mdb_strerror(rc));
				return EXIT_REFUSED;
			}
		} else {
			mdb_txn_abort(txn);
			if (rc != MDB_MAP_FULL) {
				if (rc != FAILED)   /* a fn that forgot to say */
					out_err("write: %s", mdb_strerror(rc));
				return EXIT_REFUSED;
			}
		}
		if (grows == MAX_GROWS) {
			out_err("store still full after %d growths: %s", grows,
			        mdb_strerror(MDB_MAP_FULL));
			return EXIT_REFUSED;
		}
		/* No transaction is open now, as mdb_env_set_mapsize needs. */
		if ((rc = store_grow(s)) == MDB_MAP_FULL) {
			out_err("the store is full: it may not grow past %zu "
			        "bytes; nothing was written", s->map_max);
			return EXIT_REFUSED;
		}
		if (rc) {
			out_err("store_grow: %s", mdb_strerror(rc));
			return EXIT_REFUSED;
		}
	}
}

/* ------------------------------------------------------------- input */

/*
 * Read all of a file ("-": standard input) into a heap buffer with one
 * spare byte after the data (NUL).  Everything is parsed from memory, so
 * an import can be redone after the map grew.  *label is the name used in
 * messages.  Returns 0 or EXIT_REFUSED (reported).
 */
int linkctl_read_all(const char *path, char **buf, size_t *len,
                     const char **label)
{
	int fd = 0;
	*label = "stdin";
	if (path && strcmp(path, "-") != 0) {
		*label = path;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			out_err("open %s: %s", path, strerror(errno));
			return EXIT_REFUSED;
		}
	}
	struct stat st;
	size_t cap = 1 << 16, n = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 2;
	char *b = malloc(cap);
	if (!b)
		goto nomem;
	for (;;) {
		if (cap - n < 2) {
			char *nb = realloc(b, cap * 2);
			if (!nb)
				goto nomem;
			b = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			out_err("read %s: %s", *label, strerror(errno));
			free(b);
			if (fd)
				close(fd);
			return EXIT_REFUSED;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (fd)
		close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
nomem:
	out_err("reading %s: %s", *label, strerror(ENOMEM));
	free(b);
	if (fd)
		close(fd);
	return EXIT_REFUSED;
}

/* "linkctl: FILE:LINE: message" for a line of an input file, or
 * "linkctl: message" when file is NULL (a command-line value). */
static void line_err(const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line_err(const char *file, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (file)
		out_err("%s:%u: %s", file, line, msg);
	else
		out_err("%s", msg);
}

/*
 * A string -> u32 map for imports: open addressing, linear probing, keys
 * are views into the input buffer (which outlives the table).  One
 * allocation per doubling, none per line.
 */
struct ht_ent {
	const char *key;
	uint32_t len;
	uint32_t val;
};

struct ht {
	struct ht_ent *e;
	size_t cap, n;   /* cap: a power of two */
};

static uint64_t ht_hash(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;   /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static struct ht_ent *ht_slot(const struct ht *h, const char *k, size_t n)
{
	size_t i = (size_t)ht_hash(k, n) & (h->cap - 1);
	for (;; i = (i + 1) & (h->cap - 1)) {
		struct ht_ent *e = &h->e[i];
		if (!e->key || (e->len == n && memcmp(e->key, k, n) == 0))
			return e;
	}
}

/* 1 and *val when k is in the table. */
static int ht_get(const struct ht *h, const char *k, size_t n, uint32_t *val)
{
	if (!h->cap)
		return 0;
	struct ht_ent *e = ht_slot(h, k, n);
	if (!e->key)
		return 0;
	*val = e->val;
	return 1;
}

/* Insert or replace; 0, or ENOMEM. */
static int ht_put(struct ht *h, const char *k, size_t n, uint32_t val)
{
	if ((h->n + 1) * 2 > h->cap) {   /* keep the load under 1/2 */
		struct ht nh = { NULL, h->cap ? h->cap * 2 : 64, 0 };
		nh.e = calloc(nh.cap, sizeof *nh.e);
		if (!nh.e)
			return ENOMEM;
		for (size_t i = 0; i < h->cap; i++)
			if (h->e[i].key)
				*ht_slot(&nh, h->e[i].key, h->e[i].len) = h->e[i];
		nh.n = h->n;
		free(h->e);
		*h = nh;
	}
	struct ht_ent *e = ht_slot(h, k, n);
	if (!e->key)
		h->n++;
	e->key = k;
	e->len = (uint32_t)n;
	e->val = val;
	return 0;
}

static void ht_clear(struct ht *h)
{
	if (h->cap)
		memset(h->e, 0, h->cap * sizeof *h->e);
	h->n = 0;
}

static void ht_free(struct ht *h)
{
	free(h->e);
	memset(h, 0, sizeof *h);
}

/* ---------------------------------------------------------- output */

/* A TSV value: tabs and line breaks inside it would shift the columns. */
void put_tsv(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			fwrite(s + start, 1, i - start, stdout);
			putchar(' ');
			start = i + 1;
		}
	}
	fwrite(s + start, 1, n - start, stdout);
}

/* Flush stdout and report a failed write (a full disk must not look like
 * a complete listing). */
int linkctl_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		out_err("write to stdout: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}

/* ---------------------------------------------------------- staff */

static int txn_staff_add(MDB_txn *txn, struct store *s, void *arg)
{
	struct staff *st = arg;
	int rc = store_staff_add(txn, s, st);
	if (rc == MDB_KEYEXIST) {
		out_err("staff '%s' already exists", st->handle);
		return FAILED;
	}
	return op_fail(rc, "store_staff_add");
}

static int cmd_staff_add(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "staff add", opts_staff_add, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("staff add: expected one HANDLE");
	if (!a.name)
		return usage_error("staff add: --name is required");
	char handle[HANDLE_MAX + 1];
	const char *why;
	if (!handle_fold(a.pos[0], strlen(a.pos[0]), handle)) {
		out_err("invalid handle '%s': " HANDLE_RULE, shows(a.pos[0]));
		return EXIT_REFUSED;
	}
	const char *team = a.team ? a.team : "", *email = a.email ? a.email : "";
	if ((why = check_name(a.name, strlen(a.name))) ||
	    (why = check_team(team, strlen(team))) ||
	    (why = check_email(email, strlen(email)))) {
		out_err("%s", why);
		return EXIT_REFUSED;
	}
	struct staff st = {
		.handle = handle, .handle_len = strlen(handle),
		.name = a.name, .name_len = strlen(a.name),
		.team = team, .team_len = strlen(team),
		.email = email, .email_len = strlen(email),
	};
	struct store s;
	if ((rc = linkctl_open(&s, 1)))
		return rc;
	rc = linkctl_write(&s, txn_staff_add, &st);
	store_close(&s);
	return rc;
}

/* One CSV record of a staff import, fields unescaped in place. */
struct staff_row {
	unsigned line;
	char *f[4];
	size_t len[4];
};

#define CSV_HEADER "handle,name,team,email"

/*
 * Parse one RFC 4180 record at *pos: fields separated by ',', quoted
 * fields may hold ',', '"' (doubled) and line breaks, records end at LF or
 * CRLF.  Fields are unescaped in place (never longer than their source)
 * and NUL-terminated, which the spare byte after the buffer allows.
 * Stores up to 4 fields, counts all in *nf.  *line counts the LFs
 * consumed.  Returns NULL, or what is wrong.
 */
static const char *csv_record(char *buf, size_t len, size_t *pos,
                              unsigned *line, char **f, size_t *fl, int *nf)
{
	size_t i = *pos;
	*nf = 0;
	for (;;) {
		char *out = buf + i, *start = out;
		if (i < len && buf[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return "unterminated quoted field";
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						*out++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					++*line;
				*out++ = buf[i++];
			}
			if (i < len && buf[i] != ',' && buf[i] != '\n' &&
			    !(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') &&
			    !(buf[i] == '\r' && i + 1 == len))
				return "text after a closing quote";
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n' &&
			       buf[i] != '\r' && buf[i] != '"')
				i++;
			if (i < len && buf[i] == '"')
				return "'\"' inside an unquoted field (quote the field and double the '\"')";
			if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
				return "carriage return inside an unquoted field";
			out = buf + i;
		}
		size_t n = (size_t)(out - start);
		if (*nf < 4) {
			f[*nf] = start;
			fl[*nf] = n;
		}
		++*nf;
		if (i < len && buf[i] == ',') {
			/* Terminate after reading the separator: the NUL may
			 * land on it. */
			i++;
			start[n] = '\0';
			continue;
		}
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n') {
			i++;
			++*line;
		}
		start[n] = '\0';
		*pos = i;
		return NULL;
	}
}

struct staff_import {
	const char *file;
	struct staff_row *rows;
	size_t n;
};

static int txn_staff_import(MDB_txn *txn, struct store *s, void *arg)
{
	struct staff_import *im = arg;
	for (size_t r = 0; r < im->n; r++) {
		struct staff_row *row = &im->rows[r];
		struct staff st = {
			.handle = row->f[0], .handle_len = row->len[0],
			.name = row->f[1], .name_len = row->len[1],
			.team = row->f[2], .team_len = row->len[2],
			.email = row->f[3], .email_len = row->len[3],
		};
		int rc = store_staff_add(txn, s, &st);
		if (rc == MDB_KEYEXIST) {
			line_err(im->file, row->line, "staff '%s' already exists",
			         row->f[0]);
			return FAILED;
		}
		if (rc == MDB_MAP_FULL)
			return rc;
		if (rc) {
			line_err(im->file, row->line, "store_staff_add: %s",
			         mdb_strerror(rc));
			return FAILED;
		}
	}
	return 0;
}

/* Parse and check the whole CSV before the store is opened: a bad file
 * costs no transaction.  Returns 0 or EXIT_REFUSED (reported). */
static int staff_parse(char *buf, size_t len, struct staff_import *im)
{
	size_t pos = 0, cap = 0;
	unsigned line = 1;
	char *f[4];
	size_t fl[4];
	int nf;
	struct ht seen = { 0 };
	int ret = EXIT_REFUSED;
	const char *why;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;   /* spreadsheets write a UTF-8 byte order mark */
	/* Shown as found, before parsing unescapes the buffer in place. */
	const char *found = show(buf + pos, strcspn(buf + pos, "\r\n"));
	if ((why = csv_record(buf, len, &pos, &line, f, fl, &nf)) || nf != 4 ||
	    strcmp(f[0], "handle") || strcmp(f[1], "name") ||
	    strcmp(f[2], "team") || strcmp(f[3], "email")) {
		line_err(im->file, 1, "expected the header '" CSV_HEADER
		         "', found '%s'", found);
		return EXIT_REFUSED;
	}
	while (pos < len) {
		unsigned at = line;
		if (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len &&
		                         buf[pos + 1] == '\n')) {
			pos += buf[pos] == '\r' ? 2 : 1;   /* blank line */
			line++;
			continue;
		}
		if ((why = csv_record(buf, len, &pos, &line, f, fl, &nf))) {
			line_err(im->file, at, "%s", why);
			goto out;
		}
		if (nf != 4) {
			line_err(im->file, at,
			         "expected 4 fields (" CSV_HEADER "), found %d", nf);
			goto out;
		}
		if (!handle_fold(f[0], fl[0], f[0])) {
			line_err(im->file, at, "invalid handle '%s': " HANDLE_RULE,
			         show(f[0], fl[0]));
			goto out;
		}
		if ((why = check_name(f[1], fl[1])) ||
		    (why = check_team(f[2], fl[2])) ||
		    (why = check_email(f[3], fl[3]))) {
			line_err(im->file, at, "%s", why);
			goto out;
		}
		uint32_t first;
		if (ht_get(&seen, f[0], fl[0], &first)) {
			line_err(im->file, at, "staff '%s' repeats line %u", f[0],
			         (unsigned)first);
			goto out;
		}
		if (ht_put(&seen, f[0], fl[0], at))
			goto nomem;
		if (im->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct staff_row *nr = realloc(im->rows, cap * sizeof *nr);
			if (!nr)
				goto nomem;
			im->rows = nr;
		}
		struct staff_row *row = &im->rows[im->n++];
		row->line = at;
		memcpy(row->f, f, sizeof f);
		memcpy(row->len, fl, sizeof fl);
	}
	ret = 0;
	goto out;
nomem:
	out_err("%s: %s", im->file, strerror(ENOMEM));
out:
	ht_free(&seen);
	return ret;
}

static int cmd_staff_import(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "staff import", opts_plain, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("staff import: expected one FILE (or - for stdin)");
	char *buf;
	size_t len;
	struct staff_import im = { 0 };
	if ((rc = linkctl_read_all(a.pos[0], &buf, &len, &im.file)))
		return rc;
	if ((rc = staff_parse(buf, len, &im)) == 0) {
		struct store s;
		if ((rc = linkctl_open(&s, 1)) == 0) {
			rc = linkctl_write(&s, txn_staff_import, &im);
			store_close(&s);
		}
	}
	if (rc == 0)
		fprintf(stderr, "imported %zu colleagues\n", im.n);
	free(im.rows);
	free(buf);
	return rc;
}

static int cmd_staff_list(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "staff list", opts_format, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos)
		return usage_error("staff list: no arguments expected");
	int json = linkctl_format(a.format);
	if (json < 0)
		return usage_error("staff list: --format must be tsv or json");

	struct store s;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	if ((rc = linkctl_open(&s, 0)))
		return rc;
	rc = EXIT_REFUSED;
	if (linkctl_begin(&s, MDB_RDONLY, &txn))
		goto out;
	int err = mdb_cursor_open(txn, s.staff, &cur);
	if (err) {
		out_err("mdb_cursor_open: %s", mdb_strerror(err));
		goto out;
	}
	fputs(json ? "[" : "handle\tname\tteam\temail\n", stdout);
	MDB_val k, v;
	size_t n = 0;
	/* The staff table is keyed by handle: the cursor walks it sorted. */
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		char handle[512];
		struct staff st;
		if (k.mv_size >= sizeof handle) {
			out_err("staff key of %zu bytes", k.mv_size);
			goto out;
		}
		/* store_staff_get wants a C string; the key view has no NUL. */
		memcpy(handle, k.mv_data, k.mv_size);
		handle[k.mv_size] = '\0';
		if ((err = store_staff_get(txn, &s, handle, &st))) {
			out_err("store_staff_get '%s': %s", shows(handle),
			        mdb_strerror(err));
			goto out;
		}
		if (json) {
			fputs(n ? ",\n{\"handle\":" : "\n{\"handle\":", stdout);
			out_json_str(stdout, st.handle, st.handle_len);
			fputs(",\"name\":", stdout);
			out_json_str(stdout, st.name, st.name_len);
			fputs(",\"team\":", stdout);
			out_json_str(stdout, st.team, st.team_len);
			fputs(",\"email\":", stdout);
			out_json_str(stdout, st.email, st.email_len);
			printf(",\"id\":%u}", (unsigned)st.id);
		} else {
			put_tsv(st.handle, st.handle_len);
			putchar('\t');
			put_tsv(st.name, st.name_len);
			putchar('\t');
			put_tsv(st.team, st.team_len);
			putchar('\t');
			put_tsv(st.email, st.email_len);
			putchar('\n');
		}
		n++;
	}
	if (err != MDB_NOTFOUND) {
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
		goto out;
	}
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	rc = linkctl_flush();
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	store_close(&s);
	return rc;
}

static int cmd_staff(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("staff: expected add, import or list");
	const char *sub = argv[1];
	if (strcmp(sub, "add") == 0)
		return cmd_staff_add(argc - 1, argv + 1);
	if (strcmp(sub, "import") == 0)
		return cmd_staff_import(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return cmd_staff_list(argc - 1, argv + 1);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)
		goto help;
	return usage_error("staff: unknown subcommand '%s' (add, import, list)",
	                   shows(sub));
help:
	linkctl_usage(stdout);
	return 0;
}

/* ----------------------------------------------------------- mint */

struct mint {
	const char *handle;        /* as typed */
	const char *campaign;      /* NULL: none */
	const char *code;          /* NULL: random */
	const char *url;           /* normalized */
	size_t url_len;
	uint16_t status;
	char out[CODE_MAX + 1];    /* the code minted */
};

/* Look up a colleague by handle as typed (folded here).  Returns 0,
 * MDB_MAP_FULL or FAILED (reported, naming file:line when file is set). */
static int linkctl_staff_id(MDB_txn *txn, struct store *s, const char *in,
                            size_t len, const char *file, unsigned line,
                            uint32_t *id)
{
	char handle[HANDLE_MAX + 1];
	struct staff st;
	int rc = MDB_NOTFOUND;   /* not a possible handle: nobody has it */
	int valid = handle_fold(in, len, handle);
	if (valid)
		rc = store_staff_get(txn, s, handle, &st);
	if (rc == MDB_NOTFOUND) {
		line_err(file, line,
		         "no colleague '%s' (add one with: linkctl staff add)",
		         valid ? handle : show(in, len));
		return FAILED;
	}
	if (rc == MDB_MAP_FULL)
		return rc;
	if (rc) {
		line_err(file, line, "store_staff_get: %s", mdb_strerror(rc));
		return FAILED;
	}
	*id = st.id;
	return 0;
}

/*
 * Add l under a random code: a fresh one per collision, at most
 * RANDOM_TRIES.  With 62^8 codes a collision is rare until the store holds
 * billions; 16 in a row means something else is wrong.  Writes the code to
 * out.  Returns 0, MDB_MAP_FULL or FAILED (reported as by line_err).
 */
int linkctl_add_random(MDB_txn *txn, struct store *s, struct link *l,
                       char out[CODE_RANDOM_LEN + 1], const char *file,
                       unsigned line)
{
	for (int t = 0; t < RANDOM_TRIES; t++) {
		int rc = code_random(out);
		if (rc) {
			line_err(file, line, "code_random: %s", strerror(-rc));
			return FAILED;
		}
		rc = store_link_add(txn, s, out, CODE_RANDOM_LEN, l);
		if (rc == 0 || rc == MDB_MAP_FULL)
			return rc;
		if (rc != MDB_KEYEXIST) {
			line_err(file, line, "store_link_add: %s", mdb_strerror(rc));
			return FAILED;
		}
	}
	line_err(file, line, "store_link_add: no free random code after %d tries",
	         RANDOM_TRIES);
	return FAILED;
}

/*
 * The target policy for mint and import: our own short hosts from the
 * configuration file (-c) and --short-host.  Returns 0, or EXIT_REFUSED
 * after printing the file's errors as FILE:LINE: message.
 */
/* Copy the host of a checked base URL into out[CONFIG_HOST_MAX], lower
 * case: our own short host.  0 when it has none that fits. */
static int base_url_host(const char *url, char *out)
{
	const char *h;
	size_t n;
	target_host(url, strlen(url), &h, &n);
	if (!h || !n || n >= CONFIG_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
	out[n] = '\0';
	return 1;
}

int linkctl_base_url_arg(const char *v)
{
	static struct config scratch;
	char err[200];
	if (config_set(&scratch, "base_url", v, err, sizeof err) < 0)
		/* The message starts "base_url: ". */
		return usage_error("--base-url: %s", strchr(err, ' ') + 1);
	if (!scratch.base_url[0])
		return usage_error("--base-url: an http(s) URL, e.g. "
		                   "https://go.example.org");
	strcpy(base_url_arg, scratch.base_url);
	if (n_short_host_args < SHORT_HOST_ARGS_MAX &&
	    base_url_host(base_url_arg, short_host_args[n_short_host_args]))
		n_short_host_args++;
	return 0;
}

const char *linkctl_base_url(void)
{
	return base_url_arg[0] ? base_url_arg
	       : base_url_conf[0] ? base_url_conf : NULL;
}

int linkctl_policy(struct target_policy *p)
{
	static struct config cfg;   /* large: not on the stack */
	static const char *own[CONFIG_LIST_MAX + 1 + SHORT_HOST_ARGS_MAX];
	static char conf_host[CONFIG_HOST_MAX];
	size_t n = 0;
	config_init(&cfg);
	if (config_path) {
		char *buf;
		size_t len;
		const char *label;
		int rc = linkctl_read_all(config_path, &buf, &len, &label);
		if (rc)
			return rc;
		struct config_diag diag;
		unsigned bad = config_parse(&cfg, buf, len, &diag);
		free(buf);
		for (unsigned i = 0; i < bad && i < CONFIG_DIAG_MAX; i++)
			out_err("%s:%u: %s", label, diag.e[i].line, diag.e[i].msg);
		if (bad)
			return EXIT_REFUSED;
		for (unsigned i = 0; i < cfg.n_short_hosts; i++)
			own[n++] = cfg.short_hosts[i];
		/* base_url's host is ours too: a target there is a loop. */
		strcpy(base_url_conf, cfg.base_url);
		if (cfg.base_url[0] && base_url_host(cfg.base_url, conf_host))
			own[n++] = conf_host;
	}
	for (unsigned i = 0; i < n_short_host_args; i++)
		own[n++] = short_host_args[i];
	*p = (struct target_policy){ .own_hosts = own, .n_own_hosts = n };
	return 0;
}

static int txn_mint(MDB_txn *txn, struct store *s, void *arg)
{
	struct mint *m = arg;
	struct link l = { .status = m->status, .url = m->url,
	                  .url_len = m->url_len };
	int rc = linkctl_staff_id(txn, s, m->handle, strlen(m->handle), NULL, 0,
	                          &l.staff_id);
	if (rc)
		return rc;
	if (m->campaign) {
		struct campaign c = { .name = m->campaign,
		                      .name_len = strlen(m->campaign) };
		int created;
		if ((rc = store_campaign_ensure(txn, s, &c, &created)))
			return op_fail(rc, "store_campaign_ensure");
		l.campaign_id = c.id;
	}
	if (m->code) {
		rc = store_link_add(txn, s, m->code, strlen(m->code), &l);
		if (rc == MDB_KEYEXIST) {
			out_err("code '%s' is already taken", m->code);
			return FAILED;
		}
		if (rc)
			return op_fail(rc, "store_link_add");
		strcpy(m->out, m->code);
		return 0;
	}
	return linkctl_add_random(txn, s, &l, m->out, NULL, 0);
}

static int cmd_mint(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "mint", opts_mint, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos)
		return usage_error("mint: unexpected argument '%s'", shows(a.pos[0]));
	if (!a.staff || !a.url)
		return usage_error("mint: --staff and --url are required");
	struct mint m = { .status = 302, .campaign = a.campaign, .code = a.code };
	if (a.status) {
		static const char *const ok[] = { "301", "302", "307", "308" };
		size_t i;
		for (i = 0; i < 4 && strcmp(a.status, ok[i]); i++)
			;
		if (i == 4)
			return usage_error("mint: --status must be 301, 302, 307 or 308");
		m.status = (uint16_t)atoi(a.status);
	}

	/* Everything that needs no store first: a refusal costs nothing. */
	struct target_policy policy;
	if ((rc = linkctl_policy(&policy)))
		return rc;
	char url[TARGET_MAX + 1];
	int terr = target_normalize(a.url, strlen(a.url), &policy, url,
	                            &m.url_len);
	if (terr != TARGET_OK) {
		out_err("invalid URL: %s", target_strerror(terr));
		return EXIT_REFUSED;
	}
	m.url = url;
	if (a.code && !code_valid(a.code, strlen(a.code))) {
		out_err(CODE_RULE);
		return EXIT_REFUSED;
	}
	if (a.campaign && !campaign_ok(a.campaign, strlen(a.campaign))) {
		out_err("invalid campaign name '%s': " CAMPAIGN_RULE,
		        shows(a.campaign));
		return EXIT_REFUSED;
	}
	m.handle = a.staff;

	struct store s;
	if ((rc = linkctl_open(&s, 1)))
		return rc;
	rc = linkctl_write(&s, txn_mint, &m);
	store_close(&s);
	if (rc)
		return rc;
	/* Only after the commit: a printed code is a stored code. */
	printf("%s\n", m.out);
	return linkctl_flush();
}

/* --------------------------------------------------------- import */

struct import {
	const char *file;
	const char *buf;
	size_t len;
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	size_t n;                  /* links added */
	uint32_t first_id;         /* id of the first link added */
	uint32_t *lines;           /* line of the i-th link added */
	struct ht staff, camp;     /* raw handle -> id, campaign -> id */
};

/* Add one line's link.  f: the four fields.  Returns 0, MDB_MAP_FULL or
 * FAILED (reported). */
static int import_line(MDB_txn *txn, struct store *s, struct import *im,
                       unsigned line, const char *const f[4],
                       const size_t fl[4])
{
	const char *file = im->file;
	int rc;
	if (fl[0] && !code_valid(f[0], fl[0])) {
		line_err(file, line, CODE_RULE);
		return FAILED;
	}
	char url[TARGET_MAX + 1];
	struct link l = { .status = 302, .url = url };
	int terr = target_normalize(f[3], fl[3], &im->policy, url, &l.url_len);
	if (terr != TARGET_OK) {
		line_err(file, line, "invalid URL: %s", target_strerror(terr));
		return FAILED;
	}

	/* The same few colleagues and campaigns recur on most lines: a hash
	 * look-up in memory instead of a B-tree descent each time. */
	if (!ht_get(&im->staff, f[1], fl[1], &l.staff_id)) {
		if ((rc = linkctl_staff_id(txn, s, f[1], fl[1], file, line,
		                           &l.staff_id)))
			return rc;
		if (ht_put(&im->staff, f[1], fl[1], l.staff_id))
			goto nomem;
	}
	if (fl[2] && !ht_get(&im->camp, f[2], fl[2], &l.campaign_id)) {
		if (!campaign_ok(f[2], fl[2])) {
			line_err(file, line, "invalid campaign name '%s': " CAMPAIGN_RULE,
			         show(f[2], fl[2]));
			return FAILED;
		}
		struct campaign c = { .name = f[2], .name_len = fl[2] };
		int created;
		rc = store_campaign_ensure(txn, s, &c, &created);
		if (rc == MDB_MAP_FULL)
			return rc;
		if (rc) {
			line_err(file, line, "store_campaign_ensure: %s",
			         mdb_strerror(rc));
			return FAILED;
		}
		l.campaign_id = c.id;
		if (ht_put(&im->camp, f[2], fl[2], c.id))
			goto nomem;
	}

	if (fl[0]) {
		rc = store_link_add(txn, s, f[0], fl[0], &l);
		if (rc == MDB_KEYEXIST) {
			/* Ids are handed out in order within this transaction:
			 * an id from first_id on is a line of this file. */
			struct link ex;
			if (store_link_get(txn, s, f[0], fl[0], &ex) == 0 &&
			    im->n && ex.id >= im->first_id &&
			    ex.id - im->first_id < im->n)
				line_err(file, line, "code '%s' repeats line %u",
				         show(f[0], fl[0]),
				         im->lines[ex.id - im->first_id]);
			else
				line_err(file, line, "code '%s' is already taken",
				         show(f[0], fl[0]));
			return FAILED;
		}
		if (rc == MDB_MAP_FULL)
			return rc;
		if (rc) {
			line_err(file, line, "store_link_add: %s", mdb_strerror(rc));
			return FAILED;
		}
	} else {
		char code[CODE_RANDOM_LEN + 1];
		if ((rc = linkctl_add_random(txn, s, &l, code, file, line)))
			return rc;
	}
	if (im->n == 0)
		im->first_id = l.id;
	im->lines[im->n++] = line;
	return 0;
nomem:
	line_err(file, line, "%s", strerror(ENOMEM));
	return FAILED;
}

static int txn_import(MDB_txn *txn, struct store *s, void *arg)
{
	struct import *im = arg;
	/* A redo after MDB_MAP_FULL starts over: ids cached from the aborted
	 * transaction may not exist any more. */
	im->n = 0;
	im->first_id = 0;
	ht_clear(&im->staff);
	ht_clear(&im->camp);

	const char *p = im->buf, *end = im->buf + im->len;
	unsigned line = 0;
	while (p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p || *p == '#') {
			p = next;
			continue;
		}
		const char *f[4];
		size_t fl[4];
		int nf = 0;
		for (const char *q = p;;) {
			const char *t = memchr(q, '\t', (size_t)(e - q));
			const char *fe = t ? t : e;
			if (nf < 4) {
				f[nf] = q;
				fl[nf] = (size_t)(fe - q);
			}
			nf++;
			if (!t)
				break;
			q = t + 1;
		}
		if (nf != 4) {
			line_err(im->file, line,
			         "expected 4 tab-separated fields (code, staff, campaign, url), found %d",
			         nf);
			return FAILED;
		}
		int rc = import_line(txn, s, im, line, f, fl);
		if (rc)
			return rc;
		p = next;
	}
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "import", opts_plain, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos > 1)
		return usage_error("import: expected at most one FILE");
	char *buf;
	size_t len;
	struct import im = { 0 };
	if ((rc = linkctl_policy(&im.policy)))
		return rc;
	if ((rc = linkctl_read_all(a.npos ? a.pos[0] : NULL, &buf, &len,
	                           &im.file)))
		return rc;
	im.buf = buf;
	im.len = len;
	/* One slot per line, allocated once: no allocation per line. */
	size_t lines = 1;
	for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf)));
	     p++)
		lines++;
	im.lines = malloc(lines * sizeof *im.lines);
	if (!im.lines) {
		out_err("%s: %s", im.file, strerror(ENOMEM));
		free(buf);
		return EXIT_REFUSED;
	}
	struct store s;
	if ((rc = linkctl_open(&s, 1)) == 0) {
		rc = linkctl_write(&s, txn_import, &im);
		store_close(&s);
	}
	if (rc == 0)
		fprintf(stderr, "imported %zu links\n", im.n);
	ht_free(&im.staff);
	ht_free(&im.camp);
	free(im.lines);
	free(buf);
	return rc;
}

/* ----------------------------------------------------------- list */

/* Id -> name views, direct-mapped: listings repeat a few colleagues and
 * campaigns, and the views live as long as the read transaction. */
#define NAMES 64
struct names {
	uint32_t id[NAMES];
	const char *s[NAMES];
	size_t n[NAMES];
};

static int list_staff_name(MDB_txn *txn, struct store *s, struct names *c,
                           uint32_t id, const char **name, size_t *len)
{
	unsigned i = id % NAMES;
	if (c->id[i] != id || !id) {
		struct staff st;
		int rc = store_staff_get_id(txn, s, id, &st);
		if (rc)
			return rc;
		c->id[i] = id;
		c->s[i] = st.handle;
		c->n[i] = st.handle_len;
	}
	*name = c->s[i];
	*len = c->n[i];
	return 0;
}

static int list_campaign_name(MDB_txn *txn, struct store *s, struct names *c,
                              uint32_t id, const char **name, size_t *len)
{
	unsigned i = id % NAMES;
	if (!id) {
		*name = "";
		*len = 0;
		return 0;
	}
	if (c->id[i] != id) {
		struct campaign cp;
		int rc = store_campaign_get_id(txn, s, id, &cp);
		if (rc)
			return rc;
		c->id[i] = id;
		c->s[i] = cp.name;
		c->n[i] = cp.name_len;
	}
	*name = c->s[i];
	*len = c->n[i];
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "list", opts_list, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos)
		return usage_error("list: unexpected argument '%s'", shows(a.pos[0]));
	int json = linkctl_format(a.format);
	if (json < 0)
		return usage_error("list: --format must be tsv or json");

	struct store s;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	static struct names staff_names, camp_names;
	uint32_t want_staff = 0, want_camp = 0;
	int err;
	if ((rc = linkctl_open(&s, 0)))
		return rc;
	rc = EXIT_REFUSED;
	if (linkctl_begin(&s, MDB_RDONLY, &txn))
		goto out;
	if (a.staff && linkctl_staff_id(txn, &s, a.staff, strlen(a.staff), NULL,
	                                0, &want_staff))
		goto out;
	if (a.campaign) {
		struct campaign c;
		err = store_campaign_get(txn, &s, a.campaign, &c);
		if (err == MDB_NOTFOUND) {
			out_err("no campaign '%s'", shows(a.campaign));
			goto out;
		}
		if (err) {
			out_err("store_campaign_get: %s", mdb_strerror(err));
			goto out;
		}
		want_camp = c.id;
	}
	if ((err = mdb_cursor_open(txn, s.links, &cur))) {
		out_err("mdb_cursor_open: %s", mdb_strerror(err));
		goto out;
	}
	fputs(json ? "[" : "code\tstaff\tcampaign\turl\tstatus\tstate\tcreated\n",
	      stdout);
	MDB_val k, v;
	size_t n = 0;
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct link l;
		const char *code = k.mv_data, *who, *camp;
		size_t code_len = k.mv_size, who_len, camp_len;
		if ((err = store_link_decode(v.mv_data, v.mv_size, &l))) {
			out_err("link '%s': store_link_decode: %s",
			        show(code, code_len), mdb_strerror(err));
			goto out;
		}
		if ((want_staff && l.staff_id != want_staff) ||
		    (want_camp && l.campaign_id != want_camp))
			continue;
		if ((err = list_staff_name(txn, &s, &staff_names, l.staff_id,
		                           &who, &who_len))) {
			out_err("link '%s': store_staff_get_id %u: %s",
			        show(code, code_len), (unsigned)l.staff_id,
			        mdb_strerror(err));
			goto out;
		}
		if ((err = list_campaign_name(txn, &s, &camp_names,
		                              l.campaign_id, &camp, &camp_len))) {
			out_err("link '%s': store_campaign_get_id %u: %s",
			        show(code, code_len), (unsigned)l.campaign_id,
			        mdb_strerror(err));
			goto out;
		}
		char when[21];
		out_time_iso(l.created_us, when);
		const char *state = (l.flags & LINK_DISABLED) ? "disabled"
		                                              : "enabled";
		if (json) {
			fputs(n ? ",\n{\"code\":" : "\n{\"code\":", stdout);
			out_json_str(stdout, code, code_len);
			fputs(",\"staff\":", stdout);
			out_json_str(stdout, who, who_len);
			fputs(",\"campaign\":", stdout);
			out_json_str(stdout, camp, camp_len);
			fputs(",\"url\":", stdout);
			out_json_str(stdout, l.url, l.url_len);
			printf(",\"status\":%u,\"state\":\"%s\",\"created\":\"%s\"}",
			       (unsigned)l.status, state, when);
		} else {
			put_tsv(code, code_len);
			putchar('\t');
			put_tsv(who, who_len);
			putchar('\t');
			put_tsv(camp, camp_len);
			putchar('\t');
			put_tsv(l.url, l.url_len);
			printf("\t%u\t%s\t%s\n", (unsigned)l.status, state, when);
		}
		n++;
	}
	if (err != MDB_NOTFOUND) {
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
		goto out;
	}
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	rc = linkctl_flush();
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	store_close(&s);
	return rc;
}

/* ------------------------------------------------ enable, disable */

struct toggle {
	const char *code;
	int disable;
};

static int txn_toggle(MDB_txn *txn, struct store *s, void *arg)
{
	struct toggle *t = arg;
	struct link l;
	size_t len = strlen(t->code);
	int rc = store_link_get(txn, s, t->code, len, &l);
	if (rc == MDB_NOTFOUND) {
		out_err("no link '%s'", shows(t->code));
		return FAILED;
	}
	if (rc)
		return op_fail(rc, "store_link_get");
	/* An explicit choice for this link: `campaign enable` leaves it be
	 * from now on (LINK_CAMPAIGN_DISABLED goes). */
	uint8_t flags = t->disable
	        ? (uint8_t)((l.flags | LINK_DISABLED) & ~LINK_CAMPAIGN_DISABLED)
	        : (uint8_t)(l.flags & ~(LINK_DISABLED | LINK_CAMPAIGN_DISABLED));
	if (flags == l.flags)
		return 0;   /* already so: nothing to write */
	l.flags = flags;
	/* l.url is a view into the map; store_link_put copies it into the
	 * new record before it writes. */
	return op_fail(store_link_put(txn, s, t->code, len, &l),
	               "store_link_put");
}

static int cmd_toggle(int argc, char **argv, int disable)
{
	const char *cmd = disable ? "disable" : "enable";
	struct args a;
	int rc = linkctl_args(argc, argv, cmd, opts_plain, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("%s: expected one CODE", cmd);
	struct toggle t = { a.pos[0], disable };
	if (!code_valid(t.code, strlen(t.code))) {
		/* Not a possible code (and too long a key upsets LMDB). */
		out_err("no link '%s'", shows(t.code));
		return EXIT_REFUSED;
	}
	struct store s;
	if ((rc = linkctl_open(&s, 1)))
		return rc;
	rc = linkctl_write(&s, txn_toggle, &t);
	store_close(&s);
	return rc;
}

/* ----------------------------------------------------------- main */

int main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "short-host", required_argument, NULL, OPT_SHORT_HOST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0, 0, 0, 0 },
	};
	out_prog = "linkctl";
	db_dir = getenv("REDIRECTD_DB");
	if (!db_dir || !*db_dir)
		db_dir = "/var/lib/redirectd/db";

	/* '+': stop at the command; its own options are parsed by it. */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:hc:", global, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db_dir = optarg; break;
		case 'c':
		case OPT_CONFIG: config_path = optarg; break;
		case OPT_SHORT_HOST:
			if (short_host_arg(optarg))
				return EXIT_USAGE;
			break;
		case 'h':
		case OPT_HELP: linkctl_usage(stdout); return 0;
		case OPT_VERSION:
			printf("linkctl " REDIRECTD_VERSION "\n");
			return linkctl_flush();
		case ':':
			return usage_error("option %s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command");
	int n = argc - optind;
	char **av = argv + optind;
	const char *cmd = av[0];
	if (strcmp(cmd, "staff") == 0)
		return cmd_staff(n, av);
	if (strcmp(cmd, "mint") == 0)
		return cmd_mint(n, av);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(n, av);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(n, av);
	if (strcmp(cmd, "disable") == 0)
		return cmd_toggle(n, av, 1);
	if (strcmp(cmd, "enable") == 0)
		return cmd_toggle(n, av, 0);
	if (strcmp(cmd, "campaign") == 0)
		return campaign_main(n, av);
	if (strcmp(cmd, "help") == 0) {
		linkctl_usage(stdout);
		return 0;
	}
	return usage_error("unknown command '%s'", shows(cmd));
}
