/*
 * daemon.h — the redress program: configuration, logging, the ingest
 * pipeline, message sources and the subcommands.
 *
 * This is the only public header of daemon/. The daemon is the one folder
 * that does I/O: it reads files (and later talks IMAP and SMTP), asks
 * parsers/ for facts and procedure/ for decisions, and writes the outcome
 * to store/ in one transaction per message (or per batch of messages).
 */
#ifndef RD_DAEMON_H
#define RD_DAEMON_H

#include <glib.h>
#include "parsers.h"
#include "procedure.h"
#include "store.h"
#include "templates.h"

G_BEGIN_DECLS

typedef struct _RdRules RdRules;   /* rules.c: calendar, profiles, letters */

/* ---- exit codes --------------------------------------------------------- */

enum {
	RD_EXIT_OK = 0,
	RD_EXIT_USAGE = 1,     /* bad usage or bad input; the message says what to do */
	RD_EXIT_INTERNAL = 2,  /* the database or the system failed */
};

/* ---- logging (stderr, for journald) -------------------------------------- */

typedef enum { RD_LOG_ERROR, RD_LOG_WARN, RD_LOG_INFO, RD_LOG_DEBUG } RdLogLevel;

void rd_log_set_level(RdLogLevel level);
void rd_log(RdLogLevel level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define rd_log_error(...) rd_log(RD_LOG_ERROR, __VA_ARGS__)
#define rd_log_warn(...)  rd_log(RD_LOG_WARN, __VA_ARGS__)
#define rd_log_info(...)  rd_log(RD_LOG_INFO, __VA_ARGS__)
#define rd_log_debug(...) rd_log(RD_LOG_DEBUG, __VA_ARGS__)

/* ---- configuration -------------------------------------------------------- */

#define RD_CONFIG_ERROR (rd_config_error_quark())
GQuark rd_config_error_quark(void);
typedef enum { RD_CONFIG_ERROR_INVALID, RD_CONFIG_ERROR_IO } RdConfigError;

/* XOAUTH2: where and how bearer tokens are obtained (oauth.c); the
 * oauth_* keys of [mailbox:ROLE] and [smtp]. */
typedef struct {
	char *grant;             /* "client_credentials" or "refresh_token" */
	char *token_url;         /* https://…/oauth2/v2.0/token */
	char *client_id;
	char *client_secret_file;/* client_credentials (and confidential
	                            clients with refresh_token) */
	char *refresh_token_file;/* refresh_token: rewritten when it rotates */
	char *scope;             /* e.g. https://outlook.office365.com/.default */
	char *ca_file;           /* trust for the token endpoint; NULL = system */
} RdOAuthConfig;

/* One mailbox role's settings ([mailbox:ROLE]). */
typedef struct {
	char *address;           /* its address, e.g. complaints@council.example;
	                            letters' From and the base of reply tokens */
	char *language;          /* letters for mail arriving here: "en"/"cy",
	                            or NULL for [letters] language */
	char *office_name;       /* chief-executive / monitoring-officer: the
	                            office named in the referral letter */
	char *copy_to;           /* chief-executive / monitoring-officer: where
	                            a copy of each referral goes, or NULL */
	char *copy;              /* "each" (default), "digest" (one letter a
	                            day from the sweep) or "none" */
	/* IMAP (redress fetch); imap_url NULL = not fetched over IMAP */
	char *imap_url;          /* imaps://host[:port]/FOLDER or imap://… */
	char *imap_user;
	char *imap_password_file;/* owned by us, not readable by others */
	gboolean imap_xoauth2;   /* imap_auth = xoauth2: AUTHENTICATE XOAUTH2
	                            with a token as @oauth says */
	RdOAuthConfig oauth;
	char *imap_ca_file;      /* PEM; NULL = the system trust store */
	gboolean imap_allow_plaintext; /* imap:// without STARTTLS (loopback tests) */
	char *processed_folder;  /* where ingested mail is moved, "Processed" */
	gboolean keep_in_place;  /* flag $RedressIngested instead of moving */
} RdMailboxConfig;

/* [smtp]: where letters are delivered (the SMTP sink, smtp.c). */
typedef struct {
	char *url;               /* smtp://host:port (STARTTLS required) or
	                            smtps://host:port; NULL = no SMTP sink */
	char *ca_file;           /* trust only this CA file; NULL = the system's */
	char *user;              /* AUTH user, or NULL for no AUTH */
	char *password_file;     /* AUTH password (one line); must not be
	                            readable by group or others */
	gboolean xoauth2;        /* auth = xoauth2: AUTH XOAUTH2 with @oauth */
	RdOAuthConfig oauth;
	char *envelope_from;     /* MAIL FROM (the bounce address); NULL = the
	                            letter's From mailbox */
	gboolean allow_plaintext;/* smtp:// without STARTTLS: loopback tests only */
	char *sent_mailbox;      /* a role whose IMAP account keeps copies of
	                            sent letters; NULL = no copies */
	char *sent_folder;       /* in that account; NULL = the folder the
	                            server marks \Sent, else "Sent" */
	gint64 retry_for;        /* seconds to keep retrying, default 5 days */
	guint timeout;           /* seconds per letter, default 60 */
} RdSmtpConfig;

/* [daemon]: the timers of `redress daemon`. */
typedef struct {
	guint poll_interval;     /* seconds between polls where there is no
	                            IDLE (or idle = false), default 60 */
	gboolean idle;           /* use IDLE where the server has it, default TRUE */
	guint send_interval;     /* seconds between outbox runs, default 30 */
	guint sweep_interval;    /* seconds between deadline sweeps, default 3600 */
} RdDaemonConfig;

/* Immutable after load; passed explicitly, never global. */
typedef struct {
	char *path;              /* file it came from, or NULL for defaults */
	char *database;          /* [redress] database */
	char *reference_prefix;  /* [redress] reference_prefix, default "CMP" */
	RdParseOptions limits;   /* [limits] (ref_prefix points at reference_prefix) */
	char **stage2_phrases;   /* [procedure] stage2_phrases, lower case */
	guint batch_messages;    /* [ingest] batch_messages, default 256 */
	guint parse_threads;     /* [ingest] parse_threads, 0 = number of cores */
	RdNation nation;         /* [calendar] nation, default england-and-wales */
	char *bank_holidays;     /* [calendar] bank_holidays (path), or NULL */
	char **closures;         /* [calendar] closures, YYYY-MM-DD, or NULL */
	int cutoff_hour;         /* [calendar] cutoff HH:MM; -1 = none */
	int cutoff_minute;

	/* [council]: who the letters come from */
	char *council_name, *council_domain, *council_email, *council_phone,
	     *council_website, *team_name, *complaints_manager;
	RdMailboxConfig mailboxes[RD_MAILBOX_N];
	/* [letters] */
	char *templates_dir;     /* default: the installed or source templates */
	char *default_language;  /* "en" */
	guint daily_cap;         /* letters to one address per day, default 5 */
	/* [procedure] default_profile; [services] service = profile */
	char *default_profile;
	GHashTable *services;    /* lower-case service name → profile name */
	/* [elected_members] */
	char **member_addresses; /* lower case */
	char **member_domains;   /* lower case */
	/* [profile:NAME] groups, unparsed: name → GHashTable key → value */
	GHashTable *profile_groups;
	/* [smtp] */
	RdSmtpConfig smtp;
	/* [daemon] */
	RdDaemonConfig daemon;
} RdConfig;

/* Load @path (NULL: the built-in defaults, no file). Every problem is
 * reported as "FILE:LINE: message" lines in the error, all at once. */
RdConfig *rd_config_load(const char *path, GError **error);
/* The profile a [profile:NAME] group of @cfg describes (its "base" first,
 * then its other keys). Owned by the caller. */
RdProfile *rd_config_profile_new(const RdConfig *cfg, const char *name, GError **error);
void rd_config_free(RdConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdConfig, rd_config_free)

/* ---- the ingest pipeline ------------------------------------------------- */

typedef enum {
	RD_INGEST_STORED = 0,    /* new message stored (on a case or in triage) */
	RD_INGEST_DUPLICATE,     /* seen before through this mailbox: no change */
	RD_INGEST_NEW_ROUTE,     /* seen before through another mailbox: the
	                            route was recorded, nothing else changed */
} RdIngestStatus;

/* What happened to one message. */
typedef struct {
	RdIngestStatus status;
	gint64 msg_id;           /* store row */
	char *message_id;        /* may be NULL */
	char *case_ref;          /* NULL when on no case */
	char *kind;              /* rd_kind_to_string() */
	char *via;
	char *reason;
	gboolean triage;
	gboolean new_case;
	char *problem;           /* NULL or rd_parse_problem_to_string() */
} RdIngestResult;

void rd_ingest_result_clear(RdIngestResult *r);

typedef struct _RdIngest RdIngest;

/* An ingest context over an open store. Loads (or creates, on first use)
 * the per-case token key, then the procedure's rules (calendar, profiles,
 * letters): a new complaint gets its deadlines and its acknowledgement in
 * the same transaction as the case. */
RdIngest *rd_ingest_new(RdStore *store, const RdConfig *cfg, GError **error);
void rd_ingest_free(RdIngest *ing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdIngest, rd_ingest_free)

/* The per-case token key (RD_TOKEN_KEY_LEN bytes). */
const guint8 *rd_ingest_token_key(RdIngest *ing);
/* The rules the context loaded. */
RdRules *rd_ingest_rules(RdIngest *ing);
/* FALSE: import mode — cases, deadlines and events are recorded as usual,
 * but no letter or notice is queued (each case gets an event saying so).
 * For loading an archive of old mail. Default TRUE. */
void rd_ingest_set_letters(RdIngest *ing, gboolean on);
/* Start the clock of @stage (its row must exist) at @received_at and queue
 * its acknowledgement and notices, inside the caller's transaction.
 * @in_reply_to and @excerpt (the complainant's message) may be NULL. */
gboolean rd_ingest_start_stage(RdIngest *ing, gint64 case_id, int stage, RdMailbox mailbox,
                               gint64 received_at, const char *in_reply_to,
                               const char *excerpt, gboolean reopened, GError **error);
/* A fresh row for @stage received at @at: new, or the old row of a stage
 * that ran before, emptied for a new clock (*@reopened_r TRUE; pass it on
 * to rd_ingest_start_stage so the stage gets letters of its own). */
gboolean rd_ingest_open_stage(RdIngest *ing, gint64 case_id, int stage, gint64 at,
                              gboolean *reopened_r, GError **error);

/* Record one message that has already been parsed into @msg from @data.
 * Must run inside a store transaction that the caller commits: the raw
 * bytes, the message row, its route, case changes, events and triage entry
 * are written together or not at all. @source names where it came from
 * ("file:/path", "imap:…"); may be NULL. */
gboolean rd_ingest_message(RdIngest *ing, const char *data, gsize len,
                           const RdMessage *msg, RdMailbox mailbox,
                           gint64 received_at, const char *source,
                           RdIngestResult *result_r, GError **error);

/* ---- background checkpoints for bulk writers (checkpointer.c) ------------ */

typedef struct _RdCheckpointer RdCheckpointer;

/* Turn off @writer's automatic checkpoints and copy its log into the
 * database from a second connection to @db_path on a thread of its own.
 * With @sync_behind, the writer's COMMITs also stop waiting for the disk:
 * the thread syncs the log after each commit while the writer goes on,
 * and the writer reports a commit only once rd_checkpointer_durable()
 * has reached it. NULL (no error: the writer keeps SQLite's own
 * checkpoints and synced commits) when the database is not a plain file.
 * @writer is borrowed until _stop. */
RdCheckpointer *rd_checkpointer_start(RdStore *writer, const char *db_path, gboolean sync_behind);
/* The writer committed a transaction of about @bytes. Returns the
 * commit's number (1, 2, ...), for rd_checkpointer_durable; NULL gives 0. */
guint64 rd_checkpointer_committed(RdCheckpointer *ck, gsize bytes);
/* The highest commit number known to be on disk, in *@durable_r. Without
 * sync_behind (and for NULL) every commit is, as COMMIT itself synced it.
 * FALSE with @error once the log could not be synced (or copied): nothing
 * committed after the last good sync can be called durable any more, and
 * the writer should stop. */
gboolean rd_checkpointer_durable(RdCheckpointer *ck, guint64 *durable_r, GError **error);
/* Wait until commit @commit is on disk. If the thread never started, the
 * writer syncs its own log here (and, from then on, after each commit).
 * FALSE with @error as for rd_checkpointer_durable. */
gboolean rd_checkpointer_wait_durable(RdCheckpointer *ck, guint64 commit, GError **error);
/* Call before each BEGIN: now and then waits (briefly) for the copy to
 * catch up, so that this transaction starts the log again from its first
 * frame instead of making it longer. NULL is a no-op. */
void rd_checkpointer_before_begin(RdCheckpointer *ck);
/* Seconds the writer spent waiting in rd_checkpointer_before_begin, and in
 * rd_checkpointer_wait_durable. */
double rd_checkpointer_waited(const RdCheckpointer *ck);
double rd_checkpointer_waited_durable(const RdCheckpointer *ck);
/* Make every commit durable, stop the thread, give the writer back
 * synced commits and SQLite's own checkpoints, and empty the log. Call
 * outside a transaction. NULL is a no-op. */
void rd_checkpointer_stop(RdCheckpointer *ck);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCheckpointer, rd_checkpointer_stop)

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

