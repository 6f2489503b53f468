/*
 * purge.c — retention in SQL: legal holds, the cases a purge may look
 * at, removing a case's personal data while keeping what the reports
 * count, and leaving no deleted bytes behind in the file (schema 14,
 * README "Retention").
 *
 * What is kept of a purged case is its cases row and its stages rows
 * with their dates, outcomes, service, channel, profile, cause,
 * Ombudsman dates and finding, flags and reference: report_case is made
 * from exactly those columns by triggers (schema 12), so every report
 * gives the same figures after a purge as before it. Everything that
 * says who the complainant was or what they wrote goes: see purge_steps
 * below, one statement per table, run in order.
 *
 * Deleted content stays in SQLite's free pages and in the write-ahead
 * log until it is overwritten. The purge therefore runs with
 * secure_delete on (freed cells and pages are zeroed in the same
 * transaction), and rd_store_purge_compact() then checkpoints the log
 * into the file, rebuilds the file (VACUUM) and truncates the log, so
 * no copy of the old pages survives in either file.
 */
#include <string.h>
#include "store-private.h"

/* The purge's working sets, in the connection's temporary schema (never
 * in the file): the cases, and every message of theirs. */
static const char purge_setup[] =
	"CREATE TEMP TABLE IF NOT EXISTS purge_set (case_id INTEGER PRIMARY KEY);"
	"CREATE TEMP TABLE IF NOT EXISTS purge_msgs (id INTEGER PRIMARY KEY, raw TEXT);"
	"CREATE TEMP TABLE IF NOT EXISTS purge_people (id INTEGER PRIMARY KEY);"
	"DELETE FROM temp.purge_set; DELETE FROM temp.purge_msgs; DELETE FROM temp.purge_people;";

/* A case joins the purge set only if, in the purge's own transaction, it
 * is still one a purge may touch: closed, not held, not before the
 * Ombudsman (referred and not decided since). The caller decides in the
 * same transaction; this is the store refusing to act on a decision made
 * on rows that have changed since. ISO days compare as text. */
static const char purge_set_add[] =
	"INSERT OR IGNORE INTO temp.purge_set (case_id) SELECT c.id FROM cases c WHERE c.id = ?1"
	" AND c.state IN ('closed', 'stage1-closed')"
	" AND NOT EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id)"
	" AND NOT (c.ombudsman_referred IS NOT NULL AND (c.ombudsman_decided IS NULL"
	"  OR c.ombudsman_referred > c.ombudsman_decided))";

/* Which figure of RdPurgeCounts a step's changes() add to. */
typedef enum {
	COUNT_NONE, COUNT_MESSAGES, COUNT_RAW, COUNT_ATTACHMENTS, COUNT_LETTERS, COUNT_EVENTS,
	COUNT_PEOPLE, COUNT_COPIES,
} CountSlot;

/*
 * THE PER-TABLE PURGE STATEMENTS. Every table that can hold personal
 * data of a case has its line here, and a new table holding such data
 * adds its line here (the satisfaction survey's comments and recipients
 * go; its numeric answers stay). Order matters: children before the rows
 * they reference (the caller turns foreign-key checking off for the
 * purge's transaction, because each check on a deleted message or raw
 * text would scan a table; this order is what keeps every reference
 * whole, and test-purge.sh runs PRAGMA foreign_key_check after it), and
 * the message set is gathered before anything is deleted. ?1 is 1 when copies in the mailboxes are
 * to be expunged (purge_mailbox_copies), else 0; ?2 the anonymous
 * person's address.
 */
