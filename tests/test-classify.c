/*
 * test-classify.c — automatic-mail and bounce rules, quote stripping and
 * case references (parsers/classify.c, quotes.c, refs.c).
 *
 * Table-driven: each table row is one message (headers + body as a string
 * or a fixture under tests/fixtures/classify/) or one text with what the
 * function must give back. Messages go through the real rd_message_parse(),
 * so the rules see the facts message.c and body.c really produce.
 */
#include <string.h>

#include "parsers.h"

/* Through the whole parser, as the daemon sees mail. */
static RdMessage *
parse_str(const char *s)
{
	return rd_message_parse(s, strlen(s), 0, NULL);
}

static RdMessage *
parse_fixture(const char *name)
{
	g_autofree char *path = g_build_filename(RD_SRCDIR, "tests", "fixtures",
	                                         "classify", name, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	g_file_get_contents(path, &data, &len, &err);
	g_assert_no_error(err);
	return rd_message_parse(data, len, 0, NULL);
}

/* ---- RFC 3834 and friends: header sets → kind ----------------------- */

typedef struct {
	const char *name;
	const char *headers;  /* without From/To/Date, which are added */
	const char *body;
	RdAutoKind want;
} KindCase;

static const KindCase kind_cases[] = {
	{ "plain human", "Subject: Bins not collected\n", "They missed us again.\n", RD_AUTO_NONE },
	{ "auto-submitted no", "Auto-Submitted: no\nSubject: Complaint\n", "Hello\n", RD_AUTO_NONE },
	{ "auto-submitted NO comment", "Auto-Submitted: NO (human)\nSubject: x\n", "Hello\n", RD_AUTO_NONE },
	{ "auto-replied", "Auto-Submitted: auto-replied\nSubject: Re: x\n", "Thanks\n", RD_AUTO_REPLY },
	{ "auto-replied params", "Auto-Submitted: Auto-Replied; owner-email=\"a@b.example\"\nSubject: x\n", "x\n", RD_AUTO_REPLY },
	{ "auto-replied comment", "Auto-Submitted: auto-replied (vacation)\nSubject: x\n", "x\n", RD_AUTO_REPLY },
	{ "auto-generated", "Auto-Submitted: auto-generated\nSubject: Report\n", "x\n", RD_AUTO_GENERATED },
	{ "auto-notified", "Auto-Submitted: auto-notified\nSubject: x\n", "x\n", RD_AUTO_GENERATED },
	{ "null return path", "Return-Path: <>\nSubject: Notice\n", "x\n", RD_AUTO_GENERATED },
	{ "normal return path", "Return-Path: <jo@example.net>\nSubject: Complaint\n", "x\n", RD_AUTO_NONE },
	{ "precedence bulk", "Precedence: bulk\nSubject: Newsletter\n", "x\n", RD_AUTO_BULK },
	{ "precedence junk", "Precedence: junk\nSubject: x\n", "x\n", RD_AUTO_BULK },
	{ "precedence list", "Precedence: list\nSubject: x\n", "x\n", RD_AUTO_BULK },
	{ "precedence first-class", "Precedence: first-class\nSubject: x\n", "x\n", RD_AUTO_NONE },
	{ "list-id", "List-Id: <residents.lists.example.org>\nSubject: x\n", "x\n", RD_AUTO_BULK },
	{ "list-unsubscribe + list-post", "List-Unsubscribe: <mailto:u@l.example>\nList-Post: <mailto:p@l.example>\nSubject: x\n", "x\n", RD_AUTO_BULK },
	{ "list-unsubscribe alone", "List-Unsubscribe: <mailto:u@l.example>\nSubject: x\n", "x\n", RD_AUTO_NONE },
	{ "x-auto-response-suppress is a request", "X-Auto-Response-Suppress: All\nSubject: My complaint\n", "x\n", RD_AUTO_NONE },
	{ "x-autoreply", "X-Autoreply: yes\nSubject: Re: x\n", "x\n", RD_AUTO_REPLY },
	{ "x-autorespond", "X-Autorespond: Thanks\nSubject: x\n", "x\n", RD_AUTO_REPLY },
	{ "precedence auto_reply", "Precedence: auto_reply\nSubject: x\n", "x\n", RD_AUTO_REPLY },
	/* Out of office subjects. */
	{ "ooo: out of office", "Subject: Out of Office\n", "I am away.\n", RD_AUTO_REPLY },
	{ "ooo: out of office autoreply", "Subject: Out of Office AutoReply: Your complaint\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: automatic reply", "Subject: Automatic reply: Your complaint\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: AUTO:", "Subject: AUTO: Jo Bloggs is out of the office (returning 03/01/2026)\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: Abwesenheitsnotiz", "Subject: Abwesenheitsnotiz: Ihre Beschwerde\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: autoreply", "Subject: Autoreply: x\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: on leave", "Subject: On leave until Monday\n", "x\n", RD_AUTO_NONE },
	{ "ooo: on leave colon", "Subject: On leave: Jo Bloggs\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: vacation", "Subject: Vacation\n", "x\n", RD_AUTO_REPLY },
	{ "ooo: absence", "Subject: Absence: back 4 March\n", "x\n", RD_AUTO_REPLY },
	/* Human subjects that look a little like them. */
	{ "human: my autumn leave", "Subject: My autumn leave\n", "x\n", RD_AUTO_NONE },
	{ "human: re my leave request", "Subject: Re: my leave request\n", "x\n", RD_AUTO_NONE },
	{ "human: out of office hours noise", "Subject: Out of office hours noise from the depot\n", "x\n", RD_AUTO_NONE },
	{ "human: absence of street lighting", "Subject: Absence of street lighting\n", "x\n", RD_AUTO_NONE },
	{ "human: auto insurance", "Subject: Auto insurance letter\n", "x\n", RD_AUTO_NONE },
	{ "human: undelivered parcel", "Subject: Undelivered parcel left in the rain\n",
	  "The courier said the parcel could not be delivered, then left it outside.\n", RD_AUTO_NONE },
	{ "human: returned mail complaint", "Subject: Returned mail from your office\n",
	  "Your letter was returned to sender twice.\n", RD_AUTO_NONE },
	/* ARF is automatic but not a bounce. */
	{ "arf", "Subject: Abuse report\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n",
	  "--b\nContent-Type: text/plain\n\nThis is an abuse report.\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n--b--\n",
	  RD_AUTO_GENERATED },
	/* Non-standard bounce signals. */
	{ "x-failed-recipients", "X-Failed-Recipients: gone@example.net\nSubject: x\n", "x\n", RD_AUTO_BOUNCE },
	{ "top-level delivery-status", "Subject: x\nMIME-Version: 1.0\nContent-Type: message/delivery-status\n",
	  "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.0.0\n", RD_AUTO_BOUNCE },
	{ "qmail", "Subject: failure notice\nReturn-Path: <>\n",
	  "Hi. This is the qmail-send program at mx.example.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<x@example.net>:\nmailbox unavailable (#5.1.1)\n",
	  RD_AUTO_BOUNCE },
};

static void
test_kinds(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(kind_cases); i++) {
		const KindCase *c = &kind_cases[i];
		g_autofree char *src = g_strdup_printf(
		        "From: Sender <sender@example.net>\nTo: complaints@council.example.gov.uk\n"
		        "Date: Mon, 2 Feb 2026 10:00:00 +0000\n%s\n%s", c->headers, c->body);
		g_autoptr(RdMessage) m = parse_str(src);
		if (m->auto_kind != c->want)
			g_test_message("case '%s': got %s (%s), want %s", c->name,
			               rd_auto_kind_to_string(m->auto_kind),
			               m->auto_reason ? m->auto_reason : "-",
			               rd_auto_kind_to_string(c->want));
		g_assert_cmpint(m->auto_kind, ==, c->want);
		g_assert_true((m->auto_reason == NULL) == (c->want == RD_AUTO_NONE));
	}
}

