/*
 * shipstate: the state file of reach ship (see shipstate.h).
 */
#include "shipstate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "wholefile.h"

static int shipstate_cmp(const void *a, const void *b)
{
	return strcmp((*(struct shipstate_seg *const *)a)->name,
	              (*(struct shipstate_seg *const *)b)->name);
}

struct shipstate_seg *shipstate_find(const struct shipstate *T,
                                     const char *name)
{
	struct shipstate_seg key = { .name = (char *)name }, *kp = &key;
	if (!T->n)
		return NULL;    /* segs may be NULL: not for bsearch */
	struct shipstate_seg **g = bsearch(&kp, T->segs, T->n, sizeof *T->segs,
	                                   shipstate_cmp);
	return g ? *g : NULL;
}

struct shipstate_seg *shipstate_add(struct shipstate *T, const char *name,
                                    uint64_t done)
{
	if (T->n == T->cap) {
		size_t cap = T->cap ? T->cap * 2 : 64;
		struct shipstate_seg **n = realloc(T->segs, cap * sizeof *n);
		if (!n)
			return NULL;
		T->segs = n;
		T->cap = cap;
	}
	struct shipstate_seg *g = calloc(1, sizeof *g);
	char *dup = strdup(name);
	if (!g || !dup) {
		free(g);
		free(dup);
		return NULL;
	}
	g->name = dup;
	g->done = done;
	/* Insert in order (names mostly arrive in order: cheap). */
	size_t i = T->n;
	while (i > 0 && strcmp(T->segs[i - 1]->name, name) > 0)
		i--;
	memmove(&T->segs[i + 1], &T->segs[i], (T->n - i) * sizeof *T->segs);
	T->segs[i] = g;
	T->n++;
	return g;
}

int shipstate_load(struct shipstate *T)
{
	FILE *f = fopen(T->path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		out_err("%s: %s", T->path, strerror(errno));
		return -1;
	}
	char line[4096];
	unsigned long lineno = 0;
	int ret = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *tab = strchr(line, '\t'), *end;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		errno = 0;
		unsigned long long v = tab ? strtoull(line, &end, 10) : 0;
		if (!tab || end != tab || end == line || errno || !tab[1] ||
		    strchr(tab + 1, '/')) {
			out_err("%s:%lu: expected RECORDS<TAB>SEGMENT", T->path,
			        lineno);
			ret = -1;
			break;
		}
		struct shipstate_seg *g = shipstate_find(T, tab + 1);
		if (g)
			g->done = v;
		else if (!shipstate_add(T, tab + 1, v)) {
			out_err("out of memory");
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		out_err("%s: %s", T->path, strerror(errno));
		ret = -1;
	}
	fclose(f);
	return ret;
}

/* Written whole or not at all (wholefile.h): a crash leaves the old
 * state or the new one, and a state never runs ahead of the rows. */
int shipstate_save(const struct shipstate *T)
{
	struct wholefile w;
	int rc = wholefile_open(&w, T->path, 0640);
	if (rc < 0) {
		out_err("%s: %s", T->path, strerror(-rc));
		return -1;
	}
	for (size_t i = 0; i < T->n; i++)
		if (T->segs[i]->done)
			fprintf(w.f, "%" PRIu64 "\t%s\n", T->segs[i]->done,
			        T->segs[i]->name);
	if ((rc = wholefile_commit(&w)) < 0) {
		out_err("%s: writing: %s", T->path, strerror(-rc));
		return -1;
	}
	return 0;
}

void shipstate_free(struct shipstate *T)
{
	for (size_t i = 0; i < T->n; i++) {
		free(T->segs[i]->name);
		free(T->segs[i]);
	}
	free(T->segs);
}
