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

/* ---- the casework context (casework.c, key.c) ---------------------------- */

typedef struct _RdCasework RdCasework;

/* A casework context over an open store (borrowed, as is @cfg): loads (or
 * creates, on first use) the reply-token key, then the rules. One per
 * thread, like the store connection it uses. */
RdCasework *rd_casework_new(RdStore *store, const RdConfig *cfg, GError **error);
void rd_casework_free(RdCasework *cw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCasework, rd_casework_free)
RdStore *rd_casework_store(const RdCasework *cw);
const RdConfig *rd_casework_config(const RdCasework *cw);
/* The rules the context loaded; owned by it. */
RdRules *rd_casework_rules(const RdCasework *cw);
/* The reply-token key (RD_TOKEN_KEY_LEN bytes); owned by it. */
const guint8 *rd_casework_token_key(const RdCasework *cw);
/* FALSE: import mode — cases, deadlines and events are recorded as usual,
 * but no letter or notice is queued (each case gets an event saying so).
 * For loading an archive of old mail. Default TRUE. */
void rd_casework_set_letters(RdCasework *cw, gboolean on);
gboolean rd_casework_letters_on(const RdCasework *cw);

/* The reply-token key kept in @store's settings, into @key_r
 * (RD_TOKEN_KEY_LEN bytes); made from random bytes and stored the first
 * time (inside the caller's transaction, if any). */
gboolean rd_token_key_load(RdStore *store, guint8 *key_r, GError **error);

/* ---- opening a stage (stages.c) ---------------------------------------------- */

/* What opens a stage. Strings are borrowed. */
typedef struct {
	int stage;               /* 1 (a new case) or 2 */
	RdMailbox mailbox;       /* where it was sent: mail to the Chief
	                            Executive or Monitoring Officer gets the
	                            referral letter and the office's copy */
	gint64 at;               /* when it was received (or decided) */
	const char *actor;       /* Stage 2: who opened it, for the event
	                            ("redress", "cli:USER"); NULL = "redress" */
	const char *why;         /* Stage 2: the "stage2-opened" event's text */
	gint64 msg_id;           /* the message that opened it, or 0 */
	const char *in_reply_to; /* letters thread under this Message-ID; may be NULL */
	const char *excerpt;     /* what the complainant wrote; may be NULL */
	gboolean language_unsure; /* Stage 1: the complaint's language could
	                            not be told (rd_casework_choose_language):
	                            the acknowledgement asks in both languages */
	const RdLetterAttachment *attachments; /* the complainant's files, for
	                            the staff notices (never the letters to the
	                            complainant); may be NULL */
	gsize n_attachments;
	const char *attachments_left_out; /* the files too large to send on,
	                            named for the notices; may be NULL */
} RdStageOpening;

/* Open @o->stage on @c inside the caller's transaction: the ONE way a
 * stage opens, for intake and case actions alike. Stage 1 (its row made
 * with the case) gets its clock and letters; Stage 2 gets a fresh row (or
 * its old row emptied, when it ran before), the case state stage2, its
 * event, then its clock and letters. A profile with a single stage gets
 * an event saying no Stage 2 is available instead of a clock. @c's state
 * and profile are kept up to date. FALSE: the store failed. */
gboolean rd_casework_open_stage(RdCasework *cw, RdCase *c, const RdStageOpening *o, GError **error);


/* ---- new cases and triage (triage.c) --------------------------------------- */

/* Who a new case is from. Strings are borrowed. */
typedef struct {
	RdMailbox mailbox;           /* where it was sent: the case's channel */
	gint64 at;                   /* when it arrived */
	const char *complainant_email;
	const char *complainant_name; /* may be NULL */
	const char *language;        /* "en"/"cy"; NULL: the mailbox's, else [letters] language */
	const char *summary;         /* the subject; may be NULL */
	const char *channel;         /* NULL: the mailbox's; else "forwarded",
	                                "phone", "letter", "in-person" (a
	                                complaint staff passed on or logged) */
	const char *service;         /* NULL: none yet; else the service (and so
	                                the profile) from the start */
	const char *language_why;    /* how the language was chosen, for the
	                                case's "language-chosen" event; NULL:
	                                no event */
} RdCaseOpening;

/* A new case at Stage 1 with the configured reference prefix, the default
 * profile and its language, inside the caller's transaction (its number
 * is given out only if that commits). Its clock is started by
 * rd_casework_open_stage(). */
