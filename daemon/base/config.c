/*
 * config.c — the configuration file, read with GKeyFile into an immutable
 * RdConfig.
 *
 * Reading goes in steps: the lines (config-lines.c: every malformed line
 * reported with its number, and where each key is noted, since GKeyFile
 * would stop at the first bad line and keeps no numbers), GKeyFile, then
 * each key of each group, checked against the one table of keys
 * (config-keys.c) and stored by the function for its group, and last the
 * keys that only mean something together (profiles and services,
 * authentication). Errors are collected, not stopped at: the
 * administrator sees every "FILE:LINE: problem" at once, as isync does.
 * An unknown group or mailbox role is one of them, not the end: the keys
 * of an unknown role are still checked. With no file at all, the defaults
 * are a complete working configuration for offline use.
 *
 * What the configuration names (secret files, CA files, the bank-holidays
 * list) is checked by config-check.c, when a command is about to use it
 * and by `redress config check`.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "base/base-private.h"

G_DEFINE_QUARK(rd-config-error-quark, rd_config_error)

/* The file being read, and what has been found wrong in it so far. */
typedef struct {
	RdConfig *cfg;
	GKeyFile *kf;
	GString *errs;           /* one "FILE:LINE: message\n" per problem */
} Reader;

/* One key of the file, checked against the table, on its way into the
 * RdConfig. */
typedef struct {
	const char *group, *key;
	const char *val;         /* stripped */
	guint64 num;             /* KEY_UINT, KEY_SIZE: the number; KEY_DURATION: seconds */
} Setting;

/* A problem with @key of [@group] (@key NULL: the group's header), at
 * its line. The key is remembered, so the checks of what it names
 * (config-check.c) do not report it again. */