static const struct {
	const char *sql;
	CountSlot count;
} purge_steps[] = {
	/* The case's messages, and the delivery reports that named its letters. */
	{ "INSERT OR IGNORE INTO temp.purge_msgs (id, raw) SELECT id, raw_sha256 FROM messages"
	  " WHERE case_id IN (SELECT case_id FROM temp.purge_set)", COUNT_NONE },
	{ "INSERT OR IGNORE INTO temp.purge_msgs (id, raw) SELECT m.id, m.raw_sha256 FROM outbox o"
	  " JOIN messages m ON m.id = o.bounce_msg_id WHERE o.case_id IN (SELECT case_id FROM temp.purge_set)"
	  " AND (m.case_id IS NULL OR m.case_id IN (SELECT case_id FROM temp.purge_set))", COUNT_NONE },
	/* The counted replies to its surveys: a handler's reply to the staff
	 * survey is kept on no case (so the case never shows what one handler
	 * thought) and is found only through its survey. */
	{ "INSERT OR IGNORE INTO temp.purge_msgs (id, raw) SELECT m.id, m.raw_sha256 FROM surveys s"
	  " JOIN messages m ON m.id = s.reply_msg_id WHERE s.case_id IN (SELECT case_id FROM temp.purge_set)",
	  COUNT_NONE },
	/* And every other reply to them (unreadable, late, a second one): on
	 * no case either, found by the survey's token in the address it was
	 * sent to, "+svy-ID-" (procedure/token.c). The trailing "-" keeps
	 * survey 7 from matching survey 70. */
	{ "INSERT OR IGNORE INTO temp.purge_msgs (id, raw) SELECT m.id, m.raw_sha256 FROM messages m"
	  " WHERE m.case_id IS NULL AND m.kind = 'survey-reply' AND EXISTS (SELECT 1 FROM surveys s"
	  "  WHERE s.case_id IN (SELECT case_id FROM temp.purge_set)"
	  "  AND (instr(lower(coalesce(m.to_addrs, '')), '+svy-' || s.id || '-') > 0"
	  "   OR instr(lower(coalesce(m.cc_addrs, '')), '+svy-' || s.id || '-') > 0))", COUNT_NONE },
	/* The copies to expunge afterwards: incoming mail fetched over IMAP
	 * (message_routes.source), and letters with a Sent-folder copy. */
	{ "INSERT OR IGNORE INTO purge_copies (role, copy, message_id)"
	  " SELECT r.mailbox, 'processed', m.message_id FROM message_routes r JOIN messages m ON m.id = r.msg_id"
	  " WHERE ?1 AND r.msg_id IN (SELECT id FROM temp.purge_msgs) AND r.source LIKE 'imap:%'"
	  " AND m.direction = 'in' AND m.message_id IS NOT NULL", COUNT_COPIES },
	{ "INSERT OR IGNORE INTO purge_copies (role, copy, message_id)"
	  " SELECT '', 'sent', message_id FROM outbox WHERE ?1 AND case_id IN (SELECT case_id FROM temp.purge_set)"
	  " AND sent_copy = 'done' AND message_id IS NOT NULL", COUNT_COPIES },
	/* Rows that point at those messages from elsewhere lose the pointer. */
	{ "UPDATE events SET msg_id = NULL WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_NONE },
	{ "UPDATE action_events SET msg_id = NULL WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_NONE },
	{ "UPDATE outbox SET bounce_msg_id = NULL WHERE bounce_msg_id IN (SELECT id FROM temp.purge_msgs)",
	  COUNT_NONE },
	/* attachments: file names, types, sizes (the bytes are in raw_messages). */
	{ "DELETE FROM attachments WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_ATTACHMENTS },
	/* message_routes, triage, quarantine: about those messages only. */
	{ "DELETE FROM message_routes WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_NONE },
	{ "DELETE FROM triage WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_NONE },
	{ "DELETE FROM quarantine WHERE msg_id IN (SELECT id FROM temp.purge_msgs)", COUNT_NONE },
	/* messages: addresses, names, subjects, bodies. */
	{ "DELETE FROM messages WHERE id IN (SELECT id FROM temp.purge_msgs)", COUNT_MESSAGES },
	/* raw_messages: the mail as it arrived, unless another message (of a
	 * case kept) is the same bytes. */
	{ "DELETE FROM raw_messages WHERE sha256 IN (SELECT raw FROM temp.purge_msgs WHERE raw IS NOT NULL)"
	  " AND NOT EXISTS (SELECT 1 FROM messages m WHERE " RD_SQL_HASH_KEY("m.raw_sha256") " = "
	  RD_SQL_HASH_KEY("raw_messages.sha256") " AND m.raw_sha256 = raw_messages.sha256)", COUNT_RAW },
	/* outbox: the letters' text, addresses and subjects. The day each
	 * response left is already on its stage (response_sent). */
	{ "DELETE FROM outbox WHERE case_id IN (SELECT case_id FROM temp.purge_set)", COUNT_LETTERS },
	/* events: the journey's free text and actors; one "purged" event is
	 * written in their place by the caller. An earlier purge's "purged"
	 * events stay (counts only), so a case purged again shows both. */
	{ "DELETE FROM events WHERE case_id IN (SELECT case_id FROM temp.purge_set) AND type <> 'purged'",
	  COUNT_EVENTS },
	/* stages: the extension's reason (told to the complainant) and the
	 * handler; the days and outcome stay. */
	{ "UPDATE stages SET extension_reason = NULL, handler = NULL"
	  " WHERE case_id IN (SELECT case_id FROM temp.purge_set)", COUNT_NONE },
	/* cases: the complainant becomes the one anonymous person, and the
	 * free text goes. A remedy given stays "given" (the reports count a
	 * remedy set and not empty) in words that name no one. */
	{ "INSERT OR IGNORE INTO temp.purge_people (id) SELECT complainant_id FROM cases"
	  " WHERE id IN (SELECT case_id FROM temp.purge_set)", COUNT_NONE },
	{ "INSERT OR IGNORE INTO people (email, name) VALUES (?2, NULL)", COUNT_NONE },
	{ "UPDATE cases SET complainant_id = (SELECT id FROM people WHERE email = ?2),"
	  " summary = NULL, representative_email = NULL, handler = NULL,"
	  " remedy = CASE WHEN remedy <> '' THEN '(removed by retention purge)' ELSE remedy END"
	  " WHERE id IN (SELECT case_id FROM temp.purge_set)", COUNT_NONE },
	/* people: those no case refers to any more. */
	{ "DELETE FROM people WHERE id IN (SELECT id FROM temp.purge_people) AND email <> ?2"
	  " AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.complainant_id = people.id)", COUNT_PEOPLE },
	/* surveys: the comments go (anonymised, but still someone's words);
	 * the survey rows lose their recipient, the reason one was not sent
	 * (it can quote a no-contact request) and the reply; survey_answers,
	 * numbers alone, stay, so past reports count the same. A case with a
	 * survey of a kind is never surveyed again, recipient or not. */
	{ "DELETE FROM survey_comments WHERE survey_id IN (SELECT id FROM surveys"
	  " WHERE case_id IN (SELECT case_id FROM temp.purge_set))", COUNT_NONE },
	{ "UPDATE surveys SET recipient = NULL, reason = NULL, reply_msg_id = NULL"
	  " WHERE case_id IN (SELECT case_id FROM temp.purge_set)", COUNT_NONE },
};

/* The address of the one person every purged case points at: not an
 * address anyone can have (RFC 2606 .invalid). */
#define RD_PURGE_PERSON "purged@retention.invalid"

static gboolean
exec_plain(RdStore *store, const char *sql, const char *doing, GError **error)
{
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, doing, error);
	return TRUE;
}

/* Run one of purge_steps (or any statement with the same parameters) and
 * return the rows it changed in *@changed_r. */
static gboolean
run_step(RdStore *store, const char *sql, gboolean copies, gint64 *changed_r, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, "preparing a purge step", error);
	int n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_int(st, 1, copies ? 1 : 0);
	if (n >= 2)
		sqlite3_bind_text(st, 2, RD_PURGE_PERSON, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "purging", error);
	*changed_r = sqlite3_changes64(store->db);
	return TRUE;
}

/* One text of a learning action to scrub: actions.text or .evidence,
 * or action_events.detail. */
typedef struct {
	const char *update;      /* the statement that writes it back */
	gint64 id;
	char *text;
	gint64 action_id;
} ActionText;

static void
action_text_clear(ActionText *t)
{
	g_free(t->text);
}

/* The learning actions the purge set completes (every case linked to
 * them is purged, now or before, and one is purged now) and their texts:
 * staff write them about cases, and may have named the complainant. */
static const char action_texts[] =
	"WITH done AS (SELECT a.id FROM actions a"
	"  WHERE EXISTS (SELECT 1 FROM action_cases ac WHERE ac.action_id = a.id"
	"                AND ac.case_id IN (SELECT case_id FROM temp.purge_set))"
	"  AND NOT EXISTS (SELECT 1 FROM action_cases ac WHERE ac.action_id = a.id"
	"                  AND ac.case_id NOT IN (SELECT case_id FROM temp.purge_set)"
	"                  AND ac.case_id NOT IN (SELECT case_id FROM purged_cases)))"
	" SELECT 0, id, text, id FROM actions WHERE id IN done"
	" UNION ALL SELECT 1, id, evidence, id FROM actions WHERE id IN done AND evidence IS NOT NULL"
	" UNION ALL SELECT 2, id, detail, action_id FROM action_events WHERE action_id IN done AND detail IS NOT NULL";
static const char *const action_text_updates[] = {
	"UPDATE actions SET text = ?2 WHERE id = ?1",
	"UPDATE actions SET evidence = ?2 WHERE id = ?1",
	"UPDATE action_events SET detail = ?2 WHERE id = ?1",
};
/* The complainants' names of an action's cases, while they are there. */
static const char action_names[] =
	"SELECT p.name FROM action_cases ac JOIN cases c ON c.id = ac.case_id JOIN people p ON p.id = c.complainant_id"
	" WHERE ac.action_id = ?1 AND p.name IS NOT NULL AND p.name <> ''";

/* Every text of the actions the purge set completes through @scrub,
 * with the names of their complainants; before those are removed. */
static gboolean
scrub_actions(RdStore *store, RdPurgeScrub scrub, gpointer data, GError **error)
{
	g_autoptr(GArray) texts = g_array_new(FALSE, TRUE, sizeof(ActionText));
	g_array_set_clear_func(texts, (GDestroyNotify)action_text_clear);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, action_texts, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ActionText t = {
			.update = action_text_updates[sqlite3_column_int(st, 0)],
			.id = sqlite3_column_int64(st, 1),
			.text = g_strdup((const char *)sqlite3_column_text(st, 2)),
			.action_id = sqlite3_column_int64(st, 3),
		};
		g_array_append_val(texts, t);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading the learning actions of the purged cases", error);
	for (guint i = 0; i < texts->len; i++) {
		const ActionText *t = &g_array_index(texts, ActionText, i);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		rc = sqlite3_prepare_v2(store->db, action_names, -1, &st, NULL);
		if (rc == SQLITE_OK)
			sqlite3_bind_int64(st, 1, t->action_id);
		while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			g_ptr_array_add(names, g_strdup((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
		g_ptr_array_add(names, NULL);
		g_autofree char *clean = scrub(t->text != NULL ? t->text : "", (const char *const *)names->pdata, data);
		rc = rc == SQLITE_OK ? sqlite3_prepare_v2(store->db, t->update, -1, &st, NULL) : rc;
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, t->id);
			sqlite3_bind_text(st, 2, clean, -1, SQLITE_TRANSIENT);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
			sqlite3_finalize(st);
		}
		if (rc != SQLITE_OK)
			return rd_store_fail(store, rc, "scrubbing the learning actions of the purged cases", error);
	}
	return TRUE;
}

gboolean
rd_store_purge_cases(RdStore *store, const gint64 *ids, guint n, gboolean copies, RdPurgeScrub scrub,
                     gpointer scrub_data, RdPurgeCounts *counts_r, GError **error)
{
	g_return_val_if_fail(store != NULL && counts_r != NULL, FALSE);
	memset(counts_r, 0, sizeof *counts_r);
	if (!exec_plain(store, purge_setup, "preparing the purge", error))
		return FALSE;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, purge_set_add, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, "preparing the purge", error);
	gint64 refused = 0;
	for (guint i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(store->db);
		if (rc == SQLITE_OK && sqlite3_changes(store->db) == 0 && refused == 0)
			refused = ids[i];
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, "listing the cases to purge", error);
	if (refused != 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT,
		            "case id %" G_GINT64_FORMAT " may not be purged now (open, held or with the Ombudsman);"
		            " it changed after the purge decided; nothing was purged", refused);
		return FALSE;
	}
	counts_r->cases = n;
	if (scrub != NULL && !scrub_actions(store, scrub, scrub_data, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(purge_steps); i++) {
		gint64 changed = 0;
		if (!run_step(store, purge_steps[i].sql, copies, &changed, error))
			return FALSE;
		switch (purge_steps[i].count) {
		case COUNT_MESSAGES: counts_r->messages += changed; break;
		case COUNT_RAW: counts_r->raw += changed; break;
		case COUNT_ATTACHMENTS: counts_r->attachments += changed; break;
		case COUNT_LETTERS: counts_r->letters += changed; break;
		case COUNT_EVENTS: counts_r->events += changed; break;
		case COUNT_PEOPLE: counts_r->people += changed; break;
		case COUNT_COPIES: counts_r->copies += changed; break;
		case COUNT_NONE: break;
		}
	}
	return exec_plain(store, "DELETE FROM temp.purge_set; DELETE FROM temp.purge_msgs;"
	                  " DELETE FROM temp.purge_people;", "finishing the purge", error);
}

gint64
rd_store_purge_record(RdStore *store, const RdPurgeCounts *c, gint64 at, const char *actor,
                      const char *periods, const gint64 *ids, guint n, GError **error)
{
	gint64 id = 0;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PURGE_RECORD);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, at);
		rd_bind_text(&b, actor);
		rd_bind_text(&b, periods);
		rd_bind_int64(&b, c->cases);
		rd_bind_int64(&b, c->messages);
		rd_bind_int64(&b, c->raw);
		rd_bind_int64(&b, c->attachments);
		rd_bind_int64(&b, c->letters);
		rd_bind_int64(&b, c->events);
		rd_bind_int64(&b, c->people);
		rd_bind_int64(&b, c->copies);
		if (!rd_bind_end(store, &b, "recording the purge", error) ||
		    !rd_stmt_run(store, st, "recording the purge", error))
			return 0;
		id = sqlite3_last_insert_rowid(store->db);
	}
	for (guint i = 0; i < n; i++) {
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PURGED_CASE_ADD);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, ids[i]);
		rd_bind_int64(&b, id);
		rd_bind_int64(&b, at);
		if (!rd_bind_end(store, &b, "recording the purged cases", error) ||
		    !rd_stmt_run(store, st, "recording the purged cases", error))
			return 0;
	}
	return id;
}

