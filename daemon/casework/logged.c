/*
 * logged.c — a complaint that did not arrive as mail to redress: made by
 * phone, by letter, in person, or by email to someone who is not the
 * complaints mailbox, and typed in by a member of staff
 * (`redress case new`).
 *
 * It becomes a case like any other: the same reference series, the same
 * Stage 1 clock (from when the council had the complaint, not from when it
 * was typed in), the same acknowledgement and new-case notice. A
 * complainant without email is recorded under a placeholder address that
 * nothing can deliver to (rd_letters_postal_placeholder), and their
 * letters go to the handler to print and post — so their postal address
 * is required. Telephone and postal address are kept on the case journey
 * (the "logged-complaint" event), where the case file and a subject
 * access export find them.
 */
#include <string.h>
#include "casework/casework.h"


gboolean
rd_casework_is_council_address(const RdConfig *cfg, const char *email)
{
	if (email == NULL)
		return FALSE;
	if (rd_config_staff_member(cfg, email) != NULL)
		return TRUE;
	for (int i = 0; i < RD_MAILBOX_N; i++)
		if (cfg->mailboxes[i].address != NULL && g_ascii_strcasecmp(cfg->mailboxes[i].address, email) == 0)
			return TRUE;
	const char *at = strrchr(email, '@');
	for (guint i = 0; at != NULL && cfg->staff_auth.domains != NULL && cfg->staff_auth.domains[i]; i++)
		if (g_ascii_strcasecmp(at + 1, cfg->staff_auth.domains[i]) == 0)
			return TRUE;
	return FALSE;
}

/* @s with its white space trimmed, or NULL when nothing is left. */
static char *
trimmed(const char *s)
{
	if (s == NULL)
		return NULL;
	char *t = g_strstrip(g_strdup(s));
	if (*t == '\0')
		g_clear_pointer(&t, g_free);
	return t;
}

static const char *const channels[] = { "phone", "letter", "in-person", "email" };

/* The checks, before anything is written. */
static gboolean
check(const RdConfig *cfg, const RdLoggedComplaint *l, const char *name, const char *email,
      const char *address, const char *summary, GError **error)
{
	gboolean known = FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(channels); i++)
		known = known || g_strcmp0(l->channel, channels[i]) == 0;
	if (!known)
		return rd_casework_refused(error, "--channel is phone, letter, in-person or email (how the complaint was made), "
		              "not '%s'", l->channel ? l->channel : "");
	if (name == NULL)
		return rd_casework_refused(error, "give the complainant's name with --name");
	if (summary == NULL)
		return rd_casework_refused(error, "give what the complaint is about with --summary");
	if (email != NULL) {
		const char *at = strchr(email, '@');
		if (at == NULL || at == email || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
		    strchr(at + 1, '.') == NULL || strpbrk(email, " \t\r\n,;<>\"()[]\\") != NULL)
			return rd_casework_refused(error, "--email '%s' is not an email address", email);
		if (rd_letters_is_postal(email))
			return rd_casework_refused(error, "--email %s is a placeholder; leave --email out when they have none", email);
		if (rd_casework_is_council_address(cfg, email))
			return rd_casework_refused(error, "--email %s is the council's own (a member of staff, a council domain or a "
			              "redress mailbox): give the complainant's address, or none", email);
	} else if (g_strcmp0(l->channel, "email") == 0) {
		return rd_casework_refused(error, "a complaint made by email has an address: give it with --email");
	} else if (address == NULL) {
		return rd_casework_refused(error, "give --email or --address: without an email address the letters are printed "
		              "and posted, so they need the complainant's postal address");
	}
	if (l->language != NULL && strcmp(l->language, "en") != 0 && strcmp(l->language, "cy") != 0)
		return rd_casework_refused(error, "--language is en (English) or cy (Welsh)");
	/* A few minutes' grace for clocks that disagree; a date typed in
	 * the future would start the clock wrongly. */
	if (l->received_at > l->at + 300)
		return rd_casework_refused(error, "--received-at is in the future: give when the council had the complaint");
	return TRUE;
}

