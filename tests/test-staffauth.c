/*
 * test-staffauth.c — whether mail counts as coming from staff
 * (procedure/staffauth.c), the Authentication-Results parser under it, and
 * the staff reply addresses (procedure/token.c).
 *
 * The decision table has a row for every policy against a pass, a fail, a
 * missing result, a forgery (a pass under our authserv-id below our own
 * fail; a pass under someone else's id), a domain that is not aligned or
 * is a subdomain, and a Reply-To that differs; then the combinations. The
 * forgery rows are the reason this file exists: each would let anyone who
 * knows a staff address close cases.
 */
#include <string.h>

#include "procedure-private.h"

#define A RD_STAFF_AUTH_AUTHRES
#define E RD_STAFF_AUTH_EXCHANGE
#define T RD_STAFF_AUTH_TOKEN
#define F RD_STAFF_AUTH_FROM_ONLY

static const char *const trusted[] = { "mx.council.example", "mx2.council.example", NULL };
static const char *const domains[] = { "council.example", "council.gov.uk", NULL };

#define JO "jo@council.example"
#define MX "mx.council.example"

typedef struct {
	const char *name;
	guint policy;
	const char *from;
	const char *reply_to;
	const char *ar[4];       /* Authentication-Results, topmost first */
	const char *authas[3];   /* X-MS-Exchange-Organization-AuthAs */
	gboolean token_ok;
	gboolean pass;
	const char *method;      /* expected when pass */
	gboolean mismatch;
	const char *reason_has;  /* part of the reason */
} AuthRow;

