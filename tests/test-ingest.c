/*
 * test-ingest.c — the ingest pipeline (daemon/inbound/ingest.c) on a real SQLite
 * file: per-case token addresses, the token key's persistence, the
 * atomicity of one message (a rolled-back message leaves nothing behind),
 * and the background checkpointer's syncing behind a bulk writer.
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
} Fixture;

static void
fx_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("rd-ingest-XXXXXX", &err);
	g_assert_no_error(err);
	f->path = g_build_filename(f->dir, "t.db", NULL);
	f->store = rd_store_open(f->path, &err);
	g_assert_no_error(err);
	f->cfg = rd_config_load(NULL, &err);
	g_assert_no_error(err);
	f->cfg->templates_dir = g_strdup(RD_SRCDIR "/templates/letters");
	f->cw = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
	f->ing = rd_ingest_new(f->cw);
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
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(lock);
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

#define T0 1795168800  /* 2026-11-20 10:00 UTC */

/* Parse @text and ingest it in its own transaction; return the result's
 * case reference (or NULL) and fill @kind_r / @via_r. */
static char *
ingest_text(Fixture *f, const char *text, RdMailbox mb, char **kind_r, char **via_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(text, strlen(text), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, text, strlen(text), m, mb, T0, "test", &r, &err));
	g_assert_no_error(err);
	g_assert_true(rd_store_commit(f->store, &err));
	char *ref = g_strdup(r.case_ref);
	if (kind_r)
		*kind_r = g_strdup(r.kind);
	if (via_r)
		*via_r = g_strdup(r.via);
	rd_ingest_result_clear(&r);
	return ref;
}

static const char *complaint =
	"From: Ann Example <ann@public.test>\n"
	"To: complaints@council.test\n"
	"Subject: Street light out on Elm Road\n"
	"Message-ID: <t1@public.test>\n"
	"\n"
	"The street light outside number 3 has been out for a month.\n";

static void
test_token_threads(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_assert_cmpstr(ref, ==, "CMP-2026-000001");

	/* A reply from another address (a relative, a work account) to the
	 * case's token address, with no headers or reference to go on. */
	g_autofree char *addr = rd_token_address(rd_casework_token_key(f->cw), RD_TOKEN_KEY_LEN,
	                                         "complaints@council.test", ref);
	g_autofree char *reply = g_strdup_printf(
		"From: Bob Example <bob@other.test>\n"
		"To: %s\n"
		"Subject: light\n"
		"Message-ID: <t2@other.test>\n"
		"\n"
		"Writing for my mother about the light.\n", addr);
	g_autofree char *kind = NULL, *via = NULL;
	g_autofree char *ref2 = ingest_text(f, reply, RD_MAILBOX_COMPLAINTS, &kind, &via);
	g_assert_cmpstr(ref2, ==, ref);
	g_assert_cmpstr(via, ==, "token");
	g_assert_cmpstr(kind, ==, "correspondence");

	/* The same address with a forged MAC is no token: a new case. */
	g_autofree char *forged = g_strdup(addr);
	char *at = strchr(forged, '@');
	at[-1] = at[-1] == 'a' ? 'b' : 'a';
	g_autofree char *fake = g_strdup_printf(
		"From: Eve <eve@bad.test>\nTo: %s\nSubject: hi\nMessage-ID: <t3@bad.test>\n\nhello\n", forged);
	g_autofree char *kind3 = NULL, *via3 = NULL;
	g_autofree char *ref3 = ingest_text(f, fake, RD_MAILBOX_COMPLAINTS, &kind3, &via3);
	g_assert_cmpstr(via3, !=, "token");
	g_assert_cmpstr(ref3, !=, ref);
}

