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
 *    complaints+cmp-2026-000123-k3j9m2qa@council.gov.uk, and the staff
 *    reply addresses complaints+cmp-2026-000123-r-XXXXXXXX@… (token.c);
 *  - the threading and classification decision (rd_decide).
 *  - the working-day calendar: bank holidays and closures (calendar.c).
 *  - procedure profiles: the timescales of each procedure (profile.c);
 *  - stage clocks: the due dates of a stage, extensions (clock.c);
 *  - the deadline sweep: reminders, holding replies, overdue alerts
 *    (sweep.c);
 *  - staff by email: the #commands at the top of a staff message
 *    (commands.c) and whether a message counts as coming from staff
 *    (staffauth.c);
 *  - the language of a complaint with no Content-Language (language.c).
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

/* ---- staff reply addresses (token.c) ---------------------------------- */

/*
 * Every notification redress sends a member of staff about a case carries
 * that member's own reply address for the case:
 *
 *     complaints+cmp-2026-000123-r-k3j9m2qa@council.gov.uk
 *
 * the reference in lower case, the purpose letter, and eight characters
 * (the alphabet of rd_token_make) of
 * HMAC-SHA256(key, "staff" NUL ref NUL purpose NUL lower(member)). The
 * MAC binds the address to the case, the purpose and the member, so a
 * reply counts only when it comes From the member it was issued to, and
 * neither kind of token verifies as the other: rd_token_verify() refuses
 * staff addresses, rd_staff_token_parse() complainants' addresses.
 */
typedef enum {
	RD_STAFF_TOKEN_REPLY = 'r', /* a reply on the case: #commands, and
	                               the text goes to the complainant with
	                               #final */
	RD_STAFF_TOKEN_NOTE = 'n',  /* whatever is written is an internal
	                               note on the case */
} RdStaffTokenPurpose;

/* The reply address for @member (an addr-spec; compared in ASCII lower
 * case, without <>) on the case @ref (any valid reference; the canonical
 * form is used) for @purpose, built from the mailbox address @base as
 * rd_token_address() does. Newly allocated; NULL (with a critical) on a
 * bad argument. */
char *rd_staff_token_address(const guint8 *key, gsize key_len,
                             const char *base, const char *ref,
                             const char *member,
                             RdStaffTokenPurpose purpose);

/* If @address (any case, <> and blanks around it tolerated) carries a
 * staff-token extension for @prefix — "+REF-P-MAC" with REF a reference
 * (the digit repairs of rd_token_verify apply), P one of the purpose
 * letters and MAC eight characters of the alphabet (l/I→1, o→0, u→v
 * repaired) — return TRUE with the canonical reference in *@ref_r (newly
 * allocated), the purpose in *@purpose_r, and in *@valid_r whether the MAC
 * is right for @member (the message's From; NULL: never valid). Return
 * FALSE, with *@ref_r NULL and *@valid_r FALSE, when the extension does not
 * have that shape at all (a complainant's token, a plain address). Any
 * out parameter may be NULL. */
gboolean rd_staff_token_parse(const guint8 *key, gsize key_len,
                              const char *prefix, const char *address,
                              const char *member, char **ref_r,
                              RdStaffTokenPurpose *purpose_r,
                              gboolean *valid_r);

/* The reply address of a learning action's letters to @member:
 * "complaints+act-12-MAC@…", the MAC over the action's id and the member
 * (docs/staff-by-email.md). Newly allocated. */
char *rd_action_token_address(const guint8 *key, gsize key_len, const char *base, gint64 id,
                              const char *member);
/* If @address has that shape, TRUE with the action's id in *@id_r and
 * *@valid_r saying whether its MAC holds for @member (as retyped: i, l, o
 * read as digits); FALSE for any other address. Out parameters may be
 * NULL. */
gboolean rd_action_token_parse(const guint8 *key, gsize key_len, const char *address, const char *member,
                               gint64 *id_r, gboolean *valid_r);
/* The reply address of survey @id's letter: "complaints+svy-7-MAC@…",
 * the MAC over the survey's id alone (README "Satisfaction surveys").
 * Newly allocated. */
char *rd_survey_token_address(const guint8 *key, gsize key_len, const char *base, gint64 id);
/* If @address has that shape, TRUE with the survey's id in *@id_r and
 * *@valid_r saying whether its MAC holds; FALSE for any other address.
 * Out parameters may be NULL. */