/* A statement of one integer column and at most one row, with @arg
 * bound to ?1 when not 0: *@value_r is its value, 0 with no row. */
static gboolean
one_int(RdStore *store, RdStmtId id, gint64 arg, gint64 *value_r, const char *doing, GError **error)
{
	*value_r = 0;
	gboolean found = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, id);
	if (arg != 0) {
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, arg);
		if (!rd_bind_end(store, &b, doing, error))
			return FALSE;
	}
	if (!rd_stmt_row(store, st, &found, doing, error))
		return FALSE;
	if (found)
		*value_r = sqlite3_column_int64(st, 0);
	return TRUE;
}

gboolean
rd_store_purge_last(RdStore *store, gint64 *at_r, GError **error)
{
	return one_int(store, RD_STMT_PURGE_LAST, 0, at_r, "reading the last purge", error);
}

gboolean
rd_store_purge_uncompacted(RdStore *store, gboolean *pending_r, GError **error)
{
	gint64 n = 0;
	*pending_r = FALSE;
	if (!one_int(store, RD_STMT_PURGE_UNCOMPACTED, 0, &n, "reading the purges not yet compacted", error))
		return FALSE;
	*pending_r = n > 0;
	return TRUE;
}

gboolean
rd_store_set_secure_delete(RdStore *store, gboolean on, GError **error)
{
	return exec_plain(store, on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF",
	                  "setting secure_delete", error);
}

