// Network-first enforcement of record views (declarativeNetRequest session rules). While an SRO may be signed in
// on a SIS origin, every document, frame and data request there is blocked — a navigation is taken to the gate
// with the URL it asked for — except the adapter's open pages and, per student, the record endpoints the guard
// plan lets that SRO view. The record's bytes never reach the browser unless something allows them; what the URL
// cannot tell (postbacks) falls back to the in-page cover.
//
// The builder is pure (plain data in, rules out) and tested in Node; `applyRecordRules` is the browser glue.
import type { ViewableCategories } from '../decide/viewable';
import type { SisAdapter } from '../policy/adapter';
import { STUDENT_PLACEHOLDER } from '../policy/placeholders';
import type { Category } from '../policy/vocabulary';
import { hostsOverlap } from '../policy/adapter-overlap';
import { ownersOf, studentParameter } from '../sis/match';

type Rule = Browser.declarativeNetRequest.Rule;
type ResourceType = Browser.declarativeNetRequest.ResourceType;

/** Session rule ids of this module: [FIRST_ID, LAST_ID]. Export rules keep below 100,000. */
export const FIRST_ID = 100_000;
const LAST_ID = 199_999;

/**
 * Priorities, in one band per adapter priority (src/sis/match.ts ownersOf): within a band a catch-all block or
 * redirect, open pages above it, the plan's students above those. Band 0 (the lowest adapter priority) keeps
 * 1–4; band b adds 5 × b, and at 5 × b its yields: an allow on each host pattern of a band-b adapter that a
 * lower adapter's pattern also covers. A yield outranks every lower band's rule and none of its own band's, so on
 * a host a higher adapter owns only that adapter's rules decide, as ownersOf says (and none at all if it has
 * no network section: its in-page cover guards alone, as for an origin where an SRO was seen).
 */
const BAND_WIDTH = 5;
const YIELD_PRIORITY = 0;
const CATCH_ALL_PRIORITY = 1;
const OPEN_PRIORITY = 2;
const STUDENT_PRIORITY = 3;
/** Above the students' allows: a URL naming the student twice (a server may read either) is never opened. */
const REPEATED_STUDENT_PRIORITY = 4;
/** Adapter priorities run from -100 to 100 (src/policy/adapter.ts): at most 201 bands. */
const MAX_BANDS = 201;
/** The highest priority a record rule can have; the export rules rank above it (src/enforce/export-rules.ts). */
export const MAX_RECORD_PRIORITY = (MAX_BANDS - 1) * BAND_WIDTH + REPEATED_STUDENT_PRIORITY;

const inBand = (band: number, priority: number): number => band * BAND_WIDTH + priority;
/** Which of the priorities above a rule has, whatever its band. */
const kindOf = (rule: Pick<Rule, 'priority'>): number => (rule.priority ?? 1) % BAND_WIDTH;

/** Requests that carry a document or data a page script can read. Images, styles and scripts pass. */
// Scripts and styles too: a JSON module import (`import(url, { with: { type: 'json' } })`) is a "script" request
// that page script can read; the adapter's open paths (its static files among them) let the page's own through.
const BLOCKED_TYPES = [
  'sub_frame',
  'xmlhttprequest',
  'script',
  'stylesheet',
  'object',
  'other',
] as ResourceType[];
const PAGE_TYPES = ['main_frame', 'sub_frame'] as ResourceType[];
const READABLE_TYPES = ['main_frame', ...BLOCKED_TYPES] as ResourceType[];

/** Students per allow rule: RE2 allows each regex about 2 KB once compiled; halved when Chromium refuses. */
export const DEFAULT_STUDENTS_PER_RULE = 40;

/** Where an SRO may be signed in, and whose plan opens records there. */
export interface GuardedOrigin {
  /** "http://127.0.0.1:41234", or a host pattern's regex prefix for a browser assigned to an SRO. */
  origin: string;
  /** The SRO seen there (lower case); undefined when only the managed role says so. */
  username: string | undefined;
  adapters: readonly SisAdapter[];
  /** The priority band of the adapters' rules (adapterBand); 0 when omitted. */
  band?: number;
  /** Yield this origin to this band: lower bands' rules do not apply on it (a higher adapter owns it). */
  yieldsBelow?: boolean;
}

