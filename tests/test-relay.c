/*
 * test-relay.c — what staff mail gives the complainant and the case:
 * rd_relay_text() (parsers/relay.c, over the walk of quotes.c) and
 * RdMessage.forwarded (parsers/forward.c, dates.c).
 *
 * Both are table-driven over hand-written fixtures in tests/fixtures/relay/,
 * each a complete .eml in the shape one mail client produces, parsed with
 * rd_message_parse() as redress does (so HTML-only replies go through the
 * HTML conversion first):
 *  - NAME.eml with NAME.expected: a reply from a member of staff and the
 *    exact text rd_relay_text(msg->text) must give (the file's last
 *    newline aside). Each row prints its client and pass or FAIL; a reply
 *    is never a forward, so each also checks msg->forwarded is NULL;
 *  - fwd-*.eml: forwards, checked field by field in forward_cases[];
 *  - not-fwd-*.eml: mail that must not count as a forward.
 * Inline strings cover the rules one at a time: commands, markers,
 * signatures, invalid UTF-8, and the written dates of dates.c.
 */
#include <string.h>

#include "parsers-private.h"

static char *
fixture_path(const char *name, const char *ext)
{
	g_autofree char *file = g_strconcat(name, ext, NULL);
	return g_build_filename(RD_SRCDIR, "tests", "fixtures", "relay", file, NULL);
}

static char *
read_fixture(const char *name, const char *ext, gsize *len_r)
{
	g_autofree char *path = fixture_path(name, ext);
	char *data = NULL;
	g_autoptr(GError) err = NULL;
	g_file_get_contents(path, &data, len_r, &err);
	g_assert_no_error(err);
	return data;
}

static RdMessage *
parse_fixture(const char *name)
{
	gsize len = 0;
	g_autofree char *data = read_fixture(name, ".eml", &len);
	return rd_message_parse(data, len, 1000, NULL);
}

/* ---- rd_relay_text over real clients' replies ---------------------------- */

typedef struct {
	const char *file;
	const char *client;
} RelayCase;

static const RelayCase relay_cases[] = {
	{ "outlook-desktop-plain", "Outlook desktop, top-posted, text/plain" },
	{ "outlook-desktop-html", "Outlook desktop, top-posted, HTML only (quote in a bordered div)" },
	{ "outlook-desktop-cy", "Outlook desktop, Welsh labels, -----Neges Wreiddiol-----" },
	{ "outlook-desktop-cy-html", "Outlook desktop, Welsh labels, HTML only" },
	{ "owa-plain", "Outlook on the web, ____ rule, text/plain" },
	{ "owa-html", "Outlook on the web, HTML only (quote in divRplyFwdMsg after <hr>)" },
	{ "outlook-ios", "Outlook for iOS, footer and ____ rule" },
	{ "gmail-web", "Gmail web, attribution wrapped" },
	{ "gmail-html", "Gmail web, HTML only (blockquote)" },
	{ "gmail-cy", "Gmail web, Welsh (Ar … ysgrifennodd:)" },
	{ "apple-mail", "Apple Mail (macOS)" },
	{ "thunderbird-top", "Thunderbird, top-posted, -- signature kept" },
	{ "thunderbird-bottom", "Thunderbird, bottom-posted" },
	{ "thunderbird-inline", "Thunderbird, answers between > quotes" },
	{ "thunderbird-below-marker", "Thunderbird, bottom-posted under the quoted marker (kept)" },
	{ "ios-mail", "iOS Mail, Sent from my iPhone" },
	{ "ios-mail-cy", "iOS Mail, Welsh, Anfonwyd o fy iPhone" },
	{ "android-gmail", "Android Gmail app" },
	{ "samsung-email", "Samsung Email, Sent from my Galaxy" },
	{ "commands-top", "commands on top" },
	{ "unquoted-marker", "notification quoted without > (marker cut)" },
	{ "unquoted-marker-cy", "notification quoted without >, Welsh marker" },
};

static void
test_relay_fixture(gconstpointer data)
{
	const RelayCase *c = data;
	g_autoptr(RdMessage) m = parse_fixture(c->file);
	g_autofree char *want = read_fixture(c->file, ".expected", NULL);
	gsize wl = strlen(want);
	if (wl > 0 && want[wl - 1] == '\n')
		want[wl - 1] = '\0';
	g_autofree char *got = rd_relay_text(m->text);
	gboolean pass = strcmp(got, want) == 0;
	g_test_message("%-28s %-4s  %s", c->file, pass ? "pass" : "FAIL", c->client);
	if (!pass)
		g_test_message("got:\n%s\n--- want:\n%s", got, want);
	g_assert_cmpstr(got, ==, want);
	/* A reply is not a forward, whatever its quoting looks like. */
	g_assert_null(m->forwarded);
}

