/*
 * service.h — `redress daemon`, the long-running service: one thread per
 * IMAP mailbox, the outbox sender and the deadline sweep, each on its own
 * timer and its own database connection, under a GMainLoop that handles
 * signals, the heartbeat and sd_notify; and the self-test of the reply
 * addresses, which the daemon runs at start and `redress selftest` on
 * demand.
 *
 * Calls every room below it (base/, net/, casework/, inbound/,
 * outbound/) and the report room (report/), whose documents it mails;
 * only cli/ calls it.
 */
#ifndef RD_SERVICE_H
#define RD_SERVICE_H

#include <glib.h>
#include "base/base.h"
#include "net/net.h"
#include "casework/casework.h"
#include "inbound/inbound.h"
#include "outbound/outbound.h"
#include "report/report.h"

G_BEGIN_DECLS

/* Run until SIGTERM or SIGINT, finishing the message or letter in hand;
 * SIGHUP reloads @config_path (NULL: the built-in defaults) and swaps the
 * threads over only if the new configuration is good. Takes ownership of
 * @cfg and @store (closed on return); @db_path names the database in log
 * lines and is where the threads open their own connections. Returns an
 * exit status (RD_EXIT_*). */
int rd_service_run(RdConfig *cfg, RdStore *store, const char *db_path, const char *config_path);

/* ---- alerts by mail (alerts.c) ------------------------------------------- */

/* What the daemon's threads report, and what the main loop mails. */
typedef struct _RdAlerts RdAlerts;
RdAlerts *rd_alerts_new(const char *db_path);
/* The configuration the alerts are sent with (borrowed until the next
 * call; set again at each reload). */
void rd_alerts_set_config(RdAlerts *a, const RdConfig *cfg);
/* Condition @key ("mailbox complaints", "smtp", "sweep", "reports", "purge", "database")
 * failed just now with @error, or works. Thread-safe; NULL is a no-op. */
void rd_alerts_failing(RdAlerts *a, const char *key, const char *error);
void rd_alerts_ok(RdAlerts *a, const char *key);
/* From the main loop: send the alerts that are due at @now (a failure
 * older than its threshold, a recovery after an alert), each on a thread
 * of its own. */
void rd_alerts_check(RdAlerts *a, gint64 now);
/* Waits for alerts still being sent. */
void rd_alerts_free(RdAlerts *a);

/* ---- the self-test (selftest.c) ------------------------------------------------- */

typedef enum {
	RD_SELFTEST_OK = 0,             /* the plus-address mail arrived */
	RD_SELFTEST_NOT_CONFIGURED,     /* no [smtp] url, or no imap_url for complaints */
	RD_SELFTEST_SMTP_FAILED,        /* the SMTP server could not be used, or refused */
	RD_SELFTEST_IMAP_FAILED,        /* the complaints mailbox could not be read */
	RD_SELFTEST_NO_PLUS_ADDRESSING, /* the mail to the mailbox's own address
	                                   arrived (or was accepted) and the
	                                   plus-address one did not */
	RD_SELFTEST_NOT_DELIVERED,      /* neither arrived in time */
	RD_SELFTEST_STOPPED,            /* *stop was set before the answer */
} RdSelftestOutcome;

/* "ok", "not-configured", "smtp-failed", "imap-failed",
 * "no-plus-addressing", "not-delivered", "stopped". */
const char *rd_selftest_outcome_to_string(RdSelftestOutcome o);

typedef struct {
	RdSelftestOutcome outcome;
	gint64 at;                /* when it started (Unix seconds) */
	char *address;            /* the plus address tested, or NULL */
	double seconds;           /* OK: from sending to seeing it arrive; else -1 */
	gboolean seen_by_intake;  /* OK: a running redress fetched it first */
	char *summary;            /* what happened, one sentence without a full stop */
	char *detail;             /* the server's words when it refused, or NULL */
	GPtrArray *advice;        /* char*: what to configure, a paragraph each;
	                             empty when OK */
} RdSelftestResult;
void rd_selftest_result_clear(RdSelftestResult *r);

/* Do replies to case addresses reach the complaints mailbox? Opens
 * [mailbox:complaints], sends a test mail through [smtp] (the sink letters
 * use) to a reply address made with @store's token key, and a control
 * mail to the mailbox's own address, then watches the mailbox up to
 * @timeout_s seconds (IDLE where the server has it; @wake_fd, -1 for
 * none, ends a wait early) and intake's notes, and removes the test mail
 * it finds. *@stop (may be NULL) non-zero ends the watch. Fills @r
 * (clear it with rd_selftest_result_clear); FALSE with @error only when
 * the store or the system failed. */
gboolean rd_selftest_run(RdStore *store, const RdConfig *cfg, guint timeout_s, const gint *stop,
                         int wake_fd, RdSelftestResult *r, GError **error);

/* The setting that keeps the last result: "WHEN<TAB>OUTCOME<TAB>SUMMARY". */
#define RD_SELFTEST_LAST_SETTING "selftest_last"
gboolean rd_selftest_record(RdStore *store, const RdSelftestResult *r, GError **error);
/* The last result recorded: *@at_r 0 (and NULL strings) if none; the
 * strings newly allocated. */
gboolean rd_selftest_last(RdStore *store, gint64 *at_r, char **outcome_r, char **summary_r,
                          GError **error);

/* ---- oversight reports by mail (reports.c) ------------------------------------ */

/* What became of the report for one recipient. */
typedef struct {
	char *to;
	gint64 outbox_id;        /* its letter in the outbox */
	gboolean queued;         /* queued now; FALSE: it had been before */
	char *status;            /* the earlier letter's status ("queued",
	                            "sent", "failed", …), or NULL */
	gint64 sent_at;          /* when the earlier letter went, or 0 */
} RdReportQueued;
void rd_report_queued_free(RdReportQueued *q);

/* Queue the oversight report for @from..@to (the @sets figures, as HTML,
 * counted as of @now) to each of @recipients: one oversight-report letter
 * each, in one transaction, under the idempotency key
 * "report/PERIOD/ADDRESS", so each recipient gets a period's report once
 * however often this runs, by the daemon or by hand. With @again, a new
 * copy is queued even so. *@results_r gets an RdReportQueued* per
 * recipient, in order. FALSE: the store failed, or the letter could not
 * be written. */
gboolean rd_reports_queue(RdStore *store, const RdConfig *cfg, RdRules *rules, const GDate *from, const GDate *to,
                          guint sets, const char *const *recipients, gboolean again, gint64 now,
                          GPtrArray **results_r, GError **error);
/* The daemon's scheduled reports ([reports]): for each period kind in
 * schedule, the latest one that has ended, once send_after_days working
 * days have passed since its last day (today in Europe/London), to every
 * recipient that has not had it. Earlier periods are never sent.
 * *@queued_r counts the letters queued. */
gboolean rd_reports_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, guint *queued_r,
                        GError **error);

G_END_DECLS

#endif /* RD_SERVICE_H */
