/*
 * test-staffmail.c — mail from the council's staff through intake
 * (daemon/inbound/staffmail.c) on a real SQLite file: a reply relayed to
 * the complainant with only the new words, reply-all recorded once, notes
 * never relayed, commands applied with a command-result letter, typos
 * answered, a spoofed staff address flagged and alerted with nothing
 * applied, a forwarded complaint opened for the ORIGINAL complainant, an
 * out-of-office recorded and ignored, and a non-member writing to a staff
 * reply address put in triage.
 *
 * The configuration is a real file with a staff directory and the
 * authentication-results policy; the Authentication-Results fields are
 * written into the test mail as the council's border would write them.
 * The real border (OpenDKIM, OpenDMARC) is tests/test-staff-e2e.sh's.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "inbound/inbound.h"

typedef struct {
	char *dir;
	char *path;
	RdStore *store;
	RdConfig *cfg;
	RdCasework *cw;
	RdIngest *ing;
	char *ref;               /* the case opened by set-up */
} Fixture;

/* Wednesday 2 December 2026, 10:00 UTC (10:00 in London). */
#define T0 1796205600

static const char config_text[] =
	"[council]\n"
	"domain = council.test\n"
	"complaints_manager = manager@council.test\n"
	"[mailbox:complaints]\n"
	"address = complaints@council.test\n"
	"[staff:sam.patel@council.test]\n"
	"name = Sam Patel\n"
	"role = handler\n"
	"services = housing\n"
	"also = s.patel@council.test\n"
	"[staff:manager@council.test]\n"
	"name = Morgan Lee\n"
	"role = complaints-manager\n"
	"[staff_auth]\n"
	"policy = authentication-results\n"
	"trusted_authserv_ids = mx.council.test\n";

#define PASS "Authentication-Results: mx.council.test; dkim=pass header.d=council.test; " \
	"dmarc=pass header.from=council.test\n"
#define FAIL "Authentication-Results: mx.council.test; dkim=none; dmarc=fail header.from=council.test\n"

static const char complaint[] =
	"From: Ann Example <ann@public.test>\n"
	"To: complaints@council.test\n"
	"Subject: Damp in my flat\n"
	"Message-ID: <c1@public.test>\n"
	"\n"
	"There is black mould in the bedroom of 3 Elm Court.\n";

static char *
ingest(Fixture *f, const char *text, gint64 at, char **kind_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(text, strlen(text), at, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	gboolean ok = rd_ingest_message(f->ing, text, strlen(text), m, RD_MAILBOX_COMPLAINTS, at, "test", &r, &err);
	g_assert_no_error(err);
	g_assert_true(ok);
	g_assert_true(rd_store_commit(f->store, &err));
	char *ref = g_strdup(r.case_ref);
	if (kind_r != NULL)
		*kind_r = g_strdup(r.kind);
	rd_ingest_result_clear(&r);
	return ref;
}

static void
fx_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("rd-staffmail-XXXXXX", &err);
	g_assert_no_error(err);
	g_autofree char *conf = g_build_filename(f->dir, "redress.conf", NULL);
	g_assert_true(g_file_set_contents(conf, config_text, -1, &err));
	f->cfg = rd_config_load(conf, &err);
	g_assert_no_error(err);
	g_free(f->cfg->templates_dir);
	f->cfg->templates_dir = g_strdup(RD_SRCDIR "/templates/letters");
	f->path = g_build_filename(f->dir, "t.db", NULL);
	f->store = rd_store_open(f->path, &err);
	g_assert_no_error(err);
	f->cw = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
	f->ing = rd_ingest_new(f->cw);
	f->ref = ingest(f, complaint, T0, NULL);
	g_assert_nonnull(f->ref);
}

static void
fx_teardown(Fixture *f, gconstpointer data)
{
	rd_ingest_free(f->ing);
	rd_casework_free(f->cw);
	rd_config_free(f->cfg);
	rd_store_close(f->store);
	g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(f->path, "-shm", NULL);
	g_autofree char *lock = g_strconcat(f->path, ".lock", NULL);
	g_autofree char *conf = g_build_filename(f->dir, "redress.conf", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(lock);
	g_unlink(conf);
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f->ref);
}

static RdCase *
the_case(Fixture *f, const char *ref)
{
	g_autoptr(GError) err = NULL;
	RdCase *c = NULL;
	g_assert_true(rd_store_case_get_by_ref(f->store, ref, &c, &err));
	g_assert_nonnull(c);
	return c;
}

/* The letters of @kind on the case, newest last. */
static GPtrArray *
letters(Fixture *f, const char *ref, const char *kind)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = the_case(f, ref);
	g_autoptr(GPtrArray) all = rd_store_outbox_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_outbox_row_free);
	for (guint i = 0; i < all->len; i++) {
		RdOutboxRow *o = all->pdata[i];
		if (strcmp(o->kind, kind) == 0) {
			all->pdata[i] = NULL;
			g_ptr_array_add(out, o);
		}
	}
	g_ptr_array_set_free_func(all, (GDestroyNotify)rd_outbox_row_free);
	return out;
}

