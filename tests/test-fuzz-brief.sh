#!/bin/sh
# test-fuzz-brief.sh — build the libFuzzer targets of tests/fuzz/ and run
# each for a few seconds (RD_FUZZ_SECONDS, default 3) from its seeds and
# regression inputs: a smoke test that they build, start and find nothing
# quickly. The long runs are `make fuzz`. Skipped without clang and its
# libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

command -v clang >/dev/null 2>&1 || skip_all "clang is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# clang alone is not enough: libFuzzer ships in a separate package.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' >"$tmp/t.c"
clang -fsanitize=fuzzer -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 ||
    skip_all "clang has no libFuzzer runtime (install libclang-rt-14-dev)"

check "the fuzz targets build" make --no-print-directory -j2 fuzz-build
for t in message refs templates holidays config staffcmd authres relay survey; do
    out=$(sh tests/fuzz/run.sh -b "${RD_FUZZ_SECONDS:-3}" "$t")
    status=$?
    echo "# $out"
    is "$status" 0 "fuzz-$t runs ${RD_FUZZ_SECONDS:-3} s without a finding"
done
done_testing