/**
 * The band of an adapter priority among a bundle's adapters: 0 for the lowest priority any of them has, one
 * more for each distinct priority above it.
 */
export function adapterBand(adapters: readonly Pick<SisAdapter, 'priority'>[], priority: number): number {
  return new Set(adapters.map((adapter) => adapter.priority ?? 0).filter((other) => other < priority)).size;
}

/**
 * An origin where an SRO was seen: the rules of its host's owners (ownersOf) only, in their band. A lower adapter
 * on the same host (the bundled demo adapters on 127.0.0.1 under a district's recorded one) would otherwise add
 * its catch-all and send the owner's sign-in and sign-out pages to the gate.
 */
export function ownedOrigin(
  adapters: readonly SisAdapter[],
  origin: string,
  username: string | undefined,
): GuardedOrigin {
  const owners = ownersOf(adapters, new URL(origin));
  return { origin, username, adapters: owners, band: adapterBand(adapters, owners[0]?.priority ?? 0) };
}

/**
 * A browser the admin assigned to an SRO: every host pattern of every adapter is guarded before anyone is seen
 * there, each with its own adapter's rules in that adapter's band. Where a lower adapter's pattern covers hosts
 * of a higher one ("*.powerschool.com" under "district.powerschool.com", "127.0.0.1" under "127.0.0.1:8080"),
 * the higher pattern yields: there only its own adapter's rules apply. Patterns are wildcards, so the exclusion
 * is by priority rather than by listing hosts; every host the higher patterns do not name keeps the lower
 * adapter's rules (fail closed).
 */
export function assignedSroOrigins(adapters: readonly SisAdapter[]): GuardedOrigin[] {
  const guarded: GuardedOrigin[] = [];
  for (const adapter of adapters) {
    const priority = adapter.priority ?? 0;
    const band = adapterBand(adapters, priority);
    for (const host of adapter.match.hosts) {
      const yieldsBelow = adapters.some(
        (other) =>
          (other.priority ?? 0) < priority &&
          other.network !== undefined &&
          other.match.hosts.some((theirs) => hostsOverlap(host, theirs)),
      );
      guarded.push({
        origin: hostPatternPrefix(host),
        username: undefined,
        adapters: [adapter],
        band,
        yieldsBelow,
      });
    }
  }
  return guarded;
}

export interface RecordRuleInput {
  guarded: readonly GuardedOrigin[];
  /** The guard plan's views: per lower-case SRO username, per student id, category → until (null: no end). */
  viewable: Readonly<Record<string, Readonly<Record<string, ViewableCategories>>>>;
  /**
   * What a blocked navigation is redirected to, followed by the URL it asked for: the gate with this browser
   * session's nonce, e.g. chrome-extension://<id>/gate.html#blocked=<nonce>: (so no web page can drive the gate).
   */
  gateTarget: string;
  nowMs: number;
  studentsPerRule?: number;
}

export interface RecordRuleSet {
  rules: Rule[];
  /** When the earliest view a rule opens ends (epoch ms): the rules must be rebuilt then. */
  refreshAtMs: number | undefined;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Credentials a URL may carry before its host ("http://user@host/"): the prefixes match with or without. */
const USER_INFO = '(?:[^/?#@]*@)?';

/** The regex prefix matching an origin ("http://host:port") exactly. */
export function originPrefix(origin: string): string {
  const url = new URL(origin);
  return `^${url.protocol}//${USER_INFO}${escapeRegex(url.host)}`;
}

/** The same origin's WebSocket URLs (ws: for http:, wss: for https:, either for a host pattern). */
const webSocketPrefix = (prefix: string): string =>
  prefix
    .replace(/^\^https\?:/, '^wss?:')
    .replace(/^\^https:/, '^wss:')
    .replace(/^\^http:/, '^ws:');

/** The regex prefix matching every origin of an adapter host pattern ("*.aeries.net", "127.0.0.1:8080"). */
export function hostPatternPrefix(pattern: string): string {
  const [host = '', port] = pattern.toLowerCase().split(':');
  const name = host.startsWith('*.') ? `[^/:?#]+\\.${escapeRegex(host.slice(2))}` : escapeRegex(host);
  return `^https?://${USER_INFO}${name}${port ? `:${port}` : '(?::[0-9]+)?'}`;
}

/** Whether every category of an endpoint is viewable now. */
function opens(
  view: ViewableCategories | undefined,
  categories: readonly Category[],
  nowMs: number,
): boolean {
  if (!view) return false;
  return categories.every((category) => {
    const until = view[category];
    return until === null || (until !== undefined && Date.parse(until) > nowMs);
  });
}

/** The earliest end among an endpoint's categories for one student (undefined: none ends). */
function endOf(view: ViewableCategories, categories: readonly Category[]): number | undefined {
  const ends = categories
    .map((category) => view[category])
    .filter((until): until is string => typeof until === 'string')
    .map((until) => Date.parse(until));
  return ends.length ? Math.min(...ends) : undefined;
}

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
};

