// The guard plan's `viewable` part: what each SRO seen in this browser session may view right now, worked out
// by decide() itself for every student with a consent, an approval or a grant on file.
import type { GuardPlan } from '../contracts/guard-plan';
import { viewableCategories } from '../decide/viewable';
import type { PolicyBundle } from '../policy/bundle';
import { database } from '../store/db';
import { allIdentities } from './identities';
import { managedSettings } from './managed';
import { recordFacts } from './record-facts';

/**
 * Students (with anything on file, for all SROs together) beyond which the plan stops listing; their pages
 * still open after a round trip. Keeps the plan small enough for every SIS page to read at document_start.
 */
const MAX_STUDENTS = 500;

export async function viewableForSros(bundle: PolicyBundle, now: Date): Promise<GuardPlan['viewable']> {
  const usernames = [
    ...new Set(
      allIdentities()
        .filter((identity) => identity.role === 'sro' && identity.username !== undefined)
        .map((identity) => (identity.username ?? '').toLowerCase()),
    ),
  ];
  if (usernames.length === 0) return {};
  const managed = await managedSettings();
  const db = database();
  const [consents, requests, grants, students] = await db.transaction(
    'r',
    [db.consents, db.requests, db.grants, db.students],
    () =>
      Promise.all([db.consents.toArray(), db.requests.toArray(), db.grants.toArray(), db.students.toArray()]),
  );
  const studentIds = [
    ...new Set([
      ...consents.map((consent) => consent.studentId),
      ...requests.filter((request) => request.status === 'approved').map((request) => request.studentId),
      ...grants.map((grant) => grant.studentId),
    ]),
  ].slice(0, MAX_STUDENTS);
  const byStudent = <T extends { studentId: string }>(records: T[]): Map<string, T[]> => {
    const grouped = new Map<string, T[]>();
    for (const record of records) {
      const list = grouped.get(record.studentId);
      if (list) list.push(record);
      else grouped.set(record.studentId, [record]);
    }
    return grouped;
  };
  const consentsOf = byStudent(consents);
  const requestsOf = byStudent(requests);
  const grantsOf = byStudent(grants);
  const studentOf = new Map(students.map((student) => [student.id, student]));

  const viewable: GuardPlan['viewable'] = {};
  for (const username of usernames) {
    const forUser: GuardPlan['viewable'][string] = {};
    for (const studentId of studentIds) {
      const categories = viewableCategories(
        bundle,
        recordFacts(now, { username }, managed, studentId, {
          consents: consentsOf.get(studentId) ?? [],
          requests: requestsOf.get(studentId) ?? [],
          grants: grantsOf.get(studentId) ?? [],
          student: studentOf.get(studentId),
        }),
      );
      if (Object.keys(categories).length > 0) forUser[studentId] = categories;
    }
    viewable[username] = forUser;
  }
  return viewable;
}