RdCase *rd_casework_create_case(RdCasework *cw, const RdCaseOpening *o, GError **error);

/* A complaint made by phone, letter or in person (or by email to someone
 * who passed it on), typed in by a member of staff. Strings are borrowed. */
typedef struct {
	const char *name;        /* the complainant's name (required) */
	const char *email;       /* their address; NULL: they have none, and
	                            their letters go to the handler for posting */
	const char *phone;       /* may be NULL */
	const char *address;     /* postal address; required without @email */
	const char *channel;     /* "phone", "letter", "in-person" or "email" */
	const char *summary;     /* what the complaint is about (required) */
	gint64 received_at;      /* when the council had it: the clock starts here */
	const char *service;     /* may be NULL */
	const char *language;    /* "en"/"cy"; NULL: as for a new case */
	const char *actor;       /* who logged it, for the events */
	gint64 at;               /* when it was logged */
} RdLoggedComplaint;

/* TRUE for an address of the council's own rather than a member of the
 * public's: a member of staff, one of the council's mail domains
 * ([staff_auth] domains, by default [council] domain), or one of
 * redress's mailboxes. */
gboolean rd_casework_is_council_address(const RdConfig *cfg, const char *email);

/* What placing a message from triage did. */
typedef struct {
	char *reference;         /* the case it is now on */
	char *resolution;        /* "assigned to REF" / "new case REF" */
	gboolean new_case;
} RdPlacement;
void rd_placement_clear(RdPlacement *p);

/* Place message @msg_id, waiting in triage, on the case @ref names (typed
 * as people type it), or with @ref NULL on a new case opened from it —
 * its clock started from when the mail arrived, its acknowledgement
 * queued — in one transaction, with an event naming @actor. Refused
 * (RD_CASEWORK_ERROR) for a message not waiting in triage, an unknown
 * case, or a new case from a message with no sender. */
gboolean rd_casework_place(RdCasework *cw, gint64 msg_id, const char *ref, const char *actor,
                           gint64 at, RdPlacement *p, GError **error);

/* Decide mail written on a closed case, waiting in triage: @stage2 TRUE
 * takes it as a request for Stage 2 (the case's Stage 1 must be closed),
 * FALSE reopens the case's last stage (RD_CASE_ACTION_REOPEN); either
 * counts from when the mail arrived. One transaction; refused as
 * rd_casework_place() is, and for a message on no case. */
gboolean rd_casework_place_closed(RdCasework *cw, gint64 msg_id, gboolean stage2, const char *actor, gint64 at,
                                  RdPlacement *p, GError **error);

/* ---- case actions (actions.c) -------------------------------------------------- */

#define RD_CASEWORK_ERROR (rd_casework_error_quark())
GQuark rd_casework_error_quark(void);
typedef enum {
	RD_CASEWORK_ERROR_REFUSED,   /* not allowed now; the message says what to do instead */
	RD_CASEWORK_ERROR_NO_CASE,   /* the reference names no case */
} RdCaseworkError;

typedef enum {
	RD_CASE_ACTION_ASSIGN,        /* handler: give the case (and its open stage) a handler */
	RD_CASE_ACTION_EXTEND,        /* reason [, to]: a holding reply with a new date */
	RD_CASE_ACTION_RESPOND,       /* outcome [, date]: the response was sent; the stage closes */
	RD_CASE_ACTION_CLOSE,         /* outcome withdrawn|excluded, reason */
	RD_CASE_ACTION_ESCALATE,      /* open Stage 2, or [decline | refer_back] a request */
	RD_CASE_ACTION_LINK,          /* other: one group for both cases */
	RD_CASE_ACTION_SERVICE,       /* service: the service (and so the profile) */
	RD_CASE_ACTION_LANGUAGE,      /* language: en|cy, for the letters from now on */
	RD_CASE_ACTION_NOTE,          /* text: an internal note on the case journey */
	RD_CASE_ACTION_CAUSE,         /* text: the root-cause category ([procedure]
	                                 causes), then any detail (oversight) */
	RD_CASE_ACTION_NOTIFY_DEPT,   /* handler = the department's address: told of the case */
	RD_CASE_ACTION_COMPLAINANT,   /* email [, name]: the complainant corrected */
	RD_CASE_ACTION_REOPEN,        /* [reason]: the last stage of a closed case opened again */
	RD_CASE_ACTION_REMEDY,        /* text: the remedy or apology given (oversight) */
	RD_CASE_ACTION_OMBUDSMAN,     /* ombudsman referred|decided [, outcome the
	                                 finding] [, date]: the Ombudsman's part */
	RD_CASE_ACTION_NO_CONTACT,    /* [reason]: the complainant asked not to be
	                                 contacted beyond their complaint (no
	                                 satisfaction survey, ever) */
} RdCaseActionKind;

