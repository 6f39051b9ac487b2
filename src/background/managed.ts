import { z } from 'zod';
import { RoleSchema } from '../policy/vocabulary';

/** Settings an admin pushes through enterprise policy (public/managed_schema.json). */
export const ManagedSettingsSchema = z.object({
  role: RoleSchema.optional(),
  hubUrl: z.url({ protocol: /^https?$/ }).optional(),
  deviceLabel: z.string().min(1).max(120).optional(),
});
export type ManagedSettings = z.infer<typeof ManagedSettingsSchema>;

let cached: Promise<ManagedSettings> | undefined;

async function read(): Promise<ManagedSettings> {
  try {
    const raw = await browser.storage.managed.get();
    const parsed = ManagedSettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    console.error('Record Guard: managed settings rejected', parsed.error.issues);
    // A bad managed role must not make an SRO browser look like a teacher's: keep an SRO role if it was set.
    return (raw as { role?: unknown }).role === 'sro' ? { role: 'sro' } : {};
  } catch {
    // No managed storage (unmanaged browser, or Firefox without policies.json).
    return {};
  }
}

export function managedSettings(): Promise<ManagedSettings> {
  cached ??= read();
  return cached;
}

export function forgetManagedSettings(): void {
  cached = undefined;
}