/* ---- message sources: files, folders, Maildirs, mbox --------------------- */

/* Called for each message found; @data is valid only during the call.
 * Return FALSE to stop. */
typedef gboolean (*RdSourceFunc)(const char *source, const char *data,
                                 gsize len, gpointer user_data);

/* Walk @path: an .eml (any single message file), a folder of message files
 * (recursively, skipping dot-files), a Maildir (cur/ and new/), or an mbox
 * (a file whose first line starts with "From "). Files are visited in
 * name order, so runs are reproducible. Unreadable files are reported via
 * @on_error (source, message) and skipped; returns FALSE only when @path
 * itself cannot be read, with @error set. */
typedef void (*RdSourceErrorFunc)(const char *source, const char *message,
                                  gpointer user_data);
gboolean rd_source_walk(const char *path, RdSourceFunc func,
                        RdSourceErrorFunc on_error, gpointer user_data,
                        GError **error);

/* List the message files under @path as rd_source_walk would visit them;
 * mbox files are listed as themselves (split later). char* elements.
 * Folders that cannot be read are logged as errors and counted in
 * *@unreadable_r (may be NULL). */
GPtrArray *rd_source_list(const char *path, guint *unreadable_r, GError **error);

/* Split an mbox buffer into messages, calling @func for each with source
 * "@mbox_path#N" (1-based). "From " lines escaped as ">From " stay as
 * they are. */
