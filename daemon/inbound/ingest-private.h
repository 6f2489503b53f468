/*
 * ingest-private.h — what ingest.c shares with staffmail.c, the path of
 * mail from the council's own staff. Not for use outside inbound/.
 */
#ifndef RD_INGEST_PRIVATE_H
#define RD_INGEST_PRIVATE_H

#include "inbound/inbound.h"

G_BEGIN_DECLS

struct _RdIngest {
	RdCasework *cw;            /* borrowed: the store, configuration, rules */
	RdStore *store;            /* rd_casework_store(cw) */
	const RdConfig *cfg;       /* rd_casework_config(cw) */
	RdRules *rules;            /* rd_casework_rules(cw) */
	const guint8 *key;         /* rd_casework_token_key(cw) */
};

/* The message row itself, its route, attachments and (for bytes kept
 * unparsed) its quarantine link, with @kind and @via as stored (the
 * RdKind strings, or a staff kind such as "staff-reply"). The raw bytes
 * must already be stored. Returns the row id, 0 on error. */
gint64 rd_ingest_insert_message(RdIngest *ing, gsize len, const RdMessage *msg, const char *content_hash,
                                gint64 case_id, const char *kind, const char *via, const char *reason,
                                RdMailbox mailbox, gint64 received_at, const char *source, GError **error);

/* Mail from a member of staff, or to a staff reply address
 * (staffmail.c): when it is (*@handled_r TRUE), everything it means is
 * written here, inside the caller's transaction, and @r filled; when it
 * is not, nothing is written and intake goes on as for anyone's mail. */
gboolean rd_ingest_staff(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, const char *content_hash,
                         RdMailbox mailbox, gint64 received_at, const char *source, gboolean *handled_r,
                         RdIngestResult *r, GError **error);

/* Mail to a survey's reply address whose MAC holds (surveymail.c): when
 * it is (*@handled_r TRUE), the reply is kept, read and recorded (or put
 * in triage) inside the caller's transaction, and @r filled; otherwise
 * nothing is written. */
gboolean rd_ingest_survey(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, const char *content_hash,
                          RdMailbox mailbox, gint64 received_at, const char *source, gboolean *handled_r,
                          RdIngestResult *r, GError **error);

G_END_DECLS

#endif /* RD_INGEST_PRIVATE_H */