/** Student ids are matched literally; anything but plain id characters would be a policy or plan error. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,40}$/;
/** A URL parameter name that can stand in a regex as it is. */
const SAFE_PARAM = /^[A-Za-z0-9_]{1,40}$/;

/** Builds every record rule for the origins an SRO may be signed in on. Pure. */
export function buildRecordRules(input: RecordRuleInput): RecordRuleSet {
  const perRule = input.studentsPerRule ?? DEFAULT_STUDENTS_PER_RULE;
  const rules: Rule[] = [];
  let refreshAtMs: number | undefined;
  let nextId = FIRST_ID;
  const add = (rule: Omit<Rule, 'id'>): void => {
    if (nextId > LAST_ID) throw new RuleLimitError(`more than ${LAST_ID - FIRST_ID + 1} record rules`);
    rules.push({ id: nextId++, ...rule });
  };
  for (const guarded of input.guarded) {
    const band = guarded.band ?? 0;
    if (!Number.isInteger(band) || band < 0 || band >= MAX_BANDS) {
      throw new Error(`priority band ${band} is outside 0–${MAX_BANDS - 1}`);
    }
    const priority = (kind: number): number => inBand(band, kind);
    const prefix = guarded.origin.startsWith('^') ? guarded.origin : originPrefix(guarded.origin);
    if (guarded.yieldsBelow === true && band > 0) {
      // Every request type a lower band's rules touch: on this pattern's hosts none of them applies.
      add({
        priority: priority(YIELD_PRIORITY),
        action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
        condition: { regexFilter: `${prefix}/.*`, resourceTypes: READABLE_TYPES },
      });
      add({
        priority: priority(YIELD_PRIORITY),
        action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
        condition: {
          regexFilter: `${webSocketPrefix(prefix)}/.*`,
          resourceTypes: ['websocket'] as ResourceType[],
        },
      });
    }
    const networked = guarded.adapters.filter((adapter) => adapter.network !== undefined);
    if (networked.length === 0) continue;
    // Every readable request to the origin: navigations go to the gate with the URL they asked for.
    add({
      priority: priority(CATCH_ALL_PRIORITY),
      action: {
        type: 'redirect' as Browser.declarativeNetRequest.RuleActionType,
        redirect: { regexSubstitution: `${input.gateTarget}\\0` },
      },
      condition: { regexFilter: `${prefix}/.*`, resourceTypes: ['main_frame'] as ResourceType[] },
    });
    add({
      priority: priority(CATCH_ALL_PRIORITY),
      action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
      condition: { regexFilter: `${prefix}/.*`, resourceTypes: BLOCKED_TYPES },
    });
    add({
      priority: priority(CATCH_ALL_PRIORITY),
      action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
      condition: {
        regexFilter: `${webSocketPrefix(prefix)}/.*`,
        resourceTypes: ['websocket'] as ResourceType[],
      },
    });
    const pathsOf = (pick: (network: NonNullable<SisAdapter['network']>) => string[]): string[] => [
      ...new Set(networked.flatMap((adapter) => (adapter.network ? pick(adapter.network) : []))),
    ];
    // Open pages load for any request; cover paths only as pages: the URL does not say whose record it is, so
    // the in-page cover decides, and a fetch of one by page script would hand it the record before any cover.
    const allowed: [string[], ResourceType[]][] = [
      [pathsOf((network) => [...network.openPaths, ...network.signInPaths]), READABLE_TYPES],
      [pathsOf((network) => network.coverPaths), PAGE_TYPES],
    ];
    // One rule a path: RE2 gives each regex about 2 KB once compiled, and an alternation of paths exceeds it.
    for (const [paths, resourceTypes] of allowed) {
      for (const path of paths) {
        add({
          priority: priority(OPEN_PRIORITY),
          action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
          // Case-sensitive, as the server reads its paths and parameters: "/Admin/…" is not an open page.
          condition: { regexFilter: `${prefix}(?:${path})$`, resourceTypes, isUrlFilterCaseSensitive: true },
        });
      }
    }
    const endpoints = networked.flatMap((adapter) => adapter.network?.records ?? []);
    const postbacks = endpoints.filter((endpoint) => endpoint.postback);
    if (postbacks.length > 0) {
      // The URL of a postback does not name the student: the page reaches the in-page cover, which decides.
      const paths = postbacks.map((endpoint) => pathPart(endpoint.url.split(STUDENT_PLACEHOLDER)[0] ?? ''));
      for (const path of new Set(paths)) {
        add({
          priority: priority(OPEN_PRIORITY),
          action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
          condition: {
            regexFilter: `${prefix}${path}(?:\\?.*)?$`,
            // Top-level only: a postback framed by a same-origin page could be read by that page's script.
            resourceTypes: ['main_frame'] as ResourceType[],
            isUrlFilterCaseSensitive: true,
            requestMethods: ['post'] as Browser.declarativeNetRequest.RequestMethod[],
          },
        });
      }
    }
    const views = guarded.username ? input.viewable[guarded.username] : undefined;
    if (!views) continue;
    // An endpoint that can return immigration-related data never opens for an SRO (Education Code 234.7):
    // what a data call returns cannot be redacted before page script reads it.
    for (const endpoint of endpoints.filter((candidate) => !candidate.categories.includes('immigration'))) {
      const students = Object.entries(views)
        .filter(
          ([studentId, view]) => SAFE_ID.test(studentId) && opens(view, endpoint.categories, input.nowMs),
        )
        .sort(([a], [b]) => a.localeCompare(b));
      for (const [, view] of students) {
        const end = endOf(view, endpoint.categories);
        if (end !== undefined) refreshAtMs = Math.min(refreshAtMs ?? end, end);
      }
      for (const group of chunk(
        students.map(([studentId]) => studentId),
        perRule,
      )) {
        const [before, after] = endpoint.url.split(STUDENT_PLACEHOLDER) as [string, string];
        add({
          priority: priority(STUDENT_PRIORITY),
          action: { type: 'allow' as Browser.declarativeNetRequest.RuleActionType },
          condition: {
            regexFilter: `${prefix}${before}(?:${group.join('|')})${after}$`,
            resourceTypes: endpoint.kind === 'document' ? PAGE_TYPES : READABLE_TYPES,
            // "?PERSONID=1&personID=2" must not open student 1's rule for a server that reads personID=2.
            isUrlFilterCaseSensitive: true,
          },
        });
      }
    }
    // A URL that names the student's parameter twice, in any case, is never opened: the rule above may have
    // matched one value while the server reads the other. Nor one that names the student in another parameter
    // the adapter reads a student from ("?frn=001123&studentfrn=001456": a log entry page reads the second).
    const keys = new Set(endpoints.flatMap((endpoint) => studentParameter(endpoint.url) ?? []));
    const pairs = new Set<string>();
    for (const adapter of networked) {
      const readFrom = adapter.student.flatMap((extractor) =>
        extractor.from === 'url-param' ? [extractor.param] : [],
      );
      for (const endpoint of adapter.network?.records ?? []) {
        const key = studentParameter(endpoint.url);
        if (key === undefined) continue;
        // The value as the record names a student ("frn=001…"): another use of the key (a log entry's
        // "frn=008…") beside the other parameter is no record of this endpoint, and goes to the gate as before.
        const named = `${key}=${studentValuePrefix(endpoint.url, key)}`;
        for (const other of readFrom.filter(
          (param) => SAFE_PARAM.test(param) && param.toLowerCase() !== key.toLowerCase(),
        )) {
          pairs.add(`[?&]${named}[^#]*&${other}=`);
          pairs.add(`[?&]${other}=[^#]*&${named}`);
        }
      }
    }
    for (const filter of [...[...keys].map((key) => `[?&]${key}=[^#]*&${key}=`), ...pairs]) {
      add({
        priority: priority(REPEATED_STUDENT_PRIORITY),
        action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
        condition: { regexFilter: `${prefix}/[^#]*${filter}`, resourceTypes: READABLE_TYPES },
      });
    }
    // A path the server may read otherwise than the rules do: Tomcat (PowerSchool) drops ";…" from each segment
    // and then resolves "..", so "/images/..;/admin/students/…" would reach a record through an open path; an
    // encoded slash, backslash or dot can do the same on other servers. Never opened, whatever the plan says.
    add({
      priority: priority(REPEATED_STUDENT_PRIORITY),
      action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
      condition: { regexFilter: `${prefix}/[^?#]*(?:;|%2[EeFf]|%5[Cc])`, resourceTypes: READABLE_TYPES },
    });
  }
  return { rules, refreshAtMs };
}

