// The options page's view of the local log: how much is waiting for the hub, whether the chain verifies, exports.
import type { LogStatus } from '../contracts/gate';
import { outboxStatus } from '../report/outbox';
import { database } from '../store/db';
import { exportLogCsv, exportLogJson, verifyChain, type VerifyResult } from '../store/log';
import { hubEndpoint } from './audit';
import { managedSettings } from './managed';
import { activePolicy } from './policy';

export async function logStatus(): Promise<LogStatus> {
  const db = database();
  const [events, outbox, bundle, managed, hub] = await Promise.all([
    db.events.count(),
    outboxStatus(db),
    activePolicy(),
    managedSettings(),
    hubEndpoint(),
  ]);
  return {
    events,
    pending: outbox.pending,
    oldestPendingTime: outbox.oldestPendingTime,
    lastError: outbox.lastError,
    lastSuccessAt: outbox.lastSuccessAt,
    hubUrl: hub?.hubUrl,
    policy: bundle ? { id: bundle.policy.id, version: bundle.policy.version } : null,
    managedRole: managed.role,
  };
}

export const verifyLog = (): Promise<VerifyResult> => verifyChain(database());

export async function exportLog(
  format: 'json' | 'csv',
): Promise<{ filename: string; mime: string; text: string }> {
  const db = database();
  const stamp = new Date().toISOString().slice(0, 10);
  return format === 'json'
    ? { filename: `record-guard-log-${stamp}.json`, mime: 'application/json', text: await exportLogJson(db) }
    : {
        filename: `record-guard-log-${stamp}.csv`,
        mime: 'text/csv',
        text: await exportLogCsv(db, { bom: true }),
      };
}
