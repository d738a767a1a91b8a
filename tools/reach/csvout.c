/*
 * csvout: the CSV leaderboard (see csvout.h); quoting is out.c's.
 */
#include "csvout.h"

#include <inttypes.h>
#include <string.h>

#include "out.h"

void csvout_write(FILE *f, const struct board *b, enum out_csv m)
{
	int staff = GROUPING_NAMES_STAFF(b->by), people = GROUPING_PEOPLE(b->by);
	int pair = b->by == GROUPING_STAFF_CAMPAIGN;
	fprintf(f, "rank,%s,%s%s", grouping_key_col(b->by),
	        staff ? "name,team," : "", pair ? "campaign," : "");
	fputs("clicks,visitors,bots,previews,crawlers,tools,probes,internal", f);
	fputs(people ? ",countries,top_country,top_platform\n" : "\n", f);
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		fprintf(f, "%lu,", r->rank);
		out_csv_text(f, rank_key(r), strlen(rank_key(r)), m);
		if (staff) {
			putc(',', f);
			out_csv_text(f, r->name, strlen(r->name), m);
			putc(',', f);
			out_csv_text(f, r->team, strlen(r->team), m);
		}
		if (pair) {
			putc(',', f);
			out_csv_text(f, rank_ckey(r), strlen(rank_ckey(r)), m);
		}
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		           ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		        r->clicks, r->visitors, r->bots, r->previews, r->crawlers,
		        r->tools, r->probes, r->internal);
		if (people) {
			fprintf(f, ",%" PRIu64 ",", r->countries);
			out_csv_text(f, r->top_country, strlen(r->top_country), m);
			putc(',', f);
			out_csv_text(f, r->top_platform, strlen(r->top_platform), m);
		}
		putc('\n', f);
	}
}
