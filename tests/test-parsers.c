/*
 * test-parsers.c — rd_message_parse() and its building blocks
 * (parsers/message.c, address.c, body.c, charset.c, html.c).
 *
 * Table-driven where the cases are alike: charsets, addresses, HTML → text,
 * line-end variants, limits. Fixtures are small hand-written .eml files in
 * tests/fixtures/parsers/ or inline strings. The last test parses every
 * file of the shared corpus (RD_CORPUS, or ../shared/corpus beside the
 * project) and checks that nothing crashes and every string is UTF-8;
 * it skips when the corpus is absent.
 */
#include <string.h>

#include "parsers-private.h"

static RdMessage *
parse_str(const char *s)
{
	return rd_message_parse(s, strlen(s), 1000, NULL);
}

static RdMessage *
parse_fixture(const char *name)
{
	g_autofree char *path = g_build_filename(RD_SRCDIR, "tests", "fixtures",
	                                         "parsers", name, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	g_file_get_contents(path, &data, &len, &err);
	g_assert_no_error(err);
	return rd_message_parse(data, len, 1000, NULL);
}

static void
assert_utf8(const char *what, const char *s)
{
	if (s == NULL)
		return;
	if (!g_utf8_validate(s, -1, NULL))
		g_error("%s is not valid UTF-8", what);
}

/* Every string field of @m is valid UTF-8 and the always-set ones are set. */
static void
assert_all_utf8(const RdMessage *m)
{
	g_assert_nonnull(m);
	g_assert_nonnull(m->raw_sha256);
	/* Worked out at parse time only for a message without a Message-ID,
	 * the one kind the store looks up by it. */
	if (m->message_id == NULL)
		g_assert_nonnull(m->content_hash);
	else
		g_assert_null(m->content_hash);
	g_assert_nonnull(m->text);
	g_assert_nonnull(m->new_text);
	assert_utf8("message_id", m->message_id);
	assert_utf8("in_reply_to", m->in_reply_to);
	assert_utf8("subject", m->subject);
	assert_utf8("return_path", m->return_path);
	assert_utf8("content_language", m->content_language);
	assert_utf8("selftest", m->selftest);
	assert_utf8("text", m->text);
	assert_utf8("new_text", m->new_text);
	assert_utf8("auto_reason", m->auto_reason);
	assert_utf8("bounced_message_id", m->bounced_message_id);
	assert_utf8("bounced_recipient", m->bounced_recipient);
	assert_utf8("bounce_status", m->bounce_status);
	assert_utf8("problem_detail", m->problem_detail);
	if (m->from != NULL) {
		assert_utf8("from.email", m->from->email);
		assert_utf8("from.name", m->from->name);
	}
	if (m->reply_to != NULL) {
		assert_utf8("reply_to.email", m->reply_to->email);
		assert_utf8("reply_to.name", m->reply_to->name);
	}
	GPtrArray *lists[] = { m->to, m->cc };
	for (guint l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; i < lists[l]->len; i++) {
			RdAddress *a = lists[l]->pdata[i];
			g_assert_nonnull(a->email);
			assert_utf8("address email", a->email);
			assert_utf8("address name", a->name);
		}
	GPtrArray *strs[] = { m->references, m->recipients, m->auth_results, m->case_refs };
	for (guint l = 0; l < G_N_ELEMENTS(strs); l++)
		for (guint i = 0; i < strs[l]->len; i++)
			assert_utf8("list item", strs[l]->pdata[i]);
	for (guint i = 0; i < m->attachments->len; i++) {
		RdAttachment *a = m->attachments->pdata[i];
		assert_utf8("attachment filename", a->filename);
		assert_utf8("attachment content_type", a->content_type);
		g_assert_nonnull(a->sha256);
		g_assert_cmpuint(strlen(a->sha256), ==, 64);
	}
}

static char *
sha256_of(const char *s, gssize len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) s,
	                                   len < 0 ? strlen(s) : (gsize) len);
}

/* ---- strings and enums ------------------------------------------------ */

static void
test_to_string(void)
{
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_NONE), ==, "none");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_EMPTY), ==, "empty");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_TOO_LARGE), ==, "too-large");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_NO_HEADERS), ==, "no-headers");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_TOO_DEEP), ==, "too-deep");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_TOO_MANY_PARTS), ==, "too-many-parts");
	g_assert_cmpstr(rd_parse_problem_to_string(RD_PROBLEM_HEADER_TOO_LONG), ==, "header-too-long");
	g_assert_cmpstr(rd_auto_kind_to_string(RD_AUTO_NONE), ==, "human");
	g_assert_cmpstr(rd_auto_kind_to_string(RD_AUTO_REPLY), ==, "auto-reply");
	g_assert_cmpstr(rd_auto_kind_to_string(RD_AUTO_GENERATED), ==, "auto-generated");
	g_assert_cmpstr(rd_auto_kind_to_string(RD_AUTO_BULK), ==, "bulk");
	g_assert_cmpstr(rd_auto_kind_to_string(RD_AUTO_BOUNCE), ==, "bounce");

	g_assert_true(rd_parse_problem_is_fatal(RD_PROBLEM_EMPTY));
	g_assert_true(rd_parse_problem_is_fatal(RD_PROBLEM_TOO_LARGE));
	g_assert_true(rd_parse_problem_is_fatal(RD_PROBLEM_NO_HEADERS));
	g_assert_false(rd_parse_problem_is_fatal(RD_PROBLEM_NONE));
	g_assert_false(rd_parse_problem_is_fatal(RD_PROBLEM_TOO_DEEP));
	g_assert_false(rd_parse_problem_is_fatal(RD_PROBLEM_TOO_MANY_PARTS));
	g_assert_false(rd_parse_problem_is_fatal(RD_PROBLEM_HEADER_TOO_LONG));

	RdParseOptions o;
	rd_parse_options_init(&o);
	g_assert_cmpuint(o.max_size, ==, 50 * 1024 * 1024);
	g_assert_cmpuint(o.max_depth, ==, 20);
	g_assert_cmpuint(o.max_parts, ==, 1000);
	g_assert_cmpuint(o.max_header_len, ==, 64 * 1024);
	g_assert_cmpstr(o.ref_prefix, ==, "CMP");
}

/* ---- headers ------------------------------------------------------------ */

