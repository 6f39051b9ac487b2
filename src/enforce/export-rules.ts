// Network-level export enforcement with declarativeNetRequest: while an SRO is (or may be) signed in, the
// adapters' export endpoints are blocked; an allowed export opens one narrow rule for a short time.
import type { SisAdapter } from '../policy/adapter';

type Rule = Browser.declarativeNetRequest.Rule;

const ALL_RESOURCE_TYPES = [
  'main_frame',
  'sub_frame',
  'stylesheet',
  'script',
  'image',
  'font',
  'object',
  'xmlhttprequest',
  'ping',
  'media',
  'websocket',
  'webtransport',
  'webbundle',
  'other',
] as Browser.declarativeNetRequest.ResourceType[];

/** Rule ids: 1000 + 100 × adapter index + endpoint index block; 50,000 + n allow. */
const BLOCK_BASE = 1000;
const ALLOW_BASE = 50_000;
const ALLOW_SECONDS = 60;

const domainsOf = (adapter: SisAdapter): string[] => [
  ...new Set(adapter.match.hosts.map((host) => (host.split(':')[0] ?? host).replace(/^\*\./, ''))),
];

export function blockRulesFor(
  adapters: readonly SisAdapter[],
  guarded: (adapter: SisAdapter) => boolean,
): Rule[] {
  const rules: Rule[] = [];
  adapters.forEach((adapter, adapterIndex) => {
    if (!guarded(adapter)) return;
    adapter.exports.endpoints.forEach((endpoint, endpointIndex) => {
      rules.push({
        id: BLOCK_BASE + adapterIndex * 100 + endpointIndex,
        priority: 1,
        action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
        condition: {
          urlFilter: endpoint.urlFilter,
          requestDomains: domainsOf(adapter),
          resourceTypes: ALL_RESOURCE_TYPES,
        },
      });
    });
  });
  return rules;
}

/** Replaces the block rules. Dynamic rules persist across restarts: enforcement holds before the worker wakes. */
export async function applyBlockRules(rules: Rule[]): Promise<void> {
  const existing = await browser.declarativeNetRequest.getDynamicRules();
  const removeRuleIds = existing
    .filter((rule) => rule.id >= BLOCK_BASE && rule.id < ALLOW_BASE)
    .map((r) => r.id);
  await browser.declarativeNetRequest.updateDynamicRules({ removeRuleIds, addRules: rules });
}

let nextAllow = ALLOW_BASE;

/** Lets the adapter's export endpoints through for a minute, for one allowed export. */
export async function allowExportBriefly(adapter: SisAdapter, tabId: number | undefined): Promise<void> {
  const addRules: Rule[] = adapter.exports.endpoints.map((endpoint) => ({
    id: nextAllow++,
    priority: 2,
    action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
    condition: {
      urlFilter: endpoint.urlFilter,
      requestDomains: domainsOf(adapter),
      resourceTypes: ALL_RESOURCE_TYPES,
      // Only the tab whose export was allowed.
      ...(tabId !== undefined ? { tabIds: [tabId] } : {}),
    },
  }));
  if (nextAllow > ALLOW_BASE + 10_000) nextAllow = ALLOW_BASE;
  await browser.declarativeNetRequest.updateSessionRules({ addRules });
  const ids = addRules.map((rule) => rule.id);
  setTimeout(() => {
    void browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: ids });
  }, ALLOW_SECONDS * 1000);
}

/** Session allow rules left over from a worker that stopped before removing them. */
export async function clearStaleAllowRules(): Promise<void> {
  const rules = await browser.declarativeNetRequest.getSessionRules();
  const removeRuleIds = rules.filter((rule) => rule.id >= ALLOW_BASE).map((rule) => rule.id);
  if (removeRuleIds.length > 0) await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds });
}
