/*
 * templates.h — letter templates, the renderer and the MIME letter builder.
 *
 * This is the only public header of templates/. It has four parts:
 *
 *  1. Values (RdTplValues): what a template is filled with. A flat map of
 *     dotted names ("case.reference") to strings, plus named lists whose
 *     items are themselves value maps.
 *  2. Templates (RdTemplate): one parsed template source. The language is
 *     {{name}}, {{#if name}}…{{else}}…{{/if}}, {{#unless name}}…{{/unless}},
 *     {{#each list}}…{{/each}} with {{.}} and {{item.field}} inside, and
 *     {{! comments }}; templates/README.md describes it in full.
 *     rd_template_check() validates every name against an allowed list
 *     without any values, so a bad template fails at start-up, never at
 *     send time. Rendering never fails: a missing value renders empty.
 *  3. Template sets (RdTemplateSet): every letter of a directory laid out as
 *     <dir>/<lang>/<name>.{subject,txt,html}, keyed by (name, lang).
 *  4. Letters (RdLetter): a rendered subject and text and HTML bodies made
 *     into one serialized multipart/alternative message with the headers
 *     every letter carries (Auto-Submitted, threading, Reply-To, ...).
 *
 * Invariants:
 *  - The module is pure: no network, no database, no config; the only files
 *    read are the templates under the directory the caller names.
 *  - In HTML mode every substituted value is escaped; the template's own
 *    markup is kept as written.
 *  - No header of a built letter can carry CR, LF or NUL from a value: they
 *    are replaced by spaces before GMime sees the value.
 *
 * Errors: functions that can fail take GError **error last and return
 * FALSE / NULL with the error set (domain RD_TEMPLATE_ERROR). Messages
 * about template sources read "FILE:LINE: message", one per line, all
 * problems at once.
 *
 * Depends on GLib and GMime 3 only.
 */
#ifndef RD_TEMPLATES_H
#define RD_TEMPLATES_H

#include <glib.h>

G_BEGIN_DECLS

/* Call once before rd_letter_build() (idempotent, thread-safe). The
 * renderer itself needs no initialisation. */
void rd_templates_init(void);

#define RD_TEMPLATE_ERROR (rd_template_error_quark())
GQuark rd_template_error_quark(void);

typedef enum {
	RD_TEMPLATE_ERROR_SYNTAX,    /* bad tag, unbalanced block */
	RD_TEMPLATE_ERROR_UNKNOWN,   /* a name not in the allowed list */
	RD_TEMPLATE_ERROR_LOAD,      /* a directory or file cannot be read, or a
	                                letter lacks one of its three parts */
	RD_TEMPLATE_ERROR_NOT_FOUND, /* no such letter in the set */
	RD_TEMPLATE_ERROR_INVALID,   /* a letter field is missing or malformed
	                                (address, Message-ID, language) */
} RdTemplateError;

/* ---- values ---------------------------------------------------------- */

typedef struct _RdTplValues RdTplValues;

RdTplValues *rd_tpl_values_new(void);
void rd_tpl_values_free(RdTplValues *values);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdTplValues, rd_tpl_values_free)

/* Set @name to a copy of @value; NULL removes it. Invalid UTF-8 is
 * repaired (U+FFFD) so that output is always valid UTF-8. */
void rd_tpl_values_set(RdTplValues *values, const char *name, const char *value);

/* A flag for {{#if name}}: TRUE sets "yes", FALSE sets "" (false). */
void rd_tpl_values_set_flag(RdTplValues *values, const char *name, gboolean on);

/* The value of @name, or NULL. Owned by @values. */
const char *rd_tpl_values_get(const RdTplValues *values, const char *name);

/* Append a new, empty item to the list @list_name (creating the list) and
 * return it for the caller to fill with rd_tpl_values_set(); inside
 * {{#each list_name}} its "field" is {{item.field}}. The item is owned by
 * @values and lives as long as it. */
RdTplValues *rd_tpl_values_add_item(RdTplValues *values, const char *list_name);

/* Append a plain string item, shown by {{.}} inside {{#each list_name}}. */
void rd_tpl_values_add_string(RdTplValues *values, const char *list_name,
                              const char *value);

/* ---- templates ------------------------------------------------------- */

typedef enum {
	RD_TPL_TEXT,  /* values are copied as they are */
	RD_TPL_HTML,  /* values are HTML-escaped: & < > " ' */
} RdTplMode;

typedef struct _RdTemplate RdTemplate;

/* Parse @len bytes of @source (-1: NUL-terminated). @filename is used only
 * in messages. Unbalanced or malformed tags are RD_TEMPLATE_ERROR_SYNTAX,
 * every one reported as "FILE:LINE: ...". Source that is not UTF-8 is an
 * error too. The result is immutable and may be shared between threads. */
RdTemplate *rd_template_parse(const char *source, gssize len,
                              const char *filename, GError **error);
void rd_template_free(RdTemplate *tpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdTemplate, rd_template_free)

/* The file name given at parse time. Owned by @tpl. */
const char *rd_template_get_filename(const RdTemplate *tpl);

/* Check every name @tpl uses against @allowed_names (NULL-terminated).
 * An entry "x" allows {{x}} and {{#if x}}; "x[]" is a list and allows
 * {{#each x}} and {{#if x}}; "x[].f" allows {{item.f}} inside
 * {{#each x}}. {{.}} is allowed inside any {{#each}}. Every unknown name
 * is reported at once as "FILE:LINE: unknown variable 'x'" (error
 * RD_TEMPLATE_ERROR_UNKNOWN). */
gboolean rd_template_check(const RdTemplate *tpl,
                           const char *const *allowed_names, GError **error);

