// What an SRO is told about a records clerk's decision: the latest denial of a request for this student that
// nothing newer replaced (its reason is shown on the covered page and in the popup), and where the console is
// for a browser assigned to a clerk or an admin.
import type { ExceptionRequest } from '../policy/consent';
import { database } from '../store/db';
import { hubEndpoint } from './audit';
import { managedSettings } from './managed';

export interface DeniedRequest {
  id: string;
  reason?: string | undefined;
  decidedBy?: string | undefined;
  decidedAt?: string | undefined;
}

/** The latest denial for this user and student covering any of these categories, unless a later filing exists. */
export async function latestDenial(
  username: string | undefined,
  studentId: string,
  categories: readonly string[],
): Promise<DeniedRequest | undefined> {
  if (!username) return undefined;
  const user = username.toLowerCase();
  const requests: ExceptionRequest[] = (
    await database().requests.where('studentId').equals(studentId).toArray()
  )
    .filter(
      (request) =>
        request.username.toLowerCase() === user &&
        request.categories.some((category) => categories.includes(category)),
    )
    .sort((a, b) => b.filedAt.localeCompare(a.filedAt));
  const latest = requests[0];
  if (!latest || latest.status !== 'denied') return undefined;
  return {
    id: latest.id,
    ...(latest.decisionReason !== undefined ? { reason: latest.decisionReason } : {}),
    ...(latest.decidedBy !== undefined ? { decidedBy: latest.decidedBy } : {}),
    ...(latest.decidedAt !== undefined ? { decidedAt: latest.decidedAt } : {}),
  };
}

/** The hub's console for a clerk's or an admin's browser (managed role), else undefined. */
export async function consoleUrl(): Promise<string | undefined> {
  const managed = await managedSettings();
  if (managed.role !== 'clerk' && managed.role !== 'admin') return undefined;
  const endpoint = await hubEndpoint();
  if (!endpoint) return undefined;
  try {
    return new URL('/console/', endpoint.hubUrl).toString();
  } catch {
    return undefined;
  }
}

/** A covered page's reason with the clerk's denial added (the reason is the clerk's own words, shown as text). */
export function withDenial(
  text: { en: string; es?: string | undefined },
  denial: DeniedRequest,
): { en: string; es: string } {
  const who = denial.decidedBy ?? '?';
  const reason = denial.reason ? ` “${denial.reason}”` : '';
  return {
    en: `${text.en} Your last request for this record was denied by ${who}.${reason}`,
    es: `${text.es ?? text.en} Su última solicitud para este expediente fue denegada por ${who}.${reason}`,
  };
}