gboolean rd_survey_token_parse(const guint8 *key, gsize key_len, const char *address, gint64 *id_r,
                               gboolean *valid_r);

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

	/* What the sender did lately, looked up only for mail that matched
	 * no case: how a would-be new complaint is told from an automatic
	 * loop (an auto-responder without RFC 3834 headers answering our
	 * letters). Zero limits turn a check off. */
	struct {
		gint64 same_text_msg;   /* their message with the same subject and
		                           new text within @window_hours, or 0 */
		guint window_hours;
		guint quick_answers;    /* their mail that matched no case in 24 hours, this one
		                           included, that came within
		                           @quick_seconds of a letter to them */
		guint quick_seconds;
		guint quick_max;        /* more than this many: a loop */
		guint cases_opened;     /* cases opened for them in 24 hours */
		guint case_cap;         /* this many already: no more */
	} sender_recent;
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

/* A reply date already promised in a letter (@promised, may be invalid)
 * holds under a clock that counts from the acknowledgement: the
 * acknowledgement states its reply-by date when it is written, counting
 * from the day it is queued, and an acknowledgement that went out later
 * (the mail server down) must not move that date later behind the
 * complainant's back. So when the stage counts from the acknowledgement,
 * has no extension, and @d's response_due (from rd_stage_compute) is
 * after @promised, response_due becomes @promised and extension_cap is
 * counted from it. TRUE when it changed @d. Other clocks are untouched. */
gboolean rd_stage_keep_promise(const RdProfile *p, const RdCalendar *cal, RdStageDates *d,
                               const GDate *promised);

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

/* ---- staff commands by email (commands.c) ---------------------------------- */

/*
 * Staff run a case from their own mail client by replying to redress's
 * notifications. Lines at the very top of the message text are commands:
 *
 *     #assign jo.bloggs@council.example
 *     #outcome partly-upheld
 *     #final
 *
 *     Dear Mrs Smith, …
 *
 * The command block is every line from the top that is blank or
 * "command-looking", up to the first other line; everything from that line
 * on is the body, and a '#' line in the body is text, not a command. A
 * line is command-looking when its first non-blank character is '#'
 * followed by a letter or digit ("#1 priority" too, which is then an
 * unknown command), or '#', blanks and a command name ("# assign …",
 * reported so the space is not silently taken for text). Blank means
 * white space (no-break spaces included) and the zero-width characters
 * Outlook and Word leave behind. Lines end at LF, CRLF or a lone CR.
 *
 * Command names are matched ignoring case, and punctuation after a name
 * or a value is tolerated, so Outlook's "#Outcome Upheld." is "#outcome
 * upheld". Each command-looking line becomes exactly one RdCommand or one
 * RdCommandError, never both, never neither; errors do not stop the
 * parse. What a command may do (roles, whether the case is in a state to
 * take it) is for the caller.
 */
typedef enum {
	RD_CMD_ASSIGN,       /* #assign ADDRESS: arg the address */
	RD_CMD_SERVICE,      /* #service NAME: arg the whole name as written
	                        (service names have spaces: "Children's
	                        services"), blanks collapsed, no trailing
	                        punctuation; match it ignoring case */
	RD_CMD_OUTCOME,      /* #outcome upheld|partly-upheld|not-upheld|resolved
	                        ("not upheld", "partially upheld" accepted) */
	RD_CMD_FINAL,        /* #final: the reply itself is the stage's
	                        response; no arg */
	RD_CMD_CLOSE,        /* #close withdrawn|excluded REASON (required) */
	RD_CMD_HOLDING,      /* #holding DATE|+N REASON (required); #holding!
	                        sets force */
	RD_CMD_STAGE2,       /* #stage2 investigate|refer-back|decline REASON
	                        (required but for investigate) */
	RD_CMD_NOTIFY_DEPT,  /* #notify-dept ADDRESS: arg the address */
	RD_CMD_LINK,         /* #link REF: arg the reference */
	RD_CMD_LANGUAGE,     /* #language en|cy ("english", "welsh",
	                        "cymraeg", "saesneg" accepted) */
	RD_CMD_CAUSE,        /* #cause TEXT: no arg, rest the text (required) */
	RD_CMD_NOTE,         /* #note TEXT, or #note alone (rest NULL): the
	                        body is the internal note */
	RD_CMD_NEW,          /* #new Name <address> | #new Name: name, and arg
	                        the address or NULL (phone, letter) */
	RD_CMD_CHANNEL,      /* #channel phone|letter|in-person|email
	                        ("telephone", "e-mail", "in person" accepted) */
	RD_CMD_REMEDY,       /* #remedy TEXT: no arg, rest what was given
	                        (required): "apology and £50" */
	RD_CMD_OMBUDSMAN,    /* #ombudsman referred [DATE] | #ombudsman decided
	                        FINDING [DATE]: arg "referred" or "decided",
	                        value the finding (rd_ombudsman_finding
	                        names), date YYYY-MM-DD or NULL (today) */
	RD_CMD_ACTION,       /* #action OWNER DATE TEXT: a learning action
	                        from the case: arg the owner's address, date
	                        the target day, rest what will change */
	RD_CMD_DONE,         /* #done EVIDENCE (a reply to an action's letter):
	                        rest what shows it was done (required) */
	RD_CMD_VERIFIED,     /* #verified [NOTE] (the same): rest or NULL */
	RD_CMD_EXTEND,       /* #extend DATE REASON (the same): arg the new
	                        target day, rest the reason (required) */
	RD_CMD_NOCONTACT,    /* #nocontact [REASON]: the complainant asked not
	                        to be contacted beyond their complaint (no
	                        satisfaction survey); rest the reason or NULL */
} RdCommandKind;

