/**
 * What the service measures, as CloudWatch metrics in one namespace: the names the functions
 * emit and the CDK's alarms and dashboard read, and the pure mapping from what happened to
 * points. Dimensions are kept to a few fixed values (a tenant or server id per dimension would
 * make a metric per server, each billed): ids go in the log lines instead.
 */
import type { StopReason } from './idle.ts';
import type { WebhookEvent } from './webhook.ts';

export const METRICS_NAMESPACE = 'ConvoyCloud';
/** The `service` dimension every point carries (Powertools adds it). */
export const METRICS_SERVICE = 'convoy-cloud';

export const METRIC = {
  /** A server entered `starting` (Count). */
  serverStarts: 'ServerStarts',
  /** A server entered `stopping`, by `Reason` (Count). */
  serverStops: 'ServerStops',
  /** From the start to the game server's readiness (Seconds). */
  startToReady: 'StartToReadySeconds',
  /** A server entered `error`: a launch or boot that failed (Count). */
  serverErrors: 'ServerErrors',
  /** One try of a webhook delivery, by `Outcome` (Count). */
  webhookDeliveries: 'WebhookDeliveries',
  /** One idle-reaper tick, start to report (Milliseconds). */
  idleTickDuration: 'IdleTickDuration',
  /** Servers the idle reaper stopped, by `Reason` (Count). */
  idleStops: 'IdleStops',
} as const;

export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds';

export interface MetricPoint {
  readonly name: (typeof METRIC)[keyof typeof METRIC];
  readonly unit: MetricUnit;
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** How a webhook try ended, as a dimension (`unhandled`: the message itself could not be handled). */
export const DELIVERY_OUTCOMES = ['delivered', 'retrying', 'failed', 'gone', 'unhandled'] as const;

/** Why servers stop, as a dimension: what the lifecycle and the reaper write, anything else `other`. */
export const STOP_REASONS = ['user', 'idle', 'unreachable', 'other'] as const;

const stopReason = (reason: unknown): (typeof STOP_REASONS)[number] =>
  STOP_REASONS.find((r) => r === reason) ?? 'other';

/** The points a lifecycle event makes (none for package and budget events). */
export function metricsOfEvent(event: Pick<WebhookEvent, 'type' | 'data'>): MetricPoint[] {
  switch (event.type) {
    case 'server.starting':
      return [{ name: METRIC.serverStarts, unit: 'Count', value: 1 }];
    case 'server.stopping':
      return [
        {
          name: METRIC.serverStops,
          unit: 'Count',
          value: 1,
          dimensions: { Reason: stopReason(event.data.reason) },
        },
      ];
    case 'server.error':
      return [{ name: METRIC.serverErrors, unit: 'Count', value: 1 }];
    case 'server.ready': {
      const seconds = event.data.startToReadySeconds;
      return typeof seconds === 'number' && seconds >= 0
        ? [{ name: METRIC.startToReady, unit: 'Seconds', value: seconds }]
        : [];
    }
    default:
      return [];
  }
}

/** The points of one idle-reaper tick. */
export function metricsOfIdleTick(
  durationMs: number,
  stopped: readonly { readonly reason: StopReason }[],
): MetricPoint[] {
  const points: MetricPoint[] = [{ name: METRIC.idleTickDuration, unit: 'Milliseconds', value: durationMs }];
  for (const reason of ['idle', 'unreachable'] as const) {
    const count = stopped.filter((s) => s.reason === reason).length;
    if (count)
      points.push({ name: METRIC.idleStops, unit: 'Count', value: count, dimensions: { Reason: reason } });
  }
  return points;
}
