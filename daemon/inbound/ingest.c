/*
 * ingest.c — one parsed message into the case file.
 *
 * The order of work for a message:
 *   0. redress's own self-test mail (selftest.c) is only noted as seen:
 *      no message row, no case, no triage, no letter.
 *   1. Dedupe: the exact bytes, or the same Message-ID *and* content hash
 *      (never the Message-ID alone), seen before → at most a new route is
 *      recorded ("the same mail also reached the Chief Executive").
 *   2. Look up what the store knows (token address, Message-IDs named in
 *      In-Reply-To/References or a bounce, case references, the sender's
 *      closed cases) and ask procedure/ to decide. The decision is pure.
 *   3. Write raw bytes, message, route, attachments, case changes, events
 *      and any triage entry. The caller holds the transaction, so all of
 *      this commits together or not at all.
 *
 * Nothing here prints; the caller reports results after the commit, so no
 * message is ever reported done before it is durable.
 */
#include <string.h>
#include "inbound/ingest-private.h"

RdIngest *
rd_ingest_new(RdCasework *cw)
{
	g_return_val_if_fail(cw != NULL, NULL);
	RdIngest *ing = g_new0(RdIngest, 1);
	ing->cw = cw;
	ing->store = rd_casework_store(cw);
	ing->cfg = rd_casework_config(cw);
	ing->rules = rd_casework_rules(cw);
	ing->key = rd_casework_token_key(cw);
	return ing;
}

void
rd_ingest_free(RdIngest *ing)
{
	g_free(ing);
}

void
rd_ingest_result_clear(RdIngestResult *r)
{
	g_clear_pointer(&r->message_id, g_free);
	g_clear_pointer(&r->case_ref, g_free);
	g_clear_pointer(&r->kind, g_free);
	g_clear_pointer(&r->via, g_free);
	g_clear_pointer(&r->reason, g_free);
	g_clear_pointer(&r->problem, g_free);
}

/* The cases looked up for one decision: RdCase rows own the strings the
 * RdCaseViews point at; the view arrays point into @views. */
typedef struct {
	GPtrArray *cases;        /* RdCase*, owned */
	GPtrArray *views;        /* RdCaseView*, owned (g_free) */
	GPtrArray *ref_views;    /* borrowed from views: cases named by reference */
	GPtrArray *unknown_refs; /* borrowed from the message: references to no case */
	GPtrArray *closed_views; /* borrowed from views: the sender's closed cases */
} Lookups;

static void
lookups_init(Lookups *l)
{
	l->cases = g_ptr_array_new_with_free_func((GDestroyNotify)rd_case_free);
	l->views = g_ptr_array_new_with_free_func(g_free);
	l->ref_views = g_ptr_array_new();
	l->unknown_refs = g_ptr_array_new();
	l->closed_views = g_ptr_array_new();
}

static void
lookups_clear(Lookups *l)
{
	g_clear_pointer(&l->cases, g_ptr_array_unref);
	g_clear_pointer(&l->views, g_ptr_array_unref);
	g_clear_pointer(&l->ref_views, g_ptr_array_unref);
	g_clear_pointer(&l->unknown_refs, g_ptr_array_unref);
	g_clear_pointer(&l->closed_views, g_ptr_array_unref);
}

/* What procedure/ is told of @c (taken over by @l, which frees it), into
 * *@view_r. FALSE only when the store failed. */
static gboolean
view_of(RdIngest *ing, Lookups *l, RdCase *c, const char *sender, const RdCaseView **view_r,
        GError **error)
{
	RdCaseView *v = g_new0(RdCaseView, 1);
	v->id = c->id;
	v->reference = c->reference;
	if (!rd_case_state_from_string(c->state, &v->state))
		v->state = RD_CASE_STAGE1;
	g_ptr_array_add(l->cases, c);
	g_ptr_array_add(l->views, v);
	*view_r = v;
	return sender == NULL ||
	       rd_store_case_has_party(ing->store, c->id, sender, &v->sender_is_party, error);
}

/* A row that a decision or a foreign key names must be there; its absence
 * is a damaged database, reported as such. */
static gboolean
need_case(RdStore *st, gint64 id, RdCase **c_r, GError **error)
{
	if (!rd_store_case_get(st, id, c_r, error))
		return FALSE;
	if (*c_r == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "case %" G_GINT64_FORMAT " is named but not in the database", id);
		return FALSE;
	}
	return TRUE;
}

static gboolean
need_message(RdStore *st, gint64 id, RdMessageRow **m_r, GError **error)
{
	if (!rd_store_message_get(st, id, m_r, error))
		return FALSE;
	if (*m_r == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "message %" G_GINT64_FORMAT " is named but not in the database", id);
		return FALSE;
	}
	return TRUE;
}

static char *
join_addresses(GPtrArray *addrs)
{
	if (addrs == NULL || addrs->len == 0)
		return NULL;
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < addrs->len; i++) {
		const RdAddress *a = addrs->pdata[i];
		if (s->len)
			g_string_append(s, ", ");
		g_string_append(s, a->email);
	}
	return g_string_free(s, FALSE);
}

static char *
join_ids(GPtrArray *ids)
{
	if (ids == NULL || ids->len == 0)
		return NULL;
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < ids->len; i++) {
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append(s, (const char *)ids->pdata[i]);
	}
	return g_string_free(s, FALSE);
}


