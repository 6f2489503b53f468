/*
 * render.c — the template language: parse, check, render.
 *
 * A template is parsed once into a tree of nodes:
 *
 *   TEXT  literal text, copied as it is
 *   VAR   {{name}}: a value, HTML-escaped in HTML mode
 *   IF    {{#if name}} body {{else}} alt {{/if}}; {{#unless}} is IF negated
 *   EACH  {{#each list}} body {{/each}}: body once per item, where {{.}} is
 *         a string item and {{item.field}} a field of a map item
 *
 * Comments {{! … }} leave nothing. A block tag or comment alone on its line
 * (only blanks beside it) takes the whole line with it, so text templates
 * can put {{#if}} on a line of its own without leaving blank lines.
 *
 * Parsing goes in two steps: the lexer cuts the source into tokens (text
 * and tags, with line numbers), a pass trims standalone lines, then a stack
 * builds the tree. Errors do not stop either step: every problem is
 * collected and reported at once as "FILE:LINE: message" lines.
 *
 * Checking walks the tree with the list path of each enclosing {{#each}}
 * ("points[]") so that {{item.f}} can be checked as "points[].f" against
 * the allowed names. Rendering walks it with a stack of current items;
 * it cannot fail, because check has already vouched for every name.
 */
#include <string.h>

#include "templates-private.h"

G_DEFINE_QUARK(rd-template-error-quark, rd_template_error)

/* ---- tokens ---------------------------------------------------------- */

typedef enum {
	TOK_TEXT,
	TOK_VAR,
	TOK_OPEN,    /* {{#if x}}, {{#unless x}}, {{#each x}} */
	TOK_ELSE,
	TOK_CLOSE,   /* {{/if}}, {{/unless}}, {{/each}} */
	TOK_COMMENT,
} TokKind;

typedef struct {
	TokKind kind;
	guint line;       /* line of the token's first character */
	char *text;       /* TEXT: the text; VAR/OPEN: the name; CLOSE: keyword */
	char *keyword;    /* OPEN: "if", "unless" or "each" */
	gsize head, tail; /* TEXT: keep text[head, tail) after trimming */
} Token;

static void
token_free(gpointer p)
{
	Token *t = p;

	g_free(t->text);
	g_free(t->keyword);
	g_free(t);
}

/* ---- nodes ----------------------------------------------------------- */

typedef enum { NODE_TEXT, NODE_VAR, NODE_IF, NODE_EACH } NodeKind;

typedef struct {
	NodeKind kind;
	guint line;
	char *text;        /* TEXT: literal; otherwise the name */
	gboolean negate;   /* IF from {{#unless}} */
	GPtrArray *body;   /* IF: then part; EACH: the loop body */
	GPtrArray *alt;    /* IF: else part (NULL without {{else}}) */
} Node;

static void
node_free(gpointer p)
{
	Node *n = p;

	g_free(n->text);
	g_clear_pointer(&n->body, g_ptr_array_unref);
	g_clear_pointer(&n->alt, g_ptr_array_unref);
	g_free(n);
}

static GPtrArray *
node_list_new(void)
{
	return g_ptr_array_new_with_free_func(node_free);
}

struct _RdTemplate {
	char *filename;
	GPtrArray *body;   /* Node * */
};

void
rd_template_free(RdTemplate *tpl)
{
	if (tpl == NULL)
		return;
	g_free(tpl->filename);
	g_clear_pointer(&tpl->body, g_ptr_array_unref);
	g_free(tpl);
}

const char *
rd_template_get_filename(const RdTemplate *tpl)
{
	return tpl != NULL ? tpl->filename : NULL;
}

/* ---- errors ---------------------------------------------------------- */

typedef struct {
	const char *filename;
	GPtrArray *messages;  /* char *, "FILE:LINE: message" */
} Problems;

static void G_GNUC_PRINTF(3, 4)
problem(Problems *pr, guint line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A tag quoted in the message may span lines, but each message is
	 * one "FILE:LINE: ..." line of the error. */
	g_strdelimit(msg, "\r\n", ' ');
	g_ptr_array_add(pr->messages,
	                g_strdup_printf("%s:%u: %s", pr->filename, line, msg));
}

