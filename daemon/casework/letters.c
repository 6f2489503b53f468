/*
 * letters.c — from a case to a queued letter.
 *
 * templates/ knows how to render and build a letter; this file knows where
 * the values come from (the case, its stage, the configuration) and where
 * the letter goes (the outbox, under the daily cap, with an event on the
 * case). Everything here runs inside the caller's transaction, so a letter
 * is queued together with the change that caused it, or not at all.
 */
#include <string.h>
#include <unistd.h>
#include "casework/casework.h"
#include "templates.h"

struct _RdLetters {
	const RdConfig *cfg;          /* borrowed */
	const guint8 *key;            /* borrowed token key */
	RdTemplateSet *set;
	char *dir;
};

/* Where the letter templates are: the configured folder, else next to the
 * binary in a source tree (build/redress → templates/letters), else the
 * installed copies. */
static char *
find_templates_dir(const RdConfig *cfg)
{
	if (cfg->templates_dir != NULL)
		return g_strdup(cfg->templates_dir);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe != NULL) {
		g_autofree char *bindir = g_path_get_dirname(exe);
		g_autofree char *src = g_build_filename(bindir, "..", "templates", "letters", NULL);
		if (g_file_test(src, G_FILE_TEST_IS_DIR))
			return g_steal_pointer(&src);
		g_autofree char *share = g_build_filename(bindir, "..", "share", "redress", "templates", NULL);
		if (g_file_test(share, G_FILE_TEST_IS_DIR))
			return g_steal_pointer(&share);
	}
	return g_strdup("/usr/share/redress/templates");
}

RdLetters *
rd_letters_new(const RdConfig *cfg, const guint8 *key, GError **error)
{
	rd_templates_init();
	g_autofree char *dir = find_templates_dir(cfg);
	RdTemplateSet *set = rd_template_load_dir(dir, error);
	if (set == NULL)
		return NULL;
	/* An unknown variable is a configuration error now, not a failed
	 * letter later. */
	if (!rd_template_set_check(set, rd_letter_variable_names(), error)) {
		rd_template_set_free(set);
		return NULL;
	}
	RdLetters *l = g_new0(RdLetters, 1);
	l->cfg = cfg;
	l->key = key;
	l->set = set;
	l->dir = g_steal_pointer(&dir);
	return l;
}

void
rd_letters_free(RdLetters *l)
{
	if (l == NULL)
		return;
	rd_template_set_free(l->set);
	g_free(l->dir);
	g_free(l);
}

const guint8 *
rd_letters_token_key(const RdLetters *l)
{
	return l->key;
}

const char *
rd_letters_dir(const RdLetters *l)
{
	return l->dir;
}

/* ---- dates as people write them ------------------------------------------ */

static const char *const days_en[] = { NULL, "Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday" };
static const char *const months_en[] = { NULL, "January", "February", "March", "April", "May",
                                         "June", "July", "August", "September", "October",
                                         "November", "December" };
/* In a Welsh sentence "dydd" is lower case; after "ar" it takes the soft
 * mutation ("ar ddydd Llun"), which case.received_on carries. */
static const char *const days_cy[] = { NULL, "dydd Llun", "dydd Mawrth", "dydd Mercher",
                                       "dydd Iau", "dydd Gwener", "dydd Sadwrn", "dydd Sul" };
static const char *const months_cy[] = { NULL, "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai",
                                         "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref",
                                         "Tachwedd", "Rhagfyr" };

char *
rd_letters_format_date(const char *iso, const char *lang)
{
	GDate d;
	if (iso == NULL || !rd_date_parse_iso(iso, &d))
		return NULL;
	gboolean cy = g_strcmp0(lang, "cy") == 0;
	return g_strdup_printf("%s %u %s %u",
	                       (cy ? days_cy : days_en)[g_date_get_weekday(&d)],
	                       g_date_get_day(&d),
	                       (cy ? months_cy : months_en)[g_date_get_month(&d)],
	                       g_date_get_year(&d));
}

/* ---- outcomes in words ----------------------------------------------------------- */

/* The stage outcome as the letter says it ("Outcome: partly upheld"), in
 * the letter's language; the stored codes ("partly-upheld") are for
 * reports. The Welsh agrees with "cwyn", which is feminine. An unknown
 * code is shown with its hyphens as spaces rather than not at all. */
