/*
 * procedure.h — the complaints procedure as pure decisions.
 *
 * This is the only public header of procedure/. Nothing here touches a
 * socket, a file or the database: callers look up what the store knows,
 * pass it in as plain data, and get a decision back. That is what lets every
 * rule of the procedure be tested table by table.
 *
 * Contents:
 *  - mailbox roles and the channel a new case gets from each;
 *  - case states;
 *  - case references (format and parse);
 *  - per-case reply tokens (HMAC) for addresses like
 *    complaints+cmp-2026-000123-k3j9m2qa@council.gov.uk;
 *  - the threading and classification decision (rd_decide).
 *  - the working-day calendar: bank holidays and closures (calendar.c).
 *  - procedure profiles: the timescales of each procedure (profile.c);
 *  - stage clocks: the due dates of a stage, extensions (clock.c);
 *  - the deadline sweep: reminders, holding replies, overdue alerts
 *    (sweep.c).
 *
 * Depends on GLib only.
 */
#ifndef RD_PROCEDURE_H
#define RD_PROCEDURE_H

#include <glib.h>

G_BEGIN_DECLS

/* ---- mailboxes and channels ----------------------------------------- */

typedef enum {
	RD_MAILBOX_COMPLAINTS = 0,
	RD_MAILBOX_STAGE2,
	RD_MAILBOX_CHIEF_EXECUTIVE,
	RD_MAILBOX_MONITORING_OFFICER,
	RD_MAILBOX_N
} RdMailbox;

/* "complaints", "stage2", "chief-executive", "monitoring-officer". */
const char *rd_mailbox_to_string(RdMailbox m);
/* Parses the strings above; FALSE if @s is none of them. */
gboolean rd_mailbox_from_string(const char *s, RdMailbox *m_r);
/* Channel recorded on a case opened from mail to @m: "email",
 * "stage2-mailbox", "chief-executive", "monitoring-officer". */
const char *rd_channel_for_mailbox(RdMailbox m);

/* ---- case state ----------------------------------------------------- */

typedef enum {
	RD_CASE_STAGE1 = 0,     /* open at Stage 1 */
	RD_CASE_STAGE1_CLOSED,  /* Stage 1 answered and closed; may escalate */
	RD_CASE_STAGE2,         /* open at Stage 2 */
	RD_CASE_CLOSED,         /* finished (after Stage 2, withdrawn, excluded) */
} RdCaseState;

/* "stage1", "stage1-closed", "stage2", "closed". */
const char *rd_case_state_to_string(RdCaseState s);
gboolean rd_case_state_from_string(const char *s, RdCaseState *s_r);
/* TRUE for the states in which the council still owes a response. */
gboolean rd_case_state_is_open(RdCaseState s);

/* ---- case references ------------------------------------------------- */

/* "CMP-2026-000123": @prefix upper-cased, four-digit year, six-digit
 * number. Newly allocated. */
char *rd_reference_format(const char *prefix, int year, gint64 seq);
/* Parse a canonical reference; FALSE if @ref is not one for @prefix. */
gboolean rd_reference_parse(const char *prefix, const char *ref,
                            int *year_r, gint64 *seq_r);

/* ---- per-case reply tokens ------------------------------------------ */

#define RD_TOKEN_KEY_LEN 32

/* Local part extension for @ref: "cmp-2026-000123-k3j9m2qa", the reference
 * in lower case and eight characters of HMAC-SHA256(@key, canonical ref) in
 * a base-32 alphabet without i, l, o, u (so hand-copied tokens survive).
 * Newly allocated. */
char *rd_token_make(const guint8 *key, gsize key_len, const char *ref);

/* Build the reply address: "complaints+<token>@council.gov.uk" from the
 * mailbox address @base ("complaints@council.gov.uk"). Newly allocated. */
char *rd_token_address(const guint8 *key, gsize key_len, const char *base,
                       const char *ref);

/* If @address (any case) carries a "+<token>" extension whose MAC is valid
 * for its reference under @key, return the canonical reference (newly
 * allocated, upper-case prefix as given in @prefix); otherwise NULL.
 * Tolerates l/I→1 and o→0 in the MAC, as people retype them. */