static gboolean
log_in(RdCasework *cw, const RdLoggedComplaint *l, RdCaseActionResult *r, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	g_autofree char *name = trimmed(l->name);
	g_autofree char *email0 = trimmed(l->email);
	g_autofree char *email = email0 ? g_ascii_strdown(email0, -1) : NULL;
	g_autofree char *address = trimmed(l->address);
	g_autofree char *phone = trimmed(l->phone);
	g_autofree char *summary = trimmed(l->summary);
	g_autofree char *service = trimmed(l->service);
	if (!check(cfg, l, name, email, address, summary, error))
		return FALSE;
	g_autofree char *postal = email == NULL ? rd_letters_postal_placeholder() : NULL;

	RdCaseOpening o = { 0 };
	o.mailbox = RD_MAILBOX_COMPLAINTS;
	o.at = l->received_at;
	o.complainant_email = email ? email : postal;
	o.complainant_name = name;
	o.language = l->language;
	o.summary = summary;
	o.channel = l->channel;
	o.service = service;
	g_autoptr(RdCase) c = rd_casework_create_case(cw, &o, error);
	if (c == NULL)
		return FALSE;

	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree char *when = rd_time_format_local(l->received_at);
	g_string_printf(why, "A complaint made by %s on %s, logged by %s.", l->channel, when, l->actor);
	if (phone != NULL)
		g_string_append_printf(why, " Telephone: %s.", phone);
	if (address != NULL)
		g_string_append_printf(why, " Postal address: %s.", address);
	if (postal != NULL)
		g_string_append(why, " No email address: their letters go to the handler to print and post.");
	if (rd_store_event_add(st, c->id, l->at, l->actor, "logged-complaint", why->str, 0, error) == 0)
		return FALSE;

	RdStageOpening so = { 0 };
	so.stage = 1;
	so.mailbox = RD_MAILBOX_COMPLAINTS;
	so.at = l->received_at;
	so.actor = l->actor;
	if (!rd_casework_open_stage(cw, c, &so, error))
		return FALSE;

	r->reference = g_strdup(c->reference);
	r->done = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(r->done, g_strdup_printf("Case opened for %s%s%s%s: %s", name, email ? " <" : "",
	                                         email ? email : "", email ? ">" : " (no email address)", summary));
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(st, c->id, error);
	if (stages == NULL)
		return FALSE;
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		if (s->stage == 1)
			g_ptr_array_add(r->done, g_strdup_printf("Stage 1 received %s: acknowledgement due %s, "
			                                         "response due %s.", s->received,
			                                         s->ack_due ? s->ack_due : "-",
			                                         s->response_due ? s->response_due : "-"));
	}
	r->letters = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) rows = rd_store_outbox_for_case(st, c->id, error);
	if (rows == NULL)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const RdOutboxRow *o2 = rows->pdata[i];
		if (strcmp(o2->status, "queued") == 0)
			g_ptr_array_add(r->letters, g_strdup_printf("%s to %s", o2->kind, o2->to_addr));
	}
	r->state = g_strdup(c->state);
	return TRUE;
}

gboolean
rd_casework_log_complaint(RdCasework *cw, const RdLoggedComplaint *l, RdCaseActionResult *r, GError **error)
{
	g_return_val_if_fail(cw != NULL && l != NULL && r != NULL, FALSE);
	memset(r, 0, sizeof *r);
	RdStore *st = rd_casework_store(cw);
	if (!rd_store_begin(st, error))
		return FALSE;
	if (!log_in(cw, l, r, error) || !rd_store_commit(st, error)) {
		rd_store_rollback(st);
		rd_case_action_result_clear(r);
		return FALSE;
	}
	return TRUE;
}
