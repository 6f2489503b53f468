/*
 * lgsco.c — the quantitative part of the LGSCO / Housing Ombudsman annual
 * complaints performance report: acknowledgements and responses against
 * the procedure's own dates (the profile each case follows), outcomes,
 * extensions, complaints withdrawn or excluded, complaints received by
 * service and channel, and every stage outside the timescales, listed by
 * reference only. Counted by procedure/report.c (rd_report_lgsco).
 */
#include <string.h>
#include "report/report.h"
#include "report/report-private.h"

static const char *const stage_names[2] = { "stage1", "stage2" };

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
rd_report_sorted_keys(GHashTable *t)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	return keys;
}


static void
json_stages(JsonBuilder *b, const char *name, const guint v[2])
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint i = 0; i < 2; i++) {
		json_builder_set_member_name(b, stage_names[i]);
		json_builder_add_int_value(b, v[i]);
	}
	json_builder_end_object(b);
}

static void
json_counts(JsonBuilder *b, const char *name, GHashTable *t)
{
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(t);
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint i = 0; i < keys->len; i++) {
		json_builder_set_member_name(b, keys->pdata[i]);
		json_builder_add_int_value(b, GPOINTER_TO_UINT(g_hash_table_lookup(t, keys->pdata[i])));
	}
	json_builder_end_object(b);
}

static void
groups_json(JsonBuilder *b, const char *name, GHashTable *t)
{
	g_autoptr(GPtrArray) keys = rd_report_sorted_keys(t);
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint i = 0; i < keys->len; i++) {
		const RdReportGroup *g = g_hash_table_lookup(t, keys->pdata[i]);
		json_builder_set_member_name(b, keys->pdata[i]);
		json_builder_begin_object(b);
		const struct { const char *k; guint v; } m[] = {
			{ "received", g->received }, { "responded", g->responded },
			{ "responded_on_time", g->on_time }, { "well_founded", g->well_founded },
		};
		for (guint j = 0; j < G_N_ELEMENTS(m); j++) {
			json_builder_set_member_name(b, m[j].k);
			json_builder_add_int_value(b, m[j].v);
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
}

/* ---- services and channels with few or no complaints ------------------------------ */

/* Every way a complaint can reach redress: the mailboxes and what staff
 * log. A channel nobody used may mean a way in that does not work. */
static const char *const channels[] = {
	"email", "stage2-mailbox", "chief-executive", "monitoring-officer", "forwarded", "phone", "letter",
	"in-person", NULL,
};

/* @name's count in @t, ignoring case (services are typed by people). */
static guint
count_of(GHashTable *t, const char *name)
{
	GHashTableIter it;
	gpointer k, v;
	guint n = 0;
	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_utf8_collate(k, name) == 0 || g_ascii_strcasecmp(k, name) == 0)
			n += GPOINTER_TO_UINT(v);
	return n;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	const RdReportFew *x = a, *y = b;
	int k = g_strcmp0(x->kind, y->kind);
	return k != 0 ? -k : g_strcmp0(x->name, y->name);
}

GArray *
rd_report_few_or_none(const RdConfig *cfg, const RdLgscoFigures *f)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(RdReportFew));
	if (cfg->services != NULL) {
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, cfg->services);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			RdReportFew x = { "service", k, count_of(f->by_service, k) };
			if (x.n < RD_REPORT_FEW)
				g_array_append_val(out, x);
		}
	}
	for (guint i = 0; channels[i] != NULL; i++) {
		RdReportFew x = { "channel", channels[i], count_of(f->by_channel, channels[i]) };
		if (x.n < RD_REPORT_FEW)
			g_array_append_val(out, x);
	}
	g_array_sort(out, by_name);
	return out;
}

/* The members every listed case has: reference, stage, what; the
 * object is left open for the caller's dates. */
static void
json_item_begin(JsonBuilder *b, const char *reference, guint stage, const char *what)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "reference");
	json_builder_add_string_value(b, reference);
	json_builder_set_member_name(b, "stage");
	json_builder_add_int_value(b, stage);
	json_builder_set_member_name(b, "what");
	json_builder_add_string_value(b, what);
}

/* @d as YYYY-MM-DD, or null when it is not set. */
static void
json_date(JsonBuilder *b, const char *name, const GDate *d)
{
	json_builder_set_member_name(b, name);
	if (g_date_valid(d)) {
		g_autofree char *iso = rd_date_format_iso(d);
		json_builder_add_string_value(b, iso);
	} else {
		json_builder_add_null_value(b);
	}
}

