#!/usr/bin/env bash
# The solutions' tests, built for 64-bit Windows (the GNU toolchain) and run under Wine:
# the course's code on Windows's own system calls as Wine provides them.
#
#   scripts/windows-tests.sh                    # chapters 01-03 and 06-08
#   scripts/windows-tests.sh 01-sync 02-threads
#
# Built with Debian's rustc-web toolchain and -Zbuild-std (rustup cannot add targets
# here), linked by mingw-w64, run by Wine (wine64). The packages are installed by name when
# missing (as root). Cold, the first run builds the standard library for Windows (several
# minutes on two cores).
#
# Wine is not Windows: what fails here may be Wine's gap rather than the course's (its
# sockets, its console). GitHub's native Windows runner (.github/workflows/ci.yml) is the
# judge; this is the check that runs on Linux. What ran and what did not is in the README's
# "Platforms" section.
set -euo pipefail
cd "$(dirname "$0")/.."

chapters=("$@")
[ ${#chapters[@]} -gt 0 ] || chapters=(01-sync 02-threads 03-gil 06-futures 07-event-loop 08-frameworks)
packages=(rustc-web cargo-web rust-web-src mingw-w64 wine64)
. scripts/cross/packages.sh
need_packages windows-tests "${packages[@]}"

export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/windows}" CARGO_INCREMENTAL=0
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
# Wine keeps its own "C:" under WINEPREFIX; quiet, and without a display.
export WINEPREFIX="${WINEPREFIX:-$CARGO_TARGET_DIR/wine}" WINEDEBUG=-all DISPLAY=
# Tests that run themselves again in a child process (support::isolated) need nothing
# more: inside Wine, a Windows program starts another one directly.
unset SUPPORT_TEST_RUNNER
[ -d "$WINEPREFIX" ] || wineboot --init > /dev/null 2>&1 || true
# Wine 8 lacks the DLL through which Rust's std gets random bytes: a stand-in (see its
# source) goes where Windows keeps its own.
system32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -f "$system32/bcryptprimitives.dll" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -o "$system32/bcryptprimitives.dll" \
        scripts/windows/bcryptprimitives.c -ladvapi32
fi

status=0
for chapter in "${chapters[@]}"; do
    start=$SECONDS
    log="$CARGO_TARGET_DIR.$chapter.log"
    cargo test -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu --locked \
        -p "ch$chapter-solution" --tests --no-fail-fast > "$log" 2>&1 || true
    grep -E "^test result" "$log" || true
    if grep -q "FAILED\|error\[" "$log" || ! grep -q "^test result" "$log"; then
        status=1
        echo "FAILED  ch$chapter-solution on Windows under Wine ($((SECONDS - start)) s): $log"
    else
        echo "ok      ch$chapter-solution on Windows under Wine ($((SECONDS - start)) s)"
    fi
done
exit $status
