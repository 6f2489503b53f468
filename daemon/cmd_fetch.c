/*
 * cmd_fetch.c — `redress fetch`: new mail from each IMAP mailbox into the
 * case file.
 *
 * For one mailbox, in order:
 *
 *   1. open the session (rd_imap_open: TLS verified, LOGIN, SELECT);
 *   2. read the cursor (UIDVALIDITY, last UID) from the store; a different
 *      UIDVALIDITY means the server renumbered the folder, so start again
 *      from UID 1 and let dedupe absorb what is already stored;
 *   3. finish what a crash left behind: a message at or below the cursor
 *      that is still in the folder (or, with keep_in_place, still lacks
 *      the keyword) was committed but not moved — move or flag it now;
 *   4. fetch the UIDs above the cursor in batches; each batch is ONE
 *      transaction with the messages, their cases and letters, and the
 *      cursor; only after the commit are they moved (or flagged).
 *
 * So a crash anywhere leads to a re-fetch at worst, never to a loss or a
 * duplicate. rd_fetch_pass() is one such pass over an open session; the
 * command runs it once per mailbox, the daemon's watchers after each wait. One mailbox failing (wrong password, server down) is reported
 * and the others still run; the exit status reflects the failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"

#define FETCH_BATCH 64      /* messages per UID FETCH and per transaction */

typedef struct {
	const RdConfig *cfg;
	RdStore *store;
	RdIngest *ing;
	gboolean crash_after_commit;  /* REDRESS_TEST_CRASH=after-commit */
	RdFetchCounts *n;
} Ctx;

/* Exit status for an IMAP error: configuration → 1, the rest → 2. */
static int
exit_code_for(const GError *err)
{
	if (err->domain == RD_IMAP_ERROR && err->code == RD_IMAP_ERROR_CONFIG)
		return RD_EXIT_USAGE;
	return RD_EXIT_INTERNAL;
}

/* Store @msgs (RdImapMessage*) and move the cursor to @last_uid, in one
 * transaction. FALSE: nothing of the batch was written. */
static gboolean
store_batch(Ctx *c, const char *role, RdMailbox mailbox, guint32 uidvalidity, GPtrArray *msgs,
            guint32 last_uid, GError **error)
{
	g_autofree RdIngestResult *results = g_new0(RdIngestResult, msgs->len ? msgs->len : 1);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean ok = rd_store_begin(c->store, error);
	guint done = 0;
	for (; ok && done < msgs->len; done++) {
		RdImapMessage *m = msgs->pdata[done];
		gsize len = 0;
		const char *data = g_bytes_get_data(m->data, &len);
		gint64 received = m->internal_date > 0 ? m->internal_date : now;
		g_autoptr(RdMessage) msg = rd_message_parse(data, len, received, &c->cfg->limits);
		g_autofree char *source = g_strdup_printf("imap:%s:%u:%u", role, uidvalidity, m->uid);
		ok = rd_ingest_message(c->ing, data, len, msg, mailbox, received, source, &results[done], error);
		if (!ok)
			g_prefix_error(error, "mailbox %s: storing uid %u: ", role, m->uid);
	}
	if (ok)
		ok = rd_store_cursor_set(c->store, role, uidvalidity, last_uid, error) &&
		     rd_store_commit(c->store, error);
	if (!ok)
		rd_store_rollback(c->store);
	if (ok) {
		for (guint i = 0; i < msgs->len; i++) {
			RdImapMessage *m = msgs->pdata[i];
			RdIngestResult *r = &results[i];
			const char *status = r->status == RD_INGEST_STORED ? "stored" :
			                     r->status == RD_INGEST_DUPLICATE ? "duplicate" : "new-route";
			rd_log_info("ingested mailbox=%s uid=%u case=%s kind=%s status=%s", role, m->uid,
			            r->case_ref ? r->case_ref : "-", r->kind ? r->kind : "-", status);
			c->n->fetched++;
			if (r->status == RD_INGEST_STORED)
				c->n->stored++;
			else if (r->status == RD_INGEST_DUPLICATE)
				c->n->duplicates++;
			else
				c->n->new_routes++;
		}
	}
	for (guint i = 0; i < done; i++)
		rd_ingest_result_clear(&results[i]);
	return ok;
}

static gboolean fetch_pass(Ctx *c, RdImap *s, RdMailbox mailbox, const gint *stop,
                           gboolean *store_broken_r, GError **error);

