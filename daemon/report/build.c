/*
 * build.c — one report document from the case record: the sets asked
 * for, counted over the period, in one format. `redress report` and the
 * daemon's scheduled reports both come here, so what a senior officer
 * receives by mail is what the command prints.
 */
#include <string.h>
#include "report/report.h"
#include "report/report-private.h"

gboolean
rd_report_sets_parse(const char *s, guint *sets_r)
{
	*sets_r = 0;
	if (s == NULL || *s == '\0')
		return FALSE;
	g_auto(GStrv) words = g_strsplit(s, ",", -1);
	for (guint i = 0; words[i] != NULL; i++) {
		const char *w = g_strstrip(words[i]);
		if (g_ascii_strcasecmp(w, "spso") == 0)
			*sets_r |= RD_REPORT_SPSO;
		else if (g_ascii_strcasecmp(w, "lgsco") == 0 || g_ascii_strcasecmp(w, "hos") == 0)
			*sets_r |= RD_REPORT_LGSCO;
		else if (g_ascii_strcasecmp(w, "reg18") == 0)
			*sets_r |= RD_REPORT_REG18;
		else if (g_ascii_strcasecmp(w, "all") == 0)
			*sets_r |= RD_REPORT_ALL;
		else
			return FALSE;
	}
	return *sets_r != 0;
}

/* The last day of the month @d is in. */
static gboolean
month_end(const GDate *d)
{
	return g_date_get_day(d) == g_date_get_days_in_month(g_date_get_month(d), g_date_get_year(d));
}

/* A period as people name it: 2016-17 (a financial year), 2016, 2016Q3,
 * 2016-07, else its first and last months. */
static char *
period_label(const GDate *a, const GDate *z, guint len)
{
	int y = g_date_get_year(a), m = g_date_get_month(a);
	if (len == 12 && m == 4)
		return g_strdup_printf("%d-%02d", y, (y + 1) % 100);
	if (len == 12 && m == 1)
		return g_strdup_printf("%d", y);
	if (len == 3 && (m - 1) % 3 == 0)
		return g_strdup_printf("%dQ%d", y, (m - 1) / 3 + 1);
	if (len == 1)
		return g_strdup_printf("%d-%02d", y, m);
	return g_strdup_printf("%02d/%02d-%02d/%02d", m, y % 100, g_date_get_month(z), g_date_get_year(z) % 100);
}

void
rd_report_trend_clear(RdReportTrend *t)
{
	for (guint k = 0; k < t->n; k++)
		g_free(t->labels[k]);
	memset(t, 0, sizeof *t);
}

void
rd_report_trend_count(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to, const RdCalendar *cal,
                      RdReportTrend *t)
{
	memset(t, 0, sizeof *t);
	/* Only a period of whole months has earlier ones of the same length
	 * to stand beside it; two years at most, as published tables do. */
	guint len = (guint)((g_date_get_year(to) - g_date_get_year(from)) * 12 + g_date_get_month(to) -
	                    g_date_get_month(from) + 1);
	if (g_date_get_day(from) != 1 || !month_end(to) || len > 24)
		return;
	for (guint k = 0; k < RD_REPORT_TREND; k++) {
		GDate a = *from;
		g_date_subtract_months(&a, len * (RD_REPORT_TREND - 1 - k));
		GDate z = a;
		g_date_add_months(&z, len);
		g_date_subtract_days(&z, 1);
		t->from[k] = a;
		t->to[k] = z;
		rd_report_spso(cases, n, &a, &z, cal, &t->spso[k]);
		t->labels[k] = period_label(&a, &z, len);
	}
	t->n = RD_REPORT_TREND;
}

#define MAX_MONTHS 60

static char *
html(const RdConfig *cfg, const RdReportCase *cases, gsize n, const RdReportRequest *q, const RdSpsoFigures *f,
     const RdLgscoFigures *lf, const RdReg18Figures *rf, const RdReportTrend *trend, const RdReportParts *parts,
     const char *learning, const char *satisfaction)
{
	guint received[MAX_MONTHS], closed[MAX_MONTHS];
	RdReportHtmlData d = { 0 };
	d.spso = f;
	d.lgsco = lf;
	d.reg18 = rf;
	d.parts = parts;
	d.learning = learning;
	d.satisfaction = satisfaction;
	d.months = rd_report_monthly(cases, n, &q->from, &q->to, received, closed, MAX_MONTHS);
	d.received_by_month = received;
	d.closed_by_month = closed;
	d.n_trend = trend->n;
	d.trend_labels = (const char *const *)trend->labels;
	d.trend = trend->spso;
	return rd_report_html(cfg, &q->from, &q->to, &d);
}

