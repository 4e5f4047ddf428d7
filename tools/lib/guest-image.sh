# shellcheck shell=bash
# What tools/kernel-matrix/kernel-matrix and tools/vmlab/vmlab share to build and boot Debian 12
# QEMU guests: a debootstrap root in a chroot, packed into a cached ext4 image with its kernels
# beside it; the accelerator verdict (KVM where it boots a guest, else TCG); the cleanup of every
# QEMU, mount and temporary directory a run made. Sourced, not run. The caller sets `prog` (its name
# in messages) and defines `say` and `die` before sourcing, and calls gi_cleanup from its EXIT trap.

gi_mirror=http://deb.debian.org/debian
gi_security_mirror=http://deb.debian.org/debian-security

gi_qemu_pids=()
gi_chroot_mounts=()
gi_tmp_dirs=()
gi_netns=()

# Stops every QEMU the run started (by pid: TERM, then KILL a second later), unmounts the chroot's
# mounts, deletes the temporary directories and network namespaces. Idempotent.
gi_cleanup() {
  local p m d n
  for p in "${gi_qemu_pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "$prog: stopping QEMU (pid $p)" >&2
      kill -TERM "$p" 2>/dev/null || true
      sleep 1
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  gi_qemu_pids=()
  for (( m = ${#gi_chroot_mounts[@]} - 1; m >= 0; m-- )); do
    umount -l "${gi_chroot_mounts[m]}" 2>/dev/null || true
  done
  gi_chroot_mounts=()
  for d in "${gi_tmp_dirs[@]}"; do rm -rf --one-file-system "$d"; done
  gi_tmp_dirs=()
  for n in "${gi_netns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  gi_netns=()
}

# The chroot being built (gi_root) and apt in it, never touching the host's sources.
gi_root=
gi_in_chroot() { chroot "$gi_root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
gi_apt() { gi_in_chroot apt-get -q -y -o Dpkg::Use-Pty=0 --no-install-recommends "$@"; }

# gi_bootstrap ROOT LOG PACKAGE...: debootstrap --variant=minbase bookworm with the packages, then
# proc/sys/dev mounted, a small initrd configured (virtio-blk and ext4 are all the guests need
# early), services kept from starting in the chroot. Sets gi_root.
gi_bootstrap() {
  local root=$1 log=$2
  shift 2
  local t include
  include=$(IFS=,; echo "$*")
  t=$(date +%s)
  say "  debootstrap --variant=minbase bookworm from $gi_mirror"
  if ! debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$root" "$gi_mirror" >"$log" 2>&1; then
    tail -20 "$log" >&2
    die "debootstrap failed (log above)"
  fi
  say "  debootstrap done in $(( $(date +%s) - t )) s"
  gi_root=$root
  mount -t proc proc "$root/proc"; gi_chroot_mounts+=("$root/proc")
  mount -t sysfs sysfs "$root/sys"; gi_chroot_mounts+=("$root/sys")
  mount --bind /dev "$root/dev"; gi_chroot_mounts+=("$root/dev")
  printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/xvip-guest.conf"
  printf '%s\n' virtio_pci virtio_blk ext4 >>"$root/etc/initramfs-tools/modules"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
}

# gi_pack WORK: copies each kernel named in WORK/manifest ("label release ...") out of the chroot's
# /boot to WORK/kernels/<label>/{vmlinuz,initrd.img}, empties apt's caches and /boot, unmounts, and
# packs the root into WORK/root.ext4 (512 MB free), removing the tree.
gi_pack() {
  local work=$1 root=$gi_root k rel m mb t
  mkdir -p "$work/kernels"
  while read -r k rel _; do
    [[ $rel == unavailable ]] && continue
    [[ -f $root/boot/vmlinuz-$rel && -f $root/boot/initrd.img-$rel ]] || die "$k: /boot/vmlinuz-$rel or its initrd is missing in the chroot"
    mkdir -p "$work/kernels/$k"
    cp "$root/boot/vmlinuz-$rel" "$work/kernels/$k/vmlinuz"
    cp "$root/boot/initrd.img-$rel" "$work/kernels/$k/initrd.img"
  done <"$work/manifest"
  gi_apt clean >/dev/null 2>&1 || true
  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "${root:?}"/var/lib/apt/lists/* "${root:?}"/boot/*
  for (( m = ${#gi_chroot_mounts[@]} - 1; m >= 0; m-- )); do umount "${gi_chroot_mounts[m]}"; done
  gi_chroot_mounts=()
  mb=$(du -sm --one-file-system "$root" | cut -f1)
  t=$(date +%s)
  say "  mkfs.ext4 -d: $(( mb + 512 )) MB image from a $mb MB tree"
  mkfs.ext4 -q -F -L xvip-guest -d "$root" "$work/root.ext4" "$(( mb + 512 ))M" >/dev/null || die "mkfs.ext4 -d failed"
  rm -rf --one-file-system "$root"
}

# gi_accel CACHE [PROBE]: sets gi_accel (kvm or tcg) and gi_accel_note. XVIP_VM_ACCEL wins; else a
# verdict cached in CACHE for this host kernel and QEMU; else no /dev/kvm means TCG; else PROBE (a
# command that returns 0 when a guest booted under KVM, its message in gi_probe_note) is run and
# its verdict cached. Without PROBE and without a cached verdict, TCG.
gi_accel=
gi_accel_note=
gi_probe_note=
gi_accel() {
  local cache=$1 probe=${2:-} verdict
  gi_accel= gi_accel_note=
  case ${XVIP_VM_ACCEL:-} in
    kvm | tcg) gi_accel=$XVIP_VM_ACCEL gi_accel_note="set by XVIP_VM_ACCEL"; return ;;
    '') ;;
    *) die "XVIP_VM_ACCEL takes kvm or tcg (got '$XVIP_VM_ACCEL')" ;;
  esac
  verdict=$cache/accel-$( { uname -r; qemu-system-x86_64 --version | head -1; } | sha256sum | cut -c1-12)
  if [[ -f $verdict ]]; then
    gi_accel=$(cut -d' ' -f1 "$verdict") gi_accel_note="cached probe verdict: $(cut -d' ' -f2- "$verdict")"
  elif [[ ! -c /dev/kvm ]]; then
    gi_accel=tcg gi_accel_note="no /dev/kvm"
  elif [[ -z $probe ]]; then
    gi_accel=tcg gi_accel_note="/dev/kvm not probed yet (tools/kernel-matrix/kernel-matrix probes it; XVIP_VM_ACCEL=kvm to try it)"
  else
    if "$probe"; then gi_accel=kvm; else gi_accel=tcg; fi
    gi_accel_note=$gi_probe_note
    echo "$gi_accel $gi_accel_note ($(date -u +%F))" >"$verdict"
  fi
}

# The QEMU options every guest of ours has: its kernel and initrd, the image read-only under a
# throwaway overlay (snapshot=on), no display or monitor, the serial console to a file, no reboot.
# gi_qemu_args KERNEL_DIR IMAGE ACCEL MEMORY CPUS SERIAL_LOG: sets gi_qemu.
gi_qemu=()
gi_qemu_args() {
  local kdir=$1 image=$2 accel=$3 memory=$4 cpus=$5 log=$6 cpu=max
  [[ $accel == kvm ]] && cpu=qemu64  # -cpu host/max under this host's KVM aborts on an MSR
  gi_qemu=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "$memory" -smp "$cpus"
    -kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.img"
    -drive "file=$image,format=raw,if=virtio,snapshot=on"
    -display none -vga none -nic none -serial "file:$log" -monitor none -no-reboot)
}
