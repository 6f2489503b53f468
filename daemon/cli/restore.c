/*
 * restore.c — `redress restore SRC`: put a backup back as the database
 * (store/backup.c). Refused while a daemon runs on it; SRC is checked
 * before anything changes, and the database as it was is kept beside it.
 */
#include <stdio.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

int
rd_cmd_restore(const RdGlobalOptions *g, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL } };
	g_autoptr(GOptionContext) oc = g_option_context_new("SRC — put a backup back as the database");
	g_option_context_set_summary(oc,
		"Stop the daemon first (systemctl stop redress), and let no ingest or fetch run. SRC is "
		"checked (integrity, schema) before anything changes; the database as it was is kept as "
		"DATABASE.before-restore-YYYYMMDD-HHMMSS; an older SRC is upgraded to the current schema.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "redress restore: %s (see redress restore --help)\n",
		        err ? err->message : "give one SRC, a backup made by redress backup");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	const char *db = rd_db_path_global(g, cfg);
	RdRestoreInfo info;
	if (!rd_store_restore(db, argv[1], &info, &err)) {
		fprintf(stderr, "redress restore: %s\n", err->message);
		if (err->code == RD_STORE_ERROR_DAEMON_RUNNING)
			fprintf(stderr, "redress restore: stop it first (systemctl stop redress); nothing was changed\n");
		return rd_cli_store_exit(err);
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "database", db);
		rd_json_str(b, "restored_from", argv[1]);
		rd_json_int(b, "schema_of_backup", info.restored.schema);
		rd_json_int(b, "schema", info.schema_after);
		rd_json_int(b, "cases", info.restored.cases);
		rd_json_int(b, "messages", info.restored.messages);
		json_builder_set_member_name(b, "in_place");
		json_builder_add_boolean_value(b, info.in_place);
		rd_json_str(b, "kept", info.kept);
		json_builder_end_object(b);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf("restored %s from %s: schema %d%s, %" G_GINT64_FORMAT " case%s, %" G_GINT64_FORMAT
		       " message%s (%s)\n", db, argv[1], info.restored.schema,
		       info.restored.schema < info.schema_after ? " (upgraded)" : "", info.restored.cases,
		       info.restored.cases == 1 ? "" : "s", info.restored.messages,
		       info.restored.messages == 1 ? "" : "s",
		       info.in_place ? "written into the database in one transaction"
		       : info.kept != NULL ? "the files replaced" : "a new file");
		if (info.kept != NULL)
			printf("the database as it was is kept as %s\n", info.kept);
	}
	rd_restore_info_clear(&info);
	return RD_EXIT_OK;
}