static void
bad(Reader *rd, const char *group, const char *key, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void
bad(Reader *rd, const char *group, const char *key, const char *fmt, ...)
{
	g_autofree char *where = rd_config_where(rd->cfg, group, key);
	va_list ap;
	va_start(ap, fmt);
	g_string_append_printf(rd->errs, "%s: ", where);
	g_string_append_vprintf(rd->errs, fmt, ap);
	g_string_append_c(rd->errs, '\n');
	va_end(ap);
	rd_config_file_mark(rd->cfg->file, group, key);
}

static void
replace(char **slot, const char *val)
{
	g_free(*slot);
	*slot = g_strdup(val);
}

/* Addresses are kept in lower case, as they are compared. */
static void
replace_lower(char **slot, const char *val)
{
	g_free(*slot);
	*slot = g_ascii_strdown(val, -1);
}

/* ---- one function per group: store a checked value --------------------------- */

static const char *const level_names[] = { "error", "warning", "info", "debug", NULL };

static void
set_log_level(Reader *rd, const Setting *s)
{
	gboolean found = FALSE;
	for (int i = 0; level_names[i]; i++) {
		if (g_ascii_strcasecmp(s->val, level_names[i]) == 0) {
			rd_log_set_level((RdLogLevel)i);
			found = TRUE;
		}
	}
	if (!found)
		bad(rd, s->group, s->key, "log_level must be error, warning, info or debug, not '%s'", s->val);
}

/* [redress], [limits] and [ingest]. */
static void
assign_general(Reader *rd, const Setting *s)
{
	RdConfig *cfg = rd->cfg;
	const char *k = s->key;
	if (strcmp(k, "database") == 0) replace(&cfg->database, s->val);
	else if (strcmp(k, "reference_prefix") == 0) {
		g_free(cfg->reference_prefix);
		cfg->reference_prefix = g_ascii_strup(s->val, -1);
	} else if (strcmp(k, "log_level") == 0) set_log_level(rd, s);
	else if (strcmp(k, "max_message_size") == 0) cfg->limits.max_size = (gsize)s->num;
	else if (strcmp(k, "max_mime_depth") == 0) cfg->limits.max_depth = (guint)s->num;
	else if (strcmp(k, "max_mime_parts") == 0) cfg->limits.max_parts = (guint)s->num;
	else if (strcmp(k, "max_header_length") == 0) cfg->limits.max_header_len = (gsize)s->num;
	else if (strcmp(k, "batch_messages") == 0) cfg->batch_messages = (guint)s->num;
	else if (strcmp(k, "parse_threads") == 0) cfg->parse_threads = (guint)s->num;
}

/* [calendar]. A nation or cut-off that did not pass its check keeps the
 * default; closure days are kept as written (the bad ones were reported). */
static void
assign_calendar(Reader *rd, const Setting *s)
{
	RdConfig *cfg = rd->cfg;
	if (strcmp(s->key, "nation") == 0) {
		rd_nation_from_string(s->val, &cfg->nation);
	} else if (strcmp(s->key, "bank_holidays") == 0) {
		replace(&cfg->bank_holidays, s->val);
	} else if (strcmp(s->key, "closures") == 0) {
		g_strfreev(cfg->closures);
		cfg->closures = rd_key_items(rd->kf, s->group, s->key);
	} else if (strcmp(s->key, "cutoff") == 0) {
		int h = -1, m = -1;
		char tail = 0;
		if (sscanf(s->val, "%d:%d%c", &h, &m, &tail) == 2 && h >= 0 && h <= 23 && m >= 0 && m <= 59) {
			cfg->cutoff_hour = h;
			cfg->cutoff_minute = m;
		}
	}
}

/* [council]. */
static void
assign_council(Reader *rd, const Setting *s)
{
	RdConfig *cfg = rd->cfg;
	const char *k = s->key;
	if (strcmp(k, "name") == 0) replace(&cfg->council_name, s->val);
	else if (strcmp(k, "domain") == 0) replace(&cfg->council_domain, s->val);
	else if (strcmp(k, "email") == 0) replace(&cfg->council_email, s->val);
	else if (strcmp(k, "phone") == 0) replace(&cfg->council_phone, s->val);
	else if (strcmp(k, "website") == 0) replace(&cfg->council_website, s->val);
	else if (strcmp(k, "population") == 0) cfg->council_population = (guint)g_ascii_strtoull(s->val, NULL, 10);
	else if (strcmp(k, "team_name") == 0) replace(&cfg->team_name, s->val);
	else if (strcmp(k, "complaints_manager") == 0) replace_lower(&cfg->complaints_manager, s->val);
	else if (strcmp(k, "it_contact") == 0) replace_lower(&cfg->it_contact, s->val);
}

/* The oauth_* keys, in [mailbox:ROLE] and [smtp]. */
static gboolean
assign_oauth_key(RdOAuthConfig *o, const char *key, const char *val)
{
	if (!g_str_has_prefix(key, "oauth_"))
		return FALSE;
	const char *k = key + strlen("oauth_");
	if (strcmp(k, "grant") == 0) replace(&o->grant, val);
	else if (strcmp(k, "token_url") == 0) replace(&o->token_url, val);
	else if (strcmp(k, "client_id") == 0) replace(&o->client_id, val);
	else if (strcmp(k, "client_secret_file") == 0) replace(&o->client_secret_file, val);
	else if (strcmp(k, "refresh_token_file") == 0) replace(&o->refresh_token_file, val);
	else if (strcmp(k, "scope") == 0) replace(&o->scope, val);
	else if (strcmp(k, "ca_file") == 0) replace(&o->ca_file, val);
	else return FALSE;
	return TRUE;
}

/* An office's name as the letters want it, without a leading article
 * (@article, "the " or Welsh "y "), which the letters put in themselves:
 * configurations written before said "the Chief Executive", and the
 * letters then read "to the the Chief Executive". */
static const char *
without_article(const char *val, const char *article)
{
	gsize n = strlen(article);
	return g_ascii_strncasecmp(val, article, n) == 0 && val[n] != '\0' ? val + n : val;
}

/* [mailbox:ROLE], whose role load_group() has checked. */
static void
assign_mailbox(Reader *rd, const Setting *s)
{
	RdMailbox role = RD_MAILBOX_COMPLAINTS;
	rd_mailbox_from_string(s->group + strlen("mailbox:"), &role);
	RdMailboxConfig *m = &rd->cfg->mailboxes[role];
	const char *k = s->key, *val = s->val;
	if (strcmp(k, "address") == 0) replace_lower(&m->address, val);
	else if (strcmp(k, "language") == 0) replace(&m->language, val);
	else if (strcmp(k, "office_name") == 0) replace(&m->office_name, without_article(val, "the "));
	else if (strcmp(k, "office_name_cy") == 0) replace(&m->office_name_cy, without_article(val, "y "));
	else if (strcmp(k, "copy_to") == 0) replace_lower(&m->copy_to, val);
	else if (strcmp(k, "copy") == 0) replace(&m->copy, val);
	else if (strcmp(k, "imap_url") == 0) replace(&m->imap_url, val);
	else if (strcmp(k, "imap_user") == 0) replace(&m->imap_user, val);
	else if (strcmp(k, "imap_password_file") == 0) replace(&m->imap_password_file, val);
	else if (strcmp(k, "imap_ca_file") == 0) replace(&m->imap_ca_file, val);
	else if (strcmp(k, "imap_auth") == 0) m->imap_xoauth2 = strcmp(val, "xoauth2") == 0;
	else if (assign_oauth_key(&m->oauth, k, val)) ;
	else if (strcmp(k, "imap_allow_plaintext") == 0) m->imap_allow_plaintext = rd_key_is_true(val);
	else if (strcmp(k, "processed_folder") == 0) replace(&m->processed_folder, val);
	else if (strcmp(k, "keep_in_place") == 0) m->keep_in_place = rd_key_is_true(val);
}

/* [letters]. */
static void
assign_letters(Reader *rd, const Setting *s)
{
	RdConfig *cfg = rd->cfg;
	if (strcmp(s->key, "templates") == 0) replace(&cfg->templates_dir, s->val);
	else if (strcmp(s->key, "language") == 0) replace(&cfg->default_language, s->val);
	else if (strcmp(s->key, "daily_cap") == 0) cfg->daily_cap = (guint)g_ascii_strtoull(s->val, NULL, 10);
	else if (strcmp(s->key, "loop_window_hours") == 0)
		cfg->loop_window_hours = (guint)g_ascii_strtoull(s->val, NULL, 10);
	else if (strcmp(s->key, "loop_quick_seconds") == 0)
		cfg->loop_quick_seconds = (guint)g_ascii_strtoull(s->val, NULL, 10);
	else if (strcmp(s->key, "loop_quick_max") == 0)
		cfg->loop_quick_max = (guint)g_ascii_strtoull(s->val, NULL, 10);
	else if (strcmp(s->key, "notice_attachments_mb") == 0)
		cfg->notice_attachments_mb = (guint)g_ascii_strtoull(s->val, NULL, 10);
}

/* [procedure] stage2_phrases: lower case, and at least one. */
static void
assign_stage2_phrases(Reader *rd, const Setting *s)
{
	g_auto(GStrv) items = rd_key_items(rd->kf, s->group, s->key);
	GPtrArray *list = g_ptr_array_new();
	for (guint i = 0; items[i] != NULL; i++)
		g_ptr_array_add(list, g_utf8_strdown(items[i], -1));
	if (list->len == 0)
		bad(rd, s->group, s->key, "stage2_phrases needs at least one phrase, separated by ';'");
	g_ptr_array_add(list, NULL);
	g_strfreev(rd->cfg->stage2_phrases);
	rd->cfg->stage2_phrases = (char **)g_ptr_array_free(list, FALSE);
}

/* [procedure] causes: the categories the reports group complaints by;
 * at least one, none given twice (ignoring case). */
static void
assign_causes(Reader *rd, const Setting *s)
{
	g_auto(GStrv) items = rd_key_items(rd->kf, s->group, s->key);
	if (items[0] == NULL) {
		bad(rd, s->group, s->key, "causes needs at least one category, separated by ';'");
		return;
	}
	for (guint i = 0; items[i] != NULL; i++)
		for (guint j = 0; j < i; j++)
			if (g_utf8_collate(items[i], items[j]) == 0 || g_ascii_strcasecmp(items[i], items[j]) == 0)
				bad(rd, s->group, s->key, "causes lists '%s' twice", items[i]);
	g_strfreev(rd->cfg->causes);
	rd->cfg->causes = g_steal_pointer(&items);
}

/* A ';'-separated list of addresses or domains, in lower case. */
static char **
lower_list(GKeyFile *kf, const char *group, const char *key)
{
	char **items = rd_key_items(kf, group, key);
	for (guint i = 0; items[i] != NULL; i++) {
		char *low = g_ascii_strdown(items[i], -1);
		g_free(items[i]);
		items[i] = low;
	}
	return items;
}

/* [procedure], [services], [elected_members] and [profile:NAME]: which
 * procedure a case follows, and who is an elected member. Profiles are
 * kept as written; check_profiles() and procedure/ read them. */
static void
assign_procedure(Reader *rd, const Setting *s)
{
	RdConfig *cfg = rd->cfg;
	if (strcmp(s->group, "procedure") == 0) {
		if (strcmp(s->key, "default_profile") == 0)
			replace(&cfg->default_profile, s->val);
		else if (strcmp(s->key, "stage2_phrases") == 0)
			assign_stage2_phrases(rd, s);
		else if (strcmp(s->key, "causes") == 0)
			assign_causes(rd, s);
	} else if (strcmp(s->group, "elected_members") == 0) {
		char ***slot = strcmp(s->key, "addresses") == 0 ? &cfg->member_addresses : &cfg->member_domains;
		g_strfreev(*slot);
		*slot = lower_list(rd->kf, s->group, s->key);
	} else if (strcmp(s->group, "services") == 0) {
		g_hash_table_replace(cfg->services, g_utf8_strdown(s->key, -1), g_strdup(s->val));
	} else {
		const char *name = s->group + strlen("profile:");
		GHashTable *kv = g_hash_table_lookup(cfg->profile_groups, name);
		if (kv == NULL) {
			kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
			g_hash_table_insert(cfg->profile_groups, g_strdup(name), kv);
		}
		g_hash_table_replace(kv, g_strdup(s->key), g_strdup(s->val));
	}
}

/* [smtp]. */
static void
assign_smtp(Reader *rd, const Setting *s)
{
	RdSmtpConfig *m = &rd->cfg->smtp;
	const char *k = s->key, *val = s->val;
	if (strcmp(k, "url") == 0) replace(&m->url, val);
	else if (strcmp(k, "ca_file") == 0) replace(&m->ca_file, val);
	else if (strcmp(k, "user") == 0) replace(&m->user, val);
	else if (strcmp(k, "password_file") == 0) replace(&m->password_file, val);
	else if (strcmp(k, "auth") == 0) m->xoauth2 = strcmp(val, "xoauth2") == 0;
	else if (strcmp(k, "sent_mailbox") == 0) replace(&m->sent_mailbox, val);
	else if (strcmp(k, "sent_folder") == 0) replace(&m->sent_folder, val);
	else if (assign_oauth_key(&m->oauth, k, val)) ;
	else if (strcmp(k, "envelope_from") == 0) replace_lower(&m->envelope_from, val);
	else if (strcmp(k, "allow_plaintext") == 0) m->allow_plaintext = rd_key_is_true(val);
	else if (strcmp(k, "retry_for") == 0) m->retry_for = (gint64)s->num;
	else if (strcmp(k, "timeout") == 0) m->timeout = (guint)s->num;
}

/* [daemon]. */
static void
assign_daemon(Reader *rd, const Setting *s)
{
	RdDaemonConfig *d = &rd->cfg->daemon;
	if (strcmp(s->key, "poll_interval") == 0) d->poll_interval = (guint)s->num;
	else if (strcmp(s->key, "idle") == 0) d->idle = rd_key_is_true(s->val);
	else if (strcmp(s->key, "send_interval") == 0) d->send_interval = (guint)s->num;
	else if (strcmp(s->key, "sweep_interval") == 0) d->sweep_interval = (guint)s->num;
	else if (strcmp(s->key, "alert_after") == 0) d->alert_after = (guint)s->num;
}

/* [surveys]. */
static void
assign_surveys(Reader *rd, const Setting *s)
{
	RdSurveysConfig *v = &rd->cfg->surveys;
	if (strcmp(s->key, "enabled") == 0)
		v->enabled = rd_key_is_true(s->val);
	else if (strcmp(s->key, "delay") == 0)
		v->delay = (guint)s->num;
	else if (strcmp(s->key, "expire_after") == 0)
		v->expire_after = (guint)s->num;
	else if (strcmp(s->key, "staff") == 0)
		v->staff = rd_key_is_true(s->val);
	else if (strcmp(s->key, "profiles") == 0) {
		g_strfreev(v->profiles);
		v->profiles = lower_list(rd->kf, s->group, s->key);
	}
}

/* [reports]. Words that did not pass their check were reported; what is
 * stored is what the words that did say. */
static void
assign_reports(Reader *rd, const Setting *s)
{
	RdReportsConfig *r = &rd->cfg->reports;
	if (strcmp(s->key, "recipients") == 0) {
		g_strfreev(r->recipients);
		r->recipients = rd_key_words(s->val);
		for (guint i = 0; r->recipients[i] != NULL; i++) {
			char *low = g_ascii_strdown(r->recipients[i], -1);
			g_free(r->recipients[i]);
			r->recipients[i] = low;
		}
	} else if (strcmp(s->key, "schedule") == 0) {
		g_auto(GStrv) words = rd_key_words(s->val);
		r->quarterly = r->annual = FALSE;
		for (guint i = 0; words[i] != NULL; i++) {
			r->quarterly |= g_ascii_strcasecmp(words[i], "quarterly") == 0;
			r->annual |= g_ascii_strcasecmp(words[i], "annual") == 0;
		}
	} else if (strcmp(s->key, "sets") == 0) {
		replace(&r->sets, s->val);
	} else if (strcmp(s->key, "send_after_days") == 0) {
		r->send_after_days = (guint)s->num;
	} else if (strcmp(s->key, "self_assessment") == 0) {
		replace(&r->self_assessment, s->val);
	} else if (strcmp(s->key, "ombudsman_letter") == 0) {
		replace(&r->ombudsman_letter, s->val);
	} else if (strcmp(s->key, "governance") == 0) {
		replace(&r->governance, s->val);
	}
}

/* The member of [@group] ("staff:ADDRESS"), made on its first key. */
static RdStaffMember *
staff_member_for(Reader *rd, const char *group)
{
	g_autofree char *email = g_ascii_strdown(group + strlen("staff:"), -1);
	GPtrArray *staff = rd->cfg->staff;
	for (guint i = 0; i < staff->len; i++) {
		RdStaffMember *m = staff->pdata[i];
		if (strcmp(m->email, email) == 0)
			return m;
	}
	RdStaffMember *m = g_new0(RdStaffMember, 1);
	m->email = g_steal_pointer(&email);
	m->services = g_new0(char *, 1);
	m->also = g_new0(char *, 1);
	m->line = rd_config_file_line(rd->cfg->file, group, NULL);
	g_ptr_array_add(staff, m);
	return m;
}

static char **lower_list(GKeyFile *kf, const char *group, const char *key);

/* [staff:ADDRESS] and [staff_auth]. The policy is read in check_staff(),
 * once every key is in. */
static void
assign_staff(Reader *rd, const Setting *s)
{
	if (strcmp(s->group, "staff_auth") == 0) {
		RdStaffAuthConfig *a = &rd->cfg->staff_auth;
		if (strcmp(s->key, "policy") == 0)
			replace(&a->policy_text, s->val);
		else if (strcmp(s->key, "trusted_authserv_ids") == 0) {
			g_strfreev(a->trusted_ids);
			a->trusted_ids = lower_list(rd->kf, s->group, s->key);
		} else if (strcmp(s->key, "domains") == 0) {
			g_strfreev(a->domains);
			a->domains = lower_list(rd->kf, s->group, s->key);
		} else if (strcmp(s->key, "restrict_to_services") == 0)
			a->by_service = rd_key_is_true(s->val);
		return;
	}
	RdStaffMember *m = staff_member_for(rd, s->group);
	if (strcmp(s->key, "name") == 0)
		replace(&m->name, s->val);
	else if (strcmp(s->key, "role") == 0)
		m->role = strcmp(s->val, "complaints-manager") == 0 ? RD_STAFF_COMPLAINTS_MANAGER
		          : strcmp(s->val, "stage2-manager") == 0 ? RD_STAFF_STAGE2_MANAGER
		          : RD_STAFF_HANDLER;
	else if (strcmp(s->key, "services") == 0) {
		g_strfreev(m->services);
		m->services = rd_key_items(rd->kf, s->group, s->key);
		for (guint i = 0; m->services[i] != NULL; i++) {
			char *low = g_utf8_strdown(m->services[i], -1);
			g_free(m->services[i]);
			m->services[i] = low;
		}
	} else if (strcmp(s->key, "also") == 0) {
		g_strfreev(m->also);
		m->also = lower_list(rd->kf, s->group, s->key);
	}
}

/* [retention] and [retention:PROFILE]. Values reached here only if they
 * passed rd_key_check(). */
static void
assign_retention(Reader *rd, const Setting *s)
{
	RdRetentionConfig *r = &rd->cfg->retention;
	RdRetentionPeriod p;
	const char *why = NULL;
	if (strcmp(s->key, "keep_for") == 0) {
		if (!rd_retention_period_parse(s->val, &p, &why) || !rd_retention_period_at_least_floor(&p))
			return;
		if (strcmp(s->group, "retention") == 0)
			r->keep_for = p;
		else
			g_hash_table_replace(r->profiles, g_strdup(s->group + strlen("retention:")),
			                     g_memdup2(&p, sizeof p));
	} else if (strcmp(s->key, "purge_mailbox_copies") == 0) {
		r->mailbox_copies = rd_key_is_true(s->val);
	} else if (strcmp(s->key, "schedule") == 0) {
		r->schedule_days = g_ascii_strcasecmp(s->val, "daily") == 0 ? 1
		                   : g_ascii_strcasecmp(s->val, "weekly") == 0 ? 7
		                   : g_ascii_strcasecmp(s->val, "monthly") == 0 ? 30 : 0;
	}
}

const RdRetentionPeriod *
rd_config_retention_period(const RdConfig *cfg, const char *profile)
{
	/* A case with no profile follows the default profile, as it does for
	 * its time limits (rd_rules_profile), so that profile's period counts. */
	if (profile == NULL)
		profile = cfg->default_profile;
	const RdRetentionPeriod *p = profile != NULL && cfg->retention.profiles != NULL
	                             ? g_hash_table_lookup(cfg->retention.profiles, profile) : NULL;
	return p != NULL ? p : &cfg->retention.keep_for;
}

typedef void (*Assign)(Reader *rd, const Setting *s);

static const struct {
	const char *group;       /* "mailbox:" and "profile:" are prefixes */
	Assign assign;
} assigners[] = {
	{ "redress", assign_general },
	{ "limits", assign_general },
	{ "ingest", assign_general },
	{ "calendar", assign_calendar },
	{ "council", assign_council },
	{ "mailbox:", assign_mailbox },
	{ "letters", assign_letters },
	{ "procedure", assign_procedure },
	{ "services", assign_procedure },
	{ "elected_members", assign_procedure },
	{ "profile:", assign_procedure },
	{ "smtp", assign_smtp },
	{ "daemon", assign_daemon },
	{ "reports", assign_reports },
	{ "surveys", assign_surveys },
	{ "retention", assign_retention },
	{ "retention:", assign_retention },
	{ "staff:", assign_staff },
	{ "staff_auth", assign_staff },
};

static Assign
assigner_for(const char *group)
{
	for (gsize i = 0; i < G_N_ELEMENTS(assigners); i++) {
		const char *g = assigners[i].group;
		if (g_str_has_suffix(g, ":") ? g_str_has_prefix(group, g) : strcmp(group, g) == 0)
			return assigners[i].assign;
	}
	return NULL;
}

/* ---- the file ------------------------------------------------------------------- */

/* One key: checked against the table, then, with @store, stored by its
 * group's function. */
static void
load_key(Reader *rd, const char *group, const char *key, gboolean store)
{
	Setting s = { group, key, NULL, 0 };
	const RdKeySpec *spec = rd_key_spec(group, key);
	if (spec == NULL) {
		bad(rd, group, key, "unknown key '%s' in [%s]", key, group);
		return;
	}
	g_autofree char *raw = g_key_file_get_value(rd->kf, group, key, NULL);
	g_autofree char *val = g_strstrip(g_strdup(raw ? raw : ""));
	s.val = val;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	rd_key_check(spec, rd->kf, group, key, val, &s.num, problems);
	for (guint i = 0; i < problems->len; i++)
		bad(rd, group, key, "%s", (const char *)problems->pdata[i]);
	Assign assign = assigner_for(group);
	if (store && assign != NULL)
		assign(rd, &s);
}

static void
load_group(Reader *rd, const char *group)
{
	if (!rd_key_group_known(group)) {
		/* No row of the table says what its keys should be. */
		bad(rd, group, NULL, "unknown group [%s]", group);
		return;
	}
	gboolean store = TRUE;
	if (g_str_has_prefix(group, "mailbox:") && !rd_mailbox_from_string(group + strlen("mailbox:"), NULL)) {
		bad(rd, group, NULL, "unknown mailbox [%s]; use mailbox:complaints, mailbox:stage2, "
		    "mailbox:chief-executive or mailbox:monitoring-officer", group);
		/* Its keys are still checked, but belong to no mailbox. */
		store = FALSE;
	}
	if (g_str_has_prefix(group, "staff:") && !rd_config_is_email(group + strlen("staff:"))) {
		bad(rd, group, NULL, "[%s]: a member of staff is named by one email address, e.g. "
		    "[staff:sam.patel@council.example]", group);
		store = FALSE;
	}
	g_auto(GStrv) names = g_key_file_get_keys(rd->kf, group, NULL, NULL);
	for (guint i = 0; names != NULL && names[i] != NULL; i++)
		load_key(rd, group, names[i], store);
	/* A member with no keys at all still exists (handler of every service). */
	if (store && g_str_has_prefix(group, "staff:"))
		staff_member_for(rd, group);
}

/* ---- keys that only mean something together --------------------------------------- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Profiles, the default profile and [services] fit together; each error
 * points at the line to fix. */
static void
check_profiles(Reader *rd)
{
	RdConfig *cfg = rd->cfg;
	g_autoptr(GHashTable) known = g_hash_table_new(g_str_hash, g_str_equal);
	for (const char *const *n = rd_profile_builtin_names(); *n != NULL; n++)
		g_hash_table_add(known, (gpointer)*n);
	GHashTableIter it;
	gpointer name, kv;
	g_hash_table_iter_init(&it, cfg->profile_groups);
	while (g_hash_table_iter_next(&it, &name, &kv)) {
		g_autoptr(GError) err = NULL;
		g_autoptr(RdProfile) p = rd_config_profile_new(cfg, name, &err);
		g_autofree char *group = g_strdup_printf("profile:%s", (const char *)name);
		if (p == NULL)
			bad(rd, group, NULL, "[%s]: %s", group, err->message);
		g_hash_table_add(known, name);
	}
	if (!g_hash_table_contains(known, cfg->default_profile))
		bad(rd, "procedure", "default_profile", "default_profile '%s' is not a profile; use a built-in one (council, lgsco-2024, "
		    "housing-ombudsman-2024, spso, childrens-statutory, adult-social-care) or define [profile:%s]",
		    cfg->default_profile, cfg->default_profile);
	gpointer service, profile;
	g_hash_table_iter_init(&it, cfg->services);
	while (g_hash_table_iter_next(&it, &service, &profile)) {
		if (g_hash_table_contains(known, profile))
			continue;
		bad(rd, "services", service, "[services] '%s' names profile '%s', which does not exist", (const char *)service,
		    (const char *)profile);
	}
	/* A [retention:NAME] that names no profile would never match a case,
	 * and those cases would be purged after the shorter default period:
	 * irreversible, so refused. Names match exactly, as cases store them. */
	g_autofree char *names = NULL;
	g_hash_table_iter_init(&it, cfg->retention.profiles);
	while (g_hash_table_iter_next(&it, &profile, NULL)) {
		if (g_hash_table_contains(known, profile))
			continue;
		if (names == NULL) {
			g_autofree gpointer *keys = g_hash_table_get_keys_as_array(known, NULL);
			qsort(keys, g_hash_table_size(known), sizeof *keys, cmp_names);
			names = g_strjoinv(", ", (char **)keys);
		}
		g_autofree char *group = g_strdup_printf("retention:%s", (const char *)profile);
		bad(rd, group, NULL, "[%s] names no profile (profile names are exact, in lower case); the profiles are: %s",
		    group, names);
	}
}

/* Keys that only mean something together: a key that would be silently
 * ignored is an error, so the administrator knows which setting counts.
 * (Whether the oauth_ keys are complete is rd_oauth_config_check()'s,
 * when the mailbox is used or checked.) */
static void
check_auth(Reader *rd)
{
	const RdConfig *cfg = rd->cfg;
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		g_autofree char *group = g_strdup_printf("mailbox:%s", rd_mailbox_to_string((RdMailbox)i));
		if (m->imap_xoauth2 && m->imap_password_file != NULL)
			bad(rd, group, "imap_password_file", "imap_password_file is not used with imap_auth = xoauth2; remove one of them");
		else if (!m->imap_xoauth2 && rd_oauth_config_is_set(&m->oauth))
			bad(rd, group, NULL, "oauth_ keys in [%s] are used only with imap_auth = xoauth2", group);
	}
	const RdSmtpConfig *sm = &cfg->smtp;
	if (sm->xoauth2 && sm->password_file != NULL)
		bad(rd, "smtp", "password_file", "password_file is not used with auth = xoauth2; remove one of them");
	else if (!sm->xoauth2 && rd_oauth_config_is_set(&sm->oauth))
		bad(rd, "smtp", NULL, "oauth_ keys in [smtp] are used only with auth = xoauth2");
	RdMailbox role;
	if (sm->sent_mailbox != NULL && rd_mailbox_from_string(sm->sent_mailbox, &role) &&
	    cfg->mailboxes[role].imap_url == NULL)
		bad(rd, "smtp", "sent_mailbox", "sent_mailbox = %s, but [mailbox:%s] has no imap_url to append the copies over",
		    sm->sent_mailbox, sm->sent_mailbox);
}