/** What a record's pattern puts before the student id in its parameter's value ("001" in "frn=001{student}"). */
function studentValuePrefix(source: string, key: string): string {
  const before = source.split(STUDENT_PLACEHOLDER)[0] ?? '';
  const value = before.slice(before.lastIndexOf(`${key}=`) + key.length + 1);
  return /^[A-Za-z0-9_-]*$/.test(value) ? value : '';
}

/**
 * The path of a record endpoint's pattern, up to its query: "/StudentData\\.aspx\\?SN=" → "/StudentData\\.aspx".
 * The escaped "\\?" that starts the query is where the path ends.
 */
function pathPart(source: string): string {
  const query = source.indexOf('\\?');
  return query === -1 ? source : source.slice(0, query);
}

export class RuleLimitError extends Error {}

/** The browser's limits, read at run time (they differ between versions). */
export interface RuleLimits {
  sessionRules: number;
  regexRules: number;
}

/** Refuses a rule set the browser could not hold, with the numbers, rather than letting it be cut short. */
export function checkLimits(rules: readonly Rule[], limits: RuleLimits, otherRegexRules: number): void {
  const regex = rules.filter((rule) => rule.condition.regexFilter !== undefined).length;
  if (rules.length > limits.sessionRules) {
    throw new RuleLimitError(
      `${rules.length} record rules exceed the browser's limit of ${limits.sessionRules} session rules`,
    );
  }
  if (regex + otherRegexRules > limits.regexRules) {
    throw new RuleLimitError(
      `${regex} record rules and ${otherRegexRules} other regex rules exceed the browser's limit of ${limits.regexRules} regex rules`,
    );
  }
}

