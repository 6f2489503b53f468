/*
 * rules.c — the procedure as configured: calendar, profiles and letters,
 * loaded once and checked together.
 *
 * Everything that can be wrong in the procedure's configuration (a
 * bank-holidays file that does not parse, a [profile:NAME] with a bad
 * value, a service mapped to a profile that does not exist, a template
 * with an unknown variable) is found here, at start-up and by `redress
 * config check`, never halfway through a message.
 */
#include <string.h>
#include "casework/casework.h"

struct _RdRules {
	const RdConfig *cfg;     /* borrowed */
	RdCalendar *cal;
	GHashTable *profiles;    /* name → RdProfile* (owned copies) */
	RdLetters *letters;
	guint8 key[RD_TOKEN_KEY_LEN]; /* the reply-token key; the letters borrow it */
};

RdRules *
rd_rules_new(const RdConfig *cfg, const guint8 *key, GError **error)
{
	g_autoptr(GError) err = NULL;
	RdRules *r = g_new0(RdRules, 1);
	r->cfg = cfg;
	r->profiles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                    (GDestroyNotify)rd_profile_free);

	/* In the words of `redress config check`, with FILE:LINE. */
	r->cal = rd_config_calendar(cfg, &err);
	if (r->cal == NULL)
		goto fail;

	for (const char *const *n = rd_profile_builtin_names(); *n != NULL; n++)
		g_hash_table_insert(r->profiles, g_strdup(*n),
		                    rd_profile_copy(rd_profile_builtin(*n), NULL));
	if (cfg->profile_groups != NULL) {
		GHashTableIter it;
		gpointer name, kv;
		g_hash_table_iter_init(&it, cfg->profile_groups);
		while (g_hash_table_iter_next(&it, &name, &kv)) {
			RdProfile *p = rd_config_profile_new(cfg, name, &err);
			if (p == NULL) {
				g_prefix_error(&err, "%s: [profile:%s]: ", cfg->path ? cfg->path : "configuration",
				               (const char *)name);
				goto fail;
			}
			g_hash_table_replace(r->profiles, g_strdup(name), p);
		}
	}
	if (!g_hash_table_contains(r->profiles, cfg->default_profile)) {
		g_set_error(&err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "%s: [procedure] default_profile '%s' is not a profile; built in: council, lgsco-2024, "
		            "housing-ombudsman-2024, spso, childrens-statutory, adult-social-care, or define [profile:%s]",
		            cfg->path ? cfg->path : "configuration", cfg->default_profile, cfg->default_profile);
		goto fail;
	}
	{
		GHashTableIter it;
		gpointer service, profile;
		g_hash_table_iter_init(&it, cfg->services);
		while (g_hash_table_iter_next(&it, &service, &profile)) {
			if (!g_hash_table_contains(r->profiles, profile)) {
				g_set_error(&err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
				            "%s: [services] '%s' names profile '%s', which does not exist",
				            cfg->path ? cfg->path : "configuration", (const char *)service,
				            (const char *)profile);
				goto fail;
			}
		}
	}
	/* [surveys] profiles: each must be a profile, or no case of it
	 * would ever be surveyed and nobody would know why. */
	for (guint i = 0; cfg->surveys.profiles != NULL && cfg->surveys.profiles[i] != NULL; i++) {
		gboolean known = FALSE;
		GHashTableIter it;
		gpointer name;
		g_hash_table_iter_init(&it, r->profiles);
		while (!known && g_hash_table_iter_next(&it, &name, NULL))
			known = g_ascii_strcasecmp(name, cfg->surveys.profiles[i]) == 0;
		if (!known) {
			g_set_error(&err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
			            "%s: [surveys] profiles names '%s', which is not a profile",
			            cfg->path ? cfg->path : "configuration", cfg->surveys.profiles[i]);
			goto fail;
		}
	}

	memcpy(r->key, key, sizeof r->key);
	{
		g_autoptr(GString) dir = g_string_new(NULL);
		if (!rd_config_check_letters(cfg, dir)) {
			g_string_truncate(dir, dir->len - 1);
			g_set_error_literal(&err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, dir->str);
			goto fail;
		}
	}
	r->letters = rd_letters_new(cfg, r->key, &err);
	if (r->letters == NULL)
		goto fail;
	return r;

fail:
	g_propagate_error(error, g_steal_pointer(&err));
	rd_rules_free(r);
	return NULL;
}

void
rd_rules_free(RdRules *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->cal, rd_calendar_free);
	g_clear_pointer(&r->profiles, g_hash_table_unref);
	g_clear_pointer(&r->letters, rd_letters_free);
	memset(r->key, 0, sizeof r->key);
	g_free(r);
}

const RdCalendar *
rd_rules_calendar(const RdRules *r)
{
	return r->cal;
}

