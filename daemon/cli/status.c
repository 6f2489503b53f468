/*
 * status.c — `redress status [--json]`: what the daemon is doing, read
 * from the store by another process.
 *
 * The daemon's threads record their state as they go (store/status.c):
 * each watcher its mailbox's row, the main thread a heartbeat every few
 * seconds. A daemon is "running" when its heartbeat is fresher than three
 * of its intervals and it did not record a clean stop; otherwise the rows
 * are what it last saw, and no mailbox is shown as connected. The outbox
 * counts and the time of the last deadline sweep come from the case file
 * itself, so they are right whether or not a daemon runs, as does the
 * last self-test of the reply addresses (the daemon's at start, or
 * `redress selftest`).
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
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;

	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	RdDaemonStatus ds;
	RdOutboxCounts oc_n;
	gboolean ever = FALSE;
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree char *sweep = NULL;
	gint64 selftest_at = 0;
	g_autofree char *selftest_outcome = NULL, *selftest_summary = NULL;
	if (!rd_store_daemon_status_get(store, &ds, &ever, &err) ||
	    !rd_selftest_last(store, &selftest_at, &selftest_outcome, &selftest_summary, &err) ||
	    (rows = rd_store_mailbox_status_list(store, &err)) == NULL ||
	    !rd_store_setting_get(store, RD_SWEEP_LAST_RUN_SETTING, &sweep, &err) ||
	    !rd_store_outbox_counts(store, &oc_n, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	gint64 last_sweep = sweep != NULL ? g_ascii_strtoll(sweep, NULL, 10) : 0;
	gboolean running = ever && ds.stopped_at == 0 &&
	                   now - ds.heartbeat_at <= STALE_AFTER * MAX(ds.interval, 1);

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
		json_builder_set_member_name(b, "selftest");
		if (selftest_at > 0) {
			json_builder_begin_object(b);
			json_time(b, "at", selftest_at);
			json_builder_set_member_name(b, "ok");
			json_builder_add_boolean_value(b, g_strcmp0(selftest_outcome, "ok") == 0);
			json_builder_set_member_name(b, "outcome");
			json_builder_add_string_value(b, selftest_outcome);
			json_builder_set_member_name(b, "summary");
			json_builder_add_string_value(b, selftest_summary);
			json_builder_end_object(b);
		} else {
			json_builder_add_null_value(b);
		}
		json_builder_end_object(b);
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree char *out = json_to_string(root, TRUE);
		printf("%s\n", out);
		return RD_EXIT_OK;
	}

	if (running) {
		g_autofree char *since = when(ds.started_at);
		printf("daemon: running (pid %" G_GINT64_FORMAT ", since %s, heartbeat %" G_GINT64_FORMAT " s ago)\n",
		       ds.pid, since, MAX(now - ds.heartbeat_at, 0));
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
	if (selftest_at > 0) {
		g_autofree char *st = when(selftest_at);
		gboolean ok = g_strcmp0(selftest_outcome, "ok") == 0;
		printf("last self-test: %s, %s: %s%s\n", st, ok ? "OK" : "FAILED", selftest_summary,
		       ok ? "" : " (run redress selftest for what to configure)");
	} else {
		printf("last self-test: never (run redress selftest)\n");
	}
	return RD_EXIT_OK;
}
