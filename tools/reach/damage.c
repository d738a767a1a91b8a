/* damage: the account of the damaged records skipped (see damage.h). */
#include "damage.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"
#include "out.h"

int damage_add(struct damage *D, const char *path, uint64_t off, uint64_t n)
{
	struct damage_run *last = D->n ? &D->v[D->n - 1] : NULL;
	if (last && strcmp(last->path, path) == 0 &&
	    last->off + last->n * CLICKREC_SIZE == off) {
		last->n += n;
		D->records += n;
		return 0;
	}
	if (D->n == D->cap) {
		size_t cap = D->cap ? D->cap * 2 : 8;
		struct damage_run *v = realloc(D->v, cap * sizeof *v);
		if (!v)
			return -1;
		D->v = v;
		D->cap = cap;
	}
	char *p = strdup(path);
	if (!p)
		return -1;
	D->v[D->n++] = (struct damage_run){ .path = p, .off = off, .n = n };
	D->records += n;
	return 0;
}

void damage_warn(const struct damage *D, const char *verb)
{
	if (!D->records)
		return;
	for (size_t i = 0; i < D->n; i++) {
		const struct damage_run *r = &D->v[i];
		out_err("warning: %s: skipped %" PRIu64 " damaged record%s at "
		        "bytes %" PRIu64 "-%" PRIu64 " (--skip-damaged)",
		        r->path, r->n, r->n == 1 ? "" : "s", r->off,
		        r->off + r->n * CLICKREC_SIZE);
	}
	out_err("note: %" PRIu64 " damaged record%s in %zu place%s skipped; "
	        "%s without them (exit status %d)", D->records,
	        D->records == 1 ? "" : "s", D->n, D->n == 1 ? "" : "s", verb,
	        DAMAGE_EXIT);
}

void damage_free(struct damage *D)
{
	for (size_t i = 0; i < D->n; i++)
		free(D->v[i].path);
	free(D->v);
	*D = (struct damage){ 0 };
}
