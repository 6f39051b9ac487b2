// Two adapters that claim the same host and path at the same priority: which guards the page would depend on
// file order, so the bundle is refused instead.
import type { SisAdapter } from './adapter';
import { samplesOf } from './safe-regex';

/** Whether two host patterns ("sis.example.org", "*.aeries.net", "127.0.0.1:8080") can name one host. */
export function hostsOverlap(a: string, b: string): boolean {
  const [hostA = '', portA] = a.toLowerCase().split(':');
  const [hostB = '', portB] = b.toLowerCase().split(':');
  if (portA !== undefined && portB !== undefined && portA !== portB) return false;
  if (hostA === hostB) return true;
  const suffix = (host: string): string | undefined => (host.startsWith('*.') ? host.slice(1) : undefined);
  const [wildA, wildB] = [suffix(hostA), suffix(hostB)];
  if (wildA !== undefined && hostB.endsWith(wildA)) return true;
  if (wildB !== undefined && hostA.endsWith(wildB)) return true;
  return false;
}

/**
 * Whether two path patterns can match one path: the same source, or a sample of either matches the other.
 * Regular expressions cannot be compared exactly; the samples catch the overlaps that occur in practice
 * (a shared prefix such as "^/admin/students/" or one SIS's pages inside another's broad pattern).
 */
export function pathsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const test = (source: string, text: string): boolean => {
    try {
      return new RegExp(source, 'iu').test(text);
    } catch {
      return false;
    }
  };
  return (
    samplesOf(a).some((sample) => sample !== '' && test(b, sample)) ||
    samplesOf(b).some((sample) => sample !== '' && test(a, sample))
  );
}

export interface Overlap {
  index: number;
  pathIndex: number;
  other: string;
  host: string;
  priority: number;
}

/** Every adapter (after the first) that claims a host and path an earlier one claims at the same priority. */
export function adapterOverlaps(
  adapters: readonly Pick<SisAdapter, 'id' | 'priority' | 'match'>[],
): Overlap[] {
  const found: Overlap[] = [];
  adapters.forEach((adapter, index) => {
    for (const earlier of adapters.slice(0, index)) {
      if ((earlier.priority ?? 0) !== (adapter.priority ?? 0)) continue;
      const host = adapter.match.hosts.find((mine) =>
        earlier.match.hosts.some((theirs) => hostsOverlap(mine, theirs)),
      );
      if (host === undefined) continue;
      const pathIndex = adapter.match.paths.findIndex((mine) =>
        earlier.match.paths.some((theirs) => pathsOverlap(mine, theirs)),
      );
      if (pathIndex < 0) continue;
      found.push({ index, pathIndex, other: earlier.id, host, priority: adapter.priority ?? 0 });
      return;
    }
  });
  return found;
}

/**
 * A higher-priority adapter without a `network` section over a lower adapter that has one: on the hosts they
 * share, the record rules yield to the higher adapter (src/enforce/record-rules.ts assignedSroOrigins), which has
 * no rules of its own, so only its in-page cover guards there. By design (a cover-only adapter, as the recorder
 * writes), but the network layer is gone on those hosts without a word, so bundle checks report it.
 */
export interface NetworkGap {
  /** The higher adapter without a network section. */
  adapter: string;
  /** Its host patterns that a lower networked adapter's patterns also cover. */
  hosts: string[];
  /** The lower adapters whose network rules no longer apply on those hosts. */
  lower: string[];
}

/** Every adapter whose lack of a network section removes a lower adapter's network rules on its hosts. Pure. */
export function networkGaps(
  adapters: readonly Pick<SisAdapter, 'id' | 'priority' | 'match' | 'network'>[],
): NetworkGap[] {
  const gaps: NetworkGap[] = [];
  for (const adapter of adapters) {
    if (adapter.network !== undefined) continue;
    const priority = adapter.priority ?? 0;
    // As assignedSroOrigins decides a yield: a lower adapter with a network section on an overlapping pattern.
    const below = adapters.filter((other) => (other.priority ?? 0) < priority && other.network !== undefined);
    const hosts = adapter.match.hosts.filter((host) =>
      below.some((other) => other.match.hosts.some((theirs) => hostsOverlap(host, theirs))),
    );
    if (hosts.length === 0) continue;
    const lower = below
      .filter((other) => other.match.hosts.some((theirs) => hosts.some((host) => hostsOverlap(host, theirs))))
      .map((other) => other.id);
    gaps.push({ adapter: adapter.id, hosts, lower });
  }
  return gaps;
}

const quoted = (ids: readonly string[]): string => ids.map((id) => `"${id}"`).join(', ');

/** The warning for a gap, in English or Spanish (the CLI says English; the options page the admin's language). */
export function networkGapWarning(gap: NetworkGap, language: 'en' | 'es' = 'en'): string {
  const hosts = gap.hosts.join(', ');
  return language === 'es'
    ? `el adaptador "${gap.adapter}" no tiene sección network: en los servidores ${hosts} solo protege la cubierta en la página; las reglas de red de ${gap.lower.length > 1 ? 'los adaptadores' : 'el adaptador'} ${quoted(gap.lower)} (de menor prioridad) ya no se aplican allí`
    : `adapter "${gap.adapter}" has no network section: on hosts ${hosts} only the in-page cover guards; the network rules of ${gap.lower.length > 1 ? 'adapters' : 'adapter'} ${quoted(gap.lower)} (lower priority) no longer apply there`;
}

/**
 * Chromium compiles each network rule's regex with RE2 under a small memory limit: with the host's own prefix a
 * rule passes it at about 140 characters of pattern (probed in tests/e2e/powerschool-network.e2e.test.ts); a
 * refused allow is left out (applyRecordRules), so what it would open stays at the gate for an SRO. JavaScript
 * cannot run RE2, so a pattern longer than this is warned about; the e2e check asks Chromium itself.
 */
export const NETWORK_PATTERN_WARN_LENGTH = 85;

/** The network patterns of an adapter long enough that Chromium may refuse their rules. Pure. */
export function longNetworkPatterns(adapter: Pick<SisAdapter, 'id' | 'network'>): string[] {
  const network = adapter.network;
  if (!network) return [];
  const named: [string, string][] = [
    ...network.openPaths.map((path, index): [string, string] => [`openPaths[${index}]`, path]),
    ...network.signInPaths.map((path, index): [string, string] => [`signInPaths[${index}]`, path]),
    ...network.coverPaths.map((path, index): [string, string] => [`coverPaths[${index}]`, path]),
    ...network.records.map((record, index): [string, string] => [
      `records[${index}].url (${record.id})`,
      record.url,
    ]),
  ];
  return named
    .filter(([, pattern]) => pattern.length > NETWORK_PATTERN_WARN_LENGTH)
    .map(
      ([where, pattern]) =>
        `adapter "${adapter.id}" network.${where} is ${pattern.length} characters: with the host prefix and a student or two, Chromium's regex engine may refuse the rule (memoryLimitExceeded), and the rule is then left out (what it would open stays at the gate for an SRO); shorten it (e.g. [^/?#]+ for page names) or split it`,
    );
}