const char *rd_case_action_kind_to_string(RdCaseActionKind k);
gboolean rd_case_action_kind_from_string(const char *s, RdCaseActionKind *k_r);

/* One action on a case, as a plain request. Strings are borrowed; those
 * an action does not take are ignored (NULL). */
typedef struct {
	RdCaseActionKind kind;
	const char *actor;       /* who acts, for the events: "cli:USER", a
	                            member of staff's address; NULL = "redress" */
	gint64 at;               /* when it happened (Unix seconds) */
	int stage;               /* 1 or 2; 0 = the open stage */
	const char *handler;     /* assign: an email address */
	const char *other;       /* link: the other case's reference */
	const char *service;     /* service: its name */
	const char *to;          /* extend: the new date YYYY-MM-DD; NULL = the
	                            profile's extension */
	const char *reason;      /* extend, close: told to the complainant;
	                            no-contact: why (kept, never told) */
	const char *outcome;     /* respond: upheld, partly-upheld, not-upheld,
	                            resolved; close: withdrawn, excluded */
	const char *date;        /* respond: the day it was sent; NULL = today */
	const char *decline;     /* escalate: do not investigate, because … */
	const char *refer_back;  /* escalate: back to Stage 1, because … */
	const char *language;    /* language: "en" or "cy" */
	const char *text;        /* note, cause, remedy: the words to record */
	const char *ombudsman;   /* ombudsman: "referred" or "decided" (outcome
	                            then holds the finding, date the day; NULL
	                            date = today) */
	const char *email;       /* complainant: their address */
	const char *name;        /* complainant: their name; NULL = keep it */
	gboolean force;          /* extend: past the profile's cap (a complaints
	                            manager's decision; the caller checks who) */
	gboolean no_letter;      /* respond: queue no closing letter, because the
	                            caller sends the response itself (a staff
	                            reply marked #final carries the same rights) */
} RdCaseAction;

/* What an action did. */
typedef struct {
	char *reference;         /* the case */
	char *state;             /* its state after the action (rd_casework_act) */
	GPtrArray *done;         /* char*: one sentence per change, as recorded */
	GPtrArray *letters;      /* char*: names of the letters queued */
	char *escalate_by;       /* respond before the last stage: the last day
	                            to ask for Stage 2 (YYYY-MM-DD), for a caller
	                            that sends the response itself (no_letter) */
	int responded_stage;     /* respond: the stage answered (1 or 2); its
	                            response letter carries the number */
} RdCaseActionResult;
void rd_case_action_result_clear(RdCaseActionResult *r);

