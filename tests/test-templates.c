/*
 * test-templates.c — templates/: the renderer, name checking, loading the
 * shipped letters, and the MIME letter builder.
 *
 * Renderer and check cases are tables of { template, expected } rows. The
 * letter tests build a message, parse it back with GMime and look at every
 * header; the injection tests push CR/LF through each header value. The
 * shipped letters are found under RD_SRCDIR/templates/letters.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "templates-private.h"

static RdTplValues *
sample_values(void)
{
	RdTplValues *v = rd_tpl_values_new();
	RdTplValues *item;

	rd_tpl_values_set(v, "case.reference", "CMP-2026-000123");
	rd_tpl_values_set(v, "name", "Ann");
	rd_tpl_values_set(v, "empty", "");
	rd_tpl_values_set(v, "evil", "<script>alert(\"x\")</script> & 'y'");
	rd_tpl_values_set_flag(v, "flag.on", TRUE);
	rd_tpl_values_set_flag(v, "flag.off", FALSE);
	rd_tpl_values_add_string(v, "points", "bins");
	rd_tpl_values_add_string(v, "points", "a<b");
	item = rd_tpl_values_add_item(v, "people");
	rd_tpl_values_set(item, "name", "Bob");
	rd_tpl_values_add_string(item, "tags", "t1");
	item = rd_tpl_values_add_item(v, "people");
	rd_tpl_values_set(item, "name", "Cy");
	return v;
}

/* ---- renderer -------------------------------------------------------- */

typedef struct {
	const char *tpl;
	const char *text;   /* expected in text mode */
	const char *html;   /* expected in HTML mode (NULL: same as text) */
} RenderCase;

static const RenderCase render_cases[] = {
	{ "plain text", "plain text", NULL },
	{ "Ref {{case.reference}}.", "Ref CMP-2026-000123.", NULL },
	{ "{{ case.reference }}", "CMP-2026-000123", NULL },
	{ "[{{missing}}]", "[]", NULL },
	{ "{{#if name}}yes{{/if}}", "yes", NULL },
	{ "{{#if empty}}yes{{else}}no{{/if}}", "no", NULL },
	{ "{{#if missing}}yes{{else}}no{{/if}}", "no", NULL },
	{ "{{#unless missing}}none{{/unless}}", "none", NULL },
	{ "{{#if flag.on}}a{{#if flag.off}}b{{else}}c{{#if name}}d{{/if}}{{/if}}{{/if}}",
	  "acd", NULL },
	{ "{{#if flag.off}}x{{else}}{{#if flag.on}}y{{else}}z{{/if}}{{/if}}", "y", NULL },
	{ "{{#each points}}({{.}}){{/each}}", "(bins)(a<b)", "(bins)(a&lt;b)" },
	{ "{{#if points}}has{{/if}}{{#if nolist}}x{{/if}}", "has", NULL },
	{ "{{#each people}}{{item.name}}:{{name}};{{/each}}", "Bob:Ann;Cy:Ann;", NULL },
	{ "{{#each people}}{{#each item.tags}}{{.}}{{/each}}|{{/each}}", "t1||", NULL },
	{ "{{#each nolist}}x{{/each}}end", "end", NULL },
	{ "a{{! a comment }}b", "ab", NULL },
	{ "a{{! multi\nline\ncomment }}b", "ab", NULL },
	{ "{{evil}}", "<script>alert(\"x\")</script> & 'y'",
	  "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;" },
	{ "<b>{{name}}</b> & co", "<b>Ann</b> & co", NULL },
	/* A block tag alone on its line takes the line with it. */
	{ "a\n{{#if name}}\nb\n{{/if}}\nc\n", "a\nb\nc\n", NULL },
	{ "a\n  {{#if missing}}\nb\n  {{else}}\nB\n  {{/if}}\nc", "a\nB\nc", NULL },
	{ "{{! top }}\nx\n", "x\n", NULL },
	{ "- {{#if name}}x{{/if}}\n", "- x\n", NULL },
	{ "list:\n{{#each points}}\n- {{.}}\n{{/each}}\nend\n", "list:\n- bins\n- a<b\nend\n",
	  "list:\n- bins\n- a&lt;b\nend\n" },
	{ "single { brace } and }} alone", "single { brace } and }} alone", NULL },
	{ "Welsh: ŵ ŷ â {{name}}", "Welsh: ŵ ŷ â Ann", NULL },
};

static void
test_render(void)
{
	g_autoptr(RdTplValues) v = sample_values();

	for (gsize i = 0; i < G_N_ELEMENTS(render_cases); i++) {
		const RenderCase *c = &render_cases[i];
		g_autoptr(GError) err = NULL;
		g_autoptr(RdTemplate) tpl = rd_template_parse(c->tpl, -1, "t", &err);
		g_autofree char *text = NULL;
		g_autofree char *html = NULL;

		g_test_message("case %" G_GSIZE_FORMAT ": %s", i, c->tpl);
		g_assert_no_error(err);
		text = rd_template_render(tpl, v, RD_TPL_TEXT);
		html = rd_template_render(tpl, v, RD_TPL_HTML);
		g_assert_cmpstr(text, ==, c->text);
		g_assert_cmpstr(html, ==, c->html != NULL ? c->html : c->text);
	}
}

static void
test_render_values(void)
{
	g_autoptr(RdTplValues) v = rd_tpl_values_new();
	g_autoptr(RdTemplate) tpl = rd_template_parse("[{{a}}]", -1, "t", NULL);
	g_autofree char *out = NULL;
	g_autofree char *none = NULL;

	rd_tpl_values_set(v, "a", "first");
	rd_tpl_values_set(v, "a", "bad \xff utf8");
	g_assert_true(g_utf8_validate(rd_tpl_values_get(v, "a"), -1, NULL));
	rd_tpl_values_set(v, "a", NULL);
	g_assert_null(rd_tpl_values_get(v, "a"));
	out = rd_template_render(tpl, v, RD_TPL_TEXT);
	g_assert_cmpstr(out, ==, "[]");
	none = rd_template_render(tpl, NULL, RD_TPL_HTML);
	g_assert_cmpstr(none, ==, "[]");
	rd_tpl_values_free(NULL);
	rd_template_free(NULL);
}

