// The hub over a real socket: listen on an ephemeral port, talk HTTP with fetch, and read the log it wrote.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/hub/migrate';
import { EventBatchResultSchema } from '../../src/report/event-contract';
import { BACKENDS, consentBody, createHarness, makeChain, type Harness } from './helpers';

describe.each(BACKENDS)('a listening hub on $name', (backend) => {
  let hub: Harness;
  let base: string;
  const logLines: string[] = [];
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    });
    hub = await createHarness(backend, { logLevel: 'trace' }, { logStream });
    base = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  const auth = (who: 'sro' | 'clerk') => ({ authorization: `Bearer ${hub.tokens[who]}` });

  it('serves health, events, consents and errors over HTTP', async () => {
    const health = await fetch(`${base}/v1/health`);
    expect(health.status).toBe(200);
    // The newest migration, whichever numbers the branches add.
    const latest = (await readMigrations()).at(-1)?.version;
    expect(await health.json()).toEqual({ status: 'ok', schemaVersion: latest });

    const events = await makeChain(100, { device: 'http-device' });
    const posted = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth('sro'), 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('cache-control')).toBe('no-store');
    expect(EventBatchResultSchema.parse(await posted.json()).stored).toHaveLength(100);

    const consent = await fetch(`${base}/v1/consents`, {
      method: 'POST',
      headers: { ...auth('clerk'), 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(consentBody({ recipient: { kind: 'sro', username: 'officer.diaz' } })),
    });
    expect(consent.status).toBe(201);
    const feed = await fetch(`${base}/v1/consents/mine`, { headers: auth('sro') });
    expect(((await feed.json()) as { consents: unknown[] }).consents).toHaveLength(1);

    const denied = await fetch(`${base}/v1/consents/mine`, { headers: auth('clerk') });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'forbidden' } });
    const missing = await fetch(`${base}/v1/nothing`, { headers: auth('sro') });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('never writes a token, or a query string, to its log', async () => {
    await fetch(`${base}/v1/consents?studentId=secret-student-42`, { headers: auth('clerk') });
    await fetch(`${base}/v1/policy`, {
      headers: { authorization: 'Bearer rgh_not_a_real_token_but_secret' },
    });
    const log = logLines.join('');
    expect(log).toContain('/v1/consents');
    for (const token of Object.values(hub.tokens)) expect(log).not.toContain(token);
    expect(log).not.toContain('rgh_not_a_real_token_but_secret');
    expect(log).not.toContain('secret-student-42');
    expect(log.toLowerCase()).not.toContain('bearer');
  });
});
