// Export blocks follow the verdict of the adapter that owns each host (issue #15 review): identities are stored
// under the owner's id, so a lower adapter on a higher one's host (the bundled PowerSchool adapter under a
// district's district.powerschool.com adapter, the demo adapters under a recorded one on 127.0.0.1) never sees
// anyone there. Its blocks must not stop a teacher's export on the owner's host, and must stay on the hosts it
// owns, and on the owner's host while the owner's user is guarded.
import { describe, expect, it } from 'vitest';
import {
  BLOCK_PRIORITY,
  RELEASE_PRIORITY,
  ALLOW_PRIORITY,
  blockRulesFor,
  ruleMatches,
  scopedFilter,
} from '../../src/enforce/export-rules';
import { MAX_RECORD_PRIORITY } from '../../src/enforce/record-rules';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { realBundle } from './support';

type Rule = Browser.declarativeNetRequest.Rule;

const bundled = (id: string): SisAdapter => {
  const found = realBundle.adapters.find((one) => one.id === id);
  if (!found) throw new Error(`no ${id} adapter`);
  return found;
};
const powerschool = bundled('powerschool');
const demo = bundled('demo-sis');
/** A district's adapter for one PowerSchool host, above the bundled one, declaring none of its endpoints. */
const district = SisAdapterSchema.parse({
  ...structuredClone(powerschool),
  $schema: undefined,
  id: 'district-ps',
  priority: 10,
  match: { ...powerschool.match, hosts: ['district.powerschool.com'] },
  exports: { controls: [], endpoints: [] },
});
/** A recorded adapter on one demo port (the recorder writes priority 10), with no export endpoints of its own. */
const recorded = SisAdapterSchema.parse({
  ...structuredClone(demo),
  $schema: undefined,
  id: 'recorded',
  priority: 10,
  match: { ...demo.match, hosts: ['127.0.0.1:4100'] },
  exports: { controls: [], endpoints: [] },
});

/** declarativeNetRequest's precedence for these rules: the highest priority wins; at one priority allow first. */
function outcome(rules: readonly Rule[], url: string): 'allow' | 'block' | 'none' {
  const matching = rules.filter((rule) => ruleMatches(rule, { url, method: 'get', tabId: 1 }));
  if (matching.length === 0) return 'none';
  const top = Math.max(...matching.map((rule) => rule.priority ?? 1));
  return matching.some((rule) => (rule.priority ?? 1) === top && rule.action.type === 'allow')
    ? 'allow'
    : 'block';
}

const verdicts =
  (guarded: Record<string, boolean>) =>
  (adapter: SisAdapter): boolean =>
    guarded[adapter.id] ?? true;

const REPORT = '/admin/reports/enrollment?format=csv';
const LIST = '/admin/studentlist/export.csv';

describe('a lower wildcard adapter under a district adapter that owns one of its hosts', () => {
  const adapters = [powerschool, district];

  it("releases the lower adapter's endpoints to a teacher on the owner's host (nobody seen under its own id)", () => {
    // The bundled adapter has no identity of its own anywhere: `unidentifiedUser: "guard"` guards it.
    const rules = blockRulesFor(adapters, verdicts({ powerschool: true, 'district-ps': false }));
    expect(outcome(rules, `https://district.powerschool.com${REPORT}`)).toBe('allow');
    expect(outcome(rules, `https://district.powerschool.com${LIST}`)).toBe('allow');
    // Every other host the wildcard owns keeps its blocks.
    expect(outcome(rules, `https://other.powerschool.com${REPORT}`)).toBe('block');
    expect(outcome(rules, `https://x.district.powerschool.com${REPORT}`)).toBe('block');
    // A URL no endpoint names is not touched.
    expect(outcome(rules, 'https://district.powerschool.com/admin/home.html')).toBe('none');
  });

  it("keeps the lower adapter's endpoints blocked on the owner's host while its user is guarded", () => {
    const sro = blockRulesFor(adapters, verdicts({ powerschool: true, 'district-ps': true }));
    expect(outcome(sro, `https://district.powerschool.com${REPORT}`)).toBe('block');
    // Even when the lower adapter's own verdict would not block (nobody identified is not guarded).
    const ownerOnly = blockRulesFor(adapters, verdicts({ powerschool: false, 'district-ps': true }));
    expect(outcome(ownerOnly, `https://district.powerschool.com${REPORT}`)).toBe('block');
    expect(outcome(ownerOnly, `https://other.powerschool.com${REPORT}`)).toBe('none');
  });

  it('blocks nothing when nobody is guarded', () => {
    expect(blockRulesFor(adapters, () => false)).toEqual([]);
  });

  it('ranks a release above every block and record rule, and below the one-shot allow', () => {
    expect(RELEASE_PRIORITY).toBeGreaterThan(BLOCK_PRIORITY);
    expect(BLOCK_PRIORITY).toBeGreaterThan(MAX_RECORD_PRIORITY);
    expect(ALLOW_PRIORITY).toBeGreaterThan(RELEASE_PRIORITY);
    const rules = blockRulesFor(adapters, verdicts({ powerschool: true, 'district-ps': false }));
    const releases = rules.filter((rule) => rule.action.type === 'allow');
    expect(releases.length).toBe(powerschool.exports.endpoints.length);
    for (const rule of releases) expect(rule.priority).toBe(RELEASE_PRIORITY);
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  });
});

