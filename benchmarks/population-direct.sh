#!/usr/bin/env bash
# Speed of the direct population estimates (issue 22: at least 10x faster than R survey's svyby on the same rows): every state
# x each group dimension (state alone, and state x age band, sex, income band, education) of the shipped 2016 extract
# (356,581 respondents), by R's svyby and by the workbook's DirectEstimator, each timed inside its process (estimation only)
# and as a whole process (reading the extract too; the workbook converts it to its interim Parquet table first).
# Run it alone on the machine (one CPU-heavy job at a time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
extract="$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz"
dotnet build -c Release "$here/PopulationDirect/PopHealth.PopulationDirect.csproj" -nologo -v q >/dev/null
echo "== R survey $(Rscript -e 'cat(as.character(packageVersion("survey")))') (svyby)"
/usr/bin/time -f "R whole process: %e s wall, %M KiB peak" Rscript "$here/population_direct_svyby.R" "$extract"
bench="$here/PopulationDirect/bin/Release/net10.0/PopHealth.PopulationDirect.dll"
echo "== workbook (DirectEstimator; the same states x dimensions, plus the 'all' rows): one round, as a whole process"
/usr/bin/time -f "workbook whole process (convert, read, estimate once): %e s wall, %M KiB peak" dotnet "$bench" time "$extract" 1
echo "== workbook: five rounds in one process (the first includes compiling the code)"
dotnet "$bench" time "$extract" 5
