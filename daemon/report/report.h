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
	RD_REPORT_FORMAT_HTML,
} RdReportFormat;

/* "text", "json", "csv", "html". */
gboolean rd_report_format_from_string(const char *s, RdReportFormat *f_r);

/* Every case's history as the reports count it, read from the store
 * once (collect.c). */
typedef struct _RdReportData RdReportData;
RdReportData *rd_report_data_load(RdStore *store, GError **error);
/* Only the cases that can count in a report for @from to @to: those with
 * a day in that period or the four of the same length before it (the
 * trend); the figures for that period are the same as with every case. */
RdReportData *rd_report_data_load_for(RdStore *store, const GDate *from, const GDate *to, GError **error);
void rd_report_data_free(RdReportData *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdReportData, rd_report_data_free)
const RdReportCase *rd_report_data_cases(const RdReportData *d, gsize *n_r);


/* @f as a document in @format (newly allocated): the period, the
 * council, and every figure with its percentages and, given a population,
 * the figures per 1,000 people. */
char *rd_report_spso_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdSpsoFigures *f,
                            RdReportFormat format);

/* The LGSCO / Housing Ombudsman figures (lgsco.c), as a document in
 * @format (newly allocated); CSV has columns stage1, stage2, all. */
char *rd_report_lgsco_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdLgscoFigures *f,
                             RdReportFormat format);
/* The same as members of the JSON object being built (the "lgsco"
 * member), for a document with more than one set. */
struct _JsonBuilder;
void rd_report_lgsco_json(struct _JsonBuilder *b, const RdConfig *cfg, const RdLgscoFigures *f);
/* The configured services ([services]) and the channels with fewer than
 * RD_REPORT_FEW complaints received in the figures' period, services
 * first, by name (the SPSO asks councils to look at where few complaints
 * come from: a way in may not be working). RdReportFew; names borrowed. */
#define RD_REPORT_FEW 5
typedef struct {
	const char *kind;        /* "service" or "channel" */
	const char *name;
	guint n;
} RdReportFew;
GArray *rd_report_few_or_none(const RdConfig *cfg, const RdLgscoFigures *f);
/* What the HTML report draws (html.c). */
typedef struct {
	const RdSpsoFigures *spso;
	const RdLgscoFigures *lgsco;          /* may be NULL */
	const RdReg18Figures *reg18;          /* may be NULL */
	const struct _RdReportParts *parts;   /* with lgsco; may be NULL */
	const char *learning;                 /* with lgsco: the "service
	                                         improvements" <section>, or NULL */
	const char *satisfaction;             /* the "Satisfaction" <section>, or NULL */
	guint months;                         /* from @from's month on */
	const guint *received_by_month, *closed_by_month;
	guint n_trend;                        /* earlier periods and this one, oldest first */
	const char *const *trend_labels;
	const RdSpsoFigures *trend;
} RdReportHtmlData;
/* One self-contained printable HTML file (newly allocated): inline SVG
 * charts, each with its text alternative and the table it is drawn from. */
char *rd_report_html(const RdConfig *cfg, const GDate *from, const GDate *to, const RdReportHtmlData *d);

/* The statutory adult social care figures (reg18.c), as a document in
 * @format (newly allocated). */
char *rd_report_reg18_render(const RdConfig *cfg, const GDate *from, const GDate *to, const RdReg18Figures *f,
                             RdReportFormat format);
/* The profiles whose cases count as statutory adult social care
 * (NULL-terminated, static). */
const char *const *rd_report_reg18_profiles(const RdConfig *cfg);

/* The parts of the LGSCO / HOS annual report people write (parts.c):
 * the self-assessment and the Ombudsman's letter read from the files
 * [reports] names (NULL: none named; a file that cannot be read gives a
 * line saying so), and who gives the governance response. */
typedef struct _RdReportParts {
	char *self_assessment;
	char *ombudsman_letter;
	const char *governance;  /* borrowed from the configuration; may be NULL */
} RdReportParts;
void rd_report_parts_load(const RdConfig *cfg, RdReportParts *p);
void rd_report_parts_clear(RdReportParts *p);
/* Appended to a text report: the three sections, gaps marked. */
void rd_report_parts_text(GString *s, const RdReportParts *p);
/* The "annual_report" member: self_assessment, ombudsman_letter,
 * governance (each a string or null). */
void rd_report_parts_json(struct _JsonBuilder *b, const RdReportParts *p);

/* ---- one document (build.c) ---- */

/* Which figures a report holds. */
typedef enum {
	RD_REPORT_SPSO = 1 << 0,
	RD_REPORT_LGSCO = 1 << 1,   /* the LGSCO and Housing Ombudsman annual figures */
	RD_REPORT_REG18 = 1 << 2,   /* statutory adult social care (England, reg 18) */
} RdReportSet;
#define RD_REPORT_ALL (RD_REPORT_SPSO | RD_REPORT_LGSCO | RD_REPORT_REG18)
/* "spso", "lgsco" (or "hos"), "reg18", "all", or several joined by ','
 * (ASCII case ignored); FALSE for anything else. */
gboolean rd_report_sets_parse(const char *s, guint *sets_r);

/* What to count and how to give it out. */
typedef struct {
	GDate from, to;          /* the period, both days in it */
	GDate today;             /* what is not done by then is not late yet
	                            (invalid: the end of the period) */
	guint sets;              /* RdReportSet bits */
	RdReportFormat format;   /* CSV holds one set: the caller checks */
	RdStore *store;          /* for the learning actions of the LGSCO
	                            set's "service improvements"; NULL: left out */
} RdReportRequest;

