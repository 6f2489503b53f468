/*
 * cases.c — people, cases and their stages.
 *
 * A case is created with rd_store_case_create(), which, inside the caller's
 * transaction:
 *   1. takes the next number for (prefix, year) from reference_counters
 *      with one UPSERT (so the first case of a year needs no setup),
 *   2. makes sure the complainant is in people,
 *   3. inserts the case in state "stage1" with reference
 *      PREFIX-YYYY-NNNNNN, and
 *   4. inserts its Stage 1 row, received on the Europe/London date of
 *      opened_at.
 * Because the counter row is written in the same transaction as the case,
 * a rolled-back case gives its number back and a committed one can never
 * be handed out twice: references never repeat and, across commits, have
 * no gaps.
 *
 * Emails in people are lower case. Other address columns (handler,
 * representative) are compared case-insensitively because they come from
 * config and commands typed by people.
 *
 * Text columns of a case or stage are changed through a fixed whitelist
 * mapping each column name to its own prepared UPDATE; a name outside the
 * list is a programming error.
 */
#include <string.h>

#include "store-private.h"

/* ---- helpers ----------------------------------------------------------- */

/* Step an INSERT … RETURNING and read its single integer. The statement is
 * stepped to the end so the write is complete before the reset. */
static gboolean
run_returning_int64(RdStore *store, sqlite3_stmt *st, gint64 *value_r,
                    const char *doing, GError **error)
{
	gboolean found;

	if (!rd_stmt_row(store, st, &found, doing, error))
		return FALSE;
	if (!found) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "%s: no row returned", doing);
		return FALSE;
	}
	*value_r = sqlite3_column_int64(st, 0);
	return rd_stmt_run(store, st, doing, error);
}

/* Step an UPDATE that must touch exactly one row. */
static gboolean
run_update(RdStore *store, sqlite3_stmt *st, const char *doing,
           const char *what, gint64 id, GError **error)
{
	if (!rd_stmt_run(store, st, doing, error))
		return FALSE;
	if (sqlite3_changes(store->db) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "%s: no %s with id %" G_GINT64_FORMAT, doing, what, id);
		return FALSE;
	}
	return TRUE;
}

static char *
london_date(RdStore *store, gint64 t)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);

	if (utc == NULL)
		return NULL;
	g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, store->london);
	if (local == NULL)
		return NULL;
	return g_date_time_format(local, "%Y-%m-%d");
}

/* ---- people ------------------------------------------------------------ */

gint64
rd_store_person_ensure(RdStore *store, const char *email, const char *name,
                       GError **error)
{
	gint64 id = 0;

	g_return_val_if_fail(store != NULL && email != NULL, 0);

	g_autofree char *folded = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PERSON_ENSURE);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, folded);
	rd_bind_text(&b, name);
	if (!rd_bind_end(store, &b, "recording person", error) ||
	    !run_returning_int64(store, st, &id, "recording person", error))
		return 0;
	return id;
}

/* ---- case rows --------------------------------------------------------- */

void
rd_case_free(RdCase *c)
{
	if (c == NULL)
		return;
	g_free(c->reference);
	g_free(c->state);
	g_free(c->channel);
	g_free(c->service);
	g_free(c->complainant_email);
	g_free(c->complainant_name);
	g_free(c->representative_email);
	g_free(c->handler);
	g_free(c->language);
	g_free(c->profile);
	g_free(c->flags);
	g_free(c->summary);
	g_free(c->cause);
	g_free(c->remedy);
	g_free(c->ombudsman_referred);
	g_free(c->ombudsman_decided);
	g_free(c->ombudsman_outcome);
	g_free(c);
}

/* Reads the current row of a statement selecting CASE_COLS (stmts.c). */
static RdCase *
case_from_row(sqlite3_stmt *st)
{
	RdCase *c = g_new0(RdCase, 1);

	c->id = sqlite3_column_int64(st, 0);
	c->reference = rd_col_text(st, 1);
	c->state = rd_col_text(st, 2);
	c->channel = rd_col_text(st, 3);
	c->service = rd_col_text(st, 4);
	c->complainant_email = rd_col_text(st, 5);
	c->complainant_name = rd_col_text(st, 6);
	c->representative_email = rd_col_text(st, 7);
	c->handler = rd_col_text(st, 8);
	c->language = rd_col_text(st, 9);
	c->profile = rd_col_text(st, 10);
	c->flags = rd_col_text(st, 11);
	c->summary = rd_col_text(st, 12);
	c->group_id = sqlite3_column_int64(st, 13);
	c->opened_at = sqlite3_column_int64(st, 14);
	c->updated_at = sqlite3_column_int64(st, 15);
	c->cause = rd_col_text(st, 16);
	c->remedy = rd_col_text(st, 17);
	c->ombudsman_referred = rd_col_text(st, 18);
	c->ombudsman_decided = rd_col_text(st, 19);
	c->ombudsman_outcome = rd_col_text(st, 20);
	return c;
}

