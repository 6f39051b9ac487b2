import { z } from 'zod';

/** Roles the policy distinguishes. Only `sro` is ever guarded; the rest exist so rosters and labels can name them. */
export const ROLES = ['sro', 'clerk', 'teacher', 'admin', 'staff'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The bound every login field has (the page's identity, events, grants, requests, consents' recipients). */
export const MAX_LOGIN = 120;

/** What a user does with a record. Export is anything that leaves the page as a file (CSV, Excel, PDF, report run). */
export const ACTIONS = ['view', 'export', 'print', 'copy'] as const;
export const ActionSchema = z.enum(ACTIONS);
export type Action = z.infer<typeof ActionSchema>;

/** Record categories. `immigration` covers any field that reveals citizenship or immigration status (Education Code 234.7). */
export const CATEGORIES = [
  'demographics',
  'contacts',
  'attendance',
  'grades',
  'discipline',
  'health',
  'special-education',
  'immigration',
] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

/** Text shown to people: English is required, Spanish is expected for anything an SRO, parent or clerk reads. */
export const LocalizedTextSchema = z.strictObject({
  en: z.string().min(1).max(2000),
  es: z.string().min(1).max(2000).optional(),
});
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

/** A calendar date (YYYY-MM-DD) that really exists: 2026-02-30 is refused. */
export const CalendarDateSchema = z.iso.date();

/** An instant with an explicit offset, so "now" never depends on the machine's time zone. */
export const InstantSchema = z.iso.datetime({ offset: true });

/** A regular expression given as a string in policy data; refused if it does not compile. */
export const RegexSourceSchema = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'iu');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression' },
  );

/** Stable identifiers used across policy files: lower-case words joined by dashes. */
export const IdSchema = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single dashes');