gboolean rd_source_mbox_split(const char *mbox_path, const char *data,
                              gsize len, RdSourceFunc func, gpointer user_data);

/* TRUE if the file content looks like an mbox (starts with "From "). */
gboolean rd_source_is_mbox(const char *data, gsize len);

/* ---- secrets in files (secret.c) and OAuth tokens (oauth.c) --------------- */

/* The one line of secret file @path. Refused (RD_CONFIG_ERROR) unless it
 * is a regular file, not a symlink, owned by us or root, that nobody else
 * can read or write; @what names the setting in the message. Free with
 * rd_secret_free(), which wipes it. */
char *rd_secret_read(const char *path, const char *what, GError **error);
void rd_secret_free(char *secret);
/* Replace @path with @value atomically (new file, fsync, rename, fsync of
 * the folder), mode 0600. */
gboolean rd_secret_write(const char *path, const char *value, const char *what, GError **error);

#define RD_OAUTH_ERROR (rd_oauth_error_quark())
GQuark rd_oauth_error_quark(void);
typedef enum {
	RD_OAUTH_ERROR_CONFIG,    /* keys missing or wrong, secret file unsafe */
	RD_OAUTH_ERROR_REFUSED,   /* the provider said no: a person must act */
	RD_OAUTH_ERROR_TEMPORARY, /* unreachable, TLS, 5xx: try again later */
} RdOAuthError;

