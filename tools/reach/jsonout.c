/*
 * jsonout: the JSON leaderboard (see jsonout.h); string escaping is out.c's.
 */
#include "jsonout.h"

#include <inttypes.h>
#include <string.h>

#include "convfile.h"
#include "out.h"
#include "visitor.h"

/* ", \"NAME\": " and s as a JSON string. */
static void json_str(FILE *f, const char *name, const char *s)
{
	fprintf(f, ", \"%s\": ", name);
	out_json_str(f, s, strlen(s));
}

/* A rank, or null for none (0). */
static void json_rank(FILE *f, unsigned long rank)
{
	if (rank)
		fprintf(f, "%lu", rank);
	else
		fputs("null", f);
}

void jsonout_write(FILE *f, const struct board *b)
{
	int staff = GROUPING_NAMES_STAFF(b->by), people = GROUPING_PEOPLE(b->by);
	int pair = b->by == GROUPING_STAFF_CAMPAIGN;
	fputs(b->n ? "[\n" : "[]\n", f);
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		fputs("  {\"rank\": ", f);
		json_rank(f, r->rank);
		fprintf(f, ", \"%s\": ", grouping_key_col(b->by));
		if (b->by == GROUPING_HOUR)
			fputs(rank_key(r), f);      /* a number, 0-23 */
		else
			out_json_str(f, rank_key(r), strlen(rank_key(r)));
		if (staff) {
			json_str(f, "name", r->name);
			json_str(f, "team", r->team);
		}
		if (pair)
			json_str(f, "campaign", rank_ckey(r));
		fprintf(f, ", \"clicks\": %" PRIu64 ", \"visitors\": %" PRIu64,
		        r->clicks, r->visitors);
		/* Only on estimates: exact rows read as they always have. */
		if (r->estimated)
			fputs(", \"visitors_estimated\": true", f);
		fprintf(f, ", \"bots\": %" PRIu64 ", \"previews\": %" PRIu64
		           ", \"crawlers\": %" PRIu64 ", \"tools\": %" PRIu64
		           ", \"probes\": %" PRIu64 ", \"internal\": %" PRIu64,
		        r->bots, r->previews, r->crawlers, r->tools, r->probes,
		        r->internal);
		if (people) {
			fprintf(f, ", \"countries\": %" PRIu64, r->countries);
			json_str(f, "top_country", r->top_country);
			json_str(f, "top_platform", r->top_platform);
		}
		if (b->compare) {
			fprintf(f, ", \"prev_clicks\": %" PRIu64
			           ", \"prev_visitors\": %" PRIu64, r->prev_clicks,
			        r->prev_visitors);
			if (r->prev_estimated)
				fputs(", \"prev_visitors_estimated\": true", f);
			fprintf(f, ", \"change\": %" PRId64 ", \"prev_rank\": ",
			        r->change);
			json_rank(f, r->prev_rank);
			fputs(", \"rank_change\": ", f);
			if (rank_moved(r))
				fprintf(f, "%ld", r->rank_change);
			else
				fputs("null", f);
		}
		if (b->flags)
			fputs(r->flags & RANK_F_REPEAT ? ", \"flags\": [\"repeat\"]"
			                               : ", \"flags\": []", f);
		if (b->ties_earliest && r->reached) {
			char iso[21];
			out_time_iso(r->reached, iso);
			json_str(f, "reached", iso);
		} else if (b->ties_earliest) {
			fputs(", \"reached\": null", f);
		}
		/* What "visitors" counts: the key period of the segments (the
		 * shortest, if they mix) and the unit the figure is in. */
		json_str(f, "visitor_period", visitor_period_name(b->visitor_period));
		json_str(f, "visitor_unit", rank_visitor_unit(b));
		/* New fields last, as in the CSV. */
		if (b->conversions) {
			char val[32], rate[32];
			convfile_value_text(r->conv_value, val);
			fprintf(f, ", \"conversions\": %" PRIu64
			           ", \"conversion_value\": %s, \"conversion_rate\": %s",
			        r->conversions, val,
			        rank_rate_text(r, rate) ? rate : "null");
		}
		fprintf(f, "}%s\n", i + 1 < b->n ? "," : "");
	}
	if (b->n)
		fputs("]\n", f);
}
