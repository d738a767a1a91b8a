/* policy: our own short hosts and the short links' base URL.  See
 * policy.h. */
#include "policy.h"

#include "conf.h"
#include "idn.h"
#include "msg.h"
#include "out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_HOST_ARGS_MAX 64

/* Every --short-host, and --base-url's host. */
static char short_host_args[SHORT_HOST_ARGS_MAX][CONFIG_HOST_MAX];
static unsigned n_short_host_args;
/* --base-url, and base_url from -c FILE (read by policy_load). */
static char base_url_arg[CONFIG_STR_MAX], base_url_conf[CONFIG_STR_MAX];

int policy_short_host(const char *v)
{
	static struct config scratch;   /* large: not on the stack */
	char err[200];
	if (config_set(&scratch, "short_hosts", v, err, sizeof err) < 0)
		return msg_usage_error("--short-host: %s", err);
	for (unsigned i = 0; i < scratch.n_short_hosts; i++) {
		if (n_short_host_args == SHORT_HOST_ARGS_MAX)
			return msg_usage_error("more than %d --short-host hosts",
			                       SHORT_HOST_ARGS_MAX);
		strcpy(short_host_args[n_short_host_args++],
		       scratch.short_hosts[i]);
	}
	return 0;
}

/* Copy the host of a checked base URL into out[CONFIG_HOST_MAX], lower
 * case: our own short host.  0 when it has none that fits. */
static int base_url_host(const char *url, char *out)
{
	const char *h;
	size_t n;
	target_host(url, strlen(url), &h, &n);
	if (!h || !n || n >= CONFIG_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
	out[n] = '\0';
	return 1;
}

int policy_base_url_arg(const char *v)
{
	static struct config scratch;
	char err[200];
	if (config_set(&scratch, "base_url", v, err, sizeof err) < 0)
		/* The message starts "base_url: ". */
		return msg_usage_error("--base-url: %s", strchr(err, ' ') + 1);
	if (!scratch.base_url[0])
		return msg_usage_error("--base-url: an http(s) URL, e.g. "
		                       "https://go.example.org");
	strcpy(base_url_arg, scratch.base_url);
	if (n_short_host_args < SHORT_HOST_ARGS_MAX &&
	    base_url_host(base_url_arg, short_host_args[n_short_host_args]))
		n_short_host_args++;
	return 0;
}

const char *policy_base_url(void)
{
	return base_url_arg[0] ? base_url_arg
	       : base_url_conf[0] ? base_url_conf : NULL;
}

int policy_load(struct target_policy *p)
{
	static const char *own[CONFIG_LIST_MAX + 1 + SHORT_HOST_ARGS_MAX];
	static char conf_host[CONFIG_HOST_MAX];
	size_t n = 0;
	if (conf_given()) {
		const struct config *cfg;
		int rc = conf_load(&cfg);
		if (rc)
			return rc;
		for (unsigned i = 0; i < cfg->n_short_hosts; i++)
			own[n++] = cfg->short_hosts[i];
		/* base_url's host is ours too: a target there is a loop. */
		strcpy(base_url_conf, cfg->base_url);
		if (cfg->base_url[0] && base_url_host(cfg->base_url, conf_host))
			own[n++] = conf_host;
	}
	for (unsigned i = 0; i < n_short_host_args; i++)
		own[n++] = short_host_args[i];
	*p = (struct target_policy){ .own_hosts = own, .n_own_hosts = n };
	return 0;
}

int policy_homograph(const char *url, size_t len, char *msg, size_t n)
{
	const char *host, *label, *script[2];
	size_t hlen, llen;
	target_host(url, len, &host, &hlen);
	switch (idn_host_check(host, hlen, &label, &llen, script)) {
	case IDN_MIXED:
		snprintf(msg, n, "warning: host label '%.*s' mixes %s and %s "
		         "letters: browsers may show it as a look-alike of "
		         "another name; check the target is the site you mean",
		         (int)llen, label, script[0], script[1]);
		return 1;
	case IDN_INVALID:
		snprintf(msg, n, "warning: host label '%.*s' is not valid "
		         "punycode: browsers may refuse it", (int)llen, label);
		return 1;
	default:
		return 0;
	}
}
