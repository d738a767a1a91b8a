/*
 * replay: runs a fuzz target's LLVMFuzzerTestOneInput over every file of a
 * corpus directory, so the seed corpus (and every crash once found and
 * added) is a regression test in plain builds.  Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		printf("not ok 1 - open %s\n1..1\n", argv[1]);
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 20];
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		/* Copy to an exact-size heap block so ASan sees overreads. */
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		printf("ok %d - %s\n", ++n, e->d_name);
	}
	closedir(d);
	if (n == 0)
		printf("not ok 1 - empty corpus %s\n", argv[1]), n = 1;
	printf("1..%d\n", n);
	return 0;
}