/* The staff directory and [staff_auth] fit together: a policy is chosen
 * whenever there is staff (there is no safe default: it depends on the
 * council's mail system), the policy names the settings it needs, and an
 * address belongs to one member only and is none of redress's own
 * mailboxes (mail from it would be taken for staff mail). */
static void
check_staff(Reader *rd)
{
	RdConfig *cfg = rd->cfg;
	RdStaffAuthConfig *a = &cfg->staff_auth;
	if (a->domains == NULL || a->domains[0] == NULL) {
		g_strfreev(a->domains);
		a->domains = g_new0(char *, 2);
		if (cfg->council_domain != NULL)
			a->domains[0] = g_ascii_strdown(cfg->council_domain, -1);
	}
	if (a->policy_text != NULL) {
		g_autofree char *why = NULL;
		if (!rd_staff_auth_policy_parse(a->policy_text, &a->policy, &why))
			bad(rd, "staff_auth", "policy", "policy: %s", why);
	}
	if (cfg->staff->len == 0)
		return;
	if (a->policy_text == NULL) {
		bad(rd, "staff_auth", NULL, "[staff:…] groups need [staff_auth] policy = authentication-results, "
		    "exchange-internal or token (or several joined by '+'): how redress tells a member of staff "
		    "from someone using their address (see docs/staff-by-email.md)");
		return;
	}
	if ((a->policy & RD_STAFF_AUTH_AUTHRES) && (a->trusted_ids == NULL || a->trusted_ids[0] == NULL))
		bad(rd, "staff_auth", "policy", "policy authentication-results needs trusted_authserv_ids: the "
		    "authserv-id your own mail servers write in Authentication-Results (e.g. mx.council.example)");
	if ((a->policy & (RD_STAFF_AUTH_AUTHRES | RD_STAFF_AUTH_EXCHANGE)) && a->domains[0] == NULL)
		bad(rd, "staff_auth", "domains", "set domains (the council's mail domains) or [council] domain");
	if (a->policy & RD_STAFF_AUTH_FROM_ONLY)
		rd_log_warn("%s: [staff_auth] policy = from-only: ANYONE can act as a member of staff by writing "
		            "their address in From; use it only to try redress out",
		            cfg->path != NULL ? cfg->path : "configuration");
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < cfg->staff->len; i++) {
		RdStaffMember *m = cfg->staff->pdata[i];
		g_autofree char *group = g_strconcat("staff:", m->email, NULL);
		for (int k = -1; k < 0 || m->also[k] != NULL; k++) {
			const char *addr = k < 0 ? m->email : m->also[k];
			const RdStaffMember *other = g_hash_table_lookup(seen, addr);
			if (other != NULL && other != m)
				bad(rd, group, k < 0 ? NULL : "also", "%s is also the address of [staff:%s]: an address belongs "
				    "to one member of staff", addr, other->email);
			g_hash_table_insert(seen, (gpointer)addr, m);
			for (int mb = 0; mb < RD_MAILBOX_N; mb++)
				if (cfg->mailboxes[mb].address != NULL && g_ascii_strcasecmp(cfg->mailboxes[mb].address, addr) == 0)
					bad(rd, group, k < 0 ? NULL : "also", "%s is redress's own %s mailbox, not a member of staff",
					    addr, rd_mailbox_to_string((RdMailbox)mb));
		}
	}
}

