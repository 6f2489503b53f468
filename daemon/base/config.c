/*
 * config.c — the configuration file, read with GKeyFile into an immutable
 * RdConfig.
 *
 * Every key is listed in one table with its type and range, so unknown keys
 * (usually typos) are errors rather than silently ignored, and the README's
 * key list can be checked against one place. Errors are collected, not
 * stopped at: the administrator sees every "FILE:LINE: problem" at once,
 * as isync does. With no file at all, the defaults are a complete working
 * configuration for offline use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/base.h"

G_DEFINE_QUARK(rd-config-error-quark, rd_config_error)

typedef enum {
	KEY_STRING, KEY_PREFIX, KEY_UINT, KEY_SIZE, KEY_LIST, KEY_NATION, KEY_TIME,
	KEY_DATES, KEY_EMAIL, KEY_LANG, KEY_BOOL, KEY_ANY, KEY_DURATION, KEY_URL
} KeyType;

typedef struct {
	const char *group;
	const char *key;
	KeyType type;
	guint64 min, max;     /* for KEY_UINT, KEY_SIZE and KEY_DURATION (seconds) */
} KeySpec;

static const KeySpec keys[] = {
	{ "redress",   "database",          KEY_STRING, 0, 0 },
	{ "redress",   "reference_prefix",  KEY_PREFIX, 0, 0 },
	{ "redress",   "log_level",         KEY_STRING, 0, 0 },
	{ "limits",    "max_message_size",  KEY_SIZE,   1024, G_GUINT64_CONSTANT(1) << 31 },
	{ "limits",    "max_mime_depth",    KEY_UINT,   1, 200 },
	{ "limits",    "max_mime_parts",    KEY_UINT,   1, 100000 },
	{ "limits",    "max_header_length", KEY_SIZE,   256, 16u << 20 },
	{ "procedure", "stage2_phrases",    KEY_LIST,   0, 0 },
	{ "ingest",    "batch_messages",    KEY_UINT,   1, 100000 },
	{ "ingest",    "parse_threads",     KEY_UINT,   0, 64 },
	{ "calendar",  "nation",            KEY_NATION, 0, 0 },
	{ "calendar",  "bank_holidays",     KEY_STRING, 0, 0 },
	{ "calendar",  "closures",          KEY_DATES,  0, 0 },
	{ "calendar",  "cutoff",            KEY_TIME,   0, 0 },
	{ "council",   "name",              KEY_STRING, 0, 0 },
	{ "council",   "domain",            KEY_STRING, 0, 0 },
	{ "council",   "email",             KEY_EMAIL,  0, 0 },
	{ "council",   "phone",             KEY_STRING, 0, 0 },
	{ "council",   "website",           KEY_STRING, 0, 0 },
	{ "council",   "team_name",         KEY_STRING, 0, 0 },
	{ "council",   "complaints_manager", KEY_EMAIL, 0, 0 },
	{ "council",   "it_contact",        KEY_EMAIL,  0, 0 },
	{ "mailbox:*", "address",           KEY_EMAIL,  0, 0 },
	{ "mailbox:*", "language",          KEY_LANG,   0, 0 },
	{ "mailbox:*", "office_name",       KEY_STRING, 0, 0 },
	{ "mailbox:*", "copy_to",           KEY_EMAIL,  0, 0 },
	{ "mailbox:*", "copy",              KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_url",          KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_user",         KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_password_file", KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_auth",         KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_grant",       KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_token_url",   KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_client_id",   KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_client_secret_file", KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_refresh_token_file", KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_scope",       KEY_STRING, 0, 0 },
	{ "mailbox:*", "oauth_ca_file",     KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_ca_file",      KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_allow_plaintext", KEY_BOOL, 0, 0 },
	{ "mailbox:*", "processed_folder",  KEY_STRING, 0, 0 },
	{ "mailbox:*", "keep_in_place",     KEY_BOOL,   0, 0 },
	{ "letters",   "templates",         KEY_STRING, 0, 0 },
	{ "letters",   "language",          KEY_LANG,   0, 0 },
	{ "letters",   "daily_cap",         KEY_UINT,   1, 1000 },
	{ "procedure", "default_profile",   KEY_STRING, 0, 0 },
	{ "elected_members", "addresses",   KEY_LIST,   0, 0 },
	{ "elected_members", "domains",     KEY_LIST,   0, 0 },
	{ "smtp",      "url",               KEY_URL,    0, 0 },
	{ "smtp",      "ca_file",           KEY_STRING, 0, 0 },
	{ "smtp",      "user",              KEY_STRING, 0, 0 },
	{ "smtp",      "password_file",     KEY_STRING, 0, 0 },
	{ "smtp",      "auth",              KEY_STRING, 0, 0 },
	{ "smtp",      "sent_mailbox",      KEY_STRING, 0, 0 },
	{ "smtp",      "sent_folder",       KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_grant",       KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_token_url",   KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_client_id",   KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_client_secret_file", KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_refresh_token_file", KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_scope",       KEY_STRING, 0, 0 },
	{ "smtp",      "oauth_ca_file",     KEY_STRING, 0, 0 },
	{ "smtp",      "envelope_from",     KEY_EMAIL,  0, 0 },
	{ "smtp",      "allow_plaintext",   KEY_BOOL,   0, 0 },
	{ "smtp",      "retry_for",         KEY_DURATION, 60, 90 * 86400 },
	{ "smtp",      "timeout",           KEY_UINT,   1, 3600 },
	{ "daemon",    "poll_interval",     KEY_DURATION, 1, 25 * 60 },
	{ "daemon",    "idle",              KEY_BOOL,   0, 0 },
	{ "daemon",    "send_interval",     KEY_DURATION, 1, 86400 },
	{ "daemon",    "sweep_interval",    KEY_DURATION, 1, 7 * 86400 },
	{ "daemon",    "alert_after",       KEY_DURATION, 1, 7 * 86400 },
	/* Any key: service names, and profile settings checked by procedure/. */
	{ "services",  "*",                 KEY_ANY,    0, 0 },
	{ "profile:*", "*",                 KEY_ANY,    0, 0 },
};

