/*
 * actions.c — `redress actions`: learning actions from the command line.
 *
 *   redress actions list [--overdue] [--open] [--now TIME] [--json]
 *   redress actions show ID
 *   redress actions add (--case REF … | --service NAME) --owner ADDRESS --due DATE --text TEXT
 *                       [--authorised-by ADDRESS] [--publishable] [--at TIME]
 *   redress actions agree|verify|drop ID [--reason TEXT] [--at TIME]
 *   redress actions done ID --evidence TEXT [--at TIME]
 *   redress actions extend ID --due DATE --reason TEXT [--at TIME]
 *   redress actions publish ID [--no]
 *
 * Each change goes through casework/learning.c in a transaction of its
 * own, with an event naming the user (cli:USER), who counts as a manager.
 * Exit statuses as `redress case`: 0 done, 1 refused or bad usage
 * (nothing changed), 2 the database failed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

static void
json_action(JsonBuilder *b, const RdLearningAction *a, gboolean overdue)
{
	json_builder_begin_object(b);
	rd_json_int(b, "id", a->id);
	rd_json_str(b, "text", a->text);
	rd_json_str(b, "owner", a->owner);
	rd_json_str(b, "authorised_by", a->authorised_by);
	rd_json_str(b, "due", a->due);
	rd_json_str(b, "status", a->status);
	rd_json_str(b, "evidence", a->evidence);
	rd_json_str(b, "done_on", a->done_on);
	json_builder_set_member_name(b, "publishable");
	json_builder_add_boolean_value(b, a->publishable);
	json_builder_set_member_name(b, "overdue");
	json_builder_add_boolean_value(b, overdue);
	rd_json_str(b, "service", a->service);
	json_builder_set_member_name(b, "cases");
	json_builder_begin_array(b);
	for (guint i = 0; i < a->cases->len; i++)
		json_builder_add_string_value(b, a->cases->pdata[i]);
	json_builder_end_array(b);
	rd_json_time(b, "created_at", a->created_at);
	rd_json_time(b, "updated_at", a->updated_at);
	json_builder_end_object(b);
}

static gboolean
parse_at(const char *cmd, const char *when, gint64 *at_r)
{
	*at_r = g_get_real_time() / G_USEC_PER_SEC;
	if (when != NULL && !rd_time_parse(when, at_r)) {
		fprintf(stderr, "redress actions %s: '%s' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00Z)\n", cmd,
		        when);
		return FALSE;
	}
	return TRUE;
}

static int
cmd_list(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean overdue = FALSE, open_only = FALSE;
	g_autofree char *when = NULL;
	GOptionEntry entries[] = {
		{ "overdue", 0, 0, G_OPTION_ARG_NONE, &overdue, "Only open actions whose target date has passed", NULL },
		{ "open", 0, 0, G_OPTION_ARG_NONE, &open_only, "Only open (proposed or agreed) actions", NULL },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— learning actions, open ones by target date");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc > 1) {
		fprintf(stderr, "redress actions list: %s (see redress actions list --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	gint64 now;
	if (!parse_at("list", when, &now))
		return RD_EXIT_USAGE;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);
	GDate day;
	rd_date_london(dt, &day);
	g_autofree char *today = rd_date_format_iso(&day);

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(GPtrArray) all = rd_store_actions_list(store, open_only || overdue, &err);
	if (all == NULL) {
		fprintf(stderr, "redress: error: cannot list actions: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(GPtrArray) shown = g_ptr_array_new();
	for (guint i = 0; i < all->len; i++) {
		const RdLearningAction *a = all->pdata[i];
		RdLearningStatus s;
		gboolean late = rd_learning_status_from_string(a->status, &s) && rd_learning_status_open(s) &&
		                strcmp(a->due, today) < 0;
		if (!overdue || late)
			g_ptr_array_add(shown, (gpointer)a);
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_array(b);
		for (guint i = 0; i < shown->len; i++) {
			const RdLearningAction *a = shown->pdata[i];
			RdLearningStatus s;
			gboolean late = rd_learning_status_from_string(a->status, &s) && rd_learning_status_open(s) &&
			                strcmp(a->due, today) < 0;
			json_action(b, a, late);
		}
		json_builder_end_array(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (shown->len == 0) {
		if (!g->quiet)
			printf("no %sactions\n", overdue ? "overdue " : open_only ? "open " : "");
		return RD_EXIT_OK;
	}
	printf("%-5s %-9s %-10s %-28s %-20s %s\n", "ID", "STATUS", "DUE", "OWNER", "SERVICE", "TEXT");
	for (guint i = 0; i < shown->len; i++) {
		const RdLearningAction *a = shown->pdata[i];
		g_autofree char *owner = rd_cli_one_line(a->owner, 28);
		g_autofree char *service = rd_cli_one_line(a->service ? a->service : "-", 20);
		g_autofree char *text = rd_cli_one_line(a->text, 60);
		printf("%-5" G_GINT64_FORMAT " %-9s %-10s %-28s %-20s %s\n", a->id, a->status, a->due, owner, service,
		       text);
	}
	if (!g->quiet)
		printf("%u action%s\n", shown->len, shown->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

static int
cmd_show(const RdGlobalOptions *g, int argc, char **argv)
{
	gint64 id;
	if (argc != 2 || !g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &id, NULL)) {
		fprintf(stderr, "redress actions: usage: redress actions show ID\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdLearningAction) a = NULL;
	if (!rd_store_action_get(store, id, &a, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (a == NULL) {
		fprintf(stderr, "redress actions: no action %" G_GINT64_FORMAT " (list them with: redress actions list)\n",
		        id);
		return RD_EXIT_USAGE;
	}
	g_autoptr(GPtrArray) ev = rd_store_action_events(store, id, &err);
	if (ev == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_action(b, a, FALSE);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	printf("Action %" G_GINT64_FORMAT ": %s\n", a->id, a->text);
	printf("  status        %s%s\n", a->status, a->publishable ? " (may be published)" : "");
	printf("  owner         %s\n", a->owner);
	printf("  authorised by %s\n", a->authorised_by ? a->authorised_by : "-");
	printf("  target date   %s\n", a->due);
	printf("  service       %s\n", a->service ? a->service : "-");
	printf("  cases         ");
	for (guint i = 0; i < a->cases->len; i++)
		printf("%s%s", i ? ", " : "", (const char *)a->cases->pdata[i]);
	printf("%s\n", a->cases->len ? "" : "-");
	if (a->evidence != NULL)
		printf("  evidence      %s (%s)\n", a->evidence, a->done_on ? a->done_on : "");
	printf("History:\n");
	for (guint i = 0; i < ev->len; i++) {
		const RdEvent *e = ev->pdata[i];
		g_autofree char *t = rd_time_format_local(e->at);
		printf("  %s  %-18s %-26s %s\n", t, e->type, e->actor ? e->actor : "", e->detail ? e->detail : "");
	}
	return RD_EXIT_OK;
}

static int
cmd_add(const RdGlobalOptions *g, int argc, char **argv)
{
	g_auto(GStrv) cases = NULL;
	g_autofree char *service = NULL, *owner = NULL, *due = NULL, *text = NULL, *auth = NULL, *when = NULL;
	gboolean publishable = FALSE;
	GOptionEntry entries[] = {
		{ "case", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cases, "A case it comes from (again for several)", "REF" },
		{ "service", 0, 0, G_OPTION_ARG_STRING, &service, "The service it belongs to", "NAME" },
		{ "owner", 0, 0, G_OPTION_ARG_STRING, &owner, "Who will make the change", "ADDRESS" },
		{ "due", 0, 0, G_OPTION_ARG_STRING, &due, "The target date", "YYYY-MM-DD" },
		{ "text", 0, 0, G_OPTION_ARG_STRING, &text, "What will change", "TEXT" },
		{ "authorised-by", 0, 0, G_OPTION_ARG_STRING, &auth, "The manager who agreed it (it starts agreed)",
		  "ADDRESS" },
		{ "publishable", 0, 0, G_OPTION_ARG_NONE, &publishable, "It may appear in the public digest", NULL },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &when, "When (ISO 8601; default now)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— a new learning action");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc > 1) {
		fprintf(stderr, "redress actions add: %s (see redress actions add --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	if (owner == NULL || due == NULL || text == NULL || (cases == NULL && service == NULL)) {
		fprintf(stderr, "redress actions add: usage: redress actions add --case REF|--service NAME --owner ADDRESS "
		        "--due YYYY-MM-DD --text TEXT [--authorised-by ADDRESS] [--publishable]\n");
		return RD_EXIT_USAGE;
	}
	RdActionRequest q = { 0 };
	if (!parse_at("add", when, &q.at))
		return RD_EXIT_USAGE;
	g_autofree char *actor = rd_cli_actor();
	q.actor = actor;
	q.text = text;
	q.owner = owner;
	q.due = due;
	q.authorised_by = auth;
	q.service = service;
	q.cases = (const char *const *)cases;
	q.publishable = publishable;
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdLearningAction) a = NULL;
	if (!rd_casework_action_add(cw, &q, &a, &err))
		return rd_cli_casework_failed("actions add", err);
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_action(b, a, FALSE);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf("action %" G_GINT64_FORMAT " %s: %s, owner %s, target %s\n", a->id, a->status, a->text, a->owner,
		       a->due);
	}
	return RD_EXIT_OK;
}

static int
cmd_change(const RdGlobalOptions *g, RdLearningMove move, int argc, char **argv)
{
	g_autofree char *evidence = NULL, *due = NULL, *reason = NULL, *when = NULL;
	const char *name = rd_learning_move_to_string(move);
	GOptionEntry entries[] = {
		{ "evidence", 0, 0, G_OPTION_ARG_STRING, &evidence, "done: what shows it was done", "TEXT" },
		{ "due", 0, 0, G_OPTION_ARG_STRING, &due, "extend: the new target date", "YYYY-MM-DD" },
		{ "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "extend, drop, verify: why", "TEXT" },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &when, "When (ISO 8601; default now)", "TIME" },
		{ NULL }
	};
	g_autofree char *title = g_strdup_printf("ID — %s a learning action", name);
	g_autoptr(GOptionContext) oc = g_option_context_new(title);
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	RdActionChange ch = { 0 };
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 2 ||
	    !g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &ch.id, NULL)) {
		fprintf(stderr, "redress actions %s: %s (see redress actions %s --help)\n", name,
		        err ? err->message : "give the action's number", name);
		return RD_EXIT_USAGE;
	}
	if ((move == RD_LEARNING_MOVE_DONE && evidence == NULL) ||
	    (move == RD_LEARNING_MOVE_EXTEND && (due == NULL || reason == NULL)) ||
	    (evidence != NULL && move != RD_LEARNING_MOVE_DONE) || (due != NULL && move != RD_LEARNING_MOVE_EXTEND)) {
		fprintf(stderr, "redress actions %s: usage: redress actions %s ID%s\n", name, name,
		        move == RD_LEARNING_MOVE_DONE     ? " --evidence TEXT"
		        : move == RD_LEARNING_MOVE_EXTEND ? " --due YYYY-MM-DD --reason TEXT"
		                                          : " [--reason TEXT]");
		return RD_EXIT_USAGE;
	}
	if (!parse_at(name, when, &ch.at))
		return RD_EXIT_USAGE;
	g_autofree char *actor = rd_cli_actor();
	ch.move = move;
	ch.actor = actor;
	ch.who.manager = TRUE;
	ch.evidence = evidence;
	ch.date = due;
	ch.reason = reason;
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autofree char *done = NULL;
	g_autofree char *cmd = g_strdup_printf("actions %s", name);
	if (!rd_casework_action_change(cw, &ch, &done, &err))
		return rd_cli_casework_failed(cmd, err);
	if (!g->quiet)
		printf("%s\n", done);
	return RD_EXIT_OK;
}

static int
cmd_publish(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean no = FALSE;
	GOptionEntry entries[] = {
		{ "no", 0, 0, G_OPTION_ARG_NONE, &no, "Not to be published", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("ID — may the action appear in the public digest");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	gint64 id;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 2 ||
	    !g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &id, NULL)) {
		fprintf(stderr, "redress actions publish: usage: redress actions publish ID [--no]\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autofree char *actor = rd_cli_actor();
	if (!rd_casework_action_publish(cw, id, !no, actor, g_get_real_time() / G_USEC_PER_SEC, &err))
		return rd_cli_casework_failed("actions publish", err);
	if (!g->quiet)
		printf("action %" G_GINT64_FORMAT " %s\n", id, no ? "is not to be published" : "may be published");
	return RD_EXIT_OK;
}

int
rd_cmd_actions(const RdGlobalOptions *g, int argc, char **argv)
{
	static const struct {
		const char *name;
		int move;   /* an RdLearningMove, or -1 */
	} changes[] = {
		{ "agree", RD_LEARNING_MOVE_AGREE }, { "done", RD_LEARNING_MOVE_DONE },
		{ "verify", RD_LEARNING_MOVE_VERIFY }, { "drop", RD_LEARNING_MOVE_DROP },
		{ "extend", RD_LEARNING_MOVE_EXTEND },
	};
	const char *sub = argc >= 2 ? argv[1] : "list";
	int sargc = argc >= 2 ? argc - 1 : 1;
	char **sargv = argc >= 2 ? argv + 1 : argv;
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		printf("Usage:\n  redress actions list|show|add|agree|done|verify|drop|extend|publish|digest …\n"
		       "(each with --help for its options)\n");
		return RD_EXIT_OK;
	}
	if (strcmp(sub, "list") == 0)
		return cmd_list(g, sargc, sargv);
	if (strcmp(sub, "show") == 0)
		return cmd_show(g, sargc, sargv);
	if (strcmp(sub, "add") == 0)
		return cmd_add(g, sargc, sargv);
	if (strcmp(sub, "publish") == 0)
		return cmd_publish(g, sargc, sargv);
	if (strcmp(sub, "digest") == 0)
		return rd_cmd_actions_digest(g, sargc, sargv);
	for (guint i = 0; i < G_N_ELEMENTS(changes); i++)
		if (strcmp(sub, changes[i].name) == 0)
			return cmd_change(g, (RdLearningMove)changes[i].move, sargc, sargv);
	fprintf(stderr, "redress actions: unknown subcommand '%s'; use list, show, add, agree, done, verify, drop, extend, "
	        "publish or digest\n", sub);
	return RD_EXIT_USAGE;
}
