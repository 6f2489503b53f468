/*
 * actionsdigest.c — `redress actions digest --period P --out FILE`: the
 * public "you said, we did" page (report/learning.c), anonymised, of the
 * publishable learning actions done or verified in the period.
 */
#include <stdio.h>
#include "cli/cli.h"

int
rd_cmd_actions_digest(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *period = NULL, *out = NULL;
	GOptionEntry entries[] = {
		{ "period", 0, 0, G_OPTION_ARG_STRING, &period, "2026Q3, 2026-27, 2026 or FROM..TO", "P" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write the HTML here", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— the public \"you said, we did\" page");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	GDate from, to;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc > 1 || period == NULL || out == NULL) {
		fprintf(stderr, "redress actions digest: usage: redress actions digest --period P --out FILE\n");
		return RD_EXIT_USAGE;
	}
	if (!rd_report_period_parse(period, &from, &to)) {
		fprintf(stderr, "redress actions digest: '%s' is not a period: write 2026Q3, 2026-27, 2026 or "
		        "2026-04-01..2026-06-30\n", period);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	guint n = 0;
	g_autofree char *html = rd_report_learning_digest(store, cfg, &from, &to, &n, &err);
	if (html == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (!g_file_set_contents(out, html, -1, &err)) {
		fprintf(stderr, "redress actions digest: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (!g->quiet)
		printf("%u action%s in %s\n", n, n == 1 ? "" : "s", out);
	return RD_EXIT_OK;
}
