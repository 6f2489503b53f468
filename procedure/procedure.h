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

	/* Lookups done by the caller, strongest first (see DESIGN.md). */
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
 * order of DESIGN.md: token, headers, reference (sender must be a party),
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

G_END_DECLS

#endif /* RD_PROCEDURE_H */
