/*
 * learning.c — what learning actions give the reports: the "service
 * improvements" section of the LGSCO / Housing Ombudsman report (the
 * actions done or verified in the period, by service, and the count of
 * every action by status), and the public "you said, we did" digest.
 *
 * Both read the actions (store/actions.c) and write nothing. The public
 * digest is anonymised: only actions marked publishable and done or
 * verified in the period, each shown by its service and month, its text
 * with any email address and case reference taken out; never an owner,
 * a manager, the evidence or a case.
 */
#include <string.h>
#include <json-glib/json-glib.h>
#include "report/report.h"

/* Done or verified, with a day done inside [@from, @to]. */
static gboolean
completed_in(const RdLearningAction *a, const char *from, const char *to)
{
	if (g_strcmp0(a->status, "done") != 0 && g_strcmp0(a->status, "verified") != 0)
		return FALSE;
	return a->done_on != NULL && strcmp(a->done_on, from) >= 0 && strcmp(a->done_on, to) <= 0;
}

static gint
by_service(gconstpointer pa, gconstpointer pb)
{
	const RdLearningAction *a = *(RdLearningAction *const *)pa, *b = *(RdLearningAction *const *)pb;
	int c = g_strcmp0(a->service ? a->service : "~", b->service ? b->service : "~");
	if (c != 0)
		return c;
	c = g_strcmp0(a->done_on, b->done_on);
	return c != 0 ? c : (a->id > b->id) - (a->id < b->id);
}

/* Is the word at @w (up to @n bytes) a case reference's start with
 * @prefix ("CMP-2026-…", "cmp/2026/12"), or is it "cmp" alone? */
static gboolean
is_prefix_word(const char *w, gsize n, const char *prefix)
{
	gsize pl = prefix != NULL ? strlen(prefix) : 0;
	if (pl == 0 || n < pl || g_ascii_strncasecmp(w, prefix, pl) != 0)
		return FALSE;
	return n == pl || strchr("-/._ ", w[pl]) != NULL || g_ascii_isdigit(w[pl]);
}

char *
rd_report_learning_anonymise(const char *text, const char *prefix)
{
	GString *out = g_string_new(NULL);
	const char *p = text != NULL ? text : "";
	gboolean after_prefix = FALSE;
	while (*p != '\0') {
		if (g_ascii_isspace(*p)) {
			g_string_append_c(out, *p++);
			continue;
		}
		const char *e = p;
		while (*e != '\0' && !g_ascii_isspace(*e))
			e++;
		gsize n = (gsize)(e - p);
		gboolean addr = memchr(p, '@', n) != NULL;
		gboolean ref = is_prefix_word(p, n, prefix);
		/* "cmp 2026 12": the number words after the prefix go too. */
		gboolean number = after_prefix && g_ascii_isdigit(*p);
		if (addr || ref || number) {
			if (!number)
				g_string_append(out, addr ? "[address removed]" : "[reference removed]");
			else if (out->len > 0 && out->str[out->len - 1] == ' ')
				g_string_truncate(out, out->len - 1);
			after_prefix = ref || number;
		} else {
			g_string_append_len(out, p, (gssize)n);
			after_prefix = FALSE;
		}
		p = e;
	}
	return g_string_free(out, FALSE);
}

static void
html_text(GString *out, const char *s)
{
	g_autofree char *e = g_markup_escape_text(s != NULL ? s : "", -1);
	g_string_append(out, e);
}

static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
	                              "August", "September", "October", "November", "December" };

