// What an adapter reads from one page, and what it misses: `npm run adapter -- check` prints this, so a
// district's admin can verify an adapter against a page saved from their own SIS (with fake students).
import { classificationFor, fieldCategories, type CategoryPatterns } from '../decide/classify';
import type { Extractor, SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';
import { adapterForUrl, networkRouteFor, openPageFor, recordRequestFor, type NetworkRoute } from './match';
import {
  extractAll,
  readCategories,
  readFields,
  readIdentity,
  readLabelCells,
  readStudentId,
  type FoundLabelCell,
} from './read-page';

export interface ExtractorReport {
  /** Where in the adapter: "identity.read[0]", "student[2]". */
  path: string;
  from: Extractor['from'];
  values: string[];
  error?: string;
}

export interface AdapterCheck {
  adapter: string;
  url: string;
  /** How the runtime treats the URL: guarded record page, identity-only page, sign-in page, or not claimed. */
  page: 'guarded' | 'identity-only' | 'sign-in' | 'not-claimed';
  identity: { username?: string; displayName?: string; roleLabel?: string; conflicting: boolean };
  student: { value?: string; conflicting: boolean };
  sections: Category[];
  fields: string[];
  /** Fields on the page the policy and adapters classify, with the category. */
  classified: { field: string; category: Category }[];
  sensitiveFound: string[];
  /**
   * Sensitive fields read from table cells, with where the redactor finds the value: beside the label, in the
   * row below, or the column under a header; `located: false` keeps an SRO's page covered.
   */
  sensitiveCells: { field: string; valueAt: FoundLabelCell['valueAt']; located: boolean }[];
  exportControls: { id: string; kind: string; count: number }[];
  /** The record endpoint this URL is, if any (network enforcement), with the student it names. */
  dataEndpoint?: { id: string; studentId: string; categories: Category[] };
  /** What the network rules do with an SRO's page load of this URL; absent without a network section. */
  network?: NetworkRoute;
  extractors: ExtractorReport[];
  /** What the adapter did not read, in words an admin can act on. */
  missing: string[];
  /** What the adapter does beside the bundle's others that an admin should know (src/policy/adapter-overlap.ts). */
  warnings?: string[];
}

function runExtractors(
  label: string,
  extractors: readonly Extractor[],
  doc: Document,
  href: string,
): ExtractorReport[] {
  return extractors.map((extractor, index) => {
    const path = `${label}[${index}]`;
    try {
      return { path, from: extractor.from, values: extractAll(extractor, doc, href) };
    } catch (error) {
      return { path, from: extractor.from, values: [], error: (error as Error).message };
    }
  });
}

/** Reads `doc` (a page saved from `href`) through the adapter, as the content script would. */
export function checkAdapter(
  adapter: SisAdapter,
  doc: Document,
  href: string,
  policyCategories: readonly CategoryPatterns[] = [],
): AdapterCheck {
  const guarded = adapterForUrl([adapter], href) !== undefined;
  const open = guarded ? undefined : openPageFor([adapter], href);
  const page: AdapterCheck['page'] = guarded
    ? 'guarded'
    : open
      ? open.signIn
        ? 'sign-in'
        : 'identity-only'
      : 'not-claimed';
  const identity = readIdentity(adapter, doc, href);
  const student = readStudentId(adapter, doc, href);
  const sections = readCategories(adapter, doc, href);
  const fields = readFields(adapter, doc);
  const classified = [...fieldCategories(classificationFor(policyCategories, [adapter]), fields)].map(
    ([field, category]) => ({ field, category }),
  );
  const exportControls = adapter.exports.controls.flatMap((control) => {
    let count = 0;
    try {
      count = doc.querySelectorAll(control.selector).length;
    } catch {
      return [{ id: control.id, kind: control.kind, count: -1 }];
    }
    return count > 0 ? [{ id: control.id, kind: control.kind, count }] : [];
  });
  const request = recordRequestFor([adapter], href);
  const extractors = [
    ...runExtractors('identity.read', adapter.identity.read, doc, href),
    ...runExtractors('roleLabel', adapter.roleLabel, doc, href),
    ...runExtractors('student', adapter.student, doc, href),
  ];
  const missing: string[] = [];
  if (page === 'not-claimed') {
    missing.push('the URL matches neither match.hosts with match.paths nor an identity-only or sign-in page');
  }
  if (identity.username === undefined && identity.displayName === undefined) {
    missing.push(
      identity.conflicting
        ? 'identity: the extractors found different values (treated as unknown)'
        : 'identity: no extractor found who is signed in',
    );
  }
  if (page === 'guarded') {
    if (student.value === undefined) {
      missing.push(
        student.conflicting
          ? 'student: the extractors found different ids (an SRO sees the page blocked)'
          : 'student: no extractor found the student id (an SRO sees the page blocked)',
      );
    }
    if (sections.length === 0) missing.push('sections: no section rule matched this page');
  }
  for (const report of extractors) {
    if (report.error) missing.push(`${report.path}: threw (${report.error})`);
  }
  const network = networkRouteFor([adapter], href);
  if (page === 'guarded' && network?.kind === 'gate' && !network.postback) {
    missing.push(
      'network: an SRO is taken to the gate from this page whatever the consent (no network.records pattern, ' +
        'coverPaths or openPaths entry matches its URL): add it to records if the URL names the student, to ' +
        'coverPaths if it does not',
    );
  }
  const sensitiveFound = classified
    .filter((entry) => entry.category === 'immigration')
    .map((entry) => entry.field);
  const sensitiveCells = readLabelCells(adapter, doc)
    .filter((cell) => sensitiveFound.includes(cell.label))
    .map((cell) => ({ field: cell.label, valueAt: cell.valueAt, located: cell.located }));
  // The redactor fails closed only where the value is said to be in the row below (a label at the end of a row
  // of pairs has always been left as it is).
  for (const cell of sensitiveCells) {
    if (!cell.located && cell.valueAt === 'row-below') {
      missing.push(
        `sensitive field "${cell.field}": no value cell under it in the row below (an SRO sees the page covered)`,
      );
    }
  }
  return {
    adapter: adapter.id,
    url: href,
    page,
    identity,
    student,
    sections,
    fields,
    classified,
    sensitiveFound,
    sensitiveCells,
    exportControls,
    ...(request
      ? {
          dataEndpoint: {
            id: request.endpoint.id,
            studentId: request.studentId,
            categories: request.endpoint.categories,
          },
        }
      : {}),
    ...(network ? { network } : {}),
    extractors,
    missing,
  };
}

/** The network rules' treatment of the page, in words. */
function networkText(route: NetworkRoute | undefined): string {
  if (!route) return '(no network section: the in-page cover guards alone)';
  switch (route.kind) {
    case 'open':
      return route.signIn ? 'loads (sign-in or sign-out page)' : 'loads (open page)';
    case 'cover':
      return 'loads; the in-page cover decides (cover path: the URL does not name the student)';
    case 'record':
      return `record ${route.endpoint}: loads only if the plan opens student ${route.studentId} for ${route.categories.join(', ')}`;
    case 'blocked':
      return route.why === 'path-trick'
        ? 'blocked (a ";", encoded slash, backslash or dot in the path: the server may serve another page)'
        : 'blocked (a parameter named twice: the server may read the other value)';
    case 'gate':
      return route.postback
        ? 'to the gate (a POST back to it loads; the in-page cover decides)'
        : 'to the gate';
  }
}

/** A login as it is; a display name marked, since only the roster's display names can match it. */
const identityText = (identity: AdapterCheck['identity']): string =>
  identity.username ??
  (identity.displayName !== undefined ? `${identity.displayName} (display name)` : '(none)');
const WHERE: Record<FoundLabelCell['valueAt'], string> = {
  'next-cell': 'value in the next cell',
  'row-below': 'value in the row below',
  column: 'values in the column below',
};

/** " (value in the row below)" for a field read from table cells; several cells may say different things. */
function whereValue(check: AdapterCheck, field: string): string {
  const places = [
    ...new Set(
      check.sensitiveCells
        .filter((cell) => cell.field === field)
        .map((cell) => (cell.located ? WHERE[cell.valueAt] : `${WHERE[cell.valueAt]}: NOT FOUND`)),
    ),
  ];
  return places.length > 0 ? ` (${places.join('; ')})` : '';
}

/** The report as an admin reads it in a terminal. */
export function formatCheck(check: AdapterCheck): string {
  const lines = [
    `adapter   ${check.adapter}`,
    `url       ${check.url}`,
    `page      ${check.page}`,
    `identity  ${identityText(check.identity)}${check.identity.conflicting ? ' (conflicting)' : ''}`,
    `role      ${check.identity.roleLabel ?? '(none)'}`,
    `student   ${check.student.value ?? '(none)'}${check.student.conflicting ? ' (conflicting)' : ''}`,
    `sections  ${check.sections.join(', ') || '(none)'}`,
    `sensitive ${check.sensitiveFound.map((field) => `${field}${whereValue(check, field)}`).join(', ') || '(none)'}`,
    `exports   ${check.exportControls.map((control) => `${control.id} (${control.kind}) ×${control.count}`).join(', ') || '(none)'}`,
    `network   ${networkText(check.network)}`,
    `endpoint  ${check.dataEndpoint ? `${check.dataEndpoint.id} for student ${check.dataEndpoint.studentId}` : '(none)'}`,
    `fields    ${check.fields.length} read; classified: ${check.classified.map((entry) => `${entry.field} → ${entry.category}`).join('; ') || '(none)'}`,
    'extractors',
    ...check.extractors.map(
      (report) =>
        `  ${report.path} (${report.from}): ${report.error ? `ERROR ${report.error}` : report.values.join(' | ') || '—'}`,
    ),
    check.missing.length > 0 ? 'missing' : 'missing   nothing',
    ...check.missing.map((line) => `  - ${line}`),
    ...(check.warnings?.length ? ['warnings', ...check.warnings.map((line) => `  - ${line}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}
