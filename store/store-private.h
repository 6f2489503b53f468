/*
 * store-private.h — what the files of store/ share and nobody else sees.
 *
 * The RdStore struct owns one sqlite3 connection and every statement the
 * module will ever run. Statements are named by RdStmtId; their SQL is the
 * table in stmts.c and nowhere else. They are prepared once in
 * rd_store_open() and finalized in rd_store_close().
 *
 * Using a statement follows one pattern, so that no path can leave a
 * statement half-stepped or holding a pointer to a caller's buffer:
 *
 *     g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_X);
 *     RdBind b = rd_bind_begin(st);
 *     rd_bind_text(&b, value);             // in ?1, ?2, … order
 *     if (!rd_bind_end(store, &b, "doing x", error))
 *             return FALSE;
 *     rc = sqlite3_step(st);               // ROW / DONE / error
 *
 * The g_autoptr cleanup resets the statement and clears its bindings when
 * the variable goes out of scope. Bindings use SQLITE_STATIC: the caller's
 * strings and blobs only have to live for the duration of the call.
 *
 * Invariant: a statement is never used re-entrantly (a function never
 * steps statement X while a caller further up holds X).
 */
#ifndef RD_STORE_PRIVATE_H
#define RD_STORE_PRIVATE_H

#include <sqlite3.h>

#include "store.h"

