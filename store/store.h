/*
 * store.h — the SQLite case file.
 *
 * This is the only public header of store/. All SQL lives in store/; every
 * statement is prepared once at open and reset after use. The schema is
 * versioned with PRAGMA user_version and migrated forward at open.
 *
 * Connection: WAL journal, foreign keys on, busy timeout 5 s,
 * synchronous=FULL (a commit that returned is on disk). One RdStore per
 * thread; never share one between threads.
 *
 * Transactions: the caller brackets a unit of work with rd_store_begin() /
 * rd_store_commit() (or rd_store_rollback()). Calls made outside a
 * transaction run in their own implicit one. Nested begin is a bug.
 *
 * Errors: functions that can fail take GError **error last and return
 * FALSE / 0 / NULL with the error set (domain RD_STORE_ERROR). "Not found"
 * is not an error, and a caller never has to look at *error to tell them
 * apart: a lookup returns a gboolean that is FALSE only on failure and
 * puts what it found in an out parameter (NULL, 0 or *found_r FALSE when
 * there is nothing).
 *
 * Times are seconds since the epoch (UTC), stored as INTEGER. Dates
 * (deadlines) are "YYYY-MM-DD" strings in Europe/London.
 */
#ifndef RD_STORE_H
#define RD_STORE_H

#include <glib.h>

G_BEGIN_DECLS

#define RD_STORE_ERROR (rd_store_error_quark())
GQuark rd_store_error_quark(void);

typedef enum {
	RD_STORE_ERROR_OPEN,      /* cannot open or create the file */
	RD_STORE_ERROR_SCHEMA,    /* newer schema than this binary, or a
	                             migration failed */
	RD_STORE_ERROR_BUSY,      /* locked longer than the busy timeout */
	RD_STORE_ERROR_CONSTRAINT,/* a uniqueness or foreign-key rule */
	RD_STORE_ERROR_NOT_FOUND, /* an update named a row that does not exist */
	RD_STORE_ERROR_FAILED,    /* anything else SQLite reported */
	RD_STORE_ERROR_MISSING,   /* read-only open: no database there yet */
	RD_STORE_ERROR_OUTDATED,  /* read-only open: an older schema, which
	                             only a writer may upgrade */
	RD_STORE_ERROR_DAEMON_RUNNING, /* a daemon holds the database's lock */
	RD_STORE_ERROR_DEST,      /* backup: the destination exists, or its
	                             folder cannot be written */
	RD_STORE_ERROR_DAMAGED,   /* a file fails its checks (integrity,
	                             foreign keys, not a redress database) */
} RdStoreError;

#define RD_STORE_SCHEMA_VERSION 14

typedef struct _RdStore RdStore;

/* Open (creating if needed, with mode 0600) the database at @path and
 * migrate it to RD_STORE_SCHEMA_VERSION. ":memory:" works for tests.
 *
 * Safe with any number of processes and threads opening the same file at
 * once: the first-time set-up (creating the file, the switch to WAL, the
 * schema and its migrations) runs under an exclusive lock on
 * "@path.lock" (lock.c), one opener at a time, each looking again at what
 * is left to do once it holds the lock; SQLITE_BUSY during set-up is
 * retried for up to a minute. A file already set up is opened without
 * taking that lock. */
RdStore *rd_store_open(const char *path, GError **error);
/* Open the database at @path for reading only: never creates the file,
 * never switches it to WAL, never migrates it, never writes. Fails with
 * RD_STORE_ERROR_MISSING when there is no database there (or an empty
 * one, never set up), RD_STORE_ERROR_OUTDATED when its schema is older
 * than RD_STORE_SCHEMA_VERSION (only a writer may upgrade it), and
 * RD_STORE_ERROR_SCHEMA when it is newer. A set-up in progress in another
 * process is waited for. Every write through the returned store fails.
 * Reading a WAL file still needs its -shm file: the folder must be
 * writable by the caller, or the -wal and -shm files must exist already. */
RdStore *rd_store_open_readonly(const char *path, GError **error);
void rd_store_close(RdStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdStore, rd_store_close)

/* ---- the daemon's lock ------------------------------------------------- */

/* Held by `redress daemon` for its whole life: no second daemon, and no
 * restore, can run on the same database meanwhile. It never blocks other
 * commands (ingest, fetch, status). */
typedef struct _RdStoreLock RdStoreLock;
/* Take the daemon's lock on the database at @path (the lock file
 * "@path.lock" is created if needed, with this process's pid written in
 * it). Fails at once with RD_STORE_ERROR_DAEMON_RUNNING, naming the
 * running daemon's pid, if another process holds it. */
RdStoreLock *rd_store_lock_daemon(const char *path, GError **error);
void rd_store_lock_free(RdStoreLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdStoreLock, rd_store_lock_free)
/* Is a daemon holding @path's lock? 1 yes (*@pid_r its pid, 0 if it has
 * not written it yet), 0 no, -1 cannot tell (the lock file cannot be
 * read; @error set). @pid_r may be NULL. */
int rd_store_daemon_running(const char *path, gint64 *pid_r, GError **error);

/* The schema version found in the file before migration (0 = new). */
int rd_store_schema_version_at_open(RdStore *store);

/* FALSE, with an RD_STORE_ERROR_OPEN that says so, names the file and
 * says what to do, when the database could only be opened for reading:
 * SQLite falls back to reading a file its user may not write (chmod 444,
 * another owner), and every write would then fail on its own, one
 * message at a time. For what writes, before it starts. */
gboolean rd_store_check_writable(RdStore *store, GError **error);

gboolean rd_store_begin(RdStore *store, GError **error);   /* BEGIN IMMEDIATE */
gboolean rd_store_commit(RdStore *store, GError **error);
void rd_store_rollback(RdStore *store);                    /* never fails */
/* A read transaction (BEGIN DEFERRED, its snapshot taken at once): what
 * is read until rd_store_read_end() is one consistent state of the case
 * file, while writers go on (WAL). Not inside another transaction. */
gboolean rd_store_read_begin(RdStore *store, GError **error);
void rd_store_read_end(RdStore *store);                    /* never fails */
/* A part of the open transaction that can be undone alone (a SAVEPOINT;
 * not nested): each staff command of one mail is tried in its own part,
 * so a refused one leaves nothing while the others and the mail commit
 * together. rd_store_part_end() keeps (@keep) or undoes the part. */
gboolean rd_store_part_begin(RdStore *store, GError **error);
gboolean rd_store_part_end(RdStore *store, gboolean keep, GError **error);

/* WAL checkpoints. By default SQLite copies the write-ahead log into the
 * database file from inside the committing thread once the log passes
 * 1000 pages. A bulk writer can turn that off (@pages 0) and let another
 * connection, on another thread, call rd_store_checkpoint() instead, so
 * the copying runs beside the writes rather than between them. */
