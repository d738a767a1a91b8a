/*
 * config_table: prints redirectd's directive table, one line per
 * directive, "NAME\tDEFAULT" ("NAME" alone when it has no default), for
 * tests/integration/test_docs.py, which holds redirectd.conf(5) and
 * conf/redirectd.conf to it.  Exits 1 if a default does not parse (then
 * config_init would leave that directive zeroed).
 */
#include <stdio.h>

#include "config.h"

int main(void)
{
	const char *name, *def;
	int bad = 0;
	for (size_t i = 0; (name = config_directive(i, &def)); i++) {
		struct config c;
		char err[200];
		config_init(&c);
		if (def && config_set(&c, name, def, err, sizeof err) < 0) {
			fprintf(stderr, "config_table: default of %s: %s\n", name, err);
			bad = 1;
		}
		if (def)
			printf("%s\t%s\n", name, def);
		else
			printf("%s\n", name);
	}
	return bad;
}
