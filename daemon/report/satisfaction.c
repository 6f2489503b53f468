/*
 * satisfaction.c — what satisfaction surveys give the reports (README
 * "Satisfaction surveys"): for complainants and, apart, for staff, the
 * surveys sent in the period and how many of those were answered (the
 * response rate), and of the surveys answered in the period the count of
 * each answer 1 to 5 per question, its average, and the comments, which
 * were anonymised when they were recorded.
 *
 * Nothing here names anyone: the store gives counts and comments only,
 * the comments in the order of their text. Staff figures are held back
 * below RD_REPORT_SURVEY_MIN answers in the period, so that a handful
 * of handlers cannot be told apart by their numbers.
 *
 * Reads the store, writes nothing.
 */
#include <string.h>
#include <json-glib/json-glib.h>
#include "report/report.h"
#include "report/report-private.h"

typedef struct {
	RdSurveyFigures f;
	GPtrArray *comments;
	gboolean held_back;      /* staff, too few answers to show */
} Kind;

static void
kinds_clear(Kind k[RD_SURVEY_N_KINDS])
{
	for (int i = 0; i < RD_SURVEY_N_KINDS; i++)
		g_clear_pointer(&k[i].comments, g_ptr_array_unref);
}

static gboolean
load(RdStore *store, const GDate *from, const GDate *to, Kind k[RD_SURVEY_N_KINDS], GError **error)
{
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	memset(k, 0, sizeof(Kind) * RD_SURVEY_N_KINDS);
	for (int i = 0; i < RD_SURVEY_N_KINDS; i++) {
		if (!rd_store_survey_figures(store, rd_survey_kind_to_string(i), a, z, &k[i].f, &k[i].comments, error)) {
			kinds_clear(k);
			return FALSE;
		}
		k[i].held_back = i == RD_SURVEY_STAFF && k[i].f.answered < RD_REPORT_SURVEY_MIN;
	}
	return TRUE;
}

/* Answers to question @q (0-based) and their average (0 when none). */
static guint
answers_of(const RdSurveyFigures *f, guint q, double *avg_r)
{
	guint n = 0, sum = 0;
	for (guint v = 0; v < 5; v++) {
		n += f->counts[q][v];
		sum += f->counts[q][v] * (v + 1);
	}
	*avg_r = n ? rd_report_round1((double)sum / n) : 0.0;
	return n;
}

static const char *const titles[RD_SURVEY_N_KINDS] = { "Complainants", "Staff who handled complaints" };

static void
text_kind(GString *s, int kind, const Kind *k)
{
	const RdSurveyFigures *f = &k->f;
	g_string_append_printf(s, "%s\n", titles[kind]);
	g_string_append_printf(s, "  Surveys sent        %u (answered %u, %.1f%%)\n", f->sent, f->sent_answered,
	                       rd_report_round1(rd_report_percent(f->sent_answered, f->sent)));
	g_string_append_printf(s, "  Answered in period  %u\n", f->answered);
	g_string_append_printf(s, "  Expired unanswered  %u\n", f->expired);
	if (kind == RD_SURVEY_COMPLAINANT)
		g_string_append_printf(s, "  Not sent            %u (asked not to be contacted, no email, bounced)\n",
		                       f->suppressed);
	if (k->held_back) {
		g_string_append_printf(s, "  Answers and comments held back: fewer than %d answered in the period.\n",
		                       RD_REPORT_SURVEY_MIN);
		return;
	}
	g_string_append_printf(s, "  %-60s %5s %5s %5s %5s %5s %8s\n", "question (1 very poor … 5 very good)", "1", "2",
	                       "3", "4", "5", "average");
	for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
		double avg = 0;
		guint n = answers_of(f, q, &avg);
		g_autofree char *label = g_strdup_printf("%u. %s", q + 1, rd_survey_question(kind, q + 1, "en"));
		g_autofree char *cut = g_utf8_strlen(label, -1) > 60 ? g_strdup_printf("%.57s...", label) : g_strdup(label);
		g_string_append_printf(s, "  %-60s", cut);
		for (guint v = 0; v < 5; v++)
			g_string_append_printf(s, " %5u", f->counts[q][v]);
		if (n)
			g_string_append_printf(s, " %8.1f\n", avg);
		else
			g_string_append_printf(s, " %8s\n", "-");
	}
	if (k->comments->len > 0) {
		g_string_append(s, "  Comments (names, addresses, phone numbers, emails and references removed):\n");
		for (guint i = 0; i < k->comments->len; i++) {
			g_autofree char *one = g_strdup(k->comments->pdata[i]);
			g_strdelimit(one, "\r\n", ' ');
			g_string_append_printf(s, "  - %s\n", one);
		}
	}
}

