/*
 * backup.c — `redress backup [--force] [--keep N] DEST`: a consistent copy
 * of the database (store/backup.c), safe while the daemon and ingest run.
 *
 * DEST is a file, or an existing folder, where the copy is named
 * redress-YYYYMMDD-HHMMSS.db; with a folder, --keep N then removes all but
 * the newest N such copies (what the systemd timer runs).
 */
#include <stdio.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

int
rd_cmd_backup(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean force = FALSE;
	gint keep = 0;
	GOptionEntry entries[] = {
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace DEST if it exists", NULL },
		{ "keep", 0, 0, G_OPTION_ARG_INT, &keep,
		  "DEST is a folder: keep only the newest N backups in it (after this one succeeded)", "N" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("DEST — a consistent copy of the database");
	g_option_context_set_summary(oc,
		"Copies the database while it is in use (the daemon, ingest and fetch go on writing) as it "
		"was when the backup began, checks the copy (integrity, schema), syncs it and renames it to "
		"DEST (mode 0600). DEST may be an existing folder: the copy is then named "
		"redress-YYYYMMDD-HHMMSS.db in it.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 2 || keep < 0) {
		fprintf(stderr, "redress backup: %s (see redress backup --help)\n",
		        err ? err->message : argc != 2 ? "give one DEST, a file or a folder" : "--keep must be 1 or more");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	const char *db = rd_db_path_global(g, cfg);
	gboolean to_dir = g_file_test(argv[1], G_FILE_TEST_IS_DIR);
	if (keep > 0 && !to_dir) {
		fprintf(stderr, "redress backup: --keep needs DEST to be a folder (%s is not one)\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	gint64 t0 = g_get_monotonic_time();
	g_autofree char *dest = to_dir ? rd_store_backup_name(argv[1], g_get_real_time() / G_USEC_PER_SEC)
	                               : g_strdup(argv[1]);
	RdCopyInfo info;
	if (!rd_store_backup(db, dest, force, &info, &err)) {
		fprintf(stderr, "redress backup: %s\n", err->message);
		return rd_cli_store_exit(err);
	}
	double seconds = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	g_autoptr(GPtrArray) removed = NULL;
	if (keep > 0 && !rd_store_backup_prune(argv[1], (guint)keep, &removed, &err)) {
		/* The backup itself is good; the old ones are still there. */
		fprintf(stderr, "redress backup: %s made, but %s\n", dest, err->message);
		return rd_cli_store_exit(err);
	}

	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "database", db);
		rd_json_str(b, "backup", dest);
		rd_json_int(b, "bytes", info.bytes);
		rd_json_int(b, "schema", info.schema);
		rd_json_int(b, "cases", info.cases);
		rd_json_int(b, "messages", info.messages);
		rd_json_str(b, "integrity", "ok");
		json_builder_set_member_name(b, "seconds");
		json_builder_add_double_value(b, seconds);
		json_builder_set_member_name(b, "removed");
		json_builder_begin_array(b);
		for (guint i = 0; removed != NULL && i < removed->len; i++)
			json_builder_add_string_value(b, removed->pdata[i]);
		json_builder_end_array(b);
		json_builder_end_object(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (g->quiet)
		return RD_EXIT_OK;
	g_autofree char *size = g_format_size((guint64)info.bytes);
	printf("backed up %s to %s: %s, schema %d, %" G_GINT64_FORMAT " case%s, %" G_GINT64_FORMAT
	       " message%s, integrity ok, in %.1f s\n", db, dest, size, info.schema, info.cases,
	       info.cases == 1 ? "" : "s", info.messages, info.messages == 1 ? "" : "s", seconds);
	for (guint i = 0; removed != NULL && i < removed->len; i++)
		printf("removed the old backup %s\n", (const char *)removed->pdata[i]);
	return RD_EXIT_OK;
}