/* ---- rd_relay_text rule by rule ------------------------------------------- */

typedef struct {
	const char *name;
	const char *in;
	const char *want;
} TextCase;

static const TextCase text_cases[] = {
	{ "plain", "Hello\nSecond line\n", "Hello\nSecond line" },
	{ "empty", "", "" },
	{ "all quote", "> a\n> b\n", "" },
	{ "commands only", "#outcome upheld\n\n#note logged\n", "" },
	{ "commands then text", "\n  #outcome upheld\n#Note x\n\nDear Jo,\nDone.\n", "Dear Jo,\nDone." },
	{ "hash later kept", "Dear Jo,\n#outcome is not a command here\n", "Dear Jo,\n#outcome is not a command here" },
	{ "hash and digit is text", "#4521 is your job number.\n", "#4521 is your job number." },
	{ "hash and punctuation is text", "## Heading\n", "## Heading" },
	{ "welsh letter command", "#ŵyl\nTestun\n", "Testun" },
	{ "marker en", "Reply\n" RD_REPLY_MARKER_EN "\nNotification\n", "Reply" },
	{ "marker cy", "Ateb\n\n" RD_REPLY_MARKER_CY "\nHysbysiad\n", "Ateb" },
	{ "marker other language", "Antwort\n##- Bitte oberhalb dieser Zeile antworten -##\nText\n", "Antwort" },
	{ "marker quoted", "Reply\n> " RD_REPLY_MARKER_EN "\nbelow\n", "Reply\nbelow" },
	{ "marker quoted, answer below", "> " RD_REPLY_MARKER_EN "\n> Notice\n\nAnswer\n", "Answer" },
	{ "marker first", RD_REPLY_MARKER_EN "\nReply below the line\n", "" },
	{ "half a marker is text", "Use ##- to start\n", "Use ##- to start" },
	{ "signature kept", "Thanks\n\n-- \nSam Patel\n01632 960123\n", "Thanks\n\n-- \nSam Patel\n01632 960123" },
	{ "mobile footer dropped", "OK\n\nSent from my iPhone\n", "OK" },
	{ "mobile footer then answer below quote",
	  "Sent from my iPhone\n\nOn Mon, Jo wrote:\n> When?\nFriday.\n", "Friday." },
	{ "get outlook", "Sure\n\nGet Outlook for Android\n", "Sure" },
	{ "galaxy", "Sure\nSent from my Galaxy\n", "Sure" },
	{ "welsh iphone", "Iawn\n\nAnfonwyd o fy iPhone\n", "Iawn" },
	{ "blank runs", "a\n\n\n\nb\n\n> q\n\nc\n", "a\n\nb\n\nc" },
	{ "crlf", "Thanks\r\n\r\n> old\r\n", "Thanks" },
	/* a line end of CR CR LF loses one CR, as in the walk, not two
	 * (tests/fuzz/regressions/relay-double-cr.txt) */
	{ "cr cr lf", "a\r\r\nb\n", "a\r\nb" },
	{ "original message", "See below.\n\n-----Original Message-----\nFrom: A\nSent: Monday\n\nold\n", "See below." },
	{ "welsh original", "Gweler isod.\n-----Neges Wreiddiol-----\nOddi wrth: A\n", "Gweler isod." },
	{ "welsh outlook block", "Ateb.\n\nOddi wrth: Cwynion <c@x.example>\nAnfonwyd: 4 Rhagfyr 2026\nAt: Sam\nPwnc: x\n\nhen\n", "Ateb." },
	{ "forward banner cuts", "FYI\n---------- Forwarded message ---------\nFrom: A\n", "FYI" },
	{ "from in prose kept", "From: my point of view it is fine.\n", "From: my point of view it is fine." },
	{ "leading blank lines", "\n\n  Indented start\n", "  Indented start" },
};