/* The name as typed without '#': "assign", "notify-dept", "stage2", …
 * (static); "unknown" for a value outside the enum. */
const char *rd_command_kind_to_string(RdCommandKind k);
/* Parses those names, ignoring ASCII case; FALSE if @s is none of them. */
gboolean rd_command_kind_from_string(const char *s, RdCommandKind *k_r);

typedef struct {
	RdCommandKind kind;
	guint line;          /* 1-based line in the text */
	char *text;          /* the line as written, trimmed */
	char *arg;           /* the argument, normalised, or NULL if the
	                        command has none:
	                        - addresses (#assign, #notify-dept, #new): the
	                          addr-spec in ASCII lower case, without <>
	                          or "mailto:"; ASCII only;
	                        - values (#outcome, #close, #stage2, #language,
	                          #channel): the canonical value, lower case;
	                        - #link: the canonical reference when the text
	                          reads as one for the prefix (CMP-2026-000123,
	                          "cmp 2026 123", "CMP/2026/123"), else the
	                          first word as written (another system's
	                          reference; the caller looks it up);
	                        - #holding: YYYY-MM-DD for a date, NULL for +N;
	                        - #service: the name (see above) */
	char *name;          /* #new: the display name; else NULL */
	char *rest;          /* REASON / TEXT after the argument, trimmed, or
	                        NULL when there is none */
	int plus_days;       /* #holding +N: N working days (1–365); 0 when a
	                        date was given */
	gboolean force;      /* #holding! (the caller checks that the sender
	                        is a complaints manager) */
	char *value;         /* #ombudsman decided: the finding; else NULL */
	char *date;          /* #ombudsman: the day, YYYY-MM-DD; NULL = today;
	                        #action: the target day */
} RdCommand;

/* The root-cause category @text starts with (causes.c): the longest of
 * @categories (NULL-terminated) that @text begins with, ignoring case and
 * ending at a word boundary; *@category_r points into @categories and
 * *@detail_r (newly allocated, or NULL when there is none) is what
 * follows it after a separator (":", "-", "—", ","). FALSE when @text
 * starts with none of them. */
gboolean rd_cause_match(const char *const *categories, const char *text, const char **category_r,
                        char **detail_r);

/* What an Ombudsman can find: "upheld", "partly-upheld", "not-upheld",
 * "not-investigated", "settled" (resolved early), "discontinued". TRUE
 * when @s is one of them (lower case, as written here). */
gboolean rd_ombudsman_finding_valid(const char *s);

typedef struct {
	guint line;          /* 1-based line in the text */
	char *text;          /* the line as written, trimmed */
	char *message;       /* why, in a sentence for a council officer */
} RdCommandError;

typedef struct {
	GPtrArray *commands; /* RdCommand*, in order; owned */
	GPtrArray *errors;   /* RdCommandError*, in order; owned */
	char *body;          /* the text after the command block (trimmed),
	                        "" if none; owned */
} RdCommandBlock;

/*
 * Parse the command block at the top of @text (NULL is taken as ""; bytes
 * that are not UTF-8 are replaced first, so every string out is UTF-8).
 * @ref_prefix is the case-reference prefix for #link ("CMP"; NULL: #link
 * keeps what was written). Besides each line's own checks:
 *
 *  - a command that may appear once (all but #notify-dept, #link and
 *    #note; #holding and #holding! are one command) given again is an
 *    error on the later line;
 *  - #close cannot go with #outcome, #final, #holding or #stage2, nor
 *    #final with #holding: the later line of such a pair is an error.
 *
 * Dates for #holding: YYYY-MM-DD, D/M/YYYY or DD/MM/YYYY (day first, as in
 * the UK), or "5 January 2027" with English or Welsh month names (full or,
 * in English, three-letter), ordinals like 5th or 5ed allowed; impossible
 * dates and years outside 2000–2099 are errors. Never NULL; free with
 * rd_command_block_free().
 */
RdCommandBlock *rd_commands_parse(const char *text, const char *ref_prefix);
void rd_command_block_free(RdCommandBlock *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCommandBlock, rd_command_block_free)

/* ---- staff authentication (staffauth.c) ------------------------------------ */

