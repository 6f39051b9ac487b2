// Keeps the hub ingest benchmark honest: a small run through every path stores what it says it stores, and each
// figure is printed beside both baselines measured in the same run.
import { describe, expect, it } from 'vitest';
import { benchHubIngest, makeEvents } from '../bench/hub-ingest.bench';
import { EventBatchSchema, hashEvent } from '../../src/report/event-contract';

describe('the hub ingest benchmark', () => {
  it('posts valid, chained events', async () => {
    const chains = makeEvents(20, 2, 'test');
    for (const chain of chains) {
      expect(EventBatchSchema.safeParse({ events: chain }).success).toBe(true);
      for (const [index, event] of chain.entries()) {
        expect(event.hash).toBe(await hashEvent(event));
        if (index > 0) expect(event.prevHash).toBe(chain[index - 1]?.hash);
      }
    }
  });

  it('measures the API beside the same-rows and plain-table baselines, on every configured backend', async () => {
    const rows = await benchHubIngest({ events: 600, devices: 2, rounds: 1, plainRows: 2000 });
    const labels = process.env.HUB_TEST_DATABASE_URL ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
    for (const label of labels) {
      const sameRows = rows.find((row) => row.name === `hub ingest via HTTP (${label})`);
      const plain = rows.find(
        (row) => row.name === `hub ingest via HTTP, vs the plain-table reference (${label})`,
      );
      expect(sameRows?.baseline).toMatchObject({
        name: `raw INSERT of the same rows (${label})`,
        unit: 'rows/s',
      });
      expect(plain?.baseline).toMatchObject({ name: `INSERT of 300-byte rows (${label})`, unit: 'rows/s' });
      for (const row of [sameRows, plain]) {
        expect(row?.value).toBeGreaterThan(0);
        expect(row?.baseline?.value).toBeGreaterThan(0);
        expect(row?.ratio).toBeCloseTo((row?.value ?? 0) / (row?.baseline?.value ?? 1), 10);
      }
      expect(sameRows?.value).toBe(plain?.value);
    }
  }, 120_000);
});