const char *
rd_staff_role_to_string(RdStaffRole r)
{
	switch (r) {
	case RD_STAFF_COMPLAINTS_MANAGER: return "complaints-manager";
	case RD_STAFF_STAGE2_MANAGER: return "stage2-manager";
	case RD_STAFF_HANDLER: break;
	}
	return "handler";
}

const RdStaffMember *
rd_config_staff_member(const RdConfig *cfg, const char *email)
{
	if (email == NULL || cfg->staff == NULL)
		return NULL;
	for (guint i = 0; i < cfg->staff->len; i++) {
		const RdStaffMember *m = cfg->staff->pdata[i];
		if (g_ascii_strcasecmp(m->email, email) == 0)
			return m;
		for (guint k = 0; m->also[k] != NULL; k++)
			if (g_ascii_strcasecmp(m->also[k], email) == 0)
				return m;
	}
	return NULL;
}

static void
staff_member_free(RdStaffMember *m)
{
	g_free(m->email);
	g_free(m->name);
	g_strfreev(m->services);
	g_strfreev(m->also);
	g_free(m);
}

/* ---- loading ------------------------------------------------------------------------ */

RdProfile *
rd_config_profile_new(const RdConfig *cfg, const char *name, GError **error)
{
	GHashTable *kv = cfg->profile_groups ? g_hash_table_lookup(cfg->profile_groups, name) : NULL;
	g_return_val_if_fail(kv != NULL, NULL);
	g_autoptr(GPtrArray) pkeys = g_ptr_array_new();
	g_autoptr(GPtrArray) values = g_ptr_array_new();
	/* "base" first, so that the other keys change what it gives. */
	if (g_hash_table_contains(kv, "base")) {
		g_ptr_array_add(pkeys, "base");
		g_ptr_array_add(values, g_hash_table_lookup(kv, "base"));
	}
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, kv);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (strcmp(k, "base") == 0)
			continue;
		g_ptr_array_add(pkeys, k);
		g_ptr_array_add(values, v);
	}
	g_ptr_array_add(pkeys, NULL);
	g_ptr_array_add(values, NULL);
	return rd_profile_new_from_keys(name, (const char *const *)pkeys->pdata,
	                                (const char *const *)values->pdata, error);
}

