/*
 * fuzz-config.c — libFuzzer target for the configuration file
 * (daemon/base/config.c rd_config_load): the line pre-check, GKeyFile, every
 * key's type and range, profiles and [services], the auth key rules.
 *
 * rd_config_load() reads a path, so each input is written to a memfd and
 * loaded as /proc/self/fd/N; nothing touches the disk.
 *
 * Invariants beyond the sanitizers, from base/base.h ("every problem is
 * reported as FILE:LINE: message lines"):
 *  - a failed load gives an RD_CONFIG_ERROR whose message is valid UTF-8,
 *    every line of it "PATH:LINE: ..." with LINE a number;
 *  - a successful load gives a configuration with a reference prefix and
 *    the parse limits pointing at it.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/base.h"
#include "fuzz.h"

static void
check_error(const GError *err, const char *path)
{
	rd_fuzz_check(g_error_matches(err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID),
	              "load failed with %s", err != NULL ? err->message : "no error");
	rd_fuzz_check(g_utf8_validate(err->message, -1, NULL), "error is not valid UTF-8");
	g_autofree char *prefix = g_strdup_printf("%s:", path);
	g_auto(GStrv) lines = g_strsplit(err->message, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];
		rd_fuzz_check(g_str_has_prefix(l, prefix), "error line '%s' does not name the file", l);
		const char *p = l + strlen(prefix);
		rd_fuzz_check(g_ascii_isdigit(*p), "error line '%s' has no line number", l);
		while (g_ascii_isdigit(*p))
			p++;
		rd_fuzz_check(g_str_has_prefix(p, ": "), "error line '%s' is not FILE:LINE: ...", l);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		rd_fuzz_init();
		fd = memfd_create("fuzz-config", 0);
		rd_fuzz_check(fd >= 0, "memfd_create failed");
		g_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	rd_fuzz_check(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size,
	              "cannot write the input");

	g_autoptr(GError) err = NULL;
	g_autoptr(RdConfig) cfg = rd_config_load(path, &err);
	if (cfg == NULL) {
		check_error(err, path);
		return 0;
	}
	rd_fuzz_check(err == NULL, "loaded with an error set");
	rd_fuzz_check(cfg->reference_prefix != NULL && cfg->limits.ref_prefix == cfg->reference_prefix,
	              "no reference prefix, or the limits do not use it");
	return 0;
}
