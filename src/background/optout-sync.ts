// The directory-information opt-out of the student an SRO opens, from the district hub (the consent registry's
// side of 34 CFR 99.37). Asked when the gate opens for a student; the answer is kept with the student's facts.
// No answer (no hub, hub away, nothing on file) leaves the status unknown, which counts as opted out.
import { z } from 'zod';
import { database } from '../store/db';
import { hubRequest } from './hub-client';

const AnswerSchema = z.object({ studentId: z.string(), optedOut: z.boolean().nullable() });
const TIMEOUT_MS = 2000;

export async function refreshOptOut(studentId: string): Promise<void> {
  const answer = await hubRequest({
    path: `/v1/optouts/${encodeURIComponent(studentId)}`,
    schema: AnswerSchema,
    timeoutMs: TIMEOUT_MS,
  });
  // The hub is away or refused: what was known stays, and unknown stays opted out.
  if (!answer.ok || answer.data.studentId !== studentId) return;
  const db = database();
  try {
    await db.transaction('rw', db.students, async () => {
      const known = (await db.students.get(studentId)) ?? { id: studentId };
      const { directoryOptOut: _old, ...rest } = known;
      // Nothing on file: the status is forgotten (unknown), never guessed.
      await db.students.put(
        answer.data.optedOut === null ? rest : { ...rest, directoryOptOut: answer.data.optedOut },
      );
    });
  } catch (error) {
    // The gate still opens on what was known; the next gate asks again.
    console.error(
      'Record Guard: the opt-out answer was not kept',
      error instanceof Error ? error.message : '',
    );
  }
}
