/*
 * values.c — RdTplValues, the value tree a template is rendered with.
 *
 * A value map holds two tables: strings (dotted name → UTF-8 string) and
 * lists (name → array of item maps). Names are flat keys: "case.reference"
 * is one key, not a path, so a caller sets exactly the names the templates
 * use. A list item is an RdTplValues of its own; a plain string item keeps
 * its text under the key "." for {{.}}.
 *
 * Invariants: every stored string is valid UTF-8; a list, once created,
 * owns its items, and items live as long as the map that holds the list.
 */
#include "templates-private.h"

struct _RdTplValues {
	GHashTable *strings; /* char *name → char *value */
	GHashTable *lists;   /* char *name → GPtrArray of RdTplValues * */
};

RdTplValues *
rd_tpl_values_new(void)
{
	RdTplValues *v = g_new0(RdTplValues, 1);

	v->strings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	v->lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                 (GDestroyNotify)g_ptr_array_unref);
	return v;
}

void
rd_tpl_values_free(RdTplValues *values)
{
	if (values == NULL)
		return;
	g_clear_pointer(&values->strings, g_hash_table_unref);
	g_clear_pointer(&values->lists, g_hash_table_unref);
	g_free(values);
}

void
rd_tpl_values_set(RdTplValues *values, const char *name, const char *value)
{
	g_return_if_fail(values != NULL);
	g_return_if_fail(name != NULL);

	if (value == NULL) {
		g_hash_table_remove(values->strings, name);
		return;
	}
	g_hash_table_replace(values->strings, g_strdup(name),
	                     g_utf8_make_valid(value, -1));
}

void
rd_tpl_values_set_flag(RdTplValues *values, const char *name, gboolean on)
{
	rd_tpl_values_set(values, name, on ? "yes" : "");
}

const char *
rd_tpl_values_get(const RdTplValues *values, const char *name)
{
	if (values == NULL || name == NULL)
		return NULL;
	return g_hash_table_lookup(values->strings, name);
}

const GPtrArray *
rd_tpl_values_get_list(const RdTplValues *values, const char *name)
{
	if (values == NULL || name == NULL)
		return NULL;
	return g_hash_table_lookup(values->lists, name);
}

RdTplValues *
rd_tpl_values_add_item(RdTplValues *values, const char *list_name)
{
	GPtrArray *list;
	RdTplValues *item;

	g_return_val_if_fail(values != NULL, NULL);
	g_return_val_if_fail(list_name != NULL, NULL);

	list = g_hash_table_lookup(values->lists, list_name);
	if (list == NULL) {
		list = g_ptr_array_new_with_free_func((GDestroyNotify)rd_tpl_values_free);
		g_hash_table_insert(values->lists, g_strdup(list_name), list);
	}
	item = rd_tpl_values_new();
	g_ptr_array_add(list, item);
	return item;
}

void
rd_tpl_values_add_string(RdTplValues *values, const char *list_name,
                         const char *value)
{
	RdTplValues *item = rd_tpl_values_add_item(values, list_name);

	if (item != NULL)
		rd_tpl_values_set(item, ".", value != NULL ? value : "");
}
