/*
 * report.h — the oversight room: figures for senior officers and the
 * Ombudsmen from the case record (docs/ARCHITECTURE.md, README
 * "Reports"). It reads the store and counts with procedure/report.c; it
 * writes nothing.
 *
 * Stands on base/ (the council's name, population and calendar) and the
 * libraries; it needs no other room.
 */
#ifndef RD_REPORT_H
#define RD_REPORT_H

#include <glib.h>
#include "base/base.h"
#include "store.h"
#include "procedure.h"

G_BEGIN_DECLS

typedef enum {
	RD_REPORT_FORMAT_TEXT = 0,
	RD_REPORT_FORMAT_JSON,
	RD_REPORT_FORMAT_CSV,
} RdReportFormat;

/* "text", "json", "csv". */
gboolean rd_report_format_from_string(const char *s, RdReportFormat *f_r);

/* The SPSO indicators for @from..@to over every case in @store, working
 * days on @cal (rd_config_calendar). FALSE: the store failed. */
gboolean rd_report_spso_count(RdStore *store, const RdCalendar *cal, const GDate *from, const GDate *to,
                              RdSpsoFigures *out, GError **error);

/* @f as a document in @format (newly allocated): the period, the
 * council, and every figure with its percentages and, given a population,
 * the figures per 1,000 people. */
char *rd_report_spso_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdSpsoFigures *f,
                            RdReportFormat format);

G_END_DECLS

#endif /* RD_REPORT_H */