/* Fill @r from an already stored message (the duplicate path). */
static gboolean
result_from_row(RdIngest *ing, gint64 msg_id, RdIngestResult *r, GError **error)
{
	g_autoptr(RdMessageRow) row = NULL;
	if (!need_message(ing->store, msg_id, &row, error))
		return FALSE;
	r->msg_id = msg_id;
	r->message_id = g_strdup(row->message_id);
	r->kind = g_strdup(row->kind);
	r->via = g_strdup(row->via);
	r->reason = g_strdup(row->reason);
	r->problem = g_strdup(row->problem);
	if (row->case_id != 0) {
		g_autoptr(RdCase) c = NULL;
		if (!need_case(ing->store, row->case_id, &c, error))
			return FALSE;
		r->case_ref = g_strdup(c->reference);
	}
	return TRUE;
}

/* The message row itself, its route, attachments and (for bytes kept
 * unparsed) its quarantine link. Returns the row id, 0 on error. */
gint64
rd_ingest_insert_message(RdIngest *ing, gsize len, const RdMessage *msg, const char *content_hash,
                         gint64 case_id, const char *kind, const char *via, const char *reason,
                         RdMailbox mailbox, gint64 received_at, const char *source, GError **error)
{
	RdStore *st = ing->store;
	g_autofree char *to = join_addresses(msg->to);
	g_autofree char *cc = join_addresses(msg->cc);
	g_autofree char *refs = join_ids(msg->references);
	RdMessageNew m = { 0 };
	m.case_id = case_id;
	m.direction = "in";
	m.raw_sha256 = msg->raw_sha256;
	m.content_hash = content_hash != NULL ? content_hash : msg->content_hash;
	m.size = len;
	m.message_id = msg->message_id;
	m.in_reply_to = msg->in_reply_to;
	m.references = refs;
	m.subject = msg->subject;
	m.from_email = msg->from ? msg->from->email : NULL;
	m.from_name = msg->from ? msg->from->name : NULL;
	m.to_addrs = to;
	m.cc_addrs = cc;
	m.date = msg->date;
	m.received_at = received_at;
	m.kind = kind;
	m.via = via;
	m.reason = reason;
	m.auto_reason = msg->auto_reason;
	m.bounced_message_id = msg->bounced_message_id;
	m.problem = msg->problem != RD_PROBLEM_NONE ? rd_parse_problem_to_string(msg->problem) : NULL;
	m.problem_detail = msg->problem_detail;
	m.body_text = msg->text;
	m.new_text = msg->new_text;
	gint64 msg_id = rd_store_message_insert(st, &m, error);
	if (msg_id == 0)
		return 0;

	gboolean added = FALSE;
	if (!rd_store_route_add(st, msg_id, rd_mailbox_to_string(mailbox), received_at, source, &added, error))
		return 0;
	/* Where the quarantined bytes are now, for `redress triage`. */
	if (msg->problem == RD_PROBLEM_CRASHED_PARSER && source != NULL &&
	    !rd_store_quarantine_set_message(st, source, msg_id, error))
		return 0;
	for (guint i = 0; msg->attachments && i < msg->attachments->len; i++) {
		const RdAttachment *a = msg->attachments->pdata[i];
		if (!rd_store_attachment_add(st, msg_id, a->filename, a->content_type, a->size,
		                             a->sha256, a->is_tnef, error))
			return 0;
	}
	return msg_id;
}

/* A delivery failure report on a case: the letter it names (by the
 * Message-ID of the returned headers) is marked bounced, with an event and
 * an alert to the handler, because a letter that bounced has not reached
 * anyone — an acknowledgement that bounced means the complaint has not
 * been acknowledged. A report that names no letter of this case is an
 * event all the same. */
static gboolean
record_bounce(RdIngest *ing, const RdMessage *msg, gint64 msg_id, gint64 case_id, gint64 received_at,
              GError **error)
{
	RdStore *st = ing->store;
	const char *severity = msg->bounce_status == NULL ? ""
	                       : msg->bounce_status[0] == '5' ? ", permanent failure"
	                       : ", temporary failure";
	g_autofree char *why = g_strdup_printf("%s%s%s%s%s", msg->bounce_status ? msg->bounce_status : "no status given",
	                                       msg->bounce_diagnostic ? " (" : "",
	                                       msg->bounce_diagnostic ? msg->bounce_diagnostic : "",
	                                       msg->bounce_diagnostic ? ")" : "", severity);
	g_autoptr(RdOutboxRow) letter = NULL;
	if (!rd_store_outbox_find_by_message_id(st, msg->bounced_message_id, &letter, error))
		return FALSE;
	gboolean marked = FALSE;
	if (letter != NULL && letter->case_id == case_id &&
	    !rd_store_outbox_mark_bounced(st, letter->id, received_at, msg->bounce_status, msg->bounce_diagnostic,
	                                  msg_id, &marked, error))
		return FALSE;
	if (!marked) {
		g_autofree char *detail = g_strdup_printf(
			"A letter could not be delivered%s%s%s%s%s: %s. The handler must check the address: "
			"a letter that bounced has not reached the complainant.",
			msg->bounced_message_id ? " (Message-ID " : "",
			msg->bounced_message_id ? msg->bounced_message_id : "",
			msg->bounced_message_id ? ")" : "",
			msg->bounced_recipient ? " to " : "",
			msg->bounced_recipient ? msg->bounced_recipient : "", why);
		return rd_store_event_add(st, case_id, received_at, "redress", "letter-undelivered", detail, msg_id,
		                          error) != 0;
	}
	gboolean ack = g_str_has_suffix(letter->kind, "-acknowledgement") ||
	               strcmp(letter->kind, "chief-executive-referral") == 0;
	g_autofree char *sent = letter->sent_at ? rd_time_format_local(letter->sent_at) : g_strdup("?");
	g_autofree char *detail = g_strdup_printf(
		"The %s sent to %s on %s bounced: %s. %s", letter->kind, letter->to_addr, sent, why,
		ack ? "The complaint has NOT been acknowledged: contact the complainant another way and "
		      "record it on the case."
		    : "It has not reached the recipient: send it another way or correct the address.");
	if (rd_store_event_add(st, case_id, received_at, "redress", "letter-bounced", detail, msg_id, error) == 0)
		return FALSE;
	if (!rd_casework_letters_on(ing->cw))
		return TRUE;
	return rd_letters_alert_failure_in(rd_rules_letters(ing->rules), st, letter, detail, "bounce", received_at,
	                                   error);
}

