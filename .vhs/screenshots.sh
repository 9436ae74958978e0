#!/usr/bin/env bash
# Regenerates the README's screenshots from real screens of the console: the binary built
# from this checkout runs on the simulator (fixed seed) in a tmux window of a fixed size,
# driven by keys as a person would type them; each screen is captured with its colours
# (tmux capture-pane -e) and rendered to PNG by charmbracelet/freeze.
#
#   bash .vhs/screenshots.sh          writes .vhs/screenshots/*.png (needs tmux; freeze is
#                                     run pinned with `go run`, or $FREEZE if set)
#   bash .vhs/screenshots.sh --check  drives the same screens and checks each one shows what
#                                     it should; writes no image (needs tmux only; CI runs it)
#
# The keys are the console's own (ui/common/keys.go), sent one key per tmux send-keys:
# the console ignores a burst of several characters outside a text field, and a dialog
# ignores keys for 0.3 s after it opens or changes, so every dialog step waits for the
# dialog's text and then 0.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."

FREEZE_VERSION=v0.2.2
check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: bash .vhs/screenshots.sh [--check]" >&2; exit 2 ;;
esac

command -v tmux >/dev/null || { echo "screenshots: tmux is not installed (apt-get install tmux)" >&2; exit 1; }

work=$(mktemp -d)
sock="ecsr-shots-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock" # the dead server's socket file
  rm -rf "$work"
}
trap cleanup EXIT

echo "screenshots: building ecs-redeploy"
go build -o "$work/ecs-redeploy" ./cmd/ecs-redeploy

out=.vhs/screenshots
$check || mkdir -p "$out"

# start W H ARGS…: the console in a fresh tmux window of W×H cells, with colours on.
start() {
  local w=$1 h=$2; shift 2
  tm kill-server 2>/dev/null || true
  # A server just killed can still hold its socket: try again rather than fail.
  local try
  for try in 1 2 3 4 5; do
    tm new-session -d -s shot -x "$w" -y "$h" \
      "env TERM=xterm-256color COLORTERM=truecolor $work/ecs-redeploy $*; sleep 30" 2>/dev/null && return
    sleep 0.5
  done
  echo "screenshots: tmux would not start" >&2
  exit 1
}

screen() { tm capture-pane -p -t shot; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT; otherwise fail, printing the screen.
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  until screen | grep -qF -- "$1"; do
    if ((SECONDS >= deadline)); then
      echo "screenshots: the screen never showed \"$1\"; it was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.1
  done
}

# key K…: each key in its own send-keys, as separate keystrokes.
key() { for k in "$@"; do tm send-keys -t shot "$k"; sleep 0.15; done; }
# text S: typed into a focused text field (the filter, the dialog's confirmation).
text() { tm send-keys -t shot -l "$1"; sleep 0.2; }
# settle: the dialog's 0.3 s guard after it opens or changes.
settle() { sleep 0.5; }

# shot NAME: render the screen to $out/NAME.png (or, with --check, keep its text).
shot() {
  local name=$1
  if $check; then
    screen >"$work/$name.txt"
    echo "screenshots: $name: ok"
    return
  fi
  # freeze (v0.2.2) ignores SGR 39 (default foreground) and 7 (reverse video), so a colour
  # would run on past its end and the cursor row would not show: say them in colours it
  # reads, its own text colour and a grey bar.
  tm capture-pane -e -p -t shot |
    sed -e 's/\x1b\[39m/\x1b[38;2;196;196;196m/g' -e 's/\x1b\[7m/\x1b[48;2;68;68;68m/g' >"$work/$name.ansi"
  # freeze draws PNGs at 4× the SVG's size, so a 7 px font gives about 16 px per cell row.
  local flags=(--language ansi --font.size 7 --padding 10)
  # freeze hands the SVG to rsvg-convert when it finds one on PATH, which draws in a
  # proportional font at 1× (columns no longer line up); its own renderer is the one
  # these images are made with, so freeze sees no PATH but Go's.
  local gobin
  gobin=$(dirname "$(command -v go)")
  if [ -n "${FREEZE:-}" ]; then
    env PATH="$gobin" "$FREEZE" "${flags[@]}" -o "$out/$name.png" "$work/$name.ansi" >/dev/null
  else
    env PATH="$gobin" go run "github.com/charmbracelet/freeze@${FREEZE_VERSION}" "${flags[@]}" \
      -o "$out/$name.png" "$work/$name.ansi" >/dev/null
  fi
  go run ./.vhs/pngshrink "$out/$name.png"
  echo "screenshots: wrote $out/$name.png ($(wc -c <"$out/$name.png") bytes)"
}

# 1. The list: the generated fleet of --seed 1, soonest deadline first.
start 120 36 --demo --seed 1 --sim-speed 60
wait_for "listed"
wait_for "no redeploys yet"
shot list

# 2. The detail pane of a local-disk instance: filter to it, enter.
key /
text bp1cxt5g
key Enter
wait_for "filter /bp1cxt5g"
key Enter
wait_for "Eligibility"
shot detail

# 3. Its dialog: DATA LOSS first, Cancel focused, Redeploy disarmed until the id is typed.
key R
wait_for "Type the instance id"
settle
shot local-disk-dialog
key Escape

# 4. A batch: filter to ingest-prod (of 150 instances), select the six rows, R. The dialog lists the targets
# with their deployment sets, skips the blocked ones with the API's reason, and arms only
# once the count and "wipe" are typed.
start 120 40 --demo --seed 1 --sim-speed 60 --instances 150
wait_for "no redeploys yet"
key /
text ingest-prod
key Enter
wait_for "filter /ingest-prod"
key Space Space Space Space Space Space
wait_for "6 selected"
key R
wait_for "Redeploy these 5 instances?"
settle
shot batch-dialog
key Tab
text "5 wipe"
key Enter
wait_for "> Redeploy 5 <"
settle
key Enter
wait_for "batch of 6 started"

# 5. The task panel while the batch runs in waves: one member of the deployment set at a
# time. The window shrinks to fit the six rows and the panel.
tm resize-window -t shot -x 120 -y 20
wait_for "3 done" 60
shot batch-tasks

if $check; then
  echo "screenshots: every screen showed what it should (nothing written)"
fi
