/*
 * status.c — `redress status [--json]`: what the daemon is doing, read
 * from the store by another process.
 *
 * The daemon's threads record their state as they go (store/status.c):
 * each watcher its mailbox's row, the main thread a heartbeat every few
 * seconds. A daemon is "running" while it holds the database's daemon
 * lock (DATABASE.lock, whose pid is the one shown); where that file cannot
 * be read, while its heartbeat is fresher than three of its intervals and
 * it did not record a clean stop. Otherwise the rows are what it last
 * saw, and no mailbox is shown as connected. The outbox
 * counts and the time of the last deadline sweep come from the case file
 * itself, so they are right whether or not a daemon runs.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

#define STALE_AFTER 3    /* heartbeats missed before a daemon counts as gone */

/* "2026-11-20 16:30" (Europe/London) or "never". */
static char *
when(gint64 t)
{
	return t > 0 ? rd_time_format_local(t) : g_strdup("never");
}

static void
json_time(JsonBuilder *b, const char *name, gint64 t)
{
	json_builder_set_member_name(b, name);
	if (t > 0) {
		g_autofree char *iso = rd_time_format_iso(t);
		json_builder_add_string_value(b, iso);
	} else {
		json_builder_add_null_value(b);
	}
}

int
rd_cmd_status(const RdGlobalOptions *g, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL } };
	g_autoptr(GOptionContext) oc = g_option_context_new("— what the daemon is doing");
	g_option_context_set_summary(oc,
		"Per mailbox: connected, last fetch, last error, messages waiting on the server; the outbox "
		"(queued, failed, suppressed, sent); the last deadline sweep; whether a daemon is running.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress status: %s (see redress status --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;

	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	RdDaemonStatus ds;
	RdOutboxCounts oc_n;
	gboolean ever = rd_store_daemon_status_get(store, &ds, &err);
	g_autoptr(GPtrArray) rows = err == NULL ? rd_store_mailbox_status_list(store, &err) : NULL;
	g_autofree char *sweep = rows != NULL ? rd_store_setting_get(store, RD_SWEEP_LAST_RUN_SETTING, &err) : NULL;
	if (err == NULL)
		rd_store_outbox_counts(store, &oc_n, &err);
	if (err != NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	gint64 last_sweep = sweep != NULL ? g_ascii_strtoll(sweep, NULL, 10) : 0;
	/* The daemon's lock says for certain whether one runs (a daemon
	 * killed a second ago holds it no more); the heartbeat is the
	 * answer only where the lock file cannot be read. */
	gint64 lock_pid = 0;
	int locked = rd_store_daemon_running(db_path, &lock_pid, NULL);
	gboolean fresh = ever && ds.stopped_at == 0 &&
	                 now - ds.heartbeat_at <= STALE_AFTER * MAX(ds.interval, 1);
	gboolean running = locked == 1 || (locked < 0 && fresh);
	/* A daemon that has taken its lock but not yet written its first
	 * heartbeat: the row, if any, is an earlier daemon's. */
	gboolean starting = locked == 1 &&
	                    (!ever || ds.stopped_at != 0 || (lock_pid > 0 && ds.pid != lock_pid));
	if (starting) {
		memset(&ds, 0, sizeof ds);
		ever = lock_pid > 0;
	}
	if (locked == 1 && lock_pid > 0)
		ds.pid = lock_pid;

	/* Configured IMAP mailboxes the daemon has not reported on yet. */
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const char *role = rd_mailbox_to_string((RdMailbox)i);
		if (cfg->mailboxes[i].imap_url == NULL)
			continue;
		gboolean known = FALSE;
		for (guint k = 0; k < rows->len && !known; k++)
			known = strcmp(((RdMailboxStatus *)rows->pdata[k])->mailbox, role) == 0;
		if (!known) {
			RdMailboxStatus *s = g_new0(RdMailboxStatus, 1);
			s->mailbox = g_strdup(role);
			s->waiting = -1;
			g_ptr_array_add(rows, s);
		}
	}

	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "daemon");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "running");
		json_builder_add_boolean_value(b, running);
		json_builder_set_member_name(b, "pid");
		if (ever)
			json_builder_add_int_value(b, ds.pid);
		else
			json_builder_add_null_value(b);
		json_time(b, "started", ever ? ds.started_at : 0);
		json_time(b, "heartbeat", ever ? ds.heartbeat_at : 0);
		json_time(b, "stopped", ever ? ds.stopped_at : 0);
		json_builder_end_object(b);

		json_builder_set_member_name(b, "mailboxes");
		json_builder_begin_array(b);
		for (guint i = 0; i < rows->len; i++) {
			const RdMailboxStatus *s = rows->pdata[i];
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "mailbox");
			json_builder_add_string_value(b, s->mailbox);
			json_builder_set_member_name(b, "connected");
			json_builder_add_boolean_value(b, running && s->connected);
			json_time(b, "last_fetch", s->last_fetch);
			json_builder_set_member_name(b, "last_error");
			if (s->last_error != NULL)
				json_builder_add_string_value(b, s->last_error);
			else
				json_builder_add_null_value(b);
			json_time(b, "last_error_at", s->last_error_at);
			json_builder_set_member_name(b, "waiting");
			if (s->waiting >= 0)
				json_builder_add_int_value(b, s->waiting);
			else
				json_builder_add_null_value(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);

		json_builder_set_member_name(b, "outbox");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "queued");
		json_builder_add_int_value(b, oc_n.queued);
		json_builder_set_member_name(b, "failed");
		json_builder_add_int_value(b, oc_n.failed);
		json_builder_set_member_name(b, "suppressed");
		json_builder_add_int_value(b, oc_n.suppressed);
		json_builder_set_member_name(b, "sent");
		json_builder_add_int_value(b, oc_n.sent);
		json_builder_end_object(b);
		json_time(b, "last_sweep", last_sweep);
		json_builder_end_object(b);
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree char *out = json_to_string(root, TRUE);
		printf("%s\n", out);
		return RD_EXIT_OK;
	}

	if (starting && ds.pid > 0) {
		printf("daemon: running (pid %" G_GINT64_FORMAT ", starting)\n", ds.pid);
	} else if (starting) {
		printf("daemon: running (starting)\n");
	} else if (running) {
		g_autofree char *since = when(ds.started_at);
		printf("daemon: running (pid %" G_GINT64_FORMAT ", since %s, heartbeat %" G_GINT64_FORMAT " s ago%s)\n",
		       ds.pid, since, MAX(now - ds.heartbeat_at, 0),
		       fresh ? "" : "; it holds the database's lock but has stopped writing its heartbeat");
	} else if (ever) {
		g_autofree char *seen = when(ds.stopped_at ? ds.stopped_at : ds.heartbeat_at);
		printf("daemon: not running (%s %s)\n", ds.stopped_at ? "stopped" : "last heard from", seen);
	} else {
		printf("daemon: not running (it has never run on this database)\n");
	}
	if (rows->len == 0)
		printf("mailboxes: none has an imap_url\n");
	for (guint i = 0; i < rows->len; i++) {
		const RdMailboxStatus *s = rows->pdata[i];
		g_autofree char *fetch = when(s->last_fetch);
		printf("%-19s %-13s last fetch %s", s->mailbox,
		       running && s->connected ? "connected" : "not connected", fetch);
		if (s->waiting >= 0)
			printf(", %" G_GINT64_FORMAT " waiting", s->waiting);
		printf("\n");
		if (s->last_error != NULL) {
			g_autofree char *at = when(s->last_error_at);
			printf("%-19s last error %s: %s\n", "", at, s->last_error);
		}
	}
	printf("outbox: %" G_GINT64_FORMAT " queued, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT
	       " suppressed, %" G_GINT64_FORMAT " sent\n", oc_n.queued, oc_n.failed, oc_n.suppressed, oc_n.sent);
	g_autofree char *sw = when(last_sweep);
	printf("last deadline sweep: %s\n", sw);
	return RD_EXIT_OK;
}
