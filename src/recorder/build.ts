// Turns what an admin picked on their SIS page into adapter JSON for them to review: pure, so the recorder's
// output is unit-tested without a browser. The result is validated with the adapter schema before it is shown
// as ready; every guess (display name or login, where the student id is) is listed for review.
import type { Category } from '../policy/vocabulary';
import type { LabelCellRule } from '../sis/label-cells';
import type { PickedLayout } from './layout';
import type { PickedElement } from './picked';
import { RECORDER_WARNINGS, type RecorderWarning } from './texts';

export type PickRole = 'identity' | 'student' | 'section' | 'export' | 'sensitive';

export interface Pick {
  role: PickRole;
  element: PickedElement;
  /** For a section: the record category the admin says the element (or page) holds. */
  category?: Category;
  /**
   * For a sensitive label in a table cell: where its value is, as src/recorder/layout.ts read the cell's table.
   * Absent on a `td` pick: the next cell, as the recorder always assumed.
   */
  layout?: PickedLayout;
}

export interface RecorderInput {
  id: string;
  name: string;
  /** The SIS page the picks were made on. */
  url: string;
  picks: readonly Pick[];
  /** The student id the admin knows the page shows (a test student), to find it in the URL. */
  studentId?: string;
  /** Whether the header shows a display name rather than the login. */
  displayName: boolean;
  /** ISO date of the recording, for the sources line. */
  recordedOn: string;
  /**
   * The SIS's sign-in and sign-out pages, as paths ("/login") or addresses the admin recorded from the SIS tab:
   * seeing one ends what the browser knew about who was signed in, so a teacher after an SRO is read afresh.
   */
  signInPages?: readonly string[];
  /** Start pages and shells: they show who is signed in but no student, and are never covered. */
  identityPages?: readonly string[];
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** "/admin/students/home.html" → "^/admin/students/": the folder the page sits in. */
function pathPattern(pathname: string): string {
  const folder = pathname.slice(0, pathname.lastIndexOf('/') + 1) || '/';
  return `^${escapeRegex(folder)}`;
}

function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

type Json = Record<string, unknown>;

/**
 * What the admin typed or recorded, reduced to a path: "https://sis/login?next=x" and "/login" → "/login".
 * `other-host` for an address on another host (a single sign-on service): Record Guard sees only the SIS's pages.
 */
export function pagePath(entry: string, base: URL): string | 'other-host' | undefined {
  const trimmed = entry.trim();
  if (trimmed === '') return undefined;
  let page: URL;
  try {
    page = new URL(trimmed, base);
  } catch {
    return undefined;
  }
  if (page.protocol !== 'http:' && page.protocol !== 'https:') return undefined;
  if (page.host !== base.host) return 'other-host';
  return page.pathname;
}

/**
 * A page's path as the whole-path pattern `pages` takes (src/sis/match.ts anchors it): the path itself, with
 * any query after it ("/login?next=…" is still the sign-in page).
 */
export function pagePattern(path: string): string {
  return `${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\?[^#]*)?`;
}

function pagePatterns(
  entries: readonly string[] | undefined,
  base: URL,
): { patterns: string[]; otherHost: boolean } {
  const paths = (entries ?? []).map((entry) => pagePath(entry, base));
  return {
    patterns: [
      ...new Set(paths.flatMap((path) => (path && path !== 'other-host' ? [pagePattern(path)] : []))),
    ],
    otherHost: paths.includes('other-host'),
  };
}

function identityExtractor(pick: PickedElement, displayName: boolean): Json {
  const login = pick.attributes['data-username'] ?? pick.attributes['data-user'];
  if (login !== undefined && !displayName) {
    const attribute = pick.attributes['data-username'] !== undefined ? 'data-username' : 'data-user';
    return { from: 'attribute', selector: `${pick.selector}[${attribute}]`, attribute };
  }
  return {
    from: 'text',
    selector: pick.selector,
    pattern: '^(?:(?:Welcome|Bienvenid[oa])\\s*,?\\s*)?(\\S(?:.{0,118}\\S)?)$',
    ...(displayName ? { yields: 'display-name' } : {}),
  };
}

/** Where the student id sits: a URL parameter holding it (with any fixed prefix), else the picked element. */
function studentExtractors(url: URL, studentId: string | undefined, pick: PickedElement | undefined): Json[] {
  const extractors: Json[] = [];
  if (studentId) {
    for (const [param, value] of url.searchParams) {
      const at = value.indexOf(studentId);
      if (at < 0 || at + studentId.length !== value.length) continue;
      const prefix = escapeRegex(value.slice(0, at));
      const digits = /^\d+$/.test(studentId);
      extractors.push({
        from: 'url-param',
        param,
        pattern: `^${prefix}(${digits ? '\\d' : '[A-Za-z0-9_-]'}{1,40})$`,
      });
      break;
    }
  }
  if (pick) {
    if (pick.tag === 'input' && pick.attributes.name && pick.attributes.type === 'hidden') {
      extractors.push({
        from: 'hidden-input',
        name: pick.attributes.name,
        pattern: '^([A-Za-z0-9_-]{1,40})$',
      });
    } else {
      extractors.push({ from: 'text', selector: pick.selector, pattern: '^\\s*([A-Za-z0-9_-]{1,40})\\s*$' });
    }
  }
  return extractors;
}

const exportKind = (pick: PickedElement): string =>
  pick.tag === 'a' ? 'link' : pick.tag === 'form' ? 'form' : 'button';

/**
 * `labelCells` for the sensitive labels picked in table cells. Values in the next cell: that rule for every
 * table (what `true` always meant). Values in the row below: only in the picked label's table, by its `#id`,
 * since read elsewhere the rule would take a row of pairs for labels over values; a table known by its classes
 * alone (they may match other tables on other pages), one with no stable selector, or one whose layout the
 * recorder could not tell gets `either`, which masks both places. A table
 * picked with both layouts is read as `either`. Header cells need no rule: `false` when nothing else is picked.
 */
export function labelCellsFor(picks: readonly Pick[]): boolean | LabelCellRule | LabelCellRule[] {
  /** Per stable table selector, the layouts picked in it. */
  const byTable = new Map<string, Set<PickedLayout>>();
  let unscoped: LabelCellRule['value'] | undefined;
  for (const pick of picks) {
    const cell = pick.element.cell;
    if (!cell && pick.element.tag !== 'td') continue;
    const layout = pick.layout ?? 'next-cell';
    if (layout === 'header') continue;
    if (layout === 'next-cell') unscoped = unscoped ?? 'next-cell';
    else if (cell?.table === undefined) unscoped = 'either';
    if (cell?.table !== undefined)
      byTable.set(cell.table, (byTable.get(cell.table) ?? new Set()).add(layout));
  }
  const rules: LabelCellRule[] = [];
  for (const [tables, layouts] of byTable) {
    // A table of next-cell picks alone is read by the rule for every table.
    if (layouts.size === 1 && layouts.has('next-cell')) continue;
    // `row-below` only for a table named by its id: a class (`table.grid`) is unique on the recorded page
    // alone, and another page's table of label/value pairs with that class would be read the wrong way.
    const value =
      layouts.size === 1 && layouts.has('row-below') && tables.startsWith('#') ? 'row-below' : 'either';
    rules.push({ value, tables });
  }
  if (unscoped) rules.push({ value: unscoped });
  if (rules.length === 0) return false;
  return rules.length === 1 ? (rules[0] as LabelCellRule) : rules;
}

export interface Recorded {
  adapter: Json;
  /** What the admin must look at before publishing (English; also in the adapter's `verification.toCheck`). */
  review: string[];
  /** The same, as keys of RECORDER_WARNINGS, for the review step to say in the admin's language. */
  warnings: RecorderWarning[];
}

export function buildAdapter(input: RecorderInput): Recorded {
  const url = new URL(input.url);
  const of = (role: PickRole) => input.picks.filter((pick) => pick.role === role);
  const warnings: RecorderWarning[] = [];
  const identity = of('identity').map((pick) => identityExtractor(pick.element, input.displayName));
  if (identity.length === 0) warnings.push('no-identity');
  if (input.displayName) warnings.push('display-name');
  const student = studentExtractors(url, input.studentId, of('student')[0]?.element);
  if (student.length === 0) warnings.push('no-student');
  const sections = of('section').flatMap((pick) =>
    pick.category
      ? [
          { category: pick.category, selector: pick.element.selector },
          { category: pick.category, url: `^${escapeRegex(new URL(pick.element.url).pathname)}` },
        ]
      : [],
  );
  if (sections.length === 0) warnings.push('no-section');
  const signIn = pagePatterns(input.signInPages, url);
  const identityOnly = pagePatterns(input.identityPages, url);
  // Without a sign-in or sign-out page an SRO seen on the host keeps it guarded for the rest of the session
  // (src/decide/guarded.ts): nothing the next person's pages show can end it.
  if (signIn.patterns.length === 0) warnings.push('no-sign-in');
  if (signIn.otherHost || identityOnly.otherHost) warnings.push('other-host-page');
  // An open page is never covered (src/sis/match.ts): one that is also where a record was picked would leave
  // that record open.
  const recordPages = input.picks.map((pick) => {
    const page = new URL(pick.element.url);
    return `${page.pathname}${page.search}`;
  });
  const open = [...signIn.patterns, ...identityOnly.patterns].map(
    (source) => new RegExp(`^(?:${source})$`, 'iu'),
  );
  if (open.some((pattern) => recordPages.some((page) => pattern.test(page))))
    warnings.push('open-record-page');
  const review = warnings.map((warning) => RECORDER_WARNINGS[warning].en);
  const paths = [
    ...new Set(
      [url, ...input.picks.map((pick) => new URL(pick.element.url))].map((page) =>
        pathPattern(page.pathname),
      ),
    ),
  ];
  const sensitive = of('sensitive');
  const codes = sensitive.flatMap((pick) =>
    pick.element.attributes.name ? [pick.element.attributes.name] : [],
  );
  const adapter: Json = {
    $schema: 'https://record-guard.example/policies/schema.json#/$defs/SisAdapter',
    format: 'record-guard-adapter/1',
    id: input.id,
    name: input.name,
    // Above the bundled adapters (0): the district's own recording of its own host is the one that applies.
    priority: 10,
    verification: {
      status: 'verified',
      toCheck: [
        'Recorded from one page of each kind: open other students and sections with `npm run adapter -- check` before publishing.',
        ...review,
      ],
      sources: [`Recorded with the Record Guard adapter recorder on ${hostOf(url)} on ${input.recordedOn}`],
    },
    match: { hosts: [hostOf(url)], paths },
    pages: { identityOnly: identityOnly.patterns, signIn: signIn.patterns },
    identity: { read: identity, lateWaitMs: 0 },
    roleLabel: [],
    student,
    sections,
    exports: {
      controls: of('export').map((pick, index) => ({
        id: `export-${index + 1}`,
        selector: pick.element.selector,
        kind: exportKind(pick.element),
      })),
      endpoints: [],
    },
    sensitiveFields:
      sensitive.length > 0
        ? [
            {
              category: 'immigration',
              labels: sensitive.map((pick) => `^${escapeRegex(pick.element.text.replace(/:$/, ''))}$`),
              codes,
              ...(codes.length > 0 ? { codeAttribute: 'name' } : {}),
            },
          ]
        : [],
    labelCells: labelCellsFor(sensitive),
    navigation: ['full-load', 'in-page', 'frames'],
  };
  return { adapter, review, warnings };
}