/* Set @error to RD_CASEWORK_ERROR @code with the message; FALSE. */
gboolean rd_casework_refuse(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The usual one: not allowed now, the message says what to do instead. */
#define rd_casework_refused(error, ...) rd_casework_refuse((error), RD_CASEWORK_ERROR_REFUSED, __VA_ARGS__)

/* Apply @a to the case @ref names (typed as people type it, "cmp 2026 12")
 * in a transaction of its own: everything or nothing. FALSE with
 * RD_CASEWORK_ERROR (refused, or no such case: nothing changed) or with
 * the store's error. */
gboolean rd_casework_act(RdCasework *cw, const char *ref, const RdCaseAction *a, RdCaseActionResult *r,
                         GError **error);
/* The same on @c (read inside the caller's transaction, kept by the
 * caller), without a transaction of its own: for a caller that changes
 * more in the same transaction. r->state is not set. */
gboolean rd_casework_act_in(RdCasework *cw, RdCase *c, const RdCaseAction *a, RdCaseActionResult *r,
                            GError **error);

/* logged.c: open a case for @l with its Stage 1 clock from @l->received_at and its
 * letters (the acknowledgement to the complainant, or for posting), in a
 * transaction of its own. r->reference, done, letters and state are set.
 * FALSE with RD_CASEWORK_ERROR_REFUSED (nothing changed; the message says
 * what to give) or the store's error. */
gboolean rd_casework_log_complaint(RdCasework *cw, const RdLoggedComplaint *l, RdCaseActionResult *r,
                                   GError **error);
/* ---- the language of a case (language.c) ------------------------------------ */

/* How a new complaint's language was chosen. */
typedef struct {
	const char *language;    /* "cy" or "en" (static) */
	gboolean unsure;         /* its words did not say: ask in both */
	char *why;               /* one sentence for the case's event (owned) */
} RdLanguageChoice;
void rd_language_choice_clear(RdLanguageChoice *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RdLanguageChoice, rd_language_choice_clear)

/* The language for a new case sent to @mailbox from @content_language
 * (the header, lower case; may be NULL) and the complaint's own @subject
 * and @text (either may be NULL): a Content-Language of Welsh wins; then
 * the words, when they clearly say Welsh or English (mail programs add
 * "Content-Language: en-GB" on their own, so an English header does not
 * outweigh Welsh words); then an English header; otherwise unsure, and
 * the mailbox's language, else the council's. */
void rd_casework_choose_language(const RdConfig *cfg, RdMailbox mailbox, const char *content_language,
                                 const char *subject, const char *text, RdLanguageChoice *out);

/* After the case's language changed to @c->language (inside the
 * caller's transaction): if the acknowledgement of the stage still open
 * went, or waits to go, in the other language, send it again in this
 * one. One still waiting is withdrawn (marked suppressed, "replaced by
 * the letter in Welsh") rather than sent as well (a daemon sending it at
 * that very moment still delivers it: both arrive). Appends what it did to
 * @done (a line each) and the letter's name to @letters. Nothing when no
 * stage is open or the acknowledgement is already in this language. */
gboolean rd_casework_resend_acknowledgement(RdCasework *cw, const RdCase *c, gint64 at, GString *done,
                                            GPtrArray *letters, GError **error);

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
/* The reply-token key the letters were made with (RD_TOKEN_KEY_LEN bytes). */
const guint8 *rd_letters_token_key(const RdLetters *l);

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
	const char *office_name_cy; /* its Welsh name, for a Welsh letter */
	const char *ombudsman;     /* "lgsco", "housing-ombudsman", "spso", "psow" */
	gboolean ombudsman_details;
	gboolean referred_back;
	gboolean final_stage;
	const char *text;          /* staff-reply: the words relayed;
	                              command-result: the report */
	const char *staff_name;    /* the member of staff a notice is about */
	const char *staff_email;
	gboolean final_response;   /* staff-reply: it is the stage's response */
	int responds_stage;        /* the letter is that stage's response (a
	                              closing letter, a staff reply marked
	                              #final): its sending is the response's date */
	const RdLetterAttachment *attachments; /* staff-reply: the files the
	                              member attached; staff notices: the
	                              complainant's; may be NULL */
	gsize n_attachments;
	const char *attachments_left_out; /* staff notices: files not sent
	                              on (too large), named; may be NULL */
	gboolean language_unsure;  /* stage 1 acknowledgement: ask in English
	                              and Welsh which language they want
	                              (flag.language_unsure) */
	const char *reply_to;      /* survey letters: the survey's own reply
	                              address (Reply-To and case.reply_address),
	                              in place of the case's or the member's */
	gboolean survey;           /* a survey letter: survey.questions of
	                              survey_kind, survey.answer_by */
	int survey_kind;           /* its RdSurveyKind */
	const char *survey_answer_by; /* YYYY-MM-DD: the last day a reply counts */
} RdLetterRequest;

/* A complainant with no email address (a complaint made by phone, letter
 * or in person, logged with #new) is recorded under a placeholder address
 * in the reserved .invalid domain (RFC 2606), which nothing can deliver
 * to; their letters go to the handler (else the complaints manager) with
 * "FOR POSTING" in the subject, to print and post. */
#define RD_POSTAL_DOMAIN "no-email.invalid"
gboolean rd_letters_is_postal(const char *email);
/* A new placeholder address (newly allocated). */
char *rd_letters_postal_placeholder(void);

/* TRUE for the names of notices to staff ("staff-…", "action-…", "command-result"),
 * FALSE for letters to the complainant ("staff-reply" is one: a member of
 * staff's words relayed). */
gboolean rd_letters_is_staff_notice(const char *name);

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
/* The same inside the caller's transaction, with @why the whole sentence
 * the alert gives and @tag naming the kind of failure in its idempotency
 * key ("letter", "bounce"), so one letter can be alerted once for each. */
