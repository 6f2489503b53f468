/*
 * triage.c — a person places a message that intake could not: on a case,
 * or on a new case opened from it.
 *
 * Placing changes a case, so it goes through casework like any other
 * change: one transaction with the message moved, the triage entry
 * resolved and an event naming who did it; a new case is created with
 * the same defaults intake uses (rd_casework_create_case) and its Stage 1
 * opened the same way (rd_casework_open_stage), so it gets its clock, its
 * acknowledgement and the complaints manager's notice.
 */
#include <string.h>
#include "casework/casework.h"

gboolean
rd_casework_refuse(GError **error, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, RD_CASEWORK_ERROR, code, msg);
	return FALSE;
}

RdCase *
rd_casework_create_case(RdCasework *cw, const RdCaseOpening *o, GError **error)
{
	const RdConfig *cfg = rd_casework_config(cw);
	RdRules *rules = rd_casework_rules(cw);
	RdCaseNew n = { 0 };
	n.prefix = cfg->reference_prefix;
	n.year = rd_time_year_local(o->at);
	n.channel = o->channel ? o->channel : rd_channel_for_mailbox(o->mailbox);
	n.complainant_email = o->complainant_email;
	n.complainant_name = o->complainant_name;
	/* Welsh Language Standards: a Welsh message gets Welsh letters;
	 * otherwise the mailbox's language, else the council's. */
	n.language = o->language ? o->language
	             : cfg->mailboxes[o->mailbox].language ? cfg->mailboxes[o->mailbox].language
	             : cfg->default_language;
	n.summary = o->summary;
	/* The service's profile (the default one when there is no service
	 * yet), recorded now rather than by an UPDATE when its clock starts. */
	n.profile = rd_rules_profile(rules, rd_rules_profile_for_service(rules, o->service))->name;
	n.opened_at = o->at;
	RdCase *c = rd_store_case_create(rd_casework_store(cw), &n, error);
	if (c != NULL && o->service != NULL) {
		if (!rd_store_case_set_field(rd_casework_store(cw), c->id, "service", o->service, o->at, error)) {
			rd_case_free(c);
			return NULL;
		}
		g_free(c->service);
		c->service = g_strdup(o->service);
	}
	if (c != NULL && o->language_why != NULL &&
	    rd_store_event_add(rd_casework_store(cw), c->id, o->at, "redress", "language-chosen", o->language_why, 0,
	                       error) == 0) {
		rd_case_free(c);
		return NULL;
	}
	return c;
}

void
rd_placement_clear(RdPlacement *p)
{
	g_clear_pointer(&p->reference, g_free);
	g_clear_pointer(&p->resolution, g_free);
}

static gboolean
place(RdCasework *cw, const RdMessageRow *m, const char *ref, const char *actor, gint64 at,
      RdPlacement *p, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	g_autoptr(RdCase) target = NULL;
	if (ref != NULL) {
		g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
		rd_refs_find(cfg->reference_prefix, ref, refs);
		if (!rd_store_case_get_by_ref(st, refs->len > 0 ? refs->pdata[0] : ref, &target, error))
			return FALSE;
		if (target == NULL)
			return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "no case %s (list them with: redress cases)", ref);
		/* Keep what the message is (automatic, bounce); only mail that
		 * could not be classified becomes correspondence. */
		const char *kind = strcmp(m->kind, "triage") == 0 ? "correspondence" : m->kind;
		g_autofree char *reason = g_strdup_printf("placed on %s from triage by %s", target->reference, actor);
		p->resolution = g_strdup_printf("assigned to %s", target->reference);
		p->reference = g_strdup(target->reference);
		return rd_store_message_set_case(st, m->id, target->id, kind, "triage", reason, error) &&
		       rd_store_triage_resolve(st, m->id, p->resolution, at, error) &&
		       rd_store_event_add(st, target->id, at, actor, "triage-assigned", reason, m->id, error) != 0;
	}
	if (m->from_email == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_REFUSED,
		              "message #%" G_GINT64_FORMAT " has no sender address, so it cannot open a case; "
		              "assign it to a case with 'redress triage assign %" G_GINT64_FORMAT " REF'",
		              m->id, m->id);
	RdCaseOpening o = { 0 };
	o.mailbox = RD_MAILBOX_COMPLAINTS;
	if (m->routes != NULL && m->routes->len > 0)
		rd_mailbox_from_string(m->routes->pdata[0], &o.mailbox);
	o.at = m->received_at;
	o.complainant_email = m->from_email;
	o.complainant_name = m->from_name;
	o.summary = m->subject;
	/* The Content-Language is not kept with the message: the words
	 * decide. */
	RdLanguageChoice lc;
	rd_casework_choose_language(cfg, o.mailbox, NULL, m->subject, m->new_text, &lc);
	o.language = lc.language;
	o.language_why = lc.why;
	target = rd_casework_create_case(cw, &o, error);
	gboolean unsure = lc.unsure;
	rd_language_choice_clear(&lc);
	if (target == NULL)
		return FALSE;
	g_autofree char *reason = g_strdup_printf("case opened from triage by %s", actor);
	p->resolution = g_strdup_printf("new case %s", target->reference);
	p->reference = g_strdup(target->reference);
	p->new_case = TRUE;
	if (!rd_store_message_set_case(st, m->id, target->id, "new-complaint", "triage", reason, error) ||
	    !rd_store_triage_resolve(st, m->id, p->resolution, at, error) ||
	    rd_store_event_add(st, target->id, at, actor, "new-complaint", reason, m->id, error) == 0)
		return FALSE;
	/* The complaint counts as received when the mail arrived, not when a
	 * person placed it. */
	RdStageOpening so = { 0 };
	so.stage = 1;
	so.mailbox = o.mailbox;
	so.at = m->received_at;
	so.msg_id = m->id;
	so.in_reply_to = m->message_id;
	so.excerpt = m->new_text;
	so.language_unsure = unsure;
	return rd_casework_open_stage(cw, target, &so, error);
}