static void
test_relay_rules(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		const TextCase *c = &text_cases[i];
		g_autofree char *got = rd_relay_text(c->in);
		if (strcmp(got, c->want) != 0)
			g_test_message("relay case '%s': got '%s'", c->name, got);
		g_assert_cmpstr(got, ==, c->want);
		g_assert_cmpuint(strlen(got), <=, strlen(c->in));
	}
	g_autofree char *null_in = rd_relay_text(NULL);
	g_assert_cmpstr(null_in, ==, "");

	/* Bytes that are not UTF-8 are dropped, not replaced: the result
	 * stays valid and no longer than the input. */
	const char *bad = "caf\xe9 ok\n\xff\xfe\nend\n";
	g_autofree char *clean = rd_relay_text(bad);
	g_assert_true(g_utf8_validate(clean, -1, NULL));
	g_assert_cmpstr(clean, ==, "caf ok\n\nend");

	/* The strip of the case file still cuts at signatures. */
	g_autofree char *stripped = rd_text_strip_quotes("Thanks\n\n-- \nSam\n");
	g_assert_cmpstr(stripped, ==, "Thanks");
}

/* ---- forwards --------------------------------------------------------------- */

typedef struct {
	const char *file;
	const char *client;
	const char *email;       /* NULL: from is NULL */
	const char *name;
	const char *date;        /* ISO 8601 UTC; NULL: 0 */
	const char *subject;
	const char *first_line;  /* of text */
	const char *last_line;   /* of text: the original was read to its end */
	const char *note;
	gboolean attached;
	const char *message_id;
} ForwardCase;

#define ORIG_FIRST "Hello,", "12 Mill Lane"
#define ORIG_CY_FIRST "Helo,", "Siân Jones"