/* ---- syntax errors --------------------------------------------------- */

typedef struct {
	const char *tpl;
	const char *message;  /* expected error text, exactly */
} ErrorCase;

static const ErrorCase syntax_cases[] = {
	{ "a\n{{#if x}}\nb\n", "f.txt:2: '{{#if x}}' is never closed" },
	{ "{{/if}}", "f.txt:1: '{{/if}}' without an open '{{#if}}'" },
	{ "\n\n{{#if x}}{{/each}}", "f.txt:3: '{{/each}}' closes '{{#if x}}' of line 3" },
	{ "{{else}}", "f.txt:1: '{{else}}' outside '{{#if}}' or '{{#unless}}'" },
	{ "{{#each p}}{{else}}{{/each}}", "f.txt:1: '{{else}}' outside '{{#if}}' or '{{#unless}}'" },
	{ "{{#if a}}{{else}}{{else}}{{/if}}", "f.txt:1: second '{{else}}' in '{{#if a}}' of line 1" },
	{ "x\ny {{name", "f.txt:2: '{{' is never closed with '}}'" },
	{ "{{#with a}}", "f.txt:1: unknown block '{{#with}}'" },
	{ "{{#if}}{{/if}}", "f.txt:1: '{{#if}}' needs a variable name, not ''" },
	{ "{{a b}}", "f.txt:1: bad variable name 'a b'" },
	{ "{{a..b}}", "f.txt:1: bad variable name 'a..b'" },
	/* A tag over two lines is quoted on one (a fuzz finding). */
	{ "{{a\nb}}", "f.txt:1: bad variable name 'a b'" },
	{ "{{/if x}}", "f.txt:1: '{{/if}}' takes no name\n"
	               "f.txt:1: '{{/if}}' without an open '{{#if}}'" },
	/* Several problems come out together, in order. */
	{ "{{#if a}}\n{{bad name}}\n{{#each b}}\n",
	  "f.txt:2: bad variable name 'bad name'\n"
	  "f.txt:3: '{{#each b}}' is never closed\n"
	  "f.txt:1: '{{#if a}}' is never closed" },
	{ "ok\n\xff", "f.txt:2: not valid UTF-8" },
};

static void
test_syntax_errors(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(syntax_cases); i++) {
		const ErrorCase *c = &syntax_cases[i];
		g_autoptr(GError) err = NULL;
		g_autoptr(RdTemplate) tpl = rd_template_parse(c->tpl, -1, "f.txt", &err);
		g_autofree char *shown = g_strescape(c->tpl, NULL);

		g_test_message("case %" G_GSIZE_FORMAT ": %s", i, shown);
		g_assert_null(tpl);
		g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_SYNTAX);
		g_assert_cmpstr(err->message, ==, c->message);
	}
}

static void
test_deep_nesting(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(RdTemplate) tpl = NULL;

	for (int i = 0; i < RD_TEMPLATE_MAX_DEPTH + 5; i++)
		g_string_append(s, "{{#if a}}");
	for (int i = 0; i < RD_TEMPLATE_MAX_DEPTH + 5; i++)
		g_string_append(s, "{{/if}}");
	tpl = rd_template_parse(s->str, s->len, "deep", &err);
	g_assert_null(tpl);
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_SYNTAX);
	g_assert_nonnull(strstr(err->message, "nested more than"));
}

/* ---- check ----------------------------------------------------------- */

static const char *const check_names[] = {
	"case.reference", "name", "points[]", "people[]", "people[].name",
	"people[].tags[]", NULL
};

static const ErrorCase check_cases[] = {
	{ "{{case.reference}} {{name}}", NULL },
	{ "{{#each points}}{{.}}{{/each}}{{#if points}}x{{/if}}", NULL },
	{ "{{#each people}}{{item.name}}{{#each item.tags}}{{.}}{{/each}}{{/each}}", NULL },
	{ "{{! unknown.name in a comment is not checked }}", NULL },
	{ "a\nb {{case.refrence}}", "f.txt:2: unknown variable 'case.refrence'" },
	{ "{{x}}\n{{#if y}}\n{{z}}{{/if}}\n{{#each w}}{{/each}}",
	  "f.txt:1: unknown variable 'x'\n"
	  "f.txt:2: unknown variable 'y'\n"
	  "f.txt:3: unknown variable 'z'\n"
	  "f.txt:4: unknown variable 'w'" },
	{ "{{points}}", "f.txt:1: 'points' is a list: use '{{#each points}}'" },
	{ "{{#each name}}{{/each}}", "f.txt:1: 'name' is not a list" },
	{ "{{.}}", "f.txt:1: '{{.}}' outside '{{#each}}'" },
	{ "{{item.name}}", "f.txt:1: unknown variable 'item.name'" },
	{ "{{#each points}}{{item.name}}{{/each}}", "f.txt:1: unknown variable 'item.name'" },
	{ "{{#each people}}{{item.age}}{{/each}}", "f.txt:1: unknown variable 'item.age'" },
	{ "{{#if a}}{{else}}{{b}}{{/if}}", "f.txt:1: unknown variable 'a'\n"
	                                  "f.txt:1: unknown variable 'b'" },
};

