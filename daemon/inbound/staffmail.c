/*
 * staffmail.c — mail from the council's own staff: replies relayed to the
 * complainant, #commands, internal notes, forwarded and logged complaints,
 * and mail that only claims to be from staff.
 *
 * Mail takes this path when its From is in the staff directory
 * ([staff:ADDRESS]) or it was sent to a staff reply address (a per-member,
 * per-case token: procedure/token.c). The order of work:
 *
 *   1. Who: the member From names, and whether the mail passes the
 *      council's policy ([staff_auth]: procedure/staffauth.c). Identity
 *      never comes from Reply-To; mail to a staff reply address from
 *      someone not in the directory is nobody's to apply (triage).
 *   2. Which case: the staff reply address, then In-Reply-To/References
 *      (our letters' Message-IDs are known), then a case reference.
 *   3. Mail that fails the policy is kept on that case as spoofed-staff,
 *      applied never; the complaints manager and the member whose address
 *      was used are told.
 *   4. Automatic mail from staff (out of office) is recorded and ignored.
 *   5. Commands, each in its own part of the transaction, so a refused one
 *      leaves nothing while the rest and the mail commit together; what
 *      was done and why the rest was not goes back to the sender in one
 *      command-result letter.
 *   6. The words: relayed to the complainant as a staff-reply letter,
 *      unless it is a note (#note, or mail only to the case's note
 *      address), a forward of a notice, a reply-all that reached the
 *      complainant already, or nothing but commands.
 *   7. No case, but a forwarded complaint, or #new: a case for the
 *      ORIGINAL complainant, acknowledged to them, confirmed to staff.
 *
 * All of it runs inside the caller's transaction: the message, the case
 * changes, the events and the letters commit together or not at all.
 * docs/staff-by-email.md describes it for the people who use it.
 */
#include <string.h>
#include "inbound/ingest-private.h"

typedef struct {
	RdIngest *ing;
	RdStore *st;
	const RdConfig *cfg;
	const RdMessage *msg;
	const char *data;
	gsize len;
	const char *content_hash;
	RdMailbox mailbox;
	gint64 at;
	const char *source;
	const char *from;                 /* the sender, lower case */
	const RdStaffMember *member;      /* From in the directory, or NULL */
	char *token_ref;                  /* a staff reply address's case */
	RdStaffTokenPurpose purpose;
	gboolean token_valid;             /* its MAC holds for From */
	gint64 action_id;                 /* a learning action's reply address */
	RdCase *c;                        /* the case, once found */
	RdIngestResult *r;
} Staff;

static void
staff_clear(Staff *s)
{
	g_clear_pointer(&s->token_ref, g_free);
	g_clear_pointer(&s->c, rd_case_free);
}

static const char *
member_name(const Staff *s)
{
	return s->member && s->member->name ? s->member->name : s->from;
}

/* ---- writing ------------------------------------------------------------------ */

/* The message row on @case_id (0: none), with the result filled in. */
static gint64
store_message(Staff *s, gint64 case_id, const char *kind, const char *via, const char *reason, GError **error)
{
	if (!rd_store_raw_put(s->st, s->msg->raw_sha256, s->data, s->len, error))
		return 0;
	gint64 id = rd_ingest_insert_message(s->ing, s->len, s->msg, s->content_hash, case_id, kind, via, reason,
	                                     s->mailbox, s->at, s->source, error);
	if (id == 0)
		return 0;
	RdIngestResult *r = s->r;
	r->status = RD_INGEST_STORED;
	r->msg_id = id;
	r->message_id = g_strdup(s->msg->message_id);
	g_free(r->kind);
	r->kind = g_strdup(kind);
	r->via = g_strdup(via);
	g_free(r->reason);
	r->reason = g_strdup(reason);
	if (case_id != 0 && s->c != NULL && r->case_ref == NULL)
		r->case_ref = g_strdup(s->c->reference);
	return id;
}

/* Nobody's to apply: kept in triage with @why, suggesting @ref. */
static gboolean
to_triage(Staff *s, const char *kind, const char *why, const char *ref, GError **error)
{
	gint64 id = store_message(s, 0, kind, rd_via_to_string(RD_VIA_NONE), why, error);
	if (id == 0 || !rd_store_triage_add(s->st, id, why, ref, s->at, error))
		return FALSE;
	s->r->triage = TRUE;
	return TRUE;
}

static gboolean
event(Staff *s, const char *type, const char *detail, gint64 msg_id, GError **error)
{
	return rd_store_event_add(s->st, s->c->id, s->at, s->from, type, detail, msg_id, error) != 0;
}

/* A notice about the case to a member of staff (or the manager). */
static gboolean
notice(Staff *s, const char *name, const char *key_tail, const char *to, const char *text, const char *reason,
       const char *staff_name, const char *staff_email, GError **error)
{
	if (!rd_casework_letters_on(s->ing->cw) || to == NULL)
		return TRUE;
	g_autofree char *key = g_strdup_printf("%s/%s", s->c->reference, key_tail);
	RdLetterRequest q = { 0 };
	q.name = name;
	q.idem_key = key;
	q.c = s->c;
	q.mailbox = RD_MAILBOX_COMPLAINTS;
	q.to_addr = to;
	q.to_complainant = FALSE;
	q.text = text;
	q.reason = reason;
	q.staff_name = staff_name;
	q.staff_email = staff_email;
	return rd_letters_queue(rd_rules_letters(s->ing->rules), s->st, &q, s->at, NULL, error);
}

/* ---- 1 and 2: who, and which case ---------------------------------------------- */

