// An allowed export opens only itself: which request it may open, the one-shot allow rules built for it, and
// the download permits that let through only the download it started.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ALLOW_BASE,
  ALLOW_PRIORITY,
  OPEN_SECONDS,
  REPORT_OPEN_SECONDS,
  oneShotAllowRules,
  planExportOpening,
  ruleMatches,
  urlFilterMatches,
  type ExportOpening,
} from '../../src/enforce/export-rules';
import { allowDownloadOnce, forgetDownloadPermits, takeDownloadPermit } from '../../src/enforce/downloads';
import type { SisAdapter } from '../../src/policy/adapter';
import { realBundle } from './support';

const adapter = realBundle.adapters.find((one) => one.id === 'demo-sis') as SisAdapter;
const control = (id: string) => adapter.exports.controls.find((one) => one.id === id);
const SIS = 'http://127.0.0.1:4100';
const TAB = 7;

function ids(start = ALLOW_BASE): () => number {
  let next = start;
  return () => next++;
}

describe('urlFilterMatches reads declarativeNetRequest urlFilters as Chromium does', () => {
  it.each([
    ['/export/roster.csv', `${SIS}/export/roster.csv`, true],
    ['/export/roster.csv', `${SIS}/EXPORT/Roster.csv?x=1`, true],
    ['/export/student-*-grades.csv', `${SIS}/export/student-100000-grades.csv`, true],
    ['/export/student-*-grades.csv', `${SIS}/export/student-100000-health.csv`, false],
    [
      '/export/rows.json?section=demographics&',
      `${SIS}/export/rows.json?section=demographics&students=1`,
      true,
    ],
    ['/export/rows.json?section=demographics&', `${SIS}/export/rows.json?section=roster`, false],
    [`|${SIS}/export/quick|`, `${SIS}/export/quick`, true],
    [`|${SIS}/export/quick|`, `${SIS}/export/quick?x`, false],
    [`|${SIS}/export/quick|`, `http://evil.example/?${SIS}/export/quick`, false],
    ['||127.0.0.1^', `${SIS}/x`, true],
    ['||example.org/a', 'https://sis.example.org/a', true],
    ['||example.org/a', 'https://notexample.org/a', false],
    ['/a^', `${SIS}/a?b`, true],
    ['/a^', `${SIS}/ab`, false],
  ])('%s against %s: %s', (filter, url, matches) => {
    expect(urlFilterMatches(filter, url)).toBe(matches);
  });
});

describe('planExportOpening: the one request an allowed export opens', () => {
  const plan = (
    controlId: string,
    target: string | undefined,
    categories: SisAdapter['exports']['endpoints'][number]['categories'] | undefined,
    method?: 'get' | 'post',
  ) =>
    planExportOpening({
      adapter,
      control: control(controlId),
      target,
      method,
      categories,
      tabId: TAB,
    });

  it('a link opens its exact URL (GET), without its fragment, for seconds', () => {
    const result = plan('download-link', `${SIS}/export/student-100000-grades.csv#top`, ['grades']);
    expect(result).toEqual({
      ok: true,
      opening: {
        tabId: TAB,
        requests: [{ url: `${SIS}/export/student-100000-grades.csv`, method: 'get' }],
        endpoints: [],
        localDownload: false,
        downloadUrls: [],
        seconds: OPEN_SECONDS,
      },
    });
  });

  it('a link to an endpoint holding more than the decision covered opens nothing', () => {
    const roster = plan('download-link', `${SIS}/export/roster.csv`, ['demographics']);
    expect(roster).toEqual({
      ok: false,
      why: { en: expect.stringContaining('roster-csv'), es: expect.stringContaining('roster-csv') },
    });
    const health = plan('download-link', `${SIS}/export/student-100000-health.csv`, ['grades']);
    expect(health.ok).toBe(false);
  });

  it("the quick export's form opens its own endpoint (POST) for the checked field list", () => {
    const result = plan('quick-export', `${SIS}/export/quick`, ['grades']);
    expect(result).toMatchObject({
      ok: true,
      opening: { requests: [{ url: `${SIS}/export/quick`, method: 'post' }], endpoints: [] },
    });
  });

  it('a form sent somewhere other than its endpoint opens nothing (a page that rewrote form.action)', () => {
    const result = plan('quick-export', `${SIS}/export/roster.csv`, ['demographics']);
    expect(result).toEqual({
      ok: false,
      why: { en: expect.stringContaining('quick-export'), es: expect.stringContaining('quick-export') },
    });
  });

  it('a blob: or data: link (a file the page made) opens no rule, only that download by its URL', () => {
    for (const target of [`blob:${SIS}/5d1c`, 'data:text/csv,a,b']) {
      expect(plan('download-link', target, ['grades'])).toEqual({
        ok: true,
        opening: {
          tabId: TAB,
          requests: [],
          endpoints: [],
          localDownload: false,
          downloadUrls: [target],
          seconds: OPEN_SECONDS,
        },
      });
    }
  });

  it('a target off the SIS hosts, or not a web address, opens nothing', () => {
    expect(plan('download-link', 'https://evil.example/export/quick', ['demographics']).ok).toBe(false);
    expect(plan('download-link', 'javascript:alert(1)', ['demographics']).ok).toBe(false);
    expect(plan('download-link', 'not a url', ['demographics']).ok).toBe(false);
    expect(plan('download-link', undefined, ['demographics']).ok).toBe(false);
  });

  it('without a tab or a known control nothing opens', () => {
    expect(
      planExportOpening({
        adapter,
        control: control('download-link'),
        target: `${SIS}/export/student-100000-grades.csv`,
        method: 'get',
        categories: ['grades'],
        tabId: undefined,
      }).ok,
    ).toBe(false);
    expect(plan('no-such-control', `${SIS}/export/quick`, ['demographics']).ok).toBe(false);
  });

  it('a button opens only the endpoints whose categories were all covered, and one download made in the page', () => {
    const result = plan('blob-export', undefined, ['grades']);
    if (!result.ok) throw new Error(result.why.en);
    expect(result.opening.endpoints.map((endpoint) => endpoint.id)).toEqual(['grades-csv', 'grades-rows']);
    expect(result.opening).toMatchObject({ requests: [], localDownload: true, seconds: OPEN_SECONDS });
  });

  it('a report run gets its endpoints for a minute (the SIS builds the file first), no local download', () => {
    const result = plan('report-run', undefined, ['attendance', 'grades', 'discipline']);
    if (!result.ok) throw new Error(result.why.en);
    expect(result.opening.endpoints.map((endpoint) => endpoint.id)).toEqual(
      expect.arrayContaining(['report-run', 'report-download']),
    );
    expect(result.opening).toMatchObject({ localDownload: false, seconds: REPORT_OPEN_SECONDS });
  });

  it("a teacher's export (no categories to hold it to) opens whatever endpoint it targets", () => {
    const result = plan('roster-csv-link', `${SIS}/export/roster.csv`, undefined);
    expect(result).toMatchObject({ ok: true, opening: { requests: [{ url: `${SIS}/export/roster.csv` }] } });
  });
});

