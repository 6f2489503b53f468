/*
 * base.h — the ground floor of the program: exit codes, logging, the
 * configuration and the checks of what it names before a command uses
 * it, secrets in files, time helpers and the working-day calendar's
 * loading from files.
 *
 * Every other room of daemon/ stands on this one; it calls none of them.
 * It does file I/O (the configuration, secret files, CA files, the
 * bank-holidays file, the templates folder's presence) but no network and
 * no database.
 */
#ifndef RD_BASE_H
#define RD_BASE_H

#include <glib.h>
#include "parsers.h"
#include "procedure.h"

G_BEGIN_DECLS

/* ---- exit codes --------------------------------------------------------- */

enum {
	RD_EXIT_OK = 0,
	RD_EXIT_USAGE = 1,     /* bad usage or bad input; the message says what to do */
	RD_EXIT_INTERNAL = 2,  /* the database or the system failed */
	RD_EXIT_ATTENTION = 3, /* `redress status`: something needs a person */
};

/* The version of this build, e.g. "0.9+git.3511f5b0c2" (version.c). */
const char *rd_version(void);

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
	                            office named in the referral letter, without
	                            an article ("Chief Executive"): the letters
	                            put "the" (Welsh "y"/"'r") where it goes */
	char *office_name_cy;    /* its name in Welsh letters ("Prif Weithredwr") */
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
	guint alert_after;       /* seconds a mailbox or the SMTP server may fail
	                            before an alert mail, default 1800 */
} RdDaemonConfig;

/* [surveys]: satisfaction surveys after a case's final response
 * (casework/surveys.c, README "Satisfaction surveys"). */
typedef struct {
	gboolean enabled;        /* default FALSE */
	guint delay;             /* working days after the final response, default 5 */
	guint expire_after;      /* working days after sending that a reply
	                            still counts, default 20 */
	char **profiles;         /* procedure profiles surveyed, lower case;
	                            empty (the default): every profile */
	gboolean staff;          /* also ask the case's handlers, default FALSE */
} RdSurveysConfig;

/* [reports]: the oversight reports the daemon sends by itself
 * (service/reports.c, README "Scheduled reports"). */
typedef struct {
	char **recipients;       /* lower case, NULL-terminated; empty: no
	                            scheduled reports */
	gboolean quarterly;      /* after each calendar quarter (default TRUE) */
	gboolean annual;         /* after each financial year, 1 April to
	                            31 March (default TRUE) */
	char *sets;              /* which figures, as written, for
	                            rd_report_sets_parse(); default "all" */
	guint send_after_days;   /* working days after the period's last day
	                            before it is sent, default 5 */
	/* The LGSCO / HOS annual report's parts written by people, as plain
	 * text files included in it (NULL: a marked gap): */
	char *self_assessment;   /* the council's self-assessment against the Code */
	char *ombudsman_letter;  /* the Ombudsman's annual letter to the council */
	char *governance;        /* who responds to the report (the Member
	                            Responsible for Complaints, a committee):
	                            named in the governance slot */
} RdReportsConfig;

/* [retention] and [retention:PROFILE]: how long a closed case's personal
 * data is kept (README "Retention"). */
typedef struct {
	RdRetentionPeriod keep_for;  /* default 6y */
	GHashTable *profiles;    /* profile name → RdRetentionPeriod*: the
	                            [retention:NAME] keep_for overrides */
	gboolean mailbox_copies; /* purge_mailbox_copies: expunge the IMAP
	                            copies of purged mail too (default FALSE) */
	guint schedule_days;     /* schedule: the daemon purges every this many
	                            days (1 daily, 7 weekly, 30 monthly); 0 off
	                            (the default) */
} RdRetentionConfig;

/* [staff:ADDRESS]: a member of staff who may act on cases from their own
 * mail client (docs/staff-by-email.md). */
typedef enum {
	RD_STAFF_HANDLER = 0,        /* works the cases of their services */
	RD_STAFF_COMPLAINTS_MANAGER, /* any case; may hold past the cap (#holding!) */
	RD_STAFF_STAGE2_MANAGER,     /* any case; decides Stage 2 requests */
} RdStaffRole;

