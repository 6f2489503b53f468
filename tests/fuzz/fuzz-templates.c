/*
 * fuzz-templates.c — libFuzzer target for letter templates: parsing,
 * checking and rendering (templates/render.c, values.c) and the MIME
 * letter built from the result (templates/letter.c).
 *
 * The input is sections separated by lines of "%%": the body template,
 * the subject template, then values, one "name=value" per section (the
 * value may span lines). "list[]=v" adds a string item to a list,
 * "list[].field=v" a new item with one field; "references[]" items are
 * also the letter's References. The letter takes its names, addresses,
 * reference, In-Reply-To and language from the values, so they can try
 * to break out of their headers.
 *
 * Invariants beyond the sanitizers:
 *  - parse and check errors are valid UTF-8, each line "FILE:LINE: ...";
 *  - rendering, text and HTML, gives valid UTF-8;
 *  - a letter that builds uses CRLF only (no bare CR or LF anywhere, as
 *    SMTP DATA needs), its header block holds only the fields
 *    rd_letter_build() documents, each once, so no value injected a
 *    header; and parsed back, it has the Message-ID it was given;
 *  - a letter that does not build fails with RD_TEMPLATE_ERROR_INVALID.
 */
#include <string.h>

#include "parsers.h"
#include "templates.h"
#include "fuzz.h"

static void
check_error_lines(const GError *err, const char *filename)
{
	rd_fuzz_check(g_utf8_validate(err->message, -1, NULL), "error is not UTF-8");
	g_autofree char *prefix = g_strdup_printf("%s:", filename);
	g_auto(GStrv) lines = g_strsplit(err->message, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];
		rd_fuzz_check(g_str_has_prefix(l, prefix), "error line '%s' does not name the file", l);
		const char *p = l + strlen(prefix);
		rd_fuzz_check(g_ascii_isdigit(*p), "error line '%s' has no line number", l);
		while (g_ascii_isdigit(*p))
			p++;
		rd_fuzz_check(g_str_has_prefix(p, ": "), "error line '%s' is not FILE:LINE: ...", l);
	}
}

/* Parse, check and render @src in both modes; NULL if it does not parse.
 * Owned by the caller. */
static char *
render(const char *src, const char *filename, const RdTplValues *values, RdTplMode mode)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdTemplate) tpl = rd_template_parse(src, -1, filename, &err);
	if (tpl == NULL) {
		rd_fuzz_check(err != NULL, "no template and no error");
		check_error_lines(err, filename);
		return NULL;
	}
	g_autoptr(GError) cerr = NULL;
	if (!rd_template_check(tpl, rd_letter_variable_names(), &cerr))
		check_error_lines(cerr, filename);
	char *out = rd_template_render(tpl, values, mode);
	rd_fuzz_check(out != NULL && g_utf8_validate(out, -1, NULL), "%s renders invalid UTF-8", filename);
	return out;
}

/* The documented header fields of a letter. */
static gboolean
field_allowed(const char *name, gsize len)
{
	static const char *const fields[] = {
		"From", "To", "Reply-To", "Subject", "Date", "Message-Id", "In-Reply-To",
		"References", "Auto-Submitted", "X-Auto-Response-Suppress",
		"Content-Language", "MIME-Version", "Content-Type", NULL,
	};
	for (guint i = 0; fields[i] != NULL; i++)
		if (strlen(fields[i]) == len && g_ascii_strncasecmp(name, fields[i], len) == 0)
			return TRUE;
	return FALSE;
}

