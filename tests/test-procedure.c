/*
 * test-procedure.c — tables for procedure/: names, references, tokens,
 * escalation phrases and the threading/classification decision.
 *
 * Each table row becomes its own g_test case (TAP output), named after the
 * row, so a failure names the rule that broke. The decision table is the
 * procedure's specification in executable form: every rule of
 * docs/procedure.md §4.1 and §4.3-§4.5 and every precedence
 * between two rules has at least one row.
 */
#include <string.h>

#include "procedure.h"

/* ---- names ----------------------------------------------------------- */

static void
test_names(void)
{
	static const struct {
		RdMailbox m;
		const char *name, *channel;
	} mailboxes[] = {
		{ RD_MAILBOX_COMPLAINTS, "complaints", "email" },
		{ RD_MAILBOX_STAGE2, "stage2", "stage2-mailbox" },
		{ RD_MAILBOX_CHIEF_EXECUTIVE, "chief-executive", "chief-executive" },
		{ RD_MAILBOX_MONITORING_OFFICER, "monitoring-officer",
		  "monitoring-officer" },
	};
	static const struct {
		RdCaseState s;
		const char *name;
		gboolean open;
	} states[] = {
		{ RD_CASE_STAGE1, "stage1", TRUE },
		{ RD_CASE_STAGE1_CLOSED, "stage1-closed", FALSE },
		{ RD_CASE_STAGE2, "stage2", TRUE },
		{ RD_CASE_CLOSED, "closed", FALSE },
	};
	static const char *const kinds[] = {
		"new-complaint", "correspondence", "stage2-request", "automatic",
		"bounce", "triage",
	};
	static const char *const vias[] = {
		"none", "token", "headers", "reference", "sender", "new",
	};
	static const char *const bad[] = {
		"", "Complaints", "stage 2", "stage1 ", "unknown", NULL,
	};

	g_assert_cmpint(G_N_ELEMENTS(mailboxes), ==, RD_MAILBOX_N);
	for (guint i = 0; i < G_N_ELEMENTS(mailboxes); i++) {
		RdMailbox m = RD_MAILBOX_N;
		g_assert_cmpstr(rd_mailbox_to_string(mailboxes[i].m), ==,
		                mailboxes[i].name);
		g_assert_cmpstr(rd_channel_for_mailbox(mailboxes[i].m), ==,
		                mailboxes[i].channel);
		g_assert_true(rd_mailbox_from_string(mailboxes[i].name, &m));
		g_assert_cmpint(m, ==, mailboxes[i].m);
	}
	for (guint i = 0; i < G_N_ELEMENTS(states); i++) {
		RdCaseState s = RD_CASE_CLOSED + 1;
		g_assert_cmpstr(rd_case_state_to_string(states[i].s), ==,
		                states[i].name);
		g_assert_true(rd_case_state_from_string(states[i].name, &s));
		g_assert_cmpint(s, ==, states[i].s);
		g_assert_cmpint(rd_case_state_is_open(states[i].s), ==,
		                states[i].open);
	}
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		RdKind k = RD_KIND_TRIAGE + 1;
		g_assert_cmpstr(rd_kind_to_string((RdKind)i), ==, kinds[i]);
		g_assert_true(rd_kind_from_string(kinds[i], &k));
		g_assert_cmpint(k, ==, i);
	}
	for (guint i = 0; i < G_N_ELEMENTS(vias); i++) {
		RdVia v = RD_VIA_NEW + 1;
		g_assert_cmpstr(rd_via_to_string((RdVia)i), ==, vias[i]);
		g_assert_true(rd_via_from_string(vias[i], &v));
		g_assert_cmpint(v, ==, i);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		RdMailbox m;
		RdCaseState s;
		RdKind k;
		RdVia v;
		g_assert_false(rd_mailbox_from_string(bad[i], &m));
		g_assert_false(rd_case_state_from_string(bad[i], &s));
		g_assert_false(rd_kind_from_string(bad[i], &k));
		g_assert_false(rd_via_from_string(bad[i], &v));
	}
}

/* ---- references ------------------------------------------------------ */

