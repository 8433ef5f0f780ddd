#!/usr/bin/env bash
# Candor's HTTP benchmarks, in one command (a few minutes with the defaults):
#
#   bash bench/run.sh
#
# 1. Read path: /, /api/v2/summary.json, their gzip variants and a 304 revalidation, each
#    loaded with wrk against Candor (--demo data) and against bench/baseline, a minimal
#    net/http server sending the same bytes and headers. Targets: Candor ÷ baseline ≥ 0.85,
#    p99 < 25 ms, no errors.
# 2. Write load: / under the same load while an incident update is posted every second.
#    Targets: throughput ≥ 0.8 of idle, every update visible on / within 1 s.
# 3. Live updates: SSE_CLIENTS event streams (bench/sse), one change, time until the last
#    stream has it and the server's memory. Targets: ≤ 1 s, < 200 MB.
#
# Environment: DURATION (load per server and variant, default 10s), ROUNDS (turns it is
# split into, 2), CONNS (256), THREADS (2), ONLY (a comma-separated subset of read,write,sse),
# VARIANTS (a subset of home,summary,home-gzip,summary-gzip,home-304),
# SSE_CLIENTS (10000), PORT and BASELINE_PORT (18080, 18081), PROFILE=1 to save a CPU
# profile of Candor during each read-path run and print its top functions (go tool pprof),
# OUT (where profiles go, default bench/out), BASELINE_HEADERS=all to have the baseline
# also send every other header Candor sends (security headers, request id, ...), which
# separates what those headers cost from what Candor's code costs. wrk comes from apt-get
# when missing; if it cannot be installed, bench/load stands in for it.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-256}
THREADS=${THREADS:-2}
SSE_CLIENTS=${SSE_CLIENTS:-10000}
PORT=${PORT:-18080}
BASELINE_PORT=${BASELINE_PORT:-18081}
PPROF_PORT=${PPROF_PORT:-18082}
PROFILE=${PROFILE:-}
BASELINE_HEADERS=${BASELINE_HEADERS:-}
OUT=${OUT:-bench/out}