static const struct {
	const char *code, *en, *cy;
} outcomes[] = {
	{ "upheld", "upheld", "wedi'i chadarnhau" },
	{ "partly-upheld", "partly upheld", "wedi'i chadarnhau'n rhannol" },
	{ "not-upheld", "not upheld", "heb ei chadarnhau" },
	{ "resolved", "resolved", "wedi'i datrys" },
	{ "excluded", "excluded from the complaints procedure", "wedi'i heithrio o'r weithdrefn gwynion" },
	{ "withdrawn", "withdrawn", "wedi'i thynnu'n ôl" },
	{ "declined", "not investigated at Stage 2", "heb ymchwiliad yng Ngham 2" },
	{ "referred-back", "referred back to Stage 1", "wedi'i hanfon yn ôl i Gam 1" },
};

static char *
outcome_words(const char *code, const char *lang)
{
	if (code == NULL)
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(outcomes); i++)
		if (strcmp(outcomes[i].code, code) == 0)
			return g_strdup(g_strcmp0(lang, "cy") == 0 ? outcomes[i].cy : outcomes[i].en);
	return g_strdelimit(g_strdup(code), "-", ' ');
}

/* ---- Ombudsmen ----------------------------------------------------------------- */

/* Each Ombudsman by its own name, as a heading above its contact
 * details (so no article); in a Welsh letter by its Welsh name where it
 * has one (only the Welsh Ombudsman does: the others are English and
 * Scottish bodies and are named as they name themselves). */
static const struct {
	const char *id, *name, *name_cy, *website, *phone;
} ombudsmen[] = {
	{ "lgsco", "Local Government and Social Care Ombudsman", NULL, "www.lgo.org.uk", "0300 061 0614" },
	{ "housing-ombudsman", "Housing Ombudsman Service", NULL, "www.housing-ombudsman.org.uk", "0300 111 3000" },
	{ "spso", "Scottish Public Services Ombudsman", NULL, "www.spso.org.uk", "0800 377 7330" },
	{ "psow", "Public Services Ombudsman for Wales", "Ombwdsmon Gwasanaethau Cyhoeddus Cymru",
	  "www.ombudsman.wales", "0300 790 0203" },
};

/* ---- values --------------------------------------------------------------------- */

/* The first few lines of what the complainant wrote, for "what we
 * understood": enough to recognise, short enough for a letter. */
static char *
excerpt_of(const char *text)
{
	if (text == NULL)
		return NULL;
	GString *out = g_string_new(NULL);
	const char *p = text;
	guint lines = 0;
	while (*p && lines < 6 && out->len < 600) {
		const char *nl = strchr(p, '\n');
		gsize n = nl ? (gsize)(nl - p) : strlen(p);
		g_autofree char *line = g_strstrip(g_strndup(p, n));
		if (*line) {
			if (out->len)
				g_string_append_c(out, '\n');
			g_string_append(out, line);
			lines++;
		}
		p = nl ? nl + 1 : p + n;
	}
	if (out->len >= 600 || *p) {
		/* Cut on a character boundary, then say it was cut. */
		g_autofree char *cut = g_utf8_substring(out->str, 0, MIN(g_utf8_strlen(out->str, -1), 600));
		g_string_assign(out, cut);
		g_string_append(out, " …");
	}
	return g_string_free(out, FALSE);
}

static void
set_date(RdTplValues *v, const char *name, const char *iso, const char *lang)
{
	g_autofree char *s = rd_letters_format_date(iso, lang);
	if (s)
		rd_tpl_values_set(v, name, s);
}

gboolean
rd_letters_is_postal(const char *email)
{
	return email != NULL && g_str_has_suffix(email, "@" RD_POSTAL_DOMAIN);
}

char *
rd_letters_postal_placeholder(void)
{
	return g_strdup_printf("post-%08x%08x@" RD_POSTAL_DOMAIN, g_random_int(), g_random_int());
}

/* Who prints and posts a letter to a complainant without email. */
static const char *
posting_to(RdLetters *l, const RdLetterRequest *r)
{
	const RdConfig *cfg = l->cfg;
	if (r->c->handler != NULL)
		return r->c->handler;
	if (cfg->complaints_manager != NULL)
		return cfg->complaints_manager;
	return cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
}

static gboolean
for_posting(const RdLetterRequest *r)
{
	return r->to_complainant && rd_letters_is_postal(r->to_addr);
}

gboolean
rd_letters_is_staff_notice(const char *name)
{
	if (name == NULL || strcmp(name, "staff-reply") == 0)
		return FALSE;
	return g_str_has_prefix(name, "staff-") || g_str_has_prefix(name, "action-") || strcmp(name, "command-result") == 0;
}

/* Where a reply to the letter goes (its Reply-To, and case.reply_address).
 * The complainant answers to the case's token address. A member of the
 * staff directory answers to their own reply address for the case (HMAC
 * over case, member and purpose: docs/staff-by-email.md), so that the
 * reply is known to be theirs and to be about this case. Anyone else a
 * notice goes to (a department, an office copy) answers the handler, or
 * the complaints manager: mail from them is not staff mail. */
