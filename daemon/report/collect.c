/*
 * collect.c — every case's history as the reports count it: the stage
 * rows and the case rows read once each, joined by case id, the dates
 * parsed. The histories borrow their strings from the rows, which the
 * RdReportData keeps.
 */
#include <string.h>
#include "report/report.h"

struct _RdReportData {
	GPtrArray *stages;       /* RdStage*, by case then stage */
	GPtrArray *cases;        /* RdCase* */
	GArray *histories;       /* RdReportCase */
};

void
rd_report_data_free(RdReportData *d)
{
	if (d == NULL)
		return;
	g_clear_pointer(&d->stages, g_ptr_array_unref);
	g_clear_pointer(&d->cases, g_ptr_array_unref);
	g_clear_pointer(&d->histories, g_array_unref);
	g_free(d);
}

static void
date_of(const char *iso, GDate *d)
{
	g_date_clear(d, 1);
	if (iso != NULL)
		rd_date_parse_iso(iso, d);
}

static void
stage_of(const RdStage *row, RdReportStage *out)
{
	rd_report_stage_init(out);
	out->present = TRUE;
	date_of(row->received, &out->received);
	/* The day the response letter left, when redress sent it: a
	 * response recorded on Friday and stuck in the outbox until Monday
	 * reached the complainant on Monday. */
	date_of(row->response_sent != NULL ? row->response_sent : row->responded, &out->responded);
	date_of(row->ack_due, &out->ack_due);
	date_of(row->ack_sent, &out->ack_sent);
	date_of(row->response_due, &out->response_due);
	date_of(row->extended_to, &out->extended_to);
	date_of(row->closed, &out->closed);
	out->outcome = row->outcome;
	out->extended = row->extended_to != NULL;
}

RdReportData *
rd_report_data_load(RdStore *store, GError **error)
{
	g_autoptr(RdReportData) d = g_new0(RdReportData, 1);
	d->stages = rd_store_stages_all(store, error);
	if (d->stages == NULL)
		return NULL;
	d->cases = rd_store_cases_list(store, RD_CASES_ALL, error);
	if (d->cases == NULL)
		return NULL;
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < d->cases->len; i++) {
		RdCase *c = d->cases->pdata[i];
		g_hash_table_insert(by_id, &c->id, c);
	}
	d->histories = g_array_new(FALSE, TRUE, sizeof(RdReportCase));
	gint64 current = 0;
	for (guint i = 0; i < d->stages->len; i++) {
		const RdStage *row = d->stages->pdata[i];
		if (d->histories->len == 0 || row->case_id != current) {
			RdReportCase h;
			rd_report_case_init(&h);
			const RdCase *c = g_hash_table_lookup(by_id, &row->case_id);
			if (c != NULL) {
				h.reference = c->reference;
				h.service = c->service;
				h.channel = c->channel;
				h.elected_member = c->flags != NULL && strstr(c->flags, "elected-member") != NULL;
				h.profile = c->profile;
				h.cause = c->cause;
				h.remedy = c->remedy != NULL && *c->remedy;
				date_of(c->ombudsman_referred, &h.ombudsman_referred);
				date_of(c->ombudsman_decided, &h.ombudsman_decided);
				h.ombudsman_outcome = c->ombudsman_outcome;
			}
			g_array_append_val(d->histories, h);
			current = row->case_id;
		}
		RdReportCase *h = &g_array_index(d->histories, RdReportCase, d->histories->len - 1);
		stage_of(row, row->stage == 2 ? &h->stage2 : &h->stage1);
	}
	return g_steal_pointer(&d);
}

const RdReportCase *
rd_report_data_cases(const RdReportData *d, gsize *n_r)
{
	*n_r = d->histories->len;
	return d->histories->len ? (const RdReportCase *)(void *)d->histories->data : NULL;
}
