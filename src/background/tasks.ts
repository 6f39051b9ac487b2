// Named background tasks: every alarm the worker handles is registered here by name (or name prefix), and every
// task started without being awaited goes through `runTask`, so none fails silently. A failure is logged with
// the task's name and the error's message only (never a record, a token or a student).
type Task = (rest: string) => Promise<unknown>;

const byName = new Map<string, Task>();
const byPrefix = new Map<string, Task>();

/** Starts a task without awaiting it; a failure is logged under its name. */
export function runTask(name: string, task: () => Promise<unknown>): void {
  let started: Promise<unknown>;
  try {
    started = task();
  } catch (error) {
    started = Promise.reject(error);
  }
  started.catch((error: unknown) =>
    console.error(`Record Guard: ${name} failed`, error instanceof Error ? error.message : String(error)),
  );
}

/**
 * A deadline shorter than an alarm can keep (Chrome runs an alarm no sooner than 30 s after it is set, and an
 * allowed export stays open 10 s): a timer in this worker, its failure logged like every task. The timer dies
 * with the worker, so whoever uses it also sets an alarm through `onAlarm` as the guarantee.
 */
export function runAfter(name: string, ms: number, task: () => Promise<unknown>): void {
  setTimeout(() => runTask(name, task), ms);
}

/** The one registry of alarms: `name` exactly, or (with `prefix`) every alarm whose name starts with it. */
export function onAlarm(name: string, task: Task, options: { prefix?: boolean } = {}): void {
  (options.prefix ? byPrefix : byName).set(name, task);
}

/** Runs the task registered for an alarm; an alarm nobody registered is logged, not ignored. */
export function dispatchAlarm(alarm: { name: string }): void {
  const exact = byName.get(alarm.name);
  if (exact) {
    runTask(`alarm ${alarm.name}`, () => exact(''));
    return;
  }
  for (const [prefix, task] of byPrefix) {
    if (alarm.name.startsWith(prefix)) {
      runTask(`alarm ${prefix}*`, () => task(alarm.name.slice(prefix.length)));
      return;
    }
  }
  console.warn('Record Guard: an alarm no task handles', alarm.name.replace(/[^\w.-]/g, '').slice(0, 60));
}

/** For tests. */
export function clearTasksForTest(): void {
  byName.clear();
  byPrefix.clear();
}
