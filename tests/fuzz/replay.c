/*
 * replay.c — run one fuzz target's saved inputs without libFuzzer, as a
 * TAP test program.
 *
 * Linked with one fuzz-*.c, it feeds LLVMFuzzerTestOneInput() every file
 * of tests/fuzz/regressions/ whose name starts with RD_FUZZ_PREFIX
 * ("message-", "config-", ...) and every hand-made seed under
 * tests/fuzz/seeds/RD_FUZZ_NAME/, each as one TAP line. A target signals a
 * broken invariant by aborting, so a failing input stops the program: the
 * lines before it say which files passed, the missing plan says it failed.
 * The file about to run is printed first as a "# " line so the log names
 * the culprit.
 */
#include <string.h>

#include "fuzz.h"

#ifndef RD_FUZZ_NAME
#error "compile with -DRD_FUZZ_NAME=\"message\" -DRD_FUZZ_PREFIX=\"message-\""
#endif

static int
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted paths of the files in @dir whose names start with @prefix. */
static void
list_inputs(const char *dir, const char *prefix, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	if (d == NULL)
		return;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(name, prefix))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(out, g_build_filename(dir, names->pdata[i], NULL));
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func(g_free);
	if (argc > 1) {
		/* Files named on the command line, for reproducing by hand. */
		for (int i = 1; i < argc; i++)
			g_ptr_array_add(inputs, g_strdup(argv[i]));
	} else {
		list_inputs(RD_SRCDIR "/tests/fuzz/regressions", RD_FUZZ_PREFIX, inputs);
		list_inputs(RD_SRCDIR "/tests/fuzz/seeds/" RD_FUZZ_NAME, "", inputs);
	}
	if (inputs->len == 0) {
		printf("1..0 # SKIP no saved inputs for %s\n", RD_FUZZ_NAME);
		return 0;
	}

	for (guint i = 0; i < inputs->len; i++) {
		const char *path = inputs->pdata[i];
		g_autofree char *data = NULL;
		gsize len = 0;
		g_autoptr(GError) err = NULL;
		printf("# %s\n", path);
		fflush(stdout);
		if (!g_file_get_contents(path, &data, &len, &err)) {
			printf("not ok %u - %s: %s\n", i + 1, path, err->message);
			continue;
		}
		/* An exact-size copy, so ASan sees a read past the end as
		 * libFuzzer's buffer would. */
		g_autofree guint8 *copy = g_memdup2(data, len);
		LLVMFuzzerTestOneInput(copy, len);
		g_autofree char *base = g_path_get_basename(path);
		printf("ok %u - %s %s\n", i + 1, RD_FUZZ_NAME, base);
		fflush(stdout);
	}
	printf("1..%u\n", inputs->len);
	return 0;
}
