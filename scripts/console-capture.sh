#!/usr/bin/env bash
# Captures what tokio-console shows of chapter 11's console example, as text, into
# book/src/ch11-production/console-capture.txt (the page shows that file).
#
#   scripts/console-capture.sh
#
# Needs tmux and tokio-console (`cargo install tokio-console --locked`; set TOKIO_CONSOLE
# to its path if it is not on PATH). Builds the example with tokio's unstable
# instrumentation in a target directory of its own (target/console: the course's other
# builds keep their tokio), runs it on 127.0.0.1:6669, lets tokio-console watch it for
# SECONDS (10 by default) in a tmux session of 120 × 32 characters, captures the screen,
# and stops both. Nothing else is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
console=${TOKIO_CONSOLE:-$(command -v tokio-console || true)}
if [[ -z "$console" ]]; then
    echo "tokio-console not found: cargo install tokio-console --locked" >&2
    exit 1
fi
seconds=${SECONDS_TO_WATCH:-10}
RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/console \
    cargo build --release -p ch11-production-solution --features console --example ch11-console
session="ch11-console-$$"
cleanup() {
    tmux kill-session -t "$session-app" 2>/dev/null || true
    tmux kill-session -t "$session" 2>/dev/null || true
}
trap cleanup EXIT
tmux new-session -d -s "$session-app" -x 120 -y 32 target/console/release/examples/ch11-console
sleep 2
tmux new-session -d -s "$session" -x 120 -y 32 "$console"
sleep "$seconds"
out=book/src/ch11-production/console-capture.txt
tmux capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' > "$out"
echo "wrote $out"