static void
test_check(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(check_cases); i++) {
		const ErrorCase *c = &check_cases[i];
		g_autoptr(GError) err = NULL;
		g_autoptr(RdTemplate) tpl = rd_template_parse(c->tpl, -1, "f.txt", &err);
		gboolean ok;

		g_test_message("case %" G_GSIZE_FORMAT ": %s", i, c->tpl);
		g_assert_no_error(err);
		ok = rd_template_check(tpl, check_names, &err);
		if (c->message == NULL) {
			g_assert_no_error(err);
			g_assert_true(ok);
		} else {
			g_assert_false(ok);
			g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_UNKNOWN);
			g_assert_cmpstr(err->message, ==, c->message);
		}
	}
}

/* ---- loading --------------------------------------------------------- */

static char *
letters_dir(void)
{
	return g_build_filename(RD_SRCDIR, "templates", "letters", NULL);
}

static const char *const shipped_letters[] = {
	"action-escalated", "action-overdue", "action-reminder",
	"chief-executive-referral", "closing-letter", "command-result", "holding-reply", "oversight-report",
	"procedure-changed", "staff-correspondence", "staff-dept-notice", "staff-digest", "staff-forward-confirmation",
	"staff-letter-failed", "staff-new-case", "staff-overdue", "staff-reminder", "staff-reply", "staff-spoof-alert",
	"staff-survey", "stage1-acknowledgement", "stage2-acknowledgement", "stage2-declined", "survey", NULL
};

static void
test_load_shipped(void)
{
	g_autofree char *dir = letters_dir();
	g_autoptr(GError) err = NULL;
	g_autoptr(RdTemplateSet) set = rd_template_load_dir(dir, &err);
	g_auto(GStrv) names = NULL;
	g_auto(GStrv) langs = NULL;

	g_assert_no_error(err);
	g_assert_nonnull(set);
	/* Every shipped template passes check against the exported list. */
	rd_template_set_check(set, rd_letter_variable_names(), &err);
	g_assert_no_error(err);

	names = rd_template_set_list_names(set);
	langs = rd_template_set_list_langs(set);
	g_assert_cmpstrv(names, shipped_letters);
	g_assert_cmpuint(g_strv_length(langs), ==, 2);
	g_assert_cmpstr(langs[0], ==, "cy");
	g_assert_cmpstr(langs[1], ==, "en");
	for (const char *const *n = shipped_letters; *n != NULL; n++) {
		g_assert_true(rd_template_set_has(set, *n, "en"));
		g_assert_true(rd_template_set_has(set, *n, "cy"));
	}
	g_assert_false(rd_template_set_has(set, "stage1-acknowledgement", "fr"));
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_load_errors(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *tmp = g_dir_make_tmp("rd-tpl-XXXXXX", &err);
	g_autoptr(RdTemplateSet) set = NULL;
	g_autofree char *expect = NULL;
	g_autofree char *missing = NULL;

	g_assert_no_error(err);
	/* An empty directory has no letters. */
	set = rd_template_load_dir(tmp, &err);
	g_assert_null(set);
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_LOAD);
	g_clear_error(&err);

	write_file(tmp, "en/good.subject", "Ref {{case.reference}}\n");
	write_file(tmp, "en/good.txt", "Hello\n");
	write_file(tmp, "en/good.html", "<p>Hello</p>\n");
	write_file(tmp, "en/half.subject", "x\n");
	write_file(tmp, "en/half.txt", "line 1\n{{#if a}}\n");
	write_file(tmp, "en/README.md", "ignored\n");
	write_file(tmp, "notalang/x.txt", "ignored\n");
	set = rd_template_load_dir(tmp, &err);
	g_assert_null(set);
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_LOAD);
	expect = g_strdup_printf("%s/en/half.txt:2: '{{#if a}}' is never closed\n"
	                         "%s/en/half.html: missing (every letter needs "
	                         ".subject, .txt and .html)", tmp, tmp);
	g_assert_cmpstr(err->message, ==, expect);
	g_clear_error(&err);

	/* Fixed, the set loads; check then names the unknown variable. */
	write_file(tmp, "en/half.txt", "line 1\n{{#if a}}{{/if}}\n");
	write_file(tmp, "en/half.html", "{{case.reference}}\n");
	set = rd_template_load_dir(tmp, &err);
	g_assert_no_error(err);
	g_assert_false(rd_template_set_check(set, rd_letter_variable_names(), &err));
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_UNKNOWN);
	missing = g_strdup_printf("%s/en/half.txt:2: unknown variable 'a'", tmp);
	g_assert_cmpstr(err->message, ==, missing);
	g_clear_error(&err);

	g_assert_null(rd_template_set_render(set, "good", "cy", NULL, &err));
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_NOT_FOUND);
	g_clear_error(&err);

	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);

		g_assert_cmpint(system(cmd), ==, 0);
	}
	g_clear_pointer(&set, rd_template_set_free);
	set = rd_template_load_dir("/nonexistent/rd-templates", &err);
	g_assert_null(set);
	g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_LOAD);
}

