/*
 * messages.c — messages, the mailboxes they arrived through, and their
 * attachments.
 *
 * A message row records the facts ingest extracted; its bytes live once in
 * raw_messages under their SHA-256 (raw_sha256 is a foreign key, so
 * rd_store_raw_put() comes first). One message delivered to several of our
 * mailboxes is one row with several message_routes rows.
 *
 * Deduplication (rd_store_message_find) needs the Message-ID AND the
 * content hash to match: a Message-ID alone can be reused by broken or
 * hostile senders, and a different body under the same ID must be kept.
 * A message without a Message-ID matches only another one without, by
 * content hash.
 *
 * These calls run for every incoming message, so each is one prepared
 * statement served by an index (messages_message_id,
 * messages_content_hash_no_id, messages_raw_key, the message_routes unique
 * key); test-store.c checks the query plans.
 *
 * A case id of 0 means "no case" and is stored as NULL.
 */
#include "store-private.h"

/* ---- insert and find --------------------------------------------------- */

gint64
rd_store_message_insert(RdStore *store, const RdMessageNew *m, GError **error)
{
	g_return_val_if_fail(store != NULL && m != NULL, 0);
	g_return_val_if_fail(m->direction != NULL, 0);
	g_return_val_if_fail(m->size <= (guint64)G_MAXINT64, 0);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_INSERT);
	RdBind b = rd_bind_begin(st);
	/* Same order as the column list of RD_STMT_MESSAGE_INSERT. */
	rd_bind_id(&b, m->case_id);
	rd_bind_text(&b, m->direction);
	rd_bind_text(&b, m->raw_sha256);
	rd_bind_text(&b, m->content_hash);
	rd_bind_int64(&b, (gint64)m->size);
	rd_bind_text(&b, m->message_id);
	rd_bind_text(&b, m->in_reply_to);
	rd_bind_text(&b, m->references);
	rd_bind_text(&b, m->subject);
	rd_bind_text(&b, m->from_email);
	rd_bind_text(&b, m->from_name);
	rd_bind_text(&b, m->to_addrs);
	rd_bind_text(&b, m->cc_addrs);
	rd_bind_int64(&b, m->date);
	rd_bind_int64(&b, m->received_at);
	rd_bind_text(&b, m->kind);
	rd_bind_text(&b, m->via);
	rd_bind_text(&b, m->reason);
	rd_bind_text(&b, m->auto_reason);
	rd_bind_text(&b, m->bounced_message_id);
	rd_bind_text(&b, m->problem);
	rd_bind_text(&b, m->problem_detail);
	rd_bind_text(&b, m->body_text);
	rd_bind_text(&b, m->new_text);
	if (!rd_bind_end(store, &b, "inserting message", error) ||
	    !rd_stmt_run(store, st, "inserting message", error))
		return 0;
	return sqlite3_last_insert_rowid(store->db);
}

/* Run a statement selecting one id into *@id_r (0 when there is no row);
 * FALSE only when it failed. */
static gboolean
select_id(RdStore *store, sqlite3_stmt *st, gint64 *id_r, const char *doing,
          GError **error)
{
	gboolean found;

	*id_r = 0;
	if (!rd_stmt_row(store, st, &found, doing, error))
		return FALSE;
	if (found)
		*id_r = sqlite3_column_int64(st, 0);
	return TRUE;
}

gboolean
rd_store_message_find(RdStore *store, const char *message_id,
                      const char *content_hash, gint64 *id_r, GError **error)
{
	g_return_val_if_fail(store != NULL && content_hash != NULL && id_r != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, message_id != NULL
	                                      ? RD_STMT_MESSAGE_FIND
	                                      : RD_STMT_MESSAGE_FIND_NO_ID);
	RdBind b = rd_bind_begin(st);
	if (message_id != NULL)
		rd_bind_text(&b, message_id);
	rd_bind_text(&b, content_hash);
	*id_r = 0;
	return rd_bind_end(store, &b, "looking for duplicate message", error) &&
	       select_id(store, st, id_r, "looking for duplicate message", error);
}

gboolean
rd_store_message_find_raw(RdStore *store, const char *raw_sha256,
                          gint64 *id_r, GError **error)
{
	g_return_val_if_fail(store != NULL && raw_sha256 != NULL && id_r != NULL, FALSE);

	*id_r = 0;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_FIND_RAW);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, raw_sha256);
	return rd_bind_end(store, &b, "looking up message by raw hash", error) &&
	       select_id(store, st, id_r, "looking up message by raw hash", error);
}

