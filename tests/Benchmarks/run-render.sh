#!/usr/bin/env bash
# Static-image cost, side by side in one run: 02-explore (its 29 charts) on a 30,000-row sample, run by the notebook
# runner with Chromium (the runner starts one headless browser; the kernel draws each chart's PNG in it) and without
# (POPHEALTH_CHROMIUM naming a file that does not exist: charts stay interactive only). 01-convert prepares the data
# once, untimed. Reported: the notebook's time as the runner measures it, and the whole runner process (GNU time).
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
wall() { grep -oE "^wall [0-9.]+" "$1" | grep -oE "[0-9.]+"; }
declare -a with without with_wall without_wall
for round in $(seq 1 "$rounds"); do
  echo "== round $round: 02-explore without Chromium"
  POPHEALTH_CHROMIUM="$no_browser" /usr/bin/time -f "wall %e" -a -o "$dir/without.log" dotnet "$runner" 02-explore > "$dir/without.log"
  without+=("$(seconds "$dir/without.log")"); without_wall+=("$(wall "$dir/without.log")")
  echo "   notebook ${without[-1]} s, whole runner ${without_wall[-1]} s"
  echo "== round $round: 02-explore with Chromium ($(command -v chromium || echo none on PATH))"
  /usr/bin/time -f "wall %e" -a -o "$dir/with.log" dotnet "$runner" 02-explore > "$dir/with.log"
  with+=("$(seconds "$dir/with.log")"); with_wall+=("$(wall "$dir/with.log")")
  echo "   notebook ${with[-1]} s, whole runner ${with_wall[-1]} s"
  charts=$(grep -o '"image/png": ' "$dir/rendered/02-explore.ipynb" | wc -l)
  echo "   $charts chart outputs with an image/png entry"
done
/usr/bin/python3 - "${without[*]}" "${with[*]}" "${without_wall[*]}" "${with_wall[*]}" <<'PY'
import statistics, sys
runs = [[float(x) for x in arg.split()] for arg in sys.argv[1:5]]
for what, (without, with_) in (("notebook", runs[0:2]), ("whole runner", runs[2:4])):
    a, b = statistics.median(without), statistics.median(with_)
    print(f"== median 02-explore, {what}: {a:.1f} s without Chromium, {b:.1f} s with: {b / a:.2f}x (target at most 1.3x)")
PY