describe('oneShotAllowRules', () => {
  const opening: ExportOpening = {
    tabId: TAB,
    requests: [{ url: `${SIS}/export/quick`, method: 'post' }],
    endpoints: [],
    localDownload: false,
    downloadUrls: [],
    seconds: OPEN_SECONDS,
  };

  it('one allow rule for exactly that URL and method, in that tab, above every block and redirect', () => {
    const rules = oneShotAllowRules(adapter, opening, ids());
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      id: ALLOW_BASE,
      priority: ALLOW_PRIORITY,
      action: { type: 'allow' },
      condition: { urlFilter: `|${SIS}/export/quick|`, tabIds: [TAB], requestMethods: ['post'] },
    });
    expect(ALLOW_PRIORITY).toBeGreaterThan(3);
    expect(rules[0]?.id).toBeLessThan(100_000);
  });

  it('the rule matches that request only: not another URL, method or tab', () => {
    const [rule] = oneShotAllowRules(adapter, opening, ids());
    if (!rule) throw new Error('no rule');
    expect(ruleMatches(rule, { url: `${SIS}/export/quick`, method: 'POST', tabId: TAB })).toBe(true);
    expect(ruleMatches(rule, { url: `${SIS}/export/roster.csv`, method: 'POST', tabId: TAB })).toBe(false);
    expect(ruleMatches(rule, { url: `${SIS}/export/quick`, method: 'GET', tabId: TAB })).toBe(false);
    expect(ruleMatches(rule, { url: `${SIS}/export/quick`, method: 'POST', tabId: TAB + 1 })).toBe(false);
    expect(ruleMatches(rule, { url: `${SIS}/export/quick?more`, method: 'POST', tabId: TAB })).toBe(false);
  });

  it("a URL with urlFilter's special characters is matched literally, by an escaped regexFilter", () => {
    const url = `${SIS}/export/student-100000-grades.csv?cols=a*b^c|d`;
    const [rule] = oneShotAllowRules(adapter, { ...opening, requests: [{ url, method: 'get' }] }, ids());
    if (!rule) throw new Error('no rule');
    expect(rule.condition.urlFilter).toBeUndefined();
    expect(rule.condition.regexFilter).toBeDefined();
    expect(ruleMatches(rule, { url, method: 'GET', tabId: TAB })).toBe(true);
    expect(
      ruleMatches(rule, {
        url: `${SIS}/export/student-100000-grades.csv?cols=aXXb^c|d`,
        method: 'GET',
        tabId: TAB,
      }),
    ).toBe(false);
  });

  it("a button's endpoints, each limited to the adapter's hosts and the tab, with consecutive ids", () => {
    const endpoints = adapter.exports.endpoints.filter((endpoint) => endpoint.id.startsWith('grades-'));
    const rules = oneShotAllowRules(adapter, { ...opening, requests: [], endpoints }, ids(ALLOW_BASE + 5));
    expect(rules.map((rule) => rule.id)).toEqual([ALLOW_BASE + 5, ALLOW_BASE + 6]);
    for (const rule of rules) {
      expect(rule.condition).toMatchObject({ tabIds: [TAB], requestDomains: ['127.0.0.1', 'localhost'] });
      expect(rule.priority).toBe(ALLOW_PRIORITY);
    }
    const [csv] = rules;
    if (!csv) throw new Error('no rule');
    expect(ruleMatches(csv, { url: `${SIS}/export/student-1-grades.csv`, method: 'GET', tabId: TAB })).toBe(
      true,
    );
    expect(
      ruleMatches(csv, { url: 'http://evil.example/export/student-1-grades.csv', method: 'GET', tabId: TAB }),
    ).toBe(false);
  });
});

