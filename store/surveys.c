/*
 * surveys.c — satisfaction surveys and the "do not contact" flag
 * (schema 13, schema.c).
 *
 * A surveys row is made once per case, kind and recipient, in the same
 * transaction as its letter, so a survey is sent at most once however
 * often the sweep runs or crashes. The numbers a reply gave are
 * survey_answers rows, apart from anything personal; the comment is
 * survey_comments, stored already anonymised by the caller. Which case
 * is due, and how a reply reads, are procedure/'s (survey.c), not ours.
 */
#include "store-private.h"

void
rd_survey_free(RdSurvey *v)
{
	if (v == NULL)
		return;
	g_free(v->kind);
	g_free(v->recipient);
	g_free(v->language);
	g_free(v->status);
	g_free(v->reason);
	g_free(v->due);
	g_free(v->sent_day);
	g_free(v->expires);
	g_free(v->answered_day);
	g_free(v->reference);
	g_free(v);
}

void
rd_survey_candidate_free(RdSurveyCandidate *c)
{
	if (c == NULL)
		return;
	g_free(c->state);
	g_free(c->last_response);
	g_free(c->last_outcome);
	g_free(c);
}

GPtrArray *
rd_store_survey_candidates(RdStore *store, const char *kind, const char *since, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_CANDIDATES);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, since);
	rd_bind_text(&b, kind);
	if (!rd_bind_end(store, &b, "finding cases to survey", error))
		return NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_survey_candidate_free);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		RdSurveyCandidate *c = g_new0(RdSurveyCandidate, 1);
		c->case_id = sqlite3_column_int64(st, 0);
		c->state = rd_col_text(st, 1);
		c->last_response = rd_col_text(st, 2);
		c->last_outcome = rd_col_text(st, 3);
		g_ptr_array_add(out, c);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "finding cases to survey", error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* One row of SURVEY_COLS (stmts.c). */
static RdSurvey *
read_survey(sqlite3_stmt *st)
{
	RdSurvey *v = g_new0(RdSurvey, 1);
	v->id = sqlite3_column_int64(st, 0);
	v->case_id = sqlite3_column_int64(st, 1);
	v->kind = rd_col_text(st, 2);
	v->recipient = rd_col_text(st, 3);
	v->language = rd_col_text(st, 4);
	v->status = rd_col_text(st, 5);
	v->reason = rd_col_text(st, 6);
	v->due = rd_col_text(st, 7);
	v->sent_at = sqlite3_column_int64(st, 8);
	v->sent_day = rd_col_text(st, 9);
	v->expires = rd_col_text(st, 10);
	v->answered_at = sqlite3_column_int64(st, 11);
	v->answered_day = rd_col_text(st, 12);
	v->reply_msg_id = sqlite3_column_int64(st, 13);
	v->created_at = sqlite3_column_int64(st, 14);
	v->reference = rd_col_text(st, 15);
	return v;
}

gint64
rd_store_survey_insert(RdStore *store, const RdSurvey *v, gboolean *added_r, GError **error)
{
	g_return_val_if_fail(store != NULL && v != NULL, 0);
	*added_r = FALSE;
	g_autofree char *to = rd_store_email_fold(v->recipient);
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_INSERT);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, v->case_id);
		rd_bind_text(&b, v->kind);
		rd_bind_text(&b, to);
		rd_bind_text(&b, v->language != NULL ? v->language : "en");
		rd_bind_text(&b, v->status);
		rd_bind_text(&b, v->reason);
		rd_bind_text(&b, v->due);
		rd_bind_id(&b, v->sent_at);   /* 0: not sent, NULL */
		rd_bind_text(&b, v->sent_day);
		rd_bind_text(&b, v->expires);
		rd_bind_int64(&b, v->created_at);
		if (!rd_bind_end(store, &b, "recording a survey", error) ||
		    !rd_stmt_run(store, st, "recording a survey", error))
			return 0;
		if (sqlite3_changes(store->db) > 0) {
			*added_r = TRUE;
			return sqlite3_last_insert_rowid(store->db);
		}
	}
	/* Already there: its id. */
	g_autoptr(GPtrArray) all = rd_store_surveys_list(store, v->case_id, error);
	if (all == NULL)
		return 0;
	for (guint i = 0; i < all->len; i++) {
		const RdSurvey *o = all->pdata[i];
		if (g_strcmp0(o->kind, v->kind) == 0 && g_strcmp0(o->recipient, to) == 0)
			return o->id;
	}
	g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND, "recording a survey: neither added nor found");
	return 0;
}

