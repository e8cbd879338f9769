#!/usr/bin/env bash
# Scoring benchmark, side by side in one run: 1,000,000 rows (resampled from the 2016 seed-recipe features) scored
# by our batch scorer from the registry (read Parquet, verify page checksums, check, score, write Parquet with tiers and
# reasons) against scikit-learn's predict_proba with the equivalent gradient-boosted model (80 trees, depth 4; read CSV,
# score, write CSV). Whole processes, timed with GNU time, in pairs (ours, then scikit-learn), [rounds] times; prints each
# pair's ratio and the median and range. Needs Debian's python3-sklearn. Run it under the CPU lock:
#   flock /tmp/pophealth-cpu.lock benchmarks/run-score.sh [dir] [rows] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-score-bench}
rows=${2:-1000000}
rounds=${3:-5}
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
bench="$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll"
if [ ! -f "$dir/input.parquet" ] || [ ! -f "$dir/sklearn.pkl" ]; then
  dotnet "$bench" score-prepare "$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz" "$dir" "$rows"
  /usr/bin/python3 "$here/score_sklearn.py" fit "$dir"
fi
times=$(mktemp)
for round in $(seq 1 "$rounds"); do
  echo "== round $round: pophealth batch scorer (registry model, Parquet in and out)"
  /usr/bin/time -f "%e" -o "$times.ours" dotnet "$bench" score "$dir"
  echo "   whole process: $(cat "$times.ours") s"
  echo "== round $round: scikit-learn predict_proba (CSV in and out)"
  /usr/bin/time -f "%e" -o "$times.peer" /usr/bin/python3 "$here/score_sklearn.py" score "$dir"
  echo "   whole process: $(cat "$times.peer") s"
  echo "$(cat "$times.ours") $(cat "$times.peer")" >> "$times"
done
/usr/bin/python3 - "$times" <<'PY'
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
ours, peer = [p[0] for p in pairs], [p[1] for p in pairs]
ratios = [b / a for a, b in pairs]
print(f"pairs: " + "; ".join(f"{a:.2f} s vs {b:.2f} s = {b / a:.2f}x" for a, b in pairs))
print(f"ours: median {statistics.median(ours):.2f} s (range {min(ours):.2f}-{max(ours):.2f}); scikit-learn: median {statistics.median(peer):.2f} s "
      f"(range {min(peer):.2f}-{max(peer):.2f}); throughput ratio per pair: median {statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f})")
PY
rm -f "$times" "$times.ours" "$times.peer"
