/* conf: the configuration file, read once.  See conf.h. */
#include "conf.h"

#include "input.h"
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *path;

void conf_file(const char *p)
{
	path = p;
}

/*
 * Which file is in effect: -c FILE; else $REDIRECTD_CONF (set and not
 * empty); else the installed CONF_DEFAULT when it exists.  An explicit
 * file must be readable; the installed one is skipped, with a note, only
 * when it is not there or this user may not read it (an analyst's account
 * on a node), so the policy a user can see is the one applied.
 */
static const char *conf_path(void)
{
	static int looked;
	static const char *found;
	if (path)
		return path;
	if (looked)
		return found;
	looked = 1;
	const char *env = getenv("REDIRECTD_CONF");
	if (env && *env)
		return found = env;
	if (access(CONF_DEFAULT, F_OK) < 0)
		return NULL;
	if (access(CONF_DEFAULT, R_OK) < 0) {
		out_err("note: %s: %s; it does not apply (-c FILE names "
		        "another)", CONF_DEFAULT,
		        strerror(errno));
		return NULL;
	}
	return found = CONF_DEFAULT;
}

int conf_given(void)
{
	return conf_path() != NULL;
}

static int db_named;   /* the file sets db */

int conf_load(const struct config **out)
{
	static struct config cfg;   /* large: not on the stack */
	static int state = -1;      /* -1 unread, else conf_load's result */
	if (state < 0) {
		config_init(&cfg);
		state = 0;
		const char *file = conf_path();
		if (file) {
			/* db emptied, so a parse that sets it shows; its
			 * default put back after (config_init's table). */
			char def[sizeof cfg.db];
			memcpy(def, cfg.db, sizeof def);
			cfg.db[0] = '\0';
			char *buf;
			size_t len;
			const char *label;
			int rc = input_read(file, &buf, &len, &label);
			if (rc)
				return state = rc;
			struct config_diag diag;
			unsigned bad = config_parse(&cfg, buf, len, &diag);
			free(buf);
			for (unsigned i = 0; i < bad && i < CONFIG_DIAG_MAX; i++)
				out_err("%s:%u: %s", label, diag.e[i].line,
				        diag.e[i].msg);
			if (bad)
				state = 1;
			db_named = cfg.db[0] != '\0';
			if (!db_named)
				memcpy(cfg.db, def, sizeof def);
		}
	}
	*out = &cfg;
	return state;
}

int conf_db(const char **db)
{
	const struct config *cfg;
	*db = NULL;
	if (!conf_given())
		return 0;
	if (conf_load(&cfg))
		return 1;
	if (db_named)
		*db = cfg->db;
	return 0;
}