/* "handler", "complaints-manager", "stage2-manager". */
const char *rd_staff_role_to_string(RdStaffRole r);

typedef struct {
	char *email;             /* lower case: the group's address */
	char *name;              /* may be NULL */
	RdStaffRole role;
	char **services;         /* lower case; empty: every service */
	char **also;             /* other addresses of the same person, lower case */
	guint line;              /* where its group starts, for messages */
} RdStaffMember;

/* [staff_auth]: when mail from a staff address is believed. */
typedef struct {
	char *policy_text;       /* as written, e.g. "authentication-results+token" */
	guint policy;            /* RdStaffAuthPolicy bits; 0 when no [staff:] group */
	char **trusted_ids;      /* trusted_authserv_ids, lower case */
	char **domains;          /* the council's mail domains, lower case
	                            (default: [council] domain) */
	gboolean by_service;     /* restrict_to_services: a handler acts only on
	                            cases of their services (or unassigned ones) */
} RdStaffAuthConfig;

/* Immutable after load; passed explicitly, never global. */
typedef struct {
	char *path;              /* file it came from, or NULL for defaults */
	struct _RdConfigFile *file; /* where each group and key is in that
	                            file, for messages (rd_config_where);
	                            NULL for defaults */
	char *database;          /* [redress] database */
	char *reference_prefix;  /* [redress] reference_prefix, default "CMP" */
	RdParseOptions limits;   /* [limits] (ref_prefix points at reference_prefix) */
	char **stage2_phrases;   /* [procedure] stage2_phrases, lower case */
	char **causes;           /* [procedure] causes: the root-cause
	                            categories #cause takes, as written */
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
	guint council_population; /* for figures per 1,000 people; 0 unknown */
	char *it_contact;        /* [council] it_contact: who gets alerts (else
	                            complaints_manager) */
	RdMailboxConfig mailboxes[RD_MAILBOX_N];
	/* [letters] */
	char *templates_dir;     /* default: the installed or source templates */
	char *default_language;  /* "en" */
	guint daily_cap;         /* letters to one address per day, default 5;
	                            also cases opened for one sender per day */
	guint loop_window_hours; /* the same text again within this: a loop (6; 0 off) */
	guint loop_quick_seconds; /* an answer this soon after our letter … (60) */
	guint loop_quick_max;    /* … more than this often in a day: a loop (2; 0 off) */
	guint notice_attachments_mb; /* the complainant's files sent on with
	                            staff notices, MiB in all (10; 0 none) */
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
	/* [reports] */
	RdReportsConfig reports;
	/* [surveys] */
	RdSurveysConfig surveys;
	/* [staff:ADDRESS] groups (RdStaffMember*, in file order) and [staff_auth] */
	GPtrArray *staff;
	RdStaffAuthConfig staff_auth;
	/* [retention], [retention:PROFILE] */
	RdRetentionConfig retention;
} RdConfig;

/* The retention period for a case of @profile (may be NULL): its
 * [retention:NAME] keep_for, else [retention] keep_for. Borrowed from
 * @cfg. */
const RdRetentionPeriod *rd_config_retention_period(const RdConfig *cfg, const char *profile);

/* The member of staff whose address (or one of whose `also` addresses)
 * is @email (any case), or NULL. */
const RdStaffMember *rd_config_staff_member(const RdConfig *cfg, const char *email);

/* Load @path (NULL: the built-in defaults, no file). Every problem is
 * reported as "FILE:LINE: message" lines in the error, all at once. */
RdConfig *rd_config_load(const char *path, GError **error);
/* Read @path as rd_config_load() does, adding each problem to @errs as a
 * line "FILE:LINE: message\n", but return what could be read even when
 * there are problems: for `redress config check`, which goes on to check
 * the files that configuration names. Never run on a configuration that
 * had problems. NULL (the reason in @errs) only when the file cannot be
 * read at all. */
RdConfig *rd_config_read(const char *path, GString *errs);
/* "FILE:LINE" of key @key in [@group] (@key NULL: of the group's header)
 * of @cfg's file, for messages: the line of the key, else of its group,
 * else FILE alone; "(built-in defaults)" without a file. Newly allocated. */