static void
test_key_persists(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	guint8 first[RD_TOKEN_KEY_LEN];
	memcpy(first, rd_casework_token_key(f->cw), sizeof first);
	RdCasework *again = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
	g_assert_cmpmem(first, sizeof first, rd_casework_token_key(again), RD_TOKEN_KEY_LEN);
	rd_casework_free(again);

	/* And it is not all zeros: it came from the kernel's random source. */
	guint8 zero[RD_TOKEN_KEY_LEN] = { 0 };
	g_assert_true(memcmp(first, zero, sizeof zero) != 0);
}

static void
test_rollback_leaves_nothing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(complaint, strlen(complaint), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, complaint, strlen(complaint), m,
	                                RD_MAILBOX_COMPLAINTS, T0, "test", &r, &err));
	g_assert_cmpstr(r.case_ref, ==, "CMP-2026-000001");
	rd_ingest_result_clear(&r);
	/* A crash before commit is a rollback. */
	rd_store_rollback(f->store);

	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 0);
	g_assert_cmpint(c.cases, ==, 0);
	g_assert_cmpint(c.raw, ==, 0);
	g_assert_cmpint(c.events, ==, 0);

	/* Run again: the same reference is given out, once. */
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_assert_cmpstr(ref, ==, "CMP-2026-000001");
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 1);
	g_assert_cmpint(c.cases, ==, 1);
}

static void
test_duplicate_and_route(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_autoptr(GError) err = NULL;
	/* The same mail as the Chief Executive's server delivered it. */
	g_autofree char *copy = g_strconcat("Received: from mx by ce.council.test; Fri, 20 Nov 2026 10:00:01 +0000\n"
	                                    "Delivered-To: chief.executive@council.test\n", complaint, NULL);
	struct { const char *text; RdMailbox mb; RdIngestStatus want; } rows[] = {
		{ complaint, RD_MAILBOX_COMPLAINTS, RD_INGEST_DUPLICATE },
		{ copy, RD_MAILBOX_CHIEF_EXECUTIVE, RD_INGEST_NEW_ROUTE },
		{ copy, RD_MAILBOX_CHIEF_EXECUTIVE, RD_INGEST_DUPLICATE },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autoptr(RdMessage) m = rd_message_parse(rows[i].text, strlen(rows[i].text), T0, NULL);
		RdIngestResult r;
		g_assert_true(rd_store_begin(f->store, &err));
		g_assert_true(rd_ingest_message(f->ing, rows[i].text, strlen(rows[i].text), m, rows[i].mb,
		                                T0, "test", &r, &err));
		g_assert_true(rd_store_commit(f->store, &err));
		g_assert_cmpint(r.status, ==, rows[i].want);
		g_assert_cmpstr(r.case_ref, ==, ref);
		rd_ingest_result_clear(&r);
	}
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 1);
	g_assert_cmpint(c.cases, ==, 1);

	/* The first copy was stored without its content hash; comparing the
	 * second worked it out from the stored bytes and recorded it. */
	g_autoptr(RdMessageRow) row = NULL;
	g_assert_true(rd_store_message_get(f->store, 1, &row, &err));
	g_assert_nonnull(row);
	g_autofree char *want = rd_message_content_hash(complaint, strlen(complaint));
	g_assert_cmpstr(row->content_hash, ==, want);

	/* The same Message-ID with other words is another message, stored
	 * with its own content hash. */
	const char *reused = "From: Ann Example <ann@public.test>\n"
	                     "To: complaints@council.test\n"
	                     "Subject: Street light out on Elm Road\n"
	                     "Message-ID: <t1@public.test>\n"
	                     "\n"
	                     "A second, different message under the same Message-ID.\n";
	g_autoptr(RdMessage) m = rd_message_parse(reused, strlen(reused), T0, NULL);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, reused, strlen(reused), m, RD_MAILBOX_COMPLAINTS,
	                                T0, "test", &r, &err));
	g_assert_true(rd_store_commit(f->store, &err));
	g_assert_cmpint(r.status, ==, RD_INGEST_STORED);
	rd_ingest_result_clear(&r);
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 2);
	g_autoptr(RdMessageRow) row2 = NULL;
	g_assert_true(rd_store_message_get(f->store, 2, &row2, &err));
	g_autofree char *want2 = rd_message_content_hash(reused, strlen(reused));
	g_assert_cmpstr(row2->content_hash, ==, want2);
	g_assert_cmpstr(want2, !=, want);
}

