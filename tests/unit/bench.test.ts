// Keeps `npm run bench` honest: its data is valid and realistic, and its rows and table are well formed.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FactsSchema } from '../../src/decide';
import { ConsentSchema } from '../../src/policy/consent';
import { CONSENTS, STUDENTS, benchDecide, makeConsents, makeFacts } from '../bench/decide.bench';
import { compared, formatTable, measureRate } from '../bench/report';

describe('the decide() benchmark data', () => {
  const consents = makeConsents();

  it('is 10,000 valid consents spread over many students, the same on every run', () => {
    expect(consents).toHaveLength(CONSENTS);
    expect(z.array(ConsentSchema).safeParse(consents).success).toBe(true);
    const perStudent = new Map<string, number>();
    for (const consent of consents)
      perStudent.set(consent.studentId, (perStudent.get(consent.studentId) ?? 0) + 1);
    expect(perStudent.size).toBeGreaterThan(STUDENTS * 0.9);
    expect(Math.max(...perStudent.values())).toBeLessThan(30);
    expect(makeConsents()).toEqual(consents);
  });

  it('facts are valid facts', () => {
    const facts = makeFacts(consents.slice(0, 10), { username: 'officer.diaz' }, 50);
    for (const one of facts) expect(FactsSchema.safeParse(one).success).toBe(true);
  });
});

describe('the benchmark harness', () => {
  it('measures a rate that tracks the cost of the operation', () => {
    const options = { warmupMillis: 5, roundMillis: 20, rounds: 3 };
    const cheap = measureRate(() => 1, options);
    const dear = measureRate(() => Array.from({ length: 2_000 }, (_, i) => i * 2).length, options);
    expect(cheap).toBeGreaterThan(dear);
    expect(dear).toBeGreaterThan(0);
  });

  it('compared() fills in the ratio and formatTable() prints every row', () => {
    const row = compared(
      { name: 'fast', value: 300, unit: 'ops/s' },
      { name: 'slow', value: 100, unit: 'ops/s' },
    );
    expect(row.ratio).toBe(3);
    const table = formatTable([row, { name: 'alone', value: 12.5, unit: 'ms', note: 'no baseline' }]);
    expect(table).toMatch(/fast\s+300\s+ops\/s\s+slow\s+100 ops\/s\s+3\.00×/);
    expect(table).toMatch(/alone\s+12\.5\s+ms/);
    expect(table).toContain('alone: no baseline');
  });

  it('benchDecide() returns decide() figures against a linear pass measured in the same run', async () => {
    const rows = await benchDecide({ warmupMillis: 10, roundMillis: 30, rounds: 1 });
    const sro = rows.find((row) => row.name.startsWith('decide(): SRO'));
    expect(sro).toMatchObject({ unit: 'decisions/s', baseline: { unit: 'passes/s' } });
    expect(sro?.value).toBeGreaterThan(0);
    expect(sro?.ratio).toBeCloseTo((sro?.value ?? 0) / (sro?.baseline?.value ?? 1), 10);
  }, 30_000);
});
