/*
 * html.c — the report as one printable HTML file for senior officers: no
 * external resources and no script, charts drawn as inline SVG. Every
 * chart is a <figure> with a text alternative (role="img", a <title> and
 * a <desc>) and, under it, the table it is drawn from, so a screen
 * reader, a printout in black and white and a reader at 200% zoom all get
 * the same figures: bars are told apart by their labels and by solid or
 * hatched fills, not by colour alone, and sizes are in relative units.
 */
#include <string.h>
#include "report/report.h"
#include "report/report-private.h"

/* @s escaped for HTML text and attribute values. */
static void
esc(GString *out, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		default: g_string_append_c(out, *p);
		}
	}
}

static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const path_labels[RD_REPORT_PATHS] = { "Stage 1", "Stage 2 directly", "After escalation" };

/* One series of a bar chart. */
typedef struct {
	const char *name;
	const guint *v;
	gboolean hatched;        /* told apart without colour */
} Series;

/* A grouped bar chart of @n_series series over @n categories, as a
 * <figure> with its text alternative and its table. @id names it. */
static void
bar_chart(GString *h, const char *id, const char *title, const char *desc, const char *const *cats, guint n,
          const Series *series, guint n_series, const char *unit)
{
	guint top = 1;
	for (guint s = 0; s < n_series; s++)
		for (guint i = 0; i < n; i++)
			top = MAX(top, series[s].v[i]);
	const double W = 640, H = 240, left = 48, bottom = 40, plot_h = H - bottom - 16;
	double group = (W - left - 8) / MAX(n, 1u);
	double bar = MIN(28.0, (group - 6) / n_series);
	g_string_append_printf(h, "<figure id=\"%s\">\n<figcaption>", id);
	esc(h, title);
	g_string_append_printf(h, "</figcaption>\n<svg role=\"img\" aria-labelledby=\"%s-t %s-d\" viewBox=\"0 0 %.0f %.0f\" "
	                       "width=\"100%%\" preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"%s-t\">", id, id, W, H, id);
	esc(h, title);
	g_string_append_printf(h, "</title>\n<desc id=\"%s-d\">", id);
	esc(h, desc);
	g_string_append(h, "</desc>\n");
	/* The axis: zero and the top value, written out. */
	g_string_append_printf(h, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"axis\"/>\n", left,
	                       16 + plot_h, W - 4, 16 + plot_h);
	g_string_append_printf(h, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">0</text>\n", left - 4,
	                       16 + plot_h);
	g_string_append_printf(h, "<text x=\"%.0f\" y=\"24\" class=\"tick\" text-anchor=\"end\">%u</text>\n", left - 4, top);
	for (guint i = 0; i < n; i++) {
		double x0 = left + i * group + (group - bar * n_series) / 2;
		for (guint s = 0; s < n_series; s++) {
			double bh = plot_h * series[s].v[i] / top;
			g_string_append_printf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"/>\n",
			                       x0 + s * bar, 16 + plot_h - bh, bar - 2, bh, series[s].hatched ? "bar2" : "bar1");
		}
		g_string_append_printf(h, "<text x=\"%.1f\" y=\"%.0f\" class=\"tick\" text-anchor=\"middle\">", left + i * group +
		                       group / 2, H - bottom + 16);
		esc(h, cats[i]);
		g_string_append(h, "</text>\n");
	}
	/* The key, in words, each entry as wide as its name. */
	double kx = left;
	for (guint s = 0; s < n_series; s++) {
		g_string_append_printf(h, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" class=\"%s\"/>"
		                       "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\">", kx, H - 14,
		                       series[s].hatched ? "bar2" : "bar1", kx + 16, H - 4);
		esc(h, series[s].name);
		g_string_append(h, "</text>\n");
		kx += 16 + 6.5 * (double)g_utf8_strlen(series[s].name, -1) + 24;
	}
	g_string_append(h, "</svg>\n<table>\n<caption>");
	esc(h, title);
	g_string_append_printf(h, " (%s)</caption>\n<thead><tr><th scope=\"col\"></th>", unit);
	for (guint s = 0; s < n_series; s++) {
		g_string_append(h, "<th scope=\"col\">");
		esc(h, series[s].name);
		g_string_append(h, "</th>");
	}
	g_string_append(h, "</tr></thead>\n<tbody>\n");
	for (guint i = 0; i < n; i++) {
		g_string_append(h, "<tr><th scope=\"row\">");
		esc(h, cats[i]);
		g_string_append(h, "</th>");
		for (guint s = 0; s < n_series; s++)
			g_string_append_printf(h, "<td>%u</td>", series[s].v[i]);
		g_string_append(h, "</tr>\n");
	}
	g_string_append(h, "</tbody>\n</table>\n</figure>\n");
}

