/**
 * Metric points as CloudWatch embedded-metric-format log lines, through Powertools Metrics
 * (the format, its validation and the `service` dimension, for ~15 KB of bundle, only in the
 * functions that emit). Each point is published at once with its own dimensions.
 * `POWERTOOLS_METRICS_DISABLED=true` turns it off (the local stack does, having no CloudWatch).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricPoint } from '../../domain/metrics.ts';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../domain/metrics.ts';
import type { MetricSink } from '../../services/ports.ts';

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds, Milliseconds: MetricUnit.Milliseconds };

export function createEmfSink(): MetricSink {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  return {
    record(points: readonly MetricPoint[]) {
      for (const point of points) {
        const single = metrics.singleMetric();
        for (const [name, value] of Object.entries(point.dimensions ?? {})) single.addDimension(name, value);
        single.addMetric(point.name, UNITS[point.unit], point.value);
      }
    },
  };
}