static void
find_token(Staff *s)
{
	const GPtrArray *rc = s->msg->recipients;
	for (guint i = 0; rc != NULL && i < rc->len && s->token_ref == NULL && s->action_id == 0; i++) {
		gint64 id = 0;
		gboolean avalid = FALSE;
		if (rd_action_token_parse(s->ing->key, RD_TOKEN_KEY_LEN, rc->pdata[i], s->from, &id, &avalid)) {
			s->action_id = id;
			s->token_valid = avalid;
			continue;
		}
		char *ref = NULL;
		RdStaffTokenPurpose purpose;
		gboolean valid = FALSE;
		if (rd_staff_token_parse(s->ing->key, RD_TOKEN_KEY_LEN, s->cfg->reference_prefix, rc->pdata[i],
		                         s->from, &ref, &purpose, &valid)) {
			s->token_ref = ref;
			s->purpose = purpose;
			s->token_valid = valid;
		}
	}
}

static gboolean
find_case(Staff *s, GError **error)
{
	const RdMessage *m = s->msg;
	if (s->token_ref != NULL && !rd_store_case_get_by_ref(s->st, s->token_ref, &s->c, error))
		return FALSE;
	for (guint i = m->references ? m->references->len : 0; i > 0 && s->c == NULL; i--)
		if (!rd_store_case_get_by_message_id(s->st, m->references->pdata[i - 1], &s->c, error))
			return FALSE;
	for (guint i = 0; m->case_refs && i < m->case_refs->len && s->c == NULL; i++)
		if (!rd_store_case_get_by_ref(s->st, m->case_refs->pdata[i], &s->c, error))
			return FALSE;
	return TRUE;
}

/* A NULL-terminated view of @a (borrowed strings). */
static const char **
strv_of(const GPtrArray *a)
{
	guint n = a != NULL ? a->len : 0;
	const char **v = g_new0(const char *, n + 1);
	for (guint i = 0; i < n; i++)
		v[i] = a->pdata[i];
	return v;
}

static void
authenticate(Staff *s, RdStaffAuthResult *out)
{
	const RdStaffAuthConfig *a = &s->cfg->staff_auth;
	g_autofree const char **ar = strv_of(s->msg->auth_results);
	g_autofree const char **ex = strv_of(s->msg->exchange_authas);
	RdStaffAuthInput in = { 0 };
	in.policy = a->policy;
	in.trusted_ids = (const char *const *)a->trusted_ids;
	in.domains = (const char *const *)a->domains;
	in.from = s->from;
	in.reply_to = s->msg->reply_to ? s->msg->reply_to->email : NULL;
	in.auth_results = ar;
	in.exchange_authas = ex;
	in.token_ok = s->token_valid;
	rd_staff_auth_decide(&in, out);
}

/* The complaints manager: [council] complaints_manager, else the first
 * member with that role. */
static const char *
complaints_manager(const RdConfig *cfg)
{
	if (cfg->complaints_manager != NULL)
		return cfg->complaints_manager;
	for (guint i = 0; i < cfg->staff->len; i++) {
		const RdStaffMember *m = cfg->staff->pdata[i];
		if (m->role == RD_STAFF_COMPLAINTS_MANAGER)
			return m->email;
	}
	return NULL;
}

/* ---- 3: mail that claims a staff address and fails ----------------------------- */

static gboolean
spoofed(Staff *s, const RdStaffAuthResult *auth, GError **error)
{
	const char *claimed = s->member->email;
	g_autofree char *why = g_strdup_printf(
		"Claims to be from %s <%s> (staff), but failed the staff check (%s): %s. Not applied, not sent on.",
		member_name(s), s->from, s->cfg->staff_auth.policy_text, auth->reason);
	if (s->c == NULL)
		return to_triage(s, "spoofed-staff", why, NULL, error);
	gint64 id = store_message(s, s->c->id, "spoofed-staff", "none", why, error);
	if (id == 0 || !event(s, "spoofing-attempt", why, id, error))
		return FALSE;
	g_autofree char *tail = g_strdup_printf("spoof-%" G_GINT64_FORMAT, id);
	g_autofree char *tail2 = g_strdup_printf("spoof-%" G_GINT64_FORMAT "-member", id);
	const char *manager = complaints_manager(s->cfg);
	if (!notice(s, "staff-spoof-alert", tail, manager, NULL, auth->reason, s->member->name, claimed, error))
		return FALSE;
	if (manager != NULL && g_ascii_strcasecmp(manager, claimed) == 0)
		return TRUE;
	return notice(s, "staff-spoof-alert", tail2, claimed, NULL, auth->reason, s->member->name, claimed, error);
}

/* ---- 5: commands ---------------------------------------------------------------- */

/* What the commands did, for the command-result letter and the event. */
typedef struct {
	GString *report;
	guint applied, refused;
	gboolean note;            /* #note: the mail is an internal note */
	gboolean final;           /* #final */
	gboolean responded;       /* #outcome applied: the stage is closed */
	int responded_stage;      /* and which */
	gboolean must_tell;       /* something went wrong the member must hear
	                             of, commands or not */
	char *escalate_by;        /* and the last day to ask for Stage 2 */
} Applied;

static gboolean
may(const Staff *s, RdStaffRole need, const char **why_r)
{
	if (s->member->role == need || s->member->role == RD_STAFF_COMPLAINTS_MANAGER)
		return TRUE;
	*why_r = need == RD_STAFF_COMPLAINTS_MANAGER ? "only a complaints manager may do this"
	                                              : "only a Stage 2 manager or complaints manager may do this";
	return FALSE;
}

/* The response date the complainant now has for the open stage: the
 * extended date, else the response date. FALSE when none is open. */
static gboolean
owed_date(Staff *s, GDate *owed_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(s->st, s->c->id, &err);
	for (guint i = stages ? stages->len : 0; i > 0; i--) {
		const RdStage *st = stages->pdata[i - 1];
		if (st->responded != NULL || st->closed != NULL)
			continue;
		const char *d = st->extended_to ? st->extended_to : st->response_due;
		return d != NULL && rd_date_parse_iso(d, owed_r);
	}
	return FALSE;
}

/* The action a command stands for; FALSE with *why_r when it is refused
 * before it reaches the case (role, or nothing to do here). */
