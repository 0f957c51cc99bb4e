#!/usr/bin/env bash
# Render the window's blind A/B page headless: like screenshot.sh, then xdotool clicks through
# a trial (GAPT vs Online MLE hidden behind A and B, a take under each, a note and a vote for A)
# before the picture, which shows the voting panel, the next trial, and the takes with the vote.
# The click positions follow the window's 800×780 layout at 100%. The session is logged, as any, in
# ~/Music/Comper/blind-<time>/.
#   scripts/screenshot-blind.sh [OUTPUT.png]
# Needs the Debian packages xvfb, x11-utils, imagemagick and xdotool.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/blind-ab.png}"
. scripts/lib/xvfb.sh
DISPLAY="$display" cargo xtask window --screenshot "$out" --at 26 &
window=$!
# Wait for the window (the command may build the bundles first).
until DISPLAY="$display" xwininfo -root -children | grep -q "^ *[1-9][0-9]* child"; do
    sleep 0.2
done
click() { sleep "$3"; DISPLAY="$display" xdotool mousemove "$1" "$2" click 1; }
click 118 417 3    # the "Blind A/B" tab
click 110 458 0.5  # first model …
click 60 485 0.5   # … GAPT
click 317 458 0.5  # second model …
click 270 508 0.5  # … Online MLE
click 447 458 0.5  # Start
click 78 449 0.5   # Play A
click 137 449 8    # Play B (ends A's take)
click 415 472 8    # the note
DISPLAY="$display" xdotool type --delay 20 "A follows the tune"
click 155 472 0.5  # vote A (ends B's take and the trial)
wait "$window"