/* A value for every exported name, in the letter's language. */
static RdTplValues *
full_values(const char *lang, gboolean flags)
{
	RdTplValues *v = rd_tpl_values_new();
	gboolean cy = g_strcmp0(lang, "cy") == 0;

	rd_tpl_values_set(v, "council.name", cy ? "Cyngor Sir Enghraifft" : "Example County Council");
	rd_tpl_values_set(v, "council.email", "complaints@council.example");
	rd_tpl_values_set(v, "council.phone", "01234 567890");
	rd_tpl_values_set(v, "council.website", "https://council.example/complaints");
	rd_tpl_values_set(v, "case.reference", "CMP-2026-000123");
	rd_tpl_values_set(v, "action.id", "12");
	rd_tpl_values_set(v, "action.text", "Crews get the new round lists");
	rd_tpl_values_set(v, "action.due", cy ? "31 Mawrth 2026" : "31 March 2026");
	rd_tpl_values_set(v, "action.status", "agreed");
	rd_tpl_values_set(v, "action.owner", "Jo Bloggs");
	rd_tpl_values_set(v, "action.owner_email", "jo@council.example");
	rd_tpl_values_set(v, "action.service", flags ? "Waste" : NULL);
	rd_tpl_values_set(v, "action.cases", flags ? "CMP-2026-000123" : NULL);
	rd_tpl_values_set(v, "action.reply_address", "complaints+act-12-k3j9m2qa@council.example");
	rd_tpl_values_set(v, "survey.questions", cy ? "1. Pa mor hawdd oedd gwneud eich cwyn?" : "1. How easy was it?");
	rd_tpl_values_set(v, "survey.answer_by", cy ? "dydd Llun 4 Ionawr 2027" : "Monday 4 January 2027");
	rd_tpl_values_set(v, "case.received", cy ? "3 Mawrth 2026" : "3 March 2026");
	rd_tpl_values_set(v, "case.received_on", cy ? "ar ddydd Mawrth 3 Mawrth 2026" : "on Tuesday 3 March 2026");
	rd_tpl_values_set(v, "case.reply_by", cy ? "17 Mawrth 2026" : "17 March 2026");
	rd_tpl_values_set(v, "case.new_date", cy ? "31 Mawrth 2026" : "31 March 2026");
	rd_tpl_values_set(v, "case.escalate_by", cy ? "17 Ebrill 2026" : "17 April 2026");
	rd_tpl_values_set(v, "case.department_notice_by", "10 March 2026");
	rd_tpl_values_set(v, "case.stage", "1");
	rd_tpl_values_set(v, "case.subject", "Missed bin collection <again>");
	rd_tpl_values_set(v, "case.excerpt", "My bin was not collected\non 1 March & 8 March.");
	rd_tpl_values_set(v, "case.summary", "Bins missed twice.");
	rd_tpl_values_set(v, "case.service", cy ? "Gwastraff" : "Waste");
	rd_tpl_values_set(v, "case.channel", "email");
	rd_tpl_values_set(v, "case.outcome", cy ? "Cadarnhawyd" : "Upheld");
	rd_tpl_values_set(v, "case.reply_address", "complaints+cmp-2026-000123-k3j9@council.example");
	rd_tpl_values_set(v, "case.url", "https://redress.council.example/case/CMP-2026-000123");
	rd_tpl_values_set(v, "complainant.name", "Siân O'Brien");
	rd_tpl_values_set(v, "complainant.email", "sian@example.org");
	rd_tpl_values_set(v, "handler.name", "J. Smith");
	rd_tpl_values_set(v, "handler.email", "j.smith@council.example");
	rd_tpl_values_set(v, "handler.phone", "01234 567891");
	rd_tpl_values_set(v, "office.name", cy ? "Prif Weithredwr" : "Chief Executive");
	rd_tpl_values_set(v, "ombudsman.name", cy ? "Ombwdsmon Gwasanaethau Cyhoeddus Cymru"
	                                          : "Local Government and Social Care Ombudsman");
	rd_tpl_values_set(v, "ombudsman.website", "https://ombudsman.example");
	rd_tpl_values_set(v, "ombudsman.phone", "0300 061 0614");
	rd_tpl_values_set(v, "reason", "We are waiting for a report from our contractor.");
	rd_tpl_values_set_flag(v, "flag.ombudsman_details", flags);
	rd_tpl_values_set_flag(v, "flag.referred_back", flags);
	rd_tpl_values_set_flag(v, "flag.final_stage", flags);
	rd_tpl_values_set_flag(v, "flag.final_response", flags);
	rd_tpl_values_set(v, "message.text", cy ? "Diolch am eich neges." : "Thank you for your message.");
	rd_tpl_values_set(v, "staff.name", "Sam Patel");
	rd_tpl_values_set(v, "staff.email", "sam.patel@council.example");
	rd_tpl_values_add_string(v, "points", "The bin was missed twice");
	rd_tpl_values_add_string(v, "points", "Nobody called back");
	rd_tpl_values_set(v, "report.period", cy ? "1 Gorffennaf i 30 Medi 2026" : "1 July to 30 September 2026");
	rd_tpl_values_set(v, "report.attachment", "complaints-report-2026Q3.html");
	rd_tpl_values_set(v, "report.received", "412");
	rd_tpl_values_set(v, "report.closed", "398");
	rd_tpl_values_set(v, "report.stage1_closed", "350");
	rd_tpl_values_set(v, "report.stage1_within", "301");
	rd_tpl_values_set(v, "report.stage2_closed", "48");
	rd_tpl_values_set(v, "report.stage2_within", "40");
	if (flags) {
		/* Without them: nothing was closed at that stage. */
		rd_tpl_values_set(v, "report.stage1_within_percent", "86.0");
		rd_tpl_values_set(v, "report.stage1_average_days", "3.9");
		rd_tpl_values_set(v, "report.stage2_within_percent", "83.3");
		rd_tpl_values_set(v, "report.stage2_average_days", "14.2");
	}
	return v;
}

/* Staff notices are named staff-… (and command-result); staff-reply is
 * the member of staff's words relayed to the complainant. The oversight
 * report goes to senior officers and is about no case. */
static gboolean
to_complainant(const char *name)
{
	return strcmp(name, "staff-reply") == 0 ||
	       (!g_str_has_prefix(name, "staff-") && !g_str_has_prefix(name, "action-") &&
	        strcmp(name, "command-result") != 0 &&
	        strcmp(name, "oversight-report") != 0);
}

/* The oversight report: the period and figures, and nothing about any
 * case or person although every value is set. */
