#!/usr/bin/env bash
# Render Comper's window headless: start Xvfb, open the window in Comper's own CLAP host
# while a melody plays in real time, and save the screen `AT` seconds in.
#   scripts/screenshot.sh [OUTPUT.png] [MELODY.mid]
# Needs the Debian packages xvfb, x11-utils and imagemagick (and Mesa's OpenGL, which the
# window draws with).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/window.png}"
melody="${2:-examples/ode-to-joy.mid}"
at="${AT:-12}"
# SCALE=1.25 draws the window at 125% (1000×975).
if [ -n "${SCALE:-}" ]; then
    SCREEN="$(awk -v s="$SCALE" 'BEGIN { printf "%dx%d", 800 * s, 780 * s }')"
fi
. scripts/lib/xvfb.sh
DISPLAY="$display" cargo xtask window "$melody" --screenshot "$out" --at "$at" --scale "${SCALE:-1}"
