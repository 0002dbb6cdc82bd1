import { describe, expect, it } from 'vitest';
import { METRIC, metricsOfEvent, metricsOfIdleTick } from '../../../shared/domain/metrics.ts';

const event = (type: string, data: Record<string, unknown> = {}) => ({ type, data }) as never;

describe('metricsOfEvent', () => {
  it('counts starts and errors, and stops by a reason from a fixed set', () => {
    expect(metricsOfEvent(event('server.starting'))).toEqual([
      { name: METRIC.serverStarts, unit: 'Count', value: 1 },
    ]);
    expect(metricsOfEvent(event('server.error', { reason: 'capacity' }))).toEqual([
      { name: METRIC.serverErrors, unit: 'Count', value: 1 },
    ]);
    for (const reason of ['user', 'idle', 'unreachable']) {
      expect(metricsOfEvent(event('server.stopping', { reason }))[0]?.dimensions).toEqual({ Reason: reason });
    }
    // Whatever else a reason says, it must not make a metric of its own (each is billed).
    for (const reason of [null, 'transition timed out after 900 s', 'srv_01', 42]) {
      expect(metricsOfEvent(event('server.stopping', { reason }))[0]?.dimensions).toEqual({
        Reason: 'other',
      });
    }
  });

  it('times start to ready in seconds, when the event knows it', () => {
    expect(metricsOfEvent(event('server.ready', { startToReadySeconds: 212 }))).toEqual([
      { name: METRIC.startToReady, unit: 'Seconds', value: 212 },
    ]);
    expect(metricsOfEvent(event('server.ready', { startToReadySeconds: null }))).toEqual([]);
  });

  it('makes no points of package or budget events, nor of the events already counted otherwise', () => {
    for (const type of [
      'package.ready',
      'package.invalid',
      'budget.warning',
      'server.empty',
      'server.stopped',
    ]) {
      expect(metricsOfEvent(event(type)), type).toEqual([]);
    }
  });
});

describe('metricsOfIdleTick', () => {
  it('reports the duration always, and stops only when there were some', () => {
    expect(metricsOfIdleTick(1234, [])).toEqual([
      { name: METRIC.idleTickDuration, unit: 'Milliseconds', value: 1234 },
    ]);
    expect(metricsOfIdleTick(5, [{ reason: 'unreachable' }]).slice(1)).toEqual([
      { name: METRIC.idleStops, unit: 'Count', value: 1, dimensions: { Reason: 'unreachable' } },
    ]);
  });
});