/* A self-test mail as service/selftest.c writes it, naming @token. */
static char *
selftest_mail(const char *token)
{
	return g_strdup_printf("From: complaints@council.example\n"
	                       "To: complaints+%s@council.example\n"
	                       "Subject: redress self-test %s\n"
	                       "Message-ID: <selftest.%s@council.example>\n"
	                       "Auto-Submitted: auto-generated\n"
	                       "X-Redress-Selftest: %s\n"
	                       "\n"
	                       "An automatic test of the reply addresses.\n", token, token, token, token);
}

/* redress's own self-test mail is noted and filed nowhere; a header whose
 * token does not verify under this database's key (forged, another
 * installation's, a real case's year) makes no difference: intake as
 * usual, and its Auto-Submitted keeps it out of any new case. */
static void
test_selftest_mail(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const guint8 *key = rd_casework_token_key(f->cw);
	g_autofree char *ref = rd_selftest_reference_new("CMP");
	g_assert_true(g_str_has_prefix(ref, "CMP-0000-"));
	g_autofree char *token = rd_token_make(key, RD_TOKEN_KEY_LEN, ref);
	g_assert_true(g_str_has_prefix(token, "cmp-0000-"));
	g_assert_true(rd_selftest_token_valid(key, "CMP", token));
	g_autofree char *upper = g_ascii_strup(token, -1);
	g_assert_true(rd_selftest_token_valid(key, "CMP", upper));

	g_autofree char *mail = selftest_mail(token);
	for (int round = 0; round < 2; round++) {
		/* Twice: a mail fetched again is noted again, never stored. */
		g_autoptr(RdMessage) m = rd_message_parse(mail, strlen(mail), T0, &f->cfg->limits);
		RdIngestResult r;
		g_assert_true(rd_store_begin(f->store, &err));
		g_assert_true(rd_ingest_message(f->ing, mail, strlen(mail), m, RD_MAILBOX_COMPLAINTS, T0 + round,
		                                "imap:complaints:1:7", &r, &err));
		g_assert_true(rd_store_commit(f->store, &err));
		g_assert_cmpint(r.status, ==, RD_INGEST_SELFTEST);
		g_assert_cmpstr(r.kind, ==, "selftest");
		g_assert_null(r.case_ref);
		g_assert_false(r.triage);
		rd_ingest_result_clear(&r);
	}
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 0);
	g_assert_cmpint(c.cases, ==, 0);
	g_assert_cmpint(c.triage_open, ==, 0);
	g_assert_cmpint(c.outbox, ==, 0);
	gboolean seen = FALSE;
	gint64 at = 0;
	g_assert_true(rd_selftest_seen(f->store, token, &seen, &at, NULL, &err));
	g_assert_true(seen);
	g_assert_cmpint(at, ==, T0 + 1);
	g_assert_true(rd_selftest_seen(f->store, "cmp-0000-000001-aaaaaaaa", &seen, NULL, NULL, &err));
	g_assert_false(seen);

	/* Not ours: a wrong MAC, a token of a year cases have, another key. */
	char forged[64];
	g_strlcpy(forged, token, sizeof forged);
	gsize n = strlen(forged);
	forged[n - 1] = forged[n - 1] == 'a' ? 'b' : 'a';
	guint8 other_key[RD_TOKEN_KEY_LEN];
	memset(other_key, 7, sizeof other_key);
	g_autofree char *foreign = rd_token_make(other_key, RD_TOKEN_KEY_LEN, ref);
	g_autofree char *real_year = rd_token_make(key, RD_TOKEN_KEY_LEN, "CMP-2026-000042");
	const char *not_ours[] = { forged, foreign, real_year, "", "cmp-0000-000001" };
	for (gsize i = 0; i < G_N_ELEMENTS(not_ours); i++) {
		g_assert_false(rd_selftest_token_valid(key, "CMP", not_ours[i]));
		g_autofree char *text = selftest_mail(not_ours[i]);
		g_autofree char *kind = NULL;
		g_autofree char *got = ingest_text(f, text, RD_MAILBOX_COMPLAINTS, &kind, NULL);
		g_assert_null(got);
		g_assert_cmpstr(kind, ==, "automatic");
	}
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, G_N_ELEMENTS(not_ours));
	g_assert_cmpint(c.cases, ==, 0);
	g_assert_cmpint(c.triage_open, ==, G_N_ELEMENTS(not_ours));
}

