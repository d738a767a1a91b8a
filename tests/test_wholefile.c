/* test_wholefile: tools/common/wholefile.c -- a committed file is whole
 * with its mode and no temporary file beside it; an aborted one leaves the
 * old file as it was; a commit that cannot rename reports why and leaves
 * nothing behind. */
#include "tap.h"
#include "wholefile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/test_wholefile.XXXXXX";

/* The names in dir, sorted, joined by spaces. */
static const char *names(void)
{
	static char out[32 * 257];
	char list[32][256];
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d)) && n < 32;)
		if (e->d_name[0] != '.')
			snprintf(list[n++], sizeof list[0], "%s", e->d_name);
	if (d)
		closedir(d);
	qsort(list, (size_t)n, sizeof list[0],
	      (int (*)(const void *, const void *))strcmp);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s",
		         i ? " " : "", list[i]);
	return out;
}

static const char *content(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return f ? buf : "(none)";
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	umask(022);
	char path[128], sub[128];
	snprintf(path, sizeof path, "%s/report.csv", dir);

	struct wholefile w;
	is_int(wholefile_open(&w, path, 0644), 0, "open");
	fputs("a,b\n", w.f);
	is_str(content(path), "(none)", "nothing at the destination before the commit");
	ok(strncmp(names(), "report.csv.tmp", 14) == 0,
	   "the content waits in a temporary file beside it (%s)", names());
	is_int(wholefile_commit(&w), 0, "commit");
	is_str(content(path), "a,b\n", "the destination holds the content");
	is_str(names(), "report.csv", "no temporary file is left");
	struct stat st = { 0 };
	stat(path, &st);
	ok((st.st_mode & 07777) == 0644,
	   "mode 0644 as asked (not mkstemp's 0600): %o", st.st_mode & 07777);

	is_int(wholefile_open(&w, path, 0600), 0, "open again");
	fputs("half", w.f);
	wholefile_abort(&w);
	is_str(content(path), "a,b\n", "abort: the old file is as it was");
	is_str(names(), "report.csv", "abort: no temporary file is left");
	wholefile_abort(&w);
	ok(1, "abort twice is harmless");

	is_int(wholefile_open(&w, path, 0640), 0, "a third write");
	fputs("c,d\n", w.f);
	is_int(wholefile_commit(&w), 0, "commit replaces the file");
	is_str(content(path), "c,d\n", "... with the new content");
	stat(path, &st);
	ok((st.st_mode & 07777) == 0640, "... and mode");

	/* A destination that is a directory with something in it: the
	 * rename fails, the commit says why and leaves no trace. */
	snprintf(sub, sizeof sub, "%s/taken", dir);
	char inner[160];
	snprintf(inner, sizeof inner, "%s/x", sub);
	mkdir(sub, 0755);
	fclose(fopen(inner, "w"));
	is_int(wholefile_open(&w, sub, 0644), 0, "open over a directory");
	fputs("x", w.f);
	int rc = wholefile_commit(&w);
	ok(rc == -EISDIR || rc == -ENOTEMPTY || rc == -EEXIST,
	   "commit over a directory fails with its errno (%d)", rc);
	is_str(names(), "report.csv taken", "... and leaves no temporary file");

	/* No such directory: open fails and creates nothing. */
	char missing[160];
	snprintf(missing, sizeof missing, "%s/no/such", dir);
	is_int(wholefile_open(&w, missing, 0644), -ENOENT,
	       "open in a missing directory: -ENOENT");
	ok(w.f == NULL && w.tmp == NULL, "... with nothing to free");

	/* A name in the current directory (no slash). */
	if (chdir(dir) == 0) {
		is_int(wholefile_open(&w, "here.txt", 0644), 0, "a bare name");
		fputs("h", w.f);
		is_int(wholefile_commit(&w), 0, "... commits in the current directory");
		is_str(content("here.txt"), "h", "... whole");
		unlink("here.txt");
	}
	unlink(inner);
	rmdir(sub);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
