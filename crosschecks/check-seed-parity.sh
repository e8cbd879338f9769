#!/usr/bin/env bash
# Parity check: the seed recipe's whole feature table on the real 2016 extract against the one pandas makes with
# the original's rules (crosschecks/seed_recipe.py --dump), row by row and value by value.
# Needs Debian's python3-pandas and python3-sklearn (the reference script imports both). Exit 0 when identical.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dump=$(mktemp --suffix=.csv)
trap 'rm -f "$dump"' EXIT
(/usr/bin/python3 "$root/crosschecks/seed_recipe.py" --dump "$dump")
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
dotnet "$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll" seed-parity "$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz" "$dump"