void
rd_message_hashes_free(RdMessageHashes *h)
{
	if (h == NULL)
		return;
	g_free(h->raw_sha256);
	g_free(h->content_hash);
	g_free(h);
}

GPtrArray *
rd_store_message_hashes_by_message_id(RdStore *store, const char *message_id, GError **error)
{
	g_return_val_if_fail(store != NULL && message_id != NULL, NULL);

	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_message_hashes_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_HASHES_BY_MESSAGE_ID);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, message_id);
	if (!rd_bind_end(store, &b, "looking for messages with the same Message-ID", error))
		return NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		RdMessageHashes *h = g_new0(RdMessageHashes, 1);
		h->id = sqlite3_column_int64(st, 0);
		h->raw_sha256 = rd_col_text(st, 1);
		h->content_hash = rd_col_text(st, 2);
		g_ptr_array_add(out, h);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "looking for messages with the same Message-ID", error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

gboolean
rd_store_message_set_content_hash(RdStore *store, gint64 msg_id, const char *content_hash,
                                  GError **error)
{
	g_return_val_if_fail(store != NULL && content_hash != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_SET_CONTENT_HASH);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_text(&b, content_hash);
	return rd_bind_end(store, &b, "recording a message's content hash", error) &&
	       rd_stmt_run(store, st, "recording a message's content hash", error);
}

gboolean
rd_store_message_set_case(RdStore *store, gint64 msg_id, gint64 case_id,
                          const char *kind, const char *via,
                          const char *reason, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_SET_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_id(&b, case_id);
	rd_bind_text(&b, kind);
	rd_bind_text(&b, via);
	rd_bind_text(&b, reason);
	if (!rd_bind_end(store, &b, "moving message to case", error) ||
	    !rd_stmt_run(store, st, "moving message to case", error))
		return FALSE;
	if (sqlite3_changes(store->db) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "moving message to case: no message with id %"
		            G_GINT64_FORMAT, msg_id);
		return FALSE;
	}
	return TRUE;
}

/* ---- reading messages --------------------------------------------------- */

void
rd_message_row_free(RdMessageRow *m)
{
	if (m == NULL)
		return;
	g_free(m->direction);
	g_free(m->raw_sha256);
	g_free(m->content_hash);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_free(m->references);
	g_free(m->subject);
	g_free(m->from_email);
	g_free(m->from_name);
	g_free(m->to_addrs);
	g_free(m->cc_addrs);
	g_free(m->kind);
	g_free(m->via);
	g_free(m->reason);
	g_free(m->auto_reason);
	g_free(m->bounced_message_id);
	g_free(m->problem);
	g_free(m->problem_detail);
	g_free(m->body_text);
	g_free(m->new_text);
	g_clear_pointer(&m->routes, g_ptr_array_unref);
	g_free(m);
}

/* Reads the current row of a statement selecting MESSAGE_COLS (stmts.c). */
static RdMessageRow *
message_from_row(sqlite3_stmt *st)
{
	RdMessageRow *m = g_new0(RdMessageRow, 1);

	m->id = sqlite3_column_int64(st, 0);
	m->case_id = sqlite3_column_int64(st, 1);
	m->direction = rd_col_text(st, 2);
	m->raw_sha256 = rd_col_text(st, 3);
	m->content_hash = rd_col_text(st, 4);
	m->size = (gsize)sqlite3_column_int64(st, 5);
	m->message_id = rd_col_text(st, 6);
	m->in_reply_to = rd_col_text(st, 7);
	m->references = rd_col_text(st, 8);
	m->subject = rd_col_text(st, 9);
	m->from_email = rd_col_text(st, 10);
	m->from_name = rd_col_text(st, 11);
	m->to_addrs = rd_col_text(st, 12);
	m->cc_addrs = rd_col_text(st, 13);
	m->date = sqlite3_column_int64(st, 14);
	m->received_at = sqlite3_column_int64(st, 15);
	m->kind = rd_col_text(st, 16);
	m->via = rd_col_text(st, 17);
	m->reason = rd_col_text(st, 18);
	m->auto_reason = rd_col_text(st, 19);
	m->bounced_message_id = rd_col_text(st, 20);
	m->problem = rd_col_text(st, 21);
	m->problem_detail = rd_col_text(st, 22);
	m->body_text = rd_col_text(st, 23);
	m->new_text = rd_col_text(st, 24);
	return m;
}

