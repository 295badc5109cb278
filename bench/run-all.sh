#!/usr/bin/env bash
# Reproduces every figure of docs/PERFORMANCE.md's end-to-end section in one command:
#
#     bash bench/run-all.sh            # SQLite and PostgreSQL, load + limits + peers (~10 min)
#     SCALE=1 bash bench/run-all.sh    # also 1,000,000 cases on SQLite (how cost grows from 100 k)
#                                      # and 1,000,000 open cases on each backend (~1.5 h, ~20 GB)
#     SCALE=10 bash bench/run-all.sh   # also 10,000,000 cases on SQLite then on PostgreSQL
#                                      # (1 M open each; ~1.3 h + ~1 h; ~57 GB then ~62 GB, one
#                                      # at a time: each run drops its data when it ends)
#
# Reports land in target/bench/*.json; the summary of each run is printed as it finishes, and at the
# end the targets-at-a-glance table of all of this run's reports (target/bench/targets.md).
# The harness client is compared with wrk (Debian package `wrk`) on the same hello-world server.
# PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432/postgres); the harness creates and
# drops its own scratch database beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
out=target/bench
rm -f "$out"/*.json "$out"/targets.md
mkdir -p "$out"
command -v wrk >/dev/null || echo "note: wrk is not installed (apt-get install wrk): the client/wrk ratio is left out"

cargo build --release -p yizhan -p yizhan-bench
bench=target/release/yizhan-bench

run() {
    local name=$1
    shift
    echo
    echo "==== $name ===="
    "$bench" "$@" --report "$out/$name.json"
}

# Throughput, latency, reads, memory, machine limits and the SpiffWorkflow peer (and pgbench).
run sqlite --history 100000 --clients 64 --duration 20 --limit-seconds 5
run postgres --database "$PG_URL" --history 20000 --clients 64 --duration 20 --limit-seconds 5

if [ "${SCALE:-0}" = 1 ] || [ "${SCALE:-0}" = 10 ]; then
    # Supervision at scale (issue 5 part 6): one million cases open (filed in the last 60 days),
    # the full warning scan, the next day's scan, and the monitor and case list at that size.
    # How cost grows with the database: the same load over 1,000,000 cases, one in ten open.
    run sqlite-1m --history 1000000 --open-every 10 --clients 64 --duration 20 --limit-seconds 5
    run sqlite-1m-open --history 1000000 --open-every 1 --clients 64 --duration 10 --skip-limits
    run postgres-1m-open --database "$PG_URL" --history 1000000 --open-every 1 --clients 64 \
        --duration 10 --skip-limits
fi
if [ "${SCALE:-0}" = 10 ]; then
    # The dashboard and case list over 10,000,000 cases, one in ten open (issues 5 and 7).
    run sqlite-10m --history 10000000 --open-every 10 --clients 64 --duration 10 --skip-limits
    run postgres-10m --database "$PG_URL" --history 10000000 --open-every 10 --clients 64 \
        --duration 10 --skip-limits
fi
echo
"$bench" table "$out"/*.json | tee "$out/targets.md"
echo "reports: $out/"