static void
check_letter(GBytes *bytes, const char *msgid)
{
	gsize len = 0;
	const char *s = g_bytes_get_data(bytes, &len);
	for (gsize i = 0; i < len; i++) {
		if (s[i] == '\r')
			rd_fuzz_check(i + 1 < len && s[i + 1] == '\n', "bare CR at byte %zu", i);
		if (s[i] == '\n')
			rd_fuzz_check(i > 0 && s[i - 1] == '\r', "bare LF at byte %zu", i);
	}
	g_autofree char *text = g_strndup(s, len);
	char *end = strstr(text, "\r\n\r\n");
	rd_fuzz_check(end != NULL, "no end of the header block");
	end[2] = '\0';
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (const char *line = text; *line != '\0'; line = strstr(line, "\r\n") + 2) {
		if (*line == ' ' || *line == '\t')
			continue;  /* a folded continuation */
		const char *colon = strchr(line, ':');
		const char *eol = strstr(line, "\r\n");
		rd_fuzz_check(colon != NULL && colon < eol, "header line without a field name");
		rd_fuzz_check(field_allowed(line, (gsize)(colon - line)), "unexpected header field '%.*s'",
		              (int)(colon - line), line);
		char *name = g_ascii_strdown(line, colon - line);
		rd_fuzz_check(!g_hash_table_contains(seen, name), "header field %s twice", name);
		g_hash_table_add(seen, name);
	}

	g_autoptr(RdMessage) m = rd_message_parse(s, len, 0, NULL);
	rd_fuzz_check(g_strcmp0(m->message_id, msgid) == 0, "built with Message-ID %s, parsed as %s",
	              msgid, rd_fuzz_str(m->message_id));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		rd_templates_init();
		rd_parsers_init();
		ready = TRUE;
	}
	g_autofree char *input = g_strndup((const char *)data, size);
	g_auto(GStrv) sections = g_strsplit(input, "\n%%\n", -1);
	if (sections[0] == NULL)
		return 0;

	g_autoptr(RdTplValues) values = rd_tpl_values_new();
	g_autoptr(GPtrArray) references = g_ptr_array_new();
	for (guint i = 2; sections[1] != NULL && sections[i] != NULL; i++) {
		char *eq = strchr(sections[i], '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *name = sections[i], *value = eq + 1;
		const char *item = strstr(name, "[]");
		if (item == NULL) {
			rd_tpl_values_set(values, name, value);
			continue;
		}
		g_autofree char *list = g_strndup(name, (gsize)(item - name));
		if (item[2] == '.')
			rd_tpl_values_set(rd_tpl_values_add_item(values, list), item + 3, value);
		else
			rd_tpl_values_add_string(values, list, value);
		if (strcmp(list, "references") == 0)
			g_ptr_array_add(references, (gpointer)value);
	}
	g_ptr_array_add(references, NULL);

	g_autofree char *text = render(sections[0], "fuzz.txt", values, RD_TPL_TEXT);
	g_autofree char *html = render(sections[0], "fuzz.html", values, RD_TPL_HTML);
	g_autofree char *subject = sections[1] != NULL ?
	                           render(sections[1], "fuzz.subject", values, RD_TPL_TEXT) : NULL;
	if (text == NULL || html == NULL || subject == NULL)
		return 0;

	const char *ref = rd_tpl_values_get(values, "case.reference");
	const char *to = rd_tpl_values_get(values, "complainant.email");
	g_autofree char *msgid = rd_letter_message_id(ref, "ack1", "council.example");
	GDateTime *date = g_date_time_new_utc(2026, 3, 2, 10, 0, 0);
	RdLetter letter = {
		.from_name = rd_tpl_values_get(values, "council.name"),
		.from_address = "complaints@council.example",
		.to_name = rd_tpl_values_get(values, "complainant.name"),
		.to_address = to != NULL ? to : "jo@public.example",
		.reply_to = rd_tpl_values_get(values, "case.reply_address"),
		.subject = subject,
		.reference = ref,
		.text_body = text,
		.html_body = html,
		.message_id = msgid,
		.in_reply_to = rd_tpl_values_get(values, "in_reply_to"),
		.references = references->len > 1 ? (const char *const *)references->pdata : NULL,
		.language = rd_tpl_values_get(values, "language"),
		.auto_generated = size % 2 == 0,
		.date = date,
	};
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) bytes = rd_letter_build(&letter, &err);
	g_date_time_unref(date);
	if (bytes == NULL) {
		rd_fuzz_check(g_error_matches(err, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID),
		              "letter failed with %s", err != NULL ? err->message : "no error");
		rd_fuzz_check(g_utf8_validate(err->message, -1, NULL), "letter error is not UTF-8");
		return 0;
	}
	check_letter(bytes, msgid);
	return 0;
}