static gboolean
action_of(Staff *s, const RdCommand *cmd, const RdCommandBlock *b, RdCaseAction *a, char **to_r, const char **why_r)
{
	a->actor = s->from;
	a->at = s->at;
	switch (cmd->kind) {
	case RD_CMD_ASSIGN:
		if (rd_config_staff_member(s->cfg, cmd->arg) == NULL) {
			*why_r = "that address is not in the staff directory ([staff:ADDRESS] in the configuration)";
			return FALSE;
		}
		a->kind = RD_CASE_ACTION_ASSIGN;
		a->handler = cmd->arg;
		return TRUE;
	case RD_CMD_SERVICE:
		a->kind = RD_CASE_ACTION_SERVICE;
		a->service = cmd->arg;
		return TRUE;
	case RD_CMD_OUTCOME:
		a->kind = RD_CASE_ACTION_RESPOND;
		a->outcome = cmd->arg;
		/* With #final the relayed reply is the response and carries the
		 * rights that follow; without it the closing letter does. */
		for (guint i = 0; i < b->commands->len; i++)
			if (((RdCommand *)b->commands->pdata[i])->kind == RD_CMD_FINAL)
				a->no_letter = TRUE;
		return TRUE;
	case RD_CMD_CLOSE:
		a->kind = RD_CASE_ACTION_CLOSE;
		a->outcome = cmd->arg;
		a->reason = cmd->rest;
		return TRUE;
	case RD_CMD_HOLDING: {
		if (cmd->force && !may(s, RD_STAFF_COMPLAINTS_MANAGER, why_r))
			return FALSE;
		a->kind = RD_CASE_ACTION_EXTEND;
		a->reason = cmd->rest;
		a->force = cmd->force;
		if (cmd->plus_days > 0) {
			/* "+5": five working days more than the date the complainant
			 * has been given (the extended date, else the response date),
			 * as a holding reply moves that date. */
			GDate owed, to;
			if (!owed_date(s, &owed)) {
				*why_r = "the case has no open stage with a response date to extend";
				return FALSE;
			}
			if (!rd_calendar_add_working_days(rd_rules_calendar(s->ing->rules), &owed, cmd->plus_days, &to)) {
				*why_r = "that many working days is beyond the calendar redress knows";
				return FALSE;
			}
			*to_r = rd_date_format_iso(&to);
		} else {
			*to_r = g_strdup(cmd->arg);
		}
		a->to = *to_r;
		return TRUE;
	}
	case RD_CMD_STAGE2:
		if (!may(s, RD_STAFF_STAGE2_MANAGER, why_r))
			return FALSE;
		a->kind = RD_CASE_ACTION_ESCALATE;
		if (g_strcmp0(cmd->arg, "decline") == 0)
			a->decline = cmd->rest ? cmd->rest : "";
		else if (g_strcmp0(cmd->arg, "refer-back") == 0)
			a->refer_back = cmd->rest ? cmd->rest : "";
		return TRUE;
	case RD_CMD_NOTIFY_DEPT:
		a->kind = RD_CASE_ACTION_NOTIFY_DEPT;
		a->handler = cmd->arg;
		return TRUE;
	case RD_CMD_LINK:
		a->kind = RD_CASE_ACTION_LINK;
		a->other = cmd->arg;
		return TRUE;
	case RD_CMD_LANGUAGE:
		a->kind = RD_CASE_ACTION_LANGUAGE;
		a->language = cmd->arg;
		return TRUE;
	case RD_CMD_CAUSE:
		a->kind = RD_CASE_ACTION_CAUSE;
		a->text = cmd->rest ? cmd->rest : cmd->arg;
		return TRUE;
	case RD_CMD_NOTE:
		a->kind = RD_CASE_ACTION_NOTE;
		a->text = cmd->rest ? cmd->rest : cmd->arg;
		return TRUE;
	case RD_CMD_REMEDY:
		a->kind = RD_CASE_ACTION_REMEDY;
		a->text = cmd->rest;
		return TRUE;
	case RD_CMD_NOCONTACT:
		a->kind = RD_CASE_ACTION_NO_CONTACT;
		a->reason = cmd->rest;
		return TRUE;
	case RD_CMD_OMBUDSMAN:
		a->kind = RD_CASE_ACTION_OMBUDSMAN;
		a->ombudsman = cmd->arg;
		a->outcome = cmd->value;
		a->date = cmd->date;
		return TRUE;
	case RD_CMD_DONE:
	case RD_CMD_VERIFIED:
	case RD_CMD_EXTEND:
		*why_r = "#done, #verified and #extend move a learning action on: reply to the action's reminder "
		         "instead (or use redress actions)";
		return FALSE;
	case RD_CMD_ACTION:
	case RD_CMD_FINAL:
	case RD_CMD_NEW:
	case RD_CMD_CHANNEL:
		break;
	}
	*why_r = "it has no action of its own here";
	return FALSE;
}

static void
report_line(Applied *ap, gboolean ok, const char *text, const char *what)
{
	g_string_append_printf(ap->report, "%s %s\n    %s\n", ok ? "Done:   " : "NOT DONE:", text, what);
	if (ok)
		ap->applied++;
	else
		ap->refused++;
}

/* Is the store's error one a refused command leaves (nothing changed,
 * the member is told), rather than a failure of the store? */
static gboolean
refusal(const GError *e)
{
	return g_error_matches(e, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED) ||
	       g_error_matches(e, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_NO_CASE);
}

/* #action on a case: a learning action from it, agreed at once when a
 * complaints manager or Stage 2 manager writes it, else proposed. */
