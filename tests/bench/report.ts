// The benchmark harness: the row every benchmark returns, a rate measurement, and the printed table.
import { performance } from 'node:perf_hooks';

/** One measured figure. */
export interface BenchFigure {
  name: string;
  value: number;
  /** e.g. "decisions/s", "ops/s", "ms". */
  unit: string;
}

/**
 * One row of `npm run bench`. A figure alone depends on the machine; a baseline measured in the same run, on
 * the same data, gives a ratio that reads the same on a laptop and on CI.
 */
export interface BenchRow extends BenchFigure {
  baseline?: BenchFigure;
  /** value / baseline.value. */
  ratio?: number;
  /** What the row measures, in a few words (data size, path taken). */
  note?: string;
}

/** A benchmark: measures something and returns its rows. Register it in tests/bench/run.ts. */
export type Benchmark = () => Promise<BenchRow[]>;

export interface RateOptions {
  /** Untimed calls before measuring, so the JIT has settled. */
  warmupMillis?: number;
  /** Each round runs for at least this long. */
  roundMillis?: number;
  /** The reported rate is the median of the rounds. */
  rounds?: number;
}

/** Keeps results alive so the engine cannot drop the work being measured. */
let sink: unknown;
export function consume(value: unknown): void {
  sink = value;
}
export function lastConsumed(): unknown {
  return sink;
}

/**
 * Calls `operation(i)` with i = 0, 1, 2… for `rounds` rounds of at least `roundMillis` each and returns the
 * median rate in calls per second.
 */
export function measureRate(operation: (iteration: number) => unknown, options: RateOptions = {}): number {
  const { warmupMillis = 200, roundMillis = 400, rounds = 5 } = options;
  let iteration = 0;
  const runFor = (millis: number): { calls: number; elapsed: number } => {
    const start = performance.now();
    let calls = 0;
    let elapsed = 0;
    // Check the clock every few calls only: reading it is not free next to a microsecond operation.
    let batch = 1;
    while (elapsed < millis) {
      for (let i = 0; i < batch; i += 1) consume(operation(iteration++));
      calls += batch;
      elapsed = performance.now() - start;
      if (elapsed < millis / 20) batch *= 2;
    }
    return { calls, elapsed };
  };
  runFor(warmupMillis);
  const rates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const { calls, elapsed } = runFor(roundMillis);
    rates.push((calls / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

/** A row with its ratio to a baseline filled in. */
export function compared(figure: BenchFigure, baseline: BenchFigure, note?: string): BenchRow {
  return {
    ...figure,
    baseline,
    ratio: baseline.value === 0 ? Number.NaN : figure.value / baseline.value,
    ...(note ? { note } : {}),
  };
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** A plain-text table: benchmark, figure, baseline, ratio. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const lines = rows.map((row) => [
    row.name,
    formatValue(row.value),
    row.unit,
    row.baseline?.name ?? '',
    row.baseline ? `${formatValue(row.baseline.value)} ${row.baseline.unit}` : '',
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const numeric = new Set([1, 4, 5]);
  const render = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const notes = rows.filter((row) => row.note).map((row) => `  ${row.name}: ${row.note}`);
  return [
    render(header),
    render(widths.map((width) => '-'.repeat(width))),
    ...lines.map(render),
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
  ].join('\n');
}

/** The value at a percentile, by nearest rank (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface Summary {
  p50: number;
  p95: number;
  n: number;
}

/** Median and p95 (nearest rank). */
export function summarize(values: readonly number[]): Summary {
  return { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
}