char *rd_token_verify(const guint8 *key, gsize key_len, const char *prefix,
                      const char *address);

/* ---- threading and classification ----------------------------------- */

/* What the caller knows about one existing case. */
typedef struct {
	gint64 id;               /* store id */
	const char *reference;   /* "CMP-2026-000123" */
	RdCaseState state;
	gboolean sender_is_party; /* the message's sender is the complainant, a
	                             representative or staff on this case */
} RdCaseView;

typedef struct {
	RdMailbox mailbox;        /* where the message was delivered */
	const char *sender;       /* normalised From address, or NULL */
	gboolean automatic;       /* RFC 3834 automatic mail (not a bounce) */
	const char *auto_reason;  /* why, for the record; may be NULL */
	gboolean bounce;          /* a delivery failure report */
	const char *fatal_problem; /* non-NULL: the message could not be
	                              parsed well enough to trust (reason) */
	const char *subject;      /* may be NULL */
	const char *new_text;     /* text without quoted history; may be NULL */

	/* Lookups done by the caller, strongest first (see docs/procedure.md §4.1). */
	const RdCaseView *token_case;   /* named by a valid token address */
	const RdCaseView *header_case;  /* owns a Message-ID in In-Reply-To or
	                                   References (for a bounce: the
	                                   bounced Message-ID) */
	const RdCaseView *const *ref_cases; /* existing cases named by case
	                                       references, in the order found */
	guint n_ref_cases;
	const char *const *unknown_refs; /* references found that name no
	                                    case (shown in triage) */
	guint n_unknown_refs;
	/* Rule 4, Stage 2 mailbox: the sender's cases whose Stage 1 is
	 * closed, most recent first. */
	const RdCaseView *const *sender_closed_cases;
	guint n_sender_closed_cases;

	/* Configuration: lower-case phrases that ask for escalation
	 * ("not satisfied", "escalate", "stage 2", …); NULL-terminated. */
	const char *const *stage2_phrases;
} RdThreadInput;

typedef enum {
	RD_KIND_NEW_COMPLAINT = 0, /* opens a case at Stage 1 */
	RD_KIND_CORRESPONDENCE,    /* complainant (or other) mail on a case */
	RD_KIND_STAGE2_REQUEST,    /* asks for Stage 2 on a case whose Stage 1
	                              is closed */
	RD_KIND_AUTOMATIC,         /* RFC 3834 automatic mail */
	RD_KIND_BOUNCE,            /* delivery failure */
	RD_KIND_TRIAGE,            /* a person must decide */
} RdKind;

typedef enum {
	RD_VIA_NONE = 0,   /* no case (triage, or unmatched automatic mail) */
	RD_VIA_TOKEN,      /* per-case token address */
	RD_VIA_HEADERS,    /* In-Reply-To / References (or bounced Message-ID) */
	RD_VIA_REFERENCE,  /* case reference in subject or body, sender a party */
	RD_VIA_SENDER,     /* Stage 2 mailbox: the sender's one closed case */
	RD_VIA_NEW,        /* a new case is opened */
} RdVia;

/* "new-complaint", "correspondence", "stage2-request", "automatic",
 * "bounce", "triage". */
const char *rd_kind_to_string(RdKind k);
gboolean rd_kind_from_string(const char *s, RdKind *k_r);
/* "none", "token", "headers", "reference", "sender", "new". */
const char *rd_via_to_string(RdVia v);
/* Parses the strings above; FALSE if @s is none of them. */
gboolean rd_via_from_string(const char *s, RdVia *v_r);

typedef struct {
	RdKind kind;
	RdVia via;
	const RdCaseView *match; /* borrowed from the input; NULL unless the
	                            message belongs to an existing case */
	gboolean to_triage;      /* TRUE: also list it in triage. Always TRUE
	                            for RD_KIND_TRIAGE; TRUE for automatic mail
	                            and bounces that match no case */
	char *reason;            /* why, in a sentence a case officer can read;
	                            owned */
	char *suggestion;        /* triage: the case reference a person might
	                            assign it to, or NULL; owned */
} RdDecision;