void
rd_report_lgsco_json(JsonBuilder *b, const RdConfig *cfg, const RdLgscoFigures *f)
{
	json_builder_set_member_name(b, "lgsco");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "received");
	json_builder_add_int_value(b, f->received);
	json_builder_set_member_name(b, "stage2_received");
	json_builder_add_int_value(b, f->stage2_received);
	json_stages(b, "acknowledgements_due", f->ack_due);
	json_stages(b, "acknowledged_on_time", f->ack_on_time);
	json_stages(b, "responded", f->responded);
	json_stages(b, "responded_on_time", f->responded_in_time);
	json_stages(b, "extended", f->extended);
	json_builder_set_member_name(b, "outcomes");
	json_builder_begin_object(b);
	for (guint i = 0; i < 2; i++) {
		json_builder_set_member_name(b, stage_names[i]);
		json_builder_begin_object(b);
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
			json_builder_set_member_name(b, rd_report_outcome_name(k));
			json_builder_add_int_value(b, f->outcomes[i][k]);
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "withdrawn");
	json_builder_add_int_value(b, f->withdrawn);
	json_builder_set_member_name(b, "excluded");
	json_builder_add_int_value(b, f->excluded);
	json_builder_set_member_name(b, "declined");
	json_builder_add_int_value(b, f->declined);
	json_builder_set_member_name(b, "from_elected_members");
	json_builder_add_int_value(b, f->elected_members);
	json_counts(b, "received_by_service", f->by_service);
	json_counts(b, "received_by_channel", f->by_channel);
	groups_json(b, "by_service", f->service_figures);
	groups_json(b, "by_channel", f->channel_figures);
	g_autoptr(GArray) few = rd_report_few_or_none(cfg, f);
	json_builder_set_member_name(b, "few_or_none");
	json_builder_begin_array(b);
	for (guint i = 0; i < few->len; i++) {
		const RdReportFew *x = &g_array_index(few, RdReportFew, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, x->kind);
		json_builder_add_string_value(b, x->name);
		json_builder_set_member_name(b, "received");
		json_builder_add_int_value(b, x->n);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "refused");
	json_builder_begin_array(b);
	for (guint i = 0; i < f->refused->len; i++) {
		const RdReportRefused *r = &g_array_index(f->refused, RdReportRefused, i);
		json_item_begin(b, r->reference, r->stage, r->what);
		json_date(b, "date", &r->date);
		json_builder_set_member_name(b, "service");
		if (r->service != NULL && *r->service)
			json_builder_add_string_value(b, r->service);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "outside_timescales");
	json_builder_begin_array(b);
	for (guint i = 0; i < f->late->len; i++) {
		const RdReportLate *l = &g_array_index(f->late, RdReportLate, i);
		json_item_begin(b, l->reference, l->stage, l->what);
		json_date(b, "due", &l->due);
		json_date(b, "done", &l->done);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
csv_stages(GString *s, const char *indicator, const char *measure, const guint v[2])
{
	g_string_append_printf(s, "%s,%s,%u,%u,%u\r\n", indicator, measure, v[0], v[1], v[0] + v[1]);
}

void
rd_report_csv_field(GString *s, const char *v)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		g_string_append(s, v);
		return;
	}
	g_string_append_c(s, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
}

static char *
render_csv(const RdLgscoFigures *f)
{
	GString *s = g_string_new("indicator,measure,stage1,stage2,all\r\n");
	g_string_append_printf(s, "received,number,%u,%u,%u\r\n", f->received, f->stage2_received,
	                       f->received + f->stage2_received);
	csv_stages(s, "acknowledgements due", "number", f->ack_due);
	csv_stages(s, "acknowledged on time", "number", f->ack_on_time);
	csv_stages(s, "responded", "number", f->responded);
	csv_stages(s, "responded on time", "number", f->responded_in_time);
	csv_stages(s, "extended", "number", f->extended);
	for (guint k = 0; k < RD_REPORT_OUTCOMES; k++) {
		guint v[2] = { f->outcomes[0][k], f->outcomes[1][k] };
		g_autofree char *ind = g_strdup_printf("outcome %s", rd_report_outcome_name(k));
		csv_stages(s, ind, "number", v);
	}
	g_string_append_printf(s, "withdrawn,number,,,%u\r\n", f->withdrawn);
	g_string_append_printf(s, "excluded,number,,,%u\r\n", f->excluded);
	g_string_append_printf(s, "declined (Stage 2 refused),number,,%u,%u\r\n", f->declined, f->declined);
	g_string_append_printf(s, "from elected members,number,,,%u\r\n", f->elected_members);
	GHashTable *tables[2] = { f->by_service, f->by_channel };
	const char *labels[2] = { "received by service", "received by channel" };
	for (guint t = 0; t < 2; t++) {
		g_autoptr(GPtrArray) keys = rd_report_sorted_keys(tables[t]);
		for (guint i = 0; i < keys->len; i++) {
			g_string_append_printf(s, "%s,", labels[t]);
			rd_report_csv_field(s, keys->pdata[i]);
			g_string_append_printf(s, ",,,%u\r\n", GPOINTER_TO_UINT(g_hash_table_lookup(tables[t], keys->pdata[i])));
		}
	}
	return g_string_free(s, FALSE);
}