/* The local part of each mailbox's default address. */
static const char *const mailbox_local[RD_MAILBOX_N] = {
	[RD_MAILBOX_COMPLAINTS] = "complaints",
	[RD_MAILBOX_STAGE2] = "stage2",
	[RD_MAILBOX_CHIEF_EXECUTIVE] = "chief.executive",
	[RD_MAILBOX_MONITORING_OFFICER] = "monitoring.officer",
};

/* A mailbox whose address the file does not give is at the council's
 * domain (complaints@<[council] domain>), not at council.example. */
static void
default_addresses(Reader *rd)
{
	RdConfig *cfg = rd->cfg;
	if (cfg->council_domain == NULL || *cfg->council_domain == '\0')
		return;
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		g_autofree char *group = g_strdup_printf("mailbox:%s", rd_mailbox_to_string((RdMailbox)i));
		if (g_key_file_has_key(rd->kf, group, "address", NULL))
			continue;
		g_autofree char *addr = g_strdup_printf("%s@%s", mailbox_local[i], cfg->council_domain);
		g_free(cfg->mailboxes[i].address);
		cfg->mailboxes[i].address = g_ascii_strdown(addr, -1);
	}
}

static void
set_defaults(RdConfig *cfg)
{
	cfg->database = NULL;
	cfg->reference_prefix = g_strdup("CMP");
	rd_parse_options_init(&cfg->limits);
	cfg->stage2_phrases = g_strdupv((char **)rd_default_stage2_phrases());
	/* The categories councils' published reports use most. */
	static const char *const causes[] = { "service standards", "policy", "staff attitude", "delay",
	                                      "communication", "other", NULL };
	cfg->causes = g_strdupv((char **)causes);
	cfg->batch_messages = 256;
	cfg->parse_threads = 0;
	cfg->nation = RD_NATION_ENGLAND_WALES;
	cfg->cutoff_hour = -1;
	cfg->cutoff_minute = -1;

	/* Enough to write sensible letters offline; a council sets its own.
	 * council.example is reserved (RFC 2606), so nothing can reach it. */
	cfg->council_name = g_strdup("Example Council");
	cfg->council_domain = g_strdup("council.example");
	cfg->team_name = g_strdup("Complaints Team");
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		cfg->mailboxes[i].address = g_strdup_printf("%s@council.example", mailbox_local[i]);
		cfg->mailboxes[i].processed_folder = g_strdup("Processed");
	}
	cfg->mailboxes[RD_MAILBOX_CHIEF_EXECUTIVE].office_name = g_strdup("Chief Executive");
	cfg->mailboxes[RD_MAILBOX_MONITORING_OFFICER].office_name = g_strdup("Monitoring Officer");
	cfg->mailboxes[RD_MAILBOX_CHIEF_EXECUTIVE].office_name_cy = g_strdup("Prif Weithredwr");
	cfg->mailboxes[RD_MAILBOX_MONITORING_OFFICER].office_name_cy = g_strdup("Swyddog Monitro");
	cfg->default_language = g_strdup("en");
	cfg->daily_cap = 5;
	cfg->loop_window_hours = 6;
	cfg->loop_quick_seconds = 60;
	cfg->loop_quick_max = 2;
	cfg->notice_attachments_mb = 10;
	cfg->default_profile = g_strdup("council");
	cfg->services = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Statutory procedures apply by service, not the corporate clock
	 * (domain-rules.md §1). */
	g_hash_table_insert(cfg->services, g_strdup("children's services"), g_strdup("childrens-statutory"));
	g_hash_table_insert(cfg->services, g_strdup("adult social care"), g_strdup("adult-social-care"));
	cfg->smtp.retry_for = 5 * 86400;
	cfg->smtp.timeout = 60;
	cfg->daemon.poll_interval = 60;
	cfg->daemon.idle = TRUE;
	cfg->daemon.send_interval = 30;
	cfg->daemon.sweep_interval = 3600;
	cfg->daemon.alert_after = 1800;
	cfg->reports.recipients = g_new0(char *, 1);
	cfg->reports.quarterly = TRUE;
	cfg->reports.annual = TRUE;
	cfg->reports.sets = g_strdup("all");
	cfg->reports.send_after_days = 5;
	cfg->surveys.delay = 5;
	cfg->surveys.expire_after = 20;
	cfg->surveys.profiles = g_new0(char *, 1);
	cfg->retention.keep_for = (RdRetentionPeriod){ 6, 'y' };
	cfg->retention.profiles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cfg->profile_groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                            (GDestroyNotify)g_hash_table_unref);
	cfg->staff = g_ptr_array_new_with_free_func((GDestroyNotify)staff_member_free);
}