/* How a message waiting in triage is placed: assigned or a new case
 * (place), or decided on its closed case (place_closed). */
typedef struct {
	const char *ref;         /* place: the case, or NULL for a new one */
	int closed;              /* 0: place; 1: reopen; 2: Stage 2 request */
} How;

static gboolean place_closed(RdCasework *cw, const RdMessageRow *m, gboolean stage2, const char *actor,
                             gint64 at, RdPlacement *p, GError **error);

/* Message @msg_id placed as @how says, in one transaction: everything or
 * nothing, and a message not waiting in triage is a refusal. */
static gboolean
place_in_transaction(RdCasework *cw, gint64 msg_id, const How *how, const char *actor, gint64 at,
                     RdPlacement *p, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	memset(p, 0, sizeof *p);
	if (!rd_store_begin(st, error))
		return FALSE;
	g_autoptr(RdMessageRow) m = NULL;
	gboolean ok = rd_store_message_get(st, msg_id, &m, error);
	if (ok && m == NULL)
		ok = rd_casework_refuse(error, RD_CASEWORK_ERROR_REFUSED, "no message #%" G_GINT64_FORMAT
		            " (use the number shown by 'redress triage')", msg_id);
	GError *perr = NULL;
	actor = actor ? actor : "redress";
	if (ok && !(how->closed ? place_closed(cw, m, how->closed == 2, actor, at, p, &perr)
	                        : place(cw, m, how->ref, actor, at, p, &perr))) {
		/* The store's "no such open triage entry": said as a refusal. */
		if (perr->domain == RD_STORE_ERROR && perr->code == RD_STORE_ERROR_NOT_FOUND) {
			g_clear_error(&perr);
			rd_casework_refuse(&perr, RD_CASEWORK_ERROR_REFUSED,
			       "message #%" G_GINT64_FORMAT " is not waiting in triage", msg_id);
		}
		g_propagate_error(error, perr);
		ok = FALSE;
	}
	if (ok)
		ok = rd_store_commit(st, error);
	if (!ok) {
		rd_store_rollback(st);
		rd_placement_clear(p);
	}
	return ok;
}

gboolean
rd_casework_place(RdCasework *cw, gint64 msg_id, const char *ref, const char *actor, gint64 at,
                  RdPlacement *p, GError **error)
{
	How how = { ref, 0 };
	return place_in_transaction(cw, msg_id, &how, actor, at, p, error);
}

/* rd_casework_place_closed() inside the transaction. */
static gboolean
place_closed(RdCasework *cw, const RdMessageRow *m, gboolean stage2, const char *actor, gint64 at,
             RdPlacement *p, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	if (m->case_id == 0)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_REFUSED,
		                          "message #%" G_GINT64_FORMAT " is on no case: place it with 'redress triage "
		                          "assign %" G_GINT64_FORMAT " REF' or 'redress triage new %" G_GINT64_FORMAT "'",
		                          m->id, m->id, m->id);
	g_autoptr(RdCase) c = NULL;
	if (!rd_store_case_get(st, m->case_id, &c, error))
		return FALSE;
	if (c == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "the case of message #%" G_GINT64_FORMAT
		                          " is gone", m->id);
	g_autofree char *when = rd_time_format_local(m->received_at);
	g_autofree char *why = g_strdup_printf("the complainant wrote again on %s (message #%" G_GINT64_FORMAT
	                                       "), decided from triage by %s", when, m->id, actor);
	RdCaseAction a = { 0 };
	a.kind = stage2 ? RD_CASE_ACTION_ESCALATE : RD_CASE_ACTION_REOPEN;
	a.actor = actor;
	/* The complaint was raised again when the mail came, not when a
	 * person read it. */
	a.at = m->received_at;
	a.reason = why;
	RdCaseActionResult r = { 0 };
	gboolean ok = rd_casework_act_in(cw, c, &a, &r, error);
	rd_case_action_result_clear(&r);
	if (!ok)
		return FALSE;
	p->reference = g_strdup(c->reference);
	p->resolution = stage2 ? g_strdup_printf("Stage 2 request on %s", c->reference)
	                       : g_strdup_printf("reopened %s", c->reference);
	if (stage2 && !rd_store_message_set_case(st, m->id, c->id, "stage2-request", "triage", why, error))
		return FALSE;
	return rd_store_triage_resolve(st, m->id, p->resolution, at, error);
}

gboolean
rd_casework_place_closed(RdCasework *cw, gint64 msg_id, gboolean stage2, const char *actor, gint64 at,
                         RdPlacement *p, GError **error)
{
	How how = { NULL, stage2 ? 2 : 1 };
	return place_in_transaction(cw, msg_id, &how, actor, at, p, error);
}
