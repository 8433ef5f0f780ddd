#!/usr/bin/env bash
# An hour of mixed load at fixed rates — a soak, not a race to the limit — reporting every
# minute what readers, writers, event streams and pushes saw and Candor's memory:
#
#   bash bench/soak.sh                      # one hour
#   DURATION=5m bash bench/soak.sh          # a short run
#
# Candor runs with --demo history on SQLite (fsync on), pushes going through the real
# Firebase SDK to bench/mixed's fake FCM, which answers a share of sends 503 (FCM_FAIL) and
# whose every tenth device token is "flaky" (503 twice, then accepted): retries, backoff
# and the outbox are exercised the whole time. The load (bench/mixed):
#   READ_RATE reads/s on /, /api/v2/summary.json and /history (gzip), over READERS
#   connections; WRITE_RATE incident updates/s by WRITERS writers (each on its own incident,
#   resolved and replaced every 50 updates); SSE event streams held open; DEVICES devices
#   registered up front, every one subscribed to everything, so every update is a push to
#   each of them (two jobs, one per language).
# The table (Markdown) has, per minute: reads, p50/p99 ms, read errors, writes, p50/p99 ms,
# write errors, change events the streams received, stream drops, pushes FCM accepted,
# 503s injected, and Candor's RSS. A flat RSS column and zero errors are the targets.
#
# Environment: DURATION (60m), INTERVAL (1m), READ_RATE (100), READERS (20), WRITE_RATE (1),
# WRITERS (5), SSE (200), DEVICES (400), FCM_FAIL (0.05), PORT (18095), FCM_PORT (18096),
# OUT (bench/out).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60m}
INTERVAL=${INTERVAL:-1m}
READ_RATE=${READ_RATE:-100}
READERS=${READERS:-20}
WRITE_RATE=${WRITE_RATE:-1}
WRITERS=${WRITERS:-5}
SSE=${SSE:-200}
DEVICES=${DEVICES:-400}
FCM_FAIL=${FCM_FAIL:-0.05}
PORT=${PORT:-18095}
FCM_PORT=${FCM_PORT:-18096}
OUT=${OUT:-bench/out}

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
mkdir -p "$OUT"

go build -o "$tmp/candor" ./cmd/candor
go build -o "$tmp/mixed" ./bench/mixed
# CANDOR_TRUST_PROXY: the devices register with an X-Forwarded-For each, as behind a proxy,
# so the per-address registration limit does not refuse the setup.
CANDOR_FCM_ENDPOINT="http://127.0.0.1:$FCM_PORT" CANDOR_TRUST_PROXY=1 "$tmp/candor" --addr "127.0.0.1:$PORT" \
	--data-dir "$tmp/data" --log-level warn --demo >"$tmp/candor.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/readyz" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/candor.log" >&2; exit 1; }
	sleep 0.1
done
key=$("$tmp/candor" apikey create --data-dir "$tmp/data" --name soak --scope admin)
report="$OUT/soak-$(date -u +%Y%m%dT%H%MZ).md"
{
	echo "Soak $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'): $DURATION;"
	echo "$READ_RATE reads/s, $WRITE_RATE writes/s, $SSE streams, $DEVICES devices, FCM failing $FCM_FAIL of sends"
	echo
	"$tmp/mixed" -url "http://127.0.0.1:$PORT" -key "$key" -pid "$pid" -readers "$READERS" -read-rate "$READ_RATE" \
		-writers "$WRITERS" -write-rate "$WRITE_RATE" -sse "$SSE" -devices "$DEVICES" -fcm "127.0.0.1:$FCM_PORT" \
		-fcm-fail "$FCM_FAIL" -duration "$DURATION" -interval "$INTERVAL" -markdown
} | tee "$report"
echo
echo "Candor's warnings and errors (last 10 of $(grep -c . "$tmp/candor.log" || true) log lines):"
grep -E '"level":"(WARN|ERROR)"' "$tmp/candor.log" | tail -10 || true
echo "report: $report"