typedef enum {
	/* transactions */
	RD_STMT_BEGIN,
	RD_STMT_COMMIT,
	RD_STMT_ROLLBACK,
	RD_STMT_SAVEPOINT,
	RD_STMT_RELEASE,
	RD_STMT_ROLLBACK_TO,
	/* settings */
	RD_STMT_SETTING_GET,
	RD_STMT_SETTING_SET,
	RD_STMT_SETTING_DELETE,
	/* raw bytes */
	RD_STMT_RAW_PUT,
	RD_STMT_RAW_GET,
	/* people */
	RD_STMT_PERSON_ENSURE,
	/* cases */
	RD_STMT_COUNTER_NEXT,
	RD_STMT_CASE_INSERT,
	RD_STMT_CASE_GET,
	RD_STMT_CASE_GET_BY_REF,
	RD_STMT_CASE_GET_BY_MESSAGE_ID,
	RD_STMT_CASE_HAS_PARTY,
	RD_STMT_CASES_CLOSED_STAGE1_FOR,
	RD_STMT_CASES_FOR_PERSON,
	RD_STMT_CASES_LIST_ALL,
	RD_STMT_CASES_LIST_OPEN,
	RD_STMT_CASE_SET_STATE,
	RD_STMT_CASE_SET_COMPLAINANT,
	RD_STMT_PERSON_SET_NAME,
	RD_STMT_CASE_SET_SERVICE,
	RD_STMT_CASE_SET_HANDLER,
	RD_STMT_CASE_SET_LANGUAGE,
	RD_STMT_CASE_SET_PROFILE,
	RD_STMT_CASE_SET_FLAGS,
	RD_STMT_CASE_SET_REPRESENTATIVE,
	RD_STMT_CASE_SET_CAUSE,
	RD_STMT_CASE_SET_REMEDY,
	RD_STMT_CASE_SET_OMB_REFERRED,
	RD_STMT_CASE_SET_OMB_DECIDED,
	RD_STMT_CASE_SET_OMB_OUTCOME,
	/* stages */
	RD_STMT_STAGE_INSERT,
	RD_STMT_STAGES_FOR_CASE,
	RD_STMT_STAGES_ALL,
	/* reports (report.c) */
	RD_STMT_REPORT_BEGIN,
	RD_STMT_REPORT_END,
	RD_STMT_REPORT_SPANS,
	RD_STMT_REPORT_CASES_MAX,
	RD_STMT_REPORT_WORDS,
	RD_STMT_REPORT_ROWS,
	RD_STMT_STAGE_SET_RECEIVED,
	RD_STMT_STAGE_SET_NEXT_CHECK,
	RD_STMT_STAGES_DUE,
	RD_STMT_STAGES_OPEN,
	RD_STMT_CASES_DUE_BY,
	RD_STMT_CASES_IN_GROUP,
	RD_STMT_CASES_BY_CHANNEL,
	RD_STMT_CASE_SET_GROUP,
	RD_STMT_STAGE_SET_ACK_DUE,
	RD_STMT_STAGE_SET_ACK_SENT,
	RD_STMT_STAGE_SET_RESPONSE_DUE,
	RD_STMT_STAGE_SET_DEPT_NOTICE_DUE,
	RD_STMT_STAGE_SET_EXTENDED_TO,
	RD_STMT_STAGE_SET_EXTENSION_REASON,
	RD_STMT_STAGE_SET_RESPONDED,
	RD_STMT_STAGE_SET_OUTCOME,
	RD_STMT_STAGE_SET_CLOSED,
	RD_STMT_STAGE_SET_HANDLER,
	RD_STMT_STAGE_SET_RESPONSE_SENT,
	RD_STMT_STAGE_SET_CLOCK,
	/* messages */
	RD_STMT_MESSAGE_INSERT,
	RD_STMT_MESSAGE_FIND,
	RD_STMT_MESSAGE_FIND_NO_ID,
	RD_STMT_MESSAGE_FIND_RAW,
	RD_STMT_MESSAGE_HASHES_BY_MESSAGE_ID,
	RD_STMT_MESSAGE_SET_CONTENT_HASH,
	RD_STMT_MESSAGE_SET_CASE,
	RD_STMT_MESSAGE_GET,
	RD_STMT_MESSAGE_GET_BY_MESSAGE_ID,
	RD_STMT_MESSAGES_FOR_CASE,
	RD_STMT_MESSAGES_UNFILED_FOR,
	RD_STMT_ROUTE_ADD,
	RD_STMT_ROUTES_FOR_MESSAGE,
	/* attachments */
	RD_STMT_SENDER_SAME_TEXT,
	RD_STMT_SENDER_QUICK_ANSWERS,
	RD_STMT_SENDER_QUICK_NOW,
	RD_STMT_SENDER_CASES_OPENED,
	RD_STMT_ATTACHMENT_ADD,
	RD_STMT_ATTACHMENTS_FOR_MESSAGE,
	RD_STMT_ATTACHMENT_GET,
	/* events */
	RD_STMT_EVENT_ADD,
	RD_STMT_EVENTS_FOR_CASE,
	/* triage */
	RD_STMT_TRIAGE_ADD,
	RD_STMT_TRIAGE_LIST,
	RD_STMT_TRIAGE_RESOLVE,
	/* mailbox cursors */
	RD_STMT_CURSOR_GET,
	RD_STMT_CURSOR_SET,
	/* outbox */
	RD_STMT_OUTBOX_INSERT,
	RD_STMT_OUTBOX_GET_BY_KEY,
	RD_STMT_OUTBOX_DUE,
	RD_STMT_OUTBOX_FOR_CASE,
	RD_STMT_OUTBOX_UNFILED_TO,
	RD_STMT_OUTBOX_RAW,
	RD_STMT_OUTBOX_BY_MESSAGE_ID,
	RD_STMT_OUTBOX_MARK_BOUNCED,
	RD_STMT_OUTBOX_MARK_SENT,
	RD_STMT_OUTBOX_MARK_RETRY,
	RD_STMT_OUTBOX_MARK_FAILED,
	RD_STMT_OUTBOX_WITHDRAW,
	RD_STMT_OUTBOX_COUNT_TO,
	RD_STMT_OUTBOX_COUNTS,
	RD_STMT_OUTBOX_COPY_WANTED,
	RD_STMT_OUTBOX_COPY_DUE,
	RD_STMT_OUTBOX_COPY_SET,
	/* daemon state (status.c) */
	RD_STMT_MAILBOX_STATUS_SET,
	RD_STMT_MAILBOX_STATUS_LIST,
	RD_STMT_MAILBOX_STATUS_CLEAR,
	RD_STMT_DAEMON_STATUS_SET,
	RD_STMT_DAEMON_STATUS_GET,
	/* counts */
	RD_STMT_COUNTS,
	/* messages that crashed the parser (quarantine.c) */
	RD_STMT_QUARANTINE_NOTE,
	RD_STMT_QUARANTINE_LIST,
	RD_STMT_QUARANTINE_SET_MESSAGE,
	RD_STMT_QUARANTINE_FORGET,
	RD_STMT_UNPARSED_CHECK,
	RD_STMT_UNPARSED_DROP_TRIAGE,
	RD_STMT_UNPARSED_DROP_ROUTES,
	RD_STMT_UNPARSED_UNLINK,
	RD_STMT_UNPARSED_DROP,
	/* learning actions (actions.c) */
	RD_STMT_ACTION_INSERT,
	RD_STMT_ACTION_LINK_CASE,
	RD_STMT_ACTION_GET,
	RD_STMT_ACTION_CASES,
	RD_STMT_ACTIONS_ALL,
	RD_STMT_ACTIONS_OPEN,
	RD_STMT_ACTIONS_FOR_CASE,
	RD_STMT_ACTION_UPDATE,
	RD_STMT_ACTION_EVENT_ADD,
	RD_STMT_ACTION_EVENTS,
	/* satisfaction surveys (surveys.c) */
	RD_STMT_SURVEY_CANDIDATES,
	RD_STMT_SURVEY_INSERT,
	RD_STMT_SURVEY_GET,
	RD_STMT_SURVEYS_FOR_CASE,
	RD_STMT_SURVEYS_ALL,
	RD_STMT_SURVEYS_EXPIRING,
	RD_STMT_SURVEYS_SENT_TO,
	RD_STMT_SURVEY_FIRST_REPLY,
	RD_STMT_SURVEY_WITHHELD,
	RD_STMT_SURVEY_SET_STATUS,
	RD_STMT_SURVEY_SET_ANSWERED,
	RD_STMT_SURVEY_ANSWER_ADD,
	RD_STMT_SURVEY_COMMENT_ADD,
	RD_STMT_SURVEY_ANSWERS,
	RD_STMT_SURVEY_COUNTS,
	RD_STMT_SURVEY_FIGURES,
	RD_STMT_SURVEY_COMMENTS,
	RD_STMT_PERSON_SET_NO_CONTACT,
	RD_STMT_PERSON_NO_CONTACT,
	RD_STMT_ADDRESS_BOUNCED,
	RD_STMT_OUTBOX_SUPPRESS_QUEUED,
	/* retention (purge.c); the purge's own bulk statements are its
	 * purge_steps table, run once a purge */
	RD_STMT_HOLD_GET,
	RD_STMT_HOLD_SET,
	RD_STMT_HOLD_CLEAR,
	RD_STMT_RETENTION_ROWS,
	RD_STMT_PURGED_AT,
	RD_STMT_PURGE_LAST,
	RD_STMT_PURGE_UNCOMPACTED,
	RD_STMT_PURGE_COMPACTED,
	RD_STMT_PURGE_RECORD,
	RD_STMT_PURGED_CASE_ADD,
	RD_STMT_PURGE_COPIES,
	RD_STMT_PURGE_COPY_GONE,
	RD_STMT_PURGE_COPY_FAILED,

	RD_STMT_COUNT
} RdStmtId;

