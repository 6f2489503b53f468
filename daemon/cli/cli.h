/*
 * cli.h — the `redress` command: one thin file per subcommand (options,
 * then one call into a room, then printing) and what they share: finding
 * the configuration and the database, the actor name, case lookup and
 * the structured output module.
 *
 * The top floor: it may call every room, and nothing calls it but main().
 */
#ifndef RD_CLI_H
#define RD_CLI_H

#include <glib.h>
#include "base/base.h"
#include "net/net.h"
#include "casework/casework.h"
#include "inbound/inbound.h"
#include "outbound/outbound.h"
#include "service/service.h"
#include "report/report.h"

G_BEGIN_DECLS

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
/* surveys.c: satisfaction surveys */
int rd_cmd_surveys(const RdGlobalOptions *g, int argc, char **argv);
/* actions.c, actionsdigest.c: learning actions */
int rd_cmd_actions(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_actions_digest(const RdGlobalOptions *g, int argc, char **argv);
/* `redress case new …`: a complaint made by phone, letter or in person (casenew.c). */
int rd_cmd_case_new(const RdGlobalOptions *g, int argc, char **argv);
/* A casework call failed: print why, as `redress CMD` (a refusal, or no
 * such case: exit 1; the database: exit 2). Nothing changed either way. */
int rd_cli_casework_failed(const char *cmd, const GError *err);
/* What a case action (or case new) did, as text or --json (case.c). */
void rd_cli_print_action_result(const RdGlobalOptions *g, const RdCaseActionResult *r, const char *action);
int rd_cmd_sweep(const RdGlobalOptions *g, int argc, char **argv);
/* purge.c: `redress purge` (retention) */
int rd_cmd_purge(const RdGlobalOptions *g, int argc, char **argv);
/* `redress fetch`: every IMAP mailbox (or those named) once (fetch.c). */
int rd_cmd_fetch(const RdGlobalOptions *g, int argc, char **argv);
/* `redress daemon`: the service (service/), options in daemon.c. */
int rd_cmd_daemon(const RdGlobalOptions *g, int argc, char **argv);
/* `redress status`: what the daemon last recorded (status.c). */
int rd_cmd_status(const RdGlobalOptions *g, int argc, char **argv);
/* `redress selftest`: does mail to a case's reply address arrive (selftest.c). */
int rd_cmd_selftest(const RdGlobalOptions *g, int argc, char **argv);
/* `redress backup DEST`: a consistent copy of the live database (backup.c). */
int rd_cmd_backup(const RdGlobalOptions *g, int argc, char **argv);
/* `redress restore SRC`: put a backup back (restore.c). */
int rd_cmd_restore(const RdGlobalOptions *g, int argc, char **argv);
/* `redress staff list`: the staff directory from the configuration (staff.c). */
int rd_cmd_staff(const RdGlobalOptions *g, int argc, char **argv);

/* `redress report`: oversight figures for a period (report.c). */
int rd_cmd_report(const RdGlobalOptions *g, int argc, char **argv);
/* `redress message ID --raw` and `redress attachment ID --out FILE`:
 * what was received, got back out (export.c). */
int rd_cmd_message(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_attachment(const RdGlobalOptions *g, int argc, char **argv);
/* `redress export --person ADDRESS | --case REF --to DIR|FILE.zip`: a
 * subject access export (sar.c). */
int rd_cmd_export(const RdGlobalOptions *g, int argc, char **argv);

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
/* The same, for commands that only read: the database is opened with
 * rd_store_open_readonly(), so a missing file is not created and an older
 * schema is not upgraded; either is reported with what to run (exit 1). */
int rd_open_config_and_store_readonly(const RdGlobalOptions *g, RdConfig **cfg_r,
                                      RdStore **store_r, char **db_path_r);
/* The database the subcommands use: --db, else $REDRESS_DB, else
 * [redress] database in @cfg (may be NULL), else ./redress.db. Borrowed. */
const char *rd_db_path_global(const RdGlobalOptions *g, const RdConfig *cfg);
/* Print why the store at @db could not be opened (or locked) and return
 * the exit status for it: 1 for what the user can fix (no database, an
 * old or newer schema, a daemon running), else 2 (a damaged database
 * included). */
int rd_cli_store_error(const char *db, const GError *err);
/* The exit status for a store error: 1 for what the user can fix (see
 * above; also a backup's destination, a damaged copy), else 2. */
int rd_cli_store_exit(const GError *err);
/* For tests of opening races: with REDRESS_TEST_OPEN_GATE=FILE set, wait
 * for a shared flock on FILE just before the database is opened (or the
 * daemon's lock taken), so that processes a test lines up behind a lock
 * it holds all reach the database at the same instant. */
void rd_cli_test_gate(void);

/* The casework context over @store, into *@cw_r; on failure the error is
 * printed and the exit status returned (1 for the configuration, 2 for
 * the database). */
int rd_cli_open_casework(RdStore *store, const RdConfig *cfg, RdCasework **cw_r);
/* For a command that changes cases: the configuration, the store and a
 * casework context over them, or the exit status (the error printed). */
int rd_cli_open_for_change(const RdGlobalOptions *g, RdConfig **cfg_r, RdStore **store_r, RdCasework **cw_r);

/* ---- shared by the subcommands (output.c) ---------------------------------- */

struct _JsonBuilder;
/* A member @name with the string @v, or null when @v is NULL. */
void rd_json_str(struct _JsonBuilder *b, const char *name, const char *v);
void rd_json_int(struct _JsonBuilder *b, const char *name, gint64 v);
/* An instant as ISO 8601 UTC, or null for 0. */
void rd_json_time(struct _JsonBuilder *b, const char *name, gint64 t);
/* @c as one JSON object (its facts, not its stages or messages). */
void rd_json_case(struct _JsonBuilder *b, const RdCase *c);
/* The builder's document, pretty, on stdout. */
void rd_json_print(struct _JsonBuilder *b);
/* "cli:USER" (the user behind sudo, if any): who acted, for the case
 * journey. Newly allocated. */
char *rd_cli_actor(void);
/* @s on one line of at most @max characters (UTF-8 safe, "…" when cut).
 * Newly allocated; "" for NULL. */
char *rd_cli_one_line(const char *s, glong max);
/* @s, or "-" when it is NULL or empty (a column with nothing in it). */
const char *rd_cli_or_dash(const char *s);
/* The case @arg names, typed as people type it ("cmp 2026 12"), into
 * *@case_r (owned by the caller), or NULL when there is none. FALSE only
 * when the store failed. */
gboolean rd_cli_find_case(RdStore *store, const RdConfig *cfg, const char *arg, RdCase **case_r,
                          GError **error);

/* ---- RdOut: one description, printed as JSON or as text (output.c) ------- */

typedef struct _RdOut RdOut;

/* A document to describe, for --json (@json) or for people. */
RdOut *rd_out_new(gboolean json);
void rd_out_free(RdOut *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdOut, rd_out_free)
gboolean rd_out_is_json(const RdOut *o);
/* An object or a list, member @key of the one around it (NULL at the top
 * and inside a list). With a @label, the text says it on a line of its own
 * and indents what is inside. Closed by rd_out_end(). */
void rd_out_begin(RdOut *o, const char *key, const char *label);
void rd_out_begin_list(RdOut *o, const char *key, const char *label);
void rd_out_end(RdOut *o);
/* A value: member @key in JSON (null for a NULL string, a 0 id or a 0
 * time); "Label: value" in the text when @label is not NULL ("-" for
 * nothing; times in Europe/London, "never" for 0). */
void rd_out_str(RdOut *o, const char *key, const char *label, const char *value);
void rd_out_int(RdOut *o, const char *key, const char *label, gint64 value);
void rd_out_id(RdOut *o, const char *key, const char *label, gint64 id);
void rd_out_bool(RdOut *o, const char *key, const char *label, gboolean value);
void rd_out_time(RdOut *o, const char *key, const char *label, gint64 t);
/* A line laid out for people; nothing in JSON. */
void rd_out_line(RdOut *o, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The document on stdout. */
void rd_out_print(RdOut *o);

/* `redress holidays YEAR` and `redress workdays add DATE N`. */
int rd_cmd_holidays(const RdGlobalOptions *g, int argc, char **argv);
int rd_cmd_workdays(const RdGlobalOptions *g, int argc, char **argv);

G_END_DECLS

#endif /* RD_CLI_H */
