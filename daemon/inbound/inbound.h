/*
 * inbound.h — mail coming in: message sources (files, folders, Maildirs,
 * mbox), the ingest of one parsed message into the case file, background
 * checkpoints for bulk writers, and the IMAP fetch pass.
 *
 * Calls base/, net/ and casework/ (a new complaint opens a case through
 * it); never outbound/, service/ or cli/.
 */
#ifndef RD_INBOUND_H
#define RD_INBOUND_H

#include <glib.h>
#include "base/base.h"
#include "net/net.h"
#include "casework/casework.h"

G_BEGIN_DECLS

/* ---- the ingest pipeline ------------------------------------------------- */

typedef enum {
	RD_INGEST_STORED = 0,    /* new message stored (on a case or in triage) */
	RD_INGEST_DUPLICATE,     /* seen before through this mailbox: no change */
	RD_INGEST_NEW_ROUTE,     /* seen before through another mailbox: the
	                            route was recorded, nothing else changed */
	RD_INGEST_SELFTEST,      /* redress's own self-test mail (selftest.c):
	                            noted as seen, stored on no case and in no
	                            triage; a fetch removes it from the server */
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

#define RD_INGEST_ERROR (rd_ingest_error_quark())
GQuark rd_ingest_error_quark(void);
typedef enum {
	RD_INGEST_ERROR_REFUSED,   /* not done; the message says why and what to do */
} RdIngestError;

typedef struct _RdIngest RdIngest;

/* An ingest context over @cw (borrowed: its store, configuration and
 * rules): a new complaint gets its deadlines and its acknowledgement in
 * the same transaction as the case, through rd_casework_open_stage(). For
 * import mode (no letters) see rd_casework_set_letters(). */
RdIngest *rd_ingest_new(RdCasework *cw);
void rd_ingest_free(RdIngest *ing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdIngest, rd_ingest_free)

/* Record one message that has already been parsed into @msg from @data.
 * A self-test mail (rd_selftest_token_valid on its X-Redress-Selftest), or
 * a delivery failure report of one (rd_selftest_bounced_token), is only
 * noted with rd_selftest_note_seen(): RD_INGEST_SELFTEST, kind "selftest",
 * no message row.
 * Must run inside a store transaction that the caller commits: the raw
 * bytes, the message row, its route, case changes, events and triage entry
 * are written together or not at all. @source names where it came from
 * ("file:/path", "imap:…"); may be NULL. */
gboolean rd_ingest_message(RdIngest *ing, const char *data, gsize len,
                           const RdMessage *msg, RdMailbox mailbox,
                           gint64 received_at, const char *source,
                           RdIngestResult *result_r, GError **error);

/* ---- redress's own self-test mail (selftest.c) ----------------------------- */

/* The header that names a self-test mail; its value is a self-test token. */
#define RD_SELFTEST_HEADER "X-Redress-Selftest"
/* Self-test tokens are reply tokens for references in this year, which no
 * case ever has. */
#define RD_SELFTEST_YEAR 0
/* The setting where intake notes the self-test mail it saw. */
#define RD_SELFTEST_SEEN_SETTING "selftest_seen"

/* A new self-test reference: @prefix's in RD_SELFTEST_YEAR with a random
 * number ("CMP-0000-483920"). Its reply token (rd_token_make, e.g.
 * "cmp-0000-483920-k3j9m2qa") is the self-test token, and its reply
 * address (rd_token_address) the address the self-test mail goes to.
 * Newly allocated. */
char *rd_selftest_reference_new(const char *prefix);
/* TRUE if @token (may be NULL) is a self-test token that verifies under
 * @key (RD_TOKEN_KEY_LEN bytes). */
gboolean rd_selftest_token_valid(const guint8 *key, const char *prefix, const char *token);
/* The Message-ID of the self-test mail named by @token:
 * "selftest.TOKEN@DOMAIN". Newly allocated. */
char *rd_selftest_message_id(const char *token, const char *domain);
/* The self-test token named by the bounced Message-ID @message_id of a
 * delivery failure report (may be NULL), if it is a self-test mail's and
 * its token verifies under @key; else NULL. Newly allocated. */
char *rd_selftest_bounced_token(const guint8 *key, const char *prefix, const char *message_id);
/* Note, inside the caller's transaction, that self-test mail @token was
 * received at @at from @source ("imap:complaints:…", may be NULL), or
 * with @bounce (its DSN status, "" if unknown) that a report of its
 * failure was. The last 32 notes are kept. */
gboolean rd_selftest_note_seen(RdStore *store, const char *token, gint64 at, const char *source,
                               const char *bounce, GError **error);
/* Whether intake noted @token; *@at_r (may be NULL) gets when, and
 * *@bounce_r (may be NULL) the status of a failure report ("5.1.1",
 * "undeliverable"), newly allocated, or NULL when the mail arrived. */
gboolean rd_selftest_seen(RdStore *store, const char *token, gboolean *seen_r, gint64 *at_r,
                          char **bounce_r, GError **error);

/* ---- the parse journal: one bad mail never stops intake (journal.c) ----- */

/* A message source that stopped this many runs without a crash signal
 * (kill -9, the OOM killer) while it was being parsed alone is treated as
 * one that crashed the parser. */
#define RD_JOURNAL_ATTEMPTS 2

typedef struct _RdJournal RdJournal;

/* This process's parse journal (DATABASE.parsing/PID), opened after the
 * journals of processes that died have been taken over: each message they
 * were parsing is recorded in @store's quarantine (it runs its own
 * transactions, so call it outside one). One per process: a second call
 * for the same database returns the same journal (with a reference); the
 * fatal-signal handlers that mark a crash are installed by the first.
 * NULL with @error when the folder beside the database cannot be written. */
RdJournal *rd_journal_open(RdStore *store, const char *db_path, GError **error);
void rd_journal_close(RdJournal *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdJournal, rd_journal_close)

/* The quarantined sources of @store: source → the reason a person reads
 * ("crashed the parser (redress 0.9, SIGSEGV)") for those that must not be
 * parsed, or "" for suspects, which are parsed alone. Newly allocated. */
GHashTable *rd_journal_quarantined(RdStore *store, GError **error);

/* rd_message_parse() of @data with @source noted in the calling thread's
 * slot of @j while it runs (@j or @source NULL: no note). A source
 * @quarantined (may be NULL) gives a reason for is not parsed: it comes
 * back from rd_message_unparsed() with that reason, so it is stored as it
 * is and goes to triage; a suspect is parsed while no other thread of the
 * process parses. Never NULL. */
RdMessage *rd_journal_parse(RdJournal *j, GHashTable *quarantined, const char *source,
                            const char *data, gsize len, gint64 received_at,
                            const RdParseOptions *opts);

/* Parse again message @msg_id, which was kept unparsed because it
 * crashed the parser, and store it as if it had just arrived (through the
 * same mailboxes, at the same time), in its own transaction: the unparsed
 * row and its triage entry are replaced, its quarantine is lifted. The
 * parse is noted in @journal as "reparse:MSGID". Refused
 * (RD_INGEST_ERROR_REFUSED) for a message that was parsed, and, unless
 * @force, when it crashed this same version of redress. */
gboolean rd_ingest_reparse(RdIngest *ing, RdJournal *journal, gint64 msg_id, gboolean force,
                           RdIngestResult *r, GError **error);

/* @source was parsed and stored (in the caller's transaction): if it was
 * a suspect in @quarantined, it is one no longer. */
gboolean rd_journal_parsed(GHashTable *quarantined, RdStore *store, const char *source,
                           GError **error);

/* ---- the file ingest pipeline (pipeline.c) ---------------------------------- */

typedef struct {
	RdMailbox mailbox;             /* where the mail was delivered */
	gboolean have_received_at;     /* every message received at @received_at */
	gint64 received_at;
	gboolean received_from_header; /* each message's Date, where it has one */
} RdPipelineOptions;

typedef enum {
	RD_PIPELINE_DONE,        /* stored, or seen before: see result */
	RD_PIPELINE_UNREADABLE,  /* a file that could not be read: skipped */
	RD_PIPELINE_NOT_STORED,  /* the message could not be stored (rolled back alone) */
} RdPipelineOutcome;

/* What became of one message, or one file. Everything is borrowed for the
 * length of the call. */
typedef struct {
	RdPipelineOutcome outcome;
	const char *source;            /* "file:/path", "file:/path#3" (mbox), "stdin";
	                                  UNREADABLE: the path */
	const RdIngestResult *result;  /* DONE */
	const char *message_id;        /* NOT_STORED: the message's Message-ID, or NULL */
	const char *error;             /* UNREADABLE, NOT_STORED: what went wrong */
} RdPipelineReport;

typedef void (*RdPipelineFunc)(const RdPipelineReport *r, gpointer user_data);

typedef struct {
	guint seen, stored, new_cases, on_cases, triage, duplicates, new_routes;
	guint selftests;               /* redress's own self-test mail: noted only */
	guint read_errors, store_errors;
	guint unconfirmed;             /* committed but not confirmed on disk */
	GError *unsynced;              /* why the disk could not confirm them (owned) */
} RdPipelineCounts;
void rd_pipeline_counts_clear(RdPipelineCounts *n);

/* Store the messages of @files (paths as rd_source_list() gives them, or
 * "-" for one message on standard input) through @ing, in input order,
 * calling @func for each once its commit is on disk. @db_path is opened a
 * second time for the checkpointer's thread. FALSE with @error when the
 * database became unusable, or with @counts_r->unsynced set when the disk
 * could not confirm the last commits: what was confirmed before was still
 * reported. @counts_r must be zeroed by the caller. */
gboolean rd_pipeline_run(RdIngest *ing, RdStore *store, const RdConfig *cfg, const char *db_path,
                         GPtrArray *files, const RdPipelineOptions *o, RdPipelineFunc func,
                         gpointer user_data, RdPipelineCounts *counts_r, GError **error);

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

/* ---- fetching: IMAP into the case file (fetch.c) ------------------------ */

typedef struct {
	guint found;             /* new UIDs above the cursor at the start */
	guint fetched, stored, duplicates, new_routes;
	guint selftests;         /* redress's own self-test mail, noted and removed */
} RdFetchCounts;

/* One fetch pass over the open session @s of @mailbox, as `redress fetch`
 * does it: resync on a new UIDVALIDITY, finish the moves a crash left
 * undone, then the new messages stored with the cursor in transactions of
 * up to 256 and moved (or flagged) after their commit — redress's own
 * self-test mail is removed instead (rd_imap_remove); a thread of the
 * pass's own fetches and parses the next batches (at most four waiting
 * for the writer, AHEAD in fetch.c) while this one stores, each parse
 * noted in @journal (may be NULL), and a message that crashed the parser
 * before is stored unparsed (see rd_journal_parse). One log line per
 * message. @ckpt (may be NULL) is told of every commit
 * (rd_checkpointer_committed). When *@stop (may
 * be NULL) becomes non-zero, the pass ends once the batches already
 * fetched are committed and moved. FALSE with @error on failure; *@store_broken_r
 * is then TRUE when the database (not the server) failed. @counts_r
 * holds what was committed, even on failure. */
gboolean rd_fetch_pass(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s,
                       RdMailbox mailbox, RdCheckpointer *ckpt, RdJournal *journal,
                       const gint *stop, RdFetchCounts *counts_r,
                       gboolean *store_broken_r, GError **error);

/* Called on the caller's thread straight after each commit that stored
 * new mail, before that mail is moved: @counts holds what the pass has
 * committed so far. The daemon wakes its sender here, so that the letters
 * of a commit go out while the pass is still moving, fetching and storing
 * the rest (a pass over many messages would otherwise hold every letter
 * back until its end). */
typedef void (*RdFetchCommitFunc)(const RdFetchCounts *counts, gpointer user_data);

/* rd_fetch_pass() with @on_commit (may be NULL) called as above. */
gboolean rd_fetch_pass_notify(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s,
                              RdMailbox mailbox, RdCheckpointer *ckpt, RdJournal *journal,
                              const gint *stop, RdFetchCommitFunc on_commit, gpointer user_data,
                              RdFetchCounts *counts_r, gboolean *store_broken_r, GError **error);

G_END_DECLS

#endif /* RD_INBOUND_H */
