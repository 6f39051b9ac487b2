import type { Worker } from 'playwright-core';

/**
 * Writes records into the extension's IndexedDB (the Dexie database the background reads), from inside the
 * service worker, as the hub sync does in production. Waits for the background to have created the stores.
 */
export async function putRecords(worker: Worker, store: string, records: unknown[]): Promise<void> {
  await worker.evaluate(
    async ({ store, records }) => {
      const open = (): Promise<IDBDatabase> =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open('record-guard');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      let db = await open();
      for (let attempt = 0; attempt < 50 && !db.objectStoreNames.contains(store); attempt++) {
        db.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        db = await open();
      }
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(store, 'readwrite');
        for (const record of records) tx.objectStore(store).put(record);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { store, records },
  );
}

export async function clearStore(worker: Worker, store: string): Promise<void> {
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
}