gboolean rd_letters_alert_failure_in(RdLetters *l, RdStore *store, const RdOutboxRow *o, const char *why,
                                     const char *tag, gint64 now, GError **error);
/* Queue the daily digest for an office (Chief Executive, Monitoring
 * Officer): one letter to @to listing @items (one line each), under
 * @idem_key, not tied to any case. Same rules as rd_letters_queue(). */
gboolean rd_letters_queue_digest(RdLetters *l, RdStore *store, RdMailbox mailbox, const char *to,
                                 const char *day, GPtrArray *items, const char *idem_key,
                                 gint64 now, GError **error);
/* One oversight report to one recipient (rd_letters_queue_report). It is
 * about no case and names no one: the figures and the document come from
 * report/, which this room does not call. Strings are borrowed. */
typedef struct {
	const char *to;              /* the recipient */
	const char *idem_key;        /* e.g. "report/2026Q3/ADDRESS" */
	gboolean again;              /* a copy sent again by hand: a new
	                                Message-ID, not the period's own */
	const char *period;          /* its short name, "2026Q3" (file name, Message-ID) */
	GDate from, to_day;          /* its first and last days */
	const char *const *figures;  /* template values: name, value, …, NULL */
	const char *html;            /* the report, attached as
	                                complaints-report-PERIOD.html */
} RdReportLetter;
/* The Message-ID (without <>) of the report for @period to @to: the
 * same every time, so the letter can be found again. Newly allocated. */
char *rd_letters_report_message_id(const RdLetters *l, const char *period, const char *to);
/* Compose the oversight-report letter, in the council's language, and
 * queue it inside the caller's transaction unless a letter with the same
 * idempotency key exists. *@id_r is its outbox row (the existing one when
 * it was queued before), *@queued_r whether this call queued it. FALSE:
 * the letter could not be composed or the store failed. */
gboolean rd_letters_queue_report(RdLetters *l, RdStore *store, const RdReportLetter *r, gint64 now,
                                 gint64 *id_r, gboolean *queued_r, GError **error);
/* One letter about a learning action. Strings are borrowed. */
typedef struct {
	const char *name;              /* action-reminder, action-overdue, action-escalated */
	const char *idem_key;          /* e.g. "action/12/reminder/2026-06-12" */
	const RdLearningAction *action;
	const char *to;                /* the owner, or the complaints manager */
} RdActionLetter;
/* Compose and queue it inside the caller's transaction, unless a letter
 * with the same key exists (*@queued_r FALSE then). FALSE: it could not
 * be written, or the store failed. */
gboolean rd_letters_queue_action(RdLetters *l, RdStore *store, const RdActionLetter *r, gint64 now,
                                 gboolean *queued_r, GError **error);
/* "Friday 4 December 2026" / "dydd Gwener 4 Rhagfyr 2026" from
 * "2026-12-04"; NULL if unparseable. */
char *rd_letters_format_date(const char *iso, const char *lang);

/* ---- the procedure as configured (rules.c) ----------------------------------- */

/* Load and check the calendar, the profiles (built-in and [profile:NAME])
 * and the letter templates for @cfg. @key is the reply-token key (copied). */
RdRules *rd_rules_new(const RdConfig *cfg, const guint8 *key, GError **error);
/* The same with the key kept in @store (made there on first use): for
 * commands that need the rules but change no case. */
RdRules *rd_rules_open(RdStore *store, const RdConfig *cfg, GError **error);
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


typedef struct {
	guint stages, reminders, holding, overdue, ack_overdue, failures;
	guint recomputed;        /* open stages whose deadlines moved */
} RdSweepCounts;

/* One thing the sweep did, told after its transaction committed. Strings
 * are borrowed for the call. */
typedef struct {
	const char *case_ref;    /* NULL for a digest */
	const char *action;      /* "reminder", "holding-reply", "overdue",
	                            "ack-overdue", … (the event type without
	                            "deadline-"), "recomputed" or "digest" */
	const char *key;         /* its idempotency key ("s1/holding"), or NULL
	                            for "recomputed" */
	const char *detail;      /* one sentence, as on the case journey */
} RdSweepAction;
typedef void (*RdSweepFunc)(const RdSweepAction *a, gpointer user_data);