static char *
render_text(const RdConfig *cfg, const char *from, const char *to, const RdLgscoFigures *f)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%s — complaints %s to %s (LGSCO / Housing Ombudsman annual figures)\n\n",
	                       cfg->council_name, from, to);
	g_string_append_printf(s, "%-36s %16s %16s\n", "", "Stage 1", "Stage 2");
	g_string_append_printf(s, "%-36s %16u %16u\n", "Received", f->received, f->stage2_received);
	g_string_append_printf(s, "%-36s", "Acknowledged on time");
	for (guint i = 0; i < 2; i++)
		g_string_append_printf(s, "  %5u of %5u", f->ack_on_time[i], f->ack_due[i]);
	g_string_append_printf(s, "\n%-36s", "Responded on time");
	for (guint i = 0; i < 2; i++)
		g_string_append_printf(s, "  %5u of %5u", f->responded_in_time[i], f->responded[i]);
	g_string_append_printf(s, "\n%-36s %16u %16u\n", "Responded after an extension", f->extended[0], f->extended[1]);
	for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
		g_string_append_printf(s, "  %-34s %16u %16u\n", rd_report_outcome_name(k), f->outcomes[0][k],
		                       f->outcomes[1][k]);
	g_string_append_printf(s, "\nWithdrawn %u, excluded %u, Stage 2 refused %u; from elected members %u.\n",
	                       f->withdrawn, f->excluded, f->declined, f->elected_members);
	GHashTable *tables[2] = { f->service_figures, f->channel_figures };
	const char *labels[2] = { "By service", "By channel" };
	for (guint t = 0; t < 2; t++) {
		g_string_append_printf(s, "\n%-36s %9s %9s %9s %9s\n", labels[t], "received", "responded", "on time",
		                       "upheld");
		g_autoptr(GPtrArray) keys = rd_report_sorted_keys(tables[t]);
		for (guint i = 0; i < keys->len; i++) {
			const RdReportGroup *g = g_hash_table_lookup(tables[t], keys->pdata[i]);
			g_string_append_printf(s, "  %-34s %9u %9u %9u %9u\n", (const char *)keys->pdata[i], g->received,
			                       g->responded, g->on_time, g->well_founded);
		}
		if (keys->len == 0)
			g_string_append(s, "  none\n");
	}
	g_string_append(s, "  (upheld: upheld or partly upheld, of the responses)\n");
	g_autoptr(GArray) few = rd_report_few_or_none(cfg, f);
	g_string_append_printf(s, "\nServices and channels with fewer than %u complaints (%u)\n", RD_REPORT_FEW, few->len);
	for (guint i = 0; i < few->len; i++) {
		const RdReportFew *x = &g_array_index(few, RdReportFew, i);
		g_string_append_printf(s, "  %-8s %-25s %6u\n", x->kind, x->name, x->n);
	}
	g_string_append_printf(s, "\nExcluded, withdrawn, or Stage 2 refused (%u; the reasons are on each case)\n",
	                       f->refused->len);
	for (guint i = 0; i < f->refused->len; i++) {
		const RdReportRefused *r = &g_array_index(f->refused, RdReportRefused, i);
		g_autofree char *day = rd_date_format_iso(&r->date);
		g_string_append_printf(s, "  %-18s Stage %u %-10s %s  %s\n", r->reference, r->stage, r->what, day,
		                       r->service != NULL && *r->service ? r->service : "(service not recorded)");
	}
	g_string_append_printf(s, "\nOutside the timescales (%u)\n", f->late->len);
	for (guint i = 0; i < f->late->len; i++) {
		const RdReportLate *l = &g_array_index(f->late, RdReportLate, i);
		g_autofree char *due = rd_date_format_iso(&l->due);
		g_autofree char *done = g_date_valid(&l->done) ? rd_date_format_iso(&l->done) : g_strdup("not done");
		g_string_append_printf(s, "  %-18s Stage %u %-16s due %s, %s\n", l->reference, l->stage, l->what, due, done);
	}
	return g_string_free(s, FALSE);
}

char *
rd_report_lgsco_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdLgscoFigures *f,
                       RdReportFormat format)
{
	if (format == RD_REPORT_FORMAT_JSON) {
		JsonBuilder *b = rd_report_json_begin(cfg, from, to);
		rd_report_lgsco_json(b, cfg, f);
		json_builder_end_object(b);
		return rd_report_json_finish(b);
	}
	if (format == RD_REPORT_FORMAT_CSV)
		return render_csv(f);
	g_autofree char *a = rd_date_format_iso(from);
	g_autofree char *z = rd_date_format_iso(to);
	return render_text(cfg, a, z, f);
}
