/*
 * retention.c — how long a closed case's personal data is kept, and
 * whether a case may be purged today (README "Retention"). Pure: strings
 * and GDates in, a verdict out; the store, the configuration and the
 * clock are the caller's.
 *
 * A period is one whole number of one unit (6y, 72m, 365d): councils
 * write their policies that way, and one unit keeps "is this longer than
 * that?" a question with one answer for a given starting day.
 *
 * The day a period counts from is the last day the case was acted on as
 * a complaint: the latest of its stages' closed, responded and
 * response_sent days, the Ombudsman's referral and decision days when
 * later (a decided review restarts the period, because the Ombudsman's
 * finding may still be followed up), and the case's last activity (mail
 * that arrived on a closed case is the complainant's, and is kept as
 * long as a closing would keep it). A case still before the Ombudsman
 * (referred and not decided since: a case can be referred again after a
 * decision) and a case under a legal hold are never purged, however old.
 */
#include <string.h>
#include "procedure-private.h"

static const struct {
	const char *word;     /* singular; a trailing "s" is allowed */
	char unit;
} unit_words[] = {
	{ "y", 'y' }, { "year", 'y' },
	{ "m", 'm' }, { "month", 'm' },
	{ "d", 'd' }, { "day", 'd' },
};

gboolean
rd_retention_period_parse(const char *s, RdRetentionPeriod *p_r, const char **why_r)
{
	*why_r = "a period is a whole number and a unit: 6y, 72m or 365d (years, months, days)";
	if (s == NULL)
		return FALSE;
	while (g_ascii_isspace(*s))
		s++;
	gsize digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 6)
		return FALSE;
	g_autofree char *num = g_strndup(s, digits);
	guint64 n = 0;
	if (!g_ascii_string_to_unsigned(num, 10, 1, 999999, &n, NULL)) {
		*why_r = "a period must be at least 1";
		return FALSE;
	}
	const char *u = s + digits;
	while (*u == ' ')
		u++;
	g_autofree char *word = g_ascii_strdown(u, -1);
	g_strchomp(word);
	gsize len = strlen(word);
	if (len > 1 && word[len - 1] == 's')
		word[len - 1] = '\0';
	char unit = 0;
	for (gsize i = 0; i < G_N_ELEMENTS(unit_words); i++)
		if (strcmp(word, unit_words[i].word) == 0)
			unit = unit_words[i].unit;
	if (unit == 0)
		return FALSE;
	guint64 years = unit == 'y' ? n : unit == 'm' ? n / 12 : n / 365;
	if (years > RD_RETENTION_MAX_YEARS) {
		*why_r = "a period longer than 100 years is surely a mistake";
		return FALSE;
	}
	p_r->n = (guint)n;
	p_r->unit = unit;
	*why_r = NULL;
	return TRUE;
}

char *
rd_retention_period_format(const RdRetentionPeriod *p)
{
	return g_strdup_printf("%u%c", p->n, p->unit);
}

void
rd_retention_period_add(const RdRetentionPeriod *p, const GDate *day, GDate *out)
{
	*out = *day;
	/* GDate clamps the 29th of February and the 31st to the month's
	 * last day, which is what "six years after" means in a policy. */
	if (p->unit == 'y')
		g_date_add_years(out, p->n);
	else if (p->unit == 'm')
		g_date_add_months(out, p->n);
	else
		g_date_add_days(out, p->n);
}

int
rd_retention_period_compare(const RdRetentionPeriod *a, const RdRetentionPeriod *b, const GDate *from)
{
	GDate da, db;
	rd_retention_period_add(a, from, &da);
	rd_retention_period_add(b, from, &db);
	return g_date_compare(&da, &db) < 0 ? -1 : g_date_compare(&da, &db) > 0 ? 1 : 0;
}

gboolean
rd_retention_period_at_least_floor(const RdRetentionPeriod *p)
{
	switch (p->unit) {
	case 'y':
		return p->n >= 1;
	case 'm':
		return p->n >= 12;
	default:
		return p->n >= RD_RETENTION_FLOOR_DAYS;
	}
}

const char *
rd_retention_verdict_to_string(RdRetentionVerdict v)
{
	switch (v) {
	case RD_RETENTION_PURGE:
		return "purge";
	case RD_RETENTION_OPEN:
		return "open";
	case RD_RETENTION_HELD:
		return "held";
	case RD_RETENTION_OMBUDSMAN:
		return "ombudsman-review";
	case RD_RETENTION_NO_DAY:
		return "no-closing-day";
	case RD_RETENTION_KEPT:
		return "kept";
	}
	return "kept";
}

/* @s into @latest when it is a day later than what @latest holds. */
static void
take_later(const char *s, GDate *latest)
{
	GDate d;
	if (s == NULL || !rd_date_parse_iso(s, &d))
		return;
	if (!g_date_valid(latest) || g_date_compare(&d, latest) > 0)
		*latest = d;
}

RdRetentionVerdict
rd_retention_decide(const RdRetentionCase *c, const RdRetentionPeriod *period,
                    const GDate *today, GDate *closed_r)
{
	GDate latest;
	g_date_clear(&latest, 1);
	if (closed_r != NULL)
		g_date_clear(closed_r, 1);
	for (guint i = 0; c->stage_days != NULL && c->stage_days[i] != NULL; i++)
		take_later(c->stage_days[i], &latest);
	take_later(c->ombudsman_referred, &latest);
	take_later(c->ombudsman_decided, &latest);
	take_later(c->last_activity, &latest);
	if (closed_r != NULL && g_date_valid(&latest))
		*closed_r = latest;

	/* The order is the order of what a person would want to know first:
	 * a hold is stated even on an open case. */
	if (c->held)
		return RD_RETENTION_HELD;
	if (c->state == NULL || (strcmp(c->state, "closed") != 0 && strcmp(c->state, "stage1-closed") != 0))
		return RD_RETENTION_OPEN;
	GDate referred, decided;
	gboolean is_referred = c->ombudsman_referred != NULL && rd_date_parse_iso(c->ombudsman_referred, &referred);
	gboolean is_decided = c->ombudsman_decided != NULL && rd_date_parse_iso(c->ombudsman_decided, &decided);
	if (is_referred && (!is_decided || g_date_compare(&referred, &decided) > 0))
		return RD_RETENTION_OMBUDSMAN;
	if (!g_date_valid(&latest))
		return RD_RETENTION_NO_DAY;
	GDate until;
	rd_retention_period_add(period, &latest, &until);
	/* Kept through the period's last day: closed 2020-03-31 with 6y is
	 * purged from 2026-04-01. */
	return g_date_compare(today, &until) > 0 ? RD_RETENTION_PURGE : RD_RETENTION_KEPT;
}