static gboolean
add_action(Staff *s, const RdCommand *cmd, Applied *ap, GError **error)
{
	const char *cases[] = { s->c->reference, NULL };
	RdActionRequest q = { 0 };
	q.actor = s->from;
	q.at = s->at;
	q.owner = cmd->arg;
	q.due = cmd->date;
	q.text = cmd->rest;
	q.cases = cases;
	gboolean manager = s->member->role == RD_STAFF_COMPLAINTS_MANAGER || s->member->role == RD_STAFF_STAGE2_MANAGER;
	q.authorised_by = manager ? s->from : NULL;
	if (!rd_store_part_begin(s->st, error))
		return FALSE;
	g_autoptr(GError) aerr = NULL;
	g_autoptr(RdLearningAction) a = NULL;
	gboolean ok = rd_casework_action_add_in(s->ing->cw, &q, &a, &aerr);
	if (!ok && !refusal(aerr)) {
		rd_store_part_end(s->st, FALSE, NULL);
		g_propagate_error(error, g_steal_pointer(&aerr));
		return FALSE;
	}
	if (!rd_store_part_end(s->st, ok, error))
		return FALSE;
	if (!ok) {
		report_line(ap, FALSE, cmd->text, aerr->message);
		return TRUE;
	}
	g_autofree char *what = g_strdup_printf(
		"Learning action %" G_GINT64_FORMAT " %s: owner %s, target date %s.%s", a->id, a->status, a->owner, a->due,
		manager ? "" : " A complaints manager agrees it with: redress actions agree.");
	report_line(ap, TRUE, cmd->text, what);
	return TRUE;
}

/* One command in its own part of the transaction. FALSE only when the
 * store failed. */
static gboolean
apply_one(Staff *s, const RdCommand *cmd, const RdCommandBlock *b, Applied *ap, GError **error)
{
	switch (cmd->kind) {
	case RD_CMD_FINAL:
		ap->final = TRUE;
		report_line(ap, TRUE, cmd->text, "This reply is the response to the stage (with #outcome).");
		return TRUE;
	case RD_CMD_NOTE:
		ap->note = TRUE;
		if (cmd->rest == NULL && cmd->arg == NULL) {
			report_line(ap, TRUE, cmd->text, "This message is an internal note: kept on the case, not sent on.");
			return TRUE;
		}
		break;
	case RD_CMD_NEW:
	case RD_CMD_CHANNEL:
		report_line(ap, FALSE, cmd->text, "#new and #channel log a new complaint: send them in a new message "
		            "to the complaints address, not in a reply about an existing case.");
		return TRUE;
	default:
		break;
	}
	if (cmd->kind == RD_CMD_ACTION && (s->msg->reply_to == NULL ||
	                                   g_ascii_strcasecmp(s->msg->reply_to->email, s->from) == 0))
		return add_action(s, cmd, ap, error);
	if (s->msg->reply_to != NULL && g_ascii_strcasecmp(s->msg->reply_to->email, s->from) != 0) {
		report_line(ap, FALSE, cmd->text, "Commands are not applied from mail whose Reply-To differs from From: "
		            "send it again without a Reply-To.");
		return TRUE;
	}
	RdCaseAction a = { 0 };
	g_autofree char *to = NULL;
	const char *why = NULL;
	if (!action_of(s, cmd, b, &a, &to, &why)) {
		report_line(ap, FALSE, cmd->text, why);
		return TRUE;
	}
	if (!rd_store_part_begin(s->st, error))
		return FALSE;
	RdCaseActionResult res = { 0 };
	g_autoptr(GError) aerr = NULL;
	gboolean ok = rd_casework_act_in(s->ing->cw, s->c, &a, &res, &aerr);
	if (!ok && !g_error_matches(aerr, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED) &&
	    !g_error_matches(aerr, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_NO_CASE)) {
		rd_case_action_result_clear(&res);
		rd_store_part_end(s->st, FALSE, NULL);
		g_propagate_error(error, g_steal_pointer(&aerr));
		return FALSE;
	}
	if (!rd_store_part_end(s->st, ok, error)) {
		rd_case_action_result_clear(&res);
		return FALSE;
	}
	if (ok) {
		g_autoptr(GString) done = g_string_new(NULL);
		for (guint i = 0; res.done && i < res.done->len; i++)
			g_string_append_printf(done, "%s%s", i ? " " : "", (const char *)res.done->pdata[i]);
		for (guint i = 0; res.letters && i < res.letters->len; i++)
			g_string_append_printf(done, " Letter queued: %s.", (const char *)res.letters->pdata[i]);
		report_line(ap, TRUE, cmd->text, done->len ? done->str : "Done.");
		if (cmd->kind == RD_CMD_OUTCOME) {
			ap->responded = TRUE;
			ap->responded_stage = res.responded_stage;
			g_free(ap->escalate_by);
			ap->escalate_by = g_steal_pointer(&res.escalate_by);
		}
		/* The case as it is now, for the next command and the letters. */
		RdCase *now = NULL;
		if (!rd_store_case_get(s->st, s->c->id, &now, error)) {
			rd_case_action_result_clear(&res);
			return FALSE;
		}
		if (now != NULL) {
			rd_case_free(s->c);
			s->c = now;
		}
	} else {
		report_line(ap, FALSE, cmd->text, aerr->message);
	}
	rd_case_action_result_clear(&res);
	return TRUE;
}

static gboolean
apply_commands(Staff *s, const RdCommandBlock *b, Applied *ap, GError **error)
{
	for (guint i = 0; i < b->commands->len; i++)
		if (!apply_one(s, b->commands->pdata[i], b, ap, error))
			return FALSE;
	for (guint i = 0; i < b->errors->len; i++) {
		const RdCommandError *e = b->errors->pdata[i];
		report_line(ap, FALSE, e->text, e->message);
	}
	return TRUE;
}

/* ---- 6: the words ------------------------------------------------------------------ */

static gboolean
complainant_addressed(const Staff *s)
{
	const char *who = s->c->complainant_email;
	if (who == NULL)
		return FALSE;
	const GPtrArray *lists[] = { s->msg->to, s->msg->cc };
	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
			if (g_ascii_strcasecmp(((RdAddress *)lists[l]->pdata[i])->email, who) == 0)
				return TRUE;
	return FALSE;
}

static gboolean
forwarding(const Staff *s)
{
	const char *subj = s->msg->subject ? s->msg->subject : "";
	return s->msg->forwarded != NULL || g_ascii_strncasecmp(subj, "fw:", 3) == 0 ||
	       g_ascii_strncasecmp(subj, "fwd:", 4) == 0;
}

