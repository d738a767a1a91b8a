/*
 * names: what reach knows from the store: every colleague and
 * campaign by id, the teams, and the filters of --staff, --team and
 * --campaign resolved to ids (see names.h).
 */
#include "names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "out.h"
#include "store.h"

static char *names_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static uint32_t names_be32(const void *p)
{
	const unsigned char *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Read a *_by_id table (staff when staff, else campaigns) into *out,
 * sorted by id.  Returns 0 or an LMDB/errno code. */
static int names_load_table(const struct store *s, MDB_txn *txn, int staff,
                            const char *dir, struct names_entry **out,
                            size_t *nout)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t cap = 0;
	int rc;
	if ((rc = mdb_cursor_open(txn, staff ? s->staff_by_id
	                                     : s->campaign_by_id, &cur)))
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 4)
			continue;
		uint32_t id = names_be32(k.mv_data);
		struct names_entry nm = { .id = id };
		struct staff st;
		struct campaign cp;
		rc = staff ? store_staff_get_id(txn, s, id, &st)
		           : store_campaign_get_id(txn, s, id, &cp);
		if (rc == MDB_NOTFOUND || rc == EINVAL) {
			/* A dangling or unreadable entry costs one name, not
			 * the whole report: the id shows as "#<id>". */
			out_err("warning: %s: %s id %" PRIu32 ": %s", dir,
			        staff ? "staff" : "campaign", id, mdb_strerror(rc));
			continue;
		}
		if (rc)
			break;
		if (staff) {
			nm.key = names_strndup(st.handle, st.handle_len);
			nm.name = names_strndup(st.name, st.name_len);
			nm.team = names_strndup(st.team, st.team_len);
		} else {
			nm.key = names_strndup(cp.name, cp.name_len);
			nm.name = names_strndup("", 0);
			nm.team = names_strndup(cp.team, cp.team_len);
		}
		if (*nout == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct names_entry *n = realloc(*out, ncap * sizeof *n);
			if (!n) {
				free(nm.key), free(nm.name), free(nm.team);
				rc = ENOMEM;
				break;
			}
			*out = n;
			cap = ncap;
		}
		(*out)[(*nout)++] = nm;
		if (!nm.key || !nm.name || !nm.team) {
			rc = ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int names_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The team number of a name (index + 1), or 0. */
static uint32_t names_team_num(const struct names *N, const char *team)
{
	if (!*team)
		return 0;
	char *const *hit = bsearch(&team, N->teams, N->nteams, sizeof *N->teams,
	                           names_cmp_str);
	return hit ? (uint32_t)(hit - N->teams) + 1 : 0;
}

/* Teams from the colleagues: the sorted distinct non-empty names, and
 * every colleague's team number.  Returns 0 or ENOMEM. */
static int names_load_teams(struct names *N)
{
	uint32_t maxid = 0;
	N->teams = calloc(N->nstaff ? N->nstaff : 1, sizeof *N->teams);
	if (!N->teams)
		return ENOMEM;
	for (size_t i = 0; i < N->nstaff; i++) {
		if (N->staff[i].id > maxid)
			maxid = N->staff[i].id;
		if (N->staff[i].team[0])
			N->teams[N->nteams++] = N->staff[i].team;   /* views */
	}
	qsort(N->teams, N->nteams, sizeof *N->teams, names_cmp_str);
	size_t n = 0;
	for (size_t i = 0; i < N->nteams; i++)
		if (n == 0 || strcmp(N->teams[n - 1], N->teams[i]) != 0)
			N->teams[n++] = N->teams[i];
	N->nteams = n;
	if (!(N->team_of = calloc((size_t)maxid + 1, sizeof *N->team_of)))
		return ENOMEM;
	N->nteam_of = (size_t)maxid + 1;
	for (size_t i = 0; i < N->nstaff; i++)
		N->team_of[N->staff[i].id] = names_team_num(N, N->staff[i].team);
	return 0;
}

int names_read(struct names *N, const struct store *s, MDB_txn *txn,
               const char *dir)
{
	int rc;
	if ((rc = names_load_table(s, txn, 1, dir, &N->staff, &N->nstaff)) ||
	    (rc = names_load_table(s, txn, 0, dir, &N->camps, &N->ncamps)) ||
	    (rc = names_load_teams(N))) {
		out_err("%s: reading the store: %s", dir, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int names_store(const char *flag, const char **db)
{
	*db = flag ? flag : getenv("REDIRECTD_DB");
	if (*db)
		return 0;
	if (conf_db(db)) {
		out_err("the configuration's db cannot be read (--db DIR names "
		        "the store, --db '' none)");
		return -1;
	}
	return 0;
}

/*
 * A store named only by $REDIRECTD_DB or the configuration that does not
 * exist is a warning: the variable or the file may be set for a daemon
 * elsewhere.
 */
int names_load(struct names *N, const char *dir, int explicit)
{
	struct store s;
	MDB_txn *txn = NULL;
	int ret = -1, rc;

	rc = store_open(&s, dir, STORE_RDONLY);
	if (rc == ENOENT && !explicit) {
		out_err("warning: %s (REDIRECTD_DB or the configuration's db): "
		        "%s; showing ids, not names",
		        dir, mdb_strerror(rc));
		return 0;
	}
	if (rc) {
		out_err("%s: cannot open the store: %s", dir, mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn))) {
		out_err("%s: reading the store: %s", dir, mdb_strerror(rc));
		goto cleanup;
	}
	ret = names_read(N, &s, txn, dir);
cleanup:
	if (txn)
		mdb_txn_abort(txn);
	store_close(&s);
	return ret;
}

const struct names_entry *names_find(const struct names_entry *v,
                                     size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Mark in set[0, n) the ids named in the list args; kind: "staff",
 * "team" or "campaign".  Returns 0 or -1 after reporting. */
static int names_filter_mark(const struct names *N, const char *kind,
                             const char **args, size_t nargs, uint8_t *set,
                             size_t n)
{
	for (size_t a = 0; a < nargs; a++) {
		const char *p = args[a];
		for (;;) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			int found = 0;
			if (kind[0] == 's' || kind[0] == 'c') {
				const struct names_entry *v = kind[0] == 's' ? N->staff
				                                            : N->camps;
				size_t nv = kind[0] == 's' ? N->nstaff : N->ncamps;
				for (size_t i = 0; i < nv; i++)
					if (strlen(v[i].key) == len &&
					    memcmp(v[i].key, p, len) == 0) {
						set[v[i].id] = 1;
						found = 1;
					}
			} else {
				for (size_t i = 0; i < N->nstaff; i++)
					if (strlen(N->staff[i].team) == len &&
					    memcmp(N->staff[i].team, p, len) == 0) {
						set[N->staff[i].id] = 1;
						found = 1;
					}
			}
			(void)n;
			if (!found) {
				out_err("--%s: no %s '%.*s' in the store", kind,
				        kind[0] == 's' ? "colleague" : kind, (int)len, p);
				return -1;
			}
			if (!end)
				break;
			p = end + 1;
		}
	}
	return 0;
}

int names_filters(struct names *N, const struct names_filter_args *f)
{
	uint32_t maxs = 0, maxc = 0;
	for (size_t i = 0; i < N->nstaff; i++)
		if (N->staff[i].id > maxs)
			maxs = N->staff[i].id;
	for (size_t i = 0; i < N->ncamps; i++)
		if (N->camps[i].id > maxc)
			maxc = N->camps[i].id;
	if (f->nstaff || f->nteam) {
		N->nfstaff = (size_t)maxs + 1;
		uint8_t *a = calloc(N->nfstaff, 1), *b = calloc(N->nfstaff, 1);
		if (!a || !b) {
			free(a), free(b);
			out_err("out of memory");
			return -1;
		}
		N->fstaff = a;
		if (f->nstaff && names_filter_mark(N, "staff", f->staff, f->nstaff,
		                                   a, N->nfstaff) < 0) {
			free(b);
			return -1;
		}
		if (f->nteam) {
			if (names_filter_mark(N, "team", f->team, f->nteam, b,
			                      N->nfstaff) < 0) {
				free(b);
				return -1;
			}
			for (size_t i = 0; i < N->nfstaff; i++)
				a[i] = f->nstaff ? a[i] & b[i] : b[i];
		}
		free(b);
	}
	if (f->ncampaign) {
		N->nfcamp = (size_t)maxc + 1;
		if (!(N->fcamp = calloc(N->nfcamp, 1))) {
			out_err("out of memory");
			return -1;
		}
		if (names_filter_mark(N, "campaign", f->campaign, f->ncampaign,
		                      N->fcamp, N->nfcamp) < 0)
			return -1;
	}
	return 0;
}


void names_free(struct names *N)
{
	for (size_t i = 0; i < N->nstaff; i++) {
		free(N->staff[i].key);
		free(N->staff[i].name);
		free(N->staff[i].team);
	}
	free(N->staff);
	for (size_t i = 0; i < N->ncamps; i++) {
		free(N->camps[i].key);
		free(N->camps[i].name);
		free(N->camps[i].team);
	}
	free(N->camps);
	free(N->teams);
	free(N->team_of);
	free(N->fstaff);
	free(N->fcamp);
}
