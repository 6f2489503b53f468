/*
 * fetch.c — `redress fetch [--mailbox ROLE]… [--wait SECONDS]`: every IMAP
 * mailbox (or those named) once, through the fetch pass (inbound/). One
 * mailbox failing (wrong password, server down, or a setting that
 * `redress config check` would refuse) is reported and the others still
 * run; the exit status reflects the failures.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

/* Exit status for an IMAP error: configuration → 1, the rest → 2. */
static int
exit_code_for(const GError *err)
{
	if (err->domain == RD_IMAP_ERROR && err->code == RD_IMAP_ERROR_CONFIG)
		return RD_EXIT_USAGE;
	return RD_EXIT_INTERNAL;
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
		if (c->selftests)
			printf(", %u redress self-test mail%s, removed", c->selftests, c->selftests == 1 ? "" : "s");
		printf(")");
	}
	printf("\n");
}

/* How many mailboxes the run fetches: those @named in @wanted (each must
 * have an imap_url), else every one with an imap_url. -1, said on
 * stderr, when a named one has none. */
static int
mailboxes_to_fetch(const RdConfig *cfg, gboolean named, const gboolean *wanted)
{
	int n = 0;
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		if (named && !wanted[i])
			continue;
		if (cfg->mailboxes[i].imap_url != NULL) {
			n++;
		} else if (named) {
			fprintf(stderr, "redress fetch: mailbox %s has no imap_url in [mailbox:%s]\n",
			        rd_mailbox_to_string((RdMailbox)i), rd_mailbox_to_string((RdMailbox)i));
			return -1;
		}
	}
	return n;
}

/* What each mailbox of one run needs. */
typedef struct {
	const RdGlobalOptions *g;
	RdConfig *cfg;
	RdStore *store;
	RdIngest *ing;
	RdCheckpointer *ckpt;
	RdJournal *journal;
	gint wait_s;             /* --wait, or 0 */
} FetchRun;

/* One mailbox: the checks `redress config check` makes of it, then
 * connect, fetch, and with --wait wait and fetch again. Its exit status;
 * *@store_broken_r when the database failed (the run must stop). */
static int
fetch_mailbox(const FetchRun *run, RdMailbox mb, gboolean *store_broken_r)
{
	const char *role = rd_mailbox_to_string(mb);
	/* Refused as the check refuses it, in its words, before anything
	 * touches the server; the other mailboxes still run. */
	g_autoptr(GString) problems = g_string_new(NULL);
	if (!rd_config_check_mailbox(run->cfg, mb, problems)) {
		fputs(problems->str, stderr);
		return RD_EXIT_USAGE;
	}
	g_autoptr(GError) err = NULL;
	g_autoptr(RdImap) s = rd_imap_open(&run->cfg->mailboxes[mb], role, &err);
	gboolean ok = s != NULL;
	RdFetchCounts counts = { 0 };
	if (ok) {
		ok = rd_fetch_pass(run->store, run->ing, run->cfg, s, mb, run->ckpt, run->journal, NULL, &counts, store_broken_r,
		                   &err);
		/* What was committed is reported even when a later step failed. */
		print_mailbox(&counts, run->g->quiet, role);
	}
	if (ok && run->wait_s > 0) {
		gboolean new_mail = FALSE;
		ok = rd_imap_wait(s, (guint)run->wait_s, &new_mail, &err);
		rd_log_debug("imap mailbox=%s waited new_mail=%d", role, new_mail);
		if (ok && new_mail) {
			ok = rd_fetch_pass(run->store, run->ing, run->cfg, s, mb, run->ckpt, run->journal, NULL, &counts,
			                   store_broken_r, &err);
			print_mailbox(&counts, run->g->quiet, role);
		}
	}
	if (ok)
		return RD_EXIT_OK;
	fprintf(stderr, "redress fetch: error: %s\n", err->message);
	return exit_code_for(err);
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
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	int n = mailboxes_to_fetch(cfg, roles != NULL, wanted);
	if (n < 0)
		return RD_EXIT_USAGE;
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

	g_autoptr(RdCasework) cw = NULL;
	int crc = rd_cli_open_casework(store, cfg, &cw);
	if (crc != RD_EXIT_OK)
		return crc;
	g_autoptr(RdIngest) ing = rd_ingest_new(cw);
	/* Before anything is parsed: see inbound/journal.c. */
	g_autoptr(RdJournal) journal = rd_journal_open(store, db_path, &err);
	if (journal == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	/* Declared after the store, so stopped (and the log emptied) before
	 * the store closes. */
	g_autoptr(RdCheckpointer) ckpt = rd_checkpointer_start(store, db_path, FALSE);

	FetchRun run = { g, cfg, store, ing, ckpt, journal, wait_s };
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		if ((roles != NULL && !wanted[i]) || cfg->mailboxes[i].imap_url == NULL)
			continue;
		gboolean store_broken = FALSE;
		/* Not inside MAX(), which would run it twice. */
		int mrc = fetch_mailbox(&run, (RdMailbox)i, &store_broken);
		rc = MAX(rc, mrc);
		if (store_broken) {
			fprintf(stderr, "redress: error: the database is not usable; stopping\n");
			return RD_EXIT_INTERNAL;
		}
	}
	fflush(stdout);
	return rc;
}
