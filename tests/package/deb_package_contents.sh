#!/bin/sh
# deb_package_contents CPACK BUILD_DIR PREFIX SYSCONFDIR: runs cpack for the build into a temporary
# directory and checks the .deb: every file an installation needs, its runtime dependencies
# (from dpkg-shlibdeps) and its maintainer scripts. Needs a finished build; no privileges.
set -eu
cpack=$1 build=$2 prefix=$3 etc=$4
out=$(mktemp -d /tmp/xvip-deb.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM
fail=0
say() { printf 'deb_package_contents: %s\n' "$*"; }

if ! (cd "$build" && "$cpack" -G DEB -B "$out" >"$out/cpack.log" 2>&1); then
    cat "$out/cpack.log"
    say "cpack failed"
    exit 1
fi
deb=$(ls "$out"/*.deb)
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$out/files"

for path in \
    "$prefix/sbin/xvipd" \
    "$prefix/sbin/xvipctl" \
    "$prefix/sbin/xvip-selftest" \
    "$prefix/lib/systemd/system/xvipd.service" \
    "$etc/xvip/xvip.toml.example" \
    "$prefix/share/man/man8/xvipd.8.gz" \
    "$prefix/share/man/man8/xvipctl.8.gz" \
    "$prefix/share/man/man8/xvip-selftest.8.gz"; do
    if grep -qx "$path" "$out/files"; then
        say "ok: $path"
    else
        say "MISSING: $path"
        fail=1
    fi
done

# The unit starts the xvipd the package installs.
dpkg-deb -x "$deb" "$out/root"
if ! grep -qx "ExecStart=$prefix/sbin/xvipd --config /etc/xvip/xvip.toml" "$out/root$prefix/lib/systemd/system/xvipd.service"; then
    say "the unit's ExecStart is not $prefix/sbin/xvipd:"; grep ExecStart "$out/root$prefix/lib/systemd/system/xvipd.service"
    fail=1
fi
# The man pages are gzipped roff with the version filled in.
for page in xvipd xvipctl xvip-selftest; do
    if ! gzip -dc "$out/root$prefix/share/man/man8/$page.8.gz" | grep -q '^\.TH [A-Z-]* 8 .*xvip [0-9]'; then
        say "$page.8.gz is not a man page with the version in it"; fail=1
    fi
done
# The self-test runs from the package (its libraries resolve) and knows its cases; --list needs
# no privileges.
cases=$("$out/root$prefix/sbin/xvip-selftest" --list | wc -l)
if [ "$cases" -gt 0 ]; then
    say "ok: xvip-selftest --list names $cases test cases"
else
    say "xvip-selftest from the package lists no test case"; fail=1
fi

# Runtime dependencies, from the binaries' shared libraries.
depends=$(dpkg-deb -f "$deb" Depends)
say "Depends: $depends"
for package in libbpf1 libboost-program-options libsystemd0 libcap2 libmnl0 libspdlog libcpp-httplib libc6; do
    case "$depends" in
        *"$package"*) ;;
        *) say "Depends lacks $package"; fail=1 ;;
    esac
done
dpkg-deb -e "$deb" "$out/control"
for script in conffiles postinst prerm postrm; do
    [ -f "$out/control/$script" ] || { say "no $script in the control archive"; fail=1; }
done
grep -qx "$etc/xvip/xvip.toml.example" "$out/control/conffiles" || { say "the example config is not a conffile"; fail=1; }
# A purge leaves nothing under the bpffs: xvipd removes its pins when prerm stops it, postrm the
# pin root it created (the VM lab's purge scenario checks this on a real guest).
grep -q 'rmdir /sys/fs/bpf/xvip' "$out/control/postrm" || { say "postrm does not remove the empty pin root on purge"; fail=1; }

[ $fail -eq 0 ] && say "all expected paths present"
exit $fail
