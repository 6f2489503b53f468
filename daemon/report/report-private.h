/*
 * report-private.h — what the report room's files share: the frame of a
 * JSON document (period, council, population) that every set fills in.
 */
#ifndef RD_REPORT_PRIVATE_H
#define RD_REPORT_PRIVATE_H

#include <json-glib/json-glib.h>
#include "report/report.h"

/* A JSON object begun with period, council and population; the caller
 * adds its members and hands it to rd_report_json_finish(). */
JsonBuilder *rd_report_json_begin(const RdConfig *cfg, const GDate *from, const GDate *to);
/* Ends the object, frees @b, returns the pretty document (newly allocated). */
char *rd_report_json_finish(JsonBuilder *b);
/* One decimal place, half up, as published tables give them. */
double rd_report_round1(double x);
/* @part as % of @whole (0 when @whole is 0). */
double rd_report_percent(guint part, guint whole);

/* The keys of @t, sorted, for output that does not change run to run
 * (the array borrows them). */
GPtrArray *rd_report_sorted_keys(GHashTable *t);
/* A CSV field: quoted when it holds a comma, quote or line break. */
void rd_report_csv_field(GString *s, const char *v);

/* The reg 18 figures as the "reg18" member of the JSON object being
 * built (reg18.c). */
void rd_report_reg18_json(JsonBuilder *b, const RdReg18Figures *f);

#endif
