/*
 * fuzz.h — what the fuzz targets in tests/fuzz/ share.
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput(). Under libFuzzer that is
 * the fuzzer's callback; linked with replay.c instead it is called once per
 * saved input, so the regression inputs run in `make test` without clang.
 *
 * A target reports a broken invariant through rd_fuzz_check(), which
 * prints what was expected and aborts: libFuzzer then saves the input as a
 * crash, and the replay reports the file as failed.
 */
#ifndef RD_FUZZ_H
#define RD_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define rd_fuzz_check(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* Criticals (a g_return_if_fail() that failed) and warnings mean a caller
 * broke a precondition: under fuzzing that is a finding, not noise. */
static inline void
rd_fuzz_init(void)
{
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING |
	                       G_LOG_FLAG_FATAL);
}

/* @s, or "(null)", for messages. */
static inline const char *
rd_fuzz_str(const char *s)
{
	return s != NULL ? s : "(null)";
}

#endif /* RD_FUZZ_H */
