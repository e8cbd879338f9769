#!/usr/bin/env bash
# Static-image cost, side by side in one run: 02-explore (its ~29 charts) on a 30,000-row sample, run by the notebook
# runner with Chromium (each chart's PNG drawn by the kernel's one headless browser) and without (POPHEALTH_CHROMIUM
# naming a file that does not exist: charts stay interactive only). 01-convert prepares the data once, untimed.
# Usage: tests/Benchmarks/run-render.sh [data folder, default /tmp/pophealth-render-bench] [rounds, default 1]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:-/tmp/pophealth-render-bench}
rounds=${2:-1}
export POPHEALTH_DATA="$dir" POPHEALTH_SAMPLE_ROWS=30000
dotnet build "$root/notebooks/Runner/PopHealth.Runner.csproj" -nologo -v q >/dev/null
runner="$root/notebooks/Runner/bin/Debug/net10.0/PopHealth.Runner.dll"
no_browser="$dir/no-such-chromium"
echo "== preparing: 01-convert, $POPHEALTH_SAMPLE_ROWS rows into $dir"
POPHEALTH_CHROMIUM="$no_browser" dotnet "$runner" 01-convert | grep -E "done in|FAILED" || true
seconds() { grep -oE "done in [0-9.]+ s" "$1" | grep -oE "[0-9.]+"; }
declare -a with without
for round in $(seq 1 "$rounds"); do
  echo "== round $round: 02-explore without Chromium"
  POPHEALTH_CHROMIUM="$no_browser" dotnet "$runner" 02-explore > "$dir/without.log"
  without+=("$(seconds "$dir/without.log")"); echo "   ${without[-1]} s"
  echo "== round $round: 02-explore with Chromium ($(command -v chromium || echo none on PATH))"
  dotnet "$runner" 02-explore > "$dir/with.log"
  with+=("$(seconds "$dir/with.log")"); echo "   ${with[-1]} s"
  charts=$(grep -o 'image/png' "$dir/rendered/02-explore.ipynb" | wc -l)
  echo "   $charts chart outputs with an image/png entry"
done
python3 - "${without[*]}" "${with[*]}" <<'PY'
import statistics, sys
without = [float(x) for x in sys.argv[1].split()]
with_ = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(without), statistics.median(with_)
print(f"== median 02-explore: {a:.1f} s without Chromium, {b:.1f} s with: {b / a:.2f}x (target at most 1.3x)")
PY
