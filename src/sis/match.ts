import type { RecordEndpoint, SisAdapter } from '../policy/adapter';
import { STUDENT_PLACEHOLDER } from '../policy/placeholders';

/** Whether a host (with port) matches an adapter host pattern: "sis.example.org", "*.aeries.net", "127.0.0.1:8080". */
export function hostMatches(pattern: string, host: string, port: string): boolean {
  const [patternHost = '', patternPort] = pattern.toLowerCase().split(':');
  if (patternPort !== undefined && patternPort !== port) return false;
  const name = host.toLowerCase();
  if (patternHost.startsWith('*.')) {
    const suffix = patternHost.slice(1);
    return name.endsWith(suffix) && name.length > suffix.length;
  }
  return name === patternHost;
}

/** Adapters by priority, highest first; equal priorities keep their order (the bundle refuses overlaps). */
export function byPriority<T extends { priority?: number }>(adapters: readonly T[]): T[] {
  return adapters
    .map((adapter, index) => ({ adapter, index }))
    .sort((a, b) => (b.adapter.priority ?? 0) - (a.adapter.priority ?? 0) || a.index - b.index)
    .map(({ adapter }) => adapter);
}

/**
 * The adapters that own a URL's host: of those claiming it, the ones at the highest priority. A lower one
 * (the bundled demo adapter on 127.0.0.1) never reads, guards or opens another SIS's pages on that host.
 */
export function ownersOf(adapters: readonly SisAdapter[], url: URL): SisAdapter[] {
  const onHost = byPriority(adapters).filter((adapter) =>
    adapter.match.hosts.some((pattern) => hostMatches(pattern, url.hostname, url.port)),
  );
  const top = onHost[0]?.priority ?? 0;
  return onHost.filter((adapter) => (adapter.priority ?? 0) === top);
}

const wholePath = (source: string): RegExp => new RegExp(`^(?:${source})$`, 'iu');

/** A path a server may read otherwise than the browser: ";…" in a segment, or an encoded slash, backslash or dot. */
const PATH_TRICK = /;|%2[ef]|%5c/iu;

/**
 * The path as Tomcat (PowerSchool) serves it: ";…" dropped from each segment, then "." and ".." resolved, so
 * "/images/..;/admin/students/x.html" is read as the record page it reaches. The browser resolved plain dot
 * segments already.
 */
export function serverPath(pathname: string): string {
  const out: string[] = [];
  for (const segment of pathname.split('/').slice(1)) {
    const name = segment.split(';')[0] ?? '';
    if (name === '..') out.pop();
    else if (name !== '.') out.push(name);
  }
  return `/${out.join('/')}`;
}

/** Whether a path is one of the adapter's identity-only or sign-in pages (never a guarded record page). */
function isOpenPage(adapter: SisAdapter, pathAndQuery: string): boolean {
  const pages = adapter.pages ?? { identityOnly: [], signIn: [] };
  return [...pages.identityOnly, ...pages.signIn].some((source) => wholePath(source).test(pathAndQuery));
}

/**
 * The adapter that guards this URL, if any: the host's owners (ownersOf), then one of their guarded paths; an
 * identity-only or sign-in page of theirs is never guarded.
 */
export function adapterForUrl(adapters: readonly SisAdapter[], href: string): SisAdapter | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const pathAndQuery = `${url.pathname}${url.search}`;
  // A path trick is read both ways (fail closed): as the browser shows it, and as the server would serve it.
  const tricked = PATH_TRICK.test(url.pathname);
  const served = `${serverPath(url.pathname)}${url.search}`;
  for (const adapter of ownersOf(adapters, url)) {
    if (!tricked && isOpenPage(adapter, pathAndQuery)) return undefined;
    const guards = (path: string): boolean =>
      adapter.match.paths.some((source) => new RegExp(source, 'iu').test(path));
    if (guards(pathAndQuery) || (tricked && guards(served))) return adapter;
  }
  return undefined;
}

/** Whether any adapter claims this host (its exports and downloads are watched even off guarded paths). */
export function isSisHost(adapters: readonly SisAdapter[], href: string): boolean {
  try {
    const url = new URL(href);
    return adapters.some((adapter) =>
      adapter.match.hosts.some((p) => hostMatches(p, url.hostname, url.port)),
    );
  } catch {
    return false;
  }
}

/** Chrome match patterns for the content script registration, one per adapter host. */
export function matchPatternsFor(
  adapters: readonly { match: Pick<SisAdapter['match'], 'hosts'> }[],
): string[] {
  const patterns = new Set<string>();
  for (const adapter of adapters) {
    for (const host of adapter.match.hosts) {
      // Match patterns cannot name a port; the path check above narrows it again.
      const name = host.split(':')[0] ?? host;
      patterns.add(`*://${name}/*`);
    }
  }
  return [...patterns].sort();
}

/** A record endpoint a URL asks for, and the student it names. */
export interface RecordRequest {
  adapter: SisAdapter;
  endpoint: RecordEndpoint;
  studentId: string;
}

/**
 * Which record endpoint of the host's adapters a URL asks for (the network rules' own patterns, so the gate
 * describes exactly what was blocked). Undefined for a URL no adapter's network section classifies.
 */