static void
test_headers(void)
{
	g_autoptr(RdMessage) m = parse_fixture("headers.eml");
	assert_all_utf8(m);
	g_assert_cmpint(m->problem, ==, RD_PROBLEM_NONE);
	g_assert_null(m->problem_detail);

	g_assert_cmpstr(m->message_id, ==, "abc.123@Example.ORG");
	g_assert_cmpstr(m->in_reply_to, ==, "first@council.gov.uk");
	g_assert_cmpuint(m->references->len, ==, 3);
	g_assert_cmpstr(m->references->pdata[0], ==, "root@council.gov.uk");
	g_assert_cmpstr(m->references->pdata[1], ==, "middle@council.gov.uk");
	g_assert_cmpstr(m->references->pdata[2], ==, "first@council.gov.uk");
	g_assert_cmpstr(m->subject, ==, "Re: Bin collection \u2013 CMP-2026-000123");

	g_assert_nonnull(m->from);
	g_assert_cmpstr(m->from->email, ==, "renee.smith@example.org");
	g_assert_cmpstr(m->from->name, ==, "Ren\u00e9e Smith");
	g_assert_nonnull(m->reply_to);
	g_assert_cmpstr(m->reply_to->email, ==, "rs@example.org");
	g_assert_cmpstr(m->reply_to->name, ==, "Smith, Renee");

	static const struct { const char *email, *name; } to[] = {
		{ "complaints@council.gov.uk", "Complaints Team" },
		{ "other@council.gov.uk", NULL },
		{ "alice@a.example", NULL },
		{ "bob@b.example", "Bob B" },
	};
	g_assert_cmpuint(m->to->len, ==, G_N_ELEMENTS(to));
	for (guint i = 0; i < G_N_ELEMENTS(to); i++) {
		RdAddress *a = m->to->pdata[i];
		g_assert_cmpstr(a->email, ==, to[i].email);
		g_assert_cmpstr(a->name, ==, to[i].name);
	}
	g_assert_cmpuint(m->cc->len, ==, 1);
	g_assert_cmpstr(((RdAddress *) m->cc->pdata[0])->email, ==, "cllr.jones@council.gov.uk");
	g_assert_cmpstr(((RdAddress *) m->cc->pdata[0])->name, ==, "Councillor Jones");

	/* header order, deduplicated: Delivered-To, X-Original-To (same as
	 * the first To), To, Cc, Bcc */
	static const char *const rcpts[] = {
		"complaints+cmp-2026-000123-k3j9@council.gov.uk",
		"complaints@council.gov.uk", "other@council.gov.uk",
		"alice@a.example", "bob@b.example", "cllr.jones@council.gov.uk",
		"hidden@council.gov.uk",
	};
	g_assert_cmpuint(m->recipients->len, ==, G_N_ELEMENTS(rcpts));
	for (guint i = 0; i < G_N_ELEMENTS(rcpts); i++)
		g_assert_cmpstr(m->recipients->pdata[i], ==, rcpts[i]);

	g_assert_cmpstr(m->return_path, ==, "bounce+token@example.org");
	g_assert_true(m->date_from_header);
	g_assert_cmpint(m->date, ==, 1772531940);  /* 2026-03-03 09:59:00Z */
	g_assert_cmpstr(m->content_language, ==, "en-gb");
	g_assert_cmpuint(m->auth_results->len, ==, 2);
	g_assert_cmpstr(m->auth_results->pdata[0], ==,
	                "mx.council.gov.uk; spf=pass smtp.mailfrom=example.org");
	g_assert_cmpstr(m->auth_results->pdata[1], ==,
	                "mx.council.gov.uk; dkim=pass header.d=example.org");

	g_assert_false(m->text_from_html);
	g_assert_true(g_str_has_prefix(m->text, "Thank you \u2013 the bins"));
	g_assert_nonnull(strstr(m->text, "> Your reference is CMP-2026-000999."));
	g_assert_null(strstr(m->new_text, "CMP-2026-000999"));
	g_assert_cmpuint(m->attachments->len, ==, 0);

	/* subject first, then the quoted text */
	g_assert_cmpuint(m->case_refs->len, ==, 2);
	g_assert_cmpstr(m->case_refs->pdata[0], ==, "CMP-2026-000123");
	g_assert_cmpstr(m->case_refs->pdata[1], ==, "CMP-2026-000999");

	g_assert_cmpint(m->auto_kind, ==, RD_AUTO_NONE);
	g_assert_cmpuint(m->size, >, 0);
	g_assert_cmpuint(strlen(m->raw_sha256), ==, 64);
}

typedef struct {
	const char *name;
	const char *headers;
	const char *date_hdr;
	gboolean from_header;
	gint64 want;
} DateCase;

static void
test_date(void)
{
	static const DateCase cases[] = {
		{ "rfc5322", "Date: Tue, 3 Mar 2026 09:59:00 +0000\n", NULL, TRUE, 1772531940 },
		{ "offset", "Date: Tue, 3 Mar 2026 10:59:00 +0100\n", NULL, TRUE, 1772531940 },
		{ "missing", "", NULL, FALSE, 1000 },
		{ "garbage", "Date: not a date at all\n", NULL, FALSE, 1000 },
		{ "empty", "Date:\n", NULL, FALSE, 1000 },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = g_strdup_printf("From: a@example.org\n%sSubject: d\n\nbody\n",
		                                     cases[i].headers);
		g_autoptr(RdMessage) m = parse_str(s);
		g_test_message("date case %s", cases[i].name);
		g_assert_cmpint(m->date_from_header, ==, cases[i].from_header);
		g_assert_cmpint(m->date, ==, cases[i].want);
	}
}

typedef struct {
	const char *value;
	const char *emails[4];
	const char *names[4];
} AddrCase;

