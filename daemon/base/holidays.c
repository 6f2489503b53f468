/*
 * holidays.c — fill an RdCalendar from the official bank-holidays file and
 * the configured closure days.
 *
 * The file is gov.uk's bank-holidays.json as published: an object keyed by
 * nation ("england-and-wales", "scotland", "northern-ireland"), each
 * { "division", "events": [ { "title", "date", "notes", "bunting" } ] }.
 * Only the configured nation's events are read, but they are read
 * strictly: a missing member, a date that is not YYYY-MM-DD or a title that
 * is not a string stops the load with the file name and the event's
 * position, because a silently skipped holiday would move deadlines.
 *
 * Every year with at least one event for the nation counts as covered; the
 * calendar uses the rules for every other year, and rd_calendar_log_sources
 * says which is which.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include "base/base.h"

G_DEFINE_QUARK(rd-holidays-error-quark, rd_holidays_error)

static gboolean
invalid(GError **error, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
invalid(GError **error, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* json-glib quotes the bytes of a bad string in its message, and an
	 * error message must be valid UTF-8. */
	g_autofree char *full = g_strdup_printf("%s: %s", name, msg);
	g_autofree char *valid = g_utf8_make_valid(full, -1);
	g_set_error_literal(error, RD_HOLIDAYS_ERROR, RD_HOLIDAYS_ERROR_INVALID, valid);
	return FALSE;
}

/* A string member of @o, or NULL if absent or not a string. */
static const char *
member_string(JsonObject *o, const char *member)
{
	JsonNode *n = json_object_get_member(o, member);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* Offset of the first non-blank byte after the first complete JSON value
 * of @data, or -1 if there is none (only blanks follow, or the value never
 * ends: json-glib then says what is wrong). json-glib 1.6 leaks the first
 * value when a second one follows it, so that case is refused before the
 * parser sees it. */
static gssize
trailing_junk(const char *data, gsize len)
{
	gsize i = 0, depth = 0;
	while (i < len && g_ascii_isspace(data[i]))
		i++;
	if (i < len && data[i] != '{' && data[i] != '[' && data[i] != '"') {
		/* A scalar: up to the next blank or punctuation. */
		while (i < len && !g_ascii_isspace(data[i]) && strchr("{}[],:\"", data[i]) == NULL)
			i++;
	} else {
		gboolean in_string = FALSE;
		for (; i < len; i++) {
			if (in_string) {
				if (data[i] == '\\')
					i++;
				else if (data[i] == '"')
					in_string = FALSE;
			} else if (data[i] == '"') {
				in_string = TRUE;
			} else if (data[i] == '{' || data[i] == '[') {
				depth++;
			} else if ((data[i] == '}' || data[i] == ']') && depth > 0) {
				depth--;
			}
			if (!in_string && depth == 0) {
				i++;
				break;
			}
		}
		if (in_string || depth > 0)
			return -1;
	}
	while (i < len && g_ascii_isspace(data[i]))
		i++;
	return i < len ? (gssize)i : -1;
}

gboolean
rd_calendar_load_json_data(RdCalendar *cal, const char *data, gssize len,
                           const char *name, GError **error)
{
	g_return_val_if_fail(cal != NULL, FALSE);
	g_return_val_if_fail(data != NULL, FALSE);

	const char *nation = rd_nation_to_string(rd_calendar_get_nation(cal));
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) perr = NULL;
	gssize junk = trailing_junk(data, len < 0 ? strlen(data) : (gsize)len);
	if (junk >= 0)
		return invalid(error, name, "not valid JSON: more follows the top-level value at byte %"
		               G_GSSIZE_FORMAT " (expected gov.uk's bank-holidays.json)", junk + 1);
	if (!json_parser_load_from_data(parser, data, len, &perr))
		return invalid(error, name, "not valid JSON: %s (expected gov.uk's bank-holidays.json)",
		               perr->message);
	JsonNode *root = json_parser_get_root(parser);
	if (root == NULL)
		return invalid(error, name, "the file is empty (expected gov.uk's bank-holidays.json)");
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return invalid(error, name, "the top level is not an object keyed by nation "
		               "(expected gov.uk's bank-holidays.json)");
	JsonNode *div = json_object_get_member(json_node_get_object(root), nation);
	if (div == NULL || !JSON_NODE_HOLDS_OBJECT(div))
		return invalid(error, name, "no \"%s\" division; the file must have "
		               "\"england-and-wales\", \"scotland\" and \"northern-ireland\" "
		               "as in gov.uk's bank-holidays.json, or set the nation to one it has",
		               nation);
	JsonNode *events = json_object_get_member(json_node_get_object(div), "events");
	if (events == NULL || !JSON_NODE_HOLDS_ARRAY(events))
		return invalid(error, name, "\"%s\" has no \"events\" array", nation);

	/* Check everything before changing the calendar, so a bad file leaves
	 * it as it was. */
	JsonArray *arr = json_node_get_array(events);
	guint n = json_array_get_length(arr);
	g_autofree GDate *dates = g_new0(GDate, n > 0 ? n : 1);
	for (guint i = 0; i < n; i++) {
		JsonNode *ev = json_array_get_element(arr, i);
		if (!JSON_NODE_HOLDS_OBJECT(ev))
			return invalid(error, name, "%s event %u is not an object", nation, i + 1);
		JsonObject *o = json_node_get_object(ev);
		const char *date = member_string(o, "date");
		const char *title = member_string(o, "title");
		if (date == NULL)
			return invalid(error, name, "%s event %u has no \"date\" string", nation, i + 1);
		if (!rd_date_parse_iso(date, &dates[i]))
			return invalid(error, name, "%s event %u: date \"%s\" is not a valid YYYY-MM-DD date",
			               nation, i + 1, date);
		if (g_date_get_year(&dates[i]) > 9999 || g_date_get_year(&dates[i]) < 1)
			return invalid(error, name, "%s event %u: year out of range", nation, i + 1);
		if (title == NULL || *title == '\0')
			return invalid(error, name, "%s event %u (%s) has no \"title\" string",
			               nation, i + 1, date);
		/* json-glib lets a broken unicode escape through as bytes that are
		 * not UTF-8 (found by fuzz-holidays); a title goes into letters. */
		if (!g_utf8_validate(title, -1, NULL))
			return invalid(error, name, "%s event %u (%s): the title is not valid UTF-8 text",
			               nation, i + 1, date);
	}
	for (guint i = 0; i < n; i++) {
		JsonObject *o = json_array_get_object_element(arr, i);
		const char *title = member_string(o, "title");
		const char *notes = member_string(o, "notes");
		/* Keep the substitute mark visible, as the computed days do. */
		g_autofree char *full = NULL;
		if (notes != NULL && g_ascii_strcasecmp(notes, "Substitute day") == 0)
			full = g_strdup_printf("%s (substitute day)", title);
		rd_calendar_add_holiday(cal, &dates[i], full ? full : title, RD_HOLIDAY_FILE);
	}
	return TRUE;
}

