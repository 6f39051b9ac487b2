import { z } from 'zod';
import { ConsentSchema, ExceptionRequestSchema, GrantSchema } from '../policy/consent';
import {
  ActionSchema,
  CalendarDateSchema,
  CategorySchema,
  InstantSchema,
  RoleSchema,
} from '../policy/vocabulary';

/**
 * Everything `decide()` looks at, as plain data. The background gathers these for a page; an admin writes
 * them by hand for `npm run decide`. Time is a value here, never read from a clock.
 */
export const FactsSchema = z.strictObject({
  time: InstantSchema,
  user: z.strictObject({
    username: z.string().min(1).max(120).optional(),
    email: z.string().min(1).max(200).optional(),
    /**
     * The name the SIS header shows ("Jane Doe"): matched against the roster's display names only. Written by
     * hand for `npm run decide`; the background never fills it, since it resolves a name to the roster's login
     * (resolveRole) before it builds facts and keeps no display name (personal) in anything it stores.
     */
    displayName: z.string().min(1).max(200).optional(),
    roleLabel: z.string().min(1).max(200).optional(),
    managedRole: RoleSchema.optional(),
    /** Agency as the user's browser reports it; the roster's agency wins where the roster names one. */
    agency: z.string().min(1).max(200).optional(),
  }),
  student: z.strictObject({
    id: z.string().min(1).max(40),
    birthDate: CalendarDateSchema.optional(),
    /** Whether the family opted out of directory information; unknown counts as opted out. */
    directoryOptOut: z.boolean().optional(),
  }),
  action: ActionSchema,
  /** Sections on the page, or categories in the export. Empty means the adapter could not tell. */
  categories: z.array(CategorySchema).max(20),
  /** Field labels and codes on the page or in the export's field list. */
  fields: z.array(z.string().min(1).max(200)).max(2000).default([]),
  consents: z.array(ConsentSchema).max(100_000).default([]),
  requests: z.array(ExceptionRequestSchema).max(100_000).default([]),
  grants: z.array(GrantSchema).max(100_000).default([]),
});
export type Facts = z.infer<typeof FactsSchema>;
/** Facts as written by hand: the lists may be left out. */
export type FactsInput = z.input<typeof FactsSchema>;