/* Decide which case @in belongs to, and what kind of message it is, in the
 * order of docs/procedure.md §4.1: token, headers, reference (sender must be a party),
 * then new case (complaints, chief-executive, monitoring-officer) or, in
 * the Stage 2 mailbox, the sender's one closed case; else triage.
 * Automatic mail and bounces attach to a case found by token or headers
 * and otherwise go to triage; they never open a case. Fill @out; free its
 * strings with rd_decision_clear(). */
void rd_decide(const RdThreadInput *in, RdDecision *out);
void rd_decision_clear(RdDecision *d);

/* TRUE if @subject or @text contains one of @phrases (lower-case,
 * NULL-terminated), ignoring case and runs of white space. */
gboolean rd_text_asks_stage2(const char *subject, const char *text,
                             const char *const *phrases);

/* The default escalation phrases (NULL-terminated, static). */
const char *const *rd_default_stage2_phrases(void);

/* ---- working-day calendar (calendar.c) ----------------------------------- */

/* Whose bank holidays apply. The names are the keys of the gov.uk
 * bank-holidays.json feed. */
typedef enum {
	RD_NATION_ENGLAND_WALES = 0,
	RD_NATION_SCOTLAND,
	RD_NATION_NORTHERN_IRELAND,
	RD_NATION_N
} RdNation;

/* "england-and-wales", "scotland", "northern-ireland". */
const char *rd_nation_to_string(RdNation n);
/* Parses the strings above; FALSE if @s is none of them. */
gboolean rd_nation_from_string(const char *s, RdNation *n_r);

/* Where a non-working day comes from. */
typedef enum {
	RD_HOLIDAY_FILE = 0,  /* the official list (gov.uk bank-holidays.json) */
	RD_HOLIDAY_COMPUTED,  /* the statutory rules and the one-off table */
	RD_HOLIDAY_CLOSURE,   /* a local closure day from configuration */
} RdHolidaySource;

/* "file", "computed", "closure". */
const char *rd_holiday_source_to_string(RdHolidaySource s);

/* One non-working day other than a weekend. A value type; @title is
 * borrowed (static, or owned by the calendar it came from, and valid until
 * that calendar is freed). Substitute days carry "(substitute day)" in the
 * title. */
typedef struct {
	GDate date;
	const char *title;
	RdHolidaySource source;
} RdHoliday;

/* Strict "YYYY-MM-DD" into @d_r; FALSE (and @d_r untouched) if @s is not
 * a valid calendar date in that form. */
gboolean rd_date_parse_iso(const char *s, GDate *d_r);
/* "YYYY-MM-DD"; newly allocated. */
char *rd_date_format_iso(const GDate *d);

/* The bank holidays of @nation in @year by rule alone: fixed dates with
 * their substitute days, Easter by the Gregorian computus, first and last
 * Mondays, and a table of one-off changes (1995 and 2020 VE day, the 2002,
 * 2012 and 2022 jubilees, 1999 millennium, 2011 royal wedding, 2022 state
 * funeral, 2023 coronation). Years before 1978 (no early May holiday yet)
 * get today's rules, which do not match history. A new GArray of
 * RdHoliday (source RD_HOLIDAY_COMPUTED), sorted by date. */
GArray *rd_holidays_computed(RdNation nation, int year);

/*
 * RdCalendar — which days are working days for one council.
 *
 * Weekends are never working days. A year "covered" by the official file
 * uses only the file's dates for bank holidays (the file lists substitute
 * days as events of their own); any other year uses the computed rules.
 * Local closure days apply in every year. The calendar is filled once at
 * start-up; after that the query functions only read it, so it may be
 * shared between threads as long as nobody adds to it.
 */
typedef struct _RdCalendar RdCalendar;

RdCalendar *rd_calendar_new(RdNation nation);
void rd_calendar_free(RdCalendar *cal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCalendar, rd_calendar_free)

