// Outside check of the population estimates extract with DuckDB (as a BI tool reads it), run by population-extract-duckdb.sh.
// 1. Both files as DuckDB reads them: the columns in order and their types (Parquet typed; CSV as DuckDB's sniffer types it).
// 2. The two files hold the same rows, value for value (EXCEPT ALL both ways).
// 3. From the raw 2016 extract, in SQL: every state's and state x age band's weighted prevalence, respondents, weighted
//    population and Taylor-linearised standard error (strata _STSTR, each respondent its own PSU, a single-respondent stratum
//    centred at the grand mean) equal the extract's; each state's coverage equals its weights over the Census Bureau's 2016
//    resident adults; every row of a state covering less than 90 % says partial = true.
// Usage: node population_extract_duckdb.mjs <folder with the extract> <repository root>
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';

const [folder, root] = process.argv.slice(2);
const parquet = join(folder, 'population_estimates.parquet');
const csv = join(folder, 'population_estimates.csv');
const raw = join(root, 'data', 'brfss-real', 'brfss2016_llcp_statesubset_39vars.csv.gz');
const census = join(root, 'data', 'census', 'scprc-est2016-18+pop-res.csv');
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const rows = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
const one = async (sql) => (await rows(sql))[0];
let failures = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures++; };

// 1. Columns and types.
const expected = ['year', 'geo_level', 'geo_fips', 'geo_abbr', 'group_dim', 'group_value', 'measure', 'method', 'value', 'ci_low', 'ci_high', 'se', 'n',
  'population', 'suppressed', 'suppression_reason', 'coverage', 'partial', 'model_version'];
const types = { year: 'INTEGER', value: 'DOUBLE', ci_low: 'DOUBLE', ci_high: 'DOUBLE', se: 'DOUBLE', n: 'BIGINT', population: 'DOUBLE', suppressed: 'BOOLEAN', coverage: 'DOUBLE', partial: 'BOOLEAN' };
for (const [name, source] of [['Parquet', `read_parquet('${parquet}')`], ['CSV', `read_csv('${csv}')`]]) {
  const described = await rows(`describe select * from ${source}`);
  check(described.map((r) => r.column_name).join(',') === expected.join(','), `${name}: the ${expected.length} columns in order`);
  const wrong = described.filter((r) => (types[r.column_name] ?? 'VARCHAR') !== r.column_type && !(name === 'CSV' && r.column_name === 'year' && r.column_type === 'BIGINT'));
  check(wrong.length === 0, `${name}: column types as the data dictionary says${wrong.length ? ' (' + wrong.map((r) => `${r.column_name} ${r.column_type}`).join(', ') + ')' : ''}`);
}

// 2. Same rows in both files.
await connection.run(`create table p as select * from read_parquet('${parquet}')`);
await connection.run(`create table c as select * from read_csv('${csv}', types = {'geo_fips': 'VARCHAR', 'model_version': 'VARCHAR', 'suppression_reason': 'VARCHAR'})`);
const counts = await one(`select (select count(*) from p) as p, (select count(*) from c) as c,
  (select count(*) from (select * from p except all select * from c)) as only_p, (select count(*) from (select * from c except all select * from p)) as only_c`);
check(counts.p === counts.c && counts.only_p === '0' && counts.only_c === '0', `Parquet and CSV: ${counts.p} rows each, identical (${counts.only_p} / ${counts.only_c} rows in one only)`);

// 3. The raw extract, recomputed in SQL. Design: every respondent (all have a positive weight), strata _STSTR.
await connection.run(`create table d as select "_STATE" as st, lpad("_STATE"::varchar, 2, '0') as fips, "_STSTR" as h, "_LLCPWT" as w,
  case "_RFHLTH" when 2 then 1.0 when 1 then 0.0 end as y,
  case when "_AGEG5YR" = 1 then '18-24' when "_AGEG5YR" in (2, 3) then '25-34' when "_AGEG5YR" in (4, 5) then '35-44'
       when "_AGEG5YR" in (6, 7) then '45-54' when "_AGEG5YR" in (8, 9) then '55-64' when "_AGEG5YR" between 10 and 13 then '65+' end as age
  from read_csv('${raw}')`);