char *
rd_report_learning_digest(RdStore *store, const RdConfig *cfg, const GDate *from, const GDate *to, guint *n_r,
                          GError **error)
{
	g_autoptr(GPtrArray) all = rd_store_actions_list(store, FALSE, error);
	if (all == NULL)
		return NULL;
	g_autofree char *f = rd_date_format_iso(from);
	g_autofree char *t = rd_date_format_iso(to);
	g_autoptr(GPtrArray) shown = g_ptr_array_new();
	for (guint i = 0; i < all->len; i++) {
		const RdLearningAction *a = all->pdata[i];
		if (a->publishable && completed_in(a, f, t))
			g_ptr_array_add(shown, (gpointer)a);
	}
	g_ptr_array_sort(shown, by_service);
	if (n_r != NULL)
		*n_r = shown->len;

	GString *out = g_string_new(NULL);
	g_autofree char *title = g_strdup_printf("You said, we did: %s", cfg->council_name ? cfg->council_name : "");
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	html_text(out, title);
	g_string_append(out, "</title>\n<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;"
	                     "line-height:1.5}h2{margin-top:1.5em}li{margin:.4em 0}.when{color:#555}</style>\n"
	                     "</head>\n<body>\n<h1>");
	html_text(out, title);
	g_string_append(out, "</h1>\n<p>");
	g_autofree char *fs = g_strdup_printf("%d %s %d", g_date_get_day(from), months[g_date_get_month(from) - 1],
	                                      g_date_get_year(from));
	g_autofree char *ts = g_strdup_printf("%d %s %d", g_date_get_day(to), months[g_date_get_month(to) - 1],
	                                      g_date_get_year(to));
	g_autofree char *intro = g_strdup_printf(
		"Complaints tell us where our services fall short. These are the changes we made between %s and %s "
		"because of what people told us.", fs, ts);
	html_text(out, intro);
	g_string_append(out, "</p>\n");
	if (shown->len == 0)
		g_string_append(out, "<p>No changes to report for this period.</p>\n");
	const char *service = NULL;
	gboolean first = TRUE;
	for (guint i = 0; i < shown->len; i++) {
		const RdLearningAction *a = shown->pdata[i];
		const char *s = a->service ? a->service : "Across the council";
		if (first || g_strcmp0(s, service) != 0) {
			if (!first)
				g_string_append(out, "</ul>\n");
			g_string_append(out, "<h2>");
			html_text(out, s);
			g_string_append(out, "</h2>\n<ul>\n");
			service = s;
			first = FALSE;
		}
		g_autofree char *text = rd_report_learning_anonymise(a->text, cfg->reference_prefix);
		GDate d;
		g_string_append(out, "<li>");
		html_text(out, text);
		if (a->done_on != NULL && rd_date_parse_iso(a->done_on, &d))
			g_string_append_printf(out, " <span class=\"when\">(%s %d)</span>", months[g_date_get_month(&d) - 1],
			                       g_date_get_year(&d));
		g_string_append(out, "</li>\n");
	}
	if (!first)
		g_string_append(out, "</ul>\n");
	g_string_append(out, "</body>\n</html>\n");
	return g_string_free(out, FALSE);
}

/* Every action (@all, kept by the caller: @done borrows from it),
 * counted by status when made on or before the period's end, and the
 * publishable ones done or verified in the period, by service. */
static gboolean
tally(RdStore *store, const GDate *from, const GDate *to, GPtrArray **all_r, guint counts[RD_LEARNING_N_STATUS],
      GPtrArray *done, GError **error)
{
	*all_r = rd_store_actions_list(store, FALSE, error);
	if (*all_r == NULL)
		return FALSE;
	g_autofree char *f = rd_date_format_iso(from);
	g_autofree char *t = rd_date_format_iso(to);
	memset(counts, 0, sizeof(guint) * RD_LEARNING_N_STATUS);
	for (guint i = 0; i < (*all_r)->len; i++) {
		const RdLearningAction *a = (*all_r)->pdata[i];
		RdLearningStatus s;
		g_autoptr(GDateTime) made = g_date_time_new_from_unix_utc(a->created_at);
		GDate md;
		rd_date_london(made, &md);
		g_autofree char *m = rd_date_format_iso(&md);
		if (strcmp(m, t) <= 0 && rd_learning_status_from_string(a->status, &s))
			counts[s]++;
		if (a->publishable && completed_in(a, f, t))
			g_ptr_array_add(done, (gpointer)a);
	}
	g_ptr_array_sort(done, by_service);
	return TRUE;
}