/*
 * Mail counts as staff mail only when its sender is in the staff
 * directory (the caller's lookup) AND it passes the council's
 * authentication policy, decided here from what the caller read out of
 * the message. docs/procedure.md §7.3 says what each policy trusts.
 */
typedef enum {
	RD_STAFF_AUTH_AUTHRES = 1 << 0,   /* Authentication-Results (RFC 8601)
	                                     written by the council's border:
	                                     aligned DMARC or DKIM pass */
	RD_STAFF_AUTH_EXCHANGE = 1 << 1,  /* X-MS-Exchange-Organization-AuthAs:
	                                     Internal, mailbox read from the
	                                     council's own Exchange */
	RD_STAFF_AUTH_TOKEN = 1 << 2,     /* sent to the member's own reply
	                                     address for the case */
	RD_STAFF_AUTH_FROM_ONLY = 1 << 3, /* no check at all (tests, trials) */
} RdStaffAuthPolicy;

/* Parse "authentication-results", "exchange-internal", "token",
 * "from-only", or several joined by '+' ("authentication-results+token":
 * any one passing is enough); ASCII case and blanks around the words are
 * ignored. On error, FALSE and a message naming the bad word in *@error_r
 * (newly allocated; may be NULL); from-only cannot be combined. */
gboolean rd_staff_auth_policy_parse(const char *s, guint *policy_r,
                                    char **error_r);
/* The canonical spelling of @policy, words in the order above joined by
 * '+'; "" for 0. Bits outside the enum are left out. Newly allocated. */
char *rd_staff_auth_policy_to_string(guint policy);

typedef struct {
	guint policy;
	const char *const *trusted_ids;   /* authserv-ids of the council's own
	                                     border, lower case, NULL-terminated */
	const char *const *domains;       /* the council's mail domains, lower
	                                     case, NULL-terminated */
	const char *from;                 /* From addr-spec, lower case (NULL:
	                                     none) */
	const char *reply_to;             /* Reply-To addr-spec or NULL */
	const char *const *auth_results;  /* every Authentication-Results field
	                                     value, in header order, topmost
	                                     first; NULL-terminated or NULL */
	const char *const *exchange_authas; /* every X-MS-Exchange-Organization-
	                                     AuthAs value, topmost first;
	                                     NULL-terminated or NULL */
	gboolean token_ok;                /* the mail went to a reply address
	                                     issued to this member for this case
	                                     (the caller verified the MAC with
	                                     From) */
} RdStaffAuthInput;

typedef struct {
	gboolean pass;
	gboolean reply_to_mismatch; /* Reply-To set and different from From:
	                               the caller suspends the commands */
	const char *method;         /* static: the policy that passed
	                               ("authentication-results", …), or NULL */
	char *reason;               /* one sentence for the case file either
	                               way; owned, valid UTF-8 */
} RdStaffAuthResult;

/*
 * Decide whether @in passes its policy. Every policy but from-only also
 * needs the From domain to be one of @domains or a subdomain of one.
 *
 *  - authentication-results: only fields whose authserv-id is in
 *    trusted_ids count, and for each method only the topmost such result
 *    (lower ones with that method are ignored: anyone can write one below
 *    ours). Pass on a dmarc=pass whose header.from (else the From domain)
 *    is the From domain, or on a dkim=pass among the topmost dkim results
 *    whose header.d (else the domain of header.i) is a council domain and
 *    equal to, a parent of or a child of the From domain;
 *  - exchange-internal: the topmost AuthAs value is "Internal";
 *  - token: token_ok;
 *  - from-only: always.
 *
 * Fills @out (pass, method, reason, and reply_to_mismatch whatever the
 * result); free its reason with rd_staff_auth_result_clear().
 */
void rd_staff_auth_decide(const RdStaffAuthInput *in, RdStaffAuthResult *out);
void rd_staff_auth_result_clear(RdStaffAuthResult *r);

/* ---- the language of a complaint (language.c) ------------------------ */

typedef enum {
	RD_LANGUAGE_UNSURE = 0,  /* too little to tell, or both languages */
	RD_LANGUAGE_EN,
	RD_LANGUAGE_CY,
} RdLanguageGuess;

/* What the guess rests on, for the case's event and the tests. */
typedef struct {
	RdLanguageGuess guess;
	guint words;             /* words read */
	int welsh, english;      /* grammar-word points (two a word) */
	int welsh_spelling, english_spelling; /* words spelt only one way */
} RdLanguageScore;

/* "cy", "en", "unsure". */
const char *rd_language_guess_to_string(RdLanguageGuess g);
/* Whether @text (UTF-8: a complaint's subject and new text) is Welsh or
 * English, from its grammar words and, in lower-case words, its spelling;
 * names (capitalised words, hyphenated place names, "Heol y Nant") do not
 * count. Reads the first 8 KiB. Unsure unless one language clearly wins;
 * tuned so English text is never taken for Welsh. @score_r may be NULL. */