/* The complainant's latest message on the case, to thread under. */
static char *
last_complainant_message(Staff *s, GError **error)
{
	g_autoptr(GPtrArray) msgs = rd_store_messages_for_case(s->st, s->c->id, error);
	if (msgs == NULL)
		return NULL;
	for (guint i = msgs->len; i > 0; i--) {
		const RdMessageRow *m = msgs->pdata[i - 1];
		if (strcmp(m->direction, "in") == 0 && m->message_id != NULL &&
		    g_strcmp0(m->from_email, s->c->complainant_email) == 0)
			return g_strdup(m->message_id);
	}
	return g_strdup("");
}

/* More than this in attachments and the words go alone (mail servers
 * commonly refuse 25 MB; base64 adds a third): the member is told. */
#define RELAY_ATTACHMENTS_MAX (18u << 20)

/* The member's attachments, with their bytes, for the relayed letter:
 * the message parsed again, keeping them this time (intake only hashes
 * them). *@skipped_r: there were some, but too many bytes to send on. */
static GPtrArray *
attachments_of(Staff *s, GArray *files, gboolean *skipped_r)
{
	*skipped_r = FALSE;
	if (s->msg->attachments == NULL || s->msg->attachments->len == 0)
		return NULL;
	RdParseOptions opts = s->cfg->limits;
	opts.attachment_data = TRUE;
	RdMessage *again = rd_message_parse(s->data, s->len, s->at, &opts);
	gsize total = 0;
	for (guint i = 0; i < again->attachments->len; i++) {
		const RdAttachment *a = again->attachments->pdata[i];
		total += a->data != NULL ? g_bytes_get_size(a->data) : 0;
	}
	if (total > RELAY_ATTACHMENTS_MAX) {
		*skipped_r = TRUE;
		rd_message_free(again);
		return NULL;
	}
	GPtrArray *keep = g_ptr_array_new_with_free_func((GDestroyNotify)rd_message_free);
	g_ptr_array_add(keep, again);
	for (guint i = 0; i < again->attachments->len; i++) {
		const RdAttachment *a = again->attachments->pdata[i];
		if (a->data == NULL)
			continue;
		RdLetterAttachment f = { 0 };
		f.filename = a->filename;
		f.content_type = a->content_type;
		f.data = g_bytes_get_data(a->data, &f.len);
		g_array_append_val(files, f);
	}
	return keep;
}

/* *@queued_r: FALSE when the letter was held back (the daily cap on
 * letters to one address, or a letter that could not be written: the
 * case's letter-suppressed or letter-not-written event). */
static gboolean
relay(Staff *s, const char *text, Applied *ap, gint64 msg_id, gboolean *queued_r, GError **error)
{
	*queued_r = TRUE;
	if (!rd_casework_letters_on(s->ing->cw))
		return TRUE;
	g_autoptr(GError) lerr = NULL;
	g_autofree char *irt = last_complainant_message(s, &lerr);
	if (irt == NULL) {
		g_propagate_error(error, g_steal_pointer(&lerr));
		return FALSE;
	}
	g_autofree char *key = g_strdup_printf("%s/staff-reply/%" G_GINT64_FORMAT, s->c->reference, msg_id);
	const RdProfile *p = rd_rules_profile(s->ing->rules, s->c->profile);
	RdLetterRequest q = { 0 };
	q.name = "staff-reply";
	q.idem_key = key;
	q.c = s->c;
	q.mailbox = RD_MAILBOX_COMPLAINTS;
	q.to_addr = s->c->complainant_email;
	q.to_name = s->c->complainant_name;
	q.to_complainant = TRUE;
	q.in_reply_to = *irt ? irt : NULL;
	q.text = text;
	q.staff_name = s->member->name;
	q.staff_email = s->member->email;
	q.final_response = ap->final && ap->responded;
	q.responds_stage = q.final_response ? ap->responded_stage : 0;
	/* With #final the reply is the response: it gives the date to ask for
	 * Stage 2 by, as the closing letter it replaces would. */
	q.escalate_by = q.final_response ? ap->escalate_by : NULL;
	q.final_stage = strcmp(s->c->state, "closed") == 0;
	q.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	q.ombudsman_details = q.final_stage;
	g_autoptr(GArray) files = g_array_new(FALSE, TRUE, sizeof(RdLetterAttachment));
	gboolean skipped = FALSE;
	g_autoptr(GPtrArray) keep = attachments_of(s, files, &skipped);
	q.attachments = files->len > 0 ? (const RdLetterAttachment *)files->data : NULL;
	q.n_attachments = files->len;
	ap->must_tell |= skipped;
	if (skipped)
		g_string_append_printf(ap->report, "NOT SENT: your attachments (over %u MB in all) were kept on the "
		                       "case but not sent on: send them another way.\n", RELAY_ATTACHMENTS_MAX >> 20);
	else if (files->len > 0)
		g_string_append_printf(ap->report, "Sent on with your words: %u attachment%s.\n", files->len,
		                       files->len == 1 ? "" : "s");
	return rd_letters_queue(rd_rules_letters(s->ing->rules), s->st, &q, s->at, queued_r, error);
}