/* String keys that take one of a few words. */
static const struct {
	const char *key, *choices;   /* choices: "a, b or c" */
} enumerated[] = {
	{ "copy",        "each, digest or none" },
	{ "imap_auth",   "password or xoauth2" },
	{ "auth",        "password or xoauth2" },
	{ "oauth_grant", "client_credentials or refresh_token" },
	{ "sent_mailbox", "complaints, stage2, chief-executive or monitoring-officer" },
};

/* TRUE unless @key is enumerated and @val is not one of its words;
 * *choices_r then says which are. */
static gboolean
one_of(const char *key, const char *val, const char **choices_r)
{
	for (gsize i = 0; i < G_N_ELEMENTS(enumerated); i++) {
		if (strcmp(enumerated[i].key, key) != 0)
			continue;
		*choices_r = enumerated[i].choices;
		g_auto(GStrv) words = g_regex_split_simple("(?:, | or )", enumerated[i].choices, 0, 0);
		for (guint w = 0; words[w] != NULL; w++)
			if (strcmp(words[w], val) == 0)
				return TRUE;
		return FALSE;
	}
	return TRUE;
}

/* "mailbox:chief-executive" matches the spec group "mailbox:*". */
static gboolean
group_matches(const char *spec, const char *group)
{
	gsize n = strlen(spec);
	if (n >= 2 && spec[n - 1] == '*' && spec[n - 2] == ':')
		return strncmp(spec, group, n - 1) == 0 && group[n - 1] != '\0';
	return strcmp(spec, group) == 0;
}

static const KeySpec *
key_spec(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (group_matches(keys[i].group, group) &&
		    (strcmp(keys[i].key, key) == 0 || strcmp(keys[i].key, "*") == 0))
			return &keys[i];
	return NULL;
}

static gboolean
group_known(const char *group)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (group_matches(keys[i].group, group))
			return TRUE;
	return FALSE;
}

/* Line number of "key =" inside "[group]" in @text, or 0. GKeyFile keeps
 * no line numbers, so we find them ourselves for the error messages. */
static guint
line_of(const char *text, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean in_group = FALSE;
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));
		if (l[0] == '[') {
			char *end = strchr(l, ']');
			in_group = end != NULL && (gsize)(end - l - 1) == strlen(group) &&
			           strncmp(l + 1, group, strlen(group)) == 0;
			if (in_group && key == NULL)
				return i + 1;
			continue;
		}
		if (!in_group || key == NULL)
			continue;
		gsize kl = strlen(key);
		if (strncmp(l, key, kl) == 0 && (l[kl] == '=' || l[kl] == ' ' || l[kl] == '\t'))
			return i + 1;
	}
	return 0;
}

/* A whole number with an optional one-letter unit (case-insensitive)
 * from @units; @tail (may be NULL) is an optional trailing letter also
 * allowed after the unit ("MB", "MiB"). */
typedef struct {
	char unit;
	guint64 mult;
} Unit;

