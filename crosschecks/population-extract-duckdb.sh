#!/usr/bin/env bash
# Outside check of the population estimates extract (issue 22) with DuckDB, as a BI tool reads it: the workbook's direct
# estimates of the shipped 2016 extract written to <dir>/report, then population_extract_duckdb.mjs checks both files' columns
# and types, that they hold the same rows, and recomputes in SQL, from the raw extract and the Census table, every state's and
# state x age band's prevalence, respondents, population, standard error and coverage, and the partial flags.
# Needs node (>= 18) and npm; DuckDB (@duckdb/node-api) goes to <dir>/npm. Usage: crosschecks/population-extract-duckdb.sh [dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-population-duckdb}
mkdir -p "$dir/npm"
dotnet build -c Release "$root/benchmarks/PopulationDirect/PopHealth.PopulationDirect.csproj" -nologo -v q >/dev/null
dotnet "$root/benchmarks/PopulationDirect/bin/Release/net10.0/PopHealth.PopulationDirect.dll" extract \
  "$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz" "$dir/report"
(cd "$dir/npm" && [ -f package.json ] || npm init -y >/dev/null)
(cd "$dir/npm" && npm install --silent --no-audit --no-fund @duckdb/node-api@1.5.6-r.1 >/dev/null)
cp "$here/population_extract_duckdb.mjs" "$dir/npm/"
node "$dir/npm/population_extract_duckdb.mjs" "$dir/report" "$root"
