#!/bin/sh
# xvip_selftest_test KTAP_CHECK XVIP_SELFTEST: runs xvip-selftest as kernel CI would (no arguments,
# KTAP on stdout) and checks its output: well-formed KTAP with every result ok, one subtest per
# test case --list names, kselftest's totals agreeing, exit status 0. Then without capabilities:
# kselftest's skip (exit status 4) with the reason. Needs root, as the program.
set -eu
check=$1 selftest=$2
out=$(mktemp /tmp/xvip-selftest.XXXXXX)
trap 'rm -f "$out" "$out.list" "$out.err"' EXIT INT TERM
fail=0
say() { printf 'xvip_selftest_test: %s\n' "$*"; }

status=0
"$selftest" >"$out" || status=$?
if [ $status -ne 0 ]; then
    cat "$out"
    say "exit status $status, not 0"
    fail=1
fi
"$check" --all-ok "$out" || { cat "$out"; fail=1; }

"$selftest" --list >"$out.list"
cases=$(wc -l <"$out.list")
subtests=$(grep -c '^  \(not \)\{0,1\}ok ' "$out" || true)
if [ "$cases" -eq 0 ] || [ "$subtests" -ne "$cases" ]; then
    say "$subtests subtests in the KTAP output, $cases test cases listed"
    fail=1
fi
totals="# Totals: pass:$cases fail:0 xfail:0 xpass:0 skip:0 error:0"
if ! grep -qx "$totals" "$out"; then
    say "no \"$totals\" line"; fail=1
fi

# Root with an empty bounding set gains no capability at exec.
status=0
setpriv --bounding-set=-all --inh-caps=-all "$selftest" >"$out" 2>"$out.err" || status=$?
if [ $status -ne 4 ] || ! printf 'KTAP version 1\n1..0 # SKIP needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (root)\n' | cmp -s - "$out" ||
    ! grep -q 'needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (run it as root)' "$out.err"; then
    cat "$out" "$out.err"
    say "without capabilities: exit status $status, not kselftest's skip (4) with the reason"
    fail=1
fi
[ $fail -eq 0 ] && say "ok: $cases test cases passed, KTAP well-formed; skipped without capabilities"
exit $fail