static void
test_reference_format(void)
{
	static const struct {
		const char *prefix;
		int year;
		gint64 seq;
		const char *want;
	} rows[] = {
		{ "CMP", 2026, 123, "CMP-2026-000123" },
		{ "cmp", 2026, 1, "CMP-2026-000001" },
		{ "Ref", 1999, 999999, "REF-1999-999999" },
		{ "ABCD", 2030, 0, "ABCD-2030-000000" },
		{ "C", 2026, 42, "C-2026-000042" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *got = rd_reference_format(rows[i].prefix,
		                                           rows[i].year,
		                                           rows[i].seq);
		int year = 0;
		gint64 seq = -1;
		g_assert_cmpstr(got, ==, rows[i].want);
		g_assert_true(rd_reference_parse(rows[i].prefix, got, &year, &seq));
		g_assert_cmpint(year, ==, rows[i].year);
		g_assert_cmpint(seq, ==, rows[i].seq);
	}
}

static void
test_reference_format_invalid(void)
{
	static const struct {
		const char *prefix;
		int year;
		gint64 seq;
	} rows[] = {
		{ "C1", 2026, 1 },
		{ "", 2026, 1 },
		{ NULL, 2026, 1 },
		{ "CMP", 2026, 1000000 },
		{ "CMP", 2026, -1 },
		{ "CMP", 10000, 1 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*failed*");
		char *got = rd_reference_format(rows[i].prefix, rows[i].year,
		                                rows[i].seq);
		g_test_assert_expected_messages();
		g_assert_null(got);
	}
}

static void
test_reference_parse(void)
{
	static const struct {
		const char *prefix, *ref;
		gboolean ok;
		int year;
		gint64 seq;
	} rows[] = {
		{ "CMP", "CMP-2026-000123", TRUE, 2026, 123 },
		{ "CMP", "cmp-2026-000123", TRUE, 2026, 123 },
		{ "cmp", "CMP-2026-000123", TRUE, 2026, 123 },
		{ "CMP", "Cmp-2025-999999", TRUE, 2025, 999999 },
		{ "REF", "REF-2026-000001", TRUE, 2026, 1 },
		{ "REF", "CMP-2026-000123", FALSE, 0, 0 },
		{ "CMP", "CMPX-2026-000123", FALSE, 0, 0 },
		{ "CMPX", "CMP-2026-000123", FALSE, 0, 0 },
		{ "CMP", "CMP-2026-00123", FALSE, 0, 0 },
		{ "CMP", "CMP-2026-0001234", FALSE, 0, 0 },
		{ "CMP", "CMP-26-000123", FALSE, 0, 0 },
		{ "CMP", "CMP 2026 000123", FALSE, 0, 0 },
		{ "CMP", "CMP-2026-000l23", FALSE, 0, 0 },
		{ "CMP", "CMP-2026-000123 ", FALSE, 0, 0 },
		{ "CMP", " CMP-2026-000123", FALSE, 0, 0 },
		{ "CMP", "CMP-2026-+00123", FALSE, 0, 0 },
		{ "CMP", "CMP_2026_000123", FALSE, 0, 0 },
		{ "CMP", "CMP--2026-000123", FALSE, 0, 0 },
		{ "CMP", "", FALSE, 0, 0 },
		{ "CMP", NULL, FALSE, 0, 0 },
		{ "C1", "C1-2026-000123", FALSE, 0, 0 },
		{ "", "-2026-000123", FALSE, 0, 0 },
		{ NULL, "CMP-2026-000123", FALSE, 0, 0 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		int year = 0;
		gint64 seq = 0;
		gboolean ok = rd_reference_parse(rows[i].prefix, rows[i].ref,
		                                 &year, &seq);
		if (ok != rows[i].ok)
			g_error("row %u (%s, %s): parse gave %d", i,
			        rows[i].prefix, rows[i].ref, ok);
		if (ok) {
			g_assert_cmpint(year, ==, rows[i].year);
			g_assert_cmpint(seq, ==, rows[i].seq);
		}
	}
	/* NULL out-parameters are allowed. */
	g_assert_true(rd_reference_parse("CMP", "CMP-2026-000123", NULL, NULL));
}

/* ---- tokens ---------------------------------------------------------- */

static guint8 key[RD_TOKEN_KEY_LEN];
static guint8 other_key[RD_TOKEN_KEY_LEN];
static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

static char *
verify(const char *address)
{
	return rd_token_verify(key, sizeof(key), "CMP", address);
}

static void
test_token_known_answer(void)
{
	/* Pinned: a change here breaks every reply address in letters
	 * already sent. Computed independently (HMAC-SHA256, key bytes
	 * 0..31, first 40 bits in the alphabet). */
	g_autofree char *t = rd_token_make(key, sizeof(key), "CMP-2026-000123");
	g_autofree char *t2 = rd_token_make(key, sizeof(key), "cmp-2026-000123");

	g_assert_cmpstr(t, ==, "cmp-2026-000123-8n57b2w7");
	g_assert_cmpstr(t2, ==, t);
}

static void
test_token_round_trip(void)
{
	for (gint64 seq = 1; seq < 200; seq += 7) {
		g_autofree char *ref = rd_reference_format("CMP", 2026, seq);
		g_autofree char *addr = rd_token_address(key, sizeof(key),
		                                         "complaints@council.gov.uk",
		                                         ref);
		g_autofree char *lower = g_ascii_strdown(ref, -1);
		g_autofree char *want_start = g_strconcat("complaints+", lower, "-",
		                                          NULL);
		g_assert_true(g_str_has_prefix(addr, want_start));
		g_assert_true(g_str_has_suffix(addr, "@council.gov.uk"));
		const char *mac = addr + strlen(want_start);
		g_assert_cmpint(strcspn(mac, "@"), ==, 8);
		g_assert_cmpint(strspn(mac, alphabet), ==, 8);

		g_autofree char *got = verify(addr);
		g_assert_cmpstr(got, ==, ref);
		g_autofree char *up = g_ascii_strup(addr, -1);
		g_autofree char *got_up = verify(up);
		g_assert_cmpstr(got_up, ==, ref);
		g_autofree char *wrong = rd_token_verify(other_key, sizeof(other_key),
		                                         "CMP", addr);
		g_assert_null(wrong);
		g_autofree char *wrong_prefix = rd_token_verify(key, sizeof(key),
		                                                "REF", addr);
		g_assert_null(wrong_prefix);
	}
}

static void
test_token_base_extension(void)
{
	g_autofree char *addr = rd_token_address(key, sizeof(key),
	                                         "Complaints+Inbox@Council.gov.uk",
	                                         "CMP-2026-000123");
	g_assert_cmpstr(addr, ==, "Complaints+cmp-2026-000123-8n57b2w7@Council.gov.uk");
	g_autofree char *got = verify(addr);
	g_assert_cmpstr(got, ==, "CMP-2026-000123");

	g_autofree char *bracketed = verify(" <complaints+cmp-2026-000123-8n57b2w7@council.gov.uk> ");
	g_assert_cmpstr(bracketed, ==, "CMP-2026-000123");
}

static void
test_token_tampered(void)
{
	const char *good = "complaints+cmp-2026-000123-8n57b2w7@council.gov.uk";
	g_autofree char *ok = verify(good);
	g_assert_cmpstr(ok, ==, "CMP-2026-000123");

	/* Another case's reference with this case's MAC. */
	g_assert_null(verify("complaints+cmp-2026-000124-8n57b2w7@council.gov.uk"));
	g_assert_null(verify("complaints+cmp-2025-000123-8n57b2w7@council.gov.uk"));

	/* Every single-character change of the MAC to another letter of the
	 * alphabet must fail. */
	const gsize mac_at = strlen("complaints+cmp-2026-000123-");
	for (guint pos = 0; pos < 8; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			g_autofree char *t = g_strdup(good);
			if (t[mac_at + pos] == *a)
				continue;
			t[mac_at + pos] = *a;
			g_autofree char *got = verify(t);
			if (got != NULL)
				g_error("tampered MAC accepted: %s", t);
		}
	}
}

/* Find a case whose MAC contains @c, so the retyping rules can be tested
 * on real tokens. */
static char *
address_with_mac_char(char c, char **ref_r)
{
	for (gint64 seq = 1; seq < 10000; seq++) {
		g_autofree char *ref = rd_reference_format("CMP", 2026, seq);
		char *addr = rd_token_address(key, sizeof(key), "c@x.gov.uk", ref);
		const char *mac = strrchr(addr, '-') + 1;
		if (memchr(mac, c, 8) != NULL) {
			*ref_r = g_steal_pointer(&ref);
			return addr;
		}
		g_free(addr);
	}
	g_assert_not_reached();
}

static char *
replace_in_mac(const char *addr, char from, char to)
{
	char *t = g_strdup(addr);
	char *mac = strrchr(t, '-') + 1;
	for (char *p = mac; *p != '@'; p++) {
		if (*p == from)
			*p = to;
	}
	return t;
}

static void
test_token_retyped(void)
{
	static const struct {
		char in_mac, typed;
	} rows[] = {
		{ '1', 'l' }, { '1', 'L' }, { '1', 'i' }, { '1', 'I' },
		{ '0', 'o' }, { '0', 'O' }, { 'v', 'u' }, { 'v', 'U' },
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *ref = NULL;
		g_autofree char *addr = address_with_mac_char(rows[i].in_mac, &ref);
		g_autofree char *typed = replace_in_mac(addr, rows[i].in_mac,
		                                        rows[i].typed);
		g_assert_cmpstr(typed, !=, addr);
		g_autofree char *got = verify(typed);
		g_assert_cmpstr(got, ==, ref);
	}

	/* The digits of the reference part get the same repairs. */
	g_autofree char *got = verify("complaints+CMP-2O26-OOOl23-8N57B2W7@council.gov.uk");
	g_assert_cmpstr(got, ==, "CMP-2026-000123");
	/* A prefix containing o or l is compared as letters, not repaired. */
	g_autofree char *col = rd_token_address(key, sizeof(key), "c@x.gov.uk",
	                                        "COL-2026-000010");
	g_autofree char *col_ok = rd_token_verify(key, sizeof(key), "col", col);
	g_assert_cmpstr(col_ok, ==, "COL-2026-000010");
}

static void
test_token_garbage(void)
{
	static const char *const rows[] = {
		"",
		"@",
		"+@",
		"no-at-sign",
		"complaints@council.gov.uk",
		"complaints+@council.gov.uk",
		"complaints+inbox@council.gov.uk",
		"complaints+cmp-2026-000123@council.gov.uk",
		"complaints+cmp-2026-000123-@council.gov.uk",
		"complaints+cmp-2026-000123-8n57b2w@council.gov.uk",
		"complaints+cmp-2026-000123-8n57b2w77@council.gov.uk",
		"complaints+cmp-2026-000123-8n57b2w!@council.gov.uk",
		"complaints+cmp-2026-000123-8n57b2w\xc3\xbc@council.gov.uk",
		"complaints+-8n57b2w7@council.gov.uk",
		"complaints+cmp-8n57b2w7@council.gov.uk",
		"complaints+cmp-2026-00123-8n57b2w7@council.gov.uk",
		"complaints+cmp-2026-000123--8n57b2w7@council.gov.uk",
		"complaints+cmp 2026 000123-8n57b2w7@council.gov.uk",
		"complaints+xcmp-2026-000123-8n57b2w7@council.gov.uk",
		"cmp-2026-000123-8n57b2w7@council.gov.uk",
		"complaints+cmp-2026-000123-8n57b2w7",
		"\xff\xfe+\xff-\xff@\xff",
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *got = verify(rows[i]);
		if (got != NULL)
			g_error("garbage row %u accepted: %s", i, rows[i]);
	}
	g_assert_null(verify(NULL));
	g_assert_null(rd_token_verify(NULL, 0, "CMP",
	                              "complaints+cmp-2026-000123-8n57b2w7@x"));
	g_assert_null(rd_token_verify(key, sizeof(key), NULL,
	                              "complaints+cmp-2026-000123-8n57b2w7@x"));
}

/* ---- escalation phrases --------------------------------------------- */

static const char *const custom_phrases[] = { "appeal", "  take   THIS further ", NULL };
static const char *const no_phrases[] = { NULL };
static const char *const empty_phrase[] = { "", "   ", NULL };

typedef struct {
	const char *subject, *text;
	const char *const *phrases;
	gboolean want;
} PhraseRow;

static const PhraseRow phrase_rows[] = {
	{ NULL, "I am NOT   satisfied with this.", NULL, TRUE },
	{ NULL, "I am not\nsatisfied", NULL, TRUE },
	{ NULL, "I am not\r\n\tsatisfied", NULL, TRUE },
	{ NULL, "I am not\xc2\xa0satisfied", NULL, TRUE },
	{ "Stage 2 request", NULL, NULL, TRUE },
	{ "Re: CMP-2026-000123", "Please move this to stage 2.", NULL, TRUE },
	{ NULL, "(Stage 2)", NULL, TRUE },
	{ NULL, "STAGE TWO please", NULL, TRUE },
	{ NULL, "Please escalate.", NULL, TRUE },
	{ NULL, "I want this escalated", NULL, TRUE },
	{ NULL, "I ask for escalation", NULL, TRUE },
	{ NULL, "I am dissatisfied", NULL, TRUE },
	{ NULL, "I am unhappy with your\r\n   response", NULL, TRUE },
	{ NULL, "unhappy with the response", NULL, TRUE },
	{ NULL, "Please review my complaint", NULL, TRUE },
	{ NULL, "I will take this further", NULL, TRUE },
	{ NULL, "What is the next stage?", NULL, TRUE },
	{ NULL, "NOT SATISFIED", NULL, TRUE },
	{ NULL, "not satisfied \xff\xfe", NULL, TRUE },
	{ NULL, "I wish to appeal", custom_phrases, TRUE },
	{ NULL, "I will take this\nfurther", custom_phrases, TRUE },
	/* negatives */
	{ NULL, NULL, NULL, FALSE },
	{ "", "", NULL, FALSE },
	{ "Thank you", "I am satisfied with the outcome.", NULL, FALSE },
	{ NULL, "Your stage 1 reply arrived", NULL, FALSE },
	{ NULL, "See paragraph stage 21", NULL, FALSE },
	{ NULL, "stage 20", NULL, FALSE },
	{ NULL, "backstage 2", NULL, FALSE },
	{ NULL, "The escalator is broken", NULL, FALSE },
	{ NULL, "I was not, satisfied", NULL, FALSE },
	{ "not", "satisfied", NULL, FALSE },
	{ NULL, "stage\n\n-2", NULL, FALSE },
	{ NULL, "I am not satisfied", custom_phrases, FALSE },
	{ NULL, "I am not satisfied", no_phrases, FALSE },
	{ NULL, "I am not satisfied", empty_phrase, FALSE },
};

static void
test_phrase(gconstpointer data)
{
	const PhraseRow *r = data;
	g_assert_cmpint(rd_text_asks_stage2(r->subject, r->text, r->phrases), ==,
	                r->want);
}

static void
test_default_phrases(void)
{
	const char *const *p = rd_default_stage2_phrases();
	guint n = 0;

	for (; p[n] != NULL; n++) {
		g_autofree char *lower = g_utf8_strdown(p[n], -1);
		g_assert_cmpstr(lower, ==, p[n]);
		g_assert_true(rd_text_asks_stage2(NULL, p[n], NULL));
	}
	g_assert_cmpint(n, ==, 11);
}

/* ---- the decision ---------------------------------------------------- */

/* Cases known to the store in the decision table, by 1-based index so
 * that 0 can mean "none" in the rows. */
enum { NO = 0, A, B, C, D, X, Y, E, N_CASES };

static const RdCaseView cases[N_CASES] = {
	[A] = { 1, "CMP-2026-000001", RD_CASE_STAGE1, TRUE },
	[B] = { 2, "CMP-2026-000002", RD_CASE_STAGE1_CLOSED, TRUE },
	[C] = { 3, "CMP-2026-000003", RD_CASE_STAGE2, TRUE },
	[D] = { 4, "CMP-2026-000004", RD_CASE_CLOSED, TRUE },
	[X] = { 5, "CMP-2026-000005", RD_CASE_STAGE1, FALSE },
	[Y] = { 6, "CMP-2026-000006", RD_CASE_STAGE1_CLOSED, FALSE },
	[E] = { 7, "CMP-2026-000007", RD_CASE_STAGE1_CLOSED, TRUE },
};

#define SENDER "ann@example.org"
#define MAX_LIST 4

typedef struct {
	const char *name;
	/* input */
	RdMailbox mailbox;
	const char *sender;
	gboolean automatic, bounce;
	const char *fatal, *subject, *text;
	int token, header;
	int refs[MAX_LIST];           /* 0-terminated */
	const char *unknown[MAX_LIST]; /* NULL-terminated */
	int closed[MAX_LIST];         /* 0-terminated, most recent first */
	const char *const *phrases;
	/* expected */
	RdKind kind;
	RdVia via;
	int match;
	gboolean to_triage;
	int suggest;
	const char *reason_has;
} DecideRow;

#define CMPL RD_MAILBOX_COMPLAINTS
#define ST2 RD_MAILBOX_STAGE2
#define CE RD_MAILBOX_CHIEF_EXECUTIVE
#define MO RD_MAILBOX_MONITORING_OFFICER

static const DecideRow decide_rows[] = {
	/* 1. a message we cannot trust */
	{ .name = "fatal", .mailbox = CMPL, .sender = SENDER,
	  .fatal = "no usable From or Date", .token = A,
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = A, .reason_has = "no usable From or Date" },
	{ .name = "fatal-beats-bounce", .mailbox = CMPL, .sender = SENDER,
	  .fatal = "truncated", .bounce = TRUE, .header = A,
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = A, .reason_has = "truncated" },
	{ .name = "fatal-no-evidence", .mailbox = ST2, .fatal = "garbage",
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE },

	/* 2. bounces */
	{ .name = "bounce-token", .mailbox = CMPL, .sender = "mailer-daemon@x",
	  .bounce = TRUE, .token = A,
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_TOKEN, .match = A },
	{ .name = "bounce-headers", .mailbox = CMPL, .bounce = TRUE, .header = B,
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_HEADERS, .match = B,
	  .reason_has = "In-Reply-To/References name a message on CMP-2026-000002" },
	{ .name = "bounce-token-beats-headers", .mailbox = CMPL, .bounce = TRUE,
	  .token = A, .header = C,
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_TOKEN, .match = A },
	{ .name = "bounce-unmatched", .mailbox = CMPL, .bounce = TRUE,
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .reason_has = "names none of our messages" },
	{ .name = "bounce-reference-not-enough", .mailbox = CMPL,
	  .sender = SENDER, .bounce = TRUE, .refs = { A },
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = A },
	{ .name = "bounce-beats-automatic", .mailbox = CMPL, .bounce = TRUE,
	  .automatic = TRUE, .header = A,
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_HEADERS, .match = A },
	{ .name = "bounce-stage2-mailbox-never-sender", .mailbox = ST2,
	  .sender = SENDER, .bounce = TRUE, .closed = { B },
	  .kind = RD_KIND_BOUNCE, .via = RD_VIA_NONE, .to_triage = TRUE },

	/* 3. automatic mail */
	{ .name = "auto-token-closed-stage1-never-escalates", .mailbox = ST2,
	  .sender = SENDER, .automatic = TRUE, .token = B,
	  .text = "I am out of the office; not satisfied? escalate to Bob",
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_TOKEN, .match = B },
	{ .name = "auto-headers", .mailbox = CMPL, .sender = SENDER,
	  .automatic = TRUE, .header = A,
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_HEADERS, .match = A },
	{ .name = "auto-unmatched-never-new", .mailbox = CMPL, .sender = SENDER,
	  .automatic = TRUE,
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .reason_has = "Auto-Submitted: auto-replied" },
	{ .name = "auto-ce-never-new", .mailbox = CE, .sender = SENDER,
	  .automatic = TRUE,
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_NONE, .to_triage = TRUE },
	{ .name = "auto-stage2-never-sender", .mailbox = ST2, .sender = SENDER,
	  .automatic = TRUE, .closed = { B },
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_NONE, .to_triage = TRUE },
	{ .name = "auto-reference-suggested", .mailbox = CMPL, .sender = SENDER,
	  .automatic = TRUE, .refs = { X, A },
	  .kind = RD_KIND_AUTOMATIC, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = A, .reason_has = "CMP-2026-000001" },

	/* no sender */
	{ .name = "no-sender-token", .mailbox = CMPL, .token = A,
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = A, .reason_has = "no sender address" },
	{ .name = "no-sender-empty-new", .mailbox = CMPL, .sender = "",
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .reason_has = "no sender address" },

	/* 4-6. precedence */
	{ .name = "token", .mailbox = CMPL, .sender = SENDER, .token = A,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = A,
	  .reason_has = "reply address of CMP-2026-000001" },
	{ .name = "token-beats-headers", .mailbox = CMPL, .sender = SENDER,
	  .token = A, .header = C,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = A },
	{ .name = "token-beats-reference", .mailbox = CMPL, .sender = SENDER,
	  .token = A, .refs = { C },
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = A },
	{ .name = "token-party-irrelevant", .mailbox = CMPL, .sender = SENDER,
	  .token = X,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = X },
	{ .name = "headers", .mailbox = CMPL, .sender = SENDER, .header = A,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_HEADERS, .match = A,
	  .reason_has = "In-Reply-To/References name a message on CMP-2026-000001" },
	{ .name = "headers-beat-reference", .mailbox = CMPL, .sender = SENDER,
	  .header = C, .refs = { A },
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_HEADERS, .match = C },
	{ .name = "reference-party", .mailbox = CMPL, .sender = SENDER,
	  .refs = { A },
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_REFERENCE, .match = A },
	{ .name = "reference-not-party", .mailbox = CMPL, .sender = SENDER,
	  .refs = { X },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = X, .reason_has = "not a party" },
	{ .name = "reference-first-party-wins", .mailbox = CMPL,
	  .sender = SENDER, .refs = { X, A, C },
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_REFERENCE, .match = A },
	{ .name = "reference-none-party", .mailbox = CMPL, .sender = SENDER,
	  .refs = { X, Y },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = X, .reason_has = "CMP-2026-000005" },
	{ .name = "reference-not-party-beats-sender-rule", .mailbox = ST2,
	  .sender = SENDER, .refs = { Y }, .closed = { B },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = Y },
	{ .name = "reference-not-party-never-new", .mailbox = CE,
	  .sender = SENDER, .refs = { X },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = X },

	/* states and Stage 2 requests on a matched case */
	{ .name = "closed-stage1-phrase", .mailbox = CMPL, .sender = SENDER,
	  .token = B, .text = "I am not satisfied with your response.",
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_TOKEN, .match = B },
	{ .name = "closed-stage1-phrase-in-subject", .mailbox = CMPL,
	  .sender = SENDER, .header = B, .subject = "Re: Stage 2 please",
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_HEADERS, .match = B },
	{ .name = "closed-stage1-reference-escalate", .mailbox = CMPL,
	  .sender = SENDER, .refs = { B }, .text = "Please escalate this.",
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_REFERENCE, .match = B },
	{ .name = "closed-stage1-no-phrase", .mailbox = CMPL, .sender = SENDER,
	  .token = B, .text = "Thank you for your letter.",
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = B,
	  .reason_has = "Stage 1 is closed" },
	{ .name = "closed-stage1-no-text", .mailbox = CE, .sender = SENDER,
	  .header = B,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_HEADERS, .match = B },
	{ .name = "closed-stage1-stage2-mailbox", .mailbox = ST2,
	  .sender = SENDER, .token = B, .text = "Thanks.",
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_TOKEN, .match = B,
	  .reason_has = "Stage 2 mailbox" },
	{ .name = "closed-stage1-custom-phrase", .mailbox = CMPL,
	  .sender = SENDER, .header = B, .text = "I wish to appeal.",
	  .phrases = custom_phrases,
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_HEADERS, .match = B },
	{ .name = "closed-stage1-custom-list-replaces-defaults",
	  .mailbox = CMPL, .sender = SENDER, .header = B,
	  .text = "I am not satisfied.", .phrases = custom_phrases,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_HEADERS, .match = B },
	{ .name = "open-stage1-phrase", .mailbox = CMPL, .sender = SENDER,
	  .token = A, .text = "I am not satisfied, escalate now",
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = A },
	{ .name = "open-stage1-stage2-mailbox", .mailbox = ST2,
	  .sender = SENDER, .token = A,
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = A,
	  .reason_has = "still open" },
	{ .name = "stage2-phrase", .mailbox = ST2, .sender = SENDER,
	  .header = C, .text = "escalate",
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_HEADERS, .match = C,
	  .reason_has = "open at Stage 2" },
	{ .name = "closed-phrase", .mailbox = CMPL, .sender = SENDER,
	  .token = D, .text = "I am not satisfied",
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_TOKEN, .match = D,
	  .reason_has = "closed case" },
	{ .name = "closed-stage2-mailbox", .mailbox = ST2, .sender = SENDER,
	  .refs = { D },
	  .kind = RD_KIND_CORRESPONDENCE, .via = RD_VIA_REFERENCE, .match = D,
	  .reason_has = "closed case" },

	/* 7. nothing matched: Stage 2 mailbox */
	{ .name = "stage2-one-closed", .mailbox = ST2, .sender = SENDER,
	  .closed = { B },
	  .kind = RD_KIND_STAGE2_REQUEST, .via = RD_VIA_SENDER, .match = B,
	  .reason_has = "only case" },
	{ .name = "stage2-none-closed", .mailbox = ST2, .sender = SENDER,
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE },
	{ .name = "stage2-two-closed", .mailbox = ST2, .sender = SENDER,
	  .closed = { E, B },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = E, .reason_has = "2 cases" },
	{ .name = "stage2-one-but-finished", .mailbox = ST2, .sender = SENDER,
	  .closed = { D },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .suggest = D },
	{ .name = "stage2-unknown-ref", .mailbox = ST2, .sender = SENDER,
	  .unknown = { "CMP-2026-999999" },
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE,
	  .reason_has = "CMP-2026-999999" },

	/* 7. nothing matched: new complaints */
	{ .name = "new-complaints", .mailbox = CMPL, .sender = SENDER,
	  .subject = "Bins not collected",
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "channel email" },
	{ .name = "new-chief-executive", .mailbox = CE, .sender = SENDER,
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "Chief Executive, handled as a normal complaint" },
	{ .name = "new-chief-executive-channel", .mailbox = CE,
	  .sender = SENDER,
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "channel chief-executive" },
	{ .name = "new-monitoring-officer", .mailbox = MO, .sender = SENDER,
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "channel monitoring-officer" },
	{ .name = "new-unknown-ref", .mailbox = CMPL, .sender = SENDER,
	  .unknown = { "CMP-2026-999999" },
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "CMP-2026-999999, which matches no case" },
	{ .name = "new-two-unknown-refs", .mailbox = CMPL, .sender = SENDER,
	  .unknown = { "CMP-2026-999998", "CMP-2026-999999" },
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "CMP-2026-999998, CMP-2026-999999, which match no case" },
	{ .name = "new-closed-cases-ignored-outside-stage2", .mailbox = CMPL,
	  .sender = SENDER, .closed = { B },
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW },
	{ .name = "new-with-escalation-wording", .mailbox = CMPL,
	  .sender = SENDER, .text = "I want to escalate my complaint",
	  .kind = RD_KIND_NEW_COMPLAINT, .via = RD_VIA_NEW,
	  .reason_has = "earlier case" },
	{ .name = "unknown-mailbox", .mailbox = RD_MAILBOX_N, .sender = SENDER,
	  .kind = RD_KIND_TRIAGE, .via = RD_VIA_NONE, .to_triage = TRUE },
};

static const RdCaseView *
case_ptr(int i)
{
	return i == NO ? NULL : &cases[i];
}

static void
test_decide(gconstpointer data)
{
	const DecideRow *r = data;
	const RdCaseView *refs[MAX_LIST];
	const RdCaseView *closed[MAX_LIST];
	RdThreadInput in = { 0 };
	RdDecision out;
	guint n_unknown = 0;

	in.mailbox = r->mailbox;
	in.sender = r->sender;
	in.automatic = r->automatic;
	in.auto_reason = r->automatic ? "Auto-Submitted: auto-replied" : NULL;
	in.bounce = r->bounce;
	in.fatal_problem = r->fatal;
	in.subject = r->subject;
	in.new_text = r->text;
	in.token_case = case_ptr(r->token);
	in.header_case = case_ptr(r->header);
	for (; in.n_ref_cases < MAX_LIST && r->refs[in.n_ref_cases] != NO;
	     in.n_ref_cases++)
		refs[in.n_ref_cases] = case_ptr(r->refs[in.n_ref_cases]);
	in.ref_cases = refs;
	for (; in.n_sender_closed_cases < MAX_LIST &&
	       r->closed[in.n_sender_closed_cases] != NO;
	     in.n_sender_closed_cases++)
		closed[in.n_sender_closed_cases] =
			case_ptr(r->closed[in.n_sender_closed_cases]);
	in.sender_closed_cases = closed;
	while (n_unknown < MAX_LIST && r->unknown[n_unknown] != NULL)
		n_unknown++;
	in.unknown_refs = r->unknown;
	in.n_unknown_refs = n_unknown;
	in.stage2_phrases = r->phrases;

	rd_decide(&in, &out);
	g_test_message("%s: %s / %s: %s", r->name, rd_kind_to_string(out.kind),
	               rd_via_to_string(out.via), out.reason);

	g_assert_cmpstr(rd_kind_to_string(out.kind), ==,
	                rd_kind_to_string(r->kind));
	g_assert_cmpstr(rd_via_to_string(out.via), ==, rd_via_to_string(r->via));
	g_assert_true(out.match == case_ptr(r->match));
	g_assert_cmpint(out.to_triage, ==, r->to_triage);
	g_assert_cmpstr(out.suggestion, ==,
	                r->suggest != NO ? cases[r->suggest].reference : NULL);
	g_assert_nonnull(out.reason);
	g_assert_cmpuint(strlen(out.reason), >, 10);
	if (r->reason_has != NULL && strstr(out.reason, r->reason_has) == NULL)
		g_error("%s: reason \"%s\" lacks \"%s\"", r->name, out.reason,
		        r->reason_has);

	/* Invariants that hold for every row. */
	if (out.kind == RD_KIND_TRIAGE)
		g_assert_true(out.to_triage);
	g_assert_true((out.match == NULL) ==
	              (out.via == RD_VIA_NONE || out.via == RD_VIA_NEW));
	if (r->automatic || r->bounce)
		g_assert_true(out.kind != RD_KIND_NEW_COMPLAINT &&
		              out.kind != RD_KIND_STAGE2_REQUEST);

	rd_decision_clear(&out);
	g_assert_null(out.reason);
	g_assert_null(out.suggestion);
	rd_decision_clear(&out);
	rd_decision_clear(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < sizeof(key); i++) {
		key[i] = (guint8)i;
		other_key[i] = (guint8)(i + 1);
	}

	g_test_add_func("/procedure/names", test_names);
	g_test_add_func("/procedure/reference/format", test_reference_format);
	g_test_add_func("/procedure/reference/format-invalid",
	                test_reference_format_invalid);
	g_test_add_func("/procedure/reference/parse", test_reference_parse);
	g_test_add_func("/procedure/token/known-answer", test_token_known_answer);
	g_test_add_func("/procedure/token/round-trip", test_token_round_trip);
	g_test_add_func("/procedure/token/base-extension",
	                test_token_base_extension);
	g_test_add_func("/procedure/token/tampered", test_token_tampered);
	g_test_add_func("/procedure/token/retyped", test_token_retyped);
	g_test_add_func("/procedure/token/garbage", test_token_garbage);
	g_test_add_func("/procedure/phrases/defaults", test_default_phrases);
	for (guint i = 0; i < G_N_ELEMENTS(phrase_rows); i++) {
		g_autofree char *path = g_strdup_printf("/procedure/phrases/%02u", i);
		g_test_add_data_func(path, &phrase_rows[i], test_phrase);
	}
	for (guint i = 0; i < G_N_ELEMENTS(decide_rows); i++) {
		g_autofree char *path = g_strdup_printf("/procedure/decide/%s",
		                                        decide_rows[i].name);
		g_test_add_data_func(path, &decide_rows[i], test_decide);
	}
	return g_test_run();
}