static void
test_addresses(void)
{
	static const AddrCase cases[] = {
		{ "John.Smith@EXAMPLE.org", { "john.smith@example.org" }, { NULL } },
		{ "<JS@Example.ORG>", { "js@example.org" }, { NULL } },
		{ "\"Smith, John\" <JS@example.org>", { "js@example.org" }, { "Smith, John" } },
		{ "=?UTF-8?B?w4lsb2RpZQ==?= <e@example.org>", { "e@example.org" }, { "\u00c9lodie" } },
		{ "=?iso-8859-1?q?J=F6rg?= <j@example.org>, k@example.org",
		  { "j@example.org", "k@example.org" }, { "J\u00f6rg", NULL } },
		{ "js@example.org (John Smith)", { "js@example.org" }, { "John Smith" } },
		{ "undisclosed-recipients:;", { NULL }, { NULL } },
		{ "a@x.example; b@y.example", { "a@x.example", "b@y.example" }, { NULL, NULL } },
		{ "John Smith john@x.example", { "john@x.example" }, { NULL } },
		{ "\"broken <a@x.example>", { "a@x.example" }, { "broken" } },
		{ "", { NULL }, { NULL } },
		/* raw 8-bit display name (windows-1252) */
		{ "J\xf6rg <j@example.org>", { "j@example.org" }, { "J\u00f6rg" } },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = g_strdup_printf("From: x@example.org\nTo: %s\nSubject: a\n\nb\n",
		                                     cases[i].value);
		g_autoptr(RdMessage) m = parse_str(s);
		assert_all_utf8(m);
		g_test_message("address case %u", i);
		guint n = 0;
		while (n < 4 && cases[i].emails[n] != NULL)
			n++;
		g_assert_cmpuint(m->to->len, ==, n);
		for (guint k = 0; k < n; k++) {
			RdAddress *a = m->to->pdata[k];
			g_assert_cmpstr(a->email, ==, cases[i].emails[k]);
			g_assert_cmpstr(a->name, ==, cases[i].names[k]);
		}
	}
}

static void
test_return_path(void)
{
	static const struct { const char *hdr; const char *want; } cases[] = {
		{ "Return-Path: <>\n", "" },
		{ "Return-Path: < >\n", "" },
		{ "Return-Path: <Bounces@Lists.Example>\n", "bounces@lists.example" },
		{ "Return-Path: bare@example.org\n", "bare@example.org" },
		{ "", NULL },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = g_strdup_printf("%sFrom: a@example.org\nSubject: r\n\nx\n",
		                                     cases[i].hdr);
		g_autoptr(RdMessage) m = parse_str(s);
		g_assert_cmpstr(m->return_path, ==, cases[i].want);
	}
}

/* X-Redress-Selftest: the first one, folding and spaces collapsed. */
static void
test_selftest_header(void)
{
	static const struct { const char *hdr; const char *want; } cases[] = {
		{ "X-Redress-Selftest: cmp-0000-004211-k3j9m2qa\n", "cmp-0000-004211-k3j9m2qa" },
		{ "x-redress-selftest:   cmp-0000-004211-k3j9m2qa  \n", "cmp-0000-004211-k3j9m2qa" },
		{ "X-Redress-Selftest: first\nX-Redress-Selftest: second\n", "first" },
		{ "X-Redress-Selftest:\n", NULL },
		{ "X-Redress-Selftests: not-this-one\n", NULL },
		{ "", NULL },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = g_strdup_printf("%sFrom: a@example.org\nSubject: r\n\nx\n",
		                                     cases[i].hdr);
		g_autoptr(RdMessage) m = parse_str(s);
		g_assert_cmpstr(m->selftest, ==, cases[i].want);
	}
}

static void
test_message_ids(void)
{
	g_autoptr(RdMessage) m = parse_str(
		"Message-ID: no-brackets@example.org\n"
		"In-Reply-To: Your message of Monday <x1@example.org>\n"
		"References: <a@example.org> <b@example.org> <a@example.org>\n"
		"From: a@example.org\n\nbody\n");
	g_assert_cmpstr(m->message_id, ==, "no-brackets@example.org");
	g_assert_cmpstr(m->in_reply_to, ==, "x1@example.org");
	g_assert_cmpuint(m->references->len, ==, 3);
	g_assert_cmpstr(m->references->pdata[0], ==, "a@example.org");
	g_assert_cmpstr(m->references->pdata[1], ==, "b@example.org");
	g_assert_cmpstr(m->references->pdata[2], ==, "x1@example.org");

	g_autoptr(RdMessage) n = parse_str("From: a@example.org\nSubject: none\n\nbody\n");
	g_assert_null(n->message_id);
	g_assert_null(n->in_reply_to);
	g_assert_cmpuint(n->references->len, ==, 0);
	g_assert_null(n->reply_to);
	g_assert_null(n->content_language);
	g_assert_cmpuint(n->auth_results->len, ==, 0);

	/* in_reply_to already in References is not repeated */
	g_autoptr(RdMessage) o = parse_str(
		"In-Reply-To: <b@example.org>\n"
		"References: <a@example.org> <b@example.org>\n"
		"From: a@example.org\n\nbody\n");
	g_assert_cmpuint(o->references->len, ==, 2);

	/* Fuzz findings: a '>' without its '<' is not part of the id, and
	 * blanks inside one (folding, or a broken mailer) are dropped, as
	 * References are stored joined by spaces. */
	g_autoptr(RdMessage) p = parse_str(
		"Message-ID: <87d.fs is not\n an id@example.net>\n"
		"In-Reply-To: orig-1@council.example>\n"
		"References: <a@b> <c\n d@council.example> <>\n"
		"From: a@example.org\n\nbody\n");
	g_assert_cmpstr(p->message_id, ==, "87d.fsisnotanid@example.net");
	g_assert_cmpstr(p->in_reply_to, ==, "orig-1@council.example");
	g_assert_cmpuint(p->references->len, ==, 3);
	g_assert_cmpstr(p->references->pdata[0], ==, "a@b");
	g_assert_cmpstr(p->references->pdata[1], ==, "cd@council.example");
	g_assert_cmpstr(p->references->pdata[2], ==, "orig-1@council.example");
}

typedef struct {
	const char *hdr;   /* Subject header value as raw bytes */
	const char *want;
} SubjectCase;

