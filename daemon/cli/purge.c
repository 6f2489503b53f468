/*
 * purge.c — `redress purge [--dry-run] [--older-than PERIOD] [--now TIME]`:
 * remove the personal data of cases closed longer ago than their
 * retention period (casework/purge.c), then expunge their copies from
 * the IMAP folders when [retention] purge_mailbox_copies is on
 * (outbound/purgecopies.c).
 *
 * --dry-run lists every closed case looked at — reference, the day its
 * period counts from, the period, and the verdict — and changes
 * nothing. --older-than lengthens the periods for this run (it never
 * shortens them: a shorter period is a change of policy, made in the
 * configuration, which refuses less than a year).
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

static void
print_json(const RdPurgeResult *r, gboolean dry_run, const RdPurgeCopiesCounts *copies)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, dry_run);
	json_builder_set_member_name(b, "cases");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->items->len; i++) {
		const RdPurgeItem *it = r->items->pdata[i];
		json_builder_begin_object(b);
		rd_json_str(b, "reference", it->reference);
		rd_json_str(b, "closed", it->closed);
		rd_json_str(b, "period", it->period);
		rd_json_str(b, "verdict", rd_retention_verdict_to_string(it->verdict));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	if (!dry_run) {
		json_builder_set_member_name(b, "removed");
		json_builder_begin_object(b);
		rd_json_int(b, "cases", r->counts.cases);
		rd_json_int(b, "messages", r->counts.messages);
		rd_json_int(b, "raw", r->counts.raw);
		rd_json_int(b, "attachments", r->counts.attachments);
		rd_json_int(b, "letters", r->counts.letters);
		rd_json_int(b, "events", r->counts.events);
		rd_json_int(b, "people", r->counts.people);
		rd_json_int(b, "copies_noted", r->counts.copies);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "compacted");
		json_builder_add_boolean_value(b, r->compacted);
		if (r->compact_error != NULL) {
			json_builder_set_member_name(b, "compact_error");
			json_builder_add_string_value(b, r->compact_error);
		}
		rd_json_int(b, "copies_expunged", copies->expunged);
		rd_json_int(b, "copies_left", copies->left);
	}
	json_builder_end_object(b);
	rd_json_print(b);
}

/* Why a case stays, for a person. */
static const char *
why_text(RdRetentionVerdict v)
{
	switch (v) {
	case RD_RETENTION_PURGE:
		return "closed longer ago than its period";
	case RD_RETENTION_OPEN:
		return "open";
	case RD_RETENTION_HELD:
		return "legal hold";
	case RD_RETENTION_OMBUDSMAN:
		return "with the Ombudsman, not decided";
	case RD_RETENTION_NO_DAY:
		return "no day its stages closed";
	case RD_RETENTION_KEPT:
		return "within its period";
	}
	return "";
}

static void
print_text(const RdPurgeResult *r, gboolean dry_run, gboolean all, const RdPurgeCopiesCounts *copies)
{
	guint n = 0;
	for (guint i = 0; i < r->items->len; i++) {
		const RdPurgeItem *it = r->items->pdata[i];
		if (it->verdict == RD_RETENTION_PURGE)
			n++;
		if (it->verdict != RD_RETENTION_PURGE && !all && it->verdict != RD_RETENTION_HELD &&
		    it->verdict != RD_RETENTION_OMBUDSMAN)
			continue;
		printf("%-18s %-10s %-4s %s %s\n", it->reference, rd_cli_or_dash(it->closed), it->period,
		       it->verdict == RD_RETENTION_PURGE ? (dry_run ? "would purge:" : "purged:") : "kept:",
		       why_text(it->verdict));
	}
	if (dry_run) {
		printf("%u case%s would be purged; nothing changed (dry run)\n", n, n == 1 ? "" : "s");
		return;
	}
	printf("purged %" G_GINT64_FORMAT " case%s: %" G_GINT64_FORMAT " messages, %" G_GINT64_FORMAT
	       " stored mails, %" G_GINT64_FORMAT " attachments, %" G_GINT64_FORMAT " letters, %" G_GINT64_FORMAT
	       " events, %" G_GINT64_FORMAT " people removed\n",
	       r->counts.cases, r->counts.cases == 1 ? "" : "s", r->counts.messages, r->counts.raw,
	       r->counts.attachments, r->counts.letters, r->counts.events, r->counts.people);
	if (!r->compacted && r->compact_error != NULL)
		printf("warning: the cases were purged, but the database file could not be rebuilt (%s): deleted "
		       "bytes may remain until the next purge retries it\n", r->compact_error);
	else if (!r->compacted)
		printf("the database file could not be rebuilt while another process read it: deleted bytes may "
		       "remain until the next purge (stop the daemon, or run 'redress purge' again later)\n");
	if (copies->expunged + copies->left > 0)
		printf("mailbox copies: %u expunged, %u left for the next purge\n", copies->expunged, copies->left);
}

int
rd_cmd_purge(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean dry_run = FALSE, all = FALSE;
	g_autofree char *when = NULL, *older = NULL;
	GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "List what would be purged; change nothing", NULL },
		{ "older-than", 0, 0, G_OPTION_ARG_STRING, &older, "Keep every case at least this long after it closed "
		  "(6y, 72m, 365d); lengthens the configured periods for this run, never shortens them", "PERIOD" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "List the closed cases kept within their period too", NULL },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
		"— remove the personal data of cases closed longer ago than their retention period");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress purge: %s (see redress purge --help)\n", err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	RdPurgeRequest q = { .dry_run = dry_run };
	q.now = g_get_real_time() / G_USEC_PER_SEC;
	if (when != NULL && !rd_time_parse(when, &q.now)) {
		fprintf(stderr, "redress purge: --now '%s' is not a time (ISO 8601)\n", when);
		return RD_EXIT_USAGE;
	}
	RdRetentionPeriod period;
	if (older != NULL) {
		const char *why = NULL;
		if (!rd_retention_period_parse(older, &period, &why)) {
			fprintf(stderr, "redress purge: --older-than '%s': %s\n", older, why);
			return RD_EXIT_USAGE;
		}
		q.older_than = &period;
	}
	g_autofree char *actor = rd_cli_actor();
	q.actor = actor;

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	RdPurgeResult r = { 0 };
	if (!rd_casework_purge(cw, &q, &r, &err)) {
		fprintf(stderr, "redress: error: nothing purged: %s\n", err->message);
		rd_purge_result_clear(&r);
		return RD_EXIT_INTERNAL;
	}
	RdPurgeCopiesCounts copies = { 0 };
	if (!dry_run && cfg->retention.mailbox_copies)
		rd_purge_copies_expunge(store, cfg, &copies);
	if (g->json)
		print_json(&r, dry_run, &copies);
	else if (!g->quiet)
		print_text(&r, dry_run, all, &copies);
	rd_purge_result_clear(&r);
	return RD_EXIT_OK;
}
