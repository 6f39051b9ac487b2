// A sync round on the one hub client: a filing the hub refuses for what it says is denied, but a refused token,
// an overloaded or an absent hub never turns an SRO's request into a denial; why a round stopped is kept
// (without the token), and a browser with no hub at all records no error.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';

const refuseFiling = vi.fn(async (id: string) => {
  const { database } = await import('../../src/store/db');
  await database().filings.delete(id);
});
vi.mock('../../src/background/access-records', () => ({
  refuseFiling: (id: string) => refuseFiling(id),
  applyConsentFeed: vi.fn(async () => undefined),
  applyRequestFeed: vi.fn(async () => undefined),
}));
vi.mock('../../src/background/policy-update', () => ({
  checkForPolicyUpdate: vi.fn(async () => 'unchanged'),
}));

const { syncWithHub, CURSORS_KEY } = await import('../../src/background/sync');
const { database } = await import('../../src/store/db');
const { forgetManagedSettings } = await import('../../src/background/managed');

const TOKEN = 'tok-sync-0123456789-secret';
const filing = {
  id: 'req-1',
  body: {
    id: 'req-1',
    basis: 'emergency',
    studentId: '100000',
    categories: ['grades'],
    actions: ['view'],
    justification: 'why',
    evidence: {},
  },
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function hubAnswering(filingAnswer: () => Response): void {
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.endsWith('/v1/requests')) return filingAnswer();
    if (url.includes('/v1/consents/mine'))
      return json(200, { consents: [], removed: [], cursor: '1', more: false });
    return json(200, { requests: [], cursor: '1', more: false });
  });
}

const cursors = async () =>
  (await browser.storage.local.get(CURSORS_KEY))[CURSORS_KEY] as Record<string, string>;

beforeEach(async () => {
  fakeBrowser.reset();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  refuseFiling.mockClear();
  forgetManagedSettings();
  vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({
    role: 'sro',
    hubUrl: 'http://hub.test:4300',
    hubToken: TOKEN,
  } as never);
  await database().filings.clear();
  await database().filings.put(filing);
});

describe('syncWithHub', () => {
  it('a filing refused for what it says (422) is denied; the round goes on', async () => {
    hubAnswering(() => json(422, { error: { code: 'invalid_request', message: 'basis no longer fits' } }));
    await syncWithHub();
    expect(refuseFiling).toHaveBeenCalledWith('req-1');
    expect(await cursors()).toMatchObject({ consents: '1', requests: '1' });
    expect((await cursors()).lastError).toBeUndefined();
  });

  it.each([401, 403, 429, 503])(
    'a filing answered %i stays for the next round and is not denied',
    async (status) => {
      hubAnswering(() => json(status, { error: { code: 'x', message: `no (${TOKEN})` } }));
      await syncWithHub();
      expect(refuseFiling).not.toHaveBeenCalled();
      expect(await database().filings.count()).toBe(1);
      const { lastError } = await cursors();
      expect(lastError).toContain(`refused (${status}`);
      expect(lastError).not.toContain(TOKEN);
    },
  );

  it('a hub that is away keeps the filing and says why', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await syncWithHub();
    expect(await database().filings.count()).toBe(1);
    expect((await cursors()).lastError).toContain('hub unavailable: network error: Failed to fetch');
  });

  it('with no hub configured, nothing is asked and no error is recorded', async () => {
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({ role: 'sro' } as never);
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    await syncWithHub();
    expect(fetch).not.toHaveBeenCalled();
    expect((await cursors()).lastError).toBeUndefined();
  });
});
