#!/usr/bin/env bash
# Issue 12's listing budget, measured in one run: on one sim-server with INSTANCES instances
# over every region, `ecs-redeploy events --json --region all` against the loop an aliyun
# CLI user scripts today (DescribeRegions, then per region DescribeInstanceHistoryEvents and
# DescribeInstances, each paged by NextToken with --pager). The two alternate, RUNS times
# each after one warm-up of each; it prints every wall time, the medians and their ratio,
# and exits 1 if events is not at least 10x faster.
#
#   ALIYUN=/path/to/aliyun .ci/listing-vs-aliyun-cli.sh [RUNS] [INSTANCES]
#
# Needs Go, jq and an aliyun CLI (ALIYUN, else aliyun on PATH; docs/simulator.md's "With the aliyun
# CLI" says how to build one). Nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
instances=${2:-10000}
aliyun=${ALIYUN:-$(command -v aliyun || true)}
if [ -z "$aliyun" ] || [ ! -x "$aliyun" ]; then
  echo "listing-vs-aliyun-cli: no aliyun CLI; set ALIYUN=/path/to/aliyun (docs/simulator.md's \"With the aliyun CLI\" says how to build one)" >&2
  exit 2
fi
command -v jq >/dev/null || { echo "listing-vs-aliyun-cli: jq is needed (apt-get install jq)" >&2; exit 2; }

work=$(mktemp -d)
sim=
cleanup() {
  [ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/ecs-redeploy" ./cmd/ecs-redeploy

export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIlistingbench
ALIBABA_CLOUD_ACCESS_KEY_SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export ALIBABA_CLOUD_ACCESS_KEY_SECRET
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
unset ALIBABA_CLOUD_ENDPOINT ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_REGION_ID HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
mkdir -p "$work/home" # the CLI reads no profile of the user's
"$work/ecs-redeploy" sim-server --listen 127.0.0.1:0 --instances "$instances" >"$work/sim.out" 2>&1 &
sim=$!
addr=
for _ in $(seq 300); do
  addr=$(sed -n 's#^listening on http://##p' "$work/sim.out")
  [ -n "$addr" ] && break
  kill -0 "$sim" 2>/dev/null || { cat "$work/sim.out" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "listing-vs-aliyun-cli: sim-server did not start" >&2; exit 1; }

# The CLI loop, as an engineer scripts it: a process per command.
cli_loop() {
  local k=(--endpoint "$addr" --insecure --access-key-id "$ALIBABA_CLOUD_ACCESS_KEY_ID"
    --access-key-secret "$ALIBABA_CLOUD_ACCESS_KEY_SECRET")
  local r regions
  regions=$(HOME=$work/home "$aliyun" ecs DescribeRegions "${k[@]}" --region cn-hangzhou | jq -r '.Regions.Region[].RegionId') || return 1
  for r in $regions; do
    HOME=$work/home "$aliyun" ecs DescribeInstanceHistoryEvents "${k[@]}" --region "$r" \
      --InstanceEventCycleStatus.1 Scheduled --InstanceEventCycleStatus.2 Executing \
      --InstanceEventCycleStatus.3 Inquiring --MaxResults 100 \
      --pager path=InstanceSystemEventSet.InstanceSystemEventType || return 1
    HOME=$work/home "$aliyun" ecs DescribeInstances "${k[@]}" --region "$r" --MaxResults 100 --pager path=Instances.Instance || return 1
  done
}
events() {
  "$work/ecs-redeploy" events --json --region all --endpoint "$addr"
}
# wall CMD OUT: runs CMD with stdout to OUT and prints its wall time in milliseconds; a
# run that fails ends the measurement (a fast failure is no result).
wall() {
  local start end
  start=$(date +%s%N)
  "$1" >"$2" || { echo "listing-vs-aliyun-cli: $1 failed; see above" >&2; return 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

wall cli_loop "$work/cli.json" >/dev/null # warm: page cache, the server's first answers
wall events "$work/events.json" >/dev/null
cli_times= events_times=
for i in $(seq "$runs"); do
  c=$(wall cli_loop "$work/cli.json")
  e=$(wall events "$work/events.json")
  printf 'run %d: aliyun CLI loop %5d ms   events --json %5d ms   %5.1fx\n' "$i" "$c" "$e" "$(echo "$c / $e" | bc -l)"
  cli_times+="$c " events_times+="$e "
done

rows=$(jq length "$work/events.json")
cli_instances=$(jq -s '[.[] | .Instances.Instance // empty | length] | add' "$work/cli.json")
cli_events=$(jq -s '[.[] | .InstanceSystemEventSet.InstanceSystemEventType // empty | length] | add' "$work/cli.json")
c=$(echo "$cli_times" | median)
e=$(echo "$events_times" | median)
ratio=$(echo "$c / $e" | bc -l)
echo
echo "sim-server: $instances instances; the CLI loop printed $cli_instances instances and $cli_events pending events ($(wc -c <"$work/cli.json") bytes),"
echo "events --json $rows rows ($(wc -c <"$work/events.json") bytes)"
printf 'medians of %d: aliyun CLI loop %d ms, events --json %d ms: events is %.1fx faster (budget: 10x)\n' "$runs" "$c" "$e" "$ratio"
[ "$rows" -gt 0 ] || { echo "events listed nothing" >&2; exit 1; }
echo "$ratio >= 10" | bc -l | grep -q 1