/* The text part of a queued letter, decoded, as its reader sees it. */
static char *
letter_text(Fixture *f, const RdOutboxRow *o)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) due = rd_store_outbox_due(f->store, G_MAXINT64, 1000, &err);
	g_assert_no_error(err);
	for (guint i = 0; i < due->len; i++) {
		const RdOutboxRow *d = due->pdata[i];
		if (d->id != o->id)
			continue;
		gsize n = 0;
		const char *raw = g_bytes_get_data(d->raw, &n);
		g_autoptr(RdMessage) m = rd_message_parse(raw, n, T0, NULL);
		return g_strdup(m->text);
	}
	g_assert_not_reached();
	return NULL;
}

static char *
raw_of(Fixture *f, const RdOutboxRow *o)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) due = rd_store_outbox_due(f->store, G_MAXINT64, 1000, &err);
	for (guint i = 0; i < due->len; i++) {
		const RdOutboxRow *d = due->pdata[i];
		if (d->id == o->id) {
			gsize n = 0;
			const char *raw = g_bytes_get_data(d->raw, &n);
			return g_strndup(raw, n);
		}
	}
	g_assert_not_reached();
	return NULL;
}

static gboolean
has_event(Fixture *f, const char *ref, const char *type, const char *needle)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = the_case(f, ref);
	g_autoptr(GPtrArray) ev = rd_store_events_for_case(f->store, c->id, &err);
	for (guint i = 0; i < ev->len; i++) {
		const RdEvent *e = ev->pdata[i];
		if (strcmp(e->type, type) == 0 && (needle == NULL || strstr(e->detail ? e->detail : "", needle)))
			return TRUE;
	}
	return FALSE;
}

/* Sam's reply address for the case, as the notices give it. */
static char *
sam_address(Fixture *f, const char *member, RdStaffTokenPurpose purpose)
{
	return rd_staff_token_address(rd_casework_token_key(f->cw), RD_TOKEN_KEY_LEN, "complaints@council.test",
	                              f->ref, member, purpose);
}

/* A staff notice carries the member's own reply address and the line a
 * reply is cut at. */
static void
test_notice_reply_address(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) l = letters(f, f->ref, "staff-new-case");
	g_assert_cmpuint(l->len, ==, 1);
	const RdOutboxRow *o = l->pdata[0];
	g_assert_cmpstr(o->to_addr, ==, "manager@council.test");
	g_autofree char *raw = raw_of(f, o);
	g_autofree char *addr = sam_address(f, "manager@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *want = g_strdup_printf("Reply-To: %s", addr);
	g_assert_nonnull(strstr(raw, want));
	g_autofree char *text = letter_text(f, o);
	g_assert_nonnull(strstr(text, "##- Please type your reply above this line -##"));
	/* It greets the person it goes to, and says nobody has the case. */
	g_assert_nonnull(strstr(text, "Dear Morgan Lee,"));
	g_assert_nonnull(strstr(text, "It is not yet assigned to anyone"));
	g_assert_null(strstr(text, "assigned to you"));
	g_assert_null(strstr(text, "Dear Complaints Team"));
}

/* Sam replies from Outlook above the quote, with a command on top: the
 * command is applied, only the new words (signature kept) go to Ann,
 * threaded under her mail, and Sam gets one command-result letter. */
static void
test_reply_relayed(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		PASS
		"From: Sam Patel <sam.patel@council.test>\n"
		"To: %s\n"
		"Subject: RE: New complaint %s\n"
		"Message-ID: <s1@council.test>\n"
		"\n"
		"#assign sam.patel@council.test\n"
		"\n"
		"Dear Ann,\n"
		"\n"
		"Thank you. A surveyor will visit on Friday.\n"
		"\n"
		"Kind regards,\n"
		"Sam Patel\n"
		"Housing Officer\n"
		"\n"
		"________________________________\n"
		"From: Complaints Team <complaints@council.test>\n"
		"Sent: 02 December 2026 10:01\n"
		"To: Sam Patel <sam.patel@council.test>\n"
		"Subject: New complaint %s\n"
		"\n"
		"##- Please type your reply above this line -##\n"
		"A new complaint has been opened.\n", to, f->ref, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 3600, &kind);
	g_assert_cmpstr(ref, ==, f->ref);
	g_assert_cmpstr(kind, ==, "staff-reply");
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->handler, ==, "sam.patel@council.test");

	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 1);
	const RdOutboxRow *o = relayed->pdata[0];
	g_assert_cmpstr(o->to_addr, ==, "ann@public.test");
	g_autofree char *text = letter_text(f, o);
	g_test_message("relayed:\n%s", text);
	g_assert_nonnull(strstr(text, "A surveyor will visit on Friday."));
	g_assert_nonnull(strstr(text, "Housing Officer"));
	g_assert_null(strstr(text, "#assign"));
	g_assert_null(strstr(text, "Sent: 02 December"));
	g_assert_null(strstr(text, "##-"));
	g_assert_null(strstr(text, "A new complaint has been opened"));
	g_assert_nonnull(strstr(text, f->ref));
	g_autofree char *raw = raw_of(f, o);
	g_assert_nonnull(strstr(raw, "In-Reply-To: <c1@public.test>"));
	g_assert_nonnull(strstr(raw, "From: "));
	g_assert_nonnull(strstr(raw, "complaints@council.test"));

	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)res->pdata[0])->to_addr, ==, "sam.patel@council.test");
	g_autofree char *report = letter_text(f, res->pdata[0]);
	g_assert_nonnull(strstr(report, "Done:"));
	g_assert_nonnull(strstr(report, "#assign sam.patel@council.test"));
	g_assert_nonnull(strstr(report, "sent on to the complainant"));

	/* The same mail fetched again changes nothing. */
	g_autofree char *kind2 = NULL;
	g_autofree char *ref2 = ingest(f, mail, T0 + 3700, &kind2);
	g_autoptr(GPtrArray) again = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(again->len, ==, 1);
}

