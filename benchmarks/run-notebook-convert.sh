#!/usr/bin/env bash
# 01-convert measured as users run it: the whole notebook through the runner (dotnet run --project notebooks/Runner),
# net of its start-up on a 2,000-row input, against pandas.read_sas reading the same file, paired in one run.
#   benchmarks/run-notebook-convert.sh [DIR] [REPETITIONS]
# DIR (default /tmp/bigxpt) holds brfss2016x4.xpt from benchmarks/make_xpt.R (R haven); the 2,000-row input
# (the first 2,000 rows of the same 2016 extract, also written by R haven) is made there when missing. Needs Debian's
# python3-pandas and r-cran-haven. Each repetition runs: the notebook on the small input, on the large one, and pandas.
# Kernel peak memory is the runner's own figure (the largest process under it, VmHWM sampled from /proc every 100 ms).
# Run it under the machine's CPU lock: flock /tmp/pophealth-cpu.lock benchmarks/run-notebook-convert.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/bigxpt}
reps=${2:-5}
big="$dir/brfss2016x4.xpt"
small="$dir/brfss2016-2000.xpt"
[ -f "$big" ] || { echo "no $big: run Rscript benchmarks/make_xpt.R $dir first" >&2; exit 2; }
if [ ! -f "$small" ]; then
  Rscript -e 'library(haven); a <- commandArgs(TRUE); d <- read_xpt(a[1], n_max = 2000); write_xpt(d, a[2], version = 5, name = "LLCP2016")' "$dir/brfss2016.xpt" "$small"
fi
work=$(mktemp -d /tmp/pophealth-nbconvert-XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/notebooks/Runner" -nologo -v q >/dev/null

# One notebook run: prints "<runner wall s> <notebook s> <kernel peak MiB> <conversion s> <cells s>": the conversion's own
# stopwatch (the report 01 displays) and the time of every cell from the convert cell to the end, from the cell start and
# end times dotnet-repl records in the executed notebook (01's whole work, without the kernel's start and the setup cells).
run_notebook() {
  local input=$1 data=$2 log=$work/runner.log start end
  rm -rf "$data"
  start=$(date +%s.%N)
  (cd "$root" && POPHEALTH_INPUT="$input" POPHEALTH_DATA="$data" dotnet run --project notebooks/Runner -- 01-convert >"$log" 2>&1) \
    || { cat "$log" >&2; exit 1; }
  end=$(date +%s.%N)
  local line
  line=$(grep -E "done in [0-9.]+ s, kernel peak [0-9]+ MiB" "$log") || { cat "$log" >&2; exit 1; }
  local inside
  inside=$(/usr/bin/python3 "$here/notebook_cell_times.py" "$data/rendered/01-convert.ipynb")
  echo "$(echo "$end - $start" | bc) $(echo "$line" | sed -E 's/.*done in ([0-9.]+) s, kernel peak ([0-9]+) MiB.*/\1 \2/') $inside"
}

run_pandas() {
  /usr/bin/time -f "%e %M" -o "$work/pandas.time" /usr/bin/python3 -c \
    "import pandas as pd, sys; d = pd.read_sas(sys.argv[1], format='xport'); assert len(d) == 1426324, len(d)" "$1"
  awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' "$work/pandas.time"
}

# One unmeasured run first: a freshly packed library is restored into NuGet's cache by the first kernel that loads it.
run_notebook "$small" "$work/small" >/dev/null
echo "rep  small: runner s, notebook s, kernel MiB, conversion s, cells s | large: the same | pandas s, MiB | net s and ratio: notebook, conversion, cells | kernel growth MiB"
results=$work/results
for i in $(seq 1 "$reps"); do
  read -r sw sn sm sc scl < <(run_notebook "$small" "$work/small")
  read -r bw bn bm bc_ bcl < <(run_notebook "$big" "$work/big")
  read -r pt pm < <(run_pandas "$big")
  net=$(echo "$bn - $sn" | bc)
  ratio=$(echo "scale=4; $net / $pt" | bc)
  cnet=$(echo "$bc_ - $sc" | bc)
  cratio=$(echo "scale=4; $cnet / $pt" | bc)
  clnet=$(echo "$bcl - $scl" | bc)
  clratio=$(echo "scale=4; $clnet / $pt" | bc)
  echo "$i    $sw $sn $sm $sc $scl | $bw $bn $bm $bc_ $bcl | $pt $pm | $net $ratio $cnet $cratio $clnet $clratio | $((bm - sm))"
  echo "$net $pt $ratio $sm $bm $((bm - sm)) $(echo "$bw - $sw" | bc) $cnet $cratio $clnet $clratio" >>"$results"
done

/usr/bin/python3 - "$results" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
names = ["notebook net s", "pandas s", "ratio", "kernel peak small MiB", "kernel peak large MiB", "kernel growth MiB",
         "runner net s (whole process)", "conversion net s (in kernel)", "conversion ratio", "cells net s (convert cell to end)", "cells ratio"]
for k, name in enumerate(names):
    values = [r[k] for r in rows]
    print(f"{name:30s} median {statistics.median(values):9.3f}  range {min(values):9.3f} .. {max(values):9.3f}  (n={len(values)})")
EOF
echo "library alone (benchmarks/run-convert.sh):"
"$here/run-convert.sh" "$dir" "$reps"