/* A delivery failure report for @message_id, as Postfix writes one. */
static char *
dsn_for(const char *message_id, const char *status)
{
	return g_strdup_printf(
		"From: MAILER-DAEMON@mail.council.example (Mail Delivery System)\n"
		"To: complaints@council.example\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Auto-Submitted: auto-replied\n"
		"Message-ID: <dsn.%s>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
		"\n"
		"--B\n"
		"Content-Type: text/plain\n"
		"\n"
		"I'm sorry to have to inform you that your message could not be delivered.\n"
		"--B\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; mail.council.example\n"
		"\n"
		"Final-Recipient: rfc822; complaints+x@council.example\n"
		"Action: failed\n"
		"Status: %s\n"
		"--B\n"
		"Content-Type: text/rfc822-headers\n"
		"\n"
		"From: complaints@council.example\n"
		"Subject: redress self-test\n"
		"Message-ID: <%s>\n"
		"--B--\n", message_id, status, message_id);
}

/* A delivery failure report for a letter of a case marks that letter
 * bounced (status and diagnostic), says so on the case, and alerts the
 * complaints manager (no handler yet) once; a second report for the same
 * letter is only an event. */
static void
test_bounce_marks_letter(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_free(f->cfg->complaints_manager);
	f->cfg->complaints_manager = g_strdup("manager@council.test");
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_autoptr(RdCase) c = NULL;
	g_assert_true(rd_store_case_get_by_ref(f->store, ref, &c, &err));
	g_autoptr(GPtrArray) before = rd_store_outbox_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	const RdOutboxRow *ack = NULL;
	for (guint i = 0; i < before->len; i++) {
		const RdOutboxRow *o = before->pdata[i];
		if (strcmp(o->kind, "stage1-acknowledgement") == 0)
			ack = o;
	}
	g_assert_nonnull(ack);
	g_assert_true(rd_store_outbox_mark_sent(f->store, ack->id, T0 + 60, "250 2.0.0 Ok: queued", &err));

	g_autofree char *plain = dsn_for(ack->message_id, "5.1.1");
	/* The same report with the receiving server's words. */
	g_autofree char *dsn = NULL;
	{
		GString *g = g_string_new(plain);
		g_autofree char *at = g_strdup("Status: 5.1.1\n");
		char *p = strstr(g->str, at);
		g_assert_nonnull(p);
		g_string_insert(g, (p - g->str) + strlen(at),
		                "Diagnostic-Code: smtp; 550 5.1.1 <ann@public.test>: Recipient address\n"
		                "    rejected: User unknown\n");
		dsn = g_string_free(g, FALSE);
	}
	g_autofree char *kind = NULL;
	g_autofree char *ref2 = ingest_text(f, dsn, RD_MAILBOX_COMPLAINTS, &kind, NULL);
	g_assert_cmpstr(ref2, ==, ref);
	g_assert_cmpstr(kind, ==, "bounce");

	g_autoptr(GPtrArray) after = rd_store_outbox_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	guint alerts = 0;
	for (guint i = 0; i < after->len; i++) {
		const RdOutboxRow *o = after->pdata[i];
		if (o->id == ack->id) {
			g_assert_cmpint(o->bounced_at, ==, T0);
			g_assert_cmpstr(o->bounce_status, ==, "5.1.1");
			g_assert_cmpstr(o->bounce_detail, ==,
			                "550 5.1.1 <ann@public.test>: Recipient address rejected: User unknown");
			g_assert_cmpstr(o->status, ==, "sent");
		} else if (strcmp(o->kind, "staff-letter-failed") == 0) {
			alerts++;
			g_assert_cmpstr(o->to_addr, ==, "manager@council.test");
			g_assert_true(g_str_has_suffix(o->idem_key, "/alert/bounce-1") ||
			              strstr(o->idem_key, "/alert/bounce-") != NULL);
		}
	}
	g_assert_cmpuint(alerts, ==, 1);

	g_autoptr(GPtrArray) events = rd_store_events_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	gboolean bounced_event = FALSE;
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		if (strcmp(e->type, "letter-bounced") == 0) {
			bounced_event = TRUE;
			g_assert_nonnull(strstr(e->detail, "stage1-acknowledgement sent to ann@public.test"));
			g_assert_nonnull(strstr(e->detail, "NOT been acknowledged"));
			g_assert_nonnull(strstr(e->detail, "5.1.1 (550 5.1.1"));
		}
	}
	g_assert_true(bounced_event);

	/* The same letter reported again (another report, another
	 * Message-ID): an event, no second alert, the first report kept. */
	g_autofree char *again = g_strdup(dsn);
	char *mid = strstr(again, "<dsn.");
	g_assert_nonnull(mid);
	mid[1] = 'D';
	g_autofree char *ref3 = ingest_text(f, again, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_assert_cmpstr(ref3, ==, ref);
	g_autoptr(GPtrArray) last = rd_store_outbox_for_case(f->store, c->id, &err);
	g_assert_cmpuint(last->len, ==, after->len);
	g_autoptr(GPtrArray) events2 = rd_store_events_for_case(f->store, c->id, &err);
	g_assert_cmpstr(((RdEvent *)events2->pdata[events2->len - 1])->type, ==, "letter-undelivered");
}

