import Dexie, { type EntityTable } from 'dexie';
import type { Filing } from '../contracts/hub-api';
import type { Consent, ExceptionRequest, Grant } from '../policy/consent';
import type { LogEvent } from '../report/event-contract';

/** What the browser knows about a student beyond the page: from the district's consent registry. */
export interface StudentFacts {
  id: string;
  birthDate?: string;
  directoryOptOut?: boolean;
}

/** An event not yet acknowledged by the hub (src/report/outbox.ts). `id` is the event's id. */
export interface OutboxEntry {
  id: string;
  seq: number;
  /** Failed delivery attempts so far. */
  attempts: number;
  /** Epoch milliseconds; 0 means due now. */
  nextAttemptAt: number;
  lastError?: string;
}

/** Key-value state of the log and the outbox (device id, chain head, checkpoint, delivery state). */
export interface MetaEntry {
  key: string;
  value: unknown;
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
  /** The hash-chained log (src/store/log.ts): appended only through appendEvents. */
  events!: EntityTable<LogEvent, 'id'>;
  outbox!: EntityTable<OutboxEntry, 'id'>;
  meta!: EntityTable<MetaEntry, 'key'>;
  /** Exception requests filed here and not yet at the hub, with their justification and evidence. */
  filings!: EntityTable<Filing, 'id'>;

  constructor(name = 'record-guard') {
    super(name);
    this.version(1).stores({
      consents: 'id, studentId',
      requests: 'id, studentId, status, username',
      grants: 'id, studentId, username, expiresAt',
      students: 'id',
    });
    // Version 2: the local log. `seq` is unique, so two writers can never both take the same position.
    this.version(2).stores({
      events: 'id, &seq, studentId, time, type',
      outbox: 'id, seq',
      meta: 'key',
    });
    this.version(3).stores({ filings: 'id' });
  }
}

let shared: RecordGuardDb | undefined;
export function database(): RecordGuardDb {
  shared ??= new RecordGuardDb();
  return shared;
}