/* One row or none: FALSE only when the statement failed. */
static gboolean
case_one(RdStore *store, sqlite3_stmt *st, RdCase **case_r, const char *doing, GError **error)
{
	gboolean found;

	*case_r = NULL;
	if (!rd_stmt_row(store, st, &found, doing, error))
		return FALSE;
	if (found)
		*case_r = case_from_row(st);
	return TRUE;
}

static GPtrArray *
case_list(RdStore *store, sqlite3_stmt *st, const char *doing,
          GError **error)
{
	g_autoptr(GPtrArray) cases =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_case_free);
	int rc;

	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		g_ptr_array_add(cases, case_from_row(st));
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, doing, error);
		return NULL;
	}
	return g_steal_pointer(&cases);
}

/* ---- cases ------------------------------------------------------------- */

static gboolean
next_seq(RdStore *store, const char *prefix, int year, gint64 *seq_r,
         GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_COUNTER_NEXT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, prefix);
	rd_bind_int64(&b, year);
	return rd_bind_end(store, &b, "allocating case reference", error) &&
	       run_returning_int64(store, st, seq_r,
	                           "allocating case reference", error);
}

static gint64
insert_stage(RdStore *store, gint64 case_id, int stage, gint64 opened_at,
             const char *received, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGE_INSERT);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_int64(&b, stage);
	rd_bind_int64(&b, opened_at);
	rd_bind_text(&b, received);
	if (!rd_bind_end(store, &b, "opening stage", error) ||
	    !rd_stmt_run(store, st, "opening stage", error))
		return 0;
	return sqlite3_last_insert_rowid(store->db);
}

RdCase *
rd_store_case_create(RdStore *store, const RdCaseNew *n, GError **error)
{
	gint64 seq = 0, person, case_id;

	g_return_val_if_fail(store != NULL && n != NULL, NULL);
	g_return_val_if_fail(n->prefix != NULL && n->channel != NULL, NULL);
	g_return_val_if_fail(n->complainant_email != NULL, NULL);
	g_return_val_if_fail(n->year > 0, NULL);
	/* The number must come back if the case is not committed. */
	g_return_val_if_fail(!sqlite3_get_autocommit(store->db), NULL);

	g_autofree char *received = london_date(store, n->opened_at);
	if (received == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "creating case: opening time %" G_GINT64_FORMAT
		            " is out of range", n->opened_at);
		return NULL;
	}
	if (!next_seq(store, n->prefix, n->year, &seq, error))
		return NULL;
	person = rd_store_person_ensure(store, n->complainant_email,
	                                n->complainant_name, error);
	if (person == 0)
		return NULL;

	/* Six digits as agreed; a council that outgrows them gets more
	 * digits rather than a wrapped number. */
	g_autofree char *reference =
		g_strdup_printf("%s-%04d-%06" G_GINT64_FORMAT, n->prefix, n->year,
		                seq);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_INSERT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, reference);
	rd_bind_int64(&b, n->year);
	rd_bind_int64(&b, seq);
	rd_bind_text(&b, n->channel);
	rd_bind_int64(&b, person);
	rd_bind_text(&b, n->language != NULL ? n->language : "en");
	rd_bind_text(&b, n->summary);
	rd_bind_int64(&b, n->opened_at);
	rd_bind_text(&b, n->profile);
	if (!rd_bind_end(store, &b, "inserting case", error) ||
	    !rd_stmt_run(store, st, "inserting case", error))
		return NULL;
	case_id = sqlite3_last_insert_rowid(store->db);

	if (insert_stage(store, case_id, 1, n->opened_at, received, error) == 0)
		return NULL;
	RdCase *c = NULL;
	if (!rd_store_case_get(store, case_id, &c, error))
		return NULL;
	/* Just inserted in this transaction, so it is there. */
	g_assert(c != NULL);
	return c;
}

gboolean
rd_store_case_get(RdStore *store, gint64 id, RdCase **case_r, GError **error)
{
	g_return_val_if_fail(store != NULL && case_r != NULL, FALSE);

	*case_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	return rd_bind_end(store, &b, "reading case", error) &&
	       case_one(store, st, case_r, "reading case", error);
}