/* Join @messages into one GError (if there are any). */
static gboolean
problems_report(GPtrArray *messages, int code, GError **error)
{
	g_autoptr(GString) s = NULL;

	if (messages->len == 0)
		return TRUE;
	s = g_string_new(NULL);
	for (guint i = 0; i < messages->len; i++) {
		if (i > 0)
			g_string_append_c(s, '\n');
		g_string_append(s, messages->pdata[i]);
	}
	g_set_error_literal(error, RD_TEMPLATE_ERROR, code, s->str);
	return FALSE;
}

/* ---- lexer ----------------------------------------------------------- */

/* A name is "." or segments of [A-Za-z0-9_] joined by single dots. */
static gboolean
name_is_valid(const char *s)
{
	gboolean seg_empty = TRUE;

	if (strcmp(s, ".") == 0)
		return TRUE;
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (seg_empty)
				return FALSE;
			seg_empty = TRUE;
		} else if (g_ascii_isalnum(*s) || *s == '_') {
			seg_empty = FALSE;
		} else {
			return FALSE;
		}
	}
	return !seg_empty;
}

static guint
count_lines(const char *s, gsize len)
{
	guint n = 0;

	for (gsize i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	return n;
}

static gboolean
is_block_keyword(const char *k)
{
	return strcmp(k, "if") == 0 || strcmp(k, "unless") == 0 ||
	       strcmp(k, "each") == 0;
}

/* Classify the inside of one {{ … }} (already stripped) into @tok. */
static void
lex_tag(Problems *pr, Token *tok, const char *inner)
{
	if (inner[0] == '!') {
		tok->kind = TOK_COMMENT;
		return;
	}
	if (inner[0] == '#' || inner[0] == '/') {
		g_autofree char *body = g_strstrip(g_strdup(inner + 1));
		char *space = body + strcspn(body, " \t\r\n");
		g_autofree char *word = g_strndup(body, space - body);
		g_autofree char *arg = g_strstrip(g_strdup(space));

		if (!is_block_keyword(word)) {
			problem(pr, tok->line, "unknown block '{{%c%s}}'", inner[0], word);
			tok->kind = TOK_COMMENT;
			return;
		}
		if (inner[0] == '/') {
			if (*arg != '\0')
				problem(pr, tok->line, "'{{/%s}}' takes no name", word);
			tok->kind = TOK_CLOSE;
			tok->text = g_steal_pointer(&word);
			return;
		}
		if (*arg == '\0' || strcmp(arg, ".") == 0 || !name_is_valid(arg))
			problem(pr, tok->line, "'{{#%s}}' needs a variable name, not '%s'",
			        word, arg);
		tok->kind = TOK_OPEN;
		tok->keyword = g_steal_pointer(&word);
		tok->text = g_steal_pointer(&arg);
		return;
	}
	if (strcmp(inner, "else") == 0) {
		tok->kind = TOK_ELSE;
		return;
	}
	if (!name_is_valid(inner))
		problem(pr, tok->line, "bad variable name '%s'", inner);
	tok->kind = TOK_VAR;
	tok->text = g_strdup(inner);
}

static GPtrArray *
lex(Problems *pr, const char *src, gsize len)
{
	GPtrArray *toks = g_ptr_array_new_with_free_func(token_free);
	gsize pos = 0;
	guint line = 1;

	while (pos < len) {
		const char *open = g_strstr_len(src + pos, len - pos, "{{");
		gsize text_end = open != NULL ? (gsize)(open - src) : len;
		const char *close;
		Token *tok;

		if (text_end > pos) {
			tok = g_new0(Token, 1);
			tok->kind = TOK_TEXT;
			tok->line = line;
			tok->text = g_strndup(src + pos, text_end - pos);
			tok->tail = text_end - pos;
			g_ptr_array_add(toks, tok);
			line += count_lines(src + pos, text_end - pos);
		}
		if (open == NULL)
			break;
		close = g_strstr_len(open + 2, len - (text_end + 2), "}}");
		if (close == NULL) {
			problem(pr, line, "'{{' is never closed with '}}'");
			break;
		}
		tok = g_new0(Token, 1);
		tok->line = line;
		{
			g_autofree char *inner = g_strndup(open + 2, close - (open + 2));

			g_strstrip(inner);
			lex_tag(pr, tok, inner);
		}
		g_ptr_array_add(toks, tok);
		line += count_lines(open, close - open);
		pos = (close - src) + 2;
	}
	return toks;
}

/* ---- standalone lines ------------------------------------------------- */

static gboolean
is_blank(const char *s, gsize from, gsize to)
{
	for (gsize i = from; i < to; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return FALSE;
	return TRUE;
}

/* A block tag or comment with only blanks between it and the line ends
 * removes that whole line: the blanks before it, and the blanks and
 * newline after it. Decided on the untrimmed text, applied afterwards. */
static void
trim_standalone(GPtrArray *toks)
{
	g_autofree gboolean *cut_tail = g_new0(gboolean, toks->len + 1);
	g_autofree gboolean *cut_head = g_new0(gboolean, toks->len + 1);

	for (guint i = 0; i < toks->len; i++) {
		Token *t = toks->pdata[i];
		Token *prev = i > 0 ? toks->pdata[i - 1] : NULL;
		Token *next = i + 1 < toks->len ? toks->pdata[i + 1] : NULL;
		gboolean before_ok, after_ok;

		if (t->kind == TOK_TEXT || t->kind == TOK_VAR)
			continue;
		if (prev == NULL) {
			before_ok = TRUE;
		} else if (prev->kind != TOK_TEXT) {
			before_ok = FALSE;
		} else {
			const char *nl = strrchr(prev->text, '\n');
			gsize from = nl != NULL ? (gsize)(nl - prev->text) + 1 : 0;

			before_ok = is_blank(prev->text, from, strlen(prev->text)) &&
			            (nl != NULL || i == 1);
		}
		if (next == NULL) {
			after_ok = TRUE;
		} else if (next->kind != TOK_TEXT) {
			after_ok = FALSE;
		} else {
			const char *nl = strchr(next->text, '\n');
			gsize to = nl != NULL ? (gsize)(nl - next->text) : strlen(next->text);

			after_ok = is_blank(next->text, 0, to) &&
			           (nl != NULL || i + 2 == toks->len);
		}
		if (before_ok && after_ok) {
			cut_tail[i] = TRUE;  /* trim the end of token i-1 */
			cut_head[i] = TRUE;  /* trim the start of token i+1 */
		}
	}
	for (guint i = 0; i < toks->len; i++) {
		Token *t = toks->pdata[i];
		const char *nl;

		if (t->kind != TOK_TEXT)
			continue;
		if (i + 1 < toks->len && cut_tail[i + 1]) {
			nl = strrchr(t->text, '\n');
			t->tail = nl != NULL ? (gsize)(nl - t->text) + 1 : 0;
		}
		if (i > 0 && cut_head[i - 1]) {
			nl = strchr(t->text, '\n');
			t->head = nl != NULL ? (gsize)(nl - t->text) + 1 : strlen(t->text);
		}
		if (t->head > t->tail)
			t->head = t->tail;
	}
}

/* ---- parser ---------------------------------------------------------- */

typedef struct {
	Node *node;        /* NULL for the top level */
	const char *keyword;
	gboolean in_else;
} Frame;

static GPtrArray *
frame_target(Frame *f, GPtrArray *top)
{
	if (f->node == NULL)
		return top;
	return f->in_else ? f->node->alt : f->node->body;
}

RdTemplate *
rd_template_parse(const char *source, gssize len, const char *filename,
                  GError **error)
{
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) toks = NULL;
	g_autoptr(GArray) stack = g_array_new(FALSE, TRUE, sizeof(Frame));
	g_autoptr(GPtrArray) top = node_list_new();
	Problems pr = { filename != NULL ? filename : "(template)", messages };
	const char *bad;
	Frame base = { 0 };
	RdTemplate *tpl;

	g_return_val_if_fail(source != NULL, NULL);
	if (len < 0)
		len = strlen(source);
	if (!g_utf8_validate(source, len, &bad)) {
		problem(&pr, 1 + count_lines(source, bad - source), "not valid UTF-8");
		problems_report(messages, RD_TEMPLATE_ERROR_SYNTAX, error);
		return NULL;
	}
	if (memchr(source, '\0', len) != NULL) {
		problem(&pr, 1, "contains a NUL byte");
		problems_report(messages, RD_TEMPLATE_ERROR_SYNTAX, error);
		return NULL;
	}

	toks = lex(&pr, source, len);
	trim_standalone(toks);

	g_array_append_val(stack, base);
	for (guint i = 0; i < toks->len; i++) {
		Token *t = toks->pdata[i];
		Frame *f = &g_array_index(stack, Frame, stack->len - 1);
		GPtrArray *target = frame_target(f, top);
		Node *n;

		switch (t->kind) {
		case TOK_TEXT:
			if (t->tail > t->head) {
				n = g_new0(Node, 1);
				n->kind = NODE_TEXT;
				n->line = t->line;
				n->text = g_strndup(t->text + t->head, t->tail - t->head);
				g_ptr_array_add(target, n);
			}
			break;
		case TOK_VAR:
			n = g_new0(Node, 1);
			n->kind = NODE_VAR;
			n->line = t->line;
			n->text = g_strdup(t->text);
			g_ptr_array_add(target, n);
			break;
		case TOK_OPEN: {
			Frame nf = { 0 };

			if (stack->len > RD_TEMPLATE_MAX_DEPTH) {
				problem(&pr, t->line, "blocks nested more than %d deep",
				        RD_TEMPLATE_MAX_DEPTH);
			}
			n = g_new0(Node, 1);
			n->kind = strcmp(t->keyword, "each") == 0 ? NODE_EACH : NODE_IF;
			n->negate = strcmp(t->keyword, "unless") == 0;
			n->line = t->line;
			n->text = g_strdup(t->text);
			n->body = node_list_new();
			g_ptr_array_add(target, n);
			nf.node = n;
			nf.keyword = t->keyword;
			g_array_append_val(stack, nf);
			break;
		}
		case TOK_ELSE:
			if (f->node == NULL || f->node->kind != NODE_IF) {
				problem(&pr, t->line, "'{{else}}' outside '{{#if}}' or '{{#unless}}'");
			} else if (f->in_else) {
				problem(&pr, t->line, "second '{{else}}' in '{{#%s %s}}' of line %u",
				        f->keyword, f->node->text, f->node->line);
			} else {
				f->in_else = TRUE;
				f->node->alt = node_list_new();
			}
			break;
		case TOK_CLOSE:
			if (f->node == NULL) {
				problem(&pr, t->line, "'{{/%s}}' without an open '{{#%s}}'",
				        t->text, t->text);
				break;
			}
			if (strcmp(f->keyword, t->text) != 0)
				problem(&pr, t->line, "'{{/%s}}' closes '{{#%s %s}}' of line %u",
				        t->text, f->keyword, f->node->text, f->node->line);
			g_array_set_size(stack, stack->len - 1);
			break;
		case TOK_COMMENT:
			break;
		}
	}
	for (guint i = stack->len - 1; i > 0; i--) {
		Frame *f = &g_array_index(stack, Frame, i);

		problem(&pr, f->node->line, "'{{#%s %s}}' is never closed",
		        f->keyword, f->node->text);
	}
	if (!problems_report(messages, RD_TEMPLATE_ERROR_SYNTAX, error))
		return NULL;

	tpl = g_new0(RdTemplate, 1);
	tpl->filename = g_strdup(pr.filename);
	tpl->body = g_steal_pointer(&top);
	return tpl;
}

/* ---- check ----------------------------------------------------------- */

static gboolean
allowed(const char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return TRUE;
	return FALSE;
}

/* The key a name is checked as: "x" at the top, "points[].f" for
 * "item.f" inside {{#each points}}. NULL if "item." is used outside any
 * {{#each}}. */
static char *
check_key(const char *name, const char *scope)
{
	if (g_str_has_prefix(name, "item.")) {
		if (scope == NULL)
			return NULL;
		return g_strconcat(scope, ".", name + 5, NULL);
	}
	return g_strdup(name);
}

static void
check_nodes(Problems *pr, GPtrArray *nodes, const char *const *names,
            const char *scope)
{
	for (guint i = 0; nodes != NULL && i < nodes->len; i++) {
		Node *n = nodes->pdata[i];
		g_autofree char *key = NULL;
		g_autofree char *list_key = NULL;

		if (n->kind == NODE_TEXT)
			continue;
		if (n->kind == NODE_VAR && strcmp(n->text, ".") == 0) {
			if (scope == NULL)
				problem(pr, n->line, "'{{.}}' outside '{{#each}}'");
			continue;
		}
		key = check_key(n->text, scope);
		if (key == NULL) {
			problem(pr, n->line, "unknown variable '%s'", n->text);
			continue;
		}
		list_key = g_strconcat(key, "[]", NULL);
		switch (n->kind) {
		case NODE_VAR:
			if (!allowed(names, key)) {
				if (allowed(names, list_key))
					problem(pr, n->line, "'%s' is a list: use '{{#each %s}}'",
					        n->text, n->text);
				else
					problem(pr, n->line, "unknown variable '%s'", n->text);
			}
			break;
		case NODE_IF:
			if (!allowed(names, key) && !allowed(names, list_key))
				problem(pr, n->line, "unknown variable '%s'", n->text);
			check_nodes(pr, n->body, names, scope);
			check_nodes(pr, n->alt, names, scope);
			break;
		case NODE_EACH:
			if (!allowed(names, list_key)) {
				if (allowed(names, key))
					problem(pr, n->line, "'%s' is not a list", n->text);
				else
					problem(pr, n->line, "unknown variable '%s'", n->text);
			}
			check_nodes(pr, n->body, names, list_key);
			break;
		case NODE_TEXT:
			break;
		}
	}
}

gboolean
rd_template_check(const RdTemplate *tpl, const char *const *allowed_names,
                  GError **error)
{
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func(g_free);
	Problems pr = { NULL, messages };

	g_return_val_if_fail(tpl != NULL, FALSE);
	pr.filename = tpl->filename;
	check_nodes(&pr, tpl->body, allowed_names, NULL);
	return problems_report(messages, RD_TEMPLATE_ERROR_UNKNOWN, error);
}

/* ---- render ---------------------------------------------------------- */

typedef struct {
	const RdTplValues *root;
	GPtrArray *items;  /* const RdTplValues *, innermost last */
	RdTplMode mode;
	GString *out;
} Render;

static void
append_escaped(GString *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *s); break;
		}
	}
}

