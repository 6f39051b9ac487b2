// Turns what an admin picked on their SIS page into adapter JSON for them to review: pure, so the recorder's
// output is unit-tested without a browser. The result is validated with the adapter schema before it is shown
// as ready; every guess (display name or login, where the student id is) is listed for review.
import type { Category } from '../policy/vocabulary';
import type { PickedElement } from './pick';

export type PickRole = 'identity' | 'student' | 'section' | 'export' | 'sensitive';

export interface Pick {
  role: PickRole;
  element: PickedElement;
  /** For a section: the record category the admin says the element (or page) holds. */
  category?: Category;
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

export interface Recorded {
  adapter: Json;
  /** What the admin must look at before publishing. */
  review: string[];
}

export function buildAdapter(input: RecorderInput): Recorded {
  const url = new URL(input.url);
  const of = (role: PickRole) => input.picks.filter((pick) => pick.role === role);
  const review: string[] = [];
  const identity = of('identity').map((pick) => identityExtractor(pick.element, input.displayName));
  if (identity.length === 0) review.push('Pick the element that shows who is signed in.');
  if (input.displayName)
    review.push("The header shows a display name: list each SRO's display name in the roster.");
  const student = studentExtractors(url, input.studentId, of('student')[0]?.element);
  if (student.length === 0)
    review.push('Give the test student id the page shows, or pick the element with it.');
  const sections = of('section').flatMap((pick) =>
    pick.category
      ? [
          { category: pick.category, selector: pick.element.selector },
          { category: pick.category, url: `^${escapeRegex(new URL(pick.element.url).pathname)}` },
        ]
      : [],
  );
  if (sections.length === 0) review.push('Pick at least one section and say which record category it holds.');
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
    labelCells: sensitive.some((pick) => pick.element.tag === 'td'),
    navigation: ['full-load', 'in-page', 'frames'],
  };
  return { adapter, review };
}