gboolean rd_store_set_autocheckpoint(RdStore *store, int pages, GError **error);
/* Copy what the log holds into the database without blocking writers
 * (@truncate FALSE), or wait for them and empty the log (@truncate TRUE).
 * @caught_up_r (may be NULL) is set TRUE when, afterwards, every frame in
 * the log is also in the database: the next writer to begin a transaction
 * then writes the log from its start again instead of making it longer. A
 * checkpoint that met another one in the way returns TRUE with FALSE
 * there. */
gboolean rd_store_checkpoint(RdStore *store, gboolean truncate,
                             gboolean *caught_up_r, GError **error);

/* Durability of commits. By default (@synced TRUE) a COMMIT returns only
 * once the log is on disk (synchronous=FULL). A bulk writer may set
 * @synced FALSE for its own connection: COMMIT then only writes the log,
 * and the commit is durable once some connection to the same database
 * has called rd_store_sync_log() after it. The writer must report nothing
 * as stored before then. Other connections are not affected. */
gboolean rd_store_set_synced_commits(RdStore *store, gboolean synced, GError **error);
/* TRUE when this connection's COMMITs sync (synchronous FULL or EXTRA). */
gboolean rd_store_synced_commits(RdStore *store);
/* Flush the write-ahead log to disk (fsync), through this connection's
 * own handle on it, so that every transaction any connection committed
 * before the call is durable when it returns. Safe to call from the
 * connection's thread while another connection writes. */
gboolean rd_store_sync_log(RdStore *store, GError **error);

/* ---- settings (key/value, e.g. the token key) ------------------------ */

/* *@value_r: the value (newly allocated), or NULL if unset. */
gboolean rd_store_setting_get(RdStore *store, const char *key, char **value_r, GError **error);
gboolean rd_store_setting_set(RdStore *store, const char *key,
                              const char *value, GError **error);

/* ---- raw message bytes (content-addressed, stored once) -------------- */

/* Insert the bytes under @sha256 unless already present. */
gboolean rd_store_raw_put(RdStore *store, const char *sha256,
                          const void *data, gsize len, GError **error);
/* *@bytes_r: the bytes, or NULL if absent. */
gboolean rd_store_raw_get(RdStore *store, const char *sha256, GBytes **bytes_r, GError **error);

/* ---- people ---------------------------------------------------------- */

/* Id of the person with @email (lower case), creating them if needed.
 * @name, if given and the person has none yet, is recorded. */
gint64 rd_store_person_ensure(RdStore *store, const char *email,
                              const char *name, GError **error);

/* ---- cases ----------------------------------------------------------- */

typedef struct {
	gint64 id;
	char *reference;        /* "CMP-2026-000123" */
	char *state;            /* rd_case_state_to_string() values */
	char *channel;          /* "email", "chief-executive", … */
	char *service;          /* NULL until known */
	char *complainant_email;
	char *complainant_name; /* may be NULL */
	char *representative_email; /* may be NULL */
	char *handler;          /* staff email, or NULL (the team) */
	char *language;         /* "en" or "cy" */
	char *profile;          /* procedure profile name, may be NULL */
	char *flags;            /* comma-separated, e.g. "elected-member"; may be NULL */
	char *summary;          /* subject of the opening message, may be NULL */
	gint64 group_id;        /* 0 if not in a group */
	gint64 opened_at;
	gint64 updated_at;
	/* What the oversight reports count (schema 9); NULL until recorded. */
	char *cause;            /* root-cause category, as configured */
	char *remedy;           /* the remedy or apology given, in a few words */
	char *ombudsman_referred; /* YYYY-MM-DD the council learned of a referral */
	char *ombudsman_decided;  /* YYYY-MM-DD the Ombudsman decided */
	char *ombudsman_outcome;  /* its finding: rd_ombudsman_outcome names */
} RdCase;

void rd_case_free(RdCase *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCase, rd_case_free)

typedef struct {
	const char *prefix;       /* reference prefix, e.g. "CMP" */
	int year;                 /* reference year (Europe/London) */
	const char *channel;
	const char *complainant_email;
	const char *complainant_name; /* may be NULL */
	const char *language;     /* "en" or "cy"; NULL = "en" */
	const char *summary;      /* may be NULL */
	const char *profile;      /* procedure profile; NULL = decided later */
	gint64 opened_at;
} RdCaseNew;

/* Allocate the next reference for (prefix, year) — numbers start at 1 and
 * never repeat — and insert the case in state "stage1" with its Stage 1
 * row (received = opened_at). Must run inside a transaction so that the
 * number is given out only if the case is committed. */
RdCase *rd_store_case_create(RdStore *store, const RdCaseNew *n,
                             GError **error);

/* One case into *@case_r (owned by the caller), or NULL when there is
 * none. By row id: */
gboolean rd_store_case_get(RdStore *store, gint64 id, RdCase **case_r, GError **error);
/* By exact match on the canonical reference: */
gboolean rd_store_case_get_by_ref(RdStore *store, const char *ref, RdCase **case_r,
                                  GError **error);
/* The case owning a message (incoming or sent) with this Message-ID: */
gboolean rd_store_case_get_by_message_id(RdStore *store, const char *msgid, RdCase **case_r,
                                         GError **error);
/* *@is_party_r: TRUE if @email is the complainant, representative or
 * handler of the case, or has sent a message recorded on it as staff. */
gboolean rd_store_case_has_party(RdStore *store, gint64 case_id,
                                 const char *email, gboolean *is_party_r, GError **error);
/* Cases whose complainant is @email and whose state is "stage1-closed",
 * most recently updated first. RdCase* elements, free func set. */
/* Subject access: every case @email (any case) is the complainant or
 * the representative of, oldest first. RdCase* elements. */
GPtrArray *rd_store_cases_for_person(RdStore *store, const char *email, GError **error);
GPtrArray *rd_store_cases_closed_stage1_for(RdStore *store, const char *email,
                                            GError **error);

typedef enum {
	RD_CASES_ALL = 0,
	RD_CASES_OPEN,      /* state stage1 or stage2 */
} RdCasesFilter;

/* Cases, newest first. RdCase* elements, free func set. */
GPtrArray *rd_store_cases_list(RdStore *store, RdCasesFilter filter,
                               GError **error);

/* Set the state (and updated_at). */
gboolean rd_store_case_set_state(RdStore *store, gint64 case_id,
                                 const char *state, gint64 at, GError **error);
/* The case's complainant is now the person with @email (created if
 * needed); @name, if given, becomes that person's name (a correction, so
 * it replaces one already known). */
gboolean rd_store_case_set_complainant(RdStore *store, gint64 case_id, const char *email,
                                       const char *name, gint64 at, GError **error);
/* Set one text column: "service", "handler", "language", "profile",
 * "flags", "representative_email", "cause", "remedy",
 * "ombudsman_referred", "ombudsman_decided", "ombudsman_outcome". Any
 * other column is a bug. */
gboolean rd_store_case_set_field(RdStore *store, gint64 case_id,
                                 const char *column, const char *value,
                                 gint64 at, GError **error);

/* ---- stages ---------------------------------------------------------- */