/** Rebuilds the rules when the earliest view they open ends. */
export const RECORD_RULES_ALARM = 'record-rules-refresh';

const inRange = (rule: Rule): boolean => rule.id >= FIRST_ID && rule.id <= LAST_ID;

/**
 * Only the catch-all blocks and redirects, and the yields that keep a lower adapter's out of a higher one's hosts
 * (all built from escaped origins alone, so always accepted).
 */
export function catchAllsOnly(input: Omit<RecordRuleInput, 'studentsPerRule'>): RecordRuleSet {
  const all = buildRecordRules({ ...input, viewable: {} });
  return {
    rules: all.rules.filter((rule) => [CATCH_ALL_PRIORITY, YIELD_PRIORITY].includes(kindOf(rule))),
    refreshAtMs: undefined,
  };
}

/** The first rule whose regex Chromium's RE2 refuses (too large once compiled, or not RE2 syntax). */
async function refusedRules(rules: readonly Rule[]): Promise<(Rule & { reason: string })[]> {
  const checks = await Promise.all(
    rules.map((rule) =>
      rule.condition.regexFilter === undefined
        ? { isSupported: true, reason: undefined }
        : browser.declarativeNetRequest.isRegexSupported({
            regex: rule.condition.regexFilter,
            isCaseSensitive: rule.condition.isUrlFilterCaseSensitive ?? false,
          }),
    ),
  );
  return rules.flatMap((rule, index) =>
    checks[index]?.isSupported === false ? [{ ...rule, reason: checks[index]?.reason ?? 'unsupported' }] : [],
  );
}