/* Staff mail on a case it is allowed to act on. */
static gboolean
on_case(Staff *s, GError **error)
{
	g_autoptr(RdCommandBlock) b = rd_commands_parse(s->msg->text, s->cfg->reference_prefix);
	g_autofree char *words = rd_relay_text(s->msg->text);
	gboolean commands = b->commands->len > 0 || b->errors->len > 0;

	/* What the message is, decided before anything is applied so the row
	 * says it; the reason is what a person reads on the case. */
	const char *kind = NULL, *why = NULL;
	gboolean send_on = FALSE;
	gboolean note_cmd = FALSE;
	for (guint i = 0; i < b->commands->len; i++)
		note_cmd |= ((RdCommand *)b->commands->pdata[i])->kind == RD_CMD_NOTE;
	gboolean to_note_address = s->token_ref != NULL && s->purpose == RD_STAFF_TOKEN_NOTE;
	if (note_cmd || (to_note_address && !complainant_addressed(s))) {
		kind = "staff-note";
		why = "An internal note from staff: kept on the case, never sent to the complainant.";
	} else if (forwarding(s)) {
		kind = "staff-note";
		why = "A member of staff forwarded mail about the case: kept on the case, not a reply to the "
		      "complainant.";
	} else if (*words != '\0' && complainant_addressed(s)) {
		kind = "staff-reply";
		why = "A staff reply that went to the complainant directly (reply all): recorded, not sent again.";
	} else if (*words != '\0') {
		kind = "staff-reply";
		why = "A staff reply: the new text is sent on to the complainant.";
		send_on = TRUE;
	} else if (commands) {
		kind = "staff-command";
		why = "Staff commands: nothing is sent to the complainant.";
	} else {
		kind = "staff-note";
		why = "Staff mail with nothing new to send on: kept on the case.";
	}
	/* A reply written below the quoted notice (or only under the line
	 * the notice asks replies to go above) has no words left to relay:
	 * the member must hear that nothing went, not find out later. */
	gboolean nothing_found = !commands && *words == '\0' && strcmp(kind, "staff-note") == 0 &&
	                         !note_cmd && !forwarding(s) && !to_note_address;
	gint64 id = store_message(s, s->c->id, kind, s->token_ref ? "token" : "headers", why, error);
	if (id == 0)
		return FALSE;

	Applied ap = { 0 };
	ap.report = g_string_new(NULL);
	if (nothing_found) {
		g_string_append(ap.report, "NOT SENT: no new words were found above the line \""
		                RD_REPLY_MARKER_EN "\" (or above the quoted message), so nothing went to the "
		                "complainant. Write your reply at the top and send it again.\n");
		ap.must_tell = TRUE;
	}
	gboolean ok = apply_commands(s, b, &ap, error);
	gboolean relayed = TRUE;
	if (ok && send_on)
		ok = relay(s, words, &ap, id, &relayed, error);
	/* Attachments that could not go, or no words found, are reason
	 * enough to answer a mail that had no commands. */
	commands |= ap.must_tell;
	if (ok) {
		g_autofree char *what = g_strdup_printf("%s (%s) wrote: %s%s", member_name(s), s->from, why,
		                                        commands ? " Commands: see the command-result letter." : "");
		ok = event(s, kind, what, id, error);
	}
	/* Words that were to go and did not (the daily cap held the letter
	 * back, or it could not be written) are the sender's to know of, commands or not: the report used
	 * to say "sent on" whatever happened, and a plain reply got nothing. */
	gboolean held = send_on && !relayed;
	if (ok && (commands || held)) {
		g_autofree char *tail = g_strdup_printf("command-result/%" G_GINT64_FORMAT, id);
		if (commands)
			g_string_append_printf(ap.report, "\n%u applied, %u not applied.", ap.applied, ap.refused);
		if (held)
			g_string_append_printf(ap.report, "%sYour words were NOT sent to the complainant: the letter was held "
			                       "back (the case's events say why: letter-suppressed, the daily cap on letters "
			                       "to one address, or letter-not-written). Contact the complainant another way, or send your reply "
			                       "again later.%s", commands ? " " : "",
			                       ap.final && ap.responded ? " The stage is recorded as responded to all the "
			                                                  "same: make sure the response reaches them." : "");
		else
			g_string_append(ap.report, send_on ? " Your words were sent on to the complainant."
			                                   : " Nothing was sent to the complainant.");
		ok = notice(s, "command-result", tail, s->from, ap.report->str, NULL, s->member->name, s->member->email,
		            error);
	}
	g_string_free(ap.report, TRUE);
	g_free(ap.escalate_by);
	return ok;
}

/* ---- a reply to a learning action's letter ------------------------------------------ */

/* Mail to a member's reply address for a learning action: #done,
 * #verified, #extend (and #note) move it on, each in its own part of the
 * transaction; the message is kept on the action's first case, if it has
 * one, and each change is an event on the action. What was done goes back
 * in a command-result letter when the action has a case to hang it on. */
