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