/* One deadline sweep at @now, as `redress sweep` does it: deadlines
 * recomputed first if the calendar changed (or @recompute), then each due
 * stage in its own transaction (a stage that fails is put off to tomorrow
 * with an event and counted in failures), then the daily digests; the
 * time of the run is kept in the "sweep_last_run" setting. @rules are
 * @store's (rd_rules_open). @func (may be NULL) is told of each action
 * once its transaction has committed. FALSE only when the store is
 * unusable. */
gboolean rd_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now,
                      gboolean recompute, RdSweepFunc func, gpointer user_data,
                      RdSweepCounts *counts_r, GError **error);
#define RD_SWEEP_LAST_RUN_SETTING "sweep_last_run"
/* "TIME MESSAGE" when the last run failed or left stages unswept. */
#define RD_SWEEP_LAST_ERROR_SETTING "sweep_last_error"

/* ---- learning actions (learning.c) ------------------------------------- */

/* A new learning action. Strings are borrowed. */
typedef struct {
	const char *actor;         /* who makes it: "cli:USER", a member's address */
	gint64 at;
	const char *text;          /* what will change (required) */
	const char *owner;         /* who does it: an address (required) */
	const char *due;           /* the target day, YYYY-MM-DD (required, not past) */
	const char *authorised_by; /* the manager who agreed it: it starts agreed;
	                              NULL: it starts proposed */
	const char *service;       /* NULL: the first case's service */
	const char *const *cases;  /* references as typed, NULL-terminated; may
	                              be NULL (then @service is required) */
	gboolean publishable;      /* may go in the public digest */
	gint64 msg_id;             /* the mail that made it, or 0 */
} RdActionRequest;

/* Make the action inside the caller's transaction: its row, its cases,
 * an action-added event on it and a learning-action event on each case.
 * *@a_r (may be NULL) gets it as stored. FALSE with RD_CASEWORK_ERROR
 * (refused: the message says what to give; no such case) or the store's
 * error. */
gboolean rd_casework_action_add_in(RdCasework *cw, const RdActionRequest *q, RdLearningAction **a_r,
                                   GError **error);
/* The same in a transaction of its own. */
gboolean rd_casework_action_add(RdCasework *cw, const RdActionRequest *q, RdLearningAction **a_r,
                                GError **error);

/* A change to an action. Strings are borrowed. */
typedef struct {
	gint64 id;
	RdLearningMove move;
	const char *actor;
	gint64 at;
	RdLearningActor who;       /* whether @actor is its owner, its authoriser,
	                              a manager (the command line is) */
	const char *evidence;      /* done: what shows it (required) */
	const char *date;          /* extend: the new target day YYYY-MM-DD */
	const char *reason;        /* extend (required), drop, verify: why */
	gint64 msg_id;             /* the mail that asked, or 0 */
} RdActionChange;
/* Apply @ch inside the caller's transaction, with an event naming the
 * actor. *@done_r (may be NULL) gets one sentence saying what changed.
 * FALSE with RD_CASEWORK_ERROR_REFUSED (not allowed now or not by them;
 * nothing changed), RD_CASEWORK_ERROR_NO_CASE (no such action) or the
 * store's error. */
gboolean rd_casework_action_change_in(RdCasework *cw, const RdActionChange *ch, char **done_r, GError **error);
gboolean rd_casework_action_change(RdCasework *cw, const RdActionChange *ch, char **done_r, GError **error);
/* Mark action @id publishable or not (in its own transaction). */
gboolean rd_casework_action_publish(RdCasework *cw, gint64 id, gboolean on, const char *actor, gint64 at,
                                    GError **error);

/* ---- satisfaction surveys (surveys.c) ---------------------------------- */

/* How far back (calendar days) the sweep looks for cases answered and not
 * yet surveyed: a daemon stopped longer than this surveys none of them. */
#define RD_SURVEY_LOOKBACK_DAYS 90

/* The sweep's part, after the learning actions: sent surveys past their
 * last day expired; then, with [surveys] enabled, each closed case whose
 * survey has fallen due surveyed in a transaction of its own (and its
 * handlers, with [surveys] staff). *@sent_r (may be NULL) counts the
 * letters queued. FALSE only when the store failed. */
gboolean rd_survey_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, RdSweepFunc func,
                             gpointer user_data, guint *sent_r, GError **error);
/* The person at @email asked not to be contacted: every complainant
 * survey letter to them still waiting in the outbox, on any of their
 * cases, is not sent (but survey @but, when not 0: the one they replied
 * to, which reached them), and its survey becomes suppressed with @why;
 * *@withdrawn_r counts them. Inside the caller's transaction. */
