/*
 * daemon.c — `redress daemon [--foreground]`: load the configuration,
 * open the database, and hand both to the service (service/), which runs
 * until it is told to stop.
 */
#include <stdio.h>
#include "cli/cli.h"

int
rd_cmd_daemon(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean foreground = FALSE;
	GOptionEntry entries[] = {
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		  "Stay in the foreground (always so: systemd supervises, nothing forks)", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— watch the mailboxes, send letters, sweep deadlines");
	g_option_context_set_summary(oc,
		"Runs until SIGTERM or SIGINT (finishing the message or letter in hand); SIGHUP reloads the "
		"configuration. Logs to stderr; under systemd (Type=notify) it reports READY, STATUS and "
		"WATCHDOG. See 'redress status' for what it is doing.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress daemon: %s (see redress daemon --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}

	RdConfig *cfg = NULL;
	RdStore *store = NULL;
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	return rd_service_run(cfg, store, db_path, rd_config_path_global(g));
}