gboolean
rd_store_case_get_by_ref(RdStore *store, const char *ref, RdCase **case_r, GError **error)
{
	g_return_val_if_fail(store != NULL && ref != NULL && case_r != NULL, FALSE);

	*case_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_GET_BY_REF);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, ref);
	return rd_bind_end(store, &b, "looking up case reference", error) &&
	       case_one(store, st, case_r, "looking up case reference", error);
}

gboolean
rd_store_case_get_by_message_id(RdStore *store, const char *msgid, RdCase **case_r,
                                GError **error)
{
	g_return_val_if_fail(store != NULL && msgid != NULL && case_r != NULL, FALSE);

	*case_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_GET_BY_MESSAGE_ID);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, msgid);
	return rd_bind_end(store, &b, "looking up case by Message-ID", error) &&
	       case_one(store, st, case_r, "looking up case by Message-ID", error);
}

gboolean
rd_store_case_has_party(RdStore *store, gint64 case_id, const char *email,
                        gboolean *is_party_r, GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && email != NULL && is_party_r != NULL, FALSE);

	*is_party_r = FALSE;
	g_autofree char *folded = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_HAS_PARTY);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_text(&b, folded);
	if (!rd_bind_end(store, &b, "checking case parties", error) ||
	    !rd_stmt_row(store, st, &found, "checking case parties", error))
		return FALSE;
	*is_party_r = found && sqlite3_column_int(st, 0) != 0;
	return TRUE;
}

GPtrArray *
rd_store_cases_closed_stage1_for(RdStore *store, const char *email,
                                 GError **error)
{
	g_return_val_if_fail(store != NULL && email != NULL, NULL);

	g_autofree char *folded = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASES_CLOSED_STAGE1_FOR);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, folded);
	if (!rd_bind_end(store, &b, "listing closed cases", error))
		return NULL;
	return case_list(store, st, "listing closed cases", error);
}

GPtrArray *
rd_store_cases_for_person(RdStore *store, const char *email, GError **error)
{
	g_return_val_if_fail(store != NULL && email != NULL, NULL);

	g_autofree char *folded = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASES_FOR_PERSON);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, folded);
	if (!rd_bind_end(store, &b, "listing a person's cases", error))
		return NULL;
	return case_list(store, st, "listing a person's cases", error);
}

GPtrArray *
rd_store_cases_list(RdStore *store, RdCasesFilter filter, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_return_val_if_fail(filter == RD_CASES_ALL || filter == RD_CASES_OPEN,
	                     NULL);

	g_autoptr(RdStmt) st = rd_stmt(store, filter == RD_CASES_OPEN
	                                      ? RD_STMT_CASES_LIST_OPEN
	                                      : RD_STMT_CASES_LIST_ALL);
	return case_list(store, st, "listing cases", error);
}

static gboolean
case_update(RdStore *store, RdStmtId id, gint64 case_id, const char *value,
            gint64 at, const char *doing, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, id);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_text(&b, value);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, doing, error) &&
	       run_update(store, st, doing, "case", case_id, error);
}

gboolean
rd_store_case_set_state(RdStore *store, gint64 case_id, const char *state,
                        gint64 at, GError **error)
{
	g_return_val_if_fail(store != NULL && state != NULL, FALSE);

	return case_update(store, RD_STMT_CASE_SET_STATE, case_id, state, at,
	                   "setting case state", error);
}

gboolean
rd_store_case_set_complainant(RdStore *store, gint64 case_id, const char *email, const char *name,
                              gint64 at, GError **error)
{
	g_return_val_if_fail(store != NULL && email != NULL, FALSE);
	gint64 person = rd_store_person_ensure(store, email, name, error);
	if (person == 0)
		return FALSE;
	if (name != NULL) {
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PERSON_SET_NAME);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, person);
		rd_bind_text(&b, name);
		if (!rd_bind_end(store, &b, "correcting a name", error) ||
		    !rd_stmt_run(store, st, "correcting a name", error))
			return FALSE;
	}
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_SET_COMPLAINANT);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_int64(&b, person);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, "setting the complainant", error) &&
	       run_update(store, st, "setting the complainant", "case", case_id, error);
}