/* A report that the self-test mail could not be delivered is the
 * self-test's answer: noted with its status, in no triage. A report
 * naming a self-test Message-ID whose token does not verify is an
 * ordinary bounce. */
static void
test_selftest_bounce(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const guint8 *key = rd_casework_token_key(f->cw);
	g_autofree char *ref = rd_selftest_reference_new("CMP");
	g_autofree char *token = rd_token_make(key, RD_TOKEN_KEY_LEN, ref);
	g_autofree char *msgid = rd_selftest_message_id(token, "council.example");
	g_autofree char *want = g_strconcat("selftest.", token, "@council.example", NULL);
	g_assert_cmpstr(msgid, ==, want);
	g_autofree char *dsn = dsn_for(msgid, "5.1.1");
	g_autoptr(RdMessage) m = rd_message_parse(dsn, strlen(dsn), T0, &f->cfg->limits);
	g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_cmpstr(m->bounced_message_id, ==, msgid);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, dsn, strlen(dsn), m, RD_MAILBOX_COMPLAINTS, T0, "test", &r, &err));
	g_assert_true(rd_store_commit(f->store, &err));
	g_assert_cmpint(r.status, ==, RD_INGEST_SELFTEST);
	rd_ingest_result_clear(&r);
	gboolean seen = FALSE;
	g_autofree char *bounce = NULL;
	g_assert_true(rd_selftest_seen(f->store, token, &seen, NULL, &bounce, &err));
	g_assert_true(seen);
	g_assert_cmpstr(bounce, ==, "5.1.1");
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 0);
	g_assert_cmpint(c.triage_open, ==, 0);

	/* The mail itself arriving is noted without a bounce. */
	g_autofree char *token2 = rd_token_make(key, RD_TOKEN_KEY_LEN, "CMP-0000-000777");
	g_assert_true(rd_selftest_note_seen(f->store, token2, T0, "test", NULL, &err));
	g_autofree char *none = NULL;
	g_assert_true(rd_selftest_seen(f->store, token2, &seen, NULL, &none, &err));
	g_assert_true(seen);
	g_assert_null(none);

	/* Not ours. */
	g_assert_null(rd_selftest_bounced_token(key, "CMP", "selftest.cmp-0000-000777-aaaaaaaa@council.example"));
	g_assert_null(rd_selftest_bounced_token(key, "CMP", "other@council.example"));
	g_assert_null(rd_selftest_bounced_token(key, "CMP", NULL));
	g_autofree char *back = rd_selftest_bounced_token(key, "CMP", msgid);
	g_assert_cmpstr(back, ==, token);
	g_autofree char *forged = dsn_for("selftest.cmp-0000-000777-aaaaaaaa@council.example", "5.1.1");
	g_autofree char *kind = NULL;
	g_autofree char *got = ingest_text(f, forged, RD_MAILBOX_COMPLAINTS, &kind, NULL);
	g_assert_null(got);
	g_assert_cmpstr(kind, ==, "bounce");
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 1);
	g_assert_cmpint(c.triage_open, ==, 1);
}

