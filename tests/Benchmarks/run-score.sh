#!/usr/bin/env bash
# Scoring benchmark, side by side in one run: 1,000,000 rows (resampled from the 2016 seed-recipe features) scored
# by our batch scorer from the registry (read Parquet, check, score, write Parquet with tiers and reasons) against
# scikit-learn's predict_proba with the equivalent gradient-boosted model (80 trees, depth 4; read CSV, score,
# write CSV). Whole processes, timed with GNU time. Needs Debian's python3-sklearn.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-/tmp/pophealth-score-bench}
rows=${2:-1000000}
dotnet build -c Release "$here/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
bench="$here/bin/Release/net10.0/PopHealth.Benchmarks.dll"
dotnet "$bench" score-prepare "$here/../../data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz" "$dir" "$rows"
/usr/bin/python3 "$here/score_sklearn.py" fit "$dir"
for round in 1 2; do
  echo "== round $round: pophealth batch scorer (registry model, Parquet in and out)"
  /usr/bin/time -f "   whole process: %e s wall, %M KiB peak RSS" dotnet "$bench" score "$dir"
  echo "== round $round: scikit-learn predict_proba (CSV in and out)"
  /usr/bin/time -f "   whole process: %e s wall, %M KiB peak RSS" /usr/bin/python3 "$here/score_sklearn.py" score "$dir"
done
