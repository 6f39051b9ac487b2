// The directory-information opt-out of the student an SRO opens, from the district hub (the consent registry's
// side of 34 CFR 99.37). Asked when the gate opens for a student; the answer is kept with the student's facts.
// No answer (no hub, hub away, nothing on file) leaves the status unknown, which counts as opted out.
import { z } from 'zod';
import { database } from '../store/db';
import { hubEndpoint } from './audit';

const AnswerSchema = z.object({ studentId: z.string(), optedOut: z.boolean().nullable() });
const TIMEOUT_MS = 2000;

export async function refreshOptOut(studentId: string): Promise<void> {
  const endpoint = await hubEndpoint();
  if (!endpoint?.token) return;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(
      `${endpoint.hubUrl.replace(/\/$/, '')}/v1/optouts/${encodeURIComponent(studentId)}`,
      { headers: { authorization: `Bearer ${endpoint.token}` }, signal: controller.signal },
    );
    if (!response.ok) return;
    const answer = AnswerSchema.safeParse(await response.json());
    if (!answer.success || answer.data.studentId !== studentId) return;
    const db = database();
    await db.transaction('rw', db.students, async () => {
      const known = (await db.students.get(studentId)) ?? { id: studentId };
      const { directoryOptOut: _old, ...rest } = known;
      // Nothing on file: the status is forgotten (unknown), never guessed.
      await db.students.put(
        answer.data.optedOut === null ? rest : { ...rest, directoryOptOut: answer.data.optedOut },
      );
    });
  } catch {
    // The hub is away: what was known stays, and unknown stays opted out.
  } finally {
    clearTimeout(timer);
  }
}
