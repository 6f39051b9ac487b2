import { mkdir, rm, writeFile } from 'node:fs/promises';
import { EXTENSION_ID } from './browser';

// Chromium on Linux reads enterprise policy from here (root only); the extension sees its part as storage.managed.
const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = `${POLICY_DIR}/record-guard-e2e.json`;

export async function setManagedSettings(settings: Record<string, string>): Promise<void> {
  await mkdir(POLICY_DIR, { recursive: true });
  await writeFile(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [EXTENSION_ID]: settings } } }));
}

export async function clearManagedSettings(): Promise<void> {
  await rm(POLICY_FILE, { force: true });
}
