/*
 * daemon.c — `redress daemon [--foreground]`: load the configuration,
 * take the database's daemon lock (one daemon per database), open the
 * database, and hand both to the service (service/), which runs until it
 * is told to stop.
 */
#include <signal.h>
#include <stdio.h>
#include "cli/cli.h"

int
rd_cmd_daemon(const RdGlobalOptions *g, int argc, char **argv)
{
	/* Stop and reload signals wait until the service can handle them
	 * (rd_service_run unblocks them once its handlers are in place):
	 * systemd stopping a daemon that is still starting, or a test that
	 * stops one as soon as it holds the lock, then gets a clean stop
	 * (exit 0) rather than a process killed mid-start. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
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

	/* One daemon per database: its lock is taken before the database is
	 * opened (a second daemon changes nothing, not even the heartbeat)
	 * and held until the service has closed every connection. */
	RdConfig *cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	/* A copy: the service frees @cfg when SIGHUP replaces it. */
	g_autofree char *db_path = g_strdup(rd_db_path_global(g, cfg));
	rd_cli_test_gate();
	g_autoptr(RdStoreLock) lock = rd_store_lock_daemon(db_path, &err);
	RdStore *store = lock != NULL ? rd_store_open(db_path, &err) : NULL;
	if (store == NULL) {
		int rc = rd_cli_store_error(db_path, err);
		if (err->code == RD_STORE_ERROR_DAEMON_RUNNING)
			fprintf(stderr, "redress: only one daemon may run on a database; see 'redress status'\n");
		rd_config_free(cfg);
		return rc;
	}
	return rd_service_run(cfg, store, db_path, rd_config_path_global(g));
}