RdLanguageGuess rd_language_detect(const char *text, RdLanguageScore *score_r);

/* ---- oversight figures (report.c) ------------------------------------ */

/* One stage of a complaint as the reports see it. Dates invalid when not
 * set. */
typedef struct {
	gboolean present;        /* the stage ran at all */
	GDate received;          /* day zero of its clock */
	GDate responded;         /* the day its response was sent: the day the
	                            response letter left redress, else the day
	                            recorded as sent (a response by hand) */
	const char *outcome;     /* upheld, partly-upheld, not-upheld, resolved,
	                            withdrawn, excluded, …; may be NULL */
	gboolean extended;       /* an extension was given */
	GDate ack_due, ack_sent; /* the acknowledgement: due, and sent */
	GDate response_due;      /* before any extension */
	GDate extended_to;       /* the extended date, if any */
	GDate closed;            /* closed (answered, withdrawn, excluded) */
} RdReportStage;

typedef struct {
	RdReportStage stage1, stage2;
	const char *reference;   /* for the list of cases outside the timescales */
	const char *service;     /* may be NULL: not recorded */
	const char *channel;     /* email, chief-executive, phone, forwarded, … */
	gboolean elected_member; /* from an elected member (or MP) */
	const char *profile;     /* the procedure it followed; may be NULL */
	const char *cause;       /* root-cause category; NULL: not recorded */
	gboolean remedy;         /* a remedy or apology was recorded */
	GDate ombudsman_referred;/* the council learned of a referral */
	GDate ombudsman_decided; /* the Ombudsman decided */
	const char *ombudsman_outcome; /* its finding; may be NULL */
} RdReportCase;

/* A case fresh for filling: both stages absent, every date invalid. */
void rd_report_case_init(RdReportCase *c);

/* A stage fresh for filling: not present, every date invalid. */
void rd_report_stage_init(RdReportStage *s);

/* The paths a complaint closes on, counted exclusively. */
typedef enum {
	RD_REPORT_STAGE1 = 0,      /* closed at Stage 1, never escalated */
	RD_REPORT_STAGE2_DIRECT,   /* a Stage 2 without a Stage 1 response */
	RD_REPORT_ESCALATED,       /* Stage 2 after a Stage 1 response */
	RD_REPORT_PATHS
} RdReportPath;
/* "stage1", "stage2_direct", "escalated". */
const char *rd_report_path_name(RdReportPath p);

/* upheld, partly-upheld, not-upheld, resolved: the outcomes counted. */
#define RD_REPORT_OUTCOMES 4
const char *rd_report_outcome_name(guint i);

/* The SPSO indicators 1–6 for a period (README "Reports"). */
typedef struct {
	guint received, closed;
	guint closed_by_path[RD_REPORT_PATHS];
	guint outcomes[RD_REPORT_PATHS][RD_REPORT_OUTCOMES];
	double average_working_days[RD_REPORT_PATHS];
	guint within_timescale[RD_REPORT_PATHS];  /* 5 WD at Stage 1, 20 at Stage 2 */
	guint extended[RD_REPORT_PATHS];
} RdSpsoFigures;

/* Count @cases (@n of them) for the period @from..@to (both included),
 * working days on @cal. */
void rd_report_spso(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to,
                    const RdCalendar *cal, RdSpsoFigures *out);
/* One stage outside the Code's timescales, for the list by reference. */
typedef struct {
	const char *reference;   /* borrowed from the case */
	guint stage;             /* 1 or 2 */
	const char *what;        /* "acknowledgement" or "response" */
	GDate due, done;         /* done invalid: not done by the period's end */
} RdReportLate;

/* A complaint not taken through the procedure, or a Stage 2 request
 * refused: for the report's summary of refusals (references only; the
 * reasons, free text, stay on the case file). */
typedef struct {
	const char *reference;   /* borrowed from the case */
	const char *service;     /* may be NULL */
	guint stage;             /* 1 or 2 */
	const char *what;        /* "excluded", "withdrawn", "declined" */
	GDate date;              /* the day it was closed */
} RdReportRefused;

/* One service's or channel's figures (both stages together). */
typedef struct {
	guint received;          /* Stage 1 received in the period */
	guint responded;         /* responses sent in the period */
	guint on_time;           /* of those, by the due date */
	guint well_founded;      /* of those, upheld or partly upheld */
} RdReportGroup;

/* The quantitative part of the LGSCO / Housing Ombudsman annual
 * complaints performance report (README "Reports"). Index 0 is Stage 1,
 * 1 is Stage 2. */
