/*
 * parts.c — the parts of the LGSCO / Housing Ombudsman annual report that
 * people write, not redress: the council's self-assessment against the
 * Code and the Ombudsman's annual letter (plain text files named in
 * [reports]), and the governance response, which comes after the report
 * has been to its committee and so is a marked slot. A file that cannot
 * be read leaves a visible gap saying why: an annual report must not
 * silently lose its self-assessment.
 */
#include <string.h>
#include "report/report.h"
#include "report/report-private.h"

static char *
read_part(const char *key, const char *path)
{
	if (path == NULL)
		return NULL;
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) e = NULL;
	if (!g_file_get_contents(path, &text, &len, &e))
		return g_strdup_printf("[Not included: the file %s named in [reports] %s could not be read: %s]", path, key,
		                       e->message);
	if (!g_utf8_validate(text, (gssize)len, NULL))
		return g_strdup_printf("[Not included: the file %s named in [reports] %s is not UTF-8 text]", path, key);
	return g_strdup(g_strstrip(text));
}

void
rd_report_parts_load(const RdConfig *cfg, RdReportParts *p)
{
	memset(p, 0, sizeof *p);
	p->self_assessment = read_part("self_assessment", cfg->reports.self_assessment);
	p->ombudsman_letter = read_part("ombudsman_letter", cfg->reports.ombudsman_letter);
	p->governance = cfg->reports.governance;
}

void
rd_report_parts_clear(RdReportParts *p)
{
	g_clear_pointer(&p->self_assessment, g_free);
	g_clear_pointer(&p->ombudsman_letter, g_free);
}

static const char *const gap_self =
	"No self-assessment is named in [reports] self_assessment. The Code asks for the council's "
	"self-assessment against it to be published with this report.";
static const char *const gap_letter =
	"No annual letter is named in [reports] ombudsman_letter. Include the Ombudsman's annual letter "
	"to the council when it has arrived.";

static char *
governance_words(const RdReportParts *p)
{
	return g_strdup_printf("To be completed after %s has considered this report: its response, and the "
	                       "actions it agreed.", p->governance != NULL ? p->governance : "the governing body");
}

void
rd_report_parts_text(GString *s, const RdReportParts *p)
{
	g_autofree char *gov = governance_words(p);
	g_string_append_printf(s, "\nSelf-assessment against the Code\n\n%s\n", p->self_assessment ? p->self_assessment
	                                                                                            : gap_self);
	g_string_append_printf(s, "\nThe Ombudsman's annual letter\n\n%s\n", p->ombudsman_letter ? p->ombudsman_letter
	                                                                                         : gap_letter);
	g_string_append_printf(s, "\nGovernance response\n\n%s\n", gov);
}

void
rd_report_parts_json(JsonBuilder *b, const RdReportParts *p)
{
	json_builder_set_member_name(b, "annual_report");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "self_assessment");
	if (p->self_assessment)
		json_builder_add_string_value(b, p->self_assessment);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "ombudsman_letter");
	if (p->ombudsman_letter)
		json_builder_add_string_value(b, p->ombudsman_letter);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "governance");
	if (p->governance)
		json_builder_add_string_value(b, p->governance);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
}
