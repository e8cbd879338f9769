#!/usr/bin/env bash
# Outside check of the workbook's Parquet page checksums: independent readers (hyparquet, DuckDB, parquet-wasm) read a
# file the workbook wrote and agree with its values; every page's CRC-32 is recomputed with Node's zlib from pages found by
# hyparquet's parsers; a copy with 64 flipped bytes is caught by that check (and shows whether the readers notice on their own).
# Needs node (>= 20.15, for zlib.crc32) and npm; packages go to <dir>/npm. Optional second argument: a folder holding a
# predictions.parquet from 06 (its pages are checked too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${1:-/tmp/pophealth-crc-check}
dotnet build -c Release "$root/benchmarks/PopHealth.Benchmarks/PopHealth.Benchmarks.csproj" -nologo -v q >/dev/null
dotnet "$root/benchmarks/PopHealth.Benchmarks/bin/Release/net10.0/PopHealth.Benchmarks.dll" crc-sample "$dir"
if [ -n "${2:-}" ]; then cp "$2/predictions.parquet" "$dir/predictions.parquet"; fi
mkdir -p "$dir/npm"
(cd "$dir/npm" && [ -f package.json ] || npm init -y >/dev/null)
(cd "$dir/npm" && npm install --silent --no-audit --no-fund hyparquet@1.31.5 @duckdb/node-api@1.5.6-r.1 parquet-wasm@0.8.0 apache-arrow@21.2.0 >/dev/null)
cp "$here/check_parquet_crc.mjs" "$dir/npm/"
node "$dir/npm/check_parquet_crc.mjs" "$dir"