static void
test_subject(void)
{
	static const SubjectCase cases[] = {
		{ "plain", "plain" },
		{ "=?utf-8?q?caf=C3=A9?=", "caf\u00e9" },
		{ "=?iso-8859-1?B?Y2Fm6Q==?=", "caf\u00e9" },
		{ "=?koi8-r?b?8NLJ18XU?=", "\u041f\u0440\u0438\u0432\u0435\u0442" },
		{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab" },
		{ "raw caf\xc3\xa9 utf-8", "raw caf\u00e9 utf-8" },
		{ "raw caf\xe9 latin-1", "raw caf\u00e9 latin-1" },
		{ "folded\n  line", "folded  line" },
		{ "=?bogus-charset?q?x=E9y?=", NULL },  /* just valid UTF-8 */
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = g_strdup_printf("From: a@example.org\nSubject: %s\n\nx\n",
		                                     cases[i].hdr);
		g_autoptr(RdMessage) m = parse_str(s);
		assert_all_utf8(m);
		g_assert_nonnull(m->subject);
		if (cases[i].want != NULL)
			g_assert_cmpstr(m->subject, ==, cases[i].want);
	}
}

/* ---- charsets ------------------------------------------------------------ */

typedef struct {
	const char *charset;   /* NULL: no charset parameter */
	const char *bytes;
	const char *want;
} CharsetCase;

static const CharsetCase charset_cases[] = {
	{ "iso-8859-1", "caf\xe9", "caf\u00e9" },
	/* windows-1252 quotes and euro labelled as latin-1 */
	{ "iso-8859-1", "\x93quoted\x94 \x80" "5", "\u201cquoted\u201d \u20ac5" },
	{ "us-ascii", "\x93hi\x94", "\u201chi\u201d" },
	/* UTF-8 labelled as latin-1 or ascii */
	{ "iso-8859-1", "caf\xc3\xa9", "caf\u00e9" },
	{ "us-ascii", "caf\xc3\xa9", "caf\u00e9" },
	{ "windows-1252", "\x96 dash", "\u2013 dash" },
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "\u041f\u0440\u0438\u0432\u0435\u0442" },
	{ "utf-7", "Hi Mom -+Jjo--!", "Hi Mom -\u263a-!" },
	{ "iso-2022-jp", "\x1b$B$3$s$K$A$O\x1b(B", "\u3053\u3093\u306b\u3061\u306f" },
	{ "iso-8859-15", "\xa4", "\u20ac" },
	{ NULL, "caf\xe9", "caf\u00e9" },
	{ NULL, "caf\xc3\xa9", "caf\u00e9" },
	/* UTF-8 label, a pasted windows-1252 byte among valid UTF-8 */
	{ "utf-8", "caf\xc3\xa9 \x93x\x94", "caf\u00e9 \u201cx\u201d" },
	{ "x-unknown-charset", "caf\xe9", "caf\u00e9" },
	{ "\"utf-8\"", "caf\xc3\xa9", "caf\u00e9" },
	/* undefined windows-1252 bytes still give valid UTF-8 */
	{ "windows-1252", "a\x81\x8d\x8f\x90\x9d" "b", NULL },
	{ "utf-8", "\xff\xfe\xfd", NULL },
	{ "shift_jis", "\x82\xa0\xff", NULL },
};

static void
test_charsets_direct(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(charset_cases); i++) {
		const CharsetCase *c = &charset_cases[i];
		g_autofree char *out = rd_to_utf8(c->bytes, strlen(c->bytes), c->charset);
		g_test_message("charset case %u (%s)", i, c->charset ? c->charset : "none");
		g_assert_true(g_utf8_validate(out, -1, NULL));
		if (c->want != NULL)
			g_assert_cmpstr(out, ==, c->want);
	}
	/* NUL bytes are dropped, never cut the string */
	g_autofree char *nul = rd_to_utf8("a\0b", 3, NULL);
	g_assert_cmpstr(nul, ==, "ab");
	g_autofree char *empty = rd_to_utf8(NULL, 0, "utf-8");
	g_assert_cmpstr(empty, ==, "");
	g_autofree char *u16 = rd_to_utf8("h\0i\0", 4, "utf-16le");
	g_assert_cmpstr(u16, ==, "hi");
}

static void
test_charsets_in_message(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(charset_cases); i++) {
		const CharsetCase *c = &charset_cases[i];
		g_autofree char *ct = c->charset != NULL
			? g_strdup_printf("Content-Type: text/plain; charset=%s\n", c->charset)
			: g_strdup("Content-Type: text/plain\n");
		g_autofree char *s = g_strdup_printf("From: a@example.org\nSubject: cs\n"
		                                     "MIME-Version: 1.0\n%s"
		                                     "Content-Transfer-Encoding: 8bit\n\n%s\n",
		                                     ct, c->bytes);
		g_autoptr(RdMessage) m = parse_str(s);
		assert_all_utf8(m);
		if (c->want != NULL) {
			g_autofree char *want = g_strconcat(c->want, "\n", NULL);
			g_assert_cmpstr(m->text, ==, want);
		}
	}
}

/* ---- body ------------------------------------------------------------- */

static void
test_alternative_prefers_plain(void)
{
	g_autoptr(RdMessage) m = parse_fixture("alternative.eml");
	assert_all_utf8(m);
	g_assert_cmpstr(m->text, ==, "Plain version");
	g_assert_false(m->text_from_html);
	g_assert_cmpuint(m->attachments->len, ==, 1);
	RdAttachment *a = m->attachments->pdata[0];
	g_assert_null(a->filename);
	g_assert_cmpstr(a->content_type, ==, "image/png");
	g_assert_cmpuint(a->size, ==, strlen("hello image"));
	g_autofree char *want = sha256_of("hello image", -1);
	g_assert_cmpstr(a->sha256, ==, want);
	g_assert_false(a->is_tnef);
}

static void
test_html_only(void)
{
	g_autoptr(RdMessage) m = parse_fixture("html-only.eml");
	assert_all_utf8(m);
	g_assert_true(m->text_from_html);
	g_assert_cmpstr(m->text, ==,
	                "Dear Sir,\n\n"
	                "The \u201cpothole\u201d is \u00a350 deep now.\n"
	                "Still there.\n\n"
	                "- one\n- two\n\n"
	                "> old text\n> more");
	g_assert_cmpstr(m->new_text, ==,
	                "Dear Sir,\n\nThe \u201cpothole\u201d is \u00a350 deep now.\n"
	                "Still there.\n\n- one\n- two");
	g_assert_cmpuint(m->attachments->len, ==, 0);

	/* An empty HTML part is an empty text; its charset sniffer once did
	 * NULL + 0 on it (a fuzz finding, undefined behaviour). */
	g_autoptr(RdMessage) e = parse_str("From: a@example.org\nContent-Type: text/html\n\n");
	g_assert_cmpstr(e->text, ==, "");
	g_assert_cmpint(e->problem, ==, RD_PROBLEM_NONE);
}