static void
html_kind(GString *s, int kind, const Kind *k)
{
	const RdSurveyFigures *f = &k->f;
	g_string_append_printf(s, "<h3>%s</h3>\n<p>Surveys sent: %u, of which answered: %u (%.1f%%). Answered in the "
	                       "period: %u. Expired unanswered: %u.", titles[kind], f->sent, f->sent_answered,
	                       rd_report_round1(rd_report_percent(f->sent_answered, f->sent)), f->answered, f->expired);
	if (kind == RD_SURVEY_COMPLAINANT)
		g_string_append_printf(s, " Not sent (asked not to be contacted, no email, bounced): %u.", f->suppressed);
	g_string_append(s, "</p>\n");
	if (k->held_back) {
		g_string_append_printf(s, "<p class=\"gap\">Answers and comments held back: fewer than %d answered in "
		                       "the period.</p>\n", RD_REPORT_SURVEY_MIN);
		return;
	}
	g_string_append(s, "<table>\n<caption>Answers, 1 very poor to 5 very good</caption>\n<tr><th scope=\"col\">"
	                   "Question</th><th scope=\"col\">1</th><th scope=\"col\">2</th><th scope=\"col\">3</th>"
	                   "<th scope=\"col\">4</th><th scope=\"col\">5</th><th scope=\"col\">Average</th></tr>\n");
	for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
		double avg = 0;
		guint n = answers_of(f, q, &avg);
		g_autofree char *label = g_markup_escape_text(rd_survey_question(kind, q + 1, "en"), -1);
		g_string_append_printf(s, "<tr><th scope=\"row\">%u. %s</th>", q + 1, label);
		for (guint v = 0; v < 5; v++)
			g_string_append_printf(s, "<td>%u</td>", f->counts[q][v]);
		if (n)
			g_string_append_printf(s, "<td>%.1f</td></tr>\n", avg);
		else
			g_string_append(s, "<td>-</td></tr>\n");
	}
	g_string_append(s, "</table>\n");
	if (k->comments->len == 0)
		return;
	g_string_append(s, "<p>Comments (names, addresses, phone numbers, emails and references removed):</p>\n<ul>\n");
	for (guint i = 0; i < k->comments->len; i++) {
		g_autofree char *one = g_markup_escape_text(k->comments->pdata[i], -1);
		g_string_append_printf(s, "<li>%s</li>\n", one);
	}
	g_string_append(s, "</ul>\n");
}

char *
rd_report_satisfaction_section(RdStore *store, const GDate *from, const GDate *to, RdReportFormat format,
                               GError **error)
{
	Kind k[RD_SURVEY_N_KINDS];
	if (!load(store, from, to, k, error))
		return NULL;
	GString *s = g_string_new(NULL);
	gboolean html = format == RD_REPORT_FORMAT_HTML;
	g_string_append(s, html ? "<section>\n<h2>Satisfaction</h2>\n"
	                        : "Satisfaction (surveys after the final response)\n");
	for (int i = 0; i < RD_SURVEY_N_KINDS; i++) {
		if (html)
			html_kind(s, i, &k[i]);
		else
			text_kind(s, i, &k[i]);
	}
	if (html)
		g_string_append(s, "</section>\n");
	kinds_clear(k);
	return g_string_free(s, FALSE);
}