/* The document (newly allocated). */
char *rd_report_document(const RdConfig *cfg, const RdCalendar *cal, const RdReportData *data,
                         const RdReportRequest *q);

/* The SPSO figures for the period and the four of the same length before
 * it, oldest first; none (n 0) unless the period is of whole months, two
 * years at most. */
#define RD_REPORT_TREND 5
typedef struct {
	guint n;
	char *labels[RD_REPORT_TREND];    /* "2016-17", "2026Q3", "2026-07" */
	GDate from[RD_REPORT_TREND], to[RD_REPORT_TREND];
	RdSpsoFigures spso[RD_REPORT_TREND];
} RdReportTrend;
void rd_report_trend_count(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to,
                           const RdCalendar *cal, RdReportTrend *t);
void rd_report_trend_clear(RdReportTrend *t);

/* The SPSO figures as the "spso" member of the JSON object being built. */
void rd_report_spso_json(struct _JsonBuilder *b, const RdConfig *cfg, const RdSpsoFigures *f);

/* ---- scheduled reports: periods (schedule.c), the letter's figures (mail.c) ---- */

/* The periods reports are sent for by themselves. */
typedef enum {
	RD_REPORT_QUARTER = 0,   /* a calendar quarter: Q1 is January to March */
	RD_REPORT_YEAR,          /* a financial year, 1 April to 31 March */
} RdReportPeriodKind;

/* The latest period of @kind whose last day is before @today: its first
 * and last days. Only this one is ever due: earlier ones are not sent
 * late (a council starting in December gets Q3, not every quarter
 * before it). */
void rd_report_latest_period(RdReportPeriodKind kind, const GDate *today, GDate *from_r, GDate *to_r);
/* The first day a report for a period whose last day is @last may go:
 * the @days-th working day after @last on @cal (@last not counted), or
 * for 0 the day after @last. */
void rd_report_send_day(const RdCalendar *cal, const GDate *last, guint days, GDate *day_r);
/* Whether the latest period of @kind (rd_report_latest_period) is due
 * on @today with @days working days' grace; its days either way. */
gboolean rd_report_due(RdReportPeriodKind kind, const RdCalendar *cal, const GDate *today, guint days,
                       GDate *from_r, GDate *to_r);
/* A period's short name for file names, idempotency keys and
 * Message-IDs (letters, digits and '-' only): "2026Q3", "2025-26" (a
 * financial year), "2026" (a calendar year), else "20260401-20260930".
 * Newly allocated. */
char *rd_report_period_name(const GDate *from, const GDate *to);

/* The headline figures of @from..@to that a covering letter gives
 * (mail.c), as the letters' variables name them (templates/README.md):
 * "report.received", "12", "report.closed", "10", … as a NULL-terminated
 * list of name, value pairs. Counts only: nothing about any person. A
 * stage with nothing closed has no percentage or average. Newly
 * allocated (g_strfreev). */
char **rd_report_headline(const RdReportData *data, const RdCalendar *cal, const GDate *from, const GDate *to);

/* ---- learning actions (learning.c) ---------------------------------------- */

/* The "Service improvements" section for @from to @to, as text or an
 * HTML <section>: the publishable actions done or verified in the
 * period, by service, and every action made by the period's end counted
 * by status. Newly allocated. Part of the LGSCO set when the request
 * has a store (build.c). */
char *rd_report_learning_section(RdStore *store, const GDate *from, const GDate *to, RdReportFormat format,
                                 GError **error);
/* The same as the "service_improvements" member of the JSON object
 * being built: by_status (status → number) and completed (service,
 * text, status, done). */
gboolean rd_report_learning_json(struct _JsonBuilder *b, RdStore *store, const GDate *from, const GDate *to,
                                 GError **error);
/* ---- satisfaction surveys (satisfaction.c) -------------------------------- */

/* Staff survey figures and comments are shown only when at least this
 * many were answered in the period. */
#define RD_REPORT_SURVEY_MIN 5
/* The "Satisfaction" section as text or an HTML <section>: per kind
 * (complainants, staff) the surveys sent in the period and how many of
 * them were answered, and of those answered in the period each
 * question's count per answer 1 to 5 and average, and the anonymised
 * comments. Newly allocated. Part of the SPSO and LGSCO sets when the
 * request has a store (build.c). */
char *rd_report_satisfaction_section(RdStore *store, const GDate *from, const GDate *to, RdReportFormat format,
                                     GError **error);
/* The same as the "satisfaction" member of the JSON object being built. */
gboolean rd_report_satisfaction_json(struct _JsonBuilder *b, RdStore *store, const GDate *from, const GDate *to,
                                     GError **error);
/* The same as rows appended to the SPSO CSV (indicator "satisfaction
 * KIND [qN]", the value in the last column; no comments). */
gboolean rd_report_satisfaction_csv(GString *s, RdStore *store, const GDate *from, const GDate *to, GError **error);

/* The public "you said, we did" page: one self-contained HTML file of
 * the publishable actions done or verified from @from to @to, by
 * service, anonymised (rd_report_learning_anonymise); *@n_r (may be
 * NULL) the number listed. Newly allocated. */
char *rd_report_learning_digest(RdStore *store, const RdConfig *cfg, const GDate *from, const GDate *to,
                                guint *n_r, GError **error);
/* @text with every word holding an '@' (an address) and every case
 * reference with @prefix ("CMP-2026-000001", "cmp 2026 1") replaced by
 * "[address removed]" / "[reference removed]". Newly allocated. */
char *rd_report_learning_anonymise(const char *text, const char *prefix);

G_END_DECLS

#endif /* RD_REPORT_H */
