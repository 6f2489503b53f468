/*
 * html.c — HTML mail bodies → readable plain text.
 *
 * libxml2's forgiving HTML parser builds a tree (it also decodes entities);
 * we walk it once, iteratively (deep nesting must not exhaust the stack),
 * and write text into a small line writer that:
 *  - collapses runs of white space to one space, except inside <pre>;
 *  - turns block elements into line breaks (paragraph-like ones into a blank
 *    line), <br> into a line break and <li> into "- ";
 *  - prefixes every line inside <blockquote> with "> " per level, so the
 *    quote stripper sees HTML quotes the way it sees plain-text ones;
 *  - drops <head>, <script>, <style> and friends.
 *
 * Thread safety: libxml2's parser is thread-safe once xmlInitParser() has
 * run, which rd_parsers_init() does. Each call has its own document.
 */
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "parsers-private.h"

typedef struct {
	GString *out;
	guint quote_depth;     /* open <blockquote> elements */
	guint pre_depth;       /* open <pre> elements */
	guint list_depth;      /* open <ul>/<ol> elements */
	guint pending_breaks;  /* line breaks owed before the next text */
	gboolean pending_space;
	gboolean at_line_start;
	gboolean fresh;        /* nothing written yet in this quote (or at all):
	                          breaks asked for now are dropped */
} HtmlWriter;

typedef enum {
	EL_INLINE,
	EL_SKIP,      /* drop the element and everything in it */
	EL_BLOCK,     /* own line */
	EL_PARA,      /* own paragraph (blank line around) */
	EL_BR,
	EL_LI,
	EL_LIST,
	EL_QUOTE,
	EL_PRE,
	EL_CELL,
} ElKind;

static ElKind
element_kind(const char *name)
{
	static const char *const skip[] = {
		"head", "script", "style", "title", "template", "object",
		"embed", "applet", "iframe", "select", "option", "button",
		"svg", "math", "noframes", "xml",
	};
	static const char *const block[] = {
		"div", "tr", "address", "article", "aside", "center", "dd",
		"details", "dl", "dt", "fieldset", "figcaption", "figure",
		"footer", "form", "header", "hr", "main", "nav", "section",
		"summary", "caption", "body", "html", "o:p", "thead", "tbody",
		"tfoot", "frame", "legend",
	};
	static const char *const para[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "table",
	};

	if (g_ascii_strcasecmp(name, "br") == 0)
		return EL_BR;
	if (g_ascii_strcasecmp(name, "li") == 0)
		return EL_LI;
	if (g_ascii_strcasecmp(name, "ul") == 0 || g_ascii_strcasecmp(name, "ol") == 0 ||
	    g_ascii_strcasecmp(name, "menu") == 0 || g_ascii_strcasecmp(name, "dir") == 0)
		return EL_LIST;
	if (g_ascii_strcasecmp(name, "blockquote") == 0)
		return EL_QUOTE;
	if (g_ascii_strcasecmp(name, "pre") == 0 || g_ascii_strcasecmp(name, "xmp") == 0 ||
	    g_ascii_strcasecmp(name, "listing") == 0 || g_ascii_strcasecmp(name, "plaintext") == 0)
		return EL_PRE;
	if (g_ascii_strcasecmp(name, "td") == 0 || g_ascii_strcasecmp(name, "th") == 0)
		return EL_CELL;
	for (gsize i = 0; i < G_N_ELEMENTS(skip); i++)
		if (g_ascii_strcasecmp(name, skip[i]) == 0)
			return EL_SKIP;
	for (gsize i = 0; i < G_N_ELEMENTS(para); i++)
		if (g_ascii_strcasecmp(name, para[i]) == 0)
			return EL_PARA;
	for (gsize i = 0; i < G_N_ELEMENTS(block); i++)
		if (g_ascii_strcasecmp(name, block[i]) == 0)
			return EL_BLOCK;
	return EL_INLINE;
}

/* Ask for at least @n line breaks before the next text ("\n" ends the
 * line, a second one leaves a blank line). Nothing at the very start. */
static void
want_breaks(HtmlWriter *w, guint n)
{
	if (w->fresh)
		return;
	if (w->pending_breaks < n)
		w->pending_breaks = n;
}

static void
write_prefix(HtmlWriter *w, gboolean empty_line)
{
	for (guint i = 0; i < w->quote_depth; i++)
		g_string_append(w->out, empty_line ? ">" : "> ");
}

/* Emit owed breaks; called just before visible text. @pending_breaks
 * counts line ends including the one that ends the current line, which a
 * line still empty does not need. */
