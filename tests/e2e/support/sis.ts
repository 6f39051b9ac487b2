import type { BrowserContext } from 'playwright-core';
import { startSis, type SisServer } from '../../fixtures/sis/server';

export type DemoUser = 'officer.diaz' | 'deputy.ross' | 'clerk.nguyen' | 'teacher.park' | 'admin.lee';

export async function startDemoSis(): Promise<SisServer> {
  return startSis({ port: 0, reportDelayMs: 300 });
}

/** Signs the browser context in to the demo SIS (its cookie jar is the browser's). */
export async function signIn(context: BrowserContext, sis: SisServer, user: DemoUser): Promise<void> {
  const response = await context.request.post(`${sis.url}/login`, {
    form: { username: user, password: 'demo' },
    maxRedirects: 0,
  });
  if (response.status() !== 302) throw new Error(`sign-in as ${user} failed: ${response.status()}`);
}

export const recordUrl = (sis: SisServer, section: string, studentId: string): string =>
  `${sis.url}/admin/students/${section}.html?frn=001${studentId}`;