/* The trend as the "trend" member: one object per period, oldest first,
 * each with its label, dates and SPSO figures. */
static void
trend_json(JsonBuilder *b, const RdConfig *cfg, const RdReportTrend *t)
{
	json_builder_set_member_name(b, "trend");
	json_builder_begin_array(b);
	for (guint k = 0; k < t->n; k++) {
		g_autofree char *a = rd_date_format_iso(&t->from[k]);
		g_autofree char *z = rd_date_format_iso(&t->to[k]);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, t->labels[k]);
		json_builder_set_member_name(b, "from");
		json_builder_add_string_value(b, a);
		json_builder_set_member_name(b, "to");
		json_builder_add_string_value(b, z);
		rd_report_spso_json(b, cfg, &t->spso[k]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* The trend as a table of text: what a committee paper puts side by side. */
static char *
trend_text(const RdConfig *cfg, const RdReportTrend *t)
{
	GString *s = g_string_new("Trend (the SPSO figures for this period and the four before it)\n");
	g_string_append_printf(s, "  %-12s %9s %9s %9s %9s %14s %14s\n", "period", "received", "closed", "per 1,000",
	                       "Stage 1", "S1 in 5 WD", "S1 avg WD");
	for (guint k = 0; k < t->n; k++) {
		const RdSpsoFigures *f = &t->spso[k];
		g_autofree char *per = cfg->council_population
			? g_strdup_printf("%.1f", rd_report_round1(1000.0 * f->received / cfg->council_population))
			: g_strdup("-");
		g_string_append_printf(s, "  %-12s %9u %9u %9s %9u %13.1f%% %14.1f\n", t->labels[k], f->received, f->closed,
		                       per, f->closed_by_path[RD_REPORT_STAGE1],
		                       rd_report_round1(rd_report_percent(f->within_timescale[RD_REPORT_STAGE1],
		                                                          f->closed_by_path[RD_REPORT_STAGE1])),
		                       f->average_working_days[RD_REPORT_STAGE1]);
	}
	return g_string_free(s, FALSE);
}

char *
rd_report_document(const RdConfig *cfg, const RdCalendar *cal, const RdReportData *data, const RdReportRequest *q)
{
	gsize n = 0;
	const RdReportCase *cases = rd_report_data_cases(data, &n);
	gboolean spso = (q->sets & RD_REPORT_SPSO) != 0, lgsco = (q->sets & RD_REPORT_LGSCO) != 0,
	         reg18 = (q->sets & RD_REPORT_REG18) != 0;
	RdSpsoFigures f;
	rd_report_spso(cases, n, &q->from, &q->to, cal, &f);
	/* What has not been done yet is late only once its day has passed. */
	GDate asof = q->to;
	if (g_date_valid(&q->today) && g_date_compare(&q->today, &asof) < 0)
		asof = q->today;
	RdLgscoFigures lf;
	rd_report_lgsco(cases, n, &q->from, &q->to, &asof, &lf);
	RdReg18Figures rf;
	rd_report_reg18(cases, n, &q->from, &q->to, rd_report_reg18_profiles(cfg), &rf);
	RdReportTrend trend = { 0 };
	RdReportParts parts = { 0 };
	if (lgsco)
		rd_report_parts_load(cfg, &parts);
	/* Service improvements, from the learning actions (the Codes'
	 * "service improvements", the SPSO's learning statement): text and
	 * HTML here, JSON below. One that cannot be read says so. */
	gboolean learn = (spso || lgsco) && q->store != NULL;
	g_autofree char *learning = NULL;
	if (learn && (q->format == RD_REPORT_FORMAT_TEXT || q->format == RD_REPORT_FORMAT_HTML)) {
		g_autoptr(GError) e = NULL;
		learning = rd_report_learning_section(q->store, &q->from, &q->to, q->format, &e);
		if (learning == NULL)
			learning = g_strdup_printf(q->format == RD_REPORT_FORMAT_HTML
			                           ? "<p class=\"gap\">Service improvements could not be read: %s</p>\n"
			                           : "Service improvements could not be read: %s\n", e->message);
	}
	/* Satisfaction, from the surveys: text and HTML here, JSON and CSV
	 * below. */
	g_autofree char *satisfaction = NULL;
	if (learn && (q->format == RD_REPORT_FORMAT_TEXT || q->format == RD_REPORT_FORMAT_HTML)) {
		g_autoptr(GError) e = NULL;
		satisfaction = rd_report_satisfaction_section(q->store, &q->from, &q->to, q->format, &e);
		if (satisfaction == NULL)
			satisfaction = g_strdup_printf(q->format == RD_REPORT_FORMAT_HTML
			                               ? "<p class=\"gap\">Satisfaction figures could not be read: %s</p>\n"
			                               : "Satisfaction figures could not be read: %s\n", e->message);
	}
	if (spso && q->format != RD_REPORT_FORMAT_CSV)
		rd_report_trend_count(cases, n, &q->from, &q->to, cal, &trend);
	char *doc = NULL;
	switch (q->format) {
	case RD_REPORT_FORMAT_HTML:
		doc = html(cfg, cases, n, q, &f, lgsco ? &lf : NULL, reg18 ? &rf : NULL, &trend, lgsco ? &parts : NULL,
		           learning, satisfaction);
		break;
	case RD_REPORT_FORMAT_JSON: {
		JsonBuilder *b = rd_report_json_begin(cfg, &q->from, &q->to);
		if (spso)
			rd_report_spso_json(b, cfg, &f);
		if (lgsco) {
			rd_report_lgsco_json(b, cfg, &lf);
			rd_report_parts_json(b, &parts);
		}
		if (learn && !rd_report_learning_json(b, q->store, &q->from, &q->to, NULL)) {
			json_builder_set_member_name(b, "service_improvements");
			json_builder_add_null_value(b);
		}
		if (learn && !rd_report_satisfaction_json(b, q->store, &q->from, &q->to, NULL)) {
			json_builder_set_member_name(b, "satisfaction");
			json_builder_add_null_value(b);
		}
		if (reg18)
			rd_report_reg18_json(b, &rf);
		if (trend.n > 0)
			trend_json(b, cfg, &trend);
		json_builder_end_object(b);
		doc = rd_report_json_finish(b);
		break;
	}
	case RD_REPORT_FORMAT_CSV:
		/* One set per file (the caller checks). */
		doc = spso ? rd_report_spso_render(cfg, &q->from, &q->to, &f, q->format)
		    : lgsco ? rd_report_lgsco_render(cfg, &q->from, &q->to, &lf, q->format)
		            : rd_report_reg18_render(cfg, &q->from, &q->to, &rf, q->format);
		if (spso && q->store != NULL) {
			/* The satisfaction rows after the SPSO indicators, in the
			 * same columns; none when they cannot be read. */
			GString *s = g_string_new(doc);
			g_free(doc);
			gsize before = s->len;
			if (!rd_report_satisfaction_csv(s, q->store, &q->from, &q->to, NULL))
				g_string_truncate(s, before);
			doc = g_string_free(s, FALSE);
		}
		break;
	case RD_REPORT_FORMAT_TEXT:
	default: {
		GString *s = g_string_new(NULL);
		if (spso) {
			g_autofree char *one = rd_report_spso_render(cfg, &q->from, &q->to, &f, q->format);
			g_string_append(s, one);
			if (trend.n > 0) {
				g_autofree char *tt = trend_text(cfg, &trend);
				g_string_append_printf(s, "\n%s", tt);
			}
			if (learning != NULL && !lgsco)
				g_string_append_printf(s, "\n%s", learning);
			if (satisfaction != NULL && !lgsco)
				g_string_append_printf(s, "\n%s", satisfaction);
		}
		if (lgsco) {
			g_autofree char *two = rd_report_lgsco_render(cfg, &q->from, &q->to, &lf, q->format);
			g_string_append_printf(s, "%s%s", s->len ? "\n" : "", two);
			if (learning != NULL)
				g_string_append_printf(s, "\n%s", learning);
			if (satisfaction != NULL)
				g_string_append_printf(s, "\n%s", satisfaction);
			rd_report_parts_text(s, &parts);
		}
		if (reg18) {
			g_autofree char *three = rd_report_reg18_render(cfg, &q->from, &q->to, &rf, q->format);
			g_string_append_printf(s, "%s%s", s->len ? "\n" : "", three);
		}
		doc = g_string_free(s, FALSE);
	}
	}
	rd_report_trend_clear(&trend);
	rd_report_parts_clear(&parts);
	rd_lgsco_figures_clear(&lf);
	rd_reg18_figures_clear(&rf);
	return doc;
}
