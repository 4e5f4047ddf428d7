#!/bin/sh
# ktap_sample_test KTAP_CHECK KTAP_SAMPLE EXPECTED: the failure path of xvip-selftest's output,
# through ktap-sample (the same command line and printer over cases that pass, fail, skip and throw
# on purpose): a failure is "not ok" after its messages as "# " lines and the exit status is 1, as
# EXPECTED shows line for line; then the command line's options and errors; then the checker, which
# must refuse malformed KTAP. No privileges needed.
set -eu
check=$1 sample=$2 expected=$3
dir=$(mktemp -d /tmp/ktap-sample.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
fail=0
say() { printf 'ktap_sample_test: %s\n' "$*"; }

# run EXPECTED_STATUS ARGS...: runs the sample into $dir/out and $dir/err, checks the exit status.
run() {
    want=$1; shift
    status=0
    "$sample" "$@" >"$dir/out" 2>"$dir/err" || status=$?
    if [ $status -ne "$want" ]; then
        say "ktap-sample $*: exit status $status, not $want"; cat "$dir/out" "$dir/err"; fail=1
    fi
}

run 1
"$check" "$dir/out" || fail=1
# Line numbers in the diagnostics follow the source; the rest must be exactly as expected.
sed -E 's/^( *# [A-Za-z0-9_.-]+):[0-9]+: Failure$/\1:LINE: Failure/' "$dir/out" >"$dir/normalised"
if ! diff -u "$expected" "$dir/normalised"; then
    say "the sample's KTAP differs from $expected"; fail=1
fi

run 0 --help
grep -q '^Usage: ktap-sample \[--list\] \[FILTER\]$' "$dir/out" || { say "--help prints no usage line"; fail=1; }
run 0 --list
printf '%s\n' KtapSample.Passes KtapSample.FailsWithItsMessages KtapSample.Skips KtapSkipped.Skips \
    KtapThrows.Throws | diff -u - "$dir/out" || { say "--list does not name every case"; fail=1; }
run 0 --list 'KtapSample.*-*Fails*'
printf '%s\n' KtapSample.Passes KtapSample.Skips | diff -u - "$dir/out" || { say "--list ignores the filter"; fail=1; }
run 0 KtapSample.Passes
"$check" --all-ok "$dir/out" || fail=1
run 4 'KtapSkipped.*'
"$check" "$dir/out" || fail=1
run 4 -- '-KtapSample.*:KtapThrows.*'
grep -qx 'ok 1 KtapSkipped # SKIP every test case skipped' "$dir/out" || { say "'--' FILTER not applied"; fail=1; }
run 2 'NoSuchTest*'
grep -qF "no test matches 'NoSuchTest*'" "$dir/err" || { say "no message for a filter matching nothing"; fail=1; }
run 2 --bogus
grep -qF "unknown option '--bogus'" "$dir/err" || { say "no message for an unknown option"; fail=1; }
[ -s "$dir/out" ] && { say "output on stdout for an unknown option"; fail=1; }
run 2 KtapSample.Passes KtapThrows.Throws
grep -qF "one FILTER at most" "$dir/err" || { say "no message for two filters"; fail=1; }

# refused NAME KTAP: the checker must refuse it (a checker that passes anything proves nothing).
refused() {
    printf '%s\n' "$2" >"$dir/bad"
    if "$check" "$dir/bad"; then say "the checker accepted: $1"; fail=1; fi
}
refused "no version line" "$(printf '1..1\nok 1 a')"
refused "fewer results than planned" "$(printf 'KTAP version 1\n1..2\nok 1 a')"
refused "numbers out of order" "$(printf 'KTAP version 1\n1..2\nok 2 a\nok 1 b')"
refused "ok over a subtest that is not" "$(printf 'KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 a\nok 1 s')"
refused "a subtest four spaces in" "$(printf 'KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 a\nok 1 s')"
refused "the end inside a subtest" "$(printf 'KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 a')"
refused "a line that is not KTAP" "$(printf 'KTAP version 1\n1..1\nRunning main() from gtest_main.cc\nok 1 a')"
printf 'KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 a\nnot ok 1 s\n' >"$dir/bad"
"$check" --all-ok "$dir/bad" >/dev/null && { say "--all-ok accepted a not ok"; fail=1; }

[ $fail -eq 0 ] && say "ok: failures reported as expected, command line and checker as specified"
exit $fail
