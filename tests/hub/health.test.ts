import { describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/hub/migrate';
import { BACKENDS, createHarness, json } from './helpers';

describe.each(BACKENDS)('GET /v1/health on $name', (backend) => {
  it('answers 200 with the schema version, then 503 once the database is closed', async () => {
    const hub = await createHarness(backend);
    try {
      const ok = await hub.app.inject({ method: 'GET', url: '/v1/health' });
      expect(ok.statusCode).toBe(200);
      expect(json(ok)).toEqual({ status: 'ok', schemaVersion: (await readMigrations()).at(-1)?.version });
      await hub.db.close();
      const down = await hub.app.inject({ method: 'GET', url: '/v1/health' });
      expect(down.statusCode).toBe(503);
      expect(json(down)).toMatchObject({ status: 'unavailable', error: { code: 'unavailable' } });
      // Other routes answer 503 too, not 500.
      const other = await hub.call('sro', { method: 'GET', url: '/v1/policy' });
      expect(other.statusCode).toBe(503);
      expect(json(other)).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      await hub.close();
    }
  });
});