gboolean
rd_store_set_foreign_keys(RdStore *store, gboolean on, GError **error)
{
	return exec_plain(store, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF",
	                  "setting foreign_keys", error);
}

/* How often the compaction tries a step another connection is in the
 * way of; each try also waits the connection's busy timeout (5 s). */
#define COMPACT_TRIES 2

/* A checkpoint that must empty the log: SQLITE_BUSY (a reader holds an
 * old snapshot) is retried a little, then reported. */
static gboolean
checkpoint_truncate(RdStore *store, gboolean *done_r, GError **error)
{
	*done_r = FALSE;
	for (int attempt = 0; attempt < COMPACT_TRIES; attempt++) {
		int in_log = -1, copied = -1;
		int rc = sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &in_log, &copied);
		if (rc == SQLITE_OK) {
			*done_r = TRUE;
			return TRUE;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rd_store_fail(store, rc, "checkpointing the log", error);
		g_usleep(250 * 1000);
	}
	return TRUE;
}

gboolean
rd_store_purge_compact(RdStore *store, gboolean *complete_r, GError **error)
{
	g_return_val_if_fail(store != NULL && complete_r != NULL, FALSE);
	*complete_r = FALSE;
	gboolean first = FALSE, second = FALSE;
	if (!checkpoint_truncate(store, &first, error))
		return FALSE;
	/* VACUUM writes a fresh copy of every live page through the log and
	 * leaves no free page in the file; with secure_delete the pages it
	 * frees are zeroed too. It fails with BUSY while another connection
	 * writes; that is retried like the checkpoint. */
	int rc = SQLITE_BUSY;
	for (int attempt = 0; attempt < COMPACT_TRIES; attempt++) {
		rc = sqlite3_exec(store->db, "VACUUM", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		g_usleep(250 * 1000);
	}
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
		return rd_store_fail(store, rc, "rebuilding the database file (VACUUM)", error);
	if (!checkpoint_truncate(store, &second, error))
		return FALSE;
	*complete_r = first && second && rc == SQLITE_OK;
	if (!*complete_r)
		return TRUE;
	/* A page of counts in the log: nothing deleted is in it. */
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PURGE_COMPACTED);
	return rd_stmt_run(store, st, "recording the purges compacted", error);
}