/**
 * Replaces this module's session rules with the set for `input`, in one update (no moment without them).
 * A set over the browser's limits is refused with a RuleLimitError and the plan's allows are left out instead:
 * the blocks stay, so SROs' records stay closed (fail closed), never silently cut short. An allow Chromium's
 * regex engine refuses (a pattern over its memory limit) is left out alone, and reported the same way.
 */
export async function applyRecordRules(
  input: Omit<RecordRuleInput, 'studentsPerRule'>,
): Promise<RecordRuleSet> {
  const dnr = browser.declarativeNetRequest;
  const [session, dynamic] = await Promise.all([dnr.getSessionRules(), dnr.getDynamicRules()]);
  const otherRegex = [...session.filter((rule) => !inRange(rule)), ...dynamic].filter(
    (rule) => rule.condition.regexFilter !== undefined,
  ).length;
  const limits: RuleLimits = {
    sessionRules: dnr.MAX_NUMBER_OF_SESSION_RULES ?? 5000,
    regexRules: dnr.MAX_NUMBER_OF_REGEX_RULES ?? 1000,
  };
  let failure: RuleLimitError | undefined;
  let set: RecordRuleSet;
  try {
    let perRule = DEFAULT_STUDENTS_PER_RULE;
    set = buildRecordRules({ ...input, studentsPerRule: perRule });
    for (;;) {
      const refused = await refusedRules(set.rules);
      if (refused.length === 0) break;
      if (perRule > 1 && refused.some((rule) => kindOf(rule) === STUDENT_PRIORITY)) {
        perRule = Math.max(1, Math.floor(perRule / 2));
        set = buildRecordRules({ ...input, studentsPerRule: perRule });
        continue;
      }
      // A student's allow names student ids in its pattern: those never go into a log line.
      const described = refused.map((rule) =>
        kindOf(rule) === STUDENT_PRIORITY
          ? `a student allow (ids withheld): ${rule.reason}`
          : `${rule.condition.regexFilter ?? '?'}: ${rule.reason}`,
      );
      // A block or redirect the browser cannot run would leave its requests open: only the catch-alls go in.
      if (refused.some((rule) => rule.action.type !== 'allow'))
        throw new RuleLimitError(`the browser cannot run the rule for ${described.join('; ')}`);
      // An allow it cannot run is left out alone: what it would open stays closed (fail closed), and every other
      // open page and student of the set still opens, so one long pattern does not close the whole SIS.
      const left = new Set(refused.map((rule) => rule.id));
      set = { ...set, rules: set.rules.filter((rule) => !left.has(rule.id)) };
      failure = new RuleLimitError(
        `the browser cannot run ${refused.length === 1 ? 'the rule' : `${refused.length} rules`} for ${described.join('; ')} (left out; everything else applied)`,
      );
      break;
    }
    checkLimits(set.rules, limits, otherRegex);
  } catch (error) {
    if (!(error instanceof RuleLimitError)) throw error;
    failure = error;
    set = catchAllsOnly(input);
  }
  const removeRuleIds = session.filter(inRange).map((rule) => rule.id);
  try {
    await dnr.updateSessionRules({ removeRuleIds, addRules: set.rules });
  } catch (error) {
    // A rule Chromium refused (a pattern RE2 cannot run): the whole update was refused, so the old allows would
    // stay. The blocks alone go in instead: everything on the origin closed until the policy is fixed.
    failure = new RuleLimitError(
      `the browser refused the record rules: ${error instanceof Error ? error.message : String(error)}`,
    );
    set = catchAllsOnly(input);
    await dnr.updateSessionRules({ removeRuleIds, addRules: set.rules });
  }
  if (set.refreshAtMs !== undefined)
    await browser.alarms.create(RECORD_RULES_ALARM, { when: set.refreshAtMs });
  else await browser.alarms.clear(RECORD_RULES_ALARM);
  if (failure) throw failure;
  return set;
}