static gboolean
parse_with_unit(const char *s, const Unit *units, const char *tail, guint64 *v_r)
{
	char *end = NULL;
	errno = 0;
	guint64 v = g_ascii_strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return FALSE;
	while (*end == ' ')
		end++;
	guint64 mult = 1;
	if (*end != '\0') {
		const Unit *u = units;
		while (u->unit != 0 && u->unit != g_ascii_tolower(*end))
			u++;
		if (u->unit == 0)
			return FALSE;
		mult = u->mult;
		end++;
		if (tail != NULL && *end != '\0' && strchr(tail, g_ascii_tolower(*end)) != NULL)
			end++;
	}
	if (*end != '\0' || v > G_MAXUINT64 / mult)
		return FALSE;
	*v_r = v * mult;
	return TRUE;
}

/* "50M", "64K", "1048576" → bytes. */
static gboolean
parse_size(const char *s, guint64 *v_r)
{
	static const Unit units[] = {
		{ 'k', 1024 }, { 'm', 1024 * 1024 }, { 'g', 1024 * 1024 * 1024 }, { 0, 0 },
	};
	return parse_with_unit(s, units, "bi", v_r);
}

/* "5d", "12h", "30m", "90s", "300" (seconds) → seconds. */
static gboolean
parse_duration(const char *s, guint64 *v_r)
{
	static const Unit units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 0, 0 },
	};
	return parse_with_unit(s, units, NULL, v_r);
}

static void
replace(char **slot, const char *val)
{
	g_free(*slot);
	*slot = g_strdup(val);
}

/* A KEY_BOOL value, already checked. */
static gboolean
is_true(const char *val)
{
	return g_ascii_strcasecmp(val, "true") == 0 || g_ascii_strcasecmp(val, "yes") == 0 ||
	       strcmp(val, "1") == 0;
}