gboolean
rd_store_survey_get(RdStore *store, gint64 id, RdSurvey **v_r, GError **error)
{
	*v_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	gboolean found = FALSE;
	if (!rd_bind_end(store, &b, "reading a survey", error) ||
	    !rd_stmt_row(store, st, &found, "reading a survey", error))
		return FALSE;
	if (found)
		*v_r = read_survey(st);
	return TRUE;
}

static GPtrArray *
read_all(RdStore *store, sqlite3_stmt *st, const char *doing, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_survey_free);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(out, read_survey(st));
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, doing, error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

GPtrArray *
rd_store_surveys_list(RdStore *store, gint64 case_id, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, case_id > 0 ? RD_STMT_SURVEYS_FOR_CASE : RD_STMT_SURVEYS_ALL);
	RdBind b = rd_bind_begin(st);
	if (case_id > 0)
		rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "listing surveys", error))
		return NULL;
	return read_all(store, st, "listing surveys", error);
}

GPtrArray *
rd_store_surveys_expiring(RdStore *store, const char *today, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEYS_EXPIRING);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, today);
	if (!rd_bind_end(store, &b, "finding expired surveys", error))
		return NULL;
	return read_all(store, st, "finding expired surveys", error);
}

GPtrArray *
rd_store_surveys_sent_to(RdStore *store, const char *email, GError **error)
{
	g_autofree char *e = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEYS_SENT_TO);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, e);
	if (!rd_bind_end(store, &b, "finding a person's surveys", error))
		return NULL;
	return read_all(store, st, "finding a person's surveys", error);
}

gboolean
rd_store_survey_first_reply(RdStore *store, const RdSurvey *v, gint64 *received_at_r, GError **error)
{
	*received_at_r = 0;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_FIRST_REPLY);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, v->id);
	rd_bind_int64(&b, g_strcmp0(v->kind, "complainant") == 0 ? v->case_id : 0);
	gboolean found = FALSE;
	if (!rd_bind_end(store, &b, "finding a survey's reply", error) ||
	    !rd_stmt_row(store, st, &found, "finding a survey's reply", error))
		return FALSE;
	if (found)
		*received_at_r = sqlite3_column_int64(st, 0);
	return TRUE;
}

gboolean
rd_store_survey_letter_withhold(RdStore *store, const char *idem_key, const char *why, gboolean *changed_r,
                                GError **error)
{
	if (!rd_store_outbox_suppress_queued(store, idem_key, why, changed_r, error))
		return FALSE;
	if (!*changed_r)
		return TRUE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_WITHHELD);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, idem_key);
	rd_bind_text(&b, why);
	return rd_bind_end(store, &b, "withholding a survey", error) &&
	       rd_stmt_run(store, st, "withholding a survey", error);
}

gboolean
rd_store_survey_set_status(RdStore *store, gint64 id, const char *status, const char *reason, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_SET_STATUS);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	rd_bind_text(&b, status);
	rd_bind_text(&b, reason);
	return rd_bind_end(store, &b, "changing a survey", error) &&
	       rd_stmt_run(store, st, "changing a survey", error);
}

gboolean
rd_store_survey_answer(RdStore *store, gint64 id, gint64 at, const char *day, gint64 msg_id, const int *answers,
                       guint n, const char *comment, GError **error)
{
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_SET_ANSWERED);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, id);
		rd_bind_int64(&b, at);
		rd_bind_text(&b, day);
		rd_bind_id(&b, msg_id);
		if (!rd_bind_end(store, &b, "recording a survey reply", error) ||
		    !rd_stmt_run(store, st, "recording a survey reply", error))
			return FALSE;
	}
	for (guint q = 1; q <= n; q++) {
		if (answers[q - 1] == 0)
			continue;
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_ANSWER_ADD);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, id);
		rd_bind_int64(&b, q);
		rd_bind_int64(&b, answers[q - 1]);
		if (!rd_bind_end(store, &b, "recording a survey answer", error) ||
		    !rd_stmt_run(store, st, "recording a survey answer", error))
			return FALSE;
	}
	if (comment == NULL)
		return TRUE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_COMMENT_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	rd_bind_text(&b, comment);
	return rd_bind_end(store, &b, "recording a survey comment", error) &&
	       rd_stmt_run(store, st, "recording a survey comment", error);
}