describe('the demo adapters on 127.0.0.1 under a recorded adapter on one port', () => {
  const adapters = [...realBundle.adapters, recorded];
  const teacher = verdicts({ recorded: false });

  it("releases the demo adapters' endpoints to a teacher on the recorded adapter's port only", () => {
    const rules = blockRulesFor(adapters, teacher);
    expect(outcome(rules, 'http://127.0.0.1:4100/export/roster.csv')).toBe('allow');
    expect(outcome(rules, 'http://127.0.0.1:4100/export/student-100000-grades.csv')).toBe('allow');
    // Another port is the demo adapters' own host: still blocked; so is localhost.
    expect(outcome(rules, 'http://127.0.0.1:4200/export/roster.csv')).toBe('block');
    expect(outcome(rules, 'http://localhost:4100/export/roster.csv')).toBe('block');
  });

  it('keeps them blocked there for an SRO', () => {
    const rules = blockRulesFor(adapters, verdicts({ recorded: true }));
    expect(outcome(rules, 'http://127.0.0.1:4100/export/roster.csv')).toBe('block');
  });
});

describe('scopedFilter: an endpoint filter on one host pattern', () => {
  const test = (pattern: string, filter: string, url: string): boolean =>
    new RegExp(scopedFilter(pattern, filter) ?? '$^', 'i').test(url);

  it.each([
    ['127.0.0.1:4100', '/export/roster.csv', 'http://127.0.0.1:4100/export/roster.csv', true],
    ['127.0.0.1:4100', '/export/roster.csv', 'http://127.0.0.1:4100/a/export/roster.csv?x', true],
    ['127.0.0.1:4100', '/export/roster.csv', 'http://127.0.0.1:41000/export/roster.csv', false],
    ['127.0.0.1:4100', '/export/roster.csv', 'http://127.0.0.1:4101/export/roster.csv', false],
    [
      'district.powerschool.com',
      '/admin/studentlist/*.csv',
      'https://district.powerschool.com/admin/studentlist/a.csv',
      true,
    ],
    [
      'district.powerschool.com',
      '/admin/reports/',
      'https://x.district.powerschool.com/admin/reports/',
      false,
    ],
    [
      'district.powerschool.com',
      '/admin/reports/',
      'https://evil.example/district.powerschool.com/admin/reports/',
      false,
    ],
    ['district.powerschool.com', 'export.csv', 'https://district.powerschool.comexport.csv/', false],
    ['district.powerschool.com', 'export.csv', 'https://district.powerschool.com/a/export.csv', true],
    ['district.powerschool.com', '/a^', 'https://district.powerschool.com/ab', false],
    ['district.powerschool.com', '/a|', 'https://district.powerschool.com/a?x', false],
  ])('%s, %s against %s: %s', (pattern, filter, url, matches) => {
    expect(test(pattern, filter, url)).toBe(matches);
  });

  it('refuses an anchored filter, which names its own host (such an endpoint stays blocked)', () => {
    expect(scopedFilter('district.powerschool.com', '||powerschool.com/admin/')).toBeUndefined();
    expect(scopedFilter('district.powerschool.com', '|https://x/')).toBeUndefined();
  });
});
