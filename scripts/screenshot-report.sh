#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium and saves a PNG screenshot beside it, to look
# at what a user sees. Usage: scripts/screenshot-report.sh RUN_FOLDER [WIDTH HEIGHT]
# Needs Debian's chromium (installed here when missing).
set -euo pipefail
run=${1:?usage: scripts/screenshot-report.sh RUN_FOLDER [WIDTH HEIGHT]}
width=${2:-1200}
height=${3:-2200}
"$(dirname "$0")/install-system-packages.sh" chromium >/dev/null
report=$(cd "$run" && pwd)/report.html
[ -f "$report" ] || { echo "$report: no report (train first)" >&2; exit 1; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$(dirname "$report")/report.png" "file://$report" 2>/dev/null
echo "$(dirname "$report")/report.png"
