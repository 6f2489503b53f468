/*
 * outbound.h — letters going out: the sink family (a folder, SMTP)
 * behind one ops table, the outbox sender and copies in the Sent folder.
 *
 * Calls base/ and net/ (OAuth tokens, IMAP APPEND); never casework/ —
 * what a failed letter means for a case is told back to the caller
 * through RdSendFunc.
 */
#ifndef RD_OUTBOUND_H
#define RD_OUTBOUND_H

#include <glib.h>
#include "base/base.h"
#include "net/net.h"
#include "store.h"

G_BEGIN_DECLS

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
	GHashTable *unrecorded;  /* rd_outbox_send()'s own: outcomes this sink
	                            gave that the store could not record yet
	                            (sender.c), or NULL; freed with the sink */
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
/* ---- copies of purged mail in the IMAP folders (purgecopies.c) ----------- */

typedef struct {
	guint expunged;          /* copies gone in this run */
	guint left;              /* copies still waiting (a mailbox that could
	                            not be reached or refused; tried next run) */
} RdPurgeCopiesCounts;

/* Expunge the copies a retention purge noted (rd_store_purge_copies):
 * a filed message from its mailbox's processed folder (or, with
 * keep_in_place, its watched folder), a letter from the [smtp]
 * sent_mailbox's Sent folder, each found by its Message-ID. One IMAP
 * session per mailbox and folder; a copy not found there is taken as
 * gone (a person deleted it). A mailbox that cannot be reached keeps its
 * copies for the next purge; never fails the caller, logs one line. */
void rd_purge_copies_expunge(RdStore *store, const RdConfig *cfg, RdPurgeCopiesCounts *counts_r);

G_END_DECLS

#endif /* RD_OUTBOUND_H */
