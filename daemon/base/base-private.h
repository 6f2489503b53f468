/*
 * base-private.h — internals shared between the files of base/: the table
 * of configuration keys and the checks of their values (config-keys.c),
 * used by the reader (config.c). Not for use outside the folder.
 */
#ifndef RD_BASE_PRIVATE_H
#define RD_BASE_PRIVATE_H

#include "base/base.h"

G_BEGIN_DECLS

/* What a key's value must look like. */
typedef enum {
	KEY_STRING, KEY_PREFIX, KEY_UINT, KEY_SIZE, KEY_LIST, KEY_NATION, KEY_TIME,
	KEY_DATES, KEY_EMAIL, KEY_LANG, KEY_BOOL, KEY_ANY, KEY_DURATION, KEY_URL
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

/* Line number of "key =" inside "[group]" in @text (@key NULL: of the
 * group's header), or 0. GKeyFile keeps no line numbers. */
guint rd_key_line_of(const char *text, const char *group, const char *key);

G_END_DECLS

#endif /* RD_BASE_PRIVATE_H */
