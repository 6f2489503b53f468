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
 * reason, and no longer tried. A server that cannot be reached is tried
 * once per run, not once per letter; a message the server refuses waits
 * without holding back the others. The daemon backs off between runs
 * that failed (service/daemon.c).
 */
#include <string.h>
#include "outbound/outbound.h"

#define BATCH 100

static gboolean
stopping(const gint *stop)
{
	return stop != NULL && g_atomic_int_get(stop) != 0;
}

/* The folder the server marks \Sent, else "Sent" (created by APPEND). */
static char *
sent_folder_of(RdImap *s, const char *mailbox)
{
	g_autoptr(GError) e = NULL;
	char *name = rd_imap_special_folder(s, "Sent", &e);
	if (name == NULL) {
		rd_log_info("sent copy mailbox=%s: %s; using Sent", mailbox, e->message);
		return g_strdup("Sent");
	}
	rd_log_debug("sent copy mailbox=%s folder=%s (special use \\Sent)", mailbox, name);
	return name;
}

/* The copy of @o could not be made (@why): it waits, or after retry_for
 * it is recorded failed. */
static gboolean
not_made(RdStore *store, const RdConfig *cfg, const RdOutboxRow *o, gint64 now, const char *folder,
         const char *why, GError **error)
{
	gboolean give_up = o->sent_at > 0 && now - o->sent_at > cfg->smtp.retry_for;
	if (give_up)
		rd_log_error("sent copy letter=%" G_GINT64_FORMAT " failed=yes error=\"%s\": no copy in %s "
		             "(the letter itself was sent)", o->id, why, folder);
	return rd_store_outbox_copy_set(store, o->id, give_up ? "failed" : "pending", why, error);
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
	/* Without sent_folder: the server's own \Sent folder, found when the
	 * session opens ("Sent" until then, for messages). */
	g_autofree char *found = NULL;
	const char *folder = cfg->smtp.sent_folder ? cfg->smtp.sent_folder : "Sent";
	g_autoptr(RdImap) s = NULL;
	GError *down = NULL;     /* the server cannot be used: what it said */
	gint64 after = 0;        /* rows up to this id were handled in this run */
	for (;;) {
		g_autoptr(GPtrArray) due = rd_store_outbox_copies_due(store, after, BATCH, error);
		if (due == NULL) {
			g_clear_error(&down);
			return FALSE;
		}
		if (due->len == 0)
			break;
		for (guint i = 0; i < due->len; i++) {
			const RdOutboxRow *o = due->pdata[i];
			after = o->id;
			if (stopping(stop))
				break;
			GError *e = NULL;
			/* Once the server is down, the rest only age (no new
			 * connection per letter: that would hold the sender up). */
			if (down == NULL && s == NULL) {
				if ((s = rd_imap_open_account(&cfg->mailboxes[role], cfg->smtp.sent_mailbox, &e)) == NULL)
					down = e;
				else if (cfg->smtp.sent_folder == NULL && found == NULL)
					folder = found = sent_folder_of(s, cfg->smtp.sent_mailbox);
			}
			if (down != NULL) {
				if (!not_made(store, cfg, o, now, folder, down->message, error)) {
					g_error_free(down);
					return FALSE;
				}
				continue;
			}
			if (rd_imap_append(s, folder, o->raw, o->sent_at, &e)) {
				if (!rd_store_outbox_copy_set(store, o->id, "done", NULL, error))
					return FALSE;
				(*n_r)++;
				rd_log_info("sent copy letter=%" G_GINT64_FORMAT " mailbox=%s folder=%s", o->id,
				            cfg->smtp.sent_mailbox, folder);
				continue;
			}
			/* Refused for this message alone: it waits, the others go on.
			 * A broken connection makes the server down for this run. */
			gboolean ok = not_made(store, cfg, o, now, folder, e->message, error);
			if (e->code == RD_IMAP_ERROR_CONNECT) {
				down = e;
				g_clear_pointer(&s, rd_imap_close);
			} else {
				rd_log_warn("sent copy letter=%" G_GINT64_FORMAT ": %s", o->id, e->message);
				g_error_free(e);
			}
			if (!ok) {
				g_clear_error(&down);
				return FALSE;
			}
		}
		if (stopping(stop))
			break;
	}
	if (down != NULL) {
		g_propagate_prefixed_error(error, down, "copy of a sent letter to %s: ", folder);
		return FALSE;
	}
	return TRUE;
}