static void
flush_breaks(HtmlWriter *w)
{
	guint n = w->pending_breaks;
	w->pending_breaks = 0;
	if (w->at_line_start && n > 0)
		n--;
	if (n == 0)
		return;
	/* drop trailing spaces of the line being ended */
	while (w->out->len > 0 && w->out->str[w->out->len - 1] == ' ')
		g_string_truncate(w->out, w->out->len - 1);
	for (guint i = 0; i < n; i++) {
		/* an empty line inside a quote still carries its ">" */
		if (w->at_line_start)
			write_prefix(w, TRUE);
		g_string_append_c(w->out, '\n');
		w->at_line_start = TRUE;
	}
	w->pending_space = FALSE;
}

/* A hard line break (<br>, a newline in <pre>): always one more line. */
static void
hard_break(HtmlWriter *w)
{
	flush_breaks(w);
	if (w->at_line_start)
		write_prefix(w, TRUE);
	g_string_append_c(w->out, '\n');
	w->at_line_start = TRUE;
	w->pending_space = FALSE;
}

static void
write_visible(HtmlWriter *w, const char *s, gsize len)
{
	flush_breaks(w);
	if (w->at_line_start) {
		write_prefix(w, FALSE);
		w->at_line_start = FALSE;
	} else if (w->pending_space) {
		g_string_append_c(w->out, ' ');
	}
	w->pending_space = FALSE;
	w->fresh = FALSE;
	g_string_append_len(w->out, s, len);
}

static gboolean
is_html_space(const char *p, gsize *adv)
{
	guchar c = (guchar) *p;
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
		*adv = 1;
		return TRUE;
	}
	/* U+00A0 no-break space: mail clients use runs of it for layout */
	if (c == 0xC2 && (guchar) p[1] == 0xA0) {
		*adv = 2;
		return TRUE;
	}
	return FALSE;
}

static void
write_text(HtmlWriter *w, const char *s)
{
	const char *p = s;

	if (w->pre_depth > 0) {
		/* keep white space and line breaks as written */
		while (*p != '\0') {
			const char *nl = strchr(p, '\n');
			gsize n = nl != NULL ? (gsize) (nl - p) : strlen(p);
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n > 0)
				write_visible(w, p, n);
			if (nl == NULL)
				break;
			if (!w->fresh)
				hard_break(w);
			p = nl + 1;
		}
		return;
	}

	while (*p != '\0') {
		gsize adv = 0;
		if (is_html_space(p, &adv)) {
			if (!w->at_line_start || w->pending_breaks > 0)
				w->pending_space = TRUE;
			p += adv;
			continue;
		}
		const char *start = p;
		while (*p != '\0' && !is_html_space(p, &adv))
			p++;
		if (w->at_line_start && w->pending_breaks == 0)
			w->pending_space = FALSE;
		write_visible(w, start, (gsize) (p - start));
	}
}

static void
enter_element(HtmlWriter *w, ElKind k)
{
	switch (k) {
	case EL_BR:
		/* each <br> is one more line break, unlike blocks */
		if (!w->fresh)
			hard_break(w);
		break;
	case EL_LI:
		want_breaks(w, 1);
		flush_breaks(w);
		{
			g_autofree char *bullet = g_strnfill(w->list_depth > 1 ? 2 * (w->list_depth - 1) : 0, ' ');
			write_visible(w, bullet, strlen(bullet));
			write_visible(w, "- ", 2);
			w->pending_space = FALSE;
		}
		break;
	case EL_LIST:
		want_breaks(w, w->list_depth > 0 ? 1 : 2);
		w->list_depth++;
		break;
	case EL_QUOTE:
		/* the blank line before a quote belongs outside it */
		want_breaks(w, 2);
		flush_breaks(w);
		w->quote_depth++;
		w->fresh = TRUE;
		break;
	case EL_PRE:
		want_breaks(w, 2);
		w->pre_depth++;
		break;
	case EL_PARA:
		want_breaks(w, 2);
		break;
	case EL_BLOCK:
		want_breaks(w, 1);
		break;
	case EL_CELL:
		w->pending_space = TRUE;
		break;
	case EL_INLINE:
	case EL_SKIP:
		break;
	}
}

static void
leave_element(HtmlWriter *w, ElKind k)
{
	switch (k) {
	case EL_LIST:
		if (w->list_depth > 0)
			w->list_depth--;
		want_breaks(w, w->list_depth > 0 ? 1 : 2);
		break;
	case EL_QUOTE:
		/* end the last quoted line inside the quote; the blank line
		 * after it belongs outside and carries no prefix */
		if (w->pending_breaks > 1)
			w->pending_breaks = 1;
		flush_breaks(w);
		if (w->quote_depth > 0)
			w->quote_depth--;
		w->fresh = FALSE;
		want_breaks(w, 2);
		break;
	case EL_PRE:
		if (w->pre_depth > 0)
			w->pre_depth--;
		want_breaks(w, 2);
		break;
	case EL_PARA:
		want_breaks(w, 2);
		break;
	case EL_BLOCK:
	case EL_LI:
		want_breaks(w, 1);
		break;
	case EL_CELL:
		w->pending_space = TRUE;
		break;
	case EL_BR:
	case EL_INLINE:
	case EL_SKIP:
		break;
	}
}