/* Fill m->routes with the mailboxes the message arrived through, in the
 * order they were recorded. */
static gboolean
load_routes(RdStore *store, RdMessageRow *m, GError **error)
{
	int rc;

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ROUTES_FOR_MESSAGE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, m->id);
	if (!rd_bind_end(store, &b, "reading message routes", error))
		return FALSE;
	m->routes = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		g_ptr_array_add(m->routes, rd_col_text(st, 0));
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading message routes", error);
	return TRUE;
}

/* One row (with its routes) or none: FALSE only when reading failed. */
static gboolean
message_one(RdStore *store, sqlite3_stmt *st, RdMessageRow **row_r, const char *doing,
            GError **error)
{
	gboolean found;

	*row_r = NULL;
	if (!rd_stmt_row(store, st, &found, doing, error))
		return FALSE;
	if (!found)
		return TRUE;
	g_autoptr(RdMessageRow) m = message_from_row(st);
	if (!load_routes(store, m, error))
		return FALSE;
	*row_r = g_steal_pointer(&m);
	return TRUE;
}

gboolean
rd_store_message_get(RdStore *store, gint64 msg_id, RdMessageRow **row_r, GError **error)
{
	g_return_val_if_fail(store != NULL && row_r != NULL, FALSE);

	*row_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	return rd_bind_end(store, &b, "reading message", error) &&
	       message_one(store, st, row_r, "reading message", error);
}

gboolean
rd_store_message_get_by_message_id(RdStore *store, const char *msgid,
                                   RdMessageRow **row_r, GError **error)
{
	g_return_val_if_fail(store != NULL && msgid != NULL && row_r != NULL, FALSE);

	*row_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGE_GET_BY_MESSAGE_ID);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, msgid);
	return rd_bind_end(store, &b, "reading message by Message-ID", error) &&
	       message_one(store, st, row_r, "reading message by Message-ID", error);
}

/* Every row @st yields, with its routes. */
static GPtrArray *
message_list(RdStore *store, sqlite3_stmt *st, const char *doing, GError **error)
{
	int rc;
	g_autoptr(GPtrArray) msgs =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_message_row_free);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		RdMessageRow *m = message_from_row(st);
		g_ptr_array_add(msgs, m);
		/* A different statement, so stepping it here is safe. */
		if (!load_routes(store, m, error))
			return NULL;
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, doing, error);
		return NULL;
	}
	return g_steal_pointer(&msgs);
}

GPtrArray *
rd_store_messages_for_case(RdStore *store, gint64 case_id, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGES_FOR_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "listing case messages", error))
		return NULL;
	return message_list(store, st, "listing case messages", error);
}

GPtrArray *
rd_store_messages_unfiled_for(RdStore *store, const char *email, GError **error)
{
	g_return_val_if_fail(store != NULL && email != NULL, NULL);

	g_autofree char *folded = rd_store_email_fold(email);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MESSAGES_UNFILED_FOR);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, folded);
	if (!rd_bind_end(store, &b, "listing a person's messages on no case", error))
		return NULL;
	return message_list(store, st, "listing a person's messages on no case", error);
}

/* ---- routes ------------------------------------------------------------- */

gboolean
rd_store_route_add(RdStore *store, gint64 msg_id, const char *mailbox,
                   gint64 received_at, const char *source,
                   gboolean *added_r, GError **error)
{
	g_return_val_if_fail(store != NULL && mailbox != NULL, FALSE);

	if (added_r != NULL)
		*added_r = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ROUTE_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_text(&b, mailbox);
	rd_bind_int64(&b, received_at);
	rd_bind_text(&b, source);
	if (!rd_bind_end(store, &b, "recording message route", error) ||
	    !rd_stmt_run(store, st, "recording message route", error))
		return FALSE;
	/* ON CONFLICT DO NOTHING leaves the change count at 0. */
	if (added_r != NULL)
		*added_r = sqlite3_changes(store->db) > 0;
	return TRUE;
}

/* ---- a sender's recent mail ------------------------------------------------ */

/* The one integer a statement yields, into *@v. */
static gboolean
one_int(RdStore *store, sqlite3_stmt *st, const char *doing, gint64 *v, GError **error)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		return TRUE;
	}
	rd_store_fail(store, rc, doing, error);
	return FALSE;
}