static void
check_oversight(const RdRenderedLetter *r, const char *lang, gboolean flags)
{
	gboolean cy = lang[0] == 'c';
	g_assert_nonnull(strstr(r->subject, cy ? "1 Gorffennaf i 30 Medi 2026" : "1 July to 30 September 2026"));
	g_assert_nonnull(strstr(r->text, cy ? "Cwynion a ddaeth i law: 412" : "Complaints received: 412"));
	g_assert_nonnull(strstr(r->html, "complaints-report-2026Q3.html"));
	if (flags)
		g_assert_nonnull(strstr(r->text, cy ? "301 (86.0%) o fewn 5 diwrnod gwaith; 3.9 diwrnod"
		                                    : "301 (86.0%) within 5 working days; 3.9 working days"));
	else
		g_assert_nonnull(strstr(r->text, cy ? "Cam 2: 48 wedi'u cau." : "Stage 2: 48 closed."));
	static const char *const personal[] = { "CMP-2026-000123", "Siân", "sian@", "Missed bin", "J. Smith" };
	for (gsize i = 0; i < G_N_ELEMENTS(personal); i++) {
		g_assert_null(strstr(r->subject, personal[i]));
		g_assert_null(strstr(r->text, personal[i]));
		g_assert_null(strstr(r->html, personal[i]));
	}
}

static void
test_render_shipped(void)
{
	static const char *const langs[] = { "en", "cy" };
	g_autofree char *dir = letters_dir();
	g_autoptr(GError) err = NULL;
	g_autoptr(RdTemplateSet) set = rd_template_load_dir(dir, &err);

	g_assert_no_error(err);
	rd_templates_init();
	for (gsize l = 0; l < G_N_ELEMENTS(langs); l++) {
		for (int flags = 0; flags < 2; flags++) {
			g_autoptr(RdTplValues) v = full_values(langs[l], flags);

			for (const char *const *n = shipped_letters; *n != NULL; n++) {
				g_autoptr(RdRenderedLetter) r =
				        rd_template_set_render(set, *n, langs[l], v, &err);
				RdLetter letter = { 0 };
				g_autoptr(GBytes) bytes = NULL;

				g_test_message("%s/%s flags=%d", langs[l], *n, flags);
				g_assert_no_error(err);
				g_assert_null(strchr(r->subject, '\n'));
				if (strcmp(*n, "oversight-report") == 0) {
					check_oversight(r, langs[l], flags);
				} else if (g_str_has_prefix(*n, "action-")) {
					/* About a learning action, not a case: its
					 * number, its text, where to reply. */
					g_assert_nonnull(strstr(r->subject, "12"));
					g_assert_nonnull(strstr(r->text, "Crews get the new round lists"));
					g_assert_nonnull(strstr(r->text, "complaints+act-12-k3j9m2qa@council.example"));
					g_assert_nonnull(strstr(r->html, "Crews get the new round lists"));
				} else if (strcmp(*n, "staff-digest") == 0) {
					/* Not about one case: it lists several (the
					 * points[] items), each with its reference. */
					g_assert_nonnull(strstr(r->text, "- The bin was missed twice"));
					g_assert_nonnull(strstr(r->html, "<li>Nobody called back</li>"));
				} else {
					g_assert_nonnull(strstr(r->subject, "CMP-2026-000123"));
					g_assert_nonnull(strstr(r->text, "CMP-2026-000123"));
					g_assert_nonnull(strstr(r->html, "CMP-2026-000123"));
				}
				g_assert_null(strstr(r->text, "{{"));
				g_assert_null(strstr(r->html, "{{"));
				g_assert_null(strstr(r->subject, "{{"));
				/* Values are escaped in HTML, kept in text. */
				if (strstr(r->text, "Missed bin collection") != NULL) {
					g_assert_nonnull(strstr(r->text, "<again>"));
					g_assert_nonnull(strstr(r->html, "&lt;again&gt;"));
					g_assert_null(strstr(r->html, "<again>"));
				}
				/* Letters to the complainant say Welsh is welcome. */
				if (to_complainant(*n))
					g_assert_nonnull(strstr(r->text, langs[l][0] == 'c' ?
					        "croesawu gohebiaeth yn Gymraeg" :
					        "welcome correspondence in Welsh"));
				/* The Stage 2 department date is never shown to the complainant. */
				if (to_complainant(*n))
					g_assert_null(strstr(r->text, "10 March 2026"));
				/* A notice a member of staff may answer says where
				 * to write, as the relay cuts it (parsers). */
				if (!to_complainant(*n) && strcmp(*n, "staff-digest") != 0 &&
				    strcmp(*n, "staff-dept-notice") != 0 && strcmp(*n, "oversight-report") != 0)
					g_assert_nonnull(strstr(r->text, langs[l][0] == 'c'
					        ? "##- Teipiwch eich ateb uwchben y llinell hon -##"
					        : "##- Please type your reply above this line -##"));

				letter.from_name = "Example County Council";
				letter.from_address = "complaints@council.example";
				letter.to_address = "sian@example.org";
				letter.subject = r->subject;
				letter.reference = "CMP-2026-000123";
				letter.text_body = r->text;
				letter.html_body = r->html;
				letter.message_id = "cmp-2026-000123.x.1@council.example";
				letter.language = langs[l];
				bytes = rd_letter_build(&letter, &err);
				g_assert_no_error(err);
				g_assert_nonnull(bytes);
			}
		}
	}
}