typedef struct {
	gint64 id;
	gint64 case_id;
	int stage;              /* 1 or 2 */
	gint64 opened_at;
	char *received;         /* YYYY-MM-DD, day the clock counts from */
	char *ack_due, *ack_sent, *response_due, *dept_notice_due,
	     *extended_to, *extension_reason, *responded, *outcome, *closed;
	char *handler;
	char *next_check;       /* YYYY-MM-DD: when the sweep next looks; NULL never */
	char *response_sent;    /* YYYY-MM-DD its response letter left redress
	                           (the sender sets it), or NULL */
} RdStage;

void rd_stage_free(RdStage *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdStage, rd_stage_free)

/* Stages of a case, stage 1 first. RdStage* elements, free func set. */
GPtrArray *rd_store_stages_for_case(RdStore *store, gint64 case_id,
                                    GError **error);
/* Every stage of every case, by case id then stage (RdStage*): what the
 * oversight reports count. */
GPtrArray *rd_store_stages_all(RdStore *store, GError **error);

/* ---- what the reports read (report.c) --------------------------------- */

/* One stage of a case as the reports read it (report_case, schema
 * version 11). Days are GDate day numbers (g_date_get_julian(); 1 is
 * 1 January of year 1), 0 when not set or not a day; words are ids into
 * RdReportRow.words, 0 when NULL. */
typedef struct {
	gboolean present;         /* the stage has a row */
	gboolean extended;        /* extended_to is set (a day or not) */
	guint32 received;
	guint32 responded;        /* response_sent when set, else responded */
	guint32 ack_due, ack_sent, response_due, extended_to, closed;
	guint32 outcome;          /* word id */
} RdReportStageRow;

/* One case as the oversight reports read it: integers but for the
 * reference, which is borrowed from SQLite and valid only during the
 * call it is passed to. */
typedef struct {
	gint64 case_id;
	gboolean has_case;        /* FALSE: no cases row (the case's fields 0) */
	const char *reference;    /* NULL when there is no cases row */
	guint32 service, channel, profile, cause, ombudsman_outcome; /* word ids */
	gboolean elected_member;  /* flags holds "elected-member" */
	gboolean remedy;          /* remedy set and not empty */
	guint32 ombudsman_referred, ombudsman_decided; /* days */
	RdReportStageRow stage[2];/* Stage 1, Stage 2 */
	/* The words by id, for the whole pass: words[id] (NULL at 0), id <
	 * n_words. */
	const char *const *words;
	guint n_words;
	gsize cases_hint;         /* about how many cases will come (for sizing) */
} RdReportRow;

/* Called once per case; FALSE stops the reading (no error is set). */
typedef gboolean (*RdReportRowFunc)(const RdReportRow *row, gpointer user_data);

/* Every case with at least one stage row, by case id, in one read
 * transaction (or the caller's). TRUE when every case was passed (or
 * @func stopped it). */
gboolean rd_store_report_rows(RdStore *store, RdReportRowFunc func, gpointer user_data, GError **error);
/* The same for the cases with at least one day the reports count (a
 * stage's received, ack_due, ack_sent, response_due, extended_to,
 * responded (or response_sent) or closed; the Ombudsman's referral or
 * decision) from day @first to day @last (GDate day numbers, both
 * included): exactly those, by case id. Served by report_case's index
 * (schema version 11): the cost follows the cases in the period, not the
 * file. */
gboolean rd_store_report_rows_between(RdStore *store, guint32 first, guint32 last, RdReportRowFunc func,
                                      gpointer user_data, GError **error);
/* Add a stage row (used when Stage 2 opens). Returns its id. */
gint64 rd_store_stage_open(RdStore *store, gint64 case_id, int stage,
                           gint64 opened_at, const char *received,
                           GError **error);

/* Set one text column of the @stage row of a case: "received", "next_check", "ack_due", "ack_sent",
 * "response_due", "dept_notice_due", "extended_to", "extension_reason",
 * "responded", "outcome", "closed", "handler", "response_sent" (dates as YYYY-MM-DD; NULL
 * clears). Any other column is a bug. FALSE + RD_STORE_ERROR_NOT_FOUND if
 * the case has no such stage. */
gboolean rd_store_stage_set_field(RdStore *store, gint64 case_id, int stage,
                                  const char *column, const char *value,
                                  GError **error);

/* A stage's clock in one statement, for a stage that has just opened:
 * received, ack_due, response_due, dept_notice_due and next_check (dates
 * as YYYY-MM-DD; NULL clears). Five rd_store_stage_set_field() calls
 * would do the same; ingest sets a clock for every new case. FALSE +
 * RD_STORE_ERROR_NOT_FOUND if the case has no such stage. */
gboolean rd_store_stage_set_clock(RdStore *store, gint64 case_id, int stage,
                                  const char *received, const char *ack_due,
                                  const char *response_due,
                                  const char *dept_notice_due,
                                  const char *next_check, GError **error);

/* A stage of a case, by id and number. */
typedef struct {
	gint64 case_id;
	int stage;
} RdStageRef;

/* Stages whose next_check is on or before @day (YYYY-MM-DD), soonest
 * first, at most @limit: what the deadline sweep must look at. An index
 * probe, however many cases are open. GArray of RdStageRef. */
GArray *rd_store_stages_due(RdStore *store, const char *day, guint limit, GError **error);
/* Every stage still owed a response (not responded, not closed) on an
 * open case. GArray of RdStageRef. */
GArray *rd_store_stages_open(RdStore *store, GError **error);
/* Open cases with a stage whose response (or extended) date is on or
 * before @day, oldest first. RdCase* elements. */
GPtrArray *rd_store_cases_due_by(RdStore *store, const char *day, GError **error);

/* Put a case in the group @group_id (a case id, by convention the first
 * case of the group; 0 takes it out). */
gboolean rd_store_case_set_group(RdStore *store, gint64 case_id, gint64 group_id, gint64 at,
                                 GError **error);
/* Cases opened through @channel with after < opened_at <= until, oldest
 * first (the Chief Executive's daily digest). RdCase* elements. */
GPtrArray *rd_store_cases_by_channel(RdStore *store, const char *channel, gint64 after, gint64 until,
                                     GError **error);
/* The cases of a group, oldest first. RdCase* elements. */
GPtrArray *rd_store_cases_in_group(RdStore *store, gint64 group_id, GError **error);

/* ---- messages -------------------------------------------------------- */

/* What ingest records about one message. Strings are borrowed. */
typedef struct {
	gint64 case_id;          /* 0 = no case (triage / unmatched) */
	const char *direction;   /* "in" or "out" */
	const char *raw_sha256;  /* must already be in rd_store_raw_put() */
	const char *content_hash;
	gsize size;
	const char *message_id;  /* may be NULL */
	const char *in_reply_to; /* may be NULL */
	const char *references;  /* space-separated msg-ids, may be NULL */
	const char *subject;
	const char *from_email, *from_name;
	const char *to_addrs;    /* comma-separated emails */
	const char *cc_addrs;
	gint64 date;             /* Date header (or received time) */
	gint64 received_at;      /* when redress got it */
	const char *kind;        /* rd_kind_to_string() */
	const char *via;         /* rd_via_to_string() */
	const char *reason;      /* threading/classification reason */
	const char *auto_reason; /* may be NULL */
	const char *bounced_message_id; /* may be NULL */
	const char *problem;     /* rd_parse_problem_to_string(); NULL = none */
	const char *problem_detail;
	const char *body_text;
	const char *new_text;
} RdMessageNew;