static const char style[] =
	"body{font-family:sans-serif;font-size:1rem;line-height:1.4;max-width:50rem;margin:1rem auto;padding:0 1rem;"
	"color:#000;background:#fff}"
	"h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem}"
	"figure{margin:1.5rem 0;break-inside:avoid}figcaption{font-weight:bold;margin-bottom:.5rem}"
	"table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #444;padding:.2rem .5rem;text-align:right}"
	"th[scope=row]{text-align:left}caption{text-align:left;font-style:italic}"
	"svg{max-width:100%;height:auto}.axis{stroke:#000}.tick{font-size:11px;fill:#000}"
	".bar1{fill:#333}.bar2{fill:url(#hatch);stroke:#000;stroke-width:.5}"
	".gap{border:1px dashed #000;padding:.5rem;font-style:italic}"
	"@media print{body{max-width:none}}";

/* The pattern hatched bars are filled with, defined once. */
static const char hatch[] =
	"<svg width=\"0\" height=\"0\" aria-hidden=\"true\" style=\"position:absolute\"><defs>"
	"<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	"<rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000\" "
	"stroke-width=\"2\"/></pattern></defs></svg>\n";

/* Received, responded, on time and upheld per service or channel. */
static void
groups_table(GString *h, const char *caption, const char *col, GHashTable *t)
{
	g_string_append_printf(h, "<table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
	                       "<th scope=\"col\">Received</th><th scope=\"col\">Responded</th><th scope=\"col\">"
	                       "On time</th><th scope=\"col\">Upheld or partly upheld</th></tr></thead>\n<tbody>\n",
	                       caption, col);
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(t);
	for (guint i = 0; i < keys->len; i++) {
		const RdReportGroup *g = g_hash_table_lookup(t, keys->pdata[i]);
		g_string_append(h, "<tr><th scope=\"row\">");
		esc(h, keys->pdata[i]);
		g_string_append_printf(h, "</th><td>%u</td><td>%u</td><td>%u</td><td>%u</td></tr>\n", g->received,
		                       g->responded, g->on_time, g->well_founded);
	}
	if (keys->len == 0)
		g_string_append(h, "<tr><td colspan=\"5\">None in the period.</td></tr>\n");
	g_string_append(h, "</tbody>\n</table>\n");
}

/* Where complaints came from, where few did, and those not taken through
 * the procedure. */