typedef struct {
	guint received;                   /* Stage 1 received in the period */
	guint stage2_received;            /* Stage 2 received in the period */
	guint ack_due[2], ack_on_time[2]; /* acknowledgements due in the period;
	                                     of those, sent by the due date */
	guint responded[2];               /* responses sent in the period */
	guint responded_in_time[2];       /* of those, by the due date (the
	                                     extended one, if extended) */
	guint outcomes[2][RD_REPORT_OUTCOMES];
	guint extended[2];                /* of the responses, after an extension */
	guint withdrawn, excluded;        /* closed without a response in the period */
	guint declined;                   /* Stage 2 requests refused in the period */
	GArray *refused;                  /* RdReportRefused: those three, by date */
	GHashTable *by_service;           /* received: service (or "not recorded") → count */
	GHashTable *by_channel;           /* received: channel → count */
	GHashTable *service_figures;      /* service (or "not recorded") → RdReportGroup* */
	GHashTable *channel_figures;      /* channel → RdReportGroup* */
	guint elected_members;            /* received from elected members */
	GArray *late;                     /* RdReportLate, by due date */
} RdLgscoFigures;

/* Count @cases for @from..@to; @out is set up by this call and must be
 * cleared with rd_lgsco_figures_clear(). A deadline in the period that
 * was missed is late; one that passed before @asof (the period's end, or
 * today for a period not over yet) with nothing done is late too. */
void rd_report_lgsco(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to,
                     const GDate *asof, RdLgscoFigures *out);
void rd_lgsco_figures_clear(RdLgscoFigures *f);

/* The statutory adult social care figures (England: the 2009
 * Regulations, reg 18) for the cases whose profile is one of @profiles
 * (NULL-terminated): received (day zero in the period); decided (their
 * last stage answered in the period); of those, well-founded (upheld or
 * partly upheld); referred (the council learned of an Ombudsman
 * referral in the period); and the Ombudsman's decisions in the period.
 * by_cause: the decided ones by root cause ("not recorded" when none),
 * the regulation's summary of subject matter. Clear with
 * rd_reg18_figures_clear(). */
typedef struct {
	guint received, decided, well_founded, referred;
	guint ombudsman_decided, ombudsman_upheld; /* upheld: "upheld" or "partly-upheld" */
	GHashTable *by_cause;    /* char* → count */
} RdReg18Figures;
void rd_report_reg18(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to,
                     const char *const *profiles, RdReg18Figures *out);
void rd_reg18_figures_clear(RdReg18Figures *f);

/* Month by month from @from's month to @to's (at most @max months):
 * complaints received (Stage 1 day zero) and closed (as rd_report_spso
 * counts them) in each, into @received and @closed (@max each). The
 * number of months filled. */
guint rd_report_monthly(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to,
                        guint *received, guint *closed, guint max);

/* Working days after @from up to and including @to; 0 for a same-day
 * (or earlier) @to. */
guint rd_report_working_days(const RdCalendar *cal, const GDate *from, const GDate *to);
/* A period as people write it: "2026Q3" (a calendar quarter, Q1 January
 * to March), "2026-27" (a financial year, 1 April 2026 to 31 March 2027),
 * "2026" (a calendar year) or "FROM..TO" (ISO dates, both included).
 * FALSE for anything else. */
gboolean rd_report_period_parse(const char *s, GDate *from, GDate *to);


/* ---- learning actions (learning.c) ------------------------------------------ */

typedef enum {
	RD_LEARNING_PROPOSED,
	RD_LEARNING_AGREED,
	RD_LEARNING_DONE,
	RD_LEARNING_VERIFIED,
	RD_LEARNING_DROPPED,
	RD_LEARNING_N_STATUS
} RdLearningStatus;

/* The changes an action takes after it is made. */
typedef enum {
	RD_LEARNING_MOVE_AGREE,    /* proposed → agreed */
	RD_LEARNING_MOVE_DONE,     /* proposed or agreed → done (with evidence) */
	RD_LEARNING_MOVE_VERIFY,   /* done → verified */
	RD_LEARNING_MOVE_DROP,     /* proposed, agreed or done → dropped */
	RD_LEARNING_MOVE_EXTEND,   /* a new target day; the status stays */
	RD_LEARNING_N_MOVES
} RdLearningMove;

/* Working days before the target day that the owner is reminded, and
 * after it that the complaints manager is told (once). The owner hears
 * it has passed on the first working day after it. */
#define RD_LEARNING_REMIND_DAYS 5
#define RD_LEARNING_ESCALATE_DAYS 5

/* "proposed", … (static); "unknown" outside the enum. */
const char *rd_learning_status_to_string(RdLearningStatus s);
gboolean rd_learning_status_from_string(const char *s, RdLearningStatus *s_r);
/* "agree", "done", "verify", "drop", "extend" (static). */
const char *rd_learning_move_to_string(RdLearningMove m);
/* Proposed or agreed: it has a target day still to meet. */
gboolean rd_learning_status_open(RdLearningStatus s);
/* May @m follow @from? TRUE with the new status in *@to_r (the same for
 * extend), else FALSE with *@why_r (static) saying why not. */