gboolean
rd_store_survey_answers(RdStore *store, gint64 id, int *answers_r, guint n, GError **error)
{
	memset(answers_r, 0, n * sizeof *answers_r);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_ANSWERS);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	if (!rd_bind_end(store, &b, "reading survey answers", error))
		return FALSE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		gint64 q = sqlite3_column_int64(st, 0);
		if (q >= 1 && q <= (gint64)n)
			answers_r[q - 1] = sqlite3_column_int(st, 1);
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading survey answers", error);
	return TRUE;
}

gboolean
rd_store_survey_figures(RdStore *store, const char *kind, const char *from, const char *to, RdSurveyFigures *f_r,
                        GPtrArray **comments_r, GError **error)
{
	memset(f_r, 0, sizeof *f_r);
	if (comments_r != NULL)
		*comments_r = NULL;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_COUNTS);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, kind);
		rd_bind_text(&b, from);
		rd_bind_text(&b, to);
		gboolean found = FALSE;
		if (!rd_bind_end(store, &b, "counting surveys", error) ||
		    !rd_stmt_row(store, st, &found, "counting surveys", error))
			return FALSE;
		if (found) {
			f_r->sent = (guint)sqlite3_column_int64(st, 0);
			f_r->answered = (guint)sqlite3_column_int64(st, 1);
			f_r->expired = (guint)sqlite3_column_int64(st, 2);
			f_r->suppressed = (guint)sqlite3_column_int64(st, 3);
			f_r->sent_answered = (guint)sqlite3_column_int64(st, 4);
		}
	}
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_FIGURES);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, kind);
		rd_bind_text(&b, from);
		rd_bind_text(&b, to);
		if (!rd_bind_end(store, &b, "counting survey answers", error))
			return FALSE;
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			gint64 q = sqlite3_column_int64(st, 0), v = sqlite3_column_int64(st, 1);
			if (q >= 1 && q <= RD_STORE_SURVEY_MAX_Q && v >= 1 && v <= 5)
				f_r->counts[q - 1][v - 1] = (guint)sqlite3_column_int64(st, 2);
		}
		if (rc != SQLITE_DONE)
			return rd_store_fail(store, rc, "counting survey answers", error);
	}
	if (comments_r == NULL)
		return TRUE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SURVEY_COMMENTS);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, kind);
	rd_bind_text(&b, from);
	rd_bind_text(&b, to);
	if (!rd_bind_end(store, &b, "reading survey comments", error))
		return FALSE;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(out, rd_col_text(st, 0));
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading survey comments", error);
	*comments_r = g_steal_pointer(&out);
	return TRUE;
}

gboolean
rd_store_person_set_no_contact(RdStore *store, const char *email, gint64 at, const char *reason, GError **error)
{
	g_autofree char *e = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PERSON_SET_NO_CONTACT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, e);
	rd_bind_int64(&b, at);
	rd_bind_text(&b, reason);
	return rd_bind_end(store, &b, "recording no contact", error) &&
	       rd_stmt_run(store, st, "recording no contact", error);
}

gboolean
rd_store_person_no_contact(RdStore *store, const char *email, gboolean *no_contact_r, char **reason_r,
                           GError **error)
{
	*no_contact_r = FALSE;
	if (reason_r != NULL)
		*reason_r = NULL;
	g_autofree char *e = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_PERSON_NO_CONTACT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, e);
	if (!rd_bind_end(store, &b, "reading no contact", error) ||
	    !rd_stmt_row(store, st, no_contact_r, "reading no contact", error))
		return FALSE;
	if (*no_contact_r && reason_r != NULL)
		*reason_r = rd_col_text(st, 1);
	return TRUE;
}

gboolean
rd_store_address_bounced(RdStore *store, const char *email, gboolean *bounced_r, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ADDRESS_BOUNCED);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, email);
	return rd_bind_end(store, &b, "looking for bounces", error) &&
	       rd_stmt_row(store, st, bounced_r, "looking for bounces", error);
}

gboolean
rd_store_outbox_suppress_queued(RdStore *store, const char *idem_key, const char *detail, gboolean *changed_r,
                                GError **error)
{
	*changed_r = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_SUPPRESS_QUEUED);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, idem_key);
	rd_bind_text(&b, detail);
	if (!rd_bind_end(store, &b, "withdrawing a queued letter", error) ||
	    !rd_stmt_run(store, st, "withdrawing a queued letter", error))
		return FALSE;
	*changed_r = sqlite3_changes(store->db) > 0;
	return TRUE;
}