static void
test_attachments(void)
{
	g_autoptr(RdMessage) m = parse_fixture("attachments.eml");
	assert_all_utf8(m);
	g_assert_cmpint(m->problem, ==, RD_PROBLEM_NONE);
	g_assert_cmpstr(m->text, ==, "See attached.");
	/* the attached message's text and reference are not ours */
	g_assert_null(strstr(m->text, "Inner body"));
	g_assert_cmpuint(m->case_refs->len, ==, 0);

	g_assert_cmpuint(m->attachments->len, ==, 4);
	RdAttachment *pdf = m->attachments->pdata[0];
	g_assert_cmpstr(pdf->filename, ==, "Report \u2013 March.pdf");
	g_assert_cmpstr(pdf->content_type, ==, "application/pdf");
	g_assert_cmpuint(pdf->size, ==, 17);
	g_autofree char *want = sha256_of("hello attachment\n", -1);
	g_assert_cmpstr(pdf->sha256, ==, want);
	g_assert_false(pdf->is_tnef);

	RdAttachment *txt = m->attachments->pdata[1];
	g_assert_cmpstr(txt->filename, ==, "caf\u00e9 notes.txt");
	g_assert_cmpstr(txt->content_type, ==, "text/plain");
	g_assert_cmpuint(txt->size, ==, 5);
	g_autofree char *want_txt = sha256_of("notes", -1);
	g_assert_cmpstr(txt->sha256, ==, want_txt);

	RdAttachment *tnef = m->attachments->pdata[2];
	g_assert_cmpstr(tnef->filename, ==, "winmail.dat");
	g_assert_cmpstr(tnef->content_type, ==, "application/ms-tnef");
	g_assert_true(tnef->is_tnef);
	g_assert_cmpuint(tnef->size, ==, 7);

	RdAttachment *inner = m->attachments->pdata[3];
	g_assert_cmpstr(inner->filename, ==, "Inner message");
	g_assert_cmpstr(inner->content_type, ==, "message/rfc822");
	g_assert_cmpuint(inner->size, >, 50);
}

static void
test_transfer_encodings(void)
{
	g_autoptr(RdMessage) b64 = parse_str(
		"From: a@example.org\nContent-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: base64\n\n"
		"TGluZSBvbmUNCkxpbmUgdHdvIOKAkyBkb25lDQo=\n");
	g_assert_cmpstr(b64->text, ==, "Line one\nLine two \u2013 done\n");

	g_autoptr(RdMessage) qp = parse_str(
		"From: a@example.org\nContent-Type: text/plain; charset=iso-8859-1\n"
		"Content-Transfer-Encoding: quoted-printable\n\n"
		"caf=E9 soft=\n break\n");
	g_assert_cmpstr(qp->text, ==, "caf\u00e9 soft break\n");

	/* no MIME at all: 8-bit body, no charset */
	g_autoptr(RdMessage) raw = parse_str("From: a@example.org\n\nna\xefve\n");
	g_assert_cmpstr(raw->text, ==, "na\u00efve\n");

	/* a plain part with only an attachment beside it */
	g_autoptr(RdMessage) only_att = parse_str(
		"From: a@example.org\nContent-Type: application/pdf\n"
		"Content-Transfer-Encoding: base64\n\naGk=\n");
	g_assert_cmpstr(only_att->text, ==, "");
	g_assert_cmpuint(only_att->attachments->len, ==, 1);
	g_assert_cmpuint(((RdAttachment *) only_att->attachments->pdata[0])->size, ==, 2);
}

static void
test_report_parts(void)
{
	g_autoptr(RdMessage) m = parse_str(
		"From: MAILER-DAEMON@mx.example.org\nTo: complaints@council.gov.uk\n"
		"Subject: Undelivered Mail\nMIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n"
		"--r\nContent-Type: text/plain\n\nThe mail could not be delivered.\n"
		"--r\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; x@example.net\n"
		"Action: failed\nStatus: 5.1.1\n"
		"--r\nContent-Type: text/rfc822-headers\n\n"
		"Message-ID: <ack-1@council.gov.uk>\nSubject: Your complaint\n"
		"--r--\n");
	assert_all_utf8(m);
	g_assert_cmpstr(m->text, ==, "The mail could not be delivered.");
	g_assert_cmpuint(m->attachments->len, ==, 2);
	g_assert_cmpstr(((RdAttachment *) m->attachments->pdata[0])->content_type, ==,
	                "message/delivery-status");
	g_assert_cmpstr(((RdAttachment *) m->attachments->pdata[1])->content_type, ==,
	                "text/rfc822-headers");
	g_assert_cmpint(m->problem, ==, RD_PROBLEM_NONE);
}

/* ---- bad input and line ends ------------------------------------------ */

static void
test_empty_and_garbage(void)
{
	g_autoptr(RdMessage) e = rd_message_parse("", 0, 5, NULL);
	assert_all_utf8(e);
	g_assert_cmpint(e->problem, ==, RD_PROBLEM_EMPTY);
	g_assert_nonnull(e->problem_detail);
	g_assert_cmpstr(e->text, ==, "");
	g_assert_cmpint(e->date, ==, 5);
	g_assert_false(e->date_from_header);

	g_autoptr(RdMessage) n = rd_message_parse(NULL, 10, 5, NULL);
	g_assert_cmpint(n->problem, ==, RD_PROBLEM_EMPTY);

	g_autoptr(RdMessage) ws = parse_str(" \r\n\t\n\n");
	g_assert_cmpint(ws->problem, ==, RD_PROBLEM_EMPTY);
	g_assert_cmpuint(ws->size, ==, 6);

	/* random bytes: any outcome but a crash, all UTF-8 */
	GRand *r = g_rand_new_with_seed(42);
	for (guint round = 0; round < 200; round++) {
		gsize len = g_rand_int_range(r, 1, 2000);
		g_autofree char *buf = g_malloc(len);
		for (gsize i = 0; i < len; i++)
			buf[i] = (char) g_rand_int_range(r, 0, 256);
		/* every other round, make it look like a message */
		if (round % 2 == 0 && len > 20)
			memcpy(buf, "Subject: x\nContent-", 19);
		g_autoptr(RdMessage) m = rd_message_parse(buf, len, 1, NULL);
		assert_all_utf8(m);
		g_assert_cmpuint(m->size, ==, len);
	}
	g_rand_free(r);
}

