/*
 * spso.c — the SPSO complaints-handling indicators 1–6 from the case
 * record: every stage row read once, turned into the plain histories
 * procedure/report.c counts, and the figures given out as text, JSON or
 * CSV. References only: no names, addresses or words of a complaint.
 */
#include <string.h>
#include <json-glib/json-glib.h>
#include "report/report.h"
#include "report/report-private.h"

gboolean
rd_report_format_from_string(const char *s, RdReportFormat *f_r)
{
	static const char *const names[] = { "text", "json", "csv", "html" };
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_strcmp0(s, names[i]) == 0) {
			*f_r = (RdReportFormat)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- rendering ------------------------------------------------------------------ */

double
rd_report_percent(guint part, guint whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

static double
per_1000(guint n, guint population)
{
	return population ? 1000.0 * n / population : 0.0;
}

double
rd_report_round1(double x)
{
	return (double)(gint64)(x * 10.0 + (x >= 0 ? 0.5 : -0.5)) / 10.0;
}

static void
json_paths_uint(JsonBuilder *b, const char *name, const guint v[RD_REPORT_PATHS])
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		json_builder_set_member_name(b, rd_report_path_name((RdReportPath)p));
		json_builder_add_int_value(b, v[p]);
	}
	json_builder_end_object(b);
}

/* @v[p] as % of @of[p] (or of @whole, when @of is NULL). */
static void
json_paths_percent(JsonBuilder *b, const char *name, const guint v[RD_REPORT_PATHS],
                   const guint of[RD_REPORT_PATHS], guint whole)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		json_builder_set_member_name(b, rd_report_path_name((RdReportPath)p));
		json_builder_add_double_value(b, rd_report_round1(rd_report_percent(v[p], of ? of[p] : whole)));
	}
	json_builder_end_object(b);
}

JsonBuilder *
rd_report_json_begin(const RdConfig *cfg, const GDate *from, const GDate *to)
{
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "period");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, a);
	json_builder_set_member_name(b, "to");
	json_builder_add_string_value(b, z);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "council");
	json_builder_add_string_value(b, cfg->council_name);
	json_builder_set_member_name(b, "population");
	if (cfg->council_population)
		json_builder_add_int_value(b, cfg->council_population);
	else
		json_builder_add_null_value(b);
	return b;
}

char *
rd_report_json_finish(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	g_autofree char *out = json_generator_to_data(gen, NULL);
	g_object_unref(b);
	return g_strconcat(out, "\n", NULL);
}

static char *
render_json(const RdConfig *cfg, const GDate *from, const GDate *to, const RdSpsoFigures *f)
{
	JsonBuilder *b = rd_report_json_begin(cfg, from, to);
	rd_report_spso_json(b, cfg, f);
	json_builder_end_object(b);
	return rd_report_json_finish(b);
}

void
rd_report_spso_json(JsonBuilder *b, const RdConfig *cfg, const RdSpsoFigures *f)
{
	json_builder_set_member_name(b, "spso");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "received");
	json_builder_add_int_value(b, f->received);
	json_builder_set_member_name(b, "closed");
	json_builder_add_int_value(b, f->closed);
	json_builder_set_member_name(b, "received_per_1000");
	if (cfg->council_population)
		json_builder_add_double_value(b, rd_report_round1(per_1000(f->received, cfg->council_population)));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "closed_per_1000");
	if (cfg->council_population)
		json_builder_add_double_value(b, rd_report_round1(per_1000(f->closed, cfg->council_population)));
	else
		json_builder_add_null_value(b);
	json_paths_uint(b, "closed_by_path", f->closed_by_path);
	json_paths_percent(b, "closed_by_path_percent", f->closed_by_path, NULL, f->closed);

	json_builder_set_member_name(b, "outcomes");
	json_builder_begin_object(b);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		json_builder_set_member_name(b, rd_report_path_name((RdReportPath)p));
		json_builder_begin_object(b);
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
			json_builder_set_member_name(b, rd_report_outcome_name(k));
			json_builder_add_int_value(b, f->outcomes[p][k]);
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "outcomes_percent");
	json_builder_begin_object(b);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		json_builder_set_member_name(b, rd_report_path_name((RdReportPath)p));
		json_builder_begin_object(b);
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
			json_builder_set_member_name(b, rd_report_outcome_name(k));
			json_builder_add_double_value(b, rd_report_round1(rd_report_percent(f->outcomes[p][k], f->closed_by_path[p])));
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);

	json_builder_set_member_name(b, "average_working_days");
	json_builder_begin_object(b);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		json_builder_set_member_name(b, rd_report_path_name((RdReportPath)p));
		json_builder_add_double_value(b, rd_report_round1(f->average_working_days[p]));
	}
	json_builder_end_object(b);
	json_paths_uint(b, "within_timescale", f->within_timescale);
	json_paths_percent(b, "within_timescale_percent", f->within_timescale, f->closed_by_path, 0);
	json_paths_uint(b, "extended", f->extended);
	json_paths_percent(b, "extended_percent", f->extended, f->closed_by_path, 0);
	json_builder_end_object(b);
}

/* CSV: one row per figure, a column per path and one for all of them,
 * as a spreadsheet user expects (RFC 4180: CRLF line ends, a header). */