/* The only case columns rd_store_case_set_field() may touch. */
static const struct {
	const char *column;
	RdStmtId stmt;
} case_fields[] = {
	{ "service",              RD_STMT_CASE_SET_SERVICE },
	{ "handler",              RD_STMT_CASE_SET_HANDLER },
	{ "language",             RD_STMT_CASE_SET_LANGUAGE },
	{ "profile",              RD_STMT_CASE_SET_PROFILE },
	{ "flags",                RD_STMT_CASE_SET_FLAGS },
	{ "representative_email", RD_STMT_CASE_SET_REPRESENTATIVE },
	{ "cause",                RD_STMT_CASE_SET_CAUSE },
	{ "remedy",               RD_STMT_CASE_SET_REMEDY },
	{ "ombudsman_referred",   RD_STMT_CASE_SET_OMB_REFERRED },
	{ "ombudsman_decided",    RD_STMT_CASE_SET_OMB_DECIDED },
	{ "ombudsman_outcome",    RD_STMT_CASE_SET_OMB_OUTCOME },
};

gboolean
rd_store_case_set_field(RdStore *store, gint64 case_id, const char *column,
                        const char *value, gint64 at, GError **error)
{
	gsize i;

	g_return_val_if_fail(store != NULL && column != NULL, FALSE);

	for (i = 0; i < G_N_ELEMENTS(case_fields); i++) {
		if (strcmp(case_fields[i].column, column) == 0)
			break;
	}
	g_return_val_if_fail(i < G_N_ELEMENTS(case_fields), FALSE);

	g_autofree char *doing = g_strdup_printf("setting case %s", column);
	return case_update(store, case_fields[i].stmt, case_id, value, at,
	                   doing, error);
}

/* ---- stages ------------------------------------------------------------ */

void
rd_stage_free(RdStage *s)
{
	if (s == NULL)
		return;
	g_free(s->received);
	g_free(s->ack_due);
	g_free(s->ack_sent);
	g_free(s->response_due);
	g_free(s->dept_notice_due);
	g_free(s->extended_to);
	g_free(s->extension_reason);
	g_free(s->responded);
	g_free(s->outcome);
	g_free(s->closed);
	g_free(s->handler);
	g_free(s->next_check);
	g_free(s->response_sent);
	g_free(s);
}

/* Every stage row @st yields (STAGE_COLS), or NULL when the store failed. */
static GPtrArray *
stage_rows(RdStore *store, sqlite3_stmt *st, GError **error)
{
	int rc;
	g_autoptr(GPtrArray) stages =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_stage_free);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		RdStage *s = g_new0(RdStage, 1);

		/* Order of STAGE_COLS in stmts.c. */
		s->id = sqlite3_column_int64(st, 0);
		s->case_id = sqlite3_column_int64(st, 1);
		s->stage = sqlite3_column_int(st, 2);
		s->opened_at = sqlite3_column_int64(st, 3);
		s->received = rd_col_text(st, 4);
		s->ack_due = rd_col_text(st, 5);
		s->ack_sent = rd_col_text(st, 6);
		s->response_due = rd_col_text(st, 7);
		s->dept_notice_due = rd_col_text(st, 8);
		s->extended_to = rd_col_text(st, 9);
		s->extension_reason = rd_col_text(st, 10);
		s->responded = rd_col_text(st, 11);
		s->outcome = rd_col_text(st, 12);
		s->closed = rd_col_text(st, 13);
		s->handler = rd_col_text(st, 14);
		s->next_check = rd_col_text(st, 15);
		s->response_sent = rd_col_text(st, 16);
		g_ptr_array_add(stages, s);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing stages", error);
		return NULL;
	}
	return g_steal_pointer(&stages);
}

GPtrArray *
rd_store_stages_for_case(RdStore *store, gint64 case_id, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGES_FOR_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "listing stages", error))
		return NULL;
	return stage_rows(store, st, error);
}

GPtrArray *
rd_store_stages_all(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGES_ALL);
	return stage_rows(store, st, error);
}

gint64
rd_store_stage_open(RdStore *store, gint64 case_id, int stage,
                    gint64 opened_at, const char *received, GError **error)
{
	g_return_val_if_fail(store != NULL && received != NULL, 0);
	g_return_val_if_fail(stage == 1 || stage == 2, 0);

	return insert_stage(store, case_id, stage, opened_at, received, error);
}