static void
test_shipped_flags(void)
{
	g_autofree char *dir = letters_dir();
	g_autoptr(GError) err = NULL;
	g_autoptr(RdTemplateSet) set = rd_template_load_dir(dir, &err);
	g_autoptr(RdTplValues) off = full_values("en", FALSE);
	g_autoptr(RdTplValues) on = full_values("en", TRUE);
	g_autoptr(RdRenderedLetter) hold_off = rd_template_set_render(set, "holding-reply", "en", off, NULL);
	g_autoptr(RdRenderedLetter) hold_on = rd_template_set_render(set, "holding-reply", "en", on, NULL);
	g_autoptr(RdRenderedLetter) close_off = rd_template_set_render(set, "closing-letter", "en", off, NULL);
	g_autoptr(RdRenderedLetter) close_on = rd_template_set_render(set, "closing-letter", "en", on, NULL);
	g_autoptr(RdRenderedLetter) s2 = rd_template_set_render(set, "stage2-acknowledgement", "en", off, NULL);

	g_assert_no_error(err);
	g_assert_null(strstr(hold_off->text, "0300 061 0614"));
	g_assert_nonnull(strstr(hold_on->text, "0300 061 0614"));
	g_assert_nonnull(strstr(hold_on->text, "31 March 2026"));
	g_assert_nonnull(strstr(close_off->text, "17 April 2026"));
	g_assert_null(strstr(close_off->text, "Ombudsman"));
	g_assert_nonnull(strstr(close_on->text, "Local Government and Social Care Ombudsman"));
	g_assert_nonnull(strstr(s2->text, "- The bin was missed twice\n- Nobody called back\n"));
	g_assert_nonnull(strstr(s2->html, "<li>Nobody called back</li>"));
}

/* ---- the MIME letter -------------------------------------------------- */

static GMimeMessage *
parse_back(GBytes *bytes)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

	g_object_unref(parser);
	g_object_unref(stream);
	g_assert_nonnull(msg);
	return msg;
}

static const char *
header(GMimeMessage *msg, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(msg), name);
}

/* GMime files the top-level Content-* headers under the body part. */
static const char *
content_header(GMimeMessage *msg, const char *name)
{
	return g_mime_object_get_header(g_mime_message_get_mime_part(msg), name);
}

static int
count_headers(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = 0;

	for (int i = 0; i < g_mime_header_list_get_count(list); i++)
		if (g_ascii_strcasecmp(g_mime_header_get_name(g_mime_header_list_get_header_at(list, i)),
		                       name) == 0)
			n++;
	return n;
}

static char *
part_text(GMimeObject *part)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
	GByteArray *arr;
	char *out;

	g_mime_data_wrapper_write_to_stream(content, mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	out = g_strndup((const char *)arr->data, arr->len);
	g_object_unref(mem);
	return out;
}

static void
base_letter(RdLetter *l)
{
	static const char *const refs[] = { "first@example.org", "<orig@example.org>", NULL };

	memset(l, 0, sizeof *l);
	l->from_name = "Example County Council";
	l->from_address = "complaints@council.example";
	l->to_name = "Ann Person";
	l->to_address = "ann@example.org";
	l->reply_to = "complaints+cmp-2026-000123-k3j9@council.example";
	l->subject = "Your complaint CMP-2026-000123: we have received it";
	l->reference = "CMP-2026-000123";
	l->text_body = "Dear Ann,\nA line that is long enough to need soft breaks in quoted printable encoding when it goes past seventy-six characters, with café.\n";
	l->html_body = "<p>Dear Ann,</p>\n<p>caf\xc3\xa9</p>\n";
	l->message_id = "cmp-2026-000123.ack1.abcdef@council.example";
	l->in_reply_to = "orig@example.org";
	l->references = refs;
	l->language = "en";
}

static void
test_letter_headers(void)
{
	RdLetter l;
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GDateTime) date = g_date_time_new_utc(2026, 3, 3, 10, 30, 0);
	g_autofree char *plain_text = NULL;
	GMimeMessage *msg;
	GMimeObject *body;
	GMimeObject *plain, *html;
	InternetAddressList *list;
	InternetAddressMailbox *mb;
	GDateTime *got;
	gsize len;
	const char *raw;

	rd_templates_init();
	base_letter(&l);
	l.date = date;
	bytes = rd_letter_build(&l, &err);
	g_assert_no_error(err);
	raw = g_bytes_get_data(bytes, &len);
	/* Wire form: CRLF line ends, and no bare LF anywhere. */
	g_assert_nonnull(g_strstr_len(raw, len, "\r\n\r\n"));
	for (gsize i = 0; i < len; i++)
		if (raw[i] == '\n')
			g_assert_cmpint(i > 0 ? raw[i - 1] : 0, ==, '\r');

	msg = parse_back(bytes);
	list = g_mime_message_get_from(msg);
	g_assert_cmpint(internet_address_list_length(list), ==, 1);
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0));
	g_assert_cmpstr(internet_address_mailbox_get_addr(mb), ==, "complaints@council.example");
	g_assert_cmpstr(internet_address_get_name(INTERNET_ADDRESS(mb)), ==, "Example County Council");
	list = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
	g_assert_cmpint(internet_address_list_length(list), ==, 1);
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0));
	g_assert_cmpstr(internet_address_mailbox_get_addr(mb), ==, "ann@example.org");
	list = g_mime_message_get_reply_to(msg);
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0));
	g_assert_cmpstr(internet_address_mailbox_get_addr(mb), ==,
	                "complaints+cmp-2026-000123-k3j9@council.example");
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==, l.subject);
	g_assert_cmpstr(g_mime_message_get_message_id(msg), ==, l.message_id);
	g_assert_cmpstr(header(msg, "In-Reply-To"), ==, "<orig@example.org>");
	g_assert_cmpstr(header(msg, "References"), ==, "<first@example.org> <orig@example.org>");
	g_assert_cmpstr(header(msg, "Auto-Submitted"), ==, "auto-replied");
	g_assert_cmpstr(header(msg, "X-Auto-Response-Suppress"), ==, "All");
	g_assert_cmpstr(content_header(msg, "Content-Language"), ==, "en");
	g_assert_cmpstr(header(msg, "MIME-Version"), ==, "1.0");
	g_assert_cmpint(count_headers(msg, "MIME-Version"), ==, 1);
	got = g_mime_message_get_date(msg);
	g_assert_nonnull(got);
	g_assert_cmpint(g_date_time_to_unix(got), ==, g_date_time_to_unix(date));

	body = g_mime_message_get_mime_part(msg);
	g_assert_true(GMIME_IS_MULTIPART(body));
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(body),
	                                          "multipart", "alternative"));
	g_assert_cmpint(g_mime_multipart_get_count(GMIME_MULTIPART(body)), ==, 2);
	plain = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
	html = g_mime_multipart_get_part(GMIME_MULTIPART(body), 1);
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(plain), "text", "plain"));
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(html), "text", "html"));
	g_assert_cmpstr(g_mime_object_get_content_type_parameter(plain, "charset"), ==, "utf-8");
	g_assert_cmpstr(g_mime_object_get_content_type_parameter(html, "charset"), ==, "utf-8");
	g_assert_cmpint(g_mime_part_get_content_encoding(GMIME_PART(plain)), ==,
	                GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	plain_text = part_text(plain);
	g_assert_nonnull(strstr(plain_text, "café"));
	g_assert_nonnull(strstr(plain_text, "seventy-six characters"));
	g_object_unref(msg);
}