RdNation rd_calendar_get_nation(const RdCalendar *cal);

/* Add a non-working day. RD_HOLIDAY_FILE: a day of the official list; it
 * also marks its year as covered. RD_HOLIDAY_COMPUTED: an extra bank
 * holiday for years the file does not cover (one announced after this
 * release). RD_HOLIDAY_CLOSURE: a local closure, in any year. A second day
 * of the same source on the same date is ignored (the first title stays).
 * @title is copied; NULL means "Bank holiday" or "Closure". */
void rd_calendar_add_holiday(RdCalendar *cal, const GDate *d,
                             const char *title, RdHolidaySource src);
/* Mark @year as covered by the official file even if it lists no day in
 * it: that year then has no bank holidays but the file's. */
void rd_calendar_set_year_covered(RdCalendar *cal, int year);
/* RD_HOLIDAY_FILE if @year is covered by the file, else
 * RD_HOLIDAY_COMPUTED. */
RdHolidaySource rd_calendar_year_source(const RdCalendar *cal, int year);
/* The covered years in increasing order; a new GArray of int. */
GArray *rd_calendar_covered_years(const RdCalendar *cal);

/* If @d is a bank holiday or closure, fill @h_r (may be NULL) and return
 * TRUE. A bank holiday wins over a closure on the same date. Weekends are
 * not reported here. */
gboolean rd_calendar_lookup(const RdCalendar *cal, const GDate *d,
                            RdHoliday *h_r);
/* Not a Saturday or Sunday, not a bank holiday, not a closure. */
gboolean rd_calendar_is_working_day(const RdCalendar *cal, const GDate *d);

/* The @n-th working day after @from, @from itself not counted; for @n = 0,
 * @from if it is a working day, else the next working day. FALSE (and
 * @out untouched) only if the answer would lie beyond the year 9999. */
gboolean rd_calendar_add_working_days(const RdCalendar *cal,
                                      const GDate *from, guint n,
                                      GDate *out);

/* The day a message received at @received counts as received: its date
 * in Europe/London, or the next working day if that date is not a working
 * day or the London time is at or after the cut-off. @cutoff_hour < 0
 * disables the cut-off. FALSE only if @received is out of range. */
gboolean rd_calendar_receipt_day(const RdCalendar *cal, GDateTime *received,
                                 int cutoff_hour, int cutoff_minute,
                                 GDate *out);

/* The non-working days of @year other than weekends: bank holidays (from
 * the file or the rules, as rd_calendar_year_source() says) and closures,
 * sorted by date, one per date. A new GArray of RdHoliday whose titles
 * belong to @cal. */
GArray *rd_calendar_holidays(const RdCalendar *cal, int year);

/* ---- procedure profiles (profile.c) --------------------------------------- */

/*
 * A procedure profile states the timescales of one complaints procedure:
 * per stage, when the acknowledgement and the response are due, how far
 * a response may be extended, and whether the reply clock starts at
 * receipt or at acknowledgement. Every count is in working days of the
 * council's RdCalendar unless it says months.
 *
 * Built-in profiles are static and never freed. A custom profile (a
 * built-in overridden from configuration, or a new one) is owned by its
 * caller and freed with rd_profile_free().
 */

#define RD_PROFILE_ERROR (rd_profile_error_quark())
GQuark rd_profile_error_quark(void);

typedef enum {
	RD_PROFILE_ERROR_INVALID = 0, /* a profile key or value is wrong */
	RD_PROFILE_ERROR_NO_STAGE,    /* the profile has no such stage */
	RD_PROFILE_ERROR_CAP,         /* an extension beyond the profile's cap */
	RD_PROFILE_ERROR_NO_EXTENSION,/* the stage allows no (default) extension */
	RD_PROFILE_ERROR_RANGE,       /* a date would lie beyond the year 9999 */
} RdProfileError;

/* What the response clock of a stage counts from. */
typedef enum {
	RD_CLOCK_RECEIPT = 0,  /* the day the complaint (or escalation) is received */
	RD_CLOCK_ACK,          /* the date of acknowledgement (LGSCO/HOS 2024) */
} RdClockBase;