describe('download permits: only the download the allowed request started, once, for seconds', () => {
  beforeEach(() => forgetDownloadPermits());
  const NOW = 1_000_000;

  it('the same URL (or final URL) once; another URL of the same origin never', () => {
    allowDownloadOnce({ kind: 'url', url: `${SIS}/export/quick#x`, until: NOW + 10_000 });
    expect(
      takeDownloadPermit(
        { url: `${SIS}/export/roster.csv`, finalUrl: `${SIS}/export/roster.csv`, referrer: '' },
        NOW,
      ),
    ).toBe(false);
    expect(
      takeDownloadPermit({ url: `${SIS}/export/quick`, finalUrl: `${SIS}/export/quick`, referrer: '' }, NOW),
    ).toBe(true);
    expect(
      takeDownloadPermit({ url: `${SIS}/export/quick`, finalUrl: `${SIS}/export/quick`, referrer: '' }, NOW),
    ).toBe(false);
  });

  it('a redirected download is matched by its final URL', () => {
    allowDownloadOnce({ kind: 'url', url: `${SIS}/reports/file-1.csv`, until: NOW + 10_000 });
    expect(
      takeDownloadPermit(
        { url: `${SIS}/reports/download?id=1`, finalUrl: `${SIS}/reports/file-1.csv`, referrer: '' },
        NOW,
      ),
    ).toBe(true);
  });

  it('a permit ends with its seconds', () => {
    allowDownloadOnce({ kind: 'url', url: `${SIS}/export/quick`, until: NOW + 10_000 });
    expect(
      takeDownloadPermit(
        { url: `${SIS}/export/quick`, finalUrl: `${SIS}/export/quick`, referrer: '' },
        NOW + 10_001,
      ),
    ).toBe(false);
  });

  it('a blob: link is let through by its exact URL, once', () => {
    allowDownloadOnce({ kind: 'url', url: `blob:${SIS}/5d1c`, until: NOW + 10_000 });
    expect(takeDownloadPermit({ url: `blob:${SIS}/other`, finalUrl: '', referrer: '' }, NOW)).toBe(false);
    expect(takeDownloadPermit({ url: `blob:${SIS}/5d1c`, finalUrl: '', referrer: '' }, NOW)).toBe(true);
    expect(takeDownloadPermit({ url: `blob:${SIS}/5d1c`, finalUrl: '', referrer: '' }, NOW)).toBe(false);
  });

  it('a download made in the page: one blob: or data: download from that origin, not an http one', () => {
    allowDownloadOnce({ kind: 'local', origin: SIS, until: NOW + 10_000 });
    expect(
      takeDownloadPermit(
        { url: `${SIS}/export/roster.csv`, finalUrl: `${SIS}/export/roster.csv`, referrer: '' },
        NOW,
      ),
    ).toBe(false);
    expect(
      takeDownloadPermit(
        { url: 'blob:http://evil.example/1', finalUrl: 'blob:http://evil.example/1', referrer: '' },
        NOW,
      ),
    ).toBe(false);
    expect(takeDownloadPermit({ url: `blob:${SIS}/1`, finalUrl: `blob:${SIS}/1`, referrer: '' }, NOW)).toBe(
      true,
    );
    expect(takeDownloadPermit({ url: `blob:${SIS}/2`, finalUrl: `blob:${SIS}/2`, referrer: '' }, NOW)).toBe(
      false,
    );
  });

  it('an endpoint permit matches its endpoint only', () => {
    allowDownloadOnce({
      kind: 'endpoint',
      until: NOW + 10_000,
      matches: (url) => urlFilterMatches('/reports/download', url),
    });
    expect(takeDownloadPermit({ url: `${SIS}/export/roster.csv`, finalUrl: '', referrer: '' }, NOW)).toBe(
      false,
    );
    expect(takeDownloadPermit({ url: `${SIS}/reports/download?id=3`, finalUrl: '', referrer: '' }, NOW)).toBe(
      true,
    );
  });
});