struct _RdStore {
	sqlite3 *db;                          /* the one connection */
	sqlite3_stmt *stmts[RD_STMT_COUNT];   /* prepared at open, by RdStmtId */
	int version_at_open;                  /* user_version before migrating */
	GTimeZone *london;                    /* Europe/London, for dates */
};

/* The index key of a hash written in lower-case hex (a SHA-256): its
 * first 12 digits read as an integer, 48 bits. Indexes on the full 64
 * digits are 72-byte random keys: every batch of inserts lands on nearly
 * every leaf page, and each commit writes all of them again. This key is
 * a sixth of the size, so there are a sixth of the leaves to rewrite.
 *
 * The key only narrows the search: every query on it also compares the
 * full hash, so two hashes sharing a prefix are told apart, and a string
 * that is not hex (tests use "h1") merely gets a poor key. The expression
 * is written into the schema of every file at version 4 (schema.c), and a
 * query reaches the index only by repeating it exactly, so it must never
 * change; test-store.c checks the query plans. Built from substr() and
 * instr(), which are deterministic, because SQLite 3.40 has no function
 * that reads hex as a number. */
#define RD_SQL_HEXDIGIT(x, i) "instr('123456789abcdef', substr(" x ", " i ", 1))"
#define RD_SQL_HASH_KEY(x) \
	"(" RD_SQL_HEXDIGIT(x, "1") " * 0x100000000000" \
	" + " RD_SQL_HEXDIGIT(x, "2") " * 0x10000000000" \
	" + " RD_SQL_HEXDIGIT(x, "3") " * 0x1000000000" \
	" + " RD_SQL_HEXDIGIT(x, "4") " * 0x100000000" \
	" + " RD_SQL_HEXDIGIT(x, "5") " * 0x10000000" \
	" + " RD_SQL_HEXDIGIT(x, "6") " * 0x1000000" \
	" + " RD_SQL_HEXDIGIT(x, "7") " * 0x100000" \
	" + " RD_SQL_HEXDIGIT(x, "8") " * 0x10000" \
	" + " RD_SQL_HEXDIGIT(x, "9") " * 0x1000" \
	" + " RD_SQL_HEXDIGIT(x, "10") " * 0x100" \
	" + " RD_SQL_HEXDIGIT(x, "11") " * 0x10" \
	" + " RD_SQL_HEXDIGIT(x, "12") ")"

