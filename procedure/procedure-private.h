/*
 * procedure-private.h — helpers shared between the files of procedure/.
 * Not part of the public API.
 */
#ifndef RD_PROCEDURE_PRIVATE_H
#define RD_PROCEDURE_PRIVATE_H

#include "procedure.h"

G_BEGIN_DECLS

/* The rules of @stage (1 or 2) in @p, or NULL (and
 * RD_PROFILE_ERROR_NO_STAGE) if the profile has no such stage. */
const RdStageRules *rd_profile_stage_rules(const RdProfile *p, guint stage,
                                           GError **error);

/* rd_calendar_add_working_days() with RD_PROFILE_ERROR_RANGE on failure. */
gboolean rd_working_days_after(const RdCalendar *cal, const GDate *from,
                               guint n, GDate *out, GError **error);

/* The @n-th working day before @from, @from itself not counted; for
 * @n = 0, @from if it is a working day, else the working day before it.
 * FALSE (and @out untouched) if the answer would lie before the year 1. */
gboolean rd_working_days_before(const RdCalendar *cal, const GDate *from,
                                guint n, GDate *out);

/* TRUE if @a and @b are both cleared, or both valid and the same day. */
gboolean rd_date_same(const GDate *a, const GDate *b);

/* ---- Authentication-Results (staffauth.c) ---- */

/* One resinfo of an Authentication-Results field (RFC 8601 §2.2). */
typedef struct {
	char *method;       /* lower case, method version dropped: "dkim" */
	char *result;       /* lower case: "pass"; NULL when @broken */
	char *reason;       /* reason= value, or NULL */
	GPtrArray *keys;    /* "header.d", "smtp.mailfrom", … lower case */
	GPtrArray *values;  /* their values, quotes and comments removed */
	gboolean broken;    /* the method was read, the rest did not parse:
	                       it reported this method, but what is unknown */
} RdAuthresResult;

/* One Authentication-Results field value. */
typedef struct {
	char *authserv_id;  /* lower case; NULL if not even that parsed */
	guint version;      /* authres-version, 1 when absent */
	gboolean none;      /* "none": the server checked nothing */
	gboolean garbled;   /* some part did not parse and its method is not
	                       known, so it might have reported any method */
	GPtrArray *results; /* RdAuthresResult*, in field order */
} RdAuthres;

/* Parse @value (NULL is treated as ""); never NULL. Comments, quoted
 * strings and folding white space are handled; an unreadable resinfo is
 * kept as broken (method known) or marks the field garbled, and parsing
 * goes on at the next ';'. */
RdAuthres *_rd_authres_parse(const char *value);
void _rd_authres_free(RdAuthres *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdAuthres, _rd_authres_free)
/* The value of property @key ("header.d") of @r, the first if it is
 * given twice, or NULL. */
const char *_rd_authres_prop(const RdAuthresResult *r, const char *key);

G_END_DECLS

#endif /* RD_PROCEDURE_PRIVATE_H */