static void
test_no_headers(void)
{
	const char *s = "Hello council,\r\nmy bins CMP-2026-000042 caf\xe9\r\n";
	g_autoptr(RdMessage) m = rd_message_parse(s, strlen(s), 77, NULL);
	assert_all_utf8(m);
	g_assert_cmpint(m->problem, ==, RD_PROBLEM_NO_HEADERS);
	g_assert_true(rd_parse_problem_is_fatal(m->problem));
	g_assert_cmpstr(m->text, ==, "Hello council,\nmy bins CMP-2026-000042 caf\u00e9\n");
	g_autofree char *sha = sha256_of(s, -1);
	g_assert_cmpstr(m->raw_sha256, ==, sha);
	g_assert_cmpuint(m->size, ==, strlen(s));
	g_assert_cmpuint(strlen(m->content_hash), ==, 64);
	g_assert_cmpint(m->date, ==, 77);
	g_assert_cmpuint(m->case_refs->len, ==, 1);
}

typedef struct {
	const char *name;
	const char *bytes;
} VariantCase;

/* The same small message in the shapes real mailboxes hand us. */
static void
test_line_end_variants(void)
{
	static const VariantCase cases[] = {
		{ "lf", "From: A <a@example.org>\nSubject: Hi there\nMessage-ID: <v@x>\n\nLine 1\nLine 2\n" },
		{ "crlf", "From: A <a@example.org>\r\nSubject: Hi there\r\nMessage-ID: <v@x>\r\n\r\nLine 1\r\nLine 2\r\n" },
		{ "cr", "From: A <a@example.org>\rSubject: Hi there\rMessage-ID: <v@x>\r\rLine 1\rLine 2\r" },
		{ "leading spaces", "     \nFrom: A <a@example.org>\nSubject: Hi there\nMessage-ID: <v@x>\n\nLine 1\nLine 2\n" },
		{ "leading blank lines", "\r\n\r\nFrom: A <a@example.org>\r\nSubject: Hi there\r\nMessage-ID: <v@x>\r\n\r\nLine 1\r\nLine 2\r\n" },
		{ "mbox from line", "From a@example.org Tue Mar  3 10:00:00 2026\nFrom: A <a@example.org>\nSubject: Hi there\nMessage-ID: <v@x>\n\nLine 1\nLine 2\n" },
		{ "folded subject crlf", "From: A <a@example.org>\r\nSubject: Hi\r\n there\r\nMessage-ID: <v@x>\r\n\r\nLine 1\r\nLine 2\r\n" },
	};
	g_autofree char *hash0 = NULL;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("variant %s", cases[i].name);
		g_autoptr(RdMessage) m = parse_str(cases[i].bytes);
		assert_all_utf8(m);
		g_assert_cmpint(m->problem, ==, RD_PROBLEM_NONE);
		g_assert_cmpstr(m->subject, ==, "Hi there");
		g_assert_cmpstr(m->message_id, ==, "v@x");
		g_assert_nonnull(m->from);
		g_assert_cmpstr(m->from->email, ==, "a@example.org");
		g_assert_cmpstr(m->text, ==, "Line 1\nLine 2\n");
		/* line ends and leading junk do not change the content hash */
		if (i < 6) {
			g_autofree char *h = rd_message_content_hash(cases[i].bytes, strlen(cases[i].bytes));
			if (hash0 == NULL)
				hash0 = g_steal_pointer(&h);
			else
				g_assert_cmpstr(h, ==, hash0);
		}
	}
}

static void
test_content_hash(void)
{
	const char *core =
		"Message-ID: <same@example.org>\nFrom: a@example.org\n"
		"To: complaints@council.gov.uk, ceo@council.gov.uk\nSubject: s\n\nBody\n";
	g_autofree char *d1 = g_strconcat(
		"Return-Path: <a@example.org>\n"
		"Delivered-To: complaints@council.gov.uk\n"
		"Received: from mx1 by imap1;\n\tTue, 3 Mar 2026 10:00:01 +0000\n"
		"Authentication-Results: mx1; spf=pass\n", core, NULL);
	g_autofree char *d2 = g_strconcat(
		"Return-Path: <a@example.org>\r\n"
		"X-Original-To: ceo@council.gov.uk\r\n"
		"Delivered-To: ceo@council.gov.uk\r\n"
		"Received: from mx2 by imap1;\r\n Tue, 3 Mar 2026 10:00:02 +0000\r\n"
		"X-Spam-Status: No\r\nARC-Seal: i=1; a=rsa-sha256\r\n", core, NULL);
	g_autofree char *d3 = g_strdup(d1);
	d3[strlen(d3) - 2] = 'X';  /* "BodX" */

#define CH(text) rd_message_content_hash((text), strlen(text))
	g_autofree char *h1 = CH(d1), *h2 = CH(d2), *h3 = CH(d3), *h0 = CH(core);
	g_assert_cmpstr(h1, ==, h2);
	g_assert_cmpstr(h1, ==, h0);
	g_assert_cmpstr(h1, !=, h3);
	g_autoptr(RdMessage) m1 = parse_str(d1);
	g_autoptr(RdMessage) m2 = parse_str(d2);
	g_assert_cmpstr(m1->raw_sha256, !=, m2->raw_sha256);
	g_autofree char *core_sha = sha256_of(core, -1);
	g_assert_cmpstr(h0, ==, core_sha);
	/* With a Message-ID the parse leaves it to the store (NULL)... */
	g_assert_null(m1->content_hash);
	/* ...without one it is there, the same as worked out later. */
	const char *no_id = "Received: from mx1 by imap1; Tue, 3 Mar 2026 10:00:01 +0000\n"
	                    "From: a@example.org\nSubject: s\n\nBody\n";
	g_autoptr(RdMessage) m6 = parse_str(no_id);
	g_autofree char *h6 = CH(no_id), *h6core = CH("From: a@example.org\nSubject: s\n\nBody\n");
	g_assert_cmpstr(m6->content_hash, ==, h6);
	g_assert_cmpstr(h6, ==, h6core);
	/* Nothing but white space hashes as its bytes. */
	g_autofree char *hs = CH("  \n"), *ss = sha256_of("  \n", -1);
	g_assert_cmpstr(hs, ==, ss);

	/* a trace-like field after the first other field is content */
	g_autofree char *d4 = g_strconcat("Subject: s\nReceived: x\n", core, NULL);
	g_autofree char *d5 = g_strconcat("Subject: s\nReceived: y\n", core, NULL);
	g_autofree char *h4 = CH(d4), *h5 = CH(d5);
	g_assert_cmpstr(h4, !=, h5);
#undef CH
}

