#!/usr/bin/env bash
# The solutions' tests, built for aarch64 Linux and run under qemu's user-mode emulation:
# the course on an ARM machine (Apple silicon runs the same code under macOS; this checks
# everything that is not specific to the kernel).
#
#   scripts/aarch64-tests.sh                    # chapter 05 (its own context switch)
#   scripts/aarch64-tests.sh 05-green 06-futures
#
# Built with Debian's rustc-web toolchain and -Zbuild-std (rustup cannot add targets
# here), linked by gcc-aarch64-linux-gnu, run by qemu-aarch64 with the cross libc. The
# packages are installed by name when missing (as root). Cold, the first run builds the
# standard library for aarch64 (several minutes on two cores).
#
# Under emulation a test binary runs several times slower than natively, and the kernel
# sees qemu's threads, not the guest's: tests that read a thread's state in /proc
# (support::sched) skip their check there (support::sched::can_watch_threads), as on
# macOS and Windows.
set -euo pipefail
cd "$(dirname "$0")/.."

chapters=("$@")
[ ${#chapters[@]} -gt 0 ] || chapters=(05-green)
packages=(rustc-web cargo-web rust-web-src qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
. scripts/cross/packages.sh
need_packages aarch64-tests "${packages[@]}"

export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/aarch64}" CARGO_INCREMENTAL=0
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
# Tests that run themselves again in a child process (support::isolated) run it under qemu too.
export SUPPORT_TEST_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"

status=0
for chapter in "${chapters[@]}"; do
    start=$SECONDS
    if cargo test -Zbuild-std=std,panic_abort --target aarch64-unknown-linux-gnu \
            --locked -p "ch$chapter-solution" --tests 2>&1 | tee "$CARGO_TARGET_DIR.$chapter.log" \
            | grep -E "^test result|FAILED|panicked" ; then :; fi
    if grep -q "FAILED\|error\[" "$CARGO_TARGET_DIR.$chapter.log" \
        || ! grep -q "^test result" "$CARGO_TARGET_DIR.$chapter.log"; then
        status=1
        echo "FAILED  ch$chapter-solution on aarch64 ($((SECONDS - start)) s): $CARGO_TARGET_DIR.$chapter.log"
    else
        echo "ok      ch$chapter-solution on aarch64 ($((SECONDS - start)) s)"
    fi
done
exit $status