typedef struct {
	gboolean auto_generated;
	const char *expect;
} AutoCase;

static void
test_letter_auto_submitted(void)
{
	static const AutoCase cases[] = {
		{ FALSE, "auto-replied" },
		{ TRUE, "auto-generated" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		RdLetter l;
		g_autoptr(GError) err = NULL;
		g_autoptr(GBytes) bytes = NULL;
		GMimeMessage *msg;

		base_letter(&l);
		l.auto_generated = cases[i].auto_generated;
		bytes = rd_letter_build(&l, &err);
		g_assert_no_error(err);
		msg = parse_back(bytes);
		g_assert_cmpstr(header(msg, "Auto-Submitted"), ==, cases[i].expect);
		g_assert_cmpint(count_headers(msg, "Auto-Submitted"), ==, 1);
		g_object_unref(msg);
	}
}

static void
test_letter_welsh_subject(void)
{
	RdLetter l;
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) bytes = NULL;
	const char *subject = "Eich cwyn CMP-2026-000123: ymateb i’ch cwyn – ŵyn, tŷ, â";
	GMimeMessage *msg;
	const char *raw;
	gsize len;

	base_letter(&l);
	l.subject = subject;
	l.language = "cy";
	l.to_name = "Siân Llŷr";
	bytes = rd_letter_build(&l, &err);
	g_assert_no_error(err);
	raw = g_bytes_get_data(bytes, &len);
	/* The header block is pure ASCII: the subject went out RFC 2047-encoded. */
	{
		const char *end = g_strstr_len(raw, len, "\r\n\r\n");

		g_assert_nonnull(end);
		for (const char *p = raw; p < end; p++)
			g_assert_cmpuint((unsigned char)*p, <, 0x80);
		g_autofree char *head = g_ascii_strdown(raw, end - raw);

		g_assert_nonnull(strstr(head, "=?utf-8?"));
	}
	msg = parse_back(bytes);
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==, subject);
	g_assert_cmpstr(content_header(msg, "Content-Language"), ==, "cy");
	{
		InternetAddressList *to = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
		InternetAddress *a = internet_address_list_get_address(to, 0);

		g_assert_cmpstr(internet_address_get_name(a), ==, "Siân Llŷr");
	}
	g_object_unref(msg);
}

static void
test_letter_reference_added(void)
{
	RdLetter l;
	g_autoptr(GBytes) bytes = NULL;
	GMimeMessage *msg;

	base_letter(&l);
	l.subject = "New case";
	bytes = rd_letter_build(&l, NULL);
	msg = parse_back(bytes);
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==, "New case [CMP-2026-000123]");
	g_object_unref(msg);
}

static void
test_letter_no_threading(void)
{
	RdLetter l;
	g_autoptr(GBytes) bytes = NULL;
	GMimeMessage *msg;
	static const char *const bad_refs[] = { "no at sign", "x y@z", NULL };

	base_letter(&l);
	l.in_reply_to = NULL;
	l.references = NULL;
	l.reply_to = NULL;
	bytes = rd_letter_build(&l, NULL);
	msg = parse_back(bytes);
	g_assert_null(header(msg, "In-Reply-To"));
	g_assert_null(header(msg, "References"));
	g_assert_null(header(msg, "Reply-To"));
	g_object_unref(msg);
	g_clear_pointer(&bytes, g_bytes_unref);

	/* Malformed ids from the complainant's mail are dropped, not fatal;
	 * References falls back to In-Reply-To. */
	base_letter(&l);
	l.references = bad_refs;
	bytes = rd_letter_build(&l, NULL);
	msg = parse_back(bytes);
	g_assert_cmpstr(header(msg, "References"), ==, "<orig@example.org>");
	g_object_unref(msg);
}

typedef struct {
	const char *what;
	const char *from_name;
	const char *to_name;
	const char *subject;
	const char *reference;
	const char *language;
} InjectCase;