/* The notes of self-test mail seen stay a short list, newest first. */
static void
test_selftest_notes(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < 40; i++) {
		char *t = g_strdup_printf("cmp-0000-%06d-aaaaaaaa", i);
		g_ptr_array_add(tokens, t);
		g_assert_true(rd_selftest_note_seen(f->store, t, T0 + i, "test\tsource\n", NULL, &err));
	}
	g_autofree char *value = NULL;
	g_assert_true(rd_store_setting_get(f->store, RD_SELFTEST_SEEN_SETTING, &value, &err));
	g_auto(GStrv) lines = g_strsplit(value, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 33);   /* 32 and the empty end */
	g_assert_true(g_str_has_prefix(lines[0], "cmp-0000-000039-aaaaaaaa\t"));
	g_auto(GStrv) fields = g_strsplit(lines[0], "\t", -1);
	g_assert_cmpuint(g_strv_length(fields), ==, 4);
	g_assert_cmpstr(fields[2], ==, "test source ");
	g_assert_cmpstr(fields[3], ==, "");
	gboolean seen = TRUE;
	g_assert_true(rd_selftest_seen(f->store, tokens->pdata[0], &seen, NULL, NULL, &err));
	g_assert_false(seen);
	gint64 at = 0;
	g_assert_true(rd_selftest_seen(f->store, tokens->pdata[8], &seen, &at, NULL, &err));
	g_assert_true(seen);
	g_assert_cmpint(at, ==, T0 + 8);
	/* Seen again: moved to the front, not listed twice. */
	g_assert_true(rd_selftest_note_seen(f->store, tokens->pdata[20], T0 + 100, NULL, NULL, &err));
	g_free(value);
	value = NULL;
	g_assert_true(rd_store_setting_get(f->store, RD_SELFTEST_SEEN_SETTING, &value, &err));
	g_assert_true(g_str_has_prefix(value, "cmp-0000-000020-aaaaaaaa\t"));
	g_assert_null(strstr(value + 1, "cmp-0000-000020-"));
}

/* Commit one message through @ck; return the commit's number. */
static guint64
commit_one(Fixture *f, RdCheckpointer *ck, const char *text)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(text, strlen(text), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, text, strlen(text), m, RD_MAILBOX_COMPLAINTS, T0,
	                                "test", &r, &err));
	g_assert_no_error(err);
	rd_ingest_result_clear(&r);
	g_assert_true(rd_store_commit(f->store, &err));
	return rd_checkpointer_committed(ck, strlen(text));
}

static const char *second =
	"From: Bob Example <bob@public.test>\n"
	"To: complaints@council.test\n"
	"Subject: Bins not collected\n"
	"Message-ID: <t2@public.test>\n"
	"\n"
	"Our bins were missed again this week.\n";

