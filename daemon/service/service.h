/*
 * service.h — `redress daemon`, the long-running service: one thread per
 * IMAP mailbox, the outbox sender and the deadline sweep, each on its own
 * timer and its own database connection, under a GMainLoop that handles
 * signals, the heartbeat and sd_notify.
 *
 * Calls every room below it (base/, net/, casework/, inbound/,
 * outbound/); only cli/ calls it.
 */
#ifndef RD_SERVICE_H
#define RD_SERVICE_H

#include <glib.h>
#include "base/base.h"
#include "net/net.h"
#include "casework/casework.h"
#include "inbound/inbound.h"
#include "outbound/outbound.h"

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
/* Condition @key ("mailbox complaints", "smtp", "sweep", "database")
 * failed just now with @error, or works. Thread-safe; NULL is a no-op. */
void rd_alerts_failing(RdAlerts *a, const char *key, const char *error);
void rd_alerts_ok(RdAlerts *a, const char *key);
/* From the main loop: send the alerts that are due at @now (a failure
 * older than its threshold, a recovery after an alert), each on a thread
 * of its own. */
void rd_alerts_check(RdAlerts *a, gint64 now);
/* Waits for alerts still being sent. */
void rd_alerts_free(RdAlerts *a);

G_END_DECLS

#endif /* RD_SERVICE_H */