/* A deep copy, its release (fields freed, @c zeroed), and whether any
 * oauth_ key is set at all. */
void rd_oauth_config_copy(RdOAuthConfig *dst, const RdOAuthConfig *src);
void rd_oauth_config_clear(RdOAuthConfig *c);
gboolean rd_oauth_config_is_set(const RdOAuthConfig *c);
/* The keys of @c make sense together (no network). @who prefixes errors,
 * e.g. "mailbox complaints". */
gboolean rd_oauth_config_check(const RdOAuthConfig *c, const char *who, GError **error);
/* The secret files of @c can be read (owner, mode) and the refresh
 * token's folder written; RD_CONFIG_ERROR otherwise. No network. */
gboolean rd_oauth_files_check(const RdOAuthConfig *c, GError **error);
/* A bearer token for @c: the cached one, or a new one from the token
 * endpoint when it is near expiry. Thread-safe. Free with rd_secret_free(). */
char *rd_oauth_access_token(const RdOAuthConfig *c, const char *who, GError **error);
/* The server refused @token: the next call asks for a new one (unless
 * another thread already got one). */
void rd_oauth_forget(const RdOAuthConfig *c, const char *token);

/* ---- IMAP source (imap.c) ------------------------------------------------ */

/* One IMAP session on one mailbox's folder, over libetpan: connect (imaps,
 * or imap with STARTTLS; plain text only when the config allows it), the
 * server certificate verified by us with GnuTLS (chain and host name)
 * before the password is sent, LOGIN, SELECT. Messages are read with
 * BODY.PEEK[], so fetching never sets \Seen; what happens to a message on
 * the server (moved to the processed folder, or flagged $RedressIngested)
 * is done only by rd_imap_finish(), which the caller runs after its commit.
 * A session may be kept open and waited on with rd_imap_wait(). */