gboolean
rd_fetch_pass(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s, RdMailbox mailbox,
              const gint *stop, RdFetchCounts *counts_r, gboolean *store_broken_r, GError **error)
{
	g_return_val_if_fail(store != NULL && ing != NULL && s != NULL && counts_r != NULL, FALSE);
	Ctx c = { 0 };
	c.cfg = cfg;
	c.store = store;
	c.ing = ing;
	const char *crash = g_getenv("REDRESS_TEST_CRASH");
	c.crash_after_commit = crash != NULL && strcmp(crash, "after-commit") == 0;
	c.n = counts_r;
	memset(counts_r, 0, sizeof *counts_r);
	*store_broken_r = FALSE;
	return fetch_pass(&c, s, mailbox, stop, store_broken_r, error);
}

static gboolean
fetch_pass(Ctx *c, RdImap *s, RdMailbox mailbox, const gint *stop, gboolean *store_broken_r,
           GError **error)
{
	const char *role = rd_mailbox_to_string(mailbox);
	const RdMailboxConfig *mc = &c->cfg->mailboxes[mailbox];

	guint32 uidvalidity = rd_imap_uidvalidity(s);
	guint32 known_validity = 0, last = 0;
	g_autoptr(GError) serr = NULL;
	gboolean found = rd_store_cursor_get(c->store, role, &known_validity, &last, &serr);
	if (serr != NULL) {
		*store_broken_r = TRUE;
		g_propagate_error(error, g_steal_pointer(&serr));
		return FALSE;
	}
	if (!found || known_validity != uidvalidity) {
		if (found)
			rd_log_warn("imap mailbox=%s uidvalidity=%u was=%u resync=yes (already stored mail is "
			            "recognised, not duplicated)", role, uidvalidity, known_validity);
		last = 0;
		if (!rd_store_cursor_set(c->store, role, uidvalidity, 0, error)) {
			*store_broken_r = TRUE;
			return FALSE;
		}
	}

	/* Committed before a crash, but still waiting for its move or flag. */
	if (last > 0) {
		g_autoptr(GArray) pending = rd_imap_search(s, 1, last, mc->keep_in_place, error);
		if (pending == NULL)
			return FALSE;
		if (pending->len > 0) {
			rd_log_info("imap mailbox=%s finishing=%u (committed earlier, not yet %s)", role,
			            pending->len, mc->keep_in_place ? "flagged" : "moved");
			if (!rd_imap_finish(s, (guint32 *)(void *)pending->data, pending->len, error))
				return FALSE;
		}
	}

	g_autoptr(GArray) uids = rd_imap_search(s, last + 1, 0, FALSE, error);
	if (uids == NULL)
		return FALSE;
	c->n->found = uids->len;
	for (guint off = 0; off < uids->len; off += FETCH_BATCH) {
		/* Stopping: the batch in hand is committed and moved; the rest
		 * waits on the server for the next run. */
		if (stop != NULL && g_atomic_int_get(stop))
			break;
		guint n = MIN(FETCH_BATCH, uids->len - off);
		const guint32 *chunk = &g_array_index(uids, guint32, off);
		g_autoptr(GPtrArray) msgs = rd_imap_fetch(s, chunk, n, error);
		if (msgs == NULL)
			return FALSE;
		if (msgs->len < n)
			rd_log_warn("imap mailbox=%s missing=%u (removed from the server while fetching)", role,
			            n - msgs->len);
		if (!store_batch(c, role, mailbox, uidvalidity, msgs, chunk[n - 1], error)) {
			*store_broken_r = TRUE;
			return FALSE;
		}
		if (c->crash_after_commit) {
			/* Fault injection for the tests: die between the commit
			 * and the move, as a power cut would. */
			fflush(NULL);
			_exit(3);
		}
		g_autoptr(GArray) done = g_array_sized_new(FALSE, FALSE, sizeof(guint32), msgs->len);
		for (guint i = 0; i < msgs->len; i++)
			g_array_append_val(done, ((RdImapMessage *)msgs->pdata[i])->uid);
		if (!rd_imap_finish(s, (guint32 *)(void *)done->data, done->len, error))
			return FALSE;
	}
	return TRUE;
}

static void
print_mailbox(const RdFetchCounts *c, gboolean quiet, const char *role)
{
	if (quiet)
		return;
	printf("%s: %u new message%s", role, c->fetched, c->fetched == 1 ? "" : "s");
	if (c->fetched > 0) {
		printf(" (%u stored", c->stored);
		if (c->duplicates)
			printf(", %u already ingested", c->duplicates);
		if (c->new_routes)
			printf(", %u already ingested through another mailbox", c->new_routes);
		printf(")");
	}
	printf("\n");
}

