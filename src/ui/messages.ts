/** Sends a message to the background from an extension page; the background parses it with its channel's schema. */
export async function askBackground<T>(message: unknown): Promise<T> {
  return (await browser.runtime.sendMessage(message)) as T;
}

/** As long as a SIS page waits for the background before it says it could not check. */
export const BACKGROUND_TIMEOUT_MS = 4000;

/**
 * Asks the background and reports a failure: no answer within the bound, a rejected message, or no reply at
 * all. An answer that comes after the bound still arrives (`onAnswer`), replacing the failure.
 */
export function askWithFailure<T>(
  message: unknown,
  onAnswer: (answer: T) => void,
  onFailure: () => void,
): () => void {
  const timer = setTimeout(onFailure, BACKGROUND_TIMEOUT_MS);
  askBackground<T | undefined>(message)
    .then((answer) => {
      if (answer === undefined) onFailure();
      else onAnswer(answer);
    })
    .catch(() => onFailure())
    .finally(() => clearTimeout(timer));
  return () => clearTimeout(timer);
}