#define RD_IMAP_ERROR (rd_imap_error_quark())
GQuark rd_imap_error_quark(void);
typedef enum {
	RD_IMAP_ERROR_CONFIG,    /* FINAL: bad URL, password file unsafe or unreadable */
	RD_IMAP_ERROR_CONNECT,   /* TEMP: server unreachable, connection lost */
	RD_IMAP_ERROR_TLS,       /* FINAL: certificate not trusted or wrong host */
	RD_IMAP_ERROR_AUTH,      /* WAIT: login refused */
	RD_IMAP_ERROR_PROTOCOL,  /* TEMP: a command failed */
	RD_IMAP_ERROR_NOT_FOUND, /* rd_imap_special_folder(): none marked */
} RdImapError;

#define RD_IMAP_KEYWORD "$RedressIngested"

typedef struct _RdImap RdImap;

/* One fetched message. */
typedef struct {
	guint32 uid;
	gint64 internal_date;    /* INTERNALDATE, Unix seconds; 0 if absent */
	GBytes *data;            /* the raw message */
} RdImapMessage;
void rd_imap_message_free(RdImapMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdImapMessage, rd_imap_message_free)

/* Connect, verify, log in and select @m's folder (@role names the mailbox
 * in messages). The password file is read here and refused if another
 * user owns it or others can read it; with imap_auth = xoauth2 a bearer
 * token is obtained (oauth.c) instead. Newly allocated; NULL on error. */
RdImap *rd_imap_open(const RdMailboxConfig *m, const char *role, GError **error);
/* The folder the server marks with special use \@use (RFC 6154, e.g.
 * "Sent": Microsoft 365's "Sent Items", Gmail's "[Gmail]/Sent Mail"),
 * from a plain LIST; NULL with RD_IMAP_ERROR_NOT_FOUND when none is. */
char *rd_imap_special_folder(RdImap *s, const char *use, GError **error);
/* The same session without SELECT or the Processed folder: for APPEND. */
RdImap *rd_imap_open_account(const RdMailboxConfig *m, const char *role, GError **error);
/* LOGOUT (best effort) and free. Accepts NULL. */
void rd_imap_close(RdImap *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdImap, rd_imap_close)

/* UIDVALIDITY of the selected folder. */
guint32 rd_imap_uidvalidity(const RdImap *s);
/* The UIDs >= @first in the folder, ascending (guint32 elements). With
 * @not_flagged, only those without RD_IMAP_KEYWORD. */
