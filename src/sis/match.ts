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

/** The adapter that guards this URL, if any: host first, then one of its guarded paths. */
export function adapterForUrl(adapters: readonly SisAdapter[], href: string): SisAdapter | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const pathAndQuery = `${url.pathname}${url.search}`;
  return adapters.find(
    (adapter) =>
      adapter.match.hosts.some((pattern) => hostMatches(pattern, url.hostname, url.port)) &&
      adapter.match.paths.some((source) => new RegExp(source, 'iu').test(pathAndQuery)),
  );
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
  for (const adapter of adapters) {
    if (!adapter.match.hosts.some((pattern) => hostMatches(pattern, url.hostname, url.port))) continue;
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

const wholePath = (source: string): RegExp => new RegExp(`^(?:${source})$`, 'iu');

/** Whether a URL is one of the open pages (or sign-in pages) of the adapters claiming its host. */
export function openPageFor(adapters: readonly SisAdapter[], href: string): OpenPage | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const pathAndQuery = `${url.pathname}${url.search}`;
  for (const adapter of adapters) {
    const network = adapter.network;
    if (!network || !adapter.match.hosts.some((pattern) => hostMatches(pattern, url.hostname, url.port)))
      continue;
    if (network.signInPaths.some((source) => wholePath(source).test(pathAndQuery)))
      return { adapter, signIn: true };
    if (network.openPaths.some((source) => wholePath(source).test(pathAndQuery)))
      return { adapter, signIn: false };
  }
  return undefined;
}
