// Network-level export enforcement with declarativeNetRequest: while an SRO is (or may be) signed in, the
// adapters' export endpoints are blocked; an allowed export opens only itself — the one request it was decided
// for, in its tab, once, for seconds (src/enforce/export-allow.ts removes the rule).
import type { SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';
import { hostsOverlap } from '../policy/adapter-overlap';
import { hostPatternPrefix, MAX_RECORD_PRIORITY } from './record-rules';

type Rule = Browser.declarativeNetRequest.Rule;

export const ALL_RESOURCE_TYPES = [
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

/**
 * Rule ids: 1000 + 100 × adapter index + endpoint index block (dynamic rules); from 30,000 the owners' rules
 * (ownerRules: an endpoint's block on a higher adapter's hosts, or its release there); 50,000–59,999 one-shot
 * allow (session rules). Ids from 100,000 up belong to the record rules (src/enforce/record-rules.ts).
 */
const BLOCK_BASE = 1000;
const OWNER_BASE = 30_000;
export const ALLOW_BASE = 50_000;
export const ALLOW_END = 60_000;
/**
 * Above every record rule (src/enforce/record-rules.ts): an open page, a student's allowed record or a yield to a
 * higher-priority adapter's host never opens an export endpoint.
 */
export const BLOCK_PRIORITY = MAX_RECORD_PRIORITY + 1;
/**
 * Above the export blocks: a lower adapter's endpoint on a host a higher adapter owns, whose user is not guarded
 * (a teacher), is released there — the owner's verdict decides, not the lower adapter's.
 */
export const RELEASE_PRIORITY = MAX_RECORD_PRIORITY + 2;
/** Above the export blocks, releases and every record rule: the one allowed request wins. */
export const ALLOW_PRIORITY = MAX_RECORD_PRIORITY + 3;

export const domainsOf = (adapter: SisAdapter): string[] => [
  ...new Set(adapter.match.hosts.map((host) => (host.split(':')[0] ?? host).replace(/^\*\./, ''))),
];

/**
 * The export rules: each adapter's endpoints follow the verdict of the adapter that OWNS each host (src/sis/match.ts
 * ownersOf), not their own. Identities are stored under the owner's id, so a lower adapter on a higher one's host
 * (the bundled PowerSchool adapter under a district's district.powerschool.com adapter, the demo adapters under a
 * recorded one on 127.0.0.1) never sees anyone there and would otherwise block every teacher's export by the rule
 * for nobody identified. So:
 * - a guarded adapter blocks its endpoints on all its hosts (fail closed: a wildcard keeps blocking on the hosts
 *   it owns), and where a higher adapter's host pattern overlaps and no adapter above it there is guarded, a
 *   release at RELEASE_PRIORITY lets those endpoints through on that pattern's hosts (host and port exact);
 * - an adapter that is not guarded still has its endpoints blocked on a higher pattern's hosts whose adapter is.
 * An anchored endpoint filter ("|…", "||…") names its own host and cannot be scoped to another: it is never
 * released (blocked, fail closed).
 */
export function blockRulesFor(
  adapters: readonly SisAdapter[],
  guarded: (adapter: SisAdapter) => boolean,
): Rule[] {
  const rules: Rule[] = [];
  let ownerId = OWNER_BASE;
  const addOwnerRule = (rule: Omit<Rule, 'id'>): void => {
    if (ownerId >= ALLOW_BASE) throw new Error(`more than ${ALLOW_BASE - OWNER_BASE} export owner rules`);
    rules.push({ id: ownerId++, ...rule });
  };
  adapters.forEach((adapter, adapterIndex) => {
    const priority = adapter.priority ?? 0;
    const mine = guarded(adapter);
    // Each host pattern of a higher adapter over this one's: whether anyone above this adapter claiming those
    // hosts is guarded (then the endpoints stay blocked there, whatever this adapter's own verdict).
    const above = adapters.filter((other) => (other.priority ?? 0) > priority);
    const higherPatterns = [
      ...new Set(
        above.flatMap((other) =>
          other.match.hosts.filter((theirs) =>
            adapter.match.hosts.some((host) => hostsOverlap(host, theirs)),
          ),
        ),
      ),
    ].map((pattern) => ({
      pattern,
      guarded: above.some(
        (other) => other.match.hosts.some((theirs) => hostsOverlap(theirs, pattern)) && guarded(other),
      ),
    }));
    adapter.exports.endpoints.forEach((endpoint, endpointIndex) => {
      const block = {
        priority: BLOCK_PRIORITY,
        action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
      };
      if (mine) {
        rules.push({
          id: BLOCK_BASE + adapterIndex * 100 + endpointIndex,
          ...block,
          condition: {
            urlFilter: endpoint.urlFilter,
            requestDomains: domainsOf(adapter),
            resourceTypes: ALL_RESOURCE_TYPES,
          },
        });
      }
      for (const higher of higherPatterns) {
        if (mine && !higher.guarded) {
          const regexFilter = scopedFilter(higher.pattern, endpoint.urlFilter);
          if (regexFilter === undefined) continue;
          addOwnerRule({
            priority: RELEASE_PRIORITY,
            action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
            condition: { regexFilter, resourceTypes: ALL_RESOURCE_TYPES },
          });
        } else if (!mine && higher.guarded) {
          // Ports stripped, as requestDomains are: more hosts than the pattern names, never fewer (fail closed).
          addOwnerRule({
            ...block,
            condition: {
              urlFilter: endpoint.urlFilter,
              requestDomains: [(higher.pattern.split(':')[0] ?? higher.pattern).replace(/^\*\./, '')],
              resourceTypes: ALL_RESOURCE_TYPES,
            },
          });
        }
      }
    });
  });
  return rules;
}

/** The regex source of an unanchored urlFilter's body, as Chromium matches it (see urlFilterMatches). */
function filterBody(filter: string): { source: string; endAnchored: boolean } {
  const endAnchored = filter.endsWith('|');
  const body = endAnchored ? filter.slice(0, -1) : filter;
  const source = [...body]
    .map((char) =>
      char === '*'
        ? '.*'
        : char === '^'
          ? '(?:[^A-Za-z0-9_.%-]|$)'
          : char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  return { source, endAnchored };
}

/**
 * A regexFilter matching what an unanchored endpoint urlFilter matches, on one host pattern's hosts only (its
 * port too), and only in the URL after the host: never more than the filter itself. Undefined for an anchored
 * filter, which names its own host.
 */
export function scopedFilter(hostPattern: string, urlFilter: string): string | undefined {
  if (urlFilter.startsWith('|')) return undefined;
  const { source, endAnchored } = filterBody(urlFilter);
  // The prefix ends at the host (and port): a filter starting with "/" may match from the path's first slash,
  // any other only after it, so it never matches in the host name.
  const path = urlFilter.startsWith('/') ? '(?:/[^#]*)?' : '/[^#]*';
  return `${hostPatternPrefix(hostPattern)}${path}${source}${endAnchored ? '$' : ''}`;
}

/** Replaces the block rules. Dynamic rules persist across restarts: enforcement holds before the worker wakes. */
export async function applyBlockRules(rules: Rule[]): Promise<void> {
  const existing = await browser.declarativeNetRequest.getDynamicRules();
  const removeRuleIds = existing
    .filter((rule) => rule.id >= BLOCK_BASE && rule.id < ALLOW_BASE)
    .map((r) => r.id);
  await browser.declarativeNetRequest.updateDynamicRules({ removeRuleIds, addRules: rules });
}

/**
 * Whether a declarativeNetRequest urlFilter matches a URL as Chromium matches it: "||" anchors at the host (or a
 * subdomain), "|" at the start or end, "*" is any run of characters, "^" a separator or the end; otherwise
 * anywhere in the URL, case-insensitively.
 */
export function urlFilterMatches(filter: string, url: string): boolean {
  let body = filter;
  let prefix = '';
  let suffix = '';
  if (body.startsWith('||')) {
    prefix = '^[a-z][a-z0-9+.-]*://(?:[^/?#@]*@)?(?:[^/?#]*\\.)?';
    body = body.slice(2);
  } else if (body.startsWith('|')) {
    prefix = '^';
    body = body.slice(1);
  }
  if (body.endsWith('|')) {
    suffix = '$';
    body = body.slice(0, -1);
  }
  const source = [...body]
    .map((char) =>
      char === '*'
        ? '.*'
        : char === '^'
          ? '(?:[^A-Za-z0-9_.%-]|$)'
          : char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`${prefix}${source}${suffix}`, 'i').test(url);
}

const onAdapterHost = (adapter: SisAdapter, url: URL): boolean =>
  domainsOf(adapter).some((domain) => url.hostname === domain || url.hostname.endsWith(`.${domain}`));

type Control = SisAdapter['exports']['controls'][number];
type Endpoint = SisAdapter['exports']['endpoints'][number];

/** What one allowed export may open: exact requests (URL and method), or for page-scripted exports endpoints. */
export interface ExportOpening {
  tabId: number;
  /** Exact requests: a link's URL (GET), a form's endpoint (its method). */
  requests: { url: string; method: 'get' | 'post' }[];
  /** For buttons and report runs, whose requests the page's own script makes: these endpoints, once each. */
  endpoints: Endpoint[];
  /** Whether one download made in the page (blob: or data:, URL unknown beforehand) may pass: buttons. */
  localDownload: boolean;
  /** Downloads allowed by their exact URL with no request to open: a blob: or data: link's file. */
  downloadUrls: string[];
  seconds: number;
}

export type OpeningPlan =
  { ok: true; opening: ExportOpening } | { ok: false; why: { en: string; es: string } };

/** How long an allowed export stays open: seconds; a report run waits for the SIS to build the file. */
export const OPEN_SECONDS = 10;
export const REPORT_OPEN_SECONDS = 60;

/**
 * Works out the one request an allowed export opens, or why none can be. `categories` are what the decision
 * covered (undefined for a user Record Guard does not guard: a teacher may take any endpoint).
 * - A link or form: its target URL must be on the adapter's hosts, and every export endpoint it matches must hold
 *   only covered categories — except a field-list control's own endpoint, whose content the checked field list
 *   decides.
 * - A button or report (the page's script makes the requests): the endpoints that hold only covered categories.
 */
export function planExportOpening(input: {
  adapter: SisAdapter;
  control: Control | undefined;
  target: string | undefined;
  method: 'get' | 'post' | undefined;
  categories: readonly Category[] | undefined;
  tabId: number | undefined;
}): OpeningPlan {
  const { adapter, control, categories } = input;
  if (input.tabId === undefined)
    return {
      ok: false,
      why: {
        en: 'the export did not come from a browser tab',
        es: 'la exportación no vino de una pestaña del navegador',
      },
    };
  if (!control)
    return {
      ok: false,
      why: {
        en: 'the SIS adapter has no such export control',
        es: 'el adaptador del SIS no tiene ese control de exportación',
      },
    };
  const covers = (endpoint: Endpoint): boolean =>
    categories === undefined || endpoint.categories.every((category) => categories.includes(category));
  const seconds = control.kind === 'report' ? REPORT_OPEN_SECONDS : OPEN_SECONDS;
  const wantsTarget = control.kind === 'link' || control.kind === 'form';
  if (!wantsTarget) {
    return {
      ok: true,
      opening: {
        tabId: input.tabId,
        requests: [],
        endpoints: adapter.exports.endpoints.filter(covers),
        localDownload: control.kind === 'button',
        downloadUrls: [],
        seconds,
      },
    };
  }
  if (input.target === undefined)
    return {
      ok: false,
      why: { en: 'the export did not say where it goes', es: 'la exportación no indicó adónde va' },
    };
  let url: URL;
  try {
    url = new URL(input.target);
  } catch {
    return {
      ok: false,
      why: {
        en: 'the export goes to an address that cannot be read',
        es: 'la exportación va a una dirección que no se puede leer',
      },
    };
  }
  if (url.protocol === 'blob:' || url.protocol === 'data:') {
    // A file the page made itself (a blob: or data: link): nothing to fetch, so no rule; that one download, by
    // its URL. Its bytes came through requests that were decided on their own.
    return {
      ok: true,
      opening: {
        tabId: input.tabId,
        requests: [],
        endpoints: [],
        localDownload: false,
        downloadUrls: [url.href],
        seconds,
      },
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      why: { en: 'the export does not go to a web address', es: 'la exportación no va a una dirección web' },
    };
  }
  if (!onAdapterHost(adapter, url))
    return {
      ok: false,
      why: {
        en: "the export goes outside the SIS's hosts",
        es: 'la exportación sale de los servidores del SIS',
      },
    };
  url.hash = '';
  const href = url.href;
  const method = input.method ?? (control.kind === 'form' ? 'post' : 'get');
  const matching = adapter.exports.endpoints.filter((endpoint) => urlFilterMatches(endpoint.urlFilter, href));
  if (control.endpoint !== undefined && !matching.some((endpoint) => endpoint.id === control.endpoint)) {
    return {
      ok: false,
      why: {
        en: `the export does not go to its endpoint (${control.endpoint})`,
        es: `la exportación no va a su destino (${control.endpoint})`,
      },
    };
  }
  const fieldListEndpoint = (endpoint: Endpoint): boolean =>
    control.fieldList !== undefined && endpoint.id === control.endpoint;
  const uncovered = matching.filter((endpoint) => !fieldListEndpoint(endpoint) && !covers(endpoint));
  if (uncovered.length > 0) {
    const names = uncovered.map((endpoint) => endpoint.id).join(', ');
    return {
      ok: false,
      why: {
        en: `the export goes to ${names}, which holds more than was allowed`,
        es: `la exportación va a ${names}, que contiene más de lo permitido`,
      },
    };
  }
  return {
    ok: true,
    opening: {
      tabId: input.tabId,
      requests: [{ url: href, method }],
      endpoints: [],
      localDownload: false,
      downloadUrls: [],
      seconds,
    },
  };
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The session allow rules for one opening, with ids from `nextId`: each exact request by URL (a URL with
 * urlFilter's own special characters by an escaped regexFilter) and method; each endpoint for the page's own
 * fetches (GET or POST). Every rule is limited to the tab and outranks every block or redirect.
 */
export function oneShotAllowRules(adapter: SisAdapter, opening: ExportOpening, nextId: () => number): Rule[] {
  const allow = { type: 'allow' as Browser.declarativeNetRequest.RuleActionType };
  const rules: Rule[] = opening.requests.map((request) => ({
    id: nextId(),
    priority: ALLOW_PRIORITY,
    action: allow,
    condition: {
      ...(/[*^|]/.test(request.url)
        ? { regexFilter: `^${escapeRegex(request.url)}$` }
        : { urlFilter: `|${request.url}|` }),
      tabIds: [opening.tabId],
      requestMethods: [request.method as Browser.declarativeNetRequest.RequestMethod],
      resourceTypes: ALL_RESOURCE_TYPES,
    },
  }));
  for (const endpoint of opening.endpoints) {
    rules.push({
      id: nextId(),
      priority: ALLOW_PRIORITY,
      action: allow,
      condition: {
        urlFilter: endpoint.urlFilter,
        requestDomains: domainsOf(adapter),
        tabIds: [opening.tabId],
        requestMethods: ['get', 'post'] as Browser.declarativeNetRequest.RequestMethod[],
        resourceTypes: ALL_RESOURCE_TYPES,
      },
    });
  }
  return rules;
}

/** Whether a one-shot rule's condition matches a request, as Chromium would (tab, method, URL, domain). */
export function ruleMatches(rule: Rule, request: { url: string; method: string; tabId: number }): boolean {
  const condition = rule.condition;
  if (condition.tabIds && !condition.tabIds.includes(request.tabId)) return false;
  if (condition.requestMethods && !condition.requestMethods.includes(request.method.toLowerCase() as never))
    return false;
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return false;
  }
  url.hash = '';
  const href = url.href;
  if (
    condition.requestDomains &&
    !condition.requestDomains.some((domain) => url.hostname === domain || url.hostname.endsWith(`.${domain}`))
  )
    return false;
  if (condition.regexFilter !== undefined) return new RegExp(condition.regexFilter, 'i').test(href);
  if (condition.urlFilter !== undefined) return urlFilterMatches(condition.urlFilter, href);
  return false;
}

/** Session allow rules in this module's range. */
export async function allowRuleIds(): Promise<number[]> {
  const rules = await browser.declarativeNetRequest.getSessionRules();
  return rules.filter((rule) => rule.id >= ALLOW_BASE && rule.id < ALLOW_END).map((rule) => rule.id);
}

/** Session allow rules left over from a worker that stopped before removing them. */
export async function clearStaleAllowRules(): Promise<void> {
  const removeRuleIds = await allowRuleIds();
  if (removeRuleIds.length > 0) await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds });
}