/* The RdConfig of @text (@len bytes, read from @path), as far as it can
 * be read; every problem is added to @errs. */
static RdConfig *
parse(const char *path, const char *text, gsize len, GString *errs)
{
	g_autoptr(RdConfig) cfg = g_new0(RdConfig, 1);
	set_defaults(cfg);
	cfg->path = g_strdup(path);
	cfg->file = rd_config_file_new(path);
	g_autofree char *lines = rd_config_file_scan(cfg->file, text, len, errs);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) kerr = NULL;
	if (!g_key_file_load_from_data(kf, lines, (gsize)-1, G_KEY_FILE_NONE, &kerr)) {
		/* Only if GKeyFile refuses a line the scan let through: its
		 * message has no line number, and no key can be read. */
		g_string_append_printf(errs, "%s: %s\n", path, kerr->message);
		return g_steal_pointer(&cfg);
	}
	Reader rd = { cfg, kf, errs };
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++)
		load_group(&rd, groups[i]);
	default_addresses(&rd);
	check_profiles(&rd);
	check_auth(&rd);
	check_staff(&rd);
	cfg->limits.ref_prefix = cfg->reference_prefix;
	return g_steal_pointer(&cfg);
}

static RdConfig *
defaults(void)
{
	RdConfig *cfg = g_new0(RdConfig, 1);
	set_defaults(cfg);
	cfg->staff_auth.domains = g_new0(char *, 2);
	cfg->staff_auth.domains[0] = g_strdup(cfg->council_domain);
	cfg->limits.ref_prefix = cfg->reference_prefix;
	return cfg;
}