char *rd_config_where(const RdConfig *cfg, const char *group, const char *key);
/* The profile a [profile:NAME] group of @cfg describes (its "base" first,
 * then its other keys). Owned by the caller. */
RdProfile *rd_config_profile_new(const RdConfig *cfg, const char *name, GError **error);
void rd_config_free(RdConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdConfig, rd_config_free)

/* ---- checking what a command will use (config-check.c) -------------------- */

/* The checks a command makes before it uses a part of the configuration
 * (`fetch` a mailbox, `outbox send` the SMTP server, `daemon` all of
 * them), and `redress config check` on every part: keys that must go
 * together, and the files the configuration names — secret files read as
 * rd_secret_read() reads them, CA certificates (PEM), the bank-holidays
 * list, the templates folder. No network. Each problem is added to @errs
 * as a line "FILE:LINE: [group] what is wrong — what to do" (the line of
 * the key concerned, or of its group when a key is missing); TRUE if
 * there was none. A key already refused by rd_config_read() is not
 * reported again. */
/* [mailbox:@role]'s IMAP account (imap_url and what goes with it). */
gboolean rd_config_check_mailbox(const RdConfig *cfg, RdMailbox role, GString *errs);
/* [smtp] (its url must be set) and the IMAP account of sent_mailbox. */
gboolean rd_config_check_smtp(const RdConfig *cfg, GString *errs);
/* [calendar]: the bank-holidays file loads, the closures are dates. */
gboolean rd_config_check_calendar(const RdConfig *cfg, GString *errs);
/* [letters] templates, when set, is a folder redress can read (the
 * templates in it are casework's to check: rd_letters_new()). */
gboolean rd_config_check_letters(const RdConfig *cfg, GString *errs);
/* All of them: calendar, letters, every mailbox with an imap_url, and
 * [smtp] when it has a url. */
gboolean rd_config_check_files(const RdConfig *cfg, GString *errs);
/* The working-day calendar @cfg describes; an error says FILE:LINE as
 * above. Newly allocated. */
RdCalendar *rd_config_calendar(const RdConfig *cfg, GError **error);
/* The same checks of one mailbox's IMAP settings (@role names its group)
 * and of [smtp], for the network rooms' own defence: the first problem,
 * in the same words without FILE:LINE (RD_CONFIG_ERROR). */
gboolean rd_mailbox_config_check(const RdMailboxConfig *m, RdMailbox role, GError **error);
gboolean rd_smtp_config_check(const RdSmtpConfig *c, GError **error);

/* imap_url split up (config-keys.c): the one reading of it, shared by the
 * configuration's checks and the IMAP source. */
typedef struct {
	char *host;
	guint16 port;            /* 993 for imaps, 143 for imap, unless given */
	char *folder;            /* "INBOX" when the URL has no path */
	gboolean imaps;          /* TLS from the start; else STARTTLS (or, with
	                            imap_allow_plaintext, none) */
} RdImapUrl;
/* Split @url into @u_r (may be NULL: only check it); RD_CONFIG_ERROR
 * saying what an imap_url must look like if it is not one. Free the
 * fields with rd_imap_url_clear(). */
gboolean rd_imap_url_parse(const char *url, RdImapUrl *u_r, GError **error);
void rd_imap_url_clear(RdImapUrl *u);

/* ---- secrets in files (secret.c) and OAuth settings (oauthcfg.c) --------- */

/* The one line of secret file @path. Refused (RD_CONFIG_ERROR) unless it
 * is a regular file, not a symlink, owned by us or root, that nobody else
 * can read or write; the message starts "@what @path: " (@what names the
 * setting) and says how to fix it. Free with rd_secret_free(), which
 * wipes it. */
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
/* The keys of @c make sense together (no network; the files are
 * rd_config_check_mailbox()'s and rd_config_check_smtp()'s).
 * RD_OAUTH_ERROR_CONFIG with the first problem, prefixed by @who, e.g.
 * "mailbox complaints". */
gboolean rd_oauth_config_check(const RdOAuthConfig *c, const char *who, GError **error);

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

/* ---- working-day calendar: loading from files (holidays.c)  */

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

G_END_DECLS

#endif /* RD_BASE_H */