gboolean
rd_report_learning_json(JsonBuilder *b, RdStore *store, const GDate *from, const GDate *to, GError **error)
{
	g_autoptr(GPtrArray) all = NULL;
	guint counts[RD_LEARNING_N_STATUS];
	g_autoptr(GPtrArray) done = g_ptr_array_new();
	if (!tally(store, from, to, &all, counts, done, error))
		return FALSE;
	json_builder_set_member_name(b, "service_improvements");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "by_status");
	json_builder_begin_object(b);
	for (int s = 0; s < RD_LEARNING_N_STATUS; s++) {
		json_builder_set_member_name(b, rd_learning_status_to_string(s));
		json_builder_add_int_value(b, counts[s]);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "completed");
	json_builder_begin_array(b);
	for (guint i = 0; i < done->len; i++) {
		const RdLearningAction *a = done->pdata[i];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "service");
		if (a->service)
			json_builder_add_string_value(b, a->service);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "text");
		json_builder_add_string_value(b, a->text);
		json_builder_set_member_name(b, "status");
		json_builder_add_string_value(b, a->status);
		json_builder_set_member_name(b, "done");
		json_builder_add_string_value(b, a->done_on);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return TRUE;
}

char *
rd_report_learning_section(RdStore *store, const GDate *from, const GDate *to, RdReportFormat format,
                           GError **error)
{
	g_autoptr(GPtrArray) all = NULL;
	guint counts[RD_LEARNING_N_STATUS];
	g_autoptr(GPtrArray) done = g_ptr_array_new();
	if (!tally(store, from, to, &all, counts, done, error))
		return NULL;
	GString *out = g_string_new(NULL);
	gboolean html = format == RD_REPORT_FORMAT_HTML;
	g_string_append(out, html ? "<section>\n<h2>Service improvements</h2>\n<ul>\n" : "Service improvements\n");
	const char *service = NULL;
	for (guint i = 0; i < done->len; i++) {
		const RdLearningAction *a = done->pdata[i];
		const char *s = a->service ? a->service : "(no service)";
		if (g_strcmp0(s, service) != 0) {
			if (html) {
				g_string_append(out, service != NULL ? "</ul></li>\n<li>" : "<li>");
				html_text(out, s);
				g_string_append(out, "<ul>\n");
			} else {
				g_string_append_printf(out, "  %s\n", s);
			}
			service = s;
		}
		if (html) {
			g_string_append(out, "<li>");
			html_text(out, a->text);
			g_string_append_printf(out, " (%s, %s)</li>\n", a->status, a->done_on);
		} else {
			g_string_append_printf(out, "    - %s (%s, %s)\n", a->text, a->status, a->done_on);
		}
	}
	if (html && service != NULL)
		g_string_append(out, "</ul></li>\n");
	if (done->len == 0)
		g_string_append(out, html ? "<li>No improvements completed in the period.</li>\n"
		                          : "  No improvements completed in the period.\n");
	if (html)
		g_string_append(out, "</ul>\n<table>\n<caption>Learning actions made by the period's end, by status</caption>\n"
		                   "<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Actions</th></tr></thead>\n"
		                   "<tbody>\n");
	else
		g_string_append(out, "  Actions by status:");
	for (int s = 0; s < RD_LEARNING_N_STATUS; s++) {
		if (html)
			g_string_append_printf(out, "<tr><th scope=\"row\">%s</th><td>%u</td></tr>\n", rd_learning_status_to_string(s),
			                       counts[s]);
		else
			g_string_append_printf(out, " %s %u%s", rd_learning_status_to_string(s), counts[s],
			                       s + 1 < RD_LEARNING_N_STATUS ? "," : "\n");
	}
	if (html)
		g_string_append(out, "</tbody>\n</table>\n</section>\n");
	return g_string_free(out, FALSE);
}