static void
lgsco_tables(GString *h, const RdConfig *cfg, const RdLgscoFigures *l)
{
	g_string_append(h, "<h2>Where complaints came from</h2>\n");
	groups_table(h, "By service", "Service", l->service_figures);
	groups_table(h, "By channel", "Channel", l->channel_figures);
	g_autoptr(GArray) few = rd_report_few_or_none(cfg, l);
	g_string_append_printf(h, "<table>\n<caption>Services and channels with fewer than %u complaints</caption>\n"
	                       "<thead><tr><th scope=\"col\">Service or channel</th><th scope=\"col\">Received</th>"
	                       "</tr></thead>\n<tbody>\n", RD_REPORT_FEW);
	for (guint i = 0; i < few->len; i++) {
		const RdReportFew *x = &g_array_index(few, RdReportFew, i);
		g_string_append_printf(h, "<tr><th scope=\"row\">%s: ", x->kind);
		esc(h, x->name);
		g_string_append_printf(h, "</th><td>%u</td></tr>\n", x->n);
	}
	if (few->len == 0)
		g_string_append(h, "<tr><td colspan=\"2\">None.</td></tr>\n");
	g_string_append(h, "</tbody>\n</table>\n");
	g_string_append_printf(h, "<table>\n<caption>Excluded, withdrawn, or Stage 2 refused (%u; the reasons are on "
	                       "each case)</caption>\n<thead><tr><th scope=\"col\">Reference</th><th scope=\"col\">"
	                       "Stage</th><th scope=\"col\">What</th><th scope=\"col\">Date</th><th scope=\"col\">"
	                       "Service</th></tr></thead>\n<tbody>\n", l->refused->len);
	for (guint i = 0; i < l->refused->len; i++) {
		const RdReportRefused *r = &g_array_index(l->refused, RdReportRefused, i);
		g_autofree char *day = rd_date_format_iso(&r->date);
		g_string_append(h, "<tr><th scope=\"row\">");
		esc(h, r->reference);
		g_string_append_printf(h, "</th><td>%u</td><td>%s</td><td>%s</td><td>", r->stage, r->what, day);
		esc(h, r->service != NULL && *r->service ? r->service : "not recorded");
		g_string_append(h, "</td></tr>\n");
	}
	g_string_append(h, "</tbody>\n</table>\n");
}

/* @text as paragraphs: a blank line ends one, a line break stays one. */
static void
paragraphs(GString *h, const char *text)
{
	g_auto(GStrv) paras = g_regex_split_simple("\\n[ \\t]*\\n+", text, 0, 0);
	for (guint i = 0; paras[i] != NULL; i++) {
		if (*g_strstrip(paras[i]) == '\0')
			continue;
		g_string_append(h, "<p>");
		g_auto(GStrv) lines = g_strsplit(paras[i], "\n", -1);
		for (guint j = 0; lines[j] != NULL; j++) {
			if (j > 0)
				g_string_append(h, "<br>\n");
			esc(h, lines[j]);
		}
		g_string_append(h, "</p>\n");
	}
}

/* What people write for the annual report: the self-assessment, the
 * Ombudsman's letter (as plain text, escaped: nothing in them can add a
 * script or fetch anything), and the slot for the governance response. */
static void
parts_section(GString *h, const RdReportParts *p)
{
	g_string_append(h, "<h2>Self-assessment against the Code</h2>\n");
	if (p->self_assessment)
		paragraphs(h, p->self_assessment);
	else
		g_string_append(h, "<p class=\"gap\">No self-assessment is named in [reports] self_assessment. The Code "
		                   "asks for the council's self-assessment against it to be published with this report.</p>\n");
	g_string_append(h, "<h2>The Ombudsman's annual letter</h2>\n");
	if (p->ombudsman_letter)
		paragraphs(h, p->ombudsman_letter);
	else
		g_string_append(h, "<p class=\"gap\">No annual letter is named in [reports] ombudsman_letter. Include the "
		                   "Ombudsman's annual letter to the council when it has arrived.</p>\n");
	g_string_append(h, "<h2>Governance response</h2>\n<p class=\"gap\">To be completed after ");
	esc(h, p->governance != NULL ? p->governance : "the governing body");
	g_string_append(h, " has considered this report: its response, and the actions it agreed.</p>\n");
}

/* The statutory adult social care figures: a table, as the regulation's
 * annual report gives them. */