/* "receipt", "acknowledgement". */
const char *rd_clock_base_to_string(RdClockBase b);
gboolean rd_clock_base_from_string(const char *s, RdClockBase *b_r);

/* The Ombudsman named in letters. */
typedef enum {
	RD_OMBUDSMAN_LGSCO = 0,  /* Local Government and Social Care Ombudsman */
	RD_OMBUDSMAN_HOUSING,    /* Housing Ombudsman Service */
	RD_OMBUDSMAN_SPSO,       /* Scottish Public Services Ombudsman */
	RD_OMBUDSMAN_PSOW,       /* Public Services Ombudsman for Wales */
	RD_OMBUDSMAN_N
} RdOmbudsman;

/* "lgsco", "housing-ombudsman", "spso", "psow". */
const char *rd_ombudsman_to_string(RdOmbudsman o);
gboolean rd_ombudsman_from_string(const char *s, RdOmbudsman *o_r);

/* The timescales of one stage. */
typedef struct {
	guint ack_days;          /* acknowledge within this many WD after
	                            receipt; 0 = no separate deadline */
	guint response_days;     /* respond within this many WD after the
	                            base; 0 when counted in months */
	guint response_months;   /* respond within this many months beginning
	                            on the day of receipt (adult social care);
	                            0 when counted in working days */
	RdClockBase base;        /* what response_days count from */
	guint extension_days;    /* an extension may reach this many WD after
	                            the response due date; it is also what the
	                            automatic holding reply grants. 0 = none */
	gboolean extension_by_agreement; /* a later date agreed with the
	                            complainant has no cap (and the automatic
	                            holding reply grants extension_days) */
	guint dept_notice_days;  /* notify the department within this many WD
	                            after receipt; 0 = no such step */
} RdStageRules;

typedef struct {
	const char *name;        /* "council", "lgsco-2024", … */
	const char *description; /* one line, for people */
	RdStageRules stage[2];   /* [0] Stage 1, [1] Stage 2 */
	gboolean has_stage2;     /* FALSE: single stage (adult social care) */
	guint reminder_days;     /* remind the handler this many WD before a
	                            response falls due; 0 = no reminder */
	gboolean holding_ombudsman_details; /* holding replies (extensions)
	                            must give the Ombudsman's details */
	RdOmbudsman ombudsman;   /* named in letters */
} RdProfile;

/* The built-in profile called @name ("council", "lgsco-2024",
 * "housing-ombudsman-2024", "spso", "childrens-statutory",
 * "adult-social-care"), or NULL. Static: never free it. */
const RdProfile *rd_profile_builtin(const char *name);
/* The names above, NULL-terminated, static. */
const char *const *rd_profile_builtin_names(void);

/* A new profile called @name (its description too) with all values zero
 * (no stage rules, Ombudsman lgsco): fill
 * it with rd_profile_set() and check it with rd_profile_check(). NULL if
 * @name is not lower-case letters, digits and '-' (1 to 64 of them).
 * Owned by the caller. */
RdProfile *rd_profile_new(const char *name);
/* An owned copy of @p (built-in or custom), renamed to @name when @name
 * is not NULL. */
RdProfile *rd_profile_copy(const RdProfile *p, const char *name);
/* Free a profile from rd_profile_new(), rd_profile_copy() or
 * rd_profile_new_from_keys(). NULL is ignored; a built-in is refused with
 * a critical warning. */
void rd_profile_free(RdProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdProfile, rd_profile_free)

/*
 * Set one key of the configuration syntax on an owned profile:
 *
 *   description                 free text
 *   base                        a built-in name: take all its timescales
 *                               (the name and description stay)
 *   ack_days, response_days, response_months, extension_days,
 *   extension_by_agreement, dept_notice_days, clock
 *                               Stage 1 rules; "stage2_" + the same for
 *                               Stage 2 (stage2_ack_days, …)
 *   stage2                      true or false
 *   reminder_days               whole number
 *   holding_ombudsman_details   true or false
 *   ombudsman                   lgsco, housing-ombudsman, spso, psow
 *
 * Whole numbers are decimal digits only; booleans "true" or "false";
 * clock "receipt" or "acknowledgement". On a bad key or value, @p is
 * unchanged and the error (RD_PROFILE_ERROR_INVALID) names the key, e.g.
 * "ack_days must be a whole number from 0 to 60".
 */
