#!/usr/bin/env bash
# Grid benchmark, side by side in one run: the original's grid (21 settings x 3 folds) on the 2016 seed-recipe
# training set (34,922 rows), whole process, ours (ML.NET, all cores) against scikit-learn's GridSearchCV(n_jobs=2)
# (crosschecks/seed_recipe.py --grid). Needs Debian's python3-sklearn and GNU time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
echo "== pophealth (ML.NET)"
/usr/bin/time -f "   whole process: %e s wall, %M KiB peak RSS" dotnet "$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll" grid "$root/data/brfss-real/brfss2016_llcp_statesubset_39vars.csv.gz"
echo "== scikit-learn GridSearchCV(n_jobs=2)"
/usr/bin/time -f "   whole process: %e s wall, %M KiB peak RSS" /usr/bin/python3 "$root/crosschecks/seed_recipe.py" --grid