/* Insert a message; returns its row id. */
gint64 rd_store_message_insert(RdStore *store, const RdMessageNew *m,
                               GError **error);

/* Dedupe: *@id_r gets the row id of a stored message with this
 * Message-ID AND this content hash (when @message_id is NULL: the same
 * content hash and no Message-ID), or 0 if none. Never matches on
 * Message-ID alone. */
gboolean rd_store_message_find(RdStore *store, const char *message_id,
                               const char *content_hash, gint64 *id_r, GError **error);
/* *@id_r: row id of a message with exactly these raw bytes, or 0. */
gboolean rd_store_message_find_raw(RdStore *store, const char *raw_sha256,
                                   gint64 *id_r, GError **error);

/* Messages stored under @message_id, oldest first, with what dedupe
 * compares (RdMessageHashes*); empty when there are none. A message with
 * a Message-ID is stored without its content hash (working it out is a
 * pass over every byte), so content_hash is NULL until a later message
 * with the same Message-ID made someone work it out and record it with
 * rd_store_message_set_content_hash(). */
typedef struct {
	gint64 id;
	char *raw_sha256;
	char *content_hash;      /* NULL: not worked out yet */
} RdMessageHashes;
void rd_message_hashes_free(RdMessageHashes *h);
GPtrArray *rd_store_message_hashes_by_message_id(RdStore *store, const char *message_id,
                                                 GError **error);
gboolean rd_store_message_set_content_hash(RdStore *store, gint64 msg_id,
                                           const char *content_hash, GError **error);

/* Move a message onto a case (triage assign) and set kind/via/reason. */
gboolean rd_store_message_set_case(RdStore *store, gint64 msg_id,
                                   gint64 case_id, const char *kind,
                                   const char *via, const char *reason,
                                   GError **error);

typedef struct {
	gint64 id;
	gint64 case_id;
	char *direction, *raw_sha256, *content_hash;
	gsize size;
	char *message_id, *in_reply_to, *references, *subject;
	char *from_email, *from_name, *to_addrs, *cc_addrs;
	gint64 date, received_at;
	char *kind, *via, *reason, *auto_reason, *bounced_message_id;
	char *problem, *problem_detail, *body_text, *new_text;
	GPtrArray *routes;       /* char*: mailbox roles it arrived through */
} RdMessageRow;

void rd_message_row_free(RdMessageRow *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdMessageRow, rd_message_row_free)

/* One message into *@row_r (owned by the caller), or NULL if none. */
gboolean rd_store_message_get(RdStore *store, gint64 msg_id, RdMessageRow **row_r,
                              GError **error);
/* The first stored message with this Message-ID (any content). */
gboolean rd_store_message_get_by_message_id(RdStore *store, const char *msgid,
                                            RdMessageRow **row_r, GError **error);
/* Messages of a case by received_at then id. RdMessageRow* elements. */
GPtrArray *rd_store_messages_for_case(RdStore *store, gint64 case_id,
                                      GError **error);

/* Subject access: the messages on no case (triage, unmatched) from
 * @email or addressed to it (To or Cc), by received_at then id.
 * RdMessageRow* elements. */
GPtrArray *rd_store_messages_unfiled_for(RdStore *store, const char *email,
                                         GError **error);

/* Record that the message arrived through @mailbox. Returns TRUE and sets
 * *@added_r to FALSE if that route was already recorded. @source says
 * where from (file path, "imap:UIDVALIDITY:UID"); may be NULL. */
gboolean rd_store_route_add(RdStore *store, gint64 msg_id, const char *mailbox,
                            gint64 received_at, const char *source,
                            gboolean *added_r, GError **error);

/* What a sender did lately, for telling an automatic loop from a
 * complaint (rd_store_sender_history). */
typedef struct {
	gint64 same_text_msg;    /* their latest message since @text_since with
	                            the same subject and new text, or 0 */
	gint64 same_text_at;     /* when it came */
	guint quick_answers;     /* their messages since @since that matched no
	                            case (opened one, or went to triage) and
	                            came within @quick_s of a letter to them:
	                            a "thank you" on their case does not count */
	gboolean quick_now;      /* a letter went to them within @quick_s
	                            before @now */
	guint cases_opened;      /* cases opened for them since @since */
} RdSenderHistory;

/* Fill @h for @sender (lower case) as of @now: the same subject and new
 * text looked for back to @text_since, the rest counted back to @since.
 * @new_text may be NULL or empty (then same_text_msg stays 0). */
gboolean rd_store_sender_history(RdStore *store, const char *sender, const char *subject, const char *new_text,
                                 gint64 text_since,
                                 gint64 since, gint64 now, gint64 quick_s, RdSenderHistory *h, GError **error);

/* ---- attachments ----------------------------------------------------- */

gboolean rd_store_attachment_add(RdStore *store, gint64 msg_id,
                                 const char *filename, const char *content_type,
                                 gsize size, const char *sha256, gboolean is_tnef,
                                 GError **error);

typedef struct {
	gint64 id;               /* what `redress attachment ID` names */
	gint64 msg_id;
	char *filename, *content_type, *sha256;
	gsize size;
	gboolean is_tnef;
} RdAttachmentRow;
void rd_attachment_row_free(RdAttachmentRow *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdAttachmentRow, rd_attachment_row_free)
/* RdAttachmentRow* elements in stored order. */
GPtrArray *rd_store_attachments_for_message(RdStore *store, gint64 msg_id,
                                            GError **error);
/* One attachment into *@row_r (owned by the caller), or NULL if none. */
gboolean rd_store_attachment_get(RdStore *store, gint64 id, RdAttachmentRow **row_r,
                                 GError **error);

/* ---- events: the case journey --------------------------------------- */

/* @detail is free text (may be NULL); @msg_id 0 if not about a message. */
gint64 rd_store_event_add(RdStore *store, gint64 case_id, gint64 at,
                          const char *actor, const char *type,
                          const char *detail, gint64 msg_id, GError **error);

typedef struct {
	gint64 id, case_id, at, msg_id;
	char *actor, *type, *detail;
} RdEvent;
void rd_event_free(RdEvent *e);
/* Events of a case by time then id. RdEvent* elements. */
GPtrArray *rd_store_events_for_case(RdStore *store, gint64 case_id,
                                    GError **error);

/* ---- triage ---------------------------------------------------------- */

gboolean rd_store_triage_add(RdStore *store, gint64 msg_id, const char *reason,
                             const char *suggestion, gint64 at, GError **error);

