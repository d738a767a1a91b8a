/*
 * files: the list of segments and its duplicates (see files.h).
 */
#include "files.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out.h"
#include "segwalk.h"

static int files_add(struct files *F, const char *path, const struct stat *st)
{
	if (F->n == F->cap) {
		size_t cap = F->cap ? F->cap * 2 : 64;
		struct files_entry *f = realloc(F->v, cap * sizeof *f);
		if (!f)
			goto oom;
		F->v = f;
		F->cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		goto oom;
	F->v[F->n] = (struct files_entry){
		.path = copy,
		.dev = st ? st->st_dev : 0,
		.ino = st ? st->st_ino : 0,
		.size = st ? (uint64_t)st->st_size : 0,
		.order = F->n,
	};
	F->n++;
	return 0;
oom:
	out_err("out of memory");
	return -1;
}

/* segwalk's callback: one segment file. */
static int files_seg(void *ctx, const char *path, const struct stat *st)
{
	return files_add(ctx, path, st) < 0 ? -1 : 0;
}

int files_walk(struct files *F, const char *path)
{
	return segwalk(path, files_seg, F, NULL);
}

static int files_cmp_inode(const void *a, const void *b)
{
	const struct files_entry *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int files_cmp_order(const void *a, const void *b)
{
	const struct files_entry *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

void files_dedup(struct files *F)
{
	if (F->n < 2)
		return;     /* and qsort must not see v == NULL */
	qsort(F->v, F->n, sizeof *F->v, files_cmp_inode);
	for (size_t i = 1; i < F->n; i++)
		if (F->v[i].dev == F->v[i - 1].dev &&
		    F->v[i].ino == F->v[i - 1].ino)
			F->v[i].dup = 1;
	qsort(F->v, F->n, sizeof *F->v, files_cmp_order);
}

void files_free(struct files *F)
{
	for (size_t i = 0; i < F->n; i++)
		free(F->v[i].path);
	free(F->v);
}
