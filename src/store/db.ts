import Dexie, { type EntityTable } from 'dexie';
import type { Consent, ExceptionRequest, Grant } from '../policy/consent';

/** What the browser knows about a student beyond the page: from the district's consent registry. */
export interface StudentFacts {
  id: string;
  birthDate?: string;
  directoryOptOut?: boolean;
}

/**
 * The extension's database (background and extension pages only: a content script's IndexedDB would belong to
 * the SIS page's origin). Each table holds records parsed with their zod schema before they are written.
 */
export class RecordGuardDb extends Dexie {
  consents!: EntityTable<Consent, 'id'>;
  requests!: EntityTable<ExceptionRequest, 'id'>;
  grants!: EntityTable<Grant, 'id'>;
  students!: EntityTable<StudentFacts, 'id'>;

  constructor(name = 'record-guard') {
    super(name);
    this.version(1).stores({
      consents: 'id, studentId',
      requests: 'id, studentId, status, username',
      grants: 'id, studentId, username, expiresAt',
      students: 'id',
    });
  }
}

let shared: RecordGuardDb | undefined;
export function database(): RecordGuardDb {
  shared ??= new RecordGuardDb();
  return shared;
}
