// Opens one allowed export: session allow rules for exactly its request, in its tab, removed at its first use
// (seen by a non-blocking webRequest listener, after the browser has matched the rule) or after seconds,
// whichever comes first. Removal survives the worker stopping: the expiry is kept in storage.session and backed
// by an alarm, and a new worker starts by removing every allow rule it finds (clearStaleAllowRules).
import type { SisAdapter } from '../policy/adapter';
import { allowDownloadOnce } from './downloads';
import {
  ALLOW_BASE,
  ALLOW_END,
  allowRuleIds,
  domainsOf,
  oneShotAllowRules,
  ruleMatches,
  urlFilterMatches,
  type ExportOpening,
} from './export-rules';

type Rule = Browser.declarativeNetRequest.Rule;

/**
 * The background's short-timer registry (src/background/tasks.ts `runAfter`), passed in because this layer does
 * not import the background: a failed removal is logged under its name rather than lost.
 */
export type Later = (name: string, ms: number, task: () => Promise<unknown>) => void;

export const EXPORT_ALLOW_ALARM = 'export-allow-expiry';
/** storage.session: rule id → the instant (epoch ms) it must be gone. */
const EXPIRY_KEY = 'export.allow.expiry';

interface Pending {
  rule: Rule;
  until: number;
}

const pending = new Map<number, Pending>();
let nextId = ALLOW_BASE;

function takeId(): number {
  for (let tries = 0; tries < ALLOW_END - ALLOW_BASE; tries += 1) {
    const id = nextId;
    nextId = nextId + 1 >= ALLOW_END ? ALLOW_BASE : nextId + 1;
    if (!pending.has(id)) return id;
  }
  throw new Error('no free allow rule id');
}

async function readExpiries(): Promise<Record<string, number>> {
  const raw: unknown = (await browser.storage.session.get(EXPIRY_KEY))[EXPIRY_KEY];
  if (typeof raw !== 'object' || raw === null) return {};
  // Only this module writes the key; anything that is not a number is dropped (and its rule removed).
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number',
    ),
  );
}

async function writeExpiries(change: (expiries: Record<string, number>) => void): Promise<void> {
  const expiries = await readExpiries();
  change(expiries);
  await browser.storage.session.set({ [EXPIRY_KEY]: expiries });
}

const onRequest = (details: { url: string; method: string; tabId: number }): undefined => {
  const used = [...pending].filter(([, entry]) => ruleMatches(entry.rule, details)).map(([id]) => id);
  if (used.length > 0)
    removeAllowRules(used).catch((error: unknown) =>
      console.error(
        'Record Guard: a used allow rule was not removed',
        error instanceof Error ? error.message : '',
      ),
    );
  return undefined;
};

let listening = false;

function listen(): void {
  if (listening || pending.size === 0) return;
  listening = true;
  // Non-blocking: the browser has already applied the allow rule to this request when the event arrives.
  browser.webRequest.onBeforeRequest.addListener(onRequest, { urls: ['http://*/*', 'https://*/*'] });
}

function stopListening(): void {
  if (!listening || pending.size > 0) return;
  listening = false;
  browser.webRequest.onBeforeRequest.removeListener(onRequest);
}

/** Removes allow rules (used, expired or stale), from the browser, memory and storage. */
export async function removeAllowRules(ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  for (const id of ids) pending.delete(id);
  stopListening();
  await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: [...ids] });
  await writeExpiries((expiries) => {
    for (const id of ids) Reflect.deleteProperty(expiries, String(id));
  });
}

/**
 * Opens what one allowed export needs and nothing more: the rules, then the download permits (the same URL,
 * the same endpoint, or a download made in the page for a button), all ending together.
 */
export async function openExportOnce(
  adapter: SisAdapter,
  opening: ExportOpening,
  origin: string,
  { later, now = Date.now() }: { later: Later; now?: number },
): Promise<void> {
  const until = now + opening.seconds * 1000;
  const rules = oneShotAllowRules(adapter, opening, takeId);
  // The expiry is stored before the rules exist: a worker that stops in between still removes them.
  await writeExpiries((expiries) => {
    for (const rule of rules) expiries[String(rule.id)] = until;
  });
  for (const rule of rules) pending.set(rule.id, { rule, until });
  await browser.declarativeNetRequest.updateSessionRules({ addRules: rules });
  listen();
  for (const url of [...opening.requests.map((request) => request.url), ...opening.downloadUrls]) {
    allowDownloadOnce({ kind: 'url', url, until });
  }
  const domains = domainsOf(adapter);
  for (const endpoint of opening.endpoints) {
    allowDownloadOnce({
      kind: 'endpoint',
      until,
      matches: (url) => {
        const host = new URL(url).hostname;
        return (
          domains.some((domain) => host === domain || host.endsWith(`.${domain}`)) &&
          urlFilterMatches(endpoint.urlFilter, url)
        );
      },
    });
  }
  if (opening.localDownload) allowDownloadOnce({ kind: 'local', origin, until });
  const ids = rules.map((rule) => rule.id);
  // A timer, not only the alarm: Chrome fires an alarm no sooner than 30 s after it is set, and an export stays
  // open 10 s (OPEN_SECONDS) — on the alarm alone, an unused allow rule would stay open three times too long.
  later('export allow-rule expiry', opening.seconds * 1000, () =>
    removeAllowRules(ids.filter((id) => pending.has(id))),
  );
  // The alarm (registered in start.ts through onAlarm) is the guarantee for a worker that stopped before its timer.
  await browser.alarms.create(EXPORT_ALLOW_ALARM, { when: until });
}

/** A closed tab's allow rules go with it (an export allowed but never sent, say). */
export async function removeTabAllowRules(tabId: number): Promise<void> {
  const ids = [...pending]
    .filter(([, entry]) => entry.rule.condition.tabIds?.includes(tabId) === true)
    .map(([id]) => id);
  await removeAllowRules(ids);
}

/** The alarm's work: removes allow rules whose time is up and any this worker does not know about. */
export async function removeExpiredAllowRules(now = Date.now()): Promise<void> {
  const expiries = await readExpiries();
  const ids = await allowRuleIds();
  const due = ids.filter((id) => {
    const until = expiries[String(id)];
    return until === undefined || until <= now;
  });
  await removeAllowRules(due);
  const later = Object.values(expiries).filter((until) => until > now);
  if (later.length > 0) await browser.alarms.create(EXPORT_ALLOW_ALARM, { when: Math.min(...later) });
}

/** For tests: the rules waiting for their first use. */
export const pendingAllowRules = (): Rule[] => [...pending.values()].map((entry) => entry.rule);