GArray *rd_imap_search(RdImap *s, guint32 first, guint32 last, gboolean not_flagged,
                       GError **error);
/* UID FETCH (BODY.PEEK[] INTERNALDATE) of @uids (@n of them); the
 * messages found, in UID order (RdImapMessage*, owned by the array). A
 * UID that no longer exists is simply absent. */
GPtrArray *rd_imap_fetch(RdImap *s, const guint32 *uids, guint n, GError **error);
/* After the caller's commit: move @uids to the processed folder (UID MOVE
 * if the server has MOVE, else UID COPY + \Deleted + UID EXPUNGE with
 * UIDPLUS, else COPY + \Deleted + EXPUNGE), or with keep_in_place set
 * RD_IMAP_KEYWORD on them. */
gboolean rd_imap_finish(RdImap *s, const guint32 *uids, guint n, GError **error);
/* Wait up to @timeout_s seconds for new mail: IDLE when the server has
 * it, else a sleep and NOOP. *@new_mail_r says whether the folder grew. */
gboolean rd_imap_wait(RdImap *s, guint timeout_s, gboolean *new_mail_r, GError **error);
/* How rd_imap_wait() waits: @use_idle FALSE polls (a sleep, then NOOP)
 * even where the server has IDLE; while @wake_fd (-1 = none) is
 * readable, a wait ends at once with TRUE and no new mail, so a daemon
 * that is stopping is not held up. The fd is borrowed. */
void rd_imap_set_wait(RdImap *s, gboolean use_idle, int wake_fd);
/* TRUE if the server advertised IDLE. */
gboolean rd_imap_has_idle(const RdImap *s);
/* APPEND @raw to @folder (created if missing) with \Seen and INTERNALDATE
 * @date (Unix seconds; 0 = the server's now): a copy of a sent letter.
 * RD_IMAP_ERROR_CONNECT when the connection broke, PROTOCOL when the
 * server refused this message (the session is still usable). */
gboolean rd_imap_append(RdImap *s, const char *folder, GBytes *raw, gint64 date, GError **error);

/* ---- fetching: IMAP into the case file (cmd_fetch.c) ------------------------ */

typedef struct {
	guint found;             /* new UIDs above the cursor at the start */
	guint fetched, stored, duplicates, new_routes;
} RdFetchCounts;

/* One fetch pass over the open session @s of @mailbox, as `redress fetch`
 * does it: resync on a new UIDVALIDITY, finish the moves a crash left
 * undone, then the new messages stored with the cursor in transactions of
 * up to 256 and moved (or flagged) after their commit; a thread of the
 * pass's own fetches and parses the next batches (at most two ahead)
 * while this one stores. One log line per message. @ckpt (may be NULL)
 * is told of every commit (rd_checkpointer_committed). When *@stop (may
 * be NULL) becomes non-zero, the pass ends once the batches already
 * fetched are committed and moved. FALSE with @error on failure; *@store_broken_r
 * is then TRUE when the database (not the server) failed. @counts_r
 * holds what was committed, even on failure. */
gboolean rd_fetch_pass(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s,
                       RdMailbox mailbox, RdCheckpointer *ckpt, const gint *stop,
                       RdFetchCounts *counts_r,
                       gboolean *store_broken_r, GError **error);

/* ---- the deadline sweep (cmd_sweep.c) -------------------------------------- */

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

/* ---- time helpers ------------------------------------------------------ */

/* Parse ISO 8601 ("2026-11-20T16:30:00Z", "2026-11-20T16:30:00+00:00",
 * "2026-11-20 16:30" in Europe/London, or a date "2026-11-20" at 09:00
 * Europe/London). FALSE if unparseable. */
gboolean rd_time_parse(const char *s, gint64 *t_r);
/* "2026-11-20 16:30" in Europe/London; newly allocated. */
char *rd_time_format_local(gint64 t);
/* "2026-11-20T16:30:00Z"; newly allocated. */
char *rd_time_format_iso(gint64 t);
/* Year of @t in Europe/London. */
int rd_time_year_local(gint64 t);

/* Where configuration and database are looked for by default. */
#define RD_DEFAULT_CONFIG "/etc/redress/redress.conf"
#define RD_DEFAULT_DB "redress.db"