/* Attachments go on with the words: the same name, type and bytes. */
static void
test_reply_attachment(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	/* "%PDF-1.4 survey report" in base64. */
	g_autofree char *mail = g_strdup_printf(
		PASS
		"From: Sam Patel <sam.patel@council.test>\n"
		"To: %s\n"
		"Subject: Re: %s\n"
		"Message-ID: <a1@council.test>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"\n"
		"Dear Ann, the surveyor's report is attached.\n"
		"--b\n"
		"Content-Type: application/pdf; name=\"survey report.pdf\"\n"
		"Content-Disposition: attachment; filename=\"survey report.pdf\"\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"JVBERi0xLjQgc3VydmV5IHJlcG9ydA==\n"
		"--b--\n", to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 50, &kind);
	g_assert_cmpstr(kind, ==, "staff-reply");
	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 1);
	g_autofree char *raw = raw_of(f, relayed->pdata[0]);
	RdParseOptions opts;
	rd_parse_options_init(&opts);
	opts.attachment_data = TRUE;
	g_autoptr(RdMessage) m = rd_message_parse(raw, strlen(raw), T0, &opts);
	g_assert_nonnull(strstr(m->text, "report is attached"));
	g_assert_cmpuint(m->attachments->len, ==, 1);
	const RdAttachment *a = m->attachments->pdata[0];
	g_assert_cmpstr(a->filename, ==, "survey report.pdf");
	g_assert_cmpstr(a->content_type, ==, "application/pdf");
	gsize n = 0;
	const char *bytes = g_bytes_get_data(a->data, &n);
	g_assert_cmpmem(bytes, n, "%PDF-1.4 survey report", 22);
	/* No commands and nothing wrong: no command-result letter. */
	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res->len, ==, 0);
}

/* Reply all reached Ann already: recorded, not sent a second time. A
 * #note is never relayed. Commands only: nothing to Ann. */
static void
test_reply_all_note_commands(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *all = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: Ann Example <ann@public.test>\nCc: %s\n"
		"Subject: Re: Your complaint %s\nMessage-ID: <s2@council.test>\n\nWe will call you today.\n", to, f->ref);
	g_autofree char *k1 = NULL;
	g_autofree char *r1 = ingest(f, all, T0 + 100, &k1);
	g_assert_cmpstr(k1, ==, "staff-reply");
	g_autoptr(GPtrArray) l1 = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(l1->len, ==, 0);
	g_assert_true(has_event(f, f->ref, "staff-reply", "reply all"));

	g_autofree char *note = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s3@council.test>\n\n"
		"#note Spoke to the landlord; access agreed for Friday.\n\nMore detail for the file.\n", to, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, note, T0 + 200, &k2);
	g_assert_cmpstr(k2, ==, "staff-note");
	g_autoptr(GPtrArray) l2 = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(l2->len, ==, 0);
	g_assert_true(has_event(f, f->ref, "note", "access agreed for Friday"));

	/* Mail only to the case's note address is a note too. */
	g_autofree char *noteaddr = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_NOTE);
	g_autofree char *note2 = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: file\nMessage-ID: <s4@council.test>\n\n"
		"Landlord's email attached for the file.\n", noteaddr);
	g_autofree char *k3 = NULL;
	g_autofree char *r3 = ingest(f, note2, T0 + 300, &k3);
	g_assert_cmpstr(r3, ==, f->ref);
	g_assert_cmpstr(k3, ==, "staff-note");
	g_autoptr(GPtrArray) l3 = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(l3->len, ==, 0);

	g_autofree char *cmds = g_strdup_printf(
		PASS "From: s.patel@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <s5@council.test>\n\n"
		"#service housing\n#asign sam.patel@council.test\n#outcome uphold\n", to, f->ref);
	g_autofree char *k4 = NULL;
	g_autofree char *r4 = ingest(f, cmds, T0 + 400, &k4);
	g_assert_cmpstr(k4, ==, "staff-command");
	g_autoptr(GPtrArray) l4 = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(l4->len, ==, 0);
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->service, ==, "housing");
	g_assert_cmpstr(c->state, ==, "stage1");
	/* Every mail with commands is answered once: the #note mail, then
	 * this one. */
	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res->len, ==, 2);
	/* The also-address wrote: the answer goes back to it. */
	g_assert_cmpstr(((RdOutboxRow *)res->pdata[1])->to_addr, ==, "s.patel@council.test");
	g_autofree char *report = letter_text(f, res->pdata[1]);
	g_test_message("report:\n%s", report);
	g_assert_nonnull(strstr(report, "#assign"));           /* the suggestion */
	g_assert_nonnull(strstr(report, "NOT DONE"));
	g_assert_nonnull(strstr(report, "uphold"));
	g_assert_nonnull(strstr(report, "1 applied, 2 not applied"));
}

/* #outcome with #final: the stage closes, the reply is the response and
 * carries the right to escalate with its date, and no separate closing
 * letter goes. */