/* Trim trailing spaces on every line and surrounding blank lines. */
static char *
finish(GString *out)
{
	GString *res = g_string_sized_new(out->len + 1);
	const char *p = out->str;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		gsize n = nl != NULL ? (gsize) (nl - p) : strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		g_string_append_len(res, p, n);
		if (nl == NULL)
			break;
		g_string_append_c(res, '\n');
		p = nl + 1;
	}
	g_string_free(out, TRUE);

	gsize start = 0;
	while (start < res->len && res->str[start] == '\n')
		start++;
	g_string_erase(res, 0, start);
	while (res->len > 0 && res->str[res->len - 1] == '\n')
		g_string_truncate(res, res->len - 1);
	return g_string_free(res, FALSE);
}

char *
_rd_html_to_text_utf8(const char *html, gsize len)
{
	if (html == NULL || len == 0)
		return g_strdup("");
	if (len > G_MAXINT)
		len = G_MAXINT;

	htmlDocPtr doc = htmlReadMemory(html, (int) len, NULL, "UTF-8",
	                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                                HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	                                HTML_PARSE_NOBLANKS | HTML_PARSE_IGNORE_ENC);
	if (doc == NULL)
		return g_strdup("");

	HtmlWriter w = { .out = g_string_sized_new(len / 2 + 16), .at_line_start = TRUE,
	                 .fresh = TRUE };

	/* Iterative pre-order walk: descend into children, on the way back up
	 * call leave_element for every element we entered. */
	xmlNodePtr node = xmlDocGetRootElement(doc);
	while (node != NULL) {
		gboolean descend = FALSE;

		if (node->type == XML_ELEMENT_NODE && node->name != NULL) {
			ElKind k = element_kind((const char *) node->name);
			if (k != EL_SKIP) {
				enter_element(&w, k);
				descend = node->children != NULL;
				if (!descend)
					leave_element(&w, k);
			}
		} else if ((node->type == XML_TEXT_NODE ||
		            node->type == XML_CDATA_SECTION_NODE) &&
		           node->content != NULL) {
			write_text(&w, (const char *) node->content);
		}

		if (descend) {
			node = node->children;
			continue;
		}
		/* go to the next sibling, closing finished parents */
		while (node != NULL && node->next == NULL) {
			node = node->parent;
			if (node == NULL || node->type != XML_ELEMENT_NODE)
				node = NULL;
			else
				leave_element(&w, element_kind((const char *) node->name));
		}
		if (node != NULL)
			node = node->next;
	}
	xmlFreeDoc(doc);

	char *text = finish(w.out);
	if (!g_utf8_validate(text, -1, NULL)) {
		char *valid = g_utf8_make_valid(text, -1);
		g_free(text);
		text = valid;
	}
	return text;
}

/* A charset named in <meta charset=…> or <meta http-equiv … content="…;
 * charset=…"> within the first few KiB; NULL if none. */
char *
_rd_html_sniff_charset(const char *html, gsize len)
{
	/* An empty part arrives as a NULL buffer; NULL + 0 is undefined. */
	if (html == NULL || len == 0)
		return NULL;
	gsize n = MIN(len, 4096);
	const char *end = html + n;
	for (const char *p = html; p + 8 < end; p++) {
		if (g_ascii_tolower(*p) != 'c' || g_ascii_strncasecmp(p, "charset", 7) != 0)
			continue;
		const char *q = p + 7;
		while (q < end && (*q == ' ' || *q == '='))
			q++;
		while (q < end && (*q == '"' || *q == '\''))
			q++;
		const char *s = q;
		while (q < end && (g_ascii_isalnum(*q) || *q == '-' || *q == '_' ||
		                   *q == '.' || *q == ':'))
			q++;
		if (q > s && q - s < 40)
			return g_strndup(s, q - s);
	}
	return NULL;
}

char *
rd_html_to_text(const char *html, gssize len)
{
	if (html == NULL)
		return g_strdup("");
	gsize n = len < 0 ? strlen(html) : (gsize) len;
	g_autofree char *cs = NULL;
	if (!g_utf8_validate_len(html, n, NULL))
		cs = _rd_html_sniff_charset(html, n);
	g_autofree char *utf8 = rd_to_utf8(html, n, cs);
	return _rd_html_to_text_utf8(utf8, strlen(utf8));
}