/* ---- letters out: sinks and the outbox sender (sink.c, smtp.c, sender.c) -- */

/* A sink delivers one letter (an outbox row) somewhere: a folder (offline,
 * the demo and the tests) or an SMTP server. Sinks never touch the store;
 * rd_outbox_send() asks a sink for each due letter and records the
 * outcome. What a delivery attempt came to, as a retry class: */
typedef enum {
	RD_SINK_SENT,            /* delivered (SMTP 2xx, file written) */
	RD_SINK_RETRY,           /* TEMP: 4xx, network or TLS failure; try later */
	RD_SINK_FAILED,          /* FINAL: 5xx; this letter will never go */
} RdSinkStatus;

typedef struct _RdSink RdSink;

typedef struct {
	const char *name;        /* "folder", "smtp"; also the key of the
	                            delivery record in the log line */
	RdLogLevel log_level;    /* of the one line per letter sent */
	/* Deliver @row (its raw bytes, to_addr, from_addr). *@detail_r gets
	 * the delivery record on RD_SINK_SENT (the server's reply line, the
	 * file written) or what went wrong otherwise; newly allocated, never
	 * NULL. Must not log the body. */
	RdSinkStatus (*send)(RdSink *sink, const RdOutboxRow *row, char **detail_r);
	/* Release everything, then the sink itself. */
	void (*free)(RdSink *sink);
} RdSinkOps;

/* Every sink begins with this. */
struct _RdSink {
	const RdSinkOps *ops;
	gboolean keep_copy;      /* mark each sent letter's Sent-folder copy
	                            pending ([smtp] sent_mailbox) */
};

/* A sink writing each letter to DIR/<idempotency key>.eml (a temporary
 * file renamed into place), creating DIR with mode 0700 if needed. */
RdSink *rd_sink_folder_new(const char *dir, GError **error);
/* A sink delivering over SMTP with libcurl as @cfg says: STARTTLS
 * required on smtp:// unless allow_plaintext, certificates always
 * verified, AUTH with the password from password_file, which is refused
 * unless it is a regular file that group and others cannot read.
 * NULL with RD_CONFIG_ERROR when the settings cannot work. */
RdSink *rd_sink_smtp_new(const RdSmtpConfig *cfg, GError **error);
RdSinkStatus rd_sink_send(RdSink *sink, const RdOutboxRow *row, char **detail_r);
const char *rd_sink_name(const RdSink *sink);
void rd_sink_free(RdSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdSink, rd_sink_free)

/* The wait before the next attempt after @attempts failed ones: 1 min,
 * 2, 4, … capped at 1 hour. */
gint64 rd_outbox_backoff(gint64 attempts);

/* Called after each letter with its outcome (@detail as recorded). */
typedef void (*RdSendFunc)(const RdOutboxRow *row, RdSinkStatus status, const char *detail,
                           gpointer user_data);

typedef struct {
	guint sent, retry, failed;
} RdSendCounts;

/* Deliver every letter due at @now through @sink, each with its own
 * transaction: sent → marked sent with the delivery record and time, the
 * stage's ack_sent set for an acknowledgement, a "letter-sent" event and
 * one log line; temporary failure → next try after rd_outbox_backoff(),
 * unless @retry_for seconds have passed since it was queued, which makes
 * it a permanent failure; permanent failure → marked failed with a
 * "letter-failed" event on the case. Letters retried in this run are not
 * tried again in it. @stop (may be NULL) is read atomically before each
 * letter: once it is non-zero no further letter is started (the one in
 * hand is finished and recorded). FALSE only when the store fails. */
gboolean rd_outbox_send(RdStore *store, RdSink *sink, gint64 now, gint64 retry_for,
                        const gint *stop, RdSendFunc func, gpointer user_data,
                        RdSendCounts *counts_r, GError **error);

/* Append a copy of each sent letter whose copy is pending to the Sent
 * folder of [smtp] sent_mailbox (sentcopy.c): one IMAP session for the
 * run, each copy recorded done as it goes; on failure the rest wait for
 * the next run, and a copy still not made @retry_for seconds after its
 * letter went is recorded failed. Nothing to do without sent_mailbox.
 * *@n_r counts the copies made. FALSE (with @error) when the IMAP side or
 * the store failed; what was done is kept. */
