/*
 * purge.c — retention through the casework API: legal holds, and the
 * purge that removes the personal data of cases closed longer ago than
 * their period (README "Retention").
 *
 * Which cases: procedure/retention.c decides, case by case, from the
 * state, the stages' days, the Ombudsman's involvement and a hold; the
 * period is the case's profile's [retention:NAME] keep_for, else
 * [retention] keep_for, lengthened for one run by --older-than. What goes
 * and what stays is store/purge.c's list of statements, one per table.
 *
 * Every purge: one transaction with secure_delete on (the deleted
 * content is zeroed as it goes), one "purged" event per case in place of
 * its journey (what went, in counts), one purges row for the run, one
 * log line of counts; then the file is rebuilt and the log emptied so no
 * copy of the deleted pages survives. Nothing here names what was
 * deleted, only how much.
 */
#include <string.h>
#include "casework/casework.h"

void
rd_purge_item_free(RdPurgeItem *i)
{
	if (i == NULL)
		return;
	g_free(i->reference);
	g_free(i->closed);
	g_free(i->period);
	g_free(i);
}

void
rd_purge_result_clear(RdPurgeResult *r)
{
	g_clear_pointer(&r->items, g_ptr_array_unref);
	g_free(r->compact_error);
	memset(r, 0, sizeof *r);
}

/* The case @ref, or a NO_CASE refusal. */
static gboolean
find_case(RdStore *store, const char *ref, RdCase **c_r, GError **error)
{
	if (!rd_store_case_get_by_ref(store, ref, c_r, error))
		return FALSE;
	if (*c_r == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "no case %s", ref);
	return TRUE;
}

static gboolean
hold_change(RdCasework *cw, const char *ref, const char *reason, const char *actor, gint64 at, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	if (!rd_store_begin(store, error))
		return FALSE;
	g_autoptr(RdCase) c = NULL;
	g_autoptr(RdCaseHold) h = NULL;
	gint64 purged = 0;
	gboolean ok = find_case(store, ref, &c, error) &&
	              rd_store_case_hold_get(store, c->id, &h, error) &&
	              rd_store_case_purged_at(store, c->id, &purged, error);
	if (ok && purged != 0) {
		g_autofree char *when = rd_time_format_local(purged);
		ok = rd_casework_refused(error, "%s was purged on %s; there is nothing left to hold", ref, when);
	} else if (ok && reason != NULL) {
		if (h != NULL)
			ok = rd_casework_refused(error, "%s is already held (%s); release it first to change the reason",
			                         ref, h->reason);
		else
			ok = rd_store_case_hold_set(store, c->id, reason, actor, at, error) &&
			     rd_store_event_add(store, c->id, at, actor, "legal-hold", reason, 0, error) != 0;
	} else if (ok) {
		gboolean was = FALSE;
		if (h == NULL)
			ok = rd_casework_refused(error, "%s is not held", ref);
		else
			ok = rd_store_case_hold_clear(store, c->id, &was, error) &&
			     rd_store_event_add(store, c->id, at, actor, "legal-hold-released", h->reason, 0, error) != 0;
	}
	if (!ok || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_casework_hold(RdCasework *cw, const char *ref, const char *reason, const char *actor, gint64 at,
                 GError **error)
{
	g_return_val_if_fail(reason != NULL, FALSE);
	if (*reason == '\0')
		return rd_casework_refused(error, "a hold needs a reason (--reason TEXT)");
	return hold_change(cw, ref, reason, actor, at, error);
}

gboolean
rd_casework_release(RdCasework *cw, const char *ref, const char *actor, gint64 at, GError **error)
{
	return hold_change(cw, ref, NULL, actor, at, error);
}

/* @now's day in Europe/London. */
static void
day_of(gint64 now, GDate *d)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);
	rd_date_london(dt, d);
}