gboolean
rd_calendar_load_json(RdCalendar *cal, const char *path, GError **error)
{
	g_return_val_if_fail(path != NULL, FALSE);

	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) ferr = NULL;
	/* open() first, for the reason in plain words (GLib's message would
	 * repeat the name). */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || !g_file_get_contents(path, &data, &len, &ferr)) {
		g_set_error(error, RD_HOLIDAYS_ERROR, RD_HOLIDAYS_ERROR_IO,
		            "%s: cannot read it: %s (download it from https://www.gov.uk/bank-holidays.json, "
		            "or leave bank_holidays unset to use the computed rules)", path,
		            fd < 0 ? g_strerror(e) : ferr->message);
		return FALSE;
	}
	return rd_calendar_load_json_data(cal, data, (gssize)len, path, error);
}

gboolean
rd_calendar_add_closures(RdCalendar *cal, char **closures, GError **error)
{
	g_return_val_if_fail(cal != NULL, FALSE);

	for (guint i = 0; closures != NULL && closures[i] != NULL; i++) {
		g_autofree char *s = g_strstrip(g_strdup(closures[i]));
		GDate d;
		if (*s == '\0')
			continue;
		if (!rd_date_parse_iso(s, &d)) {
			g_set_error(error, RD_HOLIDAYS_ERROR, RD_HOLIDAYS_ERROR_INVALID,
			            "closure day \"%s\" is not a valid date; write YYYY-MM-DD, "
			            "several separated by ';'", s);
			return FALSE;
		}
		rd_calendar_add_holiday(cal, &d, "Closure", RD_HOLIDAY_CLOSURE);
	}
	return TRUE;
}

RdCalendar *
rd_calendar_load(RdNation nation, const char *json_path, char **closures,
                 GError **error)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(nation);
	if (json_path != NULL && *json_path != '\0' &&
	    !rd_calendar_load_json(cal, json_path, error))
		return NULL;
	if (!rd_calendar_add_closures(cal, closures, error))
		return NULL;
	return g_steal_pointer(&cal);
}

/* "2025-2027" or "2019-2021, 2024". Newly allocated. */
static char *
year_ranges(GArray *years)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < years->len;) {
		int first = g_array_index(years, int, i), last = first;
		guint k = i + 1;
		while (k < years->len && g_array_index(years, int, k) == last + 1) {
			last++;
			k++;
		}
		if (s->len > 0)
			g_string_append(s, ", ");
		if (first == last)
			g_string_append_printf(s, "%d", first);
		else
			g_string_append_printf(s, "%d-%d", first, last);
		i = k;
	}
	return g_string_free(s, FALSE);
}

void
rd_calendar_log_sources(const RdCalendar *cal, const char *json_path)
{
	g_return_if_fail(cal != NULL);

	const char *nation = rd_nation_to_string(rd_calendar_get_nation(cal));
	g_autoptr(GArray) years = rd_calendar_covered_years(cal);
	if (years->len == 0) {
		if (json_path != NULL)
			rd_log_info("bank holidays (%s): %s covers no year; all years computed from the rules",
			            nation, json_path);
		else
			rd_log_info("bank holidays (%s): no bank-holidays file; all years computed from the rules",
			            nation);
		return;
	}
	g_autofree char *ranges = year_ranges(years);
	rd_log_info("bank holidays (%s): %s from %s; other years computed from the rules",
	            nation, ranges, json_path ? json_path : "the bank-holidays file");
}

void
rd_calendar_log_year(const RdCalendar *cal, int year)
{
	g_return_if_fail(cal != NULL);

	if (rd_calendar_year_source(cal, year) == RD_HOLIDAY_FILE)
		rd_log_info("bank holidays %d (%s): from the bank-holidays file", year,
		            rd_nation_to_string(rd_calendar_get_nation(cal)));
	else
		rd_log_info("bank holidays %d (%s): computed from the rules (the file does not cover it)",
		            year, rd_nation_to_string(rd_calendar_get_nation(cal)));
}
