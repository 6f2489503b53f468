/*
 * cursor.c — per-mailbox IMAP cursors (UIDVALIDITY and the last UID seen).
 *
 * The cursor is written in the same transaction as the messages it covers
 * (docs/ARCHITECTURE.md, crash safety): after a crash the fetcher resumes after the last
 * committed UID and at worst fetches a message again, which dedupe
 * absorbs. A changed UIDVALIDITY is the fetcher's cue to resync; the store
 * only records the pair.
 *
 * UIDs and UIDVALIDITY are 32-bit unsigned; they are stored as INTEGER,
 * which holds them without sign trouble.
 */
#include "store-private.h"

gboolean
rd_store_cursor_get(RdStore *store, const char *mailbox, gboolean *found_r,
                    guint32 *uidvalidity_r, guint32 *last_uid_r,
                    GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && mailbox != NULL && found_r != NULL, FALSE);

	*found_r = FALSE;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = 0;
	if (last_uid_r != NULL)
		*last_uid_r = 0;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CURSOR_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, mailbox);
	if (!rd_bind_end(store, &b, "reading mailbox cursor", error) ||
	    !rd_stmt_row(store, st, &found, "reading mailbox cursor", error))
		return FALSE;
	*found_r = found;
	if (!found)
		return TRUE;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = (guint32)sqlite3_column_int64(st, 0);
	if (last_uid_r != NULL)
		*last_uid_r = (guint32)sqlite3_column_int64(st, 1);
	return TRUE;
}

gboolean
rd_store_cursor_set(RdStore *store, const char *mailbox, guint32 uidvalidity,
                    guint32 last_uid, GError **error)
{
	g_return_val_if_fail(store != NULL && mailbox != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_CURSOR_SET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, mailbox);
	rd_bind_int64(&b, uidvalidity);
	rd_bind_int64(&b, last_uid);
	rd_bind_int64(&b, g_get_real_time() / G_USEC_PER_SEC);
	return rd_bind_end(store, &b, "writing mailbox cursor", error) &&
	       rd_stmt_run(store, st, "writing mailbox cursor", error);
}
