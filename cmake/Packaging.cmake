# What an installation holds besides the binaries and the systemd unit (man pages, an example
# configuration), and the .deb that `cpack` builds from the installation:
#
#   cmake --build build && (cd build && cpack)      # build/xvip_<version>_<arch>.deb
#
# The BPF program is not installed: xvipd, xvipctl and xvip-selftest embed it (libbpf skeleton).
# xvip-selftest (tests/bpf) is the BPF test suite, shipped so a kernel can be checked where it runs.
include(GNUInstallDirs)

# Man pages, with the version filled in, gzipped at build time as Debian ships them.
find_program(XVIP_GZIP gzip REQUIRED)
set(xvip_man_gz)
foreach(page xvipd.8 xvipctl.8 xvip-selftest.8)
  configure_file(${PROJECT_SOURCE_DIR}/dist/man/${page} ${PROJECT_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/${page}.gz
                     COMMAND sh -c "${XVIP_GZIP} -9 -n -c '${PROJECT_BINARY_DIR}/man/${page}' > '${PROJECT_BINARY_DIR}/man/${page}.gz'"
                     DEPENDS ${PROJECT_BINARY_DIR}/man/${page}
                     COMMENT "Compressing the ${page} man page" VERBATIM)
  list(APPEND xvip_man_gz ${PROJECT_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(xvip_man_pages ALL DEPENDS ${xvip_man_gz})
install(FILES ${xvip_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# /etc/xvip/xvip.toml is the operator's; the example beside it is ours (a conffile in the .deb).
install(FILES ${PROJECT_SOURCE_DIR}/docs/xvip.example.toml
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/xvip RENAME xvip.toml.example)

# The .deb. Its runtime dependencies come from the binaries themselves (dpkg-shlibdeps).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xvip)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "xvip")
set(CPACK_PACKAGE_CONTACT "xvip maintainers <xvip@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "keepalived-compatible VRRP virtual-IP failover with an XDP data plane")
# The long description, one line per line of the control file (CPack indents them).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "xvipd keeps virtual IPs alive across two to ten hosts in one subnet, wire-compatible
with keepalived (VRRP v2 and v3, multicast or unicast). Every node holds the VIP in its
kernel; an XDP program answers ARP and neighbour solicitations for it on the active node
only, so a failover is one BPF map write and a gratuitous-ARP burst. The active role
carries a lease: a node whose daemon dies or hangs falls silent by itself. Planned
handovers are make-before-break, restarts are hitless. xvipctl queries the daemon and
drives the data plane by hand; xvip-selftest checks that the running kernel runs the XDP
program as it must, with KTAP output for kernel CI.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bpftool")
configure_file(${PROJECT_SOURCE_DIR}/dist/deb/conffiles.in ${PROJECT_BINARY_DIR}/deb/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/deb/conffiles
    ${PROJECT_SOURCE_DIR}/dist/deb/postinst
    ${PROJECT_SOURCE_DIR}/dist/deb/prerm
    ${PROJECT_SOURCE_DIR}/dist/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# cpack into a temporary directory and check that the .deb holds every file it should.
add_test(NAME deb_package_contents
         COMMAND ${PROJECT_SOURCE_DIR}/tests/package/deb_package_contents.sh ${CMAKE_CPACK_COMMAND} ${PROJECT_BINARY_DIR}
                 ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_FULL_SYSCONFDIR})
set_tests_properties(deb_package_contents PROPERTIES LABELS unit TIMEOUT 120)
