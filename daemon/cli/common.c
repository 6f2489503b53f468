/*
 * common.c — what every subcommand does first: find and load the
 * configuration, then open the database, with errors that say what to do.
 *
 * Commands that only read (status, cases, show, the triage and outbox
 * lists, letters preview, backup) open it read-only: they never create a
 * database that is not there, nor upgrade one of an older schema — that
 * is left to the commands that write (ingest, fetch, daemon, …), so that
 * a look at the wrong path or with a newer binary changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include "cli/cli.h"

const char *
rd_config_path_global(const RdGlobalOptions *g)
{
	const char *cpath = g->config_path;
	if (cpath == NULL)
		cpath = g_getenv("REDRESS_CONFIG");
	if (cpath == NULL && g_file_test(RD_DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
		cpath = RD_DEFAULT_CONFIG;
	return cpath;
}

RdConfig *
rd_config_load_global(const RdGlobalOptions *g)
{
	const char *cpath = rd_config_path_global(g);
	g_autoptr(GError) err = NULL;
	RdConfig *cfg = rd_config_load(cpath, &err);
	if (cfg == NULL)
		fprintf(stderr, "%s\nredress: fix the configuration (check it with: redress config check)\n", err->message);
	return cfg;
}

const char *
rd_db_path_global(const RdGlobalOptions *g, const RdConfig *cfg)
{
	const char *db = g->db_path;
	if (db == NULL)
		db = g_getenv("REDRESS_DB");
	if (db == NULL && cfg != NULL)
		db = cfg->database;
	if (db == NULL)
		db = RD_DEFAULT_DB;
	return db;
}

int
rd_cli_store_exit(const GError *err)
{
	if (err->domain != RD_STORE_ERROR)
		return RD_EXIT_INTERNAL;
	switch (err->code) {
	case RD_STORE_ERROR_MISSING:
	case RD_STORE_ERROR_OUTDATED:
	case RD_STORE_ERROR_DAEMON_RUNNING:
	case RD_STORE_ERROR_SCHEMA:
	case RD_STORE_ERROR_DEST:
	case RD_STORE_ERROR_DAMAGED:
		return RD_EXIT_USAGE;
	default:
		return RD_EXIT_INTERNAL;
	}
}

/* A store that cannot be opened, said so that the reader knows what to do.
 * Returns the exit status. */
int
rd_cli_store_error(const char *db, const GError *err)
{
	switch (err->code) {
	case RD_STORE_ERROR_MISSING:
	case RD_STORE_ERROR_OUTDATED:
	case RD_STORE_ERROR_DAEMON_RUNNING:
		/* The message names the file and what to run. */
		fprintf(stderr, "redress: %s\n", err->message);
		break;
	default:
		fprintf(stderr, "redress: error: cannot open the database %s: %s\n", db, err->message);
		break;
	}
	/* The database itself damaged is the system's trouble (2); a damaged
	 * file given as input (a backup to restore) is the user's (1). */
	if (err->domain == RD_STORE_ERROR && err->code == RD_STORE_ERROR_DAMAGED)
		return RD_EXIT_INTERNAL;
	return rd_cli_store_exit(err);
}

void
rd_cli_test_gate(void)
{
	const char *gate = g_getenv("REDRESS_TEST_OPEN_GATE");
	if (gate == NULL)
		return;
	int fd = open(gate, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* Blocks while the test holds the gate shut; the descriptor
		 * and its lock go at once, before any database is touched. */
		if (flock(fd, LOCK_SH) != 0)
			fprintf(stderr, "redress: REDRESS_TEST_OPEN_GATE: %s\n", g_strerror(errno));
		close(fd);
	}
}

static int
open_config_and_store(const RdGlobalOptions *g, gboolean readonly, RdConfig **cfg_r,
                      RdStore **store_r, char **db_path_r)
{
	RdConfig *cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	g_autoptr(GError) err = NULL;
	const char *db = rd_db_path_global(g, cfg);
	rd_cli_test_gate();
	RdStore *store = readonly ? rd_store_open_readonly(db, &err) : rd_store_open(db, &err);
	if (store == NULL) {
		int rc = rd_cli_store_error(db, err);
		rd_config_free(cfg);
		return rc;
	}
	*cfg_r = cfg;
	*store_r = store;
	if (db_path_r != NULL)
		*db_path_r = g_strdup(db);
	return RD_EXIT_OK;
}

int
rd_open_config_and_store(const RdGlobalOptions *g, RdConfig **cfg_r, RdStore **store_r,
                         char **db_path_r)
{
	return open_config_and_store(g, FALSE, cfg_r, store_r, db_path_r);
}

int
rd_open_config_and_store_readonly(const RdGlobalOptions *g, RdConfig **cfg_r, RdStore **store_r,
                                  char **db_path_r)
{
	return open_config_and_store(g, TRUE, cfg_r, store_r, db_path_r);
}

int
rd_cli_open_casework(RdStore *store, const RdConfig *cfg, RdCasework **cw_r)
{
	g_autoptr(GError) err = NULL;
	*cw_r = rd_casework_new(store, cfg, &err);
	if (*cw_r != NULL)
		return RD_EXIT_OK;
	fprintf(stderr, "redress: error: %s\n", err->message);
	/* Configuration (templates, profiles, the calendar) is the
	 * administrator's to fix; anything else (the database, a damaged
	 * key) is ours. */
	return err->domain == RD_CONFIG_ERROR || err->domain == RD_TEMPLATE_ERROR ||
	       err->domain == RD_PROFILE_ERROR || err->domain == RD_HOLIDAYS_ERROR ||
	       err->domain == G_FILE_ERROR
	       ? RD_EXIT_USAGE : RD_EXIT_INTERNAL;
}

int
rd_cli_open_for_change(const RdGlobalOptions *g, RdConfig **cfg_r, RdStore **store_r, RdCasework **cw_r)
{
	int rc = rd_open_config_and_store(g, cfg_r, store_r, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	return rd_cli_open_casework(*store_r, *cfg_r, cw_r);
}
