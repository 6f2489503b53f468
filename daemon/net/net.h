/*
 * net.h — the network edges that carry no case logic: IMAP sessions
 * (libetpan, with the server certificate checked here with GnuTLS) and
 * OAuth 2.0 bearer tokens for XOAUTH2.
 *
 * Calls only base/.
 */
#ifndef RD_NET_H
#define RD_NET_H

#include <glib.h>
#include "base/base.h"

G_BEGIN_DECLS

/* ---- OAuth tokens (oauth.c) ----------------------------------------------- */

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
/* The UIDs of the messages in the folder whose Subject contains @text
 * (ASCII), ascending: UID SEARCH SUBJECT, which every server has, and
 * which never sets \Seen. For redress's self-test mail. */
GArray *rd_imap_search_subject(RdImap *s, const char *text, GError **error);
/* UID FETCH (BODY.PEEK[] INTERNALDATE) of @uids (@n of them); the
 * messages found, in UID order (RdImapMessage*, owned by the array). A
 * UID that no longer exists is simply absent. */
GPtrArray *rd_imap_fetch(RdImap *s, const guint32 *uids, guint n, GError **error);
/* After the caller's commit: move @uids to the processed folder (UID MOVE
 * if the server has MOVE, else UID COPY + \Deleted + UID EXPUNGE with
 * UIDPLUS, else COPY + \Deleted + EXPUNGE), or with keep_in_place set
 * RD_IMAP_KEYWORD on them. */
gboolean rd_imap_finish(RdImap *s, const guint32 *uids, guint n, GError **error);
/* Remove @uids from the folder for good: \Deleted, then UID EXPUNGE of
 * just those (UIDPLUS). A server without UIDPLUS gets rd_imap_finish()
 * instead, since its plain EXPUNGE would also remove what a person had
 * marked deleted. For redress's own self-test mail, never for mail from
 * anyone else. */
gboolean rd_imap_remove(RdImap *s, const guint32 *uids, guint n, GError **error);
/* Wait up to @timeout_s seconds for new mail: IDLE when the server has
 * it, else a sleep and NOOP. *@new_mail_r says whether the folder grew.
 * When the server told of new mail in its answer to the last open-ended
 * rd_imap_search() (first:*), it returns at once with new mail, without
 * waiting: that mail may not be in the search's answer, and the server
 * would not tell of it again. */
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
/* For a retention purge, on a session from rd_imap_open_account(): SELECT
 * @folder (NULL: the mailbox's processed folder, or with keep_in_place
 * its watched folder, where redress left the mail it filed). A folder
 * that does not exist holds nothing: TRUE with *@exists_r FALSE. */
gboolean rd_imap_select_purge_folder(RdImap *s, const char *folder, gboolean *exists_r, GError **error);
/* Expunge every message of the selected folder whose Message-ID header
 * is @message_id (with or without its angle brackets): UID SEARCH HEADER
 * Message-ID, \Deleted, then UID EXPUNGE of just those (UIDPLUS), else
 * EXPUNGE. *@n_r: how many went (0 when none was there). */
gboolean rd_imap_expunge_message_id(RdImap *s, const char *message_id, guint *n_r, GError **error);

G_END_DECLS

#endif /* RD_NET_H */
