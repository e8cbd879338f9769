#!/usr/bin/env bash
# Scale benchmark (issue 14): the three shipped national extracts (2022-2024, 1,336,125 respondents) through the
# notebooks as users run them: 01-convert, 03-transform, 04-train by the runner, `improved` recipe, default seed.
# Reported: each notebook's time and its kernel's peak memory (the runner samples them), and the whole runner process.
# Targets: the three notebooks under 15 minutes in all, every kernel under 4 GiB.
# Usage: benchmarks/run-years.sh [data folder, default /tmp/pophealth-years]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-years}
real="$root/data/brfss-real"
sep=:
export POPHEALTH_DATA="$dir" POPHEALTH_RECIPE=improved \
  POPHEALTH_INPUT="$real/brfss2022_llcp_national_20vars.zip$sep$real/brfss2023_llcp_national_20vars.zip$sep$real/brfss2024_llcp_national_20vars.zip" \
  POPHEALTH_YEAR="2022${sep}2023${sep}2024"
rm -rf "$dir"
dotnet build "$root/notebooks/Runner/PopHealth.Runner.csproj" -nologo -v q >/dev/null
/usr/bin/time -f "whole runner: %e s wall" -o "$dir.time" \
  dotnet "$root/notebooks/Runner/bin/Debug/net10.0/PopHealth.Runner.dll" 01-convert 03-transform 04-train | tee "$dir.log" | grep -E "^==|done in|FAILED"
cat "$dir.time"
/usr/bin/python3 - "$dir.log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
runs = re.findall(r"done in ([0-9.]+) s(?:, kernel peak ([0-9]+) MiB)?", text)
total = sum(float(s) for s, _ in runs)
peak = max((int(p) for _, p in runs if p), default=0)
print(f"== three notebooks: {total:.0f} s in all (target under 900 s), largest kernel peak {peak} MiB (target under 4096 MiB)")
PY