/* The complainant's files for the staff notices about their mail, within
 * [letters] notice_attachments_mb in all: the message parsed again keeping
 * the bytes (intake only hashes them). The rest are named in left_out,
 * so the notice says what it does not carry. */
typedef struct {
	RdMessage *again;        /* owns the bytes @files point into */
	GArray *files;           /* RdLetterAttachment */
	char *left_out;          /* "video.mp4 (41.2 MB), …" or NULL */
} NoticeFiles;

static void
notice_files_clear(NoticeFiles *f)
{
	g_clear_pointer(&f->files, g_array_unref);
	g_clear_pointer(&f->again, rd_message_free);
	g_clear_pointer(&f->left_out, g_free);
}

static void
notice_files(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, gint64 at, NoticeFiles *f)
{
	memset(f, 0, sizeof *f);
	if (data == NULL || msg->attachments == NULL || msg->attachments->len == 0 ||
	    !rd_casework_letters_on(ing->cw))
		return;
	gsize room = (gsize)ing->cfg->notice_attachments_mb << 20, total = 0;
	/* Only what will be sent on needs its bytes again. */
	const GPtrArray *atts = msg->attachments;
	if (room > 0) {
		RdParseOptions opts = ing->cfg->limits;
		opts.attachment_data = TRUE;
		f->again = rd_message_parse(data, len, at, &opts);
		atts = f->again->attachments;
	}
	f->files = g_array_new(FALSE, TRUE, sizeof(RdLetterAttachment));
	g_autoptr(GString) left = g_string_new(NULL);
	for (guint i = 0; atts != NULL && i < atts->len; i++) {
		const RdAttachment *a = atts->pdata[i];
		gsize n = a->data != NULL ? g_bytes_get_size(a->data) : 0;
		if (a->data != NULL && total + n <= room) {
			RdLetterAttachment la = { 0 };
			la.filename = a->filename;
			la.content_type = a->content_type;
			la.data = g_bytes_get_data(a->data, &la.len);
			g_array_append_val(f->files, la);
			total += n;
			continue;
		}
		g_autofree char *size = g_format_size(a->size);
		g_string_append_printf(left, "%s%s (%s)", left->len ? ", " : "", a->filename ? a->filename : "unnamed",
		                       size);
	}
	if (left->len > 0)
		f->left_out = g_string_free(g_steal_pointer(&left), FALSE);
}

/* A complainant writing on their case is news for the person handling
 * it (else the complaints manager): a staff-correspondence notice with
 * what they wrote, which the member answers by replying. On a closed case
 * the notice says so and what can be done, since nobody is watching a
 * closed case. Mail from the handler or the manager themselves (a reply
 * that reached the case's address without a staff directory) is not
 * news to them. */
static gboolean
notify_correspondence(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, gint64 msg_id,
                      gint64 case_id, gint64 received_at, GError **error)
{
	if (!rd_casework_letters_on(ing->cw))
		return TRUE;
	g_autoptr(RdCase) c = NULL;
	if (!need_case(ing->store, case_id, &c, error))
		return FALSE;
	const char *to = c->handler != NULL ? c->handler : ing->cfg->complaints_manager;
	const char *from = msg->from ? msg->from->email : NULL;
	if (to == NULL || (from != NULL && (g_ascii_strcasecmp(from, to) == 0 ||
	                                    rd_config_staff_member(ing->cfg, from) != NULL)))
		return TRUE;
	gboolean closed = strcmp(c->state, "closed") == 0 || strcmp(c->state, "stage1-closed") == 0;
	g_autofree char *key = g_strdup_printf("%s/correspondence/%" G_GINT64_FORMAT, c->reference, msg_id);
	RdLetterRequest r = { 0 };
	r.name = "staff-correspondence";
	r.idem_key = key;
	r.c = c;
	r.mailbox = RD_MAILBOX_COMPLAINTS;
	r.to_addr = to;
	r.to_complainant = FALSE;
	r.text = msg->new_text != NULL && *msg->new_text != '\0' ? msg->new_text : msg->text;
	r.reason = closed ? "closed" : NULL;
	NoticeFiles files;
	notice_files(ing, data, len, msg, received_at, &files);
	r.attachments = files.files ? (const RdLetterAttachment *)(void *)files.files->data : NULL;
	r.n_attachments = files.files ? files.files->len : 0;
	r.attachments_left_out = files.left_out;
	gboolean ok = rd_letters_queue(rd_rules_letters(ing->rules), ing->store, &r, received_at, NULL, error);
	notice_files_clear(&files);
	return ok;
}