/* stmts.c: the SQL of every statement, indexed by RdStmtId. */
extern const char *const rd_stmt_sql[RD_STMT_COUNT];

/* schema.c: bring the file to RD_STORE_SCHEMA_VERSION. @version_r gets the
 * version found before migrating. */
gboolean rd_store_migrate(sqlite3 *db, int *version_r, GError **error);
/* schema.c: the file's PRAGMA user_version (0 for a new, empty file). */
gboolean rd_store_schema_version(sqlite3 *db, int *version_r, GError **error);
/* "disk full: …" naming the database's disk and what to do, when @rc
 * (from a call on @db just now) means the disk is full; else NULL. */
char *rd_store_disk_full(sqlite3 *db, int rc);

/* ---- the lock file (lock.c) ------------------------------------------- */

/* How long set-up waits for another process's set-up (the lock, and
 * SQLITE_BUSY during the WAL switch and the migration) before it gives up
 * with RD_STORE_ERROR_BUSY. */
#define RD_STORE_SETUP_WAIT_S 60

/* "DATABASE.lock". Newly allocated. */
char *rd_store_lock_path(const char *db_path);
/* Open the lock file: with @create, read-write and created (mode 0600,
 * given to the database's owner when root creates it) if missing; without,
 * read-only, and -1 with no error set if it does not exist. -1 with
 * @error set on failure. The caller closes the descriptor. */
int rd_store_lockfile_open(const char *db_path, gboolean create, GError **error);
/* Take the set-up lock (byte 1), exclusive or shared, waiting at most
 * RD_STORE_SETUP_WAIT_S. Released by rd_store_setup_unlock() or by closing
 * @fd. */
gboolean rd_store_setup_lock(int fd, const char *db_path, gboolean exclusive, GError **error);
void rd_store_setup_unlock(int fd);
/* Take the daemon's lock (byte 0) on @fd without waiting: FALSE with
 * RD_STORE_ERROR_DAEMON_RUNNING (naming the holder's pid) if a daemon has
 * it. Held until @fd is closed. */