export function recordRequestFor(adapters: readonly SisAdapter[], href: string): RecordRequest | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const pathAndQuery = `${url.pathname}${url.search}`;
  for (const adapter of ownersOf(adapters, url)) {
    for (const endpoint of adapter.network?.records ?? []) {
      const [before = '', after = ''] = endpoint.url.split(STUDENT_PLACEHOLDER);
      const match = new RegExp(`^${before}([A-Za-z0-9_-]{1,40})${after}$`, 'iu').exec(pathAndQuery);
      if (match?.[1] !== undefined) return { adapter, endpoint, studentId: match[1] };
    }
  }
  return undefined;
}

/** An open page of an adapter (it holds no record but shows who is signed in), or a sign-in or sign-out page. */
export interface OpenPage {
  adapter: SisAdapter;
  signIn: boolean;
}

/** Whether a URL is one of the open pages (or sign-in pages) of the adapters claiming its host. */
export function openPageFor(adapters: readonly SisAdapter[], href: string): OpenPage | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // A path trick is never an open page: the server may serve something else under it.
  if (PATH_TRICK.test(url.pathname)) return undefined;
  const pathAndQuery = `${url.pathname}${url.search}`;
  for (const adapter of ownersOf(adapters, url)) {
    const pages = adapter.pages ?? { identityOnly: [], signIn: [] };
    const signIn = [...(adapter.network?.signInPaths ?? []), ...pages.signIn];
    const open = [...(adapter.network?.openPaths ?? []), ...pages.identityOnly];
    if (signIn.some((source) => wholePath(source).test(pathAndQuery))) return { adapter, signIn: true };
    if (open.some((source) => wholePath(source).test(pathAndQuery))) return { adapter, signIn: false };
  }
  return undefined;
}

/**
 * What the network rules do with a top-level page load of this URL while an SRO may be signed in on its host,
 * as `src/enforce/record-rules.ts` builds them (case-sensitive, as the rules are): an open page loads; a cover
 * path loads and the in-page cover decides; a record endpoint loads only for a student the guard plan opens; a
 * WebForms postback loads when POSTed; anything else goes to the gate. Undefined where the host's owners have
 * no network section (the in-page cover guards alone). Read by `npm run adapter -- check`.
 */
export type NetworkRoute =
  | { kind: 'open'; signIn: boolean }
  | { kind: 'record'; endpoint: string; studentId: string; categories: RecordEndpoint['categories'] }
  | { kind: 'cover' }
  | { kind: 'blocked'; why: 'path-trick' | 'student-named-twice' }
  | { kind: 'gate'; postback: boolean };

export function networkRouteFor(adapters: readonly SisAdapter[], href: string): NetworkRoute | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const networked = ownersOf(adapters, url).flatMap((adapter) => (adapter.network ? [adapter.network] : []));
  if (networked.length === 0) return undefined;
  const pathAndQuery = `${url.pathname}${url.search}`;
  // The blocks above every allow of the band (record-rules.ts, REPEATED_STUDENT_PRIORITY).
  if (PATH_TRICK.test(url.pathname)) return { kind: 'blocked', why: 'path-trick' };
  const keys = url.search
    .slice(1)
    .split('&')
    .map((pair) => (pair.split('=')[0] ?? '').toLowerCase());
  const studentKeys = new Set(
    networked.flatMap((network) =>
      network.records.flatMap((endpoint) => studentParameter(endpoint.url)?.toLowerCase() ?? []),
    ),
  );
  if (keys.some((key, index) => studentKeys.has(key) && keys.indexOf(key) !== index))
    return { kind: 'blocked', why: 'student-named-twice' };
  const exact = (source: string): boolean => new RegExp(`^(?:${source})$`, 'u').test(pathAndQuery);
  // An open or cover page loads whoever the student: its allow sits below the students' but needs none of them.
  for (const network of networked) {
    if (network.signInPaths.some(exact)) return { kind: 'open', signIn: true };
    if (network.openPaths.some(exact)) return { kind: 'open', signIn: false };
  }
  if (networked.some((network) => network.coverPaths.some(exact))) return { kind: 'cover' };
  for (const network of networked) {
    for (const endpoint of network.records) {
      // Data records open top-level loads too (their allows take every readable type).
      const [before = '', after = ''] = endpoint.url.split(STUDENT_PLACEHOLDER);
      const match = new RegExp(`^${before}([A-Za-z0-9_-]{1,40})${after}$`, 'u').exec(pathAndQuery);
      if (match?.[1] !== undefined)
        return {
          kind: 'record',
          endpoint: endpoint.id,
          studentId: match[1],
          categories: endpoint.categories,
        };
    }
  }
  const postback = networked.some((network) =>
    network.records.some(
      (endpoint) =>
        endpoint.postback &&
        new RegExp(
          `^${endpoint.url.split(STUDENT_PLACEHOLDER)[0]?.split('\\?')[0] ?? ''}(?:\\?.*)?$`,
          'u',
        ).test(pathAndQuery),
    ),
  );
  return { kind: 'gate', postback };
}

/** The query parameter a record endpoint names the student in ("frn" in "…\\?frn=001{student}"), if any. */
export function studentParameter(source: string): string | undefined {
  const before = source.split(STUDENT_PLACEHOLDER)[0] ?? '';
  const keys = [...before.matchAll(/(?:\\\?|&)([A-Za-z0-9_]+)=/g)];
  return keys.at(-1)?.[1];
}