static const AuthRow auth_rows[] = {
	/* authentication-results: DMARC */
	{ .name = "ar/dmarc-pass", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=pass (p=reject dis=none) header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results",
	  .reason_has = "dmarc=pass for council.example reported by mx.council.example" },
	{ .name = "ar/dmarc-pass-no-header-from", .policy = A, .from = JO, .ar = { MX "; dmarc=pass" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dmarc=pass for council.example" },
	{ .name = "ar/dmarc-fail", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=fail (p=reject) header.from=council.example" },
	  .reason_has = "dmarc=fail for council.example reported by mx.council.example" },
	{ .name = "ar/dmarc-pass-other-domain", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=evil.example" },
	  .reason_has = "dmarc=pass for evil.example reported by mx.council.example is not for the From domain" },
	{ .name = "ar/dmarc-pass-subdomain", .policy = A, .from = "jo@housing.council.example",
	  .ar = { MX "; dmarc=pass header.from=housing.council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dmarc=pass for housing.council.example" },
	{ .name = "ar/dmarc-pass-parent-not-from", .policy = A, .from = "jo@housing.council.example",
	  .ar = { MX "; dmarc=pass header.from=council.example" }, .reason_has = "is not for the From domain" },
	{ .name = "ar/dmarc-second-trusted-id", .policy = A, .from = JO,
	  .ar = { "mx2.council.example; dmarc=pass header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "reported by mx2.council.example" },
	{ .name = "ar/dmarc-two-results-disagree", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=council.example; dmarc=fail header.from=council.example" },
	  .reason_has = "dmarc=fail" },

	/* authentication-results: missing, untrusted, forged */
	{ .name = "ar/missing", .policy = A, .from = JO, .reason_has = "no Authentication-Results field" },
	{ .name = "ar/untrusted", .policy = A, .from = JO,
	  .ar = { "evil.example; dmarc=pass header.from=council.example; dkim=pass header.d=council.example" },
	  .reason_has = "no Authentication-Results from a trusted server (found one from evil.example, ignored)" },
	{ .name = "ar/untrusted-several", .policy = A, .from = JO,
	  .ar = { "evil.example; dmarc=pass", "other.example; dmarc=pass", "evil.example; dkim=pass" },
	  .reason_has = "(found 3, from evil.example, other.example, all ignored)" },
	{ .name = "ar/untrusted-lookalike-id", .policy = A, .from = JO,
	  .ar = { "mx.council.example.evil.example; dmarc=pass" }, .reason_has = "no Authentication-Results from a trusted server" },
	{ .name = "ar/forged-below-fail", .policy = A, .from = JO,
	  .ar = { MX "; dkim=none; dmarc=fail header.from=council.example",
	          MX "; dmarc=pass header.from=council.example; dkim=pass header.d=council.example" },
	  .reason_has = "a lower dmarc result under a trusted authserv-id was ignored" },
	{ .name = "ar/forged-below-untrusted-above", .policy = A, .from = JO,
	  .ar = { "evil.example; dmarc=pass header.from=council.example",
	          MX "; dmarc=fail header.from=council.example; dkim=fail header.d=council.example" },
	  .reason_has = "dmarc=fail for council.example" },
	{ .name = "ar/untrusted-above-real-pass", .policy = A, .from = JO,
	  .ar = { "mail.provider.example; dmarc=fail header.from=council.example",
	          MX "; dmarc=pass header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dmarc=pass" },
	{ .name = "ar/forged-dkim-below-dkim-fail", .policy = A, .from = JO,
	  .ar = { MX "; dkim=fail header.d=council.example", MX "; dkim=pass header.d=council.example" },
	  .reason_has = "dkim=fail for council.example reported by mx.council.example" },
	{ .name = "ar/unsigned-without-always-add", .policy = A, .from = JO,
	  /* What a border without AlwaysAddARHeader lets through: its
	   * own field has no dkim result, so the sender's is topmost. The
	   * row documents why the border must always write one. */
	  .ar = { MX "; dmarc=none header.from=council.example", MX "; dkim=pass header.d=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dkim=pass" },
	{ .name = "ar/unreadable-trusted-blocks", .policy = A, .from = JO,
	  .ar = { MX "; \"unclosed", MX "; dmarc=pass header.from=council.example" },
	  .reason_has = "an unreadable Authentication-Results field from mx.council.example comes first" },
	{ .name = "ar/unreadable-part-blocks-own", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=council.example; =fail" }, .reason_has = "unreadable" },
	{ .name = "ar/broken-dmarc", .policy = A, .from = JO, .ar = { MX "; dmarc=pass header.from" },
	  .reason_has = "the dmarc result from mx.council.example could not be read" },
	{ .name = "ar/unknown-version-blocks", .policy = A, .from = JO,
	  .ar = { MX " 2; dmarc=pass header.from=council.example" }, .reason_has = "unreadable" },
	{ .name = "ar/version-1", .policy = A, .from = JO, .ar = { MX " 1; dmarc=pass header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/none-does-not-block", .policy = A, .from = JO,
	  .ar = { MX "; none", MX "; dmarc=pass header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/none-only", .policy = A, .from = JO, .ar = { MX "; none" },
	  .reason_has = "no dmarc result from a trusted server, and no dkim result from a trusted server" },

	/* authentication-results: two milters, one field each */
	{ .name = "ar/two-fields-dmarc-first", .policy = A, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=council.example", MX "; dkim=fail header.d=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dmarc=pass" },
	{ .name = "ar/two-fields-dkim-first", .policy = A, .from = JO,
	  .ar = { MX "; dkim=fail header.d=council.example", MX "; dmarc=pass header.from=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dmarc=pass" },

	/* authentication-results: DKIM */
	{ .name = "ar/dkim-pass", .policy = A, .from = JO,
	  .ar = { MX "; dkim=pass header.d=council.example header.s=sel; dmarc=none" },
	  .pass = TRUE, .method = "authentication-results",
	  .reason_has = "dkim=pass for council.example reported by mx.council.example" },
	{ .name = "ar/dkim-header-i", .policy = A, .from = JO, .ar = { MX "; dkim=pass header.i=jo@Council.Example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dkim=pass for council.example" },
	{ .name = "ar/dkim-parent-of-from", .policy = A, .from = "jo@housing.council.example",
	  .ar = { MX "; dkim=pass header.d=council.example" }, .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/dkim-child-of-from", .policy = A, .from = JO,
	  .ar = { MX "; dkim=pass header.d=mail.council.example" }, .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/dkim-sibling", .policy = A, .from = "jo@housing.council.example",
	  .ar = { MX "; dkim=pass header.d=social.council.example" },
	  .reason_has = "is not aligned with the From domain housing.council.example" },
	{ .name = "ar/dkim-not-council", .policy = A, .from = JO, .ar = { MX "; dkim=pass header.d=esp.example" },
	  .reason_has = "dkim=pass for esp.example reported by mx.council.example is not a council domain" },
	{ .name = "ar/dkim-second-signature", .policy = A, .from = JO,
	  .ar = { MX "; dkim=pass header.d=esp.example; dkim=pass header.d=council.example" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dkim=pass for council.example" },
	{ .name = "ar/dkim-other-council-domain", .policy = A, .from = JO,
	  .ar = { MX "; dkim=pass header.d=council.gov.uk" }, .reason_has = "not aligned" },
	{ .name = "ar/dkim-no-domain", .policy = A, .from = JO, .ar = { MX "; dkim=pass" },
	  .reason_has = "not a council domain" },

	/* authentication-results: parsing variants through the decision */
	{ .name = "ar/case-insensitive", .policy = A, .from = JO,
	  .ar = { "MX.Council.Example; DMARC=PASS Header.From=Council.Example" },
	  .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/comments-quotes", .policy = A, .from = JO,
	  .ar = { MX " (Postfix (nested; \\) one)); dmarc=pass (p=reject; dis=none) header.from=\"council.example\"" },
	  .pass = TRUE, .method = "authentication-results" },
	{ .name = "ar/folded", .policy = A, .from = JO,
	  .ar = { MX ";\r\n\tdkim=pass\r\n\theader.d=council.example;\r\n\tdmarc=fail" },
	  .pass = TRUE, .method = "authentication-results", .reason_has = "dkim=pass" },
	{ .name = "ar/microsoft-style-untrusted", .policy = A, .from = JO,
	  .ar = { "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=council.example; dkim=pass "
	          "header.d=council.example;dmarc=pass action=none header.from=council.example" },
	  .reason_has = "no Authentication-Results from a trusted server" },

	/* From */
	{ .name = "from/not-council", .policy = A, .from = "jo@gmail.com",
	  .ar = { MX "; dmarc=pass header.from=gmail.com" },
	  .reason_has = "From domain gmail.com is not one of the council's mail domains" },
	{ .name = "from/lookalike-domain", .policy = A, .from = "jo@evilcouncil.example",
	  .ar = { MX "; dmarc=pass header.from=evilcouncil.example" }, .reason_has = "is not one of the council's" },
	{ .name = "from/missing", .policy = A | T, .token_ok = TRUE, .reason_has = "no From address" },
	{ .name = "from/brackets-case", .policy = A, .from = "<Jo@Council.Example>",
	  .ar = { MX "; dmarc=pass header.from=council.example" }, .pass = TRUE, .method = "authentication-results" },

	/* exchange-internal */
	{ .name = "exchange/internal", .policy = E, .from = JO, .authas = { "Internal" },
	  .pass = TRUE, .method = "exchange-internal", .reason_has = "X-MS-Exchange-Organization-AuthAs is Internal" },
	{ .name = "exchange/internal-case", .policy = E, .from = JO, .authas = { " internal " },
	  .pass = TRUE, .method = "exchange-internal" },
	{ .name = "exchange/anonymous", .policy = E, .from = JO, .authas = { "Anonymous" },
	  .reason_has = "the topmost X-MS-Exchange-Organization-AuthAs is 'Anonymous', not Internal" },
	{ .name = "exchange/forged-below", .policy = E, .from = JO, .authas = { "Anonymous", "Internal" },
	  .reason_has = "'Anonymous', not Internal" },
	{ .name = "exchange/missing", .policy = E, .from = JO,
	  .reason_has = "no X-MS-Exchange-Organization-AuthAs field" },
	{ .name = "exchange/external-from", .policy = E, .from = "jo@gmail.com", .authas = { "Internal" },
	  .reason_has = "not one of the council's mail domains" },
	{ .name = "exchange/ignores-ar", .policy = E, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=council.example" }, .reason_has = "no X-MS-Exchange" },

	/* token */
	{ .name = "token/ok", .policy = T, .from = JO, .token_ok = TRUE, .pass = TRUE, .method = "token",
	  .reason_has = "sent to the reply address issued to jo@council.example for this case" },
	{ .name = "token/not-ok", .policy = T, .from = JO,
	  .reason_has = "not sent to a reply address issued to jo@council.example" },
	{ .name = "token/external-from", .policy = T, .from = "jo@gmail.com", .token_ok = TRUE,
	  .reason_has = "not one of the council's mail domains" },
	{ .name = "token/ignores-ar", .policy = T, .from = JO,
	  .ar = { MX "; dmarc=pass header.from=council.example" }, .reason_has = "not sent to a reply address" },

	/* from-only */
	{ .name = "from-only/pass", .policy = F, .from = JO, .pass = TRUE, .method = "from-only",
	  .reason_has = "no check: policy from-only" },
	{ .name = "from-only/anyone", .policy = F, .from = "eve@evil.example", .pass = TRUE, .method = "from-only" },
	{ .name = "from-only/no-from", .policy = F, .pass = TRUE, .method = "from-only" },

	/* combinations: any one passing is enough */
	{ .name = "combo/ar-fails-token-passes", .policy = A | T, .from = JO, .token_ok = TRUE,
	  .ar = { MX "; dmarc=fail" }, .pass = TRUE, .method = "token" },
	{ .name = "combo/ar-passes-first", .policy = A | T, .from = JO, .token_ok = TRUE,
	  .ar = { MX "; dmarc=pass" }, .pass = TRUE, .method = "authentication-results" },
	{ .name = "combo/exchange-passes", .policy = A | E, .from = JO, .authas = { "Internal" },
	  .pass = TRUE, .method = "exchange-internal" },
	{ .name = "combo/all-fail", .policy = A | E | T, .from = JO, .ar = { MX "; dmarc=fail" },
	  .authas = { "Anonymous" },
	  .reason_has = "authentication-results: dmarc=fail for council.example reported by mx.council.example, "
	                "and no dkim result from a trusted server; exchange-internal: the topmost "
	                "X-MS-Exchange-Organization-AuthAs is 'Anonymous', not Internal; token: not sent" },
	{ .name = "combo/forged-both", .policy = A | E, .from = JO,
	  .ar = { "evil.example; dmarc=pass" }, .authas = { "Anonymous", "Internal" },
	  .reason_has = "exchange-internal: the topmost" },
	{ .name = "combo/no-policy", .policy = 0, .from = JO, .token_ok = TRUE,
	  .reason_has = "no staff authentication policy is set" },

	/* Reply-To */
	{ .name = "reply-to/same", .policy = A, .from = JO, .reply_to = " <Jo@Council.Example> ",
	  .ar = { MX "; dmarc=pass" }, .pass = TRUE, .method = "authentication-results" },
	{ .name = "reply-to/empty", .policy = A, .from = JO, .reply_to = "",
	  .ar = { MX "; dmarc=pass" }, .pass = TRUE, .method = "authentication-results" },
	{ .name = "reply-to/mismatch-pass", .policy = A, .from = JO, .reply_to = "eve@evil.example",
	  .ar = { MX "; dmarc=pass" }, .pass = TRUE, .method = "authentication-results", .mismatch = TRUE,
	  .reason_has = "; Reply-To eve@evil.example is not the From address" },
	{ .name = "reply-to/mismatch-fail", .policy = T, .from = JO, .reply_to = "eve@evil.example",
	  .mismatch = TRUE, .reason_has = "Reply-To eve@evil.example" },
	{ .name = "reply-to/mismatch-from-only", .policy = F, .from = JO, .reply_to = "jo@gmail.com",
	  .pass = TRUE, .method = "from-only", .mismatch = TRUE },
	{ .name = "reply-to/not-utf8", .policy = F, .from = JO, .reply_to = "\xff\xfe@x\x01", .pass = TRUE,
	  .method = "from-only", .mismatch = TRUE },
};

static void
test_decide(gconstpointer data)
{
	const AuthRow *r = data;
	RdStaffAuthInput in = {
		.policy = r->policy,
		.trusted_ids = trusted,
		.domains = domains,
		.from = r->from,
		.reply_to = r->reply_to,
		.auth_results = r->ar,
		.exchange_authas = r->authas,
		.token_ok = r->token_ok,
	};
	RdStaffAuthResult out;

	rd_staff_auth_decide(&in, &out);
	g_test_message("reason: %s", out.reason);
	g_assert_nonnull(out.reason);
	g_assert_true(g_utf8_validate(out.reason, -1, NULL));
	g_assert_cmpuint(strlen(out.reason), >, 10);
	g_assert_cmpint(out.pass, ==, r->pass);
	g_assert_cmpstr(out.method, ==, r->pass ? r->method : NULL);
	g_assert_cmpint(out.reply_to_mismatch, ==, r->mismatch);
	if (r->reason_has != NULL && strstr(out.reason, r->reason_has) == NULL)
		g_error("%s: reason \"%s\" lacks \"%s\"", r->name, out.reason, r->reason_has);
	rd_staff_auth_result_clear(&out);
	g_assert_null(out.reason);
	g_assert_false(out.pass);
	rd_staff_auth_result_clear(&out);
	rd_staff_auth_result_clear(NULL);
}

static void
test_no_domains(void)
{
	const char *const ar[] = { MX "; dmarc=pass", NULL };
	const char *const none[] = { NULL };
	RdStaffAuthInput in = { .policy = A | T, .trusted_ids = trusted, .domains = none, .from = JO,
	                        .auth_results = ar, .token_ok = TRUE };
	RdStaffAuthResult out;
	rd_staff_auth_decide(&in, &out);
	g_assert_false(out.pass);
	g_assert_nonnull(strstr(out.reason, "no council mail domains are configured"));
	rd_staff_auth_result_clear(&out);

	/* No trusted ids: nothing is trusted. */
	RdStaffAuthInput in2 = { .policy = A, .domains = domains, .from = JO, .auth_results = ar };
	rd_staff_auth_decide(&in2, &out);
	g_assert_false(out.pass);
	g_assert_nonnull(strstr(out.reason, "no Authentication-Results from a trusted server"));
	rd_staff_auth_result_clear(&out);
}

/* ---- policy strings ------------------------------------------------------ */

static void
test_policy_parse(void)
{
	static const struct {
		const char *s;
		guint policy;
		const char *canonical;
	} good[] = {
		{ "authentication-results", A, "authentication-results" },
		{ "exchange-internal", E, "exchange-internal" },
		{ "token", T, "token" },
		{ "from-only", F, "from-only" },
		{ "authentication-results+token", A | T, "authentication-results+token" },
		{ " Token + Authentication-Results ", A | T, "authentication-results+token" },
		{ "exchange-internal+authentication-results+token", A | E | T,
		  "authentication-results+exchange-internal+token" },
		{ "token+token", T, "token" },
	};
	static const struct {
		const char *s, *message;
	} bad[] = {
		{ "dkim", "unknown staff authentication policy 'dkim'" },
		{ "token+dmarc", "'dmarc'" },
		{ "token+", "''" },
		{ "from-only+token", "from-only cannot be combined" },
		{ "token+from-only", "from-only cannot be combined" },
		{ "", "no staff authentication policy given" },
		{ "  ", "no staff authentication policy given" },
		{ NULL, "no staff authentication policy given" },
		{ "tok\xffn", "unknown staff authentication policy" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		guint p = 0;
		g_autofree char *err = NULL;
		g_assert_true(rd_staff_auth_policy_parse(good[i].s, &p, &err));
		g_assert_null(err);
		g_assert_cmpuint(p, ==, good[i].policy);
		g_autofree char *back = rd_staff_auth_policy_to_string(p);
		g_assert_cmpstr(back, ==, good[i].canonical);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		guint p = 12345;
		g_autofree char *err = NULL;
		g_assert_false(rd_staff_auth_policy_parse(bad[i].s, &p, &err));
		g_assert_cmpuint(p, ==, 12345);
		g_assert_nonnull(err);
		g_assert_true(g_utf8_validate(err, -1, NULL));
		if (strstr(err, bad[i].message) == NULL)
			g_error("policy %u: \"%s\" lacks \"%s\"", i, err, bad[i].message);
	}
	g_assert_false(rd_staff_auth_policy_parse("x", NULL, NULL));
	g_assert_true(rd_staff_auth_policy_parse("token", NULL, NULL));
	g_autofree char *empty = rd_staff_auth_policy_to_string(0);
	g_assert_cmpstr(empty, ==, "");
	g_autofree char *extra = rd_staff_auth_policy_to_string(T | 0x100);
	g_assert_cmpstr(extra, ==, "token");
}

/* ---- RFC 8601 parsing ------------------------------------------------------ */

static const RdAuthresResult *
result_at(const RdAuthres *a, guint i)
{
	g_assert_cmpuint(i, <, a->results->len);
	return a->results->pdata[i];
}

static void
test_parse_basic(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse(
		"mx.example.com; dkim=pass header.i=@example.com header.s=sel header.b=ab+/c=");
	g_assert_cmpstr(a->authserv_id, ==, "mx.example.com");
	g_assert_cmpuint(a->version, ==, 1);
	g_assert_false(a->none);
	g_assert_false(a->garbled);
	g_assert_cmpuint(a->results->len, ==, 1);
	const RdAuthresResult *r = result_at(a, 0);
	g_assert_cmpstr(r->method, ==, "dkim");
	g_assert_cmpstr(r->result, ==, "pass");
	g_assert_false(r->broken);
	g_assert_cmpstr(_rd_authres_prop(r, "header.i"), ==, "@example.com");
	g_assert_cmpstr(_rd_authres_prop(r, "header.s"), ==, "sel");
	g_assert_cmpstr(_rd_authres_prop(r, "header.b"), ==, "ab+/c=");
	g_assert_null(_rd_authres_prop(r, "header.d"));
}

static void
test_parse_comments(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse(
		"(leading) mx.example.com (a (nested; one) \\) comment);\r\n"
		"\tspf=pass (sender IP is 192.0.2.1; ok) smtp.mailfrom=jo@example.com (the envelope)");
	g_assert_cmpstr(a->authserv_id, ==, "mx.example.com");
	g_assert_false(a->garbled);
	g_assert_cmpuint(a->results->len, ==, 1);
	const RdAuthresResult *r = result_at(a, 0);
	g_assert_cmpstr(r->method, ==, "spf");
	g_assert_cmpstr(_rd_authres_prop(r, "smtp.mailfrom"), ==, "jo@example.com");
}

static void
test_parse_quoted(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse(
		"\"mx.example.com\"; dkim=fail reason=\"bad sig; (really)\" header.d=\"ex\\\"ample.com\"");
	g_assert_cmpstr(a->authserv_id, ==, "mx.example.com");
	g_assert_cmpuint(a->results->len, ==, 1);
	const RdAuthresResult *r = result_at(a, 0);
	g_assert_cmpstr(r->result, ==, "fail");
	g_assert_cmpstr(r->reason, ==, "bad sig; (really)");
	g_assert_cmpstr(_rd_authres_prop(r, "header.d"), ==, "ex\"ample.com");
}

static void
test_parse_version(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse("mx.example.com 1; dkim=pass");
	g_assert_cmpuint(a->version, ==, 1);
	g_assert_false(a->garbled);
	g_autoptr(RdAuthres) b = _rd_authres_parse("mx.example.com (c) 2 (c); dkim=pass");
	g_assert_cmpuint(b->version, ==, 2);
	g_assert_cmpuint(b->results->len, ==, 1);
	g_autoptr(RdAuthres) c = _rd_authres_parse("mx.example.com 99999999999999; dkim=pass");
	g_assert_true(c->garbled);
}

static void
test_parse_none(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse("mx.example.com; none");
	g_assert_true(a->none);
	g_assert_false(a->garbled);
	g_assert_cmpuint(a->results->len, ==, 0);
	g_autoptr(RdAuthres) b = _rd_authres_parse("mx.example.com 1 ; NONE (nothing checked)");
	g_assert_true(b->none);
	g_assert_cmpuint(b->results->len, ==, 0);
}

static void
test_parse_multiple(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse(
		"mx.example.com; spf=pass smtp.mailfrom=a.example; dkim=pass header.d=a.example "
		"header.s=s1; dkim=fail header.d=b.example; dmarc=fail (p=none) header.from=a.example;");
	g_assert_false(a->garbled);
	g_assert_cmpuint(a->results->len, ==, 4);
	g_assert_cmpstr(result_at(a, 0)->method, ==, "spf");
	g_assert_cmpstr(result_at(a, 1)->method, ==, "dkim");
	g_assert_cmpstr(_rd_authres_prop(result_at(a, 2), "header.d"), ==, "b.example");
	g_assert_cmpstr(result_at(a, 3)->method, ==, "dmarc");
	g_assert_cmpstr(result_at(a, 3)->result, ==, "fail");
}

static void
test_parse_case(void)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse("MX.Example.COM; DKIM/1=Pass Header.D=Example.COM");
	g_assert_cmpstr(a->authserv_id, ==, "mx.example.com");
	const RdAuthresResult *r = result_at(a, 0);
	g_assert_cmpstr(r->method, ==, "dkim");
	g_assert_cmpstr(r->result, ==, "pass");
	g_assert_cmpstr(_rd_authres_prop(r, "header.d"), ==, "Example.COM");

	/* CFWS around '=' and '.'. */
	g_autoptr(RdAuthres) b = _rd_authres_parse("mx; dkim = pass header (x) . d = example.com");
	g_assert_false(b->garbled);
	g_assert_cmpstr(result_at(b, 0)->result, ==, "pass");
	g_assert_cmpstr(_rd_authres_prop(result_at(b, 0), "header.d"), ==, "example.com");
}

static void
test_parse_malformed(void)
{
	static const struct {
		const char *value;
		gboolean has_id, garbled;
		guint n_results;
		gboolean first_broken;
	} rows[] = {
		{ "", FALSE, TRUE, 0, FALSE },
		{ ";", FALSE, TRUE, 0, FALSE },
		{ "   (only a comment", FALSE, TRUE, 0, FALSE },
		{ "mx;", TRUE, FALSE, 0, FALSE },
		{ "mx", TRUE, FALSE, 0, FALSE },
		{ "mx; dkim", TRUE, FALSE, 1, TRUE },
		{ "mx; dkim=", TRUE, FALSE, 1, TRUE },
		{ "mx; dkim=pass header.d", TRUE, FALSE, 1, TRUE },
		{ "mx; dkim=pass header.d=", TRUE, FALSE, 1, TRUE },
		{ "mx; dkim=\"unterminated", TRUE, FALSE, 1, TRUE },
		{ "mx; dkim=pass (unterminated comment", TRUE, FALSE, 1, FALSE },
		{ "mx; =pass", TRUE, TRUE, 0, FALSE },
		{ "mx; ;; dkim=pass", TRUE, TRUE, 1, FALSE },
		{ "mx junk words; dkim=pass", TRUE, TRUE, 1, FALSE },
		{ "mx; dkim=pass; /=x", TRUE, FALSE, 2, FALSE },
		{ "mx; dkim=pass header.d=a b; dmarc=pass", TRUE, FALSE, 2, TRUE },
		/* Outside the grammar but harmless: a property without ptype. */
		{ "mx; dmarc=pass action=none header.from=a.example", TRUE, FALSE, 1, FALSE },
		{ "\xff\xfe;\x01=\x02", TRUE, FALSE, 1, FALSE },
		{ "mx; dkim=pass ) header.d=x", TRUE, FALSE, 1, TRUE },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autoptr(RdAuthres) a = _rd_authres_parse(rows[i].value);
		if ((a->authserv_id != NULL) != rows[i].has_id || a->garbled != rows[i].garbled ||
		    a->results->len != rows[i].n_results)
			g_error("malformed row %u '%s': id %s, garbled %d, %u results", i, rows[i].value,
			        a->authserv_id != NULL ? a->authserv_id : "(null)", a->garbled, a->results->len);
		if (a->results->len > 0 && result_at(a, 0)->broken != rows[i].first_broken)
			g_error("malformed row %u '%s': first result broken %d", i, rows[i].value,
			        result_at(a, 0)->broken);
	}
	g_autoptr(RdAuthres) n = _rd_authres_parse(NULL);
	g_assert_null(n->authserv_id);
	_rd_authres_free(NULL);
}

/* ---- staff reply addresses ------------------------------------------------------ */

static guint8 key[RD_TOKEN_KEY_LEN];
static guint8 other_key[RD_TOKEN_KEY_LEN];
static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

static void
test_token_known_answer(void)
{
	/* Pinned: computed outside redress (HMAC-SHA256, key bytes 0..31,
	 * over "staff\0CMP-2026-000123\0r\0jo.bloggs@council.example", first
	 * 40 bits in the alphabet). A change breaks every staff reply
	 * address already sent. */
	g_autofree char *r = rd_staff_token_address(key, sizeof(key), "complaints@council.example",
	                                            "cmp-2026-000123", "Jo.Bloggs@Council.Example",
	                                            RD_STAFF_TOKEN_REPLY);
	g_assert_cmpstr(r, ==, "complaints+cmp-2026-000123-r-ttfn4xdk@council.example");
	g_autofree char *n = rd_staff_token_address(key, sizeof(key), "complaints+inbox@council.example",
	                                            "CMP-2026-000123", "<jo.bloggs@council.example>",
	                                            RD_STAFF_TOKEN_NOTE);
	g_assert_cmpstr(n, ==, "complaints+cmp-2026-000123-n-124a6030@council.example");
}

static void
test_token_round_trip(void)
{
	static const RdStaffTokenPurpose purposes[] = { RD_STAFF_TOKEN_REPLY, RD_STAFF_TOKEN_NOTE };
	for (gint64 seq = 1; seq < 300; seq += 11) {
		for (guint p = 0; p < G_N_ELEMENTS(purposes); p++) {
			g_autofree char *ref = rd_reference_format("CMP", 2026, seq);
			g_autofree char *addr = rd_staff_token_address(key, sizeof(key), "complaints@council.example",
			                                               ref, "jo@council.example", purposes[p]);
			g_autofree char *lower = g_ascii_strdown(ref, -1);
			g_autofree char *start = g_strdup_printf("complaints+%s-%c-", lower, purposes[p]);
			g_assert_true(g_str_has_prefix(addr, start));
			g_assert_true(g_str_has_suffix(addr, "@council.example"));
			const char *mac = addr + strlen(start);
			g_assert_cmpint(strcspn(mac, "@"), ==, 8);
			g_assert_cmpint(strspn(mac, alphabet), ==, 8);

			g_autofree char *got = NULL;
			RdStaffTokenPurpose purpose = 0;
			gboolean valid = FALSE;
			g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", addr, "Jo@Council.Example", &got,
			                                   &purpose, &valid));
			g_assert_cmpstr(got, ==, ref);
			g_assert_cmpint(purpose, ==, purposes[p]);
			g_assert_true(valid);

			/* Upper case, brackets, blanks: still valid. */
			g_autofree char *up = g_ascii_strup(addr, -1);
			g_autofree char *wrapped = g_strdup_printf(" <%s> ", up);
			g_assert_true(rd_staff_token_parse(key, sizeof(key), "cmp", wrapped, "jo@council.example", NULL,
			                                   NULL, &valid));
			g_assert_true(valid);

			/* Another member, another key, no member: shaped, not valid. */
			g_autofree char *ref2 = NULL;
			g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", addr, "eve@council.example", &ref2,
			                                   NULL, &valid));
			g_assert_false(valid);
			g_assert_cmpstr(ref2, ==, ref);
			g_assert_true(rd_staff_token_parse(other_key, sizeof(other_key), "CMP", addr,
			                                   "jo@council.example", NULL, NULL, &valid));
			g_assert_false(valid);
			g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", addr, NULL, NULL, NULL, &valid));
			g_assert_false(valid);
			/* Another prefix: not a staff token for it. */
			g_assert_false(rd_staff_token_parse(key, sizeof(key), "REF", addr, "jo@council.example", NULL,
			                                    NULL, &valid));
		}
	}
}

static void
test_token_tampered(void)
{
	const char *good = "complaints+cmp-2026-000123-r-ttfn4xdk@council.example";
	gboolean valid = FALSE;
	RdStaffTokenPurpose purpose = 0;
	const char *member = "jo.bloggs@council.example";

	g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", good, member, NULL, NULL, &valid));
	g_assert_true(valid);
	/* The purpose is under the MAC: a reply address is not a note
	 * address. */
	g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP",
	                                   "complaints+cmp-2026-000123-n-ttfn4xdk@council.example", member, NULL,
	                                   &purpose, &valid));
	g_assert_cmpint(purpose, ==, RD_STAFF_TOKEN_NOTE);
	g_assert_false(valid);
	/* Another case. */
	g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP",
	                                   "complaints+cmp-2026-000124-r-ttfn4xdk@council.example", member, NULL,
	                                   NULL, &valid));
	g_assert_false(valid);
	/* Every one-character change of the MAC. */
	const gsize at = strlen("complaints+cmp-2026-000123-r-");
	for (guint pos = 0; pos < 8; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			g_autofree char *t = g_strdup(good);
			if (t[at + pos] == *a)
				continue;
			t[at + pos] = *a;
			g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", t, member, NULL, NULL, &valid));
			if (valid)
				g_error("tampered staff MAC accepted: %s", t);
		}
	}
}

static void
test_token_retyped(void)
{
	gboolean valid = FALSE;
	g_autofree char *ref = NULL;
	/* The note MAC is 124a6030: l, I and o read as 1 and 0, and so in
	 * the reference's digits. */
	g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP",
	                                   "Complaints+CMP-2O26-OOOl23-N-l24A6O3O@Council.Example",
	                                   "jo.bloggs@council.example", &ref, NULL, &valid));
	g_assert_true(valid);
	g_assert_cmpstr(ref, ==, "CMP-2026-000123");
}

static void
test_token_cross(void)
{
	/* A staff address is not a complainant's token, and the other way
	 * round, whatever the member. */
	for (gint64 seq = 1; seq < 200; seq += 3) {
		g_autofree char *ref = rd_reference_format("CMP", 2026, seq);
		g_autofree char *staff_r = rd_staff_token_address(key, sizeof(key), "complaints@council.example", ref,
		                                                  "jo@council.example", RD_STAFF_TOKEN_REPLY);
		g_autofree char *staff_n = rd_staff_token_address(key, sizeof(key), "complaints@council.example", ref,
		                                                  "jo@council.example", RD_STAFF_TOKEN_NOTE);
		g_autofree char *complainant = rd_token_address(key, sizeof(key), "complaints@council.example", ref);
		g_autofree char *v1 = rd_token_verify(key, sizeof(key), "CMP", staff_r);
		g_autofree char *v2 = rd_token_verify(key, sizeof(key), "CMP", staff_n);
		g_assert_null(v1);
		g_assert_null(v2);
		g_autofree char *ok = rd_token_verify(key, sizeof(key), "CMP", complainant);
		g_assert_cmpstr(ok, ==, ref);

		static char sentinel[] = "untouched";
		char *got = sentinel;
		gboolean valid = TRUE;
		g_assert_false(rd_staff_token_parse(key, sizeof(key), "CMP", complainant, "jo@council.example", &got,
		                                    NULL, &valid));
		g_assert_null(got);
		g_assert_false(valid);

		/* The complainant's MAC pasted into the staff shape does not
		 * verify either. */
		const char *mac = strrchr(complainant, '-') + 1;
		g_autofree char *lower = g_ascii_strdown(ref, -1);
		g_autofree char *forged = g_strdup_printf("complaints+%s-r-%.8s@council.example", lower, mac);
		g_assert_true(rd_staff_token_parse(key, sizeof(key), "CMP", forged, "jo@council.example", NULL, NULL,
		                                   &valid));
		g_assert_false(valid);
	}
}

static void
test_token_garbage(void)
{
	static const char *const rows[] = {
		"",
		"@",
		"+@",
		"complaints@council.example",
		"complaints+@council.example",
		"complaints+cmp-2026-000123-8n57b2w7@council.example",
		"complaints+cmp-2026-000123-r@council.example",
		"complaints+cmp-2026-000123-r-@council.example",
		"complaints+cmp-2026-000123-x-ttfn4xdk@council.example",
		"complaints+cmp-2026-000123-rr-ttfn4xdk@council.example",
		"complaints+cmp-2026-000123r-ttfn4xdk@council.example",
		"complaints+cmp-2026-000123--ttfn4xdk@council.example",
		"complaints+cmp-2026-000123-r-ttfn4xd@council.example",
		"complaints+cmp-2026-000123-r-ttfn4xdk9@council.example",
		"complaints+cmp-2026-000123-r-ttfn4xd!@council.example",
		"complaints+-r-ttfn4xdk@council.example",
		"complaints+cmp-r-ttfn4xdk@council.example",
		"complaints+cmp-2026-00123-r-ttfn4xdk@council.example",
		"complaints+xcmp-2026-000123-r-ttfn4xdk@council.example",
		"cmp-2026-000123-r-ttfn4xdk@council.example",
		"complaints+cmp-2026-000123-r-ttfn4xdk",
		"\xff\xfe+\xff-r-\xff@\xff",
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *ref = NULL;
		gboolean valid = TRUE;
		if (rd_staff_token_parse(key, sizeof(key), "CMP", rows[i], "jo.bloggs@council.example", &ref, NULL,
		                         &valid))
			g_error("garbage row %u taken for a staff token: %s", i, rows[i]);
		g_assert_null(ref);
		g_assert_false(valid);
	}
	g_assert_false(rd_staff_token_parse(key, sizeof(key), NULL, "complaints+cmp-2026-000123-r-ttfn4xdk@x.example",
	                                    "jo@x.example", NULL, NULL, NULL));
	g_assert_false(rd_staff_token_parse(key, sizeof(key), "CMP", NULL, "jo@x.example", NULL, NULL, NULL));
	/* Without a key the shape is still read, never valid. */
	gboolean valid = TRUE;
	g_assert_true(rd_staff_token_parse(NULL, 0, "CMP", "complaints+cmp-2026-000123-r-ttfn4xdk@x.example",
	                                   "jo.bloggs@council.example", NULL, NULL, &valid));
	g_assert_false(valid);

	/* Bad arguments to the maker are the caller's bug. */
	g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*failed*");
	char *bad = rd_staff_token_address(key, sizeof(key), "complaints@x.example", "CMP-2026-000001",
	                                   "jo@x.example", (RdStaffTokenPurpose)'x');
	g_test_assert_expected_messages();
	g_assert_null(bad);
	g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*failed*");
	bad = rd_staff_token_address(key, sizeof(key), "complaints@x.example", "not a ref", "jo@x.example",
	                             RD_STAFF_TOKEN_REPLY);
	g_test_assert_expected_messages();
	g_assert_null(bad);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < sizeof(key); i++) {
		key[i] = (guint8)i;
		other_key[i] = (guint8)(i + 1);
	}
	for (guint i = 0; i < G_N_ELEMENTS(auth_rows); i++) {
		g_autofree char *path = g_strdup_printf("/staffauth/decide/%s", auth_rows[i].name);
		g_test_add_data_func(path, &auth_rows[i], test_decide);
	}
	g_test_add_func("/staffauth/decide/no-domains", test_no_domains);
	g_test_add_func("/staffauth/policy/parse", test_policy_parse);
	g_test_add_func("/staffauth/authres/basic", test_parse_basic);
	g_test_add_func("/staffauth/authres/comments", test_parse_comments);
	g_test_add_func("/staffauth/authres/quoted", test_parse_quoted);
	g_test_add_func("/staffauth/authres/version", test_parse_version);
	g_test_add_func("/staffauth/authres/none", test_parse_none);
	g_test_add_func("/staffauth/authres/multiple", test_parse_multiple);
	g_test_add_func("/staffauth/authres/case", test_parse_case);
	g_test_add_func("/staffauth/authres/malformed", test_parse_malformed);
	g_test_add_func("/staffauth/token/known-answer", test_token_known_answer);
	g_test_add_func("/staffauth/token/round-trip", test_token_round_trip);
	g_test_add_func("/staffauth/token/tampered", test_token_tampered);
	g_test_add_func("/staffauth/token/retyped", test_token_retyped);
	g_test_add_func("/staffauth/token/cross", test_token_cross);
	g_test_add_func("/staffauth/token/garbage", test_token_garbage);
	return g_test_run();
}