/* Every case looked at, with its verdict. */
static GPtrArray *
plan(RdCasework *cw, const RdPurgeRequest *q, GError **error)
{
	const RdConfig *cfg = rd_casework_config(cw);
	g_autoptr(GPtrArray) rows = rd_store_retention_rows(rd_casework_store(cw), error);
	if (rows == NULL)
		return NULL;
	GDate today;
	day_of(q->now, &today);
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)rd_purge_item_free);
	for (guint i = 0; i < rows->len; i++) {
		const RdRetentionRow *row = rows->pdata[i];
		RdRetentionPeriod period = *rd_config_retention_period(cfg, row->profile);
		g_autofree char *activity = NULL;
		if (row->last_activity > 0) {
			GDate d;
			day_of(row->last_activity, &d);
			activity = rd_date_format_iso(&d);
		}
		if (q->older_than != NULL && rd_retention_period_compare(q->older_than, &period, &today) > 0)
			period = *q->older_than;
		RdRetentionCase rc = {
			.state = row->state,
			.held = row->held,
			.ombudsman_referred = row->ombudsman_referred,
			.ombudsman_decided = row->ombudsman_decided,
			.stage_days = (const char *const *)row->stage_days,
			.last_activity = activity,
		};
		GDate closed;
		RdPurgeItem *it = g_new0(RdPurgeItem, 1);
		it->case_id = row->case_id;
		it->reference = g_strdup(row->reference);
		it->verdict = rd_retention_decide(&rc, &period, &today, &closed);
		it->closed = g_date_valid(&closed) ? rd_date_format_iso(&closed) : NULL;
		it->period = rd_retention_period_format(&period);
		g_ptr_array_add(items, it);
	}
	return items;
}

/* "6y" or "6y, adult-social-care 8y": the periods in force, for the
 * purges row and the log. */
static char *
periods_text(const RdConfig *cfg, const RdRetentionPeriod *older_than)
{
	GString *s = g_string_new(NULL);
	g_autofree char *def = rd_retention_period_format(&cfg->retention.keep_for);
	g_string_append(s, def);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, cfg->retention.profiles);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_autofree char *p = rd_retention_period_format(v);
		g_string_append_printf(s, ", %s %s", (const char *)k, p);
	}
	if (older_than != NULL) {
		g_autofree char *o = rd_retention_period_format(older_than);
		g_string_append_printf(s, "; at least %s", o);
	}
	return g_string_free(s, FALSE);
}

/* The cases of @items whose verdict is purge, by id. */
static GArray *
purge_ids(const GPtrArray *items)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	for (guint i = 0; i < items->len; i++) {
		const RdPurgeItem *it = items->pdata[i];
		if (it->verdict == RD_RETENTION_PURGE)
			g_array_append_val(ids, it->case_id);
	}
	return ids;
}

/* A learning action's words about purged cases, as a survey comment is
 * kept: the complainants' names, addresses, numbers and references out. */
static char *
scrub_action_text(const char *text, const char *const *names, gpointer data)
{
	(void)data;
	return rd_survey_anonymise(text, names);
}

/* The purge's transaction: decide and remove. The decision is made
 * inside it (BEGIN IMMEDIATE holds the write lock), so a hold, a
 * reopening or a referral committed while the purge waited for the lock
 * is seen; rd_store_purge_cases() refuses a case that is not closed, is
 * held or is before the Ombudsman, should that ever be wrong. */
