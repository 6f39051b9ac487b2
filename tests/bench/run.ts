// `npm run bench`: runs every benchmark and prints one table. `npm run bench -- decide` runs those whose
// name contains "decide"; `--json` prints the rows as JSON instead of a table.
//
// To add a benchmark: write tests/bench/<name>.bench.ts exporting an async function returning BenchRow[]
// (see report.ts), and add one line to BENCHMARKS below.
import { parseArgs } from 'node:util';
import { benchContentSize } from './content-size.bench';
import { benchDecide } from './decide.bench';
import { benchPageLoad } from './page-load.bench';
import { benchRedaction } from './redaction.bench';
import { formatTable, type Benchmark, type BenchRow } from './report';

const BENCHMARKS: Record<string, Benchmark> = {
  decide: () => benchDecide(),
  'page-load': () => benchPageLoad(),
  'injection-floor': async () => (await import('./injection-floor.bench')).benchInjectionFloor(),
  redaction: () => benchRedaction(),
  'content-size': () => benchContentSize(),
  log: async () => (await import('./log.bench')).benchLog(),
  'hub-ingest': async () => (await import('./hub-ingest.bench')).benchHubIngest(),
  'record-rules': async () => (await import('./record-rules.bench')).benchRecordRules(),
  'cold-start': async () => (await import('./cold-start.bench')).benchColdStart(),
  console: async () => (await import('./console.bench')).benchConsole(),
  'board-report': async () => (await import('./board-report.bench')).benchBoardReport(),
  approval: async () => (await import('./approval.bench')).benchApproval(),
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const selected = Object.entries(BENCHMARKS).filter(
    ([name]) => positionals.length === 0 || positionals.some((wanted) => name.includes(wanted)),
  );
  if (selected.length === 0) {
    console.error(
      `no benchmark matches ${positionals.join(' ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
    return 2;
  }
  const rows: BenchRow[] = [];
  for (const [name, run] of selected) {
    if (!values.json) console.error(`running ${name}…`);
    rows.push(...(await run()));
  }
  console.log(values.json ? JSON.stringify(rows, null, 2) : formatTable(rows));
  return 0;
}

process.exitCode = await main();
