#!/usr/bin/env bash
# Plays the VHS tapes in tmux, without VHS or ttyd: each tape's keys are sent to a bash
# in a tmux window as VHS would type them, and every `Wait+Screen /re/` must match the
# screen in time. `vhs validate` checks a tape's syntax only; this checks that the console
# still answers its keys as the tape expects (a renamed key, a changed dialog, an id the
# generator no longer makes all fail here with the screen printed).
#
#   bash .vhs/tapes-in-tmux.sh [TAPE…]      default: every .vhs/*.tape
#
# Understands the commands the tapes use: Type "…" / Type `…`, Enter, Tab, Escape, Space,
# Up/Down/Left/Right [N], Ctrl+X, Sleep, Wait+Screen[@T] /re/; Output, Require, Set,
# Hide and Show change nothing here. The window is 150×45, about what VHS's 1280×800 at
# font size 14 shows.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "tapes-in-tmux: tmux is not installed" >&2; exit 1; }

work=$(mktemp -d)
sock="ecsr-tapes-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# stop: what a tape started in the background (serve.tape's server, if the tape failed
# before its own kill) ends with the window: the shell's children, by the shell's pid.
stop() {
  local pid
  for pid in $(tm list-panes -a -F '#{pane_pid}' 2>/dev/null); do pkill -TERM -P "$pid" 2>/dev/null || true; done
  tm kill-server 2>/dev/null || true
}
cleanup() {
  stop
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock" # the dead server's socket file
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/bin/ecs-redeploy" ./cmd/ecs-redeploy

seconds() { # 500ms → 0.5, 2s → 2, 1.5s → 1.5
  case $1 in
    *ms) awk -v v="${1%ms}" 'BEGIN { print v / 1000 }' ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

play() {
  local tape=$1 line n=0 cmd arg re limit deadline
  stop
  # A server just killed can still hold its socket: try again rather than fail.
  local try
  for try in 1 2 3 4 5; do
    tm new-session -d -s tape -x 150 -y 45 -c "$work" \
      "env -u TMUX PATH=$work/bin:$PATH TERM=xterm-256color bash --norc --noprofile" 2>/dev/null && break
    [ "$try" = 5 ] && { echo "tapes-in-tmux: tmux would not start" >&2; return 1; }
    sleep 0.5
  done
  tm set -g status off
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z $line || $line == \#* ]] && continue
    cmd=${line%% *}
    arg=""
    [[ $line == *" "* ]] && arg=${line#* }
    case $cmd in
      Output | Require | Set | Hide | Show) ;;
      Type)
        arg=${arg:1:${#arg}-2} # strip the quotes or backticks
        local i
        local c
        for ((i = 0; i < ${#arg}; i++)); do
          c=${arg:i:1}
          [ "$c" = ";" ] && c='\;' # a lone ; separates tmux commands
          tm send-keys -t tape -l -- "$c"
          sleep 0.05
        done
        ;;
      Enter | Tab | Escape | Space | Up | Down | Left | Right | Backspace)
        local key=$cmd times=${arg:-1}
        [ "$key" = Backspace ] && key=BSpace
        local j
        for ((j = 0; j < times; j++)); do tm send-keys -t tape "$key"; sleep 0.05; done
        ;;
      Ctrl+*) tm send-keys -t tape "C-$(tr '[:upper:]' '[:lower:]' <<<"${cmd#Ctrl+}")" ;;
      Sleep) sleep "$(seconds "$arg")" ;;
      Wait+Screen*)
        limit=15
        [[ $cmd == *@* ]] && limit=$(seconds "${cmd#*@}")
        re=${arg#/}
        re=${re%/}
        deadline=$(awk -v s="$SECONDS" -v l="$limit" 'BEGIN { print int(s + l + 0.999) }')
        until tm capture-pane -p -t tape | grep -qE -- "$re"; do
          if ((SECONDS >= deadline)); then
            echo "tapes-in-tmux: $tape:$n: the screen never matched /$re/ within ${limit}s; it was:" >&2
            tm capture-pane -p -t tape >&2
            return 1
          fi
          sleep 0.1
        done
        ;;
      *)
        echo "tapes-in-tmux: $tape:$n: command $cmd is not understood here" >&2
        return 1
        ;;
    esac
  done <"$tape"
  echo "tapes-in-tmux: $tape: played"
}

tapes=("$@")
[ ${#tapes[@]} -gt 0 ] || tapes=(.vhs/*.tape)
for t in "${tapes[@]}"; do play "$t"; done