typedef struct {
	gint64 id, msg_id, created_at;
	char *reason, *suggestion;
	/* from the message */
	char *message_id, *from_email, *subject, *kind;
	gint64 received_at;
	char *problem;          /* rd_parse_problem_to_string(), or NULL */
} RdTriageItem;
void rd_triage_item_free(RdTriageItem *t);
/* Unresolved items, oldest first. RdTriageItem* elements. */
GPtrArray *rd_store_triage_list(RdStore *store, GError **error);
/* Mark the triage item of @msg_id resolved with @resolution ("assigned to
 * CMP-…", "new case CMP-…"). FALSE + RD_STORE_ERROR_NOT_FOUND if the
 * message has no open triage item. */
gboolean rd_store_triage_resolve(RdStore *store, gint64 msg_id,
                                 const char *resolution, gint64 at,
                                 GError **error);

/* ---- mailbox cursors (IMAP) ------------------------------------------ */

/* *@found_r FALSE (and zeros) if the mailbox has no cursor yet. */
gboolean rd_store_cursor_get(RdStore *store, const char *mailbox, gboolean *found_r,
                             guint32 *uidvalidity_r, guint32 *last_uid_r,
                             GError **error);
gboolean rd_store_cursor_set(RdStore *store, const char *mailbox,
                             guint32 uidvalidity, guint32 last_uid,
                             GError **error);

/* ---- outbox: letters waiting to be sent ------------------------------- */

/* A letter to queue. Strings and @raw are borrowed for the call. */
typedef struct {
	gint64 case_id;          /* 0 = not about a case */
	const char *idem_key;    /* unique per letter, e.g. "CMP-2026-000001/s1/ack" */
	const char *kind;        /* letter name, e.g. "stage1-acknowledgement" */
	const char *language;    /* "en" or "cy"; NULL for staff notices */
	const char *from_addr;   /* envelope sender; may be NULL */
	const char *to_addr;     /* one recipient address (lower case) */
	const char *subject;
	const char *message_id;  /* without <> */
	const void *raw;         /* the whole MIME message */
	gsize raw_len;
	const char *status;      /* "queued" (default when NULL) or "suppressed" */
	const char *detail;      /* why suppressed, or NULL */
	gint64 next_try;         /* send no earlier than this */
	gint64 created_at;
	int responds_stage;      /* 1 or 2: the letter is that stage's response
	                            (its sending sets the stage's response_sent);
	                            0 otherwise */
} RdOutboxNew;

/* Queue a letter unless one with the same idem_key exists. Returns the row
 * id (the existing one when it was already queued) and sets *@queued_r to
 * TRUE only when this call added it; 0 on error. */
gint64 rd_store_outbox_enqueue(RdStore *store, const RdOutboxNew *o,
                               gboolean *queued_r, GError **error);

typedef struct {
	gint64 id, case_id, attempts, next_try, created_at, sent_at;
	char *idem_key, *kind, *language, *from_addr, *to_addr, *subject,
	     *message_id, *status, *last_error, *detail;
	GBytes *raw;             /* NULL in lists that leave it out */
	gint64 bounced_at;       /* a delivery failure report came back, or 0 */
	char *bounce_status;     /* its DSN status ("5.1.1"), or NULL */
	char *bounce_detail;     /* what it said (diagnostic), or NULL */
	int responds_stage;      /* as RdOutboxNew */
} RdOutboxRow;
void rd_outbox_row_free(RdOutboxRow *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdOutboxRow, rd_outbox_row_free)

/* Queued letters whose next_try <= @now, oldest first, at most @limit,
 * with their raw bytes. RdOutboxRow* elements. */
GPtrArray *rd_store_outbox_due(RdStore *store, gint64 now, guint limit,
                               GError **error);
/* Every letter of a case (without raw), oldest first. */
GPtrArray *rd_store_outbox_for_case(RdStore *store, gint64 case_id,
                                    GError **error);
/* Letters on no case to @to_addr (without raw), oldest first. */
GPtrArray *rd_store_outbox_unfiled_to(RdStore *store, const char *to_addr,
                                      GError **error);
/* The whole MIME message of letter @id into *@raw_r (owned by the
 * caller), or NULL when there is no such letter. */
gboolean rd_store_outbox_raw(RdStore *store, gint64 id, GBytes **raw_r, GError **error);
/* The letter whose Message-ID is @message_id (the newest, should two
 * share one), without raw; *@row_r NULL when there is none. */
gboolean rd_store_outbox_find_by_message_id(RdStore *store, const char *message_id,
                                            RdOutboxRow **row_r, GError **error);
/* A sent letter came back: record the report (@msg_id, the stored
 * message), its DSN @status (may be NULL) and @detail. Only a 'sent'
 * letter not already marked changes; *@marked_r (may be NULL) says
 * whether this one did. */
gboolean rd_store_outbox_mark_bounced(RdStore *store, gint64 id, gint64 at, const char *status,
                                      const char *detail, gint64 msg_id, gboolean *marked_r,
                                      GError **error);
/* Only a queued letter changes state; FALSE + RD_STORE_ERROR_NOT_FOUND if
 * @id is not queued (already sent, failed, or unknown). @detail is the
 * delivery record (SMTP response, file written). */
gboolean rd_store_outbox_mark_sent(RdStore *store, gint64 id, gint64 at,
                                   const char *detail, GError **error);
/* A temporary failure: try again at @next_try. */
gboolean rd_store_outbox_mark_retry(RdStore *store, gint64 id, gint64 next_try,
                                    const char *reason, GError **error);
/* A permanent failure: the letter will not be sent. */
gboolean rd_store_outbox_mark_failed(RdStore *store, gint64 id, gint64 at,
                                     const char *reason, GError **error);
/* A queued letter that must not go after all (its recipient was wrong):
 * 'suppressed', with @why. *@withdrawn_r FALSE when it was no longer
 * queued (already sent, or being sent). */
gboolean rd_store_outbox_withdraw(RdStore *store, gint64 id, gint64 at, const char *why,
                                  gboolean *withdrawn_r, GError **error);
/* A sent letter whose copy should go to the Sent folder: 'pending'. */
gboolean rd_store_outbox_copy_wanted(RdStore *store, gint64 id, GError **error);
/* Sent letters whose copy is pending, with an id above @after_id (0 for
 * all), oldest first, with raw bytes. */
GPtrArray *rd_store_outbox_copies_due(RdStore *store, gint64 after_id, guint limit, GError **error);
/* Record what became of a copy: @state "done", "failed", or "pending"
 * with @reason kept for the next try. */
gboolean rd_store_outbox_copy_set(RdStore *store, gint64 id, const char *state,
                                  const char *reason, GError **error);

/* Letters queued or sent to @to_addr since @since (the daily cap). */
gint64 rd_store_outbox_count_to(RdStore *store, const char *to_addr,
                                gint64 since, GError **error);

/* Letters by status, for `redress status`. */
typedef struct {
	gint64 queued, sent, failed, suppressed;
	gint64 oldest_queued;     /* when the oldest queued letter was queued, or 0 */
	gint64 last_failed;       /* when the last letter failed for good, or 0 */
} RdOutboxCounts;
gboolean rd_store_outbox_counts(RdStore *store, RdOutboxCounts *c_r,
                                GError **error);