static void
json_kind(JsonBuilder *b, int kind, const Kind *k)
{
	const RdSurveyFigures *f = &k->f;
	json_builder_set_member_name(b, rd_survey_kind_to_string(kind));
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "sent");
	json_builder_add_int_value(b, f->sent);
	json_builder_set_member_name(b, "sent_answered");
	json_builder_add_int_value(b, f->sent_answered);
	json_builder_set_member_name(b, "response_rate_percent");
	json_builder_add_double_value(b, rd_report_round1(rd_report_percent(f->sent_answered, f->sent)));
	json_builder_set_member_name(b, "answered");
	json_builder_add_int_value(b, f->answered);
	json_builder_set_member_name(b, "expired");
	json_builder_add_int_value(b, f->expired);
	json_builder_set_member_name(b, "not_sent");
	json_builder_add_int_value(b, f->suppressed);
	json_builder_set_member_name(b, "questions");
	if (k->held_back) {
		json_builder_add_null_value(b);
	} else {
		json_builder_begin_array(b);
		for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
			double avg = 0;
			guint n = answers_of(f, q, &avg);
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "number");
			json_builder_add_int_value(b, q + 1);
			json_builder_set_member_name(b, "question");
			json_builder_add_string_value(b, rd_survey_question(kind, q + 1, "en"));
			json_builder_set_member_name(b, "counts");
			json_builder_begin_array(b);
			for (guint v = 0; v < 5; v++)
				json_builder_add_int_value(b, f->counts[q][v]);
			json_builder_end_array(b);
			json_builder_set_member_name(b, "answers");
			json_builder_add_int_value(b, n);
			json_builder_set_member_name(b, "average");
			if (n)
				json_builder_add_double_value(b, avg);
			else
				json_builder_add_null_value(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "comments");
	if (k->held_back) {
		json_builder_add_null_value(b);
	} else {
		json_builder_begin_array(b);
		for (guint i = 0; i < k->comments->len; i++)
			json_builder_add_string_value(b, k->comments->pdata[i]);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
}

gboolean
rd_report_satisfaction_json(JsonBuilder *b, RdStore *store, const GDate *from, const GDate *to, GError **error)
{
	Kind k[RD_SURVEY_N_KINDS];
	if (!load(store, from, to, k, error))
		return FALSE;
	json_builder_set_member_name(b, "satisfaction");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "minimum_staff_answers");
	json_builder_add_int_value(b, RD_REPORT_SURVEY_MIN);
	for (int i = 0; i < RD_SURVEY_N_KINDS; i++)
		json_kind(b, i, &k[i]);
	json_builder_end_object(b);
	kinds_clear(k);
	return TRUE;
}

gboolean
rd_report_satisfaction_csv(GString *s, RdStore *store, const GDate *from, const GDate *to, GError **error)
{
	Kind k[RD_SURVEY_N_KINDS];
	if (!load(store, from, to, k, error))
		return FALSE;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	for (int i = 0; i < RD_SURVEY_N_KINDS; i++) {
		const RdSurveyFigures *f = &k[i].f;
		const char *kind = rd_survey_kind_to_string(i);
		g_string_append_printf(s, "satisfaction %s,sent,,,,%u\r\n", kind, f->sent);
		g_string_append_printf(s, "satisfaction %s,sent and answered,,,,%u\r\n", kind, f->sent_answered);
		g_string_append_printf(s, "satisfaction %s,response rate percent,,,,%s\r\n", kind,
		                       g_ascii_formatd(buf, sizeof buf, "%.1f",
		                                       rd_report_round1(rd_report_percent(f->sent_answered, f->sent))));
		g_string_append_printf(s, "satisfaction %s,answered in period,,,,%u\r\n", kind, f->answered);
		if (k[i].held_back)
			continue;
		for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
			double avg = 0;
			guint n = answers_of(f, q, &avg);
			for (guint v = 0; v < 5; v++)
				g_string_append_printf(s, "satisfaction %s q%u,answer %u,,,,%u\r\n", kind, q + 1, v + 1,
				                       f->counts[q][v]);
			g_string_append_printf(s, "satisfaction %s q%u,average,,,,%s\r\n", kind, q + 1,
			                       n ? g_ascii_formatd(buf, sizeof buf, "%.1f", avg) : "");
		}
	}
	kinds_clear(k);
	return TRUE;
}
