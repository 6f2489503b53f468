/*
 * output.c — what the subcommands share when they print: JSON members
 * that say null for a missing value, one pretty JSON document on stdout,
 * one-line summaries of free text, the actor name a terminal user acts as,
 * and a case looked up as people type its reference.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

void
rd_json_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

void
rd_json_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

void
rd_json_time(JsonBuilder *b, const char *name, gint64 t)
{
	json_builder_set_member_name(b, name);
	if (t == 0) {
		json_builder_add_null_value(b);
		return;
	}
	g_autofree char *s = rd_time_format_iso(t);
	json_builder_add_string_value(b, s);
}

void
rd_json_print(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	g_autofree char *s = json_generator_to_data(gen, NULL);
	printf("%s\n", s);
}

void
rd_json_case(JsonBuilder *b, const RdCase *c)
{
	json_builder_begin_object(b);
	rd_json_str(b, "reference", c->reference);
	rd_json_str(b, "state", c->state);
	rd_json_str(b, "channel", c->channel);
	rd_json_str(b, "service", c->service);
	rd_json_str(b, "complainant", c->complainant_email);
	rd_json_str(b, "complainant_name", c->complainant_name);
	rd_json_str(b, "representative", c->representative_email);
	rd_json_str(b, "handler", c->handler);
	rd_json_str(b, "language", c->language);
	rd_json_str(b, "profile", c->profile);
	json_builder_set_member_name(b, "flags");
	json_builder_begin_array(b);
	if (c->flags) {
		g_auto(GStrv) fl = g_strsplit(c->flags, ",", -1);
		for (guint i = 0; fl[i]; i++)
			if (*fl[i])
				json_builder_add_string_value(b, fl[i]);
	}
	json_builder_end_array(b);
	rd_json_str(b, "summary", c->summary);
	json_builder_set_member_name(b, "group");
	if (c->group_id)
		json_builder_add_int_value(b, c->group_id);
	else
		json_builder_add_null_value(b);
	rd_json_time(b, "opened", c->opened_at);
	rd_json_time(b, "updated", c->updated_at);
	json_builder_end_object(b);
}

char *
rd_cli_actor(void)
{
	/* The person behind sudo, not root: the case journey names people. */
	const char *u = g_getenv("SUDO_USER");
	if (u == NULL)
		u = g_get_user_name();
	return g_strdup_printf("cli:%s", u ? u : "unknown");
}

char *
rd_cli_one_line(const char *s, glong max)
{
	if (s == NULL)
		return g_strdup("");
	g_autofree char *flat = g_strdup(s);
	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	g_strstrip(flat);
	if (g_utf8_strlen(flat, -1) <= max)
		return g_steal_pointer(&flat);
	g_autofree char *cut = g_utf8_substring(flat, 0, max - 1);
	return g_strconcat(cut, "…", NULL);
}

const char *
rd_cli_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

gboolean
rd_cli_find_case(RdStore *store, const RdConfig *cfg, const char *arg, RdCase **case_r,
                 GError **error)
{
	/* Accept a reference as people type it ("cmp 2026 12"), not only the
	 * canonical form. */
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find(cfg->reference_prefix, arg, refs);
	const char *ref = refs->len > 0 ? refs->pdata[0] : arg;
	return rd_store_case_get_by_ref(store, ref, case_r, error);
}
