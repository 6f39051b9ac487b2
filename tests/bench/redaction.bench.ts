import type { BenchRow } from './report';
export async function benchRedaction(): Promise<BenchRow[]> {
  return [];
}
