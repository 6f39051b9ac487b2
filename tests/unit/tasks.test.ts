// One registry of alarms and no silent fire-and-forget (src/background/tasks.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTasksForTest, dispatchAlarm, onAlarm, runTask } from '../../src/background/tasks';

describe('background tasks', () => {
  let error: ReturnType<typeof vi.spyOn>;
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    clearTasksForTest();
    error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    error.mockRestore();
    warn.mockRestore();
  });

  it('runs the task registered by name, and by prefix with the rest of the name', async () => {
    const sync = vi.fn(async () => undefined);
    const grant = vi.fn(async (_rest: string) => undefined);
    onAlarm('hub-sync', sync);
    onAlarm('grant:', grant, { prefix: true });
    dispatchAlarm({ name: 'hub-sync' });
    dispatchAlarm({ name: 'grant:01HX' });
    await vi.waitFor(() => expect(grant).toHaveBeenCalledWith('01HX'));
    expect(sync).toHaveBeenCalledTimes(1);
  });

  it('an alarm nobody handles is logged', () => {
    dispatchAlarm({ name: 'stray' });
    expect(warn).toHaveBeenCalledWith('Record Guard: an alarm no task handles', 'stray');
  });

  it('a failing task, rejected or thrown, is logged by name with its message only', async () => {
    runTask('hub sync', async () => {
      throw new Error('HTTP 503');
    });
    runTask('set-up', () => {
      throw new Error('boom');
    });
    await vi.waitFor(() => expect(error).toHaveBeenCalledTimes(2));
    expect(error).toHaveBeenCalledWith('Record Guard: hub sync failed', 'HTTP 503');
    expect(error).toHaveBeenCalledWith('Record Guard: set-up failed', 'boom');
  });
});
