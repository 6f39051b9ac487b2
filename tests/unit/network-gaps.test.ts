// A higher-priority adapter without a network section takes a lower adapter's network rules off the hosts they
// share (the yields of src/enforce/record-rules.ts; by design: a cover-only adapter). Nobody was told: the bundle
// checks, the adapter CLI and the options page's admin view now say it. The yields themselves are unchanged.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { noteInForce, readPolicyStatus } from '../../src/background/policy-source';
import { assignedSroOrigins, hostPatternPrefix } from '../../src/enforce/record-rules';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { networkGaps, networkGapWarning } from '../../src/policy/adapter-overlap';
import { bundleWarnings, type PolicyBundle } from '../../src/policy/bundle';
import { policyWith, realBundle, adapterCli } from './support';

const demo = realBundle.adapters.find((adapter) => adapter.id === 'demo-sis');
if (!demo) throw new Error('no demo adapter');

/** A recorded adapter: priority 10, one demo port, no network section (what the recorder writes). */
const recordedRaw = (() => {
  const { network: _network, ...rest } = structuredClone(demo);
  return {
    ...rest,
    $schema: undefined,
    id: 'recorded',
    priority: 10,
    match: { ...demo.match, hosts: ['127.0.0.1:4100'] },
  };
})();
const recorded: SisAdapter = SisAdapterSchema.parse(recordedRaw);
const networkedIds = realBundle.adapters
  .filter((adapter) => adapter.network !== undefined && adapter.match.hosts.includes('127.0.0.1'))
  .map((adapter) => adapter.id);

describe('networkGaps', () => {
  it('names a cover-only adapter over the demo adapters on 127.0.0.1, its hosts and the adapters it overrides', () => {
    expect(networkedIds.length).toBeGreaterThan(0);
    expect(networkGaps([...realBundle.adapters, recorded])).toEqual([
      { adapter: 'recorded', hosts: ['127.0.0.1:4100'], lower: networkedIds },
    ]);
  });

  it('says exactly where the record rules yield (assignedSroOrigins), no more and no less', () => {
    const adapters = [...realBundle.adapters, recorded];
    const yielding = assignedSroOrigins(adapters).filter((origin) => origin.yieldsBelow === true);
    const gaps = networkGaps(adapters);
    const gapPrefixes = gaps.flatMap((gap) => gap.hosts.map(hostPatternPrefix));
    // Every yield of an adapter without network rules is reported; a networked adapter's yield is not a gap.
    const uncovered = yielding.filter((origin) => origin.adapters.every((one) => one.network === undefined));
    expect(uncovered.map((origin) => origin.origin).sort()).toEqual(gapPrefixes.sort());
  });

  it('is silent for a higher adapter with a network section, on other hosts, or over a cover-only lower one', () => {
    const networked = SisAdapterSchema.parse({ ...recordedRaw, network: demo.network });
    expect(networkGaps([...realBundle.adapters, networked])).toEqual([]);
    const elsewhere = SisAdapterSchema.parse({
      ...recordedRaw,
      match: { ...demo.match, hosts: ['sis.example.org'] },
    });
    expect(networkGaps([...realBundle.adapters, elsewhere])).toEqual([]);
    const lowerCoverOnly = SisAdapterSchema.parse({ ...recordedRaw, id: 'lower', priority: 5 });
    expect(networkGaps([lowerCoverOnly, recorded])).toEqual([]);
    // The shipped policy has none.
    expect(bundleWarnings(realBundle)).toEqual([]);
  });

  it('words the warning in English and Spanish', () => {
    const gap = { adapter: 'recorded', hosts: ['127.0.0.1:4100'], lower: ['demo-sis'] };
    expect(networkGapWarning(gap)).toBe(
      'adapter "recorded" has no network section: on hosts 127.0.0.1:4100 only the in-page cover guards; the network rules of adapter "demo-sis" (lower priority) no longer apply there',
    );
    expect(networkGapWarning(gap, 'es')).toContain('el adaptador "recorded" no tiene sección network');
    expect(bundleWarnings({ adapters: [...realBundle.adapters, recorded] })).toEqual([
      networkGapWarning({ ...gap, lower: networkedIds }),
    ]);
  });
});

describe('the options page learns of it (the policy status, fakeBrowser)', () => {
  beforeEach(() => fakeBrowser.reset());

  it('marks the adapter in force with its gap; the others carry none', async () => {
    const bundle: PolicyBundle = policyWith((draft) => draft.adapters.push(structuredClone(recorded)));
    await noteInForce(bundle, 'stored', false);
    const adapters = (await readPolicyStatus()).inForce?.adapters ?? [];
    expect(adapters.find((adapter) => adapter.id === 'recorded')?.networkGap).toEqual({
      hosts: ['127.0.0.1:4100'],
      lower: networkedIds,
    });
    expect(adapters.filter((adapter) => adapter.networkGap !== undefined)).toHaveLength(1);
  });
});

describe('npm run adapter -- validate', () => {
  it('warns on stderr and still calls the adapter valid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-gap-'));
    const file = join(dir, 'recorded.json');
    await writeFile(file, JSON.stringify({ ...recordedRaw, $schema: undefined }));
    const run = await adapterCli('validate', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('adapter "recorded" is valid');
    expect(run.stderr).toContain(
      'warning: adapter "recorded" has no network section: on hosts 127.0.0.1:4100 only the in-page cover guards',
    );
  }, 60_000);
});
