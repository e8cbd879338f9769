#!/usr/bin/env bash
# Small-area validation on the real 2016 extract (issue 22): every fully present state subsampled to n = 100, 300 and 1,000
# respondents at once, DRAWS seeded draws per n (default 20); on each draw our model and the direct estimates, and, at n = 300
# on the first LME4_DRAWS draws (default 10), classic MRP with R lme4 (mrp_lme4.R) on the same draws and the same frame.
# Each state's estimates are compared with its full-sample direct estimate. Prints the table and writes
# studies/small-area/results/validation.{md,csv}; working files go to studies/small-area/work (git-ignored).
#   studies/small-area/run-validation.sh [DRAWS] [LME4_DRAWS]
# Needs the .NET 10 SDK, Rscript with Debian's r-cran-lme4, GNU time. POPHEALTH_SEED sets the draws' seed (default 20240611).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
draws=${1:-20}
lme4_draws=${2:-10}
work="$here/work"
cd "$root"
dotnet build -c Release studies/PopHealth.Studies -p:PackForNotebooks=false -nologo -v q >/dev/null
study=(dotnet "$root/studies/PopHealth.Studies/bin/Release/net10.0/PopHealth.Studies.dll" small-area)
started=$(date +%s)
"${study[@]}" prepare --work "$work" --draws "$draws"
echo "== ours and direct: n = 100, 300, 1000 x $draws draws"
/usr/bin/time -f "   ours: %e s wall, %M KiB peak RSS" "${study[@]}" run --work "$work" --draws "$draws"
echo "== lme4 (classic MRP, glmer nAGQ = 1): n = 300 x $lme4_draws draws"
/usr/bin/time -f "   lme4: %e s wall, %M KiB peak RSS" Rscript "$here/mrp_lme4.R" "$work" 300 "1:$lme4_draws" "$work/results_lme4.csv" 1 2>&1 | grep -v "boundary (singular)"
echo "== table"
"${study[@]}" report --work "$work" --results "$here/results"
echo "total: $(( $(date +%s) - started )) s"
