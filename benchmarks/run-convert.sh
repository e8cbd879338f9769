#!/usr/bin/env bash
# Conversion benchmark, side by side in one run: our XPT -> Parquet conversion (whole process) against
# pandas.read_sas merely reading the same file, REPETITIONS paired runs per file (default 5).
#   benchmarks/run-convert.sh [DIR] [REPETITIONS]
# Needs the XPT files from benchmarks/make_xpt.R (R haven) in DIR (default /tmp/bigxpt), Debian's
# python3-pandas, GNU time. Run it under the machine's CPU lock (flock /tmp/pophealth-cpu.lock ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/bigxpt}
reps=${2:-5}
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
bench="$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll"
for f in brfss2016.xpt brfss2016x4.xpt; do
  echo "== $f ($(du -m "$dir/$f" | cut -f1) MB)"
  for i in $(seq 1 "$reps"); do
    /usr/bin/time -f "   $i pophealth: %e s wall, %M KiB peak RSS" dotnet "$bench" convert "$dir/$f" "$dir/$f.parquet"
    /usr/bin/time -f "   $i pandas.read_sas: %e s wall, %M KiB peak RSS" /usr/bin/python3 -c "import pandas as pd, sys; d = pd.read_sas(sys.argv[1], format='xport')" "$dir/$f"
  done
done
