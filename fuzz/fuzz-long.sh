#!/usr/bin/env bash
# Long run of the ingest fuzz suite (tests/PopHealth.Tests/Ingest/IngestFuzzTests.cs): the CI test's seeded mutants
# of the XPT, CSV, gzip and zip fixtures, many more of them. Prints cases, outcome classes, the most one case
# allocated, the test process's peak working set and peak RSS; exits non-zero if any case failed.
#   fuzz/fuzz-long.sh [cases] [seed]      default: 200000 cases, seed 7
# Runs on one core (the fuzzer is single-threaded); a few minutes per 100,000 cases on this machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cases=${1:-200000}
seed=${2:-7}
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
POPHEALTH_FUZZ_CASES=$cases POPHEALTH_FUZZ_SEED=$seed POPHEALTH_FUZZ_REPORT=$report \
  /usr/bin/time -f "peak RSS of dotnet test and its test host: %M KiB; %e s wall" \
  dotnet test "$root/tests/PopHealth.Tests" -c Release -nologo -v q --filter "FullyQualifiedName~IngestFuzzTests" >/dev/null 2>"$report.time" || status=$?
cat "$report"
tail -1 "$report.time"
rm -f "$report.time"
exit $status
