#!/usr/bin/env bash
# What 07-report's small-area step costs on the whole real 2016 extract (356,581 respondents, 54 states, every state x group
# of the default groups): the fit, its posterior draws, the blend and the post-stratification, in one process, with its
# peak memory; writes studies/small-area/results/estimates_2016.csv (model and direct side by side for the states).
#   studies/small-area/run-full-2016.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
dotnet build -c Release studies/PopHealth.Studies -p:PackForNotebooks=false -nologo -v q >/dev/null
/usr/bin/time -f "process: %e s wall, %M KiB peak RSS" dotnet "$root/studies/PopHealth.Studies/bin/Release/net10.0/PopHealth.Studies.dll" small-area full \
  --work "$here/work" --results "$here/results"
