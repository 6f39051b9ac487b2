// The hub's console in e2e: built once (Vite) if the build is missing, opened in a plain Chromium (a records
// clerk's office browser: no extension), signed in with a hub token as a person does.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './browser';

export function ensureConsoleBuilt(): void {
  if (existsSync('dist/console/index.html')) return;
  execFileSync('npx', ['vite', 'build', '--config', 'vite.console.config.ts'], { stdio: 'inherit' });
}

export async function launchClerkBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

/** Opens the console, pastes the token, signs in; resolves on the signed-in page. */
export async function signInToConsole(page: Page, hubUrl: string, token: string): Promise<void> {
  await page.goto(`${hubUrl}/console/`);
  await page.getByLabel('Hub token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The card of the pending request for a student in the queue. */
export function queueCard(page: Page, studentId: string) {
  return page.locator('article.card', { hasText: `Student ${studentId} ·` });
}
