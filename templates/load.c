/*
 * load.c — RdTemplateSet: every letter of a template directory.
 *
 * Layout: <dir>/<lang>/<name>.subject, <name>.txt, <name>.html. A letter is
 * the three templates of one (name, lang); the set is a hash table keyed
 * "lang/name". Loading reads the directory in sorted order so that error
 * messages come out the same on every machine, and keeps going after a
 * problem so that all of them are reported at once.
 *
 * Invariants: a letter in the set always has all three parts; the set is
 * immutable after loading and may be shared between threads.
 */
#include <string.h>

#include "templates-private.h"

typedef struct {
	RdTemplate *subject;
	RdTemplate *text;
	RdTemplate *html;
} Letter;

static void
letter_free(gpointer p)
{
	Letter *l = p;

	rd_template_free(l->subject);
	rd_template_free(l->text);
	rd_template_free(l->html);
	g_free(l);
}

struct _RdTemplateSet {
	GHashTable *letters;  /* "lang/name" → Letter * */
};

void
rd_template_set_free(RdTemplateSet *set)
{
	if (set == NULL)
		return;
	g_clear_pointer(&set->letters, g_hash_table_unref);
	g_free(set);
}

static const char *const part_ext[] = { ".subject", ".txt", ".html" };

/* A language tag: 2–3 lower-case letters, optionally "-" and 1–8
 * letters or digits ("en", "cy", "en-gb"). */
static gboolean
lang_is_valid(const char *s)
{
	gsize n = 0;

	while (g_ascii_islower(s[n]))
		n++;
	if (n < 2 || n > 3)
		return FALSE;
	if (s[n] == '\0')
		return TRUE;
	if (s[n] != '-')
		return FALSE;
	s += n + 1;
	n = 0;
	while (g_ascii_isalnum(s[n]))
		n++;
	return n >= 1 && n <= 8 && s[n] == '\0';
}

/* A letter name: [a-z0-9-]+ with a letter or digit first. */
static gboolean
letter_name_is_valid(const char *s)
{
	if (!g_ascii_isalnum(*s))
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && *s != '-')
			return FALSE;
	return TRUE;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of @path, sorted; NULL (with @messages added to) if it
 * cannot be read. */
static GPtrArray *
list_dir(const char *path, GPtrArray *messages)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) dir = g_dir_open(path, 0, &err);
	GPtrArray *names;
	const char *name;

	if (dir == NULL) {
		g_ptr_array_add(messages, g_strdup_printf("%s: %s", path, err->message));
		return NULL;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_str);
	return names;
}

static RdTemplate *
load_file(const char *path, GPtrArray *messages)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;
	RdTemplate *tpl;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		g_ptr_array_add(messages, g_strdup_printf("%s: %s", path, err->message));
		return NULL;
	}
	if (len > RD_TEMPLATE_MAX_FILE) {
		g_ptr_array_add(messages, g_strdup_printf("%s: larger than %d bytes",
		                                          path, RD_TEMPLATE_MAX_FILE));
		return NULL;
	}
	tpl = rd_template_parse(data, len, path, &err);
	if (tpl == NULL)
		g_ptr_array_add(messages, g_strdup(err->message));
	return tpl;
}

static void
load_lang(RdTemplateSet *set, const char *dir, const char *lang,
          GPtrArray *messages)
{
	g_autofree char *lang_dir = g_build_filename(dir, lang, NULL);
	g_autoptr(GPtrArray) entries = list_dir(lang_dir, messages);

	for (guint i = 0; entries != NULL && i < entries->len; i++) {
		const char *entry = entries->pdata[i];
		g_autofree char *name = NULL;
		g_autofree char *key = NULL;
		Letter *letter;
		int part = -1;

		for (int p = 0; p < 3; p++)
			if (g_str_has_suffix(entry, part_ext[p]))
				part = p;
		if (part < 0)
			continue;
		name = g_strndup(entry, strlen(entry) - strlen(part_ext[part]));
		if (!letter_name_is_valid(name))
			continue;
		key = g_strconcat(lang, "/", name, NULL);
		letter = g_hash_table_lookup(set->letters, key);
		if (letter == NULL) {
			letter = g_new0(Letter, 1);
			g_hash_table_insert(set->letters, g_strdup(key), letter);
		}
		{
			g_autofree char *path = g_build_filename(lang_dir, entry, NULL);
			RdTemplate *tpl = load_file(path, messages);
			RdTemplate **slot = part == 0 ? &letter->subject :
			                    part == 1 ? &letter->text : &letter->html;

			rd_template_free(*slot);
			*slot = tpl;
		}
	}
}

/* Every letter that was seen but lacks a part (or failed to parse one)
 * is an error; the ones that failed to parse were reported already. */
static void
check_complete(RdTemplateSet *set, const char *dir, GPtrArray *messages)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, set->letters);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	for (guint i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];
		Letter *l = g_hash_table_lookup(set->letters, key);
		RdTemplate *parts[3] = { l->subject, l->text, l->html };

		for (int p = 0; p < 3; p++) {
			g_autofree char *path = NULL;

			if (parts[p] != NULL)
				continue;
			path = g_strconcat(dir, G_DIR_SEPARATOR_S, key, part_ext[p], NULL);
			if (!g_file_test(path, G_FILE_TEST_EXISTS))
				g_ptr_array_add(messages, g_strdup_printf(
				        "%s: missing (every letter needs .subject, .txt and .html)",
				        path));
		}
	}
}

