# Sourced by the screenshot scripts: start Xvfb at the window's size (SCREEN, 800x780 unless
# set) on a free display, stop it on exit, and wait until it answers. Sets `display`.
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 "${SCREEN:-800x780}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    DISPLAY="$display" xwininfo -root >/dev/null 2>&1 && break
    sleep 0.1
done