/* A complainant writing on a closed case may be raising it again, making
 * a new complaint, or asking for Stage 2 in words the phrases missed:
 * nobody is watching a closed case, so the mail also waits in triage
 * until a person decides (it stays on the case meanwhile, and the handler
 * has the staff-correspondence notice). Mail from staff is not offered. */
static gboolean
offer_closed(RdIngest *ing, const RdMessage *msg, gint64 msg_id, gint64 case_id, gint64 received_at,
             GError **error)
{
	g_autoptr(RdCase) c = NULL;
	if (!need_case(ing->store, case_id, &c, error))
		return FALSE;
	gboolean stage1_closed = strcmp(c->state, "stage1-closed") == 0;
	if (!stage1_closed && strcmp(c->state, "closed") != 0)
		return TRUE;
	const char *from = msg->from ? msg->from->email : NULL;
	if (from == NULL || rd_config_staff_member(ing->cfg, from) != NULL ||
	    (c->handler != NULL && g_ascii_strcasecmp(from, c->handler) == 0))
		return TRUE;
	g_autoptr(GString) why = g_string_new(NULL);
	g_string_printf(why, "Written on %s after it was closed%s. Decide what it is: the same complaint, not put right "
	                "(redress triage reopen %" G_GINT64_FORMAT "); a new complaint (redress triage new %"
	                G_GINT64_FORMAT ")", c->reference, stage1_closed ? " (Stage 1 answered)" : "", msg_id, msg_id);
	/* No Stage 2 to offer on a case closed for good. */
	if (stage1_closed)
		g_string_append_printf(why, "; a request for Stage 2 (redress triage stage2 %" G_GINT64_FORMAT ")", msg_id);
	g_string_append_printf(why, "; or only correspondence (redress triage assign %" G_GINT64_FORMAT " %s).", msg_id,
	                       c->reference);
	return rd_store_triage_add(ing->store, msg_id, why->str, c->reference, received_at, error);
}

/* What the message means for the case it is on: its event, and for a
 * Stage 2 request the stage opened, for a bounce the letter marked as not
 * delivered. @single: the case's single-stage profile, when a Stage 2
 * request had to become correspondence. */
static gboolean
record_on_case(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, gint64 msg_id, gint64 case_id,
               RdKind kind,
               const char *reason, const RdProfile *single, RdMailbox mailbox, gint64 received_at,
               GError **error)
{
	RdStore *st = ing->store;
	const char *actor = msg->from ? msg->from->email : "unknown sender";
	if (rd_store_event_add(st, case_id, received_at, actor, rd_kind_to_string(kind), reason, msg_id,
	                       error) == 0)
		return FALSE;
	if (single != NULL &&
	    rd_store_event_add(st, case_id, received_at, "redress", "stage2-not-available",
	                       "Stage 2 was asked for, but this procedure has a single stage: the "
	                       "complainant should be told about the Ombudsman.", msg_id, error) == 0)
		return FALSE;
	if (kind == RD_KIND_STAGE2_REQUEST) {
		g_autoptr(RdCase) c = NULL;
		if (!need_case(st, case_id, &c, error))
			return FALSE;
		RdStageOpening o = { 0 };
		o.stage = 2;
		o.mailbox = mailbox;
		o.at = received_at;
		o.actor = "redress";
		o.why = "Stage 2 opened at the complainant's request.";
		o.msg_id = msg_id;
		o.in_reply_to = msg->message_id;
		o.excerpt = msg->new_text;
		return rd_casework_open_stage(ing->cw, c, &o, error);
	}
	if (kind == RD_KIND_CORRESPONDENCE)
		return notify_correspondence(ing, data, len, msg, msg_id, case_id, received_at, error);
	if (kind != RD_KIND_BOUNCE)
		return TRUE;
	return record_bounce(ing, msg, msg_id, case_id, received_at, error);
}

/* Step 3: everything this message changes, inside the caller's
 * transaction: the raw bytes, a new case if it is a new complaint, the
 * message row, what it means for its case, its triage entry, and for a
 * new complaint the opening of Stage 1 (clock and letters). */