static void
test_final_response(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s6@council.test>\n\n"
		"#outcome upheld\n#final\n\nDear Ann, we have treated the mould and will fit a fan.\n", to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 86400, &kind);
	g_assert_cmpstr(kind, ==, "staff-reply");
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->state, ==, "stage1-closed");
	g_autoptr(GPtrArray) closing = letters(f, f->ref, "closing-letter");
	g_assert_cmpuint(closing->len, ==, 0);
	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 1);
	g_autofree char *text = letter_text(f, relayed->pdata[0]);
	g_assert_nonnull(strstr(text, "fit a fan"));
	g_assert_nonnull(strstr(text, "If you are not satisfied"));
	g_assert_nonnull(strstr(text, "Stage 2"));
	/* and the date to ask by, as the closing letter would give it: 20
	 * working days after Thursday 3 December 2026, over Christmas. */
	g_assert_nonnull(strstr(text, "reply to this email by Tuesday 5 January 2027"));
	g_assert_null(strstr(text, "#final"));
	/* The relayed reply is the stage's response: its sending sets the
	 * day the reports count from. */
	g_assert_cmpint(((RdOutboxRow *)relayed->pdata[0])->responds_stage, ==, 1);
}

/* The facts the reports count, by mail: a cause from the council's
 * categories (one outside them is refused, naming them), a remedy, and
 * the Ombudsman's part. */
static void
test_report_facts(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s10@council.test>\n\n"
		"#cause Communication - we did not call back\n#remedy Apology by phone\n#ombudsman referred 4/12/2026\n",
		to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 3 * 86400, &kind);
	g_assert_cmpstr(kind, ==, "staff-command");
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->cause, ==, "communication");
	g_assert_cmpstr(c->remedy, ==, "Apology by phone");
	g_assert_cmpstr(c->ombudsman_referred, ==, "2026-12-04");
	g_assert_true(has_event(f, f->ref, "cause", "Root cause: communication — we did not call back"));

	g_autofree char *bad = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s11@council.test>\n\n"
		"#cause the weather\n#ombudsman decided not upheld 2026-12-04\n", to, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, bad, T0 + 4 * 86400, &k2);
	g_autoptr(RdCase) c2 = the_case(f, f->ref);
	g_assert_cmpstr(c2->cause, ==, "communication");
	g_assert_cmpstr(c2->ombudsman_outcome, ==, "not-upheld");
	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_autofree char *report = letter_text(f, res->pdata[res->len - 1]);
	g_test_message("report:\n%s", report);
	g_assert_nonnull(strstr(report, "NOT DONE"));
	g_assert_nonnull(strstr(report, "service standards, policy"));
	g_assert_nonnull(strstr(report, "1 applied, 1 not applied"));
}

/* The daily cap holds a relayed reply back (here a cap of 1: the
 * acknowledgement was the day's one letter to Ann): Sam is told so in a
 * command-result letter, with or without commands, never "sent on". */
static void
test_reply_held_by_cap(Fixture *f, gconstpointer data)
{
	f->cfg->daily_cap = 1;
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s9@council.test>\n\n"
		"Dear Ann, a surveyor will visit on Friday.\n", to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 3600, &kind);
	g_assert_cmpstr(kind, ==, "staff-reply");
	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)relayed->pdata[0])->status, ==, "suppressed");
	g_autoptr(GPtrArray) results = letters(f, f->ref, "command-result");
	g_assert_cmpuint(results->len, ==, 1);
	g_autofree char *report = letter_text(f, results->pdata[0]);
	g_assert_nonnull(strstr(report, "Your words were NOT sent to the complainant"));
	g_assert_null(strstr(report, "sent on"));

	g_autofree char *mail2 = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s10@council.test>\n\n"
		"#outcome upheld\n#final\n\nDear Ann, we will treat the mould.\n", to, f->ref);
	g_autofree char *ref2 = ingest(f, mail2, T0 + 7200, NULL);
	g_autoptr(GPtrArray) results2 = letters(f, f->ref, "command-result");
	g_assert_cmpuint(results2->len, ==, 2);
	g_autofree char *report2 = letter_text(f, results2->pdata[1]);
	g_assert_nonnull(strstr(report2, "2 applied, 0 not applied. Your words were NOT sent"));
	g_assert_nonnull(strstr(report2, "recorded as responded"));
}

/* Sam's address from outside, failing DMARC (and with a forged pass
 * below the border's fail): stored, flagged, alerted, nothing applied,
 * nothing relayed. */
static void
test_spoofed(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		FAIL PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <x1@evil.test>\n\n"
		"#close withdrawn the complainant asked us to stop\n\nDear Ann, please send your bank details.\n",
		to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 500, &kind);
	g_assert_cmpstr(ref, ==, f->ref);
	g_assert_cmpstr(kind, ==, "spoofed-staff");
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->state, ==, "stage1");
	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 0);
	g_assert_true(has_event(f, f->ref, "spoofing-attempt", "failed the staff check"));
	g_autoptr(GPtrArray) alerts = letters(f, f->ref, "staff-spoof-alert");
	g_assert_cmpuint(alerts->len, ==, 2);
	gboolean to_manager = FALSE, to_sam = FALSE;
	for (guint i = 0; i < alerts->len; i++) {
		const RdOutboxRow *o = alerts->pdata[i];
		to_manager |= strcmp(o->to_addr, "manager@council.test") == 0;
		to_sam |= strcmp(o->to_addr, "sam.patel@council.test") == 0;
	}
	g_assert_true(to_manager && to_sam);

	/* No Authentication-Results at all: the same. */
	g_autofree char *bare = g_strdup_printf(
		"From: sam.patel@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <x2@evil.test>\n\n#outcome upheld\n",
		to, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, bare, T0 + 600, &k2);
	g_assert_cmpstr(k2, ==, "spoofed-staff");
	g_autoptr(RdCase) c2 = the_case(f, f->ref);
	g_assert_cmpstr(c2->state, ==, "stage1");
}

