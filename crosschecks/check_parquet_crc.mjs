// Outside check of the workbook's Parquet page checksums (run by check-parquet-crc.sh): independent code reads our files.
//   node check_parquet_crc.mjs <dir>   (dir from "PopHealth.Benchmarks crc-sample <dir>", optionally predictions.parquet)
// 1. Every page's CRC-32 recomputed here: pages found with hyparquet's own footer and page-header parsers, CRC-32 by
//    Node's zlib (the gzip polynomial the Parquet spec names) - none of the workbook's code.
// 2. The values as hyparquet, DuckDB and parquet-wasm (Rust's parquet crate) read them, against ours.csv (the workbook's reading).
// 3. The damaged copy: the recomputed CRC names the page; whether these readers notice on their own.
import { readFileSync, existsSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DuckDBInstance } from '@duckdb/node-api';
import * as wasm from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';

const dir = process.argv[2];
const toBuffer = (file) => { const b = readFileSync(file); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };

function pageChecks(file) {
  const buffer = toBuffer(file);
  const view = new DataView(buffer);
  const meta = parquetMetadata(buffer);
  const result = { pages: 0, withCrc: 0, bad: [] };
  for (const [g, group] of meta.row_groups.entries()) {
    for (const column of group.columns) {
      const m = column.meta_data;
      let offset = Number(m.dictionary_page_offset && m.dictionary_page_offset < m.data_page_offset ? m.dictionary_page_offset : m.data_page_offset);
      const end = offset + Number(m.total_compressed_size);
      while (offset < end) {
        const reader = { view, offset };
        const header = parquetHeader(reader);
        const data = new Uint8Array(buffer, reader.offset, header.compressed_page_size);
        result.pages++;
        if (header.crc !== undefined) {
          result.withCrc++;
          const computed = crc32(data) | 0; // signed, as Thrift's i32
          if (computed !== header.crc) result.bad.push(`column ${m.path_in_schema.join('.')}, row group ${g + 1}, page at byte ${offset}`);
        }
        offset = reader.offset + header.compressed_page_size;
      }
    }
  }
  return result;
}

function reference() {
  const [head, ...lines] = readFileSync(join(dir, 'ours.csv'), 'utf8').trim().split('\n');
  return { names: head.split(','), rows: lines.map((l) => l.split(',')) };
}

const same = (expected, actual) => {
  if (expected === '') return actual === null || actual === undefined;
  if (typeof actual === 'boolean') return String(actual) === expected;
  if (typeof actual === 'string') return actual === expected;
  return Number(actual) === Number(expected); // bigint, number
};

function compare(name, objects, ref) {
  if (objects.length !== ref.rows.length) return `${name}: ${objects.length} rows, expected ${ref.rows.length}`;
  let different = 0;
  for (let r = 0; r < ref.rows.length; r++)
    for (let c = 0; c < ref.names.length; c++)
      if (!same(ref.rows[r][c], objects[r][ref.names[c]])) different++;
  return `${name}: ${objects.length} rows x ${ref.names.length} columns, ${different} values different from the workbook's reading`;
}

async function readers(file) {
  const out = {};
  try { out.hyparquet = await parquetReadObjects({ file: toBuffer(file) }); } catch (e) { out.hyparquet = e; }
  try {
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    out.duckdb = (await connection.runAndReadAll(`select * from read_parquet('${file}')`)).getRowObjects();
  } catch (e) { out.duckdb = e; }
  try {
    const table = tableFromIPC(wasm.readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
    out['parquet-wasm'] = table.toArray().map((row) => row.toJSON());
  } catch (e) { out['parquet-wasm'] = e; }
  return out;
}

const ref = reference();
const ours = pageChecks(join(dir, 'ours.parquet'));
console.log(`ours.parquet: ${ours.pages} pages, ${ours.withCrc} with a crc, ${ours.bad.length} mismatches (recomputed with zlib.crc32)`);
for (const [name, rows] of Object.entries(await readers(join(dir, 'ours.parquet'))))
  console.log(rows instanceof Error ? `${name}: failed: ${rows.message}` : compare(name, rows, ref));
const damaged = pageChecks(join(dir, 'damaged.parquet'));
console.log(`damaged.parquet: ${damaged.pages} pages, ${damaged.withCrc} with a crc, mismatches: ${damaged.bad.join('; ') || 'none'}`);
for (const [name, rows] of Object.entries(await readers(join(dir, 'damaged.parquet'))))
  console.log(rows instanceof Error ? `${name} on the damaged file: error (${rows.message.split('\n')[0]})` : `${name} on the damaged file: no error; ${compare(name, rows, ref)}`);
if (existsSync(join(dir, 'predictions.parquet'))) {
  const p = pageChecks(join(dir, 'predictions.parquet'));
  console.log(`predictions.parquet (06's output): ${p.pages} pages, ${p.withCrc} with a crc, ${p.bad.length} mismatches`);
}
process.exit(ours.bad.length === 0 && ours.withCrc === ours.pages && damaged.bad.length > 0 ? 0 : 1);