static char **
lower_list(GKeyFile *kf, const char *group, const char *key)
{
	g_auto(GStrv) items = g_key_file_get_string_list(kf, group, key, NULL, NULL);
	GPtrArray *list = g_ptr_array_new();
	for (guint i = 0; items != NULL && items[i] != NULL; i++) {
		g_autofree char *t = g_strstrip(g_strdup(items[i]));
		if (*t != '\0')
			g_ptr_array_add(list, g_ascii_strdown(t, -1));
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

/* Keys that only mean something together: a key that would be silently
 * ignored is an error, so the administrator knows which setting counts.
 * (Whether the oauth_ keys are complete is rd_oauth_config_check()'s,
 * when the mailbox is used or checked.) */
static void
check_auth(const RdConfig *cfg, const char *path, const char *text, GString *errs)
{
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		g_autofree char *group = g_strdup_printf("mailbox:%s", rd_mailbox_to_string((RdMailbox)i));
		if (m->imap_xoauth2 && m->imap_password_file != NULL)
			g_string_append_printf(errs, "%s:%u: imap_password_file is not used with imap_auth = xoauth2; "
			                       "remove one of them\n", path, line_of(text, group, "imap_password_file"));
		else if (!m->imap_xoauth2 && rd_oauth_config_is_set(&m->oauth))
			g_string_append_printf(errs, "%s:%u: oauth_ keys in [%s] are used only with imap_auth = xoauth2\n",
			                       path, line_of(text, group, NULL), group);
	}
	const RdSmtpConfig *sm = &cfg->smtp;
	if (sm->xoauth2 && sm->password_file != NULL)
		g_string_append_printf(errs, "%s:%u: password_file is not used with auth = xoauth2; remove one of them\n",
		                       path, line_of(text, "smtp", "password_file"));
	else if (!sm->xoauth2 && rd_oauth_config_is_set(&sm->oauth))
		g_string_append_printf(errs, "%s:%u: oauth_ keys in [smtp] are used only with auth = xoauth2\n", path,
		                       line_of(text, "smtp", NULL));
	RdMailbox role;
	if (sm->sent_mailbox != NULL && rd_mailbox_from_string(sm->sent_mailbox, &role) &&
	    cfg->mailboxes[role].imap_url == NULL)
		g_string_append_printf(errs, "%s:%u: sent_mailbox = %s, but [mailbox:%s] has no imap_url to append "
		                       "the copies over\n", path, line_of(text, "smtp", "sent_mailbox"), sm->sent_mailbox,
		                       sm->sent_mailbox);
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

/* The keys of [smtp]; TRUE when @key was one of them (already validated;
 * @num holds the number or the period in seconds). */
static gboolean
assign_smtp_key(RdConfig *cfg, const char *group, const char *key, const char *val, guint64 num)
{
	if (strcmp(group, "smtp") != 0)
		return FALSE;
	RdSmtpConfig *m = &cfg->smtp;
	if (strcmp(key, "url") == 0) replace(&m->url, val);
	else if (strcmp(key, "ca_file") == 0) replace(&m->ca_file, val);
	else if (strcmp(key, "user") == 0) replace(&m->user, val);
	else if (strcmp(key, "password_file") == 0) replace(&m->password_file, val);
	else if (strcmp(key, "auth") == 0) m->xoauth2 = strcmp(val, "xoauth2") == 0;
	else if (strcmp(key, "sent_mailbox") == 0) replace(&m->sent_mailbox, val);
	else if (strcmp(key, "sent_folder") == 0) replace(&m->sent_folder, val);
	else if (assign_oauth_key(&m->oauth, key, val)) ;
	else if (strcmp(key, "envelope_from") == 0) {
		g_free(m->envelope_from);
		m->envelope_from = g_ascii_strdown(val, -1);
	} else if (strcmp(key, "allow_plaintext") == 0) m->allow_plaintext = is_true(val);
	else if (strcmp(key, "retry_for") == 0) m->retry_for = (gint64)num;
	else if (strcmp(key, "timeout") == 0) m->timeout = (guint)num;
	return TRUE;
}

/* The keys of [daemon]; TRUE when @key was one of them (already
 * validated; @num holds the period in seconds). */
static gboolean
assign_daemon_key(RdConfig *cfg, const char *group, const char *key, const char *val, guint64 num)
{
	if (strcmp(group, "daemon") != 0)
		return FALSE;
	RdDaemonConfig *d = &cfg->daemon;
	if (strcmp(key, "poll_interval") == 0) d->poll_interval = (guint)num;
	else if (strcmp(key, "idle") == 0) d->idle = is_true(val);
	else if (strcmp(key, "send_interval") == 0) d->send_interval = (guint)num;
	else if (strcmp(key, "sweep_interval") == 0) d->sweep_interval = (guint)num;
	else if (strcmp(key, "alert_after") == 0) d->alert_after = (guint)num;
	return TRUE;
}

/* The keys of [council], [mailbox:ROLE], [letters], [procedure]
 * default_profile, [elected_members], [services] and [profile:NAME].
 * Returns TRUE when @key was one of them (already validated). */
static gboolean
assign_letters_key(RdConfig *cfg, const char *group, RdMailbox role, const char *key,
                   const char *val, GKeyFile *kf)
{
	if (strcmp(group, "council") == 0) {
		if (strcmp(key, "name") == 0) replace(&cfg->council_name, val);
		else if (strcmp(key, "domain") == 0) replace(&cfg->council_domain, val);
		else if (strcmp(key, "email") == 0) replace(&cfg->council_email, val);
		else if (strcmp(key, "phone") == 0) replace(&cfg->council_phone, val);
		else if (strcmp(key, "website") == 0) replace(&cfg->council_website, val);
		else if (strcmp(key, "team_name") == 0) replace(&cfg->team_name, val);
		else if (strcmp(key, "complaints_manager") == 0) {
			g_free(cfg->complaints_manager);
			cfg->complaints_manager = g_ascii_strdown(val, -1);
		} else if (strcmp(key, "it_contact") == 0) {
			g_free(cfg->it_contact);
			cfg->it_contact = g_ascii_strdown(val, -1);
		}
		return TRUE;
	}
	if (g_str_has_prefix(group, "mailbox:")) {
		RdMailboxConfig *m = &cfg->mailboxes[role];
		if (strcmp(key, "address") == 0) {
			g_free(m->address);
			m->address = g_ascii_strdown(val, -1);
		} else if (strcmp(key, "language") == 0) replace(&m->language, val);
		else if (strcmp(key, "office_name") == 0) replace(&m->office_name, val);
		else if (strcmp(key, "copy_to") == 0) {
			g_free(m->copy_to);
			m->copy_to = g_ascii_strdown(val, -1);
		} else if (strcmp(key, "copy") == 0)
			replace(&m->copy, val);
		else if (strcmp(key, "imap_url") == 0) replace(&m->imap_url, val);
		else if (strcmp(key, "imap_user") == 0) replace(&m->imap_user, val);
		else if (strcmp(key, "imap_password_file") == 0) replace(&m->imap_password_file, val);
		else if (strcmp(key, "imap_ca_file") == 0) replace(&m->imap_ca_file, val);
		else if (strcmp(key, "imap_auth") == 0) m->imap_xoauth2 = strcmp(val, "xoauth2") == 0;
		else if (assign_oauth_key(&m->oauth, key, val)) ;
		else if (strcmp(key, "imap_allow_plaintext") == 0) m->imap_allow_plaintext = is_true(val);
		else if (strcmp(key, "processed_folder") == 0) replace(&m->processed_folder, val);
		else if (strcmp(key, "keep_in_place") == 0) m->keep_in_place = is_true(val);
		return TRUE;
	}
	if (strcmp(group, "letters") == 0) {
		if (strcmp(key, "templates") == 0) replace(&cfg->templates_dir, val);
		else if (strcmp(key, "language") == 0) replace(&cfg->default_language, val);
		else if (strcmp(key, "daily_cap") == 0) cfg->daily_cap = (guint)g_ascii_strtoull(val, NULL, 10);
		return TRUE;
	}
	if (strcmp(group, "procedure") == 0 && strcmp(key, "default_profile") == 0) {
		replace(&cfg->default_profile, val);
		return TRUE;
	}
	if (strcmp(group, "elected_members") == 0) {
		char ***slot = strcmp(key, "addresses") == 0 ? &cfg->member_addresses : &cfg->member_domains;
		g_strfreev(*slot);
		*slot = lower_list(kf, group, key);
		return TRUE;
	}
	if (strcmp(group, "services") == 0) {
		g_hash_table_replace(cfg->services, g_utf8_strdown(key, -1), g_strdup(val));
		return TRUE;
	}
	if (g_str_has_prefix(group, "profile:")) {
		const char *name = group + strlen("profile:");
		GHashTable *kv = g_hash_table_lookup(cfg->profile_groups, name);
		if (kv == NULL) {
			kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
			g_hash_table_insert(cfg->profile_groups, g_strdup(name), kv);
		}
		g_hash_table_replace(kv, g_strdup(key), g_strdup(val));
		return TRUE;
	}
	return FALSE;
}

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

/* Profiles, the default profile and [services] fit together; each error
 * points at the line to fix. */
static void
check_profiles(RdConfig *cfg, const char *path, const char *text, GString *errs)
{
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
			g_string_append_printf(errs, "%s:%u: [%s]: %s\n", path, line_of(text, group, NULL), group,
			                       err->message);
		g_hash_table_add(known, name);
	}
	if (!g_hash_table_contains(known, cfg->default_profile))
		g_string_append_printf(errs, "%s:%u: default_profile '%s' is not a profile; use a built-in one "
		                       "(council, lgsco-2024, housing-ombudsman-2024, spso, childrens-statutory, "
		                       "adult-social-care) or define [profile:%s]\n",
		                       path, line_of(text, "procedure", "default_profile"), cfg->default_profile,
		                       cfg->default_profile);
	gpointer service, profile;
	g_hash_table_iter_init(&it, cfg->services);
	while (g_hash_table_iter_next(&it, &service, &profile)) {
		if (g_hash_table_contains(known, profile))
			continue;
		/* The key as written, for the line number (we keep it lower case). */
		guint line = 0;
		g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
		for (guint i = 0; lines[i] != NULL && line == 0; i++) {
			g_autofree char *l = g_utf8_strdown(lines[i], -1);
			if (g_str_has_prefix(g_strstrip(l), service))
				line = i + 1;
		}
		g_string_append_printf(errs, "%s:%u: [services] '%s' names profile '%s', which does not exist\n",
		                       path, line, (const char *)service, (const char *)profile);
	}
}

static const char *const level_names[] = { "error", "warning", "info", "debug", NULL };

static void
set_defaults(RdConfig *cfg)
{
	cfg->database = NULL;
	cfg->reference_prefix = g_strdup("CMP");
	rd_parse_options_init(&cfg->limits);
	cfg->stage2_phrases = g_strdupv((char **)rd_default_stage2_phrases());
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
	static const char *const local[RD_MAILBOX_N] = {
		[RD_MAILBOX_COMPLAINTS] = "complaints",
		[RD_MAILBOX_STAGE2] = "stage2",
		[RD_MAILBOX_CHIEF_EXECUTIVE] = "chief.executive",
		[RD_MAILBOX_MONITORING_OFFICER] = "monitoring.officer",
	};
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		cfg->mailboxes[i].address = g_strdup_printf("%s@council.example", local[i]);
		cfg->mailboxes[i].processed_folder = g_strdup("Processed");
	}
	cfg->mailboxes[RD_MAILBOX_CHIEF_EXECUTIVE].office_name = g_strdup("the Chief Executive");
	cfg->mailboxes[RD_MAILBOX_MONITORING_OFFICER].office_name = g_strdup("the Monitoring Officer");
	cfg->default_language = g_strdup("en");
	cfg->daily_cap = 5;
	cfg->default_profile = g_strdup("council");
	cfg->services = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Statutory procedures apply by service, not the corporate clock
	 * (docs/procedure.md §2.8). */
	g_hash_table_insert(cfg->services, g_strdup("children's services"), g_strdup("childrens-statutory"));
	g_hash_table_insert(cfg->services, g_strdup("adult social care"), g_strdup("adult-social-care"));
	cfg->smtp.retry_for = 5 * 86400;
	cfg->smtp.timeout = 60;
	cfg->daemon.poll_interval = 60;
	cfg->daemon.idle = TRUE;
	cfg->daemon.send_interval = 30;
	cfg->daemon.sweep_interval = 3600;
	cfg->daemon.alert_after = 1800;
	cfg->profile_groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                            (GDestroyNotify)g_hash_table_unref);
}