static const ForwardCase forward_cases[] = {
	{ "fwd-gmail", "Gmail web", "jo.bloggs@public.example", "Jo Bloggs",
	  "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST,
	  "Can you log this one please? She rang the contact centre too.\n#service waste", FALSE, NULL },
	{ "fwd-gmail-bold", "Gmail web, text part (*bold* name, US date)", "jo.bloggs@public.example",
	  "Jo Bloggs", "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST, "FYI", FALSE, NULL },
	{ "fwd-gmail-cy", "Gmail web, Welsh", "sian.jones@public.example", "Siân Jones",
	  "2026-12-03T09:12:00Z", "Biniau heb eu casglu", ORIG_CY_FIRST,
	  "Wnewch chi gofnodi hwn os gwelwch yn dda?", FALSE, NULL },
	{ "fwd-outlook-desktop", "Outlook desktop, -----Original Message-----, [mailto:], BST",
	  "jo.bloggs@public.example", "Jo Bloggs", "2026-07-02T08:12:00Z", "Bins not collected",
	  ORIG_FIRST, "Please open a case for this.\n\nSam Patel\nWaste Services Officer", FALSE, NULL },
	{ "fwd-outlook-html", "Outlook desktop, HTML only, FW: and no separator",
	  "jo.bloggs@public.example", "Bloggs, Jo", "2026-12-03T09:12:00Z", "Bins not collected",
	  ORIG_FIRST, "Please open a case for this.\n\nSam", FALSE, NULL },
	{ "fwd-outlook-cy", "Outlook desktop, Welsh labels, YML:", "sian.jones@public.example",
	  "Siân Jones", "2026-12-03T09:12:00Z", "Biniau heb eu casglu", ORIG_CY_FIRST,
	  "Agorwch achos ar gyfer hwn os gwelwch yn dda.\n\nSam", FALSE, NULL },
	{ "fwd-owa", "Outlook on the web, ____ rule, addr<mailto:addr>", "jo.bloggs@public.example",
	  "Jo Bloggs", "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST, "Log please.", FALSE, NULL },
	{ "fwd-thunderbird", "Thunderbird, RFC 5322 date", "jo.bloggs@public.example", "Jo Bloggs",
	  "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST, "Forwarding as discussed.", FALSE, NULL },
	{ "fwd-thunderbird-html", "Thunderbird, HTML only (header table)", "jo.bloggs@public.example",
	  "Jo Bloggs", "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST, "Forwarding as discussed.",
	  FALSE, NULL },
	{ "fwd-apple-mail", "Apple Mail, HTML only, quoted forward", "jo.bloggs@public.example",
	  "Jo Bloggs", "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST, "For the case file.",
	  FALSE, NULL },
	{ "fwd-ios", "iOS Mail, quoted headers", "jo.bloggs@public.example", "Jo Bloggs",
	  "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST,
	  "Complaint from the market stall holder.\n\nSent from my iPhone", FALSE, NULL },
	{ "fwd-samsung", "Samsung Email, numeric date", "jo.bloggs@public.example", "Jo Bloggs",
	  "2026-12-03T09:12:00Z", "Bins not collected", ORIG_FIRST,
	  "New one for you\n\n\n\nSent from my Galaxy", FALSE, NULL },
	{ "fwd-attached", "attached message/rfc822", "jo.bloggs@public.example", "Jo Bloggs",
	  "2026-12-03T09:12:44Z", "Bins not collected", ORIG_FIRST,
	  "Please open a case for the attached.\n\nSam", TRUE, "CAF+abc123@mail.public.example" },
};

static char *
iso_of(gint64 t)
{
	if (t == 0)
		return NULL;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

static void
test_forward_fixture(gconstpointer data)
{
	const ForwardCase *c = data;
	g_autoptr(RdMessage) m = parse_fixture(c->file);
	g_test_message("%-22s %s", c->file, c->client);
	g_assert_nonnull(m->forwarded);
	const RdForwarded *f = m->forwarded;
	if (c->email == NULL) {
		g_assert_null(f->from);
	} else {
		g_assert_nonnull(f->from);
		g_assert_cmpstr(f->from->email, ==, c->email);
		g_assert_cmpstr(f->from->name, ==, c->name);
	}
	g_autofree char *iso = iso_of(f->date);
	g_assert_cmpstr(iso, ==, c->date);
	g_assert_cmpstr(f->subject, ==, c->subject);
	g_assert_nonnull(f->text);
	const char *nl = strchr(f->text, '\n');
	g_autofree char *first = nl != NULL ? g_strndup(f->text, nl - f->text) : g_strdup(f->text);
	g_assert_cmpstr(first, ==, c->first_line);
	g_assert_cmpstr(f->note, ==, c->note);
	g_assert_cmpint(f->attached, ==, c->attached);
	g_assert_cmpstr(f->message_id, ==, c->message_id);
	g_assert_true(g_str_has_suffix(f->text, c->last_line));
	g_assert_true(g_utf8_validate(f->note, -1, NULL) && g_utf8_validate(f->text, -1, NULL));
}

static const struct {
	const char *file;
	const char *why;
} not_forwards[] = {
	{ "not-fwd-subject-only", "a Fwd: subject with nothing forwarded" },
	{ "not-fwd-outlook-reply", "an Outlook reply (RE:) with its header block" },
	{ "not-fwd-reply-to-forward", "a reply quoting a forward below its attribution" },
	{ "not-fwd-long-letter", "a long letter with an email attached" },
	{ "not-fwd-garbage", "broken bytes under FW:, a From: with no Sent: near it, a banner cut short" },
};

static void
test_not_forwards(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(not_forwards); i++) {
		g_autoptr(RdMessage) m = parse_fixture(not_forwards[i].file);
		g_test_message("%s: %s", not_forwards[i].file, not_forwards[i].why);
		g_assert_null(m->forwarded);
	}
}

/* Inline messages for what the fixtures do not show. */
static RdMessage *
parse_str(const char *s)
{
	return rd_message_parse(s, strlen(s), 1000, NULL);
}

static void
test_forward_details(void)
{
	/* A name on the From line and the address on the next. */
	g_autoptr(RdMessage) a = parse_str(
	        "From: sam@council.example\nSubject: Fwd: x\n\nnote\n\n"
	        "---------- Forwarded message ---------\nFrom: Jo Bloggs\n<JO@Public.Example>\n"
	        "Date: Thu, 3 Dec 2026 at 09:12\nSubject: x\n\nbody\n");
	g_assert_nonnull(a->forwarded);
	g_assert_cmpstr(a->forwarded->from->email, ==, "jo@public.example");
	g_assert_cmpstr(a->forwarded->from->name, ==, "Jo Bloggs");
	g_assert_cmpstr(a->forwarded->text, ==, "body");

	/* A banner with no header lines: still a forward, nothing known of
	 * the original but its text. */
	g_autoptr(RdMessage) b = parse_str("From: sam@council.example\nSubject: x\n\n"
	                                   "Begin forwarded message:\n\nPlain words.\n");
	g_assert_nonnull(b->forwarded);
	g_assert_null(b->forwarded->from);
	g_assert_cmpint(b->forwarded->date, ==, 0);
	g_assert_cmpstr(b->forwarded->text, ==, "Plain words.");
	g_assert_cmpstr(b->forwarded->note, ==, "");

	/* A name only, no address anywhere: from stays NULL. */
	g_autoptr(RdMessage) c = parse_str("From: sam@council.example\nSubject: FW: x\n\n"
	                                   "From: Jo Bloggs\nSent: 03 December 2026 09:12\nTo: Sam\n"
	                                   "Subject: x\n\nbody\n");
	g_assert_nonnull(c->forwarded);
	g_assert_null(c->forwarded->from);
	g_assert_cmpint(c->forwarded->date, !=, 0);

	/* Only the outermost forward counts; the inner one is its text. */
	g_autoptr(RdMessage) d = parse_str(
	        "From: sam@council.example\nSubject: Fwd: Fwd: x\n\n"
	        "---------- Forwarded message ---------\nFrom: Priya <priya@council.example>\n"
	        "Date: Thu, 3 Dec 2026 at 10:00\nSubject: Fwd: x\n\n"
	        "---------- Forwarded message ---------\nFrom: Jo <jo@public.example>\n"
	        "Date: Thu, 3 Dec 2026 at 09:12\nSubject: x\n\nbody\n");
	g_assert_cmpstr(d->forwarded->from->email, ==, "priya@council.example");
	g_assert_true(g_str_has_prefix(d->forwarded->text, "---------- Forwarded message"));

	/* A bounce carries the mail it returns; that is not a forward. */
	g_autoptr(RdMessage) e = parse_str(
	        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
	        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n"
	        "--r\nContent-Type: text/plain\n\nfailed\n"
	        "--r\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@y.example\n"
	        "Action: failed\nStatus: 5.1.1\n\n"
	        "--r\nContent-Type: message/rfc822\n\nFrom: jo@public.example\nSubject: hi\n\nbody\n--r--\n");
	g_assert_null(e->forwarded);

	/* An attached message too deep for the limits: its headers are
	 * read, its text is not. */
	RdParseOptions small;
	rd_parse_options_init(&small);
	small.max_depth = 1;
	const char *deep = "From: sam@council.example\nSubject: FW: x\n"
	                   "Content-Type: multipart/mixed; boundary=\"o\"\n\n"
	                   "--o\nContent-Type: text/plain\n\nsee attached\n"
	                   "--o\nContent-Type: message/rfc822\n\nFrom: Jo <jo@public.example>\nSubject: x\n"
	                   "Message-ID: <a@b>\n\nbody\n--o--\n";
	g_autoptr(RdMessage) f = rd_message_parse(deep, strlen(deep), 0, &small);
	g_assert_nonnull(f->forwarded);
	g_assert_true(f->forwarded->attached);
	g_assert_cmpstr(f->forwarded->from->email, ==, "jo@public.example");
	g_assert_cmpstr(f->forwarded->message_id, ==, "a@b");
	g_assert_cmpstr(f->forwarded->text, ==, "");
	g_autoptr(RdMessage) f2 = parse_str(deep);
	g_assert_cmpstr(f2->forwarded->text, ==, "body");
	g_assert_cmpstr(f2->forwarded->note, ==, "see attached");

	/* An attached message's From is read raw: the comma an encoded
	 * word hides does not split the name. */
	g_autoptr(RdMessage) g = parse_str(
	        "From: sam@council.example\nSubject: FW: x\n"
	        "Content-Type: multipart/mixed; boundary=\"o\"\n\n"
	        "--o\nContent-Type: message/rfc822\n\n"
	        "From: =?utf-8?q?Bloggs=2C_Si=C3=A2n?= <Sian@Public.Example>\nSubject: x\n\nbody\n--o--\n");
	g_assert_nonnull(g->forwarded);
	g_assert_cmpstr(g->forwarded->from->email, ==, "sian@public.example");
	g_assert_cmpstr(g->forwarded->from->name, ==, "Bloggs, Siân");
	g_assert_cmpstr(g->forwarded->note, ==, "");
}

/* ---- written dates (dates.c) ------------------------------------------------ */

static const struct {
	const char *in;
	const char *want;  /* ISO 8601 UTC, NULL: not read (0) */
} date_cases[] = {
	{ "Thu, 3 Dec 2026 09:12:00 +0000", "2026-12-03T09:12:00Z" },
	{ "Thu, 3 Dec 2026 09:12:00 -0500 (EST)", "2026-12-03T14:12:00Z" },
	{ "Thursday, December 3, 2026 9:12 AM", "2026-12-03T09:12:00Z" },
	{ "Thursday, December 3, 2026 9:12 PM", "2026-12-03T21:12:00Z" },
	{ "Thursday, December 3, 2026 12:05 AM", "2026-12-03T00:05:00Z" },
	{ "Thursday, 3 December 2026 09:12", "2026-12-03T09:12:00Z" },
	{ "Thu, 3 Dec 2026 at 09:12", "2026-12-03T09:12:00Z" },
	{ "Thu, Dec 3, 2026 at 9:12 a.m.", "2026-12-03T09:12:00Z" },
	{ "3 December 2026 at 09:12:00 GMT", "2026-12-03T09:12:00Z" },
	{ "03/12/2026 09:12", "2026-12-03T09:12:00Z" },
	{ "03/12/2026 09:12 (GMT+00:00)", "2026-12-03T09:12:00Z" },
	{ "3/12/26 09:12", "2026-12-03T09:12:00Z" },
	{ "2026-12-03 09:12", "2026-12-03T09:12:00Z" },
	/* London summer time when no zone is given */
	{ "Thursday, July 2, 2026 9:12 AM", "2026-07-02T08:12:00Z" },
	{ "2 July 2026 09:12 BST", "2026-07-02T08:12:00Z" },
	{ "2 July 2026 09:12 GMT", "2026-07-02T09:12:00Z" },
	/* the changes of 2026: 29 March and 25 October, 01:00 UTC */
	{ "29 March 2026 00:59", "2026-03-29T00:59:00Z" },
	{ "29 March 2026 02:00", "2026-03-29T01:00:00Z" },
	{ "25 October 2026 00:30", "2026-10-24T23:30:00Z" },
	{ "25 October 2026 02:00", "2026-10-25T02:00:00Z" },
	/* month first only when the day cannot be a month, or the weekday says */
	{ "12/13/2026 09:12", "2026-12-13T09:12:00Z" },
	{ "Wed 12/2/2026 09:12", "2026-12-02T09:12:00Z" },
	{ "Thu 12/3/2026 09:12", "2026-03-12T09:12:00Z" },
	/* Welsh */
	{ "Dydd Iau, 3 Rhagfyr 2026 09:12", "2026-12-03T09:12:00Z" },
	{ "Iau, 3 Rhag 2026 am 09:12", "2026-12-03T09:12:00Z" },
	{ "Dydd Mawrth, 3 Mawrth 2026 09:12", "2026-03-03T09:12:00Z" },
	{ "Maw, 3 Maw 2026 am 09:12", "2026-03-03T09:12:00Z" },
	{ "3 Mawrth 2026 09:12 yh", "2026-03-03T21:12:00Z" },
	/* not understood: 0 rather than a guess */
	{ "Friday, December 3, 2026 9:12 AM", NULL },  /* 3 Dec is a Thursday */
	{ "3 December 2026", NULL },                   /* no time */
	{ "December 2026 09:12", NULL },               /* no day */
	{ "31 November 2026 09:12", NULL },
	{ "3 Dec 2026 25:00", NULL },
	{ "3 Dec 2026 13:12 PM", NULL },
	{ "3 Dec 2026 09:12 Pacific Time", NULL },
	{ "3 Dec 2026 4 Dec 2026 09:12", NULL },
	{ "jeu. 3 déc. 2026 à 09:12", NULL },
	{ "yesterday", NULL },
	{ "", NULL },
	{ "99/99/9999 99:99", NULL },
};

static void
test_dates(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(date_cases); i++) {
		g_autofree char *got = iso_of(_rd_written_date_parse(date_cases[i].in));
		if (g_strcmp0(got, date_cases[i].want) != 0)
			g_test_message("date '%s': got %s", date_cases[i].in, got != NULL ? got : "0");
		g_assert_cmpstr(got, ==, date_cases[i].want);
	}
	g_assert_cmpint(_rd_written_date_parse(NULL), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_parsers_init();
	for (guint i = 0; i < G_N_ELEMENTS(relay_cases); i++) {
		g_autofree char *path = g_strconcat("/relay/text/", relay_cases[i].file, NULL);
		g_test_add_data_func(path, &relay_cases[i], test_relay_fixture);
	}
	g_test_add_func("/relay/rules", test_relay_rules);
	for (guint i = 0; i < G_N_ELEMENTS(forward_cases); i++) {
		g_autofree char *path = g_strconcat("/relay/forward/", forward_cases[i].file, NULL);
		g_test_add_data_func(path, &forward_cases[i], test_forward_fixture);
	}
	g_test_add_func("/relay/forward/not-forwards", test_not_forwards);
	g_test_add_func("/relay/forward/details", test_forward_details);
	g_test_add_func("/relay/dates", test_dates);
	return g_test_run();
}
