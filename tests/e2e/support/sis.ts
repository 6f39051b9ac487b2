import type { BrowserContext } from 'playwright-core';
import { startSis, type SisServer } from '../../fixtures/sis/server';

export type DemoUser = 'officer.diaz' | 'deputy.ross' | 'clerk.nguyen' | 'teacher.park' | 'admin.lee';

export async function startDemoSis(): Promise<SisServer> {
  return startSis({ port: 0, reportDelayMs: 300 });
}

/**
 * A second demo SIS on `localhost`: an origin Record Guard has seen nobody on yet (its first page is guarded
 * by the in-page cover alone), with a cookie jar of its own (cookies do not tell ports apart, so a second
 * server on 127.0.0.1 would sign the first one out).
 */
export async function startFreshSis(): Promise<SisServer> {
  return startSis({ port: 0, host: 'localhost', reportDelayMs: 300 });
}

/**
 * Signs the browser context in to the demo SIS as a person does: the SIS's sign-in page (where Record Guard
 * forgets whoever was signed in), the sign-in itself, and the start page (which shows Record Guard who is
 * signed in now). `quiet` posts the sign-in alone, so the browser sees no page of it: the next page is the first
 * one Record Guard sees, as after a browser restart.
 */
export async function signIn(
  context: BrowserContext,
  sis: SisServer,
  user: DemoUser,
  options: { quiet?: boolean } = {},
): Promise<void> {
  const page = options.quiet ? undefined : await context.newPage();
  await page?.goto(`${sis.url}/login`);
  const response = await context.request.post(`${sis.url}/login`, {
    form: { username: user, password: 'demo' },
    maxRedirects: 0,
  });
  if (response.status() !== 302) throw new Error(`sign-in as ${user} failed: ${response.status()}`);
  if (!page) return;
  await page.goto(`${sis.url}/admin/home.html`);
  const worker = context.serviceWorkers()[0];
  const deadline = Date.now() + 8000;
  // Waits until the extension has taken in who is signed in (a browser without it has no worker). Not an error
  // when it never does: some tests sign in where no adapter guards the host yet.
  while (worker && Date.now() < deadline) {
    const seen = await worker.evaluate(async (origin) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      const stored = (await api.storage.session.get('identities'))['identities'] as
        { origins?: Record<string, { username?: string }> } | undefined;
      return stored?.origins?.[origin]?.username;
    }, sis.url);
    if (seen === user) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.close();
}

export const recordUrl = (sis: SisServer, section: string, studentId: string): string =>
  `${sis.url}/admin/students/${section}.html?frn=001${studentId}`;