/* ---- the daemon's state (status.c), for `redress status` ------------- */

/* One watched mailbox, as its watcher last saw it. A time of 0 and a
 * @waiting of -1 mean "not known". */
typedef struct {
	char *mailbox;           /* role, e.g. "complaints" */
	gboolean connected;      /* logged in and selected now */
	gint64 last_fetch;       /* end of the last complete fetch pass */
	char *last_error;        /* the last failure (kept after recovery), or NULL */
	gint64 last_error_at;
	gint64 waiting;          /* messages on the server not yet ingested */
	gint64 updated_at;
} RdMailboxStatus;
void rd_mailbox_status_free(RdMailboxStatus *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdMailboxStatus, rd_mailbox_status_free)

/* Write @s->mailbox's row as a whole. */
gboolean rd_store_mailbox_status_set(RdStore *store, const RdMailboxStatus *s,
                                     GError **error);
/* Every row, by mailbox name. RdMailboxStatus* elements. */
GPtrArray *rd_store_mailbox_status_list(RdStore *store, GError **error);
/* Forget every row (a daemon starting, or reloading its mailboxes). */
gboolean rd_store_mailbox_status_clear(RdStore *store, GError **error);

/* The daemon's heartbeat: which process, since when, when it last said it
 * was alive and how often it says so; stopped_at is set on a clean exit. */
typedef struct {
	gint64 pid, started_at, heartbeat_at, interval, stopped_at;
} RdDaemonStatus;
gboolean rd_store_daemon_status_set(RdStore *store, const RdDaemonStatus *s,
                                    GError **error);
/* *@found_r FALSE (and zeros) if no daemon ever ran on this file. */
gboolean rd_store_daemon_status_get(RdStore *store, RdDaemonStatus *s_r, gboolean *found_r,
                                    GError **error);

/* ---- messages that crashed the parser (quarantine.c) ------------------- */

/* A message source noted by a run that died while parsing it: with
 * @crashed, a crash signal named it (@signal, e.g. "SIGSEGV"); without,
 * the run just stopped there: one more attempt if nothing else was being
 * parsed (@alone), else a suspect only. @version is the redress that was
 * running. Adds to an existing row. */
gboolean rd_store_quarantine_note(RdStore *store, const char *source, gboolean crashed,
                                  gboolean alone, const char *signal, const char *version,
                                  gint64 at, GError **error);

typedef struct {
	char *source, *signal, *version;
	gint64 attempts;         /* deaths while it was parsed alone */
	gint64 first_at, last_at, msg_id;
	gboolean crashed;
} RdQuarantine;
void rd_quarantine_free(RdQuarantine *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdQuarantine, rd_quarantine_free)

/* Every row, oldest first (RdQuarantine*, free func set). */
GPtrArray *rd_store_quarantine_list(RdStore *store, GError **error);
/* The message @source was stored as (unparsed, in triage). */
gboolean rd_store_quarantine_set_message(RdStore *store, const char *source, gint64 msg_id,
                                         GError **error);
/* Drop @source (a re-parse succeeded). */
gboolean rd_store_quarantine_forget(RdStore *store, const char *source, GError **error);
/* Take back message @msg_id, kept unparsed (problem "crashed-parser") and
 * on no case, with its routes and triage entry, so that the same bytes
 * can be stored again parsed, in the caller's transaction. *@dropped_r is
 * FALSE (and nothing changes) for any other message. */
gboolean rd_store_message_drop_unparsed(RdStore *store, gint64 msg_id, gboolean *dropped_r,
                                        GError **error);

/* ---- backups (backup.c) ---------------------------------------------- */

/* A copy of the case file as checked: its size, schema version, pages and
 * the cases and messages in it. */
typedef struct {
	gint64 bytes;
	int schema;
	gint64 page_size, pages;
	gint64 cases, messages;
} RdCopyInfo;

/* Copy the database at @path to @dest while others go on using it: a
 * consistent snapshot, taken with SQLite's online backup API inside one
 * read transaction, so writers are never blocked and nothing committed
 * after the backup began is in it. The copy is written beside @dest under
 * a temporary name (mode 0600), made one self-contained file (rollback
 * journal mode), checked (integrity_check, foreign_key_check, the same
 * schema version), synced and renamed into place. An existing @dest is
 * refused (RD_STORE_ERROR_DEST) unless @replace. The database is only
 * read: a missing one is RD_STORE_ERROR_MISSING, an older schema is
 * copied as it is. On failure @dest is as it was. */
gboolean rd_store_backup(const char *path, const char *dest, gboolean replace,
                         RdCopyInfo *info_r, GError **error);
/* Check a copy without changing it: readable, integrity_check ok, no
 * broken foreign key, a redress schema no newer than this binary's
 * (RD_STORE_ERROR_DAMAGED, RD_STORE_ERROR_SCHEMA). */
gboolean rd_store_copy_check(const char *path, RdCopyInfo *info_r, GError **error);

/* Folders of dated backups: "DIR/redress-YYYYMMDD-HHMMSS.db" for a
 * backup taken at @now (local time). Newly allocated. */
char *rd_store_backup_name(const char *dir, gint64 now);
/* Remove all but the newest @keep backups named as above in @dir (other
 * files are left alone). *@removed_r (may be NULL) gets the paths removed
 * (char*). */
gboolean rd_store_backup_prune(const char *dir, guint keep, GPtrArray **removed_r,
                               GError **error);

typedef struct {
	RdCopyInfo restored;     /* the copy, as checked before restoring */
	char *kept;              /* the database as it was, kept here; NULL
	                            if there was none */
	gboolean in_place;       /* written into the database through SQLite
	                            (TRUE), or the files replaced (FALSE) */
	int schema_after;        /* the schema once opened (upgraded) */
} RdRestoreInfo;
void rd_restore_info_clear(RdRestoreInfo *r);

/* Put the copy @src back as the database at @path. Refused while a
 * daemon runs on it (RD_STORE_ERROR_DAEMON_RUNNING; its lock is held
 * meanwhile so none can start), and unless @src passes
 * rd_store_copy_check(); nothing is changed then. The database as it was
 * is kept as "@path.before-restore-YYYYMMDD-HHMMSS". Written in place
 * through SQLite when the database can be read (one transaction: no
 * stale -wal or -shm can remain); otherwise its files are moved aside and
 * the copy put in their place. The result is in WAL mode with the current
 * schema. Fill @info_r; free its contents with rd_restore_info_clear(). */
gboolean rd_store_restore(const char *path, const char *src, RdRestoreInfo *info_r,
                          GError **error);

/* ---- counts (for summaries and tests) -------------------------------- */

typedef struct {
	gint64 cases, open_cases, messages, raw, triage_open, events, outbox;
} RdStoreCounts;
gboolean rd_store_counts(RdStore *store, RdStoreCounts *c_r, GError **error);


/* ---- satisfaction surveys (surveys.c) ---------------------------------- */

/* One survey (schema 13). Days are YYYY-MM-DD; status is sent, answered,
 * expired or suppressed (made but not sent: @reason says why). */