static gboolean
on_action(Staff *s, GError **error)
{
	g_autoptr(RdLearningAction) act = NULL;
	if (!rd_store_action_get(s->st, s->action_id, &act, error))
		return FALSE;
	if (act == NULL)
		return to_triage(s, "staff-command", "Sent to the reply address of a learning action that does not "
		                 "exist: a person must place it.", NULL, error);
	/* The case is the action's, whatever the quoted text names. */
	g_clear_pointer(&s->c, rd_case_free);
	if (act->cases->len > 0 && !rd_store_case_get_by_ref(s->st, act->cases->pdata[0], &s->c, error))
		return FALSE;
	g_autoptr(RdCommandBlock) b = rd_commands_parse(s->msg->text, s->cfg->reference_prefix);
	g_autofree char *why = g_strdup_printf("%s (%s) wrote about learning action %" G_GINT64_FORMAT
	                                       ": kept with it, never sent to a complainant.", member_name(s), s->from,
	                                       act->id);
	gint64 id = store_message(s, s->c ? s->c->id : 0, "staff-command", "token", why, error);
	if (id == 0)
		return FALSE;
	Applied ap = { 0 };
	ap.report = g_string_new(NULL);
	gboolean ok = TRUE;
	gboolean other_reply_to = s->msg->reply_to != NULL && g_ascii_strcasecmp(s->msg->reply_to->email, s->from) != 0;
	for (guint i = 0; ok && i < b->commands->len; i++) {
		const RdCommand *cmd = b->commands->pdata[i];
		RdActionChange ch = { 0 };
		ch.id = act->id;
		ch.actor = s->from;
		ch.at = s->at;
		ch.msg_id = id;
		ch.who.manager = s->member->role == RD_STAFF_COMPLAINTS_MANAGER;
		if (other_reply_to) {
			report_line(&ap, FALSE, cmd->text, "Commands are not applied from mail whose Reply-To differs from "
			            "From: send it again without a Reply-To.");
			continue;
		}
		if (cmd->kind == RD_CMD_NOTE) {
			const char *text = cmd->rest ? cmd->rest : b->body;
			ok = rd_store_action_event_add(s->st, act->id, s->at, s->from, "action-note", text, id, error) != 0;
			if (ok)
				report_line(&ap, TRUE, cmd->text, "Kept as a note on the action.");
			continue;
		}
		if (cmd->kind == RD_CMD_DONE) {
			ch.move = RD_LEARNING_MOVE_DONE;
			ch.evidence = cmd->rest;
		} else if (cmd->kind == RD_CMD_VERIFIED) {
			ch.move = RD_LEARNING_MOVE_VERIFY;
			ch.reason = cmd->rest;
		} else if (cmd->kind == RD_CMD_EXTEND) {
			ch.move = RD_LEARNING_MOVE_EXTEND;
			ch.date = cmd->arg;
			ch.reason = cmd->rest;
		} else {
			report_line(&ap, FALSE, cmd->text, "In a reply about a learning action only #done EVIDENCE, "
			            "#verified and #extend DATE REASON (and #note) work.");
			continue;
		}
		if (!rd_store_part_begin(s->st, error)) {
			ok = FALSE;
			break;
		}
		g_autoptr(GError) aerr = NULL;
		g_autofree char *done = NULL;
		gboolean applied = rd_casework_action_change_in(s->ing->cw, &ch, &done, &aerr);
		if (!applied && !refusal(aerr)) {
			rd_store_part_end(s->st, FALSE, NULL);
			g_propagate_error(error, g_steal_pointer(&aerr));
			ok = FALSE;
			break;
		}
		ok = rd_store_part_end(s->st, applied, error);
		if (ok)
			report_line(&ap, applied, cmd->text, applied ? done : aerr->message);
	}
	for (guint i = 0; ok && i < b->errors->len; i++) {
		const RdCommandError *e = b->errors->pdata[i];
		report_line(&ap, FALSE, e->text, e->message);
	}
	if (ok && b->commands->len == 0 && b->errors->len == 0) {
		report_line(&ap, FALSE, "(no command)", "Nothing to do: start the reply with #done EVIDENCE, #verified or "
		            "#extend DATE REASON.");
		ok = rd_store_action_event_add(s->st, act->id, s->at, s->from, "action-note", b->body, id, error) != 0;
	}
	if (ok) {
		g_string_append_printf(ap.report, "\n%u applied, %u not applied.", ap.applied, ap.refused);
		if (s->c != NULL) {
			g_autofree char *tail = g_strdup_printf("command-result/%" G_GINT64_FORMAT, id);
			ok = notice(s, "command-result", tail, s->from, ap.report->str, NULL, s->member->name,
			            s->member->email, error);
		} else {
			ok = rd_store_action_event_add(s->st, act->id, s->at, "redress", "command-result", ap.report->str, id,
			                               error) != 0;
		}
	}
	g_string_free(ap.report, TRUE);
	return ok;
}

/* ---- 7: a complaint passed on by staff --------------------------------------------- */

static gboolean
open_for(Staff *s, const char *email, const char *name, const char *channel, gint64 received,
         const char *summary, const char *excerpt, const char *in_reply_to, const char *kind,
         const char *why, GError **error)
{
	RdCaseOpening o = { 0 };
	o.mailbox = s->mailbox;
	o.at = received;
	o.complainant_email = email;
	o.complainant_name = name;
	o.summary = summary;
	o.channel = channel;
	o.service = s->member->services[0];
	/* A forwarded complaint is in the complainant's own words, which say
	 * its language as they would had it come to us directly; one logged
	 * from a call or a letter is in staff's words, which do not. */
	g_auto(RdLanguageChoice) lc = { 0 };
	if (g_strcmp0(channel, "forwarded") == 0) {
		rd_casework_choose_language(s->cfg, s->mailbox, NULL, summary, excerpt, &lc);
		o.language = lc.language;
		o.language_why = lc.why;
	}
	s->c = rd_casework_create_case(s->ing->cw, &o, error);
	if (s->c == NULL)
		return FALSE;
	gint64 id = store_message(s, s->c->id, kind, "new", why, error);
	if (id == 0)
		return FALSE;
	s->r->new_case = TRUE;
	g_free(s->r->case_ref);
	s->r->case_ref = g_strdup(s->c->reference);
	RdStageOpening st = { 0 };
	st.stage = 1;
	st.mailbox = s->mailbox;
	st.at = received;
	st.msg_id = id;
	st.in_reply_to = in_reply_to;
	st.excerpt = excerpt;
	st.language_unsure = lc.unsure;
	if (!rd_casework_open_stage(s->ing->cw, s->c, &st, error) || !event(s, kind, why, id, error))
		return FALSE;
	return notice(s, "staff-forward-confirmation", "forward-confirmation", s->from, NULL, NULL,
	              s->member->name, s->member->email, error);
}

static gboolean
forwarded_complaint(Staff *s, GError **error)
{
	const RdForwarded *f = s->msg->forwarded;
	/* The clock starts when the council first had it: the original's
	 * date, unless that is missing or later than now (a wrong clock). */
	gint64 received = f->date > 0 && f->date <= s->at ? f->date : s->at;
	g_autofree char *why = g_strdup_printf(
		"A complaint from %s forwarded by %s (%s)%s: the case is the original complainant's, received "
		"when the council first had it.", f->from->email, member_name(s), s->from,
		s->member->services[0] ? " of the service recorded on the case" : "");
	return open_for(s, f->from->email, f->from->name, "forwarded", received, f->subject ? f->subject : s->msg->subject,
	                f->text, f->message_id, "forwarded-complaint", why, error);
}