/* ---- limits ------------------------------------------------------------ */

static void
test_limits(void)
{
	RdParseOptions o;

	/* too large: headers only */
	rd_parse_options_init(&o);
	o.max_size = 60;
	const char *big = "From: a@example.org\nSubject: big one\n\n"
	                  "This body is longer than sixty bytes in total, surely.\n";
	g_autoptr(RdMessage) m1 = rd_message_parse(big, strlen(big), 1, &o);
	assert_all_utf8(m1);
	g_assert_cmpint(m1->problem, ==, RD_PROBLEM_TOO_LARGE);
	g_assert_cmpstr(m1->subject, ==, "big one");
	g_assert_cmpstr(m1->text, ==, "");
	g_assert_nonnull(m1->problem_detail);
	g_autoptr(RdMessage) m1b = rd_message_parse(big, strlen(big), 1, NULL);
	g_assert_cmpstr(m1->content_hash, ==, m1b->content_hash);

	/* too deep */
	rd_parse_options_init(&o);
	o.max_depth = 1;
	const char *deep =
		"From: a@example.org\nContent-Type: multipart/mixed; boundary=a\n\n"
		"--a\nContent-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\ntoo deep\n--b--\n"
		"--a\nContent-Type: text/plain\n\nshallow\n--a--\n";
	g_autoptr(RdMessage) m2 = rd_message_parse(deep, strlen(deep), 1, &o);
	g_assert_cmpint(m2->problem, ==, RD_PROBLEM_TOO_DEEP);
	g_assert_false(rd_parse_problem_is_fatal(m2->problem));
	g_assert_cmpstr(m2->text, ==, "shallow");
	g_autoptr(RdMessage) m2b = rd_message_parse(deep, strlen(deep), 1, NULL);
	g_assert_cmpint(m2b->problem, ==, RD_PROBLEM_NONE);
	g_assert_cmpstr(m2b->text, ==, "too deep");

	/* too many parts */
	rd_parse_options_init(&o);
	o.max_parts = 3;
	GString *many = g_string_new("From: a@example.org\nContent-Type: multipart/mixed; boundary=z\n\n");
	for (int i = 0; i < 6; i++)
		g_string_append_printf(many, "--z\nContent-Type: application/octet-stream\n\npart %d\n", i);
	g_string_append(many, "--z--\n");
	g_autoptr(RdMessage) m3 = rd_message_parse(many->str, many->len, 1, &o);
	g_assert_cmpint(m3->problem, ==, RD_PROBLEM_TOO_MANY_PARTS);
	g_assert_cmpuint(m3->attachments->len, ==, 2);  /* the multipart counts */
	g_string_free(many, TRUE);

	/* header too long */
	rd_parse_options_init(&o);
	o.max_header_len = 30;
	const char *longh = "From: a@example.org\n"
	                    "Subject: this subject is far longer than thirty bytes\n"
	                    "  and it goes on\nTo: b@example.org\n\nbody\n";
	g_autoptr(RdMessage) m4 = rd_message_parse(longh, strlen(longh), 1, &o);
	assert_all_utf8(m4);
	g_assert_cmpint(m4->problem, ==, RD_PROBLEM_HEADER_TOO_LONG);
	g_assert_cmpstr(m4->subject, ==, "this subject is far l");
	g_assert_cmpuint(m4->to->len, ==, 1);
	g_assert_cmpstr(m4->text, ==, "body\n");

	/* deep nesting at default limits: no crash, note recorded */
	GString *nest = g_string_new("From: a@example.org\n");
	for (int i = 0; i < 200; i++)
		g_string_append_printf(nest, "Content-Type: multipart/mixed; boundary=n%d\n\n--n%d\n", i, i);
	g_string_append(nest, "Content-Type: text/plain\n\nbottom\n");
	g_autoptr(RdMessage) m5 = rd_message_parse(nest->str, nest->len, 1, NULL);
	g_assert_cmpint(m5->problem, ==, RD_PROBLEM_TOO_DEEP);
	g_string_free(nest, TRUE);
}

/* ---- HTML → text --------------------------------------------------------- */

typedef struct {
	const char *html;
	const char *want;
} HtmlCase;

