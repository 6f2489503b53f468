/*
 * base-private.h — internals shared between the files of base/ that read
 * and check the configuration: the table of keys and the checks of one
 * value (config-keys.c), the file's lines and where each key is
 * (config-lines.c), and the reporter of the checks of config-check.c and
 * oauthcfg.c. The reader is config.c. Not for use outside the folder.
 */
#ifndef RD_BASE_PRIVATE_H
#define RD_BASE_PRIVATE_H

#include "base/base.h"

G_BEGIN_DECLS

/* What a key's value must look like. */
typedef enum {
	KEY_STRING, KEY_PREFIX, KEY_UINT, KEY_SIZE, KEY_LIST, KEY_NATION, KEY_TIME,
	KEY_DATES, KEY_EMAIL, KEY_LANG, KEY_BOOL, KEY_ANY, KEY_DURATION, KEY_SMTP_URL,
	KEY_IMAP_URL,
	KEY_EMAILS,    /* addresses separated by ',' (or ';'); may be empty */
	KEY_WORDS,     /* one or more words of a fixed few, joined by ',' */
	KEY_PERIOD     /* a retention period: 6y, 72m, 365d (procedure/retention.c) */
} RdKeyType;

/* One row of the key table. */
typedef struct {
	const char *group;    /* "smtp"; "mailbox:*" for every mailbox:ROLE */
	const char *key;      /* "*": any key (service names, profile settings) */
	RdKeyType type;
	guint64 min, max;     /* for KEY_UINT, KEY_SIZE and KEY_DURATION (seconds) */
} RdKeySpec;

/* The row for @key in [@group], or NULL if there is none (a typo). */
const RdKeySpec *rd_key_spec(const char *group, const char *key);
/* Whether any row is for [@group]. */
gboolean rd_key_group_known(const char *group);

/* Check @val (already stripped) against @spec; each problem is added to
 * @problems as a message without a location ("timeout must be …").
 * *@num_r gets the number of a KEY_UINT or KEY_SIZE, or the seconds of
 * a KEY_DURATION (0 otherwise). List items are read from @kf. */
void rd_key_check(const RdKeySpec *spec, GKeyFile *kf, const char *group, const char *key,
                  const char *val, guint64 *num_r, GPtrArray *problems);

/* A KEY_BOOL value that has passed rd_key_check(): true or false. */
gboolean rd_key_is_true(const char *val);
/* The ';'-separated items of @key in [@group], stripped, empty ones
 * dropped. Newly allocated, NULL-terminated. */
char **rd_key_items(GKeyFile *kf, const char *group, const char *key);

/* The items of a KEY_EMAILS or KEY_WORDS value @val, split at ',' and
 * ';', stripped, empty ones dropped. Newly allocated, NULL-terminated. */
char **rd_key_words(const char *val);

/* @val looks like one email address (what KEY_EMAIL checks). */
gboolean rd_config_is_email(const char *val);

/* What is wrong with [smtp] url @url, or NULL if nothing. Newly allocated. */
char *rd_smtp_url_problem(const char *url);

/* ---- the file's lines (config-lines.c) ----------------------------------- */

/* Where each group and key of a configuration file is, and which keys
 * have had a problem reported while it was read (so that the checks after
 * do not report them again). Owned by the RdConfig. */
struct _RdConfigFile {
	char *path;
	GHashTable *lines;       /* "group" → line of its first header;
	                            "group\nkey" → line of its (last) value */
	GHashTable *reported;    /* "group\nkey" */
};
typedef struct _RdConfigFile RdConfigFile;

RdConfigFile *rd_config_file_new(const char *path);
void rd_config_file_free(RdConfigFile *f);
/* Scan the @len bytes of @text line by line as GKeyFile will read them:
 * record in @f where each group and key is, and add "PATH:LINE: message\n"
 * to @errs for each malformed line. Returns the text to give GKeyFile:
 * the same lines, malformed ones blanked and a header without its ']'
 * completed where it names a group. Newly allocated. */
char *rd_config_file_scan(RdConfigFile *f, const char *text, gsize len, GString *errs);
/* The line of @key in [@group] (@key NULL: of the group's header); 0 if
 * it is not in the file. */
guint rd_config_file_line(const RdConfigFile *f, const char *group, const char *key);
void rd_config_file_mark(RdConfigFile *f, const char *group, const char *key);
gboolean rd_config_file_marked(const RdConfigFile *f, const char *group, const char *key);

/* ---- reporting what the checks find (config-check.c) ------------------ */

/* Where a check puts the problems it finds. Each is about key @key of
 * [@group] (@key NULL: the group as a whole, e.g. a key it lacks) and
 * reads "[group] what is wrong — what to do". */
typedef struct {
	const RdConfig *cfg;     /* gives FILE:LINE, and the keys already
	                            reported while reading (skipped); NULL:
	                            no location */
	GString *errs;           /* every problem, a line each; NULL: only
	                            the first, into @error */
	GError **error;          /* RD_CONFIG_ERROR_INVALID; may be NULL */
	const char *who;         /* said instead of "[group]", e.g.
	                            "mailbox complaints:"; NULL: "[group]" */
	guint n;                 /* problems found (those already reported
	                            by the reader too) */
} RdCheck;

void rd_check_problem(RdCheck *c, const char *group, const char *key, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* The secret file @path named by @key can be read as rd_secret_read()
 * reads it (owner, mode, one line). */
void rd_check_secret(RdCheck *c, const char *group, const char *key, const char *path);
/* The CA file @path named by @key can be read and holds PEM certificates. */
void rd_check_ca_file(RdCheck *c, const char *group, const char *key, const char *path);

/* The oauth_* keys of [@group] (oauthcfg.c): complete for their grant,
 * an https:// endpoint, a readable oauth_ca_file; with @files also the
 * secret files and the refresh token's folder. @auth_key is the key
 * that asked for XOAUTH2 (imap_auth or auth). */
void rd_oauth_check(RdCheck *c, const RdOAuthConfig *o, const char *group, const char *auth_key,
                    gboolean files);

G_END_DECLS

#endif /* RD_BASE_PRIVATE_H */