gboolean rd_learning_move(RdLearningStatus from, RdLearningMove m, RdLearningStatus *to_r, const char **why_r);

/* Who asks for a change. */
typedef struct {
	gboolean owner;          /* the action's owner */
	gboolean authoriser;     /* the manager who authorised it */
	gboolean manager;        /* a complaints manager, or the command line */
} RdLearningActor;
/* May @who make change @m? FALSE with *@why_r (static). */
gboolean rd_learning_may(RdLearningMove m, const RdLearningActor *who, const char **why_r);

/* The days an action with target day @due is swept on. */
typedef struct {
	GDate remind;            /* RD_LEARNING_REMIND_DAYS working days before */
	GDate overdue;           /* the first working day after */
	GDate escalate;          /* RD_LEARNING_ESCALATE_DAYS working days after */
} RdLearningDays;
void rd_learning_days(const RdCalendar *cal, const GDate *due, RdLearningDays *out);

/* What the sweep knows of an action. Strings are borrowed. */
typedef struct {
	RdLearningStatus status;
	const char *due;           /* YYYY-MM-DD */
	const char *reminded_for;  /* the target day the reminder went for, or NULL */
	const char *overdue_for;   /* the target day the overdue letter went for */
	gboolean escalated;        /* the complaints manager was told */
} RdLearningState;
/* What is due for it on @today: at most one of remind and overdue (a
 * reminder not sent before the day passed is not sent after), and
 * escalate once. Nothing for an action that is not open. */
typedef struct {
	gboolean remind, overdue, escalate;
} RdLearningDue;
void rd_learning_sweep(const RdCalendar *cal, const RdLearningState *a, const GDate *today, RdLearningDue *out);

/* ---- satisfaction surveys (survey.c) ------------------------------------------ */

/* Who a survey asks: the complainant after the final response, or a
 * handler of the case about the process. */
typedef enum {
	RD_SURVEY_COMPLAINANT,
	RD_SURVEY_STAFF,
	RD_SURVEY_N_KINDS
} RdSurveyKind;

/* Every survey has this many questions, each answered 1 (very poor) to
 * 5 (very good); the number after the last is the comments. */
#define RD_SURVEY_QUESTIONS 4

/* "complainant", "staff" (static). */
const char *rd_survey_kind_to_string(RdSurveyKind k);
gboolean rd_survey_kind_from_string(const char *s, RdSurveyKind *k_r);
/* Question @n (1 … RD_SURVEY_QUESTIONS) of @k in @lang ("en", "cy";
 * anything else is English), static; NULL outside the range. The same
 * numbering in both languages. */
const char *rd_survey_question(RdSurveyKind k, guint n, const char *lang);
/* The questions as the letter lists them, one numbered paragraph each,
 * the comments last. Newly allocated. */
char *rd_survey_questions_text(RdSurveyKind k, const char *lang);

/* What a reply said. */
typedef struct {
	int answers[RD_SURVEY_QUESTIONS]; /* 1 … 5, 0 for no answer */
	guint n_answers;         /* how many are not 0 */
	gboolean stop;           /* asked for no more mail ("stop", "dim diolch") */
	char *comment;           /* the free words, as written (NULL: none) */
	char *problem;           /* why it could not be read (NULL: it was) */
} RdSurveyReply;
void rd_survey_reply_clear(RdSurveyReply *r);

/* Read a reply's new words (@text: quoted text and signature may still be
 * there; they are left out). Tolerant: "1. 4", "Q1: 4", "4" on a line of
 * its own in question order, "4 5 3 4" on one line, "4/5", "4 out of 5",
 * and the words very good, good, average, poor, very poor (da iawn, da,
 * gweddol, gwael, gwael iawn). TRUE when read (answers and/or stop);
 * FALSE with r->problem saying what could not be read: no answer at all,
 * an answer outside 1 to 5, two answers to one question, more answers
 * than questions, words that are not a rating. Nothing is half-read: on
 * FALSE the answers are all 0. */
gboolean rd_survey_parse(const char *text, RdSurveyReply *r);

/* @text with personal data replaced: "[name]" for @names (full names of
 * the complainant, staff and anyone else the case knows; each part of
 * three letters or more too), an honorific and the capitalised words after
 * it ("Mrs Jones"), the name after "my name is"/"fy enw i yw", a name
 * alone on the line after a sign-off ("Regards,", "Diolch,"); "[email]"
 * for addresses; "[phone]" for UK phone numbers (+44, 0…, spaced or not);
 * "[address]" for postcodes and "12 High Street"/"12 Heol y Bont" lines;
 * "[reference]" for case references and other codes mixing letters and
 * digits or six digits or more. Newly allocated; never NULL for a
 * non-NULL @text. */