int
rd_cmd_fetch(const RdGlobalOptions *g, int argc, char **argv)
{
	g_auto(GStrv) roles = NULL;
	gint wait_s = 0;
	GOptionEntry entries[] = {
		{ "mailbox", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &roles,
		  "Only this mailbox (repeatable): complaints, stage2, chief-executive, monitoring-officer", "ROLE" },
		{ "wait", 'w', 0, G_OPTION_ARG_INT, &wait_s,
		  "Then wait up to SECONDS for new mail (IDLE where the server has it) and fetch it; one mailbox only",
		  "SECONDS" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— fetch new mail from the IMAP mailboxes once");
	g_option_context_set_summary(oc,
		"Every [mailbox:ROLE] with an imap_url (or only those named) is read; each new message is "
		"stored and filed on a case, then moved to the processed folder (or flagged).");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress fetch: %s (see redress fetch --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "redress fetch: unexpected argument '%s' (see redress fetch --help)\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	gboolean wanted[RD_MAILBOX_N] = { FALSE };
	for (guint i = 0; roles != NULL && roles[i] != NULL; i++) {
		RdMailbox mb;
		if (!rd_mailbox_from_string(roles[i], &mb)) {
			fprintf(stderr, "redress fetch: unknown mailbox '%s'; use complaints, stage2, chief-executive "
			        "or monitoring-officer\n", roles[i]);
			return RD_EXIT_USAGE;
		}
		wanted[mb] = TRUE;
	}

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	guint n = 0;
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		if (roles != NULL && !wanted[i])
			continue;
		if (cfg->mailboxes[i].imap_url == NULL) {
			if (roles != NULL) {
				fprintf(stderr, "redress fetch: mailbox %s has no imap_url in [mailbox:%s]\n",
				        rd_mailbox_to_string((RdMailbox)i), rd_mailbox_to_string((RdMailbox)i));
				return RD_EXIT_USAGE;
			}
			continue;
		}
		n++;
	}
	if (wait_s < 0 || (wait_s > 0 && n != 1)) {
		fprintf(stderr, "redress fetch: --wait needs a positive number of seconds and exactly one mailbox "
		        "(use --mailbox ROLE)\n");
		return RD_EXIT_USAGE;
	}
	if (n == 0) {
		fprintf(stderr, "redress fetch: no mailbox to fetch: set imap_url (and imap_user, "
		        "imap_password_file) in a [mailbox:ROLE] group of the configuration\n");
		return RD_EXIT_USAGE;
	}

	g_autoptr(RdIngest) ing = rd_ingest_new(store, cfg, &err);
	if (ing == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return err->domain == RD_STORE_ERROR ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
	}

	for (int i = 0; i < RD_MAILBOX_N; i++) {
		if ((roles != NULL && !wanted[i]) || cfg->mailboxes[i].imap_url == NULL)
			continue;
		const char *role = rd_mailbox_to_string((RdMailbox)i);
		gboolean store_broken = FALSE;
		g_autoptr(GError) merr = NULL;
		g_autoptr(RdImap) s = rd_imap_open(&cfg->mailboxes[i], role, &merr);
		gboolean ok = s != NULL;
		RdFetchCounts counts = { 0 };
		if (ok) {
			ok = rd_fetch_pass(store, ing, cfg, s, (RdMailbox)i, NULL, &counts, &store_broken, &merr);
			/* What was committed is reported even when a later step failed. */
			print_mailbox(&counts, g->quiet, role);
		}
		if (ok && wait_s > 0) {
			gboolean new_mail = FALSE;
			ok = rd_imap_wait(s, (guint)wait_s, &new_mail, &merr);
			rd_log_debug("imap mailbox=%s waited new_mail=%d", role, new_mail);
			if (ok && new_mail) {
				ok = rd_fetch_pass(store, ing, cfg, s, (RdMailbox)i, NULL, &counts, &store_broken, &merr);
				print_mailbox(&counts, g->quiet, role);
			}
		}
		if (ok)
			continue;
		fprintf(stderr, "redress fetch: error: %s\n", merr->message);
		if (store_broken) {
			fprintf(stderr, "redress: error: the database is not usable; stopping\n");
			return RD_EXIT_INTERNAL;
		}
		rc = MAX(rc, exit_code_for(merr));
	}
	fflush(stdout);
	return rc;
}