gboolean
rd_store_sender_history(RdStore *store, const char *sender, const char *subject, const char *new_text,
                        gint64 text_since,
                        gint64 since, gint64 now, gint64 quick_s, RdSenderHistory *h, GError **error)
{
	g_return_val_if_fail(store != NULL && sender != NULL && h != NULL, FALSE);
	memset(h, 0, sizeof *h);
	const char *doing = "reading the sender's recent mail";
	if (new_text != NULL && *new_text != '\0') {
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SENDER_SAME_TEXT);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, sender);
		rd_bind_int64(&b, text_since);
		rd_bind_text(&b, new_text);
		rd_bind_text(&b, subject);
		if (!rd_bind_end(store, &b, doing, error))
			return FALSE;
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			h->same_text_msg = sqlite3_column_int64(st, 0);
			h->same_text_at = sqlite3_column_int64(st, 1);
		} else if (rc != SQLITE_DONE) {
			rd_store_fail(store, rc, doing, error);
			return FALSE;
		}
	}
	gint64 v = 0;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SENDER_QUICK_ANSWERS);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, sender);
		rd_bind_int64(&b, since);
		rd_bind_int64(&b, quick_s);
		if (!rd_bind_end(store, &b, doing, error) || !one_int(store, st, doing, &v, error))
			return FALSE;
		h->quick_answers = (guint)v;
	}
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SENDER_QUICK_NOW);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, sender);
		rd_bind_int64(&b, now);
		rd_bind_int64(&b, quick_s);
		if (!rd_bind_end(store, &b, doing, error) || !one_int(store, st, doing, &v, error))
			return FALSE;
		h->quick_now = v != 0;
	}
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SENDER_CASES_OPENED);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, sender);
		rd_bind_int64(&b, since);
		if (!rd_bind_end(store, &b, doing, error) || !one_int(store, st, doing, &v, error))
			return FALSE;
		h->cases_opened = (guint)v;
	}
	return TRUE;
}

/* ---- attachments -------------------------------------------------------- */

gboolean
rd_store_attachment_add(RdStore *store, gint64 msg_id, const char *filename,
                        const char *content_type, gsize size,
                        const char *sha256, gboolean is_tnef, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(size <= (guint64)G_MAXINT64, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ATTACHMENT_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_text(&b, filename);
	rd_bind_text(&b, content_type);
	rd_bind_int64(&b, (gint64)size);
	rd_bind_text(&b, sha256);
	rd_bind_int64(&b, is_tnef ? 1 : 0);
	return rd_bind_end(store, &b, "recording attachment", error) &&
	       rd_stmt_run(store, st, "recording attachment", error);
}

void
rd_attachment_row_free(RdAttachmentRow *a)
{
	if (a == NULL)
		return;
	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->sha256);
	g_free(a);
}

/* The row @st is on (RD_STMT_ATTACHMENTS_FOR_MESSAGE's columns). */
static RdAttachmentRow *
attachment_row(sqlite3_stmt *st)
{
	RdAttachmentRow *a = g_new0(RdAttachmentRow, 1);
	a->filename = rd_col_text(st, 0);
	a->content_type = rd_col_text(st, 1);
	a->sha256 = rd_col_text(st, 2);
	a->size = (gsize)sqlite3_column_int64(st, 3);
	a->is_tnef = sqlite3_column_int(st, 4) != 0;
	a->id = sqlite3_column_int64(st, 5);
	a->msg_id = sqlite3_column_int64(st, 6);
	return a;
}

gboolean
rd_store_attachment_get(RdStore *store, gint64 id, RdAttachmentRow **row_r, GError **error)
{
	g_return_val_if_fail(store != NULL && row_r != NULL, FALSE);
	*row_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ATTACHMENT_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	if (!rd_bind_end(store, &b, "reading attachment", error))
		return FALSE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*row_r = attachment_row(st);
		return TRUE;
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "reading attachment", error);
		return FALSE;
	}
	return TRUE;
}

GPtrArray *
rd_store_attachments_for_message(RdStore *store, gint64 msg_id,
                                 GError **error)
{
	int rc;

	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(GPtrArray) atts =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_attachment_row_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ATTACHMENTS_FOR_MESSAGE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	if (!rd_bind_end(store, &b, "listing attachments", error))
		return NULL;
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		g_ptr_array_add(atts, attachment_row(st));
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing attachments", error);
		return NULL;
	}
	return g_steal_pointer(&atts);
}