/* ---- legal holds ---------------------------------------------------------- */

void
rd_case_hold_free(RdCaseHold *h)
{
	if (h == NULL)
		return;
	g_free(h->reason);
	g_free(h->held_by);
	g_free(h);
}

gboolean
rd_store_case_hold_get(RdStore *store, gint64 case_id, RdCaseHold **hold_r, GError **error)
{
	*hold_r = NULL;
	gboolean found = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_HOLD_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "reading a legal hold", error) ||
	    !rd_stmt_row(store, st, &found, "reading a legal hold", error))
		return FALSE;
	if (found) {
		RdCaseHold *h = g_new0(RdCaseHold, 1);
		h->case_id = case_id;
		h->reason = rd_col_text(st, 0);
		h->held_by = rd_col_text(st, 1);
		h->held_at = sqlite3_column_int64(st, 2);
		*hold_r = h;
	}
	return TRUE;
}

gboolean
rd_store_case_hold_set(RdStore *store, gint64 case_id, const char *reason, const char *who, gint64 at,
                       GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_HOLD_SET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_text(&b, reason);
	rd_bind_text(&b, who);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, "recording a legal hold", error) &&
	       rd_stmt_run(store, st, "recording a legal hold", error);
}

gboolean
rd_store_case_hold_clear(RdStore *store, gint64 case_id, gboolean *was_held_r, GError **error)
{
	*was_held_r = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_HOLD_CLEAR);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "releasing a legal hold", error) ||
	    !rd_stmt_run(store, st, "releasing a legal hold", error))
		return FALSE;
	*was_held_r = sqlite3_changes(store->db) > 0;
	return TRUE;
}