static char *
reply_address(RdLetters *l, const RdLetterRequest *r)
{
	const RdConfig *cfg = l->cfg;
	const char *base = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	if (r->reply_to != NULL)
		return g_strdup(r->reply_to);
	if (r->to_complainant || r->to_addr == NULL)
		return rd_token_address(l->key, RD_TOKEN_KEY_LEN, base, r->c->reference);
	const RdStaffMember *m = rd_config_staff_member(cfg, r->to_addr);
	if (m != NULL)
		return rd_staff_token_address(l->key, RD_TOKEN_KEY_LEN, base, r->c->reference, r->to_addr,
		                              RD_STAFF_TOKEN_REPLY);
	const char *other = r->c->handler != NULL && g_ascii_strcasecmp(r->c->handler, r->to_addr) != 0
	                    ? r->c->handler : cfg->complaints_manager;
	if (other != NULL && g_ascii_strcasecmp(other, r->to_addr) != 0)
		return g_strdup(other);
	/* The staff notices to the handler or manager themselves before
	 * there is any directory: the case's address, as before. */
	return rd_token_address(l->key, RD_TOKEN_KEY_LEN, base, r->c->reference);
}

/* The office a letter names, in the letter's language: its Welsh name
 * in a Welsh letter, when the mailbox has one. */
static const char *
office_name(const RdConfig *cfg, RdMailbox mailbox, const char *name, const char *lang)
{
	if (name == NULL)
		return NULL;
	const char *cy = cfg->mailboxes[mailbox].office_name_cy;
	return g_strcmp0(lang, "cy") == 0 && cy != NULL ? cy : name;
}

