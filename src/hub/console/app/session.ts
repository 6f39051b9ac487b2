// The signed-in session and the district's policy context, as pages read them (useConsole()).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { z } from 'zod';

const LocalizedSchema = z.object({ en: z.string(), es: z.string().optional() });

export const SessionSchema = z.object({
  id: z.string(),
  method: z.enum(['token', 'oidc']),
  username: z.string(),
  role: z.enum(['clerk', 'admin']),
  district: z.string(),
  csrf: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  idleUntil: z.string(),
});
export type Session = z.infer<typeof SessionSchema>;
export const SessionAnswerSchema = z.object({ session: SessionSchema });

export const BasisInfoSchema = z.object({
  id: z.string(),
  title: LocalizedSchema,
  mode: z.string(),
  enabled: z.boolean(),
  citations: z.array(z.string()),
  maxGrantMinutes: z.number(),
  notice: z.object({
    required: z.boolean(),
    timing: z.string(),
    waivedWhenEvidence: z.string().optional(),
    text: LocalizedSchema.optional(),
  }),
  evidence: z.array(z.object({ id: z.string(), label: LocalizedSchema, kind: z.string() })),
});
export type BasisInfo = z.infer<typeof BasisInfoSchema>;

export const PolicyContextSchema = z.object({
  district: z.string(),
  policyVersion: z.number(),
  timeZone: z.string(),
  ageOfMajority: z.number(),
  categories: z.array(z.string()),
  sros: z.array(z.object({ username: z.string(), displayName: z.string(), agency: z.string().nullable() })),
  agencies: z.array(z.string()),
  bases: z.array(BasisInfoSchema),
});
export type PolicyContext = z.infer<typeof PolicyContextSchema>;

export interface ConsoleState {
  session: Session;
  /** Undefined while loading or when no policy is published (pages say so). */
  policy: PolicyContext | undefined;
  /** The pages this role may open, in navigation order. */
  pages: readonly { id: string; title: { en: string; es: string }; nav?: boolean | undefined }[];
  navigate(path: string): void;
}

export const ConsoleContext = createContext<ConsoleState | undefined>(undefined);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the signed-in shell');
  return state;
}