/* A housing officer forwards a tenant's complaint: the case is the
 * tenant's, acknowledged to the tenant, confirmed to the officer. */
static void
test_forwarded_complaint(Fixture *f, gconstpointer data)
{
	static const char fwd[] =
		PASS
		"From: Sam Patel <sam.patel@council.test>\n"
		"To: complaints@council.test\n"
		"Subject: Fwd: Broken boiler\n"
		"Message-ID: <f1@council.test>\n"
		"\n"
		"Please log this one, it came to me directly.\n"
		"\n"
		"---------- Forwarded message ---------\n"
		"From: Tom Tenant <tom@public.test>\n"
		"Date: Tue, 1 Dec 2026 at 09:12\n"
		"Subject: Broken boiler\n"
		"To: Sam Patel <sam.patel@council.test>\n"
		"\n"
		"My boiler has been broken for two weeks and nobody has come.\n";
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, fwd, T0 + 700, &kind);
	g_assert_nonnull(ref);
	g_assert_cmpstr(ref, !=, f->ref);
	g_assert_cmpstr(kind, ==, "forwarded-complaint");
	g_autoptr(RdCase) c = the_case(f, ref);
	g_assert_cmpstr(c->complainant_email, ==, "tom@public.test");
	g_assert_cmpstr(c->complainant_name, ==, "Tom Tenant");
	g_assert_cmpstr(c->channel, ==, "forwarded");
	g_assert_cmpstr(c->service, ==, "housing");
	g_autoptr(GPtrArray) ack = letters(f, ref, "stage1-acknowledgement");
	g_assert_cmpuint(ack->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)ack->pdata[0])->to_addr, ==, "tom@public.test");
	g_autoptr(GPtrArray) conf = letters(f, ref, "staff-forward-confirmation");
	g_assert_cmpuint(conf->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)conf->pdata[0])->to_addr, ==, "sam.patel@council.test");
	/* Received when the council first had it: Tuesday 1 December. */
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) st = rd_store_stages_for_case(f->store, c->id, &err);
	g_assert_cmpstr(((RdStage *)st->pdata[0])->received, ==, "2026-12-01");
	g_assert_cmpstr(c->language, ==, "en");

	/* A complaint forwarded in Welsh gets Welsh letters: its words say so,
	 * not the English of the member who passed it on. */
	static const char fwd_cy[] =
		PASS
		"From: Sam Patel <sam.patel@council.test>\n"
		"To: complaints@council.test\n"
		"Subject: Fwd: Boeler wedi torri\n"
		"Message-ID: <f2@council.test>\n"
		"\n"
		"Please log this one too.\n"
		"\n"
		"---------- Forwarded message ---------\n"
		"From: Elin Jones <elin@public.test>\n"
		"Date: Tue, 1 Dec 2026 at 10:30\n"
		"Subject: Boeler wedi torri\n"
		"To: Sam Patel <sam.patel@council.test>\n"
		"\n"
		"Mae'r boeler wedi torri ers pythefnos a does neb wedi dod i'w drwsio.\n";
	g_autofree char *kind_cy = NULL;
	g_autofree char *ref_cy = ingest(f, fwd_cy, T0 + 800, &kind_cy);
	g_assert_cmpstr(kind_cy, ==, "forwarded-complaint");
	g_autoptr(RdCase) ccy = the_case(f, ref_cy);
	g_assert_cmpstr(ccy->language, ==, "cy");
	g_assert_true(has_event(f, ref_cy, "language-chosen", "written in Welsh"));
	g_autoptr(GPtrArray) ack_cy = letters(f, ref_cy, "stage1-acknowledgement");
	g_assert_cmpuint(ack_cy->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)ack_cy->pdata[0])->language, ==, "cy");
	/* The member's confirmation stays in the council's language. */
	g_autoptr(GPtrArray) conf_cy = letters(f, ref_cy, "staff-forward-confirmation");
	g_assert_cmpuint(conf_cy->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)conf_cy->pdata[0])->language, ==, "en");
}

/* What a role may do: a handler cannot hold past the procedure's limit
 * or decide Stage 2; the complaints manager can hold past it with
 * #holding!, and without the ! is refused like anyone. A Reply-To that
 * differs from From suspends the commands. */