static gboolean
write_message(RdIngest *ing, const char *data, gsize len, const RdMessage *msg,
              const char *content_hash, RdMailbox mailbox, gint64 received_at, const char *source,
              const RdDecision *d, RdIngestResult *r, GError **error)
{
	RdStore *st = ing->store;
	if (!rd_store_raw_put(st, msg->raw_sha256, data, len, error))
		return FALSE;

	gint64 case_id = d->match ? d->match->id : 0;
	const char *case_ref = d->match ? d->match->reference : NULL;
	g_autoptr(RdCase) created = NULL;
	g_auto(RdLanguageChoice) language = { 0 };
	if (d->kind == RD_KIND_NEW_COMPLAINT) {
		RdCaseOpening o = { 0 };
		o.mailbox = mailbox;
		o.at = received_at;
		o.complainant_email = msg->from ? msg->from->email : NULL;
		o.complainant_name = msg->from ? msg->from->name : NULL;
		/* Welsh Language Standards: a Welsh message gets Welsh letters,
		 * whether its header or only its words say it is Welsh. */
		rd_casework_choose_language(rd_casework_config(ing->cw), mailbox, msg->content_language, msg->subject,
		                            msg->new_text != NULL && *msg->new_text != '\0' ? msg->new_text : msg->text,
		                            &language);
		o.language = language.language;
		o.language_why = language.why;
		o.summary = msg->subject;
		created = rd_casework_create_case(ing->cw, &o, error);
		if (created == NULL)
			return FALSE;
		case_id = created->id;
		case_ref = created->reference;
	}

	/* A procedure with a single stage (adult social care) has no Stage 2
	 * to open: the request is correspondence, and the case says why. */
	RdKind kind = d->kind;
	g_autofree char *reason = g_strdup(d->reason);
	const RdProfile *single = NULL;
	if (kind == RD_KIND_STAGE2_REQUEST) {
		g_autoptr(RdCase) c = NULL;
		if (!need_case(st, case_id, &c, error))
			return FALSE;
		const RdProfile *p = rd_rules_profile(ing->rules, c->profile);
		if (!p->has_stage2) {
			single = p;
			kind = RD_KIND_CORRESPONDENCE;
			g_free(reason);
			reason = g_strdup_printf("%s The %s procedure has a single stage, so no Stage 2 was opened: "
			                         "the complainant can go to the Ombudsman.", d->reason, p->name);
		}
	}

	gint64 msg_id = rd_ingest_insert_message(ing, len, msg, content_hash, case_id, rd_kind_to_string(kind),
	                                         rd_via_to_string(d->via), reason, mailbox, received_at, source,
	                                         error);
	if (msg_id == 0)
		return FALSE;
	if (case_id != 0 &&
	    !record_on_case(ing, data, len, msg, msg_id, case_id, kind, reason, single, mailbox, received_at, error))
		return FALSE;
	if (d->to_triage && !rd_store_triage_add(st, msg_id, d->reason, d->suggestion, received_at, error))
		return FALSE;
	if (!d->to_triage && kind == RD_KIND_CORRESPONDENCE && case_id != 0 &&
	    !offer_closed(ing, msg, msg_id, case_id, received_at, error))
		return FALSE;
	if (kind == RD_KIND_NEW_COMPLAINT) {
		RdStageOpening o = { 0 };
		o.stage = 1;
		o.mailbox = mailbox;
		o.at = received_at;
		o.msg_id = msg_id;
		o.in_reply_to = msg->message_id;
		o.excerpt = msg->new_text;
		o.language_unsure = language.unsure;
		/* Files for the new-case notice, which goes to the complaints
		 * manager (and the office's copy, for mail to an office). */
		NoticeFiles files = { 0 };
		if (ing->cfg->complaints_manager != NULL || mailbox == RD_MAILBOX_CHIEF_EXECUTIVE ||
		    mailbox == RD_MAILBOX_MONITORING_OFFICER)
			notice_files(ing, data, len, msg, received_at, &files);
		o.attachments = files.files ? (const RdLetterAttachment *)(void *)files.files->data : NULL;
		o.n_attachments = files.files ? files.files->len : 0;
		o.attachments_left_out = files.left_out;
		gboolean opened = rd_casework_open_stage(ing->cw, created, &o, error);
		notice_files_clear(&files);
		if (!opened)
			return FALSE;
	}

	r->status = RD_INGEST_STORED;
	r->msg_id = msg_id;
	r->message_id = g_strdup(msg->message_id);
	r->case_ref = g_strdup(case_ref);
	r->kind = g_strdup(rd_kind_to_string(kind));
	r->via = g_strdup(rd_via_to_string(d->via));
	r->reason = g_strdup(reason);
	r->triage = d->to_triage;
	r->new_case = created != NULL;
	r->problem = msg->problem != RD_PROBLEM_NONE ? g_strdup(rd_parse_problem_to_string(msg->problem)) : NULL;
	return TRUE;
}

/* A message already stored with @msg's Message-ID and the same content
 * (the same mail delivered to another of our mailboxes, or fetched again
 * with different trace fields): its row id, or 0. A Message-ID alone is
 * never enough (senders reuse them). Content hashes are worked out only
 * here, when there is something to compare with: the stored message's
 * from its raw bytes (and recorded, so only once), this one's into
 * *@content_hash_r, for the new row when it is not the same. */
static gboolean
find_same_content(RdIngest *ing, const char *data, gsize len, const RdMessage *msg,
                  char **content_hash_r, gint64 *id_r, GError **error)
{
	RdStore *st = ing->store;
	*id_r = 0;
	g_autoptr(GPtrArray) same_id = rd_store_message_hashes_by_message_id(st, msg->message_id, error);
	if (same_id == NULL)
		return FALSE;
	for (guint i = 0; i < same_id->len; i++) {
		RdMessageHashes *h = same_id->pdata[i];
		if (*content_hash_r == NULL)
			*content_hash_r = msg->content_hash != NULL ? g_strdup(msg->content_hash)
			                                             : rd_message_content_hash(data, len);
		if (h->content_hash == NULL) {
			g_autoptr(GBytes) raw = NULL;
			if (!rd_store_raw_get(st, h->raw_sha256, &raw, error))
				return FALSE;
			/* A row without its bytes (the schema allows it; no
			 * path writes one today) has nothing to compare, and a
			 * Message-ID alone is not enough. */
			if (raw == NULL)
				continue;
			gsize rlen = 0;
			const char *rdata = g_bytes_get_data(raw, &rlen);
			h->content_hash = rd_message_content_hash(rdata, rlen);
			if (!rd_store_message_set_content_hash(st, h->id, h->content_hash, error))
				return FALSE;
		}
		if (strcmp(h->content_hash, *content_hash_r) == 0) {
			*id_r = h->id;
			return TRUE;
		}
	}
	return TRUE;
}

/* Step 1: the row id of a message already stored with the same bytes,
 * or the same Message-ID and content, into *@existing_r (0 if none). */
