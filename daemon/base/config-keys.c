/*
 * config-keys.c — the table of every configuration key, and what a value
 * of each type must look like.
 *
 * One table, so that a key missing from it (usually a typo) is an error
 * rather than silently ignored, and so that the README's list of keys can
 * be checked against one place (tests/test-cli.sh reads the rows below).
 * The checks here look at one value at a time and say what is wrong in
 * words an administrator can act on; config.c puts the file and line in
 * front and stores the value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/base-private.h"

static const RdKeySpec keys[] = {
	{ "redress",   "database",          KEY_STRING, 0, 0 },
	{ "redress",   "reference_prefix",  KEY_PREFIX, 0, 0 },
	{ "redress",   "log_level",         KEY_STRING, 0, 0 },
	{ "limits",    "max_message_size",  KEY_SIZE,   1024, G_GUINT64_CONSTANT(1) << 31 },
	{ "limits",    "max_mime_depth",    KEY_UINT,   1, 200 },
	{ "limits",    "max_mime_parts",    KEY_UINT,   1, 100000 },
	{ "limits",    "max_header_length", KEY_SIZE,   256, 16u << 20 },
	{ "procedure", "stage2_phrases",    KEY_LIST,   0, 0 },
	{ "procedure", "causes",            KEY_LIST,   0, 0 },
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
	{ "council",   "population",        KEY_UINT,   1, 100000000 },
	{ "mailbox:*", "address",           KEY_EMAIL,  0, 0 },
	{ "mailbox:*", "language",          KEY_LANG,   0, 0 },
	{ "mailbox:*", "office_name",       KEY_STRING, 0, 0 },
	{ "mailbox:*", "office_name_cy",    KEY_STRING, 0, 0 },
	{ "mailbox:*", "copy_to",           KEY_EMAIL,  0, 0 },
	{ "mailbox:*", "copy",              KEY_STRING, 0, 0 },
	{ "mailbox:*", "imap_url",          KEY_IMAP_URL, 0, 0 },
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
	{ "letters",   "loop_window_hours", KEY_UINT,   0, 168 },
	{ "letters",   "loop_quick_seconds", KEY_UINT,  1, 3600 },
	{ "letters",   "loop_quick_max",    KEY_UINT,   0, 1000 },
	{ "letters",   "notice_attachments_mb", KEY_UINT, 0, 50 },
	{ "procedure", "default_profile",   KEY_STRING, 0, 0 },
	{ "elected_members", "addresses",   KEY_LIST,   0, 0 },
	{ "elected_members", "domains",     KEY_LIST,   0, 0 },
	{ "smtp",      "url",               KEY_SMTP_URL, 0, 0 },
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
	{ "reports",   "recipients",        KEY_EMAILS, 0, 0 },
	{ "reports",   "schedule",          KEY_WORDS,  0, 0 },
	{ "reports",   "sets",              KEY_WORDS,  0, 0 },
	{ "reports",   "send_after_days",   KEY_UINT,   0, 60 },
	{ "reports",   "self_assessment",   KEY_STRING, 0, 0 },
	{ "reports",   "ombudsman_letter",  KEY_STRING, 0, 0 },
	{ "reports",   "governance",        KEY_STRING, 0, 0 },
	{ "surveys",   "enabled",           KEY_BOOL,   0, 0 },
	{ "surveys",   "delay",             KEY_UINT,   0, 260 },
	{ "surveys",   "expire_after",      KEY_UINT,   1, 260 },
	{ "surveys",   "profiles",          KEY_LIST,   0, 0 },
	{ "surveys",   "staff",             KEY_BOOL,   0, 0 },
	{ "retention", "keep_for",          KEY_PERIOD, 0, 0 },
	{ "retention", "purge_mailbox_copies", KEY_BOOL, 0, 0 },
	{ "retention", "schedule",          KEY_STRING, 0, 0 },
	{ "retention:*", "keep_for",        KEY_PERIOD, 0, 0 },
	{ "staff:*",   "name",              KEY_STRING, 0, 0 },
	{ "staff:*",   "role",              KEY_STRING, 0, 0 },
	{ "staff:*",   "services",          KEY_LIST,   0, 0 },
	{ "staff:*",   "also",              KEY_LIST,   0, 0 },
	{ "staff_auth", "policy",           KEY_STRING, 0, 0 },
	{ "staff_auth", "trusted_authserv_ids", KEY_LIST, 0, 0 },
	{ "staff_auth", "domains",          KEY_LIST,   0, 0 },
	{ "staff_auth", "restrict_to_services", KEY_BOOL, 0, 0 },
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
	{ "role",        "handler, complaints-manager or stage2-manager" },
	{ "schedule",    "off, daily, weekly or monthly" },
};

/* Keys that take one or more words of a few, joined by ','. The words of
 * sets are those rd_report_sets_parse() reads (report/build.c), which
 * base/ cannot call: tests/test-report-schedule.c checks the two agree. */