static void
test_roles_and_reply_to(Fixture *f, gconstpointer data)
{
	g_autofree char *sam = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mgr = sam_address(f, "manager@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *h1 = g_strdup_printf(
		PASS "From: sam.patel@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <r1@council.test>\n\n"
		"#holding! 2027-06-30 the contractor is away\n#stage2 investigate\n", sam, f->ref);
	g_autofree char *k1 = NULL;
	g_autofree char *r1 = ingest(f, h1, T0 + 100, &k1);
	g_autoptr(GPtrArray) res1 = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res1->len, ==, 1);
	g_autofree char *t1 = letter_text(f, res1->pdata[0]);
	g_assert_nonnull(strstr(t1, "only a complaints manager may do this"));
	g_assert_nonnull(strstr(t1, "only a Stage 2 manager or complaints manager may do this"));
	g_assert_nonnull(strstr(t1, "0 applied, 2 not applied"));

	/* +N: working days after the date the complainant has. Stage 1 is
	 * due Wednesday 16 December 2026; two working days on is Friday 18. */
	g_autofree char *h0 = g_strdup_printf(
		PASS "From: sam.patel@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <r0@council.test>\n\n"
		"#holding +2 the surveyor is ill\n", sam, f->ref);
	g_autofree char *k0 = NULL;
	g_autofree char *r0 = ingest(f, h0, T0 + 50, &k0);
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c0 = the_case(f, f->ref);
	g_autoptr(GPtrArray) st0 = rd_store_stages_for_case(f->store, c0->id, &err);
	g_assert_cmpstr(((RdStage *)st0->pdata[0])->response_due, ==, "2026-12-16");
	g_assert_cmpstr(((RdStage *)st0->pdata[0])->extended_to, ==, "2026-12-18");

	g_autofree char *h2 = g_strdup_printf(
		PASS "From: manager@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <r2@council.test>\n\n"
		"#holding 2027-06-30 the contractor is away\n", mgr, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, h2, T0 + 200, &k2);
	g_autoptr(GPtrArray) res2 = letters(f, f->ref, "command-result");
	g_autofree char *t2 = letter_text(f, res2->pdata[res2->len - 1]);
	g_assert_nonnull(strstr(t2, "NOT DONE"));
	g_autoptr(GPtrArray) hold0 = letters(f, f->ref, "holding-reply");
	g_assert_cmpuint(hold0->len, ==, 1);

	g_autofree char *h3 = g_strdup_printf(
		PASS "From: manager@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <r3@council.test>\n\n"
		"#holding! 30/06/2027 the contractor is away\n", mgr, f->ref);
	g_autofree char *k3 = NULL;
	g_autofree char *r3 = ingest(f, h3, T0 + 300, &k3);
	g_autoptr(GPtrArray) hold = letters(f, f->ref, "holding-reply");
	g_assert_cmpuint(hold->len, ==, 2);
	g_autofree char *ht = letter_text(f, hold->pdata[1]);
	g_assert_nonnull(strstr(ht, "30 June 2027"));
	g_assert_true(has_event(f, f->ref, "extended", "by a complaints manager's decision"));

	g_autofree char *h4 = g_strdup_printf(
		PASS "From: sam.patel@council.test\nReply-To: someone@elsewhere.test\nTo: %s\nSubject: Re: %s\n"
		"Message-ID: <r4@council.test>\n\n#service repairs\n", sam, f->ref);
	g_autofree char *k4 = NULL;
	g_autofree char *r4 = ingest(f, h4, T0 + 400, &k4);
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_null(c->service);
	g_autoptr(GPtrArray) res4 = letters(f, f->ref, "command-result");
	g_autofree char *t4 = letter_text(f, res4->pdata[res4->len - 1]);
	g_assert_nonnull(strstr(t4, "Reply-To differs from From"));
}

/* Complaints made another way, logged with #new: with an address the
 * complainant is written to as usual; without one, their letters go to
 * the person who will post them. */
static void
test_logged_complaints(Fixture *f, gconstpointer data)
{
	static const char phone[] =
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: complaints@council.test\nSubject: Noise from the pub\n"
		"Message-ID: <n1@council.test>\n\n#new Jane Doe <jane@public.test>\n#channel phone\n\n"
		"Mrs Doe rang: the pub on the corner plays music until 2 am.\n";
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, phone, T0 + 1000, &kind);
	g_assert_cmpstr(kind, ==, "forwarded-complaint");
	g_autoptr(RdCase) c = the_case(f, ref);
	g_assert_cmpstr(c->complainant_email, ==, "jane@public.test");
	g_assert_cmpstr(c->complainant_name, ==, "Jane Doe");
	g_assert_cmpstr(c->channel, ==, "phone");
	g_autoptr(GPtrArray) ack = letters(f, ref, "stage1-acknowledgement");
	g_assert_cmpuint(ack->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)ack->pdata[0])->to_addr, ==, "jane@public.test");
	g_autofree char *text = letter_text(f, ack->pdata[0]);
	g_assert_nonnull(strstr(text, "plays music until 2 am"));

	static const char letter[] =
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: complaints@council.test\nSubject: Bins\n"
		"Message-ID: <n2@council.test>\n\n#new Joe Bloggs\n#channel letter\n\n"
		"Mr Bloggs wrote: his bin has not been emptied for three weeks.\n";
	g_autofree char *k2 = NULL;
	g_autofree char *ref2 = ingest(f, letter, T0 + 1100, &k2);
	g_assert_cmpstr(k2, ==, "forwarded-complaint");
	g_autoptr(RdCase) c2 = the_case(f, ref2);
	g_assert_true(rd_letters_is_postal(c2->complainant_email));
	g_assert_cmpstr(c2->channel, ==, "letter");
	g_autoptr(GPtrArray) ack2 = letters(f, ref2, "stage1-acknowledgement");
	g_assert_cmpuint(ack2->len, ==, 1);
	const RdOutboxRow *o = ack2->pdata[0];
	g_assert_cmpstr(o->to_addr, ==, "manager@council.test");
	g_assert_true(g_str_has_prefix(o->subject, "FOR POSTING to Joe Bloggs: "));
	g_autofree char *body = letter_text(f, o);
	g_assert_nonnull(strstr(body, "Dear Joe Bloggs"));
	g_assert_true(has_event(f, ref2, "letter-queued", "queued for posting"));
}

