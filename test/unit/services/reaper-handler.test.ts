import { describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../../functions/reaper/tick.ts';
import type { Reaper, ReapReport } from '../../../shared/services/reaper.ts';
import { lambdaContext } from '../../support/api-events.ts';
import { RecordingSink } from '../../support/fakes.ts';

const report = (failed: number): ReapReport => ({
  active: 3,
  statuses: { busy: 1, idle: 1, unreachable: 0, skip: 1 },
  queried: 2,
  answered: 2,
  recorded: 1,
  stopped: [],
  conflicts: 0,
  failed,
  unfinished: false,
});

describe('the reaper function', () => {
  it('gives the tick a deadline inside its own timeout and answers the report', async () => {
    const tick = vi.fn(async () => report(0));
    const context = { ...lambdaContext, getRemainingTimeInMillis: () => 55_000 };
    const before = Date.now();
    await expect(createHandler({ tick } as Reaper, new RecordingSink())({}, context)).resolves.toEqual(
      report(0),
    );
    const deadline = (tick.mock.calls[0] as unknown as [{ deadline: number }])[0].deadline;
    expect(deadline).toBeGreaterThanOrEqual(before + 45_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 45_000);
  });

  it('keeps back a fifth of a short timeout', async () => {
    const tick = vi.fn(async () => report(0));
    const before = Date.now();
    await createHandler({ tick } as Reaper, new RecordingSink())(
      {},
      { ...lambdaContext, getRemainingTimeInMillis: () => 10_000 },
    );
    const deadline = (tick.mock.calls[0] as unknown as [{ deadline: number }])[0].deadline;
    expect(deadline).toBeGreaterThanOrEqual(before + 8_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 8_000);
  });

  it('fails the invocation after the tick when a server check failed, so the errors alarm sees it', async () => {
    const tick = vi.fn(async () => report(2));
    await expect(createHandler({ tick } as Reaper, new RecordingSink())({}, lambdaContext)).rejects.toThrow(
      '2 of 3 idle checks failed',
    );
  });

  it('measures each tick and counts the servers it stopped, by reason', async () => {
    const stopped = [
      { serverId: 'srv_a', reason: 'idle' as const },
      { serverId: 'srv_b', reason: 'idle' as const },
      { serverId: 'srv_c', reason: 'unreachable' as const },
    ];
    const tick = vi.fn(async () => ({ ...report(0), stopped }));
    const sink = new RecordingSink();
    await createHandler({ tick } as Reaper, sink)({}, lambdaContext);
    expect(sink.points).toEqual([
      { name: 'IdleTickDuration', unit: 'Milliseconds', value: expect.any(Number) },
      { name: 'IdleStops', unit: 'Count', value: 2, dimensions: { Reason: 'idle' } },
      { name: 'IdleStops', unit: 'Count', value: 1, dimensions: { Reason: 'unreachable' } },
    ]);
  });
});