gboolean rd_casework_surveys_withdraw(RdStore *store, const char *email, gint64 but, const char *why,
                                      guint *withdrawn_r, GError **error);
/* The names a comment on case @c's survey could hold, for
 * rd_survey_anonymise(): the complainant's, @also (may be NULL: the
 * sender's), every member of the staff directory's. NULL-terminated,
 * borrowed from @cfg, @c and @also. */
GPtrArray *rd_casework_survey_names(const RdConfig *cfg, const RdCase *c, const char *also);
/* Answers a person read in a reply redress could not (it waits in
 * triage): @answers[q-1] for question q (1 to 5, 0 none), @comment (may
 * be NULL) anonymised before it is kept. Only a sent survey takes them;
 * one transaction. FALSE with RD_CASEWORK_ERROR (refused or no such
 * survey: nothing changed) or the store's error. */
gboolean rd_casework_survey_record(RdCasework *cw, gint64 id, const int *answers, const char *comment,
                                   const char *actor, gint64 at, GError **error);


/* The sweep's part: each open action whose reminder, overdue letter or
 * escalation is due on @now's day, one transaction each; @func is told
 * of each ("action N" as case_ref). Called by rd_sweep_run. FALSE only
 * when the store is unusable. */
gboolean rd_learning_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, RdSweepFunc func,
                               gpointer user_data, guint *letters_r, GError **error);

/* ---- retention: legal holds and purges (purge.c) ------------------------------ */

/* Place a legal hold on case @ref (@reason required), or lift it
 * (rd_casework_release). Each is an event on the case's journey; a held
 * case is never purged. Refused (RD_CASEWORK_ERROR_REFUSED) for a case
 * already purged, or already held / not held. */
gboolean rd_casework_hold(RdCasework *cw, const char *ref, const char *reason, const char *actor, gint64 at,
                          GError **error);
gboolean rd_casework_release(RdCasework *cw, const char *ref, const char *actor, gint64 at, GError **error);

/* One case a purge looked at, and what it decided. */
typedef struct {
	gint64 case_id;
	char *reference;
	char *closed;            /* YYYY-MM-DD its period counts from, or NULL */
	char *period;            /* "6y" */
	RdRetentionVerdict verdict;
} RdPurgeItem;
void rd_purge_item_free(RdPurgeItem *i);

/* What `redress purge` and the daemon's timer ask for. */
typedef struct {
	gint64 now;              /* "today" is its day in Europe/London */
	const RdRetentionPeriod *older_than; /* NULL, or at least this long
	                            for every case (lengthens, never shortens,
	                            the configured periods) */
	const char *actor;       /* "cli:USER", "redress" */
	gboolean dry_run;        /* list, change nothing */
} RdPurgeRequest;

typedef struct {
	GPtrArray *items;        /* RdPurgeItem*: every case looked at */
	RdPurgeCounts counts;    /* what went (zeros for a dry run) */
	gboolean compacted;      /* the file was rebuilt and the log emptied:
	                            no deleted bytes remain */
	char *compact_error;     /* why the rebuild failed (the purge itself
	                            committed), or NULL */
} RdPurgeResult;
void rd_purge_result_clear(RdPurgeResult *r);

/* Decide, case by case, and (unless a dry run) purge those whose period
 * has passed, in one transaction with secure_delete on; record the run
 * (counts only) and log it; then rebuild the file so nothing deleted
 * remains (RdPurgeResult.compacted FALSE when another connection kept
 * the log busy: the next run finishes it). With purge_mailbox_copies
 * the copies of the purged mail in IMAP folders are noted, for the
 * network side to expunge (outbound/purgecopies.c). The cases are
 * decided inside the purge's write transaction. FALSE: the store failed
 * and nothing was purged; a rebuild that fails after the commit is not
 * that (TRUE, compacted FALSE, compact_error set, logged as a warning). */
gboolean rd_casework_purge(RdCasework *cw, const RdPurgeRequest *q, RdPurgeResult *r, GError **error);

/* The daemon's timer: a purge when [retention] schedule is on and the
 * last purge (of anyone) is at least that many days before @now; TRUE
 * with *@ran_r FALSE when none was due. */
gboolean rd_casework_purge_scheduled(RdCasework *cw, gint64 now, gboolean *ran_r, RdPurgeResult *r,
                                     GError **error);

G_END_DECLS

#endif /* RD_CASEWORK_H */
