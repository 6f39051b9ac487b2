// The SRO interaction form's background side (issue 14): an interaction becomes an `interaction` event in the
// hash-chained log and the outbox, like every event, and so reaches the hub.
import {
  interactionInputSchema,
  InteractionRequestSchema,
  type InteractionContext,
  type InteractionRecordReply,
} from '../report/board/interaction';
import { baseDraft, hubEndpoint, record } from './audit';
import { allIdentities, loadIdentities } from './identities';
import { activePolicy } from './policy';

/** Handles the form's messages (the router has checked the sender is an extension page); undefined: not ours. */
export function routeInteractionMessage(message: unknown): Promise<unknown> | undefined {
  const parsed = InteractionRequestSchema.safeParse(message);
  if (!parsed.success) return undefined;
  const request = parsed.data;
  if (request.channel === 'interaction.context') return interactionContext();
  return recordInteraction(request.officer, request.interaction);
}

async function interactionContext(): Promise<InteractionContext> {
  await loadIdentities();
  const officers = [
    ...new Set(
      allIdentities().flatMap((seen) => (seen.role === 'sro' && seen.username ? [seen.username] : [])),
    ),
  ];
  const bundle = await activePolicy();
  return {
    // Only when one SRO is known: the form never guesses between two.
    officer: officers.length === 1 ? (officers[0] ?? null) : null,
    district: bundle?.policy.district.name ?? null,
    hub: (await hubEndpoint()) !== undefined,
  };
}

async function recordInteraction(officer: string, input: unknown): Promise<InteractionRecordReply> {
  const parsed = interactionInputSchema(() => new Date()).safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'interaction',
        message: issue.message,
      })),
    };
  }
  const { studentId, ...details } = parsed.data;
  const bundle = await activePolicy();
  const [event] = await record([
    {
      ...baseDraft(bundle, { username: officer, role: 'sro' }),
      type: 'interaction',
      studentId,
      interaction: details,
    },
  ]);
  return event
    ? { ok: true, eventId: event.id }
    : { ok: false, problems: [{ field: 'interaction', message: 'not recorded' }] };
}