typedef struct {
	gint64 id, case_id;
	char *kind;              /* "complainant" or "staff" */
	char *recipient;         /* the address it went to (NULL after a purge) */
	char *language;          /* "en" or "cy" */
	char *status;
	char *reason;            /* why suppressed, expired late reply, …; may be NULL */
	char *due;               /* the day it fell due */
	gint64 sent_at;          /* 0 when not sent */
	char *sent_day, *expires;
	gint64 answered_at;      /* 0 when not answered */
	char *answered_day;
	gint64 reply_msg_id;     /* the counted reply, or 0 */
	gint64 created_at;
	char *reference;         /* the case's (read only) */
} RdSurvey;
void rd_survey_free(RdSurvey *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdSurvey, rd_survey_free)

/* A closed case the sweep may survey. */
typedef struct {
	gint64 case_id;
	char *state;
	char *last_response;     /* the latest stage's response day, or NULL */
	char *last_outcome;      /* its outcome, or NULL */
} RdSurveyCandidate;
void rd_survey_candidate_free(RdSurveyCandidate *c);

/* Closed cases (stage1-closed, closed) with a stage answered on or after
 * @since and no survey of @kind yet. RdSurveyCandidate* elements. */
GPtrArray *rd_store_survey_candidates(RdStore *store, const char *kind, const char *since, GError **error);
/* Record a survey (id, reference, answered fields ignored), unless one of
 * the same case, kind and recipient exists: then *@added_r is FALSE and
 * its id is returned. 0 on error. */
gint64 rd_store_survey_insert(RdStore *store, const RdSurvey *v, gboolean *added_r, GError **error);
/* Survey @id into *@v_r (NULL when there is none). */
gboolean rd_store_survey_get(RdStore *store, gint64 id, RdSurvey **v_r, GError **error);
/* The surveys of a case (@case_id > 0) or all, oldest first. RdSurvey*. */
GPtrArray *rd_store_surveys_list(RdStore *store, gint64 case_id, GError **error);
/* Sent surveys whose last day to answer is before @today. */
GPtrArray *rd_store_surveys_expiring(RdStore *store, const char *today, GError **error);
/* Complainant surveys sent or expired to @email (any case, compared
 * case-insensitively), oldest first: those whose letter may still wait
 * in the outbox. RdSurvey*. */
GPtrArray *rd_store_surveys_sent_to(RdStore *store, const char *email, GError **error);
/* When the first reply to survey @v was received (a survey-reply message:
 * on its case for a complainant's, to its own address for a handler's),
 * into *@received_at_r; 0 when none was. */
gboolean rd_store_survey_first_reply(RdStore *store, const RdSurvey *v, gint64 *received_at_r, GError **error);
/* The complainant survey letter queued under @idem_key not sent after
 * all (the person asked not to be contacted): the letter and its survey
 * suppressed with @why. *@changed_r is FALSE when the letter was no
 * longer queued (nothing changed then). */
gboolean rd_store_survey_letter_withhold(RdStore *store, const char *idem_key, const char *why, gboolean *changed_r,
                                         GError **error);
/* A new status; @reason (may be NULL: unchanged) says why. */
gboolean rd_store_survey_set_status(RdStore *store, gint64 id, const char *status, const char *reason,
                                    GError **error);
/* Record the reply @msg_id to survey @id: answered at @at on @day, the
 * answers (@answers[q-1] for question q, 0 for none; @n of them) and the
 * comment (already anonymised; NULL for none). */
gboolean rd_store_survey_answer(RdStore *store, gint64 id, gint64 at, const char *day, gint64 msg_id,
                                const int *answers, guint n, const char *comment, GError **error);
/* The answers of survey @id: answers_r[q-1] for question q (0 none). */
gboolean rd_store_survey_answers(RdStore *store, gint64 id, int *answers_r, guint n, GError **error);

/* What the reports show of one kind of survey in a period. */
#define RD_STORE_SURVEY_MAX_Q 9
typedef struct {
	guint sent;              /* sent in the period */
	guint answered;          /* answered in the period */
	guint expired;           /* expired unanswered in the period */
	guint suppressed;        /* due in the period, not sent (no contact, …) */
	guint sent_answered;     /* of those sent in the period, answered by now */
	guint counts[RD_STORE_SURVEY_MAX_Q][5]; /* [question-1][value-1], answered in the period */
} RdSurveyFigures;
/* The figures and (@comments_r, may be NULL) the anonymised comments of
 * surveys of @kind answered from @from to @to (YYYY-MM-DD, both
 * included), the comments in the order of their text. */
gboolean rd_store_survey_figures(RdStore *store, const char *kind, const char *from, const char *to,
                                 RdSurveyFigures *f_r, GPtrArray **comments_r, GError **error);

/* The person with @email asked not to be contacted (beyond their
 * complaint): kept with when and why; the first time stays. */
gboolean rd_store_person_set_no_contact(RdStore *store, const char *email, gint64 at, const char *reason,
                                        GError **error);
/* Whether @email asked not to be contacted; when so, and @reason_r is
 * not NULL, why (may be NULL). */
gboolean rd_store_person_no_contact(RdStore *store, const char *email, gboolean *no_contact_r, char **reason_r,
                                    GError **error);
/* The letter queued under @idem_key, if not yet sent, is not to be sent:
 * its status becomes suppressed with @detail. *@changed_r says whether it
 * was still queued. */
gboolean rd_store_outbox_suppress_queued(RdStore *store, const char *idem_key, const char *detail,
                                         gboolean *changed_r, GError **error);
/* Whether a letter to @email came back or failed for good. */
gboolean rd_store_address_bounced(RdStore *store, const char *email, gboolean *bounced_r, GError **error);

/* ---- learning actions (actions.c) -------------------------------------- */

/* One learning action (schema 11): what will change because of
 * complaints. Dates are YYYY-MM-DD; status is one of proposed, agreed,
 * done, verified, dropped (procedure/learning.c decides the moves). */
typedef struct {
	gint64 id;
	char *text;              /* what will change */
	char *owner;             /* who does it: an address */
	char *authorised_by;     /* the manager who agreed it, or NULL */
	char *due;               /* the target day */
	char *status;
	char *evidence;          /* what shows it was done, or NULL */
	char *done_on;           /* the day it was marked done, or NULL */
	gboolean publishable;    /* may appear in the public digest */
	char *service;           /* the service it belongs to, or NULL */
	char *created_by;        /* who made it */
	gint64 created_at, updated_at;
	char *reminded_for;      /* the target day the reminder went for */
	char *overdue_for;       /* the target day the overdue letter went for */
	gint64 escalated_at;     /* when the complaints manager was told; 0 never */
	GPtrArray *cases;        /* char*: the references of its cases (sorted);
	                            never NULL once read */
} RdLearningAction;
void rd_learning_action_free(RdLearningAction *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdLearningAction, rd_learning_action_free)

/* A new action from @a's text, owner, authorised_by, due, status,
 * publishable, service, created_by and created_at; its id, or 0 on
 * failure. Its cases are linked with rd_store_action_link_case(). */
