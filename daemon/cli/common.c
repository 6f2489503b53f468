/*
 * common.c — what every subcommand does first: find and load the
 * configuration, then open the database, with errors that say what to do.
 */
#include <stdio.h>
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

int
rd_open_config_and_store(const RdGlobalOptions *g, RdConfig **cfg_r, RdStore **store_r,
                         char **db_path_r)
{
	RdConfig *cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	g_autoptr(GError) err = NULL;
	const char *db = g->db_path;
	if (db == NULL)
		db = g_getenv("REDRESS_DB");
	if (db == NULL)
		db = cfg->database;
	if (db == NULL)
		db = RD_DEFAULT_DB;
	RdStore *store = rd_store_open(db, &err);
	if (store == NULL) {
		fprintf(stderr, "redress: error: cannot open the database %s: %s\n", db, err->message);
		rd_config_free(cfg);
		return err->code == RD_STORE_ERROR_SCHEMA ? RD_EXIT_USAGE : RD_EXIT_INTERNAL;
	}
	*cfg_r = cfg;
	*store_r = store;
	if (db_path_r != NULL)
		*db_path_r = g_strdup(db);
	return RD_EXIT_OK;
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
