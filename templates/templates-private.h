/*
 * templates-private.h — internals shared between the files of templates/.
 * Not for use outside the folder (tests may include it).
 */
#ifndef RD_TEMPLATES_PRIVATE_H
#define RD_TEMPLATES_PRIVATE_H

#include "templates.h"

G_BEGIN_DECLS

/* The list @name of @values (items are RdTplValues *), or NULL. Owned by
 * @values. */
const GPtrArray *rd_tpl_values_get_list(const RdTplValues *values,
                                        const char *name);

/* Largest template file rd_template_load_dir() reads, bytes. */
#define RD_TEMPLATE_MAX_FILE (1024 * 1024)

/* Deepest nesting of {{#if}}/{{#each}} blocks the parser accepts. */
#define RD_TEMPLATE_MAX_DEPTH 32

G_END_DECLS

#endif /* RD_TEMPLATES_PRIVATE_H */