/* The complainant writing on their case is news for the person handling
 * it, who can answer by replying; on a closed case the notice says so. */
static void
test_correspondence_notified(Fixture *f, gconstpointer data)
{
	g_autofree char *ann = rd_token_address(rd_casework_token_key(f->cw), RD_TOKEN_KEY_LEN,
	                                        "complaints@council.test", f->ref);
	g_autofree char *more = g_strdup_printf(
		"From: Ann Example <ann@public.test>\nTo: %s\nSubject: Re: Your complaint %s\n"
		"Message-ID: <c2@public.test>\nIn-Reply-To: <c1@public.test>\n\n"
		"The mould has spread to the kitchen now.\n", ann, f->ref);
	g_autofree char *k1 = NULL;
	g_autofree char *r1 = ingest(f, more, T0 + 100, &k1);
	g_assert_cmpstr(k1, ==, "correspondence");
	g_autoptr(GPtrArray) n1 = letters(f, f->ref, "staff-correspondence");
	g_assert_cmpuint(n1->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)n1->pdata[0])->to_addr, ==, "manager@council.test");
	g_autofree char *t1 = letter_text(f, n1->pdata[0]);
	g_assert_nonnull(strstr(t1, "The mould has spread to the kitchen now."));
	g_assert_nonnull(strstr(t1, "##- Please type your reply above this line -##"));
	g_assert_null(strstr(t1, "CLOSED"));
	g_autofree char *raw = raw_of(f, n1->pdata[0]);
	g_autofree char *addr = sam_address(f, "manager@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *want = g_strdup_printf("Reply-To: %s", addr);
	g_assert_nonnull(strstr(raw, want));

	/* Closed: the stage answered, then Ann writes again. */
	g_autofree char *mgr = sam_address(f, "manager@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *close = g_strdup_printf(
		PASS "From: manager@council.test\nTo: %s\nSubject: Re: %s\nMessage-ID: <m9@council.test>\n\n"
		"#outcome resolved\n", mgr, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, close, T0 + 200, &k2);
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->state, ==, "stage1-closed");
	g_autofree char *again = g_strdup_printf(
		"From: Ann Example <ann@public.test>\nTo: %s\nSubject: Re: Your complaint %s\n"
		"Message-ID: <c3@public.test>\n\nThe rubbish is back, worse than before.\n", ann, f->ref);
	g_autofree char *k3 = NULL;
	g_autofree char *r3 = ingest(f, again, T0 + 300, &k3);
	g_autoptr(GPtrArray) n2 = letters(f, f->ref, "staff-correspondence");
	g_assert_cmpuint(n2->len, ==, 2);
	g_autofree char *t2 = letter_text(f, n2->pdata[1]);
	g_assert_nonnull(strstr(t2, "The rubbish is back"));
	g_assert_nonnull(strstr(t2, "This case is CLOSED"));
}

/* Out of office from staff: recorded, ignored. A non-member writing to a
 * staff reply address: triage, nothing applied. */
static void
test_ooo_and_stranger(Fixture *f, gconstpointer data)
{
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *ooo = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Automatic reply: %s\n"
		"Auto-Submitted: auto-replied\nMessage-ID: <o1@council.test>\n\nI am out of the office until Monday.\n",
		to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, ooo, T0 + 800, &kind);
	g_assert_cmpstr(kind, ==, "automatic");
	g_assert_cmpstr(ref, ==, f->ref);
	g_autoptr(GPtrArray) relayed = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(relayed->len, ==, 0);
	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res->len, ==, 0);

	/* A reply sent with nothing written (only the quoted notice): nothing
	 * to relay, and the member is told so. */
	g_autofree char *below = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <b1@council.test>\n\n"
		"On Wed, 2 Dec 2026 at 10:01, Complaints Team wrote:\n"
		"> ##- Please type your reply above this line -##\n> A new complaint has been opened.\n", to, f->ref);
	g_autofree char *kb = NULL;
	g_autofree char *rb = ingest(f, below, T0 + 850, &kb);
	g_assert_cmpstr(kb, ==, "staff-note");
	g_autoptr(GPtrArray) none = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(none->len, ==, 0);
	g_autoptr(GPtrArray) told = letters(f, f->ref, "command-result");
	g_assert_cmpuint(told->len, ==, 1);
	g_autofree char *what = letter_text(f, told->pdata[0]);
	g_assert_nonnull(strstr(what, "NOT SENT: no new words were found above the line"));

	/* Written under the quoted notice (bottom-posting): relayed. */
	g_autofree char *bottom = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <b2@council.test>\n\n"
		"On Wed, 2 Dec 2026 at 10:01, Complaints Team wrote:\n"
		"> ##- Please type your reply above this line -##\n> A new complaint has been opened.\n\n"
		"Dear Ann, we will call you.\n", to, f->ref);
	g_autofree char *kb2 = NULL;
	g_autofree char *rb2 = ingest(f, bottom, T0 + 860, &kb2);
	g_assert_cmpstr(kb2, ==, "staff-reply");
	g_autoptr(GPtrArray) one = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(one->len, ==, 1);
	g_autofree char *said = letter_text(f, one->pdata[0]);
	g_assert_nonnull(strstr(said, "Dear Ann, we will call you."));
	g_assert_null(strstr(said, "A new complaint has been opened"));

	g_autofree char *stranger = g_strdup_printf(
		"From: Pat Colleague <pat@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <p1@council.test>\n\n"
		"#outcome upheld\n\nHello Ann.\n", to, f->ref);
	g_autofree char *k2 = NULL;
	g_autofree char *r2 = ingest(f, stranger, T0 + 900, &k2);
	g_assert_null(r2);
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->state, ==, "stage1");
	g_autoptr(GPtrArray) l2 = letters(f, f->ref, "staff-reply");
	g_assert_cmpuint(l2->len, ==, 1);
}