RdTemplateSet *
rd_template_load_dir(const char *dir, GError **error)
{
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(RdTemplateSet) set = g_new0(RdTemplateSet, 1);
	g_autoptr(GPtrArray) langs = NULL;

	g_return_val_if_fail(dir != NULL, NULL);
	set->letters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                     letter_free);
	langs = list_dir(dir, messages);
	for (guint i = 0; langs != NULL && i < langs->len; i++) {
		const char *lang = langs->pdata[i];
		g_autofree char *path = g_build_filename(dir, lang, NULL);

		if (!lang_is_valid(lang) || !g_file_test(path, G_FILE_TEST_IS_DIR))
			continue;
		load_lang(set, dir, lang, messages);
	}
	check_complete(set, dir, messages);
	if (messages->len == 0 && g_hash_table_size(set->letters) == 0)
		g_ptr_array_add(messages, g_strdup_printf(
		        "%s: no letters found (expected <lang>/<name>.subject, .txt, .html)",
		        dir));
	if (messages->len > 0) {
		g_autoptr(GString) s = g_string_new(NULL);

		for (guint i = 0; i < messages->len; i++)
			g_string_append_printf(s, "%s%s", i > 0 ? "\n" : "",
			                       (char *)messages->pdata[i]);
		g_set_error_literal(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_LOAD, s->str);
		return NULL;
	}
	return g_steal_pointer(&set);
}

static const Letter *
lookup(const RdTemplateSet *set, const char *name, const char *lang)
{
	g_autofree char *key = NULL;

	if (set == NULL || name == NULL || lang == NULL)
		return NULL;
	key = g_strconcat(lang, "/", name, NULL);
	return g_hash_table_lookup(set->letters, key);
}

gboolean
rd_template_set_has(const RdTemplateSet *set, const char *name, const char *lang)
{
	return lookup(set, name, lang) != NULL;
}

/* Sorted, unique halves of the "lang/name" keys: @second picks the name. */
static char **
list_half(const RdTemplateSet *set, gboolean second)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal,
	                                                   g_free, NULL);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, set->letters);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		const char *slash = strchr(k, '/');
		char *half = second ? g_strdup(slash + 1)
		                    : g_strndup(k, slash - (const char *)k);

		if (g_hash_table_contains(seen, half)) {
			g_free(half);
			continue;
		}
		g_hash_table_add(seen, half);
		g_ptr_array_add(out, g_strdup(half));
	}
	g_ptr_array_sort(out, cmp_str);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

char **
rd_template_set_list_names(const RdTemplateSet *set)
{
	g_return_val_if_fail(set != NULL, NULL);
	return list_half(set, TRUE);
}

char **
rd_template_set_list_langs(const RdTemplateSet *set)
{
	g_return_val_if_fail(set != NULL, NULL);
	return list_half(set, FALSE);
}

gboolean
rd_template_set_check(const RdTemplateSet *set, const char *const *allowed_names,
                      GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GString) s = g_string_new(NULL);
	GHashTableIter it;
	gpointer k;

	g_return_val_if_fail(set != NULL, FALSE);
	g_hash_table_iter_init(&it, set->letters);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	for (guint i = 0; i < keys->len; i++) {
		Letter *l = g_hash_table_lookup(set->letters, keys->pdata[i]);
		RdTemplate *parts[3] = { l->subject, l->text, l->html };

		for (int p = 0; p < 3; p++) {
			g_autoptr(GError) err = NULL;

			if (!rd_template_check(parts[p], allowed_names, &err))
				g_string_append_printf(s, "%s%s", s->len > 0 ? "\n" : "",
				                       err->message);
		}
	}
	if (s->len > 0) {
		g_set_error_literal(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_UNKNOWN,
		                    s->str);
		return FALSE;
	}
	return TRUE;
}

void
rd_rendered_letter_free(RdRenderedLetter *letter)
{
	if (letter == NULL)
		return;
	g_free(letter->subject);
	g_free(letter->text);
	g_free(letter->html);
	g_free(letter);
}

/* One line: every run of white space (newlines included) becomes one
 * space, and the ends are trimmed. */
static char *
one_line(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (; *s != '\0'; s++) {
		if (g_ascii_isspace(*s)) {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

RdRenderedLetter *
rd_template_set_render(const RdTemplateSet *set, const char *name,
                       const char *lang, const RdTplValues *values,
                       GError **error)
{
	const Letter *l = lookup(set, name, lang);
	RdRenderedLetter *r;
	g_autofree char *subject = NULL;

	if (l == NULL) {
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_NOT_FOUND,
		            "no letter '%s' in language '%s'",
		            name != NULL ? name : "(null)", lang != NULL ? lang : "(null)");
		return NULL;
	}
	r = g_new0(RdRenderedLetter, 1);
	subject = rd_template_render(l->subject, values, RD_TPL_TEXT);
	r->subject = one_line(subject);
	r->text = rd_template_render(l->text, values, RD_TPL_TEXT);
	r->html = rd_template_render(l->html, values, RD_TPL_HTML);
	return r;
}
