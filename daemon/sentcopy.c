/*
 * sentcopy.c — a copy of each sent letter in the council's Sent folder.
 *
 * Staff look for what the council said in their mail client, not in
 * redress: with [smtp] sent_mailbox = ROLE, every letter the SMTP server
 * accepted is also appended (IMAP APPEND, \Seen, dated when it went) to
 * sent_folder in that mailbox's account. The copy is a separate step that
 * runs after sending: the sender marks the copy 'pending' in the same
 * transaction that records the letter sent, and this drains the pending
 * ones. So a mail server that is down for the copy never holds a letter
 * back or sends it twice; the copy waits and is made on a later run. A
 * crash between the APPEND and recording it done makes a second copy
 * (at least once, like the letters themselves); a copy that still cannot
 * be made retry_for after its letter went is recorded failed, with the
 * reason, and no longer tried.
 */
#include <string.h>
#include "daemon.h"

#define BATCH 100

static gboolean
stopping(const gint *stop)
{
	return stop != NULL && g_atomic_int_get(stop) != 0;
}

gboolean
rd_sent_copies_run(RdStore *store, const RdConfig *cfg, gint64 now, const gint *stop, guint *n_r,
                   GError **error)
{
	g_return_val_if_fail(store != NULL && cfg != NULL, FALSE);
	*n_r = 0;
	if (cfg->smtp.sent_mailbox == NULL)
		return TRUE;
	RdMailbox role;
	if (!rd_mailbox_from_string(cfg->smtp.sent_mailbox, &role) || cfg->mailboxes[role].imap_url == NULL) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "[smtp] sent_mailbox %s is not a [mailbox:ROLE] with an imap_url", cfg->smtp.sent_mailbox);
		return FALSE;
	}
	const char *folder = cfg->smtp.sent_folder ? cfg->smtp.sent_folder : "Sent";
	g_autoptr(RdImap) s = NULL;
	for (;;) {
		g_autoptr(GPtrArray) due = rd_store_outbox_copies_due(store, BATCH, error);
		if (due == NULL)
			return FALSE;
		if (due->len == 0)
			return TRUE;
		for (guint i = 0; i < due->len; i++) {
			const RdOutboxRow *o = due->pdata[i];
			if (stopping(stop))
				return TRUE;
			GError *e = NULL;
			if (s == NULL)
				s = rd_imap_open(&cfg->mailboxes[role], cfg->smtp.sent_mailbox, &e);
			if (s != NULL && rd_imap_append(s, folder, o->raw, o->sent_at, &e)) {
				if (!rd_store_outbox_copy_set(store, o->id, "done", NULL, error))
					return FALSE;
				(*n_r)++;
				rd_log_info("sent copy letter=%" G_GINT64_FORMAT " mailbox=%s folder=%s", o->id,
				            cfg->smtp.sent_mailbox, folder);
				continue;
			}
			/* Given up only once the letter is old; until then it waits
			 * with the reason, and the run ends (the server is the
			 * likely trouble, not this one letter). */
			gboolean give_up = o->sent_at > 0 && now - o->sent_at > cfg->smtp.retry_for;
			if (!rd_store_outbox_copy_set(store, o->id, give_up ? "failed" : "pending", e->message, error)) {
				g_error_free(e);
				return FALSE;
			}
			if (give_up) {
				rd_log_error("sent copy letter=%" G_GINT64_FORMAT " failed=yes error=\"%s\": no copy in %s "
				             "(the letter itself was sent)", o->id, e->message, folder);
				g_error_free(e);
				g_clear_pointer(&s, rd_imap_close);
				continue;
			}
			g_propagate_prefixed_error(error, e, "copy of a sent letter to %s: ", folder);
			return FALSE;
		}
	}
}