char *rd_survey_anonymise(const char *text, const char *const *names);

/* What the sweep knows of a case for its complainant survey. Strings are
 * borrowed. */
typedef struct {
	const char *state;         /* cases.state */
	const char *last_response; /* YYYY-MM-DD the latest stage was answered, or NULL */
	const char *last_outcome;  /* that stage's outcome, or NULL */
	gboolean last_stage_answered; /* the latest stage has a response */
} RdSurveyCase;
/* Whether a case's survey is due on @today, @delay working days after its
 * final response: the case is closed (Stage 1 answered and not escalated,
 * or Stage 2 answered), its latest stage was answered and was not
 * withdrawn or excluded. *@due_r gets the day it is (or was) due when the
 * case qualifies, even if not yet. */
gboolean rd_survey_due(const RdCalendar *cal, const RdSurveyCase *c, guint delay, const GDate *today,
                       GDate *due_r);
/* ---- retention (retention.c) ----------------------------------------------- */

/* How long a closed case's personal data is kept: a whole number of one
 * unit, years, months or days ("6y", "72m", "365d"). A value type. */
typedef struct {
	guint n;
	char unit;                 /* 'y', 'm' or 'd' */
} RdRetentionPeriod;

/* The shortest period redress accepts from configuration or from `purge
 * --older-than` without --force: one year, so that a slip ("6d" for "6y")
 * cannot empty the case file. */
#define RD_RETENTION_FLOOR_DAYS 365
/* The longest: a hundred years, beyond which a period is a typo. */
#define RD_RETENTION_MAX_YEARS 100

/* "6y", "72m", "365d", also "6 years", "72 months", "365 days" (case and
 * the space ignored) into @p_r. FALSE with *@why_r (static) otherwise. */
gboolean rd_retention_period_parse(const char *s, RdRetentionPeriod *p_r, const char **why_r);
/* "6y". Newly allocated. */
char *rd_retention_period_format(const RdRetentionPeriod *p);
/* Is @p at least RD_RETENTION_FLOOR_DAYS (12 months, 1 year, 365 days)? */
gboolean rd_retention_period_at_least_floor(const RdRetentionPeriod *p);
/* -1, 0, 1 as @a is shorter than, as long as, longer than @b, counted
 * from @from (a month is not a fixed number of days). */
int rd_retention_period_compare(const RdRetentionPeriod *a, const RdRetentionPeriod *b, const GDate *from);
/* @day plus @p into @out (the 31st plus a month is the month's last day). */
void rd_retention_period_add(const RdRetentionPeriod *p, const GDate *day, GDate *out);

/* Why a case is or is not purged (rd_retention_decide). */
typedef enum {
	RD_RETENTION_PURGE = 0,    /* closed longer ago than its period */
	RD_RETENTION_OPEN,         /* not closed (stage1, stage2) */
	RD_RETENTION_HELD,         /* a legal hold */
	RD_RETENTION_OMBUDSMAN,    /* referred to the Ombudsman, not decided */
	RD_RETENTION_NO_DAY,       /* closed, but no stage says when */
	RD_RETENTION_KEPT,         /* closed within its period */
} RdRetentionVerdict;

/* "purge", "open", "held", "ombudsman-review", "no-closing-day", "kept". */
const char *rd_retention_verdict_to_string(RdRetentionVerdict v);

/* What the decision needs of a case. Strings are borrowed; days are
 * YYYY-MM-DD, and a text that is not a day counts as absent. */
typedef struct {
	const char *state;             /* cases.state */
	gboolean held;                 /* under a legal hold */
	const char *ombudsman_referred;
	const char *ombudsman_decided;
	const char *const *stage_days; /* every stage's closed, responded and
	                                  response_sent; NULL-terminated, NULL
	                                  entries already dropped */
	const char *last_activity;     /* the day of the newest mail received on
	                                  the case (and, for a purged case, of
	                                  anything added since); may be NULL */
} RdRetentionCase;

/* Whether the case @c may be purged on @today under @period; *@closed_r
 * (may be NULL) gets the day its period counts from, when there is one:
 * the last of its stages' closed, responded and response_sent days, the
 * Ombudsman's referral and decision days and its last activity. A case in
 * state stage1-closed counts (years on, the window to escalate is long
 * gone); one referred to the Ombudsman and not decided since (never, or
 * referred again after a decision) never does. */
RdRetentionVerdict rd_retention_decide(const RdRetentionCase *c, const RdRetentionPeriod *period,
                                       const GDate *today, GDate *closed_r);

G_END_DECLS

#endif /* RD_PROCEDURE_H */
