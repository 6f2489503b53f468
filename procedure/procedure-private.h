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

G_END_DECLS

#endif /* RD_PROCEDURE_PRIVATE_H */