/* Render @tpl with @values (may be NULL). A name without a value renders
 * empty and is false in {{#if}}. Never fails; the result is valid UTF-8
 * and owned by the caller. */
char *rd_template_render(const RdTemplate *tpl, const RdTplValues *values,
                         RdTplMode mode);

/* ---- the letters and their variables --------------------------------- */

/* The names the shipped letters may use, in the rd_template_check()
 * format, NULL-terminated. Static; never free. templates/README.md says
 * what each one means. */
const char *const *rd_letter_variable_names(void);

/* ---- template sets --------------------------------------------------- */

typedef struct _RdTemplateSet RdTemplateSet;

/* Load every letter under @dir, laid out as <dir>/<lang>/<name>.subject,
 * <name>.txt and <name>.html. <lang> is a language tag such as "en" or
 * "cy"; other files and directories are ignored. A letter missing one of
 * its three parts, an unreadable file or a syntax error fails the load;
 * all such problems are reported at once. The set does not check names:
 * call rd_template_set_check() for that. */
RdTemplateSet *rd_template_load_dir(const char *dir, GError **error);
void rd_template_set_free(RdTemplateSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdTemplateSet, rd_template_set_free)

/* rd_template_check() on every template of @set, all errors at once. */
gboolean rd_template_set_check(const RdTemplateSet *set,
                               const char *const *allowed_names,
                               GError **error);

/* TRUE if @set has the letter @name in @lang. */
gboolean rd_template_set_has(const RdTemplateSet *set, const char *name,
                             const char *lang);

/* The letter names in @set (each once, sorted), NULL-terminated. Free with
 * g_strfreev(). */
char **rd_template_set_list_names(const RdTemplateSet *set);

/* The languages in @set (sorted), NULL-terminated. Free with g_strfreev(). */
char **rd_template_set_list_langs(const RdTemplateSet *set);

typedef struct {
	char *subject;   /* one line: newlines and surrounding space removed */
	char *text;      /* text/plain body */
	char *html;      /* text/html body, values escaped */
} RdRenderedLetter;

void rd_rendered_letter_free(RdRenderedLetter *letter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdRenderedLetter, rd_rendered_letter_free)

/* Render the letter @name in @lang. RD_TEMPLATE_ERROR_NOT_FOUND if the set
 * has no such letter (there is no silent fallback to another language). */
RdRenderedLetter *rd_template_set_render(const RdTemplateSet *set,
                                         const char *name, const char *lang,
                                         const RdTplValues *values,
                                         GError **error);

/* ---- the MIME letter ------------------------------------------------- */

/* Everything a letter needs. Strings are UTF-8 and borrowed for the call.
 * Message-IDs are given without angle brackets. CR, LF and NUL in any of
 * them are replaced by spaces before they reach a header. */
typedef struct {
	const char *from_name;      /* council name, may be NULL */
	const char *from_address;   /* required */
	const char *to_name;        /* may be NULL */
	const char *to_address;     /* required */
	const char *reply_to;       /* the case token address, may be NULL */
	const char *subject;        /* required */
	const char *reference;      /* case reference; if set and not already in
	                               the subject it is appended as " [REF]" */
	const char *text_body;      /* required */
	const char *html_body;      /* required */
	const char *message_id;     /* required, see rd_letter_message_id() */
	const char *in_reply_to;    /* the complainant's message, may be NULL */
	const char *const *references; /* NULL-terminated, may be NULL; when
	                               NULL, in_reply_to alone is used */
	const char *language;       /* Content-Language, e.g. "en" or "cy";
	                               NULL means "en" */
	gboolean auto_generated;    /* FALSE: Auto-Submitted: auto-replied (a
	                               reply to the complainant); TRUE:
	                               auto-generated (reminders, staff notices) */
	GDateTime *date;            /* Date header; NULL means now */
	const struct _RdLetterAttachment *attachments; /* @n_attachments files
	                               sent with the letter (a staff reply's),
	                               after the text and HTML; may be NULL */
	gsize n_attachments;
} RdLetter;

/* A file sent with a letter. */
typedef struct _RdLetterAttachment {
	const char *filename;       /* may be NULL */
	const char *content_type;   /* "type/subtype"; NULL: application/octet-stream.
	                               message/rfc822: @data is a whole message */
	const void *data;
	gsize len;
} RdLetterAttachment;

/* Build the message: multipart/alternative of text/plain and text/html,
 * both charset=utf-8 quoted-printable; From, To, Reply-To, Subject
 * (RFC 2047 when not ASCII), Date, Message-ID, In-Reply-To, References,
 * Auto-Submitted, X-Auto-Response-Suppress: All, Content-Language,
 * MIME-Version. Addresses must be plain addr-specs (local@domain);
 * a malformed address or Message-ID of ours is RD_TEMPLATE_ERROR_INVALID.
 * A malformed In-Reply-To or References entry (it came from someone else's
 * mail) is left out rather than failing the letter.
 *
 * Returns the serialized message with CRLF line ends, ready for SMTP
 * DATA (the SMTP layer does the dot-stuffing). Owned by the caller. */
GBytes *rd_letter_build(const RdLetter *letter, GError **error);

/* A new Message-ID (without angle brackets) that names the case:
 * "<ref>.<kind>.<random>@<domain>", e.g.
 * "cmp-2026-000123.ack1.5f3a9c0e2b7d4a61@council.example". @ref and @kind
 * are lower-cased and anything outside [a-z0-9-] becomes '-'; @ref may be
 * NULL for mail about no case ("none"). The random part is 16 hex digits.
 * Owned by the caller. */
char *rd_letter_message_id(const char *ref, const char *kind,
                           const char *domain);

G_END_DECLS

#endif /* RD_TEMPLATES_H */