static void
test_letter_injection(void)
{
	static const InjectCase cases[] = {
		{ "to name", NULL, "Ann\r\nBcc: evil@x.example", NULL, NULL, NULL },
		{ "to name LF", NULL, "Ann\nBcc: evil@x.example\n", NULL, NULL, NULL },
		{ "from name", "Council\r\nBcc: evil@x.example", NULL, NULL, NULL, NULL },
		{ "subject", NULL, NULL, "Your complaint\r\nBcc: evil@x.example", NULL, NULL },
		{ "subject CR", NULL, NULL, "Hi\rBcc: evil@x.example\r\n\r\nbody", NULL, NULL },
		{ "subject non-ASCII", NULL, NULL, "Cwyn ŵ\r\nBcc: evil@x.example", NULL, NULL },
		{ "reference", NULL, NULL, "x", "CMP-1\r\nBcc: evil@x.example", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const InjectCase *c = &cases[i];
		RdLetter l;
		g_autoptr(GError) err = NULL;
		g_autoptr(GBytes) bytes = NULL;
		GMimeMessage *msg;
		GMimeHeaderList *hl;
		const char *raw;
		gsize len;

		g_test_message("injection via %s", c->what);
		base_letter(&l);
		if (c->from_name != NULL)
			l.from_name = c->from_name;
		if (c->to_name != NULL)
			l.to_name = c->to_name;
		if (c->subject != NULL)
			l.subject = c->subject;
		if (c->reference != NULL)
			l.reference = c->reference;
		bytes = rd_letter_build(&l, &err);
		g_assert_no_error(err);
		raw = g_bytes_get_data(bytes, &len);
		/* No line of the message starts with Bcc:. */
		g_assert_false(g_str_has_prefix(raw, "Bcc:"));
		g_assert_null(g_strstr_len(raw, len, "\nBcc:"));
		g_assert_null(g_strstr_len(raw, len, "\nbcc:"));
		msg = parse_back(bytes);
		g_assert_null(header(msg, "Bcc"));
		g_assert_cmpint(internet_address_list_length(
		        g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_BCC)), ==, 0);
		g_assert_cmpint(internet_address_list_length(
		        g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO)), ==, 1);
		g_assert_cmpint(internet_address_list_length(
		        g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC)), ==, 0);
		/* Exactly the headers we wrote, each once: eleven on the message
		 * (Date From Reply-To Subject To Message-Id In-Reply-To References
		 * Auto-Submitted X-Auto-Response-Suppress MIME-Version) and two
		 * that GMime files under the body (Content-Type, -Language). */
		hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
		g_assert_cmpint(g_mime_header_list_get_count(hl), ==, 11);
		hl = g_mime_object_get_header_list(g_mime_message_get_mime_part(msg));
		g_assert_cmpint(g_mime_header_list_get_count(hl), ==, 2);
		g_assert_cmpint(count_headers(msg, "Subject"), ==, 1);
		if (c->subject != NULL)
			g_assert_null(strchr(g_mime_message_get_subject(msg), '\n'));
		g_object_unref(msg);
	}
}

typedef struct {
	const char *what;
	const char *to_address;
	const char *message_id;
	const char *language;
} InvalidCase;

static void
test_letter_invalid(void)
{
	static const InvalidCase cases[] = {
		{ "address with CRLF", "ann@example.org\r\nBcc: evil@x.example", NULL, NULL },
		{ "address with name", "Ann <ann@example.org>", NULL, NULL },
		{ "no at sign", "ann.example.org", NULL, NULL },
		{ "two at signs", "a@b@example.org", NULL, NULL },
		{ "non-ASCII address", "siân@example.org", NULL, NULL },
		{ "bad Message-ID", NULL, "no-at-sign", NULL },
		{ "Message-ID with CRLF", NULL, "a@b\r\nBcc: evil@x.example", NULL },
		{ "language with CRLF", NULL, NULL, "en\r\nBcc: evil@x.example" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		RdLetter l;
		g_autoptr(GError) err = NULL;
		g_autoptr(GBytes) bytes = NULL;

		g_test_message("invalid: %s", cases[i].what);
		base_letter(&l);
		if (cases[i].to_address != NULL)
			l.to_address = cases[i].to_address;
		if (cases[i].message_id != NULL)
			l.message_id = cases[i].message_id;
		if (cases[i].language != NULL)
			l.language = cases[i].language;
		bytes = rd_letter_build(&l, &err);
		g_assert_null(bytes);
		g_assert_error(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID);
	}
}

static void
test_message_id(void)
{
	g_autofree char *a = rd_letter_message_id("CMP-2026-000123", "ack1", "Council.Example");
	g_autofree char *b = rd_letter_message_id("CMP-2026-000123", "ack1", "council.example");
	g_autofree char *c = rd_letter_message_id(NULL, "Staff Notice", "bad domain\r\n");
	g_autoptr(GRegex) re = g_regex_new("^cmp-2026-000123\\.ack1\\.[0-9a-f]{16}@council\\.example$",
	                                   0, 0, NULL);

	g_assert_true(g_regex_match(re, a, 0, NULL));
	g_assert_true(g_regex_match(re, b, 0, NULL));
	g_assert_cmpstr(a, !=, b);
	g_assert_true(g_str_has_prefix(c, "none.staff-notice."));
	g_assert_true(g_str_has_suffix(c, "@baddomain"));
}

int
main(int argc, char *argv[])
{
	g_test_init(&argc, &argv, NULL);
	rd_templates_init();

	g_test_add_func("/templates/render/table", test_render);
	g_test_add_func("/templates/render/values", test_render_values);
	g_test_add_func("/templates/parse/syntax-errors", test_syntax_errors);
	g_test_add_func("/templates/parse/deep-nesting", test_deep_nesting);
	g_test_add_func("/templates/check/table", test_check);
	g_test_add_func("/templates/load/shipped", test_load_shipped);
	g_test_add_func("/templates/load/errors", test_load_errors);
	g_test_add_func("/templates/letters/render-all", test_render_shipped);
	g_test_add_func("/templates/letters/flags", test_shipped_flags);
	g_test_add_func("/templates/mime/headers", test_letter_headers);
	g_test_add_func("/templates/mime/auto-submitted", test_letter_auto_submitted);
	g_test_add_func("/templates/mime/welsh-subject", test_letter_welsh_subject);
	g_test_add_func("/templates/mime/reference-added", test_letter_reference_added);
	g_test_add_func("/templates/mime/no-threading", test_letter_no_threading);
	g_test_add_func("/templates/mime/injection", test_letter_injection);
	g_test_add_func("/templates/mime/invalid", test_letter_invalid);
	g_test_add_func("/templates/mime/message-id", test_message_id);
	return g_test_run();
}
