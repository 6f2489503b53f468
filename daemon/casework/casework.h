/*
 * casework.h — the one way a case changes: the procedure as configured
 * (rules), letters from a case to the outbox, and the deadline sweep.
 *
 * Calls base/ and the libraries (store/, procedure/, templates/); never
 * the network, never the rooms that sit on it (inbound/, outbound/,
 * service/, cli/).
 */
#ifndef RD_CASEWORK_H
#define RD_CASEWORK_H

#include <glib.h>
#include "base/base.h"
#include "store.h"
#include "templates.h"

G_BEGIN_DECLS

typedef struct _RdRules RdRules;   /* rules.c: calendar, profiles, letters */

/* ---- letters: from a case to the outbox (letters.c) ------------------------ */

typedef struct _RdLetters RdLetters;

/* Load and check the letter templates ([letters] templates, else the
 * source tree's templates/letters next to the binary, else the installed
 * copy). Every unknown variable is an error here, before any letter. */
RdLetters *rd_letters_new(const RdConfig *cfg, const guint8 *key, GError **error);
void rd_letters_free(RdLetters *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdLetters, rd_letters_free)
/* The folder the templates came from. */
const char *rd_letters_dir(const RdLetters *l);

/* One letter to compose. Strings are borrowed. */
typedef struct {
	const char *name;          /* letter, e.g. "stage1-acknowledgement" */
	const char *idem_key;      /* e.g. "CMP-2026-000001/s1/ack" */
	const RdCase *c;
	const RdStage *stage;      /* the stage it is about, or NULL */
	RdMailbox mailbox;         /* whose address it comes from */
	const char *to_addr;
	const char *to_name;       /* may be NULL */
	gboolean to_complainant;   /* FALSE: a staff notice (auto-generated,
	                              council language, no In-Reply-To) */
	const char *in_reply_to;   /* the complainant's Message-ID, or NULL */
	const char *excerpt;       /* what they wrote (first lines are used) */
	const char *reason;        /* holding reply / decline reason */
	const char *new_date;      /* YYYY-MM-DD: an extended reply date */
	const char *escalate_by;   /* YYYY-MM-DD: last day to ask for Stage 2 */
	const char *office_name;   /* Chief Executive / Monitoring Officer */
	const char *ombudsman;     /* "lgsco", "housing-ombudsman", "spso", "psow" */
	gboolean ombudsman_details;
	gboolean referred_back;
	gboolean final_stage;
} RdLetterRequest;

/* The language the letter is written in ("en"/"cy"). */
const char *rd_letters_language(const RdLetters *l, const RdLetterRequest *r);
/* The template values for @r in @lang (newly allocated). */
RdTplValues *rd_letters_values(RdLetters *l, const RdLetterRequest *r, const char *lang);
/* Render and build the MIME letter; the subject and Message-ID come back
 * too (newly allocated). */
GBytes *rd_letters_compose(RdLetters *l, const RdLetterRequest *r, char **subject_r,
                           char **message_id_r, GError **error);
/* Compose and queue in the outbox inside the caller's transaction, under
 * the per-address daily cap (a capped letter is recorded as suppressed
 * with an event). *@queued_r is TRUE only when a letter will be sent; a
 * letter already queued under the same idempotency key is not queued
 * again. A letter that cannot be composed (bad recipient address) is an
 * event on the case, not an error: FALSE means the store failed. */
gboolean rd_letters_queue(RdLetters *l, RdStore *store, const RdLetterRequest *r, gint64 now,
                          gboolean *queued_r, GError **error);
/* A letter to the complainant failed for good: queue the handler's
 * alert (staff-letter-failed) to the case handler, else the complaints
 * manager, in its own transaction. Nothing for staff notices themselves,
 * or when nobody can be told (logged). */
gboolean rd_letters_alert_failure(RdLetters *l, RdStore *store, const RdOutboxRow *o, const char *why,
                                  gint64 now, GError **error);
/* Queue the daily digest for an office (Chief Executive, Monitoring
 * Officer): one letter to @to listing @items (one line each), under
 * @idem_key, not tied to any case. Same rules as rd_letters_queue(). */
gboolean rd_letters_queue_digest(RdLetters *l, RdStore *store, RdMailbox mailbox, const char *to,
                                 const char *day, GPtrArray *items, const char *idem_key,
                                 gint64 now, GError **error);
/* "Friday 4 December 2026" / "Dydd Gwener 4 Rhagfyr 2026" from
 * "2026-12-04"; NULL if unparseable. */
char *rd_letters_format_date(const char *iso, const char *lang);

/* ---- the procedure as configured (rules.c) ----------------------------------- */

/* Load and check the calendar, the profiles (built-in and [profile:NAME])
 * and the letter templates for @cfg. @key is the reply-token key. */
RdRules *rd_rules_new(const RdConfig *cfg, const guint8 *key, GError **error);
void rd_rules_free(RdRules *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdRules, rd_rules_free)

const RdCalendar *rd_rules_calendar(const RdRules *r);
RdLetters *rd_rules_letters(const RdRules *r);
/* The profile called @name, or the default profile if @name is NULL or
 * unknown. Owned by @r. */
const RdProfile *rd_rules_profile(const RdRules *r, const char *name);
/* The profile name for a service ([services]), or the default. */
const char *rd_rules_profile_for_service(const RdRules *r, const char *service);
/* TRUE if @email is on [elected_members] addresses or domains. */
gboolean rd_rules_is_elected_member(const RdRules *r, const char *email);
/* Stage dates between the store's strings and procedure/'s GDates. */
void rd_rules_dates_from_stage(const RdStage *s, RdStageDates *d);
gboolean rd_rules_save_dates(RdStore *store, gint64 case_id, const RdStageDates *d,
                             GError **error);
/* The same for a stage that has just opened, with its @next_check (may be
 * NULL), in one statement. */
gboolean rd_rules_save_clock(RdStore *store, gint64 case_id, const RdStageDates *d,
                             const char *next_check, GError **error);
/* The first day after @after on which the deadline sweep would act on
 * the stage @d (YYYY-MM-DD, newly allocated), or NULL if never (answered,
 * or nothing left to fire). @fired: the action keys already done. */
char *rd_rules_next_check(const RdProfile *p, const RdCalendar *cal, const RdStageDates *d,
                          const GDate *after, const char *const *fired);

/* ---- the deadline sweep (sweep.c) -------------------------------------- */

struct _JsonBuilder;   /* json-glib's JsonBuilder */

typedef struct {
	guint stages, reminders, holding, overdue, ack_overdue, failures;
	guint recomputed;        /* open stages whose deadlines moved */
} RdSweepCounts;

/* One deadline sweep at @now, as `redress sweep` does it: deadlines
 * recomputed first if the calendar changed (or @recompute), then each due
 * stage in its own transaction (a stage that fails is put off to tomorrow
 * with an event and counted in failures), then the daily digests; the
 * time of the run is kept in the "sweep_last_run" setting. @rules comes
 * from an RdIngest on @store. @json (a JsonBuilder inside an array, or
 * NULL) gets one object per action; without it, and unless @quiet, one
 * line per action is printed. FALSE only when the store is unusable. */
gboolean rd_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now,
                      gboolean recompute, struct _JsonBuilder *json, gboolean quiet,
                      RdSweepCounts *counts_r, GError **error);
#define RD_SWEEP_LAST_RUN_SETTING "sweep_last_run"

G_END_DECLS

#endif /* RD_CASEWORK_H */