gboolean rd_sent_copies_run(RdStore *store, const RdConfig *cfg, gint64 now, const gint *stop,
                            guint *n_r, GError **error);

/* ---- subcommands (argv without the program name) ---------------------------- */

typedef struct {
	const char *config_path;  /* --config, or NULL */
	const char *db_path;      /* --db, or NULL */
	gboolean json;            /* --json */
	gboolean quiet;           /* --quiet */
} RdGlobalOptions;

int rd_cmd_ingest(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_cases(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_show(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_triage(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_config(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_outbox(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_letters(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_case(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_sweep(const RdGlobalOptions *g, int argc, char **argv);
/* `redress fetch`: every IMAP mailbox (or those named) once (fetch.c). */
int rd_cmd_fetch(const RdGlobalOptions *g, int argc, char **argv);
/* `redress daemon`: watchers, sender and sweep on timers (cmd_daemon.c). */
int rd_cmd_daemon(const RdGlobalOptions *g, int argc, char **argv);
/* `redress status`: what the daemon last recorded (cmd_status.c). */
int rd_cmd_status(const RdGlobalOptions *g, int argc, char **argv);

/* Find the configuration as the subcommands do (--config, $REDRESS_CONFIG,
 * /etc/redress/redress.conf if it exists, else defaults) and load it,
 * printing what to fix on failure (NULL). */
RdConfig *rd_config_load_global(const RdGlobalOptions *g);
/* The file rd_config_load_global() reads, or NULL for the defaults. */
const char *rd_config_path_global(const RdGlobalOptions *g);

/* Shared by the subcommands: load the config and open the store, printing
 * a clear error on failure. Returns an exit code; on RD_EXIT_OK both out
 * parameters are set, and *@db_path_r (if not NULL) gets the database
 * path used (newly allocated). */
int rd_open_config_and_store(const RdGlobalOptions *g, RdConfig **cfg_r,
                             RdStore **store_r, char **db_path_r);

/* ---- working-day calendar: loading and commands (holidays.c, cmd_calendar.c) */

#define RD_HOLIDAYS_ERROR (rd_holidays_error_quark())
GQuark rd_holidays_error_quark(void);
typedef enum { RD_HOLIDAYS_ERROR_INVALID, RD_HOLIDAYS_ERROR_IO } RdHolidaysError;

/* A calendar for @nation from configuration values: the official
 * bank-holidays JSON at @json_path (NULL or "": computed rules only) and
 * the closure days @closures ("YYYY-MM-DD" strings, NULL-terminated; may
 * be NULL). Every year with at least one event for @nation in the file is
 * covered by it. Errors name the file and what to fix. Newly allocated;
 * free with rd_calendar_free(). */
RdCalendar *rd_calendar_load(RdNation nation, const char *json_path,
                             char **closures, GError **error);
/* Add the events of @cal's nation from the bank-holidays JSON file @path,
 * or from @data (@len bytes, or -1 if NUL-terminated; @name is used in
 * errors). Checked in full first: on error @cal is unchanged. */
gboolean rd_calendar_load_json(RdCalendar *cal, const char *path,
                               GError **error);
gboolean rd_calendar_load_json_data(RdCalendar *cal, const char *data,
                                    gssize len, const char *name,
                                    GError **error);
/* Add closure days ("YYYY-MM-DD", surrounding blanks and empty strings
 * ignored). Stops at the first bad date. */
gboolean rd_calendar_add_closures(RdCalendar *cal, char **closures,
                                  GError **error);
/* Log (info) which years come from the file @json_path (may be NULL) and
 * that the others are computed. */
void rd_calendar_log_sources(const RdCalendar *cal, const char *json_path);
/* Log (info) where @year's bank holidays come from. */
void rd_calendar_log_year(const RdCalendar *cal, int year);

/* `redress holidays YEAR` and `redress workdays add DATE N`. */
int rd_cmd_holidays(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_workdays(const RdGlobalOptions *g, int argc, char **argv);

G_END_DECLS

#endif /* RD_DAEMON_H */
