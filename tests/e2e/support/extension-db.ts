import type { Worker } from 'playwright-core';

// The functions below run inside the service worker. They avoid named inner functions: tsx (esbuild with
// keepNames) would wrap those in a `__name` helper that does not exist in the worker.

/**
 * Writes records into the extension's IndexedDB (the Dexie database the background reads), from inside the
 * service worker, as the hub sync does in production. Waits for the background to have created the stores.
 */
export async function putRecords(
  worker: Worker,
  store: string,
  records: unknown[],
  options: WriteOptions = {},
): Promise<void> {
  await worker.evaluate(
    async ({ store, records }) => {
      for (let attempt = 0; ; attempt++) {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open('record-guard');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        if (!db.objectStoreNames.contains(store)) {
          db.close();
          if (attempt > 50) throw new Error(`no store ${store}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(store, 'readwrite');
          for (const record of records) tx.objectStore(store).put(record);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
        db.close();
        return;
      }
    },
    { store, records },
  );
  if (!options.keepPlan) await forgetPlannedViews(worker, store);
}

export interface WriteOptions {
  /**
   * Leave the guard plan's list of what SROs may view as it is, as a writer that forgets to republish would
   * (to test that verdicts correct a stale plan). By default the list is emptied, as the background's own
   * writers republish it, and the next verdict that opens a page publishes it again.
   */
  keepPlan?: boolean;
}

const ACCESS_STORES = ['consents', 'requests', 'grants', 'students'];

/**
 * After a raw write to a store the guard plan is computed from: empties the plan's `viewable` list at once, then
 * has the background publish the plan (and the network rules with it) again, as its own writers (hub sync, the
 * gate) do, and waits for that. The record-rules alarm is the background's own way to republish.
 */
async function forgetPlannedViews(worker: Worker, store: string): Promise<void> {
  if (!ACCESS_STORES.includes(store)) return;
  const since = await worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const plan = (await api.storage.session.get('guard.plan'))['guard.plan'] as
      Record<string, unknown> | undefined;
    if (plan) await api.storage.session.set({ 'guard.plan': { ...plan, viewable: {} } });
    return Date.now();
  });
  const deadline = Date.now() + 15_000;
  let askedAt = 0;
  while (Date.now() < deadline) {
    // Chromium may hold an alarm back on a busy machine: asked again every two seconds until it fires.
    const ask = Date.now() - askedAt > 2000;
    if (ask) askedAt = Date.now();
    const published = await worker.evaluate(async (ask) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      if (ask) await api.alarms.create('record-rules-refresh', { when: Date.now() + 50 });
      const plan = (await api.storage.session.get('guard.plan'))['guard.plan'] as
        { publishedAt?: number } | undefined;
      return plan?.publishedAt ?? 0;
    }, ask);
    if (published >= since) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the background did not publish the guard plan again');
}

export async function clearStore(worker: Worker, store: string, options: WriteOptions = {}): Promise<void> {
  await worker.evaluate(async (store) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('record-guard');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).clear();
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, store);
  if (!options.keepPlan) await forgetPlannedViews(worker, store);
}

/** How many records the extension's stores hold (e.g. events and outbox). */
export async function countRecords(worker: Worker, stores: string[]): Promise<Record<string, number>> {
  return worker.evaluate(async (stores) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('record-guard');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const counts: Record<string, number> = {};
    for (const store of stores) {
      counts[store] = await new Promise<number>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).count();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    db.close();
    return counts;
  }, stores);
}

/** Every record of one store of the extension's database (for checks of what the background stored). */
export async function readRecords(worker: Worker, store: string): Promise<unknown[]> {
  return worker.evaluate(async (store) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('record-guard');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction(store).objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result as unknown[]);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return all;
  }, store);
}