/* Where @name lives: the innermost item for "." and "item.x" (with
 * *key_r the key inside it), otherwise the root map. */
static const RdTplValues *
resolve(Render *r, const char *name, const char **key_r)
{
	const RdTplValues *item = r->items->len > 0 ?
	                          r->items->pdata[r->items->len - 1] : NULL;

	if (strcmp(name, ".") == 0) {
		*key_r = ".";
		return item;
	}
	if (g_str_has_prefix(name, "item.")) {
		*key_r = name + 5;
		return item;
	}
	*key_r = name;
	return r->root;
}

static void render_nodes(Render *r, GPtrArray *nodes);

static void
render_node(Render *r, Node *n)
{
	const char *key;
	const RdTplValues *where;
	const char *s;
	const GPtrArray *list;
	gboolean truth;

	switch (n->kind) {
	case NODE_TEXT:
		g_string_append(r->out, n->text);
		break;
	case NODE_VAR:
		where = resolve(r, n->text, &key);
		s = rd_tpl_values_get(where, key);
		if (s == NULL)
			break;
		if (r->mode == RD_TPL_HTML)
			append_escaped(r->out, s);
		else
			g_string_append(r->out, s);
		break;
	case NODE_IF:
		where = resolve(r, n->text, &key);
		s = rd_tpl_values_get(where, key);
		list = rd_tpl_values_get_list(where, key);
		truth = (s != NULL && *s != '\0') || (list != NULL && list->len > 0);
		if (n->negate)
			truth = !truth;
		render_nodes(r, truth ? n->body : n->alt);
		break;
	case NODE_EACH:
		where = resolve(r, n->text, &key);
		list = rd_tpl_values_get_list(where, key);
		for (guint i = 0; list != NULL && i < list->len; i++) {
			g_ptr_array_add(r->items, list->pdata[i]);
			render_nodes(r, n->body);
			g_ptr_array_set_size(r->items, r->items->len - 1);
		}
		break;
	}
}

static void
render_nodes(Render *r, GPtrArray *nodes)
{
	for (guint i = 0; nodes != NULL && i < nodes->len; i++)
		render_node(r, nodes->pdata[i]);
}

char *
rd_template_render(const RdTemplate *tpl, const RdTplValues *values,
                   RdTplMode mode)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new();
	Render r = { values, items, mode, g_string_new(NULL) };

	g_return_val_if_fail(tpl != NULL, NULL);
	render_nodes(&r, tpl->body);
	return g_string_free(r.out, FALSE);
}
