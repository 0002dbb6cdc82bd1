import { describe, expect, it } from 'vitest';
import { DEFAULT_CRASH_LOOP_POLICY, detectCrashLoop } from '../../../host/agent/crash-loop.ts';

const minute = 60_000;
const now = Date.UTC(2026, 10, 22, 6, 0, 0);

describe('detectCrashLoop', () => {
  it('does not count the first start as a restart', () => {
    expect(detectCrashLoop([now - minute], now)).toEqual({ crashLoop: false, restartsInWindow: 0 });
  });

  it('reports a loop at three restarts within ten minutes', () => {
    const starts = [now - 4 * minute, now - 3 * minute, now - 2 * minute, now - minute];

    expect(detectCrashLoop(starts, now)).toEqual({ crashLoop: true, restartsInWindow: 3 });
  });

  it('forgets restarts older than the window', () => {
    const starts = [now - 5 * 60 * minute, now - 40 * minute, now - 30 * minute, now - 2 * minute];

    expect(detectCrashLoop(starts, now)).toEqual({ crashLoop: false, restartsInWindow: 1 });
  });

  it('accepts the start times in any order and a custom policy', () => {
    const starts = [now - minute, now - 9 * minute, now - 5 * minute];

    expect(detectCrashLoop(starts, now, { maxRestarts: 2, windowMs: 10 * minute }).crashLoop).toBe(true);
    expect(detectCrashLoop(starts, now, { ...DEFAULT_CRASH_LOOP_POLICY, windowMs: 3 * minute })).toEqual({
      crashLoop: false,
      restartsInWindow: 1,
    });
  });
});