static void
reg18_section(GString *h, const RdReg18Figures *r)
{
	g_string_append(h, "<h2>Adult social care (statutory procedure)</h2>\n<table>\n<caption>Statutory adult social "
	                   "care complaints (the 2009 Regulations, regulation 18)</caption>\n<tbody>\n");
	const struct { const char *label; guint v; } rows[] = {
		{ "Received", r->received },
		{ "Decided", r->decided },
		{ "Decided well-founded (upheld or partly upheld)", r->well_founded },
		{ "Known to have been referred to the Ombudsman", r->referred },
		{ "Decided by the Ombudsman", r->ombudsman_decided },
		{ "Of those, upheld by the Ombudsman", r->ombudsman_upheld },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
		g_string_append_printf(h, "<tr><th scope=\"row\">%s</th><td>%u</td></tr>\n", rows[i].label, rows[i].v);
	g_string_append(h, "</tbody>\n</table>\n<table>\n<caption>Decided, by root cause</caption>\n<thead><tr>"
	                   "<th scope=\"col\">Cause</th><th scope=\"col\">Decided</th></tr></thead>\n<tbody>\n");
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(r->by_cause);
	for (guint i = 0; i < keys->len; i++) {
		g_string_append(h, "<tr><th scope=\"row\">");
		esc(h, keys->pdata[i]);
		g_string_append_printf(h, "</th><td>%u</td></tr>\n",
		                       GPOINTER_TO_UINT(g_hash_table_lookup(r->by_cause, keys->pdata[i])));
	}
	if (keys->len == 0)
		g_string_append(h, "<tr><td colspan=\"2\">None decided in the period.</td></tr>\n");
	g_string_append(h, "</tbody>\n</table>\n");
}

char *
rd_report_html(const RdConfig *cfg, const GDate *from, const GDate *to, const RdReportHtmlData *d)
{
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	const RdSpsoFigures *f = d->spso;
	GString *h = g_string_new("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(h, cfg->council_name);
	g_string_append_printf(h, ": complaints %s to %s</title>\n<style>%s</style>\n</head>\n<body>\n%s<h1>", a, z, style,
	                       hatch);
	esc(h, cfg->council_name);
	g_string_append_printf(h, ": complaints handling, %s to %s</h1>\n", a, z);
	g_string_append(h, "<p>Counted from the case record by redress. References and counts only; the counting rules "
	                   "are in the redress README (\"redress report\").</p>\n");

	g_string_append_printf(h, "<h2>Received and closed</h2>\n<p>%u complaints received and %u closed", f->received,
	                       f->closed);
	if (cfg->council_population)
		g_string_append_printf(h, " (%.1f and %.1f per 1,000 people)",
		                       rd_report_round1(1000.0 * f->received / cfg->council_population),
		                       rd_report_round1(1000.0 * f->closed / cfg->council_population));
	g_string_append(h, ".</p>\n");
	/* Month by month. */
	g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
	GDate m = *from;
	for (guint i = 0; i < d->months; i++) {
		g_ptr_array_add(labels, g_strdup_printf("%s %02d", month_names[g_date_get_month(&m) - 1],
		                                        g_date_get_year(&m) % 100));
		g_date_add_months(&m, 1);
	}
	Series rc[2] = { { "Received", d->received_by_month, FALSE }, { "Closed", d->closed_by_month, TRUE } };
	g_autofree char *desc1 = g_strdup_printf("Bar chart: complaints received and closed in each month from %s to %s; "
	                                         "%u received and %u closed in all. The table below gives each month.",
	                                         a, z, f->received, f->closed);
	bar_chart(h, "by-month", "Complaints received and closed, by month", desc1,
	          (const char *const *)labels->pdata, d->months, rc, 2, "number");

	/* Closed by path, outcomes by stage. */
	g_string_append(h, "<h2>Outcomes</h2>\n");
	const char *cats[RD_REPORT_PATHS];
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		cats[p] = path_labels[p];
	guint upheld[RD_REPORT_PATHS], partly[RD_REPORT_PATHS], notu[RD_REPORT_PATHS], resolved[RD_REPORT_PATHS];
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		upheld[p] = f->outcomes[p][0];
		partly[p] = f->outcomes[p][1];
		notu[p] = f->outcomes[p][2];
		resolved[p] = f->outcomes[p][3];
	}
	Series os[4] = { { "Upheld", upheld, FALSE }, { "Partly upheld", partly, TRUE },
	                 { "Not upheld", notu, FALSE }, { "Resolved", resolved, TRUE } };
	g_autofree char *desc2 = g_strdup_printf("Bar chart: outcomes of the complaints closed at Stage 1 (%u), at Stage 2 "
	                                         "directly (%u) and after escalation (%u). The table below gives each.",
	                                         f->closed_by_path[0], f->closed_by_path[1], f->closed_by_path[2]);
	bar_chart(h, "outcomes", "Outcomes by stage", desc2, cats, RD_REPORT_PATHS, os, 4, "number of complaints");

	/* Timeliness. */
	g_string_append(h, "<h2>Timeliness</h2>\n");
	guint late[RD_REPORT_PATHS];
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		late[p] = f->closed_by_path[p] - f->within_timescale[p];
	Series ts[2] = { { "Within 5 (Stage 1) or 20 working days", f->within_timescale, FALSE },
	                 { "Longer", late, TRUE } };
	g_autofree char *desc3 = g_strdup_printf("Bar chart: complaints closed within the timescale and after it, by "
	                                         "stage; average working days %.1f at Stage 1, %.1f at Stage 2 directly, "
	                                         "%.1f after escalation.", f->average_working_days[0],
	                                         f->average_working_days[1], f->average_working_days[2]);
	bar_chart(h, "timeliness", "Closed within the timescale", desc3, cats, RD_REPORT_PATHS, ts, 2,
	          "number of complaints");
	g_string_append_printf(h, "<p>Average working days to a full response: %.1f at Stage 1, %.1f at Stage 2 directly, "
	                       "%.1f after escalation. Extended: %u, %u and %u.</p>\n", f->average_working_days[0],
	                       f->average_working_days[1], f->average_working_days[2], f->extended[0], f->extended[1],
	                       f->extended[2]);

	/* The trend. */
	if (d->n_trend > 0) {
		g_string_append(h, "<h2>Trend</h2>\n");
		const char *tl[8];
		guint tr[8], tc[8];
		guint nt = MIN(d->n_trend, 8u);
		for (guint i = 0; i < nt; i++) {
			tl[i] = d->trend_labels[i];
			tr[i] = d->trend[i].received;
			tc[i] = d->trend[i].closed;
		}
		Series tser[2] = { { "Received", tr, FALSE }, { "Closed", tc, TRUE } };
		bar_chart(h, "trend", "Received and closed, this period and earlier ones",
		          "Bar chart: complaints received and closed in this period and in the periods of the same length "
		          "before it. The table below gives each.", tl, nt, tser, 2, "number");
	}

	/* The LGSCO / HOS list, by reference. */
	if (d->lgsco != NULL) {
		const RdLgscoFigures *l = d->lgsco;
		g_string_append_printf(h, "<h2>Against the Code's timescales</h2>\n<p>Acknowledged on time: %u of %u at Stage 1, "
		                       "%u of %u at Stage 2. Responded on time: %u of %u at Stage 1, %u of %u at Stage 2. "
		                       "Withdrawn %u, excluded %u.</p>\n", l->ack_on_time[0], l->ack_due[0],
		                       l->ack_on_time[1], l->ack_due[1], l->responded_in_time[0], l->responded[0],
		                       l->responded_in_time[1], l->responded[1], l->withdrawn, l->excluded);
		g_string_append_printf(h, "<table>\n<caption>Outside the timescales (%u)</caption>\n<thead><tr>"
		                       "<th scope=\"col\">Reference</th><th scope=\"col\">Stage</th><th scope=\"col\">What</th>"
		                       "<th scope=\"col\">Due</th><th scope=\"col\">Done</th></tr></thead>\n<tbody>\n",
		                       l->late->len);
		for (guint i = 0; i < l->late->len; i++) {
			const RdReportLate *x = &g_array_index(l->late, RdReportLate, i);
			g_autofree char *due = rd_date_format_iso(&x->due);
			g_autofree char *done = g_date_valid(&x->done) ? rd_date_format_iso(&x->done) : g_strdup("not done");
			g_string_append(h, "<tr><th scope=\"row\">");
			esc(h, x->reference);
			g_string_append_printf(h, "</th><td>%u</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", x->stage, x->what,
			                       due, done);
		}
		g_string_append(h, "</tbody>\n</table>\n");
		lgsco_tables(h, cfg, l);
	}
	if (d->reg18 != NULL)
		reg18_section(h, d->reg18);
	if (d->learning != NULL)
		g_string_append(h, d->learning);
	if (d->satisfaction != NULL)
		g_string_append(h, d->satisfaction);
	if (d->parts != NULL)
		parts_section(h, d->parts);
	g_string_append(h, "</body>\n</html>\n");
	return g_string_free(h, FALSE);
}
