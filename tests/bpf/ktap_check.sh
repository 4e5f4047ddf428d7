#!/bin/sh
# ktap_check [--all-ok] FILE: checks that FILE is well-formed KTAP version 1 as ktap.rst defines it
# and as the KTAP printer writes it: a version line, then a plan; result lines numbered 1, 2, ...
# up to the plan; nested tests two spaces in, each with its own version line and plan and ended by
# its parent's result line, which is "not ok" if any of them is; diagnostic lines at the level they
# belong to; no other line. With --all-ok every result must also be "ok" without SKIP.
# Prints the counts; exit status 0 if the file passes, 1 if not (saying where). POSIX sh and awk
# only: it runs in the kernel matrix's guests too.
set -eu
all_ok=0
if [ "${1:-}" = --all-ok ]; then all_ok=1; shift; fi
[ $# -eq 1 ] || { echo "usage: ktap_check.sh [--all-ok] FILE" >&2; exit 2; }

awk -v all_ok="$all_ok" '
function bad(why) { printf "ktap_check: line %d: %s: [%s]\n", NR, why, $0; failed = 1; exit 1 }
# A level: its indentation, its plan (-1 until seen), its results so far, any "not ok" among them.
function open_level(indent) { depth++; ind[depth] = indent; plan[depth] = -1; seen[depth] = 0; nok[depth] = 0 }
function close_level() {
    if (seen[depth] != plan[depth]) bad("the plan says " plan[depth] " tests, " seen[depth] " results came")
    depth--
}
{
    match($0, /^ */); indent = RLENGTH; text = substr($0, indent + 1)
    if (NR == 1) {
        if ($0 != "KTAP version 1") bad("the first line is not \"KTAP version 1\"")
        open_level(0); next
    }
    if (text == "KTAP version 1") {
        if (plan[depth] < 0) bad("a subtest before its parent has a plan")
        if (indent != ind[depth] + 2) bad("a subtest not two spaces in from its parent")
        open_level(indent); next
    }
    if (text ~ /^#( |$)/) {
        if (indent != ind[depth]) bad("a diagnostic line not at its level")
        next
    }
    if (text ~ /^1\.\.[0-9]+( # .*)?$/) {
        if (indent != ind[depth]) bad("a plan not at its level")
        if (plan[depth] >= 0) bad("a second plan")
        n = text; sub(/^1\.\./, "", n); sub(/ .*/, "", n); plan[depth] = n + 0
        next
    }
    if (text ~ /^(not )?ok [0-9]+( [^#]*)?( # .*)?$/) {
        # A result two spaces out ends the nested tests: it is their parent'\''s.
        nested_failed = 0
        if (indent == ind[depth] - 2 && depth > 1) { nested_failed = nok[depth]; close_level() }
        if (indent != ind[depth]) bad("a result not at its level")
        if (plan[depth] < 0) bad("a result before the plan")
        n = text; sub(/^(not )?ok /, "", n); sub(/[^0-9].*/, "", n)
        if (n + 0 != seen[depth] + 1) bad("result " n " where " seen[depth] + 1 " was due")
        seen[depth]++
        is_not_ok = text ~ /^not ok /
        if (nested_failed && !is_not_ok) bad("ok, but a subtest of it is not ok")
        if (is_not_ok) { nok[depth] = 1; not_ok_count++ } else if (text ~ / # SKIP( |$)/) { skip_count++ } else { ok_count++ }
        if (depth == 1) top++; else subtests++
        if (all_ok && (is_not_ok || text ~ / # SKIP( |$)/)) bad("not a plain ok")
        next
    }
    bad("not a KTAP line")
}
END {
    if (failed) exit 1
    if (NR == 0) { print "ktap_check: empty output"; exit 1 }
    if (depth != 1) bad("the output ends inside a subtest")
    close_level()
    printf "ktap_check: well-formed: %d tests, %d subtests; results: ok %d, not ok %d, skip %d\n", top, subtests, ok_count, not_ok_count, skip_count
}' "$1"
