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

G_END_DECLS

#endif /* RD_SERVICE_H */