gboolean rd_profile_set(RdProfile *p, const char *key, const char *value,
                        GError **error);
/* The keys rd_profile_set() accepts, NULL-terminated, static. */
const char *const *rd_profile_keys(void);
/* Check that the values of @p fit together: each stage in use has either
 * response_days or response_months (not both), months count from receipt,
 * and a clock from acknowledgement has an ack_days. The error names the
 * key to fix. */
gboolean rd_profile_check(const RdProfile *p, GError **error);

/* Build a profile from a configuration group [profile:NAME]: @keys and
 * @values are parallel NULL-terminated arrays. It starts from the
 * built-in named by the "base" key (wherever it appears), or else from
 * the built-in called @name, or else from nothing; then applies the other
 * keys in order and checks the result. The first error is returned and
 * names the key. Owned by the caller. */
RdProfile *rd_profile_new_from_keys(const char *name, const char *const *keys,
                                    const char *const *values, GError **error);

/* ---- stage clocks (clock.c) ------------------------------------------------- */

/*
 * The dates of one stage. Unknown or absent dates are cleared GDates
 * (g_date_valid() is FALSE): start from rd_stage_dates_init(). The store
 * keeps them as "YYYY-MM-DD" (rd_date_format_iso / rd_date_parse_iso).
 *
 * Inputs set by the caller: stage, received, and whichever of ack_sent,
 * extended_to and responded have happened. rd_stage_compute() fills the
 * rest.
 */
typedef struct {
	guint stage;            /* 1 or 2 */
	GDate received;         /* the day the stage counts as received */
	GDate ack_due;          /* invalid: the stage has no ack deadline */
	GDate ack_sent;         /* invalid: not acknowledged yet */
	GDate response_due;     /* before any extension */
	gboolean provisional;   /* response_due counted from ack_due because
	                           the acknowledgement has not been sent */
	GDate dept_notice_due;  /* invalid: no department notice */
	GDate extension_cap;    /* latest date an extension may reach;
	                           invalid: no cap (agreed with the
	                           complainant) */
	GDate extended_to;      /* invalid: not extended */
	GDate responded;        /* invalid: no response yet */
} RdStageDates;

/* Clear every date of @d and set its stage. */
void rd_stage_dates_init(RdStageDates *d, guint stage);

/* The London calendar date of @t. FALSE if @t is out of range. */
gboolean rd_date_london(GDateTime *t, GDate *out);

/* Fill ack_due, response_due, provisional, dept_notice_due and
 * extension_cap of @d from its stage, received and ack_sent:
 *
 *  - ack_due is ack_days WD after received;
 *  - response_due is response_days WD after received, or, for a clock
 *    from acknowledgement, after ack_sent (a date on a non-working day, or
 *    before received, counts from the working day it stands for); before
 *    the acknowledgement is sent, after ack_due, with provisional set;
 *  - response_months: the last working day of the months beginning on
 *    the day of receipt (received 2 March, 6 months: 1 September, or the
 *    working day before it);
 *  - dept_notice_due is dept_notice_days WD after received;
 *  - extension_cap is extension_days WD after response_due, invalid if
 *    extension_by_agreement.
 *
 * Call it again when the acknowledgement is sent. Errors:
 * RD_PROFILE_ERROR_NO_STAGE, RD_PROFILE_ERROR_RANGE; @d is then
 * unchanged. */
gboolean rd_stage_compute(const RdProfile *p, const RdCalendar *cal,
                          RdStageDates *d, GError **error);

/* Start the clock of @stage for mail received at @received: the receipt
 * day comes from rd_calendar_receipt_day() (@cutoff_hour < 0: no
 * cut-off), then rd_stage_compute(). @out is initialised first. */