/* The durable commit number, asserting no failure. */
static guint64
durable(RdCheckpointer *ck)
{
	g_autoptr(GError) err = NULL;
	guint64 n = 0;
	g_assert_true(rd_checkpointer_durable(ck, &n, &err));
	g_assert_no_error(err);
	return n;
}

static void
test_sync_behind(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_true(rd_store_synced_commits(f->store));
	RdCheckpointer *ck = rd_checkpointer_start(f->store, f->path, TRUE);
	g_assert_nonnull(ck);
	/* The writer's COMMITs no longer wait for the disk... */
	g_assert_false(rd_store_synced_commits(f->store));
	guint64 n1 = commit_one(f, ck, complaint);
	g_assert_cmpuint(n1, ==, 1);
	/* ...the thread's sync does, and says when. */
	g_assert_true(rd_checkpointer_wait_durable(ck, n1, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(durable(ck), >=, 1);
	guint64 n2 = commit_one(f, ck, second);
	g_assert_cmpuint(n2, ==, 2);
	g_assert_true(rd_checkpointer_wait_durable(ck, n2, &err));
	g_assert_cmpuint(durable(ck), ==, 2);
	rd_checkpointer_stop(ck);
	/* The writer is given its synced commits back. */
	g_assert_true(rd_store_synced_commits(f->store));

	/* Both stored, and the log emptied at the stop. */
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 2);
	g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
	GStatBuf sb;
	g_assert_cmpint(g_stat(wal, &sb), ==, 0);
	g_assert_cmpint(sb.st_size, ==, 0);
}

static void
test_sync_synced_commits(Fixture *f, gconstpointer data)
{
	/* Without sync_behind COMMIT itself syncs, and keeps doing so: every
	 * commit counts as durable at once. Without a checkpointer, likewise. */
	RdCheckpointer *ck = rd_checkpointer_start(f->store, f->path, FALSE);
	g_assert_true(rd_store_synced_commits(f->store));
	guint64 n = commit_one(f, ck, complaint);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(durable(ck), ==, 1);
	n = commit_one(f, ck, second);
	g_assert_cmpuint(durable(ck), ==, 2);
	rd_checkpointer_stop(ck);
	g_assert_cmpuint(rd_checkpointer_committed(NULL, 10), ==, 0);
	g_assert_cmpuint(durable(NULL), ==, G_MAXUINT64);
	g_assert_true(rd_checkpointer_wait_durable(NULL, 7, NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_parsers_init();
	g_test_add("/ingest/token-threads", Fixture, NULL, fx_setup, test_token_threads, fx_teardown);
	g_test_add("/ingest/key-persists", Fixture, NULL, fx_setup, test_key_persists, fx_teardown);
	g_test_add("/ingest/rollback-leaves-nothing", Fixture, NULL, fx_setup, test_rollback_leaves_nothing, fx_teardown);
	g_test_add("/ingest/duplicate-and-route", Fixture, NULL, fx_setup, test_duplicate_and_route, fx_teardown);
	g_test_add("/ingest/selftest-mail", Fixture, NULL, fx_setup, test_selftest_mail, fx_teardown);
	g_test_add("/ingest/selftest-bounce", Fixture, NULL, fx_setup, test_selftest_bounce, fx_teardown);
	g_test_add("/ingest/bounce-marks-letter", Fixture, NULL, fx_setup, test_bounce_marks_letter, fx_teardown);
	g_test_add("/ingest/selftest-notes", Fixture, NULL, fx_setup, test_selftest_notes, fx_teardown);
	g_test_add("/ingest/sync-behind", Fixture, NULL, fx_setup, test_sync_behind, fx_teardown);
	g_test_add("/ingest/sync-synced-commits", Fixture, NULL, fx_setup, test_sync_synced_commits, fx_teardown);
	return g_test_run();
}