/* ---- what a purge looks at ---------------------------------------------------- */

void
rd_retention_row_free(RdRetentionRow *r)
{
	if (r == NULL)
		return;
	g_free(r->reference);
	g_free(r->state);
	g_free(r->profile);
	g_free(r->ombudsman_referred);
	g_free(r->ombudsman_decided);
	g_strfreev(r->stage_days);
	g_free(r);
}

GPtrArray *
rd_store_retention_rows(RdStore *store, GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)rd_retention_row_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_RETENTION_ROWS);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		RdRetentionRow *r = g_new0(RdRetentionRow, 1);
		r->case_id = sqlite3_column_int64(st, 0);
		r->reference = rd_col_text(st, 1);
		r->state = rd_col_text(st, 2);
		r->profile = rd_col_text(st, 3);
		r->ombudsman_referred = rd_col_text(st, 4);
		r->ombudsman_decided = rd_col_text(st, 5);
		r->held = sqlite3_column_int(st, 6) != 0;
		const char *days = (const char *)sqlite3_column_text(st, 7);
		r->stage_days = days != NULL ? g_strsplit(days, " ", -1) : g_new0(char *, 1);
		r->last_activity = sqlite3_column_int64(st, 8);
		r->purged = sqlite3_column_int(st, 9) != 0;
		g_ptr_array_add(rows, r);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing the cases to consider for purging", error);
		return NULL;
	}
	return g_steal_pointer(&rows);
}