RdLetters *
rd_rules_letters(const RdRules *r)
{
	return r->letters;
}

const RdProfile *
rd_rules_profile(const RdRules *r, const char *name)
{
	const RdProfile *p = name ? g_hash_table_lookup(r->profiles, name) : NULL;
	return p ? p : g_hash_table_lookup(r->profiles, r->cfg->default_profile);
}

const char *
rd_rules_profile_for_service(const RdRules *r, const char *service)
{
	if (service != NULL) {
		g_autofree char *key = g_utf8_strdown(service, -1);
		const char *p = g_hash_table_lookup(r->cfg->services, key);
		if (p != NULL)
			return p;
	}
	return r->cfg->default_profile;
}

gboolean
rd_rules_is_elected_member(const RdRules *r, const char *email)
{
	if (email == NULL)
		return FALSE;
	for (char **a = r->cfg->member_addresses; a && *a; a++)
		if (g_ascii_strcasecmp(*a, email) == 0)
			return TRUE;
	const char *at = strrchr(email, '@');
	if (at == NULL)
		return FALSE;
	for (char **d = r->cfg->member_domains; d && *d; d++) {
		/* The domain or any subdomain of it: "parliament.uk" covers
		 * "mp.parliament.uk"? No: MPs write from parliament.uk itself;
		 * a subdomain match would let look-alikes in, so exact only. */
		if (g_ascii_strcasecmp(at + 1, *d) == 0)
			return TRUE;
	}
	return FALSE;
}

/* ---- stage dates to and from the store --------------------------------------------- */

static void
date_from(GDate *d, const char *iso)
{
	g_date_clear(d, 1);
	if (iso != NULL)
		rd_date_parse_iso(iso, d);
}

void
rd_rules_dates_from_stage(const RdStage *s, RdStageDates *d)
{
	rd_stage_dates_init(d, (guint)s->stage);
	date_from(&d->received, s->received);
	date_from(&d->ack_due, s->ack_due);
	date_from(&d->ack_sent, s->ack_sent);
	date_from(&d->response_due, s->response_due);
	date_from(&d->dept_notice_due, s->dept_notice_due);
	date_from(&d->extended_to, s->extended_to);
	date_from(&d->responded, s->responded);
}

static gboolean
put(RdStore *store, gint64 case_id, int stage, const char *col, const GDate *d, GError **error)
{
	g_autofree char *iso = g_date_valid(d) ? rd_date_format_iso(d) : NULL;
	return rd_store_stage_set_field(store, case_id, stage, col, iso, error);
}

gboolean
rd_rules_save_dates(RdStore *store, gint64 case_id, const RdStageDates *d, GError **error)
{
	int st = (int)d->stage;
	return put(store, case_id, st, "received", &d->received, error) &&
	       put(store, case_id, st, "ack_due", &d->ack_due, error) &&
	       put(store, case_id, st, "response_due", &d->response_due, error) &&
	       put(store, case_id, st, "dept_notice_due", &d->dept_notice_due, error);
}

gboolean
rd_rules_save_clock(RdStore *store, gint64 case_id, const RdStageDates *d, const char *next_check,
                    GError **error)
{
	g_autofree char *received = g_date_valid(&d->received) ? rd_date_format_iso(&d->received) : NULL;
	g_autofree char *ack = g_date_valid(&d->ack_due) ? rd_date_format_iso(&d->ack_due) : NULL;
	g_autofree char *resp = g_date_valid(&d->response_due) ? rd_date_format_iso(&d->response_due) : NULL;
	g_autofree char *dept = g_date_valid(&d->dept_notice_due) ? rd_date_format_iso(&d->dept_notice_due)
	                                                          : NULL;
	/* A stage row always has its received date; keep it if @d has none. */
	if (received == NULL)
		return rd_rules_save_dates(store, case_id, d, error) &&
		       rd_store_stage_set_field(store, case_id, (int)d->stage, "next_check", next_check, error);
	return rd_store_stage_set_clock(store, case_id, (int)d->stage, received, ack, resp, dept, next_check,
	                                error);
}

/* ---- when to look again ----------------------------------------------------------- */

char *
rd_rules_next_check(const RdProfile *p, const RdCalendar *cal, const RdStageDates *d,
                    const GDate *after, const char *const *fired)
{
	/* Probe the sweep's own rules day by day rather than restating them:
	 * the first day on which rd_stage_sweep() would act is the day to
	 * look again. Deadlines lie within months; a year is plenty. */
	if (g_date_valid(&d->responded))
		return NULL;
	GDate day = *after;
	for (int i = 0; i < 400; i++) {
		g_date_add_days(&day, 1);
		g_autoptr(GPtrArray) acts = rd_stage_sweep(p, cal, d, &day, fired);
		if (acts != NULL && acts->len > 0)
			return rd_date_format_iso(&day);
	}
	return NULL;
}