static gboolean
purge_in_transaction(RdCasework *cw, const RdPurgeRequest *q, const char *periods, RdPurgeResult *r,
                     GError **error)
{
	RdStore *store = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	if (!rd_store_begin(store, error))
		return FALSE;
	r->items = plan(cw, q, error);
	gboolean ok = r->items != NULL;
	g_autoptr(GArray) ids = ok ? purge_ids(r->items) : NULL;
	if (ok && ids->len > 0)
		ok = rd_store_purge_cases(store, (const gint64 *)(gpointer)ids->data, ids->len,
		                          cfg->retention.mailbox_copies, scrub_action_text, NULL, &r->counts, error);
	for (guint i = 0; ok && i < r->items->len; i++) {
		const RdPurgeItem *it = r->items->pdata[i];
		if (it->verdict != RD_RETENTION_PURGE)
			continue;
		/* Counts and the rule applied, never what was removed. */
		g_autofree char *detail = g_strdup_printf("personal data removed: closed %s, kept for %s",
		                                          it->closed, it->period);
		ok = rd_store_event_add(store, it->case_id, q->now, q->actor, "purged", detail, 0, error) != 0;
	}
	/* A run that found nothing is recorded too: the daemon's timer
	 * counts from it. */
	ok = ok && rd_store_purge_record(store, &r->counts, q->now, q->actor, periods,
	                                 (const gint64 *)(gpointer)ids->data, ids->len, error) != 0;
	if (!ok || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_casework_purge(RdCasework *cw, const RdPurgeRequest *q, RdPurgeResult *r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	memset(r, 0, sizeof *r);
	if (q->dry_run) {
		r->items = plan(cw, q, error);
		return r->items != NULL;
	}

	g_autofree char *periods = periods_text(cfg, q->older_than);
	/* Foreign keys off for the purge's own transaction: checked per row,
	 * each deleted raw text would scan the messages; purge_steps' order
	 * keeps every reference whole. Set before BEGIN (the pragma does
	 * nothing inside a transaction), and back on whatever happens. */
	gboolean ok = rd_store_set_secure_delete(store, TRUE, error) &&
	              rd_store_set_foreign_keys(store, FALSE, error) &&
	              purge_in_transaction(cw, q, periods, r, error);
	g_autoptr(GError) fk = NULL;
	if (!rd_store_set_foreign_keys(store, TRUE, &fk))
		rd_log_error("purge: could not turn foreign keys back on: %s", fk->message);
	if (!ok) {
		g_autoptr(GError) ignored = NULL;
		rd_store_set_secure_delete(store, FALSE, &ignored);
		return FALSE;
	}

	/* Committed: from here on the cases are purged, whatever the
	 * compaction does. Rebuilding the file costs a copy of it: only after
	 * a purge that removed something, now or in an earlier run that could
	 * not finish. A failure (the disk full, say) leaves it owed to the
	 * next purge, like a reader in the way, and is a warning, never "nothing
	 * was purged". */
	gboolean owed = FALSE;
	g_autoptr(GError) cerr = NULL;
	r->compacted = TRUE;
	if (!rd_store_purge_uncompacted(store, &owed, &cerr) ||
	    (owed && !rd_store_purge_compact(store, &r->compacted, &cerr))) {
		r->compacted = FALSE;
		r->compact_error = g_strdup(cerr->message);
		rd_log_warn("purge: the cases were purged, but the database file could not be rebuilt: %s;"
		            " deleted bytes may remain until the next purge", cerr->message);
	}
	g_autoptr(GError) ignored = NULL;
	if (!rd_store_set_secure_delete(store, FALSE, &ignored))
		rd_log_warn("purge: could not turn secure_delete off: %s", ignored->message);
	rd_log_info("purge cases=%" G_GINT64_FORMAT " messages=%" G_GINT64_FORMAT " raw=%" G_GINT64_FORMAT
	            " attachments=%" G_GINT64_FORMAT " letters=%" G_GINT64_FORMAT " events=%" G_GINT64_FORMAT
	            " people=%" G_GINT64_FORMAT " copies=%" G_GINT64_FORMAT " periods=\"%s\" by=%s compacted=%s",
	            r->counts.cases, r->counts.messages, r->counts.raw, r->counts.attachments, r->counts.letters,
	            r->counts.events, r->counts.people, r->counts.copies, periods, q->actor,
	            r->compacted ? "yes"
	            : r->compact_error != NULL ? "no (the rebuild failed; the next purge retries it)"
	            : "no (a reader kept the log busy; the next purge finishes it)");
	return TRUE;
}

gboolean
rd_casework_purge_scheduled(RdCasework *cw, gint64 now, gboolean *ran_r, RdPurgeResult *r, GError **error)
{
	const RdConfig *cfg = rd_casework_config(cw);
	*ran_r = FALSE;
	memset(r, 0, sizeof *r);
	if (cfg->retention.schedule_days == 0)
		return TRUE;
	gint64 last = 0;
	if (!rd_store_purge_last(rd_casework_store(cw), &last, error))
		return FALSE;
	/* An hour's slack, so a daily purge at the first sweep of each day
	 * does not drift a sweep later every day. */
	if (last != 0 && now - last < (gint64)cfg->retention.schedule_days * 86400 - 3600)
		return TRUE;
	RdPurgeRequest q = { .now = now, .actor = "redress" };
	*ran_r = TRUE;
	return rd_casework_purge(cw, &q, r, error);
}