/* A file holding a NUL byte is not text at all (a binary file put in the
 * configuration's place): said once, with the line it is on, instead of
 * a message for every line around it (found by tests/faults/reload.sh). */
static gboolean
not_text(const char *path, const char *text, gsize len, GString *errs)
{
	const char *nul = memchr(text, '\0', len);
	if (nul == NULL)
		return FALSE;
	guint line = 1;
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	g_string_append_printf(errs, "%s:%u: a NUL byte: this is not a text file (is it the configuration file?)\n",
	                       path, line);
	return TRUE;
}

RdConfig *
rd_config_read(const char *path, GString *errs)
{
	if (path == NULL)
		return defaults();
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) ioerr = NULL;
	if (!g_file_get_contents(path, &text, &len, &ioerr)) {
		g_string_append_printf(errs, "%s: cannot read the configuration file: %s\n", path, ioerr->message);
		return NULL;
	}
	if (not_text(path, text, len, errs))
		return NULL;
	return parse(path, text, len, errs);
}

RdConfig *
rd_config_load(const char *path, GError **error)
{
	if (path == NULL)
		return defaults();
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) ioerr = NULL;
	if (!g_file_get_contents(path, &text, &len, &ioerr)) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "%s: cannot read the configuration file: %s", path, ioerr->message);
		return NULL;
	}
	g_autoptr(GString) errs = g_string_new(NULL);
	g_autoptr(RdConfig) cfg = not_text(path, text, len, errs) ? NULL : parse(path, text, len, errs);
	if (errs->len > 0) {
		g_string_truncate(errs, errs->len - 1);
		g_set_error_literal(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, errs->str);
		return NULL;
	}
	return g_steal_pointer(&cfg);
}