RdTplValues *
rd_letters_values(RdLetters *l, const RdLetterRequest *r, const char *lang)
{
	const RdConfig *cfg = l->cfg;
	const RdCase *c = r->c;
	const RdStage *s = r->stage;
	RdTplValues *v = rd_tpl_values_new();

	rd_tpl_values_set(v, "council.name", cfg->council_name);
	rd_tpl_values_set(v, "council.email",
	                  cfg->council_email ? cfg->council_email : cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	rd_tpl_values_set(v, "council.phone", cfg->council_phone);
	rd_tpl_values_set(v, "council.website", cfg->council_website);

	rd_tpl_values_set(v, "case.reference", c->reference);
	/* A subject is one line wherever it is shown, even if the sender's
	 * encoded words smuggled line breaks into it. */
	g_autofree char *summary = g_strdup(c->summary);
	for (char *p = summary; p && *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	rd_tpl_values_set(v, "case.subject", summary);
	rd_tpl_values_set(v, "case.summary", summary);
	rd_tpl_values_set(v, "case.service", c->service);
	rd_tpl_values_set(v, "case.channel", c->channel);
	g_autofree char *reply = reply_address(l, r);
	rd_tpl_values_set(v, "case.reply_address", reply);
	g_autofree char *excerpt = excerpt_of(r->excerpt);
	rd_tpl_values_set(v, "case.excerpt", excerpt);
	if (s != NULL) {
		g_autofree char *stage = g_strdup_printf("%d", s->stage);
		rd_tpl_values_set(v, "case.stage", stage);
		set_date(v, "case.received", s->received, lang);
		g_autofree char *received = rd_letters_format_date(s->received, lang);
		if (received != NULL) {
			/* "on Friday 4 December 2026"; "ar ddydd Gwener 4 Rhagfyr
			 * 2026": the preposition with the date, because in Welsh it
			 * mutates the word after it. */
			g_autofree char *on = g_strcmp0(lang, "cy") == 0 ? g_strdup_printf("ar d%s", received)
			                                                : g_strdup_printf("on %s", received);
			rd_tpl_values_set(v, "case.received_on", on);
		}
		set_date(v, "case.reply_by", s->extended_to ? s->extended_to : s->response_due, lang);
		set_date(v, "case.department_notice_by", s->dept_notice_due, lang);
		g_autofree char *outcome = outcome_words(s->outcome, lang);
		rd_tpl_values_set(v, "case.outcome", outcome);
	}
	set_date(v, "case.new_date", r->new_date, lang);
	set_date(v, "case.escalate_by", r->escalate_by, lang);

	rd_tpl_values_set(v, "complainant.name", c->complainant_name);
	rd_tpl_values_set(v, "complainant.email", c->complainant_email);
	/* Until a named handler is assigned, the team is the contact; a
	 * handler in the staff directory by their name. The team's name is
	 * configured in English only, so a Welsh letter leaves it out and
	 * its template names the team in Welsh ("Ein tîm cwynion"): the
	 * Welsh acknowledgement said "Complaints Team" before. */
	/* A letter about Stage 2 names Stage 2's own handler: the case keeps
	 * the Stage 1 handler until someone is assigned, and the Stage 2
	 * acknowledgement named them as the reviewer "who was not involved
	 * in the Stage 1 response" (docs/procedure.md §3.2). */
	const char *hid = s != NULL && s->stage == 2 ? s->handler : c->handler;
	const RdStaffMember *handler = hid ? rd_config_staff_member(cfg, hid) : NULL;
	rd_tpl_values_set(v, "handler.name", handler && handler->name ? handler->name
	                                     : hid ? hid
	                                     : g_strcmp0(lang, "cy") == 0 ? NULL : cfg->team_name);
	rd_tpl_values_set_flag(v, "flag.assigned", hid != NULL);
	/* A staff notice greets the person it goes to, by name when the
	 * directory has it ("Dear Complaints Team … assigned to you" went to
	 * the complaints manager before). */
	const RdStaffMember *to = !r->to_complainant && r->to_addr ? rd_config_staff_member(cfg, r->to_addr) : NULL;
	rd_tpl_values_set(v, "recipient.name", to != NULL ? to->name : NULL);
	rd_tpl_values_set(v, "handler.email", hid ? hid : cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	rd_tpl_values_set(v, "handler.phone", cfg->council_phone);
	rd_tpl_values_set(v, "office.name",
	                  g_strcmp0(lang, "cy") == 0 && r->office_name_cy != NULL ? r->office_name_cy : r->office_name);
	rd_tpl_values_set(v, "reason", r->reason);
	rd_tpl_values_set(v, "message.text", r->text);
	rd_tpl_values_set(v, "attachments.left_out", r->attachments_left_out);
	rd_tpl_values_set(v, "staff.name", r->staff_name);
	rd_tpl_values_set(v, "staff.email", r->staff_email);
	rd_tpl_values_set_flag(v, "flag.final_response", r->final_response);

	for (gsize i = 0; i < G_N_ELEMENTS(ombudsmen); i++) {
		if (g_strcmp0(ombudsmen[i].id, r->ombudsman) == 0) {
			rd_tpl_values_set(v, "ombudsman.name", g_strcmp0(lang, "cy") == 0 && ombudsmen[i].name_cy != NULL
			                                       ? ombudsmen[i].name_cy : ombudsmen[i].name);
			rd_tpl_values_set(v, "ombudsman.website", ombudsmen[i].website);
			rd_tpl_values_set(v, "ombudsman.phone", ombudsmen[i].phone);
		}
	}
	rd_tpl_values_set_flag(v, "flag.ombudsman_details", r->ombudsman_details);
	rd_tpl_values_set_flag(v, "flag.referred_back", r->referred_back);
	rd_tpl_values_set_flag(v, "flag.final_stage", r->final_stage);
	rd_tpl_values_set_flag(v, "flag.language_unsure", r->language_unsure);
	if (r->survey && r->survey_kind >= 0 && r->survey_kind < RD_SURVEY_N_KINDS) {
		g_autofree char *qs = rd_survey_questions_text((RdSurveyKind)r->survey_kind, lang);
		rd_tpl_values_set(v, "survey.questions", qs);
		set_date(v, "survey.answer_by", r->survey_answer_by, lang);
	}
	return v;
}

/* ---- compose and queue ----------------------------------------------------------- */

const char *
rd_letters_language(const RdLetters *l, const RdLetterRequest *r)
{
	/* Staff notices are in the council's working language; letters to the
	 * complainant in the language recorded on the case. */
	if (!r->to_complainant)
		return l->cfg->default_language;
	if (r->c->language != NULL)
		return r->c->language;
	return l->cfg->default_language;
}

GBytes *
rd_letters_compose(RdLetters *l, const RdLetterRequest *r, char **subject_r,
                   char **message_id_r, GError **error)
{
	const RdConfig *cfg = l->cfg;
	const char *lang = rd_letters_language(l, r);
	if (!rd_template_set_has(l->set, r->name, lang))
		lang = "en";  /* a letter not translated yet still goes out */
	g_autoptr(RdTplValues) v = rd_letters_values(l, r, lang);
	g_autoptr(RdRenderedLetter) rendered = rd_template_set_render(l->set, r->name, lang, v, error);
	if (rendered == NULL)
		return NULL;
	g_autofree char *msgid = rd_letter_message_id(r->c->reference, r->name, cfg->council_domain);
	g_autofree char *reply = reply_address(l, r);
	g_autofree char *from_name = g_strdup_printf("%s, %s", cfg->team_name, cfg->council_name);
	RdLetter letter = { 0 };
	letter.from_name = from_name;
	letter.from_address = cfg->mailboxes[r->mailbox].address;
	letter.to_name = r->to_name;
	letter.to_address = r->to_addr;
	letter.reply_to = reply;
	letter.subject = rendered->subject;
	g_autofree char *posting_subject = NULL;
	if (for_posting(r)) {
		/* The letter as the complainant will read it on paper, to the
		 * person who prints and posts it. */
		posting_subject = g_strdup_printf("FOR POSTING to %s: %s",
		                                  r->c->complainant_name ? r->c->complainant_name : "the complainant",
		                                  rendered->subject);
		letter.to_name = NULL;
		letter.to_address = posting_to(l, r);
		letter.subject = posting_subject;
	}
	letter.reference = r->c->reference;
	letter.text_body = rendered->text;
	letter.html_body = rendered->html;
	letter.message_id = msgid;
	letter.in_reply_to = r->to_complainant ? r->in_reply_to : NULL;
	letter.language = lang;
	letter.auto_generated = !r->to_complainant;
	letter.attachments = r->attachments;
	letter.n_attachments = r->n_attachments;
	GBytes *raw = rd_letter_build(&letter, error);
	if (raw == NULL)
		return NULL;
	if (subject_r)
		*subject_r = g_strdup(letter.subject);
	if (message_id_r)
		*message_id_r = g_steal_pointer(&msgid);
	return raw;
}

gboolean
rd_letters_queue(RdLetters *l, RdStore *store, const RdLetterRequest *r, gint64 now,
                 gboolean *queued_r, GError **error)
{
	if (queued_r)
		*queued_r = FALSE;
	g_autofree char *subject = NULL;
	g_autofree char *msgid = NULL;
	g_autoptr(GError) cerr = NULL;
	g_autoptr(GBytes) raw = rd_letters_compose(l, r, &subject, &msgid, &cerr);
	if (raw == NULL) {
		/* A letter that cannot be written (a sender address with no
		 * domain, say) must not cost the complaint: the case is kept and
		 * the handler is told to write by hand. */
		g_autofree char *what = g_strdup_printf(
			"Letter %s to %s could not be written: %s. Contact the complainant another way.",
			r->name, r->to_addr ? r->to_addr : "(no address)", cerr->message);
		return rd_store_event_add(store, r->c->id, now, "redress", "letter-not-written", what, 0, error) != 0;
	}

	/* The cap stops a loop or a flood from turning redress into a mail
	 * cannon; the letter is still recorded, and the handler told. */
	const char *status = "queued";
	g_autofree char *detail = NULL;
	const char *to = for_posting(r) ? posting_to(l, r) : r->to_addr;
	if (r->to_complainant && !for_posting(r)) {
		gint64 recent = rd_store_outbox_count_to(store, r->to_addr, now - 24 * 3600, error);
		if (recent < 0)
			return FALSE;
		if ((guint64)recent >= l->cfg->daily_cap) {
			status = "suppressed";
			detail = g_strdup_printf("not sent: %" G_GINT64_FORMAT " letters already went to %s in the last 24 hours "
			                         "(the daily cap is %u)", recent, r->to_addr, l->cfg->daily_cap);
		}
	}
	gsize len = 0;
	const void *data = g_bytes_get_data(raw, &len);
	RdOutboxNew o = { 0 };
	o.case_id = r->c->id;
	o.idem_key = r->idem_key;
	o.kind = r->name;
	o.language = rd_letters_language(l, r);
	o.from_addr = l->cfg->mailboxes[r->mailbox].address;
	o.to_addr = to;
	o.subject = subject;
	o.message_id = msgid;
	o.raw = data;
	o.raw_len = len;
	o.status = status;
	o.detail = detail;
	o.next_try = now;
	o.created_at = now;
	o.responds_stage = r->responds_stage;
	gboolean queued = FALSE;
	gint64 id = rd_store_outbox_enqueue(store, &o, &queued, error);
	if (id == 0)
		return FALSE;
	if (queued) {
		g_autofree char *what = detail
			? g_strdup_printf("Letter %s to %s was not sent: %s", r->name, r->to_addr, detail)
			: for_posting(r)
			? g_strdup_printf("Letter %s queued for posting: sent to %s to print and post (%s).", r->name, to,
			                  subject)
			: g_strdup_printf("Letter %s queued for %s (%s).", r->name, r->to_addr, subject);
		if (rd_store_event_add(store, r->c->id, now, "redress",
		                       detail ? "letter-suppressed" : "letter-queued", what, 0, error) == 0)
			return FALSE;
	}
	if (queued_r)
		*queued_r = queued && detail == NULL;
	return TRUE;
}

gboolean
rd_letters_queue_digest(RdLetters *l, RdStore *store, RdMailbox mailbox, const char *to,
                        const char *day, GPtrArray *items, const char *idem_key, gint64 now,
                        GError **error)
{
	const RdConfig *cfg = l->cfg;
	const char *lang = cfg->default_language;
	if (!rd_template_set_has(l->set, "staff-digest", lang))
		lang = "en";
	g_autoptr(RdTplValues) v = rd_tpl_values_new();
	rd_tpl_values_set(v, "council.name", cfg->council_name);
	rd_tpl_values_set(v, "office.name", office_name(cfg, mailbox, cfg->mailboxes[mailbox].office_name, lang));
	g_autofree char *when = rd_letters_format_date(day, lang);
	rd_tpl_values_set(v, "case.received", when);
	for (guint i = 0; i < items->len; i++)
		rd_tpl_values_add_string(v, "points", items->pdata[i]);
	g_autoptr(GError) cerr = NULL;
	g_autoptr(RdRenderedLetter) rendered = rd_template_set_render(l->set, "staff-digest", lang, v, &cerr);
	if (rendered == NULL) {
		rd_log_error("the daily digest for %s could not be written: %s", to, cerr->message);
		return TRUE;
	}
	g_autofree char *msgid = rd_letter_message_id("digest", rd_mailbox_to_string(mailbox), cfg->council_domain);
	g_autofree char *from_name = g_strdup_printf("%s, %s", cfg->team_name, cfg->council_name);
	RdLetter letter = { 0 };
	letter.from_name = from_name;
	letter.from_address = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	letter.to_address = to;
	letter.subject = rendered->subject;
	letter.text_body = rendered->text;
	letter.html_body = rendered->html;
	letter.message_id = msgid;
	letter.language = lang;
	letter.auto_generated = TRUE;
	g_autoptr(GBytes) raw = rd_letter_build(&letter, &cerr);
	if (raw == NULL) {
		rd_log_error("the daily digest for %s could not be built: %s", to, cerr->message);
		return TRUE;
	}
	gsize len = 0;
	const void *data = g_bytes_get_data(raw, &len);
	RdOutboxNew o = { 0 };
	o.idem_key = idem_key;
	o.kind = "staff-digest";
	o.language = lang;
	o.from_addr = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	o.to_addr = to;
	o.subject = rendered->subject;
	o.message_id = msgid;
	o.raw = data;
	o.raw_len = len;
	o.next_try = now;
	o.created_at = now;
	return rd_store_outbox_enqueue(store, &o, NULL, error) != 0;
}

/* ---- the oversight report ------------------------------------------------------ */

/* "1 July to 30 September 2026", "1 April 2025 to 31 March 2026"; in
 * Welsh "1 Gorffennaf i 30 Medi 2026" ("i" before a numeral mutates
 * nothing). The first year only when the period spans two. */
static char *
period_words(const GDate *from, const GDate *to, const char *lang)
{
	gboolean cy = g_strcmp0(lang, "cy") == 0;
	const char *const *months = cy ? months_cy : months_en;
	g_autofree char *first = g_date_get_year(from) == g_date_get_year(to)
		? g_strdup_printf("%u %s", g_date_get_day(from), months[g_date_get_month(from)])
		: g_strdup_printf("%u %s %u", g_date_get_day(from), months[g_date_get_month(from)],
		                  g_date_get_year(from));
	return g_strdup_printf("%s %s %u %s %u", first, cy ? "i" : "to", g_date_get_day(to),
	                       months[g_date_get_month(to)], g_date_get_year(to));
}

char *
rd_letters_report_message_id(const RdLetters *l, const char *period, const char *to)
{
	/* The address hashed: a Message-ID is not the place for it, and any
	 * character of it would have to be allowed there. */
	g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, to, -1);
	return g_strdup_printf("report.%s.%.16s@%s", period, h, l->cfg->council_domain);
}

static RdTplValues *
report_values(RdLetters *l, const RdReportLetter *r, const char *lang, const char *filename)
{
	RdTplValues *v = rd_tpl_values_new();
	rd_tpl_values_set(v, "council.name", l->cfg->council_name);
	g_autofree char *words = period_words(&r->from, &r->to_day, lang);
	rd_tpl_values_set(v, "report.period", words);
	rd_tpl_values_set(v, "report.attachment", filename);
	for (guint i = 0; r->figures != NULL && r->figures[i] != NULL && r->figures[i + 1] != NULL; i += 2)
		rd_tpl_values_set(v, r->figures[i], r->figures[i + 1]);
	return v;
}

/* The letter with the report attached, ready for the outbox. */
static GBytes *
report_compose(RdLetters *l, const RdReportLetter *r, const char *lang, char **subject_r, char **msgid_r,
               GError **error)
{
	const RdConfig *cfg = l->cfg;
	g_autofree char *filename = g_strdup_printf("complaints-report-%s.html", r->period);
	g_autoptr(RdTplValues) v = report_values(l, r, lang, filename);
	g_autoptr(RdRenderedLetter) rendered = rd_template_set_render(l->set, "oversight-report", lang, v, error);
	if (rendered == NULL)
		return NULL;
	g_autofree char *kind = g_strdup_printf("report-%s", r->period);
	g_autofree char *msgid = r->again ? rd_letter_message_id(kind, "oversight-report", cfg->council_domain)
	                                  : rd_letters_report_message_id(l, r->period, r->to);
	g_autofree char *from_name = g_strdup_printf("%s, %s", cfg->team_name, cfg->council_name);
	RdLetterAttachment doc = { filename, "text/html", r->html, strlen(r->html) };
	RdLetter letter = { 0 };
	letter.from_name = from_name;
	letter.from_address = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	letter.to_address = r->to;
	/* An answer goes to a person, not into the complaints mailbox, where
	 * it would be taken for a new complaint. */
	letter.reply_to = cfg->complaints_manager;
	letter.subject = rendered->subject;
	letter.text_body = rendered->text;
	letter.html_body = rendered->html;
	letter.message_id = msgid;
	letter.language = lang;
	letter.auto_generated = TRUE;
	letter.attachments = &doc;
	letter.n_attachments = 1;
	GBytes *raw = rd_letter_build(&letter, error);
	if (raw == NULL)
		return NULL;
	*subject_r = g_strdup(rendered->subject);
	*msgid_r = g_steal_pointer(&msgid);
	return raw;
}

gboolean
rd_letters_queue_report(RdLetters *l, RdStore *store, const RdReportLetter *r, gint64 now, gint64 *id_r,
                        gboolean *queued_r, GError **error)
{
	/* A report, like a staff notice, is in the council's language. */
	const char *lang = l->cfg->default_language;
	if (!rd_template_set_has(l->set, "oversight-report", lang))
		lang = "en";
	g_autofree char *subject = NULL, *msgid = NULL;
	g_autoptr(GBytes) raw = report_compose(l, r, lang, &subject, &msgid, error);
	if (raw == NULL) {
		g_prefix_error(error, "the %s report to %s could not be written: ", r->period, r->to);
		return FALSE;
	}
	gsize len = 0;
	const void *data = g_bytes_get_data(raw, &len);
	RdOutboxNew o = { 0 };
	o.idem_key = r->idem_key;
	o.kind = "oversight-report";
	o.language = lang;
	o.from_addr = l->cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	o.to_addr = r->to;
	o.subject = subject;
	o.message_id = msgid;
	o.raw = data;
	o.raw_len = len;
	o.next_try = now;
	o.created_at = now;
	gint64 id = rd_store_outbox_enqueue(store, &o, queued_r, error);
	if (id_r != NULL)
		*id_r = id;
	return id != 0;
}

gboolean
rd_letters_alert_failure_in(RdLetters *l, RdStore *store, const RdOutboxRow *o, const char *why,
                            const char *tag, gint64 now, GError **error)
{
	/* Only letters to the complainant: an alert about an undelivered
	 * staff notice would go to the same people by the same road. */
	if (o->case_id == 0 || rd_letters_is_staff_notice(o->kind))
		return TRUE;
	g_autoptr(RdCase) c = NULL;
	if (!rd_store_case_get(store, o->case_id, &c, error))
		return FALSE;
	if (c == NULL)
		return TRUE;   /* the case is gone: nobody to alert about it */
	const char *to = c->handler ? c->handler : l->cfg->complaints_manager;
	if (to == NULL) {
		rd_log_warn("letter failed case=%s kind=%s: no handler or complaints_manager to alert "
		            "(the case records it)", c->reference, o->kind);
		return TRUE;
	}
	g_autofree char *key = g_strdup_printf("%s/alert/%s-%" G_GINT64_FORMAT, c->reference,
	                                       tag != NULL ? tag : "letter", o->id);
	RdLetterRequest r = { 0 };
	r.name = "staff-letter-failed";
	r.idem_key = key;
	r.c = c;
	r.mailbox = RD_MAILBOX_COMPLAINTS;
	r.to_addr = to;
	r.to_complainant = FALSE;
	r.reason = why;
	return rd_letters_queue(l, store, &r, now, NULL, error);
}

gboolean
rd_letters_alert_failure(RdLetters *l, RdStore *store, const RdOutboxRow *o, const char *why,
                         gint64 now, GError **error)
{
	g_autofree char *reason = g_strdup_printf("The %s to %s was refused: %s", o->kind, o->to_addr,
	                                          why ? why : "no reason given");
	if (!rd_store_begin(store, error))
		return FALSE;
	if (!rd_letters_alert_failure_in(l, store, o, reason, "letter", now, error) ||
	    !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

/* ---- learning actions ------------------------------------------------------------ */

/* A letter about a learning action (action-reminder, action-overdue,
 * action-escalated): in the council's language, tied to no case, its
 * Reply-To the recipient's reply address for the action (so a reply with
 * #done, #verified or #extend is known to be about it and theirs), else
 * the complaints manager. */
gboolean
rd_letters_queue_action(RdLetters *l, RdStore *store, const RdActionLetter *r, gint64 now, gboolean *queued_r,
                        GError **error)
{
	const RdConfig *cfg = l->cfg;
	const RdLearningAction *a = r->action;
	if (queued_r != NULL)
		*queued_r = FALSE;
	const char *lang = cfg->default_language;
	if (!rd_template_set_has(l->set, r->name, lang))
		lang = "en";
	const char *base = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	const RdStaffMember *m = rd_config_staff_member(cfg, r->to);
	g_autofree char *reply = m != NULL ? rd_action_token_address(l->key, RD_TOKEN_KEY_LEN, base, a->id, r->to)
	                                   : g_strdup(cfg->complaints_manager);
	const RdStaffMember *owner = rd_config_staff_member(cfg, a->owner);

	g_autoptr(RdTplValues) v = rd_tpl_values_new();
	rd_tpl_values_set(v, "council.name", cfg->council_name);
	rd_tpl_values_set(v, "council.email", base);
	rd_tpl_values_set(v, "recipient.name", m != NULL ? m->name : NULL);
	g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, a->id);
	rd_tpl_values_set(v, "action.id", id);
	rd_tpl_values_set(v, "action.text", a->text);
	g_autofree char *due = rd_letters_format_date(a->due, lang);
	rd_tpl_values_set(v, "action.due", due != NULL ? due : a->due);
	rd_tpl_values_set(v, "action.status", a->status);
	rd_tpl_values_set(v, "action.owner", owner != NULL && owner->name != NULL ? owner->name : a->owner);
	rd_tpl_values_set(v, "action.owner_email", a->owner);
	rd_tpl_values_set(v, "action.service", a->service);
	g_autoptr(GString) cases = g_string_new(NULL);
	for (guint i = 0; a->cases != NULL && i < a->cases->len; i++)
		g_string_append_printf(cases, "%s%s", i ? ", " : "", (const char *)a->cases->pdata[i]);
	rd_tpl_values_set(v, "action.cases", cases->str);
	rd_tpl_values_set(v, "action.reply_address", reply);
	g_autoptr(RdRenderedLetter) rendered = rd_template_set_render(l->set, r->name, lang, v, error);
	if (rendered == NULL)
		return FALSE;
	g_autofree char *msgid = rd_letter_message_id(id, r->name, cfg->council_domain);
	g_autofree char *from_name = g_strdup_printf("%s, %s", cfg->team_name, cfg->council_name);
	RdLetter letter = { 0 };
	letter.from_name = from_name;
	letter.from_address = base;
	letter.to_address = r->to;
	letter.reply_to = reply;
	letter.subject = rendered->subject;
	letter.text_body = rendered->text;
	letter.html_body = rendered->html;
	letter.message_id = msgid;
	letter.language = lang;
	letter.auto_generated = TRUE;
	g_autoptr(GBytes) raw = rd_letter_build(&letter, error);
	if (raw == NULL)
		return FALSE;
	gsize len = 0;
	const void *data = g_bytes_get_data(raw, &len);
	RdOutboxNew o = { 0 };
	o.idem_key = r->idem_key;
	o.kind = r->name;
	o.language = lang;
	o.from_addr = base;
	o.to_addr = r->to;
	o.subject = rendered->subject;
	o.message_id = msgid;
	o.raw = data;
	o.raw_len = len;
	o.next_try = now;
	o.created_at = now;
	return rd_store_outbox_enqueue(store, &o, queued_r, error) != 0;
}
