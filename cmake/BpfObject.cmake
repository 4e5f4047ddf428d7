# Compiles a BPF C file with clang -target bpf and generates its libbpf skeleton with bpftool,
# exposed as an INTERFACE library (the libbpf-bootstrap pattern). Nothing generated is committed.
#
#   xvip_bpf_object(<name> <source.bpf.c>)
# defines target <name>_skel whose include directory holds <name>.skel.h, and the variable
# <name>_BPF_OBJECT with the path of the compiled object. The headers an object includes are
# found by clang itself (-MD, a depfile Ninja reads): nothing to list by hand.

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf>=1.1)

# The architecture the build targets (a toolchain file's, when cross-compiling), not the host's:
# __TARGET_ARCH_* selects the pt_regs layout of libbpf's tracing macros.
set(_xvip_arch ${CMAKE_SYSTEM_PROCESSOR})
if(_xvip_arch MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
  set(_xvip_bpf_arch x86)
elseif(_xvip_arch MATCHES "^(aarch64|arm64|ARM64)$")
  set(_xvip_bpf_arch arm64)
elseif(_xvip_arch MATCHES "^arm")
  set(_xvip_bpf_arch arm)
elseif(_xvip_arch MATCHES "^(ppc64|ppc64le|powerpc64|powerpc64le)$")
  set(_xvip_bpf_arch powerpc)
elseif(_xvip_arch MATCHES "^s390")
  set(_xvip_bpf_arch s390)
elseif(_xvip_arch MATCHES "^riscv")
  set(_xvip_bpf_arch riscv)
else()
  set(_xvip_bpf_arch ${_xvip_arch})
endif()
set(XVIP_BPF_MULTIARCH_INCLUDE "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}")

function(xvip_bpf_object name source)
  if(ARGN)
    message(FATAL_ERROR "xvip_bpf_object(${name}): unexpected ${ARGN} (headers come from the depfile)")
  endif()
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skel_dir ${CMAKE_CURRENT_BINARY_DIR}/skel)
  set(skel ${skel_dir}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${_xvip_bpf_arch}
            -Wall -Wextra -Werror -I${CMAKE_CURRENT_SOURCE_DIR} -I${PROJECT_SOURCE_DIR}/bpf
            -I${XVIP_BPF_MULTIARCH_INCLUDE}
            -MD -MF ${obj}.d
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${source} -o ${obj}
    DEPENDS ${source}
    DEPFILE ${obj}.d
    COMMENT "BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${skel_dir}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen ALL DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel SYSTEM INTERFACE ${skel_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
  set(${name}_BPF_OBJECT ${obj} PARENT_SCOPE)
endfunction()