gboolean
rd_store_case_purged_at(RdStore *store, gint64 case_id, gint64 *at_r, GError **error)
{
	return one_int(store, RD_STMT_PURGED_AT, case_id, at_r, "reading whether a case was purged", error);
}

/* ---- copies left in the mailboxes --------------------------------------------- */

void
rd_purge_copy_free(RdPurgeCopy *c)
{
	if (c == NULL)
		return;
	g_free(c->role);
	g_free(c->copy);
	g_free(c->message_id);
	g_free(c);
}

GPtrArray *
rd_store_purge_copies(RdStore *store, GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)rd_purge_copy_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PURGE_COPIES);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		RdPurgeCopy *c = g_new0(RdPurgeCopy, 1);
		c->id = sqlite3_column_int64(st, 0);
		c->role = rd_col_text(st, 1);
		c->copy = rd_col_text(st, 2);
		c->message_id = rd_col_text(st, 3);
		c->attempts = sqlite3_column_int(st, 4);
		g_ptr_array_add(rows, c);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing the mailbox copies to expunge", error);
		return NULL;
	}
	return g_steal_pointer(&rows);
}

gboolean
rd_store_purge_copy_done(RdStore *store, gint64 id, const char *failure, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, failure == NULL ? RD_STMT_PURGE_COPY_GONE : RD_STMT_PURGE_COPY_FAILED);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	if (failure != NULL)
		rd_bind_text(&b, failure);
	return rd_bind_end(store, &b, "recording a mailbox copy expunged", error) &&
	       rd_stmt_run(store, st, "recording a mailbox copy expunged", error);
}