await connection.run(`create table nh as select h, count(*) as n from d group by h`);
// One domain per (fips, grp): prevalence, n, population, and the linearised variance summed over strata.
const recompute = async (group, dim) => {
  await connection.run(`create or replace table est as
    with dom as (select fips, ${group} as grp, h, w, y from d where ${group} is not null),
         p as (select fips, grp, sum(w * y) / sum(w) filter (where y is not null) as p, sum(w) filter (where y is not null) as wt,
                      count(y) as n, sum(w) as pop from dom group by fips, grp),
         z as (select dom.fips, dom.grp, dom.h, coalesce(dom.w * (dom.y - p.p) / p.wt, 0) as z from dom join p using (fips, grp)),
         s as (select fips, grp, h, sum(z) as s1, sum(z * z) as s2 from z group by fips, grp, h)
    select p.fips, p.grp, p.p, p.n, p.pop,
           sqrt(sum(case when nh.n > 1 then nh.n / (nh.n - 1.0) * (s.s2 - s.s1 * s.s1 / nh.n) else s.s2 end)) as se
    from p join s using (fips, grp) join nh using (h) group by p.fips, p.grp, p.p, p.n, p.pop`);
  const compared = await one(`select count(*) as rows, count(e.value) as shown,
      max(abs(e.value / 100 - est.p)) as dv, max(abs(e.se / 100 - est.se)) as dse,
      max(abs(e.population / est.pop - 1)) as dpop, count(*) filter (where e.n <> est.n) as dn
    from est join p as e on e.geo_level = 'state' and e.geo_fips = est.fips and e.group_dim = '${dim}' and e.group_value = est.grp`);
  const total = await one(`select count(*) as rows from est`);
  check(compared.rows === total.rows && Number(compared.dv) <= 1e-9 && Number(compared.dse) <= 1e-9 && Number(compared.dpop) <= 1e-12 && compared.dn === '0',
    `state x ${dim}: ${compared.rows} of ${total.rows} DuckDB domains matched (${compared.shown} shown): largest |difference| prevalence ${Number(compared.dv).toExponential(1)}, `
    + `SE ${Number(compared.dse).toExponential(1)}, relative population ${Number(compared.dpop).toExponential(1)}; respondents differ in ${compared.dn}`);
};
await recompute(`'all'`, 'all');
await recompute('age', 'age');

// Coverage: weights over the Census Bureau's resident adults; partial below 90 %, on every row of the state.
const coverage = await one(`with cov as (select lpad(STATE::varchar, 2, '0') as fips, POPEST18PLUS2016 as adults from read_csv('${census}', types = {'STATE': 'INTEGER'})),
    sums as (select fips, sum(w) as weights from d group by fips),
    mine as (select fips, sums.weights / cov.adults as coverage from sums join cov using (fips))
  select count(*) as states, max(abs(e.coverage / mine.coverage - 1)) as worst,
    count(*) filter (where mine.coverage < 0.9) as partial
  from mine join p as e on e.geo_level = 'state' and e.geo_fips = mine.fips and e.group_dim = 'all'`);
check(Number(coverage.worst) <= 1e-12, `coverage of ${coverage.states} states equals weights / Census resident adults (largest relative difference ${Number(coverage.worst).toExponential(1)}); ${coverage.partial} below 90 %`);
const unflagged = await one(`select count(*) as bad from p where geo_level = 'state' and coverage < 0.9 and partial is distinct from true`);
check(unflagged.bad === '0', `every row of a state covering less than 90 % carries partial = true (${unflagged.bad} rows do not)`);
const unknown = await rows(`select distinct geo_abbr from p where geo_level = 'state' and coverage is null order by 1`);
check(unknown.map((r) => r.geo_abbr).join(',') === 'GU,VI', `coverage unknown only where the Census has no figure: ${unknown.map((r) => r.geo_abbr).join(', ')}`);

console.log(failures === 0 ? 'population extract: every check passed' : `population extract: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
