#!/usr/bin/env bash
# Write latency under read load (issue 18, defect 10), in one command (a few minutes):
#
#   bash bench/writes.sh                 # this tree
#   BASE=main bash bench/writes.sh       # this tree against another commit, taking turns
#
# Starts Candor (--demo data, SQLite with fsync) and puts READERS readers (closed loop on /,
# /api/v2/summary.json and /history, gzip) and WRITERS writers (closed loop: incident
# updates, each writer on its own incident, resolved and replaced every TIMELINE updates)
# on it for DURATION, reporting every INTERVAL: reads, writes, p50/p99 of each, errors and
# Candor's RSS (bench/mixed). Readers and writers are two processes, so a write's latency
# is not the load generator's own queueing behind its hundreds of reader goroutines. With BASE, a build of that commit and one of this tree take
# ROUNDS turns each, each on a fresh server, so the machine's other work lands on both.
# Target: write p99 < 100 ms, RSS flat.
#
# Environment: READERS (200), WRITERS (5), DURATION (40s), INTERVAL (10s), PORT (18090),
# TIMELINE (updates per incident; default 100000: timelines only grow, as in the attack
# run that found a write p99 near a second), BASE (a commit to compare with), ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
READERS=${READERS:-200}
WRITERS=${WRITERS:-5}
DURATION=${DURATION:-40s}
INTERVAL=${INTERVAL:-10s}
PORT=${PORT:-18090}
ROUNDS=${ROUNDS:-2}
TIMELINE=${TIMELINE:-100000}

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

go build -o "$tmp/candor-new" ./cmd/candor
go build -o "$tmp/mixed" ./bench/mixed
builds=(new)
if [[ -n ${BASE:-} ]]; then
	mkdir "$tmp/base"
	git archive "$BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/candor-base" ./cmd/candor)
	builds=(base new)
else
	ROUNDS=1
fi

# one BUILD: a fresh server of that build under the load; its total line goes to $tmp/BUILD.
one() {
	local b=$1
	rm -rf "$tmp/data"
	"$tmp/candor-$b" --addr "127.0.0.1:$PORT" --data-dir "$tmp/data" --log-level error --demo >"$tmp/candor.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/readyz" && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/candor.log" >&2; exit 1; }
		sleep 0.1
	done
	local key
	key=$("$tmp/candor-$b" apikey create --data-dir "$tmp/data" --name bench --scope admin)
	echo "== $b: $READERS readers, $WRITERS writers, $DURATION"
	"$tmp/mixed" -url "http://127.0.0.1:$PORT" -readers "$READERS" -writers 0 -duration "$DURATION" \
		-interval "$DURATION" >"$tmp/readers" &
	local readers=$!
	"$tmp/mixed" -url "http://127.0.0.1:$PORT" -key "$key" -pid "$pid" -readers 0 -writers "$WRITERS" \
		-timeline "$TIMELINE" -duration "$DURATION" -interval "$INTERVAL" | tee "$tmp/out"
	wait "$readers"
	printf '%s\n  %s\n' "$(grep '^total:' "$tmp/out" | sed 's/total: reads 0 (0\/s, p50 0.0 ms, p99 0.0 ms, errors 0); //')" \
		"$(grep '^total:' "$tmp/readers" | sed 's/; writes 0 .*//')" | tee -a "$tmp/res-$b"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
}
for ((r = 0; r < ROUNDS; r++)); do
	for b in "${builds[@]}"; do one "$b"; done
done
if [[ -n ${BASE:-} ]]; then
	echo
	for b in "${builds[@]}"; do
		echo "$b:"
		sed 's/^/  /' "$tmp/res-$b"
	done
fi
