/*
 * purgecopies.c — the last of a retention purge: the copies redress left
 * in the council's IMAP folders of the mail it purged from the database
 * (README "Retention", [retention] purge_mailbox_copies).
 *
 * The purge (casework/purge.c, in its database transaction) notes each
 * copy in purge_copies: the mailbox role, which copy, and the
 * Message-ID. This file runs after that transaction, never inside it, so
 * a mail server that is down delays only the expunge: the rows stay and
 * the next purge tries again. A row is deleted as soon as its copy is
 * gone, so the Message-IDs live no longer than the copies did.
 */
#include <string.h>
#include "outbound/outbound.h"

/* The session and folder for copies of @role and @copy, or NULL (with
 * @why_r) when there is none to reach. */
static RdImap *
open_for(const RdConfig *cfg, const char *role, const char *copy, gboolean *exists_r, char **why_r)
{
	GError *e = NULL;
	*exists_r = FALSE;
	gboolean sent = strcmp(copy, "sent") == 0;
	const char *name = sent ? cfg->smtp.sent_mailbox : role;
	RdMailbox mb;
	if (name == NULL || !rd_mailbox_from_string(name, &mb) || cfg->mailboxes[mb].imap_url == NULL) {
		*why_r = g_strdup_printf("mailbox %s is not a [mailbox:ROLE] with an imap_url", name ? name : "(none)");
		return NULL;
	}
	RdImap *s = rd_imap_open_account(&cfg->mailboxes[mb], name, &e);
	if (s == NULL) {
		*why_r = g_strdup(e->message);
		g_error_free(e);
		return NULL;
	}
	const char *folder = NULL;
	g_autofree char *special = NULL;
	if (sent) {
		folder = cfg->smtp.sent_folder;
		if (folder == NULL) {
			special = rd_imap_special_folder(s, "Sent", NULL);
			folder = special != NULL ? special : "Sent";
		}
	}
	if (!rd_imap_select_purge_folder(s, folder, exists_r, &e)) {
		*why_r = g_strdup(e->message);
		g_error_free(e);
		rd_imap_close(s);
		return NULL;
	}
	return s;
}

void
rd_purge_copies_expunge(RdStore *store, const RdConfig *cfg, RdPurgeCopiesCounts *counts_r)
{
	memset(counts_r, 0, sizeof *counts_r);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) rows = rd_store_purge_copies(store, &err);
	if (rows == NULL) {
		rd_log_error("purge copies: %s", err->message);
		return;
	}
	guint messages = 0;
	/* Rows come ordered by role and copy: one session for each run of them. */
	for (guint i = 0; i < rows->len;) {
		const RdPurgeCopy *first = rows->pdata[i];
		guint end = i;
		while (end < rows->len && strcmp(((RdPurgeCopy *)rows->pdata[end])->role, first->role) == 0 &&
		       strcmp(((RdPurgeCopy *)rows->pdata[end])->copy, first->copy) == 0)
			end++;
		gboolean exists = FALSE;
		guint left = 0;
		g_autofree char *why = NULL;
		g_autoptr(RdImap) s = open_for(cfg, first->role, first->copy, &exists, &why);
		for (guint k = i; k < end; k++) {
			const RdPurgeCopy *c = rows->pdata[k];
			g_autoptr(GError) e = NULL;
			guint n = 0;
			gboolean gone = s != NULL && (!exists || rd_imap_expunge_message_id(s, c->message_id, &n, &e));
			if (s != NULL && !gone) {
				g_free(why);
				why = g_strdup(e->message);
				/* A broken connection fails the rest of the run alike. */
				g_clear_pointer(&s, rd_imap_close);
			}
			messages += n;
			if (!rd_store_purge_copy_done(store, c->id, gone ? NULL : why, &e)) {
				rd_log_error("purge copies: %s", e->message);
				return;
			}
			if (gone)
				counts_r->expunged++;
			else
				left++;
		}
		counts_r->left += left;
		if (left > 0)
			rd_log_warn("purge copies mailbox=%s copy=%s left=%u error=\"%s\": tried again at the next purge",
			            strcmp(first->copy, "sent") == 0 && cfg->smtp.sent_mailbox != NULL ? cfg->smtp.sent_mailbox
			            : first->role, first->copy, left, why != NULL ? why : "?");
		i = end;
	}
	rd_log_info("purge copies expunged=%u messages=%u left=%u", counts_r->expunged, messages, counts_r->left);
}