static gboolean
find_stored(RdIngest *ing, const char *data, gsize len, const RdMessage *msg,
            char **content_hash_r, gint64 *existing_r, GError **error)
{
	RdStore *st = ing->store;
	if (!rd_store_message_find_raw(st, msg->raw_sha256, existing_r, error))
		return FALSE;
	if (*existing_r != 0)
		return TRUE;
	/* Bytes kept unparsed (they crashed the parser) have no content
	 * hash: only the same bytes are the same message. */
	if (msg->message_id == NULL && msg->content_hash == NULL)
		return TRUE;
	if (msg->message_id == NULL)
		return rd_store_message_find(st, NULL, msg->content_hash, existing_r, error);
	return find_same_content(ing, data, len, msg, content_hash_r, existing_r, error);
}

/* A message seen before: at most a new route ("the same mail also
 * reached the Chief Executive"), with an event on its case. */
static gboolean
record_again(RdIngest *ing, gint64 existing, RdMailbox mailbox, gint64 received_at,
             const char *source, RdIngestResult *r, GError **error)
{
	RdStore *st = ing->store;
	const char *mbox = rd_mailbox_to_string(mailbox);
	gboolean added = FALSE;
	if (!rd_store_route_add(st, existing, mbox, received_at, source, &added, error) ||
	    !result_from_row(ing, existing, r, error))
		return FALSE;
	r->status = added ? RD_INGEST_NEW_ROUTE : RD_INGEST_DUPLICATE;
	if (!added || r->case_ref == NULL)
		return TRUE;
	g_autoptr(RdMessageRow) row = NULL;
	if (!need_message(st, existing, &row, error))
		return FALSE;
	g_autofree char *detail = g_strdup_printf("The same message also arrived through the %s mailbox.", mbox);
	return rd_store_event_add(st, row->case_id, received_at, "redress", "route-added", detail, existing,
	                          error) != 0;
}

/* Step 2, the cases the message could belong to, in the order of
 * confidence procedure/ weighs them: a reply token in any recipient, the
 * Message-IDs it names (a bounce's returned message first, then
 * References newest first), case references in its text, and for the
 * Stage 2 mailbox the sender's closed cases. */
