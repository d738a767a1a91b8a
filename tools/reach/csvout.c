/*
 * csvout: the CSV leaderboard (see csvout.h); quoting is out.c's.
 */
#include "csvout.h"

#include <inttypes.h>
#include <string.h>

#include "convfile.h"
#include "out.h"

void csvout_write(FILE *f, const struct board *b, enum out_csv m)
{
	int staff = GROUPING_NAMES_STAFF(b->by), people = GROUPING_PEOPLE(b->by);
	int pair = b->by == GROUPING_STAFF_CAMPAIGN;
	fprintf(f, "rank,%s,%s%s", grouping_key_col(b->by),
	        staff ? "name,team," : "", pair ? "campaign," : "");
	fputs("clicks,visitors,bots,previews,crawlers,tools,probes,internal", f);
	fputs(people ? ",countries,top_country,top_platform" : "", f);
	/* New columns go last: scripts read the old ones where they were. */
	fputs(b->compare ? ",prev_clicks,prev_visitors,change,prev_rank,"
	                   "rank_change" : "", f);
	fputs(b->flags ? ",flags" : "", f);
	fputs(b->ties_earliest ? ",reached" : "", f);
	fputs(b->conversions ? ",conversions,conversion_value,conversion_rate\n"
	                     : "\n", f);
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		if (r->rank)        /* unranked (--min-visitors): empty */
			fprintf(f, "%lu", r->rank);
		putc(',', f);
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
		if (b->compare) {
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",",
			        r->prev_clicks, r->prev_visitors, r->change);
			if (r->prev_rank)
				fprintf(f, "%lu", r->prev_rank);
			putc(',', f);
			if (rank_moved(r))
				fprintf(f, "%ld", r->rank_change);
		}
		if (b->flags)
			fputs(r->flags & RANK_F_REPEAT ? ",repeat" : ",", f);
		if (b->ties_earliest) {
			char iso[21];
			putc(',', f);
			if (r->reached) {
				out_time_iso(r->reached, iso);
				fputs(iso, f);
			}
		}
		if (b->conversions) {
			char val[32], rate[32];
			convfile_value_text(r->conv_value, val);
			rank_rate_text(r, rate);
			fprintf(f, ",%" PRIu64 ",%s,%s", r->conversions, val, rate);
		}
		putc('\n', f);
	}
}