ONLY=${ONLY:-read,write,sse}
dur_s=${DURATION%s}
[[ $dur_s =~ ^[0-9]+$ ]] || { echo "DURATION must be whole seconds, like 10s" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
# stop PID: end one process this script started.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # 10 000 streams need as many descriptors

for port in "$PORT" "$BASELINE_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "port $port is in use; set PORT / BASELINE_PORT" >&2
		exit 1
	fi
done

# busy: share of the machine's CPU in use over a second, in percent.
busy() {
	local a b
	a=($(head -1 /proc/stat))
	sleep 1
	b=($(head -1 /proc/stat))
	awk -v idle=$((b[4] + b[5] - a[4] - a[5])) -v all=$((($(IFS=+; echo "${b[*]:1}")) - ($(IFS=+; echo "${a[*]:1}")))) \
		'BEGIN { printf "%.0f", (all > 0 ? 100 * (1 - idle / all) : 0) }'
}
load=$(busy)
if ((load > 10)); then
	echo "note: ${load}% of the CPU is busy before the benchmark starts (other processes): requests/s will be"
	echo "      noisy and lower than on a quiet machine; the µs/req columns are not affected."
fi

# The load generator.
if ! command -v wrk >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo -n"
	echo "installing wrk with apt-get ..."
	$sudo apt-get install -y wrk >/dev/null 2>&1 ||
		{ timeout 120 $sudo apt-get update >/dev/null 2>&1 && $sudo apt-get install -y wrk >/dev/null 2>&1; } || true
fi
if command -v wrk >/dev/null 2>&1; then
	loadgen=wrk
else
	echo "wrk is not available: using bench/load instead"
	go build -o "$tmp/load" ./bench/load
	loadgen="$tmp/load"
fi

echo "building ..."
if [[ -n $PROFILE ]]; then
	# Only this build listens for pprof (BENCH_PPROF_ADDR: not a CANDOR_ name, which Candor
	# would refuse as an unknown setting); the source tree is unchanged.
	cat >"$tmp/pprof.go" <<'EOF'
package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("BENCH_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
EOF
	printf '{"Replace": {"%s/cmd/candor/zz_bench_pprof.go": "%s/pprof.go"}}\n' "$PWD" "$tmp" >"$tmp/overlay.json"
	go build -overlay "$tmp/overlay.json" -o "$tmp/candor" ./cmd/candor
	mkdir -p "$OUT"
else
	go build -o "$tmp/candor" ./cmd/candor
fi
go build -o "$tmp/baseline" ./bench/baseline
go build -o "$tmp/sse" ./bench/sse

C=http://127.0.0.1:$PORT
B=http://127.0.0.1:$BASELINE_PORT

# start_candor [flags]: run Candor on $PORT, wait until it answers, set candor_pid.
start_candor() {
	BENCH_PPROF_ADDR=${PROFILE:+127.0.0.1:$PPROF_PORT} "$tmp/candor" --addr "127.0.0.1:$PORT" \
		--data-dir "$tmp/data" --log-level error "$@" >>"$tmp/candor.log" 2>&1 &
	candor_pid=$!
	pids+=("$candor_pid")
	for _ in $(seq 300); do
		curl -sf -o /dev/null --max-time 1 "$C/readyz" && return 0
		kill -0 "$candor_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "Candor did not start:" >&2
	cat "$tmp/candor.log" >&2
	exit 1
}

echo "starting Candor with demo data ..."
start_candor --demo

# The documents, as Candor serves them.
fetch() { # fetch NAME PATH [curl args]: body and headers into $tmp/NAME.{body,h}
	local name=$1 path=$2
	shift 2
	curl -sf --max-time 10 -H 'Accept-Language: en' "$@" -D "$tmp/$name.h" -o "$tmp/$name.body" "$C$path"
}
header() { # header FILE NAME
	awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$2")" -F': ' 'tolower($1) == n { sub(/\r$/, "", $2); print $2; exit }' "$1"
}
: >"$tmp/manifest.tsv"
for doc in home:/ summary:/api/v2/summary.json; do
	name=${doc%%:*} path=${doc#*:}
	fetch "$name" "$path"
	fetch "$name.gz" "$path" -H 'Accept-Encoding: gzip'
	[[ $(header "$tmp/$name.gz.h" Content-Encoding) == gzip ]] || { echo "$path: no gzip variant" >&2; exit 1; }
	extra=""
	if [[ $BASELINE_HEADERS == all ]]; then # every other header Candor sent, as fixed values
		extra=$tmp/$name.extra
		tr -d '\r' <"$tmp/$name.h" | grep -viE '^(HTTP/|date:|content-length:|content-type:|etag:|cache-control:|vary:|content-encoding:|$)' >"$extra"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$(header "$tmp/$name.h" Content-Type)" \
		"$(header "$tmp/$name.h" Cache-Control)" "$(header "$tmp/$name.h" Vary)" \
		"$(header "$tmp/$name.h" ETag)" "$(header "$tmp/$name.gz.h" ETag)" \
		"$tmp/$name.body" "$tmp/$name.gz.body" "$extra" >>"$tmp/manifest.tsv"
done
home_gz_etag=$(header "$tmp/home.gz.h" ETag)

"$tmp/baseline" -addr "127.0.0.1:$BASELINE_PORT" -manifest "$tmp/manifest.tsv" >>"$tmp/baseline.log" 2>&1 &
baseline_pid=$!
pids+=("$baseline_pid")
for _ in $(seq 100); do
	curl -sf -o /dev/null --max-time 1 "$B/" && break
	sleep 0.05
done
# The baseline must send the very same bytes, and both must revalidate.
for v in "home:/:" "home.gz:/:gzip" "summary:/api/v2/summary.json:" "summary.gz:/api/v2/summary.json:gzip"; do
	IFS=: read -r name path enc <<<"$v"
	curl -sf --max-time 10 ${enc:+-H "Accept-Encoding: $enc"} -o "$tmp/check" "$B$path"
	cmp -s "$tmp/check" "$tmp/$name.body" || { echo "baseline body differs for $name" >&2; exit 1; }
done
for url in "$C/" "$B/"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Accept-Language: en' \
		-H 'Accept-Encoding: gzip' -H "If-None-Match: $home_gz_etag" "$url")
	[[ $code == 304 ]] || { echo "$url: If-None-Match answered $code, not 304" >&2; exit 1; }
done
printf 'documents: / %s bytes (gzip %s), summary.json %s bytes (gzip %s)\n' \
	"$(wc -c <"$tmp/home.body")" "$(wc -c <"$tmp/home.gz.body")" \
	"$(wc -c <"$tmp/summary.body")" "$(wc -c <"$tmp/summary.gz.body")"

# cputicks PID: CPU time the process used so far, in clock ticks.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run1 PID SECONDS URL [HEADER ...]: load URL, served by process PID, for SECONDS; prints
# "rps p50_ms p99_ms errors requests cpu_ticks". The server's CPU time per request hardly
# depends on what else the machine runs, unlike requests per second.
run1() {
	local pid=$1 secs=$2 url=$3
	shift 3
	local args=() h t0 t1
	for h in "$@"; do args+=(-H "$h"); done
	t0=$(cputicks "$pid")
	if [[ $loadgen == wrk ]]; then
		timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s --latency \
			"${args[@]}" "$url" >"$tmp/wrk.out"
		awk '
			function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; if (v ~ /m$/) return v * 60000; return v + 0 }
			$1 == "50%" { p50 = ms($2) }
			$1 == "99%" { p99 = ms($2) }
			/ requests in / { n = $1 }
			/^Requests\/sec:/ { rps = $2 }
			/Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
			/Non-2xx or 3xx responses:/ { err += $5 }
			END { printf "%.0f %.2f %.2f %d %d", rps, p50, p99, err, n }' "$tmp/wrk.out" >"$tmp/run1"
	else
		timeout $((secs + 60)) "$loadgen" -c "$CONNS" -d "${secs}s" "${args[@]}" "$url" |
			sed -E 's/rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+) errors=([^ ]+) requests=([^ ]+)/\1 \2 \3 \4 \5/' |
			awk '{ printf "%.0f %.2f %.2f %d %d", $1, $2, $3, $4, $5 }' >"$tmp/run1"
	fi
	t1=$(cputicks "$pid")
	echo "$(cat "$tmp/run1") $((t1 - t0))"
}

# summarize: reads run1 lines, prints "rps p50_ms p99_ms errors cpu_us_per_request": the
# means of requests/s, p50 and p99 over the runs, all errors, CPU time over all requests.
summarize() {
	awk -v hz="$hz" '{ rps += $1; p50 += $2; p99 += $3; err += $4; n += $5; t += $6; k++ }
		END { printf "%.0f %.2f %.2f %d %.1f\n", rps / k, p50 / k, p99 / k, err, (n > 0 ? t * 1e6 / hz / n : 0) }'
}

# measure PID URL [HEADER ...]: one run of DURATION, summarized.
measure() {
	local pid=$1
	shift
	run1 "$pid" "$dur_s" "$@" | summarize
}

# profile NAME: while a Candor run goes on, save a CPU profile of it (PROFILE=1 only).
profile() {
	[[ -n $PROFILE ]] || return 0
	local secs=$((slice > 3 ? slice - 2 : 1))
	(sleep 1 && curl -sf --max-time $((secs + 30)) -o "$OUT/cpu-$1.pprof" \
		"http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$secs") &
	profiler=$!
}

# current_etag PATH: the ETag Candor now sends for the English gzip variant of PATH.
current_etag() {
	curl -s -I --max-time 5 -H 'Accept-Language: en' -H 'Accept-Encoding: gzip' "$C$1" | header /dev/stdin ETag
}

pass() { if "$@"; then echo PASS; else echo FAIL; fi }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
want() { [[ ,$ONLY, == *,$1,* ]]; }

# A staff key and an open incident, for the updates the write and live parts post.
key=$("$tmp/candor" apikey create --data-dir "$tmp/data" --name bench --scope admin)
auth="Authorization: Bearer $key"
incident=$(curl -sf --max-time 10 -H "$auth" -H 'Content-Type: application/json' \
	-d '{"title": "Benchmark incident", "impact": "minor", "message": "Load test."}' "$C/api/v1/incidents" |
	grep -o '"id": *"[^"]*"' | head -1 | sed -E 's/.*"([^"]*)"$/\1/')
[[ -n $incident ]] || { echo "could not create an incident" >&2; exit 1; }

if want read; then
	echo
	rounds=${ROUNDS:-2}
	slice=$((dur_s / rounds > 0 ? dur_s / rounds : 1))
	echo "== Read path: -t$THREADS -c$CONNS, $rounds × ${slice}s per server, taking turns (load generator: ${loadgen##*/}) =="
	printf '%-22s | %8s %7s %7s %6s %7s | %8s %7s %7s %6s %7s | %5s %5s | %s\n' variant "Candor/s" p50ms p99ms \
		errors "µs/req" "base/s" p50ms p99ms errors "µs/req" ratio cpu verdict
	variants=( # label|profile name|path|headers...
		"/|home|/|Accept-Language: en"
		"summary.json|summary|/api/v2/summary.json|"
		"/ gzip|home-gzip|/|Accept-Language: en|Accept-Encoding: gzip"
		"summary.json gzip|summary-gzip|/api/v2/summary.json|Accept-Encoding: gzip"
		"/ 304 (If-None-Match)|home-304|/|Accept-Language: en|Accept-Encoding: gzip|If-None-Match: @etag"
	)
	base_slow=""
	for v in "${variants[@]}"; do
		IFS='|' read -r -a f <<<"$v"
		[[ -z ${VARIANTS:-} || ,$VARIANTS, == *,${f[1]},* ]] || continue
		label=${f[0]} path=${f[2]}
		hdrs=()
		for h in "${f[@]:3}"; do [[ -n $h ]] && hdrs+=("$h"); done
		profiler=""
		profile "${f[1]}"
		# Candor and the baseline take turns, so a burst of other work on the machine
		# lands on both rather than on one.
		: >"$tmp/candor.runs"
		: >"$tmp/baseline.runs"
		for ((r = 0; r < rounds; r++)); do
			# "@etag" is the document's current ETag. Candor's / says "as of HH:MM", so its
			# ETag changes every minute: a turn that crosses a minute is run again.
			for attempt in 1 2 3; do
				etag=$(current_etag "$path")
				run1 "$candor_pid" "$slice" "$C$path" ${hdrs[@]+"${hdrs[@]/@etag/$etag}"} >"$tmp/turn"
				[[ ${hdrs[*]-} != *@etag* || $(current_etag "$path") == "$etag" ]] && break
			done
			cat "$tmp/turn" >>"$tmp/candor.runs"
			[[ -n $profiler ]] && wait "$profiler" || true
			profiler=""
			run1 "$baseline_pid" "$slice" "$B$path" ${hdrs[@]+"${hdrs[@]/@etag/$home_gz_etag}"} >>"$tmp/baseline.runs"
		done
		read -r c_rps c_p50 c_p99 c_err c_cpu < <(summarize <"$tmp/candor.runs")
		read -r b_rps b_p50 b_p99 b_err b_cpu < <(summarize <"$tmp/baseline.runs")
		ratio=$(awk -v a="$c_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		cpu=$(awk -v a="$c_cpu" -v b="$b_cpu" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
		ok() { le 0.85 "$ratio" && lt "$c_p99" 25 && [[ $c_err == 0 ]]; }
		lt "$b_p99" 25 || base_slow=1
		printf '%-22s | %8s %7s %7s %6s %7s | %8s %7s %7s %6s %7s | %5s %5s | %s\n' "$label" "$c_rps" "$c_p50" \
			"$c_p99" "$c_err" "$c_cpu" "$b_rps" "$b_p50" "$b_p99" "$b_err" "$b_cpu" "$ratio" "$cpu" "$(pass ok)"
	done
	echo "requests/s, p50 and p99: means over the turns. ratio: Candor ÷ baseline requests/s;"
	echo "cpu: baseline ÷ Candor server CPU time per request (µs/req, the less noisy comparison)"
	echo "targets: ratio >= 0.85, Candor p99 < 25 ms, 0 errors (socket errors and non-2xx/3xx)"
	if [[ -n $base_slow ]]; then
		echo "note: the baseline's p99 is 25 ms or more too: at -c$CONNS, with the load generator on the same"
		echo "      cores, p99 is mostly queueing; try CONNS=64 to compare tails below saturation."
	fi
	if [[ -n $PROFILE ]]; then
		cp "$tmp/candor" "$OUT/candor.bin"
		for p in "$OUT"/cpu-*.pprof; do
			echo
			echo "-- $p: go tool pprof -top $OUT/candor.bin $p"
			go tool pprof -top -nodecount 25 "$OUT/candor.bin" "$p" 2>/dev/null | sed -n '6,32p'
		done
	fi
fi

if want write; then
	echo
	echo "== Write load: / under the same load, an incident update posted every second =="
	revision() { # the revision / was rendered at (each update changes /)
		curl -s --max-time 5 -H 'Accept-Language: en' "$C/" | grep -o 'data-revision="[0-9]*"' | head -1 | tr -dc 0-9
	}
	read -r idle_rps _ <<<"$(measure "$candor_pid" "$C/" "Accept-Language: en")" # idle, right before
	measure "$candor_pid" "$C/" "Accept-Language: en" >"$tmp/write-load" &
	loader=$!
	sleep 1
	: >"$tmp/visible"
	deadline=$((SECONDS + dur_s - 2))
	n=0
	while ((SECONDS < deadline)); do
		n=$((n + 1))
		start=$(date +%s%N)
		before=$(revision)
		curl -sf -o /dev/null --max-time 5 -H "$auth" -H 'Content-Type: application/json' \
			-d "{\"message\": \"Benchmark update $n.\"}" "$C/api/v1/incidents/$incident/updates"
		while :; do
			now=$(revision)
			[[ -n $now && $now -gt $before ]] && break
			(($(date +%s%N) - start > 5000000000)) && break
		done
		end=$(date +%s%N)
		echo $(((end - start) / 1000000)) >>"$tmp/visible"
		left=$((1000000000 - (end - start)))
		((left > 0)) && sleep "$(awk -v n="$left" 'BEGIN { printf "%.3f", n / 1e9 }')"
	done
	wait "$loader"
	read -r w_rps w_p50 w_p99 w_err _ <"$tmp/write-load"
	ratio=$(awk -v a="$w_rps" -v b="$idle_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	vis=$(sort -n "$tmp/visible" | awk '{ v[NR] = $1 } END { printf "%d %d %d %d", NR, v[int((NR + 1) / 2)], v[NR], v[1] }')
	read -r updates vis_p50 vis_max vis_min <<<"$vis"
	printf '%-36s %s\n' "/ idle" "$idle_rps req/s"
	printf '%-36s %s\n' "/ while writing" "$w_rps req/s (p50 $w_p50 ms, p99 $w_p99 ms, errors $w_err)"
	printf '%-36s %-50s %s\n' "throughput, writing ÷ idle" "$ratio" "$(pass le 0.8 "$ratio")"
	printf '%-36s %-50s %s\n' "updates posted, visible on / after" \
		"$updates; min $vis_min ms, median $vis_p50 ms, max $vis_max ms" "$(pass le "$vis_max" 1000)"
	printf '%-36s %s\n' "  each (ms)" "$(tr '\n' ' ' <"$tmp/visible")"
	echo "targets: throughput >= 0.8 of idle, every update visible within 1000 ms (POST sent → / serves the new revision)"
fi

if want sse; then
	echo
	echo "== Live updates: $SSE_CLIENTS event streams on /api/v1/stream =="
	stop "$candor_pid" # a fresh server, so its memory is the streams' and not the load's
	start_candor
	out=$(timeout 300 "$tmp/sse" -url "$C" -n "$SSE_CLIENTS" -key "$key" -incident "$incident" -pid "$candor_pid")
	echo "$out"
	eval "$(tr ' ' '\n' <<<"$out" | grep -E '^[a-z_0-9]+=[-0-9.]+$')"
	printf '%-36s %-50s %s\n' "streams connected" "$streams of $SSE_CLIENTS ($failed failed) in ${connect_s} s" \
		"$(pass test "$streams" -eq "$SSE_CLIENTS")"
	printf '%-36s %-50s %s\n' "change reached the last stream" "${last_ms} ms (p50 ${p50_ms} ms, p99 ${p99_ms} ms)" \
		"$(pass eval "le $last_ms 1000 && [[ $received == $streams ]]")"
	printf '%-36s %-50s %s\n' "Candor RSS: idle, streams, after event" \
		"${rss_before_mb} MB, ${rss_connected_mb} MB, ${rss_after_event_mb} MB" \
		"$(pass eval "lt $rss_connected_mb 200 && lt $rss_after_event_mb 200")"
	echo "targets: last stream within 1000 ms, RSS < 200 MB"
fi