static void
csv_row(GString *s, const char *indicator, const char *measure, const double v[RD_REPORT_PATHS], double all,
        gboolean whole)
{
	g_string_append_printf(s, "%s,%s", indicator, measure);
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		if (whole)
			g_string_append_printf(s, ",%.0f", v[p]);
		else
			g_string_append_printf(s, ",%s", g_ascii_formatd(buf, sizeof buf, "%.1f", v[p]));
	}
	if (all < 0)
		g_string_append(s, ",");
	else if (whole)
		g_string_append_printf(s, ",%.0f", all);
	else
		g_string_append_printf(s, ",%s", g_ascii_formatd(buf, sizeof buf, "%.1f", all));
	g_string_append(s, "\r\n");
}

/* A count per path: its number row, and its percent row (of the
 * complaints closed on that path; of all closed for the total). */
static void
csv_counts(GString *s, const char *indicator, const guint counts[RD_REPORT_PATHS], const RdSpsoFigures *f)
{
	double v[RD_REPORT_PATHS];
	guint all = 0;
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		v[p] = counts[p];
		all += counts[p];
	}
	csv_row(s, indicator, "number", v, all, TRUE);
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		v[p] = rd_report_round1(rd_report_percent(counts[p], f->closed_by_path[p]));
	csv_row(s, indicator, "percent of closed at the stage", v, rd_report_round1(rd_report_percent(all, f->closed)), FALSE);
}

static char *
render_csv(const RdConfig *cfg, const RdSpsoFigures *f)
{
	GString *s = g_string_new("indicator,measure,stage1,stage2_direct,escalated,all\r\n");
	double v[RD_REPORT_PATHS];
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append_printf(s, "received,number,,,,%u\r\n", f->received);
	if (cfg->council_population)
		g_string_append_printf(s, "received,per 1000 population,,,,%s\r\n",
		                       g_ascii_formatd(buf, sizeof buf, "%.1f",
		                                       rd_report_round1(per_1000(f->received, cfg->council_population))));
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		v[p] = f->closed_by_path[p];
	csv_row(s, "closed", "number", v, f->closed, TRUE);
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		v[p] = rd_report_round1(rd_report_percent(f->closed_by_path[p], f->closed));
	csv_row(s, "closed", "percent of all closed", v, f->closed ? 100.0 : 0.0, FALSE);
	if (cfg->council_population)
		g_string_append_printf(s, "closed,per 1000 population,,,,%s\r\n",
		                       g_ascii_formatd(buf, sizeof buf, "%.1f",
		                                       rd_report_round1(per_1000(f->closed, cfg->council_population))));
	for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
		g_autofree char *ind = g_strdup_printf("outcome %s", rd_report_outcome_name(k));
		guint counts[RD_REPORT_PATHS];
		for (guint p = 0; p < RD_REPORT_PATHS; p++)
			counts[p] = f->outcomes[p][k];
		csv_counts(s, ind, counts, f);
	}
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		v[p] = rd_report_round1(f->average_working_days[p]);
	csv_row(s, "average working days", "days", v, -1, FALSE);
	csv_counts(s, "within timescale", f->within_timescale, f);
	csv_counts(s, "extended", f->extended, f);
	return g_string_free(s, FALSE);
}

static char *
render_text(const RdConfig *cfg, const char *from, const char *to, const RdSpsoFigures *f)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%s — complaints %s to %s (SPSO indicators)\n\n", cfg->council_name, from, to);
	g_string_append_printf(s, "Received  %6u", f->received);
	if (cfg->council_population)
		g_string_append_printf(s, "   %.1f per 1,000 people", per_1000(f->received, cfg->council_population));
	g_string_append_printf(s, "\nClosed    %6u", f->closed);
	if (cfg->council_population)
		g_string_append_printf(s, "   %.1f per 1,000 people", per_1000(f->closed, cfg->council_population));
	g_string_append(s, "\n\n");
	g_string_append_printf(s, "%-28s %16s %16s %16s\n", "", "Stage 1", "Stage 2 direct", "After escalation");
	g_string_append_printf(s, "%-28s", "Closed");
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		g_string_append_printf(s, " %7u (%5.1f%%)", f->closed_by_path[p], rd_report_percent(f->closed_by_path[p], f->closed));
	g_string_append_c(s, '\n');
	for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
		g_string_append_printf(s, "  %-26s", rd_report_outcome_name(k));
		for (guint p = 0; p < RD_REPORT_PATHS; p++)
			g_string_append_printf(s, " %7u (%5.1f%%)", f->outcomes[p][k],
			                       rd_report_percent(f->outcomes[p][k], f->closed_by_path[p]));
		g_string_append_c(s, '\n');
	}
	g_string_append_printf(s, "%-28s", "Average working days");
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		g_string_append_printf(s, " %16.1f", f->average_working_days[p]);
	g_string_append_printf(s, "\n%-28s", "Within 5 / 20 working days");
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		g_string_append_printf(s, " %7u (%5.1f%%)", f->within_timescale[p],
		                       rd_report_percent(f->within_timescale[p], f->closed_by_path[p]));
	g_string_append_printf(s, "\n%-28s", "Extended");
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		g_string_append_printf(s, " %7u (%5.1f%%)", f->extended[p], rd_report_percent(f->extended[p], f->closed_by_path[p]));
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

char *
rd_report_spso_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdSpsoFigures *f,
                      RdReportFormat format)
{
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	switch (format) {
	case RD_REPORT_FORMAT_JSON:
		return render_json(cfg, from, to, f);
	case RD_REPORT_FORMAT_CSV:
		return render_csv(cfg, f);
	case RD_REPORT_FORMAT_TEXT:
	default:
		return render_text(cfg, a, z, f);
	}
}