/* A daemon sender with bounce wording, and the null path. */
static void
test_mailer_daemon_sender(void)
{
	g_autoptr(RdMessage) m = parse_str(
	        "From: MAILER-DAEMON@mx.example.org\nTo: c@council.example\n"
	        "Subject: Returned mail: see transcript for details\n\n"
	        "   ----- The following addresses had permanent fatal errors -----\n"
	        "<jo@example.net>\n    (reason: 550 5.1.1 User unknown)\n");
	g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_cmpstr(m->bounced_recipient, ==, "jo@example.net");
	g_assert_cmpstr(m->bounce_status, ==, "5.1.1");

	/* A daemon notice that is not about delivery is only generated. */
	g_autoptr(RdMessage) n = parse_str(
	        "Return-Path: <>\nFrom: postmaster@mx.example.org\nTo: c@council.example\n"
	        "Subject: Weekly quarantine summary\n\nNothing held this week.\n");
	g_assert_cmpint(n->auto_kind, ==, RD_AUTO_GENERATED);

	/* List robots and no-reply senders are automatic too. */
	static const char *const robots[] = {
		"noreply@portal.example.gov.uk", "owner-residents@lists.example.org",
		"residents-request@lists.example.org", "do-not-reply@example.com",
	};
	for (guint i = 0; i < G_N_ELEMENTS(robots); i++) {
		g_autofree char *src = g_strdup_printf(
		        "From: %s\nTo: c@council.example\nSubject: Your account\n\nHello\n", robots[i]);
		g_autoptr(RdMessage) r = parse_str(src);
		g_assert_cmpint(r->auto_kind, ==, RD_AUTO_GENERATED);
	}
}