RdConfig *
rd_config_load(const char *path, GError **error)
{
	g_autoptr(RdConfig) cfg = g_new0(RdConfig, 1);
	set_defaults(cfg);
	if (path == NULL) {
		cfg->limits.ref_prefix = cfg->reference_prefix;
		return g_steal_pointer(&cfg);
	}
	cfg->path = g_strdup(path);

	g_autofree char *text = NULL;
	gsize text_len = 0;
	g_autoptr(GError) ioerr = NULL;
	if (!g_file_get_contents(path, &text, &text_len, &ioerr)) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "%s: cannot read the configuration file: %s", path, ioerr->message);
		return NULL;
	}

	GString *errs = g_string_new(NULL);
	/* Not text at all (a binary file put in its place): said once, here.
	 * Otherwise the lines before the NUL byte would be read on their own,
	 * and the messages below, which quote keys, would copy its bytes
	 * (escape sequences, invalid UTF-8) into the log (found by
	 * tests/faults/reload.sh). */
	const char *nul = memchr(text, '\0', text_len);
	if (nul != NULL) {
		guint line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "%s:%u: a NUL byte: this is not a text file (is it the configuration file?)", path, line);
		g_string_free(errs, TRUE);
		return NULL;
	}
	/* GKeyFile rejects a malformed line without saying which one; check
	 * the line syntax first so the message can point at it. */
	{
		g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			const char *c = lines[i];
			if (!g_utf8_validate(c, -1, NULL)) {
				g_string_append_printf(errs, "%s:%u: not UTF-8 text (is this the configuration file?)\n",
				                       path, i + 1);
				continue;
			}
			while (*c != '\0' && ((guchar)*c >= 0x20 || *c == '\t' || *c == '\r') && *c != 0x7f)
				c++;
			if (*c != '\0') {
				g_string_append_printf(errs, "%s:%u: a control character (is this the configuration file?)\n",
				                       path, i + 1);
				continue;
			}
			g_autofree char *l = g_strstrip(g_strdup(lines[i]));
			if (l[0] == '\0' || l[0] == '#' || l[0] == ';')
				continue;
			if (l[0] == '[') {
				if (l[strlen(l) - 1] != ']')
					g_string_append_printf(errs, "%s:%u: group header is missing its closing ']'\n", path, i + 1);
				continue;
			}
			if (strchr(l, '=') == NULL)
				g_string_append_printf(errs, "%s:%u: expected 'key = value', a '[group]' or a '#' comment\n", path, i + 1);
		}
	}
	if (errs->len > 0) {
		g_string_truncate(errs, errs->len - 1);
		g_set_error_literal(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, errs->str);
		g_string_free(errs, TRUE);
		return NULL;
	}

	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) kerr = NULL;
	if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &kerr)) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s: %s", path, kerr->message);
		g_string_free(errs, TRUE);
		return NULL;
	}

	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (guint gi = 0; groups[gi] != NULL; gi++) {
		const char *group = groups[gi];
		if (!group_known(group)) {
			g_string_append_printf(errs, "%s:%u: unknown group [%s]\n", path,
			                       line_of(text, group, NULL), group);
			continue;
		}
		RdMailbox role = RD_MAILBOX_COMPLAINTS;
		if (g_str_has_prefix(group, "mailbox:") &&
		    !rd_mailbox_from_string(group + strlen("mailbox:"), &role)) {
			g_string_append_printf(errs, "%s:%u: unknown mailbox [%s]; use mailbox:complaints, mailbox:stage2, "
			                       "mailbox:chief-executive or mailbox:monitoring-officer\n",
			                       path, line_of(text, group, NULL), group);
			continue;
		}
		g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);
		for (guint ki = 0; names != NULL && names[ki] != NULL; ki++) {
			const char *key = names[ki];
			guint line = line_of(text, group, key);
			const KeySpec *spec = key_spec(group, key);
			if (spec == NULL) {
				g_string_append_printf(errs, "%s:%u: unknown key '%s' in [%s]\n", path, line, key, group);
				continue;
			}
			g_autofree char *raw = g_key_file_get_value(kf, group, key, NULL);
			g_autofree char *val = g_strstrip(g_strdup(raw ? raw : ""));
			guint64 num = 0;
			const char *choices = NULL;
			switch (spec->type) {
			case KEY_STRING:
				if (*val == '\0')
					g_string_append_printf(errs, "%s:%u: %s is empty\n", path, line, key);
				else if (!one_of(key, val, &choices))
					g_string_append_printf(errs, "%s:%u: %s must be %s, not '%s'\n", path, line, key,
					                       choices, val);
				else if (strcmp(key, "oauth_token_url") == 0 && !g_str_has_prefix(val, "https://"))
					g_string_append_printf(errs, "%s:%u: oauth_token_url must be an https:// address, "
					                       "not '%s'\n", path, line, val);
				break;
			case KEY_PREFIX: {
				gboolean ok = strlen(val) >= 2 && strlen(val) <= 8;
				for (const char *p = val; ok && *p; p++)
					ok = g_ascii_isalpha(*p);
				if (!ok)
					g_string_append_printf(errs, "%s:%u: %s must be 2 to 8 letters (for example CMP), not '%s'\n",
					                       path, line, key, val);
				break;
			}
			case KEY_UINT:
			case KEY_SIZE: {
				gboolean ok;
				if (spec->type == KEY_SIZE) {
					ok = parse_size(val, &num);
				} else {
					char *end = NULL;
					ok = *val != '\0';
					num = ok ? g_ascii_strtoull(val, &end, 10) : 0;
					ok = ok && end != NULL && *end == '\0';
				}
				if (!ok || num < spec->min || num > spec->max)
					g_string_append_printf(errs, "%s:%u: %s must be %s from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ", not '%s'\n",
					                       path, line, key,
					                       spec->type == KEY_SIZE ? "a size in bytes (K, M, G allowed)" : "a whole number",
					                       spec->min, spec->max, val);
				break;
			}
			case KEY_LIST:
			case KEY_ANY:
				break;
			case KEY_DURATION:
				if (!parse_duration(val, &num) || num < spec->min || num > spec->max)
					g_string_append_printf(errs, "%s:%u: %s must be a period such as 5d, 12h or 30m "
					                       "(at least %" G_GUINT64_FORMAT " s, at most %" G_GUINT64_FORMAT " days), not '%s'\n",
					                       path, line, key, spec->min, spec->max / 86400, val);
				break;
			case KEY_URL: {
				const char *rest = g_str_has_prefix(val, "smtp://") ? val + strlen("smtp://")
				                 : g_str_has_prefix(val, "smtps://") ? val + strlen("smtps://") : NULL;
				if (rest == NULL || *rest == '\0' || *rest == '/' || *rest == ':' ||
				    strpbrk(val, " \t@") != NULL)
					g_string_append_printf(errs, "%s:%u: %s must be smtp://HOST:PORT (STARTTLS) or "
					                       "smtps://HOST:PORT (TLS), with no user name in it, not '%s'\n",
					                       path, line, key, val);
				break;
			}
			case KEY_EMAIL: {
				const char *at = strchr(val, '@');
				if (at == NULL || at == val || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
				    strpbrk(val, " <>,;\"") != NULL)
					g_string_append_printf(errs, "%s:%u: %s must be one email address such as complaints@council.gov.uk, not '%s'\n",
					                       path, line, key, val);
				break;
			}
			case KEY_BOOL:
				if (!is_true(val) && g_ascii_strcasecmp(val, "false") != 0 &&
				    g_ascii_strcasecmp(val, "no") != 0 && strcmp(val, "0") != 0)
					g_string_append_printf(errs, "%s:%u: %s must be true or false, not '%s'\n",
					                       path, line, key, val);
				break;
			case KEY_LANG:
				if (strcmp(val, "en") != 0 && strcmp(val, "cy") != 0)
					g_string_append_printf(errs, "%s:%u: %s must be en (English) or cy (Welsh), not '%s'\n",
					                       path, line, key, val);
				break;
			case KEY_NATION:
				if (!rd_nation_from_string(val, &cfg->nation))
					g_string_append_printf(errs, "%s:%u: nation must be england-and-wales, scotland or northern-ireland, not '%s'\n",
					                       path, line, val);
				break;
			case KEY_TIME: {
				int h = -1, m = -1;
				char tail = 0;
				if (sscanf(val, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
					g_string_append_printf(errs, "%s:%u: %s must be a time of day such as 16:30, not '%s'\n",
					                       path, line, key, val);
				else {
					cfg->cutoff_hour = h;
					cfg->cutoff_minute = m;
				}
				break;
			}
			case KEY_DATES: {
				g_auto(GStrv) items = g_key_file_get_string_list(kf, group, key, NULL, NULL);
				GPtrArray *list = g_ptr_array_new();
				for (guint i = 0; items != NULL && items[i] != NULL; i++) {
					g_autofree char *t = g_strstrip(g_strdup(items[i]));
					GDate d;
					if (*t == '\0')
						continue;
					if (!rd_date_parse_iso(t, &d))
						g_string_append_printf(errs, "%s:%u: %s: '%s' is not a date (use YYYY-MM-DD)\n",
						                       path, line, key, t);
					g_ptr_array_add(list, g_steal_pointer(&t));
				}
				g_ptr_array_add(list, NULL);
				g_strfreev(cfg->closures);
				cfg->closures = (char **)g_ptr_array_free(list, FALSE);
				break;
			}
			}

			if (assign_letters_key(cfg, group, role, key, val, kf) ||
			    assign_smtp_key(cfg, group, key, val, num) ||
			    assign_daemon_key(cfg, group, key, val, num))
				continue;
			if (strcmp(key, "bank_holidays") == 0) {
				g_free(cfg->bank_holidays);
				cfg->bank_holidays = g_strdup(val);
			} else if (strcmp(key, "database") == 0) {
				g_free(cfg->database);
				cfg->database = g_strdup(val);
			} else if (strcmp(key, "reference_prefix") == 0) {
				g_free(cfg->reference_prefix);
				cfg->reference_prefix = g_ascii_strup(val, -1);
			} else if (strcmp(key, "log_level") == 0) {
				gboolean found = FALSE;
				for (int i = 0; level_names[i]; i++) {
					if (g_ascii_strcasecmp(val, level_names[i]) == 0) {
						rd_log_set_level((RdLogLevel)i);
						found = TRUE;
					}
				}
				if (!found)
					g_string_append_printf(errs, "%s:%u: log_level must be error, warning, info or debug, not '%s'\n",
					                       path, line, val);
			} else if (strcmp(key, "max_message_size") == 0) {
				cfg->limits.max_size = (gsize)num;
			} else if (strcmp(key, "max_mime_depth") == 0) {
				cfg->limits.max_depth = (guint)num;
			} else if (strcmp(key, "max_mime_parts") == 0) {
				cfg->limits.max_parts = (guint)num;
			} else if (strcmp(key, "max_header_length") == 0) {
				cfg->limits.max_header_len = (gsize)num;
			} else if (strcmp(key, "stage2_phrases") == 0) {
				g_auto(GStrv) items = g_key_file_get_string_list(kf, group, key, NULL, NULL);
				GPtrArray *list = g_ptr_array_new();
				for (guint i = 0; items != NULL && items[i] != NULL; i++) {
					g_autofree char *t = g_strstrip(g_strdup(items[i]));
					if (*t != '\0')
						g_ptr_array_add(list, g_utf8_strdown(t, -1));
				}
				if (list->len == 0)
					g_string_append_printf(errs, "%s:%u: stage2_phrases needs at least one phrase, separated by ';'\n",
					                       path, line);
				g_ptr_array_add(list, NULL);
				g_strfreev(cfg->stage2_phrases);
				cfg->stage2_phrases = (char **)g_ptr_array_free(list, FALSE);
			} else if (strcmp(key, "batch_messages") == 0) {
				cfg->batch_messages = (guint)num;
			} else if (strcmp(key, "parse_threads") == 0) {
				cfg->parse_threads = (guint)num;
			}
		}
	}

	check_profiles(cfg, path, text, errs);
	check_auth(cfg, path, text, errs);
	if (errs->len > 0) {
		g_string_truncate(errs, errs->len - 1);
		g_set_error_literal(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, errs->str);
		g_string_free(errs, TRUE);
		return NULL;
	}
	g_string_free(errs, TRUE);
	cfg->limits.ref_prefix = cfg->reference_prefix;
	return g_steal_pointer(&cfg);
}

void
rd_config_free(RdConfig *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->path);
	g_free(cfg->database);
	g_free(cfg->reference_prefix);
	g_strfreev(cfg->stage2_phrases);
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
	g_free(cfg->smtp.url);
	g_free(cfg->smtp.ca_file);
	g_free(cfg->smtp.user);
	g_free(cfg->smtp.password_file);
	g_free(cfg->smtp.sent_mailbox);
	g_free(cfg->smtp.sent_folder);
	rd_oauth_config_clear(&cfg->smtp.oauth);
	g_free(cfg->smtp.envelope_from);
	g_free(cfg);
}
