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

/* ---- RdOut: one description, printed as JSON or as text ----------------------
 *
 * A command describes what it prints once, walking its data once: each
 * value with its JSON member name (and, for a "Label: value" line, the
 * label people read), and the lines whose layout is made for people with
 * rd_out_line(). With --json only the members are printed, as one JSON
 * document; without, only the labelled values and the lines, in order.
 * This replaces a show_json()/show_text() pair per command, which had to
 * be kept in step by hand. */

struct _RdOut {
	gboolean json;
	JsonBuilder *b;          /* --json */
	GString *text;           /* otherwise */
	guint depth;             /* labelled containers open, for indentation */
	GArray *open;            /* gint per open container: LABELLED | LIST */
};

enum { LABELLED = 1, LIST = 2 };

RdOut *
rd_out_new(gboolean json)
{
	RdOut *o = g_new0(RdOut, 1);
	o->json = json;
	if (json)
		o->b = json_builder_new();
	else
		o->text = g_string_new(NULL);
	o->open = g_array_new(FALSE, FALSE, sizeof(gint));
	return o;
}

void
rd_out_free(RdOut *o)
{
	if (o == NULL)
		return;
	g_clear_object(&o->b);
	if (o->text != NULL)
		g_string_free(o->text, TRUE);
	g_array_unref(o->open);
	g_free(o);
}

gboolean
rd_out_is_json(const RdOut *o)
{
	return o->json;
}

static void
member(RdOut *o, const char *key)
{
	if (key != NULL)
		json_builder_set_member_name(o->b, key);
}

static void
indent(RdOut *o)
{
	for (guint i = 0; i < o->depth; i++)
		g_string_append(o->text, "  ");
}

static void
open_container(RdOut *o, const char *key, const char *label, gboolean list)
{
	gint flags = (label != NULL ? LABELLED : 0) | (list ? LIST : 0);
	g_array_append_val(o->open, flags);
	if (o->json) {
		member(o, key);
		if (list)
			json_builder_begin_array(o->b);
		else
			json_builder_begin_object(o->b);
		return;
	}
	if (label != NULL) {
		indent(o);
		g_string_append_printf(o->text, "%s\n", label);
		o->depth++;
	}
}

void
rd_out_begin(RdOut *o, const char *key, const char *label)
{
	open_container(o, key, label, FALSE);
}

void
rd_out_begin_list(RdOut *o, const char *key, const char *label)
{
	open_container(o, key, label, TRUE);
}

void
rd_out_end(RdOut *o)
{
	g_return_if_fail(o->open->len > 0);
	gint flags = g_array_index(o->open, gint, o->open->len - 1);
	g_array_set_size(o->open, o->open->len - 1);
	if (o->json) {
		if (flags & LIST)
			json_builder_end_array(o->b);
		else
			json_builder_end_object(o->b);
		return;
	}
	if ((flags & LABELLED) && o->depth > 0)
		o->depth--;
}

static void
text_value(RdOut *o, const char *label, const char *value)
{
	if (label == NULL)
		return;
	indent(o);
	g_string_append_printf(o->text, "%s: %s\n", label, value && *value ? value : "-");
}

void
rd_out_str(RdOut *o, const char *key, const char *label, const char *value)
{
	if (o->json) {
		member(o, key);
		if (value != NULL)
			json_builder_add_string_value(o->b, value);
		else
			json_builder_add_null_value(o->b);
		return;
	}
	text_value(o, label, value);
}

void
rd_out_int(RdOut *o, const char *key, const char *label, gint64 value)
{
	if (o->json) {
		member(o, key);
		json_builder_add_int_value(o->b, value);
		return;
	}
	g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, value);
	text_value(o, label, s);
}

void
rd_out_id(RdOut *o, const char *key, const char *label, gint64 id)
{
	if (o->json) {
		member(o, key);
		if (id != 0)
			json_builder_add_int_value(o->b, id);
		else
			json_builder_add_null_value(o->b);
		return;
	}
	g_autofree char *s = id != 0 ? g_strdup_printf("#%" G_GINT64_FORMAT, id) : NULL;
	text_value(o, label, s);
}

void
rd_out_bool(RdOut *o, const char *key, const char *label, gboolean value)
{
	if (o->json) {
		member(o, key);
		json_builder_add_boolean_value(o->b, value);
		return;
	}
	text_value(o, label, value ? "yes" : "no");
}

void
rd_out_time(RdOut *o, const char *key, const char *label, gint64 t)
{
	if (o->json) {
		member(o, key);
		if (t == 0) {
			json_builder_add_null_value(o->b);
			return;
		}
		g_autofree char *s = rd_time_format_iso(t);
		json_builder_add_string_value(o->b, s);
		return;
	}
	g_autofree char *s = t ? rd_time_format_local(t) : g_strdup("never");
	text_value(o, label, s);
}

void
rd_out_line(RdOut *o, const char *fmt, ...)
{
	if (o->json)
		return;
	va_list ap;
	va_start(ap, fmt);
	indent(o);
	g_string_append_vprintf(o->text, fmt, ap);
	g_string_append_c(o->text, '\n');
	va_end(ap);
}

void
rd_out_print(RdOut *o)
{
	if (o->json) {
		rd_json_print(o->b);
		return;
	}
	fputs(o->text->str, stdout);
}
