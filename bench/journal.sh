#!/usr/bin/env bash
# Journal overhead benchmark (JMH, through the core): 20 000 files created, written (4 KiB),
# fsync'd every 100th, then unlinked, on identical fresh images with and without a journal, in
# one run. Prints JMH's table and the overhead (journaled time / unjournaled time - 1).
#
# Usage: bench/journal.sh [extra JMH options, e.g. -p files=5000 -i 3]
# With -p journal=has_journal only one side runs (the warm in-process cost of the workload).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mvn -q -B -pl benchmarks -am package -DskipTests
out=$(mktemp /tmp/ext4j-jmh.XXXXXX.json)
java -jar benchmarks/target/ext4j-benchmarks.jar MetadataWorkloadBenchmark -rf json -rff "$out" "$@"
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
score = {r["params"]["journal"]: r["primaryMetric"]["score"] for r in rows}
for name, ms in score.items():
    print(f"{name}: {ms:.0f} ms")
if len(score) == 2:
    j, n = score["has_journal"], score["^has_journal"]
    print(f"the journal costs {100 * (j / n - 1):+.0f}%")
PY