static gboolean
look_up_token(RdIngest *ing, const RdMessage *msg, const char *sender, Lookups *l, RdThreadInput *in,
              GError **error)
{
	for (guint i = 0; msg->recipients && i < msg->recipients->len && in->token_case == NULL; i++) {
		g_autofree char *ref = rd_token_verify(ing->key, RD_TOKEN_KEY_LEN, ing->cfg->reference_prefix,
		                                       msg->recipients->pdata[i]);
		if (ref == NULL)
			continue;
		RdCase *c = NULL;
		if (!rd_store_case_get_by_ref(ing->store, ref, &c, error))
			return FALSE;
		if (c != NULL && !view_of(ing, l, c, sender, &in->token_case, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
look_up_headers(RdIngest *ing, const RdMessage *msg, const char *sender, Lookups *l, RdThreadInput *in,
                GError **error)
{
	if (in->bounce && msg->bounced_message_id != NULL) {
		RdCase *c = NULL;
		if (!rd_store_case_get_by_message_id(ing->store, msg->bounced_message_id, &c, error))
			return FALSE;
		if (c != NULL && !view_of(ing, l, c, sender, &in->header_case, error))
			return FALSE;
	}
	for (guint i = msg->references ? msg->references->len : 0; i > 0 && in->header_case == NULL; i--) {
		RdCase *c = NULL;
		if (!rd_store_case_get_by_message_id(ing->store, msg->references->pdata[i - 1], &c, error))
			return FALSE;
		if (c != NULL && !view_of(ing, l, c, sender, &in->header_case, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
look_up_refs(RdIngest *ing, const RdMessage *msg, const char *sender, Lookups *l, GError **error)
{
	for (guint i = 0; msg->case_refs && i < msg->case_refs->len; i++) {
		const char *ref = msg->case_refs->pdata[i];
		RdCase *c = NULL;
		if (!rd_store_case_get_by_ref(ing->store, ref, &c, error))
			return FALSE;
		if (c == NULL) {
			g_ptr_array_add(l->unknown_refs, (gpointer)ref);
			continue;
		}
		const RdCaseView *v = NULL;
		if (!view_of(ing, l, c, sender, &v, error))
			return FALSE;
		g_ptr_array_add(l->ref_views, (gpointer)v);
	}
	return TRUE;
}

/* The sender's recent mail, for the loop checks of a would-be new case. */
static gboolean
look_up_sender_recent(RdIngest *ing, const RdMessage *msg, const char *sender, gint64 received_at,
                      RdThreadInput *in, GError **error)
{
	const RdConfig *cfg = ing->cfg;
	RdSenderHistory h;
	gint64 day = received_at - 24 * 3600;
	gint64 window = received_at - (gint64)cfg->loop_window_hours * 3600;
	if (!rd_store_sender_history(ing->store, sender, msg->subject, cfg->loop_window_hours > 0 ? msg->new_text : NULL,
	                             window,
	                             day, received_at, cfg->loop_quick_seconds, &h, error))
		return FALSE;
	in->sender_recent.same_text_msg = h.same_text_msg;
	in->sender_recent.window_hours = cfg->loop_window_hours;
	in->sender_recent.quick_answers = h.quick_answers + (h.quick_now ? 1 : 0);
	in->sender_recent.quick_seconds = cfg->loop_quick_seconds;
	in->sender_recent.quick_max = cfg->loop_quick_max;
	in->sender_recent.cases_opened = h.cases_opened;
	in->sender_recent.case_cap = cfg->daily_cap;
	return TRUE;
}

static gboolean
look_up_closed(RdIngest *ing, const char *sender, Lookups *l, GError **error)
{
	g_autoptr(GPtrArray) closed = rd_store_cases_closed_stage1_for(ing->store, sender, error);
	if (closed == NULL)
		return FALSE;
	/* Hand every row to the lookups first (they free them), then make the
	 * views, so an error part way leaks nothing. */
	g_ptr_array_set_free_func(closed, NULL);
	for (guint i = 0; i < closed->len; i++) {
		const RdCaseView *v = NULL;
		if (!view_of(ing, l, closed->pdata[i], sender, &v, error)) {
			for (guint k = i + 1; k < closed->len; k++)
				rd_case_free(closed->pdata[k]);
			return FALSE;
		}
		g_ptr_array_add(l->closed_views, (gpointer)v);
	}
	return TRUE;
}

gboolean
rd_ingest_message(RdIngest *ing, const char *data, gsize len, const RdMessage *msg,
                  RdMailbox mailbox, gint64 received_at, const char *source,
                  RdIngestResult *r, GError **error)
{
	memset(r, 0, sizeof *r);

	/* 0. Our own self-test mail, or its delivery failure report, checked
	 * before anything else so that it can never open a case or be
	 * answered. */
	const char *prefix = ing->cfg->reference_prefix;
	g_autofree char *bounced = msg->auto_kind == RD_AUTO_BOUNCE
	                           ? rd_selftest_bounced_token(ing->key, prefix, msg->bounced_message_id)
	                           : NULL;
	if (bounced != NULL || (msg->selftest != NULL && rd_selftest_token_valid(ing->key, prefix, msg->selftest))) {
		const char *token = bounced != NULL ? bounced : msg->selftest;
		const char *status = bounced == NULL ? NULL : msg->bounce_status ? msg->bounce_status : "";
		if (!rd_selftest_note_seen(ing->store, token, received_at, source, status, error))
			return FALSE;
		r->status = RD_INGEST_SELFTEST;
		r->message_id = g_strdup(msg->message_id);
		r->kind = g_strdup("selftest");
		r->via = g_strdup(rd_via_to_string(RD_VIA_NONE));
		r->reason = g_strdup(bounced != NULL
		                     ? "a delivery failure report of redress's own self-test mail: noted, "
		                       "filed on no case"
		                     : "redress's own self-test mail: noted as seen, filed on no case");
		return TRUE;
	}

	/* 1. Dedupe. */
	g_autofree char *content_hash = NULL;
	gint64 existing = 0;
	if (!find_stored(ing, data, len, msg, &content_hash, &existing, error))
		return FALSE;
	if (existing != 0) {
		if (record_again(ing, existing, mailbox, received_at, source, r, error))
			return TRUE;
		rd_ingest_result_clear(r);
		return FALSE;
	}

	/* 1b. A reply to a satisfaction survey (surveymail.c), before staff
	 * mail: handlers answer the staff survey from their own address. */
	gboolean survey = FALSE;
	if (!rd_ingest_survey(ing, data, len, msg, content_hash, mailbox, received_at, source, &survey, r, error)) {
		rd_ingest_result_clear(r);
		return FALSE;
	}
	if (survey)
		return TRUE;

	/* 1c. Mail from the council's own staff, or to a staff reply
	 * address, is theirs to act on (staffmail.c), never a complaint. */
	gboolean staff = FALSE;
	if (!rd_ingest_staff(ing, data, len, msg, content_hash, mailbox, received_at, source, &staff, r, error)) {
		rd_ingest_result_clear(r);
		return FALSE;
	}
	if (staff)
		return TRUE;
	rd_ingest_result_clear(r);
	memset(r, 0, sizeof *r);

	/* 2. What the store knows, then the decision. */
	const char *sender = msg->from ? msg->from->email : NULL;
	Lookups l;
	lookups_init(&l);
	RdDecision d = { 0 };
	RdThreadInput in = { 0 };
	in.mailbox = mailbox;
	in.sender = sender;
	in.bounce = msg->auto_kind == RD_AUTO_BOUNCE;
	in.automatic = msg->auto_kind != RD_AUTO_NONE && !in.bounce;
	in.auto_reason = msg->auto_reason;
	in.fatal_problem = rd_parse_problem_is_fatal(msg->problem)
	                   ? (msg->problem_detail ? msg->problem_detail
	                                          : rd_parse_problem_to_string(msg->problem))
	                   : NULL;
	in.subject = msg->subject;
	in.new_text = msg->new_text;
	in.stage2_phrases = (const char *const *)ing->cfg->stage2_phrases;
	gboolean ok = look_up_token(ing, msg, sender, &l, &in, error) &&
	              look_up_headers(ing, msg, sender, &l, &in, error) &&
	              look_up_refs(ing, msg, sender, &l, error) &&
	              (mailbox != RD_MAILBOX_STAGE2 || sender == NULL || look_up_closed(ing, sender, &l, error));
	/* Mail that found no case may open one: what its sender did lately
	 * tells a complaint from an automatic loop (decide.c). */
	if (ok && sender != NULL && in.token_case == NULL && in.header_case == NULL && l.ref_views->len == 0 &&
	    !in.bounce && !in.automatic && in.fatal_problem == NULL)
		ok = look_up_sender_recent(ing, msg, sender, received_at, &in, error);
	if (ok) {
		in.ref_cases = (const RdCaseView *const *)l.ref_views->pdata;
		in.n_ref_cases = l.ref_views->len;
		in.unknown_refs = (const char *const *)l.unknown_refs->pdata;
		in.n_unknown_refs = l.unknown_refs->len;
		in.sender_closed_cases = (const RdCaseView *const *)l.closed_views->pdata;
		in.n_sender_closed_cases = l.closed_views->len;
		rd_decide(&in, &d);

		/* 3. Write it all. */
		ok = write_message(ing, data, len, msg, content_hash, mailbox, received_at, source, &d, r, error);
	}
	if (!ok)
		rd_ingest_result_clear(r);
	rd_decision_clear(&d);
	lookups_clear(&l);
	return ok;
}

/* ---- parsing again what crashed the parser ------------------------------- */

G_DEFINE_QUARK(rd-ingest-error-quark, rd_ingest_error)

static gboolean
refuse(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
refuse(GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, RD_INGEST_ERROR, RD_INGEST_ERROR_REFUSED, msg);
	return FALSE;
}

/* The quarantine rows that concern @msg_id: where it came from, and an
 * earlier re-parse of it. */
static gboolean
quarantine_of(RdStore *st, gint64 msg_id, RdQuarantine **source_r, RdQuarantine **reparse_r,
              GError **error)
{
	g_autoptr(GPtrArray) rows = rd_store_quarantine_list(st, error);
	if (rows == NULL)
		return FALSE;
	g_autofree char *reparse = g_strdup_printf("reparse:%" G_GINT64_FORMAT, msg_id);
	for (guint i = 0; i < rows->len; i++) {
		RdQuarantine *q = rows->pdata[i];
		if (q->msg_id == msg_id && *source_r == NULL)
			*source_r = g_steal_pointer(&rows->pdata[i]);
		else if (strcmp(q->source, reparse) == 0)
			*reparse_r = g_steal_pointer(&rows->pdata[i]);
	}
	return TRUE;
}

gboolean
rd_ingest_reparse(RdIngest *ing, RdJournal *journal, gint64 msg_id, gboolean force,
                  RdIngestResult *r, GError **error)
{
	RdStore *st = ing->store;
	memset(r, 0, sizeof *r);
	g_autoptr(RdMessageRow) row = NULL;
	if (!rd_store_message_get(st, msg_id, &row, error))
		return FALSE;
	if (row == NULL)
		return refuse(error, "no message #%" G_GINT64_FORMAT " (see redress triage)", msg_id);
	if (g_strcmp0(row->problem, "crashed-parser") != 0 || row->case_id != 0)
		return refuse(error, "message #%" G_GINT64_FORMAT " was parsed when it arrived; there is "
		              "nothing to parse again", msg_id);
	g_autoptr(RdQuarantine) from = NULL, again = NULL;
	if (!quarantine_of(st, msg_id, &from, &again, error))
		return FALSE;
	/* The same build would crash the same way, and take this command
	 * with it: that needs a person to say "try anyway". */
	const RdQuarantine *last = again && again->crashed ? again : from;
	if (!force && last != NULL && (last->crashed || last->attempts >= RD_JOURNAL_ATTEMPTS) &&
	    g_strcmp0(last->version, rd_version()) == 0)
		return refuse(error, "message #%" G_GINT64_FORMAT " crashed this same redress (%s); parse it "
		              "again once a newer redress is installed, or give --force to try anyway",
		              msg_id, rd_version());
	g_autoptr(GBytes) raw = NULL;
	if (!rd_store_raw_get(st, row->raw_sha256, &raw, error))
		return FALSE;
	if (raw == NULL)
		return refuse(error, "the bytes of message #%" G_GINT64_FORMAT " are not in the database", msg_id);
	RdMailbox mailbox = RD_MAILBOX_COMPLAINTS;
	if (row->routes != NULL && row->routes->len > 0)
		rd_mailbox_from_string(row->routes->pdata[0], &mailbox);

	/* Parsed outside any transaction, noted in the journal: if it
	 * crashes again, the next redress to start records that. */
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autofree char *key = g_strdup_printf("reparse:%" G_GINT64_FORMAT, msg_id);
	g_autoptr(RdMessage) msg = rd_journal_parse(journal, NULL, key, data, len, row->received_at,
	                                            &ing->cfg->limits);

	gboolean dropped = FALSE;
	if (!rd_store_begin(st, error))
		return FALSE;
	gboolean ok = rd_store_message_drop_unparsed(st, msg_id, &dropped, error);
	if (ok && !dropped) {
		ok = refuse(error, "message #%" G_GINT64_FORMAT " changed while it was parsed; try again", msg_id);
	}
	if (ok)
		ok = rd_ingest_message(ing, data, len, msg, mailbox, row->received_at,
		                       from ? from->source : key, r, error);
	for (guint i = 1; ok && row->routes != NULL && i < row->routes->len; i++) {
		gboolean added = FALSE;
		ok = rd_store_route_add(st, r->msg_id, row->routes->pdata[i], row->received_at, NULL, &added, error);
	}
	if (ok && from != NULL)
		ok = rd_store_quarantine_forget(st, from->source, error);
	if (ok)
		ok = rd_store_quarantine_forget(st, key, error) && rd_store_commit(st, error);
	if (!ok) {
		rd_store_rollback(st);
		rd_ingest_result_clear(r);
	}
	return ok;
}
