/*
 * reg18.c — the statutory adult social care figures (England: the Local
 * Authority Social Services and National Health Service Complaints
 * Regulations 2009, regulation 18): the annual report for the year to 31
 * March gives the complaints received, the number decided well-founded,
 * and the number the council knows were referred to the Ombudsman, with
 * a summary of what they were about. Counted by procedure/report.c
 * (rd_report_reg18) over the cases that followed a statutory adult
 * social care profile.
 */
#include <string.h>
#include "report/report.h"
#include "report/report-private.h"

/* The profiles whose cases the regulation covers. A council that defines
 * its own ([profile:NAME]) copy of the procedure lists it too. */
static const char *const default_profiles[] = { "adult-social-care", NULL };

const char *const *
rd_report_reg18_profiles(const RdConfig *cfg)
{
	(void)cfg;
	return default_profiles;
}

void
rd_report_reg18_json(JsonBuilder *b, const RdReg18Figures *f)
{
	json_builder_set_member_name(b, "reg18");
	json_builder_begin_object(b);
	const struct { const char *name; guint v; } members[] = {
		{ "received", f->received },
		{ "decided", f->decided },
		{ "well_founded", f->well_founded },
		{ "referred_to_ombudsman", f->referred },
		{ "ombudsman_decided", f->ombudsman_decided },
		{ "ombudsman_upheld", f->ombudsman_upheld },
	};
	for (guint i = 0; i < G_N_ELEMENTS(members); i++) {
		json_builder_set_member_name(b, members[i].name);
		json_builder_add_int_value(b, members[i].v);
	}
	json_builder_set_member_name(b, "decided_by_cause");
	json_builder_begin_object(b);
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(f->by_cause);
	for (guint i = 0; i < keys->len; i++) {
		json_builder_set_member_name(b, keys->pdata[i]);
		json_builder_add_int_value(b, GPOINTER_TO_UINT(g_hash_table_lookup(f->by_cause, keys->pdata[i])));
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static char *
render_csv(const RdReg18Figures *f)
{
	GString *s = g_string_new("indicator,measure,value\r\n");
	g_string_append_printf(s, "received,number,%u\r\n", f->received);
	g_string_append_printf(s, "decided,number,%u\r\n", f->decided);
	g_string_append_printf(s, "well-founded,number,%u\r\n", f->well_founded);
	g_string_append_printf(s, "well-founded,percent of decided,%.1f\r\n",
	                       rd_report_round1(rd_report_percent(f->well_founded, f->decided)));
	g_string_append_printf(s, "referred to the Ombudsman,number,%u\r\n", f->referred);
	g_string_append_printf(s, "Ombudsman decisions,number,%u\r\n", f->ombudsman_decided);
	g_string_append_printf(s, "Ombudsman decisions upheld,number,%u\r\n", f->ombudsman_upheld);
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(f->by_cause);
	for (guint i = 0; i < keys->len; i++) {
		g_string_append(s, "decided by cause,");
		rd_report_csv_field(s, keys->pdata[i]);
		g_string_append_printf(s, ",%u\r\n", GPOINTER_TO_UINT(g_hash_table_lookup(f->by_cause, keys->pdata[i])));
	}
	return g_string_free(s, FALSE);
}

static char *
render_text(const RdConfig *cfg, const char *from, const char *to, const RdReg18Figures *f)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%s — adult social care complaints %s to %s (statutory figures, reg 18)\n\n",
	                       cfg->council_name, from, to);
	g_string_append_printf(s, "%-44s %8u\n", "Received", f->received);
	g_string_append_printf(s, "%-44s %8u\n", "Decided", f->decided);
	g_string_append_printf(s, "%-44s %8u (%.1f%% of decided)\n", "Decided well-founded (upheld or partly)",
	                       f->well_founded, rd_report_round1(rd_report_percent(f->well_founded, f->decided)));
	g_string_append_printf(s, "%-44s %8u\n", "Known to have been referred to the Ombudsman", f->referred);
	g_string_append_printf(s, "%-44s %8u (%u upheld)\n", "Decided by the Ombudsman", f->ombudsman_decided,
	                       f->ombudsman_upheld);
	g_string_append(s, "\nDecided, by root cause\n");
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(f->by_cause);
	for (guint i = 0; i < keys->len; i++)
		g_string_append_printf(s, "  %-42s %8u\n", (const char *)keys->pdata[i],
		                       GPOINTER_TO_UINT(g_hash_table_lookup(f->by_cause, keys->pdata[i])));
	if (keys->len == 0)
		g_string_append(s, "  none\n");
	return g_string_free(s, FALSE);
}

char *
rd_report_reg18_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdReg18Figures *f,
                       RdReportFormat format)
{
	if (format == RD_REPORT_FORMAT_JSON) {
		JsonBuilder *b = rd_report_json_begin(cfg, from, to);
		rd_report_reg18_json(b, f);
		json_builder_end_object(b);
		return rd_report_json_finish(b);
	}
	if (format == RD_REPORT_FORMAT_CSV)
		return render_csv(f);
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	return render_text(cfg, a, z, f);
}
