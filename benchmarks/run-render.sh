#!/usr/bin/env bash
# Static-image cost, side by side in one run: 02-explore (its 29 charts) on a 30,000-row sample, run by the notebook
# runner with Chromium (the runner starts one headless browser; the kernel draws each chart's PNG in it) and without
# (POPHEALTH_CHROMIUM naming a file that does not exist: charts stay interactive only). 01-convert prepares the data
# once, untimed. Reported: the notebook's time as the runner measures it, and the whole runner process (GNU time).
# With "default" as the third argument it measures the whole default run instead (all six notebooks on the embedded
# sample, as `dotnet run --project notebooks/Runner` makes it; issue 16's target: at most 3 minutes, at most 1.3x), the
# notebooks' times summed as the runner measures them.
# Usage: benchmarks/run-render.sh [data folder, default /tmp/pophealth-render-bench] [rounds, default 1] [default]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-render-bench}
rounds=${2:-1}
mode=${3:-explore}
export POPHEALTH_DATA="$dir"
dotnet build "$root/notebooks/Runner/PopHealth.Runner.csproj" -nologo -v q >/dev/null
runner="$root/notebooks/Runner/bin/Debug/net10.0/PopHealth.Runner.dll"
no_browser="$dir/no-such-chromium"
if [ "$mode" = default ]; then
  notebooks=() # all of them, in order
  what="the default run"
  echo "== preparing: one untimed default run into $dir (the first kernel restores a freshly packed library)"
  POPHEALTH_CHROMIUM="$no_browser" dotnet "$runner" | grep -E "done in|FAILED" || true
else
  export POPHEALTH_SAMPLE_ROWS=30000
  notebooks=(02-explore)
  what="02-explore"
  echo "== preparing: 01-convert, $POPHEALTH_SAMPLE_ROWS rows into $dir"
  POPHEALTH_CHROMIUM="$no_browser" dotnet "$runner" 01-convert | grep -E "done in|FAILED" || true
fi
seconds() { grep -oE "done in [0-9.]+ s" "$1" | grep -oE "[0-9.]+" | paste -sd+ | bc; }
wall() { grep -oE "^wall [0-9.]+" "$1" | grep -oE "[0-9.]+"; }
declare -a with without with_wall without_wall
for round in $(seq 1 "$rounds"); do
  echo "== round $round: $what without Chromium"
  POPHEALTH_CHROMIUM="$no_browser" /usr/bin/time -f "wall %e" -a -o "$dir/without.log" dotnet "$runner" "${notebooks[@]}" > "$dir/without.log"
  without+=("$(seconds "$dir/without.log")"); without_wall+=("$(wall "$dir/without.log")")
  grep -E "^\[|done in" "$dir/without.log" | paste - - | sed -E 's/ +/ /g; s/^/   /'
  echo "   notebooks ${without[-1]} s, whole runner ${without_wall[-1]} s"
  echo "== round $round: $what with Chromium ($(command -v chromium || echo none on PATH))"
  /usr/bin/time -f "wall %e" -a -o "$dir/with.log" dotnet "$runner" "${notebooks[@]}" > "$dir/with.log"
  with+=("$(seconds "$dir/with.log")"); with_wall+=("$(wall "$dir/with.log")")
  grep -E "^\[|done in" "$dir/with.log" | paste - - | sed -E 's/ +/ /g; s/^/   /'
  echo "   notebooks ${with[-1]} s, whole runner ${with_wall[-1]} s"
  charts=$(cat "$dir"/rendered/*.ipynb | grep -o '"image/png": ' | wc -l)
  echo "   $charts chart outputs with an image/png entry"
done
/usr/bin/python3 - "$what" "${without[*]}" "${with[*]}" "${without_wall[*]}" "${with_wall[*]}" <<'PY'
import statistics, sys
name = sys.argv[1]
runs = [[float(x) for x in arg.split()] for arg in sys.argv[2:6]]
for what, (without, with_) in (("notebooks", runs[0:2]), ("whole runner", runs[2:4])):
    a, b = statistics.median(without), statistics.median(with_)
    print(f"== median {name}, {what}: {a:.1f} s without Chromium, {b:.1f} s with: {b / a:.2f}x (target at most 1.3x)"
          f" (with: {min(with_):.1f}-{max(with_):.1f} s)")
PY