static gboolean
logged_complaint(Staff *s, const RdCommandBlock *b, const RdCommand *nw, GError **error)
{
	const char *channel = "phone";
	for (guint i = 0; i < b->commands->len; i++) {
		const RdCommand *c = b->commands->pdata[i];
		if (c->kind == RD_CMD_CHANNEL && c->arg != NULL)
			channel = c->arg;
	}
	/* No email address: letters go to the handler to print and post. */
	g_autofree char *postal = nw->arg == NULL ? rd_letters_postal_placeholder() : NULL;
	g_autofree char *why = g_strdup_printf("A complaint made by %s, logged by %s (%s)%s.", channel,
	                                       member_name(s), s->from,
	                                       postal ? "; the complainant has no email address, so their letters "
	                                                "go to the handler for posting" : "");
	return open_for(s, postal ? postal : nw->arg, nw->name, channel, s->at, s->msg->subject, b->body, NULL,
	                "forwarded-complaint", why, error);
}

/* One of redress's own mailboxes: a forwarded notice, not a complaint. */
static gboolean
own_address(const RdConfig *cfg, const char *email)
{
	for (int i = 0; i < RD_MAILBOX_N; i++)
		if (cfg->mailboxes[i].address != NULL && g_ascii_strcasecmp(cfg->mailboxes[i].address, email) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
no_case(Staff *s, GError **error)
{
	g_autoptr(RdCommandBlock) b = rd_commands_parse(s->msg->text, s->cfg->reference_prefix);
	for (guint i = 0; i < b->commands->len; i++) {
		const RdCommand *c = b->commands->pdata[i];
		if (c->kind != RD_CMD_NEW)
			continue;
		return logged_complaint(s, b, c, error);
	}
	const RdForwarded *f = s->msg->forwarded;
	if (f != NULL && f->from != NULL && s->mailbox != RD_MAILBOX_STAGE2 &&
	    rd_config_staff_member(s->cfg, f->from->email) == NULL && !own_address(s->cfg, f->from->email))
		return forwarded_complaint(s, error);
	return to_triage(s, "staff-command", "Mail from staff that names no case (no reply address, thread or "
	                 "reference) and forwards no complaint: a person must place it.", NULL, error);
}

/* ---- the entry ------------------------------------------------------------------ */

static gboolean
allowed(const Staff *s, const char **why_r)
{
	const RdStaffAuthConfig *a = &s->cfg->staff_auth;
	if (!a->by_service || s->member->role != RD_STAFF_HANDLER || s->member->services[0] == NULL ||
	    s->c->service == NULL)
		return TRUE;
	for (guint i = 0; s->member->services[i] != NULL; i++)
		if (g_utf8_collate(s->member->services[i], s->c->service) == 0)
			return TRUE;
	if (s->c->handler != NULL && g_ascii_strcasecmp(s->c->handler, s->from) == 0)
		return TRUE;
	*why_r = "the case is for a service this member of staff is not on (restrict_to_services)";
	return FALSE;
}

static gboolean
staff_mail(Staff *s, GError **error)
{
	find_token(s);
	if (s->member == NULL && s->token_ref == NULL && s->action_id == 0)
		return TRUE;
	s->r->status = RD_INGEST_STORED;
	if (s->member == NULL && s->action_id != 0) {
		g_autofree char *why = g_strdup_printf(
			"Sent to a reply address of learning action %" G_GINT64_FORMAT " by %s, who is not in the staff "
			"directory: nothing applied.", s->action_id, s->from ? s->from : "an unknown sender");
		return to_triage(s, "staff-command", why, NULL, error);
	}
	if (s->member == NULL) {
		g_autofree char *why = g_strdup_printf(
			"Sent to a staff reply address of %s by %s, who is not in the staff directory (a colleague "
			"it was forwarded to, or someone no longer on it): nothing applied or sent on.", s->token_ref,
			s->from ? s->from : "an unknown sender");
		return to_triage(s, "staff-command", why, s->token_ref, error);
	}
	if (!find_case(s, error))
		return FALSE;
	/* An out-of-office reply to a notice: recorded, never acted on, never
	 * flagged (it is not a person claiming anything). */
	if (s->msg->auto_kind != RD_AUTO_NONE) {
		const char *why = "Automatic mail from a member of staff (out of office or similar): recorded and "
		                  "ignored.";
		if (s->c == NULL)
			return to_triage(s, "automatic", why, NULL, error);
		return store_message(s, s->c->id, "automatic", "headers", why, error) != 0;
	}
	RdStaffAuthResult auth = { 0 };
	authenticate(s, &auth);
	gboolean ok;
	const char *refused = NULL;
	if (!auth.pass)
		ok = spoofed(s, &auth, error);
	else if (s->action_id != 0)
		ok = on_action(s, error);
	else if (s->c == NULL)
		ok = no_case(s, error);
	else if (!allowed(s, &refused)) {
		g_autofree char *why = g_strdup_printf("Not applied: %s.", refused);
		gint64 id = store_message(s, s->c->id, "staff-refused", "none", why, error);
		g_autofree char *tail = g_strdup_printf("command-result/%" G_GINT64_FORMAT, id);
		ok = id != 0 && event(s, "staff-refused", why, id, error) &&
		     notice(s, "command-result", tail, s->from, why, NULL, s->member->name, s->member->email, error);
	} else
		ok = on_case(s, error);
	rd_staff_auth_result_clear(&auth);
	return ok;
}

gboolean
rd_ingest_staff(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, const char *content_hash, RdMailbox mailbox,
                gint64 received_at, const char *source, gboolean *handled_r, RdIngestResult *r, GError **error)
{
	*handled_r = FALSE;
	if (ing->cfg->staff->len == 0 || rd_parse_problem_is_fatal(msg->problem) || msg->from == NULL)
		return TRUE;
	Staff s = { 0 };
	s.ing = ing;
	s.st = ing->store;
	s.cfg = ing->cfg;
	s.msg = msg;
	s.data = data;
	s.len = len;
	s.content_hash = content_hash;
	s.mailbox = mailbox;
	s.at = received_at;
	s.source = source;
	s.from = msg->from->email;
	s.member = rd_config_staff_member(ing->cfg, s.from);
	s.r = r;
	gboolean ok = staff_mail(&s, error);
	*handled_r = ok && r->status == RD_INGEST_STORED && r->msg_id != 0;
	staff_clear(&s);
	return ok;
}