/* The only stage columns rd_store_stage_set_field() may touch. */
static const struct {
	const char *column;
	RdStmtId stmt;
} stage_fields[] = {
	{ "received",         RD_STMT_STAGE_SET_RECEIVED },
	{ "response_sent",    RD_STMT_STAGE_SET_RESPONSE_SENT },
	{ "next_check",       RD_STMT_STAGE_SET_NEXT_CHECK },
	{ "ack_due",          RD_STMT_STAGE_SET_ACK_DUE },
	{ "ack_sent",         RD_STMT_STAGE_SET_ACK_SENT },
	{ "response_due",     RD_STMT_STAGE_SET_RESPONSE_DUE },
	{ "dept_notice_due",  RD_STMT_STAGE_SET_DEPT_NOTICE_DUE },
	{ "extended_to",      RD_STMT_STAGE_SET_EXTENDED_TO },
	{ "extension_reason", RD_STMT_STAGE_SET_EXTENSION_REASON },
	{ "responded",        RD_STMT_STAGE_SET_RESPONDED },
	{ "outcome",          RD_STMT_STAGE_SET_OUTCOME },
	{ "closed",           RD_STMT_STAGE_SET_CLOSED },
	{ "handler",          RD_STMT_STAGE_SET_HANDLER },
};

gboolean
rd_store_stage_set_field(RdStore *store, gint64 case_id, int stage,
                         const char *column, const char *value,
                         GError **error)
{
	gsize i;

	g_return_val_if_fail(store != NULL && column != NULL, FALSE);

	for (i = 0; i < G_N_ELEMENTS(stage_fields); i++) {
		if (strcmp(stage_fields[i].column, column) == 0)
			break;
	}
	g_return_val_if_fail(i < G_N_ELEMENTS(stage_fields), FALSE);

	g_autofree char *doing = g_strdup_printf("setting stage %d %s", stage,
	                                         column);
	g_autoptr(RdStmt) st = rd_stmt(store, stage_fields[i].stmt);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_int64(&b, stage);
	rd_bind_text(&b, value);
	return rd_bind_end(store, &b, doing, error) &&
	       run_update(store, st, doing, "stage on case", case_id, error);
}

gboolean
rd_store_stage_set_clock(RdStore *store, gint64 case_id, int stage,
                         const char *received, const char *ack_due,
                         const char *response_due, const char *dept_notice_due,
                         const char *next_check, GError **error)
{
	g_return_val_if_fail(store != NULL && received != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGE_SET_CLOCK);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_int64(&b, stage);
	rd_bind_text(&b, received);
	rd_bind_text(&b, ack_due);
	rd_bind_text(&b, response_due);
	rd_bind_text(&b, dept_notice_due);
	rd_bind_text(&b, next_check);
	return rd_bind_end(store, &b, "starting the stage clock", error) &&
	       run_update(store, st, "starting the stage clock", "stage on case", case_id, error);
}

/* ---- deadlines, groups ------------------------------------------------------ */

/* Rows of (case_id, stage) from a bound statement. */
static GArray *
stage_refs(RdStore *store, sqlite3_stmt *st, const char *doing, GError **error)
{
	int rc;
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(RdStageRef));
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		RdStageRef r = { sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1) };
		g_array_append_val(out, r);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, doing, error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

GArray *
rd_store_stages_due(RdStore *store, const char *day, guint limit, GError **error)
{
	g_return_val_if_fail(store != NULL && day != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGES_DUE);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, day);
	rd_bind_int64(&b, limit);
	if (!rd_bind_end(store, &b, "listing stages due for a check", error))
		return NULL;
	return stage_refs(store, st, "listing stages due for a check", error);
}

GArray *
rd_store_stages_open(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_STAGES_OPEN);
	return stage_refs(store, st, "listing open stages", error);
}

GPtrArray *
rd_store_cases_due_by(RdStore *store, const char *day, GError **error)
{
	g_return_val_if_fail(store != NULL && day != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASES_DUE_BY);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, day);
	if (!rd_bind_end(store, &b, "listing cases due", error))
		return NULL;
	return case_list(store, st, "listing cases due", error);
}

gboolean
rd_store_case_set_group(RdStore *store, gint64 case_id, gint64 group_id, gint64 at,
                        GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASE_SET_GROUP);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	rd_bind_id(&b, group_id);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, "linking cases", error) &&
	       run_update(store, st, "linking cases", "case", case_id, error);
}

GPtrArray *
rd_store_cases_in_group(RdStore *store, gint64 group_id, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASES_IN_GROUP);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, group_id);
	if (!rd_bind_end(store, &b, "listing a group", error))
		return NULL;
	return case_list(store, st, "listing a group", error);
}

GPtrArray *
rd_store_cases_by_channel(RdStore *store, const char *channel, gint64 after, gint64 until,
                          GError **error)
{
	g_return_val_if_fail(store != NULL && channel != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CASES_BY_CHANNEL);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, channel);
	rd_bind_int64(&b, after);
	rd_bind_int64(&b, until);
	if (!rd_bind_end(store, &b, "listing cases by channel", error))
		return NULL;
	return case_list(store, st, "listing cases by channel", error);
}
