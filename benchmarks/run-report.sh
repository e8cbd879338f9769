#!/usr/bin/env bash
# 07-report as users run it, on the shipped real 2016 extract (356,581 respondents, 54 states): the runner runs 01-convert
# then 07-report, REPETITIONS times. Reported per run: 07's time as the runner measures it, its kernel's peak memory (the
# runner's own figure), and the time of 07's cells from the first stage to the end (the kernel's start and the setup cells
# excluded; from the cell times dotnet-repl records). Targets (issue 22): at most 2 minutes including the small-area fit and
# its uncertainty, at most 2 GiB. Run it alone on the machine (one CPU-heavy job at a time).
#   benchmarks/run-report.sh [DIR] [REPETITIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-report-bench}
reps=${2:-3}
input="$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz"
dotnet build "$root/notebooks/Runner/PopHealth.Runner.csproj" -nologo -v q >/dev/null
runner="$root/notebooks/Runner/bin/Debug/net10.0/PopHealth.Runner.dll"
echo "run  07 notebook s (runner)  kernel peak MiB  07 cells s (stages only)"
for i in $(seq 1 "$reps"); do
  rm -rf "$dir"
  log="$dir.log"
  (cd "$root" && POPHEALTH_INPUT="$input" POPHEALTH_DATA="$dir" dotnet "$runner" 01-convert 07-report >"$log" 2>&1) \
    || { cat "$log" >&2; exit 1; }
  line=$(grep -A1 "07-report" "$log" | grep -E "done in [0-9.]+ s, kernel peak [0-9]+ MiB")
  cells=$(/usr/bin/python3 "$here/notebook_cell_times.py" --from "ReportStep.ReadAsync" "$dir/rendered/07-report.ipynb")
  echo "$i    $(echo "$line" | sed -E 's/.*done in ([0-9.]+) s, kernel peak ([0-9]+) MiB.*/\1                       \2/')             $cells"
done