gboolean rd_stage_receive(const RdProfile *p, const RdCalendar *cal,
                          guint stage, GDateTime *received, int cutoff_hour,
                          int cutoff_minute, RdStageDates *out,
                          GError **error);

/* Apply an extension to the stage @d (its response_due is the date before
 * any extension). @requested NULL asks for the profile's full extension
 * (extension_days WD after response_due). A requested date must be after
 * response_due and, unless the profile allows extension by agreement, on
 * or before the cap; otherwise RD_PROFILE_ERROR_CAP with the cap date in
 * the message. RD_PROFILE_ERROR_NO_EXTENSION when the stage allows none
 * (or has no default and none was requested). Fills @new_r on success. */
gboolean rd_stage_extend(const RdProfile *p, const RdCalendar *cal,
                         const RdStageDates *d, const GDate *requested,
                         GDate *new_r, GError **error);

/* After the calendar changed (a holiday or closure added or removed),
 * recompute the open deadlines of @old into @new_r: the receipt day moves
 * to the next working day if it no longer is one; ack_due while the
 * acknowledgement is unsent; response_due, dept_notice_due and
 * extension_cap while there is no response. extended_to is a date already
 * promised to the complainant and is kept. *@moved_r (may be NULL) is
 * TRUE if any date of @new_r differs from @old. */
gboolean rd_stage_recompute(const RdProfile *p, const RdCalendar *cal,
                            const RdStageDates *old, RdStageDates *new_r,
                            gboolean *moved_r, GError **error);

/* ---- deadline sweep (sweep.c) ---------------------------------------------- */

typedef enum {
	RD_ACTION_ACK_OVERDUE = 0, /* alert handler and complaints manager: the
	                              acknowledgement is late */
	RD_ACTION_REMINDER,        /* remind the handler: response due soon */
	RD_ACTION_HOLDING_REPLY,   /* send the automatic holding reply to the
	                              complainant and record the extension */
	RD_ACTION_OVERDUE,         /* alert handler and complaints manager: the
	                              response is late */
} RdActionKind;

/* "ack-overdue", "reminder", "holding-reply", "overdue". */
const char *rd_action_kind_to_string(RdActionKind k);

typedef struct {
	RdActionKind kind;
	char *key;        /* idempotency key, owned: "s1/ack-overdue",
	                     "s1/reminder/2026-12-01" (the date due),
	                     "s1/holding/2026-12-01" (the due date it extends, so a
	                     restarted clock gets its own), "s1/overdue/2026-12-15" (the date
	                     missed). Record it once the action is done. */
	GDate due;        /* the deadline concerned (for a holding reply, the
	                     response due date it extends) */
	GDate new_due;    /* holding reply: the extended date; else invalid */
} RdAction;

void rd_action_free(RdAction *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdAction, rd_action_free)

/*
 * The actions due on @today (a London date) for the open stage @d, in
 * the order ack-overdue, reminder, holding reply, overdue, leaving out
 * any whose key is in @fired (NULL-terminated, may be NULL):
 *
 *  - ack-overdue: ack_due has passed and ack_sent is unset;
 *  - reminder: today is on or after reminder_days WD before the date due
 *    (extended_to if set, else response_due) and before that date;
 *  - holding-reply: today is on or after response_due, there is no
 *    extension, the profile grants one (extension_days > 0) and its new
 *    date (extension_days WD after response_due) has not passed;
 *  - overdue: the final date has passed: extended_to if set, else the
 *    automatic extension's date if the profile grants one, else
 *    response_due.
 *
 * Nothing is due once responded is set. Staff pre-empt the automatic
 * holding reply by recording their own extension (extended_to). A new
 * GPtrArray of RdAction*, owned by the caller (it frees its elements);
 * empty when nothing is due.
 */
GPtrArray *rd_stage_sweep(const RdProfile *p, const RdCalendar *cal,
                          const RdStageDates *d, const GDate *today,
                          const char *const *fired);

G_END_DECLS

#endif /* RD_PROCEDURE_H */