/* ---- through rd_message_parse: facts message.c sets ----------------- */

/* The rules that read message.c's facts (return_path, from, text) rather
 * than the GMime tree. */
static void
test_end_to_end(void)
{
	/* The null path: return_path is "" and the mail is automatic. */
	g_autoptr(RdMessage) np = parse_str(
	        "Return-Path: <>\nFrom: Jo <jo@example.net>\nTo: c@council.example\n"
	        "Subject: Your complaint\n\nHello\n");
	g_assert_cmpstr(np->return_path, ==, "");
	g_assert_cmpint(np->auto_kind, ==, RD_AUTO_GENERATED);
	g_assert_cmpstr(np->auto_reason, ==, "null return path");

	/* Auto-Submitted: no is a person, whatever else is there. */
	g_autoptr(RdMessage) no = parse_str(
	        "Return-Path: <jo@example.net>\nFrom: Jo <jo@example.net>\n"
	        "To: c@council.example\nAuto-Submitted: no\nSubject: Re: CMP-2026-000042\n\n"
	        "Still no bins.\n");
	g_assert_cmpint(no->auto_kind, ==, RD_AUTO_NONE);
	g_assert_null(no->auto_reason);
	g_assert_cmpstr(no->return_path, ==, "jo@example.net");

	/* "MAILER-DAEMON <>": no address, so msg->from is NULL, and the
	 * display name alone says daemon. */
	g_autoptr(RdMessage) md = parse_str(
	        "From: MAILER-DAEMON <>\nTo: c@council.example\n"
	        "Subject: Returned mail: see transcript for details\n\n"
	        "   ----- The following addresses had permanent fatal errors -----\n"
	        "<jo@example.net>\n    (reason: 550 5.1.1 User unknown)\n");
	g_assert_null(md->from);
	g_assert_cmpint(md->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_cmpstr(md->bounced_recipient, ==, "jo@example.net");
	g_assert_cmpstr(md->bounce_status, ==, "5.1.1");

	/* The same daemon, subject saying nothing: the text decides. */
	g_autoptr(RdMessage) md2 = parse_str(
	        "From: MAILER-DAEMON <>\nTo: c@council.example\nSubject: Notice\n\n"
	        "Your message to <jo@example.net> could not be delivered.\n");
	g_assert_cmpint(md2->auto_kind, ==, RD_AUTO_BOUNCE);

	/* The failed address may be the bounce's own To when nothing else
	 * is named (a message sent to oneself). */
	g_autoptr(RdMessage) own = parse_str(
	        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nTo: jo@example.net\n"
	        "Subject: failure notice\n\n"
	        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
	        "<jo@example.net>:\nmailbox unavailable\n");
	g_assert_cmpint(own->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_cmpstr(own->bounced_recipient, ==, "jo@example.net");

	/* A stray quoted-printable "=00" (common in NDRs) is a space in the
	 * text, never a NUL, and does not spoil the charset: UTF-8 under an
	 * ISO-8859-1 label is still read as UTF-8. */
	g_autoptr(RdMessage) nul = parse_str(
	        "From: MAILER-DAEMON@mx.example.org\nTo: c@council.example\n"
	        "Subject: Undeliverable: Your complaint\nMIME-Version: 1.0\n"
	        "Content-Type: text/plain; charset=iso-8859-1\n"
	        "Content-Transfer-Encoding: quoted-printable\n\n"
	        "Delivery has failed=00to these recipients: jo@example.net caf=C3=A9\n");
	g_assert_cmpint(nul->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_nonnull(strstr(nul->text, "failed to these"));
	g_assert_nonnull(strstr(nul->text, "caf\xc3\xa9"));
	g_assert_cmpstr(nul->bounced_recipient, ==, "jo@example.net");
}

/* ---- bounce fixtures ------------------------------------------------ */

typedef struct {
	const char *file;
	const char *msgid;
	const char *rcpt;
	const char *status;
	const char *diagnostic;  /* NULL: the report has none */
} BounceCase;

static const BounceCase bounce_cases[] = {
	{ "postfix-dsn.eml", "ack.CMP-2026-000042.1@council.example.gov.uk",
	  "resident@example.net", "5.1.1",
	  "550 5.1.1 <resident@example.net>: Recipient address rejected: User unknown" },
	{ "exim-bounce.eml", "ack.CMP-2026-000077.1@council.example.gov.uk",
	  "someone@example.com", "5.2.2", NULL },
	{ "exchange-ndr.eml", "letter.CMP-2026-000108.3@council.example.gov.uk",
	  "officer@partner.example.org", "5.1.10", NULL },
};

static void
test_bounces(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(bounce_cases); i++) {
		const BounceCase *c = &bounce_cases[i];
		g_autoptr(RdMessage) m = parse_fixture(c->file);
		g_test_message("%s: %s", c->file, m->auto_reason ? m->auto_reason : "-");
		g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
		g_assert_cmpstr(m->bounced_message_id, ==, c->msgid);
		g_assert_cmpstr(m->bounced_recipient, ==, c->rcpt);
		g_assert_cmpstr(m->bounce_status, ==, c->status);
		g_assert_cmpstr(m->bounce_diagnostic, ==, c->diagnostic);
	}
}

static void
test_delayed_dsn(void)
{
	g_autoptr(RdMessage) m = parse_str(
	        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nTo: c@council.example\n"
	        "Subject: Delayed Mail (still being retried)\nMIME-Version: 1.0\n"
	        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\n\n"
	        "--d\nContent-Type: text/plain\n\nStill trying.\n"
	        "--d\nContent-Type: message/delivery-status\n\n"
	        "Reporting-MTA: dns; mx.example.org\n\n"
	        "Final-Recipient: rfc822; <slow@example.net>\nAction: delayed\nStatus: 4.4.7\n\n"
	        "--d--\n");
	g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_cmpstr(m->bounced_recipient, ==, "slow@example.net");
	g_assert_cmpstr(m->bounce_status, ==, "4.4.7");
	g_assert_null(m->bounced_message_id);
}

/* A fuzz finding kept in tests/fuzz/regressions/. */
static RdMessage *
parse_regression(const char *name)
{
	g_autofree char *path = g_build_filename(RD_SRCDIR, "tests", "fuzz", "regressions", name, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	g_file_get_contents(path, &data, &len, &err);
	g_assert_no_error(err);
	return rd_message_parse(data, len, 0, NULL);
}

/* A bounce-like mail whose X-Failed-Recipients header is empty once
 * crashed the parser (tests/fuzz/regressions/). It is still a bounce,
 * with nobody named as the failed recipient. */
static void
test_empty_failed_recipients(void)
{
	g_autoptr(RdMessage) m = parse_regression("message-empty-x-failed-recipients-min.eml");
	g_assert_nonnull(m);
	g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
	g_assert_null(m->bounced_recipient);
	/* The same with a blank value that is not quite empty. */
	g_autoptr(RdMessage) m2 = parse_str("From: a@b.example\nX-Failed-Recipients:  ,\n"
	                                    "Subject: Mail delivery failed\n\nx\n");
	g_assert_null(m2->bounced_recipient);
}

/* Bounces the fuzzer broke, with what they must give now. */
static const struct {
	const char *file;
	const char *msgid, *rcpt, *status;
} fuzzed_bounces[] = {
	/* Final-Recipient without an '@': read twice (DSN part, then the
	 * text), and the first status leaked. */
	{ "message-dsn-status-leak.eml", NULL, NULL, "5.1.1" },
	/* DSN fields in the prologue of a multipart without a boundary, in
	 * windows-1252: the recipient came out as raw bytes, not UTF-8. */
	{ "message-bounce-recipient-not-utf8.eml", NULL, "jane\xc2\xba\xc2\xba@public.test", "5.1.1" },
	/* A pipe recipient: the address is the word with the '@', not the
	 * command line around it. */
	{ "message-bounce-pipe-recipient.eml", NULL, "jo@public.example", "5.0.0" },
	/* A form feed after the address was kept as part of it. */
	{ "message-bounce-recipient-formfeed.eml", NULL, "jo@public.example", "5.1.1" },
	/* Blanks inside the returned Message-ID's brackets were kept. */
	{ "message-bounced-msgid-blanks.eml", "abc.123@Example.ORG", "jo@public.example", NULL },
};

static void
test_fuzzed_bounces(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(fuzzed_bounces); i++) {
		g_autoptr(RdMessage) m = parse_regression(fuzzed_bounces[i].file);
		g_test_message("%s", fuzzed_bounces[i].file);
		g_assert_cmpint(m->auto_kind, ==, RD_AUTO_BOUNCE);
		g_assert_cmpstr(m->bounced_message_id, ==, fuzzed_bounces[i].msgid);
		g_assert_cmpstr(m->bounced_recipient, ==, fuzzed_bounces[i].rcpt);
		g_assert_cmpstr(m->bounce_status, ==, fuzzed_bounces[i].status);
	}
}

/* ---- quotes --------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *in;
	const char *want;
} QuoteCase;

static const QuoteCase quote_cases[] = {
	{ "no quote", "Hello\nSecond line\n", "Hello\nSecond line" },
	{ "empty", "", "" },
	{ "all quote", "> a\n> b\n", "" },
	{ "gt quote", "Thanks.\n\n> old text\n> more\n", "Thanks." },
	{ "on wrote", "Yes please.\n\nOn Mon, 2 Feb 2026 at 10:00, Council <c@x.example> wrote:\n> Do you want a call?\n", "Yes please." },
	{ "on wrote wrapped", "Fine.\n\nOn Mon, 2 Feb 2026 at 10:00, Complaints Team\n<c@x.example> wrote:\n\n> old\n", "Fine." },
	{ "on wrote unquoted history", "Agreed.\n\nOn 2 Feb 2026, at 10:00, Council wrote:\n\nDear resident,\nWe have logged it.\n", "Agreed." },
	{ "interleaved answers kept", "On Mon, Jo wrote:\n> When did it happen?\nLast Tuesday.\n> Where?\nHigh Street.\n", "Last Tuesday.\nHigh Street." },
	{ "french", "Merci.\n\nLe lun. 2 févr. 2026 à 10:00, Conseil <c@x.example> a écrit :\n> texte\n", "Merci." },
	{ "german", "Danke.\n\nAm 02.02.2026 um 10:00 schrieb Rat <c@x.example>:\n> Text\n", "Danke." },
	{ "spanish", "Gracias.\n\nEl lun, 2 feb 2026 a las 10:00, Consejo (<c@x.example>) escribió:\n> texto\n", "Gracias." },
	{ "dutch", "Dank.\n\nOp ma 2 feb. 2026 om 10:00 schreef Raad <c@x.example>:\n> tekst\n", "Dank." },
	{ "original message", "See below.\n\n-----Original Message-----\nFrom: A\nSent: Monday\nTo: B\nSubject: x\n\nold\n", "See below." },
	{ "outlook block", "My reply.\n\nFrom: Complaints <c@x.example>\nSent: 02 February 2026 10:00\nTo: Jo <jo@example.net>\nSubject: RE: Complaint\n\nOld text\n", "My reply." },
	{ "outlook underscore rule", "My reply.\n\n________________________________\nFrom: Complaints <c@x.example>\nSent: Monday\nTo: Jo\nSubject: x\n\nold\n", "My reply." },
	{ "outlook bold", "Reply.\n\n*From:* Council <c@x.example>\n*Sent:* Monday\n*To:* Jo\n\nold\n", "Reply." },
	{ "from in prose kept", "From: my point of view this is wrong.\nRegards\n", "From: my point of view this is wrong.\nRegards" },
	{ "gmail forward", "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@x.example>\nDate: Mon\n\nold\n", "FYI" },
	{ "apple forward", "See this.\n\nBegin forwarded message:\n\nFrom: A\n", "See this." },
	{ "iphone", "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2026, at 4:19 PM, bob <bob@example.com> wrote:\n\n> Hi\n", "Hello" },
	{ "blackberry", "OK\nSent from my BlackBerry® wireless device\n", "OK" },
	{ "outlook ios", "Sure\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n", "Sure" },
	{ "mail for windows", "Sure\n\nSent from Mail for Windows 10\n", "Sure" },
	{ "yahoo android", "Sure\n\nSent from Yahoo Mail on Android\n", "Sure" },
	{ "sig delimiter", "Thanks\n\n-- \nJo Bloggs\n07700 900000\n", "Thanks" },
	{ "crlf", "Thanks\r\n\r\n> old\r\n", "Thanks" },
	{ "bare wrote with quote", "Noted.\n\nJo Bloggs <jo@example.net> wrote:\n> text\n", "Noted." },
	{ "wrote in prose kept", "I wrote:\nthe letter on Monday.\n", "I wrote:\nthe letter on Monday." },
	{ "leading blank lines", "\n\n  Indented start\n", "  Indented start" },
};

static void
test_quotes(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(quote_cases); i++) {
		const QuoteCase *c = &quote_cases[i];
		g_autofree char *got = rd_text_strip_quotes(c->in);
		if (strcmp(got, c->want) != 0)
			g_test_message("quote case '%s': got '%s'", c->name, got);
		g_assert_cmpstr(got, ==, c->want);
	}
	g_autofree char *null_in = rd_text_strip_quotes(NULL);
	g_assert_cmpstr(null_in, ==, "");
}

/* ---- case references ------------------------------------------------ */

typedef struct {
	const char *text;
	const char *want;  /* canonical refs joined by "," ("" for none) */
} RefCase;

static const RefCase ref_cases[] = {
	{ "CMP-2026-000123", "CMP-2026-000123" },
	{ "Re: complaint cmp-2026-000123 again", "CMP-2026-000123" },
	{ "CMP 2026 000123", "CMP-2026-000123" },
	{ "CMP/2026/123", "CMP-2026-000123" },
	{ "CMP.2026.123", "CMP-2026-000123" },
	{ "CMP_2026_123", "CMP-2026-000123" },
	{ "CMP2026000123", "CMP-2026-000123" },
	{ "CMP-2026000123", "CMP-2026-000123" },
	{ "CMP - 2026 - 123", "CMP-2026-000123" },
	{ "CMP–2026–123", "CMP-2026-000123" },
	{ "CMP-2O26-OOO123", "CMP-2026-000123" },
	{ "CMP-2026-l23", "CMP-2026-000123" },
	{ "CMP-2026-I23", "CMP-2026-000123" },
	{ "ref (CMP-2026-7).", "CMP-2026-000007" },
	{ "CMP-2026-1, CMP-2025-2 and cmp-2026-000001", "CMP-2026-000001,CMP-2025-000002" },
	{ "ref:CMP-2099-999999", "CMP-2099-999999" },
	/* Negatives. */
	{ "XCMP-2026-1", "" },
	{ "CMPX-2026-1", "" },
	{ "CMP-1999-000123", "" },
	{ "CMP-2100-000123", "" },
	{ "CMP-2026-1234567", "" },
	{ "CMP 02079460000", "" },
	{ "CMP-2026-000000", "" },
	{ "CMP-2026-12abc", "" },
	{ "CMP-2026-", "" },
	{ "CMP-", "" },
	{ "CMP-2026-lol", "" },
	{ "complaint 2026-000123", "" },
	{ "", "" },
};

static void
test_refs(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(ref_cases); i++) {
		const RefCase *c = &ref_cases[i];
		g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
		rd_refs_find("CMP", c->text, refs);
		g_ptr_array_add(refs, NULL);
		g_autofree char *got = g_strjoinv(",", (char **)refs->pdata);
		if (strcmp(got, c->want) != 0)
			g_test_message("ref case '%s': got '%s'", c->text, got);
		g_assert_cmpstr(got, ==, c->want);
	}

	/* Other prefixes, lower-case prefix argument, dedup across calls. */
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find("sc", "Stage 2: SC-2026-5; also sc 2026 000005", refs);
	rd_refs_find("SC", "SC-2026-000005 and SC-2026-6", refs);
	g_assert_cmpuint(refs->len, ==, 2);
	g_assert_cmpstr(refs->pdata[0], ==, "SC-2026-000005");
	g_assert_cmpstr(refs->pdata[1], ==, "SC-2026-000006");
	rd_refs_find("CMP", NULL, refs);
	g_assert_cmpuint(refs->len, ==, 2);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/kinds", test_kinds);
	g_test_add_func("/classify/mailer-daemon", test_mailer_daemon_sender);
	g_test_add_func("/classify/end-to-end", test_end_to_end);
	g_test_add_func("/classify/bounces", test_bounces);
	g_test_add_func("/classify/delayed-dsn", test_delayed_dsn);
	g_test_add_func("/classify/empty-x-failed-recipients", test_empty_failed_recipients);
	g_test_add_func("/classify/fuzzed-bounces", test_fuzzed_bounces);
	g_test_add_func("/quotes/table", test_quotes);
	g_test_add_func("/refs/table", test_refs);
	return g_test_run();
}