gint64 rd_store_action_insert(RdStore *store, const RdLearningAction *a, GError **error);
gboolean rd_store_action_link_case(RdStore *store, gint64 action_id, gint64 case_id, GError **error);
/* The action @id with its cases, or *@a_r NULL when there is none. */
gboolean rd_store_action_get(RdStore *store, gint64 id, RdLearningAction **a_r, GError **error);
/* All actions by id, or (@open_only) the proposed and agreed ones by
 * target day. RdLearningAction* elements, each with its cases. */
GPtrArray *rd_store_actions_list(RdStore *store, gboolean open_only, GError **error);
/* The actions naming case @case_id, by id. */
GPtrArray *rd_store_actions_for_case(RdStore *store, gint64 case_id, GError **error);
/* Write back every changeable field of @a (owner to escalated_at). */
gboolean rd_store_action_update(RdStore *store, const RdLearningAction *a, GError **error);
/* The history of an action: who changed what, when (action_events;
 * RdEvent with case_id holding the action's id). */
gint64 rd_store_action_event_add(RdStore *store, gint64 action_id, gint64 at, const char *actor,
                                 const char *type, const char *detail, gint64 msg_id, GError **error);
GPtrArray *rd_store_action_events(RdStore *store, gint64 action_id, GError **error);

/* ---- retention: legal holds and purges (purge.c, schema 14) ------------- */

/* A legal hold on a case: while it stands the case is never purged. */
typedef struct {
	gint64 case_id;
	char *reason;            /* why (free text) */
	char *held_by;           /* who placed it */
	gint64 held_at;
} RdCaseHold;
void rd_case_hold_free(RdCaseHold *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdCaseHold, rd_case_hold_free)

/* *@hold_r: the case's hold (owned by the caller), or NULL. */
gboolean rd_store_case_hold_get(RdStore *store, gint64 case_id, RdCaseHold **hold_r, GError **error);
/* Place (or replace) the hold on @case_id. */
gboolean rd_store_case_hold_set(RdStore *store, gint64 case_id, const char *reason, const char *who,
                                gint64 at, GError **error);
/* Lift it; *@was_held_r says whether there was one. */
gboolean rd_store_case_hold_clear(RdStore *store, gint64 case_id, gboolean *was_held_r, GError **error);

/* A case a purge looks at: closed (or stage1-closed) and not yet purged,
 * or held, or purged and given something since (mail, a letter, an
 * event other than its "purged" ones: the purge removed everything
 * else, so whatever is there came after it). */
typedef struct {
	gint64 case_id;
	char *reference;
	char *state;
	char *profile;           /* may be NULL */
	char *ombudsman_referred, *ombudsman_decided; /* may be NULL */
	gboolean held;
	char **stage_days;       /* every stage's closed, responded and
	                            response_sent that is set; NULL-terminated */
	gint64 last_activity;    /* unix time of the newest mail received on
	                            the case, or for a purged case of anything
	                            added since; 0 if none */
	gboolean purged;         /* purged before (and given something since) */
} RdRetentionRow;
void rd_retention_row_free(RdRetentionRow *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdRetentionRow, rd_retention_row_free)
/* Those cases, by id (RdRetentionRow*, free func set); NULL on failure. */
GPtrArray *rd_store_retention_rows(RdStore *store, GError **error);
/* *@at_r: when @case_id was purged, 0 if never. */
gboolean rd_store_case_purged_at(RdStore *store, gint64 case_id, gint64 *at_r, GError **error);

/* How many rows of each kind a purge removed (or, for copies, noted). */
typedef struct {
	gint64 cases, messages, raw, attachments, letters, events, people, copies;
} RdPurgeCounts;

/* Remove the personal data of the cases @ids (README "Retention" lists
 * what goes per table), keeping their cases and stages rows for the
 * reports; with @copies, note the copies of their mail in IMAP folders
 * for rd_store_purge_copies(). Inside the caller's transaction, which
 * should run with rd_store_set_secure_delete() on. A case that is no
 * longer closed, or is held or before the Ombudsman, is refused (the
 * whole purge fails). The cases' events are deleted, but for earlier
 * "purged" ones; the caller writes the one that says they were purged.
 * The learning actions all of whose cases are now purged have their
 * text, evidence and events' details passed through @scrub (may be
 * NULL) with their complainants' names, before those go. */
/* A learning action's text with the names in @names (NULL-terminated)
 * and any other personal detail taken out; newly allocated. */
typedef char *(*RdPurgeScrub)(const char *text, const char *const *names, gpointer data);
gboolean rd_store_purge_cases(RdStore *store, const gint64 *ids, guint n, gboolean copies, RdPurgeScrub scrub,
                              gpointer scrub_data, RdPurgeCounts *counts_r, GError **error);
/* Record the run (counts, never contents) and mark @ids purged; the
 * purges row's id, 0 on failure. */
gint64 rd_store_purge_record(RdStore *store, const RdPurgeCounts *c, gint64 at, const char *actor,
                             const char *periods, const gint64 *ids, guint n, GError **error);
/* *@pending_r: some purge removed cases but could not rebuild the file
 * after (rd_store_purge_compact is still owed). */
gboolean rd_store_purge_uncompacted(RdStore *store, gboolean *pending_r, GError **error);
/* *@at_r: when the last purge ran (0 never). */
gboolean rd_store_purge_last(RdStore *store, gint64 *at_r, GError **error);
/* PRAGMA secure_delete for this connection: deleted content is zeroed. */
gboolean rd_store_set_secure_delete(RdStore *store, gboolean on, GError **error);
/* PRAGMA foreign_keys for this connection; outside any transaction (the
 * pragma does nothing inside one). Off only for the purge's transaction,
 * whose steps delete children before parents. */
gboolean rd_store_set_foreign_keys(RdStore *store, gboolean on, GError **error);
/* After a purge, outside any transaction: empty the log into the file,
 * rebuild the file (VACUUM) and empty the log again, so no deleted bytes
 * remain in the database, -wal or free pages. Another connection in the
 * way is waited for a few seconds; *@complete_r FALSE when it still was
 * (the next purge finishes the job). Once complete, every purge run is
 * recorded compacted. */
gboolean rd_store_purge_compact(RdStore *store, gboolean *complete_r, GError **error);

/* A copy of purged mail still in an IMAP folder. */
typedef struct {
	gint64 id;
	char *role;              /* the mailbox role ("" for the [smtp] sent_mailbox) */
	char *copy;              /* "processed" or "sent" */
	char *message_id;
	int attempts;
} RdPurgeCopy;
void rd_purge_copy_free(RdPurgeCopy *c);
/* Every one (RdPurgeCopy*, free func set); NULL on failure. */
GPtrArray *rd_store_purge_copies(RdStore *store, GError **error);
/* @failure NULL: the copy is gone (its row deleted); else why not, kept
 * for the next try. */
gboolean rd_store_purge_copy_done(RdStore *store, gint64 id, const char *failure, GError **error);

G_END_DECLS

#endif /* RD_STORE_H */
