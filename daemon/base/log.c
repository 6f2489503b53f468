/*
 * log.c — leveled log lines on stderr.
 *
 * Under systemd, stderr goes to the journal, which adds time stamps and the
 * unit name; so a line here is just "level: text". errno is preserved so a
 * caller can log and then still report strerror(errno). Message bodies and
 * passwords are never passed here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "base/base.h"

static RdLogLevel log_level = RD_LOG_INFO;

void
rd_log_set_level(RdLogLevel level)
{
	log_level = level;
}

void
rd_log(RdLogLevel level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	int saved = errno;
	if (level > log_level) {
		errno = saved;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "redress: %s: %s\n", names[level], text);
	errno = saved;
}
