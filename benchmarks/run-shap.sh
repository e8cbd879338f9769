#!/usr/bin/env bash
# TreeSHAP benchmark: a LightGbm model like the registered one (105 trees of 14 leaves on the improved recipe's
# features of the real 2016 extract), cover counted on its training rows, then exact SHAP contributions of 100,000
# rows (resampled from the extract) timed in three rounds inside one process, rows spread over every core. Each round
# also reports how far base value + contributions lands from the compiled trees' margin. Target: under 10 s on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rows=${1:-100000}
trees=${2:-105}
leaves=${3:-14}
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
bench="$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll"
/usr/bin/time -f "   whole process: %e s wall, %M KiB peak RSS" \
  dotnet "$bench" shap "$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz" "$rows" "$trees" "$leaves"