/* #language cy from the handler: the case goes Welsh, and the English
 * acknowledgement, still waiting to be sent, is replaced by a Welsh one
 * (not sent as well). */
static void
test_language_resends_ack(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) before = letters(f, f->ref, "stage1-acknowledgement");
	g_assert_cmpuint(before->len, ==, 1);
	g_assert_cmpstr(((RdOutboxRow *)before->pdata[0])->language, ==, "en");
	g_autofree char *to = sam_address(f, "sam.patel@council.test", RD_STAFF_TOKEN_REPLY);
	g_autofree char *mail = g_strdup_printf(
		PASS "From: Sam Patel <sam.patel@council.test>\nTo: %s\nSubject: Re: %s\nMessage-ID: <s9@council.test>\n\n"
		"#language cy\n", to, f->ref);
	g_autofree char *kind = NULL;
	g_autofree char *ref = ingest(f, mail, T0 + 600, &kind);
	g_assert_cmpstr(kind, ==, "staff-command");
	g_autoptr(RdCase) c = the_case(f, f->ref);
	g_assert_cmpstr(c->language, ==, "cy");
	g_autoptr(GPtrArray) acks = letters(f, f->ref, "stage1-acknowledgement");
	g_assert_cmpuint(acks->len, ==, 2);
	const RdOutboxRow *en = acks->pdata[0], *cy = acks->pdata[1];
	g_assert_cmpstr(en->status, ==, "suppressed");
	g_assert_cmpstr(en->detail, ==, "replaced by the letter in Welsh");
	g_assert_cmpstr(cy->language, ==, "cy");
	g_assert_cmpstr(cy->status, ==, "queued");
	g_autofree char *text = letter_text(f, cy);
	g_assert_nonnull(strstr(text, "Cawsom eich cwyn ar ddydd Mercher 2 Rhagfyr 2026"));
	g_assert_nonnull(strstr(text, "black mould"));
	g_assert_true(has_event(f, f->ref, "acknowledgement-resent", "replaced by one in Welsh"));
	g_autoptr(GPtrArray) res = letters(f, f->ref, "command-result");
	g_assert_cmpuint(res->len, ==, 1);
	g_autofree char *report = letter_text(f, res->pdata[0]);
	g_assert_nonnull(strstr(report, "replaced by one in Welsh"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_parsers_init();
	g_test_add("/staffmail/notice-reply-address", Fixture, NULL, fx_setup, test_notice_reply_address, fx_teardown);
	g_test_add("/staffmail/reply-relayed", Fixture, NULL, fx_setup, test_reply_relayed, fx_teardown);
	g_test_add("/staffmail/reply-attachment", Fixture, NULL, fx_setup, test_reply_attachment, fx_teardown);
	g_test_add("/staffmail/reply-all-note-commands", Fixture, NULL, fx_setup, test_reply_all_note_commands,
	           fx_teardown);
	g_test_add("/staffmail/final-response", Fixture, NULL, fx_setup, test_final_response, fx_teardown);
	g_test_add("/staffmail/report-facts", Fixture, NULL, fx_setup, test_report_facts, fx_teardown);
	g_test_add("/staffmail/reply-held-by-cap", Fixture, NULL, fx_setup, test_reply_held_by_cap, fx_teardown);
	g_test_add("/staffmail/spoofed", Fixture, NULL, fx_setup, test_spoofed, fx_teardown);
	g_test_add("/staffmail/forwarded-complaint", Fixture, NULL, fx_setup, test_forwarded_complaint, fx_teardown);
	g_test_add("/staffmail/roles-and-reply-to", Fixture, NULL, fx_setup, test_roles_and_reply_to, fx_teardown);
	g_test_add("/staffmail/logged-complaints", Fixture, NULL, fx_setup, test_logged_complaints, fx_teardown);
	g_test_add("/staffmail/correspondence-notified", Fixture, NULL, fx_setup, test_correspondence_notified,
	           fx_teardown);
	g_test_add("/staffmail/ooo-and-stranger", Fixture, NULL, fx_setup, test_ooo_and_stranger, fx_teardown);
	g_test_add("/staffmail/language-resends-ack", Fixture, NULL, fx_setup, test_language_resends_ack,
	           fx_teardown);
	return g_test_run();
}