void
rd_config_free(RdConfig *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->path);
	rd_config_file_free(cfg->file);
	g_free(cfg->database);
	g_free(cfg->reference_prefix);
	g_strfreev(cfg->stage2_phrases);
	g_strfreev(cfg->causes);
	g_free(cfg->bank_holidays);
	g_strfreev(cfg->closures);
	g_free(cfg->council_name);
	g_free(cfg->council_domain);
	g_free(cfg->council_email);
	g_free(cfg->council_phone);
	g_free(cfg->council_website);
	g_free(cfg->team_name);
	g_free(cfg->complaints_manager);
	g_free(cfg->it_contact);
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		g_free(cfg->mailboxes[i].address);
		g_free(cfg->mailboxes[i].language);
		g_free(cfg->mailboxes[i].office_name);
		g_free(cfg->mailboxes[i].office_name_cy);
		g_free(cfg->mailboxes[i].copy_to);
		g_free(cfg->mailboxes[i].copy);
		g_free(cfg->mailboxes[i].imap_url);
		g_free(cfg->mailboxes[i].imap_user);
		g_free(cfg->mailboxes[i].imap_password_file);
		rd_oauth_config_clear(&cfg->mailboxes[i].oauth);
		g_free(cfg->mailboxes[i].imap_ca_file);
		g_free(cfg->mailboxes[i].processed_folder);
	}
	g_free(cfg->templates_dir);
	g_free(cfg->default_language);
	g_free(cfg->default_profile);
	g_clear_pointer(&cfg->services, g_hash_table_unref);
	g_strfreev(cfg->member_addresses);
	g_strfreev(cfg->member_domains);
	g_clear_pointer(&cfg->profile_groups, g_hash_table_unref);
	g_clear_pointer(&cfg->staff, g_ptr_array_unref);
	g_free(cfg->staff_auth.policy_text);
	g_strfreev(cfg->staff_auth.trusted_ids);
	g_strfreev(cfg->staff_auth.domains);
	g_free(cfg->smtp.url);
	g_free(cfg->smtp.ca_file);
	g_free(cfg->smtp.user);
	g_free(cfg->smtp.password_file);
	g_free(cfg->smtp.sent_mailbox);
	g_free(cfg->smtp.sent_folder);
	rd_oauth_config_clear(&cfg->smtp.oauth);
	g_free(cfg->smtp.envelope_from);
	g_strfreev(cfg->reports.recipients);
	g_strfreev(cfg->surveys.profiles);
	g_free(cfg->reports.sets);
	g_free(cfg->reports.self_assessment);
	g_free(cfg->reports.ombudsman_letter);
	g_free(cfg->reports.governance);
	g_clear_pointer(&cfg->retention.profiles, g_hash_table_unref);
	g_free(cfg);
}
