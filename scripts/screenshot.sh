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
display=":$((90 + RANDOM % 9))"

Xvfb "$display" -screen 0 800x680x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    DISPLAY="$display" xwininfo -root >/dev/null 2>&1 && break
    sleep 0.1
done
DISPLAY="$display" cargo xtask window "$melody" --screenshot "$out" --at "$at"
