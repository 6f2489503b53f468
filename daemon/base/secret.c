/*
 * secret.c — secrets kept in files: passwords, OAuth client secrets and
 * refresh tokens.
 *
 * The rule is msmtp's and OpenSMTPD's: a secret file is a regular file
 * (no symlink followed) owned by the user redress runs as or by root (a
 * systemd credential), that nobody else may read or write. A file that
 * breaks it is refused with the chmod that fixes it, before anything
 * touches the network. Secrets are wiped from memory when dropped.
 *
 * A refresh token that the provider rotates is written back with
 * rd_secret_write(): a new file beside the old one, fsync'd, renamed over
 * it and the folder fsync'd, so a crash leaves either the old token or
 * the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/base.h"

#define MAX_SECRET 16384   /* a refresh token from Entra ID can pass 2 KB */

/* Why @path could not be opened (@e its errno), and what to do. */
static void
set_open_error(GError **error, const char *what, const char *path, int e)
{
	if (e == ELOOP)
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "%s %s: it is a symbolic link; name the file itself", what, path);
	else if (e == EACCES)
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "%s %s: cannot read it: %s — make it readable by the user redress runs as and by nobody "
		            "else (chown that user, chmod 600)", what, path, g_strerror(e));
	else
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO, "%s %s: cannot read it: %s", what, path,
		            g_strerror(e));
}

/* Whether @st is a file only we (or root) can read and change; if not,
 * @error says how to make it so. */
static gboolean
safe_file(const struct stat *st, const char *what, const char *path, GError **error)
{
	if (!S_ISREG(st->st_mode)) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s %s: not a regular file", what, path);
		return FALSE;
	}
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "%s %s: refused: other users can read or change it (mode %04o). Fix it with: chmod 600 %s",
		            what, path, (unsigned)(st->st_mode & 07777), path);
		return FALSE;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "%s %s: refused: it belongs to uid %u, not to the user redress runs as (uid %u) or root. "
		            "Fix it with: chown %u %s", what, path, (unsigned)st->st_uid, (unsigned)geteuid(),
		            (unsigned)geteuid(), path);
		return FALSE;
	}
	if (st->st_size > MAX_SECRET) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		            "%s %s: too long (%lld bytes) to be a secret", what, path, (long long)st->st_size);
		return FALSE;
	}
	return TRUE;
}

char *
rd_secret_read(const char *path, const char *what, GError **error)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		set_open_error(error, what, path, errno);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !safe_file(&st, what, path, error)) {
		if (error != NULL && *error == NULL)
			set_open_error(error, what, path, errno);
		close(fd);
		return NULL;
	}
	char *buf = g_malloc0(MAX_SECRET + 1);
	gsize len = 0;
	ssize_t n = 0;
	while (len < MAX_SECRET) {
		n = read(fd, buf + len, MAX_SECRET - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	/* One line: trailing newlines (an editor's) are not part of it. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	const char *problem = n < 0 ? "cannot read it"
	                    : len == 0 ? "it is empty"
	                    : len >= MAX_SECRET ? "it is too long to be a secret"
	                    : strlen(buf) != len || strpbrk(buf, "\r\n") != NULL ? "it must hold the secret on one line"
	                    : NULL;
	if (problem != NULL) {
		explicit_bzero(buf, MAX_SECRET + 1);
		g_free(buf);
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s %s: %s", what, path, problem);
		return NULL;
	}
	return buf;
}

void
rd_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	g_free(secret);
}

static gboolean
write_all(int fd, const char *p, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean
rd_secret_write(const char *path, const char *value, const char *what, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	/* A fresh name (O_EXCL, mode 0600) beside the file, so the rename is
	 * atomic and two writers never share a temporary file. */
	g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "cannot write the new %s beside %s: %s (redress needs write access to %s)", what, path,
		            g_strerror(e), dir);
		return FALSE;
	}
	/* Owned like the file it replaces: a run as root must not take the
	 * token away from the service's own user. */
	struct stat old;
	gboolean ok = TRUE;
	int e = 0;
	if (stat(path, &old) == 0 && old.st_uid != geteuid() && fchown(fd, old.st_uid, old.st_gid) != 0) {
		ok = FALSE;
		e = errno;
	}
	g_autofree char *line = g_strconcat(value, "\n", NULL);
	if (ok && !(write_all(fd, line, strlen(line)) && fsync(fd) == 0)) {
		ok = FALSE;
		e = errno;
	}
	explicit_bzero(line, strlen(line));
	if (close(fd) != 0 && ok) {
		ok = FALSE;
		e = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = FALSE;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO, "cannot replace %s %s: %s", what, path,
		            g_strerror(e));
		return FALSE;
	}
	/* The rename is only durable once the folder is. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		e = errno;
		if (dfd >= 0)
			close(dfd);
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO,
		            "%s %s was replaced but its folder could not be synced: %s", what, path, g_strerror(e));
		return FALSE;
	}
	close(dfd);
	return TRUE;
}