gboolean rd_store_daemon_lock_take(int fd, const char *db_path, GError **error);

/* store.c: set up (WAL, schema) and open the file at @path for writing,
 * when the caller already holds the set-up lock (restore does). */
RdStore *rd_store_open_locked(const char *path, GError **error);

/* ---- statement use ---------------------------------------------------- */

/* A borrowed prepared statement; g_autoptr(RdStmt) resets it and clears its
 * bindings at scope exit. */
typedef sqlite3_stmt RdStmt;

static inline void
rd_stmt_release(RdStmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdStmt, rd_stmt_release)

static inline RdStmt *
rd_stmt(RdStore *store, RdStmtId id)
{
	return store->stmts[id];
}

/* Positional binder: each call binds the next ?N. The first failure is kept
 * in rc and later binds are skipped, so one check at the end suffices. */
typedef struct {
	sqlite3_stmt *st;
	int idx;   /* last parameter index bound */
	int rc;    /* first bind error, or SQLITE_OK */
} RdBind;

static inline RdBind
rd_bind_begin(sqlite3_stmt *st)
{
	RdBind b = { st, 0, SQLITE_OK };
	return b;
}

static inline void
rd_bind_text(RdBind *b, const char *s)
{
	b->idx++;
	if (b->rc != SQLITE_OK)
		return;
	if (s == NULL)
		b->rc = sqlite3_bind_null(b->st, b->idx);
	else
		b->rc = sqlite3_bind_text(b->st, b->idx, s, -1, SQLITE_STATIC);
}

static inline void
rd_bind_int64(RdBind *b, gint64 v)
{
	b->idx++;
	if (b->rc != SQLITE_OK)
		return;
	b->rc = sqlite3_bind_int64(b->st, b->idx, v);
}

/* A row id where 0 means "none": stored as NULL so foreign keys hold. */
static inline void
rd_bind_id(RdBind *b, gint64 id)
{
	b->idx++;
	if (b->rc != SQLITE_OK)
		return;
	if (id == 0)
		b->rc = sqlite3_bind_null(b->st, b->idx);
	else
		b->rc = sqlite3_bind_int64(b->st, b->idx, id);
}

static inline void
rd_bind_blob(RdBind *b, const void *data, gsize len)
{
	b->idx++;
	if (b->rc != SQLITE_OK)
		return;
	/* A zero-length blob with a NULL pointer would bind SQL NULL. */
	b->rc = sqlite3_bind_blob64(b->st, b->idx, data != NULL ? data : "",
	                            (sqlite3_uint64)len, SQLITE_STATIC);
}

/* Check that every parameter was bound and no bind failed. */
gboolean rd_bind_end(RdStore *store, RdBind *b, const char *doing,
                     GError **error);

/* ---- errors and stepping ---------------------------------------------- */

/* Set @error from SQLite result @rc and the connection's message, prefixed
 * with what was being done. Always returns FALSE. */
gboolean rd_store_fail(RdStore *store, int rc, const char *doing,
                       GError **error);

/* Step a statement that yields no rows we need. */
gboolean rd_stmt_run(RdStore *store, sqlite3_stmt *st, const char *doing,
                     GError **error);

/* Step a statement that yields at most one row. Returns TRUE with *found_r
 * telling whether a row is available to read, FALSE on error. */
gboolean rd_stmt_row(RdStore *store, sqlite3_stmt *st, gboolean *found_r,
                     const char *doing, GError **error);

/* A text column as a new string; NULL stays NULL. */
static inline char *
rd_col_text(sqlite3_stmt *st, int col)
{
	return g_strdup((const char *)sqlite3_column_text(st, col));
}

/* Lower-case an email address for storage and comparison. Addresses are
 * case-insensitive in practice; the domain always is. */
static inline char *
rd_store_email_fold(const char *email)
{
	return email != NULL ? g_ascii_strdown(email, -1) : NULL;
}

#endif /* RD_STORE_PRIVATE_H */