static const struct {
	const char *key, *choices;   /* choices: "a, b or c" */
} several[] = {
	{ "schedule",    "quarterly or annual" },
	{ "sets",        "spso, lgsco, hos, reg18 or all" },
};

/* Whether @val (ASCII case ignored with @any_case) is one of @choices
 * ("a, b or c"). */
static gboolean
in_choices(const char *choices, const char *val, gboolean any_case)
{
	g_auto(GStrv) words = g_regex_split_simple("(?:, | or )", choices, 0, 0);
	for (guint w = 0; words[w] != NULL; w++)
		if (any_case ? g_ascii_strcasecmp(words[w], val) == 0 : strcmp(words[w], val) == 0)
			return TRUE;
	return FALSE;
}

/* TRUE unless @key is enumerated and @val is not one of its words;
 * *choices_r then says which are. */
static gboolean
one_of(const char *key, const char *val, const char **choices_r)
{
	for (gsize i = 0; i < G_N_ELEMENTS(enumerated); i++) {
		if (strcmp(enumerated[i].key, key) != 0)
			continue;
		*choices_r = enumerated[i].choices;
		return in_choices(enumerated[i].choices, val, FALSE);
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

const RdKeySpec *
rd_key_spec(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (group_matches(keys[i].group, group) &&
		    (strcmp(keys[i].key, key) == 0 || strcmp(keys[i].key, "*") == 0))
			return &keys[i];
	return NULL;
}

gboolean
rd_key_group_known(const char *group)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (group_matches(keys[i].group, group))
			return TRUE;
	return FALSE;
}

/* ---- numbers with units ---------------------------------------------------- */

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

/* ---- one value ------------------------------------------------------------------ */

gboolean
rd_key_is_true(const char *val)
{
	return g_ascii_strcasecmp(val, "true") == 0 || g_ascii_strcasecmp(val, "yes") == 0 ||
	       strcmp(val, "1") == 0;
}

char **
rd_key_items(GKeyFile *kf, const char *group, const char *key)
{
	g_auto(GStrv) items = g_key_file_get_string_list(kf, group, key, NULL, NULL);
	GPtrArray *list = g_ptr_array_new();
	for (guint i = 0; items != NULL && items[i] != NULL; i++) {
		g_autofree char *t = g_strstrip(g_strdup(items[i]));
		if (*t != '\0')
			g_ptr_array_add(list, g_steal_pointer(&t));
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

static void
problem(GPtrArray *problems, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
problem(GPtrArray *problems, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void
check_string(const char *key, const char *val, GPtrArray *problems)
{
	const char *choices = NULL;
	if (*val == '\0')
		problem(problems, "%s is empty", key);
	else if (!one_of(key, val, &choices))
		problem(problems, "%s must be %s, not '%s'", key, choices, val);
	else if (strcmp(key, "oauth_token_url") == 0 && !g_str_has_prefix(val, "https://"))
		problem(problems, "oauth_token_url must be an https:// address, not '%s'", val);
}

static void
check_prefix(const char *key, const char *val, GPtrArray *problems)
{
	gboolean ok = strlen(val) >= 2 && strlen(val) <= 8;
	for (const char *p = val; ok && *p; p++)
		ok = g_ascii_isalpha(*p);
	if (!ok)
		problem(problems, "%s must be 2 to 8 letters (for example CMP), not '%s'", key, val);
}

static void
check_number(const RdKeySpec *spec, const char *key, const char *val, guint64 *num_r, GPtrArray *problems)
{
	gboolean ok;
	if (spec->type == KEY_SIZE) {
		ok = parse_size(val, num_r);
	} else {
		char *end = NULL;
		ok = *val != '\0';
		*num_r = ok ? g_ascii_strtoull(val, &end, 10) : 0;
		ok = ok && end != NULL && *end == '\0';
	}
	if (!ok || *num_r < spec->min || *num_r > spec->max)
		problem(problems, "%s must be %s from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ", not '%s'",
		        key, spec->type == KEY_SIZE ? "a size in bytes (K, M, G allowed)" : "a whole number",
		        spec->min, spec->max, val);
}

/* 1500 → "25 minutes", 7776000 → "90 days": a bound of a period as
 * people say it. Newly allocated. */
static char *
period_text(guint64 s)
{
	static const struct {
		guint64 seconds;
		const char *one, *many;
	} units[] = {
		{ 86400, "day", "days" }, { 3600, "hour", "hours" }, { 60, "minute", "minutes" },
		{ 1, "second", "seconds" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
		if (s >= units[i].seconds && s % units[i].seconds == 0)
			return g_strdup_printf("%" G_GUINT64_FORMAT " %s", s / units[i].seconds,
			                       s == units[i].seconds ? units[i].one : units[i].many);
	return g_strdup("0 seconds");
}

static void
check_duration(const RdKeySpec *spec, const char *key, const char *val, guint64 *num_r, GPtrArray *problems)
{
	if (parse_duration(val, num_r) && *num_r >= spec->min && *num_r <= spec->max)
		return;
	g_autofree char *least = period_text(spec->min);
	g_autofree char *most = period_text(spec->max);
	problem(problems, "%s must be a period such as 5d, 12h or 30m, from %s to %s, not '%s'", key, least,
	        most, val);
}

char *
rd_smtp_url_problem(const char *url)
{
	const char *rest = g_str_has_prefix(url, "smtp://") ? url + strlen("smtp://")
	                 : g_str_has_prefix(url, "smtps://") ? url + strlen("smtps://") : NULL;
	if (rest == NULL || *rest == '\0' || *rest == '/' || *rest == ':' || strpbrk(url, " \t@") != NULL)
		return g_strdup_printf("url must be smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS), with no "
		                       "user name in it, not '%s'", url);
	return NULL;
}

gboolean
rd_imap_url_parse(const char *url, RdImapUrl *u_r, GError **error)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	const char *scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
	const char *host = uri != NULL ? g_uri_get_host(uri) : NULL;
	if (scheme == NULL || (g_ascii_strcasecmp(scheme, "imaps") != 0 && g_ascii_strcasecmp(scheme, "imap") != 0) ||
	    host == NULL || *host == '\0' || g_uri_get_userinfo(uri) != NULL) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "imap_url must be imaps://HOST[:PORT]/FOLDER (TLS) or imap://HOST[:PORT]/FOLDER "
		            "(STARTTLS), with no user name in it, not '%s'", url);
		return FALSE;
	}
	if (u_r == NULL)
		return TRUE;
	u_r->imaps = g_ascii_strcasecmp(scheme, "imaps") == 0;
	int port = g_uri_get_port(uri);
	u_r->port = port > 0 && port < 65536 ? (guint16)port : (u_r->imaps ? 993 : 143);
	u_r->host = g_strdup(host);
	const char *path = g_uri_get_path(uri);
	while (path != NULL && *path == '/')
		path++;
	u_r->folder = g_strdup(path != NULL && *path != '\0' ? path : "INBOX");
	return TRUE;
}

void
rd_imap_url_clear(RdImapUrl *u)
{
	g_clear_pointer(&u->host, g_free);
	g_clear_pointer(&u->folder, g_free);
}

gboolean
rd_config_is_email(const char *val)
{
	const char *at = strchr(val, '@');
	return !(at == NULL || at == val || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	         strpbrk(val, " <>,;\"") != NULL);
}

static void
check_email(const char *key, const char *val, GPtrArray *problems)
{
	if (!rd_config_is_email(val))
		problem(problems, "%s must be one email address such as complaints@council.gov.uk, not '%s'", key, val);
}

char **
rd_key_words(const char *val)
{
	g_auto(GStrv) parts = g_strsplit_set(val, ",;", -1);
	GPtrArray *list = g_ptr_array_new();
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree char *t = g_strstrip(g_strdup(parts[i]));
		if (*t != '\0')
			g_ptr_array_add(list, g_steal_pointer(&t));
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

/* Addresses joined by ','; none at all is allowed (the feature is off). */
static void
check_emails(const char *key, const char *val, GPtrArray *problems)
{
	g_auto(GStrv) items = rd_key_words(val);
	for (guint i = 0; items[i] != NULL; i++)
		if (!rd_config_is_email(items[i]))
			problem(problems, "%s: '%s' is not an email address (write addresses such as "
			        "chief.executive@council.gov.uk, separated by ',')", key, items[i]);
}

static void
check_words(const char *key, const char *val, GPtrArray *problems)
{
	const char *choices = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(several); i++)
		if (strcmp(several[i].key, key) == 0)
			choices = several[i].choices;
	g_return_if_fail(choices != NULL);
	/* Every item between commas, an empty one too: what reads the value
	 * later (rd_report_sets_parse) refuses "spso,,lgsco". */
	g_auto(GStrv) items = g_strsplit(val, ",", -1);
	gboolean ok = items[0] != NULL;
	for (guint i = 0; ok && items[i] != NULL; i++)
		ok = in_choices(choices, g_strstrip(items[i]), TRUE);
	if (!ok)
		problem(problems, "%s must be %s, or several joined by ',', not '%s'", key, choices, val);
}

static void
check_time(const char *key, const char *val, GPtrArray *problems)
{
	int h = -1, m = -1;
	char tail = 0;
	if (sscanf(val, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		problem(problems, "%s must be a time of day such as 16:30, not '%s'", key, val);
}

static void
check_dates(GKeyFile *kf, const char *group, const char *key, GPtrArray *problems)
{
	g_auto(GStrv) items = rd_key_items(kf, group, key);
	for (guint i = 0; items[i] != NULL; i++) {
		GDate d;
		if (!rd_date_parse_iso(items[i], &d))
			problem(problems, "%s: '%s' is not a date (use YYYY-MM-DD)", key, items[i]);
	}
}

void
rd_key_check(const RdKeySpec *spec, GKeyFile *kf, const char *group, const char *key,
             const char *val, guint64 *num_r, GPtrArray *problems)
{
	RdNation nation;
	*num_r = 0;
	switch (spec->type) {
	case KEY_STRING:
		check_string(key, val, problems);
		break;
	case KEY_PREFIX:
		check_prefix(key, val, problems);
		break;
	case KEY_UINT:
	case KEY_SIZE:
		check_number(spec, key, val, num_r, problems);
		break;
	case KEY_LIST:
	case KEY_ANY:
		break;
	case KEY_DURATION:
		check_duration(spec, key, val, num_r, problems);
		break;
	case KEY_SMTP_URL: {
		char *why = rd_smtp_url_problem(val);
		if (why != NULL)
			g_ptr_array_add(problems, why);
		break;
	}
	case KEY_IMAP_URL: {
		g_autoptr(GError) e = NULL;
		if (!rd_imap_url_parse(val, NULL, &e))
			problem(problems, "%s", e->message);
		break;
	}
	case KEY_EMAIL:
		check_email(key, val, problems);
		break;
	case KEY_BOOL:
		if (!rd_key_is_true(val) && g_ascii_strcasecmp(val, "false") != 0 &&
		    g_ascii_strcasecmp(val, "no") != 0 && strcmp(val, "0") != 0)
			problem(problems, "%s must be true or false, not '%s'", key, val);
		break;
	case KEY_LANG:
		if (strcmp(val, "en") != 0 && strcmp(val, "cy") != 0)
			problem(problems, "%s must be en (English) or cy (Welsh), not '%s'", key, val);
		break;
	case KEY_NATION:
		if (!rd_nation_from_string(val, &nation))
			problem(problems, "nation must be england-and-wales, scotland or northern-ireland, not '%s'", val);
		break;
	case KEY_TIME:
		check_time(key, val, problems);
		break;
	case KEY_DATES:
		check_dates(kf, group, key, problems);
		break;
	case KEY_EMAILS:
		check_emails(key, val, problems);
		break;
	case KEY_WORDS:
		check_words(key, val, problems);
		break;
	case KEY_PERIOD: {
		RdRetentionPeriod p;
		const char *why = NULL;
		if (!rd_retention_period_parse(val, &p, &why))
			problem(problems, "%s: %s, not '%s'", key, why, val);
		else if (!rd_retention_period_at_least_floor(&p))
			problem(problems, "%s must be at least a year (12m, 365d), not '%s': a shorter period would "
			        "purge cases an Ombudsman may still review", key, val);
		break;
	}
	}
}
