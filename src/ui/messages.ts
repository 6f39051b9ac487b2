/** Sends a message to the background from an extension page; the background parses it with its channel's schema. */
export async function askBackground<T>(message: unknown): Promise<T> {
  return (await browser.runtime.sendMessage(message)) as T;
}
