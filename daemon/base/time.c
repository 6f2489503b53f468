/*
 * time.c — the few time conversions the commands and the daemon need.
 *
 * All day arithmetic in redress is in Europe/London (the council's legal
 * days); stored instants are UTC seconds. GDateTime does the zone work.
 */
#include <stdio.h>
#include <string.h>
#include "base/base.h"

static GTimeZone *
london(void)
{
	static gsize tz;
	if (g_once_init_enter(&tz)) {
		GTimeZone *z = g_time_zone_new_identifier("Europe/London");
		if (z == NULL)  /* no tzdata installed: UTC is the least-wrong answer */
			z = g_time_zone_new_utc();
		g_once_init_leave(&tz, (gsize)z);
	}
	return (GTimeZone *)tz;
}

gboolean
rd_time_parse(const char *s, gint64 *t_r)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, london());
	if (dt == NULL && strlen(s) >= 16 && s[10] == 'T' && s[13] == ':' &&
	    (s[16] == '\0' || s[16] == 'Z' || s[16] == '+' || s[16] == '-')) {
		/* "2026-11-20T16:30Z": ISO 8601 allows leaving out the seconds;
		 * GLib does not. */
		g_autofree char *full = g_strdup_printf("%.16s:00%s", s, s + 16);
		dt = g_date_time_new_from_iso8601(full, london());
	}
	if (dt == NULL) {
		/* "2026-11-20 16:30" and "2026-11-20": forms people type. */
		int y, mo, d, h = 9, mi = 0;
		char tail;
		if (sscanf(s, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) == 5 ||
		    sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3) {
			dt = g_date_time_new(london(), y, mo, d, h, mi, 0);
		}
	}
	if (dt == NULL)
		return FALSE;
	*t_r = g_date_time_to_unix(dt);
	return TRUE;
}

char *
rd_time_format_local(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	if (dt == NULL)
		return g_strdup("?");
	g_autoptr(GDateTime) l = g_date_time_to_timezone(dt, london());
	return g_date_time_format(l, "%Y-%m-%d %H:%M");
}

char *
rd_time_format_iso(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	if (dt == NULL)
		return g_strdup("?");
	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

int
rd_time_year_local(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) l = g_date_time_to_timezone(dt, london());
	return g_date_time_get_year(l);
}