static void
test_html_to_text(void)
{
	static const HtmlCase cases[] = {
		{ "", "" },
		{ "plain words", "plain words" },
		{ "<p>one</p><p>two</p>", "one\n\ntwo" },
		{ "<div>a</div><div>b</div>", "a\nb" },
		{ "a<br>b<br><br>c", "a\nb\n\nc" },
		{ "<ul><li>x</li><li>y</li></ul>", "- x\n- y" },
		{ "<p>  lots   of\n\n  space  </p>", "lots of space" },
		{ "<b>bold</b> and <a href='http://x'>link</a>", "bold and link" },
		{ "&lt;tag&gt; &amp; &pound;5 &#8211; &eacute;", "<tag> & \u00a35 \u2013 \u00e9" },
		{ "<head><title>T</title><style>x{}</style></head><body>b<script>s()</script></body>", "b" },
		{ "<p>new</p><blockquote><p>old</p><p>older</p></blockquote>", "new\n\n> old\n>\n> older" },
		{ "<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n>\n> > b" },
		{ "<pre>  keep\n    this</pre>", "  keep\n    this" },
		{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc" },
		{ "<p>unclosed <div>tags", "unclosed\n\ntags" },
		{ "<!-- comment -->text", "text" },
		{ "caf\xc3\xa9", "caf\u00e9" },
		{ "<meta charset=\"iso-8859-1\">caf\xe9", "caf\u00e9" },
		{ "<html><body><div dir=\"ltr\">Hi<div><br></div><div>Thanks</div></div></body></html>", "Hi\n\nThanks" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = rd_html_to_text(cases[i].html, -1);
		g_test_message("html case %u", i);
		g_assert_true(g_utf8_validate(out, -1, NULL));
		g_assert_cmpstr(out, ==, cases[i].want);
	}
	g_autofree char *n = rd_html_to_text(NULL, 0);
	g_assert_cmpstr(n, ==, "");

	/* deep nesting must not exhaust the stack */
	GString *deep = g_string_new(NULL);
	for (int i = 0; i < 20000; i++)
		g_string_append(deep, "<div>");
	g_string_append(deep, "deep");
	g_autofree char *d = rd_html_to_text(deep->str, deep->len);
	g_assert_true(g_utf8_validate(d, -1, NULL));
	g_string_free(deep, TRUE);
}

/* ---- SHA-256 ----------------------------------------------------------- */

/* Every length around the block and padding edges, and split updates,
 * against GLib's implementation. */
static void
test_sha256(void)
{
	gsize n = 3000;
	g_autofree guint8 *buf = g_malloc(n);
	for (gsize i = 0; i < n; i++)
		buf[i] = (guint8) (i * 131 + 7);
	{
		for (gsize len = 0; len < n; len += (len < 200 ? 1 : 97)) {
			g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, len);
			g_autofree char *got = _rd_sha256_hex_data(buf, len);
			g_assert_cmpstr(got, ==, want);

			RdSha256 s;
			char hex[65];
			_rd_sha256_init(&s);
			gsize off = 0, step = 1;
			while (off < len) {
				gsize take = MIN(step, len - off);
				_rd_sha256_update(&s, buf + off, take);
				off += take;
				step = step * 3 + 1;
			}
			_rd_sha256_hex(&s, hex);
			g_assert_cmpstr(hex, ==, want);
		}
	}
	g_autofree char *abc = _rd_sha256_hex_data("abc", 3);
	g_assert_cmpstr(abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- the shared corpus --------------------------------------------------- */

static void
test_corpus(void)
{
	const char *env = g_getenv("RD_CORPUS");
	g_autofree char *dir = g_strdup(env != NULL ? env : RD_SRCDIR "/../shared/corpus");
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_test_skip("no corpus (set RD_CORPUS or put it at ../shared/corpus)");
		return;
	}
	guint files = 0;
	guint problems[RD_PROBLEM_HEADER_TOO_LONG + 1] = { 0 };
	guint kinds[RD_AUTO_BOUNCE + 1] = { 0 };
	g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(stack, g_strdup(dir));
	gint64 t0 = g_get_monotonic_time();
	while (stack->len > 0) {
		g_autofree char *d = g_ptr_array_steal_index(stack, stack->len - 1);
		g_autoptr(GDir) gd = g_dir_open(d, 0, NULL);
		if (gd == NULL)
			continue;
		for (const char *name = g_dir_read_name(gd); name != NULL;
		     name = g_dir_read_name(gd)) {
			g_autofree char *path = g_build_filename(d, name, NULL);
			if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
				continue;
			if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
				g_ptr_array_add(stack, g_steal_pointer(&path));
				continue;
			}
			g_autofree char *data = NULL;
			gsize len = 0;
			if (!g_file_get_contents(path, &data, &len, NULL))
				continue;
			g_autoptr(RdMessage) m = rd_message_parse(data, len, 1, NULL);
			assert_all_utf8(m);
			files++;
			problems[m->problem]++;
			kinds[m->auto_kind]++;
		}
	}
	gint64 us = g_get_monotonic_time() - t0;
	g_test_message("corpus: %u files in %.2f s", files, us / 1e6);
	for (guint p = 0; p < G_N_ELEMENTS(problems); p++)
		g_test_message("  problem %s: %u", rd_parse_problem_to_string(p), problems[p]);
	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++)
		g_test_message("  kind %s: %u", rd_auto_kind_to_string(k), kinds[k]);
	g_assert_cmpuint(files, >, 0);
}

/* ---- threads ---------------------------------------------------------- */

static gpointer
parse_many(gpointer data)
{
	static const char *const names[] = {
		"headers.eml", "alternative.eml", "html-only.eml", "attachments.eml",
	};
	g_autofree char *first = NULL;
	for (guint round = 0; round < 50; round++) {
		g_autoptr(RdMessage) m = parse_fixture(names[(round + GPOINTER_TO_UINT(data)) % 4]);
		assert_all_utf8(m);
		if (round == 0)
			first = g_strdup(m->raw_sha256);
	}
	return g_steal_pointer(&first);
}

/* Parsing is used from several threads at once (one per mailbox). */
static void
test_threads(void)
{
	GThread *t[4];
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("parse", parse_many, GUINT_TO_POINTER(i));
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		g_free(g_thread_join(t[i]));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_parsers_init();

	g_test_add_func("/parsers/to-string", test_to_string);
	g_test_add_func("/parsers/headers", test_headers);
	g_test_add_func("/parsers/date", test_date);
	g_test_add_func("/parsers/addresses", test_addresses);
	g_test_add_func("/parsers/return-path", test_return_path);
	g_test_add_func("/parsers/selftest-header", test_selftest_header);
	g_test_add_func("/parsers/message-ids", test_message_ids);
	g_test_add_func("/parsers/subject", test_subject);
	g_test_add_func("/parsers/charsets/direct", test_charsets_direct);
	g_test_add_func("/parsers/charsets/in-message", test_charsets_in_message);
	g_test_add_func("/parsers/body/alternative", test_alternative_prefers_plain);
	g_test_add_func("/parsers/body/html-only", test_html_only);
	g_test_add_func("/parsers/body/attachments", test_attachments);
	g_test_add_func("/parsers/body/transfer-encodings", test_transfer_encodings);
	g_test_add_func("/parsers/body/report", test_report_parts);
	g_test_add_func("/parsers/bad/empty-and-garbage", test_empty_and_garbage);
	g_test_add_func("/parsers/bad/no-headers", test_no_headers);
	g_test_add_func("/parsers/line-ends", test_line_end_variants);
	g_test_add_func("/parsers/content-hash", test_content_hash);
	g_test_add_func("/parsers/limits", test_limits);
	g_test_add_func("/parsers/html-to-text", test_html_to_text);
	g_test_add_func("/parsers/sha256", test_sha256);
	g_test_add_func("/parsers/threads", test_threads);
	g_test_add_func("/parsers/corpus", test_corpus);
	return g_test_run();
}
